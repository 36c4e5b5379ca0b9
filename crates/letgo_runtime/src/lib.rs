//! Analyses over what a running Go program reports about itself: goroutines
//! grouped by where they block and classified as proven leaks, suspects or
//! benign; the trend of the goroutine count; in-use heap per allocation
//! site and its growth across snapshots (Theil–Sen slope, Mann–Kendall
//! test).
//!
//! The analyses take snapshots, not files: a [`GoroutineSnapshot`] or
//! [`HeapSnapshot`] can be built from any decoded input
//! ([`Snapshot::from_opened`]) or filled by hand, so that `letgo profile`,
//! `letgo diff` and a sampler of live endpoints share them. Nothing here
//! prints or knows about the command line.

pub mod analysis;
pub mod classify;
pub mod diff_profile;
pub mod frames;
pub mod goroutines;
pub mod growth;
pub mod heap;
pub mod labels;
pub mod order;
mod traceback;
pub mod trend;

use std::io::BufRead;
use std::sync::Arc;

pub use analysis::{
    analyze_goroutines, analyze_goroutines_owned, analyze_goroutines_with_dump, analyze_heap,
    span_minutes, AssessedGroup, AssessedSite, Config, GoroutineAnalysis, HeapAnalysis, Rate,
};
pub use classify::{BenignFrames, Reason, SuspectRule, Verdict};
pub use frames::SiteFrame;
pub use goroutines::{
    GoroutineGroup, GoroutineSnapshot, GoroutineSource, GroupBy, LEAK_PROFILE_HOWTO,
};
pub use growth::{Growth, GrowthRule, Shape};
pub use heap::{HeapSite, HeapSnapshot};
pub use labels::{LabelSet, LabelSets};
pub use order::{into_time_order, Taken};

/// One input, ready for the analyses.
#[derive(Debug)]
pub enum Snapshot {
    /// Goroutines (a traceback, a `goroutine` or `goroutineleak` profile).
    Goroutines(GoroutineSnapshot),
    /// In-use heap per site.
    Heap(HeapSnapshot),
}

/// Why an input cannot be analysed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// It could not be decoded.
    #[error(transparent)]
    Decode(#[from] letgo_pprof::Error),
    /// It decoded, but is a kind of profile letgo does not analyse.
    #[error("{input}: expected a goroutine, goroutineleak or heap profile, found {found}")]
    Unsupported {
        /// The input's name.
        input: Arc<str>,
        /// What it is instead.
        found: String,
    },
}

impl Snapshot {
    /// The input's name.
    pub fn name(&self) -> &Arc<str> {
        match self {
            Snapshot::Goroutines(g) => &g.name,
            Snapshot::Heap(h) => &h.name,
        }
    }

    /// A protobuf `goroutine`, `goroutineleak` or heap profile.
    pub fn from_profile(
        p: &letgo_pprof::Profile,
        name: impl Into<Arc<str>>,
        group_by: GroupBy,
    ) -> Result<Snapshot, SnapshotError> {
        let name: Arc<str> = name.into();
        if let Some(s) = GoroutineSnapshot::from_profile(p, Arc::clone(&name), group_by) {
            return Ok(Snapshot::Goroutines(s));
        }
        match HeapSnapshot::from_profile(p, Arc::clone(&name)) {
            Ok(heap) => Ok(Snapshot::Heap(heap)),
            Err(e) => Err(SnapshotError::Unsupported {
                input: name,
                found: format!("a profile of {}", e.sample_types.join(", ")),
            }),
        }
    }

    /// Turns an opened input into a snapshot, streaming tracebacks.
    pub fn from_opened<R: BufRead>(
        opened: letgo_pprof::Opened<R>,
        name: impl Into<Arc<str>>,
        group_by: GroupBy,
    ) -> Result<Snapshot, SnapshotError> {
        let name: Arc<str> = name.into();
        let unsupported = |found: String| SnapshotError::Unsupported {
            input: Arc::clone(&name),
            found,
        };
        Ok(match opened {
            letgo_pprof::Opened::Goroutines(reader) => Snapshot::Goroutines(
                GoroutineSnapshot::from_traceback(reader, Arc::clone(&name), group_by)?,
            ),
            letgo_pprof::Opened::Profile(p) => Self::from_profile(&p, name, group_by)?,
            letgo_pprof::Opened::CountProfile(p) => Snapshot::Goroutines(
                GoroutineSnapshot::from_count_profile(&p, Arc::clone(&name), group_by)
                    .ok_or_else(|| unsupported(format!("a `{}` count profile", p.name)))?,
            ),
            letgo_pprof::Opened::HeapText(h) => Snapshot::Heap(HeapSnapshot::from_text(&h, name)),
        })
    }
}
