//! Charts, each rendered as SVG and PNG with the embedded font, so they look the same on a
//! machine with no fonts installed.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{RunReport, VariantReport};
use scalesim_core::billing::CostCategory;

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

/// A log axis around the positive `values`, with some room either side.
fn log_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| *v > 0.0)
        .fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if hi > 0.0 {
        (lo * 0.8, hi * 1.25)
    } else {
        (0.1, 10.0)
    }
}

/// Every chart of a report.
pub fn render_all(report: &RunReport) -> Result<Vec<Chart>, ChartError> {
    register_font();
    Ok(vec![
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
    ])
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
pub fn cost_pieces(v: &VariantReport) -> [(&'static str, f64); 5] {
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
    ]
}

const PIECE_COLOURS: [RGBColor; 5] = [
    RGBColor(31, 119, 180),
    RGBColor(174, 199, 232),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
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
        chart
            .draw_series(LineSeries::new(decimate(points), c.stroke_width(2)))?
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

fn latency_cdf<DB: DrawingBackend>(root: &Area<DB>, r: &RunReport, title: &str) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (lo, hi) = log_range(
        r.variants
            .iter()
            .flat_map(|v| v.latency_cdf.iter().map(|p| p.0)),
    );
    let mut chart = frame(root, title, 70).build_cartesian_2d((lo..hi).log_scale(), 0.0..1.0)?;
    mesh!(
        chart,
        "latency, ms (log scale)",
        "fraction of requests at or below"
    )
    .draw()?;
    let curves = r
        .variants
        .iter()
        .map(|v| {
            v.latency_cdf
                .iter()
                .filter(|p| p.0 > 0.0)
                .copied()
                .collect()
        })
        .collect();
    variant_lines(&mut chart, r, curves)?;
    legend!(chart, SeriesLabelPosition::LowerRight)
}

fn p99_per_interval<DB: DrawingBackend>(
    root: &Area<DB>,
    r: &RunReport,
    title: &str,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let curves: Vec<Vec<(f64, f64)>> = r
        .variants
        .iter()
        .map(|v| series(v, |row| row.p99_ms.filter(|p| *p > 0.0)))
        .collect();
    let (lo, hi) = log_range(curves.iter().flatten().map(|p| p.1));
    let mut chart =
        frame(root, title, 70).build_cartesian_2d(0.0..hours(r), (lo..hi).log_scale())?;
    mesh!(chart, "hours", "p99 latency, ms (log scale)").draw()?;
    variant_lines(&mut chart, r, curves)?;
    legend!(chart, SeriesLabelPosition::UpperLeft)
}

mod experiments;
pub use experiments::{SweepFigure, breakeven_chart, sweep_charts};
