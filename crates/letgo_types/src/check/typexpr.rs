//! Type expressions: every node of one is recorded with mode `type`.

use super::Checker;
use crate::model::{Mode, ObjKind};
use crate::nodes::node_code;
use crate::types::{Field as SField, Interface, Signature, Type, TypeId};
use letgo_go::ast::{Expr, FieldList, FuncType};
use letgo_go::token::Token;

impl Checker {
    /// The type `e` denotes, recorded.
    pub(crate) fn typexpr(&mut self, e: &Expr) -> TypeId {
        let t = self.typexpr_inner(e);
        self.record_type(e.pos(), e.end(), node_code(e), Mode::TypeExpr, t);
        t
    }

    fn typexpr_inner(&mut self, e: &Expr) -> TypeId {
        match e {
            Expr::Ident(_) | Expr::Selector(_) => {
                let op = self.expr_or_type(e);
                if op.mode == Mode::TypeExpr {
                    op.typ
                } else {
                    self.m.invalid
                }
            }
            Expr::Paren(p) => self.typexpr(&p.x),
            Expr::Star(s) => {
                let elem = self.typexpr(&s.x);
                self.m.pointer(elem)
            }
            Expr::ArrayType(a) => match &a.len {
                None => {
                    let elem = self.typexpr(&a.elt);
                    self.m.slice(elem)
                }
                Some(Expr::Ellipsis(_)) => {
                    let elem = self.typexpr(&a.elt);
                    self.m.array(None, elem)
                }
                Some(len) => {
                    let n = self.expr(len);
                    let elem = self.typexpr(&a.elt);
                    let len = n.val.as_int().map(|v| v as i64);
                    self.m.array(len, elem)
                }
            },
            Expr::MapType(mt) => {
                let k = self.typexpr(&mt.key);
                let v = self.typexpr(&mt.value);
                self.m.map(k, v)
            }
            Expr::ChanType(c) => {
                let v = self.typexpr(&c.value);
                self.m.chan(c.dir, v)
            }
            Expr::FuncType(f) => self.signature(f, None),
            Expr::StructType(s) => self.struct_type(&s.fields),
            Expr::InterfaceType(it) => self.interface_type(&it.methods),
            Expr::Index(ix) => {
                let base = self.typexpr(&ix.x);
                let arg = self.typexpr(&ix.index);
                self.instantiate(base, vec![arg])
            }
            Expr::IndexList(ix) => {
                let base = self.typexpr(&ix.x);
                let args = ix.indices.iter().map(|a| self.typexpr(a)).collect();
                self.instantiate(base, args)
            }
            Expr::Binary(b) if b.op == Token::Or => self.union(e),
            Expr::Unary(u) if u.op == Token::Tilde => self.union(e),
            _ => {
                let op = self.expr_or_type(e);
                if op.mode == Mode::TypeExpr {
                    op.typ
                } else {
                    self.m.invalid
                }
            }
        }
    }

    fn union(&mut self, e: &Expr) -> TypeId {
        let mut terms = Vec::new();
        self.union_terms(e, &mut terms);
        self.m.new_type(Type::Union(terms))
    }

    fn union_terms(&mut self, e: &Expr, out: &mut Vec<(bool, TypeId)>) {
        match e {
            Expr::Binary(b) if b.op == Token::Or => {
                let first = out.len();
                self.union_terms(&b.x, out);
                self.union_terms(&b.y, out);
                let sub = self.m.new_type(Type::Union(out[first..].to_vec()));
                self.record_type(e.pos(), e.end(), 15, Mode::TypeExpr, sub);
            }
            Expr::Unary(u) if u.op == Token::Tilde => {
                let t = self.typexpr(&u.x);
                let term = self.m.new_type(Type::Union(vec![(true, t)]));
                self.record_type(e.pos(), e.end(), 14, Mode::TypeExpr, term);
                out.push((true, t));
            }
            _ => {
                let t = self.typexpr(e);
                out.push((false, t));
            }
        }
    }

    /// A function type; `recv` is the receiver already declared.
    pub(crate) fn signature(&mut self, f: &FuncType, recv: Option<crate::model::ObjId>) -> TypeId {
        let tparams = match &f.type_params {
            Some(tp) => self.declare_type_params(tp),
            None => vec![],
        };
        let (params, variadic) = self.param_list(&f.params, true);
        let (results, _) = match &f.results {
            Some(r) => self.param_list(r, false),
            None => (vec![], false),
        };
        self.m.new_type(Type::Signature(Signature {
            recv,
            tparams,
            params,
            results,
            variadic,
        }))
    }

    /// Parameters as variables (declared in the current scope when
    /// `declare` is set by the caller through `declare_params`).
    fn param_list(&mut self, list: &FieldList, params: bool) -> (Vec<crate::model::ObjId>, bool) {
        let mut vars = Vec::new();
        let mut variadic = false;
        let file = self.m.files[self.cx.file.0 as usize].clone();
        let pkg = Some(self.cx.pkg);
        let n = list.list.len();
        for (i, field) in list.list.iter().enumerate() {
            let t = match &field.typ {
                Expr::Ellipsis(el) if params && i == n - 1 => {
                    variadic = true;
                    let elem = match &el.elt {
                        Some(x) => self.typexpr(x),
                        None => self.m.invalid,
                    };
                    let s = self.m.slice(elem);
                    self.record_type(field.typ.pos(), field.typ.end(), 2, Mode::TypeExpr, s);
                    s
                }
                t => self.typexpr(t),
            };
            if field.names.is_empty() {
                let v = self.m.simple_obj(ObjKind::Var, "", pkg, None, t);
                vars.push(v);
            }
            for name in &field.names {
                let nm = name.name(&file.src);
                let v = self
                    .m
                    .simple_obj(ObjKind::Var, nm, pkg, Some((self.cx.file, name.pos)), t);
                vars.push(v);
            }
        }
        (vars, variadic)
    }

    pub(crate) fn struct_type(&mut self, list: &FieldList) -> TypeId {
        let file = self.m.files[self.cx.file.0 as usize].clone();
        let pkg = Some(self.cx.pkg);
        let mut fields = Vec::new();
        for field in &list.list {
            let t = self.typexpr(&field.typ);
            let tag = field.tag.map(|t| unquote(t.value(&file.src)));
            if field.names.is_empty() {
                let name_id = embedded_name(&field.typ);
                let (name, pos) = match name_id {
                    Some(id) => (id.name(&file.src).to_string(), id.pos),
                    None => ("?".to_string(), field.typ.pos()),
                };
                let o = self
                    .m
                    .simple_obj(ObjKind::Field, &name, pkg, Some((self.cx.file, pos)), t);
                fields.push(SField {
                    obj: o,
                    embedded: true,
                    tag: tag.clone(),
                });
            }
            for name in &field.names {
                let o = self.m.simple_obj(
                    ObjKind::Field,
                    name.name(&file.src),
                    pkg,
                    Some((self.cx.file, name.pos)),
                    t,
                );
                fields.push(SField {
                    obj: o,
                    embedded: false,
                    tag: tag.clone(),
                });
            }
        }
        self.m.new_type(Type::Struct(fields))
    }

    pub(crate) fn interface_type(&mut self, list: &FieldList) -> TypeId {
        let file = self.m.files[self.cx.file.0 as usize].clone();
        let pkg = Some(self.cx.pkg);
        let mut it = Interface::default();
        for field in &list.list {
            match (field.names.first(), &field.typ) {
                (Some(name), Expr::FuncType(ft)) => {
                    let sig = self.signature(ft, None);
                    self.record_type(ft.pos(), ft.end(), 19, Mode::TypeExpr, sig);
                    let m = self.m.simple_obj(
                        ObjKind::Method,
                        name.name(&file.src),
                        pkg,
                        Some((self.cx.file, name.pos)),
                        sig,
                    );
                    it.methods.push(m);
                }
                (None, t) => {
                    let t = self.typexpr(t);
                    it.embeddeds.push(t);
                }
                _ => {}
            }
        }
        let names: Vec<_> = it
            .methods
            .iter()
            .map(|&m| self.m.obj(m).name.clone())
            .collect();
        let mut order: Vec<usize> = (0..it.methods.len()).collect();
        order.sort_by(|&a, &b| method_key(&names[a]).cmp(&method_key(&names[b])));
        it.methods = order.into_iter().map(|i| it.methods[i]).collect();
        self.m.new_type(Type::Interface(it))
    }
}

/// go/types sorts interface methods by their Id: exported names first by
/// name... in fact by name, with unexported names qualified by package;
/// within one package that is the name.
fn method_key(name: &str) -> (bool, &str) {
    (false, name)
}

/// The name of an embedded field: `T`, `*T`, `pkg.T`, `T[int]`.
fn embedded_name(e: &Expr) -> Option<letgo_go::ast::Ident> {
    match e {
        Expr::Ident(id) => Some(*id),
        Expr::Star(s) => embedded_name(&s.x),
        Expr::Paren(p) => embedded_name(&p.x),
        Expr::Selector(s) => Some(s.sel),
        Expr::Index(i) => embedded_name(&i.x),
        Expr::IndexList(i) => embedded_name(&i.x),
        _ => None,
    }
}

/// A Go string literal's value (raw or interpreted; escapes kept simple).
pub(crate) fn unquote(lit: &str) -> String {
    if let Some(raw) = lit.strip_prefix('`').and_then(|s| s.strip_suffix('`')) {
        return raw.replace('\r', "");
    }
    let inner = lit
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(lit);
    // Most literals escape nothing: their text is their value.
    if !inner.contains('\\') {
        return inner.to_string();
    }
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('\'') => out.push('\''),
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('f') => out.push('\x0c'),
            Some('v') => out.push('\x0b'),
            Some(c @ ('x' | 'u' | 'U')) => {
                let n = match c {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..n).filter_map(|_| chars.next()).collect();
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some(d @ '0'..='7') => {
                let mut s = String::from(d);
                for _ in 0..2 {
                    if let Some(c) = chars.next() {
                        s.push(c);
                    }
                }
                if let Ok(v) = u32::from_str_radix(&s, 8) {
                    out.push(char::from_u32(v).unwrap_or('?'));
                }
            }
            Some(c) => out.push(c),
            None => {}
        }
    }
    out
}
