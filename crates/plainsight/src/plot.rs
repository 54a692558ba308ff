//! Figures: the training loss curve and the results grid.

use plainsight_core::RgbImage;

use crate::colormap::Colormap;
use crate::font::{draw_text, line_height, text_width};

const WHITE: [u8; 3] = [255, 255, 255];
const INK: [u8; 3] = [30, 30, 30];

/// The training loss on a log scale: raw values in grey, a running mean in blue.
pub fn loss_curve(losses: &[(usize, f64)], width: usize, height: usize) -> RgbImage {
    let mut canvas = Canvas::new(width, height);
    let (left, right, top, bottom) = (70, width - 20, 30, height - 40);
    canvas.text(left, 8, "training loss (log scale) vs step", 2, INK);
    canvas.line_h(left, right, bottom, INK);
    canvas.line_v(left, top, bottom, INK);
    let points: Vec<(usize, f64)> = losses
        .iter()
        .filter(|(_, l)| l.is_finite() && *l > 0.0)
        .map(|&(s, l)| (s, l.log10()))
        .collect();
    if points.len() < 2 {
        return canvas.image;
    }
    let (first, last) = (points[0].0 as f64, points[points.len() - 1].0 as f64);
    let lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let span = (hi - lo).max(1e-9);
    let to_xy = |step: f64, value: f64| {
        let x = left as f64 + (step - first) / (last - first).max(1.0) * (right - left) as f64;
        let y = bottom as f64 - (value - lo) / span * (bottom - top) as f64;
        (x.round() as usize, y.round() as usize)
    };
    for &(step, value) in &points {
        let (x, y) = to_xy(step as f64, value);
        canvas.dot(x, y, [190, 190, 190]);
    }
    let window = (points.len() / 50).max(1);
    let mut previous = None;
    for chunk in points.chunks(window) {
        let step = chunk.iter().map(|p| p.0 as f64).sum::<f64>() / chunk.len() as f64;
        let value = chunk.iter().map(|p| p.1).sum::<f64>() / chunk.len() as f64;
        let now = to_xy(step, value);
        if let Some(before) = previous {
            canvas.segment(before, now, [20, 80, 200]);
        }
        previous = Some(now);
    }
    canvas.text(4, top, &format!("{:.1e}", 10f64.powf(hi)), 2, INK);
    canvas.text(4, bottom - 10, &format!("{:.1e}", 10f64.powf(lo)), 2, INK);
    canvas.text(left, bottom + 8, &format!("{}", first as usize), 2, INK);
    let end = format!("{} steps", last as usize);
    canvas.text(right - text_width(&end, 2), bottom + 8, &end, 2, INK);
    canvas.image
}

/// One labelled picture in a figure, with a colour bar when it shows a scalar field.
pub struct Panel {
    pub label: String,
    pub image: RgbImage,
    pub bar: Option<ColourBar>,
}

/// What the colours of a panel mean: the map and the values at its two ends.
pub struct ColourBar {
    pub map: Colormap,
    pub low: String,
    pub high: String,
}

impl Panel {
    pub fn new(label: impl Into<String>, image: RgbImage) -> Self {
        Panel {
            label: label.into(),
            image,
            bar: None,
        }
    }

    pub fn with_bar(mut self, map: Colormap, low: String, high: String) -> Self {
        self.bar = Some(ColourBar { map, low, high });
        self
    }
}

/// Panels in rows of `columns`, each fitted (aspect kept) into a `side`×`side` box,
/// with its label above and its colour bar, if any, below. `smooth` says per panel
/// whether to resample smoothly (photos) or keep pixels square (maps).
pub fn board(panels: &[(Panel, bool)], columns: usize, side: usize) -> RgbImage {
    let (gap, label) = (12, line_height(2) + 6);
    let bar = 8 + 4 + line_height(2) + 4;
    let cell = (side + gap, label + side + bar + gap);
    let rows = panels.len().div_ceil(columns.max(1));
    let columns = columns.min(panels.len()).max(1);
    let mut canvas = Canvas::new(gap + columns * cell.0, gap + rows * cell.1);
    for (i, (panel, smooth)) in panels.iter().enumerate() {
        let (x, y) = (gap + (i % columns) * cell.0, gap + (i / columns) * cell.1);
        canvas.text(x, y, &panel.label, 2, INK);
        let (w, h) = (panel.image.width(), panel.image.height());
        let scale = side as f64 / w.max(h) as f64;
        let (fw, fh) = (
            ((w as f64 * scale).round() as usize).max(1),
            ((h as f64 * scale).round() as usize).max(1),
        );
        let fitted = if *smooth {
            panel.image.resized(fw, fh)
        } else {
            nearest(&panel.image, fw, fh)
        };
        canvas.image.paste(&fitted, x, y + label);
        if let Some(colours) = &panel.bar {
            let top = y + label + fh + 4;
            canvas.image.paste(&colours.map.bar(fw, 8), x, top);
            canvas.text(x, top + 12, &colours.low, 2, INK);
            let right = x + fw;
            let width = text_width(&colours.high, 2);
            canvas.text(
                right.saturating_sub(width).max(x),
                top + 12,
                &colours.high,
                2,
                INK,
            );
        }
    }
    canvas.image
}

/// Nearest-neighbour resampling: every source pixel stays a crisp square.
fn nearest(image: &RgbImage, width: usize, height: usize) -> RgbImage {
    let mut out = RgbImage::filled(width, height, WHITE).expect("non-empty");
    for y in 0..height {
        for x in 0..width {
            let sx = (x * image.width() / width).min(image.width() - 1);
            let sy = (y * image.height() / height).min(image.height() - 1);
            out.set_pixel(x, y, image.pixel(sx, sy));
        }
    }
    out
}

/// Rows of labelled panels, each scaled to `panel_height` pixels high.
pub fn grid(rows: &[Vec<Panel>], panel_height: usize) -> RgbImage {
    let (gap, label) = (8, line_height(2) + 6);
    let scaled: Vec<Vec<(String, RgbImage)>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|panel| {
                    let w = (panel.image.width() * panel_height)
                        .div_ceil(panel.image.height())
                        .max(1);
                    (panel.label.clone(), panel.image.resized(w, panel_height))
                })
                .collect()
        })
        .collect();
    let width = scaled
        .iter()
        .map(|row| row.iter().map(|p| p.1.width() + gap).sum::<usize>() + gap)
        .max()
        .unwrap_or(1);
    let height = gap + rows.len() * (label + panel_height + gap);
    let mut canvas = Canvas::new(width, height);
    for (r, row) in scaled.iter().enumerate() {
        let y = gap + r * (label + panel_height + gap);
        let mut x = gap;
        for (text, image) in row {
            canvas.text(x, y, text, 2, INK);
            canvas.image.paste(image, x, y + label);
            x += image.width() + gap;
        }
    }
    canvas.image
}

/// `|a − b|` per channel, multiplied by `gain` and clipped (`gain` 10 shows errors of ±25).
pub fn amplified_difference(a: &RgbImage, b: &RgbImage, gain: f32) -> RgbImage {
    let data = a
        .as_bytes()
        .iter()
        .zip(b.as_bytes())
        .map(|(&x, &y)| ((x as f32 - y as f32).abs() * gain).min(255.0) as u8)
        .collect();
    RgbImage::new(a.width(), a.height(), data).expect("same size")
}

struct Canvas {
    image: RgbImage,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Self {
        Canvas {
            image: RgbImage::filled(width, height, WHITE).expect("non-empty canvas"),
        }
    }

    fn text(&mut self, x: usize, y: usize, text: &str, scale: usize, rgb: [u8; 3]) {
        draw_text(&mut self.image, x, y, text, scale, rgb);
    }

    fn dot(&mut self, x: usize, y: usize, rgb: [u8; 3]) {
        self.image.set_pixel(x, y, rgb);
    }

    fn line_h(&mut self, x0: usize, x1: usize, y: usize, rgb: [u8; 3]) {
        (x0..=x1).for_each(|x| self.dot(x, y, rgb));
    }

    fn line_v(&mut self, x: usize, y0: usize, y1: usize, rgb: [u8; 3]) {
        (y0..=y1).for_each(|y| self.dot(x, y, rgb));
    }

    fn segment(&mut self, from: (usize, usize), to: (usize, usize), rgb: [u8; 3]) {
        let steps = from.0.abs_diff(to.0).max(from.1.abs_diff(to.1)).max(1);
        for i in 0..=steps {
            let t = i as f64 / steps as f64;
            let x = from.0 as f64 + (to.0 as f64 - from.0 as f64) * t;
            let y = from.1 as f64 + (to.1 as f64 - from.1 as f64) * t;
            self.dot(x.round() as usize, y.round() as usize, rgb);
            self.dot(x.round() as usize, y.round() as usize + 1, rgb);
        }
    }
}
