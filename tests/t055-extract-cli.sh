#!/usr/bin/env bash
# hycast extract: a selection written as CF-1.8 (ncdump -h shows Conventions, units, standard_name, axis, calendar,
# _FillValue, history and the options used), and extracting the output again gives the same values (ncdump -v).
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
MPIEXEC=${MPIEXEC:-mpiexec}
mkdir -p build/tests
tmp=$(mktemp -d build/tests/extract.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fail=1; fi; }

ncgen -k 1 -o "$tmp/in.nc" tests/data/ll-missing.cdl
out=$($MPIEXEC -n 2 "$HYCAST" extract "$tmp/in.nc" -data_vars sst -data_box 120,240,-60,80 -o "$tmp/a.nc" 2>&1); code=$?
echo "$out"
check "extract on 2 ranks exits 0" '[ $code = 0 ] && [ -s "$tmp/a.nc" ]'
hdr=$(ncdump -h "$tmp/a.nc")
echo "$hdr" | sed -n '1,/global attributes/p' | sed 's/^/    | /'
check "Conventions = \"CF-1.8\"" 'echo "$hdr" | grep -q ":Conventions = \"CF-1.8\""'
check "lon: units degrees_east, standard_name longitude, axis X" 'echo "$hdr" | grep -q "lon:units = \"degrees_east\"" && echo "$hdr" | grep -q "lon:standard_name = \"longitude\"" && echo "$hdr" | grep -q "lon:axis = \"X\""'
check "lat: units degrees_north, standard_name latitude, axis Y" 'echo "$hdr" | grep -q "lat:units = \"degrees_north\"" && echo "$hdr" | grep -q "lat:standard_name = \"latitude\"" && echo "$hdr" | grep -q "lat:axis = \"Y\""'
check "time: the input's units and calendar, axis T" 'echo "$hdr" | grep -q "time:units = \"hours since 2001-01-01 00:00:00\"" && echo "$hdr" | grep -q "time:calendar = \"noleap\"" && echo "$hdr" | grep -q "time:axis = \"T\""'
check "sst: _FillValue and the input's units" 'echo "$hdr" | grep -q "sst:_FillValue = " && echo "$hdr" | grep -q "sst:units = \"degC\""'
check "history holds the command line" 'echo "$hdr" | grep -q ":history = \".*hycast extract .*-data_box 120,240,-60,80"'
check "hycast_options holds the options used" 'echo "$hdr" | grep -q ":hycast_options = \".*-data_box 120,240,-60,80"'
check "no temporary file is left next to the output" '[ -z "$(ls -A "$tmp" | grep tmp)" ]'
# land cells carry _FillValue: the input's NaN, -999 and 1e20 cells in the box are written as the fill value
check "land cells hold _FillValue in the data" 'ncdump -v sst "$tmp/a.nc" | sed -n "/^data:/,\$p" | grep -q "_"'
out=$("$HYCAST" extract "$tmp/a.nc" -o "$tmp/b.nc" 2>&1); code=$?
check "the output reads back (extract of the extract)" '[ $code = 0 ]'
check "values identical after the second round (ncdump -p 17 -v sst)" 'cmp -s <(ncdump -p 9,17 -v sst "$tmp/a.nc" | sed -n "/^data:/,\$p") <(ncdump -p 9,17 -v sst "$tmp/b.nc" | sed -n "/^data:/,\$p")'
check "coordinates identical (lon 120 .. 240)" 'cmp -s <(ncdump -v lon,lat "$tmp/a.nc" | sed -n "/^data:/,\$p") <(ncdump -v lon,lat "$tmp/b.nc" | sed -n "/^data:/,\$p") && ncdump -v lon "$tmp/a.nc" | grep -q "lon = 120, 150, 180, 210, 240"'
[ $fail = 0 ] && echo "PASSED" || echo "FAILED"
exit $fail
