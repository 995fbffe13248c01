// callOp over the boxed c10 dispatcher: operators are resolved once by (name, overload) to an integer id,
// their schema is pre-digested into argument kinds, and each call converts JS values by that schema.
#include "common.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/ivalue.h>
#include <ATen/core/jit_type.h>
#include <sstream>
#include <variant>

namespace plm {
namespace {

enum class Kind { Tensor, TensorList, OptTensorList, Int, IntList, Float, FloatList, Bool, BoolList, Scalar, ScalarList, Str, Device, Generator, ScalarType, Unsupported };

struct ArgInfo {
  std::string name;
  Kind kind;
  bool optional;
  bool has_default;
  c10::IValue default_value;
  std::string type_str;
};

// Pre-digested fast paths: an op whose schema is one of these shapes is called through the dispatcher's
// unboxed (typed) entry, as at::add does, instead of building an IValue stack: arguments go straight from JS
// numbers to `const at::Tensor&` in the handle table (no refcount traffic) and c10::Scalar, the result straight
// into a new handle. T = Tensor, S = Scalar, M = mutated Tensor(a!) (in-place; JS returns its own input).
using SigT = at::Tensor(const at::Tensor&);
using SigTT = at::Tensor(const at::Tensor&, const at::Tensor&);
using SigTS = at::Tensor(const at::Tensor&, const c10::Scalar&);
using SigTTS = at::Tensor(const at::Tensor&, const at::Tensor&, const c10::Scalar&);
using SigTSS = at::Tensor(const at::Tensor&, const c10::Scalar&, const c10::Scalar&);
using SigMT = at::Tensor&(at::Tensor&, const at::Tensor&);
using SigMS = at::Tensor&(at::Tensor&, const c10::Scalar&);
using SigMTS = at::Tensor&(at::Tensor&, const at::Tensor&, const c10::Scalar&);
using SigMSS = at::Tensor&(at::Tensor&, const c10::Scalar&, const c10::Scalar&);
using SigMTTS = at::Tensor&(at::Tensor&, const at::Tensor&, const at::Tensor&, const c10::Scalar&);
using FastHandle = std::variant<std::monostate, c10::TypedOperatorHandle<SigT>, c10::TypedOperatorHandle<SigTT>,
                                c10::TypedOperatorHandle<SigTS>, c10::TypedOperatorHandle<SigTTS>,
                                c10::TypedOperatorHandle<SigTSS>, c10::TypedOperatorHandle<SigMT>,
                                c10::TypedOperatorHandle<SigMS>, c10::TypedOperatorHandle<SigMTS>,
                                c10::TypedOperatorHandle<SigMSS>, c10::TypedOperatorHandle<SigMTTS>>;

struct OpEntry {
  c10::OperatorHandle handle;
  std::string name;  // "aten::mm.out" form, for messages
  std::vector<ArgInfo> args;
  std::vector<bool> ret_is_mutable_alias;  // in-place results are not re-wrapped (JS returns its own input)
  FastHandle fast;                         // monostate: boxed path only
  std::vector<c10::Scalar> scalar_defaults;  // per argument (Scalar kinds with a default), for the fast path
};

std::vector<OpEntry> g_ops;

Kind kind_of(const c10::TypePtr& t) {
  using c10::TypeKind;
  switch (t->kind()) {
    case TypeKind::TensorType: return Kind::Tensor;
    case TypeKind::IntType: case TypeKind::SymIntType: return Kind::Int;
    case TypeKind::FloatType: return Kind::Float;
    case TypeKind::BoolType: return Kind::Bool;
    case TypeKind::NumberType: return Kind::Scalar;
    case TypeKind::StringType: return Kind::Str;
    case TypeKind::DeviceObjType: return Kind::Device;
    case TypeKind::GeneratorType: return Kind::Generator;
    case TypeKind::ScalarTypeType: return Kind::ScalarType;
    case TypeKind::LayoutType: case TypeKind::MemoryFormatType: return Kind::Int;
    case TypeKind::ListType: {
      const c10::TypePtr& e = t->castRaw<c10::ListType>()->getElementType();
      switch (e->kind()) {
        case TypeKind::TensorType: return Kind::TensorList;
        case TypeKind::OptionalType: return Kind::OptTensorList;
        case TypeKind::IntType: case TypeKind::SymIntType: return Kind::IntList;
        case TypeKind::FloatType: return Kind::FloatList;
        case TypeKind::BoolType: return Kind::BoolList;
        case TypeKind::NumberType: return Kind::ScalarList;
        default: return Kind::Unsupported;
      }
    }
    default: return Kind::Unsupported;
  }
}

ArgInfo digest(const c10::Argument& a) {
  ArgInfo info;
  info.name = a.name();
  c10::TypePtr t = a.real_type();  // the declared type: ScalarType / SymInt, where type() says int
  info.type_str = t->str();
  info.optional = false;
  if (t->kind() == c10::TypeKind::OptionalType) {
    info.optional = true;
    t = t->castRaw<c10::OptionalType>()->getElementType();
  }
  info.kind = kind_of(t);
  info.has_default = a.default_value().has_value();
  if (info.has_default) info.default_value = *a.default_value();
  return info;
}

[[noreturn]] void bad_arg(const ArgInfo& a, const std::string& why) {
  throw JsError("argument '" + a.name + "' (" + a.type_str + "): " + why);
}

double to_double(napi_env env, napi_value v, const ArgInfo& a) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) bad_arg(a, "expected a number");
  return d;
}
int64_t to_int(napi_env env, napi_value v, const ArgInfo& a) {
  double d = to_double(env, v, a);
  int64_t i;
  if (!double_to_int64(d, &i)) bad_arg(a, "expected an integer, got " + describe_number(d));
  return i;
}
// A handle number → its tensor (a NaN/∞/fractional "handle" is rejected before any cast).
const at::Tensor& tensor_of(double d, const ArgInfo& a) {
  int64_t h;
  if (!double_to_int64(d, &h) || h < 0) bad_arg(a, "expected a Tensor handle, got " + describe_number(d));
  if (!valid(h)) bad_arg(a, "tensor was disposed (use after dispose)");
  return lookup(h);
}
const at::Tensor& to_tensor(napi_env env, napi_value v, const ArgInfo& a) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) bad_arg(a, "expected a Tensor");
  return tensor_of(d, a);
}
c10::Scalar to_scalar(napi_env env, napi_value v, const ArgInfo& a) {
  napi_valuetype t = type_of(env, v);
  if (t == napi_boolean) return c10::Scalar(get_bool(env, v, "scalar"));
  if (t != napi_number) bad_arg(a, "expected a number or boolean");
  double d = to_double(env, v, a);
  // JS has one number type: integral values become int scalars (as Python's `2`), others double (NaN and
  // ±Infinity are valid double scalars, e.g. masked_fill with -inf).
  int64_t i;
  if (std::abs(d) < 9.007199254740992e15 && double_to_int64(d, &i)) return c10::Scalar(i);
  return c10::Scalar(d);
}

template <typename F>
void for_each(napi_env env, napi_value v, const ArgInfo& a, F&& f) {
  if (!is_array(env, v)) bad_arg(a, "expected an array");
  uint32_t n = array_length(env, v);
  for (uint32_t i = 0; i < n; ++i) {
    napi_value e;
    NAPI_CALL(env, napi_get_element(env, v, i, &e));
    f(e, i, n);
  }
}

c10::IValue convert(napi_env env, napi_value v, const ArgInfo& a) {
  if (a.kind == Kind::Tensor) {
    // fast path: a tensor handle is a number; anything else falls through to the checks below
    double d;
    if (napi_get_value_double(env, v, &d) == napi_ok) return tensor_of(d, a);
  }
  napi_valuetype vt = type_of(env, v);
  if (vt == napi_undefined) {
    if (a.has_default) return a.default_value;
    if (a.optional) return c10::IValue();
    bad_arg(a, "missing (no default)");
  }
  if (vt == napi_null) {
    if (a.optional) return c10::IValue();
    bad_arg(a, "null is not allowed (argument is not optional)");
  }
  switch (a.kind) {
    case Kind::Tensor: return to_tensor(env, v, a);
    case Kind::TensorList: {
      std::vector<at::Tensor> ts;
      for_each(env, v, a, [&](napi_value e, uint32_t i, uint32_t n) {
        if (i == 0) ts.reserve(n);
        ts.push_back(to_tensor(env, e, a));
      });
      return c10::IValue(ts);
    }
    case Kind::OptTensorList: {
      c10::List<c10::optional<at::Tensor>> ts;
      for_each(env, v, a, [&](napi_value e, uint32_t, uint32_t) {
        napi_valuetype et = type_of(env, e);
        if (et == napi_null || et == napi_undefined) ts.push_back(c10::nullopt);
        else ts.push_back(to_tensor(env, e, a));
      });
      return c10::IValue(ts);
    }
    case Kind::Int: return to_int(env, v, a);
    case Kind::ScalarType: {
      int64_t code = to_int(env, v, a);
      try {
        return static_cast<int64_t>(to_dtype(code, true));
      } catch (const JsError& e) {
        bad_arg(a, e.what());
      }
    }
    case Kind::IntList: {
      std::vector<int64_t> xs;
      if (vt == napi_number) xs.push_back(to_int(env, v, a));  // int[2] accepts a single int
      else for_each(env, v, a, [&](napi_value e, uint32_t, uint32_t) { xs.push_back(to_int(env, e, a)); });
      return c10::IValue(xs);
    }
    case Kind::Float: return to_double(env, v, a);
    case Kind::FloatList: {
      std::vector<double> xs;
      for_each(env, v, a, [&](napi_value e, uint32_t, uint32_t) { xs.push_back(to_double(env, e, a)); });
      return c10::IValue(xs);
    }
    case Kind::Bool: {
      if (vt != napi_boolean) bad_arg(a, "expected a boolean");
      return get_bool(env, v, a.name.c_str());
    }
    case Kind::BoolList: {
      c10::List<bool> xs;
      for_each(env, v, a, [&](napi_value e, uint32_t, uint32_t) { xs.push_back(get_bool(env, e, a.name.c_str())); });
      return c10::IValue(xs);
    }
    case Kind::Scalar: return to_scalar(env, v, a);
    case Kind::ScalarList: {
      std::vector<c10::Scalar> xs;
      for_each(env, v, a, [&](napi_value e, uint32_t, uint32_t) { xs.push_back(to_scalar(env, e, a)); });
      return c10::IValue(xs);
    }
    case Kind::Str: {
      if (vt != napi_string) bad_arg(a, "expected a string");
      return get_string(env, v, a.name.c_str());
    }
    case Kind::Device: {
      if (vt != napi_string) bad_arg(a, "expected a device string such as 'cpu' or 'cuda:0'");
      return c10::Device(get_string(env, v, a.name.c_str()));
    }
    case Kind::Generator: bad_arg(a, "generators are not supported; pass null (use manualSeed)");
    case Kind::Unsupported: bad_arg(a, "this argument type is not supported by plmscale's callOp");
  }
  bad_arg(a, "unreachable");
}

napi_value from_ivalue(napi_env env, const c10::IValue& v);

napi_value list_value(napi_env env, size_t n, const std::function<napi_value(size_t)>& at) {
  napi_value arr;
  NAPI_CALL(env, napi_create_array_with_length(env, n, &arr));
  for (size_t i = 0; i < n; ++i) NAPI_CALL(env, napi_set_element(env, arr, i, at(i)));
  return arr;
}

napi_value from_ivalue(napi_env env, const c10::IValue& v) {
  if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    return t.defined() ? handle_value(env, t) : null(env);
  }
  if (v.isNone()) return null(env);
  if (v.isInt()) return num(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return num(env, v.toDouble());
  if (v.isBool()) return boolean(env, v.toBool());
  if (v.isString()) return str(env, v.toStringRef());
  if (v.isTensorList()) {
    auto l = v.toTensorList();
    return list_value(env, l.size(), [&](size_t i) { at::Tensor t = l.get(i); return t.defined() ? handle_value(env, t) : null(env); });
  }
  if (v.isTuple()) {
    const auto& els = v.toTupleRef().elements();
    return list_value(env, els.size(), [&](size_t i) { return from_ivalue(env, els[i]); });
  }
  if (v.isList()) {
    auto l = v.toListRef();
    return list_value(env, l.size(), [&](size_t i) { return from_ivalue(env, l[i]); });
  }
  if (v.isScalar()) return num(env, v.toScalar().toDouble());
  if (v.isDevice()) return str(env, v.toDevice().str());
  throw JsError("cannot convert a return value of type " + v.tagKind() + " to JS");
}

// Chooses the op's fast path from its schema: every argument a plain (non-optional) Tensor or Scalar, the first
// Tensor possibly mutated in place, one Tensor return. typed<>() checks the C++ signature against the kernels
// registered for the op and throws on a mismatch; the op then stays on the boxed path.
void digest_fast_path(OpEntry& e, const c10::FunctionSchema& schema) {
  if (schema.returns().size() != 1 || schema.is_vararg() || schema.is_varret()) return;
  if (schema.returns()[0].real_type()->kind() != c10::TypeKind::TensorType) return;
  std::string shape;
  for (size_t i = 0; i < e.args.size(); ++i) {
    const ArgInfo& a = e.args[i];
    const c10::Argument& sa = schema.arguments()[i];
    if (a.optional) return;
    bool writes = sa.alias_info() != nullptr && sa.alias_info()->isWrite();
    if (a.kind == Kind::Tensor) shape += (writes ? 'M' : 'T');
    else if (a.kind == Kind::Scalar && !writes) shape += 'S';
    else return;
    if (writes && i != 0) return;
  }
  bool mut_ret = !e.ret_is_mutable_alias.empty() && e.ret_is_mutable_alias[0];
  if ((shape[0] == 'M') != mut_ret) return;
  e.scalar_defaults.resize(e.args.size());
  for (size_t i = 0; i < e.args.size(); ++i)
    if (e.args[i].kind == Kind::Scalar && e.args[i].has_default) e.scalar_defaults[i] = e.args[i].default_value.toScalar();
  try {
    if (shape == "T") e.fast = e.handle.typed<SigT>();
    else if (shape == "TT") e.fast = e.handle.typed<SigTT>();
    else if (shape == "TS") e.fast = e.handle.typed<SigTS>();
    else if (shape == "TTS") e.fast = e.handle.typed<SigTTS>();
    else if (shape == "TSS") e.fast = e.handle.typed<SigTSS>();
    else if (shape == "MT") e.fast = e.handle.typed<SigMT>();
    else if (shape == "MS") e.fast = e.handle.typed<SigMS>();
    else if (shape == "MTS") e.fast = e.handle.typed<SigMTS>();
    else if (shape == "MSS") e.fast = e.handle.typed<SigMSS>();
    else if (shape == "MTTS") e.fast = e.handle.typed<SigMTTS>();
  } catch (const c10::Error&) {
    e.fast = std::monostate{};
  }
}

const OpEntry& entry(int64_t id) {
  if (id < 0 || id >= static_cast<int64_t>(g_ops.size())) throw JsError("unknown operator id " + std::to_string(id));
  return g_ops[id];
}

// resolveOp(name, overload) -> id, or -1 when this libtorch has no such schema (see hasOp in TS).
napi_value ResolveOp(napi_env env, napi_callback_info info) {
  return guard(env, "resolveOp", [&]() -> napi_value {
    napi_value argv[2];
    if (get_args(env, info, argv, 2) < 2) throw JsError("expected (name, overload)");
    std::string name = get_string(env, argv[0], "name"), overload = get_string(env, argv[1], "overload");
    if (name.find("::") == std::string::npos) name = "aten::" + name;
    for (size_t i = 0; i < g_ops.size(); ++i) {
      const auto& s = g_ops[i].handle.schema();
      if (s.name() == name && s.overload_name() == overload) return num(env, static_cast<double>(i));
    }
    auto h = c10::Dispatcher::singleton().findSchema({name, overload});
    if (!h.has_value()) return num(env, -1);
    const c10::FunctionSchema& schema = h->schema();
    std::vector<ArgInfo> args;
    for (const auto& a : schema.arguments()) args.push_back(digest(a));
    std::vector<bool> mut;
    for (const auto& r : schema.returns()) mut.push_back(r.alias_info() != nullptr && r.alias_info()->isWrite());
    OpEntry e{*h, overload.empty() ? name : name + "." + overload, std::move(args), std::move(mut), {}, {}};
    digest_fast_path(e, schema);
    g_ops.push_back(std::move(e));
    return num(env, static_cast<double>(g_ops.size() - 1));
  });
}

// schemaOf(id) -> the schema string as this libtorch registers it
napi_value SchemaOf(napi_env env, napi_callback_info info) {
  return guard(env, "schemaOf", [&]() -> napi_value {
    napi_value argv[1];
    get_args(env, info, argv, 1);
    std::ostringstream os;
    os << entry(get_int(env, argv[0], "id")).handle.schema();
    return str(env, os.str());
  });
}

constexpr size_t kMaxArgs = 32;

// ---- the fast path (see FastHandle) ----
// The tensor behind a JS handle number, by reference into the handle table (valid until the next store()).
at::Tensor& fast_tensor(napi_env env, napi_value v, const ArgInfo& a) {
  double d;
  if (v == nullptr || napi_get_value_double(env, v, &d) != napi_ok) {
    convert(env, v == nullptr ? undef(env) : v, a);  // throws the boxed path's message (missing, null, …)
    bad_arg(a, "expected a Tensor");
  }
  int64_t h;
  if (!double_to_int64(d, &h) || h < 0) bad_arg(a, "expected a Tensor handle, got " + describe_number(d));
  at::Tensor* t = lookup_ptr(h);
  if (t == nullptr) bad_arg(a, "tensor was disposed (use after dispose)");
  return *t;
}
c10::Scalar fast_scalar(napi_env env, napi_value v, const OpEntry& op, size_t i) {
  double d;
  if (v != nullptr && napi_get_value_double(env, v, &d) == napi_ok) {
    int64_t k;  // as to_scalar: integral values are int scalars
    if (std::abs(d) < 9.007199254740992e15 && double_to_int64(d, &k)) return c10::Scalar(k);
    return c10::Scalar(d);
  }
  if (v == nullptr || type_of(env, v) == napi_undefined) {
    if (op.args[i].has_default) return op.scalar_defaults[i];
    v = undef(env);
  }
  return convert(env, v, op.args[i]).toScalar();  // booleans, and the boxed path's error messages
}

napi_value call_fast(napi_env env, const OpEntry& op, const napi_value* argv, size_t given) {
  auto arg = [&](size_t i) -> napi_value { return i < given ? argv[i] : nullptr; };
  auto T = [&](size_t i) -> at::Tensor& { return fast_tensor(env, arg(i), op.args[i]); };
  auto S = [&](size_t i) { return fast_scalar(env, arg(i), op, i); };
  auto out = [&](at::Tensor r) { return handle_value(env, std::move(r)); };
  const FastHandle& f = op.fast;
  if (auto* h = std::get_if<c10::TypedOperatorHandle<SigT>>(&f)) return out(h->call(T(0)));
  if (auto* h = std::get_if<c10::TypedOperatorHandle<SigTT>>(&f)) return out(h->call(T(0), T(1)));
  if (auto* h = std::get_if<c10::TypedOperatorHandle<SigTS>>(&f)) return out(h->call(T(0), S(1)));
  if (auto* h = std::get_if<c10::TypedOperatorHandle<SigTTS>>(&f)) return out(h->call(T(0), T(1), S(2)));
  if (auto* h = std::get_if<c10::TypedOperatorHandle<SigTSS>>(&f)) return out(h->call(T(0), S(1), S(2)));
  // in place: the JS wrapper returns its own input
  if (auto* h = std::get_if<c10::TypedOperatorHandle<SigMT>>(&f)) h->call(T(0), T(1));
  else if (auto* h = std::get_if<c10::TypedOperatorHandle<SigMS>>(&f)) h->call(T(0), S(1));
  else if (auto* h = std::get_if<c10::TypedOperatorHandle<SigMTS>>(&f)) h->call(T(0), T(1), S(2));
  else if (auto* h = std::get_if<c10::TypedOperatorHandle<SigMSS>>(&f)) h->call(T(0), S(1), S(2));
  else if (auto* h = std::get_if<c10::TypedOperatorHandle<SigMTTS>>(&f)) h->call(T(0), T(1), T(2), S(3));
  else throw JsError("internal: no fast path");
  return undef(env);
}

// callOp(id, ...args): positional arguments in schema order (keyword-only ones included); undefined = default.
// Returns: undefined (no/in-place returns), a value, or an array for several returns.
napi_value CallOp(napi_env env, napi_callback_info info) {
  napi_value argv[kMaxArgs + 1];
  size_t argc = kMaxArgs + 1;
  const OpEntry* op = nullptr;
  return guard(env, "", [&]() -> napi_value {
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
    if (argc < 1) throw JsError("expected an operator id");
    if (argc > kMaxArgs + 1) throw JsError("callOp takes at most " + std::to_string(kMaxArgs) + " operator arguments");
    op = &entry(get_int(env, argv[0], "operator id"));
    // one stack reused across calls (no allocation per call); callOp is not re-entrant from JS
    static torch::jit::Stack stack;
    try {
      size_t given = argc - 1, n = op->args.size();
      if (given > n)
        throw JsError("takes " + std::to_string(n) + " arguments but " + std::to_string(given) + " were given");
      if (op->fast.index() != 0) return call_fast(env, *op, argv + 1, given);
      stack.clear();
      napi_value undefined = nullptr;
      for (size_t i = 0; i < n; ++i) {
        if (i < given) stack.push_back(convert(env, argv[i + 1], op->args[i]));
        else {
          if (!undefined) undefined = undef(env);
          stack.push_back(convert(env, undefined, op->args[i]));
        }
      }
      op->handle.callBoxed(stack);
      const auto& mut = op->ret_is_mutable_alias;
      size_t nret = stack.size();
      if (nret == 0) return undef(env);
      if (nret == 1) {
        napi_value r = (!mut.empty() && mut[0]) ? undef(env) : from_ivalue(env, stack[0]);
        stack.clear();  // drop our references now, not at the next call
        return r;
      }
      napi_value arr;
      NAPI_CALL(env, napi_create_array_with_length(env, nret, &arr));
      for (size_t i = 0; i < nret; ++i)
        NAPI_CALL(env, napi_set_element(env, arr, i, (i < mut.size() && mut[i]) ? undef(env) : from_ivalue(env, stack[i])));
      stack.clear();
      return arr;
    } catch (const JsError& e) {
      stack.clear();
      throw JsError(op->name + ": " + e.what());
    } catch (const c10::Error& e) {
      stack.clear();
      throw JsError(op->name + ": " + e.what_without_backtrace());
    } catch (const std::exception& e) {
      stack.clear();
      throw JsError(op->name + ": " + e.what());
    }
  });
}

napi_value OpCount(napi_env env, napi_callback_info) {
  return guard(env, "opCount", [&]() -> napi_value { return num(env, static_cast<double>(g_ops.size())); });
}

}  // namespace

void init_ops(napi_env env, napi_value exports) {
  export_fn(env, exports, "resolveOp", ResolveOp);
  export_fn(env, exports, "schemaOf", SchemaOf);
  export_fn(env, exports, "callOp", CallOp);
  export_fn(env, exports, "opCount", OpCount);
}

}  // namespace plm
