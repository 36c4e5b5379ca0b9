//! Part of LG103 abandoned-sender: the receiver waits for the senders'
//! `sync.WaitGroup` before it receives. A goroutine started by the
//! function that made an unbuffered channel sends on it and then calls
//! `wg.Done()` (after the send, or deferred); the maker calls `wg.Wait()`
//! on the same WaitGroup before any receive of its own. The send waits
//! for the receive, the receive for `Wait`, `Wait` for the `Done` after
//! the send: nobody moves. (`wg.Wait(); close(ch); for v := range ch`.)
//!
//! Judged only where every receive is in view and in the maker's own flow
//! (a goroutine that drains the channel meanwhile breaks the cycle), the
//! channel is unbuffered, the sender is a function literal the maker
//! starts, and the WaitGroup is one object (the model's) in both.

use crate::channels::{Capacity, Channel, ChannelKind, Escape, OpKind};
use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::funcs::Func;
use crate::rules::abandoned_sender::started_literal;
use crate::syntax::word_at;
use letgo_go::ast::{BlockStmt, CallExpr, Expr, Stmt};
use letgo_go::visit::{inspect, Node};
use letgo_types::FileView;

pub fn check(cx: &PackageContext, code: &'static str, out: &mut Vec<FileDiagnostic>) {
    for ch in cx.channels() {
        if let Some(fd) = judge(cx, code, ch) {
            out.push(fd);
        }
    }
}

/// An object's identity in the model.
pub(crate) type Identity = (u32, u32, u32);

fn judge(cx: &PackageContext, code: &'static str, ch: &Channel) -> Option<FileDiagnostic> {
    if ch.kind != ChannelKind::Local
        || ch.escape != Escape::None
        || ch.capacity != Capacity::Unbuffered
    {
        return None;
    }
    let origin = ch.origin.as_ref()?;
    let receives: Vec<_> = ch
        .ops
        .iter()
        .filter(|o| matches!(o.kind, OpKind::Recv | OpKind::Range))
        .collect();
    if receives.is_empty()
        || receives
            .iter()
            .any(|r| r.goroutine.is_some() || r.through_call)
    {
        return None;
    }
    let maker = origin.maker(cx)?;
    let view = cx.types(origin.file)?;
    let first_recv = receives.iter().map(|r| r.span.start).min()?;
    for spawn in ch.spawns.iter().filter(|s| s.function == origin.function) {
        let Some(body) = started_literal(maker, spawn.pos) else {
            continue;
        };
        let src = &cx.file(origin.file).src;
        // A send whose Done comes after it on its own path: a `Done`
        // written before the send on that path (`wg.Done(); ch <- v`)
        // lets `Wait` return first, and the receive then takes the value.
        let found = ch
            .ops_of(OpKind::Send)
            .filter(|o| {
                o.goroutine == Some(spawn.pos)
                    && o.blocking()
                    && !o.through_call
                    && o.file == origin.file
            })
            .find_map(|o| {
                let wgs = dones_after(body, o.span.start, &view, src);
                (!wgs.is_empty()).then_some((o, wgs))
            });
        let Some((send, wgs)) = found else {
            continue;
        };
        for wg in wgs {
            let Some(wait) = wait_before(maker, &view, src, wg, first_recv) else {
                continue;
            };
            if wait < spawn.pos {
                continue; // started after the Wait: not waited for
            }
            let (line, _) = cx.file(origin.file).line_col(wait);
            let msg = format!(
                "goroutine sends on unbuffered channel `{}` and blocks forever: the receiver calls Wait at line {line} before it receives, and that Wait needs this goroutine's Done, which comes after the send",
                ch.name
            );
            let d = Diagnostic::new(code, send.span, msg)
                .in_function(&send.function)
                .with_related(
                    origin.make,
                    format!("`{}` is made unbuffered here", ch.name),
                )
                .with_related(
                    word_at(src, wait),
                    "waits for the senders before receiving from them",
                );
            return Some(FileDiagnostic {
                file: origin.file,
                diagnostic: d,
            });
        }
    }
    None
}

/// `x.Done()` / `x.Wait()` on a `sync.WaitGroup`: the WaitGroup's identity.
pub(crate) fn waitgroup_call(
    c: &CallExpr,
    view: &FileView,
    src: &str,
    method: &str,
) -> Option<Identity> {
    let Expr::Selector(sel) = c.fun.unparen() else {
        return None;
    };
    if !c.args.is_empty() || sel.sel.name(src) != method {
        return None;
    }
    let m = view.model();
    let t = view.type_of(&sel.x)?;
    if !m.is_named(m.deref(t), "sync", "WaitGroup") {
        return None;
    }
    let o = view.object_of_expr(&sel.x)?;
    Some(m.identity(o))
}

/// WaitGroups whose `Done` runs after the send at offset `send` on the
/// send's own path, and none before it there: a `Done` later in a
/// statement list around the send (before any `return` there), or a
/// deferred one; less any WaitGroup whose `Done` is a statement before
/// the send in one of those lists (that path is done before it sends).
pub(crate) fn dones_after(
    body: &BlockStmt,
    send: u32,
    view: &FileView,
    src: &str,
) -> Vec<Identity> {
    let mut levels = Vec::new();
    enclosing_lists(&body.list, send, &mut levels);
    let done_in = |n: Node, out: &mut Vec<Identity>| {
        inspect(n, &mut |m| {
            if let Node::Call(c) = m {
                if let Some(w) = waitgroup_call(c, view, src, "Done") {
                    out.push(w);
                }
            }
            !matches!(m, Node::Expr(Expr::FuncLit(_)))
        });
    };
    let mut before = Vec::new();
    let mut after = Vec::new();
    let mut reaches = true;
    // Innermost list first: what follows the send there runs first.
    for (list, at) in levels.iter().rev() {
        for s in &list[..*at] {
            if let Stmt::Expr(e) = s {
                done_in(Node::expr(e), &mut before);
            }
        }
        for s in list.iter().skip(at + 1) {
            if !reaches {
                break;
            }
            if !matches!(s, Stmt::Defer(_)) {
                done_in(Node::stmt(s), &mut after);
            }
            reaches = !matches!(s, Stmt::Return(_));
        }
    }
    inspect(Node::Block(body), &mut |n| {
        match n {
            Node::Stmt(Stmt::Defer(d)) => {
                done_in(Node::Call(&d.call), &mut after);
                if let Expr::FuncLit(l) = d.call.fun.unparen() {
                    done_in(Node::Block(&l.body), &mut after);
                }
                return false;
            }
            Node::Expr(Expr::FuncLit(_)) => return false,
            _ => {}
        }
        true
    });
    after.retain(|w| !before.contains(w));
    after
}

/// The statement lists from `list` inward that hold the statement at
/// offset `at`, each with the index of the statement holding it (not
/// into function literals).
fn enclosing_lists<'a>(list: &'a [Stmt], at: u32, out: &mut Vec<(&'a [Stmt], usize)>) {
    let Some(i) = list.iter().position(|s| s.pos() <= at && at < s.end()) else {
        return;
    };
    out.push((list, i));
    let inner = crate::syntax::inner_lists(&list[i]);
    for l in inner {
        if l.iter().any(|s| s.pos() <= at && at < s.end()) {
            enclosing_lists(l, at, out);
            return;
        }
    }
}

/// A `wg.Wait()` of the maker's own flow (not in a literal) before offset
/// `before`, on the WaitGroup `wg`.
fn wait_before(maker: &Func, view: &FileView, src: &str, wg: Identity, before: u32) -> Option<u32> {
    let mut at = None;
    inspect(Node::Block(maker.body), &mut |n| {
        match n {
            Node::Expr(Expr::FuncLit(_)) => return false,
            Node::Call(c)
                if c.pos() < before && waitgroup_call(c, view, src, "Wait") == Some(wg) =>
            {
                at = Some(c.pos());
            }
            _ => {}
        }
        at.is_none()
    });
    at
}
