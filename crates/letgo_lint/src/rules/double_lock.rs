//! LG111 double-lock.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::locks::{place, relocks};
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
constant `true` there, or that returns before locking unless one says
so (`if !create || err != nil { return }` then a call that locks, with
`false` passed).

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
        let f = &cx.functions()[r.func];
        let first = place(cx, f.file, f.file, r.first.at.start);
        let msg = format!(
            "`{}` is held since {first} and {}: the second lock blocks forever",
            r.first.lock.text,
            r.second(cx)
        );
        out.push(FileDiagnostic {
            file: f.file,
            diagnostic: Diagnostic::new(RULE.code, r.at, msg).in_function(&f.name),
        });
    }
}
