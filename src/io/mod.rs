//! Reading photos and writing developed images.

pub mod exif;
pub mod icc;
pub mod ifd;
pub mod image;
mod jpeg;
pub mod opcodes;
pub mod output;
#[cfg(feature = "raw")]
pub mod raw;
pub mod tiff_guard;

use std::cell::Cell;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crate::error::DecodeError;
use crate::frame::Source;

/// Extensions read as developed images; everything else goes to the raw decoder.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "tif", "tiff"];

/// The default decode budget: images of more pixels (samples, for raw
/// data with several per pixel) are refused before anything is allocated
/// for them. The largest camera sensors have about 150 million.
pub const DEFAULT_MAX_PIXELS: u64 = 200_000_000;

static MAX_PIXELS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_PIXELS);

/// The decode budget in pixels, for the whole process (`--max-pixels`).
pub fn max_pixels() -> u64 {
    MAX_PIXELS.load(Ordering::Relaxed)
}

/// Raise (or lower) the decode budget for every later [`load`].
pub fn set_max_pixels(pixels: u64) {
    MAX_PIXELS.store(pixels, Ordering::Relaxed);
}

static IGNORE_OPCODES: AtomicBool = AtomicBool::new(false);

/// Whether a DNG opcode that the file requires but wisp does not apply is
/// skipped (with a warning) rather than refused (`--ignore-opcodes`).
pub fn ignore_opcodes() -> bool {
    IGNORE_OPCODES.load(Ordering::Relaxed)
}

/// Skip, or refuse, unsupported required opcodes in every later [`load`].
pub fn set_ignore_opcodes(ignore: bool) {
    IGNORE_OPCODES.store(ignore, Ordering::Relaxed);
}

static NO_LENS_CORRECTION: AtomicBool = AtomicBool::new(false);

/// Whether a DNG's lens correction (its WarpRectilinear opcode) is applied
/// (`--lens-correction on`, the default).
pub fn lens_correction() -> bool {
    !NO_LENS_CORRECTION.load(Ordering::Relaxed)
}

/// Apply, or leave out, lens corrections in every later [`load`].
pub fn set_lens_correction(on: bool) {
    NO_LENS_CORRECTION.store(!on, Ordering::Relaxed);
}

/// Size limits of the files wisp reads whole, by kind: more than any real
/// file of the kind, and a bound on the memory one may take.
pub mod limits {
    /// Photos: a 16-bit TIFF of 200 MP is 1.2 GB.
    pub const PHOTO: u64 = 4 << 30;
    /// Text LUTs (.cube, .3dl): a 256-point .cube is about 530 MB.
    pub const TEXT_LUT: u64 = 1 << 30;
    /// Hald CLUT images: level 16 at 16 bits is 100 MB uncompressed.
    pub const HALD: u64 = 256 << 20;
    /// Look presets (.toml).
    pub const PRESET: u64 = 1 << 20;
}

/// Open `path` for reading only if it is a regular file (after following
/// links) of at most `limit` bytes. A FIFO is opened without blocking and
/// refused, as are devices (/dev/zero never ends) and sockets.
pub fn open_regular(path: &Path, limit: u64) -> std::io::Result<(File, u64)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(std::io::Error::other("is a directory"));
    }
    if !meta.is_file() {
        return Err(std::io::Error::other(
            "not a regular file (a FIFO, device or socket)",
        ));
    }
    if meta.len() > limit {
        return Err(std::io::Error::other(format!(
            "{} bytes, more than the {} MB this kind of file may have",
            meta.len(),
            limit >> 20
        )));
    }
    Ok((file, meta.len()))
}

/// The bytes of the regular file `path`, at most `limit` of them (see
/// [`open_regular`]).
pub fn read_regular(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let (file, len) = open_regular(path, limit)?;
    let mut bytes = Vec::with_capacity(len as usize);
    // A file that grows while it is read stops at the limit.
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other("grew past its size limit while read"));
    }
    Ok(bytes)
}

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Calls of [`catch_quietly`] in progress, on any thread.
static CATCHING: AtomicUsize = AtomicUsize::new(0);

/// Run a third-party decoder or encoder that may panic on bad data: a
/// panic becomes `None`, and its message and backtrace hint are kept from
/// the terminal, since the caller reports the file in one line. That holds
/// for panics on this thread, and for those in rawler's code on the
/// threads it fans out to (rayon) while a call is in progress; every
/// other panic still reaches the previous panic hook.
pub(crate) fn catch_quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_decoder = CATCHING.load(Ordering::SeqCst) > 0
                && info.location().is_some_and(|l| l.file().contains("rawler"));
            if !(QUIET.with(Cell::get) || in_decoder) {
                previous(info)
            }
        }));
    });
    CATCHING.fetch_add(1, Ordering::SeqCst);
    let outer = QUIET.with(|q| q.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(outer));
    CATCHING.fetch_sub(1, Ordering::SeqCst);
    result.ok()
}

/// Decode a raw file or a developed image.
pub fn load(path: &Path) -> Result<Source, DecodeError> {
    let io_err = |source| DecodeError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = read_regular(path, limits::PHOTO).map_err(io_err)?;
    if bytes.is_empty() {
        return Err(DecodeError::Empty {
            path: path.to_path_buf(),
        });
    }
    if IMAGE_EXTENSIONS.contains(&extension(path).as_str()) {
        return image::load(path, bytes);
    }
    load_raw(path, bytes)
}

#[cfg(feature = "raw")]
fn load_raw(path: &Path, bytes: Vec<u8>) -> Result<Source, DecodeError> {
    tiff_guard::check(&bytes, max_pixels()).map_err(|reason| DecodeError::invalid(path, reason))?;
    raw::load(path, bytes)
}

#[cfg(not(feature = "raw"))]
fn load_raw(path: &Path, _: Vec<u8>) -> Result<Source, DecodeError> {
    Err(DecodeError::invalid(
        path,
        "not a PNG, JPEG or TIFF, and this build of wisp has no raw support (cargo feature `raw`)",
    ))
}

/// A file's extension in lower case ("" when it has none).
pub fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

pub(crate) fn check_dimensions(
    path: &Path,
    width: usize,
    height: usize,
) -> Result<(), DecodeError> {
    if width < 2 || height < 2 {
        return Err(DecodeError::invalid(
            path,
            format!("implausible image size {width}x{height}"),
        ));
    }
    let limit = max_pixels();
    if (width as u64).saturating_mul(height as u64) > limit {
        return Err(DecodeError::invalid(
            path,
            format!("image of {width}x{height} exceeds the limit of {limit} pixels (--max-pixels raises it)"),
        ));
    }
    Ok(())
}
