#include "check/change_budget.hpp"

#include <cmath>
#include <thread>

#include "check/case_outcome.hpp"

namespace rt::check {

void reserve_changes(case_context& c, int changes) {
    if (auto burst = c.info().limit("rate_burst"); burst && changes > *burst)
        skip("the case makes " + std::to_string(changes) + " changes; the server allows bursts of " +
             std::to_string(static_cast<long>(*burst)));
    const auto rate = c.info().limit("rate_per_s");
    if (c.target().token.empty() || !rate || *rate <= 0) return;
    // A wait, not a synchronisation: the budget refills with time and nothing announces it.
    const ms wait(static_cast<ms::rep>(std::ceil(changes * 1000.0 / *rate)));
    c.log().add("check", true, "[waited " + std::to_string(wait.count()) + " ms for the token's change budget to hold " +
                                   std::to_string(changes) + " changes]");
    std::this_thread::sleep_for(wait);
}

}  // namespace rt::check
