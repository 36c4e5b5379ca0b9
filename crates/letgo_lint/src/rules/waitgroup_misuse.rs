//! LG115 waitgroup-misuse.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::funcs::FuncKind;
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
  worker;
- `wg.Wait()` after a `go func() { ... }()` (earlier in the same block,
  or in a loop there)
  whose goroutine sends on an unbuffered channel before its `Done` (a
  deferred `Done` runs last), when every receive from that channel in
  the function comes after the `Wait`: the channel is a local made by
  `make(chan T)` whose every use is a send, a receive, a `range` or an
  argument of `close`/`len`/`cap`, so nothing else can receive. The
  goroutine's send is a related place.

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
        let mut reported = Vec::new();
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
                reported.push(d.span);
                out.push(FileDiagnostic {
                    file: f.file,
                    diagnostic: d.in_function(&f.name),
                });
            }
        }
        for list in super::waitgroup_done_skipped::lists(f.body) {
            if let Some(d) =
                wait_before_receive(cx, fi, list).filter(|d| !reported.contains(&d.span))
            {
                out.push(FileDiagnostic {
                    file: f.file,
                    diagnostic: d.in_function(&f.name),
                });
            }
        }
    }
}

/// `go func() { ...; ch <- v; ...; wg.Done() }()` then, later in the same
/// statement list, `wg.Wait()` before every receive from `ch`, an
/// unbuffered channel made in the function that nothing else can reach:
/// the goroutine's send waits for a receive that comes only after the
/// Wait, and the Wait for the `Done` after the send.
fn wait_before_receive(cx: &PackageContext, fi: usize, list: &[Stmt]) -> Option<Diagnostic> {
    let f = &cx.functions()[fi];
    let src = &cx.file(f.file).src;
    let view = cx.types(f.file)?;
    for (i, s) in list.iter().enumerate() {
        let Stmt::Expr(x) = s else { continue };
        let Expr::Call(call) = x.unparen() else {
            continue;
        };
        let Some(wg) = waitgroup_call(cx, fi, call, "Wait") else {
            continue;
        };
        // `go` statements earlier in the block, in loops there too.
        let mut gos: Vec<&CallExpr> = Vec::new();
        for s in &list[..i] {
            inspect(Node::stmt(s), &mut |n| match n {
                Node::Stmt(Stmt::Go(g)) => {
                    gos.push(&g.call);
                    false
                }
                Node::Expr(Expr::FuncLit(_)) => false,
                _ => true,
            });
        }
        for go in gos.into_iter().filter(|g| counts(cx, fi, g, &wg)) {
            let Expr::FuncLit(lit) = &go.fun else {
                continue;
            };
            let Some(send) = send_before_done(cx, lit, &wg, src) else {
                continue;
            };
            if !unbuffered_local(&view, f.body, &send.chan, src)
                || receives_before(f.body, &send.chan, src, call.pos(), lit)
            {
                continue;
            }
            let (go_line, _) = cx.file(f.file).line_col(go.pos());
            let msg = format!(
                "`{}.Wait()` waits for the goroutine started at line {go_line}, whose send on the unbuffered `{}` waits for a receive that comes only after this Wait: deadlock",
                wg.text,
                send.chan.span().text(src)
            );
            let send_at = Span::new(send.chan.pos(), send.value.end());
            return Some(
                Diagnostic::new(RULE.code, Span::new(call.pos(), call.end()), msg).with_related(
                    send_at,
                    "blocks here: nobody receives before the Wait returns",
                ),
            );
        }
    }
    None
}

/// The goroutine's first blocking send (outside `select` and nested
/// literals) that runs before its `Done`: the `Done` is deferred, or
/// written after the send.
fn send_before_done<'a>(
    cx: &PackageContext,
    lit: &'a FuncLit,
    wg: &SyncValue,
    src: &str,
) -> Option<&'a SendStmt> {
    let li = cx
        .functions()
        .iter()
        .position(|f| matches!(f.kind, FuncKind::Lit(l) if std::ptr::eq(l, lit)))?;
    let mut sends = Vec::new();
    let mut done: Option<u32> = None;
    let mut deferred = false;
    inspect(Node::Block(&lit.body), &mut |n| match n {
        Node::Stmt(Stmt::Send(s)) => {
            sends.push(&**s);
            false
        }
        Node::Stmt(Stmt::Defer(d)) => {
            let mut hit = false;
            inspect(Node::Call(&d.call), &mut |m| {
                if let Node::Call(c) = m {
                    hit |= waitgroup_call(cx, li, c, "Done").is_some_and(|v| v.text == wg.text);
                }
                true
            });
            deferred |= hit;
            false
        }
        Node::Call(c) => {
            if waitgroup_call(cx, li, c, "Done").is_some_and(|v| v.text == wg.text) {
                done.get_or_insert(c.pos());
            }
            true
        }
        Node::Stmt(Stmt::Select(_)) | Node::Expr(Expr::FuncLit(_)) => false,
        _ => true,
    });
    let _ = src;
    sends
        .into_iter()
        .find(|s| deferred || done.is_some_and(|d| s.arrow < d))
}

/// `ch` is a local variable of the function made by `make(chan T)` (no
/// size, or a constant 0), every use of which is a send, a receive, a
/// `range`, or an argument of `close`/`len`/`cap`: nothing else can
/// receive from it.
fn unbuffered_local(view: &letgo_types::FileView, body: &BlockStmt, ch: &Expr, src: &str) -> bool {
    let Expr::Ident(id) = ch.unparen() else {
        return false;
    };
    let Some(obj) = view.object_of(id) else {
        return false;
    };
    let m = view.model();
    let mut made_unbuffered = false;
    let mut other_use = false;
    let is_ch = |x: &Expr| matches!(x.unparen(), Expr::Ident(i) if view.object_of(i) == Some(obj));
    let mut fine: Vec<u32> = Vec::new();
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Stmt(Stmt::Assign(a)) => {
                for (l, r) in a.lhs.iter().zip(&a.rhs) {
                    if is_ch(l) {
                        fine.push(l.pos());
                        made_unbuffered = is_unbuffered_make(view, r, src);
                    }
                }
            }
            Node::Stmt(Stmt::Send(s)) if is_ch(&s.chan) => fine.push(s.chan.pos()),
            Node::Expr(Expr::Unary(u)) if u.op == Token::Arrow && is_ch(&u.x) => {
                fine.push(u.x.pos())
            }
            Node::Stmt(Stmt::Range(r)) if is_ch(&r.x) => fine.push(r.x.pos()),
            Node::Call(c) => {
                let builtin = matches!(c.fun.unparen(), Expr::Ident(f)
                    if view.object_of(f).is_some_and(|o| matches!(m.obj(o).kind, letgo_types::model::ObjKind::Builtin(_))));
                if builtin {
                    fine.extend(c.args.iter().filter(|a| is_ch(a)).map(|a| a.pos()));
                }
            }
            Node::Ident(i) if view.object_of(i) == Some(obj) => {
                other_use |= !fine.contains(&i.pos);
            }
            _ => {}
        }
        true
    });
    made_unbuffered && !other_use
}

/// `make(chan T)` or `make(chan T, 0)`.
fn is_unbuffered_make(view: &letgo_types::FileView, x: &Expr, src: &str) -> bool {
    let Expr::Call(c) = x.unparen() else {
        return false;
    };
    let is_make = matches!(c.fun.unparen(), Expr::Ident(f) if f.name(src) == "make")
        && view.type_of(x).is_some_and(|t| {
            matches!(
                view.model().ty(view.model().under_ro(t)),
                letgo_types::types::Type::Chan(..)
            )
        });
    is_make
        && match c.args.get(1) {
            None => true,
            Some(Expr::BasicLit(l)) => l.value(src) == "0",
            Some(_) => false,
        }
}

/// A receive from `ch` in `body` before offset `at`, outside the
/// goroutine `lit`.
fn receives_before(body: &BlockStmt, ch: &Expr, src: &str, at: u32, lit: &FuncLit) -> bool {
    let text = ch.span().text(src);
    let (from, to) = (lit.body.pos(), lit.body.end());
    let mut hit = false;
    inspect(Node::Block(body), &mut |n| {
        let x = match n {
            Node::Expr(Expr::Unary(u)) if u.op == Token::Arrow => Some(&u.x),
            Node::Stmt(Stmt::Range(r)) => Some(&r.x),
            _ => None,
        };
        if let Some(x) = x {
            let inside = from <= x.pos() && x.pos() < to;
            hit |= !inside && x.pos() < at && x.span().text(src) == text;
        }
        !hit
    });
    hit
}

/// SA2000: `go func() { wg.Add(n); ... }()`.
fn add_inside(cx: &PackageContext, lit: &FuncLit) -> Option<Diagnostic> {
    let li = cx
        .functions()
        .iter()
        .position(|f| matches!(f.kind, FuncKind::Lit(l) if std::ptr::eq(l, lit)))?;
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
