# Sourced by the device scripts (from the repo root): node from the carried .device/node.xz, its headers,
# the device's CUDA PyTorch as LIBTORCH, the carried production node_modules, and $OUT.
OUT=${OUT:-/tmp/device-out}; mkdir -p "$OUT"
mkdir -p /tmp/nodebin && [ -x /tmp/nodebin/node ] || { xz -dc .device/node.xz > /tmp/nodebin/node && chmod +x /tmp/nodebin/node; }
export PATH=/tmp/nodebin:$PATH NODE_INCLUDE=$PWD/.device/node-include
export LIBTORCH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')
[ -d .gpu/node_modules ] && [ ! -d node_modules ] && mv .gpu/node_modules node_modules
true
