#!/usr/bin/env python3
"""hycast evaluate's date ranges and per-lead counts (issue 23), on yearly states dated 1 July 1990-1999 and monthly
states dated the 15th (tests/data/eval-annual.cdl, eval-monthly.cdl):
- -evaluate_dates A,B starts at the first state at or after A and ends at the LAST state AT OR BEFORE B (a range that
  ends between two states does not take the next one; one that ends between the last-but-one and the last state works;
  one that ends beyond the truth stops at the last state that a truth state follows);
- -evaluate_climatology_dates ends the same way (hindcasts and -forecast files, yearly mean and by calendar month);
- the initial_times of the CSV and the "initial times" row of the table count, per lead, the forecasts scored at that
  lead (fewer at long leads when the truth or a forecast file ends);
- persistence, climatology and forecast-file RMSEs equal those computed here from the files (numpy);
- a start after the end, a range with no state, a range holding only the truth's last state: one clear message.
$1: MPI ranks of the evaluate runs."""
import os, re, shlex, subprocess, sys, tempfile, shutil

try:
    import netCDF4
    import numpy
except ImportError as e:
    print(f"SKIPPED: /usr/bin/python3 lacks {e.name} (make deps installs python3-netcdf4)")
    sys.exit(0)

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
hycast = os.environ.get("HYCAST_BIN") or os.path.join(root, "bin", "hycast")  # tests/run.py gives the hycast under test
ranks = int(sys.argv[1]) if len(sys.argv) > 1 else 1
mpi = shlex.split(os.environ.get("MPIEXEC", "mpiexec"))
tmp = tempfile.mkdtemp(prefix="t087-")
failed = 0


def check(ok, what):
    global failed
    failed += not ok
    print(f"  {'ok' if ok else 'FAIL':4s} {what}")


def path(name):
    return os.path.join(tmp, name)


def run(args, n=1):
    cmd = (mpi + ["-n", str(n)] if n > 1 else []) + [hycast] + args
    p = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def must(args, n=1):
    code, out = run(args, n)
    if code:
        print("$ " + " ".join(args) + "\n" + out)
        sys.exit(f"FAILED: exit status {code}")
    return out


def csv_table(name):
    """{(model, lead): (rmse, initial_times)} of field h"""
    rows = [l.split(",") for l in open(path(name)).read().splitlines()[1:]]
    return {(r[0], int(r[2])): (float(r[3]), int(r[6])) for r in rows if r[1] == "h"}


def close(a, b):
    return abs(a - b) <= 1e-8 * max(abs(a), abs(b), 1e-30)


for name in ("eval-annual", "eval-monthly"):
    subprocess.run(["ncgen", "-k", "1", "-o", path(name + ".nc"), os.path.join(root, "tests", "data", name + ".cdl")],
                   check=True)
    # a model only to run hindcasts with: its own scores are not the point here
    must(["train", "-data_file", path(name + ".nc"), "-data_vars", "h", "-model_terms", "advdiff", "-train_epochs", "0",
          "-train_window", "1", "-o", path(name + "-model.nc")])
Y = numpy.asarray(netCDF4.Dataset(path("eval-annual.nc"))["h"][:], dtype=float)  # states 1990-07-01 (0) .. 1999-07-01 (9)
M = numpy.asarray(netCDF4.Dataset(path("eval-monthly.nc"))["h"][:], dtype=float)  # states 1990-01-15 (0) .. 1991-12-15 (23)
# the grid is uniform, so area weights drop out: RMSE over every cell of every scored forecast


def rmse(pairs):
    return float(numpy.sqrt(numpy.mean([(f - y) ** 2 for f, y in pairs])))


def persistence(T, inits, lead):
    return rmse([(T[k], T[k + lead]) for k in inits if k + lead < len(T)])


def climatology(T, inits, lead, clim):
    return rmse([(clim(k + lead), T[k + lead]) for k in inits if k + lead < len(T)])


def counts(T, inits, leads):
    return [len([k for k in inits if k + l < len(T)]) for l in range(1, leads + 1)]


def scores(tab, what, T, inits, leads, clim, label="hycast"):
    """the CSV's persistence and climatology rows against numpy's, and initial_times against the exact counts"""
    want = counts(T, inits, leads)
    got = [tab[("persistence", l)][1] for l in range(1, leads + 1)]
    same = all(tab[(m, l)][1] == want[l - 1] for m in ("model1", "persistence", "climatology") for l in range(1, leads + 1))
    check(same, f"{what}: initial_times per lead {got} (expected {want}) for every table")
    p = [persistence(T, inits, l) for l in range(1, leads + 1)]
    c = [climatology(T, inits, l, clim) for l in range(1, leads + 1)]
    hp = [tab[("persistence", l)][0] for l in range(1, leads + 1)]
    hc = [tab[("climatology", l)][0] for l in range(1, leads + 1)]
    check(all(map(close, hp, p)), f"{what}: persistence RMSE {[round(v, 6) for v in hp]} (numpy {[round(v, 6) for v in p]})")
    check(all(map(close, hc, c)), f"{what}: climatology RMSE {[round(v, 6) for v in hc]} (numpy {[round(v, 6) for v in c]})")


def hindcasts(truth, opts, csv):
    return run(["evaluate", "-truth", path(truth + ".nc"), "-data_vars", "h", "-models", path(truth + "-model.nc"),
                "-evaluate_csv", path(csv)] + opts, ranks)


def setup(out):
    m = re.search(r"initial times (\d+) \.\. (\d+) of (\d+) \((\S+) \.\. (\S+)\)", out)
    if m:
        return m.groups()
    line = [l for l in out.splitlines() if "initial times" in l or "error:" in l]
    return line[0] if line else out.strip()[-300:]


def climline(out):
    m = re.search(r"climatology (?:the mean|by calendar month) of truth states (\d+) \.\. (\d+) \((\S+) \.\. (\S+)\)", out)
    return m.groups() if m else None


print(f"yearly states, hindcasts on {ranks} rank(s)")
# a climatology of one state has no anomaly to fit damped persistence to: by default not scored, and hycast evaluate
# says so (given -evaluate_damped true, it is an error: bad-evaluate-short-climatology)
code, out = hindcasts("eval-annual", ["-evaluate_dates", "1991-01-01,1993-12-31", "-evaluate_leads", "2"], "a.csv")
check(code == 0 and setup(out) == ("1", "3", "10", "1991-07-01", "1993-07-01"),
      f"-evaluate_dates 1991-01-01,1993-12-31: initial times {setup(out)}, expected 1 .. 3 (1991-07-01 .. 1993-07-01)")
check(re.search(r"^hycast evaluate: not scored: damped persistence of \S+ at lead 1 cannot be fitted: the climatology "
                r"period \(1990-07-01 \.\. 1990-07-01; 1 state\(s\) not scored\) has no two unscored states", out, re.M) and not re.search(r"^damped persistence", out, re.M),
      "a climatology of one state: damped persistence not scored, with the reason")
if code == 0:
    scores(csv_table("a.csv"), "1991-01-01,1993-12-31", Y, range(1, 4), 2, lambda k: Y[0])
    check(climline(out) == ("0", "0", "1990-07-01", "1990-07-01"), f"climatology from the states before: {climline(out)}")

# ends between the last-but-one and the last state; climatology 1990-1993 (the old end took 1994-07-01 too)
code, out = hindcasts("eval-annual", ["-evaluate_dates", "1995-01-01,1998-12-31", "-evaluate_leads", "3",
                                      "-evaluate_climatology_dates", "1990-01-01,1993-12-31"], "b.csv")
check(code == 0 and setup(out) == ("5", "8", "10", "1995-07-01", "1998-07-01"),
      f"-evaluate_dates 1995-01-01,1998-12-31 (the last-but-one state): initial times {setup(out)}, expected 5 .. 8")
if code == 0:
    scores(csv_table("b.csv"), "1995-01-01,1998-12-31", Y, range(5, 9), 3, lambda k: Y[0:4].mean(axis=0))
    check(climline(out) == ("0", "3", "1990-07-01", "1993-07-01"),
          f"-evaluate_climatology_dates 1990-01-01,1993-12-31: states {climline(out)}, expected 0 .. 3")
    rows = [l.split() for l in out.splitlines() if l.startswith("initial times")]
    check(len(rows) == 3 and all(r[2:] == ["4", "3", "2"] for r in rows),
          f"text tables: 'initial times' row per lead {rows[0][2:] if rows else None} (expected 4 3 2, in each of 3 tables)")
    check("initial time(s))" not in out, "no single count for every lead in the table headers")

code, out = hindcasts("eval-annual", ["-evaluate_dates", "1997-01-01,2005-01-01", "-evaluate_leads", "2"], "c.csv")
check(code == 0 and setup(out) == ("7", "8", "10", "1997-07-01", "1998-07-01"),
      f"-evaluate_dates 1997-01-01,2005-01-01 (beyond the truth): initial times {setup(out)}, expected 7 .. 8")
if code == 0:
    scores(csv_table("c.csv"), "1997-01-01,2005-01-01", Y, range(7, 9), 2, lambda k: Y[0:7].mean(axis=0))

print(f"monthly states, climatology by calendar month 1990-01-01,1990-12-31 (not January 1991), on {ranks} rank(s)")
code, out = hindcasts("eval-monthly", ["-evaluate_dates", "1990-11-01,1991-06-30", "-evaluate_leads", "3",
                                       "-evaluate_climatology_dates", "1990-01-01,1990-12-31", "-evaluate_damped", "false"],
                   "m.csv")
check(code == 0 and setup(out) == ("10", "17", "24", "1990-11-15", "1991-06-15"),
      f"-evaluate_dates 1990-11-01,1991-06-30: initial times {setup(out)}, expected 10 .. 17 (1990-11-15 .. 1991-06-15)")
if code == 0:
    check(climline(out) == ("0", "11", "1990-01-15", "1990-12-15"), f"climatology states {climline(out)}, expected 0 .. 11")
    scores(csv_table("m.csv"), "monthly", M, range(10, 18), 3, lambda k: M[k % 12])

print(f"forecast files of 3, 3 and 2 steps, on {ranks} rank(s)")
files = []
for start, steps in ((5, 3), (6, 3), (7, 2)):
    files.append(path(f"fc{start}.nc"))
    must(["forecast", "-model", path("eval-annual-model.nc"), "-data", path("eval-annual.nc"), "-data_vars", "h",
          "-forecast_start", str(start), "-forecast_steps", str(steps), "-o", files[-1]])
code, out = run(["evaluate", "-truth", path("eval-annual.nc"), "-data_vars", "h", "-forecast", ",".join(files),
                 "-evaluate_climatology_dates", "1990-01-01,1993-12-31", "-evaluate_csv", path("f.csv")], ranks)
check(code == 0, f"evaluate -forecast: exit {code}" + ("" if code == 0 else ": " + out.strip()[-300:]))
if code == 0:
    tab = csv_table("f.csv")
    fc = [numpy.asarray(netCDF4.Dataset(f)["h"][:], dtype=float) for f in files]
    inits = [5, 6, 7]
    check(all(numpy.allclose(f[0], Y[k], rtol=0, atol=1e-12) for f, k in zip(fc, inits)), "lead 0 of each file is its truth state")
    want = [len([f for f in fc if len(f) > l]) for l in (1, 2, 3)]
    got = {m: [tab[(m, l)][1] for l in (1, 2, 3)] for m in ("forecast", "persistence", "climatology")}
    check(all(g == want for g in got.values()), f"initial_times per lead {got['forecast']} (expected {want}) for every table")
    clim = Y[0:4].mean(axis=0)
    for m, pairs in (("forecast", lambda l: [(f[l], Y[k + l]) for f, k in zip(fc, inits) if len(f) > l]),
                     ("persistence", lambda l: [(Y[k], Y[k + l]) for f, k in zip(fc, inits) if len(f) > l]),
                     ("climatology", lambda l: [(clim, Y[k + l]) for f, k in zip(fc, inits) if len(f) > l])):
        h, e = [tab[(m, l)][0] for l in (1, 2, 3)], [rmse(pairs(l)) for l in (1, 2, 3)]
        check(all(map(close, h, e)), f"{m} RMSE {[round(v, 6) for v in h]} (numpy {[round(v, 6) for v in e]})")
    check(climline(out) == ("0", "3", "1990-07-01", "1993-07-01"), f"climatology states {climline(out)}, expected 0 .. 3")

print("bad ranges: one clear message")
ev = ["evaluate", "-truth", path("eval-annual.nc"), "-data_vars", "h", "-models", path("eval-annual-model.nc")]
for opts, msg in (
        (["-evaluate_dates", "1993-01-01,1992-01-01"], "-evaluate_dates 1993-01-01,1992-01-01: the first date is after the last"),
        (["-evaluate_dates", "1993-08-01,1994-06-30"],
         "-evaluate_dates 1993-08-01,1994-06-30: no truth state lies between these dates (the truth's 10 states run from "
         "1990-07-01 to 1999-07-01)"),
        (["-evaluate_dates", "1999-01-01,2001-01-01"], "the only truth state in the range is the truth's last (1999-07-01)"),
        (["-evaluate_climatology_dates", "1990-08-01,1991-06-01"],
         "-evaluate_climatology_dates 1990-08-01,1991-06-01: no truth state lies between these dates"),
        (["-evaluate_inits", "3,9"], "-evaluate_inits 3,9: give initial time indices first <= last in [0, 8]")):
    code, out = run(ev + opts, ranks)
    err = [l for l in out.splitlines() if "error:" in l]
    check(code != 0 and len(err) == 1 and msg in err[0] and "PETSC ERROR" not in out,
          f"{' '.join(opts)}: {err[0] if err else f'exit {code}, ' + str(setup(out))}")

shutil.rmtree(tmp, ignore_errors=True)
print("PASSED" if not failed else f"FAILED: {failed} check(s)")
sys.exit(1 if failed else 0)
