//! LG111 double-lock.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::locks::{place, relocks, Relock};
use crate::registry::Rule;

pub const RULE: Rule = Rule {
    code: "LG111",
    name: "double-lock",
    summary: "a mutex is locked again while the same call chain holds it",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG111 double-lock

## What it does
Flags a lock locked a second time while the same goroutine still holds
it: directly, on the next pass of a loop whose body left it locked, or
through a same-package function or method called while holding it. A
lock is a `sync.Mutex` or `sync.RWMutex`, a struct that embeds one, or a
type whose `Lock` method locks one (a wrapper such as a deadlock
detector's mutex); a type with `Lock`/`Unlock` methods that reach no
`sync` lock is not. Locks are told apart by object (a variable, or a
field of a given struct type), calls by the function or method they
resolve to. A lock held on only some paths is not counted, a callee that
unlocks the lock before taking it again is understood, and so is a
callee that locks only when a `bool` parameter says the caller does not
hold the lock (`if !locked { mu.Lock() }`) when the call passes a
constant `true` there.

The finding points at the `Lock` that blocks (the line a goroutine dump
shows, in its function's frame): the callee's `Lock` for a call in the
same file; the first acquisition and the call are related places.

## Why is this bad?
Go's mutexes are not reentrant. The second `Lock` waits for the first to
be released, which never happens: the goroutine is stuck in
`sync.(*Mutex).Lock` forever, and every other goroutine that needs the
lock piles up behind it.

## Example
```go
func (s *store) Put(k, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = v
	s.evict() // evict locks s.mu too
}

func (s *store) evict() {
	s.mu.Lock()
	defer s.mu.Unlock()
	...
}
```

## Use instead
```go
// evictLocked must be called with s.mu held.
func (s *store) evictLocked() {
	...
}
```

## Fix safety
No fix is offered: whether the callee should stop locking, or the caller
should unlock first, depends on what the lock protects.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let view = cx.locks();
    for r in relocks(cx, view) {
        if r.first.read && r.read {
            continue; // LG112
        }
        out.push(diagnostic(cx, &r));
    }
}

/// The finding points at the `Lock` that blocks: the second one, or, for
/// a call that locks again, the callee's `Lock` (the frame a goroutine
/// dump shows) when it is in the same file. The first acquisition, still
/// held, and the call are related places.
fn diagnostic(cx: &PackageContext, r: &Relock) -> FileDiagnostic {
    let f = &cx.functions()[r.func];
    let held = format!("`{}` is locked here and still held", r.first.lock.text);
    let blocked = match (r.inner, r.via.last()) {
        (Some((file, span)), Some(callee)) if file == f.file => Some((span, callee)),
        _ => None,
    };
    let first = place(cx, f.file, f.file, r.first.at.start);
    let msg = format!(
        "`{}` is held since {first} and {}: the second lock blocks forever",
        r.first.lock.text,
        r.second(cx)
    );
    let d = match blocked {
        Some((span, callee)) => Diagnostic::new(RULE.code, span, msg)
            .in_function(callee)
            .with_related(r.first.at, held)
            .with_related(r.at, "this call takes it again while it is held"),
        None => Diagnostic::new(RULE.code, r.at, msg)
            .in_function(&f.name)
            .with_related(r.first.at, held),
    };
    FileDiagnostic {
        file: f.file,
        diagnostic: d,
    }
}
