//! Does a series of values (goroutines in a group, bytes at a site, one
//! value per snapshot) keep rising? With two to four snapshots the only
//! honest answer is "it never went down and rose by this much"; from five
//! on, the Mann–Kendall test can tell a trend from churn, and the
//! Theil–Sen slope says how fast.

use crate::trend::{mann_kendall, theil_sen};

/// The fewest snapshots for which the Mann–Kendall test can reach p < 0.05
/// (five rising values give p = 0.027).
pub const MIN_TREND_SNAPSHOTS: usize = 5;

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
        let growing = big_enough
            && if values.len() >= MIN_TREND_SNAPSHOTS {
                p_value.is_some_and(|p| p < rule.alpha) && slope.is_some_and(|s| s > 0.0)
            } else {
                never_decreased
            };
        Some(Growth {
            values: values.to_vec(),
            increase,
            slope_per_snapshot: slope,
            p_value,
            never_decreased,
            growing,
        })
    }
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

    #[test]
    fn few_snapshots_need_a_rise_that_never_dips() {
        assert!(Growth::assess(&[0.0, 30.0], &RULE).unwrap().growing);
        assert!(!Growth::assess(&[0.0, 5.0], &RULE).unwrap().growing);
        assert!(!Growth::assess(&[0.0, 40.0, 30.0], &RULE).unwrap().growing);
        assert!(!Growth::assess(&[30.0, 0.0], &RULE).unwrap().growing);
        assert!(Growth::assess(&[1.0], &RULE).is_none());
    }
}
