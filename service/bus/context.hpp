#pragma once
// What every D-Bus object of the daemon shares.
#include "lifecycle/manager.hpp"
#include "polkit/authority.hpp"
#include "worker_pool.hpp"

namespace minions::bus {

struct Context {
    lifecycle::Manager& manager;
    Authority& authority;
    WorkerPool& pool;
};

}  // namespace minions::bus
