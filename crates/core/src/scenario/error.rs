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
