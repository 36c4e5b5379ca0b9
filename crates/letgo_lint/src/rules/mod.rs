//! One file per rule: documentation, then the check.

pub mod body_not_closed;
pub mod long_afterfunc_not_stopped;
pub mod lost_cancel;
pub mod ticker_not_stopped;
pub mod time_after_in_loop;
pub mod time_tick_leak;
pub mod timer_not_stopped;
