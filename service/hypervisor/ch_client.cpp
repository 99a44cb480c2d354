#include "hypervisor/ch_client.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "protocol/protocol.hpp"

namespace minions::hv {
namespace {

[[noreturn]] void fail(const std::string& what) { throw Error{Errc::HypervisorFailed, what}; }

// curl_global_init is not thread-safe; the daemon calls from worker threads.
void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Cloud Hypervisor's answers are a few KiB; a VMM that sends more is not
// trusted with the daemon's memory (returning short makes curl fail).
constexpr std::size_t kMaxResponseBytes = 1 << 20;

size_t append_body(char* data, size_t size, size_t count, void* user) {
    auto* body = static_cast<std::string*>(user);
    if (body->size() + size * count > kMaxResponseBytes) return 0;
    body->append(data, size * count);
    return size * count;
}

struct CurlDeleter {
    void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

std::string describe(const std::string& method, const std::string& endpoint) {
    return method + " " + endpoint;
}

// Error bodies can be long (a Rust error chain); keep messages readable.
std::string shorten(const std::string& body) {
    constexpr std::size_t kMax = 512;
    if (body.size() <= kMax) return body;
    return body.substr(0, kMax) + "...";
}

}  // namespace

ChClient::ChClient(std::filesystem::path api_socket, std::chrono::milliseconds timeout)
    : socket_(std::move(api_socket)), timeout_(timeout) {
    init_curl_once();
}

ChResponse ChClient::request(const std::string& method, const std::string& endpoint, const std::string& body) {
    return request(method, endpoint, body, timeout_);
}

ChResponse ChClient::request(const std::string& method, const std::string& endpoint, const std::string& body,
                             std::chrono::milliseconds timeout) {
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) fail("cannot initialise libcurl");
    std::string url = "http://localhost/api/v1/" + endpoint;
    ChResponse response;
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    auto add_header = [&](const char* header) {
        headers.reset(curl_slist_append(headers.release(), header));
    };
    add_header("Accept: application/json");
    // No "Expect: 100-continue" round trip: the API server does not send it.
    add_header("Expect:");

    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_.c_str());
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM-based timeouts
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
    if (method == "GET") {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        // A PUT with an in-memory body (possibly empty, sent as Content-Length: 0).
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
        add_header(body.empty() ? "Content-Type:" : "Content-Type: application/json");
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        fail("Cloud Hypervisor API (" + socket_.string() + ") did not answer " + describe(method, endpoint) +
             " within " + std::to_string(timeout.count()) + " ms");
    if (rc != CURLE_OK)
        fail("Cloud Hypervisor API (" + socket_.string() + ") failed on " + describe(method, endpoint) + ": " +
             curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
}

void ChClient::put(const std::string& endpoint, const nlohmann::json& body) {
    ch::check_status(request("PUT", endpoint, body.is_null() ? std::string() : body.dump()), "PUT " + endpoint);
}

nlohmann::json ChClient::get(const std::string& endpoint) {
    return ch::parse_body(request("GET", endpoint), "GET " + endpoint);
}

namespace ch {

void check_status(const ChResponse& response, const std::string& call) {
    if (response.status < 200 || response.status > 299)
        throw ChApiError(response.status, "Cloud Hypervisor refused " + call + " (HTTP " +
                                              std::to_string(response.status) + "): " + shorten(response.body));
}

nlohmann::json parse_body(const ChResponse& response, const std::string& call) {
    check_status(response, call);
    auto parsed = protocol::json_nesting_within(response.body, protocol::kMaxJsonNesting)
                      ? nlohmann::json::parse(response.body, nullptr, false)
                      : nlohmann::json(nlohmann::json::value_t::discarded);
    if (parsed.is_discarded())
        fail("Cloud Hypervisor answered " + call + " with something that is not JSON: " + shorten(response.body));
    return parsed;
}

std::string vm_state(const nlohmann::json& info) {
    // Any JSON may come back: only a string member "state" of an object is one.
    if (!info.is_object()) return "";
    auto state = info.find("state");
    return state != info.end() && state->is_string() ? state->get<std::string>() : "";
}

}  // namespace ch

}  // namespace minions::hv
