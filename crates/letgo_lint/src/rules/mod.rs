//! One file per rule: documentation, then the check.

pub mod abandoned_sender;
pub mod goroutine_ignores_context;
pub mod lost_cancel;
pub mod range_over_unclosed_channel;
pub mod receive_without_sender;
pub mod select_without_exit;
pub mod send_without_receiver;
