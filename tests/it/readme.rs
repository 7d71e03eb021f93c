//! Every example runs as written: the `scalesim …` lines of README.md's fenced `sh` blocks and
//! of every `--help` text's "Examples:" run through `sh`, with the built binary first on the
//! PATH (as `cargo install --path .` would put it), in a scratch folder that sees the shipped
//! `scenarios/`.
//!
//! Changes made to each line, so the test is quick and writes nothing outside the scratch
//! folder (each is what a reader may change without changing what the example shows):
//! - `--horizon` is set to one minute on `run`, `sweep`, `breakeven` and `cheapest`;
//! - `--replications N` above 2 becomes 2;
//! - absolute paths under `/tmp/` move into the scratch folder.
//!
//! Lines that are not run, by rule:
//! - comments, including batch-system directives (`#SBATCH …`);
//! - lines whose command is not `scalesim` (`cargo …`, `sed …`, and the benchmark lines that
//!   call `target/release/scalesim` under `/usr/bin/time`: they need a release build and are
//!   measured by hand, README "Performance");
//! - lines that use a Slurm array's variables (`$SLURM_…`): they only mean something inside
//!   a Slurm job;
//! - `scalesim watch` lines: they serve until stopped (Ctrl-C); `tests/it/watch.rs` runs the
//!   command, edits its file and reads its page.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const HORIZON: &str = "1m";

fn root() -> PathBuf {
    crate::common::manifest_dir()
}

/// The commands of a text's lines, continuation lines (`\` at the end) joined.
fn joined_lines(lines: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in lines {
        let line = line.trim();
        if let Some(head) = line.strip_suffix('\\') {
            current += head.trim_end();
            current.push(' ');
        } else {
            current += line;
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The lines of README.md's fenced blocks tagged `sh`.
fn readme_lines(readme: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut block: Option<Vec<&str>> = None;
    for line in readme.lines() {
        let fence = line.trim_start().starts_with("```");
        match (&mut block, fence) {
            (None, true) => {
                let info = line.trim_start().trim_start_matches('`').trim();
                if matches!(info, "sh" | "bash" | "shell" | "console") {
                    block = Some(Vec::new());
                }
            }
            (Some(_), true) => blocks.extend(joined_lines(&block.take().unwrap())),
            (Some(b), false) => b.push(line),
            (None, false) => {}
        }
    }
    blocks
}

/// The example lines of a `--help` text: the lines after "Examples:", which ends it. Each is
/// indented; one that is not was wrapped by clap (longer than its 100 columns) and would not
/// run as shown.
fn help_lines(help: &str) -> Vec<String> {
    let Some((_, examples)) = help.split_once("Examples:") else {
        return Vec::new();
    };
    let lines: Vec<&str> = examples.lines().filter(|l| !l.trim().is_empty()).collect();
    for l in &lines {
        assert!(
            l.starts_with("  "),
            "a wrapped example line: `{l}` in\n{help}"
        );
    }
    joined_lines(&lines)
}

/// Whether the rules at the top say to run `line`.
fn runs(line: &str) -> bool {
    let line = line.trim();
    let words: Vec<&str> = line.split_whitespace().collect();
    let command = words.iter().find(|w| !w.contains('='));
    let is_scalesim = command == Some(&"scalesim")
        || (words.first() == Some(&"for") && line.contains(" scalesim "));
    !line.starts_with('#')
        && is_scalesim
        && !line.contains("$SLURM")
        && !line.contains("${SLURM")
        && !line.contains("scalesim watch ")
}

/// The line with the changes listed at the top.
fn adapt(line: &str, scratch: &Path) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut tokens = line.split(' ').peekable();
    while let Some(t) = tokens.next() {
        match t {
            "--horizon" => {
                tokens.next();
            }
            "--replications" => {
                let n: u32 = tokens.next().and_then(|n| n.parse().ok()).unwrap_or(1);
                words.push(format!("--replications {}", n.min(2)));
            }
            _ => words.push(t.to_string()),
        }
    }
    let mut line = words.join(" ");
    for sub in ["run", "sweep", "breakeven", "cheapest"] {
        line = line.replace(
            &format!("scalesim {sub} "),
            &format!("scalesim {sub} --horizon {HORIZON} "),
        );
    }
    line.replace("/tmp/", &format!("{}/tmp/", scratch.display()))
}

/// Run `line` with sh in `scratch`, the binary's folder first on the PATH.
fn run_line(line: &str, scratch: &Path, origin: &str) {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_scalesim"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let adapted = adapt(line, scratch);
    let out = Command::new("sh")
        .arg("-c")
        .arg(&adapted)
        .current_dir(scratch)
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{origin}: `{line}` failed (run as `{adapted}`):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A scratch folder that sees the shipped scenarios as `scenarios/`.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    std::os::unix::fs::symlink(root().join("scenarios"), dir.path().join("scenarios")).unwrap();
    fs::create_dir(dir.path().join("tmp")).unwrap();
    dir
}

#[test]
fn the_rules_pick_and_adapt_lines_as_documented() {
    assert!(runs("scalesim run scenarios/steady-api.toml"));
    assert!(runs(
        "for f in scenarios/*.toml; do scalesim validate \"$f\"; done"
    ));
    assert!(!runs("#SBATCH --array=0-15"));
    assert!(!runs(
        "scalesim watch scenarios/steady-api.toml --horizon 1h"
    ));
    assert!(!runs(
        "cargo run --release -- run scenarios/steady-api.toml"
    ));
    assert!(!runs(
        "RAYON_NUM_THREADS=1 /usr/bin/time -v target/release/scalesim run x.toml"
    ));
    assert!(!runs(
        "scalesim sweep big.toml --shard ${SLURM_ARRAY_TASK_ID}/16"
    ));
    let s = Path::new("/s");
    assert_eq!(
        adapt("scalesim run a.toml --horizon 2d --out /tmp/x", s),
        "scalesim run --horizon 1m a.toml --out /s/tmp/x"
    );
    assert_eq!(
        adapt("scalesim sweep a.toml --replications 10", s),
        "scalesim sweep --horizon 1m a.toml --replications 2"
    );
    assert_eq!(
        joined_lines(&["scalesim a \\", "    --b 1"]),
        vec!["scalesim a --b 1"]
    );
}

#[test]
fn every_readme_example_runs_as_written() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let lines: Vec<String> = readme_lines(&readme)
        .into_iter()
        .filter(|l| runs(l))
        .collect();
    assert!(lines.len() >= 4, "{lines:?}");
    let dir = scratch();
    for line in &lines {
        run_line(line, dir.path(), "README.md");
    }
}

#[test]
fn every_help_example_runs_as_written() {
    let dir = scratch();
    let bin = env!("CARGO_BIN_EXE_scalesim");
    let mut count = 0;
    // In this order: `report` re-renders the folder an earlier `run` wrote.
    let order = [
        None,
        Some("run"),
        Some("validate"),
        Some("report"),
        Some("sweep"),
        Some("merge"),
        Some("breakeven"),
        Some("cheapest"),
        Some("presets"),
        Some("compare"),
        Some("completions"),
        Some("watch"),
    ];
    // Every command `scalesim --help` lists is in it, so a new command's examples run too.
    let top = String::from_utf8(Command::new(bin).arg("--help").output().unwrap().stdout).unwrap();
    let listed: Vec<&str> = top
        .split_once("Commands:")
        .map(|(_, rest)| rest)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("    "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(listed.len() >= 10, "commands not found in:\n{top}");
    for c in &listed {
        assert!(
            order.contains(&Some(*c)),
            "`scalesim {c}` is missing from this test's list"
        );
    }
    for sub in order {
        let mut cmd = Command::new(bin);
        cmd.args(sub).arg("--help");
        let help = String::from_utf8(cmd.output().unwrap().stdout).unwrap();
        let origin = format!("scalesim {} --help", sub.unwrap_or("")).replace("  ", " ");
        for line in help_lines(&help).into_iter().filter(|l| runs(l)) {
            count += 1;
            run_line(&line, dir.path(), &origin);
        }
    }
    assert!(count >= 15, "only {count} examples found");
}
