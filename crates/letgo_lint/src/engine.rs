//! Runs the enabled rules over every package of a program, in parallel,
//! drops suppressed findings, and orders the rest by path, line, column
//! and code so that output is deterministic.

use crate::context::{FileDiagnostic, PackageContext};
use crate::growth::Growth;
use crate::selection::Selection;
use crate::summaries::channels::LazyChanSummaries;
use crate::summaries::locks::LockSummaries;
use crate::suppress::Suppressions;
use letgo_go::load::{LoadError, Loader, Package, Program};
use letgo_types::Semantic;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The rules that read the channel view.
const CHANNEL_RULES: &[&str] = &[
    "LG101", "LG102", "LG103", "LG104", "LG107", "LG109", "LG114", "LG116",
];

/// What every package of a run shares: views over the whole program,
/// each built once, by the first package that needs it.
struct Shared<'s> {
    chans: LazyChanSummaries<'s>,
    locks: OnceLock<LockSummaries>,
    growth: OnceLock<Growth>,
}

impl<'s> Shared<'s> {
    fn new(semantic: &'s Semantic, roots: &[PathBuf]) -> Self {
        Shared {
            chans: LazyChanSummaries::new(semantic, roots),
            locks: OnceLock::new(),
            growth: OnceLock::new(),
        }
    }
}

impl Shared<'_> {
    /// Frees the views on a thread of their own, as the model is (see
    /// [`drop_apart`]): the lock summaries and heap growth are a few
    /// hundred thousand small allocations on a large tree, and freeing
    /// them here held up the report by a fiftieth of the run.
    fn drop_apart(self) {
        let Shared {
            chans,
            locks,
            growth,
        } = self;
        drop(chans);
        let owned = (locks.into_inner(), growth.into_inner());
        let _ = std::thread::Builder::new().spawn(move || drop(owned));
    }
}

/// A finding with the package and file it belongs to.
#[derive(Debug, Clone)]
pub struct Finding {
    pub package: usize,
    pub file: usize,
    pub diagnostic: crate::Diagnostic,
}

impl Finding {
    pub fn source_file<'p>(&self, program: &'p Program) -> &'p letgo_go::load::SourceFile {
        &program.packages[self.package].files[self.file]
    }
}

/// Checks every package with the rules `selection` gives for it (the
/// selection may differ per module, from its `letgo.toml`).
pub fn check(
    program: &Program,
    selection: &(dyn Fn(&Package) -> Selection + Sync),
) -> Vec<Finding> {
    check_over(program, selection, Vec::new())
}

/// [`check`] for a program whose sources may have been edited in memory
/// (the rounds of `--fix`): the semantic model is built from the texts
/// the rules see, not from the files on disk.
pub fn check_edited(
    program: &Program,
    selection: &(dyn Fn(&Package) -> Selection + Sync),
) -> Vec<Finding> {
    let edited = program
        .files()
        .filter(|f| std::fs::read_to_string(&f.path).ok().as_deref() != Some(f.src.as_str()))
        .map(|f| (f.path.clone(), f.src.clone()))
        .collect();
    check_over(program, selection, edited)
}

fn check_over(
    program: &Program,
    selection: &(dyn Fn(&Package) -> Selection + Sync),
    overlay: Vec<(PathBuf, String)>,
) -> Vec<Finding> {
    let mut dirs: Vec<PathBuf> = program.packages.iter().map(|p| p.dir.clone()).collect();
    dirs.dedup();
    let semantic = semantic_model(&dirs, program, overlay);
    let shared = Shared::new(&semantic, &roots(&dirs, program));
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(letgo_go::PARSE_STACK_SIZE)
        .build()
        .expect("a thread pool with a large stack");
    let findings: Vec<Finding> = pool.install(|| {
        program
            .packages
            .par_iter()
            .enumerate()
            .flat_map_iter(|(p, pkg)| {
                check_package(program, p, pkg, &selection(pkg), &semantic, &shared)
            })
            .collect()
    });
    shared.drop_apart();
    drop_apart(semantic);
    in_order(program, findings)
}

/// Loads and checks one package at a time, so that only the packages
/// being checked are in memory: once a package is checked, its trees and
/// the text of its files are freed, except the text of the files that a
/// finding points into (or holds a related place of one). Returns the program (every file keeps its path,
/// line index and syntax errors) and the findings, as [`check`] gives them.
pub fn load_and_check(
    loader: Loader,
    selection: &(dyn Fn(&Package) -> Selection + Sync),
) -> Result<(Program, Vec<Finding>), LoadError> {
    let dirs: Vec<PathBuf> = loader.dirs().map(Path::to_path_buf).collect();
    let semantic = semantic_model(&dirs, loader.program(), Vec::new());
    let shared = Shared::new(&semantic, &roots(&dirs, loader.program()));
    // Files the model parsed are not parsed again: the rules take its trees.
    let reuse = |path: &Path, src: &str| semantic.parsed(path, src);
    let (mut program, checked) = loader.load_each_reusing(&reuse, |program, mut pkg| {
        let found = check_package(program, 0, &pkg, &selection(&pkg), &semantic, &shared);
        pkg.symbols = Default::default();
        // Kept: the files findings point into, or hold a related place.
        let keeps = |i: usize| {
            found
                .iter()
                .any(|f| f.file == i || f.diagnostic.related.iter().any(|r| r.file == Some(i)))
        };
        for (i, file) in pkg.files.iter_mut().enumerate() {
            if !keeps(i) {
                file.drop_contents();
            }
        }
        (pkg, found)
    })?;
    let mut findings = Vec::new();
    for (p, (pkg, found)) in checked.into_iter().enumerate() {
        program.packages.push(pkg);
        findings.extend(found.into_iter().map(|f| Finding { package: p, ..f }));
    }
    let findings = in_order(&program, findings);
    shared.drop_apart();
    drop_apart(semantic);
    Ok((program, findings))
}

/// Frees the model on a thread of its own: it is hundreds of megabytes
/// of small allocations, and the report need not wait for them (a
/// process that exits first has nothing left to free).
fn drop_apart(semantic: Semantic) {
    let _ = std::thread::Builder::new()
        .stack_size(letgo_go::PARSE_STACK_SIZE)
        .spawn(move || drop(semantic));
}

/// Where the channel summaries look: the program's modules and the
/// checked directories (code outside a module).
fn roots(dirs: &[PathBuf], program: &Program) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = program.modules.iter().map(|m| m.root.clone()).collect();
    out.extend(dirs.iter().cloned());
    out
}

/// Whether Go's standard library can be read (a GOROOT with its `src`,
/// from `$GOROOT` or `go env GOROOT`): without it, calls into it are out
/// of view and the rules that need its types report less.
pub fn standard_library_found() -> bool {
    letgo_types::modules::find_goroot().is_some()
}

/// Orders findings by path, position and code, without duplicates.
fn in_order(program: &Program, mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| {
        let (fa, fb) = (a.source_file(program), b.source_file(program));
        (&fa.path, a.diagnostic.span.start, a.diagnostic.code).cmp(&(
            &fb.path,
            b.diagnostic.span.start,
            b.diagnostic.code,
        ))
    });
    findings.dedup_by(|a, b| {
        a.package == b.package && a.file == b.file && a.diagnostic == b.diagnostic
    });
    findings
}

/// The semantic model of the packages in `dirs`, their imports read from
/// source (modules of `program` as import roots), built on a thread with
/// room for deep trees.
fn semantic_model(
    dirs: &[PathBuf],
    program: &Program,
    overlay: Vec<(PathBuf, String)>,
) -> Semantic {
    let start = std::time::Instant::now();
    let semantic = build_semantic(dirs, program, overlay);
    // `LETGO_TIMINGS=1`: the model's share of a run, for bench/check.
    if std::env::var_os("LETGO_TIMINGS").is_some() {
        eprintln!(
            "letgo: semantic model: {:.3} s, {} packages, {} files, {} expressions, {} objects, {} types",
            start.elapsed().as_secs_f64(),
            semantic.model.packages.len(),
            semantic.model.files.len(),
            semantic.model.records.iter().map(|r| r.expressions()).sum::<usize>(),
            semantic.model.objects.len(),
            semantic.model.types.len(),
        );
    }
    semantic
}

fn build_semantic(
    dirs: &[PathBuf],
    program: &Program,
    overlay: Vec<(PathBuf, String)>,
) -> Semantic {
    let dirs = dirs.to_vec();
    let modules: Vec<PathBuf> = program.modules.iter().map(|m| m.root.clone()).collect();
    std::thread::Builder::new()
        .stack_size(letgo_go::PARSE_STACK_SIZE)
        .spawn(move || Semantic::build_over(&dirs, &modules, overlay))
        .and_then(|h| {
            h.join()
                .map_err(|_| std::io::Error::other("semantic model panicked"))
        })
        .unwrap_or_else(|_| Semantic::build(&[], &[]))
}

/// Whether finding `d` is in a test's harness outside `_test.go` files.
fn in_harness(cx: &PackageContext, d: &FileDiagnostic) -> bool {
    let Some(name) = &d.diagnostic.function else {
        return false;
    };
    cx.functions()
        .iter()
        .find(|f| f.file == d.file && &f.name == name)
        .is_some_and(|f| crate::test_harness::harness_code(cx, f))
}

fn check_package(
    program: &Program,
    p: usize,
    pkg: &Package,
    selection: &Selection,
    semantic: &Semantic,
    shared: &Shared,
) -> Vec<Finding> {
    let with_channels = selection.rules().any(|r| CHANNEL_RULES.contains(&r.code));
    let cx = PackageContext::with_chan_summaries(
        program,
        pkg,
        with_channels,
        Some(semantic),
        Some(&shared.chans),
    )
    .with_lock_summaries(&shared.locks)
    .with_growth(&shared.growth);
    let mut raw: Vec<FileDiagnostic> = Vec::new();
    for rule in selection.rules() {
        (rule.check)(&cx, &mut raw);
    }
    crate::bystanders::add(&cx, &mut raw);
    // A package that exists only for tests (a harness only test code
    // imports, a helper named like `httptest`): what its non-test files
    // leak lives as long as a test binary, for every rule. Its `_test.go`
    // files are reported as any package's.
    if crate::test_harness::test_package(&cx) {
        raw.retain(|d| pkg.files[d.file].is_test);
    }
    // Likewise a test's harness in a non-test file (a function taking a
    // `*testing.T` or `testing.TB`, its closures, a method of a type
    // holding one): only `go test` makes such a value, so whatever the
    // rule, what it leaks lives as long as a test binary.
    raw.retain(|d| pkg.files[d.file].is_test || !in_harness(&cx, d));
    let suppressions: Vec<Suppressions> = pkg.files.iter().map(Suppressions::of).collect();
    raw.into_iter()
        .filter(|d| {
            let file = &pkg.files[d.file];
            let (line, _) = file.line_col(d.diagnostic.span.start);
            !suppressions[d.file].covers(line, d.diagnostic.code)
        })
        .map(|d| Finding {
            package: p,
            file: d.file,
            diagnostic: d.diagnostic,
        })
        .collect()
}
