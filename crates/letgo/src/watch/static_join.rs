//! Joins the runtime findings of a watch run with the static findings of
//! the same functions (DESIGN.md, "Joined"): with `--source`, the checkout
//! is checked by `letgo check`'s rules, and a static finding is attached to
//! a runtime finding whose function it names: the same function, or the
//! function whose closure (`F.func1`) the runtime frame is, since a rule
//! reports the channel where it is made and the goroutine blocks in the
//! closure. Names are compared without their package path, as static
//! findings may spell the package by its name only.

use std::path::Path;

use letgo_go::load::{load, LoadOptions};
use letgo_lint::engine;
use letgo_lint::selection::Selection;
use serde_json::json;

use crate::runtime_findings::Reported;

/// A static finding, as much of it as the report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StaticFinding {
    pub code: String,
    pub function: String,
    pub line: u32,
    pub message: String,
    pub fix: Option<String>,
}

/// Runs every rule over the module at `root`; files that do not parse are
/// skipped by the loader as `letgo check` would report them.
pub fn check(root: &Path) -> anyhow::Result<Vec<StaticFinding>> {
    let pattern = format!("{}/...", root.display());
    let program = load(&[pattern], &LoadOptions::default()).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot check: {}",
            crate::paths::display(&e.path),
            e.message
        )
    })?;
    let findings = engine::check(&program, &|_| Selection::default());
    Ok(findings
        .iter()
        .filter_map(|f| {
            let d = &f.diagnostic;
            let (line, _) = f.source_file(&program).line_col(d.span.start);
            Some(StaticFinding {
                code: d.code.to_string(),
                function: d.function.clone()?,
                line,
                message: d.message.clone(),
                fix: d.fix.as_ref().map(|fix| fix.message.clone()),
            })
        })
        .collect())
}

/// Whether static `function` is runtime `frame_function` or encloses it.
pub fn same_function(frame_function: &str, function: &str) -> bool {
    let short = |f: &str| f.rsplit_once('/').map_or(f, |(_, s)| s).to_string();
    let (frame, function) = (short(frame_function), short(function));
    frame == function
        || frame
            .strip_prefix(&function)
            .is_some_and(|rest| rest.starts_with(".func"))
}

/// Adds each matching static finding to the runtime finding's details
/// (`static: ...`) and evidence (`static_findings`).
pub fn attach(reported: &mut [Reported], statics: &[StaticFinding]) {
    for r in reported {
        let Some(function) = r.finding.function.clone() else {
            continue;
        };
        let matching: Vec<&StaticFinding> = statics
            .iter()
            .filter(|s| same_function(&function, &s.function))
            .collect();
        if matching.is_empty() {
            continue;
        }
        let mut lines = Vec::new();
        for s in &matching {
            let fix = s
                .fix
                .as_ref()
                .map_or(String::new(), |f| format!(" (fix: {f})"));
            lines.push(format!(
                "static: {} line {}: {}{fix}",
                s.code, s.line, s.message
            ));
        }
        let at = r
            .details
            .iter()
            .position(|l| l == "stack:")
            .unwrap_or(r.details.len());
        r.details.splice(at..at, lines);
        if let Some(evidence) = r.finding.evidence.as_object_mut() {
            let list: Vec<_> = matching
                .iter()
                .map(|s| json!({"code": s.code, "function": s.function, "line": s.line, "message": s.message, "fix": s.fix}))
                .collect();
            evidence.insert("static_findings".into(), list.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closures_join_their_enclosing_function() {
        assert!(same_function("main.fetch.func1", "main.fetch"));
        assert!(same_function(
            "example.com/app/internal/fetch.WithTimeout.func1",
            "fetch.WithTimeout"
        ));
        assert!(same_function(
            "main.waitForReply.func1",
            "main.waitForReply.func1"
        ));
        assert!(!same_function("main.fetchAll", "main.fetch"));
        assert!(!same_function("main.fetch", "main.fetch.func1"));
    }
}
