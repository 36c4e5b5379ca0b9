//! LG115 waitgroup-misuse.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::locks::{key_of, waitgroup_call, SyncValue};
use crate::registry::Rule;
use letgo_go::ast::{BlockStmt, CallExpr, Expr, FuncLit, SendStmt, Span, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};

pub const RULE: Rule = Rule {
    code: "LG115",
    name: "waitgroup-misuse",
    summary: "WaitGroup.Add inside the goroutine it counts, or Wait inside the loop that starts the workers",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG115 waitgroup-misuse

## What it does
Flags two misuses of `sync.WaitGroup` (found by type: a variable, a
field, or a struct embedding one):
- `wg.Add` as the first statement of the `go func() { ... }()` it counts:
  exactly the shape staticcheck's SA2000 and `go vet`'s `waitgroup`
  analyzer report;
- `wg.Wait()` directly in the body of the loop whose `go` statement
  calls `wg.Done()` and sends on a channel that is received only after
  the loop: the worker waits for a receiver, the loop waits for the
  worker.

## Why is this bad?
`Add` inside the goroutine races with `Wait`: `Wait` may see a zero
counter and return before the goroutine has even started, and whoever
then reads the goroutine's results or tears down what it uses is wrong;
with a later `Add` after `Wait` has returned, a reused WaitGroup panics or
waits forever. `Wait` inside the spawning loop makes every pass wait for
its own worker; when that worker sends its result on a channel that is
read only after the loop, neither can go on, and the function and its
goroutine are stuck forever.

## Example
```go
for _, u := range urls {
	go func() {
		wg.Add(1)
		defer wg.Done()
		fetch(u)
	}()
}
wg.Wait()

for _, u := range urls {
	wg.Add(1)
	go func() {
		defer wg.Done()
		results <- fetch(u)
	}()
	wg.Wait() // the send waits for the receive below; deadlock
}
for range urls {
	r := <-results
	...
}
```

## Use instead
```go
for _, u := range urls {
	wg.Add(1)
	go func() {
		defer wg.Done()
		fetch(u)
	}()
}
wg.Wait() // after the loop, with the receives in their own goroutine
```
Or `wg.Go(func() { fetch(u) })` (Go 1.25+).

## Fix safety
No fix is offered: moving `Add` before the `go` statement is usually
right, but its argument may depend on what the goroutine computes.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    // Files that never mention a WaitGroup are skipped; asked once per
    // file, not once per function.
    let relevant: Vec<bool> = cx
        .files()
        .map(|(_, sf)| sf.src.contains("WaitGroup") || sf.src.contains(".Wait()"))
        .collect();
    for (fi, f) in cx.functions().iter().enumerate() {
        if !relevant[f.file] {
            continue;
        }
        for site in f.sites.iter().copied() {
            let d = match site.stmt {
                Stmt::Go(g) => match &g.call.fun {
                    Expr::FuncLit(lit) => add_inside(cx, lit),
                    _ => None,
                },
                Stmt::For(l) => wait_in_loop(cx, fi, &l.body),
                Stmt::Range(l) => wait_in_loop(cx, fi, &l.body),
                _ => None,
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

/// SA2000: `go func() { wg.Add(n); ... }()`.
fn add_inside(cx: &PackageContext, lit: &FuncLit) -> Option<Diagnostic> {
    let li = crate::funcs::lit_index(cx.functions(), lit)?;
    let src = &cx.file(cx.functions()[li].file).src;
    let Some(Stmt::Expr(x)) = lit.body.list.first() else {
        return None;
    };
    let Expr::Call(call) = x.unparen() else {
        return None;
    };
    let wg = waitgroup_call(cx, li, call, "Add")?;
    let span = Span::new(call.pos(), call.end());
    let msg = format!(
        "`{}` runs inside the goroutine it counts: `{}.Wait` may return before it; call it before `go`",
        span.text(src),
        wg.text
    );
    Some(Diagnostic::new(RULE.code, span, msg))
}

/// `wg.Wait()` directly in a loop body whose `go` statements (not in a
/// nested loop) call `wg.Done()`.
fn wait_in_loop(cx: &PackageContext, fi: usize, body: &BlockStmt) -> Option<Diagnostic> {
    let src = &cx.file(cx.functions()[fi].file).src;
    let gos = spawns(&body.list);
    for s in &body.list {
        let Stmt::Expr(x) = s else { continue };
        let Expr::Call(call) = x.unparen() else {
            continue;
        };
        if !call.args.is_empty() {
            continue;
        }
        let Some(wg) = waitgroup_call(cx, fi, call, "Wait") else {
            continue;
        };
        let Some((go, send)) = gos
            .iter()
            .filter(|g| g.pos() < call.pos() && counts(cx, fi, g, &wg))
            .find_map(|g| unreceived_send(g, body, src).map(|s| (g, s)))
        else {
            continue;
        };
        let sf = cx.file(cx.functions()[fi].file);
        let (line, _) = sf.line_col(go.pos());
        let (send_line, _) = sf.line_col(send.arrow);
        let msg = format!(
            "`{}.Wait()` inside the loop that starts its goroutine (line {line}), whose send on `{}` at line {send_line} has no receiver until the loop ends: deadlock",
            wg.text,
            send.chan.span().text(src)
        );
        return Some(Diagnostic::new(
            RULE.code,
            Span::new(call.pos(), call.end()),
            msg,
        ));
    }
    None
}

/// The `go` statements of a loop body, not inside a nested loop or
/// function literal.
fn spawns(list: &[Stmt]) -> Vec<&CallExpr> {
    let mut out = Vec::new();
    for s in list {
        inspect(Node::stmt(s), &mut |n| match n {
            Node::Stmt(Stmt::Go(g)) => {
                out.push(&g.call);
                false
            }
            Node::Stmt(Stmt::For(_) | Stmt::Range(_)) | Node::Expr(Expr::FuncLit(_)) => false,
            _ => true,
        });
    }
    out
}

/// A blocking send of the goroutine (a literal's body, outside `select`)
/// on a channel that the loop body does not receive from.
fn unreceived_send<'a>(go: &'a CallExpr, body: &BlockStmt, src: &str) -> Option<&'a SendStmt> {
    let Expr::FuncLit(lit) = &go.fun else {
        return None;
    };
    let mut sends = Vec::new();
    inspect(Node::Block(&lit.body), &mut |n| match n {
        Node::Stmt(Stmt::Send(s)) => {
            sends.push(&**s);
            false
        }
        Node::Stmt(Stmt::Select(_)) | Node::Expr(Expr::FuncLit(_)) => false,
        _ => true,
    });
    sends.into_iter().find(|s| {
        let ch = s.chan.span().text(src);
        !receives(body, ch, lit.body.pos(), lit.body.end(), src)
    })
}

/// `<-ch` or `range ch` in `body`, outside the span `[skip_from, skip_to)`.
fn receives(body: &BlockStmt, ch: &str, skip_from: u32, skip_to: u32, src: &str) -> bool {
    let mut hit = false;
    inspect(Node::Block(body), &mut |n| {
        let x = match n {
            Node::Expr(Expr::Unary(u)) if u.op == Token::Arrow => Some(&u.x),
            Node::Stmt(Stmt::Range(r)) => Some(&r.x),
            _ => None,
        };
        if let Some(x) = x {
            let inside = skip_from <= x.pos() && x.pos() < skip_to;
            hit |= !inside && x.span().text(src) == ch;
        }
        !hit
    });
    hit
}

/// The goroutine calls `wg.Done()`, or is handed `wg`.
/// The `go` call counts down `wg`: it calls `wg.Done()` (the same
/// WaitGroup object) or is handed `wg`.
fn counts(cx: &PackageContext, fi: usize, go: &CallExpr, wg: &SyncValue) -> bool {
    let mut hit = false;
    inspect(Node::Call(go), &mut |n| {
        if let Node::Call(c) = n {
            hit |= waitgroup_call(cx, fi, c, "Done").is_some_and(|v| v.key == wg.key);
        }
        !hit
    });
    let Some(view) = cx.types(cx.functions()[fi].file) else {
        return hit;
    };
    hit || go
        .args
        .iter()
        .any(|a| key_of(cx, fi, &view, a).is_some_and(|(k, _)| k == wg.key))
}
