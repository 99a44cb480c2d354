#pragma once
// How the targets read libFuzzer's bytes. Most inputs are one stream that
// production code receives in pieces (a socket read at a time), so the first
// byte chooses options and how the rest is cut; the seeds in corpus/ start
// with that byte (see docs/FUZZING.md).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace minions::fuzz {

struct Input {
    uint8_t options = 0;         // the first byte; its low 3 bits choose the chunk size
    std::string_view payload;    // the rest
};

inline Input split_input(const uint8_t* data, size_t size) {
    if (size == 0) return {};
    return {data[0], std::string_view(reinterpret_cast<const char*>(data + 1), size - 1)};
}

// The payload cut as a stream of reads: whole, or in pieces of 1, 2, 3, 5, 8,
// 13 or 64 bytes, as options & 7 says.
inline std::vector<std::string_view> chunks(const Input& input) {
    static constexpr size_t kSizes[8] = {0, 1, 2, 3, 5, 8, 13, 64};
    const size_t size = kSizes[input.options & 7];
    std::vector<std::string_view> out;
    std::string_view rest = input.payload;
    if (size == 0) {
        out.push_back(rest);
        return out;
    }
    while (!rest.empty()) {
        out.push_back(rest.substr(0, size));
        rest.remove_prefix(out.back().size());
    }
    return out;
}

}  // namespace minions::fuzz
