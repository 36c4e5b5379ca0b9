//! Line-at-a-time reading for the text formats, tracking line numbers and
//! byte offsets for error messages and reusing one buffer for speed.

use std::io::{BufRead, Read};
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Position, Result};

/// The longest line accepted. Real dumps have lines of a few kilobytes
/// (a 128-frame `@ 0x…` list); anything far longer is not a dump.
pub(crate) const MAX_LINE: u64 = 16 << 20;

pub(crate) struct LineReader<R> {
    reader: R,
    name: Arc<str>,
    text: String,
    /// Byte offset of the current line's start.
    offset: u64,
    /// Byte offset just past the current line.
    next_offset: u64,
    /// 1-based number of the current line (0 before the first).
    line_no: u64,
    /// Whether the current line ended with a newline (false only at the end).
    newline: bool,
    /// Whether `next` should hand out the current line again.
    pushed_back: bool,
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(name: Arc<str>, reader: R) -> Self {
        Self::starting_at(name, reader, 0, 0)
    }

    /// A reader of text that starts after `lines` lines and `byte` bytes of
    /// the input, so that errors in a piece of a dump name the whole dump's
    /// line and byte.
    pub(crate) fn starting_at(name: Arc<str>, reader: R, lines: u64, byte: u64) -> Self {
        LineReader {
            reader,
            name,
            text: String::new(),
            offset: byte,
            next_offset: byte,
            line_no: lines,
            newline: true,
            pushed_back: false,
        }
    }

    /// Advances to the next line; false at the end of input.
    pub(crate) fn advance(&mut self) -> Result<bool> {
        if self.pushed_back {
            self.pushed_back = false;
            return Ok(true);
        }
        let mut buf = std::mem::take(&mut self.text).into_bytes();
        buf.clear();
        self.offset = self.next_offset;
        let read = (&mut self.reader)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::from_io(&self.name, self.position_after(), e))?;
        if read == 0 {
            return Ok(false);
        }
        self.next_offset += read as u64;
        self.line_no += 1;
        self.newline = buf.last() == Some(&b'\n');
        if !self.newline && read as u64 > MAX_LINE {
            return Err(self.error(
                ErrorKind::Syntax,
                format!("a line of at most {MAX_LINE} bytes"),
            ));
        }
        if self.newline {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
        }
        self.text = match String::from_utf8(buf) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        Ok(true)
    }

    /// Whether nothing has been read yet.
    pub(crate) fn is_unread(&self) -> bool {
        self.line_no == 0 && !self.pushed_back
    }

    /// The underlying reader, with whatever it has not handed out yet.
    pub(crate) fn into_inner(self) -> R {
        self.reader
    }

    /// Makes the next [`LineReader::advance`] return the current line again.
    pub(crate) fn push_back(&mut self) {
        self.pushed_back = true;
    }

    /// The current line, without its line ending.
    pub(crate) fn line(&self) -> &str {
        &self.text
    }

    /// Whether the current line was cut off by the end of input.
    pub(crate) fn at_unterminated_end(&self) -> bool {
        !self.newline
    }

    /// The position of the current line.
    pub(crate) fn position(&self) -> Position {
        Position::Line {
            line: self.line_no.max(1),
            byte: self.offset,
        }
    }

    /// The position just past the current line, where the next one would be.
    pub(crate) fn position_after(&self) -> Position {
        Position::Line {
            line: self.line_no + 1,
            byte: self.next_offset,
        }
    }

    /// An error at the current line, quoting the start of what was found.
    /// A line cut off by the end of input is reported as truncation,
    /// whatever it failed to parse as: the input was cut, not malformed.
    pub(crate) fn error(&self, kind: ErrorKind, expected: impl Into<String>) -> Error {
        let kind = if self.at_unterminated_end() {
            ErrorKind::Truncated
        } else {
            kind
        };
        let found = snippet(self.line());
        Error::new(
            &self.name,
            self.position(),
            kind,
            format!("{}, found {found}", expected.into()),
        )
    }

    /// An error for input that ended where `expected` should have followed.
    pub(crate) fn eof_error(&self, expected: impl Into<String>) -> Error {
        Error::new(
            &self.name,
            self.position_after(),
            ErrorKind::Truncated,
            format!("{}, found the end of input", expected.into()),
        )
    }
}

/// What a line holds, for an error message: its start in backticks when
/// it is text, or what kind of bytes it is when not (no raw bytes).
pub(crate) fn snippet(line: &str) -> String {
    let binary = line
        .chars()
        .any(|c| c == char::REPLACEMENT_CHARACTER || (c.is_control() && c != '\t'));
    if binary {
        crate::found::describe(line.as_bytes())
    } else {
        crate::found::quote(line)
    }
}
