//! The run folder of `letgo watch`: one directory per sample holding the
//! raw profiles as the target served them (so `go tool pprof` opens any of
//! them), `samples.jsonl` with one line per sample (times, sizes, totals,
//! failures), and `run.json` saying what was watched.
//!
//! Every file is written atomically (a temporary name, then a rename) and
//! every line of `samples.jsonl` is flushed to disk before the next sample
//! starts, so an interrupted run loses at most the sample in flight.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use crate::paths;

/// One line per sample.
pub const SAMPLES_FILE: &str = "samples.jsonl";
/// What was watched, written once at the start.
pub const RUN_FILE: &str = "run.json";

/// `run.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunInfo {
    /// The base URL watched.
    pub url: String,
    /// The sampling interval.
    pub every_ms: u64,
    /// When sampling began, in Unix milliseconds.
    pub started_unix_ms: u64,
    /// The letgo version that wrote the run.
    pub letgo: String,
}

/// A profile fetched and stored for a sample.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProfileFile {
    /// `heap`, `goroutine`, `goroutine-debug2` or `goroutineleak`.
    pub endpoint: String,
    /// Relative to the run folder.
    pub file: String,
    /// The body's size as served.
    pub bytes: u64,
    /// How long the request took.
    pub millis: u64,
}

/// An endpoint that could not be sampled, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Failure {
    /// As in [`ProfileFile::endpoint`].
    pub endpoint: String,
    /// The URL requested.
    pub url: String,
    /// What went wrong, for a person.
    pub reason: String,
}

/// One line of `samples.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct SampleRecord {
    /// 1 for the first sample of the run.
    pub seq: u64,
    /// When the sample began, in Unix milliseconds.
    pub unix_ms: u64,
    /// Since the run began.
    pub elapsed_ms: u64,
    /// Which lifetime of the target process: starts at 0 and goes up by
    /// one at each restart seen.
    pub segment: u32,
    /// This sample is the first one after a restart.
    pub restarted: bool,
    /// The profiles stored.
    pub profiles: Vec<ProfileFile>,
    /// The endpoints that failed.
    pub failures: Vec<Failure>,
    /// Goroutines, from the `goroutine` profile.
    pub goroutines: Option<u64>,
    /// In-use heap bytes, from the `heap` profile.
    pub heap_inuse_bytes: Option<i64>,
    /// Bytes allocated since the process started: only ever rises in one
    /// process, so a drop means the target restarted.
    pub heap_alloc_bytes: Option<i64>,
    /// The highest goroutine id in a `debug=2` dump: likewise only rises.
    pub max_goroutine_id: Option<u64>,
}

impl SampleRecord {
    /// Whether both profiles the analyses need were stored.
    pub fn is_complete(&self) -> bool {
        ["heap", "goroutine"]
            .iter()
            .all(|e| self.profiles.iter().any(|p| p.endpoint == *e))
    }
}

/// A run folder being written.
pub struct RunFolder {
    root: PathBuf,
    samples: File,
}

impl RunFolder {
    /// Creates `root` (or uses it when empty) and writes `run.json`. A
    /// folder that already holds a run is refused: appending to it would
    /// mix two runs.
    pub fn create(root: &Path, info: &RunInfo) -> anyhow::Result<RunFolder> {
        let shown = paths::display(root);
        if root.join(SAMPLES_FILE).exists() {
            bail!("{shown}: already holds a run; choose another --out, or re-analyse it with `letgo watch --resume {shown}`");
        }
        std::fs::create_dir_all(root).with_context(|| format!("{shown}: cannot create"))?;
        let json = serde_json::to_vec_pretty(info)?;
        write_atomic(&root.join(RUN_FILE), &json)?;
        let samples_path = root.join(SAMPLES_FILE);
        let samples = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&samples_path)
            .with_context(|| format!("{}: cannot create", paths::display(&samples_path)))?;
        Ok(RunFolder {
            root: root.to_path_buf(),
            samples,
        })
    }

    /// Stores one profile of sample `seq` (taken at `unix_ms`) and returns
    /// its path relative to the run folder.
    pub fn store(
        &self,
        seq: u64,
        unix_ms: u64,
        name: &str,
        bytes: &[u8],
    ) -> anyhow::Result<String> {
        let dir = sample_dir_name(seq, unix_ms);
        let full = self.root.join(&dir);
        std::fs::create_dir_all(&full)
            .with_context(|| format!("{}: cannot create", paths::display(&full)))?;
        write_atomic(&full.join(name), bytes)?;
        Ok(format!("{dir}/{name}"))
    }

    /// Appends a sample's line and flushes it to disk.
    pub fn append(&mut self, record: &SampleRecord) -> anyhow::Result<()> {
        let mut line = serde_json::to_vec(record)?;
        line.push(b'\n');
        let shown = paths::display(&self.root.join(SAMPLES_FILE));
        self.samples
            .write_all(&line)
            .and_then(|()| self.samples.sync_data())
            .with_context(|| format!("{shown}: cannot write"))
    }
}

/// `0007-20250314T091502.123Z`: the sequence number first, so that the
/// folders sort in sampling order even if the clock jumps.
pub fn sample_dir_name(seq: u64, unix_ms: u64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(unix_ms);
    let stamp = humantime::format_rfc3339_millis(time)
        .to_string()
        .replace(['-', ':'], "");
    format!("{seq:04}-{stamp}")
}

/// Writes a temporary file next to `path`, then renames it into place, so
/// that a reader never sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let shown = paths::display(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let write = || -> std::io::Result<()> {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_data()?;
        std::fs::rename(&tmp, path)
    };
    write().with_context(|| format!("{shown}: cannot write"))
}

/// A run folder read back.
#[derive(Debug)]
pub struct StoredRun {
    /// `run.json`.
    pub info: RunInfo,
    /// The lines of `samples.jsonl`, in order.
    pub records: Vec<SampleRecord>,
    /// What was skipped and why.
    pub notes: Vec<String>,
}

/// Whether `dir` is a run folder.
pub fn is_run_folder(dir: &Path) -> bool {
    dir.join(SAMPLES_FILE).is_file()
}

/// Reads `run.json` and `samples.jsonl`. A last line cut short (the run
/// was killed while writing it) is skipped with a note; a bad line
/// elsewhere is an error naming it.
pub fn read_run(root: &Path) -> anyhow::Result<StoredRun> {
    let run_path = root.join(RUN_FILE);
    let run_shown = paths::display(&run_path);
    let text =
        std::fs::read(&run_path).with_context(|| format!("{run_shown}: cannot read the run"))?;
    let info: RunInfo = serde_json::from_slice(&text)
        .map_err(|e| anyhow::anyhow!("{run_shown}: not a letgo run: {e}"))?;
    let path = root.join(SAMPLES_FILE);
    let shown = paths::display(&path);
    let file = File::open(&path).with_context(|| format!("{shown}: cannot open"))?;
    let lines: Vec<String> = BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .with_context(|| format!("{shown}: cannot read"))?;
    let mut records = Vec::new();
    let mut notes = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<SampleRecord>(line) {
            Ok(r) => records.push(r),
            Err(e) if i + 1 == lines.len() => {
                notes.push(format!(
                    "{shown}:{}: last line cut short, skipped ({e})",
                    i + 1
                ));
            }
            Err(e) => bail!("{shown}:{}: expected a sample record: {e}", i + 1),
        }
    }
    Ok(StoredRun {
        info,
        records,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> RunInfo {
        RunInfo {
            url: "http://127.0.0.1:1".into(),
            every_ms: 250,
            started_unix_ms: 1_700_000_000_000,
            letgo: "test".into(),
        }
    }

    #[test]
    fn writes_and_reads_back_a_run() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("run");
        let mut folder = RunFolder::create(&root, &info()).unwrap();
        let file = folder
            .store(1, 1_700_000_000_123, "heap.pb.gz", b"bytes")
            .unwrap();
        assert_eq!(file, "0001-20231114T221320.123Z/heap.pb.gz");
        assert_eq!(std::fs::read(root.join(&file)).unwrap(), b"bytes");
        let record = SampleRecord {
            seq: 1,
            profiles: vec![ProfileFile {
                endpoint: "heap".into(),
                file,
                bytes: 5,
                millis: 1,
            }],
            ..SampleRecord::default()
        };
        folder.append(&record).unwrap();
        let run = read_run(&root).unwrap();
        assert_eq!((run.info, run.records), (info(), vec![record]));
        let err = RunFolder::create(&root, &info()).err().unwrap();
        assert!(err.to_string().contains("already holds a run"), "{err}");
    }

    #[test]
    fn a_cut_last_line_is_skipped_but_a_bad_middle_line_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        RunFolder::create(root, &info()).unwrap();
        let good = serde_json::to_string(&SampleRecord::default()).unwrap();
        std::fs::write(root.join(SAMPLES_FILE), format!("{good}\n{{\"seq\":")).unwrap();
        let run = read_run(root).unwrap();
        assert_eq!(run.records.len(), 1);
        assert!(run.notes[0].contains("cut short"), "{:?}", run.notes);
        std::fs::write(root.join(SAMPLES_FILE), format!("garbage\n{good}\n")).unwrap();
        let err = read_run(root).unwrap_err().to_string();
        assert!(err.contains("samples.jsonl:1"), "{err}");
    }
}
