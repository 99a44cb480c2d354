#include "rest/rest_server_fixture.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "contract/contract.hpp"

namespace minions::test {
namespace {

size_t collect(char* data, size_t size, size_t count, void* target) {
    static_cast<std::string*>(target)->append(data, size * count);
    return size * count;
}

size_t collect_header(char* data, size_t size, size_t count, void* target) {
    std::string line(data, size * count);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
        (*static_cast<std::map<std::string, std::string>*>(target))[name] = value;
    }
    return size * count;
}

// "/api/vms?x=1" of "http://127.0.0.1:4242/api/vms?x=1".
std::string path_of(const std::string& url) {
    auto scheme = url.find("://");
    auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return slash == std::string::npos ? "/" : url.substr(slash);
}

std::filesystem::path fresh_dir(const char* prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    return pattern;
}

}  // namespace

BareBus::BareBus() : dir_(fresh_dir("minions-bare-bus-")) {
    address_ = "unix:path=" + (dir_ / "bus").string();
    daemon_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"dbus-daemon", "--session", "--nofork", "--nopidfile", "--address=" + address_});
    for (int i = 0; i < 100 && !std::filesystem::exists(dir_ / "bus"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!std::filesystem::exists(dir_ / "bus")) throw std::runtime_error("dbus-daemon did not start");
}

BareBus::~BareBus() {
    daemon_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

RestServer::RestServer(std::vector<std::string> args, std::map<std::string, std::string> env) {
    std::vector<std::string> argv{kRestBinary};
    if (std::find(args.begin(), args.end(), "--listen") == args.end()) {
        argv.push_back("--listen");
        argv.push_back("127.0.0.1:0");
    }
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<ChildProcess>(argv, env);
    auto line = process_->read_line();
    const std::string prefix = "listening on http://127.0.0.1:";
    if (!line || line->rfind(prefix, 0) != 0) {
        auto result = process_->wait();
        throw std::runtime_error("minions-rest did not start: " + line.value_or("") + result.err);
    }
    port_ = std::stoi(line->substr(prefix.size()));
}

std::string RestServer::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

HttpResponse http(const HttpRequest& request) {
    HttpResponse response;
    CURL* curl = curl_easy_init();
    curl_slist* headers = nullptr;
    for (const auto& header : request.headers) headers = curl_slist_append(headers, header.c_str());
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
    if (request.body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body->c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body->size()));
    }
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) throw std::runtime_error(std::string("HTTP request failed: ") + curl_easy_strerror(rc));
    // Every answer of the API, deliberately broken requests' too, is checked
    // against docs/openapi.yaml: status listed for the route, body its schema.
    auto path = path_of(request.url);
    if (path == "/api" || path.rfind("/api/", 0) == 0 || path.rfind("/api?", 0) == 0) {
        auto type = response.headers.find("content-type");
        contract::expect_response(request.method, path, response.status,
                                  type == response.headers.end() ? "" : type->second, response.body);
    }
    return response;
}

}  // namespace minions::test
