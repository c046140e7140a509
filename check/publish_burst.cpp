#include "check/publish_burst.hpp"

#include "check/case_outcome.hpp"

namespace rt::check {

using nlohmann::json;

std::vector<json> publish_burst(case_context& c, check_peer& p, const std::string& operation, const std::vector<json>& data) {
    std::vector<json> ids;
    for (const json& d : data) {
        const json id = c.next_id();
        p.send(json{{"type", "publish"}, {"id", id}, {"entity", c.shape().entity}, {"operation", operation}, {"data", d}});
        ids.push_back(id);
        if (operation == "insert" && d.contains("id") && d["id"].is_string()) c.remember_row(d["id"].get<std::string>());
    }
    std::vector<json> stored;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const json r = p.reply_of(ids[i], "published");
        if (!r.contains("data") || !r["data"].is_object())
            fail(p.name() + ": 'published' without a data object: " + r.dump());
        stored.push_back(r["data"]);
    }
    return stored;
}

}  // namespace rt::check
