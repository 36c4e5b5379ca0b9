//! SARIF 2.1.0, the format code-scanning services read: one run whose
//! tool lists every rule (with its documentation as help), one result per
//! finding, and the safe and unsafe fixes as replacements.
//!
//! Columns: SARIF's are 1-based and, by default, count UTF-16 code units;
//! ours count bytes. This log declares `columnKind: unicodeCodePoints` and
//! converts each byte column into a count of characters on its line using
//! the file's text; when the text is not at hand (a runtime finding) the
//! byte column is kept, which is the same for ASCII lines. `end*` columns
//! are exclusive, as in SARIF.

use super::{Applicability, Finding, Location, RenderOptions, Severity};
use letgo_lint::registry::RULES;
use serde::{Deserialize, Serialize};
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base that relative artifact URIs resolve against.
const SRCROOT: &str = "%SRCROOT%";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    pub schema: String,
    pub version: String,
    pub runs: Vec<Run>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub tool: Tool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_uri_base_ids: Option<std::collections::BTreeMap<String, ArtifactLocation>>,
    pub column_kind: String,
    pub results: Vec<SarifResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub driver: Driver,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    pub name: String,
    pub version: String,
    pub rules: Vec<ReportingDescriptor>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportingDescriptor {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<Text>,
}

/// A SARIF message string: plain text, and markdown where it has some.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Text {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
}

impl Text {
    fn plain(text: impl Into<String>) -> Self {
        Text {
            text: text.into(),
            markdown: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    pub rule_id: String,
    pub rule_index: usize,
    pub level: String,
    pub message: Text,
    pub locations: Vec<ResultLocation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<SarifFix>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultLocation {
    pub physical_location: PhysicalLocation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    pub region: Region,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactLocation {
    pub uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_base_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifFix {
    pub description: Text,
    pub artifact_changes: Vec<ArtifactChange>,
    /// `{"applicability": "safe" | "unsafe"}`.
    pub properties: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactChange {
    pub artifact_location: ArtifactLocation,
    pub replacements: Vec<Replacement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Replacement {
    pub deleted_region: Region,
    pub inserted_content: Text,
}

pub(super) fn render(
    out: &mut dyn Write,
    findings: &[Finding],
    opts: &RenderOptions,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(findings, opts))?;
    writeln!(out)
}

/// The SARIF log of `findings`.
pub fn log(findings: &[Finding], opts: &RenderOptions) -> Log {
    let mut rules: Vec<ReportingDescriptor> = RULES.iter().map(|r| descriptor(r)).collect();
    let mut results = Vec::new();
    for f in findings {
        let rule_index = match rules.iter().position(|r| r.id == f.code) {
            Some(i) => i,
            None => {
                // Runtime codes have no static rule; they still need one.
                rules.push(ReportingDescriptor {
                    id: f.code.clone(),
                    name: f.name.clone(),
                    short_description: Some(Text::plain(&f.name)),
                    full_description: None,
                    help: None,
                });
                rules.len() - 1
            }
        };
        results.push(result(f, rule_index, opts));
    }
    Log {
        schema: SCHEMA.to_string(),
        version: "2.1.0".to_string(),
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "letgo".to_string(),
                    version: env!("CARGO_PKG_VERSION").to_string(),
                    rules,
                },
            },
            original_uri_base_ids: srcroot(),
            column_kind: "unicodeCodePoints".to_string(),
            results,
        }],
    }
}

fn descriptor(rule: &letgo_lint::Rule) -> ReportingDescriptor {
    ReportingDescriptor {
        id: rule.code.to_string(),
        name: rule.name.to_string(),
        short_description: Some(Text::plain(rule.summary)),
        full_description: Some(Text::plain(doc_section(rule.doc, "## What it does"))),
        help: Some(Text {
            text: rule.doc.to_string(),
            markdown: Some(rule.doc.to_string()),
        }),
    }
}

/// The text of a markdown section, up to the next heading, on one line.
fn doc_section(doc: &str, heading: &str) -> String {
    let Some(start) = doc.find(heading) else {
        return String::new();
    };
    let body = &doc[start + heading.len()..];
    let body = body.find("\n#").map_or(body, |end| &body[..end]);
    body.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn result(f: &Finding, rule_index: usize, opts: &RenderOptions) -> SarifResult {
    let locations =
        f.at.iter()
            .map(|at| ResultLocation {
                physical_location: PhysicalLocation {
                    artifact_location: artifact(&at.file),
                    region: region(at, opts),
                },
            })
            .collect();
    let fixes = f
        .fix
        .iter()
        .filter(|fix| fix.applicability != Applicability::DisplayOnly)
        .map(|fix| sarif_fix(fix, opts))
        .collect();
    SarifResult {
        rule_id: f.code.clone(),
        rule_index,
        level: match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        }
        .to_string(),
        message: Text::plain(&f.message),
        locations,
        fixes,
    }
}

fn sarif_fix(fix: &super::FixReport, opts: &RenderOptions) -> SarifFix {
    // Edits of one fix may span files in principle; SARIF groups them by
    // artifact, in order of first appearance.
    let mut changes: Vec<ArtifactChange> = Vec::new();
    for edit in &fix.edits {
        let replacement = Replacement {
            deleted_region: region(&edit.at, opts),
            inserted_content: Text::plain(&edit.content),
        };
        let uri = artifact(&edit.at.file);
        match changes.iter_mut().find(|c| c.artifact_location == uri) {
            Some(c) => c.replacements.push(replacement),
            None => changes.push(ArtifactChange {
                artifact_location: uri,
                replacements: vec![replacement],
            }),
        }
    }
    let applicability = match fix.applicability {
        Applicability::Safe => "safe",
        _ => "unsafe",
    };
    SarifFix {
        description: Text::plain(&fix.message),
        artifact_changes: changes,
        properties: serde_json::json!({ "applicability": applicability }),
    }
}

fn region(at: &Location, opts: &RenderOptions) -> Region {
    let src = opts.sources.get(&at.file).map(String::as_str);
    Region {
        start_line: at.line,
        start_column: char_column(src, at.line, at.column),
        end_line: at.end_line,
        end_column: char_column(src, at.end_line, at.end_column),
    }
}

/// The 1-based character column of 1-based byte column `column` on
/// `line`; the byte column itself when the text is missing or does not
/// fit.
fn char_column(src: Option<&str>, line: u32, column: u32) -> u32 {
    let Some(text) = src.and_then(|s| s.split('\n').nth(line.checked_sub(1)? as usize)) else {
        return column;
    };
    let bytes = column.saturating_sub(1) as usize;
    match text.get(..bytes.min(text.len())) {
        Some(prefix) => prefix.chars().count() as u32 + 1 + bytes.saturating_sub(text.len()) as u32,
        None => column,
    }
}

/// A relative path (as letgo shows it) becomes a URI relative to
/// `%SRCROOT%`, the directory letgo ran in; an absolute one a `file:` URI.
fn artifact(file: &str) -> ArtifactLocation {
    let slashed = file.replace('\\', "/");
    if std::path::Path::new(file).is_absolute() {
        let sep = if slashed.starts_with('/') { "" } else { "/" };
        ArtifactLocation {
            uri: format!("file://{sep}{}", percent_encode(&slashed)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: percent_encode(&slashed),
            uri_base_id: Some(SRCROOT.to_string()),
        }
    }
}

fn srcroot() -> Option<std::collections::BTreeMap<String, ArtifactLocation>> {
    let cwd = std::env::current_dir().ok()?;
    let mut dir = artifact(&cwd.to_string_lossy()).uri;
    if !dir.ends_with('/') {
        dir.push('/');
    }
    let base = ArtifactLocation {
        uri: dir,
        uri_base_id: None,
    };
    Some([(SRCROOT.to_string(), base)].into_iter().collect())
}

/// Percent-encodes every byte but unreserved characters and `/` (RFC
/// 3986), so that spaces, `#` and `%` in paths survive.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
