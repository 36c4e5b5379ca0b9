//! `letgo profile FILE_OR_URL...`: reads goroutine dumps, `goroutine`,
//! `goroutineleak` and heap profiles (files or a live `/debug/pprof/`
//! endpoint) and reports leaked goroutines (LG501), pile-ups (LG502), heap
//! growth (LG503) and goroutine growth (LG504). Inputs of one kind are
//! taken as snapshots in the order they were taken (their timestamps).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use letgo_runtime::{analyze_goroutines_owned, analyze_heap, Config};

use crate::report::Format;
use crate::runtime::args::GroupByArg;
use crate::runtime::findings::{goroutine_findings_top, heap_findings_top, Omitted, Reported};
use crate::runtime::input::{load, Inputs, Reading};
use crate::runtime::source::SourceTree;

#[derive(Args, Debug)]
pub struct ProfileArgs {
    /// Profiles, goroutine dumps or `http://host:port` pprof endpoints,
    /// oldest first.
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// A checkout of the program's source, to show the code at each finding.
    #[arg(long)]
    pub source: Option<PathBuf>,
    /// How goroutines are grouped.
    #[arg(long, value_enum, default_value_t = GroupByArg::Stack)]
    pub group_by: GroupByArg,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Text output: detail the first N goroutine findings and the first N
    /// heap findings, and count the rest in one line (as `go tool pprof
    /// -nodecount` does). JSON, SARIF and GitHub output list them all.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub limit: usize,
    /// Text output: detail every finding.
    #[arg(long, conflicts_with = "limit")]
    pub all: bool,
    /// The most a profile may decompress to, in MiB (decompression bombs;
    /// a plain goroutine dump is streamed and read whatever its size).
    #[arg(long, value_name = "MIB", default_value_t = 1024)]
    pub max_decoded_mib: u64,
    /// How long fetching URLs may take in all: connecting, the headers
    /// and the bodies (`30s`, `2m`).
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    pub timeout: std::time::Duration,
}

impl ProfileArgs {
    /// How many findings of each kind get their details: all of them but
    /// in text, where a profile of thousands of stacks would bury the top.
    fn shown(&self) -> Option<usize> {
        (self.format == Format::Text && !self.all).then_some(self.limit)
    }
}

pub fn run(args: &ProfileArgs) -> anyhow::Result<ExitCode> {
    let source = args.source.as_deref().map(SourceTree::open).transpose()?;
    let config = Config {
        group_by: args.group_by.into(),
        ..Config::default()
    };
    if let [dir] = args.inputs.as_slice() {
        if crate::watch::folder::is_run_folder(std::path::Path::new(dir)) {
            return run_folder(args, std::path::Path::new(dir), source.as_ref());
        }
    }
    let reading = Reading::new(config.group_by, args.max_decoded_mib, args.timeout);
    let mut inputs = load(&args.inputs, &reading)?;
    inputs.sort_by_time();
    inputs.note_missing_leak_profile();
    inputs.note_format_limits();
    let read = summary(&inputs);
    let notes = std::mem::take(&mut inputs.notes);
    let mut omitted = Omitted::default();
    let mut reported = analyze(inputs, &config, source.as_ref(), args.shown(), &mut omitted);
    if let Some(dir) = &args.source {
        crate::runtime::static_join::StaticIndex::build(dir).annotate(&mut reported);
    }
    for note in &notes {
        eprintln!("letgo: {note}");
    }
    let findings = reported.len() + omitted.findings();
    eprintln!("{read}; {findings} finding(s)");
    crate::runtime::findings::finish_omitting(&reported, &omitted, args.format)
}

/// `letgo profile DIR` on a `letgo watch` run folder: the watch report,
/// with the `[watch]` thresholds of `letgo.toml`.
fn run_folder(
    args: &ProfileArgs,
    dir: &std::path::Path,
    source: Option<&SourceTree>,
) -> anyhow::Result<ExitCode> {
    let settings_dir = args.source.clone().unwrap_or_else(|| PathBuf::from("."));
    let config =
        crate::watch::settings::WatchSettings::read(&settings_dir)?.config(args.group_by.into())?;
    let output = crate::watch::report::Output {
        format: args.format,
        html: None,
    };
    crate::watch::report::report_folder(
        dir,
        &config,
        source,
        &output,
        &letgo_pprof::DecodeOptions::default(),
    )
}

/// Runs every analysis the inputs allow, in triage order, building the
/// first `shown` findings of each kind (all with `None`) and counting the
/// rest into `omitted`.
pub fn analyze(
    inputs: Inputs,
    config: &Config,
    source: Option<&SourceTree>,
    shown: Option<usize>,
    omitted: &mut Omitted,
) -> Vec<Reported> {
    // The inputs are not needed after this: their groups move, not copy.
    let goroutines = analyze_goroutines_owned(inputs.goroutines, config);
    let heap = analyze_heap(&inputs.heaps, config);
    let mut reported = goroutine_findings_top(&goroutines, source, shown, omitted);
    reported.extend(heap_findings_top(&heap, source, shown, omitted));
    crate::runtime::findings::fold_goroutine_memory(&mut reported, &heap);
    // Freeing thousands of groups one by one took a tenth of the run on a
    // big profile; the process ends soon after and the OS takes it all.
    std::mem::forget((goroutines, heap, inputs.heaps));
    reported
}

/// What was read: the start of the line that ends with the findings' count.
fn summary(inputs: &Inputs) -> String {
    let goroutines: u64 = inputs.goroutines.iter().map(|g| g.total).sum();
    format!(
        "read {} goroutine snapshot(s) ({goroutines} goroutines) and {} heap snapshot(s)",
        inputs.goroutines.len(),
        inputs.heaps.len()
    )
}
