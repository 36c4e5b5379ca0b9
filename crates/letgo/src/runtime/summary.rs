//! The answer first: one row per runtime finding (what, where, how fast,
//! since when, how sure, the fix when the source is known), for the top of
//! the text report and of the HTML page. Built from the findings' own
//! evidence, so every format says the same.

use serde_json::Value;

use crate::report::Severity;
use crate::runtime::findings::Reported;

/// One finding in a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub code: String,
    pub severity: Severity,
    /// `60 goroutines blocked (chan send)`, `heap +22.0 MiB`.
    pub what: String,
    /// `main.go:71` and the function, when known.
    pub place: String,
    pub function: String,
    /// `+2.10 MiB/min`, `+15.0 goroutines/min`, or empty.
    pub rate: String,
    /// The first snapshot in which the finding's series is above zero.
    pub since: String,
    /// `proven by Go's leak detector`, `likely, from the trend`, ...
    pub sureness: String,
    /// The static finding and its fix at that function, when known.
    pub fix: String,
}

/// The rows, in the findings' order.
pub fn rows(reported: &[Reported]) -> Vec<SummaryRow> {
    reported.iter().map(row).collect()
}

fn row(r: &Reported) -> SummaryRow {
    let f = &r.finding;
    let e = &f.evidence;
    let place = f.at.as_ref().map_or(String::new(), |a| {
        let file = a.file.rsplit('/').next().unwrap_or(&a.file);
        format!("{file}:{}", a.line)
    });
    SummaryRow {
        code: f.code.clone(),
        severity: f.severity,
        what: what(&f.code, e),
        place,
        function: f.function.clone().unwrap_or_default(),
        rate: rate(e),
        since: since(e),
        sureness: sureness(&f.code, e),
        fix: fix(e),
    }
}

fn what(code: &str, e: &Value) -> String {
    let count = e["count"].as_u64().unwrap_or(0);
    let state = e["state"].as_str().unwrap_or("");
    match code {
        "LG501" => format!("{count} goroutines leaked ({state})"),
        "LG502" => format!("{count} goroutines stuck ({state})"),
        "LG505" => format!("{count} goroutines parked ({state})"),
        "LG503" => {
            let grown = e["increase_bytes"].as_i64().unwrap_or(0);
            format!("heap +{}", crate::runtime::findings::human_bytes(grown))
        }
        "LG504" => {
            let totals = e["totals"].as_array();
            let end = |i: Option<&Value>| i.and_then(Value::as_u64).unwrap_or(0);
            let (first, last) = (
                end(totals.and_then(|t| t.first())),
                end(totals.and_then(|t| t.last())),
            );
            format!("goroutines {first} → {last}")
        }
        _ => String::new(),
    }
}

fn rate(e: &Value) -> String {
    if let Some(m) = e["rate"]["mib_per_minute"].as_f64() {
        return format!("{m:+.2} MiB/min");
    }
    if let Some(g) = e["goroutines_per_minute"].as_f64() {
        return format!("{g:+.1} goroutines/min");
    }
    String::new()
}

/// The first snapshot whose value is above zero.
fn since(e: &Value) -> String {
    let names = e["snapshots"].as_array();
    let values = ["counts", "inuse_bytes", "totals"]
        .iter()
        .find_map(|k| e[*k].as_array());
    let (Some(names), Some(values)) = (names, values) else {
        return String::new();
    };
    names
        .iter()
        .zip(values)
        .find(|(_, v)| v.as_f64().is_some_and(|v| v > 0.0))
        .and_then(|(n, _)| n.as_str())
        // A watch sample's folder (`0003-20250314T091502Z`) says when; an
        // absolute path says no more than its file name.
        .map(|n| match (n.starts_with('/'), n.split_once('/')) {
            (false, Some((sample, _))) => sample.to_string(),
            _ => n.rsplit('/').next().unwrap_or(n).to_string(),
        })
        .unwrap_or_default()
}

fn sureness(code: &str, e: &Value) -> String {
    if let Some(c) = e["confidence"].as_str() {
        return c.to_string();
    }
    match code {
        "LG505" => "info: flat, waiting by design is likely".into(),
        "LG503"
            if e["sampling_error_bytes"]
                .as_array()
                .is_some_and(|a| a.iter().all(|v| v.as_i64() == Some(0))) =>
        {
            "likely: exact numbers (every allocation sampled), rising".into()
        }
        "LG503" => "likely: rising past the sampling error".into(),
        _ => "likely, from the trend".into(),
    }
}

fn fix(e: &Value) -> String {
    let Some(first) = e["static_findings"].as_array().and_then(|l| l.first()) else {
        return String::new();
    };
    let code = first["code"].as_str().unwrap_or("");
    match first["fix"]["message"].as_str() {
        Some(fix) => format!("{code}: {fix}"),
        None => format!("{code}: {}", first["message"].as_str().unwrap_or("")),
    }
}

/// The rows as an aligned text table under a heading line.
pub fn text(rows: &[SummaryRow]) -> Vec<String> {
    if rows.is_empty() {
        return Vec::new();
    }
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.code.clone(),
                r.what.clone(),
                format!("{} {}", r.place, r.function).trim().to_string(),
                r.rate.clone(),
                if r.since.is_empty() {
                    String::new()
                } else {
                    format!("since {}", r.since)
                },
                r.sureness.clone(),
            ]
        })
        .collect();
    let mut widths = [0usize; 6];
    for c in &cells {
        for (w, s) in widths.iter_mut().zip(c) {
            *w = (*w).max(s.chars().count());
        }
    }
    let mut lines = vec![format!("summary: {} finding(s)", rows.len())];
    for (c, r) in cells.iter().zip(rows) {
        let mut line = String::from(" ");
        for (i, (s, w)) in c.iter().zip(widths).enumerate() {
            let pad = w - s.chars().count();
            line.push(' ');
            line.push_str(s);
            if i + 1 < c.len() {
                line.push_str(&" ".repeat(pad + 1));
            }
        }
        lines.push(line.trim_end().to_string());
        if !r.fix.is_empty() {
            lines.push(format!("        fix: {}", r.fix));
        }
    }
    lines
}
