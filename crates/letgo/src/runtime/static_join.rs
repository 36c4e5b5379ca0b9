//! The join of a runtime finding with the static ones: with `--source`,
//! `letgo profile`, `watch` and `test` run the static rules over the
//! checkout and show, under each runtime finding, what `letgo check` says
//! about it, with its fix. A blocking finding points at the statement
//! that blocks, the line a goroutine dump shows, so the join is first by
//! exact place: the file and line of the runtime finding's frame equal a
//! static finding's. When no static finding is at that line, it falls
//! back to the function (by Go's trace name: a goroutine in `pkg.F.func1`
//! joins a finding in `pkg.F`), and says so.

use crate::report::Finding;
use crate::runtime::findings::Reported;
use letgo_go::load::{load, LoadOptions};
use letgo_lint::engine;
use letgo_lint::selection::Selection;
use std::path::{Path, PathBuf};

/// The static findings of a source tree.
pub struct StaticIndex {
    /// Each finding with its file resolved, to compare places.
    findings: Vec<(Finding, Option<PathBuf>)>,
}

/// How a runtime finding met its static ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// A static finding is at the very file and line of the frame.
    Line,
    /// None is: the static findings of the frame's function.
    Function,
}

impl Join {
    fn as_str(self) -> &'static str {
        match self {
            Join::Line => "line",
            Join::Function => "function",
        }
    }
}

impl StaticIndex {
    /// Runs every rule over `dir/...`. A tree that cannot be loaded gives
    /// an empty index: the runtime report stands on its own.
    pub fn build(dir: &Path) -> StaticIndex {
        let Ok(program) = load(&[dir.join("...")], &LoadOptions::default()) else {
            return StaticIndex {
                findings: Vec::new(),
            };
        };
        let found = engine::check(&program, &|_| Selection::default());
        let findings = found
            .iter()
            .map(|f| {
                let path = f.source_file(&program).path.canonicalize().ok();
                (crate::report::from_static(&program, f), path)
            })
            .collect();
        StaticIndex { findings }
    }

    /// The static findings in `function`, in a function it is a closure
    /// of, or in a closure of it.
    pub fn for_function(&self, function: &str) -> Vec<&Finding> {
        self.findings
            .iter()
            .map(|(f, _)| f)
            .filter(|f| f.function.as_deref().is_some_and(|s| related(s, function)))
            .collect()
    }

    /// The static findings whose place starts on `line` of `file` (a path
    /// as the report shows it: relative to the working directory, or
    /// absolute).
    pub fn at_line(&self, file: &str, line: u32) -> Vec<&Finding> {
        let Ok(file) = Path::new(file).canonicalize() else {
            return Vec::new();
        };
        self.findings
            .iter()
            .filter(|(f, path)| {
                path.as_ref() == Some(&file) && f.at.as_ref().is_some_and(|a| a.line == line)
            })
            .map(|(f, _)| f)
            .collect()
    }

    /// The static findings that explain `runtime`: those at its line, else
    /// those of its function.
    pub fn join(&self, runtime: &Finding) -> Option<(Join, Vec<&Finding>)> {
        if let Some(at) = &runtime.at {
            let exact = self.at_line(&at.file, at.line);
            if !exact.is_empty() {
                return Some((Join::Line, exact));
            }
        }
        let by_function = self.for_function(runtime.function.as_deref()?);
        (!by_function.is_empty()).then_some((Join::Function, by_function))
    }

    /// Adds the matching static findings to each runtime finding: as
    /// `evidence.static_findings` (and how they were joined,
    /// `evidence.static_join`: `line` or `function`) and as lines under
    /// the text entry.
    pub fn annotate(&self, reported: &mut [Reported]) {
        for r in reported {
            let Some((join, matches)) = self.join(&r.finding) else {
                continue;
            };
            let how = match (join, &r.finding.at) {
                (Join::Line, _) => "same line".to_string(),
                (Join::Function, Some(at)) => {
                    format!("same function; none at line {} itself", at.line)
                }
                (Join::Function, None) => "same function".to_string(),
            };
            let mut list = Vec::new();
            for s in matches {
                let at =
                    s.at.as_ref()
                        .map_or(String::new(), |a| format!("{}:{}; ", a.file, a.line));
                r.details
                    .push(format!("static: {} {} ({at}{how})", s.code, s.message));
                if let Some(fix) = &s.fix {
                    r.details.push(format!("  fix: {}", fix.message));
                }
                list.push(serde_json::to_value(s).unwrap_or_default());
            }
            if let Some(obj) = r.finding.evidence.as_object_mut() {
                obj.insert("static_findings".into(), serde_json::Value::Array(list));
                obj.insert("static_join".into(), join.as_str().into());
            }
        }
    }
}

/// `a` and `b` name the same function, or one is a closure of the other.
fn related(a: &str, b: &str) -> bool {
    let inside = |outer: &str, inner: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('.'))
    };
    a == b || inside(a, b) || inside(b, a)
}

#[cfg(test)]
mod tests {
    use super::related;

    #[test]
    fn closures_join_their_function() {
        assert!(related("m/fetch.WithTimeout", "m/fetch.WithTimeout.func1"));
        assert!(related("main.(*T).Run.func2.1", "main.(*T).Run"));
        assert!(related("main.f", "main.f"));
        assert!(!related("main.f", "main.fetch"));
        assert!(!related("main.f", "main.g.func1"));
    }
}
