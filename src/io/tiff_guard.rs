//! A check of a TIFF-structured raw file (DNG, CR2, NEF, ARW, PEF, SRW,
//! ORF, RW2, ...) made before rawler sees it. rawler follows IFD pointers
//! without noticing loops (memory grows without bound), and allocates the
//! pixels an IFD claims before it reads the compressed data that should
//! fill them (a 786 KB file claiming 100000x100000 pixels took 8 GB). So:
//!
//! - every IFD lies inside the file and is reached once: the next-IFD chain,
//!   SubIFDs, the EXIF and GPS IFDs; a pointer back to any IFD already seen
//!   is refused (a loop, or a diamond of shared IFDs that rawler would parse
//!   over and over);
//! - at most [`MAX_IFDS`] IFDs and [`MAX_ENTRIES`] entries each;
//! - every tag's value lies inside the file;
//! - each image's samples (width x height x samples per pixel) are within
//!   the pixel limit ([`super::max_pixels`]), with bits per sample in
//!   1..=32 and tiles of non-zero size;
//! - its strips or tiles hold at least the fewest bytes its compression
//!   can pack the samples into (`min_bits_per_sample`).
//!
//! Files of other structures (CR3, RAF, ...) are left to rawler; the pixel
//! limit is checked again on what it decodes.

/// More IFDs than real files hold (a CR2 has four, a DNG a few plus
/// previews) with room to spare.
pub const MAX_IFDS: usize = 256;

/// rawler's own limit of entries per IFD.
pub const MAX_ENTRIES: usize = 4096;

/// Tags whose values point to further IFDs: SubIFDs, ExifIFD, GPSInfo.
const IFD_POINTERS: [u16; 3] = [330, 34665, 34853];

const WIDTH: u16 = 256;
const HEIGHT: u16 = 257;
const BITS_PER_SAMPLE: u16 = 258;
const COMPRESSION: u16 = 259;
const PHOTOMETRIC: u16 = 262;
const STRIP_BYTE_COUNTS: u16 = 279;
const SAMPLES_PER_PIXEL: u16 = 277;
const TILE_WIDTH: u16 = 322;
const TILE_LENGTH: u16 = 323;
const TILE_BYTE_COUNTS: u16 = 325;

/// Check `data` if it is TIFF-structured; `Err` holds the reason.
pub fn check(data: &[u8], max_pixels: u64) -> Result<(), String> {
    let little = match data.get(..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return Ok(()),
    };
    let file = File { data, little };
    // TIFF, and the magic numbers of Panasonic and Olympus (as rawler reads).
    if !matches!(file.u16(2), Some(42 | 85 | 21330 | 20306)) {
        return Ok(());
    }
    let first = file.u32(4).ok_or("truncated TIFF header")?;
    let mut seen = std::collections::HashSet::new();
    let mut todo = vec![first];
    while let Some(offset) = todo.pop() {
        if offset == 0 {
            continue;
        }
        if !seen.insert(offset) {
            return Err(format!(
                "corrupt TIFF structure: the IFD at offset {offset} is linked to twice (a loop)"
            ));
        }
        if seen.len() > MAX_IFDS {
            return Err(format!("corrupt TIFF structure: more than {MAX_IFDS} IFDs"));
        }
        let ifd = file.ifd(offset)?;
        ifd.check_image(max_pixels)?;
        for entry in &ifd.entries {
            if IFD_POINTERS.contains(&entry.tag) && matches!(entry.kind, 4 | 13) {
                todo.extend(entry.values(&file));
            }
        }
        todo.extend(ifd.next);
    }
    Ok(())
}

struct File<'a> {
    data: &'a [u8],
    little: bool,
}

impl File<'_> {
    fn bytes<const N: usize>(&self, at: u64) -> Option<[u8; N]> {
        let at = usize::try_from(at).ok()?;
        self.data.get(at..at.checked_add(N)?)?.try_into().ok()
    }

    fn u16(&self, at: u64) -> Option<u16> {
        let b = self.bytes(at)?;
        Some(if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32(&self, at: u64) -> Option<u32> {
        let b = self.bytes(at)?;
        Some(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn ifd(&self, offset: u32) -> Result<Ifd<'_>, String> {
        let at = offset as u64;
        let outside =
            || format!("corrupt TIFF structure: IFD at offset {offset} lies outside the file");
        let count = self.u16(at).ok_or_else(outside)? as usize;
        if count > MAX_ENTRIES {
            return Err(format!(
                "corrupt TIFF structure: IFD at offset {offset} claims {count} entries (at most {MAX_ENTRIES})"
            ));
        }
        let mut entries = Vec::with_capacity(count);
        for i in 0..count as u64 {
            let e = at + 2 + 12 * i;
            let (Some(tag), Some(kind), Some(n)) = (self.u16(e), self.u16(e + 2), self.u32(e + 4))
            else {
                return Err(outside());
            };
            let entry = Entry {
                tag,
                kind,
                count: n,
                field: e + 8,
            };
            let size = entry.size();
            if size > 4 {
                let start = self.u32(entry.field).ok_or_else(outside)? as u64;
                if start + size > self.data.len() as u64 {
                    return Err(format!(
                        "corrupt TIFF structure: tag {tag}'s value ({size} bytes at offset {start}) lies outside the file"
                    ));
                }
            }
            entries.push(entry);
        }
        // A missing next-IFD pointer at the end of the file ends the chain,
        // as rawler reads it.
        let next = self.u32(at + 2 + 12 * count as u64);
        Ok(Ifd {
            offset,
            entries,
            next,
            file: self,
        })
    }
}

/// One IFD entry: its value is in `field` (4 bytes) or at the offset there.
struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    field: u64,
}

impl Entry {
    /// Bytes of the value as rawler reads it: a type it does not know (0,
    /// or above 12) as bytes, which it allocates and reads all the same.
    fn size(&self) -> u64 {
        let unit = match self.kind {
            3 | 8 => 2,
            4 | 9 | 11 => 4,
            5 | 10 | 12 => 8,
            _ => 1,
        };
        unit * self.count as u64
    }

    /// The unsigned integer values (SHORT, LONG, IFD); none for other
    /// types. They lie inside the file: [`File::ifd`] checked that.
    fn values<'a>(&self, file: &'a File) -> impl Iterator<Item = u32> + 'a {
        let unit = match self.kind {
            3 => 2,
            4 | 13 => 4,
            _ => 0,
        };
        let inline = unit * self.count as u64 <= 4;
        let at = if inline {
            Some(self.field)
        } else {
            file.u32(self.field).map(u64::from)
        };
        let count = if unit == 0 { 0 } else { self.count as u64 };
        (0..count).map_while(move |i| {
            let at = at? + unit * i;
            if unit == 2 {
                file.u16(at).map(u32::from)
            } else {
                file.u32(at)
            }
        })
    }
}

struct Ifd<'a> {
    offset: u32,
    entries: Vec<Entry>,
    next: Option<u32>,
    file: &'a File<'a>,
}

impl Ifd<'_> {
    fn values(&self, tag: u16) -> Option<impl Iterator<Item = u32> + '_> {
        let entry = self.entries.iter().find(|e| e.tag == tag)?;
        Some(entry.values(self.file))
    }

    fn first(&self, tag: u16) -> Option<u32> {
        self.values(tag)?.next()
    }

    /// The decode budget of the image this IFD describes, if any.
    fn check_image(&self, max_pixels: u64) -> Result<(), String> {
        let (Some(width), Some(height)) = (self.first(WIDTH), self.first(HEIGHT)) else {
            return Ok(());
        };
        let at = self.offset;
        let spp = self.first(SAMPLES_PER_PIXEL).unwrap_or(1).max(1) as u64;
        let samples = width as u64 * height as u64 * spp;
        if samples > max_pixels {
            return Err(format!(
                "image of {width}x{height} ({spp} sample(s) per pixel, IFD at offset {at}) exceeds the limit of {max_pixels} pixels (--max-pixels raises it)"
            ));
        }
        let bits = || self.values(BITS_PER_SAMPLE).into_iter().flatten();
        if let Some(b) = bits().find(|b| !(1..=32).contains(b)) {
            return Err(format!(
                "implausible BitsPerSample {b} (IFD at offset {at}; 1 to 32)"
            ));
        }
        for tag in [TILE_WIDTH, TILE_LENGTH] {
            if self.first(tag) == Some(0) {
                return Err(format!("zero tile size (IFD at offset {at})"));
            }
        }
        // Previews are lossy JPEG (compression 7 too): only a raw mosaic
        // or linear raw image has a known floor.
        if !matches!(self.first(PHOTOMETRIC), Some(32803 | 34892)) {
            return Ok(());
        }
        let bits = bits().next().unwrap_or(1) as u64;
        let compression = self.first(COMPRESSION).unwrap_or(1);
        let Some(floor) = min_bits_per_sample(compression, bits) else {
            return Ok(());
        };
        let counts = self
            .values(TILE_BYTE_COUNTS)
            .or_else(|| self.values(STRIP_BYTE_COUNTS));
        let Some(bytes) = counts.map(|c| c.map(u64::from).sum::<u64>()) else {
            return Ok(());
        };
        let needed = (samples as f64 * floor / 8.0).ceil() as u64;
        if bytes < needed {
            return Err(format!(
                "image data of {bytes} bytes is too short for {width}x{height} pixels (compression {compression} needs at least {needed}; IFD at offset {at})"
            ));
        }
        Ok(())
    }
}

/// The fewest bits a raw sample of `bits` can take in `compression`,
/// where that is known: uncompressed, `bits`; lossless JPEG codes each
/// sample's difference with a Huffman code, and no Huffman code is shorter
/// than one bit; deflate expands one byte into at most 1032 (RFC 1951: a
/// match of at most 258 bytes costs at least 2 bits). Other compressions
/// (vendors' own) are not bounded here.
fn min_bits_per_sample(compression: u32, bits: u64) -> Option<f64> {
    match compression {
        1 => Some(bits as f64),
        7 => Some(1.0),
        8 | 32946 => Some(bits as f64 / 1032.0),
        _ => None,
    }
}
