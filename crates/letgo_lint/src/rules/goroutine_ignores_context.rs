//! LG105 goroutine-ignores-context.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::funcs::{Func, FuncKind};
use crate::registry::Rule;
use crate::syntax::{indentation_at, loop_exit};
use letgo_go::ast::{BlockStmt, Expr, ForStmt, Span, Stmt};
use letgo_go::visit::{inspect, Node};
use letgo_types::model::ObjKind;
use letgo_types::types::TypeId;
use letgo_types::{FileView, Model};

pub const RULE: Rule = Rule {
    code: "LG105",
    name: "goroutine-ignores-context",
    summary: "a goroutine loops forever in a function whose context it never checks",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG105 goroutine-ignores-context

## What it does
Flags a goroutine whose body is an endless `for` loop with no way out
(no `return`, no `break` out of it, nothing that ends the goroutine),
started in a function that has a `context.Context` parameter it never
passes to or checks in that goroutine.

The context is found by type, from the semantic model: a parameter of
type `context.Context`, or of any type whose `Done` method is `context`'s
(an interface embedding it), whatever the parameter and the import are
called. The goroutine checks it when it refers to any variable or field
of such a type (the parameter, a context derived from it, a stored one);
a variable of another type with the parameter's name does not count, nor
does `context.Background()`. Where the types are unknown, there is no
finding.

## Why is this bad?
The context says when the work is no longer wanted: the request ended,
the server is shutting down. A loop that never looks at it runs forever,
one more goroutine for every call of the function, each holding what the
loop references.

## Example
```go
func (s *Server) watch(ctx context.Context, updates <-chan Update) {
	go func() {
		for {
			select {
			case u := <-updates:
				s.apply(u)
			}
		}
	}()
}
```

## Use instead
```go
		for {
			select {
			case <-ctx.Done():
				return
			case u := <-updates:
				s.apply(u)
			}
		}
```

## Fix safety
Adding `case <-ctx.Done(): return` to a loop that is a single `select` is
safe: the goroutine behaves as before until the context is cancelled, and
then stops, which is what the context asked for.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    for f in cx.functions() {
        let FuncKind::Decl(_) = f.kind else { continue };
        let Some(ctx) = context_param(cx, f) else {
            continue;
        };
        let src = &cx.file(f.file).src;
        let Some(view) = cx.types(f.file) else {
            continue;
        };
        for (pos, body) in goroutines(f.body) {
            if uses_a_context(view, body) {
                continue;
            }
            let Some(lp) = endless_loop(body, src) else {
                continue;
            };
            let msg = format!(
                "goroutine loops forever and never checks `{ctx}`: it outlives the call that started it"
            );
            let span = Span::new(pos, pos + 2);
            let mut d = Diagnostic::new(RULE.code, span, msg).in_function(&f.name);
            if let Some(fix) = done_case(lp, ctx, src) {
                d = d.with_fix(fix);
            }
            out.push(FileDiagnostic {
                file: f.file,
                diagnostic: d,
            });
        }
    }
}

/// The name of the first parameter whose type is a context (see
/// [`is_context`]), whatever it is called. An unknown type is out of view.
pub(crate) fn context_param<'a>(cx: &PackageContext<'a>, f: &Func<'a>) -> Option<&'a str> {
    let src = &cx.file(f.file).src;
    let view = cx.types(f.file)?;
    let m = view.model();
    let name = f.typ.params.list.iter().find_map(|field| {
        let first = field.names.first()?;
        let o = view.object_of(first)?;
        is_context(m, m.obj(o).typ).then(|| first.name(src))
    })?;
    (name != "_").then_some(name)
}

/// A context: `context.Context`, or any type whose `Done` method is
/// `context`'s (an interface embedding `context.Context`, a struct
/// embedding one).
fn is_context(m: &Model, t: TypeId) -> bool {
    m.method(t, "Done")
        .is_some_and(|d| m.pkg_path(d) == "context")
}

/// Whether the goroutine's body refers to a context variable or field
/// (the function's parameter, one derived from it, a stored one), by the
/// objects its identifiers resolve to. `context.Background()` and the
/// like make a context; they do not check one.
pub(crate) fn uses_a_context(view: FileView, body: &BlockStmt) -> bool {
    let m = view.model();
    let mut found = false;
    inspect(Node::Block(body), &mut |n| {
        if let Node::Ident(id) = n {
            found |= view.object_of(id).is_some_and(|o| {
                let obj = m.obj(o);
                matches!(obj.kind, ObjKind::Var | ObjKind::Field) && is_context(m, obj.typ)
            });
        }
        !found
    });
    found
}

/// `go func() { ... }()` statements in `body` and its nested literals:
/// the `go` offset and the literal's body.
fn goroutines(body: &BlockStmt) -> Vec<(u32, &BlockStmt)> {
    let mut out = Vec::new();
    inspect(Node::Block(body), &mut |n| {
        if let Node::Stmt(Stmt::Go(g)) = n {
            if let Expr::FuncLit(lit) = g.call.fun.unparen() {
                out.push((g.pos, &lit.body));
            }
        }
        true
    });
    out
}

/// A `for { ... }` statement of the goroutine's body with no way out.
fn endless_loop<'a>(body: &'a BlockStmt, src: &str) -> Option<&'a ForStmt> {
    body.list.iter().find_map(|s| match s {
        Stmt::For(f) if f.cond.is_none() && f.init.is_none() && f.post.is_none() => {
            loop_exit(&f.body, src).is_none().then_some(&**f)
        }
        _ => None,
    })
}

/// For a loop that is a single `select`: a first case `<-ctx.Done()`.
fn done_case(lp: &ForStmt, ctx: &str, src: &str) -> Option<Fix> {
    let [Stmt::Select(sel)] = lp.body.list.as_slice() else {
        return None;
    };
    if sel.body.clauses.iter().any(|c| c.comm.is_none()) {
        return None; // a default case makes it a busy loop; leave it be
    }
    let indent = indentation_at(src, sel.pos);
    let text = format!("\n{indent}case <-{ctx}.Done():\n{indent}\treturn");
    Some(Fix {
        message: format!("stop when the context is done: `case <-{ctx}.Done(): return`"),
        applicability: Applicability::Safe,
        edits: vec![Edit::insert(sel.body.lbrace + 1, text)],
    })
}
