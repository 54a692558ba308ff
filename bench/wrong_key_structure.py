#!/usr/bin/env python3
"""Does a wrong key's output still carry the secret's layout?

For each pair of held-out photos (256 centre crops, photo i as cover, i+1 as secret) this
hides with one key through the CLI, reveals with wrong keys (one-character variants and
random keys) and with no key, and compares each output with the secret three ways:

- SSIM of the output as it is (the prototype's: 11x11 Gaussian window, sigma 1.5);
- SSIM of the same output with its 4x4 blocks shuffled at random (a control with the
  output's colours, its noise and how that noise varies from block to block, but by
  construction no layout);
- SSIM of a flat image of the output's mean colour;
- SSIM of the same output against an unrelated photo (one not in any pair): a control
  that keeps the output exactly as it is, so it also fits outputs whose own texture
  (smooth noise, say) scores differently from their block-shuffled copy.

"structure" = SSIM(output) - SSIM(block-shuffled output): what the output's arrangement adds.
Zero (within the spread over pairs) means nothing of where things are in the secret
survives; a mosaic of genuine tiles or an energy outline shows up as a positive excess.
"excess over unrelated" = SSIM against the secret - SSIM against the unrelated photo: what
the output knows of this secret rather than of photos in general.

Usage: python3 bench/wrong_key_structure.py MODEL [--pairs 20] [--bin target/release/plainsight]
"""

import argparse
import pathlib
import secrets as token
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from keyed_mixing_prototype import gaussian_ssim  # noqa: E402  (one SSIM for the bench)

DATA = pathlib.Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bsds500" / "test"
RIGHT = "plainsight test key 1"
VARIANTS = ["plainsight test key 2", "Plainsight test key 1", "plainsight test kex 1",
            "plainsight test key 1 ", "plainsight test key", "plainsight test key 11"]


def ssim(a, b):
    """The prototype's SSIM (11x11 Gaussian window) of two HxWx3 arrays of 0..255 values."""
    as_tensor = lambda x: torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32) / 255).permute(2, 0, 1)[None]  # noqa: E731
    return gaussian_ssim(as_tensor(a), as_tensor(b)).item()


def psnr(a, b):
    return 10 * np.log10(255 ** 2 / ((a - b) ** 2).mean())


def block_shuffled(image, block, rng):
    """`image` with its block x block tiles in a random order."""
    h, w, _ = image.shape
    rows, cols = h // block, w // block
    tiles = image[:rows * block, :cols * block].reshape(rows, block, cols, block, 3)
    tiles = tiles.transpose(0, 2, 1, 3, 4).reshape(rows * cols, block, block, 3)
    tiles = tiles[rng.permutation(rows * cols)].reshape(rows, cols, block, block, 3)
    out = image.copy()
    out[:rows * block, :cols * block] = tiles.transpose(0, 2, 1, 3, 4).reshape(rows * block, cols * block, 3)
    return out


def centre_crop(path, size=256):
    im = Image.open(path).convert("RGB")
    w, h = im.size
    x, y = (w - size) // 2, (h - size) // 2
    return im.crop((x, y, x + size, y + size))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--pairs", type=int, default=20)
    ap.add_argument("--random-keys", type=int, default=4)
    ap.add_argument("--block", type=int, default=4, help="block side of the shuffled control")
    ap.add_argument("--bin", default="target/release/plainsight")
    args = ap.parse_args()
    photos = sorted(p for p in DATA.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    if 2 * args.pairs + 1 > len(photos):
        sys.exit(f"--pairs {args.pairs}: needs {2 * args.pairs + 1} photos (pairs and unrelated ones), {DATA} has {len(photos)}")
    rng = np.random.default_rng(0)
    keys = VARIANTS + [token.token_urlsafe(12) for _ in range(args.random_keys)] + [None]
    rows = {"right key": []}
    rows.update({"wrong keys": [], "no key": []})
    with tempfile.TemporaryDirectory() as tmp:
        t = pathlib.Path(tmp)
        for i in range(args.pairs):
            centre_crop(photos[i]).save(t / "cover.png")
            centre_crop(photos[i + 1]).save(t / "secret.png")
            secret = np.asarray(Image.open(t / "secret.png"), float)
            unrelated = np.asarray(centre_crop(photos[args.pairs + 1 + i]), float)
            run = lambda *a: subprocess.run([args.bin, "-q", *a], check=True)
            run("hide", "--model", args.model, "--key", RIGHT, "--cover", str(t / "cover.png"),
                "--secret", str(t / "secret.png"), "--out", str(t / "c.png"), "--force")
            for key in [RIGHT] + keys:
                extra = [] if key is None else [f"--key={key}"]  # "=": a random key may start with "-"
                run("reveal", "--model", args.model, *extra, "--stego", str(t / "c.png"),
                    "--out", str(t / "r.png"), "--force")
                out = np.asarray(Image.open(t / "r.png"), float)
                shuffled = block_shuffled(out, args.block, rng)
                flat = np.broadcast_to(out.reshape(-1, 3).mean(0), out.shape)
                s = ssim(secret, out)
                entry = (psnr(secret, out), s, ssim(secret, shuffled), ssim(secret, flat),
                         ssim(unrelated, out))
                row = "right key" if key == RIGHT else ("no key" if key is None else "wrong keys")
                rows[row].append(entry)
    print(f"model {args.model}: {args.pairs} bsds500/test pairs (256 centre crops), "
          f"{len(keys) - 1} wrong keys ({len(VARIANTS)} one-character variants)")
    print("| reveal with | PSNR | SSIM | SSIM, blocks shuffled | structure (difference) mean / highest "
          "| SSIM, flat mean colour | SSIM against an unrelated photo | excess over unrelated, mean ± 2 s.e. |")
    print("|---|---|---|---|---|---|---|---|")
    for name, entries in rows.items():
        e = np.array(entries)
        excess = e[:, 1] - e[:, 2]
        over_unrelated = e[:, 1] - e[:, 4]
        print(f"| {name} | {e[:, 0].mean():.2f} | {e[:, 1].mean():.4f} | {e[:, 2].mean():.4f} | "
              f"{excess.mean():+.4f} / {excess.max():+.4f} | {e[:, 3].mean():.4f} | {e[:, 4].mean():.4f} | "
              f"{over_unrelated.mean():+.4f} ± {2 * over_unrelated.std(ddof=1) / np.sqrt(len(e)):.4f} |")


if __name__ == "__main__":
    main()
