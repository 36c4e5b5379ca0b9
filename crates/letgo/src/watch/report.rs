//! The report of a watch run, live or re-read from its folder: findings
//! per process lifetime, the summary line (and, when no sample could be
//! read, why), `report.json` in the folder and the HTML page. Shared by
//! `letgo watch` and `letgo profile DIR`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use letgo_pprof::DecodeOptions;
use letgo_runtime::Config;

use crate::paths;
use crate::report::Format;
use crate::runtime::findings::{finish, Reported};
use crate::runtime::source::SourceTree;
use crate::watch::folder::{write_atomic, RunInfo, SampleRecord};
use crate::watch::html::{self, Page};
use crate::watch::series::{any_read, failure_summary, Series};

/// Where and how the report goes.
pub struct Output {
    pub format: Format,
    pub html: Option<PathBuf>,
}

/// Re-analyses a run folder (`letgo watch --resume DIR`, `letgo profile DIR`).
pub fn report_folder(
    dir: &Path,
    config: &Config,
    source: Option<&SourceTree>,
    output: &Output,
    decode: &DecodeOptions,
) -> anyhow::Result<ExitCode> {
    let (info, series, notes) = Series::load(dir, config.group_by, decode)?;
    let report = Report {
        info: &info,
        series: &series,
        notes: &notes,
        folder: dir,
    };
    report.write(config, source, output)
}

/// A finished run, ready to report.
pub struct Report<'a> {
    pub info: &'a RunInfo,
    pub series: &'a Series,
    pub notes: &'a [String],
    pub folder: &'a Path,
}

impl Report<'_> {
    /// Prints the findings, writes `report.json` into the run folder and
    /// the HTML page if asked; exit code 1 if anything was found, 2 if no
    /// sample could be read (nothing was analysed, so nothing is known).
    pub fn write(
        &self,
        config: &Config,
        source: Option<&SourceTree>,
        output: &Output,
    ) -> anyhow::Result<ExitCode> {
        let mut reported = self.series.analyze(config, source);
        if let Some(tree) = source {
            crate::runtime::static_join::StaticIndex::build(tree.root()).annotate(&mut reported);
        }
        for note in self.notes {
            eprintln!("letgo: {note}");
        }
        let profiled = self.series.records.iter().any(|r| r.goroutines.is_some());
        if profiled {
            eprintln!(
                "letgo: goroutine counts come from the sampled goroutine profiles and wait times from the latest debug=2 dump; a nil channel is told only by the dumps in the run folder (`letgo profile DIR/*/goroutine-debug2.txt`)"
            );
        }
        let read_any = any_read(&self.series.records);
        eprintln!("{}", self.summary(reported.len(), read_any));
        let mut json = Vec::new();
        crate::runtime::findings::render(&mut json, &reported, &Default::default(), Format::Json)?;
        write_atomic(&self.folder.join("report.json"), &json)?;
        if let Some(path) = &output.html {
            self.write_html(path, &reported)?;
        }
        if !read_any {
            return Ok(ExitCode::from(2));
        }
        finish(&reported, output.format)
    }

    fn write_html(&self, path: &Path, reported: &[Reported]) -> anyhow::Result<()> {
        let failures = failure_summary(&self.series.records);
        let page = html::render(&Page {
            info: self.info,
            records: &self.series.records,
            reported,
            failures: &failures,
            notes: self.notes,
        });
        write_atomic(path, page.as_bytes())?;
        eprintln!("wrote {}", paths::display(path));
        Ok(())
    }

    /// Samples, failures (the first reason per endpoint), restarts and
    /// findings; or, when no sample could be read, that and why.
    fn summary(&self, findings: usize, read_any: bool) -> String {
        let records: &[SampleRecord] = &self.series.records;
        let failed = records.iter().filter(|r| !r.is_complete()).count();
        let head = if read_any {
            format!(
                "{}: {} sample(s), {failed} failed, {} restart(s) of the target; {findings} finding(s); run folder {}",
                self.info.url,
                records.len(),
                self.series.restarts(),
                paths::display(self.folder)
            )
        } else {
            format!(
                "{}: no sample could be read ({} attempted), so nothing was analysed; run folder {}",
                self.info.url,
                records.len(),
                paths::display(self.folder)
            )
        };
        let mut lines = vec![head];
        for f in failure_summary(records) {
            lines.push(format!("  {f}"));
        }
        lines.join("\n")
    }
}
