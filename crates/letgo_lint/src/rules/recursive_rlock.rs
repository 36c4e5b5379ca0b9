//! LG112 recursive-rlock.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::locks::{other_takers, place, relocks};

/// Writers named as related places, at most.
const MAX_WRITERS: usize = 3;
use crate::registry::Rule;

pub const RULE: Rule = Rule {
    code: "LG112",
    name: "recursive-rlock",
    summary: "an RWMutex is read-locked again while the same call chain holds a read lock",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG112 recursive-rlock

## What it does
Flags an `RLock` of a `sync.RWMutex` (or of a type that embeds or wraps
one) taken while the same goroutine already holds a read lock on it:
directly, or through a same-package function or method called while
holding it. The writers that take the same lock elsewhere in the
package (methods of the same type, for a field of the receiver) are
related places, at most three: the deadlock needs one of them waiting.
Calls are followed as LG111 follows them: the `String` or
`Error` method `fmt` calls on a printed operand, a deferred function
literal, and the lock behind a `sync.Cond`'s `L` — a Cond made with
`sync.NewCond(x.mu.RLocker())` read-locks `x.mu` when its `L` is
locked. A read lock handed to a goroutine the function starts (`go
func() { defer mu.RUnlock(); ... }()`, an iterator feeding a channel
under the lock) is that goroutine's, not held by the function or its
callers after the `go` (`fixtures/lg112/handed_off.go`).

The deadlock needs a writer that can reach the same value between the
two read locks. A value its caller has just made and handed to nothing
meets none: not flagged when the method holding the lock is unexported,
locks its own receiver, and every call of it outside `_test.go` files is
on a local defined once, before the call, from `new(T)`, `&T{...}` or a
package function whose every `return` gives `nil` or one such fresh
local used only through its fields — the local itself used only through
its fields (or in a `return`) until the call (`fixtures/lg112/fresh.go`;
the same method called on a value taken from a shared registry is
flagged).

## Why is this bad?
It works until a writer arrives. `Lock` waits for the readers to leave
and blocks new readers meanwhile, so the second `RLock` waits for the
writer, the writer waits for the first `RLock`, and both goroutines (and
every later reader) are stuck forever. The `sync` documentation forbids
recursive read locking for this reason. It deadlocks only under write
contention, so tests rarely catch it.

## Example
```go
func (r *registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for k := range r.m {
		if r.Has(k) { // Has read-locks r.mu again
			out = append(out, k)
		}
	}
	return out
}
```

## Use instead
```go
// hasLocked must be called with r.mu held.
func (r *registry) hasLocked(k string) bool { ... }
```

## Fix safety
No fix is offered: splitting a method into a locked wrapper and an
unlocked body is a change of its own.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let view = cx.locks();
    for r in relocks(cx, view) {
        if !(r.first.read && r.read) {
            continue;
        }
        if crate::rules::recursive_rlock_fresh::only_on_fresh(cx, r.func, &r.first.lock.text) {
            continue;
        }
        let f = &cx.functions()[r.func];
        let first = place(cx, f.file, f.file, r.first.at.start);
        let msg = format!(
            "`{}` is read-locked since {first} and {}: a waiting writer deadlocks both",
            r.first.lock.text,
            r.second(cx)
        );
        let mut d = Diagnostic::new(RULE.code, r.at, msg).in_function(&f.name);
        // The writer the deadlock needs: where it waits, behind the first
        // read lock, while the second waits behind it.
        for (wi, at) in other_takers(view, r.func, &r.first.lock.key, true, MAX_WRITERS) {
            let label = format!(
                "a writer locks `{}` here: it waits for the first read lock, and the second waits for it",
                r.first.lock.text
            );
            let wf = cx.functions()[wi].file;
            d = if wf == f.file {
                d.with_related(at, label)
            } else {
                d.with_related_in(wf, at, label)
            };
        }
        out.push(FileDiagnostic {
            file: f.file,
            diagnostic: d,
        });
    }
}
