//! Colour maps for drawing scalar fields, with the colour bars that explain them.

use plainsight_core::analysis::residual::Map;
use plainsight_core::RgbImage;

/// How values become colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Colormap {
    /// Dark blue → green → yellow, for magnitudes (perceptually ordered, like viridis).
    Sequential,
    /// Blue → white → red, for signed values centred on zero.
    Diverging,
}

const SEQUENTIAL: [[f32; 3]; 5] = [
    [68.0, 1.0, 84.0],
    [59.0, 82.0, 139.0],
    [33.0, 145.0, 140.0],
    [94.0, 201.0, 98.0],
    [253.0, 231.0, 37.0],
];
const DIVERGING: [[f32; 3]; 5] = [
    [33.0, 102.0, 172.0],
    [146.0, 197.0, 222.0],
    [247.0, 247.0, 247.0],
    [244.0, 165.0, 130.0],
    [178.0, 24.0, 43.0],
];

impl Colormap {
    /// Colour of `t` in 0..=1 (clamped).
    pub fn colour(self, t: f32) -> [u8; 3] {
        let stops = match self {
            Colormap::Sequential => &SEQUENTIAL,
            Colormap::Diverging => &DIVERGING,
        };
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let position = t * (stops.len() - 1) as f32;
        let i = (position.floor() as usize).min(stops.len() - 2);
        let f = position - i as f32;
        let (a, b) = (stops[i], stops[i + 1]);
        [0, 1, 2].map(|c| (a[c] + (b[c] - a[c]) * f).round() as u8)
    }

    /// `map` drawn with values `low..=high` spread over the colours.
    pub fn paint(self, map: &Map, low: f32, high: f32) -> RgbImage {
        let span = (high - low).max(f32::MIN_POSITIVE);
        let data = map
            .values
            .iter()
            .flat_map(|&v| self.colour((v - low) / span))
            .collect();
        RgbImage::new(map.width, map.height, data).expect("map size")
    }

    /// A horizontal strip from the lowest to the highest colour.
    pub fn bar(self, width: usize, height: usize) -> RgbImage {
        let mut image = RgbImage::filled(width, height, [0, 0, 0]).expect("non-empty bar");
        for x in 0..width {
            let rgb = self.colour(x as f32 / (width - 1).max(1) as f32);
            (0..height).for_each(|y| image.set_pixel(x, y, rgb));
        }
        image
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_and_middle() {
        assert_eq!(Colormap::Sequential.colour(0.0), [68, 1, 84]);
        assert_eq!(Colormap::Sequential.colour(1.0), [253, 231, 37]);
        assert_eq!(Colormap::Diverging.colour(0.5), [247, 247, 247]);
        assert_eq!(Colormap::Diverging.colour(f32::NAN), [33, 102, 172]);
    }
}
