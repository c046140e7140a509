// Group: resume (being written).
#include "check/case_list.hpp"

namespace rt::check {

case_group resume_cases(int number) { return make_group(number, "resume", "resume", {}); }

}  // namespace rt::check
