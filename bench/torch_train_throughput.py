"""Training throughput of the same architectures in PyTorch on a GPU, to set beside
`plainsight train --device cuda` (docs/performance.md).

Each step does what plainsight's training loop does: random crops of real photos cut
on the CPU (cover and secret drawn independently, random horizontal flip), copied to
the GPU, hide, 8-bit rounding with a straight-through gradient, reveal, the loss
MSE(cover, container) + beta * MSE(secret, revealed), Adam, and the loss values read
back to the host (plainsight logs them every step). float32, no compile, no AMP.

Usage: python3 bench/torch_train_throughput.py PHOTO_DIR [crop] [batch] [seconds]
Prints one Markdown row per architecture: images (covers) per second after warm-up.
"""

import os
import pathlib
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from torch_peer import Baluja, Unshuffle  # noqa: E402


def load_photos(folder, crop):
    photos = []
    for path in sorted(pathlib.Path(folder).rglob("*")):
        if path.suffix.lower() in (".jpg", ".jpeg", ".png"):
            array = np.asarray(Image.open(path).convert("RGB"))
            if array.shape[0] >= crop and array.shape[1] >= crop:
                photos.append(array)
    return photos


def batch(photos, rng, size, crop, device):
    crops = np.empty((size, crop, crop, 3), dtype=np.uint8)
    for i in range(size):
        photo = photos[rng.integers(len(photos))]
        y = rng.integers(photo.shape[0] - crop + 1)
        x = rng.integers(photo.shape[1] - crop + 1)
        tile = photo[y : y + crop, x : x + crop]
        crops[i] = tile[:, ::-1] if rng.random() < 0.5 else tile
    tensor = torch.from_numpy(crops).to(device).permute(0, 3, 1, 2).float() / 255.0
    return tensor.contiguous()


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def quantize8(x):
    return x + ((x * 255).round() / 255 - x).detach()


def step_parts(model):
    if isinstance(model, Unshuffle):
        def hide(cover, secret):
            f = model.f
            c, s = F.pixel_unshuffle(cover, f), F.pixel_unshuffle(secret, f)
            x = torch.cat([c, s, model.prep(s)], 1)
            return (cover + F.pixel_shuffle(model.hide(x) + model.hide_linear(x), f)).clamp(0, 1)

        def reveal(container):
            y = F.pixel_unshuffle(container, model.f)
            return F.pixel_shuffle(model.reveal(y) + model.reveal_linear(y), model.f)
    else:
        def hide(cover, secret):
            return model.hide(torch.cat([cover, model.prep(secret)], 1))

        def reveal(container):
            return model.reveal(container)
    return hide, reveal


def throughput(model, photos, crop, size, seconds, device, beta=0.75):
    model.to(device).train()
    hide, reveal = step_parts(model)
    optim = torch.optim.Adam(model.parameters(), lr=1e-4)
    rng = np.random.default_rng(42)
    steps, start = 0, None
    warmup = 10
    while True:
        cover = batch(photos, rng, size, crop, device)
        secret = batch(photos, rng, size, crop, device)
        container = quantize8(hide(cover, secret))
        revealed = reveal(container)
        c_loss = F.mse_loss(container, cover)
        r_loss = F.mse_loss(revealed, secret)
        loss = c_loss + beta * r_loss
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
        _ = (loss.item(), c_loss.item(), r_loss.item())
        steps += 1
        if steps == warmup:
            sync(device)
            start = time.perf_counter()
        elif start is not None and time.perf_counter() - start > seconds:
            sync(device)
            elapsed = time.perf_counter() - start
            timed = steps - warmup
            return timed * size / elapsed, elapsed / timed


def main():
    folder = sys.argv[1]
    crop = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 20.0
    # PLAINSIGHT_TORCH_DEVICE=cpu runs a smoke test on a machine without a GPU.
    device = torch.device(os.environ.get("PLAINSIGHT_TORCH_DEVICE", "cuda"))
    photos = load_photos(folder, crop)
    where = torch.cuda.get_device_name(0) if device.type == "cuda" else "CPU"
    print(f"PyTorch {torch.__version__} on {where}; "
          f"{len(photos)} photos, {crop}x{crop} crops, batch {size}, float32")
    print("| architecture (PyTorch) | images/s | ms per step |")
    print("|---|---|---|")
    for name, model in [("plainsight default", Unshuffle()), ("Baluja", Baluja())]:
        rate, per_step = throughput(model, photos, crop, size, seconds, device)
        print(f"| {name} | {rate:.0f} | {per_step * 1000:.1f} |", flush=True)


if __name__ == "__main__":
    main()
