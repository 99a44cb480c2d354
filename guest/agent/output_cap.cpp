#include "output_cap.hpp"

namespace minions::agent {

namespace {

// Upper bound of what one byte costs once dumped: control characters are
// escaped, and a byte >= 0x80 may be invalid UTF-8 and become U+FFFD (3 bytes).
std::size_t escaped_size(unsigned char c) {
    switch (c) {
    case '"': case '\\': case '\b': case '\f': case '\n': case '\r': case '\t':
        return 2;
    default:
        if (c < 0x20) return 6;
        if (c >= 0x80) return 3;
        return 1;
    }
}

}  // namespace

bool fit_escaped(std::string& text, std::size_t budget) {
    std::size_t total = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        total += escaped_size(static_cast<unsigned char>(text[i]));
        if (total > budget) {
            text.resize(i);
            return true;
        }
    }
    return false;
}

}  // namespace minions::agent
