//! LG205 long-afterfunc-not-stopped.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::funcs::Func;
use crate::registry::Rule;
use crate::syntax::{ident_name, indentation_at, mentions, StmtSite};
use crate::timers::time_call;
use letgo_go::ast::{CallExpr, Decl, Expr, Span, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::Node;

pub const RULE: Rule = Rule {
    code: "LG205",
    name: "long-afterfunc-not-stopped",
    summary: "a discarded time.AfterFunc with a long delay, run per request or per iteration",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG205 long-afterfunc-not-stopped

## What it does
Flags `time.AfterFunc(d, f)` whose returned timer is discarded, with a
delay of ten minutes or more or one that is not a constant, in code that runs
per request (a function taking an `*http.Request`), per loop iteration,
or in a function reached per request or per event through calls (any
package checked together: an entry such as an `http.Handler`, a gRPC
method, a loop over a channel or an `Accept` loop, as LG301 judges it;
`letgo check ./...` shows callers in other packages). Reached through
calls, a callback that calls the scheduling function again (a
self-rescheduling chain: one timer pending at a time) is left alone.
Nothing can stop such a timer, so its function and everything that
function captures stay alive until it fires. Outside per-request code,
a callback that holds only values that live anyway (the receiver,
parameters, range variables, values received from a channel or read from
fields; no local the function made itself with a literal, `make`, `new`
or a call) is a one-shot delayed action — an idle tenant removed an hour
later, a task requeued after a pause — and is left alone: it keeps
nothing alive that would otherwise be freed. In a loop, what piles up
per iteration is what the iteration itself makes: the callback must hold
a value made in the loop's body (a batch copied per iteration), not
only one the function made once before the loop (a filter closure, a
slice all the timers share). Constant delays under ten
minutes (a package variable declared with a constant duration that no
non-test code assigns counts as constant, and so does a parameter the
function never assigns when every call in view passes a constant: the
longest), and `_test.go` files, are
left alone, as is a package that exists only for tests, judged as LG301
judges one (a path segment `test`, `e2e`, `test…`, `fake…`, `mock…`,
`…testing`, `…testutil`; a package in or below a helper named like
`httptest` that imports `testing`, a simulated network under it; one
only tests import), and a test's harness in other files (a function taking a
`*testing.T` or `testing.TB`, or a method of a type holding one: only
`go test` makes such a value). A timer gives back what it holds when it
fires: at a steady rate, discarded timers of a constant delay hold that
delay's worth of calls, a level reached within the delay and then kept.
Under ten minutes the level comes before anyone would call it a climb,
and the delay is the timer's purpose (a login state's validity, a cached
outcome's lifetime, a retry's pause).

Two shapes keep nothing piling up however often they run, and are left
alone: a latched timer, armed inside `if !x.armed { ...; x.armed = true }`
(the same flag by its object: a second call finds it set until the
callback clears it, so an owner has one pending timer at most), and a
loop that waits only on channels the function hands to `signal.Notify`
(`os/signal`): it runs once per signal an operator sends, not per
request or message.

`time.AfterFunc` is recognised by the callee's object (an alias or dot
import counts, a project's own `AfterFunc` does not), and a request
parameter by its type, `*http.Request`, whatever `net/http` is called.

## Why is this bad?
On every Go version a pending `AfterFunc` keeps its closure reachable
until it fires. Measured here: 100 000 pending one-hour `AfterFunc`s, each
capturing 1 KiB, held about 110 MiB. A handler that schedules a cleanup an
hour ahead and never cancels it when the work finishes early grows the
heap by an hour of traffic.

## Example
```go
func handle(w http.ResponseWriter, r *http.Request) {
	s := newSession(r)
	time.AfterFunc(time.Hour, func() { s.expire() })
	...
}
```

## Use instead
```go
func handle(w http.ResponseWriter, r *http.Request) {
	s := newSession(r)
	expiry := time.AfterFunc(time.Hour, func() { s.expire() })
	s.onClose(func() { expiry.Stop() })
	...
}
```
Keep the returned timer and stop it when the work it guards is done.

## Fix safety
Display-only: the fix keeps the timer and stops it when the function
returns, which is right only when the callback exists to clean up after
work the function finishes itself.

No fix is offered when the timer is meant to fire after the function
returns whatever happens: in a function reached through calls (a
connection's handshake timeout is stopped when the connection closes,
not when the function returns), inside a loop (every timer would be stopped at
the return), or when the callback arms a timer again or retries
(its function mentions `AfterFunc` or `Reset`, calls the function that
scheduled it, or is named for it: `reconnect`, `retry`, `redial`,
`restart`, `refresh`, `renew`, `heartbeat`, `keepalive`). Stopping a
reconnect timer at the return would cancel the reconnect.
"#;

/// How often the discarded timer is made.
#[derive(Clone, Copy, PartialEq)]
enum Per {
    Iteration,
    Request,
    /// The function is reached per request or event through calls
    /// (`Owners::repeats`, across the packages checked together).
    Call,
}

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    // A package that exists only for tests (LG301's judgement: a test
    // helper like `httptest`, a `testutil`, one only tests import): its
    // timers run in tests.
    for (i, f) in cx.functions().iter().enumerate() {
        if crate::test_harness::test_function(cx, f) {
            continue;
        }
        let per_request = takes_request(cx, f);
        // Asked only when the function discards an AfterFunc: which
        // functions repeat is a walk of the package and the call graph.
        let mut repeats = None;
        for site in f.sites.iter().copied() {
            let Some(call) = discarded_afterfunc(cx, f.file, site.stmt) else {
                continue;
            };
            let per = if site.in_loop {
                Per::Iteration
            } else if per_request {
                Per::Request
            } else if *repeats.get_or_insert_with(|| cx.owners().repeats(cx, i))
                && !call.args.get(1).is_some_and(|cb| calls_itself(cx, f, cb))
            {
                Per::Call
            } else {
                continue;
            };
            let Some(delay) = long_delay(cx, f.file, call) else {
                continue;
            };
            // At most one pending at a time, or one per signal an
            // operator sends: nothing piles up.
            let at = call.fun.span();
            if latched(cx, f, at) || (per == Per::Iteration && signal_loop(cx, f, at)) {
                continue;
            }
            // Outside a request, a callback that holds only values that
            // outlive the call is a delayed action, not a retention.
            if per != Per::Request
                && !call
                    .args
                    .get(1)
                    .is_some_and(|cb| holds_fresh(cx, f, cb, per))
            {
                continue;
            }
            let d = report(cx, f, site, call, &delay, per);
            out.push(FileDiagnostic {
                file: f.file,
                diagnostic: d.in_function(&f.name),
            });
        }
    }
}

/// Whether the `AfterFunc` at `at` runs only while none is pending: it
/// sits in `if !x.armed { ... }` whose body sets that same flag (by its
/// object) to `true`, so a second call finds it set until the callback
/// (or whatever ends the timer) clears it: one timer per owner at most.
fn latched(cx: &PackageContext, f: &Func, at: Span) -> bool {
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    let mut found = false;
    letgo_go::visit::inspect(Node::Block(f.body), &mut |n| {
        let Node::Stmt(Stmt::If(i)) = n else {
            return !found;
        };
        if !(i.body.lbrace <= at.start && at.end <= i.body.end()) {
            return !found;
        }
        let Expr::Unary(u) = i.cond.unparen() else {
            return !found;
        };
        let flag = (u.op == Token::Not)
            .then(|| view.object_of_expr(&u.x))
            .flatten();
        found |= flag.is_some_and(|flag| {
            i.body.list.iter().any(|s| match s {
                Stmt::Assign(a) if a.lhs.len() == 1 && a.rhs.len() == 1 => {
                    view.object_of_expr(&a.lhs[0]) == Some(flag)
                        && crate::syntax::is_const_true(&view, &a.rhs[0])
                }
                _ => false,
            })
        });
        !found
    });
    found
}

/// Whether the innermost loop around `at` waits only on channels the
/// function hands to `signal.Notify` (`os/signal`, by object): it runs
/// once per signal an operator sends, not per request or message.
fn signal_loop(cx: &PackageContext, f: &Func, at: Span) -> bool {
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    let m = view.model();
    let Some((lp, body)) = crate::syntax::innermost_loop(f.body, at) else {
        return false;
    };
    let mut notified = Vec::new();
    letgo_go::visit::inspect(Node::Block(f.body), &mut |n| {
        if let Node::Call(c) = n {
            let notify = view
                .object_of_expr(&c.fun)
                .is_some_and(|o| m.pkg_path(o) == "os/signal" && &*m.obj(o).name == "Notify");
            if let Some(ch) = c.args.first().filter(|_| notify) {
                notified.extend(view.object_of_expr(ch));
            }
        }
        true
    });
    let mut received = Vec::new();
    if let Stmt::Range(r) = lp {
        received.push(view.object_of_expr(&r.x));
    }
    letgo_go::visit::inspect(Node::Block(body), &mut |n| match n {
        Node::Expr(Expr::FuncLit(_)) => false,
        Node::Expr(Expr::Unary(u)) if u.op == Token::Arrow => {
            received.push(view.object_of_expr(&u.x));
            true
        }
        _ => true,
    });
    !received.is_empty()
        && received
            .iter()
            .all(|r| r.is_some_and(|o| notified.contains(&o)))
}

/// `time.AfterFunc(...)` as a statement, or `_ = time.AfterFunc(...)`.
fn discarded_afterfunc<'a>(
    cx: &PackageContext<'a>,
    file: usize,
    stmt: &'a Stmt,
) -> Option<&'a CallExpr> {
    let src = &cx.file(file).src;
    let x = match stmt {
        Stmt::Expr(x) => x.as_ref(),
        Stmt::Assign(a) if a.lhs.len() == 1 && ident_name(&a.lhs[0], src) == Some("_") => {
            a.rhs.first()?
        }
        _ => return None,
    };
    match time_call(cx, file, x)? {
        ("AfterFunc", call) => Some(call),
        _ => None,
    }
}

/// Constant delays shorter than this are short for a discarded
/// `AfterFunc` (ten minutes). A pending timer gives back what it holds
/// when it fires, so at a steady rate the timers of a constant delay `d`
/// hold `d` worth of calls: a level the heap reaches within `d` and then
/// keeps, not growth. Under ten minutes that level is reached before
/// anyone watching memory would call it a climb, and such delays are
/// the timer's purpose (a login state's validity, a cached outcome's
/// lifetime, a retry's pause); from ten minutes, or a delay that is not
/// a constant, the level is an hour's traffic or more, or unknown.
const LONG_AFTERFUNC: u64 = 600_000_000_000;

/// The delay as the message names it, if it is long or unknown.
fn long_delay(cx: &PackageContext, file: usize, call: &CallExpr) -> Option<String> {
    let d = call.args.first()?;
    let text = cx.text(file, d.span());
    match crate::timers::settled_duration(cx, file, d) {
        Some(n) if n < LONG_AFTERFUNC => None,
        Some(_) => Some(format!("a delay of `{text}`")),
        None => Some(format!("a delay `{text}` that may be long")),
    }
}

/// A function with a parameter of type `*http.Request` (by its type:
/// an alias import or a named parameter type of the project counts).
fn takes_request(cx: &PackageContext, f: &Func) -> bool {
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    let m = view.model();
    f.typ.params.list.iter().any(|p| {
        let typ = match p.names.first() {
            Some(name) => view.object_of(name).map(|o| m.obj(o).typ),
            None => view.type_of(&p.typ),
        };
        typ.is_some_and(|t| m.is_pointer_to(t, "net/http", "Request"))
    })
}

fn report(
    cx: &PackageContext,
    f: &Func,
    site: StmtSite,
    call: &CallExpr,
    delay: &str,
    per: Per,
) -> Diagnostic {
    let when = match per {
        Per::Iteration => "every iteration",
        Per::Request => "every request",
        Per::Call => "every call, and this function runs per request or event",
    };
    let msg = format!(
        "time.AfterFunc with {delay} is discarded on {when}: nothing can stop it, and its function and what it captures stay alive until it fires"
    );
    let span = Span::new(call.fun.pos(), call.rparen + 1);
    let d = Diagnostic::new(RULE.code, span, msg);
    let src = &cx.file(f.file).src;
    // Reached through calls, the timer is most often meant to outlive
    // the call (a handshake's timeout, a retry): stopping it at the
    // return is not the fix.
    let outlives = per == Per::Call;
    if !site.in_list || site.in_loop || outlives || mentions(Node::Block(f.body), "timer", src) {
        return d;
    }
    if call.args.get(1).is_some_and(|cb| rearms(cx, f, cb)) {
        return d;
    }
    let stmt = site.stmt.span();
    let indent = indentation_at(src, stmt.start);
    let call_text = cx.text(f.file, Span::new(call.fun.pos(), call.rparen + 1));
    d.with_fix(Fix {
        message: "keep the timer and stop it when the work it guards is done".to_string(),
        applicability: Applicability::DisplayOnly,
        edits: vec![Edit::replace(
            stmt,
            format!("timer := {call_text}\n{indent}defer timer.Stop()"),
        )],
    })
}

/// Whether the callback `cb` keeps something going after the function
/// returns: it re-arms a timer, calls the scheduling function again, or is
/// named for a retry. A function of the package named by `cb` is read too.
fn rearms(cx: &PackageContext, f: &Func, cb: &Expr) -> bool {
    const RETRIES: &[&str] = &[
        "reconnect",
        "retry",
        "redial",
        "restart",
        "refresh",
        "renew",
        "heartbeat",
        "keepalive",
    ];
    let src = &cx.file(f.file).src;
    let own = f
        .name
        .trim_end_matches("[...]")
        .rsplit('.')
        .next()
        .unwrap_or("");
    let again = |node: Node, src: &str| {
        ["AfterFunc", "Reset"]
            .iter()
            .chain(std::iter::once(&own))
            .any(|w| !w.is_empty() && mentions(node, w, src))
    };
    let name = match cb.unparen() {
        Expr::FuncLit(l) => return again(Node::Block(&l.body), src),
        Expr::Ident(id) => id.name(src),
        Expr::Selector(sel) => sel.sel.name(src),
        _ => return false,
    };
    let lower = name.to_ascii_lowercase();
    if name == own || RETRIES.iter().any(|w| lower.contains(w)) {
        return true;
    }
    cx.files().any(|(_, sf)| {
        sf.ast.decls.iter().any(|d| match d {
            Decl::Func(fd) if fd.name.name(&sf.src) == name => fd
                .body
                .as_ref()
                .is_some_and(|b| again(Node::Block(b), &sf.src)),
            _ => false,
        })
    })
}

/// Whether callback `cb` calls `f`, the function that schedules it: a
/// self-rescheduling chain (`time.AfterFunc(d, func() { c.tick() })`
/// inside `tick`) keeps one timer pending at a time, however often `f` is
/// reached.
fn calls_itself(cx: &PackageContext, f: &Func, cb: &Expr) -> bool {
    let src = &cx.file(f.file).src;
    let own = f
        .name
        .trim_end_matches("[...]")
        .rsplit('.')
        .next()
        .unwrap_or("");
    if own.is_empty() || own.starts_with("func") {
        return false;
    }
    match cb.unparen() {
        Expr::FuncLit(l) => mentions(Node::Block(&l.body), own, src),
        Expr::Ident(id) => id.name(src) == own,
        Expr::Selector(sel) => sel.sel.name(src) == own,
        _ => false,
    }
}

/// Whether callback `cb` keeps alive a value the function made itself: a
/// local (declared in `f`, outside the callback) assigned a composite
/// literal, its address, a `make`/`new`, a function literal or a call's
/// result. The receiver, parameters, range variables, values received
/// from a channel or read from fields already live elsewhere: a timer
/// holding only those (`time.AfterFunc(gcDelay, func() { r.drop(name) })`
/// per idle tenant, a requeue of a received task) keeps nothing alive that
/// would be freed, and fires once. In a loop the local must be made in
/// the iteration (declared in the loop's body): one made before the loop
/// is shared by every iteration's timer and does not pile up. Reached
/// per event, a receiver or
/// parameter whose type is built per request or event is fresh too.
fn holds_fresh(cx: &PackageContext, f: &Func, cb: &Expr, per: Per) -> bool {
    let Some(view) = cx.types(f.file) else {
        return true;
    };
    let m = view.model();
    let inside = cb.span();
    // Per iteration, what piles up is what each iteration makes: a value
    // made before the loop is one value, shared by every timer.
    let (from, to) = match per {
        Per::Iteration => crate::syntax::innermost_loop(f.body, inside)
            .map_or((f.body.pos(), f.body.end()), |(_, b)| (b.pos(), b.end())),
        _ => (f.body.pos(), f.body.end()),
    };
    let mut used: Vec<letgo_types::model::ObjId> = Vec::new();
    // Reached per event, the receiver or a parameter may be that event's
    // own value (a connection built per accept): fresh when its type is
    // built per request or event somewhere in the run.
    let mut per_event_value = false;
    let growth = if per == Per::Call { cx.growth() } else { None };
    let root = match cb.unparen() {
        Expr::FuncLit(l) => Node::Block(&l.body),
        other => Node::Expr(other),
    };
    letgo_go::visit::inspect(root, &mut |n| {
        if let Node::Ident(id) = n {
            if let Some(o) = view.object_of(id) {
                let local = m.obj(o).kind == letgo_types::model::ObjKind::Var
                    && m.obj(o).pos.is_some_and(|(_, off)| {
                        from <= off && off < to && !(inside.start <= off && off < inside.end)
                    });
                if local && !used.contains(&o) {
                    used.push(o);
                }
                let outer = m.obj(o).kind == letgo_types::model::ObjKind::Var
                    && !m.is_package_level(o)
                    && m.obj(o).pos.is_some_and(|(_, off)| off < f.body.pos());
                if outer && growth.is_some_and(|g| g.built_per_request(cx, f, &Expr::Ident(*id))) {
                    per_event_value = true;
                }
            }
        }
        true
    });
    if per_event_value {
        return true;
    }
    if used.is_empty() {
        return false;
    }
    let fresh_value = |x: &Expr| match x.unparen() {
        Expr::CompositeLit(_) | Expr::FuncLit(_) | Expr::Call(_) => true,
        Expr::Unary(u) => u.op == letgo_go::token::Token::And,
        _ => false,
    };
    let mut fresh = false;
    letgo_go::visit::inspect(Node::Block(f.body), &mut |n| {
        let pairs: Vec<(&letgo_go::ast::Ident, Option<&Expr>)> = match n {
            Node::Stmt(Stmt::Assign(a)) => a
                .lhs
                .iter()
                .enumerate()
                .filter_map(|(i, l)| match l.unparen() {
                    Expr::Ident(id) => Some((
                        id,
                        if a.lhs.len() == a.rhs.len() {
                            a.rhs.get(i)
                        } else {
                            a.rhs.first()
                        },
                    )),
                    _ => None,
                })
                .collect(),
            Node::Stmt(Stmt::Decl(g)) => g
                .specs
                .iter()
                .filter_map(|sp| match sp {
                    letgo_go::ast::Spec::Value(vs) => Some(vs),
                    _ => None,
                })
                .flat_map(|vs| {
                    vs.names.iter().enumerate().map(move |(i, id)| {
                        (
                            id,
                            if vs.names.len() == vs.values.len() {
                                vs.values.get(i)
                            } else {
                                vs.values.first()
                            },
                        )
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        for (id, value) in pairs {
            let is_used = view.object_of(id).is_some_and(|o| used.contains(&o));
            if is_used && value.is_some_and(fresh_value) {
                fresh = true;
            }
        }
        !fresh
    });
    fresh
}
