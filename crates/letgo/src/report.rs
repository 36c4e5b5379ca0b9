//! The finding model every command reports, and its renderers.
//!
//! One shape for `check`, `profile`, `diff` and `watch` (DESIGN.md,
//! "Machine-readable output"), so that scripts and editors need one parser.
//! Static rules and runtime analyses each convert their results into
//! [`Finding`]s; the renderers know nothing about where a finding came from.

mod from_static;
mod sarif;
mod text;

pub use from_static::from_static;

use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, Write};

/// The version of the JSON document's shape.
pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
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

/// Another place that explains a finding: where the fix goes when the
/// finding points where a goroutine blocks (the `make` to buffer, the
/// early `return` that abandons a sender, the `Lock` never released).
#[derive(Debug, Clone, Serialize)]
pub struct Related {
    #[serde(flatten)]
    pub at: Location,
    pub message: String,
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
    /// Other places that explain the finding (in its file or another of
    /// its package), most telling first; empty for
    /// runtime findings.
    pub related: Vec<Related>,
}

/// The JSON document: its shape is `schema/letgo-report.schema.json`,
/// described field by field in the README.
#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: &'a [Finding],
    input_errors: Vec<JsonInputError<'a>>,
}

#[derive(Serialize)]
struct JsonInputError<'a> {
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

/// Output formats shared by every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
}

/// What the renderers may use besides the findings.
#[derive(Debug, Default)]
pub struct RenderOptions {
    /// The text of the files findings point into, keyed by
    /// [`Location::file`]: code frames and SARIF's character columns need
    /// it. A finding whose file is missing is shown without a frame.
    pub sources: HashMap<String, String>,
    /// ANSI colours in text output.
    pub color: bool,
    /// `--unsafe-fixes` is on: unsafe fixes count as fixable.
    pub unsafe_fixes: bool,
    /// How many fixes `--fix` applied; the findings are what remains.
    pub fixed: Option<usize>,
    /// The input errors (unreadable files, syntax errors, bad `go.mod`)
    /// reported on stderr: the text summary counts them, so that it never
    /// says "All clear" beside them, and SARIF carries them as tool
    /// execution notifications.
    pub input_errors: Vec<InputError>,
}

/// An input error, placed as findings are (`line`/`column` 0: unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputError {
    /// As [`Location::file`]; `None` when the error is about no one file.
    pub file: Option<String>,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// `Fixed 3 findings (1 remaining).`
pub fn fixed_summary(fixed: usize, remaining: usize) -> String {
    let plural = if fixed == 1 { "finding" } else { "findings" };
    format!("Fixed {fixed} {plural} ({remaining} remaining).")
}

/// `1 input error` / `3 input errors`.
pub fn input_errors_phrase(n: usize) -> String {
    let plural = if n == 1 { "error" } else { "errors" };
    format!("{n} input {plural}")
}

/// Writes `findings` in `format`, without code frames.
#[allow(dead_code)] // for commands without sources at hand (`profile`)
pub fn render(out: &mut dyn Write, findings: &[Finding], format: Format) -> io::Result<()> {
    render_with(out, findings, format, &RenderOptions::default())
}

/// `file:line:col: CODE message (name)`, as golangci-lint prints a
/// finding on one line; the header of a runtime finding's triage entry.
pub fn one_line(f: &Finding) -> String {
    let at = match &f.at {
        Some(at) => format!("{}:{}:{}", at.file, at.line, at.column),
        None => "-".to_string(),
    };
    format!("{at}: {} {} ({})", f.code, f.message, f.name)
}

/// Writes `findings` in `format`, with what `opts` adds.
pub fn render_with(
    out: &mut dyn Write,
    findings: &[Finding],
    format: Format,
    opts: &RenderOptions,
) -> io::Result<()> {
    match format {
        Format::Text => text::render(out, findings, opts),
        Format::Json => render_json(out, findings, opts),
        Format::Sarif => sarif::render(out, findings, opts),
        Format::Github => render_github(out, findings),
    }
}

/// Whether colours suit stdout: a terminal, and `NO_COLOR` unset or
/// empty (no-color.org).
pub fn stdout_wants_color() -> bool {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && io::stdout().is_terminal()
}

fn render_json(out: &mut dyn Write, findings: &[Finding], opts: &RenderOptions) -> io::Result<()> {
    let doc = Document {
        version: REPORT_VERSION,
        findings,
        input_errors: opts
            .input_errors
            .iter()
            .map(|e| JsonInputError {
                file: e.file.as_deref(),
                line: (e.line > 0).then_some(e.line),
                column: (e.column > 0).then_some(e.column),
                message: &e.message,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
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
        let message = escape_github_data(&with_related_notes(f));
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

/// The message, then a line per related place (`note: file:line:col:
/// message`): an annotation has one location, so the others are named in
/// its text.
fn with_related_notes(f: &Finding) -> String {
    let mut message = f.message.clone();
    for r in &f.related {
        let at = &r.at;
        message.push_str(&format!(
            "\nnote: {}:{}:{}: {}",
            at.file, at.line, at.column, r.message
        ));
    }
    message
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
            related: Vec::new(),
        }
    }

    /// [`finding`] with the `make` of line 18 as a related place.
    fn finding_with_related() -> Finding {
        let mut f = finding();
        f.related.push(Related {
            at: Location {
                file: "internal/fetch/fetch.go".into(),
                line: 18,
                column: 8,
                end_line: 18,
                end_column: 25,
            },
            message: "the channel is made unbuffered here".into(),
        });
        f
    }

    #[test]
    fn json_lists_related_places() {
        let mut out = Vec::new();
        render(&mut out, &[finding(), finding_with_related()], Format::Json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["findings"][0]["related"], serde_json::json!([]));
        let r = &v["findings"][1]["related"][0];
        assert_eq!(r["file"], "internal/fetch/fetch.go");
        assert_eq!(
            (r["line"].as_u64(), r["column"].as_u64()),
            (Some(18), Some(8))
        );
        assert_eq!(
            (r["end_line"].as_u64(), r["end_column"].as_u64()),
            (Some(18), Some(25))
        );
        assert_eq!(r["message"], "the channel is made unbuffered here");
    }

    #[test]
    fn text_labels_a_related_place_in_the_frame() {
        let f = finding_with_related();
        let out = text(std::slice::from_ref(&f), &with_source(&f, &fetch_go()));
        let expected = "\
LG103 [*] goroutine sends on unbuffered channel `ch`
  --> internal/fetch/fetch.go:21:3
   |
18 |     ch := make(chan string)
   |           ----------------- the channel is made unbuffered here
...
21 |         ch <- fetchTheThing(url)
   |         ^^^^^^^^^^^^^^^^^^^^^
   |
help: give the channel a buffer of one

Found 1 finding (1 fixable with --fix).
";
        assert_eq!(out, expected);
    }

    #[test]
    fn text_names_a_related_place_it_cannot_show() {
        let mut f = finding_with_related();
        let out = text(std::slice::from_ref(&f), &RenderOptions::default());
        assert!(
            out.contains("the channel is made unbuffered here at internal/fetch/fetch.go:18:8"),
            "{out}"
        );
        // Another file: the frame shows the finding, a note the other place.
        f.related[0].at.file = "other.go".into();
        let out = text(std::slice::from_ref(&f), &with_source(&f, &fetch_go()));
        assert!(out.contains("21 |"), "{out}");
        assert!(!out.contains("18 |"), "{out}");
        assert!(out.contains("unbuffered here at other.go:18:8"), "{out}");
    }

    #[test]
    fn text_frames_a_related_place_in_another_file_of_its_own() {
        let mut f = finding_with_related();
        f.related[0].at.file = "other.go".into();
        let mut opts = with_source(&f, &fetch_go());
        opts.sources.insert("other.go".into(), fetch_go());
        let out = text(std::slice::from_ref(&f), &opts);
        let expected = "\
   |
21 |         ch <- fetchTheThing(url)
   |         ^^^^^^^^^^^^^^^^^^^^^
   |
  ::: other.go:18:8
   |
18 |     ch := make(chan string)
   |           ----------------- the channel is made unbuffered here
";
        assert!(out.contains(expected), "{out}");
        assert!(!out.contains("note:"), "{out}");
    }

    #[test]
    fn github_names_related_places_in_the_message() {
        let mut out = Vec::new();
        render(&mut out, &[finding_with_related()], Format::Github).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s.lines().count(), 1, "{s}");
        assert!(
            s.trim_end().ends_with(
                "`ch`%0Anote: internal/fetch/fetch.go:18:8: the channel is made unbuffered here"
            ),
            "{s}"
        );
    }

    #[test]
    fn sarif_gives_related_locations_with_ids_and_messages() {
        let mut f = finding_with_related();
        f.related.push(Related {
            at: Location {
                file: "internal/fetch/fetch.go".into(),
                line: 19,
                column: 5,
                end_line: 19,
                end_column: 11,
            },
            message: "the receiver returns here".into(),
        });
        // Line 19 starts with `é` (two bytes): byte column 5 is character 4.
        let src = fetch_go().replacen("//\n//\n\t\tch", "é = 1\n//\n\t\tch", 1);
        let v = sarif(std::slice::from_ref(&f), &with_source(&f, &src));
        let related = v["runs"][0]["results"][0]["relatedLocations"]
            .as_array()
            .unwrap();
        assert_eq!(related.len(), 2);
        assert_eq!(
            (related[0]["id"].as_u64(), related[1]["id"].as_u64()),
            (Some(0), Some(1))
        );
        assert_eq!(
            text_of(&related[0]["message"], "related message"),
            "the channel is made unbuffered here"
        );
        let place = &related[1]["physicalLocation"];
        assert_eq!(place["artifactLocation"]["uri"], "internal/fetch/fetch.go");
        assert_eq!(place["region"]["startLine"], 19);
        assert_eq!(place["region"]["startColumn"], 4);
        let log: sarif::Log = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&log).unwrap(), v);
        let plain = sarif(&[finding()], &RenderOptions::default());
        assert!(plain["runs"][0]["results"][0]
            .get("relatedLocations")
            .is_none());
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

    fn with_source(f: &Finding, src: &str) -> RenderOptions {
        let file = f.at.as_ref().unwrap().file.clone();
        RenderOptions {
            sources: [(file, src.to_string())].into_iter().collect(),
            ..RenderOptions::default()
        }
    }

    /// 21 lines; line 18 holds the edit, line 21 the finding (col 3-24).
    fn fetch_go() -> String {
        let mut src = "//\n".repeat(17);
        src.push_str("\tch := make(chan string)\n//\n//\n");
        src.push_str("\t\tch <- fetchTheThing(url)\n");
        src
    }

    fn text(findings: &[Finding], opts: &RenderOptions) -> String {
        let mut out = Vec::new();
        render_with(&mut out, findings, Format::Text, opts).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_has_a_code_frame_the_fix_mark_help_and_a_summary() {
        let f = finding();
        let out = text(std::slice::from_ref(&f), &with_source(&f, &fetch_go()));
        let expected = "\
LG103 [*] goroutine sends on unbuffered channel `ch`
  --> internal/fetch/fetch.go:21:3
   |
21 |         ch <- fetchTheThing(url)
   |         ^^^^^^^^^^^^^^^^^^^^^
   |
help: give the channel a buffer of one

Found 1 finding (1 fixable with --fix).
";
        assert_eq!(out, expected);
    }

    #[test]
    fn unsafe_fixes_are_marked_only_with_unsafe_fixes_on() {
        let mut f = finding();
        f.fix.as_mut().unwrap().applicability = Applicability::Unsafe;
        let mut opts = with_source(&f, &fetch_go());
        let out = text(std::slice::from_ref(&f), &opts);
        assert!(out.starts_with("LG103 goroutine"), "{out}");
        assert!(out.contains("(unsafe fix)"), "{out}");
        assert!(out.ends_with("Found 1 finding (1 more with --fix --unsafe-fixes).\n"));
        opts.unsafe_fixes = true;
        let out = text(&[f], &opts);
        assert!(out.starts_with("LG103 [*] goroutine"), "{out}");
        assert!(
            out.ends_with("(1 fixable with --fix --unsafe-fixes).\n"),
            "{out}"
        );
    }

    #[test]
    fn text_without_the_source_or_with_a_stale_span_still_names_the_place() {
        let f = finding();
        let out = text(std::slice::from_ref(&f), &RenderOptions::default());
        assert!(out.contains("at internal/fetch/fetch.go:21:3"), "{out}");
        let out = text(std::slice::from_ref(&f), &with_source(&f, "package p\n"));
        assert!(out.contains("at internal/fetch/fetch.go:21:3"), "{out}");
    }

    #[test]
    fn text_columns_count_bytes_as_json_does() {
        let mut f = finding();
        f.fix = None;
        // `é` is two bytes: the span at byte column 13 is character 12.
        let src = "package p\n\tx := \"é\"; y()\n";
        f.at = Some(Location {
            file: "a.go".into(),
            line: 2,
            column: 13,
            end_line: 2,
            end_column: 16,
        });
        let out = text(std::slice::from_ref(&f), &with_source(&f, src));
        assert!(out.contains("--> a.go:2:13\n"), "{out}");
        assert!(out.contains("^^^"), "{out}");
        let mut json = Vec::new();
        render(&mut json, &[f], Format::Json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["findings"][0]["column"], 13);
    }

    #[test]
    fn a_span_over_many_lines_shows_its_first_and_last_line() {
        let mut f = finding();
        f.fix = None;
        f.at = Some(Location {
            file: "a.go".into(),
            line: 2,
            column: 1,
            end_line: 6,
            end_column: 2,
        });
        let src = "package p\nfunc f() {\n\ta()\n\tb()\n\tc()\n}\n";
        let out = text(std::slice::from_ref(&f), &with_source(&f, src));
        assert!(out.contains("--> a.go:2:1"), "{out}");
        assert!(out.contains("2 | / func f() {"), "{out}");
        assert!(out.contains("6 | | }"), "{out}");
    }

    #[test]
    fn summaries() {
        assert_eq!(
            text(&[], &RenderOptions::default()),
            "All clear: no findings.\n"
        );
        let mut f = finding();
        f.fix = None;
        let out = text(&[f.clone(), f], &RenderOptions::default());
        assert!(out.ends_with("\nFound 2 findings.\n"), "{out}");
        let opts = RenderOptions {
            fixed: Some(3),
            ..RenderOptions::default()
        };
        assert_eq!(text(&[], &opts), "Fixed 3 findings (0 remaining).\n");
    }

    #[test]
    fn github_lines() {
        let mut out = Vec::new();
        render(&mut out, &[finding()], Format::Github).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(
            s.starts_with("::error file=internal/fetch/fetch.go,line=21,col=3,"),
            "{s}"
        );
        assert!(s.contains("title=LG103 abandoned-sender::"), "{s}");
    }

    fn sarif(findings: &[Finding], opts: &RenderOptions) -> serde_json::Value {
        let mut out = Vec::new();
        render_with(&mut out, findings, Format::Sarif, opts).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    fn text_of<'v>(v: &'v serde_json::Value, what: &str) -> &'v str {
        v["text"]
            .as_str()
            .unwrap_or_else(|| panic!("{what} has no text: {v}"))
    }

    #[test]
    fn sarif_has_the_required_properties_and_round_trips() {
        let mut runtime = finding();
        runtime.code = "LG502".into();
        runtime.name = "goroutine-pileup".into();
        runtime.severity = Severity::Warning;
        runtime.fix = None;
        let f = finding();
        let v = sarif(&[f.clone(), runtime], &with_source(&f, &fetch_go()));
        assert_eq!(v["version"], "2.1.0");
        assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
        let run = &v["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "letgo");
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for rule in rules {
            assert!(!text_of(&rule["shortDescription"], "shortDescription").is_empty());
        }
        let registered = |r: &&serde_json::Value| {
            letgo_lint::registry::find(r["id"].as_str().unwrap()).is_some()
        };
        assert!(rules.iter().filter(registered).count() == letgo_lint::RULES.len());
        for rule in rules.iter().filter(registered) {
            assert!(!text_of(&rule["fullDescription"], "fullDescription").is_empty());
            assert!(text_of(&rule["help"], "help").contains("## What it does"));
        }
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        for r in results {
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], r["ruleId"]);
            assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
            assert!(!text_of(&r["message"], "message").is_empty());
            let loc = &r["locations"][0]["physicalLocation"];
            assert_eq!(loc["artifactLocation"]["uri"], "internal/fetch/fetch.go");
            for key in ["startLine", "startColumn", "endLine", "endColumn"] {
                assert!(loc["region"][key].as_u64().unwrap() >= 1, "{key}");
            }
        }
        assert_eq!(results[1]["level"], "warning");
        let change = &results[0]["fixes"][0]["artifactChanges"][0];
        let replacement = &change["replacements"][0];
        assert_eq!(replacement["deletedRegion"]["startColumn"], 8);
        assert_eq!(
            text_of(&replacement["insertedContent"], "insertedContent"),
            "make(chan string, 1)"
        );
        let log: sarif::Log = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&log).unwrap(), v);
    }

    #[test]
    fn sarif_columns_count_characters_and_display_only_fixes_are_left_out() {
        let mut f = finding();
        // `é` is two bytes: byte column 8 is character column 7.
        let src = "x := \"é\"; y\n";
        f.at = Some(Location {
            file: "a.go".into(),
            line: 1,
            column: 12,
            end_line: 1,
            end_column: 13,
        });
        f.fix.as_mut().unwrap().applicability = Applicability::DisplayOnly;
        let v = sarif(&[f.clone()], &with_source(&f, src));
        let region = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
        assert_eq!(
            (region["startColumn"].as_u64(), region["endColumn"].as_u64()),
            (Some(11), Some(12))
        );
        assert!(v["runs"][0]["results"][0].get("fixes").is_none());
    }

    #[test]
    fn sarif_uris_are_encoded() {
        let mut f = finding();
        f.at.as_mut().unwrap().file = "my dir/a#1.go".into();
        let v = sarif(&[f], &RenderOptions::default());
        let loc = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "my%20dir/a%231.go");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    }
}
