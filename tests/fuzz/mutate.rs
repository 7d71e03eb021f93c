//! Mutations: of scenario text (numbers, durations, lines, bytes) and of trace files' bytes.

use std::ops::Range;

use proptest::prelude::*;
use proptest::sample::{Index, select};

/// Numbers put in place of a number of a scenario (TOML allows nan and inf in floats).
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "-0.0",
    "1e-300",
    "1e300",
    "1e9",
    "1e20",
    "0.000001",
    "4294967296",
    "9223372036854775807",
    "18446744073709551616",
    "nan",
    "inf",
    "-inf",
    "1.5",
];
/// Strings put in place of a string that starts with a digit (a duration, mostly).
const DURATIONS: &[&str] = &[
    "0s",
    "1ns",
    "1us",
    "1ms",
    "-5s",
    "500000y",
    "18446744073709551615s",
    "99999999999d",
    "1e9h",
    "",
    "1",
    "15 s",
    "2026-11-28T09:00:00Z",
];

#[derive(Clone, Debug)]
pub enum TextEdit {
    Number(Index, &'static str),
    Duration(Index, &'static str),
    DropLine(Index),
    DupLine(Index),
    Bytes(Index, Vec<u8>),
}

pub fn text_edit() -> impl Strategy<Value = TextEdit> {
    prop_oneof![
        4 => (any::<Index>(), select(NUMBERS)).prop_map(|(i, n)| TextEdit::Number(i, n)),
        2 => (any::<Index>(), select(DURATIONS)).prop_map(|(i, d)| TextEdit::Duration(i, d)),
        1 => any::<Index>().prop_map(TextEdit::DropLine),
        1 => any::<Index>().prop_map(TextEdit::DupLine),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..6))
            .prop_map(|(i, b)| TextEdit::Bytes(i, b)),
    ]
}

/// Byte ranges of the bare numbers and of the contents of quoted strings that start with a
/// digit in TOML text; comments and keys are skipped.
fn tokens(text: &str) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || b"_.+-".contains(&c);
    let (mut numbers, mut strings, mut i) = (Vec::new(), Vec::new(), 0);
    while i < b.len() {
        let start = i;
        match b[i] {
            b'#' => {
                i += b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .unwrap_or(b.len() - i)
            }
            b'"' => {
                i += 1;
                i += b[i..]
                    .iter()
                    .position(|&c| c == b'"' || c == b'\n')
                    .unwrap_or(b.len() - i);
                if b.get(start + 1).is_some_and(u8::is_ascii_digit) {
                    strings.push(start + 1..i);
                }
                i += 1;
            }
            c if word(c) => {
                i += b[i..].iter().position(|&c| !word(c)).unwrap_or(b.len() - i);
                if c.is_ascii_digit()
                    || (c == b'-' && b.get(start + 1).is_some_and(u8::is_ascii_digit))
                {
                    numbers.push(start..i);
                }
            }
            _ => i += 1,
        }
    }
    (numbers, strings)
}

pub fn apply_text_edit(text: &str, edit: &TextEdit) -> String {
    let replace = |ranges: Vec<Range<usize>>, i: &Index, by: &str| {
        if ranges.is_empty() {
            return text.to_string();
        }
        let r = &ranges[i.index(ranges.len())];
        format!("{}{by}{}", &text[..r.start], &text[r.end..])
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    match edit {
        TextEdit::Number(i, n) => replace(tokens(text).0, i, n),
        TextEdit::Duration(i, d) => replace(tokens(text).1, i, d),
        TextEdit::DropLine(i) if !lines.is_empty() => {
            let k = i.index(lines.len());
            [&lines[..k], &lines[k + 1..]].concat().concat()
        }
        TextEdit::DupLine(i) if !lines.is_empty() => {
            let k = i.index(lines.len());
            [&lines[..=k], &lines[k..]].concat().concat()
        }
        TextEdit::Bytes(i, bytes) => {
            let mut b = text.as_bytes().to_vec();
            let at = i.index(b.len() + 1);
            b.splice(at..at, bytes.iter().copied());
            String::from_utf8_lossy(&b).into_owned()
        }
        _ => text.to_string(),
    }
}

/// Bytes inserted into traces: separators, quotes, extremes, impossible dates.
const TRACE_BYTES: &[&str] = &[
    "\"",
    ",",
    "\n",
    "\r\n",
    "\0",
    "-1",
    "0",
    "4294967295",
    "18446744073709551616",
    "1e300",
    "NaN",
    "2026-02-31T09:00:00Z",
    "+9999",
    "2026-11-28T10:00:00+01:00",
    "[31/Feb/2026:09:00:00 +0000]",
];

#[derive(Clone, Debug)]
pub enum ByteEdit {
    Flip(Index, u8),
    Truncate(Index),
    Delete(Index, usize),
    Insert(Index, &'static str),
    InsertBytes(Index, Vec<u8>),
    DupLine(Index),
}

pub fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        3 => (any::<Index>(), 1..=255u8).prop_map(|(i, m)| ByteEdit::Flip(i, m)),
        1 => any::<Index>().prop_map(ByteEdit::Truncate),
        1 => (any::<Index>(), 1..64usize).prop_map(|(i, n)| ByteEdit::Delete(i, n)),
        2 => (any::<Index>(), select(TRACE_BYTES)).prop_map(|(i, s)| ByteEdit::Insert(i, s)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| ByteEdit::InsertBytes(i, b)),
        1 => any::<Index>().prop_map(ByteEdit::DupLine),
    ]
}

pub fn apply_byte_edit(b: &mut Vec<u8>, edit: &ByteEdit) {
    let at = |i: &Index| i.index(b.len() + 1);
    match edit {
        ByteEdit::Flip(i, mask) if !b.is_empty() => {
            let k = i.index(b.len());
            b[k] ^= mask;
        }
        ByteEdit::Truncate(i) => b.truncate(at(i)),
        ByteEdit::Delete(i, n) => {
            let k = at(i);
            b.drain(k..(k + n).min(b.len()));
        }
        ByteEdit::Insert(i, s) => {
            let k = at(i);
            b.splice(k..k, s.bytes());
        }
        ByteEdit::InsertBytes(i, bytes) => {
            let k = at(i);
            b.splice(k..k, bytes.iter().copied());
        }
        ByteEdit::DupLine(i) => {
            let k = at(i);
            let start = b[..k]
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |p| p + 1);
            let end = b[k..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| k + p + 1);
            let line = b[start..end].to_vec();
            b.splice(start..start, line);
        }
        ByteEdit::Flip(..) => {}
    }
}
