#!/usr/bin/env bash
# Times every compile and link of a build: a compiler/linker launcher that appends
# "user sys elapsed output" (seconds) to $TU_LOG for each command it runs. Usage (fresh build dir):
#   cmake -S . -B build-t -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
#         -DRT_CCACHE=$PWD/bench/tu_time.sh -DCMAKE_CXX_LINKER_LAUNCHER=$PWD/bench/tu_time.sh
#   TU_LOG=/tmp/tu.log ninja -C build-t -j1
# (RT_CCACHE takes ccache's place, so nothing comes from the cache.) Then
# bench/ninja_sim.py build-t /tmp/tu.log 2 estimates the wall time of that build on 2 idle cores.
set -euo pipefail
log=${TU_LOG:?set TU_LOG to the log file}
out=unknown
args=("$@")
for ((i = 0; i < ${#args[@]} - 1; i++)); do
    [[ ${args[i]} == -o ]] && out=${args[i + 1]}
done
exec /usr/bin/time -f "%U %S %e $out" -a -o "$log" "$@"
