//! The one error type of this crate.
//!
//! Every failure names the input (a file name or URL as the caller gave it),
//! where in it the problem is, and what the decoder expected there, so that a
//! user can find the broken byte without a debugger.

use std::fmt;
use std::sync::Arc;

/// Where in an input a problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The problem is not tied to one byte (for example a dangling id).
    Unknown,
    /// A byte offset into the decoded (decompressed) data.
    Byte(u64),
    /// A 1-based line of a text format, with the byte offset of its start.
    Line { line: u64, byte: u64 },
    /// A byte offset into the gzip-compressed input as stored.
    Compressed(u64),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Unknown => f.write_str("somewhere"),
            Position::Byte(b) => write!(f, "byte {b}"),
            Position::Line { line, byte } => write!(f, "line {line} (byte {byte})"),
            Position::Compressed(b) => write!(f, "byte {b} of the gzip stream"),
        }
    }
}

/// What went wrong, in broad classes a caller can match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Reading the input failed.
    Io,
    /// The input ended before a complete value.
    Truncated,
    /// The gzip layer is corrupt.
    Gzip,
    /// The decompressed input exceeds [`crate::DecodeOptions::max_decoded_bytes`].
    TooLarge,
    /// The bytes are none of the formats this crate reads.
    UnknownFormat,
    /// The bytes do not follow the syntax of their format.
    Syntax,
    /// The syntax is fine but the content contradicts itself
    /// (an id that is not defined, a string index out of range).
    Invalid,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Io => "read error",
            ErrorKind::Truncated => "truncated input",
            ErrorKind::Gzip => "corrupt gzip data",
            ErrorKind::TooLarge => "input too large",
            ErrorKind::UnknownFormat => "unknown format",
            ErrorKind::Syntax => "syntax error",
            ErrorKind::Invalid => "invalid profile",
        })
    }
}

/// A decoding error: input name, position, and what was expected there.
#[derive(Debug, thiserror::Error)]
#[error("{input}: {position}: {kind}: expected {expected}")]
pub struct Error {
    /// The name of the input, as the caller passed it.
    pub input: Arc<str>,
    /// Where the problem is.
    pub position: Position,
    /// The class of problem.
    pub kind: ErrorKind,
    /// What the decoder expected at `position`, in words
    /// (it may add what it found instead).
    pub expected: String,
    /// The underlying I/O error, if any.
    #[source]
    pub source: Option<std::io::Error>,
}

impl Error {
    /// Makes an error without an underlying cause.
    pub fn new(
        input: &Arc<str>,
        position: Position,
        kind: ErrorKind,
        expected: impl Into<String>,
    ) -> Self {
        Error {
            input: Arc::clone(input),
            position,
            kind,
            expected: expected.into(),
            source: None,
        }
    }

    /// The byte offset of the problem, when there is one (in the compressed
    /// input for [`Position::Compressed`], in the decoded data otherwise).
    pub fn offset(&self) -> Option<u64> {
        match self.position {
            Position::Unknown => None,
            Position::Byte(b) | Position::Compressed(b) | Position::Line { byte: b, .. } => Some(b),
        }
    }

    /// Turns an I/O error met while reading `input` into an [`Error`].
    ///
    /// Our own readers report gzip and size problems as an [`Error`] wrapped in
    /// an `io::Error`; those are unwrapped so the original position survives.
    pub fn from_io(input: &Arc<str>, position: Position, err: std::io::Error) -> Self {
        let err = match err.downcast::<Error>() {
            Ok(inner) => return inner,
            Err(err) => err,
        };
        let kind = if err.kind() == std::io::ErrorKind::UnexpectedEof {
            ErrorKind::Truncated
        } else {
            ErrorKind::Io
        };
        Error {
            input: Arc::clone(input),
            position,
            kind,
            expected: format!("readable input ({err})"),
            source: Some(err),
        }
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
