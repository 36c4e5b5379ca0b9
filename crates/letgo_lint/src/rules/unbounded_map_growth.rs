//! LG302 unbounded-map-growth.

use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::funcs::Func;
use crate::owners::{is_init, MapKey, Owners};
use crate::registry::Rule;
use crate::syntax::mentions;
use letgo_go::ast::{Expr, IndexExpr, Stmt};
use letgo_go::visit::{inspect, Node};
use letgo_types::model::ObjKind;
use letgo_types::types::{BasicKind, Type};

pub const RULE: Rule = Rule {
    code: "LG302",
    name: "unbounded-map-growth",
    summary: "insertion into a long-lived map that nothing deletes from, clears or replaces",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG302 unbounded-map-growth

## What it does
Flags `m[k] = v` (and `m[k]++`, `m[k] += n`) where the map lives as long
as the program (a package variable, or a field of a long-lived struct
type, as for LG301) and the insertion runs per request or per iteration
of a goroutine's loop: in a function taking an `*http.Request`, a
goroutine that loops, or a function of the package they call (the callee
found by its object, as for LG301), or — across the packages checked
together — anything reachable through calls from a per-request or
per-event entry, with the owner proven long-lived the same way (see
LG301: an owner built per request, a struct held by value in a
per-request holder, and packages that exist only for tests, or lie in
or below a test helper such as `fstest`, are left alone). It reports
only when nothing in the package's non-test code ever deletes from the
map, clears it, replaces it (`m = make(...)`, `m = nil`), checks its
`len` against a bound, takes its address, calls a method on it or hands
it to a function (which could delete from it).

**The key must differ per event.** A map grows only while its inserts
bring new keys; keys from configuration, constants, registered names,
API or type names, or the tenants an administrator creates are inserted
again and again and stop at the size of their domain. So where nothing
deletes from the map, an insert is reported only when its key carries
positive evidence of a value new with each event, and the message names
it (`keys come from ...`):
- the request a handler serves (a field of the `*http.Request` of a
  function that also takes an `http.ResponseWriter`; a request the
  program builds for its own call carries its configuration), or a
  connection it accepted (`c, _ := ln.Accept()`, its `RemoteAddr()`; a
  dialed connection goes to a configured peer);
- bytes the program read (`string(b)`, `binary.BigEndian.Uint32(b)`
  with `b` a `[]byte`; a `[32]byte` is an identifier, not input);
- a value received from a channel the function does not make itself
  (`for ev := range s.events`; not a work queue `jobs := make(chan
  string)` fanning out a list the same call holds);
- a value generated per event: `time.Now()`, `math/rand`,
  `crypto/rand` or a UUID package, a counter kept across events (a field
  or package variable incremented, `s.next++`, or `x.n.Add(1)` of
  `sync/atomic`; not a loop index);
- the key itself a fresh object (`&T{}`, `new(T)`, `make(...)`, or a
  pointer to a struct type a per-request function builds): a new
  identity each time. A field read off a fresh object is not: its value
  is whatever was put there.

The key is followed through the locals it is made from (assignments,
`range` bindings: an element of a ranged collection is part of it, not
its whole) and, for a parameter, through the arguments its callers pass
in any package checked together (the run's call graph, four steps deep):
an exported `Add(name)` that another package's handler calls with
`r.URL.Path` is keyed by the request; `inc(api)` called only with
constants is not. A key that shows none of these (a parameter no caller
in view passes such a value, a field of a long-lived value) is no
evidence, and the insert is left alone. A map whose `delete`s cannot
remove what an insert adds (below) carries its own evidence: the program
means to remove entries per event and misses.

A `delete` balances the insert only when it may remove the inserted key:
when both keys read a field (`m[c.id] = c`, `delete(m, c.name)`), it must
be the same field, by its object; a key held in a variable or computed by
a call could be any key, and counts. When every `delete` removes keys
read from another field, the insert is reported.

A `delete` by the key of a `range` over another map (`for k, v := range
t.segments { if v < n { delete(t.segments, k); delete(t.dropped, k) } }`)
removes only keys that map has: an insert into `t.dropped` is balanced
only when, on every path to it, the same function has put the same key
into `t.segments` before (a statement before it in its block or an
enclosing one); an insert on a path that skips it (`t.dropped[ref] =
struct{}{}; continue`) is reported.

A `delete` by the raw value a key is made from is a finding of its own,
wherever it is: in a function that reads the map only by
`key := f(x, ...)` (never by `x`), writes nothing into it, and calls
`delete(m, x)`, the delete misses the entry the function works on, and
it stays (`key := keyOf(subject, queue); chs := m[key]; ...;
delete(m, subject)`). A function that also writes `m[key] = v` renames
the entry (a key normalised: `delete(m, k); m[upper(k)] = v`) and is
left alone.

A `delete` balances the inserts only on the paths that run it. A
function that ends an entry's life — it reads a value from the map by
key (`sub, ok := m[k]`, `for _, sub := range m[k]`) and closes it
(`sub.Close()`, `forceClose`, `Stop`, `Cancel`, `Shutdown`) — without
deleting from the map, clearing or replacing it, or storing a new value
in it (`old.close(); m[k] = fresh` replaces the entry), nor calling a
function or method of its package that deletes from it (`w.cancel();
r.workDone(w)`, one call deep, by the object the call resolves to), and
where the close method itself does not delete the entry, directly or by
calling a function of the package that does (`func (c *conn) Close() {
c.mux.remove(c.id) }`: a value that unregisters itself), while another function
of the package does delete from it (an unsubscribe), is reported at the
close, with the line of an insert into the map: the closed value stays in
the map until the deleting path runs, which for a value closed by the
server (a revoked token, a timeout) may be never. A function closing
every entry (`for _, v := range m`) is a shutdown and is left alone, and
so is a map whose entries carry their own removal: a `delete` from it
sits in a function literal stored in a value (`&job{done: func() {
delete(w.jobs, id) }}`, `j.done = func() {...}`) or started as the
entry's goroutine (`go func() { run(ctx); delete(m.procs, name) }()`),
which runs when the entry's work ends, and closing or cancelling the
entry ends that work.
An unsubscribe handle returned to the caller is not such a value.

An insert that fills the map once is not growth either: inside `if
len(m) == 0` (or `m == nil`), in an unexported function every call of
which sits inside such a guard on the same map, or in a function literal
passed to `(*sync.Once).Do` (as for LG301), or after its own function
made the map anew (`e.procs = make(...)` at the top of its body, through
a value the function is building) with only `range` loops over its input
(not a channel) around the insert: each call fills a new map with that
call's items, and the map before is dropped (`e.procs = make(...); for _,
f := range factories { e.procs[f.kind()] = f.create() }`); nor is one in a function
that panics when its key is already in a map (a registry of uniquely
named things: registering a name twice crashes the program, so it runs
once per declared name).

Keys from a bounded domain are not growth: a constant (`m["total"]++`), a
`reflect.Type` (one per type of the program), a `bool` or an integer of 8
or 16 bits (a protocol code: `m.errors[apiKey]` with `apiKey uint16`
holds at most 65536 entries), a value of a
named type whose package declares constants of it (an enum:
`m[s.state]++` with `const (idle state = iota; busy)`), and `k` in
`for k := range m { m[k] = ... }` (a key the map already has, also when
carried through locals and a local slice: `for k := range m { redo =
append(redo, item{key: k}) }; for _, r := range redo { m[r.key] = ... }`),
and a key
made only from the process's environment (`os.Getenv`, through locals
and composite literals of the function: `name := "admin-" +
os.Getenv("USER"); m[name] = true`): one per configured identity, fixed
for the life of the process, however often a reload runs. A named type
without declared constants (`route(r.URL.Path)`) is not bounded, nor is
a key that mixes the environment with a parameter.

A get-or-create cache (`v, ok := m[k]; if !ok { m[k] = ... }`) is
taken for a memo table of a small domain (types, sizes, names) and left
alone, unless its key comes from the request or is converted from bytes
the program read (`k := string(line)` with `line []byte`: a parsed
series, a frame's name), the input's choice, one entry per distinct
input ever seen.

## Why is this bad?
"Without eviction, a map is just a memory leak with a hash function."
Every key ever inserted stays, with its value. Keyed by request data (a
path, a user, a message ID) the map grows with traffic until the process
runs out of memory; and since a Go map never shrinks its buckets, even
deleting later does not return all of it.

## Example
```go
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.seen[r.URL.Path] = time.Now() // one entry per distinct path, forever
	s.mu.Unlock()
}

func (h *hub) join(c *client)  { h.clients[c.id] = c }
func (h *hub) leave(c *client) { delete(h.clients, c.name) } // never an id
```

## Use instead
Delete by the key that was inserted (`delete(h.clients, c.id)`), and
bound what the requests insert:
```go
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if len(s.seen) >= maxSeen {
		clear(s.seen) // or evict the oldest, or use an LRU
	}
	s.seen[r.URL.Path] = time.Now()
	s.mu.Unlock()
}
```

## Fix safety
There is no fix: the eviction policy (an LRU, a TTL, a size cap) is the
owner's decision.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    let owners = cx.owners();
    let funcs = cx.functions();
    for (i, f) in funcs.iter().enumerate() {
        if cx.file(f.file).is_test || is_init(&f.name) {
            continue;
        }
        out.extend(
            crate::map_keys::deletes_by_raw_value(cx, f)
                .into_iter()
                .map(|d| FileDiagnostic {
                    file: f.file,
                    diagnostic: d.in_function(&f.name),
                }),
        );
        out.extend(
            crate::map_keys::closed_not_deleted(cx, funcs, i)
                .into_iter()
                .map(|d| FileDiagnostic {
                    file: f.file,
                    diagnostic: d.in_function(&f.name),
                }),
        );
        for site in f.sites.iter().copied() {
            let Some(ix) = insertion(site.stmt) else {
                continue;
            };
            // Asked only here: which functions repeat is a walk of the
            // whole package.
            if !owners.repeats(cx, i)
                || owners.once_per_goroutine(cx, funcs, i, &site)
                || crate::fills_once::fills_once(cx, owners, funcs, i, &ix.x, ix.lbrack)
                || crate::fills_once::registers_unique(cx, funcs, i)
            {
                continue;
            }
            if bounded_key(cx, f, ix) {
                continue;
            }
            let keyed = keyed_by_request(cx, funcs, i, &ix.index);
            if !keyed && crate::map_keys::keyed_by_environment(cx, f, &ix.index) {
                continue;
            }
            let bytes = crate::map_keys::keyed_by_bytes(cx, f, &ix.index);
            if !keyed && !bytes && memoizes(f, site.stmt, ix, &cx.file(f.file).src) {
                continue;
            }
            // The request counts only where a handler serves it (see
            // event_values): `keyed` reads any `*http.Request` by name.
            let evidence = match bytes {
                true => Some("bytes the program read"),
                false => crate::event_values::per_event(cx, funcs, i, &ix.index),
            };
            if let Some(d) = unbounded(cx, owners, funcs, i, ix, evidence) {
                out.push(FileDiagnostic {
                    file: f.file,
                    diagnostic: d.in_function(&f.name),
                });
            }
        }
    }
}

/// `m[k] = v`, `m[k] op= v`, `m[k]++`: the index expression.
fn insertion(stmt: &Stmt) -> Option<&IndexExpr> {
    let lhs = match stmt {
        Stmt::Assign(a) if a.lhs.len() == 1 => &a.lhs[0],
        Stmt::IncDec(s) => &s.x,
        _ => return None,
    };
    match lhs.unparen() {
        Expr::Index(ix) => Some(ix),
        _ => None,
    }
}

fn unbounded(
    cx: &PackageContext,
    owners: &Owners,
    funcs: &[Func],
    i: usize,
    ix: &IndexExpr,
    evidence: Option<&str>,
) -> Option<Diagnostic> {
    let place = owners.place(cx, funcs, i, &ix.x)?;
    if !place.is_map() || owners.released(cx, &place, true) {
        return None;
    }
    let file = funcs[i].file;
    let src = &cx.file(file).src;
    let deletes = owners.deletes(cx, &place);
    let inserted = MapKey::of(cx, file, &ix.index);
    let mut companion = None;
    for d in &deletes {
        match d {
            // Deleted by the keys of another map: balanced only where
            // this insert also puts its key in that map first.
            MapKey::KeysOf(other) => {
                if crate::map_keys::inserted_first(cx, funcs, i, ix, other) {
                    return None;
                }
                companion = Some(other.rsplit('.').next().unwrap_or(other).to_string());
            }
            d if d.may_match(&inserted) => return None,
            _ => {}
        }
    }
    // Nothing deletes from it: the map grows only if the inserts bring
    // new keys, which needs a key that differs per event.
    if deletes.is_empty() && evidence.is_none() {
        if std::env::var_os("LETGO_GROWTH_TRACE").is_some() {
            let key = ix.index.span().text(src);
            eprintln!(
                "letgo: {}: key `{key}` shows nothing that differs per event",
                funcs[i].name
            );
        }
        return None;
    }
    let keyed = evidence.map_or(String::new(), |e| format!("; keys come from {e}"));
    let map = ix.x.span().text(src);
    let what = match (&ix.index, deletes.is_empty()) {
        (_, false) if companion.is_some() => {
            let other = companion.unwrap_or_default();
            format!(
                "it is deleted from only by the keys of `{other}`, and this path inserts its key without putting it in `{other}` first, so what it inserts is never removed"
            )
        }
        (_, true) => {
            "nothing in the package deletes from, clears, replaces or bounds it".to_string()
        }
        (Expr::Selector(k), false) => format!(
            "it is keyed here by field `{}`, and every `delete` from it removes a key read from another field, so what this inserts is never removed",
            k.sel.name(src)
        ),
        (_, false) => "no `delete` from it removes this key".to_string(),
    };
    let msg = format!(
        "map `{map}` only grows: {what}; {}{keyed}",
        Owners::lifetime(&place)
    );
    let span = letgo_go::ast::Span::new(ix.x.span().start, ix.rbrack + 1);
    Some(Diagnostic::new(RULE.code, span, msg))
}

/// Whether the key of `m[k] = v` comes from a bounded domain, so that
/// the map cannot grow past it: a constant; a value of `reflect.Type`
/// (one per type of the program) or `bool`; a value of a named type for
/// which its package declares constants (an enum); a key of the same map
/// in `for k := range m` (already in it).
fn bounded_key(cx: &PackageContext, f: &Func, ix: &IndexExpr) -> bool {
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    let m = view.model();
    let key = ix.index.unparen();
    if matches!(key, Expr::BasicLit(_))
        || view
            .object_of_expr(key)
            .is_some_and(|o| m.obj(o).kind == ObjKind::Const)
    {
        return true;
    }
    let typed = view.type_of(key).is_some_and(|t| {
        m.is_named(t, "reflect", "Type")
            || matches!(m.ty(m.under_ro(t)), Type::Basic(k, _) if small_domain(*k))
            || m.declared_constants(t) >= 2
    });
    typed || ranged_over_same_map(view, f, ix) || crate::map_keys::keyed_by_own_keys(cx, f, ix)
}

/// A basic type with at most 65536 values: `bool`, and integers of 8 or
/// 16 bits. Protocol codes (an API key, an opcode, a status byte) are
/// typed so; a map keyed by one holds at most that many entries, a
/// bounded table rather than a leak.
fn small_domain(k: BasicKind) -> bool {
    matches!(
        k,
        BasicKind::Bool | BasicKind::Int8 | BasicKind::Int16 | BasicKind::Uint8 | BasicKind::Uint16
    )
}

/// `for k := range m { m[k] = ... }`: the key is one the map has.
fn ranged_over_same_map(view: letgo_types::FileView, f: &Func, ix: &IndexExpr) -> bool {
    let Expr::Ident(k) = ix.index.unparen() else {
        return false;
    };
    let m = view.model();
    let same = |a: &Expr, b: &Expr| {
        let ids = |x: &Expr| view.object_of_expr(x).map(|o| m.identity(o));
        ids(a).is_some() && ids(a) == ids(b)
    };
    let Some(key_obj) = view.object_of(k) else {
        return false;
    };
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Stmt(Stmt::Range(r)) = n {
            let binds = matches!(r.key.as_ref().map(Expr::unparen),
                Some(Expr::Ident(rk)) if view.object_of(rk) == Some(key_obj));
            found |= binds && same(&r.x, &ix.x);
        }
        !found
    });
    found
}

/// A get-or-create cache: `m[k]` is looked up before, in another
/// statement of the function (`v, ok := m[k]; if !ok { m[k] = ... }`).
/// Such memo tables are keyed by a small domain far more often than not
/// (types, sizes, names), so they are left alone unless the key comes
/// from a request or is made of bytes read from input (`string(buf)`).
fn memoizes(f: &Func, insert: &Stmt, ix: &IndexExpr, src: &str) -> bool {
    let (map, key) = (ix.x.span().text(src), ix.index.span().text(src));
    let at = insert.span();
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Expr(Expr::Index(other)) = n {
            found |= other.lbrack < at.start
                && other.x.span().text(src) == map
                && other.index.span().text(src) == key;
        }
        !found
    });
    found
}

/// Whether the key mentions an `*http.Request` parameter of the function
/// or one enclosing it, directly or through a local set from it
/// (`user := r.Header.Get("X-User")`).
pub(crate) fn keyed_by_request(cx: &PackageContext, funcs: &[Func], i: usize, key: &Expr) -> bool {
    let file = funcs[i].file;
    let (Some(http), src) = (cx.import_name(file, "net/http"), &cx.file(file).src) else {
        return false;
    };
    let request = format!("*{http}.Request");
    let mut names: Vec<&str> = Vec::new();
    let mut at = Some(i);
    while let Some(k) = at {
        for p in funcs[k].typ.params.list.iter() {
            if p.typ.span().text(src) == request {
                names.extend(p.names.iter().map(|n| n.name(src)));
            }
        }
        at = funcs[k].parent;
    }
    if names.is_empty() {
        return false;
    }
    for site in funcs[i].sites.iter().copied() {
        let Stmt::Assign(a) = site.stmt else { continue };
        let from_request = a
            .rhs
            .iter()
            .any(|r| names.iter().any(|n| mentions(Node::expr(r), n, src)));
        if a.tok == letgo_go::token::Token::Define && from_request {
            names.extend(
                a.lhs
                    .iter()
                    .filter_map(|l| crate::syntax::ident_name(l, src)),
            );
        }
    }
    names.iter().any(|n| mentions(Node::expr(key), n, src))
}
