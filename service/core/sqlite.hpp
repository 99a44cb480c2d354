#pragma once
// Thin RAII wrappers over the sqlite3 C API, private to the store: a prepared
// statement that finalizes itself and a transaction that rolls back unless
// committed. Every failure becomes Error{Internal} naming the database file,
// except constraint violations, which callers translate into user errors.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace minions::sqlite {

// A UNIQUE/CHECK/NOT NULL violation; what() is SQLite's message, which names
// the column ("UNIQUE constraint failed: vms.name").
struct ConstraintViolation : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Throws ConstraintViolation for SQLITE_CONSTRAINT, else Error{Internal}
// saying what is wrong with `file` in words an operator can act on.
[[noreturn]] void fail(sqlite3* db, int rc, const std::string& file);

// Runs SQL that returns no rows (may hold several statements).
void exec(sqlite3* db, const std::string& sql, const std::string& file);

class Statement {
public:
    Statement(sqlite3* db, std::string_view sql, const std::string& file);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Indexes start at 1, as in SQL's "?1".
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, std::string_view value);

    // True when a row is ready to read, false when the statement is done.
    bool step();
    int64_t column_int(int col) const;
    std::string column_text(int col) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    const std::string& file_;
};

// BEGIN IMMEDIATE takes the write lock up front, so the reads that decide an
// allocation and the insert that uses it see the same database.
class Transaction {
public:
    Transaction(sqlite3* db, const std::string& file);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    sqlite3* db_;
    const std::string& file_;
    bool done_ = false;
};

}  // namespace minions::sqlite
