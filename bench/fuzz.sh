#!/usr/bin/env bash
# Runs the libFuzzer targets (tests/fuzz/fuzz_<name>.cpp) one after another, each on one core for
# SECONDS, and prints a table: target, execs/s, total execs, corpus size, crashes.
# usage: bench/fuzz.sh [SECONDS=60] [TARGET...]   (targets: codec spec filter http tokens; default all)
#
# Builds with clang++ into build-fuzz-clang/ (-DRT_FUZZ=ON: -fsanitize=fuzzer,address,undefined,
# UB fatal), installing the Debian packages clang and libclang-rt-14-dev when missing (as dev.sh).
# Seeds are read from tests/fuzz/corpus/<name>/ and never written; new inputs go to
# build-fuzz-clang/corpus/<name>/ (kept between runs), crashing inputs to
# build-fuzz-clang/findings/<name>/. A crash does not end the target's run: libFuzzer is restarted
# for the time left (at most MAX_RESTARTS times), and each distinct failure is listed after the
# table. Exit status 1 when any target crashed.
# Settable: FUZZ_BUILD_JOBS (default 2), FUZZ_TIMEOUT_S (one input, default 10), MAX_RESTARTS (20).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_PER_TARGET=${1:-60}
shift || true
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(codec spec filter http tokens sse)
BUILD=$ROOT/build-fuzz-clang
BUILD_JOBS=${FUZZ_BUILD_JOBS:-2}
TIMEOUT_S=${FUZZ_TIMEOUT_S:-10}
MAX_RESTARTS=${MAX_RESTARTS:-20}
[[ $SECONDS_PER_TARGET =~ ^[0-9]+$ ]] || { echo "usage: bench/fuzz.sh [SECONDS=60] [TARGET...]" >&2; exit 2; }

install_missing() {
    local missing=()
    for p in clang libclang-rt-14-dev; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "fuzz.sh: installing ${missing[*]}" >&2
        local sudo=""
        [[ $(id -u) -ne 0 ]] && sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
    fi
}

install_missing
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DRT_FUZZ=ON -DRT_BUILD_TESTS=OFF >/dev/null
t0=$SECONDS
cmake --build "$BUILD" -j"$BUILD_JOBS" --target "${TARGETS[@]/#/fuzz_}"
echo "fuzz.sh: build took $((SECONDS - t0)) s" >&2

# Leaks are findings too; UB is already fatal (-fno-sanitize-recover); keep stack traces short.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:malloc_context_size=20}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

rows=()
declare -A failure_count failure_unit  # "target: message" → times seen, first crashing input
failure_order=()
any_crash=0
for name in "${TARGETS[@]}"; do
    bin=$BUILD/fuzz_$name
    work=$BUILD/corpus/$name
    art=$BUILD/findings/$name
    logs=$BUILD/logs/$name
    mkdir -p "$work" "$art" "$logs"
    dict=()
    case $name in
        spec) dict=(-dict="$ROOT/tests/fuzz/spec.dict") ;;
        tokens) dict=(-dict="$ROOT/tests/fuzz/toml.dict") ;;
        *) dict=(-dict="$ROOT/tests/fuzz/json.dict") ;;
    esac
    execs=0 fuzz_s=0 crashes=0 runs=0 corp=0
    left=$SECONDS_PER_TARGET
    echo "fuzz.sh: $name for $SECONDS_PER_TARGET s" >&2
    while ((left > 0 && runs <= MAX_RESTARTS)); do
        log=$logs/run-$runs.log
        start=$SECONDS
        rc=0
        # One process, one core (no -jobs/-workers). The seed directory comes second: read, never written.
        "$bin" -max_total_time="$left" -timeout="$TIMEOUT_S" -print_final_stats=1 -artifact_prefix="$art/" \
            "${dict[@]}" "$work" "$ROOT/tests/fuzz/corpus/$name" >"$log" 2>&1 || rc=$?
        took=$((SECONDS - start))
        ((took > 0)) || took=1
        fuzz_s=$((fuzz_s + took))
        left=$((left - took))
        runs=$((runs + 1))
        n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        execs=$((execs + ${n:-0}))
        c=$(grep -oE 'corp: [0-9]+' "$log" | tail -1 | awk '{print $2}')
        corp=${c:-$corp}
        if ((rc != 0)); then
            crashes=$((crashes + 1))
            any_crash=1
            # What failed: the sanitizer's SUMMARY, a FUZZ_CHECK message or libFuzzer's own verdict.
            what=$(grep -m1 -E '^SUMMARY: |FUZZ_CHECK\(|^==[0-9]+== ERROR: libFuzzer' "$log" || echo "exit $rc (see $log)")
            unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
            key="$name: ${what:0:200}"
            if [[ -z ${failure_count[$key]:-} ]]; then
                failure_order+=("$key")
                failure_count[$key]=0
                failure_unit[$key]="${unit:-no input written; see $log}"
            fi
            failure_count[$key]=$((failure_count[$key] + 1))
        fi
    done
    rate=$((execs / (fuzz_s > 0 ? fuzz_s : 1)))
    rows+=("$(printf '| %-7s | %9s | %11s | %6s | %7s |' "$name" "$rate" "$execs" "$corp" "$crashes")")
done

echo
echo "bench/fuzz.sh $SECONDS_PER_TARGET: $(nproc) cores, one target at a time, one process each"
echo "| target  |   execs/s | total execs | corpus | crashes |"
echo "| ---     |       --- |         --- |    --- |     --- |"
printf '%s\n' "${rows[@]}"
if ((${#failure_order[@]})); then
    echo
    echo "Crashes, distinct by message (times seen; first input):"
    for key in "${failure_order[@]}"; do
        echo "- $key (${failure_count[$key]}x; ${failure_unit[$key]})"
    done
fi
exit "$any_crash"
