//! Thresholds for `letgo watch`, from the `[watch]` table of `letgo.toml`
//! (in the `--source` module's root, else the current directory):
//!
//! ```toml
//! [watch]
//! heap_min_increase_bytes = 1048576   # a site must grow by this much (LG503)
//! goroutine_min_increase = 5          # a group must grow by this many (LG502)
//! total_min_increase = 20             # all goroutines together (LG504)
//! alpha = 0.05                        # Mann–Kendall significance level
//! pileup_count = 100                  # flat groups this big are shown parked (LG505)
//! long_wait_minutes = 10              # flat groups waiting this long likewise
//! lock_wait_minutes = 1               # a lock waited on this long is suspect (LG502)
//! ignore_frames = ["example.com/pool."]  # more frames that wait by design
//! ```
//!
//! Every key is optional; the defaults are `letgo_runtime`'s.

use std::path::Path;

use letgo_runtime::{Config, GroupBy};
use serde::Deserialize;

use crate::config::Config as FileConfig;

/// The `[watch]` table.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WatchSettings {
    pub heap_min_increase_bytes: Option<u64>,
    pub goroutine_min_increase: Option<u64>,
    pub total_min_increase: Option<u64>,
    pub alpha: Option<f64>,
    pub pileup_count: Option<u64>,
    pub long_wait_minutes: Option<u64>,
    pub lock_wait_minutes: Option<u64>,
    #[serde(default)]
    pub ignore_frames: Vec<String>,
}

impl WatchSettings {
    /// Reads `dir/letgo.toml`'s `[watch]` table; no file or no table gives
    /// the defaults. Errors name the file.
    pub fn read(dir: &Path) -> anyhow::Result<WatchSettings> {
        let Some(table) = FileConfig::read(dir)?.watch else {
            return Ok(WatchSettings::default());
        };
        let shown = crate::paths::display(&dir.join("letgo.toml"));
        table
            .try_into()
            .map_err(|e| anyhow::anyhow!("{shown}: [watch]: {e}"))
    }

    /// The analyses' configuration with these thresholds applied.
    pub fn config(&self, group_by: GroupBy) -> anyhow::Result<Config> {
        let mut c = Config {
            group_by,
            ..Config::default()
        };
        if let Some(alpha) = self.alpha {
            if !(alpha > 0.0 && alpha < 1.0) {
                anyhow::bail!("letgo.toml: [watch] alpha must be between 0 and 1, found {alpha}");
            }
            c.heap_growth.alpha = alpha;
            c.total_growth.alpha = alpha;
            c.suspect.growth.alpha = alpha;
        }
        let set = |target: &mut f64, v: Option<u64>| {
            if let Some(v) = v {
                *target = v as f64;
            }
        };
        set(
            &mut c.heap_growth.min_increase,
            self.heap_min_increase_bytes,
        );
        set(
            &mut c.suspect.growth.min_increase,
            self.goroutine_min_increase,
        );
        set(&mut c.total_growth.min_increase, self.total_min_increase);
        if let Some(n) = self.pileup_count {
            c.suspect.pileup_count = n;
        }
        if let Some(m) = self.lock_wait_minutes {
            c.suspect.lock_wait_minutes = m;
        }
        if let Some(m) = self.long_wait_minutes {
            c.suspect.long_wait_minutes = m;
        }
        c.benign.prefixes.extend(self.ignore_frames.iter().cloned());
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_watch_table_and_applies_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("letgo.toml"),
            "select = [\"LG1\"]\n[watch]\nheap_min_increase_bytes = 4096\nalpha = 0.01\nignore_frames = [\"x.\"]\n",
        )
        .unwrap();
        let s = WatchSettings::read(dir.path()).unwrap();
        let c = s.config(GroupBy::Stack).unwrap();
        assert_eq!(c.heap_growth.min_increase, 4096.0);
        assert_eq!(c.suspect.growth.alpha, 0.01);
        assert!(c.benign.prefixes.contains(&"x.".to_string()));
        assert_eq!(
            c.total_growth.min_increase,
            Config::default().total_growth.min_increase
        );
    }

    #[test]
    fn a_bad_key_names_the_file_and_the_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("letgo.toml"), "[watch]\nheap_min = 1\n").unwrap();
        let err = WatchSettings::read(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("letgo.toml") && err.contains("heap_min"),
            "{err}"
        );
        let none = WatchSettings::read(&dir.path().join("absent")).unwrap();
        assert_eq!(none, WatchSettings::default());
    }
}
