//! Does a series of values (goroutines in a group, bytes at a site, one
//! value per snapshot) keep rising? With two to four snapshots the only
//! honest answer is "it never went down and rose by this much"; from five
//! on, the Mann–Kendall test can tell a trend from churn, and the
//! Theil–Sen slope says how fast.
//!
//! A significant trend is not yet a leak: a cache warming up rises and
//! then levels off (a plateau), and one burst of work can lift a series
//! once and leave it there (a step); the Mann–Kendall test calls both
//! significant over a long enough series. So from five snapshots on the
//! series must also keep rising in its later half and must not owe most
//! of its rise to a single jump: the staircase of a leak under steady load.

use crate::trend::{mann_kendall, theil_sen};

/// The fewest snapshots for which the Mann–Kendall test can reach p < 0.05
/// (five rising values give p = 0.027).
pub const MIN_TREND_SNAPSHOTS: usize = 5;

/// The largest share of the whole rise that one step between snapshots
/// may carry before the series counts as a one-off jump.
pub const MAX_STEP_SHARE: f64 = 0.5;

/// The least slope of the series' later half, as a share of the whole
/// series' slope, for it to count as still rising rather than levelled off.
pub const MIN_RECENT_SLOPE_SHARE: f64 = 0.25;

/// Steps of at least this share of the whole rise count as stairs.
pub const MIN_STAIR_SHARE: f64 = 0.1;

/// Stairs that make a rise a staircase (a slice doubling by reallocation)
/// even when its last stair carries half of it.
pub const MIN_STAIRS: usize = 3;

/// The peaks of a series: each value higher than the one before it whose
/// next different value is lower, or that lasts to the end (a run of equal
/// values counts once). The in-use heap of a site that
/// reallocates, or is filled and flushed, saws up and down; its peaks
/// say whether what it holds at its fullest keeps rising.
pub fn peaks(values: &[f64]) -> Vec<f64> {
    let mut out = Vec::new();
    for i in 1..values.len() {
        let rose = values[i] > values[i - 1];
        // The next different value, past a run of equal ones, is lower.
        let next = values[i + 1..].iter().find(|&&v| v != values[i]);
        let holds = next.is_none_or(|&v| v < values[i]);
        if rose && holds {
            out.push(values[i]);
        }
    }
    out
}

/// What a series looks like, judged from five snapshots on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Rises steadily and is still rising: what a leak looks like.
    Rising,
    /// Rose, then levelled off (a cache filling up, a pool starting).
    Plateau,
    /// Most of the rise came in one jump between two snapshots.
    Step,
    /// Up and down with no significant trend, or falling.
    Churn,
    /// Too few snapshots to tell, or the rise is below the rule's minimum.
    Undecided,
}

impl Shape {
    /// The name used in reports (`rising`, `plateau`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Shape::Rising => "rising",
            Shape::Plateau => "plateau",
            Shape::Step => "step",
            Shape::Churn => "churn",
            Shape::Undecided => "undecided",
        }
    }
}

/// When a series counts as growing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GrowthRule {
    /// The least rise from the first to the last snapshot.
    pub min_increase: f64,
    /// The significance level of the Mann–Kendall test.
    pub alpha: f64,
}

/// The assessment of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct Growth {
    /// The values, one per snapshot, oldest first.
    pub values: Vec<f64>,
    /// Last minus first.
    pub increase: f64,
    /// The Theil–Sen slope, per snapshot.
    pub slope_per_snapshot: Option<f64>,
    /// The Mann–Kendall two-sided p-value (three or more snapshots).
    pub p_value: Option<f64>,
    /// No snapshot lower than the one before.
    pub never_decreased: bool,
    /// What the series looks like.
    pub shape: Shape,
    /// The verdict under the rule.
    pub growing: bool,
}

impl Growth {
    /// Assesses `values`; `None` for fewer than two.
    pub fn assess(values: &[f64], rule: &GrowthRule) -> Option<Growth> {
        let (&first, &last) = (values.first()?, values.last()?);
        if values.len() < 2 {
            return None;
        }
        let increase = last - first;
        let xs: Vec<f64> = (0..values.len()).map(|i| i as f64).collect();
        let slope = theil_sen(&xs, values).map(|fit| fit.slope);
        let p_value = mann_kendall(values).map(|mk| mk.p_value);
        let never_decreased = values.windows(2).all(|w| w[1] >= w[0]);
        let big_enough = increase >= rule.min_increase && increase > 0.0;
        let shape = if !big_enough || values.len() < MIN_TREND_SNAPSHOTS {
            Shape::Undecided
        } else if !(p_value.is_some_and(|p| p < rule.alpha) && slope.is_some_and(|s| s > 0.0)) {
            Shape::Churn
        } else {
            rising_shape(values, increase, slope.unwrap_or(0.0), rule)
        };
        let growing = big_enough
            && if values.len() >= MIN_TREND_SNAPSHOTS {
                shape == Shape::Rising
            } else {
                never_decreased
            };
        Some(Growth {
            values: values.to_vec(),
            increase,
            slope_per_snapshot: slope,
            p_value,
            never_decreased,
            shape,
            growing,
        })
    }
}

/// Tells a staircase from a plateau or a step, for a series whose rise is
/// significant and large enough.
fn rising_shape(values: &[f64], increase: f64, slope: f64, rule: &GrowthRule) -> Shape {
    let steps: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    let largest_step = steps.iter().copied().fold(0.0, f64::max);
    // A slice that grows by reallocation doubles: its last step is half
    // the rise, but it took several steps to get there, unlike a one-off
    // jump.
    let big_steps = steps
        .iter()
        .filter(|&&d| d >= MIN_STAIR_SHARE * increase)
        .count();
    if largest_step > MAX_STEP_SHARE * increase
        && big_steps < MIN_STAIRS
        && !rose_before_the_jump(values, &steps, largest_step, rule)
    {
        return Shape::Step;
    }
    let later = &values[values.len() / 2..];
    let xs: Vec<f64> = (0..later.len()).map(|i| i as f64).collect();
    let recent = theil_sen(&xs, later).map_or(0.0, |fit| fit.slope);
    if recent < MIN_RECENT_SLOPE_SHARE * slope {
        return Shape::Plateau;
    }
    Shape::Rising
}

/// The series rose significantly before its largest jump: a leak whose
/// last snapshot caught a reallocation (the new array and the old one both
/// in use until the next GC), not a one-off burst after a flat run.
fn rose_before_the_jump(values: &[f64], steps: &[f64], largest: f64, rule: &GrowthRule) -> bool {
    let Some(jump) = steps.iter().position(|&d| d == largest) else {
        return false;
    };
    let before = &values[..=jump];
    before.len() >= MIN_TREND_SNAPSHOTS && Growth::assess(before, rule).is_some_and(|g| g.growing)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: GrowthRule = GrowthRule {
        min_increase: 10.0,
        alpha: 0.05,
    };

    #[test]
    fn a_staircase_grows_and_churn_does_not() {
        let stairs = Growth::assess(&[0.0, 20.0, 20.0, 40.0, 60.0, 80.0], &RULE).unwrap();
        assert!(stairs.growing, "{stairs:?}");
        assert_eq!(stairs.increase, 80.0);
        let churn = Growth::assess(&[50.0, 10.0, 60.0, 5.0, 55.0, 70.0], &RULE).unwrap();
        assert!(!churn.growing, "{churn:?}");
        assert!(!churn.never_decreased);
    }

    /// Twelve snapshots, as `letgo watch` takes in a short run.
    fn series(f: impl Fn(usize) -> f64) -> Vec<f64> {
        (0..12).map(f).collect()
    }

    /// Deterministic noise in `[-1, 1)` (a linear congruential generator).
    fn noise(seed: u64) -> impl Fn(usize) -> f64 {
        move |i| {
            let x = (seed + i as u64)
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((x >> 33) as f64 / f64::from(1u32 << 31)) * 2.0 - 1.0
        }
    }

    fn shape_of(values: &[f64]) -> (Shape, bool) {
        let g = Growth::assess(values, &RULE).unwrap();
        (g.shape, g.growing)
    }

    #[test]
    fn linear_growth_is_rising_with_the_right_slope() {
        let g = Growth::assess(&series(|i| 100.0 + 7.0 * i as f64), &RULE).unwrap();
        assert_eq!((g.shape, g.growing), (Shape::Rising, true));
        assert_eq!(g.slope_per_snapshot, Some(7.0));
        assert_eq!(g.increase, 77.0);
        // S = 66 of 66 pairs; Var = 12*11*29/18 = 212.67; z = 65/14.58.
        assert!(g.p_value.unwrap() < 1e-5, "{g:?}");
    }

    #[test]
    fn linear_growth_under_noise_is_still_rising() {
        let n = noise(7);
        let values = series(|i| 1000.0 + 50.0 * i as f64 + 40.0 * n(i));
        assert_eq!(shape_of(&values), (Shape::Rising, true), "{values:?}");
    }

    #[test]
    fn a_plateau_is_not_growth() {
        // A cache filling up for five snapshots, then full.
        let values = series(|i| 20.0 * i.min(5) as f64);
        assert_eq!(shape_of(&values), (Shape::Plateau, false));
    }

    #[test]
    fn a_one_off_step_is_not_growth() {
        let values = series(|i| if i < 6 { 10.0 } else { 90.0 });
        let g = Growth::assess(&values, &RULE).unwrap();
        // Significant for Mann–Kendall (p ≈ 0.005), yet one jump.
        assert!(g.p_value.unwrap() < 0.05, "{g:?}");
        assert_eq!((g.shape, g.growing), (Shape::Step, false));
    }

    /// A slice appended to under load, seen without forcing a GC (KiB,
    /// from `watch_under_load`): it rose for 28 snapshots, then the last
    /// one caught a reallocation, old and new arrays both in use. Most of
    /// the rise is that one jump, yet the rise before it is a leak.
    #[test]
    fn a_jump_after_a_steady_rise_is_still_growth() {
        let values = [
            0.0, 344.0, 864.0, 2456.0, 1712.0, 2144.0, 2688.0, 3368.0, 4216.0, 4216.0, 5272.0,
            5272.0, 6592.0, 6592.0, 6592.0, 6592.0, 8248.0, 8248.0, 10312.0, 10312.0, 10312.0,
            10312.0, 10312.0, 10312.0, 12896.0, 12896.0, 12896.0, 12896.0, 12896.0, 29024.0,
        ];
        let g = Growth::assess(&values, &RULE).unwrap();
        assert_eq!((g.shape, g.growing), (Shape::Rising, true), "{g:?}");
    }

    #[test]
    fn sawtooth_churn_is_not_growth() {
        // Filled and flushed every four snapshots, as a batcher does.
        let values = series(|i| 30.0 * (i % 4) as f64);
        assert_eq!(shape_of(&values), (Shape::Churn, false));
    }

    #[test]
    fn noise_around_a_level_is_not_growth() {
        let n = noise(42);
        let values = series(|i| 500.0 + 100.0 * n(i));
        assert!(!shape_of(&values).1, "{values:?}");
        assert_ne!(shape_of(&values).0, Shape::Rising, "{values:?}");
    }

    #[test]
    fn a_staircase_with_several_steps_is_rising() {
        // Flat stretches between rises, as a leak under bursty load.
        let values = series(|i| 25.0 * (i / 3) as f64);
        assert_eq!(shape_of(&values), (Shape::Rising, true), "{values:?}");
    }

    #[test]
    fn few_snapshots_need_a_rise_that_never_dips() {
        assert!(Growth::assess(&[0.0, 30.0], &RULE).unwrap().growing);
        assert!(!Growth::assess(&[0.0, 5.0], &RULE).unwrap().growing);
        assert!(!Growth::assess(&[0.0, 40.0, 30.0], &RULE).unwrap().growing);
        assert!(!Growth::assess(&[30.0, 0.0], &RULE).unwrap().growing);
        assert!(Growth::assess(&[1.0], &RULE).is_none());
    }

    #[test]
    fn a_doubling_slice_is_a_staircase_not_a_step() {
        // Reallocated every third snapshot: 8, 16, 32, 64 MiB.
        let values = series(|i| 8.0 * f64::from(1u32 << (i / 3)));
        let g = Growth::assess(&values, &RULE).unwrap();
        assert_eq!((g.shape, g.growing), (Shape::Rising, true), "{g:?}");
    }

    #[test]
    fn peaks_of_a_rising_saw_rise_and_those_of_a_flat_one_do_not() {
        let rising = [4.0, 8.0, 5.0, 16.0, 9.0, 32.0, 17.0];
        assert_eq!(peaks(&rising), [8.0, 16.0, 32.0]);
        let flat = series(|i| 30.0 * (i % 4) as f64);
        assert_eq!(peaks(&flat), [90.0, 90.0, 90.0]);
        assert_eq!(peaks(&[1.0, 2.0, 2.0, 3.0]), [3.0]);
    }
}
