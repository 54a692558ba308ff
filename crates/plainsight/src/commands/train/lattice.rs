//! `plainsight train --code lattice`: measures the closed-form lattice code for JPEG
//! channels (`plainsight_core::hiding::lattice`). No networks and no steps: the
//! principal components of the photos' 16×16 blocks, written to `OUT/lattice.bin`.

use std::fs;

use anyhow::{Context, Result};
use plainsight_core::hiding::lattice::{LatticeCode, LatticeParams};

use super::TrainArgs;
use crate::commands::report;
use crate::images;
use crate::output::{self, Existing};

pub fn run(args: &TrainArgs) -> Result<()> {
    let target = args.out.join("lattice.bin");
    output::check_free(&target, false)?;
    let params = LatticeParams {
        slots: args.code_dims.unwrap_or(LatticeParams::default().slots),
        ..LatticeParams::default()
    };
    let photos = images::load_photos(&args.data)?;
    report::say(&format!(
        "measuring the lattice code on {} photos from {} ({} slots per 8x8 block)",
        photos.len(),
        args.data.display(),
        params.slots
    ));
    let code = LatticeCode::measure(&photos, params)?;
    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    output::write_file(&target, &code.to_bytes(), Existing::Keep)?;
    report::say(&format!("wrote {}", target.display()));
    Ok(())
}
