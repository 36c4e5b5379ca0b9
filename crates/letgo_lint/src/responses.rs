//! Which calls hand their caller an HTTP response whose body is still
//! open and unread: the caller's to close (LG401).
//!
//! A round trip of `net/http` does (`http.Get`, a client's `Do`), but not
//! all of them: a `HEAD` request has no body (the transport gives
//! `http.NoBody` and puts the connection back in the pool before the
//! response is returned), and `http.ReadResponse` reads from the
//! caller's own reader (no pooled connection is held).
//!
//! A function of the program that returns a response is read from
//! source: it hands on an open body when a response it returns comes from
//! such a call. When it returns a response after closing or reading its
//! body on the way (`return resp, drainAndClose(resp.Body)`, a decode
//! into the caller's value), whether the body is still open depends on
//! its arguments (a "no response wanted" option, a nil result value): its
//! callers cannot be judged, and get no finding. A function whose source
//! is not at hand (an interface method, a package out of view) is taken
//! to return an open body only when it takes the `*http.Request` it
//! answers, as `Do` and `RoundTrip` do.

use letgo_go::ast::{BlockStmt, CallExpr, Expr, Ident, Spec, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{FileId, ObjId, ObjKind};
use letgo_types::types::{Type, TypeId};
use letgo_types::{FileView, Model};

/// How deep calls to the program's own helpers are followed.
const DEPTH: usize = 6;

/// Whether `call` (in the file of `view`) hands its caller a response
/// with an open body. `body` is the calling function's body, where a
/// request passed to the call may have been built.
pub fn opens_body(view: &FileView, body: &BlockStmt, call: &CallExpr) -> bool {
    if call
        .args
        .iter()
        .any(|a| is_head_request(view, body, a) || is_head_method(view, a))
    {
        return false;
    }
    let m = view.model();
    match view.object_of_expr(&call.fun) {
        Some(f) if matches!(m.obj(f).kind, ObjKind::Func | ObjKind::Method) => {
            live(m, f, &mut Vec::new())
        }
        // A function value: its contract is its signature's.
        _ => view.type_of(&call.fun).is_some_and(|t| takes_request(m, t)),
    }
}

/// Whether a call of function `f` returns a response with an open body.
fn live(m: &Model, f: ObjId, seen: &mut Vec<ObjId>) -> bool {
    let obj = m.obj(f);
    if m.pkg_path(f) == "net/http" {
        return !matches!(&*obj.name, "Head" | "ReadResponse");
    }
    if seen.contains(&f) || seen.len() >= DEPTH {
        return false;
    }
    let Some((file, fd)) = m.func_decl(f) else {
        return takes_request(m, obj.typ);
    };
    let Some(body) = fd.body.as_ref() else {
        return takes_request(m, obj.typ);
    };
    let Some(at) = response_result(m, obj.typ) else {
        return false;
    };
    seen.push(f);
    // The named result at that position, for bare returns.
    let named = fd
        .typ
        .results
        .as_ref()
        .into_iter()
        .flat_map(|r| r.list.iter())
        .flat_map(|field| field.names.iter())
        .nth(at);
    let helper = Helper { m, file, body, at };
    let live = helper.returns_open_body(named, seen);
    seen.pop();
    live
}

/// Which result of function type `t` is an `*http.Response` (the first
/// one, `resp, err` or `doc, resp, err`).
fn response_result(m: &Model, t: TypeId) -> Option<usize> {
    let Type::Signature(sig) = m.ty(m.under_ro(t)) else {
        return None;
    };
    sig.results
        .iter()
        .position(|&r| m.is_pointer_to(m.obj(r).typ, "net/http", "Response"))
}

/// Whether a function type takes an `*http.Request` (the `Do`/`RoundTrip`
/// contract: the response to that request, body open).
fn takes_request(m: &Model, t: TypeId) -> bool {
    let Type::Signature(sig) = m.ty(m.under_ro(t)) else {
        return false;
    };
    sig.params
        .iter()
        .any(|&p| m.is_pointer_to(m.obj(p).typ, "net/http", "Request"))
}

/// `arg` is a request built in `body` by `http.NewRequest` (or
/// `NewRequestWithContext`) with the method `"HEAD"`, and only so.
fn is_head_request(view: &FileView, body: &BlockStmt, arg: &Expr) -> bool {
    let Some(req) = arg.unparen().as_ident().and_then(|id| view.object_of(id)) else {
        return false;
    };
    let m = view.model();
    let mut heads = 0;
    let mut others = 0;
    inspect(Node::Block(body), &mut |n| {
        if let Node::Stmt(Stmt::Assign(a)) = n {
            let assigns = a.lhs.iter().any(|l| {
                l.unparen()
                    .as_ident()
                    .is_some_and(|id| view.object_of(id) == Some(req))
            });
            if assigns {
                let head = a.rhs.len() == 1 && new_head_request(view, m, &a.rhs[0]);
                heads += usize::from(head);
                others += usize::from(!head);
            }
        }
        true
    });
    heads > 0 && others == 0
}

/// `arg` is the method `"HEAD"` (or `http.MethodHead`) itself, passed to
/// a helper of the program that builds and sends the request
/// (`s.request(ctx, "HEAD", key)`): the response it returns is a `HEAD`
/// response, with no body.
fn is_head_method(view: &FileView, arg: &Expr) -> bool {
    let m = view.model();
    if let Expr::BasicLit(l) = arg.unparen() {
        let src = &m.files[view.file_id().0 as usize].src;
        return l.kind == Token::String && l.value(src) == "\"HEAD\"";
    }
    matches!(arg.unparen(), Expr::Selector(_) | Expr::Ident(_)) && is_head_constant(view, m, arg)
}

fn new_head_request(view: &FileView, m: &Model, x: &Expr) -> bool {
    let Expr::Call(c) = x.unparen() else {
        return false;
    };
    if let Some(inner) = must_argument(view, m, c) {
        return new_head_request(view, m, inner);
    }
    let Some(f) = view.object_of_expr(&c.fun) else {
        return false;
    };
    let method = if m.is_func(f, "net/http", "NewRequest") {
        c.args.first()
    } else if m.is_func(f, "net/http", "NewRequestWithContext") {
        c.args.get(1)
    } else {
        None
    };
    let Some(method) = method else {
        return false;
    };
    if let Expr::BasicLit(l) = method.unparen() {
        let src = &m.files[view.file_id().0 as usize].src;
        return l.kind == Token::String && l.value(src) == "\"HEAD\"";
    }
    is_head_constant(view, m, method)
}

/// `must.Get(f(...))`: a generic function `func[T any](v T, err error) T`
/// that gives back the value of the call passed to it (or panics): the
/// inner call.
fn must_argument<'x>(view: &FileView, m: &Model, c: &'x CallExpr) -> Option<&'x Expr> {
    let [inner] = c.args.as_slice() else {
        return None;
    };
    if !matches!(inner.unparen(), Expr::Call(_)) {
        return None;
    }
    let callee = view.object_of_expr(&c.fun)?;
    let Type::Signature(sig) = m.ty(m.obj(callee).typ) else {
        return None;
    };
    let [v, e] = sig.params.as_slice() else {
        return None;
    };
    let [r] = sig.results.as_slice() else {
        return None;
    };
    let generic = matches!(m.ty(m.obj(*v).typ), Type::TypeParam { .. });
    let is_error = m
        .named(m.obj(*e).typ)
        .is_some_and(|(p, n)| p.is_empty() && n == "error");
    (generic && m.obj(*r).typ == m.obj(*v).typ && is_error).then_some(inner)
}

/// A constant whose value is the string `"HEAD"`: `http.MethodHead`, or
/// a project's own (`httpm.HEAD`).
fn is_head_constant(view: &FileView, m: &Model, x: &Expr) -> bool {
    view.object_of_expr(x).is_some_and(|o| {
        let obj = m.obj(o);
        obj.kind == letgo_types::model::ObjKind::Const
            && matches!(&obj.val, letgo_types::constant::Value::Str(v) if &**v == "HEAD")
    })
}

/// The response result of a `return`.
enum Returned<'b> {
    Expr(&'b Expr),
    /// A bare return: the named result.
    Named(&'b str),
}

/// A function of the program, read from source.
struct Helper<'m> {
    m: &'m Model,
    file: FileId,
    body: &'m BlockStmt,
    /// Which result is the response.
    at: usize,
}

impl Helper<'_> {
    fn src(&self) -> &str {
        &self.m.files[self.file.0 as usize].src
    }

    /// The function this call resolves to, when the checker recorded it.
    fn callee(&self, c: &CallExpr) -> Option<ObjId> {
        let id = match c.fun.unparen() {
            Expr::Ident(id) => id,
            Expr::Selector(s) => &s.sel,
            _ => return None,
        };
        self.m.use_at(self.file, id.pos)
    }

    fn returns_open_body(&self, named: Option<&Ident>, seen: &mut Vec<ObjId>) -> bool {
        let mut live = false;
        for (ret, first) in self.returns(named) {
            let name = match first {
                Returned::Expr(x) => match x.unparen() {
                    Expr::Call(c) => {
                        live |= self.callee(c).is_some_and(|f| live_callee(self.m, f, seen));
                        continue;
                    }
                    Expr::Ident(id) if id.name(self.src()) != "nil" => id.name(self.src()),
                    _ => continue,
                },
                Returned::Named(name) => name,
            };
            if self.consumed_before(name, ret) {
                // Whether the body is still open depends on its arguments.
                return false;
            }
            live |= self.assigned_open(name, seen);
        }
        live
    }

    /// Each `return` of the function itself (not of its closures) with
    /// its response result (`return f(x)` gives the call); a bare return
    /// gives the named result.
    fn returns<'b>(&'b self, named: Option<&'b Ident>) -> Vec<(u32, Returned<'b>)> {
        let src = self.src();
        let mut out = Vec::new();
        inspect(Node::Block(self.body), &mut |n| match n {
            Node::Expr(Expr::FuncLit(_)) => false,
            Node::Stmt(Stmt::Return(r)) => {
                let x = match r.results.len() {
                    1 => r.results.first(),
                    _ => r.results.get(self.at),
                };
                match (x, named) {
                    (Some(x), _) => out.push((r.pos, Returned::Expr(x))),
                    (None, Some(id)) => out.push((r.pos, Returned::Named(id.name(src)))),
                    (None, None) => {}
                }
                true
            }
            _ => true,
        });
        out
    }

    /// Whether a response assigned to `name` anywhere in the function
    /// (closures included) comes from a call that returns an open body.
    fn assigned_open(&self, name: &str, seen: &mut Vec<ObjId>) -> bool {
        let mut calls = Vec::new();
        inspect(Node::Block(self.body), &mut |n| {
            match n {
                Node::Stmt(Stmt::Assign(a)) if a.rhs.len() == 1 => {
                    let assigns = a.lhs.iter().any(|l| {
                        l.unparen()
                            .as_ident()
                            .is_some_and(|id| id.name(self.src()) == name)
                    });
                    if assigns {
                        calls.push(&a.rhs[0]);
                    }
                }
                Node::Spec(Spec::Value(v))
                    if v.values.len() == 1
                        && v.names.iter().any(|id| id.name(self.src()) == name) =>
                {
                    calls.push(&v.values[0]);
                }
                _ => {}
            }
            true
        });
        calls.into_iter().any(|x| match x.unparen() {
            Expr::Call(c) => self.callee(c).is_some_and(|f| live_callee(self.m, f, seen)),
            _ => false,
        })
    }

    /// Whether `name`'s body is closed or handed to a reader on a path
    /// that reaches the return at `ret`: in the return itself, or in an
    /// earlier statement whose blocks do not end before it.
    fn consumed_before(&self, name: &str, ret: u32) -> bool {
        let mut blocks: Vec<(u32, u32, bool)> = Vec::new();
        let mut uses = Vec::new();
        inspect(Node::Block(self.body), &mut |n| {
            match n {
                Node::Block(b) => blocks.push((b.lbrace, b.end(), ends(&b.list))),
                Node::CaseClause(c) => blocks.push((c.pos, c.end(), ends(&c.body))),
                Node::CommClause(c) => blocks.push((c.pos, c.end(), ends(&c.body))),
                Node::Call(c) if self.consumes(c, name) => uses.push(c.pos()),
                _ => {}
            }
            true
        });
        uses.into_iter().any(|u| {
            if u > ret {
                // Inside the return statement itself, or after it.
                return self.within_return(u, ret);
            }
            blocks
                .iter()
                .filter(|b| b.0 <= u && u < b.1 && !(b.0 <= ret && ret < b.1))
                .all(|b| !b.2)
        })
    }

    /// Whether offset `u` lies in the return statement at `ret`.
    fn within_return(&self, u: u32, ret: u32) -> bool {
        let mut inside = false;
        inspect(Node::Block(self.body), &mut |n| {
            if let Node::Stmt(s @ Stmt::Return(r)) = n {
                inside |= r.pos == ret && u < s.end();
            }
            !inside
        });
        inside
    }

    /// `name.Body.Close()`, `name.Body` passed to any call, or `name`
    /// passed to a function that reads its body (or that cannot be read:
    /// a function value, a field).
    fn consumes(&self, c: &CallExpr, name: &str) -> bool {
        let src = self.src();
        let body_of = |x: &Expr| {
            matches!(x.unparen(), Expr::Selector(s) if s.sel.name(src) == "Body"
                && ident_is(&s.x, name, src))
        };
        if let Expr::Selector(s) = c.fun.unparen() {
            if s.sel.name(src) == "Close" && body_of(&s.x) {
                return true;
            }
        }
        if c.args.iter().any(body_of) {
            return true;
        }
        c.args
            .iter()
            .position(|a| ident_is(a, name, src))
            .is_some_and(|i| match self.callee(c) {
                Some(f) if matches!(self.m.obj(f).kind, ObjKind::Func | ObjKind::Method) => {
                    param_body_read(self.m, f, i).unwrap_or(true)
                }
                _ => true,
            })
    }
}

/// `live`, for a callee found inside a helper's body.
fn live_callee(m: &Model, f: ObjId, seen: &mut Vec<ObjId>) -> bool {
    matches!(m.obj(f).kind, ObjKind::Func | ObjKind::Method) && live(m, f, seen)
}

/// Whether function `f` reads or closes the body of its `i`th parameter
/// (`p.Body` anywhere in its source). `None` when the body is not at hand.
fn param_body_read(m: &Model, f: ObjId, i: usize) -> Option<bool> {
    let (file, fd) = m.func_decl(f)?;
    let body = fd.body.as_ref()?;
    let Type::Signature(sig) = m.ty(m.obj(f).typ) else {
        return None;
    };
    let param = m.obj(*sig.params.get(i)?);
    if param.name.is_empty() || &*param.name == "_" {
        return Some(false);
    }
    let src = &m.files[file.0 as usize].src;
    let mut reads = false;
    inspect(Node::Block(body), &mut |n| {
        if let Node::Expr(Expr::Selector(s)) = n {
            reads |= s.sel.name(src) == "Body" && ident_is(&s.x, &param.name, src);
        }
        !reads
    });
    Some(reads)
}

fn ident_is(x: &Expr, name: &str, src: &str) -> bool {
    x.unparen()
        .as_ident()
        .is_some_and(|id| id.name(src) == name)
}

/// Whether a statement list ends in a statement after which control does
/// not fall through (a return, a branch, a panic).
fn ends(list: &[Stmt]) -> bool {
    matches!(list.last(), Some(Stmt::Return(_) | Stmt::Branch(_)))
}
