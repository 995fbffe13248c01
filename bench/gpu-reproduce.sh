#!/usr/bin/env bash
# UNTESTED (written without a GPU; no device was lent to the session that wrote it). Issue 13 item 5: the GPU
# reproduction in one ten-minute slot on one H100/H200, ≤ 8 minutes of wall time:
#   1. adaptive CLM + MLM IsoFLOP sweep over budgets 1e14, 4e14, 1.6e15 (3 sizes per budget once located,
#      extended beyond an edge until bracketed), 3 runs at once on the one GPU, hard limit SWEEP_LIMIT s;
#   2. a transfer pair and a repetition pair (the studies at two sizes / one size), hard limit STUDY_LIMIT s;
#   3. fits (sweep fit) and reports; everything under $OUT comes back (no checkpoints).
# Carry: dist, .device (node + headers), .gpu (production node_modules), .gpucorpus/sp (a Swiss-Prot corpus from
# `plmscale data prepare --preset swissprot --max-records 100000 --out .gpucorpus/sp`), as bench/gpu-sweep.sh.
# Then, here: compare the exponents with the paper's (MLM a = 0.776, CLM a = 0.578) in docs/reference/.
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/device-env.sh
T0=$(date +%s)
timeout 150 bash scripts/build-native.sh > "$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
P="node dist/src/cli/main.js"
C=.gpucorpus/sp
S=/tmp/grepro
rm -rf $S; mkdir -p $S
# the budgets' centre: the released fits (preset), corrected by the adaptive design as budgets finish
$P sweep design --objective both --budgets ${BUDGETS:-1e14,4e14,1.6e15} --per-budget 4 --span 0.6 \
  --corpus $C --device cuda --threads 4 --out $S/sweep > "$OUT/design.txt" 2>&1 || { cat "$OUT/design.txt"; exit 1; }
timeout ${SWEEP_LIMIT:-270} $P sweep run $S/sweep --workers ${WORKERS:-3} > "$OUT/sweep-run.log" 2>&1
echo "sweep run rc=$? at $(( $(date +%s) - T0 )) s"
$P sweep status $S/sweep > "$OUT/status.txt" 2>&1; tail -12 "$OUT/status.txt"
$P sweep fit $S/sweep --bootstrap 200 > "$OUT/fit.txt" 2>&1; cat "$OUT/fit.txt" | tail -12
$P report $S/sweep --out "$OUT/report.html" > /dev/null 2>&1
# one transfer pair per size at two sizes, one repetition pair (fresh vs 8 epochs), on the GPU via the sweep executor
timeout ${STUDY_LIMIT:-100} $P study transfer --data $C --out $S/transfer --sizes 1e6,4e6 --joint-tokens 1e8 --clm-share 0.2 --workers 2 --threads 4 --device cuda > "$OUT/transfer.txt" 2>&1
echo "study transfer rc=$? at $(( $(date +%s) - T0 )) s"; tail -8 "$OUT/transfer.txt"
timeout ${STUDY_LIMIT:-100} $P study repetition --data $C --out $S/repetition --objective mlm --params 2e6 --tokens 1e8 --epochs 8 --workers 2 --threads 4 --device cuda > "$OUT/repetition.txt" 2>&1
echo "study repetition rc=$? at $(( $(date +%s) - T0 )) s"; tail -6 "$OUT/repetition.txt"
tar czf "$OUT/gpu-reproduce.tgz" -C $S --exclude=checkpoints --exclude=corpora . 2>/dev/null
echo "total $(( $(date +%s) - T0 )) s"
