#pragma once
// A stand-in for QEMU's virtio-serial port behind a Unix socket chardev
// (`-chardev socket,server=on` + `virtserialport`): one byte stream to the
// guest that outlives host connections. Like QEMU it serves one host
// connection at a time (the next waits in a backlog of one), and what the
// guest wrote that a host did not take, say the rest of an answer whose host
// gave up, goes to the next host connection first.
#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

namespace minions::agent::testing {

class FakeSerial {
public:
    explicit FakeSerial(std::filesystem::path socket);
    ~FakeSerial();
    FakeSerial(const FakeSerial&) = delete;
    FakeSerial& operator=(const FakeSerial&) = delete;

    // Where hosts connect (the agent client's Unix endpoint).
    const std::filesystem::path& socket() const { return socket_; }
    // The guest's end of the stream, for the agent's --serial-fd.
    int guest_fd() const { return guest_fd_; }
    // Bytes the next host connection receives before anything the guest sends.
    void leave_for_next_host(const std::string& bytes);

private:
    void run();
    void serve(int host);
    // Sends what it can of pending_ to `host`; false when the host is gone.
    bool flush_pending(int host);

    std::filesystem::path socket_;
    int listen_fd_ = -1;
    int guest_fd_ = -1;  // the agent's end
    int port_fd_ = -1;   // ours
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::string pending_;  // from the guest, not yet taken by a host
    std::thread thread_;
};

}  // namespace minions::agent::testing
