//! Package-level declarations, resolved when first needed: constants and
//! variables (with iota and implicit repetition), type declarations
//! (named, generic, alias), function and method signatures.

use super::{Checker, Ctx};
use crate::constant::Value;
use crate::model::{DeclRef, FileId, Mode, ObjId, ObjKind, State};
use crate::types::{Named, Type, TypeId};
use letgo_go::ast::{Decl, Expr, FieldList, Spec, ValueSpec};
use letgo_go::token::Token;

impl Checker {
    /// The type of an object, resolving its declaration on first use.
    pub(crate) fn obj_type(&mut self, o: ObjId) -> TypeId {
        if self.m.obj(o).state == State::Unresolved {
            self.resolve(o);
        }
        self.m.obj(o).typ
    }

    pub(crate) fn obj_val(&mut self, o: ObjId) -> Value {
        self.obj_type(o);
        self.m.obj(o).val.clone()
    }

    fn decl_ctx(&self, file: FileId) -> Ctx {
        Ctx {
            file,
            pkg: self.m.file_pkgs[file.0 as usize],
            scope: self.m.file_scopes[file.0 as usize],
            sig: None,
            iota: None,
            labels: None,
        }
    }

    fn resolve(&mut self, o: ObjId) {
        self.m.obj_mut(o).state = State::Resolving;
        match self.m.obj(o).decl {
            DeclRef::Value {
                file,
                decl,
                spec,
                name,
            } => {
                let cx = self.decl_ctx(file);
                let (t, v) = self.with_ctx(cx, |c| c.package_value(file, decl, spec, name));
                let obj = self.m.obj_mut(o);
                obj.typ = t;
                obj.val = v;
            }
            DeclRef::Type { file, decl, spec } => {
                let cx = self.decl_ctx(file);
                self.with_ctx(cx, |c| c.type_decl(o, file, decl, spec));
            }
            DeclRef::Func { file, decl } => {
                let cx = self.decl_ctx(file);
                let t = self.with_ctx(cx, |c| c.func_decl_sig(o, file, decl));
                self.m.obj_mut(o).typ = t;
            }
            DeclRef::None => {}
        }
        self.m.obj_mut(o).state = State::Done;
    }

    fn gen_spec(
        &self,
        file: FileId,
        decl: u32,
    ) -> Option<std::sync::Arc<crate::model::SourceFile>> {
        let f = self.m.files[file.0 as usize].clone();
        match f.ast.decls.get(decl as usize) {
            Some(Decl::Gen(_)) | Some(Decl::Func(_)) => Some(f),
            _ => None,
        }
    }

    fn package_value(&mut self, file: FileId, decl: u32, spec: u32, name: u32) -> (TypeId, Value) {
        let Some(f) = self.gen_spec(file, decl) else {
            return (self.m.invalid, Value::Unknown);
        };
        let Decl::Gen(g) = &f.ast.decls[decl as usize] else {
            return (self.m.invalid, Value::Unknown);
        };
        let Spec::Value(v) = &g.specs[spec as usize] else {
            return (self.m.invalid, Value::Unknown);
        };
        let is_const = g.tok == Token::Const;
        let inherited = if is_const {
            inherited_spec(&g.specs, spec as usize)
        } else {
            None
        };
        let all = self.value_spec(v, is_const, inherited);
        all.into_iter()
            .nth(name as usize)
            .unwrap_or((self.m.invalid, Value::Unknown))
    }

    /// The types (and constant values) of a const or var spec's names.
    /// `inherited` is the earlier spec whose type and values an
    /// implicitly repeated constant spec takes.
    pub(crate) fn value_spec(
        &mut self,
        v: &ValueSpec,
        is_const: bool,
        inherited: Option<&ValueSpec>,
    ) -> Vec<(TypeId, Value)> {
        let n = v.names.len();
        let (typ_expr, values) = match inherited {
            Some(src) if v.values.is_empty() && v.typ.is_none() => (src.typ.as_ref(), &src.values),
            _ => (v.typ.as_ref(), &v.values),
        };
        let saved_iota = self.cx.iota;
        if is_const {
            self.cx.iota = Some(v.iota as i128);
        }
        let declared = typ_expr.map(|t| self.typexpr(t));
        let mut out = Vec::with_capacity(n);
        if values.len() == n || (is_const && !values.is_empty()) {
            for i in 0..n {
                let Some(e) = values.get(i) else {
                    out.push((declared.unwrap_or(self.m.invalid), Value::Unknown));
                    continue;
                };
                let mut op = self.expr(e);
                let t = match declared {
                    Some(t) => {
                        self.assign_to(e, &mut op, t);
                        t
                    }
                    None if is_const => op.typ,
                    None => {
                        let d = self.default_type(op.typ);
                        self.assign_to(e, &mut op, d);
                        d
                    }
                };
                let val = if is_const { op.val } else { Value::Unknown };
                out.push((t, val));
            }
        } else if values.len() == 1 {
            let op = self.expr(&values[0]);
            let types = self.unpack(&values[0], &op, n);
            for t in types {
                out.push((declared.unwrap_or(t), Value::Unknown));
            }
        } else {
            for _ in 0..n {
                out.push((declared.unwrap_or(self.m.invalid), Value::Unknown));
            }
        }
        self.cx.iota = saved_iota;
        out
    }

    fn type_decl(&mut self, o: ObjId, file: FileId, decl: u32, spec: u32) {
        let f = self.m.files[file.0 as usize].clone();
        let Some(Decl::Gen(g)) = f.ast.decls.get(decl as usize) else {
            return;
        };
        let Spec::Type(ts) = &g.specs[spec as usize] else {
            return;
        };
        if ts.assign.is_some() && ts.type_params.is_none() {
            let alias = self.m.new_type(Type::Alias {
                obj: o,
                rhs: self.m.invalid,
                targs: vec![],
            });
            self.m.obj_mut(o).typ = alias;
            let rhs = self.typexpr(&ts.typ);
            if let Type::Alias { rhs: r, .. } = &mut self.m.types[alias.0 as usize] {
                *r = rhs;
            }
            return;
        }
        let methods = self.methods_of.get(&o).cloned().unwrap_or_default();
        let named = self.m.new_type(Type::Named(Named {
            obj: o,
            underlying: None,
            methods,
            tparams: vec![],
            targs: vec![],
            origin: None,
        }));
        {
            let obj = self.m.obj_mut(o);
            obj.typ = named;
            obj.state = State::Done;
        }
        let saved = self.cx.scope;
        if let Some(tp) = &ts.type_params {
            self.cx.scope = self.m.new_scope(Some(saved));
            let tparams = self.declare_type_params(tp);
            if let Type::Named(n) = &mut self.m.types[named.0 as usize] {
                n.tparams = tparams;
            }
        }
        let rhs = self.typexpr(&ts.typ);
        self.cx.scope = saved;
        let under = self.under(rhs);
        if let Type::Named(n) = &mut self.m.types[named.0 as usize] {
            n.underlying = Some(under);
        }
    }

    /// Declares type parameters in the current scope; constraints may refer
    /// to any of them.
    pub(crate) fn declare_type_params(&mut self, list: &FieldList) -> Vec<TypeId> {
        let f = self.m.files[self.cx.file.0 as usize].clone();
        let mut tparams = Vec::new();
        let mut index = 0;
        for field in &list.list {
            for name in &field.names {
                let nm = name.name(&f.src);
                let o = self.m.simple_obj(
                    ObjKind::TypeName,
                    nm,
                    Some(self.cx.pkg),
                    Some((self.cx.file, name.pos)),
                    self.m.invalid,
                );
                let t = self.m.new_type(Type::TypeParam {
                    obj: o,
                    index,
                    constraint: self.m.invalid,
                });
                index += 1;
                self.m.obj_mut(o).typ = t;
                self.m.insert(self.cx.scope, nm, o);
                tparams.push(t);
            }
        }
        let mut i = 0;
        for field in &list.list {
            let bound = self.constraint(&field.typ);
            for _ in &field.names {
                if let Type::TypeParam { constraint, .. } = &mut self.m.types[tparams[i].0 as usize]
                {
                    *constraint = bound;
                }
                i += 1;
            }
        }
        tparams
    }

    /// A constraint: an interface, or a type set written bare (`~int | string`),
    /// which is an implicit interface.
    fn constraint(&mut self, e: &Expr) -> TypeId {
        let t = self.typexpr(e);
        let is_iface = matches!(self.m.ty(self.under_ro(t)), Type::Interface(_));
        if is_iface {
            return t;
        }
        self.m.new_type(Type::Interface(crate::types::Interface {
            methods: vec![],
            embeddeds: vec![t],
            implicit: true,
        }))
    }

    /// A function's or method's signature; for a method of a generic type,
    /// the receiver's type parameters are the method's own.
    fn func_decl_sig(&mut self, o: ObjId, file: FileId, decl: u32) -> TypeId {
        let f = self.m.files[file.0 as usize].clone();
        let Some(Decl::Func(fd)) = f.ast.decls.get(decl as usize) else {
            return self.m.invalid;
        };
        let saved = self.cx.scope;
        self.cx.scope = self.m.new_scope(Some(saved));
        let recv = fd.recv.as_ref().and_then(|r| r.list.first()).map(|field| {
            let t = self.receiver_type(o, &field.typ);
            let (name, pos) = match field.names.first() {
                Some(n) => (n.name(&f.src).to_string(), Some((file, n.pos))),
                None => (String::new(), None),
            };
            self.m
                .simple_obj(ObjKind::Var, &name, Some(self.cx.pkg), pos, t)
        });
        let sig = self.signature(&fd.typ, recv);
        self.func_scopes.insert(o, self.cx.scope);
        self.cx.scope = saved;
        sig
    }

    /// The receiver type, declaring the receiver's type parameters
    /// (`func (l *List[E]) ...` declares `E`).
    fn receiver_type(&mut self, method: ObjId, e: &Expr) -> TypeId {
        match e {
            Expr::Paren(p) => {
                let t = self.receiver_type(method, &p.x);
                self.record_type(
                    e.pos(),
                    e.end(),
                    crate::nodes::node_code(e),
                    Mode::TypeExpr,
                    t,
                );
                t
            }
            Expr::Star(s) => {
                let base = self.receiver_type(method, &s.x);
                let t = self.m.pointer(base);
                self.record_type(
                    e.pos(),
                    e.end(),
                    crate::nodes::node_code(e),
                    Mode::TypeExpr,
                    t,
                );
                t
            }
            Expr::Index(_) | Expr::IndexList(_) => {
                let (x, args): (&Expr, Vec<&Expr>) = match e {
                    Expr::Index(ix) => (&ix.x, vec![&ix.index]),
                    Expr::IndexList(ix) => (&ix.x, ix.indices.iter().collect()),
                    _ => unreachable!(),
                };
                let base = self.typexpr(x);
                let f = self.m.files[self.cx.file.0 as usize].clone();
                let origin_tparams = match self.m.ty(base) {
                    Type::Named(n) => n.tparams.clone(),
                    _ => vec![],
                };
                let mut tps = Vec::new();
                for (i, a) in args.iter().enumerate() {
                    let Expr::Ident(id) = a else { continue };
                    let nm = id.name(&f.src);
                    let o = self.m.simple_obj(
                        ObjKind::TypeName,
                        nm,
                        Some(self.cx.pkg),
                        Some((self.cx.file, id.pos)),
                        self.m.invalid,
                    );
                    let t = self.m.new_type(Type::TypeParam {
                        obj: o,
                        index: i as u32,
                        constraint: self.m.invalid,
                    });
                    self.m.obj_mut(o).typ = t;
                    self.m.insert(self.cx.scope, nm, o);
                    self.record_use(id.pos, o);
                    tps.push(t);
                }
                // Constraints: the type's, with its parameters renamed.
                let map: Vec<(TypeId, TypeId)> = origin_tparams
                    .iter()
                    .copied()
                    .zip(tps.iter().copied())
                    .collect();
                for (i, &tp) in tps.iter().enumerate() {
                    let Some(&orig) = origin_tparams.get(i) else {
                        continue;
                    };
                    let c = match self.m.ty(orig) {
                        Type::TypeParam { constraint, .. } => *constraint,
                        _ => continue,
                    };
                    let c = self.subst(c, &map);
                    if let Type::TypeParam { constraint, .. } = &mut self.m.types[tp.0 as usize] {
                        *constraint = c;
                    }
                }
                for (a, &tp) in args.iter().zip(&tps) {
                    self.record_type(
                        a.pos(),
                        a.end(),
                        crate::nodes::node_code(a),
                        Mode::TypeExpr,
                        tp,
                    );
                }
                self.recv_tparams.insert(method, tps.clone());
                let t = self.instantiate(base, tps);
                self.record_type(
                    e.pos(),
                    e.end(),
                    crate::nodes::node_code(e),
                    Mode::TypeExpr,
                    t,
                );
                t
            }
            _ => self.typexpr(e),
        }
    }

    /// The underlying type, following named types and aliases.
    pub(crate) fn under(&mut self, t: TypeId) -> TypeId {
        let mut t = t;
        for _ in 0..100 {
            match self.m.ty(t) {
                Type::Named(n) => {
                    if let Some(u) = n.underlying {
                        return u;
                    }
                    if let Some(origin) = n.origin {
                        let targs = n.targs.clone();
                        let ou = self.under(origin);
                        let tparams = match self.m.ty(origin) {
                            Type::Named(o) => o.tparams.clone(),
                            _ => vec![],
                        };
                        let map: Vec<_> = tparams.into_iter().zip(targs).collect();
                        let u = self.subst(ou, &map);
                        if let Type::Named(n) = &mut self.m.types[t.0 as usize] {
                            n.underlying = Some(u);
                        }
                        return u;
                    }
                    let obj = n.obj;
                    if self.m.obj(obj).state == State::Unresolved {
                        self.obj_type(obj);
                        continue;
                    }
                    return self.m.invalid;
                }
                Type::Alias { rhs, .. } => {
                    let (rhs, obj) = (*rhs, self.alias_obj(t));
                    if rhs == self.m.invalid && self.m.obj(obj).state == State::Unresolved {
                        self.obj_type(obj);
                        continue;
                    }
                    t = rhs;
                }
                _ => return t,
            }
        }
        self.m.invalid
    }

    fn alias_obj(&self, t: TypeId) -> ObjId {
        match self.m.ty(t) {
            Type::Alias { obj, .. } => *obj,
            _ => ObjId(0),
        }
    }

    /// The underlying type without resolving anything new.
    pub(crate) fn under_ro(&self, t: TypeId) -> TypeId {
        let mut t = t;
        for _ in 0..100 {
            match self.m.ty(t) {
                Type::Named(n) => return n.underlying.unwrap_or(self.m.invalid),
                Type::Alias { rhs, .. } => t = *rhs,
                _ => return t,
            }
        }
        t
    }

    /// Follows aliases only.
    pub(crate) fn unalias(&mut self, t: TypeId) -> TypeId {
        let mut t = t;
        for _ in 0..100 {
            match self.m.ty(t) {
                Type::Alias { rhs, .. } => {
                    let rhs = *rhs;
                    if rhs == self.m.invalid {
                        let o = self.alias_obj(t);
                        if self.m.obj(o).state == State::Unresolved {
                            self.obj_type(o);
                            continue;
                        }
                    }
                    t = rhs;
                }
                _ => return t,
            }
        }
        t
    }
}

/// For an implicitly repeated constant spec, the last earlier spec with
/// values.
pub(crate) fn inherited_spec(specs: &[Spec], index: usize) -> Option<&ValueSpec> {
    specs[..=index].iter().rev().find_map(|s| match s {
        Spec::Value(v) if !v.values.is_empty() => Some(v),
        _ => None,
    })
}
