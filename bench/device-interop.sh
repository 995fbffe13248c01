#!/usr/bin/env bash
# Parity of plmscale's exports with Hugging Face transformers itself — UNTESTED: it needs a Python with
# `transformers` (and torch), which the development machine lacks; the CPU test suite checks the same exports
# against an independent reimplementation instead (test/interop/parity.test.ts). Run from the repository root
# on a machine with Node, the built addon and `pip install transformers torch safetensors`:
#   bash bench/device-interop.sh [OUT_DIR]
set -euo pipefail
OUT="${1:-${OUT:-/tmp}/plmscale-interop-check}"
rm -rf "$OUT" && mkdir -p "$OUT"
npx tsc -p tsconfig.json
node dist/bench/interop-dump.js "$OUT"
python3 -c 'import transformers; print("transformers", transformers.__version__)'
python3 bench/device-interop.py "$OUT" | tee "$OUT/parity.jsonl"
