// Module entry of the plmscale addon: allocator tuning at load, then each concern registers its functions.
#include "common.h"

#include <malloc.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace plm {
extern bool g_malloc_tuned;

// glibc returns large freed blocks to the OS (munmap / heap trim) on every training step, and the next step
// page-faults them back in: DESIGN §7 measured ~2x lower CPU throughput. Keep them: raise the mmap threshold
// to its maximum (32 MiB on 64-bit) and the trim threshold to 1 GiB. Blocks above 32 MiB (attention scores:
// B·H·T²·4 bytes, 42 MB at B=2, H=20, T=512) would still be mmapped and faulted in afresh on every use, so
// M_MMAP_MAX=0 serves them from the heap too (bench:engine step: ~8-10% less CPU time). PLMSCALE_MALLOC=default
// opts out of all three.
static void tune_malloc() {
  const char* mode = std::getenv("PLMSCALE_MALLOC");
  if (mode && std::strcmp(mode, "default") == 0) return;
  bool ok = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) == 1;
  ok = mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024) == 1 && ok;
  ok = mallopt(M_MMAP_MAX, 0) == 1 && ok;
  g_malloc_tuned = ok;
}

// The addon is single-threaded (common.h): refuse to initialise on any thread but the process's main one
// (Linux: the thread whose id is the process id), and on any thread but the first that loaded it elsewhere.
static void require_main_thread() {
  static std::atomic<bool> loaded{false};
  static std::thread::id owner;
  const char* advice = "plmscale's native addon is single-threaded (unlocked global tensor and operator tables): "
                       "use it from the main thread only, and child processes (not worker_threads) for parallelism";
#ifdef __linux__
  if (static_cast<pid_t>(syscall(SYS_gettid)) != getpid())
    throw JsError(std::string("refusing to load in a worker thread: ") + advice);
#endif
  if (loaded.exchange(true) && owner != std::this_thread::get_id())
    throw JsError(std::string("already loaded on another thread: ") + advice);
  owner = std::this_thread::get_id();
}
}  // namespace plm

static napi_value Init(napi_env env, napi_value exports) {
  return plm::guard(env, "plmscale addon init", [&]() -> napi_value {
    plm::require_main_thread();
    plm::tune_malloc();
    plm::init_tensors(env, exports);
    plm::init_ops(env, exports);
    plm::init_autograd(env, exports);
    plm::init_device(env, exports);
    plm::init_distributed(env, exports);
    return exports;
  });
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
