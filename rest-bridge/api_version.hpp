#pragma once
// The REST API's version, answered by GET /api and written as docs/openapi.yaml's
// info.version. Semantic versioning of the contract, not of the program: a
// change that is not additive (a field removed, renamed or retyped, a status
// code changed) bumps the major number.
namespace minions::rest {

inline constexpr const char* kApiVersion = "1.0.0";

}  // namespace minions::rest
