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
use super::validate::{Ctx, Result, index, join, key};
use super::{Located, ScenarioError, Variant};
use crate::billing::book::{Price, PriceChanges, ProviderBook, catalog};
use crate::billing::purchase::Purchase;
use crate::offering::{PlatformSpec, Product, ProductFields, Products};
use crate::scenario::raw::RawPurchase;
use crate::traffic::Traffic;

/// A `[[variant]]` as serde reads it: a table (anything else is refused, at it, as serde words
/// it); its keys — `name`, `platform` and the product's fields — are read afterwards, in the
/// order the file gives them ([`read`]), from the TOML parser's tree.
#[derive(Debug)]
pub struct VariantHead;

impl<'de> Deserialize<'de> for VariantHead {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Table;
        impl<'de> serde::de::Visitor<'de> for Table {
            type Value = VariantHead;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("struct RawVariant")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<VariantHead, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(VariantHead)
            }
        }
        d.deserialize_struct("RawVariant", &["name", "platform"], Table)
    }
}

/// A `[[variant]]` table read by its product.
#[derive(Debug)]
pub struct RawVariant {
    /// `name`.
    pub name: String,
    /// `provider`, if given.
    provider: Option<String>,
    /// `region`, if given.
    region: Option<String>,
    /// `purchase`, if given.
    purchase: Option<RawPurchase>,
    /// `data_transfer_out`, `cloudwatch_logs`, `nat_gateway`, where given ([`SHARED`]).
    shared: [Option<bool>; 3],
    /// The product `platform` names.
    product: &'static dyn Product,
    /// Every field of every product and whether this table gives it.
    present: Vec<(&'static str, bool)>,
    /// The product's fields, as it read them.
    fields: Box<dyn ProductFields>,
}

/// The fields every variant has: its name, its product, and where the product runs, is priced
/// and how its capacity is bought (`provider`, `region`, `purchase`; for a product with a price
/// book).
const HEAD: [&str; 5] = ["name", "platform", "provider", "region", "purchase"];

/// The fields every variant of a product with a price book may give, after its product's own:
/// the lines people forget on a bill, each read by the product that bills it
/// ([`VariantCx::data_transfer_out`], [`VariantCx::cloudwatch_logs`], [`VariantCx::nat_gateway`])
/// and refused by one that does not.
pub const SHARED: [&str; 3] = ["data_transfer_out", "cloudwatch_logs", "nat_gateway"];

/// "; did you mean `x`?" when one of `names` is close to `given`, else nothing.
fn did_you_mean(given: &str, names: &[&str]) -> String {
    super::error::closest(given, names)
        .map(|n| format!("; did you mean `{n}`?"))
        .unwrap_or_default()
}

/// One `[[variant]]` table's keys and values as the TOML parser found them, with their
/// positions in the file: what a product reads its fields from.
pub struct RawFields<'a> {
    file: &'a str,
    text: &'a str,
    doc: &'a toml_edit::Document<&'a str>,
    table: &'a DeTable<'a>,
    /// Only this key is visible (reading one key where it stands in the file), or all.
    only: Option<&'a str>,
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
        if self.only.is_some_and(|only| only != field) {
            return Ok(None);
        }
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

    /// A syntax error at `span`, named by the field there (a wrong type says what is allowed).
    fn syntax(&self, span: Range<usize>, message: &str) -> ScenarioError {
        self.located(span, message, |field| {
            super::error::help_for(field, message.trim_end())
        })
    }

    /// A syntax error at `span` with its `help`.
    fn syntax_help(&self, span: Range<usize>, message: &str, help: String) -> ScenarioError {
        self.located(span, message, |_| Some(help))
    }

    /// A syntax error at `span`, named by the field there, its message in TOML's words and
    /// its help worked out from the field.
    fn located(
        &self,
        span: Range<usize>,
        message: &str,
        help: impl FnOnce(Option<&str>) -> Option<String>,
    ) -> ScenarioError {
        let field = doc::path_at(self.doc, span.start).map(|p| doc::path_text(&p));
        let help = help(field.as_deref());
        let message = super::error::plain(message);
        ScenarioError::Syntax(Located::at(
            self.file,
            self.text,
            Some(span),
            field,
            message.trim_end().to_string(),
            help,
        ))
    }
}

/// Read every `[[variant]]` of `raw` by its product in `products`, key by key in the file's
/// order as serde would: `name` a string, `platform` one of the products, every other key a
/// field of one of them with its raw type (a field of another product is read too, and refused
/// by name when validated); then `name` and `platform` must have been given.
///
/// # Errors
/// The first of: a value of the wrong type (at the value), an unknown platform (at its value),
/// an unknown field (at its key), a missing `name` or `platform` (at the table) — worded as
/// serde words them.
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
    let syntax_error = |e: toml::de::Error| {
        ScenarioError::Syntax(Located::at(
            cx.file,
            cx.text,
            e.span(),
            None,
            e.message().to_string(),
            None,
        ))
    };
    let root = DeTable::parse(cx.text).map_err(syntax_error)?;
    let entries: Vec<&Spanned<DeValue>> = match root.get_ref().get("variant").map(|v| v.get_ref()) {
        Some(DeValue::Array(a)) => a.iter().collect(),
        _ => Vec::new(),
    };
    let all = products.all_fields();
    let known: Vec<&str> = [&HEAD[..], &all, &SHARED[..]].concat();
    let mut variants = Vec::with_capacity(raw.variants.len());
    for (i, entry) in entries.iter().enumerate() {
        let DeValue::Table(table) = entry.get_ref() else {
            // serde refused every entry that is not a table; nothing to pair with.
            return Err(cx.err(
                &[key("variant"), index(i)],
                "a [[variant]] must be a table",
                "write it as a [[variant]] section or an inline table { name = ..., platform = ... }",
            ));
        };
        let fields = RawFields {
            file: cx.file,
            text: cx.text,
            doc: cx.doc,
            table,
            only: None,
        };
        let mut keys: Vec<_> = table.iter().map(|(k, _)| k).collect();
        keys.sort_by_key(|k| k.span().start);
        // The variant's own product, when its platform (wherever it stands in the table)
        // names one.
        let own = fields
            .get::<String>("platform")
            .ok()
            .flatten()
            .and_then(|kind| products.find(&kind));
        let (mut name, mut product, mut provider, mut region) = (None, None, None, None);
        let mut purchase = None;
        let mut shared = [None; 3];
        for k in &keys {
            let field = k.get_ref().as_ref();
            let one = RawFields {
                only: Some(field),
                ..fields
            };
            match field {
                "name" => name = one.get::<String>("name")?,
                "provider" => provider = one.get::<String>("provider")?,
                "region" => region = one.get::<String>("region")?,
                "purchase" => purchase = one.get::<RawPurchase>("purchase")?,
                f if SHARED.contains(&f) => {
                    let i = SHARED.iter().position(|&s| s == f).unwrap_or_default();
                    shared[i] = one.get::<bool>(f)?;
                }
                "platform" => {
                    let Some(kind) = one.get::<Spanned<String>>("platform")? else {
                        continue;
                    };
                    product = Some(products.find(kind.get_ref()).ok_or_else(|| {
                        let kinds = products.kinds();
                        fields.syntax_help(
                            kind.span(),
                            &format!("unknown platform `{}`", kind.get_ref()),
                            format!(
                                "allowed: {}{}",
                                kinds.join(", "),
                                did_you_mean(kind.get_ref(), &kinds)
                            ),
                        )
                    })?);
                }
                f => match own
                    .filter(|p| p.fields().contains(&f))
                    .or_else(|| products.iter().find(|p| p.fields().contains(&f)))
                {
                    // Its value's type, checked where it stands in the file: by the variant's
                    // own product when it takes the field (products may share a field's name,
                    // `memory_mb`, each reading it its own way), else by one that does (the
                    // field is then refused for this platform at validation).
                    Some(owner) => drop(owner.read(&one)?),
                    None => {
                        // The fields of the variant's own product, when its platform names one;
                        // else every product's.
                        let (message, allowed) = match own {
                            Some(p) => (
                                format!("unknown field `{f}` for platform = \"{}\"", p.kind()),
                                [&HEAD[..], p.fields(), &SHARED[..]].concat(),
                            ),
                            None => (format!("unknown field `{f}`"), known.clone()),
                        };
                        return Err(fields.syntax_help(
                            k.span(),
                            &message,
                            format!(
                                "allowed: {}{}",
                                allowed.join(", "),
                                did_you_mean(f, &allowed)
                            ),
                        ));
                    }
                },
            }
        }
        let missing =
            |field: &str| fields.syntax(entry.span(), &format!("missing field `{field}`"));
        let name = name.ok_or_else(|| missing("name"))?;
        let product = product.ok_or_else(|| missing("platform"))?;
        let present = all
            .iter()
            .map(|&f| (f, keys.iter().any(|k| k.get_ref().as_ref() == f)))
            .collect();
        variants.push(RawVariant {
            name,
            provider,
            region,
            purchase,
            shared,
            product,
            present,
            fields: product.read(&fields)?,
        });
    }
    if variants.len() != raw.variants.len() {
        // serde and the parser's tree disagree on the tables: never pair them silently.
        return Err(cx.err(
            &[key("variant")],
            format!(
                "{} [[variant]] tables read, {} found",
                raw.variants.len(),
                variants.len()
            ),
            "write each variant as a [[variant]] section",
        ));
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
    /// The provider's book and the region the variant is priced in (`None` for a product
    /// without a price book).
    book: Option<(&'static ProviderBook, String)>,
    prices: &'a PriceChanges,
    purchase: Option<&'a RawPurchase>,
    /// Whether the product asked for `purchase` ([`VariantCx::purchase`]): a `purchase` given to a
    /// product that never asks is refused, never ignored.
    purchase_read: std::cell::Cell<bool>,
    /// The [`SHARED`] fields, where given.
    shared: [Option<bool>; 3],
    /// Which of the [`SHARED`] fields the product asked for: one given to a product that never
    /// asks is refused, as `purchase` is.
    shared_read: std::cell::Cell<[bool; 3]>,
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

    /// The region the variant is priced in: its `region`, or its provider's default; `None`
    /// for a product without a price book.
    pub fn region(&self) -> Option<&str> {
        self.book.as_ref().map(|(_, r)| r.as_str())
    }

    /// Its provider's price book, if the product has one.
    pub fn book(&self) -> Option<&'static ProviderBook> {
        self.book.as_ref().map(|(b, _)| *b)
    }

    /// Whether `purchase` gives `payment` (a provider that does not price payments refuses it
    /// given at all, even as the default).
    pub(crate) fn purchase_gives_payment(&self) -> bool {
        self.purchase.is_some_and(|p| p.payment.is_some())
    }

    /// How the variant buys its capacity: its `purchase`, one of the product's `options`
    /// (`on_demand`, `reserved`, `committed_use`, `savings_plan`, `spot`); on demand when not
    /// given.
    ///
    /// # Errors
    /// An option not in `options`, or a field or value the option does not take, at it.
    pub fn purchase(&self, options: &[&str]) -> Result<Purchase> {
        self.purchase_read.set(true);
        match self.purchase {
            None => Ok(Purchase::OnDemand),
            Some(raw) => crate::scenario::validate::purchase(
                self.cx,
                &self.path("purchase"),
                raw,
                options,
                self.kind,
            ),
        }
    }

    /// [`SHARED`] field `i` as given, marked as read.
    fn shared(&self, i: usize) -> Option<bool> {
        let mut read = self.shared_read.get();
        read[i] = true;
        self.shared_read.set(read);
        self.shared[i]
    }

    /// `data_transfer_out = true`: the variant's responses leave for the internet and are
    /// billed as data transfer out (false when not given).
    pub fn data_transfer_out(&self) -> bool {
        self.shared(0).unwrap_or(false)
    }

    /// `cloudwatch_logs`, if given: whether the variant's logs are ingested by CloudWatch Logs
    /// (each product decides its default).
    pub fn cloudwatch_logs(&self) -> Option<bool> {
        self.shared(1)
    }

    /// `nat_gateway = true`: the variant's outbound traffic goes through a NAT gateway (false
    /// when not given).
    pub fn nat_gateway(&self) -> bool {
        self.shared(2).unwrap_or(false)
    }

    /// Price `id` of its provider in its region, with the scenario's `[prices]` changes; noted
    /// as used, for the warning on a change that matches no variant's price.
    ///
    /// # Errors
    /// The product has no price book, or the book has no such price: an error at the variant.
    pub fn price(&self, id: &str) -> Result<Price> {
        let Some((book, region)) = &self.book else {
            return Err(self.cx.err(
                self.base,
                format!("{} has no price book", self.kind),
                "its prices are the product's own",
            ));
        };
        let price = book.price(id, region, self.prices).map_err(|e| {
            self.cx
                .err(self.base, e, "`scalesim presets` lists the prices")
        })?;
        self.cx
            .used_prices
            .borrow_mut()
            .push(crate::billing::book::UsedPrice {
                provider: book.provider.clone(),
                region: region.clone(),
                id: id.to_string(),
                discountable: crate::billing::book::discountable(&price.unit),
            });
        Ok(price)
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
    prices: &PriceChanges,
) -> Result<Variant> {
    let kind = format!("platform = \"{}\"", raw.product.kind());
    let providers = raw.product.providers();
    let head: &[&str] = if providers.is_empty() {
        &HEAD[..2]
    } else {
        &HEAD
    };
    cx.only(
        base,
        &kind,
        &raw.present,
        &[head, raw.product.fields()].concat(),
    )?;
    if providers.is_empty()
        && let Some(i) = raw.shared.iter().position(Option::is_some)
    {
        return Err(cx.err(
            &join(base, &[key(SHARED[i])]),
            format!("`{}` does not apply to {kind}", SHARED[i]),
            "its prices are its own, not a provider's price book",
        ));
    }
    let book = where_priced(cx, base, raw, &kind)?;
    let vcx = VariantCx {
        cx,
        base,
        kind: &kind,
        name: &raw.name,
        traffic,
        book,
        prices,
        purchase: raw.purchase.as_ref(),
        purchase_read: false.into(),
        shared: raw.shared,
        shared_read: [false; 3].into(),
    };
    let platform: PlatformSpec = raw.fields.validate(&vcx)?;
    if raw.purchase.is_some() && !vcx.purchase_read.get() {
        return Err(cx.err(
            &join(base, &[key("purchase")]),
            format!("`purchase` does not apply to {kind}"),
            "it is bought on demand only",
        ));
    }
    let read = vcx.shared_read.get();
    if let Some(i) = (0..SHARED.len()).find(|&i| raw.shared[i].is_some() && !read[i]) {
        return Err(cx.err(
            &join(base, &[key(SHARED[i])]),
            format!("`{}` does not apply to {kind}", SHARED[i]),
            "its bill has no such line",
        ));
    }
    Ok(Variant {
        name: raw.name.clone(),
        platform,
    })
}

/// The price book and region of variant `raw`: its `provider` (one its product runs on; the
/// first by default) and its `region` (one of that book's; the book's default by default).
///
/// # Errors
/// A provider the product does not run on, or a region the book does not price, at its value.
fn where_priced(
    cx: &Ctx,
    base: &[Step],
    raw: &RawVariant,
    kind: &str,
) -> Result<Option<(&'static ProviderBook, String)>> {
    let providers = raw.product.providers();
    let Some(&first) = providers.first() else {
        let given = [
            ("provider", raw.provider.is_some()),
            ("region", raw.region.is_some()),
            ("purchase", raw.purchase.is_some()),
        ];
        if let Some((field, _)) = given.iter().find(|(_, g)| *g) {
            return Err(cx.err(
                &join(base, &[key(field)]),
                format!("`{field}` does not apply to {kind}"),
                "its prices are its own, not a provider's price book",
            ));
        }
        return Ok(None);
    };
    let provider = match raw.provider.as_deref() {
        None => first,
        Some(p) => providers.iter().copied().find(|&x| x == p).ok_or_else(|| {
            cx.err(
                &join(base, &[key("provider")]),
                format!("{kind} does not run on \"{p}\""),
                format!("allowed: {}", providers.join(", ")),
            )
        })?,
    };
    let book = catalog()
        .provider(provider)
        .expect("a product's providers have price books (offering tests)");
    let region = match &raw.region {
        None => book.default_region.clone(),
        Some(r) if book.regions.contains(r) => r.clone(),
        Some(r) => {
            let near = super::error::closest(
                r,
                &book.regions.iter().map(String::as_str).collect::<Vec<_>>(),
            )
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
            return Err(cx.err(
                &join(base, &[key("region")]),
                format!("{} has no prices for region \"{r}\"", book.title),
                format!("allowed: {}{near}", book.regions.join(", ")),
            ));
        }
    };
    Ok(Some((book, region)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A near miss is suggested; a name far from every allowed one is not.
    #[test]
    fn near_misses_are_suggested() {
        let names = ["memory_mb", "runtime", "timeout"];
        assert_eq!(
            did_you_mean("memroy_mb", &names),
            "; did you mean `memory_mb`?"
        );
        assert_eq!(did_you_mean("runtim", &names), "; did you mean `runtime`?");
        assert_eq!(did_you_mean("slots", &names), "");
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
            e.contains("unknown field `slot` for platform = \"ec2\"")
                && e.contains(
                    "allowed: name, platform, provider, region, purchase, instance_type, count, slots"
                )
                && e.contains("did you mean `slots`?"),
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
            e.contains("unknown platform `gke`") && e.contains("allowed: lambda, ec2"),
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

    /// Found by trying to break the reader: a variant written as a list is refused at it, as
    /// serde refused it before products read their own fields (never paired with the next
    /// table), and errors come in the file's order — a wrong value before a missing or wrong
    /// `platform` written after it.
    #[test]
    fn variants_are_tables_and_errors_come_in_the_files_order() {
        let head = "name = \"t\"\nhorizon = \"1m\"\n";
        let traffic = "[traffic]\narrivals = { process = \"poisson\", rate_per_s = 1 }\n[traffic.request]\nduration = { dist = \"constant\", ms = 10 }\n";
        let err = |text: String| {
            crate::scenario::parse(&text, "x.toml")
                .unwrap_err()
                .to_string()
        };
        let e = err(format!(
            "{head}variant = [[\"a\", \"ec2\"], {{ name = \"b\", platform = \"ec2\", instance_type = \"m7g.large\", count = 1, slots = 8 }}]\n{traffic}"
        ));
        assert!(
            e.contains("x.toml:3:12") && e.contains("invalid type: array, expected a table"),
            "{e}"
        );
        // Lines 7 [[variant]], 8 name, 9 the wrong value, 10 platform.
        let v = |body: &str| format!("{head}{traffic}[[variant]]\nname = \"l\"\n{body}");
        let e = err(v("memory_mb = \"x\"\n"));
        assert!(
            e.contains("x.toml:9:13") && e.contains("expected a whole number"),
            "{e}"
        );
        let e = err(v("memory_mb = \"x\"\nplatform = 5\n"));
        assert!(e.contains("x.toml:9:13"), "{e}");
        let e = err(v("memry_mb = 512\nplatform = \"lambd\"\n"));
        assert!(
            e.contains("x.toml:9:1") && e.contains("unknown field `memry_mb`"),
            "{e}"
        );
        assert!(e.contains("did you mean `memory_mb`?"), "{e}");
        let e = err(v("runtime = \"go\"\nmemory_mb = 512\n"));
        assert!(
            e.contains("x.toml:7:1") && e.contains("missing field `platform`"),
            "{e}"
        );
        let e = err(v("platform = 5\n"));
        assert!(
            e.contains("x.toml:9:12") && e.contains("expected a string"),
            "{e}"
        );
    }
}
