//! `reveal --stego DIR --out DIR [--count N]`: every container of a folder, each
//! secret written as `OUT/<container's relative path>.png` (`-1.png`, `-2.png`, …
//! with `--count` 2 or 3).

use std::path::PathBuf;

use anyhow::{bail, Result};

use super::RevealArgs;
use crate::commands::{batch, report};
use crate::images;
use crate::output::{self, Existing};

pub fn run(args: RevealArgs) -> Result<()> {
    let [out_dir] = args.outs.as_slice() else {
        bail!("--stego is a folder: give one --out folder (and --count for more secrets)");
    };
    if out_dir.exists() && !out_dir.is_dir() {
        bail!(
            "--stego is a folder, so --out must name a folder; {} is a file",
            out_dir.display()
        );
    }
    let count = args.count.unwrap_or(1);
    plainsight_core::check_secret_count("--count", count)?;
    let containers = batch::photos(&args.stego)?;
    let key = args.options.key()?;
    let model = args.options.load(count)?;
    let existing = Existing::from_force(args.options.force);
    let items: Vec<(String, (PathBuf, Vec<PathBuf>))> = containers
        .into_iter()
        .map(|(container, relative)| {
            let outs = (1..=count)
                .map(|i| {
                    let name = match count {
                        1 => relative.with_extension("png"),
                        _ => relative.with_extension(format!("{i}.png")),
                    };
                    out_dir.join(name)
                })
                .collect();
            (relative.display().to_string(), (container, outs))
        })
        .collect();
    let outcomes = batch::run_all(items, |(path, outs)| {
        for out in &outs {
            output::check_output(out, &[&path], args.options.force)?;
        }
        let bytes = images::read(&path)?;
        let container = images::decode_named(&bytes, &path)?;
        if let Some(why) = model.cannot_read(&bytes) {
            bail!("it {why}");
        }
        let revealed = model.reveal(&container, count, key.as_ref())?;
        for (out, image) in outs.iter().zip(&revealed) {
            output::save_png(out, image, existing)?;
        }
        let names: Vec<String> = outs.iter().map(|o| o.display().to_string()).collect();
        Ok(names.join(", "))
    });
    report::say(&format!("revealed with model {}", model.name));
    batch::finish(&outcomes, args.options.json)
}
