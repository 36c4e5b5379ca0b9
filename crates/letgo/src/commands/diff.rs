//! `letgo diff BASE NEW`: growth per site between two heap profiles (or two
//! goroutine snapshots), like `go tool pprof -diff_base` but ranked and
//! explained; `--write-pprof OUT` writes NEW minus BASE as a profile that
//! `go tool pprof` opens.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use std::sync::Arc;

use letgo_pprof::Profile;
use letgo_runtime::diff_profile::goroutine_diff;
use letgo_runtime::{
    analyze_goroutines, analyze_heap, Config, GoroutineSnapshot, HeapAnalysis, Taken,
};

use crate::paths;
use crate::report::Format;
use crate::runtime::args::GroupByArg;
use crate::runtime::findings::finish;
use crate::runtime::findings::{goroutine_findings, heap_findings, human_bytes};
use crate::runtime::input::{load, Inputs, Reading};
use crate::runtime::source::SourceTree;

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The earlier profile or dump (a file or URL).
    pub base: String,
    /// The later one, of the same kind.
    pub new: String,
    /// Write NEW minus BASE as a gzipped pprof profile: every stack of
    /// both, all sample types, BASE negated (what `go tool pprof -base
    /// BASE NEW` shows, in one file).
    #[arg(long, value_name = "OUT")]
    pub write_pprof: Option<PathBuf>,
    /// A checkout of the program's source, to show the code at each finding.
    #[arg(long)]
    pub source: Option<PathBuf>,
    /// How goroutines are grouped.
    #[arg(long, value_enum, default_value_t = GroupByArg::Stack)]
    pub group_by: GroupByArg,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The most a profile may decompress to, in MiB (decompression bombs;
    /// a plain goroutine dump is streamed and read whatever its size).
    #[arg(long, value_name = "MIB", default_value_t = 1024)]
    pub max_decoded_mib: u64,
    /// How long fetching URLs may take in all: connecting, the headers
    /// and the bodies (`30s`, `2m`).
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    pub timeout: std::time::Duration,
}

pub fn run(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let source = args.source.as_deref().map(SourceTree::open).transpose()?;
    let config = Config {
        group_by: args.group_by.into(),
        ..Config::default()
    };
    let mut reading = Reading::new(config.group_by, args.max_decoded_mib, args.timeout);
    reading.keep_profiles = args.write_pprof.is_some();
    let mut inputs = load(&[args.base.clone(), args.new.clone()], &reading)?;
    swap_if_base_is_newer(&mut inputs, args);
    for note in &inputs.notes {
        eprintln!("letgo: {note}");
    }
    let reported = match (inputs.heaps.len(), series_len(&inputs)) {
        (2, 0) => {
            let heap = analyze_heap(&inputs.heaps, &config);
            eprintln!("{}", heap_summary(&heap));
            if let Some(out) = &args.write_pprof {
                write(written_diff(&inputs, &inputs.heaps, None, out)?, out)?;
            }
            heap_findings(&heap, source.as_ref())
        }
        (0, 2) => {
            let goroutines = analyze_goroutines(&inputs.goroutines, &config);
            eprintln!(
                "goroutines: {} → {}",
                goroutines.totals[0], goroutines.totals[1]
            );
            if let Some(out) = &args.write_pprof {
                let dumps = Some(&inputs.goroutines[..]);
                write(written_diff(&inputs, &inputs.goroutines, dumps, out)?, out)?;
            }
            goroutine_findings(&goroutines, source.as_ref())
        }
        _ => bail!(
            "{} and {}: expected two heap profiles or two goroutine snapshots (goroutine dumps or profiles)",
            args.base,
            args.new
        ),
    };
    finish(&reported, args.format)
}

/// NEW minus BASE as a profile: the two protobuf profiles subtracted stack
/// by stack (as `go tool pprof -base` does), or for goroutine dumps,
/// which have no protobuf form, every group of both.
fn written_diff<T: Taken>(
    inputs: &Inputs,
    pair: &[T],
    dumps: Option<&[GoroutineSnapshot]>,
    out: &Path,
) -> anyhow::Result<Profile> {
    let name: Arc<str> = Arc::from(paths::display(out).as_str());
    let raw = |i: usize| {
        let input = pair[i].input_name();
        inputs
            .profiles
            .iter()
            .find(|(n, _)| n == input)
            .map(|(_, p)| p)
    };
    if let (Some(base), Some(new)) = (raw(0), raw(1)) {
        return Ok(letgo_pprof::subtract(base, new, &name)?);
    }
    match dumps {
        Some([base, new]) => Ok(goroutine_diff(base, new, &name)?),
        _ => bail!(
            "{}: --write-pprof needs two protobuf heap profiles (`/debug/pprof/heap`, not `?debug=1` text)",
            paths::display(out)
        ),
    }
}
/// A diff is NEW minus BASE in time: when BASE was taken after NEW (by the
/// profiles' timestamps, or file times for dumps), the two are swapped,
/// and the user told, rather than a fall reported as growth.
fn swap_if_base_is_newer(inputs: &mut Inputs, args: &DiffArgs) {
    let swapped = letgo_runtime::into_time_order(&mut inputs.heaps).is_some()
        | letgo_runtime::into_time_order(&mut inputs.goroutines).is_some();
    if swapped {
        eprintln!(
            "letgo: {} was taken after {}: swapped, so the diff is from the older to the newer",
            args.base, args.new
        );
    }
}

/// Goroutine snapshots other than `goroutineleak` profiles.
fn series_len(inputs: &Inputs) -> usize {
    inputs
        .goroutines
        .iter()
        .filter(|g| g.source != letgo_runtime::GoroutineSource::LeakProfile)
        .count()
}

/// The totals and the largest rises, for stderr.
fn heap_summary(heap: &HeapAnalysis) -> String {
    let mut lines = vec![format!(
        "in-use heap: {} → {}",
        human_bytes(heap.totals[0]),
        human_bytes(heap.totals[1])
    )];
    for s in heap.sites.iter().filter(|s| s.increase() > 0).take(10) {
        let name = s.site.site.as_ref().map_or("?", |f| &*f.function);
        lines.push(format!(
            "  {:>12}  {name}",
            format!("+{}", human_bytes(s.increase()))
        ));
    }
    lines.join("\n")
}

/// Writes atomically: a temporary file next to `out`, then a rename.
fn write(profile: Profile, out: &Path) -> anyhow::Result<()> {
    let shown = paths::display(out);
    let tmp = out.with_extension("letgo-tmp");
    std::fs::write(&tmp, profile.encode_gzip())
        .with_context(|| format!("{shown}: cannot write"))?;
    std::fs::rename(&tmp, out).with_context(|| format!("{shown}: cannot write"))?;
    eprintln!("wrote {shown}");
    Ok(())
}
