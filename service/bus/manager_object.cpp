#include "manager_object.hpp"

#include <algorithm>

#include "async_call.hpp"
#include "caller.hpp"
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
        snapshots_[vm.id] = Snapshot{vm, next_version_++};
    }
    object->emitInterfacesAddedSignal();
}

void ManagerObject::vm_changed(const Vm& vm) {
    {
        std::lock_guard lock(mutex_);
        auto it = snapshots_.find(vm.id);
        if (it == snapshots_.end()) return;
        it->second = Snapshot{vm, next_version_++};
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

ManagerObject::Snapshot ManagerObject::snapshot_named(const std::string& name) {
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, snapshot] : snapshots_)
            if (snapshot.vm.name == name) return snapshot;
    }
    throw sdbus::Error(std::string(error_kind(Errc::NotFound).dbus_name), "VM '" + name + "' not found");
}

void ManagerObject::Create(sdbus::Result<sdbus::ObjectPath>&& result, std::string name, uint32_t cpus,
                           uint32_t memory_mb, std::string ssh_key, bool interactive) {
    lifecycle::CreateRequest request{std::move(name), cpus, memory_mb, std::move(ssh_key)};
    AuthRequest ask;
    ask.bus_name = current_caller(getObject()).bus_name;
    ask.action_id = std::string(actions::kCreate);
    ask.verb = "create";
    ask.interactive = interactive;
    auto* m = &context_.manager;
    run_authorized(
        context_, std::move(result), std::move(ask), [m, request] { return m->check_create(request); },
        [m, request] { return sdbus::ObjectPath(vm_object_path(m->create(request).id)); });
}

// The read methods answer from the in-memory mirror, with no polkit round trip.

sdbus::ObjectPath ManagerObject::FindVm(const std::string& name) {
    return sdbus::ObjectPath(vm_object_path(snapshot_named(name).vm.id));
}

const std::map<std::string, sdbus::Variant>& ManagerObject::cached_properties(const Snapshot& snapshot) {
    CachedProperties& cached = property_cache_[snapshot.vm.id];
    if (cached.version != snapshot.version) cached = CachedProperties{snapshot.version, vm_properties(snapshot.vm)};
    return cached.values;
}

std::map<std::string, sdbus::Variant> ManagerObject::GetVm(const std::string& name) {
    return cached_properties(snapshot_named(name));
}

std::vector<std::map<std::string, sdbus::Variant>> ManagerObject::ListVms() {
    std::vector<Snapshot> vms;
    {
        std::lock_guard lock(mutex_);
        vms.reserve(snapshots_.size());
        for (const auto& [id, snapshot] : snapshots_) vms.push_back(snapshot);
    }
    std::sort(vms.begin(), vms.end(), [](const Snapshot& a, const Snapshot& b) { return a.vm.name < b.vm.name; });
    std::vector<std::map<std::string, sdbus::Variant>> out;
    out.reserve(vms.size());
    for (const Snapshot& snapshot : vms) out.push_back(cached_properties(snapshot));
    // Drop the cache of VMs that are gone (here, on the bus thread): once every
    // listed VM has an entry, any entry beyond those is a removed VM's.
    if (property_cache_.size() > vms.size())
        std::erase_if(property_cache_, [&](const auto& entry) {
            return std::none_of(vms.begin(), vms.end(), [&](const Snapshot& s) { return s.vm.id == entry.first; });
        });
    return out;
}

std::string ManagerObject::Version() { return kVersion; }

std::string ManagerObject::Hypervisor() { return std::string(context_.manager.hypervisor_kind()); }

}  // namespace minions::bus
