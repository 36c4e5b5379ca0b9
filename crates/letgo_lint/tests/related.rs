//! Blocking findings point where the goroutine blocks, in its frame, with
//! the cause as related places: checked on the rules' own fixtures.

mod common;

use letgo_lint::engine::Finding;

/// The findings of rule `code` over its own fixtures.
fn fixture(code: &str) -> (letgo_go::load::Program, Vec<Finding>) {
    let dir = common::workspace_root()
        .join("crates/letgo_lint/tests/fixtures")
        .join(code.to_lowercase());
    common::run(&dir, &[code])
}

/// The finding in the function whose trace name ends with `suffix`.
fn in_function<'f>(findings: impl IntoIterator<Item = &'f Finding>, suffix: &str) -> &'f Finding {
    findings
        .into_iter()
        .find(|f| {
            f.diagnostic
                .function
                .as_deref()
                .is_some_and(|n| n.ends_with(suffix))
        })
        .unwrap_or_else(|| panic!("no finding in a function ending {suffix}"))
}

fn text<'p>(
    program: &'p letgo_go::load::Program,
    f: &Finding,
    span: letgo_go::ast::Span,
) -> &'p str {
    &f.source_file(program).src[span.start as usize..span.end as usize]
}

#[test]
fn abandoned_senders_point_at_the_send_in_the_goroutine() {
    let (program, findings) = fixture("LG103");
    assert!(findings.len() >= 6, "{findings:#?}");
    // A send whose only receiver is a loop that can leave: the send,
    // where it blocks, in the function it is written in (a method called
    // from anywhere), and the loop's exit as the related place.
    let (looped, findings): (Vec<_>, Vec<_>) = findings
        .iter()
        .partition(|f| f.diagnostic.message.contains("its only receiver, the loop"));
    assert!(looped.len() >= 4, "{looped:#?}");
    for f in &looped {
        let d = &f.diagnostic;
        assert!(
            text(&program, f, d.span).contains("<-"),
            "not a send: {d:?}"
        );
        let exit = &d.related[0];
        assert!(
            ["return", "break"].contains(&text(&program, f, exit.span)),
            "{d:?}"
        );
        assert!(exit.message.contains("leaves here"), "{d:?}");
    }
    let ask = in_function(looped.iter().copied(), ".(*service).Ask");
    assert_eq!(text(&program, ask, ask.diagnostic.span), "s.reqs <- r");
    for f in &findings {
        let d = &f.diagnostic;
        assert!(
            text(&program, f, d.span).contains("<-"),
            "not a send: {d:?}"
        );
        let function = d.function.as_deref().unwrap();
        // A closure's frame is `pkg.F.funcN`; a sender started by name
        // (`go c.produce(ch)`, calls.go), or a callee the started literal
        // sends in (`produce(ctx, n, items)`, rangeleft.go), is that
        // function's frame.
        assert!(
            function.contains(".func")
                || function.ends_with(".produce")
                || function.ends_with(").produce"),
            "the goroutine's frame: {function}"
        );
        let make = &d.related[0];
        assert!(text(&program, f, make.span).starts_with("make("), "{d:?}");
        assert!(make.message.contains("is made"), "{d:?}");
        assert_eq!(d.related.len(), 2, "{d:?}");
        // The fix still edits the `make`.
        if let Some(fix) = &d.fix {
            assert_eq!(fix.edits[0].span, make.span);
        }
    }
    let fetch = in_function(findings.iter().copied(), ".fetchCtx.func1");
    let exit = &fetch.diagnostic.related[1];
    assert_eq!(text(&program, fetch, exit.span), "return");
    assert_eq!(exit.message, "this return leaves without receiving");
}

#[test]
fn a_double_lock_through_a_call_points_at_the_callee_lock() {
    let (program, findings) = fixture("LG111");
    let evict = in_function(&findings, ".(*store).evict");
    let d = &evict.diagnostic;
    assert_eq!(text(&program, evict, d.span), "s.mu.Lock()");
    let related: Vec<&str> = d
        .related
        .iter()
        .map(|r| text(&program, evict, r.span))
        .collect();
    assert_eq!(related, ["s.mu.Lock()", "s.evict()"]);
}

#[test]
fn a_callee_in_another_file_gets_the_finding_and_the_caller_is_related() {
    let (program, findings) = fixture("LG111");
    let flush = in_function(&findings, ".(*ledger).flush");
    let files = &program.packages[flush.package].files;
    let name = |i: usize| {
        files[i]
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    assert_eq!(name(flush.file), "crossfile_callee.go");
    for r in &flush.diagnostic.related {
        let caller = r.file.expect("in the caller's file");
        assert_eq!(name(caller), "crossfile_caller.go");
        let text = &files[caller].src[r.span.start as usize..r.span.end as usize];
        assert!(["l.mu.Lock()", "l.flush()"].contains(&text), "{text}");
    }
    assert_eq!(flush.diagnostic.related.len(), 2);
}

#[test]
fn a_lock_left_held_names_where_the_next_taker_waits() {
    let (program, findings) = fixture("LG110");
    let stop = in_function(&findings, ".(*listener).stop");
    let d = &stop.diagnostic;
    let taker = d
        .related
        .iter()
        .find(|r| r.message.contains("waits forever"))
        .expect("the next taker");
    assert_eq!(text(&program, stop, taker.span), "s.mu.Lock()");
    let (line, _) = stop.source_file(&program).line_col(taker.span.start);
    let serve_line = stop
        .source_file(&program)
        .src
        .lines()
        .position(|l| l.contains("func (s *listener) serve()"))
        .unwrap()
        + 2;
    assert_eq!(line as usize, serve_line);
}

#[test]
fn a_recursive_read_lock_names_the_writer() {
    let (program, findings) = fixture("LG112");
    let run = in_function(&findings, ".(*executor).run");
    let writers: Vec<&str> = run
        .diagnostic
        .related
        .iter()
        .filter(|r| r.message.starts_with("a writer"))
        .map(|r| text(&program, run, r.span))
        .collect();
    assert_eq!(writers, ["e.mu.Lock()"]);
}

#[test]
fn a_lost_cancel_in_a_field_names_the_goroutine_waiting_on_done() {
    let (program, findings) = fixture("LG106");
    let stored: Vec<_> = findings
        .iter()
        .filter(|f| f.source_file(&program).path.ends_with("field_waiter.go"))
        .collect();
    assert_eq!(stored.len(), 2, "{stored:#?}");
    for f in stored {
        let d = &f.diagnostic;
        assert_eq!(d.related.len(), 1, "{d:?}");
        assert_eq!(text(&program, f, d.related[0].span), "<-ctx.Done()");
        assert!(d.related[0].message.contains("waits here"), "{d:?}");
    }
}

#[test]
fn a_lock_held_across_a_wait_names_where_the_partner_waits_for_the_lock() {
    let (program, findings) = fixture("LG114");
    let stop = in_function(&findings, ".(*broadcaster).stop");
    let d = &stop.diagnostic;
    assert_eq!(text(&program, stop, d.span), "<-b.done");
    let labels: Vec<(&str, &str)> = d
        .related
        .iter()
        .map(|r| (text(&program, stop, r.span), r.message.as_str()))
        .collect();
    // The lock, the deferred close, and the worker's call that takes the
    // lock on each pass: where its goroutine waits.
    assert!(
        labels.contains(&(
            "b.merge(v)",
            "the partner's goroutine waits here for `b.mu`"
        )),
        "{labels:?}"
    );
    assert!(
        labels.iter().any(|(t, _)| *t == "close(b.done)"),
        "{labels:?}"
    );
}

/// The lines a finding names as bystanders, and the lines of its file
/// marked `// bystander`.
fn bystanders(program: &letgo_go::load::Program, f: &Finding) -> (Vec<u32>, Vec<u32>) {
    let sf = f.source_file(program);
    let mut named: Vec<u32> = f
        .diagnostic
        .related
        .iter()
        .filter(|r| r.message.starts_with("waits here forever too"))
        .map(|r| {
            assert_eq!(r.file, None, "{r:?}");
            sf.line_col(r.span.start).0
        })
        .collect();
    named.sort();
    let marked: Vec<u32> = sf
        .src
        .lines()
        .enumerate()
        .filter(|(_, l)| l.ends_with("// bystander"))
        .map(|(i, _)| i as u32 + 1)
        .collect();
    (named, marked)
}

/// A goroutine blocked forever takes down its bystanders: the other
/// goroutines' `Lock` of what it holds, the `Wait` for its skipped
/// `Done`, the receive for the `close` it never reaches. Exactly the
/// lines marked `// bystander` in the fixture are named, and only those.
#[test]
fn a_blocked_goroutine_names_its_bystanders() {
    let (program, findings) = fixture("LG107");
    let f = in_function(&findings, ".runMeter.func1");
    let (named, marked) = bystanders(&program, f);
    assert_eq!(marked.len(), 5);
    assert_eq!(named, marked, "{:#?}", f.diagnostic.related);
}

/// A read lock held forever by a caller (reached through an interface)
/// blocks the writer, and the writer waiting blocks every new reader.
#[test]
fn a_read_lock_held_forever_names_the_writer_and_the_readers_behind_it() {
    let (program, findings) = fixture("LG118");
    let f = in_function(&findings, ".(*condSource).NextReading");
    let (named, marked) = bystanders(&program, f);
    assert_eq!(marked.len(), 3);
    assert_eq!(named, marked, "{:#?}", f.diagnostic.related);
}

/// `cond.Wait` lets go of the Cond's lock while it waits: another
/// goroutine's `Lock` of that lock is not blocked by the waiter.
#[test]
fn a_cond_wait_names_no_taker_of_the_lock_it_releases() {
    let (program, findings) = fixture("LG118");
    let f = in_function(&findings, ".startAndWait");
    let (named, _) = bystanders(&program, f);
    assert_eq!(named, Vec::<u32>::new(), "{:#?}", f.diagnostic.related);
}

/// A literal run through a function value is still running in the
/// function that calls it: its deferred `close` of the channel it
/// returns never runs, and the receive from the channel that very call
/// returned waits forever.
#[test]
fn a_literal_run_through_a_parameter_names_the_receive_of_the_returned_channel() {
    let (program, findings) = fixture("LG118");
    let f = in_function(&findings, ".(*tollgate).await.func1");
    let (named, marked) = bystanders(&program, f);
    assert_eq!(marked.len(), 1);
    assert_eq!(named, marked, "{:#?}", f.diagnostic.related);
}

/// A deferred same-package call that calls `Done` on a field's
/// WaitGroup never runs in a goroutine blocked below it: the `Wait`
/// on that WaitGroup waits forever.
#[test]
fn a_deferred_callee_done_names_the_wait() {
    let (program, findings) = fixture("LG118");
    let f = in_function(&findings, ".(*crew).gather.func1");
    let (named, marked) = bystanders(&program, f);
    assert_eq!(marked.len(), 1);
    assert_eq!(named, marked, "{:#?}", f.diagnostic.related);
}
