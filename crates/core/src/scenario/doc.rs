//! The scenario as a TOML document, addressed by field path: one path type ([`Step`]s), written
//! as text one way ([`path_text`]), and the kit that reads and edits a document by path —
//! naming the field at an error's position ([`path_at`]), finding a field's position
//! ([`span_of`]), resolving a path the user typed ([`resolve_path`]) and writing values in
//! ([`set_values`]). Validation, sweeps, break-even and cheapest all use it.

use std::borrow::Cow;
use std::ops::Range;

use toml_edit::{Document, DocumentMut, Item, Key, Value};

use super::ScenarioError;

/// One step of a path to a field. A path is a slice of steps (`&[Step]`, owned as
/// `Vec<Step>`), e.g. `[Key("variant"), Index(1), Key("memory_mb")]` for `variant[1].memory_mb`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// A key of a table (`'static` when the schema names it, owned when read from a document).
    Key(Cow<'static, str>),
    /// An element of an array (of tables), from 0.
    Index(usize),
}

impl Step {
    /// A key the schema names.
    pub const fn key(key: &'static str) -> Step {
        Step::Key(Cow::Borrowed(key))
    }

    /// A key read from a document or typed by a user.
    pub fn owned_key(key: &str) -> Step {
        Step::Key(Cow::Owned(key.to_string()))
    }
}

/// A path as text, the way errors and axes name fields: `variant[1].memory_mb`.
pub fn path_text(path: &[Step]) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Fields that cannot be varied (swept, searched), and what to do instead. A sweep of `seed`
/// would give every point its own seed and mix two sources of variation into one figure.
pub(super) const UNSWEPT: [(&str, &str); 1] = [(
    "seed",
    "give one seed; for several seeds per point use `scalesim sweep --replications N` (seeds derived from it, with 95 % intervals)",
)];

/// How a value is written into the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// A TOML integer (the value rounded).
    Integer,
    /// A TOML float.
    Float,
    /// A duration string; the value is in seconds, written as whole milliseconds (`"90000ms"`).
    Duration,
}

impl Form {
    fn write(self, v: f64) -> Item {
        match self {
            Form::Integer => toml_edit::value(v.round() as i64),
            Form::Float => toml_edit::value(v),
            Form::Duration => toml_edit::value(format!("{}ms", (v * 1_000.0).round() as u64)),
        }
    }
}

/// Seconds of a duration string as scenarios write them (`"10m"`, `"250ms"`).
fn duration_s(v: &Value) -> Option<f64> {
    v.as_str()
        .and_then(|t| humantime::parse_duration(t.trim()).ok())
        .map(|d| d.as_secs_f64())
}

/// A number, or a duration string (in seconds), and its form.
pub(super) fn number(v: &Value) -> Option<(f64, Form)> {
    match v {
        Value::Integer(i) => Some((*i.value() as f64, Form::Integer)),
        Value::Float(f) => Some((*f.value(), Form::Float)),
        Value::String(_) => duration_s(v).map(|s| (s, Form::Duration)),
        _ => None,
    }
}

/// The path of the innermost key or value whose source covers byte `offset`, if any (to name
/// the field of a serde error, which knows only a position).
pub fn path_at(doc: &Document<&str>, offset: usize) -> Option<Vec<Step>> {
    let mut best = None;
    visit_item(doc.as_item(), &mut Vec::new(), offset, &mut best);
    best.map(|(_, path)| path)
}

/// The byte range of the field at `path`, or of the nearest enclosing item the document has
/// (a missing field is reported at its table).
pub fn span_of(doc: &Document<&str>, path: &[Step]) -> Option<Range<usize>> {
    let mut item = doc.as_item();
    let mut span = item.span();
    for step in path {
        let next = match step {
            Step::Key(k) => item.get(k.as_ref()),
            Step::Index(i) => item.get(*i),
        };
        let Some(next) = next else { break };
        item = next;
        span = item.span().or(span);
    }
    span
}

/// What [`path_at`] has found so far: the narrowest span covering the offset, and its path.
type Best = Option<(usize, Vec<Step>)>;

/// Remember `path` if `span` covers `offset` more tightly than what was found so far.
fn consider(span: Option<Range<usize>>, path: &[Step], offset: usize, best: &mut Best) {
    let Some(span) = span else { return };
    if path.is_empty() || !(span.start <= offset && offset < span.end.max(span.start + 1)) {
        return;
    }
    let width = span.end - span.start;
    if best.as_ref().is_none_or(|(w, _)| width <= *w) {
        *best = Some((width, path.to_vec()));
    }
}

/// Visit the entries of a table or an inline table, each under its key.
fn visit_entries<'a>(
    entries: impl Iterator<Item = (&'a Key, &'a Item)>,
    path: &mut Vec<Step>,
    offset: usize,
    best: &mut Best,
) {
    for (key, child) in entries {
        path.push(Step::owned_key(key.get()));
        consider(key.span(), path, offset, best);
        visit_item(child, path, offset, best);
        path.pop();
    }
}

fn visit_item(item: &Item, path: &mut Vec<Step>, offset: usize, best: &mut Best) {
    match item {
        Item::Table(table) => {
            consider(table.span(), path, offset, best);
            let entries = table
                .iter()
                .filter_map(|(name, _)| table.get_key_value(name));
            visit_entries(entries, path, offset, best);
        }
        Item::ArrayOfTables(tables) => {
            for (i, table) in tables.iter().enumerate() {
                path.push(Step::Index(i));
                visit_item(&Item::Table(table.clone()), path, offset, best);
                path.pop();
            }
        }
        Item::Value(value) => visit_value(value, path, offset, best),
        Item::None => {}
    }
}

fn visit_value(value: &Value, path: &mut Vec<Step>, offset: usize, best: &mut Best) {
    consider(value.span(), path, offset, best);
    match value {
        Value::InlineTable(table) => {
            let entries = table
                .iter()
                .filter_map(|(name, _)| table.get_key_value(name));
            visit_entries(entries, path, offset, best);
        }
        Value::Array(array) => {
            for (i, child) in array.iter().enumerate() {
                path.push(Step::Index(i));
                visit_value(child, path, offset, best);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Parse a path like `traffic.arrivals.rate_per_s`, `variant[1].count` or
/// `variant[lambda-512mb].memory_mb` (an array of tables indexed by its `name`) against `text`;
/// also how its value is written (a duration field's values are seconds).
///
/// # Errors
/// A message naming what is wrong: `text` is not TOML, the path names no field, the field is
/// not a number or a duration, or it cannot be varied (`seed`).
pub fn resolve_path(text: &str, path: &str) -> Result<(Vec<Step>, Form), String> {
    let doc: DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let mut steps = Vec::new();
    let mut item: &Item = doc.as_item();
    for (key, index) in split_path(path)? {
        steps.push(Step::owned_key(key));
        item = item
            .get(key)
            .ok_or_else(|| format!("the scenario has no field `{}`", path_text(&steps)))?;
        if let Some(index) = index {
            let i = match index.parse::<usize>() {
                Ok(i) => i,
                // By name: the element whose `name` is `index`.
                Err(_) => {
                    element(item, index).ok_or_else(|| format!("no `{key}` named \"{index}\""))?
                }
            };
            item = item
                .get(i)
                .ok_or_else(|| format!("`{key}` has no element {i}"))?;
            steps.push(Step::Index(i));
        }
    }
    if let [Step::Key(k)] = steps.as_slice()
        && let Some((field, help)) = UNSWEPT.iter().find(|(f, _)| f == k)
    {
        return Err(format!("`{field}` cannot be varied: {help}"));
    }
    match item.as_value().and_then(number) {
        Some((_, form)) => Ok((steps, form)),
        None => Err(format!(
            "`{path}` is not a number or a duration in the scenario"
        )),
    }
}

/// `text` with `settings` applied: each `FIELD=VALUE`, as `--set` gives it, sets the field at
/// the path `FIELD` (as sweeps write paths: `traffic.arrivals.rate_per_s`,
/// `variant[lambda-512mb].memory_mb`, `variant[1].keep_alive`) to `VALUE`, read as a TOML value
/// (`1024`, `0.5`, `true`, `"x"`, `{ dist = "constant", ms = 0 }`) or, when it is not one, as
/// text (`5m`, `java`). The field may be new in a table that exists (`variant[fn].api_gateway`).
/// Nothing is validated here: the scenario parsed from the result is.
///
/// # Errors
/// The first setting that cannot be applied, as a sentence naming it: no `=`, an empty field,
/// a path through something that is not there, a whole table given instead of a field, or
/// `text` that is not TOML.
pub fn apply_settings(text: &str, settings: &[String]) -> Result<String, String> {
    if settings.is_empty() {
        return Ok(text.to_string());
    }
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    for setting in settings {
        let (path, value) = setting
            .split_once('=')
            .map(|(p, v)| (p.trim(), v.trim()))
            .ok_or_else(|| {
                format!("--set {setting:?}: write FIELD=VALUE, e.g. variant[fn].memory_mb=1024")
            })?;
        let fail = |why: String| format!("--set {path}={value}: {why}");
        let parts = split_path(path).map_err(&fail)?;
        let Some(((last, last_index), init)) = parts.split_last() else {
            return Err(fail("no field named".into()));
        };
        if last.is_empty() || last_index.is_some() {
            return Err(fail(format!(
                "`{path}` names a table, not a field of it: give the field, e.g. {path}.name"
            )));
        }
        let mut item: &mut Item = doc.as_item_mut();
        let mut steps = Vec::new();
        for (key, index) in init {
            steps.push(Step::owned_key(key));
            // (`get_mut` on a table adds the key as `None` when it is missing.)
            item = item
                .get_mut(*key)
                .filter(|i| !i.is_none())
                .ok_or_else(|| fail(format!("the scenario has no `{}`", path_text(&steps))))?;
            if let Some(index) = index {
                let i = element(item, index)
                    .ok_or_else(|| fail(format!("no `{key}` named or numbered \"{index}\"")))?;
                item = item.get_mut(i).expect("element() found it");
                steps.push(Step::Index(i));
            }
        }
        let new: Value = value.parse().unwrap_or_else(|_| Value::from(value));
        match item {
            Item::Table(t) => {
                t.insert(last, Item::Value(new));
            }
            Item::Value(Value::InlineTable(t)) => {
                t.insert(*last, new);
            }
            _ => {
                return Err(fail(format!(
                    "`{}` is not a table, so it has no field `{last}`",
                    path_text(&steps)
                )));
            }
        }
    }
    Ok(doc.to_string())
}

/// A path's parts split on dots outside brackets (variant names may hold dots:
/// `ec2-2x-m7g.large`): each a key and, for `variant[x]`, the index or name in brackets.
fn split_path(path: &str) -> Result<Vec<(&str, Option<&str>)>, String> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in path.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '.' if depth == 0 => {
                parts.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&path[start..]);
    parts
        .into_iter()
        .map(|part| match part.split_once('[') {
            Some((k, rest)) => rest
                .strip_suffix(']')
                .map(|index| (k, Some(index)))
                .ok_or_else(|| format!("\"{part}\" has a [ without a ]")),
            None => Ok((part, None)),
        })
        .collect()
}

/// The element of an array of tables `item` that `index` names: its number, or the one whose
/// `name` is `index`.
fn element(item: &Item, index: &str) -> Option<usize> {
    let n = match item {
        Item::ArrayOfTables(a) => a.len(),
        Item::Value(Value::Array(a)) => a.len(),
        _ => 0,
    };
    match index.parse::<usize>() {
        Ok(i) => (i < n).then_some(i),
        Err(_) => (0..n).find(|&i| {
            item.get(i)
                .and_then(|t| t.get("name"))
                .and_then(|n| n.as_str())
                == Some(index)
        }),
    }
}

/// `text` with the values at `settings` (path, value, how to write it) replaced.
///
/// # Errors
/// [`ScenarioError::Syntax`] when `text` (of `file`) is not TOML.
///
/// # Panics
/// When a path is not in the document: paths come from [`resolve_path`] or a sweep's axes of
/// the same text, so that is a bug.
pub fn set_values(
    text: &str,
    file: &str,
    settings: &[(&[Step], f64, Form)],
) -> Result<String, ScenarioError> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| ScenarioError::toml(file, text, &e))?;
    for (path, v, form) in settings {
        let mut item: &mut Item = doc.as_item_mut();
        for step in path.iter() {
            let next = match step {
                Step::Key(k) => item.get_mut(k.as_ref()),
                Step::Index(i) => item.get_mut(*i),
            };
            item = next.expect("bug: a sweep path that is not in its own scenario");
        }
        *item = form.write(*v);
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_innermost_field() {
        let text = "a = 1\n[t]\nb = { c = [1, \"x\"] }\n[[v]]\nd = 2\n[[v]]\ne = 3\n";
        let doc = Document::parse(text).unwrap();
        let at = |needle: &str| path_at(&doc, text.find(needle).unwrap()).map(|p| path_text(&p));
        assert_eq!(at("\"x\"").as_deref(), Some("t.b.c[1]"));
        assert_eq!(at("e = 3").as_deref(), Some("v[1].e"));
        assert_eq!(at("d = 2").as_deref(), Some("v[0].d"));
        assert_eq!(at("a = 1").as_deref(), Some("a"));
        let e = span_of(&doc, &[Step::key("v"), Step::Index(1), Step::key("e")]).unwrap();
        assert_eq!(&text[e], "3");
    }

    /// `--set` replaces a field, adds one to a table that exists, reads its value as TOML or
    /// else as text, and names what it cannot do.
    #[test]
    fn settings_set_fields_by_path() {
        let text = "seed = 1\n[traffic]\narrivals = { process = \"poisson\", rate_per_s = 5 }\n[[variant]]\nname = \"fn.v2\"\nmemory_mb = 512\n";
        let set =
            |s: &[&str]| apply_settings(text, &s.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let t = set(&[
            "variant[fn.v2].memory_mb=1024",
            "variant[0].keep_alive = 5m",
            "traffic.arrivals.rate_per_s=7.5",
            "seed=9",
        ])
        .unwrap();
        let doc: DocumentMut = t.parse().unwrap();
        assert_eq!(doc["variant"][0]["memory_mb"].as_integer(), Some(1024));
        assert_eq!(doc["variant"][0]["keep_alive"].as_str(), Some("5m"));
        assert_eq!(
            doc["traffic"]["arrivals"]["rate_per_s"].as_float(),
            Some(7.5)
        );
        assert_eq!(doc["seed"].as_integer(), Some(9));
        assert!(
            set(&["variant[gone].memory_mb=1"])
                .unwrap_err()
                .contains("no `variant` named")
        );
        let e = set(&["nope.x=1"]).unwrap_err();
        assert!(e.contains("no `nope`"), "{e}");
        assert!(set(&["memory_mb"]).unwrap_err().contains("FIELD=VALUE"));
        assert!(
            set(&["variant[0]=1"])
                .unwrap_err()
                .contains("names a table")
        );
        assert!(set(&["seed.x=1"]).unwrap_err().contains("not a table"));
        assert_eq!(set(&[]).unwrap(), text);
    }
}
