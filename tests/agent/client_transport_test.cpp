// The client's transports and failure modes: hybrid vsock through a Cloud
// Hypervisor stand-in, bad handshakes, silent peers, stale ids, no agent.
#include <gtest/gtest.h>

#include <set>

#include "agent/agent_fixture.hpp"
#include "agent/fake_hypervisor.hpp"
#include "core/error.hpp"

namespace minions::agent::testing {
namespace {

using namespace std::chrono_literals;
using Mode = FakeHypervisor::Mode;

Endpoint hybrid(const std::filesystem::path& socket) { return {Endpoint::Transport::HybridVsock, socket, 1024}; }

// Runs `call`, expects Error with `code` whose message contains `needle`.
template <typename F>
void expect_error(F call, Errc code, const std::string& needle) {
    try {
        call();
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), code) << e.what();
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

TEST_F(AgentTest, HybridVsockHandshakeThenEveryCallWorks) {
    FakeHypervisor ch(scratch() / "ch.vsock", Mode::Faithful, socket());
    Client c(hybrid(ch.socket()), 20s);
    c.wait_ready(5s);
    EXPECT_EQ(c.health()["ok"], true);
    EXPECT_EQ(c.exec("echo", {"through vsock"}).stdout_text, "through vsock\n");
    c.write_file("/hello", "hi");
    EXPECT_EQ(read_file(sandbox() / "hello"), "hi");
    EXPECT_EQ(ch.handshakes().substr(0, 13), "CONNECT 1024\n");
}

TEST_F(AgentTest, HybridVsockWrongPortIsAgentFailed) {
    FakeHypervisor ch(scratch() / "ch.vsock", Mode::Faithful, socket());
    Endpoint e = hybrid(ch.socket());
    e.port = 1025;
    expect_error([&] { Client(e, 2s).health(); }, Errc::AgentFailed, "closed");
}

TEST(ClientTransport, HybridVsockGarbageAnswerIsAgentFailed) {
    TempDir tmp;
    FakeHypervisor ch(tmp.path() / "ch.vsock", Mode::Garbage);
    expect_error([&] { Client(hybrid(ch.socket()), 2s).health(); }, Errc::AgentFailed, "got 'HELLO THERE\\n'");
}

TEST(ClientTransport, HybridVsockClosedConnectionIsAgentFailed) {
    TempDir tmp;
    FakeHypervisor ch(tmp.path() / "ch.vsock", Mode::Close);
    expect_error([&] { Client(hybrid(ch.socket()), 2s).health(); }, Errc::AgentFailed, "closed");
}

TEST(ClientTransport, SilentHandshakeTimesOut) {
    TempDir tmp;
    FakeHypervisor ch(tmp.path() / "ch.vsock", Mode::Silent);
    const auto start = std::chrono::steady_clock::now();
    expect_error([&] { Client(hybrid(ch.socket()), 300ms).health(); }, Errc::Timeout, "health");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(ClientTransport, CallTimesOutWhenTheServerNeverAnswers) {
    TempDir tmp;
    FakeHypervisor silent(tmp.path() / "agent.sock", Mode::Silent);
    Client c({Endpoint::Transport::Unix, silent.socket(), 1024}, 300ms);
    const auto start = std::chrono::steady_clock::now();
    expect_error([&] { c.status(); }, Errc::Timeout, "did not answer 'status' within 300 ms");
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 2s);
}

TEST(ClientTransport, StaleIdsAreIgnored) {
    TempDir tmp;
    FakeHypervisor agent(tmp.path() / "agent.sock", Mode::StaleThenEcho);
    Client c({Endpoint::Transport::Unix, agent.socket(), 1024}, 2s);
    EXPECT_EQ(c.call({{"op", "health"}})["answer"], "fresh");
}

// Ids never repeat across clients: a late answer to one call cannot pass for
// another's, even when both started with a fresh Client.
TEST(ClientTransport, EveryRequestHasItsOwnId) {
    TempDir tmp;
    FakeHypervisor agent(tmp.path() / "agent.sock", Mode::StaleThenEcho);
    for (int i = 0; i < 3; ++i) Client({Endpoint::Transport::Unix, agent.socket(), 1024}, 2s).health();
    const auto requests = agent.requests();
    ASSERT_EQ(requests.size(), 3u);
    std::set<uint64_t> ids;
    for (const auto& r : requests) ids.insert(r["id"].get<uint64_t>());
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_EQ(ids.count(1), 0u) << "ids must not restart at 1 with every client (nor with every daemon)";
}

TEST(ClientTransport, WaitReadyStopsAsSoonAsTheVmmIsGone) {
    TempDir tmp;
    Client c({Endpoint::Transport::Unix, tmp.path() / "nobody.sock", 1024}, 1s);
    int asked = 0;
    const auto start = std::chrono::steady_clock::now();
    expect_error([&] { c.wait_ready(10s, [&] { return ++asked < 3; }); }, Errc::HypervisorFailed, "VMM is gone");
    EXPECT_EQ(asked, 3);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(ClientTransport, MissingSocketIsAgentFailed) {
    TempDir tmp;
    expect_error([&] { Client({Endpoint::Transport::Unix, tmp.path() / "nobody.sock", 1024}, 1s).health(); },
                 Errc::AgentFailed, "nobody.sock");
}

TEST(ClientTransport, WaitReadyTimesOutWithoutAnAgent) {
    TempDir tmp;
    Client c({Endpoint::Transport::Unix, tmp.path() / "nobody.sock", 1024}, 1s);
    const auto start = std::chrono::steady_clock::now();
    expect_error([&] { c.wait_ready(400ms); }, Errc::Timeout, "not ready after 400 ms");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(ClientTransport, RequestWithoutOpIsInvalidArgument) {
    TempDir tmp;
    expect_error([&] { Client({Endpoint::Transport::Unix, tmp.path() / "x.sock", 1024}).call({{"id", 1}}); },
                 Errc::InvalidArgument, "op");
}

}  // namespace
}  // namespace minions::agent::testing
