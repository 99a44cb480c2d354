#include "ssh_key.hpp"

#include <fstream>
#include <string_view>

#include "core/error.hpp"
#include "home_dir.hpp"

namespace minions::cli {
namespace {

std::optional<std::string> first_line(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    return line;
}

}  // namespace

std::string read_ssh_public_key(const std::optional<std::string>& file) {
    if (file) {
        auto key = first_line(*file);
        if (!key || key->empty()) throw Error(Errc::InvalidArgument, "cannot read an SSH public key from " + *file);
        return *key;
    }
    auto home = home_dir();
    if (!home) return "";
    for (std::string_view name : {"id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"})
        if (auto key = first_line(*home + "/.ssh/" + std::string(name)); key && !key->empty()) return *key;
    return "";
}

}  // namespace minions::cli
