//! What the timer rules (LG201–LG205) share: which Go versions retain an
//! unstopped timer, how `time.X(...)` calls are recognised, and the
//! "stopped, handed off, or fired and received" obligation.
//!
//! Unstopped `time.NewTimer`, `time.NewTicker`, `time.After` and
//! `time.Tick` timers stay in the runtime's heap until they fire when the
//! program is built with Go ≤ 1.22, or with Go 1.23–1.26 when the module's
//! `go` line is below 1.23 or `godebug asynctimerchan=1` is set. The go
//! command takes those defaults from Go 1.16 for a go.mod without a `go`
//! line and from Go 1.20 for code with no go.mod (GOPATH mode), so both
//! keep the old timers on 1.23–1.26. Go 1.27 collects them on every module
//! (and refuses `asynctimerchan`).

use crate::context::{DefaultsFrom, PackageContext};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::escape::{fate, Fate, Value};
use crate::flow::Obligation;
use crate::funcs::{Func, FuncKind};
use crate::objects::LocalVar;
use crate::syntax::{indentation_at, innermost_loop, never_returns, statements, StmtSite};
use letgo_go::ast::{BlockStmt, CallExpr, Expr, Ident, Span, Spec, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::callgraph::FuncNode;
use letgo_types::model::ObjKind;
use letgo_types::FileView;

/// The functions the timer rules look at: those outside `_test.go` files
/// that can run outside a test (not taking a `*testing.T` or `testing.TB`,
/// not a method of a type holding one: `test_harness`). A test process
/// is short-lived; what its timers retain for a few seconds is never a
/// leak anyone sees.
/// Filters the context's shared list: building a list of its own would
/// walk every body of the package again, once per timer rule.
pub fn non_test_functions<'c, 'a>(
    cx: &'c PackageContext<'a>,
) -> impl Iterator<Item = &'c Func<'a>> + 'c {
    cx.functions()
        .iter()
        .filter(move |f| !cx.file(f.file).is_test && !crate::test_harness::runs_under_test(cx, f))
}

/// Whether unstopped timers of this package are retained until they fire
/// (on some toolchain that can build it).
pub fn unstopped_timers_leak(cx: &PackageContext) -> bool {
    !cx.defaults_from.version().at_least(1, 23) || asynctimerchan(cx)
}

/// Which builds retain an unstopped timer, for messages.
pub fn leaking_builds(cx: &PackageContext) -> &'static str {
    match cx.defaults_from {
        DefaultsFrom::NoModule => {
            "when built with Go < 1.27 (there is no go.mod: Go 1.23–1.26 keep the old timers for GOPATH-mode code)"
        }
        DefaultsFrom::NoGoLine => {
            "when built with Go < 1.27 (go.mod has no `go` line: Go 1.23–1.26 take it as go 1.16 and keep the old timers)"
        }
        DefaultsFrom::GoLine(v) if v.at_least(1, 23) => {
            "when built with Go < 1.27 (`asynctimerchan=1` is set)"
        }
        DefaultsFrom::GoLine(_) => {
            "when built with Go < 1.23, or with `go` < 1.23 in go.mod on Go < 1.27"
        }
    }
}

/// `godebug asynctimerchan=1` in go.mod or a `//go:debug` directive.
fn asynctimerchan(cx: &PackageContext) -> bool {
    let in_gomod = cx
        .godebug
        .iter()
        .rev()
        .find(|(k, _)| k == "asynctimerchan")
        .is_some_and(|(_, v)| v == "1");
    in_gomod
        || cx.files().any(|(_, f)| {
            f.ast.comments.iter().any(|c| {
                c.text(&f.src)
                    .strip_prefix("//go:debug")
                    .is_some_and(|rest| rest.trim() == "asynctimerchan=1")
            })
        })
}

/// If `x` is a call of the function `time.Name` (found by the callee's
/// object, so an alias or dot import counts), the `Name` and the call.
/// `None` when the callee is unknown: out of view.
pub fn time_call<'a>(
    cx: &PackageContext<'a>,
    file: usize,
    x: &'a Expr,
) -> Option<(&'a str, &'a CallExpr)> {
    let Expr::Call(call) = x.unparen() else {
        return None;
    };
    let view = cx.types(file)?;
    let m = view.model();
    let callee = view.object_of_expr(&call.fun)?;
    let obj = m.obj(callee);
    (obj.kind == ObjKind::Func && m.pkg_path(callee) == "time").then_some((&*obj.name, call))
}

/// How file `file` qualifies names of package `time` in code a fix
/// writes: `time.`, `tm.` for `import tm "time"`, nothing under a dot
/// import.
pub fn time_qualifier(cx: &PackageContext, file: usize) -> String {
    match cx.import_name(file, "time") {
        Some(name) => format!("{name}."),
        None if dot_imports_time(cx, file) => String::new(),
        None => "time.".to_string(),
    }
}

fn dot_imports_time(cx: &PackageContext, file: usize) -> bool {
    let f = &cx.file(file).ast;
    let src = &cx.file(file).src;
    f.imports().any(|i| {
        i.name.as_ref().is_some_and(|n| n.name(src) == ".")
            && i.path.value(src).trim_matches('"') == "time"
    })
}

/// What a timer constructor makes: `*time.Timer` or `*time.Ticker`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Made {
    Timer,
    Ticker,
}

impl Made {
    fn ctor(self) -> &'static str {
        match self {
            Made::Timer => "NewTimer",
            Made::Ticker => "NewTicker",
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Made::Timer => "Timer",
            Made::Ticker => "Ticker",
        }
    }
}

/// Whether `x` is a call that makes a new timer (ticker): `time.NewTimer`
/// however it is imported, or a function of the checked packages that
/// returns a `*time.Timer` and calls `time.NewTimer` itself (a wrapper).
/// A getter returning a stored timer does not call the constructor.
pub fn makes(cx: &PackageContext, file: usize, x: &Expr, what: Made) -> bool {
    let Expr::Call(call) = x.unparen() else {
        return false;
    };
    let Some(view) = cx.types(file) else {
        return false;
    };
    let m = view.model();
    let typed = view
        .type_of(x)
        .is_some_and(|t| m.is_pointer_to(t, "time", what.type_name()));
    let Some(callee) = view.object_of_expr(&call.fun) else {
        return false;
    };
    typed
        && (m.is_func(callee, "time", what.ctor())
            || m.body_calls(callee, "time", what.ctor()) == Some(true))
}

/// A timer or ticker variable, by its object: a shadowing variable of
/// another type is another variable.
pub type TimerVar<'v> = LocalVar<'v>;

/// If `x` is `v.member` with `member` a field or method of package `time`
/// (`C`, `Stop`, `Reset`), the offset of `v`.
fn member_of(v: &TimerVar, x: &Expr, member: &str) -> Option<u32> {
    let Expr::Selector(sel) = x.unparen() else {
        return None;
    };
    let Expr::Ident(id) = sel.x.unparen() else {
        return None;
    };
    let m = v.view.model();
    let o = v.view.object_of(&sel.sel)?;
    let ours = &*m.obj(o).name == member && m.pkg_path(o) == "time";
    (ours && v.is_ident(id)).then_some(id.pos)
}

/// How a statement uses a timer variable.
#[derive(Debug, Default, Clone, Copy)]
pub struct TimerUses {
    /// `<-t.C` or `for range t.C`: the timer fired and was received.
    pub receives: bool,
    /// `t.Stop()`, resolved to `(*time.Timer).Stop` or `(*time.Ticker).Stop`.
    pub stops: bool,
    /// Any use but `<-t.C`, `t.Reset(...)` and `t.Stop()`: passing `t`
    /// on, returning or storing it.
    pub other: bool,
}

impl TimerUses {
    /// Stopped, received or handed on.
    pub fn releases(self) -> bool {
        self.receives || self.stops || self.other
    }
}

/// The uses of timer variable `v` in `node`.
pub fn timer_uses(node: Node, v: TimerVar) -> TimerUses {
    timer_uses_after(node, v, 0)
}

/// The uses of timer variable `v` in `node` at or after offset `from`.
pub fn timer_uses_after(node: Node, v: TimerVar, from: u32) -> TimerUses {
    let mut uses = TimerUses::default();
    let mut benign: Vec<u32> = Vec::new();
    inspect(node, &mut |n| {
        match n {
            Node::Expr(Expr::Unary(u)) if u.op == Token::Arrow => {
                if let Some(id) = member_of(&v, &u.x, "C") {
                    uses.receives |= id >= from;
                    benign.push(id);
                }
            }
            // `for range t.C` receives, as `<-t.C` does.
            Node::Stmt(Stmt::Range(r)) => {
                if let Some(id) = member_of(&v, &r.x, "C") {
                    uses.receives |= id >= from;
                    benign.push(id);
                }
            }
            Node::Call(c) => {
                if let Some(id) = member_of(&v, &c.fun, "Reset") {
                    benign.push(id);
                }
                if let Some(id) = member_of(&v, &c.fun, "Stop") {
                    uses.stops |= id >= from;
                    benign.push(id);
                }
            }
            Node::Ident(id) if id.pos >= from && v.is_ident(id) => {
                uses.other |= !benign.contains(&id.pos);
            }
            _ => {}
        }
        true
    });
    uses
}

/// The obligation of a timer started by one statement: stop it, hand it
/// on, or (a timer, not a ticker) receive its firing.
pub struct TimerReleased<'s> {
    pub def: Span,
    pub var: TimerVar<'s>,
    pub src: &'s str,
    /// A ticker: receiving a tick does not end it, it keeps ticking.
    pub ticker: bool,
    /// Whether a `defer` statement meets it. Not when judging one
    /// iteration of a loop: a deferred `Stop` runs when the function
    /// returns, not when the iteration ends.
    pub defers_count: bool,
}

impl<'s> TimerReleased<'s> {
    /// The obligation of the timer (ticker) `var` made by statement `def`.
    pub fn new(def: Span, var: TimerVar<'s>, src: &'s str, what: Made) -> Self {
        TimerReleased {
            def,
            var,
            src,
            ticker: what == Made::Ticker,
            defers_count: true,
        }
    }

    fn released(&self, node: Node) -> bool {
        let u = timer_uses(node, self.var);
        u.stops || u.other || (u.receives && !self.ticker)
    }
}

impl Obligation for TimerReleased<'_> {
    fn starts(&self, stmt: &Stmt) -> bool {
        stmt.span() == self.def
    }

    fn meets_stmt(&self, stmt: &Stmt) -> bool {
        if !self.defers_count && matches!(stmt, Stmt::Defer(_)) {
            return false;
        }
        stmt.span() != self.def && self.released(Node::stmt(stmt))
    }

    /// `for range t.C` receives from the timer: it is not handed on.
    fn meets_expr(&self, expr: &Expr) -> bool {
        if member_of(&self.var, expr, "C").is_some() {
            return !self.ticker;
        }
        self.released(Node::expr(expr))
    }

    /// Returning `t` or `t.C` hands it to the caller.
    fn meets_return(&self, results: &[Expr]) -> bool {
        results.iter().any(|r| self.released(Node::expr(r)))
    }

    fn never_returns(&self, call: &CallExpr) -> bool {
        never_returns(call, self.src)
    }
}

/// If the timer (ticker) made by `def` is made inside a loop of `body`
/// (closures aside) that also holds a `defer v.Stop()`, and some
/// iteration can end with it neither stopped, received (a timer) nor
/// handed on, the line of that `defer`: each iteration's timer stays
/// referenced by the deferred call until the function returns.
pub fn deferred_stop_in_loop(
    body: &BlockStmt,
    def: Span,
    var: TimerVar,
    src: &str,
    what: Made,
) -> Option<u32> {
    let (_, loop_body) = innermost_loop(body, def)?;
    let defer = statements(loop_body)
        .into_iter()
        .find_map(|s| match s.stmt {
            Stmt::Defer(d) if member_of(&var, &d.call.fun, "Stop").is_some() => Some(d.pos),
            _ => None,
        })?;
    let mut ob = TimerReleased::new(def, var, src, what);
    ob.defers_count = false;
    crate::flow::pending_at_iteration_end(loop_body, src, &ob).then_some(defer)
}

/// Whether `v.Stop()` runs before or inside `looped`, a loop that never
/// exits: a `Stop` in a statement on the way to the loop (in the loop
/// itself, or before it in a list that encloses it, a goroutine started
/// there included). A `Stop` after the loop is dead code, a `defer` never
/// runs (the function does not return), and one on another branch, such
/// as a goroutine started only after an early return, is not on the path.
pub fn stopped_on_way_to(body: &BlockStmt, looped: &Stmt, v: TimerVar) -> bool {
    let target = looped.span();
    let mut list = &body.list[..];
    loop {
        let Some(i) = list.iter().position(|s| {
            let sp = s.span();
            sp.start <= target.start && target.end <= sp.end
        }) else {
            return false;
        };
        let before = list[..i]
            .iter()
            .filter(|s| !matches!(s, Stmt::Defer(_)))
            .any(|s| timer_uses(Node::stmt(s), v).stops);
        if before {
            return true;
        }
        let here = &list[i];
        if here.span() == target {
            return timer_uses(Node::stmt(here), v).stops;
        }
        match enclosing_list(here, target) {
            Some(inner) => list = inner,
            None => return timer_uses(Node::stmt(here), v).stops,
        }
    }
}

/// The statement list directly inside `s` that contains `target`.
fn enclosing_list(s: &Stmt, target: Span) -> Option<&[Stmt]> {
    let inside = |sp: Span| sp.start <= target.start && target.end <= sp.end;
    let lists = crate::syntax::inner_lists(s);
    lists.into_iter().find(|l| {
        l.first()
            .zip(l.last())
            .is_some_and(|(a, b)| inside(Span::new(a.span().start, b.span().end)))
    })
}

/// `t := <ctor>(...)`, `t = <ctor>(...)` or `var t = <ctor>(...)` with a
/// named local `t`, where the call makes a new timer or ticker (see
/// [`makes`]): the name, the variable and the call.
pub fn local_def<'a>(
    cx: &PackageContext<'a>,
    file: usize,
    stmt: &'a Stmt,
    what: Made,
) -> Option<(&'a Ident, TimerVar<'a>, &'a CallExpr)> {
    let (lhs, rhs) = match stmt {
        Stmt::Assign(a) if a.lhs.len() == 1 && a.rhs.len() == 1 => {
            (a.lhs[0].unparen().as_ident()?, &a.rhs[0])
        }
        Stmt::Decl(g) if g.tok == Token::Var && g.specs.len() == 1 => {
            let Spec::Value(v) = &g.specs[0] else {
                return None;
            };
            if v.names.len() != 1 || v.values.len() != 1 {
                return None;
            }
            (&v.names[0], &v.values[0])
        }
        _ => return None,
    };
    let Expr::Call(call) = rhs.unparen() else {
        return None;
    };
    let src = &cx.file(file).src;
    if lhs.name(src) == "_" || !makes(cx, file, rhs, what) {
        return None;
    }
    let var = TimerVar::at(cx.types(file)?, lhs)?;
    Some((lhs, var, call))
}

/// `defer t.Stop()` after the definition: display-only when the timer
/// leaves the function (returned, stored, sent, or received from in a
/// closure or goroutine: it is meant to fire after the return) or is
/// defined in a loop (the deferred calls would pile up until the function
/// returns: the very leak LG201/LG202 report), unsafe when it is otherwise
/// handed on, safe otherwise.
pub fn defer_stop_fix(
    cx: &PackageContext,
    f: &Func,
    site: StmtSite,
    name: &str,
    var: TimerVar,
) -> Fix {
    let src = &cx.file(f.file).src;
    let stmt = site.stmt.span();
    let indent = indentation_at(src, stmt.start);
    let applicability = if site.in_loop || fate(cx, f, &[var], Value::Timer) == Fate::Leaves {
        Applicability::DisplayOnly
    } else if handed_on(f.body, stmt, var) {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    Fix {
        message: format!("stop it when the function returns: `defer {name}.Stop()`"),
        applicability,
        edits: vec![Edit::insert(
            stmt.end,
            format!("\n{indent}defer {name}.Stop()"),
        )],
    }
}

/// Whether the timer is used after its definition for anything but
/// receiving, resetting and stopping.
fn handed_on(body: &BlockStmt, def: Span, var: TimerVar) -> bool {
    timer_uses_after(Node::Block(body), var, def.end).other
}

/// The first loop of `body` (closures aside) that receives from `v.C` and
/// that nothing leaves.
pub fn forever_loop_receiving<'b>(body: &'b BlockStmt, v: TimerVar, src: &str) -> Option<&'b Stmt> {
    forever_loops_over(body, src, &|x| member_of(&v, x, "C").is_some()).next()
}

/// Whether `body` (closures aside) holds a loop that receives from a
/// channel `is_chan` accepts and that nothing leaves: a `for` without
/// condition, or a `for range` over that channel, with no `return`,
/// `break` out of it, labeled branch, `goto` or call that never returns.
pub fn forever_loop_over(body: &BlockStmt, src: &str, is_chan: &dyn Fn(&Expr) -> bool) -> bool {
    forever_loops_over(body, src, is_chan).next().is_some()
}

fn forever_loops_over<'b, 'f>(
    body: &'b BlockStmt,
    src: &'f str,
    is_chan: &'f dyn Fn(&Expr) -> bool,
) -> impl Iterator<Item = &'b Stmt> + 'f
where
    'b: 'f,
{
    statements(body)
        .into_iter()
        .map(|s| s.stmt)
        .filter(move |stmt| {
            let (loop_body, endless) = match stmt {
                Stmt::For(f) => (&f.body, f.cond.is_none()),
                Stmt::Range(r) => (&r.body, is_chan(&r.x)),
                _ => return false,
            };
            let receives = matches!(stmt, Stmt::Range(_)) || receives_from(loop_body, is_chan);
            endless && receives && !leaves(&loop_body.list, 0, src)
        })
}

/// Whether `body` has a receive `<-x` with `is_chan(x)`.
fn receives_from(body: &BlockStmt, is_chan: &dyn Fn(&Expr) -> bool) -> bool {
    let mut found = false;
    inspect(Node::Block(body), &mut |n| {
        if let Node::Expr(Expr::Unary(u)) = n {
            found |= u.op == Token::Arrow && is_chan(&u.x);
        }
        !found
    });
    found
}

/// Whether a loop body can leave the loop: see [`forever_loop_over`].
pub fn loop_leaves(body: &BlockStmt, src: &str) -> bool {
    leaves(&body.list, 0, src)
}

/// `main.main`, `init` and the closures inside them run for the whole
/// process: a ticker loop there is the program's heartbeat, not a leak.
pub fn process_lifetime(func: &str) -> bool {
    func == "main.main"
        || func.starts_with("main.main.")
        || func.ends_with(".init")
        || func.contains(".init.")
}

/// Whether a statement list can leave the loop it is `depth` breakable
/// statements inside.
fn leaves(stmts: &[Stmt], depth: usize, src: &str) -> bool {
    stmts.iter().any(|s| stmt_leaves(s, depth, src))
}

fn stmt_leaves(s: &Stmt, depth: usize, src: &str) -> bool {
    match s {
        Stmt::Return(_) => true,
        Stmt::Branch(b) => match b.tok {
            Token::Break => b.label.is_some() || depth == 0,
            Token::Continue => b.label.is_some(),
            Token::Goto => true,
            _ => false,
        },
        Stmt::Expr(x) => matches!(x.unparen(), Expr::Call(c) if never_returns(c, src)),
        Stmt::Block(b) => leaves(&b.list, depth, src),
        Stmt::Labeled(l) => stmt_leaves(&l.stmt, depth, src),
        Stmt::If(i) => {
            leaves(&i.body.list, depth, src)
                || i.els.as_ref().is_some_and(|e| stmt_leaves(e, depth, src))
        }
        Stmt::For(f) => leaves(&f.body.list, depth + 1, src),
        Stmt::Range(r) => leaves(&r.body.list, depth + 1, src),
        Stmt::Switch(sw) => sw
            .body
            .clauses
            .iter()
            .any(|c| leaves(&c.body, depth + 1, src)),
        Stmt::TypeSwitch(sw) => sw
            .body
            .clauses
            .iter()
            .any(|c| leaves(&c.body, depth + 1, src)),
        Stmt::Select(sel) => sel
            .body
            .clauses
            .iter()
            .any(|c| leaves(&c.body, depth + 1, src)),
        _ => false,
    }
}

/// The value in nanoseconds of a constant duration written with integer
/// literals, `time` units, `*` and parentheses (`5 * time.Second`).
pub fn const_duration(cx: &PackageContext, file: usize, x: &Expr) -> Option<u64> {
    duration_value(cx.types(file).as_ref(), &cx.file(file).src, x)
}

/// [`const_duration`] in any file of the run: `view` (when the model has
/// the file) names the constants, `src` is the file's text.
fn duration_value(view: Option<&FileView>, src: &str, x: &Expr) -> Option<u64> {
    match x.unparen() {
        Expr::BasicLit(l) if l.kind == Token::Int => l.value(src).replace('_', "").parse().ok(),
        Expr::Binary(b) if b.op == Token::Mul => {
            let (l, r) = (
                duration_value(view, src, &b.x)?,
                duration_value(view, src, &b.y)?,
            );
            l.checked_mul(r)
        }
        named @ (Expr::Selector(_) | Expr::Ident(_)) => named_constant(view?, named),
        _ => None,
    }
}

/// The value of a constant named by `x`, by its object: `time.Second`
/// however `time` is imported, or a constant of the project
/// (`const pollEvery = 30 * time.Second`).
fn named_constant(view: &FileView, x: &Expr) -> Option<u64> {
    let m = view.model();
    let o = view.object_of_expr(x)?;
    let obj = m.obj(o);
    if obj.kind != ObjKind::Const {
        return None;
    }
    u64::try_from(obj.val.as_int()?).ok()
}

/// A duration short enough that a timer of it is gone before anyone
/// could notice it was retained: a constant under a second.
pub fn fires_at_once(cx: &PackageContext, file: usize, call: &CallExpr) -> bool {
    call.args
        .first()
        .and_then(|d| const_duration(cx, file, d))
        .is_some_and(|n| n < 1_000_000_000)
}

/// The finding for a timer (ticker) stopped only by a `defer` inside the
/// loop that makes it: the message's middle, naming the `defer`'s line.
pub fn deferred_in_loop_message(name: &str, what: Made, defer_line: u32) -> String {
    let (kind, state) = match what {
        Made::Timer => ("timer", "pending until it fires"),
        Made::Ticker => ("ticker", "ticking"),
    };
    format!(
        "{kind} `{name}` is made in a loop and stopped only by the `defer` at line {defer_line}, which runs when the function returns, not when the iteration ends: the deferred call keeps every iteration's {kind} referenced, and {state}, until then (on every Go version)"
    )
}

/// Delays shorter than this are short: what waits on them is released
/// within a minute (LG106's timeouts; LG205 keeps its own, longer bound,
/// `LONG_AFTERFUNC`).
pub const LONG_DELAY: u64 = 60_000_000_000;

/// A duration known before the program runs: a constant one, a package
/// variable used as one ([`settled_var`]), or a parameter its callers
/// pass such durations for ([`passed_duration`]).
pub fn settled_duration(cx: &PackageContext, file: usize, x: &Expr) -> Option<u64> {
    const_duration(cx, file, x)
        .or_else(|| settled_var(cx, file, x))
        .or_else(|| passed_duration(cx, file, x))
}

/// The longest duration the callers pass for parameter `x` of the
/// declared function written around it (`func (m *Map) ReleaseAfter(key
/// string, after time.Duration)` called with `cacheTTL`): known when the
/// run's non-test code calls the function at least once, every call
/// passes a constant (read in the caller's own file, any package), and
/// the function never assigns the parameter. The callers in view are
/// those the rules judge the function's runs by, so they judge its delay
/// too.
fn passed_duration(cx: &PackageContext, file: usize, x: &Expr) -> Option<u64> {
    let Expr::Ident(id) = x.unparen() else {
        return None;
    };
    let view = cx.types(file)?;
    let o = view.object_of(id)?;
    let (_, declared) = view.model().obj(o).pos?;
    let f = cx.functions().iter().find(|f| {
        f.file == file
            && matches!(f.kind, FuncKind::Decl(_))
            && f.body.lbrace <= id.pos
            && id.pos < f.body.end()
    })?;
    let FuncKind::Decl(d) = f.kind else {
        return None;
    };
    let index = crate::syntax::param_index(&d.typ.params, declared)?;
    if assigns(&view, Node::Block(f.body), o) {
        return None;
    }
    let (g, s) = (cx.growth()?, cx.semantic()?);
    let callers = g.callers(s, g.node(cx, f)?);
    if callers.is_empty() {
        return None;
    }
    callers
        .iter()
        .try_fold(0, |longest: u64, &(caller, lparen)| {
            Some(longest.max(passed_at(s, caller, lparen, index)?))
        })
}

/// The constant duration the call whose `(` is at `lparen` in `caller`'s
/// file passes as argument `index`.
fn passed_at(
    s: &letgo_types::Semantic,
    caller: FuncNode,
    lparen: u32,
    index: usize,
) -> Option<u64> {
    let file = match caller {
        FuncNode::Decl(o) => s.model.func_decl(o)?.0,
        FuncNode::Lit(f, _) => f,
    };
    let sf = &s.model.files[file.0 as usize];
    let mut arg = None;
    inspect(Node::File(&sf.ast), &mut |n| {
        if let Node::Call(c) = n {
            if c.lparen == lparen {
                arg = c.args.get(index);
            }
        }
        arg.is_none()
    });
    duration_value(Some(&s.view(file)), &sf.src, arg?)
}

/// Whether `within` assigns, increments or takes the address of `o`.
fn assigns(view: &FileView, within: Node, o: letgo_types::model::ObjId) -> bool {
    let mut found = false;
    inspect(within, &mut |n| {
        let targets: Vec<&Expr> = match n {
            Node::Stmt(Stmt::Assign(a)) => a.lhs.iter().collect(),
            Node::Stmt(Stmt::IncDec(s)) => vec![&s.x],
            Node::Expr(Expr::Unary(u)) if u.op == Token::And => vec![&u.x],
            _ => Vec::new(),
        };
        found |= targets
            .iter()
            .any(|t| view.object_of_expr(t.unparen()) == Some(o));
        !found
    });
    found
}

/// The value of a package variable used as a constant: declared with a
/// constant duration (`var readTimeout = 5 * time.Second`) and never
/// assigned, incremented or addressed in the package's non-test files
/// (tests often shorten such delays, which does not make them long).
fn settled_var(cx: &PackageContext, file: usize, x: &Expr) -> Option<u64> {
    let view = cx.types(file)?;
    let o = view.object_of_expr(x)?;
    if view.model().obj(o).kind != letgo_types::model::ObjKind::Var {
        return None;
    }
    let mut value = None;
    let mut changed = false;
    for (fi, sf) in cx.files() {
        if sf.is_test {
            continue;
        }
        let Some(v) = cx.types(fi) else { continue };
        for d in &sf.ast.decls {
            let letgo_go::ast::Decl::Gen(g) = d else {
                continue;
            };
            for spec in &g.specs {
                let letgo_go::ast::Spec::Value(vs) = spec else {
                    continue;
                };
                for (n, val) in vs.names.iter().zip(&vs.values) {
                    if v.object_of(n) == Some(o) {
                        value = const_duration(cx, fi, val);
                    }
                }
            }
        }
        changed |= assigns(&v, Node::File(&sf.ast), o);
    }
    value.filter(|_| !changed)
}
