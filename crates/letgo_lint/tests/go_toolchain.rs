//! Checks that need the Go toolchain: the fixtures are real Go (they
//! build, and vet finds nothing but the leaks they hold on purpose), and
//! letgo finds everything `go vet`'s lostcancel finds in them, and agrees
//! with its waitgroup analyzer (the condition of staticcheck's SA2000).

mod common;

use std::collections::BTreeSet;

#[test]
fn fixtures_build_and_vet_clean_apart_from_their_leaks() {
    let Some(go) = common::go_binary() else {
        return;
    };
    for dir in common::fixture_modules() {
        let (ok, out) = common::go(&go, &dir, &["build", "./..."]);
        assert!(ok, "{} does not build:\n{out}", dir.display());
        // lostcancel and waitgroup are the analyzers whose findings are
        // the fixtures' point; every other analyzer must be quiet.
        let (ok, out) = common::go(
            &go,
            &dir,
            &["vet", "-lostcancel=false", "-waitgroup=false", "./..."],
        );
        assert!(ok, "go vet complains about {}:\n{out}", dir.display());
    }
}

#[test]
fn letgo_finds_everything_lostcancel_finds() {
    let Some(go) = common::go_binary() else {
        return;
    };
    let dir = common::fixtures_dir();
    let (_, out) = common::go(&go, &dir, &["vet", "-lostcancel", "./..."]);
    // Each vet finding's first line is `path:line:col: message`; the
    // "this return statement" lines point at exits, not definitions.
    let vet: BTreeSet<(String, u32)> = out
        .lines()
        .filter(|l| l.contains("the cancel function"))
        .filter_map(|l| {
            let mut parts = l.splitn(4, ':');
            let file = parts.next()?.rsplit('/').next()?.to_string();
            Some((file, parts.next()?.parse().ok()?))
        })
        .collect();
    assert!(vet.len() >= 5, "vet found too little to compare:\n{out}");
    let (program, findings) = common::run(&dir.join("..."), &["LG106"]);
    let ours: BTreeSet<(String, u32)> = common::found(&program, &findings)
        .into_iter()
        .map(|(f, l, _)| (f, l))
        .collect();
    // Lines marked `lostcancel only` hold a context that keeps nothing
    // alive (a short constant timeout, a WithCancel of Background no one
    // keeps): LG106 leaves them to vet on purpose. Each must be one vet
    // flags and letgo does not, so a marker cannot hide a miss.
    let vet_only: BTreeSet<(String, u32)> = program
        .files()
        .flat_map(|f| {
            let name = f.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            f.src
                .lines()
                .enumerate()
                .filter(|(_, l)| l.contains("lostcancel only"))
                .map(move |(i, _)| (name.to_string(), i as u32 + 1))
        })
        .collect();
    assert!(
        !vet_only.is_empty(),
        "no `lostcancel only` line in the fixtures"
    );
    for marked in &vet_only {
        assert!(vet.contains(marked), "vet does not flag {marked:?}:\n{out}");
        assert!(
            !ours.contains(marked),
            "LG106 flags {marked:?}, marked vet's alone"
        );
    }
    let missed: Vec<_> = vet
        .difference(&ours)
        .filter(|v| !vet_only.contains(v))
        .collect();
    assert!(
        missed.is_empty(),
        "lostcancel finds what letgo misses: {missed:?}"
    );
    println!(
        "lostcancel: {} findings, letgo LG106: {} (a superset but for `lostcancel only` lines)",
        vet.len(),
        ours.len()
    );
}

#[test]
fn letgo_agrees_with_vet_waitgroup_on_add_inside_the_goroutine() {
    let Some(go) = common::go_binary() else {
        return;
    };
    let dir = common::fixtures_dir();
    let (_, out) = common::go(&go, &dir, &["vet", "-waitgroup", "./..."]);
    let vet: BTreeSet<(String, u32)> = out
        .lines()
        .filter(|l| l.contains("WaitGroup.Add called from inside new goroutine"))
        .filter_map(|l| {
            let mut parts = l.splitn(4, ':');
            let file = parts.next()?.rsplit('/').next()?.to_string();
            Some((file, parts.next()?.parse().ok()?))
        })
        .collect();
    assert!(vet.len() >= 3, "vet found too little to compare:\n{out}");
    let (program, findings) = common::run(&dir.join("..."), &["LG115"]);
    let ours: BTreeSet<(String, u32)> = findings
        .iter()
        .filter(|f| {
            f.diagnostic
                .message
                .contains("inside the goroutine it counts")
        })
        .map(|f| {
            let sf = f.source_file(&program);
            let name = sf.path.file_name().unwrap().to_string_lossy().into_owned();
            (name, sf.line_col(f.diagnostic.span.start).0)
        })
        .collect();
    assert_eq!(ours, vet, "LG115 and vet's waitgroup (SA2000) disagree");
}
