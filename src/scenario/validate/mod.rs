//! Raw scenario → validated domain types. Every check names the field, quotes the value and
//! says what is allowed; the location comes from the TOML document's spans.

use std::collections::HashSet;

use super::error::{Located, ScenarioError};
use super::raw::*;
use super::{Scenario, Slo};
use crate::engine::SimDuration;

/// Default keep-alive of an idle Lambda environment: ~10 minutes, fixed since July 2019
/// (mikhail.io/2019/08/aws-lambda-cold-starts-after-10-minutes; Shahrad et al., ATC'20).
pub const DEFAULT_KEEP_ALIVE: &str = "10m";
/// Default account concurrency per Region (docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html).
pub const DEFAULT_CONCURRENCY: i64 = 1_000;
/// Default longest wait in a fleet's queue.
pub const DEFAULT_QUEUE_TIMEOUT: &str = "30s";
/// Longest horizon accepted: a year.
const MAX_HORIZON_S: u64 = 366 * 86_400;

/// One step of a path to a field.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Seg {
    K(&'static str),
    I(usize),
}
use Seg::{I, K};

mod autoscaling;
mod platform;
mod replay;
mod traffic;

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
}

impl Ctx<'_> {
    /// Note a value that is valid but almost certainly not meant, on one line:
    /// `file:line:column: field: message (help)`.
    pub(crate) fn warn(&self, path: &[Seg], message: impl Into<String>, help: impl Into<String>) {
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
        path: &[Seg],
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> ScenarioError {
        let mut item = self.doc.as_item();
        let mut span = item.span();
        for seg in path {
            let next = match seg {
                K(k) => item.get(k),
                I(i) => item.get(i),
            };
            let Some(next) = next else { break };
            item = next;
            span = item.span().or(span);
        }
        let help = help.into();
        ScenarioError::Invalid(Located::at(
            self.file,
            self.text,
            span,
            (!path.is_empty()).then(|| path_text(path)),
            message.into(),
            (!help.is_empty()).then_some(help),
        ))
    }

    pub(crate) fn finite(
        &self,
        path: &[Seg],
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
        base: &[Seg],
        kind: &str,
        present: &[(&'static str, bool)],
        allowed: &[&str],
    ) -> Result<()> {
        match present
            .iter()
            .find(|(f, given)| *given && !allowed.contains(f))
        {
            Some((field, _)) => Err(self.err(
                &join(base, &[K(field)]),
                format!("`{field}` does not apply to {kind}"),
                format!("fields for {kind}: {}", allowed.join(", ")),
            )),
            None => Ok(()),
        }
    }

    /// A field that `kind` requires.
    pub(crate) fn need<T: Clone>(
        &self,
        base: &[Seg],
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

    pub(crate) fn positive(&self, path: &[Seg], v: f64) -> Result<f64> {
        self.finite(
            path,
            v,
            0.0,
            false,
            "allowed: a finite number greater than 0",
        )
    }

    pub(crate) fn non_negative(&self, path: &[Seg], v: f64) -> Result<f64> {
        self.finite(path, v, 0.0, true, "allowed: a finite number, 0 or more")
    }

    pub(crate) fn int_in(&self, path: &[Seg], v: i64, lo: i64, hi: i64, unit: &str) -> Result<u32> {
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

    pub(crate) fn duration(&self, path: &[Seg], text: &str) -> Result<SimDuration> {
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

pub(crate) fn path_text(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            K(k) if s.is_empty() => s.push_str(k),
            K(k) => {
                s.push('.');
                s.push_str(k);
            }
            I(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

pub(crate) fn join(base: &[Seg], tail: &[Seg]) -> Vec<Seg> {
    base.iter().chain(tail).copied().collect()
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

/// Validate a whole raw scenario.
pub(super) fn scenario(cx: &Ctx, raw: RawScenario) -> Result<Scenario> {
    let name_ok = !raw.name.is_empty()
        && raw
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !raw.name.starts_with('.');
    if !name_ok {
        return Err(cx.err(
            &[K("name")],
            format!("\"{}\" cannot name a report folder", raw.name),
            "allowed: letters, digits, '-', '_' and '.', not starting with '.'",
        ));
    }
    let horizon = horizon(&raw.horizon).map_err(|(m, h)| cx.err(&[K("horizon")], m, h))?;
    let interval = cx.duration(&[K("interval")], raw.interval.as_deref().unwrap_or("60s"))?;
    if interval < SimDuration::from_secs(1) {
        return Err(cx.err(
            &[K("interval")],
            format!(
                "\"{}\" is shorter than a second",
                raw.interval.as_deref().unwrap_or("")
            ),
            "allowed: 1s or longer (one time-series row per interval)",
        ));
    }
    let traffic = traffic::traffic(cx, &raw.traffic)?;
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
        let base = [K("variant"), I(i)];
        let variant = match v.platform {
            PlatformKind::Lambda => platform::lambda(cx, &base, v, &traffic)?,
            PlatformKind::Ec2 => platform::ec2(cx, &base, v, &traffic.profile)?,
        };
        if variant.name.is_empty() || !names.insert(variant.name.clone()) {
            return Err(cx.err(
                &join(&base, &[K("name")]),
                format!("variant name \"{}\" is empty or used twice", variant.name),
                "give every variant its own non-empty name",
            ));
        }
        variants.push(variant);
    }
    let slo = match &raw.slo {
        None => None,
        Some(r) => {
            let p99_ms = r
                .p99_ms
                .map(|v| cx.positive(&[K("slo"), K("p99_ms")], v))
                .transpose()?;
            let path = [K("slo"), K("max_failed_pct")];
            let max_failed_pct = r
                .max_failed_pct
                .map(|v| cx.non_negative(&path, v))
                .transpose()?;
            if p99_ms.is_none() && max_failed_pct.is_none() {
                return Err(cx.err(
                    &[K("slo")],
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
        variants,
        source: cx.text.to_string(),
        warnings: cx.warnings.take(),
    })
}
