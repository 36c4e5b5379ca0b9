//! The legacy `?debug=1` text formats of `runtime/pprof`.
//!
//! Count profiles (`goroutine`, `goroutineleak`, `threadcreate`):
//!
//! ```text
//! goroutine profile: total 17
//! 5 @ 0x482e8a 0x4152ce 0x50014d 0x489101
//! # labels: {"role":"labeled waiter", "tenant":"acme"}
//! #    0x50014c    main.leakyWorker+0x2c    /src/main.go:51
//! ```
//!
//! Heap and allocs profiles:
//!
//! ```text
//! heap profile: 51: 3342336 [158: 5095424] @ heap/65536
//! 51: 3342336 [51: 3342336] @ 0x4c9526 0x4c975b
//! #    0x4c9525    main.allocRetained+0x45    /src/main.go:123
//!
//! # runtime.MemStats
//! # Alloc = 3519560
//! ```
//!
//! Frame lines (shown with spaces here) are tab-separated and aligned with a
//! tabwriter, so columns may be separated by several tabs.

use std::io::BufRead;
use std::sync::Arc;

use crate::error::{ErrorKind, Result};
use crate::gostr::unquote_prefix;
use crate::lines::LineReader;

/// A frame line `#\t0xpc\tfunc+0xoff\tfile:line` (or just `#\t0xpc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcFrame {
    /// The return pc.
    pub pc: u64,
    /// The function, if the runtime could symbolize the pc.
    pub function: Option<String>,
    /// The pc's offset from the function entry.
    pub offset: u64,
    /// The source file.
    pub file: String,
    /// The source line.
    pub line: u32,
}

/// One record of a count profile: how many goroutines (or threads) share a
/// stack and labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRecord {
    /// How many.
    pub count: u64,
    /// The raw stack pcs.
    pub pcs: Vec<u64>,
    /// pprof labels (`# labels: {…}`), sorted by key as the runtime prints them.
    pub labels: Vec<(String, String)>,
    /// Symbolized frames, innermost first; leading runtime frames are hidden
    /// by the runtime.
    pub frames: Vec<PcFrame>,
}

/// A count profile's `debug=1` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountProfile {
    /// The profile name: `goroutine`, `goroutineleak`, `threadcreate`.
    pub name: String,
    /// The total from the header.
    pub total: u64,
    /// The records, most frequent first.
    pub records: Vec<CountRecord>,
}

/// Object and byte counts of a heap record: `inuse_objects: inuse_bytes
/// [alloc_objects: alloc_bytes]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HeapCounts {
    /// Objects live at the last GC.
    pub inuse_objects: u64,
    /// Bytes live at the last GC.
    pub inuse_bytes: u64,
    /// Objects allocated since the program started.
    pub alloc_objects: u64,
    /// Bytes allocated since the program started.
    pub alloc_bytes: u64,
}

/// One allocation site of a heap profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeapRecord {
    /// Its counts (sampled, not scaled).
    pub counts: HeapCounts,
    /// The raw stack pcs.
    pub pcs: Vec<u64>,
    /// Symbolized frames, innermost first.
    pub frames: Vec<PcFrame>,
}

/// A heap or allocs profile's `debug=1` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeapText {
    /// The totals from the header.
    pub total: HeapCounts,
    /// The number after `@ heap/` as printed. `runtime/pprof` prints twice
    /// `runtime.MemProfileRate` there (1048576 for the default 512 KiB),
    /// which `go tool pprof` halves again.
    pub sampling_rate: u64,
    /// The allocation sites.
    pub records: Vec<HeapRecord>,
    /// The `# runtime.MemStats` section as printed, `(name, value)`.
    pub memstats: Vec<(String, String)>,
}

impl HeapText {
    /// A `runtime.MemStats` value that is a plain number (e.g. `HeapAlloc`).
    pub fn memstat(&self, name: &str) -> Option<u64> {
        self.memstats
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse().ok())
    }
}

impl CountProfile {
    /// Parses a count profile from an un-gzipped reader.
    pub fn parse<R: BufRead>(name: impl Into<Arc<str>>, reader: R) -> Result<Self> {
        let mut lines = LineReader::new(name.into(), reader);
        if !lines.advance()? {
            return Err(lines.eof_error("a header `<name> profile: total <N>`"));
        }
        let header = lines
            .line()
            .split_once(" profile: total ")
            .and_then(|(n, t)| Some((n.to_string(), t.trim_end().parse().ok()?)));
        let Some((name, total)) = header else {
            return Err(lines.error(ErrorKind::Syntax, "a header `<name> profile: total <N>`"));
        };
        let mut records = Vec::new();
        while let Some(record) = next_record(&mut lines, parse_count_line)? {
            let (count, pcs) = record.head;
            records.push(CountRecord {
                count,
                pcs,
                labels: record.labels,
                frames: record.frames,
            });
        }
        Ok(CountProfile {
            name,
            total,
            records,
        })
    }
}

impl HeapText {
    /// Parses a heap profile's text from an un-gzipped reader.
    pub fn parse<R: BufRead>(name: impl Into<Arc<str>>, reader: R) -> Result<Self> {
        const HEADER: &str = "a header `heap profile: N: N [N: N] @ heap/RATE`";
        let mut lines = LineReader::new(name.into(), reader);
        if !lines.advance()? {
            return Err(lines.eof_error(HEADER));
        }
        let Some((total, sampling_rate)) = parse_heap_header(lines.line()) else {
            return Err(lines.error(ErrorKind::Syntax, HEADER));
        };
        let mut records = Vec::new();
        while let Some(record) = next_record(&mut lines, parse_heap_line)? {
            let (counts, pcs) = record.head;
            records.push(HeapRecord {
                counts,
                pcs,
                frames: record.frames,
            });
        }
        let memstats = read_memstats(&mut lines)?;
        Ok(HeapText {
            total,
            sampling_rate,
            records,
            memstats,
        })
    }
}

/// A record's head, labels and frames, before it is given its final type.
struct RawRecord<H> {
    head: H,
    labels: Vec<(String, String)>,
    frames: Vec<PcFrame>,
}

/// Reads the next record, skipping blank lines; `None` at the end of input
/// or at a `# ` line that starts a trailer (the heap's MemStats).
fn next_record<R: BufRead, H>(
    lines: &mut LineReader<R>,
    parse_head: fn(&str) -> Option<H>,
) -> Result<Option<RawRecord<H>>> {
    loop {
        if !lines.advance()? {
            return Ok(None);
        }
        let line = lines.line();
        if line.is_empty() {
            continue;
        }
        if line.starts_with("# ") {
            lines.push_back();
            return Ok(None);
        }
        let Some(head) = parse_head(line) else {
            return Err(lines.error(ErrorKind::Syntax, "a record `<counts> @ 0x<pc> …`"));
        };
        let mut record = RawRecord {
            head,
            labels: Vec::new(),
            frames: Vec::new(),
        };
        read_record_body(lines, &mut record)?;
        return Ok(Some(record));
    }
}

/// Reads `# labels:` and frame lines up to a blank line.
fn read_record_body<R: BufRead, H>(
    lines: &mut LineReader<R>,
    record: &mut RawRecord<H>,
) -> Result<()> {
    while lines.advance()? {
        let line = lines.line();
        if line.is_empty() {
            break;
        }
        if let Some(labels) = line.strip_prefix("# labels: ") {
            record.labels = parse_label_map(labels)
                .ok_or_else(|| lines.error(ErrorKind::Syntax, r#"labels `{"key":"value", …}`"#))?;
        } else if let Some(frame) = line.strip_prefix('#').and_then(parse_pc_frame) {
            record.frames.push(frame);
        } else {
            return Err(lines.error(
                ErrorKind::Syntax,
                "a frame line `#\t0x<pc>\t<function>+0x<offset>\t<file>:<line>` or a blank line",
            ));
        }
    }
    Ok(())
}

/// `5 @ 0x1 0x2`.
fn parse_count_line(line: &str) -> Option<(u64, Vec<u64>)> {
    let (count, pcs) = line.split_once(" @")?;
    Some((count.parse().ok()?, parse_pcs(pcs)?))
}

/// `51: 3342336 [51: 3342336] @ 0x1 0x2`.
fn parse_heap_line(line: &str) -> Option<(HeapCounts, Vec<u64>)> {
    let (counts, pcs) = line.split_once(" @")?;
    Some((parse_heap_counts(counts)?, parse_pcs(pcs)?))
}

fn parse_pcs(s: &str) -> Option<Vec<u64>> {
    s.split_whitespace().map(parse_hex).collect()
}

/// `heap profile: 51: 3342336 [158: 5095424] @ heap/65536`
/// (older Go wrote `heap_v2/`).
fn parse_heap_header(line: &str) -> Option<(HeapCounts, u64)> {
    let rest = line.strip_prefix("heap profile: ")?;
    let (counts, rate) = rest.split_once(" @ ")?;
    let rate = rate
        .strip_prefix("heap/")
        .or_else(|| rate.strip_prefix("heap_v2/"))?;
    Some((parse_heap_counts(counts)?, rate.trim().parse().ok()?))
}

/// `a: b [c: d]`.
fn parse_heap_counts(s: &str) -> Option<HeapCounts> {
    let (inuse, alloc) = s.trim().split_once(" [")?;
    let alloc = alloc.strip_suffix(']')?;
    let pair = |p: &str| -> Option<(u64, u64)> {
        let (a, b) = p.split_once(": ")?;
        Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
    };
    let (inuse_objects, inuse_bytes) = pair(inuse)?;
    let (alloc_objects, alloc_bytes) = pair(alloc)?;
    Some(HeapCounts {
        inuse_objects,
        inuse_bytes,
        alloc_objects,
        alloc_bytes,
    })
}

/// `\t0x50014c\tmain.leakyWorker+0x2c\t/src/main.go:51` after the `#`.
fn parse_pc_frame(s: &str) -> Option<PcFrame> {
    if !s.starts_with('\t') {
        return None;
    }
    let mut fields = s.split('\t').filter(|f| !f.is_empty());
    let pc = parse_hex(fields.next()?)?;
    let Some(func) = fields.next() else {
        return Some(PcFrame {
            pc,
            function: None,
            offset: 0,
            file: String::new(),
            line: 0,
        });
    };
    let (function, offset) = func.rsplit_once("+0x")?;
    let location = fields.collect::<Vec<_>>().join("\t");
    let (file, line) = location.rsplit_once(':')?;
    Some(PcFrame {
        pc,
        function: Some(function.to_string()),
        offset: u64::from_str_radix(offset, 16).ok()?,
        file: file.to_string(),
        line: line.parse().ok()?,
    })
}

/// `{"k":"v", "k2":"v2"}` as `labelMap.String` prints it.
fn parse_label_map(s: &str) -> Option<Vec<(String, String)>> {
    let mut rest = s.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut labels = Vec::new();
    while !rest.is_empty() {
        let (key, used) = unquote_prefix(rest)?;
        rest = rest.get(used..)?.strip_prefix(':')?;
        let (value, used) = unquote_prefix(rest)?;
        rest = rest.get(used..)?;
        labels.push((key, value));
        rest = match rest.strip_prefix(", ") {
            Some(r) => r,
            None if rest.is_empty() => rest,
            None => return None,
        };
    }
    Some(labels)
}

/// The `# runtime.MemStats` trailer: `# Name = value` lines.
fn read_memstats<R: BufRead>(lines: &mut LineReader<R>) -> Result<Vec<(String, String)>> {
    let mut stats = Vec::new();
    while lines.advance()? {
        let line = lines.line();
        if let Some((k, v)) = line.strip_prefix("# ").and_then(|l| l.split_once(" = ")) {
            stats.push((k.to_string(), v.to_string()));
        } else if !line.is_empty() && !line.starts_with('#') {
            return Err(lines.error(ErrorKind::Syntax, "a MemStats line `# Name = value`"));
        }
    }
    Ok(stats)
}

fn parse_hex(s: &str) -> Option<u64> {
    u64::from_str_radix(s.strip_prefix("0x")?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_map() {
        assert_eq!(
            parse_label_map(r#"{"a":"x y", "b\"":"2"}"#),
            Some(vec![("a".into(), "x y".into()), ("b\"".into(), "2".into())])
        );
        assert_eq!(parse_label_map("{}"), Some(vec![]));
        assert_eq!(parse_label_map(r#"{"a" "x"}"#), None);
    }

    #[test]
    fn pc_frame_with_tab_padding() {
        let f = parse_pc_frame("\t0x5010a4\tmain.writeProfile+0xa4\t\t\t/src/main.go:193")
            .expect("frame");
        assert_eq!(f.function.as_deref(), Some("main.writeProfile"));
        assert_eq!(
            (f.offset, f.line, f.file.as_str()),
            (0xa4, 193, "/src/main.go")
        );
        assert_eq!(parse_pc_frame("\t0x1234").map(|f| f.function), Some(None));
    }
}
