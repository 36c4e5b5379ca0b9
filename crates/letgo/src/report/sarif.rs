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

use super::{Applicability, Finding, InputError, Location, RenderOptions, Severity};
use letgo_lint::registry::RULES;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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
    pub original_uri_base_ids: Option<BTreeMap<String, ArtifactLocation>>,
    pub column_kind: String,
    pub invocations: Vec<Invocation>,
    pub results: Vec<SarifResult>,
}

/// The run itself: whether it went through, and the input errors met on
/// the way (unreadable files, syntax errors, bad `go.mod`), which are not
/// findings about the code but reasons the analysis is incomplete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    pub execution_successful: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_execution_notifications: Vec<Notification>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub level: String,
    pub message: Text,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<NotificationLocation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationLocation {
    pub physical_location: NotificationPlace,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationPlace {
    pub artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<StartRegion>,
}

/// Where an input error is: a line, and a column when known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartRegion {
    pub start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_column: Option<u32>,
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
    pub related_locations: Vec<RelatedLocation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<SarifFix>,
}

/// A place that explains a result (SARIF 2.1.0 §3.27.22): an id unique
/// within the result, where, and what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedLocation {
    pub id: usize,
    pub physical_location: PhysicalLocation,
    pub message: Text,
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
/// What every part of the log needs: the options, the root relative URIs
/// are resolved against, and each source file's line starts, built once
/// (finding a line by scanning the file made the log quadratic).
struct Cx<'a> {
    opts: &'a RenderOptions,
    cwd: Option<PathBuf>,
    root: Option<PathBuf>,
    lines: HashMap<&'a str, Vec<usize>>,
}

pub fn log(findings: &[Finding], opts: &RenderOptions) -> Log {
    let cx = Cx {
        opts,
        cwd: std::env::current_dir().ok(),
        root: source_root(findings, opts),
        lines: opts
            .sources
            .iter()
            .map(|(file, src)| (file.as_str(), super::text::line_starts(src)))
            .collect(),
    };
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
        results.push(result(f, rule_index, &cx));
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
            original_uri_base_ids: cx.root.as_deref().map(srcroot),
            column_kind: "unicodeCodePoints".to_string(),
            invocations: vec![invocation(&cx)],
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

fn invocation(cx: &Cx) -> Invocation {
    let notification = |e: &InputError| Notification {
        level: "error".to_string(),
        message: Text::plain(&e.message),
        locations: e
            .file
            .iter()
            .map(|file| NotificationLocation {
                physical_location: NotificationPlace {
                    artifact_location: artifact(file, cx),
                    region: (e.line > 0).then(|| StartRegion {
                        start_line: e.line,
                        start_column: (e.column > 0)
                            .then(|| char_column(cx, file, e.line, e.column)),
                    }),
                },
            })
            .collect(),
    };
    Invocation {
        execution_successful: cx.opts.input_errors.is_empty(),
        tool_execution_notifications: cx.opts.input_errors.iter().map(notification).collect(),
    }
}

fn result(f: &Finding, rule_index: usize, cx: &Cx) -> SarifResult {
    let locations =
        f.at.iter()
            .map(|at| ResultLocation {
                physical_location: PhysicalLocation {
                    artifact_location: artifact(&at.file, cx),
                    region: region(at, cx),
                },
            })
            .collect();
    let related_locations = f
        .related
        .iter()
        .enumerate()
        .map(|(id, r)| RelatedLocation {
            id,
            physical_location: PhysicalLocation {
                artifact_location: artifact(&r.at.file, cx),
                region: region(&r.at, cx),
            },
            message: Text::plain(&r.message),
        })
        .collect();
    let fixes = f
        .fix
        .iter()
        .filter(|fix| fix.applicability != Applicability::DisplayOnly)
        .map(|fix| sarif_fix(fix, cx))
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
        related_locations,
        fixes,
    }
}

fn sarif_fix(fix: &super::FixReport, cx: &Cx) -> SarifFix {
    // Edits of one fix may span files in principle; SARIF groups them by
    // artifact, in order of first appearance.
    let mut changes: Vec<ArtifactChange> = Vec::new();
    for edit in &fix.edits {
        let replacement = Replacement {
            deleted_region: region(&edit.at, cx),
            inserted_content: Text::plain(&edit.content),
        };
        let uri = artifact(&edit.at.file, cx);
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

fn region(at: &Location, cx: &Cx) -> Region {
    Region {
        start_line: at.line,
        start_column: char_column(cx, &at.file, at.line, at.column),
        end_line: at.end_line,
        end_column: char_column(cx, &at.file, at.end_line, at.end_column),
    }
}

/// The byte column `column` of `line` as a count of characters (SARIF's
/// `unicodeCodePoints`); the byte column when the text is not at hand.
fn char_column(cx: &Cx, file: &str, line: u32, column: u32) -> u32 {
    let (Some(src), Some(starts)) = (cx.opts.sources.get(file), cx.lines.get(file)) else {
        return column;
    };
    let Some(&start) = line.checked_sub(1).and_then(|l| starts.get(l as usize)) else {
        return column;
    };
    let end = starts
        .get(line as usize)
        .map_or(src.len(), |&next| next - 1);
    let text = &src[start..end];
    let bytes = column.saturating_sub(1) as usize;
    match text.get(..bytes.min(text.len())) {
        Some(prefix) => prefix.chars().count() as u32 + 1 + bytes.saturating_sub(text.len()) as u32,
        None => column,
    }
}

/// The directory relative URIs are resolved against (`%SRCROOT%`): the
/// directory letgo ran in, or, when some file lies outside it, the
/// deepest directory holding them all, so that every URI is relative and
/// a log can be read on another machine.
fn source_root(findings: &[Finding], opts: &RenderOptions) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let files = findings
        .iter()
        .flat_map(|f| {
            let edits = f.fix.iter().flat_map(|fix| fix.edits.iter().map(|e| &e.at));
            let related = f.related.iter().map(|r| &r.at);
            f.at.iter()
                .chain(edits)
                .chain(related)
                .map(|at| at.file.as_str())
        })
        .chain(opts.input_errors.iter().filter_map(|e| e.file.as_deref()));
    let dirs: Vec<PathBuf> = files
        .map(|file| {
            let path = cwd.join(file);
            path.parent().map_or(path.clone(), Path::to_path_buf)
        })
        .collect();
    if dirs.iter().all(|d| d.starts_with(&cwd)) {
        return Some(cwd);
    }
    let mut root = dirs[0].clone();
    for dir in &dirs[1..] {
        while !dir.starts_with(&root) {
            if !root.pop() {
                break;
            }
        }
    }
    Some(root)
}

/// A path as letgo shows it (relative to the working directory, or
/// absolute) as a URI relative to `%SRCROOT%`; an absolute `file:` URI
/// only when there is no root (no working directory).
fn artifact(file: &str, cx: &Cx) -> ArtifactLocation {
    let Some(root) = &cx.root else {
        return ArtifactLocation {
            uri: file_uri(Path::new(file)),
            uri_base_id: None,
        };
    };
    let path = cx
        .cwd
        .as_ref()
        .map_or_else(|| PathBuf::from(file), |cwd| cwd.join(file));
    let rel = path.strip_prefix(root).unwrap_or(&path);
    ArtifactLocation {
        uri: percent_encode(&rel.to_string_lossy().replace('\\', "/")),
        uri_base_id: Some(SRCROOT.to_string()),
    }
}

fn file_uri(path: &Path) -> String {
    let slashed = path.to_string_lossy().replace('\\', "/");
    let sep = if slashed.starts_with('/') { "" } else { "/" };
    format!("file://{sep}{}", percent_encode(&slashed))
}

fn srcroot(root: &Path) -> BTreeMap<String, ArtifactLocation> {
    let mut dir = file_uri(root);
    if !dir.ends_with('/') {
        dir.push('/');
    }
    let base = ArtifactLocation {
        uri: dir,
        uri_base_id: None,
    };
    [(SRCROOT.to_string(), base)].into_iter().collect()
}

/// Percent-encodes every byte but unreserved characters and `/` (RFC
/// 3986), so that spaces, `#`, `%` and `:` in paths survive (a `:` in a
/// relative URI's first segment would read as a scheme).
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
