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

fn check(cx: &PackageContext, out: &mut Vec<FileDiagnostic>) {
    for ch in cx.channels() {
        if ch.kind != ChannelKind::Local || !ch.senders_in_view() || ch.has(OpKind::Close) {
            continue;
        }
        let Some(range) = ch.ops_of(OpKind::Range).next() else {
            continue;
        };
        let msg = format!("range over `{}` never ends: nothing closes it", ch.name);
        out.push(FileDiagnostic {
            file: range.file,
            diagnostic: Diagnostic::new(RULE.code, range.span, msg).in_function(&range.function),
        });
    }
}
