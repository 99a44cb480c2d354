#include "authorizer.hpp"

namespace minions::bus {
namespace {

class PolkitAuthorizer final : public Authorizer {
public:
    void authorize(const AuthRequest& request) override { authority_.authorize(request); }

private:
    Authority authority_;
};

}  // namespace

lifecycle::Authorize Authorizer::for_call(const Caller& caller, std::string_view action_id, std::string verb,
                                          bool interactive) {
    AuthRequest base;
    base.bus_name = caller.bus_name;
    base.action_id = std::string(action_id);
    base.verb = std::move(verb);
    base.interactive = interactive;
    return [this, base](const std::string& name, const std::string& id) {
        AuthRequest request = base;
        request.vm_name = name;
        request.vm_id = id;
        authorize(request);
    };
}

std::unique_ptr<Authorizer> make_polkit_authorizer() { return std::make_unique<PolkitAuthorizer>(); }

}  // namespace minions::bus
