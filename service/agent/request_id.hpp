#pragma once
// Request ids for the guest agent protocol: unique across every call this
// process makes and, with high probability, across its restarts. The guest's
// stream may carry answers to calls someone else gave up on (virtio-serial
// has one stream per VM, not one per host connection); the id is what tells
// a caller its own answer from theirs.
#include <cstdint>

namespace minions::agent {

// One process-wide counter, seeded at random. Stays below 2^53 so that every
// JSON reader keeps it exact.
uint64_t next_request_id();

}  // namespace minions::agent
