//! Expressions: each checked once, its mode and type recorded; untyped
//! constants take the type their context gives them, as in go/types.

use super::{Checker, Operand};
use crate::constant::{self, Value};
use crate::model::{Mode, ObjKind};
use crate::nodes::node_code;
use crate::types::{BasicKind, Type, TypeId};
use letgo_go::ast::{ChanDir, CompositeLit, Expr, SelectorExpr};
use letgo_go::token::Token;

impl Checker {
    /// A value expression (a type is allowed too and reported as such).
    pub(crate) fn expr(&mut self, e: &Expr) -> Operand {
        self.expr_hint(e, None)
    }

    pub(crate) fn expr_or_type(&mut self, e: &Expr) -> Operand {
        self.expr_hint(e, None)
    }

    /// `hint` is the type an elided composite literal takes.
    pub(crate) fn expr_hint(&mut self, e: &Expr, hint: Option<TypeId>) -> Operand {
        let op = self.expr_inner(e, hint);
        if !matches!(op.mode, Mode::Invalid | Mode::NoValue | Mode::Builtin(_)) {
            self.record_type(e.pos(), e.end(), node_code(e), op.mode, op.typ);
        }
        op
    }

    fn expr_inner(&mut self, e: &Expr, hint: Option<TypeId>) -> Operand {
        match e {
            Expr::Bad(_) | Expr::Ellipsis(_) | Expr::KeyValue(_) => self.invalid_op(),
            Expr::Ident(id) => {
                let name = self.m.files[self.cx.file.0 as usize].src
                    [id.pos as usize..id.end as usize]
                    .to_string();
                self.ident(id.pos, &name)
            }
            Expr::BasicLit(lit) => self.basic_lit(lit),
            Expr::FuncLit(f) => {
                let sig_scope = self.m.new_scope(Some(self.cx.scope));
                let saved = self.cx.scope;
                self.cx.scope = sig_scope;
                let sig = self.signature(&f.typ, None);
                let ft = Expr::FuncType(Box::new(f.typ.clone()));
                self.record_type(ft.pos(), ft.end(), node_code(&ft), Mode::TypeExpr, sig);
                self.cx.scope = saved;
                self.func_body(sig, sig_scope, &f.body);
                self.value_op(sig)
            }
            Expr::CompositeLit(c) => self.composite_lit(c, hint),
            Expr::Paren(p) => self.expr_hint(&p.x, hint),
            Expr::Selector(s) => self.selector(s),
            Expr::Index(_) | Expr::IndexList(_) => self.index_expr(e),
            Expr::Slice(s) => {
                let x = self.expr(&s.x);
                for i in [&s.low, &s.high, &s.max].into_iter().flatten() {
                    let mut op = self.expr(i);
                    let int = self.m.basic(BasicKind::Int);
                    self.assign_to(i, &mut op, int);
                }
                let u = self.core(x.typ);
                let t = match self.m.ty(u).clone() {
                    Type::Basic(k, _) if k.is_string() => {
                        if k == BasicKind::UntypedString {
                            self.m.basic(BasicKind::String)
                        } else {
                            x.typ
                        }
                    }
                    Type::Array(_, elem) => self.m.slice(elem),
                    Type::Pointer(p) => {
                        let pu = self.under(p);
                        match self.m.ty(pu) {
                            Type::Array(_, elem) => {
                                let elem = *elem;
                                self.m.slice(elem)
                            }
                            _ => self.m.invalid,
                        }
                    }
                    _ => x.typ,
                };
                self.value_op(t)
            }
            Expr::TypeAssert(ta) => {
                let _x = self.expr(&ta.x);
                match &ta.typ {
                    Some(t) => {
                        let t = self.typexpr(t);
                        Operand {
                            mode: Mode::CommaOk,
                            typ: t,
                            val: Value::Unknown,
                        }
                    }
                    None => self.invalid_op(),
                }
            }
            Expr::Call(c) => self.call(c),
            Expr::Star(s) => {
                let x = self.expr_or_type(&s.x);
                if x.mode == Mode::TypeExpr {
                    let t = self.m.pointer(x.typ);
                    return Operand {
                        mode: Mode::TypeExpr,
                        typ: t,
                        val: Value::Unknown,
                    };
                }
                let u = self.core(x.typ);
                match self.m.ty(u) {
                    Type::Pointer(elem) => Operand {
                        mode: Mode::Variable,
                        typ: *elem,
                        val: Value::Unknown,
                    },
                    _ => self.invalid_op(),
                }
            }
            Expr::Unary(u) => self.unary(u, hint),
            Expr::Binary(b) => self.binary(b),
            Expr::ArrayType(_)
            | Expr::StructType(_)
            | Expr::FuncType(_)
            | Expr::InterfaceType(_)
            | Expr::MapType(_)
            | Expr::ChanType(_) => {
                let t = self.typexpr(e);
                Operand {
                    mode: Mode::TypeExpr,
                    typ: t,
                    val: Value::Unknown,
                }
            }
        }
    }

    pub(crate) fn ident(&mut self, pos: u32, name: &str) -> Operand {
        if name == "_" {
            return self.invalid_op();
        }
        let Some(o) = self.m.lookup_parent(self.cx.scope, name) else {
            return self.invalid_op();
        };
        self.record_use(pos, o);
        let kind = self.m.obj(o).kind;
        match kind {
            ObjKind::Var | ObjKind::Field => {
                let t = self.obj_type(o);
                Operand {
                    mode: Mode::Variable,
                    typ: t,
                    val: Value::Unknown,
                }
            }
            ObjKind::Const => {
                if name == "iota" && self.m.obj(o).pkg.is_none() {
                    let t = self.m.basic(BasicKind::UntypedInt);
                    return match self.cx.iota {
                        Some(i) => Operand {
                            mode: Mode::Constant,
                            typ: t,
                            val: Value::Int(i),
                        },
                        None => self.invalid_op(),
                    };
                }
                let t = self.obj_type(o);
                let v = self.obj_val(o);
                Operand {
                    mode: Mode::Constant,
                    typ: t,
                    val: v,
                }
            }
            ObjKind::TypeName => {
                let t = self.obj_type(o);
                Operand {
                    mode: Mode::TypeExpr,
                    typ: t,
                    val: Value::Unknown,
                }
            }
            ObjKind::Func | ObjKind::Method => {
                let t = self.obj_type(o);
                self.value_op(t)
            }
            ObjKind::Builtin(b) => Operand {
                mode: Mode::Builtin(b),
                typ: self.m.invalid,
                val: Value::Unknown,
            },
            ObjKind::Nil => Operand {
                mode: Mode::Nil,
                typ: self.m.basic(BasicKind::UntypedNil),
                val: Value::Unknown,
            },
            ObjKind::PkgName | ObjKind::Label => self.invalid_op(),
        }
    }

    fn basic_lit(&mut self, lit: &letgo_go::ast::BasicLit) -> Operand {
        let file = self.m.files[self.cx.file.0 as usize].clone();
        let text = &file.src[lit.pos as usize..lit.end as usize];
        let (kind, val) = match lit.kind {
            Token::Int => (
                BasicKind::UntypedInt,
                constant::parse_int(text).map_or(Value::Unknown, Value::Int),
            ),
            Token::Float => (
                BasicKind::UntypedFloat,
                text.replace('_', "")
                    .parse::<f64>()
                    .map_or(Value::Unknown, Value::Float),
            ),
            Token::Imag => (BasicKind::UntypedComplex, Value::Unknown),
            Token::Char => (
                BasicKind::UntypedRune,
                constant::parse_char(text).map_or(Value::Unknown, Value::Int),
            ),
            _ => (
                BasicKind::UntypedString,
                Value::Str(super::typexpr::unquote(text).into()),
            ),
        };
        Operand {
            mode: Mode::Constant,
            typ: self.m.basic(kind),
            val,
        }
    }

    /// The core type of a type: its underlying type, or for a type
    /// parameter the single underlying type of its type set.
    pub(crate) fn core(&mut self, t: TypeId) -> TypeId {
        let u = self.under(t);
        match *self.m.ty(u) {
            Type::TypeParam { constraint, .. } => self.constraint_core(constraint),
            _ => u,
        }
    }

    pub(crate) fn constraint_core(&mut self, c: TypeId) -> TypeId {
        let cu = self.under(c);
        let Type::Interface(it) = self.m.ty(cu).clone() else {
            return self.m.invalid;
        };
        for e in it.embeddeds {
            let eu = self.unalias(e);
            match self.m.ty(eu).clone() {
                Type::Union(terms) => {
                    if let Some(&(_, t)) = terms.first() {
                        return self.under(t);
                    }
                }
                Type::Interface(_) => {
                    let c = self.constraint_core(eu);
                    if c != self.m.invalid {
                        return c;
                    }
                }
                Type::Named(_) => {
                    let u = self.under(eu);
                    if matches!(self.m.ty(u), Type::Interface(_)) {
                        let c = self.constraint_core(eu);
                        if c != self.m.invalid {
                            return c;
                        }
                    } else {
                        return u;
                    }
                }
                _ => return self.under(eu),
            }
        }
        self.m.invalid
    }

    fn selector(&mut self, s: &SelectorExpr) -> Operand {
        let src = self.m.files[self.cx.file.0 as usize].clone();
        let sel = s.sel.name(&src.src);
        if let Expr::Ident(x) = &s.x {
            let xname = x.name(&src.src);
            if let Some(o) = self.m.lookup_parent(self.cx.scope, xname) {
                if self.m.obj(o).kind == ObjKind::PkgName {
                    self.record_use(x.pos, o);
                    let Some(pkg) = self.m.obj(o).imported else {
                        return self.invalid_op();
                    };
                    let pscope = self.m.packages[pkg.0 as usize].scope;
                    let Some(&member) = self.m.scopes[pscope.0 as usize].names.get(sel) else {
                        return self.invalid_op();
                    };
                    // Resolve as an identifier in that package's scope.
                    let saved = self.cx.scope;
                    self.cx.scope = pscope;
                    let op = self.ident_obj(s.sel.pos, member);
                    self.cx.scope = saved;
                    return op;
                }
            }
        }
        let x = self.expr_or_type(&s.x);
        if x.mode == Mode::Invalid {
            return x;
        }
        let Some(found) = self.lookup(x.typ, sel) else {
            return self.invalid_op();
        };
        self.record_use(s.sel.pos, found.obj);
        if x.mode == Mode::TypeExpr {
            // A method expression: the receiver becomes the first parameter.
            return self.method_expr(x.typ, found.typ);
        }
        if found.is_method {
            let t = self.drop_recv(found.typ);
            return self.value_op(t);
        }
        let mode = if x.mode == Mode::Variable || self.is_pointer(x.typ) {
            Mode::Variable
        } else {
            Mode::Value
        };
        Operand {
            mode,
            typ: found.typ,
            val: Value::Unknown,
        }
    }

    fn ident_obj(&mut self, pos: u32, o: crate::model::ObjId) -> Operand {
        let name = self.m.obj(o).name.clone();
        self.ident(pos, &name)
    }

    pub(crate) fn is_pointer(&mut self, t: TypeId) -> bool {
        let u = self.under(t);
        matches!(self.m.ty(u), Type::Pointer(_))
    }

    fn drop_recv(&mut self, sig: TypeId) -> TypeId {
        if let Some(&t) = self.recvless.get(&sig) {
            return t;
        }
        let t = match self.m.ty(sig) {
            Type::Signature(s) if s.recv.is_some() => {
                let mut s = s.clone();
                s.recv = None;
                self.m.new_type(Type::Signature(s))
            }
            _ => sig,
        };
        self.recvless.insert(sig, t);
        t
    }

    fn method_expr(&mut self, recv: TypeId, sig: TypeId) -> Operand {
        let Type::Signature(mut s) = self.m.ty(sig).clone() else {
            return self.invalid_op();
        };
        // The receiver becomes the first parameter: named (`_` when the
        // method's receiver has no name) only when the parameters are.
        let named = s.params.iter().any(|&p| !self.m.obj(p).name.is_empty());
        let r = match s.recv {
            Some(rv) if named => {
                let mut o = self.m.obj(rv).clone();
                o.typ = recv;
                if o.name.is_empty() {
                    o.name = "_".into();
                }
                self.m.new_obj(o)
            }
            _ => self.m.simple_obj(ObjKind::Var, "", None, None, recv),
        };
        s.recv = None;
        s.params.insert(0, r);
        let t = self.m.new_type(Type::Signature(s));
        self.value_op(t)
    }

    fn index_expr(&mut self, e: &Expr) -> Operand {
        let (x, indices): (&Expr, Vec<&Expr>) = match e {
            Expr::Index(ix) => (&ix.x, vec![&ix.index]),
            Expr::IndexList(ix) => (&ix.x, ix.indices.iter().collect()),
            _ => return self.invalid_op(),
        };
        let xop = self.expr_or_type(x);
        if xop.mode == Mode::TypeExpr {
            let args = indices.iter().map(|a| self.typexpr(a)).collect();
            let t = self.instantiate(xop.typ, args);
            return Operand {
                mode: Mode::TypeExpr,
                typ: t,
                val: Value::Unknown,
            };
        }
        let xu = self.under(xop.typ);
        if let Type::Signature(sig) = self.m.ty(xu).clone() {
            if !sig.tparams.is_empty() {
                // Explicit instantiation of a generic function.
                let args: Vec<TypeId> = indices.iter().map(|a| self.typexpr(a)).collect();
                let map: Vec<_> = sig.tparams.iter().copied().zip(args).collect();
                let t = self.instantiate_sig(xop.typ, &map);
                return self.value_op(t);
            }
        }
        let index = indices[0];
        let core = self.core(xop.typ);
        match self.m.ty(core).clone() {
            Type::Map(k, v) => {
                let mut iop = self.expr(index);
                self.assign_to(index, &mut iop, k);
                Operand {
                    mode: Mode::MapIndex,
                    typ: v,
                    val: Value::Unknown,
                }
            }
            other => {
                let mut iop = self.expr(index);
                let int = self.m.basic(BasicKind::Int);
                self.assign_to(index, &mut iop, int);
                match other {
                    // An index into a string, constant or not, is a value.
                    Type::Basic(k, _) if k.is_string() => Operand {
                        mode: Mode::Value,
                        typ: self.m.byte,
                        val: Value::Unknown,
                    },
                    Type::Slice(elem) => Operand {
                        mode: Mode::Variable,
                        typ: elem,
                        val: Value::Unknown,
                    },
                    Type::Array(_, elem) => Operand {
                        mode: if xop.mode == Mode::Variable {
                            Mode::Variable
                        } else {
                            Mode::Value
                        },
                        typ: elem,
                        val: Value::Unknown,
                    },
                    Type::Pointer(p) => {
                        let pu = self.under(p);
                        match self.m.ty(pu) {
                            Type::Array(_, elem) => Operand {
                                mode: Mode::Variable,
                                typ: *elem,
                                val: Value::Unknown,
                            },
                            _ => self.invalid_op(),
                        }
                    }
                    _ => self.invalid_op(),
                }
            }
        }
    }

    fn composite_lit(&mut self, c: &CompositeLit, hint: Option<TypeId>) -> Operand {
        let typ = match &c.typ {
            Some(Expr::ArrayType(a)) if matches!(a.len, Some(Expr::Ellipsis(_))) => {
                let elem = self.typexpr(&a.elt);
                let n = self.array_lit_len(c);
                let t = self.m.array(Some(n), elem);
                let te = c.typ.as_ref().unwrap();
                self.record_type(te.pos(), te.end(), node_code(te), Mode::TypeExpr, t);
                t
            }
            Some(t) => self.typexpr(t),
            None => hint.unwrap_or(self.m.invalid),
        };
        let mut base = self.core(typ);
        if c.typ.is_none() {
            if let Type::Pointer(p) = self.m.ty(base).clone() {
                base = self.core(p);
            }
        }
        match self.m.ty(base).clone() {
            Type::Struct(fields) => {
                let src = self.m.files[self.cx.file.0 as usize].clone();
                for (i, elt) in c.elts.iter().enumerate() {
                    if let Expr::KeyValue(kv) = elt {
                        let key = kv.key.as_ident().map(|k| (k.pos, k.name(&src.src)));
                        let field = key.and_then(|(pos, name)| {
                            fields
                                .iter()
                                .find(|f| &*self.m.obj(f.obj).name == name)
                                .map(|f| (pos, f.obj))
                        });
                        match field {
                            Some((pos, fo)) => {
                                self.record_use(pos, fo);
                                let ft = self.m.obj(fo).typ;
                                let mut op = self.expr_hint(&kv.value, Some(ft));
                                self.assign_to(&kv.value, &mut op, ft);
                            }
                            None => {
                                self.expr(&kv.value);
                            }
                        }
                    } else {
                        let ft = fields.get(i).map(|f| self.m.obj(f.obj).typ);
                        let mut op = self.expr_hint(elt, ft);
                        if let Some(ft) = ft {
                            self.assign_to(elt, &mut op, ft);
                        }
                    }
                }
            }
            Type::Array(_, elem) | Type::Slice(elem) => {
                for elt in &c.elts {
                    let v = match elt {
                        Expr::KeyValue(kv) => {
                            let mut k = self.expr(&kv.key);
                            let int = self.m.basic(BasicKind::Int);
                            if k.mode == Mode::Constant {
                                self.assign_to(&kv.key, &mut k, int);
                            }
                            &kv.value
                        }
                        e => e,
                    };
                    let mut op = self.expr_hint(v, Some(elem));
                    self.assign_to(v, &mut op, elem);
                }
            }
            Type::Map(kt, vt) => {
                for elt in &c.elts {
                    if let Expr::KeyValue(kv) = elt {
                        let mut k = self.expr_hint(&kv.key, Some(kt));
                        self.assign_to(&kv.key, &mut k, kt);
                        let mut v = self.expr_hint(&kv.value, Some(vt));
                        self.assign_to(&kv.value, &mut v, vt);
                    }
                }
            }
            _ => {
                for elt in &c.elts {
                    match elt {
                        Expr::KeyValue(kv) => {
                            self.expr(&kv.value);
                        }
                        e => {
                            self.expr(e);
                        }
                    }
                }
            }
        }
        self.value_op(typ)
    }

    /// The length of `[...]T{...}`: one past the largest index.
    fn array_lit_len(&mut self, c: &CompositeLit) -> i64 {
        let mut max = 0i64;
        let mut i = 0i64;
        for elt in &c.elts {
            if let Expr::KeyValue(kv) = elt {
                if let Some(
                    Expr::Ident(_)
                    | Expr::BasicLit(_)
                    | Expr::Binary(_)
                    | Expr::Selector(_)
                    | Expr::Paren(_),
                ) = Some(&kv.key)
                {
                    // Evaluated when the literal's elements are checked;
                    // evaluate here without recording to know the index.
                    let v = self.const_peek(&kv.key);
                    if let Some(v) = v {
                        i = v as i64;
                    }
                }
            }
            i += 1;
            max = max.max(i);
        }
        max
    }

    fn unary(&mut self, u: &letgo_go::ast::UnaryExpr, hint: Option<TypeId>) -> Operand {
        match u.op {
            Token::And => {
                let inner_hint = hint.and_then(|h| {
                    let hu = self.under(h);
                    match self.m.ty(hu) {
                        Type::Pointer(p) => Some(*p),
                        _ => None,
                    }
                });
                let x = self.expr_hint(&u.x, inner_hint);
                let t = self.m.pointer(x.typ);
                self.value_op(t)
            }
            Token::Arrow => {
                let x = self.expr(&u.x);
                let core = self.core(x.typ);
                match self.m.ty(core) {
                    Type::Chan(_, elem) => Operand {
                        mode: Mode::CommaOk,
                        typ: *elem,
                        val: Value::Unknown,
                    },
                    _ => self.invalid_op(),
                }
            }
            op => {
                let x = self.expr(&u.x);
                let mut val = if x.mode == Mode::Constant {
                    fold_unary(op, &x.val)
                } else {
                    Value::Unknown
                };
                // ^x of an unsigned constant flips only the type's bits.
                if let (Token::Xor, Value::Int(v)) = (op, &val) {
                    if let Some(bits) = unsigned_bits(self.basic_kind(x.typ)) {
                        val = Value::Int(v & ((1i128 << bits) - 1));
                    }
                }
                let typ = x.typ;
                Operand {
                    mode: if x.mode == Mode::Constant {
                        Mode::Constant
                    } else {
                        Mode::Value
                    },
                    typ,
                    val,
                }
            }
        }
    }

    fn binary(&mut self, b: &letgo_go::ast::BinaryExpr) -> Operand {
        let mut x = self.expr(&b.x);
        let mut y = self.expr(&b.y);
        if matches!(b.op, Token::Shl | Token::Shr) {
            let constant = x.mode == Mode::Constant && y.mode == Mode::Constant;
            // An untyped constant shifted by a variable amount stays untyped
            // until its context gives it a type (`assign_to` updates it).
            let typ = x.typ;
            let _ = &mut x;
            let val = if constant {
                fold_binary(b.op, &x.val, &y.val)
            } else {
                Value::Unknown
            };
            return Operand {
                mode: if constant {
                    Mode::Constant
                } else {
                    Mode::Value
                },
                typ,
                val,
            };
        }
        self.match_types(&b.x, &mut x, &b.y, &mut y);
        let constant = x.mode == Mode::Constant && y.mode == Mode::Constant;
        if is_comparison(b.op) {
            if !constant {
                // The operands are materialized: untyped ones take their
                // default types.
                for (e, op) in [(&b.x, &mut x), (&b.y, &mut y)] {
                    let d = self.default_type(op.typ);
                    self.assign_to(e, op, d);
                }
            }
            let val = if constant {
                fold_binary(b.op, &x.val, &y.val)
            } else {
                Value::Unknown
            };
            return Operand {
                mode: if constant {
                    Mode::Constant
                } else {
                    Mode::Value
                },
                typ: self.m.basic(BasicKind::UntypedBool),
                val,
            };
        }
        let mut typ = x.typ;
        if self.is_untyped(x.typ) && self.is_untyped(y.typ) {
            typ = self.larger_untyped(x.typ, y.typ);
        }
        let val = if constant {
            let v = fold_binary(b.op, &x.val, &y.val);
            // Integer division of untyped integers stays integral.
            v
        } else {
            Value::Unknown
        };
        Operand {
            mode: if constant {
                Mode::Constant
            } else {
                Mode::Value
            },
            typ,
            val,
        }
    }

    /// Makes the operands of a binary operation agree: an untyped operand
    /// takes the other's type.
    pub(crate) fn match_types(&mut self, xe: &Expr, x: &mut Operand, ye: &Expr, y: &mut Operand) {
        let xu = self.is_untyped(x.typ);
        let yu = self.is_untyped(y.typ);
        if xu && !yu {
            let t = y.typ;
            self.assign_to(xe, x, t);
        } else if yu && !xu {
            let t = x.typ;
            self.assign_to(ye, y, t);
        } else if xu && yu {
            // Both untyped: nil against nil stays; numeric kinds widen.
            let xk = self.basic_kind(x.typ);
            let yk = self.basic_kind(y.typ);
            if xk.is_numeric() && yk.is_numeric() && xk != yk {
                let t = self.larger_untyped(x.typ, y.typ);
                for (e, op) in [(xe, x), (ye, y)] {
                    if op.typ != t {
                        self.update_expr_type(e, t);
                        op.typ = t;
                    }
                }
            }
        }
    }

    pub(crate) fn basic_kind(&mut self, t: TypeId) -> BasicKind {
        let u = self.under(t);
        match self.m.ty(u) {
            Type::Basic(k, _) => *k,
            _ => BasicKind::Invalid,
        }
    }

    pub(crate) fn is_untyped(&self, t: TypeId) -> bool {
        matches!(self.m.ty(t), Type::Basic(k, _) if k.is_untyped())
    }

    fn larger_untyped(&mut self, a: TypeId, b: TypeId) -> TypeId {
        let ka = self.basic_kind(a);
        let kb = self.basic_kind(b);
        if ka.untyped_rank() >= kb.untyped_rank() {
            a
        } else {
            b
        }
    }

    /// The default type of an untyped type (`untyped int` is `int`, ...).
    pub(crate) fn default_type(&mut self, t: TypeId) -> TypeId {
        let Type::Basic(k, _) = self.m.ty(t) else {
            return t;
        };
        match k {
            BasicKind::UntypedBool => self.m.basic(BasicKind::Bool),
            BasicKind::UntypedInt => self.m.basic(BasicKind::Int),
            BasicKind::UntypedRune => self.m.rune,
            BasicKind::UntypedFloat => self.m.basic(BasicKind::Float64),
            BasicKind::UntypedComplex => self.m.basic(BasicKind::Complex128),
            BasicKind::UntypedString => self.m.basic(BasicKind::String),
            _ => t,
        }
    }

    /// An operand used where a value of type `target` is wanted: an
    /// untyped one takes that type (or its default, for interfaces), and
    /// the expressions it came from are re-recorded.
    pub(crate) fn assign_to(&mut self, e: &Expr, op: &mut Operand, target: TypeId) {
        if !self.is_untyped(op.typ) || target == self.m.invalid {
            return;
        }
        let final_t = self.implicit_type(op, target);
        if final_t != op.typ {
            self.update_expr_type(e, final_t);
            op.typ = final_t;
        }
    }

    fn implicit_type(&mut self, op: &Operand, target: TypeId) -> TypeId {
        if op.mode == Mode::Nil || self.basic_kind(op.typ) == BasicKind::UntypedNil {
            return op.typ;
        }
        if self.is_untyped(target) {
            return self.larger_untyped(op.typ, target);
        }
        let tu = self.under(target);
        match self.m.ty(tu) {
            Type::Basic(k, _) if !k.is_untyped() => target,
            Type::TypeParam { .. } => target,
            Type::Interface(_) => self.default_type(op.typ),
            _ => self.default_type(op.typ),
        }
    }

    /// Re-records `e` (and, for non-constant expressions, the untyped
    /// operands it was built from) with type `t`.
    pub(crate) fn update_expr_type(&mut self, e: &Expr, t: TypeId) {
        let key = (e.pos(), e.end(), node_code(e));
        let Some(&(mode, old)) = self.m.records[self.cx.file.0 as usize].types.get(&key) else {
            return;
        };
        if !self.is_untyped(old) {
            return;
        }
        if mode != Mode::Constant {
            match e {
                Expr::Paren(p) => self.update_expr_type(&p.x, t),
                Expr::Unary(u) => self.update_expr_type(&u.x, t),
                Expr::Binary(b) => {
                    if is_comparison(b.op) {
                    } else if matches!(b.op, Token::Shl | Token::Shr) {
                        self.update_expr_type(&b.x, t);
                    } else {
                        self.update_expr_type(&b.x, t);
                        self.update_expr_type(&b.y, t);
                    }
                }
                _ => {}
            }
        } else if let Expr::Paren(p) = e {
            self.update_expr_type(&p.x, t);
        }
        self.m.records[self.cx.file.0 as usize]
            .types
            .insert(key, (mode, t));
    }

    /// The value of a constant expression, without recording anything.
    fn const_peek(&mut self, e: &Expr) -> Option<i128> {
        let uses = self.m.records[self.cx.file.0 as usize].uses.len();
        let file = self.cx.file;
        let op = self.expr(e);
        // Drop only this expression's own uses (it is checked again with
        // its literal); declarations resolved meanwhile keep theirs.
        let (start, end) = (e.pos(), e.end());
        let rec = &mut self.m.records[file.0 as usize].uses;
        let mut i = uses;
        while i < rec.len() {
            if (start..end).contains(&rec[i].0) {
                rec.remove(i);
            } else {
                i += 1;
            }
        }
        op.val.as_int()
    }

    /// The types of the values of a multi-value expression assigned to
    /// `n` variables: a tuple's parts, or comma-ok's value and bool.
    pub(crate) fn unpack(&mut self, e: &Expr, op: &Operand, n: usize) -> Vec<TypeId> {
        if let Type::Tuple(vars) = self.m.ty(op.typ).clone() {
            return vars.iter().map(|&v| self.m.obj(v).typ).collect();
        }
        if n == 2 && matches!(op.mode, Mode::CommaOk | Mode::MapIndex) {
            let b = self.m.basic(BasicKind::Bool);
            let tuple = self.m.tuple_of(&[op.typ, b]);
            self.record_comma_ok(e, op.mode, tuple);
            return vec![op.typ, b];
        }
        vec![op.typ; n]
    }

    fn record_comma_ok(&mut self, e: &Expr, mode: Mode, tuple: TypeId) {
        let mut e = e;
        loop {
            self.record_type(e.pos(), e.end(), node_code(e), mode, tuple);
            match e {
                Expr::Paren(p) => e = &p.x,
                _ => break,
            }
        }
    }

    /// A channel's element type.
    pub(crate) fn chan_elem(&mut self, t: TypeId) -> Option<(ChanDir, TypeId)> {
        let core = self.core(t);
        match self.m.ty(core) {
            Type::Chan(d, e) => Some((*d, *e)),
            _ => None,
        }
    }
}

fn unsigned_bits(k: BasicKind) -> Option<u32> {
    match k {
        BasicKind::Uint8 => Some(8),
        BasicKind::Uint16 => Some(16),
        BasicKind::Uint32 => Some(32),
        BasicKind::Uint | BasicKind::Uint64 | BasicKind::Uintptr => Some(64),
        _ => None,
    }
}

pub(crate) fn is_comparison(op: Token) -> bool {
    matches!(
        op,
        Token::Eql | Token::Neq | Token::Lss | Token::Leq | Token::Gtr | Token::Geq
    )
}

fn fold_unary(op: Token, v: &Value) -> Value {
    match (op, v) {
        (Token::Sub, Value::Int(i)) => Value::Int(-i),
        (Token::Sub, Value::Float(f)) => Value::Float(-f),
        (Token::Add, v) => v.clone(),
        (Token::Xor, Value::Int(i)) => Value::Int(!i),
        (Token::Not, Value::Bool(b)) => Value::Bool(!b),
        _ => Value::Unknown,
    }
}

fn fold_binary(op: Token, a: &Value, b: &Value) -> Value {
    use Value::*;
    match (a, b) {
        (Int(x), Int(y)) => {
            let (x, y) = (*x, *y);
            match op {
                Token::Add => x.checked_add(y).map_or(Unknown, Int),
                Token::Sub => x.checked_sub(y).map_or(Unknown, Int),
                Token::Mul => x.checked_mul(y).map_or(Unknown, Int),
                Token::Quo if y != 0 => Int(x / y),
                Token::Rem if y != 0 => Int(x % y),
                Token::And => Int(x & y),
                Token::Or => Int(x | y),
                Token::Xor => Int(x ^ y),
                Token::AndNot => Int(x & !y),
                Token::Shl if (0..127).contains(&y) => x.checked_shl(y as u32).map_or(Unknown, Int),
                Token::Shr if y >= 0 => Int(x >> y.min(127)),
                Token::Eql => Bool(x == y),
                Token::Neq => Bool(x != y),
                Token::Lss => Bool(x < y),
                Token::Leq => Bool(x <= y),
                Token::Gtr => Bool(x > y),
                Token::Geq => Bool(x >= y),
                _ => Unknown,
            }
        }
        (Bool(x), Bool(y)) => match op {
            Token::Land => Bool(*x && *y),
            Token::Lor => Bool(*x || *y),
            Token::Eql => Bool(x == y),
            Token::Neq => Bool(x != y),
            _ => Unknown,
        },
        (Str(x), Str(y)) => match op {
            Token::Add => Str(format!("{x}{y}").into()),
            Token::Eql => Bool(x == y),
            Token::Neq => Bool(x != y),
            _ => Unknown,
        },
        (Float(_), _) | (_, Float(_)) => {
            let (Some(x), Some(y)) = (to_f64(a), to_f64(b)) else {
                return Unknown;
            };
            match op {
                Token::Add => Float(x + y),
                Token::Sub => Float(x - y),
                Token::Mul => Float(x * y),
                Token::Quo => Float(x / y),
                _ => Unknown,
            }
        }
        _ => Unknown,
    }
}

fn to_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}
