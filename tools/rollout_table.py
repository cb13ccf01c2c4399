#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The roll-out table of docs/results.md ("Next frame") from the raw outputs in results/.

    python3 tools/rollout_table.py results/next_frame ROW... [--steps 1,5] [--metrics psnr,ssim,sharpness]

Reads ROW/seed-*/rollout.jsonl (one line per step, written by `gantry sample RUN --rollout K`) and
prints a markdown table: per row and step, each metric's mean +- standard error over the seeds
(sample s.d. / sqrt(n)) and the worst seed (lowest PSNR/SSIM; sharpness farthest from 1), then the
copy-last-frame baseline (baseline_* of the first row: it does not depend on the model)."""
import glob
import json
import math
import os
import sys


def stats(values):
    n = len(values)
    mean = sum(values) / n
    se = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1) / n) if n > 1 else float("nan")
    return mean, se


def main():
    args = sys.argv[1:]
    steps, metrics = [1, 5], ["psnr", "ssim", "sharpness"]
    if "--steps" in args:
        i = args.index("--steps"); steps = [int(s) for s in args[i + 1].split(",")]; del args[i:i + 2]
    if "--metrics" in args:
        i = args.index("--metrics"); metrics = args[i + 1].split(","); del args[i:i + 2]
    if len(args) < 2:
        sys.exit(__doc__)
    table, rows = args[0], args[1:]

    def read(row):
        runs = []
        for path in sorted(glob.glob(os.path.join(table, row, "seed-*", "rollout.jsonl"))):
            runs.append({json.loads(l)["step"]: json.loads(l) for l in open(path) if l.strip()})
        if not runs:
            sys.exit(f"no {table}/{row}/seed-*/rollout.jsonl")
        return runs

    header = ["row", "step"] + [f"{m} (mean ± s.e.)" for m in metrics] + [f"worst {metrics[0]}", "n"]
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    baseline = None
    for row in rows:
        runs = read(row)
        baseline = baseline or runs
        for step in steps:
            cells = []
            for m in metrics:
                mean, se = stats([r[step][m] for r in runs])
                cells.append(f"{mean:.3f} ± {se:.3f}")
            worst = min(r[step][metrics[0]] for r in runs)
            print(f"| {row} | {step} | " + " | ".join(cells) + f" | {worst:.3f} | {len(runs)} |")
    for step in steps:
        cells = []
        for m in metrics:
            mean, se = stats([r[step]["baseline_" + m] for r in baseline])
            cells.append(f"{mean:.3f}")
        print(f"| copy last frame | {step} | " + " | ".join(cells) + " | | |")


if __name__ == "__main__":
    main()
