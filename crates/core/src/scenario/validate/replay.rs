//! Validation of `traffic.replay`: which format, which fields it takes, the controls and the
//! function selection; then, when the context has traces to check it with, the trace itself
//! (once per distinct trace: [`crate::traffic::Traces`]), so its errors come before any output.

use super::key;
use super::{Ctx, Result, Step};
use crate::scenario::raw::*;
use crate::traffic::CheckedTrace;
use crate::traffic::trace::{
    self, Columns, Durations, Format, FunctionSelect, OnError, ReplayControls, ReplaySpec,
    TimestampUnit, WithinMinute,
};

fn at(f: &'static str) -> [Step; 3] {
    [key("traffic"), key("replay"), key(f)]
}

/// Format-specific fields each format takes.
fn fields_of(format: RawReplayFormat) -> &'static [&'static str] {
    match format {
        RawReplayFormat::Csv | RawReplayFormat::Parquet => &[
            "timestamp",
            "timestamp_unit",
            "timestamp_is_end",
            "duration",
            "duration_unit",
            "function",
            "memory",
        ],
        RawReplayFormat::Combined => &["duration_unit", "function"],
        RawReplayFormat::Alb => &["function"],
        RawReplayFormat::Azure2019 => &["within_minute"],
        RawReplayFormat::Azure2021 => &[],
    }
}

fn format_name(format: RawReplayFormat) -> &'static str {
    match format {
        RawReplayFormat::Csv => "format = \"csv\"",
        RawReplayFormat::Parquet => "format = \"parquet\"",
        RawReplayFormat::Combined => "format = \"combined\"",
        RawReplayFormat::Alb => "format = \"alb\"",
        RawReplayFormat::Azure2019 => "format = \"azure2019\"",
        RawReplayFormat::Azure2021 => "format = \"azure2021\"",
    }
}

fn duration_scale(unit: Option<RawDurationUnit>, default: RawDurationUnit) -> f64 {
    match unit.unwrap_or(default) {
        RawDurationUnit::S => 1.0,
        RawDurationUnit::Ms => 1e-3,
        RawDurationUnit::Us => 1e-6,
    }
}

/// `function = "path"` for access logs.
fn by_path(cx: &Ctx, raw: &RawReplay) -> Result<bool> {
    match raw.function.as_deref() {
        None => Ok(false),
        Some("path") => Ok(true),
        Some(other) => Err(cx.err(
            &at("function"),
            format!("\"{other}\" is not a way to group an access log into functions"),
            "allowed: \"path\" (each URL path is a function)",
        )),
    }
}

fn columns(raw: &RawReplay) -> Columns {
    Columns {
        timestamp: raw
            .timestamp
            .clone()
            .unwrap_or_else(|| "timestamp".to_string()),
        unit: match raw.timestamp_unit.unwrap_or(RawTimestampUnit::S) {
            RawTimestampUnit::S => TimestampUnit::Seconds,
            RawTimestampUnit::Ms => TimestampUnit::Millis,
            RawTimestampUnit::Us => TimestampUnit::Micros,
            RawTimestampUnit::Rfc3339 => TimestampUnit::Rfc3339,
        },
        timestamp_is_end: raw.timestamp_is_end.unwrap_or(false),
        duration: raw.duration.clone(),
        duration_scale_s: duration_scale(raw.duration_unit, RawDurationUnit::Ms),
        function: raw.function.iter().cloned().collect(),
        memory: raw.memory.clone(),
    }
}

/// Validate `traffic.replay`, and check the trace when `cx` has traces (`None` otherwise).
pub(super) fn replay(cx: &Ctx, raw: &RawReplay) -> Result<(ReplaySpec, Option<CheckedTrace>)> {
    let base = [key("traffic"), key("replay")];
    cx.only(
        &base,
        format_name(raw.format),
        &raw.present(),
        fields_of(raw.format),
    )?;
    let format = match raw.format {
        RawReplayFormat::Csv => Format::Csv(columns(raw)),
        RawReplayFormat::Parquet => Format::Parquet(columns(raw)),
        RawReplayFormat::Combined => Format::Combined {
            by_path: by_path(cx, raw)?,
            duration_scale_s: duration_scale(raw.duration_unit, RawDurationUnit::S),
        },
        RawReplayFormat::Alb => Format::Alb {
            by_path: by_path(cx, raw)?,
        },
        RawReplayFormat::Azure2019 => Format::Azure2019 {
            within_minute: match raw.within_minute.unwrap_or(RawWithinMinute::Uniform) {
                RawWithinMinute::Uniform => WithinMinute::Uniform,
                RawWithinMinute::Poisson => WithinMinute::Poisson,
            },
        },
        RawReplayFormat::Azure2021 => Format::Azure2021,
    };
    if let Format::Csv(c) | Format::Parquet(c) = &format
        && c.timestamp_is_end
        && c.duration.is_none()
    {
        return Err(cx.err(
            &at("timestamp_is_end"),
            "timestamp_is_end = true needs the duration column (start = end − duration)",
            "name the duration column: duration = \"...\"",
        ));
    }
    let top = raw
        .top_functions
        .map(|k| cx.int_in(&at("top_functions"), k, 1, trace::MAX_FUNCTIONS as i64, ""))
        .transpose()?;
    let spec = ReplaySpec {
        path: trace::resolve(cx.file, &raw.path),
        format,
        on_error: match raw.on_error.unwrap_or(RawOnError::Fail) {
            RawOnError::Fail => OnError::Fail,
            RawOnError::Skip => OnError::Skip,
        },
        durations: match raw.durations.unwrap_or(RawDurations::AsRecorded) {
            RawDurations::AsRecorded => Durations::AsRecorded,
            RawDurations::ReferenceCpu => Durations::ReferenceCpu,
        },
        controls: controls(cx, raw)?,
        select: FunctionSelect {
            only: raw.functions.clone().unwrap_or_default(),
            top: top.map(|k| k as usize),
        },
    };
    let Some(traces) = cx.traces else {
        return Ok((spec, None));
    };
    let trace = traces
        .check(&spec)
        .map_err(|e| cx.err(&at("path"), e.to_string(), ""))?;
    let check = &trace.check;
    if check.selected_rows() == 0 {
        return Err(cx.err(
            &at("path"),
            format!(
                "{}: no request to replay ({} rows, {} skipped as malformed, {} never dispatched to a target, {} of functions not selected)",
                spec.path.display(),
                check.rows,
                check.skipped,
                check.not_dispatched,
                check.not_selected
            ),
            "point at a trace with at least one well-formed row (and select functions it has)",
        ));
    }
    Ok((spec, Some(trace)))
}

/// Window, compression and rate multiplier of a replay.
fn controls(cx: &Ctx, raw: &RawReplay) -> Result<ReplayControls> {
    let w = |f| [key("traffic"), key("replay"), key("window"), key(f)];
    let secs = |path: &[Step], text: &Option<String>| {
        text.as_deref()
            .map(|t| cx.duration(path, t).map(|d| d.as_secs_f64()))
            .transpose()
    };
    let (from_s, to_s) = match &raw.window {
        Some(win) => (
            secs(&w("from"), &win.from)?.unwrap_or(0.0),
            secs(&w("to"), &win.to)?,
        ),
        None => (0.0, None),
    };
    if let Some(to) = to_s
        && to <= from_s
    {
        return Err(cx.err(
            &w("to"),
            "the window ends before it starts",
            "give to later than from",
        ));
    }
    let speed = cx.positive(&at("speed"), raw.speed.unwrap_or(1.0))?;
    let rate_multiplier =
        cx.positive(&at("rate_multiplier"), raw.rate_multiplier.unwrap_or(1.0))?;
    if rate_multiplier > 1_000.0 {
        return Err(cx.err(
            &at("rate_multiplier"),
            format!("value {rate_multiplier} is out of range"),
            "allowed: more than 0 and at most 1000",
        ));
    }
    Ok(ReplayControls {
        from_s,
        to_s,
        speed,
        rate_multiplier,
    })
}
