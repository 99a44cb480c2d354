#pragma once
// Shared by the store tests: a private directory per test and a raw SQLite
// connection for looking under the store (hand-made old schemas, direct
// inserts, competing locks).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "core/store.hpp"

namespace minions::testing {

class RawDb {
public:
    explicit RawDb(const std::filesystem::path& file) {
        if (sqlite3_open(file.c_str(), &db_) != SQLITE_OK) ADD_FAILURE() << "cannot open " << file;
    }
    ~RawDb() { sqlite3_close(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    // The primary result code of running `sql` (SQLITE_OK on success).
    int exec(const std::string& sql) {
        int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
        last_error_ = sqlite3_errmsg(db_);
        return rc & 0xff;
    }
    // The first column of the first row of `sql`, as text.
    std::string query(const std::string& sql) {
        std::string out;
        sqlite3_exec(
            db_, sql.c_str(),
            [](void* dst, int, char** values, char**) {
                *static_cast<std::string*>(dst) = values[0] ? values[0] : "";
                return 1;  // one row is all we want
            },
            &out, nullptr);
        return out;
    }
    const std::string& last_error() const { return last_error_; }

private:
    sqlite3* db_ = nullptr;
    std::string last_error_;
};

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/minions-store-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        db_file_ = dir_ / "state.db";
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    // Runs `f`, expecting Error{code}; returns its message.
    template <typename F>
    std::string error_from(Errc code, F&& f) {
        try {
            f();
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), code) << e.what();
            return e.what();
        }
        ADD_FAILURE() << "no error thrown";
        return "";
    }

    NewVm request(const std::string& name) {
        NewVm r;
        r.name = name;
        return r;
    }

    std::filesystem::path dir_;
    std::filesystem::path db_file_;
    Subnet subnet_ = Subnet::parse("10.0.0.1/16");
};

}  // namespace minions::testing
