#!/usr/bin/env bash
# Second, shorter device call: rebuild the addon against the device's CUDA PyTorch, run the engine's GPU check,
# the torch/model tests on CUDA, and a real `plmscale train` on CUDA (bf16) to confirm the loss falls.
# Carry: dist, .device (node.xz + node-include), .gpu (production node_modules). Results in $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/device-env.sh
( time timeout 240 bash scripts/build-native.sh ) > "$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
timeout 60 node dist/bench/gpu-check.js > "$OUT/gpu-check.json" 2>&1; cat "$OUT/gpu-check.json"; echo
timeout 150 node scripts/run-tests.mjs torch/ model/ > "$OUT/gpu-tests.log" 2>&1; grep -E "^ℹ (tests|pass|fail|skipped)|^✖" "$OUT/gpu-tests.log" | head -20
node dist/src/cli/main.js data prepare --source sample=test/fixtures/swissprot-sample.fasta.gz --cluster none --out /tmp/corpus --quiet > /dev/null
for obj in mlm clm; do
  timeout 120 node dist/src/cli/main.js train --objective $obj --shape 6,320,20 --tokens 3M --context 512 --batch-tokens 32768 \
    --device cuda --data /tmp/corpus --out /tmp/run-$obj --eval-every 20 --quiet --json > "$OUT/train-$obj.json" 2> "$OUT/train-$obj.err"
  echo "$obj rc=$?"; tail -3 "$OUT/train-$obj.err"; cp /tmp/run-$obj/metrics.jsonl "$OUT/metrics-$obj.jsonl" 2>/dev/null
  grep -o '"valLoss":[0-9.]*' /tmp/run-$obj/metrics.jsonl | head -1; grep -o '"valLoss":[0-9.]*' /tmp/run-$obj/metrics.jsonl | tail -1
  grep -o '"tokensPerSecond":[0-9.]*' "$OUT/train-$obj.json" | head -1
done
