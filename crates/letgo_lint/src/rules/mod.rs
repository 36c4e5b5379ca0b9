//! One file per rule: documentation, then the check.

pub mod abandoned_sender;
pub mod body_not_closed;
pub mod cond_wait_without_signal;
pub mod double_lock;
pub mod goroutine_ignores_context;
pub mod lock_held_across_channel_op;
pub mod lock_order_inversion;
pub mod long_afterfunc_not_stopped;
pub mod lost_cancel;
pub mod missing_unlock;
// Channel classes (issue 15): LG108, LG109, LG116.
pub mod goroutine_without_exit;
pub mod left_receive_loop;
pub mod nil_channel_op;
pub mod range_over_unclosed_channel;
pub mod receive_without_sender;
pub mod recursive_rlock;
pub mod recursive_rlock_fresh;
pub mod select_without_exit;
pub mod send_without_receiver;
pub mod subslice_pins_buffer;
pub mod ticker_not_stopped;
pub mod time_after_in_loop;
pub mod time_tick_leak;
pub mod timer_drain_twice;
pub mod timer_not_stopped;
pub mod truncate_keeps_capacity;
pub mod unbounded_map_growth;
pub mod unbounded_slice_growth;
pub mod unreachable_channel;
pub mod wait_before_receive;
pub mod waitgroup_done_skipped;
pub mod waitgroup_misuse;
