// Group: ordering (being written).
#include "check/case_list.hpp"

namespace rt::check {

case_group ordering_cases(int number) { return make_group(number, "ordering", "ordering", {}); }

}  // namespace rt::check
