/* The transforms of the Fourier layer (private to src/fno/): the kept modes of W interleaved real channels on an
   NX x NY transform grid, and back, computed as pruned separable transforms.

   Only the modes kx in [0, mx), ky in [-my, my) are used, so a full 2-D transform is not needed: along x, 1-D
   real-to-complex transforms of every row (FFTW); then only the mx kept kx columns go on to the 1-D transforms along
   y.  On several ranks each rank owns a slab of whole grid rows for the x transforms and a range of the kept kx columns
   for the y transforms; one MPI_Alltoallv of the kept columns (mx of the NX/2 + 1) moves the data between the two.
   Rows of the transform grid beyond the data (zero padding of non-periodic directions) are zero and never stored.

   Layouts:
     real     this rank's grid rows [ys, ys + ym), nx points each, W channels interleaved: h[(r nx + i) W + a]
     modes    this rank's kx columns [kxs, kxs + kxm), all 2 my ky: H[((kx - kxs) 2 my + ky + my) W + a]  */
#ifndef HYCAST_FNO_FFT_H
#define HYCAST_FNO_FFT_H

#include <complex.h> /* before fftw3.h: fftw_complex is then the C99 double complex */
#include <fftw3.h>
#include <hycast/private/sysimpl.h>

#if !defined(PETSC_USE_REAL_DOUBLE)
#error "hycast's Fourier layer uses double-precision FFTW: build against a PETSc with double-precision reals"
#endif

typedef struct {
  MPI_Comm       comm;
  PetscMPIInt    size, rank;
  PetscInt       nx, ny, NX, NY, nkx; /* data points, transform lengths, NX/2 + 1 complex columns */
  PetscInt       W, mx, my;           /* channels; kept modes */
  PetscInt       ys, ym;              /* grid rows of this rank */
  PetscInt       kxs, kxm;            /* kept kx columns of this rank */
  PetscInt      *rowstart, *colstart; /* per rank: first row, first kept column (size + 1 entries) */
  int           *cnt, *dsp;           /* Alltoallv counts and displacements (reals): forward, then inverse */
  double        *rows;                /* ym x W x NX reals: a contiguous row per (grid row, channel) */
  fftw_complex  *spec;                /* ym x W x nkx: spectra of the rows */
  fftw_complex  *col, *colout;        /* NY x kxm x W: the kept columns before and after the y transforms */
  fftw_complex  *sbuf, *rbuf;         /* the transpose */
  fftw_plan      fx, ix, fy, iy;      /* r2c and c2r along x (every row), forward and backward c2c along y (kept columns) */
  PetscLogDouble flops[2];            /* this rank's flops of a forward and of an inverse, FFTW's count */
  PetscBool      measured;            /* planned with FFTW_MEASURE */
} HcFFT;

PETSC_INTERN PetscErrorCode HcFFTCreate_Private(MPI_Comm, PetscInt, PetscInt, PetscInt, PetscInt, PetscInt, PetscInt, PetscInt,
                                                PetscBool, HcFFT **);
PETSC_INTERN PetscErrorCode HcFFTForwardModes_Private(HcFFT *, const PetscReal[], fftw_complex[]);
PETSC_INTERN PetscErrorCode HcFFTInverseModes_Private(HcFFT *, const fftw_complex[], PetscReal[]);
PETSC_INTERN PetscErrorCode HcFFTView_Private(HcFFT *, PetscViewer);
PETSC_INTERN PetscErrorCode HcFFTDestroy_Private(HcFFT **);

#endif
