//! Scenario errors that point at the file, line and column, name the field and the value, and
//! say what is allowed.

use std::fmt;
use std::ops::Range;

/// A problem with a scenario file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario {file}: {reason}")]
    Read {
        /// Path as given.
        file: String,
        /// Why.
        reason: String,
    },
    /// The file is not valid TOML, or a key or type is wrong.
    #[error("{0}")]
    Syntax(Box<Located>),
    /// A value is impossible.
    #[error("{0}")]
    Invalid(Box<Located>),
}

impl ScenarioError {
    /// A TOML syntax error in `text` of `file`.
    pub(crate) fn toml(file: &str, text: &str, e: &toml_edit::TomlError) -> Self {
        ScenarioError::Syntax(Located::at(
            file,
            text,
            e.span(),
            None,
            e.message().trim_end().to_string(),
            None,
        ))
    }
}

/// An error message tied to a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// Path of the file as given.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// The field, as a path like `variant[1].memory_mb`, when known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What is allowed, or how to fix it.
    pub help: Option<String>,
    /// The offending source line.
    pub source_line: String,
}

impl Located {
    /// Locate byte offset range `span` of `text`.
    pub fn at(
        file: &str,
        text: &str,
        span: Option<Range<usize>>,
        field: Option<String>,
        message: String,
        help: Option<String>,
    ) -> Box<Self> {
        let offset = span.map_or(0, |s| s.start.min(text.len()));
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        let source_line = text[line_start..]
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        Box::new(Located {
            file: file.to_string(),
            line,
            column,
            field,
            message,
            help,
            source_line,
        })
    }
}

/// serde's message in TOML's words, free of Rust's type names: `expected i64` → `expected a
/// whole number`, `f64` → `a number`, `map` → `table`, `sequence` → `array`, `struct RawDist`
/// → `a table`.
pub(crate) fn plain(message: &str) -> String {
    const WORDS: [(&str, &str); 14] = [
        ("expected i64", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected u64", "expected a whole number"),
        ("expected u32", "expected a whole number"),
        ("expected u16", "expected a whole number"),
        ("expected u8", "expected a whole number"),
        ("expected usize", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
        ("invalid type: map", "invalid type: table"),
        ("invalid type: sequence", "invalid type: array"),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected a table"),
        ("invalid type: floating point", "invalid type: number"),
    ];
    let mut m = WORDS
        .iter()
        .fold(message.to_string(), |m, (rust, toml)| m.replace(rust, toml));
    while let Some(i) = m.find("expected struct ") {
        let name = i + "expected struct ".len();
        let end = m[name..]
            .find(|c: char| !c.is_alphanumeric() && c != '_')
            .map_or(m.len(), |e| name + e);
        m.replace_range(i..end, "expected a table");
    }
    m
}

/// The help line of a syntax error serde words (`message`, at `field`): what a value of the wrong
/// type should be, the closest allowed name to a mistyped key or kind, and the `[[variant]]`
/// written with one bracket.
pub(crate) fn help_for(field: Option<&str>, message: &str) -> Option<String> {
    if field == Some("variant") && message.starts_with("invalid type: map, expected a sequence") {
        return Some(
            "write [[variant]] with two brackets: each variant is one table of an array of tables"
                .into(),
        );
    }
    for what in ["unknown field `", "unknown variant `"] {
        if let Some(rest) = message.strip_prefix(what)
            && let Some((given, allowed)) = rest.split_once("`, expected ")
        {
            let names: Vec<&str> = allowed.split('`').skip(1).step_by(2).collect();
            return closest(given, &names).map(|n| format!("did you mean `{n}`?"));
        }
    }
    type_help(message)
}

/// The one of `names` within two edits of `given` (Damerau–Levenshtein, strsim), the nearest
/// first: what "did you mean" suggests.
pub(crate) fn closest<'a>(given: &str, names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .map(|n| (strsim::damerau_levenshtein(given, n), *n))
        .filter(|&(d, n)| d <= 2 && d < n.len())
        .min()
        .map(|(_, n)| n)
}

/// What serde's "invalid type … expected …" asks for, in words a scenario's author uses: the
/// help line of a value of the wrong type (`memory_mb = 512.5`, `rate_per_s = "fast"`).
pub(crate) fn type_help(message: &str) -> Option<String> {
    let expected = message.rsplit_once(", expected ")?.1;
    let allowed = match expected {
        "i64" | "u64" | "u32" | "i32" | "u16" | "u8" | "usize" => {
            "a whole number, without a decimal point (e.g. 512)"
        }
        "f64" | "f32" => "a number (e.g. 2.5)",
        "a string" => "text in quotes (e.g. \"10m\")",
        "a boolean" => "true or false",
        _ => return None,
    };
    message
        .starts_with("invalid type")
        .then(|| format!("allowed: {allowed}"))
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        writeln!(f, "{}", self.message)?;
        let gutter = self.line.to_string().len();
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        write!(f, "{:gutter$} | {:>col$}", "", "^", col = self.column)?;
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{help_for, plain, type_help};

    /// Messages name TOML's kinds of value, not Rust's types.
    #[test]
    fn messages_use_tomls_words() {
        assert_eq!(
            plain("invalid type: floating point `512.5`, expected i64"),
            "invalid type: number `512.5`, expected a whole number"
        );
        assert_eq!(
            plain("invalid type: sequence, expected struct RawVariant"),
            "invalid type: array, expected a table"
        );
        assert_eq!(
            plain("invalid type: map, expected a sequence"),
            "invalid type: table, expected an array"
        );
        assert_eq!(plain("missing field `name`"), "missing field `name`");
    }

    /// A value of the wrong type says what is allowed, in the author's words.
    #[test]
    fn wrong_types_say_what_is_allowed() {
        assert_eq!(
            type_help("invalid type: floating point `512.5`, expected i64").as_deref(),
            Some("allowed: a whole number, without a decimal point (e.g. 512)")
        );
        assert_eq!(
            type_help("invalid type: string \"fast\", expected f64").as_deref(),
            Some("allowed: a number (e.g. 2.5)")
        );
        assert_eq!(
            type_help("invalid type: integer `5`, expected a string").as_deref(),
            Some("allowed: text in quotes (e.g. \"10m\")")
        );
        assert_eq!(type_help("unknown field `slot`, expected `name`"), None);
        assert_eq!(
            help_for(
                Some("traffic.arrivals.process"),
                "unknown variant `poison`, expected one of `poisson`, `daily`"
            )
            .as_deref(),
            Some("did you mean `poisson`?")
        );
        assert_eq!(
            help_for(
                None,
                "unknown field `horizn`, expected one of `name`, `horizon`"
            )
            .as_deref(),
            Some("did you mean `horizon`?")
        );
        assert!(
            help_for(Some("variant"), "invalid type: map, expected a sequence")
                .is_some_and(|h| h.contains("[[variant]]"))
        );
        assert_eq!(
            type_help("invalid type: map, expected struct RawVariant"),
            None
        );
    }
}
