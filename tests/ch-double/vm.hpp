#pragma once
// The VM as the double models it, and its REST API. States and status codes
// follow reference/cloud-hypervisor/cloud-hypervisor.yaml: 404 when the VM is
// not created, 405 when it is in the wrong state, 204 for a done action.
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "guest_agent.hpp"
#include "options.hpp"

namespace ch_double {

struct Reply {
    int status = 204;
    std::string body;
    bool exit_after = false;  // vmm.shutdown: answer, then the process ends
};

class Vm {
public:
    Vm(const Options& options, GuestAgent& agent);

    // Boots at start-up when the command line carried a payload (--kernel).
    void boot_from_cli();
    Reply handle(const std::string& method, const std::string& endpoint);
    // Orderly end: guest stopped, sockets removed.
    void terminate();

private:
    Reply ping() const;
    Reply info() const;
    Reply boot();
    Reply reboot();
    Reply power_button();
    Reply shutdown();
    Reply pause();
    Reply resume();

    void serial(const std::string& line) const;
    nlohmann::json config() const;

    const Options& options_;
    GuestAgent& agent_;
    std::mutex mutex_;
    bool created_ = false;
    std::string state_ = "Created";  // Created | Running | Paused | Shutdown
    unsigned boots_ = 0;
};

}  // namespace ch_double
