"""The peer a user would pick instead: Baluja's architecture in PyTorch on the CPU,
and our default architecture in PyTorch for an apples-to-apples comparison.

Times one hide + reveal (inference, batch 1, random weights: speed does not depend on
them) per image size, median of 3 after one warm-up run, and prints a Markdown table.
Usage: python3 bench/torch_peer.py [threads]   (PyTorch from PyPI; default 2 threads)
"""

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
    """plainsight's default layout (docs/model.md): factor 4, width 128, depth 5."""

    def __init__(self, f=4, width=128, prep=64, depth=5):
        super().__init__()
        d = 3 * f * f
        self.f = f
        self.prep = nn.Sequential(conv_stack([d, prep, prep]), nn.ReLU())
        inputs = d + d + prep
        self.hide = conv_stack([inputs] + [width] * (depth - 1) + [d])
        self.hide_linear = nn.Conv2d(inputs, d, 1)
        self.reveal = conv_stack([d] + [width] * (depth - 1) + [d])
        self.reveal_linear = nn.Conv2d(d, d, 1)

    def forward(self, cover, secret):
        c, s = F.pixel_unshuffle(cover, self.f), F.pixel_unshuffle(secret, self.f)
        x = torch.cat([c, s, self.prep(s)], 1)
        container = cover + F.pixel_shuffle(self.hide(x) + self.hide_linear(x), self.f)
        container = container.clamp(0, 1)
        y = F.pixel_unshuffle(container, self.f)
        return F.pixel_shuffle(self.reveal(y) + self.reveal_linear(y), self.f)


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
    torch.set_num_threads(threads)
    print(f"PyTorch {torch.__version__}, {threads} threads")
    print("| architecture | size | hide + reveal (s) | s per megapixel |")
    print("|---|---|---|---|")
    for name, model in [("Baluja (PyTorch)", Baluja()), ("plainsight default (PyTorch)", Unshuffle())]:
        model.eval()
        for width, height in [(256, 256), (512, 512), (768, 512)]:
            seconds = time_model(model, width, height)
            mp = width * height / 1e6
            print(f"| {name} | {width}x{height} | {seconds:.3f} | {seconds / mp:.3f} |", flush=True)


if __name__ == "__main__":
    main()
