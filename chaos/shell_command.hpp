#pragma once
// Runs a user-given shell command (`kill_cmd`, `restart_cmd` of a scenario with an external target)
// with /bin/sh -c, bounded in time: the command runs in a process group of its own, which is
// killed (SIGKILL) when the time is up. Its stdout and stderr go to an unlinked temporary file (not
// a pipe: a server the command leaves running in the background must not die of SIGPIPE once we
// stop reading); the tail is kept for the error message. The command is done when /bin/sh exits,
// whatever it left running. Blocking.
#include <chrono>
#include <string>

#include "protocol/result.hpp"

namespace rt::chaos {

// Ok when the command exited with status 0 within `timeout`. The error says why not: the exit
// status or signal, or the timeout, followed by the last lines it printed.
result<void, std::string> run_shell_command(const std::string& command, std::chrono::milliseconds timeout);

}  // namespace rt::chaos
