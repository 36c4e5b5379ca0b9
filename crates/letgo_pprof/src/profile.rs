//! A decoded, validated pprof profile with a resolved view of its stacks.
//!
//! The raw messages ([`crate::proto`]) refer to each other by id and to
//! strings by index. [`Profile`] checks every reference once, when it is
//! built, so that its accessors can resolve them without failing and an
//! analysis never has to handle a dangling id.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::Arc;

use flate2::write::GzEncoder;
use prost::Message;

use crate::error::{Error, ErrorKind, Position, Result};
use crate::input::{read_all, DecodeOptions};
use crate::proto;

/// A validated pprof profile.
#[derive(Debug, Clone)]
pub struct Profile {
    raw: proto::Profile,
    strings: Vec<String>,
    locations: IdIndex,
    functions: IdIndex,
    mappings: IdIndex,
}

/// Positions of messages by id. Go numbers locations, functions and
/// mappings 1, 2, 3, … in order, so that the position is `id - 1` and a
/// lookup (millions of them for a large heap profile) costs no hashing;
/// other producers' ids fall back to a map.
#[derive(Debug, Clone)]
enum IdIndex {
    /// Ids `1..=n` at positions `0..n`.
    Dense(usize),
    /// Any other unique nonzero ids.
    Sparse(HashMap<u64, usize>),
}

impl IdIndex {
    fn get(&self, id: u64) -> Option<usize> {
        match self {
            IdIndex::Dense(n) => {
                let i = usize::try_from(id.checked_sub(1)?).ok()?;
                (i < *n).then_some(i)
            }
            IdIndex::Sparse(map) => map.get(&id).copied(),
        }
    }

    fn contains(&self, id: u64) -> bool {
        self.get(id).is_some()
    }
}

/// A sample type, period type: what a value counts, in which unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueType<'a> {
    /// e.g. `inuse_space`, `goroutine`.
    pub kind: &'a str,
    /// e.g. `bytes`, `count`.
    pub unit: &'a str,
}

/// A label's value: pprof labels set with `pprof.Do` are strings; numeric
/// labels (with a unit) come from other producers, e.g. heap `bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelValue<'a> {
    /// A string value.
    Str(&'a str),
    /// A numeric value with its unit (possibly empty).
    Num {
        /// The number.
        value: i64,
        /// Its unit.
        unit: &'a str,
    },
}

/// A label of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label<'a> {
    /// The key.
    pub key: &'a str,
    /// The value.
    pub value: LabelValue<'a>,
}

/// One logical frame of a stack, with inlined calls expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedFrame<'a> {
    /// The function as Go prints it (`main.(*T).M`), empty if unknown.
    pub function: &'a str,
    /// The linker's name for the function.
    pub system_name: &'a str,
    /// The source file, empty if unknown.
    pub file: &'a str,
    /// The source line, 0 if unknown.
    pub line: i64,
    /// The source column, 0 if unknown.
    pub column: i64,
    /// The instruction address of the location this frame belongs to.
    pub address: u64,
    /// The location's id.
    pub location_id: u64,
    /// True when this call was inlined into the next frame (its caller), so
    /// that both share one address.
    pub inlined: bool,
}

/// A sample with everything resolved: the convenient view for analyses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stack<'a> {
    /// One value per sample type, in the order of [`Profile::sample_types`].
    pub values: &'a [i64],
    /// Frames, leaf (innermost) first, inlined calls expanded in the order
    /// pprof shows them.
    pub frames: Vec<ResolvedFrame<'a>>,
    /// The sample's labels.
    pub labels: Vec<Label<'a>>,
}

/// A mapping with its strings resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MappingView<'a> {
    /// The raw message.
    pub raw: &'a proto::Mapping,
    /// The mapped file.
    pub filename: &'a str,
    /// Its build id.
    pub build_id: &'a str,
}

impl Profile {
    /// Decodes a profile from bytes, gzipped or raw.
    pub fn decode(
        name: impl Into<Arc<str>>,
        bytes: &[u8],
        options: &DecodeOptions,
    ) -> Result<Self> {
        Self::read(name, bytes, options)
    }

    /// Decodes a profile from a reader, gzipped or raw.
    pub fn read<R: BufRead>(
        name: impl Into<Arc<str>>,
        reader: R,
        options: &DecodeOptions,
    ) -> Result<Self> {
        let name = name.into();
        let bytes = read_all(Arc::clone(&name), reader, options)?;
        Self::decode_protobuf(&name, &bytes)
    }

    /// Decodes already un-gzipped protobuf bytes.
    pub(crate) fn decode_protobuf(name: &Arc<str>, bytes: &[u8]) -> Result<Self> {
        if bytes.is_empty() {
            return Err(Error::new(
                name,
                Position::Byte(0),
                ErrorKind::Truncated,
                "a pprof profile, found empty input",
            ));
        }
        let raw = proto::Profile::decode(bytes).map_err(|e| protobuf_error(name, bytes, &e))?;
        Self::from_raw(name, raw)
    }

    /// Validates raw messages (for example ones built for `diff` output).
    pub fn from_raw(name: &Arc<str>, raw: proto::Profile) -> Result<Self> {
        let invalid = |what: String| Error::new(name, Position::Unknown, ErrorKind::Invalid, what);
        if raw.string_table.first().is_some_and(|s| !s.is_empty()) {
            return Err(invalid("string_table[0] to be the empty string".into()));
        }
        let strings = raw
            .string_table
            .iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect();
        let locations =
            index_ids(raw.location.iter().map(|l| l.id), "location").map_err(invalid)?;
        let functions =
            index_ids(raw.function.iter().map(|f| f.id), "function").map_err(invalid)?;
        let mappings = index_ids(raw.mapping.iter().map(|m| m.id), "mapping").map_err(invalid)?;
        let profile = Profile {
            raw,
            strings,
            locations,
            functions,
            mappings,
        };
        profile.check_references().map_err(invalid)?;
        Ok(profile)
    }

    /// The raw messages.
    pub fn raw(&self) -> &proto::Profile {
        &self.raw
    }

    /// Gives up the validated view for the raw messages (to change them and
    /// validate again with [`Profile::from_raw`]).
    pub fn into_raw(self) -> proto::Profile {
        self.raw
    }

    /// The string at `index` in the string table ("" when out of range,
    /// which validation rules out for every index the profile holds).
    pub fn string(&self, index: i64) -> &str {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.strings.get(i))
            .map_or("", String::as_str)
    }

    fn value_type(&self, v: &proto::ValueType) -> ValueType<'_> {
        ValueType {
            kind: self.string(v.r#type),
            unit: self.string(v.unit),
        }
    }

    /// What the values of each sample mean, in order.
    pub fn sample_types(&self) -> Vec<ValueType<'_>> {
        self.raw
            .sample_type
            .iter()
            .map(|v| self.value_type(v))
            .collect()
    }

    /// The index of the sample type called `kind` (e.g. `inuse_space`).
    pub fn sample_type_index(&self, kind: &str) -> Option<usize> {
        self.raw
            .sample_type
            .iter()
            .position(|v| self.string(v.r#type) == kind)
    }

    /// The sample type a viewer shows by default, if the profile names one.
    pub fn default_sample_type(&self) -> Option<&str> {
        non_empty(self.string(self.raw.default_sample_type))
    }

    /// The kind of events between samples, e.g. `space`/`bytes` for heap.
    pub fn period_type(&self) -> Option<ValueType<'_>> {
        self.raw.period_type.as_ref().map(|v| self.value_type(v))
    }

    /// The sampling period (e.g. 524288 bytes for heap, 1 for goroutine).
    pub fn period(&self) -> i64 {
        self.raw.period
    }

    /// When the profile was taken, in nanoseconds since the Unix epoch.
    pub fn time_nanos(&self) -> i64 {
        self.raw.time_nanos
    }

    /// How long the profile covers, in nanoseconds.
    pub fn duration_nanos(&self) -> i64 {
        self.raw.duration_nanos
    }

    /// The regular expression of frames to drop from the leaf end of stacks.
    pub fn drop_frames(&self) -> Option<&str> {
        non_empty(self.string(self.raw.drop_frames))
    }

    /// The regular expression of frames to keep despite [`Profile::drop_frames`].
    pub fn keep_frames(&self) -> Option<&str> {
        non_empty(self.string(self.raw.keep_frames))
    }

    /// The profile's comments.
    pub fn comments(&self) -> Vec<&str> {
        self.raw.comment.iter().map(|&c| self.string(c)).collect()
    }

    /// The documentation link, if any.
    pub fn doc_url(&self) -> String {
        String::from_utf8_lossy(&self.raw.doc_url).into_owned()
    }

    /// The number of samples.
    pub fn sample_count(&self) -> usize {
        self.raw.sample.len()
    }

    /// The location with this id.
    pub fn location(&self, id: u64) -> Option<&proto::Location> {
        self.location_index(id)
            .and_then(|i| self.raw.location.get(i))
    }

    /// The position of the location with this id in `raw().location`: a
    /// dense key for analyses that resolve each location once and then
    /// look samples up by it.
    pub fn location_index(&self, id: u64) -> Option<usize> {
        self.locations.get(id)
    }

    /// The function with this id.
    pub fn function(&self, id: u64) -> Option<&proto::Function> {
        self.functions
            .get(id)
            .and_then(|i| self.raw.function.get(i))
    }

    /// The mapping with this id.
    pub fn mapping(&self, id: u64) -> Option<MappingView<'_>> {
        let raw = self
            .mappings
            .get(id)
            .and_then(|i| self.raw.mapping.get(i))?;
        Some(self.mapping_view(raw))
    }

    fn mapping_view<'a>(&'a self, raw: &'a proto::Mapping) -> MappingView<'a> {
        MappingView {
            raw,
            filename: self.string(raw.filename),
            build_id: self.string(raw.build_id),
        }
    }

    /// All mappings, the main binary usually first.
    pub fn mappings(&self) -> impl Iterator<Item = MappingView<'_>> + '_ {
        self.raw.mapping.iter().map(|m| self.mapping_view(m))
    }

    /// Every sample with frames and labels resolved.
    pub fn stacks(&self) -> impl ExactSizeIterator<Item = Stack<'_>> + '_ {
        self.raw.sample.iter().map(|s| self.resolve(s))
    }

    /// Resolves one sample.
    pub fn resolve<'a>(&'a self, sample: &'a proto::Sample) -> Stack<'a> {
        let mut frames = Vec::with_capacity(sample.location_id.len());
        for &id in &sample.location_id {
            if let Some(location) = self.location(id) {
                self.push_frames(location, &mut frames);
            }
        }
        Stack {
            values: &sample.value,
            frames,
            labels: self.labels(sample).collect(),
        }
    }

    /// A sample's labels, resolved (for analyses that take its frames
    /// from elsewhere).
    pub fn labels<'a>(
        &'a self,
        sample: &'a proto::Sample,
    ) -> impl ExactSizeIterator<Item = Label<'a>> + 'a {
        sample.label.iter().map(|l| self.label(l))
    }

    /// The frames of one location, inlined calls first and its own
    /// function last, as [`Stack::frames`] lists them.
    pub fn location_frames<'a>(&'a self, location: &'a proto::Location) -> Vec<ResolvedFrame<'a>> {
        let mut frames = Vec::with_capacity(location.line.len().max(1));
        self.push_frames(location, &mut frames);
        frames
    }

    fn push_frames<'a>(
        &'a self,
        location: &'a proto::Location,
        frames: &mut Vec<ResolvedFrame<'a>>,
    ) {
        let last = location.line.len().saturating_sub(1);
        if location.line.is_empty() {
            frames.push(ResolvedFrame {
                function: "",
                system_name: "",
                file: "",
                line: 0,
                column: 0,
                address: location.address,
                location_id: location.id,
                inlined: false,
            });
        }
        for (i, line) in location.line.iter().enumerate() {
            let function = self.function(line.function_id);
            frames.push(ResolvedFrame {
                function: function.map_or("", |f| self.string(f.name)),
                system_name: function.map_or("", |f| self.string(f.system_name)),
                file: function.map_or("", |f| self.string(f.filename)),
                line: line.line,
                column: line.column,
                address: location.address,
                location_id: location.id,
                inlined: i < last,
            });
        }
    }

    fn label<'a>(&'a self, l: &proto::Label) -> Label<'a> {
        let value = if l.str != 0 {
            LabelValue::Str(self.string(l.str))
        } else {
            LabelValue::Num {
                value: l.num,
                unit: self.string(l.num_unit),
            }
        };
        Label {
            key: self.string(l.key),
            value,
        }
    }

    /// Encodes the profile as uncompressed protobuf.
    pub fn encode(&self) -> Vec<u8> {
        self.raw.encode_to_vec()
    }

    /// Encodes the profile as gzipped protobuf, as Go writes and `go tool
    /// pprof` reads it.
    pub fn encode_gzip(&self) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
        // Writing into a Vec cannot fail.
        let _ = encoder.write_all(&self.encode());
        encoder.finish().unwrap_or_default()
    }

    fn check_references(&self) -> std::result::Result<(), String> {
        self.check_strings()?;
        for (i, l) in self.raw.location.iter().enumerate() {
            if l.mapping_id != 0 && !self.mappings.contains(l.mapping_id) {
                return Err(format!(
                    "location {i} to use a defined mapping, found mapping id {}",
                    l.mapping_id
                ));
            }
            if let Some(line) = l
                .line
                .iter()
                .find(|line| !self.functions.contains(line.function_id))
            {
                return Err(format!(
                    "location {i} to use defined functions, found function id {}",
                    line.function_id
                ));
            }
        }
        let types = self.raw.sample_type.len();
        for (i, s) in self.raw.sample.iter().enumerate() {
            if s.value.len() != types {
                return Err(format!(
                    "sample {i} to have {types} values, one per sample type, found {}",
                    s.value.len()
                ));
            }
            if let Some(id) = s
                .location_id
                .iter()
                .find(|&&id| !self.locations.contains(id))
            {
                return Err(format!(
                    "sample {i} to use defined locations, found location id {id}"
                ));
            }
        }
        Ok(())
    }

    /// Every string index in the profile lies inside the string table.
    fn check_strings(&self) -> std::result::Result<(), String> {
        let n = self.strings.len();
        let ok = |i: i64| i == 0 || usize::try_from(i).is_ok_and(|i| i < n);
        let check = |i: i64, what: &str| {
            if ok(i) {
                Ok(())
            } else {
                Err(format!(
                    "{what} to index the string table (size {n}), found index {i}"
                ))
            }
        };
        let p = &self.raw;
        for v in p.sample_type.iter().chain(p.period_type.iter()) {
            check(v.r#type, "a value type")?;
            check(v.unit, "a value unit")?;
        }
        for &i in &p.comment {
            check(i, "a comment")?;
        }
        check(p.drop_frames, "drop_frames")?;
        check(p.keep_frames, "keep_frames")?;
        check(p.default_sample_type, "default_sample_type")?;
        for l in p.sample.iter().flat_map(|s| &s.label) {
            check(l.key, "a label key")?;
            check(l.str, "a label value")?;
            check(l.num_unit, "a label unit")?;
        }
        for m in &p.mapping {
            check(m.filename, "a mapping file name")?;
            check(m.build_id, "a mapping build id")?;
        }
        for f in &p.function {
            check(f.name, "a function name")?;
            check(f.system_name, "a function system name")?;
            check(f.filename, "a function file name")?;
        }
        Ok(())
    }
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// Maps ids to positions, refusing id 0 and duplicates as Go's parser
/// does; ids numbered from 1 in order need no map.
fn index_ids(
    ids: impl Iterator<Item = u64> + Clone,
    what: &str,
) -> std::result::Result<IdIndex, String> {
    let mut n = 0usize;
    let dense = ids.clone().all(|id| {
        n += 1;
        u64::try_from(n) == Ok(id)
    });
    if dense {
        Ok(IdIndex::Dense(n))
    } else {
        index_sparse(ids, what).map(IdIndex::Sparse)
    }
}

fn index_sparse(
    ids: impl Iterator<Item = u64>,
    what: &str,
) -> std::result::Result<HashMap<u64, usize>, String> {
    let mut map = HashMap::new();
    for (i, id) in ids.enumerate() {
        if id == 0 {
            return Err(format!("{what} {i} to have a nonzero id"));
        }
        if map.insert(id, i).is_some() {
            return Err(format!("{what} ids to be unique, found id {id} twice"));
        }
    }
    Ok(map)
}

fn protobuf_error(name: &Arc<str>, bytes: &[u8], err: &prost::DecodeError) -> Error {
    match crate::wire::find_error(bytes) {
        Some(found) => {
            let kind = if found.truncated {
                ErrorKind::Truncated
            } else {
                ErrorKind::Syntax
            };
            let expected = format!("{} (protobuf: {err})", found.expected);
            Error::new(name, Position::Byte(found.offset), kind, expected)
        }
        None => Error::new(
            name,
            Position::Unknown,
            ErrorKind::Syntax,
            format!("a valid pprof protobuf message ({err})"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(id: u64, function_id: u64) -> proto::Location {
        proto::Location {
            id,
            line: vec![proto::Line {
                function_id,
                line: 10,
                column: 0,
            }],
            ..proto::Location::default()
        }
    }

    fn function(id: u64, name: i64) -> proto::Function {
        proto::Function {
            id,
            name,
            ..proto::Function::default()
        }
    }

    fn with_ids(locations: [u64; 2], functions: [u64; 2]) -> Profile {
        let raw = proto::Profile {
            sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
            sample: vec![proto::Sample {
                location_id: locations.to_vec(),
                value: vec![1],
                label: vec![],
            }],
            location: vec![
                location(locations[0], functions[0]),
                location(locations[1], functions[1]),
            ],
            function: vec![function(functions[0], 3), function(functions[1], 4)],
            string_table: ["", "goroutine", "count", "main.leaf", "main.main"]
                .map(|s| s.as_bytes().to_vec())
                .to_vec(),
            ..Default::default()
        };
        Profile::from_raw(&"p".into(), raw).unwrap()
    }

    #[test]
    fn ids_resolve_whether_numbered_in_order_or_not() {
        for (locations, functions) in [([1, 2], [1, 2]), ([9, 4], [2, 1]), ([2, 1], [7, 3])] {
            let p = with_ids(locations, functions);
            let names: Vec<&str> = p
                .stacks()
                .flat_map(|s| s.frames)
                .map(|f| f.function)
                .collect();
            assert_eq!(
                names,
                ["main.leaf", "main.main"],
                "{locations:?} {functions:?}"
            );
            assert_eq!(p.location_index(locations[1]), Some(1));
        }
        assert_eq!(with_ids([1, 2], [1, 2]).location_index(3), None);
        assert_eq!(with_ids([9, 4], [1, 2]).location_index(1), None);
    }

    #[test]
    fn duplicate_and_zero_ids_are_invalid() {
        let mut raw = with_ids([1, 2], [1, 2]).into_raw();
        raw.location[1].id = 1;
        let err = Profile::from_raw(&"p".into(), raw.clone()).unwrap_err();
        assert!(err.expected.contains("found id 1 twice"), "{err}");
        raw.location[1].id = 0;
        let err = Profile::from_raw(&"p".into(), raw).unwrap_err();
        assert!(err.expected.contains("nonzero id"), "{err}");
    }
}
