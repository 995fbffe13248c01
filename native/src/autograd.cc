// Autograd from JS: requires_grad, backward, .grad access, grad mode, and CUDA autocast (bf16 on GPU).
#include "common.h"

#include <ATen/autocast_mode.h>
#include <ATen/core/grad_mode.h>
#include <torch/version.h>

namespace plm {
namespace {

const at::Tensor& arg_tensor(napi_env env, napi_value v, const char* what) {
  int64_t h = get_handle(env, v, what);
  if (!valid(h)) throw JsError(std::string(what) + ": tensor was disposed (use after dispose)");
  return lookup(h);
}

// setRequiresGrad(h, flag)
napi_value SetRequiresGrad(napi_env env, napi_callback_info info) {
  return guard(env, "requiresGrad_", [&]() -> napi_value {
    napi_value argv[2];
    get_args(env, info, argv, 2);
    at::Tensor t = arg_tensor(env, argv[0], "tensor");
    t.set_requires_grad(get_bool(env, argv[1], "flag"));
    return nullptr;
  });
}

// backward(h, gradient: handle|null, retainGraph: bool)
napi_value Backward(napi_env env, napi_callback_info info) {
  return guard(env, "backward", [&]() -> napi_value {
    napi_value argv[3];
    size_t n = get_args(env, info, argv, 3);
    const at::Tensor& t = arg_tensor(env, argv[0], "tensor");
    at::Tensor g;
    if (n > 1) {
      napi_valuetype gt = type_of(env, argv[1]);
      if (gt != napi_null && gt != napi_undefined) g = arg_tensor(env, argv[1], "gradient");
    }
    bool retain = n > 2 && type_of(env, argv[2]) == napi_boolean && get_bool(env, argv[2], "retainGraph");
    if (!t.requires_grad()) throw JsError("tensor does not require grad and has no grad_fn (was it computed under noGrad, or from leaves without requiresGrad?)");
    if (!g.defined() && t.numel() != 1)
      throw JsError("backward() without a gradient needs a scalar output, got shape " + c10::str(t.sizes()));
    t.backward(g, retain, false);
    return nullptr;
  });
}

// grad(h) -> handle or null
napi_value Grad(napi_env env, napi_callback_info info) {
  return guard(env, "grad", [&]() -> napi_value {
    napi_value argv[1];
    get_args(env, info, argv, 1);
    const at::Tensor& g = arg_tensor(env, argv[0], "tensor").grad();
    return g.defined() ? handle_value(env, g) : null(env);
  });
}

// setGrad(h, grad|null): null clears the gradient (zero_grad(set_to_none=True))
napi_value SetGrad(napi_env env, napi_callback_info info) {
  return guard(env, "setGrad", [&]() -> napi_value {
    napi_value argv[2];
    get_args(env, info, argv, 2);
    at::Tensor t = arg_tensor(env, argv[0], "tensor");
    napi_valuetype gt = type_of(env, argv[1]);
    if (gt == napi_null || gt == napi_undefined) t.mutable_grad() = at::Tensor();
    else t.mutable_grad() = arg_tensor(env, argv[1], "grad");
    return nullptr;
  });
}

napi_value SetGradEnabled(napi_env env, napi_callback_info info) {
  return guard(env, "setGradEnabled", [&]() -> napi_value {
    napi_value argv[1];
    get_args(env, info, argv, 1);
    bool prev = at::GradMode::is_enabled();
    at::GradMode::set_enabled(get_bool(env, argv[0], "enabled"));
    return boolean(env, prev);
  });
}

napi_value IsGradEnabled(napi_env env, napi_callback_info) {
  return guard(env, "isGradEnabled", [&]() -> napi_value { return boolean(env, at::GradMode::is_enabled()); });
}

// setAutocast(enabled, dtypeCode) for CUDA; returns the previous [enabled, dtypeCode]. Leaving a region
// (enabled=false) clears the autocast weight cache as torch.autocast's __exit__ does.
napi_value SetAutocast(napi_env env, napi_callback_info info) {
  return guard(env, "setAutocast", [&]() -> napi_value {
    napi_value argv[2];
    get_args(env, info, argv, 2);
    bool on = get_bool(env, argv[0], "enabled");
    // validated before any state changes: autocast casts to a floating type (bfloat16 / float16 on CUDA)
    at::ScalarType dt = to_dtype(get_int(env, argv[1], "dtype"));
    if (!at::isFloatingType(dt)) throw JsError(std::string("autocast dtype must be a floating type, got ") + c10::toString(dt));
#if TORCH_VERSION_MAJOR >= 2 && TORCH_VERSION_MINOR >= 4 || TORCH_VERSION_MAJOR >= 3
    bool prev_on = at::autocast::is_autocast_enabled(at::kCUDA);
    at::ScalarType prev_dt = at::autocast::get_autocast_dtype(at::kCUDA);
    at::autocast::set_autocast_enabled(at::kCUDA, on);
    at::autocast::set_autocast_dtype(at::kCUDA, dt);
#else
    bool prev_on = at::autocast::is_enabled();
    at::ScalarType prev_dt = at::autocast::get_autocast_gpu_dtype();
    at::autocast::set_enabled(on);
    at::autocast::set_autocast_gpu_dtype(dt);
#endif
    if (!on) at::autocast::clear_cache();
    napi_value arr;
    NAPI_CALL(env, napi_create_array_with_length(env, 2, &arr));
    NAPI_CALL(env, napi_set_element(env, arr, 0, boolean(env, prev_on)));
    NAPI_CALL(env, napi_set_element(env, arr, 1, num(env, static_cast<int>(prev_dt))));
    return arr;
  });
}

}  // namespace

void init_autograd(napi_env env, napi_value exports) {
  export_fn(env, exports, "setRequiresGrad", SetRequiresGrad);
  export_fn(env, exports, "backward", Backward);
  export_fn(env, exports, "grad", Grad);
  export_fn(env, exports, "setGrad", SetGrad);
  export_fn(env, exports, "setGradEnabled", SetGradEnabled);
  export_fn(env, exports, "isGradEnabled", IsGradEnabled);
  export_fn(env, exports, "setAutocast", SetAutocast);
}

}  // namespace plm
