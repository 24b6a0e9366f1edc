#!/usr/bin/env bash
# The build system: make deps is a no-op when every package is installed; PETSC_DIR/PETSC_ARCH select the PETSc
# (through its pkg-config file) and a wrong one stops with a clear message; print-VAR works; bin/hycast loads one MPI.
set -u
cd "$(dirname "$0")/.."
fail=0
check() { if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fail=1; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A fake apt-get first on PATH fails loudly: make deps must not call it when everything is there.
printf '#!/bin/sh\necho "apt-get was called" >&2\nexit 99\n' > "$tmp/apt-get"
chmod +x "$tmp/apt-get"
out=$(PATH="$tmp:$PATH" make -s deps 2>&1); code=$?
echo "make deps -> $out"
check "make deps is a no-op when everything is installed" '[ $code = 0 ] && echo "$out" | grep -q "nothing to install"'

out=$(make -s print-CC PETSC_DIR=/nonexistent/petsc PETSC_ARCH=arch-x 2>&1); code=$?
echo "make PETSC_DIR=/nonexistent/petsc -> $out"
check "a wrong PETSC_DIR stops the build with a clear message" '[ $code != 0 ] && echo "$out" | grep -q "no PETSc.pc in /nonexistent/petsc/arch-x/lib/pkgconfig"'

# The PETSc this build uses: the system's, or under make test MPI=mpich (MPI=mpich reaches us through MAKEFLAGS) the
# one of build/mpich/prefix.
pcdir=$(make -s print-PETSC_PC_DIR | sed 's/^PETSC_PC_DIR=//')
petsc_pc() { PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" pkg-config "$@" PETSc; }

# A PETSc install of our own making (a copy of the used pkg-config file with another prefix) must be the one used.
pcfile=$(petsc_pc --variable=pcfiledir)/PETSc.pc
mkdir -p "$tmp/petsc/arch-fake/lib/pkgconfig"
sed "s|^prefix=.*|prefix=$tmp/petsc/arch-fake|" "$pcfile" > "$tmp/petsc/arch-fake/lib/pkgconfig/PETSc.pc"
out=$(make -s print-PETSC_PREFIX PETSC_DIR="$tmp/petsc" PETSC_ARCH=arch-fake 2>&1)
check "PETSC_DIR/PETSC_ARCH select that PETSc's pkg-config file ($out)" '[ "$out" = "PETSC_PREFIX=$tmp/petsc/arch-fake" ]'

out=$(make -s print-CC 2>&1)
check "the compiler comes from PETSc's pkg-config file ($out)" '[ "$out" = "CC=$(petsc_pc --variable=ccompiler)" ]'

lib=$(make -s print-LIBHYCAST | sed 's/^LIBHYCAST=//')  # lib/libhycast.a, or under SANITIZE=1 build/asan/lib/...
out=$(make -n V=1 "$lib" -B 2>&1 | grep -c -- "-MMD")
check "objects are compiled with -MMD dependency files ($out compile lines)" '[ "$out" -gt 0 ]'

# SANITIZE=1 (docs/testing.md) builds everything into its own folder, with the sanitizers, and leaves bin/ and lib/ alone.
out=$(make -s print-HYCAST print-LIBHYCAST print-BUILD SANITIZE=1 2>&1 | tr '\n' ' ')
check "SANITIZE=1 builds into its own folder ($out)" \
  'echo "$out" | grep -q "^HYCAST=\([^ ]*/\)\?asan/bin/hycast LIBHYCAST=[^ ]*asan/lib/libhycast.a BUILD=[^ ]*asan $"'
out=$(make -n V=1 -B SANITIZE=1 "$(echo "$out" | sed 's/^HYCAST=\([^ ]*\) .*/\1/')" 2>&1)
check "SANITIZE=1 compiles and links with ASan and UBSan, UB not recoverable" \
  '[ "$(echo "$out" | grep -c -- "-fsanitize=address,undefined .*-fno-sanitize-recover=undefined")" -gt 1 ] &&
   ! echo "$out" | grep -q -- " -o \(bin\|lib\)/"'

# One MPI only: the hycast under test (bin/hycast, or HYCAST_BIN) and every library it loads use the same MPI (OpenMPI's
# libmpi.so.40 by default, MPICH's libmpich.so.12 under MPI=mpich); a library built on the other one (say Debian's
# OpenMPI FFTW-MPI) would load both.
hycast=${HYCAST_BIN:-bin/hycast}
if [ -x "$hycast" ]; then
  out=$(ldd "$hycast" | grep -o -E 'libmpi(ch)?\.so\.[0-9]+' | sort -u | tr '\n' ' ')
  check "$hycast loads one MPI library ($out)" '[ "$(echo $out | wc -w)" = 1 ]'
fi

[ $fail = 0 ] && echo "PASSED" || echo "FAILED"
exit $fail
