//! Is a goroutine group a proven leak, a suspect, benign, or ordinary?
//!
//! - **Proven leak**: Go's garbage collector proved its goroutines can
//!   never run again (a `goroutineleak` profile lists them, or a traceback
//!   marks them `(leaked)`; Go 1.26 with an experiment, Go 1.27).
//! - **Benign**: blocked where programs wait by design; see
//!   [`BenignFrames::default`] for the list.
//! - **Suspect**: blocked on a channel, `select` or `sync` primitive, and
//!   many (a pile-up), or waiting long, or growing between snapshots. Growth
//!   is the strongest of the three signals: a count that is merely large
//!   may be a busy pool, and `N minutes` is measured from a GC before the
//!   block began, so it over-reports (and leaked goroutines print none).
//! - **Ordinary**: anything else (running, sleeping, a few goroutines
//!   briefly blocked).

use letgo_pprof::WaitKind;

use crate::frames::SiteFrame;
use crate::growth::{Growth, GrowthRule};

/// Frames that mark a goroutine as waiting by design. A group is benign
/// when one of its frames, from the innermost up to and including its
/// first frame in user code, starts with one of these prefixes: so the
/// HTTP server's accept loop is benign, but a handler blocked inside a
/// connection's goroutine is not, because the handler is user code below
/// `net/http.(*conn).serve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenignFrames {
    /// Function-name prefixes, as Go prints functions.
    pub prefixes: Vec<String>,
}

impl Default for BenignFrames {
    /// The default list, with why each is benign:
    ///
    /// | prefix | why |
    /// | --- | --- |
    /// | `runtime.gcBgMarkWorker`, `runtime.bgsweep`, `runtime.bgscavenge`, `runtime.forcegchelper` | GC workers, one set per process |
    /// | `runtime.runfinq`, `runtime.runCleanups`, `runtime.unique_runtime_registerUniqueMapCleanup` | finalizer and cleanup goroutines |
    /// | `runtime.ensureSigM`, `os/signal.` | signal handling |
    /// | `runtime/pprof.`, `runtime/trace.` | the profiler writing this very profile |
    /// | `net/http.(*Server).Serve`, `net/http.(*conn).serve`, `net/http.(*connReader).backgroundRead` | the HTTP server's accept loop and idle keep-alive connections |
    /// | `net/http.(*persistConn).readLoop`, `net/http.(*persistConn).writeLoop` | the HTTP client's idle keep-alive connections |
    /// | `testing.` | the test runner |
    fn default() -> Self {
        let prefixes = [
            "runtime.gcBgMarkWorker",
            "runtime.bgsweep",
            "runtime.bgscavenge",
            "runtime.forcegchelper",
            "runtime.runfinq",
            "runtime.runCleanups",
            "runtime.unique_runtime_registerUniqueMapCleanup",
            "runtime.ensureSigM",
            "os/signal.",
            "runtime/pprof.",
            "runtime/trace.",
            "net/http.(*Server).Serve",
            "net/http.(*conn).serve",
            "net/http.(*connReader).backgroundRead",
            "net/http.(*persistConn).readLoop",
            "net/http.(*persistConn).writeLoop",
            "testing.",
        ];
        BenignFrames {
            prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
        }
    }
}

impl BenignFrames {
    /// The prefix that makes this stack benign, if any.
    pub fn matching(&self, frames: &[SiteFrame]) -> Option<&str> {
        for frame in frames {
            if let Some(p) = self
                .prefixes
                .iter()
                .find(|p| frame.function.starts_with(p.as_str()))
            {
                return Some(p);
            }
            if !frame.is_std() {
                return None;
            }
        }
        None
    }
}

/// When a goroutine group is suspect.
#[derive(Debug, Clone, PartialEq)]
pub struct SuspectRule {
    /// Goroutines blocked at one site that make a pile-up.
    pub pileup_count: u64,
    /// Minutes of waiting that count as long.
    pub long_wait_minutes: u64,
    /// When a group's count, snapshot after snapshot, counts as growing.
    pub growth: GrowthRule,
}

impl Default for SuspectRule {
    fn default() -> Self {
        SuspectRule {
            pileup_count: 100,
            long_wait_minutes: 10,
            growth: GrowthRule {
                min_increase: 10.0,
                alpha: 0.05,
            },
        }
    }
}

/// How sure letgo is about a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Go proved the goroutines can never run again.
    ProvenLeak,
    /// Blocked, and many, long-waiting or growing.
    Suspect,
    /// Nothing remarkable.
    Ordinary,
    /// Waiting by design.
    Benign,
}

/// One piece of evidence behind a verdict.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Listed by a `goroutineleak` profile or marked `(leaked)`.
    ProvenByGo {
        /// How many of the group's goroutines were proven.
        leaked: u64,
    },
    /// Its count rose between snapshots (the strongest signal).
    Growing(Growth),
    /// At least [`SuspectRule::pileup_count`] goroutines blocked here.
    Pileup {
        /// The count.
        count: u64,
    },
    /// Some waited at least [`SuspectRule::long_wait_minutes`].
    LongWait {
        /// The longest wait printed.
        minutes: u64,
    },
    /// Blocked on a nil channel: nothing can ever wake it.
    NilChannel,
    /// A benign frame.
    Benign {
        /// The prefix that matched.
        prefix: String,
    },
}

/// Whether goroutines in this state wait for another goroutine, which may
/// never come.
pub fn is_blocked(kind: WaitKind) -> bool {
    matches!(
        kind,
        WaitKind::ChanReceive
            | WaitKind::ChanSend
            | WaitKind::ChanReceiveNil
            | WaitKind::ChanSendNil
            | WaitKind::Select
            | WaitKind::SelectNoCases
            | WaitKind::Lock
            | WaitKind::RLock
            | WaitKind::CondWait
            | WaitKind::WaitGroupWait
            | WaitKind::Semacquire
    )
}

/// What is known about a group, for [`classify`].
#[derive(Debug, Clone, Copy)]
pub struct GroupFacts<'a> {
    /// Its state's class.
    pub kind: WaitKind,
    /// Its frames.
    pub frames: &'a [SiteFrame],
    /// Goroutines in the latest snapshot.
    pub count: u64,
    /// Proven leaked goroutines.
    pub leaked: u64,
    /// The longest wait printed.
    pub max_minutes: Option<u64>,
    /// Its counts across snapshots, if more than one.
    pub growth: Option<&'a Growth>,
}

/// Decides the verdict and gives the reasons, strongest first.
pub fn classify(
    facts: &GroupFacts<'_>,
    benign: &BenignFrames,
    rule: &SuspectRule,
) -> (Verdict, Vec<Reason>) {
    let mut reasons = Vec::new();
    if facts.leaked > 0 {
        reasons.push(Reason::ProvenByGo {
            leaked: facts.leaked,
        });
    }
    if let Some(prefix) = benign.matching(facts.frames) {
        if reasons.is_empty() {
            let prefix = prefix.to_string();
            return (Verdict::Benign, vec![Reason::Benign { prefix }]);
        }
    }
    if is_blocked(facts.kind) {
        suspect_reasons(facts, rule, &mut reasons);
    }
    let verdict = match reasons.first() {
        Some(Reason::ProvenByGo { .. }) => Verdict::ProvenLeak,
        Some(_) => Verdict::Suspect,
        None => Verdict::Ordinary,
    };
    (verdict, reasons)
}

fn suspect_reasons(facts: &GroupFacts<'_>, rule: &SuspectRule, reasons: &mut Vec<Reason>) {
    if let Some(g) = facts.growth.filter(|g| g.growing) {
        reasons.push(Reason::Growing(g.clone()));
    }
    if matches!(facts.kind, WaitKind::ChanReceiveNil | WaitKind::ChanSendNil) {
        reasons.push(Reason::NilChannel);
    }
    if facts.count >= rule.pileup_count {
        reasons.push(Reason::Pileup { count: facts.count });
    }
    if let Some(minutes) = facts.max_minutes.filter(|&m| m >= rule.long_wait_minutes) {
        reasons.push(Reason::LongWait { minutes });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(names: &[&str]) -> Vec<SiteFrame> {
        names
            .iter()
            .map(|n| SiteFrame {
                function: (*n).into(),
                file: "f.go".into(),
                line: 1,
            })
            .collect()
    }

    fn facts<'a>(kind: WaitKind, frames: &'a [SiteFrame], count: u64) -> GroupFacts<'a> {
        GroupFacts {
            kind,
            frames,
            count,
            leaked: 0,
            max_minutes: None,
            growth: None,
        }
    }

    #[test]
    fn accept_loop_is_benign_but_a_blocked_handler_is_not() {
        let benign = BenignFrames::default();
        let accept = frames(&[
            "internal/poll.(*FD).Accept",
            "net/http.(*Server).Serve",
            "main.main",
        ]);
        let handler = frames(&[
            "main.handle",
            "net/http.HandlerFunc.ServeHTTP",
            "net/http.(*conn).serve",
        ]);
        let rule = SuspectRule::default();
        let (v, _) = classify(&facts(WaitKind::IoWait, &accept, 1), &benign, &rule);
        assert_eq!(v, Verdict::Benign);
        let (v, reasons) = classify(&facts(WaitKind::ChanSend, &handler, 500), &benign, &rule);
        assert_eq!(v, Verdict::Suspect);
        assert_eq!(reasons, vec![Reason::Pileup { count: 500 }]);
    }

    #[test]
    fn proof_beats_everything_and_small_groups_are_ordinary() {
        let benign = BenignFrames::default();
        let rule = SuspectRule::default();
        let stack = frames(&["main.worker"]);
        let mut f = facts(WaitKind::ChanReceive, &stack, 3);
        assert_eq!(classify(&f, &benign, &rule).0, Verdict::Ordinary);
        f.max_minutes = Some(15);
        assert_eq!(
            classify(&f, &benign, &rule),
            (Verdict::Suspect, vec![Reason::LongWait { minutes: 15 }])
        );
        f.leaked = 3;
        assert_eq!(classify(&f, &benign, &rule).0, Verdict::ProvenLeak);
        let sleeping = facts(WaitKind::Sleep, &stack, 1000);
        assert_eq!(classify(&sleeping, &benign, &rule).0, Verdict::Ordinary);
    }

    #[test]
    fn the_benign_list_is_configurable() {
        let mut benign = BenignFrames::default();
        let stack = frames(&["example.com/pool.(*P).worker"]);
        let rule = SuspectRule::default();
        let f = facts(WaitKind::ChanReceive, &stack, 1000);
        assert_eq!(classify(&f, &benign, &rule).0, Verdict::Suspect);
        benign.prefixes.push("example.com/pool.".into());
        assert_eq!(classify(&f, &benign, &rule).0, Verdict::Benign);
    }
}
