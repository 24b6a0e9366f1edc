#!/usr/bin/env bash
# TAO training stops and resumes like Adam: SIGINT or SIGTERM stops it after the current iteration on every rank with
# the state saved and exit status 130 or 143; -train_checkpoint_every counts TAO iterations; a resumed run continues
# the iteration count and BLMVM's quasi-Newton history and ends with exactly the parameters of the uninterrupted run.
# A state resumes only the configuration it was saved with.  $1: MPI ranks (the signal goes to mpiexec, which passes
# it on to every rank).
set -u
cd "$(dirname "$0")/.."
. tests/train-signal.sh "${1:-1}"
same() { # two model files: every parameter block equal to the bit
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, netCDF4, numpy
a, b = netCDF4.Dataset(sys.argv[1]), netCDF4.Dataset(sys.argv[2])
worst = max(float(numpy.max(numpy.abs(numpy.asarray(a.variables[k][:]) - numpy.asarray(b.variables[k][:]))))
            for k in ("physics", "mlp"))
print(worst)
sys.exit(0 if worst == 0 else 1)
PY
}
"$HYCAST" generate -generate_envs 2 -generate_steps 40 -grid_nx 24 -grid_ny 24 -generate_coarsen 1 -o "$tmp/data.nc" > /dev/null || exit 1
args=(-data_file "$tmp/data.nc" -data_vars u,v -model_terms advdiff,mlp -mlp_hidden 6 -train_optimizer tao -train_window 3)

"${MPI[@]}" -n "$n" "$HYCAST" train "${args[@]}" -train_epochs 20 -o "$tmp/full.nc" > "$tmp/full.log" 2>&1
check "uninterrupted run: 20 TAO iterations" '[ $? = 0 ] && grep -q "^TAO: .* after 20 iteration" "$tmp/full.log"'
check "it keeps BLMVM's history without a warning" '! grep -q warning "$tmp/full.log"'

# a signal after iteration 3: the state of the last iteration finished is saved (within one window's time: mpiexec may
# kill the ranks a second after it passes the signal on)
stop() { # signal name, expected status on one rank
  rm -f "$tmp/state.nc" "$tmp/part.nc"
  interrupt "$1" "$2" "$1" "$HYCAST" train "${args[@]}" -train_epochs 20 -o "$tmp/part.nc" -train_checkpoint "$tmp/state.nc"
  check "$1: stopped after a TAO iteration, the state saved" \
    'grep -Eq "(after|during) TAO iteration" "$tmp/part.log" && grep -q "continue with -train_resume" "$tmp/part.log"'
  check "$1: no model file" '[ ! -e "$tmp/part.nc" ]'
  check "$1: stopped before the last iteration" '! grep -q "^epoch   20" "$tmp/part.log"'
  "${MPI[@]}" -n "$n" "$HYCAST" train "${args[@]}" -train_epochs 20 -o "$tmp/resumed.nc" -train_resume "$tmp/state.nc" > "$tmp/resumed.log" 2>&1
  check "$1: resumed run continues the count to iteration 20" \
    '[ $? = 0 ] && grep -q "resumed from .*TAO iteration" "$tmp/resumed.log" && grep -q "^TAO: .* after 20 iteration" "$tmp/resumed.log"'
  check "$1: resumed parameters equal the uninterrupted run's to the bit (max diff $(same "$tmp/full.nc" "$tmp/resumed.nc"))" \
    'same "$tmp/full.nc" "$tmp/resumed.nc" > /dev/null && ! grep -q warning "$tmp/resumed.log"'
}
stop INT 130
stop TERM 143

# periodic checkpoints count TAO iterations: killed outright (no handler runs) after iteration 7, the state is the one
# of iteration 6
rm -f "$tmp/state.nc"
"${launch[@]}" "$HYCAST" train "${args[@]}" -train_epochs 20 -o "$tmp/part.nc" -train_checkpoint "$tmp/state.nc" \
  -train_checkpoint_every 3 > "$tmp/part.log" 2>&1 &
pid=$!
for _ in $(seq 4000); do grep -q "^epoch    7" "$tmp/part.log" && break; sleep 0.05; done
kill -STOP $pid; pkill -KILL -P $pid 2>/dev/null; kill -KILL $pid; wait $pid 2>/dev/null
saved=$(ncdump -h "$tmp/state.nc" 2>/dev/null | sed -n 's/.*:epoch = \([0-9]*\).*/\1/p')
check "-train_checkpoint_every 3 saved TAO iteration 6 (or a later multiple of 3) before the kill (saved: ${saved:-none})" \
  '[ -n "$saved" ] && [ $((saved % 3)) = 0 ] && [ "$saved" -ge 6 ]'
"${MPI[@]}" -n "$n" "$HYCAST" train "${args[@]}" -train_epochs 20 -o "$tmp/resumed.nc" -train_resume "$tmp/state.nc" > "$tmp/resumed.log" 2>&1
check "resumed from the periodic checkpoint: the uninterrupted run's parameters to the bit" \
  '[ $? = 0 ] && same "$tmp/full.nc" "$tmp/resumed.nc" > /dev/null'

# the state belongs to its configuration: the first option that differs is named, nothing is written
for case in "-train_window 4|-train_window 3, this run has -train_window 4" \
            "-mlp_activation relu|-mlp_activation tanh, this run has -mlp_activation relu" \
            "-train_optimizer adam|-train_optimizer tao, this run has -train_optimizer adam"; do
  opt=${case%%|*}; want=${case#*|}
  "${MPI[@]}" -n "$n" "$HYCAST" train "${args[@]}" -train_epochs 20 $opt -o "$tmp/other.nc" -train_resume "$tmp/state.nc" > "$tmp/other.log" 2>&1
  code=$?
  check "resume with $opt refused: exit $code, \"saved with $want\"" \
    '[ $code != 0 ] && grep -q "hycast train: error: -train_resume .*: the state was saved with $want" "$tmp/other.log" && [ ! -e "$tmp/other.nc" ]'
done
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
