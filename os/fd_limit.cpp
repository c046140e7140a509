#include "os/fd_limit.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace rt::os {

result<std::uint64_t, std::string> raise_open_file_limit() {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return make_unexpected(std::string("getrlimit: ") + std::strerror(errno));
    if (lim.rlim_cur != lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &lim) != 0)
            return make_unexpected(std::string("setrlimit: ") + std::strerror(errno));
    }
    return static_cast<std::uint64_t>(lim.rlim_cur);
}

}  // namespace rt::os
