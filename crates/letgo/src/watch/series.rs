//! The decoded snapshots of a watch run and the analyses over them.
//!
//! A run is cut into process lifetimes at each restart of the target
//! (allocation counters that fall, goroutine ids that fall): counters start
//! again from zero in a new process, so a series across a restart would
//! show a fall that is not churn and a rise that is not a leak. Each
//! lifetime is analysed on its own with `letgo_runtime`, and the findings
//! are joined, the latest lifetime's version of a finding winning.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use letgo_pprof::{DecodeOptions, Opened};
use letgo_runtime::{
    analyze_goroutines_with_dump, analyze_heap, Config, GoroutineSnapshot, GroupBy, HeapSnapshot,
    Snapshot,
};

use crate::runtime::findings::{goroutine_findings, heap_findings, Reported};
use crate::runtime::source::SourceTree;
use crate::watch::folder::{read_run, RunInfo, SampleRecord};
use crate::watch::thin::Thinned;

/// What one stored profile decoded to.
#[derive(Debug)]
pub enum Decoded {
    /// A heap profile, with the bytes allocated since the process started.
    Heap(HeapSnapshot, i64),
    /// A `goroutine` or `goroutineleak` profile.
    Goroutines(GoroutineSnapshot),
    /// A `goroutine?debug=2` dump: its highest goroutine id (a restart
    /// shows as a fall) and its groups, whose wait minutes the profiles
    /// do not print.
    Dump {
        max_id: u64,
        snapshot: GoroutineSnapshot,
    },
}

/// Decodes one profile of `endpoint` as stored under `name`; the error
/// says what was wrong, for the sample's record.
pub fn decode(
    endpoint: &str,
    name: &str,
    bytes: &[u8],
    group_by: GroupBy,
    options: &DecodeOptions,
) -> Result<Decoded, String> {
    let name: Arc<str> = Arc::from(name);
    let opened = letgo_pprof::open(Arc::clone(&name), bytes, options).map_err(|e| e.to_string())?;
    match (endpoint, opened) {
        ("heap", Opened::Profile(p)) => heap(&p, name),
        ("goroutine-debug2", Opened::Goroutines(reader)) => {
            let mut max_id = 0;
            let mut snapshot =
                GoroutineSnapshot::new(name, letgo_runtime::GoroutineSource::Traceback, group_by);
            for g in reader {
                match g {
                    Ok(g) => {
                        max_id = max_id.max(g.id);
                        snapshot.add_goroutine(&g);
                    }
                    // A dump cut short (Go cuts at 64 MB) is read to the cut.
                    Err(e) if e.kind == letgo_pprof::ErrorKind::Truncated && max_id > 0 => break,
                    Err(e) => return Err(e.to_string()),
                }
            }
            Ok(Decoded::Dump { max_id, snapshot })
        }
        (_, opened) => match Snapshot::from_opened(opened, name, group_by) {
            Ok(Snapshot::Goroutines(g)) if endpoint != "heap" => Ok(Decoded::Goroutines(g)),
            Ok(_) => Err(format!("expected a {endpoint} profile, found another kind")),
            Err(e) => Err(e.to_string()),
        },
    }
}

fn heap(profile: &letgo_pprof::Profile, name: Arc<str>) -> Result<Decoded, String> {
    let snapshot = HeapSnapshot::from_profile(profile, name).map_err(|e| {
        format!(
            "expected a heap profile, found one of {}",
            e.sample_types.join(", ")
        )
    })?;
    let allocated = snapshot.alloc_bytes.unwrap_or(0);
    Ok(Decoded::Heap(snapshot, allocated))
}

/// A run's samples and their decoded snapshots, in sampling order.
#[derive(Debug, Default)]
pub struct Series {
    /// Every sample, failed ones included.
    pub records: Vec<SampleRecord>,
    /// The snapshots of each process lifetime, oldest lifetime first.
    lifetimes: Vec<Lifetime>,
}

/// The snapshots of one process lifetime, kept apart so that each is
/// analysed on its own without copying; thinned, so that a run of days
/// does not grow letgo's own memory without end.
#[derive(Debug, Default)]
struct Lifetime {
    segment: u32,
    heaps: Thinned<HeapSnapshot>,
    goroutines: Thinned<GoroutineSnapshot>,
    /// The latest `debug=2` dump, for the wait minutes profiles lack.
    dump: Option<GoroutineSnapshot>,
}

impl Series {
    /// Adds a sample and what its profiles decoded to.
    pub fn push(&mut self, record: SampleRecord, decoded: Vec<Decoded>) {
        if self
            .lifetimes
            .last()
            .is_none_or(|l| l.segment != record.segment)
        {
            self.lifetimes.push(Lifetime {
                segment: record.segment,
                ..Lifetime::default()
            });
        }
        // A profile without a time of its own was taken when its sample was.
        let taken = i64::try_from(record.unix_ms).ok().map(|ms| ms * 1_000_000);
        self.records.push(record);
        let Some(lifetime) = self.lifetimes.last_mut() else {
            return;
        };
        for d in decoded {
            match d {
                Decoded::Heap(mut h, _) => {
                    h.time_nanos = h.time_nanos.or(taken);
                    lifetime.heaps.push(h);
                }
                Decoded::Goroutines(mut g) => {
                    g.time_nanos = g.time_nanos.or(taken);
                    lifetime.goroutines.push(g);
                }
                Decoded::Dump { snapshot, .. } => lifetime.dump = Some(snapshot),
            }
        }
    }

    /// Restarts of the target seen.
    pub fn restarts(&self) -> usize {
        self.records.iter().filter(|r| r.restarted).count()
    }

    /// Runs the analyses on each process lifetime and joins the findings.
    pub fn analyze(&self, config: &Config, source: Option<&SourceTree>) -> Vec<Reported> {
        let mut joined = Vec::new();
        let mut seen = HashSet::new();
        for lifetime in self.lifetimes.iter().rev() {
            for mut r in lifetime.analyze(config, source) {
                let f = &r.finding;
                let key = (
                    f.code.clone(),
                    f.function.clone(),
                    f.at.as_ref().map(|a| a.line),
                );
                if seen.insert(key) {
                    if let Some(evidence) = r.finding.evidence.as_object_mut() {
                        evidence.insert("process_lifetime".into(), lifetime.segment.into());
                    }
                    joined.push(r);
                }
            }
        }
        joined.sort_by_key(|r| triage_rank(&r.finding.code));
        joined
    }

    /// Reads a run folder back; profiles that no longer decode are skipped
    /// with a note.
    pub fn load(
        root: &Path,
        group_by: GroupBy,
        options: &DecodeOptions,
    ) -> anyhow::Result<(RunInfo, Series, Vec<String>)> {
        let run = read_run(root)?;
        let mut notes = run.notes;
        let mut series = Series::default();
        for record in run.records {
            let mut decoded = Vec::new();
            for p in &record.profiles {
                let path = root.join(&p.file);
                let bytes = std::fs::read(&path)
                    .with_context(|| format!("{}: cannot read", crate::paths::display(&path)));
                match bytes.map(|b| decode(&p.endpoint, &p.file, &b, group_by, options)) {
                    Ok(Ok(d)) => decoded.push(d),
                    Ok(Err(e)) => notes.push(format!("{}: skipped: {e}", p.file)),
                    Err(e) => notes.push(format!("{e:#}; skipped")),
                }
            }
            series.push(record, decoded);
        }
        Ok((run.info, series, notes))
    }
}

impl Lifetime {
    fn analyze(&self, config: &Config, source: Option<&SourceTree>) -> Vec<Reported> {
        let goroutines =
            analyze_goroutines_with_dump(self.goroutines.as_slice(), self.dump.as_ref(), config);
        let mut reported = goroutine_findings(&goroutines, source);
        let heap = analyze_heap(self.heaps.as_slice(), config);
        reported.extend(heap_findings(&heap, source));
        crate::runtime::findings::fold_goroutine_memory(&mut reported, &heap);
        reported
    }
}

/// The order findings are listed in: proven leaks, goroutine pile-ups,
/// heap growth, then total goroutine growth.
fn triage_rank(code: &str) -> u8 {
    match code {
        "LG501" => 0,
        "LG502" => 1,
        "LG503" => 2,
        "LG504" => 3,
        _ => 4,
    }
}

/// The failures of one endpoint over a run: how many, and the first
/// reason (the one a person acts on; the rest are in `samples.jsonl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointFailures {
    /// `heap`, `goroutine`, ...
    pub endpoint: String,
    /// Samples in which this endpoint failed.
    pub failed: usize,
    /// The first reason given.
    pub first: String,
    /// How many different reasons were given.
    pub reasons: usize,
}

impl std::fmt::Display for EndpointFailures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: failed {} time(s)", self.endpoint, self.failed)?;
        if self.reasons > 1 {
            write!(f, " ({} different reasons), first", self.reasons)?;
        }
        write!(f, ": {}", self.first)
    }
}

/// The failures of each endpoint, in the order endpoints first failed.
pub fn failure_summary(records: &[SampleRecord]) -> Vec<EndpointFailures> {
    let mut out: Vec<EndpointFailures> = Vec::new();
    let mut reasons: HashSet<(&str, &str)> = HashSet::new();
    for f in records.iter().flat_map(|r| &r.failures) {
        let new_reason = reasons.insert((&f.endpoint, &f.reason));
        match out.iter_mut().find(|e| e.endpoint == f.endpoint) {
            Some(e) => {
                e.failed += 1;
                e.reasons += usize::from(new_reason);
            }
            None => out.push(EndpointFailures {
                endpoint: f.endpoint.clone(),
                failed: 1,
                first: f.reason.clone(),
                reasons: 1,
            }),
        }
    }
    out
}

/// Whether any sample stored a profile: a run where none did has nothing
/// to analyse, and "0 findings" would read as a clean bill of health.
pub fn any_read(records: &[SampleRecord]) -> bool {
    records.iter().any(|r| !r.profiles.is_empty())
}
