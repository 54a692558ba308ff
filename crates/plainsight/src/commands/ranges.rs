//! The accepted range of every numeric option, checked when the flags are parsed, so
//! a value out of range gets a one-line error before any work (and before it can
//! ask for a huge allocation or a panic further down).

/// Parses an integer in `low..=high`, naming the range when it is not.
fn between(text: &str, low: usize, high: usize) -> Result<usize, String> {
    let value: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number from {low} to {high}"))?;
    if !(low..=high).contains(&value) {
        return Err(format!("must be from {low} to {high}"));
    }
    Ok(value)
}

macro_rules! ranged {
    ($($(#[$doc:meta])* $name:ident: $low:expr, $high:expr;)*) => {$(
        $(#[$doc])*
        pub fn $name(text: &str) -> Result<usize, String> {
            between(text, $low, $high)
        }
    )*};
}

ranged! {
    /// Side of a square crop in pixels (evaluation, validation, training).
    crop_side: 8, 16_384;
    /// A count of steps or images that must be at least one.
    at_least_one: 1, 100_000_000;
    /// Training batch size.
    batch: 1, 4096;
    /// Training steps.
    steps: 1, 100_000_000;
    /// Width of a hidden layer.
    width: 1, 2048;
    /// Convolution layers in the hiding and each reveal network.
    depth: 2, 64;
    /// Pixel-unshuffle factor.
    factor: 1, 32;
    /// Refinement steps (0: off).
    refine_steps: 0, 10_000;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_enforced() {
        assert_eq!(crop_side("256"), Ok(256));
        assert!(crop_side("0").unwrap_err().contains("8 to 16384"));
        assert!(batch("-1").is_err());
        assert!(depth("1").is_err());
        assert_eq!(refine_steps("0"), Ok(0));
        assert!(steps("1e9").is_err());
    }
}
