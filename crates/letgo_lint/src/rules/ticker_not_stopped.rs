//! LG202 ticker-not-stopped.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::flow::{pending_exits, Exit};
use crate::funcs::called_func;
use crate::funcs::Func;
use crate::objects::declared_in;
use crate::registry::Rule;
use crate::rules::goroutine_without_exit::{runs_once, started_only_once};
use crate::syntax::StmtSite;
use crate::timers::{
    defer_stop_fix, deferred_in_loop_message, deferred_stop_in_loop, forever_loop_receiving,
    leaking_builds, local_def, loop_leaves, makes, non_test_functions, process_lifetime,
    stopped_on_way_to, unstopped_timers_leak, Made, TimerReleased, TimerVar,
};
use letgo_go::ast::{Expr, Span, Stmt};
use letgo_go::visit::{inspect, Node};
use letgo_types::model::ObjKind;

pub const RULE: Rule = Rule {
    code: "LG202",
    name: "ticker-not-stopped",
    summary: "a time.NewTicker is not stopped on every path, or stored where nothing stops it",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG202 ticker-not-stopped

## What it does
Flags a `time.NewTicker`
- whose goroutine loops over it forever, never stopping it (on every Go
  version), unless that goroutine is a daemon started once: every `go`
  statement starting it is in the package and none can run more than
  once by LG116's judgement (not in a loop, not in a function shown to
  repeat), or the looping function itself runs once by LG116's call
  model (reached only from `main`/`init` through calls and `go`
  statements outside loops, like `refresher(d)` called at the end of a
  goroutine `main` starts, or given to a package-level `sync.Once` or
  to a `sync.Once` field of the package's only value of its type).
  In `package main`, which nothing imports, a method the package never
  calls is reached through an interface by a library (a command
  framework's `Run`): how often is not known, so it does not make the
  goroutines it starts repeat (elsewhere such a method is API, run for
  every value and every call).
  Only a `Stop` on the way to the loop counts: inside the loop,
  or before it (a goroutine started there included). A `Stop` after the
  loop is dead code, a deferred `Stop` never runs (the function never
  returns), and one on another branch is not on the loop's path;
- ranged over with `for range x.C` and no way out of the loop, outside
  `main` and `init` and functions LG116's call model shows run exactly
  once (reached only from `main`/`init` through calls and `go`
  statements outside loops, or given to such a `sync.Once`, or, in
  `package main`, whose every start is in view, a goroutine every `go`
  of which is a daemon's start by the judgement of the first case, such
  as a sampler a command's `Run` starts, and none in a literal given to
  a `sync.Once` (which may be a per-request value's): a
  `for range time.NewTicker(d).C` there lives as long as the process,
  as it means to), even when it is stopped (on every Go version):
  `Stop` does not close the channel, so the loop waits forever and its
  goroutine keeps what it references. For a ticker in a field the
  finding is at the loop;
- made inside a loop and stopped only by a `defer t.Stop()` in that loop,
  when some iteration can go on with it ticking (on every Go version: the
  deferred call keeps each iteration's ticker referenced, and ticking,
  until the function returns);
- assigned to a local that some path out of the function neither stops
  nor hands on. Receiving a tick does not end a ticker: a `return` inside
  `for range t.C`, or inside the tick case of a `select`, leaves it
  ticking;
- stored in a struct field that nothing in the package ever stops.

The last two are reported only for modules whose timers leak: a `go` line
below 1.23, no `go` line, no go.mod at all (GOPATH mode: Go 1.23–1.26
keep the old timers there; the message says which), or
`godebug asynctimerchan=1`.

Tickers are found by type and object, from the semantic model:
`time.NewTicker` however `time` is imported, or a function of the checked
packages that returns a `*time.Ticker` and calls `time.NewTicker` itself.
Only `(*time.Ticker).Stop` stops one; a field is the same field object (a
field of the same name in another type, with a `Stop` method of its own,
does not count). Where the types are unknown, there is no finding.

`_test.go` files are left alone: a test process is short-lived. So is a
test's harness kept in other files: a function that takes a
`*testing.T`, `*testing.B`, `*testing.F` or `testing.TB`, or a method of
a type holding one in a field (only `go test` makes such a value, so the
function runs only in a test binary).

## Why is this bad?
A ticker fires forever. Before Go 1.23 an unstopped ticker is never
collected: it stays in the runtime's timer heap, with its channel, for
the life of the process. On every version, a goroutine that loops over
`t.C` with no way out is woken on every tick and can never be reclaimed,
neither by the GC nor by Go's goroutine leak profile; started per
connection or per object, these pile up.

## Example
```go
func (c *conn) keepalive() {
	t := time.NewTicker(time.Minute)
	for {
		select {
		case <-t.C:
			c.ping()
		case <-c.done:
			return // t keeps ticking
		}
	}
}
```

## Use instead
```go
func (c *conn) keepalive() {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	...
}
```
A loop that must end with its owner needs a way out (`case <-ctx.Done():
return`), and then a `defer t.Stop()`.

## Fix safety
A ticker stopped by a deferred call in its loop gets no fix: the `Stop`
belongs in the iteration. For a local ticker, `defer t.Stop()` right after the call is safe when the
ticker stays in the function (it is only received from, reset and
stopped); it is unsafe when the ticker is handed on, and display-only
inside a loop, where the deferred calls pile up. A loop without exit and a ticker in a
field get no fix: they need an owner's decision about when to stop. The
fix is display-only when the ticker leaves the function (returned,
stored, sent, or received from in a closure or goroutine): it is meant
to tick after the return.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let leaks = unstopped_timers_leak(cx);
    for f in non_test_functions(cx) {
        for site in f.sites.iter().copied() {
            let diag = match local_def(cx, f.file, site.stmt, Made::Ticker) {
                // A ticker stored in a variable of an enclosing function
                // is that function's to stop.
                Some((id, var, _)) if declared_in(cx, f, id) => {
                    local_ticker(cx, f, site, (id, var), leaks)
                }
                Some(_) => None,
                None => {
                    let field = leaks.then(|| field_ticker(cx, f.file, site.stmt));
                    field.flatten().or_else(|| endless_range(cx, f, site.stmt))
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
}

fn local_ticker(
    cx: &PackageContext,
    f: &Func,
    site: StmtSite,
    (id, var): (&letgo_go::ast::Ident, TimerVar),
    leaks: bool,
) -> Option<Diagnostic> {
    let sf = cx.file(f.file);
    let name = id.name(&sf.src);
    let span = Span::new(id.pos, id.end);
    if let Some(defer) = deferred_stop_in_loop(f.body, site.stmt.span(), var, &sf.src, Made::Ticker)
    {
        let (line, _) = sf.line_col(defer);
        let msg = deferred_in_loop_message(name, Made::Ticker, line);
        return Some(Diagnostic::new(RULE.code, span, msg));
    }
    let forever = forever_loop_receiving(f.body, var, &sf.src);
    // A goroutine that loops forever holds its ticker as long as it
    // lives: a daemon started once (every `go` of it in view, none able
    // to run twice, as LG116 judges) keeps it as long as it is meant to.
    let endless = forever
        .filter(|_| !process_lifetime(&f.name))
        .filter(|_| !started_only_once(cx, f) && !runs_once(cx, f));
    // Stopped, but `for range t.C` does not end with it.
    if let Some(Stmt::Range(r)) = endless.filter(|l| stopped_on_way_to(f.body, l, var)) {
        let text = r.x.span().text(&sf.src);
        let msg = range_message(text, "ticker");
        return Some(Diagnostic::new(RULE.code, span, msg));
    }
    if endless.is_some_and(|l| !stopped_on_way_to(f.body, l, var)) {
        let msg = format!(
            "ticker `{name}` is never stopped and the loop receiving from it never exits: its goroutine wakes on every tick and is never reclaimed"
        );
        return Some(Diagnostic::new(RULE.code, span, msg));
    }
    if !leaks || forever.is_some() {
        // A loop that never exits: the function has no way out to leave
        // the ticker behind on (a daemon's, judged above).
        return None;
    }
    let ob = TimerReleased::new(site.stmt.span(), var, &sf.src, Made::Ticker);
    let exit = *pending_exits(f.body, &sf.src, &ob).first()?;
    let (line, _) = sf.line_col(exit.offset());
    let how = match exit {
        Exit::Return(_) => format!("the return at line {line} leaves it ticking"),
        Exit::End(_) => format!("the function ends at line {line} with it ticking"),
    };
    let msg = format!(
        "ticker `{name}` is not stopped on every path: {how}; it is never collected {}",
        leaking_builds(cx)
    );
    let mut d = Diagnostic::new(RULE.code, span, msg);
    if site.in_list {
        d = d.with_fix(defer_stop_fix(cx, f, site, name, var));
    }
    Some(d)
}

/// `x.f = time.NewTicker(d)` (or a wrapper's ticker) where nothing in the
/// package calls `.f.Stop()` on that field (the field by its object, the
/// `Stop` resolved to `(*time.Ticker).Stop`).
fn field_ticker(cx: &PackageContext, file: usize, stmt: &Stmt) -> Option<Diagnostic> {
    let Stmt::Assign(a) = stmt else {
        return None;
    };
    let (lhs, rhs) = (a.lhs.first()?, a.rhs.first()?);
    let Expr::Selector(sel) = lhs.unparen() else {
        return None;
    };
    if a.lhs.len() != 1 || !makes(cx, file, rhs, Made::Ticker) {
        return None;
    }
    let view = cx.types(file)?;
    let m = view.model();
    let field = view.object_of(&sel.sel)?;
    if m.obj(field).kind != ObjKind::Field || field_is_stopped(cx, m.identity(field)) {
        return None;
    }
    let msg = format!(
        "ticker stored in field `{}` is never stopped in this package; it is never collected {}",
        m.obj(field).name,
        leaking_builds(cx)
    );
    Some(Diagnostic::new(RULE.code, lhs.span(), msg))
}

/// Whether any `<...>.field.Stop()` call of `time`'s `Stop` is in the
/// package. A file the model does not know counts as stopping it: out of
/// view, no finding.
fn field_is_stopped(cx: &PackageContext, field: (u32, u32, u32)) -> bool {
    cx.files().any(|(fi, sf)| {
        let Some(view) = cx.types(fi) else {
            return true;
        };
        let m = view.model();
        let is = |e: &Expr| view.object_of_expr(e).map(|o| (m.identity(o), o));
        let mut stopped = false;
        inspect(Node::File(&sf.ast), &mut |n| {
            if let Node::Call(c) = n {
                if let Expr::Selector(stop) = c.fun.unparen() {
                    let inner = is(&stop.x).is_some_and(|(id, _)| id == field);
                    let time_stop = is(&c.fun).is_some_and(|(_, o)| m.is_func(o, "time", "Stop"));
                    stopped |= inner && time_stop;
                }
            }
            !stopped
        });
        stopped
    })
}

/// `for range x.C` over a ticker's (or timer's) channel, by type, with
/// nothing that leaves the loop, outside `main` and `init`: the channel
/// is never closed (`Stop` does not close it), so the loop never ends and
/// its goroutine, with everything it references, outlives the ticker.
fn endless_range(cx: &PackageContext, f: &Func, stmt: &Stmt) -> Option<Diagnostic> {
    let Stmt::Range(r) = stmt else {
        return None;
    };
    let src = &cx.file(f.file).src;
    if process_lifetime(&f.name) || loop_leaves(&r.body, src) {
        return None;
    }
    let Expr::Selector(sel) = r.x.unparen() else {
        return None;
    };
    // `t.C` of a local: the local's definition has the finding.
    if matches!(sel.x.unparen(), Expr::Ident(_)) {
        return None;
    }
    let view = cx.types(f.file)?;
    let m = view.model();
    let c = view.object_of(&sel.sel)?;
    let t = view.type_of(&sel.x)?;
    let what = ["Ticker", "Timer"]
        .into_iter()
        .find(|w| m.is_pointer_to(t, "time", w))?;
    if m.obj(c).kind != ObjKind::Field || &*m.obj(c).name != "C" {
        return None;
    }
    // A function the program runs exactly once (from `main` or `init`,
    // through calls and `go` statements outside loops), or, in `package
    // main` (nothing imports it, so every start is in view), a goroutine
    // started only once (LG116's judgement, as for a local ticker): its
    // loop is meant to last as long as the process. A library's
    // constructor may be called per request by whoever imports it.
    let command = cx.package.name == "main";
    if runs_once(cx, f) || (command && started_only_once(cx, f) && !started_under_once(cx, f)) {
        return None;
    }
    let msg = range_message(r.x.span().text(src), &what.to_lowercase());
    Some(Diagnostic::new(RULE.code, r.x.span(), msg))
}

/// Whether some `go` statement starting `target` sits in a literal given
/// to `(*sync.Once).Do` (by the callee's object): that `Once` may belong
/// to a value made per request (a session's keepalive), so it says
/// nothing of how often the goroutine starts.
fn started_under_once(cx: &PackageContext, target: &Func) -> bool {
    let funcs = cx.functions();
    (0..funcs.len()).any(|gi| {
        let g = &funcs[gi];
        g.sites.iter().any(|site| {
            matches!(site.stmt, Stmt::Go(go)
                if called_func(cx, g, &go.call).is_some_and(|b| std::ptr::eq(b, target)))
        }) && crate::fills_once::in_once_do(cx, funcs, gi)
    })
}

fn range_message(chan: &str, what: &str) -> String {
    format!(
        "`for range {chan}` never ends: a {what}'s channel is never closed (`Stop` does not close it), so this loop and its goroutine outlive the {what}, with everything they reference"
    )
}
