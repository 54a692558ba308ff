//! The one error type of the core library.

/// Everything that can go wrong in the core library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A secret count outside 1..=[`crate::MAX_SECRETS`]; `what` names where it came from.
    #[error("{what}: a container carries at least 1 and at most {max} secrets, got {got}")]
    SecretCount {
        what: &'static str,
        max: usize,
        got: usize,
    },
    /// The model carries a different number of secrets than asked for.
    #[error("this model carries {expected} secret(s), but {got} were given")]
    SecretMismatch { expected: usize, got: usize },
    /// A pixel buffer whose length does not match its width and height.
    #[error("pixel buffer of {got} bytes does not match {width}x{height} RGB ({expected} bytes)")]
    BufferSize {
        width: usize,
        height: usize,
        expected: usize,
        got: usize,
    },
    /// Images that must share a size do not.
    #[error("image sizes differ: {expected_width}x{expected_height} expected, got {got_width}x{got_height}")]
    SizeMismatch {
        expected_width: usize,
        expected_height: usize,
        got_width: usize,
        got_height: usize,
    },
    /// An empty image.
    #[error("image is empty ({width}x{height})")]
    EmptyImage { width: usize, height: usize },
    /// A config.json that cannot be used.
    #[error("invalid model config: {0}")]
    Config(String),
    /// Weights that do not match their config or cannot be decoded.
    #[error("cannot load model weights: {0}")]
    Weights(String),
    /// An argument outside what is accepted (an attack, a key, a point, LSB bits),
    /// or a codec failure while distorting an image; the message says which.
    #[error("{0}")]
    Invalid(String),
    /// An option outside its accepted range. `option` is its name as the CLI spells
    /// it without the dashes (`time-limit`), so every front end can name it.
    #[error("--{option} {problem}")]
    Option {
        option: &'static str,
        problem: String,
    },
    /// Training data that cannot be used.
    #[error("training data: {0}")]
    Data(String),
}

/// Result alias of the core library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
