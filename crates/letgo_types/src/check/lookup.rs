//! Field and method lookup through embedding, as go/types'
//! LookupFieldOrMethod: breadth-first by embedding depth.

use super::Checker;
use crate::model::ObjId;
use crate::types::{Type, TypeId};

#[derive(Clone, Copy, Debug)]
pub(crate) struct Selection {
    pub obj: ObjId,
    /// The field's type, or the method's signature, substituted for the
    /// receiver's type arguments.
    pub typ: TypeId,
    pub is_method: bool,
}

impl Checker {
    pub(crate) fn lookup(&mut self, t: TypeId, name: &str) -> Option<Selection> {
        let t = self.unalias(t);
        let start = match self.m.ty(t) {
            Type::Pointer(e) => {
                let e = *e;
                let e = self.unalias(e);
                if matches!(self.m.ty(e), Type::Named(_) | Type::TypeParam { .. }) {
                    e
                } else {
                    let u = self.under(e);
                    if matches!(self.m.ty(u), Type::Struct(_)) {
                        u
                    } else {
                        e
                    }
                }
            }
            _ => t,
        };
        let mut level = vec![start];
        let mut seen: Vec<TypeId> = Vec::new();
        for _ in 0..16 {
            let mut next = Vec::new();
            for t in level {
                let t = self.unalias(t);
                if let Type::Named(n) = self.m.ty(t) {
                    let key = n.origin.unwrap_or(t);
                    if seen.contains(&key) {
                        continue;
                    }
                    seen.push(key);
                    if let Some(sel) = self.named_method(t, name) {
                        return Some(sel);
                    }
                }
                let u = match self.m.ty(t) {
                    Type::TypeParam { constraint, .. } => {
                        let c = *constraint;
                        self.under(c)
                    }
                    _ => self.under(t),
                };
                match self.m.ty(u) {
                    Type::Struct(fields) => {
                        if let Some(f) = fields.iter().find(|f| &*self.m.obj(f.obj).name == name) {
                            return Some(Selection {
                                obj: f.obj,
                                typ: self.m.obj(f.obj).typ,
                                is_method: false,
                            });
                        }
                        let embedded: Vec<TypeId> = fields
                            .iter()
                            .filter(|f| f.embedded)
                            .map(|f| self.m.obj(f.obj).typ)
                            .collect();
                        for ft in embedded {
                            let ft = self.unalias(ft);
                            let ft = match self.m.ty(ft) {
                                Type::Pointer(e) => *e,
                                _ => ft,
                            };
                            next.push(ft);
                        }
                    }
                    Type::Interface(_) => {
                        let methods = self.interface_methods(u);
                        if let Some(&m) = methods.iter().find(|&&m| &*self.m.obj(m).name == name) {
                            let typ = self.m.obj(m).typ;
                            return Some(Selection {
                                obj: m,
                                typ,
                                is_method: true,
                            });
                        }
                    }
                    _ => {}
                }
            }
            if next.is_empty() {
                return None;
            }
            level = next;
        }
        None
    }

    /// A method declared on a named type, its signature instantiated for
    /// the type's arguments.
    fn named_method(&mut self, t: TypeId, name: &str) -> Option<Selection> {
        // Nothing cloned on the way (a named type's lists are long, and
        // this runs at every method selector): the methods are read
        // where they are, after the flush.
        let Type::Named(n) = self.m.ty(t) else {
            return None;
        };
        let (obj, origin) = (n.obj, n.origin.unwrap_or(t));
        // An origin that is not a named type (never, in checked code):
        // the type's own list, as it was before the flush.
        let own = match self.m.ty(origin) {
            Type::Named(_) => None,
            _ => Some(n.methods.clone()),
        };
        if let Some(pkg) = self.m.obj(obj).pkg {
            self.flush_alias_methods(pkg);
        }
        let methods = match (&own, self.m.ty(origin)) {
            (Some(own), _) => own.as_slice(),
            (None, Type::Named(o)) => o.methods.as_slice(),
            (None, _) => &[],
        };
        let m = methods
            .iter()
            .copied()
            .find(|&m| &*self.m.obj(m).name == name)?;
        let sig = self.obj_type(m);
        let typ = match self.recv_tparams.get(&m).cloned() {
            Some(tps) => match self.m.ty(t) {
                Type::Named(n) if !n.targs.is_empty() => {
                    let map: Vec<_> = tps.into_iter().zip(n.targs.iter().copied()).collect();
                    self.subst(sig, &map)
                }
                _ => sig,
            },
            _ => sig,
        };
        Some(Selection {
            obj: m,
            typ,
            is_method: true,
        })
    }

    /// Moves the methods declared through aliases in `pkg` onto the named
    /// types the aliases denote.
    pub(crate) fn flush_alias_methods(&mut self, pkg: crate::model::PkgId) {
        let Some(list) = self.alias_methods.remove(&pkg) else {
            return;
        };
        for (alias, method) in list {
            let t = self.obj_type(alias);
            let t = self.unalias(t);
            let t = match self.m.ty(t) {
                Type::Pointer(e) => *e,
                _ => t,
            };
            if let Type::Named(n) = &mut self.m.types[t.0 as usize] {
                n.methods.push(method);
            }
        }
    }

    /// Every method of an interface, embedded interfaces included.
    pub(crate) fn interface_methods(&mut self, iface: TypeId) -> Vec<ObjId> {
        let mut out = Vec::new();
        self.collect_methods(iface, &mut out, 0);
        out
    }

    fn collect_methods(&mut self, t: TypeId, out: &mut Vec<ObjId>, depth: u32) {
        if depth > 20 {
            return;
        }
        let u = self.under(t);
        let Type::Interface(it) = self.m.ty(u).clone() else {
            return;
        };
        for m in it.methods {
            let name = self.m.obj(m).name.clone();
            if !out.iter().any(|&o| self.m.obj(o).name == name) {
                out.push(m);
            }
        }
        for e in it.embeddeds {
            self.collect_methods(e, out, depth + 1);
        }
    }
}
