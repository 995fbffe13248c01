// Shared declarations of the plmscale addon: Node-API helpers, the tensor handle table and the
// error boundary. Each .cc file registers its functions through one `init_*` hook (see addon.cc).
#pragma once
#include <node_api.h>
#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace plm {

// A JS-visible error with a message we composed ourselves (no backtrace).
struct JsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- threading --------------------------------------------------------------------------------
// The addon is single-threaded: the handle table, the operator table and callOp's reused stack are plain
// globals without locks, shared by every JS environment in the process. It therefore loads only on the
// process's main JS thread; a worker_threads Worker that loads it gets an error (addon.cc). For parallelism
// use child processes (as the sweep executors do).

// ---- tensor handles ---------------------------------------------------------------------------
// A handle is slot + generation * 2^22, passed to JS as a plain number (cheapest crossing; < 2^52, so exact
// in a double). Releasing a slot bumps its generation, so a stale handle (use after dispose) is detected
// instead of aliasing. A slot whose generation reaches kMaxGeneration is retired, never reused: wrapping to
// generation 0 would make handles issued 2^30 releases ago valid again.
constexpr int64_t kSlotBits = 22;
constexpr int64_t kSlotMask = (int64_t(1) << kSlotBits) - 1;
constexpr int64_t kMaxGeneration = (int64_t(1) << 30) - 1;

// Range-checked double -> int64: false for NaN, ±Inf and values outside int64's range (casting those is
// undefined behaviour in C++) and for non-integers.
inline bool double_to_int64(double d, int64_t* out) {
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return false;  // NaN fails both
  int64_t i = static_cast<int64_t>(d);
  if (static_cast<double>(i) != d) return false;
  *out = i;
  return true;
}
// "NaN", "Infinity", "1.5", "1e+300": how a rejected JS number reads in an error message.
std::string describe_number(double d);

// A dtype code from JS (c10::ScalarType value), validated: `allow_any` admits every ScalarType this libtorch
// knows, else only those the TS API names (uint8 … bfloat16).
at::ScalarType to_dtype(int64_t code, bool allow_any = false);

int64_t store(at::Tensor t);               // new handle for t
const at::Tensor& lookup(int64_t handle);  // throws JsError on stale/unknown handle
at::Tensor* lookup_ptr(int64_t handle);    // nullptr on stale/unknown handle; valid until the next store()
bool valid(int64_t handle);
void release(int64_t handle);
int64_t live_count();
int64_t retired_count();                    // slots retired at kMaxGeneration
int64_t set_free_generations(int64_t gen);  // test hook: age every free slot; returns how many

// ---- napi helpers -----------------------------------------------------------------------------
#define NAPI_CALL(env, call)                                                     \
  do {                                                                           \
    if ((call) != napi_ok) throw ::plm::JsError("Node-API call failed: " #call); \
  } while (0)

napi_value num(napi_env env, double v);
napi_value boolean(napi_env env, bool v);
napi_value str(napi_env env, const std::string& s);
napi_value undef(napi_env env);
napi_value null(napi_env env);
double get_double(napi_env env, napi_value v, const char* what);
int64_t get_int(napi_env env, napi_value v, const char* what);
bool get_bool(napi_env env, napi_value v, const char* what);
std::string get_string(napi_env env, napi_value v, const char* what);
napi_valuetype type_of(napi_env env, napi_value v);
bool is_array(napi_env env, napi_value v);
uint32_t array_length(napi_env env, napi_value v);
std::vector<int64_t> get_int_list(napi_env env, napi_value v, const char* what);
int64_t get_handle(napi_env env, napi_value v, const char* what);
napi_value handle_value(napi_env env, at::Tensor t);

// Fetch up to N call arguments; returns the actual count.
size_t get_args(napi_env env, napi_callback_info info, napi_value* argv, size_t n);

// The error boundary: run fn, turn any C++ exception into a pending JS error (prefixed by `where`).
template <typename F>
napi_value guard(napi_env env, const char* where, F&& fn) {
  std::string msg;
  try {
    return fn();
  } catch (const JsError& e) {
    msg = e.what();
  } catch (const c10::Error& e) {
    msg = e.what_without_backtrace();
  } catch (const std::exception& e) {
    msg = e.what();
  } catch (...) {
    msg = "unknown C++ exception";
  }
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    std::string full = where[0] ? std::string(where) + ": " + msg : msg;
    napi_throw_error(env, "PLMSCALE_TORCH", full.c_str());
  }
  return nullptr;
}

// Registration: each file adds its exported functions to the module object.
void export_fn(napi_env env, napi_value exports, const char* name, napi_callback cb);
void init_tensors(napi_env env, napi_value exports);
void init_ops(napi_env env, napi_value exports);
void init_autograd(napi_env env, napi_value exports);
void init_device(napi_env env, napi_value exports);
void init_distributed(napi_env env, napi_value exports);

}  // namespace plm
