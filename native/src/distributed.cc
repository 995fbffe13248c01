// Distributed: PyTorch's own c10d process groups (Gloo) over a store (dist-store.cc), with the collectives as
// plain functions on integer ids: all-reduce (sum/avg/max/min), broadcast, all-gather, reduce-scatter,
// barrier. Each collective is asynchronous underneath (a c10d Work); the `async` flag returns a work id to
// wait on later, otherwise it waits here. Every wait has a deadline, and a failure (timeout, dead peer, bad
// input) becomes a JS error naming the rank, the world size and the operation — never a hang or an abort.
// Built only when the gloo headers are there (Debian libgloo-dev): PLMSCALE_DIST; otherwise every function
// throws "built without c10d". NCCL is not wired (no GPU to verify it on when this was written).
#include "distributed.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>

#ifdef PLMSCALE_DIST
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif

namespace plm {

#ifdef PLMSCALE_DIST
namespace dist {
int64_t next_id() {
  static int64_t next = 1;
  return next++;
}
}  // namespace dist
#endif

namespace {

#ifdef PLMSCALE_DIST
using std::chrono::milliseconds;
using dist::first_line;
using dist::next_id;
using dist::store_of;

struct Group {
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
  int rank = 0, size = 1;
  milliseconds timeout{0};
  std::string broken;  // set after a failure: every later call fails with it (a collective left half-done)
};

// What to do once a work finishes: divide for "avg" (Gloo has no AVG), copy reduce-scatter's slice out.
struct Work {
  c10::intrusive_ptr<c10d::Work> work;
  int64_t group = 0;
  std::string op;
  std::function<void()> finish;
};

std::map<int64_t, Group> g_groups;
std::map<int64_t, Work> g_works;

Group& group_of(int64_t id) {
  auto it = g_groups.find(id);
  if (it == g_groups.end()) throw JsError("unknown or destroyed process group " + std::to_string(id));
  if (!it->second.broken.empty()) throw JsError("process group is unusable after an earlier failure: " + it->second.broken);
  return it->second;
}

std::string where(const Group& g, const std::string& op) {
  return "rank " + std::to_string(g.rank) + "/" + std::to_string(g.size) + " " + op;
}

std::string describe(std::exception_ptr ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

// Wait for a work with a deadline; on failure mark the group broken and throw "rank r/W op: why".
void finish_work(Work& w, int64_t timeout_ms) {
  Group& g = g_groups.at(w.group);
  std::string why;
  try {
    bool ok = w.work->wait(milliseconds(timeout_ms > 0 ? timeout_ms : g.timeout.count()));
    if (!ok) why = "timed out after " + std::to_string(timeout_ms > 0 ? timeout_ms : g.timeout.count()) + " ms";
  } catch (...) {
    why = describe(std::current_exception());
  }
  if (why.empty() && w.finish) w.finish();
  if (!why.empty()) {
    std::string msg = where(g, w.op) + " failed: " + first_line(why) + " (a peer process may have died or stalled)";
    g.broken = msg;
    throw JsError(msg);
  }
}

// Either a work id (async) or wait now and return undefined.
napi_value submit(napi_env env, int64_t gid, const std::string& op, c10::intrusive_ptr<c10d::Work> work,
                  std::function<void()> finish, bool async, int64_t timeout_ms) {
  Work w{std::move(work), gid, op, std::move(finish)};
  if (!async) {
    finish_work(w, timeout_ms);
    return undef(env);
  }
  int64_t id = next_id();
  g_works.emplace(id, std::move(w));
  return num(env, static_cast<double>(id));
}

// A collective as run_collective takes it: its name in errors ("allReduce(avg)"), the c10d call that starts
// it (returning the Work), and what to do once that work has finished (may be empty).
struct Collective {
  std::string op;
  std::function<c10::intrusive_ptr<c10d::Work>()> start;
  std::function<void()> finish;
};

// The one shape of every collective: JS passes (group, ...its own `own_args`, async, timeoutMs). `prepare`
// reads and checks its own arguments (args[0..own_args)) and returns the call; run_collective starts it —
// a failure to start names the rank and the operation, as a failure while waiting does (finish_work) — and
// either waits or returns a work id (submit).
napi_value run_collective(napi_env env, napi_callback_info info, const char* name, size_t own_args,
                          const std::function<Collective(Group&, napi_value*)>& prepare) {
  return guard(env, name, [&]() -> napi_value {
    napi_value argv[8];
    get_args(env, info, argv, own_args + 3);
    int64_t gid = get_int(env, argv[0], "group");
    Group& g = group_of(gid);
    Collective c = prepare(g, argv + 1);
    bool async = get_bool(env, argv[own_args + 1], "async");
    int64_t timeout_ms = get_int(env, argv[own_args + 2], "timeoutMs");
    c10::intrusive_ptr<c10d::Work> work;
    try {
      work = c.start();
    } catch (...) {
      throw JsError(where(g, c.op) + " failed to start: " + first_line(describe(std::current_exception())));
    }
    return submit(env, gid, c.op, std::move(work), std::move(c.finish), async, timeout_ms);
  });
}

c10d::ReduceOp reduce_op(const std::string& s) {
  if (s == "sum" || s == "avg") return c10d::ReduceOp::SUM;
  if (s == "max") return c10d::ReduceOp::MAX;
  if (s == "min") return c10d::ReduceOp::MIN;
  if (s == "product") return c10d::ReduceOp::PRODUCT;
  throw JsError("reduce op must be sum, avg, max, min or product, got '" + s + "'");
}

const at::Tensor& tensor_arg(napi_env env, napi_value v, const char* what) {
  int64_t h = get_handle(env, v, what);
  if (!valid(h)) throw JsError(std::string(what) + ": tensor was disposed (use after dispose)");
  return lookup(h);
}

std::vector<at::Tensor> tensor_list(napi_env env, napi_value v, const char* what) {
  if (!is_array(env, v)) throw JsError(std::string(what) + " must be an array of tensors");
  std::vector<at::Tensor> out;
  uint32_t n = array_length(env, v);
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    NAPI_CALL(env, napi_get_element(env, v, i, &e));
    out.push_back(tensor_arg(env, e, what));
  }
  return out;
}

void require_contiguous(const at::Tensor& t, const char* what) {
  if (!t.is_contiguous()) throw JsError(std::string(what) + " must be contiguous");
}

// distGroupCreate(store, rank, worldSize, timeoutMs, backend "gloo", host) -> group id. Blocks until every rank
// has joined (Gloo's rendezvous through the store) or the timeout passes.
napi_value GroupCreate(napi_env env, napi_callback_info info) {
  return guard(env, "distGroupCreate", [&]() -> napi_value {
    napi_value argv[6];
    get_args(env, info, argv, 6);
    auto s = store_of(get_int(env, argv[0], "store"));
    int64_t rank = get_int(env, argv[1], "rank"), world = get_int(env, argv[2], "worldSize");
    int64_t timeout = get_int(env, argv[3], "timeoutMs");
    std::string backend = get_string(env, argv[4], "backend");
    std::string host = get_string(env, argv[5], "host");
    if (world < 1 || rank < 0 || rank >= world) throw JsError("rank must be in [0, worldSize)");
    if (timeout < 1) throw JsError("timeoutMs must be >= 1");
    if (backend != "gloo") throw JsError("backend '" + backend + "' is not available in this build (gloo only; NCCL is not wired)");
    auto opts = c10d::ProcessGroupGloo::Options::create(milliseconds(timeout));
    opts->devices.push_back(host.empty() ? c10d::ProcessGroupGloo::createDefaultDevice()
                                         : c10d::ProcessGroupGloo::createDeviceForHostname(host));
    opts->threads = 2;
    Group g;
    g.rank = static_cast<int>(rank), g.size = static_cast<int>(world), g.timeout = milliseconds(timeout);
    try {
      g.pg = c10::make_intrusive<c10d::ProcessGroupGloo>(s, g.rank, g.size, opts);
    } catch (const std::exception& e) {
      throw JsError(where(g, "join") + " failed: " + first_line(e.what()) + " (not every rank joined within " + std::to_string(timeout) + " ms?)");
    }
    int64_t id = next_id();
    g_groups.emplace(id, std::move(g));
    return num(env, static_cast<double>(id));
  });
}

// distAllReduce(group, tensor, op, async, timeoutMs)
napi_value AllReduce(napi_env env, napi_callback_info info) {
  return run_collective(env, info, "distAllReduce", 2, [&](Group& g, napi_value* args) {
    at::Tensor t = tensor_arg(env, args[0], "tensor");
    require_contiguous(t, "allReduce tensor");
    std::string op = get_string(env, args[1], "op");
    c10d::AllreduceOptions o;
    o.reduceOp = reduce_op(op);
    int size = g.size;
    std::function<void()> fin;
    if (op == "avg") fin = [t, size]() mutable { t.div_(size); };
    return Collective{"allReduce(" + op + ")", [&g, t, o] { std::vector<at::Tensor> ts{t}; return g.pg->allreduce(ts, o); }, fin};
  });
}

// distBroadcast(group, tensor, root, async, timeoutMs)
napi_value Broadcast(napi_env env, napi_callback_info info) {
  return run_collective(env, info, "distBroadcast", 2, [&](Group& g, napi_value* args) {
    at::Tensor t = tensor_arg(env, args[0], "tensor");
    require_contiguous(t, "broadcast tensor");
    int64_t root = get_int(env, args[1], "root");
    if (root < 0 || root >= g.size) throw JsError("broadcast root must be in [0, worldSize)");
    c10d::BroadcastOptions o;
    o.rootRank = root;
    return Collective{"broadcast(root " + std::to_string(root) + ")", [&g, t, o] { std::vector<at::Tensor> ts{t}; return g.pg->broadcast(ts, o); }, nullptr};
  });
}

// distAllGather(group, outputs[worldSize], input, async, timeoutMs): outputs[r] receives rank r's input
napi_value AllGather(napi_env env, napi_callback_info info) {
  return run_collective(env, info, "distAllGather", 2, [&](Group& g, napi_value* args) {
    std::vector<at::Tensor> outs = tensor_list(env, args[0], "allGather outputs");
    at::Tensor in = tensor_arg(env, args[1], "allGather input");
    require_contiguous(in, "allGather input");
    if (static_cast<int>(outs.size()) != g.size) throw JsError("allGather needs worldSize (" + std::to_string(g.size) + ") outputs");
    for (auto& o : outs) {
      require_contiguous(o, "allGather output");
      if (o.sizes() != in.sizes() || o.scalar_type() != in.scalar_type()) throw JsError("allGather outputs must match the input's shape and dtype");
    }
    return Collective{"allGather", [&g, outs, in] { std::vector<std::vector<at::Tensor>> outv{outs}; std::vector<at::Tensor> inv{in}; return g.pg->allgather(outv, inv); }, nullptr};
  });
}

// distReduceScatter(group, output, inputs[worldSize], op, async, timeoutMs): output = reduce over ranks of
// inputs[rank]. Gloo in libtorch 1.13 has no reduce_scatter: it is an all-reduce of the concatenated inputs
// (2x the bytes of a ring reduce-scatter) whose own slice is copied out when the work finishes.
napi_value ReduceScatter(napi_env env, napi_callback_info info) {
  return run_collective(env, info, "distReduceScatter", 3, [&](Group& g, napi_value* args) {
    at::Tensor out = tensor_arg(env, args[0], "reduceScatter output");
    std::vector<at::Tensor> ins = tensor_list(env, args[1], "reduceScatter inputs");
    std::string op = get_string(env, args[2], "op");
    if (static_cast<int>(ins.size()) != g.size) throw JsError("reduceScatter needs worldSize (" + std::to_string(g.size) + ") inputs");
    for (auto& i : ins)
      if (i.sizes() != out.sizes() || i.scalar_type() != out.scalar_type()) throw JsError("reduceScatter inputs must match the output's shape and dtype");
    std::vector<at::Tensor> flat_in;
    for (auto& i : ins) flat_in.push_back(i.reshape({-1}));
    at::Tensor flat = at::cat(flat_in);
    c10d::AllreduceOptions o;
    o.reduceOp = reduce_op(op);
    int64_t n = out.numel(), r = g.rank, size = g.size;
    bool avg = op == "avg";
    std::function<void()> fin = [out, flat, n, r, size, avg]() mutable {
      at::Tensor mine = flat.narrow(0, r * n, n).view(out.sizes());
      out.copy_(mine);
      if (avg) out.div_(size);
    };
    return Collective{"reduceScatter(" + op + ")", [&g, flat, o] { std::vector<at::Tensor> ts{flat}; return g.pg->allreduce(ts, o); }, fin};
  });
}

// distBarrier(group, async, timeoutMs)
napi_value Barrier(napi_env env, napi_callback_info info) {
  return run_collective(env, info, "distBarrier", 0, [&](Group& g, napi_value*) {
    return Collective{"barrier", [&g] { return g.pg->barrier(); }, nullptr};
  });
}

// distWait(work, timeoutMs): waits (throws on failure/timeout) and forgets the work
napi_value Wait(napi_env env, napi_callback_info info) {
  return guard(env, "distWait", [&]() -> napi_value {
    napi_value argv[2];
    get_args(env, info, argv, 2);
    int64_t id = get_int(env, argv[0], "work");
    auto it = g_works.find(id);
    if (it == g_works.end()) throw JsError("unknown work " + std::to_string(id) + " (already waited on?)");
    Work w = std::move(it->second);
    g_works.erase(it);
    finish_work(w, get_int(env, argv[1], "timeoutMs"));
    return nullptr;
  });
}

// distIsCompleted(work) -> bool (without waiting)
napi_value IsCompleted(napi_env env, napi_callback_info info) {
  return guard(env, "distIsCompleted", [&]() -> napi_value {
    napi_value argv[1];
    get_args(env, info, argv, 1);
    auto it = g_works.find(get_int(env, argv[0], "work"));
    if (it == g_works.end()) throw JsError("unknown work (already waited on?)");
    return boolean(env, it->second.work->isCompleted());
  });
}

// distDestroy(id): a group or a store (a group's pending works are dropped with it)
napi_value Destroy(napi_env env, napi_callback_info info) {
  return guard(env, "distDestroy", [&]() -> napi_value {
    napi_value argv[1];
    get_args(env, info, argv, 1);
    int64_t id = get_int(env, argv[0], "id");
    for (auto it = g_works.begin(); it != g_works.end();) it = it->second.group == id ? g_works.erase(it) : std::next(it);
    g_groups.erase(id);
    dist::forget_store(id);
    return nullptr;
  });
}

napi_value Available(napi_env env, napi_callback_info) {
  return guard(env, "distAvailable", [&]() -> napi_value { return boolean(env, true); });
}
#else
napi_value Available(napi_env env, napi_callback_info) {
  return guard(env, "distAvailable", [&]() -> napi_value { return boolean(env, false); });
}
#endif

}  // namespace

#ifndef PLMSCALE_DIST
napi_value dist_unavailable(napi_env env, napi_callback_info) {
  return guard(env, "distributed", [&]() -> napi_value {
    throw JsError("this addon was built without c10d (install libgloo-dev and rebuild: bash scripts/build-native.sh)");
  });
}
#endif

void init_distributed(napi_env env, napi_value exports) {
  export_fn(env, exports, "distAvailable", Available);
  init_dist_stores(env, exports);
#ifdef PLMSCALE_DIST
  export_fn(env, exports, "distGroupCreate", GroupCreate);
  export_fn(env, exports, "distAllReduce", AllReduce);
  export_fn(env, exports, "distBroadcast", Broadcast);
  export_fn(env, exports, "distAllGather", AllGather);
  export_fn(env, exports, "distReduceScatter", ReduceScatter);
  export_fn(env, exports, "distBarrier", Barrier);
  export_fn(env, exports, "distWait", Wait);
  export_fn(env, exports, "distIsCompleted", IsCompleted);
  export_fn(env, exports, "distDestroy", Destroy);
#else
  for (const char* n : {"distGroupCreate", "distAllReduce", "distBroadcast", "distAllGather", "distReduceScatter", "distBarrier",
                        "distWait", "distIsCompleted", "distDestroy"})
    export_fn(env, exports, n, dist_unavailable);
#endif
}

}  // namespace plm
