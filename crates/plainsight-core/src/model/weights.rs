//! Reading and writing weight files, safely.

use std::cell::Cell;
use std::sync::Once;

use burn::record::{FullPrecisionSettings, HalfPrecisionSettings, NamedMpkBytesRecorder};

use crate::error::{Error, Result};

/// The recorder for weights and optimizer state: named MessagePack, 32-bit floats.
/// It also reads files written with 16-bit floats, converting them to 32 bits.
pub type WeightRecorder = NamedMpkBytesRecorder<FullPrecisionSettings>;

/// Writes weights with 16-bit floats: half the size, for shipped models.
pub type CompactWeightRecorder = NamedMpkBytesRecorder<HalfPrecisionSettings>;

thread_local! {
    /// Set while this thread loads weights in [`catch_shape_panic`].
    static LOADING: Cell<bool> = const { Cell::new(false) };
}

/// burn panics when a record's tensor shapes differ from the module's; turn
/// that into an error so a mismatched config.json cannot crash the caller.
///
/// The panic message is kept off stderr for the loading thread only: one
/// process-wide hook, installed once, stays silent while that thread's flag is
/// set and passes every other panic to the hook it replaced. (Swapping the hook
/// per call raced between threads and could leave the silent hook installed.)
pub(crate) fn catch_shape_panic<T>(load: impl FnOnce() -> T) -> Result<T> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !LOADING.with(Cell::get) {
                previous(info);
            }
        }));
    });
    LOADING.with(|flag| flag.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(load));
    LOADING.with(|flag| flag.set(false));
    result.map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "weights do not match the config".into());
        Error::Weights(message)
    })
}
