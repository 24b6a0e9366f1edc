#!/usr/bin/env bash
# Unknown options are errors: an option typed on the command line that nothing used, of hycast's families or within
# two edits of one of its options, stops every command before its work starts (before any output exists), with the
# nearest known option.  PETSc's own options still work; an options file may hold options of other commands.
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fail=1; fi; }

"$HYCAST" generate -generate_envs 1 -generate_steps 4 -grid_nx 10 -grid_ny 8 -generate_coarsen 1 -o "$tmp/data.nc" > /dev/null || exit 1
"$HYCAST" train -data_file "$tmp/data.nc" -data_vars u,v -train_window 2 -train_epochs 0 -o "$tmp/model.nc" > /dev/null 2>&1 || exit 1

refused() { # NAME REGEX OUTPUT COMMAND...: fails with one error line matching REGEX; OUTPUT (if not -) is not created
  local name=$1 regex=$2 out=$3
  shift 3
  "$@" > "$tmp/$name.log" 2>&1
  local code=$?
  check "$name" "[ $code != 0 ] && grep -Eq -e \"$regex\" \"$tmp/$name.log\" && [ \$(grep -c 'error:' \"$tmp/$name.log\") = 1 ] && ! grep -q 'PETSC ERROR' \"$tmp/$name.log\" && { [ \"$out\" = - ] || [ ! -e \"$out\" ]; }"
}
refused simulate-typo "-simulate_step: unknown option, or one this command does not use; did you mean -simulate_steps\?" - \
  "$HYCAST" simulate -simulate_step 3
refused term-not-in-model "-mlp_hidden: nothing in this run uses it" - "$HYCAST" simulate -mlp_hidden 4
refused env-typo "did you mean -env_mlp_hidden\?" - "$HYCAST" simulate -model_terms advdiff -model_envs 1 -model_env_terms mlp \
  -env_mlp_hiden 4
refused family-typo "-trian_epochs: .*did you mean -train_epochs\?" - "$HYCAST" simulate -trian_epochs 3
refused generate-typo "did you mean -generate_envs\?" "$tmp/g.nc" "$HYCAST" generate -generate_env 2 -o "$tmp/g.nc"
refused extract-typo "did you mean -data_vars\?" "$tmp/e.nc" "$HYCAST" extract "$tmp/data.nc" -data_var u -o "$tmp/e.nc"
refused info-typo "did you mean -data_box\?" - "$HYCAST" info "$tmp/data.nc" -data_bx 0,1,0,1
refused forecast-typo "did you mean -forecast_steps\?" "$tmp/f.nc" "$HYCAST" forecast -model "$tmp/model.nc" -data "$tmp/data.nc" \
  -data_vars u,v -forecast_step 2 -o "$tmp/f.nc"
refused foreign "-foo: unknown option: neither hycast's" "$tmp/t.nc" "$HYCAST" train -data_file "$tmp/data.nc" -data_vars u,v \
  -train_window 2 -train_epochs 0 -foo 1 -o "$tmp/t.nc"
check "no temporary file left" '[ -z "$(ls -A "$tmp" | grep -F .tmp.)" ]'

"$HYCAST" simulate -simulate_steps 1 -ts_max_snes_failures 2 > "$tmp/petsc.log" 2>&1
check "PETSc's own options still work" '[ $? = 0 ] && grep -q "total drift" "$tmp/petsc.log"'
"$HYCAST" simulate -simulate_steps 1 -log_view ":$tmp/log_view.txt" -malloc_dump > "$tmp/late.log" 2>&1
check "PETSc's options read only at the end (-log_view, -malloc_dump) are not refused and work" \
  '[ $? = 0 ] && grep -q "total drift" "$tmp/late.log" && grep -q "PETSc Performance Summary" "$tmp/log_view.txt" && ! grep -q "PETSC ERROR" "$tmp/late.log"'
printf 'simulate_steps: 1\nevaluate_leads: 3\ntrain_epochs: 2\n' > "$tmp/shared.yaml"
"$HYCAST" simulate -options_file "$tmp/shared.yaml" > "$tmp/yaml.log" 2>&1
check "an options file may hold other commands' options" '[ $? = 0 ] && grep -q "total drift" "$tmp/yaml.log"'
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
