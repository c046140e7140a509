// Group: rights (being written).
#include "check/case_list.hpp"

namespace rt::check {

case_group rights_cases(int number) { return make_group(number, "rights", "rights", {}); }

}  // namespace rt::check
