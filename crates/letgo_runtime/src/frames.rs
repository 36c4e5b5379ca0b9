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
pub fn normalized(frames: &[SiteFrame]) -> Vec<SiteFrame> {
    let visible: Vec<SiteFrame> = frames
        .iter()
        .filter(|f| !f.is_hidden_runtime())
        .cloned()
        .collect();
    if visible.is_empty() {
        frames.to_vec()
    } else {
        visible
    }
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
        assert_eq!(normalized(&stack).len(), 2);
        let gc = [frame("runtime.gopark"), frame("runtime.gcBgMarkWorker")];
        assert_eq!(site_index(&gc), Some(0));
        assert_eq!(normalized(&gc).len(), 2);
        let std_only = [frame("runtime.gopark"), frame("os/signal.loop")];
        assert_eq!(site_index(&std_only), Some(1));
    }
}
