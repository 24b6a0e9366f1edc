"""Helpers of the Python end-to-end tests: the hycast under test, a scratch folder, checks that count failures.

    import hctest
    from hctest import check, run, path
    hctest.start("t100-")         # the scratch folder
    run(["train", ...], ranks=2)  # output; an unexpected exit status ends the test
    code, out = hctest.call([...], ranks=2)  # exit status and output, whatever they are
    check(ok, "what")             # prints ok or FAIL and counts
    hctest.finish()               # PASSED or FAILED, and the exit status"""
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
hycast = os.environ.get("HYCAST_BIN") or os.path.join(root, "bin", "hycast")  # tests/run.py gives the hycast under test
mpi = shlex.split(os.environ.get("MPIEXEC", "mpiexec"))
tmp = None
failed = 0


def start(prefix, where=None):
    """The scratch folder (under where, created if needed; default the system's)"""
    global tmp
    if where:
        os.makedirs(where, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=prefix, dir=where)


def check(ok, what):
    global failed
    failed += not ok
    print(f"  {'ok' if ok else 'FAIL':4s} {what}")


def run(args, ranks=1, expect_fail=False):
    """hycast ARGS on RANKS ranks from the repository's root: its stdout and stderr; exits when the status is not the
    one expected."""
    code, out = call(args, ranks)
    if (code != 0) != expect_fail:
        print("$ " + " ".join((mpi + ["-n", str(ranks)] if ranks > 1 else []) + [hycast] + args) + "\n" + out)
        sys.exit(f"FAILED: unexpected exit status {code}")
    return out


def call(args, ranks=1, cwd=None):
    """hycast ARGS on RANKS ranks from cwd (default the repository's root): its exit status, and its stdout and
    stderr"""
    cmd = (mpi + ["-n", str(ranks)] if ranks > 1 else []) + [hycast] + args
    p = subprocess.run(cmd, cwd=cwd or root, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def path(name):
    return os.path.join(tmp, name)


def write_data(name, times, x, y, variables):
    """A Cartesian data file in the scratch folder: times (s since 2000-01-01), cell centres x, y (m) and variables
    [(name, units, values[time, y, x]), ...]."""
    import netCDF4
    with netCDF4.Dataset(path(name), "w") as d:
        d.createDimension("time", None)
        d.createDimension("y", len(y))
        d.createDimension("x", len(x))
        tv = d.createVariable("time", "f8", ("time",))
        tv.units, tv.calendar, tv.axis = "seconds since 2000-01-01 00:00:00", "standard", "T"
        tv[:] = times
        for name_, vals in (("x", x), ("y", y)):
            v = d.createVariable(name_, "f8", (name_,))
            v.units, v.axis = "m", name_.upper()
            v[:] = vals
        for name_, units, vals in variables:
            v = d.createVariable(name_, "f8", ("time", "y", "x"))
            v.units = units
            v[:] = vals


def finish():
    shutil.rmtree(tmp, ignore_errors=True)
    print("PASSED" if not failed else f"FAILED: {failed} check(s)")
    sys.exit(1 if failed else 0)
