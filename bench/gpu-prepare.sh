#!/usr/bin/env bash
# Run HERE (the dev machine) before bench/gpu-train.sh is run on the device machine: compiles the TypeScript
# and puts what the device machine may lack into .device/ (git-ignored): the node binary (xz, ~25 MB) and the
# four Node-API headers the addon includes. Then carry: dist, .device   (not native/build: it is rebuilt there
# against that machine's CUDA PyTorch).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
mkdir -p .device/node-include
node_bin=$(readlink -f "$(command -v node)")
[ -f .device/node.xz ] && [ .device/node.xz -nt "$node_bin" ] || xz -T2 -6 -c "$node_bin" > .device/node.xz
inc=/usr/include/node
[ -f $inc/node_api.h ] || inc=$(dirname "$(dirname "$node_bin")")/include/node
cp "$inc"/{node_api.h,node_api_types.h,js_native_api.h,js_native_api_types.h} .device/node-include/
du -sh .device dist
echo "carry: [\"dist\", \".device\"]   command: bash bench/gpu-train.sh"
