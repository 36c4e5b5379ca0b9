//! Text output as rustc and ruff print it: for each finding a code frame
//! (rendered by annotate-snippets, the renderer rustc and cargo use) with
//! the span underlined, a `[*]` mark when `--fix` would fix it, and the
//! fix as a help line; then one summary line.

use super::{Applicability, Finding, RenderOptions, Severity};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::io::{self, Write};

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
    for f in findings {
        writeln!(out, "{}\n", render_one(&renderer, f, opts))?;
    }
    let line = match opts.fixed {
        Some(n) => super::fixed_summary(n, findings.len()),
        None => summary(findings, opts.unsafe_fixes),
    };
    writeln!(out, "{}", with_input_errors(line, opts.input_errors))
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

fn render_one(renderer: &Renderer, f: &Finding, opts: &RenderOptions) -> String {
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
        let src = opts.sources.get(&at.file)?;
        code_frame(src, at)
    });
    let head = level.primary_title(title.as_str());
    groups.push(match (&frame, &f.at) {
        (Some((text, first_line, span)), Some(at)) => head.element(
            Snippet::source(text.as_str())
                .line_start(*first_line)
                .path(at.file.as_str())
                .annotation(AnnotationKind::Primary.span(span.clone())),
        ),
        (None, Some(at)) => {
            head.element(Level::NOTE.message(format!("at {}:{}:{}", at.file, at.line, at.column)))
        }
        _ => Group::with_title(head),
    });
    if let Some(fix) = &f.fix {
        let note = match fix.applicability {
            Applicability::Safe => fix.message.clone(),
            Applicability::Unsafe => format!("{} (unsafe fix)", fix.message),
            Applicability::DisplayOnly => format!("{} (not applied automatically)", fix.message),
        };
        groups.push(Group::with_title(Level::HELP.secondary_title(note)));
    }
    renderer.render(&groups)
}

/// The lines `at` covers, the number of the first, and `at` as a byte
/// range into them; `None` when `at` does not fit `src` (a file changed
/// since it was checked).
fn code_frame(src: &str, at: &super::Location) -> Option<(String, usize, std::ops::Range<usize>)> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_start = |line: u32| starts.get((line as usize).checked_sub(1)?).copied();
    let first = line_start(at.line)?;
    let start = first + (at.column as usize).checked_sub(1)?;
    let end = line_start(at.end_line)? + (at.end_column as usize).checked_sub(1)?;
    if start > end || !src.is_char_boundary(start) || !src.is_char_boundary(end) {
        return None;
    }
    let last_end = src[end..].find('\n').map_or(src.len(), |i| end + i);
    let text = src[first..last_end].to_string();
    Some((text, at.line as usize, start - first..end - first))
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
