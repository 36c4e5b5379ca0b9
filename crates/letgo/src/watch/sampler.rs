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

use crate::runtime::http::{seconds, Deadline, HttpUrl, RequestOptions};
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
    /// How long one sample's requests may take in all, bodies included.
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
    /// How many samples the run will take, when that is known in advance:
    /// one at each tick before `--for` ends (a sample due at the end itself
    /// would be cut at once).
    pub fn planned_samples(&self) -> Option<u64> {
        let by_time = self
            .duration
            .map(|d| d.as_nanos().div_ceil(self.every.as_nanos().max(1)) as u64);
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
    /// When `--for` ends the run: requests in flight are cut then.
    run_end: Option<Deadline>,
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
            run_end: None,
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
        self.run_end = self.options.duration.map(|d| Deadline {
            at: self.started + d,
            why: format!("cut at the end of --for {}", seconds(d)),
        });
        let planned = self.options.planned_samples();
        let every = self.options.every.as_nanos().max(1);
        let mut tick: u128 = 0;
        let mut seq = 0u64;
        let mut last_start: Option<Instant> = None;
        loop {
            let offset = Duration::from_nanos((every * tick).min(u64::MAX as u128) as u64);
            let over_time = self.options.duration.is_some_and(|d| offset >= d);
            let over_count = self.options.max_samples.is_some_and(|m| seq >= m);
            // On the grid of ticks, but never sooner than `every` after
            // the previous sample began, even if that one started late.
            let due = last_start.map_or(self.started + offset, |last| {
                (self.started + offset).max(last + self.options.every)
            });
            if over_time || over_count || !self.sleep_until(due) {
                return Ok(());
            }
            last_start = Some(Instant::now());
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

    /// Waits until `due`; false if told to stop, or the run ends, first.
    fn sleep_until(&self, due: Instant) -> bool {
        loop {
            if self.stop.load(Ordering::Relaxed) || self.run_over() {
                return false;
            }
            let now = Instant::now();
            if now >= due {
                return true;
            }
            std::thread::sleep((due - now).min(Duration::from_millis(50)));
        }
    }

    /// Whether `--for` has ended.
    fn run_over(&self) -> bool {
        self.run_end
            .as_ref()
            .is_some_and(|end| Instant::now() >= end.at)
    }

    fn note_no_leak_profile(&mut self) {
        self.notes.push(format!(
            "{}: not served; {}",
            self.url(LEAK.path).display(),
            letgo_runtime::LEAK_PROFILE_HOWTO
        ));
    }

    fn url(&self, endpoint: &str) -> HttpUrl {
        let prefix = self.options.target.path.trim_end_matches('/');
        self.options
            .target
            .with_path(&format!("{prefix}/{endpoint}"))
    }

    /// A sample's requests share one deadline (`--timeout`), so a target
    /// that hangs costs one timeout per sample, not one per endpoint; the
    /// end of the run (`--for`) cuts it too.
    fn sample_deadline(&self) -> Deadline {
        let own = Deadline::after(self.options.timeout);
        match &self.run_end {
            Some(end) => own.min(end.clone()),
            None => own,
        }
    }

    fn request_options(&self, deadline: &Deadline) -> RequestOptions {
        RequestOptions {
            headers: self.options.headers.clone(),
            deadline: Some(deadline.clone()),
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
        let deadline = self.sample_deadline();
        for endpoint in &endpoints {
            if let Some(d) = self.sample_endpoint(endpoint, &deadline, &mut record) {
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
        deadline: &Deadline,
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
        if self.run_over() {
            fail(record, "not fetched: the run ended (--for)".into());
            return None;
        }
        let fetched = match fetch(&url, &self.request_options(deadline), self.options.max_body) {
            Ok(f) => {
                if endpoint.name == LEAK.name && self.leak_served.is_none() {
                    self.leak_served = Some(true);
                    self.notes.push(format!(
                        "{}: served; goroutines Go proves leaked are reported as such (LG501)",
                        url.display()
                    ));
                }
                f
            }
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
                // The record names the URL; the file name would make each
                // sample's reason differ for the same fault.
                let reason = reason.strip_prefix(&format!("{name}: ")).unwrap_or(&reason);
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

    /// A process's allocation counter only ever rises, and so, nearly, do
    /// its goroutine ids: when one falls, the target restarted, and a new
    /// lifetime begins. Ids are handed to each P in batches, so the highest
    /// id alive can dip a little within one process; only a fall below
    /// half counts.
    fn check_restart(&mut self, record: &mut SampleRecord) {
        let allocations_fell = matches!(
            (self.last_allocated, record.heap_alloc_bytes),
            (Some(before), Some(now)) if now < before
        );
        let ids_fell = matches!(
            (self.last_max_id, record.max_goroutine_id),
            (Some(before), Some(now)) if now < before / 2
        );
        if allocations_fell || ids_fell {
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
        Decoded::Dump { max_id, .. } => record.max_goroutine_id = Some(*max_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Mutex;

    use letgo_pprof::{BuildFrame, ProfileBuilder};

    use crate::watch::folder::{read_run, RunInfo};

    fn profile(types: &[(&str, &str)], function: &str, values: Vec<i64>) -> Vec<u8> {
        let mut b = ProfileBuilder::new(types);
        let frame = BuildFrame {
            function,
            file: "/app/main.go",
            line: 7,
        };
        b.add_sample(&[frame], values, &[]);
        b.build("test").unwrap().encode_gzip()
    }

    fn heap(n: i64) -> Vec<u8> {
        let types = [
            ("alloc_objects", "count"),
            ("alloc_space", "bytes"),
            ("inuse_objects", "count"),
            ("inuse_space", "bytes"),
        ];
        profile(&types, "main.keep", vec![n, n << 20, n, n << 20])
    }

    /// A gzip body of a few KiB that decodes to 8 MiB looking like a
    /// protobuf profile.
    fn bomb() -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&[0x0a]).unwrap();
        gz.write_all(&vec![0u8; 8 << 20]).unwrap();
        gz.finish().unwrap()
    }

    fn ok(body: &[u8]) -> Vec<u8> {
        let mut r =
            format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
        r.extend_from_slice(body);
        r
    }

    /// The target's answer to the `n`th request (from 1) for `path`.
    fn answer(path: &str, n: usize) -> Vec<u8> {
        match (path, n) {
            ("/debug/pprof/", _) => ok(b"<a href=heap>heap</a> <a href=goroutine>goroutine</a>"),
            ("/debug/pprof/heap", 2) => ok(b"this is not a profile"),
            ("/debug/pprof/heap", 3) => ok(&bomb()),
            ("/debug/pprof/heap", 4) => b"HTTP/1.0 500 Internal Server Error\r\n\r\nboom".to_vec(),
            ("/debug/pprof/heap", 5) => {
                b"HTTP/1.0 200 OK\r\nContent-Length: 4096\r\n\r\n\x1f\x8b".to_vec()
            }
            ("/debug/pprof/heap", 6) => b"HTTP/1.0 404 Not Found\r\n\r\n".to_vec(),
            ("/debug/pprof/heap", n) => ok(&heap(n as i64)),
            ("/debug/pprof/goroutine", _) => {
                ok(&profile(&[("goroutine", "count")], "main.main", vec![3]))
            }
            ("/debug/pprof/goroutine?debug=2", _) => {
                ok(b"goroutine 1 [running]:\nmain.main()\n\t/app/main.go:1 +0x1\n")
            }
            _ => b"HTTP/1.0 404 Not Found\r\n\r\n".to_vec(),
        }
    }

    /// What the fake target saw: requests in order with their arrival
    /// time, and the most requests it had unanswered at once.
    #[derive(Default)]
    struct Seen {
        requests: Mutex<Vec<(String, Instant)>>,
        open: AtomicUsize,
        most_open: AtomicUsize,
    }

    fn serve(listener: TcpListener, seen: Arc<Seen>) {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || {
                let open = seen.open.fetch_add(1, Ordering::SeqCst) + 1;
                seen.most_open.fetch_max(open, Ordering::SeqCst);
                let mut buf = [0u8; 2048];
                let n = conn.read(&mut buf).unwrap_or(0);
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                let path = text.split(' ').nth(1).unwrap_or("").to_string();
                let count = {
                    let mut requests = seen.requests.lock().unwrap();
                    requests.push((path.clone(), Instant::now()));
                    requests.iter().filter(|(p, _)| *p == path).count()
                };
                // Answered: the client may send its next request now.
                seen.open.fetch_sub(1, Ordering::SeqCst);
                let _ = conn.write_all(&answer(&path, count));
            });
        }
    }

    #[test]
    fn bad_answers_fail_their_sample_with_a_reason_and_sampling_goes_on() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Seen::default());
        let server_seen = Arc::clone(&seen);
        std::thread::spawn(move || serve(listener, server_seen));
        let dir = tempfile::tempdir().unwrap();
        let info = RunInfo {
            url: format!("http://127.0.0.1:{port}/debug/pprof"),
            every_ms: 60,
            started_unix_ms: 0,
            letgo: "test".into(),
        };
        let folder = RunFolder::create(dir.path(), &info).unwrap();
        let every = Duration::from_millis(60);
        let options = SamplerOptions {
            target: HttpUrl::parse(&info.url).unwrap(),
            every,
            duration: None,
            max_samples: Some(7),
            gc: false,
            headers: vec![("Authorization".into(), "Bearer t".into())],
            timeout: Duration::from_secs(5),
            max_body: 1 << 20,
            decode: DecodeOptions {
                max_decoded_bytes: 1 << 20,
            },
            detail_every: 100,
            group_by: GroupBy::Stack,
        };
        let mut sampler = Sampler::new(options, folder, Arc::new(AtomicBool::new(false)));
        let mut series = Series::default();
        sampler.run(&mut series, &mut |_| {}).unwrap();

        let records = read_run(dir.path()).unwrap().records;
        assert_eq!(records, series.records, "samples.jsonl holds every sample");
        let heap_failure = |i: usize| {
            records[i]
                .failures
                .iter()
                .find(|f| f.endpoint == "heap")
                .map(|f| f.reason.clone())
                .unwrap_or_default()
        };
        assert!(records[0].is_complete() && records[6].is_complete());
        assert!(
            heap_failure(1).starts_with("unreadable"),
            "{}",
            heap_failure(1)
        );
        assert!(
            heap_failure(2).contains("gzip data that decompresses past it"),
            "{}",
            heap_failure(2)
        );
        assert_eq!(heap_failure(3), "HTTP status 500");
        assert!(
            heap_failure(4).starts_with("truncated"),
            "{}",
            heap_failure(4)
        );
        assert_eq!(heap_failure(5), "not served (HTTP 404)");
        for r in &records[1..6] {
            assert!(!r.is_complete() && r.goroutines == Some(3), "{r:?}");
        }
        assert_eq!(records[6].heap_inuse_bytes, Some(7 << 20));
        assert!(records.iter().all(|r| !r.restarted), "{records:?}");
        // No invalid body was stored; the good ones were.
        let stored: usize = records.iter().map(|r| r.profiles.len()).sum();
        // heap and goroutine twice, goroutine alone five times, and the dump
        // on the first and the last planned sample.
        assert_eq!(stored, 2 + 5 + 2 + 2);
        // Politeness: one connection at a time, heap requests `every` apart.
        assert_eq!(seen.most_open.load(Ordering::SeqCst), 1);
        let requests = seen.requests.lock().unwrap();
        let heap_times: Vec<Instant> = requests
            .iter()
            .filter(|(p, _)| p == "/debug/pprof/heap")
            .map(|(_, t)| *t)
            .collect();
        assert_eq!(heap_times.len(), 7);
        // Arrival times carry the test server's thread scheduling, a few
        // milliseconds on a loaded machine; the whole run cannot.
        let jitter = Duration::from_millis(15);
        for w in heap_times.windows(2) {
            assert!(w[1] - w[0] >= every - jitter, "{:?}", w[1] - w[0]);
        }
        assert!(heap_times[6] - heap_times[0] >= 6 * every - jitter);
    }

    #[test]
    fn a_falling_allocation_counter_starts_a_new_lifetime() {
        let dir = tempfile::tempdir().unwrap();
        let info = RunInfo {
            url: "http://127.0.0.1:1".into(),
            every_ms: 1,
            started_unix_ms: 0,
            letgo: "test".into(),
        };
        let folder = RunFolder::create(dir.path(), &info).unwrap();
        let options = SamplerOptions {
            target: HttpUrl::parse(&info.url).unwrap(),
            every: Duration::from_millis(100),
            duration: Some(Duration::from_secs(1)),
            max_samples: None,
            gc: false,
            headers: Vec::new(),
            timeout: Duration::from_secs(1),
            max_body: 1,
            decode: DecodeOptions::default(),
            detail_every: 6,
            group_by: GroupBy::Stack,
        };
        assert_eq!(options.planned_samples(), Some(10));
        let mut sampler = Sampler::new(options, folder, Arc::new(AtomicBool::new(false)));
        let mut record = |alloc: Option<i64>, id: Option<u64>| {
            let mut r = SampleRecord {
                heap_alloc_bytes: alloc,
                max_goroutine_id: id,
                ..SampleRecord::default()
            };
            sampler.check_restart(&mut r);
            (r.segment, r.restarted)
        };
        assert_eq!(record(Some(100), Some(50)), (0, false));
        assert_eq!(
            record(None, None),
            (0, false),
            "a failed sample says nothing"
        );
        assert_eq!(record(Some(200), None), (0, false));
        assert_eq!(record(Some(150), None), (1, true), "allocations fell");
        assert_eq!(record(Some(300), Some(900)), (1, false), "new ids");
        assert_eq!(record(Some(400), Some(886)), (1, false), "ids in batches");
        assert_eq!(record(Some(500), Some(40)), (2, true), "ids fell");
    }
}
