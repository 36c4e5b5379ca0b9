//! Fixes keep behaviour, not only compilation: for each rule with a fix
//! `--fix` applies, a small Go program (`fixtures/fixbehaviour/lgNNN`)
//! runs before and after `letgo check --fix` (and `--fix --unsafe-fixes`
//! when it has unsafe fixes), and must print the same. The programs also
//! hold the cases whose fix must stay display-only (a context, response,
//! lock or timer that outlives the function): had their fix been applied,
//! the output would differ (a cancelled context, a closed body, Go's
//! "unlock of unlocked mutex", a timer that never fires).

mod common;

use common::letgo;
use letgo_lint::RULES;
use std::fs;
use std::path::{Path, PathBuf};

fn module() -> PathBuf {
    common::workspace_root().join("crates/letgo/tests/fixtures/fixbehaviour")
}

/// The applicabilities (`safe`, `unsafe`, `display-only`) of the fixes
/// letgo proposes for `code` in package `rel` of `dir`.
fn applicabilities(dir: &Path, rel: &str, code: &str) -> Vec<String> {
    let out = letgo(&["check", "--format", "json", "--select", code, rel], dir);
    assert!(out.code < 2, "{code} {rel}: {}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["fix"]["applicability"].as_str().map(str::to_string))
        .collect()
}

/// What `go run ./pkg` prints in `dir` (stdout and stderr, and whether it
/// exited cleanly).
fn run(go: &Path, dir: &Path, pkg: &str) -> String {
    let (ok, out) = common::run_go_tool(go, dir, &["run", pkg]);
    format!("exit ok: {ok}\n{out}")
}

#[test]
fn every_rule_with_an_applied_fix_has_a_behaviour_program() {
    let mut missing = Vec::new();
    for rule in RULES {
        let fixable = common::fixture_packages(rule.code).iter().any(|(m, pkg)| {
            let rel = format!("./{}", pkg.file_name().unwrap().to_string_lossy());
            applicabilities(m, &rel, rule.code)
                .iter()
                .any(|a| a == "safe" || a == "unsafe")
        });
        let program = module().join(rule.code.to_lowercase());
        if fixable && !program.is_dir() {
            missing.push(rule.code);
        }
    }
    assert!(missing.is_empty(), "no behaviour program for {missing:?}");
}

#[test]
fn fixes_keep_what_the_programs_print() {
    let Some(go) = common::go_binary() else {
        return;
    };
    let mut programs: Vec<String> = fs::read_dir(module())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("lg"))
        .collect();
    programs.sort();
    assert!(!programs.is_empty());
    let mut checked = 0;
    for name in &programs {
        let code = name.to_uppercase();
        let rel = format!("./{name}");
        let kinds = applicabilities(&module(), &rel, &code);
        let before = run(&go, &module(), &rel);
        assert!(before.starts_with("exit ok: true"), "{name}: {before}");
        let modes: &[(&str, &[&str])] = &[
            ("safe", &["--fix"]),
            ("unsafe", &["--fix", "--unsafe-fixes"]),
        ];
        for (kind, flags) in modes {
            if !kinds.iter().any(|k| k == kind) {
                continue;
            }
            let tmp = tempfile::tempdir().unwrap();
            common::copy_tree(&module(), tmp.path());
            let main = tmp.path().join(name).join("main.go");
            let original = fs::read_to_string(&main).unwrap();
            let mut args = vec!["check"];
            args.extend_from_slice(flags);
            args.extend(["--select", &code, &rel]);
            let out = letgo(&args, tmp.path());
            let context = format!("{name} {flags:?}");
            assert!(out.code < 2, "{context}: {}{}", out.stdout, out.stderr);
            let fixed = fs::read_to_string(&main).unwrap();
            assert_ne!(fixed, original, "{context}: nothing was fixed");
            let after = run(&go, tmp.path(), &rel);
            assert_eq!(
                after, before,
                "{context}: the fix changed what the program prints; fixed source:\n{fixed}"
            );
            checked += 1;
        }
    }
    println!("{checked} fixed programs behave as before");
}
