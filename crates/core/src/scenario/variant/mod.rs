//! `[[variant]]` tables: `name` and `platform` read here, the rest by the product `platform`
//! names. Each product ([`crate::offering::Product`], one file per product in `offering/`)
//! declares its fields and reads them through [`RawFields`], with serde's errors at their key
//! or value as for the rest of the file; then validates them through [`VariantCx`]. This file
//! names no product: it asks the [`Products`] the scenario is parsed with.

use std::ops::Range;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::doc::{self, Step};
use super::raw::RawScenario;
use super::validate::{Ctx, Result, join};
use super::{Located, ScenarioError, Variant};
use crate::offering::{PlatformSpec, Product, ProductFields, Products};
use crate::traffic::Traffic;

/// A `[[variant]]` table as serde reads it: its name and its platform, with the platform's
/// position; the product's fields are read afterwards, by the product.
#[derive(Debug, Deserialize)]
pub struct VariantHead {
    /// `name`.
    pub name: String,
    /// `platform`, where it is written.
    pub platform: Spanned<String>,
}

/// A `[[variant]]` table read by its product.
#[derive(Debug)]
pub struct RawVariant {
    /// `name`.
    pub name: String,
    /// The product `platform` names.
    product: &'static dyn Product,
    /// Every field of every product and whether this table gives it.
    present: Vec<(&'static str, bool)>,
    /// The product's fields, as it read them.
    fields: Box<dyn ProductFields>,
}

/// The fields every variant has.
const HEAD: [&str; 2] = ["name", "platform"];

/// A list of names as serde words it in "expected ..." (`a`, `a` or `b`, one of `a`, `b`, `c`).
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => "nothing".to_string(),
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        all => format!("one of {}", all.join(", ")),
    }
}

/// One `[[variant]]` table's keys and values as the TOML parser found them, with their
/// positions in the file: what a product reads its fields from.
pub struct RawFields<'a> {
    file: &'a str,
    text: &'a str,
    doc: &'a toml_edit::Document<&'a str>,
    table: &'a DeTable<'a>,
}

impl RawFields<'_> {
    /// The value of `field` read as a `T`, or `None` when the table does not give it.
    ///
    /// # Errors
    /// The value is not a `T`: serde's message, located at the value (or inside it) with its
    /// file, line, column and field path, as every other syntax error of the file.
    pub fn get<T: DeserializeOwned>(
        &self,
        field: &str,
    ) -> std::result::Result<Option<T>, ScenarioError> {
        let Some((_, value)) = self
            .table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == field)
        else {
            return Ok(None);
        };
        T::deserialize(ValueDeserializer::from(value.clone()))
            .map(Some)
            .map_err(|e| self.syntax(e.span().unwrap_or(value.span()), e.message()))
    }

    /// A syntax error at `span`, named by the field there.
    fn syntax(&self, span: Range<usize>, message: &str) -> ScenarioError {
        let field = doc::path_at(self.doc, span.start).map(|p| doc::path_text(&p));
        let message = message.trim_end().to_string();
        ScenarioError::Syntax(Located::at(
            self.file,
            self.text,
            Some(span),
            field,
            message,
            None,
        ))
    }
}

/// Read every `[[variant]]` of `raw` by its product in `products`: its `platform` names one of
/// them, each other key is a field that product or another declares, and each value has the
/// field's raw type.
///
/// # Errors
/// An unknown platform (at its value), an unknown field (at its key) or a value of the wrong
/// type (at the value), worded as serde words them.
pub(super) fn read(
    cx: &Ctx,
    raw: RawScenario<VariantHead>,
    products: &Products,
) -> Result<RawScenario<RawVariant>> {
    if raw.variants.is_empty() {
        return Ok(raw.with_variants(Vec::new()));
    }
    // The document again, as the TOML parser's tree with every position: serde read it just
    // now, so it parses.
    let root = DeTable::parse(cx.text).map_err(|e| {
        ScenarioError::Syntax(Located::at(
            cx.file,
            cx.text,
            e.span(),
            None,
            e.message().to_string(),
            None,
        ))
    })?;
    let tables: Vec<&DeTable> = match root.get_ref().get("variant").map(|v| v.get_ref()) {
        Some(DeValue::Array(a)) => a
            .iter()
            .filter_map(|t| match t.get_ref() {
                DeValue::Table(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let all = products.all_fields();
    let known: Vec<&str> = [&HEAD[..], &all].concat();
    let mut variants = Vec::with_capacity(raw.variants.len());
    for (head, table) in raw.variants.iter().zip(&tables) {
        let fields = RawFields {
            file: cx.file,
            text: cx.text,
            doc: cx.doc,
            table,
        };
        let Some(product) = products.find(head.platform.get_ref()) else {
            return Err(fields.syntax(
                head.platform.span(),
                &format!(
                    "unknown variant `{}`, expected {}",
                    head.platform.get_ref(),
                    one_of(&products.kinds())
                ),
            ));
        };
        let mut keys: Vec<_> = table.iter().map(|(k, _)| k).collect();
        keys.sort_by_key(|k| k.span().start);
        if let Some(k) = keys.iter().find(|k| !known.contains(&k.get_ref().as_ref())) {
            return Err(fields.syntax(
                k.span(),
                &format!(
                    "unknown field `{}`, expected {}",
                    k.get_ref(),
                    one_of(&known)
                ),
            ));
        }
        let present = all
            .iter()
            .map(|&f| (f, keys.iter().any(|k| k.get_ref().as_ref() == f)))
            .collect();
        variants.push(RawVariant {
            name: head.name.clone(),
            product,
            present,
            fields: product.read(&fields)?,
        });
    }
    Ok(raw.with_variants(variants))
}

/// What a product's validation is given: where its variant is, its traffic, and the checks
/// every product's fields share, with errors located at the field.
pub struct VariantCx<'a> {
    cx: &'a Ctx<'a>,
    base: &'a [Step],
    kind: &'a str,
    name: &'a str,
    traffic: &'a Traffic,
}

impl<'a> VariantCx<'a> {
    /// The variant's `name`.
    pub fn name(&self) -> &str {
        self.name
    }

    /// The traffic the variant will see, validated.
    pub fn traffic(&self) -> &Traffic {
        self.traffic
    }

    /// How messages name the product: `platform = "lambda"`.
    pub fn kind(&self) -> &str {
        self.kind
    }

    /// `value`, which the product requires.
    ///
    /// # Errors
    /// The field is missing: an error at the variant saying so.
    pub fn need<T: Clone>(&self, field: &str, value: &Option<T>) -> Result<T> {
        self.cx.need(self.base, self.kind, field, value)
    }

    /// `value` of `field` if it lies in `min..=max` (within `0..=u32::MAX`); `unit` follows
    /// the bounds in the message (e.g. `" MB"`).
    ///
    /// # Errors
    /// It lies outside: an error at the field, with the range allowed.
    pub fn int_in(&self, field: &str, value: i64, min: i64, max: i64, unit: &str) -> Result<u32> {
        self.cx.int_in(&self.path(field), value, min, max, unit)
    }

    /// An error at `field` of this variant: what is wrong (`message`) and what is allowed
    /// (`help`).
    pub fn error(
        &self,
        field: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> ScenarioError {
        self.cx.err(&self.path(field), message, help)
    }

    /// The path of `field` of this variant.
    fn path(&self, field: &str) -> Vec<Step> {
        join(self.base, &[Step::owned_key(field)])
    }

    /// The validation context, for the products of this crate (the whole kit).
    pub(crate) fn ctx(&self) -> &'a Ctx<'a> {
        self.cx
    }

    /// The variant's path: `variant[i]`.
    pub(crate) fn base(&self) -> &'a [Step] {
        self.base
    }
}

/// Validate variant `raw` at `base`: refuse the fields its product does not take, then let the
/// product check its own.
///
/// # Errors
/// The first field its product does not take, or the product's first invalid value.
pub(super) fn validate(
    cx: &Ctx,
    base: &[Step],
    raw: &RawVariant,
    traffic: &Traffic,
) -> Result<Variant> {
    let kind = format!("platform = \"{}\"", raw.product.kind());
    cx.only(
        base,
        &kind,
        &raw.present,
        &[&HEAD[..], raw.product.fields()].concat(),
    )?;
    let platform: PlatformSpec = raw.fields.validate(&VariantCx {
        cx,
        base,
        kind: &kind,
        name: &raw.name,
        traffic,
    })?;
    Ok(Variant {
        name: raw.name.clone(),
        platform,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde's wording of a list of names, which the messages here repeat.
    #[test]
    fn lists_read_as_serde_writes_them() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["lambda", "ec2"]), "`lambda` or `ec2`");
        assert_eq!(one_of(&["a", "b", "c"]), "one of `a`, `b`, `c`");
    }

    /// Fields land in their product; a key no product takes is refused at the key, with
    /// every field listed as serde lists them.
    #[test]
    fn fields_are_read_by_their_product() {
        let base = "name = \"t\"\nhorizon = \"1m\"\n[traffic]\narrivals = { process = \"poisson\", rate_per_s = 1 }\n[traffic.request]\nduration = { dist = \"constant\", ms = 10 }\n[[variant]]\n";
        let e = crate::scenario::parse(
            &format!("{base}name = \"a\"\nplatform = \"ec2\"\nslot = 1\n"),
            "x.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("unknown field `slot`, expected one of `name`, `platform`, `memory_mb`"),
            "{e}"
        );
        assert!(e.contains("x.toml:10:1"), "at the key: {e}");
        let e = crate::scenario::parse(
            &format!("{base}name = \"a\"\nplatform = \"gke\"\n"),
            "x.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("unknown variant `gke`, expected `lambda` or `ec2`"),
            "{e}"
        );
        assert!(e.contains("x.toml:9:12"), "at the value: {e}");
        let e = crate::scenario::parse(
            &format!("{base}name = \"a\"\nplatform = \"lambda\"\nruntime = \"python\"\nmemory_mb = \"big\"\n"),
            "x.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("x.toml:11:13"), "at the value: {e}");
    }
}
