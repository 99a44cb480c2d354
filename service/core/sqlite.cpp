#include "sqlite.hpp"

#include <sqlite3.h>

#include "error.hpp"

namespace minions::sqlite {
namespace {

std::string_view problem_for(int rc) {
    switch (rc & 0xff) {
        case SQLITE_NOTADB: return "is not an SQLite database (wrong file, or damaged beyond recognition)";
        case SQLITE_CORRUPT: return "is corrupt";
        case SQLITE_BUSY:
        case SQLITE_LOCKED: return "is locked by another connection for longer than the busy timeout";
        case SQLITE_CANTOPEN: return "cannot be opened (missing directory or no permission?)";
        case SQLITE_READONLY:
        case SQLITE_PERM: return "is not writable";
        case SQLITE_FULL: return "cannot grow: the disk is full";
        case SQLITE_IOERR: return "could not be read or written (I/O error)";
        default: return "failed";
    }
}

}  // namespace

void fail(sqlite3* db, int rc, const std::string& file) {
    std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) throw ConstraintViolation(detail);
    throw Error(Errc::Internal,
                "State database '" + file + "' " + std::string(problem_for(rc)) + ": " + detail);
}

void exec(sqlite3* db, const std::string& sql, const std::string& file) {
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, file);
}

Statement::Statement(sqlite3* db, std::string_view sql, const std::string& file) : db_(db), file_(file) {
    int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, file_);
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, int64_t value) {
    int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) fail(db_, rc, file_);
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) fail(db_, rc, file_);
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, rc, file_);
}

int64_t Statement::column_int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::column_text(int col) const {
    const auto* text = sqlite3_column_text(stmt_, col);
    return text ? std::string(reinterpret_cast<const char*>(text)) : std::string();
}

Transaction::Transaction(sqlite3* db, const std::string& file) : db_(db), file_(file) {
    exec(db_, "BEGIN IMMEDIATE", file_);
}

Transaction::~Transaction() {
    // A failed statement may already have ended the transaction; ROLLBACK then
    // fails harmlessly, and a destructor must not throw anyway.
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    exec(db_, "COMMIT", file_);
    done_ = true;
}

}  // namespace minions::sqlite
