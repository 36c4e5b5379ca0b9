//! Whether a value can leave a function: the question a `defer` fix must
//! answer before it can be called safe. `defer cancel()` cancels the
//! context for everyone who still holds it; `defer resp.Body.Close()`
//! closes the body for whoever reads it later. If the value (or one made
//! from it) is returned, stored outside the function's own variables,
//! sent, captured by a closure or goroutine, or (for contexts) handed to
//! a call that may keep it, the fix changes behaviour.
//!
//! There is no type checker: values are followed by name through
//! assignments, conservatively (any assignment whose right side may carry
//! the value makes every name on its left a carrier).

use crate::context::PackageContext;
use crate::funcs::Func;
use crate::syntax::{declares, ident_name, mentions};
use letgo_go::ast::{BlockStmt, CallExpr, Expr, FuncType, Spec, Stmt};
use letgo_go::visit::{inspect, Node};

/// What kind of value is followed; it decides which derived values carry
/// it and which calls may hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// A `context.Context`: every field or method result of a carrier
    /// carries it (`req.Context()`, `ctx.Done()`), except `Err`,
    /// `Deadline` and `Value`; any call it is passed to may keep it,
    /// except the standard library's context constructors and
    /// `http.NewRequestWithContext` (whose results carry it), and
    /// functions of the package shown not to keep it.
    Context,
    /// An `*http.Response`: only its `Body` and readers wrapped around
    /// the body carry it (returning `resp.StatusCode` is fine); calls are
    /// judged by the rule itself.
    Response,
    /// A `*time.Timer` or `*time.Ticker`: its fields carry it (`t.C`), its
    /// methods' results do not (`Stop`, `Reset`); calls are judged by the
    /// rule itself.
    Timer,
}

/// How deep same-package callees are followed for contexts.
const MAX_DEPTH: usize = 3;

/// What becomes of a value when its function returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Nothing made from it outlives the function.
    Stays,
    /// It is handed to a call that may keep it (unknown without a
    /// summary of the callee).
    PassedOn,
    /// It is returned, stored, sent, or captured by a closure or
    /// goroutine: it outlives the function.
    Leaves,
}

/// What becomes of the values carried by `roots` (names local to `f`)
/// when function `f` returns.
pub fn fate(cx: &PackageContext, f: &Func, roots: &[&str], value: Value) -> Fate {
    let scope = Scope {
        f: Some(f),
        typ: f.typ,
        body: f.body,
    };
    let mut t = Tracker::new(cx, f.file, value, roots, 0);
    if t.leaves(&scope) {
        Fate::Leaves
    } else if value == Value::Context && t.passed_on(&scope) {
        Fate::PassedOn
    } else {
        Fate::Stays
    }
}

/// The function a tracker looks at: a [`Func`] of the package view, or a
/// declaration found as a callee.
struct Scope<'f, 'a> {
    f: Option<&'f Func<'a>>,
    typ: &'a FuncType,
    body: &'a BlockStmt,
}

struct Tracker<'c, 'a> {
    cx: &'c PackageContext<'a>,
    file: usize,
    src: &'a str,
    value: Value,
    carriers: Vec<String>,
    depth: usize,
}

impl<'c, 'a> Tracker<'c, 'a> {
    fn new(
        cx: &'c PackageContext<'a>,
        file: usize,
        value: Value,
        roots: &[&str],
        depth: usize,
    ) -> Self {
        Tracker {
            cx,
            file,
            src: &cx.file(file).src,
            value,
            carriers: roots.iter().map(|r| r.to_string()).collect(),
            depth,
        }
    }

    /// Spreads the carriers, then: does a carried value leave?
    fn leaves(&mut self, scope: &Scope) -> bool {
        self.spread(scope.body);
        self.named_result_carries(scope.typ) || self.escapes(scope)
    }

    /// Whether a call outside closures is handed a carried context and may
    /// keep it (after [`Self::leaves`] spread the carriers).
    fn passed_on(&self, scope: &Scope) -> bool {
        let mut out = false;
        inspect(Node::Block(scope.body), &mut |n| {
            match n {
                Node::Expr(Expr::FuncLit(_)) => return false,
                Node::Call(c) => out |= self.call_may_keep(c),
                _ => {}
            }
            !out
        });
        out
    }

    fn is_carrier(&self, name: &str) -> bool {
        name != "_" && self.carriers.iter().any(|c| c == name)
    }

    /// Adds every name assigned a carried value, until nothing changes.
    fn spread(&mut self, body: &BlockStmt) {
        loop {
            let mut new: Vec<String> = Vec::new();
            inspect(Node::Block(body), &mut |n| {
                match n {
                    Node::Stmt(Stmt::Assign(a)) if a.rhs.iter().any(|r| self.carries(r)) => {
                        let names = a.lhs.iter().filter_map(|l| ident_name(l, self.src));
                        new.extend(names.map(str::to_string));
                    }
                    Node::Spec(Spec::Value(v)) if v.values.iter().any(|x| self.carries(x)) => {
                        new.extend(v.names.iter().map(|n| n.name(self.src).to_string()));
                    }
                    Node::Stmt(Stmt::Range(r)) if self.carries(&r.x) => {
                        for k in [&r.key, &r.value].into_iter().flatten() {
                            new.extend(ident_name(k, self.src).map(str::to_string));
                        }
                    }
                    // A closure is judged as a whole (it captures).
                    Node::Expr(Expr::FuncLit(_)) => return false,
                    _ => {}
                }
                true
            });
            new.retain(|n| n != "_" && !self.is_carrier(n));
            if new.is_empty() {
                return;
            }
            new.sort();
            new.dedup();
            self.carriers.extend(new);
        }
    }

    /// A named result that carries the value leaves through every `return`
    /// (bare ones included).
    fn named_result_carries(&self, typ: &FuncType) -> bool {
        typ.results.as_ref().is_some_and(|r| {
            r.list
                .iter()
                .flat_map(|f| &f.names)
                .any(|n| self.is_carrier(n.name(self.src)))
        })
    }

    fn escapes(&self, scope: &Scope) -> bool {
        let mut out = false;
        inspect(Node::Block(scope.body), &mut |n| {
            if out {
                return false;
            }
            match n {
                Node::Stmt(Stmt::Return(r)) => out = r.results.iter().any(|x| self.carries(x)),
                Node::Stmt(Stmt::Send(s)) => out = self.carries(&s.value),
                Node::Stmt(Stmt::Assign(a)) => out = self.stores(scope, &a.lhs, &a.rhs),
                Node::Expr(Expr::FuncLit(l)) => {
                    out = self.mentions_carrier(Node::Block(&l.body));
                    return false;
                }
                Node::Stmt(Stmt::Go(g)) => {
                    out = self.mentions_carrier(Node::Call(&g.call));
                }
                _ => {}
            }
            !out
        });
        out
    }

    fn mentions_carrier(&self, node: Node) -> bool {
        self.carriers.iter().any(|c| mentions(node, c, self.src))
    }

    /// An assignment that puts a carried value where it outlives the
    /// call: a field, an element, a pointer's target, a package variable
    /// or a variable of an enclosing function.
    fn stores(&self, scope: &Scope, lhs: &[Expr], rhs: &[Expr]) -> bool {
        if !rhs.iter().any(|r| self.carries(r)) {
            return false;
        }
        lhs.iter().any(|l| match ident_name(l, self.src) {
            Some("_") => false,
            Some(name) => match scope.f {
                Some(f) => !declares(f, name, self.src),
                None => !declared_in(scope, name, self.src),
            },
            None => true,
        })
    }

    /// Whether the value of `x` may be (or hold) a carried value.
    fn carries(&self, x: &Expr) -> bool {
        match x.unparen() {
            Expr::Ident(id) => self.is_carrier(id.name(self.src)),
            Expr::Selector(sel) => {
                self.carries(&sel.x)
                    && (self.value != Value::Response || sel.sel.name(self.src) == "Body")
            }
            Expr::Call(c) => self.result_carries(c),
            Expr::FuncLit(l) => self.mentions_carrier(Node::Block(&l.body)),
            Expr::Unary(u) => self.carries(&u.x),
            Expr::Star(s) => self.carries(&s.x),
            Expr::Index(i) => self.carries(&i.x),
            Expr::Slice(s) => self.carries(&s.x),
            Expr::TypeAssert(t) => self.carries(&t.x),
            Expr::KeyValue(kv) => self.carries(&kv.value),
            Expr::CompositeLit(c) => c.elts.iter().any(|e| self.carries(e)),
            _ => false,
        }
    }

    fn result_carries(&self, c: &CallExpr) -> bool {
        if let Expr::Selector(sel) = c.fun.unparen() {
            if self.carries(&sel.x) {
                let method = sel.sel.name(self.src);
                return match self.value {
                    Value::Context => !matches!(method, "Err" | "Deadline" | "Value"),
                    Value::Response | Value::Timer => false,
                };
            }
        }
        let carrying: Vec<usize> = (0..c.args.len())
            .filter(|&i| self.carries(&c.args[i]))
            .collect();
        if carrying.is_empty() {
            return false;
        }
        match self.value {
            // A function of the package shown to keep nothing returns
            // nothing made from its arguments either.
            Value::Context => self.is_context_call(c) || self.callee_keeps(c, &carrying),
            Value::Timer => true,
            Value::Response => self.wraps_reader(c),
        }
    }

    /// A standard-library reader or decoder around its argument.
    fn wraps_reader(&self, c: &CallExpr) -> bool {
        const WRAPPERS: &[(&str, &[&str])] = &[
            ("bufio", &["NewReader", "NewReaderSize", "NewScanner"]),
            (
                "io",
                &["TeeReader", "LimitReader", "NopCloser", "MultiReader"],
            ),
            ("io/ioutil", &["NopCloser"]),
            ("compress/gzip", &["NewReader"]),
            ("compress/zlib", &["NewReader"]),
            ("compress/flate", &["NewReader"]),
            ("encoding/json", &["NewDecoder"]),
            ("encoding/xml", &["NewDecoder"]),
            ("mime/multipart", &["NewReader"]),
        ];
        WRAPPERS.iter().any(|(path, names)| {
            self.cx
                .qualified_name(self.file, &c.fun, path)
                .is_some_and(|n| names.contains(&n))
        })
    }

    /// A call handed a carried context that may keep it past the call.
    fn call_may_keep(&self, c: &CallExpr) -> bool {
        let recv_carries = match c.fun.unparen() {
            Expr::Selector(sel) => self.carries(&sel.x),
            _ => false,
        };
        let carrying: Vec<usize> = (0..c.args.len())
            .filter(|&i| self.carries(&c.args[i]))
            .collect();
        if carrying.is_empty() && !recv_carries {
            return false;
        }
        if recv_carries {
            // Methods of the context itself; anything else on a value
            // made from it (`req.Do`, `cmd.Start`) may hold it.
            let Expr::Selector(sel) = c.fun.unparen() else {
                return true;
            };
            let method = sel.sel.name(self.src);
            let own = matches!(method, "Err" | "Deadline" | "Value" | "Done")
                && ident_name(&sel.x, self.src).is_some();
            return !own || !carrying.is_empty() && self.keeps_args(c, &carrying);
        }
        self.keeps_args(c, &carrying)
    }

    /// Whether a call keeps the arguments at `carrying`.
    fn keeps_args(&self, c: &CallExpr, carrying: &[usize]) -> bool {
        !self.is_context_call(c) && self.callee_keeps(c, carrying)
    }

    /// A standard-library call that makes a value from a context and
    /// keeps it nowhere else: the context constructors,
    /// `http.NewRequestWithContext`.
    fn is_context_call(&self, c: &CallExpr) -> bool {
        const CONTEXT: &[&str] = &[
            "WithCancel",
            "WithTimeout",
            "WithDeadline",
            "WithCancelCause",
            "WithTimeoutCause",
            "WithDeadlineCause",
            "WithValue",
            "WithoutCancel",
            "Cause",
        ];
        let known = |path: &str, names: &[&str]| {
            self.cx
                .qualified_name(self.file, &c.fun, path)
                .is_some_and(|n| names.contains(&n))
        };
        known("context", CONTEXT) || known("net/http", &["NewRequestWithContext"])
    }

    /// For a call of a plain function of this package, whether its body
    /// lets the parameters at `carrying` leave; any other call keeps them.
    fn callee_keeps(&self, c: &CallExpr, carrying: &[usize]) -> bool {
        let Some(name) = ident_name(&c.fun, self.src) else {
            return true;
        };
        if self.depth >= MAX_DEPTH || c.ellipsis.is_some() {
            return true;
        }
        let Some((file, decl)) = self.cx.files().find_map(|(i, sf)| {
            sf.ast.decls.iter().find_map(|d| match d {
                letgo_go::ast::Decl::Func(fd)
                    if fd.recv.is_none() && fd.name.name(&sf.src) == name =>
                {
                    Some((i, fd))
                }
                _ => None,
            })
        }) else {
            return true;
        };
        let Some(body) = &decl.body else {
            return true;
        };
        let src = &self.cx.file(file).src;
        let params: Vec<&str> = decl
            .typ
            .params
            .list
            .iter()
            .flat_map(|f| {
                if f.names.is_empty() {
                    vec!["_"]
                } else {
                    f.names.iter().map(|n| n.name(src)).collect()
                }
            })
            .collect();
        let variadic_from = if is_variadic(decl) {
            params.len().saturating_sub(1)
        } else {
            params.len()
        };
        let mut roots = Vec::new();
        for &i in carrying {
            // Past the last parameter or into a variadic one: not followed.
            if i >= variadic_from {
                return true;
            }
            roots.push(params[i]);
        }
        let scope = Scope {
            f: None,
            typ: &decl.typ,
            body,
        };
        let mut callee = Tracker::new(self.cx, file, self.value, &roots, self.depth + 1);
        callee.leaves(&scope) || callee.passed_on(&scope)
    }
}

fn is_variadic(decl: &letgo_go::ast::FuncDecl) -> bool {
    decl.typ
        .params
        .list
        .last()
        .is_some_and(|f| matches!(f.typ, Expr::Ellipsis(_)))
}

/// For a callee without a [`Func`]: whether `name` is a parameter, a
/// result, or declared in its body (nested closures included, which only
/// makes a store inside one look local; closures mentioning a carrier
/// count as leaving anyway).
fn declared_in(scope: &Scope, name: &str, src: &str) -> bool {
    let in_list = |l: &letgo_go::ast::FieldList| {
        l.list
            .iter()
            .any(|fd| fd.names.iter().any(|n| n.name(src) == name))
    };
    if in_list(&scope.typ.params) || scope.typ.results.as_ref().is_some_and(in_list) {
        return true;
    }
    let mut found = false;
    inspect(Node::Block(scope.body), &mut |n| {
        match n {
            Node::Stmt(Stmt::Assign(a)) if a.tok == letgo_go::token::Token::Define => {
                found |= a.lhs.iter().any(|l| ident_name(l, src) == Some(name));
            }
            Node::Spec(Spec::Value(v)) => found |= v.names.iter().any(|n| n.name(src) == name),
            Node::Stmt(Stmt::Range(r)) if r.tok == letgo_go::token::Token::Define => {
                found |= [&r.key, &r.value]
                    .iter()
                    .any(|k| k.as_ref().is_some_and(|k| ident_name(k, src) == Some(name)));
            }
            _ => {}
        }
        !found
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use letgo_go::load::{load, LoadOptions};

    /// The fate of `root` in function `func` of a package made of `body`
    /// (after `package p` and its imports).
    fn fate_of(body: &str, func: &str, root: &str, value: Value) -> Fate {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("go.mod"), "module m\n\ngo 1.27\n").unwrap();
        let src = format!(
            "package p\n\nimport (\n\t\"bufio\"\n\t\"context\"\n\t\"net/http\"\n)\n\nvar _ = bufio.NewReader\nvar _ = http.Get\nvar _ = context.Background\n\n{body}"
        );
        std::fs::write(dir.path().join("p.go"), src).unwrap();
        let program = load(&[dir.path()], &LoadOptions::default()).unwrap();
        let cx = PackageContext::new(&program, &program.packages[0], false, None);
        let f = cx
            .functions()
            .iter()
            .find(|f| f.name.ends_with(&format!(".{func}")))
            .expect("the function");
        fate(&cx, f, &[root], value)
    }

    fn ctx(body: &str) -> Fate {
        fate_of(body, "f", "ctx", Value::Context)
    }

    #[test]
    fn a_context_used_only_here_stays() {
        let body = "func f(ctx context.Context) error {
	<-ctx.Done()
	_, _ = ctx.Deadline()
	c2, cancel := context.WithCancel(ctx)
	defer cancel()
	return read(c2)
}

func read(c context.Context) error { return c.Err() }
";
        assert_eq!(ctx(body), Fate::Stays);
    }

    #[test]
    fn a_context_that_leaves_is_seen_leaving() {
        let cases = [
            "func f(ctx context.Context) context.Context { return ctx }",
            "func f(ctx context.Context) (out context.Context) { out = ctx; return }",
            "type h struct{ c context.Context }\nfunc f(ctx context.Context, x *h) { x.c = ctx }",
            "var g context.Context\nfunc f(ctx context.Context) { g = ctx }",
            "func f(ctx context.Context, ch chan context.Context) { ch <- ctx }",
            "func f(ctx context.Context) { go func() { <-ctx.Done() }() }",
            "func f(ctx context.Context) func() error { return func() error { return ctx.Err() } }",
            "func f(ctx context.Context) <-chan struct{} { d := ctx.Done(); return d }",
            "func f(ctx context.Context) *http.Request {\n\treq, _ := http.NewRequestWithContext(ctx, \"GET\", \"u\", nil)\n\treturn req\n}",
            "func f(ctx context.Context) context.Context { return wrap(ctx) }\nfunc wrap(c context.Context) context.Context { return c }",
        ];
        for body in cases {
            assert_eq!(ctx(body), Fate::Leaves, "{body}");
        }
    }

    #[test]
    fn a_context_given_to_an_unknown_call_is_passed_on() {
        let cases = [
            "func f(ctx context.Context, use func(context.Context)) { use(ctx) }",
            "func f(ctx context.Context) { req, _ := http.NewRequestWithContext(ctx, \"GET\", \"u\", nil); http.DefaultClient.Do(req) }",
            "func f(ctx context.Context) { keep(ctx) }\nvar kept context.Context\nfunc keep(c context.Context) { kept = c }",
        ];
        for body in cases {
            assert_eq!(ctx(body), Fate::PassedOn, "{body}");
        }
    }

    #[test]
    fn a_response_leaves_through_its_body_or_a_reader_only() {
        let resp = |body: &str| fate_of(body, "f", "resp", Value::Response);
        assert_eq!(
            resp("func f(resp *http.Response) (int, error) { return resp.StatusCode, nil }"),
            Fate::Stays
        );
        for body in [
            "func f(resp *http.Response) *http.Response { return resp }",
            "func f(resp *http.Response) any { return resp.Body }",
            "func f(resp *http.Response) any { return bufio.NewReader(resp.Body) }",
            "var kept any\nfunc f(resp *http.Response) { kept = resp }",
        ] {
            assert_eq!(resp(body), Fate::Leaves, "{body}");
        }
    }
}
