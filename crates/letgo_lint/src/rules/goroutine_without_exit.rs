//! LG116 goroutine-without-exit.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::funcs::{called_func, Func, FuncKind};
use crate::registry::Rule;
use crate::rules::goroutine_ignores_context::{context_param, uses_a_context};
use crate::rules::nil_channel_op;
use crate::rules::select_without_exit::{blocked_selects, lacks_partner};
use crate::syntax::loop_exit;
use letgo_go::ast::{BlockStmt, CallExpr, Expr, ForStmt, Span, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::ObjKind;
use letgo_types::FileView;
use std::cell::{OnceCell, RefCell};
use std::collections::{HashMap, HashSet};

pub const RULE: Rule = Rule {
    code: "LG116",
    name: "goroutine-without-exit",
    summary: "a spawned goroutine that parks forever or loops with no way out",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG116 goroutine-without-exit

## What it does
Flags, in a goroutine started with `go` (a function literal, or a
function or method of the package, followed by its object):
- `select {}`: the goroutine parks forever and can do nothing more;
- an endless `for` loop (no condition, or `true`) with no way out — no
  `return`, no `break` out of it, no `goto`, no call that never returns
  (`panic`, `os.Exit`, `runtime.Goexit`, `log.Fatal`) — whose body blocks
  at its top level in every iteration (a `select` without `default`, a
  send, a receive, `time.Sleep`): there is no `ctx.Done()` or stop-channel
  case that ends it. It is flagged only when the function with the `go`
  statement can run more than once, as below. A way out that only a
  `select` case receiving from a stop channel can take is none when
  that channel never fires: every send and close of it is in view (an
  unexported field or package variable, or a local; in a package nobody
  can import, an exported field too) and there is none — a `quit`
  channel nothing closes (cockroach2448's `processRaft`); such a loop
  never ends whether it waits or polls, so a `select` with a `default`
  (cockroach2448's `start`) is flagged too, at the `select`.

The finding points at the statement the goroutine waits in (the line a
goroutine dump of the leak shows) and is named as that goroutine's frame
(`pkg.F.func1`); the `go` statement is the related location.

A goroutine that parks forever is dead weight however often it is
started, unless it is a server's "serve forever": a function that starts
goroutines of its own and then parks in `select {}` to keep from
returning, started once (not in a loop, by a function not shown to run
more than once). A serving loop, though, is how a daemon is written: started once
(from `main`, `init`, a package-level `sync.Once`, or a function only they
call), it is meant to live as long as the program. So a loop is flagged
only when its `go` statement can run more than once over the program's
life. A `go` in a branch that only the first run takes (`if handlers ==
nil { handlers = make(...); go dispatch() }`, on an unexported package
variable the branch sets and nothing in the package sets back to `nil`)
runs once however often its function does (`fixtures/lg116/firsttime.go`).
That it can run more than once is known when
- the `go` statement is inside a loop other than a `range` over a
  collection: a `for` loop (counted or not) or a `range` over a channel
  or a function starts copies of one goroutine, as many as it goes
  round, while a `range` over a slice, array, map, string or number
  starts one per element, each for its own element (a configured
  directory, a partition), once per run of its function — it repeats
  only as often as that function does (this holds for calls in such a
  `range` too, below) — unless the goroutine uses a channel its starting
  function makes for the call (`updates := make(chan T)`) and that
  function is not known to run once per process (the README's "runs
  once per process"): its partner is that call, so every round that
  calls it leaves one more behind, while a function that runs once
  starts a number its collection bounds, once (`fixtures/lg116/daemon`
  `pipeAll`, must-flag `follow`, a stream);
- the function holding it is an HTTP handler (a `ServeHTTP` method or a
  function taking `(http.ResponseWriter, *http.Request)`), or a function
  the package never calls that the other packages checked with it reach
  per request or event (their call graph, as the heap-growth rules read
  it), or a method nobody in view calls (API of a type: it runs for every
  value, on every call; a method that other checked packages do call,
  a server's `Start` called once by `main`, is judged by those callers
  and is not known to repeat), or
- a function or method of the package called inside such a loop or from a
  function that can run more than once (callers found by object, the
  whole package read: where the package calls a method, its callers
  decide, not its being a method). A function literal runs as often as
  the function around it when it is called in place, deferred or
  started with `go`.
Functions that run at most once: `main.main`, `init`, a literal passed
to `Do` of a package-level `sync.Once` or of a `sync.Once` field of a
type the package makes one value of (an unexported type whose only
value is one package-level variable, every other mention `*T`: a
registry's `r.startCleaner.Do`), an unexported function whose
every caller runs at most once and not in a loop. Where neither is known
(an exported function with no caller in the package, a function used as
a value), there is no finding.

A goroutine LG105 already flags (it ignores the context of the function
that starts it) and a `select` LG102 flags are left to those rules.

## Why is this bad?
Each run of the starting function adds a goroutine that never ends, with
its stack and everything it references: a per-request or per-instance
goroutine with no stop is a leak that grows with traffic.

## Example
```go
func (c *Cache) Start() {
	go func() {
		for {
			<-c.tick.C // waits here forever, once per Start
			c.evict()
		}
	}()
}
```

## Use instead
```go
func (c *Cache) Start(ctx context.Context) {
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-c.tick.C:
				c.evict()
			}
		}
	}()
}
```

## Fix safety
No automatic fix: which signal should stop the goroutine is a design
decision.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    // Built on first need: most packages start no loop without exit.
    // Two call models: the plain one (every loop repeats) for `select {}`
    // servers and goroutines tied to their spawner's call; the one where
    // a `range` over a collection does not repeat, for daemon loops.
    let plain = OnceCell::new();
    let runs = OnceCell::new();
    let mut seen = HashSet::new();
    for (i, f) in cx.functions().iter().enumerate() {
        for site in &f.sites {
            let Stmt::Go(g) = site.stmt else { continue };
            let Some(body) = called_func(cx, f, &g.call) else {
                continue;
            };
            let finding = match parks(body) {
                Some(_) if serves_forever(cx, &plain, i, site.in_loop, body) => None,
                Some(span) => Some((
                    span,
                    "goroutine parks forever in `select {}`: it can never end".to_string(),
                )),
                None => looping(cx, (&plain, &runs), i, site.in_loop, g, body),
            };
            let Some((span, msg)) = finding else { continue };
            // Asked only of a finding: most `go` statements have none.
            if first_time_only(cx, f, g.pos) || !seen.insert((body.file, span.start)) {
                continue;
            }
            let mut d = Diagnostic::new(RULE.code, span, msg).in_function(&body.name);
            if body.file == f.file {
                d = d.with_related(Span::new(g.pos, g.pos + 2), "started here");
            }
            out.push(FileDiagnostic {
                file: body.file,
                diagnostic: d,
            });
        }
    }
}

/// Whether the `go` at `at` in `f` sits in a branch that runs once per
/// process: `if v == nil { v = make(...); ...; go handler() }` with `v`
/// an unexported package variable that the branch sets and that nothing
/// in the package sets back to `nil`. However often `f` runs, only its
/// first run finds `v` nil.
fn first_time_only(cx: &PackageContext, f: &Func, at: u32) -> bool {
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    let m = view.model();
    f.sites.iter().any(|site| {
        let Stmt::If(s) = site.stmt else {
            return false;
        };
        let Expr::Binary(b) = s.cond.unparen() else {
            return false;
        };
        if b.op != Token::Eql || !(s.body.lbrace <= at && at < s.body.end()) {
            return false;
        }
        let var = match (
            crate::syntax::is_nil(&view, &b.x),
            crate::syntax::is_nil(&view, &b.y),
        ) {
            (false, true) => &b.x,
            (true, false) => &b.y,
            _ => return false,
        };
        let Some(v) = view.object_of_expr(var) else {
            return false;
        };
        !m.obj(v).name.starts_with(char::is_uppercase)
            && m.is_package_level(v)
            && assigns(&view, Node::Block(&s.body), v, |x| {
                !crate::syntax::is_nil(&view, x)
            })
            && !cx.files().any(|(fi, sf)| {
                cx.types(fi).is_none_or(|fv| {
                    assigns(&fv, Node::File(&sf.ast), v, |x| {
                        crate::syntax::is_nil(&fv, x)
                    })
                })
            })
    })
}

/// Whether `node` (of the file `view` reads) assigns variable `v` a
/// value for which `which` holds.
fn assigns(
    view: &FileView,
    node: Node,
    v: letgo_types::model::ObjId,
    which: impl Fn(&Expr) -> bool,
) -> bool {
    let mut found = false;
    inspect(node, &mut |n| {
        if let Node::Stmt(Stmt::Assign(a)) = n {
            found |= a.lhs.len() == a.rhs.len()
                && a.lhs.iter().zip(&a.rhs).any(|(l, r)| {
                    matches!(l.unparen(), Expr::Ident(id) if view.object_of(id) == Some(v))
                        && which(r)
                });
        }
        !found
    });
    found
}

/// Whether function `target` (one of the package's functions) runs as
/// a goroutine whose `go` statements are all in view in the package and
/// none can run more than once by LG116's judgement (not in a loop, not
/// in a function shown to repeat): a daemon started once, from `main`, a
/// constructor or a `Start` the program calls once. What such a
/// goroutine holds lives as long as the program meant it to.
///
/// Unlike LG116's own judgement, a method of `package main` that the
/// package never calls does not count as repeating: nothing imports a
/// command, so such a method is reached through an interface by a
/// library (a command framework's `Run`), as often as it decides.
pub(crate) fn started_only_once(cx: &PackageContext, target: &Func) -> bool {
    let runs = OnceCell::new();
    let mut spawns = 0;
    let repeated = cx.functions().iter().enumerate().any(|(i, f)| {
        f.sites.iter().any(|site| {
            let Stmt::Go(g) = site.stmt else { return false };
            if !called_func(cx, f, &g.call).is_some_and(|b| std::ptr::eq(b, target)) {
                return false;
            }
            spawns += 1;
            site.in_loop
                || matches!(
                    runs.get_or_init(|| Runs::new(cx).commands_api_unknown())
                        .of(i),
                    Run::Many(_)
                )
        })
    });
    spawns > 0 && !repeated
}

/// Whether LG116's call model shows function `target` runs exactly once
/// in the program: reached only from `main`/`init` through calls and
/// `go` statements outside loops (`statsRefresher(d)` called at the end
/// of a goroutine `main` starts), or a literal given to a package-level
/// `sync.Once`. Stricter than `started_only_once`, where a spawner of
/// unknown run count passes.
pub(crate) fn runs_once(cx: &PackageContext, target: &Func) -> bool {
    let index = cx.functions().iter().position(|g| std::ptr::eq(g, target));
    index.is_some_and(|i| matches!(Runs::new(cx).of(i), Run::Once))
}

/// A function that starts goroutines of its own and then parks in
/// `select {}` (a server's "serve forever": the other goroutines do the
/// work, the park keeps the function from returning), started by a `go`
/// that is not in a loop, in a function not shown to run more than once.
fn serves_forever<'c, 'a>(
    cx: &'c PackageContext<'a>,
    runs: &OnceCell<Runs<'c, 'a>>,
    spawner: usize,
    go_in_loop: bool,
    body: &Func,
) -> bool {
    let starts = body.sites.iter().any(|s| matches!(s.stmt, Stmt::Go(_)));
    starts && !go_in_loop && !matches!(runs.get_or_init(|| Runs::new(cx)).of(spawner), Run::Many(_))
}

/// `select {}` among the goroutine's statements.
fn parks(f: &Func) -> Option<Span> {
    f.sites.iter().find_map(|s| match s.stmt {
        Stmt::Select(sel) if sel.body.clauses.is_empty() => {
            Some(Span::new(sel.pos, sel.pos + "select".len() as u32))
        }
        _ => None,
    })
}

/// An endless loop of the goroutine, when the `go` statement can run
/// more than once: the statement it blocks in, and the message.
fn looping<'c, 'a>(
    cx: &'c PackageContext<'a>,
    (plain, runs): (&OnceCell<Runs<'c, 'a>>, &OnceCell<Runs<'c, 'a>>),
    spawner: usize,
    go_in_loop: bool,
    g: &letgo_go::ast::CallStmt,
    body: &Func,
) -> Option<(Span, String)> {
    let src = &cx.file(body.file).src;
    let view = cx.types(body.file)?;
    let (lp, dead_stop) = match endless_loop(&view, body.body, src) {
        Some(lp) => (lp, None),
        None => {
            let (lp, name) = stop_never_fires(cx, body)?;
            (lp, Some(name))
        }
    };
    // A loop whose only way out never fires never ends, whether it waits
    // or polls (a `select` with a `default`): its `select` is the place.
    let point = blocking_point(&view, lp).or_else(|| {
        dead_stop.as_ref()?;
        lp.body.list.iter().find_map(|s| match s {
            Stmt::Select(sel) => Some(Span::new(sel.pos, sel.pos + "select".len() as u32)),
            _ => None,
        })
    })?;
    let blocked_select = || {
        blocked_selects(cx)
            .iter()
            .any(|&(f, p, _)| f == body.file && p == point.start)
    };
    if blocked_select()
        || partnerless(cx, body.file, point)
        || nil_channel_op::flags_at(cx, body.file, point.start)
    {
        return None; // LG102's, LG101's, LG107's or LG108's finding
    }
    if lg105_covers(cx, spawner, g) {
        return None;
    }
    let f = &cx.functions()[spawner];
    let name = &f.name;
    // A goroutine that waits on a channel of its spawner's call lives for
    // that call: one per run of the spawner, however many elements a
    // `range` walks. Others started by a `range` over a collection are
    // one daemon per element, repeating only with their function.
    let tied = per_call_channel(cx, f, body);
    // A spawner that runs once walks its collection once: a goroutine per
    // element, tied or not, is a number the input bounds.
    let unbounded = crate::once::in_unbounded_loop(cx, f, g.call.pos());
    let go_in_loop = go_in_loop && (unbounded || (tied && !crate::once::runs_once(cx, f)));
    let why = if go_in_loop {
        format!("it is started in a loop in `{name}`")
    } else {
        let many = if tied {
            plain.get_or_init(|| Runs::new(cx)).of(spawner)
        } else {
            runs.get_or_init(|| Runs::new(cx).counted_loops_once())
                .of(spawner)
        };
        match many {
            Run::Many(why) => why,
            _ => return None,
        }
    };
    let how = match dead_stop {
        None => " with no return, break or stop case".to_string(),
        Some(name) => format!(
            ", and its only way out waits on `{name}`, which nothing in the package sends on or closes"
        ),
    };
    Some((point, format!(
        "goroutine never ends: it loops forever{how}, waiting here; {why}, so each run leaves one more goroutine behind"
    )))
}

/// A top-level endless loop of the body whose every way out is in a
/// `select` case receiving from a channel that never fires: one whose
/// every send and close is in view (a field or package variable of the
/// package, a local) and that has none — a stop channel nothing closes.
/// The loop, and the channel's name.
fn stop_never_fires<'a>(cx: &PackageContext, body: &Func<'a>) -> Option<(&'a ForStmt, String)> {
    let src = &cx.file(body.file).src;
    let view = cx.types(body.file)?;
    let lp = body.body.list.iter().find_map(|s| match s {
        Stmt::For(f) if f.init.is_none() && f.post.is_none() && endless_cond(&view, f) => {
            Some(&**f)
        }
        _ => None,
    })?;
    let mut dead_name = None;
    let mut live_exit = false;
    for s in &lp.body.list {
        let Stmt::Select(sel) = s else {
            live_exit |= crate::syntax::leaving(std::slice::from_ref(s), true, src).is_some();
            continue;
        };
        for c in &sel.body.clauses {
            if crate::syntax::leaving(&c.body, false, src).is_none() {
                continue;
            }
            match c
                .comm
                .as_ref()
                .and_then(|comm| silent_channel(cx, body.file, comm))
            {
                Some(name) => dead_name = Some(name),
                None => live_exit = true,
            }
        }
    }
    (!live_exit).then_some(())?;
    Some((lp, dead_name?))
}

/// The channel a `select` case receives from, when nothing ever sends on
/// it or closes it: every send and close is in view, and there is none.
fn silent_channel(cx: &PackageContext, file: usize, comm: &Stmt) -> Option<String> {
    let span = comm.span();
    cx.channels().iter().find_map(|ch| {
        let here = ch.ops.iter().any(|o| {
            o.file == file
                && o.kind == crate::channels::OpKind::Recv
                && span.start <= o.span.start
                && o.span.end <= span.end
        });
        let silent = ch.senders_in_view()
            && !ch.has(crate::channels::OpKind::Send)
            && !ch.has(crate::channels::OpKind::Close);
        (here && silent).then(|| ch.name.clone())
    })
}

/// A top-level `for { ... }` (or `for true`) of the body with no exit.
fn endless_loop<'a>(view: &FileView, body: &'a BlockStmt, src: &str) -> Option<&'a ForStmt> {
    body.list.iter().find_map(|s| match s {
        Stmt::For(f) if f.init.is_none() && f.post.is_none() && endless_cond(view, f) => {
            loop_exit(&f.body, src).is_none().then_some(&**f)
        }
        _ => None,
    })
}

/// No condition, or the constant `true` (by its object, not its spelling).
fn endless_cond(view: &FileView, f: &ForStmt) -> bool {
    f.cond
        .as_ref()
        .is_none_or(|c| crate::syntax::is_const_true(view, c))
}

/// The first statement of the loop body, at its top level (so it runs
/// in every iteration), that waits: a `select` without `default`, a send,
/// a receive, `time.Sleep`.
fn blocking_point(view: &FileView, lp: &ForStmt) -> Option<Span> {
    lp.body.list.iter().find_map(|s| match s {
        Stmt::Select(sel) if sel.body.clauses.iter().all(|c| c.comm.is_some()) => {
            Some(Span::new(sel.pos, sel.pos + "select".len() as u32))
        }
        Stmt::Send(_) => Some(s.span()),
        Stmt::Expr(x) => receive(x).or_else(|| sleeps(view, x)),
        Stmt::Assign(a) if a.rhs.len() == 1 => receive(&a.rhs[0]),
        _ => None,
    })
}

fn receive(x: &Expr) -> Option<Span> {
    matches!(x.unparen(), Expr::Unary(u) if u.op == Token::Arrow).then(|| x.unparen().span())
}

fn sleeps(view: &FileView, x: &Expr) -> Option<Span> {
    let Expr::Call(c) = x.unparen() else {
        return None;
    };
    let o = view.object_of_expr(&c.fun)?;
    view.model()
        .is_func(o, "time", "Sleep")
        .then(|| x.unparen().span())
}

/// A receive or send LG101 or LG107 flags: no partner in view.
fn partnerless(cx: &PackageContext, file: usize, at: Span) -> bool {
    cx.channels().iter().any(|ch| {
        ch.ops
            .iter()
            .any(|op| op.file == file && op.span.start == at.start && lacks_partner(op, ch))
    })
}

/// LG105 flags a literal goroutine started in a function with a context
/// parameter that the goroutine never looks at.
fn lg105_covers(cx: &PackageContext, spawner: usize, g: &letgo_go::ast::CallStmt) -> bool {
    let Expr::FuncLit(lit) = g.call.fun.unparen() else {
        return false;
    };
    let funcs = cx.functions();
    let mut top = spawner;
    while let Some(p) = funcs[top].parent {
        top = p;
    }
    let f = &funcs[top];
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    matches!(f.kind, FuncKind::Decl(_))
        && context_param(cx, f).is_some()
        && !uses_a_context(view, &lit.body)
}

// ---- how often a function runs ----

#[derive(Clone, Debug)]
enum Run {
    Once,
    /// Can run more than once: why, for the message.
    Many(String),
    Unknown,
}

impl Run {
    /// Of two ways in: many beats unknown beats once.
    fn join(self, other: Run) -> Run {
        match (self, other) {
            (Run::Many(w), _) | (_, Run::Many(w)) => Run::Many(w),
            (Run::Unknown, _) | (_, Run::Unknown) => Run::Unknown,
            _ => Run::Once,
        }
    }
}

/// How often each function of the package can run, from its callers.
struct Runs<'c, 'a> {
    cx: &'c PackageContext<'a>,
    /// Calls of each declared function, by its object's position:
    /// (file, offset of the call).
    calls: HashMap<(std::path::PathBuf, u32), Vec<(usize, u32)>>,
    /// Declared functions used other than by calling them.
    values: HashSet<(std::path::PathBuf, u32)>,
    /// A file of the package the model did not check (cgo, say): its
    /// calls are unseen, so "the package never calls it" is not known.
    blind: bool,
    /// A method of `package main` nobody in the package calls is of
    /// unknown run count, not API run per call (`started_only_once`).
    main_api_unknown: bool,
    /// A loop that walks a collection or counts (`range` over a slice,
    /// map or number; `for i := 0; i < n; i++`) runs its body a bounded
    /// number of times per run of its function: calls in it repeat only
    /// as often as that function (LG116's own judgement).
    counted_loops_once: bool,
    memo: RefCell<HashMap<usize, Run>>,
}

impl<'c, 'a> Runs<'c, 'a> {
    fn new(cx: &'c PackageContext<'a>) -> Self {
        let mut r = Runs {
            cx,
            calls: HashMap::new(),
            values: HashSet::new(),
            blind: false,
            main_api_unknown: false,
            counted_loops_once: false,
            memo: RefCell::new(HashMap::new()),
        };
        for (fi, sf) in cx.files() {
            let Some(view) = cx.types(fi) else {
                r.blind = true;
                continue;
            };
            r.uses(fi, &sf.ast, &view);
        }
        r
    }

    /// The same model, with `counted_loops_once` set: LG116's.
    fn counted_loops_once(mut self) -> Self {
        self.counted_loops_once = true;
        self
    }

    /// The same model, with `main_api_unknown` set.
    fn commands_api_unknown(mut self) -> Self {
        self.main_api_unknown = true;
        self
    }

    /// Records every use of a function or method declared in the package.
    fn uses(&mut self, fi: usize, file: &letgo_go::ast::File, view: &FileView) {
        let m = view.model();
        let mut called = HashSet::new();
        inspect(Node::File(file), &mut |n| {
            match n {
                Node::Call(c) => {
                    let callee = match c.fun.unparen() {
                        Expr::Ident(id) => Some(id),
                        Expr::Selector(sel) => Some(&sel.sel),
                        _ => None,
                    };
                    if let Some(id) = callee {
                        called.insert(id.pos);
                        if let Some(key) = self.func_key(view, id) {
                            self.calls.entry(key).or_default().push((fi, c.lparen));
                        }
                    }
                }
                Node::Ident(id) if !called.contains(&id.pos) => {
                    if let Some(key) = self.func_key(view, id) {
                        let decl = m.obj(view.object_of(id).expect("keyed")).pos;
                        if decl != Some((view.file_id(), id.pos)) {
                            self.values.insert(key);
                        }
                    }
                }
                _ => {}
            }
            true
        });
    }

    /// A function or method declared in this package: its declaration.
    fn func_key(
        &self,
        view: &FileView,
        id: &letgo_go::ast::Ident,
    ) -> Option<(std::path::PathBuf, u32)> {
        let o = view.object_of(id)?;
        let m = view.model();
        if !matches!(m.obj(o).kind, ObjKind::Func | ObjKind::Method) {
            return None;
        }
        let (path, off) = m.decl_path(o)?;
        self.cx.declares(o).then(|| (path.to_path_buf(), off))
    }

    fn of(&self, f: usize) -> Run {
        if let Some(r) = self.memo.borrow().get(&f) {
            return r.clone();
        }
        // A cycle in the calls: unknown until proven.
        self.memo.borrow_mut().insert(f, Run::Unknown);
        let r = self.compute(f);
        self.memo.borrow_mut().insert(f, r.clone());
        r
    }

    fn compute(&self, i: usize) -> Run {
        let f = &self.cx.functions()[i];
        let pkg = self.cx.trace_package();
        if f.name == "main.main" || f.name == format!("{pkg}.init") {
            return Run::Once;
        }
        if self.is_handler(f) {
            return Run::Many(format!("`{}` runs for every HTTP request", f.name));
        }
        match f.kind {
            FuncKind::Lit(_) => self.literal(i),
            FuncKind::Decl(d) => self.declared(f, d),
        }
    }

    /// A handler: `ServeHTTP`, or a function taking
    /// `(http.ResponseWriter, *http.Request)`.
    fn is_handler(&self, f: &Func) -> bool {
        let Some(view) = self.cx.types(f.file) else {
            return false;
        };
        let m = view.model();
        let types: Vec<_> = f
            .typ
            .params
            .list
            .iter()
            .flat_map(|p| std::iter::repeat_n(&p.typ, p.names.len().max(1)))
            .filter_map(|t| view.type_of(t))
            .collect();
        let FuncKind::Decl(d) = f.kind else {
            return is_handler_sig(m, &types);
        };
        (d.recv.is_some() && d.name.name(&self.cx.file(f.file).src) == "ServeHTTP")
            || is_handler_sig(m, &types)
    }

    fn declared(&self, f: &Func, d: &letgo_go::ast::FuncDecl) -> Run {
        let src = &self.cx.file(f.file).src;
        let key = (self.cx.file(f.file).path.clone(), d.name.pos);
        let exported = d
            .name
            .name(src)
            .chars()
            .next()
            .is_some_and(char::is_uppercase);
        let method = d.recv.is_some();
        let calls = self.calls.get(&key).map_or(&[][..], Vec::as_slice);
        let used = !calls.is_empty() || self.values.contains(&key);
        let mut run = if self.values.contains(&key) {
            Run::Unknown
        } else {
            Run::Once
        };
        let in_test = self.cx.file(f.file).is_test;
        for &(file, at) in calls {
            // A test is not the program: how often a test calls a
            // function says nothing of how often the program does.
            run = run.join(if self.cx.file(file).is_test && !in_test {
                Run::Unknown
            } else {
                self.call_site(file, at)
            });
        }
        match run {
            Run::Many(w) => Run::Many(w),
            // Where the package shows a method's callers, they decide;
            // so do callers in the other packages checked with it (a
            // server's constructor calling `Start` once). A method nobody
            // in view calls is API: it runs per value, per call.
            _ if !used && self.cx.growth().is_some_and(|g| g.repeats(self.cx, f)) => {
                Run::Many(format!(
                    "`{}` runs per request or event, through its callers in other packages",
                    f.name
                ))
            }
            _ if self.main_api_unknown && method && !used && self.cx.package.name == "main" => {
                Run::Unknown
            }
            _ if method && !used && !self.blind => match self.cx.growth() {
                Some(g) if g.called(self.cx, f) => Run::Unknown,
                _ => Run::Many(format!(
                    "`{}` is a method, which can run for every value and every call",
                    f.name
                )),
            },
            Run::Once if !exported && self.calls.contains_key(&key) => Run::Once,
            _ => Run::Unknown,
        }
    }

    /// How often a call at `at` of file `file` runs: as often as the
    /// function around it, many times inside a loop.
    fn call_site(&self, file: usize, at: u32) -> Run {
        let Some(g) = self.enclosing(file, at) else {
            return Run::Unknown; // a package-level initializer
        };
        let f = &self.cx.functions()[g];
        let repeats = match self.counted_loops_once {
            true => crate::once::in_unbounded_loop(self.cx, f, at),
            false => f.in_loop(at),
        };
        if repeats {
            let (callee, caller) = (self.name_at(file, at), &self.cx.functions()[g].name);
            return Run::Many(format!("`{callee}` is called in a loop in `{caller}`"));
        }
        self.of(g)
    }

    /// The text of the function called at `at` (the offset of its `(`).
    fn name_at(&self, file: usize, at: u32) -> String {
        let src = &self.cx.file(file).src;
        let start = src[..at as usize]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .map_or(0, |i| i + 1);
        src[start..at as usize].to_string()
    }

    /// The innermost function of the package whose body holds `at`.
    fn enclosing(&self, file: usize, at: u32) -> Option<usize> {
        self.cx
            .functions()
            .iter()
            .enumerate()
            .filter(|(_, f)| f.file == file && f.body.lbrace <= at && at < f.body.end())
            .max_by_key(|(_, f)| f.body.lbrace)
            .map(|(i, _)| i)
    }

    /// A literal runs as often as its parent when called in place,
    /// deferred or started with `go`; once when given to a package-level
    /// `sync.Once`, or to a `sync.Once` field of the package's only
    /// value of its type; otherwise it is not known.
    fn literal(&self, i: usize) -> Run {
        let funcs = self.cx.functions();
        let f = &funcs[i];
        let Some(p) = f.parent else {
            return Run::Unknown;
        };
        let Some(view) = self.cx.types(f.file) else {
            return Run::Unknown;
        };
        let lbrace = f.body.lbrace;
        let is_it = |x: &Expr| matches!(x.unparen(), Expr::FuncLit(l) if l.body.lbrace == lbrace);
        // How the parent uses the literal: called (in place, by `go` or
        // `defer`), or handed to a call.
        let mut how = None;
        inspect(Node::Block(funcs[p].body), &mut |n| {
            if let Node::Call(c) = n {
                if is_it(&c.fun) {
                    how = Some(self.call_site(f.file, f.typ.pos()));
                } else if c.args.iter().any(is_it) {
                    // Handed to a call: only a package-level Once is known.
                    how = Some(if once_do(self.cx, &view, c) {
                        Run::Once
                    } else {
                        Run::Unknown
                    });
                }
            }
            how.is_none()
        });
        how.unwrap_or(Run::Unknown)
    }
}

/// `once.Do(...)` on a package-level `sync.Once`, or on a `sync.Once`
/// field of a value the package makes once (`r.startCleaner.Do` where
/// `r` points to the one package-level registry: `singleton`).
fn once_do(cx: &PackageContext, view: &FileView, c: &CallExpr) -> bool {
    let Expr::Selector(sel) = c.fun.unparen() else {
        return false;
    };
    let m = view.model();
    let Some(method) = view.object_of(&sel.sel) else {
        return false;
    };
    let Some(recv) = view.object_of_expr(&sel.x) else {
        return false;
    };
    if !m.is_func(method, "sync", "Do") || !m.is_named(m.obj(recv).typ, "sync", "Once") {
        return false;
    }
    match (m.obj(recv).kind, sel.x.unparen()) {
        (ObjKind::Var, _) => m.is_package_level(recv),
        (ObjKind::Field, Expr::Selector(owner)) => view
            .type_of(&owner.x)
            .is_some_and(|t| crate::singleton::sole_value(cx, view, t)),
        _ => false,
    }
}

/// Whether the goroutine `body`, a literal written in `spawner`, uses a
/// channel that `spawner` makes for its call (`ch := make(chan T)` in
/// its body, outside the literal): its partner belongs to that one call.
fn per_call_channel(cx: &PackageContext, spawner: &Func, body: &Func) -> bool {
    let (FuncKind::Lit(_), Some(view)) = (body.kind, cx.types(body.file)) else {
        return false;
    };
    if spawner.file != body.file {
        return false;
    }
    let src = &cx.file(body.file).src;
    let is_make = |x: &Expr| crate::channels::make_chan(x, src, &view).is_some();
    let mut made = Vec::new();
    inspect(Node::Block(spawner.body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Stmt(Stmt::Assign(a)) if a.lhs.len() == a.rhs.len() => {
                for (l, r) in a.lhs.iter().zip(&a.rhs) {
                    if let (Expr::Ident(id), true) = (l.unparen(), is_make(r)) {
                        made.extend(view.object_of(id));
                    }
                }
            }
            Node::Spec(letgo_go::ast::Spec::Value(vs)) => {
                for (id, v) in vs.names.iter().zip(&vs.values) {
                    if is_make(v) {
                        made.extend(view.object_of(id));
                    }
                }
            }
            _ => {}
        }
        true
    });
    let mut found = false;
    inspect(Node::Block(body.body), &mut |n| {
        if let Node::Ident(id) = n {
            found |= view.object_of(id).is_some_and(|o| made.contains(&o));
        }
        !found
    });
    found
}

fn is_handler_sig(m: &letgo_types::Model, params: &[letgo_types::types::TypeId]) -> bool {
    matches!(params, [w, r] if m.is_named(*w, "net/http", "ResponseWriter") && m.is_pointer_to(*r, "net/http", "Request"))
}
