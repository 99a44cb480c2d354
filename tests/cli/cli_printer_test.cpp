// The one printer: --json prints exactly the seed's shapes, the human form is
// short, failures are {"error"} on stdout with --json or a sentence and a hint
// on stderr; exit codes come from the error table.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "core/error.hpp"
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
    EXPECT_EQ(json::parse(printed.out), (json{{"error", "VM 'x' not found"}}));
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

TEST(CliPrinter, AccessDeniedLocallyPointsAtTheMinionsGroup) {
    auto printed = fail(invocation(Command::Create, false), Error(Errc::AccessDenied, "polkit said no"));
    EXPECT_NE(printed.err.find("not authorized"), std::string::npos);
    EXPECT_NE(printed.err.find("group 'minions'"), std::string::npos);
}

TEST(CliPrinter, ExitCodesComeFromTheErrorTable) {
    EXPECT_EQ(Error(Errc::NotFound, "").kind().exit_code, 3);
    EXPECT_EQ(Error(Errc::AccessDenied, "").kind().exit_code, 4);
    EXPECT_EQ(Error(Errc::Unauthorized, "").kind().exit_code, 4);
    EXPECT_EQ(Error(Errc::InvalidState, "").kind().exit_code, 5);
    EXPECT_EQ(Error(Errc::Timeout, "").kind().exit_code, 6);
    EXPECT_EQ(Error(Errc::Internal, "").kind().exit_code, 1);
}
