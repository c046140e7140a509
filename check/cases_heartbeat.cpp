// Group: heartbeat (being written).
#include "check/case_list.hpp"

namespace rt::check {

case_group heartbeat_cases(int number) { return make_group(number, "heartbeat", "heartbeat", {}); }

}  // namespace rt::check
