//! The analyses over series of snapshots, wherever the snapshots came from
//! (files, a live endpoint sampled by `watch`, another system's storage):
//! goroutine groups classified and followed across snapshots, the total
//! goroutine count's trend, and heap growth per allocation site.

use std::collections::HashMap;
use std::sync::Arc;

use crate::classify::{classify, BenignFrames, GroupFacts, Reason, SuspectRule, Verdict};
use crate::goroutines::{GoroutineGroup, GoroutineSnapshot, GoroutineSource, GroupBy, StackKey};
use crate::growth::{Growth, GrowthRule};
use crate::heap::{HeapSite, HeapSnapshot};

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
}

/// Analyses goroutine snapshots in time order. `goroutineleak` profiles
/// among them prove the groups whose stacks they list; the others form the
/// series whose latest snapshot is classified.
pub fn analyze_goroutines(snapshots: &[GoroutineSnapshot], config: &Config) -> GoroutineAnalysis {
    let (proofs, series): (Vec<_>, Vec<_>) = snapshots
        .iter()
        .partition(|s| s.source == GoroutineSource::LeakProfile);
    let proven = proven_stacks(&proofs);
    let mut matched = std::collections::HashSet::new();
    let mut groups = latest_groups(&series, &proven, &mut matched, config);
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
    }
}

/// The latest snapshot's groups, each with its count in every snapshot of
/// the series and its proof, if any; the stacks proven are added to
/// `matched`.
fn latest_groups(
    series: &[&GoroutineSnapshot],
    proven: &HashMap<StackKey, u64>,
    matched: &mut std::collections::HashSet<StackKey>,
    config: &Config,
) -> Vec<AssessedGroup> {
    let Some(latest) = series.last() else {
        return Vec::new();
    };
    if series.len() == 1 && proven.is_empty() {
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
        if proof > 0 {
            matched.insert(key.stack);
        }
        groups.push(assess_group(group.clone(), counts, proof, config));
    }
    groups
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
    /// The trend of `bytes`, with two or more snapshots.
    pub growth: Option<Growth>,
}

impl AssessedSite {
    /// Whether its in-use bytes grew under the rule.
    pub fn is_growing(&self) -> bool {
        self.growth.as_ref().is_some_and(|g| g.growing)
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
    let mut sites: Vec<AssessedSite> = order
        .iter()
        .filter_map(|key| latest.get(key))
        .map(|site| assess_site(site, snapshots, config))
        .collect();
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
    }
}

fn site_key(site: &HeapSite) -> Option<(Arc<str>, u32)> {
    site.site
        .as_ref()
        .map(|f| (Arc::clone(&f.function), f.line))
}

fn assess_site(site: &HeapSite, snapshots: &[HeapSnapshot], config: &Config) -> AssessedSite {
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
    AssessedSite {
        site: site.clone(),
        growth: Growth::assess(&as_f64(&bytes), &config.heap_growth),
        bytes,
        objects,
    }
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
}
