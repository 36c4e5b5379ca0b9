//! What the timer rules (LG201–LG205) share: which Go versions retain an
//! unstopped timer, how `time.X(...)` calls are recognised, and the
//! "stopped, handed off, or fired and received" obligation.
//!
//! Unstopped `time.NewTimer`, `time.NewTicker`, `time.After` and
//! `time.Tick` timers stay in the runtime's heap until they fire when the
//! program is built with Go ≤ 1.22, or with Go 1.23–1.26 when the module's
//! `go` line is below 1.23 or `godebug asynctimerchan=1` is set. Go 1.27
//! collects them on every module (and refuses `asynctimerchan`).

use crate::context::PackageContext;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::escape::{fate, Fate, Value};
use crate::flow::Obligation;
use crate::funcs::Func;
use crate::syntax::{indentation_at, never_returns, statements, StmtSite};
use letgo_go::ast::{BlockStmt, CallExpr, Expr, Ident, Span, Spec, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};

/// The functions the timer rules look at: those outside `_test.go` files.
/// A test process is short-lived; what its timers retain for a few
/// seconds is never a leak anyone sees.
/// Filters the context's shared list: building a list of its own would
/// walk every body of the package again, once per timer rule.
pub fn non_test_functions<'c, 'a>(
    cx: &'c PackageContext<'a>,
) -> impl Iterator<Item = &'c Func<'a>> + 'c {
    cx.functions()
        .iter()
        .filter(move |f| !cx.file(f.file).is_test)
}

/// Whether unstopped timers of this package are retained until they fire
/// (on some toolchain that can build it).
pub fn unstopped_timers_leak(cx: &PackageContext) -> bool {
    !cx.go_version.at_least(1, 23) || asynctimerchan(cx)
}

/// Which builds retain an unstopped timer, for messages.
pub fn leaking_builds(cx: &PackageContext) -> &'static str {
    if cx.go_version.at_least(1, 23) {
        "when built with Go < 1.27 (`asynctimerchan=1` is set)"
    } else {
        "when built with Go < 1.23, or with `go` < 1.23 in go.mod on Go < 1.27"
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

/// If `x` is a call `time.Name(...)`, the `Name` and the call.
pub fn time_call<'a>(
    cx: &PackageContext<'a>,
    file: usize,
    x: &'a Expr,
) -> Option<(&'a str, &'a CallExpr)> {
    let Expr::Call(call) = x.unparen() else {
        return None;
    };
    Some((cx.qualified_name(file, &call.fun, "time")?, call))
}

/// How a statement uses a timer variable.
#[derive(Debug, Default, Clone, Copy)]
pub struct TimerUses {
    /// `<-t.C`: the timer fired and was received.
    pub receives: bool,
    /// `t.Stop()`.
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

/// The uses of timer variable `name` in `node`.
pub fn timer_uses(node: Node, name: &str, src: &str) -> TimerUses {
    timer_uses_after(node, name, src, 0)
}

/// The uses of timer variable `name` in `node` at or after offset `from`.
pub fn timer_uses_after(node: Node, name: &str, src: &str, from: u32) -> TimerUses {
    let mut uses = TimerUses::default();
    let mut benign: Vec<u32> = Vec::new();
    inspect(node, &mut |n| {
        match n {
            Node::Expr(Expr::Unary(u)) if u.op == Token::Arrow => {
                if let Some(id) = field_of(&u.x, name, "C", src) {
                    uses.receives |= id >= from;
                    benign.push(id);
                }
            }
            Node::Call(c) => {
                if let Some(id) = field_of(&c.fun, name, "Reset", src) {
                    benign.push(id);
                }
                if let Some(id) = field_of(&c.fun, name, "Stop", src) {
                    uses.stops |= id >= from;
                    benign.push(id);
                }
            }
            Node::Ident(id) if id.pos >= from && id.name(src) == name => {
                uses.other |= !benign.contains(&id.pos);
            }
            _ => {}
        }
        true
    });
    uses
}

/// If `x` is `name.field`, the offset of `name`.
fn field_of(x: &Expr, name: &str, field: &str, src: &str) -> Option<u32> {
    let Expr::Selector(sel) = x.unparen() else {
        return None;
    };
    let Expr::Ident(id) = sel.x.unparen() else {
        return None;
    };
    (id.name(src) == name && sel.sel.name(src) == field).then_some(id.pos)
}

/// The obligation of a timer started by one statement: stop it, hand it
/// on, or receive its firing.
pub struct TimerReleased<'s> {
    pub def: Span,
    pub name: &'s str,
    pub src: &'s str,
}

impl TimerReleased<'_> {
    fn released(&self, node: Node) -> bool {
        timer_uses(node, self.name, self.src).releases()
    }
}

impl Obligation for TimerReleased<'_> {
    fn starts(&self, stmt: &Stmt) -> bool {
        stmt.span() == self.def
    }

    fn meets_stmt(&self, stmt: &Stmt) -> bool {
        stmt.span() != self.def && self.released(Node::stmt(stmt))
    }

    fn meets_expr(&self, expr: &Expr) -> bool {
        self.released(Node::expr(expr))
    }

    fn never_returns(&self, call: &CallExpr) -> bool {
        never_returns(call, self.src)
    }
}

/// `t := time.Ctor(...)`, `t = time.Ctor(...)` or `var t = time.Ctor(...)`
/// with a named local `t`: the name and the call.
pub fn local_def<'a>(
    cx: &PackageContext<'a>,
    file: usize,
    stmt: &'a Stmt,
    ctor: &str,
) -> Option<(&'a Ident, &'a CallExpr)> {
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
    let (name, call) = time_call(cx, file, rhs)?;
    let src = &cx.file(file).src;
    (name == ctor && lhs.name(src) != "_").then_some((lhs, call))
}

/// `defer t.Stop()` after the definition: display-only when the timer
/// leaves the function (returned, stored, sent, or received from in a
/// closure or goroutine: it is meant to fire after the return), unsafe
/// when it is otherwise handed on or defined in a loop, safe otherwise.
pub fn defer_stop_fix(cx: &PackageContext, f: &Func, site: StmtSite, name: &str) -> Fix {
    let src = &cx.file(f.file).src;
    let stmt = site.stmt.span();
    let indent = indentation_at(src, stmt.start);
    let applicability = if fate(cx, f, &[name], Value::Timer) == Fate::Leaves {
        Applicability::DisplayOnly
    } else if handed_on(f.body, stmt, name, src) || site.in_loop {
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
fn handed_on(body: &BlockStmt, def: Span, name: &str, src: &str) -> bool {
    timer_uses_after(Node::Block(body), name, src, def.end).other
}

/// Whether `body` (closures aside) holds a loop that receives from
/// `name.C` and that nothing leaves.
pub fn forever_loop_receiving(body: &BlockStmt, name: &str, src: &str) -> bool {
    forever_loop_over(body, src, &|x| field_of(x, name, "C", src).is_some())
}

/// Whether `body` (closures aside) holds a loop that receives from a
/// channel `is_chan` accepts and that nothing leaves: a `for` without
/// condition, or a `for range` over that channel, with no `return`,
/// `break` out of it, labeled branch, `goto` or call that never returns.
pub fn forever_loop_over(body: &BlockStmt, src: &str, is_chan: &dyn Fn(&Expr) -> bool) -> bool {
    statements(body).iter().any(|site| {
        let (loop_body, endless) = match site.stmt {
            Stmt::For(f) => (&f.body, f.cond.is_none()),
            Stmt::Range(r) => (&r.body, is_chan(&r.x)),
            _ => return false,
        };
        let receives = matches!(site.stmt, Stmt::Range(_)) || receives_from(loop_body, is_chan);
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
    match x.unparen() {
        Expr::BasicLit(l) if l.kind == Token::Int => {
            l.value(&cx.file(file).src).replace('_', "").parse().ok()
        }
        Expr::Binary(b) if b.op == Token::Mul => {
            let (l, r) = (
                const_duration(cx, file, &b.x)?,
                const_duration(cx, file, &b.y)?,
            );
            l.checked_mul(r)
        }
        sel @ Expr::Selector(_) => match cx.qualified_name(file, sel, "time")? {
            "Nanosecond" => Some(1),
            "Microsecond" => Some(1_000),
            "Millisecond" => Some(1_000_000),
            "Second" => Some(1_000_000_000),
            "Minute" => Some(60_000_000_000),
            "Hour" => Some(3_600_000_000_000),
            _ => None,
        },
        _ => None,
    }
}

/// A duration short enough that a timer of it is gone before anyone
/// could notice it was retained: a constant under a second.
pub fn fires_at_once(cx: &PackageContext, file: usize, call: &CallExpr) -> bool {
    call.args
        .first()
        .and_then(|d| const_duration(cx, file, d))
        .is_some_and(|n| n < 1_000_000_000)
}
