#pragma once
// The one place output is formatted. Every command's result is the API's JSON
// object; --json prints exactly that, otherwise a short human form. Failures
// go to stdout as {"error"} with --json, else to stderr with a hint.
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "invocation.hpp"

namespace minions::cli {

void print_result(const Invocation& invocation, const nlohmann::json& result, std::ostream& out,
                  std::ostream& err);

void print_failure(const Invocation& invocation, const Error& error, bool remote, std::ostream& out,
                   std::ostream& err);

// 0, or for exec the guest command's own exit code.
int exit_code_of(const Invocation& invocation, const nlohmann::json& result);
// The exit code for a failure of minions itself (the error table's, or 125 for exec).
int failure_exit_code(const Invocation& invocation, const Error& error);

// The VM list as an aligned table (NAME STATUS IP CPUS MEMORY PID).
void print_vm_table(const nlohmann::json& vms, std::ostream& out);

}  // namespace minions::cli
