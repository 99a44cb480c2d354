#pragma once
// A response header with a fixed name and a text value. Pistache 0.0.5 only
// writes typed headers (Collection::addRaw is never sent), so headers it does
// not model (X-Minions-Error, WWW-Authenticate) need a type of their own.
#include <ostream>
#include <string>

#include <pistache/http_header.h>

namespace minions::rest {

class TextHeader : public Pistache::Http::Header::Header {
public:
    TextHeader(const char* name, std::string value) : name_(name), value_(std::move(value)) {}
    const char* name() const override { return name_; }
    void write(std::ostream& os) const override { os << value_; }
#ifdef SAFE_HEADER_CAST
    uint64_t hash() const override { return Pistache::Http::Header::detail::hash(name_); }
#endif

private:
    const char* name_;  // a string literal
    std::string value_;
};

}  // namespace minions::rest
