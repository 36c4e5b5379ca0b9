//! `letgo diff --write-pprof` against `go tool pprof -base`: on the heap
//! and goroutine profiles of two moments of a real Go program
//! (`tests/fixtures/diffpair`: goroutines that end between the moments,
//! two callers of one allocation site, memory let go), `go tool pprof`
//! on the written file prints exactly what `go tool pprof -base BASE NEW`
//! prints, for `-top` (totals included), `-peek`, `-traces` and every
//! sample index. Skipped when Go is missing, unless `LETGO_REQUIRE_GO`.

use std::path::{Path, PathBuf};
use std::process::Command;

use letgo_testkit::{go_binary, go_build, go_command};

/// Builds and runs the fixture; the directory holding its profiles.
fn moments(go: &Path, dir: &Path) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diffpair");
    let binary = go_build(go, &fixture, &dir.join("diffpair"));
    let profiles = dir.join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    let status = Command::new(&binary)
        .arg("-out")
        .arg(&profiles)
        .status()
        .expect("run diffpair");
    assert!(status.success());
    profiles
}

/// `go tool pprof ARGS`, stdout and stderr together.
fn pprof(go: &Path, args: &[&str]) -> String {
    let out = go_command(go)
        .args(["tool", "pprof", "-nodecount=100000"])
        .args(args)
        .output()
        .expect("go tool pprof");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn compare(go: &Path, kind: &str, profiles: &Path, views: &[&[&str]]) -> Vec<String> {
    let path = |n: &str| {
        profiles
            .join(format!("{kind}-{n}.pb.gz"))
            .display()
            .to_string()
    };
    let (base, new) = (path("1"), path("2"));
    let written = profiles
        .join(format!("{kind}-diff.pb.gz"))
        .display()
        .to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(["diff", &base, &new, "--write-pprof", &written])
        .output()
        .expect("letgo diff");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut tops = Vec::new();
    for view in views {
        let mut ours: Vec<&str> = view.to_vec();
        ours.push(&written);
        let mut theirs: Vec<&str> = view.to_vec();
        theirs.extend(["-base", &base, &new]);
        let (a, b) = (pprof(go, &ours), pprof(go, &theirs));
        let graph = view.iter().any(|v| v.starts_with("-peek") || *v == "-tree");
        if graph {
            assert_eq!(
                ties_in_any_order(&a),
                ties_in_any_order(&b),
                "{kind} {view:?}: the written diff differs from -base"
            );
        } else {
            assert_eq!(a, b, "{kind} {view:?}: the written diff differs from -base");
        }
        assert!(
            !a.contains("failed") && !a.is_empty(),
            "{kind} {view:?}: {a}"
        );
        tops.push(a);
    }
    tops
}

#[test]
fn the_written_diff_reads_as_pprof_base_does() {
    let Some(go) = go_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let profiles = moments(&go, dir.path());
    let views = ["-top", "-traces", "-peek=.", "-tree"];
    let indexes = [
        "alloc_objects",
        "alloc_space",
        "inuse_objects",
        "inuse_space",
    ]
    .map(|index| format!("-sample_index={index}"));
    let heap_views: Vec<[&str; 2]> = views
        .iter()
        .flat_map(|view| indexes.iter().map(move |index| [*view, index.as_str()]))
        .collect();
    let heap_views: Vec<&[&str]> = heap_views.iter().map(|v| &v[..]).collect();
    let heap = compare(&go, "heap", &profiles, &heap_views);
    assert!(heap[0].contains("main.keepMany"), "{}", heap[0]);
    let goroutines = compare(
        &go,
        "goroutine",
        &profiles,
        &[&["-top"], &["-traces"], &["-peek=."]],
    );
    // The goroutines that ended count down: a group only in BASE.
    let early = goroutines[0]
        .lines()
        .find(|l| l.contains("main.waitEarly"))
        .unwrap_or_else(|| panic!("{}", goroutines[0]));
    let cum = early.split_whitespace().nth(3);
    assert_eq!(cum, Some("-5"), "{early}");
}

/// pprof's output with the lines of each `-peek`/`-tree` block sorted:
/// pprof orders a node's callers and callees by absolute weight, and two
/// of equal weight and opposite signs (a diff's +30 and -30) come out in
/// whatever order its edge map gives, on either side. Everything else
/// must match line for line.
fn ties_in_any_order(text: &str) -> String {
    let mut out = String::new();
    let mut block: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.starts_with("-----") {
            block.sort_unstable();
            for l in block.drain(..) {
                out.push_str(l);
                out.push('\n');
            }
            out.push_str(line);
            out.push('\n');
        } else {
            block.push(line);
        }
    }
    block.sort_unstable();
    for l in block {
        out.push_str(l);
        out.push('\n');
    }
    out
}
