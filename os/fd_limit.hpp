#pragma once
// The open-file limit: 10,000 connections need 10,000 descriptors, and the default soft limit is
// often 1,024 while the hard limit allows more.
#include <cstdint>
#include <string>

#include "protocol/result.hpp"

namespace rt::os {

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the limit now in force, or the
// error from getrlimit/setrlimit.
result<std::uint64_t, std::string> raise_open_file_limit();

}  // namespace rt::os
