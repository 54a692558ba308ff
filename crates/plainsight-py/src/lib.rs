//! `plainsight._core`: the Python module's native half. It takes and returns raw
//! 8-bit RGB bytes with their width and height; `python/plainsight/__init__.py`
//! turns NumPy arrays into those (grey and alpha converted as the CLI does) and
//! back. Hiding goes through the core's `Pipeline`, as the CLI and the web page do,
//! and errors carry the core's messages.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use plainsight_core::hiding::keys::Key;
use plainsight_core::hiding::lattice::LatticeHider;
use plainsight_core::hiding::layer::{self, Layered};
use plainsight_core::{CpuBackend, Hider, Pipeline, RgbImage, Stego};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// A hider the module shares between calls and threads.
type Shared = Arc<dyn Hider + Send + Sync>;

/// A loaded model and the strength its network keeps under the exact layer
/// ([`layer::strength_for`]).
type Loaded = (Shared, f32);

/// Embedded models (networks or the lattice code), each loaded once per process
/// and shared.
fn model(
    name: &'static str,
    load: impl FnOnce() -> plainsight_core::Result<Loaded>,
) -> PyResult<Loaded> {
    static LOADED: OnceLock<Mutex<HashMap<String, Loaded>>> = OnceLock::new();
    let mut loaded = LOADED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(model) = loaded.get(name) {
        return Ok(model.clone());
    }
    let model = load()
        .map_err(|e| PyValueError::new_err(format!("embedded model {name} is damaged: {e}")))?;
    loaded.insert(name.to_string(), model.clone());
    Ok(model)
}

/// The model asked for, or the embedded default for `count` secrets, checked to
/// carry them (the CLI's rule and messages).
fn choose(name: Option<&str>, count: usize) -> PyResult<Loaded> {
    plainsight_core::check_secret_count("secrets", count).map_err(value_error)?;
    let (name, (hider, strength)) = match name.and_then(plainsight_weights::code_by_name) {
        Some(code) => (
            code.name,
            model(code.name, || {
                let lattice = LatticeHider::from_bytes(code.bytes, code.restoration)?;
                Ok((Arc::new(lattice) as Shared, 1.0))
            })?,
        ),
        None => {
            let embedded =
                plainsight_weights::choose(name, count).map_err(PyValueError::new_err)?;
            let loaded = model(embedded.name, || {
                let stego: Stego<CpuBackend> =
                    Stego::from_bytes(embedded.config_json, embedded.weights, Default::default())?;
                let strength = layer::strength_for(stego.config());
                Ok((Arc::new(stego) as Shared, strength))
            })?;
            (embedded.name, loaded)
        }
    };
    plainsight_core::check_carries(name, hider.secrets(), count).map_err(value_error)?;
    Ok((hider, strength))
}

fn value_error(error: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(error.to_string())
}

fn key(passphrase: Option<&str>) -> PyResult<Option<Key>> {
    match passphrase {
        None => Ok(None),
        Some("") => Err(PyValueError::new_err("the key is empty")),
        Some(text) => Key::derive(text.as_bytes()).map(Some).map_err(value_error),
    }
}

fn image(bytes: Vec<u8>, width: usize, height: usize) -> PyResult<RgbImage> {
    RgbImage::new(width, height, bytes).map_err(value_error)
}

/// Hides `secrets` (each `(rgb, width, height)`) in the cover; returns the
/// container's RGB bytes (the cover's size). `exact_layer`: the share of samples
/// whose lowest bit carries the exact layer (as `hide --exact-layer`).
#[pyfunction]
#[pyo3(signature = (cover, width, height, secrets, model=None, key=None, exact_layer=None))]
#[allow(clippy::too_many_arguments)] // Python's keyword arguments, one each
fn hide<'py>(
    py: Python<'py>,
    cover: &[u8],
    width: usize,
    height: usize,
    secrets: Vec<(Vec<u8>, usize, usize)>,
    model: Option<&str>,
    key: Option<&str>,
    exact_layer: Option<f32>,
) -> PyResult<Bound<'py, PyBytes>> {
    let (stego, strength) = choose(model, secrets.len())?;
    let key = self::key(key)?;
    let cover = image(cover.to_vec(), width, height)?;
    let secrets = secrets
        .into_iter()
        .map(|(rgb, w, h)| image(rgb, w, h))
        .collect::<PyResult<Vec<_>>>()?;
    // The networks run without the interpreter lock: other Python threads go on.
    let container = py
        .detach(|| {
            let layered = Layered::new(stego.as_ref(), exact_layer)?.with_strength(strength)?;
            Pipeline::new(&layered).with_key(key).hide(&cover, &secrets)
        })
        .map_err(value_error)?;
    Ok(PyBytes::new(py, container.as_bytes()))
}

/// Reveals `count` secrets from the container; returns their RGB bytes.
#[pyfunction]
#[pyo3(signature = (container, width, height, count=1, model=None, key=None))]
fn reveal<'py>(
    py: Python<'py>,
    container: &[u8],
    width: usize,
    height: usize,
    count: usize,
    model: Option<&str>,
    key: Option<&str>,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let (stego, _) = choose(model, count)?;
    let key = self::key(key)?;
    let container = image(container.to_vec(), width, height)?;
    // Reveal reads the exact layer wherever the container holds one, as the CLI does.
    let revealed = py
        .detach(|| {
            let layered = Layered::new(stego.as_ref(), None)?;
            Pipeline::new(&layered)
                .with_key(key)
                .reveal(&container, count)
        })
        .map_err(value_error)?;
    Ok(revealed
        .iter()
        .map(|secret| PyBytes::new(py, secret.as_bytes()))
        .collect())
}

/// The embedded models' names.
#[pyfunction]
fn models() -> Vec<&'static str> {
    plainsight_weights::names()
}

#[pymodule]
fn _core(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(hide, module)?)?;
    module.add_function(wrap_pyfunction!(reveal, module)?)?;
    module.add_function(wrap_pyfunction!(models, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
