//! The join of a runtime finding with the static ones: with `--source`,
//! `letgo profile` runs the static rules over the checkout and shows, under
//! each runtime finding, what `letgo check` says about the same function
//! (by Go's trace name: a goroutine in `pkg.F.func1` joins a finding in
//! `pkg.F`), with its fix.

use crate::commands::check::to_report;
use crate::report::Finding;
use crate::runtime_findings::Reported;
use letgo_go::load::{load, LoadOptions};
use letgo_lint::engine;
use letgo_lint::selection::Selection;
use std::path::Path;

/// The static findings of a source tree.
pub struct StaticIndex {
    findings: Vec<Finding>,
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
        let findings = found.iter().map(|f| to_report(&program, f)).collect();
        StaticIndex { findings }
    }

    /// The static findings in `function`, in a function it is a closure
    /// of, or in a closure of it.
    pub fn for_function(&self, function: &str) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|f| f.function.as_deref().is_some_and(|s| related(s, function)))
            .collect()
    }

    /// Adds the matching static findings to each runtime finding: as
    /// `evidence.static_findings` and as lines under the text entry.
    pub fn annotate(&self, reported: &mut [Reported]) {
        for r in reported {
            let Some(function) = r.finding.function.clone() else {
                continue;
            };
            let matches = self.for_function(&function);
            if matches.is_empty() {
                continue;
            }
            let mut list = Vec::new();
            for s in matches {
                let at =
                    s.at.as_ref()
                        .map_or(String::new(), |a| format!(" ({}:{})", a.file, a.line));
                r.details
                    .push(format!("static: {} {}{at}", s.code, s.message));
                if let Some(fix) = &s.fix {
                    r.details.push(format!("  fix: {}", fix.message));
                }
                list.push(serde_json::to_value(s).unwrap_or_default());
            }
            if let Some(obj) = r.finding.evidence.as_object_mut() {
                obj.insert("static_findings".into(), serde_json::Value::Array(list));
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
