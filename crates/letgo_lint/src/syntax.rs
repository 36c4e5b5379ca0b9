//! Small questions about syntax that many rules ask.

use letgo_go::ast::{CallExpr, Expr, Span, Stmt};
use letgo_go::visit::{inspect, Node};

/// Whether `node` mentions the identifier `name` anywhere, function
/// literals included.
pub fn mentions(node: Node, name: &str, src: &str) -> bool {
    let mut found = false;
    inspect(node, &mut |n| {
        if found {
            return false;
        }
        if let Node::Ident(id) = n {
            found = id.name(src) == name;
        }
        true
    });
    found
}

/// The name of a plain identifier expression.
pub fn ident_name<'s>(x: &Expr, src: &'s str) -> Option<&'s str> {
    match x.unparen() {
        Expr::Ident(id) => Some(id.name(src)),
        _ => None,
    }
}

/// `recv.Method(...)`: the method name and receiver expression.
pub fn method_call<'c, 's>(call: &'c CallExpr, src: &'s str) -> Option<(&'c Expr, &'s str)> {
    match call.fun.unparen() {
        Expr::Selector(sel) => Some((&sel.x, sel.sel.name(src))),
        _ => None,
    }
}

/// Calls that never return to their caller: `panic`, `os.Exit`,
/// `log.Fatal*`/`log.Panic*`, `runtime.Goexit`, and the testing helpers
/// that stop a test (`t.Fatal`, `t.FailNow`, `t.Skip`...).
pub fn never_returns(call: &CallExpr, src: &str) -> bool {
    match call.fun.unparen() {
        Expr::Ident(id) => id.name(src) == "panic",
        Expr::Selector(sel) => {
            let name = sel.sel.name(src);
            let recv = ident_name(&sel.x, src).unwrap_or("");
            matches!(
                (recv, name),
                ("os", "Exit")
                    | ("runtime", "Goexit")
                    | (
                        "log",
                        "Fatal" | "Fatalf" | "Fatalln" | "Panic" | "Panicf" | "Panicln"
                    )
            ) || matches!(
                name,
                "Fatal" | "Fatalf" | "FailNow" | "Skip" | "Skipf" | "SkipNow"
            )
        }
        _ => false,
    }
}

/// The whitespace that starts the line holding `offset`.
pub fn indentation_at(src: &str, offset: u32) -> &str {
    let start = src[..offset as usize].rfind('\n').map_or(0, |i| i + 1);
    let line = &src[start..];
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..width]
}

/// The span of a statement, for edits after it.
pub fn stmt_span(s: &Stmt) -> Span {
    s.span()
}

/// A statement of a function body and where it sits.
#[derive(Debug, Clone, Copy)]
pub struct StmtSite<'a> {
    pub stmt: &'a Stmt,
    /// An element of a statement list (a block or clause body), so that a
    /// statement can be inserted after it; false for `if`/`for`/`switch`
    /// init statements.
    pub in_list: bool,
    /// Inside a `for` or `range` body.
    pub in_loop: bool,
}

/// Every statement of `body`, outer before inner, without entering
/// function literals (they are functions of their own).
pub fn statements(body: &letgo_go::ast::BlockStmt) -> Vec<StmtSite<'_>> {
    let mut out = Vec::new();
    list_sites(&body.list, false, &mut out);
    out
}

fn list_sites<'a>(list: &'a [Stmt], in_loop: bool, out: &mut Vec<StmtSite<'a>>) {
    for s in list {
        out.push(StmtSite {
            stmt: s,
            in_list: true,
            in_loop,
        });
        nested_sites(s, in_loop, out);
    }
}

fn header<'a>(s: Option<&'a Stmt>, in_loop: bool, out: &mut Vec<StmtSite<'a>>) {
    if let Some(s) = s {
        out.push(StmtSite {
            stmt: s,
            in_list: false,
            in_loop,
        });
    }
}

fn nested_sites<'a>(s: &'a Stmt, in_loop: bool, out: &mut Vec<StmtSite<'a>>) {
    match s {
        Stmt::Block(b) => list_sites(&b.list, in_loop, out),
        Stmt::Labeled(l) => nested_sites(&l.stmt, in_loop, out),
        Stmt::If(i) => {
            header(i.init.as_ref(), in_loop, out);
            list_sites(&i.body.list, in_loop, out);
            if let Some(e) = &i.els {
                match e {
                    Stmt::Block(b) => list_sites(&b.list, in_loop, out),
                    other => nested_sites(other, in_loop, out),
                }
            }
        }
        Stmt::For(f) => {
            header(f.init.as_ref(), in_loop, out);
            header(f.post.as_ref(), true, out);
            list_sites(&f.body.list, true, out);
        }
        Stmt::Range(r) => list_sites(&r.body.list, true, out),
        Stmt::Switch(sw) => {
            header(sw.init.as_ref(), in_loop, out);
            for c in &sw.body.clauses {
                list_sites(&c.body, in_loop, out);
            }
        }
        Stmt::TypeSwitch(sw) => {
            header(sw.init.as_ref(), in_loop, out);
            header(Some(&sw.assign), in_loop, out);
            for c in &sw.body.clauses {
                list_sites(&c.body, in_loop, out);
            }
        }
        Stmt::Select(sel) => {
            for c in &sel.body.clauses {
                header(c.comm.as_ref(), in_loop, out);
                list_sites(&c.body, in_loop, out);
            }
        }
        _ => {}
    }
}

/// A statement that leaves a loop with this body: a `return`, a `goto`, a
/// plain `break` not inside a nested loop, `switch` or `select`, a labeled
/// `break`, or a call that never returns. Its offset, if any.
pub fn loop_exit(body: &letgo_go::ast::BlockStmt, src: &str) -> Option<u32> {
    leaving(&body.list, true, src)
}

/// A statement of `list` that leaves the loop around it (as
/// [`loop_exit`]); `breaks_leave` says whether a plain `break` there does.
pub fn leaving(list: &[Stmt], breaks_leave: bool, src: &str) -> Option<u32> {
    use letgo_go::token::Token;
    let one = |s: &Stmt, b: bool| leaving(std::slice::from_ref(s), b, src);
    list.iter().find_map(|s| match s {
        Stmt::Return(r) => Some(r.pos),
        Stmt::Branch(b) if b.tok == Token::Goto => Some(b.tok_pos),
        Stmt::Branch(b) if b.tok == Token::Break && (breaks_leave || b.label.is_some()) => {
            Some(b.tok_pos)
        }
        Stmt::Expr(x) => match x.unparen() {
            Expr::Call(c) if never_returns(c, src) => Some(c.pos()),
            _ => None,
        },
        Stmt::Block(b) => leaving(&b.list, breaks_leave, src),
        Stmt::Labeled(l) => one(&l.stmt, breaks_leave),
        Stmt::If(i) => leaving(&i.body.list, breaks_leave, src)
            .or_else(|| i.els.as_ref().and_then(|e| one(e, breaks_leave))),
        // A plain `break` inside these leaves them, not the loop.
        Stmt::For(f) => leaving(&f.body.list, false, src),
        Stmt::Range(r) => leaving(&r.body.list, false, src),
        Stmt::Switch(sw) => sw
            .body
            .clauses
            .iter()
            .find_map(|c| leaving(&c.body, false, src)),
        Stmt::TypeSwitch(sw) => sw
            .body
            .clauses
            .iter()
            .find_map(|c| leaving(&c.body, false, src)),
        Stmt::Select(sel) => sel
            .body
            .clauses
            .iter()
            .find_map(|c| leaving(&c.body, false, src)),
        _ => None,
    })
}

/// Whether function `f` declares `name` itself: as a receiver, parameter
/// or result, or with `:=`/`var` in its own body (not in a literal inside
/// it). An obligation on a variable captured from an enclosing function
/// belongs to that function, which may meet it after this one returns.
pub fn declares(f: &crate::funcs::Func, name: &str, src: &str) -> bool {
    let in_list = |l: &letgo_go::ast::FieldList| {
        l.list
            .iter()
            .any(|fd| fd.names.iter().any(|n| n.name(src) == name))
    };
    let recv = match f.kind {
        crate::funcs::FuncKind::Decl(d) => d.recv.as_ref().is_some_and(in_list),
        crate::funcs::FuncKind::Lit(_) => false,
    };
    recv || in_list(&f.typ.params)
        || f.typ.results.as_ref().is_some_and(in_list)
        || f.sites.iter().any(|site| match site.stmt {
            Stmt::Assign(a) if a.tok == letgo_go::token::Token::Define => {
                a.lhs.iter().any(|l| ident_name(l, src) == Some(name))
            }
            Stmt::Decl(g) => g.specs.iter().any(|sp| {
                matches!(sp, letgo_go::ast::Spec::Value(v) if v.names.iter().any(|n| n.name(src) == name))
            }),
            Stmt::Range(r) => [&r.key, &r.value]
                .iter()
                .any(|k| k.as_ref().is_some_and(|k| ident_name(k, src) == Some(name))),
            _ => false,
        })
}

/// The keyword or name starting at `offset` (`return`, `break`, `go`), or
/// the one character there (a closing brace): a related place to point at.
pub fn word_at(src: &str, offset: u32) -> Span {
    let rest = src.get(offset as usize..).unwrap_or("");
    let word = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let len = if word > 0 {
        word
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    };
    Span::new(offset, offset + len as u32)
}

/// The spans of the bodies of `for` and `range` loops in a body, not
/// inside function literals.
pub fn loop_body_spans(body: &letgo_go::ast::BlockStmt) -> Vec<Span> {
    let mut out = Vec::new();
    inspect(Node::Block(body), &mut |n| match n {
        Node::Expr(Expr::FuncLit(_)) => false,
        Node::Stmt(Stmt::For(f)) => {
            out.push(Span::new(f.body.pos(), f.body.end()));
            true
        }
        Node::Stmt(Stmt::Range(r)) => {
            out.push(Span::new(r.body.pos(), r.body.end()));
            true
        }
        _ => true,
    });
    out
}

/// The innermost `for` or `range` statement of `body` (closures aside)
/// whose body contains `span`, and that body.
pub fn innermost_loop(
    body: &letgo_go::ast::BlockStmt,
    span: Span,
) -> Option<(&Stmt, &letgo_go::ast::BlockStmt)> {
    statements(body)
        .into_iter()
        .filter_map(|s| match s.stmt {
            Stmt::For(f) => Some((s.stmt, &f.body)),
            Stmt::Range(r) => Some((s.stmt, &r.body)),
            _ => None,
        })
        .filter(|(_, b)| b.pos() <= span.start && span.end <= b.end())
        .min_by_key(|(_, b)| b.end() - b.pos())
}

/// The index of the parameter declared at `off` in `list` (an unnamed
/// parameter counts as one).
pub fn param_index(list: &letgo_go::ast::FieldList, off: u32) -> Option<usize> {
    let mut i = 0;
    for field in &list.list {
        for n in &field.names {
            if n.pos == off {
                return Some(i);
            }
            i += 1;
        }
        i += usize::from(field.names.is_empty());
    }
    None
}

/// The variadic parameter of `typ` (`opt ...Option`): its index and
/// object.
pub fn variadic_param(
    view: &letgo_types::FileView,
    typ: &letgo_go::ast::FuncType,
) -> Option<(usize, letgo_types::model::ObjId)> {
    let last = typ.params.list.last()?;
    if !matches!(last.typ, Expr::Ellipsis(_)) {
        return None;
    }
    let name = last.names.last()?;
    let i = param_index(&typ.params, name.pos)?;
    Some((i, view.object_of(name)?))
}

/// Whether the local `o` is defined in `body` (`o := ...`, `var o =
/// ...`) from a value that reads `from`.
pub fn defined_from(
    view: &letgo_types::FileView,
    body: &letgo_go::ast::BlockStmt,
    o: letgo_types::model::ObjId,
    from: letgo_types::model::ObjId,
) -> bool {
    let reads = |x: &Expr| {
        let mut found = false;
        inspect(Node::Expr(x), &mut |n| {
            if let Node::Ident(id) = n {
                found |= view.object_of(id) == Some(from);
            }
            !found
        });
        found
    };
    let is_o = |id: &letgo_go::ast::Ident| view.object_of(id) == Some(o);
    let mut found = false;
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Stmt(Stmt::Assign(a)) if a.tok == letgo_go::token::Token::Define => {
                found |= a
                    .lhs
                    .iter()
                    .any(|l| matches!(l, Expr::Ident(id) if is_o(id)))
                    && a.rhs.iter().any(reads);
            }
            Node::Spec(letgo_go::ast::Spec::Value(v)) => {
                found |= v.names.iter().any(is_o) && v.values.iter().any(reads);
            }
            _ => {}
        }
        !found
    });
    found
}

/// The statement lists directly inside `s` (a block's, each branch of an
/// `if`, a loop's body, each clause of a `switch` or `select`), not into
/// function literals; none for a simple statement.
pub fn inner_lists(s: &Stmt) -> Vec<&[Stmt]> {
    match s {
        Stmt::Block(b) => vec![&b.list],
        Stmt::Labeled(l) => vec![std::slice::from_ref(&l.stmt)],
        Stmt::If(x) => {
            let mut v: Vec<&[Stmt]> = vec![&x.body.list];
            if let Some(e) = &x.els {
                v.push(std::slice::from_ref(e));
            }
            v
        }
        Stmt::For(f) => vec![&f.body.list],
        Stmt::Range(r) => vec![&r.body.list],
        Stmt::Switch(sw) => sw.body.clauses.iter().map(|c| &c.body[..]).collect(),
        Stmt::TypeSwitch(sw) => sw.body.clauses.iter().map(|c| &c.body[..]).collect(),
        Stmt::Select(sel) => sel.body.clauses.iter().map(|c| &c.body[..]).collect(),
        _ => Vec::new(),
    }
}

/// `x` is the constant `true` (the universe's, or any constant whose
/// value is true), by its object, not its spelling: a shadowing local
/// named `true` is not it.
pub fn is_const_true(view: &letgo_types::FileView, x: &Expr) -> bool {
    view.object_of_expr(x).is_some_and(|o| {
        let obj = view.model().obj(o);
        obj.kind == letgo_types::model::ObjKind::Const
            && matches!(obj.val, letgo_types::constant::Value::Bool(true))
    })
}

/// `x` denotes the constant `false` (the predeclared one or any boolean
/// constant whose value is false), by its object.
pub fn is_const_false(view: &letgo_types::FileView, x: &Expr) -> bool {
    view.object_of_expr(x).is_some_and(|o| {
        let obj = view.model().obj(o);
        obj.kind == letgo_types::model::ObjKind::Const
            && matches!(obj.val, letgo_types::constant::Value::Bool(false))
    })
}

/// `x` is the predeclared `nil`, by its object.
pub fn is_nil(view: &letgo_types::FileView, x: &Expr) -> bool {
    view.object_of_expr(x)
        .is_some_and(|o| view.model().obj(o).kind == letgo_types::model::ObjKind::Nil)
}
