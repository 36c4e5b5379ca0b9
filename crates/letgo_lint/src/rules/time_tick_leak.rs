//! LG203 time-tick-leak.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::escape::{fate, Fate, Value};
use crate::funcs::Func;
use crate::registry::Rule;
use crate::syntax::{ident_name, indentation_at, mentions, StmtSite};
use crate::timers::{
    const_duration, forever_loop_over, leaking_builds, loop_leaves, non_test_functions,
    process_lifetime, time_call, time_qualifier, unstopped_timers_leak, TimerVar,
};
use letgo_go::ast::{CallExpr, Expr, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};

pub const RULE: Rule = Rule {
    code: "LG203",
    name: "time-tick-leak",
    summary: "time.Tick in code that returns: its ticker can never be stopped",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG203 time-tick-leak

## What it does
Flags `time.Tick` in a function that can return while the ticker goes on:
a `for range time.Tick(d)` loop with a way out, a `tick := time.Tick(d)`
received from in a loop that returns, or a receive from `time.Tick(d)`
written in place (a new ticker every time it runs). `main.main`, `init`,
and loops that never return are left alone: there `time.Tick` lives as
long as the process anyway. Uses the rule cannot follow (the channel
passed on or stored) are left alone too.

`time.Tick` is recognised by the callee's object (an alias or dot import
counts; a project's own `Tick` method does not), and the channel variable
by its object (a shadowing variable of the same name is another one).

It reports only modules whose timers leak: a `go` line below 1.23, no `go`
line, no go.mod at all (GOPATH mode: Go 1.23–1.26 keep the old timers
there; the message says which), or `godebug asynctimerchan=1`.

`_test.go` files are left alone: a test process is short-lived. So is a
test's harness kept in other files: a function that takes a
`*testing.T`, `*testing.B`, `*testing.F` or `testing.TB`, or a method of
a type holding one in a field (only `go test` makes such a value, so the
function runs only in a test binary).

## Why is this bad?
`time.Tick` returns only the channel, so its ticker can never be stopped.
Before Go 1.23 an unstopped ticker is never collected: each call leaks a
ticker that fires forever. In a function called per request, or in a
`select` case inside a loop, they pile up.

## Example
```go
func poll(ctx context.Context) {
	for {
		select {
		case <-time.Tick(time.Second): // a new ticker on every iteration
			check()
		case <-ctx.Done():
			return
		}
	}
}
```

## Use instead
```go
func poll(ctx context.Context) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			check()
		case <-ctx.Done():
			return
		}
	}
}
```

## Fix safety
For `tick := time.Tick(d)` whose channel is only received from, and for
`for range time.Tick(d)`, the fix creates `ticker := time.NewTicker(d)`
with `defer ticker.Stop()` before the statement and receives from
`ticker.C`. It is safe when `d` is a positive constant; otherwise it is
unsafe, because `time.NewTicker` panics where `time.Tick` returns nil
(`d <= 0`). A receive from `time.Tick` written in place gets no fix: the
ticker has to move out of the loop.

The fix is display-only when the channel is received from after the
function returns: by a goroutine or closure it is captured in, or by
whoever it is returned to or stored for. Stopping the ticker at the
return would leave that receiver without ticks, blocked for good.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    if !unstopped_timers_leak(cx) {
        return;
    }
    for f in non_test_functions(cx) {
        if process_lifetime(&f.name) {
            continue;
        }
        for site in f.sites.iter().copied() {
            if let Some(d) = tick_leak(cx, f, site) {
                out.push(FileDiagnostic {
                    file: f.file,
                    diagnostic: d.in_function(&f.name),
                });
            }
        }
    }
}

fn tick_leak(cx: &PackageContext, f: &Func, site: StmtSite) -> Option<Diagnostic> {
    let src = &cx.file(f.file).src;
    let stmt = match site.stmt {
        Stmt::Labeled(l) => &l.stmt,
        s => s,
    };
    match stmt {
        Stmt::Range(r) => {
            let call = tick_call(cx, f.file, &r.x)?;
            let msg = "`for range time.Tick` can leave the loop, but its ticker keeps ticking";
            loop_leaves(&r.body, src).then(|| report(cx, f, site, call, msg, true))
        }
        Stmt::Assign(a) if is_tick_def(cx, f.file, a) => {
            let call = tick_call(cx, f.file, &a.rhs[0])?;
            let name = ident_name(&a.lhs[0], src)?;
            let var = TimerVar::at(cx.types(f.file)?, a.lhs[0].unparen().as_ident()?)?;
            if !only_received(f, var) || forever_loop_over(f.body, src, &|x| var.is(x)) {
                return None;
            }
            let msg = format!("`{name}` from time.Tick is left ticking when the function returns");
            let mut d = report(cx, f, site, call, &msg, true);
            // A goroutine or closure receiving from it after the return
            // would never get another tick.
            if let Some(fix) = d.fix.as_mut() {
                if fate(cx, f, &[var], Value::Timer) == Fate::Leaves {
                    fix.applicability = Applicability::DisplayOnly;
                }
            }
            Some(d)
        }
        Stmt::Expr(_) | Stmt::Assign(_) => {
            let call = received_in_place(cx, f.file, stmt)?;
            let msg = if site.in_loop {
                "receive from time.Tick in a loop starts a new ticker on every iteration"
            } else {
                "receive from time.Tick starts a ticker that nothing can stop"
            };
            Some(report(cx, f, site, call, msg, false))
        }
        _ => None,
    }
}

fn report(
    cx: &PackageContext,
    f: &Func,
    site: StmtSite,
    call: &CallExpr,
    what: &str,
    fixable: bool,
) -> Diagnostic {
    let msg = format!("{what}; it is never collected {}", leaking_builds(cx));
    let span = letgo_go::ast::Span::new(call.fun.pos(), call.rparen + 1);
    let d = Diagnostic::new(RULE.code, span, msg);
    let free = !mentions(Node::Block(f.body), "ticker", &cx.file(f.file).src);
    let labeled = matches!(site.stmt, Stmt::Labeled(_));
    match fixable && free && site.in_list && !site.in_loop && !labeled {
        true => d.with_fix(new_ticker_fix(cx, f.file, site, call)),
        false => d,
    }
}

/// `ticker := time.NewTicker(d)` and `defer ticker.Stop()` before the
/// statement, and `ticker.C` for the call.
fn new_ticker_fix(cx: &PackageContext, file: usize, site: StmtSite, call: &CallExpr) -> Fix {
    let src = &cx.file(file).src;
    let time = time_qualifier(cx, file);
    let start = site.stmt.span().start;
    let indent = indentation_at(src, start);
    let arg = call.args.first().map_or("", |a| cx.text(file, a.span()));
    let before = format!("ticker := {time}NewTicker({arg})\n{indent}defer ticker.Stop()\n{indent}");
    let span = letgo_go::ast::Span::new(call.fun.pos(), call.rparen + 1);
    Fix {
        message: "use a ticker that is stopped when the function returns".to_string(),
        applicability: if positive_constant(cx, file, call) {
            Applicability::Safe
        } else {
            Applicability::Unsafe
        },
        edits: vec![Edit::insert(start, before), Edit::replace(span, "ticker.C")],
    }
}

/// A duration such as `time.Second`, `5 * time.Minute` or `100`.
fn positive_constant(cx: &PackageContext, file: usize, call: &CallExpr) -> bool {
    let first = call.args.first();
    first
        .and_then(|d| const_duration(cx, file, d))
        .is_some_and(|n| n > 0)
}

/// `name := time.Tick(d)`.
fn is_tick_def(cx: &PackageContext, file: usize, a: &letgo_go::ast::AssignStmt) -> bool {
    a.tok == Token::Define
        && a.lhs.len() == 1
        && a.rhs.len() == 1
        && tick_call(cx, file, &a.rhs[0]).is_some()
}

fn tick_call<'a>(cx: &PackageContext<'a>, file: usize, x: &'a Expr) -> Option<&'a CallExpr> {
    time_call(cx, file, x).and_then(|(name, call)| (name == "Tick").then_some(call))
}

/// A `<-time.Tick(d)` in a simple statement (a `select` case included).
fn received_in_place<'a>(
    cx: &PackageContext<'a>,
    file: usize,
    stmt: &'a Stmt,
) -> Option<&'a CallExpr> {
    let mut found = None;
    inspect(Node::stmt(stmt), &mut |n| {
        if let Node::Expr(Expr::Unary(u)) = n {
            if u.op == Token::Arrow {
                found = found.or_else(|| tick_call(cx, file, &u.x));
            }
        }
        !matches!(n, Node::Expr(Expr::FuncLit(_))) && found.is_none()
    });
    found
}

/// Whether every use of the channel variable in the function is a
/// receive `<-tick` or `range tick` (besides its definition).
fn only_received(f: &Func, var: TimerVar) -> bool {
    let mut total = 0;
    let mut received = 0;
    inspect(Node::Block(f.body), &mut |n| {
        match n {
            Node::Ident(id) if var.is_ident(id) => total += 1,
            Node::Expr(Expr::Unary(u)) if u.op == Token::Arrow && var.is(&u.x) => received += 1,
            Node::Stmt(Stmt::Range(r)) if var.is(&r.x) => received += 1,
            _ => {}
        }
        true
    });
    total == received + 1
}
