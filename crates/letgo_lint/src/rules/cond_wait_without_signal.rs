//! LG118 cond-wait-without-signal.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::funcs::FuncKind;
use crate::locks::root;
use crate::registry::Rule;
use crate::syntax::loop_body_spans;
use letgo_go::ast::{BlockStmt, Expr, Ident, SelectorExpr, Span, Spec, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{ObjId, ObjKind};
use letgo_types::{FileView, Model};
use std::collections::HashSet;

pub const RULE: Rule = Rule {
    code: "LG118",
    name: "cond-wait-without-signal",
    summary: "sync.Cond.Wait that nothing signals, or that is not re-checked in a loop",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG118 cond-wait-without-signal

## What it does
Flags `c.Wait()` on a `sync.Cond` (found by type, identified by the
object that holds it: a local variable, a package variable, a field of a
struct type) when:
- nothing in view calls `Signal` or `Broadcast` on the same condition: no
  function of the package (its closures and test files included) signals
  that variable, or that field of any value of the struct type. An error;
- some code does signal it, but this `Wait` is not in a `for` loop that
  checks the condition again (a `Wait` that is the last statement of a
  named function or method that takes no lock itself is a wrapper, like
  `sync.Cond.Wait`: the loop is its callers' part, and it is not
  flagged; one that locks the condition's `L` first leaves no caller a
  way to re-check under that lock, unless it returns as soon as it
  wakes — the `Wait` followed by a `return`, or ending an `if` that a
  `return` follows — and every call of it, all in the package (it is
  unexported), is inside a `for` loop: then each wake-up goes back round
  the caller's loop into the function, which checks the condition again
  under its lock, as `for n == 0 { n, err = p.readOrBlock(b) }` does).
  A warning when the `Wait` is not even under
  an `if` and some `Signal`/`Broadcast` on the condition is sent without
  holding a lock (a signal sent before the `Wait` starts is lost, and
  the goroutine may wait forever); info when every signal is sent
  holding a lock (the lock view's, or the condition's own `c.L`: correct
  when the waiter holds that lock from before any signaller can take
  it, a handshake the rule does not prove), and info when an `if` checks
  the condition once (after waking, another waiter may have made it
  false again).

A method value `c.Wait` handed to a function of the package
(`inBackground(c.Wait)`, the callee found by its object) waits where
that function calls it: when the function only calls that parameter
(besides comparing it with `nil`), never inside a loop, the `Wait` runs
once with no condition re-checked around it, and is judged as a `Wait`
outside a loop (an error when nothing signals the condition, a warning
when a signal is sent without a lock, else info). The finding points at
the method value. A callee that calls it in a loop (`for !cond() {
wait() }`), or stores, returns or passes it on, is not judged.

A local variable that only ever holds another holder's condition (`c :=
l.c`, never assigned again, the holder an unexported field or package
variable) is that condition: a `Wait` through the local meets a
`Signal`/`Broadcast` through the field, and the copy does not hand the
field out of view.

A condition that leaves the package's view gets no finding: an exported
variable or field, an embedded `sync.Cond` (its methods are promoted to
the struct, which other packages can call), a parameter, or a condition
used in any other way than `Wait`/`Signal`/`Broadcast`/`L` and being
assigned a fresh `sync.NewCond` (passed to a function, returned, copied
into another variable): someone out of view may signal it.

The finding points at the `Wait`, where the goroutine blocks.

## Why is this bad?
`Wait` parks the goroutine until another goroutine calls `Signal` or
`Broadcast` on the same `Cond`. If nothing ever does, the goroutine and
everything it references stay in memory for the life of the process.
`Wait` also does not remember a `Signal` sent before it started: the
sync package's documentation says to call it in a loop that checks the
condition, under `c.L`, so that a condition already true is not waited
for.

## Example
```go
type queue struct {
	mu    sync.Mutex
	ready *sync.Cond
	items []int
}

func (q *queue) pop() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ready.Wait() // nothing calls q.ready.Signal: blocks forever
	...
}
```

## Use instead
```go
func (q *queue) push(v int) {
	q.mu.Lock()
	q.items = append(q.items, v)
	q.mu.Unlock()
	q.ready.Signal()
}

func (q *queue) pop() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.ready.Wait()
	}
	...
}
```

## Fix safety
No fix is offered: what should signal, and which condition to re-check,
are the program's to say.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let relevant = cx
        .files()
        .any(|(_, f)| f.src.contains(".Wait") && f.src.contains("Cond"));
    if !relevant {
        return;
    }
    let aliases = aliases(cx);
    let waits = waits(cx, &aliases);
    if waits.is_empty() {
        return;
    }
    let mut uses = uses(cx, &aliases);
    let unlocked: Vec<_> = uses
        .signals
        .iter()
        .filter(|(file, at, c)| !under_lock(cx, *file, *at, *c))
        .map(|(_, _, c)| *c)
        .collect();
    uses.signalled_unlocked.extend(unlocked);
    for w in waits {
        if let Some(d) = judge(cx, &uses, &w) {
            out.push(d);
        }
    }
}

/// A `c.Wait()` on a condition the package may see all of.
struct Wait {
    func: usize,
    span: Span,
    /// The condition: the identity of the variable or field holding it.
    cond: (u32, u32, u32),
    text: String,
    /// A method value `c.Wait` handed to this same-package function,
    /// which calls it, never in a loop: the `Wait` runs there, once.
    handed_to: Option<String>,
}

/// How the package uses conditions: where it signals, and which
/// conditions it lets out of view.
#[derive(Default)]
struct Uses {
    signalled: HashSet<(u32, u32, u32)>,
    /// Conditions signalled somewhere without holding a lock.
    signalled_unlocked: HashSet<(u32, u32, u32)>,
    /// Where each signal is: file, span, condition.
    signals: Vec<(usize, Span, (u32, u32, u32))>,
    escaped: HashSet<(u32, u32, u32)>,
}

fn judge(cx: &PackageContext, uses: &Uses, w: &Wait) -> Option<FileDiagnostic> {
    if uses.escaped.contains(&w.cond) {
        return None;
    }
    let f = &cx.functions()[w.func];
    if let Some(callee) = &w.handed_to {
        return Some(handed_off(uses, w, f, callee));
    }
    let (msg, severity) = if !uses.signalled.contains(&w.cond) {
        (
            format!(
                "`{}.Wait()` blocks forever: nothing in the package calls `{0}.Signal()` or `{0}.Broadcast()`",
                w.text
            ),
            Severity::Error,
        )
    } else if in_spans(&loop_body_spans(f.body), w.span)
        || (tail_wait(f, w.span) && !takes_lock(cx, w))
        || (returns_on_waking(f, w.span) && every_call_loops(cx, f))
    {
        return None;
    } else if in_spans(&if_body_spans(f.body), w.span) {
        (
            format!(
                "`{}.Wait()` is not re-checked in a `for` loop: when it returns, another waiter may have made the condition false again",
                w.text
            ),
            Severity::Info,
        )
    } else if uses.signalled_unlocked.contains(&w.cond) {
        (
            format!(
                "`{}.Wait()` checks no condition first: a `Signal` or `Broadcast` sent before it starts is lost and it may block forever; wait in a `for` loop on the condition",
                w.text
            ),
            Severity::Warning,
        )
    } else {
        (
            format!(
                "`{}.Wait()` checks no condition first: every `Signal`/`Broadcast` is sent holding a lock, so this is right only if the waiter holds it from before any of them can run; wait in a `for` loop on the condition",
                w.text
            ),
            Severity::Info,
        )
    };
    let diagnostic = Diagnostic::new(RULE.code, w.span, msg)
        .with_severity(severity)
        .in_function(&f.name);
    Some(FileDiagnostic {
        file: f.file,
        diagnostic,
    })
}

/// A `c.Wait` method value handed to `callee`, which calls it outside
/// any loop: nothing re-checks a condition around that `Wait`.
fn handed_off(uses: &Uses, w: &Wait, f: &crate::funcs::Func, callee: &str) -> FileDiagnostic {
    let (why, severity) = if !uses.signalled.contains(&w.cond) {
        (
            format!(
                "nothing in the package calls `{0}.Signal()` or `{0}.Broadcast()`",
                w.text
            ),
            Severity::Error,
        )
    } else if uses.signalled_unlocked.contains(&w.cond) {
        (
            "a `Signal` or `Broadcast` sent before it starts is lost and it may block forever"
                .to_string(),
            Severity::Warning,
        )
    } else {
        (
            "it checks no condition first, so it is right only if the waiter holds the lock from before any signal can run".to_string(),
            Severity::Info,
        )
    };
    let msg = format!(
        "`{}.Wait` is handed to `{callee}`, which calls it once, outside any loop: {why}",
        w.text
    );
    FileDiagnostic {
        file: f.file,
        diagnostic: Diagnostic::new(RULE.code, w.span, msg)
            .with_severity(severity)
            .in_function(&f.name),
    }
}

/// For a call `g(..., c.Wait, ...)` in function `fi` of a same-package
/// function `g` (the callee the package's call graph resolves it to) that
/// calls the parameter at that position, each call outside any loop of
/// the function holding it, and only calls it (no other use: stored,
/// passed on or returned it may run anywhere): `g`'s name. Such a `Wait`
/// runs once per call, with no condition re-checked.
fn calls_once(
    cx: &PackageContext,
    fi: usize,
    call: &letgo_go::ast::CallExpr,
    arg: usize,
) -> Option<String> {
    let at = Span::new(call.pos(), call.end());
    let g = cx.calls()[fi]
        .iter()
        .find(|c| c.span == at && matches!(cx.functions()[c.callee].kind, FuncKind::Decl(_)))?
        .callee;
    let gf = &cx.functions()[g];
    if gf.typ.params.list.iter().any(|p| p.names.is_empty()) {
        return None;
    }
    let name = gf
        .typ
        .params
        .list
        .iter()
        .flat_map(|p| p.names.iter())
        .nth(arg)?;
    let gview = cx.types(gf.file)?;
    let param = gview.object_of(name)?;
    let (mut calls, mut looped, mut other) = (0, 0, 0);
    for h in cx.functions() {
        if h.file != gf.file || h.body.lbrace < gf.body.lbrace || h.body.end() > gf.body.end() {
            continue;
        }
        let loops = loop_body_spans(h.body);
        let mut called_at: HashSet<u32> = HashSet::new();
        inspect(Node::Block(h.body), &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Call(c) => {
                if let Expr::Ident(id) = c.fun.unparen() {
                    if gview.object_of(id) == Some(param) {
                        calls += 1;
                        called_at.insert(id.pos);
                        looped += usize::from(in_spans(&loops, Span::new(c.pos(), c.end())));
                    }
                }
                true
            }
            Node::Ident(id) if id.pos != name.pos && gview.object_of(id) == Some(param) => {
                if !called_at.contains(&id.pos) {
                    other += 1;
                }
                true
            }
            _ => true,
        });
    }
    // `if f != nil { f() }`: a comparison with nil is a test, not a use.
    let nil_tests = nil_comparisons(gf.body, &gview, param);
    (calls > 0 && looped == 0 && other == nil_tests)
        .then(|| gf.name.rsplit('.').next().unwrap_or(&gf.name).to_string())
}

/// How many `p != nil` / `p == nil` comparisons mention the parameter
/// `param` in `body` (its closures included).
fn nil_comparisons(body: &BlockStmt, view: &FileView, param: ObjId) -> usize {
    let mut n = 0;
    inspect(Node::Block(body), &mut |x| {
        if let Node::Expr(Expr::Binary(b)) = x {
            if matches!(b.op, Token::Eql | Token::Neq) {
                let is_p = |e: &Expr| matches!(e.unparen(), Expr::Ident(i) if view.object_of(i) == Some(param));
                let is_nil = |e: &Expr| crate::syntax::is_nil(view, e);
                if (is_p(&b.x) && is_nil(&b.y)) || (is_nil(&b.x) && is_p(&b.y)) {
                    n += 1;
                }
            }
        }
        true
    });
    n
}

/// The `Wait` is the last statement of a declared function or method (a
/// wrapper such as `func (c *queueCond) Wait() { c.cond.Wait() }`): it
/// returns as soon as it wakes, like `sync.Cond.Wait` itself, so checking
/// the condition in a loop is its callers' part, not its own.
fn tail_wait(f: &crate::funcs::Func, at: Span) -> bool {
    matches!(f.kind, crate::funcs::FuncKind::Decl(_))
        && matches!(f.body.list.last(), Some(Stmt::Expr(x)) if x.span().start <= at.start && at.end <= x.span().end)
}

/// The `Wait` is followed by a `return`: directly, or as the last
/// statement of an `if` body that a `return` follows, or as the last
/// statement of the function. Waking, the function acts on nothing it
/// waited for: it returns, and whoever called it decides what next.
fn returns_on_waking(f: &crate::funcs::Func, at: Span) -> bool {
    let holds = |s: &Stmt| s.span().start <= at.start && at.end <= s.span().end;
    let is_wait = |s: &Stmt| matches!(s, Stmt::Expr(_)) && holds(s);
    let then_returns = |list: &[Stmt], i: usize| matches!(list.get(i + 1), Some(Stmt::Return(_)));
    if f.body.list.last().is_some_and(is_wait) && matches!(f.kind, crate::funcs::FuncKind::Decl(_))
    {
        return true;
    }
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        let Node::Block(b) = n else {
            return !found && !matches!(n, Node::Expr(Expr::FuncLit(_)));
        };
        for (i, s) in b.list.iter().enumerate() {
            found |= is_wait(s) && then_returns(&b.list, i);
            if let Stmt::If(x) = s {
                let last = x.els.is_none() && x.body.list.last().is_some_and(is_wait);
                found |= last && then_returns(&b.list, i);
            }
        }
        !found
    });
    found
}

/// Whether every use of the function `f` declares is a call inside a
/// loop (`for n == 0 { n, err = p.readOrBlock(b) }`), and there is one:
/// the loop calls it again when it returns, and it checks the condition
/// anew, under its lock. An exported function may have callers out of
/// view: not judged.
fn every_call_loops(cx: &PackageContext, f: &crate::funcs::Func) -> bool {
    let crate::funcs::FuncKind::Decl(d) = f.kind else {
        return false;
    };
    let src = &cx.file(f.file).src;
    if d.name
        .name(src)
        .chars()
        .next()
        .is_some_and(char::is_uppercase)
    {
        return false;
    }
    let Some(obj) = cx.types(f.file).and_then(|v| v.object_of(&d.name)) else {
        return false;
    };
    let (mut uses, mut looped) = (0, 0);
    for g in cx.functions() {
        let Some(view) = cx.types(g.file) else {
            return false;
        };
        let loops = loop_body_spans(g.body);
        inspect(Node::Block(g.body), &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Call(c) => {
                let callee = match c.fun.unparen() {
                    Expr::Selector(s) => view.object_of(&s.sel),
                    x => view.object_of_expr(x),
                };
                if callee == Some(obj) {
                    looped += usize::from(in_spans(&loops, Span::new(c.pos(), c.end())));
                }
                true
            }
            Node::Ident(id) if view.object_of(id) == Some(obj) => {
                uses += 1;
                true
            }
            _ => true,
        });
    }
    uses > 0 && uses == looped
}

/// Whether the function around the `Wait` takes a lock itself (the
/// condition's `L` included): then no caller holds that lock across the
/// call to check the condition again, so the loop is this function's part.
fn takes_lock(cx: &PackageContext, w: &Wait) -> bool {
    if !cx.locks().funcs[w.func].acquires.is_empty() {
        return true;
    }
    let f = &cx.functions()[w.func];
    let src = &cx.file(f.file).src;
    let own = [
        format!("{}.L.Lock()", w.text),
        format!("{}.L.RLock()", w.text),
    ];
    f.sites.iter().any(|s| {
        let sp = s.stmt.span();
        let text = &src[sp.start as usize..sp.end as usize];
        own.iter().any(|o| text.starts_with(o.as_str()))
    })
}

fn in_spans(spans: &[Span], at: Span) -> bool {
    spans.iter().any(|s| s.start <= at.start && at.end <= s.end)
}

/// The bodies of `if` statements (and their `else` branches) of a body,
/// not inside function literals.
fn if_body_spans(body: &BlockStmt) -> Vec<Span> {
    let mut out = Vec::new();
    inspect(Node::Block(body), &mut |n| match n {
        Node::Expr(Expr::FuncLit(_)) => false,
        Node::Stmt(Stmt::If(i)) => {
            out.push(Span::new(
                i.body.pos(),
                i.els.as_ref().map_or(i.body.end(), |e| e.end()),
            ));
            true
        }
        _ => true,
    });
    out
}

/// The method of `sync.Cond` a selector names, and the object holding
/// the condition: `x.Wait` where `x` is a `*sync.Cond` or `sync.Cond`
/// variable or field (not a struct embedding one).
fn cond_method<'m>(view: &FileView<'m>, sel: &SelectorExpr) -> Option<(&'m str, ObjId)> {
    let m = view.model();
    let o = view.object_of(&sel.sel)?;
    let obj = m.obj(o);
    if obj.kind != ObjKind::Method || m.pkg_path(o) != "sync" {
        return None;
    }
    if !m
        .receiver_named(o)
        .is_some_and(|t| m.is_named(t, "sync", "Cond"))
    {
        return None;
    }
    let holder = holder(view, &sel.x)?;
    Some((&*m.obj(o).name, holder))
}

/// The variable or field a condition expression names (`c`, `s.cond`,
/// `*c`, `&s.cond`), when it is a `sync.Cond` or a pointer to one.
fn holder(view: &FileView, x: &Expr) -> Option<ObjId> {
    let m = view.model();
    let t = view.type_of(x)?;
    if !m.is_named(m.deref(t), "sync", "Cond") {
        return None;
    }
    let id = last_ident(x)?;
    let o = view.object_of(id)?;
    matches!(m.obj(o).kind, ObjKind::Var | ObjKind::Field).then_some(o)
}

fn last_ident(x: &Expr) -> Option<&Ident> {
    match x.unparen() {
        Expr::Ident(id) => Some(id),
        Expr::Selector(s) => Some(&s.sel),
        Expr::Star(s) => last_ident(&s.x),
        Expr::Unary(u) if u.op == Token::And => last_ident(&u.x),
        _ => None,
    }
}

/// Every `Wait` on a condition held by a variable or field, whose holder
/// is not exported and not a parameter.
fn waits(cx: &PackageContext, aliases: &Aliases) -> Vec<Wait> {
    let mut out = Vec::new();
    for (fi, f) in cx.functions().iter().enumerate() {
        let Some(view) = cx.types(f.file) else {
            continue;
        };
        let m = view.model();
        let src = &cx.file(f.file).src;
        inspect(Node::Block(f.body), &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Call(c) => {
                if let Expr::Selector(sel) = c.fun.unparen() {
                    if let Some(("Wait", o)) = cond_method(&view, sel) {
                        let cond = aliases.resolve(m.identity(o));
                        if cond != m.identity(o) || in_view(cx, fi, m, o) {
                            out.push(Wait {
                                func: fi,
                                span: Span::new(c.pos(), c.end()),
                                cond,
                                text: sel.x.span().text(src).to_string(),
                                handed_to: None,
                            });
                        }
                    }
                }
                // `g(c.Wait)`: the method value runs where `g` calls it.
                for (k, a) in c.args.iter().enumerate() {
                    let Expr::Selector(sel) = a.unparen() else {
                        continue;
                    };
                    let Some(("Wait", o)) = cond_method(&view, sel) else {
                        continue;
                    };
                    let cond = aliases.resolve(m.identity(o));
                    if !(cond != m.identity(o) || in_view(cx, fi, m, o)) {
                        continue;
                    }
                    if let Some(callee) = calls_once(cx, fi, c, k) {
                        out.push(Wait {
                            func: fi,
                            span: a.span(),
                            cond,
                            text: sel.x.span().text(src).to_string(),
                            handed_to: Some(callee),
                        });
                    }
                }
                true
            }
            _ => true,
        });
    }
    out
}

/// A holder others cannot reach without the package's help: an
/// unexported field or package variable, or a local variable of the
/// function (not a parameter or receiver).
fn in_view(cx: &PackageContext, fi: usize, m: &Model, o: ObjId) -> bool {
    let obj = m.obj(o);
    let exported = obj.name.chars().next().is_some_and(char::is_uppercase);
    // An embedded `sync.Cond` is the exported field `Cond`.
    if exported {
        return false;
    }
    if obj.kind == ObjKind::Field || m.is_package_level(o) {
        return true;
    }
    let Some((_, off)) = obj.pos else {
        return false;
    };
    // A parameter or receiver of the declaration (or of a closure in it)
    // is handed in by a caller out of view.
    let home = root(cx, fi);
    !cx.functions()
        .iter()
        .enumerate()
        .filter(|(gi, _)| root(cx, *gi) == home)
        .any(|(_, g)| declares_param(g, off))
}

fn declares_param(f: &crate::funcs::Func, off: u32) -> bool {
    let recv = match f.kind {
        crate::funcs::FuncKind::Decl(d) => d.recv.as_ref(),
        crate::funcs::FuncKind::Lit(_) => None,
    };
    recv.into_iter()
        .chain(std::iter::once(&f.typ.params))
        .flat_map(|l| l.list.iter())
        .any(|field| field.names.iter().any(|n| n.pos == off))
}

/// Where the package signals conditions, and which conditions it lets
/// out of view: every mention of a condition's holder other than as the
/// receiver of a `Cond` method or of `.L`, or as the target of a fresh
/// `sync.NewCond`/`&sync.Cond{}`, hands it out.
fn uses(cx: &PackageContext, aliases: &Aliases) -> Uses {
    let mut u = Uses::default();
    for (fi, sf) in cx.files() {
        let Some(view) = cx.types(fi) else {
            continue;
        };
        let m = view.model();
        let mut allowed: HashSet<u32> = HashSet::new();
        let mut mentions: Vec<&Ident> = Vec::new();
        inspect(Node::File(&sf.ast), &mut |n| {
            match n {
                Node::Expr(Expr::Selector(sel)) => {
                    if let Some((name, o)) = cond_method(&view, sel) {
                        if matches!(name, "Signal" | "Broadcast") {
                            u.signalled.insert(aliases.resolve(m.identity(o)));
                            let at = Span::new(sel.x.pos(), sel.sel.end());
                            u.signals.push((fi, at, aliases.resolve(m.identity(o))));
                        }
                        allowed.extend(last_ident(&sel.x).map(|i| i.pos));
                    } else if sel.sel.name(&sf.src) == "L" && holder(&view, &sel.x).is_some() {
                        allowed.extend(last_ident(&sel.x).map(|i| i.pos));
                    }
                }
                Node::Stmt(Stmt::Assign(a)) => {
                    for (l, r) in a.lhs.iter().zip(&a.rhs) {
                        if fresh_cond(&view, r) {
                            allowed.extend(last_ident(l).map(|i| i.pos));
                        }
                    }
                }
                Node::Spec(Spec::Value(v)) => {
                    for (name, r) in v.names.iter().zip(&v.values) {
                        if fresh_cond(&view, r) {
                            allowed.insert(name.pos);
                        }
                    }
                }
                Node::Expr(Expr::KeyValue(kv)) if fresh_cond(&view, &kv.value) => {
                    allowed.extend(last_ident(&kv.key).map(|i| i.pos));
                }
                Node::Ident(id) => mentions.push(id),
                _ => {}
            }
            true
        });
        for id in mentions {
            if allowed.contains(&id.pos) || aliases.sources.contains(&(fi, id.pos)) {
                continue;
            }
            let Some(o) = view.object_of(id) else {
                continue;
            };
            let obj = m.obj(o);
            let is_cond = matches!(obj.kind, ObjKind::Var | ObjKind::Field)
                && m.is_named(m.deref(obj.typ), "sync", "Cond");
            // Its own declaration is no use.
            let declared_here = obj.pos == Some((view.file_id(), id.pos));
            if is_cond && !declared_here {
                u.escaped.insert(aliases.resolve(m.identity(o)));
            }
        }
    }
    u
}

/// Local variables that only ever hold another holder's condition
/// (`c := rl.c`, never assigned again): their `Wait`, `Signal` and
/// `Broadcast` are the holder's, and the copy does not hand the holder
/// out of view.
#[derive(Default)]
struct Aliases {
    /// Local's identity -> the holder's identity.
    map: std::collections::HashMap<(u32, u32, u32), (u32, u32, u32)>,
    /// Where the holders are named in such a definition: file, offset.
    sources: HashSet<(usize, u32)>,
}

impl Aliases {
    fn resolve(&self, id: (u32, u32, u32)) -> (u32, u32, u32) {
        self.map.get(&id).copied().unwrap_or(id)
    }
}

fn aliases(cx: &PackageContext) -> Aliases {
    let mut a = Aliases::default();
    for (fi, sf) in cx.files() {
        let Some(view) = cx.types(fi) else {
            continue;
        };
        let m = view.model();
        let mut defs = Vec::new();
        let mut assigned: Vec<ObjId> = Vec::new();
        inspect(Node::File(&sf.ast), &mut |n| {
            if let Node::Stmt(Stmt::Assign(x)) = n {
                for l in &x.lhs {
                    if let Expr::Ident(id) = l.unparen() {
                        assigned.extend(view.object_of(id));
                    }
                }
                if let ([Expr::Ident(local)], [r]) = (&x.lhs[..], &x.rhs[..]) {
                    let src_holder = (!fresh_cond(&view, r)).then(|| holder(&view, r)).flatten();
                    if let (true, Some(o), Some(h)) =
                        (x.tok == Token::Define, view.object_of(local), src_holder)
                    {
                        defs.push((o, h, last_ident(r).map(|i| i.pos)));
                    }
                }
            }
            true
        });
        for (o, h, at) in defs {
            let local = m.obj(o).kind == ObjKind::Var && !m.is_package_level(o);
            // Only the package's own holders: an unexported field or
            // package variable (a parameter's condition is out of view).
            let ho = m.obj(h);
            let in_view = (ho.kind == ObjKind::Field || m.is_package_level(h))
                && !ho.name.chars().next().is_some_and(char::is_uppercase);
            if local && in_view && assigned.iter().filter(|x| **x == o).count() == 1 {
                a.map.insert(m.identity(o), m.identity(h));
                a.sources.extend(at.map(|p| (fi, p)));
            }
        }
    }
    a
}

/// `sync.NewCond(...)` or `&sync.Cond{...}`.
fn fresh_cond(view: &FileView, x: &Expr) -> bool {
    let m = view.model();
    match x.unparen() {
        Expr::Call(c) => view
            .object_of_expr(&c.fun)
            .is_some_and(|o| m.is_func(o, "sync", "NewCond")),
        Expr::Unary(u) if u.op == Token::And => {
            matches!(u.x.unparen(), Expr::CompositeLit(_))
                && view
                    .type_of(x)
                    .is_some_and(|t| m.is_named(m.deref(t), "sync", "Cond"))
        }
        _ => false,
    }
}

/// Whether the signal at `at` in file `file` runs holding a lock: one
/// the lock view sees held there, or the condition's own `c.L.Lock()`
/// earlier in the same function and not unlocked before it.
fn under_lock(cx: &PackageContext, file: usize, at: Span, cond: (u32, u32, u32)) -> bool {
    let funcs = cx.functions();
    let Some(fi) = funcs
        .iter()
        .enumerate()
        .filter(|(_, f)| f.file == file && f.body.pos() <= at.start && at.end <= f.body.end())
        .min_by_key(|(_, f)| f.body.end() - f.body.pos())
        .map(|(i, _)| i)
    else {
        return false;
    };
    if !cx.locks().funcs[fi].held_around(at).is_empty() {
        return true;
    }
    // `c.L` is a `sync.Locker`, which the lock view does not follow:
    // the last `c.L.Lock()`/`c.L.Unlock()` on this condition before the
    // signal (deferred ones run later) says.
    let Some(view) = cx.types(file) else {
        return false;
    };
    let m = view.model();
    let mut last: Option<(u32, bool)> = None;
    inspect(Node::Block(funcs[fi].body), &mut |n| match n {
        Node::Expr(Expr::FuncLit(_)) | Node::Stmt(Stmt::Defer(_)) => false,
        Node::Call(c) if c.pos() < at.start => {
            if let Some((locks, o)) = locker_call(&view, c) {
                if m.identity(o) == cond && last.is_none_or(|(p, _)| p < c.pos()) {
                    last = Some((c.pos(), locks));
                }
            }
            true
        }
        _ => true,
    });
    last.is_some_and(|(_, locks)| locks)
}

/// `x.L.Lock()` or `x.L.Unlock()` on a condition `x`: whether it locks,
/// and the condition's holder.
fn locker_call(view: &FileView, c: &letgo_go::ast::CallExpr) -> Option<(bool, ObjId)> {
    let Expr::Selector(op) = c.fun.unparen() else {
        return None;
    };
    let Expr::Selector(l) = op.x.unparen() else {
        return None;
    };
    let m = view.model();
    let field = view.object_of(&l.sel)?;
    if m.obj(field).kind != ObjKind::Field || &*m.obj(field).name != "L" {
        return None;
    }
    let holder = holder(view, &l.x)?;
    match &*m.obj(view.object_of(&op.sel)?).name {
        "Lock" => Some((true, holder)),
        "Unlock" => Some((false, holder)),
        _ => None,
    }
}
