#include "route_table.hpp"

#include <algorithm>

namespace minions::rest {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> parts;
    while (!path.empty()) {
        auto slash = path.find('/');
        auto part = path.substr(0, slash);
        if (!part.empty()) parts.push_back(part);
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return parts;
}

}  // namespace

std::string_view verb_name(Verb verb) {
    switch (verb) {
        case Verb::Get: return "GET";
        case Verb::Post: return "POST";
        case Verb::Delete: return "DELETE";
    }
    return "GET";
}

bool path_matches(std::string_view pattern, std::string_view path) {
    auto want = segments(pattern);
    auto have = segments(path);
    if (want.size() != have.size()) return false;
    for (size_t i = 0; i < want.size(); ++i)
        if (want[i].front() != ':' && want[i] != have[i]) return false;
    return true;
}

std::vector<Verb> verbs_for_path(const std::vector<RouteSpec>& routes, std::string_view path) {
    std::vector<Verb> verbs;
    for (const auto& route : routes)
        if (path_matches(route.path, path) && std::find(verbs.begin(), verbs.end(), route.verb) == verbs.end())
            verbs.push_back(route.verb);
    return verbs;
}

}  // namespace minions::rest
