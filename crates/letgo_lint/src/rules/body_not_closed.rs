//! LG401 body-not-closed.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::escape::{fate, Fate, Value};
use crate::flow::{pending_exits, Exit, Obligation};
use crate::funcs::Func;
use crate::registry::Rule;
use crate::syntax::{
    indentation_at, is_const_false, is_const_true, is_nil, never_returns, StmtSite,
};
use letgo_go::ast::{BlockStmt, CallExpr, Expr, Ident, Span, Spec, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{ObjId, ObjKind};

pub const RULE: Rule = Rule {
    code: "LG401",
    name: "body-not-closed",
    summary: "an http.Response body is not closed on every path",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG401 body-not-closed

## What it does
Flags `resp, err := <call>` where the call returns an `*http.Response`
with an open body (`http.Get`, a client's `Do` or `Get` whatever the
client is called, a helper of the project that returns such a response)
when some path out of the function, after the error check, neither
closes `resp.Body` nor hands the response on. Closing it directly or in a deferred closure counts; so does
passing `resp.Body` to a function that closes its parameter, or reads
it to its end (`io.ReadAll`) before anything in it can return (its body
is read from source, in any package: `defer xhttp.DrainBody(resp.Body)`,
`text, err := bodyText(resp.Body)`; `fixtures/lg401/read_helper.go`), and
passing `resp` or `resp.Body` to a function of the package, returning it,
or storing it.

The response is recognised by its type, from the semantic model, among
any number of results (`d, resp, err := timed(url)`), in any file (a
caller of the project's own helper need not import net/http); where the
type of the call cannot be known (a package that cannot be found), there
is no finding. Not every response has a body to close:
- a `HEAD` request's (`http.Head`, a client's `Head`, or `Do` of a request
  built in the function by `http.NewRequest` with `"HEAD"` or a constant
  whose value is `"HEAD"` (`http.MethodHead`, a project's own), directly
  or through a generic must-helper `func[T any](v T, err error) T`, or a
  call of the program's own helper given such a method as an argument,
  which it sends):
  the transport gives `http.NoBody` and puts the connection back in the
  pool before it returns;
- `http.ReadResponse`'s: it reads from the caller's own reader, and holds
  no pooled connection;
- a helper of the program's is read from source: its callers must close
  what it returns when a response it returns comes from such a call
  untouched. A helper that closes or reads the body on the way to
  returning the response (`return resp, drain(resp.Body)`, a decode into
  the caller's value) leaves it open or not depending on its arguments,
  which are not followed: no finding at its callers. A function whose
  source is not at hand (an interface's method) is taken to return an
  open body when it takes the `*http.Request` it answers, as `Do` does.

Reading the body to its end by the standard library's own loop
(`io.ReadAll(resp.Body)`, `io.Copy(io.Discard, resp.Body)`,
`io.CopyBuffer` to `io.Discard`, a `bytes.Buffer`'s
`ReadFrom(resp.Body)`) releases it as closing does: net/http's transport
puts the connection back in the pool when the body reaches EOF, and
drops it after a read error (its read loop gives the connection up
when the body's reader reports one, as `bodyEOFSignal.Close` in
net/http says), so nothing is held once that read returns, whatever
its outcome: a `return` on the read's error leaks nothing. (One error
comes from above the connection: the transport's own gzip reader on a
corrupt stream it decompresses transparently; a request that sets its
own `Accept-Encoding`, as most that read compressed bodies do, never
has it. That rare case is out of view.)
Reading part of it (a JSON decoder stops after one value, a `Read` into
a buffer, `io.LimitReader`) does not, nor does a copy to a writer that
can fail (`io.Copy(w, resp.Body)` to a client's connection or a file,
`resp.Write(w)`): a write error stops it with the body unread. A path where the
status says there is no body (`resp.StatusCode ==
http.StatusNoContent`, or `StatusNotModified`) needs no close: the
transport gives `http.NoBody`. Nor does one where the response or its
body is nil (`if resp != nil && resp.Body != nil { resp.Body.Close();
resp = nil }` at the top of a loop of round trips: a return after it
has nothing left open).

The error check counts while the error variable still holds the call's
error on the path from the call: an `err = wrap(err)` in the other
branch of an `if` than the call (`if retry { res, err = get() } else {
err = wrap(err) }`) is on no such path.

The error check may be a `switch` without a tag: `case err != nil:` has
no response to close, as `if err != nil` has none. So may a predicate
of the error: a call with the error as its first argument and a `bool`
result (`errors.Is(err, x)`, `errors.As`, `os.IsTimeout(err)`, the
program's `isTLSError(err)`) sorts errors into kinds and holds for no
nil error, so where it holds the call failed and there is no response
(`if !isTLSError(err) { return resp, err }` hands the response on, as
does a bare `return` when the response is a named result; the
fallback after it runs only for an error). Conditions combine by `!`,
`&&` and `||` as Go evaluates them. A test of the error says this only
while the variable still holds the call's error: after `err = other()`
it says nothing of the response.

A request made in the function with a context the function cancels
when it returns (`ctx, cancel := context.WithTimeout(...)`, `defer
cancel()`, `http.NewRequestWithContext(ctx, ...)`, the response not got
in a loop) leaves nothing open after the return: when the request's
context ends, the transport gives up on a body still unread and closes
its connection. A context from the caller may outlive the call: judged
as usual, unless every caller in the package (there is one at least,
and the function is not used otherwise) made the context it passes
with a cancel it calls in the statement right after the call (`ctx,
cancel := context.WithTimeout(...)`, `c.write(ctx, batch)`, `cancel()`)
or defers, the call outside loops: the context ends as the function
returns, as if it were cancelled there.

A body of a response from an `http.Client` with a `Timeout` is left
alone, on any path: the timeout covers reading the body, its timer keeps
running after `Do` returns, and when it fires the transport cancels the
request and closes the connection, so the body holds its connection and
the transport's goroutines for at most that long and nothing accumulates
beyond calls × timeout. (Closing it is still good hygiene, as `bodyclose`
says; a merged fix of that shape, terraform's `disco` with an 11 s
timeout, is the fix corpus's one deliberate miss.) The timeout is known
when every value the module stores in the variable or field the call goes through (found by its object; a field
reached by embedding, `type API struct{ *http.Client }`, counts) is an
`http.Client` literal with a non-zero `Timeout` key, or the variable's
`Timeout` is set — directly, through a local, or as the result of a
function of the module whose every `return` gives one
(`fixtures/lg401/timed_client.go`). A call of the module's request
helper counts when every client call in the helper does. Any other
stored value (a parameter, `http.DefaultClient`, another package's
client) leaves the timeout unknown, and the rule judges as usual.

Code only tests run is left alone outside `_test.go` files: a package
that exists only for tests (as LG301 judges one: a helper named like
`httptest` that imports `testing`, a path segment `test`, `e2e`,
`fake…`, `mock…`, `…testing`, `…testutil`, or one only tests import),
and a test's harness (a function taking a `*testing.T`, `*testing.B`,
`*testing.F` or `testing.TB`, or a method of a type holding one: only
`go test` makes such a value). What it leaves behind lives as long as
the test binary.

A body left open by a function that runs once per process (`main`, `init`, a
cobra/urfave/ffcli command's action, or what only such functions call
or start outside loops, in a package other modules cannot import; a
loop over a collection (a slice, map, array, string or integer, whose
size is fixed when the loop starts) runs its body a number of times the
input bounds, reached once, and is not a loop here, while a `for`
statement or a range over a channel or an iterator is; the full
judgement is in the README, "runs once per process") is left at most once, until the
process exits: no finding there (`fixtures/lg401/cmd`,
`fixtures_unresolved`; a function a loop or a handler calls is judged
as any other). A body such a function opens inside a loop without bound
(a pager's `for` over a server's "next" links) and leaves open only on
paths that return is left once too: the return ends the loop.
(`fixtures/lg401/cmd` `list`, must-flag `pages`, called in a `for`).

A `return` inside `if !ok { ... }`, where `ok` is a flag the function
only sets to `true` (a retry loop that closes each failed attempt's body
and sets `ok` on the response it keeps), is judged on the paths that
never set it: the others do not take that branch.

Returning the body wrapped in a reader (`return limit(resp.Body, n)`,
whose result has a `Read` method) hands it on, as returning it does.

A function of the module whose body is at hand gives a
live response unless it closes the body of every response it returns
(`defer resp.Body.Close()` before `return body, resp, err`): a helper
that returns the response it got from `Do` (`doWithRetries`) hands the
body to its callers, and they are checked; one that closes it is not a
source of findings.

Passing `resp.Body` where an interface without `Close` is expected
(`io.Reader`: `json.NewDecoder(resp.Body)`, `parse(resp.Body)`) is
reading it, neither closing it nor handing it on.

## Why is this bad?
An unclosed body keeps its connection: it cannot go back to the pool, and
its goroutines, buffers and file descriptor stay until the server hangs
up, which a keep-alive server may never do. Under load the process runs
out of memory or descriptors.

## Example
```go
func status(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil // the body is never closed
}
```

## Use instead
```go
func status(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}
```

## Fix safety
`defer resp.Body.Close()` right after the `if err != nil { ... }` block is
safe when the response stays in the function: closing a body nobody reads
any more changes nothing but the connection's lifetime (and a second
`Close` is harmless). It is unsafe when the response or its body is handed
to a function (someone may still read it), and inside a loop, where the
deferred calls pile up until the function returns.

It is display-only when the response, its body, or a reader wrapped
around the body (`bufio.NewReader(resp.Body)`, `json.NewDecoder(...)`)
leaves the function: returned (also through a named result), stored in
a field, an element, a package variable or a variable of an enclosing
function, sent on a channel, or captured by a closure or goroutine. The
caller reads that body after the return; closing it there would hand the
caller a closed body. Without an error check right
after the call there is no fix: `resp` may be nil.
"#;

/// `resp, err := <request>`.
struct Def<'a> {
    site: StmtSite<'a>,
    /// The call that gives the response.
    call: &'a CallExpr,
    resp: &'a Ident,
    err: Option<&'a Ident>,
}

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    // Every file: a caller of the project's own request helper need not
    // import net/http.
    // What a test's harness leaves open lives as long as the test binary:
    // the engine drops those findings, for every rule.
    for f in cx.functions() {
        for site in f.sites.iter().copied() {
            let Some(def) = response_def(cx, f, site) else {
                continue;
            };
            if let Some(d) = not_closed(cx, f, &def) {
                out.push(FileDiagnostic {
                    file: f.file,
                    diagnostic: d.in_function(&f.name),
                });
            }
        }
    }
}

/// `resp, err := <call>` (or `=`, or `var`), with any number of results:
/// the variable that gets the call's `*http.Response`, and the last one as
/// the error when there are two or more.
fn response_def<'a>(cx: &PackageContext<'a>, f: &Func<'a>, site: StmtSite<'a>) -> Option<Def<'a>> {
    let (lhs, rhs): (Vec<&Ident>, &Expr) = match site.stmt {
        Stmt::Assign(a) if a.lhs.len() >= 2 && a.rhs.len() == 1 => (
            a.lhs
                .iter()
                .map(|l| l.unparen().as_ident())
                .collect::<Option<_>>()?,
            &a.rhs[0],
        ),
        Stmt::Decl(g) if g.tok == Token::Var && g.specs.len() == 1 => {
            let Spec::Value(v) = &g.specs[0] else {
                return None;
            };
            if v.names.len() < 2 || v.values.len() != 1 {
                return None;
            }
            (v.names.iter().collect(), &v.values[0])
        }
        _ => return None,
    };
    let src = &cx.file(f.file).src;
    let Expr::Call(call) = rhs.unparen() else {
        return None;
    };
    let k = live_response_index(cx, f.file, rhs)?;
    let opens = cx
        .types(f.file)
        .is_some_and(|view| crate::responses::opens_body(&view, f.body, call));
    if !opens {
        return None;
    }
    let resp = *lhs.get(k)?;
    let name = resp.name(src);
    // A response assigned to a variable of an enclosing function is that
    // function's to close.
    if name == "_" || !crate::syntax::declares(f, name, src) {
        return None;
    }
    let last = lhs.len() - 1;
    let err = (k != last)
        .then(|| lhs[last])
        .filter(|e| e.name(src) != "_");
    Some(Def {
        site,
        call,
        resp,
        err,
    })
}

/// Whether a loop around offset `at` of `f` can start its next round
/// with the body still open.
fn carried_round(f: &Func, at: u32, src: &str, ob: &BodyClosed) -> bool {
    f.sites.iter().any(|s| {
        let body = match s.stmt {
            Stmt::For(l) => &l.body,
            Stmt::Range(r) => &r.body,
            _ => return false,
        };
        body.lbrace <= at && at < body.end() && crate::flow::pending_at_iteration_end(body, src, ob)
    })
}

/// The index of the `*http.Response` among the results of `call`, by
/// type (`resp, err` or `d, resp, err`). Whether the body it gives is
/// open is [`crate::responses::opens_body`]'s to say.
fn live_response_index(cx: &PackageContext, file: usize, call: &Expr) -> Option<usize> {
    let view = cx.types(file)?;
    let m = view.model();
    m.results(view.type_of(call)?)
        .iter()
        .position(|&r| m.is_pointer_to(r, "net/http", "Response"))
}

fn not_closed(cx: &PackageContext, f: &Func, def: &Def) -> Option<Diagnostic> {
    // A command's function that runs once holds one connection until
    // the process exits moments later (one per element of its input, in a
    // loop over a collection): nothing piles up.
    let at = def.site.stmt.span().start;
    let once = crate::once::runs_once(cx, f);
    if once && !crate::once::in_unbounded_loop(cx, f, at) {
        return None;
    }
    if !def.site.in_loop && cancelled_on_return(cx, f, def) {
        return None;
    }
    let sf = cx.file(f.file);
    let name = def.resp.name(&sf.src);
    let view = cx.types(f.file)?;
    let mut ob = BodyClosed {
        cx,
        view,
        file: f.file,
        def: def.site.stmt.span(),
        resp: view.object_of(def.resp)?,
        err: def.err.and_then(|e| view.object_of(e)),
        assigns: Vec::new(),
        branches: Vec::new(),
        named_result: false,
    };
    ob.named_result = f.typ.results.as_ref().is_some_and(|r| {
        r.list
            .iter()
            .flat_map(|fl| &fl.names)
            .any(|n| view.object_of(n) == Some(ob.resp))
    });
    ob.find_assigns(f);
    let exits: Vec<Exit> = pending_exits(f.body, &sf.src, &ob)
        .into_iter()
        .filter(|&e| !flag_guarded(f.body, &sf.src, &ob, e))
        .collect();
    // Paths that leave the body open only by returning leave it once per
    // call, however often the loop around the request ran before, when
    // no path carries it open into the loop's next round.
    if once
        && exits.iter().all(|e| matches!(e, Exit::Return(_)))
        && !carried_round(f, at, &sf.src, &ob)
    {
        return None;
    }
    let exit = *exits.first()?;
    // A client's Timeout ends the exchange, body and connection included:
    // a body left open holds its connection for at most that long.
    if crate::timed_clients::timed_client(cx, &view, def.call) {
        return None;
    }
    let (line, _) = sf.line_col(exit.offset());
    let how = match exit {
        Exit::Return(_) => format!("the return at line {line} leaks it"),
        Exit::End(_) => format!("the function ends at line {line} without closing it"),
    };
    let msg = format!("`{name}.Body` is not closed on every path: {how}, with its connection");
    let span = Span::new(def.resp.pos, def.resp.end);
    let d = Diagnostic::new(RULE.code, span, msg);
    match close_fix(cx, f, def, &ob) {
        Some(fix) => Some(d.with_fix(fix)),
        None => Some(d),
    }
}

/// Whether the request was made in this function with a context the
/// function cancels when it returns: `req, _ :=
/// http.NewRequestWithContext(ctx, ...)` sent by the call, `ctx, cancel
/// := context.WithTimeout(...)` (or `WithCancel`, `WithDeadline`, their
/// `Cause` forms) and `defer cancel()` in the function's body. When the
/// request's context ends, net/http's transport closes the connection
/// of a response whose body is still open (its read loop gives up on
/// the body and tears the connection down): nothing outlives the return.
fn cancelled_on_return(cx: &PackageContext, f: &Func, def: &Def) -> bool {
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    let m = view.model();
    let call = match def.site.stmt {
        Stmt::Assign(a) => a.rhs.first(),
        Stmt::Decl(g) => match g.specs.first() {
            Some(Spec::Value(v)) => v.values.first(),
            _ => None,
        },
        _ => None,
    };
    let Some(Expr::Call(call)) = call.map(Expr::unparen) else {
        return false;
    };
    let obj = |x: &Expr| x.unparen().as_ident().and_then(|id| view.object_of(id));
    // The request: an argument assigned, in this function, only from
    // `http.NewRequestWithContext(ctx, ...)`; its context.
    let ctx = call.args.iter().filter_map(obj).find_map(|req| {
        let made = assigned_from(f, &view, req)?;
        let Expr::Call(c) = made.unparen() else {
            return None;
        };
        let callee = view.object_of_expr(&c.fun)?;
        m.is_func(callee, "net/http", "NewRequestWithContext")
            .then(|| c.args.first().and_then(obj))
            .flatten()
    });
    let Some(ctx) = ctx else {
        return false;
    };
    if let Some(cancel) = cancel_of(cx, f, ctx) {
        return f.sites.iter().any(|s| {
            !s.in_loop
                && matches!(s.stmt, Stmt::Defer(d) if d.call.args.is_empty()
                    && obj(&d.call.fun) == Some(cancel))
        });
    }
    param_index(f, &view, ctx).is_some_and(|i| callers_cancel(cx, f, i))
}

/// The cancel function made with context `ctx` in `f`: `ctx, cancel :=
/// context.WithTimeout(...)` (or `WithCancel`, `WithDeadline`, their
/// `Cause` forms, or a function of the project), the cancel by its type.
fn cancel_of(
    cx: &PackageContext,
    f: &Func,
    ctx: letgo_types::model::ObjId,
) -> Option<letgo_types::model::ObjId> {
    let view = cx.types(f.file)?;
    let m = view.model();
    let obj = |x: &Expr| x.unparen().as_ident().and_then(|id| view.object_of(id));
    f.sites.iter().find_map(|s| match s.stmt {
        Stmt::Assign(a) if a.lhs.len() == 2 && a.rhs.len() == 1 => {
            if !matches!(a.rhs[0].unparen(), Expr::Call(_)) || obj(&a.lhs[0]) != Some(ctx) {
                return None;
            }
            obj(&a.lhs[1]).filter(|&o| {
                let t = m.obj(o).typ;
                m.is_named(t, "context", "CancelFunc")
                    || m.is_named(t, "context", "CancelCauseFunc")
            })
        }
        _ => None,
    })
}

/// The index of `f`'s parameter `v`, if it is one.
fn param_index(
    f: &Func,
    view: &letgo_types::FileView,
    v: letgo_types::model::ObjId,
) -> Option<usize> {
    f.typ
        .params
        .list
        .iter()
        .flat_map(|p| p.names.iter())
        .position(|id| view.object_of(id) == Some(v))
}

/// Whether every call of `f` in the package (and there is one) passes,
/// as its `i`th argument, a context the caller made there with a cancel
/// it calls in the statement right after the call, or defers (the call
/// not in a loop): the request's context ends as soon as `f` returns
/// (`ctx, cancel := context.WithTimeout(...)`, `client.write(ctx, ts)`,
/// `cancel()`), which closes a connection whose body is still open.
/// A function called from elsewhere (exported, used as a value) has
/// callers not in view: no call seen, not known.
fn callers_cancel(cx: &PackageContext, f: &Func, i: usize) -> bool {
    let funcs = cx.functions();
    let Some(me) = funcs.iter().position(|g| std::ptr::eq(g, f)) else {
        return false;
    };
    let mut seen = 0;
    for (gi, calls) in cx.calls().iter().enumerate() {
        for call in calls.iter().filter(|c| c.callee == me) {
            seen += 1;
            if call.go || !caller_cancels(cx, &funcs[gi], call.span, i) {
                return false;
            }
        }
    }
    seen > 0
}

/// The call at `span` in `g`: its `i`th argument is a context `g` made
/// with a cancel called right after the call's statement, or deferred
/// with the call outside loops.
fn caller_cancels(cx: &PackageContext, g: &Func, span: Span, i: usize) -> bool {
    let Some(view) = cx.types(g.file) else {
        return false;
    };
    let obj = |x: &Expr| x.unparen().as_ident().and_then(|id| view.object_of(id));
    let Some(site) = g
        .sites
        .iter()
        .filter(|s| matches!(s.stmt, Stmt::Expr(_) | Stmt::Assign(_) | Stmt::Return(_)))
        .find(|s| s.stmt.span().start <= span.start && span.end <= s.stmt.span().end)
    else {
        return false;
    };
    let mut arg = None;
    inspect(Node::stmt(site.stmt), &mut |n| {
        if let Node::Call(c) = n {
            if Span::new(c.pos(), c.end()) == span {
                arg = c.args.get(i).and_then(obj);
            }
        }
        arg.is_none()
    });
    let Some(cancel) = arg.and_then(|ctx| cancel_of(cx, g, ctx)) else {
        return false;
    };
    let calls_cancel = |s: &Stmt| match s {
        Stmt::Expr(x) => {
            matches!(x.unparen(), Expr::Call(c) if c.args.is_empty() && obj(&c.fun) == Some(cancel))
        }
        _ => false,
    };
    if next_statement(g.body, site.stmt.span()).is_some_and(calls_cancel) {
        return true;
    }
    !site.in_loop
        && g.sites.iter().any(|s| {
            !s.in_loop
                && matches!(s.stmt, Stmt::Defer(d) if d.call.args.is_empty()
                    && obj(&d.call.fun) == Some(cancel))
        })
}

/// The one value variable `v` is assigned in `f` (by `:=`, `=` or
/// `var`), when it is assigned exactly once there.
fn assigned_from<'a>(
    f: &Func<'a>,
    view: &letgo_types::FileView,
    v: letgo_types::model::ObjId,
) -> Option<&'a Expr> {
    let mut found = Vec::new();
    for s in &f.sites {
        if let Stmt::Assign(a) = s.stmt {
            for (i, l) in a.lhs.iter().enumerate() {
                let is_v = l.unparen().as_ident().and_then(|id| view.object_of(id)) == Some(v);
                if is_v {
                    // `req, err := call(...)`: the call gives it.
                    found.push(a.rhs.get(i).or(a.rhs.first()));
                }
            }
        }
    }
    match found.as_slice() {
        [Some(x)] => Some(x),
        _ => None,
    }
}

/// Whether exit `e` is a `return` inside `if !ok { ... }` where `ok` is a
/// flag the function only ever sets to `true` (after starting `false`),
/// and no path reaches the return with the body pending unless it went
/// through an `ok = true`: those paths have `ok` set, so they do not take
/// the branch. (A retry loop that closes every failed attempt's body and
/// sets `ok` on the response it keeps.)
fn flag_guarded(body: &BlockStmt, src: &str, ob: &BodyClosed, e: Exit) -> bool {
    let Exit::Return(at) = e else {
        return false;
    };
    let Some(flag) = guarding_flag(body, ob, at) else {
        return false;
    };
    let with_flag = FlagSet { ob, flag };
    !pending_exits(body, src, &with_flag).contains(&e)
}

/// The `ok` of the innermost `if !ok { ... }` around offset `at`, when
/// every assignment to `ok` in the function sets it to `true`.
fn guarding_flag(body: &BlockStmt, ob: &BodyClosed, at: u32) -> Option<ObjId> {
    let mut flag = None;
    inspect(Node::Block(body), &mut |n| {
        if let Node::Stmt(Stmt::If(i)) = n {
            let inside = i.body.lbrace <= at && at < i.body.end();
            if let (true, Expr::Unary(u)) = (inside, i.cond.unparen()) {
                if u.op == Token::Not {
                    flag = ob.obj(&u.x).or(flag);
                }
            }
        }
        true
    });
    let flag = flag?;
    let mut only_true = true;
    inspect(Node::Block(body), &mut |n| {
        if let Node::Stmt(Stmt::Assign(a)) = n {
            for (i, l) in a.lhs.iter().enumerate() {
                if !ob.is(l, flag) {
                    continue;
                }
                let value = a.rhs.get(i).is_some_and(|r| {
                    let view = &ob.view;
                    match a.tok {
                        Token::Define => is_const_false(view, r),
                        _ => is_const_true(view, r),
                    }
                });
                only_true &= value;
            }
        }
        only_true
    });
    only_true.then_some(flag)
}

/// The body's obligation, with `flag = true` taken as meeting it.
struct FlagSet<'o, 'c, 'a> {
    ob: &'o BodyClosed<'c, 'a>,
    flag: ObjId,
}

impl Obligation for FlagSet<'_, '_, '_> {
    fn starts(&self, stmt: &Stmt) -> bool {
        self.ob.starts(stmt)
    }

    fn meets_stmt(&self, stmt: &Stmt) -> bool {
        let sets = matches!(stmt, Stmt::Assign(a) if a.tok == Token::Assign
            && a.lhs.len() == 1
            && self.ob.is(&a.lhs[0], self.flag)
            && is_const_true(&self.ob.view, &a.rhs[0]));
        sets || self.ob.meets_stmt(stmt)
    }

    fn meets_expr(&self, expr: &Expr) -> bool {
        self.ob.meets_expr(expr)
    }

    fn meets_return(&self, results: &[Expr]) -> bool {
        self.ob.meets_return(results)
    }

    fn never_returns(&self, call: &CallExpr) -> bool {
        self.ob.never_returns(call)
    }

    fn void_when(&self, cond: &Expr) -> Option<bool> {
        self.ob.void_when(cond)
    }
}

/// `defer resp.Body.Close()` after the `if err != nil { return ... }`
/// that follows the call.
fn close_fix(cx: &PackageContext, f: &Func, def: &Def, ob: &BodyClosed) -> Option<Fix> {
    let src = &cx.file(f.file).src;
    let next = next_statement(f.body, def.site.stmt.span())?;
    let Stmt::If(check) = next else {
        return None;
    };
    let ends = check.body.list.last().is_some_and(|s| match s {
        Stmt::Return(_) => true,
        Stmt::Expr(x) => matches!(x.unparen(), Expr::Call(c) if never_returns(c, src)),
        _ => false,
    });
    if !def.site.in_list || check.init.is_some() || check.els.is_some() || !ends {
        return None;
    }
    if ob.void_when(&check.cond) != Some(true) {
        return None;
    }
    let handed_on = ob.uses(Node::Block(f.body)).handed_on;
    let indent = indentation_at(src, def.site.stmt.span().start);
    let name = def.resp.name(src);
    let leaves = crate::objects::LocalVar::at(ob.view, def.resp)
        .is_none_or(|resp| fate(cx, f, &[resp], Value::Response) == Fate::Leaves);
    Some(Fix {
        message: format!("close the body when the function returns: `defer {name}.Body.Close()`"),
        applicability: if leaves {
            Applicability::DisplayOnly
        } else if handed_on || def.site.in_loop {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        },
        edits: vec![Edit::insert(
            next.span().end,
            format!("\n{indent}defer {name}.Body.Close()"),
        )],
    })
}

/// The statement after the one at `span` in its statement list.
fn next_statement(body: &BlockStmt, span: Span) -> Option<&Stmt> {
    let mut found = None;
    inspect(Node::Block(body), &mut |n| {
        let list: &[Stmt] = match n {
            Node::Block(b) => &b.list,
            Node::CaseClause(c) => &c.body,
            Node::CommClause(c) => &c.body,
            _ => return found.is_none(),
        };
        if let Some(i) = list.iter().position(|s| s.span() == span) {
            found = list.get(i + 1);
        }
        found.is_none()
    });
    found
}

/// How a statement uses the response.
#[derive(Default)]
struct BodyUses {
    closes: bool,
    /// `resp` or `resp.Body` passed to a function of the package, returned
    /// or stored.
    handed_on: bool,
}

/// The obligation: close the body, or hand the response on.
struct BodyClosed<'c, 'a> {
    cx: &'c PackageContext<'a>,
    view: letgo_types::FileView<'a>,
    file: usize,
    def: Span,
    /// The response variable and the request's error variable, by object.
    resp: ObjId,
    err: Option<ObjId>,
    /// Every assignment of a variable in the function: (statement span,
    /// the variable).
    assigns: Vec<(Span, ObjId)>,
    /// The two branches of each `if` with an `else`: no path runs both.
    branches: Vec<(Span, Span)>,
    /// The response variable is a named result of the function: a bare
    /// `return` hands it to the caller.
    named_result: bool,
}

impl BodyClosed<'_, '_> {
    fn src(&self) -> &str {
        &self.cx.file(self.file).src
    }

    /// The variable (or other object) an identifier expression denotes.
    fn obj(&self, x: &Expr) -> Option<ObjId> {
        self.view.object_of(x.unparen().as_ident()?)
    }

    /// Whether `x` is the identifier of object `o`.
    fn is(&self, x: &Expr, o: ObjId) -> bool {
        self.obj(x) == Some(o)
    }

    /// Fills `assigns` and `branches` from the function's statements.
    fn find_assigns(&mut self, f: &Func) {
        for site in &f.sites {
            match site.stmt {
                Stmt::Assign(a) => {
                    for l in &a.lhs {
                        if let Some(o) = self.obj(l) {
                            self.assigns.push((site.stmt.span(), o));
                        }
                    }
                }
                Stmt::If(i) => {
                    if let Some(e) = &i.els {
                        self.branches
                            .push((Span::new(i.body.lbrace, i.body.end()), e.span()));
                    }
                }
                _ => {}
            }
        }
    }

    fn uses(&self, node: Node) -> BodyUses {
        let src = self.src();
        let mut uses = BodyUses::default();
        let mut benign: Vec<u32> = Vec::new();
        inspect(node, &mut |n| {
            match n {
                Node::Call(c) => self.call_uses(c, &mut uses, &mut benign),
                Node::Expr(Expr::Selector(sel)) => {
                    if let Expr::Ident(id) = sel.x.unparen() {
                        if sel.sel.name(src) != "Body" {
                            benign.push(id.pos);
                        }
                    }
                }
                Node::Ident(id)
                    if id.pos >= self.def.end && self.view.object_of(id) == Some(self.resp) =>
                {
                    uses.handed_on |= !benign.contains(&id.pos);
                }
                _ => {}
            }
            true
        });
        uses
    }

    /// `resp.Body.Close()`, `resp.Body.Read(...)`, `io.ReadAll(resp.Body)`.
    fn call_uses(&self, c: &CallExpr, uses: &mut BodyUses, benign: &mut Vec<u32>) {
        uses.closes |= self.reads_to_end(c);
        if let Expr::Selector(m) = c.fun.unparen() {
            if let Some(id) = self.body_of(&m.x) {
                uses.closes |= m.sel.name(self.src()) == "Close";
                benign.push(id);
            }
        }
        let library = matches!(c.fun.unparen(), Expr::Selector(s)
            if self.obj(&s.x).is_some_and(|p| self.view.model().obj(p).kind == ObjKind::PkgName));
        for (i, a) in c.args.iter().enumerate() {
            if let Some(id) = self.body_of(a) {
                if library || self.reads_only(c, i) {
                    benign.push(id);
                    uses.closes |= self.callee_closes(c, i);
                }
            }
        }
    }

    /// Whether `c` reads the body until it ends, by the standard library's
    /// own loop (`io.ReadAll(resp.Body)`, [`letgo_types::Model::reads_to_end`]). The
    /// transport gives the connection back (to the pool at EOF, closed
    /// after a read error) as soon as that read returns, so nothing is
    /// held after it.
    fn reads_to_end(&self, c: &CallExpr) -> bool {
        self.cx.types(self.file).is_some_and(|view| {
            let is_body = |a: &Expr| self.body_of(a).is_some();
            view.model().reads_to_end(view.file_id(), c, &is_body)
        })
    }

    /// Whether parameter `i` of the function `c` calls is an interface
    /// without a `Close` method (`io.Reader`): the callee reads the body
    /// (`buf.ReadFrom(resp.Body)`, `parse(resp.Body)`), it cannot close it
    /// or be its owner.
    fn reads_only(&self, c: &CallExpr, i: usize) -> bool {
        let Some(view) = self.cx.types(self.file) else {
            return false;
        };
        let m = view.model();
        let Some(sig) = view.type_of(&c.fun) else {
            return false;
        };
        let letgo_types::types::Type::Signature(sig) = m.ty(m.under_ro(sig)) else {
            return false;
        };
        let Some(&param) = sig.params.get(i) else {
            return false;
        };
        let t = m.obj(param).typ;
        matches!(m.ty(m.under_ro(t)), letgo_types::types::Type::Interface(_))
            && m.method(t, "Close").is_none()
    }

    /// Whether the function `c` calls closes its `i`th parameter
    /// (`p.Close()` in its body, read from source through the model).
    fn callee_closes(&self, c: &CallExpr, i: usize) -> bool {
        let Some(view) = self.cx.types(self.file) else {
            return false;
        };
        let Some(callee) = view.object_of_expr(&c.fun) else {
            return false;
        };
        view.model().param_is_closed(callee, i).unwrap_or(false)
    }

    /// Whether the value of `x` holds `resp.Body`: a call it is passed
    /// to (a wrapper), a composite literal or its address.
    fn carries_body(&self, x: &Expr) -> bool {
        let inner = |a: &Expr| self.body_of(a).is_some() || self.carries_body(a);
        match x.unparen() {
            Expr::Call(c) => self.returns_reader(x) && c.args.iter().any(inner),
            Expr::Unary(u) if u.op == Token::And => self.carries_body(&u.x),
            Expr::CompositeLit(l) => l.elts.iter().any(|e| match e {
                Expr::KeyValue(kv) => inner(&kv.value),
                e => inner(e),
            }),
            _ => false,
        }
    }

    /// Whether call `x` returns a reader (its first result has a `Read`
    /// method): `io.ReadAll(resp.Body)` reads the body, it does not carry
    /// it on.
    fn returns_reader(&self, x: &Expr) -> bool {
        let Some(view) = self.cx.types(self.file) else {
            return false;
        };
        let Some(t) = view.type_of(x) else {
            return false;
        };
        let m = view.model();
        let first = m.results(t).first().copied().unwrap_or(t);
        m.method(first, "Read").is_some()
    }

    /// `resp.StatusCode == http.StatusNoContent` (or `StatusNotModified`,
    /// or the numbers): `Some(true)` for `==`, `Some(false)` for `!=`.
    /// Such a response has no body: the transport gives `http.NoBody`.
    fn bodiless_status(&self, cond: &Expr) -> Option<bool> {
        let Expr::Binary(b) = cond.unparen() else {
            return None;
        };
        let eq = match b.op {
            Token::Eql => true,
            Token::Neq => false,
            _ => return None,
        };
        let src = self.src();
        let is_status = |x: &Expr| {
            matches!(x.unparen(), Expr::Selector(s) if s.sel.name(src) == "StatusCode"
                && self.is(&s.x, self.resp))
        };
        let bodiless = |x: &Expr| match x.unparen() {
            Expr::BasicLit(l) => matches!(l.value(src), "204" | "304"),
            x => self.cx.types(self.file).is_some_and(|view| {
                view.object_of_expr(x).is_some_and(|o| {
                    let m = view.model();
                    m.pkg_path(o) == "net/http"
                        && matches!(&*m.obj(o).name, "StatusNoContent" | "StatusNotModified")
                })
            }),
        };
        ((is_status(&b.x) && bodiless(&b.y)) || (is_status(&b.y) && bodiless(&b.x))).then_some(eq)
    }

    /// If `x` is `resp.Body`, the offset of `resp`.
    fn body_of(&self, x: &Expr) -> Option<u32> {
        let Expr::Selector(sel) = x.unparen() else {
            return None;
        };
        let id = sel.x.unparen().as_ident()?;
        (self.view.object_of(id) == Some(self.resp) && sel.sel.name(self.src()) == "Body")
            .then_some(id.pos)
    }

    /// `isTLSError(err)`, `errors.Is(err, x)`, `os.IsTimeout(err)`: a call
    /// with the request's error as its first argument and a `bool`
    /// result. Such a predicate sorts errors into kinds and holds for
    /// none when there is no error; where it holds the call failed and
    /// there is no response.
    fn classifies_error(&self, cond: &Expr) -> bool {
        let Expr::Call(c) = cond.unparen() else {
            return false;
        };
        let Some(err) = self.err else {
            return false;
        };
        if !c.args.first().is_some_and(|a| self.is(a, err)) {
            return false;
        }
        let view = self.view;
        let m = view.model();
        view.type_of(cond).is_some_and(|t| {
            matches!(
                m.ty(m.under_ro(t)),
                letgo_types::types::Type::Basic(letgo_types::types::BasicKind::Bool, _)
            )
        })
    }

    /// Whether the error variable at offset `at` still holds the call's
    /// error: no statement between the call and `at`, on a path from the
    /// call, assigned it again (`err = other()` makes a test of `err` say
    /// nothing of the response).
    fn err_is_the_calls(&self, at: u32) -> bool {
        let Some(err) = self.err else {
            return false;
        };
        // An assignment in the other branch of an `if` than the call
        // (`if retry { _, res, err = get() } else { err = wrap(err) }`)
        // is on no path from the call.
        let inside =
            |outer: Span, inner: Span| outer.start <= inner.start && inner.end <= outer.end;
        let apart = |sp: Span| {
            self.branches.iter().any(|&(then, els)| {
                (inside(then, self.def) && inside(els, sp))
                    || (inside(els, self.def) && inside(then, sp))
            })
        };
        self.assigns
            .iter()
            .filter(|&&(sp, o)| o == err && sp.end <= at && !apart(sp))
            .max_by_key(|(sp, _)| sp.start)
            .is_none_or(|(sp, _)| sp.start <= self.def.start)
    }

    /// `resp.Body != nil` (`Some(true)`) or `resp.Body == nil`
    /// (`Some(false)`): where the body is nil there is nothing to close
    /// (`if resp != nil && resp.Body != nil { resp.Body.Close() }`).
    fn body_nil_test(&self, cond: &Expr) -> Option<bool> {
        let Expr::Binary(b) = cond.unparen() else {
            return None;
        };
        let src = self.src();
        let body = matches!(b.x.unparen(), Expr::Selector(s) if s.sel.name(src) == "Body"
            && self.is(&s.x, self.resp));
        if !body || !is_nil(&self.view, &b.y) {
            return None;
        }
        match b.op {
            Token::Neq => Some(true),
            Token::Eql => Some(false),
            _ => None,
        }
    }

    /// `v != nil` (`Some(true)`) or `v == nil` (`Some(false)`).
    fn nil_test(&self, cond: &Expr, v: ObjId) -> Option<bool> {
        let Expr::Binary(b) = cond.unparen() else {
            return None;
        };
        if !is_nil(&self.view, &b.y) || !self.is(&b.x, v) {
            return None;
        }
        match b.op {
            Token::Neq => Some(true),
            Token::Eql => Some(false),
            _ => None,
        }
    }
}

impl Obligation for BodyClosed<'_, '_> {
    fn starts(&self, stmt: &Stmt) -> bool {
        stmt.span() == self.def
    }

    fn meets_stmt(&self, stmt: &Stmt) -> bool {
        let uses = self.uses(Node::stmt(stmt));
        uses.closes || uses.handed_on
    }

    fn meets_expr(&self, expr: &Expr) -> bool {
        let uses = self.uses(Node::expr(expr));
        uses.closes || uses.handed_on
    }

    /// `return wrap(resp.Body)`: the body leaves with the result, as a
    /// reader wrapped around it; the caller closes it. A bare `return`
    /// of a function whose named result is the response hands it on.
    fn meets_return(&self, results: &[Expr]) -> bool {
        (results.is_empty() && self.named_result)
            || results
                .iter()
                .any(|r| self.carries_body(r) || self.meets_expr(r))
    }

    fn never_returns(&self, call: &CallExpr) -> bool {
        never_returns(call, self.src())
    }

    /// After `err != nil` or `resp == nil` (alone or in a conjunction)
    /// there is no body to close.
    fn void_when(&self, cond: &Expr) -> Option<bool> {
        if let Expr::Binary(b) = cond.unparen() {
            let sides = || [self.void_when(&b.x), self.void_when(&b.y)];
            // `a && b` holds only where both do; it fails where either
            // fails. `a || b` mirrors it.
            match b.op {
                Token::Land => {
                    let sides = sides();
                    if sides.contains(&Some(true)) {
                        return Some(true);
                    }
                    return (sides == [Some(false), Some(false)]).then_some(false);
                }
                Token::Lor => {
                    let sides = sides();
                    if sides.contains(&Some(false)) {
                        return Some(false);
                    }
                    return (sides == [Some(true), Some(true)]).then_some(true);
                }
                _ => {}
            }
        }
        if let Expr::Unary(u) = cond.unparen() {
            if u.op == Token::Not {
                return self.void_when(&u.x).map(|v| !v);
            }
        }
        if self.classifies_error(cond) && self.err_is_the_calls(cond.span().start) {
            return Some(true);
        }
        if let Some(err) = self
            .err
            .filter(|_| self.err_is_the_calls(cond.span().start))
        {
            if let Some(non_nil) = self.nil_test(cond, err) {
                return Some(non_nil);
            }
        }
        if let Some(eq) = self.bodiless_status(cond) {
            return Some(eq);
        }
        self.nil_test(cond, self.resp)
            .or_else(|| self.body_nil_test(cond))
            .map(|non_nil| !non_nil)
    }
}
