#include "utf8.hpp"

namespace minions {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The sequence at the start of `s`: its length when valid; otherwise how
// many bytes the replacement stands for (the longest start of a valid
// sequence, at least 1, as Unicode recommends), or `incomplete` when `s`
// ends inside a sequence that could still become valid.
struct Sequence {
    bool valid;
    size_t length;
    bool incomplete = false;
};

Sequence sequence_at(std::string_view s) {
    const auto c = static_cast<unsigned char>(s[0]);
    if (c < 0x80) return {true, 1};
    size_t n;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c == 0xE0) n = 3, low = 0xA0;
    else if (c == 0xED) n = 3, high = 0x9F;  // no UTF-16 surrogates
    else if (c >= 0xE1 && c <= 0xEF) n = 3;
    else if (c == 0xF0) n = 4, low = 0x90;
    else if (c == 0xF4) n = 4, high = 0x8F;  // nothing past U+10FFFF
    else if (c >= 0xF1 && c <= 0xF3) n = 4;
    else return {false, 1};
    for (size_t i = 1; i < n; ++i) {
        if (i >= s.size()) return {false, i, true};
        const auto b = static_cast<unsigned char>(s[i]);
        if (i == 1 ? (b < low || b > high) : !continuation(b)) return {false, i};
    }
    return {true, n};
}

}  // namespace

std::string to_valid_utf8(std::string_view bytes, bool cut_edges) {
    if (cut_edges) {
        // At most three continuation bytes can be the tail of a cut character.
        for (int i = 0; i < 3 && !bytes.empty() && continuation(static_cast<unsigned char>(bytes[0])); ++i)
            bytes.remove_prefix(1);
    }
    std::string out;
    out.reserve(bytes.size());
    while (!bytes.empty()) {
        const Sequence seq = sequence_at(bytes);
        if (seq.incomplete && cut_edges) break;  // the window ends inside a character
        if (seq.valid) out.append(bytes.substr(0, seq.length));
        else out += kReplacement;
        bytes.remove_prefix(seq.length);
    }
    return out;
}

}  // namespace minions
