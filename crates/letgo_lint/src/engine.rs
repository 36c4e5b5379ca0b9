//! Runs the enabled rules over every package of a program, in parallel,
//! drops suppressed findings, and orders the rest by path, line, column
//! and code so that output is deterministic.

use crate::context::{FileDiagnostic, PackageContext};
use crate::selection::Selection;
use crate::suppress::Suppressions;
use letgo_go::load::{Package, Program};
use rayon::prelude::*;

/// The rules that read the channel view.
const CHANNEL_RULES: &[&str] = &["LG101", "LG102", "LG103", "LG104", "LG107", "LG114"];

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
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(letgo_go::PARSE_STACK_SIZE)
        .build()
        .expect("a thread pool with a large stack");
    let mut findings: Vec<Finding> = pool.install(|| {
        program
            .packages
            .par_iter()
            .enumerate()
            .flat_map_iter(|(p, pkg)| check_package(program, p, pkg, &selection(pkg)))
            .collect()
    });
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

fn check_package(
    program: &Program,
    p: usize,
    pkg: &Package,
    selection: &Selection,
) -> Vec<Finding> {
    let with_channels = selection.rules().any(|r| CHANNEL_RULES.contains(&r.code));
    let cx = PackageContext::new(program, pkg, with_channels);
    let mut raw: Vec<FileDiagnostic> = Vec::new();
    for rule in selection.rules() {
        (rule.check)(&cx, &mut raw);
    }
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
