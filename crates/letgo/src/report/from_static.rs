//! A static finding of the rules as the report shows it: positions
//! turned into file, line and column, the rule's name, the fix's edits.
//! Shared by `check` and by the runtime join (`--source`), which shows the
//! static finding on a frame's function.

use super::{Applicability, Edit, Finding, FixReport, Location, Related, Severity, Source};
use crate::paths;
use letgo_go::load::{Program, SourceFile};
use letgo_lint::engine::Finding as LintFinding;
use letgo_lint::registry::find;

fn location(file: &SourceFile, start: u32, end: u32) -> Location {
    let (line, column) = file.line_col(start);
    let (end_line, end_column) = file.line_col(end);
    Location {
        file: paths::display(&file.path),
        line,
        column,
        end_line,
        end_column,
    }
}

pub fn from_static(program: &Program, f: &LintFinding) -> Finding {
    let file = f.source_file(program);
    let d = &f.diagnostic;
    let rule = find(d.code).expect("findings come from registered rules");
    let fix = d.fix.as_ref().map(|fix| FixReport {
        applicability: match fix.applicability {
            letgo_lint::Applicability::Safe => Applicability::Safe,
            letgo_lint::Applicability::Unsafe => Applicability::Unsafe,
            letgo_lint::Applicability::DisplayOnly => Applicability::DisplayOnly,
        },
        message: fix.message.clone(),
        edits: fix
            .edits
            .iter()
            .map(|e| Edit {
                at: location(file, e.span.start, e.span.end),
                content: e.content.clone(),
            })
            .collect(),
    });
    Finding {
        code: d.code.to_string(),
        name: rule.name.to_string(),
        severity: match d.severity {
            letgo_lint::Severity::Error => Severity::Error,
            letgo_lint::Severity::Warning => Severity::Warning,
            letgo_lint::Severity::Info => Severity::Info,
        },
        message: d.message.clone(),
        at: Some(location(file, d.span.start, d.span.end)),
        function: d.function.clone(),
        source: Source::Static,
        evidence: serde_json::json!({}),
        fix,
        related: d
            .related
            .iter()
            .map(|r| Related {
                at: location(
                    r.file
                        .map_or(file, |i| &program.packages[f.package].files[i]),
                    r.span.start,
                    r.span.end,
                ),
                message: r.message.clone(),
            })
            .collect(),
    }
}
