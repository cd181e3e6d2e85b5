//! One error enum per boundary; every message names the file and the reason.

use std::path::{Path, PathBuf};

/// Reading a photo (raw or developed image).
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: empty file", path.display())]
    Empty { path: PathBuf },
    #[error("{}: unsupported CFA pattern {pattern} (supported: 2x2 Bayer RGGB, BGGR, GRBG, GBRG)", path.display())]
    UnsupportedCfa { path: PathBuf, pattern: String },
    #[error("{}: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
}

impl DecodeError {
    pub fn invalid(path: &Path, reason: impl Into<String>) -> Self {
        DecodeError::Invalid {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

/// Reading a LUT file.
#[derive(Debug, thiserror::Error)]
pub enum LutError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {reason}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("{}: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
}

/// Reading a look preset.
#[derive(Debug, thiserror::Error)]
pub enum LookError {
    #[error("{}: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error("unknown look `{name}` (built-in: {builtins}; or a .toml preset, or a .cube, .3dl or Hald .png/.tif LUT)")]
    Unknown { name: String, builtins: String },
    #[error(transparent)]
    Lut(#[from] LutError),
    /// A camera profile (`--profile`, a sidecar's `profile`) that cannot be
    /// read; the message names the file.
    #[error("{0}")]
    Profile(String),
}

/// Talking to the GPU.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error(
        "no GPU adapter found ({reason}). On Linux without a GPU, install Mesa's software \
         Vulkan driver (`apt-get install mesa-vulkan-drivers`), or use the CPU path (`--cpu`)"
    )]
    NoAdapter { reason: String },
    #[error("the GPU adapter `{adapter}` refused a device: {reason}")]
    Device { adapter: String, reason: String },
    #[error(
        "image of {width}x{height} exceeds this GPU's texture limit of {limit} pixels per side"
    )]
    TooLarge { width: u32, height: u32, limit: u32 },
    #[error("a {size}-point 3D LUT exceeds this GPU's 3D texture limit of {limit}")]
    LutTooLarge { size: usize, limit: u32 },
    #[error("GPU error: {0}")]
    Failed(String),
    #[error("GPU readback failed: {0}")]
    Readback(String),
}

/// Writing an output file.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{}: cannot write: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot encode: {reason}", path.display())]
    Encode { path: PathBuf, reason: String },
    #[error("{}: refusing to overwrite an input file", path.display())]
    WouldOverwriteInput { path: PathBuf },
}

/// Any failure of the library, by boundary.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error(transparent)]
    Lut(#[from] LutError),
    #[error(transparent)]
    Look(#[from] LookError),
    #[error(transparent)]
    Gpu(#[from] GpuError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("invalid parameter: {0}")]
    Param(String),
    /// A camera profile that cannot be used: the message names its file
    /// and, for a malformed table, the tag.
    #[error("{0}")]
    Profile(String),
}
