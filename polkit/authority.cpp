#include "authority.hpp"

#include <polkit/polkit.h>

#include <deque>
#include <future>
#include <mutex>
#include <iostream>
#include <memory>
#include <set>
#include <thread>

#include "core/error.hpp"

namespace minions {
namespace {

struct GObjectUnref {
    void operator()(gpointer object) const { g_object_unref(object); }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GErrorFree {
    void operator()(GError* error) const { g_error_free(error); }
};
using GErrorPtr = std::unique_ptr<GError, GErrorFree>;

// Same shape as the daemon's log lines: sd-daemon priority prefix on stderr.
void log_error(const std::string& message) {
    std::cerr << ("<3>minions-polkit: " + message + "\n") << std::flush;
}

void log_info(const std::string& message) { std::cerr << ("<6>minions-polkit: " + message + "\n") << std::flush; }

// Why a check ended without polkit's own answer.
enum class Ended { Answered, Failed, TimedOut, CallerGone, ShuttingDown };

struct Outcome {
    Authority::Result result = Authority::Result::Denied;
    Ended ended = Ended::Answered;
    std::string failure;  // why polkit could not answer (Ended::Failed)
};

// One check in flight. Owned by the polkit thread from submit() to complete().
struct Query {
    std::string bus_name;
    std::string action_id;
    std::map<std::string, std::string> details;
    bool interactive = false;
    std::chrono::milliseconds timeout{};
    std::function<void(const Outcome&)> finish;

    GPtr<GCancellable> cancellable{g_cancellable_new()};
    Ended cancel_reason = Ended::Failed;
    GSource* deadline = nullptr;
    guint name_watch = 0;
    int attempts = 0;
};

// The process's one polkit thread: a GLib main loop with a context of its own,
// on which every polkit call starts and every answer arrives. All members but
// context_ are touched on that thread only; other threads reach it by
// attaching sources to context_ (which is thread-safe and wakes the loop).
class PolkitThread {
public:
    static PolkitThread& instance() {
        // Never destroyed: workers may still ask while the process exits.
        static auto* thread = new PolkitThread;
        return *thread;
    }

    void submit(Query* query) {
        run_on_loop([this, query] { start(query); });
    }

    // Cancels what is pending, refuses what comes, and waits (bounded) until
    // every pending check has been answered.
    void shutdown() {
        auto drained = std::make_shared<std::promise<void>>();
        auto future = drained->get_future();
        run_on_loop([this, drained] {
            stopping_ = true;
            drained_ = drained;
            for (Query* query : std::set<Query*>(live_)) cancel(query, Ended::ShuttingDown);
            notify_if_drained();
        });
        future.wait_for(std::chrono::seconds(5));
    }

private:
    PolkitThread() : context_(g_main_context_new()), loop_(g_main_loop_new(context_, FALSE)) {
        std::thread([this] {
            // Async callbacks are delivered to the thread-default context of
            // the thread that started the call: this one.
            g_main_context_push_thread_default(context_);
            g_main_loop_run(loop_);
        }).detach();
    }

    // Tasks travel through a queue of our own under a std::mutex rather than
    // inside the GSource: GLib's locks are futexes ThreadSanitizer cannot see,
    // so only this mutex shows it that a Query written by a worker is handed
    // over before the polkit thread reads it.
    void run_on_loop(std::function<void()> task) {
        {
            std::lock_guard lock(tasks_mutex_);
            tasks_.push_back(std::move(task));
            if (tasks_.size() > 1) return;  // a drain is already scheduled
        }
        GSource* source = g_idle_source_new();
        g_source_set_callback(
            source,
            [](gpointer data) -> gboolean {
                static_cast<PolkitThread*>(data)->run_tasks();
                return G_SOURCE_REMOVE;
            },
            this, nullptr);
        g_source_attach(source, context_);
        g_source_unref(source);
    }

    void run_tasks() {
        std::deque<std::function<void()>> tasks;
        {
            std::lock_guard lock(tasks_mutex_);
            tasks.swap(tasks_);
        }
        for (auto& task : tasks) task();
    }

    void start(Query* query) {
        live_.insert(query);
        if (stopping_) return complete(query, {Authority::Result::Denied, Ended::ShuttingDown, {}});
        query->deadline = g_timeout_source_new(static_cast<guint>(query->timeout.count()));
        g_source_set_callback(
            query->deadline,
            [](gpointer data) -> gboolean {
                auto* q = static_cast<Query*>(data);
                g_source_unref(q->deadline);
                q->deadline = nullptr;
                instance().cancel(q, Ended::TimedOut);
                return G_SOURCE_REMOVE;
            },
            query, nullptr);
        g_source_attach(query->deadline, context_);
        if (query->interactive) watch_caller(query);
        ask(query);
    }

    // A prompt is for someone: when their connection closes, nobody is left to answer it.
    void watch_caller(Query* query) {
        std::string failure;
        GDBusConnection* bus = system_bus(failure);
        if (!bus) return;  // ask() fails the same way and says why
        query->name_watch = g_bus_watch_name_on_connection(
            bus, query->bus_name.c_str(), G_BUS_NAME_WATCHER_FLAGS_NONE, nullptr,
            [](GDBusConnection*, const gchar*, gpointer data) {
                instance().cancel(static_cast<Query*>(data), Ended::CallerGone);
            },
            query, nullptr);
    }

    GDBusConnection* system_bus(std::string& failure) {
        if (bus_ && g_dbus_connection_is_closed(bus_.get())) {
            // The bus went away; start over with whatever connection GLib gives next.
            authority_.reset();
            bus_.reset();
        }
        if (bus_) return bus_.get();
        GError* raw = nullptr;
        bus_.reset(g_bus_get_sync(G_BUS_TYPE_SYSTEM, nullptr, &raw));
        if (!bus_) {
            failure = "cannot connect to the system bus: " + take(raw);
            return nullptr;
        }
        // polkit uses GLib's shared system-bus connection, which by default
        // kills the whole process when the bus closes. Losing the bus must
        // mean "no" here, not an exit behind the daemon's back.
        g_dbus_connection_set_exit_on_close(bus_.get(), FALSE);
        return bus_.get();
    }

    void ask(Query* query) {
        std::string failure;
        if (!system_bus(failure)) return complete(query, {Authority::Result::Denied, Ended::Failed, failure});
        if (!authority_) {
            // Made here, on this thread, so that the proxy's signals (polkitd
            // restarting under a new unique name) arrive on this loop; the
            // asynchronous constructor would make it on a GLib worker thread
            // whose context nobody runs, and it would never see polkitd move.
            GError* raw = nullptr;
            authority_.reset(polkit_authority_get_sync(nullptr, &raw));
            if (!authority_)
                return complete(query, {Authority::Result::Denied, Ended::Failed, "cannot reach polkit: " + take(raw)});
        }
        check(query);
    }

    void check(Query* query) {
        ++query->attempts;
        GPtr<PolkitSubject> subject{polkit_system_bus_name_new(query->bus_name.c_str())};
        GPtr<PolkitDetails> details{polkit_details_new()};
        for (const auto& [key, value] : query->details) polkit_details_insert(details.get(), key.c_str(), value.c_str());
        auto flags = query->interactive ? POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION
                                        : POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;
        polkit_authority_check_authorization(
            authority_.get(), subject.get(), query->action_id.c_str(), details.get(), flags, query->cancellable.get(),
            [](GObject* source, GAsyncResult* result, gpointer data) {
                instance().checked(POLKIT_AUTHORITY(source), result, static_cast<Query*>(data));
            },
            query);
    }

    void checked(PolkitAuthority* authority, GAsyncResult* async_result, Query* query) {
        GError* raw = nullptr;
        GPtr<PolkitAuthorizationResult> result{polkit_authority_check_authorization_finish(authority, async_result, &raw)};
        if (result) {
            g_clear_error(&raw);
            auto answer = polkit_authorization_result_get_is_authorized(result.get()) ? Authority::Result::Allowed
                          : polkit_authorization_result_get_is_challenge(result.get()) ? Authority::Result::Challenge
                                                                                        : Authority::Result::Denied;
            return complete(query, {answer, Ended::Answered, {}});
        }
        if (g_cancellable_is_cancelled(query->cancellable.get())) {
            g_clear_error(&raw);
            return complete(query, {Authority::Result::Denied, query->cancel_reason, {}});
        }
        std::string failure =
            "polkit could not check " + query->action_id + " for " + query->bus_name + ": " + take(raw);
        // A failed call may only mean that polkitd restarted since the proxy last
        // looked; one retry with a fresh authority tells that from "polkit is gone".
        if (query->attempts < 2) {
            if (authority_.get() == authority) authority_.reset();
            return ask(query);
        }
        complete(query, {Authority::Result::Denied, Ended::Failed, failure});
    }

    void cancel(Query* query, Ended why) {
        if (!live_.contains(query)) return;
        query->cancel_reason = why;
        // polkit sends CancelCheckAuthorization, which closes the prompt; the
        // check then finishes with G_IO_ERROR_CANCELLED.
        g_cancellable_cancel(query->cancellable.get());
    }

    void complete(Query* query, const Outcome& outcome) {
        std::unique_ptr<Query> owned(query);
        live_.erase(query);
        if (query->deadline) {
            g_source_destroy(query->deadline);
            g_source_unref(query->deadline);
            query->deadline = nullptr;
        }
        if (query->name_watch) g_bus_unwatch_name(query->name_watch);
        try {
            query->finish(outcome);
        } catch (const std::exception& e) {
            log_error(std::string("authorization callback failed: ") + e.what());
        }
        notify_if_drained();
    }

    void notify_if_drained() {
        if (drained_ && live_.empty()) {
            drained_->set_value();
            drained_.reset();
        }
    }

    static std::string take(GError* raw) {
        GErrorPtr error{raw};
        return error ? error->message : "unknown error";
    }

    GMainContext* context_;
    GMainLoop* loop_;
    GPtr<GDBusConnection> bus_;
    GPtr<PolkitAuthority> authority_;
    std::set<Query*> live_;
    bool stopping_ = false;
    std::shared_ptr<std::promise<void>> drained_;

    std::mutex tasks_mutex_;
    std::deque<std::function<void()>> tasks_;  // guarded by tasks_mutex_
};

std::string seconds_text(std::chrono::milliseconds timeout) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s";
}

// The refusal a caller gets for `outcome`, or nullptr when allowed.
std::exception_ptr refusal(const AuthRequest& request, const Outcome& outcome, std::chrono::milliseconds timeout) {
    if (outcome.ended == Ended::Answered && outcome.result == Authority::Result::Allowed) return nullptr;
    const std::string what = "Not authorized to " + request.verb + " VM '" + request.vm_name + "'";
    switch (outcome.ended) {
    case Ended::ShuttingDown:
        return std::make_exception_ptr(
            Error{Errc::Unavailable, what + ": minionsd is shutting down; try again when it is back"});
    case Ended::TimedOut:
        return std::make_exception_ptr(Error{
            Errc::NotAuthorized, what + (request.interactive
                                            ? ": no answer to the password prompt within " + seconds_text(timeout)
                                            : ": the authorization service (polkit) did not answer within " +
                                                  seconds_text(timeout) + ", so the answer is no")});
    case Ended::CallerGone:
        log_info("cancelled the check of " + request.action_id + " for " + request.bus_name + " (" + request.verb +
                 " VM '" + request.vm_name + "'): the caller went away");
        return std::make_exception_ptr(Error{Errc::NotAuthorized, what + ": the caller went away"});
    case Ended::Failed:
        log_error(outcome.failure);
        return std::make_exception_ptr(
            Error{Errc::NotAuthorized, what + ": the authorization service (polkit) could not answer, so the "
                                             "answer is no; check that polkitd is running"});
    case Ended::Answered:
        break;
    }
    if (outcome.result == Authority::Result::Challenge && !request.interactive)
        return std::make_exception_ptr(
            Error{Errc::NotAuthorized, what + " without authentication: allow interactive authorization (a polkit "
                                             "agent will ask for an administrator's password), or ask an "
                                             "administrator to add you to group 'minions'"});
    // Also what a prompt ends in when its agent went away with the caller
    // before minionsd saw the caller go (polkitd dismisses it): logged, as
    // every refusal after a prompt, so an administrator can see who was told no.
    if (request.interactive)
        log_info("polkit refused " + request.action_id + " for " + request.bus_name + " (" + request.verb + " VM '" +
                 request.vm_name + "')");
    return std::make_exception_ptr(
        Error{Errc::NotAuthorized, what + ": ask an administrator to add you to group 'minions'"});
}

// A check of `action_id` for `bus_name`, its deadline chosen by whether it may prompt.
Query* new_query(const std::string& bus_name, const std::string& action_id, std::map<std::string, std::string> details,
                 bool interactive, std::chrono::milliseconds interactive_timeout) {
    auto* query = new Query;
    query->bus_name = bus_name;
    query->action_id = action_id;
    query->details = std::move(details);
    query->interactive = interactive;
    query->timeout = interactive ? interactive_timeout : Authority::kNonInteractiveTimeout;
    return query;
}

}  // namespace

Authority::Authority(std::chrono::milliseconds interactive_timeout) : interactive_timeout_(interactive_timeout) {}

void Authority::authorize_async(const AuthRequest& request, Done done) {
    Query* query = new_query(request.bus_name, request.action_id,
                             {{"name", request.vm_name}, {"id", request.vm_id}, {"verb", request.verb}},
                             request.interactive, interactive_timeout_);
    query->finish = [request, timeout = query->timeout, done = std::move(done)](const Outcome& outcome) {
        done(refusal(request, outcome, timeout));
    };
    PolkitThread::instance().submit(query);
}

void Authority::authorize(const AuthRequest& request) {
    std::promise<std::exception_ptr> answered;
    auto answer = answered.get_future();
    // Moved, not copied: the polkit thread keeps no reference that it could
    // drop after this thread has rethrown and freed the exception (the count
    // is atomic, but inside libstdc++, where ThreadSanitizer cannot see it).
    authorize_async(request,
                    [&answered](std::exception_ptr refused) { answered.set_value(std::move(refused)); });
    if (auto refused = answer.get()) std::rethrow_exception(refused);
}

Authority::Result Authority::check(const std::string& bus_name, const std::string& action_id,
                                   const std::map<std::string, std::string>& details, bool allow_interactive) {
    std::promise<Result> answered;
    auto answer = answered.get_future();
    Query* query = new_query(bus_name, action_id, details, allow_interactive, interactive_timeout_);
    query->finish = [&answered](const Outcome& outcome) {
        if (!outcome.failure.empty()) log_error(outcome.failure);
        answered.set_value(outcome.ended == Ended::Answered ? outcome.result : Result::Denied);
    };
    PolkitThread::instance().submit(query);
    return answer.get();
}

void Authority::shutdown() { PolkitThread::instance().shutdown(); }

}  // namespace minions
