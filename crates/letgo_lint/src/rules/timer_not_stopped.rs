//! LG201 timer-not-stopped.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::flow::{pending_exits, Exit};
use crate::funcs::Func;
use crate::objects::declared_in;
use crate::registry::Rule;
use crate::syntax::StmtSite;
use crate::timers::{
    defer_stop_fix, deferred_in_loop_message, deferred_stop_in_loop, fires_at_once, leaking_builds,
    local_def, non_test_functions, unstopped_timers_leak, Made, TimerReleased, TimerVar,
};
use letgo_go::ast::{Ident, Span};

pub const RULE: Rule = Rule {
    code: "LG201",
    name: "timer-not-stopped",
    summary: "a time.NewTimer is neither stopped nor received on every path",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG201 timer-not-stopped

## What it does
Flags a `t := time.NewTimer(d)` for which some path out of the function
neither stops the timer (`t.Stop()`, deferred or not), nor receives its
firing (`<-t.C`), nor hands it on (returns it, stores it, passes it to a
function or a goroutine). A timer of a constant duration under a second
is left alone: it is gone before its retention could matter.

Timers are found by type and object, from the semantic model: the call is
`time.NewTimer` however `time` is imported (an alias, a dot import), or a
function of the checked packages that returns a `*time.Timer` and calls
`time.NewTimer` itself (a getter handing out a stored timer does not).
Uses of `t` are the identifiers that resolve to that variable, and only
`(*time.Timer).Stop` stops it: a `Stop` method of another type, or a
shadowing variable of the same name, does not. Where the types are
unknown (no standard library found), there is no finding.

It reports only modules whose timers leak: a `go` line below 1.23, no `go`
line, no go.mod at all (GOPATH mode: Go 1.23–1.26 keep the old timers
there; the message says which), or `godebug asynctimerchan=1`. From Go 1.23 on (with a `go 1.23` or newer
module) the garbage collector reclaims an unreferenced timer whether or
not it was stopped, so the rule stays quiet there.

On every Go version it flags a timer made inside a loop and stopped only
by a `defer t.Stop()` in that loop, when some iteration can end with the
timer neither stopped, received nor handed on: the deferred call runs when
the function returns, not when the iteration ends, and until then it keeps
each iteration's timer referenced (so not even Go 1.23 collects it).

`_test.go` files are left alone: a test process is short-lived. So is a
test's harness kept in other files: a function that takes a
`*testing.T`, `*testing.B`, `*testing.F` or `testing.TB`, or a method of
a type holding one in a field (only `go test` makes such a value, so the
function runs only in a test binary).

## Why is this bad?
Before Go 1.23 an unstopped timer stays in the runtime's timer heap, with
its channel, until it fires. A function that starts a one-minute timer per
request and returns early keeps a minute's worth of timers alive: measured
here, a million unstopped timers held about 200 MiB after GC.

## Example
```go
func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err() // t stays in the timer heap until it fires
	}
}
```

## Use instead
```go
func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
```

A `defer t.Stop()` inside a loop piles up: `for _, j := range jobs { t :=
time.NewTimer(j.timeout); defer t.Stop(); ... }` keeps every job's timer
until the whole loop is done. Stop it in the iteration instead.

## Fix safety
The timer made in a loop and stopped by a deferred call gets no fix: the
`Stop` must move into the iteration, on each path that goes on.
`defer t.Stop()` right after the call is safe when the timer stays in the
function (it is only received from, reset and stopped there): stopping a
timer nobody can receive from any more changes nothing but its lifetime.
It is unsafe when the timer is handed on. It is display-only inside a
loop, where the deferred calls pile up until the function returns, and
when the timer is meant to fire after the function returns: it is
returned, stored in a field, an element or a package variable, sent, or
received from in a closure or goroutine (a reconnect or retry timer that
someone else waits on); stopping it at the return would cancel that.

The fix never adds a `<-t.C` drain after `Stop`, which blocks forever on
Go 1.23 and newer.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let leaks = unstopped_timers_leak(cx);
    for f in non_test_functions(cx) {
        for site in f.sites.iter().copied() {
            let Some((id, var, call)) = local_def(cx, f.file, site.stmt, Made::Timer) else {
                continue;
            };
            // A timer stored in a variable of an enclosing function is
            // that function's to stop.
            if fires_at_once(cx, f.file, call) || !declared_in(cx, f, id) {
                continue;
            }
            let d = match in_loop_deferred(cx, f, site, (id, var)) {
                Some(d) => Some(d),
                None if leaks => not_released(cx, f, site, (id, var)),
                None => None,
            };
            if let Some(d) = d {
                out.push(FileDiagnostic {
                    file: f.file,
                    diagnostic: d.in_function(&f.name),
                });
            }
        }
    }
}

fn not_released(
    cx: &PackageContext,
    f: &Func,
    site: StmtSite,
    (id, var): (&Ident, TimerVar),
) -> Option<Diagnostic> {
    let (file, body) = (f.file, f.body);
    let sf = cx.file(file);
    let name = id.name(&sf.src);
    let ob = TimerReleased::new(site.stmt.span(), var, &sf.src, Made::Timer);
    let exit = *pending_exits(body, &sf.src, &ob).first()?;
    let (line, _) = sf.line_col(exit.offset());
    let how = match exit {
        Exit::Return(_) => format!("the return at line {line} leaves it running"),
        Exit::End(_) => format!("the function ends at line {line} with it running"),
    };
    let msg = format!(
        "timer `{name}` is not stopped on every path: {how}; it is retained until it fires {}",
        leaking_builds(cx)
    );
    let mut d = Diagnostic::new(RULE.code, Span::new(id.pos, id.end), msg);
    if site.in_list {
        d = d.with_fix(defer_stop_fix(cx, f, site, name, var));
    }
    Some(d)
}

/// A timer made in a loop and stopped only by a `defer` in that loop.
fn in_loop_deferred(
    cx: &PackageContext,
    f: &Func,
    site: StmtSite,
    (id, var): (&Ident, TimerVar),
) -> Option<Diagnostic> {
    let sf = cx.file(f.file);
    let defer = deferred_stop_in_loop(f.body, site.stmt.span(), var, &sf.src, Made::Timer)?;
    let (line, _) = sf.line_col(defer);
    let msg = deferred_in_loop_message(id.name(&sf.src), Made::Timer, line);
    Some(Diagnostic::new(RULE.code, Span::new(id.pos, id.end), msg))
}
