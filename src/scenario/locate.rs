//! Finding the field at a position of a TOML document, to name it in an error message.

use std::ops::Range;

use toml_edit::{Document, Item, Key, Value};

/// The path (e.g. `variant[1].slots`) of the innermost key or value whose source covers byte
/// `offset`, if any.
pub fn path_at(doc: &Document<&str>, offset: usize) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    visit_item(doc.as_item(), String::new(), offset, &mut best);
    best.map(|(_, path)| path)
}

/// Remember `path` if `span` covers `offset` more tightly than what was found so far.
fn consider(
    span: Option<Range<usize>>,
    path: &str,
    offset: usize,
    best: &mut Option<(usize, String)>,
) {
    let Some(span) = span else { return };
    if path.is_empty() || !(span.start <= offset && offset < span.end.max(span.start + 1)) {
        return;
    }
    let width = span.end - span.start;
    if best.as_ref().is_none_or(|(w, _)| width <= *w) {
        *best = Some((width, path.to_string()));
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn visit_key(key: &Key, path: &str, offset: usize, best: &mut Option<(usize, String)>) {
    consider(key.span(), path, offset, best);
}

fn visit_item(item: &Item, path: String, offset: usize, best: &mut Option<(usize, String)>) {
    match item {
        Item::Table(table) => {
            consider(table.span(), &path, offset, best);
            for (name, _) in table.iter() {
                if let Some((key, child)) = table.get_key_value(name) {
                    let child_path = join(&path, name);
                    visit_key(key, &child_path, offset, best);
                    visit_item(child, child_path, offset, best);
                }
            }
        }
        Item::ArrayOfTables(tables) => {
            for (i, table) in tables.iter().enumerate() {
                let element = Item::Table(table.clone());
                visit_item(&element, format!("{path}[{i}]"), offset, best);
            }
        }
        Item::Value(value) => visit_value(value, path, offset, best),
        Item::None => {}
    }
}

fn visit_value(value: &Value, path: String, offset: usize, best: &mut Option<(usize, String)>) {
    consider(value.span(), &path, offset, best);
    match value {
        Value::InlineTable(table) => {
            for (name, _) in table.iter() {
                if let Some((key, child)) = table.get_key_value(name) {
                    let child_path = join(&path, name);
                    visit_key(key, &child_path, offset, best);
                    visit_item(child, child_path, offset, best);
                }
            }
        }
        Value::Array(array) => {
            for (i, child) in array.iter().enumerate() {
                visit_value(child, format!("{path}[{i}]"), offset, best);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_innermost_field() {
        let text = "a = 1\n[t]\nb = { c = [1, \"x\"] }\n[[v]]\nd = 2\n[[v]]\ne = 3\n";
        let doc = Document::parse(text).unwrap();
        let at = |needle: &str| path_at(&doc, text.find(needle).unwrap());
        assert_eq!(at("\"x\"").as_deref(), Some("t.b.c[1]"));
        assert_eq!(at("e = 3").as_deref(), Some("v[1].e"));
        assert_eq!(at("d = 2").as_deref(), Some("v[0].d"));
        assert_eq!(at("a = 1").as_deref(), Some("a"));
    }
}
