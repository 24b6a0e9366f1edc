#!/usr/bin/env python3
"""hycast extract writes what it reads (issue 23): the auxiliary fields of -data_aux_vars after the data's (from the data
file, or from -data_aux_file), on the same cells and land, and with -data_env e the one environment e of a file with
an environment dimension (no environment dimension in the output).  The same files on 1 and 2 ranks.  $1: MPI ranks."""
import os, shlex, shutil, subprocess, sys, tempfile

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
tmp = tempfile.mkdtemp(prefix="t099-")
failed = 0


def check(ok, what):
    global failed
    failed += not ok
    print(f"  {'ok' if ok else 'FAIL':4s} {what}")


def run(args, n=ranks):
    cmd = (mpi + ["-n", str(n)] if n > 1 else []) + [hycast] + args
    p = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
    if p.returncode:
        print("$ " + " ".join(cmd) + "\n" + p.stdout + p.stderr)
        sys.exit(f"FAILED: exit status {p.returncode}")
    return p.stdout + p.stderr


def make(path, scale):
    """lat-lon, 5 days, sst and auxiliary u, w; one land cell."""
    nt, ny, nx = 5, 6, 8
    with netCDF4.Dataset(path, "w") as ds:
        for name, n in (("time", None), ("lat", ny), ("lon", nx)):
            ds.createDimension(name, n)
        t = ds.createVariable("time", "f8", ("time",))
        t.units = "days since 2000-01-01"
        t[:] = numpy.arange(nt)
        v = ds.createVariable("lat", "f4", ("lat",))
        v.units = "degrees_north"
        v[:] = 10.0 + 5 * numpy.arange(ny)
        v = ds.createVariable("lon", "f4", ("lon",))
        v.units = "degrees_east"
        v[:] = 5.0 * numpy.arange(nx)
        T, Y, X = numpy.meshgrid(numpy.arange(nt), numpy.arange(ny), numpy.arange(nx), indexing="ij")
        for name, a in (("sst", 10 + Y + 0.1 * X + 0.5 * T), ("u", scale * (0.1 * X - 0.2 * Y + T)),
                        ("w", scale * (0.3 * Y - X * T))):
            v = ds.createVariable(name, "f4", ("time", "lat", "lon"), fill_value=-999.0)
            a = numpy.ma.masked_array(a, mask=numpy.zeros(a.shape, bool))
            a.mask[:, 0, 0] = True
            v[:] = a


make(os.path.join(tmp, "L.nc"), 1.0)
make(os.path.join(tmp, "A.nc"), 3.0)
L, A = netCDF4.Dataset(os.path.join(tmp, "L.nc")), netCDF4.Dataset(os.path.join(tmp, "A.nc"))

print(f"auxiliary fields, {ranks} rank(s)")
run(["extract", "-data_file", "L.nc", "-data_vars", "sst", "-data_aux_vars", "u,w", "-o", "x.nc"])
x = netCDF4.Dataset(os.path.join(tmp, "x.nc"))
check(all(k in x.variables for k in ("sst", "u", "w")), f"variables {sorted(x.variables)}")
for k in ("sst", "u", "w"):
    same = numpy.ma.allclose(x[k][:], L[k][:], rtol=1e-6) and numpy.array_equal(numpy.ma.getmaskarray(x[k][:]),
                                                                                numpy.ma.getmaskarray(L[k][:]))
    check(same, f"{k}: the file's values, land where the file's is")
run(["extract", "-data_file", "L.nc", "-data_vars", "sst", "-data_aux_vars", "u", "-data_aux_file", "A.nc",
     "-data_box", "10,30,15,30", "-o", "y.nc"])
y = netCDF4.Dataset(os.path.join(tmp, "y.nc"))
check(y["u"].shape == y["sst"].shape == (5, 4, 5) and numpy.ma.allclose(y["u"][:], A["u"][:, 1:5, 2:7], rtol=1e-6),
      f"-data_aux_file and -data_box: u from the other file, in the box {y['u'].shape}")
if ranks > 1:
    run(["extract", "-data_file", "L.nc", "-data_vars", "sst", "-data_aux_vars", "u,w", "-o", "x1.nc"], n=1)
    x1 = netCDF4.Dataset(os.path.join(tmp, "x1.nc"))
    check(all(numpy.ma.allequal(x1[k][:], x[k][:]) for k in ("sst", "u", "w")), "the same values as on 1 rank")

print("one environment")
run(["generate", "-generate_envs", "2", "-generate_steps", "2", "-grid_nx", "12", "-grid_ny", "12", "-o", "g.nc"], n=1)
run(["extract", "-data_file", "g.nc", "-data_env", "1", "-o", "e1.nc"])
run(["extract", "-data_file", "g.nc", "-o", "all.nc"])
g, e1, al = (netCDF4.Dataset(os.path.join(tmp, f)) for f in ("g.nc", "e1.nc", "all.nc"))
check("env" not in e1.dimensions and numpy.array_equal(e1["u"][:], g["u"][1]), "-data_env 1: environment 1 alone")
check(al.dimensions["env"].size == 2 and numpy.array_equal(al["v"][:], g["v"][:]), "without it: every environment")

shutil.rmtree(tmp, ignore_errors=True)
print("PASSED" if not failed else f"FAILED: {failed} check(s)")
sys.exit(1 if failed else 0)
