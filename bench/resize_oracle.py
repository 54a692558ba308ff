#!/usr/bin/env python3
"""An upper bound for one issue-23 lever: if the receiver knew exactly how a container
was resized and resized back, could it undo that before jpeg-1's lattice reveal?

For the first N bsds500/val pairs (256 crops, photo i the cover, i+1 the secret, as
`plainsight eval` pairs them): hide with `--model jpeg-1` into a PNG, resize down and
back with Pillow, then invert the known round trip -- Pillow's own resampling weights
(bench/robust_torch.py builds them), A = up * down per axis, z = (A^T A + lambda I)^-1
A^T y on rows and columns -- and reveal from the rounded z. Prints revealed PSNR
without and with the inversion. `as F'` rows invert with a slightly wrong factor, to see
how exactly a blind receiver would have to find the size.

Usage (after cargo build --release; numpy, Pillow, torch):
  python3 bench/resize_oracle.py --pairs 20
"""
import argparse, functools, os, subprocess, sys, tempfile

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pillow_channels import centre_crop, chat, psnr, round_trip  # noqa: E402
from robust_torch import resample_matrix  # noqa: E402

FILTERS = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR, "lanczos": Image.LANCZOS}
CASES = [  # label, factor, filter, JPEG quality at the small size, factor assumed
    ("bicubic x0.5", 0.5, "bicubic", None, 0.5),
    ("bilinear x0.5", 0.5, "bilinear", None, 0.5),
    ("bicubic x0.75", 0.75, "bicubic", None, 0.75),
    ("bilinear x0.75", 0.75, "bilinear", None, 0.75),
    ("lanczos x0.75", 0.75, "lanczos", None, 0.75),
    ("bicubic x0.75 inverted as x0.77", 0.75, "bicubic", None, 0.77),
    ("chat 0.75 (bicubic, 4:2:0 q80)", 0.75, "bicubic", 80, 0.75),
]


@functools.lru_cache(maxsize=None)
def inverse(n, factor, name, lam):
    small = round(n * factor)
    a = resample_matrix(small, n, name, "cpu").double().numpy() @ resample_matrix(n, small, name, "cpu").double().numpy()
    return np.linalg.solve(a.T @ a + lam * np.eye(n), a.T)


def channel(im, factor, name, quality):
    """Pillow's round trip, or with a quality the chat pipeline (bicubic only)."""
    return chat(im, factor, quality) if quality else round_trip(im, factor, FILTERS[name])


def run(binary, args, work):
    subprocess.run([binary] + args, check=True, capture_output=True, cwd=work)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=20)
    ap.add_argument("--data", default="../shared/data/bsds500/val")
    ap.add_argument("--lam", type=float, default=1e-3)
    ap.add_argument("--plainsight", default=os.path.abspath("target/release/plainsight"))
    args = ap.parse_args()
    files = sorted(os.listdir(args.data))[: args.pairs + 1]
    rows = {label: [] for label, *_ in CASES}
    with tempfile.TemporaryDirectory() as work:
        def reveal(im):
            for f in ("y.png", "r.png"):
                if os.path.exists(os.path.join(work, f)):
                    os.remove(os.path.join(work, f))
            im.save(os.path.join(work, "y.png"))
            run(args.plainsight, ["reveal", "--model", "jpeg-1", "--stego", "y.png", "--out", "r.png"], work)
            return Image.open(os.path.join(work, "r.png")).convert("RGB")

        for i in range(args.pairs):
            cover, secret = (centre_crop(os.path.join(args.data, f), 256) for f in files[i:i + 2])
            cover.save(os.path.join(work, "c.png"))
            secret.save(os.path.join(work, "s.png"))
            if os.path.exists(os.path.join(work, "x.png")):
                os.remove(os.path.join(work, "x.png"))
            run(args.plainsight, ["hide", "--model", "jpeg-1", "--cover", "c.png", "--secret", "s.png", "--out", "x.png"], work)
            container = Image.open(os.path.join(work, "x.png")).convert("RGB")
            for label, factor, name, quality, assumed in CASES:
                y = channel(container, factor, name, quality)
                a = inverse(256, assumed, name, args.lam)
                z = np.einsum("ij,jkc->ikc", a, np.asarray(y, np.float64))
                z = np.einsum("kj,ijc->ikc", a, z)
                z = Image.fromarray(np.clip(np.round(z), 0, 255).astype(np.uint8))
                rows[label].append((psnr(y, container), psnr(z, container), psnr(reveal(y), secret), psnr(reveal(z), secret)))
    print(f"| channel ({args.pairs} bsds500/val pairs, jpeg-1) | container after it | inverted | revealed | revealed after inverting |")
    print("|---|---|---|---|---|")
    for label, v in rows.items():
        m = np.array(v).mean(0)
        print(f"| {label} | {m[0]:.2f} | {m[1]:.2f} | {m[2]:.2f} | {m[3]:.2f} |")


if __name__ == "__main__":
    main()
