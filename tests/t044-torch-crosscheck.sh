#!/usr/bin/env bash
# hycast against the PyTorch reference of the benchmark (bench/reference.py, torch autograd through RK4): on small grids,
# bench/hybrid-bench (the program make bench times) writes the model file, a batch of windows, F(u0) (whole and per
# term), the loss and its gradients (every parameter block and the initial states); the reference recomputes them all
# from the model file and compares to 1e-10 relative (norm-wise).  Then the comparisons are repeated with one weight
# perturbed by 1e-5 relative (one per block, in turn): they must fail, so the check is shown to be able to fail.
#   usage: t044-torch-crosscheck.sh NP      (hycast on NP ranks)
set -u
cd "$(dirname "$0")/.."
MPIEXEC=${MPIEXEC:-mpiexec}
PY=${PYTHON:-/usr/bin/python3}
BUILD=${HYCAST_BUILD:-build}  # the build directory of the test binaries (tests/run.py sets it: make MPI=mpich has its own)
np=${1:-1}
if ! "$PY" -c "import torch, netCDF4" >/dev/null 2>&1; then
  echo "SKIPPED: $PY cannot import torch and netCDF4 (make deps installs python3-torch and python3-netcdf4)"
  exit 0
fi
fail=0
run_case() { # name, hycast options
  local name=$1 dir=build/tests/torch-crosscheck/$1.n$np
  shift
  rm -rf "$dir" && mkdir -p "$dir"
  echo "== $name (hycast on $np rank(s)): $*"
  if ! $MPIEXEC -n "$np" "$BUILD/bench/hybrid-bench" -options_file bench/hybrid-bench.yaml -bench_reps 1 -bench_warmup 0 \
    -bench_write "$dir" "$@" >"$dir/hycast.log" 2>&1; then
    cat "$dir/hycast.log"
    fail=1
    return
  fi
  "$PY" bench/reference.py check "$dir" --perturb physics:velocity_y --perturb "mlp:W1[1,2]" \
    --perturb "fno:spectral_im[1,-2,3,4]" --perturb "fno:lift_bias[2]" || fail=1
}
# the benchmark's own architecture (16 x 12 x 2 spectral weights, ky = -My the Nyquist wavenumber of y)
run_case bench -grid_nx 24 -grid_ny 20 -fno_modes 12,10
# other activations, one hidden layer, non-default scales, another step
run_case variant -grid_nx 18 -grid_ny 16 -mlp_hidden 8 -mlp_activation gelu -mlp_feature_scale 0.5,2,3 -mlp_output_scale 0.7 \
  -fno_width 6 -fno_modes 5,4 -fno_activation gelu -fno_output_scale 1.3 -physics_velocity -0.4,0.7 \
  -physics_diffusivity 0.02,0.001 -model_dt 0.0125 -bench_windows 3
[ $fail = 0 ] && echo "PASSED" || echo "FAILED"
exit $fail
