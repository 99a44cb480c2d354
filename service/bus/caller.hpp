#pragma once
// Who called a method. Copied out of the message inside the handler: the
// message is only valid there, the work happens on a worker thread.
#include <string>

#include <sdbus-c++/sdbus-c++.h>

namespace minions::bus {

struct Caller {
    std::string bus_name;  // unique name, the polkit subject
};

inline Caller current_caller(sdbus::IObject& object) {
    const sdbus::Message* message = object.getCurrentlyProcessedMessage();
    return Caller{message ? message->getSender() : std::string()};
}

}  // namespace minions::bus
