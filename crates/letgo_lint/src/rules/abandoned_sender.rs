//! LG103 abandoned-sender.

use crate::channels::{Capacity, Channel, ChannelKind, Escape, Op, OpKind, VarRef};
use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::flow::{pending_exits, Obligation};
use crate::funcs::Func;
use crate::registry::Rule;
use crate::syntax::{never_returns, word_at};
use letgo_go::ast::{BlockStmt, CallExpr, Expr, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};

pub const RULE: Rule = Rule {
    code: "LG103",
    name: "abandoned-sender",
    summary: "a goroutine sends on a channel whose receiver may stop receiving first",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG103 abandoned-sender

## What it does
Flags goroutines that send on an unbuffered (or too small) channel made
by a function that can stop receiving before they send: it returns on a
timeout or `ctx.Done()` case of a `select`, returns early on an error
path, receives once from many senders (each of which sends before it can
return), or leaves its receive loop early.

The sender may be a function literal or a function or method started
with `go` (`go c.produce(ch)`), or a literal handed to a goroutine
starter — `(*sync.WaitGroup).Go` (Go 1.25+) or errgroup's `(*Group).Go`,
known by the method's receiver type — which starts it once per call,
as `go` does (`fixtures/lg103/starters.go`): its sends are those the channel view sees
in it and the functions it hands the channel to, counted when each runs
at most once (none in a loop, in a callee called in a loop, or known only
from a callee's summary). A channel made inside a loop's body is a new
channel per iteration: for it, the body runs once, so a `break` or
`return` before the `make` abandons nobody.

A close of the channel in the sending goroutine itself (after its send)
does not excuse it: that close runs only once the send went through, so
it never frees a sender whose receiver has left. A close anywhere else
makes a blocked sender panic instead — another protocol — and keeps the
channel out of judgement.

It also flags a blocking send on a channel — a local, or an unexported
field or package variable across the package (in a package nobody can
import, a command or a folder of `_test.go` files, an exported field
too: only the package's own code can reach it); unbuffered, or buffered
with a send written in a loop or more send sites than slots, a goroutine
started once whose every send is followed by `return` counting as one
site as it ends after its first send; for a local channel whose every
send is in its maker's flow or in goroutine literals the maker starts,
sends are counted path by path instead — the branches of an `if`/`else`
or the clauses of a `switch` are alternatives, a goroutine adds the most
its own paths send, a send or `go` in a loop is unbounded unless every
send in the loop is followed by `return` (the goroutine ends at its
first) — and a
buffer that large holds them all (`fixtures/lg103/alternatives.go`) — whose every
receive is a case of a `select` inside a loop that another case of the
same `select` can leave (`case <-quit: return`, `case <-ctx.Done():
return`, a timeout, a `break` to the loop's label). Once that loop has
left, nothing receives any more and the next send blocks forever: the
sender must select on the same stop signal. The loop's exit is the
related place. Not judged: a buffer with room for every send (a send
that runs once, in a callback or a method, is the author's sizing), a
token semaphore — a channel the function that makes it then fills to
its capacity (`for range n { sem <- struct{}{} }` after `make(chan
struct{}, n)`, the same `n`), whose other sends give back tokens a
receive took and always find room (`fixtures/lg103/semaphore.go`), a
channel that is closed or ranged over, a receive anywhere else (outside
such a loop, or through a call), a loop whose only way out follows its
own receive (it counted what it waited for) or a `default` case (a
poll), a way out through a case receiving the senders' last word (one
goroutine, started once, makes every send on both channels and returns
right after each send on the other: a reader that reports its final
error and returns has made its last send before the loop leaves), and a
send in the loop's own function.

What such a finding must show is a send that can run once the loop has
left, with no room for it. So it is not made for: a send latched by a
flag (`if !sent { sent = true; ch <- v }`, the flag never cleared),
which runs once; a sender paced by its receiver — each round of its
loop first waits, in a plain receive, for a request that only the
receiving functions send, and each of their requests in a loop is
followed at once by the receive of the answer (ask, then wait) — which
leaves at most one round's answers pending (the sends that let the
round go on, plus one last word before a `return`), held by a constant
buffer that large; a receiver that starts its own successor (a `go
receiver()` reachable through its own calls: a loop that a rebuild it
triggers restarts; for a literal that its enclosing function starts or
hands to a runner at the top level of its body, a call of that
enclosing function reachable from the loop — a keep-alive loop whose
way out renews the lease, `fixtures/lg103/comes_back.go`), after which
another loop receives; senders started
one per round by a loop of the maker that receives from the channel
before the next round (the `go` followed in the loop's body, with no
`break`, `continue` or `goto` between, by a plain receive or a `select`
whose other cases `return`), each sending at most once (a literal, or
one of the literals handed in as the function value the `go` calls):
at most one send is ever pending, and a buffer of one holds it — a
retry loop that gives up on `ctx.Done()` leaves one sender, which finds
the slot free (`fixtures/lg103/paced_spawn.go`); and a way out
whose signal is sent only after `wg.Wait()` on a WaitGroup that every
sender calls `Done` on after its sends (deferred, or later on the
send's path), so that it comes after every send — or, for a way out
taken only once its channel is closed (the case `v, ok := <-results`
starting with `if !ok { return }`, or `if v == nil { return }` when
every send on it is `&T{...}`, nothing after that `if` leaving), whose
every `close` follows such a `wg.Wait()`: the fan-in that closes its
results once the workers are done (`fixtures/lg103/closed_way_out.go`);
nor a way out that
every sender checks first, in its own function, and returns on (`select
{ case <-s.stopped: return errStopped; default: }` before `s.reqs <-
r`): once the signal is ready every later sender returns before it
sends, and only a stop landing between one sender's check and its send
strands it — a race on a stopping object, not a path
(`fixtures/lg103/checked_first.go`); nor a field channel with room for
one value whose every blocking send is in one unexported method, each
followed by `return`, that the package names exactly once — a `go
x.m()` or call outside loops in the function that makes the field
(`closed: make(chan error, 1)` in the value it builds): each object
gets at most one send on its own channel, which its buffer holds
(`fixtures/lg103/per_instance.go`).

It flags one goroutine, started once by the function that made the
channel (unbuffered, or with a buffer of a constant size), that sends
in a loop (or in a callee called in a loop) and is drained by the
maker's only receive, a `for v := range ch`, when that `range` can be
left early — a `return`, or a `break` out of it — on a path the
received values do not decide (`ctx.Done()`, a count of its own, a
timeout): the producer's loop goes on sending after the consumer has
gone, and once the buffer is full it waits forever (cockroach/18101:
`restore` returns on `ctx.Done()` while `splitAndScatter` still sends).
An exit under a condition on the received value (`if r.err != nil {
return }`) may answer the producer's last word — an error it sends
just before it returns — and is not judged; nor a receive after the
loop or a deferred one (a drain), nor a buffer sized by the input
(`len(xs)`) or by a variable. The `range`'s exit is the related place.

And it flags a goroutine, started by the function that made an
unbuffered channel, that sends on it and then calls `wg.Done()` (after
the send on the send's own path — later in a statement list around it,
before any `return` there — or deferred; a `Done` written before the
send on its path lets `Wait` return first, and the receive then meets
the send) while that function calls `wg.Wait()` on the same
WaitGroup before any receive of its own (`wg.Wait(); close(ch); for v :=
range ch`): the send waits for the receive, the receive for `Wait`,
`Wait` for the `Done` after the send. The `make` and the `Wait` are the
related places. Not judged when another goroutine receives meanwhile,
or the channel is buffered.

A goroutine serving an `http.Server` whose every send on the channel
sits under a condition naming `http.ErrServerClosed` is not abandoned
by a maker that calls `Shutdown` or `Close` on an `http.Server` between
the `go` and the exit (or defers it): `Serve` then returns
`ErrServerClosed`, and the send never runs (`fixtures/lg103/server.go`;
one that sends every error still blocks, and is flagged).

A receiver that is a function that runs once per process (`main`, `init`, a
cobra/urfave/ffcli command's action, or what only such functions call
or start outside loops, in a package other modules cannot import; a
loop over a collection (a slice, map, array, string or integer, whose
size is fixed when the loop starts) runs its body a number of times the
input bounds, reached once, and is not a loop here, while a `for`
statement or a range over a channel or an iterator is; the full
judgement is in the README, "runs once per process") stops receiving once: when the channel is
not made in a loop, and its senders are started outside loops or by
the receiver itself (whose loops end when it stops), the senders it
abandons are a number reached once and stay only until the process
exits. No finding there (`fixtures/lg103/cmd`); a receiver a loop or a
handler of the command calls, or senders another loop keeps starting,
are judged as any other. The same holds from the sender's side: when
every send on a channel whose receiving loops can leave is in such a
once-per-process function (the feeding goroutine `main` starts once
for its workers), at most one goroutine stays behind, until the
command ends.

The finding points at the send, where the goroutine blocks (the line a
goroutine dump of the leak shows, in the goroutine's frame: `pkg.F.func1`
for a closure); the `make` where the fix goes and the `return` (or loop
exit, or `go` in a loop) that abandons the sender are related places.

## Why is this bad?
A send on an unbuffered channel blocks until someone receives. Once the
receiver has returned, nobody ever will: the goroutine, its stack and
everything it references stay in memory for the life of the process. This
is the most common goroutine leak in real Go code.

## Example
```go
func fetch(ctx context.Context, url string) (string, error) {
	ch := make(chan string)
	go func() { ch <- get(url) }()
	select {
	case s := <-ch:
		return s, nil
	case <-ctx.Done():
		return "", ctx.Err() // the goroutine blocks on its send forever
	}
}
```

## Use instead
```go
	ch := make(chan string, 1) // the send never blocks
```
With one sender per element of `xs`, `make(chan T, len(xs))`.

## Fix safety
Giving the channel room for every send is safe: a receiver that was
going to receive still receives the same values in the same order; a
sender no longer waits for a receiver that is gone. The fix is offered when
the channel is made locally, unbuffered, and the number of sends is known
(one goroutine sending at most once on every path, or one such goroutine
per element of a ranged slice).
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    crate::rules::left_receive_loop::check(cx, RULE.code, out);
    crate::rules::wait_before_receive::check(cx, RULE.code, out);
    for ch in cx.channels() {
        if ch.kind != ChannelKind::Local || ch.escape != Escape::None {
            continue;
        }
        if let Some(d) = judge(cx, ch) {
            let file = ch.origin.as_ref().map_or(0, |o| o.file);
            out.push(FileDiagnostic {
                file,
                diagnostic: d,
            });
        }
    }
}

/// Senders in goroutines blocking on the channel, and a maker that can
/// stop receiving first.
fn judge(cx: &PackageContext, ch: &Channel) -> Option<Diagnostic> {
    let origin = ch.origin.as_ref()?;
    // A maker that runs once per process abandons one sender, once.
    if crate::once::channel_once(cx, ch, &[origin.function.as_str()]) {
        return None;
    }
    let send = ch
        .ops_of(OpKind::Send)
        .find(|o| o.goroutine.is_some() && o.blocking())?;
    let maker_receives: Vec<_> = ch
        .ops
        .iter()
        .filter(|o| o.goroutine.is_none() && matches!(o.kind, OpKind::Recv | OpKind::Range))
        .collect();
    if maker_receives.is_empty() {
        return None;
    }
    let maker = origin.maker(cx)?;
    let sf = cx.file(origin.file);
    // Senders started by the maker itself: spawns inside callees follow
    // protocols of their own.
    let spawn = ch.spawns.iter().find(|s| s.function == origin.function)?;
    // A close elsewhere makes a blocked sender panic instead: a protocol
    // of its own. A close in the sending goroutine itself runs only once
    // its sends went through (or makes the later ones panic): it never
    // frees a blocked send.
    if ch
        .ops_of(OpKind::Close)
        .any(|c| c.goroutine != Some(spawn.pos))
    {
        return None;
    }
    let var = ch.var_ref(cx, origin.file);
    let literal = started_literal(maker, spawn.pos);
    let per_goroutine = match literal {
        Some(body) => sends_per_goroutine(body, &var),
        None => sends_of_started_callee(ch, spawn.pos),
    };
    // Many senders and one receive leave senders blocked only if every
    // sender sends: a send guarded by a condition (the last of them to
    // finish) may be the only one.
    let each_sends = literal.is_some_and(|b| sends_first(b, &var));
    // One sender that sends in a loop and closes when done, drained by a
    // `range` the maker can leave early: see `range_left_early`.
    let range_exit = (!spawn.in_loop && sends_in_loop(cx, ch, spawn.pos))
        .then(|| range_left_early(cx, origin.file, maker, &var, &maker_receives))
        .flatten();
    if range_exit.is_none()
        && room_for_every_send(
            &ch.capacity,
            spawn.in_loop,
            spawn.range_over.as_deref(),
            per_goroutine,
        )
    {
        return None;
    }
    // One sender per round, received from before the next round: at most
    // one is ever pending, and a slot holds its one send.
    if paced_senders(cx, ch) {
        return None;
    }
    let once = maker_receives.len() == 1 && !maker_receives[0].in_loop;
    let counted = maker_receives
        .iter()
        .any(|r| in_counted_loop(maker.body, r.span.start));
    let word = |at: u32| word_at(&sf.src, at);
    // A sized buffer may match the loop's length, which is not known here.
    let (why, cause) = if let Some(exit) = range_exit {
        let (line, _) = sf.line_col(exit);
        (
            format!(
                "the `range` over it can leave at line {line} while this goroutine's loop still sends"
            ),
            (word(exit), "the `range` leaves here; nothing receives after it"),
        )
    } else if spawn.in_loop && once && each_sends && ch.capacity == Capacity::Unbuffered {
        let (line, _) = sf.line_col(spawn.pos);
        (
            format!("it receives once from the many senders started at line {line}"),
            (
                word(spawn.pos),
                "many senders start here; one is received from",
            ),
        )
    } else if let Some(exit) = spawn
        .in_loop
        .then(|| receive_loop_exit(maker, &var))
        .flatten()
    {
        let (line, _) = sf.line_col(exit);
        (
            format!(
                "the receive loop can leave at line {line} before every sender is received from"
            ),
            (word(exit), "the receive loop leaves here"),
        )
    } else if spawn.in_loop || counted || per_goroutine.is_none() {
        // Loops that send and loops that receive run in step; path by
        // path they cannot be compared.
        return None;
    } else if deferred_receive_anywhere(maker, &var) {
        // A deferred receive runs at every return, wherever it was deferred.
        return None;
    } else {
        let exit = early_exit(maker, spawn.pos, &var)?;
        if literal
            .is_some_and(|b| server_shut_first(cx, origin.file, maker, b, spawn.pos, exit, &var))
        {
            return None;
        }
        let (line, _) = sf.line_col(exit);
        (
            format!("the receiver returns at line {line} without receiving"),
            (word(exit), "this return leaves without receiving"),
        )
    };
    // The send that blocks: in a goroutine this function started.
    let send = ch
        .ops_of(OpKind::Send)
        .find(|o| o.goroutine == Some(spawn.pos) && o.blocking())
        .unwrap_or(send);
    let (send_line, _) = cx.file(send.file).line_col(send.span.start);
    let (what, made) = match &ch.capacity {
        Capacity::Unbuffered => (
            format!("unbuffered channel `{}`", ch.name),
            format!("`{}` is made unbuffered here", ch.name),
        ),
        _ => (
            format!("channel `{}`, whose buffer can fill,", ch.name),
            format!("`{}` is made here with too small a buffer", ch.name),
        ),
    };
    // The finding points at the send, where the goroutine blocks (what a
    // goroutine dump of the leak shows), in the goroutine's own frame; the
    // `make` (where the fix goes) and the exit that abandons the sender
    // are related. A send in another file than the `make` keeps the
    // finding at the `make`: related places are in the finding's file.
    let mut d = if send.file == origin.file {
        let msg = format!("goroutine sends on {what} and can block forever: {why}");
        Diagnostic::new(RULE.code, send.span, msg)
            .in_function(&send.function)
            .with_related(origin.make, made)
    } else {
        let msg =
            format!("goroutine sends on {what} at line {send_line} and can block forever: {why}");
        Diagnostic::new(RULE.code, origin.make, msg).in_function(&origin.function)
    };
    d = d.with_related(cause.0, cause.1);
    if let Some(fix) = buffer_fix(
        ch,
        spawn.in_loop,
        spawn.range_over.as_deref(),
        per_goroutine,
    ) {
        d = d.with_fix(fix);
    }
    Some(d)
}

fn room_for_every_send(
    cap: &Capacity,
    in_loop: bool,
    range_over: Option<&str>,
    per: Option<u32>,
) -> bool {
    match (cap, per) {
        (Capacity::Unknown, _) => true,
        (Capacity::Unbuffered, _) => false,
        (Capacity::Const(n), Some(p)) => !in_loop && u64::from(p) <= *n,
        (Capacity::Len(x), Some(1)) => in_loop && range_over == Some(x.as_str()),
        _ => false,
    }
}

fn buffer_fix(
    ch: &Channel,
    in_loop: bool,
    range_over: Option<&str>,
    per: Option<u32>,
) -> Option<Fix> {
    let origin = ch.origin.as_ref()?;
    if ch.capacity != Capacity::Unbuffered || per != Some(1) {
        return None;
    }
    let size = match (in_loop, range_over) {
        (false, _) => "1".to_string(),
        (true, Some(xs)) => format!("len({xs})"),
        (true, None) => return None,
    };
    Some(Fix {
        message: format!(
            "give the channel room for every send: make({}, {size})",
            origin.typ
        ),
        applicability: Applicability::Safe,
        edits: vec![Edit::replace(
            origin.make,
            format!("make({}, {size})", origin.typ),
        )],
    })
}

/// A goroutine serving an `http.Server` that sends only when `Serve`
/// returned something other than `http.ErrServerClosed`, abandoned by a
/// maker that shuts that kind of server down (`Shutdown` or `Close` on
/// an `http.Server`, after the `go` and up to the exit, or deferred) on
/// its way out: `Serve` then returns `ErrServerClosed`, and the guarded
/// send never runs.
fn server_shut_first(
    cx: &PackageContext,
    file: usize,
    maker: &Func,
    body: &BlockStmt,
    go_pos: u32,
    exit: u32,
    ch: &VarRef,
) -> bool {
    let Some(view) = cx.types(file) else {
        return false;
    };
    let src = &cx.file(file).src;
    // Every send on the channel is inside an `if` whose condition names
    // http.ErrServerClosed.
    let mut sends = 0;
    let mut guarded = 0;
    let mut guards: Vec<(u32, u32)> = Vec::new();
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Stmt(Stmt::If(i)) => {
                let mut names = false;
                inspect(Node::expr(&i.cond), &mut |m| {
                    if let Node::Expr(e @ Expr::Selector(_)) = m {
                        names |= cx.qualified_name(file, e, "net/http") == Some("ErrServerClosed");
                    }
                    !names
                });
                if names {
                    guards.push((i.body.lbrace, i.body.end()));
                }
            }
            Node::Stmt(Stmt::Send(x)) if ch.is(&x.chan) => {
                sends += 1;
                let at = x.arrow;
                guarded += usize::from(guards.iter().any(|&(a, b)| a <= at && at < b));
            }
            Node::Expr(Expr::FuncLit(_)) => return false,
            _ => {}
        }
        true
    });
    if sends == 0 || guarded != sends {
        return false;
    }
    let exit_end = return_end(maker.body, exit).unwrap_or(exit);
    let m = view.model();
    let mut shut = false;
    let mut deferred: Vec<u32> = Vec::new();
    inspect(Node::Block(maker.body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Stmt(Stmt::Defer(d)) => deferred.push(d.call.pos()),
            Node::Call(c) => {
                let Expr::Selector(sel) = c.fun.unparen() else {
                    return true;
                };
                let on_server = matches!(sel.sel.name(src), "Shutdown" | "Close")
                    && view
                        .type_of(&sel.x)
                        .is_some_and(|t| m.is_named(m.deref(t), "net/http", "Server"));
                let when = deferred.contains(&c.pos()) || (go_pos < c.pos() && c.pos() <= exit_end);
                shut |= on_server && when;
            }
            _ => {}
        }
        !shut
    });
    shut
}

/// The end of the `return` statement at `pos`.
fn return_end(body: &BlockStmt, pos: u32) -> Option<u32> {
    let mut end = None;
    inspect(Node::Block(body), &mut |n| {
        if let Node::Stmt(Stmt::Return(r)) = n {
            if r.pos == pos {
                end = Some(n.end());
            }
        }
        end.is_none()
    });
    end
}

/// A local channel with a buffer whose every sender is started, one per
/// round, by a loop of the maker that receives from it before the next
/// round ([`paced_by_loop`]), each sender sending at most once: at most
/// one send is ever pending, and the buffer holds it.
pub(crate) fn paced_senders(cx: &PackageContext, ch: &Channel) -> bool {
    let Some(origin) = ch.origin.as_ref() else {
        return false;
    };
    if ch.kind != ChannelKind::Local || !matches!(ch.capacity, Capacity::Const(n) if n >= 1) {
        return false;
    }
    let Some(maker) = origin.maker(cx) else {
        return false;
    };
    let var = ch.var_ref(cx, origin.file);
    // Every send is in a goroutine the maker starts.
    ch.has(OpKind::Send)
        && ch.ops_of(OpKind::Send).all(|o| {
            o.goroutine
                .is_some_and(|g| ch.spawns.iter().any(|s| s.pos == g))
        })
        && ch.spawns.iter().all(|s| s.function == origin.function)
        && ch.spawns.iter().all(|spawn| {
            paced_by_loop(maker.body, spawn.pos, &var)
                && one_send_each(cx, maker, ch, spawn.pos, &var)
        })
}

/// For a local channel with every send in view — in its maker's own
/// flow, or in a goroutine the maker starts as a literal — the most sends
/// any one run of the maker can cause, path by path: the branches of an
/// `if`/`else` are alternatives, a goroutine counts the most its own
/// paths send, a send or `go` in a loop is unbounded. `None` when a send
/// lies elsewhere (a callee, a nested literal, another goroutine) or the
/// maker runs in no view.
pub(crate) fn sends_per_make(cx: &PackageContext, ch: &Channel) -> Option<u32> {
    let origin = ch.origin.as_ref()?;
    if ch.kind != ChannelKind::Local {
        return None;
    }
    let maker = origin.maker(cx)?;
    let in_view = |o: &Op| {
        !o.through_call
            && match o.goroutine {
                None => o.function == origin.function,
                Some(g) => started_literal(maker, g).is_some_and(|b| {
                    b.lbrace <= o.span.start
                        && o.span.end <= b.end()
                        && cx
                            .functions()
                            .iter()
                            .any(|f| f.name == o.function && std::ptr::eq(f.body, b))
                }),
            }
    };
    if !ch.ops_of(OpKind::Send).all(in_view) {
        return None;
    }
    let var = ch.var_ref(cx, origin.file);
    let counted = max_sends(&maker.body.list, &var, true);
    let total = counted.fall.max(counted.returned);
    (total != u32::MAX).then_some(total)
}

/// A `go` at `go_pos` that is a statement of a loop's body, followed in
/// that body (with no `break`, `continue` or `goto` in between) by a
/// receive from the channel: a plain receive, or a `select` with a case
/// receiving from it whose every other case ends in `return`. Each round
/// then receives from its sender before the next round starts another,
/// or the function returns: at most one sender is ever unreceived.
fn paced_by_loop(body: &BlockStmt, go_pos: u32, ch: &VarRef) -> bool {
    let mut found = false;
    inspect(Node::Block(body), &mut |n| {
        let list = match n {
            Node::Stmt(Stmt::For(f)) => &f.body.list,
            Node::Stmt(Stmt::Range(r)) => &r.body.list,
            Node::Expr(Expr::FuncLit(_)) => return false,
            _ => return !found,
        };
        let Some(k) = list
            .iter()
            .position(|s| matches!(s, Stmt::Go(g) if g.pos == go_pos))
        else {
            return !found;
        };
        for s in &list[k + 1..] {
            if jumps(s) {
                break;
            }
            if ch.mentioned(Node::stmt(s)) {
                found = receives_each_round(s, ch);
                break;
            }
        }
        !found
    });
    found
}

/// The sender started at `go_pos` sends at most once: counted path by
/// path in a literal; else each send the goroutine can make is in a
/// function of its own (`go run(errc, i)` with `run` one of several
/// literals handed in as a value: the goroutine calls one of them, once),
/// written in this package in no loop of that function, the only send
/// on the channel there, and not known to repeat otherwise.
fn one_send_each(
    cx: &PackageContext,
    maker: &Func,
    ch: &Channel,
    go_pos: u32,
    var: &VarRef,
) -> bool {
    if let Some(literal) = started_literal(maker, go_pos) {
        return sends_per_goroutine(literal, var) == Some(1);
    }
    let sends: Vec<_> = ch
        .ops_of(OpKind::Send)
        .filter(|o| o.goroutine == Some(go_pos))
        .collect();
    let starts_value = started_value(cx, maker, go_pos);
    let once_in_own_function = |o: &Op| {
        let Some(f) = cx.functions().iter().find(|f| {
            f.file == o.file
                && f.name == o.function
                && f.body.lbrace <= o.span.start
                && o.span.end <= f.body.end()
        }) else {
            return false;
        };
        // A literal runs once when the goroutine is the function value
        // itself (`go run(...)`), not a function that may call it often.
        let lit = matches!(f.kind, crate::funcs::FuncKind::Lit(_)) && starts_value;
        let alone = sends.iter().filter(|p| p.function == o.function).count() == 1;
        !o.through_call && (!o.repeats || lit) && alone && !in_any_loop(f.body, o.span.start)
    };
    !ch.refollowed && !sends.is_empty() && sends.iter().all(|o| once_in_own_function(o))
}

/// The `go` at `go_pos` calls a local or parameter of function type
/// (`go run(errc, i)`), not a named function.
fn started_value(cx: &PackageContext, maker: &Func, go_pos: u32) -> bool {
    let Some(view) = cx.types(maker.file) else {
        return false;
    };
    let m = view.model();
    let mut hit = false;
    inspect(Node::Block(maker.body), &mut |n| {
        if let Node::Stmt(Stmt::Go(g)) = n {
            if g.pos == go_pos {
                if let Expr::Ident(id) = g.call.fun.unparen() {
                    hit = view.object_of(id).is_some_and(|o| {
                        m.obj(o).kind == letgo_types::model::ObjKind::Var && !m.is_package_level(o)
                    });
                }
            }
        }
        !hit && !matches!(n, Node::Expr(Expr::FuncLit(_)))
    });
    hit
}

/// Whether `offset` lies in a `for` or `range` of `body` (not across
/// function literals).
fn in_any_loop(body: &BlockStmt, offset: u32) -> bool {
    let mut found = false;
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Stmt(s @ (Stmt::For(_) | Stmt::Range(_))) => {
                found |= s.pos() <= offset && offset < s.end();
            }
            Node::Expr(Expr::FuncLit(_)) => return false,
            _ => {}
        }
        !found
    });
    found
}

/// A `break`, `continue` or `goto` anywhere in the statement.
fn jumps(s: &Stmt) -> bool {
    let mut hit = false;
    inspect(Node::stmt(s), &mut |n| {
        hit |= matches!(n, Node::Stmt(Stmt::Branch(b)) if b.tok != Token::Fallthrough);
        !hit && !matches!(n, Node::Expr(Expr::FuncLit(_)))
    });
    hit
}

/// `<-ch`, `v := <-ch`, or a `select` receiving from `ch` whose other
/// cases all end in `return` (no `default`).
fn receives_each_round(s: &Stmt, ch: &VarRef) -> bool {
    let recv =
        |x: &Expr| matches!(x.unparen(), Expr::Unary(u) if u.op == Token::Arrow && ch.is(&u.x));
    match s {
        Stmt::Expr(x) => recv(x),
        Stmt::Assign(a) => a.rhs.len() == 1 && recv(&a.rhs[0]),
        Stmt::Select(sel) => {
            let mut ours = 0;
            for c in &sel.body.clauses {
                let receives = c.comm.as_ref().is_some_and(|cm| match cm {
                    Stmt::Expr(x) => recv(x),
                    Stmt::Assign(a) => a.rhs.len() == 1 && recv(&a.rhs[0]),
                    _ => false,
                });
                if receives {
                    ours += 1;
                } else if c.comm.is_none() || !matches!(c.body.last(), Some(Stmt::Return(_))) {
                    return false;
                }
            }
            ours > 0
        }
        _ => false,
    }
}

/// Whether `stmt` is the `go` at `go_pos`, or a call handing a goroutine
/// starter the literal at `go_pos` (`wg.Go(func() {...})`).
pub(crate) fn starts_goroutine_at(stmt: &Stmt, go_pos: u32) -> bool {
    match stmt {
        Stmt::Go(g) => g.pos == go_pos,
        Stmt::Expr(e) => matches!(&**e, Expr::Call(c)
            if c.args.iter().any(|a| matches!(a, Expr::FuncLit(l) if l.typ.pos() == go_pos))),
        _ => false,
    }
}

/// The body of the function literal started by the `go` at `go_pos`
/// (or handed to a goroutine starter there).
pub fn started_literal<'f>(maker: &Func<'f>, go_pos: u32) -> Option<&'f BlockStmt> {
    let mut body: Option<&BlockStmt> = None;
    inspect(Node::Block(maker.body), &mut |n| {
        match n {
            Node::Stmt(Stmt::Go(g)) if g.pos == go_pos => {
                if let Expr::FuncLit(l) = g.call.fun.unparen() {
                    body = Some(&l.body);
                }
            }
            // Handed to a goroutine starter (`wg.Go(func() {...})`).
            Node::Expr(Expr::FuncLit(l)) if l.typ.pos() == go_pos => body = Some(&l.body),
            _ => {}
        }
        body.is_none()
    });
    body
}

/// A send on the channel among the body's top-level statements, before
/// any `return`: every run of the goroutine sends.
fn sends_first(body: &BlockStmt, ch: &VarRef) -> bool {
    for s in &body.list {
        match s {
            Stmt::Send(send) if ch.is(&send.chan) => return true,
            Stmt::Return(_) => return false,
            _ => {}
        }
    }
    false
}

/// The most sends one goroutine running `body` makes on any path
/// (`None`: unbounded or unknown).
fn sends_per_goroutine(body: &BlockStmt, ch: &VarRef) -> Option<u32> {
    let counted = max_sends(&body.list, ch, false);
    let total = counted.fall.max(counted.returned);
    (total != u32::MAX).then_some(total)
}

/// For `go f(ch)` (a function or method the channel view walked, with the
/// functions it hands the channel to): how many send sites that goroutine
/// has, when each runs at most once — none in a loop or in a callee called
/// in a loop, no callee handed the channel twice, none known only from a
/// summary. Branches are counted as if all ran: an upper bound, so it is
/// used for unbuffered channels only, where one send is enough to block.
fn sends_of_started_callee(ch: &Channel, go_pos: u32) -> Option<u32> {
    if ch.refollowed || ch.capacity != Capacity::Unbuffered {
        return None;
    }
    let sends: Vec<_> = ch
        .ops_of(OpKind::Send)
        .filter(|o| o.goroutine == Some(go_pos))
        .collect();
    if sends.is_empty() || sends.iter().any(|o| o.repeats) {
        return None;
    }
    Some(sends.len() as u32)
}

struct Sends {
    /// Most sends on a path that continues after the statements.
    fall: u32,
    /// Most sends on a path that returned inside them.
    returned: u32,
    falls_through: bool,
}

/// With `spawned`, a `go func() { ... }()` on the path adds the most sends
/// its literal makes on any of its own paths.
fn max_sends(list: &[Stmt], ch: &VarRef, spawned: bool) -> Sends {
    let mut acc = Sends {
        fall: 0,
        returned: 0,
        falls_through: true,
    };
    for s in list {
        if !acc.falls_through {
            break;
        }
        let r = stmt_sends(s, ch, spawned);
        acc.returned = acc.returned.max(acc.fall.saturating_add(r.returned));
        acc.fall = acc.fall.saturating_add(r.fall);
        acc.falls_through = r.falls_through;
    }
    acc
}

fn stmt_sends(s: &Stmt, ch: &VarRef, spawned: bool) -> Sends {
    let one = |n: u32| Sends {
        fall: n,
        returned: 0,
        falls_through: true,
    };
    let either = |a: Sends, b: Sends| Sends {
        fall: if a.falls_through && b.falls_through {
            a.fall.max(b.fall)
        } else if a.falls_through {
            a.fall
        } else {
            b.fall
        },
        returned: a.returned.max(b.returned),
        falls_through: a.falls_through || b.falls_through,
    };
    // However the loop runs, the goroutine ends at its first send.
    let ends_at_first_send = || Sends {
        fall: 0,
        returned: 1,
        falls_through: true,
    };
    match s {
        Stmt::Send(send) if ch.is(&send.chan) => one(1),
        Stmt::Return(_) => Sends {
            fall: 0,
            returned: 0,
            falls_through: false,
        },
        Stmt::Block(b) => max_sends(&b.list, ch, spawned),
        Stmt::Go(g) if spawned && ch.mentioned(Node::stmt(s)) => match g.call.fun.unparen() {
            Expr::FuncLit(l) => one(sends_per_goroutine(&l.body, ch).unwrap_or(u32::MAX)),
            _ => one(u32::MAX),
        },
        // Counted clause by clause: one clause runs.
        Stmt::Switch(sw) if spawned => {
            clauses_sends(sw.body.clauses.iter().map(|c| &c.body[..]), ch)
        }
        Stmt::TypeSwitch(sw) if spawned => {
            clauses_sends(sw.body.clauses.iter().map(|c| &c.body[..]), ch)
        }
        Stmt::Select(sel) if spawned => {
            // A send as a case's communication is the clause's first.
            let mut worst = one(0);
            for c in &sel.body.clauses {
                let comm = c
                    .comm
                    .as_ref()
                    .map_or(one(0), |cm| stmt_sends(cm, ch, true));
                let body = max_sends(&c.body, ch, true);
                let r = Sends {
                    fall: comm.fall.saturating_add(body.fall),
                    returned: comm.fall.saturating_add(body.returned),
                    falls_through: body.falls_through,
                };
                worst = either(worst, r);
            }
            worst
        }
        Stmt::Labeled(l) if spawned => stmt_sends(&l.stmt, ch, true),
        // A loop that only receives sends nothing; one that sends or
        // starts a sender may do so any number of times.
        Stmt::For(_) | Stmt::Range(_) if spawned => {
            let mut sends = false;
            inspect(Node::stmt(s), &mut |n| {
                match n {
                    Node::Stmt(Stmt::Send(x)) => sends |= ch.is(&x.chan),
                    Node::Stmt(g @ Stmt::Go(_)) => sends |= ch.mentioned(Node::stmt(g)),
                    _ => {}
                }
                !sends
            });
            if sends && each_send_returns(s, ch) {
                return ends_at_first_send();
            }
            one(if sends { u32::MAX } else { 0 })
        }
        Stmt::If(i) => {
            let then = max_sends(&i.body.list, ch, spawned);
            let els = i
                .els
                .as_ref()
                .map_or(one(0), |e| stmt_sends(e, ch, spawned));
            either(then, els)
        }
        Stmt::Switch(_)
        | Stmt::TypeSwitch(_)
        | Stmt::Select(_)
        | Stmt::For(_)
        | Stmt::Range(_)
        | Stmt::Labeled(_) => {
            if ch.mentioned(Node::stmt(s)) {
                let looping = matches!(s, Stmt::For(_) | Stmt::Range(_));
                if looping && each_send_returns(s, ch) {
                    return ends_at_first_send();
                }
                let n = if looping {
                    u32::MAX
                } else {
                    count_sends(s, ch)
                };
                one(n)
            } else {
                one(0)
            }
        }
        _ => one(0),
    }
}

/// Whether `s` sends on the channel, every send followed, in its
/// statement list, by `return`, and `s` starts no goroutine and holds no
/// function literal that mentions it: however `s` loops, the goroutine
/// ends at its first send.
fn each_send_returns(s: &Stmt, ch: &VarRef) -> bool {
    let mut sends = 0;
    let mut returning = 0;
    let mut spawns = false;
    let mut count = |list: &[Stmt]| {
        returning += list
            .windows(2)
            .filter(|w| matches!(&w[0], Stmt::Send(x) if ch.is(&x.chan)))
            .filter(|w| matches!(w[1], Stmt::Return(_)))
            .count();
    };
    inspect(Node::stmt(s), &mut |n| {
        match n {
            Node::Stmt(Stmt::Send(x)) => sends += usize::from(ch.is(&x.chan)),
            Node::Stmt(g @ Stmt::Go(_)) => spawns |= ch.mentioned(Node::stmt(g)),
            Node::Block(b) => count(&b.list),
            Node::CaseClause(c) => count(&c.body),
            Node::CommClause(c) => count(&c.body),
            // A literal that uses the channel may send any number of
            // times, whenever it runs.
            Node::Expr(lit @ Expr::FuncLit(_)) => {
                spawns |= ch.mentioned(Node::Expr(lit));
                return false;
            }
            _ => {}
        }
        true
    });
    !spawns && sends > 0 && sends == returning
}

/// The most sends of any one clause.
fn clauses_sends<'s>(clauses: impl Iterator<Item = &'s [Stmt]>, ch: &VarRef) -> Sends {
    let mut worst = Sends {
        fall: 0,
        returned: 0,
        falls_through: true,
    };
    for body in clauses {
        let r = max_sends(body, ch, true);
        worst = Sends {
            fall: worst.fall.max(r.fall),
            returned: worst.returned.max(r.returned),
            falls_through: true,
        };
    }
    worst
}

fn count_sends(s: &Stmt, ch: &VarRef) -> u32 {
    let mut n = 0;
    inspect(Node::stmt(s), &mut |node| {
        if let Node::Stmt(Stmt::Send(send)) = node {
            if ch.is(&send.chan) {
                n += 1;
            }
        }
        !matches!(node, Node::Stmt(Stmt::For(_) | Stmt::Range(_)))
    });
    // Sends in different clauses are alternatives: at most one runs.
    n.min(1)
}

fn deferred_receive_anywhere(maker: &Func, ch: &VarRef) -> bool {
    let recv = Receives {
        go_pos: u32::MAX,
        ch,
    };
    maker
        .sites
        .clone()
        .iter()
        .any(|site| recv.deferred_receive(site.stmt))
}

/// Whether `offset` lies in a `for` with a condition or a `range` loop of
/// `body` (one that may run any number of times, zero included).
fn in_counted_loop(body: &BlockStmt, offset: u32) -> bool {
    let mut found = false;
    inspect(Node::Block(body), &mut |n| {
        let counted = match n {
            Node::Stmt(s @ Stmt::For(f)) if f.cond.is_some() => Some(s),
            Node::Stmt(s @ Stmt::Range(_)) => Some(s),
            Node::Expr(Expr::FuncLit(_)) => return false,
            _ => None,
        };
        if let Some(s) = counted {
            found |= s.pos() <= offset && offset < s.end();
        }
        !found
    });
    found
}

/// In a loop that receives from the channel, a `return` or `break` that
/// leaves it early.
fn receive_loop_exit(maker: &Func, ch: &VarRef) -> Option<u32> {
    let recv = Receives {
        go_pos: u32::MAX,
        ch,
    };
    let mut exit = None;
    inspect(Node::Block(maker.body), &mut |n| {
        let body = match n {
            // Only loops meant to run a fixed number of times: an endless
            // event loop's exits are guarded by its own bookkeeping.
            Node::Stmt(Stmt::For(f)) if f.cond.is_some() => &f.body,
            Node::Stmt(Stmt::Range(r)) if !recv.meets_expr(&r.x) => &r.body,
            Node::Expr(Expr::FuncLit(_)) => return false,
            _ => return exit.is_none(),
        };
        if exit.is_none() && recv.receives(Node::Block(body)) {
            exit = leaving_stmt(body);
        }
        exit.is_none()
    });
    exit
}

/// The goroutine started at `go_pos` makes a blocking send in a loop (or
/// in a callee called in a loop) on a channel that is unbuffered or has a
/// fixed buffer: however many items it sends, the count is not bounded
/// by the buffer.
fn sends_in_loop(cx: &PackageContext, ch: &Channel, go_pos: u32) -> bool {
    let fixed = match ch.capacity {
        Capacity::Unbuffered | Capacity::Const(_) => true,
        _ => ch.origin.as_ref().is_some_and(|o| sized_by_constant(cx, o)),
    };
    fixed
        && ch
            .ops_of(OpKind::Send)
            .any(|o| o.goroutine == Some(go_pos) && o.blocking() && o.repeats && !o.through_call)
}

/// The `make` at `o` is given a named constant for its size
/// (`make(chan T, bufSize)`): a fixed buffer, by the constant's object.
fn sized_by_constant(cx: &PackageContext, o: &crate::channels::Origin) -> bool {
    let Some(view) = cx.types(o.file) else {
        return false;
    };
    let mut found = false;
    inspect(Node::File(&cx.file(o.file).ast), &mut |n| {
        if let Node::Call(c) = n {
            if c.pos() == o.make.start {
                found = c.args.get(1).is_some_and(|x| {
                    view.object_of_expr(x.unparen()).is_some_and(|ob| {
                        let obj = view.model().obj(ob);
                        obj.kind == letgo_types::model::ObjKind::Const && obj.val.as_int().is_some()
                    })
                });
            }
        }
        !found
    });
    found
}

/// The maker's only receive is `for v := range ch`, and that loop can
/// leave early — a `return`, or a `break` out of it — on a path its
/// received values do not decide (a timeout, `ctx.Done()`, a counter):
/// the offset of that exit. An exit under a condition on the received
/// value may answer the sender's last word (an error it sends before it
/// returns); a receive after the loop or a deferred one drains the rest.
fn range_left_early(
    cx: &PackageContext,
    file: usize,
    maker: &Func,
    ch: &VarRef,
    receives: &[&crate::channels::Op],
) -> Option<u32> {
    let [only] = receives else { return None };
    if only.kind != OpKind::Range || deferred_receive_anywhere(maker, ch) {
        return None;
    }
    let view = cx.types(file)?;
    let mut exit = None;
    inspect(Node::Block(maker.body), &mut |n| {
        if let Node::Stmt(Stmt::Range(r)) = n {
            if ch.is(&r.x) {
                let vars: Vec<_> = [&r.key, &r.value]
                    .into_iter()
                    .flatten()
                    .filter_map(|x| match x.unparen() {
                        Expr::Ident(i) => view.object_of(i),
                        _ => None,
                    })
                    .collect();
                let decides = |node: Node| {
                    let mut found = false;
                    inspect(node, &mut |m| {
                        if let Node::Ident(i) = m {
                            found |= view.object_of(i).is_some_and(|o| vars.contains(&o));
                        }
                        !found
                    });
                    found
                };
                exit = unguarded_exit(&r.body.list, true, &decides);
            }
        }
        exit.is_none() && !matches!(n, Node::Expr(Expr::FuncLit(_)))
    });
    exit
}

/// Like [`leaving`], skipping branches whose condition (an `if`'s, a
/// `switch`'s tag) `decides` reads.
fn unguarded_exit(
    list: &[Stmt],
    breaks_leave: bool,
    decides: &dyn Fn(Node) -> bool,
) -> Option<u32> {
    list.iter().find_map(|s| match s {
        Stmt::Return(r) => Some(r.pos),
        Stmt::Branch(b) if b.tok == Token::Break && b.label.is_none() && breaks_leave => {
            Some(b.tok_pos)
        }
        Stmt::Block(b) => unguarded_exit(&b.list, breaks_leave, decides),
        Stmt::If(i) => {
            let read = decides(Node::expr(&i.cond))
                || i.init.as_ref().is_some_and(|x| decides(Node::stmt(x)));
            if read {
                return None;
            }
            unguarded_exit(&i.body.list, breaks_leave, decides).or_else(|| {
                i.els
                    .as_ref()
                    .and_then(|e| unguarded_exit(std::slice::from_ref(e), breaks_leave, decides))
            })
        }
        Stmt::Select(sel) => sel
            .body
            .clauses
            .iter()
            .find_map(|c| unguarded_exit(&c.body, false, decides)),
        _ => None,
    })
}

/// A `return`, or a `break` out of this loop, inside a loop body.
fn leaving_stmt(body: &BlockStmt) -> Option<u32> {
    leaving(&body.list, true)
}

fn leaving(list: &[Stmt], breaks_leave: bool) -> Option<u32> {
    list.iter().find_map(|s| match s {
        Stmt::Return(r) => Some(r.pos),
        Stmt::Branch(b) if b.tok == Token::Break && b.label.is_none() && breaks_leave => {
            Some(b.tok_pos)
        }
        Stmt::Block(b) => leaving(&b.list, breaks_leave),
        Stmt::Labeled(l) => leaving(std::slice::from_ref(&l.stmt), breaks_leave),
        Stmt::If(i) => leaving(&i.body.list, breaks_leave).or_else(|| {
            i.els
                .as_ref()
                .and_then(|e| leaving(std::slice::from_ref(e), breaks_leave))
        }),
        // A plain `break` inside these leaves them, not the loop.
        Stmt::For(f) => leaving(&f.body.list, false),
        Stmt::Range(r) => leaving(&r.body.list, false),
        Stmt::Switch(sw) => sw.body.clauses.iter().find_map(|c| leaving(&c.body, false)),
        Stmt::TypeSwitch(sw) => sw.body.clauses.iter().find_map(|c| leaving(&c.body, false)),
        Stmt::Select(sel) => sel
            .body
            .clauses
            .iter()
            .find_map(|c| leaving(&c.body, false)),
        _ => None,
    })
}

/// The first return the maker can reach after starting the sender without
/// receiving from the channel.
fn early_exit(maker: &Func, go_pos: u32, ch: &VarRef) -> Option<u32> {
    let ob = Receives { go_pos, ch };
    pending_exits(maker.body, ch.src, &ob)
        .first()
        .map(|e| e.offset())
}

struct Receives<'s> {
    go_pos: u32,
    ch: &'s VarRef<'s>,
}

impl Receives<'_> {
    fn receives(&self, node: Node) -> bool {
        let mut found = false;
        inspect(node, &mut |n| {
            if let Node::Expr(Expr::Unary(u)) = n {
                found |= u.op == Token::Arrow && self.ch.is(&u.x);
            }
            if let Node::Stmt(Stmt::Range(r)) = n {
                found |= self.ch.is(&r.x);
            }
            // Handed to a helper (which the channel view followed): the
            // helper receives for us.
            if let Node::Call(c) = n {
                found |= c.args.iter().any(|a| self.ch.is(a));
            }
            !found && !matches!(n, Node::Expr(Expr::FuncLit(_)))
        });
        found
    }

    /// A deferred literal runs at every later return: its receive counts.
    fn deferred_receive(&self, stmt: &Stmt) -> bool {
        let Stmt::Defer(d) = stmt else { return false };
        let Expr::FuncLit(lit) = d.call.fun.unparen() else {
            return false;
        };
        self.receives(Node::Block(&lit.body))
    }
}

impl Obligation for Receives<'_> {
    fn starts(&self, stmt: &Stmt) -> bool {
        starts_goroutine_at(stmt, self.go_pos)
    }
    fn meets_stmt(&self, stmt: &Stmt) -> bool {
        !self.starts(stmt) && (self.receives(Node::stmt(stmt)) || self.deferred_receive(stmt))
    }
    fn meets_expr(&self, expr: &Expr) -> bool {
        self.ch.is(expr) || self.receives(Node::expr(expr))
    }
    fn never_returns(&self, call: &CallExpr) -> bool {
        never_returns(call, self.ch.src)
    }
}
