#!/usr/bin/env python3
"""Fine-tunes the robust model in PyTorch (GPU) with the channels people meet in the
loop, and writes burn's weight file, so the Rust binary runs the result unchanged.

Why PyTorch: burn's CUDA backend trains this network about 23x slower than PyTorch on
the same GPU (docs/performance.md), and a lease is 15 minutes.

The network is the robust layout exactly (`unshuffle`, factor 8, width 128, depth 5,
prep 64, 1x1 linear paths; crates/plainsight-core/src/model/unshuffle.rs); weights are
read from and written to burn's named MessagePack record (16-bit floats), keeping the
record's structure and replacing only the tensors.

Channels, all differentiable and on the GPU, drawn per group of the batch:
  none; JPEG 4:2:0 and 4:4:4 at quality 70-95 (libjpeg's colour conversion, h2v2
  downsampling, standard tables with libjpeg's quality scaling, fancy upsampling;
  rounding with a straight-through gradient; `--check` measures it against Pillow's
  libjpeg-turbo); resizing to 0.5-1 and back with Pillow's bilinear, bicubic and
  Lanczos weights (the same coefficient formula, so the forward pass matches Pillow);
  the chat pipeline (downscale 0.5-1, JPEG 4:2:0 q70-85, upscale); Gaussian noise
  sigma 0-3 levels. The container is rounded to 8 bits before every channel.

Loss: log MSE(cover, container) + lambda * mean over groups of log MSE(secret,
revealed): lambda is a dB-for-dB exchange rate, adapted each step (a Lagrange
multiplier) so that the container holds `--container-db` on the training batches.

Usage:
  python3 bench/robust_torch.py --check --data DIR          # channels against Pillow
  python3 bench/robust_torch.py --init MODEL.mpk --data DIR --val DIR --out RUN \\
      --seconds 420 --container-db 34.5 [--device cuda]
"""
import argparse, math, os, random, sys, time

import msgpack
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pillow_channels as pillow  # noqa: E402  (Pillow's side of --check)

# ---------------------------------------------------------------- burn's record


def params(node, path=()):
    """Every tensor of a burn record: (dotted path, its `param` dict)."""
    if isinstance(node, dict):
        if "param" in node and "id" in node:
            yield ".".join(path), node["param"]
            return
        for key, value in node.items():
            yield from params(value, path + (str(key),))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from params(value, path + (str(i),))


def load_record(path):
    """The record and its tensors by dotted path (`hide.Unshuffle.linear.weight`)."""
    record = msgpack.unpackb(open(path, "rb").read(), raw=False, strict_map_key=False)
    tensors = {}
    for name, p in params(record["item"]):
        dtype = {"F16": "<f2", "F32": "<f4"}[p["dtype"]]
        tensors[name] = np.frombuffer(p["bytes"], dtype=dtype).reshape(p["shape"]).astype(np.float32)
    return record, tensors


def save_record(record, tensors, path):
    """Writes `record` with its tensors replaced (16-bit floats), atomically."""
    for name, p in params(record["item"]):
        array = tensors[name].astype("<f2")
        p["bytes"], p["dtype"], p["shape"] = array.tobytes(), "F16", list(array.shape)
    record["metadata"]["float"] = "half::binary16::f16"
    record["metadata"]["settings"] = "HalfPrecisionSettings"
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(msgpack.packb(record, use_bin_type=True))
    os.replace(tmp, path)


# ---------------------------------------------------------------- the network


class Stack(nn.Module):
    def __init__(self, widths, relu_last):
        super().__init__()
        self.layers = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1) for a, b in zip(widths, widths[1:]))
        self.relu_last = relu_last

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1 or self.relu_last:
                x = F.relu(x)
        return x


class Robust(nn.Module):
    """One secret, `unshuffle` layout; parameter names map onto burn's record."""

    def __init__(self, factor=8, channels=128, prep=64, depth=5):
        super().__init__()
        fold = 3 * factor * factor
        inputs = fold + fold + prep
        self.factor = factor
        self.prep = Stack([fold, prep, prep], True)
        self.hide_stack = Stack([inputs] + [channels] * (depth - 1) + [fold], False)
        self.hide_linear = nn.Conv2d(inputs, fold, 1)
        self.reveal_stack = Stack([fold] + [channels] * (depth - 1) + [fold], False)
        self.reveal_linear = nn.Conv2d(fold, fold, 1)

    def names(self):
        """Our parameter name -> the record's path."""
        out = {}
        for ours, theirs in [
            ("prep", "preps.0.Unshuffle.stack"),
            ("hide_stack", "hide.Unshuffle.stack"),
            ("reveal_stack", "reveals.0.Unshuffle.stack"),
        ]:
            for i in range(len(getattr(self, ours).layers)):
                for kind in ("weight", "bias"):
                    out[f"{ours}.layers.{i}.{kind}"] = f"{theirs}.layers.{i}.{kind}"
        for ours, theirs in [("hide_linear", "hide.Unshuffle.linear"), ("reveal_linear", "reveals.0.Unshuffle.linear")]:
            for kind in ("weight", "bias"):
                out[f"{ours}.{kind}"] = f"{theirs}.{kind}"
        return out

    def load(self, tensors):
        state = {ours: torch.from_numpy(tensors[theirs]) for ours, theirs in self.names().items()}
        self.load_state_dict(state)

    def export(self):
        state = self.state_dict()
        return {theirs: state[ours].detach().float().cpu().numpy() for ours, theirs in self.names().items()}

    def hide(self, cover, secret):
        f = self.factor
        c, s = F.pixel_unshuffle(cover, f), F.pixel_unshuffle(secret, f)
        x = torch.cat([c, s, self.prep(s)], 1)
        residual = self.hide_stack(x) + self.hide_linear(x)
        return (cover + F.pixel_shuffle(residual, f)).clamp(0, 1)

    def reveal(self, container):
        u = F.pixel_unshuffle(container, self.factor)
        return F.pixel_shuffle(self.reveal_stack(u) + self.reveal_linear(u), self.factor)


# ---------------------------------------------------------------- channels (0..255 floats)


def st_round(x):
    """Rounds in the forward pass; the gradient passes straight through."""
    return x + (torch.round(x) - x).detach()


def q8(x):
    return st_round(x.clamp(0, 255))


LUMA = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
CHROMA = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
          47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32


def quant_table(base, quality):
    """libjpeg's jpeg_set_quality with force_baseline, as Pillow calls it."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return [min(max((b * scale + 50) // 100, 1), 255) for b in base]


_DCT = {}


def dct_matrix(device):
    if device not in _DCT:
        k = torch.arange(8, dtype=torch.float64)
        c = torch.cos((2 * k[None, :] + 1) * k[:, None] * math.pi / 16) * math.sqrt(2 / 8)
        c[0] /= math.sqrt(2)
        _DCT[device] = c.float().to(device)
    return _DCT[device]


def blocks_roundtrip(plane, table):
    """Level shift, DCT, quantise, dequantise, inverse DCT, range limit: [B, H, W]."""
    b, h, w = plane.shape
    c = dct_matrix(plane.device)
    x = (plane - 128).reshape(b, h // 8, 8, w // 8, 8).permute(0, 1, 3, 2, 4)
    coef = c @ x @ c.T
    q = table.view(1, 1, 1, 8, 8)
    coef = st_round(coef / q) * q
    x = c.T @ coef @ c
    return q8(x.permute(0, 1, 3, 2, 4).reshape(b, h, w) + 128)


def fancy_upsample(p):
    """libjpeg's h2v2 fancy (triangle) upsampling: [B, h, w] -> [B, 2h, 2w]."""
    up = F.pad(p[:, None], (0, 0, 1, 1), mode="replicate")[:, 0]
    rows = torch.stack([0.75 * p + 0.25 * up[:, :-2], 0.75 * p + 0.25 * up[:, 2:]], 2).flatten(1, 2)
    side = F.pad(rows[:, None], (1, 1, 0, 0), mode="replicate")[:, 0]
    cols = torch.stack([0.75 * rows + 0.25 * side[:, :, :-2], 0.75 * rows + 0.25 * side[:, :, 2:]], 3)
    return cols.flatten(2, 3)


def jpeg(x, quality, subsample):
    """JPEG encode and decode as libjpeg(-turbo) does: x [B, 3, H, W], 0..255."""
    b, _, h, w = x.shape
    ph, pw = (-h) % 16, (-w) % 16
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
    r, g, bl = x[:, 0], x[:, 1], x[:, 2]
    y = q8(0.299 * r + 0.587 * g + 0.114 * bl)
    cb = q8(-0.168736 * r - 0.331264 * g + 0.5 * bl + 128)
    cr = q8(0.5 * r - 0.418688 * g - 0.081312 * bl + 128)
    lt = torch.tensor(quant_table(LUMA, quality), dtype=x.dtype, device=x.device)
    ct = torch.tensor(quant_table(CHROMA, quality), dtype=x.dtype, device=x.device)
    y = blocks_roundtrip(y, lt)
    if subsample:
        cb = st_round(F.avg_pool2d(cb[:, None], 2)[:, 0])
        cr = st_round(F.avg_pool2d(cr[:, None], 2)[:, 0])
        cb = q8(fancy_upsample(blocks_roundtrip(cb, ct)))
        cr = q8(fancy_upsample(blocks_roundtrip(cr, ct)))
    else:
        cb, cr = blocks_roundtrip(cb, ct), blocks_roundtrip(cr, ct)
    cb, cr = cb - 128, cr - 128
    out = torch.stack([y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb], 1)
    return q8(out)[:, :, :h, :w]


def _kernel(name, x):
    x = abs(x)
    if name == "bilinear":
        return max(0.0, 1 - x)
    if name == "bicubic":
        a = -0.5
        if x < 1:
            return ((a + 2) * x - (a + 3)) * x * x + 1
        return (((x - 5) * x + 8) * x - 4) * a if x < 2 else 0.0
    if x >= 3:
        return 0.0
    if x == 0:
        return 1.0
    return 3 * math.sin(math.pi * x) * math.sin(math.pi * x / 3) / (math.pi * math.pi * x * x)


SUPPORT = {"bilinear": 1.0, "bicubic": 2.0, "lanczos": 3.0}
_RESAMPLE = {}


def resample_matrix(n_in, n_out, name, device):
    """Pillow's resampling weights (Resample.c, precompute_coeffs) as an [out, in] matrix."""
    key = (n_in, n_out, name, device)
    if key not in _RESAMPLE:
        scale = n_in / n_out
        filterscale = max(scale, 1.0)
        support = SUPPORT[name] * filterscale
        m = np.zeros((n_out, n_in))
        for i in range(n_out):
            center = (i + 0.5) * scale
            lo = max(int(center - support + 0.5), 0)
            hi = min(int(center + support + 0.5), n_in)
            ws = [_kernel(name, (j + lo - center + 0.5) / filterscale) for j in range(hi - lo)]
            total = sum(ws)
            m[i, lo:hi] = [v / total for v in ws] if total else ws
        _RESAMPLE[key] = torch.tensor(m, dtype=torch.float32, device=device)
    return _RESAMPLE[key]


def resize(x, h, w, name):
    """Pillow's Image.resize: horizontal pass, 8-bit, vertical pass, 8-bit."""
    _, _, hi, wi = x.shape
    if w != wi:
        x = q8(x @ resample_matrix(wi, w, name, x.device).T)
    if h != hi:
        x = q8(resample_matrix(hi, h, name, x.device) @ x)
    return x


def scaled(n, f):
    return max(1, round(n * f))


def round_trip(x, f, name, between=None):
    """Resize to `f` of the size and back with filter `name`; `between` runs on the
    small picture (the chat pipeline's JPEG)."""
    _, _, h, w = x.shape
    small = resize(x, scaled(h, f), scaled(w, f), name)
    if between is not None:
        small = between(small)
    return resize(small, h, w, name)


def apply(x, kind, rng):
    """One channel, parameters drawn from rng: x [B, 3, H, W], 0..255."""
    if kind == "none":
        return x
    if kind == "jpeg420":
        return jpeg(x, rng.randint(70, 95), True)
    if kind == "jpeg444":
        return jpeg(x, rng.randint(70, 95), False)
    if kind == "noise":
        return q8(x + torch.randn_like(x) * rng.uniform(0, 3))
    if kind == "lanczos":
        return round_trip(x, rng.uniform(0.7, 1.0), "lanczos")
    filt = rng.choice(["bilinear", "bicubic", "lanczos"])
    f = rng.uniform(0.5, 1.0)
    if kind == "chat":
        quality = rng.randint(70, 85)
        return round_trip(x, f, filt, lambda small: jpeg(small, quality, True))
    return round_trip(x, f, filt)


VAL_CHANNELS = [
    ("none", lambda x: x),
    ("jpeg420:90", lambda x: jpeg(x, 90, True)),
    ("jpeg420:75", lambda x: jpeg(x, 75, True)),
    ("jpeg444:90", lambda x: jpeg(x, 90, False)),
    ("chat:0.75", lambda x: round_trip(x, 0.75, "bicubic", lambda small: jpeg(small, 80, True))),
    ("bicubic:0.5", lambda x: round_trip(x, 0.5, "bicubic")),
    ("bilinear:0.75", lambda x: round_trip(x, 0.75, "bilinear")),
    ("noise:2", lambda x: q8(x + 2 * torch.randn_like(x))),
]

# The 5x5 "KV" high-pass filter steganalysers (and bench/steganalysis.py's CNN) start from.
KV = torch.tensor([[-1, 2, -2, 2, -1], [2, -6, 8, -6, 2], [-2, 8, -12, 8, -2], [2, -6, 8, -6, 2], [-1, 2, -2, 2, -1]]) / 12.0


def high_pass_energy(x):
    """Mean squared KV response of each colour plane: what a steganalyser's front sees."""
    k = KV.to(x)[None, None].repeat(3, 1, 1, 1)
    return (F.conv2d(x, k, groups=3) ** 2).mean()


# ---------------------------------------------------------------- data


def photos(dirs, limit=None):
    paths = []
    for d in dirs:
        for base, _, files in os.walk(d):
            paths += [os.path.join(base, f) for f in files if f.lower().endswith((".jpg", ".png", ".bmp"))]
    paths.sort()
    return [np.asarray(Image.open(p).convert("RGB")) for p in paths[:limit]]


def psnr(a, b):
    mse = ((a - b) ** 2).flatten(1).mean(1).clamp_min(1e-10)
    return 10 * torch.log10(255.0**2 / mse)


# ---------------------------------------------------------------- checks


def check(args):
    """The channels here against Pillow on real photos: PSNR between the two decodes."""
    ims = photos(args.data, 8)
    rows = []
    for im in ims:
        h, w = im.shape[0] // 2 * 2, im.shape[1] // 2 * 2
        im = im[:h, :w]
        x = torch.from_numpy(im).permute(2, 0, 1)[None].float()
        for label, ours, theirs in [
            ("jpeg 4:2:0 q90", lambda x: jpeg(x, 90, True), lambda p: pillow.jpeg(p, 90, 2)),
            ("jpeg 4:2:0 q75", lambda x: jpeg(x, 75, True), lambda p: pillow.jpeg(p, 75, 2)),
            ("jpeg 4:4:4 q90", lambda x: jpeg(x, 90, False), lambda p: pillow.jpeg(p, 90, 0)),
            ("bicubic 0.5 and back", lambda x: round_trip(x, 0.5, "bicubic"), lambda p: pillow.round_trip(p, 0.5, Image.BICUBIC)),
            ("bilinear 0.75 and back", lambda x: round_trip(x, 0.75, "bilinear"), lambda p: pillow.round_trip(p, 0.75, Image.BILINEAR)),
            ("lanczos 0.7 and back", lambda x: round_trip(x, 0.7, "lanczos"), lambda p: pillow.round_trip(p, 0.7, Image.LANCZOS)),
        ]:
            a = ours(x)[0].permute(1, 2, 0).numpy()
            b = np.asarray(theirs(Image.fromarray(im))).astype(np.float32)
            mse = ((a - b) ** 2).mean()
            rows.append((label, 10 * math.log10(255**2 / max(mse, 1e-10))))
    for label in dict(rows):
        v = [p for l, p in rows if l == label]
        print(f"{label:24s} ours vs Pillow: mean {np.mean(v):.2f} dB, worst {min(v):.2f} dB ({len(v)} photos)")


# ---------------------------------------------------------------- training

TRAIN_GROUPS = ["none", "jpeg420", "jpeg420", "jpeg444", "resize", "chat", "chat", "noise"]


def validate(net, val):
    covers, secrets = val
    out = {}
    with torch.no_grad():
        container = q8(net.hide(covers / 255, secrets / 255) * 255)
        out["container"] = psnr(container, covers).mean().item()
        out["residual_kv_db"] = 10 * math.log10(high_pass_energy(container - covers).item())
        torch.manual_seed(0)
        for label, channel in VAL_CHANNELS:
            revealed = q8(net.reveal(channel(container) / 255) * 255)
            out[label] = psnr(revealed, secrets).mean().item()
    return out


def train(args):
    device = torch.device(args.device)
    groups = args.groups.split(",")
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    record, tensors = load_record(args.init)
    net = Robust().to(device)
    net.load(tensors)
    ims = [torch.from_numpy(im).permute(2, 0, 1).contiguous().to(device) for im in photos(args.data)]
    ims = [im for im in ims if min(im.shape[1:]) >= args.crop]
    vims = photos(args.val, args.val_count + 1)

    def centre(im, n):
        h, w = im.shape[:2]
        y, x = (h - n) // 2, (w - n) // 2
        return torch.from_numpy(im[y:y + n, x:x + n]).permute(2, 0, 1).float()

    vc = torch.stack([centre(vims[i], args.val_crop) for i in range(args.val_count)]).to(device)
    vs = torch.stack([centre(vims[i + 1], args.val_crop) for i in range(args.val_count)]).to(device)
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, "log.csv"), "a")
    vlog = open(os.path.join(args.out, "val.csv"), "a")
    start = validate(net, (vc, vs))
    print("start", {k: round(v, 2) for k, v in start.items()}, flush=True)
    vlog.write("step,seconds," + ",".join(start) + "\n" + "0,0," + ",".join(f"{v:.3f}" for v in start.values()) + "\n")
    vlog.flush()
    log.write("step,seconds,lr,lambda,container_db," + ",".join(f"g{i}_{g}" for i, g in enumerate(groups)) + "\n")
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    lam = args.lam
    group = args.batch // len(groups)
    t0 = time.time()
    last_val = last_save = t0
    step = 0

    def crops(n):
        out = []
        for _ in range(n):
            im = ims[rng.randrange(len(ims))]
            _, h, w = im.shape
            y, x = rng.randrange(h - args.crop + 1), rng.randrange(w - args.crop + 1)
            c = im[:, y:y + args.crop, x:x + args.crop]
            if rng.random() < 0.5:
                c = c.flip(2)
            out.append(c)
        return torch.stack(out).float()

    while True:
        elapsed = time.time() - t0
        if elapsed >= args.seconds:
            break
        frac = elapsed / args.seconds
        lr = args.lr * min(1.0, (step + 1) / 200) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        n = group * len(groups)
        covers, secrets = crops(n), crops(n)
        container = q8(net.hide(covers / 255, secrets / 255) * 255)
        mse_c = ((container - covers) ** 2).mean() / 255**2
        attacked = torch.cat([apply(container[i * group:(i + 1) * group], kind, rng) for i, kind in enumerate(groups)])
        revealed = net.reveal(attacked / 255)
        rev = ((revealed - secrets / 255) ** 2).view(len(groups), -1).mean(1)
        loss = torch.log(mse_c) + lam * torch.log(rev).mean()
        if args.shape:
            # dB of the residual's high-pass energy traded against dB of PSNR.
            loss = loss + args.shape * torch.log(high_pass_energy(container - covers) / 255**2)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        step += 1
        c_db = -10 * math.log10(mse_c.item())
        # The multiplier: a container better than its target buys more reveal weight.
        lam = min(max(lam * math.exp(args.lam_rate * (c_db - args.container_db)), 0.05), 20.0)
        if step % 20 == 0:
            log.write(f"{step},{elapsed:.1f},{lr:.2e},{lam:.4f},{c_db:.3f}," + ",".join(f"{-10 * math.log10(v):.3f}" for v in rev.tolist()) + "\n")
            log.flush()
        now = time.time()
        if now - last_val >= args.validate_every:
            last_val = now
            v = validate(net, (vc, vs))
            print(f"step {step} {now - t0:.0f}s lam {lam:.3f}", {k: round(x, 2) for k, x in v.items()}, flush=True)
            vlog.write(f"{step},{now - t0:.1f}," + ",".join(f"{x:.3f}" for x in v.values()) + "\n")
            vlog.flush()
        if now - last_save >= args.save_every:
            last_save = now
            save_record(record, net.export(), args.weights or os.path.join(args.out, "model.mpk"))
    save_record(record, net.export(), args.weights or os.path.join(args.out, "model.mpk"))
    v = validate(net, (vc, vs))
    print(f"final step {step} {time.time() - t0:.0f}s lam {lam:.3f}", {k: round(x, 2) for k, x in v.items()}, flush=True)
    vlog.write(f"{step},{time.time() - t0:.1f}," + ",".join(f"{x:.3f}" for x in v.values()) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--init")
    ap.add_argument("--data", nargs="+", required=True)
    ap.add_argument("--val", nargs="+")
    ap.add_argument("--out")
    ap.add_argument("--weights", help="where model.mpk goes (default: OUT/model.mpk)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--lam", type=float, default=1.0)
    ap.add_argument("--lam-rate", type=float, default=0.01)
    ap.add_argument("--container-db", type=float, default=34.5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shape", type=float, default=0.0, help="weight of the residual's log high-pass (KV) energy")
    ap.add_argument("--groups", default=",".join(TRAIN_GROUPS), help="one channel per equal part of the batch")
    ap.add_argument("--val-count", type=int, default=12)
    ap.add_argument("--val-crop", type=int, default=256)
    ap.add_argument("--validate-every", type=float, default=30)
    ap.add_argument("--save-every", type=float, default=45)
    args = ap.parse_args()
    if args.check:
        check(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
