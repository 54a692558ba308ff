#!/usr/bin/env python3
"""docs/jpeg-1.png: the bundled astronaut hiding the coffee cup with jpeg-1, the container
re-saved by Pillow (4:2:0) at quality 90 and 75, revealed with the lattice code alone
(a folder with lattice.bin only) and with jpeg-1 (the code and its restoration filter).

Usage: python3 bench/jpeg1_figure.py [--plainsight target/release/plainsight] [--out docs/jpeg-1.png]
"""
import argparse, os, shutil, subprocess, tempfile

import numpy as np
from PIL import Image, ImageDraw

p = argparse.ArgumentParser()
p.add_argument("--plainsight", default="target/release/plainsight")
p.add_argument("--out", default="docs/jpeg-1.png")
args = p.parse_args()
assets = "crates/plainsight/assets"
size = 256
tmp = tempfile.mkdtemp()
cover = Image.open(f"{assets}/astronaut.png").convert("RGB").resize((size, size), Image.LANCZOS)
secret = Image.open(f"{assets}/coffee.png").convert("RGB").resize((size, size), Image.LANCZOS)
cover.save(f"{tmp}/cover.png")
secret.save(f"{tmp}/secret.png")
os.makedirs(f"{tmp}/code")
shutil.copy("crates/plainsight-weights/models/jpeg-1/lattice.bin", f"{tmp}/code/lattice.bin")
run = lambda *a: subprocess.run([args.plainsight, *a, "--quiet"], check=True, stdout=subprocess.DEVNULL)
run("hide", "--model", "jpeg-1", "--cover", f"{tmp}/cover.png", "--secret", f"{tmp}/secret.png", "--out", f"{tmp}/c.png")
container = Image.open(f"{tmp}/c.png").convert("RGB")
s = np.asarray(secret).astype(float)
psnr = lambda im: 10 * np.log10(255 ** 2 / np.mean((np.asarray(im).astype(float) - s) ** 2))
tiles = [(cover, "cover"), (secret, "secret"),
         (container, f"container {10 * np.log10(255 ** 2 / np.mean((np.asarray(container).astype(float) - np.asarray(cover).astype(float)) ** 2)):.1f} dB")]
for q in (90, 75):
    container.save(f"{tmp}/q{q}.jpg", quality=q, subsampling=2)
    for model, name in ((f"{tmp}/code", "code alone"), ("jpeg-1", "jpeg-1")):
        out = f"{tmp}/r{q}{name[0]}.png"
        run("reveal", "--model", model, "--stego", f"{tmp}/q{q}.jpg", "--out", out)
        im = Image.open(out).convert("RGB")
        tiles.append((im, f"q{q}, {name}: {psnr(im):.1f} dB"))
pad, label = 4, 16
sheet = Image.new("RGB", (len(tiles) * (size + pad) - pad, size + label), "white")
draw = ImageDraw.Draw(sheet)
for i, (im, text) in enumerate(tiles):
    sheet.paste(im, (i * (size + pad), label))
    draw.text((i * (size + pad) + 2, 2), text, fill="black")
sheet.save(args.out)
print(args.out, [t for _, t in tiles])
