#include "chaos/scenario_publisher.hpp"

#include <thread>

#include "chaos/change_key.hpp"
#include "client/ws_url.hpp"

namespace rt::chaos {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// A reply on loopback takes well under a millisecond; 2 s means the server or the link is gone.
constexpr std::chrono::milliseconds reply_timeout{2000};
// Reconnect attempts are short so a dead server costs a few ticks, not the run.
constexpr std::chrono::milliseconds reconnect_timeout{500};

}  // namespace

scenario_publisher::scenario_publisher(publisher_plan plan)
    : plan_(std::move(plan)), rows_(*plan_.app, plan_.workload) {}

scenario_publisher::~scenario_publisher() = default;

std::string scenario_publisher::task_id(std::uint32_t board, std::uint32_t task) const {
    return spec::row_id(plan_.run_tag, board, task);
}

std::string scenario_publisher::destination() const {
    if (!plan_.rest) return plan_.url;
    return (plan_.rest->secure ? "https://" : "http://") + plan_.rest->host + ":" + std::to_string(plan_.rest->port) + plan_.rest->path;
}

void scenario_publisher::record_ack(std::uint32_t board, const nlohmann::json& row) {
    ++counters_.acked;
    acked_.push_back(acked_change{board, change_key(row, plan_.workload.vary_attr)});
}

bool scenario_publisher::ensure_connected(std::chrono::milliseconds timeout) {
    if (plan_.rest) return true;  // one connection per request
    if (client_ && !client_->is_closed()) return true;
    client_.reset();
    client::ws_options ws;
    ws.token = plan_.token;
    ws.tls = plan_.tls;
    auto c = client::sync_client::connect(plan_.url, timeout, ws);
    if (!c) {
        last_failure_ = c.error();
        return false;
    }
    client_ = std::move(c.value());
    if (connected_once_) ++counters_.reconnects;
    connected_once_ = true;
    return true;
}

bool scenario_publisher::publish(std::uint64_t id, std::uint32_t board, const nlohmann::json& data,
                                 proto::operation op) {
    if (plan_.rest) return publish_rest(board, data, op);
    client_->clear();  // late replies to requests that timed out are of no use now
    ++counters_.sent;
    if (client_->send_message(proto::client_message{id, proto::publish_msg{plan_.workload.entity, op, data}})) {
        ++counters_.unanswered;
        client_.reset();
        return false;
    }
    auto reply = client_->receive_reply(id, reply_timeout);
    if (!reply) {
        ++counters_.unanswered;
        client_.reset();  // a reply that never came: start over on a fresh connection
        return false;
    }
    if (const auto* published = std::get_if<proto::published_msg>(&reply->body)) {
        record_ack(board, published->data);
    } else {
        ++counters_.refused;
    }
    return true;
}

bool scenario_publisher::publish_rest(std::uint32_t board, const nlohmann::json& data, proto::operation op) {
    ++counters_.sent;
    client::http_call call;
    call.token = plan_.token;
    call.path = "/" + client::percent_encode(plan_.workload.entity);
    if (op == proto::operation::insert) {
        call.method = "POST";
    } else {
        call.method = op == proto::operation::update ? "PATCH" : "DELETE";
        call.path += "/" + client::percent_encode(data.value("id", std::string()));
    }
    if (op != proto::operation::remove) call.body = data.dump();
    auto res = client::http_exchange(*plan_.rest, call, reply_timeout, plan_.tls);
    if (!res) {
        ++counters_.unanswered;
        last_failure_ = res.error();
        return false;
    }
    if (res->status == 200 || res->status == 201)
        record_ack(board, nlohmann::json::parse(res->body, nullptr, false));
    else
        ++counters_.refused;
    return true;
}

result<void, std::string> scenario_publisher::create_tasks(std::chrono::milliseconds timeout) {
    auto deadline = clock_type::now() + timeout;
    if (!ensure_connected(timeout))  // the client's error names the URL
        return make_unexpected(last_failure_.empty() ? "cannot connect to " + destination() : last_failure_);
    std::uint64_t id = 0;
    for (std::uint32_t b = 0; b < plan_.boards; ++b) {
        for (std::uint32_t t = 0; t < plan_.tasks_per_board; ++t) {
            if (clock_type::now() > deadline) return make_unexpected(std::string("timed out creating tasks"));
            const nlohmann::json row = rows_.insert_row(b, task_id(b, t), "p0");
            const std::uint64_t refused_before = counters_.refused;
            if (!publish(++id, b, row, proto::operation::insert))
                return make_unexpected(std::string(plan_.rest ? "no answer from " : "lost the connection to ") + destination() +
                                       (last_failure_.empty() ? "" : ": " + last_failure_));
            if (counters_.refused != refused_before)
                return make_unexpected("the server refused to insert " + plan_.workload.entity + " " + task_id(b, t));
        }
    }
    // The inserts come before anyone subscribes: snapshots carry them, not events.
    acked_.clear();
    counters_ = publisher_counters{};
    return {};
}

void scenario_publisher::run(const std::atomic<bool>& stop) {
    const auto start = clock_type::now();
    const auto end = start + plan_.duration_ms;
    const std::uint64_t tasks = std::uint64_t{plan_.boards} * plan_.tasks_per_board;
    std::uint64_t request_id = 1'000'000;  // apart from create_tasks' ids
    for (std::uint64_t k = 1; !stop.load(); ++k) {
        const auto due = start + std::chrono::microseconds(static_cast<std::int64_t>(
                                     static_cast<double>(k - 1) * 1'000'000.0 / plan_.rate_per_s));
        if (due >= end) break;
        std::this_thread::sleep_until(due);
        if (!ensure_connected(reconnect_timeout)) {
            ++counters_.skipped;
            continue;
        }
        const std::uint64_t n = (k - 1) % tasks;
        const auto board = static_cast<std::uint32_t>(n / plan_.tasks_per_board);
        const auto task = static_cast<std::uint32_t>(n % plan_.tasks_per_board);
        std::string title = "p" + std::to_string(k);
        if (title.size() < plan_.payload_bytes) {
            title += '|';
            title.resize(plan_.payload_bytes, 'x');
        }
        publish(++request_id, board, rows_.update_row(task_id(board, task), std::move(title)), proto::operation::update);
    }
    client_.reset();
}

}  // namespace rt::chaos
