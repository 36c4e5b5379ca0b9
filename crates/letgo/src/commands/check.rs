//! `letgo check`: run the static rules and report what they find; with
//! `--fix` apply the fixes and report what remains; with `--diff` show
//! what `--fix` would change.

use crate::cli::CheckArgs;
use crate::config::Config;
use crate::fix_write::{self, FixedFile, Original};
use crate::paths;
use crate::report::{self, Finding, Format, InputError, RenderOptions};
use letgo_go::load::{LoadError, LoadOptions, Loader, Package, Program};
use letgo_lint::engine::{self, Finding as LintFinding};
use letgo_lint::fix::{fix_program, FixRun};
use letgo_lint::selection::Selection;
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    crate::keep_freed_memory();
    let opts = LoadOptions {
        tests: !args.no_tests,
        ..LoadOptions::default()
    };
    let loader = Loader::new(&paths::args_or_default(&args.paths), &opts).map_err(load_error)?;
    let selections = module_selections(loader.program(), args)?;
    if !engine::standard_library_found() {
        // Said, not silent: fewer findings must not look like a cleaner tree.
        eprintln!(
            "letgo: warning: Go's standard library was not found (no GOROOT with a src folder, no `go` on PATH): its types are out of view and rules that need them report less; set GOROOT"
        );
    }
    let roots: Vec<PathBuf> = loader
        .program()
        .modules
        .iter()
        .map(|m| m.root.clone())
        .collect();
    let select = move |pkg: &Package| {
        let root = pkg.module.map(|i| roots[i].clone());
        selections.get(&root).cloned().unwrap_or_default()
    };
    if !(args.fix || args.diff) {
        // Checked as loaded: each package is freed once checked, so the
        // whole tree is never in memory at once.
        let (program, findings) = engine::load_and_check(loader, &select).map_err(load_error)?;
        let input_errors = report_input_errors(&program);
        let code = report(&program, &findings, args, None, input_errors);
        // The process ends next: freeing what is left one node at a time
        // would only cost time.
        std::mem::forget(program);
        return code;
    }
    let mut program = loader.load().map_err(load_error)?;
    let mut input_errors = report_input_errors(&program);
    let run = fix_program(&mut program, &select, args.unsafe_fixes)?;
    for d in &run.dropped {
        let path = paths::display(&d.path);
        eprintln!(
            "fix for {} at {path}:{} dropped: {}",
            d.code, d.line, d.reason
        );
    }
    if args.diff {
        return print_diffs(&program, &run, input_errors);
    }
    let not_written = write_fixed_files(&program, &run);
    if not_written > 0 {
        input_errors.push(InputError {
            message: "some fixed files could not be written".into(),
            ..InputError::default()
        });
    }
    report(
        &program,
        &run.remaining,
        args,
        Some(run.fixed - not_written),
        input_errors,
    )
}

fn load_error(e: LoadError) -> anyhow::Error {
    anyhow::anyhow!("{}{}", e.place(paths::display), e.message)
}

/// Renders `findings` and picks the exit code: 2 on any input error, 1
/// when something was found, 0 otherwise. `fixed` is the number of fixes
/// applied by `--fix`.
fn report(
    program: &Program,
    findings: &[LintFinding],
    args: &CheckArgs,
    fixed: Option<usize>,
    input_errors: Vec<InputError>,
) -> anyhow::Result<ExitCode> {
    let report: Vec<Finding> = findings
        .iter()
        .map(|f| report::from_static(program, f))
        .collect();
    let failed = !input_errors.is_empty();
    let opts = RenderOptions {
        sources: sources_of(program, findings),
        color: args.format == Format::Text && report::stdout_wants_color(),
        unsafe_fixes: args.unsafe_fixes,
        fixed,
        input_errors,
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    report::render_with(&mut out, &report, args.format, &opts)?;
    out.flush()?;
    if let (Some(n), false) = (fixed, args.format == Format::Text) {
        // Machine-readable stdout stays one document; people read stderr.
        eprintln!("{}", report::fixed_summary(n, report.len()));
    }
    Ok(exit_code(failed, !report.is_empty()))
}

fn exit_code(input_errors: bool, found: bool) -> ExitCode {
    if input_errors {
        ExitCode::from(2)
    } else if found {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The text of every file a finding points into or has a related place
/// in, keyed as the report names files.
fn sources_of(program: &Program, findings: &[LintFinding]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for f in findings {
        let files = &program.packages[f.package].files;
        let related = f.diagnostic.related.iter().filter_map(|r| r.file);
        for file in std::iter::once(f.file).chain(related).map(|i| &files[i]) {
            map.entry(paths::display(&file.path))
                .or_insert_with(|| file.src.clone());
        }
    }
    map
}

/// `--diff`: a unified diff per changed file on stdout, nothing written;
/// exit 1 when there would be changes.
fn print_diffs(
    program: &Program,
    run: &FixRun,
    input_errors: Vec<InputError>,
) -> anyhow::Result<ExitCode> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    for (&(p, f), old) in &run.originals {
        let file = &program.packages[p].files[f];
        out.write_all(unified_diff(&paths::display(&file.path), old, &file.src).as_bytes())?;
    }
    out.flush()?;
    let plural = if run.fixed == 1 {
        "finding"
    } else {
        "findings"
    };
    eprintln!(
        "Would fix {} {plural} ({} remaining).",
        run.fixed,
        run.remaining.len()
    );
    Ok(exit_code(
        !input_errors.is_empty(),
        !run.originals.is_empty(),
    ))
}

/// A unified diff with three lines of context, as `diff -u` and ruff
/// print it.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(path, path)
        .to_string()
}

/// Writes every changed file (see [`fix_write`]); each file not written
/// is reported. Returns the fixes applied in the files not written.
fn write_fixed_files(program: &Program, run: &FixRun) -> usize {
    let files: Vec<FixedFile> = run
        .originals
        .iter()
        .map(|(&(p, f), old)| {
            let file = &program.packages[p].files[f];
            FixedFile {
                path: &file.path,
                original: Original {
                    bytes: old.as_bytes(),
                    modified: file.modified,
                },
                new: file.src.as_bytes(),
            }
        })
        .collect();
    let mut not_written = 0;
    for (path, e) in fix_write::write_fixed_files(&files) {
        eprintln!("{}: {e}", paths::display(&path));
        let key = run
            .originals
            .keys()
            .find(|&&(p, f)| program.packages[p].files[f].path == path);
        not_written += key.and_then(|k| run.fixed_in.get(k)).copied().unwrap_or(0);
    }
    not_written
}

/// The rule selection of each module, from its `letgo.toml` and the flags.
fn module_selections(
    program: &Program,
    args: &CheckArgs,
) -> anyhow::Result<HashMap<Option<PathBuf>, Selection>> {
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

/// Prints unreadable files, bad `go.mod`s and syntax errors to stderr, one
/// line each, `path:line:col: message`, and returns them for the report.
fn report_input_errors(program: &Program) -> Vec<InputError> {
    let mut errors = Vec::new();
    for e in &program.errors {
        eprintln!("{}{}", e.place(paths::display), e.message);
        errors.push(InputError {
            file: (!e.path.as_os_str().is_empty()).then(|| paths::display(&e.path)),
            line: e.line,
            column: e.column,
            message: e.message.clone(),
        });
    }
    for f in program.files() {
        for e in &f.errors {
            let (line, column) = f.line_col(e.offset);
            let file = paths::display(&f.path);
            eprintln!("{file}:{line}:{column}: {}", e.msg);
            errors.push(InputError {
                file: Some(file),
                line,
                column,
                message: e.msg.clone(),
            });
        }
    }
    errors
}
