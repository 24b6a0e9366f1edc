# Sourced by the tests that stop training with a signal and resume it (t074, t081), from the repository root, with $1
# the number of MPI ranks: sets n, HYCAST, MPI, launch, tmp, fail and check(), and defines interrupt().
n=${1:-1}
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
read -r -a MPI <<< "${MPIEXEC:-mpiexec}"
# MPICH's mpiexec (Hydra) forwards the signal, but its own exit status after that is not reliable: now and then 0 even
# when every rank exited with 143 (seen with MPICH 4.0.2 and plain shell ranks too, see docs/mpich.md)
hydra=0
"${MPI[@]}" --version 2>/dev/null | grep -q "HYDRA" && hydra=1
# one rank runs without mpiexec, so that its own exit status is seen; mpiexec reports a status of its own
if [ "$n" = 1 ]; then launch=(); else launch=("${MPI[@]}" -n "$n"); fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fail=1; fi; }

# interrupt SIGNAL STATUS LABEL COMMAND...: runs COMMAND (launched on n ranks) with its output in $tmp/part.log, sends
# SIGNAL once epoch 3 shows, and checks how it ended: STATUS on one rank, the signal named under Hydra, else non-zero.
interrupt() {
  local sig=$1 want=$2 label=$3 pid
  shift 3
  "${launch[@]}" "$@" > "$tmp/part.log" 2>&1 &
  pid=$!
  for _ in $(seq 4000); do grep -q "^epoch    3" "$tmp/part.log" && break; sleep 0.05; done
  kill -"$sig" $pid
  wait $pid
  code=$?
  echo "--- $label (exit $code):"; grep -E "interrupted|saved|^epoch" "$tmp/part.log"
  if [ "$n" = 1 ]; then check "$label: exit status $want" "[ $code = $want ]"
  elif [ $hydra = 1 ]; then
    check "$label: stopped by the signal (Hydra's exit status $code is not checked)" \
      "grep -q 'interrupted by signal $(kill -l "$sig")' \"$tmp/part.log\""
  else check "$label: non-zero exit status ($code)" "[ $code != 0 ]"; fi
}
