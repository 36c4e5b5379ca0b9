//! Is a goroutine group a proven leak, a suspect, parked, benign, or
//! ordinary?
//!
//! - **Proven leak**: Go's garbage collector proved its goroutines can
//!   never run again (a `goroutineleak` profile lists them, or a traceback
//!   marks them `(leaked)`; Go 1.26 with an experiment, Go 1.27).
//! - **Benign**: blocked where programs wait by design; see
//!   [`BenignFrames::default`] for the list.
//! - **Suspect**, without a proof, only on evidence that says "leak":
//!   its count rises across snapshots (a trend, the strongest signal), or
//!   its goroutines wait on something nothing can reach: a nil channel,
//!   a `select` with no cases, or a lock held for minutes (a mutex is held
//!   for microseconds; a holder that keeps it that long is itself stuck).
//! - **Parked**: many goroutines blocked at one site, or waiting long,
//!   whose count stays flat: an idle worker pool, pipe readers, waiters.
//!   Worth knowing (info), not a leak: a fixed count or age alone proves
//!   nothing, and flagging them buried real leaks under idle pools.
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

/// When a goroutine group is suspect, or parked.
#[derive(Debug, Clone, PartialEq)]
pub struct SuspectRule {
    /// Goroutines blocked at one site, flat, that are shown as parked.
    pub pileup_count: u64,
    /// Minutes of waiting that make a flat group parked.
    pub long_wait_minutes: u64,
    /// Minutes of waiting on a `sync.Mutex` or `RWMutex` that make a
    /// group suspect: its holder is not letting go.
    pub lock_wait_minutes: u64,
    /// When a group's count, snapshot after snapshot, counts as growing.
    pub growth: GrowthRule,
}

impl Default for SuspectRule {
    fn default() -> Self {
        SuspectRule {
            pileup_count: 100,
            long_wait_minutes: 10,
            lock_wait_minutes: 1,
            growth: GrowthRule {
                min_increase: 5.0,
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
    /// Growing, or blocked on something nothing can reach.
    Suspect,
    /// Many or long-waiting, but flat: waiting by design, most likely.
    Parked,
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
    /// At least [`SuspectRule::pileup_count`] goroutines blocked here
    /// (a parked group's fact, not a suspect's).
    Pileup {
        /// The count.
        count: u64,
    },
    /// Some waited at least [`SuspectRule::long_wait_minutes`] (a parked
    /// group's fact).
    LongWait {
        /// The longest wait printed.
        minutes: u64,
    },
    /// Blocked on a nil channel: nothing can ever wake it.
    NilChannel,
    /// In a `select` with no cases: nothing can ever wake it.
    NoCases,
    /// Waiting on a lock for at least [`SuspectRule::lock_wait_minutes`].
    LockHeld {
        /// The longest wait printed.
        minutes: u64,
    },
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
    // A state that is not known (a `debug=1` profile lists no runtime
    // frames to tell it by) may still be judged by its trend.
    if is_blocked(facts.kind) || facts.kind == WaitKind::Other {
        suspect_reasons(facts, rule, &mut reasons);
    }
    if reasons.is_empty() && is_blocked(facts.kind) {
        let parked = parked_reasons(facts, rule);
        if !parked.is_empty() {
            return (Verdict::Parked, parked);
        }
    }
    let verdict = match reasons.first() {
        Some(Reason::ProvenByGo { .. }) => Verdict::ProvenLeak,
        Some(_) => Verdict::Suspect,
        None => Verdict::Ordinary,
    };
    (verdict, reasons)
}

/// What says "leak" without a proof: a rising count, or a wait nothing
/// can end.
fn suspect_reasons(facts: &GroupFacts<'_>, rule: &SuspectRule, reasons: &mut Vec<Reason>) {
    if let Some(g) = facts.growth.filter(|g| g.growing) {
        reasons.push(Reason::Growing(g.clone()));
    }
    match facts.kind {
        WaitKind::ChanReceiveNil | WaitKind::ChanSendNil => reasons.push(Reason::NilChannel),
        WaitKind::SelectNoCases => reasons.push(Reason::NoCases),
        WaitKind::Lock | WaitKind::RLock => {
            if let Some(minutes) = facts.max_minutes.filter(|&m| m >= rule.lock_wait_minutes) {
                reasons.push(Reason::LockHeld { minutes });
            }
        }
        _ => {}
    }
}

/// Why a flat group is worth showing: many goroutines, or long waits.
fn parked_reasons(facts: &GroupFacts<'_>, rule: &SuspectRule) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if facts.count >= rule.pileup_count {
        reasons.push(Reason::Pileup { count: facts.count });
    }
    if let Some(minutes) = facts.max_minutes.filter(|&m| m >= rule.long_wait_minutes) {
        reasons.push(Reason::LongWait { minutes });
    }
    reasons
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
        assert_eq!(v, Verdict::Parked, "many but flat");
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
            (Verdict::Parked, vec![Reason::LongWait { minutes: 15 }])
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
        assert_eq!(classify(&f, &benign, &rule).0, Verdict::Parked);
        benign.prefixes.push("example.com/pool.".into());
        assert_eq!(classify(&f, &benign, &rule).0, Verdict::Benign);
    }

    #[test]
    fn waits_nothing_can_end_are_suspect_at_any_count() {
        let benign = BenignFrames::default();
        let rule = SuspectRule::default();
        let stack = frames(&["main.stuck"]);
        let nil = facts(WaitKind::ChanReceiveNil, &stack, 2);
        assert_eq!(
            classify(&nil, &benign, &rule),
            (Verdict::Suspect, vec![Reason::NilChannel])
        );
        let empty = facts(WaitKind::SelectNoCases, &stack, 1);
        assert_eq!(
            classify(&empty, &benign, &rule),
            (Verdict::Suspect, vec![Reason::NoCases])
        );
        let mut lock = facts(WaitKind::Lock, &stack, 10);
        assert_eq!(
            classify(&lock, &benign, &rule).0,
            Verdict::Ordinary,
            "under a minute"
        );
        lock.max_minutes = Some(2);
        assert_eq!(
            classify(&lock, &benign, &rule),
            (Verdict::Suspect, vec![Reason::LockHeld { minutes: 2 }])
        );
        // A channel waited on for long, flat: parked, not suspect.
        let mut idle = facts(WaitKind::ChanReceive, &stack, 10);
        idle.max_minutes = Some(30);
        assert_eq!(classify(&idle, &benign, &rule).0, Verdict::Parked);
    }

    #[test]
    fn a_rising_count_is_suspect_and_a_flat_one_parked() {
        let benign = BenignFrames::default();
        let rule = SuspectRule::default();
        let stack = frames(&["main.worker"]);
        let rising = Growth::assess(&[10.0, 14.0, 19.0, 25.0, 31.0, 38.0], &rule.growth).unwrap();
        let flat = Growth::assess(&[200.0; 6], &rule.growth).unwrap();
        let mut f = facts(WaitKind::ChanSend, &stack, 38);
        f.growth = Some(&rising);
        assert_eq!(classify(&f, &benign, &rule).0, Verdict::Suspect);
        let mut pool = facts(WaitKind::ChanReceive, &stack, 200);
        pool.growth = Some(&flat);
        assert_eq!(classify(&pool, &benign, &rule).0, Verdict::Parked);
    }

    #[test]
    fn an_unknown_state_that_rises_is_suspect() {
        let benign = BenignFrames::default();
        let rule = SuspectRule::default();
        let stack = frames(&["main.leakSender.func1"]);
        let rising = Growth::assess(&[15.0, 30.0, 45.0, 60.0], &rule.growth).unwrap();
        let mut f = facts(WaitKind::Other, &stack, 60);
        assert_eq!(classify(&f, &benign, &rule).0, Verdict::Ordinary);
        f.growth = Some(&rising);
        assert_eq!(classify(&f, &benign, &rule).0, Verdict::Suspect);
    }
}
