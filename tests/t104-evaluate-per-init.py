#!/usr/bin/env python3
"""hycast evaluate -evaluate_per_init FILE (issue 26, the rolling-origin protocol): every table's MSE per initial time,
field and lead, what a bootstrap over the initial times resamples (postproc/rolling_origin.py).
- the columns are init,init_index,field,lead and one per table, in the order of the -evaluate_csv rows;
- per table and lead, the rows are the initial times scored (as many as initial_times) and the square root of their
  mean MSE is the table's RMSE (to 1e-9): on the monthly Cartesian states of tests/data/eval-monthly.cdl and, when
  $HYCAST_DATA/ersst/sst.mnmean.nc exists, on ERSST's lat-lon cells of the box of make experiment-ersst (area weights,
  land);
- the same for two forecast files (hycast forecast), one row per file's initial time;
- persistence's MSE per initial time equals numpy's mean over the cells of (h(k) - h(k + lead))^2;
- on $1 ranks the file equals the 1-rank file (to 1e-10);
- bad input: the file named as the truth is refused, a file in a missing folder is one clear error.
$1: MPI ranks of the evaluate runs."""
import os, subprocess, sys

try:
    import netCDF4
    import numpy as np
except ImportError as e:
    print(f"SKIPPED: /usr/bin/python3 lacks {e.name} (make deps installs python3-netcdf4)")
    sys.exit(0)
import hctest
from hctest import check, path, root, run

ranks = int(sys.argv[1]) if len(sys.argv) > 1 else 1
hctest.start("t104-")


def read_csv(name):
    lines = open(path(name)).read().splitlines()
    head = lines[0].split(",")
    return head, [dict(zip(head, l.split(","))) for l in lines[1:]]


def close(a, b, tol):
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-30)


def evaluate(tag, args, n):
    out = run(["evaluate"] + args + ["-evaluate_csv", path(f"{tag}-skill-{n}.csv"), "-evaluate_per_init",
                                     path(f"{tag}-init-{n}.csv")], n)
    check(f"MSE per initial time written to {path(f'{tag}-init-{n}.csv')}" in out, f"{tag}, {n} rank(s): says where")
    return read_csv(f"{tag}-skill-{n}.csv"), read_csv(f"{tag}-init-{n}.csv")


def consistent(tag, skill, per):
    (_, srows), (head, prows) = skill, per
    labels = list(dict.fromkeys(r["model"] for r in srows))
    check(head == ["init", "init_index", "field", "lead"] + labels,
          f"{tag}: columns init,init_index,field,lead + the tables {labels}")
    worst, counts = 0.0, True
    for r in srows:
        rows = [p for p in prows if p["field"] == r["field"] and int(p["lead"]) == int(r["lead"])]
        counts &= len(rows) == int(r["initial_times"])
        mse = [float(p[r["model"]]) for p in rows]
        worst = max(worst, abs(np.sqrt(np.mean(mse)) - float(r["rmse"])) / float(r["rmse"]))
    check(counts, f"{tag}: per table and lead, one row per initial time scored (initial_times of the CSV)")
    check(worst <= 1e-9, f"{tag}: sqrt(mean over the initial times of the MSE) = the RMSE of -evaluate_csv "
          f"(largest relative difference {worst:.1e})")
    return labels


def same_files(tag, a, b):
    (ha, ra), (hb, rb) = a, b
    ok = ha == hb and len(ra) == len(rb)
    for x, y in zip(ra, rb):
        for k in ha:
            ok &= x[k] == y[k] if k in ("init", "init_index", "field", "lead") else close(float(x[k]), float(y[k]), 1e-10)
    check(ok, f"{tag}: the file on {ranks} ranks equals the 1-rank file ({len(ra)} rows)")


# monthly Cartesian states 1990-01 .. 1991-12: hindcasts from 1991-03 .. 1991-10, climatology 1990-01 .. 1991-02 (two
# Januaries and Februaries: damped persistence can be fitted)
subprocess.run(["ncgen", "-k", "1", "-o", path("m.nc"), os.path.join(root, "tests", "data", "eval-monthly.cdl")], check=True)
run(["train", "-data_file", path("m.nc"), "-data_vars", "h", "-model_terms", "advdiff", "-train_epochs", "0",
     "-train_window", "1", "-o", path("model.nc")])
args = ["-truth", path("m.nc"), "-data_vars", "h", "-models", path("model.nc") + "," + path("model.nc"),
        "-evaluate_labels", "a,b", "-evaluate_inits", "14,21", "-evaluate_leads", "3"]
one = evaluate("monthly", args, 1)
labels = consistent("monthly", *one)
check("damped persistence" in labels and "anomaly persistence" in labels, "monthly: the baselines' columns are there")
H = np.asarray(netCDF4.Dataset(path("m.nc"))["h"][:], dtype=float)
worst = 0.0
for p in one[1][1]:
    k, lead = int(p["init_index"]), int(p["lead"])
    want = np.mean((H[k] - H[k + lead]) ** 2)
    worst = max(worst, abs(float(p["persistence"]) - want) / want)
check(worst <= 1e-12 and len(one[1][1]) == 8 * 3 - 1,
      f"monthly: persistence per initial time as numpy's (largest relative difference {worst:.1e}; 23 rows: the last "
      "initial time, 21, is cut at the truth's end)")
if ranks > 1:
    same_files("monthly", evaluate("monthly", args, ranks)[1], one[1])
# forecast files: one row per file's initial date
for k in (14, 16):
    run(["forecast", "-model", path("model.nc"), "-data", path("m.nc"), "-data_vars", "h", "-forecast_start", str(k),
         "-forecast_steps", "3", "-o", path(f"fc{k}.nc")])
fc = evaluate("files", ["-truth", path("m.nc"), "-data_vars", "h", "-forecast", path("fc14.nc") + "," + path("fc16.nc")],
              ranks)
consistent("forecast files", *fc)
check(sorted({int(p["init_index"]) for p in fc[1][1]}) == [14, 16], "forecast files: the initial times 14 and 16")

ersst = os.path.join(os.environ.get("HYCAST_DATA", ""), "ersst", "sst.mnmean.nc")
if os.path.exists(ersst):
    run(["train", "-options_file", "configs/ersst.yaml", "-model_terms", "advdiff", "-data_file", ersst, "-data_dates",
         "2010-01-01,2014-12-31", "-train_epochs", "0", "-train_window", "1", "-o", path("ad.nc")])
    args = ["-truth", ersst, "-options_file", "configs/ersst.yaml", "-data_dates", "2010-01-01,2016-12-31", "-models",
            path("ad.nc"), "-evaluate_labels", "ad", "-evaluate_dates", "2015-01-01,2015-12-01", "-evaluate_leads", "6"]
    e1 = evaluate("ersst", args, ranks)
    consistent("ersst", *e1)
    if ranks > 1:
        same_files("ersst", e1[1], evaluate("ersst", args, 1)[1])
else:
    print(f"  (the ERSST part is skipped: {ersst} is absent)")

out = run(["evaluate"] + args[:-2] + ["-evaluate_per_init", args[1]], ranks, expect_fail=True)
check("-evaluate_per_init" in out and "PETSC ERROR" not in out, "the truth named as -evaluate_per_init: refused: " +
      next((l for l in out.splitlines() if "error" in l), "?"))
out = run(["evaluate"] + args + ["-evaluate_per_init", path("no/such/dir/x.csv")], ranks, expect_fail=True)
line = f"hycast evaluate: error: -evaluate_per_init {path('no/such/dir/x.csv')}: cannot write it: No such file or directory"
check(line in out.splitlines() and "PETSC ERROR" not in out, "a file in a missing folder: " +
      next((l for l in out.splitlines() if "error" in l), "?"))
hctest.finish()
