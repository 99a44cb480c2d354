#pragma once
// Fault injection, decided per API endpoint ("vm.reboot", "vmm.ping", ...):
//   MINIONS_CH_DOUBLE_FAIL=a,b   answer 500 with an error body
//   MINIONS_CH_DOUBLE_DIE=a,b    exit abruptly after reading the request, no answer
//   MINIONS_CH_DOUBLE_HANG=a,b   read the request and never answer
// The same can be switched on while the double runs, through a file beside
// the API socket, "<api-socket>.faults", one "fail|die|hang <endpoint>" per
// line; it is re-read on every request (delete it to clear).
#include <filesystem>
#include <string>

namespace ch_double {

enum class Fault { None, Fail, Die, Hang };

Fault fault_for(const std::string& endpoint, const std::filesystem::path& api_socket);

}  // namespace ch_double
