//! Break-even: the value of one scenario field at which two variants cost the same, found by
//! bisection on simulation runs (each point the mean of its replications, paired by seed).

use crate::par::*;
use serde::{Deserialize, Serialize};

use super::cheapest::Limits;
use super::stats::Estimate;
use super::vary::{at, field_to_vary};
use super::{ExperimentError, Overrides, Work, invalid_at, replicate, variant_index};
use crate::scenario::doc::Form;
use crate::scenario::{Scenario, parse_with, takes_fractions};
use crate::traffic::Traces;

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

/// Both costs at one value, and whether each variant is a feasible choice there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The value of the varied field.
    pub x: f64,
    /// Cost of the first variant over the horizon, USD (NaN, `null` in JSON, when the scenario
    /// did not validate at `x`).
    pub cost_a: Estimate,
    /// Cost of the second.
    pub cost_b: Estimate,
    /// First minus second, paired by seed.
    pub diff: Estimate,
    /// Why the first variant is not feasible here (misses the SLO or drops requests); `None`
    /// when it is.
    #[serde(default)]
    pub infeasible_a: Option<String>,
    /// Why the second is not.
    #[serde(default)]
    pub infeasible_b: Option<String>,
    /// The validation error of the scenario at `x`, when it has one (both variants are then
    /// infeasible and the search goes on without this point).
    #[serde(default)]
    pub invalid: Option<String>,
}

impl Evaluation {
    /// Whether both variants are feasible here, so their costs can be compared.
    pub fn comparable(&self) -> bool {
        self.invalid.is_none() && self.infeasible_a.is_none() && self.infeasible_b.is_none()
    }

    fn invalid(x: f64, why: String) -> Evaluation {
        let nan = Estimate::of(&[f64::NAN]);
        Evaluation {
            x,
            cost_a: nan,
            cost_b: nan,
            diff: nan,
            infeasible_a: None,
            infeasible_b: None,
            invalid: Some(why),
        }
    }
}

/// What a break-even search found: a crossing, or that there is none (an answer, not an error).
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
    /// The limits a variant must keep at a point to be feasible there (the scenario's `[slo]`;
    /// failures limited to 0 % when it sets none).
    pub limits: Limits,
    /// Where the costs cross: linear interpolation inside the final bracket; `None` when they
    /// do not cross between two points where both variants are feasible.
    pub crossing: Option<f64>,
    /// The final bracket: the costs' order differs at its two ends, both feasible.
    pub bracket: Option<(f64, f64)>,
    /// The bisection's stopping width.
    pub tolerance: f64,
    /// Values whose cost difference was not distinguishable from zero (95 % interval containing
    /// 0) together with the bracket: the crossing lies here allowing for noise.
    pub noise_band: Option<(f64, f64)>,
    /// Which variant is cheaper below the crossing (`None` without one).
    pub cheaper_below: Option<String>,
    /// The answer in one or two sentences: the crossing, or why there is none, and where a
    /// variant is not feasible.
    pub finding: String,
    /// Every evaluation, by value.
    pub evaluations: Vec<Evaluation>,
}

fn sign(e: &Evaluation) -> bool {
    e.diff.mean > 0.0
}

/// The values at which `pick` says a variant is not feasible, as `x (why); …`.
fn infeasible_text(evaluations: &[Evaluation], pick: fn(&Evaluation) -> Option<&String>) -> String {
    evaluations
        .iter()
        .filter_map(|e| pick(e).map(|why| format!("{} ({why})", e.x)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Search the crossing; `progress` is told about each evaluation. A replayed trace is checked
/// once through `traces` and shared by every evaluation.
///
/// A value where a variant misses the limits ([`Limits::or_slo`] of the scenario's `[slo]`) is
/// not feasible for it; a value where the scenario does not validate is recorded with its
/// error. The crossing is sought only between neighbouring values where both variants are
/// feasible; when there is none the result says so in `finding` (no error).
///
/// # Errors
/// The field or a variant does not exist, the range is empty, or a run's results cannot be
/// trusted (a replayed trace changed under it).
pub fn breakeven(
    text: &str,
    file: &str,
    spec: &BreakevenSpec,
    traces: &Traces,
    progress: &(dyn Fn(&Evaluation) + Sync),
) -> Result<Breakeven, ExperimentError> {
    let (path, form) = field_to_vary(text, file, &spec.vary, "break-even")?;
    let (a, b) = spec.between;
    if !(a.is_finite() && b.is_finite() && a < b) {
        return Err(ExperimentError::EmptyRange { from: a, to: b });
    }
    // Whole numbers only where the field takes nothing else (a fraction fails to validate):
    // then the whole numbers between the bounds, whatever the bounds (`--between 1,3.5` on
    // `count` searches 1 to 3).
    let integer = form == Form::Integer && !takes_fractions(text, &[], &path, a);
    let (a, b) = if integer {
        (a.ceil(), b.floor())
    } else {
        (a, b)
    };
    if a >= b {
        return Err(ExperimentError::EmptyRange {
            from: spec.between.0,
            to: spec.between.1,
        });
    }
    let form = match form {
        Form::Integer if !integer => Form::Float,
        f => f,
    };
    // The scenario as written: its variants and SLO.
    let base = parse_with(text, file, traces)?;
    let (name_a, name_b) = pick_variants(&base, &spec.variants)?;
    let limits = Limits::default().or_slo(base.slo);
    let eval = |x: f64| -> Result<Evaluation, ExperimentError> {
        let mut s = match at(text, file, &path, form, x, spec.overrides, traces) {
            Ok(s) => s,
            Err(ExperimentError::Scenario(e)) => {
                let ev = Evaluation::invalid(x, invalid_at(&spec.vary, x, &e));
                progress(&ev);
                return Ok(ev);
            }
            Err(e) => return Err(e),
        };
        s.variants.retain(|v| v.name == name_a || v.name == name_b);
        let ia = variant_index(&s, &name_a)?;
        let ib = variant_index(&s, &name_b)?;
        let reports = replicate(&s, spec.replications)?;
        let (ja, jb) = (limits.judge(&reports, ia), limits.judge(&reports, ib));
        let d: Vec<f64> = reports
            .iter()
            .map(|r| r.variants[ia].cost.total_usd - r.variants[ib].cost.total_usd)
            .collect();
        let e = Evaluation {
            x,
            cost_a: ja.cost,
            cost_b: jb.cost,
            diff: Estimate::of(&d),
            infeasible_a: (!ja.misses.is_empty()).then(|| ja.misses.join(", ")),
            infeasible_b: (!jb.misses.is_empty()).then(|| jb.misses.join(", ")),
            invalid: None,
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
    let tolerance = spec
        .tolerance
        .unwrap_or(if integer { 1.0 } else { (b - a) / 1_000.0 });
    let mut result = Breakeven {
        scenario: base.name.clone(),
        vary: spec.vary.clone(),
        variant_a: name_a.clone(),
        variant_b: name_b.clone(),
        replications: spec.replications.max(1),
        limits,
        crossing: None,
        bracket: None,
        tolerance,
        noise_band: None,
        cheaper_below: None,
        finding: String::new(),
        evaluations: Vec::new(),
    };
    // The first neighbours, both comparable, whose costs' order differs.
    let Some(k) = (1..n).find(|&k| {
        let (p, q) = (&evaluations[k - 1], &evaluations[k]);
        p.comparable() && q.comparable() && sign(p) != sign(q)
    }) else {
        result.finding = no_crossing(&evaluations, &name_a, &name_b, a, b);
        result.evaluations = evaluations;
        return Ok(result);
    };
    let (mut lo, mut hi) = (evaluations[k - 1].clone(), evaluations[k].clone());
    let mut stopped = None;
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
        evaluations.push(m.clone());
        if !m.comparable() {
            // The costs cross in [lo, hi], but not both variants are feasible at its middle:
            // stop here rather than bisect through a region where the comparison is moot.
            stopped = Some(mid);
            break;
        }
        if sign(&m) == sign(&lo) {
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
    for e in evaluations.iter().filter(|e| e.comparable()) {
        if let Some((l, h)) = e.diff.ci95
            && l <= 0.0
            && h >= 0.0
        {
            band = (band.0.min(e.x), band.1.max(e.x));
        }
    }
    let cheaper_below = if lo.diff.mean < 0.0 { &name_a } else { &name_b };
    let above = if cheaper_below == &name_a {
        &name_b
    } else {
        &name_a
    };
    result.finding = format!(
        "{name_a} and {name_b} cost the same at {} ≈ {crossing:.6}: below it {cheaper_below} is \
         cheaper, above it {above}.",
        spec.vary
    );
    if let Some(mid) = stopped {
        result.finding += &format!(
            " The bisection stopped at {mid}, where not both variants are feasible; the \
             crossing is interpolated in [{}, {}].",
            lo.x, hi.x
        );
    }
    result.finding += &infeasible_note(&evaluations, &name_a, &name_b);
    result.crossing = Some(crossing);
    result.bracket = Some((lo.x, hi.x));
    result.noise_band = Some(band);
    result.cheaper_below = Some(cheaper_below.clone());
    result.evaluations = evaluations;
    Ok(result)
}

/// The two variants to compare: the ones named, or the scenario's two.
fn pick_variants(
    base: &Scenario,
    named: &Option<(String, String)>,
) -> Result<(String, String), ExperimentError> {
    let (name_a, name_b) = match named {
        Some((x, y)) => (x.clone(), y.clone()),
        None if base.variants.len() == 2 => {
            (base.variants[0].name.clone(), base.variants[1].name.clone())
        }
        None => {
            return Err(ExperimentError::WhichTwo {
                variants: base.variants.len(),
            });
        }
    };
    variant_index(base, &name_a)?;
    variant_index(base, &name_b)?;
    Ok((name_a, name_b))
}

/// Why there is no crossing: one variant cheaper wherever both are feasible, or no value where
/// both are; and where each is not.
fn no_crossing(evaluations: &[Evaluation], name_a: &str, name_b: &str, a: f64, b: f64) -> String {
    let comparable: Vec<&Evaluation> = evaluations.iter().filter(|e| e.comparable()).collect();
    let mut s = match comparable.first() {
        None => format!(
            "No crossing between {a} and {b}: at no value tried are both {name_a} and {name_b} \
             feasible."
        ),
        Some(first) => {
            let cheaper = if sign(first) { name_b } else { name_a };
            format!(
                "No crossing between {a} and {b}: {cheaper} is cheaper at every value tried where \
                 both are feasible ({} of {}); widen --between to look further.",
                comparable.len(),
                evaluations.len()
            )
        }
    };
    s += &infeasible_note(evaluations, name_a, name_b);
    s
}

/// Where each variant is not feasible, and where the scenario did not validate.
fn infeasible_note(evaluations: &[Evaluation], name_a: &str, name_b: &str) -> String {
    fn pick_a(e: &Evaluation) -> Option<&String> {
        e.infeasible_a.as_ref()
    }
    fn pick_b(e: &Evaluation) -> Option<&String> {
        e.infeasible_b.as_ref()
    }
    fn pick_invalid(e: &Evaluation) -> Option<&String> {
        e.invalid.as_ref()
    }
    let mut s = String::new();
    let notes = [
        (
            name_a,
            "is not feasible",
            infeasible_text(evaluations, pick_a),
        ),
        (
            name_b,
            "is not feasible",
            infeasible_text(evaluations, pick_b),
        ),
        (
            "the scenario",
            "does not validate",
            infeasible_text(evaluations, pick_invalid),
        ),
    ];
    for (name, verb, text) in notes {
        if !text.is_empty() {
            s += &format!(" {name} {verb} at: {text}.");
        }
    }
    s
}

/// The work of a break-even search, estimated before it runs: the larger of the two ends'
/// runs (the two variants only) × (curve points + the bisection's steps) × replications.
///
/// # Errors
/// The field does not exist.
pub fn breakeven_work(
    text: &str,
    file: &str,
    spec: &BreakevenSpec,
    traces: &Traces,
) -> Result<Work, ExperimentError> {
    let (path, form) = field_to_vary(text, file, &spec.vary, "break-even")?;
    let (a, b) = spec.between;
    let base = parse_with(text, file, traces)?;
    let (name_a, name_b) = pick_variants(&base, &spec.variants)?;
    let (per_run, periods_per_run) = [a, b]
        .iter()
        .filter_map(|&x| at(text, file, &path, form, x, spec.overrides, traces).ok())
        .map(|mut s| {
            s.variants.retain(|v| v.name == name_a || v.name == name_b);
            let w = Work::of(&s);
            (w.requests, w.instance_periods)
        })
        .fold((0.0, 0.0), |(r, i), (a, b)| {
            (f64::max(r, a), f64::max(i, b))
        });
    let width = (b - a).abs();
    let tolerance = spec
        .tolerance
        .unwrap_or(width / 1_000.0)
        .max(f64::MIN_POSITIVE);
    let steps = (width / tolerance).max(1.0).log2().ceil().min(64.0) as u64;
    let runs = (spec.curve_points.max(2) as u64 + steps) * u64::from(spec.replications.max(1));
    Ok(Work {
        requests: per_run * runs as f64,
        instance_periods: periods_per_run * runs as f64,
        runs,
    })
}
