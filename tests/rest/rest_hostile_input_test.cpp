// What the bridge does with requests its fuzz target (fuzz/rest_request.cpp)
// found mishandled: each test feeds the bytes through read_request() and
// admit() as a connection's reader does.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include <pistache/http.h>

#include "admission.hpp"
#include "core/error.hpp"
#include "http_connection.hpp"
#include "json_body.hpp"
#include "route_table.hpp"

using namespace minions;
using namespace minions::rest;
using namespace std::string_literals;

namespace {

struct Reader {
    ConnectionRules rules;
    Connection connection{std::make_shared<std::atomic<size_t>>(0)};
    Pistache::Http::RequestParser parser{rules.max_request_bytes};

    Arrival feed(const std::string& bytes) {
        connection.bytes_arrived();
        return read_request(connection, parser, bytes.data(), bytes.size(), rules);
    }
    Arrival read_one(char c) { return feed(std::string(1, c)); }
};

}  // namespace

TEST(RestHostileInput, AContentLengthOverTheLimitIsRefusedBeforePistacheReservesTheBody) {
    Reader reader;
    auto arrival = reader.feed("POST /api/vms HTTP/1.1\r\nContent-Length: 4000000000\r\n\r\n");
    ASSERT_EQ(arrival.outcome, Arrival::Outcome::Refused);
    EXPECT_EQ(arrival.refusal->code(), Errc::PayloadTooLarge);
    // Pistache's body step reserves the announced length: it never ran.
    EXPECT_LT(reader.parser.request.body().capacity(), kMaxBodyBytes);
}

TEST(RestHostileInput, APetabyteContentLengthIsPayloadTooLarge) {
    Reader reader;
    auto arrival = reader.feed("POST /api/vms HTTP/1.1\r\nContent-Length: 999999999999999\r\n\r\n");
    ASSERT_EQ(arrival.outcome, Arrival::Outcome::Refused);
    EXPECT_EQ(arrival.refusal->code(), Errc::PayloadTooLarge);
}

TEST(RestHostileInput, AContentLengthWithTextAfterItsDigitsIsRefusedFromTheHead) {
    Reader reader;
    auto arrival = reader.feed("POST /api/vms HTTP/1.1\r\ncontent-length: 99999999999 x\r\n\r\n");
    ASSERT_EQ(arrival.outcome, Arrival::Outcome::Refused);
    EXPECT_EQ(arrival.refusal->code(), Errc::InvalidArgument);
    EXPECT_LT(reader.parser.request.body().capacity(), kMaxBodyBytes);
}

TEST(RestHostileInput, ARawNulInAPathSegmentIsRefused) {
    EXPECT_THROW(
        try { decode_path_segment("web\0x"s); } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::InvalidArgument);
            throw;
        },
        Error);
}

TEST(RestHostileInput, ANameWithARawNulNeverReachesTheManager) {
    // minionsd would get "web": D-Bus strings end at a NUL. The head check
    // refuses the line; decode_path_segment would refuse the name after it.
    Reader reader;
    auto arrival = reader.feed("DELETE /api/vms/web\0junk HTTP/1.1\r\nHost: x\r\n\r\n"s);
    ASSERT_EQ(arrival.outcome, Arrival::Outcome::Refused);
    EXPECT_EQ(arrival.refusal->code(), Errc::InvalidArgument);
}

TEST(RestHostileInput, AWellFormedRequestIsStillAdmitted) {
    Reader reader;
    auto arrival = reader.feed(
        "POST /api/vms/web/rename HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 19\r\n\r\n"
        "{\"new_name\":\"www\"}\n");
    ASSERT_EQ(arrival.outcome, Arrival::Outcome::Complete);
    Pistache::Http::Header::Collection headers;
    auto admitted = admit(reader.parser.request, std::nullopt, headers);
    EXPECT_EQ(admitted.route.spec.path, "/api/vms/:name/rename");
    EXPECT_EQ(admitted.call.name, "web");
    EXPECT_EQ(admitted.call.body["new_name"], "www");
}

TEST(RestHostileInput, AHeaderNameRunningAcrossABlankLineCannotSmuggleATransferEncoding) {
    // Pistache reads a header name up to the next ':', across line ends: it
    // took "X\r\n\r\nY" for one name and went on to the Transfer-Encoding,
    // whose chunked decoder then spun on the small chunks (a timeout).
    Reader reader;
    std::string request = "POST /api/vms HTTP/1.1\r\nX\r\n\r\nY: z\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 1000; ++i) request += "1\r\na\r\n";
    auto arrival = reader.feed(request);
    ASSERT_EQ(arrival.outcome, Arrival::Outcome::Refused);
    EXPECT_EQ(arrival.refusal->code(), Errc::InvalidArgument);
}

TEST(RestHostileInput, AHeadWithBareLineFeedsIsRefused) {
    Reader reader;
    auto arrival = reader.feed("GET /api HTTP/1.1\nHost: x\n\nTransfer-Encoding: chunked\r\n\r\n");
    ASSERT_EQ(arrival.outcome, Arrival::Outcome::Refused);
    EXPECT_EQ(arrival.refusal->code(), Errc::InvalidArgument);
}

TEST(RestHostileInput, ATransferEncodingIsRefusedWhateverItsCase) {
    Reader reader;
    auto arrival = reader.feed("POST /api/vms HTTP/1.1\r\ntRaNsFeR-eNcOdInG: chunked\r\n\r\n");
    ASSERT_EQ(arrival.outcome, Arrival::Outcome::Refused);
    EXPECT_EQ(arrival.refusal->code(), Errc::LengthRequired);
}

TEST(RestHostileInput, AHeadArrivingOneByteAtATimeIsCheckedTheSame) {
    Reader reader;
    const std::string request = "POST /api/vms HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n";
    Arrival arrival;
    for (char c : request) {
        arrival = reader.read_one(c);
        if (arrival.outcome != Arrival::Outcome::Pending) break;
    }
    ASSERT_EQ(arrival.outcome, Arrival::Outcome::Refused);
    EXPECT_EQ(arrival.refusal->code(), Errc::PayloadTooLarge);
}
