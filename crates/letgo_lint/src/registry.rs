//! The one flat table of rules. A code keeps its meaning once released.

use crate::context::{FileDiagnostic, PackageContext};
use crate::rules;

/// A rule: its stable code and name, its documentation, and its check.
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    /// One line, for `letgo rule` and SARIF.
    pub summary: &'static str,
    /// Markdown: what it does, why it leaks, an example, what to write
    /// instead, and how safe the fix is.
    pub doc: &'static str,
    pub check: fn(&PackageContext, &mut Vec<FileDiagnostic>),
}

/// Every rule, by code.
pub static RULES: &[&Rule] = &[
    &rules::receive_without_sender::RULE,
    &rules::select_without_exit::RULE,
    &rules::abandoned_sender::RULE,
    &rules::range_over_unclosed_channel::RULE,
    &rules::goroutine_ignores_context::RULE,
    &rules::lost_cancel::RULE,
    &rules::send_without_receiver::RULE,
    // Channel classes (issue 15): nil, unreachable, exit-less goroutines.
    &rules::nil_channel_op::RULE,
    &rules::unreachable_channel::RULE,
    &rules::goroutine_without_exit::RULE,
    &rules::missing_unlock::RULE,
    &rules::double_lock::RULE,
    &rules::recursive_rlock::RULE,
    &rules::lock_order_inversion::RULE,
    &rules::lock_held_across_channel_op::RULE,
    &rules::waitgroup_misuse::RULE,
    &rules::waitgroup_done_skipped::RULE,
    &rules::cond_wait_without_signal::RULE,
    &rules::timer_drain_twice::RULE,
    &rules::timer_not_stopped::RULE,
    &rules::ticker_not_stopped::RULE,
    &rules::time_tick_leak::RULE,
    &rules::time_after_in_loop::RULE,
    &rules::long_afterfunc_not_stopped::RULE,
    &rules::unbounded_slice_growth::RULE,
    &rules::unbounded_map_growth::RULE,
    &rules::truncate_keeps_capacity::RULE,
    &rules::subslice_pins_buffer::RULE,
    &rules::body_not_closed::RULE,
];

/// The rule with this code (`LG106`) or name (`lost-cancel`).
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_documented() {
        let mut codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), RULES.len());
        for r in RULES {
            assert!(r.code.starts_with("LG") && r.code.len() == 5, "{}", r.code);
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
                "## Fix safety",
            ] {
                assert!(r.doc.contains(section), "{} lacks {section}", r.code);
            }
        }
    }
}
