//! A small, bounds-checked reader of a TIFF-structured file's first IFD:
//! the tags of a DNG's IFD 0 that rawler does not read (the camera
//! profile's tables), and the whole of a DCP camera profile, a TIFF whose
//! magic number is `IIRC` / `MMCR` (0x4352) instead of 42.
//!
//! Every offset and count is checked against the file; nothing is
//! allocated for a value before its bytes are known to lie in the file.

use std::collections::BTreeMap;

/// TIFF's magic number.
pub const TIFF_MAGIC: u16 = 42;
/// A DCP's magic number ("RC" read little-endian after "II").
pub const DCP_MAGIC: u16 = 0x4352;

/// At most this many entries in the IFD (rawler's own limit).
const MAX_ENTRIES: usize = 4096;

/// One tag's value, as read.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Numbers of any numeric type (BYTE, SHORT, LONG, RATIONAL, SBYTE,
    /// SSHORT, SLONG, SRATIONAL, FLOAT, DOUBLE), as f64.
    Numbers(Vec<f64>),
    /// ASCII (or UTF-8, as DCP profile names are), up to its first NUL.
    Text(String),
    /// UNDEFINED and types TIFF does not define.
    Bytes(Vec<u8>),
}

/// The entries of a file's first IFD, by tag.
#[derive(Clone, Debug, Default)]
pub struct Ifd {
    pub entries: BTreeMap<u16, Value>,
    /// The file's byte order: little-endian (`II`).
    pub little: bool,
}

impl Ifd {
    /// The first IFD of `data`, which must start with `II` or `MM` and the
    /// magic number `magic`. `Err` holds the reason in a few words.
    pub fn read(data: &[u8], magic: u16) -> Result<Ifd, String> {
        let little = match data.get(..2) {
            Some(b"II") => true,
            Some(b"MM") => false,
            _ => return Err("not a TIFF-structured file (no II or MM byte order)".into()),
        };
        let file = File { data, little };
        let found = file.u16(2).ok_or("truncated header")?;
        if found != magic {
            return Err(format!(
                "magic number {found:#06x} where {magic:#06x} was expected"
            ));
        }
        let at = file.u32(4).ok_or("truncated header")? as usize;
        let count = file.u16(at).ok_or("the first IFD lies outside the file")? as usize;
        if count > MAX_ENTRIES {
            return Err(format!(
                "the first IFD claims {count} entries (at most {MAX_ENTRIES})"
            ));
        }
        let mut entries = BTreeMap::new();
        for i in 0..count {
            let e = at + 2 + 12 * i;
            let (Some(tag), Some(kind), Some(n)) = (file.u16(e), file.u16(e + 2), file.u32(e + 4))
            else {
                return Err("the first IFD runs past the end of the file".into());
            };
            let unit = match kind {
                1 | 2 | 6 | 7 => 1,
                3 | 8 => 2,
                4 | 9 | 11 => 4,
                5 | 10 | 12 => 8,
                _ => 1,
            };
            let size = unit * n as usize;
            let start = if size <= 4 {
                e + 8
            } else {
                file.u32(e + 8).ok_or("truncated IFD entry")? as usize
            };
            let bytes = start
                .checked_add(size)
                .and_then(|end| data.get(start..end))
                .ok_or_else(|| format!("tag {tag}'s value lies outside the file"))?;
            entries.insert(tag, file.value(kind, bytes, unit));
        }
        Ok(Ifd { entries, little })
    }

    /// A tag's numbers, where it has numbers.
    pub fn numbers(&self, tag: u16) -> Option<&[f64]> {
        match self.entries.get(&tag)? {
            Value::Numbers(v) => Some(v),
            _ => None,
        }
    }

    /// A tag's text, where it is text.
    pub fn text(&self, tag: u16) -> Option<&str> {
        match self.entries.get(&tag)? {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn has(&self, tag: u16) -> bool {
        self.entries.contains_key(&tag)
    }
}

/// Numbers read from bytes in a TIFF file's byte order (its IFDs, and
/// tags of type UNDEFINED that keep that order); `None` past the end.
pub struct File<'a> {
    pub data: &'a [u8],
    pub little: bool,
}

impl File<'_> {
    fn bytes<const N: usize>(&self, at: usize) -> Option<[u8; N]> {
        self.data.get(at..at.checked_add(N)?)?.try_into().ok()
    }

    pub fn u16(&self, at: usize) -> Option<u16> {
        self.bytes(at).map(|b| self.order16(b))
    }

    pub fn u32(&self, at: usize) -> Option<u32> {
        self.bytes(at).map(|b| self.order32(b))
    }

    pub fn f32(&self, at: usize) -> Option<f32> {
        self.u32(at).map(f32::from_bits)
    }

    pub fn f64(&self, at: usize) -> Option<f64> {
        self.bytes(at).map(|b| f64::from_bits(self.order64(b)))
    }

    /// A RATIONAL: `None` for a zero denominator.
    pub fn rational(&self, at: usize) -> Option<f64> {
        let (n, d) = (self.u32(at)?, self.u32(at + 4)?);
        (d != 0).then(|| n as f64 / d as f64)
    }

    fn order16(&self, b: [u8; 2]) -> u16 {
        if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    }

    fn order32(&self, b: [u8; 4]) -> u32 {
        if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    }

    fn order64(&self, b: [u8; 8]) -> u64 {
        if self.little {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        }
    }

    /// The value of type `kind` in `bytes`, `unit` bytes each.
    fn value(&self, kind: u16, bytes: &[u8], unit: usize) -> Value {
        if kind == 2 {
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            return Value::Text(String::from_utf8_lossy(&bytes[..end]).into_owned());
        }
        if !(matches!(kind, 1 | 3..=6 | 8..=12)) {
            return Value::Bytes(bytes.to_vec());
        }
        let numbers = bytes
            .chunks_exact(unit)
            .map(|c| {
                let u32_at = |i: usize| self.order32(c[i..i + 4].try_into().expect("4 bytes"));
                match kind {
                    1 => c[0] as f64,
                    6 => c[0] as i8 as f64,
                    3 => self.order16([c[0], c[1]]) as f64,
                    8 => self.order16([c[0], c[1]]) as i16 as f64,
                    4 => u32_at(0) as f64,
                    9 => u32_at(0) as i32 as f64,
                    11 => f32::from_bits(u32_at(0)) as f64,
                    5 => u32_at(0) as f64 / u32_at(4) as f64,
                    10 => u32_at(0) as i32 as f64 / u32_at(4) as i32 as f64,
                    _ => f64::from_bits(self.order64(c.try_into().expect("8 bytes"))),
                }
            })
            .collect();
        Value::Numbers(numbers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian file of one IFD holding `entries` (tag, type, count,
    /// value bytes).
    fn file(magic: u16, entries: &[(u16, u16, u32, Vec<u8>)]) -> Vec<u8> {
        let mut out = b"II".to_vec();
        out.extend(magic.to_le_bytes());
        out.extend(8u32.to_le_bytes());
        out.extend((entries.len() as u16).to_le_bytes());
        let mut data_at = 8 + 2 + 12 * entries.len() + 4;
        let mut data: Vec<u8> = Vec::new();
        for (tag, kind, count, bytes) in entries {
            out.extend(tag.to_le_bytes());
            out.extend(kind.to_le_bytes());
            out.extend(count.to_le_bytes());
            if bytes.len() <= 4 {
                let mut field = bytes.clone();
                field.resize(4, 0);
                out.extend(field);
            } else {
                out.extend((data_at as u32).to_le_bytes());
                data_at += bytes.len();
                data.extend(bytes);
            }
        }
        out.extend(0u32.to_le_bytes());
        out.extend(data);
        out
    }

    #[test]
    fn reads_numbers_and_text_and_checks_bounds() {
        let floats: Vec<u8> = [1.5f32, -2.0, 0.25]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let rational: Vec<u8> = [3u32, 4].iter().flat_map(|v| v.to_le_bytes()).collect();
        let bytes = file(
            DCP_MAGIC,
            &[
                (50936, 2, 5, b"Test\0".to_vec()),
                (50938, 11, 3, floats),
                (50964, 5, 1, rational),
                (50941, 4, 1, 1u32.to_le_bytes().to_vec()),
            ],
        );
        let ifd = Ifd::read(&bytes, DCP_MAGIC).unwrap();
        assert_eq!(ifd.text(50936), Some("Test"));
        assert_eq!(ifd.numbers(50938), Some(&[1.5, -2.0, 0.25][..]));
        assert_eq!(ifd.numbers(50964), Some(&[0.75][..]));
        assert_eq!(ifd.numbers(50941), Some(&[1.0][..]));
        assert!(Ifd::read(&bytes, TIFF_MAGIC).unwrap_err().contains("magic"));
        // Every truncation is an error or a smaller IFD, never a panic.
        for n in 0..bytes.len() {
            let _ = Ifd::read(&bytes[..n], DCP_MAGIC);
        }
        let mut huge = bytes.clone();
        huge[8 + 2 + 12 + 4..8 + 2 + 12 + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Ifd::read(&huge, DCP_MAGIC).unwrap_err().contains("outside"));
    }
}
