#!/usr/bin/env python3
"""Trains jpeg-1's restoration filter and writes restore.bin (docs/model.md,
"A restoration filter for jpeg-1").

The filter is a residual CNN at half resolution: the revealed picture folded into
2x2 cells (12 values), plus the cell's phase in its 16x16 block (cos/sin of column
and row), through 3x3 convolutions with ReLU between; the last writes 12 values
added to the folded picture. The Rust reveal (`hiding/lattice/restore.rs`) runs the
same stack on the direct CPU path.

Data: random crops of the training photos (bsds500/train and train-extra: Urban100,
T91; never bsds500/test or set14), paired at random, hidden with `plainsight hide
--model jpeg-1` WITHOUT a filter (`--model DIR` of lattice.bin only), put through a
channel drawn per pair with Pillow (libjpeg-turbo), revealed by the binary:
  none 20 %, JPEG 4:2:0 q70-95 50 %, JPEG 4:4:4 q70-95 15 %, Gaussian noise s 0.5-3 15 %.
Validation: bsds500/val, 256 crops, 100 pairs each with no channel, 4:2:0 q90, q75
and noise s 2.

Usage (needs numpy, Pillow, torch):
  python3 bench/restoration.py --plainsight target/release/plainsight \\
      --work runs/restoration --minutes 40 --out crates/plainsight-weights/models/jpeg-1/restore.bin
"""
import argparse, csv, io, math, os, random, struct, subprocess, sys, time

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

MAGIC = b"plainsight restoration v1\n"


def photos(root, dirs, crop):
    paths = []
    for d in dirs:
        for base, _, files in os.walk(os.path.join(root, d)):
            paths += [os.path.join(base, f) for f in files if f.lower().endswith((".jpg", ".png", ".bmp"))]
    out = []
    for p in sorted(paths):
        im = Image.open(p).convert("RGB")
        if min(im.size) >= crop:
            out.append(im)
    return out


def make_pairs(args, split, count, crop, seed):
    """Writes covers/, secrets/, containers/, attacked/, revealed/ and channels.csv."""
    out = os.path.join(args.work, split)
    if os.path.exists(os.path.join(out, "channels.csv")):
        return out
    dirs = {"train": ["bsds500/train", "train-extra/urban100", "train-extra/t91"], "val": ["bsds500/val"]}[split]
    ims = photos(args.data, dirs, crop)
    print(f"{split}: {len(ims)} photos", file=sys.stderr)
    rng = random.Random(seed)
    for sub in ("covers", "secrets", "containers", "attacked", "revealed"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)

    def rcrop(im):
        w, h = im.size
        x, y = rng.randrange(w - crop + 1), rng.randrange(h - crop + 1)
        return im.crop((x, y, x + crop, y + crop))

    for i in range(count):
        a, b = rng.sample(range(len(ims)), 2)
        rcrop(ims[a]).save(f"{out}/covers/{i:05}.png")
        rcrop(ims[b]).save(f"{out}/secrets/{i:05}.png")
    run = lambda *a: subprocess.run([args.plainsight, *a, "--quiet"], check=True, stdout=subprocess.DEVNULL)
    run("hide", "--model", args.code, "--cover", f"{out}/covers", "--secret", f"{out}/secrets", "--out", f"{out}/containers")
    rows = []
    for i in range(count):
        im = Image.open(f"{out}/containers/{i:05}.png").convert("RGB")
        r = rng.random()
        if split == "val":
            kind, q, s = [("none", 0, 0), ("jpeg420", 90, 0), ("jpeg420", 75, 0), ("noise", 0, 2.0)][i % 4]
        elif r < 0.20:
            kind, q, s = "none", 0, 0
        elif r < 0.70:
            kind, q, s = "jpeg420", rng.randint(70, 95), 0
        elif r < 0.85:
            kind, q, s = "jpeg444", rng.randint(70, 95), 0
        else:
            kind, q, s = "noise", 0, rng.uniform(0.5, 3)
        if kind.startswith("jpeg"):
            im.save(f"{out}/attacked/{i:05}.jpg", quality=q, subsampling=2 if kind == "jpeg420" else 0)
        elif kind == "noise":
            x = np.asarray(im).astype(np.float64) + np.random.default_rng(seed * 100003 + i).normal(0, s, (crop, crop, 3))
            Image.fromarray(np.clip(np.round(x), 0, 255).astype(np.uint8)).save(f"{out}/attacked/{i:05}.png")
        else:
            im.save(f"{out}/attacked/{i:05}.png")
        rows.append([i, kind, q, s])
    run("reveal", "--model", args.code, "--stego", f"{out}/attacked", "--out", f"{out}/revealed")
    with open(os.path.join(out, "channels.csv"), "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return out


def load(d):
    rows = list(csv.reader(open(os.path.join(d, "channels.csv"))))
    read = lambda sub, i: np.asarray(Image.open(f"{d}/{sub}/{int(i):05}.png").convert("RGB"))
    r = np.stack([read("revealed", i) for i, *_ in rows])
    s = np.stack([read("secrets", i) for i, *_ in rows])
    kinds = [k + (q if q != "0" else "") for _, k, q, _ in rows]
    to = lambda a: torch.from_numpy(a).permute(0, 3, 1, 2).contiguous()
    return to(r), to(s), kinds


def phases(h, w):
    """cos/sin of each 2x2 cell's column and row in its 16x16 block (8 cells)."""
    y = torch.arange(h // 2).float().view(-1, 1).expand(h // 2, w // 2)
    x = torch.arange(w // 2).float().view(1, -1).expand(h // 2, w // 2)
    turn = 2 * math.pi / 8
    xs, ys = turn * (x % 8), turn * (y % 8)
    return torch.stack([torch.cos(xs), torch.sin(xs), torch.cos(ys), torch.sin(ys)])


class Filter(nn.Module):
    def __init__(self, width, depth):
        super().__init__()
        chans = [16] + [width] * (depth - 1) + [12]
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1) for a, b in zip(chans, chans[1:]))
        nn.init.zeros_(self.convs[-1].weight)
        nn.init.zeros_(self.convs[-1].bias)

    def forward(self, x):
        n, _, h, w = x.shape
        f = nn.functional.pixel_unshuffle(x - 0.5, 2)
        y = torch.cat([f, phases(h, w).unsqueeze(0).expand(n, -1, -1, -1)], 1)
        for i, c in enumerate(self.convs):
            y = c(y)
            if i < len(self.convs) - 1:
                y = torch.relu(y)
        return nn.functional.pixel_shuffle(f + y, 2) + 0.5


def psnr(a, b):
    return 10 * torch.log10(1 / ((a - b) ** 2).mean(dim=(1, 2, 3)))


def evaluate(net, vr, vs, vk):
    net.eval()
    out = {}
    with torch.no_grad():
        for i in range(0, len(vr), 20):
            x, y = vr[i:i + 20].float() / 255, vs[i:i + 20].float() / 255
            z = torch.round(net(x).clamp(0, 1) * 255) / 255
            for k, p0, p1 in zip(vk[i:i + 20], psnr(x, y), psnr(z, y)):
                out.setdefault(k, []).append((p0.item(), p1.item()))
    net.train()
    return {k: (float(np.mean([a for a, _ in v])), float(np.mean([b for _, b in v]))) for k, v in sorted(out.items())}


def read_filter(path):
    """The layers of a restore.bin: a list of (weight [out, in, 3, 3], bias [out])."""
    data = open(path, "rb").read()
    assert data.startswith(MAGIC), f"{path}: not a restoration filter"
    at = len(MAGIC)
    (count,) = struct.unpack_from("<I", data, at)
    at += 4
    layers = []
    for _ in range(count):
        i, o = struct.unpack_from("<II", data, at)
        at += 8
        w = np.frombuffer(data, "<f4", o * i * 9, at).reshape(o, i, 3, 3)
        at += 4 * o * i * 9
        b = np.frombuffer(data, "<f4", o, at)
        at += 4 * o
        layers.append((torch.from_numpy(w.copy()), torch.from_numpy(b.copy())))
    return layers


def grow_from(net, layers):
    """Starts `net` as the smaller trained filter `layers`, computing the same function.

    The old layers fill the first channels of the new ones; each extra layer, inserted
    before the last, passes the old channels through (a centre tap of 1: its inputs
    come after a ReLU, so the ReLU after it changes nothing). An added channel reads
    everything with small random weights, but no old channel and not the last layer
    reads it yet, so the grown filter starts where the old one ended.
    """
    convs = list(net.convs)
    hidden = layers[:-1]
    assert len(layers) <= len(convs), "the new filter must be at least as deep"
    width = hidden[0][0].shape[0]
    assert width <= convs[0].weight.shape[0], "the new filter must be at least as wide"
    with torch.no_grad():
        for j, c in enumerate(convs[:-1]):
            c.weight.mul_(0.1)
            c.bias.zero_()
            c.weight[:width] = 0
            if j < len(hidden):
                w, b = hidden[j]
                c.weight[:width, :w.shape[1]] = w
                c.bias[:width] = b
            else:
                for k in range(width):
                    c.weight[k, k, 1, 1] = 1
        w, b = layers[-1]
        convs[-1].weight.zero_()
        convs[-1].weight[:, :width] = w
        convs[-1].bias.copy_(b)


def export(net, path):
    convs = list(net.convs)
    data = bytearray(MAGIC) + struct.pack("<I", len(convs))
    for c in convs:
        o, i = c.weight.shape[:2]
        data += struct.pack("<II", i, o)
        data += c.weight.detach().numpy().astype("<f4").tobytes() + c.bias.detach().numpy().astype("<f4").tobytes()
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--plainsight", default="target/release/plainsight")
    p.add_argument("--lattice", default="crates/plainsight-weights/models/jpeg-1/lattice.bin",
                   help="the lattice code; hide and reveal use it alone (a folder without restore.bin)")
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--work", default="runs/restoration")
    p.add_argument("--pairs", type=int, default=6000)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--depth", type=int, default=6)
    p.add_argument("--minutes", type=float, default=40)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init", help="a trained restore.bin to start from, grown to --width and --depth")
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (cosine to 5 %% of it)")
    p.add_argument("--out", required=True)
    args = p.parse_args()
    args.code = os.path.join(args.work, "code-only")
    os.makedirs(args.code, exist_ok=True)
    with open(args.lattice, "rb") as src, open(os.path.join(args.code, "lattice.bin"), "wb") as dst:
        dst.write(src.read())
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train = make_pairs(args, "train", args.pairs, 128, 11)
    val = make_pairs(args, "val", 400, 256, 7)
    tr, ts, _ = load(train)
    vr, vs, vk = load(val)
    net = Filter(args.width, args.depth)
    if args.init:
        grow_from(net, read_filter(args.init))
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    log = open(os.path.join(args.work, "train_log.csv"), "w")
    log.write("step,seconds,loss," + ",".join(f"{k}_before,{k}_after" for k in evaluate(net, vr, vs, vk)) + "\n")
    patch, batch, step, start, total = 64, 16, 0, time.time(), args.minutes * 60
    while time.time() - start < total:
        frac = (time.time() - start) / total
        for g in opt.param_groups:
            g["lr"] = args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
        idx = torch.randint(0, len(tr), (batch,))
        # Offsets on the 16-px grid keep every patch's phases those of its blocks.
        oy, ox = [int(v) * 16 for v in torch.randint(0, (tr.shape[2] - patch) // 16 + 1, (2,))]
        x = tr[idx, :, oy:oy + patch, ox:ox + patch].float() / 255
        y = ts[idx, :, oy:oy + patch, ox:ox + patch].float() / 255
        loss = ((net(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 1000 == 0:
            scores = evaluate(net, vr, vs, vk)
            log.write(f"{step},{time.time() - start:.0f},{loss.item():.6f}," + ",".join(f"{a:.3f},{b:.3f}" for a, b in scores.values()) + "\n")
            log.flush()
            print(step, f"{time.time() - start:.0f}s", " ".join(f"{k} {a:.2f}->{b:.2f}" for k, (a, b) in scores.items()), flush=True)
            export(net, args.out)
    export(net, args.out)
    scores = evaluate(net, vr, vs, vk)
    print("final", step, " ".join(f"{k} {a:.2f}->{b:.2f}" for k, (a, b) in scores.items()), flush=True)


if __name__ == "__main__":
    main()
