//! The command line of `letgo test`: letgo's own flags (`--settle`,
//! `--ignore`, `--format`, `--stress`, `--stress-for`, `--hang`, `--go`) wherever
//! they stand, everything else for `go test` as given.

use std::time::Duration;

use crate::report::Format;

/// `go test` flags that take a value as the next argument when written
/// without `=`; the others are booleans. From `go help testflag` and `go
/// help build`.
const VALUE_FLAGS: &[&str] = &[
    "run",
    "skip",
    "count",
    "timeout",
    "tags",
    "bench",
    "benchtime",
    "cpu",
    "parallel",
    "coverprofile",
    "covermode",
    "coverpkg",
    "o",
    "p",
    "list",
    "exec",
    "ldflags",
    "gcflags",
    "asmflags",
    "gccgoflags",
    "mod",
    "modfile",
    "overlay",
    "C",
    "cpuprofile",
    "memprofile",
    "memprofilerate",
    "blockprofile",
    "blockprofilerate",
    "mutexprofile",
    "mutexprofilefraction",
    "outputdir",
    "trace",
    "shuffle",
    "fuzz",
    "fuzztime",
    "fuzzminimizetime",
    "buildmode",
    "compiler",
    "installsuffix",
    "pkgdir",
    "toolexec",
    "vet",
    "pgo",
    "covermode",
    "reuse",
    "fullpath",
    "artifacts",
];

/// What `letgo test` was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOptions {
    /// Package patterns as `go test` takes them (`./...` when none).
    pub packages: Vec<String>,
    /// Every other argument, for `go test`, in order.
    pub go_flags: Vec<String>,
    pub settle: Duration,
    pub ignore: Vec<String>,
    pub format: Format,
    pub stress: Option<u32>,
    pub stress_for: Option<Duration>,
    /// Stop a test whose goroutines all stay blocked this long (off when
    /// `None`): for hangs the leak profile cannot prove.
    pub hang: Option<Duration>,
    /// The `go` command to run.
    pub go: String,
}

impl TestOptions {
    /// Whether `go test` was asked for `-json` (letgo's report then goes
    /// to standard error, leaving standard output to test2json).
    pub fn json_events(&self) -> bool {
        self.go_flags
            .iter()
            .take_while(|a| *a != "-args")
            .any(|a| matches!(flag_name(a), Some(("json", None | Some("true")))))
    }

    /// The value of a `go test` flag (`3` for `-count=3` or `-count 3`).
    pub fn go_flag_value(&self, name: &str) -> Option<&str> {
        let flags: Vec<&String> = self.go_flags.iter().take_while(|a| *a != "-args").collect();
        flags
            .iter()
            .enumerate()
            .find_map(|(i, a)| match flag_name(a) {
                Some((n, Some(v))) if n == name => Some(v),
                Some((n, None)) if n == name => flags.get(i + 1).map(|v| v.as_str()),
                _ => None,
            })
    }

    /// Whether a `go test` flag was given (`count` for `-count=3`).
    pub fn has_go_flag(&self, name: &str) -> bool {
        self.go_flags
            .iter()
            .take_while(|a| *a != "-args")
            .any(|a| flag_name(a).is_some_and(|(n, _)| n == name))
    }
}

/// `("run", Some("X"))` for `-run=X` or `--run=X`, `("v", None)` for `-v`.
fn flag_name(arg: &str) -> Option<(&str, Option<&str>)> {
    let body = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-'))?;
    if body.is_empty() {
        return None;
    }
    Some(match body.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (body, None),
    })
}

/// Splits the arguments after `letgo test`.
pub fn parse(args: &[String]) -> anyhow::Result<TestOptions> {
    let mut opts = TestOptions {
        packages: Vec::new(),
        go_flags: Vec::new(),
        settle: Duration::from_secs(1),
        ignore: Vec::new(),
        format: Format::Text,
        stress: None,
        stress_for: None,
        hang: None,
        go: "go".to_string(),
    };
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "-args" {
            opts.go_flags.extend(args[i..].iter().cloned());
            break;
        }
        let Some((name, inline)) = flag_name(arg) else {
            opts.packages.push(arg.clone());
            i += 1;
            continue;
        };
        let value = |i: &mut usize| -> anyhow::Result<String> {
            if let Some(v) = inline {
                return Ok(v.to_string());
            }
            *i += 1;
            args.get(*i)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("test: {arg} needs a value"))
        };
        if arg.starts_with("--") && own_flag(name) {
            let v = value(&mut i)?;
            set_own(&mut opts, name, &v)?;
        } else if name == "overlay" {
            anyhow::bail!("test: {arg}: letgo test passes its own -overlay to go test");
        } else {
            opts.go_flags.push(arg.clone());
            if inline.is_none() && VALUE_FLAGS.contains(&name) {
                i += 1;
                if let Some(v) = args.get(i) {
                    opts.go_flags.push(v.clone());
                }
            }
        }
        i += 1;
    }
    if opts.packages.is_empty() {
        opts.packages.push("./...".to_string());
    }
    if (opts.stress.is_some() || opts.stress_for.is_some()) && opts.has_go_flag("count") {
        anyhow::bail!("test: --stress and --stress-for set -count themselves; drop -count");
    }
    Ok(opts)
}

fn own_flag(name: &str) -> bool {
    matches!(
        name,
        "settle" | "ignore" | "format" | "stress" | "stress-for" | "hang" | "go"
    )
}

fn set_own(opts: &mut TestOptions, name: &str, value: &str) -> anyhow::Result<()> {
    let duration = |v: &str| {
        humantime::parse_duration(v)
            .map_err(|e| anyhow::anyhow!("test: --{name} {v}: {e} (write it as 1s, 500ms, 2m)"))
    };
    match name {
        "settle" => opts.settle = duration(value)?,
        "stress-for" => opts.stress_for = Some(duration(value)?),
        "hang" => opts.hang = Some(duration(value)?),
        "ignore" => opts
            .ignore
            .extend(value.split(',').filter(|s| !s.is_empty()).map(String::from)),
        "format" => {
            opts.format = clap::ValueEnum::from_str(value, true).map_err(|_| {
                anyhow::anyhow!("test: --format {value}: expected text, json, sarif or github")
            })?
        }
        "stress" => {
            let n: u32 = value
                .parse()
                .map_err(|_| anyhow::anyhow!("test: --stress {value}: expected a count"))?;
            if n == 0 {
                anyhow::bail!("test: --stress 0: the tests must run at least once");
            }
            opts.stress = Some(n);
        }
        "go" => opts.go = value.to_string(),
        _ => unreachable!("own_flag lists the names handled here"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn packages_go_flags_and_own_flags_anywhere() {
        let o = parse(&args(
            "./pkg/... -run TestX -count=3 -v --settle 2s ./other --ignore a.F,b.G -race --format json --hang 5s",
        ))
        .unwrap();
        assert_eq!(o.packages, args("./pkg/... ./other"));
        assert_eq!(o.go_flags, args("-run TestX -count=3 -v -race"));
        assert_eq!(o.settle, Duration::from_secs(2));
        assert_eq!(o.ignore, args("a.F b.G"));
        assert_eq!(o.format, Format::Json);
        assert_eq!(o.hang, Some(Duration::from_secs(5)));
        assert!(o.has_go_flag("count") && !o.has_go_flag("json"));
        assert_eq!(o.go_flag_value("count"), Some("3"));
        assert_eq!(o.go_flag_value("run"), Some("TestX"));
    }

    #[test]
    fn defaults_and_binary_arguments() {
        let o = parse(&args("-json -args -test.v x")).unwrap();
        assert_eq!(o.packages, args("./..."));
        assert_eq!(o.go_flags, args("-json -args -test.v x"));
        assert!(o.json_events());
    }

    #[test]
    fn errors_name_the_flag() {
        let err = parse(&args("--stress")).unwrap_err().to_string();
        assert!(err.contains("--stress needs a value"), "{err}");
        let err = parse(&args("-overlay o.json")).unwrap_err().to_string();
        assert!(err.contains("-overlay"), "{err}");
        let err = parse(&args("--settle soon")).unwrap_err().to_string();
        assert!(err.contains("--settle soon"), "{err}");
    }
}
