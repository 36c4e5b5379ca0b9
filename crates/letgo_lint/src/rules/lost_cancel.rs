//! LG106 lost-cancel.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::escape::{fate, Fate, Value};
use crate::flow::{pending_at_iteration_end, pending_exits, Exit, Obligation};
use crate::funcs::{Func, FuncKind};
use crate::objects::{declared_in, place_path, Identity, LocalVar};
use crate::registry::Rule;
use crate::syntax::{
    ident_name, indentation_at, innermost_loop, mentions, never_returns, statements, StmtSite,
};
use crate::timers::{settled_duration, LONG_DELAY};
use letgo_go::ast::{BlockStmt, CallExpr, Expr, Ident, Span, Spec, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use std::cell::RefCell;

pub const RULE: Rule = Rule {
    code: "LG106",
    name: "lost-cancel",
    summary: "the cancel function of a derived context is not called on every path",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG106 lost-cancel

## What it does
Flags a `context.WithCancel`, `WithTimeout`, `WithDeadline` (or their
`...Cause` forms, and those of `golang.org/x/net/context`, the package
`context` started as) whose cancel function is discarded, is not called on
every path out of the function, or is stored in an unexported field that
nothing in the package ever calls. It finds everything `go vet`'s
`lostcancel` finds whose context keeps something alive (see below: a
short constant timeout, or a `WithCancel` of `Background` that nothing
keeps, is vet's alone), and also `_ = cancel` and cancel functions
parked in fields. For a cancel parked in a field, a goroutine the function starts
with the context (`go func() { <-ctx.Done() }()`, or `go r.wait(ctx)` of
a function of the same file) that waits on a bare `<-ctx.Done()` is named
as a related place: that receive is where the goroutine leaks, the
frame a goroutine dump shows.

Two more shapes lose a context though `cancel` is called somewhere:
- the cancel variable is assigned again (`ctx, cancel = context.WithTimeout(...)`,
  `cancel = nil`) on a path where the earlier cancel was neither called
  nor deferred nor handed on: the finding points at that assignment, where
  the earlier context is lost. An assignment inside `if _, ok :=
  X.Deadline(); !ok` is not such a path when the earlier call was a
  `WithTimeout`/`WithDeadline` that assigned its context to `X` (and
  nothing assigned `X` since): that context always has a deadline, so
  the branch runs only where `X` came from elsewhere;
- `defer cancel()` inside the loop that makes the context, when the loop
  runs as long as its goroutine and some iteration goes on without
  cancelling: the deferred calls run only when the function returns. A
  loop runs as long as its goroutine when it is a `range` over a channel,
  or a `for` without a condition that either has no way out at all or
  waits for the next event in every iteration (at its top level: a
  `select` without `default`, a receive, `time.Sleep`): a loop driven by
  ticks, messages or polling. A `for` without a condition that does not
  wait is a sequence of steps (an authentication that follows redirects
  or delegations, a retry without a pause) that ends with its work: each
  step's deferred cancel waits only for that work, and it is left alone.
  A loop over a slice is left
  alone (its deferred calls wait only for the call to end), and so is a
  `select` case that receives from a `time.Timer`'s channel the loop
  never resets (`case <-fallback.C:`; a `Reset` only under
  `if t.Stop()`, when it had not fired, keeps it one firing): a timer
  fires once, so that case makes one context, not one per iteration.

A lost cancel is reported only when the context keeps something alive
for long, as a reviewer would ask. A `WithTimeout` whose timeout is a
constant under a minute (or a package variable declared with one that
no non-test code assigns), and a `WithDeadline` of `time.Now().Add` of
such a constant, are left alone: the context's own timer cancels it,
and unregisters it from its parent, within that time (vet's
`lostcancel` style, but nothing piles up). So is a `WithCancel` of
`context.Background()` or `context.TODO()`: those parents are never
done and keep no list of children, and no timer runs, so the context is
collected with its last reference, unless it outlives the function —
stored in a field, an element or a struct literal, returned, sent,
captured by a closure — or a `go` statement of the function is handed
it: whoever holds it may wait for a cancel nobody can call. A timeout that is not a constant, one of a
minute or more, or any parent that can be cancelled (a request's
context, a server's) still counts, and so does a project's wrapper that
returns a cancel function (its timeout is not in view).

The call is found by type, from the semantic model: any call whose second
result is a `context.CancelFunc` or `context.CancelCauseFunc` (the
`context` functions however the package is imported, and a project's
wrapper that returns one). The cancel variable, the context and the field
are followed by their objects: a variable of the same name in an inner
block is another variable, and a field of the same name in another type
being called does not count. Where the types are unknown, there is no
finding.

Code only tests run is left alone outside `_test.go` files: a package
that exists only for tests (as LG301 judges one: a helper named like
`httptest` that imports `testing`, a path segment `test`, `e2e`,
`fake…`, `mock…`, `…testing`, `…testutil`, or one only tests import),
and a test's harness (a function taking a `*testing.T`, `*testing.B`,
`*testing.F` or `testing.TB`, or a method of a type holding one: only
`go test` makes such a value). What it leaves behind lives as long as
the test binary.

A context lost by a function that runs once per process (`main`, `init`, a
cobra/urfave/ffcli command's action, or what only such functions call
or start outside loops, in a package other modules cannot import; a
loop over a collection (a slice, map, array, string or integer, whose
size is fixed when the loop starts) runs its body a number of times the
input bounds, reached once, and is not a loop here, while a `for`
statement or a range over a channel or an iterator is; the full
judgement is in the README, "runs once per process") is lost at most once and would
live as long as the process anyway (a signal context made at the top of
`main`): no finding there, unless the context is made in a loop.
`go vet`'s lostcancel still reports it.

## Why is this bad?
A derived context stays registered with its parent until it is cancelled:
the child, its goroutine-free timer and everything its values reference
live as long as the parent (often the whole process, for
`context.Background()`). A `WithTimeout` context is released only when its
deadline passes, which under load is a steady staircase of live contexts.

## Example
```go
func fetch(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err // cancel is never called on this path
	}
	defer cancel()
	return do(req)
}
```

## Use instead
```go
func fetch(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	...
}
```
Returning the cancel function to the caller, or handing it to a
goroutine that calls it, also counts as calling it.

```go
ctx, cancel := context.WithTimeout(parent, time.Second)
if err := try(ctx); err == nil {
	cancel()
	return nil
}
ctx, cancel = context.WithTimeout(parent, 5*time.Second) // the first is lost
```
Call `cancel()` before reusing the variable, or keep both
(`defer cancel()` right after each call: `defer` takes the function value
at once). In a long-running loop, call `cancel()` at the end of each
iteration instead of deferring it.

## Fix safety
An overwritten cancel and a deferred cancel in a long-running loop get no
fix: where the call goes depends on the iteration's paths.
`defer cancel()` right after the call (naming a discarded `_` `cancel`
when that name is free) is safe only when nothing made from the context
outlives the function: the context, and every value assigned from it
(`req` from `http.NewRequestWithContext(ctx, ...)`, a `WithValue` child,
a struct holding it), is used only through `Err`, `Done`, `Deadline`
and `Value`, the standard library's context constructors, and functions
of the package that do the same.

The fix is display-only when the context leaves the function, since
cancelling it at return would cancel it for whoever holds it: it is
returned (also as a named result, by a bare `return`), stored in a
field, an element, a package variable or a variable of an enclosing
function, sent on a channel, or captured by a closure or goroutine
(which may run after the return). Example: `func base(p
context.Context) (ctx context.Context, cancel func())` that assigns both
from `context.WithCancel(p)` and ends with a bare `return` hands both to
its caller, so it is not flagged at all; with only `ctx` a named result
it is flagged, and the fix is only shown.

The fix is unsafe when the context is passed to any other call (it may
keep it: `client.Do(req)`, `cmd.Start()`, a function of another package)
and inside a loop, where the deferred calls pile up until the function
returns.
"#;

/// What the cancel function is assigned to.
enum Target<'a> {
    Blank(&'a Ident),
    Local(&'a Ident, LocalVar<'a>),
    Field {
        name: &'a str,
        field: (u32, u32, u32),
        span: Span,
    },
}

struct Def<'a> {
    site: StmtSite<'a>,
    /// The call that makes the context.
    call: &'a CallExpr,
    /// The callee as messages name it: `context.WithTimeout`, or a
    /// wrapper as written (`util.WithTimeout`).
    ctor: String,
    /// The cancel function takes a cause (`context.CancelCauseFunc`).
    cause: bool,
    /// The context variable (`ctx` of `ctx, cancel := ...`), not `_`.
    ctx: Option<&'a Ident>,
    /// Where the context goes (`ctx`, `o.ctx`) by the objects along it,
    /// not `_`.
    ctx_place: Option<Vec<Identity>>,
    /// The context goes straight into a field, element or pointer target
    /// (`s.ctx, s.cancel = ...`).
    ctx_stored: bool,
    target: Target<'a>,
    /// `:=` or a `var` declaration (a new name may be introduced).
    declares: bool,
}

/// A cancel function stored in a field: the field (by its object), its
/// name, where, and in which function.
struct FieldStore<'a> {
    file: usize,
    name: &'a str,
    field: (u32, u32, u32),
    span: Span,
    func: String,
    /// Where a goroutine started with the context waits for its end.
    waits: Option<Span>,
}

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let mut field_stores: Vec<FieldStore> = Vec::new();
    for f in cx.functions() {
        // What a test's harness loses lives as long as the test binary.
        // The engine drops harness findings for every rule; skipping here
        // also keeps a harness's stores out of `field_stores`, whose
        // findings are reported in the function that stores.
        if crate::test_harness::harness_code(cx, f) {
            continue;
        }
        for site in f.sites.iter().copied() {
            let Some(def) = cancel_def(cx, f.file, site) else {
                continue;
            };
            // A lost cancel is a leak only when the context keeps
            // something alive for long.
            if releases_itself(cx, f, &def) {
                continue;
            }
            // A command's function that runs once loses at most one
            // context, which lives as long as the process anyway.
            if crate::once::runs_once(cx, f)
                && !crate::once::in_unbounded_loop(cx, f, site.stmt.span().start)
            {
                continue;
            }
            let diag = match def.target {
                Target::Blank(blank) => discarded(cx, f, &def, blank),
                // A cancel func of an enclosing function is called there.
                Target::Local(id, _) if !declared_in(cx, f, id) => None,
                Target::Local(id, var) => {
                    for (name, field, span) in stores_into_fields(f.body, var) {
                        field_stores.push(FieldStore {
                            file: f.file,
                            name,
                            field,
                            span,
                            func: f.name.clone(),
                            waits: def.ctx.and_then(|ctx| done_waiter(cx, f, ctx)),
                        });
                    }
                    not_on_every_path(cx, f, &def, (id, var))
                }
                Target::Field { name, field, span } => {
                    field_stores.push(FieldStore {
                        file: f.file,
                        name,
                        field,
                        span,
                        func: f.name.clone(),
                        waits: def.ctx.and_then(|ctx| done_waiter(cx, f, ctx)),
                    });
                    None
                }
            };
            if let Some(d) = diag {
                out.push(FileDiagnostic {
                    file: f.file,
                    diagnostic: d.in_function(&f.name),
                });
            }
        }
    }
    for st in field_stores {
        if is_exported(st.name) || field_is_read(cx, st.field) {
            continue;
        }
        let msg = format!(
            "the cancel function stored in field `{}` is never called in this package",
            st.name
        );
        let mut d = Diagnostic::new(RULE.code, st.span, msg).in_function(st.func);
        if let Some(at) = st.waits {
            d = d.with_related(
                at,
                "a goroutine started with the context waits here for a cancel nobody calls",
            );
        }
        out.push(FileDiagnostic {
            file: st.file,
            diagnostic: d,
        });
    }
}

/// Whether the context `def` makes keeps nothing alive for long though
/// its cancel is lost: a `WithTimeout` (`WithDeadline` of `time.Now()`
/// plus a duration) of a constant under a minute, whose own timer
/// cancels it and unregisters it from its parent within that time; or a
/// `WithCancel` of `context.Background()`/`TODO()`, which registers
/// nowhere (those parents are never done, so they keep no children) and
/// runs no timer, so it is collected with its last reference — unless
/// the context is stored (a field, an element, a struct literal),
/// returned, sent, captured by a closure or handed to a goroutine the
/// function starts: whoever holds it may wait for a cancel nobody can
/// call. Only `context`'s own
/// constructors are judged: a project's wrapper hides its timeout.
fn releases_itself(cx: &PackageContext, f: &Func, def: &Def) -> bool {
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    let m = view.model();
    let Some(o) = view.object_of_expr(&def.call.fun) else {
        return false;
    };
    if !is_context_pkg(m.pkg_path(o)) {
        return false;
    }
    let arg = |i: usize| def.call.args.get(i);
    match &*m.obj(o).name {
        "WithTimeout" | "WithTimeoutCause" => arg(1)
            .and_then(|d| settled_duration(cx, f.file, d))
            .is_some_and(|n| n < LONG_DELAY),
        "WithDeadline" | "WithDeadlineCause" => arg(1)
            .and_then(|d| from_now(cx, f.file, d))
            .is_some_and(|n| n < LONG_DELAY),
        "WithCancel" | "WithCancelCause" => {
            arg(0).is_some_and(|p| never_done(cx, f.file, p))
                && !def.ctx_stored
                && !def
                    .ctx
                    .is_some_and(|ctx| handed_to_goroutine(cx, f, ctx) || kept(cx, f, ctx))
        }
        _ => false,
    }
}

/// `time.Now().Add(d)` with `d` a constant duration: `d`.
fn from_now(cx: &PackageContext, file: usize, x: &Expr) -> Option<u64> {
    let Expr::Call(add) = x.unparen() else {
        return None;
    };
    let Expr::Selector(sel) = add.fun.unparen() else {
        return None;
    };
    let now = crate::timers::time_call(cx, file, &sel.x).is_some_and(|(n, _)| n == "Now");
    if !now || sel.sel.name(&cx.file(file).src) != "Add" {
        return None;
    }
    settled_duration(cx, file, add.args.first()?)
}

/// `context.Background()` or `context.TODO()`, by the callee's object.
fn never_done(cx: &PackageContext, file: usize, x: &Expr) -> bool {
    let Expr::Call(c) = x.unparen() else {
        return false;
    };
    let Some(view) = cx.types(file) else {
        return false;
    };
    let m = view.model();
    view.object_of_expr(&c.fun).is_some_and(|o| {
        is_context_pkg(m.pkg_path(o)) && matches!(&*m.obj(o).name, "Background" | "TODO")
    })
}

/// Whether `f` keeps the context variable `ctx` itself beyond its calls:
/// as an element of a composite literal (`&Client{ctx: ctx}`), the value
/// assigned to a field, element or pointer target, a value sent or
/// returned, or a variable a closure captures. Passing it to a call is
/// not keeping it.
fn kept(cx: &PackageContext, f: &Func, ctx: &Ident) -> bool {
    let Some(view) = cx.types(f.file) else {
        return true;
    };
    let Some(obj) = view.object_of(ctx) else {
        return true;
    };
    let is_ctx = |x: &Expr| matches!(x.unparen(), Expr::Ident(i) if view.object_of(i) == Some(obj));
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        match n {
            Node::Expr(Expr::CompositeLit(l)) => {
                found |= l.elts.iter().any(|e| match e {
                    Expr::KeyValue(kv) => is_ctx(&kv.value),
                    e => is_ctx(e),
                });
            }
            Node::Stmt(Stmt::Assign(a)) => {
                found |= a
                    .lhs
                    .iter()
                    .zip(&a.rhs)
                    .any(|(l, r)| !matches!(l.unparen(), Expr::Ident(_)) && is_ctx(r));
            }
            Node::Stmt(Stmt::Send(snd)) => found |= is_ctx(&snd.value),
            Node::Stmt(Stmt::Return(r)) => found |= r.results.iter().any(is_ctx),
            Node::Expr(lit @ Expr::FuncLit(_)) => {
                inspect(Node::Expr(lit), &mut |n| {
                    found |= matches!(n, Node::Ident(i) if view.object_of(i) == Some(obj));
                    !found
                });
                return false;
            }
            _ => {}
        }
        !found
    });
    found
}

/// Whether a `go` statement of `f` mentions the variable `ctx` (starts a
/// function with it or a literal capturing it).
fn handed_to_goroutine(cx: &PackageContext, f: &Func, ctx: &Ident) -> bool {
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    let Some(obj) = view.object_of(ctx) else {
        return true;
    };
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Stmt(go @ Stmt::Go(_)) = n {
            inspect(Node::stmt(go), &mut |n| {
                found |= matches!(n, Node::Ident(i) if view.object_of(i) == Some(obj));
                !found
            });
        }
        !found
    });
    found
}

/// Where a goroutine that `f` starts with the context `ctx` waits for it
/// to end: a bare `<-c.Done()` (not a `select` case, which has other ways
/// out) in a `go func() {...}()` that captures `ctx`, or in a
/// same-package function `go g(ctx)` hands it to, on its parameter. With
/// the cancel lost, that receive is where the goroutine leaks.
fn done_waiter(cx: &PackageContext, f: &Func, ctx: &Ident) -> Option<Span> {
    let view = cx.types(f.file)?;
    let m = view.model();
    let ctx_id = m.identity(view.object_of(ctx)?);
    let mut found = None;
    inspect(Node::Block(f.body), &mut |n| {
        let Node::Stmt(Stmt::Go(g)) = n else {
            return found.is_none();
        };
        found = found.or_else(|| go_waits(cx, f.file, &g.call, ctx_id));
        found.is_none()
    });
    found
}

fn go_waits(
    cx: &PackageContext,
    file: usize,
    call: &letgo_go::ast::CallExpr,
    ctx_id: (u32, u32, u32),
) -> Option<Span> {
    let view = cx.types(file)?;
    let m = view.model();
    let is_ctx = |x: &Expr| matches!(x.unparen(), Expr::Ident(i) if view.object_of(i).is_some_and(|o| m.identity(o) == ctx_id));
    if let Expr::FuncLit(lit) = call.fun.unparen() {
        return bare_done(cx, file, &lit.body, ctx_id);
    }
    let arg = call.args.iter().position(is_ctx)?;
    let callee = m.identity(view.object_of_expr(&call.fun)?);
    cx.functions().iter().find_map(|g| {
        // The related place is read in the finding's file.
        let FuncKind::Decl(d) = g.kind else {
            return None;
        };
        if g.file != file {
            return None;
        }
        let gv = cx.types(g.file)?;
        if gv.object_of(&d.name).map(|o| gv.model().identity(o)) != Some(callee) {
            return None;
        }
        let param = g.typ.params.list.iter().flat_map(|p| &p.names).nth(arg)?;
        let pid = gv.model().identity(gv.object_of(param)?);
        bare_done(cx, g.file, g.body, pid)
    })
}

/// A bare `<-v.Done()` statement in `body` (not in nested literals), `v`
/// the variable `var`.
fn bare_done(
    cx: &PackageContext,
    file: usize,
    body: &letgo_go::ast::BlockStmt,
    var: (u32, u32, u32),
) -> Option<Span> {
    let view = cx.types(file)?;
    let m = view.model();
    let src = &cx.file(file).src;
    let mut found = None;
    inspect(Node::Block(body), &mut |n| match n {
        Node::Expr(Expr::FuncLit(_)) | Node::Stmt(Stmt::Select(_)) => false,
        Node::Expr(Expr::Unary(u)) if u.op == Token::Arrow => {
            if let Expr::Call(c) = u.x.unparen() {
                if let Expr::Selector(sel) = c.fun.unparen() {
                    let on_var = matches!(sel.x.unparen(), Expr::Ident(i)
                        if view.object_of(i).is_some_and(|o| m.identity(o) == var));
                    if on_var && c.args.is_empty() && sel.sel.name(src) == "Done" {
                        found = found.or(Some(Span::new(u.op_pos, c.end())));
                    }
                }
            }
            true
        }
        _ => found.is_none(),
    });
    found
}

/// `ctx, cancel := <call>` (or `=`, or a `var` declaration) where the
/// call's second result is a `context.CancelFunc` or
/// `context.CancelCauseFunc`, by type: `context.WithTimeout` however
/// `context` is imported, or a function of the project that returns one.
fn cancel_def<'a>(cx: &PackageContext<'a>, file: usize, site: StmtSite<'a>) -> Option<Def<'a>> {
    let src = &cx.file(file).src;
    let (lhs, rhs, declares): (Vec<&'a Expr>, &'a Expr, bool) = match site.stmt {
        Stmt::Assign(a) if a.lhs.len() == 2 && a.rhs.len() == 1 => {
            (a.lhs.iter().collect(), &a.rhs[0], a.tok == Token::Define)
        }
        // `var ( start = time.Now(); ctx, cancel = context.WithTimeout(...) )`:
        // the first spec that makes a context.
        Stmt::Decl(g) if g.tok == Token::Var => {
            return g.specs.iter().find_map(|spec| {
                let Spec::Value(v) = spec else {
                    return None;
                };
                if v.names.len() != 2 || v.values.len() != 1 {
                    return None;
                }
                var_def(cx, file, site, v)
            });
        }
        _ => return None,
    };
    let (ctor, cause) = constructor(cx, file, rhs)?;
    let Expr::Call(call) = rhs.unparen() else {
        return None;
    };
    let view = cx.types(file)?;
    let target = match lhs[1].unparen() {
        Expr::Ident(id) if id.name(src) == "_" => Target::Blank(id),
        Expr::Ident(id) => Target::Local(id, LocalVar::at(view, id)?),
        Expr::Selector(sel) => {
            let field = view.object_of(&sel.sel)?;
            Target::Field {
                name: sel.sel.name(src),
                field: view.model().identity(field),
                span: lhs[1].span(),
            }
        }
        _ => return None,
    };
    let ctx = match lhs[0].unparen() {
        Expr::Ident(id) if id.name(src) != "_" => Some(id),
        _ => None,
    };
    Some(Def {
        site,
        call,
        ctor,
        cause,
        ctx,
        ctx_place: place_path(&view, lhs[0]),
        ctx_stored: ident_name(lhs[0], src).is_none(),
        target,
        declares,
    })
}

fn var_def<'a>(
    cx: &PackageContext<'a>,
    file: usize,
    site: StmtSite<'a>,
    v: &'a letgo_go::ast::ValueSpec,
) -> Option<Def<'a>> {
    let src = &cx.file(file).src;
    let (ctor, cause) = constructor(cx, file, &v.values[0])?;
    let Expr::Call(call) = v.values[0].unparen() else {
        return None;
    };
    let view = cx.types(file)?;
    let cancel = &v.names[1];
    let target = if cancel.name(src) == "_" {
        Target::Blank(cancel)
    } else {
        Target::Local(cancel, LocalVar::at(view, cancel)?)
    };
    let ctx = Some(&v.names[0]).filter(|n| n.name(src) != "_");
    Some(Def {
        site,
        call,
        ctor,
        cause,
        ctx,
        ctx_place: ctx
            .and_then(|c| view.object_of(c))
            .map(|o| vec![view.model().identity(o)]),
        ctx_stored: false,
        target,
        declares: true,
    })
}

/// If `x` is a call whose results are two, the second a cancel function:
/// how messages name the callee, and whether the cancel function takes a
/// cause. An unknown type is out of view.
fn constructor(cx: &PackageContext, file: usize, x: &Expr) -> Option<(String, bool)> {
    let Expr::Call(call) = x.unparen() else {
        return None;
    };
    let view = cx.types(file)?;
    let m = view.model();
    let results = m.results(view.type_of(x)?);
    let [_, cancel] = results.as_slice() else {
        return None;
    };
    let cause = m.is_named(*cancel, "context", "CancelCauseFunc");
    // golang.org/x/net/context is the package `context` started as; code
    // from before Go 1.7 (and its vendored copies) still uses it.
    let cancel_func = m
        .named(*cancel)
        .is_some_and(|(p, n)| n == "CancelFunc" && is_context_pkg(p));
    if !cause && !cancel_func {
        return None;
    }
    let callee = view.object_of_expr(&call.fun);
    let name = match callee {
        Some(o) if is_context_pkg(m.pkg_path(o)) => {
            format!("context.{}", m.obj(o).name)
        }
        _ => cx.text(file, call.fun.span()).to_string(),
    };
    Some((name, cause))
}

/// `context`, or `golang.org/x/net/context` (also as a GOPATH-era
/// vendored copy, `<project>/vendor/golang.org/x/net/context`).
fn is_context_pkg(path: &str) -> bool {
    path == "context"
        || path == "golang.org/x/net/context"
        || path.ends_with("/vendor/golang.org/x/net/context")
}

fn discarded(cx: &PackageContext, f: &Func, def: &Def, blank: &Ident) -> Option<Diagnostic> {
    let (file, body) = (f.file, f.body);
    let msg = format!(
        "the cancel function returned by {} is discarded; the context leaks until its parent is done",
        def.ctor
    );
    let span = Span::new(blank.pos, blank.end);
    let mut d = Diagnostic::new(RULE.code, span, msg);
    let src = &cx.file(file).src;
    let name_is_free = !mentions(Node::Block(body), "cancel", src);
    // In a `var ( ... )` block of several specs gofmt aligns the `=`s:
    // a longer name would leave the block unformatted.
    let aligned = matches!(def.site.stmt, Stmt::Decl(g) if g.specs.len() > 1);
    if def.declares && def.site.in_list && name_is_free && !aligned {
        let mut edits = vec![Edit::replace(span, "cancel")];
        edits.push(defer_after(src, def.site.stmt.span(), "cancel", def.cause));
        d = d.with_fix(fix(cx, f, def, edits));
    }
    Some(d)
}

fn not_on_every_path(
    cx: &PackageContext,
    f: &Func,
    def: &Def,
    (id, var): (&Ident, LocalVar),
) -> Option<Diagnostic> {
    let (file, body) = (f.file, f.body);
    let sf = cx.file(file);
    let name = id.name(&sf.src);
    let ob = CancelCalled::new(def.site.stmt.span(), var, &sf.src, is_named_result(f, var));
    let exits = pending_exits(body, &sf.src, &ob);
    let lost = ob
        .lost
        .borrow()
        .iter()
        .filter(|&&at| !has_deadline_there(cx, f, def, at))
        .min_by_key(|s| s.start)
        .copied();
    if let Some(lhs) = lost {
        let (def_line, _) = sf.line_col(id.pos);
        let msg = format!(
            "`{name}` from {} (line {def_line}) is overwritten before it is called: the earlier context is lost here and stays registered with its parent",
            def.ctor
        );
        return Some(Diagnostic::new(RULE.code, lhs, msg));
    }
    if let Some(d) = deferred_in_long_loop(cx, f, def, (id, var)) {
        return Some(d);
    }
    let exit = *exits.first()?;
    let (line, _) = sf.line_col(exit.offset());
    let how = match exit {
        Exit::Return(_) => format!("the return at line {line} leaks the context"),
        Exit::End(_) => format!("the function ends at line {line} without it"),
    };
    let msg = format!(
        "`{name}` from {} is not called on every path: {how}",
        def.ctor
    );
    let mut d = Diagnostic::new(RULE.code, Span::new(id.pos, id.end), msg);
    if def.site.in_list {
        let edits = vec![defer_after(&sf.src, def.site.stmt.span(), name, def.cause)];
        d = d.with_fix(fix(cx, f, def, edits));
    }
    Some(d)
}

/// Whether the overwrite at `at` runs only where the context `def` made
/// has no deadline, which cannot be while it is `def`'s: it sits in `if
/// _, ok := X.Deadline(); !ok { ... }` with `X` the place `def` assigned
/// its context to (`o.ctx`), and `def` is a `WithTimeout`/`WithDeadline`
/// (whose context always has a deadline). The overwrite runs only on
/// paths where `X` came from elsewhere, when `def`'s cancel was not
/// made. `X` assigned again between the two is not such a path.
fn has_deadline_there(cx: &PackageContext, f: &Func, def: &Def, at: Span) -> bool {
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    let m = view.model();
    let timed = view.object_of_expr(&def.call.fun).is_some_and(|o| {
        is_context_pkg(m.pkg_path(o))
            && matches!(
                &*m.obj(o).name,
                "WithTimeout" | "WithTimeoutCause" | "WithDeadline" | "WithDeadlineCause"
            )
    });
    let src = &cx.file(f.file).src;
    let Some(ctx) = def.ctx_place.as_deref().filter(|_| timed) else {
        return false;
    };
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Stmt(Stmt::If(i)) = n {
            let inside = i.body.lbrace <= at.start && at.end <= i.body.end();
            found |= inside && no_deadline_test(&view, i, ctx, src);
        }
        !found
    });
    found && !reassigned_between(&view, f, ctx, def.site.stmt.span(), at)
}

/// `if _, ok := X.Deadline(); !ok` with `X` the place `ctx`.
fn no_deadline_test(
    view: &letgo_types::FileView,
    i: &letgo_go::ast::IfStmt,
    ctx: &[Identity],
    src: &str,
) -> bool {
    let Some(Stmt::Assign(a)) = &i.init else {
        return false;
    };
    let ([_, ok], [Expr::Call(c)]) = (&a.lhs[..], &a.rhs[..]) else {
        return false;
    };
    let Expr::Selector(sel) = c.fun.unparen() else {
        return false;
    };
    let Some(ok) = view.object_of_expr(ok) else {
        return false;
    };
    let negated = matches!(i.cond.unparen(), Expr::Unary(u)
        if u.op == Token::Not && view.object_of_expr(&u.x) == Some(ok));
    negated && sel.sel.name(src) == "Deadline" && place_path(view, &sel.x).as_deref() == Some(ctx)
}

/// Whether a statement strictly between `from` and `to` assigns the
/// place `ctx`.
fn reassigned_between(
    view: &letgo_types::FileView,
    f: &Func,
    ctx: &[Identity],
    from: Span,
    to: Span,
) -> bool {
    f.sites.iter().any(|s| match s.stmt {
        Stmt::Assign(a) => {
            let sp = s.stmt.span();
            sp.start > from.end
                && sp.end < to.start
                && a.lhs
                    .iter()
                    .any(|l| place_path(view, l).as_deref() == Some(ctx))
        }
        _ => false,
    })
}

/// `defer cancel()` inside the loop that makes the context, when that loop
/// runs until its goroutine ends (a `for` without condition, or a `range`
/// over a channel) and some iteration goes on with the cancel owed: the
/// deferred calls run only when the function returns, so every
/// iteration's context stays registered with its parent until then.
fn deferred_in_long_loop(
    cx: &PackageContext,
    f: &Func,
    def: &Def,
    (id, var): (&Ident, LocalVar),
) -> Option<Diagnostic> {
    let sf = cx.file(f.file);
    let (lp, loop_body) = innermost_loop(f.body, def.site.stmt.span())?;
    if !long_running(cx, f.file, lp) || once_timer_case(cx, f.file, loop_body, def.site.stmt.span())
    {
        return None;
    }
    let defer = statements(loop_body)
        .into_iter()
        .find(|s| matches!(s.stmt, Stmt::Defer(_)) && var.mentioned_in(Node::stmt(s.stmt)))?;
    let mut ob = CancelCalled::new(def.site.stmt.span(), var, &sf.src, false);
    ob.defers_count = false;
    if !pending_at_iteration_end(loop_body, &sf.src, &ob) {
        return None;
    }
    let (def_line, _) = sf.line_col(id.pos);
    let msg = format!(
        "`defer {}()` runs only when the function returns, and this loop runs until its goroutine ends: every iteration's context from {} (line {def_line}) stays registered with its parent until then",
        id.name(&sf.src),
        def.ctor
    );
    Some(Diagnostic::new(RULE.code, defer.stmt.span(), msg))
}

/// Whether `at` is in a `select` case of the loop body that receives
/// from a `time.Timer`'s channel (`case <-t.C:`) that the loop never
/// resets: a timer fires once, so that case runs at most once however
/// long the loop runs (a fallback started after a delay).
fn once_timer_case(cx: &PackageContext, file: usize, body: &BlockStmt, at: Span) -> bool {
    let Some(view) = cx.types(file) else {
        return false;
    };
    let src = &cx.file(file).src;
    let mut timer = None;
    inspect(Node::Block(body), &mut |n| {
        if let Node::CommClause(c) = n {
            let inside = c
                .body
                .iter()
                .any(|s| s.span().start <= at.start && at.end <= s.span().end);
            if inside {
                timer = c.comm.as_ref().and_then(|s| timer_received(&view, s));
            }
        }
        timer.is_none()
    });
    let Some(t) = timer else { return false };
    // A `Reset` of that timer in the loop re-arms it, unless it runs only
    // when `t.Stop()` returned true (the timer had not fired: it still
    // fires once in all).
    let calls = |c: &CallExpr, method: &str| {
        matches!(c.fun.unparen(), Expr::Selector(sel) if sel.sel.name(src) == method
            && place_path(&view, &sel.x).as_deref() == Some(&t[..]))
    };
    let mut rearms = false;
    let mut guarded: Vec<Span> = Vec::new();
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Stmt(Stmt::If(i)) if mentions_call(&i.cond, &|c| calls(c, "Stop")) => {
                guarded.push(Span::new(i.body.lbrace, i.body.end()));
            }
            Node::Call(c) if calls(c, "Reset") => {
                let at = c.pos();
                rearms |= !guarded.iter().any(|g| g.start <= at && at < g.end);
            }
            _ => {}
        }
        !rearms
    });
    !rearms
}

/// Whether expression `x` contains a call `pick` accepts.
fn mentions_call(x: &Expr, pick: &dyn Fn(&CallExpr) -> bool) -> bool {
    let mut found = false;
    inspect(Node::expr(x), &mut |n| {
        if let Node::Call(c) = n {
            found |= pick(c);
        }
        !found
    });
    found
}

/// `<-t.C` (or `v := <-t.C`) where `t.C` is a `*time.Timer`'s channel:
/// the place `t`, by its objects.
fn timer_received(view: &letgo_types::FileView, s: &Stmt) -> Option<Vec<Identity>> {
    let x = match s {
        Stmt::Expr(x) => x,
        Stmt::Assign(a) if a.rhs.len() == 1 => &a.rhs[0],
        _ => return None,
    };
    let Expr::Unary(u) = x.unparen() else {
        return None;
    };
    if u.op != Token::Arrow {
        return None;
    }
    let Expr::Selector(sel) = u.x.unparen() else {
        return None;
    };
    let m = view.model();
    let t = view.type_of(&sel.x)?;
    let src = &m.files[view.file_id().0 as usize].src;
    if !m.is_pointer_to(t, "time", "Timer") || sel.sel.name(src) != "C" {
        return None;
    }
    place_path(view, &sel.x)
}

/// A loop that runs as long as its goroutine: `for` without a condition,
/// or `range` over a channel.
fn long_running(cx: &PackageContext, file: usize, lp: &Stmt) -> bool {
    match lp {
        Stmt::For(f) => {
            let src = &cx.file(file).src;
            f.cond.is_none()
                && (crate::syntax::loop_exit(&f.body, src).is_none()
                    || waits_each_iteration(cx, file, &f.body))
        }
        Stmt::Range(r) => cx.types(file).is_some_and(|view| {
            let m = view.model();
            view.type_of(&r.x)
                .is_some_and(|t| matches!(m.ty(m.under_ro(t)), letgo_types::types::Type::Chan(..)))
        }),
        _ => false,
    }
}

/// Whether the loop body waits for the next event at its top level, so
/// in every iteration: a `select` without `default`, a receive (as a
/// statement or assigned), `time.Sleep`. Such a loop is driven by ticks,
/// messages or polling and lasts as long as they come; one that never
/// waits is a run of steps that ends with its work.
fn waits_each_iteration(cx: &PackageContext, file: usize, body: &BlockStmt) -> bool {
    let receive = |x: &Expr| matches!(x.unparen(), Expr::Unary(u) if u.op == Token::Arrow);
    let sleeps = |x: &Expr| {
        let Expr::Call(c) = x.unparen() else {
            return false;
        };
        cx.types(file).is_some_and(|view| {
            view.object_of_expr(&c.fun)
                .is_some_and(|o| view.model().is_func(o, "time", "Sleep"))
        })
    };
    body.list.iter().any(|s| match s {
        Stmt::Select(sel) => sel.body.clauses.iter().all(|c| c.comm.is_some()),
        Stmt::Expr(x) => receive(x) || sleeps(x),
        Stmt::Assign(a) => a.rhs.len() == 1 && receive(&a.rhs[0]),
        _ => false,
    })
}

/// Whether `var` is one of `f`'s named results (a bare `return` returns
/// it).
fn is_named_result(f: &Func, var: LocalVar) -> bool {
    f.typ.results.as_ref().is_some_and(|r| {
        r.list
            .iter()
            .flat_map(|fd| &fd.names)
            .any(|n| var.is_ident(n))
    })
}

/// The fix: display-only when the context leaves the function (cancelling
/// it at return would break whoever holds it), unsafe when it is handed
/// to a call that may keep it or the call is in a loop, safe otherwise.
fn fix(cx: &PackageContext, f: &Func, def: &Def, edits: Vec<Edit>) -> Fix {
    let ctx_fate = match def.ctx {
        _ if def.ctx_stored => Fate::Leaves,
        Some(ctx) if !declared_in(cx, f, ctx) => Fate::Leaves,
        Some(ctx) => match cx.types(f.file).and_then(|view| LocalVar::at(view, ctx)) {
            Some(ctx) => fate(cx, f, &[ctx], Value::Context),
            None => Fate::Leaves,
        },
        None => Fate::Stays,
    };
    let applicability = match ctx_fate {
        Fate::Leaves => Applicability::DisplayOnly,
        Fate::PassedOn => Applicability::Unsafe,
        Fate::Stays if def.site.in_loop => Applicability::Unsafe,
        Fate::Stays => Applicability::Safe,
    };
    Fix {
        message: format!(
            "call it when the function returns: `{}`",
            defer_text(&edits)
        ),
        applicability,
        edits,
    }
}

/// The `defer ...` statement a fix inserts, for its message.
fn defer_text(edits: &[Edit]) -> String {
    edits
        .iter()
        .find_map(|e| {
            e.content
                .trim()
                .strip_prefix("defer ")
                .map(|c| format!("defer {c}"))
        })
        .unwrap_or_default()
}

/// `\n<indent>defer name()` after `stmt`, and after a comment that ends
/// its line (so that the comment stays with the statement). A
/// `CancelCauseFunc` takes the cause: `defer cancel(nil)`.
fn defer_after(src: &str, stmt: Span, name: &str, cause: bool) -> Edit {
    let indent = indentation_at(src, stmt.start);
    let rest = &src[stmt.end as usize..];
    let eol = rest.find('\n').unwrap_or(rest.len());
    let at = if rest[..eol].trim_start().starts_with("//") {
        stmt.end + eol as u32
    } else {
        stmt.end
    };
    let arg = if cause { "nil" } else { "" };
    Edit::insert(at, format!("\n{indent}defer {name}({arg})"))
}

/// Assignments `x.field = cancel` in `body`: the field's name, its
/// object's identity, and the left side.
fn stores_into_fields<'a>(
    body: &'a letgo_go::ast::BlockStmt,
    var: LocalVar<'a>,
) -> Vec<(&'a str, (u32, u32, u32), Span)> {
    let m = var.view.model();
    let mut out = Vec::new();
    inspect(Node::Block(body), &mut |n| {
        if let Node::Stmt(Stmt::Assign(a)) = n {
            for (l, r) in a.lhs.iter().zip(&a.rhs) {
                let Expr::Selector(sel) = l.unparen() else {
                    continue;
                };
                let field = var.view.object_of(&sel.sel);
                if let (Some(field), true) = (field, var.is(r)) {
                    out.push((&*m.obj(field).name, m.identity(field), l.span()));
                }
            }
        }
        true
    });
    out
}

/// Whether the field (by its object) is read anywhere in the package
/// (anything but the left side of an assignment). A file the model does
/// not know counts as reading it: out of view, no finding.
fn field_is_read(cx: &PackageContext, field: (u32, u32, u32)) -> bool {
    cx.files().any(|(fi, sf)| {
        let Some(view) = cx.types(fi) else {
            return true;
        };
        let m = view.model();
        let mut assigned: Vec<Span> = Vec::new();
        let mut read = false;
        inspect(Node::File(&sf.ast), &mut |n| {
            match n {
                Node::Stmt(Stmt::Assign(a)) => assigned.extend(a.lhs.iter().map(Expr::span)),
                Node::Expr(Expr::Selector(sel))
                    if view
                        .object_of(&sel.sel)
                        .is_some_and(|o| m.identity(o) == field) =>
                {
                    let span = Span::new(sel.x.pos(), sel.sel.end);
                    read |= !assigned.contains(&span);
                }
                _ => {}
            }
            !read
        });
        read
    })
}

fn is_exported(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}

/// The obligation: after the definition, some use of the cancel variable
/// (by its object: a shadowing variable of the same name is not it).
struct CancelCalled<'s> {
    def: Span,
    var: LocalVar<'s>,
    src: &'s str,
    /// The cancel function is a named result: a bare `return` hands it to
    /// the caller.
    returned_bare: bool,
    /// Whether a `defer` statement meets it. Not when judging one
    /// iteration of a loop: a deferred call runs when the function
    /// returns.
    defers_count: bool,
    /// Where a path reached an assignment to the variable with the cancel
    /// still owed: the left side that overwrote it.
    lost: RefCell<Vec<Span>>,
}

impl<'s> CancelCalled<'s> {
    fn new(def: Span, var: LocalVar<'s>, src: &'s str, returned_bare: bool) -> Self {
        CancelCalled {
            def,
            var,
            src,
            returned_bare,
            defers_count: true,
            lost: RefCell::new(Vec::new()),
        }
    }

    /// If `stmt` assigns the variable anew (`ctx, cancel = ...` or
    /// `cancel = nil`, not the definition itself) without reading it, the
    /// left side that does.
    fn overwrites(&self, stmt: &Stmt) -> Option<Span> {
        let Stmt::Assign(a) = stmt else {
            return None;
        };
        if a.tok != Token::Assign || stmt.span() == self.def {
            return None;
        }
        if a.rhs.iter().any(|r| self.var.mentioned_in(Node::expr(r))) {
            return None;
        }
        a.lhs.iter().find(|l| self.var.is(l)).map(Expr::span)
    }
}

impl Obligation for CancelCalled<'_> {
    fn starts(&self, stmt: &Stmt) -> bool {
        stmt.span() == self.def
    }

    /// Called only on paths where the cancel is still owed: an assignment
    /// that overwrites the variable there loses the earlier context (it
    /// is recorded, and ends this obligation: the new value has its own).
    fn meets_stmt(&self, stmt: &Stmt) -> bool {
        if !self.defers_count && matches!(stmt, Stmt::Defer(_)) {
            return false;
        }
        if let Some(lhs) = self.overwrites(stmt) {
            self.lost.borrow_mut().push(lhs);
            return true;
        }
        if let Stmt::Assign(a) = stmt {
            // `_ = cancel` silences the compiler, not the leak.
            let blank = a.lhs.iter().all(|l| ident_name(l, self.src) == Some("_"));
            if blank && a.rhs.iter().all(|r| self.var.is(r)) {
                return false;
            }
        }
        self.var.mentioned_in(Node::stmt(stmt))
    }

    fn meets_expr(&self, expr: &Expr) -> bool {
        self.var.mentioned_in(Node::expr(expr))
    }

    fn meets_return(&self, results: &[Expr]) -> bool {
        (results.is_empty() && self.returned_bare) || results.iter().any(|r| self.meets_expr(r))
    }

    fn never_returns(&self, call: &CallExpr) -> bool {
        never_returns(call, self.src)
    }
}
