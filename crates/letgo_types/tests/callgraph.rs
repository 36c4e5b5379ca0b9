//! The call graph: static and method calls, interface calls to every
//! implementation, function values set in view (a field set in a
//! constructor, a parameter at its call sites, a variable), closures, and
//! `go`/`defer` calls.

use letgo_types::callgraph::{CallGraph, CallKind, FuncNode};
use letgo_types::model::ObjKind;
use letgo_types::Semantic;

const SRC: &str = r#"package a

type Store interface{ Put(k string) }

type mem struct{}

func (mem) Put(k string) {}

type disk struct{}

func (*disk) Put(k string) {}

type notAStore struct{}

func (notAStore) Put(k, v string) {}

type server struct {
	store  Store
	handle func(string)
}

func newServer() *server {
	s := &server{store: mem{}}
	s.handle = logIt
	return s
}

func logIt(string) {}

func each(f func(int)) { f(1) }

func visit(int) {}

func (s *server) serve(k string) {
	s.store.Put(k)
	s.handle(k)
	go s.loop()
	defer cleanup()
	each(visit)
	done := func() { cleanup() }
	done()
}

func (s *server) loop() {}

func cleanup() {}
"#;

fn graph() -> (tempfile::TempDir, Semantic, CallGraph) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("go.mod"),
        "module example.com/a\n\ngo 1.22\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("a.go"), SRC).unwrap();
    let s = Semantic::build(&[dir.path().to_path_buf()], &[dir.path().to_path_buf()]);
    let files: Vec<_> = (0..s.model.files.len() as u32)
        .map(letgo_types::model::FileId)
        .collect();
    let g = CallGraph::build(&s, &files);
    (dir, s, g)
}

/// Callee names (methods as `Recv.Name`), with the kind of call.
fn callees(s: &Semantic, g: &CallGraph, from: FuncNode) -> Vec<String> {
    let mut v: Vec<String> = g
        .calls_from(from)
        .iter()
        .map(|e| {
            let name = match e.callee {
                FuncNode::Decl(o) => {
                    let obj = s.model.obj(o);
                    match s.model.receiver_named(o) {
                        Some(t) if obj.kind == ObjKind::Method => {
                            format!("{}.{}", s.model.named(t).map_or("?", |n| n.1), obj.name)
                        }
                        _ => obj.name.to_string(),
                    }
                }
                FuncNode::Lit(_, off) => format!("func@{off}"),
            };
            match e.kind {
                CallKind::Call => name,
                CallKind::Go => format!("go {name}"),
                CallKind::Defer => format!("defer {name}"),
            }
        })
        .collect();
    v.sort();
    v
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

#[test]
fn calls_are_resolved_to_objects() {
    let (_dir, s, g) = graph();
    let lit = SRC.find("func() { cleanup() }").unwrap();
    let mut want = vec![
        "defer cleanup".to_string(),
        "each".to_string(),
        format!("func@{lit}"),
        "go server.loop".to_string(),
        "logIt".to_string(),
        "disk.Put".to_string(),
        "mem.Put".to_string(),
    ];
    want.sort();
    // The interface call reaches both stores (not `notAStore`, whose Put
    // takes two parameters); the field `handle` reaches what the
    // constructor stored; the closure is called through its variable.
    assert_eq!(callees(&s, &g, func(&s, "serve")), want);
    let file = letgo_types::model::FileId(0);
    assert_eq!(
        callees(&s, &g, FuncNode::Lit(file, lit as u32)),
        vec!["cleanup"]
    );
    // `each` calls what its parameter is bound to at its call sites.
    assert_eq!(callees(&s, &g, func(&s, "each")), vec!["visit"]);
    // Callers: cleanup is deferred by serve and called by the closure.
    assert_eq!(g.callers_of(func(&s, "cleanup")).len(), 2);
}
