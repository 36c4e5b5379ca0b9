//! Calls of the predeclared functions and those of package unsafe.

use super::{Checker, Operand};
use crate::constant::Value;
use crate::model::{Builtin, Mode};
use crate::types::{BasicKind, Interface, Type};
use letgo_go::ast::CallExpr;

impl Checker {
    pub(crate) fn builtin(&mut self, c: &CallExpr, b: Builtin) -> Operand {
        let int = self.m.basic(BasicKind::Int);
        match b {
            Builtin::Make => {
                let Some(t) = c.args.first() else {
                    return self.invalid_op();
                };
                let t = self.typexpr(t);
                for a in &c.args[1..] {
                    let mut op = self.expr(a);
                    self.assign_to(a, &mut op, int);
                }
                self.value_op(t)
            }
            Builtin::New => {
                let Some(a) = c.args.first() else {
                    return self.invalid_op();
                };
                let x = self.expr_or_type(a);
                let t = if x.mode == Mode::TypeExpr {
                    x.typ
                } else {
                    let mut x = x;
                    let d = self.default_type(x.typ);
                    self.assign_to(a, &mut x, d);
                    d
                };
                let p = self.m.pointer(t);
                self.value_op(p)
            }
            Builtin::Len | Builtin::Cap => {
                let args = self.args(c);
                let mut constant = args.first().is_some_and(|x| x.mode == Mode::Constant);
                let mut val = match args.first().map(|x| &x.val) {
                    Some(Value::Str(s)) if constant => Value::Int(s.len() as i128),
                    _ => Value::Unknown,
                };
                // len and cap of an array are constants when the operand
                // holds no call or receive.
                if let (Some(x), Some(a)) = (args.first(), c.args.first()) {
                    let t = self.under(x.typ);
                    let t = match self.m.ty(t) {
                        Type::Pointer(e) => {
                            let e = *e;
                            self.under(e)
                        }
                        _ => t,
                    };
                    if let Type::Array(Some(n), _) = self.m.ty(t) {
                        if !has_call_or_recv(a) {
                            constant = true;
                            val = Value::Int(*n as i128);
                        }
                    }
                }
                Operand {
                    mode: if constant {
                        Mode::Constant
                    } else {
                        Mode::Value
                    },
                    typ: int,
                    val,
                }
            }
            Builtin::Append => {
                let Some(first) = c.args.first() else {
                    return self.invalid_op();
                };
                let s = self.expr(first);
                let core = self.core(s.typ);
                let elem = match self.m.ty(core) {
                    Type::Slice(e) => Some(*e),
                    _ => None,
                };
                for a in &c.args[1..] {
                    let mut op = self.expr(a);
                    if c.ellipsis.is_none() {
                        if let Some(e) = elem {
                            self.assign_to(a, &mut op, e);
                        }
                    } else {
                        let t = s.typ;
                        if self.basic_kind(op.typ) != BasicKind::UntypedString {
                            self.assign_to(a, &mut op, t);
                        }
                    }
                }
                self.value_op(s.typ)
            }
            Builtin::Copy => {
                self.args(c);
                self.value_op(int)
            }
            Builtin::Delete => {
                let args = self.args_raw(c);
                if let (Some((_, m)), Some((ke, k))) = (args.first(), args.get(1)) {
                    let mc = self.core(m.typ);
                    if let Type::Map(kt, _) = self.m.ty(mc).clone() {
                        let mut k = k.clone();
                        self.assign_to(ke, &mut k, kt);
                    }
                }
                self.no_value()
            }
            Builtin::Close | Builtin::Clear => {
                self.args(c);
                self.no_value()
            }
            Builtin::Panic | Builtin::Print | Builtin::Println => {
                for a in &c.args {
                    let mut op = self.expr(a);
                    let d = if b == Builtin::Panic {
                        self.m.any
                    } else {
                        self.default_type(op.typ)
                    };
                    self.assign_to(a, &mut op, d);
                }
                self.no_value()
            }
            Builtin::Recover => {
                let t = self.m.new_type(Type::Interface(Interface::default()));
                self.value_op(t)
            }
            Builtin::Complex => {
                let args = self.args_raw(c);
                let (Some((xe, x)), Some((ye, y))) = (args.first(), args.get(1)) else {
                    return self.invalid_op();
                };
                let (mut x, mut y) = (x.clone(), y.clone());
                self.match_types(xe, &mut x, ye, &mut y);
                let constant = x.mode == Mode::Constant && y.mode == Mode::Constant;
                let k = self.basic_kind(x.typ);
                let t = match k {
                    BasicKind::Float32 => self.m.basic(BasicKind::Complex64),
                    k if k.is_untyped() && constant => self.m.basic(BasicKind::UntypedComplex),
                    k if k.is_untyped() => {
                        let f = self.m.basic(BasicKind::Float64);
                        self.assign_to(xe, &mut x, f);
                        self.assign_to(ye, &mut y, f);
                        self.m.basic(BasicKind::Complex128)
                    }
                    _ => self.m.basic(BasicKind::Complex128),
                };
                Operand {
                    mode: if constant {
                        Mode::Constant
                    } else {
                        Mode::Value
                    },
                    typ: t,
                    val: Value::Unknown,
                }
            }
            Builtin::Real | Builtin::Imag => {
                let args = self.args(c);
                let Some(x) = args.first() else {
                    return self.invalid_op();
                };
                let k = self.basic_kind(x.typ);
                let constant = x.mode == Mode::Constant;
                let t = match k {
                    BasicKind::Complex64 => self.m.basic(BasicKind::Float32),
                    k if k.is_untyped() => self.m.basic(BasicKind::UntypedFloat),
                    _ => self.m.basic(BasicKind::Float64),
                };
                Operand {
                    mode: if constant {
                        Mode::Constant
                    } else {
                        Mode::Value
                    },
                    typ: t,
                    val: Value::Unknown,
                }
            }
            Builtin::Min | Builtin::Max => {
                let args = self.args_raw(c);
                let mut ops: Vec<Operand> = args.iter().map(|(_, o)| o.clone()).collect();
                let typed = ops.iter().map(|o| o.typ).find(|&t| !self.is_untyped(t));
                let t = match typed {
                    Some(t) => {
                        for ((e, _), op) in args.iter().zip(ops.iter_mut()) {
                            self.assign_to(e, op, t);
                        }
                        t
                    }
                    None => ops
                        .iter()
                        .map(|o| o.typ)
                        .max_by_key(|&t| match self.m.ty(t) {
                            Type::Basic(k, _) => k.untyped_rank(),
                            _ => 0,
                        })
                        .unwrap_or(self.m.invalid),
                };
                let constant = ops.iter().all(|o| o.mode == Mode::Constant);
                Operand {
                    mode: if constant {
                        Mode::Constant
                    } else {
                        Mode::Value
                    },
                    typ: t,
                    val: Value::Unknown,
                }
            }
            Builtin::Sizeof | Builtin::Alignof | Builtin::Offsetof => {
                let mut val = None;
                if let Some(a) = c.args.first() {
                    let mut op = self.expr(a);
                    let d = self.default_type(op.typ);
                    self.assign_to(a, &mut op, d);
                    val = match b {
                        Builtin::Sizeof => self.size_of(op.typ),
                        Builtin::Alignof => self.align_of(op.typ),
                        _ => self.offsetof_arg(a),
                    };
                }
                // The size of a type parameter is not a constant.
                Operand {
                    mode: if val.is_some() {
                        Mode::Constant
                    } else {
                        Mode::Value
                    },
                    typ: self.m.basic(BasicKind::Uintptr),
                    val: val.map_or(Value::Unknown, |v| Value::Int(v as i128)),
                }
            }
            Builtin::Add => {
                let args = self.args_raw(c);
                if let Some((e, op)) = args.get(1) {
                    let mut op = op.clone();
                    self.assign_to(e, &mut op, int);
                }
                let t = self.m.basic(BasicKind::UnsafePointer);
                self.value_op(t)
            }
            Builtin::Slice | Builtin::String => {
                let args = self.args_raw(c);
                if let Some((e, op)) = args.get(1) {
                    let mut op = op.clone();
                    self.assign_to(e, &mut op, int);
                }
                let t = match (b, args.first()) {
                    (Builtin::Slice, Some((_, p))) => {
                        let pu = self.core(p.typ);
                        match self.m.ty(pu) {
                            Type::Pointer(e) => {
                                let e = *e;
                                self.m.slice(e)
                            }
                            _ => self.m.invalid,
                        }
                    }
                    _ => self.m.basic(BasicKind::String),
                };
                self.value_op(t)
            }
            Builtin::SliceData => {
                let args = self.args(c);
                let t = match args.first() {
                    Some(s) => {
                        let su = self.core(s.typ);
                        match self.m.ty(su) {
                            Type::Slice(e) => {
                                let e = *e;
                                self.m.pointer(e)
                            }
                            _ => self.m.invalid,
                        }
                    }
                    None => self.m.invalid,
                };
                self.value_op(t)
            }
            Builtin::StringData => {
                let args = self.args_raw(c);
                if let Some((e, op)) = args.first() {
                    let mut op = op.clone();
                    let st = self.m.basic(BasicKind::String);
                    self.assign_to(e, &mut op, st);
                }
                let t = self.m.pointer(self.m.byte);
                self.value_op(t)
            }
        }
    }

    /// `unsafe.Offsetof(x.f)`: the offset of f in x's struct type.
    fn offsetof_arg(&mut self, a: &letgo_go::ast::Expr) -> Option<i64> {
        let letgo_go::ast::Expr::Selector(s) = a.unparen() else {
            return None;
        };
        let key = (s.x.pos(), s.x.end(), crate::nodes::node_code(&s.x));
        let (_, xt) = *self.m.records[self.cx.file.0 as usize].types.get(&key)?;
        let xu = self.under(xt);
        let xt = match self.m.ty(xu) {
            Type::Pointer(e) => *e,
            _ => xt,
        };
        let name = self.m.files[self.cx.file.0 as usize].src
            [s.sel.pos as usize..s.sel.end as usize]
            .to_string();
        self.offset_of(xt, &name)
    }

    fn args(&mut self, c: &CallExpr) -> Vec<Operand> {
        c.args.iter().map(|a| self.expr(a)).collect()
    }

    fn args_raw<'a>(&mut self, c: &'a CallExpr) -> Vec<(&'a letgo_go::ast::Expr, Operand)> {
        c.args.iter().map(|a| (a, self.expr(a))).collect()
    }

    fn no_value(&self) -> Operand {
        Operand {
            mode: Mode::NoValue,
            typ: self.m.invalid,
            val: Value::Unknown,
        }
    }
}

/// Whether an expression holds a function call or a channel receive (then
/// `len` of it is not a constant).
fn has_call_or_recv(e: &letgo_go::ast::Expr) -> bool {
    use letgo_go::ast::Expr;
    match e {
        Expr::Call(_) => true,
        Expr::Unary(u) => u.op == letgo_go::token::Token::Arrow || has_call_or_recv(&u.x),
        Expr::Paren(p) => has_call_or_recv(&p.x),
        Expr::Selector(s) => has_call_or_recv(&s.x),
        Expr::Index(i) => has_call_or_recv(&i.x) || has_call_or_recv(&i.index),
        Expr::Star(s) => has_call_or_recv(&s.x),
        Expr::Binary(b) => has_call_or_recv(&b.x) || has_call_or_recv(&b.y),
        _ => false,
    }
}
