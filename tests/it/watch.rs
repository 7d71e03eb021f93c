//! `scalesim watch`: the served page follows the scenario file's saves, and a broken save shows
//! its error above the last good answer. The binary runs as a child process serving on
//! 127.0.0.1 (a port the OS picks); every wait is bounded.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Longest wait for any one change to show (a run of the tiny scenario takes well under a
/// second; the margin is for a loaded machine).
const PATIENCE: Duration = Duration::from_secs(60);

/// A child process, killed when the test ends, however it ends.
struct Watching(Child);

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The shipped steady API over 2 minutes at 5 requests/s (about 600 arrivals per variant).
fn tiny_steady_api() -> String {
    let text =
        std::fs::read_to_string(crate::common::manifest_dir().join("scenarios/steady-api.toml"))
            .unwrap();
    let tiny = text
        .replace("horizon = \"1d\"", "horizon = \"2m\"")
        .replace("rate_per_s = 50 }", "rate_per_s = 5 }");
    assert_eq!(tiny.matches("\"2m\"").count(), 1, "{tiny}");
    assert!(tiny.contains("rate_per_s = 5 }"), "{tiny}");
    assert!(tiny.contains("name = \"lambda-512mb\""), "{tiny}");
    tiny
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        // Straight to 127.0.0.1, whatever proxy the environment names.
        .proxy(None)
        // A new connection for each request: the server may close an idle one at any time.
        .max_idle_connections(0)
        .build()
        .into()
}

/// GET `url`: the status and the body.
fn get(agent: &ureq::Agent, url: &str) -> (u16, String) {
    let mut response = agent.get(url).call().unwrap();
    let status = response.status().as_u16();
    (status, response.body_mut().read_to_string().unwrap())
}

/// Ask `url` every 100 ms until the page satisfies `done`; panic with `what` and the last page
/// after [`PATIENCE`].
fn poll_until(agent: &ureq::Agent, url: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let (status, page) = get(agent, url);
        if status == 200 && done(&page) {
            return page;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "waited {PATIENCE:?} for {what}; the page is:\n{page}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Replace `path` as an editor does: write a copy beside it, rename the copy over it.
fn save(path: &Path, text: &str) {
    let copy = path.with_extension("toml.swp");
    std::fs::write(&copy, text).unwrap();
    std::fs::rename(&copy, path).unwrap();
}

/// Start `scalesim watch SCENARIO --out OUT --port 0`: the child (killed on drop) and the
/// page's address, read from its first line on stderr.
fn start(scenario: &Path, out: &Path) -> (Watching, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scalesim"))
        .arg("watch")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .args(["--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let watching = Watching(child);
    // Every stderr line, read on a thread to the end, so the child never blocks on a full pipe
    // nor writes to a closed one (after the first line nobody listens: sends may fail).
    let (lines_tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let first_line = lines.recv_timeout(PATIENCE).expect("no line on stderr");
    let url = first_line
        .split_once("report at ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in: {first_line}"))
        .to_string();
    assert!(
        first_line.starts_with(&format!("watching {}; ", scenario.display()))
            && url.starts_with("http://127.0.0.1:")
            && url.ends_with('/'),
        "{first_line}"
    );
    (watching, url)
}

#[test]
fn the_page_follows_each_save_and_keeps_the_last_answer_on_a_broken_one() {
    let dir = tempfile::TempDir::new().unwrap();
    let scenario = dir.path().join("workshop.toml");
    let out = dir.path().join("report");
    let first = tiny_steady_api();
    std::fs::write(&scenario, &first).unwrap();

    let (_watching, url) = start(&scenario, &out);
    let agent = agent();

    // The first answer: the variants of the file as written, and the reload script.
    let page = poll_until(&agent, &url, "the first answer", |p| {
        p.contains("lambda-512mb")
    });
    assert!(page.contains("/__version") && !page.contains("scalesim-watch-error"));
    // The script is on the served page only, not in the report written to disk.
    let on_disk = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(on_disk.contains("lambda-512mb") && !on_disk.contains("/__version"));
    let (status, version) = get(&agent, &format!("{url}__version"));
    assert_eq!(status, 200);
    // The report's other files come from the answer, by their names only.
    let (status, summary) = get(&agent, &format!("{url}summary.json"));
    assert!(
        status == 200 && summary.contains("lambda-512mb"),
        "{summary}"
    );
    assert_eq!(get(&agent, &format!("{url}no-such.csv")).0, 404);

    // A save that renames the variant: the page shows the new name, the version moved on.
    let renamed = first.replace("lambda-512mb", "lambda-renamed");
    save(&scenario, &renamed);
    poll_until(&agent, &url, "the renamed variant", |p| {
        p.contains("lambda-renamed") && !p.contains("lambda-512mb")
    });
    let (_, newer) = get(&agent, &format!("{url}__version"));
    assert_ne!(newer, version);

    // A broken save: its error on top, the last good answer (the renamed variant) below.
    save(
        &scenario,
        &(renamed.clone() + "\n[[variant]\nname = \"broken\n"),
    );
    let page = poll_until(&agent, &url, "the error of the broken save", |p| {
        p.contains("id=\"scalesim-watch-error\"")
    });
    let error = page.find("id=\"scalesim-watch-error\"").unwrap();
    let answer = page
        .find("lambda-renamed")
        .expect("the last good answer was kept");
    assert!(error < answer, "the error is not above the answer");
    assert!(page.contains("workshop.toml"), "the error names no file");

    // Fixed again: the error goes.
    save(&scenario, &first);
    poll_until(&agent, &url, "the answer after the fix", |p| {
        p.contains("lambda-512mb") && !p.contains("scalesim-watch-error")
    });
}

/// The page left open in a browser reloads itself when a save gives a new answer: headless
/// chromium shows the page, the test reads its title from the browser's DevTools list
/// (`/json/list`) before and after a save that renames the scenario (the title is
/// "NAME — scalesim report").
#[test]
fn an_open_page_reloads_itself_on_a_new_answer() {
    let Some(browser) = crate::browser::chromium() else {
        return;
    };
    let dir = tempfile::TempDir::new().unwrap();
    let scenario = dir.path().join("workshop.toml");
    let first = tiny_steady_api();
    assert!(first.contains("name = \"steady-api\"\n"), "{first}");
    std::fs::write(&scenario, &first).unwrap();
    let (_watching, url) = start(&scenario, &dir.path().join("report"));
    let agent = agent();
    poll_until(&agent, &url, "the first answer", |p| {
        p.contains("lambda-512mb")
    });

    // Port 0: the browser writes the port it took into DevToolsActivePort in its profile.
    let profile = dir.path().join("profile");
    let chromium = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _chromium = Watching(chromium);
    let start = Instant::now();
    let port = loop {
        let text = std::fs::read_to_string(profile.join("DevToolsActivePort")).unwrap_or_default();
        if let Some(port) = text
            .lines()
            .next()
            .and_then(|l| l.trim().parse::<u16>().ok())
        {
            break port;
        }
        assert!(start.elapsed() < PATIENCE, "chromium gave no DevTools port");
        std::thread::sleep(Duration::from_millis(100));
    };
    let list = format!("http://127.0.0.1:{port}/json/list");
    let titled = |name: &str| {
        let title = format!("{name} — scalesim report");
        move |json: &str| {
            let pages: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
            pages.as_array().is_some_and(|pages| {
                pages
                    .iter()
                    .any(|p| p["type"] == "page" && p["title"] == title.as_str())
            })
        }
    };
    poll_until(
        &agent,
        &list,
        "the browser showing the first answer",
        titled("steady-api"),
    );

    save(
        &scenario,
        &first.replace("name = \"steady-api\"", "name = \"steady-reloaded\""),
    );
    poll_until(
        &agent,
        &list,
        "the browser reloading the page",
        titled("steady-reloaded"),
    );
}
