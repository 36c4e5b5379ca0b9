//! LG202 ticker-not-stopped.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::flow::{pending_exits, Exit};
use crate::funcs::Func;
use crate::registry::Rule;
use crate::syntax::StmtSite;
use crate::timers::{
    defer_stop_fix, forever_loop_receiving, leaking_builds, local_def, non_test_functions,
    process_lifetime, time_call, timer_uses, unstopped_timers_leak, TimerReleased,
};
use letgo_go::ast::{Expr, Span, Stmt};
use letgo_go::visit::{inspect, Node};

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
  version);
- assigned to a local that some path out of the function neither stops
  nor hands on;
- stored in a struct field that nothing in the package ever stops.

The last two are reported only for modules whose timers leak: a `go` line
below 1.23, or `godebug asynctimerchan=1`.

`_test.go` files are left alone: a test process is short-lived.

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
For a local ticker, `defer t.Stop()` right after the call is safe when the
ticker stays in the function (it is only received from, reset and
stopped); it is unsafe when the ticker is handed on, and inside a loop,
where the deferred calls pile up. A loop without exit and a ticker in a
field get no fix: they need an owner's decision about when to stop. The
fix is display-only when the ticker leaves the function (returned,
stored, sent, or received from in a closure or goroutine): it is meant
to tick after the return.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let leaks = unstopped_timers_leak(cx);
    for f in non_test_functions(cx) {
        for site in f.sites.iter().copied() {
            let diag = match local_def(cx, f.file, site.stmt, "NewTicker") {
                Some((id, _)) => local_ticker(cx, f, site, id, leaks),
                None if leaks => field_ticker(cx, f.file, site.stmt),
                None => None,
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
    id: &letgo_go::ast::Ident,
    leaks: bool,
) -> Option<Diagnostic> {
    let sf = cx.file(f.file);
    let name = id.name(&sf.src);
    let span = Span::new(id.pos, id.end);
    if !process_lifetime(&f.name)
        && !timer_uses(Node::Block(f.body), name, &sf.src).stops
        && forever_loop_receiving(f.body, name, &sf.src)
    {
        let msg = format!(
            "ticker `{name}` is never stopped and the loop receiving from it never exits: its goroutine wakes on every tick and is never reclaimed"
        );
        return Some(Diagnostic::new(RULE.code, span, msg));
    }
    if !leaks {
        return None;
    }
    let ob = TimerReleased {
        def: site.stmt.span(),
        name,
        src: &sf.src,
    };
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
        d = d.with_fix(defer_stop_fix(cx, f, site, name));
    }
    Some(d)
}

/// `x.f = time.NewTicker(d)` where nothing in the package calls
/// `.f.Stop()`.
fn field_ticker(cx: &PackageContext, file: usize, stmt: &Stmt) -> Option<Diagnostic> {
    let Stmt::Assign(a) = stmt else {
        return None;
    };
    let src = &cx.file(file).src;
    let (lhs, rhs) = (a.lhs.first()?, a.rhs.first()?);
    let Expr::Selector(sel) = lhs.unparen() else {
        return None;
    };
    let (ctor, _) = time_call(cx, file, rhs)?;
    let field = sel.sel.name(src);
    if ctor != "NewTicker" || a.lhs.len() != 1 || field_is_stopped(cx, field) {
        return None;
    }
    let msg = format!(
        "ticker stored in field `{field}` is never stopped in this package; it is never collected {}",
        leaking_builds(cx)
    );
    Some(Diagnostic::new(RULE.code, lhs.span(), msg))
}

/// Whether any `<...>.field.Stop()` call is in the package.
fn field_is_stopped(cx: &PackageContext, field: &str) -> bool {
    cx.files().any(|(_, sf)| {
        let mut stopped = false;
        inspect(Node::File(&sf.ast), &mut |n| {
            if let Node::Call(c) = n {
                if let Expr::Selector(stop) = c.fun.unparen() {
                    if let Expr::Selector(inner) = stop.x.unparen() {
                        stopped |=
                            stop.sel.name(&sf.src) == "Stop" && inner.sel.name(&sf.src) == field;
                    }
                }
            }
            !stopped
        });
        stopped
    })
}
