//! LG204 time-after-in-loop.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::funcs::Func;
use crate::registry::Rule;
use crate::syntax::{indentation_at, mentions, never_returns};
use crate::timers::{
    leaking_builds, non_test_functions, time_call, time_qualifier, unstopped_timers_leak,
};
use letgo_go::ast::{CallExpr, Expr, SelectStmt, Span, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};

pub const RULE: Rule = Rule {
    code: "LG204",
    name: "time-after-in-loop",
    summary: "time.After as a select case inside a loop starts a timer per iteration",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG204 time-after-in-loop

## What it does
Flags `case <-time.After(d):` in a `select` inside a loop that runs as
long as work comes (`for { ... }`, `for cond { ... }`, `for v := range
ch`), when another case of that `select` goes on looping. Counted loops
(`for i := 0; i < n; i++`, `for k, v := range xs`) are left alone: what
they leave behind is bounded by the count. Every iteration that leaves
through that case leaves a timer behind, pending until `d` passes. When
every other case returns or leaves the loop (`case <-ctx.Done(): return`),
at most one timer is left behind, and the rule stays quiet.

It reports only modules whose timers leak: a `go` line below 1.23, no `go`
line, no go.mod at all (GOPATH mode: Go 1.23–1.26 keep the old timers
there; the message says which), or `godebug asynctimerchan=1`. From Go 1.23 on the collector reclaims the
abandoned timers at once.

`time.After` is recognised by the callee's object: an alias or dot
import counts, a project's own `After` method does not.

`_test.go` files are left alone: a test process is short-lived. So is a
test's harness kept in other files: a function that takes a
`*testing.T`, `*testing.B`, `*testing.F` or `testing.TB`, or a method of
a type holding one in a field (only `go test` makes such a value, so the
function runs only in a test binary).

## Why is this bad?
Before Go 1.23 a timer that has not fired stays in the runtime's timer
heap, with its channel, until it fires. A loop that handles thousands of
messages a second with a one-minute `time.After` keeps a minute's worth of
timers alive: measured here, a million of them held about 200 MiB.

## Example
```go
for {
	select {
	case m := <-msgs:
		handle(m)
	case <-time.After(time.Minute):
		return errIdle
	}
}
```

## Use instead
```go
idle := time.NewTimer(time.Minute)
defer idle.Stop()
for {
	idle.Reset(time.Minute)
	select {
	case m := <-msgs:
		handle(m)
	case <-idle.C:
		return errIdle
	}
}
```
Before Go 1.23, `Reset` on a timer that fired but was not received needs
`if !idle.Stop() { <-idle.C }` first; from Go 1.23 on it does not (and
that drain would block forever).

## Fix safety
Display-only: hoisting the timer out of the loop is right only when the
duration does not depend on the iteration, and a module on Go < 1.23
needs the stop-and-drain dance before each `Reset`.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    if !unstopped_timers_leak(cx) {
        return;
    }
    for f in non_test_functions(cx) {
        for site in f.sites.iter().copied() {
            let Stmt::Select(sel) = site.stmt else {
                continue;
            };
            if !site.in_loop || !other_case_goes_on(cx, f.file, sel) {
                continue;
            }
            if innermost_loop(f, sel.pos).is_none_or(counted) {
                continue;
            }
            for call in after_cases(cx, f.file, sel) {
                let d = report(cx, f, sel, site.in_list, call);
                out.push(FileDiagnostic {
                    file: f.file,
                    diagnostic: d.in_function(&f.name),
                });
            }
        }
    }
}

/// Whether a case other than the `time.After` ones can go on looping:
/// when every other case returns or leaves the loop, at most one timer is
/// left behind.
fn other_case_goes_on(cx: &PackageContext, file: usize, sel: &SelectStmt) -> bool {
    let src = &cx.file(file).src;
    sel.body.clauses.iter().any(|c| {
        let is_after = c
            .comm
            .as_ref()
            .is_some_and(|s| after_call(cx, file, s).is_some());
        let ends = match c.body.last() {
            Some(Stmt::Return(_)) => true,
            Some(Stmt::Branch(b)) => b.label.is_some() || b.tok == Token::Goto,
            Some(Stmt::Expr(x)) => matches!(x.unparen(), Expr::Call(c) if never_returns(c, src)),
            _ => false,
        };
        !is_after && !ends
    })
}

/// The `time.After(d)` calls received from by the select's cases.
fn after_cases<'a>(cx: &PackageContext<'a>, file: usize, sel: &'a SelectStmt) -> Vec<&'a CallExpr> {
    let comms = sel.body.clauses.iter().filter_map(|c| c.comm.as_ref());
    comms.filter_map(|s| after_call(cx, file, s)).collect()
}

/// `<-time.After(d)` or `v := <-time.After(d)`: the call.
fn after_call<'a>(cx: &PackageContext<'a>, file: usize, comm: &'a Stmt) -> Option<&'a CallExpr> {
    let received = match comm {
        Stmt::Expr(x) => x.as_ref(),
        Stmt::Assign(a) if a.rhs.len() == 1 => &a.rhs[0],
        _ => return None,
    };
    let Expr::Unary(u) = received.unparen() else {
        return None;
    };
    match time_call(cx, file, &u.x) {
        Some(("After", call)) if u.op == Token::Arrow => Some(call),
        _ => None,
    }
}

fn report(
    cx: &PackageContext,
    f: &Func,
    sel: &SelectStmt,
    in_list: bool,
    call: &CallExpr,
) -> Diagnostic {
    let span = Span::new(call.fun.pos(), call.rparen + 1);
    let msg = format!(
        "time.After in a loop's select leaves a pending timer behind on every iteration that takes another case; each is retained until it fires {}",
        leaking_builds(cx)
    );
    let d = Diagnostic::new(RULE.code, span, msg);
    let src = &cx.file(f.file).src;
    if !in_list || mentions(Node::Block(f.body), "timer", src) {
        return d;
    }
    match innermost_loop(f, sel.pos) {
        Some(l) => d.with_fix(reused_timer(cx, f.file, l.span().start, sel.pos, call)),
        None => d,
    }
}

/// A timer made before the loop, reset before the select, received from
/// in place of `time.After`.
fn reused_timer(
    cx: &PackageContext,
    file: usize,
    loop_start: u32,
    select: u32,
    call: &CallExpr,
) -> Fix {
    let src = &cx.file(file).src;
    let time = time_qualifier(cx, file);
    let d = call.args.first().map_or("", |a| cx.text(file, a.span()));
    let outer = indentation_at(src, loop_start);
    let inner = indentation_at(src, select);
    Fix {
        message: "reuse one timer: make it before the loop and Reset it before the select"
            .to_string(),
        applicability: Applicability::DisplayOnly,
        edits: vec![
            Edit::insert(
                loop_start,
                format!("timer := {time}NewTimer({d})\n{outer}defer timer.Stop()\n{outer}"),
            ),
            Edit::insert(select, format!("timer.Reset({d})\n{inner}")),
            Edit::replace(Span::new(call.fun.pos(), call.rparen + 1), "timer.C"),
        ],
    }
}

/// A loop that runs a counted number of times: `for i := 0; i < n; i++`,
/// or `for k, v := range xs` (a slice or map, not a channel). Its
/// abandoned timers are bounded by the count; the rule looks at loops that
/// run as long as messages come.
fn counted(l: &Stmt) -> bool {
    match l {
        Stmt::For(f) => f.init.is_some() || f.post.is_some(),
        Stmt::Range(r) => r.value.is_some(),
        _ => false,
    }
}

/// The innermost `for` statement (of `f`, closures aside) holding offset
/// `at`.
fn innermost_loop<'a>(f: &Func<'a>, at: u32) -> Option<&'a Stmt> {
    let mut found = None;
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Stmt(s @ (Stmt::For(_) | Stmt::Range(_))) = n {
            let span = s.span();
            if span.start <= at && at < span.end {
                found = Some(s);
            }
        }
        !matches!(n, Node::Expr(Expr::FuncLit(_)))
    });
    found
}
