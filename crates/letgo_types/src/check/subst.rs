//! Substitution of type parameters, and instantiation of generic types.

use super::Checker;
use crate::model::{ObjId, ObjKind};
use crate::types::{Field, Interface, Named, Signature, Type, TypeId};

impl Checker {
    /// The generic named type `base` instantiated with `targs`.
    pub(crate) fn instantiate(&mut self, base: TypeId, targs: Vec<TypeId>) -> TypeId {
        let base = self.unalias(base);
        let Type::Named(n) = self.m.ty(base).clone() else {
            return base;
        };
        if n.tparams.is_empty() && self.m.obj(n.obj).state != crate::model::State::Done {
            self.obj_type(n.obj);
        }
        let Type::Named(n) = self.m.ty(base).clone() else {
            return base;
        };
        self.m.new_type(Type::Named(Named {
            obj: n.obj,
            underlying: None,
            methods: n.methods.clone(),
            tparams: n.tparams.clone(),
            targs,
            origin: Some(n.origin.unwrap_or(base)),
        }))
    }

    /// `t` with every type parameter of `map` replaced; `t` itself when
    /// nothing changes.
    pub(crate) fn subst(&mut self, t: TypeId, map: &[(TypeId, TypeId)]) -> TypeId {
        if map.is_empty() {
            return t;
        }
        self.subst_depth(t, map, 0)
    }

    fn subst_depth(&mut self, t: TypeId, map: &[(TypeId, TypeId)], depth: u32) -> TypeId {
        if depth > 50 {
            return t;
        }
        let d = depth + 1;
        match self.m.ty(t).clone() {
            Type::TypeParam { .. } => map.iter().find(|(p, _)| *p == t).map_or(t, |(_, a)| *a),
            Type::Basic(..) => t,
            Type::Pointer(e) => {
                let e2 = self.subst_depth(e, map, d);
                if e2 == e {
                    t
                } else {
                    self.m.pointer(e2)
                }
            }
            Type::Slice(e) => {
                let e2 = self.subst_depth(e, map, d);
                if e2 == e {
                    t
                } else {
                    self.m.slice(e2)
                }
            }
            Type::Array(n, e) => {
                let e2 = self.subst_depth(e, map, d);
                if e2 == e {
                    t
                } else {
                    self.m.array(n, e2)
                }
            }
            Type::Map(k, v) => {
                let (k2, v2) = (self.subst_depth(k, map, d), self.subst_depth(v, map, d));
                if (k2, v2) == (k, v) {
                    t
                } else {
                    self.m.map(k2, v2)
                }
            }
            Type::Chan(dir, e) => {
                let e2 = self.subst_depth(e, map, d);
                if e2 == e {
                    t
                } else {
                    self.m.chan(dir, e2)
                }
            }
            Type::Struct(fields) => {
                let mut changed = false;
                let mut out = Vec::with_capacity(fields.len());
                for f in fields {
                    let (o2, ch) = self.subst_var(f.obj, map, d);
                    changed |= ch;
                    out.push(Field { obj: o2, ..f });
                }
                if changed {
                    self.m.new_type(Type::Struct(out))
                } else {
                    t
                }
            }
            Type::Signature(sig) => {
                let (params, c1) = self.subst_vars(&sig.params, map, d);
                let (results, c2) = self.subst_vars(&sig.results, map, d);
                if !c1 && !c2 {
                    return t;
                }
                self.m.new_type(Type::Signature(Signature {
                    recv: sig.recv,
                    tparams: sig.tparams.clone(),
                    params,
                    results,
                    variadic: sig.variadic,
                }))
            }
            Type::Tuple(vars) => {
                let (vars2, ch) = self.subst_vars(&vars, map, d);
                if ch {
                    self.m.new_type(Type::Tuple(vars2))
                } else {
                    t
                }
            }
            Type::Interface(it) => {
                let mut changed = false;
                let mut methods = Vec::new();
                for &m in &it.methods {
                    let (m2, ch) = self.subst_var(m, map, d);
                    changed |= ch;
                    methods.push(m2);
                }
                let mut embeddeds = Vec::new();
                for &e in &it.embeddeds {
                    let e2 = self.subst_depth(e, map, d);
                    changed |= e2 != e;
                    embeddeds.push(e2);
                }
                if !changed {
                    return t;
                }
                self.m.new_type(Type::Interface(Interface {
                    methods,
                    embeddeds,
                    implicit: it.implicit,
                }))
            }
            Type::Union(terms) => {
                let mut changed = false;
                let mut out = Vec::new();
                for (tilde, x) in terms {
                    let x2 = self.subst_depth(x, map, d);
                    changed |= x2 != x;
                    out.push((tilde, x2));
                }
                if changed {
                    self.m.new_type(Type::Union(out))
                } else {
                    t
                }
            }
            Type::Named(n) => {
                if n.targs.is_empty() {
                    return t;
                }
                let mut changed = false;
                let mut targs = Vec::new();
                for &a in &n.targs {
                    let a2 = self.subst_depth(a, map, d);
                    changed |= a2 != a;
                    targs.push(a2);
                }
                if !changed {
                    return t;
                }
                let origin = n.origin.unwrap_or(t);
                self.instantiate(origin, targs)
            }
            // Generic aliases are not instantiated: kept as written.
            Type::Alias { .. } => t,
        }
    }

    fn subst_vars(
        &mut self,
        vars: &[ObjId],
        map: &[(TypeId, TypeId)],
        d: u32,
    ) -> (Vec<ObjId>, bool) {
        let mut changed = false;
        let out = vars
            .iter()
            .map(|&v| {
                let (v2, ch) = self.subst_var(v, map, d);
                changed |= ch;
                v2
            })
            .collect();
        (out, changed)
    }

    /// A variable, field or method with its type substituted: a new object
    /// at the same declaration when the type changes.
    fn subst_var(&mut self, v: ObjId, map: &[(TypeId, TypeId)], d: u32) -> (ObjId, bool) {
        let t = self.m.obj(v).typ;
        let t2 = self.subst_depth(t, map, d);
        if t2 == t {
            return (v, false);
        }
        let mut o = self.m.obj(v).clone();
        o.typ = t2;
        debug_assert!(matches!(
            o.kind,
            ObjKind::Var | ObjKind::Field | ObjKind::Method
        ));
        (self.m.new_obj(o), true)
    }
}
