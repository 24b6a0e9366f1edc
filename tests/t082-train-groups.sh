#!/usr/bin/env bash
# Two levels of parallelism: on 2 ranks, one group holding the grid on both ranks and two groups of one rank sharing
# the windows of each batch train to the same parameters (to round-off).
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
read -r -a MPI <<< "${MPIEXEC:-mpiexec}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$HYCAST" generate -generate_envs 3 -generate_steps 20 -grid_nx 24 -grid_ny 24 -generate_coarsen 1 -o "$tmp/data.nc" > /dev/null || exit 1
args=(-data_file "$tmp/data.nc" -data_vars u,v -model_terms advdiff,mlp -mlp_hidden 8 -model_envs 3 -model_env_terms mlp
      -env_mlp_hidden 4 -train_loss leads -train_epochs 3 -train_batch 5 -train_window 3)
for g in 1 2; do
  "${MPI[@]}" -n 2 "$HYCAST" train "${args[@]}" -train_groups $g -o "$tmp/g$g.nc" > "$tmp/g$g.log" 2>&1 || { cat "$tmp/g$g.log"; echo "FAILED: -train_groups $g"; exit 1; }
  grep "^epoch    3" "$tmp/g$g.log"
done
/usr/bin/python3 - "$tmp/g1.nc" "$tmp/g2.nc" <<'PY'
import sys, netCDF4, numpy
a, b = netCDF4.Dataset(sys.argv[1]), netCDF4.Dataset(sys.argv[2])
worst = 0.0
for name, v in a.variables.items():
    if hasattr(v, "term_type"):
        x, y = numpy.asarray(v[:]), numpy.asarray(b.variables[name][:])
        worst = max(worst, float(numpy.max(numpy.abs(x - y)) / max(numpy.max(numpy.abs(x)), 1e-300)))
ok = worst <= 1e-10
print(f"  {'ok' if ok else 'FAIL'}   1 group of 2 ranks and 2 groups of 1 rank: trained parameters differ by {worst:.1e} (relative, max over blocks)")
print("PASSED" if ok else "FAILED")
sys.exit(0 if ok else 1)
PY
