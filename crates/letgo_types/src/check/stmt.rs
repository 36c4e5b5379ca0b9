//! Statements and function bodies: block scopes, declarations by `:=`,
//! `var`, `const` and `type`, range variables, type switch clause
//! variables, labels.

use super::{Checker, Operand};
use crate::model::{FileId, Mode, ObjId, ObjKind, PkgId, ScopeId};
use crate::types::{BasicKind, Type, TypeId};
use letgo_go::ast::{BlockStmt, Decl, Expr, GenDecl, Spec, Stmt};
use letgo_go::token::Token;

impl Checker {
    /// Checks every package-level declaration and function body of `pkg`.
    pub fn check_package(&mut self, pkg: PkgId) {
        let files = self.m.packages[pkg.0 as usize].files.clone();
        for fid in files {
            self.check_file(fid);
        }
    }

    fn check_file(&mut self, fid: FileId) {
        let f = self.m.files[fid.0 as usize].clone();
        // Room for the file's expression records at once: grown by
        // doubling, the map rehashed every record again and again (a
        // tenth of the checker's time on GOROOT/src). Go source has about
        // one typed expression per 16 bytes, more in dense files.
        self.m.records[fid.0 as usize]
            .types
            .reserve(f.src.len() / 12);
        let cx = super::Ctx {
            file: fid,
            pkg: self.m.file_pkgs[fid.0 as usize],
            scope: self.m.file_scopes[fid.0 as usize],
            sig: None,
            iota: None,
            labels: None,
        };
        let pscope = self.m.packages[cx.pkg.0 as usize].scope;
        self.with_ctx(cx, |c| {
            for (di, decl) in f.ast.decls.iter().enumerate() {
                match decl {
                    Decl::Gen(g) => c.package_gen_decl(g, pscope, &f.src),
                    Decl::Func(fd) => {
                        let Some(o) = c.func_obj(pscope, fid, di as u32, fd) else {
                            continue;
                        };
                        let sig = c.obj_type(o);
                        let Some(body) = &fd.body else { continue };
                        let scope = c.func_scopes.get(&o).copied().unwrap_or(c.cx.scope);
                        c.func_body(sig, scope, body);
                    }
                    Decl::Bad(_) => {}
                }
            }
        });
    }

    fn package_gen_decl(&mut self, g: &GenDecl, pscope: ScopeId, src: &str) {
        for (si, spec) in g.specs.iter().enumerate() {
            match spec {
                Spec::Value(v) => {
                    for name in &v.names {
                        if let Some(&o) = self.m.scopes[pscope.0 as usize].names.get(name.name(src))
                        {
                            self.obj_type(o);
                        }
                    }
                    // Blank names are never looked up: check their values here.
                    if v.names.iter().any(|n| n.name(src) == "_") {
                        let inherited = if g.tok == Token::Const {
                            super::decl::inherited_spec(&g.specs, si)
                        } else {
                            None
                        };
                        self.value_spec(v, g.tok == Token::Const, inherited);
                    }
                }
                Spec::Type(t) => {
                    if let Some(&o) = self.m.scopes[pscope.0 as usize].names.get(t.name.name(src)) {
                        self.obj_type(o);
                    }
                }
                Spec::Import(_) => {}
            }
        }
    }

    /// The object of a function declaration (methods and `init` are not in
    /// the package scope, so they are found by their declaration).
    fn func_obj(
        &mut self,
        pscope: ScopeId,
        fid: FileId,
        di: u32,
        fd: &letgo_go::ast::FuncDecl,
    ) -> Option<ObjId> {
        let src = &self.m.files[fid.0 as usize].src;
        let name = fd.name.name(src);
        if fd.recv.is_none() && name != "init" && name != "_" {
            return self.m.scopes[pscope.0 as usize].names.get(name).copied();
        }
        self.func_decls.get(&(fid, di)).copied()
    }

    /// Checks a function body in a scope holding its parameters.
    pub(crate) fn func_body(&mut self, sig: TypeId, outer: ScopeId, body: &BlockStmt) {
        let scope = self.m.new_scope(Some(outer));
        if let Type::Signature(s) = self.m.ty(sig).clone() {
            for v in s.recv.iter().chain(&s.params).chain(&s.results) {
                let name = self.m.obj(*v).name.clone();
                if !name.is_empty() {
                    self.m.insert(scope, &name, *v);
                }
            }
        }
        let labels = self.m.new_scope(None);
        self.collect_labels(&body.list, labels);
        let saved = self.cx;
        self.cx.scope = scope;
        self.cx.sig = Some(sig);
        self.cx.labels = Some(labels);
        self.cx.iota = None;
        self.stmts(&body.list);
        self.cx = saved;
    }

    fn collect_labels(&mut self, list: &[Stmt], labels: ScopeId) {
        for s in list {
            self.collect_label(s, labels);
        }
    }

    fn collect_label(&mut self, s: &Stmt, labels: ScopeId) {
        match s {
            Stmt::Labeled(l) => {
                let name = self.m.files[self.cx.file.0 as usize].src
                    [l.label.pos as usize..l.label.end as usize]
                    .to_string();
                let o = self.m.simple_obj(
                    ObjKind::Label,
                    &name,
                    Some(self.cx.pkg),
                    Some((self.cx.file, l.label.pos)),
                    self.m.invalid,
                );
                self.m.insert(labels, &name, o);
                self.collect_label(&l.stmt, labels);
            }
            Stmt::Block(b) => self.collect_labels(&b.list, labels),
            Stmt::If(i) => {
                self.collect_labels(&i.body.list, labels);
                if let Some(e) = &i.els {
                    self.collect_label(e, labels);
                }
            }
            Stmt::For(f) => self.collect_labels(&f.body.list, labels),
            Stmt::Range(r) => self.collect_labels(&r.body.list, labels),
            Stmt::Switch(s) => {
                for c in &s.body.clauses {
                    self.collect_labels(&c.body, labels);
                }
            }
            Stmt::TypeSwitch(s) => {
                for c in &s.body.clauses {
                    self.collect_labels(&c.body, labels);
                }
            }
            Stmt::Select(s) => {
                for c in &s.body.clauses {
                    self.collect_labels(&c.body, labels);
                }
            }
            _ => {}
        }
    }

    fn stmts(&mut self, list: &[Stmt]) {
        for s in list {
            self.stmt(s);
        }
    }

    fn open_scope(&mut self) -> ScopeId {
        let saved = self.cx.scope;
        self.cx.scope = self.m.new_scope(Some(saved));
        saved
    }

    fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::Bad(_) | Stmt::Empty(_) => {}
            Stmt::Decl(g) => self.local_decl(g),
            Stmt::Labeled(l) => self.stmt(&l.stmt),
            Stmt::Expr(e) => {
                self.expr(e);
            }
            Stmt::Send(s) => {
                let ch = self.expr(&s.chan);
                let mut v = self.expr(&s.value);
                if let Some((_, elem)) = self.chan_elem(ch.typ) {
                    self.assign_to(&s.value, &mut v, elem);
                }
            }
            Stmt::IncDec(s) => {
                // go/types checks `x++` as `x += 1`, the `1` placed at x.
                let x = self.expr(&s.x);
                if x.mode != Mode::Invalid {
                    let p = s.x.pos();
                    self.record_type(p, p + 1, 3, Mode::Constant, x.typ);
                }
            }
            Stmt::Assign(a) => self.assign(&a.lhs, a.tok, &a.rhs),
            Stmt::Go(c) | Stmt::Defer(c) => {
                let op = self.call(&c.call);
                if !matches!(op.mode, Mode::Invalid | Mode::NoValue | Mode::Builtin(_)) {
                    self.record_type(c.call.pos(), c.call.end(), 12, op.mode, op.typ);
                }
            }
            Stmt::Return(r) => self.return_stmt(&r.results),
            Stmt::Branch(b) => {
                if let (Some(l), Some(labels)) = (&b.label, self.cx.labels) {
                    let name =
                        &self.m.files[self.cx.file.0 as usize].src[l.pos as usize..l.end as usize];
                    if let Some(&o) = self.m.scopes[labels.0 as usize].names.get(name) {
                        self.record_use(l.pos, o);
                    }
                }
            }
            Stmt::Block(b) => {
                let saved = self.open_scope();
                self.stmts(&b.list);
                self.cx.scope = saved;
            }
            Stmt::If(i) => {
                let saved = self.open_scope();
                if let Some(init) = &i.init {
                    self.stmt(init);
                }
                self.expr(&i.cond);
                let inner = self.open_scope();
                self.stmts(&i.body.list);
                self.cx.scope = inner;
                if let Some(e) = &i.els {
                    self.stmt(e);
                }
                self.cx.scope = saved;
            }
            Stmt::For(f) => {
                let saved = self.open_scope();
                if let Some(init) = &f.init {
                    self.stmt(init);
                }
                if let Some(c) = &f.cond {
                    self.expr(c);
                }
                if let Some(p) = &f.post {
                    self.stmt(p);
                }
                let inner = self.open_scope();
                self.stmts(&f.body.list);
                self.cx.scope = inner;
                self.cx.scope = saved;
            }
            Stmt::Range(r) => self.range_stmt(r),
            Stmt::Switch(s) => self.switch_stmt(s),
            Stmt::TypeSwitch(s) => self.type_switch(s),
            Stmt::Select(s) => {
                for c in &s.body.clauses {
                    let saved = self.open_scope();
                    if let Some(comm) = &c.comm {
                        self.stmt(comm);
                    }
                    self.stmts(&c.body);
                    self.cx.scope = saved;
                }
            }
        }
    }

    fn local_decl(&mut self, g: &GenDecl) {
        let f = self.m.files[self.cx.file.0 as usize].clone();
        for (si, spec) in g.specs.iter().enumerate() {
            match spec {
                Spec::Value(v) => {
                    let is_const = g.tok == Token::Const;
                    let inherited = if is_const {
                        super::decl::inherited_spec(&g.specs, si)
                    } else {
                        None
                    };
                    let types = self.value_spec(v, is_const, inherited);
                    for (name, (t, val)) in v.names.iter().zip(types) {
                        let kind = if is_const {
                            ObjKind::Const
                        } else {
                            ObjKind::Var
                        };
                        let nm = name.name(&f.src);
                        let o = self.m.simple_obj(
                            kind,
                            nm,
                            Some(self.cx.pkg),
                            Some((self.cx.file, name.pos)),
                            t,
                        );
                        self.m.obj_mut(o).val = val;
                        self.m.insert(self.cx.scope, nm, o);
                    }
                }
                Spec::Type(t) => {
                    let nm = t.name.name(&f.src);
                    let o = self.m.simple_obj(
                        ObjKind::TypeName,
                        nm,
                        Some(self.cx.pkg),
                        Some((self.cx.file, t.name.pos)),
                        self.m.invalid,
                    );
                    self.m.obj_mut(o).alias = t.assign.is_some();
                    self.m.obj_mut(o).decl = crate::model::DeclRef::None;
                    self.m.insert(self.cx.scope, nm, o);
                    self.local_type(o, t);
                }
                Spec::Import(_) => {}
            }
        }
    }

    /// A type declared inside a function.
    fn local_type(&mut self, o: ObjId, t: &letgo_go::ast::TypeSpec) {
        if t.assign.is_some() {
            let rhs = self.typexpr(&t.typ);
            let a = self.m.new_type(Type::Alias {
                obj: o,
                rhs,
                targs: vec![],
            });
            self.m.obj_mut(o).typ = a;
            return;
        }
        let named = self.m.new_type(Type::Named(crate::types::Named {
            obj: o,
            underlying: None,
            methods: vec![],
            tparams: vec![],
            targs: vec![],
            origin: None,
        }));
        self.m.obj_mut(o).typ = named;
        let saved = self.cx.scope;
        if let Some(tp) = &t.type_params {
            self.cx.scope = self.m.new_scope(Some(saved));
            let tps = self.declare_type_params(tp);
            if let Type::Named(n) = &mut self.m.types[named.0 as usize] {
                n.tparams = tps;
            }
        }
        let rhs = self.typexpr(&t.typ);
        self.cx.scope = saved;
        let u = self.under(rhs);
        if let Type::Named(n) = &mut self.m.types[named.0 as usize] {
            n.underlying = Some(u);
        }
    }

    fn declare_var(&mut self, id: &letgo_go::ast::Ident, t: TypeId) -> ObjId {
        let nm =
            self.m.files[self.cx.file.0 as usize].src[id.pos as usize..id.end as usize].to_string();
        let o = self.m.simple_obj(
            ObjKind::Var,
            &nm,
            Some(self.cx.pkg),
            Some((self.cx.file, id.pos)),
            t,
        );
        self.m.insert(self.cx.scope, &nm, o);
        o
    }

    fn assign(&mut self, lhs: &[Expr], tok: Token, rhs: &[Expr]) {
        if tok == Token::Define {
            let types = self.rhs_types(lhs, rhs, None);
            for (l, t) in lhs.iter().zip(types) {
                let Expr::Ident(id) = l else { continue };
                let name = id
                    .name(&self.m.files[self.cx.file.0 as usize].src)
                    .to_string();
                if name == "_" {
                    continue;
                }
                let existing = self.m.scopes[self.cx.scope.0 as usize]
                    .names
                    .get(name.as_str())
                    .copied();
                match existing {
                    Some(o) => self.record_use(id.pos, o),
                    None => {
                        self.declare_var(id, t);
                    }
                }
            }
            return;
        }
        if tok != Token::Assign {
            // x op= y
            let x = self.expr(&lhs[0]);
            let mut y = self.expr(&rhs[0]);
            if !matches!(tok, Token::ShlAssign | Token::ShrAssign) {
                self.assign_to(&rhs[0], &mut y, x.typ);
            }
            return;
        }
        let lhs_types: Vec<Option<TypeId>> = lhs
            .iter()
            .map(|l| {
                if let Expr::Ident(id) = l {
                    if id.name(&self.m.files[self.cx.file.0 as usize].src) == "_" {
                        return None;
                    }
                }
                let op = self.expr(l);
                (op.mode != Mode::Invalid).then_some(op.typ)
            })
            .collect();
        self.rhs_types(lhs, rhs, Some(&lhs_types));
    }

    /// The types the right-hand side gives each left-hand name; untyped
    /// values are converted to the left side's type, or their default.
    fn rhs_types(
        &mut self,
        lhs: &[Expr],
        rhs: &[Expr],
        targets: Option<&[Option<TypeId>]>,
    ) -> Vec<TypeId> {
        if lhs.len() == rhs.len() {
            let mut out = Vec::new();
            for (i, r) in rhs.iter().enumerate() {
                let target = targets.and_then(|t| t[i]);
                let mut op = self.expr_hint(r, None);
                let t = match target {
                    Some(t) => {
                        self.assign_to(r, &mut op, t);
                        t
                    }
                    None => {
                        let d = self.default_type(op.typ);
                        self.assign_to(r, &mut op, d);
                        d
                    }
                };
                out.push(t);
            }
            return out;
        }
        if rhs.len() == 1 {
            let op = self.expr(&rhs[0]);
            return self.unpack(&rhs[0], &op, lhs.len());
        }
        for r in rhs {
            self.expr(r);
        }
        vec![self.m.invalid; lhs.len()]
    }

    fn return_stmt(&mut self, results: &[Expr]) {
        let want: Vec<TypeId> = match self.cx.sig.map(|s| self.m.ty(s).clone()) {
            Some(Type::Signature(s)) => s.results.iter().map(|&v| self.m.obj(v).typ).collect(),
            _ => vec![],
        };
        if results.len() == want.len() {
            for (r, &t) in results.iter().zip(&want) {
                let mut op = self.expr(r);
                self.assign_to(r, &mut op, t);
            }
        } else {
            for r in results {
                self.expr(r);
            }
        }
    }

    fn range_stmt(&mut self, r: &letgo_go::ast::RangeStmt) {
        let saved = self.open_scope();
        let mut x = self.expr(&r.x);
        // An untyped constant number takes its default type; an untyped
        // string stays untyped, as in go/types.
        if self.is_untyped(x.typ) && !self.basic_kind(x.typ).is_string() {
            let d = self.default_type(x.typ);
            self.assign_to(&r.x, &mut x, d);
        }
        let (kt, vt) = self.range_types(&x);
        let define = r.tok == Token::Define;
        for (e, t) in [(&r.key, kt), (&r.value, vt)] {
            let Some(e) = e else { continue };
            if define {
                if let Expr::Ident(id) = e {
                    if id.name(&self.m.files[self.cx.file.0 as usize].src) != "_" {
                        self.declare_var(id, t);
                    }
                }
            } else if !matches!(e, Expr::Ident(id) if id.name(&self.m.files[self.cx.file.0 as usize].src) == "_")
            {
                self.expr(e);
            }
        }
        let inner = self.open_scope();
        self.stmts(&r.body.list);
        self.cx.scope = inner;
        self.cx.scope = saved;
    }

    fn range_types(&mut self, x: &Operand) -> (TypeId, TypeId) {
        let inv = self.m.invalid;
        let int = self.m.basic(BasicKind::Int);
        let core = self.core(x.typ);
        match self.m.ty(core).clone() {
            Type::Basic(k, _) if k.is_string() => (int, self.m.rune),
            Type::Basic(k, _) if k.is_integer() => (x.typ, inv),
            Type::Array(_, e) | Type::Slice(e) => (int, e),
            Type::Pointer(p) => {
                let pu = self.under(p);
                match self.m.ty(pu) {
                    Type::Array(_, e) => (int, *e),
                    _ => (inv, inv),
                }
            }
            Type::Map(k, v) => (k, v),
            Type::Chan(_, e) => (e, inv),
            Type::Signature(s) => {
                // func(yield func(K, V) bool)
                let Some(&y) = s.params.first() else {
                    return (inv, inv);
                };
                let yt = self.m.obj(y).typ;
                let yu = self.core(yt);
                match self.m.ty(yu).clone() {
                    Type::Signature(ys) => {
                        let k = ys.params.first().map_or(inv, |&p| self.m.obj(p).typ);
                        let v = ys.params.get(1).map_or(inv, |&p| self.m.obj(p).typ);
                        (k, v)
                    }
                    _ => (inv, inv),
                }
            }
            _ => (inv, inv),
        }
    }

    fn switch_stmt(&mut self, s: &letgo_go::ast::SwitchStmt) {
        let saved = self.open_scope();
        if let Some(init) = &s.init {
            self.stmt(init);
        }
        let tag = match &s.tag {
            Some(t) => {
                let mut op = self.expr(t);
                let d = self.default_type(op.typ);
                self.assign_to(t, &mut op, d);
                op.typ
            }
            None => self.m.basic(BasicKind::Bool),
        };
        for c in &s.body.clauses {
            for v in &c.list {
                let mut op = self.expr(v);
                if op.mode == Mode::Nil {
                    continue;
                }
                self.assign_to(v, &mut op, tag);
            }
            let inner = self.open_scope();
            self.stmts(&c.body);
            self.cx.scope = inner;
        }
        self.cx.scope = saved;
    }

    fn type_switch(&mut self, s: &letgo_go::ast::TypeSwitchStmt) {
        let saved = self.open_scope();
        if let Some(init) = &s.init {
            self.stmt(init);
        }
        // `x := y.(type)` or `y.(type)`.
        let (name, guard) = match &s.assign {
            Stmt::Assign(a) if a.tok == Token::Define => (
                a.lhs.first().and_then(Expr::as_ident).copied(),
                a.rhs.first(),
            ),
            Stmt::Expr(e) => (None, Some(&**e)),
            _ => (None, None),
        };
        let xt = match guard {
            Some(Expr::TypeAssert(ta)) => self.expr(&ta.x).typ,
            Some(e) => self.expr(e).typ,
            None => self.m.invalid,
        };
        for c in &s.body.clauses {
            let mut single = None;
            for v in &c.list {
                let op = self.expr_or_type(v);
                single = Some(if op.mode == Mode::Nil {
                    None
                } else {
                    Some(op.typ)
                });
            }
            let inner = self.open_scope();
            if let Some(id) = name {
                let t = match (c.list.len(), single) {
                    (1, Some(Some(t))) => t,
                    _ => xt,
                };
                let nm = id
                    .name(&self.m.files[self.cx.file.0 as usize].src)
                    .to_string();
                if nm != "_" {
                    let o = self.m.simple_obj(
                        ObjKind::Var,
                        &nm,
                        Some(self.cx.pkg),
                        Some((self.cx.file, id.pos)),
                        t,
                    );
                    self.m.insert(self.cx.scope, &nm, o);
                }
            }
            self.stmts(&c.body);
            self.cx.scope = inner;
        }
        self.cx.scope = saved;
    }
}
