#include "check/check_peer.hpp"

#include "check/case_outcome.hpp"

namespace rt::check {

namespace {

std::string frame_note(const ws_frame& f) {
    std::string s = "[" + to_string(f.op) + ", " + std::to_string(f.payload.size()) + " bytes";
    if (f.op == ws_opcode::close) s += ", code " + std::to_string(close_code_of(f.payload)) + " '" + close_reason_of(f.payload) + "'";
    if (!f.fin) s += ", not final";
    return s + "]";
}

std::string ms_text(ms d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

check_peer::check_peer(std::unique_ptr<wire_client> wire, transcript& log, std::string name, ms step_timeout)
    : wire_(std::move(wire)), log_(log), name_(std::move(name)), step_timeout_(step_timeout) {}

void check_peer::send(const json& message) { send_text(message.dump()); }

void check_peer::send_text(const std::string& text) { send_frame(ws_frame{ws_opcode::text, text, true}); }

void check_peer::send_frame(const ws_frame& f) {
    log_.add(name_, true, f.op == ws_opcode::text ? f.payload : frame_note(f));
    if (!wire_->send(f, check_clock::now() + step_timeout_))
        fail(name_ + ": could not send a frame: the server closed the connection or stopped reading" +
             (closed() ? " (closed with " + std::to_string(*close_code_) + ")" : std::string()));
}

bool check_peer::pump(check_clock::time_point deadline) {
    if (closed()) return false;
    std::optional<ws_frame> f = wire_->read(deadline);
    if (!f) {
        if (!wire_->protocol_error().empty()) {
            log_.add(name_, false, "[broken framing: " + wire_->protocol_error() + "]");
            fail(name_ + ": the server broke WebSocket framing: " + wire_->protocol_error());
        }
        if (wire_->ended()) {
            log_.add(name_, false, "[connection ended without a close frame]");
            close_code_ = 1006;
        }
        return false;
    }
    switch (f->op) {
        case ws_opcode::text: {
            log_.add(name_, false, f->payload);
            json j = json::parse(f->payload, nullptr, false);
            if (j.is_discarded()) j = json(f->payload);  // kept as a string: no object matcher takes it
            queue_.push_back(std::move(j));
            return true;
        }
        case ws_opcode::ping:
            log_.add(name_, false, frame_note(*f));
            ++pings_;
            if (answer_pings_) {
                ws_frame pong{ws_opcode::pong, f->payload, true};
                log_.add(name_, true, frame_note(pong));
                wire_->send(pong, check_clock::now() + step_timeout_);
            }
            return true;
        case ws_opcode::pong:
            log_.add(name_, false, frame_note(*f));
            pongs_.push_back(f->payload);
            return true;
        case ws_opcode::close:
            log_.add(name_, false, frame_note(*f));
            close_code_ = close_code_of(f->payload);
            close_reason_ = close_reason_of(f->payload);
            wire_->send(ws_frame{ws_opcode::close, close_payload(*close_code_ == 1005 ? 1000 : *close_code_, ""), true},
                        check_clock::now() + ms(200));
            return true;
        default:
            log_.add(name_, false, frame_note(*f));
            return true;
    }
}

std::string check_peer::describe_queue() const {
    if (queue_.empty()) return closed() ? "nothing (the connection closed with " + std::to_string(*close_code_) + ")" : "nothing";
    std::string s;
    std::size_t n = 0;
    for (const json& j : queue_) {
        if (n++ == 3) {
            s += " ... (" + std::to_string(queue_.size()) + " messages)";
            break;
        }
        std::string t = j.is_string() ? j.get<std::string>() : j.dump();
        if (t.size() > 300) t = t.substr(0, 300) + "...";
        s += (n > 1 ? "; " : "") + t;
    }
    return s;
}

json check_peer::expect(const std::function<bool(const json&)>& match, const std::string& what, std::optional<ms> timeout) {
    const ms t = timeout.value_or(step_timeout_);
    const auto deadline = check_clock::now() + t;
    std::size_t looked = 0;
    for (;;) {
        for (; looked < queue_.size(); ++looked) {
            if (queue_[looked].is_object() && match(queue_[looked])) {
                json j = std::move(queue_[looked]);
                queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(looked));
                return j;
            }
        }
        if (check_clock::now() >= deadline || !pump(deadline)) {
            if (check_clock::now() < deadline && !closed()) continue;
            fail(name_ + ": expected " + what + " within " + ms_text(t) + "; got " + describe_queue());
        }
    }
}

json check_peer::reply(const json& id, std::optional<ms> timeout) {
    return expect([&](const json& m) { return m.contains("id") && m["id"] == id; },
                  "the reply with id " + id.dump(), timeout);
}

json check_peer::reply_of(const json& id, const std::string& type, std::optional<ms> timeout) {
    json r = reply(id, timeout);
    if (r.value("type", "") != type)
        fail(name_ + ": expected '" + type + "' in reply to id " + id.dump() + "; got " + r.dump());
    return r;
}

json check_peer::next_of(const std::string& type, const std::string& sub, std::optional<ms> timeout) {
    return expect(
        [&](const json& m) { return m.value("type", "") == type && (sub.empty() || m.value("subscription", "") == sub); },
        "a '" + type + "' message" + (sub.empty() ? std::string() : " of " + sub), timeout);
}

void check_peer::expect_none(const std::function<bool(const json&)>& match, const std::string& what, ms window) {
    const auto deadline = check_clock::now() + window;
    std::size_t looked = 0;
    for (;;) {
        for (; looked < queue_.size(); ++looked)
            if (queue_[looked].is_object() && match(queue_[looked]))
                fail(name_ + ": expected no " + what + "; got " + queue_[looked].dump());
        if (check_clock::now() >= deadline) return;
        if (!pump(deadline) && closed()) return;
    }
}

void check_peer::sync() {
    const json id = "sync-" + std::to_string(next_ping_id_++);
    send(json{{"type", "ping"}, {"id", id}});
    reply_of(id, "pong");
}

std::vector<json> check_peer::take_all(const std::function<bool(const json&)>& match) {
    std::vector<json> out;
    for (auto it = queue_.begin(); it != queue_.end();) {
        if (it->is_object() && match(*it)) {
            out.push_back(std::move(*it));
            it = queue_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

std::optional<int> check_peer::wait_close(ms timeout) {
    const auto deadline = check_clock::now() + timeout;
    while (!closed() && check_clock::now() < deadline) pump(deadline);
    return close_code_;
}

std::optional<std::string> check_peer::wait_pong(ms timeout) {
    const auto deadline = check_clock::now() + timeout;
    while (pongs_.empty() && !closed() && check_clock::now() < deadline) pump(deadline);
    if (pongs_.empty()) return std::nullopt;
    std::string p = std::move(pongs_.front());
    pongs_.pop_front();
    return p;
}

bool check_peer::wait_ping(int seen, ms timeout) {
    const auto deadline = check_clock::now() + timeout;
    while (pings_ <= seen && !closed() && check_clock::now() < deadline) pump(deadline);
    return pings_ > seen;
}

void check_peer::drop() {
    log_.add(name_, true, "[dropped the TCP connection]");
    wire_->drop();
    close_code_ = 1006;
}

void check_peer::close(int code) {
    send_frame(ws_frame{ws_opcode::close, close_payload(code, ""), true});
}

}  // namespace rt::check
