#!/usr/bin/env python3
"""postproc/rolling_origin.py (issue 26): the bootstrap interval of the RMSE difference over pooled initial times.
- known answers: a model whose MSE is 0.81 times the baseline's at every initial time is 10% better, with an interval
  of exactly -10%; two equal tables differ by 0 with the interval [0, 0]; the RMSE of a table is the root of the mean MSE;
- moving blocks: every index in [0, n), the blocks consecutive;
- coverage on synthetic errors of known RMSE (AR(1) in time, 10 cells, 60 initial times, 500 series): the 90% interval
  of blocks of 6 covers the true difference in 75-96% of the series when the lag-1 autocorrelation is 0.5, and at 0.8
  (where every interval of 60 initial times is too narrow) blocks of 6 cover more often than the ordinary bootstrap
  by 0.1 or more (the reason for the blocks);
- the command: two origins' files pooled, the table and the CSV; an initial time in two files, a missing column: errors."""
import os, subprocess, sys

try:
    import numpy as np
except ImportError as e:
    print(f"SKIPPED: /usr/bin/python3 lacks {e.name}")
    sys.exit(0)
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "postproc"))
import hctest  # noqa: E402
from hctest import check, path  # noqa: E402
from rolling_origin import block_indices, rmse_difference  # noqa: E402

hctest.start("t105-")
rng = np.random.default_rng(3)
mb = rng.uniform(0.1, 1, 40)
d, (lo, hi), r, (rlo, rhi) = rmse_difference(0.81 * mb, mb, 4, 500, rng)
check(abs(r + 0.1) < 1e-12 and abs(rlo + 0.1) < 1e-12 and abs(rhi + 0.1) < 1e-12 and
      abs(d + 0.1 * np.sqrt(mb.mean())) < 1e-12 and lo < 0 and hi < 0,
      f"MSE 0.81 times the baseline's: {100 * r:+.1f}% [{100 * rlo:+.1f}, {100 * rhi:+.1f}], difference {d:+.4f}")
d, (lo, hi), r, _ = rmse_difference(mb, mb, 4, 500, rng)
check(d == 0 and lo == 0 and hi == 0 and r == 0, "equal tables: 0 [0, 0]")
idx = block_indices(23, 5, 200, rng)
steps = np.diff(idx.reshape(200, -1)[:, :20].reshape(200, 4, 5), axis=2)
check(idx.shape == (200, 23) and idx.min() >= 0 and idx.max() <= 22 and np.all(steps == 1),
      "moving blocks: 23 indices in [0, 22], blocks of 5 consecutive ones")


def ar1(n, phi, m):
    x = np.empty((m, n))
    x[:, 0] = rng.standard_normal(m)
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + np.sqrt(1 - phi ** 2) * rng.standard_normal(m)
    return x


def coverage(phi, block, reps=500, n=60, cells=10, c=0.8, s=0.3):
    """errors of the baseline zb and of the model c zb + s zw, zb and zw AR(1) of unit variance: RMSE 1 and
    sqrt(c^2 + s^2)"""
    zb = np.stack([ar1(n, phi, reps) for _ in range(cells)], 1)
    zw = np.stack([ar1(n, phi, reps) for _ in range(cells)], 1)
    b, m = (zb ** 2).mean(1), ((c * zb + s * zw) ** 2).mean(1)
    true = np.sqrt(c * c + s * s) - 1
    return np.mean([(lambda q: q[1][0] <= true <= q[1][1])(rmse_difference(m[i], b[i], block, 1000, rng))
                    for i in range(reps)])


c5 = coverage(0.5, 6)
check(0.75 <= c5 <= 0.96, f"autocorrelation 0.5, blocks of 6: the 90% interval covers the true difference in {c5:.2f}")
c8b, c8i = coverage(0.8, 6), coverage(0.8, 1)
check(c8b >= c8i + 0.1, f"autocorrelation 0.8: blocks of 6 cover in {c8b:.2f}, single initial times in {c8i:.2f}")

# the command on two origins' files
script = os.path.join(os.path.dirname(HERE), "postproc", "rolling_origin.py")
head = "init,init_index,field,lead,hybrid,physics-only,persistence,climatology,anomaly persistence,damped persistence\n"
for name, year, k0 in (("a.csv", 2015, 60), ("b.csv", 2016, 72)):
    with open(path(name), "w") as f:
        f.write(head)
        for m in range(12):
            for lead in (1, 2):
                e = 0.1 * lead * (1 + 0.5 * np.sin(m))
                f.write(f"{year}-{m + 1:02d}-01,{k0 + m},sst,{lead},{0.81 * e},{e},9,{2 * e},{e},{e}\n")


def cmd(args):
    p = subprocess.run([sys.executable, script] + args, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


code, out = cmd(["--per-init", path("a.csv") + "," + path("b.csv"), "--model", "hybrid", "--csv", path("ro.csv")])
print("\n".join("    " + l for l in out.splitlines()))
rows = [l.split(",") for l in open(path("ro.csv")).read().splitlines()[1:]] if not code else []
check(not code and "24 initial times (2015-01-01 .. 2016-12-01)" in out and len(rows) == 6 and
      all(abs(float(r[8]) + (0.1 if r[1] != "climatology" else 1 - 0.9 / np.sqrt(2))) < 1e-6 for r in rows),
      "two origins pooled: 24 initial times, 2 leads x 3 baselines, -10% against physics-only and damped persistence")
code, out = cmd(["--per-init", path("a.csv") + "," + path("a.csv"), "--model", "hybrid"])
check(code and "initial time 2015-01-01 is also in an earlier file" in out, "an initial time in two files: " + out.strip())
code, out = cmd(["--per-init", path("a.csv"), "--model", "hybrid", "--baselines", "nosuch"])
check(code and "no column 'nosuch'" in out, "a missing column: " + out.strip()[:60])
hctest.finish()
