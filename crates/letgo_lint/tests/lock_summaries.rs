//! Lock summaries over the program's call graph: classes taken through
//! interface calls and function values, to a fixed point through
//! recursion, and `go` calls not followed.

mod common;

use letgo_lint::summaries::locks::{node_name, LockSummaries};
use letgo_types::callgraph::FuncNode;
use letgo_types::model::ObjKind;
use letgo_types::Semantic;

const SRC: &str = r#"package a

import "sync"

type visitor interface{ visit(n int) }

type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) visit(n int) {
	c.mu.Lock()
	c.n += n
	c.mu.Unlock()
}

type tree struct {
	mu   sync.Mutex
	v    visitor
	kids []*tree
}

// walk and each recurse into each other; only visit locks counter.mu.
func (t *tree) walk(n int) {
	t.v.visit(n)
	t.each(n)
}

func (t *tree) each(n int) {
	for _, k := range t.kids {
		k.walk(n + 1)
	}
}

// A goroutine's locks are not the caller's.
func (t *tree) async() {
	go t.walk(0)
}

var hook func()

func setHook(c *counter) { hook = c.reset }

func (c *counter) reset() {
	c.mu.Lock()
	c.n = 0
	c.mu.Unlock()
}

func fire() { hook() }
"#;

fn summaries() -> (tempfile::TempDir, Semantic, LockSummaries) {
    common::use_test_goroot();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("go.mod"),
        "module example.com/a\n\ngo 1.22\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("a.go"), SRC).unwrap();
    let s = Semantic::build(&[dir.path().to_path_buf()], &[dir.path().to_path_buf()]);
    let sums = LockSummaries::build(&s);
    (dir, s, sums)
}

fn func(s: &Semantic, name: &str) -> FuncNode {
    let m = &s.model;
    let o = (0..m.objects.len())
        .map(|i| letgo_types::model::ObjId(i as u32))
        .find(|&o| {
            let obj = m.obj(o);
            matches!(obj.kind, ObjKind::Func | ObjKind::Method)
                && &*obj.name == name
                && m.pkg_path(o) == "example.com/a"
        })
        .unwrap_or_else(|| panic!("no function {name}"));
    FuncNode::Decl(o)
}

#[test]
fn recursion_through_an_interface_reaches_the_lock() {
    let (_d, s, sums) = summaries();
    for name in ["walk", "each"] {
        let takes = sums.takes(func(&s, name));
        assert_eq!(takes.len(), 1, "{name}: {takes:?}");
        let chain: Vec<String> = takes[0].via.iter().map(|&n| node_name(&s, n)).collect();
        assert_eq!(
            chain.last().map(String::as_str),
            Some("(*counter).visit"),
            "{name}"
        );
    }
}

#[test]
fn go_calls_are_not_followed() {
    let (_d, s, sums) = summaries();
    assert!(sums.takes(func(&s, "async")).is_empty());
}

#[test]
fn function_values_set_in_view_are_followed() {
    let (_d, s, sums) = summaries();
    let takes = sums.takes(func(&s, "fire"));
    assert_eq!(takes.len(), 1, "{takes:?}");
    assert_eq!(node_name(&s, takes[0].via[0]), "(*counter).reset");
}
