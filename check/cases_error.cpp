// Group: error (being written).
#include "check/case_list.hpp"

namespace rt::check {

case_group error_cases(int number) { return make_group(number, "error", "error", {}); }

}  // namespace rt::check
