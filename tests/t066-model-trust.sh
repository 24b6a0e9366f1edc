#!/usr/bin/env bash
# Model files are data (docs/trust.md): a model file whose model_architecture carries anything but the model's own
# architecture entries (a PETSc monitor that writes a file, -options_file, a memory setting, another term's option) is
# refused before anything acts on it, and so is a file whose contents do not match its checksum (truncated, a flipped
# byte in the parameters, an edited attribute) or that has none.  The crafted files get a correct checksum, computed here
# in Python from the specification in src/io/modelfile.c, so that the architecture check itself is what refuses them;
# the same Python digest of an untouched file must equal the one hycast wrote.  Parameters and normalisation that are
# not finite (or a scale that is not positive) are refused even under a correct checksum.  $1: MPI ranks.
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
n=${1:-1}
read -r -a MPI <<< "${MPIEXEC:-mpiexec}"
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fail=1; fi; }

"$HYCAST" generate -generate_envs 1 -generate_steps 6 -grid_nx 12 -grid_ny 10 -generate_coarsen 1 -o "$tmp/data.nc" > /dev/null || exit 1
"${MPI[@]}" -n "$n" "$HYCAST" train -data_file "$tmp/data.nc" -data_vars u,v -train_window 2 -train_optimizer tao \
  -model_terms advdiff,mlp -mlp_hidden 3 -train_epochs 1 -o "$tmp/model.nc" > "$tmp/train.log" 2>&1
check "a model to start from" '[ $? = 0 ] && [ -s "$tmp/model.nc" ]'

# craft FILE OUT MODE [ARG]: a copy of FILE changed as MODE says, with a correct checksum unless MODE says otherwise
craft() { /usr/bin/python3 tests/craft-model.py "$@"; }

check "the Python digest of hycast's file equals the stored checksum" '[ "$(craft "$tmp/model.nc" - digest)" = True ]'
run_forecast() { # MODEL LOG: a two-step forecast with the model; its exit code
  "${MPI[@]}" -n "$n" "$HYCAST" forecast -model "$1" -data "$tmp/data.nc" -data_vars u,v -forecast_steps 2 -o "$tmp/fc.nc" > "$2" 2>&1
}
run_forecast "$tmp/model.nc" "$tmp/good.log"
check "the untouched model forecasts" '[ $? = 0 ] && [ -s "$tmp/fc.nc" ]'
rm -f "$tmp/fc.nc"

echo "do not touch" > "$tmp/victim"
cp "$tmp/victim" "$tmp/victim.orig"
refused() { # NAME MODEL REGEX: forecast with MODEL fails with one error line matching REGEX, no output, victim intact
  run_forecast "$2" "$tmp/$1.log"
  local code=$?
  check "$1: refused" "[ $code != 0 ] && grep -Eq \"$3\" \"$tmp/$1.log\" && ! grep -q 'PETSC ERROR' \"$tmp/$1.log\""
  check "$1: one error line" "[ \$(grep -c 'error:' \"$tmp/$1.log\") = 1 ]"
  check "$1: nothing written, the victim file intact" "[ ! -e \"$tmp/fc.nc\" ] && cmp -s \"$tmp/victim\" \"$tmp/victim.orig\""
}
plain='is not of the form the model writes'
notarch='is not an architecture option of the model it describes'
craft "$tmp/model.nc" "$tmp/m1.nc" arch "-ts_monitor ascii:$tmp/victim"; refused monitor "$tmp/m1.nc" "$plain"
craft "$tmp/model.nc" "$tmp/m2.nc" arch "-options_file $tmp/victim"; refused options-file "$tmp/m2.nc" "$plain"
craft "$tmp/model.nc" "$tmp/m3.nc" arch "-ts_monitor"; refused ts-option "$tmp/m3.nc" "entry -ts_monitor $notarch"
craft "$tmp/model.nc" "$tmp/m4.nc" arch "-model_adjoint_memory 1e9"; refused model-option "$tmp/m4.nc" "entry -model_adjoint_memory $notarch"
craft "$tmp/model.nc" "$tmp/m5.nc" arch "-fno_width 4"; refused other-term "$tmp/m5.nc" "entry -fno_width $notarch"
craft "$tmp/model.nc" "$tmp/m6.nc" arch "-mlp_hidden 3 extra"; refused stray-value "$tmp/m6.nc" "the value 'extra' without an option"
craft "$tmp/model.nc" "$tmp/m7.nc" arch "'-ts_monitor'"; refused quoted "$tmp/m7.nc" "$plain"
craft "$tmp/model.nc" "$tmp/m12.nc" nan mlp; refused nan-parameter "$tmp/m12.nc" "parameter 0 .* of term 'mlp' is nan"
craft "$tmp/model.nc" "$tmp/m13.nc" nan normalization_scale; refused zero-scale "$tmp/m13.nc" "normalization of field 0 is mean .*, scale 0"
craft "$tmp/model.nc" "$tmp/m8.nc" nochecksum; refused no-checksum "$tmp/m8.nc" "no hycast_checksum attribute"
craft "$tmp/model.nc" "$tmp/m9.nc" param; refused altered-parameter "$tmp/m9.nc" "do not match its checksum"
head -c $(( $(stat -c %s "$tmp/model.nc") - 16 )) "$tmp/model.nc" > "$tmp/m10.nc"; refused truncated "$tmp/m10.nc" "do not match its checksum|model file"
# a byte of the parameter data flipped in place (the last 8 bytes of a classic file are the last variable's data)
cp "$tmp/model.nc" "$tmp/m11.nc"
size=$(stat -c %s "$tmp/m11.nc")
printf '\x7f' | dd of="$tmp/m11.nc" bs=1 seek=$((size - 3)) conv=notrunc status=none
refused flipped-byte "$tmp/m11.nc" "do not match its checksum"
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
