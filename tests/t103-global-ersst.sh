#!/usr/bin/env bash
# Global grids that train (issue 25): ERSST v5 on its whole 2-degree grid (180 x 89 cells, rows centred at +-88, land
# masked).  Without the polar filter the narrow polar rows force over a hundred RK4 steps a month; with
# -model_polar_filter 60 a step or two, and training runs.  The model file keeps the filter and a forecast from it
# applies it; the filter is refused on a grid whose rows do not go round the globe.  Skipped when the file is absent.
# $1: MPI ranks.
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
n=${1:-1}
read -r -a MPI <<< "${MPIEXEC:-mpiexec}"
. tests/ersst-file.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fail=1; fi; }
# the largest number of steps per observation interval in the trainer's summary ("= 137 .. 152 step(s)", "= 1 step(s)")
steps() { sed -n -E 's/.*observation interval .* = ([0-9]+)( \.\. ([0-9]+))? step\(s\).*/\1 \3/p' "$1" | awk '{ print ($2 ? $2 : $1) }'; }

args=(-data_file "$file" -data_vars sst -data_dates 2010-01-01,2011-12-31 -model_terms advdiff -physics_diffusivity 2000
      -physics_velocity 0.02,0 -train_optimizer adam -train_window 2 -model_view)

# without the filter: one window of one epoch is enough to see the step
"${MPI[@]}" -n "$n" "$HYCAST" train "${args[@]}" -train_epochs 1 -train_max_windows 1 -o "$tmp/plain.nc" > "$tmp/plain.log" 2>&1
code=$?
sp=$(steps "$tmp/plain.log")
check "without the filter: ${sp:-?} steps per month (over 100)" '[ $code = 0 ] && [ "${sp:-0}" -gt 100 ]'

"${MPI[@]}" -n "$n" "$HYCAST" train "${args[@]}" -model_polar_filter 60 -train_epochs 3 -o "$tmp/polar.nc" > "$tmp/polar.log" 2>&1
code=$?
sf=$(steps "$tmp/polar.log")
check "with -model_polar_filter 60: ${sf:-?} step(s) per month (at most 2), 3 epochs trained" \
  '[ $code = 0 ] && [ "${sf:-99}" -le 2 ] && grep -q "^epoch    3  train [0-9]" "$tmp/polar.log"'
check "the model's view names the filtered rows" \
  'grep -q "polar filter: 28 row(s) poleward of +-60. deg keep fewer zonal wavenumbers than 0 .. 90, down to 0 .. 4 (row at -88. deg)" "$tmp/polar.log"'
check "the model file keeps the filter" 'ncdump -h "$tmp/polar.nc" | grep -q "model_architecture = .*-model_polar_filter 60 "'

"${MPI[@]}" -n "$n" "$HYCAST" forecast -model "$tmp/polar.nc" -data_file "$file" -data_vars sst -forecast_date 2012-01-01 \
  -forecast_steps 12 -o "$tmp/fc.nc" > "$tmp/fc.log" 2>&1
code=$?
rk=$(sed -n 's/.*(\([0-9]*\) RK step(s) each).*/\1/p' "$tmp/fc.log")
check "a 12-month forecast from that file runs with the filter: ${rk:-?} RK step(s) a month" '[ $code = 0 ] && [ "${rk:-99}" -le 2 ]'

"${MPI[@]}" -n "$n" "$HYCAST" train "${args[@]}" -data_box 270,360,0,66 -model_polar_filter 60 -train_epochs 1 \
  -o "$tmp/box.nc" > "$tmp/box.log" 2>&1
code=$?
check "refused on the North Atlantic box, whose rows do not go round the globe" \
  '[ $code != 0 ] && grep -q "the polar filter works on rows that go round the globe, and this grid is a longitude-latitude box that is not periodic in longitude" "$tmp/box.log" && [ ! -e "$tmp/box.nc" ]'
[ $fail = 0 ] && echo "PASSED" || { echo "FAILED"; for f in "$tmp"/*.log; do tail -n 5 "$f"; done; }
exit $fail
