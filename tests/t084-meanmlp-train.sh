#!/usr/bin/env bash
# hycast train with a meanmlp term: its reference cycle C is set from the training states (per phase, nearest phase with
# the wrap from K - 1/2 to 0, the mean of the states' domain means, computed here from the data file); training holds C
# fixed while the network and the physics change; -train_init takes C from the model file; -adapt sets an environment's
# own meanmlp from the new environment's data and keeps the shared terms of the file.  $1: MPI ranks.
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
n=${1:-1}
read -r -a MPI <<< "${MPIEXEC:-mpiexec}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fail=1; fi; }

"$HYCAST" generate -generate_envs 3 -generate_steps 20 -grid_nx 16 -grid_ny 12 -generate_coarsen 1 -o "$tmp/data.nc" \
  > /dev/null || exit 1
# 4 phases of a period 0.8 from 0.05: the states at t = 0, 0.1, ... fall on phases 3.75 (nearest: 0, across the wrap),
# 0.25, 0.75, ..., so that rounding to the nearest phase and the wrap both matter
mm=(-meanmlp_hidden 3 -meanmlp_phases 4 -meanmlp_period 0.8 -meanmlp_origin 0.05 -meanmlp_output_scale 0.5)
args=(-data_file "$tmp/data.nc" -data_vars u,v -train_window 2 -train_split 1,0 -train_optimizer adam)

"${MPI[@]}" -n "$n" "$HYCAST" train "${args[@]}" -train_envs 0,1 -model_terms advdiff,meanmlp "${mm[@]}" -train_epochs 0 \
  -o "$tmp/e0.nc" > "$tmp/e0.log" 2>&1
check "train, 0 epochs" '[ $? = 0 ] && grep -q "reference cycle (domain means) of term .meanmlp. set from 42 training state(s): states per phase 12,12,10,8" "$tmp/e0.log"'
"${MPI[@]}" -n "$n" "$HYCAST" train "${args[@]}" -train_envs 0,1 -model_terms advdiff,meanmlp "${mm[@]}" -train_epochs 3 \
  -o "$tmp/e3.nc" > "$tmp/e3.log" 2>&1
check "train, 3 epochs" '[ $? = 0 ]'
"${MPI[@]}" -n "$n" "$HYCAST" train "${args[@]}" -train_envs 2 -model_terms advdiff,meanmlp "${mm[@]}" -train_epochs 0 \
  -train_init "$tmp/e3.nc" -o "$tmp/init.nc" > "$tmp/init.log" 2>&1
check "-train_init from the 3-epoch model, on environment 2" '[ $? = 0 ]'
"${MPI[@]}" -n "$n" "$HYCAST" train "${args[@]}" -train_envs 0,1 -model_terms advdiff -model_envs 2 -model_env_terms meanmlp \
  -env_meanmlp_phases 4 -env_meanmlp_period 0.8 -env_meanmlp_origin 0.05 -train_epochs 2 -o "$tmp/leads.nc" > "$tmp/leads.log" 2>&1
check "train with an environment meanmlp per environment" '[ $? = 0 ]'
"${MPI[@]}" -n "$n" "$HYCAST" train "${args[@]}" -train_envs 2 -adapt "$tmp/leads.nc" -train_epochs 0 -o "$tmp/adapt.nc" \
  > "$tmp/adapt.log" 2>&1
check "-adapt to environment 2" '[ $? = 0 ]'

/usr/bin/python3 - "$tmp" <<'PY'
import re, sys, netCDF4, numpy as np
tmp = sys.argv[1]
d = netCDF4.Dataset(f"{tmp}/data.nc")
t = np.asarray(d["time"][:])
K, P, t0 = 4, 0.8, 0.05
x = (t - t0) / P
phase = (np.floor(K * (x - np.floor(x)) + 0.5).astype(int)) % K
means = np.stack([np.asarray(d[f][:]).mean(axis=(2, 3)) for f in ("u", "v")], axis=-1)  # env, time, field (no land)

def cycle(envs):
    m = means[envs].reshape(-1, 2)
    ph = np.tile(phase, len(envs))
    return np.array([m[ph == k].mean(axis=0) for k in range(K)])  # [k, field]

def block(path, name):
    v = netCDF4.Dataset(path)[name]
    names = re.findall(r"[\w]+(?:\[[^\]]*\])?", v.parameter_names)  # "W1[0,1],b1[0],..."
    return dict(zip(names, np.asarray(v[:])))

fail = 0
def check(what, ok):
    global fail
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    fail += not ok

def cyc(b):
    return np.array([[b[f"cycle_{f}[{k}]"] for f in ("u", "v")] for k in range(K)])

e0, e3, ini = block(f"{tmp}/e0.nc", "meanmlp"), block(f"{tmp}/e3.nc", "meanmlp"), block(f"{tmp}/init.nc", "meanmlp")
want = cycle([0, 1])
err = np.abs(cyc(e0) - want).max() / np.abs(want).max()
check(f"C from environments 0 and 1 = per phase the mean of the states' domain means (rel {err:.1e})", err < 1e-12)
check("C unchanged by 3 epochs", np.array_equal(cyc(e0), cyc(e3)))
net = [k for k in e0 if not k.startswith("cycle_")]
change = max(abs(e3[k] - e0[k]) for k in net)
phys0, phys3 = (np.asarray(netCDF4.Dataset(f"{tmp}/{m}.nc")["physics"][:]) for m in ("e0", "e3"))
check(f"the network and the physics trained (largest change {change:.1e}, physics {np.abs(phys3 - phys0).max():.1e})",
      change > 0 and np.abs(phys3 - phys0).max() > 0)
check("-train_init: C and the network of the file, not environment 2's data",
      all(ini[k] == e3[k] for k in e3) and np.abs(cyc(ini) - cycle([2])).max() > 1e-6)
lead, ad = netCDF4.Dataset(f"{tmp}/leads.nc"), netCDF4.Dataset(f"{tmp}/adapt.nc")
envblocks = [v for v in lead.variables if v.startswith("meanmlp_env")]
b0 = block(f"{tmp}/leads.nc", "meanmlp_env0")
err0 = np.abs(cyc(b0) - cycle([0])).max() / np.abs(cycle([0])).max()
check(f"environment terms {envblocks}: environment 0's C from its own states (rel {err0:.1e})", err0 < 1e-12)
ba = block(f"{tmp}/adapt.nc", "meanmlp_env0")
erra = np.abs(cyc(ba) - cycle([2])).max() / np.abs(cycle([2])).max()
check(f"-adapt: the new environment's C from its own states (rel {erra:.1e})", erra < 1e-12)
check("-adapt: the shared physics of the file kept",
      np.array_equal(np.asarray(lead["physics"][:]), np.asarray(ad["physics"][:])))
sys.exit(1 if fail else 0)
PY
check "reference cycles" '[ $? = 0 ]'
[ $fail = 0 ] && echo "PASSED" || echo "FAILED"
exit $fail
