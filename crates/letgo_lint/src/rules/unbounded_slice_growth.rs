//! LG301 unbounded-slice-growth.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::owners::{grows, is_init, Owners};
use crate::registry::Rule;
use letgo_go::ast::{Expr, Stmt};
use letgo_go::token::Token;

pub const RULE: Rule = Rule {
    code: "LG301",
    name: "unbounded-slice-growth",
    summary: "append to a long-lived slice that nothing ever shrinks, resets or bounds",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG301 unbounded-slice-growth

## What it does
Flags `x.f = append(x.f, ...)` and `v = append(v, ...)` where the slice
lives as long as the program: a package variable, or a field of a struct
type that a package variable holds, that serves HTTP requests, that runs
a goroutine (one the function starting it does not wait for on a
`sync.WaitGroup` before returning: a joined goroutine ends with the call,
as a multipart upload's workers do), or that a long-lived value holds in
a field. The append
must run per request or per iteration of a goroutine's loop: in a
function taking an `*http.Request`, a goroutine that loops (not once
before it returns), or a function of the package they call, all in
non-test files (a test's goroutine that registers hooks in a loop runs
for one test: it does not make what it calls repeat in the program) (the callee
found by its object: `s.n.Add(1)` on an `atomic.Int64` is sync/atomic's
method, not a package method named `Add`).

Across the packages checked together (`letgo check ./...`), the call
graph adds what one package cannot show: an exported method called per
request from another package's handler repeats. Entries are functions
taking an `*http.Request`, gRPC-style methods `(ctx, *Req) (*Resp,
error)` of a type passed to a `Register...Server` function, and calls
inside a loop that receives from a channel (a ticker, a `select`) or
calls `Accept` (a goroutine per connection); a call site with more than
two possible callees is not followed. The owner must then be proven
long-lived across packages too: held by a package variable (a type the
module builds once), kept in a local of `main`, the receiver of such an
entry (an event loop only when something starts it with `go`), or held
in a field of one of those, one level deep; a field of interface type
counts for the one concrete type the module ever stores in it (directly
or through a constructor's parameter). A method that only `main` calls
at setup, or an owner built per request, stays quiet: a type of which
a function that repeats builds a value (`&T{}`, `T{}`, `new(T)`, or a
zero `var c T`) has values that live for one operation, and which one
an append reaches is not shown, even where `main` keeps another. This
holds for the package's own view too: a type that a function of its
package running per request or per event builds (one download object
per pull, one query state per query) is not long-lived because a
goroutine runs on a value of it; the goroutine ends with the operation.

The evidence a finding carries is therefore the append's repetition (a
per-request or per-event entry reaches it) and the owner's lifetime (a
value kept across those events). The element appended is not asked to
differ per event: unlike a map key, a slice grows with every append,
whatever is appended. A
struct held by value in a field (`sb.st.ips` with `st Status`) lives
exactly as long as the value holding it, so the holder's lifetime is
the one judged (a snapshot filled by a builder made per request goes
with the builder). A value held in a field of another (`l.s` on each
link of a network) lives long only through a holder that does: a holder
type that a repeating function builds (the links a per-request server
starts, each pointing back to it) shows nothing.

A package that exists only for tests is left alone, whatever its
directory is called: the packages checked together import it only from
`_test.go` files, from files in a directory that by Go convention holds
only what tests use (`test/`, `tests/`, `e2e…`, `testutil`, `mocks`:
the shared helpers of integration tests under `test/`), or from other
such packages, or its non-test files
use package `testing` (a harness whose constructor takes a
`testing.TB`), something imports it and no library package outside
tests does. So is a package in or below a test helper named as the
standard library names its own (`net/http/httptest`, `testing/fstest`):
a path segment ending in `test` whose package, checked with it, imports
`testing` in its non-test files (a test runner's report under
`fstest/runs`; a package named `latest` imports no `testing` and is
judged). What it records lives for one test. So does an owner that
holds a test's reporter: a field of an interface type whose methods
include `Helper` (only `testing`'s types have one) and one that fails
the test (`Fatal`, `Fatalf`, `Error`, `Errorf`, `FailNow`), as a mock
server a library ships for its users' tests takes; a logger's
`Errorf`/`Fatalf` without `Helper` is no such reporter. It reports
only when nothing in the package's non-test code ever shrinks, resets or
bounds that field or variable: no reassignment (`x.f = nil`, `x.f =
x.f[k:]`, `x.f = make(...)`, `x.f = batch`), no `len(x.f) > n` check, no
`clear`, no `&x.f`, no method call on it, no reset of the whole owner
(`*x = T{}`). Appends that fill a slot once are left alone: inside `if len(x) == 0`
(or `x == nil`) on the slot they fill, in an unexported function every
call of which sits inside such a guard on a slot the function fills on
every run (`if len(buckets) == 0 { initBuckets() }`, where
`initBuckets` appends to `buckets` and `names` at its top level: it runs
again only if something empties `buckets`), or
in a function literal passed to `(*sync.Once).Do`, or after their own
function made the slot anew (`b.items = nil` or `make(...)` at the top of
its body, through a value it is building) under only `range` loops over
something other than a channel: each call fills a new slice with that
call's items. So are appends in a
function that registers uniquely named things: it panics when its key
is already in a map (`if _, dup := metrics[name]; dup { panic(...) }`),
so registering a name twice crashes the program, and it runs once per
name the program declares (metrics, codecs), not per request. So are
appends in a function that interns: it returns early when its key is
already in a map (`if id, ok := d.byAddr[addr]; ok { return id }`) and
inserts the key after appending (`d.peers = append(d.peers, p);
d.byAddr[addr] = id`): the slice grows with the map's distinct keys,
and such a get-or-create table is LG302's to judge (left alone unless
keyed by the request or by bytes read). The same holds for an append in
the branch where the map lacked the key and that puts it in (`if _, ok
:= m[k]; !ok { m[k] = v; order = append(order, v) }`, or `if m[k] ==
nil`; map and key compared as objects, `fixtures/lg301/ordered.go`).
Appends in `init` and
in `_test.go` files are left alone,
and so are appends through a local that holds a value built in the same
function (`w := &T{...}; w.f = append(w.f, ...)`): filling a fresh value
is initialising it, bounded by that call's own work. So are appends to
the receiver of an unexported method every call of which (all are in
the package) is on a value its caller built (`s := &Store{...};
s.init()`) or on the receiver of a method that is such an initialiser
itself (`init` calling `s.addPeriod(p)` per configured period), and
that nothing starts as a goroutine (`go w.eventLoop()` on a fresh value
runs for its life): a constructor filling its value through methods.

## Why is this bad?
A slice that only grows on a value that never dies is a leak: every
element, and everything it points to, stays reachable for the life of the
process. In a heap profile it is a staircase at the `append` that never
comes down.

## Example
```go
var srv = &Server{}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.log = append(s.log, r.URL.Path) // grows with every request
}
```

## Use instead
```go
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(s.log) >= maxLog {
		s.log = s.log[1:] // or a ring buffer, or flush and reset
	}
	s.log = append(s.log, r.URL.Path)
}
```

## Fix safety
There is no fix: how to bound the slice (drop the oldest, flush in
batches, cap its length) is the owner's decision.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let owners = cx.owners();
    let funcs = cx.functions();
    for (i, f) in funcs.iter().enumerate() {
        if cx.file(f.file).is_test || is_init(&f.name) {
            continue;
        }
        let src = &cx.file(f.file).src;
        for site in f.sites.iter().copied() {
            let Stmt::Assign(a) = site.stmt else { continue };
            let ([lhs], [rhs]) = (&a.lhs[..], &a.rhs[..]) else {
                continue;
            };
            // The cheap tests first: most packages have no growing slice,
            // and whether the function repeats, or initialises a value
            // being built, walks the whole package.
            if a.tok != Token::Assign
                || !grows(lhs, rhs, src)
                || Owners::built_here(cx, funcs, i, lhs)
                || !owners.repeats(cx, i)
                || owners.once_per_goroutine(cx, funcs, i, &site)
                || crate::fills_once::fills_once(cx, owners, funcs, i, lhs, a.tok_pos)
                || crate::fills_once::registers_unique(cx, funcs, i)
                || crate::fills_once::interns(cx, funcs, i)
                || crate::fills_once::mirrors_map_keys(cx, funcs, i, a.tok_pos)
                || crate::owners::initialises(cx, funcs, i, lhs)
            {
                continue;
            }
            let Some(place) = owners.place(cx, funcs, i, lhs) else {
                if std::env::var_os("LETGO_GROWTH_TRACE").is_some() {
                    eprintln!(
                        "letgo: {}: no long-lived place for {}",
                        f.name,
                        text(lhs, src)
                    );
                }
                continue;
            };
            if owners.released(cx, &place, false) {
                if std::env::var_os("LETGO_GROWTH_TRACE").is_some() {
                    eprintln!("letgo: {}: {} is released", f.name, text(lhs, src));
                }
                continue;
            }
            let msg = format!(
                "slice `{}` only grows: nothing in the package shrinks, resets or bounds it; {}",
                text(lhs, src),
                Owners::lifetime(&place)
            );
            out.push(FileDiagnostic {
                file: f.file,
                diagnostic: Diagnostic::new(RULE.code, lhs.span(), msg).in_function(&f.name),
            });
        }
    }
}

fn text<'s>(x: &Expr, src: &'s str) -> &'s str {
    x.span().text(src)
}
