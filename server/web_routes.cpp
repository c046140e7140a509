#include "server/web_assets.hpp"

namespace rt::server {

const web_asset* find_web_asset(std::string_view path) {
    if (path == "/") path = "/inspector.html";
    else if (path == "/demo/kanban") path = "/kanban.html";
    for (const web_asset& a : web_assets())
        if (path == a.path) return &a;
    return nullptr;
}

}  // namespace rt::server
