#!/usr/bin/env bash
# Outputs never destroy (docs/trust.md): an output that is one of the command's inputs (by device and inode, so also
# through a symbolic link or another spelling of the path) or that exists and is not a regular file (a device such as
# /dev/null, a directory, a pipe) is refused with one error line, before anything is written: the inputs are byte for
# byte the same, the device is still a device, and no temporary file is left beside them.  $1: MPI ranks.
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
n=${1:-1}
read -r -a MPI <<< "${MPIEXEC:-mpiexec}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fail=1; fi; }

"$HYCAST" generate -generate_envs 1 -generate_steps 4 -grid_nx 10 -grid_ny 8 -generate_coarsen 1 -o "$tmp/data.nc" > /dev/null || exit 1
"$HYCAST" train -data_file "$tmp/data.nc" -data_vars u,v -train_window 2 -train_epochs 0 -o "$tmp/model.nc" > /dev/null 2>&1 || exit 1
ln -s data.nc "$tmp/link.nc"
mkfifo "$tmp/fifo"
mkdir "$tmp/dir"
sums() { md5sum "$tmp/data.nc" "$tmp/model.nc"; }
before=$(sums)

refused() { # NAME REGEX COMMAND...: fails, one error line matching REGEX, inputs unchanged, nothing left behind
  local name=$1 regex=$2
  shift 2
  "${MPI[@]}" -n "$n" "$@" > "$tmp/$name.log" 2>&1
  local code=$?
  check "$name: refused" "[ $code != 0 ] && grep -Eq -e \"$regex\" \"$tmp/$name.log\" && ! grep -q 'PETSC ERROR' \"$tmp/$name.log\""
  check "$name: one error line" "[ \$(grep -c 'error:' \"$tmp/$name.log\") = 1 ]"
  check "$name: inputs unchanged, no temporary file" "[ \"\$(sums)\" = \"\$before\" ] && [ -z \"\$(ls -A \"$tmp\" | grep -F .tmp.)\" ]"
}
same='is the same file as the input'
notreg='exists and is not a regular file'
refused extract-onto-input "-o $tmp/data.nc $same $tmp/data.nc" "$HYCAST" extract "$tmp/data.nc" -data_vars u,v -o "$tmp/data.nc"
refused extract-onto-link "-o $tmp/link.nc $same" "$HYCAST" extract "$tmp/data.nc" -data_vars u,v -o "$tmp/link.nc"
refused extract-other-spelling "$same" "$HYCAST" extract -data_file "$tmp/data.nc" -data_vars u,v -o "$tmp/dir/../data.nc"
refused forecast-onto-model "-o $tmp/model.nc $same $tmp/model.nc" "$HYCAST" forecast -model "$tmp/model.nc" -data "$tmp/data.nc" \
  -data_vars u,v -forecast_steps 1 -o "$tmp/model.nc"
refused forecast-onto-data "$same" "$HYCAST" forecast -model "$tmp/model.nc" -data_file "$tmp/data.nc" -data_vars u,v \
  -forecast_steps 1 -o "$tmp/data.nc"
refused extract-onto-fifo "$notreg" "$HYCAST" extract "$tmp/data.nc" -data_vars u,v -o "$tmp/fifo"
refused generate-onto-directory "$notreg" "$HYCAST" generate -generate_envs 1 -generate_steps 2 -grid_nx 8 -grid_ny 8 -o "$tmp/dir"
check "the directory is still a directory" '[ -d "$tmp/dir" ] && [ -p "$tmp/fifo" ]'
# a device node of our own (the null device's numbers), so that a regression cannot replace the machine's /dev/null
if mknod "$tmp/null" c 1 3 2> /dev/null; then
  refused generate-onto-device "$notreg" "$HYCAST" generate -generate_envs 1 -generate_steps 2 -grid_nx 8 -grid_ny 8 -o "$tmp/null"
  refused forecast-onto-device "$notreg" "$HYCAST" forecast -model "$tmp/model.nc" -data "$tmp/data.nc" -data_vars u,v \
    -forecast_steps 1 -o "$tmp/null"
  check "the device node is still a character device" '[ -c "$tmp/null" ]'
else
  echo "  skipped: the device-node cases (mknod needs root)"
fi
"${MPI[@]}" -n "$n" "$HYCAST" extract "$tmp/data.nc" -data_vars u,v -o "$tmp/copy.nc" > "$tmp/ok.log" 2>&1
check "a new regular output is written" '[ $? = 0 ] && [ -s "$tmp/copy.nc" ]'
"${MPI[@]}" -n "$n" "$HYCAST" extract "$tmp/data.nc" -data_vars u -o "$tmp/copy.nc" > "$tmp/ok2.log" 2>&1
check "an existing regular output (not an input) is replaced" '[ $? = 0 ] && ncdump -h "$tmp/copy.nc" | grep -q "double u(" && ! ncdump -h "$tmp/copy.nc" | grep -q "double v("'
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
