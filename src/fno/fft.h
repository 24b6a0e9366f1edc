/* FFTW plumbing of the Fourier layer (private to src/fno/): a forward real-to-complex and an inverse complex-to-real
   plan for `howmany` interleaved channels on an ny x nx real grid, made once and reused.

   Layouts (serial FFTW on one rank, FFTW-MPI on several):
     real     [ys .. ys+ym) rows x rowstride points x howmany channels, rowstride = 2 (nx/2 + 1), columns >= nx unused
     complex  mode (kx, ky) of this rank at ((kx - kxs) sx + ky sy) howmany, ky taken modulo ny.  On several ranks the
              layout is TRANSPOSED (sx = ny, sy = 1: kx outermost, every rank holds whole ky columns of the kx it owns,
              FFTW_MPI_TRANSPOSED_OUT / _IN); on one rank row-major (sx = 1, sy = nx/2 + 1), 3 to 4 times faster than a
              transposed serial plan. */
#ifndef HYCAST_FNO_FFT_H
#define HYCAST_FNO_FFT_H

#include <complex.h> /* before fftw3.h: fftw_complex is then the C99 double complex */
#include <fftw3-mpi.h>
#include <hycast/private/sysimpl.h>

#if !defined(PETSC_USE_REAL_DOUBLE)
#error "hycast's Fourier layer uses double-precision FFTW: build against a PETSc with double-precision reals"
#endif

typedef struct {
  MPI_Comm       comm;
  PetscBool      mpi; /* FFTW-MPI (several ranks) or serial FFTW */
  PetscInt       nx, ny, howmany;
  PetscInt       rowstride; /* points per real row */
  PetscInt       nkx;       /* nx/2 + 1 complex columns */
  PetscInt       ys, ym;    /* real rows of this rank */
  PetscInt       kxs, kxm;  /* kx columns of this rank */
  PetscInt       sx, sy;    /* spectral strides of kx and ky, in units of howmany */
  double        *rbuf;      /* ym * rowstride * howmany */
  fftw_complex  *cbuf;      /* kxm * ny * howmany */
  fftw_plan      fwd, inv;
  PetscLogDouble flops[2]; /* this rank's share of each execution, from fftw_flops() */
  PetscBool      measured; /* planned with FFTW_MEASURE */
} HcFFT;

PETSC_INTERN PetscErrorCode HcFFTCreate_Private(MPI_Comm, PetscInt, PetscInt, PetscInt, PetscBool, HcFFT **);
PETSC_INTERN PetscErrorCode HcFFTForward_Private(HcFFT *);
PETSC_INTERN PetscErrorCode HcFFTInverse_Private(HcFFT *);
PETSC_INTERN PetscErrorCode HcFFTView_Private(HcFFT *, PetscViewer);
PETSC_INTERN PetscErrorCode HcFFTDestroy_Private(HcFFT **);

#endif
