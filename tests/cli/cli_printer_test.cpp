// The one printer: --json prints exactly the seed's shapes, the human form is
// short, failures are {"error"} on stdout with --json or a sentence and a hint
// on stderr; exit codes come from the error table.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "core/error.hpp"
#include "minions/version.hpp"
#include "printer.hpp"
#include "vm_properties.hpp"

using namespace minions;
using namespace minions::cli;
using nlohmann::json;

namespace {

// A VM as org.minions.Manager.GetVm describes it.
client::PropertyMap running_vm_properties() {
    client::PropertyMap p;
    p["Id"] = sdbus::Variant(std::string("0f3a"));
    p["Name"] = sdbus::Variant(std::string("myvm"));
    p["Status"] = sdbus::Variant(std::string("running"));
    p["Ip"] = sdbus::Variant(std::string("10.0.0.2"));
    p["Cpus"] = sdbus::Variant(uint32_t{2});
    p["MemoryMb"] = sdbus::Variant(uint32_t{1024});
    p["Pid"] = sdbus::Variant(int64_t{12345});
    p["Cid"] = sdbus::Variant(uint32_t{3});
    p["Mac"] = sdbus::Variant(std::string("52:54:00:00:00:03"));
    p["Tap"] = sdbus::Variant(std::string("tap-myvm"));
    p["Hypervisor"] = sdbus::Variant(std::string("cloud-hypervisor"));
    p["CreatedAt"] = sdbus::Variant(std::string("2025-01-01T00:00:00Z"));
    p["Path"] = sdbus::Variant(sdbus::ObjectPath("/org/minions/vm/0f3a"));
    return p;
}

Invocation invocation(Command command, bool json_output, std::string name = "myvm") {
    Invocation inv;
    inv.command = command;
    inv.global.json = json_output;
    inv.name = std::move(name);
    return inv;
}

struct Printed {
    std::string out, err;
};

Printed print(const Invocation& inv, const json& result) {
    std::ostringstream out, err;
    print_result(inv, result, out, err);
    return {out.str(), err.str()};
}

Printed fail(const Invocation& inv, const Error& error, bool remote = false) {
    std::ostringstream out, err;
    print_failure(inv, error, remote, out, err);
    return {out.str(), err.str()};
}

}  // namespace

TEST(CliPrinter, VmObjectHasTheSeedsFieldsWithTheSeedsTypes) {
    json vm = client::vm_json_from_properties(running_vm_properties());
    EXPECT_EQ(vm["name"], "myvm");
    EXPECT_EQ(vm["status"], "running");
    EXPECT_EQ(vm["ip"], "10.0.0.2");
    EXPECT_TRUE(vm["cpus"].is_number_integer());
    EXPECT_EQ(vm["cpus"], 2);
    EXPECT_TRUE(vm["memory_mb"].is_number_integer());
    EXPECT_EQ(vm["memory_mb"], 1024);
    EXPECT_TRUE(vm["pid"].is_number_integer());
    EXPECT_EQ(vm["pid"], 12345);
    // More fields than the seed shows are allowed, never fewer.
    EXPECT_EQ(vm["id"], "0f3a");
    EXPECT_EQ(vm["vsock_cid"], 3);
    EXPECT_EQ(vm["mac"], "52:54:00:00:00:03");
    EXPECT_EQ(vm["tap"], "tap-myvm");
    EXPECT_EQ(vm["hypervisor"], "cloud-hypervisor");
    EXPECT_EQ(vm["created_at"], "2025-01-01T00:00:00Z");
    EXPECT_FALSE(vm.contains("path"));
}

TEST(CliPrinter, StoppedVmHasNullPid) {
    auto p = running_vm_properties();
    p["Status"] = sdbus::Variant(std::string("stopped"));
    p["Pid"] = sdbus::Variant(int64_t{0});
    json vm = client::vm_json_from_properties(p);
    EXPECT_EQ(vm["status"], "stopped");
    EXPECT_TRUE(vm["pid"].is_null());
}

TEST(CliPrinter, JsonModePrintsExactlyTheObjectAndNothingElse) {
    json vm = client::vm_json_from_properties(running_vm_properties());
    for (auto command : {Command::Create, Command::Info, Command::Start, Command::Stop, Command::Restart, Command::Copy}) {
        auto printed = print(invocation(command, true), vm);
        EXPECT_EQ(json::parse(printed.out), vm);
        EXPECT_TRUE(printed.err.empty());
    }
}

TEST(CliPrinter, JsonListIsAnArray) {
    json list = json::array({client::vm_json_from_properties(running_vm_properties())});
    auto printed = print(invocation(Command::List, true), list);
    auto parsed = json::parse(printed.out);
    ASSERT_TRUE(parsed.is_array());
    EXPECT_EQ(parsed, list);
    EXPECT_EQ(json::parse(print(invocation(Command::List, true), json::array()).out), json::array());
}

TEST(CliPrinter, JsonMessageForDestroyAndRename) {
    json message{{"message", "VM 'myvm' destroyed"}};
    EXPECT_EQ(json::parse(print(invocation(Command::Destroy, true), message).out), message);
    EXPECT_EQ(print(invocation(Command::Destroy, false), message).out, "VM 'myvm' destroyed\n");
    json renamed{{"message", "VM 'myvm' renamed to 'prod'"}};
    EXPECT_EQ(print(invocation(Command::Rename, false), renamed).out, "VM 'myvm' renamed to 'prod'\n");
}

TEST(CliPrinter, HumanListIsAnAlignedTable) {
    auto p = running_vm_properties();
    json list = json::array({client::vm_json_from_properties(p)});
    p["Name"] = sdbus::Variant(std::string("second-vm"));
    p["Status"] = sdbus::Variant(std::string("stopped"));
    p["Pid"] = sdbus::Variant(int64_t{0});
    list.push_back(client::vm_json_from_properties(p));
    auto out = print(invocation(Command::List, false), list).out;
    EXPECT_EQ(out,
              "NAME       STATUS   IP        CPUS  MEMORY  PID\n"
              "myvm       running  10.0.0.2  2     1024    12345\n"
              "second-vm  stopped  10.0.0.2  2     1024    -\n");
}

TEST(CliPrinter, HumanExecPassesGuestOutputThrough) {
    json result{{"exit_code", 3}, {"stdout", "out\n"}, {"stderr", "err\n"}};
    auto printed = print(invocation(Command::Exec, false), result);
    EXPECT_EQ(printed.out, "out\n");
    EXPECT_EQ(printed.err, "err\n");
    EXPECT_EQ(json::parse(print(invocation(Command::Exec, true), result).out), result);
}

TEST(CliPrinter, ExecExitsWithTheGuestsExitCode) {
    EXPECT_EQ(exit_code_of(invocation(Command::Exec, false), json{{"exit_code", 3}}), 3);
    EXPECT_EQ(exit_code_of(invocation(Command::Exec, true), json{{"exit_code", 0}}), 0);
    EXPECT_EQ(exit_code_of(invocation(Command::Exec, false), json{{"exit_code", -9}}), 1);
    EXPECT_EQ(exit_code_of(invocation(Command::Info, false), json::object()), 0);
}

TEST(CliPrinter, JsonFailureIsAnErrorObjectOnStdout) {
    auto printed = fail(invocation(Command::Info, true), Error(Errc::NotFound, "VM 'x' not found"));
    EXPECT_EQ(json::parse(printed.out), (json{{"error", "VM 'x' not found"}, {"code", "not_found"}}));
    EXPECT_TRUE(printed.err.empty());
}

TEST(CliPrinter, HumanFailureGoesToStderrWithAHint) {
    auto printed = fail(invocation(Command::Rename, false, "web"),
                        Error(Errc::InvalidState, "VM 'web' must be stopped before renaming (status: running)"));
    EXPECT_TRUE(printed.out.empty());
    EXPECT_EQ(printed.err,
              "error: VM 'web' must be stopped before renaming (status: running)\n"
              "hint: stop it first: minions stop web\n");
}

TEST(CliPrinter, NotAuthorizedLocallyPointsAtTheMinionsGroup) {
    auto printed = fail(invocation(Command::Create, false), Error(Errc::NotAuthorized, "polkit said no"));
    EXPECT_NE(printed.err.find("not authorized"), std::string::npos);
    EXPECT_NE(printed.err.find("group 'minions'"), std::string::npos);
}

TEST(CliPrinter, ExitCodesComeFromTheErrorTable) {
    EXPECT_EQ(failure_exit_code(invocation(Command::Info, false), Error(Errc::NotFound, "")), 3);
    EXPECT_EQ(failure_exit_code(invocation(Command::Create, false), Error(Errc::NotAuthorized, "")), 4);
    EXPECT_EQ(failure_exit_code(invocation(Command::List, false), Error(Errc::Unauthenticated, "")), 9);
    EXPECT_EQ(failure_exit_code(invocation(Command::Rename, false), Error(Errc::InvalidState, "")), 5);
    EXPECT_EQ(failure_exit_code(invocation(Command::Stop, false), Error(Errc::Timeout, "")), 6);
    EXPECT_EQ(failure_exit_code(invocation(Command::Create, false), Error(Errc::AlreadyExists, "")), 7);
    EXPECT_EQ(failure_exit_code(invocation(Command::Stop, false), Error(Errc::Busy, "")), 8);
    EXPECT_EQ(failure_exit_code(invocation(Command::Info, false), Error(Errc::Internal, "")), 1);
}

TEST(CliPrinter, ExecFailuresOfMinionsItselfExit125SoTheyCannotPassForTheGuests) {
    EXPECT_EQ(failure_exit_code(invocation(Command::Exec, false), Error(Errc::NotFound, "")), 125);
    EXPECT_EQ(failure_exit_code(invocation(Command::Exec, true), Error(Errc::AgentFailed, "")), 125);
}

TEST(CliPrinter, AHintTheMessageAlreadyGivesIsLeftOut) {
    auto printed = fail(invocation(Command::Stop, false, "web"),
                        Error(Errc::Timeout, "VM 'web' did not power off within 30 s; force it with: "
                                             "minions stop --force web"));
    EXPECT_EQ(printed.err.find("hint:"), std::string::npos) << printed.err;
    auto plain = fail(invocation(Command::Stop, false, "web"), Error(Errc::Timeout, "no power-off in 30 s"));
    EXPECT_NE(plain.err.find("hint: force it off: minions stop --force web"), std::string::npos) << plain.err;
}

TEST(CliPrinter, ADaemonThatWentAwayMidCallIsNotToldToRetryWithALongerTimeout) {
    auto printed = fail(invocation(Command::Restart, false, "web"),
                        Error(Errc::Timeout, "minionsd did not answer in time (Remote peer disconnected); the "
                                             "operation may still be running"));
    EXPECT_EQ(printed.err.find("--timeout"), std::string::npos) << printed.err;
    EXPECT_NE(printed.err.find("hint: minionsd stopped during the call"), std::string::npos) << printed.err;
}

TEST(CliPrinter, ATimeoutOfACommandWithoutTimeoutDoesNotSuggestOne) {
    auto printed = fail(invocation(Command::Restart, false, "web"), Error(Errc::Timeout, "no agent after reboot"));
    EXPECT_EQ(printed.err.find("--timeout"), std::string::npos) << printed.err;
    EXPECT_NE(printed.err.find("minions info web"), std::string::npos) << printed.err;
}

TEST(CliPrinter, AnUnreachableServerIsToldApartFromAMissingService) {
    auto unreachable = fail(invocation(Command::List, false, ""),
                            Error(Errc::Unavailable, "cannot reach http://h:1: Couldn't connect to server"), true);
    EXPECT_NE(unreachable.err.find("hint: check the URL given with --host"), std::string::npos) << unreachable.err;
    auto no_service = fail(invocation(Command::List, false, ""),
                           Error(Errc::Unavailable, "the minions service (org.minions.Manager) is not available"),
                           true);
    EXPECT_NE(no_service.err.find("minionsd behind it does not"), std::string::npos) << no_service.err;
}

TEST(CliPrinter, VersionPrintsClientAndServer) {
    json result{{"client", {{"version", "1.2.3"}}}, {"server", {{"version", "1.2.0"}, {"api_version", "1.0.0"}}}};
    auto printed = print(invocation(Command::Version, false, ""), result);
    EXPECT_EQ(printed.out, "client: minions 1.2.3\nserver: 1.2.0 (API 1.0.0)\n");
    EXPECT_EQ(json::parse(print(invocation(Command::Version, true, ""), result).out), result);
    json local{{"client", {{"version", "1.2.3"}}}, {"server", {{"version", "1.2.3"}}}};
    EXPECT_EQ(print(invocation(Command::Version, false, ""), local).out, "client: minions 1.2.3\nserver: 1.2.3\n");
}

TEST(CliPrinter, VersionFailureStillNamesTheClient) {
    Error error(Errc::Unavailable, "cannot reach http://h:1: Couldn't connect to server");
    auto human = fail(invocation(Command::Version, false, ""), error, true);
    EXPECT_EQ(human.out, std::string("client: minions ") + kVersion + "\n");
    EXPECT_NE(human.err.find("error: cannot reach"), std::string::npos) << human.err;
    auto as_json = fail(invocation(Command::Version, true, ""), error, true);
    EXPECT_EQ(json::parse(as_json.out), (json{{"error", error.what()}, {"code", "unavailable"}}));
    EXPECT_EQ(as_json.err, std::string("client: minions ") + kVersion + "\n");
    EXPECT_EQ(failure_exit_code(invocation(Command::Version, false, ""), error), 10);
}
