#!/usr/bin/env bash
# A full disk during a write (docs/trust.md): every command that writes ends with one error line that says "no space
# left on device" and names the file, exit status 1 (not a crash in HDF5's exit handler), no temporary file left, and
# an older file under the output's name untouched.  Needs a small tmpfs (mount, as root); skipped with a line otherwise.
# $1: MPI ranks.
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
n=${1:-1}
read -r -a MPI <<< "${MPIEXEC:-mpiexec}"
tmp=$(mktemp -d)
small="$tmp/small"
mkdir "$small"
trap 'umount "$small" 2> /dev/null; rm -rf "$tmp"' EXIT
if ! mount -t tmpfs -o size=256k tmpfs "$small" 2> /dev/null; then
  echo "  skipped: cannot mount a small tmpfs here (needs root)"
  echo PASSED
  exit 0
fi
fail=0
check() { if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fail=1; fi; }

"$HYCAST" generate -generate_envs 1 -generate_steps 6 -grid_nx 12 -grid_ny 10 -generate_coarsen 1 -o "$tmp/data.nc" > /dev/null || exit 1
"$HYCAST" train -data_file "$tmp/data.nc" -data_vars u,v -train_window 2 -train_epochs 0 -o "$tmp/model.nc" > /dev/null 2>&1 || exit 1
# older outputs under every name, then the file system filled to its last few kilobytes
for f in g.nc g-fine.nc e.nc f.nc m.nc s.nc; do echo "older $f" > "$small/$f"; done
dd if=/dev/zero of="$small/fill" bs=1k count=240 status=none 2> /dev/null
olds() { for f in g.nc g-fine.nc e.nc f.nc m.nc s.nc; do cat "$small/$f"; done | md5sum; }
before=$(olds)

full() { # NAME COMMAND...: exit 1, one error line with "no space left on device", no temporary file, older files intact
  local name=$1
  shift
  "${MPI[@]}" -n "$n" "$@" > "$tmp/$name.log" 2>&1
  local code=$?
  check "$name: exit status 1 (no crash)" "[ $code = 1 ] && ! grep -qi 'segmentation\|signal 11\|core dumped' \"$tmp/$name.log\""
  check "$name: one error line: no space left on device" \
    "grep -q 'error: .*no space left on device' \"$tmp/$name.log\" && [ \$(grep -c 'error:' \"$tmp/$name.log\") = 1 ]"
  check "$name: no temporary file, older outputs intact" "[ -z \"\$(ls -A \"$small\" | grep -F .tmp.)\" ] && [ \"\$(olds)\" = \"\$before\" ]"
}
full generate "$HYCAST" generate -generate_envs 2 -generate_steps 20 -grid_nx 32 -grid_ny 32 -o "$small/g.nc"
full extract "$HYCAST" extract "$tmp/data.nc" -data_vars u,v -o "$small/e.nc"
full forecast "$HYCAST" forecast -model "$tmp/model.nc" -data "$tmp/data.nc" -data_vars u,v -forecast_steps 20 -o "$small/f.nc"
full train-model "$HYCAST" train -data_file "$tmp/data.nc" -data_vars u,v -train_window 2 -train_epochs 1 -model_terms advdiff,mlp \
  -mlp_hidden 32,32 -o "$small/m.nc"
full train-state "$HYCAST" train -data_file "$tmp/data.nc" -data_vars u,v -train_window 2 -train_epochs 1 -model_terms advdiff,mlp \
  -mlp_hidden 32,32 -o "$tmp/m2.nc" -train_checkpoint "$small/s.nc"
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
