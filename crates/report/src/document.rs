//! `report.md` and a self-contained `report.html`: the scenario echoed, seed and version, the
//! comparison table, the charts, a one-sentence verdict per pair, links to the data files.

use super::charts::{Chart, FONT, FONT_FAMILY};
use super::table::{cells, clock_time, function_rows, human_duration, replay_line, usd};
use super::verdict::{headline, slo_text};
use super::{RunReport, VariantReport};

/// What each file of a report folder holds, for both documents and README.
pub const FILES: [(&str, &str); 8] = [
    (
        "summary.json",
        "everything per variant: counts, latency percentiles and CDF, capacity, invoice lines, scaling log",
    ),
    ("summary.csv", "one row per variant, the headline figures"),
    (
        "functions.csv",
        "one row per variant and function (traces that name functions only)",
    ),
    (
        "timeseries.parquet",
        "one row per variant and interval: traffic, latency, instances, utilisation, cost",
    ),
    ("timeseries.csv", "the same as CSV"),
    (
        "charts/*.svg, charts/*.png",
        "the charts, each as SVG and PNG",
    ),
    ("report.md", "this report as Markdown"),
    ("report.html", "this report as one self-contained page"),
];

/// One sentence per pair worth comparing: every serverless variant against every fleet, or —
/// when all variants are of one kind — each against the first.
pub fn verdicts(report: &RunReport) -> Vec<String> {
    let v = &report.variants;
    let mut pairs: Vec<(&VariantReport, &VariantReport)> = Vec::new();
    for a in v.iter().filter(|x| x.family.is_serverless()) {
        for b in v.iter().filter(|x| !x.family.is_serverless()) {
            pairs.push((a, b));
        }
    }
    if pairs.is_empty() {
        pairs = v.iter().skip(1).map(|b| (b, &v[0])).collect();
    }
    pairs.into_iter().map(|(a, b)| verdict(a, b)).collect()
}

fn verdict(a: &VariantReport, b: &VariantReport) -> String {
    let (ca, cb) = (a.cost.total_usd, b.cost.total_usd);
    let cost = if cb <= 0.0 {
        format!("costs {} (against nothing)", usd(ca))
    } else {
        let pct = (ca / cb - 1.0) * 100.0;
        if pct.abs() < 0.5 {
            "costs about the same".to_string()
        } else if pct < 0.0 {
            format!("costs {:.0} % less", -pct)
        } else {
            format!("costs {:.0} % more", pct)
        }
    };
    let (pa, pb) = (a.latency_ms.p99_ms, b.latency_ms.p99_ms);
    // NaN: nothing completed, so there is no latency to compare.
    let speed = match (pa.is_nan(), pb.is_nan()) {
        (true, true) => "neither completes a request".to_string(),
        (true, false) => "completes none of its requests".to_string(),
        (false, true) => format!("completes requests where {} completes none", b.name),
        _ if (pa - pb).abs() < 0.5 => "answers as fast at p99".to_string(),
        _ if pa > pb => format!("is {:.0} ms slower at p99", pa - pb),
        _ => format!("is {:.0} ms faster at p99", pb - pa),
    };
    let p99 = |ms: f64| {
        if ms.is_nan() {
            "—".to_string()
        } else {
            format!("{ms:.0}")
        }
    };
    let mut s = format!(
        "{} {cost} than {} and {speed} ({} vs {} ms; {} vs {}).",
        a.name,
        b.name,
        p99(pa),
        p99(pb),
        usd(ca),
        usd(cb)
    );
    for v in [a, b] {
        if !v.slo_missed_by.is_empty() {
            s += &format!(
                " {} misses the SLO: {}.",
                v.name,
                v.slo_missed_by.join(", ")
            );
        }
    }
    s
}

fn header(r: &RunReport) -> Vec<String> {
    let mut lines = vec![
        format!("scalesim {}, seed {}", r.scalesim_version, r.seed),
        format!(
            "{} simulated, one time-series row every {}; {:.2} requests per second on average",
            human_duration(r.horizon_s),
            human_duration(r.interval_s),
            r.traffic.mean_rate_per_s
        ),
        format!(
            "requests: {:.1} ms mean on the reference CPU, {:.0} % CPU-bound, {} MB",
            r.traffic.mean_duration_ms,
            r.traffic.cpu_fraction * 100.0,
            r.traffic.request_memory_mb
        ),
    ];
    if let Some(log) = &r.traffic.replay {
        lines.push(format!("replayed {}", replay_line(log)));
    }
    if let Some(slo) = r.slo {
        lines.push(format!("SLO: {}", slo_text(&slo)));
    }
    if !r.settings.is_empty() {
        lines.push(format!("set: {}", r.settings.join(", ")));
    }
    lines
}

/// The report as Markdown; charts are linked from `charts/`.
pub fn markdown(r: &RunReport, charts: &[Chart]) -> String {
    let mut md = format!("# {} — scalesim report\n\n", r.scenario);
    if !r.description.is_empty() {
        md += &format!("{}\n\n", r.description);
    }
    for line in header(r) {
        md += &format!("- {line}\n");
    }
    if !r.warnings.is_empty() {
        md += "\n## Warnings\n\n";
        for w in &r.warnings {
            md += &format!("- {w}\n");
        }
    }
    md += &format!("\n## Verdict\n\n**{}**\n\n", headline(r));
    for v in verdicts(r) {
        md += &format!("- {v}\n");
    }
    md += "\n## Comparison\n\n|  |";
    for v in &r.variants {
        md += &format!(" {} |", v.name);
    }
    md += "\n|---|";
    md += &"---:|".repeat(r.variants.len());
    md += "\n";
    for (label, cells) in cells(r) {
        md += &format!("| {} |", label.trim());
        for c in cells {
            md += &format!(" {} |", c.replace('|', "\\|"));
        }
        md += "\n";
    }
    if let Some((header, rows, n)) = function_rows(r, 20) {
        md += &format!(
            "\n## Per function\n\n{}\n\n|",
            function_caption(rows.len(), n)
        );
        for h in &header {
            md += &format!(" {h} |");
        }
        md += "\n|---|";
        md += &"---:|".repeat(header.len() - 1);
        md += "\n";
        for row in rows {
            md += "|";
            for cell in row {
                md += &format!(" {} |", cell.replace('|', "\\|"));
            }
            md += "\n";
        }
    }
    md += "\n## Charts\n\n";
    for c in charts {
        md += &format!(
            "### {}\n\n![{}](charts/{}.svg)\n\n",
            c.title, c.title, c.name
        );
    }
    md += &activity_markdown(r);
    md += &super::bill::markdown(r);
    md += &super::commitment::markdown(r);
    md += "## Scenario\n\n```toml\n";
    md += r.scenario_toml.trim_end();
    md += "\n```\n\n## Files\n\n";
    for (file, what) in FILES {
        md += &format!("- `{file}`: {what}\n");
    }
    md
}

fn function_caption(shown: usize, n: usize) -> String {
    let which = if shown < n {
        format!("The {shown} functions with the most requests of {n} (all in summary.json).")
    } else {
        format!("All {n} functions.")
    };
    format!(
        "{which} Serverless cost is each function's own usage; a fleet's is shared by the time it spent on each."
    )
}

/// Most scaling activities a report page lists per variant: a serverless service that scales
/// every few seconds makes hundreds of thousands in a month, which no reader reads and which
/// made pages of tens of megabytes. The rest are counted under the table; every one is in
/// `summary.json`.
pub const MAX_ACTIVITY_ROWS: usize = 200;

/// The line under a variant's scaling-activity table when it lists only the first
/// [`MAX_ACTIVITY_ROWS`], else nothing.
fn activities_left_out(n: usize) -> Option<String> {
    (n > MAX_ACTIVITY_ROWS).then(|| {
        format!(
            "The first {MAX_ACTIVITY_ROWS} of {n} changes; every one is in summary.json \
             (scaling_activities)."
        )
    })
}

fn activity_markdown(r: &RunReport) -> String {
    let mut md = String::new();
    for v in r
        .variants
        .iter()
        .filter(|v| !v.scaling_activities.is_empty())
    {
        md += &format!(
            "## Scaling activity of {}\n\n| time | from | to | reason |\n|---|---:|---:|---|\n",
            v.name
        );
        for a in v.scaling_activities.iter().take(MAX_ACTIVITY_ROWS) {
            let t = clock_time(a.at_s);
            md += &format!("| {t} | {} | {} | {} |\n", a.from, a.to, a.reason);
        }
        md += "\n";
        if let Some(line) = activities_left_out(v.scaling_activities.len()) {
            md += &format!("{line}\n\n");
        }
    }
    md
}

/// `s` safe inside HTML text and double-quoted attribute values.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The report as one HTML page that needs nothing else: charts inline as SVG, the font embedded.
pub fn html(r: &RunReport, charts: &[Chart]) -> String {
    let font = super::charts::base64(FONT);
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title} — scalesim report</title>\n<style>\n\
         @font-face {{ font-family: '{FONT_FAMILY}'; src: url(data:font/ttf;base64,{font}); }}\n\
         body {{ font-family: '{FONT_FAMILY}', sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; }}\n\
         table {{ border-collapse: collapse; margin: 1em 0; }}\n\
         th, td {{ border: 1px solid #ccc; padding: 4px 8px; }} td {{ text-align: right; }} th {{ background: #f4f4f4; }}\n\
         td:first-child {{ text-align: left; }}\n\
         figure {{ margin: 1.5em 0; }} figure svg {{ width: 100%; height: auto; }}\n\
         svg text {{ font-family: '{FONT_FAMILY}', sans-serif; }}\n\
         pre {{ background: #f6f6f6; padding: 1em; overflow-x: auto; }}\n\
         {PROJECTOR_CSS}\
         </style>\n</head>\n<body data-view=\"desktop\">\n{PROJECTOR_NAV}\
         <h1>{title} — scalesim report</h1>\n<div id=\"projector-first\"></div>\n",
        title = escape(&r.scenario)
    );
    if !r.description.is_empty() {
        h += &format!("<p>{}</p>\n", escape(&r.description));
    }
    h += "<ul>\n";
    for line in header(r) {
        h += &format!("<li>{}</li>\n", escape(&line));
    }
    h += "</ul>\n";
    if !r.warnings.is_empty() {
        h += "<h2>Warnings</h2>\n<ul>\n";
        for w in &r.warnings {
            h += &format!("<li>{}</li>\n", escape(w));
        }
        h += "</ul>\n";
    }
    h += &format!(
        "<section id=\"verdict\">\n<h2>Verdict</h2>\n<p class=\"headline\"><strong>{}</strong></p>\n<ul>\n",
        escape(&headline(r))
    );
    for v in verdicts(r) {
        h += &format!("<li>{}</li>\n", escape(&v));
    }
    h += "</ul>\n</section>\n<h2>Comparison</h2>\n<table>\n<tr><th></th>";
    for v in &r.variants {
        h += &format!("<th>{}</th>", escape(&v.name));
    }
    h += "</tr>\n";
    for (label, cells) in cells(r) {
        h += &format!("<tr><td>{}</td>", escape(label.trim()));
        for c in cells {
            h += &format!("<td>{}</td>", escape(&c));
        }
        h += "</tr>\n";
    }
    h += "</table>\n";
    if let Some((header, rows, n)) = function_rows(r, 20) {
        h += &format!(
            "<h2>Per function</h2>\n<p>{}</p>\n<table>\n{}</table>\n",
            escape(&function_caption(rows.len(), n)),
            table_rows(&header, &rows)
        );
    }
    h += "<h2>Charts</h2>\n";
    for c in charts {
        h += &figure(c);
    }
    for v in r
        .variants
        .iter()
        .filter(|v| !v.scaling_activities.is_empty())
    {
        h += &format!(
            "<h2>Scaling activity of {}</h2>\n<table>\n<tr><th>time</th><th>from</th><th>to</th><th>reason</th></tr>\n",
            escape(&v.name)
        );
        for a in v.scaling_activities.iter().take(MAX_ACTIVITY_ROWS) {
            let t = clock_time(a.at_s);
            h += &format!(
                "<tr><td>{t}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                a.from,
                a.to,
                escape(&a.reason)
            );
        }
        h += "</table>\n";
        if let Some(line) = activities_left_out(v.scaling_activities.len()) {
            h += &format!("<p>{line}</p>\n");
        }
    }
    h += &super::bill::html(r);
    h += &super::commitment::html(r);
    h += &format!(
        "<h2>Scenario</h2>\n<pre>{}</pre>\n<h2>Files</h2>\n<ul>\n",
        escape(r.scenario_toml.trim_end())
    );
    for (file, what) in FILES {
        let href = file
            .split(',')
            .next()
            .unwrap_or(file)
            .replace("*", "cost-breakdown");
        h += &format!(
            "<li><a href=\"{}\">{}</a>: {}</li>\n",
            escape(&href),
            escape(file),
            escape(what)
        );
    }
    h += "</ul>\n";
    h += PROJECTOR_SCRIPT;
    h += "</body>\n</html>\n";
    h
}

/// The links between the two views of report.html; the script shows the one that applies.
const PROJECTOR_NAV: &str = "<nav id=\"views\"><a class=\"to-projector\" href=\"#projector\">Projector view</a>\
     <a class=\"to-desktop\" href=\"#desktop\">Desktop view</a></nav>\n";

/// The projector view's style: large type (30 px body) across the whole width, the verdict and
/// the cost-against-p99 chart first (the script moves them into `#projector-first`), tables
/// and the scenario smaller below them.
const PROJECTOR_CSS: &str = "#views { text-align: right; font-size: 0.9em; }\n\
     #views a { margin-left: 1em; }\n\
     body:not(.projector) #views .to-desktop, body.projector #views .to-projector { display: none; }\n\
     body.projector { max-width: none; margin: 0.5em 2vw; font-size: 30px; line-height: 1.35; }\n\
     body.projector h1 { font-size: 46px; margin: 0.2em 0; }\n\
     body.projector h2 { font-size: 38px; }\n\
     body.projector .headline { font-size: 36px; }\n\
     body.projector #projector-first figure { margin: 0.5em 0; }\n\
     body.projector #projector-first h2 { margin-top: 0.3em; }\n\
     @media (min-width: 1400px) { body.projector #projector-first { display: grid; \
     grid-template-columns: minmax(0, 1fr) minmax(0, 2fr); gap: 2vw; align-items: start; } }\n\
     body.projector table { font-size: 24px; }\n\
     body.projector pre { font-size: 20px; }\n";

/// Switches report.html between its views, with no resources from outside: `#projector` in the
/// address or `?view=projector` (unless `#desktop`) marks the body `projector` and moves the
/// verdict and the cost-against-p99 chart to the top; the desktop view puts them back.
const PROJECTOR_SCRIPT: &str = "<script>\n\
(function () {\n\
  var first = ['verdict', 'chart-cost-vs-p99'];\n\
  var home = {};\n\
  function wanted() {\n\
    if (location.hash === '#projector') return true;\n\
    if (location.hash === '#desktop') return false;\n\
    return new URLSearchParams(location.search).get('view') === 'projector';\n\
  }\n\
  function apply() {\n\
    var on = wanted();\n\
    var slot = document.getElementById('projector-first');\n\
    document.body.classList.toggle('projector', on);\n\
    document.body.setAttribute('data-view', on ? 'projector' : 'desktop');\n\
    first.forEach(function (id) {\n\
      var el = document.getElementById(id);\n\
      if (!el || !slot) return;\n\
      if (!home[id]) {\n\
        home[id] = document.createComment(id);\n\
        el.parentNode.insertBefore(home[id], el);\n\
      }\n\
      if (on) slot.appendChild(el);\n\
      else home[id].parentNode.insertBefore(el, home[id].nextSibling);\n\
    });\n\
  }\n\
  window.addEventListener('hashchange', apply);\n\
  apply();\n\
})();\n\
</script>\n";

/// A chart inline in a page: its SVG (without the XML declaration) in a `<figure>` named
/// `chart-NAME`, labelled with its title.
pub(crate) fn figure(c: &Chart) -> String {
    format!(
        "<figure class=\"chart\" id=\"chart-{}\" aria-label=\"{}\">\n{}\n</figure>\n",
        c.name,
        escape(c.title),
        strip_xml_declaration(&c.svg)
    )
}

/// The header row and the rows of a table as HTML `<tr>`s, every cell escaped.
pub(crate) fn table_rows(header: &[String], rows: &[Vec<String>]) -> String {
    let mut h = String::from("<tr>");
    for cell in header {
        h += &format!("<th>{}</th>", escape(cell));
    }
    h += "</tr>\n";
    for row in rows {
        h += "<tr>";
        for cell in row {
            h += &format!("<td>{}</td>", escape(cell));
        }
        h += "</tr>\n";
    }
    h
}

fn strip_xml_declaration(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}
