# Every build option of Gantry, with its documentation.
option(GANTRY_BUILD_TESTS "Build the Catch2 test suite" ON)
option(GANTRY_WERROR "Treat compiler warnings as errors" OFF)
set(GANTRY_SANITIZE "" CACHE STRING
    "Build with sanitizers: empty, 'address' (ASan + LeakSanitizer + UBSan) or 'undefined'")
option(GANTRY_FUZZ "Build the libFuzzer targets in fuzz/ (clang only; instruments the whole tree with ASan + UBSan)" OFF)
