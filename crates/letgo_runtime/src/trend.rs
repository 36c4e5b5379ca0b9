//! Robust trend statistics for short series of snapshots: the Theil–Sen
//! slope (the median of all pairwise slopes, so one outlier cannot tilt it)
//! and the Mann–Kendall test (does the series rise or fall more often than
//! chance allows?). Together they tell a staircase that never comes down
//! from churn that goes up and down.

/// A line fitted by Theil–Sen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TheilSen {
    /// The median of `(y_j - y_i) / (x_j - x_i)` over all pairs `i < j`.
    pub slope: f64,
    /// The median of `y_i - slope * x_i`.
    pub intercept: f64,
}

/// Fits `ys` against `xs` (pairs with equal `x` are skipped). `None` when
/// there are fewer than two distinct `x` values or the lengths differ.
pub fn theil_sen(xs: &[f64], ys: &[f64]) -> Option<TheilSen> {
    if xs.len() != ys.len() {
        return None;
    }
    let mut slopes = Vec::new();
    for i in 0..xs.len() {
        for j in i + 1..xs.len() {
            let dx = xs[j] - xs[i];
            if dx != 0.0 {
                slopes.push((ys[j] - ys[i]) / dx);
            }
        }
    }
    let slope = median(&mut slopes)?;
    let mut offsets: Vec<f64> = xs.iter().zip(ys).map(|(x, y)| y - slope * x).collect();
    let intercept = median(&mut offsets)?;
    Some(TheilSen { slope, intercept })
}

/// The Mann–Kendall trend test of a series in time order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    /// `S`: rises minus falls over all pairs `i < j`.
    pub s: i64,
    /// The variance of `S` under "no trend", corrected for ties.
    pub variance: f64,
    /// The normal score, with a continuity correction of one.
    pub z: f64,
    /// The two-sided p-value: the chance of an `|S|` this large without a trend.
    pub p_value: f64,
}

/// Runs the test; `None` for fewer than three values, where no order can
/// be told from chance.
pub fn mann_kendall(ys: &[f64]) -> Option<MannKendall> {
    let n = ys.len();
    if n < 3 {
        return None;
    }
    let mut s = 0i64;
    for i in 0..n {
        for j in i + 1..n {
            s += match ys[j].partial_cmp(&ys[i]) {
                Some(std::cmp::Ordering::Greater) => 1,
                Some(std::cmp::Ordering::Less) => -1,
                _ => 0,
            };
        }
    }
    let term = |t: f64| t * (t - 1.0) * (2.0 * t + 5.0);
    let ties: f64 = tie_sizes(ys).into_iter().map(|t| term(t as f64)).sum();
    let variance = (term(n as f64) - ties) / 18.0;
    let z = if variance <= 0.0 || s == 0 {
        0.0
    } else {
        (s - s.signum()) as f64 / variance.sqrt()
    };
    let p_value = erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0);
    Some(MannKendall {
        s,
        variance,
        z,
        p_value,
    })
}

/// The sizes of the groups of equal values (groups of one left out).
fn tie_sizes(ys: &[f64]) -> Vec<usize> {
    let mut sorted = ys.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut sizes = Vec::new();
    let mut run = 1;
    for w in sorted.windows(2) {
        if w[0] == w[1] {
            run += 1;
        } else {
            if run > 1 {
                sizes.push(run);
            }
            run = 1;
        }
    }
    if run > 1 {
        sizes.push(run);
    }
    sizes
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

/// The complementary error function (Numerical Recipes' `erfcc`, a
/// Chebyshev fit with fractional error below 1.2e-7 everywhere): enough for
/// a p-value, and no crate needed.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn theil_sen_ignores_one_outlier() {
        // y = 2x + 1 except one wild point; by hand: of the 10 pairwise
        // slopes, 6 are exactly 2, so the median is 2.
        let xs = [0.0, 1.0, 2.0, 3.0, 4.0];
        let ys = [1.0, 3.0, 100.0, 7.0, 9.0];
        let fit = theil_sen(&xs, &ys).unwrap();
        assert_eq!(fit.slope, 2.0);
        // Offsets y - 2x: 1, 1, 96, 1, 1 → median 1.
        assert_eq!(fit.intercept, 1.0);
    }

    #[test]
    fn theil_sen_even_number_of_slopes() {
        // Pairs: (0,1): 1, (0,2): 1.5, (1,2): 2 → median 1.5.
        let fit = theil_sen(&[0.0, 1.0, 2.0], &[0.0, 1.0, 3.0]).unwrap();
        assert_eq!(fit.slope, 1.5);
        // Offsets 0, -0.5, 0 → median 0.
        assert_eq!(fit.intercept, 0.0);
        assert!(theil_sen(&[1.0, 1.0], &[0.0, 5.0]).is_none());
        assert!(theil_sen(&[1.0], &[0.0, 5.0]).is_none());
    }

    #[test]
    fn mann_kendall_strictly_rising_five() {
        // S = 10 (all pairs rise); Var = 5*4*15/18 = 16.6667;
        // z = 9/4.0825 = 2.2045; p = 2(1 - Φ(2.2045)) = 0.02749.
        let mk = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(mk.s, 10);
        assert!(close(mk.variance, 16.666_667, 1e-5), "{mk:?}");
        assert!(close(mk.z, 2.204_541, 1e-5), "{mk:?}");
        assert!(close(mk.p_value, 0.027_486, 1e-5), "{mk:?}");
    }

    #[test]
    fn mann_kendall_with_ties_and_falls() {
        // 3, 1, 3, 2: pairs (3,1) -1, (3,3) 0, (3,2) -1, (1,3) +1, (1,2) +1,
        // (3,2) -1 → S = -1. Ties: one group of two:
        // Var = (4*3*13 - 2*1*9)/18 = (156 - 18)/18 = 7.6667; z = 0.
        let mk = mann_kendall(&[3.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(mk.s, -1);
        assert!(close(mk.variance, 7.666_667, 1e-5), "{mk:?}");
        assert_eq!(mk.z, 0.0);
        assert!(close(mk.p_value, 1.0, 1e-6), "{mk:?}");
    }

    #[test]
    fn mann_kendall_falling_six() {
        // S = -15; Var = 6*5*17/18 = 28.3333; z = -14/5.3229 = -2.63014;
        // p = 0.008535.
        let mk = mann_kendall(&[6.0, 5.0, 4.0, 3.0, 2.0, 1.0]).unwrap();
        assert_eq!(mk.s, -15);
        assert!(close(mk.z, -2.630_142, 1e-5), "{mk:?}");
        assert!(close(mk.p_value, 0.008_535, 1e-5), "{mk:?}");
        assert!(mann_kendall(&[1.0, 2.0]).is_none());
    }

    #[test]
    fn erfc_known_values() {
        assert!(close(erfc(0.0), 1.0, 1e-7));
        assert!(close(erfc(1.0), 0.157_299_2, 1e-7));
        assert!(close(erfc(-1.0), 1.842_700_8, 1e-7));
    }
}
