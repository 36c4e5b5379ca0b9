//! The channel view: for each channel whose every use can be seen, the
//! operations on it (send, receive, close, range), where they run (the
//! goroutine that performs them), whether they can block, and how the
//! channel was made. The goroutine rules (LG101–LG104, LG107) judge
//! channels from this view only; a channel that leaves it is not judged.
//!
//! Channels are program objects from the semantic model, never
//! spellings: a use is an identifier or selector that resolves to the
//! channel's object. Three kinds of channel are in view:
//! - a local made in a function (`ch := make(chan T)`, by the call's
//!   type), followed into the function literals that capture it and the
//!   same-package functions it is handed to (the callee found by its
//!   object; there the channel is the parameter's object);
//! - an unexported channel field of one struct type of the package, as one
//!   package-level object (every `x.field` that selects that very field,
//!   and calls to small accessor methods that just return it): a field of
//!   the same name in another type is another channel;
//! - an unexported package-level channel variable.
//!
//! In a package nobody can import (a command, or a folder of `_test.go`
//! files only) an exported field is in view as well: only the package's
//! own code can reach it. There, functions that can never run (nothing
//! names them: `never_run`) are not walked for fields and package
//! variables: their operations never happen.
//!
//! A local declared as a copy of one of these (`ch := s.ch`, `var ch =
//! s.ch`) is another name of the same channel in its function, not an
//! escape: what the copy does is judged as the channel's own use.
//!
//! A file the model did not check (excluded by its build context, or the
//! model could not be built) is out of view: its channels are not judged.
//!
//! A call the walk does not enter — a function of another package of the
//! module, an interface method, a function value, a callee deeper than
//! four calls — is read through the run's channel summaries
//! (`summaries::channels`): the callees' operations on the parameter the
//! channel is bound to join the channel's, placed where they are written
//! when that is in this package, else at the call (`Op::through_call`).
//! A call with no callee in view, or a callee that lets the parameter
//! escape, still ends all judgement.
//!
//! A local channel the maker returns, and lets go nowhere else, is in view
//! for a caller that throws the result away (`Channel::discarded_at`):
//! for that call, nobody else can ever receive from it or send to it.
//!
//! Leaving the view ("escaping") is recorded, not hidden: a channel
//! returned or exposed receive-only (`<-chan T`) keeps every send and close
//! in view, so rules about missing senders may still judge it; any other
//! escape (stored, sent, passed to another package) ends all judgement.

use crate::context::PackageContext;
use crate::funcs::{Func, FuncKind};
use letgo_go::ast::{
    BlockStmt, CallExpr, ChanDir, CommClause, Decl, Expr, FieldList, FuncLit, FuncType, Ident,
    Span, Spec, Stmt, ValueSpec,
};
use letgo_go::load::SourceFile;
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{Builtin, ObjKind};
use letgo_types::types::{Type, TypeId};
use letgo_types::{FileView, Model};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpKind {
    Send,
    Recv,
    Close,
    Range,
}

/// How much a channel can hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capacity {
    Unbuffered,
    Const(u64),
    /// `len(x)`: the text of `x`.
    Len(String),
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Escape {
    None,
    /// Others can only receive: every send and close is in view.
    ReceiveOnly,
    Full,
}

/// The `select` an operation is a case of.
#[derive(Debug, Clone, Copy)]
pub struct SelectCase {
    pub select_pos: u32,
    pub has_default: bool,
    /// Cases other than this one and `default`.
    pub other_cases: usize,
}

#[derive(Debug, Clone)]
pub struct Op {
    pub kind: OpKind,
    pub file: usize,
    pub span: Span,
    /// The `go` statement that started the goroutine running this
    /// operation, or `None` in the flow of the function that made the
    /// channel (or of the package-level code, for fields).
    pub goroutine: Option<u32>,
    pub select: Option<SelectCase>,
    pub in_loop: bool,
    /// The trace name of the function the operation is written in.
    pub function: String,
    /// Known from a callee's summary, written outside this package: the
    /// span is the call that hands the channel over.
    pub through_call: bool,
    /// May run more than once per run of its goroutine: in a loop, in a
    /// callee called in a loop, or known from a summary (which does not
    /// count).
    pub repeats: bool,
}

impl Op {
    /// Blocks until a partner arrives: not a `select` case with another
    /// way out.
    pub fn blocking(&self) -> bool {
        self.select
            .is_none_or(|s| !s.has_default && s.other_cases == 0)
    }

    /// The function the operation is written in (its trace name in its
    /// file: two files can hold functions of one name).
    pub fn func<'a, 'b>(&self, cx: &'b PackageContext<'a>) -> Option<&'b Func<'a>> {
        cx.functions()
            .iter()
            .find(|f| f.name == self.function && f.file == self.file)
    }
}

/// A `go` statement that starts a goroutine using the channel.
#[derive(Debug, Clone)]
pub struct Spawn {
    pub pos: u32,
    pub file: usize,
    /// The trace name of the function with the `go` statement.
    pub function: String,
    pub in_loop: bool,
    /// For `for _, x := range xs { go ... }`: the text of `xs`.
    pub range_over: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelKind {
    Local,
    Field,
    Global,
}

/// Where a local channel was made.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: usize,
    /// The `make(...)` call.
    pub make: Span,
    /// The channel type's text, as `make` was given it (`chan T`).
    pub typ: String,
    /// The function that made it (trace name).
    pub function: String,
}

impl Origin {
    /// The function whose body holds the `make`: its trace name in the
    /// file the `make` is in. Two files of a package can hold functions of
    /// one trace name (`init`, closures of `init`), so the name alone is
    /// not enough.
    pub fn maker<'a, 'b>(&self, cx: &'b PackageContext<'a>) -> Option<&'b Func<'a>> {
        cx.functions()
            .iter()
            .find(|f| f.name == self.function && f.file == self.file)
    }
}

#[derive(Debug, Clone)]
pub struct Channel {
    /// As users write it: `ch`, `s.stopCh` (field), `jobs` (global).
    pub name: String,
    pub kind: ChannelKind,
    pub capacity: Capacity,
    pub origin: Option<Origin>,
    pub ops: Vec<Op>,
    pub spawns: Vec<Spawn>,
    pub escape: Escape,
    /// For a local or package variable: its object's identity.
    pub var: Option<Identity>,
    /// A callee was handed the channel more than once (walked once): its
    /// operations may run more often than they are listed.
    pub refollowed: bool,
    /// For a local channel its maker returns (and lets go nowhere else):
    /// a call of the maker in this package that throws the result away
    /// (file, offset of the call). For that call every operation on the
    /// channel is in view.
    pub discarded_at: Option<(usize, u32)>,
}

/// A channel variable as rules look for it in code: an identifier that
/// resolves to the variable's object, not any identifier spelled alike.
#[derive(Clone, Copy)]
pub struct VarRef<'s> {
    pub name: &'s str,
    pub src: &'s str,
    id: Option<Identity>,
    view: Option<FileView<'s>>,
}

impl VarRef<'_> {
    /// `x` is the variable.
    pub fn is(&self, x: &Expr) -> bool {
        matches!(x.unparen(), Expr::Ident(i) if self.is_ident(i))
    }

    pub fn is_ident(&self, i: &Ident) -> bool {
        match (self.id, &self.view) {
            (Some(id), Some(v)) => ident_is(v, i, self.name, self.src, id),
            _ => false,
        }
    }

    /// Whether the variable is used anywhere in `node`.
    pub fn mentioned(&self, node: Node) -> bool {
        let mut found = false;
        inspect(node, &mut |n| {
            if let Node::Ident(i) = n {
                found |= self.is_ident(i);
            }
            !found
        });
        found
    }
}

impl Channel {
    /// The channel's variable as written in file `file` of the package.
    pub fn var_ref<'s>(&'s self, cx: &PackageContext<'s>, file: usize) -> VarRef<'s> {
        VarRef {
            name: &self.name,
            src: &cx.file(file).src,
            id: self.var,
            view: cx.types(file),
        }
    }

    pub fn ops_of(&self, kind: OpKind) -> impl Iterator<Item = &Op> {
        self.ops.iter().filter(move |o| o.kind == kind)
    }

    pub fn has(&self, kind: OpKind) -> bool {
        self.ops.iter().any(|o| o.kind == kind)
    }

    /// Every send and close is in view.
    pub fn senders_in_view(&self) -> bool {
        self.escape <= Escape::ReceiveOnly
    }

    /// Every receive is in view.
    pub fn receivers_in_view(&self) -> bool {
        self.escape == Escape::None
    }
}

/// Builds the view of every channel of the package. Without the
/// semantic model's view of a file, its channels are out of view.
pub fn channels<'a>(cx: &PackageContext<'a>, funcs: &[Func<'a>]) -> Vec<Channel> {
    let views: Vec<Option<FileView<'a>>> = cx.files().map(|(i, _)| cx.types(i)).collect();
    let by_body = funcs
        .iter()
        .enumerate()
        .map(|(i, f)| ((f.file, f.body.lbrace), i))
        .collect();
    let by_obj = funcs
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let FuncKind::Decl(d) = f.kind else {
                return None;
            };
            Some((identity_of(views[f.file].as_ref()?, &d.name)?, i))
        })
        .collect();
    let pkg = Shared {
        cx,
        funcs,
        by_body,
        by_obj,
        views,
        never_run: std::cell::OnceCell::new(),
        literals: cx.files().map(|_| std::cell::OnceCell::new()).collect(),
    };
    let mut out = Vec::new();
    local_channels(&pkg, &mut out);
    field_channels(&pkg, &mut out);
    global_channels(&pkg, &mut out);
    out
}

// ---- which expressions denote the channel ----

/// An object's identity in the semantic model (`Model::identity`).
pub type Identity = (u32, u32, u32);

/// The channel as program objects, never as spellings: a variable (a
/// local, a parameter, a package variable) or a field of one struct type,
/// with the accessor methods that stand for it. The spellings only spare
/// looking objects up for identifiers that cannot be them.
#[derive(Debug, Clone)]
enum Matcher {
    Var {
        id: Identity,
        name: String,
    },
    /// `x.field`, or `x.accessor()` for an unexported accessor.
    Field {
        id: Identity,
        name: String,
        accessors: Vec<(Identity, String)>,
    },
}

/// The identity of the object `id` denotes, if its spelling is `name`.
fn ident_is(view: &FileView, id: &Ident, name: &str, src: &str, want: Identity) -> bool {
    id.name(src) == name && identity_of(view, id) == Some(want)
}

fn identity_of(view: &FileView, id: &Ident) -> Option<Identity> {
    view.object_of(id).map(|o| view.model().identity(o))
}

impl Matcher {
    /// The identifiers a use of the channel must contain.
    fn names(&self) -> Vec<String> {
        match self {
            Matcher::Var { name, .. } => vec![name.clone()],
            Matcher::Field {
                name, accessors, ..
            } => std::iter::once(name.clone())
                .chain(accessors.iter().map(|(_, n)| n.clone()))
                .collect(),
        }
    }

    fn matches(&self, x: &Expr, src: &str, view: &FileView) -> bool {
        match (self, x.unparen()) {
            (Matcher::Var { id, name }, Expr::Ident(i)) => ident_is(view, i, name, src, *id),
            (Matcher::Field { id, name, .. }, Expr::Selector(sel)) => {
                ident_is(view, &sel.sel, name, src, *id)
            }
            (Matcher::Field { .. }, Expr::Call(call)) => self.matches_call(call, src, view),
            _ => false,
        }
    }

    /// `x.accessor()` for an unexported accessor of the field.
    fn matches_call(&self, call: &CallExpr, src: &str, view: &FileView) -> bool {
        let Matcher::Field { accessors, .. } = self else {
            return false;
        };
        let Expr::Selector(sel) = call.fun.unparen() else {
            return false;
        };
        call.args.is_empty()
            && accessors
                .iter()
                .any(|(a, n)| ident_is(view, &sel.sel, n, src, *a))
    }

    /// An identifier that is the variable itself.
    fn is_ident(&self, id: &Ident, src: &str, view: &FileView) -> bool {
        matches!(self, Matcher::Var { id: want, name } if ident_is(view, id, name, src, *want))
    }
}

// ---- the walker ----

#[derive(Clone, Copy)]
struct Ctx<'a> {
    file: usize,
    goroutine: Option<u32>,
    in_loop: bool,
    /// The innermost `for ... range xs` being walked, for spawns.
    range_over: Option<&'a Expr>,
    /// The signature of the innermost function, for returns.
    sig: &'a FuncType,
    depth: u32,
    /// A call on the way here (from the goroutine's start) is in a loop.
    loop_above: bool,
}

/// What every walk of the package shares.
struct Shared<'c, 'a> {
    cx: &'c PackageContext<'a>,
    funcs: &'c [Func<'a>],
    /// Function index by (file, offset of the body's `{`).
    by_body: HashMap<(usize, u32), usize>,
    /// Declared function index by the function object's identity.
    by_obj: HashMap<Identity, usize>,
    /// The model's view of each file; `None` puts the file out of view.
    views: Vec<Option<FileView<'a>>>,
    /// Declared functions that can never run ([`never_run`]), found on
    /// first need: only fields and package variables ask.
    never_run: std::cell::OnceCell<Vec<usize>>,
    /// Each file's composite literals and key-value elements, in the
    /// order a walk of the file meets them ([`literals`]), found on first
    /// need: every field channel looks at those of the files naming it.
    literals: Vec<std::cell::OnceCell<Vec<&'a Expr>>>,
}

struct Collector<'c, 'a> {
    pkg: &'c Shared<'c, 'a>,
    matcher: Matcher,
    channel: Channel,
    /// Callees already followed, as (function index, parameter index).
    followed: Vec<(usize, usize)>,
    /// The trace name of the function being walked.
    function: String,
    /// The maker's signature: its `return ch` hands the channel to its
    /// callers.
    maker_sig: Option<&'a FuncType>,
    /// The maker returns the channel.
    returned: bool,
    /// How far the channel leaves the view other than by the maker's
    /// returns.
    other_escape: Escape,
    /// Locals declared as a copy of the channel (`ch := s.ch`, `var ch =
    /// s.ch`): other names of the same channel, each object unique to its
    /// function, so one list serves every walk.
    aliases: Vec<(Identity, String)>,
}

impl<'a> Collector<'_, 'a> {
    /// Walks function `f` from its top, in the flow of no goroutine of ours.
    fn walk_function(&mut self, f: &Func<'a>) {
        self.function = f.name.clone();
        let ctx = Ctx {
            file: f.file,
            goroutine: None,
            in_loop: false,
            range_over: None,
            sig: f.typ,
            depth: 0,
            loop_above: false,
        };
        self.block(f.body, ctx);
    }

    fn src(&self, file: usize) -> &'a str {
        &self.pkg.cx.file(file).src
    }

    fn view(&self, file: usize) -> Option<&FileView<'a>> {
        self.pkg.views[file].as_ref()
    }

    fn is_ours(&self, x: &Expr, file: usize) -> bool {
        self.view(file).is_some_and(|v| {
            self.matcher.matches(x, self.src(file), v)
                || matches!(x.unparen(), Expr::Ident(i) if self.is_alias(i, file, v))
        })
    }

    fn is_alias(&self, i: &Ident, file: usize, v: &FileView) -> bool {
        let src = self.src(file);
        self.aliases
            .iter()
            .any(|(id, name)| ident_is(v, i, name, src, *id))
    }

    /// `x := ours` or `var x = ours` with `x` a new local: `x` becomes
    /// another name of the channel instead of an escape. Whatever `x`
    /// then does (handed on, stored, reassigned) is judged as the
    /// channel's own use.
    fn declare_alias(&mut self, name: &Expr, value: &Expr, file: usize) -> bool {
        let (Expr::Ident(id), Some(v)) = (name.unparen(), self.view(file)) else {
            return false;
        };
        let spelled = id.name(self.src(file));
        if spelled == "_" || !self.is_ours(value, file) {
            return false;
        }
        let Some(o) = v.object_of(id) else {
            return false;
        };
        let m = v.model();
        if m.obj(o).kind != ObjKind::Var || !is_chan(m, m.obj(o).typ) {
            return false;
        }
        let ident = m.identity(o);
        // Only at the declaration itself, not a later use of the name.
        if ident.1 != id.pos() {
            return false;
        }
        self.aliases.push((ident, spelled.to_string()));
        true
    }

    fn escape(&mut self, e: Escape) {
        self.channel.escape = self.channel.escape.max(e);
        self.other_escape = self.other_escape.max(e);
    }

    fn op(&mut self, kind: OpKind, span: Span, ctx: Ctx, select: Option<SelectCase>) {
        self.channel.ops.push(Op {
            kind,
            file: ctx.file,
            span,
            goroutine: ctx.goroutine,
            select,
            in_loop: ctx.in_loop,
            function: self.function.clone(),
            through_call: false,
            repeats: ctx.in_loop || ctx.loop_above,
        });
    }

    fn block(&mut self, b: &'a BlockStmt, ctx: Ctx<'a>) {
        for s in &b.list {
            self.stmt(s, ctx);
        }
    }

    fn stmts(&mut self, list: &'a [Stmt], ctx: Ctx<'a>) {
        for s in list {
            self.stmt(s, ctx);
        }
    }

    fn opt_stmt(&mut self, s: &'a Option<Stmt>, ctx: Ctx<'a>) {
        if let Some(s) = s {
            self.stmt(s, ctx);
        }
    }

    fn stmt(&mut self, s: &'a Stmt, ctx: Ctx<'a>) {
        match s {
            Stmt::Send(send) => {
                if self.is_ours(&send.chan, ctx.file) {
                    self.op(OpKind::Send, s.span(), ctx, None);
                } else {
                    self.expr(&send.chan, ctx);
                }
                if self.is_ours(&send.value, ctx.file) {
                    self.escape(Escape::Full);
                }
                self.expr(&send.value, ctx);
            }
            Stmt::Select(sel) => {
                let has_default = sel.body.clauses.iter().any(|c| c.comm.is_none());
                let cases = sel.body.clauses.iter().filter(|c| c.comm.is_some()).count();
                for c in &sel.body.clauses {
                    let info = SelectCase {
                        select_pos: sel.pos,
                        has_default,
                        other_cases: cases.saturating_sub(1),
                    };
                    self.comm_clause(c, info, ctx);
                }
            }
            Stmt::Range(r) => {
                if self.is_ours(&r.x, ctx.file) {
                    self.op(OpKind::Range, r.x.span(), ctx, None);
                } else {
                    self.expr(&r.x, ctx);
                }
                let inner = Ctx {
                    in_loop: ctx.in_loop || !self.makes_inside(&r.body, ctx),
                    range_over: Some(&r.x),
                    ..ctx
                };
                self.block(&r.body, inner);
            }
            Stmt::For(f) => {
                self.opt_stmt(&f.init, ctx);
                if let Some(c) = &f.cond {
                    self.expr(c, ctx);
                }
                let inner = Ctx {
                    in_loop: ctx.in_loop || !self.makes_inside(&f.body, ctx),
                    range_over: None,
                    ..ctx
                };
                self.opt_stmt(&f.post, inner);
                self.block(&f.body, inner);
            }
            Stmt::Go(g) => self.go_stmt(g.pos, &g.call, ctx),
            Stmt::Defer(d) => self.call(&d.call, ctx, None),
            Stmt::Return(r) => {
                for x in &r.results {
                    let maker = self.maker_sig.is_some_and(|m| std::ptr::eq(m, ctx.sig));
                    if self.is_ours(x, ctx.file) && maker && ctx.depth == 0 {
                        self.returned = true;
                        self.channel.escape = self.channel.escape.max(returned_escape(ctx.sig));
                    } else if self.is_ours(x, ctx.file) {
                        self.escape(returned_escape(ctx.sig));
                    } else {
                        self.expr(x, ctx);
                    }
                }
            }
            Stmt::Assign(a) => self.assign(&a.lhs, &a.rhs, a.tok, ctx),
            Stmt::Decl(g) => {
                for spec in &g.specs {
                    if let Spec::Value(v) = spec {
                        for (i, x) in v.values.iter().enumerate() {
                            let alias = v.names.len() == v.values.len()
                                && self.declare_alias(&Expr::Ident(v.names[i]), x, ctx.file);
                            if alias {
                                continue;
                            }
                            if self.is_ours(x, ctx.file) {
                                self.escape(Escape::Full);
                            } else {
                                self.expr(x, ctx);
                            }
                        }
                    }
                }
            }
            Stmt::Expr(x) => self.expr(x, ctx),
            Stmt::IncDec(i) => self.expr(&i.x, ctx),
            Stmt::Labeled(l) => self.stmt(&l.stmt, ctx),
            Stmt::Block(b) => self.block(b, ctx),
            Stmt::If(i) => {
                self.opt_stmt(&i.init, ctx);
                self.expr(&i.cond, ctx);
                self.block(&i.body, ctx);
                self.opt_stmt(&i.els, ctx);
            }
            Stmt::Switch(sw) => {
                self.opt_stmt(&sw.init, ctx);
                if let Some(t) = &sw.tag {
                    self.expr(t, ctx);
                }
                for c in &sw.body.clauses {
                    c.list.iter().for_each(|x| self.expr(x, ctx));
                    self.stmts(&c.body, ctx);
                }
            }
            Stmt::TypeSwitch(sw) => {
                self.opt_stmt(&sw.init, ctx);
                self.stmt(&sw.assign, ctx);
                for c in &sw.body.clauses {
                    self.stmts(&c.body, ctx);
                }
            }
            Stmt::Bad(_) | Stmt::Empty(_) | Stmt::Branch(_) => {}
        }
    }

    /// Whether a loop body makes the channel itself: each iteration then
    /// has a channel of its own, and for that channel the body runs once.
    fn makes_inside(&self, body: &BlockStmt, ctx: Ctx) -> bool {
        let Some(o) = &self.channel.origin else {
            return false;
        };
        ctx.depth == 0
            && o.file == ctx.file
            && body.lbrace < o.make.start
            && body.rbrace.is_some_and(|r| o.make.start < r)
    }

    fn comm_clause(&mut self, c: &'a CommClause, info: SelectCase, ctx: Ctx<'a>) {
        match &c.comm {
            Some(Stmt::Send(send)) if self.is_ours(&send.chan, ctx.file) => {
                self.op(OpKind::Send, send.chan.span(), ctx, Some(info));
                self.expr(&send.value, ctx);
            }
            Some(Stmt::Expr(x)) if self.recv_of_ours(x, ctx.file) => {
                self.op(OpKind::Recv, x.span(), ctx, Some(info));
            }
            Some(Stmt::Assign(a)) if a.rhs.len() == 1 && self.recv_of_ours(&a.rhs[0], ctx.file) => {
                self.op(OpKind::Recv, a.rhs[0].span(), ctx, Some(info));
            }
            other => self.opt_stmt(other, ctx),
        }
        self.stmts(&c.body, ctx);
    }

    fn recv_of_ours(&self, x: &Expr, file: usize) -> bool {
        matches!(x.unparen(), Expr::Unary(u) if u.op == Token::Arrow && self.is_ours(&u.x, file))
    }

    fn assign(&mut self, lhs: &'a [Expr], rhs: &'a [Expr], tok: Token, ctx: Ctx<'a>) {
        let mut aliased = Vec::new();
        for (i, r) in rhs.iter().enumerate() {
            let define = tok == Token::Define && lhs.len() == rhs.len();
            if define && self.declare_alias(&lhs[i], r, ctx.file) {
                aliased.push(i);
                continue;
            }
            let blank = lhs.get(i).is_some_and(
                |l| matches!(l.unparen(), Expr::Ident(id) if id.name(self.src(ctx.file)) == "_"),
            );
            if self.is_ours(r, ctx.file) {
                if !blank {
                    self.escape(Escape::Full);
                }
            } else {
                self.expr(r, ctx);
            }
        }
        for (i, l) in lhs.iter().enumerate() {
            if aliased.contains(&i) {
                continue;
            }
            if self.is_ours(l, ctx.file) {
                // A field set to a channel made here is an origin; set to
                // anything else, the channel comes from elsewhere.
                match rhs.get(i) {
                    Some(r) if self.makes_chan(r, ctx.file).is_some() => {
                        let made = self.makes_chan(r, ctx.file).unwrap();
                        let cap = capacity(made, self.src(ctx.file));
                        self.channel.capacity = worst_capacity(&self.channel.capacity, cap);
                    }
                    Some(r)
                        if self
                            .view(ctx.file)
                            .is_some_and(|v| crate::syntax::is_nil(v, r)) => {}
                    _ => self.escape(Escape::Full),
                }
            } else {
                self.expr(l, ctx);
            }
        }
    }

    fn go_stmt(&mut self, pos: u32, call: &'a CallExpr, ctx: Ctx<'a>) {
        let uses = mentions_ours(self, Node::Call(call), ctx.file);
        let inner = self.spawn(pos, uses, ctx);
        self.call(call, ctx, Some(inner));
    }

    /// A goroutine started at `pos` (recorded when it `uses` the
    /// channel): the context its body runs in.
    fn spawn(&mut self, pos: u32, uses: bool, ctx: Ctx<'a>) -> Ctx<'a> {
        if uses {
            self.channel.spawns.push(Spawn {
                pos,
                file: ctx.file,
                function: self.function.clone(),
                in_loop: ctx.in_loop,
                range_over: ctx
                    .range_over
                    .map(|x| x.span().text(self.src(ctx.file)).to_string()),
            });
        }
        Ctx {
            goroutine: Some(pos),
            in_loop: false,
            loop_above: false,
            range_over: None,
            ..ctx
        }
    }

    /// A literal handed to a goroutine starter (`wg.Go(func() {...})`):
    /// a goroutine started here, as by `go`.
    fn started_lit(&mut self, lit: &'a FuncLit, ctx: Ctx<'a>) {
        let uses = mentions_ours(self, Node::Block(&lit.body), ctx.file);
        let inner = self.spawn(lit.typ.pos(), uses, ctx);
        self.func_body(&lit.body, &lit.typ, inner);
    }

    /// A call: `close`, `len`, a literal called in place, or a function the
    /// channel is handed to. `body_ctx` is the context the callee runs in
    /// (another goroutine for `go`).
    fn call(&mut self, call: &'a CallExpr, ctx: Ctx<'a>, body_ctx: Option<Ctx<'a>>) {
        let src = self.src(ctx.file);
        let body_ctx = body_ctx.unwrap_or(ctx);
        if let Some(name) = self.builtin(&call.fun, ctx.file) {
            match name {
                "close" if call.args.len() == 1 && self.is_ours(&call.args[0], ctx.file) => {
                    self.op(
                        OpKind::Close,
                        Span::new(call.pos(), call.end()),
                        body_ctx,
                        None,
                    );
                    return;
                }
                "len" | "cap" if call.args.len() == 1 && self.is_ours(&call.args[0], ctx.file) => {
                    return
                }
                _ => {}
            }
        }
        if self
            .view(ctx.file)
            .is_some_and(|v| self.matcher.matches_call(call, src, v))
        {
            return; // an accessor call used as a value: handled by the caller
        }
        match call.fun.unparen() {
            Expr::FuncLit(lit) => {
                self.bind_params(&lit.typ.params, &call.args, ctx, |me, name| {
                    me.with_alias(name, |me| me.lit_body(&lit.body, &lit.typ, body_ctx))
                });
                self.func_body(&lit.body, &lit.typ, body_ctx);
            }
            fun => {
                self.expr(fun, ctx);
                let mut callee = None;
                // Resolved only when a literal is handed over.
                let starter = call.args.iter().any(|a| matches!(a, Expr::FuncLit(_)))
                    && self
                        .view(ctx.file)
                        .is_some_and(|v| crate::once::starts_goroutine(v, call));
                for (i, arg) in call.args.iter().enumerate() {
                    if let Expr::FuncLit(lit) = arg {
                        if starter {
                            self.started_lit(lit, ctx);
                            continue;
                        }
                    }
                    if !self.is_ours(arg, ctx.file) {
                        self.expr(arg, ctx);
                        continue;
                    }
                    // Resolved only when the channel is handed over: rare.
                    let callee = *callee.get_or_insert_with(|| self.resolve(call, ctx.file));
                    match callee {
                        Some(f) if call.ellipsis.is_none() => self.follow(f, i, call, body_ctx),
                        _ => self.summarised(call, i, ctx.file, body_ctx),
                    }
                }
            }
        }
    }

    /// For `func(c chan T) {...}(ch)`: walks the literal once more with
    /// the parameter as another name of the channel.
    fn bind_params(
        &mut self,
        params: &'a FieldList,
        args: &'a [Expr],
        ctx: Ctx<'a>,
        mut walk: impl FnMut(&mut Self, Matcher),
    ) {
        let params = self.param_vars(params, ctx.file);
        for (i, arg) in args.iter().enumerate() {
            if !self.is_ours(arg, ctx.file) {
                self.expr(arg, ctx);
                continue;
            }
            match params.get(i) {
                Some(Some(p)) => walk(self, p.clone()),
                _ => self.escape(Escape::Full),
            }
        }
    }

    /// The parameters of a signature in file `file` as variables, by
    /// position (`None` for `_`, unnamed or unknown ones).
    fn param_vars(&self, params: &FieldList, file: usize) -> Vec<Option<Matcher>> {
        let src = self.src(file);
        let mut out = Vec::new();
        for f in &params.list {
            if f.names.is_empty() {
                out.push(None);
            }
            for n in &f.names {
                let name = n.name(src);
                let id = self.view(file).and_then(|v| identity_of(v, n));
                out.push(id.filter(|_| name != "_").map(|id| Matcher::Var {
                    id,
                    name: name.to_string(),
                }));
            }
        }
        out
    }

    fn with_alias(&mut self, alias: Matcher, f: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.matcher, alias);
        f(self);
        self.matcher = saved;
    }

    /// A parameter of the same name is another object: the matcher tells
    /// them apart, so the body is walked as is.
    fn func_body(&mut self, body: &'a BlockStmt, sig: &'a FuncType, ctx: Ctx<'a>) {
        self.lit_body(body, sig, ctx);
    }

    /// The builtin a call's function names (`close`, `len`, `make`), by
    /// its object: a package function called `close` is not one.
    fn builtin(&self, fun: &Expr, file: usize) -> Option<&'a str> {
        let Expr::Ident(id) = fun.unparen() else {
            return None;
        };
        let o = self.view(file)?.object_of(id)?;
        let builtin = matches!(self.view(file)?.model().obj(o).kind, ObjKind::Builtin(_));
        builtin.then(|| id.name(self.src(file)))
    }

    /// `make(T, ...)` of a bidirectional channel type.
    fn makes_chan(&self, x: &'a Expr, file: usize) -> Option<&'a CallExpr> {
        make_chan(x, self.src(file), self.view(file)?).map(|(c, _)| c)
    }

    /// Walks a function literal's body, its operations named by it.
    fn lit_body(&mut self, body: &'a BlockStmt, sig: &'a FuncType, ctx: Ctx<'a>) {
        // Operations inside are written in the literal: name them by it.
        let name = self
            .pkg
            .by_body
            .get(&(ctx.file, body.lbrace))
            .map(|&i| self.pkg.funcs[i].name.clone());
        let saved = name.map(|n| std::mem::replace(&mut self.function, n));
        self.block(
            body,
            Ctx {
                sig,
                in_loop: false,
                loop_above: ctx.loop_above || ctx.in_loop,
                range_over: None,
                ..ctx
            },
        );
        if let Some(outer) = saved {
            self.function = outer;
        }
    }

    /// The same-package function or method a call goes to: the callee's
    /// object, from the model, among the package's declared functions.
    /// Calls through interfaces and function values resolve to none.
    fn resolve(&self, call: &CallExpr, file: usize) -> Option<usize> {
        let view = self.view(file)?;
        let m = view.model();
        let callee = view.object_of_expr(&call.fun)?;
        // A method expression (`T.m(x, ch)`) takes the receiver first:
        // its arguments do not line up with the parameters.
        let arity = |t| match m.ty(t) {
            Type::Signature(s) => Some(s.params.len()),
            _ => None,
        };
        if arity(view.type_of(&call.fun)?) != arity(m.obj(callee).typ) {
            return None;
        }
        self.pkg.by_obj.get(&m.identity(callee)).copied()
    }

    fn follow(&mut self, callee: usize, arg: usize, call: &CallExpr, ctx: Ctx<'a>) {
        let f = &self.pkg.funcs[callee];
        let params = self.param_vars(&f.typ.params, f.file);
        let Some(Some(param)) = params.get(arg).cloned() else {
            self.escape(Escape::Full);
            return;
        };
        if ctx.depth >= 4 {
            // Deeper than we inline: the callee's summary says what it
            // does to the channel.
            self.summarised(call, arg, ctx.file, ctx);
            return;
        }
        if self.followed.contains(&(callee, arg)) {
            self.channel.refollowed = true;
            return;
        }
        self.followed.push((callee, arg));
        let (body, sig, file) = (f.body, f.typ, f.file);
        let saved_fn = std::mem::replace(&mut self.function, f.name.clone());
        self.with_alias(param, |me| {
            me.block(
                body,
                Ctx {
                    file,
                    sig,
                    depth: ctx.depth + 1,
                    in_loop: false,
                    loop_above: ctx.loop_above || ctx.in_loop,
                    range_over: None,
                    ..ctx
                },
            )
        });
        self.function = saved_fn;
    }

    /// A channel handed as argument `arg` to a call the walk does not
    /// enter (another package of the module, an interface method, a
    /// function value, a callee deeper than we inline): the callees'
    /// summaries give its operations, placed where they are written when
    /// that is in this package, else at the call. No callee in view, or
    /// one that lets the channel escape: the channel leaves the view.
    fn summarised(&mut self, call: &CallExpr, arg: usize, file: usize, ctx: Ctx<'a>) {
        let ops = self
            .view(file)
            .map(FileView::file_id)
            .zip(self.pkg.cx.chan_summaries())
            .and_then(|(fid, s)| {
                s.1.arg_ops(s.0, fid, call, arg)
                    .filter(|_| call.ellipsis.is_none())
            });
        let Some(ops) = ops else {
            self.escape(Escape::Full);
            return;
        };
        for (kind, blocking, site) in ops {
            let (op_file, span, function, through_call) = match self.place_of(&site) {
                Some((fi, name)) => (fi, Span::new(site.start, site.end), name, false),
                None => (
                    file,
                    Span::new(call.pos(), call.end()),
                    self.function.clone(),
                    true,
                ),
            };
            let goroutine = match site.spawned {
                true => Some(ctx.goroutine.unwrap_or(call.lparen)),
                false => ctx.goroutine,
            };
            let select = (!blocking).then_some(SelectCase {
                select_pos: site.start,
                has_default: true,
                other_cases: 0,
            });
            self.channel.ops.push(Op {
                kind,
                file: op_file,
                span,
                goroutine,
                select,
                in_loop: ctx.in_loop,
                function,
                through_call,
                repeats: true,
            });
        }
    }

    /// The package file and function (trace name) a summarised operation
    /// is written in, when it is in this package.
    fn place_of(&self, site: &crate::summaries::channels::OpSite) -> Option<(usize, String)> {
        let fi = (0..self.pkg.views.len())
            .find(|&i| self.view(i).is_some_and(|v| v.file_id() == site.file))?;
        let f = self
            .pkg
            .funcs
            .iter()
            .filter(|f| f.file == fi && f.body.lbrace <= site.start && site.start < f.body.end())
            .min_by_key(|f| f.body.end() - f.body.lbrace)?;
        Some((fi, f.name.clone()))
    }

    fn expr(&mut self, x: &'a Expr, ctx: Ctx<'a>) {
        match x {
            Expr::Unary(u) if u.op == Token::Arrow && self.is_ours(&u.x, ctx.file) => {
                self.op(OpKind::Recv, x.span(), ctx, None);
            }
            Expr::Binary(b) if matches!(b.op, Token::Eql | Token::Neq) => {
                for side in [&b.x, &b.y] {
                    if !self.is_ours(side, ctx.file) {
                        self.expr(side, ctx);
                    }
                }
            }
            Expr::Call(c) => self.call(c, ctx, None),
            Expr::FuncLit(lit) => {
                // A callback may run anywhere: not in the maker's flow.
                // It may run any number of times.
                let inner = Ctx {
                    goroutine: Some(lit.typ.pos()),
                    loop_above: true,
                    ..ctx
                };
                self.func_body(&lit.body, &lit.typ, inner);
            }
            Expr::CompositeLit(c) => {
                for e in &c.elts {
                    let value = match e {
                        Expr::KeyValue(kv) => &kv.value,
                        other => other,
                    };
                    if self.is_ours(value, ctx.file) {
                        self.escape(Escape::Full);
                    } else {
                        self.expr(e, ctx);
                    }
                }
            }
            _ if self.is_ours(x, ctx.file) => self.escape(Escape::Full),
            _ => {
                let mut children = Vec::new();
                Node::expr(x).for_each_child(&mut |n| children.push(n));
                for n in children {
                    match n {
                        Node::Expr(e) => self.expr(e, ctx),
                        Node::Call(c) => self.call(c, ctx, None),
                        Node::Ident(_) | Node::BasicLit(_) => {}
                        other => {
                            if mentions_ours(self, other, ctx.file) {
                                self.escape(Escape::Full);
                            }
                        }
                    }
                }
            }
        }
    }
}

fn mentions_ours(c: &Collector, node: Node, file: usize) -> bool {
    let src = c.src(file);
    let Some(view) = c.view(file) else {
        return false;
    };
    let mut found = false;
    inspect(node, &mut |n| {
        if let Node::Expr(e) = n {
            found |= c.matcher.matches(e, src, view);
        }
        if let Node::Ident(id) = n {
            found |= c.matcher.is_ident(id, src, view) || c.is_alias(id, file, view);
        }
        if let Node::Call(call) = n {
            found |= c.matcher.matches_call(call, src, view);
        }
        !found
    });
    found
}

fn returned_escape(sig: &FuncType) -> Escape {
    let recv_only = sig.results.as_ref().is_some_and(|r| {
        r.list
            .iter()
            .any(|f| matches!(&f.typ, Expr::ChanType(c) if c.dir == ChanDir::Recv))
    });
    if recv_only {
        Escape::ReceiveOnly
    } else {
        Escape::Full
    }
}

/// `x` is `make(T, ...)` (the builtin) of a bidirectional channel type,
/// by the call's type: the call and the text of `T` (`chan int`, or a
/// named channel type).
pub fn make_chan<'x, 's>(
    x: &'x Expr,
    src: &'s str,
    view: &FileView,
) -> Option<(&'x CallExpr, &'s str)> {
    let Expr::Call(call) = x.unparen() else {
        return None;
    };
    let Expr::Ident(id) = call.fun.unparen() else {
        return None;
    };
    let m = view.model();
    let make = view.object_of(id)?;
    if m.obj(make).kind != ObjKind::Builtin(Builtin::Make) {
        return None;
    }
    let t = view.type_of(x.unparen())?;
    match m.ty(m.under_ro(t)) {
        Type::Chan(ChanDir::Both, _) => Some((call, call.args.first()?.span().text(src))),
        _ => None,
    }
}

fn capacity(call: &CallExpr, src: &str) -> Capacity {
    match call.args.get(1).map(Expr::unparen) {
        None => Capacity::Unbuffered,
        Some(Expr::BasicLit(l)) if l.kind == Token::Int => {
            match l.value(src).replace('_', "").parse::<u64>() {
                Ok(0) => Capacity::Unbuffered,
                Ok(n) => Capacity::Const(n),
                Err(_) => Capacity::Unknown,
            }
        }
        Some(Expr::Call(c))
            if c.args.len() == 1
                && matches!(c.fun.unparen(), Expr::Ident(id) if id.name(src) == "len") =>
        {
            Capacity::Len(c.args[0].span().text(src).to_string())
        }
        Some(_) => Capacity::Unknown,
    }
}

/// The capacity to judge by when a field is made in several places.
fn worst_capacity(a: &Capacity, b: Capacity) -> Capacity {
    match (a, &b) {
        (Capacity::Unknown, _) | (_, Capacity::Unknown) => Capacity::Unknown,
        (Capacity::Unbuffered, _) => b,
        (x, Capacity::Unbuffered) => x.clone(),
        (Capacity::Const(x), Capacity::Const(y)) => Capacity::Const((*x).max(*y)),
        _ => Capacity::Unknown,
    }
}

// ---- the three kinds of channel ----

fn new_collector<'c, 'a>(
    pkg: &'c Shared<'c, 'a>,
    matcher: Matcher,
    channel: Channel,
) -> Collector<'c, 'a> {
    Collector {
        pkg,
        matcher,
        channel,
        followed: Vec::new(),
        function: String::new(),
        maker_sig: None,
        returned: false,
        other_escape: Escape::None,
        aliases: Vec::new(),
    }
}

fn new_channel(name: &str, kind: ChannelKind, capacity: Capacity, escape: Escape) -> Channel {
    Channel {
        name: name.to_string(),
        kind,
        capacity,
        origin: None,
        ops: Vec::new(),
        spawns: Vec::new(),
        escape,
        var: None,
        refollowed: false,
        discarded_at: None,
    }
}

/// Whether `t` is a channel type, through names and aliases.
fn is_chan(m: &Model, t: TypeId) -> bool {
    matches!(m.ty(m.under_ro(t)), Type::Chan(..))
}

fn local_channels(pkg: &Shared, out: &mut Vec<Channel>) {
    for f in pkg.funcs {
        let Some(view) = pkg.views[f.file].as_ref() else {
            continue;
        };
        let src = &pkg.cx.file(f.file).src;
        for site in f.sites.iter().copied() {
            let Some((var, call, typ)) = local_make(site.stmt, src, view) else {
                continue;
            };
            let Some(id) = identity_of(view, var) else {
                continue;
            };
            let name = var.name(src);
            let mut channel =
                new_channel(name, ChannelKind::Local, capacity(call, src), Escape::None);
            channel.var = Some(id);
            channel.origin = Some(Origin {
                file: f.file,
                make: Span::new(call.pos(), call.end()),
                typ: typ.to_string(),
                function: f.name.clone(),
            });
            let matcher = Matcher::Var {
                id,
                name: name.to_string(),
            };
            let mut c = new_collector(pkg, matcher, channel);
            c.maker_sig = Some(f.typ);
            c.walk_function(f);
            if c.returned && c.other_escape == Escape::None {
                c.channel.discarded_at = discarding_call(pkg, f);
            }
            out.push(c.channel);
        }
    }
}

/// A call in this package of the declared function `f` (by its object)
/// that throws its results away: a call statement, `go`, `defer`,
/// `_ = f()`.
fn discarding_call(pkg: &Shared, f: &Func) -> Option<(usize, u32)> {
    let FuncKind::Decl(d) = f.kind else {
        return None;
    };
    let maker = identity_of(pkg.views[f.file].as_ref()?, &d.name)?;
    pkg.funcs.iter().find_map(|g| {
        let view = pkg.views[g.file].as_ref()?;
        let src = &pkg.cx.file(g.file).src;
        g.sites.iter().find_map(|site| {
            let call = discarded_call(site.stmt, src)?;
            let callee = view.object_of_expr(&call.fun)?;
            (view.model().identity(callee) == maker).then_some((g.file, call.pos()))
        })
    })
}

/// The call a statement makes and keeps no result of.
fn discarded_call<'x>(s: &'x Stmt, src: &str) -> Option<&'x CallExpr> {
    match s {
        Stmt::Expr(x) => match x.unparen() {
            Expr::Call(c) => Some(c),
            _ => None,
        },
        Stmt::Go(g) => Some(&g.call),
        Stmt::Defer(d) => Some(&d.call),
        Stmt::Assign(a) if a.rhs.len() == 1 => {
            let blank = |x: &Expr| matches!(x, Expr::Ident(id) if id.name(src) == "_");
            match (a.lhs.iter().all(blank), a.rhs[0].unparen()) {
                (true, Expr::Call(c)) => Some(c),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `name := make(chan T, ...)` or `var name = make(chan T, ...)`: the
/// variable, the `make` call and the channel type's text.
fn local_make<'a>(
    s: &'a Stmt,
    src: &'a str,
    view: &FileView,
) -> Option<(&'a Ident, &'a CallExpr, &'a str)> {
    let (lhs, rhs) = match s {
        Stmt::Assign(a) if a.tok == Token::Define && a.lhs.len() == 1 && a.rhs.len() == 1 => {
            let Expr::Ident(id) = a.lhs[0].unparen() else {
                return None;
            };
            (id, &a.rhs[0])
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
    let (call, typ) = make_chan(rhs, src, view)?;
    (lhs.name(src) != "_").then_some((lhs, call, typ))
}

/// Every unexported channel field of the package's struct types: one
/// channel per field object, whatever other types name their fields.
fn field_channels(pkg: &Shared, out: &mut Vec<Channel>) {
    // In a package nobody can import, an exported field is as private as
    // an unexported one: only the package's own code can reach it.
    let private = |name: &str| !is_exported(name) || !importable(pkg);
    for (fi, sf) in pkg.cx.files() {
        let Some(view) = pkg.views[fi].as_ref() else {
            continue;
        };
        let m = view.model();
        for decl in &sf.ast.decls {
            let Decl::Gen(g) = decl else { continue };
            for spec in &g.specs {
                let Spec::Type(ts) = spec else { continue };
                if !matches!(ts.typ, Expr::StructType(_)) {
                    continue;
                }
                let Some(tn) = view.object_of(&ts.name) else {
                    continue;
                };
                let Type::Struct(fields) = m.ty(m.under_ro(m.obj(tn).typ)) else {
                    continue;
                };
                for f in fields {
                    let fo = m.obj(f.obj);
                    if f.embedded || !private(&fo.name) || !is_chan(m, fo.typ) {
                        continue;
                    }
                    out.push(field_channel(pkg, m.identity(f.obj), &fo.name));
                }
            }
        }
    }
}

fn field_channel(pkg: &Shared, id: Identity, name: &str) -> Channel {
    let (accessors, escape) = accessors_of(pkg, id, name);
    let channel = new_channel(name, ChannelKind::Field, Capacity::Unbuffered, escape);
    let matcher = Matcher::Field {
        id,
        name: name.to_string(),
        accessors,
    };
    walk_package(pkg, matcher, channel)
}

/// Methods whose body is just `return recv.field` (this very field),
/// after guards that return nil (`if s == nil { return nil }`): their
/// calls in the package stand for the field; an exported one also lets
/// other packages receive (or, when it returns a bidirectional channel,
/// do anything).
fn accessors_of(pkg: &Shared, field: Identity, name: &str) -> (Vec<(Identity, String)>, Escape) {
    let mut names = Vec::new();
    let mut escape = Escape::None;
    for f in pkg.funcs {
        let FuncKind::Decl(d) = f.kind else { continue };
        let Some(view) = pkg.views[f.file].as_ref() else {
            continue;
        };
        let src = &pkg.cx.file(f.file).src;
        let Some((Stmt::Return(r), guards)) = f.body.list.split_last() else {
            continue;
        };
        let [Expr::Selector(sel)] = r.results.as_slice() else {
            continue;
        };
        if d.recv.is_none()
            || !ident_is(view, &sel.sel, name, src, field)
            || !guards.iter().all(|g| returns_nil_guard(g, view))
        {
            continue;
        }
        let method = d.name.name(src);
        if is_exported(method) && importable(pkg) {
            escape = escape.max(returned_escape(&d.typ));
        }
        // Exported or not, a call of it in the package is the field.
        if let Some(id) = identity_of(view, &d.name) {
            names.push((id, method.to_string()));
        }
    }
    (names, escape)
}

/// Whether another package can import this one and call its exported
/// names: not a command (`package main`), and not a package made only of
/// `_test.go` files (`go test` builds those into its own test binary;
/// with no other file there is no package to import).
fn importable(pkg: &Shared) -> bool {
    let mut files = pkg.cx.files().peekable();
    let Some((fi, _)) = files.peek().copied() else {
        return true;
    };
    let main = pkg.views[fi].as_ref().is_some_and(|v| {
        let m = v.model();
        m.packages[m.file_pkgs[v.file_id().0 as usize].0 as usize].name == "main"
    });
    let tests_only = pkg.cx.files().all(|(_, sf)| {
        sf.path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().ends_with("_test.go"))
    });
    !main && !tests_only
}

/// `if cond { return nil }`: a guard of an accessor (`if s == nil`),
/// which hands out no channel at all on that path.
fn returns_nil_guard(s: &Stmt, view: &FileView) -> bool {
    let Stmt::If(i) = s else { return false };
    let [Stmt::Return(r)] = i.body.list.as_slice() else {
        return false;
    };
    i.init.is_none()
        && i.els.is_none()
        && matches!(r.results.as_slice(), [x] if crate::syntax::is_nil(view, x))
}

/// Every unexported channel variable of the package.
fn global_channels(pkg: &Shared, out: &mut Vec<Channel>) {
    for (fi, sf) in pkg.cx.files() {
        let Some(view) = pkg.views[fi].as_ref() else {
            continue;
        };
        let m = view.model();
        for decl in &sf.ast.decls {
            let Decl::Gen(g) = decl else { continue };
            if g.tok != Token::Var {
                continue;
            }
            for spec in &g.specs {
                let Spec::Value(v) = spec else { continue };
                for (k, var) in v.names.iter().enumerate() {
                    let name = var.name(&sf.src);
                    let Some(o) = view.object_of(var) else {
                        continue;
                    };
                    if is_exported(name) || name == "_" || !is_chan(m, m.obj(o).typ) {
                        continue;
                    }
                    let (cap, escape) = global_origin(v, k, &sf.src, view);
                    let mut channel = new_channel(name, ChannelKind::Global, cap, escape);
                    channel.var = Some(m.identity(o));
                    let matcher = Matcher::Var {
                        id: m.identity(o),
                        name: name.to_string(),
                    };
                    out.push(walk_package(pkg, matcher, channel));
                }
            }
        }
    }
}

/// What the `k`th variable of a package `var` spec starts as: nothing
/// (nil) or a channel made there keep it in view; any other value is a
/// channel from elsewhere.
fn global_origin(v: &ValueSpec, k: usize, src: &str, view: &FileView) -> (Capacity, Escape) {
    if v.values.is_empty() {
        return (Capacity::Unbuffered, Escape::None);
    }
    let value = (v.values.len() == v.names.len())
        .then(|| &v.values[k])
        .filter(|x| !crate::syntax::is_nil(view, x));
    match value.map(|x| make_chan(x, src, view)) {
        None if v.values.len() == v.names.len() => (Capacity::Unbuffered, Escape::None),
        Some(Some((call, _))) if call.args.len() < 2 => (Capacity::Unbuffered, Escape::None),
        Some(Some(_)) => (Capacity::Unknown, Escape::None),
        _ => (Capacity::Unknown, Escape::Full),
    }
}

/// Walks every top-level function of the package for a package-level
/// channel (nested literals are reached from their parents).
fn walk_package(pkg: &Shared, matcher: Matcher, channel: Channel) -> Channel {
    let mut c = new_collector(pkg, matcher, channel);
    // Only functions whose text names the channel can use it: a cheap
    // substring test spares walking the rest of a large package.
    let names = c.matcher.names();
    for (_, f) in pkg.funcs.iter().enumerate().filter(|(i, f)| {
        f.parent.is_none() && !pkg.never_run.get_or_init(|| never_run(pkg)).contains(i)
    }) {
        let text = f.body.span_text(&pkg.cx.file(f.file).src);
        if !names.iter().any(|n| text.contains(n.as_str())) || is_accessor(pkg, &c.matcher, f) {
            continue;
        }
        c.walk_function(f);
    }
    // Struct literals may make the channel: `&S{ch: make(chan T)}`.
    composite_origins(pkg, &mut c);
    c.channel
}

/// The declared functions of a package nobody can import (see
/// [`importable`]) that can never run: nothing in the package names them.
/// A function is named by an identifier that resolves to it (a call, a
/// value); a method by any selector spelled as it (a call through an
/// interface or an embedding, a method value) or by being a method of an
/// interface type anywhere in the program (`String`, `Error`, `Read`:
/// another package may call it through that interface); where the
/// package imports a package out of view, whose interfaces are unknown,
/// every method may run. `main`, `init`
/// and the functions `go test` runs are entry points. Their statements
/// never execute, so their operations on a channel take no part in it.
fn never_run(pkg: &Shared) -> Vec<usize> {
    if importable(pkg) {
        return Vec::new();
    }
    let mut named: HashMap<Identity, usize> = HashMap::new();
    let mut selected: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (fi, sf) in pkg.cx.files() {
        let Some(view) = pkg.views[fi].as_ref() else {
            return Vec::new(); // a file out of view may name anything
        };
        inspect(Node::File(&sf.ast), &mut |n| {
            match n {
                Node::Expr(Expr::Selector(sel)) => {
                    selected.insert(sel.sel.name(&sf.src));
                }
                Node::Ident(i) => {
                    if let Some(o) = view.object_of(i) {
                        *named.entry(view.model().identity(o)).or_default() += 1;
                    }
                }
                _ => {}
            }
            true
        });
    }
    if let Some(view) = pkg.views.iter().flatten().next() {
        let m = view.model();
        // A value of the package's types may go to a package out of view
        // (not loaded), whose interfaces may call any method.
        // An import the model resolved is a package name object, declared
        // at the import, in the file's scope.
        let all_loaded = pkg.cx.files().all(|(fi, sf)| {
            let Some(v) = pkg.views[fi].as_ref() else {
                return false;
            };
            let fid = v.file_id();
            let names = &m.scopes[m.file_scopes[fid.0 as usize].0 as usize].names;
            sf.ast.imports().all(|i| {
                let at = i.name.map_or(i.path.pos, |n| n.pos);
                i.name.is_some_and(|n| n.name(&sf.src) == "_")
                    || i.path_value(&sf.src) == "unsafe"
                    || names.values().any(|&o| {
                        let ob = m.obj(o);
                        ob.pos == Some((fid, at)) && ob.imported.is_some()
                    })
            })
        });
        if !all_loaded {
            return Vec::new();
        }
    }
    // The method names of every interface type of the program: built only
    // when a method no selector names is met (most packages have none).
    let interface_methods = std::cell::OnceCell::new();
    let interface_method = |name: &str| {
        interface_methods
            .get_or_init(|| {
                let mut set: std::collections::HashSet<&str> = std::collections::HashSet::new();
                if let Some(view) = pkg.views.iter().flatten().next() {
                    let m = view.model();
                    for t in &m.types {
                        if let Type::Interface(i) = t {
                            set.extend(i.methods.iter().map(|&o| &*m.obj(o).name));
                        }
                    }
                }
                set
            })
            .contains(name)
    };
    let mut out = Vec::new();
    for (i, f) in pkg.funcs.iter().enumerate() {
        let FuncKind::Decl(d) = f.kind else { continue };
        let Some(view) = pkg.views[f.file].as_ref() else {
            continue;
        };
        let name = d.name.name(&pkg.cx.file(f.file).src);
        let test_entry = pkg.cx.file(f.file).is_test
            && ["Test", "Benchmark", "Example", "Fuzz"]
                .iter()
                .any(|p| name.starts_with(p));
        if name == "main" || name == "init" || name == "_" || test_entry {
            continue;
        }
        let live = match d.recv {
            Some(_) => selected.contains(name) || interface_method(name),
            None => view.object_of(&d.name).is_none_or(|o| {
                // The declaring identifier resolves to the object too: a
                // second identifier must.
                let id = view.model().identity(o);
                named.get(&id).is_some_and(|&n| n > 1)
            }),
        };
        if !live {
            out.push(i);
        }
    }
    out
}

/// An accessor of the field: its `return recv.field` hands out the field
/// its calls stand for (an exported one was counted as an escape by
/// [`accessors_of`]), not an escape of its own.
fn is_accessor(pkg: &Shared, matcher: &Matcher, f: &Func) -> bool {
    let (Matcher::Field { accessors, .. }, FuncKind::Decl(d)) = (matcher, f.kind) else {
        return false;
    };
    let Some(view) = pkg.views[f.file].as_ref() else {
        return false;
    };
    identity_of(view, &d.name).is_some_and(|id| accessors.iter().any(|(a, _)| *a == id))
}

fn composite_origins(pkg: &Shared, c: &mut Collector) {
    let Matcher::Field { id, name, .. } = &c.matcher else {
        return;
    };
    let (field, name) = (*id, name.clone());
    let files = pkg
        .cx
        .files()
        .filter(|(_, sf)| sf.src.contains(name.as_str()));
    for (fi, sf) in files {
        let Some(view) = pkg.views[fi].as_ref() else {
            continue;
        };
        let src = &sf.src;
        for &e in pkg.literals[fi].get_or_init(|| literals(sf)) {
            match e {
                // `T{a, b}` sets every field by position: the element at
                // the field's index is the channel.
                Expr::CompositeLit(lit)
                    if lit.elts.iter().any(|e| !matches!(e, Expr::KeyValue(_)))
                        && has_field(view, e, field) =>
                {
                    let elt = field_index(view, e, field).and_then(|i| lit.elts.get(i));
                    match elt.and_then(|x| make_chan(x, src, view)) {
                        Some((call, _)) => {
                            let cap = capacity(call, src);
                            c.channel.capacity = worst_capacity(&c.channel.capacity, cap);
                        }
                        None if elt.is_some_and(|x| crate::syntax::is_nil(view, x)) => {}
                        None => c.channel.escape = Escape::Full,
                    }
                }
                Expr::KeyValue(kv) if matches!(kv.key.unparen(), Expr::Ident(k) if ident_is(view, k, &name, src, field)) =>
                {
                    // Made here, the literal is an origin; anything else
                    // brings in a channel others may hold.
                    match make_chan(&kv.value, src, view) {
                        Some((call, _)) => {
                            let cap = capacity(call, src);
                            c.channel.capacity = worst_capacity(&c.channel.capacity, cap);
                        }
                        None if crate::syntax::is_nil(view, &kv.value) => {}
                        None => c.channel.escape = Escape::Full,
                    }
                }
                _ => {}
            }
        }
    }
}

/// The file's composite literals and key-value elements, in the order a
/// walk of the file meets them (an outer literal before what it holds).
fn literals(sf: &SourceFile) -> Vec<&Expr> {
    let mut out = Vec::new();
    inspect(Node::File(&sf.ast), &mut |n| {
        if let Node::Expr(e @ (Expr::CompositeLit(_) | Expr::KeyValue(_))) = n {
            out.push(e);
        }
        true
    });
    out
}

/// The position of the field `field` in the struct a composite literal
/// builds.
fn field_index(view: &FileView, lit: &Expr, field: Identity) -> Option<usize> {
    let m = view.model();
    let t = view.type_of(lit)?;
    match m.ty(m.under_ro(m.deref(t))) {
        Type::Struct(fields) => fields.iter().position(|f| m.identity(f.obj) == field),
        _ => None,
    }
}

/// Whether the struct a composite literal builds has the field `field`.
fn has_field(view: &FileView, lit: &Expr, field: Identity) -> bool {
    let m = view.model();
    let Some(t) = view.type_of(lit) else {
        return false;
    };
    match m.ty(m.under_ro(m.deref(t))) {
        Type::Struct(fields) => fields.iter().any(|f| m.identity(f.obj) == field),
        _ => false,
    }
}

fn is_exported(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}

impl Channel {
    /// The `make` of a local channel, when it is in file `file`: a related
    /// place of a finding there.
    pub fn made_in(&self, file: usize) -> Option<Span> {
        self.origin
            .as_ref()
            .filter(|o| o.file == file)
            .map(|o| o.make)
    }
}

impl Channel {
    /// Whether the channel is an optional hook of the program: every send
    /// and receive on it written in the package's non-test files (at
    /// least one) is inside `if <the same channel> != nil { ... }`. Code
    /// that tests the channel for nil before each use treats "nobody
    /// installed a channel" as a normal state, and whoever installs one (a
    /// test, another package, a caller setting an exported field) is the
    /// partner the operation waits for: the package's own files say
    /// nothing about whether that partner exists.
    pub fn optional_hook(&self, cx: &PackageContext) -> bool {
        let mut objects = Vec::new();
        for o in &self.ops {
            if cx.file(o.file).is_test {
                continue;
            }
            if o.through_call || !matches!(o.kind, OpKind::Send | OpKind::Recv) {
                return false;
            }
            match nil_guarded(cx, o) {
                Some(obj) => objects.push(obj),
                None => return false,
            }
        }
        // A channel the package's own code installs is not optional: its
        // partner must be in view like any other.
        !objects.is_empty() && !objects.iter().any(|&obj| set_in_program(cx, obj))
    }
}

/// Whether operation `o` (a send or receive written in its function) is
/// in the body of an `if` whose condition requires its channel to be
/// non-nil (`ch != nil`, alone or as an operand of `&&`), the channel
/// compared by object and receiver path.
fn nil_guarded(cx: &PackageContext, o: &Op) -> Option<letgo_types::model::ObjId> {
    let view = cx.types(o.file)?;
    let src = &cx.file(o.file).src;
    let f = o.func(cx)?;
    let at = o.span.start;
    let mut chan: Option<&Expr> = None;
    inspect(Node::Block(f.body), &mut |n| {
        match n {
            Node::Stmt(Stmt::Send(s)) if s.chan.pos() == at => chan = Some(&s.chan),
            Node::Expr(Expr::Unary(u)) if u.op == Token::Arrow && u.op_pos == at => {
                chan = Some(&u.x)
            }
            _ => {}
        }
        chan.is_none()
    });
    let chan = chan?;
    let same = |e: &Expr| {
        let e = e.unparen();
        e.span().text(src) == chan.unparen().span().text(src)
            && view.object_of_expr(e).is_some()
            && view.object_of_expr(e) == view.object_of_expr(chan.unparen())
    };
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Stmt(Stmt::If(i)) = n {
            if i.body.lbrace <= at && at < i.body.end() && requires_non_nil(&view, &i.cond, &same) {
                found = true;
            }
        }
        !found
    });
    let obj = match chan.unparen() {
        Expr::Selector(sel) => view.object_of(&sel.sel),
        Expr::Ident(id) => view.object_of(id),
        _ => None,
    };
    obj.filter(|_| found)
}

/// Whether a non-test file of the package sets the variable or field
/// `obj` to something other than `nil`: an assignment, a keyed element of
/// a composite literal, or a declaration with a value.
fn set_in_program(cx: &PackageContext, obj: letgo_types::model::ObjId) -> bool {
    cx.files().filter(|(_, sf)| !sf.is_test).any(|(fi, sf)| {
        let Some(view) = cx.types(fi) else {
            return true; // unseen: it may
        };
        let is_obj = |e: &Expr| match e.unparen() {
            Expr::Selector(sel) => view.object_of(&sel.sel) == Some(obj),
            Expr::Ident(id) => view.object_of(id) == Some(obj),
            _ => false,
        };
        let not_nil = |e: &Expr| !crate::syntax::is_nil(&view, e);
        let mut found = false;
        inspect(Node::File(&sf.ast), &mut |n| {
            match n {
                Node::Stmt(Stmt::Assign(a)) => {
                    found |= a
                        .lhs
                        .iter()
                        .enumerate()
                        .any(|(i, l)| is_obj(l) && a.rhs.get(i).is_none_or(not_nil));
                }
                Node::Expr(Expr::KeyValue(kv)) => found |= is_obj(&kv.key) && not_nil(&kv.value),
                Node::Spec(Spec::Value(vs)) => {
                    found |= vs
                        .names
                        .iter()
                        .zip(&vs.values)
                        .any(|(id, v)| view.object_of(id) == Some(obj) && not_nil(v));
                }
                _ => {}
            }
            !found
        });
        found
    })
}

/// `x != nil` (or `nil != x`) for an `x` that `is_x` accepts, alone or as
/// an operand of `&&`.
fn requires_non_nil(view: &FileView, cond: &Expr, is_x: &dyn Fn(&Expr) -> bool) -> bool {
    let Expr::Binary(b) = cond.unparen() else {
        return false;
    };
    match b.op {
        Token::Land => requires_non_nil(view, &b.x, is_x) || requires_non_nil(view, &b.y, is_x),
        Token::Neq => {
            (is_x(&b.x) && crate::syntax::is_nil(view, &b.y))
                || (is_x(&b.y) && crate::syntax::is_nil(view, &b.x))
        }
        _ => false,
    }
}
