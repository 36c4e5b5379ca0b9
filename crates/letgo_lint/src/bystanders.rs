//! Bystanders: the goroutines a goroutine blocked forever takes down
//! with it.
//!
//! A blocking finding (LG1xx) names a statement where a goroutine waits
//! forever. From then on, nothing after that statement runs in that
//! goroutine, in its function or in the callers it was called from, and
//! nothing it holds is ever released. Three general consequences follow,
//! each added to the finding as a related place (never as a finding of
//! its own: the finding is the evidence, these are where the goroutine
//! dump of the same leak shows the other stuck goroutines):
//!
//! - a lock held there (taken before it in the function, or held by a
//!   same-package caller around the call) is never unlocked: every other
//!   acquisition of the same lock in a function that runs in a goroutine
//!   waits forever too (for a read lock held, the writers, and once a
//!   writer waits, the readers behind it), and so does the holder's own
//!   acquisition when its code runs in more than one goroutine, and a
//!   goroutine's own call that takes the lock in a callee (where its
//!   dump shows it at the top of its own code). A goroutine blocked in
//!   `cond.Wait()` holds every such lock but the Cond's own `L`, which
//!   `Wait` unlocks while it waits; when the package does not say which
//!   lock `L` is, no lock is named (any of them may be it);
//! - a `wg.Done()` that comes after it, or is deferred, never runs: the
//!   `wg.Wait()` of the same WaitGroup waits forever;
//! - a send or `close` on a channel that comes after it never happens:
//!   a plain receive from that channel (not a `select` case) waits
//!   forever, when no other statement of the package sends on or closes
//!   it.
//!
//! Locks and WaitGroups match as the lock rules match them (a field of a
//! type, a package variable, a local variable shared by closures);
//! channels by the variable or field they are. At most [`MAX`] places
//! are added per finding, in package order.

use crate::callsites::Call;
use crate::context::{FileDiagnostic, PackageContext};
use crate::funcs::FuncKind;
use crate::locks::{place, waitgroup_call, Held, LockView};
use crate::summaries::blocking::{cond_wait_releases, held_by_callers, lock_id};
use letgo_go::ast::{CallExpr, Expr, Span, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::callgraph::FuncNode;
use letgo_types::model::{Builtin, ObjId, ObjKind};

/// Blocking rules whose finding is not where a goroutine waits: a
/// goroutine that loops (LG105), a cancel not called (LG106), a lock
/// left held by a function that returned (LG110, which names the next
/// takers itself), an `Add` in the wrong place (LG115).
const NOT_BLOCKED_THERE: &[&str] = &["LG105", "LG106", "LG110", "LG115"];

/// Bystander places added to one finding, at most.
const MAX: usize = 6;
/// How many same-package callers up a blocked statement is followed.
const DEPTH: usize = 4;

/// Adds to every blocking finding in `raw` the places its goroutine
/// takes down with it (see the module documentation).
pub fn add(cx: &PackageContext, raw: &mut [FileDiagnostic]) {
    if !raw.iter().any(|d| d.diagnostic.code.starts_with("LG1")) {
        return;
    }
    let view = cx.locks();
    let chans = ChanOps::of(cx);
    let calls = cx.calls();
    let concurrent = goroutine_functions(cx, calls);
    let entries = goroutine_entries(cx, calls);
    let indirect = std::cell::OnceCell::new();
    for d in raw.iter_mut() {
        let code = d.diagnostic.code;
        if !code.starts_with("LG1") || NOT_BLOCKED_THERE.contains(&code) {
            continue;
        }
        let Some(fi) = innermost(cx, d.file, d.diagnostic.span) else {
            continue;
        };
        let at = d.diagnostic.span;
        let from = (d.file, at.start);
        let mut places: Vec<(usize, Span, String)> = Vec::new();
        lock_bystanders(
            cx,
            view,
            calls,
            (&concurrent, &entries),
            fi,
            at,
            from,
            &mut places,
        );
        let frames = frames(
            calls,
            indirect.get_or_init(|| indirect_calls(cx, calls)),
            fi,
            at,
        );
        wait_bystanders(cx, calls, &frames, from, &mut places);
        chan_bystanders(cx, &chans, &frames, from, &mut places);
        for (file, span, message) in places.into_iter().take(MAX) {
            let known = d
                .diagnostic
                .related
                .iter()
                .any(|r| r.file.unwrap_or(d.file) == file && r.span.start == span.start)
                || (file == d.file && span.start == at.start);
            if known {
                continue;
            }
            d.diagnostic.related.push(crate::Related {
                span,
                message,
                file: (file != d.file).then_some(file),
            });
        }
    }
}

/// The innermost function (declaration or literal) of file `file` whose
/// body holds `span`.
fn innermost(cx: &PackageContext, file: usize, span: Span) -> Option<usize> {
    cx.functions()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.file == file)
        .filter(|(_, f)| {
            let end = f.body.rbrace.unwrap_or(u32::MAX);
            f.body.lbrace <= span.start && span.start <= end
        })
        .min_by_key(|(_, f)| f.body.rbrace.unwrap_or(u32::MAX) - f.body.lbrace)
        .map(|(i, _)| i)
}

/// The locks held where the goroutine blocks, and every other
/// acquisition of one of them in a function that runs in a goroutine of
/// its own. A read lock held blocks the writers; a writer waiting then
/// blocks every later reader too (`sync.RWMutex` lets no new reader in
/// while a writer waits), so once a writer is named, so are the readers.
#[allow(clippy::too_many_arguments)]
fn lock_bystanders(
    cx: &PackageContext,
    view: &LockView,
    calls: &[Vec<Call>],
    (concurrent, entries): (&[bool], &[bool]),
    fi: usize,
    at: Span,
    from: (usize, u32),
    out: &mut Vec<(usize, Span, String)>,
) {
    let mut held: Vec<Held> = view.funcs[fi].held_around(at).to_vec();
    held.extend(
        held_by_callers(view, fi, at.start, DEPTH)
            .into_iter()
            .map(|(h, _, _)| h),
    );
    held.extend(held_by_indirect_callers(cx, view, fi));
    // `cond.Wait` lets go of the Cond's own lock while it waits; when
    // which lock that is is not known, any lock held may be it.
    let released = cond_wait_releases(cx, from.0, at);
    if released == Some(None) {
        return;
    }
    for h in &held {
        let Some(id) = lock_id(&h.lock) else {
            continue;
        };
        if released.as_ref().is_some_and(|r| r.as_deref() == Some(id)) {
            continue;
        }
        // The holder's own acquisition waits too in the other goroutines
        // that run the same code.
        let again = holder_runs_twice(cx, view, calls, h);
        let takers = |writers: bool| {
            view.funcs.iter().enumerate().flat_map(move |(gi, fl)| {
                fl.acquires
                    .iter()
                    .filter(move |a| {
                        gi != fi
                            && concurrent[gi]
                            && lock_id(&a.lock) == Some(id)
                            && a.read != writers
                            && (a.span != h.at || again)
                    })
                    .map(move |a| (gi, a.span))
            })
        };
        let writers: Vec<(usize, Span)> = takers(true).collect();
        let mut all = writers.clone();
        if !h.read || !writers.is_empty() {
            all.extend(takers(false));
        }
        for (gi, span) in all {
            let file = cx.functions()[gi].file;
            let blocked = place(cx, file, from.0, from.1);
            let text = &h.lock.text;
            let msg = if h.read && !writers.iter().any(|w| w.1 == span) {
                format!("waits here forever too: a writer waits for `{text}`, read-locked by the goroutine blocked at {blocked}, and lets no new reader in")
            } else {
                let how = if h.read { "read-locked" } else { "locked" };
                format!("waits here forever too: `{text}` stays {how} by the goroutine blocked at {blocked}")
            };
            push(out, file, span, msg);
        }
        // A goroutine that takes the lock in a callee waits at its call:
        // the frame its goroutine dump shows at the top of its own code.
        let blocks = |read: bool| !h.read || !read || !writers.is_empty();
        for gi in (0..view.funcs.len()).filter(|&g| g != fi && entries[g]) {
            for site in &view.funcs[gi].calls {
                let takes = view.takes_at(site);
                if !takes
                    .iter()
                    .any(|t| lock_id(&t.lock) == Some(id) && blocks(t.read))
                {
                    continue;
                }
                let file = cx.functions()[gi].file;
                let msg = format!(
                    "waits here forever too: this call takes `{}`, held by the goroutine blocked at {}",
                    h.lock.text,
                    place(cx, file, from.0, from.1)
                );
                push(out, file, site.span, msg);
            }
        }
    }
}

/// Whether the code that took the held lock `h` runs in more than one
/// goroutine: its function (or the function a literal called in place is
/// in) is started by two `go` statements, or by one inside a loop.
fn holder_runs_twice(cx: &PackageContext, view: &LockView, calls: &[Vec<Call>], h: &Held) -> bool {
    let Some(mut gi) = view.funcs.iter().position(|fl| {
        fl.acquires
            .iter()
            .any(|a| a.span == h.at && a.lock.key == h.lock.key)
    }) else {
        return false;
    };
    let funcs = cx.functions();
    while let (FuncKind::Lit(_), false, Some(p)) =
        (funcs[gi].kind, funcs[gi].spawned, funcs[gi].parent)
    {
        gi = p;
    }
    // A `go` statement at `span` (the call) of function `fi` in a loop.
    let looped = |fi: usize, start: u32| {
        funcs[fi]
            .sites
            .iter()
            .any(|s| s.in_loop && matches!(s.stmt, Stmt::Go(g) if g.call.pos() == start))
    };
    if funcs[gi].spawned {
        let Some(p) = funcs[gi].parent else {
            return false;
        };
        let lit = lit_pos(funcs[gi].kind);
        return funcs[p].sites.iter().any(|s| {
            s.in_loop
                && matches!(s.stmt, Stmt::Go(g)
                    if matches!(g.call.fun.unparen(), Expr::FuncLit(l) if l.typ.pos() == lit))
        });
    }
    let starts: Vec<(usize, Span)> = calls
        .iter()
        .enumerate()
        .flat_map(|(fi, cs)| {
            cs.iter()
                .filter(|c| c.go && c.callee == gi)
                .map(move |c| (fi, c.span))
        })
        .collect();
    starts.len() >= 2 || starts.iter().any(|&(fi, span)| looped(fi, span.start))
}

fn lit_pos(k: FuncKind) -> u32 {
    match k {
        FuncKind::Lit(l) => l.typ.pos(),
        FuncKind::Decl(d) => d.name.pos,
    }
}

/// The locks held around a call of function `fi` that the per-package
/// view does not resolve (through an interface or a function value) but
/// the program-wide call graph does, to at most a few functions.
fn held_by_indirect_callers(cx: &PackageContext, view: &LockView, fi: usize) -> Vec<Held> {
    let Some(sums) = cx.lock_summaries() else {
        return Vec::new();
    };
    let Some(node) = func_node(cx, fi) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (gi, fl) in view.funcs.iter().enumerate() {
        let Some(tv) = cx.types(cx.functions()[gi].file) else {
            continue;
        };
        for c in &fl.other_calls {
            if sums.callees_at(tv.file_id(), c.lparen).contains(&node) {
                out.extend(c.held.iter().cloned());
            }
        }
    }
    out
}

/// Function `fi` as the program-wide call graph names it.
fn func_node(cx: &PackageContext, fi: usize) -> Option<FuncNode> {
    let f = &cx.functions()[fi];
    let view = cx.types(f.file)?;
    Some(match f.kind {
        FuncKind::Decl(d) => FuncNode::Decl(view.object_of(&d.name)?),
        FuncKind::Lit(l) => FuncNode::Lit(view.file_id(), l.typ.pos()),
    })
}

/// The functions that run in a goroutine of their own: literals and
/// same-package functions started by `go`, and what they call, two
/// levels down. Another acquisition of a lock held forever is a
/// bystander only there: a function any caller may run is only a
/// guess.
fn goroutine_functions(cx: &PackageContext, calls: &[Vec<Call>]) -> Vec<bool> {
    let mut out: Vec<bool> = cx.functions().iter().map(|f| f.spawned).collect();
    for c in calls.iter().flatten().filter(|c| c.go) {
        out[c.callee] = true;
    }
    for _ in 0..2 {
        let mut next = out.clone();
        for (fi, cs) in calls.iter().enumerate() {
            if out[fi] {
                for c in cs {
                    next[c.callee] = true;
                }
            }
        }
        out = next;
    }
    // A literal runs where its function hands it: called in place or
    // through a variable, in that function's goroutine.
    for (fi, f) in cx.functions().iter().enumerate() {
        if let (FuncKind::Lit(_), Some(p)) = (f.kind, f.parent) {
            out[fi] |= out[p];
        }
    }
    out
}

/// The functions a `go` statement starts: literals and same-package
/// functions by name.
fn goroutine_entries(cx: &PackageContext, calls: &[Vec<Call>]) -> Vec<bool> {
    let mut out: Vec<bool> = cx.functions().iter().map(|f| f.spawned).collect();
    for c in calls.iter().flatten().filter(|c| c.go) {
        out[c.callee] = true;
    }
    out
}

/// The frames of the blocked goroutine this view can name: the function
/// that blocks, at the blocking statement, then each same-package caller
/// at its call, a few levels up. Nothing after these points runs.
fn frames(calls: &[Vec<Call>], indirect: &[Vec<Call>], fi: usize, at: Span) -> Vec<(usize, Span)> {
    let mut out = vec![(fi, at)];
    let mut frontier = vec![fi];
    for _ in 0..DEPTH {
        let mut next = Vec::new();
        for (caller, cs) in calls.iter().enumerate() {
            let called = |s: &&Call| !s.go && frontier.contains(&s.callee);
            for site in cs.iter().chain(&indirect[caller]).filter(called) {
                if out.iter().any(|(f, _)| *f == caller) {
                    continue;
                }
                out.push((caller, site.span));
                next.push(caller);
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    out
}

/// Per function, its calls of the package's functions that the
/// same-package view does not resolve — a function value (a parameter a
/// literal is handed to, a field set to one) or an interface method —
/// but the program's call graph does, to at most a few functions: a
/// goroutine blocked in the literal is still running in its caller.
fn indirect_calls(cx: &PackageContext, calls: &[Vec<Call>]) -> Vec<Vec<Call>> {
    let funcs = cx.functions();
    let mut out = vec![Vec::new(); funcs.len()];
    let Some(sums) = cx.lock_summaries() else {
        return out;
    };
    let by_node: std::collections::HashMap<FuncNode, usize> = (0..funcs.len())
        .filter_map(|fi| Some((func_node(cx, fi)?, fi)))
        .collect();
    for (gi, f) in funcs.iter().enumerate() {
        let Some(view) = cx.types(f.file) else {
            continue;
        };
        inspect(Node::Block(f.body), &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Call(c) => {
                let span = Span::new(c.pos(), c.end());
                for node in sums.callees_at(view.file_id(), c.lparen) {
                    let Some(&callee) = by_node.get(node) else {
                        continue;
                    };
                    let known = calls[gi]
                        .iter()
                        .any(|k| k.callee == callee && k.span.start == span.start);
                    if !known {
                        out[gi].push(Call {
                            callee,
                            span,
                            go: false,
                        });
                    }
                }
                true
            }
            _ => true,
        });
    }
    out
}

/// The calls of function `fi` that run only after offset `after`: later
/// in its body, or deferred (a deferred call runs when it returns, which
/// it never does). Nested function literals are not its statements,
/// except a deferred one's.
fn calls_after<'a>(cx: &PackageContext<'a>, fi: usize, after: u32) -> Vec<&'a CallExpr> {
    let body = cx.functions()[fi].body;
    let mut out = Vec::new();
    inspect(Node::Block(body), &mut |n| match n {
        Node::Stmt(Stmt::Defer(d)) => {
            out.push(&d.call);
            if let Expr::FuncLit(lit) = d.call.fun.unparen() {
                inspect(Node::Block(&lit.body), &mut |m| {
                    if let Node::Call(c) = m {
                        out.push(c);
                    }
                    !matches!(m, Node::Expr(Expr::FuncLit(_)))
                });
            }
            false
        }
        Node::Expr(Expr::FuncLit(_)) => false,
        Node::Call(c) => {
            if c.lparen >= after {
                out.push(c);
            }
            true
        }
        _ => true,
    });
    out
}

/// `wg.Wait()` of the WaitGroups whose `Done` the blocked goroutine
/// never reaches.
fn wait_bystanders(
    cx: &PackageContext,
    calls: &[Vec<Call>],
    frames: &[(usize, Span)],
    from: (usize, u32),
    out: &mut Vec<(usize, Span, String)>,
) {
    let mut skipped: Vec<(String, String)> = Vec::new();
    for &(fi, at) in frames {
        for c in calls_after(cx, fi, at.end) {
            if let Some(v) = waitgroup_call(cx, fi, c, "Done") {
                if let Some(id) = lock_id(&v) {
                    skipped.push((id.to_string(), v.text.clone()));
                }
                continue;
            }
            // A same-package callee that calls `Done` on a WaitGroup of a
            // type's field (`defer s.finish()`, whose body is
            // `s.wg.Done()`): the field is one WaitGroup class, whoever
            // the receiver is.
            let callee = calls[fi]
                .iter()
                .find(|k| !k.go && k.span.start == c.pos())
                .map(|k| k.callee);
            for (gi, d) in callee.into_iter().flat_map(|g| dones_of(cx, g)) {
                if let Some(id) = lock_id(&d).filter(|_| d.class.is_some() && gi != fi) {
                    skipped.push((id.to_string(), d.text.clone()));
                }
            }
        }
    }
    if skipped.is_empty() {
        return;
    }
    for (gi, f) in cx.functions().iter().enumerate() {
        if frames.iter().any(|(fi, _)| *fi == gi) {
            continue;
        }
        inspect(Node::Block(f.body), &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Call(c) => {
                let wait = waitgroup_call(cx, gi, c, "Wait");
                if let Some((_, text)) = wait.as_ref().and_then(|v| {
                    skipped
                        .iter()
                        .find(|(id, _)| Some(id.as_str()) == lock_id(v))
                }) {
                    let msg = format!(
                        "waits here forever too: the goroutine blocked at {} never reaches its `{text}.Done()`",
                        place(cx, f.file, from.0, from.1)
                    );
                    push(out, f.file, Span::new(c.pos(), c.end()), msg);
                }
                true
            }
            _ => true,
        });
    }
}

/// The `wg.Done()` calls written in function `gi`'s own body.
fn dones_of(cx: &PackageContext, gi: usize) -> Vec<(usize, crate::locks::SyncValue)> {
    let mut out = Vec::new();
    inspect(Node::Block(cx.functions()[gi].body), &mut |n| match n {
        Node::Expr(Expr::FuncLit(_)) => false,
        Node::Call(c) => {
            out.extend(waitgroup_call(cx, gi, c, "Done").map(|v| (gi, v)));
            true
        }
        _ => true,
    });
    out
}

/// A channel operation of the package: where, in which function, on
/// which variable or field, and what it does.
struct ChanOp {
    func: usize,
    span: Span,
    chan: ObjId,
    kind: OpKind,
    /// Written in a `defer` of its function: it runs at the return.
    deferred: bool,
}

/// `v := f(..., func() {...}, ...)`: the local `v` holds the channel
/// function `f` made and returned, for the call handed those literals.
struct Returned {
    /// The channel variable `f` returns.
    made: ObjId,
    /// The caller's variable.
    held: ObjId,
    /// Offsets (file, `func` keyword) of the literals handed to the call.
    lits: Vec<(usize, u32)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum OpKind {
    /// A send or `close`: what lets a receiver go on.
    Gives,
    /// A plain receive outside a `select`.
    Takes,
}

struct ChanOps(Vec<ChanOp>, Vec<Returned>);

impl ChanOps {
    /// The operations on local channel variables that are used for
    /// nothing else (not passed, stored or assigned again): every party
    /// of such a channel is in view.
    fn of(cx: &PackageContext) -> ChanOps {
        let mut out = Vec::new();
        let mut uses: std::collections::HashMap<ObjId, usize> = std::collections::HashMap::new();
        // Uses that neither give nor hand the channel on: a `select`
        // case's receive, the maker's `return ch` (judged by `returned`).
        let mut harmless: std::collections::HashMap<ObjId, usize> =
            std::collections::HashMap::new();
        let mut returns: Vec<(usize, ObjId)> = Vec::new();
        for (fi, f) in cx.functions().iter().enumerate() {
            let Some(view) = cx.types(f.file) else {
                continue;
            };
            let mut comms: Vec<Span> = Vec::new();
            let mut defers: Vec<Span> = Vec::new();
            inspect(Node::Block(f.body), &mut |n| {
                let deferred = |at: u32| defers.iter().any(|d| d.start <= at && at < d.end);
                let mut op = |x: &Expr, span: Span, kind: OpKind| {
                    if let Some(chan) = view.object_of_expr(x) {
                        out.push(ChanOp {
                            func: fi,
                            span,
                            chan,
                            kind,
                            deferred: deferred(span.start),
                        });
                    }
                };
                match n {
                    Node::Expr(Expr::FuncLit(_)) => return false,
                    Node::Stmt(Stmt::Defer(d)) => defers.push(Span::new(d.pos, d.call.end())),
                    Node::Stmt(Stmt::Return(r)) => {
                        if let [x] = r.results.as_slice() {
                            if let Some(o) = returned_var(&view, x) {
                                returns.push((fi, o));
                                *harmless.entry(o).or_insert(0) += 1;
                            }
                        }
                    }
                    Node::Ident(id) => {
                        if let Some(o) = view.object_of(id) {
                            *uses.entry(o).or_insert(0) += 1;
                        }
                    }
                    // A select case may be left for another: not a plain wait.
                    Node::CommClause(c) => {
                        if let Some(s) = &c.comm {
                            comms.push(Span::new(s.pos(), s.end()));
                        }
                    }
                    Node::Stmt(Stmt::Send(s)) => op(
                        &s.chan,
                        Span::new(s.chan.pos(), s.value.end()),
                        OpKind::Gives,
                    ),
                    Node::Call(c) => {
                        if let (Expr::Ident(id), [x]) = (c.fun.unparen(), c.args.as_slice()) {
                            let kind = view.object_of(id).map(|o| view.model().obj(o).kind);
                            if kind == Some(ObjKind::Builtin(Builtin::Close)) {
                                op(x, Span::new(c.pos(), c.end()), OpKind::Gives);
                            }
                        }
                    }
                    Node::Expr(e @ Expr::Unary(u)) if u.op == Token::Arrow => {
                        let start = e.pos();
                        if !comms.iter().any(|s| s.start <= start && start < s.end) {
                            op(&u.x, Span::new(start, e.end()), OpKind::Takes);
                        } else if let Some(o) = view.object_of_expr(&u.x) {
                            *harmless.entry(o).or_insert(0) += 1;
                        }
                    }
                    _ => {}
                }
                true
            });
        }
        // Kept: channels of local variables whose every use is one of
        // these operations, besides the one that declares them.
        let mut on: std::collections::HashMap<ObjId, usize> = harmless;
        for op in &out {
            *on.entry(op.chan).or_insert(0) += 1;
        }
        let held = returned_to(cx, &returns);
        let only_ops: std::collections::HashSet<ObjId> = on
            .iter()
            .filter(|(o, n)| uses.get(o).is_some_and(|u| *u <= *n + 1) && local_var(cx, **o))
            .map(|(o, _)| *o)
            .collect();
        // A channel a function returns is in view only where each of its
        // calls defines a local with it (checked by `returned_to`).
        let returned: std::collections::HashSet<ObjId> = returns.iter().map(|r| r.1).collect();
        let made_held: std::collections::HashSet<ObjId> = held.iter().map(|h| h.made).collect();
        let kept =
            |o: &ObjId| only_ops.contains(o) && (!returned.contains(o) || made_held.contains(o));
        out.retain(|op| kept(&op.chan));
        let held = held
            .into_iter()
            .filter(|h| kept(&h.made) && only_ops.contains(&h.held))
            .collect();
        ChanOps(out, held)
    }
}

/// `return ch` or `return T(ch)` (a conversion to a named channel type):
/// the local variable returned.
fn returned_var(view: &letgo_types::FileView, x: &Expr) -> Option<ObjId> {
    let x = match x.unparen() {
        Expr::Call(c)
            if c.args.len() == 1
                && view
                    .object_of_expr(c.fun.unparen())
                    .is_some_and(|o| view.model().obj(o).kind == ObjKind::TypeName) =>
        {
            &c.args[0]
        }
        x => x,
    };
    let Expr::Ident(id) = x.unparen() else {
        return None;
    };
    view.object_of(id)
}

/// For each function that returns one local channel variable (every
/// return of it `return ch`), its calls in the package, each the whole
/// right side of a `v := f(...)` defining one local: the pairs. A call
/// used any other way hands the channel out of view: then none.
fn returned_to(cx: &PackageContext, returns: &[(usize, ObjId)]) -> Vec<Returned> {
    let funcs = cx.functions();
    // The makers, by their function object: one pass over the package
    // counts their calls and the locals those calls define.
    let mut makers: std::collections::HashMap<ObjId, ObjId> = std::collections::HashMap::new();
    for &(fi, made) in returns {
        let crate::funcs::FuncKind::Decl(d) = funcs[fi].kind else {
            continue;
        };
        let Some(view) = cx.types(funcs[fi].file) else {
            continue;
        };
        let m = view.model();
        let is_chan = matches!(
            m.ty(m.under_ro(m.obj(made).typ)),
            letgo_types::types::Type::Chan(..)
        );
        if let (Some(target), true) = (view.object_of(&d.name), is_chan) {
            makers.insert(target, made);
        }
    }
    if makers.is_empty() {
        return Vec::new();
    }
    let mut calls: std::collections::HashMap<ObjId, usize> = std::collections::HashMap::new();
    let mut defined: std::collections::HashMap<ObjId, Vec<Returned>> =
        std::collections::HashMap::new();
    for g in funcs {
        let Some(view) = cx.types(g.file) else {
            continue;
        };
        inspect(Node::Block(g.body), &mut |n| {
            match n {
                Node::Expr(Expr::FuncLit(_)) => return false,
                Node::Call(c) => {
                    if let Some(t) = view
                        .object_of_expr(c.fun.unparen())
                        .filter(|t| makers.contains_key(t))
                    {
                        *calls.entry(t).or_insert(0) += 1;
                    }
                }
                Node::Stmt(Stmt::Assign(a)) if a.tok == Token::Define => {
                    if let ([Expr::Ident(v)], [Expr::Call(c)]) =
                        (a.lhs.as_slice(), a.rhs.as_slice())
                    {
                        let target = view.object_of_expr(c.fun.unparen());
                        if let (Some(t), Some(held)) = (target, view.object_of(v)) {
                            if let Some(&made) = makers.get(&t) {
                                let lits = c
                                    .args
                                    .iter()
                                    .filter_map(|x| match x.unparen() {
                                        Expr::FuncLit(l) => Some((g.file, l.typ.pos())),
                                        _ => None,
                                    })
                                    .collect();
                                defined
                                    .entry(t)
                                    .or_default()
                                    .push(Returned { made, held, lits });
                            }
                        }
                    }
                }
                _ => {}
            }
            true
        });
    }
    let mut out = Vec::new();
    for (t, rs) in defined {
        if calls.get(&t) == Some(&rs.len()) {
            out.extend(rs);
        }
    }
    out
}

/// Whether `o` is a variable declared inside a function body of the
/// package (not a parameter, a field or a package variable).
fn local_var(cx: &PackageContext, o: ObjId) -> bool {
    cx.functions().iter().any(|f| {
        let Some(view) = cx.types(f.file) else {
            return false;
        };
        let obj = view.model().obj(o);
        let Some((file, off)) = obj.pos else {
            return false;
        };
        obj.kind == letgo_types::model::ObjKind::Var
            && file == view.file_id()
            && f.body.lbrace < off
            && off < f.body.rbrace.unwrap_or(u32::MAX)
    })
}

/// Plain receives from the channels whose only sends and closes come
/// after the blocked statement in its goroutine.
fn chan_bystanders(
    cx: &PackageContext,
    chans: &ChanOps,
    frames: &[(usize, Span)],
    from: (usize, u32),
    out: &mut Vec<(usize, Span, String)>,
) {
    let never = |op: &ChanOp| {
        frames
            .iter()
            .any(|&(fi, at)| op.func == fi && (op.span.start >= at.end || op.deferred))
    };
    // The functions of the blocked goroutine's frames, as literals.
    let frame_lits: Vec<(usize, u32)> = frames
        .iter()
        .filter_map(|&(fi, _)| match cx.functions()[fi].kind {
            FuncKind::Lit(l) => Some((cx.functions()[fi].file, l.typ.pos())),
            FuncKind::Decl(_) => None,
        })
        .collect();
    let mut done: Vec<ObjId> = Vec::new();
    for op in chans.0.iter().filter(|op| op.kind == OpKind::Gives) {
        if done.contains(&op.chan) || !never(op) {
            continue;
        }
        done.push(op.chan);
        let givers_never = chans
            .0
            .iter()
            .filter(|o| o.chan == op.chan && o.kind == OpKind::Gives)
            .all(never);
        if !givers_never {
            continue;
        }
        // The caller's variable that holds this very channel: the call
        // that made it was handed a literal the blocked goroutine runs.
        let holders: Vec<ObjId> = chans
            .1
            .iter()
            .filter(|h| h.made == op.chan && h.lits.iter().any(|l| frame_lits.contains(l)))
            .map(|h| h.held)
            .collect();
        for r in chans
            .0
            .iter()
            .filter(|o| (o.chan == op.chan || holders.contains(&o.chan)) && o.kind == OpKind::Takes)
        {
            if frames.iter().any(|(fi, _)| *fi == r.func) {
                continue;
            }
            let f = &cx.functions()[r.func];
            let give = place(cx, f.file, cx.functions()[op.func].file, op.span.start);
            let msg = format!(
                "waits here forever too: the goroutine blocked at {} never gets to {give}, the only send or close",
                place(cx, f.file, from.0, from.1)
            );
            push(out, f.file, r.span, msg);
        }
    }
}

fn push(out: &mut Vec<(usize, Span, String)>, file: usize, span: Span, msg: String) {
    if !out
        .iter()
        .any(|(f, s, _)| *f == file && s.start == span.start)
    {
        out.push((file, span, msg));
    }
}
