//! NEW minus BASE as one profile, the way `go tool pprof -base BASE NEW`
//! computes it: every sample of NEW as it is and every sample of BASE
//! with its values negated, all sample types, stacks and labels kept.
//! `go tool pprof` merges equal stacks when it reads the result, so its
//! `-top`, `-peek`, `-traces` and totals on the file are those of `-base`.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Position, Result};
use crate::profile::Profile;
use crate::proto;

/// `new` minus `base`, named `name`; the headers are combined as pprof
/// combines them (earliest time, summed durations, largest period).
/// Profiles of different sample or period types are refused, as pprof
/// refuses them.
pub fn subtract(base: &Profile, new: &Profile, name: &Arc<str>) -> Result<Profile> {
    check_compatible(base, new, name)?;
    let mut out = new.raw().clone();
    let from = base.raw();
    let mut strings = StringMap::new(&mut out.string_table);
    let mapping_offset = out.mapping.iter().map(|m| m.id).max().unwrap_or(0);
    let function_offset = out.function.iter().map(|f| f.id).max().unwrap_or(0);
    let location_offset = out.location.iter().map(|l| l.id).max().unwrap_or(0);
    let mut s = |i: i64| strings.take(base.string(i));
    let mappings: Vec<proto::Mapping> = from
        .mapping
        .iter()
        .map(|m| proto::Mapping {
            id: m.id + mapping_offset,
            filename: s(m.filename),
            build_id: s(m.build_id),
            ..m.clone()
        })
        .collect();
    let functions: Vec<proto::Function> = from
        .function
        .iter()
        .map(|f| proto::Function {
            id: f.id + function_offset,
            name: s(f.name),
            system_name: s(f.system_name),
            filename: s(f.filename),
            ..*f
        })
        .collect();
    let locations: Vec<proto::Location> = from
        .location
        .iter()
        .map(|l| proto::Location {
            id: l.id + location_offset,
            mapping_id: if l.mapping_id == 0 {
                0
            } else {
                l.mapping_id + mapping_offset
            },
            line: l
                .line
                .iter()
                .map(|line| proto::Line {
                    function_id: line.function_id + function_offset,
                    ..*line
                })
                .collect(),
            ..l.clone()
        })
        .collect();
    let samples: Vec<proto::Sample> = from
        .sample
        .iter()
        .map(|sample| proto::Sample {
            location_id: sample
                .location_id
                .iter()
                .map(|id| id + location_offset)
                .collect(),
            value: sample.value.iter().map(|v| -v).collect(),
            label: sample
                .label
                .iter()
                .map(|l| proto::Label {
                    key: s(l.key),
                    str: s(l.str),
                    num: l.num,
                    num_unit: s(l.num_unit),
                })
                .collect(),
        })
        .collect();
    let comments: Vec<i64> = from.comment.iter().map(|&c| s(c)).collect();
    let default_type = s(from.default_sample_type);
    out.mapping.extend(mappings);
    out.function.extend(functions);
    out.location.extend(locations);
    out.sample.extend(samples);
    combine_headers(&mut out, from, comments, default_type);
    merge_equal_samples(&mut out);
    Profile::from_raw(name, out)
}

/// `profile` with samples of the same stack and labels summed and those
/// that come to zero dropped (a diff written with both signs).
pub fn merge_equal(profile: Profile, name: &Arc<str>) -> Result<Profile> {
    let mut raw = profile.into_raw();
    merge_equal_samples(&mut raw);
    Profile::from_raw(name, raw)
}

/// What makes two locations one for pprof: the address within its
/// mapping's file, the mapping's file, and the lines by function name.
type LocationKey = (u64, Vec<u8>, Vec<(Vec<u8>, Vec<u8>, i64, i64)>, bool);

/// What makes two samples one: the same stack (locations merged as above)
/// and the same labels.
type SampleKey = (Vec<u64>, Vec<(i64, i64, i64, i64)>);

/// Sums samples with the same stack and labels and drops those that come
/// to zero, as pprof's `Merge` does after `-base`: without it, pprof's
/// totals on the file would count a stack once up and once down.
fn merge_equal_samples(out: &mut proto::Profile) {
    let canonical = canonical_locations(out);
    let mut index: HashMap<SampleKey, usize> = HashMap::new();
    let mut merged: Vec<proto::Sample> = Vec::with_capacity(out.sample.len());
    for sample in std::mem::take(&mut out.sample) {
        let stack: Vec<u64> = sample
            .location_id
            .iter()
            .map(|id| canonical.get(id).copied().unwrap_or(*id))
            .collect();
        let mut labels: Vec<(i64, i64, i64, i64)> = sample
            .label
            .iter()
            .map(|l| (l.key, l.str, l.num, l.num_unit))
            .collect();
        labels.sort_unstable();
        match index.entry((stack.clone(), labels)) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let into = &mut merged[*e.get()];
                for (v, add) in into.value.iter_mut().zip(&sample.value) {
                    *v += add;
                }
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(merged.len());
                merged.push(proto::Sample {
                    location_id: stack,
                    ..sample
                });
            }
        }
    }
    merged.retain(|s| s.value.iter().any(|&v| v != 0));
    out.sample = merged;
}

/// Each location id mapped to the first location with the same key.
fn canonical_locations(out: &proto::Profile) -> HashMap<u64, u64> {
    let string = |i: i64| {
        out.string_table
            .get(i as usize)
            .cloned()
            .unwrap_or_default()
    };
    let functions: HashMap<u64, &proto::Function> =
        out.function.iter().map(|f| (f.id, f)).collect();
    let mappings: HashMap<u64, &proto::Mapping> = out.mapping.iter().map(|m| (m.id, m)).collect();
    let mut first: HashMap<LocationKey, u64> = HashMap::new();
    let mut canonical = HashMap::with_capacity(out.location.len());
    for l in &out.location {
        let mapping = mappings.get(&l.mapping_id);
        let address = l
            .address
            .wrapping_sub(mapping.map_or(0, |m| m.memory_start));
        let file = mapping.map_or_else(Vec::new, |m| string(m.filename));
        let lines = l
            .line
            .iter()
            .map(|line| {
                let f = functions.get(&line.function_id);
                (
                    f.map_or_else(Vec::new, |f| string(f.name)),
                    f.map_or_else(Vec::new, |f| string(f.filename)),
                    line.line,
                    line.column,
                )
            })
            .collect();
        let id = *first
            .entry((address, file, lines, l.is_folded))
            .or_insert(l.id);
        canonical.insert(l.id, id);
    }
    canonical
}

/// Headers as pprof's `combineHeaders`: the earliest nonzero time, the
/// sum of durations, the largest period, comments without repeats, the
/// first default sample type given.
fn combine_headers(
    out: &mut proto::Profile,
    base: &proto::Profile,
    comments: Vec<i64>,
    default_type: i64,
) {
    if out.time_nanos == 0 || (base.time_nanos != 0 && base.time_nanos < out.time_nanos) {
        out.time_nanos = base.time_nanos;
    }
    out.duration_nanos += base.duration_nanos;
    out.period = out.period.max(base.period);
    for c in comments {
        let text = &out.string_table[c as usize];
        if !out
            .comment
            .iter()
            .any(|&o| &out.string_table[o as usize] == text)
        {
            out.comment.push(c);
        }
    }
    if out.default_sample_type == 0 {
        out.default_sample_type = default_type;
    }
}

/// Sample and period types as `kind/unit`.
fn types(p: &Profile) -> (Vec<String>, Option<String>) {
    let samples = p
        .sample_types()
        .iter()
        .map(|t| format!("{}/{}", t.kind, t.unit))
        .collect();
    let period = p.period_type().map(|t| format!("{}/{}", t.kind, t.unit));
    (samples, period)
}

fn check_compatible(base: &Profile, new: &Profile, name: &Arc<str>) -> Result<()> {
    let (b, n) = (types(base), types(new));
    if b == n {
        return Ok(());
    }
    Err(Error::new(
        name,
        Position::Unknown,
        ErrorKind::Invalid,
        format!(
            "two profiles of the same sample types, found {} and {}",
            b.0.join(", "),
            n.0.join(", ")
        ),
    ))
}

/// Finds or appends strings in a string table.
struct StringMap<'a> {
    table: &'a mut Vec<Vec<u8>>,
    index: HashMap<Vec<u8>, i64>,
}

impl<'a> StringMap<'a> {
    fn new(table: &'a mut Vec<Vec<u8>>) -> Self {
        if table.is_empty() {
            table.push(Vec::new());
        }
        let mut index = HashMap::with_capacity(table.len());
        for (i, s) in table.iter().enumerate() {
            index.entry(s.clone()).or_insert(i as i64);
        }
        StringMap { table, index }
    }

    fn take(&mut self, s: &str) -> i64 {
        if let Some(&i) = self.index.get(s.as_bytes()) {
            return i;
        }
        let i = self.table.len() as i64;
        self.table.push(s.as_bytes().to_vec());
        self.index.insert(s.as_bytes().to_vec(), i);
        i
    }
}
