//! The pprof label sets of a goroutine group, each with its own count:
//! 80 goroutines of tenant t1 and 40 of t2 at one site are two facts, not
//! one group "tenant=t1,t2", and 5 labelled goroutines among 55 are not
//! 55 labelled ones.

use std::collections::BTreeMap;

/// One goroutine's labels, by key.
pub type LabelSet = BTreeMap<String, String>;

/// Distinct label sets kept per group, so that a label with a request id
/// per goroutine cannot grow a group without bound.
pub const MAX_LABEL_SETS: usize = 16;

/// How many goroutines of a group carry each label set (no labels is a
/// set of its own).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSets {
    /// The least [`MAX_LABEL_SETS`] sets (the same ones whatever order
    /// the goroutines were read in), with their counts.
    pub sets: BTreeMap<LabelSet, u64>,
    /// Goroutines whose set was not kept.
    pub other: u64,
}

impl LabelSets {
    /// Counts `count` goroutines with `labels`.
    pub fn add(&mut self, labels: &[(String, String)], count: u64) {
        let set: LabelSet = labels.iter().cloned().collect();
        self.add_set(set, count);
    }

    fn add_set(&mut self, set: LabelSet, count: u64) {
        if let Some(n) = self.sets.get_mut(&set) {
            *n += count;
            return;
        }
        let full = self.sets.len() >= MAX_LABEL_SETS;
        if full
            && self
                .sets
                .last_key_value()
                .is_some_and(|(max, _)| &set > max)
        {
            self.other += count;
            return;
        }
        self.sets.insert(set, count);
        if self.sets.len() > MAX_LABEL_SETS {
            if let Some((_, n)) = self.sets.pop_last() {
                self.other += n;
            }
        }
    }

    /// Adds the counts of another group of the same key.
    pub fn absorb(&mut self, from: LabelSets) {
        for (set, n) in from.sets {
            self.add_set(set, n);
        }
        self.other += from.other;
    }

    /// Whether no goroutine carries a label.
    pub fn is_unlabelled(&self) -> bool {
        self.other == 0 && self.sets.keys().all(BTreeMap::is_empty)
    }

    /// `80 × endpoint=/a tenant=t1; 40 × endpoint=/a tenant=t2; 30 × no
    /// labels`, most goroutines first; `None` when none has labels.
    pub fn describe(&self) -> Option<String> {
        if self.is_unlabelled() {
            return None;
        }
        let mut sets: Vec<(&LabelSet, u64)> = self.sets.iter().map(|(s, n)| (s, *n)).collect();
        sets.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let mut parts: Vec<String> = sets
            .into_iter()
            .map(|(set, n)| format!("{n} × {}", set_text(set)))
            .collect();
        if self.other > 0 {
            parts.push(format!("{} × other label sets", self.other));
        }
        Some(parts.join("; "))
    }
}

/// `endpoint=/a tenant=t1`, or `no labels`.
pub fn set_text(set: &LabelSet) -> String {
    if set.is_empty() {
        return "no labels".into();
    }
    set.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn each_set_keeps_its_own_count() {
        let mut sets = LabelSets::default();
        sets.add(&labels(&[("endpoint", "/a"), ("tenant", "t1")]), 80);
        sets.add(&labels(&[("tenant", "t2"), ("endpoint", "/a")]), 40);
        sets.add(&[], 30);
        assert_eq!(
            sets.describe().unwrap(),
            "80 × endpoint=/a tenant=t1; 40 × endpoint=/a tenant=t2; 30 × no labels"
        );
        let mut unlabelled = LabelSets::default();
        unlabelled.add(&[], 55);
        assert_eq!(unlabelled.describe(), None);
    }

    #[test]
    fn the_kept_sets_do_not_depend_on_reading_order() {
        let ids: Vec<String> = (0..40).map(|i| format!("r{i:02}")).collect();
        let mut forward = LabelSets::default();
        for id in &ids {
            forward.add(&labels(&[("request", id)]), 1);
        }
        let (mut a, mut b) = (LabelSets::default(), LabelSets::default());
        for (i, id) in ids.iter().rev().enumerate() {
            let part = if i % 3 == 0 { &mut a } else { &mut b };
            part.add(&labels(&[("request", id)]), 1);
        }
        a.absorb(b);
        assert_eq!(a, forward);
        assert_eq!((forward.sets.len(), forward.other), (16, 24));
    }
}
