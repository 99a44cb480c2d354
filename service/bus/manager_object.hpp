#pragma once
// /org/minions: org.minions.Manager and the standard ObjectManager. It also
// mirrors the lifecycle's VMs as VmObjects (as its Observer), so reads are
// answered from memory on the bus thread and desktop clients see every VM
// appear, change and vanish.
#include <map>
#include <memory>
#include <mutex>

#include <sdbus-c++/sdbus-c++.h>

#include "context.hpp"
#include "lifecycle/observer.hpp"
#include "minions/dbus/org.minions.Manager.adaptor.h"
#include "vm_object.hpp"

namespace minions::bus {

inline constexpr const char* kBusName = "org.minions.Manager";
inline constexpr const char* kManagerPath = "/org/minions";

class ManagerObject final
    : public sdbus::AdaptorInterfaces<org::minions::Manager_adaptor, sdbus::ObjectManager_adaptor>,
      public lifecycle::Observer {
public:
    ManagerObject(sdbus::IConnection& connection, Context context);
    ~ManagerObject();

    void vm_added(const Vm& vm) override;
    void vm_changed(const Vm& vm) override;
    void vm_removed(const std::string& id) override;

private:
    struct Snapshot {
        Vm vm;
        uint64_t version = 0;  // bumped on every change
    };

    std::shared_ptr<VmObject> object_for(const std::string& id);
    // The VM called `name`, or the D-Bus NotFound error.
    Snapshot snapshot_named(const std::string& name);
    const std::map<std::string, sdbus::Variant>& cached_properties(const Snapshot& snapshot);

    void Create(sdbus::Result<sdbus::ObjectPath>&& result, std::string name, uint32_t cpus, uint32_t memory_mb,
                std::string ssh_key, bool interactive) override;
    sdbus::ObjectPath FindVm(const std::string& name) override;
    std::map<std::string, sdbus::Variant> GetVm(const std::string& name) override;
    std::vector<std::map<std::string, sdbus::Variant>> ListVms() override;
    std::string Version() override;
    std::string Hypervisor() override;

    sdbus::IConnection& connection_;
    Context context_;
    std::mutex mutex_;
    // Never call into sdbus while holding mutex_: the bus thread takes it too.
    std::map<std::string, std::shared_ptr<VmObject>> objects_;
    std::map<std::string, Snapshot> snapshots_;
    uint64_t next_version_ = 1;

    // Each VM's GetVm/ListVms dictionary, rebuilt only after a change. Touched
    // on the bus thread alone: sd-bus reference counts (inside every
    // sdbus::Variant) are not atomic, so no Variant may cross threads.
    struct CachedProperties {
        uint64_t version = 0;
        std::map<std::string, sdbus::Variant> values;
    };
    std::map<std::string, CachedProperties> property_cache_;
};

}  // namespace minions::bus
