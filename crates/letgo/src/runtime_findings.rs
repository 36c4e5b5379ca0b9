//! Turns the runtime analyses into findings (LG501–LG504) with their
//! evidence, and renders them: JSON and GitHub through `report`, text as a
//! triage list with state, counts, wait, code frame and stack under each
//! finding.

use std::io::{self, Write};
use std::path::Path;

use letgo_runtime::{
    AssessedGroup, AssessedSite, GoroutineAnalysis, Growth, HeapAnalysis, Reason, SiteFrame,
    Verdict,
};
use serde_json::{json, Value};

use crate::paths;
use crate::report::{self, Finding, Format, Location, Severity, Source};
use crate::runtime_source::{code_frame, SourceTree};

/// Lines of code shown above and below a finding's line.
const CODE_FRAME_CONTEXT: u32 = 2;

/// A finding and the lines the text output adds under it.
#[derive(Debug, Clone)]
pub struct Reported {
    pub finding: Finding,
    pub details: Vec<String>,
}

/// Findings past a text report's limit, counted in one line at its end
/// rather than detailed: a profile can hold thousands of distinct stacks,
/// and a triage list is read from the top.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Omitted {
    /// Goroutine group findings (LG501, LG502) left out.
    pub groups: usize,
    /// The goroutines in them.
    pub goroutines: u64,
    /// Heap growth findings (LG503) left out.
    pub sites: usize,
}

impl Omitted {
    /// How many findings were left out.
    pub fn findings(&self) -> usize {
        self.groups + self.sites
    }
}

/// Findings for the proven-leak and suspect goroutine groups, in triage
/// order (the analysis ranks them), then the total goroutine trend.
pub fn goroutine_findings(
    analysis: &GoroutineAnalysis,
    source: Option<&SourceTree>,
) -> Vec<Reported> {
    goroutine_findings_top(analysis, source, None, &mut Omitted::default())
}

/// [`goroutine_findings`] for the first `limit` groups only (all with
/// `None`), counting the rest into `omitted`; only the findings shown are
/// built, with their evidence and stacks.
pub fn goroutine_findings_top(
    analysis: &GoroutineAnalysis,
    source: Option<&SourceTree>,
    limit: Option<usize>,
    omitted: &mut Omitted,
) -> Vec<Reported> {
    let flagged = analysis
        .groups
        .iter()
        .filter(|g| matches!(g.verdict, Verdict::ProvenLeak | Verdict::Suspect));
    let mut out = Vec::new();
    for (i, g) in flagged.enumerate() {
        if limit.is_none_or(|n| i < n) {
            out.push(group_finding(g, analysis, source));
        } else {
            omitted.groups += 1;
            omitted.goroutines += g.group.count;
        }
    }
    out.extend(total_finding(analysis));
    out
}

fn group_finding(
    g: &AssessedGroup,
    analysis: &GoroutineAnalysis,
    source: Option<&SourceTree>,
) -> Reported {
    let group = &g.group;
    let site = group.site();
    let (code, name, severity) = match g.verdict {
        Verdict::ProvenLeak => ("LG501", "leaked-goroutines", Severity::Error),
        _ => ("LG502", "goroutine-pileup", Severity::Warning),
    };
    let noun = plural(group.count, "goroutine", "goroutines");
    let place = site.map_or(String::new(), |f| {
        format!(" in `{}`", short_function(&f.function))
    });
    let message = match g.verdict {
        Verdict::ProvenLeak => format!(
            "{} {noun} leaked, blocked in {}{place}: Go proved they can never run again",
            group.count, group.state
        ),
        _ => format!(
            "{} {noun} blocked in {}{place}: {}",
            group.count,
            group.state,
            g.reasons
                .iter()
                .map(reason_text)
                .collect::<Vec<_>>()
                .join("; ")
        ),
    };
    let reasons: Vec<String> = g.reasons.iter().map(reason_text).collect();
    let evidence = json!({
        "state": &*group.state,
        "count": group.count,
        "leaked": group.leaked.max(proven(&g.reasons)),
        "counts": g.counts,
        "snapshots": names(&analysis.snapshots),
        "wait_minutes": group.minutes.map(|(lo, hi)| json!({"min": lo, "max": hi})),
        "wait_minutes_note": "printed from one minute on, measured from a GC before the block began (over-reports); leaked goroutines print none",
        "labels": group.labels,
        "reasons": reasons,
        "trend": g.growth.as_ref().map(trend_json),
        "created_by": group.created_by.as_ref().map(frame_json),
        "example_goroutine_ids": group.example_ids,
        "stack": group.frames.iter().map(frame_json).collect::<Vec<_>>(),
    });
    let (at, mut details) = locate(site, source);
    let mut lines = vec![format!(
        "state: {} · {} {noun} · waiting: {}",
        group.state,
        group.count,
        wait_text(group.minutes)
    )];
    if g.counts.len() > 1 {
        lines.push(format!("counts per snapshot: {}", join_arrow(&g.counts)));
    }
    lines.push(format!("why: {}", reasons.join("; ")));
    if !group.labels.is_empty() {
        let labels: Vec<String> = group
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={}", v.iter().cloned().collect::<Vec<_>>().join(",")))
            .collect();
        lines.push(format!("labels: {}", labels.join(" ")));
    }
    lines.append(&mut details);
    lines.push("stack:".into());
    lines.extend(stack_lines(&group.frames, group.created_by.as_ref()));
    Reported {
        finding: Finding {
            code: code.into(),
            name: name.into(),
            severity,
            message,
            at,
            function: site.map(|f| f.function.to_string()),
            source: Source::Runtime,
            evidence,
            fix: None,
        },
        details: lines,
    }
}

fn proven(reasons: &[Reason]) -> u64 {
    reasons
        .iter()
        .find_map(|r| match r {
            Reason::ProvenByGo { leaked } => Some(*leaked),
            _ => None,
        })
        .unwrap_or(0)
}

/// LG504 when the total number of goroutines grew.
fn total_finding(analysis: &GoroutineAnalysis) -> Option<Reported> {
    let growth = analysis.total_growth.as_ref().filter(|g| g.growing)?;
    let (first, last) = (analysis.totals.first()?, analysis.totals.last()?);
    let message = format!(
        "goroutines grew from {first} to {last} over {} snapshots",
        analysis.totals.len()
    );
    Some(Reported {
        finding: Finding {
            code: "LG504".into(),
            name: "goroutine-growth".into(),
            severity: Severity::Warning,
            message,
            at: None,
            function: None,
            source: Source::Runtime,
            evidence: json!({
                "totals": analysis.totals,
                "snapshots": names(&analysis.snapshots),
                "trend": trend_json(growth),
            }),
            fix: None,
        },
        details: vec![
            format!("totals per snapshot: {}", join_arrow(&analysis.totals)),
            format!("trend: {}", growth_text(growth, "goroutines")),
        ],
    })
}

/// LG503 for each growing allocation site.
pub fn heap_findings(analysis: &HeapAnalysis, source: Option<&SourceTree>) -> Vec<Reported> {
    heap_findings_top(analysis, source, None, &mut Omitted::default())
}

/// [`heap_findings`] for the first `limit` growing sites only, counting
/// the rest into `omitted`.
pub fn heap_findings_top(
    analysis: &HeapAnalysis,
    source: Option<&SourceTree>,
    limit: Option<usize>,
    omitted: &mut Omitted,
) -> Vec<Reported> {
    let growing = analysis.sites.iter().filter(|s| s.is_growing());
    let mut out = Vec::new();
    for (i, s) in growing.enumerate() {
        if limit.is_none_or(|n| i < n) {
            out.push(heap_finding(s, analysis, source));
        } else {
            omitted.sites += 1;
        }
    }
    out
}

fn heap_finding(
    s: &AssessedSite,
    analysis: &HeapAnalysis,
    source: Option<&SourceTree>,
) -> Reported {
    let site = s.site.site.as_ref();
    let place = site.map_or(String::new(), |f| {
        format!(" at `{}`", short_function(&f.function))
    });
    let last = s.bytes.last().copied().unwrap_or(0);
    let message = format!(
        "in-use heap allocated{place} grew by {} over {} snapshots, to {}",
        human_bytes(s.increase()),
        s.bytes.len(),
        human_bytes(last)
    );
    let evidence = json!({
        "inuse_bytes": s.bytes,
        "inuse_objects": s.objects,
        "snapshots": names(&analysis.snapshots),
        "increase_bytes": s.increase(),
        "trend": s.growth.as_ref().map(trend_json),
        "stack": s.site.frames.iter().map(frame_json).collect::<Vec<_>>(),
    });
    let (at, mut details) = locate(site, source);
    let bytes: Vec<String> = s.bytes.iter().map(|&b| human_bytes(b)).collect();
    let mut lines = vec![format!("in-use per snapshot: {}", bytes.join(" → "))];
    if let Some(g) = &s.growth {
        lines.push(format!("trend: {}", growth_text(g, "bytes")));
    }
    lines.append(&mut details);
    lines.push("stack:".into());
    lines.extend(stack_lines(&s.site.frames, None));
    Reported {
        finding: Finding {
            code: "LG503".into(),
            name: "heap-growth".into(),
            severity: Severity::Warning,
            message,
            at,
            function: site.map(|f| f.function.to_string()),
            source: Source::Runtime,
            evidence,
            fix: None,
        },
        details: lines,
    }
}

/// The finding's location and, with a source tree, its code frame.
pub fn locate(
    site: Option<&SiteFrame>,
    source: Option<&SourceTree>,
) -> (Option<Location>, Vec<String>) {
    let Some(frame) = site else {
        return (None, Vec::new());
    };
    let found = source.and_then(|s| s.locate(&frame.function, &frame.file));
    let file = match &found {
        Some(path) => paths::display(path),
        None => paths::display(Path::new(&*frame.file)),
    };
    let mut details = vec![format!("at {file}:{} in {}", frame.line, frame.function)];
    let code = found.and_then(|path| code_frame(&path, frame.line, CODE_FRAME_CONTEXT));
    let mut end_column = 1;
    for (n, text) in code.iter().flatten() {
        let marker = if *n == frame.line { ">" } else { " " };
        if *n == frame.line {
            end_column = text.len() as u32 + 1;
        }
        details.push(format!("{marker} {n:>5} | {text}"));
    }
    let at = Location {
        file,
        line: frame.line,
        column: 1,
        end_line: frame.line,
        end_column,
    };
    (Some(at), details)
}

fn stack_lines(frames: &[SiteFrame], created_by: Option<&SiteFrame>) -> Vec<String> {
    let mut lines = Vec::new();
    for f in frames {
        lines.push(format!("  {}", f.function));
        lines.push(format!(
            "      {}:{}",
            paths::display(Path::new(&*f.file)),
            f.line
        ));
    }
    if let Some(c) = created_by {
        lines.push(format!("  created by {}", c.function));
        lines.push(format!(
            "      {}:{}",
            paths::display(Path::new(&*c.file)),
            c.line
        ));
    }
    lines
}

fn frame_json(f: &SiteFrame) -> Value {
    json!({"function": &*f.function, "file": &*f.file, "line": f.line})
}

fn trend_json(g: &Growth) -> Value {
    json!({
        "values": g.values,
        "increase": g.increase,
        "slope_per_snapshot": g.slope_per_snapshot,
        "mann_kendall_p": g.p_value,
        "never_decreased": g.never_decreased,
        "shape": g.shape.name(),
        "growing": g.growing,
    })
}

fn names(snapshots: &[std::sync::Arc<str>]) -> Vec<&str> {
    snapshots.iter().map(|s| &**s).collect()
}

fn reason_text(r: &Reason) -> String {
    match r {
        Reason::ProvenByGo { leaked } => {
            format!("Go's leak detector proved {leaked} of them can never run again")
        }
        Reason::Growing(g) => format!(
            "grew by {} over {} snapshots (the strongest signal)",
            g.increase,
            g.values.len()
        ),
        Reason::Pileup { count } => format!("{count} blocked at one site"),
        Reason::LongWait { minutes } => format!("waiting up to {minutes} minutes"),
        Reason::NilChannel => "blocked on a nil channel, which nothing can wake".into(),
        Reason::Benign { prefix } => format!("waits by design ({prefix})"),
    }
}

fn growth_text(g: &Growth, unit: &str) -> String {
    let mut parts = vec![format!("+{} {unit}", g.increase)];
    if let Some(s) = g.slope_per_snapshot {
        parts.push(format!("Theil–Sen slope {s:.1} {unit}/snapshot"));
    }
    if let Some(p) = g.p_value {
        parts.push(format!("Mann–Kendall p = {p:.3}"));
    }
    if g.never_decreased {
        parts.push("never decreased".into());
    }
    parts.join(", ")
}

fn wait_text(minutes: Option<(u64, u64)>) -> String {
    match minutes {
        Some((lo, hi)) if lo == hi => format!("{hi} minutes"),
        Some((lo, hi)) => format!("{lo}–{hi} minutes"),
        None => "not printed (under a minute, leaked, or a profile)".into(),
    }
}

fn join_arrow<T: std::fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(T::to_string)
        .collect::<Vec<_>>()
        .join(" → ")
}

pub fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// `fetch.WithTimeout.func1` for `example.com/leaky/internal/fetch.WithTimeout.func1`,
/// as `go vet` names functions in messages.
pub fn short_function(function: &str) -> &str {
    function.rsplit_once('/').map_or(function, |(_, f)| f)
}

/// `12.3 MiB`.
pub fn human_bytes(bytes: i64) -> String {
    let sign = if bytes < 0 { "-" } else { "" };
    let mut value = bytes.unsigned_abs() as f64;
    for unit in ["B", "KiB", "MiB", "GiB"] {
        if value < 1024.0 || unit == "GiB" {
            return if unit == "B" {
                format!("{sign}{value} {unit}")
            } else {
                format!("{sign}{value:.1} {unit}")
            };
        }
        value /= 1024.0;
    }
    unreachable!("the loop returns at GiB")
}

/// Renders findings; text adds the details under each finding and ends
/// with a line counting what `omitted` left out.
pub fn render(
    out: &mut dyn Write,
    reported: &[Reported],
    omitted: &Omitted,
    format: Format,
) -> io::Result<()> {
    if format != Format::Text {
        let findings: Vec<Finding> = reported.iter().map(|r| r.finding.clone()).collect();
        return report::render(out, &findings, format);
    }
    for (i, r) in reported.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", report::one_line(&r.finding))?;
        for line in &r.details {
            writeln!(out, "    {line}")?;
        }
    }
    if let Some(line) = omitted_line(omitted) {
        if !reported.is_empty() {
            writeln!(out)?;
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// `… and 4086 more goroutine findings (997547 goroutines), ranked below
/// those above: --all or --limit N shows them`.
fn omitted_line(omitted: &Omitted) -> Option<String> {
    let mut parts = Vec::new();
    if omitted.groups > 0 {
        parts.push(format!(
            "{} more goroutine {} ({} {})",
            omitted.groups,
            plural(omitted.groups as u64, "finding", "findings"),
            omitted.goroutines,
            plural(omitted.goroutines, "goroutine", "goroutines")
        ));
    }
    if omitted.sites > 0 {
        parts.push(format!(
            "{} more heap-growth {}",
            omitted.sites,
            plural(omitted.sites as u64, "finding", "findings")
        ));
    }
    (!parts.is_empty()).then(|| {
        format!(
            "… and {}, ranked below those above: --all or --limit N shows them",
            parts.join(" and ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_names() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 << 20), "3.0 MiB");
        assert_eq!(human_bytes(-1536), "-1.5 KiB");
        assert_eq!(
            short_function("example.com/m/fetch.F.func1"),
            "fetch.F.func1"
        );
        assert_eq!(short_function("main.f"), "main.f");
        assert_eq!(wait_text(Some((3, 5))), "3–5 minutes");
    }

    #[test]
    fn omitted_findings_are_counted_in_one_line() {
        assert_eq!(omitted_line(&Omitted::default()), None);
        let line = omitted_line(&Omitted {
            groups: 2,
            goroutines: 1,
            sites: 1,
        });
        assert_eq!(
            line.as_deref(),
            Some(
                "… and 2 more goroutine findings (1 goroutine) and 1 more heap-growth finding, \
                 ranked below those above: --all or --limit N shows them"
            )
        );
    }
}
