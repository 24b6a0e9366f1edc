#!/usr/bin/env bash
# postproc/anomaly_baselines.py on the ERSST box of make experiment-ersst (with its basin-mean model on the Atlantic):
# its climatology RMSE per lead equals hycast evaluate's climatology baseline (same cells, weights, dates), damped
# persistence beats climatology at lead 1, every model has a finite RMSE at every lead, and bad input ends with one
# message, a non-zero exit and no CSV.  Skipped
# (with the reason) when $HYCAST_DATA/ersst/sst.mnmean.nc is absent.
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
. tests/ersst-file.sh
PYTHON=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # check WHAT STATUS
  if [ "$2" = 0 ]; then echo "  ok   $1"; else echo "  FAIL $1"; fail=1; fi
}

# a quick model, only so that evaluate scores its baselines on the same cells and dates
"$HYCAST" train -options_file configs/ersst.yaml -model_terms advdiff -data_file "$file" -data_dates 2010-01-01,2018-12-31 \
  -train_epochs 1 -o "$tmp/ad.nc" > "$tmp/train.log" 2>&1
check "train a model on the box" $?
"$HYCAST" evaluate -options_file configs/ersst.yaml -truth "$file" -data_dates 2010-01-01,2020-12-31 \
  -models "$tmp/ad.nc" -evaluate_labels ad -evaluate_dates 2019-01-01,2020-07-01 -evaluate_leads 6 \
  -evaluate_csv "$tmp/skill.csv" > "$tmp/evaluate.log" 2>&1
check "hycast evaluate" $?
"$PYTHON" postproc/anomaly_baselines.py --data "$file" --box 299,341,19,57 --basin 270,360,0,66 --train 2010,2018 \
  --test 2019-01,2020-07 --leads 6 --csv "$tmp/base.csv" > "$tmp/base.log" 2>&1
check "anomaly_baselines.py" $?
sed 's/^/    /' "$tmp/base.log"
"$PYTHON" - "$tmp/skill.csv" "$tmp/base.csv" <<'PY'
import csv, math, sys
ev = {int(r["lead"]): float(r["rmse"]) for r in csv.DictReader(open(sys.argv[1])) if r["model"] == "climatology"}
base = {}
for r in csv.DictReader(open(sys.argv[2])):
    base.setdefault(r["model"], {})[int(r["lead"])] = float(r["rmse"])
fail = 0
def check(what, ok):
    global fail
    print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    fail += not ok
worst = max(abs(base["climatology"][l] - ev[l]) / ev[l] for l in ev) if ev and "climatology" in base else math.inf
check(f"climatology RMSE per lead = hycast evaluate's (leads {sorted(ev)}, max rel. diff {worst:.1e})",
      sorted(ev) == list(range(1, 7)) and worst < 1e-6)
want = {"global persistence", "monthly persistence", "per-cell persistence", "LIM 2 EOFs", "basin mean", "climatology"}
check(f"models {sorted(base)} include {sorted(want)}, each with 6 finite RMSEs",
      want <= set(base) and all(len(v) == 6 and all(math.isfinite(x) for x in v.values()) for v in base.values()))
check("damped persistence beats climatology at lead 1",
      base.get("global persistence", {}).get(1, math.inf) < base.get("climatology", {}).get(1, 0))
sys.exit(1 if fail else 0)
PY
check "comparisons" $?

out=$("$PYTHON" postproc/anomaly_baselines.py --data "$tmp/none.nc" --csv "$tmp/bad.csv" 2>&1)
code=$?
echo "    $out"
[ $code != 0 ] && [ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q "none.nc" && [ ! -e "$tmp/bad.csv" ]
check "missing data file: one message naming it, non-zero exit, no CSV" $?
out=$("$PYTHON" postproc/anomaly_baselines.py --data "$file" --box 80,90,40,50 --csv "$tmp/bad.csv" 2>&1)
code=$?
echo "    $out"
[ $code != 0 ] && echo "$out" | grep -q "no ocean cell" && [ ! -e "$tmp/bad.csv" ]
check "box without ocean: message, non-zero exit, no CSV" $?
out=$("$PYTHON" postproc/anomaly_baselines.py --data "$file" --box 299,341,19,57 --basin 300,360,0,66 --csv "$tmp/bad.csv" 2>&1)
code=$?
echo "    $out"
[ $code != 0 ] && [ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q "around the box" && [ ! -e "$tmp/bad.csv" ]
check "basin that does not contain the box: one message, non-zero exit, no CSV" $?
[ $fail = 0 ] && echo "PASSED" || echo "FAILED"
exit $fail
