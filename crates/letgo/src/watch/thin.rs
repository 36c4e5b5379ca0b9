//! A series of snapshots that stays bounded however long a run lasts.
//!
//! A watch run can take a sample every ten seconds for days; keeping every
//! decoded snapshot in memory would make letgo itself grow like the leaks
//! it looks for. Past [`MAX_KEPT`] snapshots, every second one is dropped
//! and from then on only every second sample is kept, and so on: the kept
//! snapshots stay evenly spaced (the trend tests count in snapshots, so
//! uneven spacing would bend the slope), span the whole run, and the latest
//! sample is always there as well, since pile-ups are judged on it. Every
//! profile stays on disk in the run folder.

/// The most evenly spaced snapshots kept per series (the latest sample
/// comes on top). The trend test needs five; this is plenty for a slope.
pub const MAX_KEPT: usize = 128;

/// Snapshots at every `stride`-th sample, then the latest sample if it fell
/// between two.
#[derive(Debug)]
pub struct Thinned<T> {
    items: Vec<T>,
    stride: u64,
    pushed: u64,
    /// The last item is the latest sample, off the stride.
    extra_tail: bool,
    max_kept: usize,
}

impl<T> Default for Thinned<T> {
    fn default() -> Self {
        Self::with_max(MAX_KEPT)
    }
}

impl<T> Thinned<T> {
    /// A series keeping at most `max_kept` evenly spaced snapshots (at
    /// least two, rounded up to even).
    pub fn with_max(max_kept: usize) -> Self {
        Thinned {
            items: Vec::new(),
            stride: 1,
            pushed: 0,
            extra_tail: false,
            // Even, so that halving `max_kept + 1` snapshots keeps the newest.
            max_kept: max_kept.max(2).next_multiple_of(2),
        }
    }

    /// Adds the next sample's snapshot.
    pub fn push(&mut self, item: T) {
        if self.extra_tail {
            self.items.pop();
        }
        let on_stride = self.pushed.is_multiple_of(self.stride);
        self.pushed += 1;
        self.items.push(item);
        self.extra_tail = !on_stride;
        if on_stride && self.items.len() > self.max_kept {
            self.halve();
        }
    }

    /// Keeps every second snapshot and doubles the stride.
    fn halve(&mut self) {
        let mut position = 0;
        self.items.retain(|_| {
            position += 1;
            position % 2 == 1
        });
        self.stride *= 2;
    }

    /// The snapshots kept, oldest first.
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_series_keeps_everything() {
        let mut t = Thinned::with_max(8);
        for i in 0..8 {
            t.push(i);
        }
        assert_eq!(t.as_slice(), [0, 1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn a_long_series_stays_bounded_even_and_whole() {
        let mut t = Thinned::with_max(8);
        for i in 0..1000 {
            t.push(i);
            let kept = t.as_slice();
            assert!(kept.len() <= 9, "{kept:?}");
            assert_eq!(kept[0], 0);
            assert_eq!(*kept.last().unwrap(), i, "the latest sample is kept");
            let regular = if t.extra_tail {
                &kept[..kept.len() - 1]
            } else {
                kept
            };
            let gaps: Vec<_> = regular.windows(2).map(|w| w[1] - w[0]).collect();
            assert!(gaps.iter().all(|&g| g == gaps[0]), "{kept:?}");
        }
        assert!(t.stride >= 128);
    }
}
