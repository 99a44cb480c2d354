#include "progress.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "core/error.hpp"

namespace minions::cli {
namespace {

using namespace std::chrono_literals;
constexpr auto kPollInterval = 100ms;

std::string phase_of(Api& api, const std::string& vm) {
    if (vm.empty()) return "";
    try {
        return api.get(vm).value("status", "");
    } catch (const Error& e) {
        // A VM being created may not be registered yet.
        return e.code() == Errc::NotFound ? "preparing" : "";
    } catch (...) {
        return "";
    }
}

// A status only an operation in progress gives a VM.
bool in_transition(const std::string& phase) {
    return phase == "creating" || phase == "starting" || phase == "restarting" || phase == "stopping";
}

}  // namespace

bool progress_wanted(bool json) { return !json && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO); }

ProgressDisplay::ProgressDisplay(std::unique_ptr<Api> api, std::string label, std::string vm)
    : api_(std::move(api)), label_(std::move(label)), vm_(std::move(vm)), thread_([this] { run(); }) {}

ProgressDisplay::~ProgressDisplay() {
    done_ = true;
    thread_.join();
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
}

void ProgressDisplay::run() {
    auto started = std::chrono::steady_clock::now();
    auto pause = [this] {
        for (auto waited = 0ms; waited < kPollInterval && !done_; waited += 50ms) std::this_thread::sleep_for(50ms);
    };
    bool drawing = vm_.empty();
    while (!done_) {
        std::string phase = phase_of(*api_, vm_);
        // The service asks polkit before it changes anything, and polkit may be
        // asking for a password on this very terminal: draw nothing until the
        // operation is visibly under way, so the line never overwrites the prompt.
        drawing = drawing || in_transition(phase);
        if (!drawing) {
            pause();
            continue;
        }
        auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
        std::string line = "\r\033[K" + label_ + (phase.empty() ? "" : ": " + phase) + " (" +
                           std::to_string(elapsed.count()) + "s)";
        if (done_) break;
        std::fputs(line.c_str(), stderr);
        std::fflush(stderr);
        pause();
    }
}

}  // namespace minions::cli
