// Several writers at once, in threads and in processes, on one file.
#include <sys/wait.h>

#include <atomic>
#include <iostream>
#include <set>
#include <thread>

#include "store_fixture.hpp"

namespace minions::testing {
namespace {

constexpr int kPerWriter = 10;

// Every row has its own IP, CID and MAC, and there are `expected` rows.
void expect_all_distinct(Store& store, std::size_t expected) {
    std::set<std::string> ips, macs;
    std::set<uint32_t> cids;
    auto vms = store.list();
    for (const Vm& vm : vms) {
        ips.insert(vm.ip);
        cids.insert(vm.cid);
        macs.insert(vm.mac);
    }
    EXPECT_EQ(vms.size(), expected);
    EXPECT_EQ(ips.size(), expected);
    EXPECT_EQ(cids.size(), expected);
    EXPECT_EQ(macs.size(), expected);
    // Lowest-free allocation packs the range with no holes.
    EXPECT_EQ(*cids.begin(), 3u);
    EXPECT_EQ(*cids.rbegin(), 3u + expected - 1);
}

TEST_F(StoreTest, CreateFromEightThreadsOnOneStoreGivesDistinctAddresses) {
    Store store(db_file_);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerWriter; ++i) try {
                    store.create(request("t" + std::to_string(t) + "-" + std::to_string(i)), subnet_);
                } catch (const std::exception& e) {
                    ++failures;
                    ADD_FAILURE() << e.what();
                }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures, 0);
    expect_all_distinct(store, 8 * kPerWriter);
}

TEST_F(StoreTest, CreateFromEightConnectionsInOneProcessGivesDistinctAddresses) {
    { Store migrate_first(db_file_); }
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            try {
                Store own(db_file_);
                for (int i = 0; i < kPerWriter; ++i)
                    own.create(request("c" + std::to_string(t) + "-" + std::to_string(i)), subnet_);
            } catch (const std::exception& e) {
                ++failures;
                ADD_FAILURE() << e.what();
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures, 0);
    Store store(db_file_);
    expect_all_distinct(store, 8 * kPerWriter);
}

TEST_F(StoreTest, CreateFromFourProcessesGivesDistinctAddresses) {
    // No connection may be open across fork(); each child opens its own.
    int gate[2];
    ASSERT_EQ(pipe(gate), 0);
    std::vector<pid_t> children;
    for (int p = 0; p < 4; ++p) {
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            close(gate[1]);
            char c;
            // Wait until every child exists, so they really race.
            if (read(gate[0], &c, 1) < 0) _exit(3);
            try {
                Store store(db_file_);
                for (int i = 0; i < kPerWriter; ++i)
                    store.create(request("p" + std::to_string(p) + "-" + std::to_string(i)), subnet_);
            } catch (const std::exception& e) {
                std::cerr << "child " << p << ": " << e.what() << std::endl;
                _exit(1);
            }
            _exit(0);
        }
        children.push_back(pid);
    }
    close(gate[0]);
    close(gate[1]);  // EOF releases all children at once
    for (pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed, status " << status;
    }
    Store store(db_file_);
    expect_all_distinct(store, 4 * kPerWriter);
}

}  // namespace
}  // namespace minions::testing
