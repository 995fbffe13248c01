// Runtime facts and device control: threads, seed, CUDA queries and memory statistics, build info.
#include "common.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <torch/version.h>

#include <dlfcn.h>

#ifdef PLMSCALE_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace plm {
bool g_malloc_tuned = false;  // set by addon.cc at load
namespace {

// OpenBLAS (Debian's libtorch runs its float32 GEMMs on the pthread build) keeps its own thread pool, sized to
// the cores when it loads and left alone by at::set_num_threads, which sets OpenMP (and MKL) only: a process
// asked to use one thread still ran every large matmul on all cores' OpenBLAS threads. setNumThreads sizes
// both; found by symbol, so other BLAS builds (MKL, none) are simply not touched. -1: no OpenBLAS here.
int blas_threads(int set_to) {
  using set_fn = void (*)(int);
  using get_fn = int (*)();
  static auto set = reinterpret_cast<set_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  static auto get = reinterpret_cast<get_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (set_to > 0 && set) set(set_to);
  return get ? get() : -1;
}

napi_value SetNumThreads(napi_env env, napi_callback_info info) {
  return guard(env, "setNumThreads", [&]() -> napi_value {
    napi_value argv[1];
    get_args(env, info, argv, 1);
    int64_t n = get_int(env, argv[0], "threads");
    if (n < 1) throw JsError("threads must be >= 1");
    at::set_num_threads(static_cast<int>(n));
    blas_threads(static_cast<int>(n));
    return nullptr;
  });
}

napi_value GetNumThreads(napi_env env, napi_callback_info) {
  return guard(env, "getNumThreads", [&]() -> napi_value { return num(env, at::get_num_threads()); });
}

napi_value ManualSeed(napi_env env, napi_callback_info info) {
  return guard(env, "manualSeed", [&]() -> napi_value {
    napi_value argv[1];
    get_args(env, info, argv, 1);
    torch::manual_seed(static_cast<uint64_t>(get_int(env, argv[0], "seed")));  // CPU and every CUDA device
    return nullptr;
  });
}

napi_value CudaIsAvailable(napi_env env, napi_callback_info) {
  return guard(env, "cudaIsAvailable", [&]() -> napi_value { return boolean(env, torch::cuda::is_available()); });
}

napi_value CudaDeviceCount(napi_env env, napi_callback_info) {
  return guard(env, "cudaDeviceCount", [&]() -> napi_value { return num(env, static_cast<double>(torch::cuda::device_count())); });
}

napi_value CudaSynchronize(napi_env env, napi_callback_info info) {
  return guard(env, "cudaSynchronize", [&]() -> napi_value {
    napi_value argv[1];
    size_t n = get_args(env, info, argv, 1);
    int64_t dev = n > 0 && type_of(env, argv[0]) == napi_number ? get_int(env, argv[0], "device") : -1;
    if (!torch::cuda::is_available()) throw JsError("CUDA is not available");
    torch::cuda::synchronize(dev);
    return nullptr;
  });
}

// cudaMemoryStats(device) -> {allocated, allocatedPeak, reserved, reservedPeak} in bytes (CUDA builds only)
napi_value CudaMemoryStats(napi_env env, napi_callback_info info) {
  return guard(env, "cudaMemoryStats", [&]() -> napi_value {
    napi_value argv[2];
    size_t n = get_args(env, info, argv, 2);
    int64_t dev = n > 0 && type_of(env, argv[0]) == napi_number ? get_int(env, argv[0], "device") : 0;
    bool reset_peak = n > 1 && type_of(env, argv[1]) == napi_boolean && get_bool(env, argv[1], "resetPeak");
#ifdef PLMSCALE_CUDA
    if (!torch::cuda::is_available()) throw JsError("CUDA is not available");
    auto idx = static_cast<c10::DeviceIndex>(dev);
    if (dev < 0 || dev >= static_cast<int64_t>(torch::cuda::device_count())) throw JsError("no CUDA device " + std::to_string(dev));
    // the caching allocator sets up its per-device tables on first use; before that getDeviceStats rejects the index
    (void)at::empty({1}, at::TensorOptions().device(at::Device(at::kCUDA, idx)));
    auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(idx);
    napi_value o;
    NAPI_CALL(env, napi_create_object(env, &o));
    // index 0 is StatType::AGGREGATE
    NAPI_CALL(env, napi_set_named_property(env, o, "allocated", num(env, static_cast<double>(stats.allocated_bytes[0].current))));
    NAPI_CALL(env, napi_set_named_property(env, o, "allocatedPeak", num(env, static_cast<double>(stats.allocated_bytes[0].peak))));
    NAPI_CALL(env, napi_set_named_property(env, o, "reserved", num(env, static_cast<double>(stats.reserved_bytes[0].current))));
    NAPI_CALL(env, napi_set_named_property(env, o, "reservedPeak", num(env, static_cast<double>(stats.reserved_bytes[0].peak))));
    if (reset_peak) c10::cuda::CUDACachingAllocator::resetPeakStats(idx);
    return o;
#else
    (void)dev;
    (void)reset_peak;
    throw JsError("this addon was built without CUDA (rebuild with LIBTORCH=<a CUDA PyTorch install>)");
#endif
  });
}

napi_value CudaEmptyCache(napi_env env, napi_callback_info) {
  return guard(env, "cudaEmptyCache", [&]() -> napi_value {
#ifdef PLMSCALE_CUDA
    c10::cuda::CUDACachingAllocator::emptyCache();
#endif
    return nullptr;
  });
}

// buildInfo() -> {torchVersion, cudaBuild, mallocTuned, config, parallelInfo, blasThreads}
napi_value BuildInfo(napi_env env, napi_callback_info) {
  return guard(env, "buildInfo", [&]() -> napi_value {
    napi_value o;
    NAPI_CALL(env, napi_create_object(env, &o));
    NAPI_CALL(env, napi_set_named_property(env, o, "torchVersion", str(env, TORCH_VERSION)));
#ifdef PLMSCALE_CUDA
    NAPI_CALL(env, napi_set_named_property(env, o, "cudaBuild", boolean(env, true)));
#else
    NAPI_CALL(env, napi_set_named_property(env, o, "cudaBuild", boolean(env, false)));
#endif
    NAPI_CALL(env, napi_set_named_property(env, o, "mallocTuned", boolean(env, g_malloc_tuned)));
    NAPI_CALL(env, napi_set_named_property(env, o, "config", str(env, at::show_config())));
    NAPI_CALL(env, napi_set_named_property(env, o, "parallelInfo", str(env, at::get_parallel_info())));
    NAPI_CALL(env, napi_set_named_property(env, o, "blasThreads", num(env, blas_threads(0))));
    return o;
  });
}

}  // namespace

void init_device(napi_env env, napi_value exports) {
  export_fn(env, exports, "setNumThreads", SetNumThreads);
  export_fn(env, exports, "getNumThreads", GetNumThreads);
  export_fn(env, exports, "manualSeed", ManualSeed);
  export_fn(env, exports, "cudaIsAvailable", CudaIsAvailable);
  export_fn(env, exports, "cudaDeviceCount", CudaDeviceCount);
  export_fn(env, exports, "cudaSynchronize", CudaSynchronize);
  export_fn(env, exports, "cudaMemoryStats", CudaMemoryStats);
  export_fn(env, exports, "cudaEmptyCache", CudaEmptyCache);
  export_fn(env, exports, "buildInfo", BuildInfo);
}

}  // namespace plm
