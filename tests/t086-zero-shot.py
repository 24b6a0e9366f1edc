#!/usr/bin/env python3
"""Zero-shot resolution: a hybrid model (advection-diffusion + MLP) trained on 16 x 16 data forecasts on the 32 x 32 grid
of the fine truth with an RMSE within 1.5x of the same hybrid trained on the 32 x 32 data, and better than the
physics-only model trained there; every lead, every field (hycast generate, train, evaluate)."""
import csv, os, shlex, shutil, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
hycast = os.environ.get("HYCAST_BIN") or os.path.join(root, "bin", "hycast")  # tests/run.py gives the hycast under test
tmp = tempfile.mkdtemp(prefix="t086-")


def run(args):
    p = subprocess.run([hycast] + args, cwd=tmp, capture_output=True, text=True)
    if p.returncode:
        print(p.stdout + p.stderr)
        sys.exit(f"FAILED: hycast {args[0]} exited with {p.returncode}")
    return p.stdout


# two trajectories of the same FitzHugh-Nagumo problem, with a strong current: integrated at 32 x 32 and averaged to 16 x 16
run(["generate", "-generate_envs", "2", "-generate_spread", "0", "-generate_velocity_spread", "0", "-physics_velocity", "0.4,-0.3",
     "-generate_steps", "30", "-grid_nx", "32", "-grid_ny", "32", "-o", "d.nc"])
common = ["-data_vars", "u,v", "-physics_scheme", "centered", "-train_optimizer", "tao", "-train_epochs", "25", "-train_window", "2"]
hybrid = ["-model_terms", "advdiff,mlp", "-mlp_hidden", "12", "-train_loss", "aphynity"]
for data, name in (("d.nc", "coarse"), ("d-fine.nc", "fine")):
    out = run(["train", "-data_file", data, "-o", f"hybrid-{name}.nc"] + common + hybrid)
    print(f"hybrid trained on {name} data: " + [l for l in out.splitlines() if l.startswith("trained")][0])
out = run(["train", "-data_file", "d-fine.nc", "-o", "physics-fine.nc"] + common)
print("physics trained on fine data: " + [l for l in out.splitlines() if l.startswith("trained")][0])
out = run(["evaluate", "-truth", "d-fine.nc", "-data_vars", "u,v", "-data_env", "0", "-models",
           "hybrid-coarse.nc,hybrid-fine.nc,physics-fine.nc", "-evaluate_labels", "zero-shot,native,physics",
           "-evaluate_inits", "22,27", "-evaluate_leads", "3", "-evaluate_csv", "skill.csv"])
print("\n".join(l for l in out.splitlines() if "RMSE of" in l or l.startswith(("lead", "zero-shot", "native", "physics"))))
rmse = {}
for r in csv.DictReader(open(os.path.join(tmp, "skill.csv"))):
    rmse[(r["model"], r["field"], int(r["lead"]))] = float(r["rmse"])
failed = 0
for field in ("u", "v"):
    for lead in (1, 2, 3):
        z, n, p = rmse[("zero-shot", field, lead)], rmse[("native", field, lead)], rmse[("physics", field, lead)]
        ok = z <= 1.5 * n and z < p
        failed += not ok
        print(f"  {'ok' if ok else 'FAIL':4s} {field} lead {lead}: zero-shot {z:.4g} = {z / n:.2f} x native {n:.4g}; physics-only {p:.4g}")
shutil.rmtree(tmp, ignore_errors=True)
print("PASSED" if not failed else f"FAILED: {failed} check(s)")
sys.exit(1 if failed else 0)
