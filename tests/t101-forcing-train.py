#!/usr/bin/env python3
"""Forcing from data (issue 25): a tracer advected by a known, time-varying velocity stored in the same file (uniform in
space, turning round a circle, so that its mean is near zero).  A physics-only model trained with
-physics_velocity_vars fits it far better than one with a learned constant velocity; the model file records the
forcing, and forecast and evaluate read it from the data they are given (and say so when the data lacks it)."""
import os, re, sys

try:
    import netCDF4
    import numpy as np
except ImportError as e:
    print(f"SKIPPED: /usr/bin/python3 lacks {e.name} (make deps installs python3-netcdf4)")
    sys.exit(0)

import hctest
from hctest import check, path, root

ranks = int(sys.argv[1]) if len(sys.argv) > 1 else 1
hctest.start("t101-")


def run(args, expect_fail=False):
    return hctest.run(args, ranks, expect_fail)


# the exact solution on a periodic 24 x 24 grid of 1 m: Fourier modes shifted by X(t) = int v dt and damped by diffusion
n, nt, dt, K, U, P = 24, 41, 0.05, 2e-3, 0.4, 2.0
t = 3600.0 + dt * np.arange(nt)  # absolute times: the forcing is keyed on data times, not on time since the start
xc = (np.arange(n) + 0.5) / n
X, Y = np.meshgrid(xc, xc)
c0 = sum(a * np.exp(-(((X - x0 + 0.5) % 1 - 0.5) ** 2 + ((Y - y0 + 0.5) % 1 - 0.5) ** 2) / (2 * s * s))
         for a, x0, y0, s in ((1.0, 0.35, 0.4, 0.09), (0.6, 0.7, 0.65, 0.12)))
k = 2 * np.pi * np.fft.fftfreq(n, 1.0 / n)
KX, KY = np.meshgrid(k, k)
c0h = np.fft.fft2(c0)
w = 2 * np.pi / P


def solution(turn):
    """The velocity turning anticlockwise (turn 1) or clockwise (-1), and the tracer it advects."""
    vx, vy = U * np.cos(w * (t - t[0])), turn * U * np.sin(w * (t - t[0]))
    xs, ys = U / w * np.sin(w * (t - t[0])), turn * U / w * (1 - np.cos(w * (t - t[0])))
    c = np.array([np.real(np.fft.ifft2(c0h * np.exp(-1j * (KX * xs[q] + KY * ys[q]) - K * (KX ** 2 + KY ** 2) * (t[q] - t[0]))))
                  for q in range(nt)])
    return c, vx, vy


def write(name, cunits="m s-1", turn=1, vscale=1, drop=None):
    c, vx, vy = solution(turn)
    hctest.write_data(name, t, xc, xc, [("c", "1", c)] + [
        (name_, units, np.broadcast_to(comp[:, None, None], (nt, n, n)))
        for name_, comp, units in (("uvel", vscale * vx, cunits), ("vvel", vy, "m/s")) if name_ != drop])
    return c


c = write("data.nc")
base = ["-data_vars", "c", "-data_periodic", "xy", "-physics_scheme", "upwind2", "-physics_diffusivity", "1e-3",
        "-train_optimizer", "tao", "-train_epochs", "25", "-train_window", "4", "-train_split", "0.6,0.2"]


def mse(out):
    m = re.search(r"trained: validation MSE ([0-9.e+-]+)", out)
    return float(m.group(1)) if m else float("nan")


print(f"physics-only fits on {ranks} rank(s)")
outf = run(["train", "-data_file", path("data.nc"), "-physics_velocity_vars", "uvel,vvel", "-o", path("forced.nc")] + base)
outc = run(["train", "-data_file", path("data.nc"), "-physics_velocity", "0.1,0.1", "-o", path("const.nc")] + base)
mf, mc = mse(outf), mse(outc)
check("velocity: from the data variables uvel, vvel" in outf and "velocity_x" not in outf,
      "the forced model takes its velocity from uvel, vvel: not a parameter")
check(mf * 5 < mc, f"validation MSE with the forcing {mf:.3e}, with a learned constant velocity {mc:.3e} (ratio {mc / mf:.0f})")
write("cms.nc", cunits="cm/s", vscale=100)  # uvel in cm/s: converted, the same fit
outs = run(["train", "-data_file", path("cms.nc"), "-physics_velocity_vars", "uvel,vvel", "-o", path("cms-model.nc")] + base)
check(abs(mse(outs) - mf) <= 1e-9 * mf, f"uvel in cm/s: the same fit (validation MSE {mse(outs):.6e})")
write("clockwise.nc", turn=-1)  # a second environment, its velocity turning the other way
outs = run(["train", "-train_data", path("data.nc") + "," + path("clockwise.nc"), "-physics_velocity_vars", "uvel,vvel", "-o",
            path("two.nc")] + base)
envs = re.findall(r"environment +([01]) .*?validation ([0-9.e+-]+)", outs.split("trained:")[-1])
check(mse(outs) * 5 < mc and len(envs) == 2 and all(float(v) * 5 < mc for _, v in envs),
      f"two environments, each driven by its own file's velocity: validation MSE {mse(outs):.3e} "
      f"({', '.join(f'environment {e} {float(v):.3e}' for e, v in envs)})")
with netCDF4.Dataset(path("forced.nc")) as d:
    arch = d.getncattr("model_architecture")
check("-physics_velocity_vars uvel,vvel" in arch, f"the model file records the forcing: {arch}")

print("forecast and evaluate read the forcing from the data they are given")
fc = run(["forecast", "-model", path("forced.nc"), "-data", path("data.nc"), "-data_vars", "c", "-data_periodic", "xy",
          "-forecast_start", "20", "-forecast_steps", "12", "-o", path("fc.nc")])
with netCDF4.Dataset(path("fc.nc")) as d:
    f = np.array(d.variables["c"][:])
err = np.sqrt(np.mean((f[12] - c[32]) ** 2)) / np.sqrt(np.mean((c[32] - c[20]) ** 2))
check("velocity forcing of term 'physics'" in fc and err < 0.3,
      f"forecast of 12 steps from state 20: rms error {err:.3f} of the change over those steps")
ev = run(["evaluate", "-truth", path("data.nc"), "-data_vars", "c", "-data_periodic", "xy", "-models",
          path("forced.nc") + "," + path("const.nc"), "-evaluate_labels", "forced,constant", "-evaluate_inits", "10,24",
          "-evaluate_leads", "6", "-evaluate_csv", path("ev.csv")])
rows = [l.split(",") for l in open(path("ev.csv")).read().splitlines()[1:]]
rmse = {r[0]: float(r[3]) for r in rows if r[1] == "c" and r[2] == "6"}
check(rmse.get("forced", 1) * 3 < rmse.get("constant", 0),
      f"hindcast RMSE at lead 6: forced {rmse.get('forced', float('nan')):.3e}, constant {rmse.get('constant', float('nan')):.3e}")

print("bad forcing input: one clear message, non-zero exit")
write("novel.nc", drop="vvel")
with open(path("fine.yaml"), "w") as f:  # the data's domain at 48 x 48
    f.write("grid:\n  type: cartesian\n  nx: 48\n  ny: 48\n  x: [0, 1]\n  y: [0, 1]\n  periodic_x: true\n  periodic_y: true\n"
            "  fields: [c]\n")
bad = [
    (["forecast", "-model", path("forced.nc"), "-data", path("novel.nc"), "-data_vars", "c", "-data_periodic", "xy",
      "-forecast_steps", "2", "-o", path("b1.nc")], "vvel"),
    (["forecast", "-model", path("forced.nc"), "-data", path("data.nc"), "-data_vars", "c", "-data_periodic", "xy",
      "-forecast_start", "38", "-forecast_steps", "5", "-forecast_interval", "0.05", "-o", path("b2.nc")],
     "the velocity covers"),
    (["forecast", "-model", path("forced.nc"), "-data", path("data.nc"), "-data_vars", "c", "-data_periodic", "xy", "-grid",
      path("fine.yaml"), "-forecast_steps", "2", "-o", path("b3.nc")],
     "velocity uvel, vvel (-physics_velocity_vars)"),
]
for args, msg in bad:
    out = run(args, expect_fail=True)
    errline = [l for l in out.splitlines() if "error:" in l]
    check(len(errline) == 1 and msg in errline[0] and "PETSC ERROR" not in out, f"{args[0]}: {errline[0] if errline else out[-300:]}")

hctest.finish()
