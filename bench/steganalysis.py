#!/usr/bin/env python3
"""How detectable are containers? Classical detectors and a small CNN steganalyser.

Usage (from the repository root, after `cargo build --release`; needs numpy, Pillow, torch):
    python3 bench/steganalysis.py default-1            # an embedded model
    python3 bench/steganalysis.py default-1 --key k    # the same model, keyed
    python3 bench/steganalysis.py lsb:2                # LSB baseline, 2 bits per secret
    python3 bench/steganalysis.py default-3 --secrets 3
    python3 bench/steganalysis.py jpeg-1 --exact-layer 1   # with the exact layer

Covers are 256x256 centre crops of bsds500/train (fitting) and bsds500/test (measuring);
photo i's container hides photo i+1 (and i+2, i+3), as `plainsight eval` pairs them.
Each split holds every cover and its container, so chance is 50%.

Detectors:
- chi-square attack (Westfeld & Pfitzmann 2000): p-value that the pairs of values
  (2k, 2k+1) have equal counts, as full LSB embedding makes them;
- RS analysis (Fridrich, Goljan & Du 2001): estimated share of pixels with a changed LSB;
- the block-lattice detector: a linear discriminant (Fisher's, on the train split) over
  63 numbers per image, the log energy of the high-pass (KV) residual of the luma at
  the frequencies of an 8-pixel lattice (which include the 4-pixel one), each relative
  to the residual's total energy: the fingerprint that networks working on fixed
  blocks leave (docs/interpretability.md);
- a small CNN (fixed high-pass filter, four convolutions) trained on the train split;
  with --deep an SRNet-like one instead (learned full-resolution front, residual blocks).
For the classical detectors the threshold is the one that classifies the train split
best; accuracy and AUC are on the test split.
"""
import os
import argparse
import pathlib
import subprocess
import tempfile

import numpy as np
import torch
from PIL import Image

BIN = os.environ.get("PLAINSIGHT_BIN", "target/release/plainsight")
CROP = 256


def photos(folder):
    files = sorted(p for p in pathlib.Path(folder).rglob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg", ".tif", ".tiff"})
    out = []
    for f in files:
        img = np.asarray(Image.open(f).convert("RGB"))
        h, w, _ = img.shape
        if h >= CROP and w >= CROP:
            y, x = (h - CROP) // 2, (w - CROP) // 2
            out.append(img[y:y + CROP, x:x + CROP])
    return out


def lsb_hide(cover, secrets, bits):
    used = bits * len(secrets)
    out = cover & np.uint8((0xFF << used) & 0xFF)
    for i, s in enumerate(secrets):
        out |= (s >> (8 - bits)) << (bits * (len(secrets) - 1 - i))
    return out


def containers(method, covers, secrets, key, tmp, extra=()):
    out = []
    for i, cover in enumerate(covers):
        chosen = [covers[(i + k) % len(covers)] for k in range(1, secrets + 1)]
        if method.startswith("lsb:"):
            out.append(lsb_hide(cover, chosen, int(method[4:])))
            continue
        c = tmp / "cover.png"
        Image.fromarray(cover).save(c)
        cmd = [BIN, "hide", "--cover", str(c), "--out", str(tmp / "stego.png"), "--force", "--model", method]
        for k, s in enumerate(chosen):
            path = tmp / f"secret{k}.png"
            Image.fromarray(s).save(path)
            cmd += ["--secret", str(path)]
        if key:
            cmd += ["--key", key]
        cmd += list(extra)
        subprocess.run(cmd, check=True, capture_output=True)
        out.append(np.asarray(Image.open(tmp / "stego.png").convert("RGB")))
    return out


def chi_square(img):
    """Mean over channels of the chi-square attack's p-value (high = looks embedded)."""
    ps = []
    for c in range(3):
        h = np.bincount(img[..., c].ravel(), minlength=256).astype(np.float64)
        even, odd = h[0::2], h[1::2]
        expected = (even + odd) / 2
        keep = expected > 4
        stat = (((even - expected) ** 2)[keep] / expected[keep]).sum()
        dof = max(int(keep.sum()) - 1, 1)
        p = torch.special.gammaincc(torch.tensor(dof / 2.0, dtype=torch.float64), torch.tensor(stat / 2.0, dtype=torch.float64)).item()
        ps.append(p)
    return float(np.mean(ps))


def rs_rate(img):
    """RS analysis: estimated embedding rate, mean over channels."""
    mask = np.array([0, 1, 1, 0])

    def flip(x):  # F1: 2k <-> 2k+1
        return x ^ 1

    def flip_neg(x):  # F-1: 2k <-> 2k-1
        return ((x + 1) ^ 1) - 1

    def counts(groups, m):
        f = np.abs(np.diff(groups, axis=1)).sum(axis=1)
        flipped = groups.copy()
        sel = m == 1
        flipped[:, sel] = flip(groups[:, sel])
        selneg = m == -1
        flipped[:, selneg] = flip_neg(groups[:, selneg])
        g = np.abs(np.diff(flipped, axis=1)).sum(axis=1)
        return (g > f).mean(), (g < f).mean()

    rates = []
    for c in range(3):
        x = img[..., c].astype(np.int32)
        w = x.shape[1] // 4 * 4
        groups = x[:, :w].reshape(-1, 4)
        rm, sm = counts(groups, mask)
        rn, sn = counts(groups, -mask)
        g1 = groups ^ 1
        rm1, sm1 = counts(g1, mask)
        rn1, sn1 = counts(g1, -mask)
        d0, d1, dn0, dn1 = rm - sm, rm1 - sm1, rn - sn, rn1 - sn1
        a, b, cc = 2 * (d1 + d0), dn0 - dn1 - d1 - 3 * d0, d0 - dn0
        if abs(a) < 1e-12:
            z = -cc / b if abs(b) > 1e-12 else 0.0
        else:
            disc = max(b * b - 4 * a * cc, 0.0)
            roots = [(-b + s * np.sqrt(disc)) / (2 * a) for s in (1, -1)]
            z = min(roots, key=abs)
        rates.append(z / (z - 0.5) if abs(z - 0.5) > 1e-12 else 1.0)
    return float(np.mean(rates))


def auc(scores, labels):
    scores, labels = np.asarray(scores), np.asarray(labels)
    order = scores.argsort()
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = labels == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return (ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def threshold_accuracy(train_scores, train_labels, test_scores, test_labels):
    best = max(np.unique(train_scores), key=lambda t: max(
        ((train_scores >= t) == train_labels).mean(), ((train_scores < t) == train_labels).mean()))
    upward = ((train_scores >= best) == train_labels).mean() >= ((train_scores < best) == train_labels).mean()
    predicted = test_scores >= best if upward else test_scores < best
    return (predicted == test_labels).mean(), auc(test_scores if upward else -test_scores, test_labels)


KV = np.array([[-1, 2, -2, 2, -1], [2, -6, 8, -6, 2], [-2, 8, -12, 8, -2],
               [2, -6, 8, -6, 2], [-1, 2, -2, 2, -1]], dtype=np.float64) / 12
LATTICE = 8


def lattice_features(img):
    """Log residual energy at the 63 non-zero frequencies of an 8-pixel lattice."""
    luma = img.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    h, w = luma.shape
    kernel = np.zeros((h, w))
    kernel[:5, :5] = KV
    # |FFT(KV * luma)|² = |FFT(KV)|² · |FFT(luma)|²; the kernel's shift only changes phase.
    energy = np.abs(np.fft.fft2(kernel)) ** 2 * np.abs(np.fft.fft2(luma - luma.mean())) ** 2
    total = energy.mean() + 1e-12
    rows = [k * h // LATTICE for k in range(LATTICE)]
    cols = [k * w // LATTICE for k in range(LATTICE)]
    values = [energy[r, c] for r in rows for c in cols if (r, c) != (0, 0)]
    return np.log(np.asarray(values) / total + 1e-12)


def lattice_detector(train_x, train_y, test_x, test_y):
    """Fisher's linear discriminant on the lattice features, fitted on the train split."""
    f_train = np.stack([lattice_features(x) for x in train_x])
    f_test = np.stack([lattice_features(x) for x in test_x])
    mean, spread = f_train.mean(0), f_train.std(0) + 1e-9
    f_train, f_test = (f_train - mean) / spread, (f_test - mean) / spread
    within = sum(np.cov(f_train[train_y == c].T) for c in (0, 1))
    direction = np.linalg.solve(within + 1e-3 * np.eye(len(within)),
                                f_train[train_y == 1].mean(0) - f_train[train_y == 0].mean(0))
    return threshold_accuracy(f_train @ direction, train_y, f_test @ direction, test_y)


class Steganalyser(torch.nn.Module):
    """KV high-pass per channel (fixed), or with `learned_front` a trainable 5x5 layer
    that mixes the colours and may pick any frequency, then four 3x3 conv blocks."""

    def __init__(self, learned_front=False):
        super().__init__()
        if learned_front:
            self.highpass = torch.nn.Conv2d(3, 12, 5, padding=2)
        else:
            kv = torch.tensor(KV, dtype=torch.float32)
            self.highpass = torch.nn.Conv2d(3, 3, 5, padding=2, groups=3, bias=False)
            self.highpass.weight.data[:] = kv
            self.highpass.weight.requires_grad_(False)
        layers, width = [], self.highpass.out_channels
        for out in (16, 32, 64, 64):
            layers += [torch.nn.Conv2d(width, out, 3, padding=1), torch.nn.BatchNorm2d(out), torch.nn.ReLU(), torch.nn.AvgPool2d(2)]
            width = out
        self.body = torch.nn.Sequential(*layers)
        self.head = torch.nn.Linear(width, 2)

    def forward(self, x):
        return self.head(self.body(self.highpass(x)).mean(dim=(2, 3)))


def conv_bn(inputs, outputs, relu=True):
    layers = [torch.nn.Conv2d(inputs, outputs, 3, padding=1, bias=False), torch.nn.BatchNorm2d(outputs)]
    return layers + [torch.nn.ReLU()] if relu else layers


class Residual(torch.nn.Module):
    """Two 3x3 conv-BN layers with a skip; with `down`, both paths halve the size."""

    def __init__(self, inputs, outputs, down):
        super().__init__()
        body = conv_bn(inputs, outputs) + conv_bn(outputs, outputs, relu=False)
        skip = []
        if down:
            body.append(torch.nn.AvgPool2d(3, stride=2, padding=1))
            skip = [torch.nn.Conv2d(inputs, outputs, 1, stride=2, bias=False), torch.nn.BatchNorm2d(outputs)]
        self.body, self.skip = torch.nn.Sequential(*body), torch.nn.Sequential(*skip)

    def forward(self, x):
        return self.body(x) + self.skip(x)


class DeepSteganalyser(torch.nn.Module):
    """After SRNet (Boroumand, Chen & Fridrich 2019), smaller for a CPU: the first
    seven layers keep full resolution and learn their own front (no fixed high-pass,
    no pooling that would average the stego signal away), then residual blocks that
    halve the size, global average and variance pooling, a linear read-out."""

    def __init__(self, width=16):
        super().__init__()
        layers = conv_bn(3, width) + conv_bn(width, width)
        layers += [Residual(width, width, down=False) for _ in range(3)]
        for inputs, outputs in ((width, width), (width, 2 * width), (2 * width, 4 * width), (4 * width, 8 * width)):
            layers.append(Residual(inputs, outputs, down=True))
        self.body = torch.nn.Sequential(*layers)
        self.head = torch.nn.Linear(2 * 8 * width, 2)

    def forward(self, x):
        features = self.body(x)
        return self.head(torch.cat([features.mean(dim=(2, 3)), features.var(dim=(2, 3))], 1))


def cnn(train_x, train_y, tests, epochs, kind="kv", seed=0):
    """Trains a steganalyser (`kv`, `learned` or `deep`) on the train split; returns
    (accuracy at zero, accuracy at the train split's best threshold, AUC) per test."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    to_tensor = lambda xs: torch.tensor(np.stack(xs), dtype=torch.float32).permute(0, 3, 1, 2) / 255.0 - 0.5
    tx, ty = to_tensor(train_x), torch.tensor(train_y)
    net = DeepSteganalyser() if kind == "deep" else Steganalyser(kind == "learned")
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-3)
    # The deep one learns slowly at first and then overfits 400 crops: decay the rate.
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(epochs, 1))
    crop = 128
    for _ in range(epochs):
        net.train()
        perm = rng.permutation(len(tx))
        for start in range(0, len(perm), 32):
            idx = perm[start:start + 32]
            y0, x0 = rng.integers(0, CROP - crop + 1, size=2)
            # The same crop for a cover and its container keeps them comparable.
            batch = tx[idx, :, y0:y0 + crop, x0:x0 + crop]
            if rng.random() < 0.5:
                batch = batch.flip(3)
            loss = torch.nn.functional.cross_entropy(net(batch), ty[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if kind == "deep":
            schedule.step()
    net.eval()

    def scores(xs):
        with torch.no_grad():
            logits = torch.cat([net(to_tensor(xs[i:i + 32])) for i in range(0, len(xs), 32)])
        return (logits[:, 1] - logits[:, 0]).numpy()

    train_score = scores(train_x)
    results = []
    for test_x, test_y in tests:
        score, test_y = scores(test_x), np.asarray(test_y)
        # Trained on 128-px crops, scored on whole 256-px images: the logit's zero can
        # sit off the gap between the classes even when they separate perfectly (AUC
        # 1), so also report the accuracy at the threshold that best separates the
        # train split.
        calibrated, _ = threshold_accuracy(train_score, np.asarray(train_y), score, test_y)
        results.append((((score > 0) == test_y).mean(), calibrated, auc(score, test_y)))
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("method")
    parser.add_argument("--secrets", type=int, default=1)
    parser.add_argument("--key")
    parser.add_argument("--rounding", help="hide with --rounding (nearest, pairs, cover-histogram; default: the binary's)")
    parser.add_argument("--exact-layer", metavar="SHARE",
                        help="hide with --exact-layer SHARE (the exact layer in that share of the lowest bits)")
    parser.add_argument("--epochs", type=int, default=30, help="CNN training epochs; 0 skips the CNN")
    parser.add_argument("--learned-front", action="store_true",
                        help="CNN with a trainable colour-mixing first layer instead of the fixed KV high-pass")
    parser.add_argument("--deep", action="store_true",
                        help="the deeper, SRNet-like CNN (learned full-resolution front, residual blocks)")
    parser.add_argument("--data", default="../shared/data/bsds500")
    parser.add_argument("--also-test", metavar="DIR",
                        help="a second test folder (for example ../shared/data/sr-bench/set14), for every "
                             "detector, fitted or trained on the same train split")
    args = parser.parse_args()
    torch.set_num_threads(max(torch.get_num_threads(), 1))
    split = {}
    with tempfile.TemporaryDirectory() as tmp:
        folders = {"train": f"{args.data}/train", "test": f"{args.data}/test"}
        if args.also_test:
            folders["also"] = args.also_test
        for name, folder in folders.items():
            covers = photos(folder)
            extra = ["--rounding", args.rounding] if args.rounding else []
            extra += ["--exact-layer", args.exact_layer] if args.exact_layer else []
            stegos = containers(args.method, covers, args.secrets, args.key, pathlib.Path(tmp), extra)
            split[name] = (covers + stegos, np.array([0] * len(covers) + [1] * len(stegos)))
    (train_x, train_y), (test_x, test_y) = split["train"], split["test"]
    rows = []
    tests = [("", test_x, test_y)]
    if args.also_test:
        also_x, also_y = split["also"]
        tests.append((f", tested on {pathlib.Path(args.also_test).name}", also_x, also_y))
    for suffix, x_test, y_test in tests:
        for name, f in (("chi-square", chi_square), ("RS analysis", rs_rate)):
            a, u = threshold_accuracy(np.array([f(x) for x in train_x]), train_y,
                                      np.array([f(x) for x in x_test]), y_test)
            rows.append((name + suffix, a, u))
        rows.append(("block-lattice LDA (63 features)" + suffix,
                     *lattice_detector(train_x, train_y, x_test, y_test)))
    if args.epochs > 0:
        kind = "deep" if args.deep else "learned" if args.learned_front else "kv"
        name = {"kv": "CNN", "learned": "CNN, learned front", "deep": "deep CNN (SRNet-like)"}[kind]
        name += f" ({args.epochs} epochs)"
        results = cnn(train_x, train_y, [(x, y) for _, x, y in tests], args.epochs, kind)
        for (suffix, _, _), (a, calibrated, u) in zip(tests, results):
            rows.append((name + suffix, a, u))
            rows.append((f"{name}, threshold from the train split{suffix}", calibrated, u))
    label = args.method + (" keyed" if args.key else "") + (f" --rounding {args.rounding}" if args.rounding else "") \
        + (f" --exact-layer {args.exact_layer}" if args.exact_layer else "") + f", {args.secrets} secret(s)"
    for name, a, u in rows:
        print(f"| {label} | {name} | {100 * a:.1f}% | {u:.3f} |")


if __name__ == "__main__":
    main()
