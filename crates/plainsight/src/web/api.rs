//! `POST /api/hide`, `/api/reveal` and `/api/inspect`: JSON in, JSON out,
//! images as base64 PNG (requests may also send JPEG, TIFF or BMP, bare or as data
//! URLs).
//!
//! Each runs on a model worker (a blocking thread) with the request's whole body.
//! The images' base64 text is borrowed from the body, decoded one image at a
//! time, and the body is freed before the model runs (see `admission` for the
//! memory this bounds).

use std::borrow::Cow;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use plainsight_core::analysis::metrics::{psnr, ssim};
use plainsight_core::channel::attack;
use plainsight_core::hiding::keys::Key;
use plainsight_core::hiding::refine::Refinement;
use plainsight_core::RgbImage;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

use super::admission::Body;
use super::Limits;
use crate::images;
use crate::inspection;
use crate::model::{self, LayerRefusal, LoadedModel};
use crate::plot;

/// The models a server runs, loaded once and shared by all requests.
pub struct Models {
    /// Sorted by the number of secrets they carry.
    loaded: Vec<LoadedModel>,
    /// The model for `"channel": "jpeg"` (the embedded `robust`), when serving the
    /// embedded defaults.
    robust: Option<LoadedModel>,
    /// The models for `"channel": "earlier"` (default-1 and default-3, the defaults
    /// before the keyed layout), when serving the embedded defaults.
    earlier: Vec<LoadedModel>,
    /// The model for `"channel": "reencode"` (the embedded lattice code `jpeg-1`),
    /// when serving the embedded defaults.
    reencode: Option<LoadedModel>,
}

/// What the container will go through, as a request says (`"channel"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Kept as a PNG, byte for byte: the best quality (the default models, keyed-1
    /// and keyed-3, whose key mixes and scatters the code, so without it the reveal
    /// is even noise).
    #[default]
    Png,
    /// Re-saved as JPEG or resized on its way: the robust model, one secret, and the
    /// container itself delivered as a JPEG.
    Jpeg,
    /// The same as `png`: it named the keyed models when they were not yet the
    /// default, and is still accepted.
    Keyed,
    /// PNG containers of the earlier defaults (default-1, default-3: the tile
    /// scheme, before 2026-12-03), so they still reveal here.
    Earlier,
    /// Re-encoded as JPEG at the same size, as phones and chat apps do (4:2:0
    /// chroma): the lattice code jpeg-1, one secret, the container delivered as such
    /// a JPEG.
    Reencode,
}

/// The embedded earlier defaults the `earlier` channel serves.
const EARLIER_MODELS: [&str; 2] = ["default-1", "default-3"];

impl Models {
    /// The embedded defaults (one model per secret count they serve), or one
    /// model for every count it can carry.
    pub fn load(spec: Option<&str>) -> anyhow::Result<Self> {
        let robust = match spec {
            Some(_) => None,
            None => Some(model::load(Some("robust"), 1)?),
        };
        let reencode = match spec {
            Some(_) => None,
            None => Some(model::load(Some("jpeg-1"), 1)?),
        };
        let earlier = match spec {
            Some(_) => Vec::new(),
            None => EARLIER_MODELS
                .iter()
                .map(|name| model::load(Some(name), 1))
                .collect::<anyhow::Result<_>>()?,
        };
        let loaded = match spec {
            Some(spec) => vec![model::load(Some(spec), 1)?],
            None => {
                let mut loaded: Vec<LoadedModel> = Vec::new();
                for count in 1..=plainsight_core::MAX_SECRETS {
                    let name = plainsight_weights::for_secrets(count).map(|m| m.name);
                    if !loaded.iter().any(|m| Some(m.name.as_str()) == name) {
                        loaded.push(model::load(None, count)?);
                    }
                }
                loaded
            }
        };
        Ok(Models {
            loaded,
            robust,
            earlier,
            reencode,
        })
    }

    pub fn all(&self) -> impl Iterator<Item = &LoadedModel> {
        self.loaded
            .iter()
            .chain(&self.robust)
            .chain(&self.earlier)
            .chain(&self.reencode)
    }

    /// The model for `count` secrets through `channel`, the same with a key or
    /// without, as the CLI's `hide` chooses, so a container from either reveals
    /// with the other.
    fn choose(&self, count: usize, channel: Channel) -> Result<&LoadedModel, ApiError> {
        match channel {
            Channel::Png | Channel::Keyed => self.for_count(count),
            Channel::Earlier => {
                if self.earlier.is_empty() {
                    return Err(ApiError::bad(
                        "channel earlier: this server runs one model (serve --model); leave the channel out",
                    ));
                }
                smallest_for(&self.earlier, count)
            }
            Channel::Jpeg => one_picture("jpeg", self.robust.as_ref(), count),
            Channel::Reencode => one_picture("reencode", self.reencode.as_ref(), count),
        }
    }

    pub fn max_secrets(&self) -> usize {
        self.loaded.iter().map(|m| m.secrets()).max().unwrap_or(0)
    }

    /// The smallest model that carries `count` secrets.
    fn for_count(&self, count: usize) -> Result<&LoadedModel, ApiError> {
        smallest_for(&self.loaded, count)
    }
}

/// The one-secret model of a lossy channel, if this server holds it.
fn one_picture<'a>(
    channel: &str,
    model: Option<&'a LoadedModel>,
    count: usize,
) -> Result<&'a LoadedModel, ApiError> {
    let Some(model) = model else {
        return Err(ApiError::bad(format!(
            "channel {channel}: this server runs one model (serve --model); it decides what survives"
        )));
    };
    if count != 1 {
        return Err(ApiError::bad(format!(
            "channel {channel} carries one picture (the {} model), not {count}",
            model.name
        )));
    }
    Ok(model)
}

/// The first of `models` (sorted by the secrets they carry) that carries `count`.
fn smallest_for(models: &[LoadedModel], count: usize) -> Result<&LoadedModel, ApiError> {
    let max = models.iter().map(|m| m.secrets()).max().unwrap_or(0);
    if count == 0 || count > max {
        return Err(ApiError::bad(format!(
            "this server hides and reveals 1 to {max} pictures per container, not {count}"
        )));
    }
    Ok(models
        .iter()
        .find(|m| m.secrets() >= count)
        .expect("a model carries the most secrets"))
}

/// An error the client caused (4xx) or the server hit (5xx), with a message
/// meant for a person.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

impl ApiError {
    fn bad(message: impl Into<String>) -> Self {
        ApiError {
            status: 400,
            message: message.into(),
        }
    }

    /// A failed hide: what the request asked for that the model cannot do (refining
    /// a large picture with a scattering keyed model) is the request's fault (400),
    /// anything else the server's (500).
    fn hiding(error: anyhow::Error) -> Self {
        match error.downcast_ref::<plainsight_core::Error>() {
            Some(plainsight_core::Error::Invalid(message)) => ApiError::bad(message.clone()),
            _ => ApiError::internal(error),
        }
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        ApiError {
            status: 500,
            message: format!("{error:#}"),
        }
    }
}

/// A string field, borrowed from the body when it has no escapes (base64 never
/// needs any), so a 100 MB image is not copied to be parsed.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }
            fn visit_string<E>(self, text: String) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(Visitor(std::marker::PhantomData))
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HideRequest<'a> {
    #[serde(borrow)]
    cover: Text<'a>,
    #[serde(borrow)]
    secrets: Vec<Text<'a>>,
    #[serde(borrow)]
    key: Option<Text<'a>>,
    /// Refinement steps (`hide --refine`); 0 or absent: none.
    #[serde(default)]
    refine: usize,
    #[serde(default)]
    channel: Channel,
    /// The exact layer's share of samples (`hide --exact-layer`), 0 for none; absent:
    /// 1 on the PNG channels, none on the JPEG ones (which do not keep it).
    exact_layer: Option<f32>,
}

/// The most refinement steps a request may ask for: each costs a reveal pass
/// forward and backward, and one request holds a worker.
const MAX_REFINE_STEPS: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevealRequest<'a> {
    #[serde(borrow)]
    container: Text<'a>,
    #[serde(default = "one")]
    count: usize,
    #[serde(borrow)]
    key: Option<Text<'a>>,
    #[serde(default)]
    channel: Channel,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InspectRequest<'a> {
    #[serde(borrow)]
    container: Text<'a>,
    #[serde(borrow)]
    cover: Option<Text<'a>>,
    #[serde(default, borrow)]
    secrets: Vec<Text<'a>>,
    count: Option<usize>,
    at: Option<(usize, usize)>,
    #[serde(borrow)]
    key: Option<Text<'a>>,
}

fn one() -> usize {
    1
}

/// A request whose pictures are decoded (and its body freed), waiting for the
/// model: what its model work will cost, and that work.
pub struct Prepared {
    /// Estimated peak memory of the model work, in MB ([`estimate_mb`]).
    pub memory_mb: usize,
    work: Box<ModelWork>,
}

/// A job's model work, run on a worker with the shared models.
type ModelWork = dyn FnOnce(&Models) -> Result<Value, ApiError> + Send;

impl Prepared {
    fn new(
        memory_mb: usize,
        work: impl FnOnce(&Models) -> Result<Value, ApiError> + Send + 'static,
    ) -> Self {
        Prepared {
            memory_mb,
            work: Box::new(work),
        }
    }

    /// Runs the model work: JSON out.
    pub fn run(self, models: &Models) -> Result<Value, ApiError> {
        (self.work)(models)
    }
}

/// What a job's model work is, for [`estimate_mb`].
#[derive(Debug, Clone, Copy)]
enum Work {
    Hide {
        secrets: usize,
        refine: bool,
        layer: bool,
    },
    Reveal {
        count: usize,
    },
    Inspect {
        images: usize,
    },
}

/// The memory a job's model work needs at its peak, in MB, on top of what the
/// server holds anyway; measured with the shipped models on the CPU backend
/// (`VmHWM` of a server running one job at a time, 0.26, 1 and 2.25 MP pictures)
/// and rounded up by 10–40 %.
///
/// Core runs the networks over tiles of `DEFAULT_TILE` pixels plus a margin, so
/// their activations (the bulk) grow with one tile's window, not the picture;
/// the pictures themselves (inputs, outputs, PNG and base64 text) grow with it.
/// Hiding costs about 200 bytes per window pixel, refining (gradients through the
/// reveal network) about 650, revealing about 130. A key adds Argon2's 64 MiB.
fn estimate_mb(model: &LoadedModel, work: Work, width: usize, height: usize, keyed: bool) -> usize {
    let networks = model.networks_if_any();
    let side = match networks {
        Some(stego) => {
            let arch = &stego.config().architecture;
            let multiple = arch.size_multiple();
            let margin = arch.receptive_radius().div_ceil(multiple) * multiple;
            plainsight_core::hiding::stego::DEFAULT_TILE.div_ceil(multiple) * multiple + 2 * margin
        }
        // The lattice code has no activations to tile.
        None => 0,
    };
    let window = (width.min(side) * height.min(side)) as f64;
    let pixels = (width * height) as f64;
    // (fixed MB, bytes per window pixel, bytes per picture pixel)
    let (fixed, per_window, per_pixel) = match work {
        Work::Hide {
            secrets,
            refine: false,
            ..
        } => (40.0, 215.0, 15.0 * secrets as f64),
        Work::Hide {
            secrets,
            refine: true,
            ..
        } => (48.0, 680.0, 15.0 * secrets as f64),
        Work::Reveal { count } => (24.0, 140.0, 4.0 * count as f64),
        Work::Inspect { images } => (24.0, 100.0, 60.0 + 12.0 * images as f64),
    };
    let key = if keyed { 64.0 } else { 0.0 };
    // The exact layer (`hiding/layer`): its carriers' positions and the coded
    // residual; a 3 MP picture with keyed-1 peaked 45 MB higher to hide with it and
    // 44 MB higher to reveal from it (`/usr/bin/time`). Reveal cannot know before
    // the key is derived whether a layer is there, so it always counts it.
    let layer = match work {
        Work::Hide { layer: true, .. } | Work::Reveal { .. } => 20.0 * pixels,
        _ => 0.0,
    };
    // It holds the whole picture as 64-bit floats instead (24 bytes a pixel, and
    // 2 for the remainders), beside the pictures counted above: hide and reveal of
    // 2.5 MP peaked at about 100 MB in the whole CLI process (`/usr/bin/time`).
    let lattice = if networks.is_none() {
        28.0 * pixels
    } else {
        0.0
    };
    // jpeg-1's restoration filter: the picture twice more (its even-sized copy and
    // the output) and the activations of the tiles in flight (a 12 MP reveal:
    // 437 → 633 MB with the 48-wide filter).
    let (restore_fixed, restore) = match work {
        Work::Reveal { .. } if model.restores() => (96.0, 12.0 * pixels),
        _ => (0.0, 0.0),
    };
    // The keyed layout's whole-picture code maps (`hiding/code_maps.rs`: the mixed,
    // scattered and unscattered codes side by side): a 12 MP picture with keyed-1
    // peaked 143 MB above default-1 to hide and 156 MB to reveal.
    let code_maps = match networks.map(|stego| &stego.config().architecture) {
        Some(plainsight_core::Architecture::Keyed { .. }) => {
            let secrets = match work {
                Work::Hide { secrets, .. } => secrets,
                Work::Reveal { count } => count,
                Work::Inspect { .. } => 1,
            };
            14.0 * secrets as f64 * pixels
        }
        _ => 0.0,
    };
    let bytes = per_window * window + per_pixel * pixels + lattice + restore + code_maps + layer;
    (fixed + restore_fixed + key + bytes / 1e6).ceil() as usize
}

/// Hides the secrets in the cover: returns the container, the difference ×10
/// and the container's PSNR/SSIM against the cover.
pub fn hide(models: &Models, limits: Limits, body: Body) -> Result<Prepared, ApiError> {
    let (model, cover, secrets, key, refine, channel, layer) = {
        let request: HideRequest = parse(body.bytes())?;
        let channel = request.channel;
        let lossy = matches!(channel, Channel::Jpeg | Channel::Reencode);
        let layer = model::layer_share(request.exact_layer, lossy).map_err(|refusal| {
            ApiError::bad(match refusal {
                LayerRefusal::OutOfRange(share) => {
                    format!("exact_layer: the share of samples must be 0 to 1, not {share}")
                }
                LayerRefusal::Lossy => "exact_layer: a JPEG container loses its lowest bits, so the layer needs the png channel".to_string(),
            })
        })?;
        let key = passphrase(request.key.as_deref())?;
        let model = models.choose(request.secrets.len(), channel)?;
        if request.refine > MAX_REFINE_STEPS {
            return Err(ApiError::bad(format!(
                "refine: at most {MAX_REFINE_STEPS} steps, got {}",
                request.refine
            )));
        }
        let cover = image_field("cover", &request.cover, limits)?;
        let secrets = secret_fields(&request.secrets, limits)?;
        (model, cover, secrets, key, request.refine, channel, layer)
    };
    // The pictures are decoded: the body (and its share of the budget) can go.
    drop(body);
    let work = Work::Hide {
        secrets: secrets.len(),
        refine: refine > 0,
        layer: layer.is_some(),
    };
    let memory_mb = estimate_mb(model, work, cover.width(), cover.height(), key.is_some());
    let count = secrets.len();
    Ok(Prepared::new(memory_mb, move |models| {
        let model = models.choose(count, channel)?;
        let key = derive(key)?;
        let refinement = (refine > 0).then(|| Refinement {
            steps: refine,
            ..Refinement::default()
        });
        let container = model
            .hide(&cover, secrets, key.as_ref(), refinement.as_ref(), layer)
            .map_err(ApiError::hiding)?;
        // Through the JPEG channel the container leaves as the JPEG `hide
        // --allow-lossy` writes; the numbers are those of that file's pixels.
        let (container, url) = match channel {
            Channel::Png | Channel::Keyed | Channel::Earlier => {
                let url = data_url(&container)?;
                (container, url)
            }
            Channel::Jpeg | Channel::Reencode => {
                let bytes = match channel {
                    Channel::Jpeg => attack::encode_jpeg(&container, JPEG_QUALITY),
                    _ => attack::encode_jpeg_420(&container, JPEG_QUALITY),
                }
                .map_err(ApiError::internal)?;
                let written = attack::decode_jpeg(&bytes).map_err(ApiError::internal)?;
                (
                    written,
                    format!("data:image/jpeg;base64,{}", BASE64.encode(bytes)),
                )
            }
        };
        let difference = plot::amplified_difference(&cover, &container, 10.0);
        Ok(json!({
            "model": model.name,
            "refine": refine,
            "channel": channel,
            "exact_layer": layer,
            "width": cover.width(),
            "height": cover.height(),
            "container": url,
            "difference": data_url(&difference)?,
            "container_psnr": psnr(&cover, &container),
            "container_ssim": ssim(&cover, &container),
        }))
    }))
}

/// Reveals `count` pictures from the container.
pub fn reveal(models: &Models, limits: Limits, body: Body) -> Result<Prepared, ApiError> {
    let (model, container, count, key, channel) = {
        let request: RevealRequest = parse(body.bytes())?;
        let channel = request.channel;
        let key = passphrase(request.key.as_deref())?;
        let model = models.choose(request.count, channel)?;
        let bytes = base64_field("container", &request.container)?;
        if let Some(why) = model.cannot_read(&bytes) {
            return Err(ApiError::bad(format!(
                "the container {why}; choose the JPEG channel (\"channel\": \"jpeg\") for containers made that way"
            )));
        }
        let container = decode_field("container", &bytes, limits)?;
        (model, container, request.count, key, channel)
    };
    drop(body);
    let work = Work::Reveal { count };
    let memory_mb = estimate_mb(
        model,
        work,
        container.width(),
        container.height(),
        key.is_some(),
    );
    Ok(Prepared::new(memory_mb, move |models| {
        let model = models.choose(count, channel)?;
        let key = derive(key)?;
        let revealed = model
            .reveal(&container, count, key.as_ref())
            .map_err(ApiError::internal)?;
        let revealed = revealed
            .iter()
            .map(data_url)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(json!({
            "model": model.name,
            "width": container.width(),
            "height": container.height(),
            "revealed": revealed,
        }))
    }))
}

/// The "look inside" figure and its numbers (as `plainsight inspect --json`).
pub fn inspect(models: &Models, limits: Limits, body: Body) -> Result<Prepared, ApiError> {
    let (model, container, cover, secrets, count, at, key) = {
        let request: InspectRequest = parse(body.bytes())?;
        let count = request.count.unwrap_or(request.secrets.len().max(1));
        if request.secrets.len() > count {
            return Err(ApiError::bad(format!(
                "{} secrets given but only {count} to reveal",
                request.secrets.len()
            )));
        }
        let model = models.for_count(count)?;
        let key = passphrase(request.key.as_deref())?;
        let container = image_field("container", &request.container, limits)?;
        if let Some((x, y)) = request.at {
            let (width, height) = (container.width(), container.height());
            if x >= width || y >= height {
                return Err(ApiError::bad(format!(
                    "at: the point {x},{y} is outside the {width}x{height} container"
                )));
            }
        }
        let cover = request
            .cover
            .as_deref()
            .map(|c| image_field("cover", c, limits))
            .transpose()?;
        let secrets = secret_fields(&request.secrets, limits)?;
        (model, container, cover, secrets, count, request.at, key)
    };
    drop(body);
    let work = Work::Inspect {
        images: 1 + usize::from(cover.is_some()) + secrets.len(),
    };
    let memory_mb = estimate_mb(
        model,
        work,
        container.width(),
        container.height(),
        key.is_some(),
    );
    Ok(Prepared::new(memory_mb, move |models| {
        let model = models.for_count(count)?;
        let key = derive(key)?;
        let inspection = inspection::inspect(
            model,
            inspection::Request {
                container: &container,
                cover: cover.as_ref(),
                secrets,
                count,
                at,
                key: key.as_ref(),
            },
        )
        // What fails here is the request's fault: sizes that differ, a point outside.
        .map_err(|e| ApiError::bad(format!("{e:#}")))?;
        Ok(json!({
            "figure": data_url(&inspection.figure)?,
            "report": inspection.report,
        }))
    }))
}

/// A request's passphrase; absent means no key, and an empty one is refused (as
/// `--key ""` is), since it would look like a key and be none.
fn passphrase(text: Option<&str>) -> Result<Option<String>, ApiError> {
    match text {
        None => Ok(None),
        Some("") => Err(ApiError::bad("the key is empty")),
        Some(text) => Ok(Some(text.to_owned())),
    }
}

/// The key from a passphrase: Argon2 (64 MiB), so it runs as model work.
fn derive(passphrase: Option<String>) -> Result<Option<Key>, ApiError> {
    passphrase
        .map(|text| Key::derive(text.as_bytes()).map_err(ApiError::internal))
        .transpose()
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        // serde_json quotes what it did not expect, which may be a whole image.
        let reason = shorten_quotes(&e.to_string());
        ApiError::bad(format!(
            "the request is not the JSON this API expects: {}",
            shorten(&reason, 3 * QUOTE_LIMIT)
        ))
    })
}

/// The most characters of a client's own text that an error message repeats.
pub const QUOTE_LIMIT: usize = 80;

/// `text`, cut to `limit` characters with an ellipsis.
pub fn shorten(text: &str, limit: usize) -> Cow<'_, str> {
    match text.char_indices().nth(limit) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
    }
}

/// Cuts every `"quoted"` or `` `quoted` `` part of a message to [`QUOTE_LIMIT`].
fn shorten_quotes(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = rest.as_bytes()[open] as char;
        out.push_str(&rest[..=open]);
        let inside = &rest[open + 1..];
        // serde writes strings as Rust does: a `"` inside one is escaped.
        let mut escaped = false;
        let close = inside.char_indices().find_map(|(i, c)| {
            let closes = c == quote && !escaped;
            escaped = quote == '"' && c == '\\' && !escaped;
            closes.then_some(i)
        });
        match close {
            Some(close) => {
                out.push_str(&shorten(&inside[..close], QUOTE_LIMIT));
                out.push(quote);
                rest = &inside[close + 1..];
            }
            None => {
                out.push_str(&shorten(inside, QUOTE_LIMIT));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes a base64 image (bare or a `data:` URL) within the pixel limit.
fn image_field(name: &str, text: &str, limits: Limits) -> Result<RgbImage, ApiError> {
    decode_field(name, &base64_field(name, text)?, limits)
}

/// The bytes of a base64 field (bare or a `data:` URL).
fn base64_field(name: &str, text: &str) -> Result<Vec<u8>, ApiError> {
    let payload = match text.split_once(";base64,") {
        Some((prefix, payload)) if prefix.starts_with("data:") => payload,
        _ => text,
    };
    BASE64
        .decode(payload.trim())
        .map_err(|_| ApiError::bad(format!("{name}: not base64-encoded image data")))
}

/// Image bytes decoded within the pixel limit.
fn decode_field(name: &str, bytes: &[u8], limits: Limits) -> Result<RgbImage, ApiError> {
    images::decode_limited(bytes, limits.max_pixels).map_err(|e| {
        // Too large or cut short: the image is readable, it says why it is refused.
        let (status, message) = if e.is::<images::TooLarge>() {
            (413, format!("{name}: {e}"))
        } else if e.is::<images::Truncated>() {
            (400, format!("{name}: {e}"))
        } else {
            (
                400,
                format!(
                    "{name}: not a {} image we can read ({e:#})",
                    images::FORMATS
                ),
            )
        };
        ApiError { status, message }
    })
}

/// Every secret of a request, decoded ("secret 1", "secret 2"… in messages).
fn secret_fields(texts: &[Text], limits: Limits) -> Result<Vec<RgbImage>, ApiError> {
    texts
        .iter()
        .enumerate()
        .map(|(i, s)| image_field(&format!("secret {}", i + 1), s, limits))
        .collect()
}

/// Quality of a container delivered through the JPEG channel (as `hide` writes one).
const JPEG_QUALITY: u8 = 90;

fn data_url(image: &RgbImage) -> Result<String, ApiError> {
    let png = images::encode_png(image).map_err(ApiError::internal)?;
    Ok(format!("data:image/png;base64,{}", BASE64.encode(png)))
}
