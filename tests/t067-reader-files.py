#!/usr/bin/env python3
"""Files as they come (issue 25, point 3), through hycast info, extract, train and forecast on NP ranks (argument,
default 1).  The files are written here with unusual but legal metadata: a global grid with latitude rows at exactly
+-90, running north to south; one variable per file and one year per file, each year with its own time units and one
year packed; an auxiliary variable in one file for all years; a time dimension named 'step' with no attributes and
coordinates without attributes; time units without a date.

  - several files: the variables are found in the files that hold them, a variable in several files is one time series
    in date order whatever the order of the list; values, times (in the earliest file's units) and flipped latitudes
    as in the files; -data_dates across the boundary between two files;
  - -data_dims gives the roles of dimensions that the files do not mark, and the refusals name it;
  - time without units or with units without a date is refused naming -data_time_units, and read with it;
  - poles: a physics-only forecast on grids with rows centred on the poles and rows reaching them keeps the
    area-weighted total and finite values.
Bad input of these kinds (gaps, overlaps, other grids, units, calendars) is in t060-bad-input.sh."""
import datetime, os, re, shlex, subprocess, sys, tempfile

try:
    import netCDF4
    import numpy as np
except ImportError as e:
    print(f"SKIPPED: /usr/bin/python3 lacks {e.name} (make deps installs python3-netcdf4)")
    sys.exit(0)

import hctest
from hctest import check, root

np_ = int(sys.argv[1]) if len(sys.argv) > 1 else 1
hctest.start("t067-", os.path.join(root, "build", "tests"))
tmp = hctest.tmp


def run(args):
    return hctest.call(args, np_, cwd=tmp)  # the files' names are relative


def grep(out, pattern):
    return re.search(pattern, out, re.M) is not None


def refused(args, pattern, what):
    """one error line matching pattern, a non-zero exit, no PETSc trace"""
    code, out = run(args)
    err = [l for l in out.splitlines() if "error:" in l]
    ok = code != 0 and len(err) == 1 and re.search(pattern, err[0]) is not None and "PETSC ERROR" not in out
    check(ok, f"{what}: {err[0] if err else out.strip()[-300:]}")


def succeeded(args, what):
    code, out = run(args)
    check(code == 0, f"{what}: exit {code}" + ("" if code == 0 else ": " + out.strip()[-400:]))
    return code == 0, out


rng = np.random.default_rng(25)
LAT = np.arange(90, -91, -10.0)  # north first, rows at the poles
LON = np.arange(0, 360, 10.0)
YEARS = (2000, 2001, 2002)


def days(y, m, d=15, ref=datetime.date(2000, 1, 1)):
    return (datetime.date(y, m, d) - ref).days


def write(name, var, values, times, tunits, lat=LAT, lon=LON, tdim="time", attrs=True, pack=None, vunits="degC"):
    """values (time, lat, lon) in file order; times None: no time coordinate; tunits None: no units attribute"""
    path = os.path.join(tmp, name)
    with netCDF4.Dataset(path, "w") as d:
        d.createDimension(tdim, values.shape[0])
        ydim, xdim = ("lat", "lon") if attrs else ("row", "col")
        d.createDimension(ydim, len(lat))
        d.createDimension(xdim, len(lon))
        if times is not None:
            t = d.createVariable(tdim, "f8", (tdim,))
            t[:] = times
            if tunits:
                t.units = tunits
        y = d.createVariable(ydim, "f4", (ydim,))
        x = d.createVariable(xdim, "f4", (xdim,))
        y[:], x[:] = lat, lon
        if attrs:
            y.units, x.units = "degrees_north", "degrees_east"
        if pack:
            v = d.createVariable(var, "i2", (tdim, ydim, xdim))
            v.scale_factor, v.add_offset = pack
        else:
            v = d.createVariable(var, "f4", (tdim, ydim, xdim))
        v.units = vunits
        v[:] = values
    with netCDF4.Dataset(path) as d:  # what the file holds after packing and float32
        return np.asarray(d[var][:], dtype=float)


print(f"on {np_} rank(s):")
# --- one variable per file, one year per file: sst by year (2001 packed), u by year in hours since 1990, v in one file
sst, u = {}, {}
for y in YEARS:
    t = [days(y, m, ref=datetime.date(y, 1, 1)) for m in range(1, 13)]
    sst[y] = write(f"sst_{y}.nc", "sst", 10 + rng.random((12, 19, 36)), t, f"days since {y}-01-01",
                   pack=(0.001, 10.5) if y == 2001 else None)
    h = [24 * days(y, m, ref=datetime.date(1990, 1, 1)) for m in range(1, 13)]
    u[y] = write(f"u_{y}.nc", "u", rng.random((12, 19, 36)) - 0.5, h, "hours since 1990-01-01 00:00:00", vunits="m s-1")
vall = write("v_all.nc", "v", rng.random((36, 19, 36)) - 0.5,
             [days(y, m, ref=datetime.date(1999, 12, 1)) for y in YEARS for m in range(1, 13)], "days since 1999-12-01",
             vunits="m s-1")
files = ["sst_2002.nc", "u_2001.nc", "sst_2000.nc", "v_all.nc", "u_2000.nc", "sst_2001.nc", "u_2002.nc"]  # any order
code, out = run(["info", ",".join(files), "-data_vars", "sst,u", "-data_aux_vars", "v"])
print("    | " + "\n    | ".join(out.strip().splitlines()[:22]))
check(code == 0 and grep(out, r"^HcReader: 7 files, 2 field\(s\)$"), "info: 7 files, 2 fields")
check(grep(out, r"a time series over 3 files, in date order:\n +steps 0\.\.11: sst_2000\.nc\n +steps 12\.\.23: sst_2001\.nc\n"
                r" +steps 24\.\.35: sst_2002\.nc"), "sst: one series over the three yearly files, in date order")
check(grep(out, r"^  time: 36 step\(s\), 2000-01-15 \.\. 2002-12-15 .*units 'days since 2000-01-01'"),
      "36 monthly steps 2000-01-15 .. 2002-12-15, in the units of the earliest file")
check(grep(out, r"latitude : centres -90\.? \.\. 90\.? deg"), "the grid keeps the rows at -90 and 90")

ok, _ = succeeded(["extract", ",".join(files), "-data_vars", "sst,u", "-data_aux_vars", "v", "-o", "all.nc"],
                  "extract of the 7 files")
if ok:
    with netCDF4.Dataset(os.path.join(tmp, "all.nc")) as d:
        want = {"sst": np.concatenate([sst[y] for y in YEARS]), "u": np.concatenate([u[y] for y in YEARS]), "v": vall}
        for name, w in want.items():
            got = np.asarray(d[name][:], dtype=float)
            err = np.abs(got - w[:, ::-1, :]).max() if got.shape == w.shape else float("inf")
            check(err < 1e-12, f"{name}: shape {got.shape}, the files' values (latitudes flipped), max difference {err:.1e}")
        check(list(d["lat"][[0, -1]]) == [-90, 90], f"latitudes {d['lat'][0]} .. {d['lat'][-1]}")
        want_t = [days(y, m) for y in YEARS for m in range(1, 13)]
        check(d["time"].units == "days since 2000-01-01" and list(d["time"][:]) == want_t,
              f"times {list(d['time'][:3])}... in {d['time'].units}")
code, out = run(["info", "sst_2001.nc,sst_2000.nc", "-data_dates", "2000-11-01,2001-02-28"])
check(code == 0 and grep(out, r"^  time: 4 step\(s\), 2000-11-15 \.\. 2001-02-15 \(file steps 10\.\.13 of 24\)"),
      "-data_dates across the files: 2000-11-15 .. 2001-02-15, steps 10..13 of 24")

# --- dimensions the files do not mark: 'step' with no coordinate variable, 'row' and 'col' without attributes
hvals = write("step.nc", "h", rng.random((4, 19, 36)), None, None, tdim="step", attrs=False)
dims = ["-data_dims", "time=step,lat=row,lon=col"]
refused(["info", "step.nc"],
        r"step\.nc: variable 'h': dimension 'step' \(size 4\) is not recognised .*name its role with -data_dims, e\.g\. "
        r"-data_dims time=step", "a dimension 'step' without attributes: refused, naming -data_dims")
refused(["info", "step.nc"] + dims,
        r"step\.nc: variable 'h': the time dimension 'step' has no coordinate variable, so its 4 steps have no times; give "
        r"their spacing with -data_time_units", "with -data_dims but no time coordinate: refused, naming -data_time_units")
code, out = run(["info", "step.nc"] + dims + ["-data_time_units", "hours since 2000-01-01 00:00:00"])
check(code == 0 and grep(out, r"step\(4\) = time, row\(19\) = latitude, col\(36\) = longitude") and
      grep(out, r"^  time: 4 step\(s\), 2000-01-01 \.\. 2000-01-01 03:00:00"),
      "-data_dims time=step,lat=row,lon=col and -data_time_units: 4 hourly steps on a lat-lon grid")
ok, _ = succeeded(["extract", "step.nc"] + dims + ["-data_time_units", "hours since 2000-01-01 00:00:00", "-o", "step-out.nc"],
                  "extract with -data_dims")
if ok:
    with netCDF4.Dataset(os.path.join(tmp, "step-out.nc")) as d:
        err = np.abs(np.asarray(d["h"][:], dtype=float) - hvals[:, ::-1, :]).max()
        check(err < 1e-12 and list(d["time"][:]) == [0, 1, 2, 3], f"values as in the file (max difference {err:.1e}), "
              f"times {list(d['time'][:])} {d['time'].units}")
refused(["info", "sst_2000.nc", "-data_dims", "time=step"],
        r"sst_2000\.nc: -data_dims gives the role time to dimension 'step', but no variable read has a dimension 'step'",
        "-data_dims naming a dimension no variable has")

# --- time without units, or with units without a date: never seconds silently
write("step-coord.nc", "h", rng.random((4, 19, 36)), [0, 6, 12, 18], None, tdim="step", attrs=False)
refused(["info", "step-coord.nc"] + dims,
        r"step-coord\.nc: variable 'h': its time coordinate 'step' has no units attribute, so its values are not times; give "
        r"their units with -data_time_units", "a time coordinate without units: refused, naming -data_time_units")
code, out = run(["info", "step-coord.nc"] + dims + ["-data_time_units", "hours since 2000-01-01"])
check(code == 0 and grep(out, r"^  time step: 6\.? \.\. 6\.? hours$"), "with -data_time_units 'hours since ...': steps of 6 h")
write("bare.nc", "sst", 10 + rng.random((3, 19, 36)), [0, 6, 12], "hours")
refused(["info", "bare.nc"],
        r"bare\.nc: variable 'sst': its time coordinate 'time' has units 'hours', without a reference date, so its values are "
        r"not dates; give the units with -data_time_units '<unit> since <date>', e\.g\. -data_time_units 'hours since "
        r"2000-01-01'", "time units 'hours' without a date: refused, naming -data_time_units")
refused(["info", "bare.nc", "-data_time_units", "days since 2000-01-01"],
        r"bare\.nc: variable 'sst': -data_time_units 'days since 2000-01-01' contradicts the units 'hours' of its time "
        r"coordinate 'time'", "-data_time_units in days for a coordinate in hours: refused")
code, out = run(["info", "bare.nc", "-data_time_units", "hours since 2010-01-01"])
check(code == 0 and grep(out, r"^  time units: from -data_time_units \(the time coordinate 'time' has units 'hours', without "
                              r"a date\)$") and grep(out, r"^  time: 3 step\(s\), 2010-01-01 \.\. 2010-01-01 12:00:00"),
      "with -data_time_units 'hours since 2010-01-01': 2010-01-01 00:00 .. 12:00, info says where the units came from")


# --- real data (NOAA ERSST v5, when present): two years cut into two files read back as one series
ersst = os.path.join(os.environ.get("HYCAST_DATA", os.path.join(root, "..", "shared", "data")), "ersst", "sst.mnmean.nc")
if os.path.exists(ersst):
    box = ["-data_box", "300,340,20,50"]
    ok = all(succeeded(["extract", ersst] + box + ["-data_dates", d, "-o", o], f"ERSST {d} extracted to {o}")[0]
             for d, o in (("2010-01-01,2010-12-31", "e2010.nc"), ("2011-01-01,2011-12-31", "e2011.nc"),
                          ("2010-01-01,2011-12-31", "e-both.nc")))
    ok = ok and succeeded(["extract", "e2011.nc,e2010.nc", "-o", "e-joined.nc"], "the two yearly files read as one")[0]
    if ok:
        with netCDF4.Dataset(os.path.join(tmp, "e-both.nc")) as a, netCDF4.Dataset(os.path.join(tmp, "e-joined.nc")) as b:
            same = a["sst"].shape == b["sst"].shape and np.array_equal(np.ma.filled(a["sst"][:], -1), np.ma.filled(b["sst"][:], -1))
            check(same and list(a["time"][:]) == list(b["time"][:]) and a["time"].units == b["time"].units,
                  f"ERSST 2010 and 2011 from two files: {b['sst'].shape[0]} months, the same values and times as one extract")
else:
    print(f"  (ERSST not found at {ersst}: the real-data check is skipped)")

# --- poles: physics-only forecasts on rows centred on the poles (10 degrees) and rows reaching them (-89 .. 89, 2 deg)
def areas(lat_centres, nlon):
    """cell areas / R^2 as HcGrid makes them: faces half-way, the outer ones half a spacing out, cut at +-90"""
    c = np.sort(lat_centres)
    f = np.concatenate([[c[0] - (c[1] - c[0]) / 2], (c[1:] + c[:-1]) / 2, [c[-1] + (c[-1] - c[-2]) / 2]])
    f = np.clip(f, -90, 90)
    return np.outer(np.sin(np.radians(f[1:])) - np.sin(np.radians(f[:-1])), np.full(nlon, 2 * np.pi / nlon))


for label, lat in (("rows centred on the poles", LAT), ("rows reaching the poles", np.arange(89, -90, -2.0))):
    name = "pole.nc" if lat is LAT else "reach.nc"
    write(name, "T", 10 + rng.random((3, len(lat), 36)), [0, 1, 2], "days since 2000-01-01", lat=lat)
    model = name.replace(".nc", "-model.nc")
    ok, _ = succeeded(["train", "-data_file", name, "-model_terms", "advdiff", "-physics_velocity", "4,-3",
                       "-physics_diffusivity", "2e5", "-train_epochs", "0", "-train_window", "1", "-o", model],
                      f"{label}: a physics-only model (train -train_epochs 0)")
    fc = name.replace(".nc", "-fc.nc")
    ok = ok and succeeded(["forecast", "-model", model, "-data", name, "-forecast_steps", "4", "-o", fc],
                          f"{label}: forecast of 4 days")[0]
    if ok:
        with netCDF4.Dataset(os.path.join(tmp, fc)) as d:
            T = np.asarray(d["T"][:], dtype=float)
            a = areas(np.asarray(d["lat"][:], dtype=float), len(d["lon"]))
            tot = (T * a).sum(axis=(1, 2))
            drift = np.abs(tot - tot[0]).max() / abs(tot[0])
            check(np.isfinite(T).all() and T.shape[0] == 5, f"{label}: {T.shape[0]} states, every value finite")
            check(drift < 1e-10, f"{label}: area-weighted total {tot[0]:.12g}, relative drift {drift:.1e} (nothing flows "
                  "through a pole)")
            check(np.abs(T[-1] - T[0]).max() > 1e-3, f"{label}: the state moved (max change {np.abs(T[-1] - T[0]).max():.3g})")

hctest.finish()
