//! Type argument inference for generic calls: unify parameter types with
//! argument types, then core types of constraints, then defaults of
//! untyped arguments.

use super::{Checker, Operand};
use crate::types::{Signature, Type, TypeId};

impl Checker {
    pub(crate) fn infer(
        &mut self,
        sig: &Signature,
        args: &[(Option<&letgo_go::ast::Expr>, Operand)],
        spread: bool,
    ) -> Vec<(TypeId, TypeId)> {
        let tparams = sig.tparams.clone();
        let mut bound: Vec<Option<TypeId>> = vec![None; tparams.len()];
        let mut untyped: Vec<(TypeId, TypeId)> = Vec::new();
        for (i, (_, op)) in args.iter().enumerate() {
            let Some(pt) = self.param_type(sig, i, spread) else {
                continue;
            };
            if self.is_untyped(op.typ) {
                untyped.push((pt, op.typ));
                continue;
            }
            self.unify(pt, op.typ, &tparams, &mut bound, 0);
        }
        // Core types: `S ~[]E` binds E from S's binding, or S from E.
        for _ in 0..3 {
            for (i, &tp) in tparams.iter().enumerate() {
                let constraint = match self.m.ty(tp) {
                    Type::TypeParam { constraint, .. } => *constraint,
                    _ => continue,
                };
                let core = self.single_term(constraint);
                let Some(core) = core else { continue };
                match bound[i] {
                    Some(b) => {
                        let bu = self.under(b);
                        self.unify(core, bu, &tparams, &mut bound, 0);
                    }
                    None => {
                        let map: Vec<_> = tparams
                            .iter()
                            .zip(&bound)
                            .filter_map(|(&p, b)| b.map(|b| (p, b)))
                            .collect();
                        if self.mentions_unbound(core, &tparams, &bound) {
                            continue;
                        }
                        bound[i] = Some(self.subst(core, &map));
                    }
                }
            }
        }
        for (pt, at) in untyped {
            if let Some(i) = tparams.iter().position(|&p| p == pt) {
                if bound[i].is_none() {
                    bound[i] = Some(self.default_type(at));
                }
            }
        }
        tparams
            .iter()
            .zip(bound)
            .map(|(&p, b)| (p, b.unwrap_or(self.m.invalid)))
            .collect()
    }

    /// The single type term of a constraint (`~[]E`), if it has one.
    fn single_term(&mut self, constraint: TypeId) -> Option<TypeId> {
        let cu = self.under(constraint);
        let Type::Interface(it) = self.m.ty(cu).clone() else {
            return None;
        };
        if it.embeddeds.len() != 1 {
            return None;
        }
        let e = self.unalias(it.embeddeds[0]);
        match self.m.ty(e).clone() {
            Type::Union(terms) if terms.len() == 1 => Some(terms[0].1),
            Type::Union(_) | Type::Interface(_) => None,
            Type::Named(_) => {
                let u = self.under(e);
                if matches!(self.m.ty(u), Type::Interface(_)) {
                    self.single_term(e)
                } else {
                    Some(e)
                }
            }
            _ => Some(e),
        }
    }

    fn mentions_unbound(&self, t: TypeId, tparams: &[TypeId], bound: &[Option<TypeId>]) -> bool {
        match self.m.ty(t) {
            Type::TypeParam { .. } => tparams
                .iter()
                .position(|&p| p == t)
                .is_some_and(|i| bound[i].is_none()),
            Type::Pointer(e) | Type::Slice(e) | Type::Array(_, e) | Type::Chan(_, e) => {
                self.mentions_unbound(*e, tparams, bound)
            }
            Type::Map(k, v) => {
                self.mentions_unbound(*k, tparams, bound)
                    || self.mentions_unbound(*v, tparams, bound)
            }
            Type::Signature(s) => s
                .params
                .iter()
                .chain(&s.results)
                .any(|&v| self.mentions_unbound(self.m.obj(v).typ, tparams, bound)),
            Type::Named(n) => n
                .targs
                .iter()
                .any(|&a| self.mentions_unbound(a, tparams, bound)),
            _ => false,
        }
    }

    fn unify(
        &mut self,
        p: TypeId,
        a: TypeId,
        tparams: &[TypeId],
        bound: &mut [Option<TypeId>],
        depth: u32,
    ) {
        if depth > 20 {
            return;
        }
        let d = depth + 1;
        let p = self.unalias(p);
        if let Some(i) = tparams.iter().position(|&t| t == p) {
            if bound[i].is_none() {
                bound[i] = Some(a);
            } else if let Some(b) = bound[i] {
                // A named type wins over an unnamed one of the same shape.
                let bn = matches!(self.m.ty(self.m.unalias_ro(b)), Type::Named(_));
                let an = matches!(self.m.ty(self.m.unalias_ro(a)), Type::Named(_));
                if an && !bn {
                    bound[i] = Some(a);
                }
            }
            return;
        }
        let a0 = self.unalias(a);
        let pt = self.m.ty(p).clone();
        let at = self.m.ty(a0).clone();
        match (&pt, &at) {
            (Type::Named(pn), Type::Named(an)) if !pn.targs.is_empty() => {
                if pn.origin.is_some() && pn.origin == an.origin {
                    for (x, y) in pn.targs.clone().into_iter().zip(an.targs.clone()) {
                        self.unify(x, y, tparams, bound, d);
                    }
                }
                return;
            }
            (Type::Named(_), _) => return,
            _ => {}
        }
        // Inexact: a named argument against a structural parameter.
        let au = if matches!(at, Type::Named(_)) {
            self.under(a0)
        } else {
            a0
        };
        let at = self.m.ty(au).clone();
        match (pt, at) {
            (Type::Pointer(x), Type::Pointer(y))
            | (Type::Slice(x), Type::Slice(y))
            | (Type::Array(_, x), Type::Array(_, y))
            | (Type::Chan(_, x), Type::Chan(_, y)) => self.unify(x, y, tparams, bound, d),
            (Type::Map(k1, v1), Type::Map(k2, v2)) => {
                self.unify(k1, k2, tparams, bound, d);
                self.unify(v1, v2, tparams, bound, d);
            }
            (Type::Signature(s1), Type::Signature(s2)) => {
                for (x, y) in s1.params.iter().zip(&s2.params) {
                    let (xt, yt) = (self.m.obj(*x).typ, self.m.obj(*y).typ);
                    self.unify(xt, yt, tparams, bound, d);
                }
                for (x, y) in s1.results.iter().zip(&s2.results) {
                    let (xt, yt) = (self.m.obj(*x).typ, self.m.obj(*y).typ);
                    self.unify(xt, yt, tparams, bound, d);
                }
            }
            (Type::Struct(f1), Type::Struct(f2)) => {
                for (x, y) in f1.iter().zip(&f2) {
                    let (xt, yt) = (self.m.obj(x.obj).typ, self.m.obj(y.obj).typ);
                    self.unify(xt, yt, tparams, bound, d);
                }
            }
            _ => {}
        }
    }
}
