#pragma once
// The browser files of web/ (rt.js, the inspector and the kanban demo), compiled into the binary
// (cmake/embed_files.cmake generates web_assets() at build time) and served by rt serve.
#include <cstddef>
#include <string_view>
#include <vector>

namespace rt::server {

struct web_asset {
    const char* path;          // "/rt.js": the file's name under web/, with a leading '/'
    const char* content_type;  // from the extension
    const char* data;
    std::size_t size;
    std::string_view bytes() const { return {data, size}; }
};

// Every embedded file (generated).
const std::vector<web_asset>& web_assets();

// The file a GET of `path` serves: "/" is the inspector, "/demo/kanban" the kanban demo, "/rt.js"
// and other files by name. nullptr for anything else.
const web_asset* find_web_asset(std::string_view path);

}  // namespace rt::server
