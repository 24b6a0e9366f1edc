#!/usr/bin/env bash
# What train reports is what it uses (issue 23: no silent wrong numbers).  $1: MPI ranks.
#  - windows that fail in evaluation: the MSE of the others and how many failed (never 4.5e307 standing for them), or
#    "failed" when all did, with the first failure's reason; the model is still written (training itself succeeded);
#  - the set-up lines: the data's own observation interval in s, min, h or days (6 h; 28 .. 31 days for monthly data,
#    ERSST too when $HYCAST_DATA has it), never an interval the model was not given ("observation interval 1. = ");
#    forecast's line likewise;
#  - that made-up interval no longer decides the time step: data 0.1 s apart train with -model_max_substeps 5, which an
#    interval of 1 (22 steps) would exceed.
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
n=${1:-1}
read -r -a MPI <<< "${MPIEXEC:-mpiexec}"
PYTHON=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fail=1; fi; }
train() { "${MPI[@]}" -n "$n" "$HYCAST" train "$@"; }

"$HYCAST" generate -generate_envs 2 -generate_steps 20 -grid_nx 16 -grid_ny 16 -generate_coarsen 1 -o "$tmp/data.nc" \
  > /dev/null || exit 1
# the same data with a last interval 10 times the others (states 0.1 s apart, then 1 s): a diffusivity of 0.1 needs 3 steps
# per 0.1 s, 22 per 1 s, and -model_max_substeps 5 makes the windows over the long interval fail
cp "$tmp/data.nc" "$tmp/gap.nc"
"$PYTHON" - "$tmp/gap.nc" <<'PY' || exit 1
import sys, netCDF4
d = netCDF4.Dataset(sys.argv[1], "r+")
t = d.variables["time"]
v = t[:].copy()
v[20] = v[19] + 1.0
t[:] = v
d.close()
PY
stiff=(-data_vars u,v -model_terms advdiff -physics_diffusivity 0.1 -model_max_substeps 5 -train_optimizer tao -train_epochs 2)

# window 1: the test windows start at 18 and 19 in each environment; those from 19 fail
train -data_file "$tmp/gap.nc" "${stiff[@]}" -train_window 1 -o "$tmp/gap1.nc" > "$tmp/gap1.log" 2>&1
code=$?
grep -E "MSE|failure|error" "$tmp/gap1.log"
check "some test windows fail: trained, exit 0, model written" '[ $code = 0 ] && [ -s "$tmp/gap1.nc" ]'
check "the test MSE is that of the other windows, with the count" \
  'grep -q "^trained: validation MSE [0-9.e+-]*, test MSE [0-9.e+-]* over 2 of 4 windows (2 failed)" "$tmp/gap1.log"'
check "per environment: 1 failed window each" '[ $(grep -c "test [0-9.e+-]* (1 window(s) failed)" "$tmp/gap1.log") = 2 ]'
check "the first failure's reason" \
  'grep -q "^  the first test failure: window (environment 0, start 19) failed: HcModel: the model is too stiff: .* steps per observation interval" "$tmp/gap1.log"'
check "the set-up line warns that such windows fail" \
  'grep -q "observation interval 0.145 s on average (varies 0.1 .. 1 s over the data) = 3 .. 22 step(s) of at most" "$tmp/gap1.log" && grep -q "warning: 22 steps per interval are more than -model_max_substeps 5 allows" "$tmp/gap1.log"'
check "no number stands for failed windows" '! grep -qE "e\+30[0-9]|inf|nan" "$tmp/gap1.log"'

# window 2: the only test window of each environment runs over the long interval
train -data_file "$tmp/gap.nc" "${stiff[@]}" -train_window 2 -o "$tmp/gap2.nc" > "$tmp/gap2.log" 2>&1
code=$?
grep -E "MSE" "$tmp/gap2.log"
check "every test window fails: the test MSE says failed" \
  '[ $code = 0 ] && grep -q "test MSE failed (2 window(s))" "$tmp/gap2.log" && ! grep -qE "e\+30[0-9]|inf|nan" "$tmp/gap2.log"'

# the made-up interval: the old view (and every window) took 1, i.e. 22 steps > -model_max_substeps 5
train -data_file "$tmp/data.nc" "${stiff[@]}" -train_window 2 -o "$tmp/fine.nc" > "$tmp/fine.log" 2>&1
code=$?
grep -E "interval|error" "$tmp/fine.log"
check "data 0.1 s apart: 3 steps each, trained" \
  '[ $code = 0 ] && grep -q "^  observation interval 0.1 s = 3 step(s) of 0.03333 s$" "$tmp/fine.log"'
check "the model's view gives no interval of its own" \
  '! grep -q "observation interval 1\. = " "$tmp/fine.log" && grep -q "each observation interval of the data in equal steps of at most 0.0459668" "$tmp/fine.log"'

# 6-hourly and monthly lat-lon files (CDL written here, values smooth and finite)
"$PYTHON" - "$tmp" <<'PY' || exit 1
import math, sys
def cdl(name, units, times):
    lat, lon = [-30, -10, 10, 30], [0, 60, 120, 180, 240, 300]
    vals = [f"{15 + 0.1 * y + 2 * math.sin(math.radians(x)) + 0.3 * math.sin(0.5 * k):.4f}"
            for k in range(len(times)) for y in lat for x in lon]
    with open(f"{sys.argv[1]}/{name}.cdl", "w") as f:
        f.write(f"""netcdf {name} {{
dimensions:
  time = {len(times)} ; lat = {len(lat)} ; lon = {len(lon)} ;
variables:
  double time(time) ; time:units = "{units}" ; time:calendar = "standard" ;
  float lat(lat) ; lat:units = "degrees_north" ;
  float lon(lon) ; lon:units = "degrees_east" ;
  float sst(time, lat, lon) ; sst:units = "degC" ;
data:
  time = {", ".join(str(t) for t in times)} ;
  lat = {", ".join(map(str, lat))} ;
  lon = {", ".join(map(str, lon))} ;
  sst = {", ".join(vals)} ;
}}
""")
cdl("sixhourly", "hours since 2001-01-01 00:00:00", [6 * k for k in range(10)])
# the first of each month of 2001: intervals of 31, 28, 31, 30, ... days, 30.36 days on average
cdl("monthly", "days since 2001-01-01", [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334])
PY
ncgen -o "$tmp/sixhourly.nc" "$tmp/sixhourly.cdl" && ncgen -o "$tmp/monthly.nc" "$tmp/monthly.cdl" || exit 1
ll=(-data_vars sst -train_window 1 -train_optimizer tao -train_epochs 0)
train -data_file "$tmp/sixhourly.nc" "${ll[@]}" -o "$tmp/6h.nc" > "$tmp/6h.log" 2>&1
code=$?
grep -E "interval|error" "$tmp/6h.log"
check "6-hourly data: the interval is 6 h" \
  '[ $code = 0 ] && grep -q "^  observation interval 6 h = 1 step(s) of 6 h$" "$tmp/6h.log" && ! grep -q "observation interval 1\. = " "$tmp/6h.log"'
train -data_file "$tmp/monthly.nc" "${ll[@]}" -o "$tmp/mon.nc" > "$tmp/mon.log" 2>&1
code=$?
grep -E "interval|error" "$tmp/mon.log"
check "monthly data: 28 .. 31 days" \
  '[ $code = 0 ] && grep -q "^  observation interval 30.36 days on average (varies 28 .. 31 days over the data) = 1 step(s) of 28 .. 31 days$" "$tmp/mon.log" && ! grep -q "observation interval 1\. = " "$tmp/mon.log"'
"${MPI[@]}" -n "$n" "$HYCAST" forecast -model "$tmp/mon.nc" -data_file "$tmp/monthly.nc" -data_vars sst -forecast_steps 3 \
  -o "$tmp/fc.nc" > "$tmp/fc.log" 2>&1
code=$?
grep "hycast forecast" "$tmp/fc.log"
check "forecast: 3 monthly steps of 28 .. 31 days" \
  '[ $code = 0 ] && grep -q "^hycast forecast: .* from 2001-01-01, 3 step(s) of 28 .. 31 days (1 RK step(s) each)$" "$tmp/fc.log"'

ersst=${HYCAST_DATA:-HYCAST_DATA-is-not-set}/ersst/sst.mnmean.nc
if [ -r "$ersst" ]; then
  train -data_file "$ersst" -data_vars sst -data_box 299,341,19,57 -train_optimizer tao -train_epochs 0 -o "$tmp/ersst.nc" \
    > "$tmp/ersst.log" 2>&1
  code=$?
  grep -E "interval|error" "$tmp/ersst.log"
  check "ERSST (monthly, 2010-01 .. 2020-08): 30.43 days on average, 28 .. 31" \
    '[ $code = 0 ] && grep -q "^  observation interval 30.43 days on average (varies 28 .. 31 days over the data) = 1 step(s) of 28 .. 31 days$" "$tmp/ersst.log"'
else
  echo "  skipped: the ERSST part ($ersst not found; real data is user-supplied in $HYCAST_DATA, set by make)"
fi
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
