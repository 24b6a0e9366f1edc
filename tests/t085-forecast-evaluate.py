#!/usr/bin/env python3
"""hycast forecast and evaluate end to end: forecast files open with xarray, carry CF attributes and the input's time
units and calendar (synthetic data, and real ERSST data when $HYCAST_DATA has it), on the model's grid, on a finer
grid and as an ensemble; evaluate scores them; bad input (incompatible fields, a grid outside the model's domain, a
lead beyond the truth's time range, mismatched calendars, an unwritable output) ends with one clear message, a
non-zero exit and no output file."""
import os, shutil, sys

try:
    import netCDF4
    import numpy
    import xarray
except ImportError as e:
    print(f"SKIPPED: /usr/bin/python3 lacks {e.name} (make deps installs python3-xarray and python3-netcdf4)")
    sys.exit(0)

import hctest
from hctest import check, path, root, run

hctest.start("t085-")


# a small synthetic problem: truth at 32 x 32 and its 16 x 16 block averages; a physics-only model at 16 x 16
run(["generate", "-generate_envs", "1", "-generate_steps", "24", "-grid_nx", "32", "-grid_ny", "32", "-o", path("coarse.nc")])
run(["train", "-data_file", path("coarse.nc"), "-data_vars", "u,v", "-train_optimizer", "tao", "-train_epochs", "5",
     "-train_window", "2", "-o", path("model.nc")])

print("forecast on the model's grid, read back with xarray")
run(["forecast", "-model", path("model.nc"), "-data", path("coarse.nc"), "-data_vars", "u,v", "-forecast_start", "10",
     "-forecast_steps", "5", "-o", path("fc.nc")], ranks=2)
ds, src = xarray.open_dataset(path("fc.nc")), netCDF4.Dataset(path("coarse.nc"))
check(ds.attrs.get("Conventions") == "CF-1.8", f"Conventions = {ds.attrs.get('Conventions')}")
enc = ds.time.encoding
check(enc.get("units") == src.variables["time"].units and enc.get("calendar") == src.variables["time"].calendar,
      f"time units '{enc.get('units')}' and calendar '{enc.get('calendar')}' are the input's")
check(ds.lead_time.attrs.get("standard_name") == "forecast_period" and ds.sizes["time"] == 6,
      f"lead_time (forecast_period) along {ds.sizes['time']} steps")
check("forecast_reference_time" in ds.variables, "forecast_reference_time present")
for name in ("x", "y"):
    check(ds[name].attrs.get("axis") in ("X", "Y") and "units" in ds[name].attrs, f"coordinate {name} has axis and units")
truth = xarray.open_dataset(path("coarse.nc")).isel(env=0)
err = float(abs(ds.u.isel(time=0) - truth.u.sel(time=ds.time[0])).max())
check(err < 1e-12, f"lead 0 is the observed initial state (max diff {err:.1e})")

print("zero-shot forecast on a finer grid (grids/square-32.yaml), initial state regridded")
run(["forecast", "-model", path("model.nc"), "-data", path("coarse.nc"), "-data_vars", "u,v", "-grid",
     os.path.join(root, "grids", "square-32.yaml"), "-forecast_steps", "3", "-o", path("fine.nc")])
fine = xarray.open_dataset(path("fine.nc"))
check(fine.sizes["x"] == 32 and fine.sizes["y"] == 32 and bool(numpy.isfinite(fine.u).all()), "32 x 32 forecast, finite")

print("ensemble of perturbed initial states")
run(["forecast", "-model", path("model.nc"), "-data", path("coarse.nc"), "-data_vars", "u,v", "-forecast_ensemble", "3",
     "-forecast_steps", "2", "-o", path("ens.nc")])
ens = xarray.open_dataset(path("ens.nc"))
spread = float(ens.u.isel(time=2).std("member").mean())
check(ens.sizes.get("member") == 3 and spread > 0, f"3 members, mean spread {spread:.2e} at lead 2")

print("evaluate the forecast file against the truth")
out = run(["evaluate", "-truth", path("coarse.nc"), "-data_vars", "u,v", "-forecast", path("fc.nc"), "-evaluate_csv",
           path("fc.csv")])
check("RMSE of u by lead" in out and os.path.exists(path("fc.csv")), "skill table and CSV")
rows = [l.split(",") for l in open(path("fc.csv")).read().splitlines()[1:]]
fc = {int(r[2]): float(r[3]) for r in rows if r[0] == "forecast" and r[1] == "u"}
check(sorted(fc) == [1, 2, 3, 4, 5] and all(v > 0 for v in fc.values()), f"RMSE at leads 1..5: {[round(fc[k], 5) for k in sorted(fc)]}")
clim = [l for l in out.splitlines() if l.startswith("climatology")]
check(len(clim) == 6 and clim[2].split()[1:] == ["n/a"] * 5 and "nan" not in out,
      "climatology's anomaly correlation printed as n/a (undefined), no nan in the tables")

print("evaluate -evaluate_box: scores only the cells of a box, as if the truth had been cut to it")
def table(csv):
    return {(r[0], r[1], int(r[2])): [float(v) for v in r[3:6]]
            for r in (l.split(",") for l in open(csv).read().splitlines()[1:])}
hind = ["evaluate", "-data_vars", "u,v", "-models", path("model.nc"), "-evaluate_inits", "8,14", "-evaluate_leads", "3"]
out_all = run(hind + ["-truth", path("coarse.nc"), "-evaluate_csv", path("all.csv")])
out_box = run(hind + ["-truth", path("coarse.nc"), "-evaluate_box", "-0.5,0.5,-0.5,0.25", "-evaluate_csv", path("box.csv")],
              ranks=2)
run(hind + ["-truth", path("coarse.nc"), "-data_box", "-0.5,0.5,-0.5,0.25", "-evaluate_csv", path("cut.csv")])
whole, box, cut = table(path("all.csv")), table(path("box.csv")), table(path("cut.csv"))
check("scoring the 48 active cell(s)" in out_box and "over 48 scored cell(s)" in out_box and "over 256 scored" in out_all,
      "8 x 6 of the 16 x 16 cells scored")
same = all(numpy.allclose(box[k], cut[k], rtol=1e-10, atol=1e-14, equal_nan=True) for k in cut if k[0] in ("persistence", "climatology"))
differ = any(abs(box[k][0] - whole[k][0]) > 1e-6 * whole[k][0] for k in whole if k[0] == "persistence")
check(same and differ and len(cut) == len(box),
      f"persistence and climatology over the box equal those of the truth cut to it, not those of the whole grid "
      f"(persistence u lead 1: box {box[('persistence', 'u', 1)][0]:.6g}, cut {cut[('persistence', 'u', 1)][0]:.6g}, "
      f"whole {whole[('persistence', 'u', 1)][0]:.6g})")

print("bad input: one clear message, non-zero exit, no output left behind")
bad = [
    (["forecast", "-model", path("model.nc"), "-data", path("coarse.nc"), "-data_vars", "u", "-o", path("b1.nc")],
     "has 2 field(s), the data 1", "b1.nc"),
    (["forecast", "-model", path("model.nc"), "-data", path("coarse.nc"), "-data_vars", "v,u", "-o", path("b2.nc")],
     "trained on field 'u' where the data gives 'v'", "b2.nc"),
    (["forecast", "-model", path("model.nc"), "-data", path("coarse.nc"), "-data_vars", "u,v", "-grid",
      os.path.join(root, "grids", "box-periodic-64.yaml"), "-o", path("b3.nc")], "more than the model's periodic domain", "b3.nc"),
    (["forecast", "-model", path("model.nc"), "-data", path("coarse.nc"), "-data_vars", "u,v", "-o",
      path("no/such/dir/b4.nc")], "does not exist", "no/such/dir/b4.nc"),
    (["evaluate", "-truth", path("coarse.nc"), "-data_vars", "u,v", "-data_time_range", "0,12", "-forecast", path("fc.nc"),
      "-evaluate_csv", path("b5.csv")], "beyond the truth's time range", "b5.csv"),
]
# a copy of the truth in another calendar
shutil.copy(path("coarse.nc"), path("noleap.nc"))
with netCDF4.Dataset(path("noleap.nc"), "a") as d:
    d.variables["time"].calendar = "noleap"
bad.append((["evaluate", "-truth", path("coarse.nc"), "-data_vars", "u,v", "-models", path("model.nc"), "-evaluate_box",
             "2,3,-0.5,0.5", "-evaluate_csv", path("b8.csv")], "no active cell of the truth's grid has its centre in the box", "b8.csv"))
bad.append((["evaluate", "-truth", path("noleap.nc"), "-data_vars", "u,v", "-forecast", path("fc.nc"), "-evaluate_csv",
             path("b6.csv")], "calendar 'standard' differs from the truth's 'noleap'", "b6.csv"))
for args, msg, product in bad:
    out = run(args, expect_fail=True)
    errline = [l for l in out.splitlines() if "error:" in l]
    check(len(errline) == 1 and msg in errline[0] and "PETSC ERROR" not in out and not os.path.exists(path(product)),
          f"{args[0]}: {errline[0] if errline else out.strip()[-200:]}")

ersst = os.path.join(os.environ.get("HYCAST_DATA", "HYCAST_DATA-is-not-set"), "ersst", "sst.mnmean.nc")
if not os.path.exists(ersst):
    print(f"  (ERSST part SKIPPED: {ersst} is absent)")
else:
    print("real data: ERSST North Atlantic box, a physics-only model, a 3-month forecast from 2019-01")
    box = ["-data_vars", "sst", "-data_box", "299,341,19,57"]
    run(["train", "-data_file", ersst] + box + ["-data_dates", "2010-01-01,2018-12-31", "-train_optimizer", "tao",
         "-train_epochs", "3", "-train_window", "2", "-o", path("ersst-model.nc")])
    run(["forecast", "-model", path("ersst-model.nc"), "-data", ersst] + box +
        ["-forecast_date", "2019-01-01", "-forecast_steps", "3", "-o", path("ersst-fc.nc")], ranks=2)
    e, s = xarray.open_dataset(path("ersst-fc.nc")), netCDF4.Dataset(ersst)
    check(e.time.encoding.get("units") == s.variables["time"].units and
          e.time.encoding.get("calendar") == s.variables["time"].calendar,
          f"ERSST forecast: time '{e.time.encoding.get('units')}', calendar '{e.time.encoding.get('calendar')}' as the input's")
    check(str(e.time.values[0])[:10] == "2019-01-01" and str(e.time.values[3])[:10] == "2019-04-01",
          f"valid times {str(e.time.values[0])[:10]} .. {str(e.time.values[3])[:10]}")
    check(e.sst.attrs.get("units") == "degC" and bool(numpy.isnan(e.sst.isel(time=1)).any()), "degC, land cells NaN")
    out = run(["forecast", "-model", path("ersst-model.nc"), "-data", ersst, "-data_vars", "sst", "-grid",
               os.path.join(root, "grids", "basin-latlon-2deg.yaml"), "-o", path("b7.nc")], expect_fail=True)
    errline = [l for l in out.splitlines() if "error:" in l]
    check(len(errline) == 1 and "outside the model's domain" in errline[0] and not os.path.exists(path("b7.nc")),
          f"forecast: {errline[0] if errline else out.strip()[-200:]}")
    # -evaluate_box across 0 E, written as -data_box writes it (lon1 < lon0) and as -10..10: the truth cut to the box
    ev = ["evaluate", "-truth", ersst, "-data_vars", "sst", "-data_dates", "2010-01-01,2020-12-31", "-models",
          path("ersst-model.nc"), "-evaluate_dates", "2019-01-01,2019-06-01", "-evaluate_leads", "2"]
    tabs = []
    for k, opts in enumerate((["-data_box", "350,10,35,45"], ["-data_box", "330,30,30,50", "-evaluate_box", "350,10,35,45"],
                              ["-data_box", "330,30,30,50", "-evaluate_box", "-10,10,35,45"])):
        run(ev + opts + ["-evaluate_csv", path(f"zero{k}.csv")], ranks=2)
        tabs.append(table(path(f"zero{k}.csv")))
    keys = [k for k in tabs[0] if k[0] in ("persistence", "climatology")]
    check(len(keys) == 4 and all(numpy.allclose(t[k], tabs[0][k], rtol=1e-10, equal_nan=True) for t in tabs[1:] for k in keys),
          f"-evaluate_box across 0 E scores the cells of -data_box 350,10,35,45 (persistence lead 1: "
          f"{', '.join(f'{t[keys[0]][0]:.6g}' for t in tabs)})")

hctest.finish()
