//! The leaked goroutines the harness wrote (one JSON line each), and whom
//! each is blamed on: the top-level test the harness saw start it, made
//! precise down to the subtest by the goroutine's ancestors (recorded with
//! `GODEBUG=tracebackancestors`): every ancestor between the leak and the
//! test's goroutine that is a subtest's goroutine (its stack ends in
//! `testing.tRunner`) names the subtest function, and the source names the
//! subtest (`t.Run("name", func...)`, see `subtests.rs`).

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Frame {
    pub func: String,
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Ancestor {
    pub goid: i64,
    #[serde(default)]
    pub frames: Vec<Frame>,
}

/// One leaked goroutine, as the harness wrote it.
#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    pub package: String,
    /// The top-level test (empty when no test started it).
    pub test: String,
    /// Which run of that test (`-count`, `--stress`), from 1.
    pub run: u32,
    pub test_goid: i64,
    /// Blocked only after its test had ended; found by a later check.
    pub late: bool,
    /// The test could never finish (its goroutine or a subtest's blocked
    /// forever); the test binary stopped there.
    #[serde(default)]
    pub stuck: bool,
    pub goid: i64,
    pub state: String,
    /// The goroutineleak profile proved it blocked forever (else it was
    /// still there after the settle period).
    pub proved: bool,
    #[serde(default)]
    pub frames: Vec<Frame>,
    pub created_by: Option<Frame>,
    pub creator: i64,
    #[serde(default)]
    pub ancestors: Vec<Ancestor>,
}

impl Record {
    /// The goroutines between the leak and its test, closest first, each
    /// with the frames it had when it started the next one.
    pub fn chain(&self) -> &[Ancestor] {
        if self.goid == self.test_goid {
            return &[];
        }
        let end = self
            .ancestors
            .iter()
            .position(|a| a.goid == self.test_goid)
            .map_or(self.ancestors.len(), |i| i + 1);
        &self.ancestors[..end]
    }

    /// The functions of the subtests between the test and the leak,
    /// outermost first: each subtest goroutine's stack ends with
    /// `testing.tRunner` called on the subtest's function.
    pub fn subtest_functions(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .chain()
            .iter()
            .filter(|a| a.goid != self.test_goid)
            .filter_map(|a| subtest_function(&a.frames))
            .collect();
        out.reverse();
        // A subtest's own goroutine, blocked forever.
        if self.goid != self.test_goid {
            out.extend(subtest_function(&self.frames));
        }
        out
    }
}

/// The function a test goroutine runs: its stack ends with
/// `testing.tRunner` called on it.
pub fn subtest_function(frames: &[Frame]) -> Option<&str> {
    match frames {
        [.., f, last] if last.func == "testing.tRunner" => Some(f.func.as_str()),
        _ => None,
    }
}

/// Reads every `*.jsonl` the harness wrote into `dir`.
pub fn read_dir(dir: &Path) -> anyhow::Result<Vec<Record>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path)?;
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
            let record: Record = serde_json::from_str(line).with_context(|| {
                format!(
                    "{}:{}: a leak record letgo cannot read",
                    path.display(),
                    n + 1
                )
            })?;
            out.push(record);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtests_come_from_trunner_ancestors_below_the_test() {
        let line = r#"{"package":"p","test":"TestX","run":1,"test_goid":7,"late":false,"goid":30,
            "state":"chan receive","proved":true,"frames":[{"func":"p.Wait.func1","file":"/p.go","line":3}],
            "created_by":{"func":"p.Wait","file":"/p.go","line":2},"creator":20,
            "ancestors":[
              {"goid":20,"frames":[{"func":"p.Wait","file":"/p.go","line":4},{"func":"p.TestX.func1.1","file":"/p_test.go","line":9},{"func":"testing.tRunner","file":"t.go","line":1}]},
              {"goid":12,"frames":[{"func":"testing.(*T).Run","file":"t.go","line":2},{"func":"p.TestX.func1","file":"/p_test.go","line":8},{"func":"testing.tRunner","file":"t.go","line":1}]},
              {"goid":7,"frames":[{"func":"testing.(*T).Run","file":"t.go","line":2},{"func":"p.TestX","file":"/p_test.go","line":7},{"func":"testing.tRunner","file":"t.go","line":1}]},
              {"goid":1,"frames":[]}]}"#;
        let r: Record = serde_json::from_str(&line.replace('\n', "")).unwrap();
        assert_eq!(r.chain().len(), 3);
        assert_eq!(
            r.subtest_functions(),
            vec!["p.TestX.func1", "p.TestX.func1.1"]
        );
    }
}
