//! `POST /api/hide` and `POST /api/reveal`: JSON in, JSON out, images as
//! base64 PNG (requests may also send JPEG or TIFF, bare or as data URLs).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use plainsight_core::analysis::metrics::{psnr, ssim};
use plainsight_core::hiding::keys::Key;
use plainsight_core::hiding::refine::Refinement;
use plainsight_core::RgbImage;
use serde::Deserialize;
use serde_json::{json, Value};

use super::Limits;
use crate::images;
use crate::inspection;
use crate::model::{self, LoadedModel};
use crate::plot;

/// The models a server runs, loaded once and shared by all requests.
pub struct Models {
    /// Sorted by the number of secrets they carry.
    loaded: Vec<LoadedModel>,
}

impl Models {
    /// The embedded defaults (one model per secret count they serve), or one
    /// model for every count it can carry.
    pub fn load(spec: Option<&str>) -> anyhow::Result<Self> {
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
        Ok(Models { loaded })
    }

    pub fn all(&self) -> impl Iterator<Item = &LoadedModel> {
        self.loaded.iter()
    }

    pub fn max_secrets(&self) -> usize {
        self.loaded
            .iter()
            .map(|m| m.stego.secrets())
            .max()
            .unwrap_or(0)
    }

    /// The smallest model that carries `count` secrets.
    fn for_count(&self, count: usize) -> Result<&LoadedModel, ApiError> {
        let max = self.max_secrets();
        if count == 0 || count > max {
            return Err(ApiError::bad(format!(
                "this server hides and reveals 1 to {max} pictures per container, not {count}"
            )));
        }
        Ok(self
            .loaded
            .iter()
            .find(|m| m.stego.secrets() >= count)
            .expect("a model carries max_secrets"))
    }
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

    fn internal(error: impl std::fmt::Display) -> Self {
        ApiError {
            status: 500,
            message: format!("{error:#}"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HideRequest {
    cover: String,
    secrets: Vec<String>,
    key: Option<String>,
    /// Refinement steps (`hide --refine`); 0 or absent: none.
    #[serde(default)]
    refine: usize,
}

/// The most refinement steps a request may ask for: each costs a reveal pass
/// forward and backward, and one request holds a worker.
const MAX_REFINE_STEPS: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevealRequest {
    container: String,
    #[serde(default = "one")]
    count: usize,
    key: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InspectRequest {
    container: String,
    cover: Option<String>,
    #[serde(default)]
    secrets: Vec<String>,
    count: Option<usize>,
    at: Option<(usize, usize)>,
    key: Option<String>,
}

fn one() -> usize {
    1
}

/// Hides the secrets in the cover: returns the container, the difference ×10
/// and the container's PSNR/SSIM against the cover.
pub fn hide(models: &Models, limits: Limits, body: &[u8]) -> Result<Value, ApiError> {
    let request: HideRequest = parse(body)?;
    let model = models.for_count(request.secrets.len())?;
    let cover = image_field("cover", &request.cover, limits)?;
    let secrets = secret_fields(&request.secrets, limits)?;
    let key = key_field(request.key.as_deref())?;
    if request.refine > MAX_REFINE_STEPS {
        return Err(ApiError::bad(format!(
            "refine: at most {MAX_REFINE_STEPS} steps, got {}",
            request.refine
        )));
    }
    let refinement = (request.refine > 0).then(|| Refinement {
        steps: request.refine,
        ..Refinement::default()
    });
    let container = model
        .hide(&cover, secrets, key.as_ref(), refinement.as_ref())
        .map_err(ApiError::internal)?;
    let difference = plot::amplified_difference(&cover, &container, 10.0);
    Ok(json!({
        "model": model.name,
        "refine": request.refine,
        "width": cover.width(),
        "height": cover.height(),
        "container": data_url(&container)?,
        "difference": data_url(&difference)?,
        "container_psnr": psnr(&cover, &container),
        "container_ssim": ssim(&cover, &container),
    }))
}

/// Reveals `count` pictures from the container.
pub fn reveal(models: &Models, limits: Limits, body: &[u8]) -> Result<Value, ApiError> {
    let request: RevealRequest = parse(body)?;
    let model = models.for_count(request.count)?;
    let container = image_field("container", &request.container, limits)?;
    let key = key_field(request.key.as_deref())?;
    let revealed = model
        .reveal(&container, request.count, key.as_ref())
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
}

/// The "look inside" figure and its numbers (as `plainsight inspect --json`).
pub fn inspect(models: &Models, limits: Limits, body: &[u8]) -> Result<Value, ApiError> {
    let request: InspectRequest = parse(body)?;
    let count = request.count.unwrap_or(request.secrets.len().max(1));
    if request.secrets.len() > count {
        return Err(ApiError::bad(format!(
            "{} secrets given but only {count} to reveal",
            request.secrets.len()
        )));
    }
    let model = models.for_count(count)?;
    let container = image_field("container", &request.container, limits)?;
    let cover = request
        .cover
        .as_deref()
        .map(|c| image_field("cover", c, limits))
        .transpose()?;
    let secrets = secret_fields(&request.secrets, limits)?;
    let key = key_field(request.key.as_deref())?;
    let inspection = inspection::inspect(
        model,
        inspection::Request {
            container: &container,
            cover: cover.as_ref(),
            secrets,
            count,
            at: request.at,
            key: key.as_ref(),
        },
    )
    // What fails here is the request's fault: sizes that differ, a point outside.
    .map_err(|e| ApiError::bad(format!("{e:#}")))?;
    Ok(json!({
        "figure": data_url(&inspection.figure)?,
        "report": inspection.report,
    }))
}

/// The key from a request's passphrase; absent or empty means no key.
fn key_field(passphrase: Option<&str>) -> Result<Option<Key>, ApiError> {
    match passphrase {
        None | Some("") => Ok(None),
        Some(text) => Key::derive(text.as_bytes())
            .map(Some)
            .map_err(ApiError::internal),
    }
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad(format!("the request is not the JSON this API expects: {e}")))
}

/// Decodes a base64 image (bare or a `data:` URL) within the pixel limit.
fn image_field(name: &str, text: &str, limits: Limits) -> Result<RgbImage, ApiError> {
    let payload = match text.split_once(";base64,") {
        Some((prefix, payload)) if prefix.starts_with("data:") => payload,
        _ => text,
    };
    let bytes = BASE64
        .decode(payload.trim())
        .map_err(|_| ApiError::bad(format!("{name}: not base64-encoded image data")))?;
    images::decode_limited(&bytes, limits.max_pixels).map_err(|e| {
        let status = match e.downcast_ref::<images::TooLarge>() {
            Some(_) => 413,
            None => 400,
        };
        ApiError {
            status,
            message: format!("{name}: not a PNG, JPEG or TIFF image we can read ({e:#})"),
        }
    })
}

/// Every secret of a request, decoded ("secret 1", "secret 2"… in messages).
fn secret_fields(texts: &[String], limits: Limits) -> Result<Vec<RgbImage>, ApiError> {
    texts
        .iter()
        .enumerate()
        .map(|(i, s)| image_field(&format!("secret {}", i + 1), s, limits))
        .collect()
}

fn data_url(image: &RgbImage) -> Result<String, ApiError> {
    let png = images::encode_png(image).map_err(ApiError::internal)?;
    Ok(format!("data:image/png;base64,{}", BASE64.encode(png)))
}
