//! Goroutines grouped by wait state and stack, from any source: a
//! traceback (`debug=2`, panic, SIGQUIT), a protobuf `goroutine` or
//! `goroutineleak` profile, or a count profile's `debug=1` text.
//!
//! A dump of a million goroutines is read as a stream: a snapshot keeps one
//! group per distinct stack, never the goroutines themselves.

use std::hash::{Hash, Hasher};

use hashbrown::HashTable;
use std::io::BufRead;
use std::sync::Arc;

use letgo_pprof::{
    CountProfile, FxHasher, Goroutine, GoroutineDumpReader, Profile, WaitKind, WaitState,
};

use crate::frames::{normalized, site_index, traceback_frame, Names, SiteFrame};
use crate::labels::LabelSets;

/// How goroutines are put together into groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupBy {
    /// Same wait state and same stack (function and line of every visible
    /// frame), as Go's `debug=1` profile groups them.
    #[default]
    Stack,
    /// Same wait state and same first frame in user code: goroutines
    /// blocked at one line through different callers land in one group.
    FirstUserFrame,
}

/// Where a snapshot came from, which decides what its counts mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoroutineSource {
    /// A traceback: states and wait minutes as printed.
    Traceback,
    /// A protobuf `goroutine` profile: states inferred from runtime frames.
    Profile,
    /// A `goroutine` count profile (`debug=1`): states inferred.
    CountText,
    /// Go's `goroutineleak` profile (protobuf or `debug=1`): only the
    /// goroutines the garbage collector proved can never run again.
    LeakProfile,
}

/// How to get Go's proof of leaked goroutines, for a target that does not
/// serve it: said once, where verdicts had to do without it.
pub const LEAK_PROFILE_HOWTO: &str = "without it leaks are judged from trends and waits nothing can end, not proven; Go 1.27 serves /debug/pprof/goroutineleak by default, Go 1.26 when built with GOEXPERIMENT=goroutineleakprofile";

impl GoroutineSource {
    /// What this kind of input cannot tell, for a note beside verdicts
    /// drawn from it; `None` for a traceback, which tells all there is.
    pub fn limits(self) -> Option<&'static str> {
        match self {
            GoroutineSource::CountText => Some(
                "a debug=1 goroutine profile lists no runtime frames, so wait states are unknown: a nil channel, `select {}` or a held lock cannot be told, and only rising counts are judged; a debug=2 dump or the protobuf profile tells more",
            ),
            GoroutineSource::Profile => Some(
                "a protobuf goroutine profile prints no wait times and does not tell a receive on a nil channel from any other, so a lock held for minutes or a nil channel is seen only in a debug=2 dump",
            ),
            GoroutineSource::Traceback | GoroutineSource::LeakProfile => None,
        }
    }
}

/// Goroutines with the same wait state and stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoroutineGroup {
    /// The wait reason as printed (`chan receive`, `select`,
    /// `sync.Mutex.Lock`) or inferred from the runtime frames of a profile.
    pub state: Arc<str>,
    /// The reason's class.
    pub kind: WaitKind,
    /// The stack of the first goroutine seen, innermost first, with the
    /// frames the runtime hides from tracebacks left out.
    pub frames: Vec<SiteFrame>,
    /// How many goroutines.
    pub count: u64,
    /// How many of them are marked `(leaked)` or come from a
    /// `goroutineleak` profile.
    pub leaked: u64,
    /// The least and most `N minutes` printed; `None` when no goroutine
    /// printed any (waits under a minute, leaked goroutines, profiles).
    pub minutes: Option<(u64, u64)>,
    /// The pprof label sets seen, each with its count.
    pub labels: LabelSets,
    /// The `go` statement that started the first goroutine seen.
    pub created_by: Option<SiteFrame>,
    /// The lowest few goroutine ids, in order (tracebacks only).
    pub example_ids: Vec<u64>,
}

const MAX_EXAMPLE_IDS: usize = 5;

impl GoroutineGroup {
    /// The index in [`GoroutineGroup::frames`] of the frame a finding
    /// points at: the first in user code, else the first visible one.
    pub fn site_index(&self) -> Option<usize> {
        site_index(&self.frames)
    }

    /// The frame a finding points at.
    pub fn site(&self) -> Option<&SiteFrame> {
        self.site_index().and_then(|i| self.frames.get(i))
    }
}

/// What identifies a group: its state and frames (all of them, or only the
/// site, depending on [`GroupBy`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupKey {
    /// The wait state.
    pub state: Arc<str>,
    /// The stack without its state: how a `goroutineleak` profile's groups
    /// are matched to a dump's.
    pub stack: StackKey,
}

/// Function and line of each identifying frame.
pub type StackKey = Vec<(Arc<str>, u32)>;

/// The goroutines of one moment, grouped.
#[derive(Debug)]
pub struct GoroutineSnapshot {
    /// The input's name (file or URL).
    pub name: Arc<str>,
    /// What kind of input.
    pub source: GoroutineSource,
    /// When it was taken (protobuf profiles record it), in Unix nanoseconds.
    pub time_nanos: Option<i64>,
    /// Goroutines in all groups.
    pub total: u64,
    /// The groups, in order of first appearance.
    pub groups: Vec<GoroutineGroup>,
    /// What a reader should know about how it was read (a dump cut short
    /// and read up to the cut).
    pub warnings: Vec<String>,
    group_by: GroupBy,
    /// The groups by identity (state and identifying frames). It holds
    /// group numbers only and compares with the groups' own frames: building
    /// a key of names per goroutine or sample cost more than the grouping.
    index: HashTable<usize>,
    /// Where each group's first goroutine was read (a byte offset for
    /// tracebacks, an ordinal otherwise): the order of groups after a merge.
    first_seen: Vec<u64>,
    names: Names,
}

impl GoroutineSnapshot {
    /// An empty snapshot.
    pub fn new(name: impl Into<Arc<str>>, source: GoroutineSource, group_by: GroupBy) -> Self {
        GoroutineSnapshot {
            name: name.into(),
            source,
            time_nanos: None,
            total: 0,
            groups: Vec::new(),
            warnings: Vec::new(),
            group_by,
            index: HashTable::new(),
            first_seen: Vec::new(),
            names: Names::default(),
        }
    }

    /// Streams a traceback into a snapshot: in chunks on every core when
    /// nothing has been read from `reader` yet ([`crate::traceback`]), else
    /// one goroutine at a time.
    pub fn from_traceback<R: BufRead>(
        reader: GoroutineDumpReader<R>,
        name: impl Into<Arc<str>>,
        group_by: GroupBy,
    ) -> letgo_pprof::Result<Self> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::from_traceback_on(reader, name, group_by, threads)
    }

    /// [`GoroutineSnapshot::from_traceback`] with `threads` worker threads.
    pub fn from_traceback_on<R: BufRead>(
        reader: GoroutineDumpReader<R>,
        name: impl Into<Arc<str>>,
        group_by: GroupBy,
        threads: usize,
    ) -> letgo_pprof::Result<Self> {
        let name = name.into();
        match reader.into_unread() {
            Ok(input) => crate::traceback::read(input, name, group_by, threads),
            Err(reader) => {
                let mut snapshot = Self::new(name, GoroutineSource::Traceback, group_by);
                for goroutine in reader {
                    match goroutine {
                        Ok(g) => snapshot.add_goroutine(&g),
                        Err(e) if e.kind == letgo_pprof::ErrorKind::Truncated => {
                            snapshot.cut_short(&e);
                            break;
                        }
                        Err(e) => return Err(e),
                    }
                }
                Ok(snapshot)
            }
        }
    }

    /// Keeps what was read before `error`, the end of a dump that was cut
    /// short (Go itself cuts a `debug=2` dump at 64 MB), with a warning:
    /// the goroutines before the cut are whole, only the last one is lost.
    pub(crate) fn cut_short(&mut self, error: &letgo_pprof::Error) {
        self.warnings.push(format!(
            "{}: cut short at {}; read the {} goroutine(s) before the cut, the last one is incomplete and left out (Go cuts a debug=2 dump at 64 MB)",
            self.name, error.position, self.total
        ));
    }

    /// A protobuf `goroutine` or `goroutineleak` profile; `None` when the
    /// profile holds neither.
    pub fn from_profile(
        profile: &Profile,
        name: impl Into<Arc<str>>,
        group_by: GroupBy,
    ) -> Option<Self> {
        let (index, source) = if let Some(i) = profile.sample_type_index("goroutineleak") {
            (i, GoroutineSource::LeakProfile)
        } else {
            (
                profile.sample_type_index("goroutine")?,
                GoroutineSource::Profile,
            )
        };
        let mut snapshot = Self::new(name, source, group_by);
        snapshot.time_nanos = (profile.time_nanos() > 0).then_some(profile.time_nanos());
        // Each location resolved once, not once per sample that lists it.
        let locations = crate::frames::LocationFrames::new(profile, &mut snapshot.names);
        // A profile has one sample per stack: room for as many groups, so
        // that the index never rehashes its groups as it grows.
        let (groups, group_by) = (&snapshot.groups, group_by);
        snapshot.index.reserve(profile.sample_count(), |&j| {
            group_hash(&groups[j], group_by)
        });
        for sample in &profile.raw().sample {
            let count = sample.value.get(index).copied().unwrap_or(0);
            let count = u64::try_from(count).unwrap_or(0);
            // Sized up front: growing a vector per sample showed in profiles.
            let mut frames = Vec::with_capacity(sample.location_id.len() + 2);
            frames.extend(locations.sample(profile, sample).map(|f| f.frame.clone()));
            let labels: Vec<(String, String)> = profile
                .labels(sample)
                .filter_map(|l| match l.value {
                    letgo_pprof::LabelValue::Str(v) => Some((l.key.to_string(), v.to_string())),
                    letgo_pprof::LabelValue::Num { .. } => None,
                })
                .collect();
            snapshot.add_stack(frames, count, &labels);
        }
        Some(snapshot)
    }

    /// A count profile's `debug=1` text (`goroutine` or `goroutineleak`);
    /// `None` for other count profiles.
    pub fn from_count_profile(
        profile: &CountProfile,
        name: impl Into<Arc<str>>,
        group_by: GroupBy,
    ) -> Option<Self> {
        let source = match profile.name.as_str() {
            "goroutine" => GoroutineSource::CountText,
            "goroutineleak" => GoroutineSource::LeakProfile,
            _ => return None,
        };
        let mut snapshot = Self::new(name, source, group_by);
        for record in &profile.records {
            let frames: Vec<SiteFrame> = record
                .frames
                .iter()
                .map(|f| snapshot.names.pc_frame(f))
                .collect();
            snapshot.add_stack(frames, record.count, &record.labels);
        }
        Some(snapshot)
    }

    /// Adds one goroutine of a traceback.
    pub fn add_goroutine(&mut self, g: &Goroutine) {
        let seen = self.total;
        self.add_goroutine_seen_at(g, seen);
    }

    /// Adds one goroutine of a traceback read at `seen`; returns its group.
    pub(crate) fn add_goroutine_seen_at(&mut self, g: &Goroutine, seen: u64) -> usize {
        let frames: Vec<SiteFrame> = g.frames.iter().map(traceback_frame).collect();
        let frames = normalized(frames);
        let i = self.group_index(&g.state, frames, seen);
        self.count_goroutine(i, g.id, &g.state, &g.labels);
        let group = &mut self.groups[i];
        if group.created_by.is_none() {
            group.created_by = g.created_by.as_ref().map(|c| SiteFrame {
                function: Arc::clone(&c.function),
                file: Arc::clone(&c.file),
                line: c.line,
            });
        }
        i
    }

    /// Counts one more goroutine of a traceback in group `i`.
    pub(crate) fn count_goroutine(
        &mut self,
        i: usize,
        id: u64,
        state: &WaitState,
        labels: &[(String, String)],
    ) {
        let leak_profile = self.source == GoroutineSource::LeakProfile;
        let group = &mut self.groups[i];
        group.count += 1;
        group.leaked += u64::from(state.leaked || leak_profile);
        if let Some(m) = state.minutes {
            group.minutes = Some(widen(group.minutes, (m, m)));
        }
        group.labels.add(labels, 1);
        add_example_id(&mut group.example_ids, id);
        self.total += 1;
    }

    /// Adds `count` goroutines of a profile with this stack (innermost
    /// first, hidden runtime frames included: they tell the wait state).
    pub fn add_stack(
        &mut self,
        raw_frames: Vec<SiteFrame>,
        count: u64,
        labels: &[(String, String)],
    ) {
        let reason = self.names.get(infer_state(&raw_frames));
        let state = WaitState {
            reason: Arc::clone(&reason),
            ..WaitState::default()
        };
        let frames = normalized(raw_frames);
        let seen = self.first_seen.len() as u64;
        let i = self.group_index(&state, frames, seen);
        let leak_profile = self.source == GoroutineSource::LeakProfile;
        let group = &mut self.groups[i];
        group.count += count;
        if leak_profile {
            group.leaked += count;
        }
        group.labels.add(labels, count);
        self.total += count;
    }

    /// The group with this state and these (normalized) frames, made if new.
    fn group_index(&mut self, state: &WaitState, frames: Vec<SiteFrame>, seen: u64) -> usize {
        let identity = identifying(&frames, self.group_by);
        let hash = identity_hash(&state.reason, identity.clone());
        if let Some(i) = self.position(hash, &state.reason, identity) {
            return i;
        }
        self.insert(
            hash,
            seen,
            GoroutineGroup {
                state: Arc::clone(&state.reason),
                kind: state.kind(),
                frames,
                count: 0,
                leaked: 0,
                minutes: None,
                labels: LabelSets::default(),
                created_by: None,
                example_ids: Vec::new(),
            },
        )
    }

    /// The number of the group with this state and identifying frames.
    fn position(&self, hash: u64, state: &str, frames: Identity<'_>) -> Option<usize> {
        let groups = &self.groups;
        let group_by = self.group_by;
        let same = |&i: &usize| {
            let g = &groups[i];
            *g.state == *state && same_frames(identifying(&g.frames, group_by), frames.clone())
        };
        self.index.find(hash, same).copied()
    }

    /// Adds a group known to be new, whose identity hashes to `hash`;
    /// returns its number.
    fn insert(&mut self, hash: u64, seen: u64, group: GoroutineGroup) -> usize {
        let i = self.groups.len();
        self.groups.push(group);
        self.first_seen.push(seen);
        let (groups, group_by) = (&self.groups, self.group_by);
        self.index
            .insert_unique(hash, i, |&j| group_hash(&groups[j], group_by));
        i
    }

    /// Joins the snapshots of pieces of one traceback (read on several
    /// threads) into one: groups with the same key add up, in the order
    /// their first goroutine appears in the input.
    pub(crate) fn merge(name: Arc<str>, group_by: GroupBy, parts: Vec<Self>) -> Self {
        let mut merged = Self::new(name, GoroutineSource::Traceback, group_by);
        let mut groups = Vec::new();
        for part in parts {
            merged.total += part.total;
            groups.extend(part.first_seen.into_iter().zip(part.groups));
        }
        groups.sort_by_key(|(seen, _)| *seen);
        for (seen, group) in groups {
            let hash = group_hash(&group, group_by);
            let frames = identifying(&group.frames, group_by);
            match merged.position(hash, &group.state, frames) {
                Some(i) => absorb(&mut merged.groups[i], group),
                None => {
                    merged.insert(hash, seen, group);
                }
            }
        }
        merged
    }

    /// The group with this key.
    pub fn find(&self, key: &GroupKey) -> Option<&GoroutineGroup> {
        let frames = Identity::Key(key.stack.iter());
        let hash = identity_hash(&key.state, frames.clone());
        self.position(hash, &key.state, frames)
            .and_then(|i| self.groups.get(i))
    }

    /// How this snapshot groups goroutines.
    pub fn group_by(&self) -> GroupBy {
        self.group_by
    }

    /// The key of each group, in the order of [`GoroutineSnapshot::groups`].
    pub fn keys(&self) -> Vec<GroupKey> {
        let key = |g: &GoroutineGroup| GroupKey {
            state: Arc::clone(&g.state),
            stack: stack_key(&g.frames, self.group_by),
        };
        self.groups.iter().map(key).collect()
    }
}

/// The function and line of each frame that tells a group under a
/// [`GroupBy`]: from a group's frames or from a [`GroupKey`].
#[derive(Clone)]
enum Identity<'a> {
    Frames(std::slice::Iter<'a, SiteFrame>),
    Key(std::slice::Iter<'a, (Arc<str>, u32)>),
}

impl<'a> Iterator for Identity<'a> {
    type Item = (&'a str, u32);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Identity::Frames(frames) => frames.next().map(|f| (&*f.function, f.line)),
            Identity::Key(frames) => frames.next().map(|(f, line)| (&**f, *line)),
        }
    }
}

/// The identifying frames of a stack under `group_by`.
fn identifying(frames: &[SiteFrame], group_by: GroupBy) -> Identity<'_> {
    let frames = match group_by {
        GroupBy::Stack => frames,
        GroupBy::FirstUserFrame => match site_index(frames) {
            Some(i) => &frames[i..=i],
            None => &[],
        },
    };
    Identity::Frames(frames.iter())
}

/// Whether two identities list the same functions and lines.
fn same_frames(mut a: Identity<'_>, mut b: Identity<'_>) -> bool {
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x == y => {}
            _ => return false,
        }
    }
}

fn identity_hash<'a>(state: &str, frames: impl Iterator<Item = (&'a str, u32)>) -> u64 {
    let mut hasher = FxHasher::default();
    state.hash(&mut hasher);
    for (function, line) in frames {
        function.hash(&mut hasher);
        line.hash(&mut hasher);
    }
    hasher.finish()
}

fn group_hash(group: &GoroutineGroup, group_by: GroupBy) -> u64 {
    identity_hash(&group.state, identifying(&group.frames, group_by))
}

/// The identifying frames of a stack under `group_by`.
pub fn stack_key(frames: &[SiteFrame], group_by: GroupBy) -> StackKey {
    let key = |f: &SiteFrame| (Arc::clone(&f.function), f.line);
    match group_by {
        GroupBy::Stack => frames.iter().map(key).collect(),
        GroupBy::FirstUserFrame => site_index(frames)
            .and_then(|i| frames.get(i))
            .map(key)
            .into_iter()
            .collect(),
    }
}

/// Adds a group of the same key, seen later in the input, to `into`.
fn absorb(into: &mut GoroutineGroup, from: GoroutineGroup) {
    into.count += from.count;
    into.leaked += from.leaked;
    if let Some(range) = from.minutes {
        into.minutes = Some(widen(into.minutes, range));
    }
    into.labels.absorb(from.labels);
    for id in from.example_ids {
        add_example_id(&mut into.example_ids, id);
    }
    if into.created_by.is_none() {
        into.created_by = from.created_by;
    }
}

/// The least and most of two ranges.
fn widen(range: Option<(u64, u64)>, (lo, hi): (u64, u64)) -> (u64, u64) {
    match range {
        Some((a, b)) => (a.min(lo), b.max(hi)),
        None => (lo, hi),
    }
}

/// Keeps the lowest [`MAX_EXAMPLE_IDS`] ids, sorted.
fn add_example_id(ids: &mut Vec<u64>, id: u64) {
    if let Err(at) = ids.binary_search(&id) {
        if at < MAX_EXAMPLE_IDS {
            ids.insert(at, id);
            ids.truncate(MAX_EXAMPLE_IDS);
        }
    }
}

/// The wait reason a traceback would print, told from the innermost
/// runtime and `sync` frames of a profile's stack (profiles do not record
/// states). Nil-channel operations cannot be told from others this way.
pub fn infer_state(frames: &[SiteFrame]) -> &'static str {
    for f in frames {
        let state = match &*f.function {
            "runtime.chanrecv" | "runtime.chanrecv1" | "runtime.chanrecv2" => "chan receive",
            "runtime.chansend" | "runtime.chansend1" => "chan send",
            "runtime.selectgo" => "select",
            "runtime.block" => "select (no cases)",
            "sync.runtime_SemacquireMutex" | "internal/sync.runtime_SemacquireMutex" => {
                "sync.Mutex.Lock"
            }
            "sync.runtime_SemacquireRWMutexR" => "sync.RWMutex.RLock",
            "sync.runtime_SemacquireRWMutex" => "sync.RWMutex.Lock",
            "sync.runtime_notifyListWait" => "sync.Cond.Wait",
            "sync.runtime_SemacquireWaitGroup" => "sync.WaitGroup.Wait",
            "sync.runtime_Semacquire" => "semacquire",
            "time.Sleep" => "sleep",
            "internal/poll.runtime_pollWait" => "IO wait",
            "runtime.goroutineProfileWithLabels" | "runtime.goroutineLeakProfileWithLabels" => {
                "running"
            }
            "syscall.Syscall"
            | "syscall.Syscall6"
            | "syscall.RawSyscall"
            | "syscall.RawSyscall6"
            | "internal/runtime/syscall.Syscall6" => "syscall",
            _ => continue,
        };
        return state;
    }
    "waiting"
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = "\
goroutine 1 [running]:
main.main()
\t/src/main.go:10 +0x1

goroutine 7 [chan receive, 3 minutes] {tenant: acme}:
main.worker(0x1)
\t/src/main.go:20 +0x2d
created by main.start in goroutine 1
\t/src/main.go:30 +0x1f

goroutine 8 [chan receive, 5 minutes] {tenant: beta}:
main.worker(0x2)
\t/src/main.go:20 +0x2d
created by main.start in goroutine 1
\t/src/main.go:30 +0x1f

goroutine 9 [chan receive (leaked)]:
main.worker(0x3)
\t/src/main.go:20 +0x2d
created by main.start in goroutine 1
\t/src/main.go:30 +0x1f

goroutine 10 [chan receive]:
main.other(0x3)
\t/src/main.go:40 +0x2d
main.worker(0x3)
\t/src/main.go:20 +0x2d
";

    fn snapshot(group_by: GroupBy) -> GoroutineSnapshot {
        let reader = GoroutineDumpReader::new("dump", DUMP.as_bytes());
        GoroutineSnapshot::from_traceback(reader, "dump", group_by).unwrap()
    }

    #[test]
    fn groups_by_state_and_stack() {
        let s = snapshot(GroupBy::Stack);
        assert_eq!(s.total, 5);
        assert_eq!(s.groups.len(), 3);
        let g = &s.groups[1];
        assert_eq!(
            (&*g.state, g.count, g.leaked, g.minutes),
            ("chan receive", 3, 1, Some((3, 5)))
        );
        assert_eq!(g.kind, WaitKind::ChanReceive);
        assert_eq!(
            g.labels.describe().as_deref(),
            Some("1 × no labels; 1 × tenant=acme; 1 × tenant=beta")
        );
        assert_eq!(g.example_ids, vec![7, 8, 9]);
        assert_eq!(g.created_by.as_ref().map(|c| c.line), Some(30));
        assert_eq!(g.site().map(|f| f.line), Some(20));
    }

    #[test]
    fn lenient_grouping_joins_callers() {
        let s = snapshot(GroupBy::FirstUserFrame);
        // main.other at line 40 is its own first user frame.
        assert_eq!(s.groups.len(), 3);
        let s = GoroutineSnapshot::from_traceback(
            GoroutineDumpReader::new(
                "d",
                "goroutine 1 [select]:\nmain.f()\n\t/a.go:1 +0x1\nmain.g()\n\t/a.go:5 +0x1\n\n\
                 goroutine 2 [select]:\nmain.f()\n\t/a.go:1 +0x1\nmain.h()\n\t/a.go:9 +0x1\n"
                    .as_bytes(),
            ),
            "d",
            GroupBy::FirstUserFrame,
        )
        .unwrap();
        assert_eq!(s.groups.len(), 1);
        assert_eq!(s.groups[0].count, 2);
    }

    fn frame(function: &str, line: u32) -> SiteFrame {
        SiteFrame {
            function: function.into(),
            file: "x.go".into(),
            line,
        }
    }

    #[test]
    fn profile_stacks_get_inferred_states() {
        let mut s = GoroutineSnapshot::new("p", GoroutineSource::Profile, GroupBy::Stack);
        let stack = [
            frame("runtime.gopark", 1),
            frame("runtime.chansend1", 2),
            frame("main.send", 3),
        ];
        s.add_stack(stack.to_vec(), 4, &[]);
        s.add_stack(stack.to_vec(), 2, &[]);
        assert_eq!(s.groups.len(), 1);
        assert_eq!(&*s.groups[0].state, "chan send");
        assert_eq!(s.groups[0].kind, WaitKind::ChanSend);
        assert_eq!(s.groups[0].frames.len(), 1);
        assert_eq!(s.total, 6);
        assert_eq!(s.groups[0].leaked, 0);
        assert_eq!(infer_state(&[frame("main.f", 1)]), "waiting");
    }
}
