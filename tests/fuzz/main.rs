//! Fuzzing harness (README "Fuzzing"). Every scenario of the corpus — `fuzz/corpus/` (the issue
//! cases and the inputs fuzzing found, `fuzz/corpus/cases/fuzz/`; `fuzz/corpus/fixtures/` runs
//! `tests/fixtures/`) and `scenarios/` — and proptest mutations of them (scenario text; trace
//! bytes) must either be refused with an error that names the file, or run, bounded, to a report
//! that makes sense: no panic, no hang, no accepted nonsense.
//!
//! `cargo test --test fuzz` replays the corpus and a fixed few mutations (seconds);
//! `SCALESIM_FUZZ_SECS=300 cargo test --test fuzz` mutates with random seeds for 300 s per
//! property. Proptest saves the seed of a failure in `tests/fuzz.proptest-regressions` (replayed
//! first by every later run) and the harness writes the shrunk input to a folder it names.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Once, OnceLock, mpsc};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{
    Config, FileFailurePersistence, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};
use scalesim_core::engine::SimDuration;
use scalesim_core::scenario::sweep::Sweep;
use scalesim_core::scenario::{self, Scenario};

mod checks;
mod mutate;

use checks::check_report;
use mutate::{ByteEdit, apply_byte_edit, apply_text_edit, byte_edit, text_edit};

/// The package's folder: `CARGO_MANIFEST_DIR` as `cargo test` sets it when it runs the tests,
/// else as it was at build time (which may name an older clone: cargo does not rebuild a test
/// when only the folder changed).
fn root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
/// Folders searched for `*.toml` scenarios, relative to the repository.
const CORPUS: &[&str] = &["fuzz/corpus", "scenarios"];
/// Most simulated events (requests and reporting intervals, times variants) a corpus input may
/// run; larger ones are parsed and checked but not simulated.
const CORPUS_BUDGET: f64 = 2e6;
/// The same for a mutated input: many small runs find more than a few big ones.
const MUTANT_BUDGET: f64 = 5e4;
/// An input still running after this is reported as a hang (the machine is shared: generous).
const WATCHDOG: Duration = Duration::from_secs(60);
/// Mutated inputs per property in a plain `cargo test`.
const QUICK_CASES: u32 = 32;

/// How a corpus input is known to fail until the fix on another branch of issue 10 merges.
#[derive(Clone, Copy, Debug, PartialEq)]
#[allow(dead_code)] // constructed only while an input is listed in KNOWN_FAILING
enum Known {
    /// Panics or gives nonsense: run, and must still fail (else remove the entry).
    Fails,
    /// Aborts the process or exhausts memory: not run.
    Aborts,
    /// Never finishes: not run (its thread would spin until the process exits).
    Hangs,
}

/// Corpus inputs known to fail: how, why, which (paths from the repository). Empty: every
/// input of the corpus is refused cleanly or runs to a report that passes every check. List an
/// input here only while its fix is on the way.
const KNOWN_FAILING: &[(Known, &str, &[&str])] = &[];

/// Kinds of fault that mutations may still find — text found in the fault's message, and what it
/// is. A mutant showing one is counted, not failed, so that a long run looks for new kinds.
/// Empty: every fault is a failure.
const KNOWN_FAULTS: &[(&str, &str)] = &[];

/// Why an input failed.
#[derive(Debug)]
enum Fault {
    /// A panic, with its message.
    Panic(String),
    /// Still running after the watchdog's limit.
    Hang,
    /// Accepted, ran, and reported something impossible.
    Nonsense(String),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Fault::Panic(m) => write!(f, "panicked: {m}"),
            Fault::Hang => write!(f, "still running after {} s", WATCHDOG.as_secs()),
            Fault::Nonsense(m) => write!(f, "accepted nonsense: {m}"),
        }
    }
}

/// How an input that did not fail ended.
#[derive(Debug)]
enum Ended {
    /// Refused with an error naming the file.
    Refused,
    /// Valid, but its estimated work is over the budget even over one reporting interval: not
    /// simulated. (Inputs a little over it run over a shorter horizon.)
    OverBudget,
    /// Simulated; the report passed every check.
    Ran,
}

/// Parse `text` (named `file`, from which relative trace paths resolve) and, if it is valid and
/// its work fits `budget`, run it and check the report — on a thread of its own, stopped
/// waiting for after [`WATCHDOG`].
fn try_input(text: String, file: String, budget: f64) -> Result<Ended, Fault> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result =
            panic::catch_unwind(AssertUnwindSafe(|| parse_run_check(&text, &file, budget)));
        let at = PANICKED_AT.with(|p| p.take()).unwrap_or_else(|| "?".into());
        let _ = tx.send(result.map_err(|p| format!("{} (at {at})", panic_message(p.as_ref()))));
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(Ok(Ok(ended))) => Ok(ended),
        Ok(Ok(Err(nonsense))) => Err(Fault::Nonsense(nonsense)),
        Ok(Err(panic)) => Err(Fault::Panic(panic)),
        Err(_) => Err(Fault::Hang),
    }
}

fn parse_run_check(text: &str, file: &str, budget: f64) -> Result<Ended, String> {
    let scenarios = match parse(text, file) {
        Ok(s) => s,
        Err(e) if e.to_string().contains(file) => {
            if std::env::var_os("SCALESIM_FUZZ_VERBOSE").is_some() {
                eprintln!(
                    "refused: {}",
                    e.to_string().lines().next().unwrap_or_default()
                );
            }
            return Ok(Ended::Refused);
        }
        Err(e) => return Err(format!("refused without naming the file: {e}")),
    };
    let mut ended = Ended::OverBudget;
    for mut scenario in scenarios {
        if !fit_budget(&mut scenario, budget) {
            continue;
        }
        let problems = check_report(&scalesim_core::sim::run(&scenario, &|_| {}));
        if !problems.is_empty() {
            return Err(problems.join("\n"));
        }
        ended = Ended::Ran;
    }
    Ok(ended)
}

/// A scenario, or the first and last points of a sweep.
fn parse(text: &str, file: &str) -> Result<Vec<Scenario>, scenario::ScenarioError> {
    let sweep = Sweep::parse(text, file)?;
    let traces = scalesim_traces::files();
    if sweep.is_empty() {
        return Ok(vec![scenario::parse_with(text, file, &traces)?]);
    }
    [0, sweep.len().saturating_sub(1)]
        .iter()
        .map(|&i| sweep.point_with(i, &traces))
        .collect()
}

/// Shorten the horizon of a scenario whose estimated work is over `budget` (to a minute at the
/// least, the reporting interval with it); false if it still does not fit.
fn fit_budget(s: &mut Scenario, budget: f64) -> bool {
    let work = estimated_work(s);
    if work > budget {
        let shorter = s.horizon.as_secs_f64() * budget / work * 0.9;
        s.horizon = SimDuration::from_secs_f64(shorter.max(60.0)).min(s.horizon);
        s.interval = s.interval.min(s.horizon);
    }
    // Not `work > budget`: a NaN estimate is not run either.
    estimated_work(s) <= budget
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    match (
        payload.downcast_ref::<&str>(),
        payload.downcast_ref::<String>(),
    ) {
        (Some(s), _) => (*s).to_string(),
        (_, Some(s)) => s.clone(),
        _ => "(not a string)".to_string(),
    }
}

/// Events a run will simulate, roughly: per variant, its requests (the CLI's own estimate,
/// [`scalesim_core::experiment::Work`]) and reporting intervals.
fn estimated_work(s: &Scenario) -> f64 {
    let horizon_s = s.horizon.as_secs_f64();
    let intervals = horizon_s / s.interval.as_secs_f64() * s.variants.len() as f64;
    scalesim_core::experiment::Work::of(s).requests + intervals
}

// ---------------------------------------------------------------------------------------------
// The corpus.

fn corpus_scenarios() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for dir in CORPUS {
        walk(&root().join(dir), &mut out);
    }
    out.sort();
    out
}

/// A corpus path relative to the repository, as [`KNOWN_FAILING`] names it.
fn name_of(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn known(path: &Path) -> Option<Known> {
    let name = name_of(path);
    KNOWN_FAILING
        .iter()
        .find(|(_, _, paths)| paths.contains(&name.as_str()))
        .map(|(how, _, _)| *how)
}

/// Panics are expected here and reported with their input: one line each, no backtrace. Also
/// caps the process's address space at 8 GiB, so that an input that runs away with memory fails
/// an allocation (an abort, its input left on disk) instead of exhausting a shared machine.
fn setup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(target_os = "linux")]
        {
            let cap = libc::rlimit {
                rlim_cur: 8 << 30,
                rlim_max: libc::RLIM_INFINITY,
            };
            // SAFETY: setrlimit reads the struct it is given and changes only this process.
            unsafe { libc::setrlimit(libc::RLIMIT_AS, &cap) };
        }
        panic::set_hook(Box::new(|info| {
            eprintln!("{info}");
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()));
            PANICKED_AT.with(|p| p.replace(at));
        }))
    });
}

thread_local! {
    /// Where the last panic on this thread happened (set by the hook [`setup`] installs).
    static PANICKED_AT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// `<target tmp>/fuzz/`: where the harness keeps the input it is running and what failed.
fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz")
}

/// Replays the corpus (only the inputs whose path contains `SCALESIM_FUZZ_ONLY`, if set).
/// An abort takes the process down with it: `<target tmp>/fuzz/corpus-input` names the input.
#[test]
fn corpus_gives_no_panic_no_hang_no_nonsense() {
    setup();
    let only = std::env::var("SCALESIM_FUZZ_ONLY").unwrap_or_default();
    let (mut failures, mut stale, mut tally, mut over) = (vec![], vec![], [0; 3], vec![]);
    std::fs::create_dir_all(work_dir()).expect("the target folder is writable");
    for path in corpus_scenarios() {
        let name = name_of(&path);
        let known = known(&path);
        if matches!(known, Some(Known::Aborts | Known::Hangs)) || !name.contains(&only) {
            continue;
        }
        let _ = std::fs::write(work_dir().join("corpus-input"), &name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let file = path.display().to_string();
        match (try_input(text, file, CORPUS_BUDGET), known) {
            // Its thread still spins: stop here rather than load the machine further.
            (Err(Fault::Hang), _) => panic!("{name}: {}", Fault::Hang),
            (Err(fault), None) => failures.push(format!("{name}: {fault}")),
            (Ok(_), Some(_)) => stale.push(name),
            (Err(_), Some(_)) => {}
            (Ok(Ended::OverBudget), None) => over.push(name),
            (Ok(ended), None) => tally[ended as usize] += 1,
        }
    }
    let [refused, _, ran] = tally;
    eprintln!("corpus: {refused} refused, {ran} ran; over budget, not run: {over:?}");
    assert!(
        failures.is_empty(),
        "corpus inputs failed:\n{}",
        failures.join("\n")
    );
    assert!(
        stale.is_empty(),
        "now pass, remove from KNOWN_FAILING: {stale:?}"
    );
}

/// Corpus scenarios that mutations start from: `(path, text)`, those valid today that neither
/// abort nor hang.
fn seeds() -> &'static [(PathBuf, String)] {
    static SEEDS: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let valid = |p: &Path, text: &str| {
            let file = p.display().to_string();
            panic::catch_unwind(|| parse(text, &file).is_ok()).unwrap_or(false)
        };
        corpus_scenarios()
            .into_iter()
            .filter(|p| matches!(known(p), None | Some(Known::Fails)))
            .filter_map(|p| Some((p.clone(), std::fs::read_to_string(&p).ok()?)))
            .filter(|(p, text)| valid(p, text))
            .collect()
    })
}

/// The trace a scenario replays: `traffic.replay.path` as written.
fn trace_path(text: &str) -> Option<String> {
    let doc: toml::Table = toml::from_str(text).ok()?;
    Some(
        doc.get("traffic")?
            .get("replay")?
            .get("path")?
            .as_str()?
            .to_string(),
    )
}

// ---------------------------------------------------------------------------------------------
// Mutated inputs.

#[test]
fn mutated_scenario_text_is_refused_or_runs_sanely() {
    let strategy = (any::<Index>(), prop::collection::vec(text_edit(), 1..3));
    fuzz("scenario-text", strategy, |(seed, edits), dir| {
        let (path, text) = &seeds()[seed.index(seeds().len())];
        let text = edits
            .iter()
            .fold(text.clone(), |t, e| apply_text_edit(&t, e));
        // Relative trace paths resolve from the seed's own folder; the copy is for the record.
        std::fs::write(
            dir.join("scenario.toml"),
            format!("# mutated from {}\n{text}", name_of(path)),
        )
        .map_err(|e| Fault::Panic(format!("cannot save the case: {e}")))?;
        try_input(text, path.display().to_string(), MUTANT_BUDGET)
    });
}

/// Seeds that replay a trace: `(scenario path, text, the trace as written in it)`.
fn trace_seeds() -> &'static [(PathBuf, String, String)] {
    static SEEDS: OnceLock<Vec<(PathBuf, String, String)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        seeds()
            .iter()
            .filter_map(|(p, t)| Some((p.clone(), t.clone(), trace_path(t)?)))
            .collect()
    })
}

/// Copy the trace of `seed` (a file, or an Azure 2019 folder) into `dir`, mutate one of its
/// files, and write the scenario beside it pointing at the copy. Returns the scenario's path.
fn write_trace_case(
    (path, text, trace): &(PathBuf, String, String),
    which: &Index,
    edits: &[ByteEdit],
    dir: &Path,
) -> std::io::Result<PathBuf> {
    let from = path.parent().unwrap_or(Path::new(".")).join(trace);
    let copy = from
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let to = dir.join(&copy);
    let mut files = Vec::new();
    if from.is_dir() {
        std::fs::create_dir(&to)?;
        for entry in std::fs::read_dir(&from)? {
            let f = entry?.path();
            if let (true, Some(name)) = (f.is_file(), f.file_name()) {
                std::fs::copy(&f, to.join(name))?;
                files.push(to.join(name));
            }
        }
        files.sort();
    } else {
        std::fs::copy(&from, &to)?;
        files.push(to.clone());
    }
    if !files.is_empty() {
        let victim = &files[which.index(files.len())];
        let mut bytes = std::fs::read(victim)?;
        edits.iter().for_each(|e| apply_byte_edit(&mut bytes, e));
        std::fs::write(victim, bytes)?;
    }
    let scenario = dir.join("scenario.toml");
    let text = text.replacen(&format!("\"{trace}\""), &format!("\"{copy}\""), 1);
    std::fs::write(
        &scenario,
        format!("# mutated from {}\n{text}", name_of(path)),
    )?;
    Ok(scenario)
}

#[test]
fn mutated_traces_are_refused_or_run_sanely() {
    let strategy = (
        any::<Index>(),
        any::<Index>(),
        prop::collection::vec(byte_edit(), 1..4),
    );
    fuzz("trace-bytes", strategy, |(seed, which, edits), dir| {
        let seed = &trace_seeds()[seed.index(trace_seeds().len())];
        let scenario = write_trace_case(seed, &which, &edits, dir)
            .map_err(|e| Fault::Panic(format!("cannot write the case: {e}")))?;
        let text = std::fs::read_to_string(&scenario).map_err(|e| Fault::Panic(e.to_string()))?;
        try_input(text, scenario.display().to_string(), MUTANT_BUDGET)
    });
}

// ---------------------------------------------------------------------------------------------
// The driver.

/// Seconds each property runs for, from `SCALESIM_FUZZ_SECS`; `None`: a quick fixed run.
fn fuzz_secs() -> Option<u64> {
    std::env::var("SCALESIM_FUZZ_SECS").ok()?.parse().ok()
}

/// Run `test` on values of `strategy`, each in a fresh folder `<target tmp>/fuzz/<name>/case`
/// (what is in it when the process aborts is the input that aborted it). Quick mode: a fixed
/// seed, [`QUICK_CASES`] cases; with `SCALESIM_FUZZ_SECS`: random seeds until the time is up.
/// A failure is shrunk and its input kept in `<target tmp>/fuzz/<name>/failed`.
fn fuzz<S: Strategy>(
    name: &str,
    strategy: S,
    test: impl Fn(S::Value, &Path) -> Result<Ended, Fault>,
) where
    S::Value: Clone,
{
    setup();
    let base = work_dir().join(name);
    let hung = AtomicBool::new(false);
    let tally = std::cell::Cell::new([0; 4]); // refused, over budget, ran, known fault
    let count = |k: usize| {
        let mut t = tally.get();
        t[k] += 1;
        tally.set(t);
    };
    let run_one = |value: S::Value, dir: &Path| -> Result<(), TestCaseError> {
        // After a hang, its thread still spins: pass everything so shrinking ends at once.
        if hung.load(Ordering::Relaxed) {
            return Ok(());
        }
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match test(value, dir) {
            Err(Fault::Hang) => {
                hung.store(true, Ordering::Relaxed);
                let _ = std::fs::remove_dir_all(base.join("failed"));
                let _ = std::fs::rename(dir, base.join("failed"));
                Err(TestCaseError::fail(Fault::Hang.to_string()))
            }
            Err(fault) => {
                let text = fault.to_string();
                let known = |l: &str| KNOWN_FAULTS.iter().any(|k| l.contains(k.0));
                if !text.lines().all(known) {
                    return Err(TestCaseError::fail(text));
                }
                count(3);
                Ok(())
            }
            Ok(ended) => {
                count(ended as usize);
                Ok(())
            }
        }
    };
    let secs = fuzz_secs();
    let config = Config {
        cases: if secs.is_some() { 256 } else { QUICK_CASES },
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/fuzz.proptest-regressions",
        ))),
        max_shrink_time: 120_000,
        ..Config::default()
    };
    let start = Instant::now();
    let (mut cases, case_dir) = (0, base.join("case"));
    loop {
        let mut runner = match secs {
            Some(_) => TestRunner::new(config.clone()),
            None => TestRunner::new_with_rng(
                config.clone(),
                TestRng::deterministic_rng(RngAlgorithm::ChaCha),
            ),
        };
        match runner.run(&strategy, |v| run_one(v, &case_dir)) {
            Ok(()) => cases += config.cases,
            Err(TestError::Fail(why, value)) => {
                // Write the shrunk input once more, and keep it.
                let failed = base.join("failed");
                if !hung.load(Ordering::Relaxed) {
                    let _ = std::fs::remove_dir_all(&failed);
                    std::fs::create_dir_all(&failed).ok();
                    let _ = test(value.clone(), &failed);
                }
                panic!(
                    "{name}: {why}\nminimal input kept in {}\n{value:#?}",
                    failed.display()
                );
            }
            Err(TestError::Abort(why)) => panic!("{name}: proptest aborted: {why}"),
        }
        if secs.is_none_or(|s| start.elapsed() >= Duration::from_secs(s)) {
            break;
        }
    }
    let [refused, over, ran, known] = tally.get();
    eprintln!(
        "{name}: {cases} cases in {:.0?}: {refused} refused, {over} over budget, {ran} ran, \
         {known} showed a known fault",
        start.elapsed()
    );
}
