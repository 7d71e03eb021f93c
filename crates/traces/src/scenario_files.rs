//! Scenario files read from disk: the files side of [`scalesim_core::scenario`], which parses
//! text and reads nothing itself (the traces a scenario replays are read by this crate's
//! [`Files`](crate::Files)). It reads a file and hands the text down.

use std::path::Path;

use scalesim_core::scenario::{self, Scenario, ScenarioError};
use scalesim_core::traffic::Traces;

/// Largest scenario file read, bytes (10 MiB): a hand-written scenario is a few KB, a generated
/// sweep a few hundred; anything larger is not a scenario (or would exhaust memory as TOML).
pub const MAX_SCENARIO_BYTES: u64 = 10 * 1024 * 1024;

/// The text of a scenario file: a regular file of at most [`MAX_SCENARIO_BYTES`], UTF-8.
///
/// # Errors
/// [`ScenarioError::Read`] when the file cannot be opened, is not a regular file (a folder, a
/// device such as `/dev/zero`, a pipe), is larger than the limit (also when it grows while being
/// read), or is not UTF-8.
pub fn read_text(path: &Path) -> Result<String, ScenarioError> {
    use std::io::Read;
    let file = path.display().to_string();
    let fail = |reason: String| ScenarioError::Read {
        file: file.clone(),
        reason,
    };
    let f = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let meta = f.metadata().map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail(
            "not a regular file (a scenario is a TOML file, not a folder, device or pipe)".into(),
        ));
    }
    let too_big = |size: u64| {
        fail(format!(
            "{size} bytes; a scenario file is at most {MAX_SCENARIO_BYTES} bytes (10 MiB)"
        ))
    };
    if meta.len() > MAX_SCENARIO_BYTES {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    f.take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        fail(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Read and validate a scenario file; a replayed trace is not read ([`scenario::parse`]).
///
/// # Errors
/// [`ScenarioError::Read`] as [`read_text`]; otherwise the first syntax or validation error,
/// with its file, line, field and value.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = read_text(path)?;
    scenario::parse(&text, &path.display().to_string())
}

/// Read and validate a scenario file, checking the trace it replays through `traces`
/// ([`scenario::parse_with`]).
///
/// # Errors
/// [`ScenarioError::Read`] as [`read_text`]; otherwise the first syntax or validation error,
/// with its file, line, field and value.
pub fn load_with(path: &Path, traces: &Traces) -> Result<Scenario, ScenarioError> {
    let text = read_text(path)?;
    scenario::parse_with(&text, &path.display().to_string(), traces)
}
