// Start-up: the saved network and hostname (saved_config.hpp) applied again.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "saved_config.hpp"

namespace minions::agent {

namespace {

// Contents of a saved file, or "" when there is none.
std::string read_saved(const Context& ctx, const char* path) {
    std::ifstream in(ctx.root() / std::string(path).substr(1));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void restore_network(Context& ctx) {
    const std::string text = read_saved(ctx, kSavedNetwork);
    if (text.empty()) return;
    const auto saved = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!saved.is_object()) {
        std::fprintf(stderr, "minions-agent: %s is not a JSON object; ignoring it\n", kSavedNetwork);
        return;
    }
    const std::string interface = saved.value("interface", "eth0");
    const std::string mac = saved.value("mac", "");
    // A copied disk boots behind another MAC: its address belongs to the
    // original VM, so wait for the host to configure this one.
    if (!mac.empty() && interface_mac(interface) != mac) {
        std::fprintf(stderr, "minions-agent: %s was saved for MAC %s, %s has %s; not applying it\n", kSavedNetwork,
                     mac.c_str(), interface.c_str(), interface_mac(interface).c_str());
        return;
    }
    apply_network(saved, ctx);
    std::fprintf(stderr, "minions-agent: network restored from %s\n", kSavedNetwork);
}

void restore_hostname(Context& ctx) {
    std::string name = read_saved(ctx, kSavedHostname);
    while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
    if (!name.empty()) apply_hostname(name, ctx);
}

}  // namespace

void restore_saved_config(Context& ctx) {
    for (auto restore : {restore_network, restore_hostname}) {
        try {
            restore(ctx);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "minions-agent: restoring the saved configuration: %s\n", e.what());
        }
    }
}

}  // namespace minions::agent
