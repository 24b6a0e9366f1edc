#!/usr/bin/python3
"""make experiment-hybrid: is the hybrid model worth it? (issue 5, point 2)

FitzHugh-Nagumo fields carried by a current and diffused, on the periodic square at 32 x 32 (data and model on the same
grid); 4 environments that share the physics and differ in their initial states. Every model is trained with TAO for
the same number of iterations on the same windows, from the same wrong first guess of the physics, and scored by the
normalised test MSE of forecasts over 2 observation intervals (the last 15% of every trajectory, never seen):

  physics-only   advection-diffusion alone (K_u, K_v, velocity learned)
  net-only       the MLP alone, with every input (u, v, their gradients and Laplacians): it can represent the
                 advection-diffusion as well as the reaction
  hybrid         advection-diffusion + a pointwise MLP N(u, v) (-mlp_feature_scale 1,0,0), APHYNITY loss
  hybrid ERM     the same hybrid with the plain misfit (for the norm of the learned part)
  hybrid all inputs (ERM)  the hybrid whose MLP sees every input, like net-only: it could take over part of the
                 advection-diffusion, which APHYNITY's norm penalty discourages
Models already trained by an earlier run (model file and log present) are not trained again.

Options: configs/hybrid.yaml; output under out/hybrid/ (or argv[1])."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipeline import ROOT, Pipeline, markdown_table  # noqa: E402

out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "out", "hybrid"))
cfg = os.path.join(ROOT, "configs", "hybrid.yaml")
TRUE = {"diffusivity_u": 1e-2, "diffusivity_v": 2e-2, "velocity_x": 0.4, "velocity_y": -0.3}
models = [("physics-only", ["-model_terms", "advdiff", "-train_loss", "erm"]),
          ("net-only", ["-model_terms", "mlp", "-train_loss", "erm"]),
          ("hybrid", ["-mlp_feature_scale", "1,0,0"]),
          ("hybrid ERM", ["-mlp_feature_scale", "1,0,0", "-train_loss", "erm"]),
          ("hybrid all inputs", []),
          ("hybrid all inputs ERM", ["-train_loss", "erm"])]
P = Pipeline("experiment-hybrid", out, 1 + len(models))
f = P.path
print(f"hycast experiment: hybrid against physics-only and net-only on {P.ranks} MPI ranks; output in {out}", flush=True)
P.hycast("generate the data: 4 trajectories at 32 x 32",
         ["generate", "-generate_problem", "fhn", "-generate_envs", 4, "-generate_steps", 30, "-generate_spread", 0,
          "-generate_velocity_spread", 0, "-generate_coarsen", 1, "-physics_velocity", "0.4,-0.3",
          "-physics_diffusivity", "1e-2,2e-2", "-grid_nx", 32, "-grid_ny", 32, "-o", f("data.nc")], show=("wrote",),
         reuse=f("data.nc"))

result = {}
for label, extra in models:
    name = label.replace(" ", "-")
    lines = P.hycast(f"train {label}", ["train", "-options_file", cfg, "-data_file", f("data.nc"), "-o", f(f"{name}.nc"),
                                        "-train_log", f(f"{name}-log.csv")] + extra, show=("trained",),
                     reuse=f(f"{name}.nc"))
    trained = [l for l in lines if l.startswith("trained")][-1]
    test = float(re.search(r"test MSE ([0-9.e+-]+)", trained).group(1))
    norm = re.search(r"norm of the learned part on test forecasts ([0-9.e+-]+)", trained)
    params = dict(re.findall(r"(diffusivity_[uv]|velocity_[xy])=([0-9.e+-]+)", [l for l in lines if l.startswith("epoch")][-1]))
    result[label] = (test, float(norm.group(1)) if norm else None, {k: float(v) for k, v in params.items()})

phys, net, hyb = result["physics-only"][0], result["net-only"][0], result["hybrid"][0]
rows = []
for label, (test, norm, params) in result.items():
    errs = [f"{params[k]:.4g} ({100 * (params[k] - v) / v:+.1f}%)" for k, v in TRUE.items() if k in params]
    rows.append([label, f"{test:.3g}", f"{phys / test:.1f}", f"{norm:.3g}" if norm is not None else "-",
                 ", ".join(errs) if errs else "-"])
table = markdown_table(rows, ["model", "test MSE", "physics-only / model", "norm of learned part",
                              "K_u, K_v, v_x, v_y (error)"])
verdict = [f"hybrid test MSE {phys / hyb:.1f}x lower than physics-only (goal >= 10x)",
           f"hybrid test MSE {net / hyb:.1f}x lower than net-only (goal >= 2x)",
           "largest physical-coefficient error of the hybrid {:.1f}% (goal <= 5%)".format(
               max(abs(result["hybrid"][2][k] - v) / v * 100 for k, v in TRUE.items())),
           "norm of the learned part, pointwise MLP: APHYNITY {:.3g}, ERM {:.3g}; MLP with every input: APHYNITY "
           "{:.3g}, ERM {:.3g} (goal: APHYNITY smaller)".format(result["hybrid"][1], result["hybrid ERM"][1],
                                                                 result["hybrid all inputs"][1],
                                                                 result["hybrid all inputs ERM"][1])]
with open(f("summary.md"), "w") as fh:
    fh.write(table + "\n\n" + "\n".join("- " + v for v in verdict) + "\n")
print("\n" + table + "\n\n" + "\n".join(verdict))
print(f"\nfinished in {P.elapsed():.0f} s; true K_u, K_v, v = 1e-2, 2e-2, (0.4, -0.3); files in {out}")
