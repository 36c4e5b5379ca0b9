//! The finding model every command reports, and its renderers.
//!
//! One shape for `check`, `profile`, `diff` and `watch` (DESIGN.md,
//! "Machine-readable output"), so that scripts and editors need one parser.
//! Static rules and runtime analyses each convert their results into
//! [`Finding`]s; the renderers know nothing about where a finding came from.

use serde::Serialize;
use std::io::{self, Write};

/// The version of the JSON document's shape.
pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // warnings and notes come with the version-dependent rules
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// Where a finding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Static,
    Runtime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    Safe,
    Unsafe,
    DisplayOnly,
}

/// A source range: 1-based lines and byte columns, `end_*` exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Relative to the directory letgo was started in, or absolute.
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Edit {
    #[serde(flatten)]
    pub at: Location,
    pub content: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FixReport {
    pub applicability: Applicability,
    pub message: String,
    pub edits: Vec<Edit>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub message: String,
    /// Absent for a runtime finding with no frame in user code.
    #[serde(flatten)]
    pub at: Option<Location>,
    /// As Go's stack traces spell it: `pkg.Func`, `pkg.(*T).Method`.
    pub function: Option<String>,
    pub source: Source,
    /// The numbers behind a runtime finding (counts per sample, trend,
    /// stack); an empty object for static findings.
    pub evidence: serde_json::Value,
    pub fix: Option<FixReport>,
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: &'a [Finding],
}

/// Output formats shared by every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Github,
}

/// Writes `findings` in `format`.
pub fn render(out: &mut dyn Write, findings: &[Finding], format: Format) -> io::Result<()> {
    match format {
        Format::Text => render_text(out, findings),
        Format::Json => render_json(out, findings),
        Format::Github => render_github(out, findings),
    }
}

fn render_json(out: &mut dyn Write, findings: &[Finding]) -> io::Result<()> {
    let doc = Document {
        version: REPORT_VERSION,
        findings,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// `file:line:col: CODE message (name)`, as golangci-lint prints.
fn render_text(out: &mut dyn Write, findings: &[Finding]) -> io::Result<()> {
    for f in findings {
        match &f.at {
            Some(at) => write!(out, "{}:{}:{}: ", at.file, at.line, at.column)?,
            None => write!(out, "-: ")?,
        }
        writeln!(out, "{} {} ({})", f.code, f.message, f.name)?;
    }
    Ok(())
}

/// GitHub Actions workflow commands: one annotation per finding.
fn render_github(out: &mut dyn Write, findings: &[Finding]) -> io::Result<()> {
    for f in findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let title = format!("{} {}", f.code, f.name);
        let message = escape_github_data(&f.message);
        match &f.at {
            Some(at) => writeln!(
                out,
                "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{message}",
                escape_github_property(&at.file),
                at.line,
                at.column,
                at.end_line,
                at.end_column,
                escape_github_property(&title)
            )?,
            None => writeln!(
                out,
                "::{level} title={}::{message}",
                escape_github_property(&title)
            )?,
        }
    }
    Ok(())
}

fn escape_github_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_github_property(s: &str) -> String {
    escape_github_data(s)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding() -> Finding {
        Finding {
            code: "LG103".into(),
            name: "abandoned-sender".into(),
            severity: Severity::Error,
            message: "goroutine sends on unbuffered channel `ch`".into(),
            at: Some(Location {
                file: "internal/fetch/fetch.go".into(),
                line: 21,
                column: 3,
                end_line: 21,
                end_column: 24,
            }),
            function: Some("fetch.FetchWithTimeout".into()),
            source: Source::Static,
            evidence: serde_json::json!({}),
            fix: Some(FixReport {
                applicability: Applicability::Safe,
                message: "give the channel a buffer of one".into(),
                edits: vec![Edit {
                    at: Location {
                        file: "internal/fetch/fetch.go".into(),
                        line: 18,
                        column: 8,
                        end_line: 18,
                        end_column: 25,
                    },
                    content: "make(chan string, 1)".into(),
                }],
            }),
        }
    }

    #[test]
    fn json_has_the_documented_shape() {
        let mut out = Vec::new();
        render(&mut out, &[finding()], Format::Json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["version"], 1);
        let f = &v["findings"][0];
        assert_eq!(f["code"], "LG103");
        assert_eq!(f["file"], "internal/fetch/fetch.go");
        assert_eq!(
            (f["line"].as_u64(), f["end_column"].as_u64()),
            (Some(21), Some(24))
        );
        assert_eq!(f["source"], "static");
        assert_eq!(f["fix"]["applicability"], "safe");
        assert_eq!(f["fix"]["edits"][0]["column"], 8);
        assert_eq!(f["fix"]["edits"][0]["content"], "make(chan string, 1)");
    }

    #[test]
    fn text_and_github_lines() {
        let mut out = Vec::new();
        render(&mut out, &[finding()], Format::Text).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "internal/fetch/fetch.go:21:3: LG103 goroutine sends on unbuffered channel `ch` (abandoned-sender)\n"
        );
        let mut out = Vec::new();
        render(&mut out, &[finding()], Format::Github).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(
            s.starts_with("::error file=internal/fetch/fetch.go,line=21,col=3,"),
            "{s}"
        );
        assert!(s.contains("title=LG103 abandoned-sender::"), "{s}");
    }
}
