//! `[[variant]]` tables: one file per product with its schema and its validation
//! (`lambda.rs`, `ec2.rs`), and here the table they share — `name`, `platform` and the products'
//! fields — read with every serde error at its key or value.
//!
//! A product's fields are written once, in its `kind_fields!` table: that gives the raw
//! struct of `Option`s, the list of the fields it takes (in messages: "fields for platform =
//! ..."), which were given, and how each is read. Adding a product adds its file, a
//! [`PlatformKind`], a field of [`RawVariant`] and an arm in [`validate`] and in the reader.

mod ec2;
mod lambda;

use std::sync::OnceLock;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};

use super::doc::Step;
use super::validate::{Ctx, Result};
use super::{PlatformSpec, Variant};
use crate::traffic::Traffic;
use ec2::Ec2Fields;
use lambda::LambdaFields;

/// Kinds of platform: `platform = "lambda" | "ec2"`.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PlatformKind {
    /// An AWS Lambda function.
    Lambda,
    /// An EC2 fleet.
    Ec2,
}

/// One `[[variant]]`: its name, its platform, and the fields of every product as given (only
/// the platform's own may be; [`validate`] refuses the others by name).
#[derive(Debug)]
pub struct RawVariant {
    /// `name`.
    pub name: String,
    /// `platform`.
    pub platform: PlatformKind,
    /// Fields of `platform = "lambda"`.
    lambda: LambdaFields,
    /// Fields of `platform = "ec2"`.
    ec2: Ec2Fields,
}

/// The fields every variant has.
const HEAD: [&str; 2] = ["name", "platform"];

/// Every field a `[[variant]]` may have: [`HEAD`], then each product's in turn (the order of
/// serde's "expected one of").
fn all_fields() -> &'static [&'static str] {
    static ALL: OnceLock<Vec<&'static str>> = OnceLock::new();
    ALL.get_or_init(|| [&HEAD[..], LambdaFields::NAMES, Ec2Fields::NAMES].concat())
}

impl RawVariant {
    /// Every product field and whether it was given.
    fn present(&self) -> Vec<(&'static str, bool)> {
        [self.lambda.present(), self.ec2.present()].concat()
    }
}

/// Validate variant `raw` at `base`: refuse the fields its platform does not take, then let
/// the product check its own.
///
/// # Errors
/// The first field its platform does not take, or the product's first invalid value.
pub(super) fn validate(
    cx: &Ctx,
    base: &[Step],
    raw: &RawVariant,
    traffic: &Traffic,
) -> Result<Variant> {
    let only = |kind: &str, names: &[&str]| {
        cx.only(base, kind, &raw.present(), &[&HEAD[..], names].concat())
    };
    let platform: PlatformSpec = match raw.platform {
        PlatformKind::Lambda => {
            only(lambda::KIND, LambdaFields::NAMES)?;
            lambda::validate(cx, base, &raw.lambda, traffic)?
        }
        PlatformKind::Ec2 => {
            only(ec2::KIND, Ec2Fields::NAMES)?;
            ec2::validate(cx, base, &raw.ec2, &traffic.profile)?
        }
    };
    Ok(Variant {
        name: raw.name.clone(),
        platform,
    })
}

impl<'de> Deserialize<'de> for RawVariant {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_struct("RawVariant", all_fields(), VariantVisitor)
    }
}

/// Reads a `[[variant]]` table key by key, each value straight into its product's field, so
/// serde's errors keep their positions (nothing is buffered).
struct VariantVisitor;

impl<'de> Visitor<'de> for VariantVisitor {
    type Value = RawVariant;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("struct RawVariant")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<RawVariant, A::Error> {
        let (mut name, mut platform) = (None, None);
        let mut lambda = LambdaFields::default();
        let mut ec2 = Ec2Fields::default();
        while let Some(Field(field)) = map.next_key()? {
            match field {
                "name" => name = Some(map.next_value()?),
                "platform" => platform = Some(map.next_value()?),
                _ => {
                    // `Field` admits only known names: one of the products takes it.
                    let _ = lambda.set(field, &mut map)? || ec2.set(field, &mut map)?;
                }
            }
        }
        Ok(RawVariant {
            name: name.ok_or_else(|| de::Error::missing_field("name"))?,
            platform: platform.ok_or_else(|| de::Error::missing_field("platform"))?,
            lambda,
            ec2,
        })
    }
}

/// A key of a `[[variant]]` table; one that no product takes is refused here, at the key.
struct Field(&'static str);

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Names;
        impl Visitor<'_> for Names {
            type Value = Field;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("field identifier")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Field, E> {
                let all = all_fields();
                all.iter()
                    .copied()
                    .find(|f| *f == v)
                    .map(Field)
                    .ok_or_else(|| E::unknown_field(v, all))
            }
        }
        d.deserialize_identifier(Names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader puts a field's value into the first product that takes it, so two products
    /// may not declare the same field: one both take belongs in a table they share.
    #[test]
    fn products_declare_disjoint_fields() {
        let all = all_fields();
        let mut seen = std::collections::HashSet::new();
        for f in all {
            assert!(seen.insert(f), "`{f}` is declared twice");
        }
        assert_eq!(
            all.len(),
            HEAD.len() + LambdaFields::NAMES.len() + Ec2Fields::NAMES.len()
        );
    }

    /// Fields land in their product; the other products' stay empty.
    #[test]
    fn fields_land_in_their_product() {
        let v: RawVariant =
            toml::from_str("slots = 4\nname = \"a\"\nmemory_mb = 512\nplatform = \"ec2\"\n")
                .unwrap();
        assert_eq!(v.platform, PlatformKind::Ec2);
        assert_eq!(v.ec2.slots, Some(4));
        assert_eq!(v.lambda.memory_mb, Some(512));
        let given: Vec<&str> = v.present().iter().filter(|p| p.1).map(|p| p.0).collect();
        assert_eq!(given, ["memory_mb", "slots"]);
        let e = toml::from_str::<RawVariant>("name = \"a\"\nplatform = \"ec2\"\nslot = 1\n")
            .unwrap_err();
        assert!(
            e.message().starts_with(
                "unknown field `slot`, expected one of `name`, `platform`, `memory_mb`"
            ),
            "{e}"
        );
        assert_eq!(e.span().map(|s| s.start), Some(28), "at the key");
    }
}
