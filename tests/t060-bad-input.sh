#!/usr/bin/env bash
# One bad input (issue 28's bad-input suite): runs hycast on it (on NP ranks, default 1), with its output in an empty
# directory, and prints what hycast said for the suite's grep.  Exits with hycast's status when hycast printed exactly
# one error line and no PETSc trace, left no file behind (the output, a temporary file, anything new beside the inputs)
# and changed no input (every file the case made, and every file named on the command line, has the same checksum
# after the run); exits with 0, which the suite's "fail" flag reports, otherwise and when hycast succeeded.
#   usage: t060-bad-input.sh CASE [NP]
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
MPIEXEC=${MPIEXEC:-mpiexec}
case=$1
np=${2:-1}
mkdir -p build/tests
tmp=$(mktemp -d "$PWD/build/tests/bad.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/out"
out="$tmp/out/result.nc" # empty: the command takes no -o
nc() { ncgen -k "$2" -o "$tmp/$1.nc" "tests/data/$1.cdl"; }
# edited NAME FROM KIND SED: tests/data/FROM.cdl changed by the sed script, as $tmp/NAME.nc of NetCDF kind KIND
edited() { sed "$4" "tests/data/$2.cdl" | ncgen -k "$3" -o "$tmp/$1.nc"; }
prep() { "$@" >> "$tmp/prep.log" 2>&1 || { cat "$tmp/prep.log"; exit 0; }; }
# series SEDB [SEDA]: a.nc and b.nc from bad-nan-ocean without its NaN, b.nc (and a.nc) edited; the data files a.nc,b.nc
series() { edited a bad-nan-ocean 1 "s/NaNf/1/; ${2:-}"; edited b bad-nan-ocean 3 "s/NaNf/1/; $1"; args=("$tmp/a.nc,$tmp/b.nc" -data_vars sst); }
gen() { prep "$HYCAST" generate -generate_envs 1 -generate_steps 6 -grid_nx 8 -grid_ny 8 -generate_coarsen 1 -o "$tmp/gen.nc"; }
model() { gen; prep "$HYCAST" train -data_file "$tmp/gen.nc" -data_vars u,v -train_epochs 0 -train_window 1 -o "$tmp/model.nc"; }
craft() { prep /usr/bin/python3 tests/craft-model.py "$tmp/model.nc" "$@"; }
forecast() { cmd=("$HYCAST" forecast -model "$1" -data "$tmp/gen.nc" -data_vars u,v -forecast_steps 1); args=(); }
train=("$HYCAST" train -data_file "$tmp/gen.nc" -data_vars u,v -train_window 1)
resume() { gen; prep "${train[@]}" -train_epochs 1 -train_checkpoint "$tmp/state.nc" -o "$tmp/first.nc"; cmd=("${train[@]}" -train_epochs 2); }
# forcing VARS [SED]: train with -physics_velocity_vars VARS on tests/data/forcing.cdl (edited by SED)
forcing() { edited f forcing 1 "${2:-}"; cmd=("$HYCAST" train -data_file "$tmp/f.nc" -data_vars sst -train_window 1 -train_epochs 0)
            args=(-physics_velocity_vars "$1"); }
cmd=("$HYCAST" extract)
after=true # a further check after the run
case $case in
  # --- data files
  missing-file)     args=("$tmp/nonexistent.nc" -data_vars sst) ;;
  not-netcdf)       args=(tests/data/ll-packed.cdl -data_vars sst) ;;
  empty-file)       : > "$tmp/empty.nc"; args=("$tmp/empty.nc" -data_vars sst) ;;
  truncated)        nc ll-packed 1; head -c 1200 "$tmp/ll-packed.nc" > "$tmp/truncated.nc"; args=("$tmp/truncated.nc" -data_vars sst) ;;
  truncated-nc4)    nc ll-packed 3; head -c 3000 "$tmp/ll-packed.nc" > "$tmp/truncated4.nc"; args=("$tmp/truncated4.nc" -data_vars sst) ;;
  missing-variable) nc ll-packed 3; args=("$tmp/ll-packed.nc" -data_vars salinity) ;;
  wrong-dims)       nc bad-dims 1; args=("$tmp/bad-dims.nc" -data_vars series) ;;
  unknown-dim)      nc bad-dims 1; args=("$tmp/bad-dims.nc" -data_vars odd) ;;
  non-monotonic)    nc bad-nonmonotonic 1; args=("$tmp/bad-nonmonotonic.nc" -data_vars sst) ;;
  duplicate-lon)    edited dup bad-nan-ocean 1 's/lon = 0, 10, 20, 30/lon = 0, 10, 10, 30/; s/NaNf/1/'; args=("$tmp/dup.nc" -data_vars sst) ;;
  nan-lat)          edited nanlat bad-nan-ocean 1 's/lat = -20, 0, 20/lat = -20, NaNf, 20/; s/NaNf, 1/1, 1/'; args=("$tmp/nanlat.nc" -data_vars sst) ;;
  huge-lon)         edited hugelon bad-nan-ocean 1 's/float lon(lon)/double lon(lon)/; s/lon = 0, 10, 20, 30/lon = 0, 10, 20, 1e200/; s/NaNf/1/'
                    args=("$tmp/hugelon.nc" -data_vars sst) ;;
  huge-time)        edited hugetime bad-nan-ocean 3 's/time = 0, 1 ;/time = 0, 1e300 ;/; s/NaNf/1/'; args=("$tmp/hugetime.nc" -data_vars sst) ;;
  inf-value)        edited inf bad-nan-ocean 1 's/NaNf/Infinityf/'; args=("$tmp/inf.nc" -data_vars sst) ;;
  inf-value-train)  edited inf bad-nan-ocean 1 's/NaNf/-Infinityf/'; cmd=("$HYCAST" train -data_file "$tmp/inf.nc" -train_window 1 -train_epochs 1)
                    args=(-data_vars sst) ;;
  huge-value)       edited huge bad-nan-ocean 3 's/float sst/double sst/; s/NaNf/-1e300/'; args=("$tmp/huge.nc" -data_vars sst) ;;
  huge-packed)      edited hugepk ll-packed 1 's/sst:scale_factor = 0.01f/sst:scale_factor = 1e300/'; args=("$tmp/hugepk.nc" -data_vars sst) ;;
  all-fill)         edited allfill bad-nan-ocean 1 '/^  sst =/s/NaNf\|\b1\b/-999/g; s/float sst(time, lat, lon) ;/& sst:_FillValue = -999.f ;/'
                    args=("$tmp/allfill.nc" -data_vars sst) ;;
  box-outside)      nc ll-regional 1; args=("$tmp/ll-regional.nc" -data_vars temp -data_box 0,20,-10,10) ;;
  box-edge)         nc ll-regional 1; args=("$tmp/ll-regional.nc" -data_vars temp -data_box 330,290,-10,10) ;;
  box-between)      nc ll-regional 1; args=("$tmp/ll-regional.nc" -data_vars temp -data_box 283,287,-10,10) ;;
  box-between-lat)  nc ll-regional 1; args=("$tmp/ll-regional.nc" -data_vars temp -data_box 280,340,-4,4) ;;
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
  # --- several files (issue 25): a.nc holds days 0, 1; b.nc is a second piece of the series, edited by SED
  series-gap)       series 's/time = 0, 1 ;/time = 5, 6 ;/' ;;
  series-overlap)   series 's/time = 0, 1 ;/time = 1, 2 ;/' ;;
  series-grid)      series 's/time = 0, 1 ;/time = 2, 3 ;/; s/lat = -20, 0, 20/lat = -20, 0, 25/' ;;
  series-units)     series 's/time = 0, 1 ;/time = 2, 3 ;/; s/float sst(time, lat, lon) ;/& sst:units = "K" ;/' \
                      's/float sst(time, lat, lon) ;/& sst:units = "degC" ;/' ;;
  series-calendar)  series 's/time = 0, 1 ;/time = 2, 3 ;/; s/time:units = "days since 2000-01-01" ;/& time:calendar = "noleap" ;/' ;;
  series-no-units)  series 's/time = 0, 1 ;/time = 2, 3 ;/; s/ time:units = "days since 2000-01-01" ;//' \
                      's/ time:units = "days since 2000-01-01" ;//' ;;
  series-nan)       edited a bad-nan-ocean 1 's/NaNf/1/'; edited b bad-nan-ocean 3 's/time = 0, 1 ;/time = 2, 3 ;/'
                    args=("$tmp/a.nc,$tmp/b.nc" -data_vars sst) ;;
  files-no-variable) series 's/time = 0, 1 ;/time = 2, 3 ;/'; args=("$tmp/a.nc,$tmp/b.nc" -data_vars sal) ;;
  files-twice)      series 's/time = 0, 1 ;/time = 2, 3 ;/'; args=("$tmp/a.nc,$tmp/b.nc,$tmp/a.nc" -data_vars sst) ;;
  files-static)     nc aux 3; cp "$tmp/aux.nc" "$tmp/aux2.nc"
                    args=("$tmp/aux.nc" -data_vars sst -data_aux_file "$tmp/aux.nc,$tmp/aux2.nc" -data_aux_vars v) ;;
  # --- dimension roles and time units (issue 25)
  step-dim)         edited step time-no-coord 1 's/time/step/g'; args=("$tmp/step.nc" -data_vars sst) ;;
  step-no-units)    edited step time-no-coord 1 's/time/step/g'; args=("$tmp/step.nc" -data_vars sst -data_dims time=step) ;;
  dims-unused)      nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst -data_dims time=step) ;;
  dims-malformed)   nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst -data_dims time) ;;
  time-undated)     edited undated time-no-units 1 's/time:calendar = "noleap" ;/& time:units = "hours" ;/'
                    args=("$tmp/undated.nc" -data_vars sst) ;;
  time-undated-wrong) edited undated time-no-units 1 's/time:calendar = "noleap" ;/& time:units = "hours" ;/'
                    args=("$tmp/undated.nc" -data_vars sst -data_time_units "days since 2000-01-01") ;;
  # --- a velocity forcing from the data (-physics_velocity_vars, issue 25)
  forcing-missing)  forcing u,w ;;
  forcing-three)    forcing u,v,w ;;
  forcing-not-name) forcing u,-ts_monitor ;;
  forcing-grid)     forcing u3,v3 ;;
  forcing-times)    forcing u2,v2 ;;
  forcing-no-units) forcing u,v 's/ u:units = "m s-1" ;//' ;;
  forcing-units)    forcing u,v 's/u:units = "m s-1"/u:units = "K"/' ;;
  forcing-nan)      forcing u,v 's/^  v = -0.05,/  v = NaNf,/' ;;
  forcing-inf)      forcing u,v 's/^  v = -0.05,/  v = -Infinityf,/' ;;
  forcing-nan-fill) forcing u,v 's/^  v = -0.05,/  v = NaNf,/'; args+=(-data_fill mean) ;;
  forcing-constant) forcing u,v; args+=(-physics_velocity 0.1,0.2) ;;
  # --- options
  grid-nx-overflow) cmd=("$HYCAST" simulate); args=(-grid_nx 99999999999); out= ;;
  epochs-overflow)  gen; cmd=("${train[@]}"); args=(-train_epochs 99999999999) ;;
  stride-not-int)   nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst -data_stride 1.5) ;;
  range-overflow)   nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst -data_time_range 0,99999999999) ;;
  misspelled)       nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_var sst) ;;
  unknown-option)   nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst -data_foo 1) ;;
  options-missing)  nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst -options_file "$tmp/none.yaml") ;;
  options-yaml)     nc ll-packed 1; printf 'data_vars: [sst,\n' > "$tmp/bad.yaml"; args=("$tmp/ll-packed.nc" -options_file "$tmp/bad.yaml") ;;
  options-binary)   nc ll-packed 1; printf '\x89HDF\r\n\x1a\n\x00\x01' > "$tmp/bin.opts"; args=("$tmp/ll-packed.nc" -data_vars sst -options_file "$tmp/bin.opts") ;;
  diverging)        gen; cmd=("${train[@]}" -model_terms advdiff); args=(-train_epochs 2 -train_lr 1e3) ;;
  # --- model files (forecast)
  model-truncated)  model; head -c 1000 "$tmp/model.nc" > "$tmp/trunc.nc"; forecast "$tmp/trunc.nc" ;;
  model-flipped)    model; cp "$tmp/model.nc" "$tmp/flip.nc"
                    printf '\x7f' | dd of="$tmp/flip.nc" bs=1 seek=$(($(stat -c %s "$tmp/flip.nc") - 3)) conv=notrunc status=none
                    forecast "$tmp/flip.nc" ;;
  model-monitor)    model; echo "do not touch" > "$tmp/victim"; craft "$tmp/mon.nc" arch "-ts_monitor ascii:$tmp/victim"; forecast "$tmp/mon.nc" ;;
  model-new-file)   model; craft "$tmp/mon.nc" arch "-ts_monitor ascii:$tmp/created"; forecast "$tmp/mon.nc" ;;
  model-long-attr)  model; craft "$tmp/long.nc" arch "-physics_scheme $(head -c 20000 /dev/zero | tr '\0' x)"; forecast "$tmp/long.nc" ;;
  model-huge-param) model; craft "$tmp/hugep.nc" set physics 1e200; forecast "$tmp/hugep.nc" ;;
  model-huge-norm)  model; craft "$tmp/hugen.nc" set normalization_mean -1e200; forecast "$tmp/hugen.nc" ;;
  model-is-data)    model; forecast "$tmp/gen.nc" ;;
  # --- training states (train -train_resume)
  state-truncated)  resume; head -c 500 "$tmp/state.nc" > "$tmp/strunc.nc"; args=(-train_resume "$tmp/strunc.nc") ;;
  state-text)       resume; echo "epoch 3" > "$tmp/state.txt"; args=(-train_resume "$tmp/state.txt") ;;
  state-missing)    resume; args=(-train_resume "$tmp/nostate.nc") ;;
  state-altered)    resume; size=$(stat -c %s "$tmp/state.nc") # one byte of the last parameter values changed
                    printf '\x55' | dd of="$tmp/state.nc" bs=1 seek=$((size - 3)) conv=notrunc 2> /dev/null
                    args=(-train_resume "$tmp/state.nc") ;;
  state-other)      resume; cmd=("${cmd[@]}" -train_lr 0.02); args=(-train_resume "$tmp/state.nc") ;;
  train-log-full)   gen; cmd=("${train[@]}" -train_epochs 1); args=(-train_log /dev/full) ;;
  # --- outputs
  unwritable)       nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst)
                    if [ "$(id -u)" = 0 ]; then out=/sys/hycast-test-output.nc   # root writes anywhere but in /sys
                    else mkdir "$tmp/ro"; chmod 555 "$tmp/ro"; out="$tmp/ro/result.nc"; fi ;;
  missing-dir)      nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst); out="$tmp/out/no/such/dir/result.nc" ;;
  own-input)        nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst); out="$tmp/ll-packed.nc" ;;
  model-onto-data)  gen; cmd=("${train[@]}" -train_epochs 0); args=(); out="$tmp/gen.nc" ;;
  output-dir)       nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst); out="$tmp/out" ;;
  device-node)      nc ll-packed 1; args=("$tmp/ll-packed.nc" -data_vars sst)
                    if mknod "$tmp/null" c 1 3 2> /dev/null; then out="$tmp/null"; else out=/dev/null; fi # mknod needs root
                    after='[ -c "$out" ]' ;;
  generate-unwritable) cmd=("$HYCAST" generate); args=(-generate_envs 1 -generate_steps 2)
                    if [ "$(id -u)" = 0 ]; then out=/sys/hycast-test-generate.nc; else mkdir "$tmp/ro"; chmod 555 "$tmp/ro"; out="$tmp/ro/gen.nc"; fi ;;
  seasonal-other-grid) # a model with the seasonal term (per-cell parameters), trained on 8 x 8 cells, run at 32 x 32
                    "$HYCAST" generate -generate_envs 1 -generate_steps 6 -grid_nx 16 -grid_ny 16 -o "$tmp/gen.nc" > "$tmp/prep.log" 2>&1 &&
                    "$HYCAST" train -data_file "$tmp/gen.nc" -data_vars u,v -model_terms advdiff,seasonal -train_epochs 0 \
                      -train_window 1 -o "$tmp/seasonal.nc" >> "$tmp/prep.log" 2>&1 || { cat "$tmp/prep.log"; exit 0; }
                    cmd=("$HYCAST" forecast)
                    args=(-model "$tmp/seasonal.nc" -data "$tmp/gen.nc" -data_vars u,v -grid grids/square-32.yaml -forecast_steps 2) ;;
  # --- evaluate (issue 26): damped persistence needs anomalies in the climatology period; spread needs two members
  evaluate-short-climatology) nc eval-monthly 1  # monthly 1990-1991: 1990 alone has one state per calendar month
                    prep "$HYCAST" train -data_file "$tmp/eval-monthly.nc" -data_vars h -model_terms advdiff -train_epochs 0 \
                      -train_window 1 -o "$tmp/model.nc"
                    cmd=("$HYCAST" evaluate); out=
                    args=(-truth "$tmp/eval-monthly.nc" -data_vars h -models "$tmp/model.nc" -evaluate_inits 12,20 -evaluate_leads 3
                          -evaluate_climatology_dates 1990-01-01,1990-12-31 -evaluate_damped true -evaluate_csv "$tmp/out/skill.csv") ;;
  evaluate-one-member) model; prep "$HYCAST" forecast -model "$tmp/model.nc" -data "$tmp/gen.nc" -data_vars u,v -forecast_start 3 \
                      -forecast_steps 2 -forecast_ensemble 1 -o "$tmp/ens1.nc"
                    cmd=("$HYCAST" evaluate); out=
                    args=(-truth "$tmp/gen.nc" -data_vars u,v -forecast "$tmp/ens1.nc" -evaluate_csv "$tmp/out/skill.csv") ;;
  *) echo "unknown case $case"; exit 0 ;;
esac
rm -f "$tmp/prep.log"
[ -n "$out" ] && args+=(-o "$out")
# the inputs: every file the case made, and every file named on the command line (device nodes aside)
inputs() {
  find "$tmp" -path "$tmp/out" -prune -o -type f -print
  for a in "${cmd[@]}" "${args[@]}"; do [ -f "$a" ] && [[ $a != "$tmp"/* ]] && echo "$a"; done
}
sums() { inputs | sort | xargs -r -d '\n' md5sum; }
before=$(sums)
listing=$(find "$tmp" | sort)
if [ "$np" = 1 ]; then said=$("${cmd[@]}" "${args[@]}" 2>&1); code=$?
else
  # stderr apart, after stdout: mpiexec forwards the two streams separately, and an error line could land inside a
  # stdout line printed in pieces (PETSc's viewers print their indentation apart from the text)
  errf=$(mktemp "${TMPDIR:-/tmp}/t060-stderr.XXXXXX")
  said=$($MPIEXEC -n "$np" "${cmd[@]}" "${args[@]}" 2> "$errf"); code=$?
  said+=$'\n'$(cat "$errf"); rm -f "$errf"
fi
echo "$said"
left=$(comm -13 <(echo "$listing") <(find "$tmp" | sort))
[ -n "$out" ] && [[ $out != "$tmp"/* ]] && left+=$(ls -A "$(dirname "$out")" 2> /dev/null | grep -E "^\.?$(basename "$out" .nc)")
nerr=$(echo "$said" | grep -c "error:")
ntrace=$(echo "$said" | grep -c "PETSC ERROR")
changed=$(diff <(echo "$before") <(sums) | grep '^>' | sed 's/^> [0-9a-f]* *//')
eval "$after" && bad= || bad="the check '$after' failed"
echo "exit status $code; error lines: $nerr; PETSc trace lines: $ntrace; left behind: ${left:-nothing}; inputs changed: ${changed:-none}${bad:+; $bad}"
[ -n "$left" ] || [ "$nerr" != 1 ] || [ "$ntrace" != 0 ] || [ -n "$changed" ] || [ -n "$bad" ] && exit 0
exit $code
