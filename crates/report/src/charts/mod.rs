//! Charts, each rendered as SVG and PNG with the embedded font, so they look the same on a
//! machine with no fonts installed.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::verdict::cheapest;
use super::{RunReport, VariantReport};
use scalesim_core::billing::CostCategory;
use scalesim_core::results::pct_text as pct;

/// The embedded font (a subset of DejaVu Sans; see assets/fonts/README.md).
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");
/// The family name charts use; the SVGs declare it with `@font-face`.
pub const FONT_FAMILY: &str = "scalesim-sans";
const SIZE: (u32, u32) = (960, 540);

/// A chart rendered both ways.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// File stem, e.g. `cost-breakdown`.
    pub name: &'static str,
    /// Title shown above it.
    pub title: &'static str,
    /// SVG text, the font embedded.
    pub svg: String,
    /// PNG bytes.
    pub png: Vec<u8>,
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// plotters failed.
    #[error("drawing the {chart} chart failed: {reason}")]
    Draw {
        /// Which chart.
        chart: &'static str,
        /// What plotters said.
        reason: String,
    },
}

type Area<DB> = DrawingArea<DB, Shift>;
type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// The legend box, at `$position`; a macro because dual-axis charts have their own type.
macro_rules! legend {
    ($chart:expr, $position:expr) => {
        $chart
            .configure_series_labels()
            .label_font(font(14))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .position($position)
            .draw()
    };
}

fn register_font() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            plotters::style::register_font(FONT_FAMILY, style, FONT)
                .unwrap_or_else(|_| panic!("bug: the embedded font does not parse"));
        }
    });
}

/// One colour per variant, in scenario order.
fn colour(i: usize) -> RGBColor {
    const PALETTE: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
    ];
    PALETTE[i % PALETTE.len()]
}

fn font(size: u32) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().into()
}

/// The charts' font in colour `c`.
fn font_in(size: u32, c: RGBColor) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(&c)
}

/// Draw chart function `$draw` on an SVG canvas and on a bitmap, and package both.
macro_rules! render {
    ($name:expr, $title:expr, $report:expr, $draw:ident) => {{
        let (name, title): (&'static str, &'static str) = ($name, $title);
        let fail = |e: &dyn std::fmt::Display| ChartError::Draw {
            chart: name,
            reason: e.to_string(),
        };
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
            $draw(&root, $report, title).map_err(|e| fail(&e))?;
            root.present().map_err(|e| fail(&e))?;
        }
        let mut rgb = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
            $draw(&root, $report, title).map_err(|e| fail(&e))?;
            root.present().map_err(|e| fail(&e))?;
        }
        Chart {
            name,
            title,
            svg: embed_font(&svg),
            png: encode_png(&rgb).map_err(|e| fail(&e))?,
        }
    }};
}

/// A chart's frame: caption, margin and label areas, with `y_area` pixels for the y labels.
fn frame<'a, 'b, DB: DrawingBackend>(
    root: &'a Area<DB>,
    title: &str,
    y_area: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, font(22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(y_area);
    builder
}

/// The grid with axis descriptions, in the charts' style; chain more settings, then `draw()`.
macro_rules! mesh {
    ($chart:expr, $x:expr, $y:expr) => {
        $chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc($x)
            .y_desc($y)
            .label_style(font(14))
            .axis_desc_style(font(15))
    };
}

/// A log latency axis around the positive, finite `values` (ms), widened to whole decades so
/// every decade inside it gets a label: 40–700 ms gives 10–1000 ms. With no positive value,
/// 1–1000 ms.
fn decade_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| *v > 0.0 && v.is_finite())
        .fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if hi <= 0.0 {
        return (1.0, 1_000.0);
    }
    let lo = 10f64.powf(lo.log10().floor());
    let hi = 10f64.powf(hi.log10().ceil());
    if hi > lo { (lo, hi) } else { (lo, lo * 10.0) }
}

/// The decades 10^k ms from `lo` to `hi` (both ends included when they are decades).
fn decades(lo: f64, hi: f64) -> Vec<f64> {
    let first = lo.log10().ceil() as i32;
    let last = hi.log10().floor() as i32;
    (first..=last).map(|k| 10f64.powi(k)).collect()
}

/// The label of the decade of milliseconds nearest `ms` (on a log scale), in the unit a reader
/// says: `0.1 ms`, `1 ms`, `10 ms`, `100 ms`, `1 s`, `10 s`, `100 s`, `1000 s`.
pub fn decade_label(ms: f64) -> String {
    let k = ms.log10().round() as i32;
    // Written out digit by digit: 10f64.powi(-2) prints as 0.010000000000000002.
    let number = |k: i32| {
        if k >= 0 {
            format!("1{}", "0".repeat(k as usize))
        } else {
            format!("0.{}1", "0".repeat((-k - 1) as usize))
        }
    };
    if k >= 3 {
        format!("{} s", number(k - 3))
    } else {
        format!("{} ms", number(k))
    }
}

/// The SLO's p99 limit, ms, when the scenario sets one.
fn slo_p99(r: &RunReport) -> Option<f64> {
    r.slo.and_then(|s| s.p99_ms).filter(|p| *p > 0.0)
}

/// The label of the SLO's p99 line: `SLO p99 ≤ 600 ms`.
fn slo_label(p99_ms: f64) -> String {
    format!("SLO p99 ≤ {p99_ms} ms")
}

/// The colour of SLO lines.
const SLO_COLOUR: RGBColor = RGBColor(190, 30, 30);

/// The SLO's p99 limit as a dashed line from `from` to `to`, labelled in the legend and with
/// `text` next to the point `at` (offset by `offset` pixels).
fn slo_line<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    p99_ms: f64,
    (from, to): ((f64, f64), (f64, f64)),
    at: (f64, f64),
    offset: (i32, i32),
) -> DrawResult<DB>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate<From = (f64, f64)>,
{
    let style = SLO_COLOUR.stroke_width(2);
    chart
        .draw_series(DashedLineSeries::new([from, to], 8, 6, style))?
        .label(slo_label(p99_ms))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    chart.draw_series(std::iter::once(
        EmptyElement::at(at) + Text::new(slo_label(p99_ms), offset, font_in(15, SLO_COLOUR)),
    ))?;
    Ok(())
}

/// Every chart of a report.
pub fn render_all(report: &RunReport) -> Result<Vec<Chart>, ChartError> {
    register_font();
    Ok(vec![
        render!(
            "cost-vs-p99",
            "Cost against p99 latency, one point per variant",
            report,
            cost_vs_p99
        ),
        render!(
            "cost-breakdown",
            "Cost per variant, by what it pays for",
            report,
            cost_breakdown
        ),
        render!(
            "cumulative-cost",
            "Cost piling up over time",
            report,
            cumulative_cost
        ),
        render!(
            "capacity",
            "Instances over time, over the traffic",
            report,
            capacity
        ),
        render!("latency-cdf", "Latency distribution", report, latency_cdf),
        render!(
            "p99-per-interval",
            "99th percentile latency per interval",
            report,
            p99_per_interval
        ),
    ]
    .into_iter()
    .chain(commitment_charts(report)?)
    .collect())
}

/// The commitment advisor's charts, when a variant has advice (fleets): hourly usage against
/// the commitments that cost least, and the monthly cost at each savings plan level.
fn commitment_charts(report: &RunReport) -> Result<Vec<Chart>, ChartError> {
    if !report.variants.iter().any(|v| v.commitment.is_some()) {
        return Ok(Vec::new());
    }
    Ok(vec![
        render!(
            "commitment-usage",
            "Hourly usage against the commitment that costs least",
            report,
            commitment_usage
        ),
        render!(
            "commitment-cost",
            "Monthly cost of the instances at each savings plan commitment",
            report,
            commitment_cost
        ),
    ])
}

/// The variants with commitment advice, with their index (their colour).
fn advised(r: &RunReport) -> Vec<(usize, &scalesim_core::billing::advisor::CommitmentAdvice)> {
    r.variants
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.commitment.as_ref().map(|a| (i, a)))
        .collect()
}

/// Each fleet's instances in use hour by hour (a step line in its colour) and, dashed in the
/// same colour, the best reservation's count; the best savings plan as the instances it pays
/// for (dotted).
fn commitment_usage<DB: DrawingBackend>(
    root: &Area<DB>,
    r: &RunReport,
    title: &str,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let advised = advised(r);
    let lengths = scalesim_core::billing::purchase::hour_lengths(r.horizon_s);
    let steps = |a: &scalesim_core::billing::advisor::CommitmentAdvice| -> Vec<(f64, f64)> {
        let mut points = Vec::new();
        let mut t = 0.0;
        for (h, &len) in lengths.iter().enumerate() {
            let u = a.usage_by_hour.get(h).copied().unwrap_or(0.0) / len;
            points.push((t, u));
            t += len;
            points.push((t, u));
        }
        points
    };
    let plan_instances =
        |plan: &scalesim_core::billing::advisor::Choice,
         a: &scalesim_core::billing::advisor::CommitmentAdvice| {
            plan.best / (plan.rate_ratio * a.on_demand_usd_per_hour).max(1e-12)
        };
    let top = advised
        .iter()
        .flat_map(|(_, a)| {
            steps(a)
                .into_iter()
                .map(|p| p.1)
                .chain([a.reservation.best])
        })
        .fold(1.0, f64::max)
        // Headroom for the legend above the lines (three lines per fleet).
        * (1.25 + 0.12 * advised.len() as f64);
    let mut chart = frame(root, title, 70).build_cartesian_2d(0.0..hours(r), 0.0..top)?;
    mesh!(chart, "hours", "instances in use (mean over the hour)").draw()?;
    for (i, a) in &advised {
        let c = colour(*i);
        let name = &r.variants[*i].name;
        chart
            .draw_series(LineSeries::new(steps(a), c.stroke_width(2)))?
            .label(format!("{name}: in use"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        let n = a.reservation.best;
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, n), (hours(r), n)],
                10,
                6,
                c.stroke_width(2),
            ))?
            .label(format!("{name}: reserve {n}"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(1)));
        let Some(plan) = &a.savings_plan else {
            continue;
        };
        let p = plan_instances(plan, a);
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, p), (hours(r), p)],
                3,
                4,
                c.stroke_width(2),
            ))?
            .label(format!(
                "{name}: savings plan ${}/h (≈ {p:.1} instances)",
                (plan.best * 1e4).round() / 1e4
            ))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(1)));
    }
    legend!(chart, SeriesLabelPosition::UpperLeft)
}

/// Each fleet's monthly instance cost against the savings plan commitment ($/hour), the level
/// that costs least ringed, on-demand (commitment 0) at the left; against the instances
/// committed when no advised fleet has a savings plan (Compute Engine's commitments).
fn commitment_cost<DB: DrawingBackend>(
    root: &Area<DB>,
    r: &RunReport,
    title: &str,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let advised = advised(r);
    let plans = advised.iter().any(|(_, a)| a.savings_plan.is_some());
    let chosen: Vec<(usize, &scalesim_core::billing::advisor::Choice)> = advised
        .iter()
        .filter_map(|&(i, a)| {
            if plans {
                a.savings_plan.as_ref().map(|p| (i, p))
            } else {
                Some((i, &a.reservation))
            }
        })
        .collect();
    let right = chosen
        .iter()
        .flat_map(|(_, c)| c.levels.iter().map(|l| l.0))
        .fold(1e-6, f64::max);
    let top = chosen
        .iter()
        .flat_map(|(_, c)| c.levels.iter().map(|l| l.1))
        .fold(1e-9, f64::max)
        * 1.15;
    let mut chart = frame(root, title, 80).build_cartesian_2d(0.0..right, 0.0..top)?;
    mesh!(
        chart,
        if plans {
            "savings plan commitment, USD per hour"
        } else {
            "instances committed"
        },
        "USD per month (730 h), instances only"
    )
    .draw()?;
    for (i, choice) in &chosen {
        let c = colour(*i);
        chart
            .draw_series(LineSeries::new(
                choice.levels.iter().copied(),
                c.stroke_width(2),
            ))?
            .label(r.variants[*i].name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        let best = (choice.best, choice.monthly_usd);
        chart.draw_series(std::iter::once(Circle::new(best, 8, c.stroke_width(2))))?;
    }
    legend!(chart, SeriesLabelPosition::UpperRight)
}

/// Declare the embedded font inside the SVG so it renders without system fonts.
fn embed_font(svg: &str) -> String {
    let encode = base64;
    let style = format!(
        "<defs><style>@font-face{{font-family:'{FONT_FAMILY}';src:url(data:font/ttf;base64,{})}}</style></defs>",
        encode(FONT)
    );
    match svg.find('>') {
        Some(i) if svg.starts_with("<svg") => format!("{}{style}{}", &svg[..=i], &svg[i + 1..]),
        _ => svg.to_string(),
    }
}

fn encode_png(rgb: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, SIZE.0, SIZE.1);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}

/// Standard base64 (RFC 4648), for embedding the font in SVG and HTML.
pub fn base64(bytes: &[u8]) -> String {
    base64_lite::encode(bytes)
}

mod base64_lite {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn decimation_keeps_peaks_and_bounds_points() {
            let points: Vec<(f64, f64)> = (0..100_000)
                .map(|i| (i as f64, if i == 54_321 { 1e6 } else { (i % 7) as f64 }))
                .collect();
            let thin = super::super::decimate(points);
            assert!(thin.len() <= super::super::MAX_POINTS + 2);
            assert!(thin.contains(&(54_321.0, 1e6)));
            assert!(thin.windows(2).all(|w| w[0].0 <= w[1].0));
        }

        #[test]
        fn matches_rfc_4648_examples() {
            assert_eq!(super::encode(b"foobar"), "Zm9vYmFy");
            assert_eq!(super::encode(b"fooba"), "Zm9vYmE=");
            assert_eq!(super::encode(b"foob"), "Zm9vYg==");
        }
    }
}

/// The pieces of a variant's bill: (label, USD). Idle capacity is the share of a fleet's compute
/// not used by requests (compute × (1 − utilisation)); functions bill no idle time.
pub fn cost_pieces(v: &VariantReport) -> [(&'static str, f64); 7] {
    let compute = v.cost.category_usd(CostCategory::Compute).unwrap_or(0.0);
    let idle = if v.family.bills_idle_capacity() {
        compute * (1.0 - v.capacity.mean_utilisation.clamp(0.0, 1.0))
    } else {
        0.0
    };
    [
        ("compute", compute - idle),
        ("idle capacity", idle),
        (
            "requests",
            v.cost.category_usd(CostCategory::Requests).unwrap_or(0.0),
        ),
        (
            "API gateway",
            v.cost.category_usd(CostCategory::Gateway).unwrap_or(0.0),
        ),
        (
            "load balancer",
            v.cost
                .category_usd(CostCategory::LoadBalancer)
                .unwrap_or(0.0),
        ),
        (
            "capacity bought ahead",
            v.cost.category_usd(CostCategory::Commitment).unwrap_or(0.0),
        ),
        (
            "transfer, logs, storage",
            v.cost.category_usd(CostCategory::Other).unwrap_or(0.0),
        ),
    ]
}

const PIECE_COLOURS: [RGBColor; 7] = [
    RGBColor(31, 119, 180),
    RGBColor(174, 199, 232),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(214, 39, 40),
    RGBColor(140, 86, 75),
];

fn cost_breakdown<DB: DrawingBackend>(
    root: &Area<DB>,
    r: &RunReport,
    title: &str,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let n = r.variants.len();
    let top = r
        .variants
        .iter()
        .map(|v| v.cost.total_usd)
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.15;
    let names: Vec<String> = r.variants.iter().map(|v| v.name.clone()).collect();
    let label = |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 {
            names.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let mut chart =
        frame(root, title, 80).build_cartesian_2d(-0.6f64..(n as f64 - 0.4), 0.0..top)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .disable_x_mesh()
        .x_labels(n.max(2) * 2 + 1)
        .x_label_formatter(&label)
        .y_desc("USD over the simulated horizon")
        .label_style(font(14))
        .axis_desc_style(font(15))
        .draw()?;
    for (k, colour) in PIECE_COLOURS.iter().enumerate() {
        // A piece no variant pays for stays out of the bars and the legend.
        if r.variants.iter().all(|v| cost_pieces(v)[k].1 == 0.0) {
            continue;
        }
        let bars = r.variants.iter().enumerate().map(|(i, v)| {
            let pieces = cost_pieces(v);
            let below: f64 = pieces[..k].iter().map(|p| p.1).sum();
            let x = i as f64;
            Rectangle::new(
                [(x - 0.3, below), (x + 0.3, below + pieces[k].1)],
                colour.filled(),
            )
        });
        let piece = cost_pieces(&r.variants[0])[k].0;
        chart
            .draw_series(bars)?
            .label(piece)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled()));
    }
    chart.draw_series(r.variants.iter().enumerate().map(|(i, v)| {
        Text::new(
            super::table::usd(v.cost.total_usd),
            (i as f64 - 0.12, v.cost.total_usd + top * 0.02),
            font(14),
        )
    }))?;
    legend!(chart, SeriesLabelPosition::UpperRight)
}

/// Most points a line is drawn with; longer series keep each bucket's lowest and highest point
/// (so peaks survive), and the full resolution stays in the time-series files.
const MAX_POINTS: usize = 2_000;

/// Thin `points` to about [`MAX_POINTS`] by min/max decimation, keeping order.
fn decimate(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    if points.len() <= MAX_POINTS {
        return points;
    }
    let bucket = points.len().div_ceil(MAX_POINTS / 2);
    points
        .chunks(bucket)
        .flat_map(|c| {
            let lo = c.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1));
            let hi = c.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1));
            match (lo, hi) {
                (Some(lo), Some(hi)) if lo.0 <= hi.0 => vec![lo, hi],
                (Some(lo), Some(hi)) => vec![hi, lo],
                _ => Vec::new(),
            }
        })
        .collect()
}

/// (hours, value) per interval of each variant.
fn series(
    v: &VariantReport,
    mut f: impl FnMut(&scalesim_core::metrics::IntervalRow) -> Option<f64>,
) -> Vec<(f64, f64)> {
    v.timeseries
        .iter()
        .filter_map(|row| f(row).map(|y| (row.end_s / 3_600.0, y)))
        .collect()
}

fn hours(r: &RunReport) -> f64 {
    (r.horizon_s / 3_600.0).max(1e-6)
}

/// One line per variant, in its colour, labelled with its name.
/// Points beyond which a line is drawn 1 px wide (see [`variant_lines`]).
const DENSE_POINTS: usize = 300;

fn variant_lines<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    r: &RunReport,
    curves: Vec<Vec<(f64, f64)>>,
) -> DrawResult<DB>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate<From = (f64, f64)>,
{
    for (i, (v, points)) in r.variants.iter().zip(curves).enumerate() {
        let c = colour(i);
        let points = decimate(points);
        // A dense line is drawn 1 px wide: plotters' bitmap backend joins wide lines with
        // miters, which spike far past the data where a dense series turns back sharply (the
        // PNG then showed peaks and drops the SVG and the data do not have).
        let width = if points.len() > DENSE_POINTS { 1 } else { 2 };
        chart
            .draw_series(LineSeries::new(points, c.stroke_width(width)))?
            .label(v.name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    Ok(())
}

fn cumulative_cost<DB: DrawingBackend>(
    root: &Area<DB>,
    r: &RunReport,
    title: &str,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let curves: Vec<Vec<(f64, f64)>> = r
        .variants
        .iter()
        .map(|v| {
            let mut total = 0.0;
            let mut points = vec![(0.0, 0.0)];
            points.extend(series(v, |row| {
                total += row.cost_usd;
                Some(total)
            }));
            points
        })
        .collect();
    let top = curves
        .iter()
        .flatten()
        .map(|p| p.1)
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.1;
    let mut chart = frame(root, title, 80).build_cartesian_2d(0.0..hours(r), 0.0..top)?;
    mesh!(chart, "hours", "USD accrued").draw()?;
    variant_lines(&mut chart, r, curves)?;
    legend!(chart, SeriesLabelPosition::UpperLeft)
}

fn capacity<DB: DrawingBackend>(root: &Area<DB>, r: &RunReport, title: &str) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let curves: Vec<Vec<(f64, f64)>> = r
        .variants
        .iter()
        .map(|v| {
            series(v, |row| {
                Some(f64::from(
                    row.in_service + row.idle + row.booting.unwrap_or(0),
                ))
            })
        })
        .collect();
    let traffic: Vec<(f64, f64)> = r.variants.first().map_or_else(Vec::new, |v| {
        let mut start = 0.0;
        v.timeseries
            .iter()
            .map(|row| {
                let rate = row.arrivals as f64 / (row.end_s - start).max(1e-9);
                start = row.end_s;
                (row.end_s / 3_600.0, rate)
            })
            .collect()
    });
    let top = curves.iter().flatten().map(|p| p.1).fold(1.0, f64::max) * 1.15;
    let top_rate = traffic.iter().map(|p| p.1).fold(1e-9, f64::max) * 1.15;
    let mut chart = frame(root, title, 70)
        .right_y_label_area_size(70)
        .build_cartesian_2d(0.0..hours(r), 0.0..top)?
        .set_secondary_coord(0.0..hours(r), 0.0..top_rate);
    mesh!(chart, "hours", "instances (environments for functions)").draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("arriving requests per second (grey)")
        .label_style(font(14))
        .axis_desc_style(font(15))
        .draw()?;
    let grey = RGBColor(200, 200, 200);
    chart
        .draw_secondary_series(
            AreaSeries::new(decimate(traffic), 0.0, grey.mix(0.5)).border_style(grey),
        )?
        .label("traffic (right axis)")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], grey.filled()));
    variant_lines(&mut chart, r, curves)?;
    legend!(chart, SeriesLabelPosition::UpperLeft)
}

/// A linear axis labelled only at `ticks` (one decimal): the latency distribution's 0 to 1, with
/// headroom above for the legend that gets no labels.
struct TicksAt {
    axis: plotters::coord::types::RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for TicksAt {
    type FormatOption = plotters::coord::ranged1d::NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.axis.map(value, limit)
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, _: Hint) -> Vec<f64> {
        self.ticks.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.axis.range()
    }
}

impl plotters::coord::ranged1d::ValueFormatter<f64> for TicksAt {
    fn format(value: &f64) -> String {
        format!("{value:.1}")
    }
}

/// The fraction of a variant's arrivals that completed (1 when none arrived).
fn completed_share(v: &VariantReport) -> f64 {
    let c = &v.requests;
    if c.arrived == 0 {
        1.0
    } else {
        c.completed as f64 / c.arrived as f64
    }
}

/// A variant's legend entry on the latency distribution: its name, and when some arrivals did
/// not complete, which and where its curve ends (`api — throttled 32.0 %: curve ends at 68.0 %`).
fn cdf_label(v: &VariantReport) -> String {
    let c = &v.requests;
    if c.arrived == 0 || c.completed >= c.arrived {
        return v.name.clone();
    }
    let share = |n: u64| pct(n as f64 / c.arrived as f64 * 100.0);
    let ends = completed_share(v) * 100.0;
    let mut lost = Vec::new();
    if c.throttled > 0 {
        lost.push(format!("throttled {}", share(c.throttled)));
    }
    if c.timed_out > 0 {
        lost.push(format!("timed out {}", share(c.timed_out)));
    }
    // Requests still running at the horizon are named only when they are the sole reason the
    // curve falls short of the top or weigh 0.1 % or more: a handful is no news.
    let unfinished = c.in_flight_at_end as f64 / c.arrived as f64 * 100.0;
    if c.in_flight_at_end > 0 && (lost.is_empty() || unfinished >= 0.1) {
        lost.push(format!("unfinished {}", share(c.in_flight_at_end)));
    }
    if lost.len() == 1 && c.throttled + c.timed_out == 0 && ends >= 99.95 {
        return v.name.clone();
    }
    format!(
        "{} — {}: curve ends at {}",
        v.name,
        lost.join(", "),
        pct(ends)
    )
}

/// The latency distribution over every *arrived* request: each variant's distribution of
/// completed requests scaled by completed ÷ arrived, so a variant that throttled 32 % tops out at
/// 0.68 instead of drawing over one that served everything.
fn latency_cdf<DB: DrawingBackend>(root: &Area<DB>, r: &RunReport, title: &str) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let slo = slo_p99(r);
    let (lo, hi) = decade_range(
        r.variants
            .iter()
            .flat_map(|v| v.latency_cdf.iter().map(|p| p.0))
            // Room right of the SLO line for its label.
            .chain(slo.into_iter().flat_map(|ms| [ms, ms * 2.0])),
    );
    let x = (lo..hi).log_scale().with_key_points(decades(lo, hi));
    // Headroom above 1 holds the legend; the y labels stop at 1.
    let y = TicksAt {
        axis: (0.0..1.3).into(),
        ticks: (0..=10).map(|k| f64::from(k) / 10.0).collect(),
    };
    let mut chart = frame(root, title, 70).build_cartesian_2d(x, y)?;
    mesh!(
        chart,
        "latency (log scale)",
        "fraction of arrived requests at or below"
    )
    .x_label_formatter(&|ms| decade_label(*ms))
    .draw()?;
    if let Some(p99) = slo {
        slo_line(
            &mut chart,
            p99,
            ((p99, 0.0), (p99, 1.0)),
            (p99, 0.0),
            (6, -22),
        )?;
    }
    for (i, v) in r.variants.iter().enumerate() {
        let share = completed_share(v);
        let points: Vec<(f64, f64)> = v
            .latency_cdf
            .iter()
            .filter(|p| p.0 > 0.0)
            .map(|&(ms, f)| (ms, f * share))
            .collect();
        let c = colour(i);
        let points = decimate(points);
        // A dense line is drawn 1 px wide: plotters' bitmap backend joins wide lines with
        // miters, which spike far past the data where a dense series turns back sharply (the
        // PNG then showed peaks and drops the SVG and the data do not have).
        let width = if points.len() > DENSE_POINTS { 1 } else { 2 };
        chart
            .draw_series(LineSeries::new(points, c.stroke_width(width)))?
            .label(cdf_label(v))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    legend!(chart, SeriesLabelPosition::UpperLeft)
}

fn p99_per_interval<DB: DrawingBackend>(
    root: &Area<DB>,
    r: &RunReport,
    title: &str,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let slo = slo_p99(r);
    let curves: Vec<Vec<(f64, f64)>> = r
        .variants
        .iter()
        .map(|v| series(v, |row| row.p99_ms.filter(|p| *p > 0.0)))
        .collect();
    let (lo, hi) = decade_range(curves.iter().flatten().map(|p| p.1).chain(slo));
    let y = (lo..hi).log_scale().with_key_points(decades(lo, hi));
    let mut chart = frame(root, title, 70).build_cartesian_2d(0.0..hours(r), y)?;
    mesh!(chart, "hours", "p99 latency (log scale)")
        .y_label_formatter(&|ms| decade_label(*ms))
        .draw()?;
    if let Some(p99) = slo {
        let end = hours(r);
        slo_line(
            &mut chart,
            p99,
            ((0.0, p99), (end, p99)),
            (end, p99),
            (-190, -22),
        )?;
    }
    variant_lines(&mut chart, r, curves)?;
    legend!(chart, SeriesLabelPosition::UpperLeft)
}

/// Cost against p99 latency, one point per variant: the question a planner brings ("which is
/// cheapest at the latency we need?"). The SLO's p99 limit is a dashed vertical line; variants
/// that miss the SLO are hollow with a grey cross; the cheapest variant meeting it (the
/// headline's choice; without an SLO the cheapest) is ringed. Variants with no completed request
/// have no p99 and are named in the legend instead.
fn cost_vs_p99<DB: DrawingBackend>(root: &Area<DB>, r: &RunReport, title: &str) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let slo = slo_p99(r);
    let plotted: Vec<(usize, &VariantReport)> = r
        .variants
        .iter()
        .enumerate()
        .filter(|(_, v)| v.latency_ms.p99_ms.is_finite() && v.latency_ms.p99_ms > 0.0)
        .collect();
    let unplotted: Vec<&str> = r
        .variants
        .iter()
        .filter(|v| !(v.latency_ms.p99_ms.is_finite() && v.latency_ms.p99_ms > 0.0))
        .map(|v| v.name.as_str())
        .collect();
    // Room right of each point (×3, half a decade) for its label and the SLO line's.
    let (lo, hi) = decade_range(
        plotted
            .iter()
            .map(|(_, v)| v.latency_ms.p99_ms)
            .chain(slo)
            .flat_map(|ms| [ms, ms * 3.0]),
    );
    // Headroom above the dearest point for its label and the legend.
    let top = plotted
        .iter()
        .map(|(_, v)| v.cost.total_usd)
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.5;
    let x = (lo..hi).log_scale().with_key_points(decades(lo, hi));
    let mut chart = frame(root, title, 80).build_cartesian_2d(x, 0.0..top)?;
    mesh!(
        chart,
        "p99 latency (log scale)",
        "USD over the simulated horizon"
    )
    .x_label_formatter(&|ms| decade_label(*ms))
    .draw()?;
    if let Some(p99) = slo {
        slo_line(
            &mut chart,
            p99,
            ((p99, 0.0), (p99, top)),
            (p99, top),
            (6, 4),
        )?;
    }
    let has_slo = r.slo.is_some();
    let point = |v: &VariantReport| (v.latency_ms.p99_ms, v.cost.total_usd);
    let (meets, misses): (Vec<_>, Vec<_>) =
        plotted.iter().partition(|(_, v)| v.slo_met != Some(false));
    if !meets.is_empty() {
        let dark = RGBColor(60, 60, 60);
        chart
            .draw_series(
                meets
                    .iter()
                    .map(|(i, v)| Circle::new(point(v), 7, colour(*i).filled())),
            )?
            .label(if has_slo { "meets the SLO" } else { "variant" })
            .legend(move |(x, y)| Circle::new((x + 10, y), 6, dark.filled()));
    }
    if !misses.is_empty() {
        let grey = RGBColor(120, 120, 120);
        chart
            .draw_series(misses.iter().map(|(i, v)| {
                EmptyElement::at(point(v))
                    + Circle::new((0, 0), 7, colour(*i).stroke_width(2))
                    + Cross::new((0, 0), 5, grey.stroke_width(2))
            }))?
            .label("misses the SLO")
            .legend(move |(x, y)| {
                EmptyElement::at((x + 10, y))
                    + Circle::new((0, 0), 6, grey.stroke_width(2))
                    + Cross::new((0, 0), 4, grey.stroke_width(2))
            });
    }
    chart.draw_series(plotted.iter().map(|(i, v)| {
        let text = if v.slo_met == Some(false) {
            format!("{} (misses the SLO)", v.name)
        } else {
            v.name.clone()
        };
        EmptyElement::at(point(v)) + Text::new(text, (16, -24), font_in(15, colour(*i)))
    }))?;
    let best = cheapest(
        plotted
            .iter()
            .map(|(_, v)| *v)
            .filter(|v| !has_slo || v.slo_met == Some(true)),
    );
    if let Some(best) = best {
        let label = if has_slo {
            "cheapest meeting SLO"
        } else {
            "cheapest"
        };
        chart
            .draw_series(std::iter::once(
                EmptyElement::at(point(best))
                    + Circle::new((0, 0), 14, BLACK.stroke_width(2))
                    + Text::new(label, (16, 8), font(15)),
            ))?
            .label(label)
            .legend(|(x, y)| Circle::new((x + 10, y), 7, BLACK.stroke_width(2)));
    }
    if !unplotted.is_empty() {
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label(format!(
                "not plotted, no request completed: {}",
                unplotted.join(", ")
            ))
            .legend(|(x, y)| EmptyElement::at((x, y)));
    }
    legend!(chart, SeriesLabelPosition::UpperRight)
}

mod experiments;
pub use experiments::{CheapestFigure, SweepFigure, breakeven_chart, cheapest_chart, sweep_charts};

#[cfg(test)]
mod tests {
    use super::{decade_label, decade_range, decades};

    #[test]
    fn decades_are_labelled_in_the_unit_a_reader_says() {
        let labels: Vec<String> = [0.1, 1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6]
            .into_iter()
            .map(decade_label)
            .collect();
        assert_eq!(
            labels,
            [
                "0.1 ms", "1 ms", "10 ms", "100 ms", "1 s", "10 s", "100 s", "1000 s"
            ]
        );
        // 0.01 is not printed as 0.010000000000000002; a value between decades takes the
        // nearer one on the log scale (log10 40 = 1.60 → 100 ms; log10 30 = 1.48 → 10 ms).
        assert_eq!(decade_label(0.01), "0.01 ms");
        assert_eq!(decade_label(40.0), "100 ms");
        assert_eq!(decade_label(30.0), "10 ms");
    }

    #[test]
    fn latency_axes_widen_to_whole_decades() {
        // 40–700 ms lies between the decades 10 and 1000 ms.
        assert_eq!(
            decade_range([40.0, 700.0, f64::NAN, 0.0].into_iter()),
            (10.0, 1_000.0)
        );
        assert_eq!(decades(10.0, 1_000.0), [10.0, 100.0, 1_000.0]);
        // One value on a decade still gets an axis a decade wide.
        assert_eq!(decade_range([100.0].into_iter()), (100.0, 1_000.0));
        assert_eq!(decade_range(std::iter::empty()), (1.0, 1_000.0));
    }
}
