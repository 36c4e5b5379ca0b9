//! Part of LG103 abandoned-sender: a blocking send on a channel whose
//! every receiver is a loop that can leave — a `return` (or a `break` to
//! the loop's label) in the loop that receives. Once that loop has left,
//! nothing receives any more, and the next send blocks forever.
//!
//! Judged only where every receive is in view (`Escape::None`), sends can
//! outnumber the buffer (`fills`), nobody ranges over it or closes it (a close makes a blocked
//! send panic: another protocol), and every receive is a case of a
//! `select` inside a loop of a function the sends are not written in (a
//! loop that sends to itself is another bug). A way out that every sender
//! checks (and returns on) right before it sends is no evidence: only a
//! race between that check and the send could strand a sender.

use crate::channels::{Capacity, Channel, Escape, Op, OpKind};
use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::funcs::{Func, FuncKind};
use crate::syntax::word_at;
use letgo_go::ast::{BlockStmt, Expr, Ident, SelectStmt, Span, Stmt};
use letgo_go::token::Token;
use letgo_go::visit::{inspect, Node};
use letgo_types::model::{Builtin, ObjKind};

pub fn check(cx: &PackageContext, code: &'static str, out: &mut Vec<FileDiagnostic>) {
    for ch in cx.channels() {
        if let Some(fd) = judge(cx, code, ch) {
            out.push(fd);
        }
    }
}

fn judge(cx: &PackageContext, code: &'static str, ch: &Channel) -> Option<FileDiagnostic> {
    if ch.escape != Escape::None || !fills(cx, ch) || ch.has(OpKind::Close) || ch.has(OpKind::Range)
    {
        return None;
    }
    if seeded_full(cx, ch) {
        return None;
    }
    // Senders started one per round by a loop that receives each before
    // the next: one pending send at most, held by the buffer.
    if crate::rules::abandoned_sender::paced_senders(cx, ch) {
        return None;
    }
    let recvs: Vec<&Op> = ch.ops_of(OpKind::Recv).collect();
    if recvs.is_empty() {
        return None; // nothing receives at all: LG107's
    }
    // Every receive must be a `select` case in a loop that can leave,
    // other than after the senders' last word.
    let mut exit = None;
    for r in &recvs {
        if r.through_call || r.select.is_none() || !r.in_loop {
            return None;
        }
        let exits = loop_exits(cx, r);
        let e = exits.iter().find(|(_, comm)| {
            !after_senders_last_word(cx, ch, r.file, *comm)
                && !after_senders_waited(cx, ch, r.file, *comm)
                && !senders_check_first(cx, ch, r.file, *comm)
        })?;
        exit.get_or_insert((r, e.0, e.1));
    }
    let (recv, exit, comm) = exit?;
    // A loop of a function that runs once per process leaves once, when
    // the command is ending: one sender stays, for moments.
    let receivers: Vec<&str> = recvs.iter().map(|r| r.function.as_str()).collect();
    if crate::once::channel_once(cx, ch, &receivers) {
        return None;
    }
    // Every sender runs once per process (a command's goroutine started
    // outside loops): at most one goroutine stays behind, until the
    // command ends. Nothing piles up.
    let mut sends = ch.ops_of(OpKind::Send);
    if sends.all(|s| !s.through_call && crate::once::named_runs_once(cx, &s.function)) {
        return None;
    }
    // A receiver that starts its own successor (its loop, or a function
    // it calls, runs `go receiver()` again) is followed by a new loop
    // that receives: that nothing receives after it leaves is not shown.
    if recvs.iter().any(|r| restarts_itself(cx, &r.function)) {
        return None;
    }
    // The send that can block: one that does not check the way out first
    // when there is one.
    let way_out = way_out_channel(cx, ch, recv.file, comm);
    let candidates = || {
        ch.ops_of(OpKind::Send).filter(|s| {
            s.blocking() && !s.through_call && recvs.iter().all(|r| r.function != s.function)
        })
    };
    let send = candidates()
        .find(|s| way_out.is_none_or(|e| !checks_first(cx, e, s)))
        .or_else(|| candidates().next())?;
    let rf = cx.file(recv.file);
    let (line, _) = rf.line_col(exit);
    let what = match ch.capacity {
        Capacity::Unbuffered => "unbuffered channel",
        _ => "channel",
    };
    let msg = format!(
        "send on {what} `{}` can block forever: its only receiver, the loop in `{}`, can leave at {}:{line}, and nothing receives after that",
        ch.name,
        short(&recv.function),
        crate::rules::send_without_receiver::file_name(cx, recv.file),
    );
    let mut d = Diagnostic::new(code, send.span, msg).in_function(&send.function);
    if recv.file == send.file {
        d = d.with_related(
            word_at(&rf.src, exit),
            format!("the loop receiving from `{}` leaves here", ch.name),
        );
    }
    Some(FileDiagnostic {
        file: send.file,
        diagnostic: d,
    })
}

/// Whether the function named `name` can reach, through the package's
/// calls (its own body included), a `go` statement that starts it again
/// — or, for a function literal that its enclosing function starts or
/// hands to a runner at the top level of its body (`go func() {...}()`,
/// `runGuarded(func() {...})`), a call of that enclosing function, which
/// starts a new run of the literal.
fn restarts_itself(cx: &PackageContext, name: &str) -> bool {
    let fns = cx.functions();
    let calls = cx.calls();
    let Some(start) = fns.iter().position(|f| f.name == name) else {
        return false;
    };
    let maker = fns[start]
        .parent
        .filter(|&p| started_at_top(&fns[p], &fns[start]));
    let mut seen = vec![false; fns.len()];
    let mut todo = vec![start];
    while let Some(i) = todo.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        for c in calls.get(i).into_iter().flatten() {
            if (c.go && c.callee == start) || Some(c.callee) == maker {
                return true;
            }
            todo.push(c.callee);
        }
    }
    false
}

/// Whether `lit` is a function literal that `parent` starts with `go` or
/// passes as an argument in a statement of its body's top level: every
/// run of `parent` that gets there runs the literal anew.
fn started_at_top(parent: &Func, lit: &Func) -> bool {
    let FuncKind::Lit(l) = lit.kind else {
        return false;
    };
    let is_lit = |x: &Expr| matches!(x.unparen(), Expr::FuncLit(f) if std::ptr::eq(&**f, l));
    parent.body.list.iter().any(|st| {
        let call = match st {
            Stmt::Go(g) => &g.call,
            Stmt::Expr(x) => match x.unparen() {
                Expr::Call(c) => c,
                _ => return false,
            },
            _ => return false,
        };
        is_lit(&call.fun) || call.args.iter().any(is_lit)
    })
}

/// Whether sends can outnumber what the buffer holds once nothing
/// receives: always for an unbuffered channel; with a buffer, when a
/// blocking send is written in a loop and the loop can go on after it (a
/// send followed by `return` runs once), or (a constant buffer) more
/// blocking sends can run than there are slots (a goroutine started once
/// whose every send is followed by `return` sends once; every send of a
/// local channel counted path by path, `sends_per_make`). A send in a callback or a method
/// may run more than once, but that is no evidence: a buffer of one for
/// a send guarded by `sync.Once` or a reference count is the author's
/// sizing.
fn fills(cx: &PackageContext, ch: &Channel) -> bool {
    let sends = || ch.ops_of(OpKind::Send).filter(|s| s.blocking());
    match ch.capacity {
        Capacity::Unbuffered => true,
        Capacity::Const(n) if paced_bound(cx, ch).is_some_and(|b| b <= n) => false,
        Capacity::Const(n) if n >= 1 && once_per_instance(cx, ch) => false,
        // Every send in view, counted path by path: the buffer holds them.
        Capacity::Const(n)
            if crate::rules::abandoned_sender::sends_per_make(cx, ch)
                .is_some_and(|b| u64::from(b) <= n) =>
        {
            false
        }
        _ if sends().any(|s| s.in_loop && !runs_once_per_call(cx, s)) => true,
        Capacity::Const(n) => send_runs(cx, ch) > n,
        _ => false,
    }
}

/// Whether `ch` is a token semaphore: the function that makes it then
/// fills its buffer, with a loop whose body is the one send and whose
/// bound is the `make`'s capacity — the same variable or constant
/// (`for range n { sem <- struct{}{} }` after `make(chan struct{}, n)`, or
/// `for i := 0; i < n; i++`). Each receive then takes a token, and the
/// channel's other sends give one back: the buffer has room for each of
/// them whether or not anyone still receives (a send that found it full
/// would give back a token nobody took — another bug). Nothing is
/// abandoned when the receiving loop leaves.
fn seeded_full(cx: &PackageContext, ch: &Channel) -> bool {
    ch.ops_of(OpKind::Send)
        .any(|o| o.in_loop && !o.through_call && seeds(cx, ch, o))
}

/// Whether send `o` is the body of a loop that fills `ch` to the
/// capacity of a `make` of `ch` earlier in the same function.
fn seeds(cx: &PackageContext, ch: &Channel, o: &Op) -> bool {
    let Some(f) = o.func(cx) else {
        return false;
    };
    let Some(view) = cx.types(o.file) else {
        return false;
    };
    let src = &cx.file(o.file).src;
    f.sites.iter().any(|site| {
        let (pos, body, bound) = match site.stmt {
            Stmt::Range(r) if r.key.is_none() => (r.pos, &r.body, Some(&r.x)),
            Stmt::For(l) => (l.pos, &l.body, counts_to(&view, src, l)),
            _ => return false,
        };
        let (Some(bound), [Stmt::Send(send)]) = (bound, body.list.as_slice()) else {
            return false;
        };
        body.list[0].span() == o.span
            && makes_before(ch, f, &view, &send.chan, pos)
                .is_some_and(|cap| same_count(&view, src, bound, cap))
    })
}

/// The capacity of a `make` in `f` before offset `before` that makes the
/// channel `chan` names: its origin, for a local; for a field, a `make`
/// set to the same field (a literal's `key: make(...)` or `x.f =
/// make(...)`).
fn makes_before<'a>(
    ch: &Channel,
    f: &Func<'a>,
    view: &letgo_types::FileView,
    chan: &Expr,
    before: u32,
) -> Option<&'a Expr> {
    let origin = ch
        .origin
        .as_ref()
        .filter(|o| o.function == f.name && o.file == f.file)
        .map(|o| o.make.start);
    let field = match chan.unparen() {
        Expr::Selector(sel) => view.object_of(&sel.sel),
        _ => None,
    };
    let is_field = |k: &Expr| match k.unparen() {
        Expr::Ident(id) => field.is_some() && view.object_of(id) == field,
        Expr::Selector(sel) => field.is_some() && view.object_of(&sel.sel) == field,
        _ => false,
    };
    let capacity = |x: &'a Expr| match x.unparen() {
        Expr::Call(c) if c.fun.pos() < before && c.args.len() == 2 => {
            let m = view.model();
            let is_make = matches!(c.fun.unparen(), Expr::Ident(id) if view.object_of(id)
                .is_some_and(|o| m.obj(o).kind == ObjKind::Builtin(Builtin::Make)));
            is_make.then(|| &c.args[1])
        }
        _ => None,
    };
    let mut found = None;
    inspect(Node::Block(f.body), &mut |n| {
        match n {
            Node::Call(c) if Some(c.fun.pos()) == origin && c.fun.pos() < before => {
                found = found.or(c.args.get(1))
            }
            Node::Expr(Expr::KeyValue(kv)) if is_field(&kv.key) => {
                found = found.or_else(|| capacity(&kv.value))
            }
            Node::Stmt(Stmt::Assign(a)) => {
                for (l, r) in a.lhs.iter().zip(&a.rhs) {
                    if is_field(l) {
                        found = found.or_else(|| capacity(r));
                    }
                }
            }
            _ => {}
        }
        found.is_none()
    });
    found
}

/// `n` of `for i := 0; i < n; i++`, where `i` is the loop's own variable.
fn counts_to<'a>(
    view: &letgo_types::FileView,
    src: &str,
    f: &'a letgo_go::ast::ForStmt,
) -> Option<&'a Expr> {
    let (Some(Stmt::Assign(init)), Some(Expr::Binary(cond)), Some(Stmt::IncDec(post))) =
        (&f.init, &f.cond, &f.post)
    else {
        return None;
    };
    let obj = |e: &Expr| match e.unparen() {
        Expr::Ident(id) => view.object_of(id),
        _ => None,
    };
    let i = obj(init.lhs.first()?)?;
    let zero = matches!(init.rhs.first().map(|e| e.unparen()), Some(Expr::BasicLit(l)) if l.value(src) == "0");
    (init.tok == Token::Define
        && zero
        && cond.op == Token::Lss
        && obj(&cond.x) == Some(i)
        && post.tok == Token::Inc
        && obj(&post.x) == Some(i))
    .then_some(&cond.y)
}

/// Whether `a` and `b` are the same count: one variable or constant (by
/// object), or the same literal.
fn same_count(view: &letgo_types::FileView, src: &str, a: &Expr, b: &Expr) -> bool {
    match (a.unparen(), b.unparen()) {
        (Expr::Ident(x), Expr::Ident(y)) => view
            .object_of(x)
            .is_some_and(|o| view.object_of(y) == Some(o)),
        (Expr::BasicLit(x), Expr::BasicLit(y)) => x.value(src) == y.value(src),
        _ => false,
    }
}

/// A field channel with room for one value whose every blocking send is
/// in one unexported method `M`, each followed by `return` (one send per
/// run of `M`), where `M` is named exactly once in the package: one `go
/// x.M()` or call, outside loops, in the function that makes the field
/// (`ch: make(chan T, 1)` in the value it builds) — a constructor that
/// starts the object's one sender. Each object then gets at most one
/// send on its own channel, and its buffer holds it.
fn once_per_instance(cx: &PackageContext, ch: &Channel) -> bool {
    let sends: Vec<&Op> = ch.ops_of(OpKind::Send).filter(|s| s.blocking()).collect();
    let Some(first) = sends.first() else {
        return false;
    };
    let same_method =
        |s: &&Op| !s.through_call && s.file == first.file && s.function == first.function;
    if ch.kind != crate::channels::ChannelKind::Field
        || !sends.iter().all(same_method)
        || !sends.iter().all(|s| returns_after(cx, s))
    {
        return false;
    }
    let fns = cx.functions();
    let Some(mi) = fns
        .iter()
        .position(|f| f.name == first.function && f.file == first.file)
    else {
        return false;
    };
    let FuncKind::Decl(md) = fns[mi].kind else {
        return false;
    };
    let src = &cx.file(fns[mi].file).src;
    let Some(view) = cx.types(first.file) else {
        return false;
    };
    let (Some(method), Some(field)) = (view.object_of(&md.name), sent_field(cx, &view, first))
    else {
        return false;
    };
    if md.recv.is_none() || md.name.name(src).starts_with(char::is_uppercase) {
        return false;
    }
    // Every mention of the method in the package: exactly one call.
    // (A second mention already decides: the walk stops there.)
    let mut mentions = Vec::new();
    for (fi, sf) in cx.files() {
        let Some(v) = cx.types(fi) else {
            return false;
        };
        inspect(Node::File(&sf.ast), &mut |n| {
            if let Node::Ident(id) = n {
                let declaration = fi == fns[mi].file && id.pos == md.name.pos;
                if !declaration && v.object_of(id) == Some(method) {
                    mentions.push((fi, id.pos));
                }
            }
            mentions.len() < 2
        });
        if mentions.len() >= 2 {
            return false;
        }
    }
    let [(file, at)] = mentions[..] else {
        return false;
    };
    let calls = cx.calls();
    let Some((ci, _)) = fns.iter().enumerate().find(|(ci, _)| {
        calls[*ci]
            .iter()
            .any(|c| c.callee == mi && c.span.start <= at && at < c.span.end)
    }) else {
        return false;
    };
    let caller = &fns[ci];
    caller.file == file && !caller.in_loop(at) && makes_field(cx, caller, field)
}

/// The field object of the channel a send (written `x.f <- v`) sends on.
fn sent_field(
    cx: &PackageContext,
    view: &letgo_types::FileView,
    s: &Op,
) -> Option<letgo_types::model::ObjId> {
    let f = function_of(cx, s)?;
    let mut out = None;
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Stmt(Stmt::Send(send)) = n {
            if send.chan.pos() == s.span.start {
                if let Expr::Selector(sel) = send.chan.unparen() {
                    out = view.object_of(&sel.sel);
                }
            }
        }
        out.is_none()
    });
    out
}

/// Whether `f` builds a value with `field: make(chan ...)` (a keyed
/// composite literal element) or assigns `x.field = make(chan ...)`.
fn makes_field(cx: &PackageContext, f: &Func, field: letgo_types::model::ObjId) -> bool {
    let Some(view) = cx.types(f.file) else {
        return false;
    };
    let src = &cx.file(f.file).src;
    let is_make = |x: &Expr| crate::channels::make_chan(x, src, &view).is_some();
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Expr(Expr::KeyValue(kv)) => {
                if let Expr::Ident(k) = kv.key.unparen() {
                    found |= view.object_of(k) == Some(field) && is_make(&kv.value);
                }
            }
            Node::Stmt(Stmt::Assign(a)) if a.lhs.len() == a.rhs.len() => {
                for (l, r) in a.lhs.iter().zip(&a.rhs) {
                    if let Expr::Selector(sel) = l.unparen() {
                        found |= view.object_of(&sel.sel) == Some(field) && is_make(r);
                    }
                }
            }
            _ => {}
        }
        !found
    });
    found
}

/// When every blocking send on `ch` is in one paced loop (below) of one
/// function: the most values one round can leave pending — each send
/// that lets the round go on, plus one for those followed by `return`
/// (the first of them ends the goroutine). Once the receiver has left it
/// asks no more, so no more than that is ever pending.
fn paced_bound(cx: &PackageContext, ch: &Channel) -> Option<u64> {
    let sends: Vec<&Op> = ch.ops_of(OpKind::Send).filter(|s| s.blocking()).collect();
    // The round: the loop right around a send that lets it go on.
    let first = sends.iter().find(|s| !returns_after(cx, s))?;
    let f = function_of(cx, first)?;
    let round = innermost_loop(f.body, first.span.start)?;
    // Every send is in the round; one that lets the round go on is not
    // in a loop nested in it.
    let in_round = |s: &&Op| {
        !s.through_call
            && s.file == first.file
            && s.function == first.function
            && round.lbrace <= s.span.start
            && s.span.end <= round.end()
            && (returns_after(cx, s)
                || innermost_loop(f.body, s.span.start).map(|b| b.lbrace) == Some(round.lbrace))
    };

    if !sends.iter().all(in_round) || !paced(cx, ch, first) {
        return None;
    }
    let returning = sends.iter().filter(|s| returns_after(cx, s)).count() as u64;
    let going_on = sends.len() as u64 - returning;
    Some(going_on + u64::from(returning > 0))
}

/// A send paced by its receiver, into a buffer of at least one: each
/// round of the sender's loop first waits, in a plain receive, for a
/// request on another channel that only the functions receiving from
/// `ch` send on, and each of their requests in a loop is followed at
/// once by the receive of the answer (ask, then wait). At most one answer
/// is pending when the receiver leaves, and one slot holds it.
fn paced(cx: &PackageContext, ch: &Channel, send: &Op) -> bool {
    if !matches!(ch.capacity, Capacity::Const(n) if n >= 1) {
        return false;
    }
    let Some(f) = function_of(cx, send) else {
        return false;
    };
    let Some(body) = innermost_loop(f.body, send.span.start) else {
        return false;
    };
    let Some(at) = body
        .list
        .iter()
        .position(|st| st.pos() <= send.span.start && send.span.start < st.end())
    else {
        return false;
    };
    let before = Span::new(body.lbrace, body.list[at].pos());
    let receivers: Vec<&str> = ch
        .ops_of(OpKind::Recv)
        .map(|r| r.function.as_str())
        .collect();
    cx.channels().iter().any(|req| {
        !std::ptr::eq(req, ch)
            && req.escape == Escape::None
            && req.ops_of(OpKind::Recv).any(|r| {
                r.file == send.file
                    && r.function == send.function
                    && r.select.is_none()
                    && before.start <= r.span.start
                    && r.span.end <= before.end
            })
            && req.ops_of(OpKind::Send).next().is_some()
            && req.ops_of(OpKind::Send).all(|q| {
                !q.through_call
                    && receivers.contains(&q.function.as_str())
                    && (!q.in_loop || answer_follows(cx, q, ch))
            })
    })
}

/// The body of the innermost `for`/`range` around `offset` (not across
/// function literals).
fn innermost_loop(body: &BlockStmt, offset: u32) -> Option<&BlockStmt> {
    let mut out = None;
    inspect(Node::Block(body), &mut |n| {
        let b = match n {
            Node::Stmt(Stmt::For(f)) => &f.body,
            Node::Stmt(Stmt::Range(r)) => &r.body,
            Node::Expr(Expr::FuncLit(_)) => return false,
            _ => return true,
        };
        if b.lbrace <= offset && offset < b.end() {
            out = Some(b);
        }
        true
    });
    out
}

/// Whether the statement right after the request send `q` receives from
/// `ch`: the asker waits for the answer before it can ask again.
fn answer_follows(cx: &PackageContext, q: &Op, ch: &Channel) -> bool {
    let Some(f) = function_of(cx, q) else {
        return false;
    };
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Block(b) = n {
            found |= b.list.windows(2).any(|w| {
                matches!(w[0], Stmt::Send(_))
                    && w[0].pos() <= q.span.start
                    && q.span.end <= w[0].end()
                    && ch.ops_of(OpKind::Recv).any(|r| {
                        r.file == q.file && w[1].pos() <= r.span.start && r.span.end <= w[1].end()
                    })
            });
        }
        !found
    });
    found
}

/// How many blocking sends can run: one per send site, except that a
/// goroutine, started once (not in a loop), whose every send is followed
/// by `return` sends at most once however many send sites it has (it
/// ends after the first): such a goroutine counts one.
fn send_runs(cx: &PackageContext, ch: &Channel) -> u64 {
    let sends: Vec<&Op> = ch.ops_of(OpKind::Send).filter(|s| s.blocking()).collect();
    let mut runs = 0;
    let mut once_goroutines: Vec<u32> = Vec::new();
    for s in &sends {
        let single = s.goroutine.is_some_and(|g| {
            let started_once = ch.spawns.iter().any(|sp| sp.pos == g && !sp.in_loop);
            started_once
                && sends.iter().filter(|o| o.goroutine == Some(g)).all(|o| {
                    !o.through_call && o.function == s.function && runs_once_per_call(cx, o)
                })
        });
        match (single, s.goroutine) {
            (true, Some(g)) if once_goroutines.contains(&g) => {}
            (true, Some(g)) => {
                once_goroutines.push(g);
                runs += 1;
            }
            _ => runs += 1,
        }
    }
    runs
}

/// Whether the send `op` runs at most once per call however it loops:
/// `return` follows it, or it is latched by a flag (below).
fn runs_once_per_call(cx: &PackageContext, op: &Op) -> bool {
    returns_after(cx, op) || latched(cx, op)
}

/// A send inside `if ... && !sent { ...; sent = true; ... ch <- v }`,
/// where the function never sets `sent` to anything but `true` after
/// declaring it: once the branch has run, it never runs again, so the
/// send runs at most once per call, in a loop or not.
fn latched(cx: &PackageContext, op: &Op) -> bool {
    let Some(f) = function_of(cx, op) else {
        return false;
    };
    let Some(view) = cx.types(op.file) else {
        return false;
    };
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Stmt(Stmt::If(i)) = n {
            let holds = i.body.lbrace <= op.span.start && op.span.end <= i.body.end();
            if holds {
                found |= negated_flags(&i.cond).into_iter().any(|flag| {
                    let obj = view.object_of(flag);
                    let set_true = |a: &Expr| crate::syntax::is_const_true(&view, a);
                    let mut sets_true = false;
                    let mut other = false;
                    inspect(Node::Block(f.body), &mut |m| {
                        if let Node::Stmt(Stmt::Assign(a)) = m {
                            for (k, l) in a.lhs.iter().enumerate() {
                                let Expr::Ident(id) = l else { continue };
                                if obj.is_none() || view.object_of(id) != obj {
                                    continue;
                                }
                                let inside = i.body.lbrace <= a.tok_pos && a.tok_pos < i.body.end();
                                match a.rhs.get(k) {
                                    Some(r) if set_true(r) && inside => sets_true = true,
                                    // The declaration `sent := false`.
                                    Some(_) if a.tok == Token::Define => {}
                                    _ => other = true,
                                }
                            }
                        }
                        true
                    });
                    obj.is_some() && sets_true && !other
                });
            }
        }
        !found
    });
    found
}

/// The flags `x` of conjuncts `!x` in a condition.
fn negated_flags(cond: &Expr) -> Vec<&Ident> {
    match cond.unparen() {
        Expr::Binary(b) if b.op == Token::Land => {
            let mut v = negated_flags(&b.x);
            v.extend(negated_flags(&b.y));
            v
        }
        Expr::Unary(u) if u.op == Token::Not => match u.x.unparen() {
            Expr::Ident(id) => vec![id],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Whether the statement right after the send `op`, in its block, is a
/// `return`: the send runs at most once per call however it loops.
fn returns_after(cx: &PackageContext, op: &Op) -> bool {
    let Some(f) = function_of(cx, op) else {
        return false;
    };
    let followed = |list: &[Stmt]| {
        list.windows(2).any(|w| {
            let sp = w[0].span();
            sp.start <= op.span.start
                && op.span.end <= sp.end
                && matches!(w[1], Stmt::Return(_))
                && matches!(w[0], Stmt::Send(_))
        })
    };
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        // Statement lists: blocks, and the bodies of `case` clauses.
        match n {
            Node::Block(b) => found |= followed(&b.list),
            Node::CaseClause(c) => found |= followed(&c.body),
            Node::CommClause(c) => found |= followed(&c.body),
            _ => {}
        }
        !found
    });
    found
}

/// The trace name without its package.
fn short(name: &str) -> &str {
    name.rsplit_once('/')
        .map_or(name, |(_, n)| n)
        .split_once('.')
        .map_or(name, |(_, n)| n)
}

/// The channel, other than `ch`, that the `select` case `comm` (in file
/// `file`) receives from: the loop's way out.
fn way_out_channel<'c>(
    cx: &'c PackageContext,
    ch: &Channel,
    file: usize,
    comm: Span,
) -> Option<&'c Channel> {
    let within = |o: &Op| o.file == file && comm.start <= o.span.start && o.span.end <= comm.end;
    cx.channels()
        .iter()
        .find(|e| !std::ptr::eq(*e, ch) && e.ops_of(OpKind::Recv).any(within))
}

/// Whether the loop's way out through the `select` case `comm` (in file
/// `file`) receives from a channel `e` that is the senders' last word:
/// every send on `ch` and on `e` runs in one goroutine, started once,
/// and every send on `e` is followed by `return`. The loop then leaves
/// only after that goroutine has made its last send on `ch` (a reader
/// that reports its final error and returns): nobody is abandoned.
fn after_senders_last_word(cx: &PackageContext, ch: &Channel, file: usize, comm: Span) -> bool {
    let Some(e) = way_out_channel(cx, ch, file, comm) else {
        return false;
    };
    let sends = || ch.ops_of(OpKind::Send).chain(e.ops_of(OpKind::Send));
    let Some(g) = ch.ops_of(OpKind::Send).next().and_then(|s| s.goroutine) else {
        return false;
    };
    let started_once = ch.spawns.iter().any(|sp| sp.pos == g && !sp.in_loop)
        && ch.spawns.iter().filter(|sp| sp.pos == g).count() == 1;
    e.escape == Escape::None
        && started_once
        && sends().all(|o| o.goroutine == Some(g) && !o.through_call)
        && e.ops_of(OpKind::Send).next().is_some()
        && e.ops_of(OpKind::Send).all(|o| returns_after(cx, o))
}

/// Whether the loop's way out through the `select` case `comm` receives
/// from a channel `e` whose every send is made after `wg.Wait()` on a
/// WaitGroup whose `Done` every sender on `ch` calls after its sends
/// (deferred, or later on the send's path): the stop signal comes only
/// once every sender is done sending. A way out taken only once `e` is
/// closed ([`leaves_when_closed`]) waits for `e`'s closes instead.
fn after_senders_waited(cx: &PackageContext, ch: &Channel, file: usize, comm: Span) -> bool {
    use crate::rules::wait_before_receive::{dones_after, waitgroup_call};
    let Some(e) = way_out_channel(cx, ch, file, comm) else {
        return false;
    };
    let waited_before = |o: &Op| {
        let (Some(f), Some(view)) = (function_of(cx, o), cx.types(o.file)) else {
            return Vec::new();
        };
        let src = &cx.file(o.file).src;
        let mut out = Vec::new();
        inspect(Node::Block(f.body), &mut |n| {
            match n {
                Node::Expr(Expr::FuncLit(_)) => return false,
                Node::Call(c) if c.pos() < o.span.start => {
                    out.extend(waitgroup_call(c, &view, src, "Wait"));
                }
                _ => {}
            }
            true
        });
        out
    };
    let done_after = |o: &Op| {
        let (Some(f), Some(view)) = (function_of(cx, o), cx.types(o.file)) else {
            return Vec::new();
        };
        dones_after(f.body, o.span.start, &view, &cx.file(o.file).src)
    };
    // A way out taken only once `e` is closed waits for its closes; any
    // other for its sends.
    let stop_kind = match leaves_when_closed(cx, e, file, comm) {
        true => OpKind::Close,
        false => OpKind::Send,
    };
    let stops: Vec<&Op> = e.ops_of(stop_kind).collect();
    let sends: Vec<&Op> = ch.ops_of(OpKind::Send).collect();
    if stops.is_empty() || sends.is_empty() || sends.iter().any(|s| s.through_call) {
        return false;
    }
    let Some(waited) = stops
        .iter()
        .map(|o| waited_before(o))
        .reduce(|a, b| a.into_iter().filter(|w| b.contains(w)).collect())
    else {
        return false;
    };
    let dones: Vec<_> = sends.iter().map(|s| done_after(s)).collect();
    waited.iter().any(|w| dones.iter().all(|d| d.contains(w)))
}

/// Whether the `select` case `comm` (in file `file`), receiving from
/// `e`, leaves the loop only once `e` is closed: the case is `v := <-e`
/// or `v, ok := <-e`, its body starts with `if !ok { ... }` or `if v ==
/// nil { ... }` (no `else`), and nothing after that `if` in the case
/// returns or breaks to a label. For the nil test every send on `e`
/// must send the address of a composite literal, which is never nil.
fn leaves_when_closed(cx: &PackageContext, e: &Channel, file: usize, comm: Span) -> bool {
    let Some(view) = cx.types(file) else {
        return false;
    };
    let Some(clause) = comm_clause(cx, file, comm) else {
        return false;
    };
    let Some(Stmt::Assign(a)) = clause.comm.as_ref() else {
        return false;
    };
    let [Stmt::If(test), rest @ ..] = clause.body.as_slice() else {
        return false;
    };
    let obj = |x: &Expr| x.unparen().as_ident().and_then(|id| view.object_of(id));
    let (value, ok) = (a.lhs.first().and_then(obj), a.lhs.get(1).and_then(obj));
    let closed_test = match test.cond.unparen() {
        Expr::Unary(u) if u.op == Token::Not => ok.is_some() && obj(&u.x) == ok,
        Expr::Binary(b) if b.op == Token::Eql => {
            let nil_of = |x: &Expr, y: &Expr| {
                value.is_some() && obj(x) == value && crate::syntax::is_nil(&view, y)
            };
            (nil_of(&b.x, &b.y) || nil_of(&b.y, &b.x)) && never_sends_nil(cx, e)
        }
        _ => false,
    };
    closed_test
        && test.init.is_none()
        && test.els.is_none()
        && rest.iter().all(|s| !leaves_beyond_select(s))
}

/// The `select` case whose communication is at `comm`, in file `file`.
fn comm_clause<'a>(
    cx: &PackageContext<'a>,
    file: usize,
    comm: Span,
) -> Option<&'a letgo_go::ast::CommClause> {
    let f = cx
        .functions()
        .iter()
        .find(|f| f.file == file && f.body.lbrace <= comm.start && comm.start < f.body.end())?;
    let mut out = None;
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Stmt(Stmt::Select(sel)) = n {
            out = out.or_else(|| {
                sel.body
                    .clauses
                    .iter()
                    .find(|c| c.comm.as_ref().is_some_and(|m| m.pos() == comm.start))
            });
        }
        out.is_none()
    });
    out
}

/// Whether statement `s` of a `select` case can leave the loop around
/// the `select`: a `return`, a `goto`, or a `break`/`continue` naming a
/// label (a plain `break` leaves only the `select`).
fn leaves_beyond_select(s: &Stmt) -> bool {
    let mut leaves = false;
    inspect(Node::Stmt(s), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Stmt(Stmt::Return(_)) => leaves = true,
            Node::Stmt(Stmt::Branch(b)) => {
                leaves |= b.tok == Token::Goto
                    || (matches!(b.tok, Token::Break | Token::Continue) && b.label.is_some());
            }
            _ => {}
        }
        !leaves
    });
    leaves
}

/// Whether every send on `e` sends `&T{...}`: never nil.
fn never_sends_nil(cx: &PackageContext, e: &Channel) -> bool {
    let mut sends = e.ops_of(OpKind::Send).peekable();
    sends.peek().is_some() && sends.all(|o| !o.through_call && sends_address(cx, o))
}

/// Whether the send `o` sends the address of a composite literal.
fn sends_address(cx: &PackageContext, o: &Op) -> bool {
    let Some(f) = o.func(cx) else {
        return false;
    };
    let mut found = None;
    inspect(Node::Block(f.body), &mut |n| {
        if let Node::Stmt(Stmt::Send(st)) = n {
            if st.chan.pos() == o.span.start {
                found = Some(matches!(st.value.unparen(), Expr::Unary(u)
                    if u.op == Token::And && matches!(u.x.unparen(), Expr::CompositeLit(_))));
            }
        }
        found.is_none()
    });
    found.unwrap_or(false)
}

/// Whether every blocking send on `ch` first checks the loop's way out
/// (the channel `e` the `select` case `comm`, in file `file`, receives
/// from) and returns when it is ready: a `select` before the send, in
/// the sender's own function, with a `default` and a case receiving from
/// `e` that returns (`select { case <-q.done: return ErrClosed;
/// default: }`). Once `e` is ready the loop may leave, but every later
/// sender returns before it sends; only a stop that lands between the
/// check and the send strands one — a race on a stopping object, not a
/// path to a send that nobody receives.
fn senders_check_first(cx: &PackageContext, ch: &Channel, file: usize, comm: Span) -> bool {
    let Some(e) = way_out_channel(cx, ch, file, comm) else {
        return false;
    };
    let mut sends = ch.ops_of(OpKind::Send).filter(|s| s.blocking()).peekable();
    sends.peek().is_some() && sends.all(|s| checks_first(cx, e, s))
}

/// Whether the send `s` is preceded, in its own function, by a `select`
/// with a `default` and a case that receives from `e` and returns.
fn checks_first(cx: &PackageContext, e: &Channel, s: &Op) -> bool {
    let Some(f) = (!s.through_call).then(|| function_of(cx, s)).flatten() else {
        return false;
    };
    let src = &cx.file(s.file).src;
    let checks = |sel: &SelectStmt| {
        let has_default = sel.body.clauses.iter().any(|c| c.comm.is_none());
        has_default
            && sel.body.clauses.iter().any(|c| {
                let Some(cm) = c.comm.as_ref() else {
                    return false;
                };
                let receives_e = e.ops_of(OpKind::Recv).any(|o| {
                    o.file == s.file && cm.pos() <= o.span.start && o.span.end <= cm.end()
                });
                // With no label, only a `return` leaves.
                receives_e && leaving(&c.body, None, src, false).is_some()
            })
    };
    let mut found = false;
    inspect(Node::Block(f.body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Stmt(st @ Stmt::Select(sel)) if st.end() <= s.span.start => {
                found |= checks(sel);
            }
            _ => {}
        }
        !found
    });
    found
}

/// For a receive that is a `select` case: the loop right around that
/// `select`, in the function the receive is written in, and the
/// statements in that loop that leave it, each with the `select` case
/// it is in (its communication).
fn loop_exits(cx: &PackageContext, r: &Op) -> Vec<(u32, Span)> {
    loop_exits_of(cx, r).unwrap_or_default()
}

fn loop_exits_of(cx: &PackageContext, r: &Op) -> Option<Vec<(u32, Span)>> {
    let sel = r.select?;
    let f = function_of(cx, r)?;
    let mut found = None;
    find_loop(&f.body.list, None, sel.select_pos, &mut found);
    let (body, label) = found?;
    let src = &cx.file(r.file).src;
    let label = label.map(|l| l.name(src));
    // Only a way out that does not receive: another communication case
    // of the select (`<-quit`, `<-ctx.Done()`, a timeout). A loop that
    // leaves after its own receive, by a count it keeps, has received what
    // it waited for; one that leaves from `default` polls by a count of
    // its own.
    let sel = select_at(body, sel.select_pos)?;
    let exits = sel.body.clauses.iter().filter_map(|c| {
        let comm = c.comm.as_ref()?;
        let other = !(comm.pos() <= r.span.start && r.span.start < comm.end());
        let exit = other
            .then(|| leaving(&c.body, label, src, false))
            .flatten()?;
        Some((exit, Span::new(comm.pos(), comm.end())))
    });
    Some(exits.collect())
}

fn function_of<'c, 'a>(cx: &'c PackageContext<'a>, r: &Op) -> Option<&'c Func<'a>> {
    cx.functions().iter().find(|f| {
        f.name == r.function
            && f.file == r.file
            && f.body.lbrace <= r.span.start
            && r.span.start < f.body.end()
    })
}

/// The `select` statement at `pos` inside a loop body.
fn select_at(body: &BlockStmt, pos: u32) -> Option<&SelectStmt> {
    let mut out = None;
    inspect(Node::Block(body), &mut |n| {
        if let Node::Stmt(Stmt::Select(sel)) = n {
            if sel.pos == pos {
                out = Some(&**sel);
            }
        }
        out.is_none() && !matches!(n, Node::Expr(Expr::FuncLit(_)))
    });
    out
}

/// The innermost `for`/`range` of the function (not inside a nested
/// literal) around the `select` at `pos`, with its label.
fn find_loop<'a>(
    list: &'a [Stmt],
    label: Option<&'a Ident>,
    pos: u32,
    found: &mut Option<(&'a BlockStmt, Option<&'a Ident>)>,
) {
    for s in list {
        if !(s.pos() <= pos && pos < s.end()) {
            continue;
        }
        match s {
            Stmt::Labeled(l) => {
                find_loop(std::slice::from_ref(&l.stmt), Some(&l.label), pos, found)
            }
            Stmt::For(f) => {
                *found = Some((&f.body, label));
                find_loop(&f.body.list, None, pos, found);
            }
            Stmt::Range(rg) => {
                *found = Some((&rg.body, label));
                find_loop(&rg.body.list, None, pos, found);
            }
            Stmt::Select(sel) if sel.pos == pos => {}
            other => {
                // Into blocks, branches and clauses; not into literals.
                let mut inner: Vec<&'a [Stmt]> = Vec::new();
                nested_lists(other, &mut inner);
                for l in inner {
                    find_loop(l, None, pos, found);
                }
            }
        }
    }
}

/// The statement lists directly inside a compound statement.
fn nested_lists<'a>(s: &'a Stmt, out: &mut Vec<&'a [Stmt]>) {
    match s {
        Stmt::Block(b) => out.push(&b.list),
        Stmt::If(i) => {
            out.push(&i.body.list);
            if let Some(e) = &i.els {
                out.push(std::slice::from_ref(e));
            }
        }
        Stmt::Switch(sw) => sw.body.clauses.iter().for_each(|c| out.push(&c.body)),
        Stmt::TypeSwitch(sw) => sw.body.clauses.iter().for_each(|c| out.push(&c.body)),
        Stmt::Select(sel) => sel.body.clauses.iter().for_each(|c| out.push(&c.body)),
        _ => {}
    }
}

/// A `return`, or a `break` that leaves the loop (a plain one directly in
/// the loop's body, or one naming its label), in a loop body's statements.
fn leaving(list: &[Stmt], label: Option<&str>, src: &str, plain_leaves: bool) -> Option<u32> {
    list.iter().find_map(|s| match s {
        Stmt::Return(r) => Some(r.pos),
        Stmt::Branch(b) if b.tok == Token::Break => {
            let named = b.label.as_ref().map(|l| l.name(src));
            let leaves = match named {
                None => plain_leaves,
                Some(n) => Some(n) == label,
            };
            leaves.then_some(b.tok_pos)
        }
        Stmt::Block(b) => leaving(&b.list, label, src, plain_leaves),
        Stmt::Labeled(l) => leaving(std::slice::from_ref(&l.stmt), label, src, plain_leaves),
        Stmt::If(i) => leaving(&i.body.list, label, src, plain_leaves).or_else(|| {
            i.els
                .as_ref()
                .and_then(|e| leaving(std::slice::from_ref(e), label, src, plain_leaves))
        }),
        // A plain `break` inside these leaves them, not the loop.
        Stmt::For(f) => leaving(&f.body.list, label, src, false),
        Stmt::Range(r) => leaving(&r.body.list, label, src, false),
        Stmt::Switch(sw) => sw
            .body
            .clauses
            .iter()
            .find_map(|c| leaving(&c.body, label, src, false)),
        Stmt::TypeSwitch(sw) => sw
            .body
            .clauses
            .iter()
            .find_map(|c| leaving(&c.body, label, src, false)),
        Stmt::Select(sel) => sel
            .body
            .clauses
            .iter()
            .find_map(|c| leaving(&c.body, label, src, false)),
        _ => None,
    })
}
