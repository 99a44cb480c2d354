// The contract checker (validate.mjs behind contract.hpp) says no when a
// response breaks docs/openapi.yaml, and yes when it does not: without this,
// every REST and CLI test passing its responses through it would prove nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "contract/contract.hpp"

using namespace minions::test;
using nlohmann::json;

namespace {

const std::string kJson = "application/json";

json good_vm() {
    return json{{"name", "web"},        {"status", "running"},        {"ip", "10.0.0.2"},
                {"cpus", 2},            {"memory_mb", 1024},          {"pid", 4242},
                {"id", "a1b2c3"},       {"vsock_cid", 3},             {"mac", "52:54:00:00:00:03"},
                {"tap", "tap-web"},     {"hypervisor", "qemu"},       {"created_at", "2025-01-02T03:04:05Z"}};
}

json error(const std::string& code) { return json{{"error", "something went wrong"}, {"code", code}}; }

// True when the problems mention `needle` (Ajv's words or the checker's).
bool mentions(const std::vector<std::string>& problems, const std::string& needle) {
    for (const auto& p : problems)
        if (p.find(needle) != std::string::npos) return true;
    return false;
}

std::string all(const std::vector<std::string>& problems) {
    std::string text;
    for (const auto& p : problems) text += p + "\n";
    return text;
}

}  // namespace

TEST(ContractChecker, AcceptsADocumentedVm) {
    auto problems = contract::response_problems("GET", "/api/vms/web", 200, kJson, good_vm().dump());
    EXPECT_TRUE(problems.empty()) << all(problems);
    json stopped = good_vm();
    stopped["pid"] = nullptr;
    stopped["status"] = "stopped";
    EXPECT_TRUE(contract::response_problems("POST", "/api/vms/web/stop", 200, kJson, stopped.dump()).empty());
    EXPECT_TRUE(contract::response_problems("GET", "/api/vms", 200, kJson, json::array({good_vm()}).dump()).empty());
    EXPECT_TRUE(
        contract::expect_response("POST", "/api/vms", 201, "application/json; charset=utf-8", good_vm().dump()));
}

TEST(ContractChecker, RejectsAVmWithAMissingField) {
    json vm = good_vm();
    vm.erase("ip");
    auto problems = contract::response_problems("GET", "/api/vms/web", 200, kJson, vm.dump());
    EXPECT_TRUE(mentions(problems, "required property 'ip'")) << all(problems);
}

TEST(ContractChecker, RejectsAVmWithAnExtraField) {
    json vm = good_vm();
    vm["colour"] = "blue";
    auto problems = contract::response_problems("GET", "/api/vms/web", 200, kJson, vm.dump());
    EXPECT_TRUE(mentions(problems, "colour")) << all(problems);
}

TEST(ContractChecker, RejectsAVmWithAWrongType) {
    json vm = good_vm();
    vm["cpus"] = "2";
    EXPECT_TRUE(mentions(contract::response_problems("GET", "/api/vms/web", 200, kJson, vm.dump()), "/cpus"));
    vm = good_vm();
    vm["status"] = "sleeping";
    EXPECT_TRUE(mentions(contract::response_problems("GET", "/api/vms/web", 200, kJson, vm.dump()), "/status"));
}

TEST(ContractChecker, RejectsAStatusTheRouteDoesNotList) {
    // GET /api/vms/{name} takes no lock: 409 is not among its answers.
    auto problems = contract::response_problems("GET", "/api/vms/web", 409, kJson, error("busy").dump());
    EXPECT_TRUE(mentions(problems, "status 409 is not documented")) << all(problems);
    EXPECT_FALSE(contract::response_problems("POST", "/api/vms", 200, kJson, good_vm().dump()).empty());
}

TEST(ContractChecker, RejectsAnErrorWithoutItsCode) {
    auto problems =
        contract::response_problems("GET", "/api/vms/nosuch", 404, kJson, json{{"error", "no VM 'nosuch'"}}.dump());
    EXPECT_TRUE(mentions(problems, "required property 'code'")) << all(problems);
}

TEST(ContractChecker, RejectsACodeThatIsNotTheStatussOwn) {
    EXPECT_TRUE(contract::response_problems("GET", "/api/vms/x", 404, kJson, error("not_found").dump()).empty());
    auto problems = contract::response_problems("GET", "/api/vms/x", 404, kJson, error("busy").dump());
    EXPECT_TRUE(mentions(problems, "/code")) << all(problems);
    EXPECT_FALSE(contract::response_problems("GET", "/api/vms/x", 404, kJson, error("no_such_code").dump()).empty());
}

TEST(ContractChecker, RejectsABodyThatIsNotJson) {
    auto problems = contract::response_problems("GET", "/api/vms", 500, "text/plain", "std::bad_alloc");
    EXPECT_TRUE(mentions(problems, "Content-Type")) << all(problems);
    EXPECT_TRUE(mentions(problems, "not JSON")) << all(problems);
    EXPECT_TRUE(mentions(contract::response_problems("GET", "/api/vms", 500, kJson, ""), "not JSON"));
}

TEST(ContractChecker, UnknownPathsAndUnlistedMethodsStillAnswerDocumentedErrors) {
    EXPECT_TRUE(contract::response_problems("GET", "/api/nothing/here", 404, kJson, error("not_found").dump()).empty());
    EXPECT_FALSE(contract::response_problems("GET", "/api/nothing/here", 200, kJson, "{}").empty());
    EXPECT_TRUE(
        contract::response_problems("PUT", "/api/vms/web", 405, kJson, error("method_not_allowed").dump()).empty());
    EXPECT_FALSE(contract::response_problems("PUT", "/api/vms/web", 404, kJson, error("not_found").dump()).empty());
    EXPECT_TRUE(
        contract::response_problems("PUT", "/api/vms/web", 401, kJson, error("unauthenticated").dump()).empty());
}

TEST(ContractChecker, TheQueryStringIsNotPartOfThePath) {
    EXPECT_TRUE(contract::response_problems("GET", "/api/vms/web/logs?max_bytes=10", 200, kJson,
                                            json{{"logs", "boot\n"}}.dump())
                    .empty());
}

TEST(ContractChecker, NamedSchemasForTheCliJsonOutput) {
    EXPECT_TRUE(contract::schema_problems("Vm", good_vm().dump()).empty());
    EXPECT_TRUE(contract::schema_problems("Error", error("busy").dump()).empty());
    EXPECT_TRUE(mentions(contract::schema_problems("Error", json{{"error", "x"}}.dump()), "code"));
    EXPECT_TRUE(
        contract::schema_problems("ExecResult", json{{"exit_code", 7}, {"stdout", "hi\n"}, {"stderr", ""}}.dump())
            .empty());
    EXPECT_FALSE(contract::schema_problems("ExecResult", json{{"exit_code", 7}}.dump()).empty());
    EXPECT_TRUE(mentions(contract::schema_problems("Vm", "not json"), "not JSON"));
    EXPECT_TRUE(mentions(contract::schema_problems("NoSuchSchema", "{}"), "no schema"));
}

TEST(ContractChecker, ChecksFromManyThreadsEachGetTheirOwnAnswer) {
    std::vector<std::thread> threads;
    std::atomic<int> wrong = 0;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                bool good = (t + i) % 2 == 0;
                json vm = good_vm();
                if (!good) vm.erase("mac");
                if (contract::response_problems("GET", "/api/vms/web", 200, kJson, vm.dump()).empty() != good) ++wrong;
            }
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(wrong.load(), 0);
}

TEST(ContractChecker, ReadsTheDocumentsVersionAndRoutes) {
    EXPECT_TRUE(std::regex_match(contract::document_version(), std::regex(R"([0-9]+\.[0-9]+\.[0-9]+)")));
    auto routes = contract::documented_routes();
    EXPECT_NE(std::find(routes.begin(), routes.end(), "GET /api"), routes.end());
    EXPECT_NE(std::find(routes.begin(), routes.end(), "POST /api/vms/{name}/copy"), routes.end());
}
