#!/usr/bin/env python3
"""hycast evaluate's baselines on real data (issue 26): ERSST v5 on the box of make experiment-ersst, hindcasts from every
month 2019-01 .. 2020-07 at leads 1-6 with the 2010-2018 monthly climatology.
- the table and the CSV have the rows anomaly persistence and damped persistence;
- the coefficients evaluate prints, and the RMSE of both baselines, equal those computed here with numpy from the file
  (area weights cos(lat) over the box's ocean cells; a_L the least-squares coefficient over the 2010-2018 pairs L months
  apart);
- an ensemble of forecasts (-forecast_ensemble 3) gets CRPS, spread and spread/skill rows, finite;
Skipped (with the reason) when $HYCAST_DATA/ersst/sst.mnmean.nc is absent.  $1: MPI ranks of the evaluate runs."""
import os, re, sys

import hctest
from hctest import check, path, run

if not os.environ.get("HYCAST_DATA"):
    print("SKIPPED: HYCAST_DATA is not set (make sets it; the Makefile has its default)")
    sys.exit(0)
ersst = os.path.join(os.environ["HYCAST_DATA"], "ersst", "sst.mnmean.nc")
if not os.path.exists(ersst):
    print(f"SKIPPED: {ersst} is absent (real ERSST data is user-supplied; see data/README.md)")
    sys.exit(0)
try:
    import netCDF4
    import numpy as np
except ImportError as e:
    print(f"SKIPPED: /usr/bin/python3 lacks {e.name} (make deps installs python3-netcdf4)")
    sys.exit(0)

ranks = int(sys.argv[1]) if len(sys.argv) > 1 else 1
hctest.start("t100-")
LEADS = 6


def csv_rows(name):
    lines = open(path(name)).read().splitlines()
    head = lines[0].split(",")
    return head, [dict(zip(head, l.split(","))) for l in lines[1:]]


box = ["-options_file", "configs/ersst.yaml", "-data_dates", "2010-01-01,2020-12-31"]
run(["train", "-options_file", "configs/ersst.yaml", "-model_terms", "advdiff", "-data_file", ersst, "-data_dates",
     "2010-01-01,2018-12-31", "-train_epochs", "0", "-train_window", "1", "-o", path("ad.nc")])
out = run(["evaluate", "-truth", ersst] + box + ["-models", path("ad.nc"), "-evaluate_labels", "ad", "-evaluate_dates",
           "2019-01-01,2020-07-01", "-evaluate_leads", str(LEADS), "-evaluate_csv", path("skill.csv")], ranks)
print("\n".join("    " + l for l in out.splitlines() if "damped" in l or l.startswith("  a of") or
                l.startswith(("anomaly persistence", "damped persistence", "climatology", "persistence "))))
m = re.search(r"^  a of sst, leads 1 \.\. 6:((?: -?[0-9.]+){6})$", out, re.M)
a = [float(v) for v in m.group(1).split()] if m else []
check(len(a) == LEADS and "damped persistence fitted on the climatology's states" in out,
      f"evaluate prints the 6 coefficients of damped persistence: {a}")
head, rows = csv_rows("skill.csv")
rmse = {(r["model"], int(r["lead"])): float(r["rmse"]) for r in rows}
tables = [l.split()[0:2] for l in out.splitlines() if l.startswith(("anomaly persistence", "damped persistence"))]
check(head[-3:] == ["crps", "spread", "spread_skill"] and all((b, l) in rmse for b in ("anomaly persistence",
      "damped persistence") for l in range(1, LEADS + 1)) and len(tables) == 6,
      "rows anomaly persistence and damped persistence in the CSV (columns crps, spread, spread_skill added) and in the 3 "
      "tables")

# the same from the file: the box's ocean cells, cos(lat) weights, climatology and fit over 2010-2018
ds = netCDF4.Dataset(ersst)
lat, lon = np.asarray(ds["lat"][:], float), np.asarray(ds["lon"][:], float)
times = netCDF4.num2date(ds["time"][:], ds["time"].units, getattr(ds["time"], "calendar", "standard"))
la, lo = (lat >= 19) & (lat <= 57), (lon >= 299) & (lon <= 341)
sst = np.ma.filled(ds["sst"][:][:, la, :][:, :, lo].astype(float), np.nan)
year, month = np.array([d.year for d in times]), np.array([d.month for d in times])
ocean = np.isfinite(sst).all(axis=0)
w = (np.cos(np.deg2rad(lat[la]))[:, None] * np.ones(lo.sum())[None, :])[ocean]
X = sst[:, ocean]
train = np.where(year <= 2018)[0]
clim = np.stack([X[train][month[train] == mo].mean(axis=0) for mo in range(1, 13)])
A = X - clim[month - 1]
want_a = [np.sum(w * A[train[:-L]] * A[train[L:]]) / np.sum(w * A[train[:-L]] ** 2) for L in range(1, LEADS + 1)]
starts = [i for i in range(len(times)) if (2019, 1) <= (year[i], month[i]) <= (2020, 7)]


def score(f):
    out = []
    for L in range(1, LEADS + 1):
        se = [np.sum(w * (clim[month[s + L] - 1] + f(A[s], L) - X[s + L]) ** 2) / np.sum(w) for s in starts if s + L < len(X)]
        out.append(np.sqrt(np.mean(se)))
    return out


anom = score(lambda x, L: x)
damp = score(lambda x, L: want_a[L - 1] * x)
got_anom = [rmse[("anomaly persistence", L)] for L in range(1, LEADS + 1)]
got_damp = [rmse[("damped persistence", L)] for L in range(1, LEADS + 1)]
close = lambda g, w, tol: len(g) == len(w) and all(abs(x - y) <= tol * abs(y) for x, y in zip(g, w))
check(close(a, want_a, 1e-3), f"coefficients as numpy's (printed to 4 decimals): {[round(v, 4) for v in want_a]}")
check(close(got_anom, anom, 1e-6), f"anomaly persistence RMSE {[round(v, 4) for v in got_anom]} = numpy's "
      f"{[round(v, 4) for v in anom]}")
check(close(got_damp, damp, 1e-6), f"damped persistence RMSE {[round(v, 4) for v in got_damp]} = numpy's "
      f"{[round(v, 4) for v in damp]}")

print("an ensemble of 3 perturbed forecasts from 2019-01, 3 months")
run(["forecast", "-model", path("ad.nc"), "-data", ersst, "-options_file", "configs/ersst.yaml", "-forecast_date",
     "2019-01-01", "-forecast_steps", "3", "-forecast_ensemble", "3", "-o", path("ens.nc")])
out = run(["evaluate", "-truth", ersst] + box + ["-forecast", path("ens.nc"), "-evaluate_csv", path("ens.csv")], ranks)
print("\n".join("    " + l for l in out.splitlines() if l.startswith(("CRPS", "spread", "forecast ", "damped persistence "))))
head, rows = csv_rows("ens.csv")
fc = [r for r in rows if r["model"] == "forecast"]
finite = lambda v: v not in ("nan", "inf", "-inf")
check(len(fc) == 3 and all(finite(r[k]) and float(r[k]) > 0 for r in fc for k in ("crps", "spread", "spread_skill")),
      "forecast rows with positive CRPS, spread and spread/skill: " +
      ", ".join(f"lead {r['lead']}: {float(r['crps']):.4f} {float(r['spread']):.4f} {float(r['spread_skill']):.3f}" for r in fc))
check(all(r["spread"] == "nan" and finite(r["crps"]) for r in rows if r["model"] != "forecast"),
      "baselines: a CRPS (their mean absolute error), no spread")
check(len(re.findall(r"^(CRPS|spread|spread/skill) of sst by lead", out, re.M)) == 3, "tables CRPS, spread, spread/skill")

hctest.finish()
