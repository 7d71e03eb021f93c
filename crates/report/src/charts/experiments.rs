//! Charts of experiments: a break-even search's cost curves, a sweep's cost and p99 against the
//! swept field.

use plotters::coord::CoordTranslate;
use plotters::prelude::*;

use super::{
    Area, Chart, ChartError, DrawResult, SIZE, colour, decade_label, decade_range, decades,
    embed_font, encode_png, font, frame, register_font,
};

use scalesim_core::experiment::stats::Estimate;

/// A labelled line through the means of `points`, in colour `c`, their 95 % intervals (when
/// there are replications) as error bars.
fn estimate_line<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    points: &[(f64, Estimate)],
    label: &str,
    c: RGBColor,
) -> DrawResult<DB>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate<From = (f64, f64)>,
{
    chart
        .draw_series(LineSeries::new(
            points.iter().map(|(x, e)| (*x, e.mean)),
            c.stroke_width(2),
        ))?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    chart.draw_series(points.iter().filter_map(|(x, e)| {
        e.ci95
            .map(|(lo, hi)| ErrorBar::new_vertical(*x, lo, e.mean, hi, c.filled(), 6))
    }))?;
    Ok(())
}

/// Room above the highest mean or interval end of `estimates`.
fn top_of<'e>(estimates: impl Iterator<Item = &'e Estimate>) -> f64 {
    estimates
        .map(|e| e.ci95.map_or(e.mean, |c| c.1))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.1
}

/// The two cost curves of a break-even search, each point the mean of its replications with
/// its 95 % interval, and the crossing marked.
pub fn breakeven_chart(b: &scalesim_core::experiment::Breakeven) -> Result<Chart, ChartError> {
    register_font();
    Ok(render!(
        "breakeven",
        "Cost of each variant and where they cross",
        b,
        breakeven_curves
    ))
}

fn breakeven_curves<DB: DrawingBackend>(
    root: &Area<DB>,
    b: &scalesim_core::experiment::Breakeven,
    title: &str,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let e = &b.evaluations;
    let (x0, x1) = (e[0].x, e[e.len() - 1].x);
    let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
    // Values at which the scenario did not validate have no cost to draw.
    let valid: Vec<_> = e.iter().filter(|p| p.invalid.is_none()).collect();
    let top = top_of(valid.iter().flat_map(|p| [&p.cost_a, &p.cost_b]));
    let mut chart = frame(root, title, 80).build_cartesian_2d(x0..x1, 0.0..top)?;
    mesh!(chart, b.vary.as_str(), "USD over the horizon").draw()?;
    let a: Vec<_> = valid.iter().map(|p| (p.x, p.cost_a)).collect();
    let bb: Vec<_> = valid.iter().map(|p| (p.x, p.cost_b)).collect();
    estimate_line(&mut chart, &a, &b.variant_a, colour(0))?;
    estimate_line(&mut chart, &bb, &b.variant_b, colour(1))?;
    // A cross on each point where that variant is not feasible (misses the SLO or drops
    // requests): its cost there is no option.
    let red = RGBColor(200, 30, 30);
    let crosses: Vec<(f64, f64)> = valid
        .iter()
        .flat_map(|p| {
            [
                p.infeasible_a.as_ref().map(|_| (p.x, p.cost_a.mean)),
                p.infeasible_b.as_ref().map(|_| (p.x, p.cost_b.mean)),
            ]
        })
        .flatten()
        .collect();
    if !crosses.is_empty() {
        chart
            .draw_series(
                crosses
                    .iter()
                    .map(|&(x, y)| Cross::new((x, y), 6, red.stroke_width(2))),
            )?
            .label("not feasible (misses the SLO or drops requests)")
            .legend(move |(x, y)| Cross::new((x + 10, y), 5, red.stroke_width(2)));
    }
    let marker = RGBColor(80, 80, 80);
    if let Some(crossing) = b.crossing {
        chart
            .draw_series(LineSeries::new(
                [(crossing, 0.0), (crossing, top)],
                marker.stroke_width(2),
            ))?
            .label(format!("break-even ≈ {crossing:.4}"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], marker.stroke_width(2))
            });
    }
    if let Some(band) = b.noise_band
        && band.1 > band.0
    {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(band.0, 0.0), (band.1, top)],
            marker.mix(0.12).filled(),
        )))?;
    }
    legend!(chart, SeriesLabelPosition::UpperLeft)
}

/// What a sweep chart draws: the sweep, its results, which figure and how to label it.
pub struct SweepFigure<'a> {
    /// The sweep.
    pub meta: &'a scalesim_core::experiment::SweepMeta,
    /// One row per point and variant.
    pub results: &'a [scalesim_core::experiment::ResultRow],
    /// Index into [`scalesim_core::experiment::FIGURES`].
    pub figure: usize,
    /// The y axis' description.
    pub y_desc: &'static str,
}

/// Charts of a one-field sweep: cost and p99 against the swept value, a line per variant, error
/// bars from replications; a log x axis when the values span 20× or more, a log p99 axis
/// labelled at each decade when the p99s span more than one. Points where a variant misses the
/// SLO (in any replication) or — with no SLO — drops requests carry a red cross. None for grids.
pub fn sweep_charts(
    meta: &scalesim_core::experiment::SweepMeta,
    results: &[scalesim_core::experiment::ResultRow],
) -> Result<Vec<Chart>, ChartError> {
    if meta.axes.len() != 1 || results.is_empty() {
        return Ok(Vec::new());
    }
    register_font();
    let fig = |n| scalesim_core::experiment::figure(n).expect("a known figure");
    let cost = SweepFigure {
        meta,
        results,
        figure: fig("cost_usd"),
        y_desc: "USD over the horizon",
    };
    let p99 = SweepFigure {
        meta,
        results,
        figure: fig("latency_p99_ms"),
        y_desc: "p99 latency, ms",
    };
    Ok(vec![
        render!(
            "sweep-cost",
            "Cost at each point of the sweep",
            &cost,
            sweep_lines
        ),
        render!(
            "sweep-p99",
            "p99 latency at each point of the sweep",
            &p99,
            sweep_lines
        ),
    ])
}

/// Whether a sweep row is no option: it misses the SLO in some replication (`slo_met` averages
/// below 1), or, when the scenario has no SLO, it throttled or timed out requests.
fn infeasible(r: &scalesim_core::experiment::ResultRow) -> bool {
    let fig = |n| r.figures[scalesim_core::experiment::figure(n).expect("a known figure")].mean;
    let met = fig("slo_met");
    if met.is_nan() {
        fig("throttled_pct") + fig("timed_out_pct") > 0.0
    } else {
        met < 1.0
    }
}

fn sweep_lines<DB: DrawingBackend>(
    root: &Area<DB>,
    s: &SweepFigure,
    title: &str,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let xs = s.results.iter().map(|r| r.values[0]);
    let (x0, x1) = xs
        .clone()
        .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
    let (x0, x1) = if x1 > x0 {
        (x0, x1)
    } else {
        (x0 - 1.0, x1 + 1.0)
    };
    let top = top_of(s.results.iter().map(|r| &r.figures[s.figure]));
    let log = x0 > 0.0 && x1 / x0 >= 20.0;
    // A latency figure whose positive means span more than a decade gets a log axis.
    let latency = scalesim_core::experiment::FIGURES[s.figure]
        .0
        .starts_with("latency_");
    let means: Vec<f64> = s
        .results
        .iter()
        .map(|r| r.figures[s.figure].mean)
        .filter(|m| m.is_finite() && *m > 0.0)
        .collect();
    let (lo, hi) = means
        .iter()
        .fold((f64::MAX, 0.0f64), |(a, b), m| (a.min(*m), b.max(*m)));
    let y_log = latency && hi > 0.0 && hi / lo > 10.0;
    let (y0, y1) = decade_range(means.iter().copied());
    let has_slo = s.results.iter().any(|r| {
        !r.figures[scalesim_core::experiment::figure("slo_met").expect("a figure")]
            .mean
            .is_nan()
    });
    macro_rules! draw {
        ($chart:expr, $y_desc:expr $(, $y_format:expr)?) => {{
            let mut chart = $chart;
            mesh!(chart, s.meta.axes[0].as_str(), $y_desc)
                $(.y_label_formatter($y_format))?
                .draw()?;
            for (i, name) in s.meta.variants.iter().enumerate() {
                let points: Vec<_> = s
                    .results
                    .iter()
                    .filter(|r| &r.variant == name)
                    .map(|r| {
                        let mut e = r.figures[s.figure];
                        // On a log axis an interval reaching zero or below stops at the axis.
                        if y_log {
                            e.ci95 = e.ci95.map(|(a, b)| (a.max(y0), b));
                        }
                        (r.values[0], e)
                    })
                    .filter(|(_, e)| !y_log || e.mean > 0.0)
                    .collect();
                estimate_line(&mut chart, &points, name, colour(i))?;
            }
            let red = RGBColor(200, 30, 30);
            let crosses: Vec<(f64, f64)> = s
                .results
                .iter()
                .filter(|r| infeasible(r))
                .map(|r| (r.values[0], r.figures[s.figure].mean))
                .filter(|(_, y)| y.is_finite() && (!y_log || *y > 0.0))
                .collect();
            if !crosses.is_empty() {
                chart
                    .draw_series(
                        crosses
                            .iter()
                            .map(|&(x, y)| Cross::new((x, y), 6, red.stroke_width(2))),
                    )?
                    .label(if has_slo {
                        "misses the SLO"
                    } else {
                        "drops requests (throttled or timed out)"
                    })
                    .legend(move |(x, y)| Cross::new((x + 10, y), 5, red.stroke_width(2)));
            }
            legend!(chart, SeriesLabelPosition::UpperLeft)
        }};
    }
    let decade = |v: &f64| decade_label(*v);
    let y_log_desc = "p99 latency (log scale)";
    let y_axis = || (y0..y1).log_scale().with_key_points(decades(y0, y1));
    match (log, y_log) {
        (true, true) => draw!(
            frame(root, title, 80).build_cartesian_2d((x0..x1).log_scale(), y_axis())?,
            y_log_desc,
            &decade
        ),
        (false, true) => draw!(
            frame(root, title, 80).build_cartesian_2d(x0..x1, y_axis())?,
            y_log_desc,
            &decade
        ),
        (true, false) => draw!(
            frame(root, title, 80).build_cartesian_2d((x0..x1).log_scale(), 0.0..top)?,
            s.y_desc
        ),
        (false, false) => draw!(
            frame(root, title, 80).build_cartesian_2d(x0..x1, 0.0..top)?,
            s.y_desc
        ),
    }
}

/// What the cheapest-setting chart draws: the varied field, its candidates, the chosen one and
/// the p99 limit.
pub struct CheapestFigure<'a> {
    /// The varied field, as given to `--vary`.
    pub vary: &'a str,
    /// Every value tried, in order.
    pub candidates: &'a [scalesim_core::experiment::Candidate],
    /// Index of the cheapest value within the limits.
    pub best: Option<usize>,
    /// The p99 limit, ms, if any.
    pub p99_max_ms: Option<f64>,
}

/// `scalesim cheapest`: cost (left axis) and p99 (right axis) against the varied value on one
/// chart, a cross on each value outside the limits, the p99 limit as a dashed line and the
/// cheapest value within them ringed.
pub fn cheapest_chart(f: &CheapestFigure<'_>) -> Result<Chart, ChartError> {
    register_font();
    Ok(render!(
        "cheapest",
        "Cost and p99 against the value tried",
        f,
        cheapest_curves
    ))
}

fn cheapest_curves<DB: DrawingBackend>(
    root: &Area<DB>,
    f: &CheapestFigure<'_>,
    title: &str,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let valid: Vec<_> = f
        .candidates
        .iter()
        .filter(|c| c.cost.mean.is_finite())
        .collect();
    let x0 = valid.iter().map(|c| c.x).fold(f64::INFINITY, f64::min);
    let x1 = valid.iter().map(|c| c.x).fold(f64::NEG_INFINITY, f64::max);
    let (x0, x1) = if x0.is_finite() && x1 > x0 {
        (x0, x1)
    } else if x0.is_finite() {
        (x0 - 1.0, x0 + 1.0)
    } else {
        (0.0, 1.0)
    };
    let cost_top = top_of(valid.iter().map(|c| &c.cost));
    let p99_top = top_of(valid.iter().map(|c| &c.p99_ms)).max(f.p99_max_ms.unwrap_or(0.0) * 1.1);
    let mut chart = frame(root, title, 80)
        .right_y_label_area_size(80)
        .build_cartesian_2d(x0..x1, 0.0..cost_top)?
        .set_secondary_coord(x0..x1, 0.0..p99_top);
    mesh!(chart, f.vary, "USD over the horizon").draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("p99 ms")
        .label_style(font(14))
        .axis_desc_style(font(15))
        .draw()?;
    let (cost_c, p99_c) = (colour(0), colour(1));
    let cost: Vec<_> = valid.iter().map(|c| (c.x, c.cost)).collect();
    estimate_line(
        std::ops::DerefMut::deref_mut(&mut chart),
        &cost,
        "cost (left axis)",
        cost_c,
    )?;
    chart
        .draw_secondary_series(LineSeries::new(
            valid.iter().map(|c| (c.x, c.p99_ms.mean)),
            p99_c.stroke_width(2),
        ))?
        .label("p99 (right axis)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], p99_c.stroke_width(2)));
    let red = RGBColor(200, 30, 30);
    if let Some(limit) = f.p99_max_ms {
        chart
            .draw_secondary_series(DashedLineSeries::new(
                [(x0, limit), (x1, limit)],
                8,
                5,
                red.stroke_width(2),
            ))?
            .label(format!("p99 limit {} ms", limit))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], red.stroke_width(2)));
    }
    let misses: Vec<(f64, f64)> = valid
        .iter()
        .filter(|c| !c.feasible)
        .map(|c| (c.x, c.cost.mean))
        .collect();
    if !misses.is_empty() {
        chart
            .draw_series(
                misses
                    .iter()
                    .map(|&(x, y)| Cross::new((x, y), 6, red.stroke_width(2))),
            )?
            .label("outside the limits")
            .legend(move |(x, y)| Cross::new((x + 10, y), 5, red.stroke_width(2)));
    }
    if let Some(best) = f.best.and_then(|i| f.candidates.get(i)) {
        let green = RGBColor(0, 120, 0);
        chart
            .draw_series(std::iter::once(Circle::new(
                (best.x, best.cost.mean),
                9,
                green.stroke_width(3),
            )))?
            .label(format!("cheapest within the limits: {}", best.x))
            .legend(move |(x, y)| Circle::new((x + 10, y), 5, green.stroke_width(3)));
    }
    legend!(chart, SeriesLabelPosition::UpperMiddle)
}

#[cfg(test)]
mod tests {
    use scalesim_core::experiment::stats::Estimate;
    use scalesim_core::experiment::{FIGURES, ResultRow, figure};

    /// A sweep row whose figures are 0 but for `set`.
    fn row(set: &[(&str, f64)]) -> ResultRow {
        let zero = Estimate {
            mean: 0.0,
            sd: None,
            ci95: None,
        };
        let mut figures = vec![zero; FIGURES.len()];
        for (name, value) in set {
            figures[figure(name).unwrap()].mean = *value;
        }
        ResultRow {
            point: 0,
            values: vec![1.0],
            variant: "v".into(),
            replications: 5,
            figures,
        }
    }

    #[test]
    fn crosses_mark_slo_misses_or_without_an_slo_dropped_requests() {
        // slo_met averages the replications' 1 (met) and 0: 0.8 is one miss in five.
        assert!(super::infeasible(&row(&[("slo_met", 0.8)])));
        // Throttling within the SLO's allowance is no miss.
        assert!(!super::infeasible(&row(&[
            ("slo_met", 1.0),
            ("throttled_pct", 0.5)
        ])));
        // Without an SLO (slo_met is NaN) any throttled or timed-out request is.
        assert!(super::infeasible(&row(&[
            ("slo_met", f64::NAN),
            ("timed_out_pct", 0.01)
        ])));
        assert!(!super::infeasible(&row(&[("slo_met", f64::NAN)])));
    }
}
