//! Means, standard deviations and Student-t confidence intervals over replications.

use serde::{Deserialize, Serialize};

/// Two-sided 97.5 % quantiles of Student's t for 1–30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The 0.975 quantile of Student's t with `df` degrees of freedom: the table up to 30, then the
/// Cornish–Fisher expansion around the normal quantile (error below 1e-4 from 30 on).
pub fn t975(df: usize) -> f64 {
    if df == 0 {
        return f64::NAN;
    }
    if df <= T975.len() {
        return T975[df - 1];
    }
    let z: f64 = 1.959_964;
    let n = df as f64;
    z + (z.powi(3) + z) / (4.0 * n)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
}

/// A figure over replications: its mean and, with two or more, its spread and 95 % interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (`None` from one value).
    pub sd: Option<f64>,
    /// 95 % confidence interval of the mean, Student t (`None` from one value).
    pub ci95: Option<(f64, f64)>,
}

impl Estimate {
    /// The estimate from `values` (at least one).
    pub fn of(values: &[f64]) -> Estimate {
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Estimate {
                mean,
                sd: None,
                ci95: None,
            };
        }
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        let half = t975(n - 1) * sd / (n as f64).sqrt();
        Estimate {
            mean,
            sd: Some(sd),
            ci95: Some((mean - half, mean + half)),
        }
    }

    /// Half the width of the interval (0 without one).
    pub fn half_width(&self) -> f64 {
        self.ci95.map_or(0.0, |(lo, hi)| (hi - lo) / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_and_intervals() {
        assert_eq!(t975(9), 2.262);
        // Beyond the table the expansion continues it smoothly: t(40) = 2.021, t(120) = 1.980.
        assert!((t975(40) - 2.021).abs() < 1e-3);
        assert!((t975(120) - 1.980).abs() < 1e-3);
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(e.mean, 2.5);
        let sd = (5.0f64 / 3.0).sqrt();
        assert!((e.sd.unwrap() - sd).abs() < 1e-12);
        let (lo, hi) = e.ci95.unwrap();
        assert!(
            (hi - 2.5 - 3.182 * sd / 2.0).abs() < 1e-12 && (2.5 - lo - (hi - 2.5)).abs() < 1e-12
        );
        assert_eq!(Estimate::of(&[7.0]).ci95, None);
    }
}
