#include <gtest/gtest.h>

#include "agent_status.hpp"
#include "core/error.hpp"

namespace minions::lifecycle {
namespace {

using nlohmann::json;

TEST(DocumentedStatus, KeepsTheDocumentedFields) {
    json answer{{"id", 7},           {"ok", true},           {"uptime_s", 12},       {"load1", 0.5},
                {"memory_total_kb", 1000}, {"memory_available_kb", 500}, {"disk_total_kb", 9}, {"disk_free_kb", 3},
                {"hostname", "web"}};
    json expected = answer;
    expected.erase("id");
    expected.erase("ok");
    EXPECT_EQ(documented_status(answer), expected);
}

TEST(DocumentedStatus, DropsWhatAGuestAddsOrSendsWithTheWrongType) {
    json answer{{"uptime_s", 12}, {"extra", "x"}, {"hostname", json::object()}, {"load1", -1},
                {"memory_total_kb", "lots"}, {"disk_free_kb", -5}};
    EXPECT_EQ(documented_status(answer), (json{{"uptime_s", 12}}));
    EXPECT_EQ(documented_status({{"uptime_s", 1}, {"hostname", std::string(256, 'h')}}), (json{{"uptime_s", 1}}));
}

TEST(DocumentedStatus, WithoutUptimeItIsAnAgentFailure) {
    try {
        documented_status({{"uptime_s", "soon"}});
        ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::AgentFailed);
    }
}

}  // namespace
}  // namespace minions::lifecycle
