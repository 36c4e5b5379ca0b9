//! LG106 lost-cancel.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::escape::{fate, Fate, Value};
use crate::flow::{pending_exits, Exit, Obligation};
use crate::funcs::Func;
use crate::registry::Rule;
use crate::syntax::{ident_name, indentation_at, mentions, never_returns, StmtSite};
use letgo_go::ast::{CallExpr, Expr, Ident, Span, Spec, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};

pub const RULE: Rule = Rule {
    code: "LG106",
    name: "lost-cancel",
    summary: "the cancel function of a derived context is not called on every path",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG106 lost-cancel

## What it does
Flags a `context.WithCancel`, `WithTimeout`, `WithDeadline` (or their
`...Cause` forms) whose cancel function is discarded, is not called on
every path out of the function, or is stored in an unexported field that
nothing in the package ever calls. It finds everything `go vet`'s
`lostcancel` finds, and also `_ = cancel` and cancel functions parked in
fields.

## Why is this bad?
A derived context stays registered with its parent until it is cancelled:
the child, its goroutine-free timer and everything its values reference
live as long as the parent (often the whole process, for
`context.Background()`). A `WithTimeout` context is released only when its
deadline passes, which under load is a steady staircase of live contexts.

## Example
```go
func fetch(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err // cancel is never called on this path
	}
	defer cancel()
	return do(req)
}
```

## Use instead
```go
func fetch(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	...
}
```
Returning the cancel function to the caller, or handing it to a
goroutine that calls it, also counts as calling it.

## Fix safety
`defer cancel()` right after the call (naming a discarded `_` `cancel`
when that name is free) is safe only when nothing made from the context
outlives the function: the context, and every value assigned from it
(`req` from `http.NewRequestWithContext(ctx, ...)`, a `WithValue` child,
a struct holding it), is used only through `Err`, `Done`, `Deadline`
and `Value`, the standard library's context constructors, and functions
of the package that do the same.

The fix is display-only when the context leaves the function, since
cancelling it at return would cancel it for whoever holds it: it is
returned (also as a named result, by a bare `return`), stored in a
field, an element, a package variable or a variable of an enclosing
function, sent on a channel, or captured by a closure or goroutine
(which may run after the return). Example: `func base(p
context.Context) (ctx context.Context, cancel func())` that assigns both
from `context.WithCancel(p)` and ends with a bare `return` hands both to
its caller, so it is not flagged at all; with only `ctx` a named result
it is flagged, and the fix is only shown.

The fix is unsafe when the context is passed to any other call (it may
keep it: `client.Do(req)`, `cmd.Start()`, a function of another package)
and inside a loop, where the deferred calls pile up until the function
returns.
"#;

const CONSTRUCTORS: &[&str] = &[
    "WithCancel",
    "WithTimeout",
    "WithDeadline",
    "WithCancelCause",
    "WithTimeoutCause",
    "WithDeadlineCause",
];

/// What the cancel function is assigned to.
enum Target<'a> {
    Blank(&'a Ident),
    Local(&'a Ident),
    Field { name: &'a str, span: Span },
}

struct Def<'a> {
    site: StmtSite<'a>,
    ctor: &'a str,
    ctx: Option<&'a str>,
    /// The context goes straight into a field, element or pointer target
    /// (`s.ctx, s.cancel = ...`).
    ctx_stored: bool,
    target: Target<'a>,
    /// `:=` or a `var` declaration (a new name may be introduced).
    declares: bool,
}

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let mut field_stores: Vec<(usize, &str, Span, String)> = Vec::new();
    for f in cx.functions() {
        let src = &cx.file(f.file).src;
        for site in f.sites.iter().copied() {
            let Some(def) = cancel_def(cx, f.file, site) else {
                continue;
            };
            let diag = match def.target {
                Target::Blank(blank) => discarded(cx, f, &def, blank),
                // A cancel func of an enclosing function is called there.
                Target::Local(id) if !crate::syntax::declares(f, id.name(src), src) => None,
                Target::Local(id) => {
                    let name = id.name(src);
                    for (field, span) in stores_into_fields(f.body, name, src) {
                        field_stores.push((f.file, field, span, f.name.clone()));
                    }
                    not_on_every_path(cx, f, &def, id)
                }
                Target::Field { name, span } => {
                    field_stores.push((f.file, name, span, f.name.clone()));
                    None
                }
            };
            if let Some(d) = diag {
                out.push(FileDiagnostic {
                    file: f.file,
                    diagnostic: d.in_function(&f.name),
                });
            }
        }
    }
    for (file, field, span, func) in field_stores {
        if is_exported(field) || field_is_read(cx, field) {
            continue;
        }
        let msg = format!(
            "the cancel function stored in field `{field}` is never called in this package"
        );
        out.push(FileDiagnostic {
            file,
            diagnostic: Diagnostic::new(RULE.code, span, msg).in_function(func),
        });
    }
}

/// `ctx, cancel := context.WithX(...)` (or `=`, or a `var` declaration).
fn cancel_def<'a>(cx: &PackageContext<'a>, file: usize, site: StmtSite<'a>) -> Option<Def<'a>> {
    let src = &cx.file(file).src;
    let (lhs, rhs, declares): (Vec<&'a Expr>, &'a Expr, bool) = match site.stmt {
        Stmt::Assign(a) if a.lhs.len() == 2 && a.rhs.len() == 1 => {
            (a.lhs.iter().collect(), &a.rhs[0], a.tok == Token::Define)
        }
        Stmt::Decl(g) if g.tok == Token::Var && g.specs.len() == 1 => {
            let Spec::Value(v) = &g.specs[0] else {
                return None;
            };
            if v.names.len() != 2 || v.values.len() != 1 {
                return None;
            }
            return var_def(cx, file, site, v);
        }
        _ => return None,
    };
    let ctor = constructor(cx, file, rhs)?;
    let target = match lhs[1].unparen() {
        Expr::Ident(id) if id.name(src) == "_" => Target::Blank(id),
        Expr::Ident(id) => Target::Local(id),
        Expr::Selector(sel) => Target::Field {
            name: sel.sel.name(src),
            span: lhs[1].span(),
        },
        _ => return None,
    };
    let ctx = ident_name(lhs[0], src).filter(|n| *n != "_");
    Some(Def {
        site,
        ctor,
        ctx,
        ctx_stored: ident_name(lhs[0], src).is_none(),
        target,
        declares,
    })
}

fn var_def<'a>(
    cx: &PackageContext<'a>,
    file: usize,
    site: StmtSite<'a>,
    v: &'a letgo_go::ast::ValueSpec,
) -> Option<Def<'a>> {
    let src = &cx.file(file).src;
    let ctor = constructor(cx, file, &v.values[0])?;
    let cancel = &v.names[1];
    let target = if cancel.name(src) == "_" {
        Target::Blank(cancel)
    } else {
        Target::Local(cancel)
    };
    let ctx = Some(v.names[0].name(src)).filter(|n| *n != "_");
    Some(Def {
        site,
        ctor,
        ctx,
        ctx_stored: false,
        target,
        declares: true,
    })
}

fn constructor<'a>(cx: &PackageContext<'a>, file: usize, x: &Expr) -> Option<&'a str> {
    let Expr::Call(call) = x.unparen() else {
        return None;
    };
    let name = cx.qualified_name(file, &call.fun, "context")?;
    CONSTRUCTORS.contains(&name).then_some(name)
}

fn discarded(cx: &PackageContext, f: &Func, def: &Def, blank: &Ident) -> Option<Diagnostic> {
    let (file, body) = (f.file, f.body);
    let msg = format!(
        "the cancel function returned by context.{} is discarded; the context leaks until its parent is done",
        def.ctor
    );
    let span = Span::new(blank.pos, blank.end);
    let mut d = Diagnostic::new(RULE.code, span, msg);
    let src = &cx.file(file).src;
    let name_is_free = !mentions(Node::Block(body), "cancel", src);
    if def.declares && def.site.in_list && name_is_free {
        let mut edits = vec![Edit::replace(span, "cancel")];
        edits.push(defer_after(src, def.site.stmt.span(), "cancel", def.ctor));
        d = d.with_fix(fix(cx, f, def, edits));
    }
    Some(d)
}

fn not_on_every_path(cx: &PackageContext, f: &Func, def: &Def, id: &Ident) -> Option<Diagnostic> {
    let (file, body) = (f.file, f.body);
    let sf = cx.file(file);
    let name = id.name(&sf.src);
    let ob = CancelCalled {
        def: def.site.stmt.span(),
        name,
        src: &sf.src,
        returned_bare: is_named_result(f, name, &sf.src),
    };
    let exit = *pending_exits(body, &sf.src, &ob).first()?;
    let (line, _) = sf.line_col(exit.offset());
    let how = match exit {
        Exit::Return(_) => format!("the return at line {line} leaks the context"),
        Exit::End(_) => format!("the function ends at line {line} without it"),
    };
    let msg = format!(
        "`{name}` from context.{} is not called on every path: {how}",
        def.ctor
    );
    let mut d = Diagnostic::new(RULE.code, Span::new(id.pos, id.end), msg);
    if def.site.in_list {
        let edits = vec![defer_after(&sf.src, def.site.stmt.span(), name, def.ctor)];
        d = d.with_fix(fix(cx, f, def, edits));
    }
    Some(d)
}

/// Whether `name` is one of `f`'s named results (a bare `return` returns
/// it).
fn is_named_result(f: &Func, name: &str, src: &str) -> bool {
    f.typ.results.as_ref().is_some_and(|r| {
        r.list
            .iter()
            .flat_map(|fd| &fd.names)
            .any(|n| n.name(src) == name)
    })
}

/// The fix: display-only when the context leaves the function (cancelling
/// it at return would break whoever holds it), unsafe when it is handed
/// to a call that may keep it or the call is in a loop, safe otherwise.
fn fix(cx: &PackageContext, f: &Func, def: &Def, edits: Vec<Edit>) -> Fix {
    let src = &cx.file(f.file).src;
    let ctx_fate = match def.ctx {
        _ if def.ctx_stored => Fate::Leaves,
        Some(ctx) if !crate::syntax::declares(f, ctx, src) => Fate::Leaves,
        Some(ctx) => fate(cx, f, &[ctx], Value::Context),
        None => Fate::Stays,
    };
    let applicability = match ctx_fate {
        Fate::Leaves => Applicability::DisplayOnly,
        Fate::PassedOn => Applicability::Unsafe,
        Fate::Stays if def.site.in_loop => Applicability::Unsafe,
        Fate::Stays => Applicability::Safe,
    };
    Fix {
        message: format!(
            "call it when the function returns: `{}`",
            defer_text(&edits)
        ),
        applicability,
        edits,
    }
}

/// The `defer ...` statement a fix inserts, for its message.
fn defer_text(edits: &[Edit]) -> String {
    edits
        .iter()
        .find_map(|e| {
            e.content
                .trim()
                .strip_prefix("defer ")
                .map(|c| format!("defer {c}"))
        })
        .unwrap_or_default()
}

/// `\n<indent>defer name()` after `stmt`, and after a comment that ends
/// its line (so that the comment stays with the statement). A
/// `CancelCauseFunc` takes the cause: `defer cancel(nil)`.
fn defer_after(src: &str, stmt: Span, name: &str, ctor: &str) -> Edit {
    let indent = indentation_at(src, stmt.start);
    let rest = &src[stmt.end as usize..];
    let eol = rest.find('\n').unwrap_or(rest.len());
    let at = if rest[..eol].trim_start().starts_with("//") {
        stmt.end + eol as u32
    } else {
        stmt.end
    };
    let arg = if ctor.ends_with("Cause") { "nil" } else { "" };
    Edit::insert(at, format!("\n{indent}defer {name}({arg})"))
}

/// Assignments `x.field = name` in `body`.
fn stores_into_fields<'a>(
    body: &'a letgo_go::ast::BlockStmt,
    name: &str,
    src: &'a str,
) -> Vec<(&'a str, Span)> {
    let mut out = Vec::new();
    inspect(Node::Block(body), &mut |n| {
        if let Node::Stmt(Stmt::Assign(a)) = n {
            for (l, r) in a.lhs.iter().zip(&a.rhs) {
                if let (Expr::Selector(sel), Some(rn)) = (l.unparen(), ident_name(r, src)) {
                    if rn == name {
                        out.push((sel.sel.name(src), l.span()));
                    }
                }
            }
        }
        true
    });
    out
}

/// Whether any selector `.field` in the package is read (anything but the
/// left side of an assignment).
fn field_is_read(cx: &PackageContext, field: &str) -> bool {
    cx.files().any(|(_, sf)| {
        let mut assigned: Vec<Span> = Vec::new();
        let mut read = false;
        inspect(Node::File(&sf.ast), &mut |n| {
            match n {
                Node::Stmt(Stmt::Assign(a)) => assigned.extend(a.lhs.iter().map(Expr::span)),
                Node::Expr(Expr::Selector(sel)) if sel.sel.name(&sf.src) == field => {
                    let span = Span::new(sel.x.pos(), sel.sel.end);
                    read |= !assigned.contains(&span);
                }
                _ => {}
            }
            !read
        });
        read
    })
}

fn is_exported(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}

/// The obligation: after the definition, some use of the cancel variable.
struct CancelCalled<'s> {
    def: Span,
    name: &'s str,
    src: &'s str,
    /// The cancel function is a named result: a bare `return` hands it to
    /// the caller.
    returned_bare: bool,
}

impl Obligation for CancelCalled<'_> {
    fn starts(&self, stmt: &Stmt) -> bool {
        stmt.span() == self.def
    }

    fn meets_stmt(&self, stmt: &Stmt) -> bool {
        if let Stmt::Assign(a) = stmt {
            // `_ = cancel` silences the compiler, not the leak.
            let blank = a.lhs.iter().all(|l| ident_name(l, self.src) == Some("_"));
            if blank
                && a.rhs
                    .iter()
                    .all(|r| ident_name(r, self.src) == Some(self.name))
            {
                return false;
            }
        }
        mentions(Node::stmt(stmt), self.name, self.src)
    }

    fn meets_expr(&self, expr: &Expr) -> bool {
        mentions(Node::expr(expr), self.name, self.src)
    }

    fn meets_return(&self, results: &[Expr]) -> bool {
        (results.is_empty() && self.returned_bare) || results.iter().any(|r| self.meets_expr(r))
    }

    fn never_returns(&self, call: &CallExpr) -> bool {
        never_returns(call, self.src)
    }
}
