// Shared by the c10d files: distributed.cc (process groups, collectives, works) and dist-store.cc (the
// stores a group meets through). Ids of stores, groups and works come from one counter, so distDestroy can
// take any of them.
#pragma once
#include "common.h"

#include <string>

#ifdef PLMSCALE_DIST
#include <torch/csrc/distributed/c10d/Store.hpp>
#endif

namespace plm {

void init_dist_stores(napi_env env, napi_value exports);  // called by init_distributed

#ifdef PLMSCALE_DIST
namespace dist {
int64_t next_id();
c10::intrusive_ptr<c10d::Store>& store_of(int64_t id);  // throws JsError for an unknown or destroyed store
void forget_store(int64_t id);                          // nothing for an id that is not a store

// The first line of a c10d or Gloo message (they append long traces).
inline std::string first_line(const std::string& s) {
  auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}
}  // namespace dist
#else
// Every dist* function but distAvailable in an addon built without the gloo headers: throws "built without c10d".
napi_value dist_unavailable(napi_env env, napi_callback_info info);
#endif

}  // namespace plm
