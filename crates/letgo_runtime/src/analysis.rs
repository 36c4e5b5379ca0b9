//! The analyses over series of snapshots, wherever the snapshots came from
//! (files, a live endpoint sampled by `watch`, another system's storage):
//! goroutine groups classified and followed across snapshots, the total
//! goroutine count's trend, and heap growth per allocation site.

use std::collections::HashMap;
use std::sync::Arc;

use crate::classify::{classify, BenignFrames, GroupFacts, Reason, SuspectRule, Verdict};
use crate::goroutines::{GoroutineGroup, GoroutineSnapshot, GoroutineSource, GroupBy, StackKey};
use crate::growth::{Growth, GrowthRule};
use crate::heap::{sampling_error, HeapSite, HeapSnapshot};
use crate::trend::theil_sen;

/// Everything the analyses can be tuned with (the future `letgo.toml`).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// How goroutines are grouped.
    pub group_by: GroupBy,
    /// Frames that mark goroutines as waiting by design.
    pub benign: BenignFrames,
    /// When a goroutine group is suspect.
    pub suspect: SuspectRule,
    /// When the total number of goroutines counts as growing.
    pub total_growth: GrowthRule,
    /// When a site's in-use bytes count as growing.
    pub heap_growth: GrowthRule,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            group_by: GroupBy::default(),
            benign: BenignFrames::default(),
            suspect: SuspectRule::default(),
            total_growth: GrowthRule {
                min_increase: 20.0,
                alpha: 0.05,
            },
            heap_growth: GrowthRule {
                min_increase: f64::from(1u32 << 20),
                alpha: 0.05,
            },
        }
    }
}

/// A goroutine group with its history and verdict.
#[derive(Debug, Clone)]
pub struct AssessedGroup {
    /// The group as the latest snapshot that has it shows it.
    pub group: GoroutineGroup,
    /// Its count in each goroutine snapshot, oldest first (0 where absent).
    pub counts: Vec<u64>,
    /// The trend of `counts`, with two or more snapshots.
    pub growth: Option<Growth>,
    /// How sure letgo is.
    pub verdict: Verdict,
    /// Why, strongest first.
    pub reasons: Vec<Reason>,
}

/// The goroutine analysis of a series of snapshots.
#[derive(Debug, Clone)]
pub struct GoroutineAnalysis {
    /// Groups, proven leaks first, then suspects, each by count.
    pub groups: Vec<AssessedGroup>,
    /// The names of the snapshots the counts refer to, oldest first.
    pub snapshots: Vec<Arc<str>>,
    /// Total goroutines per snapshot.
    pub totals: Vec<u64>,
    /// The trend of `totals`, with two or more snapshots.
    pub total_growth: Option<Growth>,
    /// When each snapshot was taken, in Unix nanoseconds, when known.
    pub times_nanos: Vec<Option<i64>>,
}

impl GoroutineAnalysis {
    /// Goroutines per minute of a series that rose by `increase`: see
    /// [`per_minute`].
    pub fn per_minute(&self, values: &[f64], increase: f64) -> Option<f64> {
        per_minute(&self.times_nanos, values, increase)
    }
}

/// How fast a rising series rose, per minute: the Theil–Sen slope of the
/// values against the snapshots' times, a median of the slopes between
/// every two snapshots. The rise from the first to the last snapshot alone
/// rests on the two noisiest points: a heap profile describes the heap as
/// of the last completed GC, so its last values can lag by a GC cycle,
/// and a sampled estimate or a reallocating slice jumps up and down.
/// Falls back to that rise over the span when a time is missing or the
/// slope is not positive.
pub fn per_minute(times: &[Option<i64>], values: &[f64], increase: f64) -> Option<f64> {
    let minutes = span_minutes(times)?;
    let start = (*times.first()?)?;
    let xs: Option<Vec<f64>> = times
        .iter()
        .map(|t| t.map(|t| (t - start) as f64 / 60e9))
        .collect();
    let slope = xs
        .filter(|xs| xs.len() == values.len())
        .and_then(|xs| theil_sen(&xs, values))
        .map(|fit| fit.slope)
        .filter(|s| s.is_finite() && *s > 0.0);
    Some(slope.unwrap_or(increase / minutes))
}

/// Analyses goroutine snapshots in time order. `goroutineleak` profiles
/// among them prove the groups whose stacks they list; the others form the
/// series whose latest snapshot is classified.
pub fn analyze_goroutines(snapshots: &[GoroutineSnapshot], config: &Config) -> GoroutineAnalysis {
    analyze_goroutines_with_dump(snapshots, None, config)
}

/// [`analyze_goroutines`] over profiles, which print no wait times, with
/// a `debug=2` dump taken in the same run: each group of the latest
/// snapshot takes the wait minutes of the dump's group with its stack, so
/// that a lock held for minutes is seen in a series of profiles too.
pub fn analyze_goroutines_with_dump(
    snapshots: &[GoroutineSnapshot],
    dump: Option<&GoroutineSnapshot>,
    config: &Config,
) -> GoroutineAnalysis {
    let (proofs, series): (Vec<_>, Vec<_>) = snapshots
        .iter()
        .partition(|s| s.source == GoroutineSource::LeakProfile);
    let proven = proven_stacks(&proofs);
    let waits = dump.map(wait_minutes).unwrap_or_default();
    let mut matched = std::collections::HashSet::new();
    let mut groups = latest_groups(&series, &proven, &waits, &mut matched, config);
    for proof in &proofs {
        for (key, group) in proof.keys().into_iter().zip(&proof.groups) {
            if matched.insert(key.stack) {
                groups.push(assess_group(
                    group.clone(),
                    Vec::new(),
                    group.leaked,
                    config,
                ));
            }
        }
    }
    ranked(groups, &series, config)
}

/// [`analyze_goroutines`] for snapshots the caller is done with: the groups
/// of a lone snapshot move into the analysis instead of being copied, which
/// for a profile of thousands of stacks costs more than classifying them.
pub fn analyze_goroutines_owned(
    mut snapshots: Vec<GoroutineSnapshot>,
    config: &Config,
) -> GoroutineAnalysis {
    match snapshots.as_mut_slice() {
        [only] if only.source != GoroutineSource::LeakProfile => {
            let groups = std::mem::take(&mut only.groups)
                .into_iter()
                .map(|g| {
                    let count = g.count;
                    assess_group(g, vec![count], 0, config)
                })
                .collect();
            ranked(groups, &[&*only], config)
        }
        _ => analyze_goroutines(&snapshots, config),
    }
}

/// The analysis of a series with its assessed groups, put in triage order:
/// proven leaks first, then suspects, each by count.
fn ranked(
    mut groups: Vec<AssessedGroup>,
    series: &[&GoroutineSnapshot],
    config: &Config,
) -> GoroutineAnalysis {
    groups.sort_by(|a, b| {
        (a.verdict, std::cmp::Reverse(a.group.count))
            .cmp(&(b.verdict, std::cmp::Reverse(b.group.count)))
    });
    let totals: Vec<u64> = series.iter().map(|s| s.total).collect();
    GoroutineAnalysis {
        groups,
        snapshots: series.iter().map(|s| Arc::clone(&s.name)).collect(),
        total_growth: Growth::assess(&as_f64(&totals), &config.total_growth),
        totals,
        times_nanos: series.iter().map(|s| s.time_nanos).collect(),
    }
}

/// The latest snapshot's groups, each with its count in every snapshot of
/// the series and its proof, if any; the stacks proven are added to
/// `matched`.
fn latest_groups(
    series: &[&GoroutineSnapshot],
    proven: &HashMap<StackKey, u64>,
    waits: &HashMap<StackKey, (u64, u64)>,
    matched: &mut std::collections::HashSet<StackKey>,
    config: &Config,
) -> Vec<AssessedGroup> {
    let Some(latest) = series.last() else {
        return Vec::new();
    };
    if series.len() == 1 && proven.is_empty() && waits.is_empty() {
        // Nothing to match groups against: skip building and hashing keys
        // (whole stacks), which cost more than the rest for a profile of
        // thousands of stacks.
        return latest
            .groups
            .iter()
            .map(|g| assess_group(g.clone(), vec![g.count], 0, config))
            .collect();
    }
    let mut groups = Vec::with_capacity(latest.groups.len());
    for (key, group) in latest.keys().into_iter().zip(&latest.groups) {
        let counts: Vec<u64> = series
            .iter()
            .map(|s| s.find(&key).map_or(0, |g| g.count))
            .collect();
        let proof = proven.get(&key.stack).copied().unwrap_or(0);
        let mut group = group.clone();
        if group.minutes.is_none() {
            group.minutes = waits.get(&key.stack).copied();
        }
        if proof > 0 {
            matched.insert(key.stack);
        }
        groups.push(assess_group(group, counts, proof, config));
    }
    groups
}

/// The wait minutes a dump printed, per stack.
fn wait_minutes(dump: &GoroutineSnapshot) -> HashMap<StackKey, (u64, u64)> {
    dump.keys()
        .into_iter()
        .zip(&dump.groups)
        .filter_map(|(key, g)| Some((key.stack, g.minutes?)))
        .collect()
}

/// Leaked goroutines per stack, over all `goroutineleak` snapshots.
fn proven_stacks(proofs: &[&GoroutineSnapshot]) -> HashMap<StackKey, u64> {
    let mut proven = HashMap::new();
    for proof in proofs {
        for (key, group) in proof.keys().into_iter().zip(&proof.groups) {
            let leaked = proven.entry(key.stack).or_insert(0);
            *leaked = group.leaked.max(*leaked);
        }
    }
    proven
}

fn assess_group(
    group: GoroutineGroup,
    counts: Vec<u64>,
    proof: u64,
    config: &Config,
) -> AssessedGroup {
    let growth = Growth::assess(&as_f64(&counts), &config.suspect.growth);
    let facts = GroupFacts {
        kind: group.kind,
        frames: &group.frames,
        count: group.count,
        leaked: group.leaked.max(proof),
        max_minutes: group.minutes.map(|(_, hi)| hi),
        growth: growth.as_ref(),
    };
    let (verdict, reasons) = classify(&facts, &config.benign, &config.suspect);
    AssessedGroup {
        group,
        counts,
        growth,
        verdict,
        reasons,
    }
}

/// Counts and byte totals as `f64` for the statistics (exact below 2^53).
fn as_f64<T: Copy>(values: &[T]) -> Vec<f64>
where
    i128: From<T>,
{
    values.iter().map(|&v| i128::from(v) as f64).collect()
}

/// An allocation site with its history.
#[derive(Debug, Clone)]
pub struct AssessedSite {
    /// The site as the latest snapshot that has it shows it.
    pub site: HeapSite,
    /// In-use bytes in each heap snapshot, oldest first (0 where absent).
    pub bytes: Vec<i64>,
    /// In-use objects likewise.
    pub objects: Vec<i64>,
    /// The standard error of each of `bytes` from heap sampling alone.
    pub error_bytes: Vec<f64>,
    /// Per snapshot: whether the trend counts it: not a repeat of a GC
    /// cycle already seen, nor a sampled profile's miss (see `counted`).
    pub counted: Vec<bool>,
    /// The least rise that counts, in bytes: the rule's minimum, or three
    /// standard errors of the difference when sampling makes that larger.
    pub min_increase: f64,
    /// The trend of `bytes`, with two or more snapshots; or, when that is
    /// not growing but the series' peaks are (a slice reallocated, or
    /// filled and flushed, saws up and down), the trend of the peaks.
    pub growth: Option<Growth>,
    /// `growth` is that of the peaks.
    pub by_peaks: bool,
    /// The memory of goroutines themselves (`runtime.malg`, `newproc`) or
    /// of the runtime alone: its growth belongs to the goroutine findings.
    pub runtime_internal: bool,
    /// Growth per minute (see [`per_minute`]), when the snapshots say when
    /// they were taken.
    pub rate: Option<Rate>,
}

/// Growth per minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// In-use bytes per minute.
    pub bytes_per_minute: f64,
    /// In-use objects per minute.
    pub objects_per_minute: f64,
}

/// Standard errors of a difference that a rise must exceed.
pub const NOISE_SIGMAS: f64 = 3.0;

impl AssessedSite {
    /// Whether its in-use bytes grew under the rule.
    pub fn is_growing(&self) -> bool {
        self.growth.as_ref().is_some_and(|g| g.growing)
    }

    /// Whether it is a heap finding of its own: growing, and not memory of
    /// the goroutines or the runtime.
    pub fn is_heap_leak(&self) -> bool {
        self.is_growing() && !self.runtime_internal
    }

    /// Bytes in the last snapshot minus the first.
    pub fn increase(&self) -> i64 {
        match (self.bytes.first(), self.bytes.last()) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        }
    }
}

/// The heap analysis of a series of snapshots.
#[derive(Debug, Clone)]
pub struct HeapAnalysis {
    /// Every site of any snapshot: growing first, then by increase, then by
    /// in-use bytes in the latest snapshot.
    pub sites: Vec<AssessedSite>,
    /// The names of the snapshots, oldest first.
    pub snapshots: Vec<Arc<str>>,
    /// In-use bytes per snapshot.
    pub totals: Vec<i64>,
    /// When each snapshot was taken, in Unix nanoseconds, when known.
    pub times_nanos: Vec<Option<i64>>,
}

impl HeapAnalysis {
    /// Growth of the memory of goroutines and of the runtime itself
    /// (stacks of leaked goroutines, `runtime.malg`), over growing sites:
    /// folded into the goroutine findings, not a heap finding of its own.
    pub fn runtime_internal_growth(&self) -> i64 {
        self.sites
            .iter()
            .filter(|s| s.runtime_internal && s.is_growing())
            .map(AssessedSite::increase)
            .sum()
    }
}

/// Analyses heap snapshots in time order.
pub fn analyze_heap(snapshots: &[HeapSnapshot], config: &Config) -> HeapAnalysis {
    let mut latest: HashMap<Option<(Arc<str>, u32)>, &HeapSite> = HashMap::new();
    let mut order = Vec::new();
    for snapshot in snapshots {
        for site in &snapshot.sites {
            let key = site_key(site);
            if latest.insert(key.clone(), site).is_none() {
                order.push(key);
            }
        }
    }
    let cycles = new_cycles(snapshots);
    let mut sites: Vec<AssessedSite> = order
        .iter()
        .filter_map(|key| latest.get(key))
        .map(|site| assess_site(site, snapshots, &cycles, config))
        .collect();
    let times_nanos: Vec<Option<i64>> = snapshots.iter().map(|s| s.time_nanos).collect();
    for site in &mut sites {
        let objects = site.objects.last().unwrap_or(&0) - site.objects.first().unwrap_or(&0);
        let times = kept(&times_nanos, &site.counted);
        let bytes = kept(&as_f64(&site.bytes), &site.counted);
        let bytes = per_minute(&times, &bytes, site.increase() as f64);
        let objects = per_minute(
            &times,
            &kept(&as_f64(&site.objects), &site.counted),
            objects as f64,
        );
        site.rate = bytes.zip(objects).map(|(b, o)| Rate {
            bytes_per_minute: b,
            objects_per_minute: o,
        });
    }
    sites.sort_by_key(|s| {
        let last = s.bytes.last().copied().unwrap_or(0);
        (
            !s.is_growing(),
            std::cmp::Reverse(s.increase()),
            std::cmp::Reverse(last),
        )
    });
    HeapAnalysis {
        sites,
        snapshots: snapshots.iter().map(|s| Arc::clone(&s.name)).collect(),
        totals: snapshots.iter().map(|s| s.inuse_bytes).collect(),
        times_nanos,
    }
}

/// Minutes from the first snapshot to the last, when both say when they
/// were taken and some time passed.
pub fn span_minutes(times: &[Option<i64>]) -> Option<f64> {
    let (first, last) = ((*times.first()?)?, (*times.last()?)?);
    let minutes = (last - first) as f64 / 60e9;
    (minutes > 0.0).then_some(minutes)
}

/// How long Go lets pass at most without a GC: `runtime.forcegcperiod`
/// (two minutes), with ten seconds for the cycle itself to complete.
const FORCED_GC_NANOS: i64 = 130_000_000_000;

/// Which snapshots to judge trends on: all but the repeats of a GC cycle
/// already seen. A heap profile describes the heap as of the last
/// completed GC, so between two cycles the profile does not change: a
/// sample taken then is the same observation again, and a run of them (a
/// busy service whose heap has grown collects less often) looks like a
/// plateau in the middle of a leak, or at its end. A profile whose
/// allocated and in-use totals both equal the one before it is such a
/// repeat, unless it was taken long enough after the last snapshot kept
/// that Go has forced a GC in between: then a new cycle found the heap
/// unchanged (a program gone idle), and a flat stretch is what it saw.
/// A repeat whose time is unknown is kept.
fn new_cycles(snapshots: &[HeapSnapshot]) -> Vec<bool> {
    let mut kept_at: Option<i64> = None;
    let mut out = Vec::with_capacity(snapshots.len());
    for (i, s) in snapshots.iter().enumerate() {
        let repeat = i > 0 && {
            let before = &snapshots[i - 1];
            s.alloc_bytes.is_some()
                && s.alloc_bytes == before.alloc_bytes
                && s.inuse_bytes == before.inuse_bytes
        };
        let forced_gc_since = match (s.time_nanos, kept_at) {
            (Some(t), Some(k)) => t - k >= FORCED_GC_NANOS,
            _ => true,
        };
        let keep = !repeat || forced_gc_since;
        if keep {
            kept_at = s.time_nanos;
        }
        out.push(keep);
    }
    out
}

/// The values of the snapshots `cycles` keeps.
fn kept<T: Copy>(values: &[T], cycles: &[bool]) -> Vec<T> {
    values
        .iter()
        .zip(cycles)
        .filter(|(_, &keep)| keep)
        .map(|(&v, _)| v)
        .collect()
}

fn site_key(site: &HeapSite) -> Option<(Arc<str>, u32)> {
    site.site
        .as_ref()
        .map(|f| (Arc::clone(&f.function), f.line))
}

fn assess_site(
    site: &HeapSite,
    snapshots: &[HeapSnapshot],
    cycles: &[bool],
    config: &Config,
) -> AssessedSite {
    let found: Vec<Option<&HeapSite>> = snapshots
        .iter()
        .map(|s| s.find(site.site.as_ref()))
        .collect();
    let bytes: Vec<i64> = found
        .iter()
        .map(|s| s.map_or(0, |s| s.inuse_bytes))
        .collect();
    let objects: Vec<i64> = found
        .iter()
        .map(|s| s.map_or(0, |s| s.inuse_objects))
        .collect();
    let error_bytes: Vec<f64> = bytes
        .iter()
        .zip(&objects)
        .zip(snapshots)
        .map(|((&b, &o), s)| sampling_error(b, o, s.sample_rate))
        .collect();
    // The rise must stand out of the sampling noise of both ends.
    let noise = |a: f64, b: f64| NOISE_SIGMAS * (a * a + b * b).sqrt();
    let (first, last) = (
        error_bytes.first().copied().unwrap_or(0.0),
        error_bytes.last().copied().unwrap_or(0.0),
    );
    let rule = GrowthRule {
        min_increase: config.heap_growth.min_increase.max(noise(first, last)),
        ..config.heap_growth
    };
    let counted = counted(&bytes, snapshots, cycles);
    let values = kept(&as_f64(&bytes), &counted);
    let mut growth = Growth::assess(&values, &rule);
    let mut by_peaks = false;
    if !growth.as_ref().is_some_and(|g| g.growing) {
        let peaks = crate::growth::peaks(&values);
        let worst = error_bytes.iter().copied().fold(0.0, f64::max);
        let peak_rule = GrowthRule {
            min_increase: rule.min_increase.max(noise(worst, worst)),
            ..rule
        };
        if let Some(g) =
            Growth::assess(&peaks, &peak_rule).filter(|g| g.growing && peaks.len() >= 3)
        {
            growth = Some(g);
            by_peaks = true;
        }
    }
    AssessedSite {
        site: site.clone(),
        runtime_internal: is_runtime_internal(site),
        growth,
        by_peaks,
        min_increase: rule.min_increase,
        error_bytes,
        counted,
        rate: None,
        bytes,
        objects,
    }
}

/// The snapshots a site's trend counts: those `cycles` keeps, less the
/// ones where a sampled profile shows nothing in use at the site between
/// two that show some. At a sampling rate above 1 each allocation is
/// sampled or not once, when it is made, so a large array that escaped
/// sampling is missing from every profile for as long as it lives: the
/// site reads 0 until the array is replaced (a slice reallocated), a dip
/// that is the sampling's, not the heap's, and says nothing of the trend.
/// At rate 1, or at either end of the series, a 0 is what was there.
fn counted(bytes: &[i64], snapshots: &[HeapSnapshot], cycles: &[bool]) -> Vec<bool> {
    let held = |i: usize| cycles[i] && bytes[i] > 0;
    let first = (0..bytes.len()).find(|&i| held(i));
    let last = (0..bytes.len()).rfind(|&i| held(i));
    (0..bytes.len())
        .map(|i| {
            let sampled = snapshots[i].sample_rate.is_some_and(|r| r > 1);
            let missed = bytes[i] == 0
                && sampled
                && first.is_some_and(|f| f < i)
                && last.is_some_and(|l| l > i);
            cycles[i] && !missed
        })
        .collect()
}

/// Memory the runtime allocates for goroutines (their descriptors and
/// stacks, under `runtime.malg` from `newproc`) or for itself (no frame of
/// the program's own): a leak of it is a goroutine leak, said there.
fn is_runtime_internal(site: &HeapSite) -> bool {
    let creates_goroutine = site.frames.iter().any(|f| {
        matches!(
            &*f.function,
            "runtime.malg" | "runtime.newproc1" | "runtime.newproc"
        )
    });
    let runtime_only = site
        .site
        .as_ref()
        .is_none_or(|f| f.function.starts_with("runtime."));
    creates_goroutine || runtime_only
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::SiteFrame;

    fn snapshot(name: &str, counts: &[u64]) -> GoroutineSnapshot {
        let mut s = GoroutineSnapshot::new(name, GoroutineSource::Profile, GroupBy::Stack);
        for (line, &count) in (1..).zip(counts) {
            let frame = |function: &str, line| SiteFrame {
                function: function.into(),
                file: "m.go".into(),
                line,
            };
            let stack = [frame("runtime.chanrecv1", 1), frame("main.wait", line)];
            s.add_stack(stack.to_vec(), count, &[]);
        }
        s
    }

    /// What an analysis says, for comparing two.
    fn summary(a: &GoroutineAnalysis) -> Vec<(u32, u64, Vec<u64>, Verdict)> {
        a.groups
            .iter()
            .map(|g| {
                let line = g.group.site().map_or(0, |f| f.line);
                (line, g.group.count, g.counts.clone(), g.verdict)
            })
            .collect()
    }

    #[test]
    fn owned_snapshots_analyse_as_borrowed_ones() {
        let config = Config::default();
        for series in [vec![&[5, 300, 150][..]], vec![&[5, 100], &[5, 300, 150]]] {
            let make = || -> Vec<GoroutineSnapshot> {
                (0..)
                    .zip(&series)
                    .map(|(i, c)| snapshot(&format!("s{i}"), c))
                    .collect()
            };
            let borrowed = analyze_goroutines(&make(), &config);
            let owned = analyze_goroutines_owned(make(), &config);
            assert_eq!(summary(&owned), summary(&borrowed));
            assert_eq!(owned.totals, borrowed.totals);
            assert_eq!(owned.snapshots, borrowed.snapshots);
        }
        let one = analyze_goroutines_owned(vec![snapshot("s", &[5, 300, 150])], &config);
        assert_eq!(summary(&one)[0], (2, 300, vec![300], Verdict::Parked));
    }

    fn heap_series(mib: &[f64], rate: i64) -> Vec<HeapSnapshot> {
        mib.iter()
            .enumerate()
            .map(|(i, &m)| {
                let mut h = HeapSnapshot::new(format!("h{i}"));
                h.sample_rate = Some(rate);
                h.time_nanos = Some(i as i64 * 30_000_000_000);
                let bytes = (m * f64::from(1u32 << 20)) as i64;
                let frame = SiteFrame {
                    function: "main.cache".into(),
                    file: "m.go".into(),
                    line: 9,
                };
                h.add(vec![frame], bytes, bytes / (8 << 10));
                h
            })
            .collect()
    }

    #[test]
    fn a_rise_within_the_sampling_error_is_not_growth() {
        // A bounded cache of 8 KiB entries seen through sampling: the
        // estimate wanders by more than a MiB, and drifts up by chance.
        let wander = [0.6, 0.9, 1.2, 1.1, 1.5, 1.7, 1.6, 2.0, 2.2, 2.1];
        let config = Config::default();
        let sampled = analyze_heap(&heap_series(&wander, 512 << 10), &config);
        let site = &sampled.sites[0];
        assert!(!site.is_growing(), "{:?}", site.growth);
        assert!(
            site.min_increase > 2.0 * f64::from(1u32 << 20),
            "{}",
            site.min_increase
        );
        // The same numbers, every allocation sampled: they are exact, and
        // a steady 1.5 MiB rise over 4.5 minutes is growth, 1/3 MiB a minute.
        let exact = analyze_heap(&heap_series(&wander, 1), &config);
        let site = &exact.sites[0];
        assert!(site.is_growing(), "{:?}", site.growth);
        let per_minute = site.rate.unwrap().bytes_per_minute / f64::from(1u32 << 20);
        assert!((per_minute - 1.5 / 4.5).abs() < 0.01, "{per_minute}");
    }

    /// `main.growSlice` of `watch_under_load` in two runs at rate 1
    /// without `--gc` (KiB in use, and the profile's allocated total in
    /// MiB): as its heap grew the service collected less often, and the
    /// same GC cycle was sampled up to six times in a row, at the end too.
    /// Taken as six observations, the later half of the first looked level
    /// (a plateau); taken once, the leak shows. The second, which ends on
    /// six repeats, says the repeats at the end count once too.
    #[test]
    fn a_gc_cycle_sampled_again_counts_once() {
        let runs: [(&[i64], &[i64]); 2] = [
            (
                &[
                    0, 344, 864, 1368, 1712, 2144, 3368, 3368, 3368, 4216, 9488, 5272, 6592, 6592,
                    6592, 6592, 14840, 14840, 10312, 10312, 10312, 10312, 10312, 10312, 12896,
                    12896, 12896, 12896, 12896, 12896,
                ],
                &[
                    2, 14, 26, 39, 51, 58, 87, 87, 98, 110, 126, 146, 173, 173, 173, 173, 198, 198,
                    263, 263, 263, 263, 263, 263, 343, 343, 343, 343, 343, 343,
                ],
            ),
            (
                &[
                    0, 272, 864, 1368, 1712, 2144, 3368, 3368, 3368, 4216, 4216, 5272, 6592, 6592,
                    6592, 6592, 14840, 8248, 10312, 10312, 10312, 10312, 10312, 10312, 12896,
                    12896, 12896, 12896, 12896, 12896,
                ],
                &[
                    2, 12, 26, 40, 52, 60, 86, 96, 96, 122, 122, 136, 177, 177, 177, 177, 198, 229,
                    264, 264, 264, 264, 264, 264, 342, 342, 342, 342, 342, 342,
                ],
            ),
        ];
        for (run, (kib, allocated)) in runs.into_iter().enumerate() {
            let snapshots = |known: bool| -> Vec<HeapSnapshot> {
                kib.iter()
                    .zip(allocated)
                    .enumerate()
                    .map(|(i, (&k, &mib))| {
                        let mut h = HeapSnapshot::new(format!("h{i}"));
                        h.sample_rate = Some(1);
                        h.time_nanos = Some(i as i64 * 2_000_000_000);
                        // The total held back, every sample looks new.
                        h.alloc_bytes = known.then_some(mib << 20);
                        let frame = SiteFrame {
                            function: "main.growSlice".into(),
                            file: "m.go".into(),
                            line: 9,
                        };
                        h.add(vec![frame], k << 10, 1);
                        h
                    })
                    .collect()
            };
            let site = &analyze_heap(&snapshots(true), &Config::default()).sites[0];
            assert!(site.is_growing(), "{:?}", site.growth);
            // The first run, every sample taken as new, was not growing.
            let site = &analyze_heap(&snapshots(false), &Config::default()).sites[0];
            assert_eq!(site.is_growing(), run == 1, "{:?}", site.growth);
        }
    }

    #[test]
    fn a_repeat_counts_once_until_go_must_have_collected_again() {
        // Allocated totals, one snapshot every 30 s.
        let mut snapshots: Vec<HeapSnapshot> = [1, 1, 2, 3, 3, 3, 3, 3, 3]
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let mut h = HeapSnapshot::new("h");
                h.alloc_bytes = Some(n);
                h.time_nanos = Some(i as i64 * 30_000_000_000);
                h
            })
            .collect();
        // The fifth snapshot after the last one kept is 150 s later: a
        // forced GC came between, and found the same heap.
        assert_eq!(
            new_cycles(&snapshots),
            [true, false, true, true, false, false, false, false, true]
        );
        // In use differs: a new cycle that allocated nothing.
        snapshots[1].inuse_bytes = 7;
        assert!(new_cycles(&snapshots)[1]);
        // Times unknown: a repeat is kept.
        snapshots[5].time_nanos = None;
        assert!(new_cycles(&snapshots)[5]);
    }

    /// `main.steadySlice` of `watch_under_load` at the default rate: one
    /// of its arrays escaped sampling, and the site read 0 for as long as
    /// that array lived. At rate 1 a 0 is what was in use.
    #[test]
    fn a_site_a_sampled_profile_missed_between_two_is_not_counted() {
        let mib = [0.0, 0.61, 0.74, 0.91, 0.0, 0.0, 1.73, 2.13];
        let at = |rate| {
            let mut series = heap_series(&mib, rate);
            for (i, h) in series.iter_mut().enumerate() {
                h.alloc_bytes = Some(i as i64);
            }
            analyze_heap(&series, &Config::default()).sites[0]
                .counted
                .clone()
        };
        let sampled = at(512 << 10);
        assert_eq!(sampled, [true, true, true, true, false, false, true, true]);
        assert!(at(1).iter().all(|&c| c));
    }

    #[test]
    fn a_sawtooth_whose_peaks_rise_is_growth() {
        // A buffer grown by reallocation, then let go, again and again:
        // in use falls back each time, but its fullest keeps doubling.
        let saw = [4.0, 8.0, 3.0, 16.0, 3.0, 32.0, 3.0, 64.0, 3.0];
        let a = analyze_heap(&heap_series(&saw, 1), &Config::default());
        let site = &a.sites[0];
        assert!(site.is_growing() && site.by_peaks, "{:?}", site.growth);
    }

    /// A leak of 1 MiB a minute seen through heap profiles that lag a GC
    /// cycle behind: the last four snapshots still show the value of the
    /// fifth-last. The rise over the span says 0.8 MiB/min; the slope
    /// between all pairs of snapshots says what the leak does.
    #[test]
    fn the_rate_is_the_slope_not_the_last_minus_the_first() {
        let times: Vec<Option<i64>> = (0..20).map(|i| Some(i * 3_000_000_000)).collect();
        let mib: Vec<f64> = (0..20).map(|i| f64::from(i.min(15)) / 20.0).collect();
        let increase = mib[19] - mib[0];
        let span = increase / (57.0 / 60.0);
        assert!((span - 0.79).abs() < 0.01, "{span}");
        let rate = per_minute(&times, &mib, increase).unwrap();
        assert!((rate - 1.0).abs() < 0.01, "{rate}");
        // Without times for every snapshot: the rise over the span.
        let mut partial = times.clone();
        partial[5] = None;
        assert_eq!(per_minute(&partial, &mib, increase), Some(span));
    }

    #[test]
    fn profiles_take_wait_minutes_from_a_dump_of_the_same_run() {
        let frame = |function: &str, file: &str, line| SiteFrame {
            function: function.into(),
            file: file.into(),
            line,
        };
        let profile = |name: &str| {
            let mut s = GoroutineSnapshot::new(name, GoroutineSource::Profile, GroupBy::Stack);
            let stack = vec![
                frame("runtime.gopark", "/go/src/runtime/proc.go", 435),
                frame(
                    "sync.runtime_SemacquireMutex",
                    "/go/src/runtime/sema.go",
                    95,
                ),
                frame("sync.(*Mutex).lockSlow", "/go/src/sync/mutex.go", 149),
                frame("sync.(*Mutex).Lock", "/go/src/sync/mutex.go", 70),
                frame("main.lockLater.func1", "/app/main.go", 30),
            ];
            s.add_stack(stack, 10, &[]);
            s
        };
        let series = [profile("p1"), profile("p2"), profile("p3")];
        let config = Config::default();
        let plain = analyze_goroutines(&series, &config);
        assert_eq!(
            plain.groups[0].verdict,
            Verdict::Ordinary,
            "flat, no wait known"
        );
        let text: String = (1..=10)
            .map(|id| {
                format!(
                    "goroutine {id} [sync.Mutex.Lock, 4 minutes]:\nruntime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\t/go/src/runtime/proc.go:435 +0xce\nsync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)\n\t/go/src/runtime/sema.go:95 +0x25\nsync.(*Mutex).lockSlow(0x0)\n\t/go/src/sync/mutex.go:149 +0x15d\nsync.(*Mutex).Lock(...)\n\t/go/src/sync/mutex.go:70\nmain.lockLater.func1()\n\t/app/main.go:30 +0x25\n\n"
                )
            })
            .collect();
        let reader = letgo_pprof::GoroutineDumpReader::new("dump", text.as_bytes());
        let dump = GoroutineSnapshot::from_traceback(reader, "dump", GroupBy::Stack).unwrap();
        let with = analyze_goroutines_with_dump(&series, Some(&dump), &config);
        let g = &with.groups[0];
        assert_eq!(g.group.minutes, Some((4, 4)));
        assert_eq!(
            (g.verdict, &g.reasons[..]),
            (Verdict::Suspect, &[Reason::LockHeld { minutes: 4 }][..])
        );
    }
}
