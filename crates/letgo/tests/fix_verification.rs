//! Every fix of every rule, proven with the real Go toolchain (DESIGN.md,
//! "Fix safety"): each rule's fixture package is copied with its module,
//! `letgo check --fix --unsafe-fixes` fixes it, and then `gofmt -l` prints
//! nothing, `go vet` builds it, the findings that had a fix are gone (the
//! others remain), and a second `--fix` changes nothing. Rules added later
//! are covered by their fixture package (`fixtures*/lgNNN`).

mod common;

use common::letgo;
use letgo_lint::RULES;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Fixes known to be wrong, kept out of the proof by a suppression comment
/// in the copy: `(code, function suffix, why)`. Each entry is a bug in a
/// rule; remove the entry when the rule is fixed. The test fails when an
/// entry no longer matches a finding, so none goes stale.
const KNOWN_BROKEN: &[(&str, &str, &str)] = &[];

#[test]
fn fixes_keep_the_code_gofmt_clean_and_building_and_settle() {
    let Some(go) = common::go_binary() else {
        return;
    };
    let mut verified = 0;
    for rule in RULES {
        for (module, pkg) in common::fixture_packages(rule.code) {
            verified += verify(&go, &module, &pkg, rule.code);
        }
    }
    assert!(verified > 0, "no fix was verified at all");
    println!("{verified} fixes verified");
}

/// A finding as it survives a fix: lines move, functions do not.
type Key = (String, String, String);

/// Fixes the copy of one fixture package and checks the result; returns
/// how many findings had a fix.
fn verify(go: &Path, module: &Path, pkg: &Path, code: &str) -> usize {
    let tmp = tempfile::tempdir().unwrap();
    common::copy_tree(module, tmp.path());
    let name = pkg.file_name().unwrap().to_string_lossy().into_owned();
    let rel = format!("./{name}");
    let dir = tmp.path().join(&name);
    suppress_known_broken(tmp.path(), &rel, code);
    let before = findings(tmp.path(), &rel, code);
    let fixable = before.iter().filter(|(_, has_fix)| *has_fix).count();
    let expected: Vec<Key> = keys(before.iter().filter(|(_, has_fix)| !has_fix));

    let out = letgo(
        &["check", "--fix", "--unsafe-fixes", "--select", code, &rel],
        tmp.path(),
    );
    let context = format!("{code} in {}", pkg.display());
    assert!(out.code < 2, "{context}: {}{}", out.stdout, out.stderr);
    assert!(!out.stderr.contains("dropped"), "{context}: {}", out.stderr);

    let (ok, unformatted) = common::run_go_tool(&common::gofmt(go), tmp.path(), &["-l", &rel]);
    assert!(
        ok && unformatted.is_empty(),
        "{context}: gofmt -l: {unformatted}"
    );
    let (ok, vet) = common::run_go_tool(
        go,
        tmp.path(),
        &["vet", "-lostcancel=false", "-waitgroup=false", &rel],
    );
    assert!(ok, "{context}: fixed code does not vet:\n{vet}");
    let after = findings(tmp.path(), &rel, code);
    assert!(
        after.iter().all(|(_, has_fix)| !has_fix),
        "{context}: fixable findings remain"
    );
    assert_eq!(
        keys(after.iter()),
        expected,
        "{context}: not what was left unfixed"
    );

    let fixed = read_tree(&dir);
    let again = letgo(
        &["check", "--fix", "--unsafe-fixes", "--select", code, &rel],
        tmp.path(),
    );
    assert!(
        again.stdout.contains("Fixed 0 findings"),
        "{context}: {}",
        again.stdout
    );
    assert_eq!(
        read_tree(&dir),
        fixed,
        "{context}: a second --fix changed files"
    );
    fixable
}

/// `(key, has an applicable fix)` of every finding of `code` in `rel`.
fn findings(cwd: &Path, rel: &str, code: &str) -> Vec<(Key, bool)> {
    let out = letgo(&["check", "--format", "json", "--select", code, rel], cwd);
    assert!(out.code < 2, "{code}: {}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let str_of = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let key = (
                str_of(&f["file"]),
                str_of(&f["function"]),
                str_of(&f["code"]),
            );
            let applicability = str_of(&f["fix"]["applicability"]);
            (key, applicability == "safe" || applicability == "unsafe")
        })
        .collect()
}

fn keys<'a>(findings: impl Iterator<Item = &'a (Key, bool)>) -> Vec<Key> {
    let mut v: Vec<Key> = findings.map(|(k, _)| k.clone()).collect();
    v.sort();
    v
}

/// Puts `//letgo:ignore CODE why` above each finding of a known-broken
/// fix, in the copy.
fn suppress_known_broken(cwd: &Path, rel: &str, code: &str) {
    for &(_, function, why) in KNOWN_BROKEN.iter().filter(|k| k.0 == code) {
        let out = letgo(&["check", "--format", "json", "--select", code, rel], cwd);
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let hits: Vec<(String, usize)> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["function"]
                    .as_str()
                    .is_some_and(|n| n.ends_with(function))
            })
            .map(|f| {
                let file = f["file"].as_str().unwrap().to_string();
                (file, f["line"].as_u64().unwrap() as usize)
            })
            .collect();
        assert!(
            !hits.is_empty(),
            "{code}: KNOWN_BROKEN {function} matches no finding"
        );
        for (file, line) in hits.iter().rev() {
            insert_comment_above(
                &cwd.join(file),
                *line,
                &format!("//letgo:ignore {code} {why}"),
            );
        }
    }
}

fn insert_comment_above(path: &Path, line: usize, comment: &str) {
    let text = fs::read_to_string(path).unwrap();
    let mut lines: Vec<&str> = text.split('\n').collect();
    let target = lines[line - 1];
    let indent = &target[..target.len() - target.trim_start().len()];
    let inserted = format!("{indent}{comment}");
    lines.insert(line - 1, &inserted);
    fs::write(path, lines.join("\n")).unwrap();
}

/// Every file of `dir` by name, with its text.
fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&p).unwrap())
        })
        .collect()
}
