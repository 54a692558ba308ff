//! `plainsight eval`: measures a model on photo pairs from a folder.

mod table;

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;
use plainsight_core::analysis::eval::{make_pairs, pair_members, run_pair_attacked, summarise};
use plainsight_core::baselines::{CodecEmbed, Lsb};
use plainsight_core::channel::Attack;
use plainsight_core::hiding::keys::Key;
use plainsight_core::hiding::layer::Layered;
use plainsight_core::hiding::refine::Refined;
use plainsight_core::hiding::rounding::Rounding;
use plainsight_core::{Hider, Pipeline};

use super::model_args::{RefineArgs, RoundingChoice};
use super::ranges;
use super::report;
use crate::images;
use crate::model;

/// Measure container and revealed quality on pairs drawn from a folder
///
/// Photo i is the cover; the next N photos (in path order, cyclically) are its
/// secrets. Every container is rounded to 8 bits, as a PNG stores it, before reveal.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Folder of photos (PNG, JPEG, TIFF, BMP; searched recursively)
    #[arg(long)]
    data: PathBuf,
    /// Secrets per cover
    #[arg(long, default_value_t = 1)]
    secrets: usize,
    /// Embedded model name or a folder from `plainsight train` [default: as `hide`:
    /// default-1 / default-3, or keyed-1 / keyed-3 with --key]
    #[arg(long)]
    model: Option<String>,
    /// What hides: `net` (the model), `lsb:K` (each secret's top K bits in the cover's
    /// low bits) or `codec:K` (each secret compressed with WebP at the highest quality
    /// that fits, its bytes in the cover's K lowest bits, shared by the secrets)
    #[arg(long, default_value = "net", value_parser = parse_method, conflicts_with = "model")]
    method: MethodChoice,
    /// Side of the centre crop taken from every photo
    #[arg(long, default_value_t = 256, conflicts_with = "full", value_parser = ranges::crop_side)]
    crop: usize,
    /// Use whole photos instead of crops (secrets are centre-fitted to each cover)
    #[arg(long)]
    full: bool,
    /// Hide with this passphrase (keyed hiding; reveal uses it too unless --reveal-key)
    #[arg(long)]
    key: Option<String>,
    /// Reveal with this passphrase instead, or with none if empty: measures what a wrong
    /// or missing key gives
    #[arg(long, requires = "key")]
    reveal_key: Option<String>,
    /// Distort every container before reveal: `jpeg:Q` (JPEG at quality Q with 4:2:0
    /// chroma, what phones, browsers and chat apps write), `jpeg444:Q` (full chroma),
    /// `noise:S` (Gaussian, S levels of 255), `resize:F[:bilinear|bicubic|lanczos]`
    /// (down to F of the size and back; Lanczos unless named) or `chat:F[:Q]`
    /// (downscale to F, JPEG 4:2:0 at Q, default 80, upscale back, bicubic) or
    /// `lowbit:S` (a random lowest bit in a share S of the samples, as the exact layer
    /// writes)
    #[arg(long, value_parser = parse_attack)]
    attack: Option<Attack>,
    /// How containers' values become bytes (as `hide --rounding`) [default: nearest;
    /// pairs for jpeg-1]
    #[arg(long, value_enum)]
    rounding: Option<RoundingChoice>,
    #[command(flatten)]
    refine: RefineArgs,
    /// Hide with the exact layer in this share of the samples' lowest bits (0 to 1),
    /// as `hide --exact-layer`. Without it eval measures the model alone, although
    /// `hide` writes the layer (share 1) into every PNG by default: add
    /// `--exact-layer 1` to measure what `hide` gives
    #[arg(long, value_name = "SHARE")]
    exact_layer: Option<f32>,
    /// Under the exact layer, keep this share (0 to 1] of the network's change to the
    /// cover (how docs/results.md's strength table was measured) [default: 0.7 for
    /// keyed-1, 0.8 for keyed-3, 1 otherwise, as `hide`]
    #[arg(long, value_name = "S", requires = "exact_layer")]
    layer_strength: Option<f32>,
    /// Use at most this many pairs
    #[arg(long, value_parser = ranges::at_least_one)]
    limit: Option<usize>,
    /// Print the report as JSON on stdout
    #[arg(long)]
    json: bool,
    /// Also list every pair: which photos it used and its numbers (finds the worst image)
    #[arg(long)]
    per_pair: bool,
}

pub fn run(args: EvalArgs) -> Result<()> {
    plainsight_core::check_secret_count("--secrets", args.secrets)?;
    let method = match args.method {
        MethodChoice::Net => {
            let model = model::load(args.model.as_deref(), args.secrets)?
                .with_rounding(args.rounding.map(RoundingChoice::to_core));
            Method::Net(Box::new(model))
        }
        MethodChoice::Lsb(_) | MethodChoice::Codec(_)
            if args.rounding.is_some_and(|r| r != RoundingChoice::Nearest) =>
        {
            bail!("--rounding applies to network models; a baseline writes its bytes directly")
        }
        MethodChoice::Lsb(bits) => Method::Baseline(
            Box::new(Lsb::new(bits, args.secrets)?),
            format!("lsb:{bits}"),
        ),
        MethodChoice::Codec(bits) => Method::Baseline(
            Box::new(CodecEmbed::new(bits, args.secrets)?),
            format!("codec:{bits}"),
        ),
    };
    let (paths, photos): (Vec<_>, Vec<_>) =
        images::load_named_photos(&args.data)?.into_iter().unzip();
    let crop = (!args.full).then_some(args.crop);
    let mut pairs = make_pairs(&photos, args.secrets, crop);
    let mut members = pair_members(&photos, args.secrets, crop);
    if let Some(limit) = args.limit {
        pairs.truncate(limit);
        members.truncate(limit);
    }
    // Photos are named by their path inside the data folder.
    let name = |i: usize| {
        let path = paths[i].strip_prefix(&args.data).unwrap_or(&paths[i]);
        path.display().to_string()
    };
    let named_members: Vec<Vec<String>> = members
        .iter()
        .map(|m| m.iter().map(|&i| name(i)).collect())
        .collect();
    if pairs.is_empty() {
        bail!(
            "{}: need more than {} usable photos (at least {} px on each side)",
            args.data.display(),
            args.secrets,
            crop.unwrap_or(1)
        );
    }
    let refined = match (&method, args.refine.refinement()?) {
        (_, None) => None,
        (Method::Baseline(..), Some(_)) => {
            bail!("--refine applies to network models, not to a baseline --method")
        }
        (Method::Net(model), Some(refinement)) => {
            let revealer = model.networks("refinement")?;
            Some(Refined {
                refiner: model.differentiable()?,
                revealer,
                refinement,
            })
        }
    };
    let inner: &dyn Hider = match &refined {
        Some(refined) => refined,
        None => method.hider(),
    };
    // As `hide` layers it: keyed models keep less of their change under the layer.
    let layered = match &method {
        Method::Net(model) => model.layered(inner, args.exact_layer)?,
        Method::Baseline(..) => Layered::new(inner, args.exact_layer)?,
    };
    let layered = match args.layer_strength {
        Some(strength) => layered.with_strength(strength)?,
        None => layered,
    };
    let base: &dyn Hider = &layered;
    let pipeline = match &args.key {
        Some(key) => {
            let hide_key = Key::derive(key.as_bytes())?;
            // Each derivation costs Argon2's 64 MiB and ~0.15 s: derive the key once.
            let reveal_key = match args.reveal_key.as_deref() {
                None => Some(hide_key.clone()),
                Some("") => None,
                Some(other) => Some(Key::derive(other.as_bytes())?),
            };
            Pipeline::new(base)
                .with_key(Some(hide_key))
                .with_reveal_key(reveal_key)
        }
        None => Pipeline::new(base),
    };
    let bar = report::counter("evaluated", pairs.len());
    let mut results = Vec::with_capacity(pairs.len());
    for pair in &pairs {
        results.push(run_pair_attacked(&pipeline, pair, args.attack)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let report = summarise(&results, args.secrets);
    if args.json {
        let mut json = serde_json::json!({
            "model": method.name(), "data": args.data,
            "attack": args.attack.map(|a| a.to_string()),
            "rounding": method.rounding(),
            "refine": args.refine.describe(),
            "exact_layer": args.exact_layer.filter(|share| *share > 0.0),
            "layer_strength": args.layer_strength,
            "crop": crop, "report": report,
        });
        if args.per_pair {
            json["pairs"] = named_members
                .iter()
                .zip(&results)
                .map(|(names, r)| table::pair_json(names, r))
                .collect();
        }
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        table::print_table(&method.name(), method.rounding(), &args, &report);
        if args.per_pair {
            table::print_pairs(&named_members, &results);
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
pub enum MethodChoice {
    Net,
    Lsb(u32),
    Codec(u32),
}

fn parse_attack(text: &str) -> std::result::Result<Attack, String> {
    Attack::parse(text).map_err(|e| e.to_string())
}

fn parse_method(text: &str) -> std::result::Result<MethodChoice, String> {
    if text == "net" {
        return Ok(MethodChoice::Net);
    }
    let bits = |prefix: &str, most: u32| {
        text.strip_prefix(prefix)
            .and_then(|bits| bits.parse().ok())
            .filter(|bits| (1..=most).contains(bits))
    };
    bits("lsb:", 8)
        .map(MethodChoice::Lsb)
        .or_else(|| bits("codec:", 4).map(MethodChoice::Codec))
        .ok_or_else(|| {
            format!("expected `net`, `lsb:K` (K 1 to 8) or `codec:K` (K 1 to 4), got `{text}`")
        })
}

enum Method {
    Net(Box<model::LoadedModel>),
    /// A classical method and its name in reports.
    Baseline(Box<dyn Hider>, String),
}

impl Method {
    fn hider(&self) -> &dyn Hider {
        match self {
            Method::Net(model) => model.hider(),
            Method::Baseline(hider, _) => hider.as_ref(),
        }
    }

    /// How its containers become bytes (a baseline writes its bytes directly).
    fn rounding(&self) -> Rounding {
        match self {
            Method::Net(model) => model.rounding(),
            Method::Baseline(..) => Rounding::Nearest,
        }
    }

    fn name(&self) -> String {
        match self {
            Method::Net(model) => model.name.clone(),
            Method::Baseline(_, name) => name.clone(),
        }
    }
}
