//! Builds a profile from frames and values, for output that `go tool
//! pprof` opens (the difference written by `letgo diff --write-pprof`).
//!
//! Strings, functions and locations are shared as they are added. Every
//! location belongs to one mapping that declares functions, file names and
//! line numbers present, so that pprof never tries to symbolize it.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::Result;
use crate::profile::Profile;
use crate::proto;

/// A frame to build from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildFrame<'a> {
    /// The function as Go prints it.
    pub function: &'a str,
    /// Its file.
    pub file: &'a str,
    /// The line; 0 if unknown.
    pub line: i64,
}

/// Accumulates samples into a [`proto::Profile`].
#[derive(Debug)]
pub struct ProfileBuilder {
    raw: proto::Profile,
    strings: HashMap<String, i64>,
    functions: HashMap<(i64, i64), u64>,
    locations: HashMap<(u64, i64), u64>,
}

impl ProfileBuilder {
    /// A profile whose samples carry one value per `(type, unit)`.
    pub fn new(sample_types: &[(&str, &str)]) -> Self {
        let mut b = ProfileBuilder {
            raw: proto::Profile::default(),
            strings: HashMap::new(),
            functions: HashMap::new(),
            locations: HashMap::new(),
        };
        b.string("");
        for &(kind, unit) in sample_types {
            let v = b.value_type(kind, unit);
            b.raw.sample_type.push(v);
        }
        let filename = b.string("letgo");
        b.raw.mapping.push(proto::Mapping {
            id: 1,
            filename,
            has_functions: true,
            has_filenames: true,
            has_line_numbers: true,
            has_inline_frames: true,
            ..proto::Mapping::default()
        });
        b
    }

    /// Sets the period type and period (e.g. `space`/`bytes`, 524288).
    pub fn period(&mut self, kind: &str, unit: &str, period: i64) -> &mut Self {
        self.raw.period_type = Some(self.value_type(kind, unit));
        self.raw.period = period;
        self
    }

    /// Sets when the profile was taken, in Unix nanoseconds.
    pub fn time_nanos(&mut self, nanos: i64) -> &mut Self {
        self.raw.time_nanos = nanos;
        self
    }

    /// Adds a comment, shown by `go tool pprof -comments`.
    pub fn comment(&mut self, text: &str) -> &mut Self {
        let i = self.string(text);
        self.raw.comment.push(i);
        self
    }

    /// Adds a sample: frames innermost first, one value per sample type,
    /// string labels.
    pub fn add_sample(
        &mut self,
        frames: &[BuildFrame<'_>],
        values: Vec<i64>,
        labels: &[(&str, &str)],
    ) {
        let location_id = frames.iter().map(|f| self.location(f)).collect();
        let label = labels
            .iter()
            .map(|&(k, v)| proto::Label {
                key: self.string(k),
                str: self.string(v),
                ..proto::Label::default()
            })
            .collect();
        self.raw.sample.push(proto::Sample {
            location_id,
            value: values,
            label,
        });
    }

    /// Validates and returns the profile, named `name` in errors (a sample
    /// with the wrong number of values is one).
    pub fn build(self, name: impl Into<Arc<str>>) -> Result<Profile> {
        Profile::from_raw(&name.into(), self.raw)
    }

    fn value_type(&mut self, kind: &str, unit: &str) -> proto::ValueType {
        proto::ValueType {
            r#type: self.string(kind),
            unit: self.string(unit),
        }
    }

    fn string(&mut self, s: &str) -> i64 {
        if let Some(&i) = self.strings.get(s) {
            return i;
        }
        let i = self.raw.string_table.len() as i64;
        self.raw.string_table.push(s.as_bytes().to_vec());
        self.strings.insert(s.to_string(), i);
        i
    }

    fn function(&mut self, name: &str, file: &str) -> u64 {
        let key = (self.string(name), self.string(file));
        if let Some(&id) = self.functions.get(&key) {
            return id;
        }
        let id = self.raw.function.len() as u64 + 1;
        self.raw.function.push(proto::Function {
            id,
            name: key.0,
            system_name: key.0,
            filename: key.1,
            start_line: 0,
        });
        self.functions.insert(key, id);
        id
    }

    fn location(&mut self, frame: &BuildFrame<'_>) -> u64 {
        let function_id = self.function(frame.function, frame.file);
        let key = (function_id, frame.line);
        if let Some(&id) = self.locations.get(&key) {
            return id;
        }
        let id = self.raw.location.len() as u64 + 1;
        self.raw.location.push(proto::Location {
            id,
            mapping_id: 1,
            address: 0,
            line: vec![proto::Line {
                function_id,
                line: frame.line,
                column: 0,
            }],
            is_folded: false,
        });
        self.locations.insert(key, id);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode, DecodeOptions, Document};

    #[test]
    fn builds_a_profile_that_decodes_back() {
        let mut b = ProfileBuilder::new(&[("inuse_objects", "count"), ("inuse_space", "bytes")]);
        b.period("space", "bytes", 524288).comment("diff");
        let leaf = BuildFrame {
            function: "main.keep",
            file: "/src/main.go",
            line: 10,
        };
        let caller = BuildFrame {
            function: "main.main",
            file: "/src/main.go",
            line: 20,
        };
        b.add_sample(&[leaf, caller], vec![2, 4096], &[("k", "v")]);
        b.add_sample(&[leaf], vec![-1, -100], &[]);
        let bytes = b.build("built").unwrap().encode_gzip();
        let Document::Profile(p) = decode("built", &bytes, &DecodeOptions::default()).unwrap()
        else {
            panic!("not a profile");
        };
        assert_eq!(p.sample_type_index("inuse_space"), Some(1));
        assert_eq!(p.raw().location.len(), 2, "locations are shared");
        let stacks: Vec<_> = p.stacks().collect();
        assert_eq!(stacks[0].values, &[2, 4096]);
        assert_eq!(stacks[0].frames[1].function, "main.main");
        assert_eq!(stacks[0].labels[0].key, "k");
        assert_eq!(stacks[1].values, &[-1, -100]);
        assert_eq!(p.comments(), vec!["diff"]);
    }

    #[test]
    fn a_sample_with_the_wrong_arity_is_an_error() {
        let mut b = ProfileBuilder::new(&[("goroutine", "count")]);
        b.add_sample(&[], vec![1, 2], &[]);
        assert!(b.build("bad").is_err());
    }
}
