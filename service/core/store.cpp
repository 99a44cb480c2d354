#include "store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <random>
#include <thread>

#include "error.hpp"
#include "names.hpp"
#include "sqlite.hpp"

namespace minions {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

// Migration N (1-based) takes a database from user_version N-1 to N. Never
// edit a released entry: add a new one, so every old file has a path forward.
const std::array<const char*, 2> kMigrations{
    // v1: the VM table. The schema itself refuses duplicate ids, names, IPs,
    // CIDs and MACs and nonsense values, whatever code writes to it.
    R"sql(
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
)sql",
    // v2: remember which hypervisor runs the VM and the start time of its
    // process, so a recycled PID is not mistaken for the VMM.
    R"sql(
ALTER TABLE vms ADD COLUMN pid_start_time INTEGER NOT NULL DEFAULT 0 CHECK (pid_start_time >= 0);
ALTER TABLE vms ADD COLUMN hypervisor TEXT NOT NULL DEFAULT ''
    CHECK (hypervisor IN ('', 'qemu', 'cloud-hypervisor'));
)sql",
};

// The CID range the schema allows: 0-2 are reserved by vsock, and the MAC
// holds only 16 bits of the CID.
constexpr int64_t kFirstCid = 3;
constexpr int64_t kLastCid = 65535;
constexpr int kCreateAttempts = 8;

constexpr const char* kColumns =
    "id, name, status, ip, cid, mac, cpus, memory_mb, pid, pid_start_time, hypervisor, created_at";

Vm read_vm(const Statement& s) {
    Vm vm;
    vm.id = s.column_text(0);
    vm.name = s.column_text(1);
    vm.status = parse_status(s.column_text(2)).value_or(VmStatus::Error);
    vm.ip = s.column_text(3);
    vm.cid = static_cast<uint32_t>(s.column_int(4));
    vm.mac = s.column_text(5);
    vm.cpus = static_cast<uint32_t>(s.column_int(6));
    vm.memory_mb = static_cast<uint32_t>(s.column_int(7));
    vm.pid = s.column_int(8);
    vm.pid_start_time = static_cast<uint64_t>(s.column_int(9));
    vm.hypervisor = s.column_text(10);
    vm.created_at = s.column_text(11);
    return vm;
}

std::string random_id() {
    std::random_device rd;  // the kernel's CSPRNG on Linux
    uint64_t value = (uint64_t{rd()} << 32) | rd();
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016" PRIx64, value);
    return buf;
}

std::string now_rfc3339() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buf;
}

// The lowest value in [first, last] missing from `taken` (sorted, unique).
std::optional<int64_t> lowest_free(const std::vector<int64_t>& taken, int64_t first, int64_t last) {
    int64_t candidate = first;
    for (int64_t t : taken) {
        if (t < candidate) continue;
        if (t > candidate) break;
        ++candidate;
    }
    if (candidate > last) return std::nullopt;
    return candidate;
}

std::vector<int64_t> sorted(std::vector<int64_t> values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return values;
}

// WAL lets readers in other processes proceed while one writer works. The
// switch needs an exclusive lock, and SQLite answers SQLITE_BUSY at once
// instead of calling the busy handler when another process opens the same
// new file at that moment, so this waits for the busy timeout by itself.
void enable_wal(sqlite3* db, const std::string& file, std::chrono::milliseconds timeout) {
    using namespace std::chrono_literals;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
        if (rc == SQLITE_OK) return;
        if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) sqlite::fail(db, rc, file);
        std::this_thread::sleep_for(5ms);
    }
}

bool names_column(const sqlite::ConstraintViolation& e, std::string_view column) {
    return std::string_view(e.what()).find("vms." + std::string(column)) != std::string_view::npos;
}

}  // namespace

int Store::latest_schema_version() { return static_cast<int>(kMigrations.size()); }

Store::Store(const std::filesystem::path& db_file, std::chrono::milliseconds busy_timeout)
    : file_(db_file), file_name_(db_file.string()) {
    // NOMUTEX: our own mutex already serializes every use of the connection.
    int rc = sqlite3_open_v2(file_name_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    try {
        if (rc != SQLITE_OK) sqlite::fail(db_, rc, file_name_);
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
        enable_wal(db_, file_name_, busy_timeout);
        sqlite::exec(db_, "PRAGMA synchronous = NORMAL", file_name_);
        migrate();
    } catch (...) {
        sqlite3_close(db_);  // the destructor will not run
        db_ = nullptr;
        throw;
    }
}

Store::~Store() { sqlite3_close(db_); }

void Store::migrate() {
    // One write transaction, so two processes starting together cannot both
    // run the same migration.
    Transaction tx(db_, file_name_);
    Statement get(db_, "PRAGMA user_version", file_name_);
    int version = get.step() ? static_cast<int>(get.column_int(0)) : 0;
    if (version > latest_schema_version())
        throw Error(Errc::Internal, "State database '" + file_name_ + "' has schema version " +
                                        std::to_string(version) + ", newer than this minionsd knows (" +
                                        std::to_string(latest_schema_version()) + "); upgrade minionsd");
    for (int v = version; v < latest_schema_version(); ++v) {
        sqlite::exec(db_, kMigrations[static_cast<std::size_t>(v)], file_name_);
        // PRAGMA takes no parameters; the value is our own integer.
        sqlite::exec(db_, "PRAGMA user_version = " + std::to_string(v + 1), file_name_);
    }
    tx.commit();
}

int Store::schema_version() {
    std::lock_guard lock(mutex_);
    Statement get(db_, "PRAGMA user_version", file_name_);
    return get.step() ? static_cast<int>(get.column_int(0)) : 0;
}

Vm Store::create(const NewVm& request, const Subnet& subnet) {
    validate_name(request.name);
    if (request.cpus < 1 || request.memory_mb < 1)
        throw Error(Errc::InvalidArgument, "A VM needs at least 1 CPU and 1 MiB of memory");
    if (!request.hypervisor.empty() && request.hypervisor != "qemu" && request.hypervisor != "cloud-hypervisor")
        throw Error(Errc::InvalidArgument,
                    "Unknown hypervisor '" + request.hypervisor + "' (expected qemu or cloud-hypervisor)");
    std::lock_guard lock(mutex_);
    // BEGIN IMMEDIATE already excludes other writers; the retry covers the
    // one remaining race, a random id that happens to collide.
    for (int attempt = 0; attempt < kCreateAttempts; ++attempt)
        if (auto vm = try_create(request, subnet)) return *vm;
    throw Error(Errc::Internal, "Could not allocate an address for VM '" + request.name + "' after " +
                                    std::to_string(kCreateAttempts) + " attempts in '" + file_name_ + "'");
}

std::optional<Vm> Store::try_create(const NewVm& request, const Subnet& subnet) {
    Transaction tx(db_, file_name_);
    {
        Statement taken(db_, "SELECT 1 FROM vms WHERE name = ?1", file_name_);
        if (taken.bind(1, request.name).step())
            throw Error(Errc::AlreadyExists, "VM '" + request.name + "' already exists");
    }

    std::vector<int64_t> ips{subnet.gateway};  // the bridge's address is never handed out
    std::vector<int64_t> cids;
    {
        Statement all(db_, "SELECT ip, cid FROM vms", file_name_);
        while (all.step()) {
            try {
                ips.push_back(ipv4_from_string(all.column_text(0)));
            } catch (const Error&) {
                // Not an address we could hand out anyway; ignore it.
            }
            cids.push_back(all.column_int(1));
        }
    }
    auto ip = lowest_free(sorted(std::move(ips)), subnet.first_host(), subnet.last_host());
    if (!ip)
        throw Error(Errc::Exhausted, "No free IP address left in " + subnet.to_string() +
                                         "; destroy a VM or configure a larger subnet");
    auto cid = lowest_free(sorted(std::move(cids)), kFirstCid, kLastCid);
    if (!cid)
        throw Error(Errc::Exhausted, "No free vsock CID left (" + std::to_string(kFirstCid) + " to " +
                                         std::to_string(kLastCid) + " are all in use); destroy a VM first");

    Vm vm;
    vm.id = random_id();
    vm.name = request.name;
    vm.status = VmStatus::Creating;
    vm.ip = ipv4_to_string(static_cast<uint32_t>(*ip));
    vm.cid = static_cast<uint32_t>(*cid);
    vm.mac = mac_for_cid(vm.cid);
    vm.cpus = request.cpus;
    vm.memory_mb = request.memory_mb;
    vm.hypervisor = request.hypervisor;
    vm.created_at = now_rfc3339();

    Statement insert(db_,
                     "INSERT INTO vms (id, name, status, ip, cid, mac, cpus, memory_mb, pid, pid_start_time, "
                     "hypervisor, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, 0, ?9, ?10)",
                     file_name_);
    insert.bind(1, vm.id).bind(2, vm.name).bind(3, to_string(vm.status)).bind(4, vm.ip);
    insert.bind(5, int64_t{vm.cid}).bind(6, vm.mac).bind(7, int64_t{vm.cpus}).bind(8, int64_t{vm.memory_mb});
    insert.bind(9, vm.hypervisor).bind(10, vm.created_at);
    try {
        insert.step();
    } catch (const sqlite::ConstraintViolation& e) {
        if (names_column(e, "name")) throw Error(Errc::AlreadyExists, "VM '" + request.name + "' already exists");
        if (names_column(e, "id") || names_column(e, "ip") || names_column(e, "cid") || names_column(e, "mac"))
            return std::nullopt;  // the transaction rolls back; try again
        throw Error(Errc::Internal, "State database '" + file_name_ + "' refused VM '" + request.name +
                                        "': " + e.what());
    }
    tx.commit();
    return vm;
}

std::vector<Vm> Store::list() {
    std::lock_guard lock(mutex_);
    Statement all(db_, std::string("SELECT ") + kColumns + " FROM vms ORDER BY name", file_name_);
    std::vector<Vm> vms;
    while (all.step()) vms.push_back(read_vm(all));
    return vms;
}

std::optional<Vm> Store::find_where(const char* column, const std::string& value) {
    std::lock_guard lock(mutex_);
    Statement one(db_, std::string("SELECT ") + kColumns + " FROM vms WHERE " + column + " = ?1", file_name_);
    if (!one.bind(1, value).step()) return std::nullopt;
    return read_vm(one);
}

std::optional<Vm> Store::find_by_name(const std::string& name) { return find_where("name", name); }
std::optional<Vm> Store::find_by_id(const std::string& id) { return find_where("id", id); }

void Store::require_changed(const std::string& id) {
    if (sqlite3_changes(db_) == 0) throw Error(Errc::NotFound, "No VM with id '" + id + "'");
}

void Store::set_status(const std::string& id, VmStatus status) {
    std::lock_guard lock(mutex_);
    Statement update(db_, "UPDATE vms SET status = ?1 WHERE id = ?2", file_name_);
    update.bind(1, to_string(status)).bind(2, id).step();
    require_changed(id);
}

void Store::set_running(const std::string& id, int64_t pid, uint64_t pid_start_time) {
    std::lock_guard lock(mutex_);
    Statement update(db_, "UPDATE vms SET status = 'running', pid = ?1, pid_start_time = ?2 WHERE id = ?3",
                     file_name_);
    update.bind(1, pid).bind(2, static_cast<int64_t>(pid_start_time)).bind(3, id).step();
    require_changed(id);
}

void Store::set_process(const std::string& id, int64_t pid, uint64_t pid_start_time) {
    std::lock_guard lock(mutex_);
    Statement update(db_, "UPDATE vms SET pid = ?1, pid_start_time = ?2 WHERE id = ?3", file_name_);
    update.bind(1, pid).bind(2, static_cast<int64_t>(pid_start_time)).bind(3, id).step();
    require_changed(id);
}

void Store::rename(const std::string& id, const std::string& new_name) {
    validate_name(new_name);
    std::lock_guard lock(mutex_);
    Statement update(db_, "UPDATE vms SET name = ?1 WHERE id = ?2", file_name_);
    try {
        update.bind(1, new_name).bind(2, id).step();
    } catch (const sqlite::ConstraintViolation& e) {
        if (names_column(e, "name")) throw Error(Errc::AlreadyExists, "VM '" + new_name + "' already exists");
        throw Error(Errc::Internal, "State database '" + file_name_ + "' refused the rename: " + e.what());
    }
    require_changed(id);
}

void Store::remove(const std::string& id) {
    std::lock_guard lock(mutex_);
    Statement del(db_, "DELETE FROM vms WHERE id = ?1", file_name_);
    del.bind(1, id).step();
    require_changed(id);
}

}  // namespace minions
