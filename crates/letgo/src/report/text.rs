//! Text output as rustc and ruff print it: for each finding a code frame
//! (rendered by annotate-snippets, the renderer rustc and cargo use) with
//! the span underlined, a `[*]` mark when `--fix` would fix it, and the
//! fix as a help line; then one summary line.

use super::{Applicability, Finding, RenderOptions, Severity};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::collections::HashMap;
use std::io::{self, Write};
use std::ops::Range;

/// The start offset of every line of each file findings point into, built
/// once per file: rendering stays linear in the number of findings.
type LineStarts<'s> = HashMap<&'s str, Vec<usize>>;

pub(super) fn line_starts(src: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

pub(super) fn render(
    out: &mut dyn Write,
    findings: &[Finding],
    opts: &RenderOptions,
) -> io::Result<()> {
    let renderer = if opts.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut starts = LineStarts::new();
    for f in findings {
        writeln!(out, "{}\n", render_one(&renderer, f, opts, &mut starts))?;
    }
    let line = match opts.fixed {
        Some(n) => super::fixed_summary(n, findings.len()),
        None => summary(findings, opts.unsafe_fixes),
    };
    writeln!(out, "{}", with_input_errors(line, opts.input_errors.len()))
}

/// The summary with the input errors counted: `3 input errors.` instead
/// of "All clear", `Found 2 findings; 1 input error.` beside findings.
fn with_input_errors(line: String, input_errors: usize) -> String {
    if input_errors == 0 {
        return line;
    }
    let errors = super::input_errors_phrase(input_errors);
    if line == ALL_CLEAR {
        return format!("{errors}; no findings.");
    }
    let line = line.strip_suffix('.').unwrap_or(&line);
    format!("{line}; {errors}.")
}

const ALL_CLEAR: &str = "All clear: no findings.";

/// Whether `--fix` (with `--unsafe-fixes` when given) would fix `f`.
pub(super) fn fixable(f: &Finding, unsafe_fixes: bool) -> bool {
    f.fix.as_ref().is_some_and(|fix| match fix.applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => unsafe_fixes,
        Applicability::DisplayOnly => false,
    })
}

fn render_one<'s>(
    renderer: &Renderer,
    f: &Finding,
    opts: &'s RenderOptions,
    starts: &mut LineStarts<'s>,
) -> String {
    let mark = if fixable(f, opts.unsafe_fixes) {
        " [*]"
    } else {
        ""
    };
    // Errors read as before; the others say what they are.
    let (level, tag) = match f.severity {
        Severity::Error => (Level::ERROR, ""),
        Severity::Warning => (Level::WARNING, "warning: "),
        Severity::Info => (Level::INFO, "info: "),
    };
    let title = format!("{}{mark} {tag}{}", f.code, f.message);
    let level = level.no_name();
    let mut groups = Vec::new();
    let frame = f.at.as_ref().and_then(|at| {
        let (file, src) = opts.sources.get_key_value(&at.file)?;
        let starts = starts.entry(file).or_insert_with(|| line_starts(src));
        code_frame(src, starts, at, &f.related)
    });
    let head = level.primary_title(title.as_str());
    let mut group = match (&frame, &f.at) {
        (Some(frame), Some(at)) => {
            let mut snippet = Snippet::source(frame.text.as_str())
                .line_start(frame.first_line)
                .path(at.file.as_str())
                .annotation(AnnotationKind::Primary.span(frame.primary.clone()));
            for (span, label) in &frame.related {
                snippet =
                    snippet.annotation(AnnotationKind::Context.span(span.clone()).label(*label));
            }
            head.element(snippet)
        }
        (None, Some(at)) => {
            head.element(Level::NOTE.message(format!("at {}:{}:{}", at.file, at.line, at.column)))
        }
        _ => Group::with_title(head),
    };
    // Related places in other files get a frame of their own, as rustc
    // shows a span in another file; those with no source at hand are
    // named in notes.
    let shown_here = |i: usize| frame.as_ref().is_some_and(|fr| fr.shown.contains(&i));
    let others = other_frames(f, opts, starts, &shown_here);
    for (file, other) in &others {
        let mut snippet = Snippet::source(other.text.as_str())
            .line_start(other.first_line)
            .path(file.as_str());
        for (span, label) in &other.related {
            snippet = snippet.annotation(AnnotationKind::Context.span(span.clone()).label(*label));
        }
        group = group.element(snippet);
    }
    for (i, r) in f.related.iter().enumerate() {
        if shown_here(i) || others.iter().any(|(_, o)| o.shown.contains(&i)) {
            continue;
        }
        let at = &r.at;
        group = group.element(Level::NOTE.message(format!(
            "{} at {}:{}:{}",
            r.message, at.file, at.line, at.column
        )));
    }
    groups.push(group);
    if let Some(fix) = &f.fix {
        let note = match fix.applicability {
            Applicability::Safe => fix.message.clone(),
            Applicability::Unsafe => format!("{} (unsafe fix)", fix.message),
            Applicability::DisplayOnly => format!("{} (not applied automatically)", fix.message),
        };
        groups.push(Group::with_title(Level::HELP.secondary_title(note)));
    }
    let rendered = renderer.render(&groups);
    match (&frame, &f.at) {
        (Some(frame), Some(at)) => {
            byte_column_header(rendered, &frame.text, frame.primary.start, at)
        }
        _ => rendered,
    }
}

/// annotate-snippets puts the column in characters in its `--> file:l:c`
/// line; letgo's columns count bytes in every format, as `go vet`'s do, so
/// the header is rewritten where the two differ (a non-ASCII character
/// before the span on its line).
fn byte_column_header(rendered: String, text: &str, start: usize, at: &super::Location) -> String {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let chars = text[line_start..start].chars().count() as u32 + 1;
    if chars == at.column {
        return rendered;
    }
    let shown = format!("{}:{}:{chars}", at.file, at.line);
    let wanted = format!("{}:{}:{}", at.file, at.line, at.column);
    rendered.replacen(&shown, &wanted, 1)
}

/// The lines a finding's frame shows, with its spans as byte ranges into
/// them.
struct Frame<'f> {
    text: String,
    /// The number of the first line of `text`.
    first_line: usize,
    primary: Range<usize>,
    /// The related places in the frame, with their messages as labels.
    related: Vec<(Range<usize>, &'f str)>,
    /// Which of the finding's related places these are.
    shown: Vec<usize>,
}

/// The lines from the first to the last of `at` and the related places in
/// its file (annotate-snippets folds the unannotated lines between);
/// `None` when `at` does not fit `src` (a file changed since it was
/// checked). A related place that does not fit is left out of the frame.
fn code_frame<'f>(
    src: &str,
    starts: &[usize],
    at: &super::Location,
    related: &'f [super::Related],
) -> Option<Frame<'f>> {
    let primary = byte_range(src, starts, at)?;
    let in_frame: Vec<(usize, Range<usize>, &str)> = related
        .iter()
        .enumerate()
        .filter(|(_, r)| r.at.file == at.file)
        .filter_map(|(i, r)| Some((i, byte_range(src, starts, &r.at)?, r.message.as_str())))
        .collect();
    let lo = in_frame
        .iter()
        .map(|(_, r, _)| r.start)
        .fold(primary.start, usize::min);
    let hi = in_frame
        .iter()
        .map(|(_, r, _)| r.end)
        .fold(primary.end, usize::max);
    let first = src[..lo].rfind('\n').map_or(0, |i| i + 1);
    let last_end = src[hi..].find('\n').map_or(src.len(), |i| hi + i);
    let first_line = starts.partition_point(|&s| s <= first);
    let shift = |r: &Range<usize>| r.start - first..r.end - first;
    Some(Frame {
        text: src[first..last_end].to_string(),
        first_line,
        primary: shift(&primary),
        related: in_frame.iter().map(|(_, r, m)| (shift(r), *m)).collect(),
        shown: in_frame.iter().map(|(i, _, _)| *i).collect(),
    })
}

/// A frame per other file that related places of `f` are in and whose
/// source is at hand, keyed by that file.
fn other_frames<'f, 's>(
    f: &'f Finding,
    opts: &'s RenderOptions,
    starts: &mut LineStarts<'s>,
    shown_here: &dyn Fn(usize) -> bool,
) -> Vec<(String, Frame<'f>)> {
    let mut files: Vec<&str> = Vec::new();
    for (i, r) in f.related.iter().enumerate() {
        let elsewhere = f.at.as_ref().is_none_or(|at| at.file != r.at.file);
        if !shown_here(i) && elsewhere && !files.contains(&r.at.file.as_str()) {
            files.push(&r.at.file);
        }
    }
    let mut out = Vec::new();
    for name in files {
        let Some((file, src)) = opts.sources.get_key_value(name) else {
            continue;
        };
        let starts = starts.entry(file).or_insert_with(|| line_starts(src));
        let spans: Vec<(usize, Range<usize>, &str)> = f
            .related
            .iter()
            .enumerate()
            .filter(|(_, r)| r.at.file == name)
            .filter_map(|(i, r)| Some((i, byte_range(src, starts, &r.at)?, r.message.as_str())))
            .collect();
        let (Some(lo), Some(hi)) = (
            spans.iter().map(|(_, r, _)| r.start).min(),
            spans.iter().map(|(_, r, _)| r.end).max(),
        ) else {
            continue;
        };
        let first = src[..lo].rfind('\n').map_or(0, |i| i + 1);
        let last_end = src[hi..].find('\n').map_or(src.len(), |i| hi + i);
        out.push((
            name.to_string(),
            Frame {
                text: src[first..last_end].to_string(),
                first_line: starts.partition_point(|&s| s <= first),
                primary: 0..0,
                related: spans
                    .iter()
                    .map(|(_, r, m)| (r.start - first..r.end - first, *m))
                    .collect(),
                shown: spans.iter().map(|(i, _, _)| *i).collect(),
            },
        ));
    }
    out
}

/// `at` as a byte range of `src`; `None` when it does not fit.
fn byte_range(src: &str, starts: &[usize], at: &super::Location) -> Option<Range<usize>> {
    let line_start = |line: u32| starts.get((line as usize).checked_sub(1)?).copied();
    let start = line_start(at.line)? + (at.column as usize).checked_sub(1)?;
    let end = line_start(at.end_line)? + (at.end_column as usize).checked_sub(1)?;
    if start > end || end > src.len() || !src.is_char_boundary(start) || !src.is_char_boundary(end)
    {
        return None;
    }
    Some(start..end)
}

/// `Found 3 findings (1 fixable with --fix).`, or `All clear.`
pub(super) fn summary(findings: &[Finding], unsafe_fixes: bool) -> String {
    if findings.is_empty() {
        return ALL_CLEAR.to_string();
    }
    let n = findings.len();
    let fixable_now = findings.iter().filter(|f| fixable(f, unsafe_fixes)).count();
    let hidden = findings
        .iter()
        .filter(|f| !fixable(f, unsafe_fixes) && fixable(f, true))
        .count();
    let flag = if unsafe_fixes {
        "--fix --unsafe-fixes"
    } else {
        "--fix"
    };
    let mut parts = Vec::new();
    if fixable_now > 0 {
        parts.push(format!("{fixable_now} fixable with {flag}"));
    }
    if hidden > 0 {
        parts.push(format!("{hidden} more with --fix --unsafe-fixes"));
    }
    let plural = if n == 1 { "finding" } else { "findings" };
    if parts.is_empty() {
        format!("Found {n} {plural}.")
    } else {
        format!("Found {n} {plural} ({}).", parts.join("; "))
    }
}
