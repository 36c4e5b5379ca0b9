//! Calls and conversions; generic calls are instantiated by inference.

use super::{Checker, Operand};
use crate::constant::Value;
use crate::model::Mode;
use crate::types::{Signature, Type, TypeId};
use letgo_go::ast::{CallExpr, Expr};

impl Checker {
    pub(crate) fn call(&mut self, c: &CallExpr) -> Operand {
        let f = self.expr_or_type(&c.fun);
        match f.mode {
            Mode::Invalid => {
                for a in &c.args {
                    self.expr(a);
                }
                self.invalid_op()
            }
            Mode::TypeExpr => self.conversion(c, f.typ),
            Mode::Builtin(b) => self.builtin(c, b),
            _ => self.func_call(c, f),
        }
    }

    fn conversion(&mut self, c: &CallExpr, t: TypeId) -> Operand {
        let Some(arg) = c.args.first() else {
            return self.invalid_op();
        };
        let mut x = self.expr_hint(arg, None);
        let tu = self.under(t);
        let basic_target = matches!(self.m.ty(tu), Type::Basic(..));
        let constant = x.mode == Mode::Constant && basic_target;
        if self.is_untyped(x.typ) {
            let is_iface = matches!(self.m.ty(tu), Type::Interface(_) | Type::TypeParam { .. });
            let to_string = self.basic_kind(t).is_string();
            let final_t = if is_iface || x.mode == Mode::Nil || !basic_target {
                self.default_type(x.typ)
            } else if x.mode == Mode::Constant && self.basic_kind(x.typ).is_integer() && to_string {
                // string(rune constant) leaves the operand untyped.
                x.typ
            } else {
                t
            };
            if x.mode != Mode::Nil {
                self.update_expr_type(arg, final_t);
                x.typ = final_t;
            }
        }
        Operand {
            mode: if constant {
                Mode::Constant
            } else {
                Mode::Value
            },
            typ: t,
            val: if constant { x.val } else { Value::Unknown },
        }
    }

    fn func_call(&mut self, c: &CallExpr, f: Operand) -> Operand {
        let core = self.core(f.typ);
        let Type::Signature(sig) = self.m.ty(core).clone() else {
            for a in &c.args {
                self.expr(a);
            }
            return self.invalid_op();
        };
        // Arguments: one multi-value call spreads over the parameters.
        let mut args: Vec<(Option<&Expr>, Operand)> = Vec::new();
        for a in &c.args {
            let hint = None;
            let op = self.expr_hint(a, hint);
            args.push((Some(a), op));
        }
        if args.len() == 1 {
            if let Type::Tuple(vars) = self.m.ty(args[0].1.typ).clone() {
                args = vars
                    .iter()
                    .map(|&v| (None, self.value_op(self.m.obj(v).typ)))
                    .collect();
            }
        }
        let mut sig = sig;
        if !sig.tparams.is_empty() {
            let map = self.infer(&sig, &args, c.ellipsis.is_some());
            let sig_t = self.instantiate_sig(core, &map);
            if let Type::Signature(s) = self.m.ty(sig_t).clone() {
                sig = s;
            }
            // An inferred call records the instantiated function.
            if matches!(c.fun.unparen(), Expr::Ident(_) | Expr::Selector(_)) {
                let fun = &c.fun;
                self.record_type(
                    fun.pos(),
                    fun.end(),
                    crate::nodes::node_code(fun),
                    f.mode,
                    sig_t,
                );
            }
        }
        for (i, (e, op)) in args.iter_mut().enumerate() {
            let Some(pt) = self.param_type(&sig, i, c.ellipsis.is_some()) else {
                continue;
            };
            if let Some(e) = e {
                self.assign_to(e, op, pt);
            }
        }
        self.call_result(&sig)
    }

    /// The type the `i`th argument is passed as.
    pub(crate) fn param_type(&mut self, sig: &Signature, i: usize, spread: bool) -> Option<TypeId> {
        let n = sig.params.len();
        if sig.variadic && i + 1 >= n && !spread {
            let last = self.m.obj(*sig.params.last()?).typ;
            let lu = self.core(last);
            return match self.m.ty(lu) {
                Type::Slice(e) => Some(*e),
                _ => Some(last),
            };
        }
        sig.params.get(i).map(|&p| self.m.obj(p).typ)
    }

    pub(crate) fn call_result(&mut self, sig: &Signature) -> Operand {
        match sig.results.len() {
            0 => Operand {
                mode: Mode::NoValue,
                typ: self.m.invalid,
                val: Value::Unknown,
            },
            1 => {
                let t = self.m.obj(sig.results[0]).typ;
                self.value_op(t)
            }
            _ => {
                let t = self.m.new_type(Type::Tuple(sig.results.clone()));
                self.value_op(t)
            }
        }
    }

    /// A generic signature with its type parameters replaced.
    pub(crate) fn instantiate_sig(&mut self, sig_t: TypeId, map: &[(TypeId, TypeId)]) -> TypeId {
        let Type::Signature(mut s) = self.m.ty(sig_t).clone() else {
            return sig_t;
        };
        s.tparams.clear();
        let plain = self.m.new_type(Type::Signature(s));
        self.subst(plain, map)
    }
}
