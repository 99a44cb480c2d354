// Desktop clients watch VMs through the standard signals: ObjectManager's
// InterfacesAdded/InterfacesRemoved on /org/minions and PropertiesChanged on
// each VM's object, for every phase an operation goes through.
#include <condition_variable>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "service_fixture.hpp"

namespace minions::test {
namespace {

struct Seen {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> added, removed;
    std::vector<std::string> statuses;  // PropertiesChanged Status values, in order
    std::vector<std::string> names;     // PropertiesChanged Name values

    template <typename Predicate>
    bool wait_for(Predicate done) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(20), [&] { return done(*this); });
    }
};

class Signals : public ServiceTest {
protected:
    void SetUp() override {
        ServiceTest::SetUp();
        watcher_ = sdbus::createSystemBusConnection();
        auto sender = "sender='org.minions.Manager',";
        added_ = watcher_->addMatch(std::string("type='signal',") + sender +
                                        "interface='org.freedesktop.DBus.ObjectManager',member='InterfacesAdded'",
                                    [this](sdbus::Message& m) { record(seen_.added, read_path(m)); });
        removed_ = watcher_->addMatch(std::string("type='signal',") + sender +
                                          "interface='org.freedesktop.DBus.ObjectManager',member='InterfacesRemoved'",
                                      [this](sdbus::Message& m) { record(seen_.removed, read_path(m)); });
        changes_ = watcher_->addMatch(
            std::string("type='signal',") + sender + "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'",
            [this](sdbus::Message& m) {
                std::string iface;
                std::map<std::string, sdbus::Variant> values;
                m >> iface >> values;
                std::lock_guard lock(seen_.mutex);
                if (auto it = values.find("Status"); it != values.end()) seen_.statuses.push_back(str(it->second));
                if (auto it = values.find("Name"); it != values.end()) seen_.names.push_back(str(it->second));
                seen_.changed.notify_all();
            });
        watcher_->enterEventLoopAsync();
    }
    void TearDown() override {
        watcher_->leaveEventLoop();
        ServiceTest::TearDown();
    }

    static std::string read_path(sdbus::Message& m) {
        sdbus::ObjectPath path;
        m >> path;
        return path;
    }
    void record(std::vector<std::string>& into, const std::string& value) {
        std::lock_guard lock(seen_.mutex);
        into.push_back(value);
        seen_.changed.notify_all();
    }

    Seen seen_;
    std::unique_ptr<sdbus::IConnection> watcher_;
    sdbus::Slot added_, removed_, changes_;
};

TEST_F(Signals, AVmAppearsGoesThroughItsPhasesAndVanishes) {
    sdbus::ObjectPath path = create("web");
    EXPECT_TRUE(seen_.wait_for([&](Seen& s) { return !s.added.empty(); }));
    EXPECT_THAT(seen_.added, ::testing::Contains(std::string(path)));
    EXPECT_TRUE(seen_.wait_for([](Seen& s) {
        return std::find(s.statuses.begin(), s.statuses.end(), "running") != s.statuses.end();
    }));

    ASSERT_TRUE(call_vm("web", "Restart", [](sdbus::MethodCall& m) { m << false; }).ok);
    stop("web");
    EXPECT_TRUE(seen_.wait_for([](Seen& s) { return !s.statuses.empty() && s.statuses.back() == "stopped"; }));
    {
        std::lock_guard lock(seen_.mutex);
        auto at = [&](const std::string& status) {
            return std::find(seen_.statuses.begin(), seen_.statuses.end(), status) - seen_.statuses.begin();
        };
        // restart and stop show their phases, in order.
        EXPECT_LT(at("restarting"), static_cast<long>(seen_.statuses.size()));
        EXPECT_LT(at("stopping"), static_cast<long>(seen_.statuses.size()));
        EXPECT_LT(at("restarting"), at("stopping"));
    }

    ASSERT_TRUE(call_vm("web", "Rename", [](sdbus::MethodCall& m) { m << std::string("api") << false; }).ok);
    EXPECT_TRUE(seen_.wait_for([](Seen& s) { return !s.names.empty() && s.names.back() == "api"; }));

    ASSERT_TRUE(call_vm("api", "Destroy", [](sdbus::MethodCall& m) { m << false; }).ok);
    EXPECT_TRUE(seen_.wait_for([&](Seen& s) {
        return std::find(s.removed.begin(), s.removed.end(), std::string(path)) != s.removed.end();
    }));
}

TEST_F(Signals, ObjectManagerListsEveryVmWithItsProperties) {
    sdbus::ObjectPath path = create("web");
    auto proxy = sdbus::createProxy(connection(), "org.minions.Manager", "/org/minions");
    std::map<sdbus::ObjectPath, std::map<std::string, std::map<std::string, sdbus::Variant>>> objects;
    proxy->callMethod("GetManagedObjects").onInterface("org.freedesktop.DBus.ObjectManager").storeResultsTo(objects);
    ASSERT_TRUE(objects.contains(path));
    EXPECT_EQ(str(objects.at(path).at("org.minions.VM").at("Name")), "web");
    EXPECT_EQ(str(objects.at(path).at("org.minions.VM").at("Status")), "running");
}

}  // namespace
}  // namespace minions::test
