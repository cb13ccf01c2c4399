#!/usr/bin/env python3
"""The table of issue 16 from what tools/bench_rounds.sh wrote: per workload and thread count,
each round's it/s (Gantry fp32, Gantry bf16, PyTorch) and ratios, and their medians over rounds,
with the fp32 and bf16 matmul peaks measured in each round.

    python3 tools/bench_table.py OUT            # markdown on stdout

A ratio is taken within a round (the two programs measured minutes apart), then the median of
the rounds' ratios is quoted: on a noisy machine that is steadier than a ratio of medians."""
import glob
import json
import os
import re
import statistics
import sys

WORKLOADS = ["mlp2d", "dcgan28", "dcgan64"]


def peaks(path):
    """{threads: {"f32": GFLOP/s, "bf16": GFLOP/s}} from peak/run.sh's output (large square matmul)."""
    out, threads = {}, None
    for line in open(path):
        m = re.match(r"== OMP_NUM_THREADS=(\d+)", line)
        if m:
            threads = int(m.group(1))
            out[threads] = {}
        m = re.match(r"matmul\s+(f32|bf16)\s+large square.*?([\d.]+) GFLOP/s", line)
        if m and threads is not None:
            out[threads][m.group(1)] = float(m.group(2))
    return out


def load(out_dir):
    rounds = []
    for d in sorted(glob.glob(os.path.join(out_dir, "round-*")), key=lambda p: int(p.rsplit("-", 1)[1])):
        r = {"name": os.path.basename(d), "start": open(os.path.join(d, "start.txt")).read().strip(),
             "peak": peaks(os.path.join(d, "peak.txt")), "runs": {}}
        for w in WORKLOADS:
            for t in (1, 2):
                g = {}
                for p in ("fp32", "bf16"):
                    f = os.path.join(d, "gantry-%s-%d-%s.json" % (w, t, p))
                    if os.path.exists(f) and os.path.getsize(f):
                        g[p] = json.loads(open(f).read())
                f = os.path.join(d, "torch-%s-%d.json" % (w, t))
                torch = json.load(open(f))["results"][0] if os.path.exists(f) else None
                if g and torch:
                    r["runs"][(w, t)] = (g, torch)
        rounds.append(r)
    return rounds


def fmt(x, digits=2):
    return "—" if x is None else ("%.*f" % (digits, x))


def main():
    rounds = load(sys.argv[1])
    print("| workload | threads | Gantry fp32 it/s | Gantry bf16 it/s | PyTorch it/s | fp32 / PyTorch | "
          "bf16 / PyTorch | bf16 / fp32 | fp32 GFLOP/s (% of fp32 matmul peak) | rounds |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for w in WORKLOADS:
        for t in (1, 2):
            rows = [(r, *r["runs"][(w, t)]) for r in rounds if (w, t) in r["runs"]]
            if not rows:
                continue
            fp32 = [g["fp32"]["it_per_s_median"] for _, g, _ in rows]
            bf16 = [g["bf16"]["it_per_s_median"] for _, g, _ in rows if "bf16" in g]
            ref = [tr["it_per_s_median"] for _, _, tr in rows]
            ratio = [g["fp32"]["it_per_s_median"] / tr["it_per_s_median"] for _, g, tr in rows]
            ratio16 = [g["bf16"]["it_per_s_median"] / tr["it_per_s_median"] for _, g, tr in rows if "bf16" in g]
            self16 = [g["bf16"]["it_per_s_median"] / g["fp32"]["it_per_s_median"] for _, g, _ in rows if "bf16" in g]
            frac = [g["fp32"]["gflops_achieved_median"] / r["peak"][t]["f32"] for r, g, _ in rows
                    if g["fp32"].get("gflops_achieved_median") and r["peak"].get(t, {}).get("f32")]
            gf = [g["fp32"]["gflops_achieved_median"] for _, g, _ in rows if g["fp32"].get("gflops_achieved_median")]
            med = lambda v: statistics.median(v) if v else None
            print("| %s | %d | %s | %s | %s | **%s×** (%s) | %s× | %s× | %s (%s %%) | %d |" % (
                w, t, fmt(med(fp32)), fmt(med(bf16)), fmt(med(ref)), fmt(med(ratio)),
                " ".join(fmt(x) for x in ratio), fmt(med(ratio16)), fmt(med(self16)),
                fmt(med(gf), 0), fmt(100 * med(frac) if frac else None, 0), len(rows)))
    print()
    print("| round | start (UTC) | fp32 matmul peak, 1 / 2 threads | bf16 matmul peak, 1 / 2 threads |")
    print("| --- | --- | --- | --- |")
    for r in rounds:
        p = r["peak"]
        print("| %s | %s | %s / %s | %s / %s |" % (r["name"], r["start"], fmt(p.get(1, {}).get("f32"), 0),
              fmt(p.get(2, {}).get("f32"), 0), fmt(p.get(1, {}).get("bf16"), 0), fmt(p.get(2, {}).get("bf16"), 0)))


if __name__ == "__main__":
    main()
