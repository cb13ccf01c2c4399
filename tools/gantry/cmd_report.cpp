// SPDX-License-Identifier: Apache-2.0
// `gantry report DIR [--metric M]... [--selection final|best]`
#include <cstdio>
#include <memory>

#include "command.hpp"
#include "report/report.hpp"

namespace gantry::cli {
namespace {

struct ReportArgs {
    std::string dir;
    report::ReportOptions options;
};

std::function<int()> setup_report(CLI::App& app) {
    auto args = std::make_shared<ReportArgs>();
    app.add_option("dir", args->dir, "a sweep directory, a run directory, or a directory of runs")->required();
    app.add_option("--metric", args->options.metrics, "tabulate this metric, one the runs evaluated (repeatable; default: all of them)")
        ->allow_extra_args(false);
    app.add_option("--selection", args->options.selection,
                   "final (the last evaluation, default) or best (best evaluated iteration: optimistic)")
        ->check(CLI::IsMember({"final", "best"}));
    return [args] {
        const report::ReportFiles files = report::write_report(args->dir, args->options);
        for (const std::string& note : files.notes) std::fprintf(stderr, "gantry report: note: %s\n", note.c_str());
        std::printf("%s\n%s\n", files.markdown.c_str(), files.html.c_str());
        return 0;
    };
}

}  // namespace
}  // namespace gantry::cli

GANTRY_COMMAND("report", "report.md and report.html for a run or a sweep directory", gantry::cli::setup_report);
