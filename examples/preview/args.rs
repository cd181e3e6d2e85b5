//! The command line, and the looks' parameters by name.

use wisp::{looks, DevelopParams};

pub(crate) struct Args {
    pub(crate) photo: String,
    pub(crate) look: String,
    /// Headless: the demosaic, where not the look's.
    pub(crate) demosaic: Option<wisp::Demosaic>,
    /// Headless: the noise reduction's quality, where not the look's.
    pub(crate) denoise_quality: Option<wisp::DenoiseQuality>,
    pub(crate) frames: Option<usize>,
    pub(crate) size: (usize, usize),
    pub(crate) actual: bool,
    pub(crate) screenshot: Option<String>,
    pub(crate) quit_after: Option<usize>,
    /// With `--quit-after`: save the sidecar before quitting.
    pub(crate) save: bool,
    /// Where Export writes; with `--quit-after`, export before quitting.
    pub(crate) export: Option<String>,
}

pub(crate) fn parse() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        photo: String::new(),
        look: "neutral".into(),
        demosaic: None,
        denoise_quality: None,
        frames: None,
        size: (1280, 800),
        actual: false,
        screenshot: None,
        quit_after: None,
        save: false,
        export: None,
    };
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        let number = |v: String| {
            v.parse::<usize>()
                .map_err(|_| format!("`{v}` is not a number"))
        };
        match arg.as_str() {
            "--look" => a.look = value()?,
            "--demosaic" => a.demosaic = Some(value()?.parse()?),
            "--denoise-quality" => a.denoise_quality = Some(value()?.parse()?),
            "--frames" => a.frames = Some(number(value()?)?),
            "--quit-after" => a.quit_after = Some(number(value()?)?),
            "--size" => {
                let v = value()?;
                let (w, h) = v.split_once('x').ok_or("--size takes WxH")?;
                a.size = (number(w.into())?, number(h.into())?);
            }
            "--actual" => a.actual = true,
            "--save" => a.save = true,
            "--export" => a.export = Some(value()?),
            "--screenshot" => a.screenshot = Some(value()?),
            _ if a.photo.is_empty() && !arg.starts_with('-') => a.photo = arg,
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    if a.photo.is_empty() || a.frames == Some(0) || a.size.0 == 0 || a.size.1 == 0 {
        return Err("usage: preview PHOTO [--look NAME] [--frames N --size WxH [--actual] [--demosaic NAME] [--denoise-quality standard|high] [--screenshot FILE.png]] [--quit-after N [--save] [--export DIR]]".into());
    }
    Ok(a)
}

pub(crate) fn look_params(name: &str) -> Result<DevelopParams, String> {
    looks::params(name, &DevelopParams::default()).map_err(|e| e.to_string())
}
