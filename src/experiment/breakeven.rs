//! Break-even: the value of one scenario field at which two variants cost the same, found by
//! bisection on simulation runs (each point the mean of its replications, paired by seed).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::stats::Estimate;
use super::{ExperimentError, Overrides, replicate, variant_index};
use crate::scenario::sweep::{self, Form, Step, Sweep};
use crate::scenario::{Scenario, parse};

/// What to search.
#[derive(Clone, Debug)]
pub struct BreakevenSpec {
    /// The field to vary, e.g. `traffic.arrivals.rate_per_s`.
    pub vary: String,
    /// The range searched, both ends evaluated.
    pub between: (f64, f64),
    /// The two variants compared (default: the scenario's two).
    pub variants: Option<(String, String)>,
    /// Seeds per evaluation.
    pub replications: u32,
    /// Stop when the bracket is this narrow (default: 1/1000 of the range; 1 for integers).
    pub tolerance: Option<f64>,
    /// Evenly spaced evaluations drawn as the cost curves (besides the bisection's).
    pub curve_points: usize,
    /// Seed and horizon overrides.
    pub overrides: Overrides,
}

/// Both costs at one value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The value of the varied field.
    pub x: f64,
    /// Cost of the first variant over the horizon, USD.
    pub cost_a: Estimate,
    /// Cost of the second.
    pub cost_b: Estimate,
    /// First minus second, paired by seed.
    pub diff: Estimate,
}

/// The crossing found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Breakeven {
    /// Scenario name.
    pub scenario: String,
    /// The varied field.
    pub vary: String,
    /// The two variants.
    pub variant_a: String,
    /// The second variant.
    pub variant_b: String,
    /// Seeds per evaluation.
    pub replications: u32,
    /// Where the costs cross: linear interpolation inside the final bracket.
    pub crossing: f64,
    /// The final bracket: the costs' order differs at its two ends.
    pub bracket: (f64, f64),
    /// The bisection's stopping width.
    pub tolerance: f64,
    /// Values whose cost difference was not distinguishable from zero (95 % interval containing
    /// 0) together with the bracket: the crossing lies here allowing for noise.
    pub noise_band: (f64, f64),
    /// Which variant is cheaper below the crossing.
    pub cheaper_below: String,
    /// Every evaluation, by value.
    pub evaluations: Vec<Evaluation>,
}

fn sign(e: &Estimate) -> bool {
    e.mean > 0.0
}

/// Search the crossing; `progress` is told about each evaluation.
pub fn breakeven(
    text: &str,
    file: &str,
    spec: &BreakevenSpec,
    progress: &(dyn Fn(&Evaluation) + Sync),
) -> Result<Breakeven, ExperimentError> {
    let (path, form) = field_to_vary(text, file, &spec.vary, "break-even")?;
    let (a, b) = spec.between;
    if !(a.is_finite() && b.is_finite() && a < b) {
        return Err(ExperimentError::Invalid(format!(
            "--between {a},{b}: give two numbers, the smaller first"
        )));
    }
    // Whole numbers only where the field takes nothing else (a fraction fails to validate).
    let integer = form == Form::Integer
        && a.fract() == 0.0
        && b.fract() == 0.0
        && !sweep::takes_fractions(text, file, &[], &path, a);
    let form = match form {
        Form::Integer if !integer => Form::Float,
        f => f,
    };
    // Validate once at the low end, and pick the variants.
    let base = at(text, file, &path, form, a, spec.overrides)?;
    let (name_a, name_b) = match &spec.variants {
        Some((x, y)) => (x.clone(), y.clone()),
        None if base.variants.len() == 2 => {
            (base.variants[0].name.clone(), base.variants[1].name.clone())
        }
        None => {
            return Err(ExperimentError::Invalid(format!(
                "the scenario has {} variants; say which two to compare with --variants A,B",
                base.variants.len()
            )));
        }
    };
    variant_index(&base, &name_a)?;
    variant_index(&base, &name_b)?;
    let eval = |x: f64| -> Result<Evaluation, ExperimentError> {
        let mut s = at(text, file, &path, form, x, spec.overrides)?;
        s.variants.retain(|v| v.name == name_a || v.name == name_b);
        let ia = variant_index(&s, &name_a)?;
        let ib = variant_index(&s, &name_b)?;
        let reports = replicate(&s, spec.replications)?;
        let ca: Vec<f64> = reports
            .iter()
            .map(|r| r.variants[ia].cost.total_usd)
            .collect();
        let cb: Vec<f64> = reports
            .iter()
            .map(|r| r.variants[ib].cost.total_usd)
            .collect();
        let d: Vec<f64> = ca.iter().zip(&cb).map(|(x, y)| x - y).collect();
        let e = Evaluation {
            x,
            cost_a: Estimate::of(&ca),
            cost_b: Estimate::of(&cb),
            diff: Estimate::of(&d),
        };
        progress(&e);
        Ok(e)
    };
    // The curve (both ends included), in parallel.
    let n = spec.curve_points.max(2);
    let xs: Vec<f64> = (0..n)
        .map(|i| {
            let x = a + (b - a) * i as f64 / (n - 1) as f64;
            if integer { x.round() } else { x }
        })
        .collect();
    let mut evaluations: Vec<Evaluation> =
        xs.par_iter().map(|&x| eval(x)).collect::<Result<_, _>>()?;
    let (first, last) = (evaluations[0], evaluations[n - 1]);
    if sign(&first.diff) == sign(&last.diff) {
        let cheaper = if first.diff.mean > 0.0 {
            &name_b
        } else {
            &name_a
        };
        return Err(ExperimentError::Invalid(format!(
            "no crossing between {a} and {b}: {cheaper} is cheaper at both ends \
             ({name_a} ${:.6} vs {name_b} ${:.6} at {a}; ${:.6} vs ${:.6} at {b}); widen --between",
            first.cost_a.mean, first.cost_b.mean, last.cost_a.mean, last.cost_b.mean
        )));
    }
    // Start bisecting from the curve's tightest bracket.
    let k = (1..n)
        .find(|&k| sign(&evaluations[k].diff) != sign(&evaluations[k - 1].diff))
        .expect("the ends differ in sign, so some neighbours do");
    let (mut lo, mut hi) = (evaluations[k - 1], evaluations[k]);
    let tolerance = spec
        .tolerance
        .unwrap_or(if integer { 1.0 } else { (b - a) / 1_000.0 });
    for _ in 0..64 {
        if hi.x - lo.x <= tolerance {
            break;
        }
        let mut mid = (lo.x + hi.x) / 2.0;
        if integer {
            mid = mid.floor();
            if mid <= lo.x {
                break;
            }
        }
        let m = eval(mid)?;
        evaluations.push(m);
        if sign(&m.diff) == sign(&lo.diff) {
            lo = m;
        } else {
            hi = m;
        }
    }
    evaluations.sort_by(|p, q| p.x.total_cmp(&q.x));
    evaluations.dedup_by(|p, q| p.x == q.x);
    let (dl, dh) = (lo.diff.mean, hi.diff.mean);
    let crossing = if dl == dh {
        (lo.x + hi.x) / 2.0
    } else {
        lo.x + (hi.x - lo.x) * dl / (dl - dh)
    };
    let mut band = (lo.x, hi.x);
    for e in &evaluations {
        if let Some((l, h)) = e.diff.ci95
            && l <= 0.0
            && h >= 0.0
        {
            band = (band.0.min(e.x), band.1.max(e.x));
        }
    }
    Ok(Breakeven {
        scenario: base.name.clone(),
        vary: spec.vary.clone(),
        cheaper_below: if first.diff.mean < 0.0 {
            name_a.clone()
        } else {
            name_b.clone()
        },
        variant_a: name_a,
        variant_b: name_b,
        replications: spec.replications.max(1),
        crossing,
        bracket: (lo.x, hi.x),
        tolerance,
        noise_band: band,
        evaluations,
    })
}

/// The field `vary` names in a scenario without sweeps (`what` varies it, for the message).
pub(super) fn field_to_vary(
    text: &str,
    file: &str,
    vary: &str,
    what: &str,
) -> Result<(Vec<Step>, Form), ExperimentError> {
    let sweep = Sweep::parse(text, file)?;
    if let Some(axis) = sweep.axes.first() {
        return Err(ExperimentError::Invalid(format!(
            "{file} sweeps {}; {what} varies one field itself — give the field a single value",
            axis.name
        )));
    }
    sweep::resolve_path(text, vary)
        .map_err(|e| ExperimentError::Invalid(format!("--vary {vary}: {e}")))
}

/// The scenario with the field at `path` set to `x`.
pub(super) fn at(
    text: &str,
    file: &str,
    path: &[Step],
    form: Form,
    x: f64,
    overrides: Overrides,
) -> Result<Scenario, ExperimentError> {
    let t = sweep::set_values(text, file, &[(path, x, form)])?;
    let mut s = parse(&t, file)?;
    overrides.apply(&mut s);
    Ok(s)
}
