//! Decoding what a running Go program reports about itself: pprof profiles
//! (`profile.proto`, gzipped or not) and the text dumps of `runtime/pprof`
//! and the runtime's tracebacks. Decoding only; the analyses live in
//! `letgo_runtime`.
//!
//! Entry points:
//! - [`open`] sniffs an input and returns a decoded profile or, for
//!   goroutine tracebacks, a streaming [`GoroutineDumpReader`], so that a
//!   dump of a million goroutines is never held in memory at once.
//! - [`read`] / [`decode`] do the same and collect everything.
//! - [`Profile`], [`GoroutineDump`], [`CountProfile`], [`HeapText`] decode one
//!   known format.
//!
//! Inputs are untrusted: every decoder returns an [`Error`] naming the input,
//! the position and what was expected, never panics, and the decoded size is
//! capped ([`DecodeOptions`]) against gzip bombs.

mod builder;
mod dump;
mod dump_blocks;
mod error;
mod found;
mod fxhash;
mod gostr;
mod input;
mod legacy;
mod lines;
mod profile;
pub mod proto;
mod subtract;
mod wire;

use std::io::{BufRead, BufReader, Chain, Cursor, Read};
use std::sync::Arc;

pub use builder::{BuildFrame, ProfileBuilder};
pub use dump::{
    Ancestor, Arg, CreatedBy, Elision, Frame, FrameRegisters, Goroutine, GoroutineDump,
    GoroutineDumpReader, WaitKind, WaitState,
};
pub use dump_blocks::{
    Block, BlockReader, Chunk, Chunker, QuickGoroutine, ScannedBlock, CHUNK_BYTES,
};
pub use error::{Error, ErrorKind, Position, Result};
pub use fxhash::{FxBuildHasher, FxHasher};
pub use input::{read_all, DecodeOptions, Format, InputReader};
pub use legacy::{CountProfile, CountRecord, HeapCounts, HeapRecord, HeapText, PcFrame};
pub use profile::{Label, LabelValue, MappingView, Profile, ResolvedFrame, Stack, ValueType};
pub use subtract::{merge_equal, subtract};

/// How many decoded bytes [`open`] looks at to tell the format.
const SNIFF_LEN: u64 = 64 << 10;

/// The decoded text of an input after sniffing: the sniffed head followed by
/// the rest of the (un-gzipped, capped) input.
pub type TextStream<R> = BufReader<Chain<Cursor<Vec<u8>>, InputReader<R>>>;

/// An input decoded in full.
///
/// One per input, so the size difference between variants does not matter
/// and boxing would only cost callers a dereference.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Document {
    /// A pprof protobuf profile.
    Profile(Profile),
    /// A count profile's `debug=1` text.
    CountProfile(CountProfile),
    /// A heap profile's `debug=1` text.
    HeapText(HeapText),
    /// Goroutine tracebacks.
    Goroutines(GoroutineDump),
}

/// An opened input: decoded, or ready to stream goroutines.
#[allow(clippy::large_enum_variant)]
pub enum Opened<R> {
    /// A pprof protobuf profile.
    Profile(Profile),
    /// A count profile's `debug=1` text.
    CountProfile(CountProfile),
    /// A heap profile's `debug=1` text.
    HeapText(HeapText),
    /// Goroutine tracebacks, read as they are iterated.
    Goroutines(GoroutineDumpReader<TextStream<R>>),
}

/// Opens an input of any supported format, gzipped or not, naming it `name`
/// in errors. Goroutine tracebacks are streamed; the rest is decoded.
pub fn open<R: BufRead>(
    name: impl Into<Arc<str>>,
    reader: R,
    options: &DecodeOptions,
) -> Result<Opened<R>> {
    let name = name.into();
    let mut input = InputReader::new(Arc::clone(&name), reader, options)?;
    let plain = !input.is_gzip();
    if plain {
        // Sniff first: a plain traceback is streamed in bounded memory, so
        // its size is no threat and it is read whatever its size.
        input.set_limit(u64::MAX)?;
    }
    let mut head = Vec::new();
    if let Err(e) = (&mut input).take(SNIFF_LEN).read_to_end(&mut head) {
        return Err(Error::from_io(&name, Position::Byte(head.len() as u64), e));
    }
    let format = sniff_or_error(&name, &head, !plain)?;
    if plain && format != Format::Traceback {
        input.set_limit(options.max_decoded_bytes)?;
    }
    let stream = BufReader::with_capacity(64 << 10, Cursor::new(head).chain(input));
    Ok(match format {
        Format::Protobuf => Opened::Profile(decode_protobuf_stream(&name, stream)?),
        Format::CountText => Opened::CountProfile(CountProfile::parse(name, stream)?),
        Format::HeapText => Opened::HeapText(HeapText::parse(name, stream)?),
        Format::Traceback => Opened::Goroutines(GoroutineDumpReader::new(name, stream)),
    })
}

/// Reads and decodes a whole input of any supported format.
pub fn read<R: BufRead>(
    name: impl Into<Arc<str>>,
    reader: R,
    options: &DecodeOptions,
) -> Result<Document> {
    Ok(match open(name, reader, options)? {
        Opened::Profile(p) => Document::Profile(p),
        Opened::CountProfile(p) => Document::CountProfile(p),
        Opened::HeapText(p) => Document::HeapText(p),
        Opened::Goroutines(r) => Document::Goroutines(GoroutineDump::collect(r)?),
    })
}

/// Decodes an input held in memory.
pub fn decode(
    name: impl Into<Arc<str>>,
    bytes: &[u8],
    options: &DecodeOptions,
) -> Result<Document> {
    read(name, bytes, options)
}

fn decode_protobuf_stream<R: BufRead>(
    name: &Arc<str>,
    mut stream: TextStream<R>,
) -> Result<Profile> {
    let mut bytes = Vec::new();
    if let Err(e) = stream.read_to_end(&mut bytes) {
        return Err(Error::from_io(name, Position::Byte(bytes.len() as u64), e));
    }
    Profile::decode_protobuf(name, &bytes)
}

/// Tells the format, or says what was expected and what was found
/// instead (named, never quoted as raw bytes).
fn sniff_or_error(name: &Arc<str>, head: &[u8], gzipped: bool) -> Result<Format> {
    if head.is_empty() {
        return Err(Error::new(
            name,
            Position::Byte(0),
            ErrorKind::Truncated,
            "a profile or goroutine dump, found empty input",
        ));
    }
    match Format::sniff(head) {
        Some(Format::Protobuf) if !looks_like_text(head) => Ok(Format::Protobuf),
        Some(Format::Protobuf) | None => {
            let found = found::describe(head);
            let found = if gzipped {
                format!("gzip data holding {found}")
            } else {
                found
            };
            let position = if looks_like_text(head) {
                Position::Line { line: 1, byte: 0 }
            } else {
                Position::Byte(0)
            };
            Err(Error::new(
                name,
                position,
                ErrorKind::UnknownFormat,
                format!(
                    "a pprof profile (protobuf, gzipped or not), `goroutine profile: total N` \
                     (debug=1), `goroutine N [state]:` tracebacks (debug=2, panic, SIGQUIT) or \
                     `heap profile:` text, found {found}"
                ),
            ))
        }
        Some(format) => Ok(format),
    }
}

/// Printable text with line breaks and tabs only: not a protobuf profile,
/// whose lengths and ids always put control bytes in the first kilobytes.
fn looks_like_text(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(s) => s
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')),
        // A cut-off UTF-8 sequence at the very end is still text.
        Err(e) => {
            e.error_len().is_none() && head.get(..e.valid_up_to()).is_some_and(looks_like_text)
        }
    }
}
