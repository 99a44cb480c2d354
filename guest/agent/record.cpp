#include "record.hpp"

#include <fstream>
#include <sstream>

#include "fields.hpp"

namespace minions::agent {

void record(const Context& ctx, const std::string& name, const std::string& content, bool append) {
    const auto dir = *ctx.sandbox / kRecordDir;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw RequestError("cannot create '" + dir.string() + "': " + ec.message());
    std::ofstream out(dir / name, append ? std::ios::app : std::ios::trunc);
    out << content;
    if (!out.flush()) throw RequestError("cannot record into '" + (dir / name).string() + "'");
}

std::string recorded(const Context& ctx, const std::string& name) {
    std::ifstream in(*ctx.sandbox / kRecordDir / name);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace minions::agent
