//! `--html report.html`: one self-contained page a person would rather
//! look at than a terminal. No script, no stylesheet or font from the
//! network: the charts are inline SVG drawn by [`crate::watch::svg`].
//!
//! The page shows what was watched and how the sampling went (samples,
//! failures and why, restarts), heap in use and goroutines over time, and
//! for each finding its evidence numbers, a small chart of its own series
//! (the staircase), the code frame and the static findings at that
//! function when `--source` was given, and the stack.

use std::collections::HashMap;
use std::fmt::Write;

use serde_json::Value;

use crate::runtime::findings::{human_bytes, Reported};
use crate::watch::folder::{RunInfo, SampleRecord};
use crate::watch::series::EndpointFailures;
use crate::watch::svg::{escape, line_chart, Chart};

/// Everything the page shows.
pub struct Page<'a> {
    pub info: &'a RunInfo,
    pub records: &'a [SampleRecord],
    pub reported: &'a [Reported],
    /// Failures per endpoint, with the first reason.
    pub failures: &'a [EndpointFailures],
    pub notes: &'a [String],
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;background:#fafafa}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}\
.meta{color:#555}.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #ddd;border-radius:4px}\
.chart-title{font-size:13px;font-weight:600;fill:#333}.tick{font-size:11px;fill:#666}\
.finding{background:#fff;border:1px solid #ddd;border-left:5px solid #e67e22;border-radius:4px;padding:12px 16px;margin:12px 0}\
.finding.LG501{border-left-color:#c0392b}.code{font-family:ui-monospace,monospace;font-weight:700}\
.row{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}table.evidence td{padding:1px 10px 1px 0}\
pre{background:#f4f4f4;padding:8px;overflow-x:auto;font-size:12.5px}\
table.summary{border-collapse:collapse;background:#fff;margin:12px 0;width:100%}table.summary td,table.summary th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top;font-size:13px}\
table.summary th{background:#f6e3c5}\
table.summary tr.LG501 td:first-child,table.summary tr.LG502 td:first-child{border-left:4px solid #c0392b}.ok{color:#1e8449}.bad{color:#c0392b}";

/// The whole page.
pub fn render(page: &Page<'_>) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>letgo watch: {}</title><style>{STYLE}</style></head><body>",
        escape(&page.info.url)
    );
    html.push_str(&header(page));
    html.push_str(&summary_table(page.reported));
    html.push_str(&sampling_notes(page));
    html.push_str(&overview_charts(page));
    html.push_str(&findings(page));
    html.push_str("</body></html>\n");
    html
}

fn header(page: &Page<'_>) -> String {
    let failed = page.records.iter().filter(|r| !r.is_complete()).count();
    let restarts = page.records.iter().filter(|r| r.restarted).count();
    let span = page
        .records
        .last()
        .map_or(0.0, |r| r.elapsed_ms as f64 / 1000.0);
    format!(
        "<h1>letgo watch: {}</h1><p class=\"meta\">{} samples over {span:.1} s, every {} ms · <span class=\"{}\">{failed} failed</span> · {restarts} restart(s) of the target · {} finding(s)</p>",
        escape(&page.info.url),
        page.records.len(),
        page.info.every_ms,
        if failed == 0 { "ok" } else { "bad" },
        page.reported.len()
    )
}

/// The answer first: one row per finding, each linking to its card.
fn summary_table(reported: &[Reported]) -> String {
    let rows = crate::runtime::summary::rows(reported);
    if rows.is_empty() {
        return "<p class=\"ok\">Nothing kept growing.</p>".into();
    }
    let mut s = String::from(
        "<table class=\"summary\"><thead><tr><th>finding</th><th>what</th><th>where</th><th>rate</th><th>since</th><th>how sure</th><th>fix</th></tr></thead><tbody>",
    );
    for (i, r) in rows.iter().enumerate() {
        let _ = write!(
            s,
            "<tr class=\"{}\"><td><a href=\"#finding-{i}\">{}</a></td><td>{}</td><td><code>{}</code><br>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.code),
            escape(&r.code),
            escape(&r.what),
            escape(&r.place),
            escape(&r.function),
            escape(&r.rate),
            escape(&r.since),
            escape(&r.sureness),
            escape(&r.fix)
        );
    }
    s.push_str("</tbody></table>");
    s
}

/// Failed samples and notes, below the answer.
fn sampling_notes(page: &Page<'_>) -> String {
    let mut s = String::new();
    if !page.failures.is_empty() {
        s.push_str("<h2>Failed samples</h2><ul class=\"failures\">");
        for f in page.failures {
            let _ = write!(s, "<li>{}</li>", escape(&f.to_string()));
        }
        s.push_str("</ul>");
    }
    for note in page.notes {
        let _ = write!(s, "<p class=\"meta\">{}</p>", escape(note));
    }
    s
}

fn overview_charts(page: &Page<'_>) -> String {
    let restarts: Vec<f64> = page
        .records
        .iter()
        .filter(|r| r.restarted)
        .map(|r| r.elapsed_ms as f64 / 1000.0)
        .collect();
    let at = |r: &SampleRecord| r.elapsed_ms as f64 / 1000.0;
    let heap: Vec<(f64, Option<f64>)> = page
        .records
        .iter()
        .map(|r| (at(r), r.heap_inuse_bytes.map(|b| b as f64)))
        .collect();
    let goroutines: Vec<(f64, Option<f64>)> = page
        .records
        .iter()
        .map(|r| (at(r), r.goroutines.map(|g| g as f64)))
        .collect();
    let bytes = |v: f64| human_bytes(v as i64);
    let count = |v: f64| format!("{v:.0}");
    let chart = |id, title, format: &dyn Fn(f64) -> String, color, points: &[_]| {
        line_chart(
            &Chart {
                id,
                title,
                width: 540,
                height: 260,
                format,
                restarts: &restarts,
                color,
            },
            points,
        )
    };
    format!(
        "<h2>Over time</h2><div class=\"charts\">{}{}</div>",
        chart("heap", "heap in use", &bytes, "#1f77b4", &heap),
        chart("goroutines", "goroutines", &count, "#8e44ad", &goroutines)
    )
}

fn findings(page: &Page<'_>) -> String {
    if page.reported.is_empty() {
        return "<h2>Findings</h2><p class=\"ok\">Nothing kept growing.</p>".into();
    }
    let times: HashMap<&str, f64> = page
        .records
        .iter()
        .flat_map(|r| {
            r.profiles
                .iter()
                .map(move |p| (p.file.as_str(), r.elapsed_ms as f64 / 1000.0))
        })
        .collect();
    let mut s = String::from("<h2>Findings</h2>");
    for (i, r) in page.reported.iter().enumerate() {
        s.push_str(&finding(i, r, &times));
    }
    s
}

fn finding(i: usize, r: &Reported, times: &HashMap<&str, f64>) -> String {
    let f = &r.finding;
    let place =
        f.at.as_ref()
            .map_or(String::new(), |a| format!("{}:{}", a.file, a.line));
    let mut s = format!(
        "<div class=\"finding {}\" id=\"finding-{i}\"><div><span class=\"code\">{} {}</span> {}</div><div class=\"meta\">{}{}</div><div class=\"row\">",
        escape(&f.code),
        escape(&f.code),
        escape(&f.name),
        escape(&f.message),
        escape(&place),
        f.function.as_ref().map_or(String::new(), |func| format!(" in {}", escape(func)))
    );
    if let Some(chart) = staircase(i, f, times) {
        s.push_str(&chart);
    }
    let _ = write!(
        s,
        "<details class=\"statistics\"><summary>statistics</summary>{}</details>",
        evidence_table(&f.evidence)
    );
    s.push_str("</div>");
    let (code, stack) = split_details(&r.details);
    if !code.is_empty() {
        let _ = write!(
            s,
            "<pre class=\"code-frame\">{}</pre>",
            escape(&code.join("\n"))
        );
    }
    let statics: Vec<&String> = r
        .details
        .iter()
        .filter(|l| l.starts_with("static: "))
        .collect();
    for line in statics {
        let _ = write!(s, "<p class=\"static\">{}</p>", escape(line));
    }
    if !stack.is_empty() {
        let _ = write!(
            s,
            "<details><summary>stack</summary><pre>{}</pre></details>",
            escape(&stack.join("\n"))
        );
    }
    s.push_str("</div>");
    s
}

/// The finding's own series over time: goroutines in its group, bytes at
/// its site, or all goroutines.
fn staircase(i: usize, f: &crate::report::Finding, times: &HashMap<&str, f64>) -> Option<String> {
    let e = &f.evidence;
    let (values, bytes) = ["inuse_bytes", "counts", "totals"].iter().find_map(|k| {
        e.get(*k)
            .and_then(Value::as_array)
            .map(|v| (v, *k == "inuse_bytes"))
    })?;
    let names = e.get("snapshots").and_then(Value::as_array)?;
    let points: Vec<(f64, Option<f64>)> = names
        .iter()
        .zip(values)
        .filter_map(|(n, v)| Some((*times.get(n.as_str()?)?, v.as_f64())))
        .collect();
    if points.len() < 2 {
        return None;
    }
    let format_bytes = |v: f64| human_bytes(v as i64);
    let format_count = |v: f64| format!("{v:.0}");
    let format: &dyn Fn(f64) -> String = if bytes { &format_bytes } else { &format_count };
    let id = format!("finding-{i}");
    let site = f
        .function
        .as_deref()
        .map_or("all goroutines".to_string(), |func| {
            func.rsplit('/').next().unwrap_or(func).to_string()
        });
    let title = if bytes {
        format!("{site}: in use")
    } else {
        format!("{site}: goroutines")
    };
    Some(line_chart(
        &Chart {
            id: &id,
            title: &title,
            width: 360,
            height: 170,
            format,
            restarts: &[],
            color: "#e67e22",
        },
        &points,
    ))
}

/// The numbers behind the verdict, as a small table.
fn evidence_table(e: &Value) -> String {
    let mut rows = Vec::new();
    let mut row = |k: &str, v: String| {
        rows.push(format!(
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(k),
            escape(&v)
        ))
    };
    if let Some(t) = e.get("trend").filter(|t| t.is_object()) {
        if let Some(inc) = t["increase"].as_f64() {
            let bytes = e.get("inuse_bytes").is_some();
            row(
                "increase",
                if bytes {
                    human_bytes(inc as i64)
                } else {
                    format!("{inc:.0}")
                },
            );
        }
        if let Some(slope) = t["slope_per_snapshot"].as_f64() {
            let bytes = e.get("inuse_bytes").is_some();
            let per = if bytes {
                format!("{} per sample", human_bytes(slope as i64))
            } else {
                format!("{slope:.1} goroutines per sample")
            };
            row("typical rise (Theil–Sen slope)", per);
        }
        if let Some(p) = t["mann_kendall_p"].as_f64() {
            row(
                "chance of no trend (Mann–Kendall p)",
                format!("{:.2}%", p * 100.0),
            );
        }
        if let Some(shape) = t["shape"].as_str() {
            row("shape", shape.to_string());
        }
    }
    for key in ["state", "count", "leaked", "process_lifetime"] {
        // The first lifetime is the only one in most runs: not worth a row.
        let first_lifetime = key == "process_lifetime" && e[key].as_u64() == Some(0);
        if let Some(v) = e.get(key).filter(|v| !v.is_null() && !first_lifetime) {
            row(key, v.to_string().trim_matches('"').to_string());
        }
    }
    if let Some(reasons) = e.get("reasons").and_then(Value::as_array) {
        let text: Vec<&str> = reasons.iter().filter_map(Value::as_str).collect();
        row("why", text.join("; "));
    }
    format!("<table class=\"evidence\">{}</table>", rows.join(""))
}

/// The code frame lines (`> 16 | ...`) and the stack lines of a finding's
/// text details.
fn split_details(details: &[String]) -> (Vec<String>, Vec<String>) {
    let mut code = Vec::new();
    let mut stack = Vec::new();
    let mut in_stack = false;
    for line in details {
        if line == "stack:" {
            in_stack = true;
        } else if in_stack {
            stack.push(line.clone());
        } else if line.contains(" | ") && (line.starts_with('>') || line.starts_with(' ')) {
            code.push(line.clone());
        }
    }
    (code, stack)
}
