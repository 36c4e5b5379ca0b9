//! Reading a big traceback fast, on several threads.
//!
//! A dump of a million goroutines is a few gigabytes of text in which a few
//! thousand stacks repeat. [`Chunker`] cuts the input into chunks that start
//! at goroutine headers, so that threads can take whole chunks; within a
//! chunk, [`BlockReader`] reads one goroutine block at a time and, for a
//! plain block (frames, `created by`, elision marks), only parses the header
//! and builds a *stack key*: the wait reason, functions and `file:line`s,
//! without the arguments, pc offsets and goroutine ids that differ between
//! goroutines at the same stack. A caller that has seen the key before needs
//! nothing else; otherwise it parses the block in full with
//! [`BlockReader::parse`], which is the [`GoroutineDumpReader`] itself, so
//! both paths read every block the same way.

use std::io::{BufRead, Read};
use std::sync::Arc;

use memchr::{memchr, memmem};

use crate::dump::{
    call_open, parse_elided, parse_header, split_created_by, split_location, Interner,
};
use crate::error::{Error, ErrorKind, Position, Result};
use crate::input::is_goroutine_header_start;
use crate::lines::MAX_LINE;
use crate::{Goroutine, GoroutineDumpReader, WaitState};

/// The size a chunk is filled to before it is cut at a goroutine header: big
/// enough that per-chunk costs vanish, small enough that the few chunks in
/// flight cost little memory.
pub const CHUNK_BYTES: usize = 4 << 20;

/// A chunk grows past [`CHUNK_BYTES`] until it can end at a goroutine
/// header; a goroutine block this long is not a traceback.
const MAX_CHUNK_BYTES: usize = 64 << 20;

/// A piece of a traceback that starts at a goroutine header (or at the start
/// of the input) and ends just before one (or at the end of the input).
#[derive(Debug, Default)]
pub struct Chunk {
    /// The chunk's place in the input, from 0.
    pub index: usize,
    /// The offset of its first byte in the (decoded) input.
    pub byte: u64,
    /// The first line after the chunk, with its newline: what a frame at
    /// its very end would be followed by in one stream.
    pub following: Vec<u8>,
    /// Its bytes, then spare room that stays initialized (zeroing the
    /// buffer again for every chunk cost a visible share of the time).
    buffer: Vec<u8>,
    len: usize,
}

impl Chunk {
    /// The chunk's bytes.
    pub fn data(&self) -> &[u8] {
        &self.buffer[..self.len]
    }

    /// The buffer, for [`Chunker::next_chunk`] to fill again.
    pub fn into_buffer(self) -> Vec<u8> {
        self.buffer
    }
}

/// Cuts a traceback into [`Chunk`]s.
pub struct Chunker<R> {
    reader: R,
    name: Arc<str>,
    /// Bytes read past the last cut, the start of the next chunk.
    carry: Vec<u8>,
    byte: u64,
    index: usize,
    eof: bool,
}

impl<R: BufRead> Chunker<R> {
    /// Reads `reader` (already un-gzipped), naming it `name` in errors.
    pub fn new(name: impl Into<Arc<str>>, reader: R) -> Self {
        Chunker {
            reader,
            name: name.into(),
            carry: Vec::new(),
            byte: 0,
            index: 0,
            eof: false,
        }
    }

    /// The next chunk, read into `buffer` (a spent chunk's, to save
    /// allocating); `None` at the end of input.
    pub fn next_chunk(&mut self, mut buffer: Vec<u8>) -> Result<Option<Chunk>> {
        let mut len = self.carry.len();
        if buffer.len() < len {
            buffer.resize(len, 0);
        }
        buffer[..len].copy_from_slice(&self.carry);
        self.carry.clear();
        let mut target = CHUNK_BYTES.max(len);
        loop {
            len = self.fill(&mut buffer, len, target)?;
            if self.eof {
                return Ok((len > 0).then(|| self.emit(buffer, len)));
            }
            if let Some(cut) = last_header_start(&buffer[..len]) {
                self.carry.extend_from_slice(&buffer[cut..len]);
                return Ok(Some(self.emit(buffer, cut)));
            }
            if target >= MAX_CHUNK_BYTES {
                return Err(Error::new(
                    &self.name,
                    Position::Byte(self.byte),
                    ErrorKind::Syntax,
                    format!(
                        "a goroutine header `goroutine N [state]:` within {} MiB",
                        MAX_CHUNK_BYTES >> 20
                    ),
                ));
            }
            target *= 2;
        }
    }

    /// Reads after the first `len` bytes of `buffer` until it holds `target`
    /// bytes or the input ends; returns how many it holds.
    fn fill(&mut self, buffer: &mut Vec<u8>, mut len: usize, target: usize) -> Result<usize> {
        if buffer.len() < target {
            buffer.resize(target, 0);
        }
        while len < target && !self.eof {
            match self.reader.read(&mut buffer[len..target]) {
                Ok(0) => self.eof = true,
                Ok(n) => len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let at = self.byte + len as u64;
                    return Err(Error::from_io(&self.name, Position::Byte(at), e));
                }
            }
        }
        Ok(len)
    }

    /// Whether the input has been read to its end.
    pub fn at_end(&self) -> bool {
        self.eof && self.carry.is_empty()
    }

    fn emit(&mut self, buffer: Vec<u8>, len: usize) -> Chunk {
        let chunk = Chunk {
            index: self.index,
            byte: self.byte,
            following: first_line(&self.carry).to_vec(),
            buffer,
            len,
        };
        self.index += 1;
        self.byte += len as u64;
        chunk
    }
}

/// The start of the last complete goroutine header line after the first
/// byte of `buffer`.
fn last_header_start(buffer: &[u8]) -> Option<usize> {
    memmem::rfind_iter(buffer, b"\ngoroutine ")
        .map(|newline| newline + 1)
        .find(|&start| {
            let line = &buffer[start..];
            is_goroutine_header_start(line) && memchr(b'\n', line).is_some()
        })
}

/// The first line of `text` with its newline, or all of it.
fn first_line(text: &[u8]) -> &[u8] {
    match memchr(b'\n', text) {
        Some(end) => &text[..=end],
        None => text,
    }
}

/// One goroutine's lines in a chunk (or, at the start of an input, the lines
/// before the first goroutine).
#[derive(Debug, Clone, Copy)]
pub struct Block<'a> {
    /// The lines, each with its line ending.
    pub text: &'a [u8],
    /// How many lines of the chunk come before it.
    pub line: u64,
    /// Its offset in the chunk.
    pub offset: usize,
}

/// The header of a goroutine whose stack is told by its key alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickGoroutine {
    /// The goroutine id.
    pub id: u64,
    /// Its wait state.
    pub state: WaitState,
    /// Its pprof labels.
    pub labels: Vec<(String, String)>,
}

/// What [`BlockReader::next_block`] found.
#[derive(Debug)]
pub struct ScannedBlock<'a> {
    /// The block.
    pub block: Block<'a>,
    /// How many line endings it holds.
    pub newlines: u64,
    /// The header of a plain block, whose stack [`BlockReader::key`] tells;
    /// `None` when the block needs [`BlockReader::parse`].
    pub quick: Option<QuickGoroutine>,
}

/// Reads the goroutine blocks of a chunk; one per thread.
#[derive(Default)]
pub struct BlockReader {
    interner: Interner,
    key: Vec<u8>,
}

impl BlockReader {
    /// A reader with an empty name table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The block starting at `data[start..]`, up to the next goroutine
    /// header; `None` at the end of `data`. Fills [`BlockReader::key`] when
    /// the block is plain.
    pub fn next_block<'a>(
        &mut self,
        data: &'a [u8],
        start: usize,
        line: u64,
    ) -> Option<ScannedBlock<'a>> {
        if start >= data.len() {
            return None;
        }
        let (first, mut pos, mut newlines) = next_line(data, start);
        let overlong = (pos - start) as u64 > MAX_LINE;
        let mut quick = if overlong { None } else { self.header(first) };
        let mut stack = StackKey::new(&mut self.key, quick.as_ref());
        while pos < data.len() {
            let (text, next, newline) = next_line(data, pos);
            if is_goroutine_header_start(text) {
                break;
            }
            // The full parser refuses overlong lines; let it.
            let overlong = (next - pos) as u64 > MAX_LINE;
            if quick.is_some() && (overlong || !stack.push_line(text)) {
                quick = None;
            }
            pos = next;
            newlines += newline;
        }
        if !stack.is_complete() {
            quick = None;
        }
        Some(ScannedBlock {
            block: Block {
                text: &data[start..pos],
                line,
                offset: start,
            },
            newlines,
            quick,
        })
    }

    /// The stack key of the last plain block: its wait reason, then each
    /// frame's function and `:` with its line number (4 bytes), the same
    /// for `created by`, and elision marks, one per line. Two goroutines with the same key
    /// have the same state and the same functions at the same lines.
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// Parses a block of `chunk` in full, for an input named `name`, taking
    /// the chunk to start after `chunk_line` lines.
    pub fn parse(
        &self,
        name: &Arc<str>,
        chunk: &Chunk,
        block: Block<'_>,
        chunk_line: u64,
    ) -> Result<Vec<Goroutine>> {
        let line = chunk_line + block.line;
        let byte = chunk.byte + block.offset as u64;
        let parsed: Result<Vec<Goroutine>> =
            GoroutineDumpReader::starting_at(Arc::clone(name), block.text, line, byte).collect();
        if parsed.is_ok() {
            return parsed;
        }
        // A frame cut off by the next goroutine's header: read as one
        // stream, the header is what was found instead of `\tfile:line`.
        let end = block.offset + block.text.len();
        let following = match chunk.data().get(end..) {
            Some(rest) if !rest.is_empty() => first_line(rest),
            _ => &chunk.following[..],
        };
        let text = block.text.chain(following);
        GoroutineDumpReader::starting_at(Arc::clone(name), text, line, byte)
            .find_map(|g| g.err())
            .map_or(parsed, Err)
    }

    /// The header line's goroutine, if it is a header.
    fn header(&mut self, line: &[u8]) -> Option<QuickGoroutine> {
        if !is_goroutine_header_start(line) {
            return None;
        }
        let header = parse_header(std::str::from_utf8(line).ok()?, &mut self.interner)?;
        Some(QuickGoroutine {
            id: header.id,
            state: header.state,
            labels: header.labels,
        })
    }
}

/// The line at `data[start..]` without its ending, where the next starts,
/// and whether it had a newline.
fn next_line(data: &[u8], start: usize) -> (&[u8], usize, u64) {
    let rest = &data[start..];
    match memchr(b'\n', rest) {
        Some(end) => {
            let text = &rest[..end];
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            (text, start + end + 1, 1)
        }
        None => (rest, data.len(), 0),
    }
}

/// Builds a stack key line by line, and says when a line is outside what a
/// key can tell (the block then needs the full parser).
struct StackKey<'k> {
    key: &'k mut Vec<u8>,
    /// A frame or `created by` line was read; its `file:line` comes next.
    wants_location: bool,
    /// The blank line that ends a goroutine was read.
    ended: bool,
}

impl<'k> StackKey<'k> {
    fn new(key: &'k mut Vec<u8>, quick: Option<&QuickGoroutine>) -> Self {
        key.clear();
        if let Some(q) = quick {
            key.extend_from_slice(q.state.reason.as_bytes());
            key.push(b'\n');
        }
        StackKey {
            key,
            wants_location: false,
            ended: false,
        }
    }

    /// Adds one body line; false when the line needs the full parser.
    fn push_line(&mut self, line: &[u8]) -> bool {
        if self.ended {
            return line.is_empty();
        }
        if self.wants_location {
            self.wants_location = false;
            return self.push_location(line);
        }
        // Dispatch on the first byte: comparing every prefix on every line
        // showed up in profiles.
        match line.first() {
            None => {
                self.ended = true;
                true
            }
            // Ancestors, a stack the runtime could not print: full parser.
            Some(b'\t' | b'[') => false,
            Some(b'c') if line.starts_with(b"created by ") => {
                let Ok(rest) = std::str::from_utf8(&line[b"created by ".len()..]) else {
                    return false;
                };
                self.wants_location = true;
                self.push(b"created by ", split_created_by(rest).0.as_bytes())
            }
            Some(b'.') if is_elision(line) => self.push(b"", line),
            Some(b'n') if line.starts_with(b"non-Go function at pc=") => false,
            Some(_) => match call_open(line) {
                Some(open) if open > 0 => {
                    self.wants_location = true;
                    self.push(b"", &line[..open])
                }
                _ => false,
            },
        }
    }

    /// Adds the line number of a frame's `\tfile:line`. The file is left
    /// out (goroutines are grouped by function and line, so the key need
    /// not tell files apart), and so are the pc offset and registers, which
    /// differ between goroutines; the line is read as the full parser reads
    /// it, so that a key stands only for lines it accepts.
    fn push_location(&mut self, line: &[u8]) -> bool {
        let location = line.strip_prefix(b"\t").and_then(split_location);
        match location {
            Some(location) => self.push(b":", &location.line.to_le_bytes()),
            None => false,
        }
    }

    fn push(&mut self, prefix: &[u8], text: &[u8]) -> bool {
        self.key.extend_from_slice(prefix);
        self.key.extend_from_slice(text);
        self.key.push(b'\n');
        true
    }

    /// Whether every frame got its location line.
    fn is_complete(&self) -> bool {
        !self.wants_location
    }
}

/// `...additional frames elided...` or `...N frames elided...`.
fn is_elision(line: &[u8]) -> bool {
    line == b"...additional frames elided..."
        || std::str::from_utf8(line).is_ok_and(|l| parse_elided(l).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = "panic: boom\n\n\
goroutine 7 [chan receive, 3 minutes]:\n\
main.worker(0x1, {0x2, 0x3})\n\
\t/src/main.go:20 +0x2d\n\
created by main.start in goroutine 1\n\
\t/src/main.go:30 +0x1f\n\
\n\
goroutine 8 [chan receive]:\n\
main.worker(0x9)\n\
\t/src/main.go:20 +0x44 fp=0xc0 sp=0xb0 pc=0x4a\n\
created by main.start in goroutine 5\n\
\t/src/main.go:30 +0x1f\n\
\n\
goroutine 9 [select]:\n\
main.loop(...)\n\
\t/src/main.go:50\n\
[originating from goroutine 1]:\n\
main.main()\n\
\t/src/main.go:5 +0x1\n";

    fn blocks(data: &[u8]) -> Vec<(String, u64, Option<u64>, Vec<u8>)> {
        let mut reader = BlockReader::new();
        let (mut pos, mut line, mut out) = (0, 0, Vec::new());
        while let Some(b) = reader.next_block(data, pos, line) {
            let text = String::from_utf8_lossy(b.block.text).into_owned();
            out.push((
                text,
                b.block.line,
                b.quick.map(|q| q.id),
                reader.key().to_vec(),
            ));
            pos += b.block.text.len();
            line += b.newlines;
        }
        out
    }

    #[test]
    fn blocks_split_at_headers_and_keys_ignore_what_varies() {
        let found = blocks(DUMP.as_bytes());
        assert_eq!(found.len(), 4);
        assert_eq!(found[0].0, "panic: boom\n\n");
        assert_eq!(found[0].2, None);
        assert_eq!((found[1].1, found[1].2), (2, Some(7)));
        assert_eq!((found[2].1, found[2].2), (8, Some(8)));
        // Arguments, pc offsets, registers and the parent goroutine differ.
        assert_eq!(found[1].3, found[2].3);
        assert_eq!(
            String::from_utf8_lossy(&found[1].3),
            "chan receive\nmain.worker\n:\x14\0\0\0\ncreated by main.start\n:\x1e\0\0\0\n"
        );
        // Ancestors are left to the full parser.
        assert_eq!(found[3].2, None);
    }

    #[test]
    fn a_broken_location_is_left_to_the_full_parser() {
        // What the key keeps is checked by the full parse that must come
        // before a key is remembered; what it drops is checked here.
        let dump = "goroutine 1 [running]:\nmain.f()\n\t/a.go:x +0x1\n";
        let mut reader = BlockReader::new();
        let chunk = whole(dump, 0);
        let b = reader.next_block(chunk.data(), 0, 0).unwrap();
        assert!(reader.parse(&"d".into(), &chunk, b.block, 0).is_err());
        let dump = "goroutine 1 [running]:\nmain.f()\n\t/a.go:3 +0xZZ\n";
        assert_eq!(blocks(dump.as_bytes())[0].2, None);
        // Found by fuzzing: a path ending in `:line` after a bad pc word.
        let dump = "goroutine 1 [running]:\nmain.f()\n\t/a.go:3 +0xpprof/b.go:3\n";
        assert_eq!(blocks(dump.as_bytes())[0].2, None);
        let dump = "goroutine 1 [running]:\nmain.f()\n";
        assert_eq!(blocks(dump.as_bytes())[0].2, None);
        let mut reader = BlockReader::new();
        let name: Arc<str> = "d".into();
        let chunk = whole(dump, 1000);
        let b = reader.next_block(chunk.data(), 0, 0).unwrap();
        let err = reader.parse(&name, &chunk, b.block, 40).unwrap_err();
        // The frame on lines 41-42 lacks its location; the input ends at line 43.
        assert_eq!(
            err.position,
            Position::Line {
                line: 43,
                byte: 1032
            }
        );
    }

    fn whole(text: &str, byte: u64) -> Chunk {
        Chunk {
            index: 0,
            byte,
            following: Vec::new(),
            buffer: text.as_bytes().to_vec(),
            len: text.len(),
        }
    }

    #[test]
    fn a_frame_cut_off_by_a_header_is_reported_as_in_one_stream() {
        let dump = "goroutine 1 [running]:\nmain.f()\ngoroutine 2 [select]:\n";
        let chunk = whole(dump, 0);
        let mut reader = BlockReader::new();
        let b = reader.next_block(chunk.data(), 0, 0).unwrap();
        let err = reader.parse(&"d".into(), &chunk, b.block, 0).unwrap_err();
        let whole_stream = GoroutineDumpReader::new("d", dump.as_bytes())
            .find_map(|g| g.err())
            .unwrap();
        assert_eq!(err.to_string(), whole_stream.to_string());
        assert!(err.to_string().contains("found `goroutine 2"), "{err}");
    }

    #[test]
    fn chunks_end_before_a_header() {
        let mut text = String::new();
        for id in 0..200_000 {
            text.push_str(&format!(
                "goroutine {id} [select]:\nmain.f()\n\t/a.go:1 +0x1\n\n"
            ));
        }
        let mut chunker = Chunker::new("d", text.as_bytes());
        let mut total = 0;
        let mut count = 0;
        let mut following = Vec::new();
        while let Some(chunk) = chunker.next_chunk(Vec::new()).unwrap() {
            assert_eq!(chunk.byte, total);
            assert!(chunk.data().starts_with(b"goroutine "));
            assert!(chunk.data().ends_with(b"\n\n"));
            assert!(chunk.data().starts_with(&following));
            following = chunk.following.clone();
            total += chunk.data().len() as u64;
            count += 1;
        }
        assert_eq!(total, text.len() as u64);
        assert!(following.is_empty());
        assert!(count > 1, "{} bytes in one chunk", text.len());
    }
}
