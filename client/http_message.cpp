#include "client/http_message.hpp"

#include <algorithm>
#include <cctype>

namespace rt::client {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Reads "Name: value" lines from `pos` up to an empty line into `headers` (names lower-cased).
// Returns "" or what is malformed.
std::string parse_headers(std::string_view head, std::size_t pos, std::map<std::string, std::string>& headers) {
    while (pos < head.size()) {
        std::size_t eol = head.find("\r\n", pos);
        if (eol == std::string_view::npos) eol = head.size();
        std::string_view h = head.substr(pos, eol - pos);
        pos = eol + 2;
        if (h.empty()) break;
        std::size_t colon = h.find(':');
        if (colon == std::string_view::npos || colon == 0) return "malformed header \"" + std::string(h) + "\"";
        std::string name(h.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        headers[name] = std::string(trim(h.substr(colon + 1)));
    }
    return {};
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
    if (auto e = parse_headers(head, eol + 2, req.headers); !e.empty()) return make_unexpected(std::move(e));
    return req;
}

result<http_response, std::string> parse_response(std::string_view whole) {
    const std::size_t head_end = whole.find("\r\n\r\n");
    if (head_end == std::string_view::npos) return make_unexpected(std::string("incomplete response head"));
    const std::string_view head = whole.substr(0, head_end + 2);
    const std::size_t eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    // "HTTP/1.1 201 Created"
    if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12 || line[8] != ' ' ||
        !std::all_of(line.begin() + 9, line.begin() + 12, [](unsigned char c) { return std::isdigit(c); }))
        return make_unexpected("malformed status line \"" + std::string(line) + "\"");
    http_request fields;  // the headers, parsed as for a request
    if (auto e = parse_headers(head, eol + 2, fields.headers); !e.empty()) return make_unexpected(std::move(e));
    if (auto te = fields.headers.find("transfer-encoding"); te != fields.headers.end() && te->second != "identity")
        return make_unexpected("unsupported Transfer-Encoding: " + te->second);
    http_response res;
    res.status = std::stoi(std::string(line.substr(9, 3)));
    if (auto ct = fields.headers.find("content-type"); ct != fields.headers.end()) res.content_type = ct->second;
    res.body = std::string(whole.substr(head_end + 4));
    if (fields.headers.count("content-length")) {
        auto len = content_length(fields);
        if (!len) return make_unexpected(std::string("malformed Content-Length"));
        if (res.body.size() < *len) return make_unexpected(std::string("response body cut short"));
        res.body.resize(*len);
    }
    return res;
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

}  // namespace rt::client
