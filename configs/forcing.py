#!/usr/bin/python3
"""make experiment-forcing: a tracer carried by given, time-varying currents (issue 25).  The data set holds the
tracer and the currents u, v that moved it, as a user's ocean file would; the physics run with the data's currents
(-physics_velocity_vars u,v: only the diffusivity is learned) against the same physics with a learned constant current
(what hycast could do before) and against persistence.

 1. write the data (out/forcing/data.nc): a doubly periodic square of 2000 km, 48 x 48 cells, daily states over 150
    days of a tracer advected and diffused by a gyre whose strength oscillates and reverses (period 40 days) plus a
    uniform drift turning round a circle (period 25 days); the truth is integrated spectrally on a 96 x 96 grid in
    steps of one hour and averaged onto the 48 x 48 cells, so the model's finite volumes do not reproduce it exactly
 2. train physics-only with the data's currents on days 0 .. 99 (the trainer keeps its last parts for validation)
 3. train physics-only with a learned constant current on the same days
 4. hindcasts from every day 100 .. 139, leads 1 .. 10 days, against persistence: RMSE per lead
Output under out/forcing/ (or argv[1]); the table also in out/forcing/summary.md."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipeline import ROOT, Pipeline, leads_of, markdown_table, skill  # noqa: E402

out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "out", "forcing"))
P = Pipeline("experiment-forcing", out, 4)
f = P.path
print(f"hycast experiment: a tracer driven by given time-varying currents, on {P.ranks} MPI ranks; output in {out}",
      flush=True)

L, n, fine, ndays, K = 2.0e6, 48, 96, 150, 500.0  # m, cells, truth's cells, days, m^2/s
A0, T_gyre, U0, T_drift = 0.4, 40 * 86400.0, 0.15, 25 * 86400.0  # m/s, s, m/s, s


def currents(x, y, t):
    """u, v (m/s) at points x, y (m) and time t (s since the start): the reversing gyre (divergence-free: the
    streamfunction A(t) L/(2 pi) sin(2 pi x/L) sin(2 pi y/L)) plus the turning drift."""
    import numpy as np
    a, kx, ky = A0 * np.cos(2 * np.pi * t / T_gyre), 2 * np.pi * x / L, 2 * np.pi * y / L
    w = 2 * np.pi * t / T_drift
    return (a * np.sin(kx) * np.cos(ky) + U0 * np.cos(w), -a * np.cos(kx) * np.sin(ky) + U0 * np.sin(w))


def write_data(path):
    import netCDF4
    import numpy as np

    P._begin("write the data: 150 daily states of the tracer and the currents that carried it")
    h = L / fine
    xf = (np.arange(fine) + 0.5) * h
    X, Y = np.meshgrid(xf, xf)
    k = 2 * np.pi * np.fft.fftfreq(fine, h)
    KX, KY = np.meshgrid(k, k)
    lap = -(KX ** 2 + KY ** 2)
    c = (np.cos(2 * np.pi * Y / L) + 0.5 * np.sin(2 * np.pi * (X + Y) / L)
         + np.exp(-(((X - 0.3 * L + L / 2) % L - L / 2) ** 2 + ((Y - 0.6 * L + L / 2) % L - L / 2) ** 2) / (2 * (0.08 * L) ** 2)))

    def rhs(c, t):  # -(u c_x + v c_y) + K Lap c, derivatives by FFT (u is divergence-free: flux and advective forms agree)
        ch = np.fft.fft2(c)
        u, v = currents(X, Y, t)
        cx, cy = np.real(np.fft.ifft2(1j * KX * ch)), np.real(np.fft.ifft2(1j * KY * ch))
        return -(u * cx + v * cy) + K * np.real(np.fft.ifft2(lap * ch))

    def coarse(a):  # cell means of the 2 x 2 truth cells in each model cell
        return a.reshape(n, fine // n, n, fine // n).mean(axis=(1, 3))

    dt, per_day = 3600.0, 24
    states, t = [coarse(c)], 0.0
    for day in range(1, ndays):
        for _ in range(per_day):
            k1 = rhs(c, t)
            k2 = rhs(c + 0.5 * dt * k1, t + 0.5 * dt)
            k3 = rhs(c + 0.5 * dt * k2, t + 0.5 * dt)
            k4 = rhs(c + dt * k3, t + dt)
            c, t = c + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4), t + dt
        states.append(coarse(c))
    xc = (np.arange(n) + 0.5) * (L / n)
    XC, YC = np.meshgrid(xc, xc)
    days = np.arange(ndays) * 86400.0
    tmp = path + ".part"
    with netCDF4.Dataset(tmp, "w") as d:
        d.title = "hycast experiment-forcing: a tracer advected by given time-varying currents (configs/forcing.py)"
        d.createDimension("time", None)
        d.createDimension("y", n)
        d.createDimension("x", n)
        tv = d.createVariable("time", "f8", ("time",))
        tv.units, tv.calendar, tv.axis, tv.standard_name = "seconds since 2000-01-01 00:00:00", "standard", "T", "time"
        tv[:] = days
        for name, vals in (("x", xc), ("y", xc)):
            v = d.createVariable(name, "f8", (name,))
            v.units, v.axis = "m", name.upper()
            v[:] = vals
        v = d.createVariable("tracer", "f8", ("time", "y", "x"))
        v.units, v.long_name = "1", "passive tracer"
        v[:] = np.array(states)
        # the currents at the cell centres (what a model file of currents holds), one record per day
        uu = np.array([currents(XC, YC, s)[0] for s in days])
        vv = np.array([currents(XC, YC, s)[1] for s in days])
        for name, vals, ln in (("u", uu, "eastward current"), ("v", vv, "northward current")):
            var = d.createVariable(name, "f8", ("time", "y", "x"))
            var.units, var.long_name = "m s-1", ln
            var[:] = vals
    os.replace(tmp, path)
    print(f"    wrote {os.path.relpath(path, ROOT)}", flush=True)


data = f("data.nc")
write_data(data)
common = ["-data_file", data, "-data_vars", "tracer", "-data_periodic", "xy"]
train = ["train"] + common + ["-data_dates", "2000-01-01,2000-04-09", "-model_terms", "advdiff", "-physics_scheme", "upwind2",
                              "-physics_diffusivity", "2000", "-train_optimizer", "tao", "-train_epochs", "40",
                              "-train_window", "4"]
P.hycast("train the physics with the data's currents (the diffusivity learned) on days 0 .. 99",
         train + ["-physics_velocity_vars", "u,v", "-o", f("forced.nc"), "-train_log", f("forced-log.csv")],
         show=("velocity", "trained"))
P.hycast("train the physics with a learned constant current on days 0 .. 99",
         train + ["-physics_velocity", "0.05,0.05", "-o", f("constant.nc"), "-train_log", f("constant-log.csv")],
         show=("trained",))
P.hycast("hindcasts from every day 100 .. 139, leads 1-10 days",
         ["evaluate", "-truth", data, "-data_vars", "tracer", "-data_periodic", "xy", "-models",
          f"{f('forced.nc')},{f('constant.nc')}", "-evaluate_labels", "data currents,constant current",
          "-evaluate_dates", "2000-04-10,2000-05-19", "-evaluate_leads", 10, "-evaluate_csv", f("skill.csv")])

tab = skill(f("skill.csv"))
leads = leads_of(tab)
names = ["data currents", "constant current", "persistence"]
rows = [[m] + [f"{tab[(m, 'tracer', l)]['rmse']:.3g}" for l in leads] for m in names]
table = markdown_table(rows, ["RMSE"] + [f"lead {l}" for l in leads])
r = lambda m, l: tab[(m, "tracer", l)]["rmse"]
ratios = [r("constant current", l) / r("data currents", l) for l in leads]
verdict = (f"the data's currents: RMSE {min(ratios):.1f}-{max(ratios):.1f}x below the learned constant current and "
           f"{min(r('persistence', l) / r('data currents', l) for l in leads):.1f}-"
           f"{max(r('persistence', l) / r('data currents', l) for l in leads):.1f}x below persistence over leads "
           f"{leads[0]}-{leads[-1]}")

def fitted(log):
    """The physical parameters of the last epoch line of a training log (name=value pairs)"""
    with open(log) as fh:
        last = [l for l in fh if l.startswith("epoch")][-1]
    return " ".join(w for w in last.split() if "=" in w)


learned = [f"with the data's currents: {fitted(f('logs/02-train.log'))} (the truth: diffusivity {K:g})",
           f"with a constant current: {fitted(f('logs/03-train.log'))}"]
with open(f("summary.md"), "w") as fh:
    fh.write(table + "\n\n- " + verdict + "\n" + "".join(f"- learned {x}\n" for x in learned))
print("\nRMSE of the tracer, hindcasts from days 100 .. 139:\n" + table + "\n" + verdict + "\n" + "\n".join(
    "learned " + x for x in learned))
print(f"\nexperiment-forcing: done in {P.elapsed():.0f} s")
