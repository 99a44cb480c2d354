#include "mounts.hpp"

#include <fstream>
#include <set>
#include <sstream>

namespace minions::agent {

namespace {

bool is_octal(char c) { return c >= '0' && c <= '7'; }

// mountinfo escapes spaces and friends as \ooo.
std::string unescape(const std::string& field) {
    std::string out;
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size() &&
            is_octal(field[i + 1]) && is_octal(field[i + 2]) && is_octal(field[i + 3])) {
            out.push_back(static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0')));
            i += 3;
        } else {
            out.push_back(field[i]);
        }
    }
    return out;
}

bool has_option(const std::string& options, const std::string& option) {
    std::stringstream list(options);
    std::string item;
    while (std::getline(list, item, ',')) {
        if (item == option) return true;
    }
    return false;
}

}  // namespace

std::vector<std::string> freezable_mounts() {
    // Line: id parent major:minor root mountpoint options [optional...] - fstype source superopts
    std::ifstream in("/proc/self/mountinfo");
    std::vector<std::string> mounts{"/"};
    std::set<std::string> devices;  // a filesystem mounted twice is frozen once (else EBUSY)
    std::vector<std::pair<std::string, std::string>> others;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, dev, root, point, options, word;
        fields >> id >> parent >> dev >> root >> point >> options;
        while (fields >> word && word != "-") {
        }
        std::string fstype, source, super;
        fields >> fstype >> source >> super;
        point = unescape(point);
        if (point == "/") {
            devices.insert(dev);
            continue;
        }
        if (source.rfind("/dev/", 0) != 0) continue;
        if (has_option(options, "ro") || has_option(super, "ro")) continue;
        others.emplace_back(dev, point);
    }
    for (const auto& [dev, point] : others) {
        if (devices.insert(dev).second) mounts.push_back(point);
    }
    return mounts;
}

}  // namespace minions::agent
