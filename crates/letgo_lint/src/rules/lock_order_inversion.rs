//! LG113 lock-order-inversion.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::locks::{is_element, place, short_name, LockView};
use crate::registry::Rule;
use crate::summaries::locks::{model_place, node_name, ClassTake};
use letgo_go::ast::Span;
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    code: "LG113",
    name: "lock-order-inversion",
    summary: "two code paths take the same two locks in opposite orders",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG113 lock-order-inversion

## What it does
Builds the package's lock-order graph: an edge A → B wherever lock B is
taken (directly or by a same-package call) while A is held on every path.
Flags each pair of locks taken in both orders, naming both acquisition
chains. Locks are classes: a field of a struct type, a package variable,
the embedded lock of a type; a project's lock type that wraps a `sync`
lock and nothing else is classed by its holder, so two unrelated types
holding the same wrapper type are two locks (`fixtures/lg113/wrapped.go`). A callee's locks count at any depth: same-package calls through
the package's lock view, and calls it cannot follow — a method called
through an interface (every implementation the program has: a type
whose method set implements the receiver's interface type, each method
of the same signature once the interface's type arguments are in, so a
same-named method with another parameter or result type, such as
`peek() job` for a `Queue[*batch]`, is never a callee; an interface
the checked program does not declare, such as `net.Conn` or
`io.Closer`, is implemented by types of the standard library and of
dependencies that the model does not list, so a call through it has no
callee in view — `fixtures/lg113/foreign_interface.go`), a function
value set in view (a field set in a constructor, an argument), a
function of another checked package — through lock summaries computed
over the whole program's call graph (bottom-up, to a fixed point for
recursion). A lock a callee takes on an instance the caller cannot name
(the callee's local, such as each element of a map it walks) still
orders by its class. A call started with `go` runs elsewhere and adds no
edge, nor does a lock the callee (at any depth) unlocks before it takes
the second one (`c.mu.Unlock(); c.stream.ack(); c.mu.Lock()`), a
function literal called in place (`func() { ... }()`) included. A call
that may run more than three functions (an interface many types
implement, a function value set in many places) says little about the
one it runs and is left out of view. A callee that unlocks the caller's
lock and takes it again while the caller holds a second lock takes them
in the order second → first. A
call the call graph does not resolve is out of view: no edge. Locks are compared by field object (`mu` of
struct type `T`: a same-named field of another type is another lock) or
package variable, so two different locks of one field are never an edge;
custom mutex types (embedding or wrapping a `sync` lock) count. The
elements of a map or slice of locks (`l.byKey[k]`) order as one class,
so a function that takes the map's lock and then a key's lock, and
returns holding the key's, inverts against a caller that, still holding
the key's lock, calls something that takes the map's lock (in a
deferred function literal too: it runs at the return with what is held
there). Because elements are many locks, such a pair counts only when
the other lock is one instance on both sides (a field of a method's
receiver or of a parameter, or a package variable; not a local such as
a range variable over many locks): two stripes of a striped lock table
taken around a per-series lock are left alone. A `sync.Cond`'s `L` is
the lock `sync.NewCond` was given, as in LG111.

The finding points at the `Lock` that blocks in the later of the two
orders (inside the callee, in its file, when a call takes it); the lock
held there, the call, and the other order's acquisition are related
places.

## Why is this bad?
When one goroutine holds A and waits for B while another holds B and
waits for A, neither ever proceeds: both are stuck in
`sync.(*Mutex).Lock` for good, with every goroutine that later needs
either lock queued behind them. It needs only the wrong interleaving,
which load eventually provides.

## Example
```go
func (a *account) transferTo(b *bank) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b.mu.Lock() // account.mu → bank.mu
	...
}

func (b *bank) audit(a *account) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a.mu.Lock() // bank.mu → account.mu
	...
}
```

## Use instead
Take the locks in one global order everywhere (document it next to the
fields), or release the first lock before taking the second.

## Fix safety
No fix is offered: the right order is a design decision.
"#;

/// B taken while A is held.
#[derive(Debug, Clone)]
struct Edge {
    func: usize,
    /// The instance keys of the two locks, where the package view knows
    /// them (not for locks from the program-wide summaries).
    keys: Option<(String, String)>,
    first_text: String,
    first_at: Span,
    second_text: String,
    at: Span,
    /// For a call: the chain and where the callee locks.
    via: Vec<String>,
    inner: Option<Inner>,
    reads: bool,
}

/// Where a callee takes the second lock.
#[derive(Debug, Clone)]
enum Inner {
    /// A file of this package and the `Lock`'s span.
    Here(usize, Span),
    /// Elsewhere in the program, as `name.go:line`.
    Elsewhere(String),
}

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let view = cx.locks();
    let mut edges = edges(view);
    summary_edges(cx, view, &mut edges);
    for ((a, b), ab) in &edges {
        if a >= b {
            continue;
        }
        let Some(ba) = edges.get(&(b.clone(), a.clone())) else {
            continue;
        };
        if ab.reads && ba.reads || !one_instance_with_elements(ab, ba) {
            continue;
        }
        // Report at the later of the two, pointing back at the other.
        let (here, there) = if (ab.func, ab.at.start) < (ba.func, ba.at.start) {
            (ba, ab)
        } else {
            (ab, ba)
        };
        let f = &cx.functions()[here.func];
        // The finding's file: the callee's, when it points into one.
        let (file, at) = match blocked_in_callee(here) {
            Some((file, _, _)) => (
                file,
                format!("at {}", place(cx, file, f.file, here.at.start)),
            ),
            None => (f.file, "here".to_string()),
        };
        let msg = format!(
            "lock order inversion: {}; but {}",
            describe(cx, here, file, &at),
            describe_in(cx, there, file)
        );
        out.push(FileDiagnostic {
            file,
            diagnostic: diagnostic(cx, here, there, file, msg),
        });
    }
}

/// Elements of a map or slice of locks are many locks: two orders that
/// involve them (stripes, per-key locks) meet on one element only through
/// a lock they share. With an element in the pair, the other lock must be
/// one instance on both sides: a field of a method's receiver or of a
/// parameter, or a package variable — not a local (a range variable
/// over many locks), nor a lock whose instance the package view does not
/// know (a lock taken through the program-wide summaries, `~`).
fn one_instance_with_elements(ab: &Edge, ba: &Edge) -> bool {
    let (Some((ab1, ab2)), Some((ba1, ba2))) = (&ab.keys, &ba.keys) else {
        return true;
    };
    let a_elem = is_element(ab1) || is_element(ba2);
    let b_elem = is_element(ab2) || is_element(ba1);
    let shared = |k: &str| k.starts_with("(r") || k.starts_with("(#") || k.starts_with('g');
    match (a_elem, b_elem) {
        (false, false) => true,
        (true, true) => false,
        (true, false) => shared(ab2) && shared(ba1),
        (false, true) => shared(ab1) && shared(ba2),
    }
}

/// The finding points at the `Lock` that blocks (the second lock of the
/// later edge, inside the callee when it is taken by a call); the lock
/// held when it is taken, the call, and the other order's acquisition
/// are related places.
fn diagnostic(
    cx: &PackageContext,
    here: &Edge,
    there: &Edge,
    file: usize,
    msg: String,
) -> Diagnostic {
    let f = &cx.functions()[here.func];
    // A related place in `owner`, from the finding's file.
    let related = |d: Diagnostic, owner: usize, span: Span, label: String| {
        if owner == file {
            d.with_related(span, label)
        } else {
            d.with_related_in(owner, span, label)
        }
    };
    let mut d = match blocked_in_callee(here) {
        Some((_, span, callee)) => {
            let d = Diagnostic::new(RULE.code, span, msg).in_function(callee);
            let label = format!("this call takes `{}`", here.second_text);
            related(d, f.file, here.at, label)
        }
        None => Diagnostic::new(RULE.code, here.at, msg).in_function(&f.name),
    };
    let label = format!("`{}` is held from here", here.first_text);
    d = related(d, f.file, here.first_at, label);
    let (b, a) = (&there.second_text, &there.first_text);
    let label = match there.inner {
        Some(_) => format!("the other order: this call takes `{b}` while `{a}` is held"),
        None => format!("the other order: `{b}` taken here while `{a}` is held"),
    };
    related(d, cx.functions()[there.func].file, there.at, label)
}

/// For a lock taken by a call: the callee's file, its `Lock`, and the
/// function it is in.
fn blocked_in_callee(e: &Edge) -> Option<(usize, Span, &str)> {
    match (&e.inner, e.via.last()) {
        (Some(Inner::Here(f, span)), Some(callee)) => Some((*f, *span, callee.as_str())),
        _ => None,
    }
}

/// `` `a.mu` (line 3) then `b.mu` `` as seen from `file`.
fn describe(cx: &PackageContext, e: &Edge, file: usize, at: &str) -> String {
    let ef = cx.functions()[e.func].file;
    let mut s = format!(
        "`{}` ({}) then `{}` {at}",
        e.first_text,
        place(cx, file, ef, e.first_at.start),
        e.second_text
    );
    let chain: Vec<&str> = e.via.iter().map(|n| short_name(cx, n)).collect();
    match &e.inner {
        Some(Inner::Here(f, span)) => s.push_str(&format!(
            " via {} at {}",
            chain.join(" → "),
            place(cx, file, *f, span.start)
        )),
        Some(Inner::Elsewhere(at)) => s.push_str(&format!(" via {} at {at}", chain.join(" → "))),
        None => {}
    }
    s
}

fn describe_in(cx: &PackageContext, e: &Edge, file: usize) -> String {
    let f = &cx.functions()[e.func];
    let ef = f.file;
    let at = format!("at {}", place(cx, file, ef, e.at.start));
    format!(
        "{} takes {}",
        short_name(cx, &f.name),
        describe(cx, e, file, &at)
    )
}

/// The first edge between each ordered pair of lock classes.
fn edges(view: &LockView) -> BTreeMap<(String, String), Edge> {
    let mut out: BTreeMap<(String, String), Edge> = BTreeMap::new();
    for (fi, fl) in view.funcs.iter().enumerate() {
        for a in &fl.acquires {
            let Some(b) = &a.lock.class else { continue };
            for h in &a.held {
                let Some(first) = h.lock.class.as_ref().filter(|c| *c != b) else {
                    continue;
                };
                out.entry((first.clone(), b.clone())).or_insert(Edge {
                    func: fi,
                    keys: Some((h.lock.key.clone(), a.lock.key.clone())),
                    first_text: h.lock.text.clone(),
                    first_at: h.at,
                    second_text: a.lock.text.clone(),
                    at: a.span,
                    via: Vec::new(),
                    inner: None,
                    reads: h.read && a.read,
                });
            }
        }
        for site in &fl.calls {
            for t in view.takes_at(site) {
                let Some(b) = &t.lock.class else { continue };
                // A lock the chain unlocked before taking `b` is not held.
                for h in site
                    .held
                    .iter()
                    .filter(|h| !t.released_before.contains(&h.lock.key))
                {
                    let Some(first) = h.lock.class.as_ref().filter(|c| *c != b) else {
                        continue;
                    };
                    out.entry((first.clone(), b.clone())).or_insert(Edge {
                        func: fi,
                        keys: Some((h.lock.key.clone(), t.lock.key.clone())),
                        first_text: h.lock.text.clone(),
                        first_at: h.at,
                        second_text: t.lock.text.clone(),
                        at: site.span,
                        via: t.via.clone(),
                        inner: Some(Inner::Here(t.file, t.span)),
                        reads: h.read && t.read,
                    });
                }
            }
        }
    }
    out
}

/// Edges through calls the package's view does not follow: a method
/// called through an interface (every implementation in view), a
/// function value set in view, a function of another checked package.
/// The program-wide summaries give the classes such a call may take.
fn summary_edges(cx: &PackageContext, view: &LockView, out: &mut BTreeMap<(String, String), Edge>) {
    if !view
        .funcs
        .iter()
        .any(|f| f.other_calls.iter().any(|c| !c.held.is_empty()))
    {
        return;
    }
    let (Some(sums), Some(s)) = (cx.lock_summaries(), cx.semantic()) else {
        return;
    };
    for (fi, fl) in view.funcs.iter().enumerate() {
        let Some(fv) = cx.types(cx.functions()[fi].file) else {
            continue;
        };
        for call in fl.other_calls.iter().filter(|c| !c.held.is_empty()) {
            let lit = literal_called(cx, view, fi, call.span.start);
            for t in sums.takes_at(fv.file_id(), call.lparen) {
                for h in call.held.iter().filter(|h| {
                    // A literal called in place that unlocks the caller's
                    // lock before it takes `t` does not hold it there.
                    !lit.is_some_and(|l| {
                        t.file == fv.file_id() && unlocked_before(l, &h.lock.key, t.offset)
                    })
                }) {
                    let Some(first) = h.lock.class.as_ref().filter(|c| **c != t.class) else {
                        continue;
                    };
                    out.entry((first.clone(), t.class.clone()))
                        .or_insert_with(|| Edge {
                            func: fi,
                            // The summaries know the class taken, not
                            // which instance: a key nobody shares.
                            keys: Some((h.lock.key.clone(), "~".to_string())),
                            first_text: h.lock.text.clone(),
                            first_at: h.at,
                            second_text: lock_text(s, &t),
                            at: call.span,
                            via: t.via.iter().map(|&n| node_name(s, n)).collect(),
                            inner: Some(inner(cx, s, &t)),
                            reads: h.read && t.read,
                        });
                }
            }
        }
    }
}

/// The locks of the function literal called in place at `at`
/// (`func() { ... }()`): it runs inside its caller, with the caller's
/// variables, so its keys are the caller's.
fn literal_called<'v>(
    cx: &PackageContext,
    view: &'v LockView,
    fi: usize,
    at: u32,
) -> Option<&'v crate::locks::FuncLocks> {
    let funcs = cx.functions();
    let i = funcs.iter().position(|g| {
        g.parent == Some(fi)
            && matches!(g.kind, crate::funcs::FuncKind::Lit(l) if l.typ.pos() == at)
    })?;
    view.funcs.get(i)
}

/// Whether `fl` unlocks `key` before offset `at` of its body.
fn unlocked_before(fl: &crate::locks::FuncLocks, key: &str, at: u32) -> bool {
    fl.unlocks.iter().any(|(k, s)| k == key && s.start < at)
}

/// The receiver of the `Lock` call a summary points at, as written.
fn lock_text(s: &letgo_types::Semantic, t: &ClassTake) -> String {
    let src = &s.model.files[t.file.0 as usize].src;
    let rest = src.get(t.offset as usize..).unwrap_or("");
    let end = [".Lock(", ".RLock("]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()
        .unwrap_or(0);
    rest[..end].to_string()
}

/// Where a summary's `Lock` is: a file of this package when it is one.
fn inner(cx: &PackageContext, s: &letgo_types::Semantic, t: &ClassTake) -> Inner {
    let path = &s.model.files[t.file.0 as usize].path;
    match cx.files().find(|(_, f)| &f.path == path) {
        Some((fi, _)) => Inner::Here(fi, Span::new(t.offset, t.offset)),
        None => Inner::Elsewhere(model_place(s, t.file, t.offset)),
    }
}
