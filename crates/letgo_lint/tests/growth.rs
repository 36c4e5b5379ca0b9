//! Heap growth across packages (issue 16, items 1 and 3): the fixture
//! module `fixtures/growth` is checked whole, as `letgo check ./...`
//! would, and LG301/LG302 findings must match its `// want` comments —
//! inserts in one package that another package's handler, event loop or
//! interface call runs per request, and none for a method only `main`
//! calls at setup or for an owner that lives for one request.

mod common;

#[test]
fn growth_across_packages_matches_want_comments() {
    let dir = common::fixtures_dir().join("growth/...");
    let (program, findings) = common::run(&dir, &["LG301", "LG302"]);
    let found = common::found(&program, &findings);
    let mut wanted = common::wanted(&program);
    wanted.retain(|(_, _, code)| code.starts_with("LG30"));
    let messages: Vec<String> = findings
        .iter()
        .map(|f| format!("{}: {}", f.diagnostic.code, f.diagnostic.message))
        .collect();
    assert!(!wanted.is_empty(), "the fixture has want comments");
    assert_eq!(found, wanted, "\n{}", messages.join("\n"));
}

/// Each package alone: a registry whose callers are out of view is not
/// judged to grow (nothing shows that its methods run per request).
#[test]
fn a_package_without_its_callers_is_quiet() {
    for pkg in ["registry", "tree"] {
        let dir = common::fixtures_dir().join("growth").join(pkg);
        let (_, findings) = common::run(&dir, &["LG301", "LG302"]);
        let msgs: Vec<_> = findings.iter().map(|f| &f.diagnostic.message).collect();
        assert!(findings.is_empty(), "{pkg}: {msgs:?}");
    }
}

/// A discarded `time.AfterFunc` in a method another package's accept
/// loop runs per connection (LG205 reached through calls), and none for
/// a kept timer, a short constant delay or a watchdog `main` arms once.
#[test]
fn afterfunc_per_event_across_packages_matches_want_comments() {
    let dir = common::fixtures_dir().join("growth/...");
    let (program, findings) = common::run(&dir, &["LG205"]);
    let found = common::found(&program, &findings);
    let mut wanted = common::wanted(&program);
    wanted.retain(|(_, _, code)| code == "LG205");
    assert!(!wanted.is_empty(), "the fixture has LG205 want comments");
    assert_eq!(found, wanted);
}
