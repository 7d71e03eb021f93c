//! The check pass: read the whole trace once before anything is simulated — every row parses
//! (or is skipped and counted), rows no target served (counted), the functions and their
//! counts, the selection, how far rows are out of time order and whether putting them in order
//! fits in memory.

use scalesim_core::engine::RngStreams;

use super::{
    Format, FunctionInfo, Interner, MAX_FUNCTIONS, MAX_REORDER_ROWS, OnError, ReplayCheck,
    ReplayError, ReplaySpec, azure2019, open, reorder,
};

/// Read the whole trace once: every row parses (or is skipped), the functions and their counts,
/// how far rows are out of order (and whether reordering them fits in memory).
pub fn check(spec: &ReplaySpec) -> Result<ReplayCheck, ReplayError> {
    let path = spec.path.display().to_string();
    let mut fns = Interner::default();
    let mut out = ReplayCheck::default();
    let mut per: Vec<PerFunction> = Vec::new();
    let mut max_t = f64::NEG_INFINITY;
    let mut min_t = f64::INFINITY;
    // Checking draws nothing (Azure 2019 is counted from its files, not expanded).
    let reopen = |fns: &mut Interner| open(spec, RngStreams::new(0).stream("check"), fns);
    if let Format::Azure2019 { .. } = spec.format {
        // Counts are in the files: no need to expand a day of invocations to count them.
        let trace = azure2019::Azure2019::read(&spec.path, &mut fns)?;
        for f in 0..fns.len() {
            let n = trace.invocations(f);
            let mean = trace.mean_duration_s(f);
            per.push(PerFunction {
                rows: n,
                memory_mb: trace.memory_mb(f),
                duration_sum: mean.unwrap_or(0.0) * n as f64,
                with_duration: if mean.is_some() { n } else { 0 },
            });
            out.rows += n;
        }
        min_t = 0.0;
        max_t = trace.last_minute_end_s();
        out.named = true;
    } else {
        let mut src = reopen(&mut fns)?;
        out.named = src.named();
        while let Some(row) = src.next_row(&mut fns) {
            out.rows += 1;
            let row = match row {
                Ok(r) => r,
                Err(e) if spec.on_error == OnError::Skip && e.is_row_error() => {
                    out.skipped += 1;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let f = row.func as usize;
            if per.len() <= f {
                per.resize(f + 1, PerFunction::default());
            }
            let p = &mut per[f];
            p.rows += 1;
            if let Some(m) = row.mem {
                p.memory_mb = Some(p.memory_mb.map_or(m, |old| old.max(m)));
            }
            if let Some(d) = row.dur {
                p.duration_sum += d;
                p.with_duration += 1;
            }
            out.max_late_s = out.max_late_s.max(max_t - row.t);
            max_t = max_t.max(row.t);
            min_t = min_t.min(row.t);
        }
        // Rows no target served are read and counted, not yielded.
        out.not_dispatched = src.not_dispatched();
        out.rows += out.not_dispatched;
    }
    per.resize(fns.len().max(per.len()), PerFunction::default());
    out.functions_in_trace = fns.len();
    out.first_s = if spec.format.starts_at_zero() {
        0.0
    } else if min_t.is_finite() {
        min_t
    } else {
        0.0
    };
    out.last_s = if max_t.is_finite() {
        max_t
    } else {
        out.first_s
    };
    select(spec, &path, &fns, &per, &mut out)?;
    let chosen = || per.iter().zip(&out.keep).filter(|(_, k)| k.is_some());
    let (sum, n) = chosen().fold((0.0, 0), |(s, n), (p, _)| {
        (s + p.duration_sum, n + p.with_duration)
    });
    out.mean_duration_s = (n > 0).then(|| sum / n as f64);
    out.without_duration = chosen().map(|(p, _)| p.rows - p.with_duration).sum();
    if out.max_late_s > 0.0 {
        let peak = reorder::peak(
            reopen(&mut Interner::default())?,
            out.max_late_s,
            MAX_REORDER_ROWS,
        );
        if peak > MAX_REORDER_ROWS {
            return Err(ReplayError::TooDisordered {
                path,
                late_s: out.max_late_s,
                rows: peak,
                max: MAX_REORDER_ROWS,
            });
        }
        out.reorder_peak = peak;
    }
    Ok(out)
}

/// What the check pass tallies per function.
#[derive(Clone, Copy, Debug, Default)]
struct PerFunction {
    rows: u64,
    memory_mb: Option<f64>,
    duration_sum: f64,
    with_duration: u64,
}

/// Apply the function selection to the functions found.
fn select(
    spec: &ReplaySpec,
    path: &str,
    fns: &Interner,
    per: &[PerFunction],
    out: &mut ReplayCheck,
) -> Result<(), ReplayError> {
    let mut chosen: Vec<usize> = if spec.select.only.is_empty() {
        (0..fns.len()).collect()
    } else {
        let mut v = Vec::new();
        for name in &spec.select.only {
            // A full name, or (for the long Azure hashes) a unique prefix of one.
            let hits: Vec<usize> = match fns.map.get(name.as_str()) {
                Some(&i) => vec![i as usize],
                None => (0..fns.len())
                    .filter(|&i| fns.names[i].starts_with(name.as_str()))
                    .collect(),
            };
            match hits.as_slice() {
                [i] => v.push(*i),
                _ => {
                    return Err(ReplayError::UnknownFunction {
                        path: path.to_string(),
                        name: name.clone(),
                        some: some_names(fns),
                    });
                }
            }
        }
        v.sort_unstable();
        v.dedup();
        v
    };
    // Most requests first; ties in order of appearance.
    chosen.sort_by_key(|&i| (std::cmp::Reverse(per[i].rows), i));
    if let Some(k) = spec.select.top {
        chosen.truncate(k);
    }
    if chosen.len() > MAX_FUNCTIONS {
        return Err(ReplayError::TooManyFunctions {
            path: path.to_string(),
            count: chosen.len(),
            max: MAX_FUNCTIONS,
        });
    }
    out.keep = vec![None; fns.len()];
    out.functions = chosen
        .iter()
        .enumerate()
        .map(|(new, &i)| {
            out.keep[i] = Some(new as u32);
            FunctionInfo {
                name: fns.names[i].clone(),
                requests: per[i].rows,
                memory_mb: per[i].memory_mb,
            }
        })
        .collect();
    let kept: u64 = out.functions.iter().map(|f| f.requests).sum();
    out.not_selected = out.rows - out.skipped - out.not_dispatched - kept;
    Ok(())
}

fn some_names(fns: &Interner) -> String {
    let mut s = fns
        .names
        .iter()
        .take(5)
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if fns.len() > 5 {
        s.push_str(&format!(" and {} more", fns.len() - 5));
    }
    s
}
