#include "vm_object.hpp"

#include "async_call.hpp"
#include "vm_properties.hpp"

namespace minions::bus {
using std::chrono::seconds;

VmObject::VmObject(sdbus::IConnection& connection, Context context, const Vm& vm)
    : AdaptorInterfaces(connection, vm_object_path(vm.id)), context_(context), id_(vm.id), vm_(vm) {
    registerAdaptor();
}

VmObject::~VmObject() { unregisterAdaptor(); }

Vm VmObject::snapshot() const {
    std::lock_guard lock(mutex_);
    return vm_;
}

void VmObject::update(const Vm& vm) {
    std::vector<std::string> changed;
    {
        std::lock_guard lock(mutex_);
        changed = changed_properties(vm_, vm);
        vm_ = vm;
    }
    if (!changed.empty()) emitPropertiesChangedSignal(org::minions::VM_adaptor::INTERFACE_NAME, changed);
}

lifecycle::Authorize VmObject::authorize(std::string_view action_id, const char* verb, bool interactive) {
    return context_.authorizer.for_call(current_caller(getObject()), action_id, verb, interactive);
}

// Handlers: capture the id and the shared context only; this object may be
// gone (destroyed VM) by the time the worker finishes.

void VmObject::Start(sdbus::Result<>&& result, bool interactive) {
    run_async(context_.pool, std::move(result),
              [m = &context_.manager, id = id_, auth = authorize(actions::kPower, "start", interactive)] {
                  m->start(id, auth);
              });
}

void VmObject::Stop(sdbus::Result<>&& result, bool force, uint32_t timeout_s, bool interactive) {
    run_async(context_.pool, std::move(result),
              [m = &context_.manager, id = id_, force, timeout_s, auth = authorize(actions::kPower, "stop", interactive)] {
                  m->stop(id, force, seconds(timeout_s), auth);
              });
}

void VmObject::Restart(sdbus::Result<>&& result, bool interactive) {
    run_async(context_.pool, std::move(result),
              [m = &context_.manager, id = id_, auth = authorize(actions::kPower, "restart", interactive)] {
                  m->restart(id, auth);
              });
}

void VmObject::Rename(sdbus::Result<>&& result, std::string new_name, bool interactive) {
    run_async(context_.pool, std::move(result),
              [m = &context_.manager, id = id_, new_name = std::move(new_name),
               auth = authorize(actions::kRename, "rename", interactive)] { m->rename(id, new_name, auth); });
}

void VmObject::Copy(sdbus::Result<sdbus::ObjectPath>&& result, std::string new_name, std::string ssh_key,
                    bool interactive) {
    run_async(context_.pool, std::move(result),
              [m = &context_.manager, id = id_, new_name = std::move(new_name), ssh_key = std::move(ssh_key),
               auth = authorize(actions::kCopy, "copy", interactive)] {
                  return sdbus::ObjectPath(vm_object_path(m->copy(id, new_name, ssh_key, auth).id));
              });
}

void VmObject::Destroy(sdbus::Result<>&& result, bool interactive) {
    run_async(context_.pool, std::move(result),
              [m = &context_.manager, id = id_, auth = authorize(actions::kDestroy, "destroy", interactive)] {
                  m->destroy(id, auth);
              });
}

void VmObject::Exec(sdbus::Result<int32_t, std::string, std::string>&& result, std::string command,
                    std::vector<std::string> args, uint32_t timeout_s, bool interactive) {
    run_async(context_.pool, std::move(result),
              [m = &context_.manager, id = id_, command = std::move(command), args = std::move(args), timeout_s,
               auth = authorize(actions::kExec, "exec", interactive)] {
                  auto r = m->exec(id, command, args, seconds(timeout_s), auth);
                  return std::tuple<int32_t, std::string, std::string>(r.exit_code, r.stdout_text, r.stderr_text);
              });
}

void VmObject::AgentStatus(sdbus::Result<std::map<std::string, sdbus::Variant>>&& result) {
    run_async(context_.pool, std::move(result),
              [m = &context_.manager, id = id_, auth = authorize(actions::kRead, "read the status of", false)] {
                  std::map<std::string, sdbus::Variant> status;
                  const nlohmann::json answer = m->agent_status(id, auth);
                  for (const auto& [key, value] : answer.items()) {
                      if (key == "id" || key == "ok") continue;
                      if (value.is_number_integer()) status[key] = sdbus::Variant(value.get<int64_t>());
                      else if (value.is_number()) status[key] = sdbus::Variant(value.get<double>());
                      else if (value.is_string()) status[key] = sdbus::Variant(value.get<std::string>());
                      else if (value.is_boolean()) status[key] = sdbus::Variant(value.get<bool>());
                      else status[key] = sdbus::Variant(value.dump());
                  }
                  return status;
              });
}

void VmObject::Logs(sdbus::Result<std::string>&& result, uint32_t max_bytes) {
    run_async(context_.pool, std::move(result),
              [m = &context_.manager, id = id_, max_bytes, auth = authorize(actions::kRead, "read the logs of", false)] {
                  return m->logs(id, max_bytes ? max_bytes : 64 * 1024, auth);
              });
}

std::string VmObject::Id() { return id_; }
std::string VmObject::Name() { return snapshot().name; }
std::string VmObject::Status() { return std::string(to_string(snapshot().status)); }
std::string VmObject::Ip() { return snapshot().ip; }
uint32_t VmObject::Cpus() { return snapshot().cpus; }
uint32_t VmObject::MemoryMb() { return snapshot().memory_mb; }
int64_t VmObject::Pid() { return snapshot().pid; }
uint32_t VmObject::Cid() { return snapshot().cid; }
std::string VmObject::Mac() { return snapshot().mac; }
std::string VmObject::Tap() { return tap_name(snapshot().name); }
std::string VmObject::Hypervisor() { return snapshot().hypervisor; }
std::string VmObject::CreatedAt() { return snapshot().created_at; }

}  // namespace minions::bus
