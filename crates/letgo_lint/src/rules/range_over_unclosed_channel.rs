//! LG104 range-over-unclosed-channel.

use crate::channels::{ChannelKind, OpKind};
use crate::context::{FileDiagnostic, PackageContext};
use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

pub const RULE: Rule = Rule {
    code: "LG104",
    name: "range-over-unclosed-channel",
    summary: "`for range ch` over a local channel that nothing closes",
    doc: DOC,
    check,
};

const DOC: &str = r#"# LG104 range-over-unclosed-channel

## What it does
Flags `for v := range ch` over a channel made in a function, when nothing
that can see the channel (the function, its goroutines, the same-package
functions it is handed to) ever closes it.

Calls are seen through: a channel handed to a function value, an
interface method, a function of another package of the module or a chain
of calls deeper than four is judged by those callees' summaries over the
call graph (what each sends, receives, closes or ranges over, by
parameter). A range inside such a callee is reported at the call that
hands the channel over. A callee out of view (another module, an
interface with no implementation in view, a function value of unknown
origin, a callee that stores the channel) means no finding.

## Why is this bad?
A range over a channel ends only when the channel is closed. Once the
senders are done, the ranging goroutine waits forever; made per call, the
channel leaks one goroutine per call. Channels of a package-level worker
pool, meant to live as long as the process, are not flagged.

## Example
```go
func sum(xs []int) int {
	ch := make(chan int)
	go func() {
		for _, x := range xs {
			ch <- x
		}
	}()
	total := 0
	for v := range ch { // never ends: ch is never closed
		total += v
	}
	return total
}
```

## Use instead
```go
	go func() {
		defer close(ch)
		for _, x := range xs {
			ch <- x
		}
	}()
```

## Fix safety
No automatic fix: where the last send happens is for the author to say.
"#;

/// Whether the body of the range loop at `op` can leave it (a `break` on
/// a sentinel, a `return`, `t.Fatal`): then it need not end by a close.
fn body_leaves(cx: &PackageContext, op: &crate::channels::Op) -> bool {
    let sf = cx.file(op.file);
    let mut leaves = false;
    letgo_go::visit::inspect(letgo_go::visit::Node::File(&sf.ast), &mut |n| {
        if let letgo_go::visit::Node::Stmt(letgo_go::ast::Stmt::Range(r)) = n {
            if r.x.pos() == op.span.start {
                leaves = crate::syntax::loop_exit(&r.body, &sf.src).is_some();
            }
        }
        !leaves
    });
    leaves
}

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    for ch in cx.channels() {
        if ch.kind != ChannelKind::Local || !ch.senders_in_view() || ch.has(OpKind::Close) {
            continue;
        }
        let Some(range) = ch.ops_of(OpKind::Range).find(|r| !body_leaves(cx, r)) else {
            continue;
        };
        let msg = match range.through_call {
            false => format!("range over `{}` never ends: nothing closes it", ch.name),
            true => format!(
                "the callee's range over `{}` (handed over here) never ends: nothing closes it",
                ch.name
            ),
        };
        out.push(FileDiagnostic {
            file: range.file,
            diagnostic: with_made(
                Diagnostic::new(RULE.code, range.span, msg).in_function(&range.function),
                ch.made_in(range.file),
                format!("`{}` is made here; nothing closes it", ch.name),
            ),
        });
    }
}

fn with_made(d: Diagnostic, made: Option<letgo_go::ast::Span>, label: String) -> Diagnostic {
    match made {
        Some(span) => d.with_related(span, label),
        None => d,
    }
}
