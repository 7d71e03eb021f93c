//! `--request-log`: every request (or a deterministic sample) as Parquet, streamed in batches so
//! memory stays flat however many requests there are. One file per variant,
//! `requests/<variant>.parquet`, each with a `variant` column: read them all at once with
//! `pl.read_parquet("requests/*.parquet")`.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use scalesim_core::metrics::{RequestRecord, RequestSink};

/// Rows buffered before a batch goes to the file.
const BATCH: usize = 65_536;

/// Writes request records to one Parquet file, keeping each with probability `rate`.
pub struct ParquetRequestLog {
    variant: String,
    /// Names of the traffic's functions (empty: it names none, and the file has no column).
    functions: Vec<String>,
    function: Vec<u32>,
    rate: f64,
    seed: u64,
    seen: u64,
    writer: Option<polars::io::parquet::write::BatchedWriter<File>>,
    path: PathBuf,
    arrival_s: Vec<f64>,
    start_s: Vec<Option<f64>>,
    end_s: Vec<Option<f64>>,
    cold: Vec<bool>,
    outcome: Vec<&'static str>,
    error: Option<PolarsError>,
}

fn schema(functions: bool) -> Schema {
    let mut fields = vec![Field::new("variant".into(), DataType::String)];
    if functions {
        fields.push(Field::new("function".into(), DataType::String));
    }
    fields.extend([
        Field::new("arrival_s".into(), DataType::Float64),
        Field::new("start_s".into(), DataType::Float64),
        Field::new("end_s".into(), DataType::Float64),
        Field::new("cold".into(), DataType::Boolean),
        Field::new("outcome".into(), DataType::String),
    ]);
    Schema::from_iter(fields)
}

/// A uniform number in [0, 1) from a counter, the same on every run (SplitMix64).
fn unit(seed: u64, n: u64) -> f64 {
    let mut z = seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

impl ParquetRequestLog {
    /// Start writing `path` for `variant`, keeping a fraction `rate` (0–1] of requests, chosen
    /// from `seed` the same way on every run; `functions` names the traffic's functions (a
    /// `function` column), or is empty.
    pub fn create(
        path: &Path,
        variant: &str,
        functions: Vec<String>,
        rate: f64,
        seed: u64,
    ) -> PolarsResult<Self> {
        let file = File::create(path)?;
        let writer = ParquetWriter::new(file).batched(&schema(!functions.is_empty()))?;
        Ok(ParquetRequestLog {
            variant: variant.to_string(),
            functions,
            function: Vec::new(),
            rate,
            seed,
            seen: 0,
            writer: Some(writer),
            path: path.to_path_buf(),
            arrival_s: Vec::with_capacity(BATCH),
            start_s: Vec::with_capacity(BATCH),
            end_s: Vec::with_capacity(BATCH),
            cold: Vec::with_capacity(BATCH),
            outcome: Vec::with_capacity(BATCH),
            error: None,
        })
    }

    fn flush(&mut self) -> PolarsResult<()> {
        if self.arrival_s.is_empty() {
            return Ok(());
        }
        let n = self.arrival_s.len();
        let mut df = df!(
            "variant" => vec![self.variant.as_str(); n],
            "arrival_s" => std::mem::take(&mut self.arrival_s),
            "start_s" => std::mem::take(&mut self.start_s),
            "end_s" => std::mem::take(&mut self.end_s),
            "cold" => std::mem::take(&mut self.cold),
            "outcome" => std::mem::take(&mut self.outcome),
        )?;
        if !self.functions.is_empty() {
            let names: Vec<&str> = self
                .function
                .drain(..)
                .map(|f| self.functions[f as usize].as_str())
                .collect();
            df.insert_column(1, Column::new("function".into(), names))?;
        }
        if let Some(w) = &mut self.writer {
            w.write_batch(&df)?;
        }
        Ok(())
    }

    /// Write what is buffered and close the file; reports the first error met while logging.
    pub fn finish(mut self) -> PolarsResult<PathBuf> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.flush()?;
        if let Some(w) = self.writer.take() {
            w.finish()?;
        }
        Ok(self.path.clone())
    }
}

impl RequestSink for ParquetRequestLog {
    fn record(&mut self, r: RequestRecord) {
        let n = self.seen;
        self.seen += 1;
        if self.error.is_some() || (self.rate < 1.0 && unit(self.seed, n) >= self.rate) {
            return;
        }
        self.arrival_s.push(r.arrival.as_secs_f64());
        self.start_s.push(r.start.map(|t| t.as_secs_f64()));
        self.end_s.push(r.end.map(|t| t.as_secs_f64()));
        self.cold.push(r.cold);
        self.outcome.push(r.outcome.name());
        if !self.functions.is_empty() {
            self.function.push(r.function);
        }
        if self.arrival_s.len() >= BATCH
            && let Err(e) = self.flush()
        {
            self.error = Some(e);
        }
    }
}
