//! `letgo rule [CODE]`: a rule's documentation, or the list of rules.

use crate::cli::RuleArgs;
use letgo_lint::registry::{find, RULES};
use std::process::ExitCode;

pub fn run(args: &RuleArgs) -> anyhow::Result<ExitCode> {
    match &args.code {
        Some(code) => {
            let rule = find(code)
                .ok_or_else(|| anyhow::anyhow!("unknown rule {code:?}; `letgo rule` lists them"))?;
            print!("{}", rule.doc);
        }
        None => {
            for r in RULES {
                println!("{}  {:<32} {}", r.code, r.name, r.summary);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
