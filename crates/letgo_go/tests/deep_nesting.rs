//! Nesting as deep as `go/parser` allows (100,000 levels) is parsed,
//! walked, dumped and freed without overflowing the stack of the threads
//! letgo runs trees on ([`letgo_go::PARSE_STACK_SIZE`]); one level more is
//! the error Go gives. Run in the unoptimised test build on purpose: its
//! frames are the largest. (The differential test compares these shapes'
//! trees with `go/ast` at 10,000 levels: a dump calls `Pos`/`End` on every
//! node, quadratic on a spine in Go as in ours, 34 s for Go at 100,000.)

use letgo_go::parse_file;
use letgo_go::visit::{walk, Node, Visitor};
use letgo_testkit::{deep_nesting_shapes, GO_MAX_NEST};

/// Runs `f` on a thread with letgo's tree stack, as letgo does.
fn on_tree_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(letgo_go::PARSE_STACK_SIZE)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

struct Depth {
    now: usize,
    max: usize,
    nodes: usize,
}

impl<'a> Visitor<'a> for Depth {
    fn enter(&mut self, _: Node<'a>) -> bool {
        self.now += 1;
        self.nodes += 1;
        self.max = self.max.max(self.now);
        true
    }
    fn leave(&mut self, _: Node<'a>) {
        self.now -= 1;
    }
}

#[test]
fn the_deepest_trees_go_accepts_are_parsed_walked_and_freed() {
    for (name, src) in deep_nesting_shapes(GO_MAX_NEST - 10) {
        let (errors, depth, span, end) = on_tree_stack(move || {
            let parsed = parse_file(&src);
            let mut d = Depth {
                now: 0,
                max: 0,
                nodes: 0,
            };
            walk(Node::File(&parsed.file), &mut d);
            // Spans are computed down the spines without recursion.
            let span = parsed.file.decls.last().map(|d| (d.pos(), d.end()));
            let errors: Vec<String> = parsed.errors.iter().map(|e| e.msg.clone()).collect();
            drop(parsed);
            (errors, d.max, span, src.trim_end().len() as u32)
        });
        assert!(errors.is_empty(), "{name}: {errors:?}");
        // The shapes costing 2 or 3 levels each still nest 33,000 deep.
        assert!(depth > 33_000, "{name}: the tree is only {depth} deep");
        assert_eq!(span, Some((11, end)), "{name}: the last declaration's span");
    }
}

#[test]
fn one_level_deeper_than_go_allows_is_one_error() {
    for (name, src) in deep_nesting_shapes(GO_MAX_NEST + 12) {
        let errors = on_tree_stack(move || {
            let parsed = parse_file(&src);
            parsed
                .errors
                .iter()
                .map(|e| e.msg.clone())
                .collect::<Vec<_>>()
        });
        assert_eq!(errors, ["exceeded max nesting depth"], "{name}");
    }
}

#[test]
fn a_long_string_constant_of_joined_literals_is_not_nesting() {
    // The shape of Go 1.19's time/tzdata/zipdata.go: one constant of
    // thousands of `+`-joined string literals, one per line.
    let lines: Vec<String> = (0..20_000).map(|i| format!("\t\"PK\\x{i:02x}\"")).collect();
    let src = format!("package tzdata\n\nconst zipdata = {}\n", lines.join(" +\n"));
    let errors = on_tree_stack(move || parse_file(&src).errors);
    assert!(errors.is_empty(), "{errors:?}");
}
