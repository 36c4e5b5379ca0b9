//! Types printed as `types.TypeString(t, nil)` prints them: named types
//! qualified by their package path, parameter names kept.

use crate::model::{Model, ObjId};
use crate::types::{Type, TypeId};
use letgo_go::ast::ChanDir;

impl Model {
    pub fn type_string(&self, t: TypeId) -> String {
        let mut out = String::new();
        self.write_type(&mut out, t, 0);
        out
    }

    fn write_type(&self, w: &mut String, t: TypeId, depth: u32) {
        if depth > 64 {
            w.push_str("...");
            return;
        }
        let d = depth + 1;
        match self.ty(t) {
            Type::Basic(_, name) => w.push_str(name),
            Type::Pointer(e) => {
                w.push('*');
                self.write_type(w, *e, d);
            }
            Type::Slice(e) => {
                w.push_str("[]");
                self.write_type(w, *e, d);
            }
            Type::Array(n, e) => {
                match n {
                    Some(n) => w.push_str(&format!("[{n}]")),
                    None => w.push_str("[-1]"),
                }
                self.write_type(w, *e, d);
            }
            Type::Map(k, v) => {
                w.push_str("map[");
                self.write_type(w, *k, d);
                w.push(']');
                self.write_type(w, *v, d);
            }
            Type::Chan(dir, e) => self.write_chan(w, *dir, *e, d),
            Type::Struct(fields) => {
                w.push_str("struct{");
                for (i, f) in fields.iter().enumerate() {
                    if i > 0 {
                        w.push_str("; ");
                    }
                    let o = self.obj(f.obj);
                    if !f.embedded {
                        w.push_str(&o.name);
                        w.push(' ');
                    }
                    self.write_type(w, o.typ, d);
                    if let Some(tag) = &f.tag {
                        w.push(' ');
                        w.push_str(&quote(tag));
                    }
                }
                w.push('}');
            }
            Type::Signature(_) => {
                w.push_str("func");
                self.write_signature(w, t, d);
            }
            Type::Interface(it) => {
                if t == self.empty_iface {
                    w.push_str("any");
                    return;
                }
                if it.implicit && it.methods.is_empty() && it.embeddeds.len() == 1 {
                    self.write_type(w, it.embeddeds[0], d);
                    return;
                }
                w.push_str("interface{");
                let mut first = true;
                for &m in &it.methods {
                    if !first {
                        w.push_str("; ");
                    }
                    first = false;
                    w.push_str(&self.obj(m).name);
                    self.write_signature(w, self.obj(m).typ, d);
                }
                for &e in &it.embeddeds {
                    if !first {
                        w.push_str("; ");
                    }
                    first = false;
                    self.write_type(w, e, d);
                }
                w.push('}');
            }
            Type::Tuple(vars) => self.write_tuple(w, vars, false, d),
            Type::Named(n) => {
                self.write_type_name(w, n.obj);
                if !n.targs.is_empty() {
                    self.write_type_list(w, &n.targs, d);
                } else if !n.tparams.is_empty() {
                    self.write_tparams(w, &n.tparams, d);
                }
            }
            Type::Alias { obj, targs, .. } => {
                self.write_type_name(w, *obj);
                if !targs.is_empty() {
                    self.write_type_list(w, targs, d);
                }
            }
            Type::TypeParam { obj, .. } => w.push_str(&self.obj(*obj).name),
            Type::Union(terms) => {
                for (i, (tilde, t)) in terms.iter().enumerate() {
                    if i > 0 {
                        w.push_str(" | ");
                    }
                    if *tilde {
                        w.push('~');
                    }
                    self.write_type(w, *t, d);
                }
            }
        }
    }

    fn write_chan(&self, w: &mut String, dir: ChanDir, e: TypeId, d: u32) {
        let mut paren = false;
        match dir {
            ChanDir::Both => {
                w.push_str("chan ");
                paren = matches!(self.ty(e), Type::Chan(ChanDir::Recv, _));
            }
            ChanDir::Send => w.push_str("chan<- "),
            ChanDir::Recv => w.push_str("<-chan "),
        }
        if paren {
            w.push('(');
        }
        self.write_type(w, e, d);
        if paren {
            w.push(')');
        }
    }

    pub(crate) fn write_type_name(&self, w: &mut String, obj: ObjId) {
        let o = self.obj(obj);
        if let Some(p) = o.pkg {
            w.push_str(&self.packages[p.0 as usize].path);
            w.push('.');
        }
        w.push_str(&o.name);
    }

    fn write_type_list(&self, w: &mut String, list: &[TypeId], d: u32) {
        w.push('[');
        for (i, &t) in list.iter().enumerate() {
            if i > 0 {
                w.push_str(", ");
            }
            self.write_type(w, t, d);
        }
        w.push(']');
    }

    fn write_tuple(&self, w: &mut String, vars: &[ObjId], variadic: bool, d: u32) {
        w.push('(');
        for (i, &v) in vars.iter().enumerate() {
            if i > 0 {
                w.push_str(", ");
            }
            let o = self.obj(v);
            if !o.name.is_empty() {
                w.push_str(&o.name);
                w.push(' ');
            }
            let mut t = o.typ;
            if variadic && i == vars.len() - 1 {
                if let Type::Slice(e) = self.ty(t) {
                    w.push_str("...");
                    t = *e;
                }
            }
            self.write_type(w, t, d);
        }
        w.push(')');
    }

    fn write_signature(&self, w: &mut String, t: TypeId, d: u32) {
        let Type::Signature(sig) = self.ty(t) else {
            w.push_str("()");
            return;
        };
        if !sig.tparams.is_empty() {
            self.write_tparams(w, &sig.tparams, d);
        }
        self.write_tuple(w, &sig.params, sig.variadic, d);
        match sig.results.len() {
            0 => {}
            1 if self.obj(sig.results[0]).name.is_empty() => {
                w.push(' ');
                self.write_type(w, self.obj(sig.results[0]).typ, d);
            }
            _ => {
                w.push(' ');
                self.write_tuple(w, &sig.results, false, d);
            }
        }
    }

    fn write_tparams(&self, w: &mut String, list: &[TypeId], d: u32) {
        w.push('[');
        let mut prev: Option<TypeId> = None;
        for (i, &tp) in list.iter().enumerate() {
            let bound = match self.ty(tp) {
                Type::TypeParam { constraint, .. } => *constraint,
                _ => self.invalid,
            };
            if i > 0 {
                if Some(bound) != prev {
                    w.push(' ');
                    self.write_type(w, prev.unwrap_or(self.invalid), d);
                }
                w.push_str(", ");
            }
            prev = Some(bound);
            self.write_type(w, tp, d);
        }
        if let Some(p) = prev {
            w.push(' ');
            self.write_type(w, p, d);
        }
        w.push(']');
    }
}

/// A string quoted as Go's `strconv.Quote` does for printable ASCII.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
