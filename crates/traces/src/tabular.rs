//! Tabular request logs: CSV (read with `csv`, one reused record) and Parquet (read with polars
//! one row group at a time), plus the Azure Functions 2021 trace, which is a CSV with fixed
//! columns.

use std::fs::File;
use std::path::Path;

use polars::io::parquet::metadata::FileMetadata;
use polars::prelude::*;

use super::input::{self, LineLimit};
use super::parquet_pages;
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

/// Longest duration of a trace row, seconds: 366 days, the longest horizon a scenario may have
/// (a longer request could never end within a run; larger numbers are corrupt data).
const MAX_DURATION_S: f64 = 366.0 * 86_400.0;
const DURATION: &str = "a duration (a number, 0 or more, at most 366 days)";
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
            .ok()
            .filter(|&t| timestamp::in_range(t))
            .ok_or_else(|| bad(&cols.timestamp, text_of(f.ts), cols.unit.expected()))?;
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
                    .map(|d| d * scale)
                    .filter(|d| (0.0..=MAX_DURATION_S).contains(d))
                    .ok_or_else(|| bad(name, text_of(field), DURATION))?,
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
    // Within range: |t| ≤ 2.6e11 s and d ≤ 3.2e7 s, so t − d is finite.
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
    rdr: csv::Reader<LineLimit<File>>,
    record: csv::ByteRecord,
    path: String,
    cols: Columns,
    pos: Positions,
    buf: String,
}

impl CsvSource {
    pub(super) fn open(path: &Path, cols: &Columns) -> Result<Self, ReplayError> {
        let p = path.display().to_string();
        let (file, _) = input::open_regular(path)?;
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(LineLimit::new(file));
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| io(&p, &e))?
            .iter()
            .map(str::to_string)
            .collect();
        if header.iter().any(|h| h.contains(['\n', '\r'])) {
            return Err(input::open_quote(&p, 1));
        }
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
        if input::spans_lines(&self.record) {
            return Some(Err(input::open_quote(&self.path, line)));
        }
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

    /// Read `name` from `df`: timestamps (Datetime, seconds since the epoch in UTC whatever the
    /// column's zone) and durations to seconds from their integer ticks, numbers to f64 times
    /// `scale`, text as is.
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
                let ticks = col.to_physical_repr();
                Values::Num(
                    ticks
                        .i64()?
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

    fn len(&self) -> usize {
        match self {
            Values::Num(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }
}

fn field_at(v: &Values, i: usize) -> Field<'_> {
    match v {
        Values::Num(n) => Field::Num(n.get(i).copied().flatten()),
        Values::Text(t) => Field::Text(t.get(i).and_then(|s| s.as_deref())),
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

/// Most rows of one Parquet row group: 2^26 = 67,108,864, pyarrow's former default
/// `row_group_size` (polars writes 512² = 262,144, pyarrow today 1,048,576). A row group is
/// read whole, so this bounds the memory a replay takes (some GB at the limit); a file claiming
/// more is refused before anything is allocated for it.
pub const MAX_ROW_GROUP_ROWS: usize = 1 << 26;

/// The footer of a Parquet file of `size` bytes: where its data ends (the metadata starts).
fn parquet_data_end(file: &mut File, size: u64) -> Result<u64, String> {
    use std::io::{Read, Seek, SeekFrom};
    if size < 12 {
        return Err(format!(
            "{size} bytes; a Parquet file has at least 12 (PAR1, footer, PAR1)"
        ));
    }
    let mut head = [0u8; 4];
    let mut tail = [0u8; 8];
    file.read_exact(&mut head).map_err(|e| e.to_string())?;
    file.seek(SeekFrom::End(-8)).map_err(|e| e.to_string())?;
    file.read_exact(&mut tail).map_err(|e| e.to_string())?;
    if &head != b"PAR1" || &tail[4..] != b"PAR1" {
        return Err("it does not start and end with PAR1".into());
    }
    let meta_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    (size - 8)
        .checked_sub(meta_len)
        .filter(|&end| end >= 4)
        .ok_or_else(|| {
            format!("its footer claims {meta_len} bytes of metadata in a {size}-byte file")
        })
}

/// Check what polars trusts in a Parquet footer before it reads any data: every column chunk
/// within the file's data (between the leading PAR1 and the metadata) with sizes and counts of
/// 0 or more, every row group within [`MAX_ROW_GROUP_ROWS`], and the row groups' rows adding
/// up to the file's. Corrupt values here made polars index out of bounds or abort allocating
/// exabytes.
fn check_parquet(md: &FileMetadata, data_end: u64) -> Result<(), String> {
    let mut rows: usize = 0;
    for (g, rg) in md.row_groups.iter().enumerate() {
        let g = g + 1;
        let n = rg.num_rows();
        if n > MAX_ROW_GROUP_ROWS {
            return Err(format!(
                "row group {g} has {n} rows; at most {MAX_ROW_GROUP_ROWS} are read at once (write the file with smaller row groups)"
            ));
        }
        rows = rows.saturating_add(n);
        if n == 0 {
            continue; // never read (writers leave its offsets at 0)
        }
        for c in rg.parquet_columns() {
            let name = c.descriptor().path_in_schema.join(".");
            let at = |what: &str, v: i64, allowed: String| {
                format!("row group {g}, column \"{name}\": {what} {v} ({allowed})")
            };
            let start = c.dictionary_page_offset().unwrap_or(c.data_page_offset());
            for (what, v) in [
                ("data page offset", c.data_page_offset()),
                (
                    "dictionary page offset",
                    c.dictionary_page_offset().unwrap_or(4),
                ),
            ] {
                if v < 4 || v as u64 >= data_end {
                    return Err(at(
                        what,
                        v,
                        format!(
                            "allowed: 4 to {}, within the file's data",
                            data_end.saturating_sub(1)
                        ),
                    ));
                }
            }
            let len = c.compressed_size();
            if len < 0 || (start as u64).saturating_add(len as u64) > data_end {
                return Err(at(
                    "compressed size",
                    len,
                    format!(
                        "allowed: 0 to {}, the bytes from the chunk's start at {start} to the end of the file's data",
                        data_end.saturating_sub(start as u64)
                    ),
                ));
            }
            if c.uncompressed_size() < 0 {
                return Err(at(
                    "uncompressed size",
                    c.uncompressed_size(),
                    "allowed: 0 or more".into(),
                ));
            }
            let values = c.num_values();
            if values < 0 || values as u64 > MAX_ROW_GROUP_ROWS as u64 {
                return Err(at(
                    "number of values",
                    values,
                    format!("allowed: 0 to {MAX_ROW_GROUP_ROWS}"),
                ));
            }
        }
    }
    if rows != md.num_rows {
        return Err(format!(
            "its row groups hold {rows} rows, its footer says {}",
            md.num_rows
        ));
    }
    Ok(())
}

/// A Parquet request log, read one row group at a time: each read is given the metadata of
/// that row group alone, so reading a file takes time linear in its rows whatever the number
/// of row groups. The footer is checked first ([`check_parquet`]) and every call into polars
/// runs [`input::guarded`], so corrupt bytes give an error, never a panic.
pub(super) struct ParquetSource {
    path: std::path::PathBuf,
    display: String,
    cols: Columns,
    /// The file's size when opened (a different size later: the file changed).
    size: u64,
    metadata: polars::io::parquet::metadata::FileMetadataRef,
    /// The metadata without its row groups; each read adds the one it reads.
    template: FileMetadata,
    /// The next row group to read.
    group: usize,
    /// Rows in the row groups read so far.
    offset: usize,
    /// The row group being read (none before the first).
    chunk: Option<Chunk>,
    next: usize,
    buf: String,
}

/// `len` bytes of `file` from `start`.
fn read_range(file: &mut File, start: u64, len: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(len).read_to_end(&mut bytes)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(bytes)
}

/// "not a valid Parquet file" with `why`.
fn corrupt(path: &str, why: &str) -> ReplayError {
    io(path, &format!("not a valid Parquet file: {why}"))
}

impl ParquetSource {
    pub(super) fn open(path: &Path, cols: &Columns) -> Result<Self, ReplayError> {
        let p = path.display().to_string();
        let (mut file, size) = input::open_regular(path)?;
        let data_end = parquet_data_end(&mut file, size).map_err(|e| corrupt(&p, &e))?;
        let read = input::guarded(|| -> PolarsResult<_> {
            let mut reader = ParquetReader::new(file);
            let metadata = reader.get_metadata()?.clone();
            let schema = reader.schema()?;
            Ok((metadata, schema))
        });
        let (metadata, schema) = read
            .map_err(|panic| corrupt(&p, &format!("its footer cannot be decoded ({panic})")))?
            .map_err(|e| io(&p, &e))?;
        check_parquet(&metadata, data_end).map_err(|e| corrupt(&p, &e))?;
        let header: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
        Positions::find(&p, &header, cols)?;
        // Timestamps and durations are read (polars' dtype-datetime and dtype-duration); dates
        // and times of day carry no instant a replay could use: say so, and what to write.
        for name in [
            Some(&cols.timestamp),
            cols.duration.as_ref(),
            cols.memory.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            let dtype = schema.get(name.as_str()).map(|f| f.dtype());
            if let Some(
                dt @ (ArrowDataType::Date32
                | ArrowDataType::Date64
                | ArrowDataType::Time32(_)
                | ArrowDataType::Time64(_)),
            ) = dtype
            {
                return Err(io(
                    &p,
                    &format!(
                        "column \"{name}\" is a Parquet {dt:?} column, which holds no instant to replay; store times as Parquet timestamps or as numbers (seconds, ms or µs since the epoch, with timestamp_unit) and durations as numbers (with duration_unit)"
                    ),
                ));
            }
        }
        let mut template = (*metadata).clone();
        template.row_groups = Vec::new();
        Ok(ParquetSource {
            path: path.to_path_buf(),
            display: p,
            cols: cols.clone(),
            size,
            metadata,
            template,
            group: 0,
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

    /// Read the next row group that has rows; `Ok(false)` at the end.
    fn load(&mut self) -> Result<bool, ReplayError> {
        let (g, n) = loop {
            let Some(rg) = self.metadata.row_groups.get(self.group) else {
                return Ok(false);
            };
            self.group += 1;
            if rg.num_rows() > 0 {
                break (self.group - 1, rg.num_rows());
            }
        };
        let p = &self.display;
        let (file, size) = input::open_regular(&self.path)?;
        if size != self.size {
            return Err(io(
                p,
                &format!(
                    "the file changed while being read ({size} bytes now, {} before)",
                    self.size
                ),
            ));
        }
        let mut unique: Vec<String> = self.names().iter().map(|s| s.to_string()).collect();
        unique.sort();
        unique.dedup();
        let rg = &self.metadata.row_groups[g];
        let mut file = file;
        for name in &unique {
            for c in rg.columns_under_root_iter(name).into_iter().flatten() {
                let r = c.byte_range(); // within the file: checked by check_parquet
                let bytes =
                    read_range(&mut file, r.start, r.end - r.start).map_err(|e| io(p, &e))?;
                parquet_pages::check_chunk(&bytes, n).map_err(|e| {
                    corrupt(p, &format!("row group {}, column \"{name}\": {e}", g + 1))
                })?;
            }
        }
        let mut one = self.template.clone();
        one.row_groups.push(self.metadata.row_groups[g].clone());
        one.num_rows = n;
        one.max_row_group_height = n;
        let c = &self.cols;
        let read = input::guarded(|| -> PolarsResult<Chunk> {
            let mut reader = ParquetReader::new(file);
            reader.set_metadata(Arc::new(one));
            let df = reader
                .with_columns(Some(unique))
                .read_parallel(ParallelStrategy::None)
                .finish()?;
            let chunk = Chunk {
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
            };
            Ok(chunk)
        });
        let chunk = read
            .map_err(|panic| {
                corrupt(
                    p,
                    &format!("row group {} cannot be decoded ({panic})", g + 1),
                )
            })?
            .map_err(|e| io(p, &e))?;
        if chunk.len != n {
            return Err(corrupt(
                p,
                &format!(
                    "row group {} holds {} rows, its metadata says {n}",
                    g + 1,
                    chunk.len
                ),
            ));
        }
        let c = &self.cols;
        let named = [
            (Some(&chunk.ts), Some(c.timestamp.as_str())),
            (chunk.dur.as_ref(), c.duration.as_deref()),
            (chunk.mem.as_ref(), c.memory.as_deref()),
        ]
        .into_iter()
        .filter_map(|(v, name)| Some((v?, name?)))
        .chain(chunk.func.iter().zip(c.function.iter().map(String::as_str)));
        for (values, name) in named {
            if values.len() != n {
                return Err(corrupt(
                    p,
                    &format!(
                        "row group {}, column \"{name}\": {} values for the row group's {n} rows",
                        g + 1,
                        values.len()
                    ),
                ));
            }
        }
        self.chunk = Some(chunk);
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
                    self.group = self.metadata.row_groups.len(); // no more rows after an error
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
