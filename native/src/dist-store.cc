// c10d stores, PyTorch's own rendezvous key-value stores: FileStore (one machine, a shared file) and TCPStore
// (rank 0 serves, the others connect). A process group (distributed.cc) meets its peers through one;
// src/torch/distributed.ts wraps them as `Store` (set/get/add). A failed TCPStore names its address, a failed
// get its key.
#include "distributed.h"

#include <chrono>
#include <map>

#ifdef PLMSCALE_DIST
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace plm {

#ifdef PLMSCALE_DIST
namespace dist {
namespace {
std::map<int64_t, c10::intrusive_ptr<c10d::Store>> g_stores;
}

c10::intrusive_ptr<c10d::Store>& store_of(int64_t id) {
  auto it = g_stores.find(id);
  if (it == g_stores.end()) throw JsError("unknown or destroyed store " + std::to_string(id));
  return it->second;
}

void forget_store(int64_t id) { g_stores.erase(id); }
}  // namespace dist

namespace {
using dist::first_line;
using dist::store_of;
using std::chrono::milliseconds;

// distStoreCreate(kind "file"|"tcp", pathOrHost, port, worldSize, isServer, timeoutMs) -> store id
napi_value StoreCreate(napi_env env, napi_callback_info info) {
  return guard(env, "distStoreCreate", [&]() -> napi_value {
    napi_value argv[6];
    get_args(env, info, argv, 6);
    std::string kind = get_string(env, argv[0], "kind");
    std::string target = get_string(env, argv[1], "path/host");
    int64_t port = get_int(env, argv[2], "port");
    int64_t world = get_int(env, argv[3], "worldSize");
    bool server = get_bool(env, argv[4], "isServer");
    int64_t timeout = get_int(env, argv[5], "timeoutMs");
    if (world < 1) throw JsError("worldSize must be >= 1");
    if (timeout < 1) throw JsError("timeoutMs must be >= 1");
    c10::intrusive_ptr<c10d::Store> s;
    if (kind == "file") {
      s = c10::make_intrusive<c10d::FileStore>(target, static_cast<int>(world));
    } else if (kind == "tcp") {
      if (port < 0 || port > 65535) throw JsError("port must be 0..65535");
      c10d::TCPStoreOptions o;
      o.port = static_cast<uint16_t>(port);
      o.isServer = server;
      o.numWorkers = static_cast<size_t>(world);
      o.waitWorkers = false;  // the process group's own rendezvous waits for everyone (with its timeout)
      o.timeout = milliseconds(timeout);
      try {
        s = c10::make_intrusive<c10d::TCPStore>(target, o);
      } catch (const std::exception& e) {
        throw JsError("TCPStore " + target + ":" + std::to_string(port) + (server ? " (server)" : " (client)") + " failed: " + first_line(e.what()));
      }
    } else {
      throw JsError("store kind must be 'file' or 'tcp', got '" + kind + "'");
    }
    s->setTimeout(milliseconds(timeout));
    int64_t id = dist::next_id();
    dist::g_stores.emplace(id, s);
    return num(env, static_cast<double>(id));
  });
}

// distStoreSet(store, key, value: string); distStoreGet(store, key) -> string (waits up to the store timeout);
// distStoreAdd(store, key, delta) -> new value
napi_value StoreSet(napi_env env, napi_callback_info info) {
  return guard(env, "distStoreSet", [&]() -> napi_value {
    napi_value argv[3];
    get_args(env, info, argv, 3);
    auto& s = store_of(get_int(env, argv[0], "store"));
    std::string v = get_string(env, argv[2], "value");
    s->set(get_string(env, argv[1], "key"), std::vector<uint8_t>(v.begin(), v.end()));
    return nullptr;
  });
}

napi_value StoreGet(napi_env env, napi_callback_info info) {
  return guard(env, "distStoreGet", [&]() -> napi_value {
    napi_value argv[2];
    get_args(env, info, argv, 2);
    auto& s = store_of(get_int(env, argv[0], "store"));
    std::string key = get_string(env, argv[1], "key");
    std::vector<uint8_t> v;
    try {
      v = s->get(key);
    } catch (const std::exception& e) {
      throw JsError("store get '" + key + "' failed: " + first_line(e.what()));
    }
    return str(env, std::string(v.begin(), v.end()));
  });
}

napi_value StoreAdd(napi_env env, napi_callback_info info) {
  return guard(env, "distStoreAdd", [&]() -> napi_value {
    napi_value argv[3];
    get_args(env, info, argv, 3);
    auto& s = store_of(get_int(env, argv[0], "store"));
    return num(env, static_cast<double>(s->add(get_string(env, argv[1], "key"), get_int(env, argv[2], "delta"))));
  });
}

}  // namespace
#endif

void init_dist_stores(napi_env env, napi_value exports) {
#ifdef PLMSCALE_DIST
  export_fn(env, exports, "distStoreCreate", StoreCreate);
  export_fn(env, exports, "distStoreSet", StoreSet);
  export_fn(env, exports, "distStoreGet", StoreGet);
  export_fn(env, exports, "distStoreAdd", StoreAdd);
#else
  for (const char* n : {"distStoreCreate", "distStoreSet", "distStoreGet", "distStoreAdd"}) export_fn(env, exports, n, dist_unavailable);
#endif
}

}  // namespace plm
