// Allocation, lookups and updates through the Store's own API.
#include <regex>
#include <set>

#include "store_fixture.hpp"

namespace minions::testing {
namespace {

TEST_F(StoreTest, FirstVmGetsTheAddressAfterTheGatewayAndCidThree) {
    Store store(db_file_);
    Vm vm = store.create(request("web"), subnet_);
    EXPECT_EQ(vm.ip, "10.0.0.2");
    EXPECT_EQ(vm.cid, 3u);
    EXPECT_EQ(vm.mac, "52:54:00:00:00:03");
    EXPECT_EQ(vm.status, VmStatus::Creating);
    EXPECT_EQ(vm.pid, 0);
}

TEST_F(StoreTest, CreateKeepsRequestedSizeAndHypervisor) {
    Store store(db_file_);
    NewVm r = request("big");
    r.cpus = 6;
    r.memory_mb = 4096;
    r.hypervisor = "qemu";
    store.create(r, subnet_);
    Vm vm = store.find_by_name("big").value();
    EXPECT_EQ(vm.cpus, 6u);
    EXPECT_EQ(vm.memory_mb, 4096u);
    EXPECT_EQ(vm.hypervisor, "qemu");
}

TEST_F(StoreTest, IdIsSixteenLowercaseHexCharacters) {
    Store store(db_file_);
    EXPECT_TRUE(std::regex_match(store.create(request("a"), subnet_).id, std::regex("[0-9a-f]{16}")));
}

TEST_F(StoreTest, IdsAreDistinct) {
    Store store(db_file_);
    std::set<std::string> ids;
    for (int i = 0; i < 50; ++i) ids.insert(store.create(request("vm" + std::to_string(i)), subnet_).id);
    EXPECT_EQ(ids.size(), 50u);
}

TEST_F(StoreTest, CreatedAtIsRfc3339Utc) {
    Store store(db_file_);
    std::string at = store.create(request("a"), subnet_).created_at;
    EXPECT_TRUE(std::regex_match(at, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)"))) << at;
}

TEST_F(StoreTest, ConsecutiveVmsGetConsecutiveAddressesAndCids) {
    Store store(db_file_);
    store.create(request("a"), subnet_);
    Vm b = store.create(request("b"), subnet_);
    EXPECT_EQ(b.ip, "10.0.0.3");
    EXPECT_EQ(b.cid, 4u);
}

TEST_F(StoreTest, LowestFreeAddressAndCidAreReusedAfterRemove) {
    Store store(db_file_);
    store.create(request("a"), subnet_);
    Vm b = store.create(request("b"), subnet_);
    store.create(request("c"), subnet_);
    store.remove(b.id);
    Vm d = store.create(request("d"), subnet_);
    EXPECT_EQ(d.ip, b.ip);
    EXPECT_EQ(d.cid, b.cid);
}

TEST_F(StoreTest, GatewayInTheMiddleIsSkipped) {
    Store store(db_file_);
    Subnet s = Subnet::parse("10.0.0.2/29");
    EXPECT_EQ(store.create(request("a"), s).ip, "10.0.0.1");
    EXPECT_EQ(store.create(request("b"), s).ip, "10.0.0.3");
}

TEST_F(StoreTest, Slash29HoldsFiveVmsThenIsExhausted) {
    Store store(db_file_);
    Subnet s = Subnet::parse("10.0.0.1/29");  // .0 network, .1 gateway, .7 broadcast
    std::set<std::string> ips;
    for (int i = 0; i < 5; ++i) ips.insert(store.create(request("vm" + std::to_string(i)), s).ip);
    EXPECT_EQ(ips, (std::set<std::string>{"10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"}));
    std::string why = error_from(Errc::Exhausted, [&] { store.create(request("vm5"), s); });
    EXPECT_NE(why.find("10.0.0.1/29"), std::string::npos);
}

TEST_F(StoreTest, Slash30HoldsOneVm) {
    Store store(db_file_);
    Subnet s = Subnet::parse("10.0.0.1/30");
    EXPECT_EQ(store.create(request("a"), s).ip, "10.0.0.2");
    error_from(Errc::Exhausted, [&] { store.create(request("b"), s); });
}

TEST_F(StoreTest, ExhaustionLeavesNoRowBehind) {
    Store store(db_file_);
    Subnet s = Subnet::parse("10.0.0.1/30");
    store.create(request("a"), s);
    error_from(Errc::Exhausted, [&] { store.create(request("b"), s); });
    EXPECT_EQ(store.list().size(), 1u);
    EXPECT_FALSE(store.find_by_name("b"));
}

TEST_F(StoreTest, CreateWithTakenNameIsAlreadyExists) {
    Store store(db_file_);
    store.create(request("web"), subnet_);
    EXPECT_EQ(error_from(Errc::AlreadyExists, [&] { store.create(request("web"), subnet_); }),
              "VM 'web' already exists");
}

TEST_F(StoreTest, CreateWithInvalidNameIsInvalidName) {
    Store store(db_file_);
    error_from(Errc::InvalidName, [&] { store.create(request("../x"), subnet_); });
    EXPECT_TRUE(store.list().empty());
}

TEST_F(StoreTest, CreateWithZeroCpusIsInvalidArgument) {
    Store store(db_file_);
    NewVm r = request("a");
    r.cpus = 0;
    error_from(Errc::InvalidArgument, [&] { store.create(r, subnet_); });
}

TEST_F(StoreTest, ListIsOrderedByName) {
    Store store(db_file_);
    for (const char* name : {"m", "b", "z", "a"}) store.create(request(name), subnet_);
    std::vector<std::string> names;
    for (const Vm& vm : store.list()) names.push_back(vm.name);
    EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "m", "z"}));
}

TEST_F(StoreTest, FindByNameAndByIdReturnTheSameRow) {
    Store store(db_file_);
    Vm created = store.create(request("web"), subnet_);
    Vm by_name = store.find_by_name("web").value();
    Vm by_id = store.find_by_id(created.id).value();
    EXPECT_EQ(by_name.id, created.id);
    EXPECT_EQ(by_id.name, "web");
    EXPECT_EQ(by_id.ip, created.ip);
    EXPECT_EQ(by_id.mac, created.mac);
    EXPECT_EQ(by_id.created_at, created.created_at);
}

TEST_F(StoreTest, FindOfUnknownVmIsEmpty) {
    Store store(db_file_);
    EXPECT_FALSE(store.find_by_name("nope"));
    EXPECT_FALSE(store.find_by_id("0000000000000000"));
}

TEST_F(StoreTest, SetStatusChangesOnlyTheStatus) {
    Store store(db_file_);
    Vm vm = store.create(request("a"), subnet_);
    store.set_status(vm.id, VmStatus::Stopped);
    Vm after = store.find_by_id(vm.id).value();
    EXPECT_EQ(after.status, VmStatus::Stopped);
    EXPECT_EQ(after.ip, vm.ip);
}

TEST_F(StoreTest, SetRunningRecordsProcessAndStatus) {
    Store store(db_file_);
    Vm vm = store.create(request("a"), subnet_);
    store.set_running(vm.id, 4242, 987654321);
    Vm after = store.find_by_id(vm.id).value();
    EXPECT_EQ(after.status, VmStatus::Running);
    EXPECT_EQ(after.pid, 4242);
    EXPECT_EQ(after.pid_start_time, 987654321u);
}

TEST_F(StoreTest, SetProcessKeepsTheStatus) {
    Store store(db_file_);
    Vm vm = store.create(request("a"), subnet_);
    store.set_status(vm.id, VmStatus::Starting);
    store.set_process(vm.id, 77, 5);
    Vm after = store.find_by_id(vm.id).value();
    EXPECT_EQ(after.status, VmStatus::Starting);
    EXPECT_EQ(after.pid, 77);
}

TEST_F(StoreTest, UpdatesOfUnknownIdAreNotFound) {
    Store store(db_file_);
    const std::string gone = "00000000deadbeef";
    error_from(Errc::NotFound, [&] { store.set_status(gone, VmStatus::Stopped); });
    error_from(Errc::NotFound, [&] { store.set_running(gone, 1, 1); });
    error_from(Errc::NotFound, [&] { store.set_process(gone, 1, 1); });
    error_from(Errc::NotFound, [&] { store.rename(gone, "x"); });
    error_from(Errc::NotFound, [&] { store.remove(gone); });
}

TEST_F(StoreTest, RenameChangesTheNameAndKeepsTheId) {
    Store store(db_file_);
    Vm vm = store.create(request("old"), subnet_);
    store.rename(vm.id, "new");
    EXPECT_FALSE(store.find_by_name("old"));
    EXPECT_EQ(store.find_by_name("new").value().id, vm.id);
}

TEST_F(StoreTest, RenameOntoTakenNameIsAlreadyExistsAndChangesNothing) {
    Store store(db_file_);
    Vm a = store.create(request("a"), subnet_);
    store.create(request("b"), subnet_);
    EXPECT_EQ(error_from(Errc::AlreadyExists, [&] { store.rename(a.id, "b"); }), "VM 'b' already exists");
    EXPECT_EQ(store.find_by_id(a.id).value().name, "a");
}

TEST_F(StoreTest, RenameToInvalidNameIsInvalidName) {
    Store store(db_file_);
    Vm a = store.create(request("a"), subnet_);
    error_from(Errc::InvalidName, [&] { store.rename(a.id, "bad name"); });
}

TEST_F(StoreTest, RowsSurviveReopening) {
    std::string id;
    {
        Store store(db_file_);
        id = store.create(request("keep"), subnet_).id;
    }
    Store again(db_file_);
    EXPECT_EQ(again.find_by_name("keep").value().id, id);
}

}  // namespace
}  // namespace minions::testing
