//! Lock summaries over the call graph of every checked package: per
//! function, the lock classes it may take, itself or through any callee
//! the call graph resolves (same package or not, a method reached through
//! an interface, a function value set in view), computed bottom-up to a
//! fixed point so that recursion ends.
//!
//! A class is a lock's type-level identity (see `locks`): a field of a
//! struct type, or a package variable. Instances are not tracked here
//! (the per-package `LockView` does that for calls it can map); these
//! summaries serve the questions a class answers: which order two locks
//! are taken in (LG113), and whether a goroutine must take a lock before
//! it reaches an operation (LG114). `go` calls run elsewhere and are not
//! followed; deferred calls are.

use crate::locks::{lock_class, lock_kind, LockOp};
use letgo_go::ast::{Decl, Expr};
use letgo_go::visit::{inspect, Node};
use letgo_types::callgraph::{CallGraph, CallKind, FuncNode};
use letgo_types::model::FileId;
use letgo_types::types::Type;
use letgo_types::{FileView, Semantic};
use rayon::prelude::*;
// Fx-hashed: the maps are only looked up (never iterated for a result),
// and keyed by small integers hashed at every call site and take.
use rustc_hash::FxHashMap;

/// A lock class a function takes, and where.
#[derive(Debug, Clone)]
pub struct ClassTake {
    pub class: String,
    pub read: bool,
    /// The `Lock` call: the model's file and offset.
    pub file: FileId,
    pub offset: u32,
    /// The callees from the function down to the one that locks (empty
    /// when the function locks itself).
    pub via: Vec<FuncNode>,
}

/// At most this many classes per function, and this deep a chain: enough
/// for order questions, bounded on large programs.
const MAX_TAKES: usize = 32;
const MAX_DEPTH: usize = 8;
/// A call resolved to more functions than this (an interface with many
/// implementations, a function value set in many places) is out of view.
const MAX_CALLEES: usize = 3;

/// The call graph without the calls [`LockSummaries::build`] left out.
trait Narrow {
    fn without_wide_sites(self, kept: &FxHashMap<(FileId, u32), Vec<FuncNode>>) -> CallGraph;
}

impl Narrow for CallGraph {
    fn without_wide_sites(mut self, kept: &FxHashMap<(FileId, u32), Vec<FuncNode>>) -> CallGraph {
        for edges in self.edges.values_mut() {
            // A call's edges lie together: its site is looked up once.
            let mut last: Option<((FileId, u32), bool)> = None;
            edges.retain(|e| {
                if e.kind == CallKind::Go {
                    return true;
                }
                match last {
                    Some((site, keep)) if site == e.site => keep,
                    _ => {
                        let keep = kept.contains_key(&e.site);
                        last = Some((e.site, keep));
                        keep
                    }
                }
            });
        }
        self
    }
}

#[derive(Default)]
pub struct LockSummaries {
    /// The functions each call may run, by the call's file and `(`.
    by_site: FxHashMap<(FileId, u32), Vec<FuncNode>>,
    takes: FxHashMap<FuncNode, Vec<ClassTake>>,
}

impl LockSummaries {
    /// Builds the call graph over the packages whose bodies the model
    /// checked, then the summaries.
    pub fn build(s: &Semantic) -> LockSummaries {
        let files = s.checked_files();
        let start = std::time::Instant::now();
        let calls = s.calls();
        let graph = calls.graph(s, |_| true);
        let foreign = calls.outside_dispatch();
        drop(calls);
        let graph_time = start.elapsed();
        let mut out = LockSummaries::default();
        // A call's edges lie together in its caller's list (one per
        // callee): one entry per call, not one lookup per edge.
        for edges in graph.edges.values() {
            for call in edges.chunk_by(|a, b| a.site == b.site) {
                let mut callees = call
                    .iter()
                    .filter(|e| e.kind != CallKind::Go)
                    .map(|e| e.callee)
                    .peekable();
                if callees.peek().is_some() {
                    out.by_site.entry(call[0].site).or_default().extend(callees);
                }
            }
        }
        // A call that may run many functions (an interface every writer
        // implements) says little about any one run: out of view.
        out.by_site
            .retain(|_, callees| callees.len() <= MAX_CALLEES);
        // A method called through an interface the checked program does
        // not declare (`net.Conn`, `io.Closer`) may run any type of the
        // standard library or of a dependency that implements it, none of
        // which the model lists: the one implementation in view is a
        // guess, not the callee (the shared walk found those calls).
        for site in foreign {
            out.by_site.remove(&site);
        }
        let graph = graph.without_wide_sites(&out.by_site);
        // File by file on all cores; merged in file order as one thread
        // would have added them.
        let per_file: Vec<FxHashMap<FuncNode, Vec<ClassTake>>> = files
            .par_iter()
            .map(|&f| {
                let mut takes = FxHashMap::default();
                direct_takes(s, f, &mut takes);
                takes
            })
            .collect();
        for part in per_file {
            for (node, takes) in part {
                let mine = out.takes.entry(node).or_default();
                for t in takes {
                    if !mine.iter().any(|o| o.class == t.class && o.read == t.read) {
                        mine.push(t);
                    }
                }
            }
        }
        out.close_over(&graph);
        // `LETGO_TIMINGS=1`: the summaries' share of a run.
        if std::env::var_os("LETGO_TIMINGS").is_some() {
            eprintln!(
                "letgo: lock summaries: {:.3} s (call graph {:.3} s), {} functions",
                start.elapsed().as_secs_f64(),
                graph_time.as_secs_f64(),
                out.takes.len()
            );
        }
        out
    }

    /// Adds each callee's classes to its callers' until nothing changes
    /// (recursion converges: sets only grow, and are bounded).
    fn close_over(&mut self, graph: &CallGraph) {
        let nodes = post_order(graph);
        // The callers' summaries by their place in `nodes`, and each
        // caller's edges resolved to those places once: the rounds then
        // index vectors where they looked up maps at every edge (this ran
        // on one thread, a tenth of a GOROOT/src run's wall). A callee
        // that calls nothing never grows: its summary is read in place.
        let at: FxHashMap<FuncNode, usize> =
            nodes.iter().enumerate().map(|(i, &f)| (f, i)).collect();
        let had: Vec<bool> = nodes.iter().map(|f| self.takes.contains_key(f)).collect();
        let mut mine: Vec<Vec<ClassTake>> = nodes
            .iter()
            .map(|f| self.takes.remove(f).unwrap_or_default())
            .collect();
        let leaves = &self.takes;
        let succ: Vec<Vec<Succ>> = nodes
            .iter()
            .map(|&f| {
                graph
                    .calls_from(f)
                    .iter()
                    .map(|e| Succ {
                        node: e.callee,
                        at: at.get(&e.callee).copied(),
                        leaf: leaves.get(&e.callee).map_or(&[][..], Vec::as_slice),
                        go: e.kind == CallKind::Go,
                    })
                    .collect()
            })
            .collect();
        // `new_takes(f)` reads only `f`'s summary and its callees': when
        // none of them grew since `f` was last read, it would find what it
        // found then, and change nothing again. Such reads are skipped;
        // the rounds change the summaries exactly as before. `clock`
        // counts growths, `grew` holds each summary's last one (0: never),
        // `read_at` the clock at each node's last read.
        let mut clock: u64 = 0;
        let mut grew: Vec<u64> = vec![0; nodes.len()];
        let mut read_at: Vec<Option<u64>> = vec![None; nodes.len()];
        for _round in 0..64 {
            let mut changed = false;
            for (i, &f) in nodes.iter().enumerate() {
                if let Some(last) = read_at[i] {
                    let grown = |s: &Succ| s.at.is_some_and(|j| grew[j] > last);
                    if grew[i] <= last && !succ[i].iter().any(grown) {
                        continue;
                    }
                }
                let add = new_takes(&mine, &succ[i], i, f);
                read_at[i] = Some(clock);
                if add.is_empty() {
                    continue;
                }
                let mut grown = false;
                for t in add {
                    if mine[i].len() < MAX_TAKES {
                        mine[i].push(t);
                        grown = true;
                    }
                }
                if grown {
                    changed = true;
                    clock += 1;
                    grew[i] = clock;
                }
            }
            if !changed {
                break;
            }
        }
        drop(succ);
        // Back into the map: the summaries it had, and those that grew.
        for ((f, takes), had) in nodes.into_iter().zip(mine).zip(had) {
            if had || !takes.is_empty() {
                self.takes.insert(f, takes);
            }
        }
    }

    /// The functions the call at `(file, lparen)` may run (none when the
    /// call graph does not resolve it: out of view).
    pub fn callees_at(&self, file: FileId, lparen: u32) -> &[FuncNode] {
        self.by_site.get(&(file, lparen)).map_or(&[], Vec::as_slice)
    }

    /// Every class function `f` may take.
    pub fn takes(&self, f: FuncNode) -> &[ClassTake] {
        self.takes.get(&f).map_or(&[], Vec::as_slice)
    }

    /// Every class the call at `(file, lparen)` may take, with the callee
    /// first in `via`.
    pub fn takes_at(&self, file: FileId, lparen: u32) -> Vec<ClassTake> {
        let mut out = Vec::new();
        for &c in self.callees_at(file, lparen) {
            for t in self.takes(c) {
                let mut t = t.clone();
                t.via.insert(0, c);
                out.push(t);
            }
        }
        out
    }
}

/// One edge of a caller in [`LockSummaries::close_over`]: the callee,
/// its place among the callers (`None`: it calls nothing), its summary
/// when it calls nothing, and whether the call is a `go` statement.
struct Succ<'t> {
    node: FuncNode,
    at: Option<usize>,
    leaf: &'t [ClassTake],
    go: bool,
}

/// The classes the callees of node `i` (`f`) take that its summary
/// lacks (cloned only when new: most rounds find nothing).
fn new_takes(mine: &[Vec<ClassTake>], succ: &[Succ], i: usize, f: FuncNode) -> Vec<ClassTake> {
    let known = |ts: &[ClassTake], t: &ClassTake| {
        ts.iter()
            .any(|o| o.class == t.class && (o.read == t.read || !o.read))
    };
    let own = &mine[i];
    let mut add: Vec<ClassTake> = Vec::new();
    for e in succ.iter().filter(|e| !e.go) {
        if e.node == f {
            continue;
        }
        let theirs = match e.at {
            Some(j) => &mine[j][..],
            None => e.leaf,
        };
        for t in theirs {
            if t.via.len() + 1 > MAX_DEPTH || known(own, t) || known(&add, t) {
                continue;
            }
            let mut t = t.clone();
            t.via.insert(0, e.node);
            add.push(t);
        }
    }
    add
}

/// Every caller in the graph, callees before callers (depth-first post
/// order; a cycle is cut where it closes): one round then settles all
/// but recursion.
fn post_order(graph: &CallGraph) -> Vec<FuncNode> {
    let mut roots: Vec<FuncNode> = graph.edges.keys().copied().collect();
    roots.sort();
    let mut seen: rustc_hash::FxHashSet<FuncNode> = Default::default();
    let mut out = Vec::new();
    for root in roots {
        if !seen.insert(root) {
            continue;
        }
        // (node, index of the next edge to follow)
        let mut stack = vec![(root, 0usize)];
        while let Some(&mut (n, ref mut i)) = stack.last_mut() {
            let edges = graph.calls_from(n);
            if let Some(e) = edges.get(*i) {
                *i += 1;
                if seen.insert(e.callee) {
                    stack.push((e.callee, 0));
                }
            } else {
                stack.pop();
                if graph.edges.contains_key(&n) {
                    out.push(n);
                }
            }
        }
    }
    out
}

/// The `Lock`/`RLock` calls written in each function of file `f`
/// (function literals are functions of their own).
fn direct_takes(s: &Semantic, f: FileId, out: &mut FxHashMap<FuncNode, Vec<ClassTake>>) {
    let sf = &s.model.files[f.0 as usize];
    let Some(view) = s.file(&sf.path) else {
        return;
    };
    for d in &sf.ast.decls {
        let Decl::Func(fd) = d else { continue };
        let (Some(body), Some(obj)) = (&fd.body, view.object_of(&fd.name)) else {
            continue;
        };
        // A `Lock()`/`RLock()` call spells the method: a body (with its
        // literals) without the word takes nothing.
        if !body.span_text(&sf.src).contains("Lock") {
            continue;
        }
        walk(&view, f, FuncNode::Decl(obj), Node::Block(body), out);
    }
}

fn walk(
    view: &FileView,
    file: FileId,
    me: FuncNode,
    body: Node,
    out: &mut FxHashMap<FuncNode, Vec<ClassTake>>,
) {
    let mut lits = Vec::new();
    inspect(body, &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(l)) => {
                lits.push(&**l);
                return false;
            }
            Node::Call(c) => {
                if let Some((class, read)) = acquired_class(view, c) {
                    let takes = out.entry(me).or_default();
                    if !takes.iter().any(|t| t.class == class && t.read == read) {
                        takes.push(ClassTake {
                            class,
                            read,
                            file,
                            offset: c.pos(),
                            via: Vec::new(),
                        });
                    }
                }
            }
            _ => {}
        }
        true
    });
    for l in lits {
        let node = FuncNode::Lit(file, l.typ.pos());
        walk(view, file, node, Node::Block(&l.body), out);
    }
}

/// `x.Lock()`/`x.RLock()` on a lock whose class is known.
fn acquired_class(view: &FileView, c: &letgo_go::ast::CallExpr) -> Option<(String, bool)> {
    let Expr::Selector(sel) = c.fun.unparen() else {
        return None;
    };
    if !c.args.is_empty() {
        return None;
    }
    let m = view.model();
    let meth = view.object_of(&sel.sel)?;
    let op = LockOp::of(&m.obj(meth).name)?;
    if !op.acquires() {
        return None;
    }
    lock_kind(m, meth, 0)?;
    Some((lock_class(view, &sel.x, meth)?, op.read()))
}

/// How a function is named in a message: `T.m`, `f`, or `func literal`.
pub fn node_name(s: &Semantic, f: FuncNode) -> String {
    let m = &s.model;
    match f {
        FuncNode::Decl(o) => {
            let name = m.obj(o).name.to_string();
            let Some((_, recv)) = m.receiver_named(o).and_then(|t| m.named(t)) else {
                return name;
            };
            let pointer = match m.ty(m.obj(o).typ) {
                Type::Signature(sig) => sig
                    .recv
                    .is_some_and(|r| matches!(m.ty(m.obj(r).typ), Type::Pointer(_))),
                _ => false,
            };
            if pointer {
                format!("(*{recv}).{name}")
            } else {
                format!("{recv}.{name}")
            }
        }
        FuncNode::Lit(..) => "func literal".to_string(),
    }
}

/// `name.go:line` of an offset in a model file.
pub fn model_place(s: &Semantic, file: FileId, offset: u32) -> String {
    let sf = &s.model.files[file.0 as usize];
    let upto = sf.src.get(..offset as usize).unwrap_or("");
    let line = upto.matches('\n').count() + 1;
    let name = sf
        .path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    format!("{name}:{line}")
}
