//! Tabular request logs: CSV (read with `csv`, one reused record) and Parquet (read with polars
//! one row group at a time), plus the Azure Functions 2021 trace, which is a CSV with fixed
//! columns.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use super::timestamp::{self, TimestampUnit};
use super::{Columns, Interner, ReplayError, Row, Source};

/// The Azure Functions 2021 trace: `app,func,end_timestamp,duration`, seconds from the trace's
/// start; a request started at end − duration.
pub(super) fn azure2021() -> Columns {
    Columns {
        timestamp: "end_timestamp".into(),
        unit: TimestampUnit::Seconds,
        timestamp_is_end: true,
        duration: Some("duration".into()),
        duration_scale_s: 1.0,
        function: vec!["app".into(), "func".into()],
        memory: None,
    }
}

const DURATION: &str = "a duration (a number, 0 or more)";
const MEMORY: &str = "a memory size in MB (a number above 0)";

fn io(path: &str, e: &dyn std::fmt::Display) -> ReplayError {
    ReplayError::Io {
        path: path.to_string(),
        reason: e.to_string(),
    }
}

fn missing(path: &str, column: &str, header: &[String]) -> ReplayError {
    ReplayError::MissingColumn {
        path: path.to_string(),
        column: column.to_string(),
        available: header.join(", "),
    }
}

/// Column positions in a header.
struct Positions {
    ts: usize,
    dur: Option<usize>,
    func: Vec<usize>,
    mem: Option<usize>,
}

impl Positions {
    fn find(path: &str, header: &[String], cols: &Columns) -> Result<Self, ReplayError> {
        let find = |name: &str| {
            header
                .iter()
                .position(|h| h.trim() == name)
                .ok_or_else(|| missing(path, name, header))
        };
        Ok(Positions {
            ts: find(&cols.timestamp)?,
            dur: cols.duration.as_deref().map(find).transpose()?,
            func: cols
                .function
                .iter()
                .map(|c| find(c))
                .collect::<Result<_, _>>()?,
            mem: cols.memory.as_deref().map(find).transpose()?,
        })
    }
}

/// One field of a row: text to parse, or a number already in seconds (or MB).
#[derive(Clone, Copy)]
enum Field<'a> {
    Text(Option<&'a str>),
    Num(Option<f64>),
}

impl Field<'_> {
    /// The value: parsed with `parse` from text, else the number; `Err` with the text found.
    fn value(self, parse: impl Fn(&str) -> Option<f64>) -> Result<f64, String> {
        match self {
            Field::Text(t) => t
                .map(str::trim)
                .and_then(parse)
                .ok_or_else(|| t.unwrap_or("").to_string()),
            Field::Num(n) => n.ok_or_else(|| "null".to_string()),
        }
    }
}

/// A row's fields, as [`Columns`] names them.
struct Fields<'a> {
    ts: Field<'a>,
    dur: Option<Field<'a>>,
    func: &'a [Option<&'a str>],
    mem: Option<Field<'a>>,
}

/// Turn one row's fields into a [`Row`]; `at` names the row in errors.
fn row_from(
    cols: &Columns,
    at: &dyn Fn() -> String,
    f: Fields,
    fns: &mut Interner,
    buf: &mut String,
) -> Result<Row, ReplayError> {
    let bad = |column: &str, value: String, expected| ReplayError::BadValue {
        at: at(),
        column: column.to_string(),
        value,
        expected,
    };
    let t =
        f.ts.value(|v| timestamp::parse(v, cols.unit))
            .map_err(|v| bad(&cols.timestamp, v, cols.unit.expected()))?;
    let number = |v: &str| v.parse::<f64>().ok();
    let dur = match (f.dur, &cols.duration) {
        (Some(field), Some(name)) => {
            let scale = match field {
                Field::Text(_) => cols.duration_scale_s,
                Field::Num(_) => 1.0,
            };
            Some(
                field
                    .value(number)
                    .ok()
                    .filter(|d| d.is_finite() && *d >= 0.0)
                    .ok_or_else(|| bad(name, text_of(field), DURATION))?
                    * scale,
            )
        }
        _ => None,
    };
    let mem = match (f.mem, &cols.memory) {
        (Some(field), Some(name)) => Some(
            field
                .value(number)
                .ok()
                .filter(|m| m.is_finite() && *m > 0.0)
                .ok_or_else(|| bad(name, text_of(field), MEMORY))?,
        ),
        _ => None,
    };
    let func = match f.func {
        [] => 0,
        [one] => fns.id(one.unwrap_or("").trim()),
        many => {
            buf.clear();
            for (i, part) in many.iter().enumerate() {
                if i > 0 {
                    buf.push('/');
                }
                buf.push_str(part.unwrap_or("").trim());
            }
            fns.id(buf)
        }
    };
    let t = match (cols.timestamp_is_end, dur) {
        (true, Some(d)) => t - d,
        _ => t,
    };
    Ok(Row { t, dur, func, mem })
}

/// A field as text, for an error message.
fn text_of(f: Field) -> String {
    match f {
        Field::Text(t) => t.unwrap_or("").to_string(),
        Field::Num(Some(n)) => format!("{n}"),
        Field::Num(None) => "null".to_string(),
    }
}

/// A CSV request log.
pub(super) struct CsvSource {
    rdr: csv::Reader<File>,
    record: csv::ByteRecord,
    path: String,
    cols: Columns,
    pos: Positions,
    buf: String,
}

impl CsvSource {
    pub(super) fn open(path: &Path, cols: &Columns) -> Result<Self, ReplayError> {
        let p = path.display().to_string();
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(path)
            .map_err(|e| io(&p, &e))?;
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| io(&p, &e))?
            .iter()
            .map(str::to_string)
            .collect();
        let pos = Positions::find(&p, &header, cols)?;
        Ok(CsvSource {
            rdr,
            record: csv::ByteRecord::new(),
            path: p,
            cols: cols.clone(),
            pos,
            buf: String::new(),
        })
    }
}

impl Source for CsvSource {
    fn named(&self) -> bool {
        !self.cols.function.is_empty()
    }

    fn next_row(&mut self, fns: &mut Interner) -> Option<Result<Row, ReplayError>> {
        match self.rdr.read_byte_record(&mut self.record) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => return Some(Err(io(&self.path, &e))),
        }
        let line = self.record.position().map_or(0, |p| p.line());
        let r = &self.record;
        let field = |i: usize| r.get(i).and_then(|b| std::str::from_utf8(b).ok());
        // One function column (the usual case) without allocating; several joined by row_from.
        let one: [Option<&str>; 1];
        let many: Vec<Option<&str>>;
        let func_fields: &[Option<&str>] = match self.pos.func.as_slice() {
            [] => &[],
            [i] => {
                one = [field(*i)];
                &one
            }
            idx => {
                many = idx.iter().map(|&i| field(i)).collect();
                &many
            }
        };
        let path = &self.path;
        Some(row_from(
            &self.cols,
            &|| format!("{path}:{line}"),
            Fields {
                ts: Field::Text(field(self.pos.ts)),
                dur: self.pos.dur.map(|i| Field::Text(field(i))),
                func: func_fields,
                mem: self.pos.mem.map(|i| Field::Text(field(i))),
            },
            fns,
            &mut self.buf,
        ))
    }
}

/// A column of one Parquet row group, as the row builder needs it.
enum Values {
    /// Numbers (scaled to seconds for times).
    Num(Vec<Option<f64>>),
    /// Text, parsed per row.
    Text(Vec<Option<String>>),
}

impl Values {
    /// Read `name` from `df` as text, whatever its type.
    fn text(df: &DataFrame, name: &str) -> PolarsResult<Values> {
        let s = df.column(name)?.cast(&DataType::String)?;
        Ok(Values::Text(
            s.str()?.iter().map(|v| v.map(str::to_string)).collect(),
        ))
    }

    /// Read `name` from `df`: temporal types to seconds, numbers to f64 times `scale`, text as is.
    fn of(df: &DataFrame, name: &str, scale: f64) -> PolarsResult<Values> {
        let col = df.column(name)?;
        let unit_s = |tu: &TimeUnit| match tu {
            TimeUnit::Nanoseconds => 1e-9,
            TimeUnit::Microseconds => 1e-6,
            TimeUnit::Milliseconds => 1e-3,
        };
        Ok(match col.dtype() {
            DataType::Datetime(tu, _) | DataType::Duration(tu) => {
                let k = unit_s(tu);
                let ints = col.cast(&DataType::Int64)?;
                Values::Num(
                    ints.i64()?
                        .iter()
                        .map(|v| v.map(|v| v as f64 * k))
                        .collect(),
                )
            }
            dt if dt.is_primitive_numeric() => {
                let f = col.cast(&DataType::Float64)?;
                Values::Num(f.f64()?.iter().map(|v| v.map(|v| v * scale)).collect())
            }
            _ => Self::text(df, name)?,
        })
    }
}

fn field_at(v: &Values, i: usize) -> Field<'_> {
    match v {
        Values::Num(n) => Field::Num(n[i]),
        Values::Text(t) => Field::Text(t[i].as_deref()),
    }
}

/// One row group's columns, as [`Columns`] names them.
struct Chunk {
    ts: Values,
    dur: Option<Values>,
    func: Vec<Values>,
    mem: Option<Values>,
    len: usize,
}

/// A Parquet request log, read one row group at a time.
pub(super) struct ParquetSource {
    path: std::path::PathBuf,
    display: String,
    cols: Columns,
    metadata: polars::io::parquet::metadata::FileMetadataRef,
    /// Rows in each row group not yet read.
    groups: std::collections::VecDeque<usize>,
    offset: usize,
    /// The row group being read (none before the first).
    chunk: Option<Chunk>,
    next: usize,
    buf: String,
}

impl ParquetSource {
    pub(super) fn open(path: &Path, cols: &Columns) -> Result<Self, ReplayError> {
        let p = path.display().to_string();
        let file = File::open(path).map_err(|e| io(&p, &e))?;
        let mut reader = ParquetReader::new(file);
        let metadata = reader.get_metadata().map_err(|e| io(&p, &e))?.clone();
        let schema = reader.schema().map_err(|e| io(&p, &e))?;
        let header: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
        Positions::find(&p, &header, cols)?;
        Ok(ParquetSource {
            path: path.to_path_buf(),
            display: p,
            cols: cols.clone(),
            groups: metadata.row_groups.iter().map(|g| g.num_rows()).collect(),
            metadata,
            offset: 0,
            chunk: None,
            next: 0,
            buf: String::new(),
        })
    }

    fn names(&self) -> Vec<&str> {
        let c = &self.cols;
        let mut v = vec![c.timestamp.as_str()];
        v.extend(c.duration.as_deref());
        v.extend(c.function.iter().map(String::as_str));
        v.extend(c.memory.as_deref());
        v
    }

    /// Read the next row group; `Ok(false)` at the end.
    fn load(&mut self) -> Result<bool, ReplayError> {
        let Some(n) = self.groups.pop_front() else {
            return Ok(false);
        };
        let p = &self.display;
        let file = File::open(&self.path).map_err(|e| io(p, &e))?;
        let mut reader = ParquetReader::new(file);
        reader.set_metadata(self.metadata.clone());
        let names = self.names();
        let mut unique: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        unique.sort();
        unique.dedup();
        let df = reader
            .with_columns(Some(unique))
            .with_slice(Some((self.offset, n)))
            .read_parallel(ParallelStrategy::None)
            .finish()
            .map_err(|e| io(p, &e))?;
        let c = &self.cols;
        let chunk = || -> PolarsResult<Chunk> {
            Ok(Chunk {
                ts: Values::of(&df, &c.timestamp, c.unit.scale_s())?,
                dur: c
                    .duration
                    .as_deref()
                    .map(|d| Values::of(&df, d, c.duration_scale_s))
                    .transpose()?,
                func: c
                    .function
                    .iter()
                    .map(|f| Values::text(&df, f))
                    .collect::<PolarsResult<_>>()?,
                mem: c
                    .memory
                    .as_deref()
                    .map(|m| Values::of(&df, m, 1.0))
                    .transpose()?,
                len: df.height(),
            })
        };
        self.chunk = Some(chunk().map_err(|e| io(p, &e))?);
        self.next = 0;
        self.offset += n;
        Ok(true)
    }
}

impl Source for ParquetSource {
    fn named(&self) -> bool {
        !self.cols.function.is_empty()
    }

    fn next_row(&mut self, fns: &mut Interner) -> Option<Result<Row, ReplayError>> {
        while self.next >= self.chunk.as_ref().map_or(0, |c| c.len) {
            match self.load() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    self.groups.clear();
                    return Some(Err(e));
                }
            }
        }
        let i = self.next;
        self.next += 1;
        let chunk = self.chunk.as_ref()?;
        let row_no = self.offset - chunk.len + i + 1;
        let display = &self.display;
        let at = || format!("{display} row {row_no}");
        let field = |v| field_at(v, i);
        let func_text: Vec<Option<&str>> = chunk
            .func
            .iter()
            .map(|v| match field(v) {
                Field::Text(t) => t,
                Field::Num(_) => None,
            })
            .collect();
        Some(row_from(
            &self.cols,
            &at,
            Fields {
                ts: field(&chunk.ts),
                dur: chunk.dur.as_ref().map(field),
                func: &func_text,
                mem: chunk.mem.as_ref().map(field),
            },
            fns,
            &mut self.buf,
        ))
    }
}
