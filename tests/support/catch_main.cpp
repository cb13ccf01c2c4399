// SPDX-License-Identifier: Apache-2.0
// Catch2's main, in a translation unit of its own: the header is slow to compile.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
