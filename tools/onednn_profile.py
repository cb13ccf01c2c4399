#!/usr/bin/env python3
"""Where one training iteration's oneDNN time goes, from `ONEDNN_VERBOSE=1 gantry bench` logs.

    ONEDNN_VERBOSE=1 build/bin/gantry bench dcgan64 --threads 1 --iters 3 --warmup 1 > t1.txt
    ONEDNN_VERBOSE=1 build/bin/gantry bench dcgan64 --threads 2 --iters 3 --warmup 1 > t2.txt
    python3 tools/onednn_profile.py --iters 3 t1.txt t2.txt     # markdown on stdout

Each log holds warm-up + timed iterations of identical primitive calls; the last ITERS
iterations' calls are averaged (each `exec` line's last field is its time in ms). Convolutions
and transposed convolutions are grouped by whether both channel counts are >= 64 (the nets' big
layers) and given GFLOP/s by the same count as ../shared/perf/torch_gan_bench.py (every kernel
tap, padding included). Logs may be gzipped. Several logs (e.g. 1 and 2 threads) become columns, with the first
log's time divided by each other's ("speed-up")."""
import argparse
import collections
import gzip
import json
import re

BIG = "convolutions, both channel counts >= 64"
SMALL = "convolutions with 1, 3 or 100 channels"


def conv_flop(kind, problem):
    """2 * multiply-adds of one (de)convolution call from oneDNN's problem string."""
    g = {k: int(v) for k, v in re.findall(r"([a-z]+)(\d+)", problem)}
    spatial = g["oh"] * g.get("ow", g["oh"]) if kind == "convolution" else g["ih"] * g.get("iw", g["ih"])
    return 2 * g["mb"] * g["ic"] * g["oc"] * g["kh"] * g.get("kw", g["kh"]) * spatial, min(g["ic"], g["oc"])


def load(path, iters):
    lines = (gzip.open if path.endswith(".gz") else open)(path, "rt").read().splitlines()
    rows = [l.split(",") for l in lines if l.startswith("onednn_verbose,exec")]
    bench = [json.loads(l) for l in lines if l.startswith("{")]
    total = bench[-1]["iters"] + bench[-1]["warmup"] if bench else iters + 1
    if not rows or len(rows) % total:
        raise SystemExit(f"{path}: {len(rows)} exec lines do not split into {total} equal iterations")
    per = len(rows) // total
    rows = rows[-per * iters:]
    ms, flop, calls = collections.defaultdict(float), collections.defaultdict(float), collections.Counter()
    for r in rows:
        kind, t = r[3], float(r[-1]) / iters
        key = kind
        if kind in ("convolution", "deconvolution"):
            f, channels = conv_flop(kind, r[-2])
            key = BIG if channels >= 64 else SMALL
            flop[key] += f / iters
        ms[key] += t
        calls[key] += 1
    wall = 1000.0 / bench[-1]["it_per_s_median"] if bench else None
    return ms, flop, {k: v // iters for k, v in calls.items()}, per, wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=3, help="timed iterations at the end of each log")
    ap.add_argument("logs", nargs="+")
    a = ap.parse_args()
    runs = [load(p, a.iters) for p in a.logs]
    base = runs[0]
    head = "| per iteration (ms) | calls | " + " | ".join(f"log {i + 1}" for i in range(len(runs)))
    head += "".join(f" | speed-up 1/{i + 1}" for i in range(1, len(runs)))
    head += "".join(f" | GFLOP/s log {i + 1}" for i in range(len(runs))) + " |"
    print(head)
    print("|" + " --- |" * (head.count("|") - 1))
    for key in sorted(base[0], key=lambda k: -runs[-1][0][k]):
        cells = [f"{r[0][key]:.1f}" for r in runs]
        cells += [f"{base[0][key] / r[0][key]:.2f}" for r in runs[1:]]
        cells += [f"{r[1][key] / r[0][key] / 1e6:.0f}" if r[1][key] else "" for r in runs]
        print(f"| {key} | {base[2][key]} | " + " | ".join(cells) + " |")
    tot = [sum(r[0].values()) for r in runs]
    flop = sum(base[1].values())
    cells = [f"{t:.1f}" for t in tot] + [f"{tot[0] / t:.2f}" for t in tot[1:]]
    cells += [f"{flop / t / 1e6:.0f}" for t in tot]
    print(f"| all oneDNN primitives | {sum(base[2].values())} | " + " | ".join(cells) + " |")
    if all(r[4] for r in runs):
        walls = [r[4] for r in runs]
        cells = [f"{w:.1f}" for w in walls] + [f"{walls[0] / w:.2f}" for w in walls[1:]]
        cells += [f"{flop / w / 1e6:.0f}" for w in walls]
        print("| the iteration (the bench's median; outside oneDNN: "
              + ", ".join(f"{w - t:.0f}" for w, t in zip(walls, tot)) + ") | | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
