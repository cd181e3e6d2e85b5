//! EXIF: the facts a photographer wants to keep (camera, lens, capture time,
//! exposure, GPS), and the little TIFF structure that carries them, both as
//! an EXIF block for JPEG/PNG and as a whole TIFF file. Orientation is
//! always written as 1: wisp turns the pixels upright itself.

/// What is carried from the raw file into the output.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PhotoInfo {
    pub make: Option<String>,
    pub model: Option<String>,
    pub lens_make: Option<String>,
    pub lens_model: Option<String>,
    /// "YYYY:MM:DD HH:MM:SS"
    pub date_time_original: Option<String>,
    pub exposure_time: Option<[u32; 2]>,
    pub f_number: Option<[u32; 2]>,
    pub iso: Option<u32>,
    pub focal_length: Option<[u32; 2]>,
    pub gps: Option<Gps>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Gps {
    pub latitude_ref: String,
    pub latitude: [[u32; 2]; 3],
    pub longitude_ref: String,
    pub longitude: [[u32; 2]; 3],
    pub altitude: Option<(u8, [u32; 2])>,
}

/// A TIFF field value.
#[derive(Clone, Debug)]
pub enum Value {
    Byte(Vec<u8>),
    Ascii(String),
    Short(Vec<u16>),
    Long(Vec<u32>),
    Rational(Vec<[u32; 2]>),
    Undefined(Vec<u8>),
}

impl Value {
    fn encode(&self) -> (u16, u32, Vec<u8>) {
        match self {
            Value::Byte(b) => (1, b.len() as u32, b.clone()),
            Value::Ascii(s) => {
                let mut b: Vec<u8> = s.bytes().filter(|c| *c != 0).collect();
                b.push(0);
                (2, b.len() as u32, b)
            }
            Value::Short(v) => (
                3,
                v.len() as u32,
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ),
            Value::Long(v) => (
                4,
                v.len() as u32,
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ),
            Value::Rational(v) => (
                5,
                v.len() as u32,
                v.iter()
                    .flat_map(|[n, d]| [n.to_le_bytes(), d.to_le_bytes()])
                    .flatten()
                    .collect(),
            ),
            Value::Undefined(b) => (7, b.len() as u32, b.clone()),
        }
    }
}

type Ifd = Vec<(u16, Value)>;

fn ifd_size(ifd: &Ifd) -> usize {
    let data: usize = ifd
        .iter()
        .map(|(_, v)| v.encode().2.len())
        .filter(|n| *n > 4)
        .map(|n| n + n % 2)
        .sum();
    2 + 12 * ifd.len() + 4 + data
}

/// Append `ifd` (sorted by tag) at the current end of `out`, which must be
/// its file offset; values over 4 bytes follow the entries.
fn write_ifd(out: &mut Vec<u8>, ifd: &Ifd) {
    let mut ifd = ifd.clone();
    ifd.sort_by_key(|(tag, _)| *tag);
    let start = out.len();
    let mut data_at = start + 2 + 12 * ifd.len() + 4;
    let mut data = Vec::new();
    out.extend((ifd.len() as u16).to_le_bytes());
    for (tag, value) in &ifd {
        let (ty, count, bytes) = value.encode();
        out.extend(tag.to_le_bytes());
        out.extend(ty.to_le_bytes());
        out.extend(count.to_le_bytes());
        if bytes.len() <= 4 {
            let mut inline = bytes.clone();
            inline.resize(4, 0);
            out.extend(inline);
        } else {
            out.extend((data_at as u32).to_le_bytes());
            data.extend(&bytes);
            if bytes.len() % 2 == 1 {
                data.push(0);
            }
            data_at += bytes.len() + bytes.len() % 2;
        }
    }
    out.extend(0u32.to_le_bytes()); // no next IFD
    out.extend(data);
}

const EXIF_IFD: u16 = 0x8769;
const GPS_IFD: u16 = 0x8825;

/// Facts about the output image itself, written beside the capture facts.
#[derive(Clone, Copy, Debug)]
pub struct ImageFacts {
    pub width: u32,
    pub height: u32,
    /// sRGB primaries; otherwise the embedded ICC profile says which.
    pub srgb: bool,
}

impl PhotoInfo {
    fn ifds(&self, image: ImageFacts) -> (Ifd, Ifd, Ifd) {
        let mut main: Ifd = vec![(0x0112, Value::Short(vec![1]))];
        let mut exif: Ifd = vec![
            (0x9000, Value::Undefined(b"0232".to_vec())),
            // ColorSpace: 1 is sRGB, 0xffff "uncalibrated" (see the profile).
            (
                0xa001,
                Value::Short(vec![if image.srgb { 1 } else { 0xffff }]),
            ),
            (0xa002, Value::Long(vec![image.width])),
            (0xa003, Value::Long(vec![image.height])),
        ];
        let mut gps: Ifd = Vec::new();
        let text = |ifd: &mut Ifd, tag, v: &Option<String>| {
            if let Some(s) = v.as_ref().filter(|s| !s.trim().is_empty()) {
                ifd.push((tag, Value::Ascii(s.trim().to_string())));
            }
        };
        text(&mut main, 0x010f, &self.make);
        text(&mut main, 0x0110, &self.model);
        text(&mut main, 0x0132, &self.date_time_original);
        text(&mut exif, 0x9003, &self.date_time_original);
        text(&mut exif, 0xa433, &self.lens_make);
        text(&mut exif, 0xa434, &self.lens_model);
        let rational = |ifd: &mut Ifd, tag, v: Option<[u32; 2]>| {
            if let Some(r) = v.filter(|r| r[1] != 0) {
                ifd.push((tag, Value::Rational(vec![r])));
            }
        };
        rational(&mut exif, 0x829a, self.exposure_time);
        rational(&mut exif, 0x829d, self.f_number);
        rational(&mut exif, 0x920a, self.focal_length);
        if let Some(iso) = self.iso {
            exif.push((0x8827, Value::Short(vec![iso.min(65535) as u16])));
        }
        if let Some(g) = &self.gps {
            gps.push((0x0000, Value::Byte(vec![2, 3, 0, 0])));
            gps.push((0x0001, Value::Ascii(g.latitude_ref.clone())));
            gps.push((0x0002, Value::Rational(g.latitude.to_vec())));
            gps.push((0x0003, Value::Ascii(g.longitude_ref.clone())));
            gps.push((0x0004, Value::Rational(g.longitude.to_vec())));
            if let Some((reference, alt)) = g.altitude {
                gps.push((0x0005, Value::Byte(vec![reference])));
                gps.push((0x0006, Value::Rational(vec![alt])));
            }
        }
        (main, exif, gps)
    }

    /// The EXIF block for JPEG (APP1) and PNG (eXIf): a little-endian TIFF
    /// structure without image data.
    pub fn exif_block(&self, image: ImageFacts) -> Vec<u8> {
        tiff(self.ifds(image), Vec::new(), |_| {})
    }
}

/// Lay out a TIFF: header, IFD0 (with pointers to the EXIF and GPS IFDs
/// filled in), EXIF IFD, GPS IFD, then `tail` (pixel data). `fix_main` may
/// set IFD0 fields that need the tail's offset.
fn tiff(
    (mut main, exif, gps): (Ifd, Ifd, Ifd),
    tail: Vec<u8>,
    fix_main: impl Fn(&mut Ifd),
) -> Vec<u8> {
    main.push((EXIF_IFD, Value::Long(vec![0])));
    if !gps.is_empty() {
        main.push((GPS_IFD, Value::Long(vec![0])));
    }
    // Every offset field is a fixed-size Long, so sizes are known up front.
    fix_main(&mut main);
    let exif_at = 8 + ifd_size(&main);
    let gps_at = exif_at + ifd_size(&exif);
    let tail_at = gps_at + if gps.is_empty() { 0 } else { ifd_size(&gps) };
    for (tag, v) in main.iter_mut() {
        match *tag {
            EXIF_IFD => *v = Value::Long(vec![exif_at as u32]),
            GPS_IFD => *v = Value::Long(vec![gps_at as u32]),
            STRIP_OFFSETS => *v = Value::Long(vec![tail_at as u32]),
            _ => {}
        }
    }
    let mut out = b"II*\0".to_vec();
    out.extend(8u32.to_le_bytes());
    write_ifd(&mut out, &main);
    write_ifd(&mut out, &exif);
    if !gps.is_empty() {
        write_ifd(&mut out, &gps);
    }
    debug_assert_eq!(out.len(), tail_at);
    out.extend(tail);
    out
}

const STRIP_OFFSETS: u16 = 0x0111;

/// A complete baseline TIFF: one strip of interleaved RGB, 8 or 16 bits
/// (little-endian samples), with the ICC profile and the EXIF fields.
pub fn tiff_file(
    image: ImageFacts,
    bits: u16,
    pixels: Vec<u8>,
    icc: &[u8],
    info: &PhotoInfo,
) -> Vec<u8> {
    let ImageFacts { width, height, .. } = image;
    let (mut main, exif, gps) = info.ifds(image);
    let strip_len = pixels.len() as u32;
    main.extend([
        (0x0100, Value::Long(vec![width])),
        (0x0101, Value::Long(vec![height])),
        (0x0102, Value::Short(vec![bits; 3])),
        (0x0103, Value::Short(vec![1])),
        (0x0106, Value::Short(vec![2])),
        (0x0115, Value::Short(vec![3])),
        (0x0116, Value::Long(vec![height])),
        (0x0117, Value::Long(vec![strip_len])),
        (0x011c, Value::Short(vec![1])),
        (0x8773, Value::Undefined(icc.to_vec())),
    ]);
    tiff((main, exif, gps), pixels, |m| {
        m.push((STRIP_OFFSETS, Value::Long(vec![0])))
    })
}
