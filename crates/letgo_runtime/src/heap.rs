//! In-use heap per allocation site. A site is the first frame outside the
//! runtime and the standard library (the user's line that allocated); the
//! full stack of its largest sample is kept for display.

use std::collections::HashMap;
use std::sync::Arc;

use letgo_pprof::{HeapText, Profile};

use crate::frames::{profile_site, site_index, LocationFrames, Names, SiteFrame};

/// One allocation site in one snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeapSite {
    /// The frame the site is named after (see [`crate::frames::site_index`]).
    pub site: Option<SiteFrame>,
    /// The stack of the site's largest sample, innermost first.
    pub frames: Vec<SiteFrame>,
    /// In-use bytes, scaled for sampling as `go tool pprof` shows them.
    pub inuse_bytes: i64,
    /// In-use objects, scaled likewise.
    pub inuse_objects: i64,
    largest_sample: i64,
}

/// A heap profile summed per site.
#[derive(Debug)]
pub struct HeapSnapshot {
    /// The input's name.
    pub name: Arc<str>,
    /// When it was taken, in Unix nanoseconds, when recorded.
    pub time_nanos: Option<i64>,
    /// The sites, in order of first appearance.
    pub sites: Vec<HeapSite>,
    /// In-use bytes over all sites.
    pub inuse_bytes: i64,
    /// Bytes allocated since the program started, over all sites, when
    /// the profile says. Like the in-use values it is as of the last
    /// completed GC, so two profiles with the same total describe the same
    /// GC cycle (see [`crate::analysis::analyze_heap`]).
    pub alloc_bytes: Option<i64>,
    /// The sampling rate (`runtime.MemProfileRate`): on average one
    /// sample per this many bytes allocated; 1 samples every allocation.
    pub sample_rate: Option<i64>,
    index: HashMap<Option<(Arc<str>, u32)>, usize>,
    names: Names,
}

/// Why a profile is not a heap profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAHeapProfile {
    /// The sample types it has instead.
    pub sample_types: Vec<String>,
}

impl HeapSnapshot {
    /// An empty snapshot.
    pub fn new(name: impl Into<Arc<str>>) -> Self {
        HeapSnapshot {
            name: name.into(),
            time_nanos: None,
            sites: Vec::new(),
            inuse_bytes: 0,
            alloc_bytes: None,
            sample_rate: None,
            index: HashMap::new(),
            names: Names::default(),
        }
    }

    /// A protobuf `heap` or `allocs` profile. Go writes these already
    /// scaled for sampling, so the values are taken as they are.
    pub fn from_profile(
        profile: &Profile,
        name: impl Into<Arc<str>>,
    ) -> Result<Self, NotAHeapProfile> {
        let (Some(bytes), Some(objects)) = (
            profile.sample_type_index("inuse_space"),
            profile.sample_type_index("inuse_objects"),
        ) else {
            return Err(NotAHeapProfile {
                sample_types: profile
                    .sample_types()
                    .iter()
                    .map(|t| format!("{}/{}", t.kind, t.unit))
                    .collect(),
            });
        };
        let mut snapshot = Self::new(name);
        snapshot.time_nanos = (profile.time_nanos() > 0).then_some(profile.time_nanos());
        snapshot.sample_rate = (profile.period() > 0).then_some(profile.period());
        // Summed in the one pass over the samples (resolving their stacks
        // again only to add a value would double the work).
        let allocated = profile.sample_type_index("alloc_space");
        snapshot.alloc_bytes = allocated.map(|_| 0);
        let locations = LocationFrames::new(profile, &mut snapshot.names);
        for sample in &profile.raw().sample {
            let value = |i: usize| sample.value.get(i).copied().unwrap_or(0);
            if let (Some(i), Some(total)) = (allocated, snapshot.alloc_bytes.as_mut()) {
                *total = total.saturating_add(value(i));
            }
            let frames = locations.sample(profile, sample);
            let site = profile_site(frames.clone()).map(|f| f.frame.clone());
            // Only a site's largest sample keeps its stack: build it then.
            let stack = || frames.map(|f| f.frame.clone()).collect();
            snapshot.add_at(site, stack, value(bytes), value(objects));
        }
        Ok(snapshot)
    }

    /// A heap profile's `debug=1` text, whose counts are raw samples:
    /// scaled here as `go tool pprof` scales them.
    pub fn from_text(heap: &HeapText, name: impl Into<Arc<str>>) -> Self {
        let mut snapshot = Self::new(name);
        // runtime/pprof prints twice the sampling rate after `heap/`.
        let rate = heap.sampling_rate / 2;
        snapshot.sample_rate = i64::try_from(rate.max(1)).ok();
        let mut allocated = 0i64;
        for record in &heap.records {
            let (objects, bytes) =
                scale_heap_sample(record.counts.inuse_objects, record.counts.inuse_bytes, rate);
            let (_, alloc) =
                scale_heap_sample(record.counts.alloc_objects, record.counts.alloc_bytes, rate);
            allocated = allocated.saturating_add(alloc);
            let frames: Vec<SiteFrame> = record
                .frames
                .iter()
                .map(|f| snapshot.names.pc_frame(f))
                .collect();
            snapshot.add(frames, bytes, objects);
        }
        snapshot.alloc_bytes = Some(allocated);
        snapshot
    }

    /// Adds one sample's stack (innermost first) and values.
    pub fn add(&mut self, frames: Vec<SiteFrame>, inuse_bytes: i64, inuse_objects: i64) {
        let site = site_index(&frames).and_then(|i| frames.get(i)).cloned();
        self.add_at(site, || frames, inuse_bytes, inuse_objects);
    }

    /// Adds one sample at `site`; `stack` is called only when the sample is
    /// the site's largest so far, whose stack is kept.
    fn add_at(
        &mut self,
        site: Option<SiteFrame>,
        stack: impl FnOnce() -> Vec<SiteFrame>,
        inuse_bytes: i64,
        inuse_objects: i64,
    ) {
        let key = site.as_ref().map(|f| (Arc::clone(&f.function), f.line));
        let i = *self.index.entry(key).or_insert_with(|| {
            self.sites.push(HeapSite {
                site,
                frames: Vec::new(),
                inuse_bytes: 0,
                inuse_objects: 0,
                largest_sample: -1,
            });
            self.sites.len() - 1
        });
        let entry = &mut self.sites[i];
        entry.inuse_bytes += inuse_bytes;
        entry.inuse_objects += inuse_objects;
        if inuse_bytes > entry.largest_sample {
            entry.largest_sample = inuse_bytes;
            entry.frames = stack();
        }
        self.inuse_bytes += inuse_bytes;
    }

    /// The site keyed like `site`, if this snapshot has it.
    pub fn find(&self, site: Option<&SiteFrame>) -> Option<&HeapSite> {
        let key = site.map(|f| (Arc::clone(&f.function), f.line));
        self.index.get(&key).and_then(|&i| self.sites.get(i))
    }
}

/// The standard error of a site's scaled in-use bytes that comes from
/// sampling alone: each of `objects` objects of average size `s` was
/// sampled with probability `p = 1 - exp(-s/rate)` and counted `1/p`
/// times, so the estimate's variance is `objects · s² · (1-p)/p`. At the
/// default rate one sampled 8 KiB object stands for about 516 KiB, and a
/// site of 1 MiB is known to within ±740 KiB; at rate 1 it is exact.
pub fn sampling_error(bytes: i64, objects: i64, rate: Option<i64>) -> f64 {
    let Some(rate) = rate.filter(|&r| r > 1) else {
        return 0.0;
    };
    if objects <= 0 || bytes <= 0 {
        return 0.0;
    }
    let size = bytes as f64 / objects as f64;
    let p = 1.0 - (-size / rate as f64).exp();
    if p <= 0.0 {
        return 0.0;
    }
    size * (objects as f64 * (1.0 - p) / p).sqrt()
}

/// Undoes heap sampling as `runtime/pprof` and `go tool pprof` do: a
/// sample of average size `s` was taken with probability
/// `1 - exp(-s/rate)`, so counts are divided by it.
pub fn scale_heap_sample(count: u64, size: u64, rate: u64) -> (i64, i64) {
    let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    if count == 0 || size == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (as_i64(count), as_i64(size));
    }
    let avg = size as f64 / count as f64;
    let scale = 1.0 / (1.0 - (-avg / rate as f64).exp());
    ((count as f64 * scale) as i64, (size as f64 * scale) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_matches_go() {
        // One 64 KiB object at the default 512 KiB rate:
        // scale = 1/(1 - e^-0.125) = 8.51041.
        let (objects, bytes) = scale_heap_sample(1, 65536, 524288);
        assert_eq!((objects, bytes), (8, 557_738));
        assert_eq!(scale_heap_sample(3, 300, 1), (3, 300));
        assert_eq!(scale_heap_sample(0, 300, 512), (0, 0));
    }

    #[test]
    fn sampling_error_shrinks_with_the_rate() {
        // 1 MiB in 128 objects of 8 KiB at the default rate: ±~740 KiB.
        let e = sampling_error(1 << 20, 128, Some(512 << 10));
        assert!((700e3..800e3).contains(&e), "{e}");
        assert_eq!(sampling_error(1 << 20, 128, Some(1)), 0.0);
        assert_eq!(sampling_error(1 << 20, 128, None), 0.0);
        // Big objects are always sampled: no error.
        assert!(sampling_error(64 << 20, 1, Some(512 << 10)) < 1.0);
    }

    fn frame(function: &str, line: u32) -> SiteFrame {
        SiteFrame {
            function: function.into(),
            file: "x.go".into(),
            line,
        }
    }

    #[test]
    fn sites_are_first_user_frames() {
        let mut s = HeapSnapshot::new("h");
        let make = |caller: u32| {
            vec![
                frame("runtime.makeslice", 1),
                frame("bytes.growSlice", 2),
                frame("main.keep", 10),
                frame("main.caller", caller),
            ]
        };
        s.add(make(20), 100, 1);
        s.add(make(30), 300, 3);
        s.add(vec![frame("runtime.malg", 1)], 50, 1);
        assert_eq!(s.sites.len(), 2);
        let site = s.find(Some(&frame("main.keep", 10))).unwrap();
        assert_eq!((site.inuse_bytes, site.inuse_objects), (400, 4));
        assert_eq!(site.frames[3].line, 30, "keeps the largest sample's stack");
        assert_eq!(s.inuse_bytes, 450);
    }
}
