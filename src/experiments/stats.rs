//! The statistics of a comparison: a proportion's 95 % interval (Wilson), the
//! two-proportion z-test, and when a winner may be called.

use serde::Serialize;

/// z for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;
/// Replies each version needs before a winner may be called.
pub const MIN_REPLIES_PER_VERSION: u64 = 30;
/// The p-value below which a difference counts.
pub const SIGNIFICANCE: f64 = 0.05;

/// A proportion with its 95 % Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Proportion {
    pub successes: u64,
    pub trials: u64,
    pub rate: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl Proportion {
    pub fn new(successes: u64, trials: u64) -> Proportion {
        if trials == 0 {
            return Proportion {
                successes,
                trials,
                rate: None,
                low: None,
                high: None,
            };
        }
        let n = trials as f64;
        let p = successes as f64 / n;
        let z2 = Z95 * Z95;
        let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
        let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        Proportion {
            successes,
            trials,
            rate: Some(p),
            low: Some((centre - half).max(0.0)),
            high: Some((centre + half).min(1.0)),
        }
    }
}

/// The standard normal cumulative distribution, |error| < 1.5e-7 (Abramowitz & Stegun
/// 7.1.26 for erf).
pub fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// The two-proportion z-test of `a` against `b`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    /// a's rate minus b's.
    pub difference: f64,
    /// 95 % interval of the difference (unpooled standard error).
    pub low: f64,
    pub high: f64,
    pub z: f64,
    /// Two-sided.
    pub p_value: f64,
}

/// `None` when either side has no trials or both rates are 0 or 1 (no variance).
pub fn two_proportion(a: &Proportion, b: &Proportion) -> Option<Comparison> {
    if a.trials == 0 || b.trials == 0 {
        return None;
    }
    let (n1, n2) = (a.trials as f64, b.trials as f64);
    let (p1, p2) = (a.successes as f64 / n1, b.successes as f64 / n2);
    let pooled = (a.successes + b.successes) as f64 / (n1 + n2);
    let se_pooled = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se_pooled == 0.0 {
        return None;
    }
    let z = (p1 - p2) / se_pooled;
    let se = (p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2).sqrt();
    Some(Comparison {
        difference: p1 - p2,
        low: p1 - p2 - Z95 * se,
        high: p1 - p2 + Z95 * se,
        z,
        p_value: (2.0 * (1.0 - normal_cdf(z.abs()))).clamp(0.0, 1.0),
    })
}

/// Whether a winner can be called, and which.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verdict {
    /// Fewer than two versions have replies.
    NothingToCompare,
    /// Some version has fewer than [`MIN_REPLIES_PER_VERSION`] replies.
    NotEnoughData { needed: u64, smallest: u64 },
    /// Enough replies, but the best is not significantly better than every other.
    NoClearWinner { leader: String, p_value: f64 },
    /// The best version's acceptance beats every other at p < [`SIGNIFICANCE`].
    Winner { version: String, p_value: f64 },
}

/// Calls a winner by acceptance among `versions` (name, acceptance), when the data allow.
pub fn verdict(versions: &[(String, Proportion)]) -> Verdict {
    if versions.len() < 2 {
        return Verdict::NothingToCompare;
    }
    let smallest = versions.iter().map(|(_, p)| p.trials).min().unwrap_or(0);
    if smallest < MIN_REPLIES_PER_VERSION {
        return Verdict::NotEnoughData {
            needed: MIN_REPLIES_PER_VERSION,
            smallest,
        };
    }
    let (leader, best) = versions
        .iter()
        .max_by(|a, b| {
            let ra = a.1.rate.unwrap_or(0.0);
            let rb = b.1.rate.unwrap_or(0.0);
            ra.total_cmp(&rb).then_with(|| b.0.cmp(&a.0))
        })
        .expect("two versions at least");
    let worst_p = versions
        .iter()
        .filter(|(name, _)| name != leader)
        .map(|(_, other)| {
            two_proportion(best, other)
                .filter(|c| c.difference > 0.0)
                .map_or(1.0, |c| c.p_value)
        })
        .fold(0.0_f64, f64::max);
    if worst_p < SIGNIFICANCE {
        Verdict::Winner {
            version: leader.clone(),
            p_value: worst_p,
        }
    } else {
        Verdict::NoClearWinner {
            leader: leader.clone(),
            p_value: worst_p,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    #[test]
    fn the_normal_cdf_matches_tables() {
        assert!(close(normal_cdf(0.0), 0.5, 1e-7));
        assert!(close(normal_cdf(1.96), 0.975_002, 1e-5));
        assert!(close(normal_cdf(-1.0), 0.158_655, 1e-5));
        assert!(close(normal_cdf(2.575_829), 0.995, 1e-5));
    }

    #[test]
    fn wilson_interval_known_values() {
        // 60 of 100: Wilson 95 % interval 0.5020..0.6906.
        let p = Proportion::new(60, 100);
        assert_eq!(p.rate, Some(0.6));
        assert!(close(p.low.unwrap(), 0.5020, 1e-4), "{p:?}");
        assert!(close(p.high.unwrap(), 0.6906, 1e-4), "{p:?}");
        // 0 of 10: the interval still has width.
        let zero = Proportion::new(0, 10);
        assert_eq!(zero.low, Some(0.0));
        assert!(close(zero.high.unwrap(), 0.2775, 1e-4), "{zero:?}");
        assert_eq!(Proportion::new(0, 0).rate, None);
    }

    #[test]
    fn two_proportion_z_test_known_values() {
        // 60/100 against 45/100: pooled 0.525, z = 2.1240, p = 0.0337.
        let c = two_proportion(&Proportion::new(60, 100), &Proportion::new(45, 100)).unwrap();
        assert!(close(c.z, 2.1240, 1e-4), "{c:?}");
        assert!(close(c.p_value, 0.0337, 1e-4), "{c:?}");
        assert!(close(c.difference, 0.15, 1e-12));
        // Unpooled interval: 0.15 ± 1.96 × 0.06982 = 0.0132..0.2868.
        assert!(
            close(c.low, 0.0132, 1e-4) && close(c.high, 0.2868, 1e-4),
            "{c:?}"
        );
        // Symmetric.
        let back = two_proportion(&Proportion::new(45, 100), &Proportion::new(60, 100)).unwrap();
        assert!(close(back.z, -c.z, 1e-12) && close(back.p_value, c.p_value, 1e-12));
        assert!(two_proportion(&Proportion::new(0, 0), &Proportion::new(1, 2)).is_none());
        assert!(two_proportion(&Proportion::new(5, 5), &Proportion::new(7, 7)).is_none());
    }

    #[test]
    fn a_winner_needs_data_and_significance() {
        let v = |name: &str, s, n| (name.to_string(), Proportion::new(s, n));
        assert_eq!(verdict(&[v("a", 5, 10)]), Verdict::NothingToCompare);
        assert_eq!(
            verdict(&[v("a", 9, 10), v("b", 1, 10)]),
            Verdict::NotEnoughData {
                needed: MIN_REPLIES_PER_VERSION,
                smallest: 10
            }
        );
        match verdict(&[v("a", 60, 100), v("b", 45, 100)]) {
            Verdict::Winner { version, p_value } => {
                assert_eq!(version, "a");
                assert!(close(p_value, 0.0337, 1e-4));
            }
            other => panic!("{other:?}"),
        }
        match verdict(&[v("a", 52, 100), v("b", 50, 100)]) {
            Verdict::NoClearWinner { leader, p_value } => {
                assert_eq!(leader, "a");
                assert!(p_value > 0.5);
            }
            other => panic!("{other:?}"),
        }
        // Three versions: the leader must beat each of the others.
        assert!(matches!(
            verdict(&[v("a", 60, 100), v("b", 45, 100), v("c", 58, 100)]),
            Verdict::NoClearWinner { .. }
        ));
    }
}
