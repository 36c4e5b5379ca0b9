//! LG303 truncate-keeps-capacity.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::funcs::Func;
use crate::owners::Owners;
use crate::registry::Rule;
use crate::syntax::ident_name;
use letgo_go::ast::{Expr, Stmt};
use letgo_go::symbols::TypeKind;
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};

pub const RULE: Rule = Rule {
    code: "LG303",
    name: "truncate-keeps-capacity",
    summary: "`s = s[:0]` on a long-lived slice keeps its array and what its elements point to",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG303 truncate-keeps-capacity

## What it does
Flags `x.f = x.f[:0]` (and `v = v[:0]`, and the three-index
`x.f = x.f[:0:n]` or `x.f[:0:cap(x.f)]`) on a long-lived slice (a package
variable, or a field of a long-lived struct type, as for LG301, which
also leaves packages that exist only for tests alone) that nothing in
the package refills: no `x.f = append(x.f, ...)` and no other slice
given to it anywhere. Emptying a slice to refill it is the reuse the
truncation is for: every batch overwrites the slots the last one used,
so what the array keeps past the length is bounded by the largest
batch, which a reviewer does not call a leak. A slice emptied and never
refilled keeps everything it held for as long as its owner lives. It is a
**warning** when the elements hold pointers (pointers, strings, slices,
maps, channels, functions, interfaces, or structs of the package with such
fields): everything they point to stays alive. It is **info** otherwise:
only the array stays, at the largest size it grew to, which is often the
point of reusing it. It stays quiet when the same function lets go of
the elements: it clears them (`clear(x.f)`, `x.f[i] = nil`, or
`x.f[i].p = nil` for each element's fields), it ranges over `x.f` before
the truncation (every element consumed — handed on, called or released
— and the slice reset for the next batch), or it refills it with
`x.f = append(x.f, ...)` after the truncation (the next batch overwrites
the old slots at once). In each case what the array keeps past its
length is bounded by one batch, the reuse the truncation is for. So
is a double buffer: a slice the package swaps with another (`q.out,
q.in = q.in, q.out`, or through a temporary `t := q.out; q.out = q.in;
q.in = t`), whose truncated array the producers refill. A truncation
through a local holding a value built in the same function (`p :=
newPage(); p.data = p.data[:0]`) initialises that value and is left
alone too. `_test.go` files are left alone.

A cut to a length, `x.f = x.f[:n]` (a pop, `x.f[:len(x.f)-1]`, or
dropping the dead entries at the end), is a **warning** when the
elements hold pointers, the function **retires** the elements it drops
and nothing in it sets them to nil first: it reads them (walks the tail
`x.f[n:]`, takes the top `x.f[len(x.f)-1]`) and ends something's life
(`delete` from an index map, `close`, a `Close`/`Stop`/`Cancel`/
`Shutdown`/`Release` call). The program is done with those elements
(deregistered, closed), yet they leave the slice, not the array, and
what they point to stays reachable until a later append happens to
reach their slots. A pop that hands the element to its caller, a
rollback of the slot just appended, or a compaction keeping the newest
entries of a ring drop values that are still live or one slot: not
reported. Without pointers it is not reported (the array keeps its size
either way), nor in a function that also appends to the slice (`for
len(p.w) < n { p.w = append(p.w, ...) }; for len(p.w) > n { p.w =
p.w[:len(p.w)-1] }`): a resize to a target size, whose array keeps at
most the largest size asked for, and whose next growth overwrites the
dropped slots.

## Why is this bad?
`s = s[:0]` keeps the backing array, at the largest size it ever had, and
every element in it stays reachable until it is overwritten: the pointers
past the new length still point to what they did. A three-index
`s[:0:n]` only caps what later appends may reuse: the slice still starts
at the array's first element, so the whole array stays alive. Where
the slice is refilled that is bounded by one batch; where nothing
refills it, or the dropped elements are ones the program has retired,
they stay alive for as long as the owner lives, though nothing will use
them again.

## Example
```go
func (r *roster) reap() {
	live := partition(r.members) // the dead ones moved to the end
	for _, m := range r.members[live:] {
		delete(r.byName, m.name)
	}
	r.members = r.members[:live] // the dead members stay reachable
}
```

## Use instead
```go
func (r *roster) reap() {
	live := partition(r.members)
	for i := live; i < len(r.members); i++ {
		delete(r.byName, r.members[i].name)
		r.members[i] = nil
	}
	r.members = r.members[:live]
}
```
or `clear(r.members[live:])` before cutting; for a slice emptied and
never refilled, `x.f = nil`.

## Fix safety
The info finding has no fix. For the warning, `x.f = nil` is unsafe: it
gives up the array's reuse (the next appends allocate again), and code
that kept an alias of the old slice still sees its elements, which is
usually what was wanted.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let owners = cx.owners();
    let funcs = cx.functions();
    for (i, f) in funcs.iter().enumerate() {
        if cx.file(f.file).is_test {
            continue;
        }
        let src = &cx.file(f.file).src;
        for site in f.sites.clone() {
            let Stmt::Assign(a) = site.stmt else { continue };
            let ([lhs], [rhs]) = (&a.lhs[..], &a.rhs[..]) else {
                continue;
            };
            let Some(cut) = truncates(lhs, rhs, src) else {
                continue;
            };
            if a.tok != Token::Assign {
                continue;
            }
            let Some(place) = owners.place(cx, funcs, i, lhs) else {
                continue;
            };
            let elem = place.elem().unwrap_or("");
            if clears(f, lhs, a.tok_pos, src)
                || swapped(cx, funcs, lhs.span().text(src))
                || Owners::built_here(cx, funcs, i, lhs)
            {
                continue;
            }
            let name = lhs.span().text(src);
            let trunc = rhs.span().text(src);
            let span = letgo_go::ast::Span::new(lhs.span().start, rhs.span().end);
            let lifetime = Owners::lifetime(&place);
            let pointers = holds_pointers(cx, elem);
            // Cut to a length: only the elements past it are kept by
            // mistake, and only what they point to matters.
            if cut == Cut::ToLength
                && (!pointers || resizes(f, lhs, src) || !retires(cx, f, lhs, a.tok_pos))
            {
                continue;
            }
            // Emptied and refilled: the reuse the truncation is for. What
            // the array keeps past the length is bounded by the largest
            // batch and overwritten by the next ones.
            if cut == Cut::ToZero && refilled(cx, owners, funcs, i, lhs) {
                continue;
            }
            let d = if cut == Cut::ToLength {
                let msg = format!(
                    "`{name} = {trunc}` drops elements from the slice but not from its array: every `{elem}` past the new length stays reachable until an append overwrites it; {lifetime}"
                );
                Diagnostic::new(RULE.code, span, msg).with_severity(Severity::Warning)
            } else if pointers {
                let msg = format!(
                    "`{name} = {trunc}` keeps the array and every `{elem}` in it reachable; {lifetime}"
                );
                let fix = Fix {
                    message: format!("drop the array: `{name} = nil`"),
                    applicability: Applicability::Unsafe,
                    edits: vec![Edit::replace(rhs.span(), "nil")],
                };
                Diagnostic::new(RULE.code, span, msg)
                    .with_severity(Severity::Warning)
                    .with_fix(fix)
            } else {
                let msg = format!(
                    "`{name} = {trunc}` keeps the array at the largest size it grew to; {lifetime}"
                );
                Diagnostic::new(RULE.code, span, msg).with_severity(Severity::Info)
            };
            out.push(FileDiagnostic {
                file: f.file,
                diagnostic: d.in_function(&f.name),
            });
        }
    }
}

/// How a slice is cut while its array is kept.
#[derive(Clone, Copy, PartialEq)]
enum Cut {
    /// `x = x[:0]`, `x = x[0:0]`, or the three-index `x = x[:0:n]`: the
    /// capacity bound changes what later appends may reuse, not what the
    /// slice keeps alive (it still starts at the array's first element, so
    /// the whole array and everything its elements point to stay
    /// reachable).
    ToZero,
    /// `x = x[:n]` (`x = x[0:n]`, `x = x[:len(x)-1]`): the elements past
    /// `n` leave the slice but stay in the array, and what they point to
    /// stays reachable (container/heap's `old[n-1] = nil // avoid memory
    /// leak`).
    ToLength,
}

fn truncates(lhs: &Expr, rhs: &Expr, src: &str) -> Option<Cut> {
    let Expr::Slice(s) = rhs.unparen() else {
        return None;
    };
    let zero = |x: &Expr| matches!(x.unparen(), Expr::BasicLit(l) if l.value(src) == "0");
    if s.x.span().text(src) != lhs.span().text(src) || !s.low.as_ref().is_none_or(zero) {
        return None;
    }
    match &s.high {
        Some(h) if zero(h) => Some(Cut::ToZero),
        // `x[:len(x)]` keeps every element: no cut. A three-index cut to
        // a length is left alone (it bounds appends on purpose).
        Some(h) if s.max.is_none() && !is_len_of(h, lhs, src) => Some(Cut::ToLength),
        _ => None,
    }
}

/// `len(x)` itself.
fn is_len_of(h: &Expr, x: &Expr, src: &str) -> bool {
    matches!(h.unparen(), Expr::Call(c)
        if ident_name(&c.fun, src) == Some("len")
            && c.args.first().is_some_and(|a| a.span().text(src) == x.span().text(src)))
}

/// Whether elements of type `elem` (as written) hold pointers.
fn holds_pointers(cx: &PackageContext, elem: &str) -> bool {
    pointer_like(elem)
        || cx
            .package
            .symbols
            .types
            .get(elem)
            .is_some_and(|t| match t.kind {
                TypeKind::Interface => true,
                TypeKind::Struct => t.fields.iter().any(|f| pointer_like(&f.typ)),
                TypeKind::Other => pointer_like(&t.typ),
            })
}

fn pointer_like(t: &str) -> bool {
    ["*", "[]", "map[", "chan", "func", "interface"]
        .iter()
        .any(|p| t.starts_with(p))
        || matches!(t, "string" | "any" | "error")
}

/// Whether some function of the package swaps the slice written `x`
/// with another (`q.out, q.in = q.in, q.out`, or through a temporary:
/// `t := q.out; q.out = q.in; q.in = t`): a double buffer. The truncated
/// array becomes the buffer the producers refill, so what it keeps past
/// its length is overwritten by the next batch.
fn swapped(cx: &PackageContext, funcs: &[Func], x: &str) -> bool {
    funcs.iter().filter(|f| !cx.file(f.file).is_test).any(|f| {
        let src = &cx.file(f.file).src;
        let text = |e: &Expr| e.span().text(src);
        let mut temps: Vec<&str> = Vec::new();
        let mut to_other: Vec<&str> = Vec::new();
        let mut from_other: Vec<&str> = Vec::new();
        for site in &f.sites {
            let Stmt::Assign(a) = site.stmt else { continue };
            if a.lhs.len() != a.rhs.len() {
                continue;
            }
            let tuple = a.lhs.len() > 1
                && a.lhs.iter().enumerate().any(|(k, l)| {
                    text(l) == x
                        && a.rhs
                            .iter()
                            .enumerate()
                            .any(|(j, r)| j != k && text(r) == x)
                });
            if tuple {
                return true;
            }
            let [l, r] = [&a.lhs[0], &a.rhs[0]];
            match a.tok {
                Token::Define if text(r) == x => temps.push(text(l)),
                Token::Assign if text(l) == x && text(r) != x => from_other.push(text(r)),
                Token::Assign if temps.contains(&text(r)) => to_other.push(text(l)),
                _ => {}
            }
        }
        from_other.iter().any(|o| to_other.contains(o))
    })
}

/// Whether function `f` lets go of the elements of `x` around its
/// truncation at `at`: `clear(x)`; `x[i] = ...` or `x[i].f = ...` (each
/// element or its fields overwritten); a `range` over `x` before the
/// truncation (every element consumed: handed on, called, released, and
/// the slice reset for reuse); or `x = append(x, ...)` after it (refilled
/// at once: the slots past the old length are overwritten by the next
/// batch, so what stays is bounded by one batch, not by the owner's
/// whole history).
fn clears(f: &Func, x: &Expr, at: u32, src: &str) -> bool {
    let text = x.span().text(src);
    let same = |e: &Expr| e.span().text(src) == text;
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        match n {
            Node::Call(c) if ident_name(&c.fun, src) == Some("clear") => {
                found |= c.args.first().is_some_and(same);
            }
            Node::Stmt(Stmt::Range(r)) => found |= r.pos < at && same(&r.x),
            Node::Stmt(Stmt::Assign(a)) => {
                found |= a.lhs.iter().any(|l| element_of(l, &same));
                found |= a.tok_pos > at && refills(a, &same, src);
            }
            _ => {}
        }
        !found
    });
    found
}

/// Whether some function of the package refills the slot `x` (of
/// function `i`) names: `x = append(x, ...)`, or gives it another slice
/// (`x = batch`, `x = make(...)`), which drops the old array.
fn refilled(cx: &PackageContext, owners: &Owners, funcs: &[Func], i: usize, x: &Expr) -> bool {
    let Some(slot) = owners.slot_key(cx, funcs, i, x) else {
        return false;
    };
    funcs.iter().enumerate().any(|(j, f)| {
        let src = &cx.file(f.file).src;
        !cx.file(f.file).is_test
            && f.sites.iter().any(|site| {
                let Stmt::Assign(a) = site.stmt else {
                    return false;
                };
                let ([l], [r]) = (&a.lhs[..], &a.rhs[..]) else {
                    return false;
                };
                a.tok == Token::Assign
                    && truncates(l, r, src).is_none()
                    && owners.slot_key(cx, funcs, j, l).as_deref() == Some(slot.as_str())
            })
    })
}

/// Whether function `f` retires the elements a cut at `at` drops: it
/// reads elements of `x` (walks the tail `x[n:]`, takes the top
/// `x[len(x)-1]`) and ends something's life: `delete` from a map,
/// `close`, or a method that closes or stops (`Close`, `Stop`, `Cancel`,
/// `Shutdown`, `Release`). The program treats those elements as dead
/// (deregistered, closed) while the array still holds them: what they
/// point to stays reachable until an append happens to reach their slot.
/// A pop that hands the element on, a rollback of one slot, or a
/// compaction of a ring keeps values the program still considers live,
/// or one slot: no leak a reviewer would call one.
fn retires(cx: &PackageContext, f: &Func, x: &Expr, at: u32) -> bool {
    let src = &cx.file(f.file).src;
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    let Some(place) = crate::objects::place_path(&view, x) else {
        return false;
    };
    let is_x = |y: &Expr| crate::objects::place_path(&view, y).as_ref() == Some(&place);
    let builtin = |y: &Expr, name: &str| {
        view.object_of_expr(y).is_some_and(|o| {
            let obj = view.model().obj(o);
            matches!(obj.kind, letgo_types::model::ObjKind::Builtin(_)) && &*obj.name == name
        })
    };
    let (mut reads, mut ends) = (false, false);
    inspect(Node::Block(f.body), &mut |n| {
        match n {
            Node::Expr(Expr::Index(ix)) => reads |= is_x(&ix.x),
            Node::Expr(Expr::Slice(sl)) => reads |= sl.x.pos() < at && is_x(&sl.x),
            Node::Call(c) => {
                // The builtins by their objects; a method that ends a
                // value's life by the name Go's APIs give it (`io.Closer`'s
                // `Close`, a timer's `Stop`; an unexported `close`/`stop`).
                ends |= builtin(&c.fun, "delete") || builtin(&c.fun, "close");
                ends |= matches!(c.fun.unparen(), Expr::Selector(sel) if matches!(
                    sel.sel.name(src),
                    "Close" | "Stop" | "Cancel" | "Shutdown" | "Release" | "close" | "stop"
                ));
            }
            _ => {}
        }
        true
    });
    reads && ends
}

/// Whether function `f` also grows `x` (`x = append(x, ...)` anywhere in
/// it): a cut to a length there resizes `x` to a target (a worker pool
/// set to `n`), so what the array keeps past the length is at most the
/// largest size this function grew it to, overwritten when it grows
/// again: bounded by the sizes asked for, not by the owner's history.
fn resizes(f: &Func, x: &Expr, src: &str) -> bool {
    let text = x.span().text(src);
    let same = |e: &Expr| e.span().text(src) == text;
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Stmt(Stmt::Assign(a)) = n {
            found |= refills(a, &same, src);
        }
        !found
    });
    found
}

/// `x[i]`, or a field of it (`x[i].f.g`).
fn element_of(l: &Expr, same: &dyn Fn(&Expr) -> bool) -> bool {
    match l.unparen() {
        Expr::Index(ix) => same(&ix.x),
        Expr::Selector(sel) => element_of(&sel.x, same),
        _ => false,
    }
}

/// `x = append(x, ...)`.
fn refills(a: &letgo_go::ast::AssignStmt, same: &dyn Fn(&Expr) -> bool, src: &str) -> bool {
    matches!((&a.lhs[..], &a.rhs[..]), ([l], [Expr::Call(c)])
        if same(l) && ident_name(&c.fun, src) == Some("append") && c.args.first().is_some_and(same))
}
