#!/usr/bin/env python3
"""Real channels, measured with an encoder we did not write.

For the first N cover/secret pairs of a folder (photo i the cover, photo i+1 its
secret, 256x256 centre crops, as `plainsight eval` pairs them), hides with the
plainsight binary into an 8-bit PNG, then re-encodes the container with Pillow
(libjpeg-turbo; 4:2:0 chroma unless said) the way people's software does, reveals
from the re-encoded file with the binary and reports revealed PSNR (RGB, 8-bit),
mean and worst, per channel. Needs Pillow and NumPy (pip install pillow numpy).

    python3 bench/pillow_channels.py --model robust --data ../shared/data/bsds500/test -n 50
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

CHANNELS = {
    "none": lambda im: im,
    "jpeg 4:2:0 q90": lambda im: jpeg(im, 90, 2),
    "jpeg 4:2:0 q75": lambda im: jpeg(im, 75, 2),
    "jpeg 4:4:4 q90": lambda im: jpeg(im, 90, 0),
    "chat 0.75 (bicubic, q80 4:2:0)": lambda im: chat(im, 0.75, 80),
    "bicubic x0.5 and back": lambda im: round_trip(im, 0.5, Image.BICUBIC),
    "bilinear x0.75 and back": lambda im: round_trip(im, 0.75, Image.BILINEAR),
    "lanczos x0.75 and back": lambda im: round_trip(im, 0.75, Image.LANCZOS),
    "noise sigma 2": lambda im: noise(im, 2.0),
}


def jpeg(im, quality, subsampling):
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=quality, subsampling=subsampling)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def round_trip(im, scale, kernel):
    w, h = im.size
    small = im.resize((max(1, round(w * scale)), max(1, round(h * scale))), kernel)
    return small.resize((w, h), kernel)


def chat(im, scale, quality):
    w, h = im.size
    small = im.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.BICUBIC)
    return jpeg(small, quality, 2).resize((w, h), Image.BICUBIC)


def noise(im, sigma):
    rng = np.random.default_rng(7)
    a = np.asarray(im).astype(np.float64) + rng.normal(0, sigma, (im.size[1], im.size[0], 3))
    return Image.fromarray(np.clip(np.round(a), 0, 255).astype(np.uint8))


def psnr(a, b):
    mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def centre_crop(path, side):
    im = Image.open(path).convert("RGB")
    w, h = im.size
    if min(w, h) < side:
        return None
    x, y = (w - side) // 2, (h - side) // 2
    return im.crop((x, y, x + side, y + side))


def run(binary, *args):
    done = subprocess.run([binary, *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)}: {done.stderr.strip()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="robust")
    parser.add_argument("--data", required=True)
    parser.add_argument("-n", type=int, default=50, help="pairs")
    parser.add_argument("--crop", type=int, default=256)
    parser.add_argument("--exact-layer", help="hide with --exact-layer SHARE")
    parser.add_argument("--binary", default=os.environ.get("PLAINSIGHT", "target/release/plainsight"))
    args = parser.parse_args()

    names = sorted(
        os.path.join(root, f)
        for root, _, files in os.walk(args.data)
        for f in files
        if f.lower().endswith((".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"))
    )
    photos = [c for c in (centre_crop(p, args.crop) for p in names) if c is not None]
    pairs = min(args.n, len(photos))
    scores = {name: [] for name in CHANNELS}
    container_psnr = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(pairs):
            cover, secret = photos[i], photos[(i + 1) % len(photos)]
            cover.save(f"{tmp}/cover.png")
            secret.save(f"{tmp}/secret.png")
            stego = f"{tmp}/stego{i}.png"
            run(args.binary, "hide", "--cover", f"{tmp}/cover.png", "--secret", f"{tmp}/secret.png",
                "--out", stego, "--model", args.model,
                *(["--exact-layer", args.exact_layer] if args.exact_layer else []))
            container = Image.open(stego).convert("RGB")
            container_psnr.append(psnr(cover, container))
            for name, channel in CHANNELS.items():
                received = f"{tmp}/received{i}.png"
                channel(container).save(received)
                revealed = f"{tmp}/revealed{i}.png"
                run(args.binary, "reveal", "--stego", received, "--out", revealed, "--model",
                    args.model, "--force")
                scores[name].append(psnr(secret, Image.open(revealed).convert("RGB")))
                os.remove(received)
            print(f"\r{i + 1}/{pairs} pairs", end="", file=sys.stderr)
    print(file=sys.stderr)
    print(f"model {args.model}, {pairs} pairs from {args.data} ({args.crop} crops), "
          f"container PSNR {np.mean(container_psnr):.2f} / worst {np.min(container_psnr):.2f} dB")
    print("| channel (Pillow) | revealed PSNR mean | worst |")
    print("|---|---|---|")
    for name, values in scores.items():
        print(f"| {name} | {np.mean(values):.2f} | {np.min(values):.2f} |")


if __name__ == "__main__":
    main()
