#pragma once
// How the processes of `rt loadgen --workers N` keep in step. Each worker runs run_loadgen with
// a barrier and meets the others at the run's three turning points; the parent (worker_fleet)
// answers a phase once every worker has reached it:
//
//   phase       worker sends                          parent answers (to every worker)
//   connected   {"subscribed","opened"}: ramp done     {"publish_start_us"}: one steady-clock time
//   published   {"acked":[per stream]}: sending done   {"acked":[summed over the workers]}
//   drained     {}: deliveries in, or drain over       {}: close the connections, report
//
// So every subscriber is connected before the first publish, each one knows how many events its
// stream should bring whichever process published them, and no worker removes rows while
// another still listens. CLOCK_MONOTONIC is one clock for every process on the machine, so a
// time sent from one process means the same instant in another.
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "loadgen/config.hpp"
#include "protocol/result.hpp"

namespace rt::loadgen {

class run_barrier {
public:
    virtual ~run_barrier() = default;
    // Reports arrival at `phase` with `payload` and waits at most `timeout` for the answer: its
    // payload, or why there is none (the parent gone or told us to stop, timeout). Called by
    // run_loadgen's controller thread only.
    virtual result<nlohmann::json, std::string> meet(const std::string& phase, const nlohmann::json& payload,
                                                     std::chrono::milliseconds timeout) = 0;
};

}  // namespace rt::loadgen
