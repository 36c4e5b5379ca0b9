//! Package-level names of a Go package, read from its syntax trees: imports
//! with their local names, types (struct fields with their written types),
//! vars, consts, funcs, and methods grouped by receiver type.
//!
//! There is no type checker here: types are kept as the text the source
//! writes (`*sync.Mutex`, `map[string][]byte`), which is what the rules need
//! to recognise a `sync.WaitGroup` field or a growing map.

use crate::ast::{Decl, Expr, File, FuncDecl, Span, Spec};
use crate::token::Token;
use std::collections::BTreeMap;

/// One import of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The name the file uses for the package: the explicit name, `.`, `_`,
    /// or the name guessed from the path (see [`default_import_name`]).
    pub name: String,
    pub path: String,
    /// Whether the file wrote the name (`import f "fmt"`).
    pub explicit: bool,
    pub span: Span,
}

/// The imports of `file`, in source order.
pub fn file_imports(file: &File, src: &str) -> Vec<Import> {
    file.imports()
        .map(|spec| {
            let path = spec.path_value(src).to_string();
            let (name, explicit) = match &spec.name {
                Some(n) => (n.name(src).to_string(), true),
                None => (default_import_name(&path).to_string(), false),
            };
            Import {
                name,
                path,
                explicit,
                span: Span::new(spec.name.map_or(spec.path.pos, |n| n.pos), spec.path.end),
            }
        })
        .collect()
}

/// The package name an import path most likely declares, by Go's
/// conventions: the last element, skipping a major-version element (`v2`)
/// and a `.vN` suffix (`gopkg.in/yaml.v3`), and dropping a `go-` prefix.
/// Without the imported package's source this is a guess; an explicit
/// import name always wins.
pub fn default_import_name(path: &str) -> &str {
    let mut parts = path.rsplit('/');
    let mut last = parts.next().unwrap_or(path);
    let is_major =
        |s: &str| s.len() > 1 && s.starts_with('v') && s[1..].bytes().all(|b| b.is_ascii_digit());
    if is_major(last) {
        if let Some(prev) = parts.next() {
            last = prev;
        }
    }
    if let Some((base, ver)) = last.rsplit_once(".v") {
        if !ver.is_empty() && ver.bytes().all(|b| b.is_ascii_digit()) {
            last = base;
        }
    }
    last.strip_prefix("go-").unwrap_or(last)
}

/// Where a declaration is: the index of its file in the package, and the
/// span of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeclRef {
    pub file: usize,
    pub name: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeKind {
    Struct,
    Interface,
    /// Any other type: a named map, slice, func, another named type...
    Other,
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    /// The field name; for an embedded field, the type's name (`Mutex`).
    pub name: String,
    /// The field's type as written.
    pub typ: String,
    pub embedded: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub at: DeclRef,
    pub kind: TypeKind,
    /// Struct fields, in order; empty for other kinds.
    pub fields: Vec<FieldDef>,
    /// The type as written (`struct{...}` text for structs).
    pub typ: String,
    pub generic: bool,
    pub alias: bool,
}

impl TypeDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// A package-level `var` or `const`.
#[derive(Debug, Clone)]
pub struct ValueDef {
    pub at: DeclRef,
    /// The declared type as written, if any.
    pub typ: Option<String>,
    /// The span of the initial value, if any.
    pub value: Option<Span>,
}

/// A function or method declaration: its file and its index in that file's
/// `decls`.
#[derive(Debug, Clone)]
pub struct FuncRef {
    pub at: DeclRef,
    pub decl: usize,
    pub name: String,
    /// The receiver's base type name, for a method.
    pub recv_type: Option<String>,
    pub pointer_recv: bool,
}

impl FuncRef {
    /// The name as Go's stack traces spell it, without the package:
    /// `Func`, `(*T).Method`, `T.Method`.
    pub fn trace_name(&self) -> String {
        match (&self.recv_type, self.pointer_recv) {
            (Some(t), true) => format!("(*{t}).{}", self.name),
            (Some(t), false) => format!("{t}.{}", self.name),
            (None, _) => self.name.clone(),
        }
    }
}

/// The package-level declarations of one package.
#[derive(Debug, Clone, Default)]
pub struct Symbols {
    pub types: BTreeMap<String, TypeDef>,
    pub vars: BTreeMap<String, ValueDef>,
    pub consts: BTreeMap<String, ValueDef>,
    /// Functions without a receiver. `init` may appear many times; only the
    /// first is kept here (all are in `inits`).
    pub funcs: BTreeMap<String, FuncRef>,
    pub inits: Vec<FuncRef>,
    /// Methods by receiver base type name.
    pub methods: BTreeMap<String, Vec<FuncRef>>,
}

impl Symbols {
    /// Adds the declarations of file number `index` of the package.
    pub fn add_file(&mut self, index: usize, file: &File, src: &str) {
        for (d, decl) in file.decls.iter().enumerate() {
            match decl {
                Decl::Gen(g) => {
                    for spec in &g.specs {
                        self.add_spec(index, g.tok, spec, src);
                    }
                }
                Decl::Func(f) => self.add_func(index, d, f, src),
                Decl::Bad(_) => {}
            }
        }
    }

    pub fn method(&self, recv_type: &str, name: &str) -> Option<&FuncRef> {
        self.methods.get(recv_type)?.iter().find(|m| m.name == name)
    }

    fn add_spec(&mut self, file: usize, tok: Token, spec: &Spec, src: &str) {
        match spec {
            Spec::Type(t) => {
                let def = type_def(file, t, src);
                self.types.insert(t.name.name(src).to_string(), def);
            }
            Spec::Value(v) => {
                let typ = v.typ.as_ref().map(|t| t.span().text(src).to_string());
                for (i, name) in v.names.iter().enumerate() {
                    let def = ValueDef {
                        at: DeclRef {
                            file,
                            name: Span::new(name.pos, name.end),
                        },
                        typ: typ.clone(),
                        value: v.values.get(i).map(Expr::span),
                    };
                    let map = if tok == Token::Const {
                        &mut self.consts
                    } else {
                        &mut self.vars
                    };
                    map.insert(name.name(src).to_string(), def);
                }
            }
            Spec::Import(_) => {}
        }
    }

    fn add_func(&mut self, file: usize, decl: usize, f: &FuncDecl, src: &str) {
        let (recv_type, pointer_recv) = match &f.recv {
            Some(r) => match r.list.first().map(|field| receiver_base(&field.typ, src)) {
                Some((name, ptr)) => (Some(name.to_string()), ptr),
                None => (None, false),
            },
            None => (None, false),
        };
        let fref = FuncRef {
            at: DeclRef {
                file,
                name: Span::new(f.name.pos, f.name.end),
            },
            decl,
            name: f.name.name(src).to_string(),
            recv_type,
            pointer_recv,
        };
        match &fref.recv_type {
            Some(t) => self.methods.entry(t.clone()).or_default().push(fref),
            None if fref.name == "init" => self.inits.push(fref),
            None => {
                self.funcs.entry(fref.name.clone()).or_insert(fref);
            }
        }
    }
}

fn type_def(file: usize, t: &crate::ast::TypeSpec, src: &str) -> TypeDef {
    let (kind, fields) = match &t.typ {
        Expr::StructType(s) => (TypeKind::Struct, struct_fields(&s.fields, src)),
        Expr::InterfaceType(_) => (TypeKind::Interface, Vec::new()),
        _ => (TypeKind::Other, Vec::new()),
    };
    TypeDef {
        at: DeclRef {
            file,
            name: Span::new(t.name.pos, t.name.end),
        },
        kind,
        fields,
        typ: t.typ.span().text(src).to_string(),
        generic: t.type_params.is_some(),
        alias: t.assign.is_some(),
    }
}

fn struct_fields(list: &crate::ast::FieldList, src: &str) -> Vec<FieldDef> {
    let mut out = Vec::new();
    for f in &list.list {
        let typ = f.typ.span().text(src).to_string();
        if f.names.is_empty() {
            let (name, _) = receiver_base(&f.typ, src);
            out.push(FieldDef {
                name: name.to_string(),
                typ,
                embedded: true,
                span: Span::new(f.pos(), f.end()),
            });
            continue;
        }
        for n in &f.names {
            out.push(FieldDef {
                name: n.name(src).to_string(),
                typ: typ.clone(),
                embedded: false,
                span: Span::new(n.pos, n.end),
            });
        }
    }
    out
}

/// The base type name of a receiver or embedded type (`*pkg.T[K]` → `T`),
/// and whether it is a pointer.
pub fn receiver_base<'s>(typ: &Expr, src: &'s str) -> (&'s str, bool) {
    let mut x = typ.unparen();
    let mut pointer = false;
    loop {
        x = match x {
            Expr::Star(s) => {
                pointer = true;
                s.x.unparen()
            }
            Expr::Index(i) => i.x.unparen(),
            Expr::IndexList(i) => i.x.unparen(),
            Expr::Selector(s) => return (s.sel.name(src), pointer),
            Expr::Ident(id) => return (id.name(src), pointer),
            _ => return ("_", pointer),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"package cache

import (
	"fmt"
	str "strings"
	_ "embed"
	"math/rand/v2"
	"gopkg.in/yaml.v3"
)

type Cache[K comparable] struct {
	sync.Mutex
	items map[K][]byte
	a, b  int
	*log.Logger
}

type Alias = Cache[string]

var global = map[string]int{}
var x, y int = 1, 2

const (
	A = iota
	B
)

func New() *Cache[string] { return nil }
func (c *Cache[K]) Get(k K) []byte { return nil }
func (c Cache[K]) Len() int { return 0 }
func init() {}
func init() {}
"#;

    fn symbols() -> Symbols {
        let parsed = crate::parse_file(SRC);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let mut s = Symbols::default();
        s.add_file(0, &parsed.file, SRC);
        s
    }

    #[test]
    fn imports_get_their_local_names() {
        let parsed = crate::parse_file(SRC);
        let names: Vec<(String, String)> = file_imports(&parsed.file, SRC)
            .into_iter()
            .map(|i| (i.name, i.path))
            .collect();
        let want = [
            ("fmt", "fmt"),
            ("str", "strings"),
            ("_", "embed"),
            ("rand", "math/rand/v2"),
            ("yaml", "gopkg.in/yaml.v3"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(names, want);
    }

    #[test]
    fn struct_fields_keep_written_types() {
        let s = symbols();
        let cache = &s.types["Cache"];
        assert_eq!(cache.kind, TypeKind::Struct);
        assert!(cache.generic);
        let fields: Vec<(&str, &str, bool)> = cache
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.typ.as_str(), f.embedded))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("Mutex", "sync.Mutex", true),
                ("items", "map[K][]byte", false),
                ("a", "int", false),
                ("b", "int", false),
                ("Logger", "*log.Logger", true),
            ]
        );
        assert!(s.types["Alias"].alias);
    }

    #[test]
    fn values_funcs_and_methods() {
        let s = symbols();
        assert!(s.vars.contains_key("global") && s.vars.contains_key("y"));
        assert_eq!(s.vars["x"].typ.as_deref(), Some("int"));
        assert!(s.consts.contains_key("A") && s.consts.contains_key("B"));
        assert!(s.funcs.contains_key("New"));
        assert_eq!(s.inits.len(), 2);
        let get = s.method("Cache", "Get").unwrap();
        assert_eq!(get.trace_name(), "(*Cache).Get");
        assert_eq!(s.method("Cache", "Len").unwrap().trace_name(), "Cache.Len");
    }
}
