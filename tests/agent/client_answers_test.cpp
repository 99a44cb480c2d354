// The agent client's reading of hostile answers (agent/answer.hpp), as its
// fuzz target (fuzz/agent_client.cpp) found them mishandled: a guest's
// mistyped field is Error{AgentFailed}, never a type_error or undefined
// behaviour in the daemon.
#include <gtest/gtest.h>

#include "agent/answer.hpp"
#include "core/error.hpp"

using namespace minions;
using namespace minions::agent::detail;
using nlohmann::json;

namespace {

json exec_answer(json exit_code) {
    return {{"id", 7},          {"ok", true},         {"exit_code", std::move(exit_code)},
            {"stdout", "out"},  {"stderr", ""},       {"timed_out", false},
            {"truncated", false}};
}

template <typename F>
Errc code_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    return Errc::Internal;  // nothing thrown
}

}  // namespace

TEST(ClientAnswers, AnOkThatIsNotABooleanIsAFailureNotATypeError) {
    EXPECT_EQ(code_of([] { checked_answer({{"id", 7}, {"ok", 1}}); }), Errc::AgentFailed);
    EXPECT_EQ(code_of([] { checked_answer({{"id", 7}, {"ok", "yes"}, {"error", "no"}}); }), Errc::AgentFailed);
}

TEST(ClientAnswers, AnOkAnswerIsReturnedAsIs) {
    json answer = {{"id", 7}, {"ok", true}, {"uptime_s", 3}};
    EXPECT_EQ(checked_answer(answer), answer);
}

TEST(ClientAnswers, AnExitCodeThatIsNoIntIsRefused) {
    for (json code : {json(1e300), json(-1e300), json(4294967296u), json(-2147483649LL), json(1.5), json("0")})
        EXPECT_EQ(code_of([&] { exec_result(exec_answer(code)); }), Errc::AgentFailed) << code.dump();
}

TEST(ClientAnswers, AnExitCodeInIntRangeIsRead) {
    EXPECT_EQ(exec_result(exec_answer(137)).exit_code, 137);
    EXPECT_EQ(exec_result(exec_answer(-1)).exit_code, -1);
    EXPECT_EQ(exec_result(exec_answer(2147483647)).exit_code, 2147483647);
}
