//! LG304 subslice-pins-buffer.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::funcs::Func;
use crate::owners::{grows, Owners};
use crate::registry::Rule;
use crate::syntax::ident_name;
use letgo_go::ast::{Decl, Expr, SliceExpr, Spec, Stmt};
use letgo_go::token::Token;

pub const RULE: Rule = Rule {
    code: "LG304",
    name: "subslice-pins-buffer",
    summary: "a sub-slice of a large buffer kept on a long-lived owner pins the whole buffer",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG304 subslice-pins-buffer

## What it does
Flags a sub-slice (`buf[:n]`, `buf[i:j]`) of a large local buffer — a
`make([]byte, N)` with a constant N of 64 KiB or more, or the result of
`io.ReadAll` — that is stored on a long-lived owner (a package variable,
or a field of a long-lived struct type, as for LG301): assigned to it,
appended to it, or put in its map. A sub-slice of a `make` buffer with
constant bounds at most a sixteenth of its size is flagged when returned
too. `_test.go` files are left alone.

## Why is this bad?
A sub-slice shares its array: keeping 16 bytes of a 1 MiB read buffer
keeps the whole megabyte reachable. Stored per request on a value that
never dies, a few bytes each time grow the heap by the buffer size each
time.

## Example
```go
func (s *Server) remember(r io.Reader) error {
	buf := make([]byte, 1<<20)
	n, err := r.Read(buf)
	if err != nil {
		return err
	}
	s.ids[string(buf[:8])] = buf[8:n] // pins the whole megabyte
	return nil
}
```

## Use instead
```go
	s.ids[string(buf[:8])] = bytes.Clone(buf[8:n])
```

## Fix safety
The fix (`bytes.Clone(...)`, `slices.Clone(...)` for other element types)
is display-only: it copies, so a caller that relied on writing through
the sub-slice into the buffer would change behaviour, and the file may
need a new import.
"#;

/// 64 KiB: smaller buffers are not worth the copy.
const LARGE: u64 = 64 << 10;

/// A large local buffer: its name and its size when constant.
struct Buffer<'s> {
    name: &'s str,
    size: Option<u64>,
}

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let owners = cx.owners();
    let funcs = cx.functions();
    for (i, f) in funcs.iter().enumerate() {
        if cx.file(f.file).is_test {
            continue;
        }
        let buffers = large_buffers(cx, f);
        for b in &buffers {
            for (sub, what) in pinned(cx, owners, funcs, i, b) {
                out.push(FileDiagnostic {
                    file: f.file,
                    diagnostic: diagnostic(cx, f, b, sub, &what),
                });
            }
        }
    }
}

fn diagnostic(
    cx: &PackageContext,
    f: &Func,
    b: &Buffer,
    sub: &SliceExpr,
    what: &str,
) -> Diagnostic {
    let src = &cx.file(f.file).src;
    let span = letgo_go::ast::Span::new(sub.x.span().start, sub.rbrack + 1);
    let text = span.text(src);
    let buffer = match b.size {
        Some(n) => format!("the {} KiB buffer `{}`", n >> 10, b.name),
        None => format!("all of `{}`, the `io.ReadAll` result", b.name),
    };
    let msg = format!("`{text}` {what} pins {buffer}; copy it");
    let fix = Fix {
        message: format!("keep a copy: `bytes.Clone({text})`"),
        applicability: Applicability::DisplayOnly,
        edits: vec![Edit::replace(span, format!("bytes.Clone({text})"))],
    };
    Diagnostic::new(RULE.code, span, msg)
        .with_fix(fix)
        .in_function(&f.name)
}

/// `b := make([]byte, N)` with N ≥ 64 KiB, `b, err := io.ReadAll(r)`.
fn large_buffers<'s>(cx: &PackageContext<'s>, f: &Func<'s>) -> Vec<Buffer<'s>> {
    let src = &cx.file(f.file).src;
    let mut out = Vec::new();
    for site in f.sites.iter().copied() {
        let Stmt::Assign(a) = site.stmt else { continue };
        let (Some(lhs), [rhs]) = (a.lhs.first(), &a.rhs[..]) else {
            continue;
        };
        let (Some(name), Expr::Call(c)) = (ident_name(lhs, src), rhs.unparen()) else {
            continue;
        };
        if a.tok != Token::Define && a.tok != Token::Assign {
            continue;
        }
        if cx.qualified_name(f.file, &c.fun, "io") == Some("ReadAll") {
            out.push(Buffer { name, size: None });
            continue;
        }
        let make_bytes = ident_name(&c.fun, src) == Some("make")
            && c.args
                .first()
                .is_some_and(|t| t.span().text(src) == "[]byte");
        if !make_bytes || a.lhs.len() != 1 {
            continue;
        }
        // Evaluated only for a `make([]byte, n)`: a constant's value is
        // looked up through its file's declarations.
        let size = c.args.get(1).and_then(|n| const_int(cx, f.file, n, 0));
        if size.is_some_and(|n| n >= LARGE) {
            out.push(Buffer { name, size });
        }
    }
    out
}

/// The sub-slices of `b` that function `i` keeps on a long-lived owner
/// or returns small, with how.
fn pinned<'a>(
    cx: &PackageContext,
    owners: &Owners,
    funcs: &'a [Func],
    i: usize,
    b: &Buffer,
) -> Vec<(&'a SliceExpr, String)> {
    let src = &cx.file(funcs[i].file).src;
    let mut out = Vec::new();
    for site in funcs[i].sites.iter().copied() {
        match site.stmt {
            Stmt::Assign(a) if a.tok == Token::Assign && a.lhs.len() == a.rhs.len() => {
                for (lhs, rhs) in a.lhs.iter().zip(&a.rhs) {
                    let slot = match lhs.unparen() {
                        Expr::Index(ix) => &ix.x,
                        other => other,
                    };
                    if owners.place(cx, funcs, i, slot).is_none() {
                        continue;
                    }
                    let stored = format!("stored in `{}`", slot.span().text(src));
                    if let Some(sub) = sub_slice(rhs, b.name, src) {
                        out.push((sub, stored));
                    } else if grows(lhs, rhs, src) {
                        let Expr::Call(c) = rhs.unparen() else {
                            continue;
                        };
                        for arg in &c.args[1..] {
                            out.extend(sub_slice(arg, b.name, src).map(|s| (s, stored.clone())));
                        }
                    }
                }
            }
            Stmt::Return(r) => {
                for x in &r.results {
                    if let Some(sub) = sub_slice(x, b.name, src) {
                        if small(cx, funcs[i].file, sub, b.size) {
                            out.push((sub, "returned".to_string()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `name[i:j]`.
fn sub_slice<'x>(x: &'x Expr, name: &str, src: &str) -> Option<&'x SliceExpr> {
    match x.unparen() {
        Expr::Slice(s) if ident_name(&s.x, src) == Some(name) => Some(s),
        _ => None,
    }
}

/// Constant bounds spanning at most a sixteenth of a buffer of known size.
fn small(cx: &PackageContext, file: usize, s: &SliceExpr, size: Option<u64>) -> bool {
    let (Some(size), Some(high)) = (size, s.high.as_ref()) else {
        return false;
    };
    let low = s
        .low
        .as_ref()
        .map_or(Some(0), |l| const_int(cx, file, l, 0));
    match (low, const_int(cx, file, high, 0)) {
        (Some(l), Some(h)) => h >= l && h - l <= size / 16,
        _ => false,
    }
}

/// The value of a constant integer expression: literals, `+ - * <<`,
/// parentheses, and constants of the package.
fn const_int(cx: &PackageContext, file: usize, x: &Expr, depth: u32) -> Option<u64> {
    if depth > 8 {
        return None;
    }
    let src = &cx.file(file).src;
    match x.unparen() {
        Expr::BasicLit(l) if l.kind == Token::Int => {
            let v = l.value(src).replace('_', "");
            match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => v.parse().ok(),
            }
        }
        Expr::Binary(b) => {
            let l = const_int(cx, file, &b.x, depth + 1)?;
            let r = const_int(cx, file, &b.y, depth + 1)?;
            match b.op {
                Token::Add => l.checked_add(r),
                Token::Sub => l.checked_sub(r),
                Token::Mul => l.checked_mul(r),
                Token::Shl if r < 64 => l.checked_shl(r as u32),
                _ => None,
            }
        }
        Expr::Ident(id) => package_const(cx, id.name(src), depth),
        _ => None,
    }
}

/// The value of a package constant with its own initializer.
fn package_const(cx: &PackageContext, name: &str, depth: u32) -> Option<u64> {
    let def = cx.package.symbols.consts.get(name)?;
    let sf = cx.file(def.at.file);
    for decl in &sf.ast.decls {
        let Decl::Gen(g) = decl else { continue };
        for spec in &g.specs {
            let Spec::Value(v) = spec else { continue };
            if let Some(k) = v.names.iter().position(|n| n.pos == def.at.name.start) {
                return const_int(cx, def.at.file, v.values.get(k)?, depth + 1);
            }
        }
    }
    None
}
