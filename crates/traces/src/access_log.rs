//! Web access logs: nginx/Apache "combined" (and plain Common Log Format) lines and AWS
//! Application Load Balancer lines.
//!
//! - Combined: `host ident user [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 512 "ref"
//!   "agent" [duration]`. The time has one-second resolution, so the requests logged in one
//!   second are spread evenly over it. A number after the user agent (nginx `$request_time`,
//!   Apache `%D`) is the request's duration.
//! - ALB: `type time elb client target request_processing_time target_processing_time
//!   response_processing_time ... "request" ...`. The time is when the response went out, so a
//!   request started at time − (the three processing times); the target's processing time is
//!   its duration. A processing time of −1 means the balancer could not dispatch the request to
//!   a target (a 460, 502, 503… it answered itself) or the target never answered before the idle
//!   timeout (AWS, "Access log entries", Elastic Load Balancing User Guide, 2024): no target
//!   served it, so the row is counted as never dispatched and not replayed.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::input::{self, LineLimit};
use super::timestamp;
use super::{Interner, ReplayError, Row, Source};

/// Which kind of access log.
#[derive(Clone, Copy, Debug)]
pub(super) enum Kind {
    /// nginx/Apache combined or common format; seconds per unit of a trailing duration.
    Combined { duration_scale_s: f64 },
    /// AWS Application Load Balancer.
    Alb,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Combined { .. } => "the combined log format",
            Kind::Alb => "an ALB access log",
        }
    }
}

/// Split a log line into fields: runs of non-spaces, `"quoted strings"` (backslash escapes
/// allowed) and `[bracketed times]`, without their quotes or brackets.
fn fields(line: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                if j >= bytes.len() {
                    return Err(format!("a quote opened at column {} is not closed", i + 1));
                }
                out.push(&line[start..j]);
                i = j + 1;
            }
            b'[' => {
                let start = i + 1;
                let Some(len) = line[start..].find(']') else {
                    return Err(format!("a [ at column {} is not closed", i + 1));
                };
                out.push(&line[start..start + len]);
                i = start + len + 1;
            }
            _ => {
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n') {
                    i += 1;
                }
                out.push(&line[start..i]);
            }
        }
    }
    Ok(out)
}

/// The path of a request line's URL (`GET /a/b?x=1 HTTP/1.1` → `/a/b`; an ALB's full URL
/// `https://host:443/a/b?x` → `/a/b`).
fn request_path(request: &str) -> &str {
    let url = request.split(' ').nth(1).unwrap_or("-");
    let url = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            rest.find('/').map_or("/", |j| &rest[j..])
        }
        None => url,
    };
    url.split(['?', '#']).next().unwrap_or(url)
}

/// An access log, line by line.
pub(super) struct AccessLog {
    lines: BufReader<LineLimit<File>>,
    text: String,
    path: String,
    line: u64,
    kind: Kind,
    by_path: bool,
    /// Rows of one second (combined), times not yet spread; and the first row of the next.
    group: VecDeque<Result<Row, ReplayError>>,
    ahead: Option<Result<Row, ReplayError>>,
    /// ALB rows read that no target served (−1 processing times).
    not_dispatched: u64,
}

impl AccessLog {
    pub(super) fn open(path: &Path, kind: Kind, by_path: bool) -> Result<Self, ReplayError> {
        let p = path.display().to_string();
        let (file, _) = input::open_regular(path)?;
        Ok(AccessLog {
            lines: BufReader::with_capacity(1 << 16, LineLimit::new(file)),
            text: String::new(),
            path: p,
            line: 0,
            kind,
            by_path,
            group: VecDeque::new(),
            ahead: None,
            not_dispatched: 0,
        })
    }

    /// The next non-blank line, parsed (ALB: skipping, and counting, rows no target served).
    fn parse_next(&mut self, fns: &mut Interner) -> Option<Result<Row, ReplayError>> {
        loop {
            match self.parse_any(fns)? {
                Ok(None) => self.not_dispatched += 1,
                Ok(Some(row)) => return Some(Ok(row)),
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// The next non-blank line, parsed: `Ok(None)` for a request no target served.
    fn parse_any(&mut self, fns: &mut Interner) -> Option<Result<Option<Row>, ReplayError>> {
        loop {
            self.text.clear();
            self.line += 1;
            match self.lines.read_line(&mut self.text) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => {
                    return Some(Err(ReplayError::Io {
                        path: self.path.clone(),
                        reason: format!("line {}: {e}", self.line),
                    }));
                }
            }
            if !self.text.trim().is_empty() {
                break;
            }
        }
        let at = format!("{}:{}", self.path, self.line);
        Some(parse_line(&self.text, self.kind, &at).map(|parsed| {
            parsed.map(|(row, request)| Row {
                func: if self.by_path {
                    fns.id(request_path(request))
                } else {
                    0
                },
                ..row
            })
        }))
    }
}

/// One line of an access log of `kind` (`at` names it in errors): its row (function 0) and its
/// request line; `None` for an ALB request no target served.
fn parse_line<'a>(
    line: &'a str,
    kind: Kind,
    at: &str,
) -> Result<Option<(Row, &'a str)>, ReplayError> {
    let bad_line = |reason: String| ReplayError::BadLine {
        at: at.to_string(),
        format: kind.name(),
        reason,
    };
    let bad = |column: &str, value: &str, expected| ReplayError::BadValue {
        at: at.to_string(),
        column: column.to_string(),
        value: value.to_string(),
        expected,
    };
    let f = fields(line).map_err(bad_line)?;
    let (min_fields, shape) = match kind {
        Kind::Combined { .. } => (7, "host ident user [time] \"request\" status bytes"),
        Kind::Alb => (
            13,
            "type time elb client target three processing times status codes bytes \"request\"",
        ),
    };
    if f.len() < min_fields {
        return Err(bad_line(format!(
            "{} fields, expected at least {min_fields} ({shape})",
            f.len()
        )));
    }
    match kind {
        Kind::Combined { duration_scale_s } => {
            let t = timestamp::clf(f[3]).ok_or_else(|| {
                bad(
                    "time",
                    f[3],
                    "a log time like 10/Oct/2000:13:55:36 -0700 (a real date, years 1970–9999, zone −2359 to +2359)",
                )
            })?;
            // After the referer and user agent, the first field is the duration.
            let dur = f
                .get(9)
                .map(|d| {
                    d.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite() && *v >= 0.0)
                        .map(|v| v * duration_scale_s)
                        .ok_or_else(|| bad("request time", d, "a duration (a number, 0 or more)"))
                })
                .transpose()?;
            let row = Row {
                t,
                dur,
                func: 0,
                mem: None,
            };
            Ok(Some((row, f[4])))
        }
        Kind::Alb => {
            let end = timestamp::rfc3339(f[1]).ok_or_else(|| {
                bad(
                    "time",
                    f[1],
                    "an ISO 8601 time like 2026-11-28T09:00:00.123456Z (a real date, years 1970–9999)",
                )
            })?;
            let names = [
                "request_processing_time",
                "target_processing_time",
                "response_processing_time",
            ];
            let mut times = [0.0; 3];
            for (k, name) in names.iter().enumerate() {
                times[k] = f[5 + k]
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && (*v >= 0.0 || *v == -1.0))
                    .ok_or_else(|| bad(name, f[5 + k], "seconds (a number, 0 or more, or -1)"))?;
            }
            if times.contains(&-1.0) {
                return Ok(None);
            }
            let row = Row {
                t: end - times.iter().sum::<f64>(),
                dur: Some(times[1]),
                func: 0,
                mem: None,
            };
            Ok(Some((row, f[12])))
        }
    }
}

impl Source for AccessLog {
    fn named(&self) -> bool {
        self.by_path
    }

    fn not_dispatched(&self) -> u64 {
        self.not_dispatched
    }

    fn next_row(&mut self, fns: &mut Interner) -> Option<Result<Row, ReplayError>> {
        if let Kind::Alb = self.kind {
            return self.parse_next(fns);
        }
        if self.group.is_empty() {
            // Gather the rows of one second (errors travel with them, in place).
            let first = match self.ahead.take() {
                Some(r) => r,
                None => self.parse_next(fns)?,
            };
            let second = first.as_ref().ok().map(|r| r.t);
            self.group.push_back(first);
            while let Some(next) = self.parse_next(fns) {
                match (&next, second) {
                    (Ok(r), Some(s)) if r.t == s => self.group.push_back(next),
                    (Err(_), _) => self.group.push_back(next),
                    _ => {
                        self.ahead = Some(next);
                        break;
                    }
                }
            }
            let n = self.group.iter().filter(|r| r.is_ok()).count();
            for (i, r) in self.group.iter_mut().flatten().enumerate() {
                r.t += i as f64 / n as f64;
            }
        }
        self.group.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_and_bracketed_fields() {
        let line = r#"1.2.3.4 - frank [10/Oct/2000:13:55:36 -0700] "GET /a?b=\"c\" HTTP/1.0" 200 2326 "-" "Mozilla/5.0 (X11)" 0.123"#;
        let f = fields(line).unwrap();
        assert_eq!(f[3], "10/Oct/2000:13:55:36 -0700");
        assert_eq!(f[4], r#"GET /a?b=\"c\" HTTP/1.0"#);
        assert_eq!(f[8], "Mozilla/5.0 (X11)");
        assert_eq!(f[9], "0.123");
        assert!(fields(r#"a "b c"#).is_err());
    }

    #[test]
    fn paths_of_request_lines() {
        assert_eq!(request_path("GET /api/orders?id=3 HTTP/1.1"), "/api/orders");
        assert_eq!(
            request_path("GET https://shop.example.com:443/api/items?x=1 HTTP/2.0"),
            "/api/items"
        );
        assert_eq!(request_path("-"), "-");
    }
}
