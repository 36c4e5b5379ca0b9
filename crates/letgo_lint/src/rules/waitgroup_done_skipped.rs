//! LG117 waitgroup-done-skipped.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::flow::{pending_exits_from_entry, Exit, Obligation};
use crate::funcs::FuncKind;
use crate::locks::never_done::{never_done, NeverDone};
use crate::locks::{
    decl_index, key_of, local_key, resolve_call, root, waitgroup_call, DeclIndex, SyncValue,
};
use crate::registry::Rule;
use crate::syntax::{loop_body_spans, never_returns};
use letgo_go::ast::{BlockStmt, CallExpr, Expr, Span, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::ObjKind;

pub const RULE: Rule = Rule {
    code: "LG117",
    name: "waitgroup-done-skipped",
    summary: "a WaitGroup whose Done can be skipped, so its Wait blocks forever",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG117 waitgroup-done-skipped

## What it does
Flags a `sync.WaitGroup` (found by type: a variable, a field, a struct
embedding one) whose counter cannot reach zero, so that `Wait` blocks
forever:
- a goroutine it counts (a `go func() { ... }()` or `go f(..., &wg)`,
  `go s.worker()` of the same package) calls `wg.Done()` without `defer`
  and has a path that leaves the function without reaching it: an early
  `return` on an error, a `return` inside a loop that the `Done` after
  the loop never sees, a `Done` under an `if`. A `Done` inside a loop
  (one per item) is not judged: the count per pass is not in view, and
  a path where the WaitGroup is nil (`if wg != nil { wg.Done() }`) has
  nothing to count down. Panics, `os.Exit` and `log.Fatal` end paths
  without a finding (a `defer wg.Done()` is what covers them, and the
  process is going down anyway);
- `wg.Add(n)` with a constant `n`, followed in the same block by fewer
  `go` statements that call `wg.Done()` before `wg.Wait()`, for a
  WaitGroup local to the function (every use of it is in view);
- `wg.Add(len(xs))` (or a constant above one) before a loop over `xs`
  whose body starts one goroutine that calls `wg.Done()` and then calls
  `wg.Wait()`: the first pass waits for a count only all the passes'
  goroutines could take off, and the next pass never starts;
- a WaitGroup nothing counts down: every use of it in the package is the
  receiver of an `Add` or a `Wait` (no `Done`, no `Add` of a count that
  may be negative, no address taken, no method value, never passed on),
  and some `Add` counts a positive constant. Only a local, an unexported
  package variable or an unexported field of a struct declared in the
  package is judged (every use of it is in view).

The finding points at the `Wait`, where the goroutine that waits stays
blocked (the line a goroutine dump shows); the skipping `return` (or the
`Add`) is its related location, where the fix goes. When no `Wait` on the
same WaitGroup is in view (the WaitGroup is a parameter and its caller
waits), the finding points at the skipping `return` instead, in the
counted goroutine's function.

A path counts as reaching `Done` when it calls `wg.Done()`, hands the
WaitGroup to any call, or calls a same-package function that calls some
WaitGroup's `Done`: where it cannot tell, it stays quiet. A WaitGroup
that a goroutine also `Add`s to, or whose `Done` runs in a closure or
through a method value, is out of view.

## Why is this bad?
`Wait` returns when the counter is zero. A goroutine that returns early
without `Done` leaves it above zero for good: the waiter blocks forever,
with everything it holds (often the request's goroutine and its memory),
and so does whatever waits for the waiter. The same holds for an `Add(3)`
with two goroutines behind it.

## Example
```go
var wg sync.WaitGroup
for _, u := range urls {
	wg.Add(1)
	go func() {
		body, err := fetch(u)
		if err != nil {
			return // skips Done
		}
		save(body)
		wg.Done()
	}()
}
wg.Wait() // blocks forever after one failed fetch
```

## Use instead
```go
	go func() {
		defer wg.Done()
		body, err := fetch(u)
		if err != nil {
			return
		}
		save(body)
	}()
```
Or `wg.Go(func() { ... })` (Go 1.25+), which cannot skip `Done`.

## Fix safety
No fix is offered: `defer wg.Done()` is usually right, but it moves the
`Done` after everything else the goroutine does, which may itself wait
for the waiter.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    out.extend(never_done(cx).iter().map(|d| never_done_finding(cx, d)));
    let relevant: Vec<bool> = cx
        .files()
        .map(|(_, sf)| sf.src.contains(".Done()"))
        .collect();
    if !relevant.contains(&true) {
        return;
    }
    let rc = Ctx {
        cx,
        decls: decl_index(cx),
    };
    for (fi, f) in cx.functions().iter().enumerate() {
        if !relevant[f.file] {
            continue;
        }
        for site in &f.sites {
            if let Stmt::Go(g) = site.stmt {
                out.extend(rc.skipped(fi, &g.call));
            }
        }
        for list in lists(f.body) {
            out.extend(rc.add_mismatch(fi, list));
            out.extend(rc.add_before_loop(fi, list));
        }
    }
}

struct Ctx<'c, 'a> {
    cx: &'c PackageContext<'a>,
    decls: DeclIndex,
}

/// The function a `go` statement runs: a literal, or a same-package
/// function or method.
struct Target {
    func: usize,
    /// For a literal: the keys of its arguments in the spawner's terms.
    lit_args: Vec<Option<String>>,
    /// For a declared function: the call, to map its keys.
    site: Option<crate::locks::CallSite>,
}

/// What a function does with one WaitGroup.
struct Dones {
    /// The WaitGroup, in the function's own terms.
    wg: SyncValue,
    /// For a literal: the parameter the WaitGroup comes from.
    param: Option<usize>,
    /// Plain `Done` calls: not deferred, not in closures.
    direct: Vec<Span>,
    /// Some `Done` is deferred.
    deferred: bool,
    /// Some `Done` runs in a closure, or an `Add` shares the function:
    /// counting is out of view.
    opaque: bool,
    /// Some direct `Done` is inside a loop.
    in_loop: bool,
}

#[derive(Clone, Copy)]
enum Use {
    Direct,
    Deferred,
    Opaque,
}

impl Ctx<'_, '_> {
    fn funcs(&self) -> &[crate::funcs::Func<'_>] {
        self.cx.functions()
    }

    fn target(&self, fi: usize, call: &CallExpr) -> Option<Target> {
        let view = self.cx.types(self.funcs()[fi].file)?;
        if let Expr::FuncLit(lit) = &call.fun {
            let li = crate::funcs::lit_index(self.funcs(), lit)?;
            let lit_args = call
                .args
                .iter()
                .map(|a| key_of(self.cx, fi, &view, a).map(|(k, _)| k))
                .collect();
            return Some(Target {
                func: li,
                lit_args,
                site: None,
            });
        }
        let site = resolve_call(self.cx, &self.decls, fi, call)?;
        Some(Target {
            func: site.callee,
            lit_args: Vec::new(),
            site: Some(site),
        })
    }

    /// A WaitGroup key of the goroutine's function in the spawner's
    /// terms. A literal's own parameter `(#i)` is its argument `i`; the
    /// variables it captures keep their keys.
    fn to_spawner(&self, t: &Target, d: &Dones) -> Option<String> {
        if let Some(site) = &t.site {
            return site.map(&d.wg.key);
        }
        match d.param {
            Some(i) => {
                let tail = d.wg.key.split_once(')').map_or("", |(_, rest)| rest);
                let base = t.lit_args.get(i)?.as_deref()?;
                Some(format!("{base}{tail}"))
            }
            None => Some(d.wg.key.clone()),
        }
    }

    /// What function `ti` does with each WaitGroup it calls `Add` or
    /// `Done` on, by its own key.
    fn dones(&self, ti: usize) -> Vec<Dones> {
        let f = &self.funcs()[ti];
        let loops = loop_body_spans(f.body);
        let (lits, defers) = nested_spans(f.body);
        let within =
            |spans: &[Span], at: Span| spans.iter().any(|l| l.start <= at.start && at.end <= l.end);
        let mut out: Vec<Dones> = Vec::new();
        let mut calls = Vec::new();
        inspect(Node::Block(f.body), &mut |n| {
            if let Node::Call(c) = n {
                calls.push(c);
            }
            true
        });
        for c in calls {
            let Expr::Selector(sel) = c.fun.unparen() else {
                continue;
            };
            let at = Span::new(c.pos(), c.end());
            let (v, how) = if let Some(v) = waitgroup_call(self.cx, ti, c, "Add") {
                (v, Use::Opaque)
            } else if let Some(v) = waitgroup_call(self.cx, ti, c, "Done") {
                let how = if within(&defers, at) {
                    Use::Deferred
                } else if within(&lits, at) {
                    Use::Opaque
                } else {
                    Use::Direct
                };
                (v, how)
            } else {
                continue;
            };
            let i = match out.iter().position(|d| d.wg.key == v.key) {
                Some(i) => i,
                None => {
                    let param = own_param(self.cx, ti, &sel.x);
                    out.push(Dones {
                        wg: v,
                        param,
                        direct: Vec::new(),
                        deferred: false,
                        opaque: false,
                        in_loop: false,
                    });
                    out.len() - 1
                }
            };
            let d = &mut out[i];
            match how {
                Use::Direct => {
                    d.direct.push(at);
                    d.in_loop |= within(&loops, at);
                }
                Use::Deferred => d.deferred = true,
                Use::Opaque => d.opaque = true,
            }
        }
        if has_method_value_done(self.cx, ti) {
            out.iter_mut().for_each(|d| d.opaque = true);
        }
        out
    }

    /// A goroutine whose plain `Done` some path skips.
    fn skipped(&self, fi: usize, go: &CallExpr) -> Option<FileDiagnostic> {
        let t = self.target(fi, go)?;
        let tf = &self.funcs()[t.func];
        let src = &self.cx.file(tf.file).src;
        for d in self.dones(t.func) {
            // A `Done` per pass of a loop balances a count per item, which
            // a path from the entry does not tell.
            if d.direct.is_empty() || d.deferred || d.opaque || d.in_loop {
                continue;
            }
            let ob = DoneOb {
                rc: self,
                fi: t.func,
                key: &d.wg.key,
                src,
            };
            let Some(exit) = pending_exits_from_entry(tf.body, src, &ob).first().copied() else {
                continue;
            };
            let Some(key) = self.to_spawner(&t, &d) else {
                continue;
            };
            return Some(self.report(fi, go, &t, &d, &key, exit));
        }
        None
    }

    fn report(
        &self,
        fi: usize,
        go: &CallExpr,
        t: &Target,
        d: &Dones,
        key: &str,
        exit: Exit,
    ) -> FileDiagnostic {
        let funcs = self.funcs();
        let tf = &funcs[t.func];
        let (skip, what) = match exit {
            Exit::Return(p) => (Span::new(p, p + 6), "returns"),
            Exit::End(p) => (Span::new(p, p + 1), "reaches its end"),
        };
        let (done_line, _) = self.cx.file(tf.file).line_col(d.direct[0].start);
        let Some((wfi, wait, text)) = self.find_wait(fi, key, d.wg.class.as_deref(), go.pos())
        else {
            let msg = format!(
                "the goroutine {what} here without calling `{}.Done()` (its `Done` at line {done_line} is not deferred): whoever waits on the WaitGroup blocks forever",
                d.wg.text
            );
            let diagnostic = Diagnostic::new(RULE.code, skip, msg)
                .in_function(&tf.name)
                .with_related(d.direct[0], "the `Done` this path skips");
            return FileDiagnostic {
                file: tf.file,
                diagnostic,
            };
        };
        let wf = funcs[wfi].file;
        let msg = format!(
            "`{text}.Wait()` can block forever: the goroutine started at {} {what} at {} without calling `{}.Done()` (its `Done` at {} is not deferred)",
            crate::locks::place(self.cx, wf, funcs[fi].file, go.pos()),
            crate::locks::place(self.cx, wf, tf.file, skip.start),
            d.wg.text,
            crate::locks::place(self.cx, wf, tf.file, d.direct[0].start),
        );
        let mut diagnostic = Diagnostic::new(RULE.code, wait, msg).in_function(&funcs[wfi].name);
        if tf.file == wf {
            diagnostic = diagnostic
                .with_related(skip, format!("{what} here without `{}.Done()`", d.wg.text));
        }
        FileDiagnostic {
            file: wf,
            diagnostic,
        }
    }

    /// The `Wait` on the WaitGroup `key` (in function `fi`'s terms): in
    /// the declaration that starts the goroutine (its closures included),
    /// the first after `after` if any; for a field or package variable,
    /// anywhere in the package. The function, the call and the receiver
    /// as written.
    fn find_wait(
        &self,
        fi: usize,
        key: &str,
        class: Option<&str>,
        after: u32,
    ) -> Option<(usize, Span, String)> {
        let cx = self.cx;
        let home = root(cx, fi);
        let shared = key.starts_with("(r") || key.starts_with('g');
        let mut mine = Vec::new();
        let mut elsewhere = Vec::new();
        for (gi, g) in self.funcs().iter().enumerate() {
            let same_decl = root(cx, gi) == home;
            if !same_decl && class.is_none() {
                continue;
            }
            for c in own_calls(g.body) {
                let Some(v) = waitgroup_call(cx, gi, c, "Wait") else {
                    continue;
                };
                let span = Span::new(c.pos(), c.end());
                if same_decl && v.key == key {
                    mine.push((gi, span, v.text));
                } else if (shared && v.key == key)
                    || (class.is_some() && v.class.as_deref() == class)
                {
                    elsewhere.push((gi, span, v.text));
                }
            }
        }
        let after_go = mine.iter().position(|(gi, s, _)| {
            self.funcs()[*gi].file == self.funcs()[fi].file && s.start > after
        });
        match after_go {
            Some(i) => Some(mine.swap_remove(i)),
            None => mine
                .into_iter()
                .next()
                .or_else(|| elsewhere.into_iter().next()),
        }
    }

    /// Whether a same-package function calls some WaitGroup's `Done`,
    /// itself or through the functions it calls (a few levels down).
    fn calls_done(&self, fi: usize, depth: u32) -> bool {
        let body = self.funcs()[fi].body;
        let mut hit = false;
        inspect(Node::Block(body), &mut |n| {
            if hit {
                return false;
            }
            if let Node::Call(c) = n {
                hit = waitgroup_call(self.cx, fi, c, "Done").is_some()
                    || (depth < 3
                        && resolve_call(self.cx, &self.decls, fi, c).is_some_and(|s| {
                            s.callee != fi && self.calls_done(s.callee, depth + 1)
                        }));
            }
            true
        });
        hit
    }

    /// `wg.Add(n)` with a constant `n`, then fewer goroutines calling
    /// `wg.Done()` before `wg.Wait()` in the same statement list, for a
    /// WaitGroup local to the function.
    fn add_mismatch(&self, fi: usize, list: &[Stmt]) -> Option<FileDiagnostic> {
        for (i, s) in list.iter().enumerate() {
            let Some((add, wg, n)) = self.const_add(fi, s) else {
                continue;
            };
            if !wg.key.starts_with('=') || self.mentioned_before(fi, &wg.key, add.start) {
                continue;
            }
            let mut count = 0u64;
            for next in &list[i + 1..] {
                if let Some(wait) = self.wait_stmt(fi, next, &wg.key) {
                    if count == 0 || count >= n {
                        break;
                    }
                    return Some(self.mismatch(fi, &wg, add, n, count, wait));
                }
                match self.counted(fi, next, &wg.key) {
                    Some(c) => count += c,
                    None => break,
                }
            }
        }
        None
    }

    /// `wg.Add(len(xs))` (or a constant above one), then a loop over
    /// `xs` whose body starts one goroutine calling `wg.Done()` and then
    /// calls `wg.Wait()`: on the first pass the count is above what the
    /// started goroutine can take off, and the next pass never starts.
    fn add_before_loop(&self, fi: usize, list: &[Stmt]) -> Option<FileDiagnostic> {
        let src = &self.cx.file(self.funcs()[fi].file).src;
        for (i, s) in list.iter().enumerate() {
            let Stmt::Expr(x) = s else { continue };
            let Expr::Call(c) = x.unparen() else { continue };
            let Some(wg) = waitgroup_call(self.cx, fi, c, "Add") else {
                continue;
            };
            if !wg.key.starts_with('=') {
                continue;
            }
            let add = Span::new(c.pos(), c.end());
            let Some(count) = c.args.first() else {
                continue;
            };
            let Some(next) = list[i + 1..].iter().find(|n| {
                matches!(n, Stmt::Range(_) | Stmt::For(_))
                    || self.mentions(fi, Node::stmt(n), &wg.key)
            }) else {
                continue;
            };
            let (body, many) = match next {
                Stmt::Range(r) if is_len_of(count, &r.x, src) => (&r.body, None),
                Stmt::For(f) => match self.const_add(fi, s) {
                    Some((_, _, n)) if n >= 2 => (&f.body, Some(n)),
                    _ => continue,
                },
                _ => continue,
            };
            let Some(wait) = self.one_then_wait(fi, &body.list, &wg.key) else {
                continue;
            };
            return Some(self.loop_mismatch(fi, &wg, add, many, wait));
        }
        None
    }

    /// In a loop body: one `go` whose goroutine calls `Done` once, then
    /// `Wait`, and no other use of the WaitGroup.
    fn one_then_wait(&self, fi: usize, body: &[Stmt], key: &str) -> Option<Span> {
        let mut started = false;
        for s in body {
            if let Some(wait) = self.wait_stmt(fi, s, key) {
                return started.then_some(wait);
            }
            if let Stmt::Go(g) = s {
                if self.mentions(fi, Node::stmt(s), key) {
                    if started || self.goroutine_dones(fi, &g.call, key) != Some(1) {
                        return None;
                    }
                    started = true;
                    continue;
                }
            }
            if self.mentions(fi, Node::stmt(s), key) {
                return None;
            }
        }
        None
    }

    fn loop_mismatch(
        &self,
        fi: usize,
        wg: &SyncValue,
        add: Span,
        many: Option<u64>,
        wait: Span,
    ) -> FileDiagnostic {
        let f = &self.funcs()[fi];
        let (line, _) = self.cx.file(f.file).line_col(add.start);
        let add_text = self.cx.text(f.file, add);
        let when = match many {
            Some(n) => format!("counts {n}"),
            None => "counts every element, so whenever there is more than one".to_string(),
        };
        let msg = format!(
            "`{}.Wait()` inside the loop blocks forever: `{add_text}` at line {line} {when}, but when this Wait runs only the goroutine started on this pass can call `Done`, and the next pass never starts",
            wg.text
        );
        let diagnostic = Diagnostic::new(RULE.code, wait, msg)
            .in_function(&f.name)
            .with_related(add, "counts all the loop's goroutines before the loop");
        FileDiagnostic {
            file: f.file,
            diagnostic,
        }
    }

    fn mismatch(
        &self,
        fi: usize,
        wg: &SyncValue,
        add: Span,
        n: u64,
        count: u64,
        wait: Span,
    ) -> FileDiagnostic {
        let f = &self.funcs()[fi];
        let (line, _) = self.cx.file(f.file).line_col(add.start);
        let them = if count == 1 {
            "1 `Done`".to_string()
        } else {
            format!("{count} `Done`s")
        };
        let msg = format!(
            "`{}.Wait()` blocks forever: `{}` at line {line} counts {n}, but only {them} can run before this Wait",
            wg.text,
            self.cx.text(f.file, add)
        );
        let diagnostic = Diagnostic::new(RULE.code, wait, msg)
            .in_function(&f.name)
            .with_related(add, format!("counts {n}"));
        FileDiagnostic {
            file: f.file,
            diagnostic,
        }
    }

    /// `wg.Add(n)` as a statement, `n` a positive constant.
    fn const_add(&self, fi: usize, s: &Stmt) -> Option<(Span, SyncValue, u64)> {
        let Stmt::Expr(x) = s else { return None };
        let Expr::Call(c) = x.unparen() else {
            return None;
        };
        let wg = waitgroup_call(self.cx, fi, c, "Add")?;
        let arg = c.args.first()?;
        let n = match arg.unparen() {
            Expr::BasicLit(lit) if lit.kind == Token::Int => lit
                .value(&self.cx.file(self.funcs()[fi].file).src)
                .parse()
                .ok()?,
            other => {
                let view = self.cx.types(self.funcs()[fi].file)?;
                let o = view.object_of_expr(other)?;
                let obj = view.model().obj(o);
                if obj.kind != ObjKind::Const {
                    return None;
                }
                u64::try_from(obj.val.as_int()?).ok()?
            }
        };
        (n >= 1).then_some((Span::new(c.pos(), c.end()), wg, n))
    }

    fn wait_stmt(&self, fi: usize, s: &Stmt, key: &str) -> Option<Span> {
        let Stmt::Expr(x) = s else { return None };
        let Expr::Call(c) = x.unparen() else {
            return None;
        };
        let v = waitgroup_call(self.cx, fi, c, "Wait")?;
        (v.key == key).then(|| Span::new(c.pos(), c.end()))
    }

    /// How many `Done`s on `key` statement `s` makes or starts; `None`
    /// when it cannot be told (a loop, a branch, a hand-off).
    fn counted(&self, fi: usize, s: &Stmt, key: &str) -> Option<u64> {
        match s {
            Stmt::Go(g) => self.goroutine_dones(fi, &g.call, key),
            Stmt::Expr(x) => match x.unparen() {
                Expr::Call(c)
                    if waitgroup_call(self.cx, fi, c, "Done").is_some_and(|v| v.key == key) =>
                {
                    Some(1)
                }
                _ => (!self.mentions(fi, Node::stmt(s), key)).then_some(0),
            },
            _ => (!self.mentions(fi, Node::stmt(s), key)).then_some(0),
        }
    }

    fn goroutine_dones(&self, fi: usize, go: &CallExpr, key: &str) -> Option<u64> {
        let Some(t) = self.target(fi, go) else {
            return (!self.mentions(fi, Node::Call(go), key)).then_some(0);
        };
        let mut n = 0;
        for d in self.dones(t.func) {
            if self.to_spawner(&t, &d).as_deref() != Some(key) {
                continue;
            }
            if d.opaque || d.in_loop || d.direct.len() + usize::from(d.deferred) != 1 {
                return None;
            }
            n += 1;
        }
        // A helper of the package may call Done for the goroutine.
        let body = self.funcs()[t.func].body;
        let mut helper = false;
        inspect(Node::Block(body), &mut |x| {
            if let Node::Call(c) = x {
                helper |= resolve_call(self.cx, &self.decls, t.func, c)
                    .is_some_and(|s| self.calls_done(s.callee, 0));
            }
            !helper
        });
        if helper || (n == 0 && self.mentions(fi, Node::Call(go), key)) {
            return None;
        }
        Some(n)
    }

    /// Some identifier in `node` denotes the local WaitGroup `key`.
    fn mentions(&self, fi: usize, node: Node, key: &str) -> bool {
        let Some(view) = self.cx.types(self.funcs()[fi].file) else {
            return true;
        };
        let m = view.model();
        let mut hit = false;
        inspect(node, &mut |n| {
            if let Node::Ident(id) = n {
                hit |= view.object_of(id).is_some_and(|o| local_key(m, o) == key);
            }
            !hit
        });
        hit
    }

    /// The local WaitGroup is used before `at` in its declaration, other
    /// than where it is declared: goroutines may already count on it.
    fn mentioned_before(&self, fi: usize, key: &str, at: u32) -> bool {
        let home = root(self.cx, fi);
        let body = self.funcs()[home].body;
        let mut hit = false;
        inspect(Node::Block(body), &mut |n| {
            if hit {
                return false;
            }
            match n {
                Node::Stmt(s) if s.pos() >= at => false,
                // `var wg sync.WaitGroup` declares it.
                Node::Stmt(Stmt::Decl(_)) => false,
                Node::Stmt(Stmt::Assign(a)) if a.tok == Token::Define => {
                    hit = a.rhs.iter().any(|r| self.mentions(fi, Node::expr(r), key));
                    false
                }
                Node::Ident(id) if id.pos < at => {
                    hit = self.mentions(fi, n, key);
                    true
                }
                _ => true,
            }
        });
        hit
    }
}

/// The obligation: from the goroutine's start, a `Done` on the WaitGroup
/// (or a hand-off of it, or a call of a helper that calls `Done`).
struct DoneOb<'r, 'c, 'a> {
    rc: &'r Ctx<'c, 'a>,
    fi: usize,
    key: &'r str,
    src: &'r str,
}

impl DoneOb<'_, '_, '_> {
    fn meets(&self, node: Node) -> bool {
        let cx = self.rc.cx;
        let Some(view) = cx.types(cx.functions()[self.fi].file) else {
            return true;
        };
        let mut hit = false;
        inspect(node, &mut |n| {
            if hit {
                return false;
            }
            if let Node::Call(c) = n {
                hit = waitgroup_call(cx, self.fi, c, "Done").is_some_and(|v| v.key == self.key)
                    || c.args
                        .iter()
                        .any(|a| key_of(cx, self.fi, &view, a).is_some_and(|(k, _)| k == self.key))
                    || resolve_call(cx, &self.rc.decls, self.fi, c)
                        .is_some_and(|s| self.rc.calls_done(s.callee, 0));
            }
            true
        });
        hit
    }
}

impl Obligation for DoneOb<'_, '_, '_> {
    fn starts(&self, _: &Stmt) -> bool {
        false
    }

    fn meets_stmt(&self, stmt: &Stmt) -> bool {
        self.meets(Node::stmt(stmt))
    }

    fn meets_expr(&self, expr: &Expr) -> bool {
        self.meets(Node::expr(expr))
    }

    fn never_returns(&self, call: &CallExpr) -> bool {
        never_returns(call, self.src)
    }

    /// `wg != nil`: where the WaitGroup is nil there is nothing to count
    /// down (`if wg != nil { wg.Done() }`).
    fn void_when(&self, cond: &Expr) -> Option<bool> {
        let Expr::Binary(b) = cond.unparen() else {
            return None;
        };
        let cx = self.rc.cx;
        let view = cx.types(cx.functions()[self.fi].file)?;
        let is_nil = |x: &Expr| {
            view.object_of_expr(x)
                .is_some_and(|o| view.model().obj(o).kind == ObjKind::Nil)
        };
        let is_wg = |x: &Expr| key_of(cx, self.fi, &view, x).is_some_and(|(k, _)| k == self.key);
        let nil_test = (is_wg(&b.x) && is_nil(&b.y)) || (is_nil(&b.x) && is_wg(&b.y));
        match b.op {
            Token::Neq if nil_test => Some(false),
            Token::Eql if nil_test => Some(true),
            _ => None,
        }
    }
}

/// `len(x)` where `x` is the ranged expression, as written.
fn is_len_of(count: &Expr, ranged: &Expr, src: &str) -> bool {
    let Expr::Call(c) = count.unparen() else {
        return false;
    };
    matches!(c.fun.unparen(), Expr::Ident(id) if id.name(src) == "len")
        && c.args.len() == 1
        && c.args[0].span().text(src) == ranged.span().text(src)
}

/// A WaitGroup nothing counts down: the finding at its first `Wait`.
fn never_done_finding(cx: &PackageContext, d: &NeverDone) -> FileDiagnostic {
    let funcs = cx.functions();
    let (wf, wait) = d.wait;
    let (af, add) = d.add;
    let file = funcs[wf].file;
    let msg = format!(
        "`{}.Wait()` blocks forever: nothing calls `Done` on this WaitGroup (every use of it is an `Add` or a `Wait`), so once `{}` at {} has run its counter never returns to zero",
        d.text,
        cx.text(funcs[af].file, add),
        crate::locks::place(cx, file, funcs[af].file, add.start),
    );
    let mut diagnostic = Diagnostic::new(RULE.code, wait, msg).in_function(&funcs[wf].name);
    let label = "counts up; no `Done` counts down";
    diagnostic = if funcs[af].file == file {
        diagnostic.with_related(add, label)
    } else {
        diagnostic.with_related_in(funcs[af].file, add, label)
    };
    FileDiagnostic { file, diagnostic }
}

/// The statement lists of a body (blocks and clause bodies), not inside
/// function literals.
fn lists(body: &BlockStmt) -> Vec<&[Stmt]> {
    let mut out: Vec<&[Stmt]> = vec![&body.list];
    inspect(Node::Block(body), &mut |n| match n {
        Node::Expr(Expr::FuncLit(_)) => false,
        Node::Stmt(Stmt::Block(b)) => {
            out.push(&b.list);
            true
        }
        Node::CaseClause(c) => {
            out.push(&c.body);
            true
        }
        Node::CommClause(c) => {
            out.push(&c.body);
            true
        }
        _ => true,
    });
    out
}

/// The spans of function literals and of `defer` statements in a body.
fn nested_spans(body: &BlockStmt) -> (Vec<Span>, Vec<Span>) {
    let (mut lits, mut defers) = (Vec::new(), Vec::new());
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Expr(x @ Expr::FuncLit(_)) => lits.push(x.span()),
            Node::Stmt(s @ Stmt::Defer(_)) => defers.push(s.span()),
            _ => {}
        }
        true
    });
    (lits, defers)
}

/// The calls of a body, not inside function literals.
fn own_calls(body: &BlockStmt) -> Vec<&CallExpr> {
    let mut out = Vec::new();
    inspect(Node::Block(body), &mut |n| match n {
        Node::Expr(Expr::FuncLit(_)) => false,
        Node::Call(c) => {
            out.push(c);
            true
        }
        _ => true,
    });
    out
}

/// `wg.Done` used as a method value (`once.Do(wg.Done)`, `f := wg.Done`)
/// in function `fi`: who calls it, and when, is out of view.
fn has_method_value_done(cx: &PackageContext, fi: usize) -> bool {
    let f = &cx.functions()[fi];
    let src = &cx.file(f.file).src;
    if !f.body.span_text(src).contains(".Done") {
        return false;
    }
    let Some(view) = cx.types(f.file) else {
        return true;
    };
    let m = view.model();
    let mut funs = Vec::new();
    let mut sels = Vec::new();
    inspect(Node::Block(f.body), &mut |n| {
        match n {
            Node::Call(c) => funs.push(c.fun.span()),
            Node::Expr(Expr::Selector(s)) => sels.push(s),
            _ => {}
        }
        true
    });
    sels.iter().any(|s| {
        let Some(o) = view.object_of(&s.sel) else {
            return false;
        };
        let done = m.obj(o).kind == ObjKind::Method
            && &*m.obj(o).name == "Done"
            && m.receiver_named(o)
                .is_some_and(|t| m.is_named(t, "sync", "WaitGroup"));
        let span = Span::new(s.x.pos(), s.sel.end());
        done && !funs.contains(&span)
    })
}

/// The parameter of literal `fi` that `x`'s root variable is.
fn own_param(cx: &PackageContext, fi: usize, x: &Expr) -> Option<usize> {
    let f = &cx.functions()[fi];
    if !matches!(f.kind, FuncKind::Lit(_)) {
        return None;
    }
    let mut x = x;
    let id = loop {
        match x.unparen() {
            Expr::Ident(id) => break id,
            Expr::Selector(s) => x = &s.x,
            Expr::Star(s) => x = &s.x,
            Expr::Unary(u) if u.op == Token::And => x = &u.x,
            _ => return None,
        }
    };
    let view = cx.types(f.file)?;
    let (_, off) = view.model().obj(view.object_of(id)?).pos?;
    crate::syntax::param_index(&f.typ.params, off)
}
