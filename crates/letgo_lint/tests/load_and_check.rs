//! `load_and_check` (load and check one package at a time, freeing each)
//! finds what `load` then `check` finds, and keeps the text of exactly
//! the files a finding points into or has a related place in (the
//! caller's file of a finding in a callee), which the text output frames.

mod common;

use letgo_go::load::{LoadOptions, Loader};
use letgo_lint::engine::{check, load_and_check};
use letgo_lint::selection::Selection;

#[test]
fn finds_what_check_finds_and_keeps_only_quoted_files() {
    common::use_test_goroot();
    for dir in common::fixture_modules() {
        let all = Selection::default();
        let loader = Loader::new(&[dir.join("...")], &LoadOptions::default()).unwrap();
        let (kept, streamed) = load_and_check(loader, &|_| all.clone()).unwrap();
        let program = Loader::new(&[dir.join("...")], &LoadOptions::default())
            .unwrap()
            .load()
            .unwrap();
        let whole = check(&program, &|_| all.clone());
        assert!(!whole.is_empty(), "{}", dir.display());
        let key = |f: &letgo_lint::engine::Finding| (f.package, f.file, f.diagnostic.clone());
        assert_eq!(
            streamed.iter().map(key).collect::<Vec<_>>(),
            whole.iter().map(key).collect::<Vec<_>>()
        );
        assert_eq!(kept.packages.len(), program.packages.len());
        for (p, pkg) in kept.packages.iter().enumerate() {
            for (i, file) in pkg.files.iter().enumerate() {
                // A finding points into it, or has a related place there.
                let quoted = whole.iter().any(|f| {
                    f.package == p
                        && (f.file == i || f.diagnostic.related.iter().any(|r| r.file == Some(i)))
                });
                let original = &program.packages[p].files[i];
                assert_eq!(file.path, original.path);
                let want = if quoted { original.src.as_str() } else { "" };
                assert_eq!(file.src, want, "{}", file.path.display());
            }
        }
    }
}
