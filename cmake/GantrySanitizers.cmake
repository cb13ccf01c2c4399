# GANTRY_FUZZ: coverage instrumentation for libFuzzer plus ASan + UBSan on every target, so that the
# fuzzers see (and check) the core's code, not only their own.
if(GANTRY_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "GANTRY_FUZZ=ON needs clang (libFuzzer): configure with CXX=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined -g)
  add_link_options(-fsanitize=address,undefined)
endif()

# GANTRY_SANITIZE=address instruments every target of the tree (core, plugins, tools, tests).
if(GANTRY_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(GANTRY_SANITIZE STREQUAL "undefined")
  add_compile_options(-fsanitize=undefined -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=undefined)
elseif(NOT GANTRY_SANITIZE STREQUAL "")
  message(FATAL_ERROR "GANTRY_SANITIZE must be empty, 'address' or 'undefined', got '${GANTRY_SANITIZE}'")
endif()

add_library(gantry_warnings INTERFACE)
target_compile_options(gantry_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter
                       $<$<BOOL:${GANTRY_WERROR}>:-Werror>)
