#!/usr/bin/env bash
# Builds the Node-API addon (native/) against libtorch. Replaced by the engine's build once native/ has sources.
set -euo pipefail
cd "$(dirname "$0")/.."
ls native/*.cc >/dev/null 2>&1 || { echo "build-native: no native sources yet"; exit 0; }
