//! Snapshots in the order they were taken, whatever order they were given
//! in: a shell's `heap*.pb.gz` lists `heap10` before `heap2`, and a series
//! read out of order shows falls that are not there and hides rises that
//! are.

use std::sync::Arc;

use crate::{GoroutineSnapshot, HeapSnapshot};

/// A snapshot that knows when it was taken.
pub trait Taken {
    /// Unix nanoseconds, when known.
    fn taken_nanos(&self) -> Option<i64>;
    /// The input's name.
    fn input_name(&self) -> &Arc<str>;
}

impl Taken for GoroutineSnapshot {
    fn taken_nanos(&self) -> Option<i64> {
        self.time_nanos
    }
    fn input_name(&self) -> &Arc<str> {
        &self.name
    }
}

impl Taken for HeapSnapshot {
    fn taken_nanos(&self) -> Option<i64> {
        self.time_nanos
    }
    fn input_name(&self) -> &Arc<str> {
        &self.name
    }
}

/// Sorts `items` oldest first when every one has a time and they are not
/// in that order already (ties keep the order given). Returns the names
/// in their new order when anything moved; `None` when nothing did, or
/// when some time is unknown (then nothing can be said).
pub fn into_time_order<T: Taken>(items: &mut [T]) -> Option<Vec<Arc<str>>> {
    if items.iter().any(|i| i.taken_nanos().is_none()) {
        return None;
    }
    if items
        .windows(2)
        .all(|w| w[0].taken_nanos() <= w[1].taken_nanos())
    {
        return None;
    }
    items.sort_by_key(Taken::taken_nanos);
    Some(items.iter().map(|i| Arc::clone(i.input_name())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heap(name: &str, time: Option<i64>) -> HeapSnapshot {
        let mut h = HeapSnapshot::new(name);
        h.time_nanos = time;
        h
    }

    fn names(items: &[HeapSnapshot]) -> Vec<&str> {
        items.iter().map(|h| &*h.name).collect()
    }

    #[test]
    fn sorts_by_time_keeping_ties_in_order() {
        let mut items = vec![
            heap("1", Some(10)),
            heap("10", Some(100)),
            heap("2", Some(20)),
            heap("2b", Some(20)),
        ];
        let moved = into_time_order(&mut items).expect("moved");
        assert_eq!(names(&items), ["1", "2", "2b", "10"]);
        assert_eq!(moved.len(), 4);
        assert_eq!(into_time_order(&mut items), None, "already in order");
    }

    #[test]
    fn an_unknown_time_leaves_the_order_given() {
        let mut items = vec![heap("b", Some(2)), heap("a", None)];
        assert_eq!(into_time_order(&mut items), None);
        assert_eq!(names(&items), ["b", "a"]);
    }
}
