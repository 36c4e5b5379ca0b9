//! The report of `letgo test`: leaked goroutines grouped by site (the
//! function and line where they block, and their wait state), each group
//! with the tests it is blamed on, how many goroutines each left, and one
//! creation chain: who started the goroutine, and which goroutines started
//! that one, up to the test.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use letgo_runtime::frames::{is_std_function, package_path, SiteFrame};
use serde_json::{json, Value};

use super::records::{subtest_function, Frame, Record};
use super::subtests::Subtests;
use crate::report::{Finding, Severity, Source};
use crate::runtime::findings::{locate, plural, short_function, Reported};
use crate::runtime::source::SourceTree;

/// Which functions are the user's: the tested modules' (whose paths, as
/// `goker`, may have no dot and look like the standard library's), and
/// any outside the standard library; never the harness's.
pub struct UserCode {
    pub modules: Vec<String>,
}

impl UserCode {
    pub fn contains(&self, function: &str) -> bool {
        if is_harness(function) {
            return false;
        }
        let pkg = package_path(function);
        let pkg = pkg.strip_suffix("_test").unwrap_or(pkg);
        let in_module = self.modules.iter().any(|m| {
            pkg == m
                || pkg
                    .strip_prefix(m.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        });
        in_module || !is_std_function(function)
    }
}

/// The harness's functions (`pkg.letgoRunTest`), left out of stacks.
fn is_harness(function: &str) -> bool {
    short_function(function)
        .split_once('.')
        .is_some_and(|(_, name)| name.starts_with("letgo"))
}

/// Leaks at one site.
struct Site<'a> {
    records: Vec<&'a Record>,
}

/// One row of a site's blame: a test (subtest path) and its leaks.
#[derive(Debug, Default)]
struct Blame {
    count: u64,
    runs: Vec<u32>,
    late: bool,
    stuck: bool,
}

/// The findings, one per site, ordered by package, file and line.
pub fn findings(
    records: &[Record],
    subtests: &Subtests,
    source: Option<&SourceTree>,
    user: &UserCode,
) -> Vec<Reported> {
    let mut sites: BTreeMap<(String, String, u32, String), Site> = BTreeMap::new();
    for r in records {
        let site = site_frame(&r.frames, user);
        let key = site.map_or_else(
            || (String::new(), String::new(), 0, r.state.clone()),
            |f| (f.file.clone(), f.func.clone(), f.line, r.state.clone()),
        );
        sites
            .entry(key)
            .or_insert_with(|| Site {
                records: Vec::new(),
            })
            .records
            .push(r);
    }
    sites
        .values()
        .map(|s| site_finding(s, subtests, source, user))
        .collect()
}

/// The frame a leak is reported at: the first in user code.
fn site_frame<'a>(frames: &'a [Frame], user: &UserCode) -> Option<&'a Frame> {
    frames
        .iter()
        .find(|f| user.contains(&f.func))
        .or(frames.first())
}

fn site_frame_of(f: &Frame) -> SiteFrame {
    SiteFrame {
        function: Arc::from(f.func.as_str()),
        file: Arc::from(f.file.as_str()),
        line: f.line,
    }
}

/// The test a record is blamed on, down to its subtest.
pub fn blamed_test(r: &Record, subtests: &Subtests) -> String {
    if r.test.is_empty() {
        return "TestMain".to_string();
    }
    subtests.path(&r.test, &r.subtest_functions())
}

fn site_finding(
    site: &Site,
    subtests: &Subtests,
    source: Option<&SourceTree>,
    user: &UserCode,
) -> Reported {
    let first = site.records[0];
    let proved = site.records.iter().all(|r| r.proved);
    let count = site.records.len() as u64;
    let mut blame: BTreeMap<String, Blame> = BTreeMap::new();
    for r in &site.records {
        let b = blame.entry(blamed_test(r, subtests)).or_default();
        b.count += 1;
        if !b.runs.contains(&r.run) {
            b.runs.push(r.run);
        }
        b.late |= r.late;
        b.stuck |= r.stuck;
    }
    let frame = site_frame(&first.frames, user).map(site_frame_of);
    let (at, code_frame) = locate(frame.as_ref(), source);
    let noun = plural(count, "goroutine", "goroutines");
    let tests: Vec<&str> = blame.keys().map(String::as_str).collect();
    let place = frame.as_ref().map_or(String::new(), |f| {
        format!(" in `{}`", short_function(&f.function))
    });
    let hung = !proved && site.records.iter().all(|r| r.stuck);
    let how = if proved {
        "Go proved they can never run again"
    } else if hung {
        "the test hung: all its goroutines stayed blocked for --hang (not a proof)"
    } else {
        "still there after the settle period"
    };
    let message = format!(
        "{count} {noun} leaked by {}, blocked in {}{place}: {how}",
        tests.join(", "),
        first.state
    );
    let mut details = vec![format!(
        "state: {} · {count} {noun} · {}",
        first.state,
        if proved {
            "proved by the goroutineleak profile"
        } else if hung {
            "blocked, unchanged, for the --hang period; not proved"
        } else {
            "left after the settle period (no goroutineleak profile in this Go)"
        }
    )];
    for (test, b) in &blame {
        let runs: Vec<String> = b.runs.iter().map(u32::to_string).collect();
        let late = if b.stuck {
            " (the test could never finish; the test binary stopped there)"
        } else if b.late {
            " (blocked after the test had ended)"
        } else {
            ""
        };
        details.push(format!(
            "test: {test} · {} {} · run {}{late}",
            b.count,
            plural(b.count, "goroutine", "goroutines"),
            runs.join(",")
        ));
    }
    details.extend(code_frame);
    details.extend(chain_lines(first, subtests, user));
    details.push("stack:".into());
    for f in first.frames.iter().filter(|f| !is_harness(&f.func)) {
        details.push(format!("  {}", f.func));
        details.push(format!("      {}:{}", f.file, f.line));
    }
    let evidence = json!({
        "state": first.state,
        "count": count,
        "proved": proved,
        "tests": blame.iter().map(|(t, b)| json!({
            "test": t, "count": b.count, "runs": b.runs, "late": b.late, "stuck": b.stuck,
        })).collect::<Vec<_>>(),
        "package": first.package,
        "goroutine_ids": site.records.iter().map(|r| r.goid).collect::<Vec<_>>(),
        "created_by": first.created_by.as_ref().map(frame_json),
        "creation_chain": first.chain().iter().map(|a| json!({
            "goroutine": a.goid,
            "frames": a.frames.iter().filter(|f| user.contains(&f.func)).map(frame_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "stack": first.frames.iter().filter(|f| !is_harness(&f.func)).map(frame_json).collect::<Vec<_>>(),
    });
    Reported {
        finding: Finding {
            code: if proved { "LG501" } else { "LG505" }.into(),
            name: if proved {
                "leaked-goroutines"
            } else {
                "leftover-goroutines"
            }
            .into(),
            severity: Severity::Error,
            message,
            at,
            function: frame.map(|f| f.function.to_string()),
            source: Source::Runtime,
            evidence,
            fix: None,
            related: Vec::new(),
        },
        details,
    }
}

/// `created by plain.Wait at plain.go:10 in goroutine 20`, then each
/// goroutine up the chain with the user frames it had when it started the
/// next, ending at the test's goroutine.
fn chain_lines(r: &Record, subtests: &Subtests, user: &UserCode) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(c) = r.created_by.as_ref().filter(|_| r.goid != r.test_goid) {
        lines.push(format!(
            "created by {} at {}:{} in goroutine {}",
            short_function(&c.func),
            file_name(&c.file),
            c.line,
            r.creator
        ));
    }
    for a in r.chain() {
        let frames: Vec<String> = a
            .frames
            .iter()
            .filter(|f| user.contains(&f.func))
            .map(|f| format!("{}:{}", short_function(&f.func), f.line))
            .collect();
        let whose = match subtest_function(&a.frames) {
            _ if a.goid == r.test_goid => format!(" (test {})", r.test),
            Some(f) => format!(" (subtest {})", subtests.name(f)),
            None => String::new(),
        };
        lines.push(format!(
            "  ← goroutine {}{whose}: {}",
            a.goid,
            frames.join(" ← ")
        ));
    }
    lines
}

fn file_name(path: &str) -> &str {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
}

fn frame_json(f: &Frame) -> Value {
    json!({"function": f.func, "file": f.file, "line": f.line})
}
