//! LG104 range-over-unclosed-channel.

use crate::channels::{Channel, ChannelKind, Escape, Op, OpKind, VarRef};
use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::flow::{pending_exits, Obligation};
use crate::registry::Rule;
use crate::syntax::{never_returns, word_at};
use letgo_go::ast::{CallExpr, Expr, Stmt};
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{Builtin, ObjKind};

pub const RULE: Rule = Rule {
    code: "LG104",
    name: "range-over-unclosed-channel",
    summary: "`for range ch` over a local channel that nothing closes",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG104 range-over-unclosed-channel

## What it does
Flags `for v := range ch` over a channel made in a function, when nothing
that can see the channel (the function, its goroutines, the same-package
functions it is handed to) ever closes it.

Calls are seen through: a channel handed to a function value, an
interface method, a function of another package of the module or a chain
of calls deeper than four is judged by those callees' summaries over the
call graph (what each sends, receives, closes or ranges over, by
parameter). A range inside such a callee is reported at the call that
hands the channel over. A callee out of view (another module, an
interface with no implementation in view, a function value of unknown
origin, a callee that stores the channel) means no finding.

The same holds when the function that made the channel closes it on
some paths only: a goroutine it started ranges over the channel (with no
other way out of the loop), the function closes the channel itself, not
in a `defer`, and a path from the `go` statement returns without the
close (an early error return between the sends). The range then never
ends; the finding names that return. A channel handed to a call, stored
or returned on the way is out of view, and `main` (whose return ends the
process) is left alone.

A channel made by a function that runs once per process (what `main`,
`init` or a command's action calls or starts outside loops; the README's
"runs once per process"), outside any loop without bound, is ranged over
once, for as long as the process runs: a pipeline stage started at
startup, not a leak that grows. So is one its maker closes on some paths
only: a path that skips the close strands the ranging goroutine once,
until the process ends (a command's download that returns on `ctx.Err()`
before closing its error channel). No finding (`fixtures/lg104/daemon`).

## Why is this bad?
A range over a channel ends only when the channel is closed. Once the
senders are done, the ranging goroutine waits forever; made per call, the
channel leaks one goroutine per call. Channels of a package-level worker
pool, meant to live as long as the process, are not flagged.

## Example
```go
func sum(xs []int) int {
	ch := make(chan int)
	go func() {
		for _, x := range xs {
			ch <- x
		}
	}()
	total := 0
	for v := range ch { // never ends: ch is never closed
		total += v
	}
	return total
}
```

## Use instead
```go
	go func() {
		defer close(ch)
		for _, x := range xs {
			ch <- x
		}
	}()
```

## Fix safety
No automatic fix: where the last send happens is for the author to say.
"#;

/// Whether the body of the range loop at `op` can leave it (a `break` on
/// a sentinel, a `return`, `t.Fatal`): then it need not end by a close.
fn body_leaves(cx: &PackageContext, op: &crate::channels::Op) -> bool {
    let sf = cx.file(op.file);
    let mut leaves = false;
    letgo_go::visit::inspect(letgo_go::visit::Node::File(&sf.ast), &mut |n| {
        if let letgo_go::visit::Node::Stmt(letgo_go::ast::Stmt::Range(r)) = n {
            if r.x.pos() == op.span.start {
                leaves = crate::syntax::loop_exit(&r.body, &sf.src).is_some();
            }
        }
        !leaves
    });
    leaves
}

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    for ch in cx.channels() {
        if ch.kind != ChannelKind::Local || !ch.has(OpKind::Range) {
            continue;
        }
        // A channel made once per process is ranged over for its life, and
        // a path of its maker that skips the close strands its ranging
        // goroutine once, until the process (a command) exits.
        if crate::once::made_once(cx, ch) {
            continue;
        }
        if ch.has(OpKind::Close) {
            out.extend(close_skipped(cx, ch));
            continue;
        }
        if !ch.senders_in_view() {
            continue;
        }
        let Some(range) = ch.ops_of(OpKind::Range).find(|r| !body_leaves(cx, r)) else {
            continue;
        };
        let msg = match range.through_call {
            false => format!("range over `{}` never ends: nothing closes it", ch.name),
            true => format!(
                "the callee's range over `{}` (handed over here) never ends: nothing closes it",
                ch.name
            ),
        };
        out.push(FileDiagnostic {
            file: range.file,
            diagnostic: with_made(
                Diagnostic::new(RULE.code, range.span, msg).in_function(&range.function),
                ch.made_in(range.file),
                format!("`{}` is made here; nothing closes it", ch.name),
            ),
        });
    }
}

fn with_made(d: Diagnostic, made: Option<letgo_go::ast::Span>, label: String) -> Diagnostic {
    match made {
        Some(span) => d.with_related(span, label),
        None => d,
    }
}

/// A local channel its maker closes on some paths only, ranged over by a
/// goroutine the maker started: the first return after the `go`
/// statement that leaves without closing it.
fn close_skipped(cx: &PackageContext, ch: &Channel) -> Option<FileDiagnostic> {
    let origin = ch.origin.as_ref()?;
    if ch.escape != Escape::None || origin.function == "main.main" {
        return None;
    }
    let range = ch
        .ops_of(OpKind::Range)
        .find(|r| r.goroutine.is_some() && !r.through_call && !body_leaves(cx, r))?;
    // Every close is the maker's own, written in its body after the `go`
    // statement (a close before it ends the range before it starts).
    let go_at = range.goroutine?;
    let mut closes = ch.ops_of(OpKind::Close);
    if !closes.all(|c| {
        c.goroutine.is_none()
            && c.function == origin.function
            && !c.through_call
            && c.file == origin.file
            && c.span.start > go_at
    }) {
        return None;
    }
    let maker = origin.maker(cx)?;
    let src = &cx.file(maker.file).src;
    let var = ch.var_ref(cx, maker.file);
    let ob = HandsOn {
        cx,
        file: maker.file,
        ch: &var,
        go_at,
        src,
    };
    if deferred_close(maker.body, &ob) {
        return None;
    }
    let exit = *pending_exits(maker.body, src, &ob).first()?;
    Some(skipped_finding(cx, ch, range, maker.file, exit.offset()))
}

fn skipped_finding(
    cx: &PackageContext,
    ch: &Channel,
    range: &Op,
    maker_file: usize,
    exit: u32,
) -> FileDiagnostic {
    let sf = cx.file(maker_file);
    let line = sf.line_col(exit).0;
    let msg = format!(
        "range over `{}` never ends when its maker returns at line {line}: that path does not close it",
        ch.name
    );
    let label = format!("this return leaves without closing `{}`", ch.name);
    let mut d = Diagnostic::new(RULE.code, range.span, msg).in_function(&range.function);
    d = match maker_file == range.file {
        true => d.with_related(word_at(&sf.src, exit), label),
        false => d.with_related_in(maker_file, word_at(&sf.src, exit), label),
    };
    FileDiagnostic {
        file: range.file,
        diagnostic: d,
    }
}

/// A `defer` in the maker's body that closes the channel (or hands it to
/// a call), directly or in a deferred literal: every path out closes it,
/// wherever the `defer` stands.
fn deferred_close(body: &letgo_go::ast::BlockStmt, ob: &HandsOn) -> bool {
    let mut found = false;
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Stmt(Stmt::Defer(d)) => {
                inspect(Node::Call(&d.call), &mut |m| {
                    found |= matches!(m, Node::Call(c) if ob.hands_over(c));
                    !found
                });
            }
            _ => {}
        }
        !found
    });
    found
}

/// From the `go` statement that starts the ranging goroutine: `close(ch)`
/// (the builtin, by its object), or the channel handed to any call, which
/// may close it out of sight.
struct HandsOn<'s> {
    cx: &'s PackageContext<'s>,
    file: usize,
    ch: &'s VarRef<'s>,
    go_at: u32,
    src: &'s str,
}

impl HandsOn<'_> {
    /// `close(ch)`, or `ch` passed to any other call but a builtin.
    fn hands_over(&self, c: &CallExpr) -> bool {
        if !c.args.iter().any(|a| self.ch.is(a)) {
            return false;
        }
        let view = self.cx.types(self.file);
        match view.and_then(|v| v.object_of_expr(&c.fun).map(|o| v.model().obj(o).kind)) {
            Some(ObjKind::Builtin(b)) => b == Builtin::Close,
            _ => true,
        }
    }

    fn lets_go(&self, node: Node) -> bool {
        let mut found = false;
        inspect(node, &mut |n| {
            match n {
                Node::Expr(Expr::FuncLit(_)) => return false,
                Node::Call(c) => found |= self.hands_over(c),
                _ => {}
            }
            !found
        });
        found
    }
}

impl Obligation for HandsOn<'_> {
    fn starts(&self, stmt: &Stmt) -> bool {
        matches!(stmt, Stmt::Go(_)) && stmt.pos() == self.go_at
    }
    fn meets_stmt(&self, stmt: &Stmt) -> bool {
        self.lets_go(Node::stmt(stmt))
    }
    fn meets_expr(&self, expr: &Expr) -> bool {
        self.lets_go(Node::expr(expr))
    }
    fn never_returns(&self, call: &CallExpr) -> bool {
        never_returns(call, self.src)
    }
}
