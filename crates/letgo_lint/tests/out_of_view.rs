//! Rules that find values by type say nothing where the types cannot be
//! known: with no standard library to read, `time.NewTimer` and
//! `context.WithCancel` are out of view, so the timer and context rules
//! stay quiet on code they flag when the standard library is at hand (a
//! test binary of its own: the GOROOT override is set once per process).

use letgo_go::load::{load, LoadOptions};
use letgo_lint::engine::check;
use letgo_lint::selection::Selection;

const LEAKS: &str = r#"package leaks

import (
	"context"
	"time"
)

func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func discarded(parent context.Context) context.Context {
	ctx, _ := context.WithCancel(parent)
	return ctx
}

func beat(n *int) {
	t := time.NewTicker(time.Second)
	for range t.C {
		*n++
	}
}
"#;

#[test]
fn without_a_standard_library_the_timer_and_context_rules_are_quiet() {
    let empty = tempfile::tempdir().unwrap();
    std::fs::create_dir(empty.path().join("src")).unwrap();
    letgo_types::modules::use_goroot(empty.path().to_path_buf());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("go.mod"), "module leaks\n\ngo 1.22\n").unwrap();
    std::fs::write(dir.path().join("leaks.go"), LEAKS).unwrap();
    let program = load(&[dir.path()], &LoadOptions::default()).unwrap();
    let selection = Selection {
        select: [
            "LG105", "LG106", "LG201", "LG202", "LG203", "LG204", "LG205",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect(),
        ignore: Vec::new(),
    };
    let findings = check(&program, &|_| selection.clone());
    let codes: Vec<_> = findings.iter().map(|f| f.diagnostic.code).collect();
    assert!(codes.is_empty(), "{codes:?}");
}
