//! What flows through the pipeline: the decoded photo and the developed result.

/// A 2x2 Bayer colour filter layout, named by its top-left 2x2 block read
/// row by row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CfaPattern {
    Rggb,
    Bggr,
    Grbg,
    Gbrg,
}

impl CfaPattern {
    pub const ALL: [CfaPattern; 4] = [
        CfaPattern::Rggb,
        CfaPattern::Bggr,
        CfaPattern::Grbg,
        CfaPattern::Gbrg,
    ];

    /// Colour (0 = R, 1 = G, 2 = B) of cells (0,0), (1,0), (0,1), (1,1).
    pub fn colors(self) -> [u32; 4] {
        match self {
            CfaPattern::Rggb => [0, 1, 1, 2],
            CfaPattern::Bggr => [2, 1, 1, 0],
            CfaPattern::Grbg => [1, 0, 2, 1],
            CfaPattern::Gbrg => [1, 2, 0, 1],
        }
    }

    pub fn from_colors(colors: [u32; 4]) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.colors() == colors)
    }

    /// Kind of site (0 red, 1 green in a red row, 2 green in a blue row,
    /// 3 blue) of cells (0,0), (1,0), (0,1), (1,1): what a demosaic
    /// computes differently.
    pub fn kinds(self) -> [u32; 4] {
        let c = self.colors();
        [0, 1, 2, 3].map(|cell| match c[cell] {
            0 => 0,
            2 => 3,
            _ if c[cell ^ 1] == 0 => 1,
            _ => 2,
        })
    }

    /// Colour of pixel (x, y).
    pub fn color_at(self, x: usize, y: usize) -> u32 {
        self.colors()[(x & 1) + 2 * (y & 1)]
    }

    /// The pattern seen from an origin moved by (dx, dy), e.g. after a crop.
    pub fn shifted(self, dx: usize, dy: usize) -> Self {
        let c = self.colors();
        let at = |x: usize, y: usize| c[((x + dx) & 1) + 2 * ((y + dy) & 1)];
        Self::from_colors([at(0, 0), at(1, 0), at(0, 1), at(1, 1)])
            .expect("a shifted Bayer pattern is a Bayer pattern")
    }

    pub fn name(self) -> &'static str {
        match self {
            CfaPattern::Rggb => "RGGB",
            CfaPattern::Bggr => "BGGR",
            CfaPattern::Grbg => "GRBG",
            CfaPattern::Gbrg => "GBRG",
        }
    }
}

/// EXIF orientation: how the stored pixels must be turned to display upright.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Orientation {
    #[default]
    Normal,
    FlipH,
    Rotate180,
    FlipV,
    Transpose,
    Rotate90,
    Transverse,
    Rotate270,
}

impl Orientation {
    /// From the EXIF tag value 1..=8; anything else is `Normal`.
    pub fn from_exif(v: u16) -> Self {
        match v {
            2 => Orientation::FlipH,
            3 => Orientation::Rotate180,
            4 => Orientation::FlipV,
            5 => Orientation::Transpose,
            6 => Orientation::Rotate90,
            7 => Orientation::Transverse,
            8 => Orientation::Rotate270,
            _ => Orientation::Normal,
        }
    }

    pub fn swaps_axes(self) -> bool {
        matches!(
            self,
            Orientation::Transpose
                | Orientation::Rotate90
                | Orientation::Transverse
                | Orientation::Rotate270
        )
    }

    /// Source pixel for display pixel (x, y) of a `w` x `h` stored image.
    fn source(self, x: usize, y: usize, w: usize, h: usize) -> (usize, usize) {
        match self {
            Orientation::Normal => (x, y),
            Orientation::FlipH => (w - 1 - x, y),
            Orientation::Rotate180 => (w - 1 - x, h - 1 - y),
            Orientation::FlipV => (x, h - 1 - y),
            Orientation::Transpose => (y, x),
            Orientation::Rotate90 => (y, h - 1 - x),
            Orientation::Transverse => (w - 1 - y, h - 1 - x),
            Orientation::Rotate270 => (w - 1 - y, x),
        }
    }
}

/// A Bayer mosaic as the sensor recorded it, with what is needed to develop it.
#[derive(Clone, Debug)]
pub struct RawFrame {
    pub width: usize,
    pub height: usize,
    /// Row-major photosite values, `width * height` of them.
    pub mosaic: Vec<u16>,
    /// Pattern at pixel (0, 0) of `mosaic`.
    pub cfa: CfaPattern,
    /// Black level of each 2x2 cell: (0,0), (1,0), (0,1), (1,1).
    pub black: [f32; 4],
    /// Saturation level.
    pub white: f32,
    /// As-shot white balance multipliers for R, G, B.
    pub wb: [f32; 3],
    /// White-balanced camera RGB -> linear sRGB (rows).
    pub cam_to_srgb: [[f32; 3]; 3],
    /// Lens shading gains (a DNG's GainMap opcodes), where the file has them.
    pub gain_maps: Option<std::sync::Arc<crate::ops::gainmap::GainMaps>>,
    /// The photosites' noise: the file's NoiseProfile, or measured on the
    /// mosaic; `None` where nobody looked (measured when needed).
    pub noise: Option<crate::noise::NoiseModel>,
    /// Lens distortion correction after the demosaic (a DNG's
    /// WarpRectilinear opcode), where the file has one.
    pub warp: Option<std::sync::Arc<crate::ops::warp::Warp>>,
}

impl RawFrame {
    /// Its noise measured on the mosaic ([`crate::noise`]).
    pub fn estimate_noise(&self) -> crate::noise::NoiseModel {
        crate::noise::NoiseModel::estimate(
            &self.mosaic,
            self.width,
            self.height,
            self.black,
            self.white,
        )
    }
}

/// A linear-light RGBA f32 image (alpha unused), row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearImage {
    pub width: usize,
    pub height: usize,
    pub data: Vec<[f32; 4]>,
}

/// What the decoder produced: a raw mosaic, or an already developed image
/// (PNG, JPEG, TIFF) that skips the raw stages.
#[derive(Clone, Debug)]
pub enum Photo {
    Raw(RawFrame),
    /// A linear raw (DNG LinearRaw): white-balanced linear camera RGB,
    /// already demosaiced, and its camera RGB -> linear sRGB matrix.
    LinearRaw {
        image: LinearImage,
        cam_to_srgb: [[f32; 3]; 3],
        /// Lens distortion correction (WarpRectilinear), where it has one.
        warp: Option<std::sync::Arc<crate::ops::warp::Warp>>,
    },
    Developed(LinearImage),
}

/// A decoded input file.
#[derive(Clone, Debug)]
pub struct Source {
    pub photo: Photo,
    pub orientation: Orientation,
    /// Camera make and model where the file names them.
    pub camera: Option<String>,
    /// Capture facts carried into the output's metadata.
    pub info: crate::io::exif::PhotoInfo,
    /// A developed image's own EXIF block, passed through to the output
    /// with the orientation reset to 1. Raw files leave it empty: their
    /// output's EXIF is built from `info`.
    pub exif: Option<Vec<u8>>,
    /// What the file says that was not applied (a DNG's optional opcodes),
    /// for the report and `--verbose`.
    pub notes: Vec<String>,
    /// A raw file's colour facts and embedded camera profile, for
    /// resolving `--profile`; `None` for a developed image.
    pub colour: Option<std::sync::Arc<crate::profile::RawColour>>,
}

impl Source {
    /// `params` with their camera profile resolved for this photo
    /// ([`crate::params::DevelopParams::profiled`]).
    pub fn profiled<'a>(
        &self,
        params: &'a crate::params::DevelopParams,
    ) -> Result<std::borrow::Cow<'a, crate::params::DevelopParams>, crate::Error> {
        params.profiled(self.colour.as_deref())
    }

    pub fn size(&self) -> (usize, usize) {
        match &self.photo {
            Photo::Raw(r) => (r.width, r.height),
            Photo::Developed(i) | Photo::LinearRaw { image: i, .. } => (i.width, i.height),
        }
    }
}

/// Output code values, 3 channels interleaved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pixels {
    Eight(Vec<u8>),
    Sixteen(Vec<u16>),
}

/// A developed image, as the encode stage left it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub width: usize,
    pub height: usize,
    pub pixels: Pixels,
}

impl Rendered {
    /// Turn the pixels upright according to `o`.
    pub fn oriented(self, o: Orientation) -> Rendered {
        if o == Orientation::Normal {
            return self;
        }
        let (w, h) = (self.width, self.height);
        let (ow, oh) = if o.swaps_axes() { (h, w) } else { (w, h) };
        fn remap<T: Copy>(
            src: &[T],
            w: usize,
            h: usize,
            ow: usize,
            oh: usize,
            o: Orientation,
        ) -> Vec<T> {
            let mut out = Vec::with_capacity(src.len());
            for y in 0..oh {
                for x in 0..ow {
                    let (sx, sy) = o.source(x, y, w, h);
                    out.extend_from_slice(&src[(sy * w + sx) * 3..][..3]);
                }
            }
            out
        }
        let pixels = match &self.pixels {
            Pixels::Eight(p) => Pixels::Eight(remap(p, w, h, ow, oh, o)),
            Pixels::Sixteen(p) => Pixels::Sixteen(remap(p, w, h, ow, oh, o)),
        };
        Rendered {
            width: ow,
            height: oh,
            pixels,
        }
    }
}
