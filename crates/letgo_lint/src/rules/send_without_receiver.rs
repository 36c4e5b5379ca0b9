//! LG107 send-without-receiver.

use crate::channels::{Capacity, Channel, ChannelKind, OpKind};
use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::registry::Rule;
use crate::rules::nil_channel_op;
use letgo_go::ast::Stmt;
use letgo_go::visit::{inspect, Node};

pub const RULE: Rule = Rule {
    code: "LG107",
    name: "send-without-receiver",
    summary: "a blocking send on a channel that nothing receives from",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG107 send-without-receiver

## What it does
Flags a blocking send on a channel that nothing in view ever receives
from — a local channel and the goroutines and functions it is handed
to, or an unexported field (of one struct type: same-named fields of
other types are other channels) or package variable across the whole
package; in a package nobody can import (a command, or a folder of only
`_test.go` files) an exported field too — when the channel's buffer cannot hold every send: for a field or package
variable, a buffer whose size is not a constant (`make(chan T, n)`) is no
excuse — nothing ever drains it, and the methods that send may run any
number of times, so one send finds it full. A channel
the package never makes (always nil) is LG108's.

A channel every one of whose sends and receives in the package's own
(non-test) files sits inside `if ch != nil { ... }` (alone or joined with
`&&`), and that those files never set to anything but `nil`, is an
optional hook: the code treats "no channel installed" as a normal
state, and whoever installs one (a test, often behind a build tag;
another package setting the field) is the partner the operation waits
for, out of the package's view (`fixtures/lg107/hooks`). It is not
judged. A hook the package installs itself is judged like any channel.

A channel a test makes and hands to the code under test is judged only
at the sends written in test files: the code under test's sends are
judged with the program's own callers' channels (a test's unbuffered
channel often stands for "no send expected"; a send would hang the
test, which is its failure signal, not a leak of the program).

In a package nobody can import, a function or method nothing in the
package names never runs, and its receives drain nothing (a `Drain`
method no code calls). A method counts as named when any selector in
the package is spelled as it, or any interface type of the program has
a method of its name (`String`, `Read`: another package may call it
through that interface); where the package imports a package out of
view, whose interfaces are unknown, every method counts as named.

A close elsewhere may end a blocked send (with a panic: a protocol the
author chose), so a channel that is closed is left alone, unless every
close is a `defer close(ch)` of one function and every send is written
in that function or in a function only it calls: that close runs after
a send that never returns, and frees nobody.

Calls are seen through: a channel handed to a function value, an
interface method, a function of another package of the module or a chain
of calls deeper than four is judged by those callees' summaries over the
call graph. A channel a function makes and returns (and lets go nowhere
else) is flagged when a caller throws the result away — a call statement,
`go`/`defer`, `_ = f()` — and nothing the function starts receives: for
that call nobody else ever can. A callee out of view (another module, an
interface with no implementation in view, a function value of unknown
origin, a callee that stores the channel) means no finding.

## Why is this bad?
The send waits forever for a receiver that does not exist. The goroutine
that sends is never freed, with everything it references.

## Example
```go
func start() {
	done := make(chan bool)
	go func() {
		work()
		done <- true // nobody receives: blocks forever
	}()
}
```

## Use instead
Receive from the channel where the result is needed, or drop the channel
if nobody needs the signal.

## Fix safety
No automatic fix: whether the value is needed is a design decision.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    for ch in cx.channels() {
        // A closed channel makes a later send panic, not block: a protocol
        // the author chose, not a leak.
        // A returned channel whose caller throws it away: for that call,
        // every receive there could be is in view.
        let discarded = ch.discarded_at.filter(|_| !ch.receivers_in_view());
        if !(ch.receivers_in_view() || discarded.is_some())
            || ch.has(OpKind::Recv)
            || ch.has(OpKind::Range)
            || (ch.has(OpKind::Close) && !closed_after_own_sends(cx, ch))
        {
            continue;
        }
        // An optional hook (every use under `ch != nil`): its partner is
        // whoever installs it, out of the package's view.
        if ch.optional_hook(cx) {
            continue;
        }
        let sends = || {
            ch.ops_of(OpKind::Send)
                .filter(|o| o.blocking() && judged_here(cx, ch, o))
        };
        let Some(send) = sends().find(|o| !o.through_call).or_else(|| sends().next()) else {
            continue;
        };
        if buffer_holds_every_send(ch) {
            continue;
        }
        let place = match ch.kind {
            ChannelKind::Local => "this function or the goroutines it starts",
            ChannelKind::Field | ChannelKind::Global => "the package",
        };
        let what = match send.through_call {
            false => format!("send on `{}`", ch.name),
            true => format!("the callee's send on `{}` (handed over here)", ch.name),
        };
        let msg = match discarded {
            None => format!("{what} blocks forever: nothing in {place} receives from it"),
            Some((file, at)) => {
                let (line, _) = cx.file(file).line_col(at);
                format!(
                    "{what} blocks forever when the caller at {}:{line} throws the returned channel away: nothing else receives from it",
                    file_name(cx, file)
                )
            }
        };
        if nil_channel_op::flags_at(cx, send.file, send.span.start) {
            continue; // never made: LG108's
        }
        let d = Diagnostic::new(RULE.code, send.span, msg).in_function(&send.function);
        out.push(FileDiagnostic {
            file: send.file,
            diagnostic: match ch.made_in(send.file) {
                Some(make) => d.with_related(
                    make,
                    format!("`{}` is made here; nothing receives from it", ch.name),
                ),
                None => d,
            },
        });
    }
}

/// A channel a test makes and hands to the code under test is the test's
/// harness: a send written outside test files is judged with the
/// program's own callers' channels, not with the test's (an unbuffered
/// channel there stands for "no send expected", and a send would hang
/// the test: its failure signal, not a leak of the program).
fn judged_here(cx: &PackageContext, ch: &Channel, send: &crate::channels::Op) -> bool {
    let made_in_test = ch.origin.as_ref().is_some_and(|o| cx.file(o.file).is_test);
    !made_in_test || cx.file(send.file).is_test
}

/// Every close is a `defer close(ch)` of one function `F`, and every
/// blocking send is written in `F` or in a function only `F` calls: the
/// close runs when `F` returns, after a send that never returns, so it
/// frees no sender.
fn closed_after_own_sends(cx: &PackageContext, ch: &Channel) -> bool {
    let view = cx.locks();
    let mut closers = ch.ops_of(OpKind::Close).map(|o| (o.function.as_str(), o));
    let Some((closer, _)) = closers.next() else {
        return false;
    };
    let Some(&f) = view.by_name.get(closer) else {
        return false;
    };
    let deferred = |o: &crate::channels::Op| {
        let mut found = false;
        inspect(Node::Block(cx.functions()[f].body), &mut |n| {
            if let Node::Stmt(Stmt::Defer(d)) = n {
                found |= d.call.pos() == o.span.start;
            }
            !found
        });
        found
    };
    let only_called_by_f = |g: usize| only_used_in(cx, g, f);
    ch.ops_of(OpKind::Close)
        .all(|o| o.function == closer && !o.through_call && deferred(o))
        && ch.ops_of(OpKind::Send).filter(|o| o.blocking()).all(|o| {
            match view.by_name.get(&o.function) {
                Some(&g) => !o.through_call && (g == f || only_called_by_f(g)),
                None => false,
            }
        })
}

/// Whether the declared function `g` is named (called, started by `go`,
/// taken as a value) somewhere, and only inside the body of function `f`.
fn only_used_in(cx: &PackageContext, g: usize, f: usize) -> bool {
    let funcs = cx.functions();
    let crate::funcs::FuncKind::Decl(d) = funcs[g].kind else {
        return false;
    };
    let Some(gv) = cx.types(funcs[g].file) else {
        return false;
    };
    let Some(target) = gv.object_of(&d.name).map(|o| gv.model().identity(o)) else {
        return false;
    };
    let body = funcs[f].body;
    let (mut inside, mut outside) = (0, 0);
    for (fi, sf) in cx.files() {
        let Some(view) = cx.types(fi) else {
            return false;
        };
        let m = view.model();
        inspect(Node::File(&sf.ast), &mut |n| {
            if let Node::Ident(i) = n {
                if i.pos != d.name.pos || fi != funcs[g].file {
                    let is = view.object_of(i).is_some_and(|o| m.identity(o) == target);
                    let within = fi == funcs[f].file && body.lbrace < i.pos && i.pos < body.end();
                    match (is, within) {
                        (true, true) => inside += 1,
                        (true, false) => outside += 1,
                        _ => {}
                    }
                }
            }
            true
        });
    }
    inside > 0 && outside == 0
}

/// The base name of a package file, for messages.
pub fn file_name(cx: &PackageContext, file: usize) -> String {
    let p = &cx.file(file).path;
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A buffer at least as large as the number of sends, when that number is
/// known (no send in a loop, no sender started in a loop).
fn buffer_holds_every_send(ch: &Channel) -> bool {
    let bounded = !ch.ops.iter().any(|o| o.in_loop) && !ch.spawns.iter().any(|s| s.in_loop);
    // A buffer is usually sized for the senders a loop starts; the loop's
    // count is not known here, so only a known count can overflow it.
    // A field or package variable nothing in the package receives from
    // can never be drained: its sends run each time the functions that
    // hold them run, so a buffer of a size not known here only delays the
    // send that finds it full.
    let undrained = matches!(ch.kind, ChannelKind::Field | ChannelKind::Global);
    match &ch.capacity {
        Capacity::Unbuffered => false,
        Capacity::Len(_) | Capacity::Unknown if undrained => false,
        Capacity::Const(_) if !bounded => true,
        Capacity::Const(n) => ch.ops_of(OpKind::Send).filter(|o| o.blocking()).count() as u64 <= *n,
        Capacity::Len(_) | Capacity::Unknown => true,
    }
}
