#pragma once
// Load scenarios in TOML (scenarios/*.toml): the same settings as the flags, keys spelled like the
// flags ('_' or '-'), plus an optional [thresholds] table:
//
//   conns = 10000
//   rate = "1000/s"
//   duration = "30s"
//   fanout = "boards"          # or "all"
//   spec = "helpdesk.spec"     # instead of the kanban demo: relative to the scenario file
//   subscription = "TeamQueue" # and filter_attr, filter_values, entity, vary, mix
//   [thresholds]
//   max_p99 = "25ms"
//   max_loss = 0
#include <string>
#include <string_view>

#include "loadgen/config.hpp"
#include "protocol/result.hpp"

namespace rt::loadgen {

// Applies every setting in the TOML text to `config`. Errors name the source, the key and the
// problem (unknown keys, wrong types, bad values, TOML syntax with line:column).
result<void, std::string> apply_scenario_text(loadgen_config& config, std::string_view toml_text,
                                              std::string_view source_name);

// Reads `path` and applies it as above; a missing or unreadable file is an error. A `spec` file
// (not "server") is taken relative to the scenario file's folder.
result<void, std::string> apply_scenario_file(loadgen_config& config, const std::string& path);

}  // namespace rt::loadgen
