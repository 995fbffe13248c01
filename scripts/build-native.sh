#!/usr/bin/env bash
# Builds the Node-API addon native/build/plmscale.node with g++ (no node-gyp), one object per source in
# parallel, and only when a source, header or this script is newer than the output (setup.sh calls it every time).
#   default:         Debian libtorch-dev (1.13, CPU) from /usr/include + /usr/lib
#   LIBTORCH=<dir>:  a PyTorch install (…/site-packages/torch); CUDA parts when libtorch_cuda.so is there
#   (no LIBTORCH, no Debian libtorch, but `python3 -c "import torch"` works): that PyTorch
#   NODE_INCLUDE=<dir>: Node headers (default: /usr/include/node, else the running node's include/node)
#   PLMSCALE_FORCE_BUILD=1: rebuild even when up to date
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=native/src
OUT=native/build
TARGET=$OUT/plmscale.node
mkdir -p "$OUT"

if [ -z "${LIBTORCH:-}" ] && [ ! -f /usr/include/torch/csrc/api/include/torch/torch.h ]; then
  for py in python3 /usr/bin/python3; do
    if d=$("$py" -c 'import torch, os; print(os.path.dirname(torch.__file__))' 2>/dev/null); then LIBTORCH=$d; break; fi
  done
  [ -n "${LIBTORCH:-}" ] || { echo "build-native: no libtorch found (install libtorch-dev or set LIBTORCH=<dir>)" >&2; exit 1; }
fi

NODE_INC=${NODE_INCLUDE:-}
if [ -z "$NODE_INC" ]; then
  if [ -f /usr/include/node/node_api.h ]; then NODE_INC=/usr/include/node
  else NODE_INC=$(dirname "$(dirname "$(command -v node)")")/include/node; fi
fi
[ -f "$NODE_INC/node_api.h" ] || { echo "build-native: node_api.h not found (set NODE_INCLUDE)" >&2; exit 1; }

# The C++ ABI must match the libtorch build: Debian and recent PyTorch wheels use the CXX11 ABI (1); older
# wheels used 0. TorchConfig.cmake records it; PLMSCALE_CXX11_ABI overrides.
ABI=${PLMSCALE_CXX11_ABI:-1}
if [ -z "${PLMSCALE_CXX11_ABI:-}" ] && [ -n "${LIBTORCH:-}" ] && [ -f "$LIBTORCH/share/cmake/Torch/TorchConfig.cmake" ]; then
  found=$(grep -o '_GLIBCXX_USE_CXX11_ABI=[01]' "$LIBTORCH/share/cmake/Torch/TorchConfig.cmake" | head -1 | cut -d= -f2 || true)
  [ -n "$found" ] && ABI=$found
fi
CXXFLAGS=(-std=c++17 -O2 -fPIC -D_GLIBCXX_USE_CXX11_ABI="$ABI" -DNODE_GYP_MODULE_NAME=plmscale -Wall -Wno-unused-parameter
          -I"$NODE_INC")
LDFLAGS=(-shared -Wl,--no-as-needed)
if [ -n "${LIBTORCH:-}" ]; then
  CXXFLAGS+=(-I"$LIBTORCH/include" -I"$LIBTORCH/include/torch/csrc/api/include")
  LDFLAGS+=(-L"$LIBTORCH/lib" -Wl,-rpath,"$LIBTORCH/lib")
  LIBS=(-ltorch -ltorch_cpu -lc10)
  if [ -f "$LIBTORCH/lib/libtorch_cuda.so" ]; then
    # torch_cuda registers the CUDA kernels at load (hence --no-as-needed). The allocator statistics need the
    # CUDA runtime headers (CUDA_HOME, or pip's nvidia-* wheels); without them the addon still runs on CUDA.
    LIBS+=(-ltorch_cuda -lc10_cuda)
    cuda_incs=()
    for d in "${CUDA_HOME:-/usr/local/cuda}/include" "$LIBTORCH"/../nvidia/*/include "$LIBTORCH"/../nvidia/*/*/include; do
      [ -f "$d/cuda_runtime_api.h" ] && cuda_incs+=(-I"$d")
    done
    if [ ${#cuda_incs[@]} -gt 0 ]; then
      CXXFLAGS+=(-DPLMSCALE_CUDA "${cuda_incs[@]}")
    else
      echo "build-native: CUDA libtorch but no cuda_runtime_api.h found: building without CUDA memory statistics" >&2
    fi
    FLAVOUR_CUDA=1
  fi
  FLAVOUR="LIBTORCH=$LIBTORCH${FLAVOUR_CUDA:+ cuda} abi=$ABI"
else
  CXXFLAGS+=(-I/usr/include/torch/csrc/api/include)
  LIBS=(-ltorch -ltorch_cpu -lc10)
  FLAVOUR="debian"
fi
# c10d (distributed.cc, dist-store.cc): Gloo process groups need the gloo headers (Debian libgloo-dev; Debian's
# libtorch links libgloo dynamically, PyTorch wheels carry it inside libtorch_cpu). Without them dist* throw.
for inc in /usr/include "${LIBTORCH:+$LIBTORCH/include}"; do
  if [ -n "$inc" ] && [ -f "$inc/gloo/config.h" ]; then
    CXXFLAGS+=(-DUSE_C10D_GLOO -DPLMSCALE_DIST)
    [ -z "${LIBTORCH:-}" ] && LIBS+=(-lgloo)
    FLAVOUR="$FLAVOUR c10d-gloo"
    break
  fi
done
# Rebuild when the flavour changes (stamp) or any input is newer than the output.
STAMP=$OUT/flavour
if [ -z "${PLMSCALE_FORCE_BUILD:-}" ] && [ -f "$TARGET" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$FLAVOUR" ]; then
  newer=$(find "$SRC" scripts/build-native.sh -newer "$TARGET" | head -1)
  if [ -z "$newer" ]; then echo "build-native: up to date ($FLAVOUR)"; exit 0; fi
fi

echo "build-native: compiling addon ($FLAVOUR)"
start=$(date +%s)
pids=()
objs=()
# Objects are reused when newer than their source, every header, this script and the flavour stamp.
[ "$(cat "$STAMP" 2>/dev/null)" = "$FLAVOUR" ] || rm -f "$OUT"/*.o
for f in "$SRC"/*.cc; do
  o=$OUT/$(basename "${f%.cc}").o
  objs+=("$o")
  if [ -n "${PLMSCALE_FORCE_BUILD:-}" ] || [ ! -f "$o" ] || [ "$f" -nt "$o" ] || [ -n "$(find "$SRC" -name '*.h' -newer "$o" | head -1)" ] || [ scripts/build-native.sh -nt "$o" ]; then
    g++ "${CXXFLAGS[@]}" -c "$f" -o "$o" &
    pids+=($!)
  fi
done
fail=0
for p in "${pids[@]+"${pids[@]}"}"; do wait "$p" || fail=1; done
[ $fail = 0 ] || { echo "build-native: compilation failed" >&2; exit 1; }
g++ "${objs[@]}" -o "$TARGET.tmp" "${LDFLAGS[@]}" "${LIBS[@]}" -Wl,--as-needed
mv "$TARGET.tmp" "$TARGET"
echo "$FLAVOUR" > "$STAMP"
echo "build-native: built $TARGET in $(( $(date +%s) - start ))s"
