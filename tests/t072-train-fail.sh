#!/usr/bin/env bash
# One training that cannot succeed (issue 23: no silent wrong numbers): runs hycast train on small synthetic data (on NP
# ranks, default 1) and prints what it said, for the suite's grep.  Exits with hycast's status when it printed exactly
# one error line, wrote no model file, left a file already at -o as it was and left no temporary file; with 0 (which
# the suite's "fail" flag reports) otherwise, e.g. when training "converged" and wrote a model.
#   usage: t072-train-fail.sh CASE [NP]
#   tao-initial   TAO; every window blows up at the initial parameters (a huge diffusivity at a fixed, unchecked step)
#   tao-no-step   TAO; the initial point is fine, every trial point of the line search too stiff for -model_max_substeps
#   adam-initial  Adam; every batch blows up at the initial parameters
#   adam-lr       Adam at -train_lr 1e12: every step is rejected until the learning rate collapses
#   adam-final    Adam at -train_lr 1e12, one epoch whose last step is taken: the final parameters fail every window
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
MPIEXEC=${MPIEXEC:-mpiexec}
case=$1
np=${2:-1}
mkdir -p build/tests
tmp=$(mktemp -d build/tests/trainfail.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/out"
out="$tmp/out/model.nc"
"$HYCAST" generate -generate_envs 2 -generate_steps 20 -grid_nx 16 -grid_ny 16 -generate_coarsen 1 -o "$tmp/data.nc" \
  > "$tmp/prep.log" 2>&1 || { cat "$tmp/prep.log"; exit 0; }
args=(-data_file "$tmp/data.nc" -data_vars u,v -train_window 2)
blowup=(-model_terms advdiff -physics_diffusivity 1e200 -model_dt 0.1 -model_cfl_check 0)
old=0
case $case in
  tao-initial)  args+=("${blowup[@]}" -train_optimizer tao -train_epochs 5); old=1 ;;
  tao-no-step)  args+=(-model_terms advdiff -model_max_substeps 1 -train_optimizer tao -train_epochs 5); old=1 ;;
  adam-initial) args+=("${blowup[@]}" -train_epochs 5) ;;
  adam-lr)      args+=(-model_terms mlp -mlp_hidden 4 -train_lr 1e12) ;;
  adam-final)   args+=(-model_terms mlp -mlp_hidden 4 -train_lr 1e12 -train_batch 9 -train_epochs 1) ;;
  *) echo "unknown case $case"; exit 0 ;;
esac
# an earlier model at -o must stay as it was
if [ $old = 1 ]; then echo "an earlier model" > "$out"; sum0=$(md5sum < "$out"); fi
if [ "$np" = 1 ]; then said=$("$HYCAST" train "${args[@]}" -o "$out" 2>&1); code=$?
else
  # stderr apart, after stdout: mpiexec forwards the two streams separately, and the error line could land inside a
  # stdout line printed in pieces (PETSc's viewers print their indentation apart from the text)
  said=$($MPIEXEC -n "$np" "$HYCAST" train "${args[@]}" -o "$out" 2> "$tmp/stderr"); code=$?
  said+=$'\n'$(cat "$tmp/stderr")
fi
echo "$said"
nerr=$(echo "$said" | grep -c "error:")
if [ $old = 1 ]; then
  [ "$(md5sum < "$out")" = "$sum0" ] || { echo "t072: the file at -o was changed"; exit 0; }
  left=$(ls -A "$tmp/out" | grep -v "^model.nc$")
else
  left=$(ls -A "$tmp/out")
fi
[ -z "$left" ] || { echo "t072: left behind: $left"; exit 0; }
[ "$nerr" = 1 ] || { echo "t072: $nerr error lines"; exit 0; }
echo "t072: exit status $code"
exit $code
