#!/usr/bin/env bash
# Device call for issue 6's GPU reproduction: a CLM and an MLM IsoFLOP sweep on CUDA over a carried Swiss-Prot
# corpus (.gpucorpus/sp, built here with `plmscale data prepare --preset swissprot --max-records 40000`).
# Carry: dist, .device, .gpu (cli-progress only), .gpucorpus. Brings back the sweep (without checkpoints) as a tarball;
# fit and report here with `plmscale sweep fit` / `plmscale report`.
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/device-env.sh
timeout 240 bash scripts/build-native.sh > "$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
P="node dist/src/cli/main.js"
$P sweep design --objective both --budgets ${BUDGETS:-1e13,3e13,1e14} --sizes ${SIZES:-2e5,6e5,2e6,6e6} \
  --corpus .gpucorpus/sp --device cuda --context 512 --batch-tokens 16384 --out /tmp/gsw > "$OUT/design.txt" 2>&1
tail -5 "$OUT/design.txt"
start=$(date +%s)
timeout ${RUN_LIMIT:-300} $P sweep run /tmp/gsw --workers ${WORKERS:-3} > "$OUT/run.log" 2>&1; echo "sweep run rc=$? in $(( $(date +%s) - start )) s"
tail -4 "$OUT/run.log"
$P sweep status /tmp/gsw | tail -5
tar czf "$OUT/gpu-sweep.tgz" -C /tmp --exclude=checkpoints gsw
