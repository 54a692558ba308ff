#!/usr/bin/env bash
# One GPU lease: four fine-tunes of the robust model side by side in PyTorch
# (bench/robust_torch.py), each holding a different container PSNR on its training
# batches, so one lease gives several operating points of the container/reveal frontier.
# Each run writes its weights (burn's record, 16-bit) to $OUT/NAME.mpk every 45 s, so a
# run stopped by the lease's limit still brings its latest weights back; its logs
# (log.csv, val.csv, stdout) come back in $OUT/logs.tar (the tool returns 8 files).
#
# Prepared here (the tracked tree is ~52 MB of the 64 MiB that travels):
#   echo /device-data/ >> .git/info/exclude; mkdir -p device-data/train device-data/val
#   cp $(ls ../shared/data/bsds500/train/*.jpg | head -170) device-data/train/
#   cp $(ls ../shared/data/bsds500/val/*.jpg | head -13) device-data/val/
# Run there (device tool, carry device-data): SECONDS_EACH=450 bash bench/robust-gpu.sh
# Dry run here: DEVICE=cpu SECONDS_EACH=30 BATCH=16 CROP=64 OUT=/tmp/out bash bench/robust-gpu.sh
set -u
OUT=${OUT:-/tmp/out}
DEVICE=${DEVICE:-cuda}
SECONDS_EACH=${SECONDS_EACH:-450}
BATCH=${BATCH:-256}
CROP=${CROP:-128}
mkdir -p "$OUT" /tmp/runs
exec > >(tee "$OUT/session.log") 2>&1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.is_available())"
INIT=crates/plainsight-weights/models/robust/model.mpk
[ "${SECOND:-}" ] || PYTHONUNBUFFERED=1 timeout 60 python3 bench/robust_torch.py --check --data device-data/val
pids=()
run() {
  local name=$1
  shift
  PYTHONUNBUFFERED=1 OMP_NUM_THREADS=4 timeout $((SECONDS_EACH + 120)) python3 bench/robust_torch.py --init "$INIT" \
    --data device-data/train --val device-data/val --device "$DEVICE" --out "/tmp/runs/$name" --weights "$OUT/$name.mpk" \
    --seconds "$SECONDS_EACH" --batch "$BATCH" --crop "$CROP" "$@" > "/tmp/runs/$name.log" 2>&1 &
  pids+=($!)
}
if [ "${SECOND:-}" ]; then
  # Second call: can this start learn 4:2:0 at all when nearly every group is 4:2:0?
  names=(j420-lr3 j420-lr10)
  run j420-lr3 --container-db 34.8 --lr 3e-4 --seed 305 --groups none,jpeg420,jpeg420,jpeg420,jpeg420,chat,chat,chat
  run j420-lr10 --container-db 34.8 --lr 1e-3 --seed 306 --groups none,jpeg420,jpeg420,jpeg420,jpeg420,chat,chat,chat
else
  names=(c348 c355 c363 c348-lr3)
  run c348 --container-db 34.8 --lr 1e-4 --seed 301
  run c355 --container-db 35.5 --lr 1e-4 --seed 302
  run c363 --container-db 36.3 --lr 1e-4 --seed 303
  run c348-lr3 --container-db 34.8 --lr 3e-4 --seed 304
fi
sleep 45
nvidia-smi 2>/dev/null | grep -E "MiB|%"
wait "${pids[@]}"
for name in "${names[@]}"; do
  echo "== $name"
  grep -E "^(start|final)" "/tmp/runs/$name.log"
  tail -3 "/tmp/runs/$name.log"
done
(cd /tmp/runs && tar cf "$OUT/logs.tar" .)
ls -la "$OUT"
