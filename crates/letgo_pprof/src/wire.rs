//! A protobuf wire-format walker that finds where a profile is broken.
//!
//! prost says *that* a message failed to decode, not *where*. When it fails,
//! this walker re-reads the bytes along the `profile.proto` schema and reports
//! the first offset that breaks the wire format, with what belonged there. It
//! runs only on the error path, so a good profile costs nothing extra.

/// The nested messages of `profile.proto`, for walking.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Msg {
    Profile,
    ValueType,
    Sample,
    Label,
    Mapping,
    Location,
    Line,
    Function,
}

/// How a known field must be encoded.
#[derive(Clone, Copy)]
enum FieldKind {
    Message(Msg),
    /// Varints, packed into a length-delimited field or one per tag.
    Varints,
    Bytes,
}

fn field(msg: Msg, number: u64) -> Option<(&'static str, FieldKind)> {
    use FieldKind::*;
    use Msg::*;
    Some(match (msg, number) {
        (Profile, 1) => ("sample_type", Message(ValueType)),
        (Profile, 2) => ("sample", Message(Sample)),
        (Profile, 3) => ("mapping", Message(Mapping)),
        (Profile, 4) => ("location", Message(Location)),
        (Profile, 5) => ("function", Message(Function)),
        (Profile, 6) => ("string_table", Bytes),
        (Profile, 11) => ("period_type", Message(ValueType)),
        (Profile, 15) => ("doc_url", Bytes),
        (Profile, 7..=10 | 12..=14) => ("an integer field", Varints),
        (Sample, 1) => ("location_id", Varints),
        (Sample, 2) => ("value", Varints),
        (Sample, 3) => ("label", Message(Label)),
        (Location, 4) => ("line", Message(Line)),
        (ValueType, 1..=2) | (Label, 1..=4) | (Line, 1..=3) | (Function, 1..=5) => {
            ("an integer field", Varints)
        }
        (Mapping, 1..=10) | (Location, 1..=3 | 5) => ("an integer field", Varints),
        _ => return None,
    })
}

/// A wire-format problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WireError {
    /// Where, from the start of the profile.
    pub offset: u64,
    /// What belonged there.
    pub expected: String,
    /// Whether the input simply ended too early.
    pub truncated: bool,
}

/// The first wire-format problem in `buf`.
pub(crate) fn find_error(buf: &[u8]) -> Option<WireError> {
    walk(buf, 0, Msg::Profile, 0)
        .err()
        .map(|(offset, expected)| WireError {
            truncated: offset >= buf.len() as u64 || expected.ends_with(TRUNCATED),
            offset,
            expected,
        })
}

/// Suffix of messages about data that runs past the end of its buffer.
const TRUNCATED: &str = ", cut off by the end of its data";

type WalkResult = Result<(), (u64, String)>;

fn walk(buf: &[u8], base: u64, msg: Msg, depth: u32) -> WalkResult {
    if depth > 8 {
        return Err((
            base,
            "messages nested no deeper than profile.proto allows".into(),
        ));
    }
    let mut pos = 0usize;
    while pos < buf.len() {
        let at = base + pos as u64;
        let (tag, n) = read_varint(buf, pos).ok_or_else(|| {
            (
                at,
                varint_problem(
                    buf,
                    pos,
                    format!("a field tag (varint) in a {msg:?} message"),
                ),
            )
        })?;
        pos += n;
        let (number, wire) = (tag >> 3, tag & 7);
        if number == 0 {
            return Err((at, format!("a field number above 0 in a {msg:?} message")));
        }
        let known = field(msg, number);
        pos = walk_field(buf, pos, base, msg, number, wire, known, depth)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn walk_field(
    buf: &[u8],
    pos: usize,
    base: u64,
    msg: Msg,
    number: u64,
    wire: u64,
    known: Option<(&'static str, FieldKind)>,
    depth: u32,
) -> Result<usize, (u64, String)> {
    let at = base + pos as u64;
    let what = known.map_or("an unknown field", |k| k.0);
    match (wire, known.map(|k| k.1)) {
        (0, None | Some(FieldKind::Varints)) => {
            read_varint(buf, pos).map(|(_, n)| pos + n).ok_or_else(|| {
                (
                    at,
                    varint_problem(
                        buf,
                        pos,
                        format!("a varint for field {number} ({what}) of {msg:?}"),
                    ),
                )
            })
        }
        (1, None) => skip(buf, pos, 8, at, number, what),
        (5, None) => skip(buf, pos, 4, at, number, what),
        (2, kind) => {
            let (len, n) = read_varint(buf, pos).ok_or_else(|| {
                let what = format!("a length (varint) for field {number} ({what}) of {msg:?}");
                (at, varint_problem(buf, pos, what))
            })?;
            let start = pos + n;
            let body = usize::try_from(len)
                .ok()
                .and_then(|len| buf.get(start..start.checked_add(len)?))
                .ok_or_else(|| {
                    (
                        base + start as u64,
                        format!(
                            "{len} bytes of field {number} ({what}) of {msg:?}, only {} remain{TRUNCATED}",
                            buf.len().saturating_sub(start)
                        ),
                    )
                })?;
            let body_base = base + start as u64;
            match kind {
                Some(FieldKind::Message(inner)) => walk(body, body_base, inner, depth + 1)?,
                Some(FieldKind::Varints) => walk_packed(body, body_base, number, what)?,
                _ => {}
            }
            Ok(start + body.len())
        }
        (3 | 4, _) => Err((
            at,
            format!("no group (wire type {wire}) for field {number} of {msg:?}"),
        )),
        (_, Some(kind)) => {
            let want = match kind {
                FieldKind::Varints => "varint (wire type 0) or packed (wire type 2)",
                _ => "length-delimited (wire type 2)",
            };
            Err((
                at,
                format!("field {number} ({what}) of {msg:?} to be {want}, found wire type {wire}"),
            ))
        }
        (_, None) => Err((
            at,
            format!("a valid wire type for field {number}, found {wire}"),
        )),
    }
}

fn skip(
    buf: &[u8],
    pos: usize,
    n: usize,
    at: u64,
    number: u64,
    what: &str,
) -> Result<usize, (u64, String)> {
    let end = pos + n;
    if end <= buf.len() {
        Ok(end)
    } else {
        Err((
            at,
            format!("{n} bytes of field {number} ({what}){TRUNCATED}"),
        ))
    }
}

fn walk_packed(body: &[u8], base: u64, number: u64, what: &str) -> WalkResult {
    let mut pos = 0;
    while pos < body.len() {
        let (_, n) = read_varint(body, pos).ok_or_else(|| {
            (
                base + pos as u64,
                varint_problem(
                    body,
                    pos,
                    format!("a packed varint in field {number} ({what})"),
                ),
            )
        })?;
        pos += n;
    }
    Ok(())
}

/// Describes a varint that failed to read, saying so when it was cut off.
fn varint_problem(buf: &[u8], pos: usize, what: String) -> String {
    if buf.len().saturating_sub(pos) < 10 {
        what + TRUNCATED
    } else {
        what
    }
}

/// Reads a varint at `pos`: its value and length, or `None` if it is cut off
/// or longer than ten bytes.
fn read_varint(buf: &[u8], pos: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for i in 0..10 {
        let b = *buf.get(pos + i)?;
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}
