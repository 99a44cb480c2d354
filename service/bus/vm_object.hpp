#pragma once
// org.minions.VM: one D-Bus object per VM at /org/minions/vm/<id>. Properties
// are served from a snapshot the lifecycle keeps current (no store access on
// the bus thread); methods hand their work to the worker pool.
#include <memory>
#include <mutex>

#include <sdbus-c++/sdbus-c++.h>

#include "context.hpp"
#include "minions/dbus/org.minions.VM.adaptor.h"

namespace minions::bus {

class VmObject final
    : public sdbus::AdaptorInterfaces<org::minions::VM_adaptor, sdbus::ManagedObject_adaptor, sdbus::Properties_adaptor>,
      public std::enable_shared_from_this<VmObject> {
public:
    VmObject(sdbus::IConnection& connection, Context context, const Vm& vm);
    ~VmObject();

    // Stores the new snapshot and emits PropertiesChanged for what changed.
    void update(const Vm& vm);

private:
    Vm snapshot() const;
    std::shared_ptr<VmObject> self();
    // What polkit is asked for this call (the VM's name and id are filled in after validation).
    AuthRequest ask(std::string_view action_id, const char* verb, bool interactive);

    void Start(sdbus::Result<>&& result, bool interactive) override;
    void Stop(sdbus::Result<>&& result, bool force, uint32_t timeout_s, bool interactive) override;
    void Restart(sdbus::Result<>&& result, bool interactive) override;
    void Rename(sdbus::Result<>&& result, std::string new_name, bool interactive) override;
    void Copy(sdbus::Result<sdbus::ObjectPath>&& result, std::string new_name, std::string ssh_key,
              bool interactive) override;
    void Destroy(sdbus::Result<>&& result, bool interactive) override;
    void Exec(sdbus::Result<int32_t, std::string, std::string>&& result, std::string command,
              std::vector<std::string> args, uint32_t timeout_s, bool interactive) override;
    void AgentStatus(sdbus::Result<std::map<std::string, sdbus::Variant>>&& result) override;
    void Logs(sdbus::Result<std::string>&& result, uint32_t max_bytes) override;

    std::string Id() override;
    std::string Name() override;
    std::string Status() override;
    std::string Ip() override;
    uint32_t Cpus() override;
    uint32_t MemoryMb() override;
    int64_t Pid() override;
    uint32_t Cid() override;
    std::string Mac() override;
    std::string Tap() override;
    std::string Hypervisor() override;
    std::string CreatedAt() override;

    Context context_;
    const std::string id_;
    mutable std::mutex mutex_;
    Vm vm_;
};

}  // namespace minions::bus
