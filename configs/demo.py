#!/usr/bin/python3
"""make demo: the whole hycast pipeline on a synthetic problem, on 2 MPI ranks, in a few minutes.

 1. generate   FitzHugh-Nagumo fields carried by a current on the periodic square (the hidden reaction is what the
               physics does not know), several environments (trajectories), integrated at 48 x 48, averaged to 24 x 24
 2-4. train    at 24 x 24: the hybrid (advection-diffusion + MLP closure, APHYNITY loss) and the physics-only
               baseline; at 48 x 48 the same hybrid, only as the reference of the zero-shot comparison
 5-6. forecast from the first test state: at 24 x 24, and zero-shot at 48 x 48 with the model trained at 24 x 24
 7-8. evaluate hindcasts from every test state, at both resolutions, against persistence and climatology
 9-11. plot    maps of truth / forecast / error, RMSE against lead, training curves
Options: configs/demo.yaml (training and model) and the generate line below; output under out/demo/ (or argv[1])."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipeline import ROOT, Pipeline, leads_of, markdown_table, skill  # noqa: E402

out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "out", "demo"))
cfg = os.path.join(ROOT, "configs", "demo.yaml")
fine_grid = os.path.join(ROOT, "grids", "square-48.yaml")
P = Pipeline("make demo", out, 11)
f = P.path
print(f"hycast demo: synthetic hybrid-model pipeline on {P.ranks} MPI ranks; output in {out}", flush=True)

# Environments share the physics and the reaction and differ in their initial states; the test period is the last
# fifth of each trajectory (-train_split in demo.yaml), so forecasts start from states no model has seen.
ENVS, STEPS = 2, 30
P.hycast("generate the data: 2 environments, 48 x 48 integrated, 24 x 24 averages",
         ["generate", "-generate_problem", "fhn", "-generate_envs", ENVS, "-generate_steps", STEPS, "-generate_spread", 0,
          "-generate_velocity_spread", 0, "-physics_velocity", "0.4,-0.3", "-grid_nx", 48, "-grid_ny", 48,
          "-o", f("data.nc")], show=("environment", "wrote"))
train = ["train", "-options_file", cfg]
epoch_lines = ("epoch",)
P.hycast("train the physics-only baseline at 24 x 24",
         train + ["-data_file", f("data.nc"), "-model_terms", "advdiff", "-train_loss", "erm", "-o", f("physics.nc"),
                  "-train_log", f("physics-log.csv")], show=epoch_lines + ("trained",))
P.hycast("train the hybrid model (advection-diffusion + MLP, APHYNITY) at 24 x 24",
         train + ["-data_file", f("data.nc"), "-o", f("hybrid.nc"), "-train_log", f("hybrid-log.csv")],
         show=epoch_lines + ("trained",))
P.hycast("train the same hybrid at 48 x 48 (reference for the zero-shot forecast only)",
         train + ["-data_file", f("data-fine.nc"), "-o", f("hybrid-fine.nc"), "-train_log", f("hybrid-fine-log.csv")],
         show=("trained",))

INIT = int(0.8 * (STEPS + 1) + 0.5)  # first state of the test period (-train_split 0.6,0.2 in demo.yaml)
LEADS = STEPS - INIT
P.hycast(f"forecast at 24 x 24 from test state {INIT}, {LEADS} steps",
         ["forecast", "-model", f("hybrid.nc"), "-data", f("data.nc"), "-data_vars", "u,v", "-forecast_start", INIT,
          "-forecast_steps", LEADS, "-o", f("forecast-24.nc")], show=("wrote",))
P.hycast(f"forecast zero-shot at 48 x 48 (model trained at 24 x 24) from test state {INIT}",
         ["forecast", "-model", f("hybrid.nc"), "-data", f("data-fine.nc"), "-data_vars", "u,v", "-grid", fine_grid,
          "-forecast_start", INIT, "-forecast_steps", LEADS, "-o", f("forecast-48.nc")], show=("wrote",))
ev = ["evaluate", "-data_vars", "u,v", "-evaluate_inits", f"{INIT},{STEPS - 1}", "-evaluate_leads", LEADS]
P.hycast("evaluate at 24 x 24: hybrid and physics-only from every test state",
         ev + ["-truth", f("data.nc"), "-models", f"{f('hybrid.nc')},{f('physics.nc')}", "-evaluate_labels",
               "hybrid,physics-only", "-evaluate_csv", f("skill-24.csv")])
P.hycast("evaluate at 48 x 48: zero-shot hybrid, hybrid trained at 48, physics-only (trained at 24)",
         ev + ["-truth", f("data-fine.nc"), "-models", f"{f('hybrid.nc')},{f('hybrid-fine.nc')},{f('physics.nc')}",
               "-evaluate_labels", "hybrid zero-shot,hybrid trained at 48,physics-only", "-evaluate_csv",
               f("skill-48.csv")])
P.python("plot maps of truth, zero-shot forecast and error at 48 x 48", "postproc/plot_maps.py",
         ["--forecast", f("forecast-48.nc"), "--truth", f("data-fine.nc"), "--env", 0, "--var", "u", "--leads",
          f"1,{LEADS // 2},{LEADS}", "-o", f("maps-48.png")])
P.python("plot RMSE against lead at 48 x 48", "postproc/plot_skill.py",
         ["--csv", f("skill-48.csv"), "--metric", "rmse", "-o", f("skill-48.png")])
P.python("plot the training curves", "postproc/plot_training.py",
         ["--log", f("hybrid-log.csv"), "--label", "hybrid", "--log", f("physics-log.csv"), "--label", "physics-only",
          "--truth", f("data.nc"), "--env", 0, "-o", f("training.png")])

# Summary: RMSE of u and v (mean over the test initial states, area-weighted) at the first, middle and last lead.
rows = []
for res, csvf in (("24 x 24", "skill-24.csv"), ("48 x 48", "skill-48.csv")):
    tab = skill(f(csvf))
    leads = leads_of(tab)
    pick = sorted({leads[0], leads[len(leads) // 2], leads[-1]})
    models = list(dict.fromkeys(k[0] for k in tab))
    for m in models:
        rows.append([res, m] + [f"{tab[(m, fld, l)]['rmse']:.3g}" for l in pick for fld in ("u", "v")])
header = ["grid", "model"] + [f"{fld} lead {l}" for l in pick for fld in ("u", "v")]
summary = markdown_table(rows, header)
with open(f("summary.md"), "w") as fh:
    fh.write(summary + "\n")
print(f"\nRMSE (area-weighted, mean over the test initial states; lead in observation intervals of 0.1):")
print(summary)
print(f"\nmake demo finished in {P.elapsed():.0f} s. Files in {out}:")
for name, what in (("data.nc, data-fine.nc", "the generated truth (24 x 24 and 48 x 48)"),
                   ("hybrid.nc, physics.nc, hybrid-fine.nc", "trained models"),
                   ("forecast-24.nc, forecast-48.nc", "forecasts (CF NetCDF)"),
                   ("skill-24.csv, skill-48.csv", "RMSE, bias, anomaly correlation per lead"),
                   ("maps-48.png, skill-48.png, training.png", "pictures"),
                   ("summary.md", "the table above"), ("logs/", "each step's full output")):
    print(f"  {name:42s} {what}")
