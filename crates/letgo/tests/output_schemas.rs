//! Every machine-readable format validates against its schema: letgo's
//! JSON against `schema/letgo-report.schema.json`, SARIF against SARIF
//! 2.1.0's official schema (vendored from the npm package
//! `@microsoft/jest-sarif`, `lib/schemas/sarif-2.1.0-rtm.5.json`), GitHub
//! annotations against the workflow-command grammar. Inputs: findings with
//! fixes, runtime findings, input errors, targets outside the working
//! directory.

mod common;

use common::{letgo, workspace_root, Output};
use serde_json::Value;
use std::fs;
use std::path::Path;

fn schema(path: &Path) -> jsonschema::Validator {
    let text = fs::read_to_string(path).unwrap();
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    // The official SARIF schema's two `language` patterns have a stray
    // `]` (`...-[a-zA-Z]{2}]?$`), legal in JavaScript regexes but not in
    // the Rust engine; escaped here so that the file stays as published.
    // letgo writes no `language`.
    for owner in ["run", "toolComponent"] {
        let at = format!("/definitions/{owner}/properties/language/pattern");
        if let Some(p) = schema.pointer_mut(&at) {
            *p = p.as_str().unwrap().replace("}]?$", "}\\]?$").into();
        }
    }
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

struct Schemas {
    letgo: jsonschema::Validator,
    sarif: jsonschema::Validator,
}

fn schemas() -> Schemas {
    let root = workspace_root();
    Schemas {
        letgo: schema(&root.join("schema/letgo-report.schema.json")),
        sarif: schema(&root.join("crates/letgo/tests/fixtures/sarif-schema-2.1.0.json")),
    }
}

/// Runs `args` with each format and validates each output; returns the
/// JSON and SARIF documents and the stderr of the JSON run.
fn run_all(s: &Schemas, args: &[&str], cwd: &Path) -> (Value, Value, String) {
    let with = |format: &str| -> Output {
        let mut all = args.to_vec();
        all.extend(["--format", format]);
        letgo(&all, cwd)
    };
    let json = with("json");
    let doc: Value = serde_json::from_str(&json.stdout)
        .unwrap_or_else(|e| panic!("{args:?} json: {e}\n{}", json.stdout));
    assert_valid(&s.letgo, &doc, &format!("{args:?} json"));
    let sarif = with("sarif");
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_valid(&s.sarif, &log, &format!("{args:?} sarif"));
    for line in with("github").stdout.lines() {
        assert!(is_workflow_command(line), "{args:?} github: {line}");
    }
    (doc, log, json.stderr)
}

/// `::error file=F,line=L,col=C,endLine=L,endColumn=C,title=T::message`,
/// the location optional, property values escaped (no raw `,` or `:`).
fn is_workflow_command(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("::") else {
        return false;
    };
    let Some((head, message)) = rest.split_once("::") else {
        return false;
    };
    let Some((level, props)) = head.split_once(' ') else {
        return false;
    };
    let keys = ["file", "line", "col", "endLine", "endColumn", "title"];
    ["error", "warning", "notice"].contains(&level)
        && !message.is_empty()
        && !message.contains('\n')
        && props.split(',').all(|p| {
            p.split_once('=')
                .is_some_and(|(k, v)| keys.contains(&k) && !v.contains(':'))
        })
}

#[test]
fn static_findings_with_fixes_validate() {
    let s = schemas();
    let example = workspace_root().join("examples/leaky-service");
    let (doc, log, _) = run_all(&s, &["check", "./..."], &example);
    let findings = doc["findings"].as_array().unwrap();
    assert!(findings.len() >= 5, "{doc}");
    assert!(findings.iter().any(|f| f["fix"].is_object()), "{doc}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    // Related places reach JSON and SARIF, and validate in both.
    let with_related: Vec<&Value> = findings
        .iter()
        .filter(|f| !f["related"].as_array().unwrap().is_empty())
        .collect();
    assert!(!with_related.is_empty(), "{doc}");
    let related_results = results
        .iter()
        .filter(|r| r.get("relatedLocations").is_some())
        .count();
    assert_eq!(related_results, with_related.len());
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}

#[test]
fn input_errors_reach_json_and_sarif() {
    let s = schemas();
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("go.mod"), "module m\n\ngo 1.27\n").unwrap();
    fs::write(dir.path().join("a.go"), "package a\nfunc (\n").unwrap();
    fs::write(
        dir.path().join("b.go"),
        "package a\n\nimport \"context\"\n\nfunc b(p context.Context) context.Context {\n\tctx, _ := context.WithCancel(p)\n\treturn ctx\n}\n",
    )
    .unwrap();
    fs::create_dir(dir.path().join("empty")).unwrap();
    let (doc, log, stderr) = run_all(&s, &["check", ".", "empty"], dir.path());
    let errors = doc["input_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{doc}");
    assert_eq!(errors.len(), stderr.lines().count(), "{stderr}");
    assert_eq!(errors[0]["file"], Value::Null);
    assert_eq!(errors[0]["message"], "no Go files in empty");
    assert_eq!(errors[1]["file"], "a.go");
    assert_eq!(errors[1]["line"], 3);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), errors.len());
    assert!(notes[0].get("locations").is_none());
    let place = &notes[1]["locations"][0]["physicalLocation"];
    assert_eq!(place["artifactLocation"]["uri"], "a.go");
    assert_eq!(place["region"]["startLine"], 3);
}

#[test]
fn targets_outside_the_working_directory_get_relative_escaped_uris() {
    let s = schemas();
    let outside = tempfile::tempdir().unwrap();
    let pkg = outside.path().join("a:b c");
    fs::create_dir_all(&pkg).unwrap();
    fs::write(outside.path().join("go.mod"), "module m\n\ngo 1.27\n").unwrap();
    fs::write(
        pkg.join("x.go"),
        "package a\n\nimport \"context\"\n\nfunc b(p context.Context) context.Context {\n\tctx, _ := context.WithCancel(p)\n\treturn ctx\n}\n",
    )
    .unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let target = pkg.to_string_lossy().into_owned();
    let (_, log, _) = run_all(&s, &["check", &target], cwd.path());
    let run = &log["runs"][0];
    let loc = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(loc["uri"], "x.go");
    assert_eq!(loc["uriBaseId"], "%SRCROOT%");
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(base.starts_with("file:///"), "{base}");
    assert!(base.ends_with("/a%3Ab%20c/"), "{base}");
}

#[test]
fn runtime_findings_validate() {
    let s = schemas();
    let fixtures = workspace_root().join("crates/letgo_pprof/tests/fixtures/go1.27");
    let (doc, _, _) = run_all(&s, &["profile", "goroutine.debug2.txt"], &fixtures);
    let findings = doc["findings"].as_array().unwrap();
    assert!(findings.iter().all(|f| f["source"] == "runtime"), "{doc}");
}

#[test]
fn the_schema_rejects_what_it_should() {
    // The schema is not vacuous: a finding without a code, a bad
    // severity, a stray field, or a column of 0 each fail, and so does a
    // related place without a message, at line 0 or with a stray field.
    let s = schemas();
    let good = serde_json::json!({
        "version": 1,
        "findings": [{
            "code": "LG106", "name": "lost-cancel", "severity": "error",
            "message": "m", "file": "a.go", "line": 1, "column": 1,
            "end_line": 1, "end_column": 2, "function": null,
            "source": "static", "evidence": {}, "fix": null,
            "related": [{
                "file": "a.go", "line": 1, "column": 1, "end_line": 1,
                "end_column": 2, "message": "made here"
            }]
        }],
        "input_errors": []
    });
    assert_valid(&s.letgo, &good, "good");
    let mutations: [(&str, Value); 7] = [
        ("/findings/0/code", Value::Null),
        ("/findings/0/severity", "fatal".into()),
        ("/findings/0/extra", 1.into()),
        ("/findings/0/column", 0.into()),
        ("/findings/0/related/0/message", Value::Null),
        ("/findings/0/related/0/line", 0.into()),
        ("/findings/0/related/0/extra", 1.into()),
    ];
    for (pointer, value) in mutations {
        let mut bad = good.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let obj = bad.pointer_mut(parent).unwrap().as_object_mut().unwrap();
        if value.is_null() {
            obj.remove(key);
        } else {
            obj.insert(key.to_string(), value);
        }
        assert!(!s.letgo.is_valid(&bad), "{pointer} accepted");
    }
}
