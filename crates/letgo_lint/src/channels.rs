//! The channel view: for each channel whose every use can be seen, the
//! operations on it (send, receive, close, range), where they run (the
//! goroutine that performs them), whether they can block, and how the
//! channel was made. The goroutine rules (LG101–LG104, LG107) judge
//! channels from this view only; a channel that leaves it is not judged.
//!
//! Three kinds of channel are in view:
//! - a channel made in a function (`ch := make(chan T)`), followed into
//!   the function literals that capture it and the same-package functions
//!   it is handed to;
//! - a channel in an unexported struct field, as one package-level object
//!   (every `x.field` in the package, and calls to small accessor methods
//!   that just return the field);
//! - a channel in an unexported package-level variable.
//!
//! Leaving the view ("escaping") is recorded, not hidden: a channel
//! returned or exposed receive-only (`<-chan T`) keeps every send and close
//! in view, so rules about missing senders may still judge it; any other
//! escape (stored, sent, passed to another package) ends all judgement.

use crate::context::PackageContext;
use crate::funcs::Func;
use letgo_go::ast::{
    BlockStmt, CallExpr, ChanDir, CommClause, Expr, FieldList, FuncType, Span, Spec, Stmt,
};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

impl Op {
    /// Blocks until a partner arrives: not a `select` case with another
    /// way out.
    pub fn blocking(&self) -> bool {
        self.select
            .is_none_or(|s| !s.has_default && s.other_cases == 0)
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
    /// The element type's text.
    pub elem: String,
    /// The function that made it (trace name).
    pub function: String,
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
}

impl Channel {
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

/// Builds the view of every channel of the package.
pub fn channels<'a>(cx: &PackageContext<'a>, funcs: &[Func<'a>]) -> Vec<Channel> {
    let by_body: HashMap<(usize, u32), usize> = funcs
        .iter()
        .enumerate()
        .map(|(i, f)| ((f.file, f.body.lbrace), i))
        .collect();
    let mut out = Vec::new();
    local_channels(cx, funcs, &by_body, &mut out);
    field_channels(cx, funcs, &by_body, &mut out);
    global_channels(cx, funcs, &by_body, &mut out);
    out
}

// ---- which expressions denote the channel ----

#[derive(Debug, Clone)]
enum Matcher {
    Ident(String),
    /// `x.field`, or `x.accessor()` for an unexported accessor.
    Field {
        field: String,
        accessors: Vec<String>,
        /// The struct type that declares the field.
        owner: String,
    },
}

impl Matcher {
    /// The identifiers a use of the channel must contain.
    fn names(&self) -> Vec<String> {
        match self {
            Matcher::Ident(name) => vec![name.clone()],
            Matcher::Field {
                field, accessors, ..
            } => std::iter::once(field.clone())
                .chain(accessors.iter().cloned())
                .collect(),
        }
    }

    fn matches(&self, x: &Expr, src: &str) -> bool {
        match (self, x.unparen()) {
            (Matcher::Ident(name), Expr::Ident(id)) => id.name(src) == name,
            (Matcher::Field { field, .. }, Expr::Selector(sel)) => sel.sel.name(src) == field,
            (Matcher::Field { accessors, .. }, Expr::Call(call)) if call.args.is_empty() => {
                matches!(call.fun.unparen(), Expr::Selector(sel) if accessors.iter().any(|a| a == sel.sel.name(src)))
            }
            _ => false,
        }
    }

    /// `x.accessor()` for an unexported accessor of the field.
    fn matches_call(&self, call: &CallExpr, src: &str) -> bool {
        let Matcher::Field { accessors, .. } = self else {
            return false;
        };
        call.args.is_empty()
            && matches!(call.fun.unparen(), Expr::Selector(sel) if accessors.iter().any(|a| a == sel.sel.name(src)))
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
}

struct Collector<'c, 'a> {
    cx: &'c PackageContext<'a>,
    funcs: &'c [Func<'a>],
    /// Function index by (file, offset of the body's `{`).
    by_body: &'c HashMap<(usize, u32), usize>,
    matcher: Matcher,
    channel: Channel,
    /// Callees already followed, as (function index, parameter name).
    followed: Vec<(usize, String)>,
    /// The trace name of the function being walked.
    function: String,
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
        };
        self.block(f.body, ctx);
    }

    fn src(&self, file: usize) -> &'a str {
        &self.cx.file(file).src
    }

    fn is_ours(&self, x: &Expr, file: usize) -> bool {
        self.matcher.matches(x, self.src(file))
    }

    fn escape(&mut self, e: Escape) {
        self.channel.escape = self.channel.escape.max(e);
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
                    in_loop: true,
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
                    in_loop: true,
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
                    if self.is_ours(x, ctx.file) {
                        self.escape(returned_escape(ctx.sig));
                    } else {
                        self.expr(x, ctx);
                    }
                }
            }
            Stmt::Assign(a) => self.assign(&a.lhs, &a.rhs, ctx),
            Stmt::Decl(g) => {
                for spec in &g.specs {
                    if let Spec::Value(v) = spec {
                        for x in &v.values {
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

    fn assign(&mut self, lhs: &'a [Expr], rhs: &'a [Expr], ctx: Ctx<'a>) {
        for (i, r) in rhs.iter().enumerate() {
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
            if self.is_ours(l, ctx.file) {
                // A field set to a channel made here is an origin; set to
                // anything else, the channel comes from elsewhere.
                match rhs.get(i).map(Expr::unparen) {
                    Some(Expr::Call(c)) if make_chan(c, self.src(ctx.file)).is_some() => {
                        let cap = capacity(c, self.src(ctx.file));
                        self.channel.capacity = worst_capacity(&self.channel.capacity, cap);
                    }
                    Some(Expr::Ident(id)) if id.name(self.src(ctx.file)) == "nil" => {}
                    _ => self.escape(Escape::Full),
                }
            } else {
                self.expr(l, ctx);
            }
        }
    }

    fn go_stmt(&mut self, pos: u32, call: &'a CallExpr, ctx: Ctx<'a>) {
        let uses = mentions_ours(self, Node::Call(call), ctx.file);
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
        let inner = Ctx {
            goroutine: Some(pos),
            in_loop: false,
            range_over: None,
            ..ctx
        };
        self.call(call, ctx, Some(inner));
    }

    /// A call: `close`, `len`, a literal called in place, or a function the
    /// channel is handed to. `body_ctx` is the context the callee runs in
    /// (another goroutine for `go`).
    fn call(&mut self, call: &'a CallExpr, ctx: Ctx<'a>, body_ctx: Option<Ctx<'a>>) {
        let src = self.src(ctx.file);
        let body_ctx = body_ctx.unwrap_or(ctx);
        if let Expr::Ident(id) = call.fun.unparen() {
            match id.name(src) {
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
        if self.matcher.matches_call(call, self.src(ctx.file)) {
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
                for (i, arg) in call.args.iter().enumerate() {
                    if !self.is_ours(arg, ctx.file) {
                        self.expr(arg, ctx);
                        continue;
                    }
                    // Resolved only when the channel is handed over: rare.
                    let callee = *callee.get_or_insert_with(|| self.resolve(fun, ctx.file));
                    match callee {
                        Some(f) if call.ellipsis.is_none() => self.follow(f, i, body_ctx),
                        _ => self.escape(Escape::Full),
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
        mut walk: impl FnMut(&mut Self, String),
    ) {
        let names = param_names(params, self.src(ctx.file));
        for (i, arg) in args.iter().enumerate() {
            if !self.is_ours(arg, ctx.file) {
                self.expr(arg, ctx);
                continue;
            }
            match names.get(i) {
                Some(Some(n)) => walk(self, n.clone()),
                _ => self.escape(Escape::Full),
            }
        }
    }

    fn with_alias(&mut self, name: String, f: impl FnOnce(&mut Self)) {
        let saved = self.matcher.clone();
        self.matcher = Matcher::Ident(name);
        f(self);
        self.matcher = saved;
    }

    fn func_body(&mut self, body: &'a BlockStmt, sig: &'a FuncType, ctx: Ctx<'a>) {
        if let Matcher::Ident(name) = &self.matcher {
            // A parameter of the same name hides the channel.
            if param_names(&sig.params, self.src(ctx.file))
                .iter()
                .flatten()
                .any(|p| p == name)
            {
                return;
            }
        }
        self.lit_body(body, sig, ctx);
    }

    /// Walks a function literal's body, its operations named by it.
    fn lit_body(&mut self, body: &'a BlockStmt, sig: &'a FuncType, ctx: Ctx<'a>) {
        // Operations inside are written in the literal: name them by it.
        let name = self
            .by_body
            .get(&(ctx.file, body.lbrace))
            .map(|&i| self.funcs[i].name.clone());
        let saved = name.map(|n| std::mem::replace(&mut self.function, n));
        self.block(
            body,
            Ctx {
                sig,
                in_loop: false,
                range_over: None,
                ..ctx
            },
        );
        if let Some(outer) = saved {
            self.function = outer;
        }
    }

    /// The same-package function or method a call goes to, if it can be
    /// told without types: a package function by name, or a method whose
    /// name no other method in the package shares.
    fn resolve(&self, fun: &Expr, file: usize) -> Option<usize> {
        let src = self.src(file);
        let (name, is_method) = match fun {
            Expr::Ident(id) => (id.name(src), false),
            Expr::Selector(sel) => {
                if let Expr::Ident(pkg) = sel.x.unparen() {
                    if self.cx.imports_name(file, pkg.name(src)) {
                        return None;
                    }
                }
                (sel.sel.name(src), true)
            }
            _ => return None,
        };
        let mut found = self.funcs.iter().enumerate().filter(|(_, f)| {
            let crate::funcs::FuncKind::Decl(d) = f.kind else {
                return false;
            };
            d.recv.is_some() == is_method && d.name.name(self.src(f.file)) == name
        });
        let first = found.next().map(|(i, _)| i);
        if found.next().is_some() {
            return None;
        }
        first
    }

    fn follow(&mut self, callee: usize, arg: usize, ctx: Ctx<'a>) {
        let f = &self.funcs[callee];
        let names = param_names(&f.typ.params, self.src(f.file));
        let Some(Some(param)) = names.get(arg).cloned() else {
            self.escape(Escape::Full);
            return;
        };
        if ctx.depth >= 4 {
            self.escape(Escape::Full);
            return;
        }
        if self.followed.contains(&(callee, param.clone())) {
            return;
        }
        self.followed.push((callee, param.clone()));
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
                    range_over: None,
                    ..ctx
                },
            )
        });
        self.function = saved_fn;
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
                let inner = Ctx {
                    goroutine: Some(lit.typ.pos()),
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
    let mut found = false;
    inspect(node, &mut |n| {
        if let Node::Expr(e) = n {
            found |= c.matcher.matches(e, src);
        }
        if let Node::Ident(id) = n {
            found |= matches!(&c.matcher, Matcher::Ident(name) if id.name(src) == name);
        }
        if let Node::Call(call) = n {
            found |= c.matcher.matches_call(call, src);
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

/// Parameter names by position (`None` for `_` or unnamed).
fn param_names(params: &FieldList, src: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for f in &params.list {
        if f.names.is_empty() {
            out.push(None);
        }
        for n in &f.names {
            let name = n.name(src);
            out.push((name != "_").then(|| name.to_string()));
        }
    }
    out
}

/// `make(chan T, ...)`: the element type's text.
pub fn make_chan<'s>(call: &CallExpr, src: &'s str) -> Option<&'s str> {
    if !matches!(call.fun.unparen(), Expr::Ident(id) if id.name(src) == "make") {
        return None;
    }
    match call.args.first()? {
        Expr::ChanType(c) if c.dir == ChanDir::Both => Some(c.value.span().text(src)),
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
    cx: &'c PackageContext<'a>,
    funcs: &'c [Func<'a>],
    by_body: &'c HashMap<(usize, u32), usize>,
    matcher: Matcher,
    channel: Channel,
) -> Collector<'c, 'a> {
    Collector {
        cx,
        funcs,
        by_body,
        matcher,
        channel,
        followed: Vec::new(),
        function: String::new(),
    }
}

fn local_channels<'a>(
    cx: &PackageContext<'a>,
    funcs: &[Func<'a>],
    by_body: &HashMap<(usize, u32), usize>,
    out: &mut Vec<Channel>,
) {
    for f in funcs {
        let src = &cx.file(f.file).src;
        for site in f.sites.iter().copied() {
            let Some((name, call)) = local_make(site.stmt, src) else {
                continue;
            };
            let origin = Origin {
                file: f.file,
                make: Span::new(call.pos(), call.end()),
                elem: make_chan(call, src).unwrap_or("").to_string(),
                function: f.name.clone(),
            };
            let channel = Channel {
                name: name.to_string(),
                kind: ChannelKind::Local,
                capacity: capacity(call, src),
                origin: Some(origin),
                ops: Vec::new(),
                spawns: Vec::new(),
                escape: Escape::None,
            };
            let mut c = new_collector(
                cx,
                funcs,
                by_body,
                Matcher::Ident(name.to_string()),
                channel,
            );
            c.walk_function(f);
            out.push(c.channel);
        }
    }
}

/// `name := make(chan T, ...)` or `var name = make(chan T, ...)`.
fn local_make<'a>(s: &'a Stmt, src: &'a str) -> Option<(&'a str, &'a CallExpr)> {
    let (lhs, rhs) = match s {
        Stmt::Assign(a) if a.tok == Token::Define && a.lhs.len() == 1 && a.rhs.len() == 1 => {
            (crate::syntax::ident_name(&a.lhs[0], src)?, &a.rhs[0])
        }
        Stmt::Decl(g) if g.tok == Token::Var && g.specs.len() == 1 => {
            let Spec::Value(v) = &g.specs[0] else {
                return None;
            };
            if v.names.len() != 1 || v.values.len() != 1 {
                return None;
            }
            (v.names[0].name(src), &v.values[0])
        }
        _ => return None,
    };
    let Expr::Call(call) = rhs.unparen() else {
        return None;
    };
    make_chan(call, src)?;
    (lhs != "_").then_some((lhs, &**call))
}

fn field_channels<'a>(
    cx: &PackageContext<'a>,
    funcs: &[Func<'a>],
    by_body: &HashMap<(usize, u32), usize>,
    out: &mut Vec<Channel>,
) {
    let symbols = &cx.package.symbols;
    let mut field_owners: std::collections::HashMap<&str, usize> = Default::default();
    for t in symbols.types.values() {
        for f in &t.fields {
            *field_owners.entry(f.name.as_str()).or_default() += 1;
        }
    }
    for (type_name, t) in &symbols.types {
        for field in &t.fields {
            let is_chan = field.typ.starts_with("chan") || field.typ.starts_with("<-chan");
            if !is_chan
                || field.embedded
                || is_exported(&field.name)
                || field_owners[field.name.as_str()] > 1
            {
                continue;
            }
            let (accessors, escape) = accessors_of(cx, &field.name);
            let channel = Channel {
                name: field.name.clone(),
                kind: ChannelKind::Field,
                capacity: Capacity::Unbuffered,
                origin: None,
                ops: Vec::new(),
                spawns: Vec::new(),
                escape,
            };
            let matcher = Matcher::Field {
                field: field.name.clone(),
                accessors,
                owner: type_name.clone(),
            };
            out.push(walk_package(cx, funcs, by_body, matcher, channel));
        }
    }
}

/// Methods whose body is just `return recv.field`: unexported ones stand
/// for the field; an exported one lets other packages receive (or, when
/// it returns a bidirectional channel, do anything).
fn accessors_of(cx: &PackageContext, field: &str) -> (Vec<String>, Escape) {
    let mut names = Vec::new();
    let mut escape = Escape::None;
    for methods in cx.package.symbols.methods.values() {
        for m in methods {
            let sf = cx.file(m.at.file);
            let letgo_go::ast::Decl::Func(d) = &sf.ast.decls[m.decl] else {
                continue;
            };
            let Some(body) = &d.body else { continue };
            let [Stmt::Return(r)] = body.list.as_slice() else {
                continue;
            };
            let [Expr::Selector(sel)] = r.results.as_slice() else {
                continue;
            };
            if sel.sel.name(&sf.src) != field {
                continue;
            }
            if is_exported(&m.name) {
                escape = escape.max(returned_escape(&d.typ));
            } else {
                names.push(m.name.clone());
            }
        }
    }
    (names, escape)
}

fn global_channels<'a>(
    cx: &PackageContext<'a>,
    funcs: &[Func<'a>],
    by_body: &HashMap<(usize, u32), usize>,
    out: &mut Vec<Channel>,
) {
    for (name, var) in &cx.package.symbols.vars {
        if is_exported(name) {
            continue;
        }
        let sf = cx.file(var.at.file);
        let Some(value) = var.value else { continue };
        let text = value.text(&sf.src);
        let is_make = text.starts_with("make(chan ") || text.starts_with("make(chan<-");
        let declared_chan = var.typ.as_deref().is_some_and(|t| t.starts_with("chan"));
        if !is_make && !declared_chan {
            continue;
        }
        if shadowed(cx, funcs, name) {
            continue;
        }
        let cap = if value.text(&sf.src).contains(',') {
            Capacity::Unknown
        } else {
            Capacity::Unbuffered
        };
        let channel = Channel {
            name: name.clone(),
            kind: ChannelKind::Global,
            capacity: cap,
            origin: None,
            ops: Vec::new(),
            spawns: Vec::new(),
            escape: Escape::None,
        };
        out.push(walk_package(
            cx,
            funcs,
            by_body,
            Matcher::Ident(name.clone()),
            channel,
        ));
    }
}

/// Whether any function declares a parameter or local of this name.
fn shadowed(cx: &PackageContext, funcs: &[Func], name: &str) -> bool {
    funcs.iter().any(|f| {
        let src = &cx.file(f.file).src;
        param_names(&f.typ.params, src)
            .iter()
            .flatten()
            .any(|p| p == name)
            || f.sites.iter().any(|s| {
                match s.stmt {
            Stmt::Assign(a) if a.tok == Token::Define => a
                .lhs
                .iter()
                .any(|l| crate::syntax::ident_name(l, src) == Some(name)),
            Stmt::Decl(g) => g.specs.iter().any(
                |sp| matches!(sp, Spec::Value(v) if v.names.iter().any(|n| n.name(src) == name)),
            ),
            Stmt::Range(r) => [&r.key, &r.value].iter().any(|k| {
                k.as_ref()
                    .is_some_and(|k| crate::syntax::ident_name(k, src) == Some(name))
            }),
            _ => false,
        }
            })
    })
}

/// Walks every top-level function of the package for a package-level
/// channel (nested literals are reached from their parents).
fn walk_package<'a>(
    cx: &PackageContext<'a>,
    funcs: &[Func<'a>],
    by_body: &HashMap<(usize, u32), usize>,
    matcher: Matcher,
    channel: Channel,
) -> Channel {
    let mut c = new_collector(cx, funcs, by_body, matcher, channel);
    // Only functions whose text names the channel can use it: a cheap
    // substring test spares walking the rest of a large package.
    let names = c.matcher.names();
    for f in funcs.iter().filter(|f| f.parent.is_none()) {
        let text = f.body.span_text(&cx.file(f.file).src);
        if !names.iter().any(|n| text.contains(n.as_str())) {
            continue;
        }
        c.walk_function(f);
    }
    // Struct literals may make the channel: `&S{ch: make(chan T)}`.
    composite_origins(cx, &mut c);
    c.channel
}

fn composite_origins(cx: &PackageContext, c: &mut Collector) {
    let Matcher::Field { field, owner, .. } = &c.matcher else {
        return;
    };
    let (field, owner) = (field.clone(), owner.clone());
    for (_, sf) in cx.files().filter(|(_, sf)| sf.src.contains(field.as_str())) {
        inspect(Node::File(&sf.ast), &mut |n| {
            // `T{a, b}` sets every field by position: the channel may come
            // from anywhere.
            if let Node::Expr(Expr::CompositeLit(lit)) = n {
                let of_owner = lit
                    .typ
                    .as_ref()
                    .is_some_and(|t| crate::syntax::ident_name(t, &sf.src) == Some(owner.as_str()));
                if of_owner && lit.elts.iter().any(|e| !matches!(e, Expr::KeyValue(_))) {
                    c.channel.escape = Escape::Full;
                }
            }
            if let Node::Expr(Expr::KeyValue(kv)) = n {
                if crate::syntax::ident_name(&kv.key, &sf.src) == Some(&field) {
                    // Made here, the literal is an origin; anything else
                    // brings in a channel others may hold.
                    match kv.value.unparen() {
                        Expr::Call(call) if make_chan(call, &sf.src).is_some() => {
                            let cap = capacity(call, &sf.src);
                            c.channel.capacity = worst_capacity(&c.channel.capacity, cap);
                        }
                        Expr::Ident(id) if id.name(&sf.src) == "nil" => {}
                        _ => c.channel.escape = Escape::Full,
                    }
                }
            }
            true
        });
    }
}

fn is_exported(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}
