// minions-polkit against a real polkitd on a private system bus. A tiny
// service in this process owns a bus name and asks polkit about each caller,
// exactly as minionsd does; callers are child processes running as root,
// `nobody`, a member of group `minions` and a user with a per-VM rule.
#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>

#include <atomic>
#include <thread>

#include "core/error.hpp"
#include "polkit/authority.hpp"
#include "polkit/private_bus.hpp"

namespace minions {
namespace {

using test::BusCall;
using test::ChildOutcome;
using test::Identity;

constexpr const char* kName = "org.minions.PolkitTest";
constexpr const char* kPath = "/org/minions/test";
constexpr const char* kIface = "org.minions.PolkitTest";

constexpr const char* kTestBusPolicy = R"(<busconfig>
  <policy user="root"><allow own="org.minions.PolkitTest"/></policy>
  <policy context="default"><allow send_destination="org.minions.PolkitTest"/></policy>
</busconfig>)";

const std::vector<std::string> kAllActions{
    std::string(actions::kRead),   std::string(actions::kCreate), std::string(actions::kPower),
    std::string(actions::kRename), std::string(actions::kCopy),   std::string(actions::kDestroy),
    std::string(actions::kExec)};

std::string to_string(Authority::Result result) {
    switch (result) {
        case Authority::Result::Allowed: return "allowed";
        case Authority::Result::Denied: return "denied";
        case Authority::Result::Challenge: return "challenge";
    }
    return "?";
}

// Check(action, details, interactive) -> "allowed" | "denied" | "challenge"
// Authorize(action, verb, name, id, interactive): Authority::authorize, its
// minions::Error sent back as the D-Bus error minionsd would send.
// Handlers run on the connection's event-loop thread, not the main thread.
class CheckService {
public:
    CheckService() : connection_(sdbus::createSystemBusConnection(kName)) {
        object_ = sdbus::createObject(*connection_, kPath);
        object_->registerMethod("Check")
            .onInterface(kIface)
            .implementedAs([this](const std::string& action,
                                  const std::map<std::string, std::string>& details,
                                  bool interactive) {
                return to_string(authority_.check(sender(), action, details, interactive));
            });
        object_->registerMethod("Authorize")
            .onInterface(kIface)
            .implementedAs([this](const std::string& action, const std::string& verb,
                                  const std::string& name, const std::string& id, bool interactive) {
                try {
                    authority_.authorize({sender(), action, verb, name, id, interactive});
                } catch (const Error& e) {
                    throw sdbus::Error(std::string(e.kind().dbus_name), e.what());
                }
            });
        object_->finishRegistration();
        connection_->enterEventLoopAsync();
    }
    ~CheckService() { connection_->leaveEventLoop(); }
    CheckService(const CheckService&) = delete;
    CheckService& operator=(const CheckService&) = delete;

    std::string unique_name() const { return connection_->getUniqueName(); }

private:
    std::string sender() const { return object_->getCurrentlyProcessedMessage()->getSender(); }

    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<sdbus::IObject> object_;
    Authority authority_;
};

class PolkitTest : public test::PrivateBusTest {
protected:
    static void SetUpTestSuite() { start_bus({.bus_policies = {{"polkit-test.conf", kTestBusPolicy}}}); }

    void SetUp() override {
        PrivateBusTest::SetUp();
        service_ = std::make_unique<CheckService>();
    }
    void TearDown() override { service_.reset(); }

    static ChildOutcome check_as(const Identity& who, const std::string& action,
                                 std::map<std::string, std::string> details = {{"name", "web"}},
                                 bool interactive = false) {
        BusCall call{kName, kPath, kIface, "Check",
                     [&](sdbus::MethodCall& m) { m << action << details << interactive; },
                     [](sdbus::MethodReply& r) {
                         std::string answer;
                         r >> answer;
                         return answer;
                     }};
        return test::call_as(who, call);
    }

    static ChildOutcome authorize_as(const Identity& who, const std::string& action,
                                     const std::string& verb, const std::string& name,
                                     const std::string& id = "vm-1", bool interactive = false) {
        BusCall call{kName, kPath, kIface, "Authorize",
                     [&](sdbus::MethodCall& m) { m << action << verb << name << id << interactive; },
                     {}};
        return test::call_as(who, call);
    }

    std::unique_ptr<CheckService> service_;
};

// Fails with the child's error instead of a bare "false".
#define EXPECT_ANSWER(outcome, expected)                                              \
    do {                                                                              \
        ChildOutcome o_ = (outcome);                                                  \
        ASSERT_TRUE(o_.ok) << o_.error_name << ": " << o_.error_message;              \
        EXPECT_EQ(o_.output, expected);                                               \
    } while (0)

TEST_F(PolkitTest, RootIsAllowedEveryAction) {
    for (const auto& action : kAllActions) EXPECT_ANSWER(check_as(test::root_identity(), action), "allowed");
}

TEST_F(PolkitTest, OrdinaryUserNeedsAuthenticationForEveryAction) {
    for (const auto& action : kAllActions) {
        ChildOutcome outcome = check_as(test::nobody(), action);
        ASSERT_TRUE(outcome.ok) << outcome.error_message;
        // auth_admin: polkit would ask an administrator's password.
        EXPECT_EQ(outcome.output, "challenge") << action;
    }
}

TEST_F(PolkitTest, OrdinaryUserIsNotAuthorizedSayingAuthenticationIsNeeded) {
    ChildOutcome outcome = authorize_as(test::nobody(), std::string(actions::kPower), "restart", "web");
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error_name, "org.minions.Error.NotAuthorized");
    EXPECT_NE(outcome.error_message.find("Not authorized to restart VM 'web' without authentication"),
              std::string::npos)
        << outcome.error_message;
    EXPECT_NE(outcome.error_message.find("group 'minions'"), std::string::npos) << outcome.error_message;
}

TEST_F(PolkitTest, InteractiveWithoutAgentIsRefused) {
    // No authentication agent is registered, so nobody can answer the challenge.
    ChildOutcome outcome =
        authorize_as(test::nobody(), std::string(actions::kDestroy), "destroy", "web", "vm-1", true);
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error_name, "org.minions.Error.NotAuthorized");
    EXPECT_NE(outcome.error_message.find("Not authorized to destroy VM 'web'"), std::string::npos)
        << outcome.error_message;
}

TEST_F(PolkitTest, UnknownActionIsNotAllowed) {
    ChildOutcome outcome = check_as(test::nobody(), "org.minions.no-such-action");
    ASSERT_TRUE(outcome.ok) << outcome.error_message;
    EXPECT_NE(outcome.output, "allowed");
}

TEST_F(PolkitTest, MinionsGroupMemberIsAllowedEveryAction) {
    Identity member = test::minions_member();
    for (const auto& action : kAllActions) EXPECT_ANSWER(check_as(member, action), "allowed");
    ChildOutcome outcome = authorize_as(member, std::string(actions::kCopy), "copy", "web");
    EXPECT_TRUE(outcome.ok) << outcome.error_name << ": " << outcome.error_message;
}

TEST_F(PolkitTest, PerVmRuleSeesTheNameDetail) {
    Identity operator_user = test::ensure_user("minions-vmtest", {});
    bus().install_rules("40-minions-test-per-vm.rules", R"(
polkit.addRule(function(action, subject) {
    if (action.id == "org.minions.power" && subject.user == "minions-vmtest" &&
        action.lookup("name") == "web") {
        return polkit.Result.YES;
    }
});
)");
    EXPECT_TRUE(authorize_as(operator_user, std::string(actions::kPower), "start", "web").ok);
    ChildOutcome other_vm = authorize_as(operator_user, std::string(actions::kPower), "start", "db");
    EXPECT_EQ(other_vm.error_name, "org.minions.Error.NotAuthorized");
    EXPECT_NE(other_vm.error_message.find("start VM 'db'"), std::string::npos) << other_vm.error_message;
    ChildOutcome other_action = authorize_as(operator_user, std::string(actions::kDestroy), "destroy", "web");
    EXPECT_EQ(other_action.error_name, "org.minions.Error.NotAuthorized");
}

TEST_F(PolkitTest, PerVmRuleSeesTheIdAndVerbDetails) {
    Identity operator_user = test::ensure_user("minions-vmtest", {});
    bus().install_rules("40-minions-test-per-id.rules", R"(
polkit.addRule(function(action, subject) {
    if (subject.user == "minions-vmtest" && action.lookup("id") == "vm-42" &&
        action.lookup("verb") == "stop") {
        return polkit.Result.YES;
    }
});
)");
    // The id survives a rename, so the rule still matches under a new name.
    EXPECT_TRUE(authorize_as(operator_user, std::string(actions::kPower), "stop", "renamed", "vm-42").ok);
    EXPECT_FALSE(authorize_as(operator_user, std::string(actions::kPower), "start", "renamed", "vm-42").ok);
    EXPECT_FALSE(authorize_as(operator_user, std::string(actions::kPower), "stop", "renamed", "vm-43").ok);
}

TEST_F(PolkitTest, StoppedPolkitdMeansDeniedEvenForRoot) {
    EXPECT_ANSWER(check_as(test::root_identity(), std::string(actions::kPower)), "allowed");
    bus().stop_polkitd();
    EXPECT_ANSWER(check_as(test::root_identity(), std::string(actions::kPower)), "denied");
    ChildOutcome outcome = authorize_as(test::root_identity(), std::string(actions::kPower), "stop", "web");
    EXPECT_EQ(outcome.error_name, "org.minions.Error.NotAuthorized");
    EXPECT_NE(outcome.error_message.find("could not answer"), std::string::npos) << outcome.error_message;

    // Answers come back with polkitd, without restarting the service.
    bus().start_polkitd();
    EXPECT_ANSWER(check_as(test::root_identity(), std::string(actions::kPower)), "allowed");
}

TEST_F(PolkitTest, RestartedPolkitdIsFollowed) {
    Authority authority;
    const std::string self = service_->unique_name();
    EXPECT_EQ(authority.check(self, std::string(actions::kRead), {}, false), Authority::Result::Allowed);
    bus().start_polkitd();  // a new polkitd with a new unique name
    EXPECT_EQ(authority.check(self, std::string(actions::kRead), {}, false), Authority::Result::Allowed);
}

TEST_F(PolkitTest, ChecksFromManyThreadsAtOnce) {
    // The service's own connection belongs to root: every answer is yes.
    const std::string self = service_->unique_name();
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            Authority authority;
            for (int j = 0; j < 5; ++j)
                if (authority.check(self, std::string(actions::kExec), {{"name", "web"}}, false) ==
                    Authority::Result::Allowed)
                    ++allowed;
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(allowed.load(), 40);
}

TEST_F(PolkitTest, UnknownCallerIsDenied) {
    Authority authority;
    EXPECT_EQ(authority.check(":1.999999", std::string(actions::kPower), {}, false),
              Authority::Result::Denied);
}

}  // namespace
}  // namespace minions
