//! Hide and reveal with the embedded default-1 model at several image sizes, on the
//! direct CPU path (the default) and on burn.
//!
//! `cargo bench -p plainsight-core` (threads: all cores; set `RAYON_NUM_THREADS` to
//! limit; `PLAINSIGHT_BENCH_ENGINE=burn` times burn).
//! Results and machine: docs/performance.md.

use plainsight_core::hiding::Engine;
use plainsight_core::{CpuBackend, RgbImage, Stego};

fn main() {
    divan::main();
}

const SIZES: [(usize, usize); 4] = [(256, 256), (512, 512), (768, 512), (4000, 3000)];

fn model() -> Stego<CpuBackend> {
    let model = plainsight_weights::by_name("default-1").expect("embedded");
    let engine = match std::env::var("PLAINSIGHT_BENCH_ENGINE").as_deref() {
        Ok("burn") => Engine::Burn,
        _ => Engine::Direct,
    };
    Stego::from_bytes(model.config_json, model.weights, Default::default())
        .expect("loads")
        .with_engine(engine)
}

/// A deterministic, photo-like image (smooth gradients and waves).
fn photo(width: usize, height: usize, seed: usize) -> RgbImage {
    let data = (0..width * height)
        .flat_map(|p| {
            let (x, y) = ((p % width) as f32, (p / width) as f32);
            let wave = ((x * 0.031 + seed as f32).sin() * (y * 0.017).cos() + 1.0) * 0.5;
            [
                (40.0 + 180.0 * wave) as u8,
                (60.0 + 120.0 * (y / height as f32)) as u8,
                (90.0 + 100.0 * (1.0 - wave) * (x / width as f32)) as u8,
            ]
        })
        .collect();
    RgbImage::new(width, height, data).expect("size matches")
}

fn size_label(size: &(usize, usize)) -> String {
    format!("{}x{}", size.0, size.1)
}

#[divan::bench(args = SIZES.iter().map(size_label), sample_count = 3, sample_size = 1)]
fn hide(bencher: divan::Bencher, size: &str) {
    let (w, h) = parse(size);
    let stego = model();
    let (cover, secret) = (photo(w, h, 1), photo(w, h, 2));
    bencher.bench_local(|| stego.hide(&cover, std::slice::from_ref(&secret)).unwrap());
}

#[divan::bench(args = SIZES.iter().map(size_label), sample_count = 3, sample_size = 1)]
fn reveal(bencher: divan::Bencher, size: &str) {
    let (w, h) = parse(size);
    let stego = model();
    let container = stego.hide(&photo(w, h, 1), &[photo(w, h, 2)]).unwrap();
    bencher.bench_local(|| stego.reveal(&container, 1).unwrap());
}

fn parse(size: &str) -> (usize, usize) {
    let (w, h) = size.split_once('x').expect("WxH");
    (w.parse().unwrap(), h.parse().unwrap())
}
