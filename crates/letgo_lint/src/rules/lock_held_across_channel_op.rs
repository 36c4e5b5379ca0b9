//! LG114 lock-held-across-channel-op.

use crate::channels::{Capacity, Channel, Op, OpKind};
use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::locks::{place, Held, LockView};
use crate::registry::Rule;

pub const RULE: Rule = Rule {
    code: "LG114",
    name: "lock-held-across-channel-op",
    summary: "a blocking channel operation under a lock its partner must take first",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG114 lock-held-across-channel-op

## What it does
Flags a blocking send or receive (not a `select` case with another way
out) made while holding a lock, when every operation that could complete
it — the receives for a send, the sends and closes for a receive — runs
while holding the same lock (the same field of the same struct type, or
the same package variable; a lock is a `sync.Mutex`/`sync.RWMutex` or a
type that embeds or wraps one). Only
unbuffered channels: with a buffer the operation may not wait at all.
A channel field belongs to one struct type: a same-named field of another
type is another channel, and its operations are not partners.

## Why is this bad?
The goroutine blocks on the channel with the lock held; its partner must
take the lock before it can reach the channel, and never gets it. Both
goroutines stay blocked forever, and so does everything else that needs
the lock. In collections of real blocking bugs (kubernetes, etcd, grpc,
moby) this lock-plus-channel shape is the largest group that channel rules
alone miss.

## Example
```go
func (h *hub) publish(v int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.updates <- v // the consumer needs h.mu to receive
}

func (h *hub) consume() {
	for {
		h.mu.Lock()
		v := <-h.updates
		h.total += v
		h.mu.Unlock()
	}
}
```

## Use instead
Send after unlocking, or receive before locking:
```go
func (h *hub) consume() {
	for v := range h.updates {
		h.mu.Lock()
		h.total += v
		h.mu.Unlock()
	}
}
```

## Fix safety
No automatic fix: which side should let go of the lock is a design
decision.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let view = cx.locks();
    for ch in cx.channels() {
        for op in ch.ops.iter().filter(|o| o.blocking()) {
            let Some(d) = judge(cx, view, ch, op) else {
                continue;
            };
            out.push(FileDiagnostic {
                file: op.file,
                diagnostic: d,
            });
        }
    }
}

fn judge(cx: &PackageContext, view: &LockView, ch: &Channel, op: &Op) -> Option<Diagnostic> {
    // With a buffer, the value (or the room) may already be there: the
    // operation need not wait for its partner (net/http's wantConn).
    if ch.capacity != Capacity::Unbuffered {
        return None;
    }
    let partners: Vec<&Op> = match op.kind {
        OpKind::Send if ch.receivers_in_view() => ch
            .ops
            .iter()
            .filter(|o| matches!(o.kind, OpKind::Recv | OpKind::Range))
            .collect(),
        OpKind::Recv if ch.senders_in_view() => ch
            .ops
            .iter()
            .filter(|o| matches!(o.kind, OpKind::Send | OpKind::Close))
            .collect(),
        _ => return None,
    };
    if partners.is_empty() {
        return None;
    }
    let held = held_at(view, op);
    let lock = held.iter().find(|h| {
        let Some(class) = &h.lock.class else {
            return false;
        };
        partners.iter().all(|p| {
            held_at(view, p)
                .iter()
                .any(|q| q.lock.class.as_ref() == Some(class))
        })
    })?;
    let partner = partners[0];
    let what = match op.kind {
        OpKind::Send => "send on",
        _ => "receive from",
    };
    let msg = format!(
        "{what} `{}` while holding `{}`: its partner at {} must take that lock first, so both block forever",
        ch.name,
        lock.lock.text,
        place(cx, op.file, partner.file, partner.span.start)
    );
    let mut d = Diagnostic::new(RULE.code, op.span, msg)
        .in_function(&op.function)
        .with_related(lock.at, format!("`{}` is locked here", lock.lock.text));
    if partner.file == op.file {
        let label = format!("the partner, which must take `{}` first", lock.lock.text);
        d = d.with_related(partner.span, label);
    }
    Some(d)
}

/// The locks held where `op` runs, by the function it is written in.
fn held_at<'v>(view: &'v LockView, op: &Op) -> &'v [Held] {
    match view.by_name.get(&op.function) {
        Some(&fi) => view.funcs[fi].held_around(op.span),
        None => &[],
    }
}
