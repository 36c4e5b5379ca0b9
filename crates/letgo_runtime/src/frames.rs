//! Stack frames as the analyses see them, whatever format they came from,
//! and the questions asked of them: is this the runtime, the standard
//! library, or user code?

use std::collections::HashMap;
use std::sync::Arc;

/// One frame: function, file and line, with names shared between frames.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SiteFrame {
    /// As Go prints it: `main.(*T).M`, `example.com/m/x.F.func1`.
    pub function: Arc<str>,
    /// The source file as recorded at build time (absolute, or
    /// module-qualified with `-trimpath`).
    pub file: Arc<str>,
    /// 1-based; 0 when unknown.
    pub line: u32,
}

impl SiteFrame {
    /// Whether the function belongs to the standard library (or the runtime).
    pub fn is_std(&self) -> bool {
        is_std_function(&self.function)
    }

    /// Whether the runtime hides this frame from tracebacks.
    pub fn is_hidden_runtime(&self) -> bool {
        is_hidden_runtime(&self.function)
    }
}

/// The import path of a function name: `net/http` for
/// `net/http.(*conn).serve`, `example.com/m/x` for `example.com/m/x.F`.
pub fn package_path(function: &str) -> &str {
    let last_slash = function.rfind('/').map_or(0, |i| i + 1);
    match function[last_slash..].find('.') {
        Some(dot) => &function[..last_slash + dot],
        None => function,
    }
}

/// Standard-library packages have no dot in their first path element
/// (`net/http`, `runtime`), as the go command decides; `main` is the one
/// dotless path that is user code. Unknown (empty) functions count as std,
/// so that they are never reported as a user's site.
pub fn is_std_function(function: &str) -> bool {
    let path = package_path(function);
    if path == "main" {
        return false;
    }
    let first = path.split('/').next().unwrap_or("");
    !first.contains('.')
}

/// Unexported `runtime.` functions: tracebacks (`debug=2`, panics) leave
/// them out unless `GOTRACEBACK=system`, while protobuf profiles keep
/// them. Dropping them makes stacks from both agree.
pub fn is_hidden_runtime(function: &str) -> bool {
    function
        .strip_prefix("runtime.")
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// The index of the first (innermost) frame in user code.
pub fn first_user_frame(frames: &[SiteFrame]) -> Option<usize> {
    frames.iter().position(|f| !f.is_std())
}

/// The frame a site is named after: the first in user code, else the first
/// that is not hidden runtime, else the innermost.
pub fn site_index(frames: &[SiteFrame]) -> Option<usize> {
    if frames.is_empty() {
        return None;
    }
    Some(
        first_user_frame(frames)
            .or_else(|| frames.iter().position(|f| !f.is_hidden_runtime()))
            .unwrap_or(0),
    )
}

/// The frames that identify a stack across formats: hidden runtime frames
/// dropped (unless nothing else is left, as for GC workers).
pub fn normalized(mut frames: Vec<SiteFrame>) -> Vec<SiteFrame> {
    if frames.iter().any(|f| !f.is_hidden_runtime()) {
        frames.retain(|f| !f.is_hidden_runtime());
    }
    frames
}

/// Shares function and file names between the frames of one snapshot.
#[derive(Debug, Default)]
pub struct Names {
    names: HashMap<Box<str>, Arc<str>>,
}

impl Names {
    /// The shared copy of `s`.
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(shared) = self.names.get(s) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(s);
        self.names.insert(Box::from(s), Arc::clone(&shared));
        shared
    }

    /// A frame of a protobuf profile.
    pub fn resolved(&mut self, f: &letgo_pprof::ResolvedFrame<'_>) -> SiteFrame {
        SiteFrame {
            function: self.get(f.function),
            file: self.get(f.file),
            line: u32::try_from(f.line).unwrap_or(0),
        }
    }

    /// A frame of a `debug=1` text profile.
    pub fn pc_frame(&mut self, f: &letgo_pprof::PcFrame) -> SiteFrame {
        SiteFrame {
            function: self.get(f.function.as_deref().unwrap_or("")),
            file: self.get(&f.file),
            line: f.line,
        }
    }
}

/// A frame of a protobuf profile with what the analyses ask of it, worked
/// out once.
#[derive(Debug, Clone)]
pub struct ProfileFrame {
    /// The frame.
    pub frame: SiteFrame,
    /// [`SiteFrame::is_std`].
    pub std: bool,
    /// [`SiteFrame::is_hidden_runtime`].
    pub hidden: bool,
}

/// A protobuf profile's frames, resolved and classified once per location.
/// A heap profile refers to a few thousand locations millions of times
/// (every sample lists its whole stack), so per-reference name lookups
/// and package checks would dominate reading it.
#[derive(Debug)]
pub struct LocationFrames {
    /// Every location's frames, one location after another.
    frames: Vec<ProfileFrame>,
    /// Where each location's frames start in `frames`, by location index
    /// ([`letgo_pprof::Profile::location_index`]), with one end marker.
    starts: Vec<usize>,
}

impl LocationFrames {
    /// Resolves every location of `profile`, sharing names through `names`.
    pub fn new(profile: &letgo_pprof::Profile, names: &mut Names) -> Self {
        let locations = &profile.raw().location;
        let mut frames = Vec::with_capacity(locations.len());
        let mut starts = Vec::with_capacity(locations.len() + 1);
        for location in locations {
            starts.push(frames.len());
            for f in profile.location_frames(location) {
                let frame = names.resolved(&f);
                frames.push(ProfileFrame {
                    std: frame.is_std(),
                    hidden: frame.is_hidden_runtime(),
                    frame,
                });
            }
        }
        starts.push(frames.len());
        LocationFrames { frames, starts }
    }

    /// The frames of a sample, innermost first, as
    /// [`letgo_pprof::Profile::resolve`] would list them.
    pub fn sample<'a>(
        &'a self,
        profile: &'a letgo_pprof::Profile,
        sample: &'a letgo_pprof::proto::Sample,
    ) -> impl Iterator<Item = &'a ProfileFrame> + Clone + 'a {
        sample
            .location_id
            .iter()
            .flat_map(move |&id| self.location(profile.location_index(id)))
    }

    /// The frames of the location at `index` (none for an unknown one,
    /// which validation already rules out).
    fn location(&self, index: Option<usize>) -> &[ProfileFrame] {
        index
            .and_then(|i| Some((*self.starts.get(i)?, *self.starts.get(i + 1)?)))
            .and_then(|(start, end)| self.frames.get(start..end))
            .unwrap_or_default()
    }
}

/// The frame a site is named after, as [`site_index`] picks it, from
/// classified frames.
pub fn profile_site<'a>(
    frames: impl Iterator<Item = &'a ProfileFrame> + Clone,
) -> Option<&'a ProfileFrame> {
    let mut all = frames.clone();
    let first = all.next()?;
    Some(
        frames
            .clone()
            .find(|f| !f.std)
            .or_else(|| frames.clone().find(|f| !f.hidden))
            .unwrap_or(first),
    )
}

/// A frame of a traceback (its names are already shared by the parser).
pub fn traceback_frame(f: &letgo_pprof::Frame) -> SiteFrame {
    SiteFrame {
        function: Arc::clone(&f.function),
        file: Arc::clone(&f.file),
        line: f.line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_is_a_first_path_element_without_a_dot() {
        assert!(is_std_function("net/http.(*conn).serve"));
        assert!(is_std_function("runtime.gopark"));
        assert!(is_std_function("internal/sync.(*Mutex).Lock"));
        assert!(is_std_function(""));
        assert!(!is_std_function("main.f"));
        assert!(!is_std_function("main.(*T).M.func1"));
        assert!(!is_std_function("example.com/m/x.F"));
        assert!(!is_std_function("example.com/m/x.(*T).M"));
        assert!(!is_std_function("gopkg.in/yaml%2ev3.Unmarshal"));
    }

    #[test]
    fn package_paths() {
        assert_eq!(package_path("net/http.(*conn).serve"), "net/http");
        assert_eq!(package_path("example.com/m/x.F.func1"), "example.com/m/x");
        assert_eq!(package_path("main.main"), "main");
    }

    #[test]
    fn hidden_runtime_frames() {
        assert!(is_hidden_runtime("runtime.gopark"));
        assert!(!is_hidden_runtime("runtime.GC"));
        assert!(!is_hidden_runtime("runtime/pprof.writeGoroutine"));
        assert!(!is_hidden_runtime("time.Sleep"));
    }

    fn frame(function: &str) -> SiteFrame {
        SiteFrame {
            function: function.into(),
            file: "f.go".into(),
            line: 1,
        }
    }

    #[test]
    fn sites_and_normal_forms() {
        let stack = [
            frame("runtime.gopark"),
            frame("sync.(*Mutex).Lock"),
            frame("main.work"),
        ];
        assert_eq!(first_user_frame(&stack), Some(2));
        assert_eq!(site_index(&stack), Some(2));
        assert_eq!(normalized(stack.to_vec()).len(), 2);
        let gc = [frame("runtime.gopark"), frame("runtime.gcBgMarkWorker")];
        assert_eq!(site_index(&gc), Some(0));
        assert_eq!(normalized(gc.to_vec()).len(), 2);
        let std_only = [frame("runtime.gopark"), frame("os/signal.loop")];
        assert_eq!(site_index(&std_only), Some(1));
    }

    /// A sample through an inlined call: location 2 holds
    /// `sync.(*Mutex).Lock` inlined into `main.work`.
    fn inlined_profile() -> letgo_pprof::Profile {
        use letgo_pprof::proto;
        let line = |function_id, line| proto::Line {
            function_id,
            line,
            column: 0,
        };
        let function = |id, name| proto::Function {
            id,
            name,
            filename: 5,
            ..proto::Function::default()
        };
        let raw = proto::Profile {
            sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
            sample: vec![proto::Sample {
                location_id: vec![1, 2],
                value: vec![3],
                label: vec![],
            }],
            location: vec![
                proto::Location {
                    id: 1,
                    line: vec![line(1, 7)],
                    ..proto::Location::default()
                },
                proto::Location {
                    id: 2,
                    line: vec![line(2, 8), line(3, 9)],
                    ..proto::Location::default()
                },
            ],
            function: vec![function(1, 3), function(2, 4), function(3, 6)],
            string_table: [
                "",
                "goroutine",
                "count",
                "runtime.gopark",
                "sync.(*Mutex).Lock",
                "m.go",
                "main.work",
            ]
            .map(|s| s.as_bytes().to_vec())
            .to_vec(),
            ..Default::default()
        };
        letgo_pprof::Profile::from_raw(&"p".into(), raw).unwrap()
    }

    #[test]
    fn location_frames_list_a_sample_as_resolve_does() {
        let profile = inlined_profile();
        let mut names = Names::default();
        let locations = LocationFrames::new(&profile, &mut names);
        let sample = &profile.raw().sample[0];
        let cached: Vec<SiteFrame> = locations
            .sample(&profile, sample)
            .map(|f| f.frame.clone())
            .collect();
        let resolved: Vec<SiteFrame> = profile
            .resolve(sample)
            .frames
            .iter()
            .map(|f| names.resolved(f))
            .collect();
        assert_eq!(cached, resolved);
        assert_eq!(cached.len(), 3, "the inlined call is its own frame");
        let site = profile_site(locations.sample(&profile, sample)).map(|f| &f.frame);
        assert_eq!(site, site_index(&cached).map(|i| &cached[i]));
        assert_eq!(site.map(|f| &*f.function), Some("main.work"));
    }
}
