//! Whether a value can leave a function: the question a `defer` fix must
//! answer before it can be called safe. `defer cancel()` cancels the
//! context for everyone who still holds it; `defer resp.Body.Close()`
//! closes the body for whoever reads it later. If the value (or one made
//! from it) is returned, stored outside the function's own variables,
//! sent, captured by a closure or goroutine, or (for contexts) handed to
//! a call that may keep it, the fix changes behaviour.
//!
//! Values are followed by object (the semantic model's variables, so a
//! variable spelled like another in a closure or a later scope is not
//! it) through assignments, conservatively (any assignment whose right
//! side may carry the value makes every variable on its left a carrier).
//! Without the model's view of the function's file nothing is known: the
//! value is taken to leave.

use crate::context::PackageContext;
use crate::funcs::{Func, FuncKind};
use crate::objects::{Identity, LocalVar};
use letgo_go::ast::{CallExpr, Expr, FuncLit, Ident, Spec, Stmt};
use letgo_go::visit::{inspect, Node};
use letgo_types::FileView;

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

/// What becomes of the values carried by `roots` (variables of `f`)
/// when function `f` returns.
pub fn fate(cx: &PackageContext, f: &Func, roots: &[LocalVar], value: Value) -> Fate {
    let Some(mut t) = Tracker::new(cx, f, value, roots.iter().map(|r| r.id).collect(), 0) else {
        return Fate::Leaves;
    };
    if t.leaves() {
        Fate::Leaves
    } else if value == Value::Context && t.passed_on() {
        Fate::PassedOn
    } else {
        Fate::Stays
    }
}

struct Tracker<'c, 'a> {
    cx: &'c PackageContext<'a>,
    f: &'c Func<'a>,
    view: FileView<'a>,
    src: &'a str,
    value: Value,
    carriers: Vec<Identity>,
    depth: usize,
}

impl<'c, 'a> Tracker<'c, 'a> {
    fn new(
        cx: &'c PackageContext<'a>,
        f: &'c Func<'a>,
        value: Value,
        carriers: Vec<Identity>,
        depth: usize,
    ) -> Option<Self> {
        Some(Tracker {
            cx,
            f,
            view: cx.types(f.file)?,
            src: &cx.file(f.file).src,
            value,
            carriers,
            depth,
        })
    }

    /// Spreads the carriers, then: does a carried value leave?
    fn leaves(&mut self) -> bool {
        self.spread();
        self.named_result_carries() || self.escapes()
    }

    /// Whether a call outside closures is handed a carried context and may
    /// keep it (after [`Self::leaves`] spread the carriers).
    fn passed_on(&self) -> bool {
        let mut out = false;
        inspect(Node::Block(self.f.body), &mut |n| {
            match n {
                Node::Expr(Expr::FuncLit(_)) => return false,
                Node::Call(c) => out |= self.call_may_keep(c),
                _ => {}
            }
            !out
        });
        out
    }

    /// The identity of the variable `id` denotes (not the blank one).
    fn identity(&self, id: &Ident) -> Option<Identity> {
        if id.name(self.src) == "_" {
            return None;
        }
        let o = self.view.object_of(id)?;
        Some(self.view.model().identity(o))
    }

    fn is_carrier(&self, id: &Ident) -> bool {
        self.identity(id)
            .is_some_and(|i| self.carriers.contains(&i))
    }

    /// Adds every variable assigned a carried value, until nothing changes.
    fn spread(&mut self) {
        loop {
            let mut new: Vec<Identity> = Vec::new();
            let var = |x: &Expr| x.unparen().as_ident().and_then(|id| self.identity(id));
            inspect(Node::Block(self.f.body), &mut |n| {
                match n {
                    Node::Stmt(Stmt::Assign(a)) if a.rhs.iter().any(|r| self.carries(r)) => {
                        new.extend(a.lhs.iter().filter_map(var));
                    }
                    Node::Spec(Spec::Value(v)) if v.values.iter().any(|x| self.carries(x)) => {
                        new.extend(v.names.iter().filter_map(|n| self.identity(n)));
                    }
                    Node::Stmt(Stmt::Range(r)) if self.carries(&r.x) => {
                        new.extend([&r.key, &r.value].into_iter().flatten().filter_map(var));
                    }
                    // A closure is judged as a whole (it captures).
                    Node::Expr(Expr::FuncLit(_)) => return false,
                    _ => {}
                }
                true
            });
            new.retain(|i| !self.carriers.contains(i));
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
    fn named_result_carries(&self) -> bool {
        self.f.typ.results.as_ref().is_some_and(|r| {
            r.list
                .iter()
                .flat_map(|f| &f.names)
                .any(|n| self.is_carrier(n))
        })
    }

    fn escapes(&self) -> bool {
        let mut out = false;
        inspect(Node::Block(self.f.body), &mut |n| {
            if out {
                return false;
            }
            match n {
                Node::Stmt(Stmt::Return(r)) => out = r.results.iter().any(|x| self.carries(x)),
                Node::Stmt(Stmt::Send(s)) => out = self.carries(&s.value),
                Node::Stmt(Stmt::Assign(a)) => out = self.stores(&a.lhs, &a.rhs),
                Node::Expr(Expr::FuncLit(l)) => {
                    out = self.captures(l);
                    return false;
                }
                // A function literal's body is judged by the arm above
                // when the walk reaches it.
                Node::Stmt(Stmt::Go(g)) => {
                    out = match g.call.fun.unparen() {
                        Expr::FuncLit(_) => g
                            .call
                            .args
                            .iter()
                            .any(|a| self.mentions_carrier(Node::expr(a))),
                        _ => self.mentions_carrier(Node::Call(&g.call)),
                    };
                }
                _ => {}
            }
            !out
        });
        out
    }

    fn mentions_carrier(&self, node: Node) -> bool {
        let mut found = false;
        inspect(node, &mut |n| {
            if let Node::Ident(id) = n {
                found |= self.is_carrier(id);
            }
            !found
        });
        found
    }

    /// Whether closure `l` uses a carrier (by object: a parameter of the
    /// closure spelled like a carrier is another variable).
    fn captures(&self, l: &FuncLit) -> bool {
        self.mentions_carrier(Node::Block(&l.body))
    }

    /// An assignment that puts a carried value where it outlives the
    /// call: a field, an element, a pointer's target, a package variable
    /// or a variable of an enclosing function.
    fn stores(&self, lhs: &[Expr], rhs: &[Expr]) -> bool {
        if !rhs.iter().any(|r| self.carries(r)) {
            return false;
        }
        lhs.iter().any(|l| match l.unparen().as_ident() {
            Some(id) if id.name(self.src) == "_" => false,
            Some(id) => !crate::objects::declared_in(self.cx, self.f, id),
            None => true,
        })
    }

    /// Whether the value of `x` may be (or hold) a carried value.
    fn carries(&self, x: &Expr) -> bool {
        match x.unparen() {
            Expr::Ident(id) => self.is_carrier(id),
            Expr::Selector(sel) => {
                self.carries(&sel.x)
                    && (self.value != Value::Response || sel.sel.name(self.src) == "Body")
            }
            Expr::Call(c) => self.result_carries(c),
            Expr::FuncLit(l) => self.captures(l),
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
                .qualified_name(self.f.file, &c.fun, path)
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
                && sel.x.unparen().as_ident().is_some();
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
                .qualified_name(self.f.file, &c.fun, path)
                .is_some_and(|n| names.contains(&n))
        };
        known("context", CONTEXT) || known("net/http", &["NewRequestWithContext"])
    }

    /// For a call of a plain function of this package, whether its body
    /// lets the parameters at `carrying` leave; any other call keeps them.
    fn callee_keeps(&self, c: &CallExpr, carrying: &[usize]) -> bool {
        if self.depth >= MAX_DEPTH || c.ellipsis.is_some() {
            return true;
        }
        let Some(callee) = self.callee_func(c) else {
            return true;
        };
        let Some(view) = self.cx.types(callee.file) else {
            return true;
        };
        let params: Vec<Option<&Ident>> = callee
            .typ
            .params
            .list
            .iter()
            .flat_map(|f| {
                if f.names.is_empty() {
                    vec![None]
                } else {
                    f.names.iter().map(Some).collect()
                }
            })
            .collect();
        let variadic = callee
            .typ
            .params
            .list
            .last()
            .is_some_and(|f| matches!(f.typ, Expr::Ellipsis(_)));
        let variadic_from = params.len() - usize::from(variadic);
        let mut roots = Vec::new();
        for &i in carrying {
            // Past the last parameter or into a variadic one: not followed.
            if i >= variadic_from {
                return true;
            }
            // An unnamed or blank parameter cannot keep what it is given.
            if let Some(o) = params[i].and_then(|p| view.object_of(p)) {
                roots.push(view.model().identity(o));
            }
        }
        let Some(mut t) = Tracker::new(self.cx, callee, self.value, roots, self.depth + 1) else {
            return true;
        };
        t.leaves() || t.passed_on()
    }

    /// The function declaration of this package that call `c` calls by a
    /// plain name (not a method, not a function value), by object.
    fn callee_func(&self, c: &CallExpr) -> Option<&'c Func<'a>> {
        c.fun.unparen().as_ident()?;
        let g = crate::funcs::called_func(self.cx, self.f, c)?;
        matches!(g.kind, FuncKind::Decl(fd) if fd.recv.is_none()).then_some(g)
    }
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
        let dirs = [dir.path().to_path_buf()];
        let semantic = letgo_types::Semantic::build(&dirs, &dirs);
        let cx = PackageContext::new(&program, &program.packages[0], false, Some(&semantic));
        let f = cx
            .functions()
            .iter()
            .find(|f| f.name.ends_with(&format!(".{func}")))
            .expect("the function");
        let view = cx.types(f.file).expect("the model's view of the file");
        let param = f
            .typ
            .params
            .list
            .iter()
            .flat_map(|p| &p.names)
            .find(|n| n.name(&cx.file(f.file).src) == root)
            .expect("the root parameter");
        let root = LocalVar::at(view, param).expect("the parameter's object");
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
    fn a_variable_spelled_like_the_context_is_another_object() {
        // The goroutine's own `ctx` and the later block's are other
        // variables: nothing made from the parameter leaves.
        let body = "func f(ctx context.Context) error {
	go func() {
		ctx := context.Background()
		<-ctx.Done()
	}()
	{
		ctx := context.TODO()
		kept = ctx
	}
	return ctx.Err()
}

var kept context.Context
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

    #[test]
    fn a_closure_parameter_of_the_same_name_is_not_a_capture() {
        let tick = |body: &str| fate_of(body, "f", "tick", Value::Timer);
        let shadowed = "func f(tick <-chan int, other <-chan int) {
	go func(tick <-chan int) {
		for range tick {
		}
	}(other)
	<-tick
}";
        assert_eq!(tick(shadowed), Fate::Stays);
        for body in [
            "func f(tick <-chan int) {\n\tgo func(c <-chan int) {\n\t\t<-c\n\t}(tick)\n}",
            "func f(tick <-chan int) {\n\tgo func(c <-chan int) {\n\t\t<-tick\n\t}(nil)\n}",
            "func f(tick <-chan int) func() {\n\treturn func() { <-tick }\n}",
        ] {
            assert_eq!(tick(body), Fate::Leaves, "{body}");
        }
    }
}
