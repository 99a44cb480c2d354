#include "manager_client.hpp"

#include <utility>

#include <sdbus-c++/ProxyInterfaces.h>

#include "core/vm.hpp"
#include "dbus_error.hpp"
#include "minions/dbus/org.minions.Manager.proxy.h"
#include "minions/dbus/org.minions.VM.proxy.h"
#include "vm_properties.hpp"

namespace minions::client {
namespace {

constexpr const char* kBusName = "org.minions.Manager";
constexpr const char* kManagerPath = "/org/minions";
constexpr const char* kVmInterface = "org.minions.VM";

class ManagerProxy final : public sdbus::ProxyInterfaces<org::minions::Manager_proxy> {
public:
    explicit ManagerProxy(sdbus::IConnection& connection)
        : ProxyInterfaces(connection, kBusName, kManagerPath) {
        registerProxy();
    }
    ~ManagerProxy() { unregisterProxy(); }
};

class VmProxy final : public sdbus::ProxyInterfaces<org::minions::VM_proxy> {
public:
    VmProxy(sdbus::IConnection& connection, const std::string& path)
        : ProxyInterfaces(connection, kBusName, path) {
        registerProxy();
    }
    ~VmProxy() { unregisterProxy(); }

    // Properties.GetAll by hand: sdbus::Properties_proxy would subscribe to
    // PropertiesChanged (a bus round trip) for every short-lived proxy.
    PropertyMap properties() {
        PropertyMap all;
        getProxy()
            .callMethod("GetAll")
            .onInterface("org.freedesktop.DBus.Properties")
            .withArguments(std::string(kVmInterface))
            .storeResultsTo(all);
        return all;
    }
};

// Runs one D-Bus exchange and rethrows its failure as minions::Error.
template <typename Call>
auto translated(Call&& call) -> decltype(call()) {
    try {
        return call();
    } catch (const sdbus::Error& e) {
        throw to_minions_error(e);
    }
}

nlohmann::json message(std::string text) { return nlohmann::json{{"message", std::move(text)}}; }

}  // namespace

class ManagerClient::Proxies {
public:
    explicit Proxies(sdbus::IConnection& connection) : connection_(connection), manager_(connection) {}

    ManagerProxy& manager() { return manager_; }
    VmProxy vm_by_name(const std::string& name) { return VmProxy(connection_, manager_.FindVm(name)); }
    VmProxy vm_at(const std::string& path) { return VmProxy(connection_, path); }

private:
    sdbus::IConnection& connection_;
    ManagerProxy manager_;
};

ManagerClient::ManagerClient(std::unique_ptr<sdbus::IConnection> connection, bool interactive,
                             std::chrono::microseconds call_timeout)
    : connection_(std::move(connection)), interactive_(interactive) {
    connection_->setMethodCallTimeout(call_timeout);
    proxies_ = std::make_unique<Proxies>(*connection_);
}

ManagerClient::ManagerClient(const BusAddress& bus, bool interactive)
    : ManagerClient(open_connection(bus), interactive) {}

ManagerClient::~ManagerClient() = default;

nlohmann::json ManagerClient::create(const CreateRequest& request) {
    return translated([&] {
        auto path = proxies_->manager().Create(request.name, request.cpus, request.memory_mb,
                                               request.ssh_key, interactive_);
        return vm_json_from_properties(proxies_->vm_at(path).properties());
    });
}

nlohmann::json ManagerClient::list() {
    return translated([&] {
        nlohmann::json vms = nlohmann::json::array();
        for (const auto& properties : proxies_->manager().ListVms())
            vms.push_back(vm_json_from_properties(properties));
        return vms;
    });
}

nlohmann::json ManagerClient::get(const std::string& name) {
    return translated([&] { return vm_json_from_properties(proxies_->manager().GetVm(name)); });
}

nlohmann::json ManagerClient::start(const std::string& name) {
    return translated([&] {
        auto vm = proxies_->vm_by_name(name);
        vm.Start(interactive_);
        return vm_json_from_properties(vm.properties());
    });
}

nlohmann::json ManagerClient::stop(const std::string& name, const StopRequest& request) {
    return translated([&] {
        auto vm = proxies_->vm_by_name(name);
        vm.Stop(request.force, request.timeout_s.value_or(kStopTimeoutDefault), interactive_);
        return vm_json_from_properties(vm.properties());
    });
}

nlohmann::json ManagerClient::restart(const std::string& name) {
    return translated([&] {
        auto vm = proxies_->vm_by_name(name);
        vm.Restart(interactive_);
        return vm_json_from_properties(vm.properties());
    });
}

nlohmann::json ManagerClient::rename(const std::string& name, const std::string& new_name) {
    return translated([&] {
        proxies_->vm_by_name(name).Rename(new_name, interactive_);
        return message("VM '" + name + "' renamed to '" + new_name + "'");
    });
}

nlohmann::json ManagerClient::copy(const std::string& name, const std::string& new_name,
                                   const std::string& ssh_key) {
    return translated([&] {
        auto path = proxies_->vm_by_name(name).Copy(new_name, ssh_key, interactive_);
        return vm_json_from_properties(proxies_->vm_at(path).properties());
    });
}

nlohmann::json ManagerClient::destroy(const std::string& name) {
    return translated([&] {
        proxies_->vm_by_name(name).Destroy(interactive_);
        return message("VM '" + name + "' destroyed");
    });
}

nlohmann::json ManagerClient::exec(const std::string& name, const ExecRequest& request) {
    return translated([&] {
        auto [exit_code, out, err] =
            proxies_->vm_by_name(name).Exec(request.command, request.args, request.timeout_s, interactive_);
        return nlohmann::json{{"exit_code", exit_code}, {"stdout", out}, {"stderr", err}};
    });
}

nlohmann::json ManagerClient::agent_status(const std::string& name) {
    return translated([&] { return json_from_variant_map(proxies_->vm_by_name(name).AgentStatus()); });
}

nlohmann::json ManagerClient::logs(const std::string& name, uint32_t max_bytes) {
    return translated([&] { return nlohmann::json{{"logs", proxies_->vm_by_name(name).Logs(max_bytes)}}; });
}

}  // namespace minions::client
