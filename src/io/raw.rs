//! Camera raw files through rawler: Bayer mosaic, levels, white balance,
//! colour calibration, crop and orientation.

use std::path::Path;
use std::sync::Arc;

use rawler::decoders::{RawDecodeParams, RawMetadata};
use rawler::formats::tiff::Rational;
use rawler::imgop::xyz::Illuminant;
use rawler::rawimage::{RawImage, RawImageData, RawPhotometricInterpretation};
use rawler::rawsource::RawSource;

use crate::colorimetry::{self, Mat3};
use crate::error::DecodeError;
use crate::frame::{CfaPattern, LinearImage, Orientation, Photo, RawFrame, Source};
use crate::io::exif::{Gps, PhotoInfo};
use crate::io::ifd::{self, Ifd};
use crate::io::opcodes;
use crate::noise::{NoiseModel, NoiseSource};
use crate::ops::gain_table::GainTable;
use crate::ops::gainmap::GainMaps;
use crate::ops::warp::Warp;
use crate::profile::{self, Calibration, ProfileTables, RawColour};

/// Decode the raw file `path`, whose content is `bytes` (read, and its
/// TIFF structure checked, by [`super::load`]).
pub fn load(path: &Path, bytes: Vec<u8>) -> Result<Source, DecodeError> {
    let bytes = Arc::new(bytes);
    let file = RawSource::new_from_shared_vec(bytes.clone()).with_path(path);
    let params = RawDecodeParams::default();
    // rawler reports most damage as errors but can still panic on some
    // malformed files; a bad file must never take the program down.
    let (decoded, metadata) = super::catch_quietly(|| {
        let image = rawler::decode(&file, &params)?;
        let metadata = rawler::get_decoder(&file)
            .and_then(|d| d.raw_metadata(&file, &params))
            .ok();
        Ok::<_, rawler::RawlerError>((image, metadata))
    })
    .ok_or_else(|| DecodeError::invalid(path, GAVE_UP))?
    .map_err(|e| DecodeError::invalid(path, decode_failure(&e)))?;
    let info = photo_info(&decoded, metadata.as_ref());
    let dng = super::catch_quietly(|| DngTags::read(&bytes)).unwrap_or_default();
    let mut source = from_rawler(path, decoded, &dng)?;
    source.info = info;
    Ok(source)
}

/// What a DNG says beyond what rawler applies: its colour (DNG 1.6,
/// chapter 6, from the first IFD) and its OpcodeList2; empty for other
/// files.
#[derive(Default)]
struct DngTags {
    /// BaselineExposure plus BaselineExposureOffset, in EV: where the zero
    /// point of exposure compensation lies (a phone that underexposes to
    /// keep highlights says by how much).
    baseline_ev: f32,
    /// BaselineExposureOffset alone, in EV (a profile's part of it).
    baseline_offset_ev: f32,
    /// ForwardMatrix1/2 (white-balanced camera RGB -> XYZ D50) with the
    /// colour temperature of their calibration illuminant.
    forward: Vec<(Mat3, f32)>,
    /// CameraCalibration1/2, likewise.
    calibration: Vec<(Mat3, f32)>,
    analog_balance: Option<[f32; 3]>,
    /// AsShotWhiteXY, the as-shot white as a chromaticity, where the file
    /// gives it and no AsShotNeutral.
    as_shot_white_xy: Option<[f32; 2]>,
    /// OpcodeList1, 2 and 3, where the file has them.
    opcodes: [Option<Vec<u8>>; 3],
    /// NoiseProfile's values: (S, O) pairs.
    noise_profile: Option<Vec<f64>>,
    /// The camera profile's tables in IFD 0.
    profile: ProfileTables,
    /// What is wrong with them, where something is (the tag and why).
    profile_error: Option<String>,
    /// The calibration of IFD 0 where it has three illuminants (DNG 1.6),
    /// which rawler does not read.
    triple: Option<Calibration>,
    /// UniqueCameraModel, in IFD 0.
    camera_model: Option<String>,
}

impl DngTags {
    fn read(bytes: &[u8]) -> Self {
        use rawler::formats::tiff::reader::TiffReader;
        use rawler::formats::tiff::GenericTiffReader;
        use rawler::tags::DngTag;
        let Ok(tiff) = GenericTiffReader::new_with_buffer(bytes, 0, 0, Some(1)) else {
            return DngTags::default();
        };
        let ifd = tiff.root_ifd();
        let values = |tag: DngTag, n: usize| -> Option<Vec<f32>> {
            let e = ifd.get_entry(tag)?;
            let v: Option<Vec<f32>> = (0..n).map(|i| e.value.get_f32(i).ok().flatten()).collect();
            v.filter(|v| v.iter().all(|x| x.is_finite()))
        };
        let ev = |tag| {
            values(tag, 1)
                .map(|v| v[0])
                .filter(|v| v.abs() <= 10.0)
                .unwrap_or(0.0)
        };
        let cct = |tag| {
            let code = values(tag, 1)?[0] as u16;
            profile::illuminant_cct(code)
        };
        let matrix = |v: Vec<f32>| [[v[0], v[1], v[2]], [v[3], v[4], v[5]], [v[6], v[7], v[8]]];
        let pairs = |first: DngTag, second: DngTag| -> Vec<(Mat3, f32)> {
            [
                (first, DngTag::CalibrationIlluminant1),
                (second, DngTag::CalibrationIlluminant2),
            ]
            .into_iter()
            .filter_map(|(tag, illuminant)| Some((matrix(values(tag, 9)?), cct(illuminant)?)))
            .collect()
        };
        // In the raw image's IFD: the first, or one of its sub-IFDs.
        let raw_ifd_entry = |tag: DngTag| {
            std::iter::once(ifd)
                .chain(ifd.sub_ifds().values().flatten())
                .find_map(|ifd| ifd.get_entry(tag))
        };
        // The profile's tables, which rawler does not read.
        let ifd0 = Ifd::read(bytes, ifd::TIFF_MAGIC).ok();
        let profile = ifd0
            .as_ref()
            .map_or(Ok(ProfileTables::default()), ProfileTables::read);
        let triple = ifd0
            .as_ref()
            .map(Calibration::read)
            .filter(|c| c.lights.is_some());
        let camera_model = ifd0
            .as_ref()
            .and_then(|ifd0| ifd0.text(profile::tag::UNIQUE_CAMERA_MODEL))
            .map(str::to_string);
        // ProfileGainTableMap, where there is no ProfileGainTableMap2: in
        // the raw IFD, as DNG 1.6 placed it, or in IFD 0, as it meant to.
        let profile = profile.and_then(|mut tables| {
            if tables.gain_table.is_none() {
                if let Some(rawler::formats::tiff::Value::Undefined(b)) =
                    raw_ifd_entry(DngTag::ProfileGainTableMap).map(|e| &e.value)
                {
                    let little = bytes.starts_with(b"II");
                    let table = GainTable::parse(b, little, false)
                        .map_err(|e| format!("ProfileGainTableMap: {e}"))?;
                    tables.gain_table = Some(table);
                }
            }
            Ok(tables)
        });
        let (profile, profile_error) = match profile {
            Ok(tables) => (tables, None),
            Err(e) => (ProfileTables::default(), Some(e)),
        };
        DngTags {
            profile,
            profile_error,
            triple,
            camera_model,
            noise_profile: raw_ifd_entry(DngTag::NoiseProfile).and_then(|e| {
                (0..e.value.count().min(64))
                    .map(|i| e.value.get_f32(i).ok().flatten().map(f64::from))
                    .collect()
            }),
            baseline_ev: ev(DngTag::BaselineExposure) + ev(DngTag::BaselineExposureOffset),
            baseline_offset_ev: ev(DngTag::BaselineExposureOffset),
            forward: pairs(DngTag::ForwardMatrix1, DngTag::ForwardMatrix2),
            calibration: pairs(DngTag::CameraCalibration1, DngTag::CameraCalibration2),
            analog_balance: values(DngTag::AnalogBalance, 3)
                .map(|v| [v[0], v[1], v[2]])
                .filter(|v| v.iter().all(|x| *x > 0.0)),
            as_shot_white_xy: values(DngTag::AsShotWhiteXY, 2)
                .filter(|_| ifd.get_entry(DngTag::AsShotNeutral).is_none())
                .map(|v| [v[0], v[1]])
                .filter(|[x, y]| *x > 0.0 && *y > 0.0 && x + y < 1.0),
            opcodes: [
                DngTag::OpcodeList1,
                DngTag::OpcodeList2,
                DngTag::OpcodeList3,
            ]
            .map(|tag| match &raw_ifd_entry(tag)?.value {
                rawler::formats::tiff::Value::Undefined(bytes) => Some(bytes.clone()),
                _ => None,
            }),
        }
    }
}

const GAVE_UP: &str = "corrupt or truncated raw file (the decoder gave up)";

/// rawler's error in one line. rawler catches most of its own panics and
/// reports them with a request to file a bug with its authors; for wisp's
/// user that is a corrupt file.
fn decode_failure(e: &rawler::RawlerError) -> String {
    let text = e.to_string();
    if text.contains("Caught a panic") {
        return GAVE_UP.into();
    }
    format!(
        "cannot decode raw: {}",
        text.lines().next().unwrap_or_default()
    )
}

fn photo_info(raw: &RawImage, meta: Option<&RawMetadata>) -> PhotoInfo {
    let r = |v: &Rational| [v.n, v.d];
    let exif = meta.map(|m| &m.exif);
    let nonempty = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let lens = meta.and_then(|m| m.lens.as_ref());
    PhotoInfo {
        make: nonempty(&raw.clean_make).or_else(|| nonempty(&raw.make)),
        model: nonempty(&raw.clean_model).or_else(|| nonempty(&raw.model)),
        lens_make: exif
            .and_then(|e| e.lens_make.clone())
            .or_else(|| lens.map(|l| l.lens_make.clone())),
        lens_model: exif
            .and_then(|e| e.lens_model.clone())
            .or_else(|| lens.map(|l| l.lens_model.clone())),
        date_time_original: exif.and_then(|e| {
            e.date_time_original
                .clone()
                .or_else(|| e.create_date.clone())
        }),
        exposure_time: exif.and_then(|e| e.exposure_time.as_ref()).map(r),
        f_number: exif.and_then(|e| e.fnumber.as_ref()).map(r),
        iso: exif.and_then(|e| {
            e.iso_speed_ratings
                .map(u32::from)
                .or(e.iso_speed)
                .or(e.recommended_exposure_index)
        }),
        focal_length: exif.and_then(|e| e.focal_length.as_ref()).map(r),
        gps: exif.and_then(|e| e.gps.as_ref()).and_then(|g| {
            Some(Gps {
                latitude_ref: g.gps_latitude_ref.clone()?,
                latitude: g.gps_latitude.as_ref()?.each_ref().map(r),
                longitude_ref: g.gps_longitude_ref.clone()?,
                longitude: g.gps_longitude.as_ref()?.each_ref().map(r),
                altitude: g
                    .gps_altitude
                    .as_ref()
                    .map(|a| (g.gps_altitude_ref.unwrap_or(0), r(a))),
            })
        }),
    }
}

fn from_rawler(path: &Path, mut raw: RawImage, dng: &DngTags) -> Result<Source, DecodeError> {
    if matches!(raw.photometric, RawPhotometricInterpretation::LinearRaw) {
        return linear_raw(path, &raw, dng);
    }
    let cfa = match &raw.photometric {
        RawPhotometricInterpretation::Cfa(config) => &config.cfa,
        other => {
            return Err(DecodeError::invalid(
                path,
                format!("unsupported raw layout {other:?}: only Bayer mosaics and linear raws are supported"),
            ))
        }
    };
    if raw.cpp != 1 {
        return Err(DecodeError::invalid(
            path,
            format!("{} samples per pixel; a Bayer mosaic has 1", raw.cpp),
        ));
    }
    let (x0, y0, w, h) = crop(path, &raw)?;
    let cfa = cfa.clone();
    let (wb, cam_to_srgb, colour, colour_notes) = colour(path, &raw, dng, (x0, y0, w, h));
    let camera = camera_name(&raw);
    let RawImageData::Integer(data) = &mut raw.data else {
        return Err(DecodeError::invalid(
            path,
            "floating-point Bayer data is not supported",
        ));
    };
    let (full_w, full_h) = (raw.width, raw.height);
    if data.len() < full_w * full_h {
        return Err(DecodeError::invalid(
            path,
            "raw data shorter than its stated size (truncated?)",
        ));
    }
    let active = raw.active_area.map(|r| (r.p.x, r.p.y)).unwrap_or((0, 0));

    let unsupported = || DecodeError::UnsupportedCfa {
        path: path.to_path_buf(),
        pattern: format!("{}x{} {}", cfa.width, cfa.height, cfa.name),
    };
    if cfa.width != 2 || cfa.height != 2 {
        return Err(unsupported());
    }
    let color = |dx: usize, dy: usize| cfa.color_at(y0 + dy, x0 + dx) as u32;
    let pattern = CfaPattern::from_colors([color(0, 0), color(1, 0), color(0, 1), color(1, 1)])
        .ok_or_else(unsupported)?;

    // OpcodeList1 works on the raw values, before anything else.
    let lists = dng.opcodes.each_ref().map(|l| l.as_deref());
    let opcodes = read_opcodes(path, lists)?;
    opcodes::fix_bad_pixels(data, full_w, full_h, &opcodes.bad_pixels);

    // Cropped in place: row r moves from (y0 + r, x0) to (r, 0), never
    // forwards, so rows are moved in order without a second buffer.
    let mut mosaic = std::mem::take(data);
    for r in 0..h {
        let from = (y0 + r) * full_w + x0;
        mosaic.copy_within(from..from + w, r * w);
    }
    mosaic.truncate(w * h);

    // Black levels repeat from the active area's origin (DNG semantics).
    let bl = &raw.blacklevel;
    let (bw, bh) = (bl.width.max(1), bl.height.max(1));
    let black_at = |dx: usize, dy: usize| -> f32 {
        if bl.levels.len() < bw * bh {
            return bl.levels.first().map(|r| r.as_f32()).unwrap_or(0.0);
        }
        let px = x0 + dx - active.0.min(x0 + dx);
        let py = y0 + dy - active.1.min(y0 + dy);
        bl.levels[(py % bh) * bw + (px % bw)].as_f32()
    };
    let black = [
        black_at(0, 0),
        black_at(1, 0),
        black_at(0, 1),
        black_at(1, 1),
    ];
    let white = raw
        .whitelevel
        .0
        .iter()
        .copied()
        .max()
        .unwrap_or(u16::MAX as u32) as f32;
    if black.iter().any(|&b| !(b >= 0.0 && b < white)) {
        return Err(DecodeError::invalid(
            path,
            format!("black level {black:?} not below white level {white}"),
        ));
    }

    // The gain maps refer to the active area; the frame is its crop.
    let (area_w, area_h) = raw.active_area.map_or((full_w, full_h), |r| (r.d.w, r.d.h));
    let offset = [(x0 - active.0) as u32, (y0 - active.1) as u32];
    let size = [area_w as u32, area_h as u32];
    let mut notes = notes(&opcodes);
    let profile = dng.noise_profile.as_deref();
    let noise = profile
        .and_then(|v| NoiseModel::from_profile(v, pattern.colors()))
        .unwrap_or_else(|| NoiseModel::estimate(&mosaic, w, h, black, white));
    if profile.is_some() && noise.source == NoiseSource::Estimated {
        notes.push("NoiseProfile unreadable (its count or values); noise measured instead".into());
    }
    notes.push(noise.to_string());
    notes.extend(colour_notes);
    let gain_maps = (!opcodes.gain_maps.is_empty())
        .then(|| Arc::new(GainMaps::new(opcodes.gain_maps, (w, h), offset, size, 0)));
    let warp = placed(opcodes.warp, offset, size, &mut notes);

    Ok(Source {
        photo: Photo::Raw(RawFrame {
            width: w,
            height: h,
            mosaic,
            cfa: pattern,
            black,
            white,
            wb,
            cam_to_srgb,
            gain_maps,
            noise: Some(noise),
            warp,
        }),
        orientation: Orientation::from_exif(raw.orientation.to_u16()),
        camera,
        info: PhotoInfo::default(),
        exif: None,
        notes,
        colour: Some(colour),
    })
}

/// The file's XYZ -> camera matrices (3x3) with their illuminant's colour temperature.
/// The opcodes wisp applies; a required one it does not is an error, or
/// with `--ignore-opcodes` a warning naming the file.
fn read_opcodes(path: &Path, lists: [Option<&[u8]>; 3]) -> Result<opcodes::Opcodes, DecodeError> {
    let read = opcodes::read(lists, super::ignore_opcodes());
    let read = read.map_err(|e| DecodeError::invalid(path, e))?;
    for s in read.skipped.iter().filter(|s| s.required) {
        eprintln!("wisp: warning: {}: {} not applied", path.display(), s.what);
    }
    Ok(read)
}

/// OpcodeList3's warp, placed in the active area (`size`), the frame its
/// crop at `offset`; left out, with a note, under `--lens-correction off`.
fn placed(
    warp: Option<Warp>,
    offset: [u32; 2],
    size: [u32; 2],
    notes: &mut Vec<String>,
) -> Option<Arc<Warp>> {
    if warp.is_some() && !super::lens_correction() {
        notes.push(
            "OpcodeList3: lens correction (its warp opcode) not applied (--lens-correction off)"
                .into(),
        );
        return None;
    }
    let area = Some((offset.map(|v| v as usize), size.map(|v| v as usize)));
    warp.map(|w| Arc::new(Warp { area, ..w }))
}

/// A note for each opcode left out, for the report and `--verbose`.
fn notes(opcodes: &opcodes::Opcodes) -> Vec<String> {
    let kind = |required| if required { "required" } else { "optional" };
    opcodes
        .skipped
        .iter()
        .map(|s| format!("{} ({}) not applied", s.what, kind(s.required)))
        .collect()
}

/// Notes on the file's colour where it has more than most: three
/// calibrations (and how the white weighs them), a gain table map.
fn colour_notes(
    calibration: &Calibration,
    blend: Option<profile::Blend>,
    colour: &RawColour,
) -> Vec<String> {
    let mut notes = Vec::new();
    if let (Some(lights), Some(profile::Blend::Triple(w))) = (calibration.lights, blend) {
        let [a, b, c] = lights.map(|[x, y]| format!("({x:.4}, {y:.4})"));
        notes.push(format!(
            "three calibrations, illuminants at {a}, {b}, {c}: weighted {:.2}, {:.2}, {:.2}",
            w[0], w[1], w[2]
        ));
    }
    if let Some(g) = colour.gain_table() {
        notes.push(format!(
            "gain table map: {} x {} tables of {} entries (the camera's local tone mapping; --profile none leaves it out)",
            g.points[0], g.points[1], g.entries
        ));
    }
    notes
}

/// Camera make and model, where the file names them.
fn camera_name(raw: &RawImage) -> Option<String> {
    Some(
        format!("{} {}", raw.clean_make, raw.clean_model)
            .trim()
            .to_string(),
    )
    .filter(|s| !s.is_empty())
}

/// The crop of `raw` (x, y, width, height): its default crop, else its
/// active area, else all of it; an error where it lies outside.
fn crop(path: &Path, raw: &RawImage) -> Result<(usize, usize, usize, usize), DecodeError> {
    let (x0, y0, w, h) = match raw.crop_area.or(raw.active_area) {
        Some(r) => (r.p.x, r.p.y, r.d.w, r.d.h),
        None => (0, 0, raw.width, raw.height),
    };
    if x0 + w > raw.width || y0 + h > raw.height {
        return Err(DecodeError::invalid(
            path,
            "crop area lies outside the image",
        ));
    }
    super::check_dimensions(path, w, h)?;
    Ok((x0, y0, w, h))
}

/// A linear raw (DNG LinearRaw: three samples per pixel, already
/// demosaiced, e.g. iPhone ProRAW): black and white levels, white balance
/// and the GainMap opcodes' lens shading applied here, as the photosite
/// ops do for a mosaic, per channel; the
/// colour model and everything after it as for any raw. Integer data is
/// clipped at white (saturated samples exactly 1, so highlights stay
/// neutral); floating-point data (HDR merges) keeps what lies above.
fn linear_raw(path: &Path, raw: &RawImage, dng: &DngTags) -> Result<Source, DecodeError> {
    if raw.cpp != 3 {
        return Err(DecodeError::invalid(
            path,
            format!("{} samples per pixel; a linear raw has 3", raw.cpp),
        ));
    }
    let (x0, y0, w, h) = crop(path, raw)?;
    let lists = dng.opcodes.each_ref().map(|l| l.as_deref());
    let opcodes = read_opcodes(path, lists)?;
    // The DNG specification defines them on CFA images, and Adobe's SDK
    // refuses them on an image of more than one plane.
    if !opcodes.bad_pixels.is_empty() {
        return Err(DecodeError::invalid(
            path,
            "OpcodeList1: FixBadPixels opcodes apply to CFA images only, not to a linear raw",
        ));
    }
    // Lens shading: each plane's gains, as for a mosaic's one plane (the
    // maps refer to the active area; a map may cover several planes).
    let active = raw.active_area.map(|r| (r.p.x, r.p.y)).unwrap_or((0, 0));
    let area = raw
        .active_area
        .map_or((raw.width, raw.height), |r| (r.d.w, r.d.h));
    let offset = [(x0 - active.0) as u32, (y0 - active.1) as u32];
    let size = [area.0 as u32, area.1 as u32];
    let shading = (!opcodes.gain_maps.is_empty()).then(|| {
        [0, 1, 2].map(|c| GainMaps::new(opcodes.gain_maps.clone(), (w, h), offset, size, c))
    });
    let mut notes = notes(&opcodes);
    let warp = placed(opcodes.warp.clone(), offset, size, &mut notes);
    let (wb, cam_to_srgb, colour, colour_notes) = colour(path, raw, dng, (x0, y0, w, h));
    notes.extend(colour_notes);
    let min_gain = wb.iter().copied().fold(f32::INFINITY, f32::min);
    let per_channel = |levels: Vec<f32>| -> [f32; 3] {
        [0, 1, 2].map(|c| levels.get(c).or(levels.first()).copied().unwrap_or(0.0))
    };
    let black = per_channel(raw.blacklevel.levels.iter().map(|r| r.as_f32()).collect());
    let float = matches!(raw.data, RawImageData::Float(_));
    let white = per_channel(raw.whitelevel.0.iter().map(|&v| v as f32).collect());
    // Floating-point data is scaled to 1 at white by definition.
    let white = if float { [1.0; 3] } else { white };
    let sample = |i: usize| -> Option<f32> {
        match &raw.data {
            RawImageData::Integer(d) => d.get(i).map(|&v| v as f32),
            RawImageData::Float(d) => d.get(i).copied(),
        }
    };
    let mut data = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let at = ((y0 + y) * raw.width + x0 + x) * 3;
            let mut px = [0.0f32, 0.0, 0.0, 1.0];
            for c in 0..3 {
                let v = sample(at + c).ok_or_else(|| {
                    DecodeError::invalid(path, "raw data shorter than its stated size (truncated?)")
                })?;
                let range = (white[c] - black[c]).max(1e-6);
                let gain = shading.as_ref().map_or(1.0, |s| s[c].gains[y * w + x]);
                let linear = (v - black[c]) / range * wb[c] / min_gain * gain;
                px[c] = match float {
                    true => linear,
                    false if v >= white[c] => 1.0,
                    false => linear.min(1.0),
                };
            }
            data.push(px);
        }
    }
    Ok(Source {
        photo: Photo::LinearRaw {
            image: LinearImage {
                width: w,
                height: h,
                data,
            },
            cam_to_srgb,
            warp,
        },
        orientation: Orientation::from_exif(raw.orientation.to_u16()),
        camera: camera_name(raw),
        info: PhotoInfo::default(),
        exif: None,
        notes,
        colour: Some(colour),
    })
}

/// The white balance multipliers (to green), the white-balanced camera
/// RGB -> linear sRGB matrix of `raw` by the DNG colour model, and what a
/// camera profile needs of it: its neutral, analog balance and baseline
/// exposure, and its embedded profile resolved for its white and placed
/// on its crop (`x0, y0, w, h`); and notes for `--verbose` ([`colour_notes`]).
fn colour(
    path: &Path,
    raw: &RawImage,
    dng: &DngTags,
    (x0, y0, w, h): (usize, usize, usize, usize),
) -> ([f32; 3], Mat3, Arc<RawColour>, Vec<String>) {
    let calibration = dng.triple.clone().unwrap_or_else(|| Calibration {
        color: color_matrices(raw),
        forward: dng.forward.clone(),
        camera: dng.calibration.clone(),
        lights: None,
    });
    let d65_matrix = profile::interpolate(&calibration.color, None, colorimetry::mix);
    let wb = match dng
        .as_shot_white_xy
        .and_then(|xy| calibration.neutral_of_white(xy, dng.analog_balance))
    {
        Some(neutral) => white_balance(
            [1.0 / neutral[0], 1.0 / neutral[1], 1.0 / neutral[2], 1.0],
            None,
        ),
        None => white_balance(raw.wb_coeffs, d65_matrix.as_ref()),
    };
    let neutral = wb.map(|g| 1.0 / g);
    // Without a calibration the camera's primaries are taken as sRGB's.
    let cam_to_srgb = calibration
        .cam_to_srgb(neutral, dng.analog_balance)
        .unwrap_or(colorimetry::IDENTITY);
    // BaselineExposure is a gain in scene-linear light before exposure
    // compensation: the matrix into that light takes it.
    let gain = dng.baseline_ev.exp2();
    // Where the crop lies in the active area, relative to it: the gain
    // table map's coordinates.
    let (ax, ay, aw, ah) = raw.active_area.map_or((0, 0, raw.width, raw.height), |r| {
        (r.p.x, r.p.y, r.d.w.max(1), r.d.h.max(1))
    });
    let area = [
        x0.saturating_sub(ax) as f32 / aw as f32,
        y0.saturating_sub(ay) as f32 / ah as f32,
        w as f32 / aw as f32,
        h as f32 / ah as f32,
    ];
    let blend = calibration.weight(neutral);
    let embedded = match (&dng.profile_error, &dng.profile) {
        (Some(e), _) => Err(format!("{}: embedded camera profile: {e}", path.display())),
        (None, tables) if tables.is_empty() => Ok(None),
        (None, tables) => Ok(Some(Arc::new(tables.resolve(blend, area)))),
    };
    let colour = RawColour {
        neutral,
        analog_balance: dng.analog_balance,
        baseline_exposure_ev: dng.baseline_ev - dng.baseline_offset_ev,
        embedded,
        camera_model: dng.camera_model.clone(),
        area,
    };
    let notes = colour_notes(&calibration, blend, &colour);
    (
        wb,
        cam_to_srgb.map(|row| row.map(|v| v * gain)),
        Arc::new(colour),
        notes,
    )
}

fn color_matrices(raw: &RawImage) -> Vec<(Mat3, f32)> {
    raw.color_matrix
        .iter()
        .filter(|(_, m)| m.len() >= 9 && m.iter().all(|v| v.is_finite()))
        .map(|(illuminant, m)| {
            let mat = [[m[0], m[1], m[2]], [m[3], m[4], m[5]], [m[6], m[7], m[8]]];
            (mat, illuminant_cct(*illuminant))
        })
        .collect()
}

fn illuminant_cct(i: Illuminant) -> f32 {
    profile::illuminant_cct(i as u16).unwrap_or(6504.0)
}

/// As-shot multipliers normalised to green. rawler may leave NaN (the 4th
/// slot always, everything for files without white balance); then the
/// camera's D65 white is used.
fn white_balance(coeffs: [f32; 4], xyz_to_cam: Option<&Mat3>) -> [f32; 3] {
    let valid = |c: &[f32]| c.iter().all(|v| v.is_finite() && *v > 0.0);
    if valid(&coeffs[..3]) {
        return [coeffs[0] / coeffs[1], 1.0, coeffs[2] / coeffs[1]];
    }
    if let Some(m) = xyz_to_cam {
        let response = colorimetry::apply(m, colorimetry::D65_XYZ);
        if valid(&response) {
            return [response[1] / response[0], 1.0, response[1] / response[2]];
        }
    }
    [1.0, 1.0, 1.0]
}
