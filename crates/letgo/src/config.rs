//! `letgo.toml` at a module's root. Flags on the command line win over it.
//!
//! ```toml
//! select = ["LG1", "LG2"]   # codes or prefixes; default: every rule
//! ignore = ["LG204"]
//!
//! [watch]                   # thresholds of `letgo watch` (watch/settings.rs)
//! heap_min_increase_bytes = 1048576
//!
//! [test]                    # `letgo test`
//! ignore = ["example.com/m/pool.(*Pool).worker"]
//! ```

use anyhow::Context;
use letgo_lint::selection::Selection;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub select: Option<Vec<String>>,
    #[serde(default)]
    pub ignore: Option<Vec<String>>,
    /// Read and checked by `letgo watch` only.
    #[serde(default)]
    pub watch: Option<toml::Table>,
    /// Read by `letgo test`.
    #[serde(default)]
    pub test: Option<TestConfig>,
}

/// `[test]`: settings of `letgo test`.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TestConfig {
    /// Goroutines whose stack holds one of these functions are not leaks
    /// (as `--ignore`; both lists apply).
    #[serde(default)]
    pub ignore: Vec<String>,
}

impl Config {
    /// Reads `dir/letgo.toml`; a missing file is an empty config.
    pub fn read(dir: &Path) -> anyhow::Result<Config> {
        let path = dir.join("letgo.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(e).with_context(|| format!("{}", path.display())),
        };
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// The rules to run: the flags' lists where given, else this file's.
    pub fn selection(&self, select: &[String], ignore: &[String]) -> Selection {
        let pick = |flag: &[String], file: &Option<Vec<String>>| {
            if flag.is_empty() {
                file.clone().unwrap_or_default()
            } else {
                flag.to_vec()
            }
        };
        Selection {
            select: pick(select, &self.select),
            ignore: pick(ignore, &self.ignore),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lists_and_flags_win() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("letgo.toml"),
            "select = [\"LG1\"]\nignore = [\"LG103\"]\n",
        )
        .unwrap();
        let c = Config::read(dir.path()).unwrap();
        let s = c.selection(&[], &[]);
        assert_eq!(
            (s.select, s.ignore),
            (vec!["LG1".to_string()], vec!["LG103".to_string()])
        );
        let s = c.selection(&["LG2".to_string()], &[]);
        assert_eq!(s.select, vec!["LG2".to_string()]);
        assert_eq!(
            Config::read(&dir.path().join("none")).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn test_section_lists_ignored_functions() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("letgo.toml"),
            "[test]\nignore = [\"example.com/m.(*Pool).worker\"]\n",
        )
        .unwrap();
        let c = Config::read(dir.path()).unwrap();
        assert_eq!(
            c.test.unwrap().ignore,
            vec!["example.com/m.(*Pool).worker".to_string()]
        );
        std::fs::write(dir.path().join("letgo.toml"), "[test]\nignor = []\n").unwrap();
        let err = Config::read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("ignor"), "{err}");
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("letgo.toml"), "selct = []\n").unwrap();
        let err = Config::read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("letgo.toml") && err.contains("selct"), "{err}");
    }
}
