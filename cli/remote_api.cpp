#include "remote_api.hpp"

#include <curl/curl.h>

#include <chrono>
#include <memory>

#include "core/error.hpp"

namespace minions::cli {
namespace {

using nlohmann::json;

struct CurlDeleter {
    void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

size_t append_body(char* data, size_t size, size_t count, void* target) {
    static_cast<std::string*>(target)->append(data, size * count);
    return size * count;
}

// Without the X-Minions-Error header (an older or foreign server) the status
// alone picks the kind; 400 is ambiguous, so it is the generic one.
Errc errc_for_status(long status) {
    switch (status) {
        case 401: return Errc::Unauthenticated;
        case 403: return Errc::NotAuthorized;
        case 404: return Errc::NotFound;
        case 409: return Errc::Busy;
        case 503: return Errc::Unavailable;
        case 504: return Errc::Timeout;
        default: return status >= 400 && status < 500 ? Errc::InvalidArgument : Errc::Internal;
    }
}

// The body's stable code decides; then the X-Minions-Error header (servers
// older than the code field); then the status alone.
Error http_failure(CURL* curl, long status, const std::string& body) {
    std::string message = "the server answered HTTP " + std::to_string(status);
    auto parsed = json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_string())
        message = parsed["error"].get<std::string>();
    if (parsed.is_object() && parsed.contains("code") && parsed["code"].is_string())
        return Error(error_kind_by_code(parsed["code"].get<std::string>()).errc, message);
    curl_header* header = nullptr;
    if (curl_easy_header(curl, "X-Minions-Error", 0, CURLH_HEADER, -1, &header) == CURLHE_OK)
        return Error(error_kind_by_dbus_name(header->value).errc, message);
    return Error(errc_for_status(status), message);
}

}  // namespace

RemoteApi::RemoteApi(std::string base_url, std::optional<std::string> token)
    : base_url_(std::move(base_url)), token_(std::move(token)) {
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

std::string RemoteApi::vm_path(const std::string& name, const char* suffix) {
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    char* escaped = curl_easy_escape(curl.get(), name.c_str(), static_cast<int>(name.size()));
    std::string path = "/api/vms/" + std::string(escaped ? escaped : "") + suffix;
    curl_free(escaped);
    return path;
}

json RemoteApi::call(const char* method, const std::string& path, const std::optional<json>& body) {
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) throw Error(Errc::Internal, "cannot initialise libcurl");
    std::string url = base_url_ + path;
    std::string response;
    std::string payload = body ? body->dump() : std::string();

    curl_slist* raw_headers = curl_slist_append(nullptr, "Accept: application/json");
    if (body) raw_headers = curl_slist_append(raw_headers, "Content-Type: application/json");
    if (token_) raw_headers = curl_slist_append(raw_headers, ("Authorization: Bearer " + *token_).c_str());
    std::unique_ptr<curl_slist, CurlDeleter> headers(raw_headers);

    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    // Creates and copies wait for a boot; allow what the service allows, plus slack.
    auto limit = std::chrono::duration_cast<std::chrono::seconds>(client::kDefaultCallTimeout).count() + 30;
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(limit));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.c_str());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
    }

    if (CURLcode rc = curl_easy_perform(c); rc != CURLE_OK) {
        // No answer at all: the server is unavailable (a script may retry),
        // or it took longer than this client waits.
        Errc errc = rc == CURLE_OPERATION_TIMEDOUT ? Errc::Timeout : Errc::Unavailable;
        throw Error(errc, std::string(kCannotReach) + base_url_ + ": " + curl_easy_strerror(rc));
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 400) throw http_failure(c, status, response);
    auto parsed = json::parse(response, nullptr, false);
    if (parsed.is_discarded()) throw Error(Errc::Internal, "the server at " + base_url_ + " sent invalid JSON");
    return parsed;
}

json RemoteApi::create(const client::CreateRequest& request) {
    json body{{"name", request.name}};
    if (request.cpus) body["cpus"] = request.cpus;
    if (request.memory_mb) body["memory_mb"] = request.memory_mb;
    if (!request.ssh_key.empty()) body["ssh_key"] = request.ssh_key;
    return call("POST", "/api/vms", body);
}

json RemoteApi::list() { return call("GET", "/api/vms"); }

json RemoteApi::get(const std::string& name) { return call("GET", vm_path(name)); }

json RemoteApi::start(const std::string& name) { return call("POST", vm_path(name, "/start")); }

json RemoteApi::stop(const std::string& name, const client::StopRequest& request) {
    json body{{"force", request.force}};
    if (request.timeout_s) body["timeout_s"] = *request.timeout_s;
    return call("POST", vm_path(name, "/stop"), body);
}

json RemoteApi::restart(const std::string& name) { return call("POST", vm_path(name, "/restart")); }

json RemoteApi::rename(const std::string& name, const std::string& new_name) {
    return call("POST", vm_path(name, "/rename"), json{{"new_name", new_name}});
}

json RemoteApi::copy(const std::string& name, const std::string& new_name, const std::string& ssh_key) {
    json body = json::object();
    if (!new_name.empty()) body["new_name"] = new_name;
    if (!ssh_key.empty()) body["ssh_key"] = ssh_key;
    return call("POST", vm_path(name, "/copy"), body);
}

json RemoteApi::destroy(const std::string& name) { return call("DELETE", vm_path(name)); }

json RemoteApi::exec(const std::string& name, const client::ExecRequest& request) {
    return call("POST", vm_path(name, "/exec"),
                json{{"command", request.command}, {"args", request.args}, {"timeout_s", request.timeout_s}});
}

json RemoteApi::agent_status(const std::string& name) { return call("GET", vm_path(name, "/status")); }

json RemoteApi::logs(const std::string& name, uint32_t max_bytes) {
    std::string query = max_bytes ? "?max_bytes=" + std::to_string(max_bytes) : "";
    return call("GET", vm_path(name, "/logs") + query);
}

json RemoteApi::server_version() {
    json body = call("GET", "/api");
    if (!body.is_object() || !body.contains("version"))
        throw Error(Errc::Internal, "the server at " + base_url_ + " did not answer GET /api with a version");
    return body;
}

}  // namespace minions::cli
