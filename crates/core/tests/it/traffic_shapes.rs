//! The traffic shapes planners write: a weekly pattern, events at clock times, steps that repeat
//! daily — read from scenario files and counted day by day.

use scalesim_core::engine::{RngStreams, SimTime};
use scalesim_core::scenario;

use crate::common::{load, manifest_dir, scenario};

const DAY_S: f64 = 86_400.0;

/// Arrivals of a scenario's traffic per day of its horizon.
fn arrivals_per_day(s: &scenario::Scenario) -> Vec<u64> {
    let days = (s.horizon.as_secs_f64() / DAY_S).ceil() as usize;
    let mut per_day = vec![0; days];
    let streams = RngStreams::new(s.seed);
    let horizon = SimTime::ZERO + s.horizon;
    for (t, _) in s.traffic.requests(&streams, horizon) {
        if t >= horizon {
            break;
        }
        per_day[(t.as_secs_f64() / DAY_S) as usize] += 1;
    }
    per_day
}

/// Poisson counts: `n` within 6 standard deviations (√expected) of `expected`.
fn close(day: usize, n: u64, expected: f64) {
    let sd = expected.sqrt();
    assert!(
        (n as f64 - expected).abs() < 6.0 * sd,
        "day {}: {n} arrivals, expected {expected} ± {:.0}",
        day + 1,
        6.0 * sd
    );
}

/// The shipped weekly scenario (scenarios/weekly-shop.toml): 5 req/s × 24 hourly multipliers
/// that add up to 22.2, so an ordinary day at 1× is 5 × 3,600 × 22.2 = 399,600 requests;
/// × the day's weekly multiplier [1, 1, 1, 1, 1.1, 0.8, 0.6]; a weekday lunch rush 12:00–13:00
/// × 1.5 adds 5 × 3,600 × 1.8 (the 12:00 multiplier) × 0.5 = 16,200 on Mon–Fri; the Saturday
/// sale 10:00–13:00 × 4 adds 5 × 3,600 × (1.3 + 1.4 + 1.8) × 3 = 243,000 on Saturday.
///
/// - Mon–Thu: 399,600 + 16,200 = 415,800
/// - Fri: 1.1 × 415,800 = 457,380
/// - Sat: 0.8 × (399,600 + 243,000) = 514,080
/// - Sun: 0.6 × 399,600 = 239,760
#[test]
fn the_weekly_shop_arrives_day_by_day_as_its_pattern_says() {
    let s = load(&manifest_dir().join("scenarios/weekly-shop.toml"));
    let expected = [
        415_800.0, 415_800.0, 415_800.0, 415_800.0, 457_380.0, 514_080.0, 239_760.0,
    ];
    let got = arrivals_per_day(&s);
    assert_eq!(got.len(), 7);
    for (day, (n, want)) in got.iter().zip(expected).enumerate() {
        close(day, *n, want);
    }
    // The mean rate the report states is the same sum over the week: 4 × 415,800 + 457,380 +
    // 514,080 + 239,760 = 2,874,420 requests in 604,800 s = 4.7527 req/s.
    let mean = s.traffic.mean_rate_per_s(604_800.0).unwrap();
    assert!((mean - 2_874_420.0 / 604_800.0).abs() < 1e-9, "{mean}");
    // The sale hours hold 4× the traffic of the same hours a week later would: Saturday
    // 10:00–13:00 at 0.8 × 5 × 4 × (1.3, 1.4, 1.8) per second.
    let streams = RngStreams::new(s.seed);
    let sat = 5.0 * DAY_S;
    let sale = s
        .traffic
        .requests(&streams, SimTime::ZERO + s.horizon)
        .map(|(t, _)| t.as_secs_f64())
        .take_while(|t| *t < sat + 46_800.0)
        .filter(|t| *t >= sat + 36_000.0)
        .count();
    // 0.8 × 5 × 4 × 3,600 × 4.5 = 259,200.
    close(5, sale as u64, 259_200.0);
}

fn with_arrivals(arrivals: &str, horizon: &str) -> String {
    format!(
        "name = \"t\"\nhorizon = \"{horizon}\"\n[traffic.arrivals]\n{arrivals}\n\
         [traffic.request]\nduration = {{ dist = \"constant\", ms = 10 }}\n\
         [[variant]]\nname = \"fn\"\nplatform = \"lambda\"\nmemory_mb = 512\nruntime = \"go\"\n"
    )
}

/// Steps that repeat daily at clock times: 2/s from 09:00, 0.5/s from 18:00, every day. A day
/// holds 9 h × 0.5 (00:00–09:00, the last step of the day before) + 9 h × 2 + 6 h × 0.5 =
/// (4.5 + 18 + 3) h·/s = 25.5 × 3,600 = 91,800 arrivals.
#[test]
fn steps_repeat_daily_at_clock_times() {
    let s = scenario(&with_arrivals(
        "process = \"steps\"\nrepeat = \"daily\"\nsteps = [{ at = \"09:00\", rate_per_s = 2 }, { at = \"18:00\", rate_per_s = 0.5 }]",
        "3d",
    ));
    for (day, n) in arrivals_per_day(&s).into_iter().enumerate() {
        close(day, n, 91_800.0);
    }
}

/// A spike every day at 14:00 for 15 minutes × 10 on 1/s: each day 86,400 + 900 × 9 = 94,500.
/// With `days = ["Sat", "Sun"]` only the weekend has it: Monday 86,400, Saturday 94,500.
#[test]
fn events_repeat_daily_or_on_given_weekdays() {
    let daily = scenario(&with_arrivals(
        "process = \"poisson\"\nrate_per_s = 1\nevents = [{ at = \"14:00\", for = \"15 min\", multiplier = 10, repeat = \"daily\" }]",
        "2d",
    ));
    for (day, n) in arrivals_per_day(&daily).into_iter().enumerate() {
        close(day, n, 94_500.0);
    }
    let weekend = scenario(&with_arrivals(
        "process = \"poisson\"\nrate_per_s = 1\nevents = [{ at = \"14:00\", for = \"15 min\", multiplier = 10, repeat = \"daily\", days = [\"Sat\", \"Sun\"] }]",
        "7d",
    ));
    let per_day = arrivals_per_day(&weekend);
    for (day, n) in per_day.into_iter().enumerate() {
        close(day, n, if day >= 5 { 94_500.0 } else { 86_400.0 });
    }
}

/// What a planner gets wrong is named: the field, the value and what is allowed.
#[test]
fn bad_shapes_are_named() {
    let err = |arrivals: &str| {
        scenario::parse(&with_arrivals(arrivals, "1d"), "t.toml")
            .unwrap_err()
            .to_string()
    };
    let e = err("process = \"poisson\"\nrate_per_s = 1\nweekly = [1, 1, 1]");
    assert!(
        e.contains("traffic.arrivals.weekly") && e.contains("3 multipliers") && e.contains("168"),
        "{e}"
    );
    let e = err(
        "process = \"poisson\"\nrate_per_s = 1\nevents = [{ at = \"Sut 10:00\", for = \"1h\", multiplier = 2 }]",
    );
    assert!(
        e.contains("traffic.arrivals.events[0].at") && e.contains("\"Sut 10:00\" is not a time"),
        "{e}"
    );
    let e = err(
        "process = \"poisson\"\nrate_per_s = 1\nevents = [{ at = \"10:00\", for = \"2d\", multiplier = 2, repeat = \"daily\" }]",
    );
    assert!(e.contains("longer than a day"), "{e}");
    let e = err("process = \"even\"\nrate_per_s = 1\nweekly = [1, 1, 1, 1, 1, 1, 1]");
    assert!(e.contains("weekly") && e.contains("even"), "{e}");
    let e = err(
        "process = \"steps\"\nrepeat = \"daily\"\nsteps = [{ at = \"Sat 10:00\", rate_per_s = 1 }]",
    );
    assert!(
        e.contains("steps[0].at") && e.contains("not within the first day"),
        "{e}"
    );
    let e = err(
        "process = \"poisson\"\nrate_per_s = 900000\nevents = [{ at = \"10:00\", for = \"1h\", multiplier = 2 }]",
    );
    assert!(e.contains("1,000,000"), "{e}");
}

/// The shipped week, run: the server sized for an ordinary day (one c7g.medium: the sale's
/// 28.8 req/s × 40 ms of CPU ask 115 % of its vCPU) misses the SLO, and its worst p99 interval
/// falls in the sale (Saturday 10:00–13:00, day 6) and names it; Lambda meets the SLO.
#[test]
fn the_weekly_shop_names_the_sale_as_the_fixed_servers_worst_window() {
    let r = crate::common::run(&load(&manifest_dir().join("scenarios/weekly-shop.toml")));
    let fixed = r
        .variants
        .iter()
        .find(|v| v.name == "ec2-fixed-1x-c7g.medium")
        .unwrap();
    assert_eq!(fixed.slo_met, Some(false), "{:?}", fixed.slo_missed_by);
    let w = fixed.worst_p99_window.as_ref().unwrap();
    let sat = 5.0 * DAY_S;
    assert!(
        (sat + 36_000.0..sat + 46_800.0).contains(&w.start_s),
        "{w:?}"
    );
    assert_eq!(w.events, ["Saturday sale"], "{w:?}");
    let lambda = r
        .variants
        .iter()
        .find(|v| v.name == "lambda-1024mb")
        .unwrap();
    assert_eq!(lambda.slo_met, Some(true), "{:?}", lambda.slo_missed_by);
}

/// Valid but never happening in this run: an event on day 9 of a 2-day run is named in a
/// warning. A fleet of 0 instances whose schedule comes after the horizon has 0 mean
/// instances — +0, not the −0 an empty float sum gives (it printed as "-0.00").
#[test]
fn what_never_happens_in_a_run_is_said_and_nothing_is_negative() {
    let s = scenario(&with_arrivals(
        "process = \"poisson\"\nrate_per_s = 1\nevents = [{ name = \"launch\", at = \"day 9 08:00\", for = \"1h\", multiplier = 3 }]",
        "2d",
    ));
    let r = crate::common::run(&s);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("\"launch\"") && w.contains("never happens")),
        "{:?}",
        r.warnings
    );
    let fleet = scenario(
        "name = \"t\"\nhorizon = \"1h\"\n[traffic]\narrivals = { process = \"poisson\", rate_per_s = 1 }\n\
         [traffic.request]\nduration = { dist = \"constant\", ms = 10 }\n\
         [[variant]]\nname = \"batch\"\nplatform = \"ec2\"\ninstance_type = \"t3.micro\"\ncount = 0\nslots = 1\n\
         queue_timeout = \"never\"\n[[variant.schedule]]\nat = \"02:00\"\ndesired_capacity = 1\n",
    );
    let v = &crate::common::run(&fleet).variants[0];
    assert_eq!(v.capacity.mean_instances, 0.0);
    assert!(v.capacity.mean_instances.is_sign_positive());
    assert_eq!(v.requests.completed, 0);
}
