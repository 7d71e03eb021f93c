//! Validation of `[traffic]`: arrival processes, request profiles, duration distributions.

use super::dist::dist;
use super::{Ctx, Result, Step, join};
use super::{index, key};
use crate::engine::SimDuration;
use crate::platform::serverless::MAX_MEMORY_MB;
use crate::scenario::raw::*;
use crate::traffic::calendar::{DAY_S, WEEK_S};
use crate::traffic::{
    ArrivalProcess, Arrivals, Calendar, ClockTime, Event, Repeat, RequestProfile, Traffic,
};

pub(super) fn traffic(cx: &Ctx, raw: &RawTraffic) -> Result<Traffic> {
    let a = [key("traffic"), key("arrivals")];
    let r = [key("traffic"), key("request")];
    let q = |f| join(&r, &[key(f)]);
    let cpu_fraction = cx.non_negative(&q("cpu_fraction"), raw.request.cpu_fraction)?;
    if cpu_fraction > 1.0 {
        return Err(cx.err(
            &q("cpu_fraction"),
            format!("value {cpu_fraction} is out of range"),
            "allowed: 0 to 1 (the CPU-bound fraction of the duration)",
        ));
    }
    let parallelism = cx.finite(
        &q("parallelism"),
        raw.request.parallelism,
        1.0,
        true,
        "allowed: 1 or more threads",
    )?;
    let memory_mb = cx.int_in(
        &q("memory_mb"),
        raw.request.memory_mb,
        1,
        i64::from(MAX_MEMORY_MB),
        " MB",
    )?;
    let bytes = |field, v: Option<Whole>| -> Result<u64> {
        let v = v.map_or(0.0, |w| w.0);
        if v.is_finite() && (0.0..=MAX_MESSAGE_BYTES).contains(&v) && v.fract() == 0.0 {
            Ok(v as u64)
        } else {
            Err(cx.err(
                &q(field),
                format!("value {v} is out of range"),
                "allowed: a whole number of bytes from 0 to 10,000,000,000 (10 GB)",
            ))
        }
    };
    let request_bytes = bytes("request_bytes", raw.request.request_bytes)?;
    let response_bytes = bytes("response_bytes", raw.request.response_bytes)?;
    let log_bytes = bytes("log_bytes", raw.request.log_bytes)?;
    let duration = raw
        .request
        .duration
        .as_ref()
        .map(|d| dist(cx, &q("duration"), d))
        .transpose()?;
    let arrivals = match (&raw.arrivals, &raw.replay) {
        (Some(process), None) => {
            if duration.is_none() {
                return Err(cx.err(
                    &r,
                    "missing field `duration`",
                    "add duration = { dist = ..., ... } to [traffic.request]",
                ));
            }
            Arrivals::Process(arrivals(cx, &a, process)?)
        }
        (None, Some(log)) => {
            let (spec, trace) = super::replay::replay(cx, log)?;
            if let Some(check) = trace.as_ref().map(|t| &t.check)
                && check.without_duration > 0
                && duration.is_none()
            {
                return Err(cx.err(
                    &[key("traffic"), key("replay")],
                    format!(
                        "{} of the trace's requests have no duration and [traffic.request] has none",
                        check.without_duration
                    ),
                    "name the log's duration column (duration = \"...\") or give traffic.request.duration",
                ));
            }
            Arrivals::Replay { spec, trace }
        }
        (Some(_), Some(_)) => {
            return Err(cx.err(
                &[key("traffic"), key("replay")],
                "both `arrivals` and `replay` are given",
                "keep one: a synthetic arrival process or a recorded log",
            ));
        }
        (None, None) => {
            return Err(cx.err(
                &[key("traffic")],
                "the traffic has no `arrivals` and no `replay`",
                "add arrivals = { process = \"poisson\", rate_per_s = ... } or replay = { format = \"csv\", path = ... }",
            ));
        }
    };
    Ok(Traffic {
        arrivals,
        profile: RequestProfile {
            duration,
            cpu_fraction,
            parallelism,
            memory_mb,
            request_bytes,
            response_bytes,
            log_bytes,
        },
    })
}

/// Highest arrival rate accepted, requests per second: a million. Above the busiest single
/// services (Lambda's default account limit allows 10,000 requests per second: 10 × 1,000
/// concurrency) and already 3.6 billion events per simulated hour; beyond it a run cannot
/// finish, and a rate of 10^9/s once ran a fleet's queue out of memory.
pub(crate) const MAX_RATE_PER_S: f64 = 1.0e6;

/// A rate as an error message writes it: as written up to 10^15, in scientific notation above
/// (`1e308`, not 309 digits).
fn rate_text(rate: f64) -> String {
    if rate.abs() >= 1e15 {
        format!("{rate:e}")
    } else {
        format!("{rate}")
    }
}

/// Refuse an arrival rate above [`MAX_RATE_PER_S`].
fn rate_at_most(cx: &Ctx, path: &[Step], rate: f64) -> Result<f64> {
    if rate > MAX_RATE_PER_S {
        return Err(cx.err(
            path,
            format!("{} requests per second is too high", rate_text(rate)),
            "allowed: at most 1,000,000 requests per second (3.6 billion events per simulated \
             hour already); scale the result of a lower rate instead",
        ));
    }
    Ok(rate)
}

/// Largest request or response accepted, bytes: 10 GB, far beyond what an HTTP request through
/// a load balancer carries (it bounds the bytes metered per hour).
const MAX_MESSAGE_BYTES: f64 = 1.0e10;

fn arrivals(cx: &Ctx, a: &[Step], raw: &RawArrivals) -> Result<ArrivalProcess> {
    let p = |f| join(a, &[key(f)]);
    let (kind, allowed): (&str, &[&str]) = match raw.process {
        Process::Poisson => (
            "process = \"poisson\"",
            &["rate_per_s", "rate_multiplier", "weekly", "events"],
        ),
        Process::Even => ("process = \"even\"", &["rate_per_s", "rate_multiplier"]),
        Process::Daily => (
            "process = \"daily\"",
            &[
                "rate_per_s",
                "hourly",
                "min_rate_per_s",
                "max_rate_per_s",
                "peak_hour",
                "rate_multiplier",
                "weekly",
                "events",
            ],
        ),
        Process::Bursty => (
            "process = \"bursty\"",
            &[
                "base_rate_per_s",
                "burst_rate_per_s",
                "mean_base",
                "mean_burst",
                "rate_multiplier",
                "weekly",
                "events",
            ],
        ),
        Process::List => ("process = \"list\"", &["at_s"]),
        Process::Steps => (
            "process = \"steps\"",
            &["steps", "repeat", "rate_multiplier", "weekly", "events"],
        ),
    };
    cx.only(a, kind, &raw.present(), allowed)?;
    let mut process = shape(cx, a, kind, raw)?;
    if raw.weekly.is_some() || raw.events.is_some() {
        let calendar = Calendar {
            weekly: match &raw.weekly {
                Some(w) => weekly(cx, &p("weekly"), w)?,
                None => Vec::new(),
            },
            events: match &raw.events {
                Some(e) => events(cx, &p("events"), e)?,
                None => Vec::new(),
            },
        };
        process = ArrivalProcess::Modulated {
            base: Box::new(process),
            calendar,
        };
        if let Some(peak) = process.peak_rate_per_s() {
            let path = p(if raw.events.is_some() {
                "events"
            } else {
                "weekly"
            });
            if peak > MAX_RATE_PER_S {
                return Err(cx.err(
                    &path,
                    format!("the busiest moment reaches {peak} requests per second"),
                    "allowed: at most 1,000,000 requests per second at any time (the rate × the \
                     weekly multiplier × every event under way)",
                ));
            }
        }
    }
    let Some(m) = raw.rate_multiplier else {
        return Ok(process);
    };
    // The volume scaled, the shape kept; the scaled rates obey the same cap.
    let path = p("rate_multiplier");
    let m = cx.positive(&path, m)?;
    if m > 1_000.0 {
        return Err(cx.err(
            &path,
            format!("a rate multiplier of {m}"),
            "allowed: above 0 and at most 1,000",
        ));
    }
    let process = process.scaled(m);
    if let Some(peak) = process.peak_rate_per_s() {
        rate_at_most(cx, &path, peak)?;
    }
    Ok(process)
}

/// The process `raw` describes, each rate checked, before any multiplier.
fn shape(cx: &Ctx, a: &[Step], kind: &str, raw: &RawArrivals) -> Result<ArrivalProcess> {
    let p = |f| join(a, &[key(f)]);
    let need_f64 = |field, v: &Option<f64>| cx.need(a, kind, field, v);
    Ok(match raw.process {
        Process::Poisson => ArrivalProcess::Poisson {
            rate_per_s: rate_at_most(
                cx,
                &p("rate_per_s"),
                cx.positive(&p("rate_per_s"), need_f64("rate_per_s", &raw.rate_per_s)?)?,
            )?,
        },
        Process::Even => ArrivalProcess::Even {
            rate_per_s: rate_at_most(
                cx,
                &p("rate_per_s"),
                cx.positive(&p("rate_per_s"), need_f64("rate_per_s", &raw.rate_per_s)?)?,
            )?,
        },
        Process::Daily => daily(cx, a, raw)?,
        Process::Bursty => {
            let base = cx.non_negative(
                &p("base_rate_per_s"),
                need_f64("base_rate_per_s", &raw.base_rate_per_s)?,
            )?;
            rate_at_most(cx, &p("base_rate_per_s"), base)?;
            let burst = cx.non_negative(
                &p("burst_rate_per_s"),
                need_f64("burst_rate_per_s", &raw.burst_rate_per_s)?,
            )?;
            rate_at_most(cx, &p("burst_rate_per_s"), burst)?;
            if base + burst <= 0.0 {
                return Err(cx.err(
                    &p("burst_rate_per_s"),
                    "both rates are 0",
                    "give at least one state a positive rate",
                ));
            }
            let positive_duration = |f, text: &Option<String>| -> Result<f64> {
                let text = cx.need(a, kind, f, text)?;
                let d = cx.duration(&p(f), &text)?;
                if d == SimDuration::ZERO {
                    return Err(cx.err(
                        &p(f),
                        format!("\"{text}\" is zero"),
                        "allowed: a duration greater than 0",
                    ));
                }
                Ok(d.as_secs_f64())
            };
            ArrivalProcess::Bursty {
                base_rate_per_s: base,
                burst_rate_per_s: burst,
                mean_base_s: positive_duration("mean_base", &raw.mean_base)?,
                mean_burst_s: positive_duration("mean_burst", &raw.mean_burst)?,
            }
        }
        Process::Steps => {
            let raw_steps = cx.need(a, kind, "steps", &raw.steps)?;
            let help = "give steps as [{ at = \"0s\", rate_per_s = 10 }, { at = \"30m\", rate_per_s = 100 }, ...]";
            if raw_steps.is_empty() {
                return Err(cx.err(&p("steps"), "the list is empty", help));
            }
            let period_s = raw.repeat.and_then(|r| match r {
                RawRepeat::Once => None,
                RawRepeat::Daily => Some(DAY_S),
                RawRepeat::Weekly => Some(WEEK_S),
            });
            let mut steps = Vec::with_capacity(raw_steps.len());
            for (i, st) in raw_steps.iter().enumerate() {
                let path = join(a, &[key("steps"), index(i), key("at")]);
                let at = instant(cx, &path, &st.at)?;
                if let Some(period) = period_s
                    && at >= period
                {
                    return Err(cx.err(
                        &path,
                        format!(
                            "\"{}\" is not within the first {}",
                            st.at,
                            period_name(period)
                        ),
                        "steps that repeat are written within their first period: times of day \
                         (\"09:00\") with repeat = \"daily\", weekdays (\"Sat 10:00\") with \
                         repeat = \"weekly\"",
                    ));
                }
                let path = join(a, &[key("steps"), index(i), key("rate_per_s")]);
                let rate = rate_at_most(cx, &path, cx.non_negative(&path, st.rate_per_s)?)?;
                if let Some(&(before, _)) = steps.last()
                    && at <= before
                {
                    return Err(cx.err(
                        &join(a, &[key("steps"), index(i), key("at")]),
                        format!("\"{}\" does not come after the step before it", st.at),
                        "list steps in increasing order of `at`",
                    ));
                }
                steps.push((at, rate));
            }
            if steps.iter().all(|s| s.1 == 0.0) {
                return Err(cx.err(
                    &p("steps"),
                    "every rate is 0",
                    "give at least one step a positive rate",
                ));
            }
            ArrivalProcess::Steps { steps, period_s }
        }
        Process::List => {
            let at_s = cx.need(a, kind, "at_s", &raw.at_s)?;
            for (i, t) in at_s.iter().enumerate() {
                let path = join(a, &[key("at_s"), index(i)]);
                cx.non_negative(&path, *t)?;
                if i > 0 && *t < at_s[i - 1] {
                    return Err(cx.err(
                        &path,
                        format!("{t} comes before {}", at_s[i - 1]),
                        "list arrival times in non-decreasing order",
                    ));
                }
            }
            ArrivalProcess::List { at_s }
        }
    })
}

/// An instant of the run written as a clock time (`"12:00"`, `"Sat 10:00"`, `"day 3 09:30"`;
/// day 1 is a Monday) or as a duration from the start (`"90m"`), in seconds.
fn instant(cx: &Ctx, path: &[Step], text: &str) -> Result<f64> {
    if let Some(c) = ClockTime::parse(text) {
        return Ok(c.offset_s());
    }
    if humantime::parse_duration(text).is_ok() {
        return Ok(cx.duration(path, text)?.as_secs_f64());
    }
    Err(cx.err(
        path,
        format!("\"{text}\" is not a time"),
        "write a clock time (\"12:00\", \"Sat 10:00\", \"day 3 09:30\"; the run starts on \
         day 1, a Monday, at 00:00) or a duration from the start (\"90m\", \"2d 6h\")",
    ))
}

fn period_name(period_s: f64) -> &'static str {
    if period_s == DAY_S { "day" } else { "week" }
}

/// `weekly`: 7 day multipliers (Monday first) or 168 hourly ones (Monday 00:00 first).
fn weekly(cx: &Ctx, path: &[Step], raw: &[f64]) -> Result<Vec<f64>> {
    if raw.len() != 7 && raw.len() != 168 {
        return Err(cx.err(
            path,
            format!("{} multipliers given", raw.len()),
            "give 7 multipliers (one per day, Monday first) or 168 (one per hour of the week, \
             from Monday 00:00)",
        ));
    }
    for (i, m) in raw.iter().enumerate() {
        multiplier(cx, &join(path, &[index(i)]), *m)?;
    }
    if raw.iter().all(|m| *m == 0.0) {
        return Err(cx.err(
            path,
            "every multiplier is 0",
            "give at least one day a positive multiplier",
        ));
    }
    Ok(raw.to_vec())
}

/// A rate multiplier of the calendar: 0 (no traffic) to 1,000.
fn multiplier(cx: &Ctx, path: &[Step], m: f64) -> Result<f64> {
    let m = cx.non_negative(path, m)?;
    if m > 1_000.0 {
        return Err(cx.err(
            path,
            format!("a multiplier of {m}"),
            "allowed: 0 (no traffic) to 1,000",
        ));
    }
    Ok(m)
}

/// `events`: each `{ at, for, multiplier, repeat, days, name }`, `days` expanded to one weekly
/// event per weekday.
fn events(cx: &Ctx, path: &[Step], raw: &[RawEvent]) -> Result<Vec<Event>> {
    let mut out = Vec::new();
    for (i, e) in raw.iter().enumerate() {
        let p = |f| join(path, &[index(i), key(f)]);
        let start_s = instant(cx, &p("at"), &e.at)?;
        let duration_s = cx.duration(&p("for"), &e.for_)?.as_secs_f64();
        if duration_s <= 0.0 {
            return Err(cx.err(
                &p("for"),
                format!("\"{}\" is zero", e.for_),
                "allowed: a duration greater than 0, e.g. \"15 min\" or \"2h\"",
            ));
        }
        let multiplier = multiplier(cx, &p("multiplier"), e.multiplier)?;
        let repeat = match e.repeat.unwrap_or(RawRepeat::Once) {
            RawRepeat::Once => Repeat::Once,
            RawRepeat::Daily => Repeat::Daily,
            RawRepeat::Weekly => Repeat::Weekly,
        };
        if let Some(period) = repeat.period_s()
            && duration_s > period
        {
            return Err(cx.err(
                &p("for"),
                format!("\"{}\" is longer than a {}", e.for_, period_name(period)),
                "an event that repeats lasts at most its period",
            ));
        }
        if repeat == Repeat::Daily && start_s >= DAY_S {
            return Err(cx.err(
                &p("at"),
                format!("\"{}\" is not a time of day", e.at),
                "an event that repeats daily starts at a time of day (\"12:00\"), every day from \
                 day 1; for some weekdays add days = [\"Sat\", ...], for one weekday every week \
                 use repeat = \"weekly\"",
            ));
        }
        if repeat == Repeat::Weekly && start_s >= WEEK_S {
            return Err(cx.err(
                &p("at"),
                format!("\"{}\" is not within the first week", e.at),
                "an event that repeats weekly starts in the first week: \"Sat 10:00\"",
            ));
        }
        let name = e.name.clone().unwrap_or_default();
        let Some(days) = &e.days else {
            out.push(Event {
                name,
                start_s,
                duration_s,
                multiplier,
                repeat,
            });
            continue;
        };
        if repeat != Repeat::Daily || start_s >= DAY_S {
            return Err(cx.err(
                &p("days"),
                "`days` needs repeat = \"daily\" and `at` a time of day",
                "e.g. { at = \"12:00\", for = \"1h\", multiplier = 2, repeat = \"daily\", \
                 days = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"] }",
            ));
        }
        for day in super::weekdays(cx, &p("days"), days)? {
            out.push(Event {
                name: name.clone(),
                start_s: f64::from(day) * DAY_S + start_s,
                duration_s,
                multiplier,
                repeat: Repeat::Weekly,
            });
        }
    }
    Ok(out)
}

fn daily(cx: &Ctx, a: &[Step], raw: &RawArrivals) -> Result<ArrivalProcess> {
    let p = |f| join(a, &[key(f)]);
    let shapes = "give either `rate_per_s` and `hourly` (24 multipliers), or `min_rate_per_s`, \
                  `max_rate_per_s` and `peak_hour`";
    match (
        raw.rate_per_s,
        &raw.hourly,
        raw.min_rate_per_s,
        raw.max_rate_per_s,
        raw.peak_hour,
    ) {
        (Some(rate), Some(hourly), None, None, None) => {
            let rate = cx.positive(&p("rate_per_s"), rate)?;
            if hourly.len() != 24 {
                return Err(cx.err(
                    &p("hourly"),
                    format!("{} multipliers given", hourly.len()),
                    "give exactly 24 multipliers, one per hour of the day from 00:00",
                ));
            }
            let mut rates_per_s = [0.0; 24];
            for (h, m) in hourly.iter().enumerate() {
                let path = join(a, &[key("hourly"), index(h)]);
                rates_per_s[h] = rate * cx.non_negative(&path, *m)?;
                if rates_per_s[h] > MAX_RATE_PER_S {
                    return Err(cx.err(
                        &path,
                        format!(
                            "rate_per_s × {m} = {} requests per second is too high",
                            rate_text(rates_per_s[h])
                        ),
                        "allowed: at most 1,000,000 requests per second in any hour",
                    ));
                }
            }
            if rates_per_s.iter().all(|r| *r == 0.0) {
                return Err(cx.err(
                    &p("hourly"),
                    "every multiplier is 0",
                    "give at least one hour a positive multiplier",
                ));
            }
            Ok(ArrivalProcess::Hourly { rates_per_s })
        }
        (None, None, Some(min), Some(max), Some(peak)) => {
            let min = cx.non_negative(&p("min_rate_per_s"), min)?;
            let max = rate_at_most(
                cx,
                &p("max_rate_per_s"),
                cx.positive(&p("max_rate_per_s"), max)?,
            )?;
            if min > max {
                return Err(cx.err(
                    &p("min_rate_per_s"),
                    format!("{min} is above max_rate_per_s {max}"),
                    "min_rate_per_s must not exceed max_rate_per_s",
                ));
            }
            if !(0.0..24.0).contains(&peak) {
                return Err(cx.err(
                    &p("peak_hour"),
                    format!("value {peak} is out of range"),
                    "allowed: 0 to 24 (hour of day, fractions allowed)",
                ));
            }
            Ok(ArrivalProcess::DailyCycle {
                min_rate_per_s: min,
                max_rate_per_s: max,
                peak_hour: peak,
            })
        }
        _ => Err(cx.err(a, "a daily process needs one of two shapes", shapes)),
    }
}

#[cfg(test)]
mod tests {
    use crate::traffic::{ArrivalProcess, Arrivals};

    fn arrivals(process: &str) -> Result<ArrivalProcess, String> {
        let text = format!(
            "name = \"m\"\nhorizon = \"10s\"\n[traffic]\narrivals = {process}\n[traffic.request]\n\
             duration = {{ dist = \"constant\", ms = 10 }}\n[[variant]]\nname = \"fn\"\n\
             platform = \"lambda\"\nmemory_mb = 512\nruntime = \"go\"\n"
        );
        let s = crate::scenario::parse(&text, "m.toml").map_err(|e| e.to_string())?;
        match s.traffic.arrivals {
            Arrivals::Process(p) => Ok(p),
            other => panic!("{other:?}"),
        }
    }

    /// `rate_multiplier` scales every rate of a shape and keeps the shape: a multiplier of 2
    /// on 5/s is the process of 10/s, on a daily cycle of 2–8/s the cycle of 4–16/s, on steps
    /// each step's rate; a list of times has no rate to scale, and the scaled rate obeys the
    /// cap of 1,000,000/s.
    #[test]
    fn a_multiplier_scales_the_volume_and_keeps_the_shape() {
        assert_eq!(
            arrivals("{ process = \"even\", rate_per_s = 5, rate_multiplier = 2 }"),
            arrivals("{ process = \"even\", rate_per_s = 10 }")
        );
        assert_eq!(
            arrivals(
                "{ process = \"daily\", min_rate_per_s = 2, max_rate_per_s = 8, peak_hour = 14, rate_multiplier = 2 }"
            ),
            arrivals(
                "{ process = \"daily\", min_rate_per_s = 4, max_rate_per_s = 16, peak_hour = 14 }"
            )
        );
        assert_eq!(
            arrivals(
                "{ process = \"steps\", steps = [{ at = \"0s\", rate_per_s = 1 }, { at = \"5s\", rate_per_s = 3 }], rate_multiplier = 0.5 }"
            ),
            arrivals(
                "{ process = \"steps\", steps = [{ at = \"0s\", rate_per_s = 0.5 }, { at = \"5s\", rate_per_s = 1.5 }] }"
            )
        );
        let e = arrivals("{ process = \"list\", at_s = [1.0], rate_multiplier = 2 }").unwrap_err();
        assert!(
            e.contains("`rate_multiplier` does not apply to process = \"list\""),
            "{e}"
        );
        let e = arrivals("{ process = \"poisson\", rate_per_s = 900000, rate_multiplier = 2 }")
            .unwrap_err();
        assert!(
            e.contains("traffic.arrivals.rate_multiplier") && e.contains("too high"),
            "{e}"
        );
        let e =
            arrivals("{ process = \"poisson\", rate_per_s = 1, rate_multiplier = 0 }").unwrap_err();
        assert!(e.contains("rate_multiplier"), "{e}");
    }
}
