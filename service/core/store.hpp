#pragma once
// The SQLite store of VM records. Schema migrations are versioned
// (PRAGMA user_version); the schema itself enforces uniqueness of id, name, ip
// and cid, so no two writers can ever hand out the same one. WAL journal and a
// busy timeout let several processes share the file.
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "subnet.hpp"
#include "vm.hpp"

struct sqlite3;

namespace minions {

struct NewVm {
    std::string name;
    uint32_t cpus = 2;
    uint32_t memory_mb = 1024;
    std::string hypervisor;
};

class Store {
public:
    static constexpr std::chrono::milliseconds kDefaultBusyTimeout{5000};

    // Opens (creating if needed) and migrates to the latest schema. Throws
    // Error{Internal} naming the file when it is corrupt, locked or not a database.
    // `busy_timeout` is how long a call waits for another connection's lock
    // before giving up; tests shorten it.
    explicit Store(const std::filesystem::path& db_file,
                   std::chrono::milliseconds busy_timeout = kDefaultBusyTimeout);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    static int latest_schema_version();
    int schema_version();

    // Allocates, in one transaction, the lowest free IP in `subnet` (gateway
    // excluded), the lowest free CID from 3, the MAC from the CID and a fresh
    // id, then inserts the row with status `creating`.
    // Throws Error{AlreadyExists} for a taken name, Error{Exhausted} when no
    // IP or CID is left, Error{InvalidName} for a bad name.
    Vm create(const NewVm& request, const Subnet& subnet);

    std::vector<Vm> list();  // ordered by name
    std::optional<Vm> find_by_name(const std::string& name);
    std::optional<Vm> find_by_id(const std::string& id);

    // Each changes one row in one statement; throw Error{NotFound} if the id is gone.
    void set_status(const std::string& id, VmStatus status);
    void set_running(const std::string& id, int64_t pid, uint64_t pid_start_time);  // status running
    void set_process(const std::string& id, int64_t pid, uint64_t pid_start_time);   // status unchanged
    // Throws Error{AlreadyExists} if new_name is taken, Error{InvalidName} if invalid.
    void rename(const std::string& id, const std::string& new_name);
    void remove(const std::string& id);

private:
    void migrate();
    // One attempt at create(), inside its own transaction; nullopt when
    // another writer took an address first and the caller should retry.
    std::optional<Vm> try_create(const NewVm& request, const Subnet& subnet);
    std::optional<Vm> find_where(const char* column, const std::string& value);
    void require_changed(const std::string& id);  // NotFound unless the last statement hit a row

    std::mutex mutex_;  // one connection, shared by every thread of the process
    sqlite3* db_ = nullptr;
    std::filesystem::path file_;
    std::string file_name_;  // file_ as text, for error messages
};

}  // namespace minions
