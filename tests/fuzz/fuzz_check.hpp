#pragma once
// Shared by the fuzz targets (tests/fuzz/fuzz_*.cpp): a property check that fails loudly in both
// builds — libFuzzer (clang, bench/fuzz.sh) and the corpus replay under CTest (g++, replay_main.cpp).
// A failed check prints what was expected and aborts: libFuzzer saves the input as a crash, the
// replay test fails. assert() would vanish under NDEBUG (RelWithDebInfo).
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, what)                                                                  \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, __LINE__, #cond, \
                         what);                                                                 \
            std::abort();                                                                       \
        }                                                                                       \
    } while (0)
