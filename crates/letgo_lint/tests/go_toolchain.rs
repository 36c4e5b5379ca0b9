//! Checks that need the Go toolchain: the fixtures are real Go (they
//! build, and vet finds nothing but the leaks they hold on purpose), and
//! letgo finds everything `go vet`'s lostcancel finds in them.

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
        // lostcancel is the one analyzer whose findings are the fixtures'
        // point; every other analyzer must be quiet.
        let (ok, out) = common::go(&go, &dir, &["vet", "-lostcancel=false", "./..."]);
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
    let missed: Vec<_> = vet.difference(&ours).collect();
    assert!(
        missed.is_empty(),
        "lostcancel finds what letgo misses: {missed:?}"
    );
    println!(
        "lostcancel: {} findings, letgo LG106: {} (a superset)",
        vet.len(),
        ours.len()
    );
}
