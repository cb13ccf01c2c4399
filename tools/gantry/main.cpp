// SPDX-License-Identifier: Apache-2.0
#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
    std::fprintf(stderr, "usage: gantry COMMAND ...\n");
    return 2;
}
