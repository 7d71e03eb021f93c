//! Opening trace files safely: only regular files (never a device such as `/dev/zero`, a pipe
//! or a folder, which could be read forever), and text read through a guard that refuses a line
//! longer than [`MAX_LINE_BYTES`], so that no input — a binary file, a file without line breaks,
//! an unterminated quote — makes a reader buffer the whole file.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::ReplayError;

/// Longest line of a text trace, bytes (1 MiB). Real lines are far shorter: an access-log line
/// is at most a few KB (URL and user agent), an Azure 2019 row of 1,440 counts about 10 KB.
pub(super) const MAX_LINE_BYTES: usize = 1 << 20;

/// `ReplayError::Io` for `path`.
pub(super) fn io_error(path: &str, reason: &dyn std::fmt::Display) -> ReplayError {
    ReplayError::Io {
        path: path.to_string(),
        reason: reason.to_string(),
    }
}

/// Open `path`, which must be a regular file; also its size in bytes.
///
/// # Errors
/// `ReplayError::Io` when it cannot be opened or is not a regular file.
pub(super) fn open_regular(path: &Path) -> Result<(File, u64), ReplayError> {
    let p = path.display().to_string();
    let file = File::open(path).map_err(|e| io_error(&p, &e))?;
    let meta = file.metadata().map_err(|e| io_error(&p, &e))?;
    if !meta.is_file() {
        return Err(io_error(
            &p,
            &"not a regular file (a trace is a file, not a device, pipe or folder)",
        ));
    }
    Ok((file, meta.len()))
}

/// A reader that fails once a line (bytes between two `\n`) grows longer than `max` bytes.
pub(super) struct LineLimit<R> {
    inner: R,
    max: usize,
    /// Bytes since the last `\n`.
    run: usize,
    /// Line number (1-based) of the current line.
    line: u64,
}

impl<R: Read> LineLimit<R> {
    /// Guard `inner` with lines of at most [`MAX_LINE_BYTES`].
    pub(super) fn new(inner: R) -> Self {
        Self::with_max(inner, MAX_LINE_BYTES)
    }

    fn with_max(inner: R, max: usize) -> Self {
        LineLimit {
            inner,
            max,
            run: 0,
            line: 1,
        }
    }
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.run = 0;
                self.line += 1;
            } else {
                self.run += 1;
                if self.run > self.max {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "line {} is longer than {} bytes (not a text trace, or a line break is missing)",
                            self.line, self.max
                        ),
                    ));
                }
            }
        }
        Ok(n)
    }
}

/// Whether any field of a CSV record spans a line break: in a trace every row is one line, so
/// such a field is a quote left open (which would otherwise swallow every row after it).
pub(super) fn spans_lines(record: &csv::ByteRecord) -> bool {
    record
        .iter()
        .any(|f| f.contains(&b'\n') || f.contains(&b'\r'))
}

/// The error for a CSV record at `line` with a field that spans lines.
pub(super) fn open_quote(path: &str, line: u64) -> ReplayError {
    io_error(
        path,
        &format!(
            "line {line}: a quoted field runs past the end of the line (a quote opened on line {line} is not closed on it); every row of a trace is one line"
        ),
    )
}

thread_local! {
    /// Whether this thread is inside [`guarded`] (its panics are reported as errors, not printed).
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f`, a call into a third-party decoder that may panic on corrupt input (polars' Parquet
/// reader does on some flipped bytes), turning a panic into `Err` with its message. The panic
/// is not printed: a panic hook installed once passes every other panic to the hook it
/// replaced. This is a last resort behind validation (see `tabular::check_parquet`): an
/// allocation failure aborts and cannot be caught, so sizes are bounded before `f` runs.
pub(super) fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    let was = GUARDED.with(|g| g.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "an internal error".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_longer_than_the_limit_is_an_error_naming_it() {
        let mut ok = String::new();
        LineLimit::with_max("abcd\nefgh\n".as_bytes(), 4)
            .read_to_string(&mut ok)
            .unwrap();
        assert_eq!(ok, "abcd\nefgh\n");
        let mut s = String::new();
        let e = LineLimit::with_max("abcd\nefghi\n".as_bytes(), 4)
            .read_to_string(&mut s)
            .unwrap_err();
        assert!(
            e.to_string().starts_with("line 2 is longer than 4 bytes"),
            "{e}"
        );
    }

    #[test]
    fn a_panic_inside_guarded_is_an_error() {
        assert_eq!(guarded(|| 2 + 2), Ok(4));
        let v: Vec<u8> = Vec::new();
        let e = guarded(|| v[3]).unwrap_err();
        assert!(e.contains("index out of bounds"), "{e}");
        assert_eq!(
            guarded(|| -> u8 { panic!("corrupt") }),
            Err("corrupt".into())
        );
    }

    #[test]
    fn devices_are_not_traces() {
        let e = open_regular(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }
}
