//! Reads `letgo profile` and `letgo diff` inputs (files and `http://` URLs)
//! into snapshots for `letgo_runtime`, in the order given.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use letgo_pprof::DecodeOptions;
use letgo_runtime::{GoroutineSnapshot, GroupBy, HeapSnapshot, Snapshot};

use crate::paths;
use crate::runtime::http::{self, Deadline, HttpUrl, RequestOptions};

/// The snapshots read from the inputs, in order.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Goroutine snapshots, `goroutineleak` profiles included.
    pub goroutines: Vec<GoroutineSnapshot>,
    /// Heap snapshots.
    pub heaps: Vec<HeapSnapshot>,
    /// What was skipped and why, for the user.
    pub notes: Vec<String>,
    /// The protobuf profiles as decoded, by input name, when
    /// [`Reading::keep_profiles`] asks for them.
    pub profiles: Vec<(Arc<str>, letgo_pprof::Profile)>,
}

impl Inputs {
    /// Says once when goroutines are judged without Go's leak profile
    /// (a URL's 404 already said so).
    pub fn note_missing_leak_profile(&mut self) {
        let has_proof = self
            .goroutines
            .iter()
            .any(|g| g.source == letgo_runtime::GoroutineSource::LeakProfile);
        let said = self.notes.iter().any(|n| n.contains("goroutineleak"));
        if !self.goroutines.is_empty() && !has_proof && !said {
            self.notes.push(format!(
                "no goroutineleak profile among the inputs: {}",
                letgo_runtime::LEAK_PROFILE_HOWTO
            ));
        }
    }

    /// Says once per kind of goroutine input what it cannot tell, so
    /// that two formats of one moment that judge differently say why.
    pub fn note_format_limits(&mut self) {
        let mut said = Vec::new();
        for g in &self.goroutines {
            if let Some(limits) = g.source.limits().filter(|l| !said.contains(l)) {
                said.push(limits);
            }
        }
        self.notes.extend(said.into_iter().map(String::from));
    }

    /// Puts each kind of snapshot in the order it was taken (the
    /// profiles' own timestamps; file times for dumps), saying so in a
    /// note when that is not the order given.
    pub fn sort_by_time(&mut self) {
        let moved = [
            letgo_runtime::into_time_order(&mut self.goroutines),
            letgo_runtime::into_time_order(&mut self.heaps),
        ];
        for names in moved.into_iter().flatten() {
            self.notes.push(format!(
                "read in the order the snapshots were taken (their own timestamps; file times for dumps), not the order given: {}",
                shortened(&names)
            ));
        }
    }

    fn push(&mut self, read: ReadInput) {
        if let Some(profile) = read.profile {
            self.profiles
                .push((Arc::clone(read.snapshot.name()), profile));
        }
        match read.snapshot {
            Snapshot::Goroutines(mut g) => {
                self.notes.append(&mut g.warnings);
                self.goroutines.push(g);
            }
            Snapshot::Heap(h) => self.heaps.push(h),
        }
    }
}

/// Up to six names, then how many more.
fn shortened(names: &[Arc<str>]) -> String {
    const SHOWN: usize = 6;
    let mut list: Vec<&str> = names.iter().take(SHOWN).map(|n| &**n).collect();
    let more = format!("… ({} more)", names.len().saturating_sub(SHOWN));
    if names.len() > SHOWN {
        list.push(&more);
    }
    list.join(", ")
}

/// How inputs are read.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// How goroutines are grouped.
    pub group_by: GroupBy,
    /// Caps against decompression bombs.
    pub decode: DecodeOptions,
    /// How long fetching every URL may take in all (`--timeout`):
    /// connecting, the headers and the bodies.
    pub timeout: Duration,
    /// Keep each protobuf profile as decoded (`diff --write-pprof`
    /// subtracts whole profiles, not per-site sums).
    pub keep_profiles: bool,
}

impl Reading {
    /// Goroutines grouped by `group_by`; inputs capped at `max_decoded_mib`
    /// MiB once decompressed (the `--max-decoded-mib` flag).
    pub fn new(group_by: GroupBy, max_decoded_mib: u64, timeout: Duration) -> Self {
        Reading {
            group_by,
            decode: DecodeOptions {
                max_decoded_bytes: max_decoded_mib.saturating_mul(1 << 20),
            },
            timeout,
            keep_profiles: false,
        }
    }
}

/// Reads every input; the first unreadable one is an error naming it.
pub fn load(args: &[String], how: &Reading) -> anyhow::Result<Inputs> {
    let mut inputs = Inputs::default();
    // One deadline for all the URLs: `--timeout` bounds the command.
    let deadline = Deadline::after(how.timeout);
    for arg in args {
        if arg.starts_with("http://") || arg.starts_with("https://") {
            load_url(arg, how, &deadline, &mut inputs)?;
        } else {
            inputs.push(load_file(Path::new(arg), how)?);
        }
    }
    Ok(inputs)
}

/// One input read: its snapshot, and the profile it came from when kept.
struct ReadInput {
    snapshot: Snapshot,
    profile: Option<letgo_pprof::Profile>,
}

/// Reads one file of any supported format. A dump records no time of
/// its own: the file's modification time stands for it.
fn load_file(path: &Path, how: &Reading) -> anyhow::Result<ReadInput> {
    let name = paths::display(path);
    let file = std::fs::File::open(path).with_context(|| format!("{name}: cannot open"))?;
    let modified = file.metadata().and_then(|m| m.modified()).ok();
    let mut read = decode(std::io::BufReader::new(file), &name, how)?;
    if let Some(t) = modified {
        stamp(&mut read.snapshot, t);
    }
    Ok(read)
}

/// Sets when `snapshot` was taken, unless it says so itself.
fn stamp(snapshot: &mut Snapshot, at: SystemTime) {
    let nanos = at
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_nanos()).ok());
    let time = match snapshot {
        Snapshot::Goroutines(g) => &mut g.time_nanos,
        Snapshot::Heap(h) => &mut h.time_nanos,
    };
    if time.is_none() {
        *time = nanos;
    }
}

fn decode<R: BufRead>(reader: R, name: &str, how: &Reading) -> anyhow::Result<ReadInput> {
    let name: Arc<str> = Arc::from(name);
    let opened = letgo_pprof::open(Arc::clone(&name), reader, &how.decode)?;
    Ok(match opened {
        letgo_pprof::Opened::Profile(p) if how.keep_profiles => ReadInput {
            snapshot: Snapshot::from_profile(&p, name, how.group_by)?,
            profile: Some(p),
        },
        opened => ReadInput {
            snapshot: Snapshot::from_opened(opened, name, how.group_by)?,
            profile: None,
        },
    })
}

/// The endpoints fetched for a base URL, and whether a 404 is fine.
const ENDPOINTS: [(&str, bool); 3] = [
    ("goroutine?debug=2", false),
    // Go 1.26+ (1.26 behind GOEXPERIMENT=goroutineleakprofile).
    ("goroutineleak", true),
    ("heap", false),
];

/// Fetches a profile URL, or for a base URL (`http://host:port`, or one
/// ending in `/debug/pprof/`) the goroutine dump, the `goroutineleak`
/// profile when served, and the heap profile.
fn load_url(
    arg: &str,
    how: &Reading,
    deadline: &Deadline,
    inputs: &mut Inputs,
) -> anyhow::Result<()> {
    let url = HttpUrl::parse(arg)?;
    let Some(prefix) = pprof_prefix(&url.path) else {
        let snapshot = fetch(&url, how, deadline)?;
        inputs.push(snapshot.with_context(|| format!("{arg}: not found (HTTP 404)"))?);
        return Ok(());
    };
    for (endpoint, optional) in ENDPOINTS {
        let target = url.with_path(&format!("{prefix}/{endpoint}"));
        match fetch(&target, how, deadline)? {
            Some(read) => {
                if optional {
                    inputs.notes.push(format!(
                        "{}: served; goroutines Go proves leaked are reported as such (LG501)",
                        target.display()
                    ));
                }
                inputs.push(read);
            }
            None if optional => inputs.notes.push(format!(
                "{}: not served (HTTP 404); {}",
                target.display(),
                letgo_runtime::LEAK_PROFILE_HOWTO
            )),
            None => bail!("{}: not found (HTTP 404)", target.display()),
        }
    }
    Ok(())
}

/// `/debug/pprof` for a base URL; `None` for a URL of one profile.
pub fn pprof_prefix(path: &str) -> Option<String> {
    let path = path.trim_end_matches('/');
    if path.is_empty() {
        Some("/debug/pprof".into())
    } else if path.ends_with("/debug/pprof") {
        Some(path.into())
    } else {
        None
    }
}

/// GETs one profile; `None` on 404. A body cut at the deadline is said
/// as such, not as the decoder's complaint about a short input.
fn fetch(url: &HttpUrl, how: &Reading, deadline: &Deadline) -> anyhow::Result<Option<ReadInput>> {
    let shown = url.display();
    let options = RequestOptions {
        deadline: Some(deadline.clone()),
        ..RequestOptions::default()
    };
    let asked = SystemTime::now();
    let response = http::get_with(url, &options)?;
    match response.status {
        200 => decode(response.body, &shown, how)
            .map(|mut read| {
                stamp(&mut read.snapshot, asked);
                Some(read)
            })
            .map_err(|e| match http::cut_short(&e) {
                Some(why) => anyhow::anyhow!("{shown}: {why}"),
                None => e,
            }),
        404 => Ok(None),
        status => bail!("{shown}: HTTP status {status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_and_profile_urls() {
        assert_eq!(pprof_prefix("/").as_deref(), Some("/debug/pprof"));
        assert_eq!(
            pprof_prefix("/debug/pprof/").as_deref(),
            Some("/debug/pprof")
        );
        assert_eq!(
            pprof_prefix("/svc/debug/pprof").as_deref(),
            Some("/svc/debug/pprof")
        );
        assert_eq!(pprof_prefix("/debug/pprof/heap"), None);
    }
}
