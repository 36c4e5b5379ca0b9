//! Turns the runtime analyses into findings (LG501–LG504) with their
//! evidence, and renders them: JSON and GitHub through `report`, text as a
//! triage list with state, counts, wait, code frame and stack under each
//! finding.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use letgo_runtime::{
    AssessedGroup, AssessedSite, GoroutineAnalysis, Growth, HeapAnalysis, Reason, SiteFrame,
    Verdict,
};
use serde_json::{json, Value};

use crate::paths;
use crate::report::{self, Finding, Format, Location, Severity, Source};
use crate::runtime::source::{code_frame, SourceTree};

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
    /// Of `groups`, the parked ones (LG505, info).
    pub parked: usize,
}

impl Omitted {
    /// How many findings were left out.
    pub fn findings(&self) -> usize {
        self.groups + self.sites
    }

    /// How many of them count for the exit code (all but info).
    pub fn failing(&self) -> usize {
        self.findings() - self.parked
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
    let flagged = analysis.groups.iter().filter(|g| {
        matches!(
            g.verdict,
            Verdict::ProvenLeak | Verdict::Suspect | Verdict::Parked
        )
    });
    let mut out = Vec::new();
    for (i, g) in flagged.enumerate() {
        if limit.is_none_or(|n| i < n) {
            out.push(group_finding(g, analysis, source));
        } else {
            omitted.groups += 1;
            omitted.goroutines += g.group.count;
            omitted.parked += usize::from(g.verdict == Verdict::Parked);
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
        Verdict::Parked => ("LG505", "parked-goroutines", Severity::Info),
        _ => ("LG502", "goroutine-pileup", Severity::Warning),
    };
    let noun = plural(group.count, "goroutine", "goroutines");
    let place = site.map_or(String::new(), |f| {
        format!(" in `{}`", short_function(&f.function))
    });
    let rate = g
        .growth
        .as_ref()
        .filter(|gr| gr.growing)
        .and_then(|gr| analysis.per_minute(&gr.values, gr.increase));
    let message = match g.verdict {
        Verdict::ProvenLeak => format!(
            "{} {noun} leaked, blocked in {}{place}: Go proved they can never run again",
            group.count, group.state
        ),
        Verdict::Parked => format!(
            "{} {noun} parked in {}{place}: {}; {}",
            group.count,
            group.state,
            g.reasons
                .iter()
                .map(reason_text)
                .collect::<Vec<_>>()
                .join("; "),
            flat_text(&g.counts)
        ),
        _ => format!(
            "{} {noun} blocked in {}{place}: {} ({})",
            group.count,
            group.state,
            g.reasons
                .iter()
                .map(|r| reason_text_at(r, rate))
                .collect::<Vec<_>>()
                .join("; "),
            confidence(g.verdict, &g.reasons)
        ),
    };
    let reasons: Vec<String> = g.reasons.iter().map(|r| reason_text_at(r, rate)).collect();
    let evidence = json!({
        "goroutines_per_minute": rate,
        "state": &*group.state,
        "count": group.count,
        "leaked": group.leaked.max(proven(&g.reasons)),
        "counts": g.counts,
        "snapshots": names(&analysis.snapshots),
        "wait_minutes": group.minutes.map(|(lo, hi)| json!({"min": lo, "max": hi})),
        "wait_minutes_note": "printed from one minute on, measured from a GC before the block began (over-reports); leaked goroutines print none",
        "label_sets": label_sets_json(&group.labels),
        "reasons": reasons,
        "confidence": confidence(g.verdict, &g.reasons),
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
    if let Some(labels) = group.labels.describe() {
        lines.push(format!("labels: {labels}"));
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
            related: Vec::new(),
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
    let per_minute = analysis.per_minute(&growth.values, growth.increase);
    let rate = per_minute.map_or(String::new(), |r| format!(" ({r:+.1} goroutines/min)"));
    let message = format!(
        "goroutines grew from {first} to {last} over {} snapshots{rate}",
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
                "goroutines_per_minute": per_minute,
                "totals": analysis.totals,
                "snapshots": names(&analysis.snapshots),
                "trend": trend_json(growth),
            }),
            fix: None,
            related: Vec::new(),
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
    let growing = analysis.sites.iter().filter(|s| s.is_heap_leak());
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
    let rate = s.rate.map_or(String::new(), |r| {
        format!(
            " ({}/min, {:+.0} objects/min)",
            signed_mib(r.bytes_per_minute),
            r.objects_per_minute
        )
    });
    let how = if s.by_peaks {
        " at its peaks (it saws up and down: reallocated, or filled and flushed)"
    } else {
        ""
    };
    let message = format!(
        "in-use heap allocated{place} grew by {}{how} over {} snapshots{rate}, to {}",
        human_bytes(s.increase()),
        s.bytes.len(),
        human_bytes(last)
    );
    let evidence = json!({
        "inuse_bytes": s.bytes,
        "inuse_objects": s.objects,
        "snapshots": names(&analysis.snapshots),
        "increase_bytes": s.increase(),
        "sampling_error_bytes": s.error_bytes.iter().map(|e| e.round() as i64).collect::<Vec<_>>(),
        "min_increase_bytes": s.min_increase.round() as i64,
        "by_peaks": s.by_peaks,
        "rate": s.rate.map(|r| json!({
            "mib_per_minute": r.bytes_per_minute / f64::from(1u32 << 20),
            "objects_per_minute": r.objects_per_minute,
        })),
        "trend": s.growth.as_ref().map(trend_json),
        "counted": s.counted,
        "stack": s.site.frames.iter().map(frame_json).collect::<Vec<_>>(),
    });
    let (at, mut details) = locate(site, source);
    let bytes: Vec<String> = s.bytes.iter().map(|&b| human_bytes(b)).collect();
    let mut lines = vec![format!("in-use per snapshot: {}", bytes.join(" → "))];
    let counted = s.counted.iter().filter(|&&c| c).count();
    if counted < s.counted.len() {
        lines.push(format!(
            "trend over {counted} of {} snapshots: the others repeat the GC cycle of the one before (a heap profile is as of the last completed GC), or a sampled profile missed the site between two that have it",
            s.counted.len()
        ));
    }
    if s.error_bytes.iter().any(|&e| e > 0.0) {
        lines.push(format!(
            "sampling: each value is an estimate (± {} at the last); a rise counts from {}",
            human_bytes(s.error_bytes.last().copied().unwrap_or(0.0) as i64),
            human_bytes(s.min_increase as i64)
        ));
    }
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
            related: Vec::new(),
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
    reason_text_at(r, None)
}

/// A reason, with the rate of a growing group when times are known.
fn reason_text_at(r: &Reason, rate: Option<f64>) -> String {
    match r {
        Reason::ProvenByGo { leaked } => {
            format!("Go's leak detector proved {leaked} of them can never run again")
        }
        Reason::Growing(g) => format!(
            "grew by {} over {} snapshots{} (the strongest signal)",
            g.increase,
            g.values.len(),
            rate.map_or(String::new(), |r| format!(", {r:+.1} goroutines/min"))
        ),
        Reason::Pileup { count } => format!("{count} blocked at one site"),
        Reason::LongWait { minutes } => format!("waiting up to {minutes} minutes"),
        Reason::NilChannel => "blocked on a nil channel, which nothing can wake".into(),
        Reason::NoCases => "in a `select` with no cases, which nothing can wake".into(),
        Reason::LockHeld { minutes } => format!(
            "waiting {minutes}+ minutes for a lock: its holder never lets go (it is stuck itself, or returned without unlocking)"
        ),
        Reason::Benign { prefix } => format!("waits by design ({prefix})"),
    }
}

/// `+1.5 MiB`, per minute elsewhere: a rate people read.
fn signed_mib(bytes: f64) -> String {
    format!("{:+.2} MiB", bytes / f64::from(1u32 << 20))
}

/// Appends the growth of goroutine memory (their stacks and descriptors,
/// `runtime.malg`) to the first goroutine finding, where it belongs,
/// rather than as a heap finding pointing into Go's own source.
pub fn fold_goroutine_memory(reported: &mut [Reported], heap: &HeapAnalysis) {
    let grown = heap.runtime_internal_growth();
    if grown <= 0 {
        return;
    }
    let goroutine_finding = reported
        .iter_mut()
        .find(|r| matches!(r.finding.code.as_str(), "LG501" | "LG502" | "LG504"));
    if let Some(r) = goroutine_finding {
        let text = format!(
            "memory of goroutines (stacks and descriptors, runtime.malg) grew by {} meanwhile",
            human_bytes(grown)
        );
        r.details.insert(0, text);
        if let Some(e) = r.finding.evidence.as_object_mut() {
            e.insert("goroutine_memory_increase_bytes".into(), grown.into());
        }
    }
}

/// How sure a suspect verdict is, and on what: a wait nothing can end is
/// certain, a lock held for minutes or a rising count is likely.
fn confidence(verdict: Verdict, reasons: &[Reason]) -> &'static str {
    if verdict == Verdict::Parked {
        "info: flat, so waiting by design is likely"
    } else if verdict == Verdict::ProvenLeak {
        "proven by Go's leak detector"
    } else if reasons
        .iter()
        .any(|r| matches!(r, Reason::NilChannel | Reason::NoCases))
    {
        "certain: nothing can ever wake them"
    } else if reasons.iter().any(|r| matches!(r, Reason::LockHeld { .. })) {
        "likely: a lock is not held for minutes by design"
    } else if reasons.iter().any(|r| matches!(r, Reason::Growing(_))) {
        "likely, from the trend; not proven by Go's leak detector"
    } else {
        "likely"
    }
}

/// A parked group's count over the snapshots: flat is why it is parked.
fn flat_text(counts: &[u64]) -> String {
    let tail =
        "waiting by design is likely (an idle pool, reader or waiter); a leak only if it grows";
    if counts.len() > 1 {
        format!("flat over {} snapshots; {tail}", counts.len())
    } else {
        format!("one snapshot, so no trend yet; {tail}")
    }
}

fn growth_text(g: &Growth, unit: &str) -> String {
    let amount = |v: f64| match unit {
        "bytes" => human_bytes(v as i64),
        _ => format!("{v:.1} {unit}"),
    };
    let mut parts = vec![format!("+{}", amount(g.increase))];
    if let Some(s) = g.slope_per_snapshot {
        parts.push(format!("typically +{} a snapshot (Theil–Sen)", amount(s)));
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
    // The answer first: a row per finding, then each in detail.
    let summary = crate::runtime::summary::text(&crate::runtime::summary::rows(reported));
    for line in &summary {
        writeln!(out, "{line}")?;
    }
    for (i, r) in reported.iter().enumerate() {
        if i > 0 || !summary.is_empty() {
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

/// Each label set with its count; goroutines without labels are the set
/// `{}`; `null` when none has labels.
fn label_sets_json(sets: &letgo_runtime::LabelSets) -> Value {
    if sets.is_unlabelled() {
        return Value::Null;
    }
    let mut list: Vec<Value> = sets
        .sets
        .iter()
        .map(|(set, n)| json!({"labels": set, "count": n}))
        .collect();
    if sets.other > 0 {
        list.push(
            json!({"labels": null, "count": sets.other, "note": "label sets past the first 16"}),
        );
    }
    Value::Array(list)
}

/// Prints the findings; exit code 1 if there are any.
pub fn finish(reported: &[Reported], format: Format) -> anyhow::Result<ExitCode> {
    finish_omitting(reported, &Omitted::default(), format)
}

/// [`finish`] for a report that leaves some findings out; they count for
/// the exit code too.
pub fn finish_omitting(
    reported: &[Reported],
    omitted: &Omitted,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    render(&mut out, reported, omitted, format)?;
    out.flush()?;
    // Parked goroutines (info) are shown, not failed on: they are what a
    // healthy program looks like at rest.
    let failing = reported
        .iter()
        .any(|r| r.finding.severity != crate::report::Severity::Info);
    Ok(if !failing && omitted.failing() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
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
            parked: 0,
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
