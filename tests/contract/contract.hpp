#pragma once
// The contract, checked from C++ tests: docs/openapi.yaml as a real JSON
// Schema validator (Ajv, 2020-12) sees it. One node co-process per test
// process (tests/contract/validate.mjs), started on the first check and fed
// one line per check over a socket; thread-safe.
//
// expect_* report a mismatch as a gtest failure (ADD_FAILURE) naming the
// route, status, body and Ajv's errors, and return whether it matched;
// *_problems return the mismatches instead (empty: it matched), for tests of
// the checker itself. A checker that cannot run (node or tests/contract's
// node_modules missing) is a mismatch too, saying what to install.
#include <string>
#include <vector>

namespace minions::test::contract {

// An HTTP response to `method` `path` (query string allowed): the status
// must be one the document lists for that route, and the body what that
// response documents (Content-Type and schema).
std::vector<std::string> response_problems(const std::string& method, const std::string& path, long status,
                                           const std::string& content_type, const std::string& body);
bool expect_response(const std::string& method, const std::string& path, long status,
                     const std::string& content_type, const std::string& body);

// A JSON text against components/schemas/<schema> (the CLI's --json output).
std::vector<std::string> schema_problems(const std::string& schema, const std::string& json_text);
bool expect_schema(const std::string& schema, const std::string& json_text);

// The document's info.version, and its routes as "GET /api/vms/{name}".
// Empty when the checker cannot run (and a failure is reported).
std::string document_version();
std::vector<std::string> documented_routes();

}  // namespace minions::test::contract
