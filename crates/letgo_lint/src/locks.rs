//! Lock identity from the semantic model, and what each function does
//! with locks.
//!
//! A lock (see [`identity`] for which values are locks) is keyed by the
//! object it is, as the function at hand reaches it:
//! - a package variable: `g<id>`;
//! - the receiver of a method of type `T`: `(r<T's id>)`; a parameter
//!   `i`: `(#i)`;
//! - another local variable: `=<id>` (never seen by a caller);
//! - a field of one of these: the base's key, then `.<id>` per field
//!   (embedded fields crossed included),
//!
//! where `<id>` is the object's identity (where it is declared), so that a
//! field of one struct type is never a same-named field of another.
//!
//! Calls to functions and methods of the package, resolved to their
//! objects by the model, carry keys across: the callee's `(r…)` becomes
//! the caller's receiver expression, `(#i)` the caller's argument `i`.
//! A callee's lock the caller cannot name (the callee's local, a receiver
//! without a key) keeps its class under a key no caller holds (`~…`):
//! it orders locks (LG113) but is never a lock the caller holds (LG111).
//! Calls through function values, interfaces or other packages are kept
//! as [`OtherCall`]s, for the program-wide summaries (`summaries::locks`)
//! to resolve by class.
//!
//! [`LockView`] walks every function once, tracking the locks held on
//! every path (a must-analysis: a lock taken on one branch only is not
//! held after the branch), and records each acquisition with what was
//! held then, each same-package call with what was held then, and what a
//! function leaves locked or unlocks for its caller. An acquisition under
//! `if !locked` (a `bool` parameter) carries that condition, so a call
//! passing the constant `true` is not taken to lock.

mod cond;
pub use cond::cond_field_lock_class;
mod identity;
mod implicit;
pub mod never_done;

use crate::syntax::param_index;
pub use identity::{cond_call, key_of, local_key, lock_call, waitgroup_call};
use identity::{const_bool, receiver_key};
pub(crate) use identity::{lock_class, lock_kind};

use crate::context::PackageContext;
use crate::funcs::FuncKind;
use crate::syntax::never_returns;
use letgo_go::ast::{BlockStmt, CallExpr, Expr, Span, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{ObjId, ObjKind};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncKind {
    Mutex,
    RWMutex,
    WaitGroup,
    Cond,
}

/// A `sync` value reached by an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncValue {
    /// Instance identity (see the module documentation).
    pub key: String,
    /// Type-level identity for the lock-order graph: `T.mu` or the name of
    /// a package variable; `None` for locals and unknown owners.
    pub class: Option<String>,
    pub kind: SyncKind,
    /// As written: `s.mu`.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockOp {
    Lock,
    RLock,
    Unlock,
    RUnlock,
}

impl LockOp {
    pub fn of(method: &str) -> Option<LockOp> {
        Some(match method {
            "Lock" => LockOp::Lock,
            "RLock" => LockOp::RLock,
            "Unlock" => LockOp::Unlock,
            "RUnlock" => LockOp::RUnlock,
            _ => return None,
        })
    }

    pub fn acquires(self) -> bool {
        matches!(self, LockOp::Lock | LockOp::RLock)
    }

    pub fn read(self) -> bool {
        matches!(self, LockOp::RLock | LockOp::RUnlock)
    }
}

/// A callee's key as the caller names it: `(T)` becomes the receiver's
/// key, `(#i)` argument `i`'s; a callee's locals are not the caller's.
pub fn map_key(key: &str, recv: Option<&str>, args: &[Option<String>]) -> Option<String> {
    if key.starts_with('=') {
        return None;
    }
    let Some(rest) = key.strip_prefix('(') else {
        return Some(key.to_string());
    };
    let (head, tail) = rest.split_once(')')?;
    let base = match head.strip_prefix('#') {
        Some(i) => args.get(i.parse::<usize>().ok()?)?.as_deref()?,
        None => recv?,
    };
    Some(format!("{base}{tail}"))
}

// ---- what each function does with locks ----

/// A lock held at some point, and where it was taken.
#[derive(Debug, Clone)]
pub struct Held {
    pub lock: SyncValue,
    pub read: bool,
    pub at: Span,
}

/// A `Lock`/`RLock` and what was held when it ran.
#[derive(Debug, Clone)]
pub struct Acquire {
    pub lock: SyncValue,
    pub read: bool,
    pub span: Span,
    pub held: Vec<Held>,
    /// Reached again around a loop.
    pub again: bool,
    /// The conditions on the function's `bool` parameters it runs under.
    pub guards: Vec<Guard>,
}

/// A condition a statement runs under, on what the caller passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// `bool` parameter `i` is `v` (`if !locked { mu.Lock() }` runs
    /// under `Is(i, false)`).
    Is(usize, bool),
    /// A condition on the options of variadic parameter `i` (`opts :=
    /// getOpts(opt...); if !opts.withAlreadyLocked { mu.Lock() }`):
    /// decided by the options a call passes. A call passing none takes
    /// the default path, which is taken to get there; a call passing
    /// some chose the behaviour, which is out of view.
    Options(usize),
}

/// A call to a same-package function.
#[derive(Debug, Clone)]
pub struct CallSite {
    pub callee: usize,
    pub span: Span,
    pub recv: Option<String>,
    pub args: Vec<Option<String>>,
    /// The arguments that are `bool` constants.
    pub consts: Vec<Option<bool>>,
    /// The last argument is spread (`opt...`).
    pub spread: bool,
    pub held: Vec<Held>,
    /// The conditions on the caller's parameters the call runs under.
    pub guards: Vec<Guard>,
}

impl CallSite {
    pub fn map(&self, key: &str) -> Option<String> {
        map_key(key, self.recv.as_deref(), &self.args)
    }

    /// The callee's conditions in the caller's terms: `None` when a
    /// constant argument makes one false (on this call, the callee does
    /// not get there); a condition on a parameter the caller passes on
    /// becomes one on the caller's; others are unknown and dropped (the
    /// callee may get there).
    pub fn carry(&self, guards: &[Guard]) -> Option<Vec<Guard>> {
        let mut out = self.guards.clone();
        for &g in guards {
            match g {
                Guard::Is(i, want) => {
                    if let Some(c) = self.consts.get(i).copied().flatten() {
                        if c != want {
                            return None;
                        }
                        continue;
                    }
                    if let Some(k) = self.param_arg(i) {
                        out.push(Guard::Is(k, want));
                    }
                }
                // No options passed: the default path.
                Guard::Options(i) if self.args.len() <= i => {}
                Guard::Options(i) => match self.param_arg(i) {
                    Some(k) if self.spread && self.args.len() == i + 1 => {
                        out.push(Guard::Options(k))
                    }
                    _ => return None,
                },
            }
        }
        Some(out)
    }

    /// The caller's parameter passed as argument `i`, if it is one.
    fn param_arg(&self, i: usize) -> Option<usize> {
        self.args.get(i).and_then(|a| a.as_deref()).and_then(|a| {
            a.strip_prefix("(#")?
                .strip_suffix(')')?
                .parse::<usize>()
                .ok()
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct FuncLocks {
    pub acquires: Vec<Acquire>,
    pub calls: Vec<CallSite>,
    /// Keys unlocked while not held here: the caller's locks.
    pub released_first: Vec<String>,
    /// Locks held on every path at the end of the function.
    pub left_held: Vec<Held>,
    /// Keys unlocked by a `defer`, and where.
    pub deferred: Vec<(String, u32)>,
    /// Keys locked again by a `defer`.
    pub deferred_locks: Vec<String>,
    /// Keys released for good: unlocked while not held and not locked
    /// again before returning (the second half of a hand-over).
    pub net_released: Vec<String>,
    /// Simple statements (and conditions) and the locks held there.
    pub held_at: Vec<(Span, Vec<Held>)>,
    /// Keys unlocked while not held on every path after the function
    /// took them itself on some: its own lock, not a hand-over.
    pub own_unheld: Vec<String>,
    /// Every `Unlock`/`RUnlock` the function makes itself, held or not.
    pub unlocks: Vec<(String, Span)>,
    /// Calls this view does not resolve (interface methods, function
    /// values, other packages): the program-wide summaries may.
    pub other_calls: Vec<OtherCall>,
    /// Function literals this function defers (`defer func() { ... }()`):
    /// what they unlock is this function's, not a hand-over.
    pub deferred_lits: Vec<usize>,
}

/// A call the per-package view does not follow, and what was held then.
#[derive(Debug, Clone)]
pub struct OtherCall {
    pub span: Span,
    /// Offset of the call's `(`: the call graph's key for the call.
    pub lparen: u32,
    pub held: Vec<Held>,
}

impl FuncLocks {
    /// The locks held at the innermost recorded statement around `span`.
    pub fn held_around(&self, span: Span) -> &[Held] {
        self.held_at
            .iter()
            .filter(|(s, _)| s.start <= span.start && span.end <= s.end)
            .min_by_key(|(s, _)| s.end - s.start)
            .map_or(&[], |(_, h)| h.as_slice())
    }
}

/// A lock a function takes, itself or through its callees.
#[derive(Debug, Clone)]
pub struct Take {
    pub lock: SyncValue,
    pub read: bool,
    pub file: usize,
    pub span: Span,
    /// The functions from the caller down to the one that locks.
    pub via: Vec<String>,
    /// The conditions on the function's `bool` parameters it takes it
    /// under.
    pub guards: Vec<Guard>,
    /// The caller's locks the chain unlocked before taking it: not held
    /// any more when it is taken.
    pub released_before: Vec<String>,
}

/// The caller's locks function `fl` has unlocked before offset `at`.
pub fn released_by(fl: &FuncLocks, at: u32) -> Vec<String> {
    fl.released_first
        .iter()
        .filter(|k| fl.unlocks.iter().any(|(u, s)| u == *k && s.start < at))
        .cloned()
        .collect()
}

pub struct LockView {
    pub funcs: Vec<FuncLocks>,
    takes: Vec<Vec<Take>>,
    /// Function indices by trace name.
    pub by_name: HashMap<String, usize>,
    /// Function declarations by where their name is declared (the
    /// model's file id and offset): calls resolve to objects, objects to
    /// these.
    pub by_decl: DeclIndex,
}

/// Function declarations of the package by the position of their name.
pub type DeclIndex = HashMap<(u32, u32), usize>;

impl LockView {
    /// Every lock function `fi` may take, mapped to its own keys.
    pub fn takes(&self, fi: usize) -> &[Take] {
        &self.takes[fi]
    }

    /// What a call takes, in the caller's keys.
    pub fn takes_at(&self, site: &CallSite) -> Vec<Take> {
        self.takes[site.callee]
            .iter()
            .filter_map(|t| {
                let key = site
                    .map(&t.lock.key)
                    .unwrap_or_else(|| unmapped(&t.lock.key));
                let guards = site.carry(&t.guards)?;
                let mut t = t.clone();
                t.lock.key = key;
                t.guards = guards;
                t.released_before = t
                    .released_before
                    .iter()
                    .filter_map(|k| site.map(k))
                    .collect();
                Some(t)
            })
            .collect()
    }
}

/// Builds the view for the package; empty when no file mentions `Lock`.
pub fn lock_view(cx: &PackageContext) -> LockView {
    let n = cx.functions().len();
    if !cx.files().any(|(_, f)| f.src.contains("Lock()")) {
        return LockView {
            funcs: vec![FuncLocks::default(); n],
            takes: vec![Vec::new(); n],
            by_name: HashMap::new(),
            by_decl: HashMap::new(),
        };
    }
    let mut b = Builder {
        cx,
        slots: (0..n).map(|_| Slot::Todo).collect(),
        by_name: HashMap::new(),
        by_decl: decl_index(cx),
    };
    for (i, f) in cx.functions().iter().enumerate() {
        b.by_name.insert(f.name.clone(), i);
    }
    for i in 0..n {
        b.compute(i);
    }
    let slots = std::mem::take(&mut b.slots);
    let funcs: Vec<FuncLocks> = slots
        .into_iter()
        .map(|s| match s {
            Slot::Done(f) => *f,
            _ => FuncLocks::default(),
        })
        .collect();
    let takes = all_takes(cx, &funcs);
    LockView {
        funcs,
        takes,
        by_name: b.by_name,
        by_decl: b.by_decl,
    }
}

pub fn decl_index(cx: &PackageContext) -> DeclIndex {
    let mut out = HashMap::new();
    for (i, f) in cx.functions().iter().enumerate() {
        let (FuncKind::Decl(d), Some(view)) = (f.kind, cx.types(f.file)) else {
            continue;
        };
        out.insert((view.file_id().0, d.name.pos), i);
    }
    out
}

const MAX_TAKES: usize = 32;

/// The key of a callee's lock the caller cannot name (a local of the
/// callee, a receiver it has no key for): kept for its class (lock order
/// is by class), under a key that equals no caller's key, so it is never
/// taken for a lock the caller holds.
fn unmapped(key: &str) -> String {
    if key.starts_with('~') {
        key.to_string()
    } else {
        format!("~{key}")
    }
}

fn all_takes(cx: &PackageContext, funcs: &[FuncLocks]) -> Vec<Vec<Take>> {
    let mut memo: Vec<Option<Vec<Take>>> = vec![None; funcs.len()];
    for i in 0..funcs.len() {
        takes_of(cx, funcs, i, &mut memo);
    }
    memo.into_iter().map(Option::unwrap_or_default).collect()
}

fn takes_of(
    cx: &PackageContext,
    funcs: &[FuncLocks],
    i: usize,
    memo: &mut Vec<Option<Vec<Take>>>,
) -> Vec<Take> {
    if let Some(t) = &memo[i] {
        return t.clone();
    }
    memo[i] = Some(Vec::new()); // recursion ends here
    let f = &cx.functions()[i];
    let fl = &funcs[i];
    // A caller's lock taken again after unlocking it counts with what it
    // released (`released_before`): it orders locks after the callee's
    // own, and is never the caller's lock taken twice.
    let mut out: Vec<Take> = fl
        .acquires
        .iter()
        .filter(|a| {
            !fl.released_first.contains(&a.lock.key)
                || released_by(fl, a.span.start).contains(&a.lock.key)
        })
        .map(|a| Take {
            lock: a.lock.clone(),
            read: a.read,
            file: f.file,
            span: a.span,
            via: vec![f.name.clone()],
            guards: a.guards.clone(),
            released_before: released_by(fl, a.span.start),
        })
        .collect();
    for site in &fl.calls {
        for t in takes_of(cx, funcs, site.callee, memo) {
            if out.len() >= MAX_TAKES {
                break;
            }
            let Some(guards) = site.carry(&t.guards) else {
                continue;
            };
            let key = site
                .map(&t.lock.key)
                .unwrap_or_else(|| unmapped(&t.lock.key));
            // One take of a lock is enough unless a later one has fewer
            // conditions.
            let covered = out
                .iter()
                .any(|o| o.lock.key == key && o.guards.iter().all(|g| guards.contains(g)));
            if fl.released_first.contains(&key) || covered {
                continue;
            }
            let mut t = t.clone();
            t.lock.key = key;
            t.guards = guards;
            t.via.insert(0, f.name.clone());
            let mut released: Vec<String> = t
                .released_before
                .iter()
                .filter_map(|k| site.map(k))
                .collect();
            released.extend(released_by(fl, site.span.start));
            t.released_before = released;
            out.push(t);
        }
    }
    memo[i] = Some(out.clone());
    out
}

enum Slot {
    Todo,
    Busy,
    Done(Box<FuncLocks>),
}

struct Builder<'c, 'a> {
    cx: &'c PackageContext<'a>,
    slots: Vec<Slot>,
    by_name: HashMap<String, usize>,
    by_decl: DeclIndex,
}

/// What a call leaves behind: locks it leaves held, keys it unlocks.
type NetEffect = (Vec<Held>, Vec<String>);

impl Builder<'_, '_> {
    fn compute(&mut self, i: usize) {
        if !matches!(self.slots[i], Slot::Todo) {
            return;
        }
        self.slots[i] = Slot::Busy;
        let f = &self.cx.functions()[i];
        let mut w = Walker {
            b: self,
            fi: i,
            out: FuncLocks::default(),
            exits: Vec::new(),
            continues: Vec::new(),
            rewalks: 0,
            guards: Vec::new(),
            exit_guards: Vec::new(),
            deferred_lits: Vec::new(),
            in_defer: false,
        };
        if let Some(end) = w.list(&f.body.list, Vec::new()) {
            w.exits.push(end);
        }
        let mut left = meet_all(std::mem::take(&mut w.exits)).unwrap_or_default();
        w.run_deferred_lits(&left);
        left.retain(|h| !w.out.deferred.iter().any(|(k, _)| *k == h.lock.key));
        w.out.left_held = left;
        let mut done = w.out;
        done.net_released = done
            .released_first
            .iter()
            .filter(|k| {
                !done.left_held.iter().any(|h| h.lock.key == **k)
                    && !done.deferred_locks.contains(k)
                    && !done.own_unheld.contains(k)
            })
            .cloned()
            .collect();
        self.slots[i] = Slot::Done(Box::new(done));
    }

    fn net(&mut self, callee: usize) -> NetEffect {
        self.compute(callee);
        match &self.slots[callee] {
            Slot::Done(f) => (f.left_held.clone(), f.net_released.clone()),
            _ => (Vec::new(), Vec::new()),
        }
    }

    fn callee(&self, fi: usize, call: &CallExpr) -> Option<CallSite> {
        resolve_call(self.cx, &self.by_decl, fi, call)
    }
}

/// The same-package function or method a call reaches (its object, by
/// the model), with the keys of its receiver and arguments.
pub fn resolve_call(
    cx: &PackageContext,
    by_decl: &DeclIndex,
    fi: usize,
    call: &CallExpr,
) -> Option<CallSite> {
    let view = cx.types(cx.functions()[fi].file)?;
    let m = view.model();
    let (callee, o) = callee_of(&view, by_decl, call)?;
    // Without a key for the receiver, the callee's own locks are out of
    // view, but what it does to package variables is not.
    let recv = match call.fun.unparen() {
        Expr::Selector(sel) if m.obj(o).kind == ObjKind::Method => {
            receiver_key(cx, fi, &view, &sel.x, o)
        }
        _ => None,
    };
    let args = call
        .args
        .iter()
        .map(|a| key_of(cx, fi, &view, a).map(|(k, _)| k))
        .collect();
    let consts = call.args.iter().map(|a| const_bool(&view, a)).collect();
    Some(CallSite {
        callee,
        span: Span::new(call.pos(), call.end()),
        recv,
        args,
        consts,
        spread: call.ellipsis.is_some(),
        held: Vec::new(),
        guards: Vec::new(),
    })
}

/// The same-package function or method `call` calls (its index in the
/// package's functions) and its object: the part of [`resolve_call`] that
/// can fail, for views that need only the callee.
pub(crate) fn callee_of(
    view: &letgo_types::FileView,
    by_decl: &DeclIndex,
    call: &CallExpr,
) -> Option<(usize, ObjId)> {
    let m = view.model();
    let o = view.object_of_expr(&call.fun)?;
    if !matches!(m.obj(o).kind, ObjKind::Func | ObjKind::Method) {
        return None;
    }
    let (file, off) = m.obj(o).pos?;
    Some((*by_decl.get(&(file.0, off))?, o))
}

/// The same-package `String`/`Error` methods a `fmt` or `log` call runs
/// on its operands (see [`implicit`]), as call sites on the operands.
fn implicit_calls(
    cx: &PackageContext,
    by_decl: &DeclIndex,
    fi: usize,
    call: &CallExpr,
) -> Vec<CallSite> {
    let Some(view) = cx.types(cx.functions()[fi].file) else {
        return Vec::new();
    };
    let m = view.model();
    let src = &cx.file(cx.functions()[fi].file).src;
    let mut out = Vec::new();
    for (meth, x) in implicit::stringer_calls(&view, src, call) {
        let Some((file, off)) = m.obj(meth).pos else {
            continue;
        };
        let Some(&callee) = by_decl.get(&(file.0, off)) else {
            continue;
        };
        out.push(CallSite {
            callee,
            span: Span::new(call.pos(), call.end()),
            recv: receiver_key(cx, fi, &view, x, meth),
            args: Vec::new(),
            consts: Vec::new(),
            spread: false,
            held: Vec::new(),
            guards: Vec::new(),
        });
    }
    out
}

/// The locks held on every one of these paths (`None`: no path).
fn meet_all(states: Vec<Vec<Held>>) -> Option<Vec<Held>> {
    let mut it = states.into_iter();
    let mut acc = it.next()?;
    for s in it {
        acc.retain(|h| s.iter().any(|o| o.lock.key == h.lock.key));
    }
    Some(acc)
}

fn meet(a: Option<Vec<Held>>, b: Option<Vec<Held>>) -> Option<Vec<Held>> {
    meet_all(a.into_iter().chain(b).collect())
}

struct Walker<'w, 'c, 'a> {
    b: &'w mut Builder<'c, 'a>,
    fi: usize,
    out: FuncLocks,
    exits: Vec<Vec<Held>>,
    /// The `continue` states of each enclosing loop.
    continues: Vec<Vec<Vec<Held>>>,
    rewalks: usize,
    /// The conditions on `bool` parameters the statement at hand runs
    /// under.
    guards: Vec<Guard>,
    /// Set by `if locked { return }`: what holds after it, for the rest
    /// of the statement list.
    exit_guards: Vec<Guard>,
    /// `defer func() { ... }()`: the literal, and how many deferred
    /// unlocks were registered before it (those registered after it run
    /// before it).
    deferred_lits: Vec<(usize, usize)>,
    /// Walking a deferred literal's calls at the function's exit: its
    /// locks and calls are recorded, its unlocks are already known.
    in_defer: bool,
}

/// Second passes over loop bodies, per function.
const MAX_REWALKS: usize = 16;

type State = Option<Vec<Held>>;

impl Walker<'_, '_, '_> {
    fn src(&self) -> &str {
        let cx = self.b.cx;
        &cx.file(cx.functions()[self.fi].file).src
    }

    fn list(&mut self, stmts: &[Stmt], held: Vec<Held>) -> State {
        let n = self.guards.len();
        let end = self.list_steps(stmts, held);
        self.guards.truncate(n);
        end
    }

    fn list_steps(&mut self, stmts: &[Stmt], mut held: Vec<Held>) -> State {
        for s in stmts {
            self.exit_guards.clear();
            held = self.stmt(s, held)?;
            let after = std::mem::take(&mut self.exit_guards);
            self.guards.extend(after);
        }
        Some(held)
    }

    /// The conditions on this function's parameters that hold in the
    /// branches of `if cond`: `locked`, `!locked`, the operands of `&&`
    /// (then-branch only) and of `||` (else-branch only); a condition on
    /// the variadic options holds in both.
    fn guards_of(&self, cond: &Expr) -> (Vec<Guard>, Vec<Guard>) {
        if let Some((i, v)) = self.bool_param(cond) {
            return (vec![Guard::Is(i, v)], vec![Guard::Is(i, !v)]);
        }
        if let Some(i) = self.options_in(cond) {
            return (vec![Guard::Options(i)], vec![Guard::Options(i)]);
        }
        match cond.unparen() {
            Expr::Binary(b) if b.op == Token::Land => {
                let mut then = self.guards_of(&b.x).0;
                then.extend(self.guards_of(&b.y).0);
                (then, Vec::new())
            }
            // `if !create || err != nil { return }`: past it, every
            // operand is false (create holds).
            Expr::Binary(b) if b.op == Token::Lor => {
                let mut els = self.guards_of(&b.x).1;
                els.extend(self.guards_of(&b.y).1);
                (Vec::new(), els)
            }
            _ => (Vec::new(), Vec::new()),
        }
    }

    /// `(i, v)` when `x` is `bool` parameter `i` (`v` true) or its
    /// negation.
    fn bool_param(&self, x: &Expr) -> Option<(usize, bool)> {
        match x.unparen() {
            Expr::Unary(u) if u.op == Token::Not => self.bool_param(&u.x).map(|(i, v)| (i, !v)),
            Expr::Ident(id) => {
                let cx = self.b.cx;
                let f = &cx.functions()[self.fi];
                let view = cx.types(f.file)?;
                let (_, off) = view.model().obj(view.object_of(id)?).pos?;
                // The function's own parameter, not one of an enclosing
                // function's (a closure is never a callee).
                Some((param_index(&f.typ.params, off)?, true))
            }
            _ => None,
        }
    }

    /// The index of the function's variadic parameter when `cond` reads
    /// it, or a local made from it (`opts := getOpts(opt...)`).
    fn options_in(&self, cond: &Expr) -> Option<usize> {
        let cx = self.b.cx;
        let f = &cx.functions()[self.fi];
        let view = cx.types(f.file)?;
        let (i, param) = crate::syntax::variadic_param(&view, f.typ)?;
        let made_from = |o: letgo_types::model::ObjId| {
            o == param || crate::syntax::defined_from(&view, f.body, o, param)
        };
        let mut found = false;
        inspect(Node::Expr(cond), &mut |n| {
            if let Node::Ident(id) = n {
                found |= view.object_of(id).is_some_and(made_from);
            }
            !found
        });
        found.then_some(i)
    }

    fn stmt(&mut self, s: &Stmt, held: Vec<Held>) -> State {
        match s {
            Stmt::Return(r) => {
                let held = self.exprs(r.results.iter(), held, Span::new(r.pos, s.end()));
                self.exits.push(held);
                None
            }
            Stmt::Branch(b) if b.tok == Token::Fallthrough => Some(held),
            Stmt::Branch(b) => {
                if b.tok == Token::Continue && b.label.is_none() {
                    if let Some(c) = self.continues.last_mut() {
                        c.push(held);
                    }
                }
                None
            }
            Stmt::Block(b) => self.list(&b.list, held),
            Stmt::Labeled(l) => self.stmt(&l.stmt, held),
            Stmt::If(i) => {
                let held = self.opt(i.init.as_ref(), held)?;
                let held = self.exprs(std::iter::once(&i.cond), held, i.cond.span());
                let (then_g, else_g) = self.guards_of(&i.cond);
                let n = self.guards.len();
                self.guards.extend(then_g);
                let then = self.list(&i.body.list, held.clone());
                self.guards.truncate(n);
                self.guards.extend(else_g.iter().copied());
                let els = match &i.els {
                    Some(e) => self.stmt(e, held),
                    None => Some(held),
                };
                self.guards.truncate(n);
                if then.is_none() && i.els.is_none() {
                    self.exit_guards = else_g;
                }
                meet(then, els)
            }
            Stmt::For(f) => {
                let held = self.opt(f.init.as_ref(), held)?;
                // The condition runs with what the loop entry holds.
                let held = match &f.cond {
                    Some(c) => self.exprs(std::iter::once(c), held, c.span()),
                    None => held,
                };
                self.loop_body(&f.body, f.post.as_ref(), held)
            }
            Stmt::Range(r) => {
                let held = self.exprs(std::iter::once(&r.x), held, r.x.span());
                self.loop_body(&r.body, None, held)
            }
            Stmt::Switch(sw) => {
                let held = self.opt(sw.init.as_ref(), held)?;
                let held = self.exprs(sw.tag.iter(), held, s.span());
                let default = sw.body.clauses.iter().any(|c| c.is_default());
                self.clauses(sw.body.clauses.iter().map(|c| &c.body[..]), held, default)
            }
            Stmt::TypeSwitch(sw) => {
                let held = self.opt(sw.init.as_ref(), held)?;
                let default = sw.body.clauses.iter().any(|c| c.is_default());
                self.clauses(sw.body.clauses.iter().map(|c| &c.body[..]), held, default)
            }
            Stmt::Select(sel) => {
                let mut outs = Vec::new();
                for c in &sel.body.clauses {
                    let Some(h) = self.opt(c.comm.as_ref(), held.clone()) else {
                        continue;
                    };
                    outs.extend(self.list(&c.body, h));
                }
                meet_all(outs)
            }
            Stmt::Go(g) => Some(self.handed_to_goroutine(&g.call, held)),
            Stmt::Defer(d) => {
                self.defer(&d.call);
                Some(held)
            }
            Stmt::Expr(x) if matches!(x.unparen(), Expr::Call(c) if never_returns(c, self.src())) => {
                None
            }
            _ => Some(self.simple(s, held)),
        }
    }

    fn opt(&mut self, s: Option<&Stmt>, held: Vec<Held>) -> State {
        match s {
            Some(s) => self.stmt(s, held),
            None => Some(held),
        }
    }

    fn clauses<'s>(
        &mut self,
        bodies: impl Iterator<Item = &'s [Stmt]>,
        held: Vec<Held>,
        default: bool,
    ) -> State {
        let mut outs: Vec<Vec<Held>> = Vec::new();
        for body in bodies {
            outs.extend(self.list(body, held.clone()));
        }
        if !default {
            outs.push(held);
        }
        meet_all(outs)
    }

    /// The body once from the entry state, and again when a path around
    /// the loop arrives holding more; after the loop, what both hold.
    fn loop_body(&mut self, body: &BlockStmt, post: Option<&Stmt>, entry: Vec<Held>) -> State {
        let (end, continues) = self.one_pass(body, post, entry.clone());
        let mut backs: Vec<Vec<Held>> = continues;
        backs.extend(end.clone());
        for back in backs {
            let more: Vec<String> = back
                .iter()
                .filter(|h| !entry.iter().any(|x| x.lock.key == h.lock.key))
                .map(|h| h.lock.key.clone())
                .collect();
            if more.is_empty() || self.rewalks >= MAX_REWALKS {
                continue;
            }
            self.rewalks += 1;
            let from = self.out.acquires.len();
            drop(self.one_pass(body, post, back));
            let mut fresh = self.out.acquires.split_off(from);
            fresh.retain(|a| a.held.iter().any(|h| more.contains(&h.lock.key)));
            for a in &mut fresh {
                a.again = true;
            }
            self.out.acquires.extend(fresh);
        }
        meet(Some(entry), end)
    }

    /// One pass over a loop body: the state at its end (after `post`) and
    /// the states of its `continue` statements.
    fn one_pass(
        &mut self,
        body: &BlockStmt,
        post: Option<&Stmt>,
        entry: Vec<Held>,
    ) -> (State, Vec<Vec<Held>>) {
        self.continues.push(Vec::new());
        let end = self.list(&body.list, entry);
        let continues = self.continues.pop().unwrap_or_default();
        let end = match (end, post) {
            (Some(e), Some(p)) => self.stmt(p, e),
            (e, _) => e,
        };
        (end, continues)
    }

    /// The calls of each deferred function literal, run at the exit with
    /// what every path holds there (less what later defers unlock): a
    /// lock they take is taken while those are held.
    fn run_deferred_lits(&mut self, exit: &[Held]) {
        let cx = self.b.cx;
        self.in_defer = true;
        for (li, n) in std::mem::take(&mut self.deferred_lits).into_iter().rev() {
            let later: Vec<String> = self.out.deferred[n..]
                .iter()
                .map(|(k, _)| k.clone())
                .collect();
            let mut held = exit.to_vec();
            held.retain(|h| !later.contains(&h.lock.key));
            // Statement by statement, as the function's own body (a `go`
            // in it runs elsewhere; its `return`s end only the literal).
            let (exits, n_held) = (self.exits.len(), self.out.held_at.len());
            let body = &cx.functions()[li].body;
            let end = self.list(&body.list, held.clone());
            let ends: Vec<Vec<Held>> = self.exits.drain(exits..).chain(end).collect();
            self.out.held_at.truncate(n_held);
            // What no way through the literal still holds, it released:
            // by an unlock of its own or through a callee that unlocks
            // (`defer func() { if s == nil { c.start() } else { c.unguard(s) } }()`).
            let released = held
                .iter()
                .filter(|h| {
                    ends.iter()
                        .all(|e| !e.iter().any(|o| o.lock.key == h.lock.key))
                })
                .map(|h| (h.lock.key.clone(), body.lbrace))
                .collect::<Vec<_>>();
            if !ends.is_empty() {
                self.out.deferred.extend(released);
            }
        }
        self.in_defer = false;
    }

    /// `go func() { defer mu.Unlock(); ... }()`: a lock the started
    /// literal releases without taking it is the goroutine's from the `go` on (an iterator
    /// that holds a read lock while it feeds a channel, and drops it when
    /// done): the function returns without holding it, and what it does
    /// next is not under it.
    fn handed_to_goroutine(&mut self, call: &CallExpr, mut held: Vec<Held>) -> Vec<Held> {
        let cx = self.b.cx;
        let Expr::FuncLit(lit) = call.fun.unparen() else {
            return held;
        };
        let Some(li) = crate::funcs::lit_index(cx.functions(), lit) else {
            return held;
        };
        // Released and never taken there: a goroutine that locks and
        // unlocks on its own waits for the lock like anyone else.
        let (mut released, mut taken) = (Vec::new(), Vec::new());
        inspect(Node::Block(&lit.body), &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Call(c) => {
                if let Some((op, v)) = lock_call(cx, li, c) {
                    match op.acquires() {
                        true => taken.push(v.key),
                        false => released.push(v.key),
                    }
                }
                true
            }
            _ => true,
        });
        held.retain(|h| !released.contains(&h.lock.key) || taken.contains(&h.lock.key));
        held
    }

    fn defer(&mut self, call: &CallExpr) {
        let fi = self.fi;
        let cx = self.b.cx;
        if let Expr::FuncLit(lit) = call.fun.unparen() {
            let li = crate::funcs::lit_index(cx.functions(), lit);
            if let Some(li) = li.filter(|_| call.args.is_empty()) {
                self.deferred_lits.push((li, self.out.deferred.len()));
                self.out.deferred_lits.push(li);
            }
        }
        let (mut keys, mut locks) = (Vec::new(), Vec::new());
        inspect(Node::Call(call), &mut |n| {
            if let Node::Call(c) = n {
                match lock_call(cx, fi, c) {
                    Some((op, v)) if op.acquires() => locks.push(v.key),
                    Some((_, v)) => keys.push(v.key),
                    None => {}
                }
            }
            true
        });
        self.out.deferred_locks.extend(locks);
        if let Some(site) = self.b.callee(fi, call) {
            let (_, released) = self.b.net(site.callee);
            keys.extend(released.iter().filter_map(|k| site.map(k)));
        }
        let at = call.pos();
        self.out.deferred.extend(keys.into_iter().map(|k| (k, at)));
    }

    fn exprs<'e>(
        &mut self,
        xs: impl Iterator<Item = &'e Expr>,
        mut held: Vec<Held>,
        span: Span,
    ) -> Vec<Held> {
        if !held.is_empty() {
            self.out.held_at.push((span, held.clone()));
        }
        for x in xs {
            held = self.calls(Node::expr(x), held);
        }
        held
    }

    fn simple(&mut self, s: &Stmt, held: Vec<Held>) -> Vec<Held> {
        if !held.is_empty() {
            self.out.held_at.push((s.span(), held.clone()));
        }
        self.calls(Node::stmt(s), held)
    }

    /// Applies the calls in `node` (not in its function literals).
    fn calls(&mut self, node: Node, mut held: Vec<Held>) -> Vec<Held> {
        let mut found: Vec<&CallExpr> = Vec::new();
        inspect(node, &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Call(c) => {
                found.push(c);
                true
            }
            _ => true,
        });
        // Arguments run before the call that takes them.
        found.reverse();
        for c in found {
            held = self.call(c, held);
        }
        held
    }

    /// An unlock of `key` while it is not held on every path. When the
    /// function took `key` itself earlier, the lock released is its own,
    /// held on some paths (after a loop that `continue`s with it), and
    /// not a caller's handed over.
    fn release_unheld(&mut self, key: String) {
        if self.out.acquires.iter().any(|a| a.lock.key == key)
            && !self.out.own_unheld.contains(&key)
        {
            self.out.own_unheld.push(key.clone());
        }
        if !self.out.released_first.contains(&key) {
            self.out.released_first.push(key);
        }
    }

    fn call(&mut self, c: &CallExpr, mut held: Vec<Held>) -> Vec<Held> {
        let (fi, cx) = (self.fi, self.b.cx);
        let span = Span::new(c.pos(), c.end());
        if let Some((op, lock)) = lock_call(cx, fi, c) {
            if op.acquires() {
                self.out.acquires.push(Acquire {
                    lock: lock.clone(),
                    read: op.read(),
                    span,
                    held: held.clone(),
                    again: false,
                    guards: self.guards.clone(),
                });
                held.push(Held {
                    lock,
                    read: op.read(),
                    at: span,
                });
            } else if self.in_defer {
                // Already counted by `defer` (`deferred`).
                held.retain(|h| h.lock.key != lock.key);
            } else {
                self.out.unlocks.push((lock.key.clone(), span));
                if let Some(i) = held.iter().rposition(|h| h.lock.key == lock.key) {
                    held.remove(i);
                } else {
                    self.release_unheld(lock.key);
                }
            }
            return held;
        }
        let Some(site) = self.b.callee(fi, c) else {
            self.out.other_calls.push(OtherCall {
                span,
                lparen: c.lparen,
                held: held.clone(),
            });
            // `fmt` calls the operands' `String` methods for the caller.
            for site in implicit_calls(cx, &self.b.by_decl, fi, c) {
                held = self.apply(site, held, span);
            }
            return held;
        };
        self.apply(site, held, span)
    }

    /// A same-package call's effect on the locks held: what it releases
    /// and what it leaves held; recorded for the callers' questions.
    fn apply(&mut self, mut site: CallSite, mut held: Vec<Held>, span: Span) -> Vec<Held> {
        let (left, released) = self.b.net(site.callee);
        site.held = held.clone();
        site.guards = self.guards.clone();
        for k in released.iter().filter_map(|k| site.map(k)) {
            if self.in_defer {
                held.retain(|h| h.lock.key != k);
                continue;
            }
            self.out.unlocks.push((k.clone(), span));
            match held.iter().position(|h| h.lock.key == k) {
                Some(i) => {
                    held.remove(i);
                }
                None => self.release_unheld(k),
            }
        }
        for h in left {
            // A callee that unlocks the caller's lock and locks it again
            // leaves it held once, not twice.
            if let Some(key) = site
                .map(&h.lock.key)
                .filter(|k| !held.iter().any(|x| x.lock.key == *k))
            {
                let mut lock = h.lock;
                lock.key = key;
                held.push(Held {
                    lock,
                    read: h.read,
                    at: span,
                });
            }
        }
        self.out.calls.push(site);
        held
    }
}

// ---- a lock taken while it is already held ----

/// A lock taken again while held: directly, around a loop, or by a
/// same-package call.
#[derive(Debug, Clone)]
pub struct Relock {
    pub func: usize,
    /// The first acquisition, still held.
    pub first: Held,
    /// Where the function takes it again: the `Lock` or the call.
    pub at: Span,
    pub read: bool,
    /// For a call: the functions down to the one that locks, and where.
    pub via: Vec<String>,
    pub inner: Option<(usize, Span)>,
    pub around_loop: bool,
}

/// Every lock taken again while held, in every function of the package.
pub fn relocks(cx: &PackageContext, view: &LockView) -> Vec<Relock> {
    let handed = handed_over(cx, view);
    let mut out = Vec::new();
    for (fi, fl) in view.funcs.iter().enumerate() {
        for a in &fl.acquires {
            // Around a loop, a local may name a new value each time.
            if a.again && a.lock.key.starts_with('=') || is_element(&a.lock.key) {
                continue;
            }
            if let Some(h) = a.held.iter().find(|h| h.lock.key == a.lock.key) {
                out.push(Relock {
                    func: fi,
                    first: h.clone(),
                    at: a.span,
                    read: a.read,
                    via: Vec::new(),
                    inner: None,
                    around_loop: a.again,
                });
            }
        }
        for site in &fl.calls {
            for t in view.takes_at(site) {
                let held = site
                    .held
                    .iter()
                    .filter(|h| !t.released_before.contains(&h.lock.key));
                if is_element(&t.lock.key) {
                    continue;
                }
                if let Some(h) = held.clone().find(|h| h.lock.key == t.lock.key) {
                    out.push(Relock {
                        func: fi,
                        first: h.clone(),
                        at: site.span,
                        read: t.read,
                        via: t.via.clone(),
                        inner: Some((t.file, t.span)),
                        around_loop: false,
                    });
                }
            }
        }
    }
    out.retain(|r| {
        let k = &r.first.lock.key;
        !handed.contains(&(root(cx, r.func), k.clone()))
            && !handed.contains(&(usize::MAX, k.clone()))
    });
    out.sort_by_key(|r| (r.func, r.at.start));
    out.dedup_by_key(|r| (r.func, r.at.start));
    out
}

/// Other places in the package that take the lock `key` (in function
/// `fi`'s terms) for writing (`writers`) or at all: its acquisitions in
/// other functions under the same key — a receiver's field in methods of
/// one type, a package variable — at most `max`, in package order. A
/// local's or parameter's key means nothing outside its function: none.
pub fn other_takers(
    view: &LockView,
    fi: usize,
    key: &str,
    writers: bool,
    max: usize,
) -> Vec<(usize, Span)> {
    if !(key.starts_with("(r") || key.starts_with('g')) || is_element(key) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (gi, fl) in view.funcs.iter().enumerate() {
        if gi == fi {
            continue;
        }
        if let Some(a) = fl
            .acquires
            .iter()
            .find(|a| a.lock.key == key && !(writers && a.read))
        {
            out.push((gi, a.span));
            if out.len() >= max {
                break;
            }
        }
    }
    out
}

/// An element of a map, slice or array of locks (`x.locks[k]`): which
/// one is out of view, so two of them are never known to be one lock.
pub fn is_element(key: &str) -> bool {
    key.contains("[]")
}

/// The declaration a function is in (itself, for a declaration).
pub fn root(cx: &PackageContext, mut fi: usize) -> usize {
    while let Some(p) = cx.functions()[fi].parent {
        fi = p;
    }
    fi
}

/// Locks some function releases for good without taking them: used as a
/// signal between goroutines or handed from one method to another, so a
/// second `Lock` may be meant to wait. Local keys count within one
/// declaration and its closures; `usize::MAX` stands for the package.
pub fn handed_over(cx: &PackageContext, view: &LockView) -> Vec<(usize, String)> {
    let deferred: std::collections::HashSet<usize> = view
        .funcs
        .iter()
        .flat_map(|f| f.deferred_lits.iter().copied())
        .collect();
    let mut out = Vec::new();
    for (fi, fl) in view.funcs.iter().enumerate() {
        if deferred.contains(&fi) {
            continue;
        }
        for k in &fl.net_released {
            out.push((root(cx, fi), k.clone()));
            if !k.starts_with('=') && !k.starts_with("(#") {
                out.push((usize::MAX, k.clone()));
            }
        }
    }
    out
}

/// `line N` in the same file, `name.go:N` in another.
pub fn place(cx: &PackageContext, from_file: usize, file: usize, offset: u32) -> String {
    let sf = cx.file(file);
    let (line, _) = sf.line_col(offset);
    if file == from_file {
        return format!("line {line}");
    }
    let name = sf
        .path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    format!("{name}:{line}")
}

/// A function's trace name without its package: `(*T).flush`.
pub fn short_name<'n>(cx: &PackageContext, name: &'n str) -> &'n str {
    let pkg = cx.trace_package();
    name.strip_prefix(pkg.as_str())
        .and_then(|n| n.strip_prefix('.'))
        .unwrap_or(name)
}

impl Relock {
    /// How the second acquisition happens, for a message: `locked again
    /// at line 12` or `the call at line 12 locks it again ((*T).flush at
    /// line 30)`.
    pub fn second(&self, cx: &PackageContext) -> String {
        let file = cx.functions()[self.func].file;
        let (done, does) = if self.read {
            ("read-locked", "read-locks")
        } else {
            ("locked", "locks")
        };
        match self.inner {
            None if self.around_loop => format!(
                "{done} again at {} on the next pass of the loop",
                place(cx, file, file, self.at.start)
            ),
            None => format!("{done} again at {}", place(cx, file, file, self.at.start)),
            Some((f, span)) => {
                let chain: Vec<&str> = self.via.iter().map(|n| short_name(cx, n)).collect();
                format!(
                    "the call at {} {does} it again ({} at {})",
                    place(cx, file, file, self.at.start),
                    chain.join(" → "),
                    place(cx, file, f, span.start)
                )
            }
        }
    }
}

/// Whether some same-package caller of `fi` unlocks the lock `key` (in
/// `fi`'s terms) that `fi` returns holding: after the call, or in a
/// `defer`. Such a function takes the lock for its callers.
pub fn released_by_callers(view: &LockView, fi: usize, key: &str) -> bool {
    view.funcs.iter().any(|fl| {
        fl.calls.iter().filter(|s| s.callee == fi).any(|site| {
            let Some(k) = site.map(key) else {
                return false;
            };
            fl.unlocks
                .iter()
                .any(|(u, at)| *u == k && at.start >= site.span.end)
                || fl.deferred.iter().any(|(u, _)| *u == k)
        })
    })
}
