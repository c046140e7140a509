// Group: presence (being written).
#include "check/case_list.hpp"

namespace rt::check {

case_group presence_cases(int number) { return make_group(number, "presence", "presence", {}); }

}  // namespace rt::check
