//! Time-parallel runs (`scalesim run --stretches N`, README "Time-parallel runs"): a run cut
//! into stretches of time writes exactly the report folder of the run in one go, for every
//! shipped scenario.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;

use crate::common::manifest_dir;

/// Every file of a report folder, by path relative to it.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Every file of `got` is the file of `expected`, byte for byte.
pub(crate) fn same_folder(expected: &Path, got: &Path, what: &str) {
    let (expected, got) = (files(expected), files(got));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{what}: not the same files"
    );
    for (path, bytes) in &expected {
        assert!(
            got[path] == *bytes,
            "{what}: {path} differs from the run in one go"
        );
    }
}

/// Run `scenarios/<file>` over `horizon` cut into `stretches`; returns what it printed on
/// stderr.
fn run(file: &Path, horizon: &str, stretches: u32, out: &Path) -> String {
    run_with(
        file,
        &["--horizon", horizon, "--stretches", &stretches.to_string()],
        out,
    )
}

/// `scalesim run FILE ARGS --out OUT`, which must succeed; returns what it printed on stderr.
pub(crate) fn run_with(file: &Path, args: &[&str], out: &Path) -> String {
    let output = Command::cargo_bin("scalesim")
        .unwrap()
        .arg("run")
        .arg(file)
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stderr).unwrap()
}

/// Six simulated hours: with Lambda's default keep-alive (600 s) and timeout (900 s) a stretch
/// starts 2 × 600 + 900 + 60 = 2,160 s before its boundary, so at 4 stretches (boundaries at
/// 1.5 h, 3 h and 4.5 h) every stretch but the first starts after zero: real stretches, each
/// starting from its guess.
const HORIZON: &str = "6h";

#[test]
fn every_shipped_scenario_writes_the_same_report_in_stretches() {
    let tmp = tempfile::tempdir().unwrap();
    let mut stretched = 0;
    let mut in_one_go = Vec::new();
    let mut scenarios: Vec<_> = std::fs::read_dir(manifest_dir().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    scenarios.sort();
    for file in &scenarios {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(file).unwrap();
        if text.contains("steps =") && name.starts_with("sweep") {
            continue; // a sweep: `scalesim run` refuses it
        }
        let one = tmp.path().join(format!("{name}-1"));
        run(file, HORIZON, 1, &one);
        assert!(files(&one).contains_key("summary.json"), "{name}");
        for n in [2, 4] {
            let out = tmp.path().join(format!("{name}-{n}"));
            let said = run(file, HORIZON, n, &out);
            stretched += said.matches(" stretches at once; ").count();
            in_one_go.extend(
                said.lines()
                    .filter(|l| l.contains(" ran in one go, as --stretches 1: "))
                    .map(|l| format!("{name}: {l}")),
            );
            same_folder(&one, &out, &format!("{name} at {n} stretches"));
        }
    }
    // Lambda variants on an arrival process ran in stretches (and said so), in several
    // scenarios: steady-api, daily-cycle, bursty, bench-serverless, …
    assert!(stretched >= 8, "only {stretched} variant runs were cut");
    // Those that could not be cut said why: a fleet, a replayed trace.
    let said = |scenario: &str, why: &str| {
        in_one_go
            .iter()
            .any(|l| l.starts_with(&format!("{scenario}: ")) && l.contains(why))
    };
    assert!(
        said("steady-api", "only Lambda variants run in stretches"),
        "{in_one_go:#?}"
    );
    assert!(
        said("azure-2019", "a replayed trace is read from its first row"),
        "{in_one_go:#?}"
    );
}
