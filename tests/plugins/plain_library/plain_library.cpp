// SPDX-License-Identifier: Apache-2.0
// A shared library that is not a gantry plugin (no `gantry` section): scans pass over it.
extern "C" __attribute__((visibility("default"))) int gantry_test_plain_library() { return 1; }
