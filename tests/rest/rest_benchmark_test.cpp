// wrk against minions-rest with 10 VMs behind it (loopback, 5 s per
// endpoint). Prints wrk's report for docs/BENCHMARKS.md and checks that every
// response was a success.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "rest/rest_server_fixture.hpp"
#include "service/service_fixture.hpp"

namespace minions::test {
namespace {

using nlohmann::json;
const std::string kToken = "bench-token";

class RestBenchmark : public ServiceTest {};

ProcessResult wrk(const std::string& url) {
    return run_process({"wrk", "--threads", "2", "--connections", "16", "--duration", "5s", "--latency",
                        "--header", "Authorization: Bearer " + kToken, url},
                       {}, std::chrono::seconds(60));
}

TEST_F(RestBenchmark, ReadsWithTenVms) {
    RestServer server({"--bus", "system"}, {{"MINIONS_API_KEY", kToken}});
    for (int i = 0; i < 10; ++i) {
        auto r = http({"POST", server.url("/api/vms"), json{{"name", "vm" + std::to_string(i)}}.dump(),
                       {"Authorization: Bearer " + kToken, "Content-Type: application/json"}});
        ASSERT_EQ(r.status, 201) << r.body;
    }
    for (const std::string path : {"/api/vms", "/api/vms/vm5"}) {
        auto result = wrk(server.url(path));
        std::cout << "=== wrk GET " << path << " (10 VMs) ===\n" << result.out << std::endl;
        EXPECT_EQ(result.exit_code, 0) << result.err;
        EXPECT_EQ(result.out.find("Non-2xx"), std::string::npos) << result.out;
        EXPECT_EQ(result.out.find("Socket errors"), std::string::npos) << result.out;
    }
}

}  // namespace
}  // namespace minions::test
