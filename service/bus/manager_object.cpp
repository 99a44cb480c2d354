#include "manager_object.hpp"

#include "async_call.hpp"
#include "minions/version.hpp"
#include "vm_properties.hpp"

namespace minions::bus {

ManagerObject::ManagerObject(sdbus::IConnection& connection, Context context)
    : AdaptorInterfaces(connection, kManagerPath), connection_(connection), context_(context) {
    registerAdaptor();
}

ManagerObject::~ManagerObject() { unregisterAdaptor(); }

void ManagerObject::vm_added(const Vm& vm) {
    auto object = std::make_shared<VmObject>(connection_, context_, vm);
    {
        std::lock_guard lock(mutex_);
        objects_[vm.id] = object;
        snapshots_[vm.id] = vm;
    }
    object->emitInterfacesAddedSignal();
}

void ManagerObject::vm_changed(const Vm& vm) {
    {
        std::lock_guard lock(mutex_);
        if (!snapshots_.contains(vm.id)) return;
        snapshots_[vm.id] = vm;
    }
    if (auto object = object_for(vm.id)) object->update(vm);
}

void ManagerObject::vm_removed(const std::string& id) {
    std::shared_ptr<VmObject> object;
    {
        std::lock_guard lock(mutex_);
        auto it = objects_.find(id);
        if (it == objects_.end()) return;
        object = std::move(it->second);
        objects_.erase(it);
        snapshots_.erase(id);
    }
    object->emitInterfacesRemovedSignal();
}

std::shared_ptr<VmObject> ManagerObject::object_for(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = objects_.find(id);
    return it == objects_.end() ? nullptr : it->second;
}

std::optional<Vm> ManagerObject::snapshot_by_name(const std::string& name) {
    std::lock_guard lock(mutex_);
    for (const auto& [id, vm] : snapshots_)
        if (vm.name == name) return vm;
    return std::nullopt;
}

void ManagerObject::Create(sdbus::Result<sdbus::ObjectPath>&& result, std::string name, uint32_t cpus,
                           uint32_t memory_mb, std::string ssh_key, bool interactive) {
    lifecycle::CreateRequest request{std::move(name), cpus, memory_mb, std::move(ssh_key)};
    auto auth = context_.authorizer.for_call(current_caller(getObject()), actions::kCreate, "create", interactive);
    run_async(context_.pool, std::move(result), [m = &context_.manager, request = std::move(request), auth] {
        return sdbus::ObjectPath(vm_object_path(m->create(request, auth).id));
    });
}

// The read methods answer from the in-memory mirror, with no polkit round trip.

sdbus::ObjectPath ManagerObject::FindVm(const std::string& name) {
    auto vm = snapshot_by_name(name);
    if (!vm) throw sdbus::Error(std::string(error_kind(Errc::NotFound).dbus_name), "VM '" + name + "' not found");
    return sdbus::ObjectPath(vm_object_path(vm->id));
}

std::map<std::string, sdbus::Variant> ManagerObject::GetVm(const std::string& name) {
    auto vm = snapshot_by_name(name);
    if (!vm) throw sdbus::Error(std::string(error_kind(Errc::NotFound).dbus_name), "VM '" + name + "' not found");
    return vm_properties(*vm);
}

std::vector<std::map<std::string, sdbus::Variant>> ManagerObject::ListVms() {
    std::vector<Vm> vms;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, vm] : snapshots_) vms.push_back(vm);
    }
    std::sort(vms.begin(), vms.end(), [](const Vm& a, const Vm& b) { return a.name < b.name; });
    std::vector<std::map<std::string, sdbus::Variant>> out;
    out.reserve(vms.size());
    for (const Vm& vm : vms) out.push_back(vm_properties(vm));
    return out;
}

std::string ManagerObject::Version() { return kVersion; }

std::string ManagerObject::Hypervisor() { return std::string(context_.manager.hypervisor_kind()); }

}  // namespace minions::bus
