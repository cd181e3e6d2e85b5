//! `wisp looks`: list, show, export, book and bake the looks.

use std::process::ExitCode;

use wisp::io::output::{self, Format};
use wisp::{io, looks, lut, DevelopParams};

use super::engine;

use super::args::LooksCommand;

pub(super) fn looks_command(cmd: LooksCommand) -> Result<ExitCode, String> {
    let load = |spec: &str| -> Result<looks::LoadedLook, String> {
        looks::load(spec)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "`none` is no look".to_string())
    };
    match cmd {
        LooksCommand::List => {
            for name in looks::builtin_names() {
                let look = load(name)?;
                println!("{name:<10} {}", look.look.description);
            }
        }
        LooksCommand::Show { look } => {
            let look = load(&look)?;
            let mut value = toml::Value::try_from(&look.look).map_err(|e| e.to_string())?;
            tidy_floats(&mut value);
            print!(
                "{}",
                toml::to_string_pretty(&value).map_err(|e| e.to_string())?
            );
        }
        LooksCommand::Export { look, out, size } => {
            let lut = load(&look)?.export(size as usize);
            let text = lut::cube::write(&lut)?;
            output::write_text(&out, &text).map_err(|e| e.to_string())?;
            println!("{look} -> {} ({size}^3)", out.display());
        }
        LooksCommand::Book {
            input,
            output: out,
            looks: names,
            cpu,
        } => {
            let names: Vec<String> = if names.is_empty() {
                looks::builtin_names().map(String::from).collect()
            } else {
                names
            };
            let loaded = names
                .iter()
                .map(|n| load(n))
                .collect::<Result<Vec<_>, _>>()?;
            let source = io::load(&input).map_err(|e| e.to_string())?;
            let engine = engine(cpu);
            let sheet =
                looks::book::contact_sheet(&engine, &source, &loaded, &DevelopParams::default())
                    .map_err(|e| e.to_string())?;
            output::write(
                &sheet,
                &out,
                Format::Png,
                output::JpegOptions::default(),
                &output::Metadata::for_source(&source, wisp::params::ColorSpace::Srgb),
            )
            .map_err(|e| e.to_string())?;
            println!(
                "{} looks -> {} ({}x{})",
                loaded.len(),
                out.display(),
                sheet.width,
                sheet.height
            );
        }
        LooksCommand::Bake { dir } => {
            for (name, _) in looks::BUILTIN {
                let look = load(name)?;
                if look.look.grade.is_none() {
                    continue;
                }
                let lut = lut::Lut {
                    title: Some(format!("wisp {name} grade")),
                    ..(*look.lut.expect("a grade bakes a LUT")).clone()
                };
                let path = dir.join(format!("{name}.cube"));
                output::write_text(&path, &lut::cube::write(&lut)?).map_err(|e| e.to_string())?;
                println!("{name} -> {}", path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Parameters are f32; print them as written (0.15, not 0.15000000596046448).
fn tidy_floats(v: &mut toml::Value) {
    match v {
        toml::Value::Float(f) => *f = (*f as f32).to_string().parse().unwrap_or(*f),
        toml::Value::Array(a) => a.iter_mut().for_each(tidy_floats),
        toml::Value::Table(t) => t.iter_mut().for_each(|(_, v)| tidy_floats(v)),
        _ => {}
    }
}
