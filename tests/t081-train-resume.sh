#!/usr/bin/env bash
# Training killed with SIGTERM at some epoch saves its state and exits with status 143; resumed with -train_resume it
# ends with exactly the parameters of an uninterrupted run.  $1: MPI ranks (the signal goes to mpiexec, which passes
# it on to every rank).  20 epochs: the signal, sent when epoch 3 shows in the log, must arrive before the end (with
# mpiexec the output and the signal are both forwarded; 8 epochs, ~1 s after epoch 3, were once not enough).
set -u
cd "$(dirname "$0")/.."
. tests/train-signal.sh "${1:-1}"

"$HYCAST" generate -generate_envs 2 -generate_steps 40 -grid_nx 32 -grid_ny 32 -generate_coarsen 1 -o "$tmp/data.nc" > /dev/null || exit 1
args=(-data_file "$tmp/data.nc" -data_vars u,v -model_terms advdiff,mlp -mlp_hidden 8 -train_loss aphynity
      -train_epochs 20 -train_batch 4 -train_window 3 -train_lr 0.01)

"${MPI[@]}" -n "$n" "$HYCAST" train "${args[@]}" -o "$tmp/full.nc" > "$tmp/full.log" 2>&1
check "uninterrupted run finishes" '[ $? = 0 ] && grep -q "^epoch   20" "$tmp/full.log"'

interrupt TERM 143 "SIGTERM after epoch 3" "$HYCAST" train "${args[@]}" -o "$tmp/part.nc" -train_checkpoint "$tmp/state.nc"
check "the state is saved and the way to resume printed" 'grep -q "continue with -train_resume" "$tmp/part.log"'
check "no model file from the interrupted run" '[ ! -e "$tmp/part.nc" ]'
check "it stopped before the last epoch" '! grep -q "^epoch   20" "$tmp/part.log"'

"${MPI[@]}" -n "$n" "$HYCAST" train "${args[@]}" -o "$tmp/resumed.nc" -train_resume "$tmp/state.nc" > "$tmp/resumed.log" 2>&1
check "resumed run finishes" '[ $? = 0 ] && grep -q "resumed from" "$tmp/resumed.log" && grep -q "^epoch   20" "$tmp/resumed.log"'

# every parameter block of the two model files, compared to 1e-12 relative
diff=$(/usr/bin/python3 - "$tmp/full.nc" "$tmp/resumed.nc" <<'PY'
import sys, netCDF4, numpy
a, b = netCDF4.Dataset(sys.argv[1]), netCDF4.Dataset(sys.argv[2])
worst = 0.0
for name in ("physics", "mlp"):
    x, y = numpy.asarray(a.variables[name][:]), numpy.asarray(b.variables[name][:])
    worst = max(worst, float(numpy.max(numpy.abs(x - y)) / numpy.max(numpy.abs(x))))
print(worst)
PY
)
check "resumed parameters equal the uninterrupted run's (max rel diff $diff)" '/usr/bin/python3 -c "import sys; sys.exit(0 if float(\"$diff\") <= 1e-12 else 1)"'
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
