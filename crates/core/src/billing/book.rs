//! Price books as data: one TOML file per provider (`crates/core/prices/{aws,gcp,azure}.toml`,
//! embedded in the binary), each with its regions, its machine types, every price per region
//! and where each price comes from (a [`PriceSource`]: the provider's page, the date it was
//! read, the transcription used). `docs/price-books.md` describes the format.
//!
//! A variant is billed from one provider's prices in one region ([`ProviderBook::price`]),
//! after a scenario's changes ([`PriceChanges`]: private rates and negotiated discounts); a
//! changed price keeps its list value and says how it was changed ([`PriceChange`]), so every
//! invoice line priced from it is marked.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::Deserialize;

use super::catalog::{Arch, PriceSource, Tier};

/// The embedded books, by provider.
const BOOKS: [(&str, &str); 3] = [
    ("aws", include_str!("../../prices/aws.toml")),
    ("gcp", include_str!("../../prices/gcp.toml")),
    ("azure", include_str!("../../prices/azure.toml")),
];

/// Units that are not money per unit but a share of another price (a purchase option's
/// discount, a spot price) or a rate of events: discounts never apply to them.
const UNPRICED_UNITS: [&str; 2] = ["ratio", "per instance-hour"];

/// A machine type (a VM size): its shape, the same in every region.
#[derive(Clone, Debug, PartialEq)]
pub struct MachineType {
    /// API name, e.g. `m7g.large`, `e2-standard-2`, `Standard_D2s_v5`.
    pub name: String,
    /// vCPUs.
    pub vcpus: u32,
    /// Memory, GiB.
    pub memory_gib: f64,
    /// CPU architecture.
    pub arch: Arch,
    /// The vCPUs it sustains when it is a burstable or shared-core type (AWS T3's baseline
    /// utilisation × vCPUs, Compute Engine's e2 shared-core fractions, Azure B-series' base CPU
    /// performance): above it, it runs on credits or short bursts. `None`: every vCPU is its
    /// own. The book cites each in a comment beside the type.
    pub baseline_vcpus: Option<f64>,
}

/// How a scenario changed a price from the list: its list value and what was done.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceChange {
    /// The list price, USD per unit in each band (a share, for a ratio).
    pub list_usd: Vec<f64>,
    /// Whether the price is money (USD per unit) rather than a ratio or a rate of events.
    pub money: bool,
    /// What was done, in order: "private rate 0.07", "−8 % (EDP)".
    pub how: Vec<String>,
}

impl PriceChange {
    /// "list $0.0816 → private rate $0.07, −8 % (EDP)": what an invoice line shows.
    pub fn describe(&self) -> String {
        format!(
            "list {} → {}",
            usd_list(&self.list_usd),
            self.how.join(", ")
        )
    }
}

/// One price as a variant is billed by it: one provider, one region, after the scenario's
/// changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Price {
    /// Its id in the book, e.g. `lambda.duration.x86_64`, `ec2.m7g.large`.
    pub id: String,
    /// The unit it is charged per, e.g. "GB-s", "request", "instance-hour" ("ratio" for a
    /// share of another price).
    pub unit: String,
    /// USD per unit in each band of monthly usage (one unbounded band for a flat price).
    pub tiers: Vec<Tier>,
    /// Units free each month (0 when none).
    pub free_per_month: f64,
    /// Where it comes from, for this region.
    pub source: PriceSource,
    /// What is derived or uncertain about it ("" when nothing).
    pub note: String,
    /// Whether it could not be checked against the provider's page or a transcription of it.
    pub unverified: bool,
    /// How the scenario changed it, if it did.
    pub change: Option<PriceChange>,
}

impl Price {
    /// The price of the first band, USD per unit (the list rate a shape of cost over time
    /// uses).
    pub fn usd(&self) -> f64 {
        self.tiers[0].usd_per_unit
    }

    /// "list $0.0816 → private rate $0.07" when changed, for the invoice lines priced by it.
    pub fn change_text(&self) -> Option<String> {
        self.change.as_ref().map(PriceChange::describe)
    }
}

/// A price's value in one region, as the book gives it.
#[derive(Clone, Debug, PartialEq)]
struct RegionValue {
    usd: Vec<f64>,
    source: String,
    note: String,
    unverified: bool,
    /// The region's own free allowance, where it differs from the price's.
    free_per_month: Option<f64>,
}

/// A price in every region of its book.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    unit: String,
    /// Monthly upper bounds of each band but the last.
    bands: Vec<f64>,
    free_per_month: f64,
    by_region: BTreeMap<String, RegionValue>,
}

/// One provider's book: its regions, machine types, prices per region and sources.
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderBook {
    /// `aws`, `gcp`, `azure`: what scenario files write as `provider`.
    pub provider: String,
    /// "Amazon Web Services".
    pub title: String,
    /// The currency of every price: "USD".
    pub currency: String,
    /// The region a variant that names none is billed in.
    pub default_region: String,
    /// Every region priced.
    pub regions: Vec<String>,
    /// The machine types, by family and size.
    pub machines: Vec<MachineType>,
    /// The service a machine type's price id starts with (`ec2.m7g.large`).
    pub machine_service: String,
    prices: BTreeMap<String, Entry>,
    sources: BTreeMap<String, PriceSource>,
}

/// Every embedded provider book.
#[derive(Clone, Debug, PartialEq)]
pub struct Catalog {
    /// The books, in the order `aws`, `gcp`, `azure`.
    pub providers: Vec<ProviderBook>,
}

/// The embedded books, read once.
///
/// # Panics
/// An embedded book does not read: a build error of this crate, which its tests catch
/// (`every_price_has_a_source_and_a_date`).
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog {
        providers: BOOKS
            .iter()
            .map(|(name, text)| {
                ProviderBook::read(text).unwrap_or_else(|e| panic!("prices/{name}.toml: {e}"))
            })
            .collect(),
    })
}

impl Catalog {
    /// The book of `provider`.
    pub fn provider(&self, provider: &str) -> Option<&ProviderBook> {
        self.providers.iter().find(|b| b.provider == provider)
    }

    /// Every provider's name, in order.
    pub fn provider_names(&self) -> Vec<&str> {
        self.providers.iter().map(|b| b.provider.as_str()).collect()
    }
}

/// A list price from the embedded books, no change applied: `id` of `provider` in `region`.
///
/// # Panics
/// No such provider, region or price: for the crate's own tests and constants, which name
/// prices the books have.
pub fn list_price(provider: &str, region: &str, id: &str) -> Price {
    catalog()
        .provider(provider)
        .unwrap_or_else(|| panic!("no price book for {provider}"))
        .price(id, region, &PriceChanges::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

impl ProviderBook {
    /// Read a book from its TOML text, every price checked: a value for every region, as many
    /// values as bands, a known source, no negative price.
    ///
    /// # Errors
    /// The first thing wrong, as a sentence naming the price.
    pub fn read(text: &str) -> Result<ProviderBook, String> {
        let raw: RawBook = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut sources = BTreeMap::new();
        for (id, s) in raw.source {
            if !is_date(&s.read_on) {
                return Err(format!(
                    "source {id}: read_on {:?} is not a date (YYYY-MM-DD or YYYY-MM)",
                    s.read_on
                ));
            }
            if !s.url.starts_with("https://") {
                return Err(format!("source {id}: url {:?} is not https://", s.url));
            }
            sources.insert(
                id,
                PriceSource {
                    provider: raw.title.clone().into(),
                    service: s.service.into(),
                    region: String::new().into(),
                    read_on: s.read_on.into(),
                    url: s.url.into(),
                    via: s.via.into(),
                },
            );
        }
        let mut prices = BTreeMap::new();
        for (id, p) in raw.price {
            let entry = entry(
                &id,
                &p.unit,
                p.tiers,
                p.free_per_month,
                &p.common,
                p.regions,
            )?;
            prices.insert(id, entry);
        }
        let mut machines = Vec::new();
        let machine_service = match raw.machines {
            None => String::new(),
            Some(m) => {
                for (name, t) in m.types {
                    let arch = match t.arch.as_str() {
                        "x86_64" => Arch::X86_64,
                        "arm64" => Arch::Arm64,
                        other => return Err(format!("machine {name}: arch {other:?}")),
                    };
                    let common = Common {
                        source: m.source.clone(),
                        note: t.note,
                        unverified: t.unverified,
                    };
                    let id = format!("{}.{name}", m.service);
                    let e = entry(&id, "instance-hour", Vec::new(), 0.0, &common, t.regions)?;
                    prices.insert(id, e);
                    if let Some(b) = t.baseline_vcpus
                        && !(b > 0.0 && b <= f64::from(t.vcpus))
                    {
                        return Err(format!(
                            "machine {name}: baseline_vcpus {b} is not above 0 and at most its \
                             {} vCPUs",
                            t.vcpus
                        ));
                    }
                    machines.push(MachineType {
                        name,
                        vcpus: t.vcpus,
                        memory_gib: t.memory_gib,
                        arch,
                        baseline_vcpus: t.baseline_vcpus,
                    });
                }
                // By family, then size: t3.nano … t3.xlarge, m5.large … m5.4xlarge.
                machines.sort_by(|a, b| {
                    // c6i of c6i.2xlarge, e2-standard of e2-standard-2.
                    let family = |m: &MachineType| {
                        m.name
                            .rsplit_once(['.', '-'])
                            .map_or(m.name.clone(), |(f, _)| f.to_string())
                    };
                    (family(a), a.vcpus, a.memory_gib.to_bits()).cmp(&(
                        family(b),
                        b.vcpus,
                        b.memory_gib.to_bits(),
                    ))
                });
                m.service
            }
        };
        let book = ProviderBook {
            provider: raw.provider,
            title: raw.title,
            currency: raw.currency,
            default_region: raw.default_region,
            regions: raw.regions,
            machines,
            machine_service,
            prices,
            sources,
        };
        book.check()?;
        Ok(book)
    }

    /// Every price gives every region, from a known source, and nothing else.
    fn check(&self) -> Result<(), String> {
        if !self.regions.contains(&self.default_region) {
            return Err(format!(
                "default_region {} is not a region",
                self.default_region
            ));
        }
        for (id, e) in &self.prices {
            for r in &self.regions {
                let v = e
                    .by_region
                    .get(r)
                    .ok_or_else(|| format!("price {id}: no value for region {r}"))?;
                if !self.sources.contains_key(&v.source) {
                    return Err(format!("price {id} ({r}): unknown source {:?}", v.source));
                }
            }
            if let Some(r) = e.by_region.keys().find(|r| !self.regions.contains(r)) {
                return Err(format!("price {id}: {r:?} is not a region of the book"));
            }
        }
        Ok(())
    }

    /// Every price id, in alphabetical order (a service's prices together).
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.prices.keys().map(String::as_str)
    }

    /// The machine type named `name`.
    pub fn machine(&self, name: &str) -> Option<&MachineType> {
        self.machines.iter().find(|m| m.name == name)
    }

    /// The price id of machine type `name`: `ec2.m7g.large`.
    pub fn machine_price_id(&self, name: &str) -> String {
        format!("{}.{name}", self.machine_service)
    }

    /// Whether `service` is the first part of one of its price ids (`lambda`, `ec2`).
    pub fn has_service(&self, service: &str) -> bool {
        self.ids().any(|id| service_of(id) == service)
    }

    /// Price `id` in `region`, with `changes` applied: a private rate replaces the list value
    /// (one for this region before one for every region), then each discount that covers it
    /// takes its percentage off (discounts never touch a ratio or a rate of events).
    ///
    /// # Errors
    /// No such region or price: a sentence saying what the book has.
    pub fn price(&self, id: &str, region: &str, changes: &PriceChanges) -> Result<Price, String> {
        if !self.regions.iter().any(|r| r == region) {
            return Err(format!(
                "{} has no prices for region {region:?}; its regions: {}",
                self.title,
                self.regions.join(", ")
            ));
        }
        let e = self
            .prices
            .get(id)
            .ok_or_else(|| format!("{} has no price {id:?}", self.title))?;
        let v = &e.by_region[region];
        let list = v.usd.clone();
        let mut usd = list.clone();
        let mut how = Vec::new();
        let rate = changes
            .rates
            .iter()
            .filter(|r| r.covers(&self.provider, region, id))
            .max_by_key(|r| r.region.is_some());
        let money = !UNPRICED_UNITS.contains(&e.unit.as_str());
        if let Some(r) = rate {
            usd.clone_from(&r.usd);
            how.push(format!("private rate {}", values(&r.usd, money)));
        }
        if money {
            for d in changes
                .discounts
                .iter()
                .filter(|d| d.covers(&self.provider, region, id))
            {
                usd.iter_mut().for_each(|u| *u *= 1.0 - d.percent / 100.0);
                how.push(d.describe());
            }
        }
        let tiers: Vec<Tier> = usd
            .iter()
            .zip(e.bands.iter().copied().chain([f64::INFINITY]))
            .map(|(&usd_per_unit, up_to)| Tier {
                up_to,
                usd_per_unit,
            })
            .collect();
        let source = PriceSource {
            region: region.to_string().into(),
            ..self.sources[&v.source].clone()
        };
        Ok(Price {
            id: id.to_string(),
            unit: e.unit.clone(),
            tiers,
            free_per_month: v.free_per_month.unwrap_or(e.free_per_month),
            source,
            note: v.note.clone(),
            unverified: v.unverified,
            change: (!how.is_empty()).then_some(PriceChange {
                list_usd: list,
                money,
                how,
            }),
        })
    }

    /// The unit of price `id`, if it exists: "GB-s", "instance-hour", "ratio", ….
    pub fn unit(&self, id: &str) -> Option<&str> {
        self.prices.get(id).map(|e| e.unit.as_str())
    }

    /// How many bands price `id` has (1 for a flat price), if it exists.
    pub fn bands(&self, id: &str) -> Option<usize> {
        self.prices.get(id).map(|e| e.bands.len() + 1)
    }

    /// Every source, by id.
    pub fn sources(&self) -> &BTreeMap<String, PriceSource> {
        &self.sources
    }

    /// `scalesim presets --provider P --region R`: the machine types and every price in
    /// `region` after `changes`, grouped by service, then the sources.
    ///
    /// # Errors
    /// No such region.
    pub fn listing(&self, region: &str, changes: &PriceChanges) -> Result<String, String> {
        let mut s = format!(
            "{} ({}), region {region}, {}; † unverified or derived (see the note)\n",
            self.title, self.provider, self.currency
        );
        if !self.machines.is_empty() {
            let _ = writeln!(
                s,
                "\nMachine types (instance_type = ...), on-demand per instance-hour:"
            );
            for m in &self.machines {
                let p = self.price(&self.machine_price_id(&m.name), region, changes)?;
                let sustained = m
                    .baseline_vcpus
                    .map(|b| format!("  (burstable: {} vCPU sustained)", number(b)))
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "  {:<18} {:>3} vCPU {:>6} GiB  {:<7} {}{}{sustained}",
                    m.name,
                    m.vcpus,
                    m.memory_gib,
                    m.arch.name(),
                    price_text(&p),
                    mark(&p)
                );
            }
        }
        let mut service = "";
        for id in self.ids() {
            let machine = id
                .strip_prefix(&self.machine_service)
                .and_then(|m| m.strip_prefix('.'))
                .is_some_and(|m| self.machine(m).is_some());
            if machine {
                continue;
            }
            if service_of(id) != service {
                service = service_of(id);
                let _ = writeln!(s, "\n{service}:");
            }
            let p = self.price(id, region, changes)?;
            let free = if p.free_per_month > 0.0 {
                format!(", {} {} free per month", p.free_per_month, p.unit)
            } else {
                String::new()
            };
            let _ = writeln!(s, "  {id:<44} {}{free}{}", price_text(&p), mark(&p));
            if !p.note.is_empty() {
                let _ = writeln!(s, "      note: {}", p.note);
            }
        }
        let _ = writeln!(s, "\nSources (read on; page; via):");
        for (id, src) in &self.sources {
            let _ = writeln!(s, "  {id:<14} {}  {}", src.read_on, src.url);
            if !src.via.is_empty() {
                let _ = writeln!(s, "      via {}", src.via);
            }
        }
        Ok(s)
    }
}

/// "$0.0816 per instance-hour", "$0.0000166667 / $0.000015 / $0.0000133334 per GB-s (bands
/// up to 6e9, 15e9 per month)", "0.7 ratio".
fn price_text(p: &Price) -> String {
    let usd: Vec<f64> = p.tiers.iter().map(|t| t.usd_per_unit).collect();
    let mut s = if UNPRICED_UNITS.contains(&p.unit.as_str()) {
        let v: Vec<String> = usd.iter().map(|&u| format!("{}", number(u))).collect();
        format!("{} {}", v.join(" / "), p.unit)
    } else {
        format!("{} per {}", usd_list(&usd), p.unit)
    };
    if p.tiers.len() > 1 {
        let bounds: Vec<String> = p.tiers[..p.tiers.len() - 1]
            .iter()
            .map(|t| format!("{}", t.up_to))
            .collect();
        let _ = write!(s, " (bands up to {} per month)", bounds.join(", "));
    }
    if let Some(c) = &p.change {
        let _ = write!(s, " [{}]", c.describe());
    }
    s
}

/// " †" for an unverified or derived price.
fn mark(p: &Price) -> &'static str {
    if p.unverified { " †" } else { "" }
}

/// "$0.07", "$0.000015 / $0.000014", or "0.63" for a share (`money` false).
fn values(v: &[f64], money: bool) -> String {
    if money {
        usd_list(v)
    } else {
        let v: Vec<String> = v.iter().map(|&u| format!("{}", number(u))).collect();
        v.join(" / ")
    }
}

/// "$0.07" or "$0.000015 / $0.000014".
fn usd_list(usd: &[f64]) -> String {
    let v: Vec<String> = usd.iter().map(|&u| format!("${}", number(u))).collect();
    v.join(" / ")
}

/// `x` to 7 significant digits, written shortest: 0.0644 for 0.07 × 0.92 (not
/// 0.06440000000000001), 0.000015333364 for 0.0000166667 × 0.92.
pub fn number(x: f64) -> f64 {
    format!("{x:.6e}").parse().unwrap_or(x)
}

/// The service of a price id: its first part (`lambda` of `lambda.requests`).
pub fn service_of(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

/// "2026-05-04" or "2026-08".
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    (b.len() == 7 || b.len() == 10)
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && (b.len() == 7 || (b[7] == b'-' && digits(8..10)))
}

/// A price's entry from its raw values, each region's checked against the bands.
fn entry(
    id: &str,
    unit: &str,
    bands: Vec<f64>,
    free_per_month: f64,
    common: &Common,
    regions: BTreeMap<String, RawValue>,
) -> Result<Entry, String> {
    let mut by_region = BTreeMap::new();
    for (region, value) in regions {
        let (usd, source, note, unverified, free) = match value {
            RawValue::One(u) => (vec![u], None, None, None, None),
            RawValue::Bands(v) => (v, None, None, None, None),
            RawValue::Detailed(d) => (
                d.usd.into_vec(),
                d.source,
                d.note,
                d.unverified,
                d.free_per_month,
            ),
        };
        if free.is_some_and(|f| !(f.is_finite() && f >= 0.0)) {
            return Err(format!("price {id} ({region}): free_per_month below 0"));
        }
        if usd.len() != bands.len() + 1 {
            return Err(format!(
                "price {id} ({region}): {} values for {} bands",
                usd.len(),
                bands.len() + 1
            ));
        }
        if usd.iter().any(|u| !u.is_finite() || *u < 0.0) {
            return Err(format!("price {id} ({region}): a value below 0"));
        }
        let note = match (&common.note, note) {
            (Some(a), Some(b)) => format!("{a}; {b}"),
            (Some(a), None) => a.clone(),
            (None, Some(b)) => b,
            (None, None) => String::new(),
        };
        by_region.insert(
            region,
            RegionValue {
                usd,
                source: source.unwrap_or_else(|| common.source.clone()),
                note,
                unverified: unverified.unwrap_or(common.unverified),
                free_per_month: free,
            },
        );
    }
    Ok(Entry {
        unit: unit.to_string(),
        bands,
        free_per_month,
        by_region,
    })
}

/// A scenario's changes to list prices: private rates and negotiated discounts
/// (`[prices]`, validated).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PriceChanges {
    /// Private rates, in the order given.
    pub rates: Vec<Rate>,
    /// Discounts, applied in the order given.
    pub discounts: Vec<Discount>,
}

impl PriceChanges {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.rates.is_empty() && self.discounts.is_empty()
    }
}

/// A private rate: `[prices.rates] "ec2.m7g.large" = 0.07` (every region of the provider whose
/// book has that id) or `"aws/eu-west-1/ec2.m7g.large" = 0.075`.
#[derive(Clone, Debug, PartialEq)]
pub struct Rate {
    /// The provider.
    pub provider: String,
    /// The region, or every region.
    pub region: Option<String>,
    /// The price id.
    pub id: String,
    /// USD per unit in each band.
    pub usd: Vec<f64>,
}

/// A price a variant was priced with: its provider, region and id, and whether a discount
/// may change it (money, not a ratio or a rate of events).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsedPrice {
    /// The provider.
    pub provider: String,
    /// The region.
    pub region: String,
    /// The price id.
    pub id: String,
    /// Whether it is an amount of money ([`discountable`]).
    pub discountable: bool,
}

/// Whether a price of `unit` is money that a discount takes its percentage off: not a share
/// of on-demand ("ratio") nor a rate of events ("per instance-hour").
pub fn discountable(unit: &str) -> bool {
    !UNPRICED_UNITS.contains(&unit)
}

impl Rate {
    /// Whether it replaces `provider`'s price `id` in `region`.
    pub fn covers(&self, provider: &str, region: &str, id: &str) -> bool {
        self.provider == provider
            && self.id == id
            && self.region.as_deref().is_none_or(|r| r == region)
    }
}

/// A negotiated discount: `[[prices.discount]] percent = 8, provider = "aws", service =
/// "ec2", region = "eu-west-1", name = "EDP"` (each filter optional).
#[derive(Clone, Debug, PartialEq)]
pub struct Discount {
    /// A name for reports ("EDP"), if given.
    pub name: Option<String>,
    /// Percentage off, above 0 and below 100.
    pub percent: f64,
    /// Only this provider's prices.
    pub provider: Option<String>,
    /// Only the prices of this service (the first part of their id: `lambda`, `ec2`).
    pub service: Option<String>,
    /// Only prices in this region.
    pub region: Option<String>,
}

impl Discount {
    /// Whether its filters select `provider`'s price `id` in `region` (its unit aside: see
    /// [`discountable`]).
    pub fn covers(&self, provider: &str, region: &str, id: &str) -> bool {
        self.provider.as_deref().is_none_or(|p| p == provider)
            && self.service.as_deref().is_none_or(|s| s == service_of(id))
            && self.region.as_deref().is_none_or(|r| r == region)
    }

    /// "−8 % (EDP)".
    pub fn describe(&self) -> String {
        match &self.name {
            Some(n) => format!("−{} % ({n})", self.percent),
            None => format!("−{} %", self.percent),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBook {
    provider: String,
    title: String,
    currency: String,
    default_region: String,
    regions: Vec<String>,
    source: BTreeMap<String, RawSource>,
    #[serde(default)]
    price: BTreeMap<String, RawPrice>,
    machines: Option<RawMachines>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    service: String,
    url: String,
    read_on: String,
    #[serde(default)]
    via: String,
}

/// What a price and a machine share: their source, note and whether they are unverified.
#[derive(Deserialize, Default)]
struct Common {
    source: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    unverified: bool,
}

#[derive(Deserialize)]
struct RawPrice {
    unit: String,
    #[serde(default)]
    tiers: Vec<f64>,
    #[serde(default)]
    free_per_month: f64,
    #[serde(flatten)]
    common: Common,
    #[serde(flatten)]
    regions: BTreeMap<String, RawValue>,
}

#[derive(Deserialize)]
struct RawMachines {
    service: String,
    source: String,
    types: BTreeMap<String, RawMachine>,
}

#[derive(Deserialize)]
struct RawMachine {
    vcpus: u32,
    memory_gib: f64,
    arch: String,
    #[serde(default)]
    baseline_vcpus: Option<f64>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    unverified: bool,
    #[serde(flatten)]
    regions: BTreeMap<String, RawValue>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawValue {
    One(f64),
    Bands(Vec<f64>),
    Detailed(RawDetailed),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDetailed {
    usd: OneOrBands,
    source: Option<String>,
    note: Option<String>,
    unverified: Option<bool>,
    /// The region's own free allowance (units a month), where it differs from the price's.
    free_per_month: Option<f64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrBands {
    One(f64),
    Bands(Vec<f64>),
}

impl OneOrBands {
    fn into_vec(self) -> Vec<f64> {
        match self {
            OneOrBands::One(u) => vec![u],
            OneOrBands::Bands(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule: every price of every book has a source with a page and a date, in
    /// every region; a derived or uncertain price says why.
    #[test]
    fn every_price_has_a_source_and_a_date() {
        let c = catalog();
        assert_eq!(c.provider_names(), ["aws", "gcp", "azure"]);
        for b in &c.providers {
            assert!(
                b.regions.len() >= 3,
                "{}: three regions at least",
                b.provider
            );
            for region in &b.regions {
                for id in b.ids() {
                    let p = b.price(id, region, &PriceChanges::default()).unwrap();
                    assert!(is_date(&p.source.read_on), "{id} {region}");
                    assert!(p.source.url.starts_with("https://"), "{id} {region}");
                    assert_eq!(p.source.region, region.as_str());
                    assert!(!p.unverified || !p.note.is_empty(), "{id} {region}: why?");
                    assert!(p.tiers.iter().all(|t| t.usd_per_unit >= 0.0));
                }
            }
        }
    }

    #[test]
    fn dates_are_days_or_months() {
        assert!(is_date("2026-05-04") && is_date("2026-08"));
        assert!(!is_date("2026") && !is_date("May 2026") && !is_date("2026-5-4"));
    }

    /// A private rate replaces the list value (a region's own before the provider-wide one);
    /// a discount then takes its share off money prices and leaves ratios alone.
    #[test]
    fn changes_apply_in_order() {
        let aws = catalog().provider("aws").unwrap();
        let changes = PriceChanges {
            rates: vec![
                Rate {
                    provider: "aws".into(),
                    region: None,
                    id: "ec2.m7g.large".into(),
                    usd: vec![0.07],
                },
                Rate {
                    provider: "aws".into(),
                    region: Some("us-east-1".into()),
                    id: "ec2.m7g.large".into(),
                    usd: vec![0.06],
                },
            ],
            discounts: vec![Discount {
                name: Some("EDP".into()),
                percent: 10.0,
                provider: Some("aws".into()),
                service: Some("ec2".into()),
                region: None,
            }],
        };
        let p = aws.price("ec2.m7g.large", "us-east-1", &changes).unwrap();
        // 0.06 (this region's rate) × (1 − 0.10) = 0.054.
        assert!((p.usd() - 0.054).abs() < 1e-12);
        let c = p.change.unwrap();
        assert_eq!(c.list_usd, [0.0816]);
        assert_eq!(
            c.describe(),
            "list $0.0816 → private rate $0.06, −10 % (EDP)"
        );
        // The discount is for ec2 only: Lambda keeps its list price and no change.
        let l = aws.price("lambda.requests", "us-east-1", &changes).unwrap();
        assert_eq!((l.usd(), l.change), (0.20e-6, None));
    }
}
