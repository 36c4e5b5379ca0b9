//! What a rule reports. Fixes are data: byte-range edits plus how safe it
//! is to apply them, as in ruff.

use letgo_go::ast::Span;

/// How safe a fix is to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    /// Applied by `--fix`: keeps behaviour except for the leak.
    Safe,
    /// Applied only with `--unsafe-fixes`.
    Unsafe,
    /// Shown, never applied.
    DisplayOnly,
}

/// Replace `span` of the file with `content` (an insertion when the span
/// is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub content: String,
}

impl Edit {
    pub fn insert(at: u32, content: impl Into<String>) -> Self {
        Edit {
            span: Span::new(at, at),
            content: content.into(),
        }
    }

    pub fn replace(span: Span, content: impl Into<String>) -> Self {
        Edit {
            span,
            content: content.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub message: String,
    pub applicability: Applicability,
    /// Edits in the diagnostic's own file, non-overlapping.
    pub edits: Vec<Edit>,
}

/// How sure a finding is that memory leaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Severity {
    /// The code leaks whenever the path is taken.
    #[default]
    Error,
    /// The code keeps memory alive that it likely does not need.
    Warning,
    /// Worth knowing; often intended.
    Info,
}

impl Severity {
    /// As JSON, SARIF and the text output spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A second place that explains a finding: where the fix goes (the
/// `make` to buffer, the early `return` that abandons a sender, the `Lock`
/// never released) when the finding itself points where the goroutine
/// blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
    /// Another file of the finding's package (an index into its files, as
    /// `FileDiagnostic::file`); `None`: the finding's own file.
    pub file: Option<usize>,
}

/// One finding of a rule in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    /// The byte range to point at.
    pub span: Span,
    pub message: String,
    pub severity: Severity,
    /// The enclosing function, spelled as Go's stack traces spell it.
    pub function: Option<String>,
    pub fix: Option<Fix>,
    /// Other places that explain the finding, in its package.
    pub related: Vec<Related>,
}

impl Diagnostic {
    pub fn new(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            span,
            message: message.into(),
            severity: Severity::Error,
            function: None,
            fix: None,
            related: Vec::new(),
        }
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// A related place in the finding's own file.
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
            file: None,
        });
        self
    }

    /// A related place in file `file` of the finding's package (the
    /// caller's `Lock` when the finding points into a callee's file).
    pub fn with_related_in(mut self, file: usize, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
            file: Some(file),
        });
        self
    }

    pub fn in_function(mut self, name: impl Into<String>) -> Self {
        self.function = Some(name.into());
        self
    }
}
