#!/usr/bin/env bash
# Atomic output: hycast generate interrupted (SIGTERM, SIGHUP; on 1 and 2 ranks) while its files are being written leaves
# neither a file under the final names nor a temporary file.
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
MPIEXEC=${MPIEXEC:-mpiexec}
mkdir -p build/tests
tmp=$(mktemp -d build/tests/interrupt.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
run() { # label signal command...
  local label=$1 sig=$2 found="" left code
  shift 2
  rm -rf "$tmp/out"
  mkdir "$tmp/out"
  "$@" -o "$tmp/out/big.nc" > "$tmp/log" 2>&1 &
  local pid=$!
  for i in $(seq 1 400); do
    found=$(ls -A "$tmp/out" | tr '\n' ' ')
    [ -n "$found" ] && break
    sleep 0.05
  done
  sleep 0.3
  kill -"$sig" $pid
  wait $pid
  code=$?
  left=$(ls -A "$tmp/out" | tr '\n' ' ')
  if [ -n "$found" ] && [ $code != 0 ] && [ -z "$left" ]; then
    echo "  ok   $label: files while running: $found; exit status $code; left behind: nothing"
  else
    echo "  FAIL $label: files while running: ${found:-none}; exit status $code; left behind: ${left:-nothing}"
    tail -5 "$tmp/log"
    fail=1
  fi
}
big=(-grid_nx 256 -grid_ny 256 -generate_steps 400)
run "SIGTERM, 1 process" TERM "$HYCAST" generate "${big[@]}"
run "SIGHUP, 1 process" HUP "$HYCAST" generate "${big[@]}"
run "SIGTERM to mpiexec, 2 ranks" TERM $MPIEXEC -n 2 "$HYCAST" generate "${big[@]}"
[ $fail = 0 ] && echo "PASSED" || echo "FAILED"
exit $fail
