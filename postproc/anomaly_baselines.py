#!/usr/bin/python3
"""Statistical anomaly forecasts of monthly SST, to tell how much a learned correction could add to the physics-only
model of make experiment-ersst (damped persistence of the anomaly from a seasonal cycle) on the same data.

Anomalies a = SST - (monthly climatology of the training years), per cell.  Each model is fitted by least squares on the
training months' consecutive pairs (a(t), a(t+1)) and forecasts the anomaly month by month; the forecast is
climatology + anomaly.  Scored like `hycast evaluate`: area-weighted (cos lat) RMSE over the cells that are ocean at
every time, from every initial month of the test period, per lead.

  global persistence   a(t+1) = rho a(t), one rho                  (the physics-only model's structure)
  monthly persistence  rho per calendar month                      (a season-dependent damping)
  per-cell persistence rho per cell                                (a place-dependent damping)
  LIM k                a(t+1) = M a(t) in the k leading EOFs, global rho outside (a linear inverse model: non-local)
  basin mean           a(t+1) = rho a(t) + b <a(t)> on every cell of a larger region (--basin), <.> its area-weighted
                       mean, fitted and stepped there, scored on the box (the structure of the meanmlp hybrid)
  climatology          a = 0

Usage: anomaly_baselines.py --data sst.mnmean.nc --box 299,341,19,57 [--train 2010,2018] [--test 2019-01,2020-07]
                            [--leads 6] [--basin lon0,lon1,lat0,lat1] [--csv out.csv]"""
import argparse
import os
import sys

import netCDF4
import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--var", default="sst")
    ap.add_argument("--box", default="299,341,19,57", help="lon0,lon1,lat0,lat1 (degrees; cell centres inside)")
    ap.add_argument("--train", default="2010,2018", help="first,last training year")
    ap.add_argument("--test", default="2019-01,2020-07", help="first,last initial month (YYYY-MM)")
    ap.add_argument("--leads", type=int, default=6)
    ap.add_argument("--eofs", default="2,3,5,8", help="numbers of EOFs of the linear inverse models")
    ap.add_argument("--basin", help="lon0,lon1,lat0,lat1: the region of the basin-mean model (around the box)")
    ap.add_argument("--csv")
    a = ap.parse_args()
    try:
        lon0, lon1, lat0, lat1 = (float(x) for x in a.box.split(","))
        y0, y1 = (int(x) for x in a.train.split(","))
        (s0y, s0m), (s1y, s1m) = ((int(p) for p in d.split("-")) for d in a.test.split(","))
        eofs = [int(k) for k in a.eofs.split(",")]
        basin = [float(x) for x in a.basin.split(",")] if a.basin else None
        if basin and (len(basin) != 4 or not (basin[0] <= lon0 and lon1 <= basin[1] and basin[2] <= lat0 and lat1 <= basin[3])):
            raise ValueError
    except ValueError:
        sys.exit(f"anomaly_baselines: bad --box, --train, --test, --eofs or --basin (four numbers around the box): {a.box} "
                 f"{a.train} {a.test} {a.eofs} {a.basin}")
    try:
        ds = netCDF4.Dataset(a.data)
        lat, lon = np.asarray(ds["lat"][:], float), np.asarray(ds["lon"][:], float)
        times = netCDF4.num2date(ds["time"][:], ds["time"].units, getattr(ds["time"], "calendar", "standard"))
        la, lo = (lat >= lat0) & (lat <= lat1), (lon >= lon0) & (lon <= lon1)
        sst = np.ma.filled(ds[a.var][:][:, la, :][:, :, lo].astype(float), np.nan)
        if basin:
            lb, ob = (lat >= basin[2]) & (lat <= basin[3]), (lon >= basin[0]) & (lon <= basin[1])
            bsst = np.ma.filled(ds[a.var][:][:, lb, :][:, :, ob].astype(float), np.nan)
    except (OSError, KeyError, IndexError) as e:
        sys.exit(f"anomaly_baselines: {a.data}: cannot read {a.var} with lat, lon, time: {e}")
    year = np.array([d.year for d in times])
    month = np.array([d.month for d in times])
    ocean = np.isfinite(sst).all(axis=0)
    if not ocean.any():
        sys.exit(f"anomaly_baselines: no ocean cell in the box {a.box}")
    w = np.cos(np.deg2rad(lat[la]))[:, None] * np.ones(lo.sum())[None, :]
    train = (year >= y0) & (year <= y1)
    clim = np.stack([np.mean(sst[train & (month == m)], axis=0) for m in range(1, 13)])
    anom = sst - clim[month - 1]
    pairs = np.where(train[:-1] & train[1:])[0]
    x0, x1 = anom[pairs][:, ocean], anom[pairs + 1][:, ocean]

    rho = np.sum(x0 * x1) / np.sum(x0 * x0)
    rho_m = {m: np.sum(x0[month[pairs] == m] * x1[month[pairs] == m]) / np.sum(x0[month[pairs] == m] ** 2) for m in
             range(1, 13)}
    rho_c = np.sum(x0 * x1, axis=0) / np.sum(x0 * x0, axis=0)
    sw = np.sqrt(w[ocean])
    _, _, vt = np.linalg.svd(anom[train][:, ocean] * sw, full_matrices=False)

    def lim(k):
        P = vt[:k]
        z0, z1 = (x0 * sw) @ P.T, (x1 * sw) @ P.T
        M = np.linalg.lstsq(z0, z1, rcond=None)[0]

        def step(x, m):
            y = x * sw
            z = y @ P.T
            return ((z @ M) @ P + rho * (y - z @ P)) / sw
        return step

    # each model: (its state at an initial month s, one month's step of the state, the state's box anomalies)
    box = (lambda s: anom[s][ocean], lambda x: x)
    models = {"global persistence": (box[0], lambda x, m: rho * x, box[1]),
              "monthly persistence": (box[0], lambda x, m: rho_m[m] * x, box[1]),
              "per-cell persistence": (box[0], lambda x, m: rho_c * x, box[1])}
    for k in eofs:
        models[f"LIM {k} EOFs"] = (box[0], lim(k), box[1])
    if basin:
        # every ocean cell of the basin, area weights summing to 1, and its cells in the box (in the box's cell order)
        bocean = np.isfinite(bsst).all(axis=0)
        bclim = np.stack([np.mean(bsst[train & (month == m)], axis=0) for m in range(1, 13)])
        banom = (bsst - bclim[month - 1])[:, bocean]
        LA, LO = np.meshgrid(lat[lb], lon[ob], indexing="ij")
        wb = np.cos(np.deg2rad(LA[bocean]))
        wb /= wb.sum()
        inbox = ((LA >= lat0) & (LA <= lat1) & (LO >= lon0) & (LO <= lon1))[bocean]
        b0, b1 = banom[pairs], banom[pairs + 1]
        mb = b0 @ wb
        A = [[np.sum(wb * b0 * b0), np.sum(wb * b0 * mb[:, None])], [np.sum(wb * b0 * mb[:, None]), np.sum(mb ** 2)]]
        rb, bb = np.linalg.solve(A, [np.sum(wb * b0 * b1), np.sum(wb * b1 * mb[:, None])])
        models["basin mean"] = (lambda s: banom[s], lambda y, m: rb * y + bb * (y @ wb), lambda y: y[inbox])
    models["climatology"] = (box[0], lambda x, m: 0 * x, box[1])

    starts = [i for i in range(len(times)) if (s0y, s0m) <= (year[i], month[i]) <= (s1y, s1m)]
    if not starts:
        sys.exit(f"anomaly_baselines: no initial month in {a.test}")
    rows = []
    for name, (initial, step, inbox_of) in models.items():
        se, n = np.zeros(a.leads), np.zeros(a.leads)
        for s in starts:
            x = initial(s)
            for lead in range(1, a.leads + 1):
                if s + lead >= len(times):
                    break
                x = step(x, month[s + lead - 1])
                err = clim[month[s + lead] - 1][ocean] + inbox_of(x) - sst[s + lead][ocean]
                se[lead - 1] += np.sum(w[ocean] * err ** 2) / np.sum(w[ocean])
                n[lead - 1] += 1
        rows.append((name, np.sqrt(se / np.maximum(n, 1))))
    head = "| RMSE (degC) | " + " | ".join(f"lead {k}" for k in range(1, a.leads + 1)) + " |"
    print(f"anomaly forecasts, fitted on {y0}-{y1} ({len(pairs)} pairs, {ocean.sum()} ocean cells), initial months "
          f"{a.test} ({len(starts)}); global rho {rho:.3f} per month" +
          (f"; basin {a.basin}: rho {rb:.3f}, b {bb:.3f} per month" if basin else "") + "\n")
    print(head + "\n|" + "---|" * (a.leads + 1))
    for name, r in rows:
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in r) + " |")
    if a.csv:
        with open(a.csv + ".tmp", "w") as f:
            f.write("model,lead,rmse\n")
            for name, r in rows:
                for k, v in enumerate(r, 1):
                    f.write(f"{name},{k},{v:.10g}\n")
        os.replace(a.csv + ".tmp", a.csv)


if __name__ == "__main__":
    main()
