#!/usr/bin/python3
"""make experiment-envs: learning across environments and adapting to a new one (issue 5, point 3).

Five FitzHugh-Nagumo environments on the periodic square at 24 x 24 that differ in diffusivities, velocity and
reaction parameters (hycast generate's default spread). Trained on environments 0-3, tested on the test period of
every environment (the last 15%, never seen) and on environment 4, never seen at all:

  ERM     advection-diffusion + pointwise MLP shared by every environment, plain misfit
  V-REx   the same model, mean + beta * variance of the environments' risks
  LEADS   the same shared model + one MLP G_e per environment (every input), misfit + mu * |G_e|^2
  LEADS adapted   the LEADS shared part kept, a new G_4 fitted on at most 4 windows of environment 4 (train -adapt)

Score: RMSE of 1- and 2-interval forecasts from every test state (hycast evaluate), mean over u and v.
Options: configs/envs.yaml; output under out/envs/ (or argv[1])."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipeline import ROOT, Pipeline, markdown_table, skill  # noqa: E402

out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "out", "envs"))
cfg = os.path.join(ROOT, "configs", "envs.yaml")
STEPS, NENV = 30, 5
TEST0 = int(0.85 * (STEPS + 1) + 0.5)  # first test state (default -train_split 0.7,0.15)
P = Pipeline("experiment-envs", out, 11)
f = P.path
print(f"hycast experiment: ERM, V-REx and LEADS across environments on {P.ranks} MPI ranks; output in {out}", flush=True)
P.hycast("generate the data: 5 environments at 24 x 24",
         ["generate", "-generate_problem", "fhn", "-generate_envs", NENV, "-generate_steps", STEPS, "-generate_coarsen", 1,
          "-grid_nx", 24, "-grid_ny", 24, "-o", f("data.nc")], show=("env", "wrote"))
train = ["train", "-options_file", cfg, "-data_file", f("data.nc"), "-train_envs", "0,1,2,3"]
leads = ["-model_envs", 4, "-model_env_terms", "mlp", "-env_mlp_hidden", 8, "-train_loss", "leads"]
for label, extra in (("erm", ["-train_loss", "erm"]), ("vrex", ["-train_loss", "vrex"]), ("leads", leads)):
    P.hycast(f"train {label} on environments 0-3", train + extra + ["-o", f(f"{label}.nc"), "-train_log",
                                                                      f(f"{label}-log.csv")], show=("trained",))
adapt = ["train", "-options_file", cfg, "-data_file", f("data.nc"), "-train_envs", 4, "-adapt", f("leads.nc"),
         "-env_mlp_hidden", 8, "-train_max_windows", 4]
P.hycast("LEADS on environment 4 before adaptation (the new G_4 at its initial weights)",
         adapt + ["-train_epochs", 0, "-o", f("leads-new.nc")], show=("trained", "before"))
P.hycast("adapt LEADS to environment 4 on 4 windows", adapt + ["-o", f("leads-adapted.nc")], show=("before", "after"))

ev = ["evaluate", "-truth", f("data.nc"), "-data_vars", "u,v", "-evaluate_inits", f"{TEST0},{STEPS - 1}",
      "-evaluate_leads", 2]
scores = {}
for e in range(NENV):
    if e < 4:
        models, labels = ["erm", "vrex", "leads"], ["ERM", "V-REx", "LEADS"]
    else:
        models, labels = ["erm", "vrex", "leads-new", "leads-adapted"], ["ERM", "V-REx", "LEADS", "LEADS adapted"]
    csvf = f(f"skill-env{e}.csv")
    P.hycast(f"evaluate on environment {e}", ev + ["-data_env", e, "-evaluate_env", e if e < 4 else 0, "-models",
                                                   ",".join(f(m + ".nc") for m in models), "-evaluate_labels",
                                                   ",".join(labels), "-evaluate_csv", csvf])
    tab = skill(csvf)
    for lab in labels + ["persistence"]:
        for lead in (1, 2):
            scores[(lab, e, lead)] = 0.5 * (tab[(lab, "u", lead)]["rmse"] + tab[(lab, "v", lead)]["rmse"])

rows = []
for lab in ("ERM", "V-REx", "LEADS", "LEADS adapted", "persistence"):
    row = [lab]
    for lead in (1, 2):
        seen = [scores[(lab, e, lead)] for e in range(4) if (lab, e, lead) in scores]
        row += [f"{sum(seen) / len(seen):.4g}" if seen else "-", f"{scores[(lab, 4, lead)]:.4g}"]
    rows.append(row)
table = markdown_table(rows, ["model", "envs 0-3, lead 1", "env 4, lead 1", "envs 0-3, lead 2", "env 4, lead 2"])
gain = scores[("LEADS", 4, 2)] / scores[("LEADS adapted", 4, 2)]
with open(f("summary.md"), "w") as fh:
    fh.write(table + "\n")
print("\nRMSE (mean of u and v; test states of each environment):\n" + table)
print(f"\nadaptation to environment 4 on 4 windows: lead-2 RMSE {gain:.2f}x lower than before")
print(f"finished in {P.elapsed():.0f} s; files in {out}")
