#!/usr/bin/env bash
# One GPU lease (about 9 minutes of an H100): a smoke test of burn's cuda backend,
# training throughput of burn against PyTorch on the same architectures, then six
# training runs side by side, each stopped by --time-limit. Everything it makes lands
# in $OUT as tar files. (The first lease ran it without step 0: burn finished no step.)
#
# Prepared here (the GPU machine has no Rust toolchain):
#   CARGO_TARGET_DIR=target-cuda cargo build --release -p plainsight --features cuda   # or cuda-fusion
#   mkdir -p device-bin/data && strip -o device-bin/plainsight target-cuda/release/plainsight
#   xz -T2 -6 device-bin/plainsight
#   cp -r ../shared/data/bsds500/train device-bin/data/train
#   mkdir device-bin/data/val && cp $(ls ../shared/data/bsds500/val/*.jpg | head -40) device-bin/data/val/
# Run there (device tool, carry device-bin): bash bench/gpu-session.sh
set -u
OUT=${OUT:-/tmp/out}
TRAIN_SECONDS=${TRAIN_SECONDS:-320}
DEVICE=${DEVICE:-cuda}  # DEVICE=cpu: a smoke test of this script without a GPU
mkdir -p "$OUT" /tmp/runs
exec > >(tee "$OUT/session.log") 2>&1
BIN=/tmp/plainsight
python3 -c "import lzma, shutil; shutil.copyfileobj(lzma.open('device-bin/plainsight.xz'), open('$BIN', 'wb'))"
chmod +x "$BIN"
DATA=device-bin/data/train
VAL=device-bin/data/val
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
nproc
date -u

echo "== 0. does burn's CUDA backend finish a step? (the first lease saw none in 215 s) =="
export CUBECL_AUTOTUNE_LEVEL=${CUBECL_AUTOTUNE_LEVEL:-minimal}
start=$(date +%s)
CUBECL_DEBUG_LOG=/tmp/cubecl.log timeout 150 "$BIN" train --device "$DEVICE" --data "$DATA" \
  --out /tmp/runs/smoke --crop 16 --batch 2 --steps 3 --channels 8 --depth 2 --no-code \
  --validate-every 1000 --checkpoint-every 1000 2>&1 | tail -2
echo "smoke: $(($(date +%s) - start)) s, $(($(wc -l < /tmp/runs/smoke/train_log.csv) - 1)) step(s) logged"
cat /tmp/runs/smoke/train_log.csv
[ -f /tmp/cubecl.log ] && { wc -l /tmp/cubecl.log; tail -c 200000 /tmp/cubecl.log | gzip > "$OUT/cubecl-log-tail.gz"; }
steps=$(($(wc -l < /tmp/runs/smoke/train_log.csv) - 1))

echo "== 1. throughput: burn cuda, 256x256 crops, batch 16 =="
archs="unshuffle baluja"
[ "${SKIP_THROUGHPUT:-0}" = 1 ] && archs=""  # smoke tests of the rest
[ "$steps" -lt 3 ] && archs=""  # no point: PyTorch alone, then stop
for arch in $archs; do
  RAYON_NUM_THREADS=4 timeout 60 "$BIN" train --device "$DEVICE" --arch "$arch" --data "$DATA" \
    --out "/tmp/runs/tp-$arch" --crop 256 --batch 16 --steps 100000 --time-limit 25 \
    --validate-every 1000000 --checkpoint-every 1000000 --no-code 2>&1 | tail -3
  # Steady state: from the first row at 10 s to the last (kernel compilation and
  # autotuning happen in the first seconds).
  awk -F, -v arch="$arch" 'NR > 1 && $6 >= 10 && !s0 { s0 = $1; t0 = $6 } NR > 1 { s = $1; t = $6 }
    END { if (t > t0) printf "burn %s: %.0f images/s, %.1f ms per step (steps %d-%d)\n", arch, (s - s0) * 16 / (t - t0), (t - t0) * 1000 / (s - s0), s0, s }' \
    "/tmp/runs/tp-$arch/train_log.csv"
done
echo "== 2. throughput: PyTorch, same architectures, same GPU =="
[ -n "$archs" ] && timeout 90 python3 bench/torch_train_throughput.py "$DATA" 256 16 15

[ "$steps" -lt 3 ] && { echo "burn's CUDA backend finished no step: stopping"; exit 1; }
echo "== 3. training runs side by side, ${TRAIN_SECONDS} s each =="
common=(--device "$DEVICE" --data "$DATA" --val "$VAL" --crop 128 --batch 16 --steps 1000000
  --time-limit "$TRAIN_SECONDS" --validate-every 1000 --checkpoint-every 1000 --val-count 16)
pids=()
run() {
  local name=$1
  shift
  RAYON_NUM_THREADS=2 "$BIN" train "${common[@]}" --out "/tmp/runs/$name" "$@" \
    > "/tmp/runs/$name.log" 2>&1 &
  pids+=($!)
}
run d3 --secrets 3 --init default-3 --beta 0.5 --lr 3e-4
run d1 --secrets 1 --init default-1 --beta 0.4 --lr 2e-4
run robust-init --secrets 1 --init default-1 --beta 0.3 --lr 3e-4 \
  --attacks none,jpeg:60-95,noise:0-3,resize:0.6-1
run robust-fresh --secrets 1 --beta 0.3 --lr 5e-4 \
  --attacks none,jpeg:60-95,noise:0-3,resize:0.6-1
run same-budget-unshuffle --secrets 1 --beta 0.75 --lr 5e-4
run same-budget-baluja --secrets 1 --arch baluja --beta 0.75 --lr 3e-4
sleep 20
nvidia-smi
# Only the training runs: a bare `wait` would also wait for the tee above, forever.
wait "${pids[@]}"
date -u

echo "== 4. pack =="
for dir in /tmp/runs/*/; do
  name=$(basename "$dir")
  cp "/tmp/runs/$name.log" "$dir/stderr.log" 2>/dev/null
  rm -rf "$dir/checkpoint/optimizer.mpk"
done
(cd /tmp/runs && tar cf "$OUT/logs.tar" --exclude="*.mpk" .)
for name in d3 d1 robust-init robust-fresh same-budget-unshuffle same-budget-baluja; do
  (cd /tmp/runs && tar cf "$OUT/$name.tar" --exclude=checkpoint "$name")
done
ls -la "$OUT"
