//! Heap growth judged in sampled units, on a real program
//! (`tests/fixtures/heapgrowth`) run at Go's default heap sampling rate
//! and at rate 1: the leaking map and the slice growing by reallocation
//! are found at both, the bounded cache at neither, the slow steady slice
//! where sampling can see it; growth is said per minute; the memory of
//! leaked goroutines (`runtime.malg`) is told with the goroutine finding,
//! never as a heap finding of its own. Skipped when Go is missing, unless
//! `LETGO_REQUIRE_GO`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use letgo_testkit::{go_binary, go_build};
use serde_json::Value;

fn build(go: &Path, dir: &Path) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/heapgrowth");
    go_build(go, &fixture, &dir.join("heapgrowth"))
}

/// Runs the program at `rate` and `letgo profile` on what it wrote;
/// function → finding, for each finding with a function.
fn findings_at(binary: &Path, dir: &Path, rate: u32) -> BTreeMap<(String, String), Value> {
    let out = dir.join(format!("rate{rate}"));
    std::fs::create_dir_all(&out).unwrap();
    let ran = Command::new(binary)
        .arg("-out")
        .arg(&out)
        .args(["-rate", &rate.to_string()])
        .status()
        .expect("run heapgrowth");
    assert!(ran.success());
    // In shell order (1, 10, 11, 12, 2, ...): letgo orders them by time.
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let result = Command::new(env!("CARGO_BIN_EXE_letgo"))
        .args(["profile", "--format", "json"])
        .args(&files)
        .current_dir(&out)
        .output()
        .expect("letgo profile");
    let doc: Value = serde_json::from_slice(&result.stdout).unwrap_or_else(|_| {
        panic!("{}", String::from_utf8_lossy(&result.stderr));
    });
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["function"].is_string())
        .map(|f| {
            let key = (
                f["code"].as_str().unwrap().to_string(),
                f["function"].as_str().unwrap().to_string(),
            );
            (key, f.clone())
        })
        .collect()
}

fn heap_sites(found: &BTreeMap<(String, String), Value>) -> Vec<&str> {
    found
        .keys()
        .filter(|(code, _)| code == "LG503")
        .map(|(_, f)| f.as_str())
        .collect()
}

#[test]
fn leaks_are_found_in_sampled_units_and_noise_is_not() {
    let Some(go) = go_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let binary = build(&go, dir.path());
    for rate in [0, 1] {
        let found = findings_at(&binary, dir.path(), rate);
        let sites = heap_sites(&found);
        for leak in ["main.leakMap", "main.growSlice"] {
            assert!(
                sites.contains(&leak),
                "rate {rate}: {leak} not found: {sites:?}"
            );
        }
        assert!(
            !sites.contains(&"main.churnCache"),
            "rate {rate}: {sites:?}"
        );
        assert!(
            !sites
                .iter()
                .any(|f| f.starts_with("runtime.") || *f == "main.main"),
            "rate {rate}: the runtime's memory is no heap finding: {sites:?}"
        );
        for site in &sites {
            let f = &found[&("LG503".to_string(), site.to_string())];
            let per_minute = f["evidence"]["rate"]["mib_per_minute"].as_f64();
            assert!(per_minute.is_some_and(|r| r > 0.0), "{f}");
            assert!(f["message"].as_str().unwrap().contains(" MiB/min"), "{f}");
        }
        let leak = &found[&("LG503".to_string(), "main.leakMap".to_string())];
        let errors = leak["evidence"]["sampling_error_bytes"].as_array().unwrap();
        let last_error = errors.last().and_then(Value::as_i64).unwrap();
        let blocked = &found[&("LG502".to_string(), "main.blockForever".to_string())];
        assert!(
            blocked["message"]
                .as_str()
                .unwrap()
                .contains("goroutines/min"),
            "{blocked}"
        );
        if rate == 1 {
            assert_eq!(last_error, 0, "every allocation sampled: exact");
            assert!(sites.contains(&"main.steadySlice"), "{sites:?}");
            let memory = blocked["evidence"]["goroutine_memory_increase_bytes"].as_i64();
            assert!(memory.is_some_and(|m| m > 1 << 20), "{blocked}");
        } else {
            // 64 KiB values at 512 KiB: each estimate is ± a few MiB, and
            // the rise must stand out of that: the threshold is at least
            // three sigmas of the ends' errors (exactly three of the last
            // one's when the first snapshot has not seen the site yet).
            assert!(last_error > 1 << 20, "{leak}");
            let min = leak["evidence"]["min_increase_bytes"].as_i64().unwrap();
            assert!(min >= 3 * last_error, "{leak}");
        }
    }
}
