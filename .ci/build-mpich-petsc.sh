#!/usr/bin/env bash
# Build the MPICH flavour of hycast's dependencies (make deps MPI=mpich calls this):
#   1. Debian's MPICH (mpich, libmpich-dev) and the build tools, when missing;
#   2. FFTW 3 (double precision, with its MPI library) from Debian's source package, compiled with MPICH's mpicc;
#   3. PETSc 3.18 from Debian's source package, configured with MPICH and that FFTW, without the optional packages
#      hycast does not use.
# Everything is installed into PREFIX (default build/mpich/prefix); the unpacked sources and logs live in
# build/mpich/src.  Each stage leaves a stamp file in PREFIX, so a rerun is a no-op.  Durations are printed.
#
# usage: .ci/build-mpich-petsc.sh [PREFIX]        (environment: JOBS=N parallel make jobs, default: number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PREFIX=${1:-${PREFIX:-build/mpich/prefix}}
mkdir -p "$PREFIX"
PREFIX=$(cd "$PREFIX" && pwd)
WORK=$ROOT/build/mpich/src
mkdir -p "$WORK"
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 1)}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
MPICC=mpicc.mpich
MPIEXEC=mpiexec.mpich

say() { echo "build-mpich-petsc: $*"; }
elapsed() { local s=$(($(date +%s) - $1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
T_ALL=$(date +%s)

# ---- 1. Debian packages: MPICH and what the two source builds need (no Fortran: PETSc is configured --with-fc=0)
PKGS="mpich libmpich-dev build-essential dpkg-dev python3 pkg-config liblapack-dev libblas-dev"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  t=$(date +%s)
  say "installing$missing"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing > /dev/null
  say "packages installed in $(elapsed "$t")"
fi
command -v $MPICC > /dev/null || { say "$MPICC not found after installing mpich"; exit 1; }

# ---- Debian source packages through a private apt configuration: a deb-src entry of our own, its own lists; the
# system's sources, lists and caches are left as they are.
APTDIR=$ROOT/build/mpich/apt
APT_OPTS=(-o "Dir::Etc::SourceList=$APTDIR/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$APTDIR/lists" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
  -o "APT::Sandbox::User=root")
apt_source_setup() {
  [ -f "$APTDIR/.updated" ] && return 0
  mkdir -p "$APTDIR/lists/partial"
  local codename uri="" keyring=""
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  # The URI of the system's main Debian entry: deb822 (.sources) stanzas first, then one-line sources.list entries.
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    read -r uri keyring < <(awk -v s="$codename" '
      function flush() { if (u != "" && (" " suites " ") ~ (" " s " ")) { print u, k; found = 1; exit } u = k = suites = "" }
      /^[ \t]*$/ { flush(); next }
      /^URIs:/ { u = $2 } /^Suites:/ { $1 = ""; suites = $0 } /^Signed-By:/ { k = $2 }
      END { if (!found) flush() }' "$f") || true
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk -v s="$codename" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($(i + 1) == s) { print $i; exit } } }')
  fi
  uri=${uri:-http://deb.debian.org/debian}
  local opts=""
  [ -n "$keyring" ] && [ -f "$keyring" ] && opts="[signed-by=$keyring] "
  echo "deb-src ${opts}$uri $codename main" > "$APTDIR/sources.list"
  say "private apt source: $(cat "$APTDIR/sources.list")"
  apt-get "${APT_OPTS[@]}" update -qq
  touch "$APTDIR/.updated"
}
# unpack Debian's source of package $1 into $WORK/$1 (a directory named after the package, whatever its version)
apt_source() {
  local pkg=$1
  [ -f "$WORK/$pkg/.unpacked" ] && return 0
  apt_source_setup
  rm -rf "$WORK/$pkg" "$WORK/$pkg.dl"
  mkdir -p "$WORK/$pkg.dl"
  (cd "$WORK/$pkg.dl" && apt-get "${APT_OPTS[@]}" source -qq "$pkg" > /dev/null)
  local dir
  dir=$(find "$WORK/$pkg.dl" -mindepth 1 -maxdepth 1 -type d | head -n 1)
  [ -n "$dir" ] || { say "apt-get source $pkg unpacked nothing"; exit 1; }
  mv "$dir" "$WORK/$pkg"
  rm -rf "$WORK/$pkg.dl"
  touch "$WORK/$pkg/.unpacked"
}

# both sources first (network), then the two builds
[ -f "$PREFIX/.stamp-fftw" ] || apt_source fftw3
[ -f "$PREFIX/.stamp-petsc" ] || apt_source petsc

# ---- 2. FFTW with its MPI library, compiled with MPICH (Debian's libfftw3-mpi is built on OpenMPI)
if [ -f "$PREFIX/.stamp-fftw" ]; then
  say "FFTW-MPI (MPICH) already built in $PREFIX ($(cat "$PREFIX/.stamp-fftw"))"
else
  t=$(date +%s)
  say "FFTW: source $(cd "$WORK/fftw3" && dpkg-parsechangelog -S Version 2> /dev/null || echo '?'), building in $WORK/fftw3"
  (
    cd "$WORK/fftw3"
    # double precision only, shared, with MPI; no Fortran wrappers, no threads, no documentation
    ./configure --prefix="$PREFIX" --enable-shared --enable-mpi --disable-fortran --disable-doc --enable-sse2 \
      --enable-avx CC=$MPICC MPICC=$MPICC CFLAGS="-O3 -g0" > "$WORK/fftw-configure.log" 2>&1
    make -j"$JOBS" > "$WORK/fftw-make.log" 2>&1
    make install > "$WORK/fftw-install.log" 2>&1
  ) || { say "FFTW build failed: see the logs in $WORK"; exit 1; }
  [ -f "$PREFIX/lib/libfftw3_mpi.so" ] || { say "no $PREFIX/lib/libfftw3_mpi.so after make install"; exit 1; }
  echo "built in $(elapsed "$t") on $(date -u +%F)" > "$PREFIX/.stamp-fftw"
  say "FFTW-MPI (MPICH) built and installed in $(elapsed "$t")"
fi

# ---- 3. PETSc 3.18 (Debian's source, with Debian's patches) on MPICH and that FFTW
if [ -f "$PREFIX/.stamp-petsc" ]; then
  say "PETSc (MPICH) already built in $PREFIX ($(cat "$PREFIX/.stamp-petsc"))"
else
  src=$WORK/petsc
  say "PETSc: source $(cd "$src" && dpkg-parsechangelog -S Version 2> /dev/null || echo '?'), building in $src"
  t=$(date +%s)
  arch=arch-mpich
  (
    cd "$src"
    rm -rf "$arch"
    # Debian's build-no-rpath.patch stops PETSc from recording where its libraries' dependencies are (Debian installs
    # them into /usr).  In PREFIX, libpetsc.so needs an rpath to find PREFIX's libfftw3_mpi: without one the loader
    # takes the system's OpenMPI-built libfftw3_mpi.so.3 (when libfftw3-mpi3 is installed) and with it libmpi.so.40.
    if [ ! -f .rpath-restored ] && [ -f debian/patches/build-no-rpath.patch ]; then
      patch -R -p1 -s < debian/patches/build-no-rpath.patch
      touch .rpath-restored
    fi
    # Only what hycast uses: C (no C++, no Fortran), MPICH, FFTW (with MPI), Debian's BLAS/LAPACK; nothing downloaded,
    # no X, no debugging; no GPU compilers even when one is installed (configure would pick up an nvcc on the PATH or
    # in /usr/local/cuda).
    unset PETSC_DIR PETSC_ARCH
    python3 ./configure PETSC_ARCH=$arch --prefix="$PREFIX" \
      --with-cc=$MPICC --with-cxx=0 --with-fc=0 --with-mpiexec=$MPIEXEC \
      --with-debugging=0 --with-shared-libraries=1 --COPTFLAGS="-O2" \
      --with-fftw=1 --with-fftw-dir="$PREFIX" \
      --with-blaslapack-lib="-llapack -lblas" \
      --with-x=0 --with-hdf5=0 --with-netcdf=0 --with-hypre=0 --with-mumps=0 --with-scalapack=0 --with-superlu=0 \
      --with-superlu_dist=0 --with-suitesparse=0 --with-ptscotch=0 --with-metis=0 --with-parmetis=0 \
      --with-yaml=0 --with-hwloc=0 --with-ssl=0 --with-zlib=0 \
      --with-cudac=0 --with-hipc=0 --with-syclc=0 --with-cuda=0 --with-hip=0 --with-sycl=0 --with-opencl=0 \
      --with-make-np="$JOBS" > "$WORK/petsc-configure.log" 2>&1
  ) || { say "PETSc configure failed: see $WORK/petsc-configure.log and $src/configure.log"; exit 1; }
  say "PETSc configured in $(elapsed "$t")"
  t2=$(date +%s)
  (
    cd "$src"
    unset PETSC_DIR PETSC_ARCH
    make PETSC_DIR="$src" PETSC_ARCH=$arch all > "$WORK/petsc-make.log" 2>&1
  ) || { say "PETSc build failed: see $WORK/petsc-make.log"; exit 1; }
  say "PETSc compiled in $(elapsed "$t2")"
  (
    cd "$src"
    unset PETSC_DIR PETSC_ARCH
    make PETSC_DIR="$src" PETSC_ARCH=$arch install > "$WORK/petsc-install.log" 2>&1
  ) || { say "PETSc install failed: see $WORK/petsc-install.log"; exit 1; }
  [ -f "$PREFIX/lib/pkgconfig/PETSc.pc" ] || { say "no $PREFIX/lib/pkgconfig/PETSc.pc after make install"; exit 1; }
  # every MPI library that libpetsc.so loads must be MPICH's, FFTW included
  if ldd "$PREFIX/lib/libpetsc.so" | grep -q 'libmpi\.so\.'; then
    say "$PREFIX/lib/libpetsc.so loads OpenMPI's libmpi:"; ldd "$PREFIX/lib/libpetsc.so" | grep -E 'mpi|fftw'; exit 1
  fi
  ldd "$PREFIX/lib/libpetsc.so" | grep -q "libfftw3_mpi.so.* => $PREFIX/lib/" ||
    { say "$PREFIX/lib/libpetsc.so does not load the libfftw3_mpi of $PREFIX"; exit 1; }
  echo "built in $(elapsed "$t") on $(date -u +%F)" > "$PREFIX/.stamp-petsc"
  say "PETSc (MPICH) built and installed in $(elapsed "$t")"
fi
say "MPICH prefix ready: $PREFIX (this run: $(elapsed "$T_ALL"))"
