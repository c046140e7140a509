// Group: limit (being written).
#include "check/case_list.hpp"

namespace rt::check {

case_group limit_cases(int number) { return make_group(number, "limit", "limit", {}); }

}  // namespace rt::check
