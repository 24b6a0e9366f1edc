#!/usr/bin/env bash
# The kernels at every x86-64 level this CPU has (issue 29): builds the library for each level alone (make ISA=LEVEL:
# -march=LEVEL, the kernels of that level only, in build/isa-LEVEL), runs the MLP's and the Fourier layer's product
# tests with it, and compares the benchmark problem's F, loss and gradients (bench/hybrid-bench -bench_write) between
# levels and with the usual build's kernels forced to each level (HYCAST_ISA).  Levels with fused multiply-adds
# (x86-64-v3, x86-64-v4) must agree bit for bit with each other in the usual build; the baseline's and x86-64-v2's kernels
# (no FMA) with each other, and with the others to 1e-12.  A build for one level (make ISA) also lets GCC fuse
# multiply-adds in the files' other loops: it agrees with the usual build to 1e-12, not bit for bit (measured: up to
# 4e-16).  A level the CPU lacks is skipped with a line saying so.  The first run builds the library four times
# (minutes); later runs rebuild only what changed.
set -u
cd "$(dirname "$0")/.."
MPIEXEC=${MPIEXEC:-mpiexec}
PY=${PYTHON:-/usr/bin/python3}
BUILD=${HYCAST_BUILD:-build}
case "$BUILD" in */mpich/*) mpi="MPI=mpich" ;; *) mpi="" ;; esac
tmp=build/tests/isa-levels
rm -rf "$tmp" && mkdir -p "$tmp"
flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
need() { # level -> the cpuinfo flags it needs, beyond the previous level's
  case $1 in
    x86-64) echo "sse2" ;;
    x86-64-v2) echo "cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3" ;;
    x86-64-v3) echo "avx avx2 bmi1 bmi2 f16c fma abm movbe" ;;
    x86-64-v4) echo "avx512f avx512bw avx512cd avx512dq avx512vl" ;;
  esac
}
fail=0
levels=()
missing=""
for l in x86-64 x86-64-v2 x86-64-v3 x86-64-v4; do
  for f in $(need $l); do
    case "$flags" in *" $f "*) ;; *) missing="$missing $f" ;; esac
  done
  if [ -n "$missing" ]; then
    echo "SKIPPED $l: this CPU lacks$missing"
  else
    levels+=("$l")
  fi
done
# the problem of t044 (the benchmark's architecture, then other widths and activations), plans that do not vary
cases=("-grid_nx 24 -grid_ny 20 -fno_modes 12,10"
  "-grid_nx 18 -grid_ny 16 -mlp_hidden 8 -mlp_activation gelu -fno_width 6 -fno_modes 5,4 -fno_activation gelu -bench_windows 3"
  "-grid_nx 18 -grid_ny 16 -mlp_hidden 5,7 -fno_width 5 -fno_modes 5,4 -bench_windows 2")
write() { # directory, program, case
  mkdir -p "$1"
  $MPIEXEC -n 2 "$2" -options_file bench/hybrid-bench.yaml -bench_reps 1 -bench_warmup 0 -fno_fftw_plan estimate \
    -bench_write "$1" $3 >"$1/log" 2>&1 || { echo "FAILED: $2 $3 (log: $1/log)"; cat "$1/log"; fail=1; }
}
same() { # what, dir a, dir b: data.nc identical
  if cmp -s "$2/data.nc" "$3/data.nc"; then echo "ok: $1 bit for bit"; else echo "FAILED: $1 differ"; fail=1; fi
}
close() { # what, dir a, dir b: every variable within 1e-12 norm-wise
  if ! "$PY" -c "import netCDF4" 2>/dev/null; then echo "not compared (no netCDF4 in $PY): $1"; return; fi
  if "$PY" - "$2/data.nc" "$3/data.nc" <<'EOF'; then echo "ok: $1 within 1e-12"; else echo "FAILED: $1"; fail=1; fi
import sys, netCDF4, numpy as np
a, b = netCDF4.Dataset(sys.argv[1]), netCDF4.Dataset(sys.argv[2])
worst = 0
for v in a.variables:
    x, y = np.asarray(a[v][:], float), np.asarray(b[v][:], float)
    worst = max(worst, np.linalg.norm(x - y) / max(np.linalg.norm(x), 1e-300))
print(f"   largest norm-wise relative difference {worst:.1e}")
sys.exit(0 if worst <= 1e-12 else 1)
EOF
}
for k in "${!cases[@]}"; do write "$tmp/usual.$k" "$BUILD/bench/hybrid-bench" "${cases[$k]}"; done
for l in "${levels[@]}"; do
  echo "== $l: make ISA=$l (build/isa-$l)"
  if ! env -u MAKEFLAGS -u MAKELEVEL make -s -j2 ISA=$l $mpi build/isa-$l/tests/t030-mlp-products \
    build/isa-$l/tests/t040-fno-products build/isa-$l/bench/hybrid-bench >"$tmp/make-$l.log" 2>&1; then
    echo "FAILED: make ISA=$l"
    cat "$tmp/make-$l.log"
    fail=1
    continue
  fi
  for t in t030-mlp-products t040-fno-products; do
    if $MPIEXEC -n 2 build/isa-$l/tests/$t >"$tmp/$t-$l.log" 2>&1 && grep -q PASSED "$tmp/$t-$l.log"; then
      echo "ok: $t at $l"
    else
      echo "FAILED: $t at $l"
      tail -20 "$tmp/$t-$l.log"
      fail=1
    fi
  done
  for k in "${!cases[@]}"; do
    write "$tmp/$l.$k" build/isa-$l/bench/hybrid-bench "${cases[$k]}"
    HYCAST_ISA=$l write "$tmp/forced-$l.$k" "$BUILD/bench/hybrid-bench" "${cases[$k]}"
    grep -q "level=$l " "$tmp/$l.$k/log" || { echo "FAILED: the $l build's kernels are not at $l"; fail=1; }
    close "case $k: make ISA=$l and the usual build" "$tmp/$l.$k" "$tmp/usual.$k"
    case $l in
      x86-64-v3 | x86-64-v4)
        # cases 1 and 2 (Fourier layers of 6 and 5 channels, layers of 5 and 7 units): vector bodies and scalar tails
        # split their rows differently at the two widths and must still give the same bits
        same "case $k: the usual build's kernels forced to $l and its own" "$tmp/forced-$l.$k" "$tmp/usual.$k"
        ;;
      x86-64-v2) same "case $k: the usual build forced to x86-64-v2 and to x86-64" "$tmp/forced-$l.$k" "$tmp/forced-x86-64.$k" ;;
      *) close "case $k: the usual build forced to the baseline (no FMA) and its own" "$tmp/forced-$l.$k" "$tmp/usual.$k" ;;
    esac
  done
done
[ $fail = 0 ] && echo "PASSED: levels ${levels[*]}" || echo "FAILED"
exit $fail
