#!/bin/bash
# What `hide` writes by default into PNG containers (docs/results.md, "The exact layer",
# the first table) and the codec:K rows, 8-bit containers. Run from the repository root
# after cargo build --release; about 35 minutes on two cores. Markdown rows: label, pairs,
# container PSNR and SSIM (mean / worst), revealed PSNR and SSIM (mean / worst).
B=${PLAINSIGHT:-target/release/plainsight}
D=../shared/data
row() { # label, then eval's arguments
  local label=$1; shift
  $B eval "$@" --json 2>/dev/null | python3 -c "
import json,sys
j=json.load(sys.stdin); r=j['report']
f=lambda k,d: f'{r[k][\"mean\"]:.{d}f} / {r[k][\"worst\"]:.{d}f}'
print('| $label |', r['pairs'], '|', f('container_psnr',2), '|', f('container_ssim',4), '|', f('revealed_psnr',2), '|', f('revealed_ssim',4), '|', flush=True)"
}
for set in bsds500/test sr-bench/set14; do
  row "keyed-1 layer $set" --data $D/$set --model keyed-1 --exact-layer 1
  row "keyed-3 layer $set" --data $D/$set --secrets 3 --model keyed-3 --exact-layer 1
done
row "keyed-1 layer full-strength test" --data $D/bsds500/test --model keyed-1 --exact-layer 1 --layer-strength 1
row "keyed-3 layer full-strength test" --data $D/bsds500/test --secrets 3 --model keyed-3 --exact-layer 1 --layer-strength 1
row "keyed-1 layer whole 50" --data $D/bsds500/test --model keyed-1 --exact-layer 1 --full --limit 50
row "keyed-1 layer crops 50" --data $D/bsds500/test --model keyed-1 --exact-layer 1 --limit 50
row "keyed-3 layer whole 50" --data $D/bsds500/test --secrets 3 --model keyed-3 --exact-layer 1 --full --limit 50
row "keyed-3 layer crops 50" --data $D/bsds500/test --secrets 3 --model keyed-3 --exact-layer 1 --limit 50
for n in 1 3; do for k in 1 2; do for set in bsds500/test sr-bench/set14; do
  row "codec:$k $n $set" --data $D/$set --secrets $n --method codec:$k
done; done; done
for m in jpeg-1 robust; do for set in bsds500/test sr-bench/set14; do
  row "$m layer $set" --data $D/$set --model $m --exact-layer 1
done; done
row "keyed-1 layer set14 full" --data $D/sr-bench/set14 --model keyed-1 --exact-layer 1 --full
row "keyed-3 layer set14 full" --data $D/sr-bench/set14 --secrets 3 --model keyed-3 --exact-layer 1 --full
echo done
