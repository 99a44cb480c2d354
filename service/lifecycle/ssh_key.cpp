#include "ssh_key.hpp"

#include <array>
#include <string_view>

#include "core/error.hpp"

namespace minions::lifecycle {
namespace {

constexpr std::array<std::string_view, 7> kKeyTypes{
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"};

bool is_base64(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                  c == '/' || c == '=';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

std::string validate_ssh_key(const std::string& key) {
    std::string_view text = key;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (text.size() > 16384) throw Error(Errc::InvalidArgument, "SSH public key is too long");
    for (unsigned char c : text)
        if (c < 0x20 || c == 0x7f)
            throw Error(Errc::InvalidArgument, "SSH public key must be one line without control characters");
    auto space = text.find(' ');
    if (space == std::string_view::npos)
        throw Error(Errc::InvalidArgument, "SSH public key must look like '<type> <base64> [comment]'");
    std::string_view type = text.substr(0, space);
    bool known = false;
    for (auto t : kKeyTypes) known = known || t == type;
    if (!known) throw Error(Errc::InvalidArgument, "Unknown SSH key type '" + std::string(type) + "'");
    std::string_view rest = text.substr(space + 1);
    std::string_view data = rest.substr(0, rest.find(' '));
    if (!is_base64(data) || data.size() < 16)
        throw Error(Errc::InvalidArgument, "SSH public key data is not valid base64");
    return std::string(text);
}

}  // namespace minions::lifecycle
