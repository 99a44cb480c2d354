// The error table's promises: one code per kind, the D-Bus name carries the
// code, the causes scripts tell apart have exit statuses of their own, and
// docs/ERRORS.md prints exactly this table.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace minions {
namespace {

std::vector<ErrorKind> all_kinds() { return {error_kinds_begin(), error_kinds_end()}; }

std::string camel_case(std::string_view code) {
    std::string out;
    bool upper = true;
    for (char c : code) {
        if (c == '_') {
            upper = true;
            continue;
        }
        out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
        upper = false;
    }
    return out;
}

TEST(ErrorTable, EveryErrcHasOneEntryAndCodesAndNamesAreUnique) {
    std::set<Errc> errcs;
    std::set<std::string_view> codes, names;
    for (const auto& kind : all_kinds()) {
        EXPECT_TRUE(errcs.insert(kind.errc).second) << kind.code;
        EXPECT_TRUE(codes.insert(kind.code).second) << kind.code;
        EXPECT_TRUE(names.insert(kind.dbus_name).second) << kind.dbus_name;
        EXPECT_EQ(&error_kind(kind.errc), &error_kind_by_code(kind.code));
        EXPECT_EQ(&error_kind(kind.errc), &error_kind_by_dbus_name(kind.dbus_name));
    }
    EXPECT_EQ(errcs.size(), static_cast<size_t>(Errc::Internal) + 1) << "an Errc without an entry";
}

TEST(ErrorTable, TheDbusNameEndsInTheCodeInCamelCase) {
    for (const auto& kind : all_kinds())
        EXPECT_EQ(kind.dbus_name, "org.minions.Error." + camel_case(kind.code)) << kind.code;
}

TEST(ErrorTable, CausesScriptsTellApartHaveExitStatusesOfTheirOwn) {
    std::map<int, std::vector<std::string_view>> by_exit;
    for (const auto& kind : all_kinds()) by_exit[kind.exit_code].push_back(kind.code);
    for (auto code : {"not_found", "not_authorized", "unauthenticated", "invalid_state", "already_exists", "busy",
                      "timeout", "unavailable", "exhausted"}) {
        const auto& kind = error_kind_by_code(code);
        ASSERT_EQ(kind.code, code);
        EXPECT_EQ(by_exit[kind.exit_code].size(), 1u) << code << " shares exit status " << kind.exit_code;
        EXPECT_NE(kind.exit_code, kExitFailure);
        EXPECT_NE(kind.exit_code, kExitUsage);
        EXPECT_NE(kind.exit_code, kExitExecFailed);
    }
    for (const auto& kind : all_kinds()) {
        EXPECT_GT(kind.exit_code, 0) << kind.code;
        EXPECT_LT(kind.exit_code, 64) << kind.code << ": keep clear of the ranges exec and signals use";
    }
}

TEST(ErrorTable, BusRefusalsAreNotAuthorizedAndUnknownNamesInternal) {
    EXPECT_EQ(error_kind_by_dbus_name("org.freedesktop.DBus.Error.AccessDenied").errc, Errc::NotAuthorized);
    EXPECT_EQ(error_kind_by_dbus_name("org.freedesktop.DBus.Error.InteractiveAuthorizationRequired").errc,
              Errc::NotAuthorized);
    EXPECT_EQ(error_kind_by_dbus_name("org.example.Nope").errc, Errc::Internal);
    EXPECT_EQ(error_kind_by_code("no_such_code").errc, Errc::Internal);
}

// Rows of the first table in docs/ERRORS.md: | `code` | `dbus` | http | exit | meaning |
std::vector<std::vector<std::string>> documented_rows() {
    std::ifstream in(MINIONS_SOURCE_DIR "/docs/ERRORS.md");
    EXPECT_TRUE(in) << "docs/ERRORS.md missing";
    std::vector<std::vector<std::string>> rows;
    std::string line;
    bool in_table = false;
    while (std::getline(in, line)) {
        if (line.rfind("| code |", 0) == 0) {
            in_table = true;
            continue;
        }
        if (!in_table) continue;
        if (line.rfind("| ---", 0) == 0) continue;
        if (line.rfind("|", 0) != 0) break;
        std::vector<std::string> cells;
        std::stringstream cells_in(line.substr(1));
        std::string cell;
        while (std::getline(cells_in, cell, '|')) {
            auto first = cell.find_first_not_of(" `");
            auto last = cell.find_last_not_of(" `");
            cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
        }
        rows.push_back(cells);
    }
    return rows;
}

TEST(ErrorTable, DocsErrorsMdPrintsThisTableInOrder) {
    auto rows = documented_rows();
    auto kinds = all_kinds();
    ASSERT_EQ(rows.size(), kinds.size());
    for (size_t i = 0; i < kinds.size(); ++i) {
        ASSERT_GE(rows[i].size(), 4u);
        EXPECT_EQ(rows[i][0], kinds[i].code);
        EXPECT_EQ(rows[i][1], kinds[i].dbus_name);
        EXPECT_EQ(rows[i][2], std::to_string(kinds[i].http_status)) << kinds[i].code;
        EXPECT_EQ(rows[i][3], std::to_string(kinds[i].exit_code)) << kinds[i].code;
    }
}

}  // namespace
}  // namespace minions
