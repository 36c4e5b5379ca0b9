//! The terminal view while sampling: elapsed and remaining time, samples
//! taken and failed, heap in use and goroutines with their trends, and the
//! top suspects so far. Drawn with indicatif on stderr, and only when
//! stderr is a terminal: in CI or a pipe the run stays quiet until its
//! report.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use letgo_runtime::{Config, Growth};

use crate::runtime::findings::human_bytes;
use crate::watch::series::Series;

/// Suspects listed in the view.
const TOP_SUSPECTS: usize = 5;

/// The live view, or nothing; and the findings said so far.
pub struct LiveView {
    bar: Option<ProgressBar>,
    planned: Option<Duration>,
    /// (code, function, line) of each finding already announced.
    announced: HashSet<(String, Option<String>, Option<u32>)>,
}

impl LiveView {
    /// A view on stderr if it is a terminal; `planned` is `--for`.
    pub fn new(planned: Option<Duration>) -> LiveView {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            let style = ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar.set_message("waiting for the first sample…");
            bar
        });
        LiveView {
            bar,
            planned,
            announced: HashSet::new(),
        }
    }

    /// After a sample: prints each finding the moment it is first seen
    /// (above the view on a terminal, as a line on stderr otherwise: a
    /// long run says what it found without waiting for its end), then
    /// redraws the view.
    pub fn update(&mut self, series: &Series, config: &Config, elapsed: Duration) {
        let findings = series.analyze(config, None);
        for r in &findings {
            let f = &r.finding;
            if f.severity == crate::report::Severity::Info {
                continue;
            }
            let key = (
                f.code.clone(),
                f.function.clone(),
                f.at.as_ref().map(|a| a.line),
            );
            if self.announced.insert(key) {
                let line = format!(
                    "letgo: found after sample {} ({}): {}",
                    series.records.len(),
                    clock(elapsed),
                    crate::report::one_line(f)
                );
                match &self.bar {
                    Some(bar) => bar.println(line),
                    None => eprintln!("{line}"),
                }
            }
        }
        if let Some(bar) = &self.bar {
            bar.set_message(view_lines(series, config, &findings, elapsed, self.planned));
        }
    }

    /// Clears the view before the report is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The view's lines.
#[cfg(test)]
pub fn view_text(
    series: &Series,
    config: &Config,
    elapsed: Duration,
    planned: Option<Duration>,
) -> String {
    let findings = series.analyze(config, None);
    view_lines(series, config, &findings, elapsed, planned)
}

fn view_lines(
    series: &Series,
    config: &Config,
    findings: &[crate::runtime::findings::Reported],
    elapsed: Duration,
    planned: Option<Duration>,
) -> String {
    let failed = series.records.iter().filter(|r| !r.is_complete()).count();
    let time = match planned {
        Some(p) => format!(
            "{} elapsed, {} left",
            clock(elapsed),
            clock(p.saturating_sub(elapsed))
        ),
        None => format!("{} elapsed (Ctrl-C to stop and report)", clock(elapsed)),
    };
    let mut lines = vec![format!(
        "{time} · {} samples, {failed} failed · {} restarts",
        series.records.len(),
        series.restarts()
    )];
    let values = |f: &dyn Fn(&crate::watch::folder::SampleRecord) -> Option<f64>| -> Vec<f64> {
        series.records.iter().filter_map(f).collect()
    };
    let heap = values(&|r| r.heap_inuse_bytes.map(|b| b as f64));
    let goroutines = values(&|r| r.goroutines.map(|g| g as f64));
    if let (Some(h), Some(g)) = (heap.last(), goroutines.last()) {
        lines.push(format!(
            "heap in use {} ({}) · goroutines {g} ({})",
            human_bytes(*h as i64),
            trend(&heap, &config.heap_growth),
            trend(&goroutines, &config.total_growth)
        ));
    }
    if !findings.is_empty() {
        lines.push("suspects so far:".into());
    }
    for r in findings.iter().take(TOP_SUSPECTS) {
        lines.push(format!("  {} {}", r.finding.code, r.finding.message));
    }
    lines.join("\n")
}

fn trend(values: &[f64], rule: &letgo_runtime::GrowthRule) -> String {
    match Growth::assess(values, rule) {
        Some(g) => match g.slope_per_snapshot {
            Some(s) if s > 0.0 => format!("rising, {}", g.shape.name()),
            Some(s) if s < 0.0 => "falling".into(),
            _ => "flat".into(),
        },
        None => "first sample".into(),
    }
}

fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::folder::SampleRecord;

    #[test]
    fn the_view_says_time_samples_and_totals() {
        let mut series = Series::default();
        for seq in 1..=3 {
            let record = SampleRecord {
                seq,
                goroutines: Some(10 * seq),
                heap_inuse_bytes: Some(1 << 20),
                profiles: Vec::new(),
                ..SampleRecord::default()
            };
            series.push(record, Vec::new());
        }
        let text = view_text(
            &series,
            &Config::default(),
            Duration::from_secs(75),
            Some(Duration::from_secs(600)),
        );
        assert!(
            text.starts_with("00:01:15 elapsed, 00:08:45 left · 3 samples, 3 failed"),
            "{text}"
        );
        assert!(
            text.contains("heap in use 1.0 MiB (flat) · goroutines 30 (rising"),
            "{text}"
        );
    }
}
