//! LG109 unreachable-channel.

use crate::channels::{make_chan, Capacity, Channel, ChannelKind, Escape, Op, OpKind, Origin};
use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::funcs::FuncKind;
use crate::registry::Rule;
use letgo_go::ast::{BlockStmt, Expr, SelectStmt, Span, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::FileView;

pub const RULE: Rule = Rule {
    code: "LG109",
    name: "unreachable-channel",
    summary: "a blocking operation on a channel that no other goroutine can reach",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG109 unreachable-channel

## What it does
Flags a send or receive that blocks on a channel that only the goroutine
doing it can reach, so no partner can ever arrive:
- an operation on `make(chan T)` itself (`<-make(chan int)`,
  `make(chan int) <- v`, a `select` whose every case is one). A bare
  `<-make(chan T)` is flagged only in a function that runs as a
  goroutine of its own (a literal started with `go`, a function a `go`
  statement starts): elsewhere it is the spelled-out idiom for parking
  the caller on purpose (an exit hook that freezes instead of exiting),
  as `main` parks on it;
- a local channel made in a function (`ch := make(chan T)`) and never
  handed to another goroutine: not captured by a `go` statement or by a
  function literal that may run elsewhere, not passed to a function
  outside the package (same-package callees are followed: they run in
  the caller's goroutine), not stored, sent or returned. Then
  - unbuffered, its first blocking send (and its first blocking receive
    or `range` when nothing closes it) waits for a partner that only the
    waiting goroutine itself could be;
  - buffered with a constant size, when every operation is a plain
    statement in the list where the channel is made, in order, a send
    that finds the buffer full or a receive that finds it empty (and not
    closed) blocks the same way.

A channel with sends and no receives is LG107's, one with receives and
no sends LG101's, a `range` nothing closes LG104's: this rule flags the
channels those rules see a partner for, when the partner is the very
goroutine that waits. The main goroutine of `main.main` parking itself
on `<-make(chan struct{})` is the idiom for serving forever; it is not
flagged.

## Why is this bad?
The operation waits forever: the goroutine is never freed, with all it
references (in the main goroutine, the program deadlocks).

## Example
```go
func sum(xs []int) int {
	results := make(chan int)
	for _, x := range xs {
		results <- x * x // blocks forever: nobody else holds results
	}
	total := 0
	for range xs {
		total += <-results
	}
	return total
}
```

## Use instead
Start the senders as goroutines (`go func(x int) { results <- x * x }(x)`),
or give the channel a buffer as large as the number of sends.

## Fix safety
No automatic fix: whether to buffer or to start a goroutine is a design
decision.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    for ch in cx.channels() {
        if let Some((op, msg)) = blocked_op(cx, ch) {
            if op.function == "main.main" {
                continue;
            }
            let mut d = Diagnostic::new(RULE.code, op.span, msg).in_function(&op.function);
            if let Some(o) = ch.origin.as_ref().filter(|o| o.file == op.file) {
                let why = match ch.capacity {
                    Capacity::Unbuffered => "made here without a buffer",
                    _ => "made here with a buffer too small for its sends",
                };
                d = d.with_related(
                    o.make,
                    format!("{why}, and never handed to another goroutine"),
                );
            }
            out.push(FileDiagnostic {
                file: op.file,
                diagnostic: d,
            });
        }
    }
    fresh_make_ops(cx, out);
}

/// A local channel only the goroutine that made it can reach.
fn unreachable(ch: &Channel) -> bool {
    ch.kind == ChannelKind::Local
        && ch.escape == Escape::None
        && ch.spawns.is_empty()
        && ch.origin.is_some()
        && ch.ops.iter().all(|o| o.goroutine.is_none())
}

/// The operation that blocks forever, and why.
fn blocked_op<'c>(cx: &PackageContext, ch: &'c Channel) -> Option<(&'c Op, String)> {
    if !unreachable(ch) {
        return None;
    }
    match ch.capacity {
        Capacity::Unbuffered => unbuffered(cx, ch),
        Capacity::Const(n) => buffered(cx, ch, n),
        _ => None,
    }
}

/// Unbuffered: a send always waits for another goroutine, a receive too
/// unless the channel is closed. Only channels other rules see a partner
/// for (a send and a receive or range) are judged here.
fn unbuffered<'c>(cx: &PackageContext, ch: &'c Channel) -> Option<(&'c Op, String)> {
    if !ch.has(OpKind::Send) || !(ch.has(OpKind::Recv) || ch.has(OpKind::Range)) {
        return None;
    }
    let closed = ch.has(OpKind::Close);
    let origin = ch.origin.as_ref()?;
    // The first to run: ordered by where the maker reaches them (a
    // helper's operation at the call of the helper).
    let mut first: Option<(u32, &Op)> = None;
    for o in &ch.ops {
        let at = anchor(cx, origin, o)?;
        let candidate =
            o.blocking() && (o.kind == OpKind::Send || (!closed && o.kind != OpKind::Close));
        if candidate && first.is_none_or(|(a, f)| (at, o.span.start) < (a, f.span.start)) {
            first = Some((at, o));
        }
    }
    let (_, op) = first?;
    let what = match op.kind {
        OpKind::Send => format!("send on `{}`", ch.name),
        OpKind::Range => format!("range over `{}`", ch.name),
        _ => format!("receive from `{}`", ch.name),
    };
    Some((
        op,
        format!(
            "{what} blocks forever: the channel is unbuffered and no other goroutine can reach it, so its partner would have to be this very goroutine"
        ),
    ))
}

/// Where the function that made the channel reaches operation `o`: the
/// operation itself, or the call of the same-package helper it is in
/// (one call deep); `None` when that is not known.
fn anchor(cx: &PackageContext, origin: &Origin, o: &Op) -> Option<u32> {
    if o.function == origin.function && o.file == origin.file {
        return Some(o.span.start);
    }
    let funcs = cx.functions();
    let maker = origin.maker(cx)?;
    let helper = funcs.iter().find(|f| f.name == o.function)?;
    let FuncKind::Decl(d) = helper.kind else {
        return None;
    };
    let view = cx.types(maker.file)?;
    let m = view.model();
    let path = &cx.file(helper.file).path;
    let mut at = None;
    inspect(Node::Block(maker.body), &mut |n| {
        if let Node::Call(c) = n {
            let callee = view.object_of_expr(&c.fun).and_then(|f| m.decl_path(f));
            if callee.is_some_and(|(p, off)| p == path && off == d.name.pos) {
                at = Some(c.lparen);
            }
        }
        at.is_none()
    });
    at
}

/// Buffered with `n` slots: every operation a plain statement of the
/// list that makes the channel, simulated in order.
fn buffered<'c>(cx: &PackageContext, ch: &'c Channel, n: u64) -> Option<(&'c Op, String)> {
    if !ch.has(OpKind::Recv) || ch.has(OpKind::Range) {
        return None; // no receive: LG107's; a range: LG104's
    }
    let origin = ch.origin.as_ref()?;
    let f = origin.maker(cx)?;
    // A helper's operations run at its call: their order is not the
    // text's, so every operation must be the maker's own.
    if ch
        .ops
        .iter()
        .any(|o| o.function != origin.function || o.file != origin.file)
    {
        return None;
    }
    let list = list_holding(f.body, origin.make.start)?;
    // Every operation, in the order the list runs them, up to the one
    // that blocks (what comes after it never runs).
    let mut ops: Vec<&Op> = ch.ops.iter().collect();
    ops.sort_by_key(|o| o.span.start);
    let (mut held, mut closed) = (0u64, false);
    for op in ops {
        if !op.blocking() || !is_statement_op(list, op) {
            return None;
        }
        match op.kind {
            OpKind::Send if held == n => {
                return Some((op, format!(
                    "send on `{}` blocks forever: its buffer of {n} is full here and no other goroutine can reach the channel to receive",
                    ch.name
                )));
            }
            OpKind::Send => held += 1,
            OpKind::Recv if held == 0 && !closed => {
                return Some((op, format!(
                    "receive from `{}` blocks forever: its buffer is empty here and no other goroutine can reach the channel to send",
                    ch.name
                )));
            }
            OpKind::Recv => held = held.saturating_sub(1),
            OpKind::Close => closed = true,
            OpKind::Range => return None,
        }
    }
    None
}

/// The statement list (of `body`, outside function literals) that holds
/// a statement starting at or around `at`.
fn list_holding(body: &BlockStmt, at: u32) -> Option<&[Stmt]> {
    let mut found = None;
    inspect(Node::Block(body), &mut |n| {
        let list: &[Stmt] = match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Block(b) => &b.list,
            Node::CaseClause(c) => &c.body,
            Node::CommClause(c) => &c.body,
            _ => return found.is_none(),
        };
        if list
            .iter()
            .any(|s| s.span().start <= at && at < s.span().end)
        {
            found = Some(list);
        }
        true
    });
    found
}

/// The operation is a statement of `list` by itself: `ch <- v`, `<-ch`,
/// `v := <-ch`, `close(ch)`.
fn is_statement_op(list: &[Stmt], op: &Op) -> bool {
    list.iter().any(|s| {
        let inner = match s {
            Stmt::Send(_) => Some(s.span()),
            Stmt::Expr(x) => Some(x.unparen().span()),
            Stmt::Assign(a) if a.rhs.len() == 1 => Some(a.rhs[0].unparen().span()),
            _ => None,
        };
        inner.is_some_and(|sp| sp == op.span || (op.kind == OpKind::Send && s.span() == op.span))
    })
}

// ---- operations on `make(chan T)` itself ----

/// For each function of the package, whether some `go` statement starts it.
fn started_by_go(cx: &PackageContext) -> Vec<bool> {
    let mut started = vec![false; cx.functions().len()];
    for c in cx.calls().iter().flatten().filter(|c| c.go) {
        if let Some(s) = started.get_mut(c.callee) {
            *s = true;
        }
    }
    started
}

/// `<-make(chan T)`, `make(chan T) <- v`, and a `select` whose every case
/// is one: a channel nobody else can ever hold.
fn fresh_make_ops(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    // Spelled out, `<-make(chan T)` parks on purpose: a goroutine started
    // to run it is one left behind, while a function called in place
    // (an exit hook that freezes its caller, as `main` may park itself)
    // blocks the caller it was written to block.
    // Which functions some `go` starts: one pass over the calls (not one
    // per function: that was quadratic), made only for a package that has
    // a candidate (the calls are not built for the others).
    let mut started: Option<Vec<bool>> = None;
    for (fi, f) in cx.functions().iter().enumerate() {
        let src = &cx.file(f.file).src;
        // Such an operation is written with both `<-` and `make(`: a text
        // search spares walking the many functions that have neither.
        let text = f.body.span_text(src);
        let may = text.is_empty() || (text.contains("<-") && text.contains("make("));
        if f.name == "main.main" || !may {
            continue;
        }
        let started = started.get_or_insert_with(|| started_by_go(cx));
        let goroutine = f.spawned || started[fi];
        let Some(view) = cx.types(f.file) else {
            continue;
        };
        let is_fresh = |x: &Expr| make_chan(x, src, &view).is_some();
        let mut found: Vec<(Span, String)> = Vec::new();
        inspect(Node::Block(f.body), &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Stmt(Stmt::Select(sel)) => {
                if all_cases_fresh(sel, &is_fresh) {
                    let span = Span::new(sel.pos, sel.pos + "select".len() as u32);
                    found.push((span, "select blocks forever: every case is on a channel made in the case itself, which no other goroutine can reach".into()));
                }
                for c in &sel.body.clauses {
                    for s in &c.body {
                        inspect(Node::stmt(s), &mut |n| {
                            fresh_op(n, &view, src, goroutine, &mut found)
                        });
                    }
                }
                false
            }
            other => fresh_op(other, &view, src, goroutine, &mut found),
        });
        for (span, msg) in found {
            out.push(FileDiagnostic {
                file: f.file,
                diagnostic: Diagnostic::new(RULE.code, span, msg).in_function(&f.name),
            });
        }
    }
}

/// `goroutine`: the function runs as a goroutine of its own (a literal
/// started with `go`, or a function some `go` statement starts). A bare
/// `<-make(chan T)` elsewhere is the idiom for parking the caller (an
/// exit hook that freezes instead of exiting): not flagged.
fn fresh_op(
    n: Node,
    view: &FileView,
    src: &str,
    goroutine: bool,
    found: &mut Vec<(Span, String)>,
) -> bool {
    let (span, ch, verb) = match n {
        Node::Expr(Expr::FuncLit(_)) | Node::Stmt(Stmt::Select(_)) => return false,
        Node::Stmt(st @ Stmt::Send(s)) => (st.span(), &s.chan, "send on"),
        Node::Expr(x @ Expr::Unary(u)) if u.op == Token::Arrow && goroutine => {
            (x.span(), &u.x, "receive from")
        }
        Node::Stmt(Stmt::Expr(x)) if !goroutine && recv_of(x).is_some() => return false,
        _ => return true,
    };
    if make_chan(ch, src, view).is_some() {
        found.push((
            span,
            format!("{verb} a channel made right here blocks forever: no other goroutine can ever reach it"),
        ));
    }
    true
}

fn all_cases_fresh(sel: &SelectStmt, is_fresh: &dyn Fn(&Expr) -> bool) -> bool {
    !sel.body.clauses.is_empty()
        && sel.body.clauses.iter().all(|c| match &c.comm {
            Some(Stmt::Send(s)) => is_fresh(&s.chan),
            Some(Stmt::Expr(x)) => recv_of(x).is_some_and(is_fresh),
            Some(Stmt::Assign(a)) if a.rhs.len() == 1 => recv_of(&a.rhs[0]).is_some_and(is_fresh),
            _ => false,
        })
}

fn recv_of(x: &Expr) -> Option<&Expr> {
    match x.unparen() {
        Expr::Unary(u) if u.op == Token::Arrow => Some(&u.x),
        _ => None,
    }
}
