#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Copies the small raw outputs of a finished sweep into results/ (docs/results.md, issue 18).

    python3 tools/collect_results.py SWEEP_DIR results/TABLE/ROW [--label LABEL]

For every finished run of SWEEP_DIR/sweep.json (only those labelled LABEL when given), copies its
summary.json, eval.jsonl and manifest.json into results/TABLE/ROW/seed-<S>/, and the sweep's
report.md beside them. Nothing else (no checkpoints, no sample series): kilobytes per run.
tests/docs/results_test.cpp recomputes the tables of docs/results.md from these files."""
import json
import os
import shutil
import sys


def main():
    args = sys.argv[1:]
    label = None
    if "--label" in args:
        i = args.index("--label")
        label = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    sweep, dest = args
    record = json.load(open(os.path.join(sweep, "sweep.json")))
    os.makedirs(dest, exist_ok=True)
    copied = 0
    for run in record["runs"]:
        if label is not None and run["label"] != label:
            continue
        src = os.path.join(sweep, run["dir"])
        if run["status"] != "done" or not os.path.exists(os.path.join(src, "summary.json")):
            print(f"skipped {run['id']} (seed {run['seed']}): {run['status']}", file=sys.stderr)
            continue
        out = os.path.join(dest, f"seed-{run['seed']}")
        os.makedirs(out, exist_ok=True)
        for name in ("summary.json", "eval.jsonl", "manifest.json"):
            shutil.copyfile(os.path.join(src, name), os.path.join(out, name))
        copied += 1
    if os.path.exists(os.path.join(sweep, "report.md")):
        shutil.copyfile(os.path.join(sweep, "report.md"), os.path.join(dest, "report.md"))
    print(f"{copied} runs -> {dest}")


if __name__ == "__main__":
    main()
