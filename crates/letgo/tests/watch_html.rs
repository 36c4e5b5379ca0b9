//! The `letgo watch` report page, for real: a run folder of synthetic
//! profiles (a heap site and a goroutine group that climb like a
//! staircase, a site that stays put) is re-analysed offline with
//! `--resume`, and the HTML page is rendered by headless Chromium: the
//! charts must exist in the DOM, the screenshot must not be blank, and
//! the summary table must be on its first screen (1400×900).
//!
//! Chromium is Debian's `chromium` package (`scripts/test` installs it
//! when running as root). Without it the browser part is skipped with a
//! message, unless `LETGO_REQUIRE_CHROMIUM` is set.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use letgo_pprof::{BuildFrame, ProfileBuilder};
use serde_json::{json, Value};

const SAMPLES: u64 = 10;
const EVERY_MS: u64 = 500;

fn frame(function: &'static str, line: i64) -> BuildFrame<'static> {
    BuildFrame {
        function,
        file: "/build/app/main.go",
        line,
    }
}

/// Sample `i`'s heap profile: `main.leak` holds `i` MiB more each time,
/// `main.steady` 2 MiB always.
fn heap_profile(i: u64) -> Vec<u8> {
    let mut b = ProfileBuilder::new(&[
        ("alloc_objects", "count"),
        ("alloc_space", "bytes"),
        ("inuse_objects", "count"),
        ("inuse_space", "bytes"),
    ]);
    b.period("space", "bytes", 512 * 1024);
    let leak = (i as i64 + 1) << 20;
    let steady = 2 << 20;
    b.add_sample(
        &[frame("runtime.mallocgc", 1), frame("main.leak", 10)],
        vec![16 * (i as i64 + 1), leak, 16 * (i as i64 + 1), leak],
        &[],
    );
    b.add_sample(
        &[frame("main.steady", 20)],
        vec![8 * (i as i64 + 1), steady * (i as i64 + 1), 8, steady],
        &[],
    );
    b.build("heap").unwrap().encode_gzip()
}

/// Sample `i`'s goroutine profile: `main.worker` blocked on a channel
/// receive, 25 more each time, plus the main goroutine.
fn goroutine_profile(i: u64) -> Vec<u8> {
    let mut b = ProfileBuilder::new(&[("goroutine", "count")]);
    b.period("goroutine", "count", 1);
    b.add_sample(
        &[
            frame("runtime.gopark", 1),
            frame("runtime.chanrecv1", 2),
            frame("main.worker", 30),
        ],
        vec![25 * (i as i64 + 1)],
        &[],
    );
    b.add_sample(&[frame("main.main", 40)], vec![1], &[]);
    b.build("goroutine").unwrap().encode_gzip()
}

/// Writes a run folder as `letgo watch` would.
fn write_run(root: &Path) {
    std::fs::create_dir_all(root).unwrap();
    let info = json!({"url": "http://127.0.0.1:6060/debug/pprof", "every_ms": EVERY_MS,
        "started_unix_ms": 1_700_000_000_000u64, "letgo": "test"});
    std::fs::write(root.join("run.json"), info.to_string()).unwrap();
    let mut lines = String::new();
    for i in 0..SAMPLES {
        let dir = format!("{:04}-synthetic", i + 1);
        std::fs::create_dir_all(root.join(&dir)).unwrap();
        let heap = heap_profile(i);
        let goroutines = goroutine_profile(i);
        std::fs::write(root.join(&dir).join("heap.pb.gz"), &heap).unwrap();
        std::fs::write(root.join(&dir).join("goroutine.pb.gz"), &goroutines).unwrap();
        let record = json!({
            "seq": i + 1, "unix_ms": 1_700_000_000_000u64 + i * EVERY_MS,
            "elapsed_ms": i * EVERY_MS, "segment": 0, "restarted": false,
            "profiles": [
                {"endpoint": "heap", "file": format!("{dir}/heap.pb.gz"), "bytes": heap.len(), "millis": 1},
                {"endpoint": "goroutine", "file": format!("{dir}/goroutine.pb.gz"), "bytes": goroutines.len(), "millis": 1}
            ],
            "failures": [],
            "goroutines": 25 * (i + 1) + 1,
            "heap_inuse_bytes": ((i + 1) << 20) + (2 << 20),
            "heap_alloc_bytes": ((i + 1) << 20) + ((2 << 20) * (i + 1)),
            "max_goroutine_id": null
        });
        lines.push_str(&record.to_string());
        lines.push('\n');
    }
    std::fs::write(root.join("samples.jsonl"), lines).unwrap();
}

fn letgo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(args)
        .output()
        .expect("run letgo")
}

/// Writes the synthetic run and its page; returns the page's path.
fn resumed_page(dir: &Path) -> PathBuf {
    let run = dir.join("run");
    write_run(&run);
    let page = dir.join("report.html");
    let out = letgo(&[
        "watch",
        "--resume",
        run.to_str().unwrap(),
        "--format",
        "json",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["function"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    found.sort();
    let want = [
        ("LG502", "main.worker"),
        ("LG503", "main.leak"),
        ("LG504", "-"),
    ];
    assert_eq!(
        found,
        want.map(|(c, f)| (c.to_string(), f.to_string())).to_vec()
    );
    page
}

#[test]
fn the_page_is_self_contained_with_a_chart_per_suspect() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(resumed_page(dir.path())).unwrap();
    for chart in ["heap", "goroutines", "finding-0", "finding-1", "finding-2"] {
        assert!(
            html.contains(&format!("data-chart=\"{chart}\"")),
            "no {chart} chart"
        );
    }
    assert!(!html.contains("<script"), "no scripts");
    assert!(!html.contains("src=\"http"), "nothing from the network");
    assert!(!html.contains("href=\"http"), "nothing from the network");
}

#[test]
fn the_page_leads_with_a_summary_row_per_finding() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(resumed_page(dir.path())).unwrap();
    let summary = html
        .find("<table class=\"summary\"")
        .expect("a summary table");
    let first_chart = html.find("data-chart=").expect("charts");
    assert!(summary < first_chart, "the summary comes before the charts");
    let table = &html[summary..html[summary..].find("</table>").unwrap() + summary];
    let rows = table.matches("<tr class=").count();
    let cards = html.matches("<div class=\"finding ").count();
    assert_eq!(rows, cards, "a row per finding");
    assert!(
        table.contains("<code>main.go:10</code><br>main.leak"),
        "{table}"
    );
    assert!(table.contains(" MiB/min"), "rates have units: {table}");
    // Statistics sit behind a fold, in words with units.
    assert!(html.contains("<details class=\"statistics\"><summary>statistics</summary>"));
    assert!(!html.contains("per sample</td>") || html.contains("MiB per sample"));
    assert!(!html.contains("<td>process_lifetime</td><td>0</td>"));
}

/// Chromium, or `None` (skipped with a message) when it is missing.
fn chromium() -> Option<PathBuf> {
    let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
    let found = std::env::var_os("LETGO_CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(candidates.iter().map(PathBuf::from))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("LETGO_REQUIRE_CHROMIUM").is_none(),
            "Chromium not found; install Debian's chromium package"
        );
        eprintln!("skipped: no Chromium at /usr/bin/chromium (apt-get install chromium)");
    }
    found
}

fn headless(chromium: &Path, profile: &Path, extra: &[&str], page: &Path) -> Output {
    Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium")
}

/// The standard deviation of the screenshot's luminance, and the share of
/// pixels that are not background.
fn ink(png_path: &Path) -> (f64, f64) {
    let file = std::fs::File::open(png_path).expect("the screenshot exists");
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    let pixels: Vec<f64> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| p.iter().take(3).map(|&c| f64::from(c)).sum::<f64>() / 3.0)
        .collect();
    let n = pixels.len() as f64;
    let mean = pixels.iter().sum::<f64>() / n;
    let variance = pixels.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / n;
    let inked = pixels.iter().filter(|&&p| p < 200.0).count() as f64 / n;
    (variance.sqrt(), inked)
}

#[test]
fn chromium_renders_the_charts() {
    let Some(chromium) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = resumed_page(dir.path());
    let dom = headless(&chromium, &dir.path().join("p1"), &["--dump-dom"], &page);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("data-chart=\"heap\""), "{dom}");
    assert!(dom.contains("data-chart=\"goroutines\""), "{dom}");
    assert!(dom.matches("<polyline").count() >= 5, "{dom}");
    let shot = dir.path().join("shot.png");
    let arg = format!("--screenshot={}", shot.display());
    let out = headless(&chromium, &dir.path().join("p2"), &[&arg], &page);
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (deviation, inked) = ink(&shot);
    assert!(deviation > 10.0, "a blank page: deviation {deviation}");
    assert!(inked > 0.01, "almost nothing drawn: {inked}");
    // The summary table's header (its own colour, #f6e3c5) is on the
    // first screen: the screenshot is the 1400×900 viewport.
    let header = colour_share(&shot, [0xf6, 0xe3, 0xc5]);
    assert!(
        header > 0.002,
        "no summary table on the first screen: {header}"
    );
    let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join("watch-report-first-screen.png");
    std::fs::copy(&shot, &kept).expect("keep the screenshot");
    eprintln!("screenshot: {}", kept.display());
}

/// The share of the screenshot's pixels of colour `rgb` (±3 a channel).
fn colour_share(png_path: &Path, rgb: [u8; 3]) -> f64 {
    let file = std::fs::File::open(png_path).expect("the screenshot exists");
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()].chunks(channels);
    let n = pixels.len() as f64;
    let hits = pixels
        .filter(|p| p.iter().zip(rgb).all(|(&c, want)| c.abs_diff(want) <= 3))
        .count();
    hits as f64 / n
}
