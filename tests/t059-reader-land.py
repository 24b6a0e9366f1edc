#!/usr/bin/env python3
"""Several fields whose missing cells differ (issue 23, "no silent wrong numbers"), through hycast extract and hycast info
on NP ranks (argument, default 1).  tests/data/land-fields.cdl: 4 cells missing in every field, sst NaN at every step on
the 16 cells north of 60N (sea ice) where sss and ice have values, sss missing at every step in 1 cell, gappy missing at
one step in one cell, the auxiliary u missing at every step in 1 ocean cell.  A cell where some field has no value at
any time is land for every field, with every -data_fill: the output has _FillValue there in every field and no made-up
value (no 0, no mean), the other cells hold the file's values, and set-up and info say how many cells each field made
land."""
import math, os, re, shlex, subprocess, sys, tempfile

try:
    import netCDF4
    import numpy
except ImportError as e:
    print(f"SKIPPED: /usr/bin/python3 lacks {e.name} (make deps installs python3-netcdf4)")
    sys.exit(0)

import hctest
from hctest import check, root

np_ = int(sys.argv[1]) if len(sys.argv) > 1 else 1
hctest.start("t059-", os.path.join(root, "build", "tests"))
tmp = hctest.tmp


def run(args):
    return hctest.call(args, np_)


# the file's fields (tests/data/make-cdl.py, section 10)
lat = [-50, -30, -10, 10, 30, 50, 65, 75]
lon = [45 * i for i in range(8)]
expect = {
    "sst": lambda t, x, y: 10 + 0.2 * y + 3 * math.sin(math.radians(x)) + 0.5 * t + 20,
    "sss": lambda t, x, y: 34 + 0.01 * y + 0.1 * t,
    "ice": lambda t, x, y: 1 + 0.01 * y + 0.002 * x + 0.1 * t,
    "gappy": lambda t, x, y: 1 + 0.01 * y + 0.002 * x + 0.1 * t,
}
plain = {(x, y) for x in (90, 135) for y in (-10, 10)}
absent = {"sst": {(x, y) for x in lon for y in (65, 75)}, "sss": {(270, -30)}, "u": {(45, 50)}}

src = os.path.join(tmp, "land-fields.nc")
subprocess.run(["ncgen", "-k", "3", "-o", src, os.path.join(root, "tests", "data", "land-fields.cdl")], check=True)


def notice(out, var, n, aux=False):
    """the set-up line for var (None: no such line)"""
    m = re.search(r"^.*land-fields\.nc: %svariable '%s': (\d+) cell\(s\) with no value at any time where other fields "
                  r"have values: treated as land for every field$" % ("auxiliary " if aux else "", var), out, re.M)
    return (int(m.group(1)) if m else None) == n


def check_output(path, names, land, what):
    """every field: masked exactly on land, the file's values elsewhere, not a single 0"""
    with netCDF4.Dataset(path) as d:
        olat, olon = list(d["lat"][:]), list(d["lon"][:])
        ok, worst, zeros, wrong = olat == lat and olon == lon, 0.0, 0, []
        for name in names:
            a = d[name][:]
            mask = numpy.ma.getmaskarray(a)
            for t in range(a.shape[0]):
                for j, y in enumerate(lat):
                    for i, x in enumerate(lon):
                        if mask[t, j, i] != ((x, y) in land):
                            wrong.append((name, t, x, y))
                        elif not mask[t, j, i]:
                            worst = max(worst, abs(float(a[t, j, i]) - expect[name](t, x, y)))
            zeros += int((a.filled(1.0) == 0).sum())
    check(ok and not wrong and worst < 1e-5 and zeros == 0,
          f"{what}: {', '.join(names)} masked on exactly the {len(land)} land cells{' (wrong: %s)' % wrong[:4] if wrong else ''}, "
          f"the file's values elsewhere (max error {worst:.1e}), {zeros} zero(s)")


land = plain | absent["sst"] | absent["sss"]
print(f"extract and info on {np_} rank(s), land-fields.nc: 4 cells of plain land, sst absent on 16, sss on 1")
for fill in ("none", "zero", "mean"):
    out_nc = os.path.join(tmp, f"{fill}.nc")
    code, out = run(["extract", src, "-data_vars", "sst,sss,ice", "-data_fill", fill, "-o", out_nc])
    print("    | " + out.strip().replace("\n", "\n    | "))
    check(code == 0, f"-data_fill {fill}: extract exits 0")
    if code:
        continue
    check(notice(out, "sst", 16) and notice(out, "sss", 1) and notice(out, "ice", None),
          f"-data_fill {fill}: set-up says sst made 16 cells land, sss 1, and nothing about ice")
    check_output(out_nc, ["sst", "sss", "ice"], land, f"-data_fill {fill}")

code, out = run(["info", src, "-var", "sst,sss,ice", "-data_fill", "mean"])
print("    | " + out.strip().replace("\n", "\n    | "))
check(code == 0 and notice(out, "sst", 16) and notice(out, "sss", 1), "info: the set-up lines for sst (16) and sss (1)")
blocks = re.findall(r"^  variable '(\w+)'.*\n((?:    .*\n)+)", out, re.M)
said = {v: re.search(r"^    (\d+) cell\(s\) with no value at any time where other fields have values: treated as land for "
                     r"every field$", b, re.M) for v, b in blocks}
check({v: int(m.group(1)) if m else 0 for v, m in said.items()} == {"sst": 16, "sss": 1, "ice": 0},
      "info: each variable's block says how many cells it made land (sst 16, sss 1, ice none)")
check(re.search(r"^  land: 21 cell\(s\): 4 where every field is missing at every selected time, 17 where some field has "
                r"no value at any time while others have$", out, re.M) is not None, "info: land 21 = 4 + 17")
check(re.search(r"active cells 43 of 64", out) is not None, "info: the grid has 43 active cells of 64")
check(" filled with " not in out, "info: nothing is said to be filled (no missing value is left inside the ocean)")

# an auxiliary field missing at every step in an ocean cell makes it land too; its values over plain land do not count
out_nc = os.path.join(tmp, "aux.nc")
code, out = run(["extract", src, "-data_vars", "sst,sss,ice", "-data_aux_vars", "u", "-data_fill", "mean", "-o", out_nc])
print("    | " + out.strip().replace("\n", "\n    | "))
check(code == 0 and notice(out, "u", 1, aux=True) and notice(out, "sst", 16) and notice(out, "sss", 1),
      "-data_aux_vars u: set-up says the auxiliary u made 1 cell land")
if code == 0:
    check_output(out_nc, ["sst", "sss", "ice"], land | absent["u"], "-data_aux_vars u")

# a field missing at some steps only is no land: an error without -data_fill, its mean with -data_fill mean
code, out = run(["extract", src, "-data_vars", "sst,sss,gappy", "-o", os.path.join(tmp, "gap-none.nc")])
err = [l for l in out.splitlines() if "error:" in l]
check(code != 0 and len(err) == 1 and re.search(r"variable 'gappy': a missing value \(_FillValue or missing_value\) inside "
                                                r"the ocean at lon 0\.?, lat 30\.? .*: 'gappy' has values at other steps in "
                                                r"this cell, so it is not land", err[0]) is not None
      and not os.path.exists(os.path.join(tmp, "gap-none.nc")),
      f"gappy (one missing step) without -data_fill: {err[0] if err else out.strip()[-300:]}")
out_nc = os.path.join(tmp, "gap-mean.nc")
code, out = run(["extract", src, "-data_vars", "sst,sss,gappy", "-data_fill", "mean", "-o", out_nc])
check(code == 0, "gappy with -data_fill mean: extract exits 0")
if code == 0:
    check_output(out_nc, ["sst", "sss", "gappy"], land, "-data_fill mean fills gappy's one hole with its mean H(1)")

hctest.finish()
