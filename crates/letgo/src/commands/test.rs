//! `letgo test [PACKAGES] [go test flags]`: the package's tests with a
//! leak check compiled in (the user's files untouched), each leak blamed
//! on the test that started it. The work is `crate::gotest`'s; this
//! shell prints the report and picks the exit status: `go test`'s when it
//! failed, else 1 when a goroutine leaked, else 0.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use crate::gotest::{self, args};
use crate::report::Format;
use crate::runtime::findings::{render, Omitted};

#[derive(Args, Debug)]
#[command(
    after_help = "Every other argument goes to `go test` as given: packages (./... by default), \
                  -run, -count, -race, -v, -json, -timeout, -tags, -short, ... letgo's own flags \
                  may stand anywhere:\n  \
                  --settle D      without the goroutineleak profile (Go < 1.26), wait up to D for \
                  a test's goroutines to end (default 1s)\n  \
                  --ignore F,G    skip goroutines whose stack holds one of these functions \
                  (also `[test] ignore = [...]` in letgo.toml)\n  \
                  --format F      text, json, sarif or github\n  \
                  --stress N      rerun each package's tests up to N times, stop at the first leak\n  \
                  --stress-for D  the same, for a duration (30s, 2m)\n  \
                  --hang D        stop a test whose goroutines all stay blocked, unchanged, for D \
                  (a hang the leak profile cannot prove; off by default)\n  \
                  --go BIN        the go command to use (default: go)"
)]
pub struct TestArgs {
    /// Packages, `go test` flags and letgo's flags (see below).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}

pub fn run(cli: &TestArgs) -> anyhow::Result<ExitCode> {
    let mut opts = args::parse(&cli.args)?;
    let config = crate::config::Config::read(std::path::Path::new("."))?;
    if let Some(test) = &config.test {
        opts.ignore.extend(test.ignore.iter().cloned());
    }
    let outcome = gotest::run(&opts)?;
    // Beside `go test -json`'s events the text report goes to standard
    // error; the other formats own standard output (go test's output is
    // then on standard error).
    let mut out: Box<dyn Write> = if opts.json_events() && opts.format == Format::Text {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    if opts.format == Format::Text {
        writeln!(out)?;
        writeln!(
            out,
            "letgo test: {} leaked goroutine(s) at {} site(s); the tests ran {} time(s)",
            outcome.leaked,
            outcome.reported.len(),
            outcome.runs
        )?;
        if !outcome.reported.is_empty() {
            writeln!(out)?;
        }
    }
    render(
        &mut out,
        &outcome.reported,
        &Omitted::default(),
        opts.format,
    )?;
    out.flush()?;
    Ok(match outcome.go_status {
        0 if outcome.leaked > 0 => ExitCode::from(1),
        0 => ExitCode::SUCCESS,
        code => ExitCode::from(u8::try_from(code).unwrap_or(2)),
    })
}
