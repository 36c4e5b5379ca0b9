//! Channel summaries over the call graph: what each function does to the
//! channels it is handed, owns through fields and package variables, or
//! returns — through its callees, recursion included — and what leaves
//! the view.

mod common;

use letgo_lint::channels::OpKind;
use letgo_lint::summaries::channels::{ChanSummaries, Target};
use letgo_types::callgraph::FuncNode;
use letgo_types::model::{FileId, ObjKind};
use letgo_types::Semantic;

const SRC: &str = r#"package a

type hub struct{ quit chan struct{} }

var events = make(chan int)

func recv(ch chan int) int { return <-ch }

func send(ch chan int) { ch <- 1 }

func relay(in, out chan int) {
	go send(out)
	recv(in)
}

// Recursion: the fixed point reaches the close.
func countdown(ch chan int, n int) {
	if n == 0 {
		close(ch)
		return
	}
	countdown(ch, n-1)
}

func poll(ch chan int) {
	select {
	case <-ch:
	default:
	}
}

var kept chan int

func keep(ch chan int) { kept = ch }

func keepLater(ch chan int) { keep(ch) }

func viaValue(ch chan int, f func(chan int)) { f(ch) }

func (h *hub) stop(ack chan int) {
	close(h.quit)
	ack <- 1
}

func shutdown(h *hub, ack chan int) {
	h.stop(ack)
	events <- 2
}

// No channel in its signature: nothing a caller could use.
func (h *hub) halt() { close(h.quit) }

func results() chan error {
	errc := make(chan error)
	go func() { errc <- nil }()
	return errc
}

func passThrough(ch chan int) chan int { return ch }
"#;

fn build() -> (tempfile::TempDir, Semantic, ChanSummaries) {
    common::use_test_goroot();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("go.mod"),
        "module example.com/a\n\ngo 1.22\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("a.go"), SRC).unwrap();
    let s = Semantic::build(&[dir.path().to_path_buf()], &[dir.path().to_path_buf()]);
    let files: Vec<_> = (0..s.model.files.len() as u32)
        .map(FileId)
        .filter(|f| s.model.files[f.0 as usize].path.starts_with(dir.path()))
        .collect();
    let sums = ChanSummaries::build(&s, &files);
    (dir, s, sums)
}

fn func(s: &Semantic, name: &str) -> FuncNode {
    let i = s
        .model
        .objects
        .iter()
        .position(|o| {
            &*o.name == name && matches!(o.kind, ObjKind::Func | ObjKind::Method) && o.pos.is_some()
        })
        .unwrap();
    FuncNode::Decl(letgo_types::model::ObjId(i as u32))
}

/// The kinds of operation on `t`, with `!` for a non-blocking one and
/// `go` for one in a goroutine the function starts.
fn ops(sums: &ChanSummaries, f: FuncNode, t: Target) -> Vec<String> {
    let mut v: Vec<String> = sums
        .of(f)
        .unwrap()
        .on(t)
        .map(|(k, blocking, site)| {
            format!(
                "{}{k:?}{}",
                if site.spawned { "go " } else { "" },
                if blocking { "" } else { "!" }
            )
        })
        .collect();
    v.sort();
    v
}

fn escaped(sums: &ChanSummaries, f: FuncNode, t: Target) -> bool {
    sums.of(f).unwrap().escaped.contains(&t)
}

#[test]
fn parameters_through_calls() {
    let (_d, s, sums) = build();
    assert_eq!(ops(&sums, func(&s, "recv"), Target::Param(0)), ["Recv"]);
    assert_eq!(ops(&sums, func(&s, "relay"), Target::Param(0)), ["Recv"]);
    // Started by `go`: the callee's send runs in another goroutine.
    assert_eq!(ops(&sums, func(&s, "relay"), Target::Param(1)), ["go Send"]);
    assert_eq!(
        ops(&sums, func(&s, "countdown"), Target::Param(0)),
        ["Close"]
    );
    assert_eq!(ops(&sums, func(&s, "poll"), Target::Param(0)), ["Recv!"]);
    for f in ["recv", "relay", "countdown", "poll"] {
        assert!(!escaped(&sums, func(&s, f), Target::Param(0)), "{f}");
    }
}

#[test]
fn what_leaves_the_view() {
    let (_d, s, sums) = build();
    assert!(escaped(&sums, func(&s, "keep"), Target::Param(0)));
    assert!(escaped(&sums, func(&s, "keepLater"), Target::Param(0)));
    // `f` is bound nowhere in view.
    assert!(escaped(&sums, func(&s, "viaValue"), Target::Param(0)));
    assert!(escaped(&sums, func(&s, "passThrough"), Target::Param(0)));
}

#[test]
fn fields_globals_and_results() {
    let (_d, s, sums) = build();
    let quit = s
        .model
        .objects
        .iter()
        .position(|o| &*o.name == "quit" && o.kind == ObjKind::Field)
        .map(|i| s.model.identity(letgo_types::model::ObjId(i as u32)))
        .unwrap();
    let events = s
        .model
        .objects
        .iter()
        .position(|o| &*o.name == "events" && o.kind == ObjKind::Var)
        .map(|i| s.model.identity(letgo_types::model::ObjId(i as u32)))
        .unwrap();
    assert_eq!(ops(&sums, func(&s, "stop"), Target::Field(quit)), ["Close"]);
    // Fields stay with the function that writes them; the parameter's
    // operations come up from the callee.
    assert!(ops(&sums, func(&s, "shutdown"), Target::Field(quit)).is_empty());
    assert_eq!(ops(&sums, func(&s, "shutdown"), Target::Param(1)), ["Send"]);
    assert_eq!(
        ops(&sums, func(&s, "shutdown"), Target::Global(events)),
        ["Send"]
    );
    // Only functions that take or return a channel are summarised.
    assert!(sums.of(func(&s, "halt")).is_none());
    let r = sums.result_ops(func(&s, "results"), 0).unwrap();
    assert_eq!(r.len(), 1);
    assert!(r[0].0 == OpKind::Send && r[0].2.spawned);
    // A parameter handed back is not a channel the function made.
    assert!(sums.result_ops(func(&s, "passThrough"), 0).is_none());
}
