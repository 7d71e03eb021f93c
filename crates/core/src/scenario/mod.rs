//! Scenario files: TOML parsed in two stages — a raw serde layer that refuses unknown keys, then
//! validated domain types. Errors quote the file, line, column, field and value, and say what is
//! allowed.

pub mod doc;
mod error;
pub(crate) mod raw;
pub mod sweep;
pub(crate) mod validate;
mod variant;

pub(crate) use error::closest;
pub use error::{Located, ScenarioError};
pub use validate::horizon;

use crate::billing::book::PriceChanges;
use crate::engine::SimDuration;
use crate::offering::Products;
use crate::traffic::{Traces, Traffic};

// A variant's platform: a product's validated configuration (the products are `offering/`, on
// this floor: each gives scenario files its fields and their validation).
pub use crate::offering::PlatformSpec;
// The objective results are judged by (it lives with them).
pub use crate::results::Slo;
pub use variant::{RawFields, SHARED, VariantCx};

/// A validated scenario: one traffic, several platform variants to compare on it.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Name; also the report folder's name.
    pub name: String,
    /// Free text shown in reports.
    pub description: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Simulated time.
    pub horizon: SimDuration,
    /// Length of a reporting interval (time series rows).
    pub interval: SimDuration,
    /// The traffic every variant sees.
    pub traffic: Traffic,
    /// The service-level objective variants are judged against, if any.
    pub slo: Option<Slo>,
    /// Its changes to list prices (`[prices]`), already applied to each variant's prices.
    pub prices: PriceChanges,
    /// Platforms to compare.
    pub variants: Vec<Variant>,
    /// The TOML text it was read from.
    pub source: String,
    /// Time-parallel runs: how many stretches of time a variant's run is cut into and simulated
    /// at once, with the same result ([`crate::engine::chunks`]); 1 runs it from zero to the
    /// horizon in one go. Set by the caller (`scalesim run --stretches N`), not by the file.
    pub stretches: usize,
    /// Functions in parallel: how many groups the functions of a Lambda variant's replayed
    /// trace are split into and simulated at once on the cores, with the same result
    /// ([`crate::platform::serverless::groups`]); 1 runs them together. Set by the caller
    /// (`scalesim run --function-groups N`), not by the file.
    pub function_groups: usize,
    /// Values that are valid but almost certainly not meant, one line each with their
    /// location (`file:line:column: field: message`).
    pub warnings: Vec<String>,
}

/// One platform configuration to simulate.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    /// Unique name within the scenario.
    pub name: String,
    /// The platform and how it is billed.
    pub platform: PlatformSpec,
}

/// A scenario file's raw layer; each `[[variant]]` table's name and platform (its product reads
/// the rest, [`variant::read`]).
type RawDocument = raw::RawScenario<variant::VariantHead>;

/// Parse and validate scenario `text` without reading anything else; `file` names it in
/// errors. A replayed trace is validated as written only (format, fields, controls): its
/// arrivals come back unchecked ([`crate::traffic::Arrivals::Replay`] with no trace), and what
/// depends on the trace's content — that it parses and has rows to replay, durations, the
/// function names a `reserved_concurrency` table gives — waits for [`parse_with`]. Such a
/// scenario does not run (its run reports a problem); one without a trace is complete.
///
/// # Errors
/// The first syntax or validation error, with its file, line, field and value.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    parse_in(text, file, Products::builtin(), None)
}

/// [`parse`], then the replayed trace checked through `traces` — each distinct trace once per
/// [`Traces`], so every point of a sweep and every evaluation of a search shares one check —
/// and what depends on it validated: the scenario is ready to run.
///
/// # Errors
/// As [`parse`]; a trace that does not check (cannot be read, a row does not parse, no request
/// to replay…) is an error at `traffic.replay.path`.
pub fn parse_with(text: &str, file: &str, traces: &Traces) -> Result<Scenario, ScenarioError> {
    parse_in(text, file, Products::builtin(), Some(traces))
}

/// [`parse`] or, with `traces`, [`parse_with`], knowing the products of `products` — the
/// built-in ones ([`Products::builtin`]) and any added with [`Products::with`].
///
/// # Errors
/// As [`parse`] and [`parse_with`]; a `platform` that names none of `products` is an error at
/// its value.
pub fn parse_in(
    text: &str,
    file: &str,
    products: &Products,
    traces: Option<&Traces>,
) -> Result<Scenario, ScenarioError> {
    let syntax = |span, field: Option<String>, message: &str| {
        let message = message.trim_end();
        let help = error::help_for(field.as_deref(), message);
        let message = error::plain(message);
        ScenarioError::Syntax(Located::at(file, text, span, field, message, help))
    };
    let doc = toml_edit::Document::parse(text).map_err(|e| ScenarioError::toml(file, text, &e))?;
    let raw: RawDocument = toml::from_str(text).map_err(|e| {
        let field = e
            .span()
            .and_then(|s| doc::path_at(&doc, s.start))
            .map(|p| doc::path_text(&p));
        syntax(e.span(), field, e.message())
    })?;
    let cx = validate::Ctx {
        file,
        text,
        doc: &doc,
        traces,
        warnings: Default::default(),
        used_prices: Default::default(),
    };
    let raw = variant::read(&cx, raw, products)?;
    validate::scenario(&cx, raw, variant::validate)
}

/// A prices file (`--prices FILE`): a `[prices]` table written as in a scenario — private
/// rates and discounts — and nothing else.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PricesFile {
    prices: raw::RawPrices,
}

/// Check prices file `text` (`file` names it in errors): a `[prices]` table whose rates and
/// discounts name prices, providers, services and regions of the price books.
///
/// # Errors
/// The first syntax or validation error, with its file, line, field and value.
pub fn check_prices(text: &str, file: &str) -> Result<PriceChanges, ScenarioError> {
    let doc = toml_edit::Document::parse(text).map_err(|e| ScenarioError::toml(file, text, &e))?;
    let raw: PricesFile = toml::from_str(text).map_err(|e| {
        let field = e
            .span()
            .and_then(|s| doc::path_at(&doc, s.start))
            .map(|p| doc::path_text(&p));
        let message = e.message().trim_end();
        let help = error::help_for(field.as_deref(), message).or_else(|| {
            Some(
                "a prices file holds a [prices] table: [[prices.discount]] and [prices.rates]"
                    .into(),
            )
        });
        let message = error::plain(message);
        ScenarioError::Syntax(Located::at(file, text, e.span(), field, message, help))
    })?;
    let cx = validate::Ctx {
        file,
        text,
        doc: &doc,
        traces: None,
        warnings: Default::default(),
        used_prices: Default::default(),
    };
    validate::prices(&cx, Some(&raw.prices))
}

/// Scenario `text` with the `[prices]` of prices file `prices` (checked by [`check_prices`])
/// added to its own: the file's rates replace the scenario's for the same key, its discounts
/// come after the scenario's. What a run records is then the one scenario text it ran.
///
/// # Errors
/// Either text is not TOML, or the scenario's `prices` is not a table.
pub fn with_prices(text: &str, prices: &str) -> Result<String, String> {
    use toml_edit::{DocumentMut, Item, Table};
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let file: DocumentMut = prices.parse().map_err(|e| format!("{e}"))?;
    let Some(Item::Table(theirs)) = file.get("prices") else {
        return Ok(text.to_string());
    };
    let ours = doc
        .entry("prices")
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_mut()
        .ok_or("the scenario's `prices` is not a table")?;
    if let Some(rates) = theirs.get("rates").and_then(Item::as_table_like) {
        let target = ours
            .entry("rates")
            .or_insert_with(|| Item::Table(Table::new()))
            .as_table_like_mut()
            .ok_or("the scenario's `prices.rates` is not a table")?;
        for (k, v) in rates.iter() {
            target.insert(k, v.clone());
        }
    }
    if let Some(discounts) = theirs.get("discount") {
        let list: Vec<Table> = match discounts {
            Item::ArrayOfTables(a) => a.iter().cloned().collect(),
            Item::Value(toml_edit::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_inline_table().map(|t| t.clone().into_table()))
                .collect(),
            _ => Vec::new(),
        };
        let target = ours
            .entry("discount")
            .or_insert_with(|| Item::ArrayOfTables(Default::default()));
        if let Item::Value(toml_edit::Value::Array(a)) = target {
            let mut tables = toml_edit::ArrayOfTables::new();
            for v in a.iter() {
                if let Some(t) = v.as_inline_table() {
                    tables.push(t.clone().into_table());
                }
            }
            *target = Item::ArrayOfTables(tables);
        }
        let target = target
            .as_array_of_tables_mut()
            .ok_or("the scenario's `prices.discount` is not a list of tables")?;
        for t in list {
            target.push(t);
        }
    }
    Ok(doc.to_string())
}

/// Whether the number at `path` may be a fraction: `text` with a fraction just above `x` there
/// (and `others` set, so that no other field is still a sweep) still reads as a raw scenario.
/// Whole-number fields (`memory_mb`, `count`, `request_bytes`) refuse one by their raw type.
/// Only the raw layer is asked: nothing is validated and no trace is read.
pub fn takes_fractions(
    text: &str,
    others: &[(&[doc::Step], f64, doc::Form)],
    path: &[doc::Step],
    x: f64,
) -> bool {
    let mut settings = others.to_vec();
    settings.push((path, x + 0.5, doc::Form::Float));
    let Ok(t) = doc::set_values(text, "", &settings) else {
        return false;
    };
    let (Ok(doc), Ok(raw)) = (
        toml_edit::Document::parse(t.as_str()),
        toml::from_str::<RawDocument>(&t),
    ) else {
        return false;
    };
    let cx = validate::Ctx {
        file: "",
        text: &t,
        doc: &doc,
        traces: None,
        warnings: Default::default(),
        used_prices: Default::default(),
    };
    variant::read(&cx, raw, Products::builtin()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::doc::resolve_path;
    use super::*;

    const SCENARIO: &str = r#"
name = "s"
horizon = "1h"
[traffic]
arrivals = { process = "poisson", rate_per_s = 10 }
[traffic.request]
duration = { dist = "constant", ms = 100 }
request_bytes = 1000
[[variant]]
name = "fn"
platform = "lambda"
runtime = "python"
memory_mb = 128
"#;

    /// The raw layer answers: floats where the raw type is a float, whole numbers where it is
    /// an integer or a whole number written either way (bytes).
    #[test]
    fn fractions_are_a_fact_of_the_raw_layer() {
        let probe = |path: &str| {
            let (steps, _) = resolve_path(SCENARIO, path).unwrap();
            takes_fractions(SCENARIO, &[], &steps, 1.0)
        };
        assert!(probe("traffic.arrivals.rate_per_s"));
        assert!(probe("traffic.request.duration.ms"));
        assert!(!probe("variant[fn].memory_mb"));
        assert!(!probe("traffic.request.request_bytes"));
    }
}
