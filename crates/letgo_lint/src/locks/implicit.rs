//! Calls a program makes without writing them: `fmt` (and `log`, which
//! formats through `fmt`) calls the `Error() string` or `String() string`
//! method of an operand printed with `%v`, `%s`, `%q`, `%x` or `%X` (or
//! by `Print`/`Println`, which use `%v`), as the `fmt` documentation
//! says ("If an operand implements method String() string, that method
//! will be invoked"). A lock that method takes is taken by the print
//! call.
//!
//! Only what is certain counts: a format string that is a constant, an
//! operand whose static type (not an interface) has the method in its
//! method set (a pointer-receiver `String` is not called on a value), no
//! `Format` method (which `fmt` would call instead), no `%#v` (which
//! calls `GoString`), no explicit argument indexes (`%[2]s`).

use letgo_go::ast::{CallExpr, Expr};
use letgo_go::token::Token;
use letgo_types::model::{ObjId, ObjKind};
use letgo_types::types::{BasicKind, Type};
use letgo_types::FileView;

/// The `String`/`Error` methods call `c` makes through `fmt`, each with
/// the operand it runs on.
pub fn stringer_calls<'c>(view: &FileView, src: &str, c: &'c CallExpr) -> Vec<(ObjId, &'c Expr)> {
    let Some((fmt_at, first)) = printer(view, c) else {
        return Vec::new();
    };
    if c.ellipsis.is_some() {
        return Vec::new();
    }
    let operands: Vec<&Expr> = c.args.iter().skip(first).collect();
    let stringified: Vec<bool> = match fmt_at {
        None => vec![true; operands.len()],
        Some(i) => {
            let Some(format) = c.args.get(i).and_then(|f| const_string(view, src, f)) else {
                return Vec::new();
            };
            let Some(v) = verbs(&format) else {
                return Vec::new();
            };
            v
        }
    };
    let mut out = Vec::new();
    for (x, &s) in operands.iter().zip(stringified.iter()) {
        if s {
            out.extend(method_called(view, x).map(|m| (m, *x)));
        }
    }
    out
}

/// For a printing function of `fmt` or `log`: the index of its format
/// argument (`None` for `Print`-like ones) and of its first operand.
fn printer(view: &FileView, c: &CallExpr) -> Option<(Option<usize>, usize)> {
    let m = view.model();
    let f = view.object_of_expr(&c.fun)?;
    let o = m.obj(f);
    let pkg = m.pkg_path(f);
    let name: &str = &o.name;
    match (pkg, o.kind) {
        ("fmt", ObjKind::Func) => match name {
            "Print" | "Println" | "Sprint" | "Sprintln" => Some((None, 0)),
            "Printf" | "Sprintf" | "Errorf" => Some((Some(0), 1)),
            "Fprint" | "Fprintln" | "Append" | "Appendln" => Some((None, 1)),
            "Fprintf" | "Appendf" => Some((Some(1), 2)),
            _ => None,
        },
        ("log", ObjKind::Func | ObjKind::Method) => match name {
            "Print" | "Println" | "Fatal" | "Fatalln" | "Panic" | "Panicln" => Some((None, 0)),
            "Printf" | "Fatalf" | "Panicf" => Some((Some(0), 1)),
            _ => None,
        },
        _ => None,
    }
}

/// A constant string: a literal or a named constant.
fn const_string(view: &FileView, src: &str, x: &Expr) -> Option<String> {
    if let Expr::BasicLit(l) = x.unparen() {
        if l.kind != Token::String {
            return None;
        }
        let text = l.value(src);
        return Some(text.get(1..text.len().checked_sub(1)?)?.to_string());
    }
    let o = view.object_of_expr(x)?;
    let obj = view.model().obj(o);
    match (&obj.kind, &obj.val) {
        (ObjKind::Const, letgo_types::constant::Value::Str(s)) => Some(s.to_string()),
        _ => None,
    }
}

/// For each operand of a format, whether its verb calls `String`/`Error`;
/// `None` when the format is beyond this reading (explicit indexes).
fn verbs(format: &str) -> Option<Vec<bool>> {
    let b = format.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        let mut sharp = false;
        while i < b.len() && b"+-# 0".contains(&b[i]) {
            sharp |= b[i] == b'#';
            i += 1;
        }
        // Width and precision; `*` takes an operand of its own.
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.' || b[i] == b'*') {
            if b[i] == b'*' {
                out.push(false);
            }
            i += 1;
        }
        let Some(&v) = b.get(i) else { break };
        i += 1;
        match v {
            b'%' => {}
            b'[' => return None,
            b'v' => out.push(!sharp),
            b's' | b'q' | b'x' | b'X' => out.push(true),
            _ => out.push(false),
        }
    }
    Some(out)
}

/// The `Error` or `String` method `fmt` calls on operand `x`.
fn method_called(view: &FileView, x: &Expr) -> Option<ObjId> {
    let m = view.model();
    let t = view.type_of(x)?;
    if matches!(m.ty(m.under_ro(t)), Type::Interface(_)) {
        return None;
    }
    if m.method(t, "Format").is_some() {
        return None;
    }
    let is_ptr = matches!(m.ty(m.under_ro(t)), Type::Pointer(_));
    ["Error", "String"].into_iter().find_map(|name| {
        let meth = m.method(t, name)?;
        let Type::Signature(sig) = m.ty(m.obj(meth).typ) else {
            return None;
        };
        let recv_ptr = sig
            .recv
            .is_some_and(|r| matches!(m.ty(m.obj(r).typ), Type::Pointer(_)));
        let returns_string = sig.results.len() == 1
            && matches!(
                m.ty(m.under_ro(m.obj(sig.results[0]).typ)),
                Type::Basic(BasicKind::String, _)
            );
        (sig.params.is_empty() && returns_string && (is_ptr || !recv_ptr)).then_some(meth)
    })
}

#[cfg(test)]
mod tests {
    use super::verbs;

    #[test]
    fn verbs_that_stringify() {
        assert_eq!(verbs("a %s b %d %v"), Some(vec![true, false, true]));
        assert_eq!(verbs("%#v %+v %5.2q %%"), Some(vec![false, true, true]));
        assert_eq!(verbs("%*d %x"), Some(vec![false, false, true]));
        assert_eq!(verbs("%[1]s"), None);
    }
}
