"""The peer a user would pick instead: Baluja's architecture in PyTorch on the CPU,
and our default architecture in PyTorch for an apples-to-apples comparison.

Times one hide + reveal (inference, batch 1, random weights: speed does not depend on
them) per image size, median of 3 after one warm-up run, and prints a Markdown table.
Usage: python3 bench/torch_peer.py [threads]   (PyTorch from PyPI; default 2 threads)
"""

import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BalujaLayer(nn.Module):
    """Three parallel convolutions (3x3, 4x4, 5x5), `filters` each, then ReLU."""

    def __init__(self, cin, filters=50):
        super().__init__()
        self.branches = nn.ModuleList(
            nn.Conv2d(cin, filters, k, padding="same") for k in (3, 4, 5)
        )

    def forward(self, x):
        return F.relu(torch.cat([b(x) for b in self.branches], 1))


def baluja_stack(cin, layers, out=None, filters=50):
    mods = [BalujaLayer(cin if i == 0 else 3 * filters, filters) for i in range(layers)]
    if out is not None:
        mods.append(nn.Conv2d(3 * filters, out, 1))
    return nn.Sequential(*mods)


class Baluja(nn.Module):
    def __init__(self):
        super().__init__()
        self.prep = baluja_stack(3, 2)
        self.hide = baluja_stack(3 + 150, 5, 3)
        self.reveal = baluja_stack(3, 5, 3)

    def forward(self, cover, secret):
        container = self.hide(torch.cat([cover, self.prep(secret)], 1))
        return self.reveal(container)


def conv_stack(widths):
    mods = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        mods.append(nn.Conv2d(a, b, 3, padding=1))
        if i < len(widths) - 2:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


class Unshuffle(nn.Module):
    """plainsight's unshuffle layout (docs/model.md): default-1 is factor 4 with one
    secret; default-3 is factor 8 with three (width 128, depth 5 for both)."""

    def __init__(self, f=4, width=128, prep=64, depth=5, secrets=1):
        super().__init__()
        d = 3 * f * f
        self.f = f
        self.secrets = secrets
        self.preps = nn.ModuleList(
            nn.Sequential(conv_stack([d, prep, prep]), nn.ReLU()) for _ in range(secrets)
        )
        inputs = d + secrets * (d + prep)
        self.hide = conv_stack([inputs] + [width] * (depth - 1) + [d])
        self.hide_linear = nn.Conv2d(inputs, d, 1)
        self.reveals = nn.ModuleList(
            conv_stack([d] + [width] * (depth - 1) + [d]) for _ in range(secrets)
        )
        self.reveal_linears = nn.ModuleList(nn.Conv2d(d, d, 1) for _ in range(secrets))

    @property
    def prep(self):
        return self.preps[0]

    @property
    def reveal(self):
        return self.reveals[0]

    @property
    def reveal_linear(self):
        return self.reveal_linears[0]

    def forward(self, cover, secret):
        c, s = F.pixel_unshuffle(cover, self.f), F.pixel_unshuffle(secret, self.f)
        # Each secret is the same picture here: speed does not depend on content.
        x = torch.cat([c] + [t for p in self.preps for t in (s, p(s))], 1)
        container = cover + F.pixel_shuffle(self.hide(x) + self.hide_linear(x), self.f)
        container = container.clamp(0, 1)
        y = F.pixel_unshuffle(container, self.f)
        return [F.pixel_shuffle(r(y) + l(y), self.f)
                for r, l in zip(self.reveals, self.reveal_linears)]


def time_model(model, width, height, repeats=3):
    cover = torch.rand(1, 3, height, width)
    secret = torch.rand(1, 3, height, width)
    with torch.inference_mode():
        model(cover, secret)  # warm-up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model(cover, secret)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    # PLAINSIGHT_PEER_QUICK=1 skips Baluja's layout (minutes per size).
    quick = os.environ.get("PLAINSIGHT_PEER_QUICK") == "1"
    torch.set_num_threads(threads)
    print(f"PyTorch {torch.__version__}, {threads} threads")
    print("| architecture | size | hide + reveal (s) | s per megapixel |")
    print("|---|---|---|---|")
    small = [(256, 256), (512, 512), (768, 512)]
    large = small + [(4000, 3000)]
    models = [
        ("plainsight default-1 layout (PyTorch)", Unshuffle(), large),
        ("plainsight default-3 layout (PyTorch)", Unshuffle(f=8, secrets=3), small),
    ]
    if not quick:
        models.insert(0, ("Baluja (PyTorch)", Baluja(), small))
    for name, model, sizes in models:
        model.eval()
        for width, height in sizes:
            seconds = time_model(model, width, height)
            mp = width * height / 1e6
            print(f"| {name} | {width}x{height} | {seconds:.3f} | {seconds / mp:.3f} |", flush=True)


if __name__ == "__main__":
    main()
