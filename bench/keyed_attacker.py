#!/usr/bin/env python3
"""The trained attacker against keys (issue 25): someone with the binary and the weights
makes as many containers as they like under random keys, with covers and secrets they
know, and trains a network to reveal the secret from a container without the key.

Usage (from the repository root, after `cargo build --release`; needs numpy, Pillow, torch):
    python3 bench/keyed_attacker.py MODEL [--train 400] [--test 100] [--minutes 20]

Containers: 128x128 crops, covers and secrets drawn from bsds500/train (attacker's
training set) and bsds500/test (measured), each hidden with `plainsight hide --model MODEL
--key K` under its own random key K. The attacker: an unshuffle network (factor 4, six
3x3 layers of 96 channels, a 1x1 path beside them) trained with MSE on its containers for
--minutes on the CPU. It reports revealed PSNR and SSIM (11x11 Gaussian window) against
the true secrets of the test containers, beside two references: the attacker's output
for its own training containers (how much it memorised) and a flat image of the
training secrets' mean colour (what "nothing learned" scores).
"""
import argparse
import os
import pathlib
import secrets as tokens
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, "bench")
from keyed_mixing_prototype import gaussian_ssim  # noqa: E402  (the prototype's SSIM)

BIN = os.environ.get("PLAINSIGHT_BIN", "target/release/plainsight")
CROP = 128


def photos(folder):
    files = sorted(p for p in pathlib.Path(folder).rglob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg"})
    return [np.asarray(Image.open(f).convert("RGB")) for f in files]


def crop(rng, photo):
    h, w, _ = photo.shape
    y, x = rng.integers(0, h - CROP + 1), rng.integers(0, w - CROP + 1)
    return photo[y:y + CROP, x:x + CROP]


def make_pairs(model, pool, count, rng, tmp):
    """`count` (container, secret) pairs, each container under a fresh random key."""
    containers, hidden = [], []
    for i in range(count):
        a, b = rng.choice(len(pool), size=2, replace=False)
        cover, secret = crop(rng, pool[a]), crop(rng, pool[b])
        Image.fromarray(cover).save(tmp / "cover.png")
        Image.fromarray(secret).save(tmp / "secret.png")
        subprocess.run([BIN, "hide", "--cover", str(tmp / "cover.png"), "--secret", str(tmp / "secret.png"),
                        "--out", str(tmp / "stego.png"), "--force", "--model", model,
                        "--key=" + tokens.token_urlsafe(12)], check=True, capture_output=True)
        containers.append(np.asarray(Image.open(tmp / "stego.png").convert("RGB")))
        hidden.append(secret)
        if (i + 1) % 50 == 0:
            print(f"  {i + 1}/{count} containers", file=sys.stderr)
    as_tensor = lambda xs: torch.tensor(np.stack(xs), dtype=torch.float32).permute(0, 3, 1, 2) / 255.0
    return as_tensor(containers), as_tensor(hidden)


class Attacker(nn.Module):
    def __init__(self, factor=4, width=96, depth=6):
        super().__init__()
        folded = 3 * factor * factor
        layers, inputs = [], folded
        for _ in range(depth - 1):
            layers += [nn.Conv2d(inputs, width, 3, padding=1), nn.ReLU()]
            inputs = width
        layers.append(nn.Conv2d(inputs, folded, 3, padding=1))
        self.stack, self.linear, self.factor = nn.Sequential(*layers), nn.Conv2d(folded, folded, 1), factor

    def forward(self, x):
        y = F.pixel_unshuffle(x, self.factor)
        return F.pixel_shuffle(self.stack(y) + self.linear(y), self.factor)


def scores(guess, truth):
    guess = (guess.clamp(0, 1) * 255).round() / 255
    mse = ((guess - truth) ** 2).mean(dim=(1, 2, 3)).clamp_min(1e-12)
    return (10 * torch.log10(1 / mse)).mean().item(), gaussian_ssim(guess, truth).mean().item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--train", type=int, default=400, help="attacker's training containers")
    parser.add_argument("--test", type=int, default=100, help="containers it is measured on")
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--data", default="../shared/data/bsds500")
    args = parser.parse_args()
    torch.manual_seed(3)
    rng = np.random.default_rng(3)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        train_x, train_y = make_pairs(args.model, photos(f"{args.data}/train"), args.train, rng, tmp)
        test_x, test_y = make_pairs(args.model, photos(f"{args.data}/test"), args.test, rng, tmp)
    net = Attacker()
    optim = torch.optim.Adam(net.parameters(), lr=1e-3)
    start, steps = time.time(), 0
    while time.time() - start < args.minutes * 60:
        idx = torch.from_numpy(rng.choice(len(train_x), size=16, replace=False))
        loss = F.mse_loss(net(train_x[idx]), train_y[idx])
        optim.zero_grad()
        loss.backward()
        optim.step()
        steps += 1
    net.eval()
    with torch.no_grad():
        guess = lambda xs: torch.cat([net(xs[i:i + 32]) for i in range(0, len(xs), 32)])  # noqa: E731
        attacked, memorised = scores(guess(test_x), test_y), scores(guess(train_x), train_y)
    flat = train_y.mean(dim=(0, 2, 3), keepdim=True).expand_as(test_y)
    print(f"attacker: {steps} steps of 16 in {args.minutes:g} min on {args.train} containers")
    print("| what | revealed PSNR | SSIM |")
    print("|---|---|---|")
    print(f"| trained attacker, {args.test} test containers | {attacked[0]:.2f} | {attacked[1]:.4f} |")
    print(f"| the same on its own training containers | {memorised[0]:.2f} | {memorised[1]:.4f} |")
    flat_scores = scores(flat, test_y)
    print(f"| flat image of the mean colour | {flat_scores[0]:.2f} | {flat_scores[1]:.4f} |")


if __name__ == "__main__":
    main()
