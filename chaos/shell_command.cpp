#include "chaos/shell_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace rt::chaos {
namespace {

// Enough of the output to show why a restart script failed, not a whole log.
constexpr off_t kept_output_bytes = 2000;

std::string status_text(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
    return "ended with wait status " + std::to_string(status);
}

// The last kept_output_bytes of what the command wrote, without trailing newlines.
std::string output_tail(int fd) {
    off_t end = lseek(fd, 0, SEEK_END);
    if (end <= 0) return {};
    off_t from = end > kept_output_bytes ? end - kept_output_bytes : 0;
    std::string out(static_cast<std::size_t>(end - from), '\0');
    ssize_t got = pread(fd, out.data(), out.size(), from);
    out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

// Waits for `pid` to exit, at most `timeout`; true if it did (then `status` is set).
bool wait_exit(pid_t pid, std::chrono::milliseconds timeout, int& status) {
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd >= 0) {
        pollfd p{pidfd, POLLIN, 0};
        int n;
        while ((n = poll(&p, 1, static_cast<int>(timeout.count()))) < 0 && errno == EINTR) {
        }
        close(pidfd);
        if (n == 0) return false;
    }
    // Exited (or no pidfd on this kernel: then a blocking wait, the command's own bound).
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return true;
    return true;
}

}  // namespace

result<void, std::string> run_shell_command(const std::string& command, std::chrono::milliseconds timeout) {
    char path[] = "/tmp/rt-command-XXXXXX";
    const int out = mkostemp(path, O_CLOEXEC);
    if (out < 0) return make_unexpected(std::string("cannot create a temporary file: ") + std::strerror(errno));
    unlink(path);
    const pid_t pid = fork();
    if (pid < 0) {
        close(out);
        return make_unexpected(std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec.
        setpgid(0, 0);  // its own group: a timeout kills the command and whatever it started
        dup2(out, 1);
        dup2(out, 2);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    setpgid(pid, pid);  // also here: no race with a kill before the child ran setpgid
    int status = 0;
    const bool exited = wait_exit(pid, timeout, status);
    if (!exited) {
        kill(-pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    const std::string tail = output_tail(out);
    close(out);
    const std::string printed = tail.empty() ? "" : "; its output ends with: " + tail;
    if (!exited)
        return make_unexpected("`" + command + "` did not finish within " + std::to_string(timeout.count()) +
                               " ms (killed)" + printed);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return make_unexpected("`" + command + "` " + status_text(status) + printed);
    return {};
}

}  // namespace rt::chaos
