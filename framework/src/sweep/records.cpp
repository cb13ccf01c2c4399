// SPDX-License-Identifier: Apache-2.0
#include "records.hpp"

#include <signal.h>
#include <string.h>

#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"

namespace gantry::sweep::detail {
namespace fs = std::filesystem;

namespace {

const char* to_string(Action a) {
    return a == Action::skip ? "skip" : a == Action::start ? "start" : "resume";
}

struct LogReason {
    std::string error;  // the last "error:" line: the reason, when the run could say it
    std::string tail;   // the last lines otherwise (a crash, or an exit that said nothing)
};

LogReason log_reason(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line.rfind("=== ", 0) != 0) lines.push_back(line);
    LogReason out;
    for (auto it = lines.rbegin(); it != lines.rend() && out.error.empty(); ++it)
        if (it->find("error:") != std::string::npos) out.error = *it;
    for (size_t i = lines.size() > 3 ? lines.size() - 3 : 0; i < lines.size(); ++i)
        out.tail += (out.tail.empty() ? "" : " | ") + lines[i];
    return out;
}

}  // namespace

void write_state(const SweepSpec& spec, const std::string& dir, const std::vector<RunRecord>& records) {
    nlohmann::json state = {{"sweep", spec.name},
                            {"file", spec.file},
                            {"base", spec.base},
                            {"backend", to_string(spec.backend)},
                            {"selection", to_string(spec.selection)},
                            {"metrics", spec.report_metrics},
                            {"random_search", spec.random_search},
                            {"hyper_seed", spec.hyper_seed},
                            {"configurations", spec.configurations},
                            {"notes", spec.notes}};
    nlohmann::json runs = nlohmann::json::array();
    for (const RunRecord& r : records)
        runs.push_back({{"id", r.run->run_id},
                        {"dir", fs::relative(r.dir, dir).string()},
                        {"label", r.run->label},
                        {"configuration", r.run->configuration},
                        {"seed", r.run->seed},
                        {"overrides", r.run->assignments()},
                        {"action", to_string(r.action)},
                        {"status", r.status},
                        {"exit_code", r.exit_code},
                        {"message", r.message},
                        {"log", r.log.empty() ? "" : fs::relative(r.log, dir).string()}});
    for (size_t i = 0; i < records.size(); ++i)
        if (!records[i].changed.empty()) runs[i]["changed"] = records[i].changed;
    state["runs"] = runs;
    io::atomic_write(fs::path(dir) / "sweep.json",
                     state.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

std::vector<std::string> run_arguments(const SweepSpec& spec, const RunRecord& record,
                                       const std::string& sweep_dir, int threads) {
    if (record.action == Action::resume) return {"run", "--resume", record.dir};
    std::vector<std::string> args = {"run", spec.base};
    bool sets_threads = false;
    for (const Override& o : record.run->overrides) {
        args.push_back("--set");
        args.push_back(o.assignment());
        sets_threads = sets_threads || o.key == "threads";
    }
    if (!sets_threads) {
        args.push_back("--set");
        args.push_back("threads=" + std::to_string(threads));
    }
    for (const char* a : {"--out", sweep_dir.c_str(), "--run-id", record.run->run_id.c_str()}) args.emplace_back(a);
    return args;
}

std::string format(const char* pattern, ...) {
    va_list args;
    va_start(args, pattern);
    va_list again;
    va_copy(again, args);
    const int size = std::vsnprintf(nullptr, 0, pattern, args);
    va_end(args);
    std::string text(static_cast<size_t>(size > 0 ? size : 0), '\0');
    std::vsnprintf(text.data(), text.size() + 1, pattern, again);
    va_end(again);
    return text;
}

void settle(RunRecord& record, int exit_code, int signal) {
    record.exit_code = exit_code;
    std::string summary_status, summary_message;
    if (std::ifstream in(fs::path(record.dir) / "summary.json"); in) {
        const auto summary = nlohmann::json::parse(in, nullptr, false);
        if (summary.is_object()) {
            summary_status = summary.value("status", "");
            summary_message = summary.value("message", "");
        }
    }
    if (exit_code == 0 && (summary_status == "done" || summary_status == "stopped")) {
        record.status = summary_status;
        record.message.clear();
    } else if (exit_code == 130) {
        record.status = "interrupted";
        record.message = "interrupted; a relaunch resumes it from its checkpoint";
    } else {
        record.status = "failed";
        const LogReason log = log_reason(record.log);
        std::string reason = !summary_message.empty() ? summary_message : log.error;
        // Without a message of its own the run crashed or exited silently: say how it ended and
        // what it printed last.
        if (reason.empty())
            reason = std::string(signal != 0 ? "no error message" : "exit code " + std::to_string(exit_code) +
                                                                         " without an error message") +
                     (log.tail.empty() ? "" : "; its log ends: " + log.tail);
        record.message = signal != 0 ? std::string("killed by signal ") + strsignal(signal) + ": " + reason : reason;
    }
}

void clear_stale_dir(const RunRecord& record) {
    if (!fs::exists(record.dir) || fs::exists(fs::path(record.dir) / "experiment.yaml")) return;
    for (int n = 1;; ++n) {
        const fs::path aside = record.dir + ".incomplete-" + std::to_string(n);
        if (!fs::exists(aside)) {
            fs::rename(record.dir, aside);
            return;
        }
    }
}

}  // namespace gantry::sweep::detail
