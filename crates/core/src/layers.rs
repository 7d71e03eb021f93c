//! The floors of the house inside scalesim-core, checked: no room imports a room above it
//! (the project's architecture guide, "The house"). Reads every `crate::<room>` path in
//! this crate's `src/**` (comments skipped) and compares the floors of the importing and the
//! imported room. The floors above core are crates, and cargo keeps them apart: core depends
//! on none of them; scalesim-traces and scalesim-report depend on core only; the binary on all.

use std::collections::BTreeSet;
use std::path::Path;

/// The rooms, bottom floor first; rooms on one floor may use each other.
const FLOORS: &[&[&str]] = &[
    &["engine", "par"],
    &["dist", "autoscale", "metrics", "usage"],
    &["billing", "traffic"],
    &["platform"],
    // The result of a run, as plain data (with the objective it is judged by).
    &["results"],
    // One floor: a product (`offering/<p>.rs`) gives scenario files its fields and takes the
    // validation kit; `scenario::parse` asks the registry of products.
    &["scenario", "offering"],
    &["sim"],
    &["experiment"],
    &["lib", "layers"],
];

/// Arrows up a floor allowed as exceptions: none since issue 11 moved the results out of
/// `report/` and gave billing neutral usage. An entry that no longer occurs fails the test too.
const KNOWN_UPWARD: &[(&str, &str)] = &[];

fn floor(room: &str) -> Option<usize> {
    FLOORS.iter().position(|f| f.contains(&room))
}

/// The rooms a source text names as `crate::<room>` or `crate::{<room>::…, …}`.
fn imported_rooms(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut rooms = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut start) = (0, 0);
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        rooms.insert(ident(&group[start..j]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        rooms.insert(ident(&group[start..j]));
                        start = j + 1;
                    }
                    _ => {}
                }
            }
        } else {
            rooms.insert(ident(rest));
        }
    }
    rooms.retain(|r| !r.is_empty());
    rooms
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_room_imports_a_room_above_it() {
    // As `cargo test` sets it when it runs the test (the build-time value may name an older
    // clone: cargo does not rebuild when only the folder changed).
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf());
    let src = root.join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut upward = BTreeSet::new();
    let mut unknown = BTreeSet::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src/");
        let first = relative.components().next().expect("a path");
        let first = first.as_os_str().to_string_lossy();
        let room = first.strip_suffix(".rs").unwrap_or(&first).to_string();
        let text = std::fs::read_to_string(file).expect("a UTF-8 source file");
        // A file's unit tests may use any room (they run a whole scenario): only the code above
        // its `#[cfg(test)]` module counts.
        let text = text.split("\n#[cfg(test)]").next().unwrap_or_default();
        for to in imported_rooms(text) {
            match (floor(&room), floor(&to)) {
                (Some(a), Some(b)) if b > a => {
                    upward.insert((room.clone(), to, relative.display().to_string()));
                }
                (Some(_), Some(_)) => {}
                (None, _) => {
                    unknown.insert(room.clone());
                }
                (_, None) => {
                    unknown.insert(to);
                }
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "rooms not on any floor of FLOORS (add them where they belong): {unknown:?}"
    );
    let new: Vec<_> = upward
        .iter()
        .filter(|(a, b, _)| !KNOWN_UPWARD.contains(&(a.as_str(), b.as_str())))
        .collect();
    assert!(
        new.is_empty(),
        "imports of a room above (from, to, file): {new:?}"
    );
    let gone: Vec<_> = KNOWN_UPWARD
        .iter()
        .filter(|(a, b)| !upward.iter().any(|(x, y, _)| x == a && y == b))
        .collect();
    assert!(
        gone.is_empty(),
        "known upward imports that no longer occur (remove them from KNOWN_UPWARD): {gone:?}"
    );
}

#[test]
fn reads_paths_and_groups() {
    let text = "use crate::engine::SimTime;\n// crate::experiment is a comment\nlet x = crate::sim::run();\nuse crate::{platform::A, traffic::{B, C}};\n";
    let rooms: Vec<String> = imported_rooms(text).into_iter().collect();
    assert_eq!(rooms, ["engine", "platform", "sim", "traffic"]);
}
