//! LG110 missing-unlock.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::flow::{pending_exits, Exit, Obligation};
use crate::funcs::{Func, FuncKind};
use crate::locks::{
    key_of, lock_call, other_takers, released_by_callers, resolve_call, Acquire, FuncLocks,
    LockView, SyncValue,
};
use crate::registry::Rule;
use crate::syntax::{indentation_at, method_call, never_returns, word_at};
use letgo_go::ast::{CallExpr, Expr, Span, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};

pub const RULE: Rule = Rule {
    code: "LG110",
    name: "missing-unlock",
    summary: "a mutex is locked and some path out of the function does not unlock it",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG110 missing-unlock

## What it does
Flags a `Lock` or `RLock` of a `sync.Mutex`/`sync.RWMutex` (or of a type
that embeds one, or wraps one in a `Lock` method that locks it) after
which some path reaches a `return` (or the end of the function) without
unlocking it. A `Lock` method that reaches no `sync` lock (a file lock,
a lease) is not a lock. An `Unlock` in a `defer`, in a deferred closure, or in a same-package
function that visibly unlocks the same lock counts, and so does a call
of a closure held in a local bound once to a function literal that
unlocks it (`finish := func(err error) { ...; mu.Unlock(); cb(err) }`,
then `mu.Lock(); ...; finish(err)`): that literal is the callee. Giving
the caller the lock's own address as a result (`return &c.mu`, or
`held = &c.mu` into a named result) hands the lock over: the caller
holds it and unlocks it (`lock.Unlock()`), so that path leaves nothing
locked behind anyone's back (`fixtures/lg110/closure_unlock.go`).
Functions that return
holding the lock on purpose are left alone: their name says so (`lockX`,
`fooLocked`, `RLock`), their doc comment does, or another function of the
package unlocks that lock without locking it (the pair `lockX`/`unlockX`), or
it returns holding the lock on every path and a same-package caller
unlocks it after the call or in a `defer` (it takes the lock for its
callers). So is a helper that returns holding it on some paths and
released on the others (`RLock; if ready { return nil }; RUnlock; ...;
return err`) when every same-package caller releases it after the call,
without holding it at the call or taking it again in between: the
callers rely on the hand-over. So is a conditional acquire: a function
whose last result is `error` that releases the lock on some path, and
leaves it held only at returns of a `nil` error, while another function
of the package releases that lock without taking it (`stage` / `commit`,
`abort`: success hands the lock to the caller, who must finish the
protocol; `fixtures/lg110/two_phase.go`); the releaser may reach the
same field of the same type by another path (a transaction's `finish`
releasing `t.s.closeLock` that `open` took as `s.closeLock` and handed
out with the transaction; `fixtures/lg110/handed_value.go`). A failure (a non-nil error)
that returns holding it is still flagged. A function that returns
holding a lock no caller in view ever releases is flagged.

A path that cannot run is not a path: after `if C { ...; return }`, an
`if/else if` chain with no final `else` does not reach its missing
`else` when `C` and the chain's conditions cannot all be false together
(`if a == nil && b == nil { return }` then `if a != nil {...} else if b
!= nil {...}`), for conditions built from names and fields compared to
`nil` or read as booleans.

The finding points at the `Lock` never released: the goroutine that then
blocks is a later caller, often in another function or package, that no
static view can pick; the `return` (or end) that leaves the lock held is
a related place, and so are up to three acquisitions of the same lock in
other functions of the package (methods of the same type, for a field of
the receiver; writers only, for a read lock left held): where a later
goroutine would wait.

## Why is this bad?
The next `Lock` on that mutex blocks forever. Every goroutine that comes
to it piles up behind the first, with its stack and everything it
references: a server slowly fills with goroutines parked in
`sync.(*Mutex).Lock`, and usually stops answering soon after.

## Example
```go
func (c *cache) get(k string) (string, error) {
	c.mu.Lock()
	v, ok := c.m[k]
	if !ok {
		return "", errNotFound // c.mu stays locked
	}
	c.mu.Unlock()
	return v, nil
}
```

## Use instead
```go
func (c *cache) get(k string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	...
}
```

## Fix safety
`defer mu.Unlock()` right after the `Lock` is safe when the function has
exactly one `Lock`, at its top level, and no `Unlock` at all: the lock is
then meant to be held to the end. Otherwise the fix is shown only, since
moving an unlock to the end of the function can hold the lock across
work that was meant to run unlocked.

It is also shown only when the lock may be held past the return on
purpose, for someone else: the function is a goroutine (a goroutine that
takes a lock for the function that started it, as OpenTelemetry's
exporters do in `Stop`, would release it at once), a closure whose
enclosing function unlocks it, or another function of the package
unlocks it without locking it. And when any path already unlocks it, even
through a helper (`m.unlockAndReset()`), or hands the lock to a call:
a deferred unlock would unlock it twice.
"#;

/// Other acquisitions of the lock named as related places, at most.
const MAX_TAKERS: usize = 3;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let view = cx.locks();
    let releasers = releasers(cx, view);
    let released_classes = std::cell::OnceCell::new();
    for (fi, f) in cx.functions().iter().enumerate() {
        if view.funcs[fi].acquires.is_empty() || holds_on_purpose(cx, fi) {
            continue;
        }
        let src = &cx.file(f.file).src;
        let mut seen = Vec::new();
        for a in &view.funcs[fi].acquires {
            if seen.contains(&a.span) || !judged(&view.funcs[fi], a) {
                continue;
            }
            let left = view.funcs[fi]
                .left_held
                .iter()
                .any(|h| h.lock.key == a.lock.key);
            // Left held for a function that releases the same lock class
            // without taking it (`tr.s.mu` in a transaction's End, after
            // `s.mu` in the method that began it: one field of one type).
            let class_released = || {
                a.lock.class.as_ref().is_some_and(|c| {
                    released_classes
                        .get_or_init(|| released_classes_of(cx, view))
                        .contains(c)
                })
            };
            let released_elsewhere = || {
                run_by_defer(cx, fi)
                    || released_by_callers(view, fi, &a.lock.key)
                    || class_released()
            };
            if (left && released_elsewhere())
                || paired(cx, fi, &a.lock.key, &releasers)
                || taken_for_callers(view, fi, &a.lock.key)
            {
                continue;
            }
            seen.push(a.span);
            let Some(stmt) = lock_stmt(f, a.span) else {
                continue;
            };
            let ob = Unlocked {
                cx,
                view,
                fi,
                lock: &a.lock,
                start: stmt.span(),
                src,
            };
            let exits = pending_exits(f.body, src, &ob);
            let Some(exit) = exits.first().copied() else {
                continue;
            };
            let unlocks_some_path = ob.unlocks(Node::Block(f.body));
            // A conditional acquire (success holds the lock for the
            // package's releaser, every failure releases it).
            if unlocks_some_path
                && (releasers.iter().any(|(k, _, _)| *k == a.lock.key) || class_released())
                && exits.iter().all(|&e| returns_nil_error(cx, f, e))
            {
                continue;
            }
            let hands_off = unlocks_some_path || held_for_another(cx, fi, &a.lock.key, &releasers);
            let mut d = diagnostic(cx, f, fi, &a.lock, a.read, a.span, stmt, exit, hands_off);
            // Where the next goroutine to take the lock waits forever.
            let takers = other_takers(view, fi, &a.lock.key, a.read, MAX_TAKERS);
            for (ti, at) in takers {
                let label = format!(
                    "`{}` is taken here too: this waits forever once it is left locked",
                    a.lock.text
                );
                let tf = cx.functions()[ti].file;
                d = if tf == f.file {
                    d.with_related(at, label)
                } else {
                    d.with_related_in(tf, at, label)
                };
            }
            out.push(FileDiagnostic {
                file: f.file,
                diagnostic: d.in_function(&f.name),
            });
        }
    }
}

/// A helper that returns holding the lock on its success paths and
/// releases it on the others (`ensureLoaded`: `RLock; if ready { return
/// nil }; RUnlock; ...; return err`) takes the lock for its callers when
/// its callers in the package release it after the call without holding
/// it at the call or taking it again in between: every caller that
/// unlocks it relies on the hand-over. At least one caller must do so,
/// and none may leave the lock alone (a caller that ignores the lock it
/// was handed leaves it held).
fn taken_for_callers(view: &LockView, fi: usize, key: &str) -> bool {
    let mut callers = 0;
    for fl in &view.funcs {
        for site in fl.calls.iter().filter(|s| s.callee == fi) {
            let Some(k) = site.map(key) else {
                return false;
            };
            if site.held.iter().any(|h| h.lock.key == k) {
                return false;
            }
            let retaken = |end: u32| {
                fl.acquires
                    .iter()
                    .any(|a| a.lock.key == k && a.span.start >= site.span.end && a.span.start < end)
            };
            let after = fl
                .unlocks
                .iter()
                .any(|(u, at)| *u == k && at.start >= site.span.end && !retaken(at.start));
            let deferred = fl.deferred.iter().any(|(u, _)| *u == k)
                && !fl.acquires.iter().any(|a| a.lock.key == k);
            if !(after || deferred) {
                return false;
            }
            callers += 1;
        }
    }
    callers > 0
}

/// Whether exit `e` of `f` is a `return` whose last result is `nil` in a
/// function whose last result is the built-in `error`: the success of a
/// function that reports failure by an error.
fn returns_nil_error(cx: &PackageContext, f: &Func, e: Exit) -> bool {
    let (Exit::Return(at), Some(view)) = (e, cx.types(f.file)) else {
        return false;
    };
    let error_result = f
        .typ
        .results
        .as_ref()
        .and_then(|r| r.list.last())
        .and_then(|field| match field.typ.unparen() {
            Expr::Ident(id) => view.object_of(id),
            _ => None,
        })
        .is_some_and(|o| {
            let m = view.model();
            m.obj(o).pkg.is_none() && &*m.obj(o).name == "error"
        });
    let mut nil_last = false;
    inspect(Node::Block(f.body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Stmt(Stmt::Return(r)) if r.pos == at => {
                nil_last = r
                    .results
                    .last()
                    .is_some_and(|x| crate::syntax::is_nil(&view, x));
            }
            _ => {}
        }
        true
    });
    error_result && nil_last
}

/// Whether this acquisition is the function's own to release: not a
/// local mutex (nothing outlives the function to block on it), not a
/// caller's lock dropped and taken again, not one a `defer` above
/// already unlocks.
fn judged(fl: &FuncLocks, a: &Acquire) -> bool {
    let key = &a.lock.key;
    !key.starts_with('=')
        && !fl.released_first.contains(key)
        && !fl
            .deferred
            .iter()
            .any(|(k, at)| k == key && *at < a.span.start)
}

/// A `defer func() { ... }()` that locks and never unlocks tears the
/// object down on purpose: later users are meant to block (moby's UDP
/// proxy locks a dead connection's entry for good).
fn run_by_defer(cx: &PackageContext, fi: usize) -> bool {
    let funcs = cx.functions();
    let (FuncKind::Lit(lit), Some(p)) = (funcs[fi].kind, funcs[fi].parent) else {
        return false;
    };
    funcs[p].sites.iter().any(|s| {
        matches!(s.stmt, Stmt::Defer(d) if matches!(&d.call.fun, Expr::FuncLit(l) if std::ptr::eq(&**l, lit)))
    })
}

/// Functions that unlock a lock they did not lock: `(key, bare name,
/// doc comment)`, lower-case.
fn releasers(cx: &PackageContext, view: &LockView) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (gi, g) in view.funcs.iter().enumerate() {
        let Some((name, doc)) = name_and_doc(cx, gi) else {
            continue;
        };
        for k in &g.net_released {
            out.push((k.clone(), name.clone(), doc.clone()));
        }
    }
    out
}

/// The classes (`T.mu`) of the locks that functions of the package
/// unlock without locking them: a value's `close` releasing
/// `tx.db.closeLock` that the function which made the value took as
/// `db.closeLock` finishes the protocol on the value handed out.
fn released_classes_of(cx: &PackageContext, view: &LockView) -> Vec<String> {
    let mut out = Vec::new();
    for (gi, g) in view.funcs.iter().enumerate() {
        if g.net_released.is_empty() {
            continue;
        }
        inspect(Node::Block(cx.functions()[gi].body), &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Call(c) => {
                if let Some((op, v)) = lock_call(cx, gi, c) {
                    if !op.acquires() && g.net_released.contains(&v.key) {
                        out.extend(v.class);
                    }
                }
                true
            }
            _ => true,
        });
    }
    out
}

/// Function `fi` leaves `key` locked for a function that is visibly its
/// pair: one names the other in its doc comment, or their names pair up
/// (`lockX`/`unlockX`, `begin`/`end`, `acquire`/`release`).
fn paired(
    cx: &PackageContext,
    fi: usize,
    key: &str,
    releasers: &[(String, String, String)],
) -> bool {
    let Some((name, doc)) = name_and_doc(cx, fi) else {
        return false;
    };
    releasers.iter().any(|(k, g, gdoc)| {
        k == key && (has_word(&doc, g) || has_word(gdoc, &name) || pair_names(&name, g))
    })
}

fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric() && c != '_')
        .any(|w| w == word)
}

fn pair_names(f: &str, g: &str) -> bool {
    const PAIRS: &[(&str, &str)] = &[
        ("", "un"),
        ("begin", "end"),
        ("acquire", "release"),
        ("enter", "exit"),
        ("enter", "leave"),
        ("start", "finish"),
        ("start", "end"),
        ("get", "put"),
    ];
    PAIRS.iter().any(|(a, b)| {
        f.strip_prefix(a)
            .is_some_and(|rest| g.strip_prefix(b) == Some(rest))
    })
}

/// The lower-case name and doc comment of the declaration function `fi`
/// is in.
fn name_and_doc(cx: &PackageContext, fi: usize) -> Option<(String, String)> {
    let funcs = cx.functions();
    let mut root = fi;
    while let Some(p) = funcs[root].parent {
        root = p;
    }
    let FuncKind::Decl(d) = funcs[root].kind else {
        return None;
    };
    let sf = cx.file(funcs[root].file);
    let name = d.name.name(&sf.src).to_lowercase();
    Some((name, doc_comment(sf, d.typ.pos()).to_lowercase()))
}

/// The statement `x.Lock()` with this call span, as an element of a list.
fn lock_stmt<'a>(f: &Func<'a>, call: Span) -> Option<&'a Stmt> {
    f.sites
        .clone()
        .into_iter()
        .find(|s| matches!(s.stmt, Stmt::Expr(x) if x.span() == call))
        .map(|s| s.stmt)
}

/// The name or the doc comment of the function (or of the declaration a
/// closure is in) says that it returns holding a lock, or releases one.
fn holds_on_purpose(cx: &PackageContext, fi: usize) -> bool {
    let Some((name, doc)) = name_and_doc(cx, fi) else {
        return false;
    };
    name.contains("lock")
        || ["unlock", "locked", "lock held", "holding"]
            .iter()
            .any(|w| doc.contains(w))
}

/// The comment lines right above offset `pos`.
fn doc_comment(sf: &letgo_go::load::SourceFile, pos: u32) -> String {
    let mut text = String::new();
    let mut at = pos;
    for c in sf.ast.comments.iter().rev().filter(|c| c.span.end <= pos) {
        let between = &sf.src[c.span.end as usize..at as usize];
        if !between.trim().is_empty() || between.matches('\n').count() > 1 {
            break;
        }
        text.insert_str(0, c.text(&sf.src));
        at = c.span.start;
    }
    text
}

#[allow(clippy::too_many_arguments)]
fn diagnostic(
    cx: &PackageContext,
    f: &Func,
    fi: usize,
    lock: &SyncValue,
    read: bool,
    call: Span,
    stmt: &Stmt,
    exit: Exit,
    hands_off: bool,
) -> Diagnostic {
    let sf = cx.file(f.file);
    let (line, _) = sf.line_col(exit.offset());
    let how = match exit {
        Exit::Return(_) => format!("the return at line {line} leaves it locked"),
        Exit::End(_) => format!("the function ends at line {line} with it locked"),
    };
    let verb = if read { "read-locked" } else { "locked" };
    let msg = format!(
        "`{}` is {verb} here and not unlocked on every path: {how}",
        lock.text
    );
    let unlock = if read { "RUnlock" } else { "Unlock" };
    let recv = match stmt {
        Stmt::Expr(x) => match x.unparen() {
            Expr::Call(c) => method_call(c, &sf.src).map(|(r, _)| r.span().text(&sf.src)),
            _ => None,
        },
        _ => None,
    }
    .unwrap_or(&lock.text);
    let defer = format!("defer {recv}.{unlock}()");
    let safe = !hands_off && f.body.list.iter().any(|s| std::ptr::eq(s, stmt)) && lone_lock(cx, fi);
    let fix = Fix {
        message: format!("unlock it when the function returns: `{defer}`"),
        applicability: if safe {
            Applicability::Safe
        } else {
            Applicability::DisplayOnly
        },
        edits: vec![insert_after(&sf.src, stmt.span(), &defer)],
    };
    let exit_label = match exit {
        Exit::Return(_) => format!("this return leaves `{}` locked", lock.text),
        Exit::End(_) => format!("the function ends here with `{}` locked", lock.text),
    };
    Diagnostic::new(RULE.code, call, msg)
        .with_fix(fix)
        .with_related(word_at(&sf.src, exit.offset()), exit_label)
}

/// Whether the lock may be held past the return for someone else: the
/// function is a goroutine (it may take the lock for the function that
/// started it), a closure whose enclosing declaration unlocks it, or
/// another function of the package unlocks it without locking it.
fn held_for_another(
    cx: &PackageContext,
    fi: usize,
    key: &str,
    releasers: &[(String, String, String)],
) -> bool {
    let funcs = cx.functions();
    if releasers.iter().any(|(k, _, _)| k == key) || funcs[fi].spawned {
        return true;
    }
    let Some(mut root) = funcs[fi].parent else {
        return false;
    };
    while let Some(p) = funcs[root].parent {
        root = p;
    }
    let mut unlocks = false;
    inspect(Node::Block(funcs[root].body), &mut |n| {
        if let Node::Call(c) = n {
            unlocks |= lock_call(cx, root, c).is_some_and(|(op, _)| !op.acquires());
        }
        !unlocks
    });
    unlocks
}

/// The function (closures included) has one `Lock`/`RLock` and no
/// `Unlock`/`RUnlock` call at all.
fn lone_lock(cx: &PackageContext, fi: usize) -> bool {
    let f = &cx.functions()[fi];
    let (mut locks, mut unlocks) = (0, 0);
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Call(c) = n {
            match lock_call(cx, fi, c).map(|(op, _)| op) {
                Some(op) if op.acquires() => locks += 1,
                Some(_) => unlocks += 1,
                None => {}
            }
        }
        true
    });
    locks == 1 && unlocks == 0
}

/// `\n<indent>text` after `stmt`, and after a comment ending its line.
fn insert_after(src: &str, stmt: Span, text: &str) -> Edit {
    let indent = indentation_at(src, stmt.start);
    let rest = &src[stmt.end as usize..];
    let eol = rest.find('\n').unwrap_or(rest.len());
    let at = if rest[..eol].trim_start().starts_with("//") {
        stmt.end + eol as u32
    } else {
        stmt.end
    };
    Edit::insert(at, format!("\n{indent}{text}"))
}

/// The obligation: after the `Lock`, an unlock of the same lock.
struct Unlocked<'a, 'c> {
    cx: &'c PackageContext<'a>,
    view: &'c LockView,
    fi: usize,
    lock: &'c SyncValue,
    start: Span,
    src: &'c str,
}

impl Unlocked<'_, '_> {
    /// Some call in `node` (function literals included) unlocks the lock,
    /// calls a function that does, or is handed the lock.
    fn unlocks(&self, node: Node) -> bool {
        let mut hit = false;
        inspect(node, &mut |n| {
            if hit {
                return false;
            }
            match n {
                Node::Call(c) => hit = self.call_unlocks(c),
                Node::Expr(Expr::Selector(sel)) => {
                    // A method value: `unlock := s.mu.Unlock`.
                    let m = sel.sel.name(self.src);
                    hit = matches!(m, "Unlock" | "RUnlock") && self.same(&sel.x);
                }
                _ => {}
            }
            true
        });
        hit
    }

    fn same(&self, x: &Expr) -> bool {
        let text = strip_text(x.span().text(self.src));
        text == strip_text(&self.lock.text)
    }

    fn call_unlocks(&self, c: &CallExpr) -> bool {
        if let Some((op, v)) = lock_call(self.cx, self.fi, c) {
            return !op.acquires() && v.key == self.lock.key;
        }
        // A closure held in a local (`doErr := func(...) { ...;
        // mu.Unlock(); ... }`) is as much a callee as a named function.
        if let Some(li) = crate::funcs::bound_literal(self.cx, self.fi, c) {
            if self.view.funcs[li].released_first.contains(&self.lock.key) {
                return true;
            }
        }
        if let Some(site) = resolve_call(self.cx, &self.view.by_decl, self.fi, c) {
            let released = &self.view.funcs[site.callee].released_first;
            if released
                .iter()
                .any(|k| site.map(k).as_deref() == Some(&self.lock.key))
            {
                return true;
            }
        }
        let name = match c.fun.unparen() {
            Expr::Selector(sel) => sel.sel.name(self.src),
            Expr::Ident(id) => id.name(self.src),
            _ => "",
        };
        name.to_lowercase().contains("unlock") || c.args.iter().any(|a| self.same(a))
    }
}

impl Unlocked<'_, '_> {
    /// `i = parent` after `parent.mu.Lock()`: the lock now goes by
    /// another name.
    fn aliased(&self, stmt: &Stmt) -> bool {
        let Some((base, _)) = self.lock.text.rsplit_once('.') else {
            return false;
        };
        matches!(stmt, Stmt::Assign(a) if a.rhs.iter().any(|r| strip_text(r.span().text(self.src)) == strip_text(base)))
    }
}

impl Unlocked<'_, '_> {
    /// The lock's own address given to the caller as a result (`return
    /// &c.mu`, or `lock = &c.mu` into a named result): the caller now
    /// holds the lock and is the one to unlock it (`lock.Unlock()`), as
    /// surely as the pairs above. Nothing is left locked behind its back.
    fn hands_to_caller(&self, stmt: &Stmt) -> bool {
        let f = &self.cx.functions()[self.fi];
        let Some(view) = self.cx.types(f.file) else {
            return false;
        };
        let ours = |x: &Expr| match x.unparen() {
            Expr::Unary(u) if u.op == Token::And => {
                key_of(self.cx, self.fi, &view, &u.x).is_some_and(|(k, _)| k == self.lock.key)
            }
            _ => false,
        };
        let result = |l: &Expr| {
            let Expr::Ident(id) = l.unparen() else {
                return false;
            };
            let o = view.object_of(id);
            o.is_some()
                && f.typ
                    .results
                    .iter()
                    .flat_map(|r| r.list.iter())
                    .any(|field| field.names.iter().any(|n| view.object_of(n) == o))
        };
        match stmt {
            Stmt::Return(r) => r.results.iter().any(ours),
            Stmt::Assign(a) if a.lhs.len() == a.rhs.len() => {
                a.lhs.iter().zip(&a.rhs).any(|(l, r)| result(l) && ours(r))
            }
            _ => false,
        }
    }
}

fn strip_text(t: &str) -> &str {
    t.trim_start_matches(['&', '*', '(']).trim_end_matches(')')
}

impl Obligation for Unlocked<'_, '_> {
    fn starts(&self, stmt: &Stmt) -> bool {
        stmt.span() == self.start
    }

    fn meets_stmt(&self, stmt: &Stmt) -> bool {
        self.unlocks(Node::stmt(stmt)) || self.aliased(stmt) || self.hands_to_caller(stmt)
    }

    fn meets_expr(&self, expr: &Expr) -> bool {
        self.unlocks(Node::expr(expr))
    }

    fn never_returns(&self, call: &CallExpr) -> bool {
        never_returns(call, self.src)
    }
}
