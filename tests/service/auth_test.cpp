// polkit decides every mutating call: root yes, an ordinary user no, a member
// of group `minions` yes, and per-VM rules see the VM's name and id.
#include <signal.h>

#include <chrono>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "service_fixture.hpp"

namespace minions::test {
namespace {
using ::testing::HasSubstr;

constexpr const char* kNotAuthorized = "org.minions.Error.NotAuthorized";

BusCall manager_call(const std::string& method, std::function<void(sdbus::MethodCall&)> args) {
    return BusCall{"org.minions.Manager", "/org/minions", "org.minions.Manager", method, std::move(args), {}};
}

BusCall create_call(const std::string& name) {
    return manager_call("Create", [name](sdbus::MethodCall& m) {
        m << name << uint32_t{0} << uint32_t{0} << std::string() << false;
    });
}

BusCall vm_call(const std::string& path, const std::string& method, std::function<void(sdbus::MethodCall&)> args) {
    return BusCall{"org.minions.Manager", path, "org.minions.VM", method, std::move(args), {}};
}

class Authorization : public ServiceTest {};

TEST_F(Authorization, RootMayCreate) {
    ChildOutcome o = call_as(root_identity(), create_call("rooted"));
    EXPECT_TRUE(o.ok) << o.error_name << ": " << o.error_message;
    EXPECT_EQ(str(get_vm("rooted").at("Status")), "running");
}

TEST_F(Authorization, AnOrdinaryUserIsRefusedAndNothingIsCreated) {
    ChildOutcome o = call_as(nobody(), create_call("sneaky"));
    EXPECT_EQ(o.error_name, kNotAuthorized);
    EXPECT_THAT(o.error_message, HasSubstr("minions"));  // says how to get access
    EXPECT_EQ(try_get_vm("sneaky").error_name, "org.minions.Error.NotFound");
}

TEST_F(Authorization, AnOrdinaryUserMayReadWithoutPolkit) {
    create("web");
    BusCall list = manager_call("ListVms", {});
    list.read_reply = [](sdbus::MethodReply& r) {
        std::vector<std::map<std::string, sdbus::Variant>> vms;
        r >> vms;
        return std::to_string(vms.size());
    };
    ChildOutcome o = call_as(nobody(), list);
    ASSERT_TRUE(o.ok) << o.error_message;
    EXPECT_EQ(o.output, "1");
}

TEST_F(Authorization, AnOrdinaryUserGetsTheValidationErrorBeforeBeingAskedForAuthorization) {
    ChildOutcome o = call_as(nobody(), create_call("bad/name"));
    EXPECT_EQ(o.error_name, "org.minions.Error.InvalidName");
}

TEST_F(Authorization, AnOrdinaryUserMayNotStopSomeoneElsesVm) {
    std::string path = create("web");
    ChildOutcome o = call_as(nobody(), vm_call(path, "Stop", [](sdbus::MethodCall& m) { m << true << uint32_t{0} << false; }));
    EXPECT_EQ(o.error_name, kNotAuthorized);
    EXPECT_EQ(str(get_vm("web").at("Status")), "running");
}

TEST_F(Authorization, AMemberOfGroupMinionsMayDoEverything) {
    Identity member = minions_member();
    ChildOutcome created = call_as(member, create_call("team"));
    ASSERT_TRUE(created.ok) << created.error_name << ": " << created.error_message;
    std::string path = find_vm("team");
    ChildOutcome restarted = call_as(member, vm_call(path, "Restart", [](sdbus::MethodCall& m) { m << false; }));
    EXPECT_TRUE(restarted.ok) << restarted.error_message;
    ChildOutcome destroyed = call_as(member, vm_call(path, "Destroy", [](sdbus::MethodCall& m) { m << false; }));
    EXPECT_TRUE(destroyed.ok) << destroyed.error_message;
    EXPECT_EQ(try_get_vm("team").error_name, "org.minions.Error.NotFound");
}

TEST_F(Authorization, APerVmRuleSeesTheVmNameDetail) {
    Identity operator_user = ensure_user("minions-vmtest", {});
    bus().install_rules("40-minions-test-per-vm.rules",
                        "polkit.addRule(function(action, subject) {\n"
                        "  if (action.id == 'org.minions.power' && subject.user == 'minions-vmtest' &&\n"
                        "      action.lookup('name') == 'web') return polkit.Result.YES;\n"
                        "});\n");
    create("web");
    create("db");
    auto restart = [](sdbus::MethodCall& m) { m << false; };
    ChildOutcome allowed = call_as(operator_user, vm_call(find_vm("web"), "Restart", restart));
    EXPECT_TRUE(allowed.ok) << allowed.error_name << ": " << allowed.error_message;
    ChildOutcome refused = call_as(operator_user, vm_call(find_vm("db"), "Restart", restart));
    EXPECT_EQ(refused.error_name, kNotAuthorized);
    ChildOutcome other_action = call_as(operator_user, vm_call(find_vm("web"), "Destroy", restart));
    EXPECT_EQ(other_action.error_name, kNotAuthorized);
}

TEST_F(Authorization, WhenPolkitCannotAnswerTheAnswerIsNo) {
    create("web");
    bus().stop_polkitd();
    ChildOutcome o = call_as(root_identity(), vm_call(find_vm("web"), "Restart", [](sdbus::MethodCall& m) { m << false; }));
    bus().start_polkitd();
    EXPECT_EQ(o.error_name, kNotAuthorized);
    EXPECT_EQ(str(get_vm("web").at("Status")), "running");
}

TEST_F(Authorization, APausedPolkitdIsAnsweredNoWithinTheDeadline) {
    create("web");
    std::ifstream pid_file(bus().dir() / "polkitd.pid");
    pid_t polkitd = 0;
    ASSERT_TRUE(pid_file >> polkitd) << "no pid file for the private polkitd";
    ::kill(polkitd, SIGSTOP);
    const auto asked = std::chrono::steady_clock::now();
    ChildOutcome o = call_as(root_identity(), vm_call(find_vm("web"), "Restart", [](sdbus::MethodCall& m) { m << false; }));
    const auto took = std::chrono::steady_clock::now() - asked;
    ::kill(polkitd, SIGCONT);
    EXPECT_EQ(o.error_name, kNotAuthorized) << o.error_message;
    EXPECT_THAT(o.error_message, HasSubstr("did not answer within 20 s"));
    EXPECT_LT(took, std::chrono::seconds(30));
    EXPECT_EQ(str(get_vm("web").at("Status")), "running");
}

// Every method that changes a VM or reads a guest, with a VM in a state where
// the request is valid (validation comes before polkit): refused for a user
// outside group `minions` who has no agent, refused for root when polkitd is
// gone, allowed for a member of `minions`.
struct GuardedMethod {
    std::string method;
    bool on_stopped_vm = false;  // Start and Rename need a stopped VM
    std::function<void(sdbus::MethodCall&)> args;
};

std::ostream& operator<<(std::ostream& out, const GuardedMethod& m) { return out << m.method; }

class AuthorizationMatrix : public ServiceTest, public ::testing::WithParamInterface<GuardedMethod> {
protected:
    BusCall call_for(const std::string& path) const {
        const GuardedMethod& m = GetParam();
        if (m.method == "Create") return create_call("mx-new");
        return vm_call(path, m.method, m.args);
    }
};

TEST_P(AuthorizationMatrix, RefusedWithoutGrantAndWithoutPolkitAllowedForMembers) {
    std::string path = create("mx");
    if (GetParam().on_stopped_vm) stop("mx");
    const std::string status = str(get_vm("mx").at("Status"));

    ChildOutcome stranger = call_as(nobody(), call_for(path));
    EXPECT_EQ(stranger.error_name, kNotAuthorized) << stranger.error_message;
    EXPECT_EQ(str(get_vm("mx").at("Status")), status);

    bus().stop_polkitd();
    ChildOutcome without_polkit = call_as(root_identity(), call_for(path));
    bus().start_polkitd();
    EXPECT_EQ(without_polkit.error_name, kNotAuthorized) << without_polkit.error_message;
    EXPECT_EQ(str(get_vm("mx").at("Status")), status);
    EXPECT_EQ(try_get_vm("mx-new").error_name, "org.minions.Error.NotFound");

    ChildOutcome member = call_as(minions_member(), call_for(path));
    EXPECT_TRUE(member.ok) << member.error_name << ": " << member.error_message;
}

INSTANTIATE_TEST_SUITE_P(
    EveryGuardedMethod, AuthorizationMatrix,
    ::testing::Values(
        GuardedMethod{"Create", false, {}},
        GuardedMethod{"Start", true, [](sdbus::MethodCall& m) { m << false; }},
        GuardedMethod{"Stop", false, [](sdbus::MethodCall& m) { m << true << uint32_t{0} << false; }},
        GuardedMethod{"Restart", false, [](sdbus::MethodCall& m) { m << false; }},
        GuardedMethod{"Rename", true, [](sdbus::MethodCall& m) { m << std::string("mx-renamed") << false; }},
        GuardedMethod{"Copy", false,
                      [](sdbus::MethodCall& m) { m << std::string("mx-new") << std::string() << false; }},
        GuardedMethod{"Destroy", false, [](sdbus::MethodCall& m) { m << false; }},
        GuardedMethod{"Exec", false,
                      [](sdbus::MethodCall& m) {
                          m << std::string("true") << std::vector<std::string>{} << uint32_t{0} << false;
                      }},
        GuardedMethod{"Logs", false, [](sdbus::MethodCall& m) { m << uint32_t{0}; }},
        GuardedMethod{"AgentStatus", false, {}}),
    [](const ::testing::TestParamInfo<GuardedMethod>& param_info) { return param_info.param.method; });

}  // namespace
}  // namespace minions::test
