#include "loadgen/workload_frames.hpp"

#include <unistd.h>

#include <cassert>
#include <cstdio>
#include <random>

namespace rt::loadgen {

using json = nlohmann::json;

std::string new_run_tag() {
    std::random_device rd;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%d-%04x", static_cast<int>(::getpid()), rd() & 0xffff);
    return buf;
}

std::string update_text(std::uint64_t k, std::string_view task_id, std::string_view title) {
    json row = {{"id", std::string(task_id)}, {"title", std::string(title)}, {"priority", (k & 1) ? 2 : 1}};
    return proto::encode_client(proto::client_message{k, proto::publish_msg{"Task", proto::operation::update, std::move(row)}});
}

std::string insert_text(std::uint32_t board, std::string_view task_id) {
    json row = {{"id", std::string(task_id)}, {"title", "loadgen"}, {"status", "todo"}, {"board", "b" + std::to_string(board)},
                {"priority", 1}};
    return proto::encode_client(
        proto::client_message{"c" + std::to_string(board), proto::publish_msg{"Task", proto::operation::insert, std::move(row)}});
}

std::string delete_text(std::uint32_t board, std::string_view task_id) {
    json row = {{"id", std::string(task_id)}};
    return proto::encode_client(
        proto::client_message{"d" + std::to_string(board), proto::publish_msg{"Task", proto::operation::remove, std::move(row)}});
}

workload_frames::workload_frames(const loadgen_config& config, std::string run_tag)
    : config_(config), run_tag_(std::move(run_tag)) {
    if (config.plan && config.app) {
        rows_.emplace(*config.app, *config.plan);
        payload_attr_ = config.plan->vary_attr;
    }
}

proto::subscribe_msg workload_frames::subscribe(std::uint32_t group) const {
    proto::subscribe_msg m;
    if (rows_) {
        m.subscription = config_.plan->subscription;
        nlohmann::json f = rows_->filter(group, "lg-" + run_tag_);
        if (!f.is_null()) m.filter = std::move(f);
    } else if (config_.mode == workload::broadcast) {
        m.subscription = "AllTasks";
    } else {
        m.subscription = "TaskUpdates";
        m.filter = {{"board", "b" + std::to_string(group)}};
    }
    m.throttle_ms = config_.throttle_ms;
    m.batch = config_.batch;
    return m;
}

std::string workload_frames::row_id(std::uint32_t group, std::uint64_t n) const {
    if (rows_) return spec::row_id("lg-" + run_tag_, group, n);
    return "lg-" + run_tag_ + "-b" + std::to_string(group) + (n ? "-r" + std::to_string(n) : std::string());
}

std::string workload_frames::publish(std::uint64_t k, proto::operation op, nlohmann::json row) const {
    return proto::encode_client(proto::client_message{k, proto::publish_msg{config_.plan->entity, op, std::move(row)}});
}

std::string workload_frames::setup_insert(std::uint32_t group) const {
    if (!rows_) return insert_text(group, row_id(group));
    return proto::encode_client(proto::client_message{
        "c" + std::to_string(group),
        proto::publish_msg{config_.plan->entity, proto::operation::insert, rows_->insert_row(group, row_id(group), "loadgen")}});
}

std::string workload_frames::setup_remove(std::uint64_t n, std::string_view id) const {
    if (!rows_) return delete_text(static_cast<std::uint32_t>(n), id);
    return proto::encode_client(proto::client_message{
        "d" + std::to_string(n), proto::publish_msg{config_.plan->entity, proto::operation::remove, spec::row_maker::delete_row(id)}});
}

std::string workload_frames::update(std::uint64_t k, std::uint32_t group, std::string payload) const {
    if (!rows_) return update_text(k, row_id(group), payload);
    return publish(k, proto::operation::update, rows_->update_row(row_id(group), std::move(payload)));
}

std::string workload_frames::insert(std::uint64_t k, std::uint32_t group, std::string_view id, std::string payload) const {
    assert(rows_ && "the demo workload only updates");
    return publish(k, proto::operation::insert, rows_->insert_row(group, id, std::move(payload)));
}

std::string workload_frames::remove(std::uint64_t k, std::string_view id) const {
    assert(rows_ && "the demo workload only updates");
    return publish(k, proto::operation::remove, spec::row_maker::delete_row(id));
}

}  // namespace rt::loadgen
