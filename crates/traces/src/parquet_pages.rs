//! A check of a Parquet column chunk's page headers before polars decodes it: polars trusts
//! a page's value count and sizes (a negative count became a 2^61-byte allocation and an
//! abort), so each header is read here — Thrift compact protocol, as the Parquet format
//! specifies it (`parquet.thrift`, `PageHeader`; Apache Thrift compact protocol spec) — and
//! its counts and sizes bounded first.

/// Largest uncompressed page, bytes (512 MiB): writers use pages of about 1 MiB (parquet-mr and
/// pyarrow default to 1 MiB), a dictionary page may be some tens of MB; polars allocates the
/// stated size before decompressing.
pub(super) const MAX_PAGE_BYTES: i64 = 512 << 20;

/// Deepest nesting of Thrift structs skipped (page statistics nest 2 levels).
const MAX_DEPTH: u32 = 16;

/// A Thrift compact-protocol reader over bytes; every read is bounds-checked.
struct Thrift<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Thrift<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let v = *self
            .b
            .get(self.pos)
            .ok_or("a page header runs past its chunk")?;
        self.pos += 1;
        Ok(v)
    }

    fn advance(&mut self, n: u64) -> Result<(), String> {
        let end = usize::try_from(n)
            .ok()
            .and_then(|n| self.pos.checked_add(n))
            .filter(|&e| e <= self.b.len())
            .ok_or("a page header runs past its chunk")?;
        self.pos = end;
        Ok(())
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v: u64 = 0;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("a page header has a malformed number".into())
    }

    fn zigzag(&mut self) -> Result<i64, String> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn i32(&mut self) -> Result<i64, String> {
        let v = self.zigzag()?;
        i32::try_from(v)
            .map(i64::from)
            .map_err(|_| format!("a page header has {v} where a 32-bit number belongs"))
    }

    /// Read a struct's fields, giving each to `on` (which returns whether it read it); the
    /// others are skipped.
    fn fields(
        &mut self,
        depth: u32,
        on: &mut dyn FnMut(&mut Self, i16, u8) -> Result<bool, String>,
    ) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("a page header nests too deeply".into());
        }
        let mut last: i16 = 0;
        loop {
            let h = self.byte()?;
            if h == 0 {
                return Ok(());
            }
            let ty = h & 0x0f;
            let delta = i16::from(h >> 4);
            let id = if delta != 0 {
                last.wrapping_add(delta)
            } else {
                self.zigzag()? as i16
            };
            last = id;
            if !on(self, id, ty)? {
                self.skip(ty, depth)?;
            }
        }
    }

    fn skip(&mut self, ty: u8, depth: u32) -> Result<(), String> {
        match ty {
            1 | 2 => Ok(()), // a boolean field: the value is its type
            3 => self.byte().map(drop),
            4..=6 => self.varint().map(drop),
            7 => self.advance(8),
            8 => {
                let n = self.varint()?;
                self.advance(n)
            }
            9 | 10 => {
                let h = self.byte()?;
                let n = match h >> 4 {
                    15 => self.varint()?,
                    n => u64::from(n),
                };
                // Every element takes at least one byte, so a false count ends at the chunk's end.
                for _ in 0..n {
                    match h & 0x0f {
                        1 | 2 => self.byte().map(drop)?, // booleans in a list take a byte
                        et => self.skip(et, depth + 1)?,
                    }
                }
                Ok(())
            }
            11 => {
                let n = self.varint()?;
                if n > 0 {
                    let kv = self.byte()?;
                    for _ in 0..n {
                        self.skip(kv >> 4, depth + 1)?;
                        self.skip(kv & 0x0f, depth + 1)?;
                    }
                }
                Ok(())
            }
            12 => self.fields(depth + 1, &mut |_, _, _| Ok(false)),
            t => Err(format!("a page header has a field of unknown type {t}")),
        }
    }
}

/// One page header: its type, sizes (bytes) and values (`None` for index pages).
#[derive(Debug, Default, PartialEq)]
struct PageHeader {
    kind: i64,
    uncompressed: i64,
    compressed: i64,
    values: Option<i64>,
}

fn page_header(t: &mut Thrift) -> Result<PageHeader, String> {
    let mut h = PageHeader {
        kind: -1,
        uncompressed: -1,
        compressed: -1,
        values: None,
    };
    t.fields(0, &mut |t, id, ty| {
        Ok(match (id, ty) {
            (1, 5) => {
                h.kind = t.i32()?;
                true
            }
            (2, 5) => {
                h.uncompressed = t.i32()?;
                true
            }
            (3, 5) => {
                h.compressed = t.i32()?;
                true
            }
            // data_page_header, dictionary_page_header, data_page_header_v2: num_values first.
            (5 | 7 | 8, 12) => {
                let mut values = None;
                t.fields(1, &mut |t, id, ty| {
                    Ok(if (id, ty) == (1, 5) {
                        values = Some(t.i32()?);
                        true
                    } else {
                        false
                    })
                })?;
                h.values = values.or(Some(-1));
                true
            }
            _ => false,
        })
    })?;
    Ok(h)
}

/// Check the pages of one column chunk (`bytes`, the chunk as the file holds it) of a row group
/// of `rows` rows: every header readable, sizes within the chunk and [`MAX_PAGE_BYTES`], value
/// counts from 0 to `rows` (a flat column holds one value, or null, per row).
pub(super) fn check_chunk(bytes: &[u8], rows: usize) -> Result<(), String> {
    let mut t = Thrift { b: bytes, pos: 0 };
    let mut page = 0u64;
    while t.pos < bytes.len() {
        page += 1;
        let h = page_header(&mut t).map_err(|e| format!("page {page}: {e}"))?;
        let bad = |what: &str, v: i64, allowed: String| {
            Err(format!("page {page}: {what} {v} ({allowed})"))
        };
        if !(0..=3).contains(&h.kind) {
            return bad("page type", h.kind, "allowed: 0 to 3".into());
        }
        if !(0..=MAX_PAGE_BYTES).contains(&h.uncompressed) {
            return bad(
                "uncompressed size",
                h.uncompressed,
                format!("allowed: 0 to {MAX_PAGE_BYTES} bytes"),
            );
        }
        let left = bytes.len() - t.pos;
        if h.compressed < 0 || h.compressed as u64 > left as u64 {
            return bad(
                "compressed size",
                h.compressed,
                format!("allowed: 0 to the {left} bytes left in the column chunk"),
            );
        }
        match (h.kind, h.values) {
            (1, _) => {} // an index page
            (_, Some(v)) if (0..=rows as i64).contains(&v) => {}
            (_, v) => {
                return bad(
                    "number of values",
                    v.unwrap_or(-1),
                    format!("allowed: 0 to the row group's {rows} rows"),
                );
            }
        }
        t.advance(h.compressed as u64)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A data page header by hand: type 0 (DATA_PAGE), sizes 100 and 80, data_page_header
    /// { num_values 3, encoding 0, definition and repetition level encodings 3 }, then 80 bytes.
    fn page(values: u8) -> Vec<u8> {
        // Field headers: delta 1, type 5 (i32) = 0x15; zigzag(0) = 0, zigzag(100) = 200 =
        // 0xc8 0x01, zigzag(80) = 160 = 0xa0 0x01; field 5 (delta 2, struct) = 0x2c.
        let mut b = vec![0x15, 0x00, 0x15, 0xc8, 0x01, 0x15, 0xa0, 0x01, 0x2c];
        b.extend([0x15, values, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00]);
        b.extend([0u8; 80]);
        b
    }

    #[test]
    fn page_headers_are_read_and_bounded() {
        // zigzag(3) = 6: three values in a row group of 3 rows.
        assert_eq!(check_chunk(&page(6), 3), Ok(()));
        let two = [page(6), page(6)].concat();
        assert_eq!(check_chunk(&two, 3), Ok(()));
        // zigzag(−1) = 1: a negative count, the input that aborted allocating 2^61 bytes.
        assert_eq!(
            check_chunk(&page(1), 3),
            Err("page 1: number of values -1 (allowed: 0 to the row group's 3 rows)".into())
        );
        // 4 values in a row group of 3 rows.
        assert!(check_chunk(&page(8), 3).is_err());
        // The page's data cut short, and a header cut short.
        assert!(check_chunk(&page(6)[..50], 3).is_err());
        assert!(check_chunk(&page(6)[..5], 3).is_err());
        assert!(check_chunk(&[0xff; 40], 3).is_err());
    }
}
