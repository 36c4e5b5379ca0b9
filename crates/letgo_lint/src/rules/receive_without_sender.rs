//! LG101 receive-without-sender.

use crate::channels::{Channel, ChannelKind, Op, OpKind, VarRef};
use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::flow::{pending_exits_from_entry, Obligation};
use crate::registry::Rule;
use crate::rules::nil_channel_op;
use crate::summaries::channels::ChanSummaries;
use crate::syntax::{ident_name, never_returns, word_at};
use letgo_go::ast::{CallExpr, Expr, Span, Stmt};
use letgo_go::visit::{inspect, Node};
use letgo_types::model::FileId;

pub const RULE: Rule = Rule {
    code: "LG101",
    name: "receive-without-sender",
    summary: "a receive from a channel that nothing sends to or closes",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG101 receive-without-sender

## What it does
Flags a blocking receive (`<-ch`, `v := <-ch`, a `select` with only that
case) from a channel that nothing in view ever sends to or closes — a
local channel and the goroutines and functions it is handed to, or an
unexported field or package variable across the whole package — and a
receive from a channel that the goroutine meant to close closes only on
some paths. Channels are program objects, not names: the `done` field of
one struct type is not the `done` field of another, and a parameter named
like a package variable is another channel. A channel the package never
makes (always nil) is LG108's.

A channel every one of whose sends and receives in the package's own
(non-test) files sits inside `if ch != nil { ... }` (alone or joined with
`&&`), and that those files never set to anything but `nil`, is an
optional hook: the code treats "no channel installed" as a normal
state, and whoever installs one (a test, often behind a build tag;
another package setting the field) is the partner the operation waits
for, out of the package's view (`fixtures/lg107/hooks`). It is not
judged. A hook the package installs itself is judged like any channel.

Calls are seen through: a channel handed to a function of another
package of the module, to an interface method (every implementation in
view) or to a function value (every function assigned to it in view) is
judged by what those callees do to it, from their summaries over the call
graph. When every callee only receives too, nothing sends: the receive is
flagged (at the receive in the function that made the channel; in a
callee's, at the call that hands the channel over). A path of the closing
goroutine that hands the channel to a callee that closes it (or to one out
of view) counts as closing. A channel a function makes and returns is
flagged when a caller throws the result away and nothing the function
starts sends to it. A callee outside the checked packages, an interface
with no implementation in view, a function value of unknown origin, or a
callee that stores or passes the channel on, means no finding.

A context's `Done` channel is closed by its cancel. A goroutine started
with `go` that receives from `ctx.Done()` (a plain receive) waits forever
when the context comes from `context.WithCancel(parent)` in the function
that starts it, the parent is never cancelled (`context.Background()` or
`TODO()`, directly or passed by every same-package caller of an
unexported function), the cancel is kept only in a field of the
package's own struct, and no call of that field can run first: the
function returns the struct and every caller throws it away (and the
goroutine never cancels), or every call of the field comes after the
receive, in the goroutine itself or in a function only it calls after
the receive (a cleanup that cancels once the context is done). A cancel
also kept elsewhere (a local that is called or deferred, another
package, a caller that keeps the value) means no finding.

## Why is this bad?
Such a receive waits forever. The goroutine doing it, and all it
references, is never freed; a `stopCh` field that is only ever received
from keeps every worker of every instance alive.

## Example
```go
done := make(chan struct{})
go func() {
	if err := work(); err != nil {
		return // done is never closed on this path
	}
	close(done)
}()
<-done
```

## Use instead
```go
go func() {
	defer close(done)
	if err := work(); err != nil {
		return
	}
}()
```

## Fix safety
No automatic fix: which path should send or close is a design decision.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    uncancelled(cx, out);
    for ch in cx.channels() {
        // A returned channel whose caller throws it away: for that call,
        // every send and close there could be is in view.
        let discarded = ch.discarded_at.filter(|_| !ch.senders_in_view());
        if !(ch.senders_in_view() || discarded.is_some()) || ch.has(OpKind::Send) {
            continue;
        }
        // An optional hook (every use under `ch != nil`): its partner is
        // whoever installs it, out of the package's view.
        if ch.optional_hook(cx) {
            continue;
        }
        let Some(recv) = first_blocking_receive(ch) else {
            continue;
        };
        let (msg, related) = if ch.has(OpKind::Close) {
            match closed_on_some_paths(cx, ch, recv) {
                Some(m) => m,
                None => continue,
            }
        } else {
            let what = match recv.through_call {
                false => format!("receive from `{}`", ch.name),
                true => format!("the callee's receive from `{}` (handed over here)", ch.name),
            };
            let msg = match discarded {
                None => format!(
                    "{what} blocks forever: nothing in {} sends to it or closes it",
                    scope(ch)
                ),
                Some((file, at)) => format!(
                    "{what} blocks forever when the caller at {}:{} throws the returned channel away: nothing else sends to it or closes it",
                    crate::rules::send_without_receiver::file_name(cx, file),
                    cx.file(file).line_col(at).0
                ),
            };
            let made = ch.made_in(recv.file).map(|span| {
                let label = format!(
                    "`{}` is made here; nothing sends to it or closes it",
                    ch.name
                );
                (span, label)
            });
            (msg, made)
        };
        if nil_channel_op::flags_at(cx, recv.file, recv.span.start) {
            continue; // never made: LG108's
        }
        let mut d = Diagnostic::new(RULE.code, recv.span, msg).in_function(&recv.function);
        if let Some((span, label)) = related {
            d = d.with_related(span, label);
        }
        out.push(FileDiagnostic {
            file: recv.file,
            diagnostic: d,
        });
    }
}

/// Goroutines waiting on the `Done` of a context nothing can cancel
/// (see [`crate::uncancelled`]).
fn uncancelled(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    for u in crate::uncancelled::find(cx) {
        let f = &cx.functions()[u.func];
        let what = cx.text(f.file, u.span);
        let msg = format!(
            "`{what}` blocks forever: its context has a parent nothing cancels, and {}",
            u.why
        );
        let mut d = Diagnostic::new(RULE.code, u.span, msg).in_function(&f.name);
        if let Some((file, span, label)) = u.related {
            d = match file == f.file {
                true => d.with_related(span, label),
                false => d.with_related_in(file, span, label),
            };
        }
        out.push(FileDiagnostic {
            file: f.file,
            diagnostic: d,
        });
    }
}

fn scope(ch: &Channel) -> &'static str {
    match ch.kind {
        ChannelKind::Local => "this function or the goroutines it starts",
        ChannelKind::Field | ChannelKind::Global => "the package",
    }
}

/// A plain receive, or a `select` whose only case receives (a range is
/// LG104's to judge): the one in the flow of the function that made the
/// channel first (where its caller waits), then one written in this
/// package, then one inside a callee (reported at the call).
fn first_blocking_receive(ch: &Channel) -> Option<&Op> {
    let blocking = || ch.ops_of(OpKind::Recv).filter(|o| o.blocking());
    blocking()
        .find(|o| o.goroutine.is_none() && !o.through_call)
        .or_else(|| blocking().find(|o| !o.through_call))
        .or_else(|| blocking().next())
}

/// For a local channel that a goroutine it starts closes: a path of that
/// goroutine that returns without closing, while the maker waits; the
/// message, and that return as a related place when in the receive's file.
fn closed_on_some_paths(
    cx: &PackageContext,
    ch: &Channel,
    recv: &Op,
) -> Option<(String, Option<(Span, String)>)> {
    if ch.kind != ChannelKind::Local || recv.goroutine.is_some() {
        return None;
    }
    let closes: Vec<&Op> = ch.ops_of(OpKind::Close).collect();
    // A close inside a loop runs on an iteration the paths cannot tell.
    if closes.iter().any(|c| c.goroutine.is_none() || c.in_loop) {
        return None;
    }
    let closer = cx
        .functions()
        .iter()
        .find(|f| f.name == closes[0].function && f.spawned)?;
    let src = &cx.file(closer.file).src;
    let var = ch.var_ref(cx, closer.file);
    let ob = Closes {
        ch: &var,
        src,
        calls: cx
            .types(closer.file)
            .map(|v| v.file_id())
            .zip(cx.chan_summaries()),
    };
    let exit = *pending_exits_from_entry(closer.body, src, &ob).first()?;
    let (line, _) = cx.file(closer.file).line_col(exit.offset());
    let msg = format!(
        "receive from `{}` can block forever: the goroutine that closes it returns at line {line} without closing it",
        ch.name
    );
    let related = (closer.file == recv.file).then(|| {
        let label = format!("this return leaves without closing `{}`", ch.name);
        (word_at(src, exit.offset()), label)
    });
    Some((msg, related))
}

/// From the start of the goroutine, `close(ch)`, a send, or a call that
/// hands the channel to a callee that closes or sends on it (by its
/// summary) or is out of view (it may).
struct Closes<'s> {
    ch: &'s VarRef<'s>,
    src: &'s str,
    /// The goroutine's file in the model, and the run's summaries.
    calls: Option<(FileId, (&'s letgo_types::Semantic, &'s ChanSummaries))>,
}

impl Closes<'_> {
    fn hands_to_closer(&self, c: &CallExpr) -> bool {
        let Some(i) = c.args.iter().position(|a| self.ch.is(a)) else {
            return false;
        };
        let Some((file, (sem, sums))) = self.calls else {
            return true;
        };
        sums.arg_ops(sem, file, c, i).is_none_or(|ops| {
            ops.iter()
                .any(|(k, _, _)| matches!(k, OpKind::Close | OpKind::Send))
        })
    }

    fn closes(&self, node: Node) -> bool {
        let mut found = false;
        inspect(node, &mut |n| {
            match n {
                Node::Call(c) => {
                    found |= ident_name(&c.fun, self.src) == Some("close")
                        && c.args.first().is_some_and(|a| self.ch.is(a));
                    found |= self.hands_to_closer(c);
                }
                Node::Stmt(Stmt::Send(s)) => found |= self.ch.is(&s.chan),
                _ => {}
            }
            !found
        });
        found
    }
}

impl Obligation for Closes<'_> {
    fn starts(&self, _stmt: &Stmt) -> bool {
        false
    }
    fn meets_stmt(&self, stmt: &Stmt) -> bool {
        self.closes(Node::stmt(stmt))
    }
    fn meets_expr(&self, expr: &Expr) -> bool {
        self.closes(Node::expr(expr))
    }
    fn never_returns(&self, call: &CallExpr) -> bool {
        never_returns(call, self.src)
    }
}
