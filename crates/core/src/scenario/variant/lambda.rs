//! AWS Lambda as a `[[variant]]`: the fields it takes, each written once (in
//! [`LambdaFields`]), their raw types, and their validation into [`PlatformSpec::Lambda`].

use super::super::doc::Step;
use super::super::raw::{RawDist, kind_fields};
use super::super::validate::{Ctx, Result, dist, join, key};
use crate::billing::LambdaBilling;
use crate::billing::catalog::Arch;
use crate::engine::SimDuration;
use crate::platform::serverless::limits::{
    DEFAULT_CONCURRENCY, MAX_TIMEOUT, MIN_TIMEOUT, MIN_UNRESERVED_CONCURRENCY,
};
use crate::platform::serverless::{
    DEFAULT_KEEP_ALIVE, FunctionConfig, MAX_MEMORY_MB, MIN_MEMORY_MB, ReservedConcurrency,
    runtime_cold_start, runtime_names,
};
use crate::scenario::PlatformSpec;
use crate::traffic::{FunctionInfo, Traffic};
use serde::Deserialize;

/// How errors name the kind.
pub(super) const KIND: &str = "platform = \"lambda\"";

kind_fields! {
    /// The fields of `platform = "lambda"`, in the order messages list them.
    pub struct LambdaFields {
        memory_mb: i64,
        arch: RawArch,
        runtime: String,
        cold_start: RawDist,
        keep_alive: String,
        concurrency: i64,
        reserved_concurrency: RawReserved,
        timeout: String,
        api_gateway: bool,
        free_tier: bool,
        memory_from_trace: bool,
    }
}

/// `arch = "x86_64" | "arm64"`.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum RawArch {
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "arm64")]
    Arm64,
}

/// `reserved_concurrency = 100` (every function of the variant) or
/// `reserved_concurrency = { checkout = 200, search = 50 }` (by function name or unique prefix).
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum RawReserved {
    Each(i64),
    ByFunction(std::collections::BTreeMap<String, i64>),
}

/// Validate the fields of a `platform = "lambda"` variant at `base` (its other fields are
/// already refused): AWS's memory sizes, keep-alive, account and reserved concurrency, timeout.
///
/// # Errors
/// The first invalid value, located at its field.
pub(super) fn validate(
    cx: &Ctx,
    base: &[Step],
    raw: &LambdaFields,
    traffic: &Traffic,
) -> Result<PlatformSpec> {
    let profile = &traffic.profile;
    let kind = KIND;
    let p = |f| join(base, &[key(f)]);
    let memory_mb = cx.int_in(
        &p("memory_mb"),
        cx.need(base, kind, "memory_mb", &raw.memory_mb)?,
        i64::from(MIN_MEMORY_MB),
        i64::from(MAX_MEMORY_MB),
        " MB (AWS Lambda memory sizes)",
    )?;
    if profile.memory_mb > memory_mb {
        return Err(cx.err(
            &p("memory_mb"),
            format!(
                "{memory_mb} MB is less than the {} MB each request uses (traffic.request.memory_mb)",
                profile.memory_mb
            ),
            "give the function at least as much memory as one request uses",
        ));
    }
    let cold_start = match (&raw.runtime, &raw.cold_start) {
        (_, Some(d)) => dist(cx, &p("cold_start"), d)?,
        (Some(rt), None) => runtime_cold_start(rt).ok_or_else(|| {
            cx.err(
                &p("runtime"),
                format!("unknown runtime \"{rt}\""),
                format!(
                    "allowed: {}; or give `cold_start` explicitly",
                    runtime_names().join(", ")
                ),
            )
        })?,
        (None, None) => {
            return Err(cx.err(
                base,
                "a lambda variant needs `runtime` or `cold_start`",
                format!(
                    "set runtime to one of {}, or cold_start = {{ dist = \"constant\", ms = 0 }}",
                    runtime_names().join(", ")
                ),
            ));
        }
    };
    let keep_alive = match &raw.keep_alive {
        None => DEFAULT_KEEP_ALIVE,
        Some(text) => {
            let d = cx.duration(&p("keep_alive"), text)?;
            if d == SimDuration::ZERO {
                return Err(cx.err(
                    &p("keep_alive"),
                    "keep-alive of 0",
                    "allowed: a duration greater than 0",
                ));
            }
            d
        }
    };
    let account_concurrency = cx.int_in(
        &p("concurrency"),
        raw.concurrency.unwrap_or(i64::from(DEFAULT_CONCURRENCY)),
        1,
        1_000_000,
        " concurrent executions (the account's limit, shared by its functions)",
    )?;
    let reserved_concurrency = match &raw.reserved_concurrency {
        None => ReservedConcurrency::None,
        // A replay not checked yet: its function names are resolved when it is (parse_with).
        Some(RawReserved::ByFunction(map)) if traffic.trace_unchecked() => {
            for v in map.values() {
                let path = p("reserved_concurrency");
                let account = i64::from(account_concurrency);
                cx.int_in(&path, *v, 0, account, " concurrent executions")?;
            }
            ReservedConcurrency::ByFunction(Vec::new())
        }
        Some(r) => reserved(
            cx,
            &p("reserved_concurrency"),
            r,
            traffic.functions(),
            account_concurrency,
        )?,
    };
    let timeout = match &raw.timeout {
        None => MAX_TIMEOUT,
        Some(text) => {
            let t = cx.duration(&p("timeout"), text)?;
            if !(MIN_TIMEOUT..=MAX_TIMEOUT).contains(&t) {
                return Err(cx.err(
                    &p("timeout"),
                    format!("timeout \"{text}\" is out of range"),
                    "allowed: 1s to 900s (15 minutes), Lambda's function timeout",
                ));
            }
            t
        }
    };
    Ok(PlatformSpec::Lambda {
        function: FunctionConfig {
            memory_mb,
            keep_alive,
            account_concurrency,
            reserved_concurrency,
            timeout,
            cold_start,
            memory_from_trace: raw.memory_from_trace.unwrap_or(true),
        },
        billing: LambdaBilling {
            arch: match raw.arch {
                None | Some(RawArch::X86_64) => Arch::X86_64,
                Some(RawArch::Arm64) => Arch::Arm64,
            },
            api_gateway: raw.api_gateway.unwrap_or(false),
            free_tier: raw.free_tier.unwrap_or(false),
        },
    })
}

/// `reserved_concurrency`: a number for every function, or a table by function name (or unique
/// prefix of one). At least 100 of the account's concurrency must stay unreserved (AWS,
/// configuration-concurrency.html).
fn reserved(
    cx: &Ctx,
    path: &[Step],
    raw: &RawReserved,
    functions: &[FunctionInfo],
    account: u32,
) -> Result<ReservedConcurrency> {
    let range = |v: i64| cx.int_in(path, v, 0, i64::from(account), " concurrent executions");
    let (spec, total) = match raw {
        RawReserved::Each(v) => {
            let r = range(*v)?;
            (
                ReservedConcurrency::Each(r),
                u64::from(r) * functions.len().max(1) as u64,
            )
        }
        RawReserved::ByFunction(map) => {
            if functions.is_empty() {
                return Err(cx.err(
                    path,
                    "a table of reservations needs traffic that names functions",
                    "the traffic has one function: write reserved_concurrency = <number>",
                ));
            }
            let mut list = Vec::with_capacity(map.len());
            for (name, v) in map {
                let r = range(*v)?;
                let hits: Vec<usize> = match functions.iter().position(|f| &f.name == name) {
                    Some(i) => vec![i],
                    None => (0..functions.len())
                        .filter(|&i| functions[i].name.starts_with(name.as_str()))
                        .collect(),
                };
                match hits.as_slice() {
                    [i] => list.push((*i as u32, r)),
                    _ => {
                        let some: Vec<&str> =
                            functions.iter().take(5).map(|f| f.name.as_str()).collect();
                        return Err(cx.err(
                            path,
                            format!(
                                "\"{name}\" names {} of the replayed functions",
                                if hits.is_empty() { "none" } else { "several" }
                            ),
                            format!(
                                "give a function's full name or a unique prefix, e.g. {}",
                                some.join(", ")
                            ),
                        ));
                    }
                }
            }
            let total = list.iter().map(|&(_, r)| u64::from(r)).sum();
            (ReservedConcurrency::ByFunction(list), total)
        }
    };
    let unreserved = u64::from(account).saturating_sub(total);
    if total > u64::from(account) || unreserved < u64::from(MIN_UNRESERVED_CONCURRENCY) {
        return Err(cx.err(
            path,
            format!(
                "{total} reserved of an account concurrency of {account} leaves {unreserved} unreserved"
            ),
            format!(
                "AWS keeps at least {MIN_UNRESERVED_CONCURRENCY} unreserved: reserve at most {} in \
                 all, or raise `concurrency` (the account's limit)",
                u64::from(account).saturating_sub(u64::from(MIN_UNRESERVED_CONCURRENCY))
            ),
        ));
    }
    Ok(spec)
}
