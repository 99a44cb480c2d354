#include "vm_object.hpp"

#include "async_call.hpp"
#include "caller.hpp"
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

std::shared_ptr<VmObject> VmObject::self() {
    // Empty only while the object is being made, before anyone can know its path.
    if (auto alive = weak_from_this().lock()) return alive;
    throw sdbus::Error(std::string(error_kind(Errc::NotFound).dbus_name), "VM " + id_ + " is not ready yet");
}

AuthRequest VmObject::ask(std::string_view action_id, const char* verb, bool interactive) {
    AuthRequest request;
    request.bus_name = current_caller(getObject()).bus_name;
    request.action_id = std::string(action_id);
    request.verb = verb;
    request.interactive = interactive;
    return request;
}

// Handlers capture the id, the shared context and `self`: the object must
// outlive the reply, because sd-bus checks a reply against the signature in
// the object's vtable (a Destroy, or another caller's, removes the object
// while the call is in flight).

void VmObject::Start(sdbus::Result<>&& result, bool interactive) {
    auto* m = &context_.manager;
    run_authorized(
        context_, std::move(result), ask(actions::kPower, "start", interactive),
        [m, alive = self(), id = id_] { return m->check_start(id); }, [m, alive = self(), id = id_] { m->start(id); });
}

void VmObject::Stop(sdbus::Result<>&& result, bool force, uint32_t timeout_s, bool interactive) {
    auto* m = &context_.manager;
    lifecycle::StopRequest request{force, std::nullopt};
    if (timeout_s != kStopTimeoutDefault) request.timeout = seconds(timeout_s);
    run_authorized(
        context_, std::move(result), ask(actions::kPower, "stop", interactive),
        [m, alive = self(), id = id_, force] { return m->check_stop(id, force); }, [m, alive = self(), id = id_, request] { m->stop(id, request); });
}

void VmObject::Restart(sdbus::Result<>&& result, bool interactive) {
    auto* m = &context_.manager;
    run_authorized(
        context_, std::move(result), ask(actions::kPower, "restart", interactive),
        [m, alive = self(), id = id_] { return m->check_restart(id); }, [m, alive = self(), id = id_] { m->restart(id); });
}

void VmObject::Rename(sdbus::Result<>&& result, std::string new_name, bool interactive) {
    auto* m = &context_.manager;
    run_authorized(
        context_, std::move(result), ask(actions::kRename, "rename", interactive),
        [m, alive = self(), id = id_, new_name] { return m->check_rename(id, new_name); },
        [m, alive = self(), id = id_, new_name] { m->rename(id, new_name); });
}

void VmObject::Copy(sdbus::Result<sdbus::ObjectPath>&& result, std::string new_name, std::string ssh_key,
                    bool interactive) {
    auto* m = &context_.manager;
    run_authorized(
        context_, std::move(result), ask(actions::kCopy, "copy", interactive),
        [m, alive = self(), id = id_, new_name, ssh_key] { return m->check_copy(id, new_name, ssh_key); },
        [m, alive = self(), id = id_, new_name, ssh_key] { return sdbus::ObjectPath(vm_object_path(m->copy(id, new_name, ssh_key).id)); });
}

void VmObject::Destroy(sdbus::Result<>&& result, bool interactive) {
    auto* m = &context_.manager;
    run_authorized(
        context_, std::move(result), ask(actions::kDestroy, "destroy", interactive),
        [m, alive = self(), id = id_] { return m->check_destroy(id); }, [m, alive = self(), id = id_] { m->destroy(id); });
}

void VmObject::Exec(sdbus::Result<int32_t, std::string, std::string>&& result, std::string command,
                    std::vector<std::string> args, uint32_t timeout_s, bool interactive) {
    auto* m = &context_.manager;
    run_authorized(
        context_, std::move(result), ask(actions::kExec, "exec", interactive),
        [m, alive = self(), id = id_, command, timeout_s] { return m->check_exec(id, command, seconds(timeout_s)); },
        [m, alive = self(), id = id_, command, args = std::move(args), timeout_s] {
            auto r = m->exec(id, command, args, seconds(timeout_s));
            return std::tuple<int32_t, std::string, std::string>(r.exit_code, r.stdout_text, r.stderr_text);
        });
}

void VmObject::AgentStatus(sdbus::Result<std::map<std::string, sdbus::Variant>>&& result) {
    auto* m = &context_.manager;
    run_authorized(
        context_, std::move(result), ask(actions::kRead, "read the status of", false),
        [m, alive = self(), id = id_] { return m->check_agent_status(id); },
        [m, alive = self(), id = id_] {
            std::map<std::string, sdbus::Variant> status;
            const nlohmann::json answer = m->agent_status(id);
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
    auto* m = &context_.manager;
    run_authorized(
        context_, std::move(result), ask(actions::kRead, "read the logs of", false),
        [m, alive = self(), id = id_, max_bytes] { return m->check_logs(id, max_bytes); },
        [m, alive = self(), id = id_, max_bytes] { return m->logs(id, max_bytes ? max_bytes : kDefaultLogBytes); });
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
