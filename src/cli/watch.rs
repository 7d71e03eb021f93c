//! `scalesim watch SCENARIO`: the workshop loop. Each save of the scenario file runs it as
//! `scalesim run` does (same report folder), and a local web page shows the newest answer and
//! reloads itself when another arrives.
//!
//! Two threads: this one waits for the file's changes (notify, debounced: an editor's save is
//! several events) and runs the scenario, one run at a time — a save during a run queues one
//! more run after it; the server thread (tiny_http, bound to 127.0.0.1 only) answers from the
//! [`Page`] they share. A save that does not run (bad TOML, an invalid field, anything `run`
//! refuses) keeps the last good answer and puts the error above it.
//!
//! The page is served from memory, never from the disk: the last good run's report files by
//! their exact relative names (`report.html`, `charts/cost.svg`, `summary.json`), so no request
//! path reaches the file system, and the answer shown stays whole whatever happens to the
//! folder afterwards. The reload script is added to the served page only, not to the
//! report.html on disk.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Duration;

/// A line on stderr that never panics: a watch keeps serving when its stderr is closed
/// (`2>&1 | head`).
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

use anyhow::{Context, Result};
use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::notify::event::{AccessKind, AccessMode, EventKind};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use scalesim_core::engine::SimDuration;
use scalesim_report as report;

use super::{RunInputs, Simulated, quiet};

/// The port served when `--port` is not given.
const DEFAULT_PORT: u16 = 8700;

/// How long the file must be quiet before a run starts: an editor's save (write a copy, rename
/// it over the file) is one change, not three.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// Arguments of `scalesim watch`.
#[derive(Debug, clap::Args)]
pub(crate) struct WatchArgs {
    /// Scenario file (TOML), run again each time it is saved.
    scenario: PathBuf,
    /// Seed of every random stream (overrides the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Simulated time, e.g. 90m, 6h, 7d (overrides the scenario's `horizon`).
    #[arg(long, value_parser = super::parse_horizon)]
    horizon: Option<SimDuration>,
    /// Folder for the report, replaced by each good run [default: reports/<scenario-name>]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Set a field of the scenario before each run, FIELD=VALUE as `run --set`; repeat for
    /// several.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    set: Vec<String>,
    /// Apply a prices file first: a [prices] table (private rates, discounts) as a scenario
    /// writes it, added to the scenario's own (its rates win). Recorded in the report.
    #[arg(long, value_name = "FILE")]
    prices: Option<PathBuf>,
    /// Port of the page on 127.0.0.1; 0 takes any free port (the address is printed).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
    /// Run even when the estimated work is above 10^10 simulated requests (as `run --force`).
    #[arg(long)]
    force: bool,
}

/// What the server shows; the watching thread replaces it after every run.
struct Page {
    /// Changes with every new answer or error (the page reloads when it does); the process id
    /// in front, so a page left open across a restart of `watch` reloads too.
    version: String,
    /// Runs finished so far, good or not.
    runs: u64,
    /// The last good answer, if any run was good.
    answer: Option<Answer>,
    /// Why the last run gave no answer, when it did not.
    error: Option<String>,
    /// The scenario file, as given.
    scenario: String,
}

/// A good run's report, kept to serve.
struct Answer {
    /// Which run (1 = the first) gave it.
    run: u64,
    /// Every report file by its path relative to the folder (`charts/cost.svg`).
    files: BTreeMap<String, Vec<u8>>,
}

impl Page {
    fn new(scenario: String) -> Page {
        Page {
            version: version(0),
            runs: 0,
            answer: None,
            error: None,
            scenario,
        }
    }
}

fn version(runs: u64) -> String {
    format!("{}.{runs}", std::process::id())
}

/// `scalesim watch`: serve, run once, then run again on every save until killed.
///
/// # Errors
/// The port cannot be served (in use, not allowed) or the scenario's folder cannot be watched.
/// A run that fails is not an error of the command: it shows on the page and on stderr.
pub(crate) fn watch(args: WatchArgs) -> Result<()> {
    let file_name: OsString = args
        .scenario
        .file_name()
        .with_context(|| format!("{} does not name a file", args.scenario.display()))?
        .to_owned();
    let folder = match args.scenario.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let server = tiny_http::Server::http(("127.0.0.1", args.port)).map_err(|e| {
        anyhow::anyhow!(
            "cannot serve on 127.0.0.1:{}: {e}; give another --port, or --port 0 for any free one",
            args.port
        )
    })?;
    let port = server.server_addr().to_ip().map_or(args.port, |a| a.port());

    // Editors save by writing another file and renaming it over this one, which a watch on
    // the file itself would lose: watch its folder and keep the events that name the file.
    let (tx, rx) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(DEBOUNCE, None, tx).context("cannot watch files here")?;
    debouncer
        .watch(&folder, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch {} for changes", folder.display()))?;

    let page = Arc::new(Mutex::new(Page::new(args.scenario.display().to_string())));
    let served = Arc::clone(&page);
    std::thread::spawn(move || serve(&server, port, &served));
    // Printed even with --quiet: it is the command's answer (the test reads this line).
    say!(
        "watching {}; report at http://127.0.0.1:{port}/ (Ctrl-C to stop)",
        args.scenario.display()
    );

    run_once(&args, &page);
    loop {
        // Blocks until the next change; every change that came meanwhile (during the run
        // too) makes one run.
        let Ok(first) = rx.recv() else {
            anyhow::bail!("stopped watching {}", folder.display());
        };
        let mut changed = names_file(&first, &file_name);
        while let Ok(more) = rx.try_recv() {
            changed |= names_file(&more, &file_name);
        }
        if changed {
            run_once(&args, &page);
        }
    }
}

/// Whether the debounced events change the scenario file (written, replaced, removed, its
/// metadata touched; not merely opened or read, as each run does); a watcher error is
/// reported on stderr.
fn names_file(events: &DebounceEventResult, file_name: &OsString) -> bool {
    match events {
        Ok(events) => events.iter().any(|e| {
            let changes = match e.kind {
                EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
                EventKind::Access(_) => false,
                _ => true,
            };
            changes
                && e.paths
                    .iter()
                    .any(|p| p.file_name() == Some(file_name.as_os_str()))
        }),
        Err(errors) => {
            for e in errors {
                say!("warning: watching for changes: {e}");
            }
            false
        }
    }
}

/// Run the scenario as `run` does and put the answer (or the error) on the page.
fn run_once(args: &WatchArgs, page: &Mutex<Page>) {
    let inputs = RunInputs {
        scenario: &args.scenario,
        set: &args.set,
        prices: args.prices.as_deref(),
        seed: args.seed,
        horizon: args.horizon,
        out: args.out.as_deref(),
        request_log: None,
        force: args.force,
        stretches: 1,
        function_groups: 1,
    };
    // A bug in one run must not stop the workshop: it shows like any error.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        super::simulate_to_folder(&inputs)
    }))
    .unwrap_or_else(|_| {
        Err(anyhow::anyhow!(
            "the run stopped on an internal error (a bug: the message above it on stderr says where)"
        ))
    });
    let first = page
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .answer
        .is_none();
    let answer = match result {
        Ok(sim) => Ok(announce(sim, first)),
        Err(e) => {
            let text = format!("{e:#}");
            say!(
                "Error: {text}\n(the page keeps the last good answer; fix the cause and save to re-run)"
            );
            Err(text)
        }
    };
    let mut p = page.lock().unwrap_or_else(PoisonError::into_inner);
    p.runs += 1;
    p.version = version(p.runs);
    match answer {
        Ok(files) => {
            p.answer = Some(Answer { run: p.runs, files });
            p.error = None;
        }
        Err(text) => p.error = Some(text),
    }
}

/// Print a good run as `run` does (the table on stdout, warnings and notes on stderr) and
/// return its files to serve.
fn announce(sim: Simulated, first: bool) -> BTreeMap<String, Vec<u8>> {
    let Simulated {
        report: rep,
        out,
        replaced,
        files,
    } = sim;
    // Only the first run replaces a report this command did not write.
    if let Some(before) = replaced.filter(|_| first && !quiet()) {
        say!(
            "note: replaced the report that was in {} ({before}); give another --out to keep both",
            out.display()
        );
    }
    super::print_warnings(&rep.warnings);
    let table = report::summary_table(&rep) + &report::function_table(&rep);
    // A closed stdout does not stop the page.
    let _ = std::io::stdout().lock().write_all(table.as_bytes());
    if !quiet() {
        say!(
            "Wrote {}; the page shows it",
            out.join("report.html").display()
        );
    }
    files.into_iter().map(|f| (f.path, f.bytes)).collect()
}

/// Answer requests until the process ends.
fn serve(server: &tiny_http::Server, port: u16, page: &Mutex<Page>) {
    for request in server.incoming_requests() {
        let host = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Host"))
            .map(|h| h.value.as_str().to_string());
        let (status, content_type, body) = if local_host(host.as_deref(), port) {
            let p = page.lock().unwrap_or_else(PoisonError::into_inner);
            respond(request.method(), request.url(), &p)
        } else {
            (
                403,
                "text/plain; charset=utf-8",
                b"scalesim watch answers requests for 127.0.0.1 and localhost only\n".to_vec(),
            )
        };
        let response = tiny_http::Response::from_data(body)
            .with_status_code(status)
            .with_header(header("Content-Type", content_type))
            .with_header(header("Cache-Control", "no-store"));
        // A browser that went away is no concern of the next request.
        let _ = request.respond(response);
    }
}

/// Whether a request's `Host` names this machine: a web page elsewhere whose name was made to
/// point at 127.0.0.1 (DNS rebinding) must not read the report. No `Host` (HTTP/1.0) is local.
fn local_host(host: Option<&str>, port: u16) -> bool {
    host.is_none_or(|h| {
        ["127.0.0.1", "localhost"]
            .iter()
            .any(|name| h == *name || h == format!("{name}:{port}"))
    })
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("the header names and values here are ASCII")
}

/// The status, content type and body for a request of `url` (path and query).
fn respond(method: &tiny_http::Method, url: &str, p: &Page) -> (u16, &'static str, Vec<u8>) {
    use tiny_http::Method;
    if !matches!(method, Method::Get | Method::Head) {
        return (405, "text/plain; charset=utf-8", b"only GET\n".to_vec());
    }
    let path = url.split(['?', '#']).next().unwrap_or("");
    match path {
        "/" | "/report.html" => (200, "text/html; charset=utf-8", page_html(p).into_bytes()),
        "/__version" => (
            200,
            "text/plain; charset=utf-8",
            p.version.clone().into_bytes(),
        ),
        _ => {
            // Exact names of the answer's files only: nothing is read from the disk.
            let name = path.trim_start_matches('/');
            match p.answer.as_ref().and_then(|a| a.files.get(name)) {
                Some(bytes) => (200, content_type(name), bytes.clone()),
                None => (
                    404,
                    "text/plain; charset=utf-8",
                    format!("{name}: no such file in the report\n").into_bytes(),
                ),
            }
        }
    }
}

/// The content type of a report file, by its extension.
fn content_type(name: &str) -> &'static str {
    match Path::new(name).extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("csv") => "text/csv; charset=utf-8",
        Some("md") => "text/markdown; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The page: the last good report with the error (if the last run failed) above it, and the
/// reload script.
fn page_html(p: &Page) -> String {
    let script = reload_script(&p.version);
    let error = p.error.as_ref().map(|e| {
        let kept = match &p.answer {
            Some(a) => format!(
                "Below: the last good answer (run {} of {}). Fix the file and save it again.",
                a.run, p.runs
            ),
            None => "No run has given an answer yet. Fix the file and save it again.".into(),
        };
        format!(
            "<div id=\"scalesim-watch-error\" role=\"alert\" style=\"border:3px solid #b00020;\
             background:#fdecea;color:#4a000d;padding:1em 1.25em;margin:0 0 1.5em 0;\
             font-size:1.15em\">\n<strong>{} did not run:</strong>\n\
             <pre style=\"white-space:pre-wrap;font-size:1em;margin:.6em 0\">{}</pre>\n\
             <p style=\"margin:0\">{kept}</p>\n</div>\n",
            escape(&p.scenario),
            escape(e)
        )
    });
    match &p.answer {
        Some(a) => {
            let html = a
                .files
                .get("report.html")
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            let html = match &error {
                Some(banner) => match html.find("<body>") {
                    Some(i) => {
                        let at = i + "<body>".len();
                        format!("{}\n{banner}{}", &html[..at], &html[at..])
                    }
                    None => format!("{banner}{html}"),
                },
                None => html,
            };
            match html.rfind("</body>") {
                Some(i) => format!("{}{script}{}", &html[..i], &html[i..]),
                None => html + &script,
            }
        }
        None => {
            let body = error.unwrap_or_else(|| {
                format!(
                    "<p>Running {} for the first time; this page shows the report when it is done.</p>\n",
                    escape(&p.scenario)
                )
            });
            format!(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
                 <title>scalesim watch</title>\n</head>\n<body style=\"font-family:sans-serif;\
                 margin:2em\">\n<h1>scalesim watch: {}</h1>\n{body}{script}</body>\n</html>\n",
                escape(&p.scenario)
            )
        }
    }
}

/// A script that asks `/__version` every second and reloads the page when it changed; while
/// the server is away (stopped, restarting) it keeps asking.
fn reload_script(version: &str) -> String {
    format!(
        "<script>\n(function () {{\n  var shown = \"{version}\";\n  function poll() {{\n    \
         fetch(\"/__version\", {{ cache: \"no-store\" }})\n      \
         .then(function (r) {{ return r.text(); }})\n      \
         .then(function (v) {{ if (v.trim() !== shown) {{ location.reload(); }} else {{ setTimeout(poll, 1000); }} }})\n      \
         .catch(function () {{ setTimeout(poll, 2000); }});\n  }}\n  setTimeout(poll, 1000);\n}})();\n</script>\n"
    )
}

/// `text` safe inside HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_with(html: &str, error: Option<&str>) -> Page {
        let mut p = Page::new("x.toml".into());
        p.runs = 2;
        p.version = version(2);
        p.answer = Some(Answer {
            run: 1,
            files: BTreeMap::from([
                ("report.html".to_string(), html.as_bytes().to_vec()),
                ("charts/cost.svg".to_string(), b"<svg/>".to_vec()),
            ]),
        });
        p.error = error.map(str::to_string);
        p
    }

    #[test]
    fn the_error_goes_above_the_last_answer_escaped_and_the_script_before_the_end() {
        let p = page_with(
            "<html><body>\n<h1>old</h1>\n</body></html>",
            Some("bad <toml>"),
        );
        let html = page_html(&p);
        let error = html.find("id=\"scalesim-watch-error\"").unwrap();
        assert!(error < html.find("<h1>old</h1>").unwrap(), "{html}");
        assert!(html.contains("bad &lt;toml&gt;"), "{html}");
        assert!(html.contains("run 1 of 2"), "{html}");
        assert!(html.find("<script>").unwrap() < html.find("</body>").unwrap());
        assert!(html.contains(&format!("var shown = \"{}\"", p.version)));
    }

    #[test]
    fn only_the_answers_files_are_served_by_their_exact_names() {
        let p = page_with("<html><body></body></html>", None);
        let get = |url: &str| respond(&tiny_http::Method::Get, url, &p);
        assert_eq!(get("/charts/cost.svg").0, 200);
        assert_eq!(get("/charts/cost.svg").1, "image/svg+xml");
        assert_eq!(get("/?x=1").0, 200);
        assert_eq!(get("/__version").2, p.version.as_bytes());
        for bad in [
            "/../Cargo.toml",
            "/charts/../report.html",
            "//etc/passwd",
            "/nope",
        ] {
            assert_eq!(get(bad).0, 404, "{bad}");
        }
        assert_eq!(respond(&tiny_http::Method::Post, "/", &p).0, 405);
    }

    #[test]
    fn only_requests_for_this_machine_are_answered() {
        for host in [
            None,
            Some("127.0.0.1:8700"),
            Some("localhost:8700"),
            Some("localhost"),
        ] {
            assert!(local_host(host, 8700), "{host:?}");
        }
        for host in [
            "evil.example:8700",
            "127.0.0.1:8701",
            "127.0.0.1.evil.example:8700",
        ] {
            assert!(!local_host(Some(host), 8700), "{host}");
        }
    }
}
