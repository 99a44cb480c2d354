// The Cloud Hypervisor API client's reading (service/hypervisor/ch_client.cpp)
// of a hostile VMM's answers: the status check every call makes, a GET's
// body parsed as JSON, and the VM state the driver reads from vm.info. The
// option byte chooses the HTTP status (200 for most of its values); only
// minions::Error may escape.
#include "core/error.hpp"
#include "hypervisor/ch_client.hpp"
#include "input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace minions;
    const auto input = fuzz::split_input(data, size);
    hv::ChResponse response;
    response.status = input.options < 0xc0 ? 200 : 100 + (input.options - 0xc0) * 8;
    response.body = std::string(input.payload);
    try {
        hv::ch::check_status(response, "PUT vm.boot");
    } catch (const Error&) {
    }
    try {
        auto info = hv::ch::parse_body(response, "GET vm.info");
        (void)hv::ch::vm_state(info);
    } catch (const Error&) {
    }
    return 0;
}
