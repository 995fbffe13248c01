#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine (as root) or an already prepared one:
# Debian packages when missing, npm packages, the native addon and the TypeScript build.
# Environment: LIBTORCH=<dir> builds the addon against another libtorch (e.g. a CUDA PyTorch install);
# PLMSCALE_SKIP_APT=1 skips the package step.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the project needs at run and test time. python3-torch (same libtorch 1.13) is the PyTorch peer
# (libgloo-dev: the gloo headers c10d needs to build the distributed part of the addon)
# for the safetensors interop tests and the bench:engine / bench:train comparisons; python3-scipy and
# python3-sklearn are the references of the evaluation metric tests (Spearman, AUC, MCC); dssp (mkdssp) labels secondary structure for the ss task.
PKGS=(libtorch-dev libgloo-dev libopenblas0-pthread libtcmalloc-minimal4 mmseqs2 dssp ncbi-blast+ metastudent-data
      chromium fonts-dejavu-core g++ make python3 python3-torch python3-scipy python3-sklearn ca-certificates)

if [ -z "${PLMSCALE_SKIP_APT:-}" ] && [ -z "${LIBTORCH:-}" ] && command -v dpkg-query >/dev/null; then
  missing=()
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "setup: missing Debian packages: ${missing[*]} (run as root, or install them yourself)" >&2
      exit 1
    fi
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# npm packages: reinstall only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

bash scripts/build-native.sh
echo "setup: compiling TypeScript"
npx tsc -p tsconfig.json
