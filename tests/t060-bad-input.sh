#!/usr/bin/env bash
# One bad input: runs hycast on it (on NP ranks, default 1) with its output in an empty directory and prints what hycast
# said, for the suite's grep.  Exits with hycast's status when it printed exactly one error line and left nothing behind,
# and with 0 (which the suite's "fail" flag reports) when hycast succeeded, said more or less than one error line, or
# left an output or temporary file.
#   usage: t060-bad-input.sh CASE [NP]
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
MPIEXEC=${MPIEXEC:-mpiexec}
case=$1
np=${2:-1}
mkdir -p build/tests
tmp=$(mktemp -d build/tests/bad.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/out"
out="$tmp/out/result.nc"
nc() { ncgen -k "$2" -o "$tmp/$1.nc" "tests/data/$1.cdl"; }
cmd=("$HYCAST" extract)
case $case in
  missing-file)     args=("$tmp/nonexistent.nc" -data_vars sst) ;;
  not-netcdf)       args=(tests/data/ll-packed.cdl -data_vars sst) ;;
  truncated)        nc ll-packed 1; head -c 1200 "$tmp/ll-packed.nc" > "$tmp/truncated.nc"; args=("$tmp/truncated.nc" -data_vars sst) ;;
  truncated-nc4)    nc ll-packed 3; head -c 3000 "$tmp/ll-packed.nc" > "$tmp/truncated4.nc"; args=("$tmp/truncated4.nc" -data_vars sst) ;;
  missing-variable) nc ll-packed 3; args=("$tmp/ll-packed.nc" -data_vars salinity) ;;
  wrong-dims)       nc bad-dims 1; args=("$tmp/bad-dims.nc" -data_vars series) ;;
  unknown-dim)      nc bad-dims 1; args=("$tmp/bad-dims.nc" -data_vars odd) ;;
  non-monotonic)    nc bad-nonmonotonic 1; args=("$tmp/bad-nonmonotonic.nc" -data_vars sst) ;;
  box-outside)      nc ll-regional 1; args=("$tmp/ll-regional.nc" -data_vars temp -data_box 0,20,-10,10) ;;
  box-edge)         nc ll-regional 1; args=("$tmp/ll-regional.nc" -data_vars temp -data_box 330,290,-10,10) ;;
  all-missing)      nc ll-packed 3; args=("$tmp/ll-packed.nc" -data_vars sst -data_box 55,95,10,50) ;;
  nan-ocean)        nc bad-nan-ocean 3; args=("$tmp/bad-nan-ocean.nc" -data_vars sst) ;;
  unknown-calendar) nc bad-calendar 1; args=("$tmp/bad-calendar.nc" -data_vars sst) ;;
  aux-other-grid)   nc aux 3; nc aux-other-grid 1; args=("$tmp/aux.nc" -data_vars sst -data_aux_file "$tmp/aux-other-grid.nc" -data_aux_vars u) ;;
  level-range)      nc ll-regional 1; args=("$tmp/ll-regional.nc" -data_vars temp -data_level 3) ;;
  time-no-units)    nc time-no-units 1; args=("$tmp/time-no-units.nc" -data_vars sst) ;;
  time-no-coord)    nc time-no-coord 3; args=("$tmp/time-no-coord.nc" -data_vars sst) ;;
  time-units-file)  nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst -data_time_units "days since 1990-01-01") ;;
  time-units-bare)  nc time-no-units 1; args=("$tmp/time-no-units.nc" -data_vars sst -data_time_units days) ;;
  bad-date)         nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst -data_dates 2000-02-30,2000-12-31) ;;
  unwritable)       nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst)
                    if [ "$(id -u)" = 0 ]; then out=/sys/hycast-test-output.nc   # root writes anywhere but in /sys
                    else mkdir "$tmp/ro"; chmod 555 "$tmp/ro"; out="$tmp/ro/result.nc"; fi ;;
  missing-dir)      nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst); out="$tmp/out/no/such/dir/result.nc" ;;
  generate-unwritable) cmd=("$HYCAST" generate); args=(-generate_envs 1 -generate_steps 2)
                    if [ "$(id -u)" = 0 ]; then out=/sys/hycast-test-generate.nc; else mkdir "$tmp/ro"; chmod 555 "$tmp/ro"; out="$tmp/ro/gen.nc"; fi ;;
  seasonal-other-grid) # a model with the seasonal term (per-cell parameters), trained on 8 x 8 cells, run at 32 x 32
                    "$HYCAST" generate -generate_envs 1 -generate_steps 6 -grid_nx 16 -grid_ny 16 -o "$tmp/gen.nc" > "$tmp/prep.log" 2>&1 &&
                    "$HYCAST" train -data_file "$tmp/gen.nc" -data_vars u,v -model_terms advdiff,seasonal -train_epochs 0 \
                      -train_window 1 -o "$tmp/seasonal.nc" >> "$tmp/prep.log" 2>&1 || { cat "$tmp/prep.log"; exit 0; }
                    cmd=("$HYCAST" forecast)
                    args=(-model "$tmp/seasonal.nc" -data "$tmp/gen.nc" -data_vars u,v -grid grids/square-32.yaml -forecast_steps 2) ;;
  *) echo "unknown case $case"; exit 0 ;;
esac
if [ "$np" = 1 ]; then said=$("${cmd[@]}" "${args[@]}" -o "$out" 2>&1); code=$?
else said=$($MPIEXEC -n "$np" "${cmd[@]}" "${args[@]}" -o "$out" 2>&1); code=$?; fi
echo "$said"
left=$(ls -A "$tmp/out"; ls -A "$(dirname "$out")" 2>/dev/null | grep -E "^\.?$(basename "$out" .nc)" )
nerr=$(echo "$said" | grep -c "error:")
echo "exit status $code; error lines: $nerr; left behind: ${left:-nothing}"
[ -n "$left" ] || [ "$nerr" != 1 ] && exit 0
exit $code
