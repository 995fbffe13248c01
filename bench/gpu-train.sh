#!/usr/bin/env bash
# On the device machine (H100/H200, PyTorch 2.x + transformers, no network), from the repo root:
#   bash bench/gpu-train.sh            (prepared here by bench/gpu-prepare.sh; carry dist and .device)
# 1. node from PATH or the carried .device/node.xz; 2. the addon built against this machine's PyTorch (CUDA);
# 3. bench/gpu-train.py: Hugging Face EsmForMaskedLM and the eager PyTorch reference; 4. plmscale's side
# (dist/bench/gpu-train-node.js); 5. one combined JSON with ratios vs transformers, on stdout and in $OUT.
# Each part has its own time limit so the whole stays within ~5 minutes; a failing part is reported, not fatal.
set -uo pipefail
cd "$(dirname "$0")/.."
OUTDIR=${OUT:-/tmp/gpu-train}
mkdir -p "$OUTDIR"
log() { echo "[gpu-train $(date +%T)] $*" >&2; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2 || true

if ! command -v node >/dev/null && [ -f .device/node.xz ]; then
  mkdir -p /tmp/plm-node/bin && xz -dc .device/node.xz > /tmp/plm-node/bin/node && chmod +x /tmp/plm-node/bin/node
  export PATH=/tmp/plm-node/bin:$PATH
fi
[ -d .device/node-include ] && [ ! -f /usr/include/node/node_api.h ] && export NODE_INCLUDE=$PWD/.device/node-include
export LIBTORCH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')
node_ok=0
if command -v node >/dev/null && [ -f dist/bench/gpu-train-node.js ]; then
  log "building the addon against $LIBTORCH"
  if timeout 240 bash scripts/build-native.sh >&2; then node_ok=1; else log "addon build FAILED: plmscale side skipped"; fi
else
  log "no node or no dist/: plmscale side skipped (run bench/gpu-prepare.sh and carry dist, .device)"
fi

log "transformers + eager reference"
timeout 260 python3 bench/gpu-train.py --budget ${PY_BUDGET:-170} > "$OUTDIR/gpu-train-py.json" || log "python side exited $?"
if [ $node_ok = 1 ]; then
  log "plmscale"
  BUDGET=${NODE_BUDGET:-110} timeout 200 node dist/bench/gpu-train-node.js > "$OUTDIR/gpu-train-node.json" || log "plmscale side exited $?"
fi
python3 - "$OUTDIR" <<'PY'
import json, os, sys
d = sys.argv[1]
def load(n):
    try:
        with open(os.path.join(d, n)) as f:
            return json.load(f)
    except Exception as e:
        return {"error": f"{n}: {e}", "results": []}
py, nd = load("gpu-train-py.json"), load("gpu-train-node.json")
rows = py.get("results", []) + nd.get("results", [])
tps = {(r["size"], r["impl"], r["mode"]): r.get("tokensPerSecond") for r in rows}
ratios = {}
for (size, impl, mode), v in tps.items():
    hf = tps.get((size, "hf", mode))
    if impl != "hf" and v and hf:
        ratios[f"{size}/{impl}/{mode}"] = round(v / hf, 3)
out = {"device": py.get("device"), "torch": py.get("torch"), "transformers": py.get("transformers"), "ratios_vs_hf": ratios,
       "results": rows, "plmscaleBuild": nd.get("torch"), "errors": [x.get("error") for x in (py, nd) if x.get("error")]}
with open(os.path.join(d, "gpu-train.json"), "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps(out, indent=1))
PY
