//! LG114 lock-held-across-channel-op.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::locks::{place, short_name, LockView};
use crate::registry::Rule;
use crate::summaries::blocking::{
    blocking_ops, held_by_callers, holds_lock, lock_id, lock_taken_at, needs_lock, Blocking,
    WaitKind,
};
use letgo_go::ast::Expr;
use letgo_go::visit::{inspect, Node};

pub const RULE: Rule = Rule {
    code: "LG114",
    name: "lock-held-across-channel-op",
    summary: "a blocking operation (channel, wg.Wait, cond.Wait) under a lock its partner must take first",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG114 lock-held-across-channel-op

## What it does
Flags an operation that blocks until another goroutine acts, made while
holding a lock that other goroutine must take before it can act:
- a send or receive on a channel (not a `select` case with another way
  out), its partners being the receives (for a send) or the sends and
  closes (for a receive); a send nobody receives from ends only when
  the channel is closed (the send then panics), so its partners are the
  closes;
- `wg.Wait()`, its partners the `wg.Done()` calls (a partner that takes
  the lock only before its own `wg.Add` is past the lock once `Wait`
  counts it, and does not count);
- `cond.Wait()`, its partners the `Signal`/`Broadcast` calls (the lock
  the Cond was made with, `sync.NewCond(&mu)`, is released by `Wait` and
  does not count, as does the mutex `mu` embeds when `mu` is a struct
  with an embedded `sync.Mutex`; a Cond made from a mutex pointer waits
  with what it points to: a local pointer also stored into a field is
  that field's mutex, a parameter is what every call site passes; a Cond
  made out of view, or from a parameter whose callers disagree or are
  not in view, is left alone).

The lock is held at the operation by its own function, or by a caller
that called it holding the lock (same-package calls, any depth). A
partner must take the lock first when it holds it at its side (itself or
through its caller), or may take it on its way there: in a statement
that runs before it in every enclosing block, anywhere in the body of a
loop around it, in any branch (the next pass takes it before reaching
its side again: a `select` loop whose `default` takes the lock), in the
body of a loop that runs before it (a worker that closes `done` after
its loop, or by a `defer`, when each pass takes the lock: a pass under
way when the lock was taken never ends), after the `defer` of a
deferred `Done` or `close` (which runs last), directly or
through a callee — a same-package call, or a method through an
interface, a function value or another package's function, from lock
summaries over the program's call graph. Every partner must be in view
and must need the lock. Locks and channels are matched by object: the
same field of the same struct type, the same package variable, or the
same local (shared with closures), a local copy of a channel (`ch :=
s.ch`) being the channel itself; a lock is a `sync.Mutex`/`sync.RWMutex`
or a type that embeds or wraps one.

The finding is at the operation that blocks; its related places are
where the lock was taken, the partner, and where the partner's
goroutine waits for the lock (its `Lock`, or the call that takes it):
the two frames a goroutine dump of the hang shows.

A buffered channel may already hold the value or the room: a receive
from one is not flagged (a state flag checked under the lock often
guarantees the value, as in net/http's `wantConn`), and a send only when
it is made in a loop (it can fill the buffer) and every receive holds
the lock itself.

## Why is this bad?
The goroutine blocks with the lock held; the goroutine that would unblock
it must take the lock first, and never gets it. Both stay blocked
forever, and so does everything else that needs the lock. In collections
of real blocking bugs (kubernetes, etcd, grpc, moby) this lock-plus-wait
shape is the largest group that channel rules alone miss.

## Example
```go
func (h *hub) publish(v int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.updates <- v // the consumer takes h.mu before each receive
}

func (h *hub) consume() {
	for v := range h.updates {
		h.mu.Lock()
		h.total += v
		h.mu.Unlock()
	}
}
```
With two publishers, one holds `h.mu` blocked on the send while the
consumer waits for `h.mu` before its next receive.

## Use instead
Send after unlocking (or receive before locking):
```go
func (h *hub) publish(v int) {
	h.mu.Lock()
	h.last = v
	h.mu.Unlock()
	h.updates <- v
}
```

## Fix safety
No automatic fix: which side should let go of the lock is a design
decision.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let view = cx.locks();
    if view.funcs.iter().all(|f| f.acquires.is_empty()) {
        return;
    }
    for b in blocking_ops(cx, view) {
        if let Some(d) = judge(cx, view, &b) {
            out.push(FileDiagnostic {
                file: b.file,
                diagnostic: d,
            });
        }
    }
}

fn judge(cx: &PackageContext, view: &LockView, b: &Blocking) -> Option<Diagnostic> {
    let own = view.funcs[b.func]
        .held_around(b.span)
        .iter()
        .map(|h| (h.clone(), None));
    let callers = held_by_callers(view, b.func, b.span.start, 4)
        .into_iter()
        .map(|(h, c, s)| (h, Some((c, s))));
    let (held, caller) = own.chain(callers).find_map(|(h, caller)| {
        let id = lock_id(&h.lock)?.to_string();
        // `cond.Wait` lets go of its own lock while it waits.
        if b.releases.as_deref() == Some(id.as_str()) {
            return None;
        }
        // With a buffer, the partner may get through unless it works
        // only under the lock.
        let all = b.partners.iter().all(|p| {
            if b.buffered {
                holds_lock(view, p, &id)
            } else {
                needs_lock(cx, view, p, &id)
                    && !(b.kind == WaitKind::WaitGroup && locks_only_before_add(cx, view, p, &id))
            }
        });
        all.then_some((h, caller))
    })?;
    let f = &cx.functions()[b.func];
    let what = match b.kind {
        WaitKind::Send => format!("send on `{}`", b.text),
        WaitKind::Recv => format!("receive from `{}`", b.text),
        WaitKind::WaitGroup | WaitKind::Cond => format!("`{}.Wait()`", b.text),
    };
    let partner = &b.partners[0];
    let whose = match caller {
        None => format!("while holding `{}`", held.lock.text),
        Some((c, site)) => format!(
            "while `{}` is held by {} (the call at {})",
            held.lock.text,
            short_name(cx, &cx.functions()[c].name),
            place(cx, b.file, cx.functions()[c].file, site.start)
        ),
    };
    let msg = format!(
        "{what} {whose}: its partner at {} must take that lock first, so both block forever",
        place(cx, b.file, partner.file, partner.span.start)
    );
    let mut d = Diagnostic::new(RULE.code, b.span, msg).in_function(&f.name);
    let lock_file = caller.map_or(f.file, |(c, _)| cx.functions()[c].file);
    if lock_file == b.file {
        d = d.with_related(held.at, format!("`{}` is locked here", held.lock.text));
    }
    if partner.file == b.file {
        let label = format!("the partner, which must take `{}` first", held.lock.text);
        d = d.with_related(partner.span, label);
    }
    // Where the partner's goroutine waits for the lock: the other frame
    // a goroutine dump of the hang shows.
    let id = lock_id(&held.lock).unwrap_or_default();
    let taken = b.partners.iter().find_map(|p| {
        let at = lock_taken_at(cx, view, p, id).flatten()?;
        (p.file == b.file && at != p.span).then_some(at)
    });
    if let Some(at) = taken {
        let label = format!(
            "the partner's goroutine waits here for `{}`",
            held.lock.text
        );
        d = d.with_related(at, label);
    }
    Some(d)
}

/// A `Done` partner whose function takes the lock only before its own
/// `Add` on the same WaitGroup (`mu.Lock(); if closed {...}; wg.Add(1);
/// mu.Unlock(); defer wg.Done()`): `Wait` waits only for what was added
/// already, and every such goroutine is past the lock, so holding it
/// around `Wait` blocks none of them.
fn locks_only_before_add(
    cx: &PackageContext,
    view: &LockView,
    p: &crate::summaries::blocking::Partner,
    id: &str,
) -> bool {
    let f = &cx.functions()[p.func];
    let Some(tv) = cx.types(f.file) else {
        return false;
    };
    let m = tv.model();
    // The WaitGroup calls of the function: (name, receiver identity, at).
    let mut calls = Vec::new();
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Call(c) = n {
            if let Expr::Selector(sel) = c.fun.unparen() {
                let group = tv.object_of(&sel.sel).is_some_and(|o| {
                    m.receiver_named(o)
                        .is_some_and(|t| m.is_named(m.deref(t), "sync", "WaitGroup"))
                });
                if let (true, Some(o)) = (group, tv.object_of_expr(&sel.x)) {
                    let name = sel.sel.name(&cx.file(f.file).src).to_string();
                    calls.push((name, m.identity(o), c.pos()));
                }
            }
        }
        true
    });
    let Some(group) = calls
        .iter()
        .find(|(n, _, at)| n == "Done" && p.span.start <= *at && *at < p.span.end)
        .map(|c| c.1)
    else {
        return false;
    };
    let adds: Vec<u32> = calls
        .iter()
        .filter(|(n, g, _)| n == "Add" && *g == group)
        .map(|c| c.2)
        .collect();
    let fl = &view.funcs[p.func];
    let takes: Vec<_> = fl
        .acquires
        .iter()
        .filter(|a| lock_id(&a.lock) == Some(id) && a.span.start < p.span.start)
        .collect();
    !takes.is_empty()
        && fl.calls.iter().all(|s| {
            s.span.start > p.span.start
                || s.span.end < p.span.start
                    && !view
                        .takes_at(s)
                        .iter()
                        .any(|t| lock_id(&t.lock) == Some(id))
        })
        && takes.iter().all(|a| {
            adds.iter()
                .any(|&at| a.span.start < at && at < p.span.start)
        })
}
