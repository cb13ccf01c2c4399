#!/usr/bin/env python3
"""Copies the small raw outputs of a finished sweep into the repository (results/<name>/):
the sweep's report.md and sweep.json, and per run (named <label>-seed<N>) its summary.json,
eval.jsonl and experiment.yaml -- kilobytes, never checkpoints. docs/results.md quotes them.

    tools/results/collect_sweep.py SWEEP_DIR results/NAME --command "gantry sweep ..." --commit SHA
"""
import argparse
import json
import pathlib
import shutil


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=pathlib.Path)
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--command", required=True, help="the command that made the sweep")
    parser.add_argument("--commit", required=True, help="the commit the binary was built from")
    args = parser.parse_args()

    sweep = json.loads((args.sweep_dir / "sweep.json").read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("report.md", "sweep.json"):
        shutil.copy(args.sweep_dir / name, args.out / name)
    runs = []
    for run in sweep["runs"]:
        src = args.sweep_dir / run["dir"]
        dst = args.out / f'{run["label"]}-seed{run["seed"]}'
        dst.mkdir(exist_ok=True)
        for name in ("summary.json", "eval.jsonl", "experiment.yaml"):
            if (src / name).exists():
                shutil.copy(src / name, dst / name)
        runs.append(f'| {run["label"]} | {run["seed"]} | `{run["id"]}` | {run["status"]} |')
    readme = [
        f"# {args.out.name}: raw outputs of sweep `{sweep.get('file', '?')}`",
        "",
        f"Made by `{args.command}` with the binary built from commit `{args.commit}`;",
        "copied by `tools/results/collect_sweep.py`. Each directory holds one run's summary.json,",
        "eval.jsonl and resolved experiment.yaml; report.md is the sweep's own report.",
        "",
        "| configuration | seed | run id | status |",
        "| --- | --- | --- | --- |",
        *runs,
        "",
    ]
    (args.out / "README.md").write_text("\n".join(readme))


if __name__ == "__main__":
    main()
