#!/bin/bash
# The exact layer's frontier (docs/results.md, "The exact layer"): model x share x data,
# then share 1 under attacks. Run from the repository root after cargo build --release.
B=target/release/plainsight
for data in ../shared/data/bsds500/test ../shared/data/sr-bench/set14; do
for m in jpeg-1 robust; do
for s in 0 0.25 0.5 1; do
  $B eval --data $data --secrets 1 --model $m --exact-layer $s --json 2>/dev/null | python3 -c "import json,sys; r=json.load(sys.stdin)['report']; c=r['container_psnr']; v=r['revealed_psnr']; print('$(basename $data)', '$m', $s, r['pairs'], '%.2f/%.2f' % (c['mean'], c['worst']), '%.2f/%.2f' % (v['mean'], v['worst']), '%.4f' % r['revealed_ssim']['mean'], flush=True)"
done; done; done
for m in jpeg-1 robust; do for a in jpeg:90 jpeg:75 noise:2; do
  $B eval --data ../shared/data/bsds500/test --secrets 1 --model $m --exact-layer 1 --attack $a --json 2>/dev/null | python3 -c "import json,sys; r=json.load(sys.stdin)['report']; c=r['container_psnr']; v=r['revealed_psnr']; print('bsds-attack', '$m', '$a', r['pairs'], '%.2f/%.2f' % (c['mean'], c['worst']), '%.2f/%.2f' % (v['mean'], v['worst']), '%.4f' % r['revealed_ssim']['mean'], flush=True)"
done; done
$B eval --data ../shared/data/bsds500/test --secrets 1 --exact-layer 1 --json 2>/dev/null | python3 -c "import json,sys; r=json.load(sys.stdin)['report']; c=r['container_psnr']; v=r['revealed_psnr']; print('bsds500 keyed-1 1', r['pairs'], '%.2f/%.2f' % (c['mean'], c['worst']), '%.2f/%.2f' % (v['mean'], v['worst']), flush=True)"
