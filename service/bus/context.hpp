#pragma once
// What every D-Bus object of the daemon shares.
#include "authorizer.hpp"
#include "lifecycle/manager.hpp"
#include "worker_pool.hpp"

namespace minions::bus {

struct Context {
    lifecycle::Manager& manager;
    Authorizer& authorizer;
    WorkerPool& pool;
};

}  // namespace minions::bus
