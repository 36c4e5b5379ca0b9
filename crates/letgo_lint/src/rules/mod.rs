//! One file per rule: documentation, then the check.

pub mod lost_cancel;
