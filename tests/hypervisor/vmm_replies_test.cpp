// The QMP and Cloud Hypervisor clients' reading of hostile VMM answers, as
// their fuzz targets (fuzz/qmp.cpp, fuzz/ch_api.cpp) found them mishandled:
// whatever JSON comes back is Error{HypervisorFailed} or a plain value,
// never a type_error escaping a driver that only catches Error.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "hypervisor/ch_client.hpp"
#include "hypervisor/qmp_client.hpp"

using namespace minions;
using nlohmann::json;

namespace {

std::string qmp_failure(const json& message) {
    try {
        hv::qmp::answer_to(message, 2, "query-status");
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::HypervisorFailed);
        return e.what();
    }
    return "(no failure)";
}

}  // namespace

TEST(VmmReplies, AQmpErrorThatIsNotAnObjectIsReportedAsSent) {
    EXPECT_EQ(qmp_failure({{"id", 2}, {"error", "boom"}}), "QMP command 'query-status' failed: \"boom\"");
}

TEST(VmmReplies, AQmpErrorWhoseDescIsNotAStringIsReportedAsSent) {
    EXPECT_EQ(qmp_failure({{"id", 2}, {"error", {{"desc", 5}}}}), "QMP command 'query-status' failed: {\"desc\":5}");
}

TEST(VmmReplies, AQmpErrorsDescIsItsMessage) {
    EXPECT_EQ(qmp_failure({{"id", 2}, {"error", {{"class", "GenericError"}, {"desc", "no such device"}}}}),
              "QMP command 'query-status' failed: no such device");
}

TEST(VmmReplies, TheStateOfAVmInfoThatIsNotAnObjectIsEmpty) {
    // Was std::string{info.value("state", "")}: a type_error for all of these.
    EXPECT_EQ(hv::ch::vm_state(json(0.5)), "");
    EXPECT_EQ(hv::ch::vm_state(json::array({"Running"})), "");
    EXPECT_EQ(hv::ch::vm_state(json{{"state", 5}}), "");
    EXPECT_EQ(hv::ch::vm_state(json{{"state", "Running"}}), "Running");
}

TEST(VmmReplies, AVmInfoBodyThatIsAJsonNumberParsesAndHasNoState) {
    hv::ChResponse response{200, "0.5"};
    EXPECT_EQ(hv::ch::vm_state(hv::ch::parse_body(response, "GET vm.info")), "");
}
