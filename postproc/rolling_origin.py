#!/usr/bin/python3
"""Rolling-origin skill with bootstrap intervals (issue 26): pools the MSE per initial time of `hycast evaluate
-evaluate_per_init` files (one per origin: a model trained on the years up to Y, hindcasts from the months of Y + 1),
and reports per lead the RMSE of a model and of its baselines over all the initial times, with a moving-block bootstrap
90% interval of the difference of RMSE (model minus baseline, and relative to the baseline).

    rolling_origin.py --per-init a.csv,b.csv,... --model hybrid --baselines "physics-only,damped persistence,climatology"
                      [--block 6] [--resamples 4000] [--seed 1] [--level 0.9] [--field sst] [--csv out.csv]

The bootstrap: the initial times of all files, in time order, are one series (consecutive months when the origins'
years follow each other).  Monthly errors are autocorrelated (an anomaly that persists makes several initial times in a
row good or bad, and the hindcasts from initial times less than a lead apart verify on the same months), so the series
is resampled in moving blocks of `--block` consecutive initial times (Kuensch 1989), not one initial time at a time; a
block as long as the longest lead covers the overlap of the verifying months.  Each resample draws ceil(n / block)
blocks with uniformly random starts among the n - block + 1, keeps the first n initial times, and computes for every
lead the RMSE of each table over them (the square root of the mean MSE: every initial time has the same scored cells
and area); the same initial times serve every lead and table, so the differences are paired.  The interval is the
percentile interval of the resampled differences."""
import argparse
import csv
import sys

import numpy as np

KEYS = ("init", "init_index", "field", "lead")


def read_per_init(files, field=None):
    """{init date: {lead: {table: mse}}} from -evaluate_per_init files (an initial time in two files: an error)."""
    out, tables = {}, None
    for name in files:
        with open(name) as f:
            rows = list(csv.DictReader(f))
        if not rows:
            sys.exit(f"rolling_origin: {name}: no initial time")
        cols = [c for c in rows[0] if c not in KEYS]
        tables = cols if tables is None else [t for t in tables if t in cols]
        seen = set()
        for r in rows:
            if field and r["field"] != field:
                continue
            if r["init"] in out and r["init"] not in seen:
                sys.exit(f"rolling_origin: {name}: initial time {r['init']} is also in an earlier file")
            seen.add(r["init"])
            out.setdefault(r["init"], {})[int(r["lead"])] = {c: float(r[c]) for c in cols}
    return out, tables


def block_indices(n, block, resamples, rng):
    """resamples x n indices of a moving-block bootstrap of a series of n (block 1: the ordinary bootstrap)."""
    block = max(1, min(block, n))
    nb = -(-n // block)
    starts = rng.integers(0, n - block + 1, size=(resamples, nb))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(resamples, nb * block)
    return idx[:, :n]


def rmse_difference(mse_a, mse_b, block, resamples, rng, level=0.9, idx=None):
    """The RMSE difference a - b of two paired series of MSE per initial time, its relative value (a / b - 1), and the
    percentile intervals of both from a moving-block bootstrap: (d, (lo, hi), r, (rlo, rhi))."""
    a, b = np.asarray(mse_a, float), np.asarray(mse_b, float)
    if idx is None:
        idx = block_indices(len(a), block, resamples, rng)
    ra, rb = np.sqrt(a[idx].mean(axis=1)), np.sqrt(b[idx].mean(axis=1))
    q = [(1 - level) / 2, (1 + level) / 2]
    d, r = np.sqrt(a.mean()) - np.sqrt(b.mean()), np.sqrt(a.mean() / b.mean()) - 1
    return d, tuple(np.quantile(ra - rb, q)), r, tuple(np.quantile(ra / rb - 1, q))


def table(per, tables, model, baselines, block, resamples, seed, level):
    """rows [(lead, n, rmse of model, {baseline: (rmse, d, (lo, hi), r, (rlo, rhi))})] over the initial times scored at
    every lead, and the list of those initial times."""
    leads = sorted({l for v in per.values() for l in v})
    inits = sorted(k for k, v in per.items() if all(l in v for l in leads))
    for t in [model] + baselines:
        if t not in tables:
            sys.exit(f"rolling_origin: no column '{t}' in the files (they have: {', '.join(tables)})")
    if len(inits) < 2:
        sys.exit(f"rolling_origin: {len(inits)} initial time(s) scored at every lead: nothing to resample")
    rng = np.random.default_rng(seed)
    idx = block_indices(len(inits), block, resamples, rng)
    rows = []
    for l in leads:
        m = [per[k][l][model] for k in inits]
        cols = {}
        for b in baselines:
            mb = [per[k][l][b] for k in inits]
            cols[b] = (float(np.sqrt(np.mean(mb))),) + rmse_difference(m, mb, block, resamples, rng, level, idx)
        rows.append((l, len(inits), float(np.sqrt(np.mean(m))), cols))
    return rows, inits


def markdown(rows, model, baselines, level):
    """per lead: the RMSE of the model, and per baseline its RMSE and the difference model - baseline with its interval
    (and relative to the baseline's RMSE)"""
    pc = int(round(100 * level))
    head = ["lead", model] + [x for b in baselines for x in (b, f"{model} - {b} [{pc}% interval]")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for l, n, rm, cols in rows:
        cells = [str(l), f"{rm:.4f}"]
        for b in baselines:
            rb, d, (lo, hi), r, _ = cols[b]
            cells += [f"{rb:.4f}", f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}] ({100 * r:+.1f}%)"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-init", required=True, help="comma-separated -evaluate_per_init files (one per origin)")
    ap.add_argument("--model", required=True, help="the column of the model (its -evaluate_labels label)")
    ap.add_argument("--baselines", default="physics-only,damped persistence,climatology",
                    help="comma-separated columns to compare with (default: %(default)s)")
    ap.add_argument("--field", default=None, help="the field (default: every row; give it for files of several fields)")
    ap.add_argument("--block", type=int, default=6, help="block length in initial times (default %(default)s)")
    ap.add_argument("--resamples", type=int, default=4000, help="bootstrap resamples (default %(default)s)")
    ap.add_argument("--seed", type=int, default=1, help="random seed of the resampling (default %(default)s)")
    ap.add_argument("--level", type=float, default=0.9, help="interval level (default %(default)s)")
    ap.add_argument("--csv", help="also write lead,baseline,n,rmse_model,rmse_baseline,diff,lo,hi,rel,rel_lo,rel_hi")
    a = ap.parse_args()
    if a.block < 1 or a.resamples < 10 or not 0 < a.level < 1:
        sys.exit("rolling_origin: --block >= 1, --resamples >= 10 and 0 < --level < 1")
    per, tables = read_per_init(a.per_init.split(","), a.field)
    baselines = [b for b in a.baselines.split(",") if b]
    rows, inits = table(per, tables, a.model, baselines, a.block, a.resamples, a.seed, a.level)
    print(f"{len(inits)} initial times ({inits[0]} .. {inits[-1]}), moving blocks of {a.block}, {a.resamples} resamples, "
          f"seed {a.seed}\n")
    print(markdown(rows, a.model, baselines, a.level))
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["lead", "baseline", "n", "rmse_model", "rmse_baseline", "diff", "lo", "hi", "rel", "rel_lo", "rel_hi"])
            for l, n, rm, cols in rows:
                for b in baselines:
                    rb, d, (lo, hi), r, (rlo, rhi) = cols[b]
                    w.writerow([l, b, n] + [f"{v:.8g}" for v in (rm, rb, d, lo, hi, r, rlo, rhi)])


if __name__ == "__main__":
    main()
