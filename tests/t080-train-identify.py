#!/usr/bin/env python3
"""Parameter identification end to end: `hycast generate` without the hidden term (the known physics alone), then
`hycast train` of the physics with TAO recovers every diffusivity and the velocity within 2% of the true coefficients
that generate stored as attributes.  Runs with MPIEXEC and the rank count given as the first argument."""
import math, os, shlex, subprocess, sys, tempfile
import netCDF4
import numpy

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ranks = sys.argv[1] if len(sys.argv) > 1 else "1"
mpiexec = shlex.split(os.environ.get("MPIEXEC", "mpiexec")) + ["-n", ranks]
hycast = os.environ.get("HYCAST_BIN") or os.path.join(root, "bin", "hycast")  # tests/run.py gives the hycast under test
tmp = tempfile.mkdtemp(prefix="t080-")
data, model = os.path.join(tmp, "phys.nc"), os.path.join(tmp, "model.nc")

def run(args):
    p = subprocess.run(mpiexec + [hycast] + args, capture_output=True, text=True)
    print("$ hycast " + " ".join(args))
    print("\n".join(p.stdout.splitlines()[-4:]))
    if p.returncode:
        print(p.stdout + p.stderr)
        sys.exit(f"FAILED: hycast {args[0]} exited with {p.returncode}")

run(["generate", "-generate_hidden", "0", "-generate_envs", "1", "-generate_coarsen", "1", "-generate_steps", "30",
     "-grid_nx", "32", "-grid_ny", "32", "-o", data])
run(["train", "-data_file", data, "-data_vars", "u,v", "-o", model, "-train_optimizer", "tao", "-train_epochs", "30",
     "-train_window", "3", "-physics_diffusivity", "2e-3", "-physics_velocity", "0.2,-0.1"])

truth, fitted = netCDF4.Dataset(data), netCDF4.Dataset(model)
phys = fitted.variables["physics"]
names = phys.parameter_names.split(",")
failed = 0
for name, value in zip(names, phys[:]):
    true = float(numpy.atleast_1d(truth.getncattr("true_physics_" + name))[0])
    if name.startswith("log_"):
        label, got, want = name[4:], math.exp(value), math.exp(true)
    else:
        label, got, want = name, float(value), true
    rel = abs(got / want - 1)
    ok = rel < 0.02
    failed += not ok
    print(f"  {'ok' if ok else 'FAIL':4s} {label:16s} fitted {got:.6g}  true {want:.6g}  rel error {rel:.1e}")
import shutil
shutil.rmtree(tmp, ignore_errors=True)
print("PASSED" if not failed else f"FAILED: {failed} parameter(s) off by more than 2%")
sys.exit(1 if failed else 0)
