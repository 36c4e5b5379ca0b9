//! LG102 select-without-exit.

use crate::channels::{Channel, Op, OpKind};
use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::registry::Rule;
use crate::rules::nil_channel_op;
use letgo_go::ast::Span;
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    code: "LG102",
    name: "select-without-exit",
    summary: "a `select` whose every case can block forever",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG102 select-without-exit

## What it does
Flags a `select` without `default` whose every case is a receive from a
channel nothing sends to or closes, or a send on a channel nothing
receives from — with no `ctx.Done()` and no timer among its cases. A
`select` whose every case is on a channel the package never makes is
LG108's.

## Why is this bad?
Such a `select` can never proceed: the goroutine waits in it forever,
with everything it references.

## Example
```go
type worker struct{ jobs, quit chan int }

func (w *worker) loop() {
	for {
		select {
		case j := <-w.jobs: // nothing sends on jobs
			handle(j)
		case <-w.quit: // nothing closes quit
			return
		}
	}
}
```

## Use instead
Close `quit` when the worker must stop (or add a `case <-ctx.Done():`),
and send the jobs that the worker is there to do.

## Fix safety
No automatic fix: the missing partner is a design decision.
"#;

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    for (file, pos, cases) in blocked_selects(cx) {
        if nil_channel_op::flags_at(cx, file, pos) {
            continue; // every case on a channel never made: LG108's
        }
        let first = cases[0].0;
        let names: Vec<String> = cases
            .iter()
            .map(|(_, ch)| format!("`{}`", ch.name))
            .collect();
        let msg = format!(
            "select blocks forever: no case can proceed ({} have no partner in view)",
            names.join(", ")
        );
        let span = Span::new(pos, pos + "select".len() as u32);
        let mut d = Diagnostic::new(RULE.code, span, msg).in_function(&first.function);
        // Each case, and the `make` of each local channel, explain why.
        for (op, ch) in &cases {
            let verb = if op.kind == OpKind::Send {
                "nothing receives from"
            } else {
                "nothing sends to or closes"
            };
            d = d.with_related(op.span, format!("{verb} `{}`", ch.name));
        }
        for (_, ch) in &cases {
            if let Some(make) = ch.made_in(file) {
                d = d.with_related(make, format!("`{}` is made here", ch.name));
            }
        }
        out.push(FileDiagnostic {
            file,
            diagnostic: d,
        });
    }
}

/// The selects this rule flags, as (file, offset of `select`, cases):
/// other rules (LG116) leave them to it.
pub(crate) type Blocked<'c> = (usize, u32, Vec<(&'c Op, &'c Channel)>);

pub(crate) fn blocked_selects<'c>(cx: &'c PackageContext) -> Vec<Blocked<'c>> {
    // Every case of every select, by the select's position.
    let mut selects: BTreeMap<(usize, u32), Vec<(&Op, &Channel)>> = BTreeMap::new();
    for ch in cx.channels() {
        for op in &ch.ops {
            if let Some(sel) = op.select {
                selects
                    .entry((op.file, sel.select_pos))
                    .or_default()
                    .push((op, ch));
            }
        }
    }
    let mut out = Vec::new();
    for ((file, pos), cases) in selects {
        let Some(&(first, _)) = cases.first() else {
            continue;
        };
        let sel = first.select.expect("grouped by select");
        let all_cases_seen = cases.len() == sel.other_cases + 1;
        if sel.has_default || !all_cases_seen || cases.len() < 2 {
            continue;
        }
        if cases.iter().all(|(op, ch)| lacks_partner(op, ch)) {
            out.push((file, pos, cases));
        }
    }
    out
}

pub(crate) fn lacks_partner(op: &Op, ch: &Channel) -> bool {
    match op.kind {
        OpKind::Recv => ch.senders_in_view() && !ch.has(OpKind::Send) && !ch.has(OpKind::Close),
        OpKind::Send => ch.receivers_in_view() && !ch.has(OpKind::Recv) && !ch.has(OpKind::Range),
        OpKind::Close | OpKind::Range => false,
    }
}
