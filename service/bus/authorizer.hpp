#pragma once
// Authorization of mutating and private calls. The production implementation
// is polkit (polkit/authority.hpp): it asks about the caller's bus name with
// the VM's name, id and the verb as details, and fails closed.
#include <memory>
#include <string>
#include <string_view>

#include "caller.hpp"
#include "lifecycle/manager.hpp"
#include "polkit/authority.hpp"

namespace minions::bus {

class Authorizer {
public:
    virtual ~Authorizer() = default;
    // Throws Error{AccessDenied} saying what the caller may not do.
    virtual void authorize(const AuthRequest& request) = 0;

    // The lifecycle's callback for one call.
    lifecycle::Authorize for_call(const Caller& caller, std::string_view action_id, std::string verb,
                                  bool interactive);
};

std::unique_ptr<Authorizer> make_polkit_authorizer();

}  // namespace minions::bus
