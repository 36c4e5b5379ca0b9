//! Applying fixes, as ruff does: sort the edits, skip a fix that overlaps
//! one already taken (it is taken in a later round), re-parse the result
//! and drop a fix that would break the syntax, then re-check the fixed
//! sources and repeat until no rule proposes anything new.
//!
//! [`apply_fixes`] works on one file's text; [`fix_program`] runs the
//! rounds over a whole [`Program`], replacing its sources in memory. Neither
//! touches the disk: writing files is the caller's business.

use crate::diagnostic::{Applicability, Edit, Fix};
use crate::engine::{self, Finding};
use crate::selection::Selection;
use letgo_go::load::{Package, Program};
use letgo_go::parse_file;
use letgo_go::symbols::Symbols;
use letgo_go::LineIndex;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::PathBuf;

/// How many check-and-fix rounds run before giving up. Each round applies
/// every fix that does not overlap another; a second round is needed only
/// for overlapping fixes or fixes that enable further fixes, so ten rounds
/// mean a rule that keeps proposing a fix its own fix does not satisfy.
pub const MAX_ROUNDS: usize = 10;

/// Whether `fix` is applied: safe fixes always, unsafe fixes only when
/// `unsafe_fixes` is on, display-only fixes never.
pub fn is_applicable(fix: &Fix, unsafe_fixes: bool) -> bool {
    match fix.applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => unsafe_fixes,
        Applicability::DisplayOnly => false,
    }
}

/// Why a fix was not applied and will not be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// The result had syntax errors the original did not have.
    BreaksSyntax,
    /// An edit lies outside the file, splits a character, or overlaps
    /// another edit of the same fix: a bug in the rule.
    InvalidEdits,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::BreaksSyntax => "it would break the syntax",
            DropReason::InvalidEdits => "its edits do not fit the file",
        })
    }
}

/// What one round did to one file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The new text (the old one when nothing was applied).
    pub source: String,
    /// Indices (into the fixes given) of the fixes applied, including
    /// duplicates of an applied fix.
    pub applied: Vec<usize>,
    /// Fixes that overlap an applied one: retry them on the new text.
    pub deferred: Vec<usize>,
    /// Fixes dropped for good, and why.
    pub dropped: Vec<(usize, DropReason)>,
}

/// Applies as many of `fixes` to `source` as can go together: fixes in
/// order of their first edit; a fix that overlaps (or touches) an earlier
/// one is deferred; a fix identical to an applied one counts as applied; a
/// fix whose result has new syntax errors is dropped.
pub fn apply_fixes(source: &str, fixes: &[&Fix]) -> Applied {
    let mut result = Applied {
        source: source.to_string(),
        applied: Vec::new(),
        deferred: Vec::new(),
        dropped: Vec::new(),
    };
    let mut order: Vec<usize> = (0..fixes.len()).collect();
    order.sort_by_key(|&i| (first_edit_start(fixes[i]), i));
    let mut taken: Vec<usize> = Vec::new();
    let mut duplicates: Vec<(usize, usize)> = Vec::new();
    for i in order {
        let edits = &fixes[i].edits;
        if !edits_fit(source, edits) {
            result.dropped.push((i, DropReason::InvalidEdits));
        } else if let Some(&same) = taken.iter().find(|&&t| fixes[t].edits == *edits) {
            duplicates.push((i, same));
        } else if taken.iter().any(|&t| overlaps(&fixes[t].edits, edits)) {
            result.deferred.push(i);
        } else {
            taken.push(i);
        }
    }
    let baseline = parse_file(source).errors.len();
    let kept = keep_syntax_valid(source, fixes, taken, baseline, &mut result);
    result.source = splice(source, kept.iter().flat_map(|&i| &fixes[i].edits));
    for (dup, original) in duplicates {
        if kept.contains(&original) {
            result.applied.push(dup);
        } else {
            result.deferred.push(dup);
        }
    }
    result.applied.extend(kept);
    result.applied.sort_unstable();
    result.deferred.sort_unstable();
    result
}

/// From the non-overlapping `taken` fixes, those that can be applied
/// together without new syntax errors. Fixes that break the syntax on
/// their own are dropped; if the rest still break it together, only the
/// first goes this round and the others are deferred.
fn keep_syntax_valid(
    source: &str,
    fixes: &[&Fix],
    taken: Vec<usize>,
    baseline: usize,
    result: &mut Applied,
) -> Vec<usize> {
    let parses = |chosen: &[usize]| {
        let text = splice(source, chosen.iter().flat_map(|&i| &fixes[i].edits));
        parse_file(&text).errors.len() <= baseline
    };
    if parses(&taken) {
        return taken;
    }
    let (good, bad): (Vec<usize>, Vec<usize>) = taken
        .into_iter()
        .partition(|&i| parses(std::slice::from_ref(&i)));
    result
        .dropped
        .extend(bad.into_iter().map(|i| (i, DropReason::BreaksSyntax)));
    if good.len() <= 1 || parses(&good) {
        return good;
    }
    result.deferred.extend(&good[1..]);
    good[..1].to_vec()
}

fn first_edit_start(fix: &Fix) -> u32 {
    fix.edits.iter().map(|e| e.span.start).min().unwrap_or(0)
}

/// Edits are in the file, on character boundaries, and do not overlap
/// each other (two insertions at one point keep their given order).
fn edits_fit(source: &str, edits: &[Edit]) -> bool {
    let in_file = |at: u32| source.is_char_boundary(at as usize);
    if edits
        .iter()
        .any(|e| e.span.start > e.span.end || !in_file(e.span.start) || !in_file(e.span.end))
    {
        return false;
    }
    let mut spans: Vec<_> = edits.iter().map(|e| (e.span.start, e.span.end)).collect();
    spans.sort_unstable();
    spans.windows(2).all(|w| w[0].1 <= w[1].0)
}

/// Whether any edit of `a` overlaps or touches an edit of `b`. Touching
/// counts: two insertions at one offset have no natural order.
fn overlaps(a: &[Edit], b: &[Edit]) -> bool {
    a.iter().any(|x| {
        b.iter()
            .any(|y| x.span.start <= y.span.end && y.span.start <= x.span.end)
    })
}

/// `source` with `edits` (valid and non-overlapping) applied. In a file
/// whose lines end in `\r\n`, inserted lines end so too (rules write
/// `\n`), and an insertion between a `\r` and its `\n` goes before the
/// `\r`, so that no line loses its `\r`.
fn splice<'e>(source: &str, edits: impl Iterator<Item = &'e Edit>) -> String {
    let mut edits: Vec<&Edit> = edits.collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let crlf = uses_crlf(source);
    let bytes = source.as_bytes();
    let mut out = String::with_capacity(source.len() + 64);
    let mut at = 0usize;
    for e in edits {
        let (mut start, mut end) = (e.span.start as usize, e.span.end as usize);
        let between_cr_lf =
            start > at && bytes[start - 1] == b'\r' && bytes.get(start) == Some(&b'\n');
        if crlf && start == end && between_cr_lf {
            start -= 1;
            end = start;
        }
        out.push_str(&source[at..start]);
        if crlf {
            push_crlf(&mut out, &e.content);
        } else {
            out.push_str(&e.content);
        }
        at = end;
    }
    out.push_str(&source[at..]);
    out
}

/// Whether the file's first line ends in `\r\n`: its convention.
fn uses_crlf(source: &str) -> bool {
    source
        .find('\n')
        .is_some_and(|i| i > 0 && source.as_bytes()[i - 1] == b'\r')
}

/// `text` with every `\n` not already after a `\r` written as `\r\n`.
fn push_crlf(out: &mut String, text: &str) {
    let mut prev = '\0';
    for c in text.chars() {
        if c == '\n' && prev != '\r' {
            out.push('\r');
        }
        out.push(c);
        prev = c;
    }
}

/// A fix that was not applied, for the user: "fix for LG106 at
/// a.go:12 dropped: it would break the syntax".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedFix {
    pub code: &'static str,
    pub path: PathBuf,
    /// The 1-based line of the finding, in the text the fix was tried on.
    pub line: u32,
    pub reason: DropReason,
}

/// The outcome of [`fix_program`].
#[derive(Debug)]
pub struct FixRun {
    /// Fixes applied, over all rounds.
    pub fixed: usize,
    /// Fixes applied per `(package, file)`, over all rounds.
    pub fixed_in: BTreeMap<(usize, usize), usize>,
    /// What the rules still find in the fixed sources.
    pub remaining: Vec<Finding>,
    pub dropped: Vec<DroppedFix>,
    /// The text before fixing of every file that changed, by `(package,
    /// file)` indices; the new text is in the program.
    pub originals: BTreeMap<(usize, usize), String>,
    /// Check rounds run, the last one included.
    pub rounds: usize,
}

/// The fixes did not settle within [`MAX_ROUNDS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotConverging {
    pub rounds: usize,
    /// Files still changing in the last round.
    pub files: Vec<PathBuf>,
}

impl fmt::Display for NotConverging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let files: Vec<String> = self.files.iter().map(|p| p.display().to_string()).collect();
        write!(
            f,
            "fixes did not converge after {} rounds in {}: a rule keeps proposing fixes; nothing was written",
            self.rounds,
            files.join(", ")
        )
    }
}

impl std::error::Error for NotConverging {}

/// A fix proposed earlier and dropped: not retried, not reported twice.
type DropKey = (usize, usize, &'static str, String, Vec<String>);

fn drop_key(f: &Finding, fix: &Fix) -> DropKey {
    let contents = fix.edits.iter().map(|e| e.content.clone()).collect();
    (
        f.package,
        f.file,
        f.diagnostic.code,
        fix.message.clone(),
        contents,
    )
}

/// Checks `program`, applies the fixes allowed by `unsafe_fixes`, and
/// repeats on the fixed sources until nothing changes. The program's
/// sources (text, tree, line index, symbols) are replaced in memory; files
/// with syntax errors are left alone. On success the run says which files
/// changed and what remains; after [`MAX_ROUNDS`] rounds it is an error.
pub fn fix_program(
    program: &mut Program,
    selection: &(dyn Fn(&Package) -> Selection + Sync),
    unsafe_fixes: bool,
) -> Result<FixRun, NotConverging> {
    fix_with(
        program,
        &|p: &Program| engine::check_edited(p, selection),
        unsafe_fixes,
    )
}

/// [`fix_program`] with any checker in place of the rule engine (tests
/// use one whose fixes never settle).
pub fn fix_with(
    program: &mut Program,
    check: &dyn Fn(&Program) -> Vec<Finding>,
    unsafe_fixes: bool,
) -> Result<FixRun, NotConverging> {
    let mut run = FixRun {
        fixed: 0,
        fixed_in: BTreeMap::new(),
        remaining: Vec::new(),
        dropped: Vec::new(),
        originals: BTreeMap::new(),
        rounds: 0,
    };
    let mut dropped_keys: HashSet<DropKey> = HashSet::new();
    let mut last_changed = Vec::new();
    while run.rounds < MAX_ROUNDS {
        run.rounds += 1;
        let findings = check(program);
        let per_file = fixes_per_file(program, &findings, unsafe_fixes, &dropped_keys);
        let mut changed_now = Vec::new();
        for ((p, f), picks) in per_file {
            // Every pick has a fix, so `fixes[k]` belongs to `picks[k]`.
            let fixes: Vec<&Fix> = picks
                .iter()
                .filter_map(|&i| findings[i].diagnostic.fix.as_ref())
                .collect();
            let src = &program.packages[p].files[f].src;
            let applied = apply_fixes(src, &fixes);
            for &(k, reason) in &applied.dropped {
                let finding = &findings[picks[k]];
                dropped_keys.insert(drop_key(finding, fixes[k]));
                run.dropped.push(dropped_fix(program, finding, reason));
            }
            if !applied.applied.is_empty() {
                run.fixed += applied.applied.len();
                *run.fixed_in.entry((p, f)).or_default() += applied.applied.len();
                let old = replace_source(&mut program.packages[p], f, applied.source);
                run.originals.entry((p, f)).or_insert(old);
                changed_now.push((p, f));
            }
        }
        if changed_now.is_empty() {
            run.remaining = findings;
            run.originals
                .retain(|&(p, f), old| program.packages[p].files[f].src != *old);
            return Ok(run);
        }
        last_changed = changed_now;
    }
    Err(NotConverging {
        rounds: run.rounds,
        files: last_changed
            .iter()
            .map(|&(p, f)| program.packages[p].files[f].path.clone())
            .collect(),
    })
}

/// Indices of the findings with an applicable fix, per `(package, file)`,
/// skipping files with syntax errors and fixes dropped before.
fn fixes_per_file(
    program: &Program,
    findings: &[Finding],
    unsafe_fixes: bool,
    dropped: &HashSet<DropKey>,
) -> BTreeMap<(usize, usize), Vec<usize>> {
    let mut map: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        let Some(fix) = &f.diagnostic.fix else {
            continue;
        };
        let clean = f.source_file(program).errors.is_empty();
        if clean && is_applicable(fix, unsafe_fixes) && !dropped.contains(&drop_key(f, fix)) {
            map.entry((f.package, f.file)).or_default().push(i);
        }
    }
    map
}

fn dropped_fix(program: &Program, finding: &Finding, reason: DropReason) -> DroppedFix {
    let file = finding.source_file(program);
    DroppedFix {
        code: finding.diagnostic.code,
        path: file.path.clone(),
        line: file.line_col(finding.diagnostic.span.start).0,
        reason,
    }
}

/// Gives file `index` of `pkg` the text `src`: re-parses it and rebuilds
/// the package's symbols, which hold spans into every file. Returns the
/// old text.
fn replace_source(pkg: &mut Package, index: usize, src: String) -> String {
    let parsed = parse_file(&src);
    let file = &mut pkg.files[index];
    file.lines = LineIndex::new(&src);
    file.ast = std::sync::Arc::new(parsed.file);
    file.errors = parsed.errors;
    let old = std::mem::replace(&mut file.src, src);
    let mut symbols = Symbols::default();
    for (i, f) in pkg.files.iter().enumerate().filter(|(_, f)| f.in_build) {
        symbols.add_file(i, &f.ast, &f.src);
    }
    pkg.symbols = symbols;
    old
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;
    use letgo_go::ast::Span;
    use letgo_go::load::{load, LoadOptions};

    fn fix(applicability: Applicability, edits: Vec<Edit>) -> Fix {
        Fix {
            message: "m".into(),
            applicability,
            edits,
        }
    }

    fn safe(edits: Vec<Edit>) -> Fix {
        fix(Applicability::Safe, edits)
    }

    const SRC: &str = "package p\n\nfunc f() {\n\tx := 1\n\t_ = x\n}\n";

    fn at(needle: &str) -> u32 {
        SRC.find(needle).expect("needle in SRC") as u32
    }

    #[test]
    fn applicability_decides_what_is_applied() {
        let s = safe(vec![]);
        let u = fix(Applicability::Unsafe, vec![]);
        let d = fix(Applicability::DisplayOnly, vec![]);
        assert!(is_applicable(&s, false) && is_applicable(&s, true));
        assert!(!is_applicable(&u, false) && is_applicable(&u, true));
        assert!(!is_applicable(&d, false) && !is_applicable(&d, true));
    }

    #[test]
    fn applies_non_overlapping_fixes_in_offset_order() {
        let later = safe(vec![Edit::replace(Span::new(at("1"), at("1") + 1), "2")]);
        let earlier = safe(vec![
            Edit::insert(at("\tx"), "\t// one\n"),
            Edit::replace(Span::new(at("f("), at("f(") + 1), "g"),
        ]);
        let out = apply_fixes(SRC, &[&later, &earlier]);
        assert_eq!(
            out.source,
            "package p\n\nfunc g() {\n\t// one\n\tx := 2\n\t_ = x\n}\n"
        );
        assert_eq!((out.applied, out.deferred), (vec![0, 1], vec![]));
        assert!(out.dropped.is_empty());
    }

    #[test]
    fn overlapping_and_touching_fixes_are_deferred_duplicates_applied_once() {
        let x = at("x :=");
        let rename = safe(vec![Edit::replace(Span::new(x, x + 1), "y")]);
        let touching = safe(vec![Edit::insert(x + 1, "z")]);
        let same = rename.clone();
        let out = apply_fixes(SRC, &[&rename, &touching, &same]);
        assert_eq!(out.source, SRC.replacen("x :=", "y :=", 1));
        assert_eq!((out.applied, out.deferred), (vec![0, 2], vec![1]));
    }

    #[test]
    fn a_fix_that_breaks_the_syntax_is_dropped_the_rest_applied() {
        let breaks = safe(vec![Edit::replace(Span::new(at("}"), at("}") + 1), "")]);
        let fine = safe(vec![Edit::replace(Span::new(at("1"), at("1") + 1), "3")]);
        let out = apply_fixes(SRC, &[&breaks, &fine]);
        assert_eq!(out.source, SRC.replacen(":= 1", ":= 3", 1));
        assert_eq!(out.applied, vec![1]);
        assert_eq!(out.dropped, vec![(0, DropReason::BreaksSyntax)]);
    }

    #[test]
    fn fixes_that_break_the_syntax_only_together_go_one_per_round() {
        // Opening a block comment is fine while the line comment below
        // ends one; removing that end is fine alone; both together leave
        // the comment open.
        let src = "package p\n\nfunc f() {\n\t_ = 1 // end */\n}\n";
        let line = src.find("\t_").unwrap() as u32;
        let end = src.find(" */").unwrap() as u32;
        let open = safe(vec![Edit::insert(line, "/*")]);
        let unend = safe(vec![Edit::replace(Span::new(end, end + 3), "")]);
        let out = apply_fixes(src, &[&open, &unend]);
        assert!(parse_file(&out.source).errors.is_empty(), "{}", out.source);
        assert_eq!((out.applied, out.deferred), (vec![0], vec![1]));
        assert!(out.dropped.is_empty());
    }

    #[test]
    fn crlf_files_keep_crlf_in_inserted_lines() {
        let src = SRC.replace('\n', "\r\n");
        let stmt_end = src.find("1\r\n").unwrap() as u32 + 1;
        // One insertion at the end of a statement, one after its `\r`
        // (where a rule puts text after a comment that ends the line).
        let after = safe(vec![Edit::insert(stmt_end, "\n\tdefer a()")]);
        let between = safe(vec![Edit::insert(stmt_end + 9, "\n\tdefer b()")]);
        let out = apply_fixes(&src, &[&after, &between]);
        assert_eq!(
            out.source,
            "package p\r\n\r\nfunc f() {\r\n\tx := 1\r\n\tdefer a()\r\n\t_ = x\r\n\tdefer b()\r\n}\r\n"
        );
        // A file with `\n` endings is left as the rules write it.
        let plain = apply_fixes(
            SRC,
            &[&safe(vec![Edit::insert(at("\n\t_"), "\n\tdefer a()")])],
        );
        assert!(!plain.source.contains('\r'));
    }

    #[test]
    fn a_bom_is_kept() {
        let src = format!("\u{feff}{SRC}");
        let x = src.find("x :=").unwrap() as u32;
        let out = apply_fixes(
            &src,
            &[&safe(vec![Edit::replace(Span::new(x, x + 1), "y")])],
        );
        assert_eq!(
            out.source,
            format!("\u{feff}{}", SRC.replacen("x :=", "y :=", 1))
        );
        assert_eq!(out.applied, vec![0]);
    }

    #[test]
    fn edits_outside_the_file_or_overlapping_each_other_are_invalid() {
        let past_end = safe(vec![Edit::insert(SRC.len() as u32 + 1, "x")]);
        let self_overlap = safe(vec![
            Edit::replace(Span::new(0, 4), "a"),
            Edit::replace(Span::new(2, 6), "b"),
        ]);
        let backwards = safe(vec![Edit::replace(Span::new(5, 2), "c")]);
        let out = apply_fixes(SRC, &[&past_end, &self_overlap, &backwards]);
        assert_eq!(out.source, SRC);
        assert!(out.applied.is_empty());
        let mut dropped: Vec<usize> = out.dropped.iter().map(|d| d.0).collect();
        dropped.sort_unstable();
        assert_eq!(dropped, vec![0, 1, 2]);
        assert!(out.dropped.iter().all(|d| d.1 == DropReason::InvalidEdits));
    }

    fn module(files: &[(&str, &str)]) -> (tempfile::TempDir, Program) {
        // LG106 finds cancel functions by type: the semantic model reads
        // `context` from the toolchain the tests use.
        if let Some(go) = letgo_testkit::go_binary() {
            letgo_types::modules::use_goroot(letgo_testkit::goroot(&go));
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("go.mod"), "module m\n\ngo 1.27\n").unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let program = load(&[dir.path()], &LoadOptions::default()).unwrap();
        (dir, program)
    }

    fn lg106() -> Selection {
        Selection {
            select: vec!["LG106".into()],
            ignore: Vec::new(),
        }
    }

    const LEAKY: &str = "package m

import \"context\"

func a(parent context.Context) error {
\tctx, cancel := context.WithCancel(parent)
\t_ = use(ctx)
\treturn nil
}

func b(parent context.Context, keep func(context.Context)) {
\tctx, _ := context.WithCancel(parent)
\tkeep(ctx)
}

func use(ctx context.Context) error { return ctx.Err() }
";

    #[test]
    fn fix_program_applies_safe_fixes_and_reports_what_remains() {
        let (_dir, mut program) = module(&[("a.go", LEAKY)]);
        let sel = lg106();
        let run = fix_program(&mut program, &|_| sel.clone(), false).unwrap();
        assert_eq!((run.fixed, run.remaining.len()), (1, 1), "{run:?}");
        assert_eq!(run.originals.keys().collect::<Vec<_>>(), vec![&(0, 0)]);
        assert_eq!(run.originals[&(0, 0)], LEAKY);
        let src = &program.packages[0].files[0].src;
        assert!(src.contains("\tdefer cancel()\n\t_ = use(ctx)"), "{src}");
        let again = fix_program(&mut program, &|_| sel.clone(), false).unwrap();
        assert_eq!((again.fixed, again.originals.len()), (0, 0));
        assert_eq!(again.rounds, 1);
    }

    #[test]
    fn unsafe_fixes_apply_only_when_asked() {
        let (_dir, mut program) = module(&[("a.go", LEAKY)]);
        let sel = lg106();
        let run = fix_program(&mut program, &|_| sel.clone(), true).unwrap();
        assert_eq!((run.fixed, run.remaining.len()), (2, 0), "{run:?}");
        assert!(program.packages[0].files[0].errors.is_empty());
    }

    #[test]
    fn files_with_syntax_errors_are_not_fixed() {
        let broken = LEAKY.replace("func use(", "func use(,");
        let (_dir, mut program) = module(&[("a.go", &broken)]);
        let sel = lg106();
        let run = fix_program(&mut program, &|_| sel.clone(), true).unwrap();
        assert_eq!(run.fixed, 0);
        assert_eq!(program.packages[0].files[0].src, broken);
    }

    #[test]
    fn a_fix_that_never_settles_is_an_error_not_a_hang() {
        let (_dir, mut program) = module(&[("a.go", "package m\n")]);
        let restless = |p: &Program| {
            let d = Diagnostic::new("LG106", Span::new(0, 7), "again").with_fix(safe(vec![
                Edit::insert(p.packages[0].files[0].src.len() as u32, "// more\n"),
            ]));
            vec![Finding {
                package: 0,
                file: 0,
                diagnostic: d,
            }]
        };
        let err = fix_with(&mut program, &restless, false).unwrap_err();
        assert_eq!(err.rounds, MAX_ROUNDS);
        assert!(err.to_string().contains("did not converge"), "{err}");
        assert!(err.files[0].ends_with("a.go"));
    }

    #[test]
    fn a_fix_that_breaks_the_syntax_is_reported_once() {
        let (_dir, mut program) = module(&[("a.go", "package m\n")]);
        let breaking = |_: &Program| {
            let d = Diagnostic::new("LG106", Span::new(0, 7), "bad")
                .with_fix(safe(vec![Edit::insert(0, "{")]));
            vec![Finding {
                package: 0,
                file: 0,
                diagnostic: d,
            }]
        };
        let run = fix_with(&mut program, &breaking, false).unwrap();
        assert_eq!(run.fixed, 0);
        assert_eq!(run.dropped.len(), 1);
        assert_eq!(
            (
                run.dropped[0].code,
                run.dropped[0].line,
                run.dropped[0].reason
            ),
            ("LG106", 1, DropReason::BreaksSyntax)
        );
        assert_eq!(run.remaining.len(), 1);
    }
}
