#include "cli/spec_check.hpp"

#include <cstdio>

#include "protocol/spec.hpp"
#include "server/tokens.hpp"

namespace rt::cli {

int check_spec_file(const char* command, const std::string& path, const std::string& tokens_path) {
    auto app = spec::load_spec_file(path);
    if (!app) {
        for (const auto& e : app.error()) std::fprintf(stderr, "%s\n", e.to_string().c_str());
        std::fprintf(stderr, "%s: %zu error(s) in %s\n", command, app.error().size(), path.c_str());
        return 1;
    }
    std::printf("%s", spec::describe(*app).c_str());
    std::fprintf(stderr, "%s: %s is valid\n", command, path.c_str());
    if (tokens_path.empty()) return 0;
    auto tokens = server::load_tokens_file(tokens_path, *app);
    if (!tokens) {
        std::fprintf(stderr, "%s\n%s: %s does not match %s\n", tokens.error().c_str(), command, tokens_path.c_str(),
                     path.c_str());
        return 1;
    }
    std::fprintf(stderr, "%s: %s is valid (%zu tokens)\n", command, tokens_path.c_str(), tokens->size());
    return 0;
}

}  // namespace rt::cli
