//! `letgo check`: run the static rules and report what they find.

use crate::cli::CheckArgs;
use crate::config::Config;
use crate::paths;
use crate::report::{self, Applicability, Edit, Finding, FixReport, Location, Severity, Source};
use letgo_go::load::{load, LoadOptions, Program, SourceFile};
use letgo_lint::engine::{self, Finding as LintFinding};
use letgo_lint::registry::find;
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let opts = LoadOptions {
        tests: !args.no_tests,
        ..LoadOptions::default()
    };
    let program = load(&paths::args_or_default(&args.paths), &opts)
        .map_err(|e| anyhow::anyhow!("{}: {}", paths::display(&e.path), e.message))?;
    let selections = module_selections(&program, args)?;
    let findings = engine::check(&program, &|pkg| {
        let root = program.module_of(pkg).map(|m| m.root.clone());
        selections.get(&root).cloned().unwrap_or_default()
    });
    let input_errors = report_input_errors(&program);
    let report: Vec<Finding> = findings.iter().map(|f| to_report(&program, f)).collect();
    let mut out = io::BufWriter::new(io::stdout().lock());
    report::render(&mut out, &report, args.format)?;
    out.flush()?;
    Ok(if input_errors {
        ExitCode::from(2)
    } else if report.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The rule selection of each module, from its `letgo.toml` and the flags.
fn module_selections(
    program: &Program,
    args: &CheckArgs,
) -> anyhow::Result<HashMap<Option<PathBuf>, letgo_lint::selection::Selection>> {
    let mut map = HashMap::new();
    let roots = program
        .modules
        .iter()
        .map(|m| Some(m.root.clone()))
        .chain([None]);
    for root in roots {
        let config = match &root {
            Some(r) => Config::read(r)?,
            None => Config::default(),
        };
        let selection = config.selection(&args.select, &args.ignore);
        let unknown = selection.unknown();
        if !unknown.is_empty() {
            anyhow::bail!(
                "unknown rule codes: {}; `letgo rule` lists them",
                unknown.join(", ")
            );
        }
        map.insert(root, selection);
    }
    Ok(map)
}

/// Prints unreadable files and syntax errors to stderr; true if any.
fn report_input_errors(program: &Program) -> bool {
    let mut any = false;
    for e in &program.errors {
        eprintln!("{}: {}", paths::display(&e.path), e.message);
        any = true;
    }
    for f in program.files() {
        for e in &f.errors {
            let (line, col) = f.line_col(e.offset);
            eprintln!("{}:{line}:{col}: {}", paths::display(&f.path), e.msg);
            any = true;
        }
    }
    any
}

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

fn to_report(program: &Program, f: &LintFinding) -> Finding {
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
        severity: Severity::Error,
        message: d.message.clone(),
        at: Some(location(file, d.span.start, d.span.end)),
        function: d.function.clone(),
        source: Source::Static,
        evidence: serde_json::json!({}),
        fix,
    }
}
