//! Raw scenario → validated domain types. Every check names the field, quotes the value and
//! says what is allowed; the location comes from the TOML document's spans.

use std::collections::HashSet;

use super::doc::{self, Step};
use super::error::{Located, ScenarioError};
use super::raw::*;
use super::{Scenario, Slo, Variant};
use crate::billing::book::PriceChanges;
use crate::engine::SimDuration;
use crate::traffic::Traffic;

/// Longest horizon accepted: a year.
const MAX_HORIZON_S: u64 = 366 * 86_400;

/// A key of a path, as the schema names it: paths are written
/// `[key("variant"), index(i), key("memory_mb")]`.
pub(crate) const fn key(key: &'static str) -> Step {
    Step::key(key)
}

/// An element of an array in a path.
pub(crate) const fn index(i: usize) -> Step {
    Step::Index(i)
}

mod autoscaling;
mod dist;
mod prices;
mod purchase;
mod replay;
mod traffic;

pub(crate) use autoscaling::autoscaling;
pub(crate) use dist::dist;
pub(crate) use prices::prices;
pub(crate) use purchase::purchase;

pub(crate) type Result<T> = std::result::Result<T, ScenarioError>;

/// Where errors are reported: the file's name, its text and its parsed document (for spans);
/// the traces to check a replay with (`None`: validate it as written only); and the warnings
/// gathered on the way.
pub(crate) struct Ctx<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub doc: &'a toml_edit::Document<&'a str>,
    pub traces: Option<&'a crate::traffic::Traces>,
    pub warnings: std::cell::RefCell<Vec<String>>,
    /// Every price a variant was priced with: what a `[prices]` change must match.
    pub used_prices: std::cell::RefCell<Vec<crate::billing::book::UsedPrice>>,
}

impl Ctx<'_> {
    /// Note a value that is valid but almost certainly not meant, on one line:
    /// `file:line:column: field: message (help)`.
    pub(crate) fn warn(&self, path: &[Step], message: impl Into<String>, help: impl Into<String>) {
        let text = match self.err(path, message, help) {
            ScenarioError::Invalid(l) => {
                let field = l.field.map(|f| format!("{f}: ")).unwrap_or_default();
                let help = l.help.map(|h| format!(" ({h})")).unwrap_or_default();
                format!(
                    "{}:{}:{}: {field}{}{help}",
                    l.file, l.line, l.column, l.message
                )
            }
            other => other.to_string(),
        };
        self.warnings.borrow_mut().push(text);
    }

    pub(crate) fn err(
        &self,
        path: &[Step],
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> ScenarioError {
        let help = help.into();
        ScenarioError::Invalid(Located::at(
            self.file,
            self.text,
            doc::span_of(self.doc, path),
            (!path.is_empty()).then(|| doc::path_text(path)),
            message.into(),
            (!help.is_empty()).then_some(help),
        ))
    }

    pub(crate) fn finite(
        &self,
        path: &[Step],
        v: f64,
        min: f64,
        min_inclusive: bool,
        help: &str,
    ) -> Result<f64> {
        let ok = v.is_finite() && if min_inclusive { v >= min } else { v > min };
        if ok {
            Ok(v)
        } else {
            Err(self.err(path, format!("value {v} is not allowed"), help))
        }
    }

    /// Refuse fields given that `kind` does not take.
    pub(crate) fn only(
        &self,
        base: &[Step],
        kind: &str,
        present: &[(&'static str, bool)],
        allowed: &[&str],
    ) -> Result<()> {
        match present
            .iter()
            .find(|(f, given)| *given && !allowed.contains(f))
        {
            Some((field, _)) => Err(self.err(
                &join(base, &[key(field)]),
                format!("`{field}` does not apply to {kind}"),
                format!("fields for {kind}: {}", allowed.join(", ")),
            )),
            None => Ok(()),
        }
    }

    /// A field that `kind` requires.
    pub(crate) fn need<T: Clone>(
        &self,
        base: &[Step],
        kind: &str,
        field: &str,
        value: &Option<T>,
    ) -> Result<T> {
        value.clone().ok_or_else(|| {
            self.err(
                base,
                format!("missing field `{field}` for {kind}"),
                format!("add `{field} = ...` to this table"),
            )
        })
    }

    pub(crate) fn positive(&self, path: &[Step], v: f64) -> Result<f64> {
        self.finite(
            path,
            v,
            0.0,
            false,
            "allowed: a finite number greater than 0",
        )
    }

    pub(crate) fn non_negative(&self, path: &[Step], v: f64) -> Result<f64> {
        self.finite(path, v, 0.0, true, "allowed: a finite number, 0 or more")
    }

    pub(crate) fn int_in(
        &self,
        path: &[Step],
        v: i64,
        lo: i64,
        hi: i64,
        unit: &str,
    ) -> Result<u32> {
        if (lo..=hi).contains(&v) {
            Ok(v as u32)
        } else {
            Err(self.err(
                path,
                format!("value {v} is out of range"),
                format!("allowed: {lo} to {hi}{unit}"),
            ))
        }
    }

    pub(crate) fn duration(&self, path: &[Step], text: &str) -> Result<SimDuration> {
        match humantime::parse_duration(text) {
            Ok(d) => Ok(SimDuration::from_micros(
                u64::try_from(d.as_micros()).unwrap_or(u64::MAX),
            )),
            Err(e) => Err(self.err(
                path,
                format!("\"{text}\" is not a duration ({e})"),
                "write a duration such as \"250ms\", \"90s\", \"10m\", \"6h\" or \"7d\"",
            )),
        }
    }
}

/// A list of weekdays (`days = ["Mon", ...]`): at least one, each a day of the week, each once;
/// their numbers from Monday = 0, in the order given.
pub(crate) fn weekdays(cx: &Ctx, path: &[Step], days: &[String]) -> Result<Vec<u32>> {
    if days.is_empty() {
        return Err(cx.err(
            path,
            "the list is empty",
            "name the weekdays, e.g. days = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"], or leave \
             `days` out for every day",
        ));
    }
    let mut out = Vec::with_capacity(days.len());
    for (j, d) in days.iter().enumerate() {
        let Some(day) = crate::engine::clock::weekday(d) else {
            return Err(cx.err(
                &join(path, &[index(j)]),
                format!("\"{d}\" is not a day of the week"),
                "allowed: Mon, Tue, Wed, Thu, Fri, Sat, Sun",
            ));
        };
        if out.contains(&day) {
            return Err(cx.err(
                &join(path, &[index(j)]),
                format!("\"{d}\" is listed twice"),
                "name each weekday once",
            ));
        }
        out.push(day);
    }
    Ok(out)
}

/// When a scheduled action at `path` runs: `at` a time of day (`"08:00"`, every day, or on
/// `days` each week) or of the week (`"Sat 10:00"`, every week, without `days`), as
/// `(time within its period, period)` — one weekly run per day of `days` (AWS's recurrence
/// `0 8 * * MON-FRI`). Errors are located at `path`'s `at` or `days`.
pub(crate) fn recurrence(
    cx: &Ctx,
    path: &[Step],
    at: &str,
    days: Option<&[String]>,
) -> Result<Vec<(SimDuration, SimDuration)>> {
    use crate::autoscale::scheduled::{DAY, WEEK};
    use crate::engine::clock::ClockTime;
    let p = |f| join(path, &[key(f)]);
    if at.trim_start().to_ascii_lowercase().starts_with("day") {
        return Err(cx.err(
            &p("at"),
            format!("\"{at}\" names a day of the run"),
            "a scheduled action repeats: write HH:MM (every day; with days = [\"Mon\", ...] \
             on those weekdays) or a weekday and a time, \"Sat 10:00\" (every week)",
        ));
    }
    if days.is_some() && ClockTime::parse(at).is_some_and(|c| c.day.is_some()) {
        return Err(cx.err(
            &p("days"),
            format!("`days` with \"{at}\", which names its own weekday"),
            "give either a time of day with days = [...], or a weekday and a time without `days`",
        ));
    }
    let days = days.map(|d| weekdays(cx, &p("days"), d)).transpose()?;
    let (at_s, period) = match ClockTime::parse(at) {
        Some(ClockTime {
            day: None,
            second_of_day,
        }) => (second_of_day, DAY),
        Some(ClockTime {
            day: Some(day),
            second_of_day,
        }) if day < 7 && days.is_none() => (f64::from(day) * 86_400.0 + second_of_day, WEEK),
        _ => {
            return Err(cx.err(
                &p("at"),
                format!("\"{at}\" is not a time of day or of the week"),
                "write HH:MM (every day at that time; with days = [\"Mon\", ...] on those \
                 days) or a weekday and a time, \"Sat 10:00\" (every week)",
            ));
        }
    };
    let micros = |s: f64| SimDuration::from_micros((s * 1e6) as u64);
    Ok(match days {
        None => vec![(micros(at_s), period)],
        Some(days) => days
            .into_iter()
            .map(|d| (micros(f64::from(d) * 86_400.0 + at_s), WEEK))
            .collect(),
    })
}

pub(crate) fn join(base: &[Step], tail: &[Step]) -> Vec<Step> {
    base.iter().chain(tail).cloned().collect()
}

/// The horizon rule, in one place for the scenario file's `horizon` and the command line's
/// `--horizon`: a duration such as `"90m"` or `"7d"` of at least 1 µs (the engine's tick; `1ns`
/// would be 0 s and a month projected from 0 s is infinite) and at most 366 days.
///
/// # Errors
/// `(what is wrong with the text, what is allowed)`.
pub fn horizon(text: &str) -> std::result::Result<SimDuration, (String, String)> {
    let d = humantime::parse_duration(text).map_err(|e| {
        (
            format!("\"{text}\" is not a duration ({e})"),
            "write a duration such as \"250ms\", \"90s\", \"10m\", \"6h\" or \"7d\"".to_string(),
        )
    })?;
    let allowed = "allowed: at least 1 µs and at most 366 days";
    let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
    if micros == 0 || micros > MAX_HORIZON_S * 1_000_000 {
        return Err((
            format!("\"{text}\" is not a usable horizon"),
            allowed.to_string(),
        ));
    }
    Ok(SimDuration::from_micros(micros))
}

/// Validate a whole raw scenario; `validate_variant` validates one `[[variant]]` table (the
/// products', in `scenario/variant/`) at its path, given the validated traffic and the
/// scenario's changes to list prices.
pub(super) fn scenario<V>(
    cx: &Ctx,
    raw: RawScenario<V>,
    validate_variant: impl Fn(&Ctx, &[Step], &V, &Traffic, &PriceChanges) -> Result<Variant>,
) -> Result<Scenario> {
    let name_ok = !raw.name.is_empty()
        && raw
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !raw.name.starts_with('.');
    if !name_ok {
        return Err(cx.err(
            &[key("name")],
            format!("\"{}\" cannot name a report folder", raw.name),
            "allowed: letters, digits, '-', '_' and '.', not starting with '.'",
        ));
    }
    let horizon = horizon(&raw.horizon).map_err(|(m, h)| cx.err(&[key("horizon")], m, h))?;
    let interval = cx.duration(&[key("interval")], raw.interval.as_deref().unwrap_or("60s"))?;
    if interval < SimDuration::from_secs(1) {
        return Err(cx.err(
            &[key("interval")],
            format!(
                "\"{}\" is shorter than a second",
                raw.interval.as_deref().unwrap_or("")
            ),
            "allowed: 1s or longer (one time-series row per interval)",
        ));
    }
    let traffic = traffic::traffic(cx, &raw.traffic)?;
    let prices = prices::prices(cx, raw.prices.as_ref())?;
    if raw.variants.is_empty() {
        return Err(cx.err(
            &[],
            "the scenario has no platform variants",
            "add at least one [[variant]] table with platform = \"lambda\" or \"ec2\"",
        ));
    }
    let mut names = HashSet::new();
    let mut variants = Vec::with_capacity(raw.variants.len());
    for (i, v) in raw.variants.iter().enumerate() {
        let base = [key("variant"), index(i)];
        let variant = validate_variant(cx, &base, v, &traffic, &prices)?;
        if variant.name.is_empty() || !names.insert(variant.name.clone()) {
            return Err(cx.err(
                &join(&base, &[key("name")]),
                format!("variant name \"{}\" is empty or used twice", variant.name),
                "give every variant its own non-empty name",
            ));
        }
        variants.push(variant);
    }
    prices::unused(cx, raw.prices.as_ref(), &prices);
    let slo = match &raw.slo {
        None => None,
        Some(r) => {
            let p99_ms = r
                .p99_ms
                .map(|v| cx.positive(&[key("slo"), key("p99_ms")], v))
                .transpose()?;
            let path = [key("slo"), key("max_failed_pct")];
            let max_failed_pct = r
                .max_failed_pct
                .map(|v| cx.non_negative(&path, v))
                .transpose()?;
            if p99_ms.is_none() && max_failed_pct.is_none() {
                return Err(cx.err(
                    &[key("slo")],
                    "the SLO sets no limit",
                    "give p99_ms, max_failed_pct or both",
                ));
            }
            Some(Slo {
                p99_ms,
                max_failed_pct,
            })
        }
    };
    Ok(Scenario {
        name: raw.name,
        description: raw.description.unwrap_or_default(),
        seed: raw.seed,
        horizon,
        interval,
        traffic,
        slo,
        prices,
        variants,
        source: cx.text.to_string(),
        stretches: 1,
        function_groups: 1,
        warnings: cx.warnings.take(),
    })
}
