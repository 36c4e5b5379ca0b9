//! The sampling loop of `letgo watch`.
//!
//! Politeness to the target comes first: requests are made one after the
//! other (never two at once), ticks are `every` apart and a tick that is
//! missed because a sample ran long is skipped rather than made up, so the
//! target is never asked more often than `--every`. Each profile is
//! decoded as it arrives (so garbage, a decompression bomb or the wrong
//! kind of profile fails that sample, with the reason) and written to the
//! run folder before the next request; the sample's line in
//! `samples.jsonl` follows when the sample is over.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use letgo_pprof::DecodeOptions;
use letgo_runtime::GroupBy;

use crate::runtime_http::{HttpUrl, RequestOptions};
use crate::watch::fetch::{fetch, FetchError};
use crate::watch::folder::{sample_dir_name, Failure, ProfileFile, RunFolder, SampleRecord};
use crate::watch::series::{decode, Decoded, Series};

/// How to sample.
#[derive(Debug, Clone)]
pub struct SamplerOptions {
    /// The target, its path being the pprof prefix (`/debug/pprof`).
    pub target: HttpUrl,
    /// The interval between samples.
    pub every: Duration,
    /// Stop after this long (else on Ctrl-C or `max_samples`).
    pub duration: Option<Duration>,
    /// Stop after this many samples.
    pub max_samples: Option<u64>,
    /// Ask the target to collect garbage before its heap profile.
    pub gc: bool,
    /// Extra request headers (credentials).
    pub headers: Vec<(String, String)>,
    /// How long one request may take, body included.
    pub timeout: Duration,
    /// The largest body accepted, as served.
    pub max_body: u64,
    /// The decoders' limits (the decompressed size cap).
    pub decode: DecodeOptions,
    /// Every how many samples the `debug=2` dump and the `goroutineleak`
    /// profile are fetched (also on the first and the last planned one).
    pub detail_every: u64,
    /// How goroutines are grouped.
    pub group_by: GroupBy,
}

impl SamplerOptions {
    /// How many samples the run will take, when that is known in advance.
    pub fn planned_samples(&self) -> Option<u64> {
        let by_time = self
            .duration
            .map(|d| (d.as_nanos() / self.every.as_nanos().max(1)) as u64 + 1);
        match (by_time, self.max_samples) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// An endpoint fetched at each sample (or each detailed one).
struct Endpoint {
    name: &'static str,
    path: &'static str,
    file: &'static str,
}

const HEAP: Endpoint = Endpoint {
    name: "heap",
    path: "heap",
    file: "heap.pb.gz",
};
const HEAP_GC: Endpoint = Endpoint {
    name: "heap",
    path: "heap?gc=1",
    file: "heap.pb.gz",
};
const GOROUTINE: Endpoint = Endpoint {
    name: "goroutine",
    path: "goroutine",
    file: "goroutine.pb.gz",
};
const DUMP: Endpoint = Endpoint {
    name: "goroutine-debug2",
    path: "goroutine?debug=2",
    file: "goroutine-debug2.txt",
};
const LEAK: Endpoint = Endpoint {
    name: "goroutineleak",
    path: "goroutineleak",
    file: "goroutineleak.pb.gz",
};

/// Samples the target until told to stop.
pub struct Sampler {
    options: SamplerOptions,
    folder: RunFolder,
    stop: Arc<AtomicBool>,
    started: Instant,
    /// Whether the target serves `goroutineleak` (Go 1.26+), once known.
    leak_served: Option<bool>,
    segment: u32,
    last_allocated: Option<i64>,
    last_max_id: Option<u64>,
    /// Things worth telling the user once.
    pub notes: Vec<String>,
}

impl Sampler {
    pub fn new(options: SamplerOptions, folder: RunFolder, stop: Arc<AtomicBool>) -> Sampler {
        Sampler {
            options,
            folder,
            stop,
            started: Instant::now(),
            leak_served: None,
            segment: 0,
            last_allocated: None,
            last_max_id: None,
            notes: Vec::new(),
        }
    }

    /// Samples until the duration or sample count is reached or `stop` is
    /// set; `on_sample` sees the series after each sample. Only a failure
    /// to write the run folder ends the run early: the target failing is
    /// recorded and sampling goes on.
    pub fn run(
        &mut self,
        series: &mut Series,
        on_sample: &mut dyn FnMut(&Series),
    ) -> anyhow::Result<()> {
        self.started = Instant::now();
        self.probe_leak_profile();
        let planned = self.options.planned_samples();
        let every = self.options.every.as_nanos().max(1);
        let mut tick: u128 = 0;
        let mut seq = 0u64;
        loop {
            let offset = Duration::from_nanos((every * tick).min(u64::MAX as u128) as u64);
            let over_time = self.options.duration.is_some_and(|d| offset > d);
            let over_count = self.options.max_samples.is_some_and(|m| seq >= m);
            if over_time || over_count || !self.sleep_until(self.started + offset) {
                return Ok(());
            }
            seq += 1;
            let every_nth = seq == 1 || seq.is_multiple_of(self.options.detail_every.max(1));
            let detailed = every_nth || planned == Some(seq);
            let (record, decoded) = self.take(seq, detailed);
            self.folder.append(&record)?;
            series.push(record, decoded);
            on_sample(series);
            // Skip the ticks a long sample ran past instead of catching up.
            let elapsed = self.started.elapsed().as_nanos();
            tick = (tick + 1).max(elapsed.div_ceil(every));
        }
    }

    /// Waits until `due`; false if told to stop first.
    fn sleep_until(&self, due: Instant) -> bool {
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return false;
            }
            let now = Instant::now();
            if now >= due {
                return true;
            }
            std::thread::sleep((due - now).min(Duration::from_millis(50)));
        }
    }

    /// Reads the `/debug/pprof/` index once to learn whether
    /// `goroutineleak` is served; if the index cannot be read, the first
    /// detailed sample finds out from a 404.
    fn probe_leak_profile(&mut self) {
        let url = self.url("");
        if let Ok(index) = fetch(&url, &self.request_options(), 1 << 20) {
            let served = String::from_utf8_lossy(&index.body).contains("goroutineleak");
            self.leak_served = Some(served);
            if !served {
                self.note_no_leak_profile();
            }
        }
    }

    fn note_no_leak_profile(&mut self) {
        self.notes.push(format!(
            "{}: not served; Go 1.27 serves it and proves leaked goroutines",
            self.url(LEAK.path).display()
        ));
    }

    fn url(&self, endpoint: &str) -> HttpUrl {
        let prefix = self.options.target.path.trim_end_matches('/');
        self.options
            .target
            .with_path(&format!("{prefix}/{endpoint}"))
    }

    fn request_options(&self) -> RequestOptions {
        RequestOptions {
            headers: self.options.headers.clone(),
            deadline: Some(Instant::now() + self.options.timeout),
            cancel: Some(Arc::clone(&self.stop)),
        }
    }

    /// Takes sample `seq`: every endpoint in turn, then the restart check.
    fn take(&mut self, seq: u64, detailed: bool) -> (SampleRecord, Vec<Decoded>) {
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let mut record = SampleRecord {
            seq,
            unix_ms,
            elapsed_ms: self.started.elapsed().as_millis() as u64,
            ..SampleRecord::default()
        };
        let mut endpoints = vec![if self.options.gc { HEAP_GC } else { HEAP }, GOROUTINE];
        if detailed {
            endpoints.push(DUMP);
            if self.leak_served != Some(false) {
                endpoints.push(LEAK);
            }
        }
        let mut decoded = Vec::new();
        for endpoint in &endpoints {
            if let Some(d) = self.sample_endpoint(endpoint, &mut record) {
                decoded.push(d);
            }
        }
        self.check_restart(&mut record);
        (record, decoded)
    }

    /// Fetches, decodes and stores one endpoint, noting the outcome in
    /// `record`.
    fn sample_endpoint(
        &mut self,
        endpoint: &Endpoint,
        record: &mut SampleRecord,
    ) -> Option<Decoded> {
        let url = self.url(endpoint.path);
        let fail = |record: &mut SampleRecord, reason: String| {
            record.failures.push(Failure {
                endpoint: endpoint.name.to_string(),
                url: url.display(),
                reason,
            });
        };
        if self.stop.load(Ordering::Relaxed) {
            fail(record, "not fetched: stopped (Ctrl-C)".into());
            return None;
        }
        let fetched = match fetch(&url, &self.request_options(), self.options.max_body) {
            Ok(f) => f,
            Err(FetchError::NotServed) if endpoint.name == LEAK.name => {
                self.leak_served = Some(false);
                self.note_no_leak_profile();
                return None;
            }
            Err(e) => {
                fail(record, e.to_string());
                return None;
            }
        };
        let name = format!(
            "{}/{}",
            sample_dir_name(record.seq, record.unix_ms),
            endpoint.file
        );
        let decoded = match decode(
            endpoint.name,
            &name,
            &fetched.body,
            self.options.group_by,
            &self.options.decode,
        ) {
            Ok(d) => d,
            Err(reason) => {
                fail(record, format!("unreadable: {reason}"));
                return None;
            }
        };
        match self
            .folder
            .store(record.seq, record.unix_ms, endpoint.file, &fetched.body)
        {
            Ok(file) => record.profiles.push(ProfileFile {
                endpoint: endpoint.name.to_string(),
                file,
                bytes: fetched.body.len() as u64,
                millis: fetched.elapsed.as_millis() as u64,
            }),
            Err(e) => {
                fail(record, format!("{e:#}"));
                return None;
            }
        }
        note_totals(&decoded, record);
        Some(decoded)
    }

    /// A process's allocation counter and goroutine ids only ever rise:
    /// when one falls, the target restarted, and a new lifetime begins.
    fn check_restart(&mut self, record: &mut SampleRecord) {
        let fell = |before: Option<i64>, now: Option<i64>| matches!((before, now), (Some(b), Some(n)) if n < b);
        let max_id = record.max_goroutine_id.map(|id| id as i64);
        if fell(self.last_allocated, record.heap_alloc_bytes)
            || fell(self.last_max_id.map(|id| id as i64), max_id)
        {
            self.segment += 1;
            record.restarted = true;
            self.last_allocated = None;
            self.last_max_id = None;
        }
        record.segment = self.segment;
        self.last_allocated = record.heap_alloc_bytes.or(self.last_allocated);
        self.last_max_id = record.max_goroutine_id.or(self.last_max_id);
    }
}

/// Copies the totals a profile tells into the sample's record.
fn note_totals(decoded: &Decoded, record: &mut SampleRecord) {
    match decoded {
        Decoded::Heap(h, allocated) => {
            record.heap_inuse_bytes = Some(h.inuse_bytes);
            record.heap_alloc_bytes = Some(*allocated);
        }
        Decoded::Goroutines(g) if g.source != letgo_runtime::GoroutineSource::LeakProfile => {
            record.goroutines = Some(g.total);
        }
        Decoded::Goroutines(_) => {}
        Decoded::Dump { max_id } => record.max_goroutine_id = Some(*max_id),
    }
}
