//! Rules that treat the main goroutine of `main.main` apart (LG108,
//! LG109, LG116), a command as a package nobody imports (LG107), or a
//! command's function that runs once as leaving its leak once (LG401,
//! LG106),
//! a ticker loop a command runs once as lasting the process (LG202), a
//! channel a command makes once ranged over for the process's life (LG104), a
//! package that exists only for tests as the tests' own (`lg103/fakeserver`,
//! no finding), or
//! a test's channel handed to the code under test as the test's (LG107,
//! `lg107/undertest`): their fixtures include a package each, in a subdirectory the
//! package-per-rule want test does not load. Findings
//! must match the `// want` comments exactly there too.

mod common;

use std::path::Path;

#[test]
fn commands_match_want_comments() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (dir, code) in [
        ("lg107/cmd", "LG107"),
        ("lg108/daemon", "LG108"),
        ("lg109/park", "LG109"),
        ("lg116/daemon", "LG116"),
        ("lg103/cmd", "LG103"),
        ("lg103/fakeserver", "LG103"),
        ("lg401/cmd", "LG401"),
        ("lg106/cmd", "LG106"),
        ("lg202/oncecmd", "LG202"),
        ("lg107/undertest", "LG107"),
        ("lg104/daemon", "LG104"),
    ] {
        let (program, findings) = common::run(&base.join(dir), &[code]);
        let found = common::found(&program, &findings);
        let wanted: Vec<_> = common::wanted(&program)
            .into_iter()
            .filter(|w| w.2 == code)
            .collect();
        assert_eq!(found, wanted, "{dir}");
    }
}

/// A command's subcommands in a package of their own (`cmd/fetch/cli`),
/// run by a command-line framework whose source is not in view (ffcli,
/// cobra, urfave/cli; errgroup's `Go`: `fixtures_unresolved` requires them, the
/// module cache has none): an action runs once per process, and so does what it calls
/// outside loops, in any package of the module that other modules do not
/// import, whether the command is built in a function or declared in a
/// package-level table (`cmd/pull`). A hashicorp/cli command is made by a
/// factory and its `Run` called once (`cmd/ops`, `internal/ops`). An exported function of an
/// importable package, and a function called in a loop, are flagged.
#[test]
fn command_actions_run_once_across_packages() {
    common::use_test_goroot();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures_unresolved");
    let dirs = [
        "cmd/fetch",
        "cmd/fetch/cli",
        "cmd/group",
        "cmd/serve",
        "cmd/pull",
        "cmd/ops",
        "client",
        "internal/collect",
        "internal/ops",
    ]
    .map(|d| root.join(d));
    let program = letgo_go::load::load(&dirs, &letgo_go::load::LoadOptions::default())
        .expect("fixtures load");
    let codes = ["LG103", "LG104", "LG106", "LG401"];
    let selection = letgo_lint::selection::Selection {
        select: codes.iter().map(|c| c.to_string()).collect(),
        ignore: Vec::new(),
    };
    let findings = letgo_lint::engine::check(&program, &|_| selection.clone());
    let found = common::found(&program, &findings);
    let wanted = common::wanted(&program);
    assert_eq!(wanted.len(), 7, "{wanted:?}");
    assert_eq!(found, wanted);
}
