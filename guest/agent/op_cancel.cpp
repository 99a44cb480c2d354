// cancel: the host gave up on request `target` (it timed out, or its caller
// went away). Whatever that request started stops: a running exec is killed
// with its process group, a freeze it made is thawed, and if it has not
// arrived yet it will be refused when it does.
#include "calls.hpp"
#include "fields.hpp"
#include "freezer.hpp"
#include "ops.hpp"

namespace minions::agent {

nlohmann::json op_cancel(const nlohmann::json& req, Context& ctx) {
    const uint64_t target = required_uint(req, "target");
    // The mark comes first: a freeze still under way looks at it once frozen.
    const bool running = ctx.calls->cancel(target);
    const bool thawed = ctx.freezer->cancel(target);
    return {{"target", target}, {"running", running}, {"thawed", thawed}};
}

}  // namespace minions::agent
