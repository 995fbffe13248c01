#!/usr/bin/env bash
# One device call (H100/H200, PyTorch 2.x with CUDA, no network): build the addon against that PyTorch, run the
# engine's GPU check and the torch/model tests on CUDA, then the training benchmark against transformers.
# Prepare here first:  ../shared/device/prepare.sh && bash bench/gpu-prepare.sh   (and a .gpu/node_modules of the
# production dependencies); carry: dist, .device, .gpu.   Results land in $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/device-out}; mkdir -p "$OUT"
source .device/gpu-env.sh
[ -d .gpu/node_modules ] && [ ! -d node_modules ] && mv .gpu/node_modules node_modules
export PLMSCALE_FORCE_BUILD=1
( time timeout 240 bash scripts/build-native.sh ) > "$OUT/build.log" 2>&1 || { echo "addon build failed"; tail -30 "$OUT/build.log"; exit 1; }
tail -2 "$OUT/build.log"
timeout 60 node dist/bench/gpu-check.js > "$OUT/gpu-check.json" 2>&1; cat "$OUT/gpu-check.json"
timeout 120 node scripts/run-tests.mjs torch/ model/ > "$OUT/gpu-tests.log" 2>&1; grep -E "^ℹ (tests|pass|fail|skipped)|^✖" "$OUT/gpu-tests.log" | head -20
export PLMSCALE_FORCE_BUILD=
PY_BUDGET=${PY_BUDGET:-120} NODE_BUDGET=${NODE_BUDGET:-100} bash bench/gpu-train.sh > "$OUT/gpu-train-summary.json" 2> "$OUT/gpu-train.log"
tail -5 "$OUT/gpu-train.log"; head -c 3000 "$OUT/gpu-train-summary.json"
