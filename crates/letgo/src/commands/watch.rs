//! `letgo watch URL`: samples a live `/debug/pprof/` endpoint every
//! `--every` for `--for` (or until Ctrl-C), writes every sample to a run
//! folder as it arrives, and reports what kept growing (LG501–LG504) in
//! any format of `check`, plus an HTML page with charts.
//! `letgo watch --resume DIR` re-analyses a run folder offline.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::bail;
use clap::Args;
use letgo_pprof::DecodeOptions;

use crate::paths;
use crate::report::Format;
use crate::runtime::args::GroupByArg;
use crate::runtime::http::HttpUrl;
use crate::runtime::input::pprof_prefix;
use crate::runtime::source::SourceTree;
use crate::watch::folder::{RunFolder, RunInfo};
use crate::watch::live::LiveView;
use crate::watch::report::{report_folder, Output, Report};
use crate::watch::sampler::{Sampler, SamplerOptions};
use crate::watch::series::Series;
use crate::watch::settings::WatchSettings;

#[derive(Args, Debug)]
pub struct WatchArgs {
    /// The target: `http://host:port` or a URL ending in `/debug/pprof/`.
    #[arg(required_unless_present = "resume", conflicts_with = "resume")]
    pub url: Option<String>,
    /// The interval between samples (`500ms`, `10s`, `1m`).
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub every: Duration,
    /// How long to sample (`10m`, `2h`); without it, until Ctrl-C.
    #[arg(long = "for", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub duration: Option<Duration>,
    /// Stop after this many samples.
    #[arg(long, value_name = "N")]
    pub samples: Option<u64>,
    /// The run folder; the default is `letgo-watch-<time>` here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Re-analyse a finished (or interrupted) run folder instead of sampling.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// A checkout of the program's source, to show the code at each finding.
    #[arg(long)]
    pub source: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write the report as a self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Ask the target to collect garbage before each heap profile
    /// (`heap?gc=1`): exact in-use numbers, at the cost of a GC per sample.
    #[arg(long)]
    pub gc: bool,
    /// Send `Authorization: Bearer TOKEN`.
    #[arg(long, value_name = "TOKEN")]
    pub bearer: Option<String>,
    /// Send a header, `Name: value` (repeatable).
    #[arg(long = "header", value_name = "K:V")]
    pub headers: Vec<String>,
    /// How long one sample's requests may take in all (connecting, headers
    /// and bodies); `--for` cuts a sample in flight too.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
    /// The largest response body accepted, in MiB, as served.
    #[arg(long, default_value_t = 256)]
    pub max_body_mib: u64,
    /// The most a profile may decompress to, in MiB (decompression bombs).
    #[arg(long, default_value_t = 1024)]
    pub max_decoded_mib: u64,
    /// Fetch the `debug=2` dump and `goroutineleak` every N samples.
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub detail_every: u64,
    /// How goroutines are grouped.
    #[arg(long, value_enum, default_value_t = GroupByArg::Stack)]
    pub group_by: GroupByArg,
}

/// The shortest interval accepted: below it the sampler would be the load.
const MIN_EVERY: Duration = Duration::from_millis(50);

pub fn run(args: &WatchArgs) -> anyhow::Result<ExitCode> {
    let settings_dir = args.source.clone().unwrap_or_else(|| PathBuf::from("."));
    let config = WatchSettings::read(&settings_dir)?.config(args.group_by.into())?;
    let source = args.source.as_deref().map(SourceTree::open).transpose()?;
    let output = Output {
        format: args.format,
        html: args.html.clone(),
    };
    if let Some(dir) = &args.resume {
        return report_folder(
            dir,
            &config,
            source.as_ref(),
            &output,
            &decode_options(args),
        );
    }
    let options = sampler_options(args)?;
    let out = args.out.clone().unwrap_or_else(default_out);
    let info = RunInfo {
        url: options.target.display(),
        every_ms: options.every.as_millis() as u64,
        started_unix_ms: unix_ms(),
        letgo: env!("CARGO_PKG_VERSION").to_string(),
    };
    let folder = RunFolder::create(&out, &info)?;
    eprintln!(
        "letgo: watching {} every {}; samples go to {}",
        info.url,
        humantime::format_duration(options.every),
        paths::display(&out)
    );
    let stop = Arc::new(AtomicBool::new(false));
    install_ctrl_c(&stop);
    let mut live = LiveView::new(options.duration);
    let started = Instant::now();
    let mut series = Series::default();
    let mut sampler = Sampler::new(options, folder, stop);
    let sampled = sampler.run(&mut series, &mut |s| {
        live.update(s, &config, started.elapsed())
    });
    live.finish();
    sampled?;
    let report = Report {
        info: &info,
        series: &series,
        notes: &sampler.notes,
        folder: &out,
    };
    report.write(&config, source.as_ref(), &output)
}

fn decode_options(args: &WatchArgs) -> DecodeOptions {
    DecodeOptions {
        max_decoded_bytes: args.max_decoded_mib.saturating_mul(1 << 20),
    }
}

fn sampler_options(args: &WatchArgs) -> anyhow::Result<SamplerOptions> {
    let Some(url) = &args.url else {
        bail!("expected a URL to watch, or --resume DIR");
    };
    let target = HttpUrl::parse(url)?;
    let Some(prefix) = pprof_prefix(&target.path) else {
        bail!("{url}: expected a base URL (http://host:port, or one ending in /debug/pprof/), not one profile's");
    };
    if args.every < MIN_EVERY {
        bail!(
            "--every {}: expected at least {} ms",
            humantime::format_duration(args.every),
            MIN_EVERY.as_millis()
        );
    }
    Ok(SamplerOptions {
        target: target.with_path(&prefix),
        every: args.every,
        duration: args.duration,
        max_samples: args.samples,
        gc: args.gc,
        headers: headers(args)?,
        timeout: args.timeout,
        max_body: args.max_body_mib.saturating_mul(1 << 20),
        decode: decode_options(args),
        detail_every: args.detail_every.max(1),
        group_by: args.group_by.into(),
    })
}

/// `--bearer` and `--header K:V`.
fn headers(args: &WatchArgs) -> anyhow::Result<Vec<(String, String)>> {
    let mut headers = Vec::new();
    if let Some(token) = &args.bearer {
        headers.push(("Authorization".to_string(), format!("Bearer {token}")));
    }
    for h in &args.headers {
        let Some((name, value)) = h.split_once(':') else {
            bail!("--header {h}: expected `Name: value`");
        };
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok(headers)
}

/// Ctrl-C stops sampling after the request in flight, and the report is
/// still written; a second Ctrl-C exits at once.
fn install_ctrl_c(stop: &Arc<AtomicBool>) {
    let stop = Arc::clone(stop);
    let installed = ctrlc::set_handler(move || {
        if stop.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\nletgo: stopping after the request in flight; Ctrl-C again to quit at once");
    });
    if let Err(e) = installed {
        eprintln!("letgo: Ctrl-C will not write a report: {e}");
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `letgo-watch-20250314T091502Z`.
fn default_out() -> PathBuf {
    let stamp = humantime::format_rfc3339_seconds(SystemTime::now())
        .to_string()
        .replace(['-', ':'], "");
    PathBuf::from(format!("letgo-watch-{stamp}"))
}
