#!/usr/bin/env bash
# The README's two commands:
#   ./dev.sh serve [rt serve flags...]   install what is missing, build, run rt serve on scenarios/kanban.spec
#   ./dev.sh test                        install what is missing, build, run every test (what .ci/run runs)
# Extra: ./dev.sh build | ./dev.sh asan (sanitizer build + tests)
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(g++ cmake ninja-build pkg-config libasio-dev libwebsocketpp-dev libcli11-dev nlohmann-json3-dev
          libtomlplusplus-dev catch2 libsqlite3-dev libssl-dev libjwt-dev openssl chromium
          redis-server libhiredis-dev)

install_missing() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "dev.sh: installing ${missing[*]}" >&2
        local sudo=""
        [[ $(id -u) -ne 0 ]] && sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
    fi
    # The browser test drives chromium with playwright-core (no browser download: it uses Debian's).
    if [[ ! -d tests/browser/node_modules/playwright-core ]]; then
        echo "dev.sh: installing playwright-core into tests/browser/node_modules" >&2
        npm ci --prefix tests/browser --no-audit --no-fund --silent >&2
    fi
}

# The AsyncAPI test's parser (tests/asyncapi: @asyncapi/parser, js-yaml, ajv; npm ci took 18 s, mostly
# download): fetched while the build compiles, waited for before the tests run.
asyncapi_npm_pid=""
start_asyncapi_deps() {
    [[ -d tests/asyncapi/node_modules/@asyncapi/parser ]] && return 0
    echo "dev.sh: installing @asyncapi/parser into tests/asyncapi/node_modules (beside the build)" >&2
    npm ci --prefix tests/asyncapi --no-audit --no-fund --silent >&2 &
    asyncapi_npm_pid=$!
}
wait_asyncapi_deps() {
    [[ -z $asyncapi_npm_pid ]] && return 0
    wait "$asyncapi_npm_pid"
}

build() {  # build DIR [cmake args...]
    local dir=$1; shift
    local t0=$SECONDS
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" -j"$(nproc)"
    echo "dev.sh: build took $((SECONDS - t0)) s" >&2
}

run_ctest() {  # run_ctest DIR: every CTest test; sets ctest_total (the number that passed)
    local dir=$1 rc=0
    # Integration tests start real servers and spend most of their time waiting (timelines, rate
    # limits, heartbeats): four at a time on the 2-core reference machine take 37 s instead of 56 s.
    local log="$dir/ctest-last.log"
    local t0=$SECONDS
    (cd "$dir" && ctest --output-on-failure -j4 --timeout 180) | tee "$log" || rc=$?
    echo "dev.sh: tests took $((SECONDS - t0)) s" >&2
    ctest_total=$(sed -n 's/.* tests passed, 0 tests failed out of \([0-9]*\)$/\1/p' "$log" | tail -1)
    return $rc
}

run_load_gate() {  # run_load_gate DIR: 1,000 connections against a real rt serve, p99 and loss thresholds
    local dir=$1 t0=$SECONDS
    bench/ci_load.sh "$dir/rt"
    echo "dev.sh: CI load gate took $((SECONDS - t0)) s" >&2
}

run_tests() {  # run_tests DIR
    local dir=$1 ctest_total
    run_ctest "$dir"
    run_load_gate "$dir"
    echo "rt: $((${ctest_total:-0} + 1)) passed, 0 failed (ctest + CI load gate)"
}

# The sanitizer subset CI can afford (the whole suite under ASan+UBSan is `./dev.sh asan`): the pure
# protocol/ module built with -fsanitize=address,undefined at -O0, replaying the codec, spec and filter
# fuzz corpora (client and server messages, the event scanner, spec files, filters). With the
# protocol unit tests as well it took 101 s instead of ~50 s: the 6-minute CI budget has no room.
# Prints nothing: everything goes to build-asan-ci/subset.log, whose last line says how long it took,
# so that it can run beside ctest (test_all prints the log when it fails, its tail when it passes).
SANITIZER_DIR=build-asan-ci
SANITIZER_TARGETS=(fuzz_replay_codec fuzz_replay_spec fuzz_replay_filter)
SANITIZER_TESTS='^fuzz:(codec|spec|filter)$'
run_sanitizer_subset() {
    local dir=$SANITIZER_DIR t0=$SECONDS rc=0
    mkdir -p "$dir"
    {
        cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRT_SANITIZE=ON >/dev/null &&
        cmake --build "$dir" -j"$(nproc)" --target "${SANITIZER_TARGETS[@]}" &&
        (cd "$dir" && ctest --output-on-failure -j2 --timeout 180 -R "$SANITIZER_TESTS")
    } >"$dir/subset.log" 2>&1 || rc=$?
    echo "dev.sh: sanitizer subset (ASan+UBSan: codec/spec/filter corpora) took $((SECONDS - t0)) s" >>"$dir/subset.log"
    return $rc
}

# What CI runs after the build. The integration tests mostly wait on timers, so the sanitizer subset
# (compiler-bound: ~50 s alone) is built and run beside them at the lowest CPU priority: a test gets
# a core whenever it wants one, the compiler the rest. The CI load gate measures latency: it runs
# last, alone.
test_all() {  # test_all DIR
    local dir=$1 ctest_total ctest_rc=0 subset_pid subset_rc=0
    (renice -n 19 -p "$BASHPID" >/dev/null 2>&1 || true; run_sanitizer_subset) &
    subset_pid=$!
    run_ctest "$dir" || ctest_rc=$?
    wait "$subset_pid" || subset_rc=$?
    if ((subset_rc != 0)); then
        cat "$SANITIZER_DIR/subset.log"
        echo "dev.sh: the sanitizer subset failed" >&2
    else
        tail -4 "$SANITIZER_DIR/subset.log" | head -3
        tail -1 "$SANITIZER_DIR/subset.log" >&2
    fi
    ((ctest_rc == 0 && subset_rc == 0)) || return 1
    run_load_gate "$dir"
    echo "rt: $((${ctest_total:-0} + 1)) passed, 0 failed (ctest + CI load gate)"
}

cmd=${1:-}
shift || true
case "$cmd" in
    serve)
        install_missing
        build build
        exec ./build/rt serve --spec scenarios/kanban.spec "$@"
        ;;
    test)
        install_missing
        start_asyncapi_deps
        build build
        wait_asyncapi_deps
        test_all build
        ;;
    asan)
        install_missing
        start_asyncapi_deps
        build build-asan -DRT_SANITIZE=ON
        wait_asyncapi_deps
        run_tests build-asan
        ;;
    build)
        install_missing
        build build
        ;;
    *)
        echo "usage: ./dev.sh serve [rt serve flags...] | test | asan | build" >&2
        exit 2
        ;;
esac
