#!/usr/bin/env python3
"""Prototype of a key design for issues 25 and 30, in PyTorch, before it is built in Rust.

The idea: the preparation network turns each secret block into a code vector (64 numbers
per 4×4 block); a key-derived orthogonal matrix, different in every block, mixes that
vector before the hiding network sees it (the hiding network gets the cover and the mixed
code, never the secret itself); the reveal side extracts the mixed code from the container,
unmixes it with the same key and decodes it. Trained under a new random key every batch,
hiding and reveal learn to work for every key, and without the key the code stays mixed.
Because the mix differs from block to block, the code's average over an image no longer
sits at fixed positions inside each block, which is where the block-lattice fingerprint of
issue 30 comes from.

The mix is a structured random orthogonal matrix, Q = H·D₂·P₂·H·D₁·P₁ (P random
permutations, D random signs, H the normalised 64×64 Hadamard matrix): cheap, exactly
orthogonal, and from a key stream in the real design (here torch's generator).

Usage: python3 bench/keyed_mixing_prototype.py MODE SECONDS OUT.json
  MODE: mixed; unit (mixed, each block's code scaled to a fixed length first, so that
  its length, which no orthogonal mix hides, carries nothing); split (the same networks without mixing); or standard (today's unshuffle
  layout, bench/torch_peer.py's, whose hider also sees the secret and whose reveal is one
  network): the same-budget references.
Trains default-1's shape (factor 4, width 128, depth 5) on bsds500/train, 16 crops of
64×64 per step, one thread, then measures on the first 16 bsds500/val pairs (128×128
centre crops, 8-bit containers): container and revealed PSNR/SSIM with the right key,
with wrong keys and with no mixing at all, and the share of the residual's energy that
sits on the 8-pixel lattice (the per-image phase means; 25–35 % for default-1).
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, "bench")
from torch_train_throughput import batch, load_photos, quantize8  # noqa: E402

FACTOR, WIDTH, CODE, DEPTH = 4, 128, 64, 5
FOLDED = 3 * FACTOR * FACTOR


def stack(widths):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Conv2d(widths[i], widths[i + 1], 3, padding=1))
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def hadamard(n):
    h = torch.ones(1, 1)
    while h.shape[0] < n:
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0)
    return h / np.sqrt(n)


H = hadamard(CODE)


class Key:
    """Per-block permutations and signs for two rounds: Q = H D₂ P₂ H D₁ P₁."""

    def __init__(self, cells, generator):
        self.perms = [torch.argsort(torch.rand(cells, CODE, generator=generator), 1) for _ in range(2)]
        self.signs = [torch.randint(0, 2, (cells, CODE), generator=generator).float() * 2 - 1
                      for _ in range(2)]

    def mix(self, z):  # z: [cells, CODE]
        for p, d in zip(self.perms, self.signs):
            z = (torch.gather(z, 1, p) * d) @ H.T
        return z

    def unmix(self, z):
        for p, d in zip(reversed(self.perms), reversed(self.signs)):
            z = (z @ H) * d
            z = torch.empty_like(z).scatter_(1, p, z)
        return z


def per_block(code, fn):
    """Applies fn to every block's code vector: [n, CODE, h, w] → same shape."""
    n, c, h, w = code.shape
    flat = code.permute(0, 2, 3, 1).reshape(-1, c)
    return fn(flat).reshape(n, h, w, c).permute(0, 3, 1, 2)


class Split(nn.Module):
    def __init__(self, unit=False):
        super().__init__()
        self.unit = unit
        self.prep = stack([FOLDED, CODE, CODE, CODE])
        inputs = FOLDED + CODE
        self.hide = stack([inputs] + [WIDTH] * (DEPTH - 1) + [FOLDED])
        self.hide_linear = nn.Conv2d(inputs, FOLDED, 1)
        self.extract = stack([FOLDED] + [WIDTH] * (DEPTH - 1) + [CODE])
        self.extract_linear = nn.Conv2d(FOLDED, CODE, 1)
        self.decode = stack([CODE, WIDTH, WIDTH, FOLDED])
        self.decode_linear = nn.Conv2d(CODE, FOLDED, 1)

    def hide_with(self, cover, secret, key):
        code = self.prep(F.pixel_unshuffle(secret, FACTOR))
        if self.unit:
            code = code * (np.sqrt(CODE) / code.norm(dim=1, keepdim=True).clamp_min(1e-6))
        if key is not None:
            code = per_block(code, key.mix)
        x = torch.cat([F.pixel_unshuffle(cover, FACTOR), code], 1)
        return (cover + F.pixel_shuffle(self.hide(x) + self.hide_linear(x), FACTOR)).clamp(0, 1)

    def reveal_with(self, container, key):
        y = F.pixel_unshuffle(container, FACTOR)
        code = self.extract(y) + self.extract_linear(y)
        if key is not None:
            code = per_block(code, key.unmix)
        return F.pixel_shuffle(self.decode(code) + self.decode_linear(code), FACTOR)


class Standard(nn.Module):
    """Today's layout (one secret), with the prototype's interface; keys are ignored."""

    def __init__(self):
        super().__init__()
        from torch_peer import Unshuffle
        self.net = Unshuffle(f=FACTOR, width=WIDTH, prep=CODE, depth=DEPTH)

    def hide_with(self, cover, secret, key):
        n = self.net
        c, s = F.pixel_unshuffle(cover, FACTOR), F.pixel_unshuffle(secret, FACTOR)
        x = torch.cat([c, s, n.prep(s)], 1)
        return (cover + F.pixel_shuffle(n.hide(x) + n.hide_linear(x), FACTOR)).clamp(0, 1)

    def reveal_with(self, container, key):
        y = F.pixel_unshuffle(container, FACTOR)
        return F.pixel_shuffle(self.net.reveal(y) + self.net.reveal_linear(y), FACTOR)


def gaussian_ssim(a, b):
    """Mean SSIM over RGB with an 11×11 Gaussian window (σ 1.5), images in 0..1."""
    x = torch.arange(11, dtype=torch.float64) - 5
    g = torch.exp(-x ** 2 / (2 * 1.5 ** 2))
    g = (g / g.sum()).float()
    window = (g[:, None] * g[None, :]).expand(3, 1, 11, 11)
    blur = lambda t: F.conv2d(t, window, groups=3)  # noqa: E731
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a ** 2
    var_b = blur(b * b) - mu_b ** 2
    cov = blur(a * b) - mu_a * mu_b
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return s.mean(dim=(1, 2, 3))


def psnr(a, b):
    mse = ((a - b) ** 2).mean(dim=(1, 2, 3)).clamp_min(1e-12)
    return 10 * torch.log10(1 / mse)


def lattice_share(residual):
    """Energy of the per-image phase means of an 8-pixel lattice over the residual's."""
    n, c, h, w = residual.shape
    means = residual.reshape(n, c, h // 8, 8, w // 8, 8).mean(dim=(2, 4))
    deviation = means - means.mean(dim=(2, 3), keepdim=True)
    return (deviation ** 2).mean(dim=(1, 2, 3)) / (residual ** 2).mean(dim=(1, 2, 3))


def val_pairs(folder, count, crop):
    photos = load_photos(folder, crop)
    def centre(p):
        y, x = (p.shape[0] - crop) // 2, (p.shape[1] - crop) // 2
        return p[y:y + crop, x:x + crop]
    crops = [centre(p) for p in photos[: 2 * count]]
    t = torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float() / 255
    return t[0::2], t[1::2]


def main():
    mode, seconds, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    assert mode in ("split", "mixed", "unit", "standard")
    torch.set_num_threads(1)
    torch.manual_seed(7)
    model = Standard() if mode == "standard" else Split(unit=mode == "unit")
    keyed = mode in ("mixed", "unit")
    photos = load_photos("../shared/data/bsds500/train", 64)
    rng = np.random.default_rng(7)
    keys = torch.Generator().manual_seed(11)
    optim = torch.optim.Adam(model.parameters(), lr=5e-4)
    beta, steps, start = 0.4, 0, time.time()
    cells = 16 * (64 // FACTOR) ** 2
    while time.time() - start < seconds:
        progress = (time.time() - start) / seconds
        lr = 5e-4 * min(1.0, (steps + 1) / 100) * (0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * progress)))
        for group in optim.param_groups:
            group["lr"] = lr
        cover = batch(photos, rng, 16, 64, torch.device("cpu"))
        secret = batch(photos, rng, 16, 64, torch.device("cpu"))
        key = Key(cells, keys) if keyed else None
        container = quantize8(model.hide_with(cover, secret, key))
        revealed = model.reveal_with(container, key)
        loss = F.mse_loss(container, cover) + beta * F.mse_loss(revealed, secret)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
        steps += 1
    train_s = time.time() - start

    covers, secrets = val_pairs("../shared/data/bsds500/val", 16, 128)
    val_cells = covers.shape[0] * (128 // FACTOR) ** 2
    right = Key(val_cells, torch.Generator().manual_seed(1234)) if keyed else None
    result = {"mode": mode, "steps": steps, "train_s": round(train_s)}
    with torch.no_grad():
        container = (model.hide_with(covers, secrets, right) * 255).round() / 255
        result["container_psnr"] = psnr(container, covers).mean().item()
        result["container_ssim"] = gaussian_ssim(container, covers).mean().item()
        result["lattice_share"] = lattice_share(container - covers).mean().item()
        def measure(name, key):
            revealed = model.reveal_with(container, key).clamp(0, 1)
            result[f"{name}_psnr"] = psnr(revealed, secrets).mean().item()
            result[f"{name}_ssim"] = gaussian_ssim(revealed, secrets).mean().item()
            return revealed
        shown = {"right": measure("revealed", right)}
        if keyed:
            wrong = [Key(val_cells, torch.Generator().manual_seed(s)) for s in range(5)]
            scores = [measure("wrong", k) for k in wrong]
            result["wrong_psnr_each"] = [psnr(r, secrets).mean().item() for r in scores]
            result["wrong_ssim_each"] = [gaussian_ssim(r, secrets).mean().item() for r in scores]
            shown["wrong"] = scores[0]
            shown["nokey"] = measure("nokey", None)
            average = torch.stack(scores).mean(0)
            result["wrong_average_psnr"] = psnr(average, secrets).mean().item()
            result["wrong_average_ssim"] = gaussian_ssim(average, secrets).mean().item()
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    # One example figure: secret, container, and what each reveal gives, first val pair.
    from PIL import Image
    panels = [secrets[0], container[0]] + [shown[k][0] for k in ("right", "wrong", "nokey") if k in shown]
    row = torch.cat(panels, 2).permute(1, 2, 0).numpy()
    Image.fromarray((row * 255).round().astype(np.uint8)).save(out.replace(".json", ".png"))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
