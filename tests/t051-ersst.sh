#!/usr/bin/env bash
# Real data: ERSST v5 values read by hycast agree with values extracted independently by ncdump, and hycast info reports
# the global land fraction as about 31%, the time units as the file's, and refuses -data_time_units (the file has units).  Skipped (with the reason) when $HYCAST_DATA/ersst/sst.mnmean.nc is absent.
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
. tests/ersst-file.sh
PYTHON=${PYTHON:-/usr/bin/python3}
BUILD=${HYCAST_BUILD:-build}  # the build directory of the test binaries (tests/run.py sets it)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

"$BUILD/tests/t050-reader-ersst" -t_file "$file" -t_samples > "$tmp/samples.txt" 2>&1 || fail=1
ncdump -v lat,lon "$file" > "$tmp/coords.cdl" && ncdump -p 9,17 -v sst "$file" > "$tmp/sst.cdl" || fail=1
# ncdump's text: find the file indices of each sample's longitude and latitude, then its value in the flattened sst(time, lat, lon)
"$PYTHON" - "$tmp" <<'PY' || fail=1
import re, sys
tmp = sys.argv[1]
def section(text, name):
    m = re.search(r"\n %s =\s*(.*?);" % name, text, re.S)
    return [v.strip() for v in m.group(1).replace("\n", " ").split(",")]
coords = open(tmp + "/coords.cdl").read()
lat = [float(v) for v in section(coords, "lat")]
lon = [float(v) for v in section(coords, "lon")]
sst = section(open(tmp + "/sst.cdl").read().split("data:", 1)[1], "sst")
good = bad = 0
for line in open(tmp + "/samples.txt"):
    if not line.startswith("SAMPLE"):
        continue
    _, k, x, y, v = line.split()
    k, x, y, v = int(k), float(x), float(y), float(v)
    i, j = lon.index(x), lat.index(y)
    ref = float(sst[(k * len(lat) + j) * len(lon) + i])
    ok = abs(v - ref) <= 1e-6 * max(1.0, abs(ref))
    good += ok
    bad += not ok
    print(f"  {'ok' if ok else 'FAIL'}   month {k:3d} lon {x:5.0f} lat {y:4.0f}: hycast {v:.9g}, ncdump sst[{k},{j},{i}] = {ref:.9g}")
print(f"  {good} sample(s) agree with ncdump, {bad} differ")
sys.exit(0 if good >= 10 and bad == 0 else 1)
PY
out=$("$HYCAST" info "$file" -var sst 2>&1) || fail=1
frac=$(echo "$out" | sed -n 's/.*land fraction \([0-9.]*\)).*/\1/p')
echo "  hycast info: ${frac:-none} land fraction"
if [ -z "$frac" ] || ! awk -v f="$frac" 'BEGIN { exit !(f > 0.30 && f < 0.32) }'; then fail=1; echo "  FAIL land fraction is not about 31%"; fi
# one field: every land cell is missing at every time (none is land because another field is absent); time units from
# the file, which -data_time_units never overrides (issue 23)
if echo "$out" | grep -q "^  land: 5032 cell(s): 5032 where every field is missing at every selected time, 0 where some field"; then
  echo "  ok   land: 5032 cells, all missing at every time, none made land by another field"
else fail=1; echo "  FAIL land line: $(echo "$out" | grep "^  land:")"; fi
if echo "$out" | grep -q "^  time units: from the file (time:units)$"; then echo "  ok   time units from the file (time:units)"
else fail=1; echo "  FAIL info does not say the time units came from the file"; fi
said=$("$HYCAST" info "$file" -var sst -data_time_units "days since 1900-01-01" 2>&1); code=$?
if [ $code != 0 ] && echo "$said" | grep -q "sst.mnmean.nc: variable 'sst': -data_time_units 'days since 1900-01-01' given, but the time coordinate 'time' has its own units 'days since 1800-01-01'; the file's units are never overridden"; then
  echo "  ok   -data_time_units on a file with units is refused"
else fail=1; echo "  FAIL -data_time_units on ERSST (exit $code): $said"; fi
[ $fail = 0 ] && echo "PASSED" || echo "FAILED"
exit $fail
