//! Reading an input: gzip or not, with a cap on the decoded size, and
//! sniffing which format the decoded bytes are.
//!
//! Profiles fetched from a live endpoint are untrusted: a small gzip body can
//! expand to gigabytes. Everything read through [`InputReader`] counts the
//! bytes it produces and fails once they pass the cap, before they are
//! buffered anywhere.

use std::io::{self, BufRead, Read};
use std::sync::Arc;

use flate2::bufread::MultiGzDecoder;

use crate::error::{Error, ErrorKind, Position, Result};

/// The gzip magic number.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Limits that protect against hostile or broken inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// The most bytes an input may decode to, 1 GiB by default: any gzipped
    /// input, and plain inputs decoded in memory. A plain goroutine dump is
    /// streamed in bounded memory and read whatever its size.
    pub max_decoded_bytes: u64,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_decoded_bytes: 1 << 30,
        }
    }
}

/// Which format an input is, judged from its first decoded bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `profile.proto`, as every `/debug/pprof/<name>` endpoint serves by default.
    Protobuf,
    /// A count profile's legacy text (`goroutine?debug=1`,
    /// `goroutineleak?debug=1`, `threadcreate?debug=1`).
    CountText,
    /// A heap or allocs profile's legacy text (`heap?debug=1`).
    HeapText,
    /// Goroutine tracebacks: `goroutine?debug=2`, a panic, or a SIGQUIT dump.
    Traceback,
}

impl Format {
    /// Guesses the format from the first bytes of the decoded input.
    ///
    /// Text formats are recognised by their first line (or, for tracebacks,
    /// by a `goroutine N [` header anywhere in `head`, since a panic message
    /// comes first); anything else that looks like a protobuf field tag is
    /// taken for protobuf and left for the decoder to judge.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        if head.starts_with(b"heap profile:") {
            return Some(Format::HeapText);
        }
        if is_count_profile_header(first_line(head)) {
            return Some(Format::CountText);
        }
        if head.split(|&b| b == b'\n').any(is_goroutine_header_start) {
            return Some(Format::Traceback);
        }
        if looks_like_protobuf(head) {
            return Some(Format::Protobuf);
        }
        None
    }
}

fn first_line(head: &[u8]) -> &[u8] {
    head.split(|&b| b == b'\n').next().unwrap_or(head)
}

/// `<name> profile: total <N>`, the first line of a count profile's text.
fn is_count_profile_header(line: &[u8]) -> bool {
    let Ok(line) = std::str::from_utf8(line) else {
        return false;
    };
    let Some((name, rest)) = line.split_once(" profile: total ") else {
        return false;
    };
    !name.is_empty()
        && !name.contains(' ')
        && !rest.trim_end().is_empty()
        && rest.trim_end().bytes().all(|b| b.is_ascii_digit())
}

/// `goroutine <digits> ` at the start of a line.
pub(crate) fn is_goroutine_header_start(line: &[u8]) -> bool {
    // Asked of every line of a dump: the first byte settles most.
    if line.first() != Some(&b'g') {
        return false;
    }
    let Some(rest) = line.strip_prefix(b"goroutine ") else {
        return false;
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && rest.get(digits) == Some(&b' ')
}

/// A first byte that is a valid tag for a field of `Profile` (1..=15).
fn looks_like_protobuf(head: &[u8]) -> bool {
    match head.first() {
        Some(&b) => {
            let field = b >> 3;
            let wire = b & 7;
            (1..=15).contains(&field) && matches!(wire, 0 | 1 | 2 | 5)
        }
        None => false,
    }
}

/// A `BufRead` that counts what it hands out and notices the end of input,
/// so that gzip errors can name the compressed offset.
#[derive(Debug)]
struct CountingReader<R> {
    inner: R,
    consumed: u64,
    hit_eof: bool,
}

impl<R: BufRead> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed += n as u64;
        if n == 0 && !buf.is_empty() {
            self.hit_eof = true;
        }
        Ok(n)
    }
}

impl<R: BufRead> BufRead for CountingReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let buf = self.inner.fill_buf()?;
        if buf.is_empty() {
            self.hit_eof = true;
        }
        Ok(buf)
    }

    fn consume(&mut self, amt: usize) {
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}

#[derive(Debug)]
enum Layer<R> {
    Plain(R),
    Gzip(Box<MultiGzDecoder<CountingReader<R>>>),
}

/// Reads an input's decoded bytes: un-gzips when the input starts with the
/// gzip magic, and fails with [`ErrorKind::TooLarge`] past the cap.
///
/// Errors come out as `io::Error`s that wrap an [`Error`];
/// [`Error::from_io`] unwraps them again.
#[derive(Debug)]
pub struct InputReader<R> {
    layer: Layer<R>,
    name: Arc<str>,
    produced: u64,
    limit: u64,
}

impl<R: BufRead> InputReader<R> {
    /// Wraps `reader`, peeking at its first bytes to see whether it is gzip.
    pub fn new(name: impl Into<Arc<str>>, mut reader: R, options: &DecodeOptions) -> Result<Self> {
        let name = name.into();
        let head = reader
            .fill_buf()
            .map_err(|e| Error::from_io(&name, Position::Byte(0), e))?;
        let layer = if head.starts_with(&GZIP_MAGIC) {
            Layer::Gzip(Box::new(MultiGzDecoder::new(CountingReader {
                inner: reader,
                consumed: 0,
                hit_eof: false,
            })))
        } else {
            Layer::Plain(reader)
        };
        Ok(InputReader {
            layer,
            name,
            produced: 0,
            limit: options.max_decoded_bytes,
        })
    }

    /// Sets the cap on decoded bytes: lifted (`u64::MAX`) for a plain input
    /// that is streamed rather than held in memory. Fails if more than
    /// `limit` bytes have been read already.
    pub fn set_limit(&mut self, limit: u64) -> Result<()> {
        self.limit = limit;
        match self.produced > limit {
            true => Err(self.too_large()),
            false => Ok(()),
        }
    }

    fn too_large(&self) -> Error {
        Error::new(
            &self.name,
            Position::Byte(self.limit),
            ErrorKind::TooLarge,
            format!(
                "at most {} once decoded (the cap, --max-decoded-mib), found {} past it \
                 (a decompression bomb, or a profile that needs a higher cap)",
                mebibytes(self.limit),
                if self.is_gzip() {
                    "gzip data that decompresses"
                } else {
                    "an input that runs"
                },
            ),
        )
    }

    /// Whether the input is gzip-compressed.
    pub fn is_gzip(&self) -> bool {
        matches!(self.layer, Layer::Gzip(_))
    }

    /// The input's name, for errors.
    pub fn name(&self) -> &Arc<str> {
        &self.name
    }

    fn gzip_error(&self, err: io::Error) -> io::Error {
        let Layer::Gzip(decoder) = &self.layer else {
            return err;
        };
        let counting = decoder.get_ref();
        let (kind, expected) = if counting.hit_eof {
            (
                ErrorKind::Truncated,
                "more gzip data: the stream ended before its deflate data and trailer were complete",
            )
        } else {
            (
                ErrorKind::Gzip,
                "a valid gzip member (header, deflate data, CRC-32 and size trailer)",
            )
        };
        // The cause is said once, in the message: as a `source` too, a
        // chain printer would say it twice.
        let error = Error::new(
            &self.name,
            Position::Compressed(counting.consumed),
            kind,
            format!("{expected} ({err})"),
        );
        io::Error::other(error)
    }
}

impl<R: BufRead> Read for InputReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Ask for at most one byte past the cap, enough to notice a breach.
        let room = self.limit.saturating_sub(self.produced).saturating_add(1);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let Some(buf) = buf.get_mut(..want) else {
            return Ok(0);
        };
        let result = match &mut self.layer {
            Layer::Plain(r) => r.read(buf),
            Layer::Gzip(d) => d.read(buf),
        };
        let n = match result {
            Ok(n) => n,
            Err(e) => return Err(self.gzip_error(e)),
        };
        self.produced += n as u64;
        if self.produced > self.limit {
            return Err(io::Error::other(self.too_large()));
        }
        Ok(n)
    }
}

/// `100 MiB`, or the bytes when not a whole number of MiB.
fn mebibytes(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads a whole input into memory, un-gzipped and capped.
pub fn read_all<R: BufRead>(
    name: impl Into<Arc<str>>,
    reader: R,
    options: &DecodeOptions,
) -> Result<Vec<u8>> {
    let mut input = InputReader::new(name, reader, options)?;
    let mut out = Vec::new();
    match input.read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(e) => Err(Error::from_io(
            input.name(),
            Position::Byte(out.len() as u64),
            e,
        )),
    }
}
