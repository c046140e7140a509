#include "chaos/http_message.hpp"

#include <algorithm>
#include <cctype>

namespace rt::chaos {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string_view reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 500: return "Internal Server Error";
    default: return "Unknown";
    }
}

}  // namespace

result<http_request, std::string> parse_request_head(std::string_view head) {
    http_request req;
    std::size_t eol = head.find("\r\n");
    if (eol == std::string_view::npos) return make_unexpected(std::string("request line not terminated by CRLF"));
    std::string_view line = head.substr(0, eol);
    std::size_t sp1 = line.find(' ');
    std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.substr(sp2 + 1).rfind("HTTP/1.", 0) != 0)
        return make_unexpected("malformed request line \"" + std::string(line) + "\"");
    req.method = std::string(line.substr(0, sp1));
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    req.path = std::string(target.substr(0, target.find('?')));
    std::size_t pos = eol + 2;
    while (pos < head.size()) {
        eol = head.find("\r\n", pos);
        if (eol == std::string_view::npos) eol = head.size();
        std::string_view h = head.substr(pos, eol - pos);
        pos = eol + 2;
        if (h.empty()) break;
        std::size_t colon = h.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return make_unexpected("malformed header \"" + std::string(h) + "\"");
        std::string name(h.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        req.headers[name] = std::string(trim(h.substr(colon + 1)));
    }
    return req;
}

std::optional<std::size_t> content_length(const http_request& req) {
    auto it = req.headers.find("content-length");
    if (it == req.headers.end()) return std::size_t{0};
    const std::string& v = it->second;
    if (v.empty() || v.size() > 18 || !std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); }))
        return std::nullopt;
    return static_cast<std::size_t>(std::stoull(v));
}

http_response json_response(int status, const nlohmann::json& j) {
    return http_response{status, "application/json", j.dump() + "\n"};
}

std::string serialize(const http_response& res) {
    std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + std::string(reason(res.status)) + "\r\n";
    out += "Content-Type: " + res.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(res.body.size()) + "\r\n";
    out += "Connection: close\r\n\r\n";
    out += res.body;
    return out;
}

}  // namespace rt::chaos
