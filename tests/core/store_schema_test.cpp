// The schema itself: migrations between versions and the constraints that
// hold no matter which code writes to the file.
#include "store_fixture.hpp"

namespace minions::testing {
namespace {

// The schema as version 1 shipped it, frozen here so the upgrade path is
// tested against what real old files contain.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE vms (
    id         TEXT    NOT NULL PRIMARY KEY
                       CHECK (length(id) = 16 AND id NOT GLOB '*[^0-9a-f]*'),
    name       TEXT    NOT NULL UNIQUE
                       CHECK (length(name) BETWEEN 1 AND 11
                              AND name NOT GLOB '*[^A-Za-z0-9-]*' AND name NOT GLOB '-*'),
    status     TEXT    NOT NULL
                       CHECK (status IN ('creating', 'starting', 'running', 'restarting',
                                         'stopping', 'stopped', 'error')),
    ip         TEXT    NOT NULL UNIQUE CHECK (length(ip) BETWEEN 7 AND 15),
    cid        INTEGER NOT NULL UNIQUE CHECK (cid BETWEEN 3 AND 65535),
    mac        TEXT    NOT NULL UNIQUE CHECK (length(mac) = 17),
    cpus       INTEGER NOT NULL CHECK (cpus >= 1),
    memory_mb  INTEGER NOT NULL CHECK (memory_mb >= 1),
    pid        INTEGER NOT NULL DEFAULT 0 CHECK (pid >= 0),
    created_at TEXT    NOT NULL
) STRICT;
PRAGMA user_version = 1;
INSERT INTO vms (id, name, status, ip, cid, mac, cpus, memory_mb, pid, created_at) VALUES
  ('00000000000000aa', 'old-web', 'running', '10.0.0.2', 3, '52:54:00:00:00:03', 2, 1024, 4321, '2024-01-01T00:00:00Z'),
  ('00000000000000bb', 'old-db', 'stopped', '10.0.0.3', 4, '52:54:00:00:00:04', 4, 2048, 0, '2024-01-02T00:00:00Z');
)sql";

// A valid row for the current schema, with each column overridable.
std::string insert_row(const std::string& id, const std::string& name, const std::string& ip, int cid,
                       const std::string& status = "stopped", int mac_cid = -1) {
    if (mac_cid < 0) mac_cid = cid;
    char mac[18];
    std::snprintf(mac, sizeof mac, "52:54:00:00:%02x:%02x", (mac_cid >> 8) & 0xff, mac_cid & 0xff);
    return "INSERT INTO vms (id, name, status, ip, cid, mac, cpus, memory_mb, created_at) VALUES ('" + id + "', '" +
           name + "', '" + status + "', '" + ip + "', " + std::to_string(cid) + ", '" + mac +
           "', 1, 64, '2024-01-01T00:00:00Z')";
}

class StoreSchemaTest : public StoreTest {
protected:
    // A migrated, empty store on disk, and a raw connection to it.
    void SetUp() override {
        StoreTest::SetUp();
        { Store store(db_file_); }
        raw_ = std::make_unique<RawDb>(db_file_);
        ASSERT_EQ(raw_->exec(insert_row("1111111111111111", "first", "10.0.0.2", 3)), SQLITE_OK) << raw_->last_error();
    }
    void TearDown() override {
        raw_.reset();
        StoreTest::TearDown();
    }
    std::unique_ptr<RawDb> raw_;
};

TEST_F(StoreTest, KnowsAtLeastTwoSchemaVersions) { EXPECT_GE(Store::latest_schema_version(), 2); }

TEST_F(StoreTest, NewFileIsMigratedToTheLatestVersion) {
    Store store(db_file_);
    EXPECT_EQ(store.schema_version(), Store::latest_schema_version());
}

TEST_F(StoreTest, NewFileUsesWriteAheadLogging) {
    { Store store(db_file_); }
    RawDb raw(db_file_);
    EXPECT_EQ(raw.query("PRAGMA journal_mode"), "wal");
}

TEST_F(StoreTest, VersionOneFileIsMigratedToTheLatestVersion) {
    { RawDb(db_file_).exec(kSchemaV1); }
    Store store(db_file_);
    EXPECT_EQ(store.schema_version(), Store::latest_schema_version());
}

TEST_F(StoreTest, VersionOneRowsSurviveMigration) {
    {
        RawDb raw(db_file_);
        ASSERT_EQ(raw.exec(kSchemaV1), SQLITE_OK) << raw.last_error();
    }
    Store store(db_file_);
    auto vms = store.list();
    ASSERT_EQ(vms.size(), 2u);
    Vm web = store.find_by_name("old-web").value();
    EXPECT_EQ(web.id, "00000000000000aa");
    EXPECT_EQ(web.status, VmStatus::Running);
    EXPECT_EQ(web.ip, "10.0.0.2");
    EXPECT_EQ(web.cid, 3u);
    EXPECT_EQ(web.pid, 4321);
    EXPECT_EQ(web.created_at, "2024-01-01T00:00:00Z");
}

TEST_F(StoreTest, VersionOneRowsGetDefaultsForNewColumns) {
    { RawDb(db_file_).exec(kSchemaV1); }
    Store store(db_file_);
    Vm web = store.find_by_name("old-web").value();
    EXPECT_EQ(web.pid_start_time, 0u);
    EXPECT_EQ(web.hypervisor, "");
}

TEST_F(StoreTest, AllocationAfterMigrationSkipsOldRows) {
    { RawDb(db_file_).exec(kSchemaV1); }
    Store store(db_file_);
    Vm vm = store.create(request("new"), subnet_);
    EXPECT_EQ(vm.ip, "10.0.0.4");
    EXPECT_EQ(vm.cid, 5u);
}

TEST_F(StoreTest, FileFromANewerVersionIsRefused) {
    { RawDb(db_file_).exec("PRAGMA user_version = 99"); }
    std::string why = error_from(Errc::Internal, [&] { Store store(db_file_); });
    EXPECT_NE(why.find(db_file_.string()), std::string::npos);
    EXPECT_NE(why.find("schema version 99"), std::string::npos);
}

TEST_F(StoreSchemaTest, RejectsDuplicateIdWithoutTheStore) {
    EXPECT_EQ(raw_->exec(insert_row("1111111111111111", "second", "10.0.0.3", 4)), SQLITE_CONSTRAINT);
    EXPECT_NE(raw_->last_error().find("vms.id"), std::string::npos) << raw_->last_error();
}

TEST_F(StoreSchemaTest, RejectsDuplicateNameWithoutTheStore) {
    EXPECT_EQ(raw_->exec(insert_row("2222222222222222", "first", "10.0.0.3", 4)), SQLITE_CONSTRAINT);
    EXPECT_NE(raw_->last_error().find("vms.name"), std::string::npos) << raw_->last_error();
}

TEST_F(StoreSchemaTest, RejectsDuplicateIpWithoutTheStore) {
    EXPECT_EQ(raw_->exec(insert_row("2222222222222222", "second", "10.0.0.2", 4)), SQLITE_CONSTRAINT);
    EXPECT_NE(raw_->last_error().find("vms.ip"), std::string::npos) << raw_->last_error();
}

TEST_F(StoreSchemaTest, RejectsDuplicateCidWithoutTheStore) {
    // A MAC of its own, so the CID is the only thing in common.
    EXPECT_EQ(raw_->exec(insert_row("2222222222222222", "second", "10.0.0.3", 3, "stopped", 9)), SQLITE_CONSTRAINT);
    EXPECT_NE(raw_->last_error().find("vms.cid"), std::string::npos) << raw_->last_error();
}

TEST_F(StoreSchemaTest, RejectsDuplicateMacWithoutTheStore) {
    EXPECT_EQ(raw_->exec(insert_row("2222222222222222", "second", "10.0.0.3", 4, "stopped", 3)), SQLITE_CONSTRAINT);
    EXPECT_NE(raw_->last_error().find("vms.mac"), std::string::npos) << raw_->last_error();
}

TEST_F(StoreSchemaTest, RejectsReservedCid) {
    EXPECT_EQ(raw_->exec(insert_row("2222222222222222", "second", "10.0.0.3", 2)), SQLITE_CONSTRAINT);
}

TEST_F(StoreSchemaTest, RejectsUnknownStatus) {
    EXPECT_EQ(raw_->exec(insert_row("2222222222222222", "second", "10.0.0.3", 4, "paused")), SQLITE_CONSTRAINT);
}

TEST_F(StoreSchemaTest, RejectsInvalidName) {
    EXPECT_EQ(raw_->exec(insert_row("2222222222222222", "../x", "10.0.0.3", 4)), SQLITE_CONSTRAINT);
    EXPECT_EQ(raw_->exec(insert_row("2222222222222222", "-x", "10.0.0.3", 4)), SQLITE_CONSTRAINT);
    EXPECT_EQ(raw_->exec(insert_row("2222222222222222", "abcdefghijkl", "10.0.0.3", 4)), SQLITE_CONSTRAINT);
}

TEST_F(StoreSchemaTest, AcceptsNameWithHyphens) {
    EXPECT_EQ(raw_->exec(insert_row("2222222222222222", "a-b-", "10.0.0.3", 4)), SQLITE_OK) << raw_->last_error();
}

TEST_F(StoreSchemaTest, RejectsMalformedId) {
    EXPECT_EQ(raw_->exec(insert_row("XYZ", "second", "10.0.0.3", 4)), SQLITE_CONSTRAINT);
}

TEST_F(StoreSchemaTest, RejectsNegativePid) {
    EXPECT_EQ(raw_->exec("UPDATE vms SET pid = -1"), SQLITE_CONSTRAINT);
}

TEST_F(StoreSchemaTest, RejectsUnknownHypervisor) {
    EXPECT_EQ(raw_->exec("UPDATE vms SET hypervisor = 'bochs'"), SQLITE_CONSTRAINT);
}

}  // namespace
}  // namespace minions::testing
