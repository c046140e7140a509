#pragma once
// `rt partition run --report FILE`: a scenario run as one self-contained HTML page
// (report/html_page): the fault timeline (faults and server outages as shaded spans, one-shot
// resets as marks) over the events received live and replayed, and the reconnects, resyncs and
// cut-off subscribers over time. Pure formatting.
#include <string>
#include <vector>

#include "chaos/scenario_report.hpp"
#include "report/html_page.hpp"
#include "report/svg_chart.hpp"

namespace rt::chaos {

// The timeline's steps as chart decorations, in seconds from the start of publishing: a fault
// is a span until the next heal (or `end_s`), kill_server a span until restart_server (or
// `end_s`), a one-shot reset a mark.
struct fault_timeline {
    std::vector<report::x_span> spans;
    std::vector<report::x_mark> marks;
};
fault_timeline fault_timeline_of(const std::vector<step_record>& steps, double end_s);

std::string to_html(const scenario_report& r, const report::run_origin& origin);

}  // namespace rt::chaos
