#!/usr/bin/env python3
"""Time without units is never taken as seconds silently (issue 23), through hycast info and hycast extract on NP ranks
(argument, default 1).  A time coordinate without a units attribute (tests/data/time-no-units.cdl, values 0, 6, 12,
calendar noleap) and a time dimension without a coordinate variable (time-no-coord.cdl) are refused with a message that
names -data_time_units; with -data_time_units '<unit> since <date>' the times are decoded as it says (another unit gives
other times), info says where the units came from, and extract writes them.  The file's own units are never overridden
(giving the option then is an error), a bare unit is refused, and -help lists the option with its default."""
import datetime, os, re, shlex, subprocess, sys, tempfile

try:
    import netCDF4
    import numpy
except ImportError as e:
    print(f"SKIPPED: /usr/bin/python3 lacks {e.name} (make deps installs python3-netcdf4)")
    sys.exit(0)

import hctest
from hctest import check, root

np_ = int(sys.argv[1]) if len(sys.argv) > 1 else 1
hctest.start("t062-", os.path.join(root, "build", "tests"))
tmp = hctest.tmp


def run(args):
    return hctest.call(args, np_)


def ncgen(name):
    path = os.path.join(tmp, name + ".nc")
    subprocess.run(["ncgen", "-k", "1", "-o", path, os.path.join(root, "tests", "data", name + ".cdl")], check=True)
    return path


def refused(args, pattern, what, product=None):
    """one error line matching pattern, a non-zero exit, no output file"""
    code, out = run(args)
    err = [l for l in out.splitlines() if "error:" in l]
    ok = code != 0 and len(err) == 1 and re.search(pattern, err[0]) is not None and "PETSC ERROR" not in out
    check(ok and not (product and os.path.exists(product)), f"{what}: {err[0] if err else out.strip()[-300:]}")


def grep(out, pattern):
    return re.search(pattern, out, re.M) is not None


nounits, nocoord = ncgen("time-no-units"), ncgen("time-no-coord")
print(f"on {np_} rank(s):")

# a time coordinate without units: refused, the option named
out_nc = os.path.join(tmp, "a.nc")
refused(["extract", nounits, "-o", out_nc],
        r"time-no-units\.nc: variable 'sst': its time coordinate 'time' has no units attribute, so its values are not "
        r"times; give their units with -data_time_units '<unit> since <date>'", "time coordinate without units, extract",
        out_nc)
refused(["info", nounits], r"has no units attribute.*-data_time_units", "time coordinate without units, info")

# with -data_time_units: the times as it says, in the file's calendar; another unit gives other times
code, out = run(["info", nounits, "-data_time_units", "hours since 2010-03-01"])
print("    | " + out.strip().replace("\n", "\n    | "))
check(code == 0 and grep(out, r"^  time: 3 step\(s\), 2010-03-01 \.\. 2010-03-01 12:00:00 \(file steps 0\.\.2 of 3\), units "
                              r"'hours since 2010-03-01', calendar noleap$"),
      "-data_time_units 'hours since 2010-03-01': 2010-03-01 00:00 .. 12:00, the file's calendar noleap")
check(grep(out, r"^  time units: from -data_time_units \(the time coordinate 'time' has no units\)$"),
      "info says the units came from -data_time_units")
check(grep(out, r"^  time step: 6\. \.\. 6\. hours$"), "info: steps of 6 hours")
code, out = run(["info", nounits, "-data_time_units", "days since 2010-02-20"])
check(code == 0 and grep(out, r"^  time: 3 step\(s\), 2010-02-20 \.\. 2010-03-04 .*units 'days since 2010-02-20'") and
      grep(out, r"^  time step: 6\. \.\. 6\. days$"),
      "-data_time_units 'days since 2010-02-20' gives other times: 2010-02-20 .. 2010-03-04 (noleap), steps of 6 days")
code, out = run(["info", nounits, "-data_time_units", "hours since 2010-03-01", "-data_dates",
                 "2010-03-01T06:00:00,2010-03-01T12:00:00"])
check(code == 0 and grep(out, r"^  time: 2 step\(s\), 2010-03-01 06:00:00 \.\. 2010-03-01 12:00:00 \(file steps 1\.\.2"),
      "-data_dates selects by the dates the option gives (steps 1..2)")
out_nc = os.path.join(tmp, "hours.nc")
code, out = run(["extract", nounits, "-data_time_units", "hours since 2010-03-01", "-o", out_nc])
check(code == 0, "extract with -data_time_units exits 0")
if code == 0:
    with netCDF4.Dataset(out_nc) as d:
        t = d["time"]
        dates = [str(x) for x in netCDF4.num2date(t[:], t.units, t.calendar)]
        check(t.units == "hours since 2010-03-01" and t.calendar == "noleap" and list(t[:]) == [0, 6, 12],
              f"extract writes time:units '{t.units}', calendar {t.calendar}, values {list(t[:])}")
        check(dates == ["2010-03-01 00:00:00", "2010-03-01 06:00:00", "2010-03-01 12:00:00"],
              f"the output's times read back (cftime) as {', '.join(dates)}")

# a time dimension without a coordinate variable: refused, or step k at k units after the date
out_nc = os.path.join(tmp, "b.nc")
refused(["extract", nocoord, "-o", out_nc],
        r"time-no-coord\.nc: variable 'sst': the time dimension 'time' has no coordinate variable, so its 3 steps have no "
        r"times; give their spacing with -data_time_units '<unit> since <date>' \(step k is then k units after the date\)",
        "time dimension without coordinate variable, extract", out_nc)
code, out = run(["info", nocoord, "-data_time_units", "days since 2000-01-01"])
check(code == 0 and grep(out, r"^  time: 3 step\(s\), 2000-01-01 \.\. 2000-01-03 .*units 'days since 2000-01-01', "
                              r"calendar standard$") and
      grep(out, r"^  time units: from -data_time_units \(no time coordinate variable: step k is k units after the date\)$"),
      "no coordinate variable, -data_time_units 'days since 2000-01-01': steps on 2000-01-01, 02, 03; info says so")
out_nc = os.path.join(tmp, "steps.nc")
code, out = run(["extract", nocoord, "-data_time_units", "days since 2000-01-01", "-o", out_nc])
if code == 0:
    with netCDF4.Dataset(out_nc) as d:
        check(d["time"].units == "days since 2000-01-01" and list(d["time"][:]) == [0, 1, 2],
              f"extract writes the steps as {list(d['time'][:])} {d['time'].units}")
else:
    check(False, "extract of the file without time coordinate, with -data_time_units, exits 0")

# the file's units are never overridden; a bare unit is not enough; an option without any time axis to use it
data = ncgen("land-fields")
refused(["info", data, "-data_time_units", "days since 1990-01-01"],
        r"land-fields\.nc: variable 'sst': -data_time_units 'days since 1990-01-01' given, but the time coordinate 'time' "
        r"has its own units 'days since 2000-01-01'; the file's units are never overridden: remove -data_time_units",
        "a file with units and -data_time_units")
code, out = run(["info", data, "-var", "sst"])
check(code == 0 and grep(out, r"^  time units: from the file \(time:units\)$"), "info: units from the file (time:units)")
refused(["info", nounits, "-data_time_units", "hours"],
        r"-data_time_units 'hours': give '<unit> since <date>'.*a bare unit is not enough", "a bare unit")
refused(["info", nounits, "-data_time_units", "fortnights since 2010-01-01"],
        r"time-no-units\.nc \(time units from -data_time_units\): variable 'time': time units 'fortnights since "
        r"2010-01-01': unknown unit 'fortnights'", "an unknown unit in the option")
aux = ncgen("aux")
refused(["info", aux, "-var", "v", "-data_time_units", "days since 2000-01-01"],
        r"aux\.nc: variable 'v': -data_time_units 'days since 2000-01-01' given, but no variable read has a time dimension",
        "a variable without a time dimension and -data_time_units")

code, out = run(["extract", "-help"])
check(grep(out, r"^  -data_time_units <now\s*: formerly\s*>: Units '<unit> since <date>' of a time axis without any .*"
                r"Default none: such an axis is refused"), "-help lists -data_time_units with its default (none)")

hctest.finish()
