//! LG111 double-lock.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::funcs::FuncKind;
use crate::locks::{place, relocks, short_name, LockView, Relock};
use crate::registry::Rule;
use letgo_go::ast::{Expr, Stmt};
use letgo_go::visit::{inspect, Node};
use std::collections::HashSet;

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
`sync` lock is not, nor is one whose `Lock` returns a value (a guard that
carries the release). Locks are told apart by object (a variable, or a
field of a given struct type), calls by the function or method they
resolve to; a lock type that wraps a `sync` lock and nothing else
(`type Mutex struct{ sync.Mutex }`) is told apart by its holder (the
field of that type, or the struct embedding it), not by its inner field,
which all its values share (`fixtures/lg113/wrapped.go`). A lock held on only some paths is not counted, a callee that
unlocks the lock before taking it again is understood, and so is a
callee that locks only when a `bool` parameter says the caller does not
hold the lock (`if !locked { mu.Lock() }`) when the call passes a
constant `true` there, or that returns before locking unless one says
so (`if !create || err != nil { return }` then a call that locks, with
`false` passed), followed through any depth of calls: a condition on the
callee's parameter becomes one on the caller's when the caller passes its
own parameter on. Functional options work the same way: a lock taken
under a condition that reads the callee's variadic parameter, or a local
made from it (`opts := getOpts(opt...); if !opts.withAlreadyLocked {
mu.Lock() }`), is taken on a call that passes no options (the default
path) and is out of view on a call that passes some — the caller chose
the behaviour (`fixtures/lg111/options.go`). A lock that a function literal of the package
releases for good (a guard's release closure: `Lock` returns a value
whose `Unlock` runs it) is handed to whoever holds the guard, so a lock
of that field held since such a `Lock` is not counted. `once.Do(mu.Unlock)`
with `once` a `sync.Once` releases the lock (`Do` calls the method value
it is given; a second `Do` finds it released already): a function that
drops its lock early on one path and defers the same `Do` for the
others does not return holding it. A lock that a goroutine the function starts
releases (`go func() { defer mu.Unlock(); ... }()`) is that goroutine's
from the `go` on: a `Lock` after it waits for the goroutine (a mutex used
as a one-shot signal), not for the function itself. A loop that takes the lock at the
top of each pass and `continue`s with it held locks it again; an unlock
after such a loop releases the function's own lock, not a caller's, so
it is not read as a hand-over between goroutines.

Calls Go makes for the program count as calls: `fmt`'s and `log`'s
printing functions call the `Error() string` or `String() string`
method of an operand printed with `%v`, `%s`, `%q`, `%x` or `%X` (or by
`Print`/`Println`), when the format is a constant, the method is in the
operand's method set and the operand has no `Format` method; a function
literal deferred with `defer func() { ... }()` runs at the return, with
what is held there (less what later defers unlock), and a lock it
releases on every way through it, itself or through a callee that
unlocks (`if s == nil { c.restart() } else { c.unguard(s) }`), is
released at the return (`fixtures/lg111/deferred_release.go`). The `L` of a
`sync.Cond` is the lock `sync.NewCond` was given, read from the
package's stores into the Cond's field: a lock of the same value
(`x.cond = sync.NewCond(&x.mu)`: `y.cond.L` is `y.mu`), or a fresh
mutex of its own (`sync.NewCond(&sync.Mutex{})`); any other store leaves
`L` out of view. Two elements of a map or slice of locks
(`s.locks[i]`, `s.locks[j]`) are never taken for one lock.

The finding points at the `Lock` that blocks (the line a goroutine dump
shows, in its function's frame): for a call, the callee's `Lock`, in the
callee's file; the first acquisition and the call are related places.

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
    let guarded = guard_classes(cx, view);
    for r in relocks(cx, view) {
        if r.first.read && r.read {
            continue; // LG112
        }
        if r.first
            .lock
            .class
            .as_ref()
            .is_some_and(|c| guarded.contains(c))
        {
            continue;
        }
        out.push(diagnostic(cx, &r));
    }
}

/// Lock classes (a field of a type) that a function literal of the
/// package releases for good: a guard's release closure (`return
/// Guard{release: func() { o.mu.Unlock() }}`), handed to whoever holds
/// the guard. Any call on the guard may run it, out of this view, so a
/// lock of that class held since such a `Lock` is not known to be held.
fn guard_classes(cx: &PackageContext, view: &LockView) -> HashSet<String> {
    let funcs = cx.functions();
    view.funcs
        .iter()
        .enumerate()
        .filter(|(i, _)| matches!(funcs[*i].kind, FuncKind::Lit(_)))
        // Only literals that release something can add a class (asked
        // first: the next test walks the parent's whole body).
        .filter(|(_, fl)| !fl.net_released.is_empty())
        // A literal deferred or called where it is written releases the
        // lock of the function that writes it, not a guard's holder's.
        .filter(|(i, _)| !invoked_where_written(funcs, *i))
        .flat_map(|(_, fl)| fl.net_released.iter())
        // A key ends in its class: the field's identity (`….f:off`), or
        // is one (a package variable's `g…`).
        .filter_map(|k| match k.rsplit_once('.') {
            Some((_, class)) => Some(class.to_string()),
            None => k.starts_with('g').then(|| k.clone()),
        })
        .collect()
}

/// Whether literal `i` is the function of a call written around it
/// (`defer func() { ... }()`, `func() { ... }()`) in its parent's body.
fn invoked_where_written(funcs: &[crate::funcs::Func], i: usize) -> bool {
    let (FuncKind::Lit(lit), Some(parent)) = (&funcs[i].kind, funcs[i].parent) else {
        return false;
    };
    let mut found = false;
    inspect(Node::Block(funcs[parent].body), &mut |n| {
        let fun = match n {
            Node::Expr(Expr::Call(c)) => Some(&c.fun),
            Node::Stmt(Stmt::Defer(d)) => Some(&d.call.fun),
            _ => None,
        };
        found |= matches!(fun, Some(Expr::FuncLit(l)) if std::ptr::eq(&**l, *lit));
        !found
    });
    found
}

/// The finding points at the `Lock` that blocks: the second one, or, for
/// a call that locks again, the callee's `Lock` (the frame a goroutine
/// dump shows), in the callee's file. The first acquisition, still held,
/// and the call are related places.
fn diagnostic(cx: &PackageContext, r: &Relock) -> FileDiagnostic {
    let f = &cx.functions()[r.func];
    let held = format!("`{}` is locked here and still held", r.first.lock.text);
    let (Some((file, span)), Some(callee)) = (r.inner, r.via.last()) else {
        let first = place(cx, f.file, f.file, r.first.at.start);
        let msg = format!(
            "`{}` is held since {first} and {}: the second lock blocks forever",
            r.first.lock.text,
            r.second(cx)
        );
        let d = Diagnostic::new(RULE.code, r.at, msg)
            .in_function(&f.name)
            .with_related(r.first.at, held);
        return FileDiagnostic {
            file: f.file,
            diagnostic: d,
        };
    };
    // Places as seen from the callee's file, where the finding is.
    let does = if r.read { "read-locks" } else { "locks" };
    let chain: Vec<&str> = r.via.iter().map(|n| short_name(cx, n)).collect();
    let msg = format!(
        "`{}` is held since {} and the call at {} {does} it again ({} at {}): the second lock blocks forever",
        r.first.lock.text,
        place(cx, file, f.file, r.first.at.start),
        place(cx, file, f.file, r.at.start),
        chain.join(" → "),
        place(cx, file, file, span.start),
    );
    let call = "this call takes it again while it is held";
    let d = Diagnostic::new(RULE.code, span, msg).in_function(callee);
    let d = if file == f.file {
        d.with_related(r.first.at, held).with_related(r.at, call)
    } else {
        d.with_related_in(f.file, r.first.at, held)
            .with_related_in(f.file, r.at, call)
    };
    FileDiagnostic {
        file,
        diagnostic: d,
    }
}
