//! LG119 timer-drain-twice.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::funcs::FuncKind;
use crate::locks::{decl_index, key_of, local_key, resolve_call, DeclIndex};
use crate::registry::Rule;
use crate::syntax::never_returns;
use letgo_go::ast::{BlockStmt, CallExpr, CaseClause, Expr, IfStmt, Span, Spec, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{ObjId, ObjKind};
use letgo_types::FileView;
use std::collections::HashSet;

pub const RULE: Rule = Rule {
    code: "LG119",
    name: "timer-drain-twice",
    summary:
        "`if !t.Stop() { <-t.C }` after t.C was already received from: the drain blocks forever",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG119 timer-drain-twice

## What it does
Flags the drain `<-t.C` of the idiom `if !t.Stop() { <-t.C }` (a
`*time.Timer`, found by type and told apart by object) when some path
reaches it after the function already received from `t.C` (a `select`
case, a plain receive) or already stopped `t`, with no `t.Reset` or new
timer assigned to `t` in between. The drain may also sit in a function of
the package that is handed the timer (`resetTimer(t, d)`, whose first use
of its parameter is the idiom): the finding is then at that function's
drain, naming the caller's receive.

A local `bool` set to `true` on every path that received (`case <-t.C:
fired = true`) and not set otherwise since tells the paths apart: a
drain under `!fired`, or in the `else` of `if fired`, runs only on paths
that did not receive, and is not flagged (`fixtures/lg119/flag.go`). A
flag set by another case, or cleared after the receive, tells nothing.

The finding points at the drain, where the goroutine blocks; the earlier
receive (or `Stop`) is its related location.

## Why is this bad?
`Stop` returns false when the timer has already fired or been stopped.
Measured with the Go toolchains themselves (`go run` of the same program):
- **Go < 1.23 semantics** (a module whose `go` line is below 1.23, built
  with Go 1.23–1.26, or any module built with Go ≤ 1.22, or
  `asynctimerchan=1`): a fired timer's value waits in a buffer of one
  until received. The drain is needed when the value was not received
  (then it takes it), and blocks forever when it was: after `<-t.C` in a
  `select` case, `Stop` returns false and the channel stays empty.
- **Go ≥ 1.23 semantics** (`go` line 1.23 or later; every module with Go
  1.27): `Stop` discards a value not yet received and returns true, so
  `Stop` returns false only when the value was already received or the
  timer was already stopped. The drain is never needed, and whenever it
  runs it blocks forever.
- In both, a second `Stop` of a timer a first `Stop` stopped returns
  false with nothing to receive.

So the path this rule reports (a receive or a `Stop` before the drain)
blocks under either semantics; the version changes only what to write
instead.

## Example
```go
t := time.NewTimer(idle)
for {
	select {
	case <-t.C:
		flush()
	case m := <-in:
		handle(m)
	}
	if !t.Stop() {
		<-t.C // after the first case: blocks forever
	}
	t.Reset(idle)
}
```

## Use instead
With a `go` line of 1.23 or later, no drain: `t.Reset(idle)` alone
(`Reset` also discards a stale value). Before 1.23, drain only when the
value was not received:
```go
	fired := false
	select {
	case <-t.C:
		fired = true
		flush()
	case m := <-in:
		handle(m)
	}
	if !fired && !t.Stop() {
		<-t.C
	}
	t.Reset(idle)
```
or a non-blocking drain: `select { case <-t.C: default: }`.

## Fix safety
No fix is offered: which paths received is the program's state to keep.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let relevant: Vec<bool> = cx
        .files()
        .map(|(_, f)| f.src.contains(".Stop()") && f.src.contains(".C"))
        .collect();
    if !relevant.contains(&true) {
        return;
    }
    let decls = decl_index(cx);
    let mut seen = HashSet::new();
    for (fi, f) in cx.functions().iter().enumerate() {
        if !relevant[f.file] {
            continue;
        }
        let Some(view) = cx.types(f.file) else {
            continue;
        };
        for key in timer_keys(cx, fi, &view, f.body) {
            let mut w = Walker {
                cx,
                decls: &decls,
                fi,
                view: &view,
                key: &key,
                targets: Vec::new(),
                label: None,
                found: Vec::new(),
            };
            w.list(&f.body.list, Some(None));
            for d in w.found {
                if seen.insert((d.file, d.diagnostic.span.start)) {
                    out.push(d);
                }
            }
        }
    }
}

/// The timers a body receives from or stops (by key), for which it, or
/// a helper it calls, has a drain.
fn timer_keys(cx: &PackageContext, fi: usize, view: &FileView, body: &BlockStmt) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    inspect(Node::Block(body), &mut |n| match n {
        Node::Expr(Expr::FuncLit(_)) => false,
        Node::Expr(Expr::Unary(u)) if u.op == Token::Arrow => {
            if let Some(k) = timer_chan(cx, fi, view, &u.x) {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            true
        }
        _ => true,
    });
    keys
}

/// `t.C` for a `*time.Timer` (or `time.Timer`) `t`: `t`'s key.
fn timer_chan(cx: &PackageContext, fi: usize, view: &FileView, x: &Expr) -> Option<String> {
    let Expr::Selector(sel) = x.unparen() else {
        return None;
    };
    let m = view.model();
    let o = view.object_of(&sel.sel)?;
    if m.obj(o).kind != ObjKind::Field || &*m.obj(o).name != "C" {
        return None;
    }
    let t = view.type_of(&sel.x)?;
    if !m.is_named(m.deref(t), "time", "Timer") {
        return None;
    }
    key_of(cx, fi, view, &sel.x).map(|(k, _)| k)
}

/// `t.<method>(...)` on a `*time.Timer`: the method and `t`'s key.
fn timer_method<'m>(
    cx: &PackageContext,
    fi: usize,
    view: &FileView<'m>,
    c: &CallExpr,
) -> Option<(&'m str, String)> {
    let Expr::Selector(sel) = c.fun.unparen() else {
        return None;
    };
    let m = view.model();
    let o = view.object_of(&sel.sel)?;
    if m.obj(o).kind != ObjKind::Method || m.pkg_path(o) != "time" {
        return None;
    }
    if !m
        .receiver_named(o)
        .is_some_and(|t| m.is_named(t, "time", "Timer"))
    {
        return None;
    }
    let (k, _) = key_of(cx, fi, view, &sel.x)?;
    Some((&*m.obj(o).name, k))
}

/// `if !t.Stop() { ...; <-t.C; ... }`: the span of the plain receive
/// statement in the body, and `t`'s key.
fn drain(cx: &PackageContext, fi: usize, view: &FileView, i: &IfStmt) -> Option<(Span, String)> {
    if i.init.is_some() {
        return None;
    }
    let Expr::Unary(not) = i.cond.unparen() else {
        return None;
    };
    let Expr::Call(stop) = not.x.unparen() else {
        return None;
    };
    if not.op != Token::Not {
        return None;
    }
    let ("Stop", key) = timer_method(cx, fi, view, stop)? else {
        return None;
    };
    i.body.list.iter().find_map(|s| {
        let Stmt::Expr(x) = s else { return None };
        let Expr::Unary(u) = x.unparen() else {
            return None;
        };
        let recv = u.op == Token::Arrow && timer_chan(cx, fi, view, &u.x).as_deref() == Some(&key);
        recv.then(|| (Span::new(x.pos(), x.end()), key.clone()))
    })
}

/// A helper of the package that drains its parameter: the parameter's
/// index, the drain, and whether it resets the timer afterwards.
struct HelperDrain {
    func: usize,
    param: usize,
    span: Span,
    resets: bool,
}

/// The first statement of a function's body that touches parameter `i`
/// is `if !p.Stop() { <-p.C }`.
fn helper_drain(cx: &PackageContext, callee: usize) -> Option<HelperDrain> {
    let f = &cx.functions()[callee];
    if !matches!(f.kind, FuncKind::Decl(_)) {
        return None;
    }
    let view = cx.types(f.file)?;
    let (at, (span, key)) = f.body.list.iter().enumerate().find_map(|(n, s)| match s {
        Stmt::If(i) => drain(cx, callee, &view, i).map(|d| (n, d)),
        _ => None,
    })?;
    let param: usize = key.strip_prefix("(#")?.strip_suffix(')')?.parse().ok()?;
    let touches = |s: &Stmt| {
        let mut hit = false;
        inspect(Node::stmt(s), &mut |n| {
            if let Node::Expr(x) = n {
                hit |= key_of(cx, callee, &view, x).is_some_and(|(k, _)| k == key);
            }
            !hit
        });
        hit
    };
    if f.body.list[..at].iter().any(touches) {
        return None;
    }
    let resets = f.body.list[at + 1..].iter().any(|s| {
        let mut hit = false;
        inspect(Node::stmt(s), &mut |n| {
            if let Node::Call(c) = n {
                hit |= timer_method(cx, callee, &view, c)
                    .is_some_and(|(name, k)| name == "Reset" && k == key);
            }
            !hit
        });
        hit
    });
    Some(HelperDrain {
        func: callee,
        param,
        span,
        resets,
    })
}

/// The state of one timer on the paths reaching a point: `None` when no
/// path does; `Some(None)` when none has received from it or stopped it
/// since it was last reset; `Some(Some(c))` when one has, at `c.at`.
type State = Option<Option<Consumed>>;

/// Where a path consumed the timer, and a local `bool` that every
/// consuming path set to `true` after it (`case <-t.C: fired = true`):
/// where that flag is false, no path has consumed the timer.
#[derive(Clone, Copy, PartialEq)]
struct Consumed {
    at: Span,
    flag: Option<ObjId>,
}

fn merge(a: State, b: State) -> State {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(Some(x)), Some(Some(y))) => Some(Some(Consumed {
            at: x.at,
            flag: x.flag.filter(|_| x.flag == y.flag),
        })),
        (Some(x), Some(y)) => Some(x.or(y)),
    }
}

fn m_is_pkg(view: &FileView, o: ObjId) -> bool {
    view.model().is_package_level(o)
}

/// The state where `flag` is false: no consuming path reaches it when
/// every one set `flag` to `true`.
fn flag_false(st: State, flag: Option<ObjId>) -> State {
    match st {
        Some(Some(c)) if flag.is_some() && c.flag == flag => Some(None),
        other => other,
    }
}

/// A `break`/`continue` target and the states that leave by it.
struct Target {
    label: Option<String>,
    is_loop: bool,
    breaks: State,
    continues: State,
}

enum Event {
    /// A receive from `t.C` or a `t.Stop()`.
    Consume(Span),
    /// `t.Reset(...)` or a new timer assigned to `t`.
    Reset,
    /// A local `bool` set to `true` (or, `false`, to something else).
    Flag(ObjId, bool),
    Helper(HelperDrain, Span),
}

struct Walker<'w, 'a> {
    cx: &'w PackageContext<'a>,
    decls: &'w DeclIndex,
    fi: usize,
    view: &'w FileView<'a>,
    key: &'w str,
    targets: Vec<Target>,
    label: Option<String>,
    found: Vec<FileDiagnostic>,
}

impl Walker<'_, '_> {
    fn list(&mut self, stmts: &[Stmt], mut st: State) -> State {
        for s in stmts {
            st = self.stmt(s, st);
        }
        st
    }

    fn stmt(&mut self, s: &Stmt, st: State) -> State {
        st?;
        match s {
            Stmt::Return(r) => {
                for x in &r.results {
                    self.events(Node::expr(x), st);
                }
                None
            }
            Stmt::Branch(b) => self.branch(b, st),
            Stmt::Block(b) => self.list(&b.list, st),
            Stmt::Labeled(l) => {
                self.label = Some(l.label.name(&self.cx.file(self.file()).src).to_string());
                let out = self.stmt(&l.stmt, st);
                self.label = None;
                out
            }
            Stmt::If(i) => {
                let st = self.opt(i.init.as_ref(), st);
                if let Some((span, key)) = drain(self.cx, self.fi, self.view, i) {
                    if key == self.key {
                        self.check_drain(st, span, None);
                    }
                }
                let st = self.events(Node::expr(&i.cond), st);
                // `if fired { ... } else { drain }`: the branch where the
                // flag is false is one no consuming path takes.
                let (flag, negated) = self.flag_cond(&i.cond);
                let (then_st, else_st) = if negated {
                    (flag_false(st, flag), st)
                } else {
                    (st, flag_false(st, flag))
                };
                let then = self.list(&i.body.list, then_st);
                let els = match &i.els {
                    Some(e) => self.stmt(e, else_st),
                    None => else_st,
                };
                merge(then, els)
            }
            Stmt::For(f) => {
                let st = self.opt(f.init.as_ref(), st);
                self.looped(
                    &f.body,
                    f.cond.as_ref(),
                    f.post.as_ref(),
                    st,
                    f.cond.is_some(),
                )
            }
            Stmt::Range(r) => {
                let st = self.events(Node::expr(&r.x), st);
                self.looped(&r.body, None, None, st, true)
            }
            Stmt::Switch(sw) => {
                let mut st = self.opt(sw.init.as_ref(), st);
                if let Some(t) = &sw.tag {
                    st = self.events(Node::expr(t), st);
                }
                self.clauses(&sw.body.clauses, st)
            }
            Stmt::TypeSwitch(sw) => {
                let st = self.opt(sw.init.as_ref(), st);
                let st = self.stmt(&sw.assign, st);
                self.clauses(&sw.body.clauses, st)
            }
            Stmt::Select(sel) => {
                self.push(false);
                let mut out = None;
                for c in &sel.body.clauses {
                    let entry = self.opt(c.comm.as_ref(), st);
                    out = merge(out, self.list(&c.body, entry));
                }
                let t = self.targets.pop().expect("pushed above");
                merge(out, t.breaks)
            }
            // What a goroutine or a deferred call does to the timer does
            // not happen on this path, here.
            Stmt::Go(_) | Stmt::Defer(_) => st,
            Stmt::Expr(x) if matches!(x.unparen(), Expr::Call(c) if never_returns(c, &self.cx.file(self.file()).src)) => {
                None
            }
            _ => self.events(Node::stmt(s), st),
        }
    }

    fn file(&self) -> usize {
        self.cx.functions()[self.fi].file
    }

    /// A condition that is a local variable (`fired`) or its negation
    /// (`!fired`): the variable's object, and whether it is negated.
    fn flag_cond(&self, cond: &Expr) -> (Option<ObjId>, bool) {
        match cond.unparen() {
            Expr::Unary(u) if u.op == Token::Not => (self.local_flag(&u.x), true),
            x => (self.local_flag(x), false),
        }
    }

    fn local_flag(&self, x: &Expr) -> Option<ObjId> {
        let Expr::Ident(id) = x.unparen() else {
            return None;
        };
        let o = self.view.object_of(id)?;
        let m = self.view.model();
        (m.obj(o).kind == ObjKind::Var && !m.is_package_level(o)).then_some(o)
    }

    fn opt(&mut self, s: Option<&Stmt>, st: State) -> State {
        match s {
            Some(s) => self.stmt(s, st),
            None => st,
        }
    }

    fn push(&mut self, is_loop: bool) {
        let label = self.label.take();
        self.targets.push(Target {
            label,
            is_loop,
            breaks: None,
            continues: None,
        });
    }

    fn branch(&mut self, b: &letgo_go::ast::BranchStmt, st: State) -> State {
        if b.tok == Token::Fallthrough {
            return st;
        }
        let src = &self.cx.file(self.file()).src;
        let label = b.label.map(|l| l.name(src).to_string());
        let cont = b.tok == Token::Continue;
        if b.tok != Token::Break && !cont {
            return None; // goto: the path is not followed
        }
        let target = self.targets.iter_mut().rev().find(|t| match &label {
            Some(l) => t.label.as_deref() == Some(l),
            None => !cont || t.is_loop,
        });
        if let Some(t) = target {
            if cont {
                t.continues = merge(t.continues, st);
            } else {
                t.breaks = merge(t.breaks, st);
            }
        }
        None
    }

    /// A loop: its body from the entry state, then again from what comes
    /// around; after it, what leaves by the condition or a `break`.
    fn looped(
        &mut self,
        body: &BlockStmt,
        cond: Option<&Expr>,
        post: Option<&Stmt>,
        entry: State,
        may_end: bool,
    ) -> State {
        let label = self.label.clone();
        let mut head = entry;
        let mut after = None;
        for _ in 0..2 {
            self.label = label.clone();
            self.push(true);
            let h = match cond {
                Some(c) => self.events(Node::expr(c), head),
                None => head,
            };
            let end = self.list(&body.list, h);
            let t = self.targets.pop().expect("pushed above");
            let back = self.opt(post, merge(end, t.continues));
            after = merge(if may_end { h } else { None }, t.breaks);
            head = merge(entry, back);
        }
        after
    }

    fn clauses(&mut self, clauses: &[CaseClause], st: State) -> State {
        self.push(false);
        let mut out = None;
        let mut carried = None;
        let mut default = false;
        for c in clauses {
            default |= c.list.is_empty();
            let mut entry = merge(st, carried);
            for x in &c.list {
                entry = self.events(Node::expr(x), entry);
            }
            let end = self.list(&c.body, entry);
            let falls =
                matches!(c.body.last(), Some(Stmt::Branch(b)) if b.tok == Token::Fallthrough);
            if falls {
                carried = end;
            } else {
                carried = None;
                out = merge(out, end);
            }
        }
        let t = self.targets.pop().expect("pushed above");
        let out = merge(out, t.breaks);
        if default {
            out
        } else {
            merge(out, st)
        }
    }

    /// Applies what `node` does to the timer, in source order.
    fn events(&mut self, node: Node, st: State) -> State {
        st?;
        let (cx, fi, view) = (self.cx, self.fi, self.view);
        let mut evs: Vec<(u32, Event)> = Vec::new();
        inspect(node, &mut |n| {
            match n {
                Node::Expr(Expr::FuncLit(_)) => return false,
                Node::Expr(Expr::Unary(u))
                    if u.op == Token::Arrow
                        && timer_chan(cx, fi, view, &u.x).as_deref() == Some(self.key) =>
                {
                    evs.push((u.op_pos, Event::Consume(Span::new(u.op_pos, u.x.end()))));
                }
                Node::Call(c) => {
                    let span = Span::new(c.pos(), c.end());
                    match timer_method(cx, fi, view, c) {
                        Some(("Stop", k)) if k == self.key => {
                            evs.push((c.end(), Event::Consume(span)))
                        }
                        Some(("Reset", k)) if k == self.key => evs.push((c.end(), Event::Reset)),
                        _ => {
                            if let Some(h) = self.helper(c) {
                                evs.push((c.end(), Event::Helper(h, span)));
                            }
                        }
                    }
                }
                // `var t = ...` inside a loop: a new timer each pass.
                Node::Spec(Spec::Value(v)) => {
                    let m = view.model();
                    let declares = v.names.iter().any(|n| {
                        view.object_of(n)
                            .is_some_and(|o| local_key(m, o) == self.key)
                    });
                    if declares {
                        let end = v.values.last().map_or(v.names[0].end(), Expr::end);
                        evs.push((end, Event::Reset));
                    }
                    // `var fired bool`: a flag declared anew is no longer set.
                    for n in &v.names {
                        if let Some(o) = view.object_of(n).filter(|o| !m_is_pkg(view, *o)) {
                            evs.push((n.pos, Event::Flag(o, false)));
                        }
                    }
                }
                Node::Stmt(Stmt::Assign(a)) => {
                    for (k, l) in a.lhs.iter().enumerate() {
                        if let Some(o) = self.local_flag(l) {
                            let set = a.lhs.len() == a.rhs.len()
                                && crate::syntax::is_const_true(view, &a.rhs[k]);
                            evs.push((a.tok_pos, Event::Flag(o, set)));
                        }
                    }
                    let to_timer = a
                        .lhs
                        .iter()
                        .any(|l| key_of(cx, fi, view, l).is_some_and(|(k, _)| k == self.key));
                    if to_timer {
                        evs.push((a.rhs.last().map_or(a.tok_pos, Expr::end), Event::Reset));
                    }
                }
                _ => {}
            }
            true
        });
        evs.sort_by_key(|(at, _)| *at);
        let mut st = st;
        for (_, e) in evs {
            st = match e {
                Event::Consume(at) => Some(Some(Consumed { at, flag: None })),
                Event::Reset => Some(None),
                Event::Flag(o, set) => match st {
                    Some(Some(c)) if set => Some(Some(Consumed { flag: Some(o), ..c })),
                    Some(Some(c)) if c.flag == Some(o) => Some(Some(Consumed { flag: None, ..c })),
                    other => other,
                },
                Event::Helper(h, call) => {
                    self.check_drain(st, h.span, Some((h.func, call)));
                    if h.resets {
                        Some(None)
                    } else {
                        Some(Some(Consumed {
                            at: call,
                            flag: None,
                        }))
                    }
                }
            };
        }
        st
    }

    /// A call of a package helper that drains the timer handed to it.
    fn helper(&self, c: &CallExpr) -> Option<HelperDrain> {
        let site = resolve_call(self.cx, self.decls, self.fi, c)?;
        let h = helper_drain(self.cx, site.callee)?;
        (site.args.get(h.param)?.as_deref() == Some(self.key)).then_some(h)
    }

    /// Reports the drain at `span` (in this function, or in helper
    /// `via.0` called at `via.1`) if a path reaches it consumed.
    fn check_drain(&mut self, st: State, span: Span, via: Option<(usize, Span)>) {
        let Some(Some(Consumed { at, .. })) = st else {
            return;
        };
        let cx = self.cx;
        let here = self.file();
        let sf = cx.file(here);
        let (line, _) = sf.line_col(at.start);
        let what = if cx.text(here, at).starts_with("<-") {
            format!(
                "`{}` already received its value at line {line}",
                cx.text(here, at)
            )
        } else {
            format!("`{}` already stopped it at line {line}", cx.text(here, at))
        };
        let timer = cx
            .text(here, at)
            .trim_start_matches("<-")
            .trim_end_matches(".Stop()")
            .trim_end_matches(".C");
        let version = if cx.go_version.at_least(1, 23) {
            "`Stop` returns false and nothing more is sent (with this module's Go 1.23 timers the drain is never needed)"
        } else {
            "`Stop` returns false and the channel stays empty (drain only where the value was not received)"
        };
        let (func, file) = match via {
            Some((g, _)) => (g, cx.functions()[g].file),
            None => (self.fi, here),
        };
        let call = via.map_or(String::new(), |(_, c)| {
            format!(
                " (called at {})",
                crate::locks::place(cx, file, here, c.start)
            )
        });
        let msg = format!(
            "draining `{timer}.C` blocks forever on the path where {what}{call}: {version}"
        );
        let mut d = Diagnostic::new(RULE.code, span, msg).in_function(&cx.functions()[func].name);
        if file == here {
            d = d.with_related(at, "received or stopped here first");
        }
        self.found.push(FileDiagnostic {
            file,
            diagnostic: d,
        });
    }
}
