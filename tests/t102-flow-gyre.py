#!/usr/bin/env python3
"""A learned flow field (issue 25): a tracer stirred by a steady gyre, psi = sin(pi x) sin(pi y) on the closed unit box,
that the model is not told.  A physics-only model trained from a zero correction (-physics_velocity_learn field) finds
the velocity where the tracer's gradient is not small, and forecasts far better than the best constant-velocity fit;
the correction is saved in the model file and forecast uses it.  Usage: t102-flow-gyre.py [ranks]"""
import re, sys

try:
    import netCDF4
    import numpy as np
except ImportError as e:
    print(f"SKIPPED: /usr/bin/python3 lacks {e.name} (make deps installs python3-netcdf4)")
    sys.exit(0)

import hctest
from hctest import check, path

ranks = int(sys.argv[1]) if len(sys.argv) > 1 else 1
hctest.start("t102-")

# the data: the centred finite-volume operator of hycast (face velocity: mean of the two cells', closed walls) with
# RK4 in small steps, so that the true velocity is one the model can represent
n, nt, tobs, K = 24, 31, 0.02, 1e-3
h = 1.0 / n
xc = (np.arange(n) + 0.5) * h
X, Y = np.meshgrid(xc, xc)  # [j, i]: y, x
U = np.pi * np.sin(np.pi * X) * np.cos(np.pi * Y)  # u = dpsi/dy
V = -np.pi * np.cos(np.pi * X) * np.sin(np.pi * Y)  # v = -dpsi/dx


def rhs(c):
    fx = 0.5 * (U[:, :-1] + U[:, 1:]) * 0.5 * (c[:, :-1] + c[:, 1:]) - K * (c[:, 1:] - c[:, :-1]) / h
    fy = 0.5 * (V[:-1, :] + V[1:, :]) * 0.5 * (c[:-1, :] + c[1:, :]) - K * (c[1:, :] - c[:-1, :]) / h
    d = np.zeros_like(c)
    d[:, :-1] -= fx / h
    d[:, 1:] += fx / h
    d[:-1, :] -= fy / h
    d[1:, :] += fy / h
    return d


c = (np.exp(-((X - 0.3) ** 2 + (Y - 0.35) ** 2) / 0.02) - 0.8 * np.exp(-((X - 0.7) ** 2 + (Y - 0.6) ** 2) / 0.03)
     + 0.6 * X + 0.3 * Y)
states, sub = [c.copy()], 40
for q in range(nt - 1):
    for _ in range(sub):
        k = tobs / sub
        k1 = rhs(c); k2 = rhs(c + 0.5 * k * k1); k3 = rhs(c + 0.5 * k * k2); k4 = rhs(c + k * k3)
        c = c + k / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    states.append(c.copy())
states = np.array(states)
hctest.write_data("gyre.nc", tobs * np.arange(nt), xc, xc, [("c", "1", states)])

base = ["-data_file", path("gyre.nc"), "-data_vars", "c", "-physics_scheme", "centered", "-physics_diffusivity", "1e-3",
        "-train_optimizer", "tao", "-train_window", "4", "-train_split", "0.7,0.3"]
outl = hctest.run(["train", "-physics_velocity_learn", "field", "-physics_velocity_smooth", "1e-6", "-train_epochs", "200",
                   "-o", path("flow.nc")] + base, ranks)
outc = hctest.run(["train", "-physics_velocity", "0.1,0.1", "-train_epochs", "40", "-o", path("const.nc")] + base, ranks)
print("\n".join(l for l in (outl + outc).splitlines() if "trained:" in l))

# (a) the learned velocity against the true one where the tracer's gradient is not small (over the training states)
with netCDF4.Dataset(path("flow.nc")) as d:
    p = np.array(d.variables["physics"][:])
    names = re.findall(r"[^,\[]+(?:\[[^\]]*\])?", d.variables["physics"].getncattr("parameter_names"))
    arch = d.getncattr("model_architecture")
check(len(p) == 3 + 2 * n * n and names[1:4] == ["velocity_x", "velocity_y", "velocity_correction_x[0,0]"]
      and names[3 + n * n + 2 * n + 5] == "velocity_correction_y[2,5]" and "-physics_velocity_learn field" in arch,
      f"the model file holds the correction per cell ({len(p)} parameters) and records -physics_velocity_learn field")
vx0, vy0 = p[1], p[2]  # log K, then the constant pair
cx = p[3:3 + n * n].reshape(n, n) + vx0
cy = p[3 + n * n:3 + 2 * n * n].reshape(n, n) + vy0
gy, gx = np.gradient(states[:int(0.7 * nt)], h, axis=(1, 2))
g = np.sqrt(gx ** 2 + gy ** 2).mean(axis=0)
m = g > 0.5 * np.median(g)
m[0, :] = m[-1, :] = m[:, 0] = m[:, -1] = False  # a wall cell's normal component moves no flux
err = np.sqrt(((cx - U) ** 2 + (cy - V) ** 2)[m].sum() / (U ** 2 + V ** 2)[m].sum())
check(err <= 0.10, f"learned velocity: relative L2 error {err:.3f} over {m.sum()} of {n * n} cells (target <= 0.10)")

# (b) forecasts over the held-out states from the first of them
s0, ns = int(0.7 * nt), nt - 1 - int(0.7 * nt)
rmse = {}
for label, model in (("flow", "flow.nc"), ("const", "const.nc")):
    hctest.run(["forecast", "-model", path(model), "-data", path("gyre.nc"), "-data_vars", "c", "-forecast_start", str(s0),
                "-forecast_steps", str(ns), "-o", path(f"fc-{label}.nc")], ranks)
    with netCDF4.Dataset(path(f"fc-{label}.nc")) as d:
        f = np.array(d.variables["c"][:])
    rmse[label] = np.sqrt(np.mean((f[ns] - states[s0 + ns]) ** 2))
check(rmse["flow"] * 5 <= rmse["const"], f"forecast of {ns} steps from state {s0}: RMSE learned flow {rmse['flow']:.3e}, "
      f"best constant velocity {rmse['const']:.3e} (ratio {rmse['const'] / rmse['flow']:.1f}, target >= 5)")
hctest.finish()
