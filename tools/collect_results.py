#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Copies the small raw outputs of a finished sweep into results/ (docs/results.md, issue 18).

    python3 tools/collect_results.py SWEEP_DIR results/TABLE/ROW [--label LABEL]

For every finished run under SWEEP_DIR (only those labelled LABEL in sweep.json when given), copies its
summary.json, eval.jsonl and manifest.json into results/TABLE/ROW/seed-<S>/ (and, for a run that
`gantry sample --rollout` was run on, its newest samples/rollout-*.jsonl as rollout.jsonl), and the
sweep's report.md beside them. Nothing else (no checkpoints, no sample series): kilobytes per run.
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
    # Every run directory under the sweep (sweep.json lists only the last invocation's runs when
    # a sweep was run in parts), its seed read from its resolved experiment.yaml.
    labels = {}
    if os.path.exists(os.path.join(sweep, "sweep.json")):
        for run in json.load(open(os.path.join(sweep, "sweep.json")))["runs"]:
            labels[run["id"]] = run["label"]
    os.makedirs(dest, exist_ok=True)
    copied = 0
    for exp in sorted(os.listdir(sweep)):
        if not os.path.isdir(os.path.join(sweep, exp)) or exp in ("logs", "report"):
            continue
        for rid in sorted(os.listdir(os.path.join(sweep, exp))):
            src = os.path.join(sweep, exp, rid)
            if not os.path.exists(os.path.join(src, "experiment.yaml")):
                continue
            # A run an earlier invocation listed has no label in sweep.json: with --label, it is
            # left out (said), not taken for the label asked for.
            if label is not None and labels.get(rid) != label:
                if rid not in labels:
                    print(f"skipped {src}: not in sweep.json, its label unknown", file=sys.stderr)
                continue
            summary = os.path.join(src, "summary.json")
            # "stopped": ended by evaluate.stop_when, a finished run (docs/sweeps.md).
            if not os.path.exists(summary) or json.load(open(summary)).get("status") not in ("done", "stopped"):
                print(f"skipped {src}: not finished", file=sys.stderr)
                continue
            seed = next(int(l.split(":")[1]) for l in open(os.path.join(src, "experiment.yaml"))
                        if l.startswith("seed:"))
            out = os.path.join(dest, f"seed-{seed}")
            os.makedirs(out, exist_ok=True)
            for name in ("summary.json", "eval.jsonl", "manifest.json"):
                shutil.copyfile(os.path.join(src, name), os.path.join(out, name))
            samples = os.path.join(src, "samples")
            rollouts = sorted(f for f in os.listdir(samples) if f.startswith("rollout-") and f.endswith(".jsonl")) \
                if os.path.isdir(samples) else []
            if rollouts:
                shutil.copyfile(os.path.join(samples, rollouts[-1]), os.path.join(out, "rollout.jsonl"))
            copied += 1
    if os.path.exists(os.path.join(sweep, "report.md")):
        shutil.copyfile(os.path.join(sweep, "report.md"), os.path.join(dest, "report.md"))
    print(f"{copied} runs -> {dest}")


if __name__ == "__main__":
    main()
