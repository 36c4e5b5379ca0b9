//! "Is this obligation met on every path?" over the structured syntax of
//! one function body, without building a control-flow graph.
//!
//! An obligation starts at a statement ([`Obligation::starts`]: a
//! `context.WithCancel`, a `Lock`, a `time.NewTimer`) and is met by a
//! statement or expression that discharges it ([`Obligation::meets`]: any
//! use of `cancel`, an `Unlock`, a `Stop`). The walk tracks one bit: "some
//! path got here with the obligation pending". It follows `if`, `for`
//! (with back edges, to a fixpoint), `range`, `switch` with
//! `fallthrough`, `select`, `break`/`continue` with labels, and ends a path
//! at `return`, `panic` and other calls that never return. It reports the
//! exits reached with the obligation pending.
//!
//! One fact about conditions is used: an `if C { ...; return }` (a body
//! that cannot fall through) followed directly by an `if/else if` chain
//! with no final `else` makes the chain's missing `else` unreachable when
//! `C` is false and every condition of the chain is false together is
//! impossible (`if a == nil && b == nil { return }` then `if a != nil {
//! } else if b != nil { }`). Conditions are read only when built from
//! `==`/`!=` against `nil`, boolean names and fields, `!`, `&&`, `||`
//! (no calls: the same text then has the same value at both places, as
//! nothing runs between them).

use letgo_go::ast::{BlockStmt, CallExpr, Expr, IfStmt, Stmt};
use letgo_go::token::Token;

/// What starts and what meets the obligation being tracked.
pub trait Obligation {
    /// The statement after which the obligation is pending.
    fn starts(&self, stmt: &Stmt) -> bool;
    /// Whether this simple statement, or the header expression of a
    /// compound one, meets it.
    fn meets_stmt(&self, stmt: &Stmt) -> bool;
    fn meets_expr(&self, expr: &Expr) -> bool;
    /// Whether a `return` with these results meets it (e.g. by returning
    /// the cancel function to the caller).
    fn meets_return(&self, results: &[Expr]) -> bool {
        results.iter().any(|r| self.meets_expr(r))
    }
    /// A call that never returns (`panic`, `os.Exit`, `log.Fatal`).
    fn never_returns(&self, call: &CallExpr) -> bool;
    /// Whether an `if` condition says there is nothing to discharge on one
    /// branch: `Some(true)` when the obligation is void where the condition
    /// holds (`err != nil` after `resp, err := http.Get(url)`),
    /// `Some(false)` when it is void where the condition fails.
    fn void_when(&self, _cond: &Expr) -> Option<bool> {
        None
    }
}

/// Where a path left the function with the obligation pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// A `return` statement starting at this offset.
    Return(u32),
    /// Falling off the end of the body: the offset of its closing brace.
    End(u32),
}

impl Exit {
    pub fn offset(self) -> u32 {
        match self {
            Exit::Return(o) | Exit::End(o) => o,
        }
    }
}

/// The exits of `body` that some path reaches with the obligation pending,
/// in source order, each once.
pub fn pending_exits(body: &BlockStmt, src: &str, ob: &dyn Obligation) -> Vec<Exit> {
    exits(body, src, ob, false)
}

/// Like [`pending_exits`], for an obligation pending from the function's
/// first statement (a goroutine that must close a channel before it ends).
pub fn pending_exits_from_entry(body: &BlockStmt, src: &str, ob: &dyn Obligation) -> Vec<Exit> {
    exits(body, src, ob, true)
}

fn exits(body: &BlockStmt, src: &str, ob: &dyn Obligation, at_entry: bool) -> Vec<Exit> {
    let mut w = Walker {
        ob,
        src,
        exits: Vec::new(),
        targets: Vec::new(),
        pending_label: None,
        fact: None,
    };
    let out = w.list(&body.list, at_entry);
    if out {
        let end = body.rbrace.unwrap_or_else(|| body.end());
        w.exits.push(Exit::End(end));
    }
    w.exits.sort_by_key(|e| e.offset());
    w.exits.dedup();
    w.exits
}

/// A `break`/`continue` target: a loop, switch or select.
struct Target<'a> {
    label: Option<&'a str>,
    is_loop: bool,
    breaks: bool,
    continues: bool,
}

struct Walker<'o, 'a> {
    ob: &'o dyn Obligation,
    src: &'a str,
    exits: Vec<Exit>,
    targets: Vec<Target<'a>>,
    /// A label that names the next loop, switch or select.
    pending_label: Option<&'a str>,
    /// The condition of the statement just before, an `if` that cannot
    /// fall through: false where the current statement starts.
    fact: Option<&'a Expr>,
}

impl<'a> Walker<'_, 'a> {
    fn list(&mut self, stmts: &'a [Stmt], mut pending: bool) -> bool {
        let mut fact = None;
        for s in stmts {
            self.fact = fact;
            pending = self.stmt(s, pending);
            fact = guard_fact(s, self.src);
        }
        self.fact = None;
        pending
    }

    fn stmt(&mut self, s: &'a Stmt, pending: bool) -> bool {
        match s {
            Stmt::Return(r) => {
                if pending && !self.ob.meets_return(&r.results) {
                    self.exits.push(Exit::Return(r.pos));
                }
                false
            }
            Stmt::Branch(b) if b.tok == letgo_go::token::Token::Fallthrough => pending,
            Stmt::Branch(b) => {
                self.branch(b, pending);
                false
            }
            Stmt::Block(b) => self.list(&b.list, pending),
            Stmt::Labeled(l) => {
                // The label's text is kept only for matching `break L`.
                self.pending_label = Some(l.label.name(self.src));
                let out = self.stmt(&l.stmt, pending);
                self.pending_label = None;
                out
            }
            Stmt::If(i) => {
                let known = self.fact.take().into_iter().collect();
                self.if_chain(i, pending, known)
            }
            Stmt::For(f) => self.for_loop(f, pending),
            Stmt::Range(r) => {
                let p = pending && !self.ob.meets_expr(&r.x);
                self.loop_body(&r.body, p, None, true)
            }
            Stmt::Switch(sw) => {
                let mut p = self.opt_simple(sw.init.as_ref(), pending);
                p &= !sw.tag.as_ref().is_some_and(|t| self.ob.meets_expr(t));
                self.switch_clauses(&sw.body.clauses, p, sw.tag.is_none())
            }
            Stmt::TypeSwitch(sw) => {
                let mut p = self.opt_simple(sw.init.as_ref(), pending);
                p &= !self.ob.meets_stmt(&sw.assign);
                self.switch_clauses(&sw.body.clauses, p, false)
            }
            Stmt::Select(sel) => {
                self.push_target(false);
                let mut out = false;
                for c in &sel.body.clauses {
                    let p = pending && !c.comm.as_ref().is_some_and(|s| self.ob.meets_stmt(s));
                    out |= self.list(&c.body, p);
                }
                let t = self.targets.pop().expect("pushed above");
                out || t.breaks
            }
            _ => self.simple(s, pending),
        }
    }

    /// An `if` and its `else if`s; `known_false` are the conditions
    /// false where it starts (the fact before it, then the chain's earlier
    /// conditions), while no init statement runs in between.
    fn if_chain(&mut self, i: &'a IfStmt, pending: bool, mut known_false: Vec<&'a Expr>) -> bool {
        if i.init.is_some() {
            known_false.clear();
        }
        let mut p = self.opt_simple(i.init.as_ref(), pending);
        p &= !self.ob.meets_expr(&i.cond);
        let (then_p, else_p) = match self.ob.void_when(&i.cond) {
            Some(true) => (false, p),
            Some(false) => (p, false),
            None => (p, p),
        };
        let then = self.list(&i.body.list, then_p);
        known_false.push(&i.cond);
        let els = match &i.els {
            Some(Stmt::If(j)) => self.if_chain(j, else_p, known_false),
            Some(e) => self.stmt(e, else_p),
            // The missing `else`: reached only when every condition
            // known false is, which may be impossible.
            None => {
                else_p && (known_false.len() < 2 || !all_false_impossible(&known_false, self.src))
            }
        };
        then || els
    }

    fn simple(&mut self, s: &Stmt, pending: bool) -> bool {
        if let Stmt::Expr(x) = s {
            if let Expr::Call(c) = x.unparen() {
                if self.ob.never_returns(c) {
                    return false;
                }
            }
        }
        let mut p = pending && !self.ob.meets_stmt(s);
        if self.ob.starts(s) {
            p = true;
        }
        p
    }

    fn opt_simple(&mut self, s: Option<&Stmt>, pending: bool) -> bool {
        match s {
            Some(s) => self.simple(s, pending),
            None => pending,
        }
    }

    fn branch(&mut self, b: &letgo_go::ast::BranchStmt, pending: bool) {
        use letgo_go::token::Token;
        let label = b.label.map(|l| l.name(self.src));
        let wants_loop = b.tok == Token::Continue;
        if b.tok != Token::Break && b.tok != Token::Continue {
            return; // goto and fallthrough: handled by the caller or ignored
        }
        let target = self.targets.iter_mut().rev().find(|t| match label {
            Some(l) => t.label == Some(l),
            None => !wants_loop || t.is_loop,
        });
        if let Some(t) = target {
            if wants_loop {
                t.continues |= pending;
            } else {
                t.breaks |= pending;
            }
        }
    }

    fn push_target(&mut self, is_loop: bool) {
        let label = self.pending_label.take();
        self.targets.push(Target {
            label,
            is_loop,
            breaks: false,
            continues: false,
        });
    }

    fn for_loop(&mut self, f: &'a letgo_go::ast::ForStmt, pending: bool) -> bool {
        let p = self.opt_simple(f.init.as_ref(), pending);
        self.loop_body(&f.body, p, Some(f), f.cond.is_some())
    }

    /// Runs a loop body to a fixpoint of its back edge; returns whether the
    /// loop can be left with the obligation pending.
    fn loop_body(
        &mut self,
        body: &'a BlockStmt,
        entry: bool,
        f: Option<&'a letgo_go::ast::ForStmt>,
        may_skip: bool,
    ) -> bool {
        self.push_target(true);
        let cond_meets = f
            .and_then(|f| f.cond.as_ref())
            .is_some_and(|c| self.ob.meets_expr(c));
        let mut head = entry;
        let mut after_cond;
        loop {
            after_cond = head && !cond_meets;
            let mut back = self.list(&body.list, after_cond);
            back |= self.targets.last().is_some_and(|t| t.continues);
            if let Some(post) = f.and_then(|f| f.post.as_ref()) {
                back = self.simple(post, back);
            }
            if !back || head {
                break;
            }
            head = true;
        }
        let t = self.targets.pop().expect("pushed above");
        (may_skip && after_cond) || t.breaks
    }

    /// The clauses of a `switch`. In a `switch` without a tag the cases
    /// are conditions tried in order, read as an `if`/`else if` chain:
    /// `case err != nil:` has nothing to discharge, and after a case
    /// whose failure voids the obligation (`case err == nil:`) neither
    /// have the later ones.
    fn switch_clauses(
        &mut self,
        clauses: &'a [letgo_go::ast::CaseClause],
        pending: bool,
        tagless: bool,
    ) -> bool {
        self.push_target(false);
        let mut out = false;
        let mut carried = false;
        let mut has_default = false;
        let mut live = pending;
        for c in clauses {
            has_default |= c.is_default();
            let void = match (tagless, c.list.as_slice()) {
                (true, [cond]) => self.ob.void_when(cond),
                _ => None,
            };
            let here = live && void != Some(true);
            let p = (here || carried) && !c.list.iter().any(|x| self.ob.meets_expr(x));
            if void == Some(false) {
                live = false;
            }
            let end = self.list(&c.body, p);
            let falls = matches!(c.body.last(), Some(Stmt::Branch(b)) if b.tok == letgo_go::token::Token::Fallthrough);
            if falls {
                carried = end;
            } else {
                carried = false;
                out |= end;
            }
        }
        let t = self.targets.pop().expect("pushed above");
        out || t.breaks || (!has_default && live)
    }
}

/// Whether one iteration of loop body `body`, entered with the obligation
/// met, can reach its end or a `continue` of this loop with it pending:
/// the next iteration then starts a new one and the old is still owed.
pub fn pending_at_iteration_end(body: &BlockStmt, src: &str, ob: &dyn Obligation) -> bool {
    let mut w = Walker {
        ob,
        src,
        exits: Vec::new(),
        targets: Vec::new(),
        pending_label: None,
        fact: None,
    };
    w.push_target(true);
    let end = w.list(&body.list, false);
    let t = w.targets.pop().expect("pushed above");
    end || t.continues
}

/// The condition of `if C { ... }` with no `else`, no init, whose body
/// cannot fall through (it ends in `return`, `break`, `continue`, `goto`
/// or `panic`): after it, `C` is false.
fn guard_fact<'a>(s: &'a Stmt, src: &str) -> Option<&'a Expr> {
    let Stmt::If(i) = s else { return None };
    if i.init.is_some() || i.els.is_some() {
        return None;
    }
    let ends = match i.body.list.last()? {
        Stmt::Return(_) | Stmt::Branch(_) => true,
        Stmt::Expr(x) => matches!(x.unparen(), Expr::Call(c)
            if matches!(c.fun.unparen(), Expr::Ident(id) if id.name(src) == "panic")),
        _ => false,
    };
    ends.then_some(&i.cond)
}

/// Whether the conditions `conds` cannot all be false at once, over the
/// truth values of their atoms (a name or field, compared to `nil` or
/// read as a boolean); `false` when one is not built from them.
fn all_false_impossible(conds: &[&Expr], src: &str) -> bool {
    let mut atoms: Vec<String> = Vec::new();
    for c in conds {
        if !collect_atoms(c, src, &mut atoms) {
            return false;
        }
    }
    if atoms.len() > 10 {
        return false;
    }
    (0u32..1 << atoms.len()).all(|bits| {
        let value = |a: &str| {
            atoms
                .iter()
                .position(|x| x == a)
                .is_some_and(|i| bits >> i & 1 == 1)
        };
        conds.iter().any(|c| eval(c, src, &value) == Some(true))
    })
}

/// An atom's text: a name or a field path (`a`, `c.legacy`, `x.y.z`).
fn atom(e: &Expr, src: &str) -> Option<String> {
    match e.unparen() {
        Expr::Ident(id) => Some(id.name(src).to_string()),
        Expr::Selector(s) => Some(format!("{}.{}", atom(&s.x, src)?, s.sel.name(src))),
        _ => None,
    }
}

fn is_nil(e: &Expr, src: &str) -> bool {
    matches!(e.unparen(), Expr::Ident(id) if id.name(src) == "nil")
}

/// The atom compared to `nil` in `x == nil`/`nil != x`.
fn nil_compared(b: &letgo_go::ast::BinaryExpr, src: &str) -> Option<String> {
    match (is_nil(&b.x, src), is_nil(&b.y, src)) {
        (false, true) => atom(&b.x, src),
        (true, false) => atom(&b.y, src),
        _ => None,
    }
}

fn collect_atoms(e: &Expr, src: &str, out: &mut Vec<String>) -> bool {
    let found = match e.unparen() {
        Expr::Unary(u) if u.op == Token::Not => return collect_atoms(&u.x, src, out),
        Expr::Binary(b) if matches!(b.op, Token::Land | Token::Lor) => {
            return collect_atoms(&b.x, src, out) && collect_atoms(&b.y, src, out)
        }
        Expr::Binary(b) if matches!(b.op, Token::Eql | Token::Neq) => nil_compared(b, src),
        other => atom(other, src),
    };
    match found {
        Some(a) => {
            if !out.contains(&a) {
                out.push(a);
            }
            true
        }
        None => false,
    }
}

/// `e`'s value when each atom is true (`== nil` for a comparison, the
/// boolean itself otherwise) as `value` says.
fn eval(e: &Expr, src: &str, value: &dyn Fn(&str) -> bool) -> Option<bool> {
    match e.unparen() {
        Expr::Unary(u) if u.op == Token::Not => eval(&u.x, src, value).map(|v| !v),
        Expr::Binary(b) if b.op == Token::Land => {
            Some(eval(&b.x, src, value)? && eval(&b.y, src, value)?)
        }
        Expr::Binary(b) if b.op == Token::Lor => {
            Some(eval(&b.x, src, value)? || eval(&b.y, src, value)?)
        }
        Expr::Binary(b) if matches!(b.op, Token::Eql | Token::Neq) => {
            let v = value(&nil_compared(b, src)?);
            Some(if b.op == Token::Eql { v } else { !v })
        }
        other => Some(value(&atom(other, src)?)),
    }
}
