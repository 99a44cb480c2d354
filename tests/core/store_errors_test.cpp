// A file the store cannot use: the error names the file and says why.
#include <chrono>
#include <fstream>
#include <random>

#include "store_fixture.hpp"

namespace minions::testing {
namespace {

using namespace std::chrono_literals;

void write_random_bytes(const std::filesystem::path& file, std::size_t size) {
    std::mt19937 gen(42);
    std::ofstream out(file, std::ios::binary);
    for (std::size_t i = 0; i < size; ++i) out.put(static_cast<char>(gen() & 0xff));
}

TEST_F(StoreTest, RandomBytesFileIsInternalErrorNamingFileAndCause) {
    write_random_bytes(db_file_, 8192);
    std::string why = error_from(Errc::Internal, [&] { Store store(db_file_); });
    EXPECT_NE(why.find(db_file_.string()), std::string::npos) << why;
    EXPECT_NE(why.find("not an SQLite database"), std::string::npos) << why;
}

TEST_F(StoreTest, RandomBytesFileIsLeftUntouched) {
    write_random_bytes(db_file_, 8192);
    auto before = std::filesystem::file_size(db_file_);
    error_from(Errc::Internal, [&] { Store store(db_file_); });
    EXPECT_EQ(std::filesystem::file_size(db_file_), before);
}

TEST_F(StoreTest, DamagedSchemaPageIsInternalErrorNamingFile) {
    {
        Store store(db_file_);
        store.create(request("a"), subnet_);
    }
    // Keep the 100-byte header, so SQLite recognises the file, and garble the
    // rest of page 1, where the schema lives.
    {
        std::fstream f(db_file_, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(100);
        for (int i = 0; i < 3000; ++i) f.put(static_cast<char>(0xa5));
    }
    std::string why = error_from(Errc::Internal, [&] {
        Store store(db_file_);
        store.list();
    });
    EXPECT_NE(why.find(db_file_.string()), std::string::npos) << why;
}

TEST_F(StoreTest, MissingDirectoryIsInternalErrorNamingFile) {
    auto file = dir_ / "no-such-dir" / "state.db";
    std::string why = error_from(Errc::Internal, [&] { Store store(file); });
    EXPECT_NE(why.find(file.string()), std::string::npos) << why;
    EXPECT_NE(why.find("cannot be opened"), std::string::npos) << why;
}

TEST_F(StoreTest, OpeningWhileAnotherConnectionHoldsTheLockFailsAfterTheBusyTimeout) {
    { Store store(db_file_); }
    RawDb other(db_file_);
    ASSERT_EQ(other.exec("BEGIN EXCLUSIVE"), SQLITE_OK);
    auto start = std::chrono::steady_clock::now();
    std::string why = error_from(Errc::Internal, [&] { Store store(db_file_, 200ms); });
    auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_NE(why.find(db_file_.string()), std::string::npos) << why;
    EXPECT_NE(why.find("locked"), std::string::npos) << why;
    EXPECT_GE(waited, 150ms);  // it did wait, rather than fail at once
    EXPECT_LT(waited, 4s);     // and the configured timeout, not the default, applied
    other.exec("ROLLBACK");
}

TEST_F(StoreTest, CreateWhileAnotherConnectionHoldsTheLockIsInternalError) {
    Store store(db_file_, 200ms);
    RawDb other(db_file_);
    ASSERT_EQ(other.exec("BEGIN EXCLUSIVE"), SQLITE_OK);
    std::string why = error_from(Errc::Internal, [&] { store.create(request("a"), subnet_); });
    EXPECT_NE(why.find("locked"), std::string::npos) << why;
    other.exec("ROLLBACK");
}

TEST_F(StoreTest, StoreWorksAgainOnceTheLockIsReleased) {
    Store store(db_file_, 200ms);
    {
        RawDb other(db_file_);
        ASSERT_EQ(other.exec("BEGIN EXCLUSIVE"), SQLITE_OK);
        error_from(Errc::Internal, [&] { store.create(request("a"), subnet_); });
    }  // closing the connection releases its lock
    EXPECT_EQ(store.create(request("a"), subnet_).ip, "10.0.0.2");
}

TEST_F(StoreTest, ReadersAreNotBlockedByAWriter) {
    Store store(db_file_, 200ms);
    store.create(request("a"), subnet_);
    RawDb other(db_file_);
    ASSERT_EQ(other.exec("BEGIN IMMEDIATE"), SQLITE_OK);
    EXPECT_EQ(store.list().size(), 1u);  // WAL: reads go on during a write
    other.exec("ROLLBACK");
}

}  // namespace
}  // namespace minions::testing
