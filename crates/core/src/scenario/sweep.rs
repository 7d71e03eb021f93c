//! Sweeps: a scenario where numeric fields are given as several values.
//!
//! Any numeric field can be a list, `rate_per_s = [10, 50, 100]`, or a range,
//! `rate_per_s = { from = 1, to = 500, steps = 20, scale = "log" }` ("linear" by default;
//! both ends included). Several such fields make a grid. Fields that are lists by nature
//! (`hourly`, `weekly`, `at_s`, `values_ms`, `interruptions_at`) are not sweeps. Each point of the grid is the scenario text
//! with the swept values written in, parsed and validated like any scenario — so a point that
//! makes no sense fails with the usual file, line and field.

use std::ops::Range;

use toml_edit::{Item, Value};

use super::doc::{Form, Step, UNSWEPT, number, path_text, set_values};
use super::{Located, Scenario, ScenarioError, parse, parse_with, takes_fractions};
use crate::traffic::Traces;

/// Fields whose value is a list by nature, never a sweep.
const LIST_FIELDS: [&str; 6] = [
    "hourly",
    "weekly",
    "at_s",
    "values_ms",
    "functions",
    "interruptions_at",
];

/// Most points a sweep may have.
pub const MAX_POINTS: usize = 100_000;

/// A swept field and its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The field as a path, e.g. `traffic.arrivals.rate_per_s` or `variant[1].memory_mb`.
    pub name: String,
    /// Where it is.
    pub path: Vec<Step>,
    /// Its values, in order (durations in seconds).
    pub values: Vec<f64>,
    /// How values are written: integers where the field takes only whole numbers.
    pub form: Form,
}

/// A scenario text with its sweep axes.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The file, for errors.
    pub file: String,
    /// The text.
    pub text: String,
    /// The swept fields, in file order (empty: a single scenario).
    pub axes: Vec<Axis>,
}

fn err(
    sweep_file: &str,
    text: &str,
    span: Option<Range<usize>>,
    field: &str,
    message: String,
    help: &str,
) -> ScenarioError {
    ScenarioError::Invalid(Located::at(
        sweep_file,
        text,
        span,
        Some(field.to_string()),
        message,
        Some(help.to_string()),
    ))
}

/// Values of a `{ from, to, steps, scale }` range.
fn range_values(
    file: &str,
    text: &str,
    name: &str,
    t: &toml_edit::InlineTable,
) -> Result<(Vec<f64>, Form), ScenarioError> {
    let span = t.span();
    let bad = |message: String, help: &str| err(file, text, span.clone(), name, message, help);
    const HELP: &str = "a range is { from = A, to = B, steps = N } with N ≥ 2, optionally scale = \"linear\" or \"log\"";
    if let Some((k, _)) = t
        .iter()
        .find(|(k, _)| !["from", "to", "steps", "scale"].contains(k))
    {
        return Err(bad(format!("`{k}` is not part of a range"), HELP));
    }
    let get = |k: &str| t.get(k).and_then(number);
    let (Some((from, from_form)), Some((to, to_form))) = (get("from"), get("to")) else {
        return Err(bad(
            "a range needs `from` and `to`, both numbers or both durations (\"5m\")".into(),
            HELP,
        ));
    };
    let form = match (from_form, to_form) {
        (Form::Integer, Form::Integer) => Form::Integer,
        (Form::Duration, Form::Duration) => Form::Duration,
        (Form::Duration, _) | (_, Form::Duration) => {
            return Err(bad(
                "`from` and `to` must both be numbers or both durations".into(),
                HELP,
            ));
        }
        _ => Form::Float,
    };
    let steps = match t.get("steps") {
        Some(Value::Integer(n)) if *n.value() >= 2 && *n.value() <= MAX_POINTS as i64 => {
            *n.value() as usize
        }
        Some(v) => {
            return Err(bad(
                format!(
                    "steps = {} is not a whole number from 2 to {MAX_POINTS}",
                    v.to_string().trim()
                ),
                HELP,
            ));
        }
        None => return Err(bad("a range needs `steps`".into(), HELP)),
    };
    let log = match t.get("scale").map(|v| v.as_str()) {
        None | Some(Some("linear")) => false,
        Some(Some("log")) => true,
        Some(_) => return Err(bad("scale must be \"linear\" or \"log\"".into(), HELP)),
    };
    if log && (from <= 0.0 || to <= 0.0) {
        return Err(bad(
            format!("a log range needs from and to above 0 (got {from} and {to})"),
            HELP,
        ));
    }
    let mut values: Vec<f64> = (0..steps)
        .map(|i| {
            let u = i as f64 / (steps - 1) as f64;
            let v = if log {
                (from.ln() + (to.ln() - from.ln()) * u).exp()
            } else {
                from + (to - from) * u
            };
            // 12 significant digits: 10 rather than 10.000000000000002 from exp(ln).
            format!("{v:.11e}").parse().unwrap_or(v)
        })
        .collect();
    // Ends exactly as written.
    values[0] = from;
    values[steps - 1] = to;
    Ok((values, form))
}

/// Walks a scenario document collecting its sweep axes.
struct Finder<'a> {
    file: &'a str,
    text: &'a str,
    path: Vec<Step>,
    axes: Vec<Axis>,
    /// Axes given as ranges (whose integer rounding is settled later).
    ranges: Vec<usize>,
}

impl Finder<'_> {
    fn axis(&mut self, values: Vec<f64>, form: Form) {
        self.axes.push(Axis {
            name: path_text(&self.path),
            path: self.path.clone(),
            values,
            form,
        });
    }

    fn under<T>(&mut self, step: Step, walk: impl FnOnce(&mut Self) -> T) -> T {
        self.path.push(step);
        let out = walk(self);
        self.path.pop();
        out
    }

    fn value(&mut self, key: Option<&str>, v: &Value) -> Result<(), ScenarioError> {
        let swept = matches!(v, Value::Array(_))
            || matches!(v, Value::InlineTable(t) if t.contains_key("from") && t.contains_key("to"));
        if swept
            && let [Step::Key(k)] = self.path.as_slice()
            && let Some((field, help)) = UNSWEPT.iter().find(|(f, _)| f == k)
        {
            return Err(err(
                self.file,
                self.text,
                v.span(),
                field,
                format!("`{field}` cannot be swept"),
                help,
            ));
        }
        // A private rate's list gives a price's bands (`[prices.rates]`), never a sweep.
        let rate_bands = matches!(self.path.as_slice(), [Step::Key(p), Step::Key(r), ..]
            if p == "prices" && r == "rates");
        match v {
            Value::Array(a)
                if key.is_some_and(|k| !LIST_FIELDS.contains(&k))
                    && !rate_bands
                    && !a.is_empty()
                    && a.iter().all(|x| number(x).is_some()) =>
            {
                let parsed: Vec<(f64, Form)> = a.iter().filter_map(number).collect();
                let forms = |f: Form| parsed.iter().filter(|(_, g)| *g == f).count();
                let form = if forms(Form::Duration) == parsed.len() {
                    Form::Duration
                } else if forms(Form::Duration) > 0 {
                    return Err(err(
                        self.file,
                        self.text,
                        v.span(),
                        &path_text(&self.path),
                        "a swept list mixes numbers and durations".into(),
                        "list only numbers ([64, 128]) or only durations ([\"5m\", \"10m\"])",
                    ));
                } else if forms(Form::Integer) == parsed.len() {
                    Form::Integer
                } else {
                    Form::Float
                };
                self.axis(parsed.iter().map(|(x, _)| *x).collect(), form);
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    self.under(Step::Index(i), |w| w.value(None, x))?;
                }
            }
            Value::InlineTable(t) if t.contains_key("from") && t.contains_key("to") => {
                let (values, form) = range_values(self.file, self.text, &path_text(&self.path), t)?;
                // Integer ends: settled once every axis is known, see `Sweep::parse`.
                self.axis(values, form);
                self.ranges.push(self.axes.len() - 1);
            }
            Value::InlineTable(t) => {
                for (k, x) in t.iter() {
                    self.under(Step::owned_key(k), |w| w.value(Some(k), x))?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn item(&mut self, key: Option<&str>, item: &Item) -> Result<(), ScenarioError> {
        match item {
            Item::Table(t) => {
                for (k, x) in t.iter() {
                    self.under(Step::owned_key(k), |w| w.item(Some(k), x))?;
                }
            }
            Item::ArrayOfTables(a) => {
                for (i, t) in a.iter().enumerate() {
                    self.under(Step::Index(i), |w| {
                        t.iter().try_for_each(|(k, x)| {
                            w.under(Step::owned_key(k), |w| w.item(Some(k), x))
                        })
                    })?;
                }
            }
            Item::Value(v) => self.value(key, v)?,
            Item::None => {}
        }
        Ok(())
    }
}

impl Sweep {
    /// Find the sweep axes of scenario `text`.
    pub fn parse(text: &str, file: &str) -> Result<Sweep, ScenarioError> {
        let doc =
            toml_edit::Document::parse(text).map_err(|e| ScenarioError::toml(file, text, &e))?;
        let mut finder = Finder {
            file,
            text,
            path: Vec::new(),
            axes: Vec::new(),
            ranges: Vec::new(),
        };
        finder.item(None, doc.as_item())?;
        let Finder {
            mut axes, ranges, ..
        } = finder;
        // A range steps through whole numbers only if the field takes nothing else: try a
        // fraction there (every other axis at its first value). Whole-number fields step
        // through whole numbers whatever the range's ends (`count = { from = 1, to = 4.0,
        // steps = 7 }` is 1, 2, 3, 4).
        for &k in &ranges {
            if !matches!(axes[k].form, Form::Integer | Form::Float) {
                continue;
            }
            let others: Vec<(&[Step], f64, Form)> = axes
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != k)
                .map(|(_, a)| (a.path.as_slice(), a.values[0], a.form))
                .collect();
            let fractions_ok = takes_fractions(text, &others, &axes[k].path, axes[k].values[0]);
            let axis = &mut axes[k];
            if fractions_ok {
                axis.form = Form::Float;
            } else {
                axis.values.iter_mut().for_each(|v| *v = v.round());
                axis.values.dedup();
                axis.form = Form::Integer;
            }
        }
        let points = axes
            .iter()
            .try_fold(1usize, |n, a| n.checked_mul(a.values.len()));
        if points.is_none_or(|n| n > MAX_POINTS) {
            return Err(ScenarioError::Invalid(Located::at(
                file,
                text,
                None,
                None,
                format!("the sweep has more than {MAX_POINTS} points"),
                Some("sweep fewer fields or fewer values at once".into()),
            )));
        }
        Ok(Sweep {
            file: file.to_string(),
            text: text.to_string(),
            axes,
        })
    }

    /// Number of points of the grid.
    pub fn len(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }

    /// Whether the grid is a single point (no axes).
    pub fn is_empty(&self) -> bool {
        self.axes.is_empty()
    }

    /// The values of point `i` (the last axis varies fastest).
    pub fn values(&self, mut i: usize) -> Vec<f64> {
        let mut out = vec![0.0; self.axes.len()];
        for (k, a) in self.axes.iter().enumerate().rev() {
            out[k] = a.values[i % a.values.len()];
            i /= a.values.len();
        }
        out
    }

    /// The scenario at point `i`: the text with each axis's value written in, validated
    /// without reading its trace ([`parse`]).
    ///
    /// # Errors
    /// The point's first validation error, naming the point.
    pub fn point(&self, i: usize) -> Result<Scenario, ScenarioError> {
        self.point_checking(i, None)
    }

    /// [`Sweep::point`], its trace checked through `traces` ([`parse_with`]): every point that
    /// replays the same trace shares one check.
    ///
    /// # Errors
    /// As [`parse_with`], naming the point.
    pub fn point_with(&self, i: usize, traces: &Traces) -> Result<Scenario, ScenarioError> {
        self.point_checking(i, Some(traces))
    }

    fn point_checking(&self, i: usize, traces: Option<&Traces>) -> Result<Scenario, ScenarioError> {
        let values = self.values(i);
        let settings: Vec<(&[Step], f64, Form)> = self
            .axes
            .iter()
            .zip(&values)
            .map(|(a, &v)| (a.path.as_slice(), v, a.form))
            .collect();
        let text = set_values(&self.text, &self.file, &settings)?;
        match traces {
            Some(traces) => parse_with(&text, &self.file, traces),
            None => parse(&text, &self.file),
        }
        .map_err(|e| at_point(e, &self.axes, &values))
    }
}

/// Name the sweep point in an error found while validating it.
fn at_point(e: ScenarioError, axes: &[Axis], values: &[f64]) -> ScenarioError {
    let point: Vec<String> = axes
        .iter()
        .zip(values)
        .map(|(a, v)| format!("{} = {v}", a.name))
        .collect();
    let note = format!(" (at the sweep point {})", point.join(", "));
    match e {
        ScenarioError::Invalid(mut l) => {
            l.message += &note;
            ScenarioError::Invalid(l)
        }
        ScenarioError::Syntax(mut l) => {
            l.message += &note;
            ScenarioError::Syntax(l)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::doc::resolve_path;

    const BASE: &str = r#"
name = "s"
horizon = "1h"
[traffic]
arrivals = { process = "poisson", rate_per_s = { from = 1, to = 100, steps = 3, scale = "log" } }
[traffic.request]
duration = { dist = "constant", ms = 100 }
[[variant]]
name = "fn"
platform = "lambda"
runtime = "python"
memory_mb = [128, 256]
"#;

    /// A range written with a fractional end on a whole-number field steps through whole
    /// numbers: `memory_mb = { from = 128, to = 256.0, steps = 3 }` is 128, 192, 256 MB, and
    /// every point parses (found by trying to break sweeps: each point was refused for writing
    /// `128.0` where an integer must stand). On a field that takes fractions the values stay.
    #[test]
    fn whole_number_fields_step_through_whole_numbers() {
        let text = BASE.replace("[128, 256]", "{ from = 128, to = 256.0, steps = 3 }");
        let s = Sweep::parse(&text, "s.toml").unwrap();
        let axis = &s.axes[1];
        assert_eq!(axis.values, vec![128.0, 192.0, 256.0]);
        assert_eq!(axis.form, Form::Integer);
        for i in 0..s.len() {
            s.point(i).unwrap();
        }
        let rates = BASE.replace(
            "{ from = 1, to = 100, steps = 3, scale = \"log\" }",
            "{ from = 0.5, to = 1.5, steps = 3 }",
        );
        let s = Sweep::parse(&rates, "s.toml").unwrap();
        assert_eq!(s.axes[0].values, vec![0.5, 1.0, 1.5]);
    }

    /// `seed = [1, 2]` (line 3 of this text) is refused where it stands, as is `--vary seed`.
    #[test]
    fn seed_cannot_be_swept() {
        let text = BASE.replace("horizon = \"1h\"", "seed = [1, 2]\nhorizon = \"1h\"");
        let e = Sweep::parse(&text, "s.toml").unwrap_err().to_string();
        assert!(e.contains("s.toml:3"), "{e}");
        assert!(e.contains("`seed` cannot be swept"), "{e}");
        assert!(e.contains("--replications"), "{e}");
        let ranged = BASE.replace(
            "horizon = \"1h\"",
            "seed = { from = 1, to = 9, steps = 3 }\nhorizon = \"1h\"",
        );
        assert!(Sweep::parse(&ranged, "s.toml").is_err());
        let one = BASE.replace("horizon = \"1h\"", "seed = 7\nhorizon = \"1h\"");
        assert!(
            resolve_path(&one, "seed")
                .unwrap_err()
                .contains("cannot be varied")
        );
    }

    #[test]
    fn finds_axes_and_builds_every_point() {
        let s = Sweep::parse(BASE, "s.toml").unwrap();
        assert_eq!(s.axes.len(), 2);
        assert_eq!(s.axes[0].name, "traffic.arrivals.rate_per_s");
        assert_eq!(s.axes[0].values, vec![1.0, 10.0, 100.0]);
        assert_eq!(s.axes[1].name, "variant[0].memory_mb");
        assert_eq!(s.len(), 6);
        assert_eq!(s.values(3), vec![10.0, 256.0]);
        let p = s.point(5).unwrap();
        let lambda = p.variants[0]
            .platform
            .get::<crate::offering::lambda::LambdaSpec>();
        match (&p.traffic.arrivals, lambda) {
            (
                crate::traffic::Arrivals::Process(crate::traffic::ArrivalProcess::Poisson {
                    rate_per_s,
                }),
                Some(crate::offering::lambda::LambdaSpec { function, .. }),
            ) => {
                assert_eq!(*rate_per_s, 100.0);
                assert_eq!(function.memory_mb, 256);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lists_by_nature_are_not_sweeps_and_paths_resolve() {
        let text = BASE.replace(
            "rate_per_s = { from = 1, to = 100, steps = 3, scale = \"log\" }",
            "rate_per_s = 5, hourly = [1, 2]",
        );
        let s = Sweep::parse(&text, "s.toml").unwrap();
        assert_eq!(s.axes.len(), 1);
        let (by_name, form) = resolve_path(
            &s.text.replace("[128, 256]", "512"),
            "variant[fn].memory_mb",
        )
        .unwrap();
        assert_eq!(form, Form::Integer);
        assert_eq!(path_text(&by_name), "variant[0].memory_mb");
        assert!(resolve_path(&text, "traffic.nope").is_err());
        // Durations sweep too: values in seconds, written back as milliseconds.
        let ka = BASE.replace(
            "runtime = \"python\"",
            "runtime = \"python\"\nkeep_alive = [\"5m\", \"10m\"]",
        );
        let k = Sweep::parse(&ka, "s.toml").unwrap();
        let axis = &k.axes[1];
        assert_eq!(axis.name, "variant[0].keep_alive");
        assert_eq!(axis.values, vec![300.0, 600.0]);
        assert_eq!(axis.form, Form::Duration);
        // Point 2 of 3 × 2 × 2: the first rate, 10 minutes, 128 MB.
        let point = k.point(2).unwrap();
        match point.variants[0]
            .platform
            .get::<crate::offering::lambda::LambdaSpec>()
        {
            Some(spec) => assert_eq!(spec.function.keep_alive.as_micros(), 600_000_000),
            None => panic!("{:?}", point.variants[0].platform),
        }
        let dotted = s
            .text
            .replace("name = \"fn\"", "name = \"fn.v2\"")
            .replace("[128, 256]", "512");
        let (p, _) = resolve_path(&dotted, "variant[fn.v2].memory_mb").unwrap();
        assert_eq!(path_text(&p), "variant[0].memory_mb");
    }
}
