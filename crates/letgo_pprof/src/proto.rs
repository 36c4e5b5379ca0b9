//! The messages of pprof's `profile.proto`, written by hand for prost.
//!
//! Field numbers follow `github.com/google/pprof/proto/profile.proto` (as
//! vendored in Go's `cmd/vendor` and mirrored by `internal/profile`).
//! Strings are indices into `string_table`; ids are references between
//! messages, 0 meaning "none". The string table is kept as bytes because the
//! format does not promise UTF-8 and one odd symbol name must not make a whole
//! profile unreadable.

use prost::bytes::{Buf, BufMut};
use prost::encoding::{self, DecodeContext, WireType};
use prost::DecodeError;

/// A whole profile.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Profile {
    /// What each value in a sample means (e.g. `inuse_space`/`bytes`).
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    /// The recorded samples.
    #[prost(message, repeated, tag = "2")]
    pub sample: Vec<Sample>,
    /// The binaries and libraries mapped into the process.
    #[prost(message, repeated, tag = "3")]
    pub mapping: Vec<Mapping>,
    /// Code locations referenced by samples.
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<Location>,
    /// Functions referenced by locations.
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    /// All strings; entry 0 must be the empty string.
    #[prost(bytes = "vec", repeated, tag = "6")]
    pub string_table: Vec<Vec<u8>>,
    /// Regexp (string index) of frames to drop from stacks, 0 for none.
    #[prost(int64, tag = "7")]
    pub drop_frames: i64,
    /// Regexp (string index) of frames to keep despite `drop_frames`.
    #[prost(int64, tag = "8")]
    pub keep_frames: i64,
    /// When the profile was collected, in nanoseconds since the epoch.
    #[prost(int64, tag = "9")]
    pub time_nanos: i64,
    /// How long the profile covers.
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    /// The kind of events between samples (e.g. `space`/`bytes`).
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<ValueType>,
    /// The number of events between sampled occurrences.
    #[prost(int64, tag = "12")]
    pub period: i64,
    /// Free-form comments (string indices).
    #[prost(int64, repeated, tag = "13")]
    pub comment: Vec<i64>,
    /// The sample type a viewer shows first (string index).
    #[prost(int64, tag = "14")]
    pub default_sample_type: i64,
    /// A documentation link for the profile's sample types.
    #[prost(bytes = "vec", tag = "15")]
    pub doc_url: Vec<u8>,
}

/// A type and unit, both string indices.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct ValueType {
    /// e.g. `alloc_space`.
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    /// e.g. `bytes`.
    #[prost(int64, tag = "2")]
    pub unit: i64,
}

/// One stack with its values and labels.
///
/// [`prost::Message`] is implemented by hand below, encoding as the derive
/// would, so that the packed `location_id` and `value` lists decode in one
/// pass into vectors of their exact length: a large heap profile holds
/// millions of them, and growing the vectors value by value took most of
/// its decoding time.
#[derive(Clone, PartialEq, Eq, Default, Debug)]
pub struct Sample {
    /// Location ids, leaf first.
    pub location_id: Vec<u64>,
    /// One value per sample type.
    pub value: Vec<i64>,
    /// Labels, including pprof goroutine labels.
    pub label: Vec<Label>,
}

impl prost::Message for Sample {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        encoding::uint64::encode_packed(1, &self.location_id, buf);
        encoding::int64::encode_packed(2, &self.value, buf);
        encoding::message::encode_repeated(3, &self.label, buf);
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let named = |field: &'static str| {
            move |mut e: DecodeError| {
                e.push("Sample", field);
                e
            }
        };
        match tag {
            1 if merge_packed(wire_type, &mut self.location_id, buf, |v| v) => Ok(()),
            1 => encoding::uint64::merge_repeated(wire_type, &mut self.location_id, buf, ctx)
                .map_err(named("location_id")),
            // int64 is the varint's bits read as two's complement.
            2 if merge_packed(wire_type, &mut self.value, buf, |v| v as i64) => Ok(()),
            2 => encoding::int64::merge_repeated(wire_type, &mut self.value, buf, ctx)
                .map_err(named("value")),
            3 => encoding::message::merge_repeated(wire_type, &mut self.label, buf, ctx)
                .map_err(named("label")),
            _ => encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        encoding::uint64::encoded_len_packed(1, &self.location_id)
            + encoding::int64::encoded_len_packed(2, &self.value)
            + encoding::message::encoded_len_repeated(3, &self.label)
    }

    fn clear(&mut self) {
        self.location_id.clear();
        self.value.clear();
        self.label.clear();
    }
}

/// Appends a packed list of varints that lies whole in `buf`'s current
/// chunk, reserving its exact length first, and says whether it did.
/// Anything else (one unpacked value, a list split across chunks, a
/// malformed list) is left untouched for prost, which also words the error.
fn merge_packed<T>(
    wire_type: WireType,
    values: &mut Vec<T>,
    buf: &mut impl Buf,
    convert: impl Fn(u64) -> T,
) -> bool {
    if wire_type != WireType::LengthDelimited {
        return false;
    }
    let Some((body, used)) = packed_body(buf.chunk()) else {
        return false;
    };
    let start = values.len();
    values.reserve(body.iter().filter(|&&b| b < 0x80).count());
    let (mut value, mut shift) = (0u64, 0u32);
    for &b in body {
        // A tenth byte may carry only the top bit; an eleventh is invalid.
        if shift > 63 || (shift == 63 && b > 1) {
            values.truncate(start);
            return false;
        }
        value |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            values.push(convert(value));
            (value, shift) = (0, 0);
        } else {
            shift += 7;
        }
    }
    if shift != 0 {
        // The last varint runs past the list's end.
        values.truncate(start);
        return false;
    }
    buf.advance(used);
    true
}

/// The body of a length-delimited field at the start of `chunk`, and the
/// bytes it takes with its length, if all of it is there.
fn packed_body(chunk: &[u8]) -> Option<(&[u8], usize)> {
    let mut len = 0usize;
    for (i, &b) in chunk.iter().enumerate().take(5) {
        len |= usize::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            let end = (i + 1).checked_add(len)?;
            return Some((chunk.get(i + 1..end)?, end));
        }
    }
    None
}

/// A key with a string or a numeric value.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct Label {
    /// String index of the key.
    #[prost(int64, tag = "1")]
    pub key: i64,
    /// String index of the value, or 0 when numeric.
    #[prost(int64, tag = "2")]
    pub str: i64,
    /// The numeric value, when `str` is 0.
    #[prost(int64, tag = "3")]
    pub num: i64,
    /// String index of the numeric value's unit.
    #[prost(int64, tag = "4")]
    pub num_unit: i64,
}

/// A mapped binary or library.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Mapping {
    /// Unique nonzero id.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// Start address.
    #[prost(uint64, tag = "2")]
    pub memory_start: u64,
    /// End address.
    #[prost(uint64, tag = "3")]
    pub memory_limit: u64,
    /// Offset in the file.
    #[prost(uint64, tag = "4")]
    pub file_offset: u64,
    /// String index of the file name.
    #[prost(int64, tag = "5")]
    pub filename: i64,
    /// String index of the build id.
    #[prost(int64, tag = "6")]
    pub build_id: i64,
    /// Whether locations in it have functions.
    #[prost(bool, tag = "7")]
    pub has_functions: bool,
    /// Whether they have file names.
    #[prost(bool, tag = "8")]
    pub has_filenames: bool,
    /// Whether they have line numbers.
    #[prost(bool, tag = "9")]
    pub has_line_numbers: bool,
    /// Whether they have inlined frames.
    #[prost(bool, tag = "10")]
    pub has_inline_frames: bool,
}

/// A program counter with the source lines it stands for.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Location {
    /// Unique nonzero id.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// The mapping it lies in, 0 if unknown.
    #[prost(uint64, tag = "2")]
    pub mapping_id: u64,
    /// The instruction address.
    #[prost(uint64, tag = "3")]
    pub address: u64,
    /// Source lines; the last is the caller, earlier ones were inlined into it.
    #[prost(message, repeated, tag = "4")]
    pub line: Vec<Line>,
    /// Whether several functions were folded into this address by the linker.
    #[prost(bool, tag = "5")]
    pub is_folded: bool,
}

/// A function and line within a location.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct Line {
    /// The function's id.
    #[prost(uint64, tag = "1")]
    pub function_id: u64,
    /// The source line, 0 if unknown.
    #[prost(int64, tag = "2")]
    pub line: i64,
    /// The source column, 0 if unknown.
    #[prost(int64, tag = "3")]
    pub column: i64,
}

/// A function.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct Function {
    /// Unique nonzero id.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// String index of the name as Go prints it (`main.(*T).M`).
    #[prost(int64, tag = "2")]
    pub name: i64,
    /// String index of the linker symbol name.
    #[prost(int64, tag = "3")]
    pub system_name: i64,
    /// String index of the source file.
    #[prost(int64, tag = "4")]
    pub filename: i64,
    /// The line the function starts at.
    #[prost(int64, tag = "5")]
    pub start_line: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    fn sample(location_id: Vec<u64>, value: Vec<i64>) -> Sample {
        Sample {
            location_id,
            value,
            label: vec![Label {
                key: 1,
                str: 2,
                ..Label::default()
            }],
        }
    }

    #[test]
    fn samples_round_trip_with_ten_byte_varints() {
        let s = sample(vec![1, 300, u64::MAX], vec![-1, i64::MIN, 0, 7]);
        let bytes = s.encode_to_vec();
        assert_eq!(Sample::decode(bytes.as_slice()).unwrap(), s);
    }

    #[test]
    fn unpacked_and_repeated_lists_append() {
        // location_id as two unpacked varints, then a packed list of two.
        let bytes = [0x08, 0x05, 0x08, 0x06, 0x0a, 0x02, 0x07, 0x08];
        let s = Sample::decode(bytes.as_slice()).unwrap();
        assert_eq!(s.location_id, vec![5, 6, 7, 8]);
    }

    #[test]
    fn malformed_packed_lists_are_errors() {
        // The list's last varint runs past its length of 2.
        assert!(Sample::decode([0x0a, 0x02, 0x01, 0x80].as_slice()).is_err());
        // An eleven-byte varint.
        let mut long = vec![0x12, 11];
        long.extend([0xff; 10]);
        long.push(0x01);
        assert!(Sample::decode(long.as_slice()).is_err());
        // A length past the end of the input.
        assert!(Sample::decode([0x0a, 0x05, 0x01].as_slice()).is_err());
    }
}
