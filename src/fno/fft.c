/* FFTW plans of the Fourier layer: serial FFTW on one rank, FFTW-MPI (slabs of whole rows) on several.  Plans are made
   once by HcFFTCreate_Private() and executed on the same buffers by every product. */
#include "fft.h"

static PetscBool HcFFTWMPIInitialized = PETSC_FALSE;

static PetscErrorCode HcFFTFinalize_Private(void)
{
  PetscFunctionBegin;
  if (HcFFTWMPIInitialized) fftw_mpi_cleanup();
  HcFFTWMPIInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* fftw_mpi_init() once per process, fftw_mpi_cleanup() at PetscFinalize() (objects must be destroyed by then). */
static PetscErrorCode HcFFTWMPIInitialize_Private(void)
{
  PetscFunctionBegin;
  if (HcFFTWMPIInitialized) PetscFunctionReturn(0);
  fftw_mpi_init();
  HcFFTWMPIInitialized = PETSC_TRUE;
  PetscCall(PetscRegisterFinalize(HcFFTFinalize_Private));
  PetscFunctionReturn(0);
}

static PetscLogDouble HcFFTPlanFlops_Private(fftw_plan p)
{
  double add = 0, mul = 0, fma = 0;

  fftw_flops(p, &add, &mul, &fma);
  return (PetscLogDouble)(add + mul + 2 * fma);
}

/* Serial plans: row-major spectral layout, channels interleaved as in the real data. */
static PetscErrorCode HcFFTPlanSerial_Private(HcFFT *fft, unsigned flags)
{
  const int    W = (int)fft->howmany, n[2] = {(int)fft->ny, (int)fft->nx}, rs = (int)fft->rowstride, nk = (int)fft->nkx;
  const int    rembed[2] = {n[0], rs}, cembed[2] = {n[0], nk};
  const size_t nr = (size_t)n[0] * rs * W, nc = (size_t)n[0] * nk * W;

  PetscFunctionBegin;
  fft->ys  = 0;
  fft->ym  = fft->ny;
  fft->kxs = 0;
  fft->kxm = fft->nkx;
  fft->sx  = 1;
  fft->sy  = fft->nkx;
  HcCallFFTW(fft->comm, fft->rbuf = fftw_alloc_real(nr), "allocate the real transform buffer");
  HcCallFFTW(fft->comm, fft->cbuf = fftw_alloc_complex(nc), "allocate the spectral buffer");
  HcCallFFTW(fft->comm, fft->fwd = fftw_plan_many_dft_r2c(2, n, W, fft->rbuf, rembed, W, 1, fft->cbuf, cembed, W, 1, flags),
             "plan the forward real-to-complex transform");
  HcCallFFTW(fft->comm, fft->inv = fftw_plan_many_dft_c2r(2, n, W, fft->cbuf, cembed, W, 1, fft->rbuf, rembed, W, 1, flags),
             "plan the inverse complex-to-real transform");
  PetscFunctionReturn(0);
}

static PetscErrorCode HcFFTPlanMPI_Private(HcFFT *fft, unsigned flags)
{
  const ptrdiff_t nreal[2] = {fft->ny, fft->nx}, ncplx[2] = {fft->ny, fft->nkx};
  ptrdiff_t       alloc, ln0, l0s, ln1, l1s;

  PetscFunctionBegin;
  PetscCall(HcFFTWMPIInitialize_Private());
  alloc   = fftw_mpi_local_size_many_transposed(2, ncplx, fft->howmany, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, fft->comm,
                                                &ln0, &l0s, &ln1, &l1s);
  fft->ys = (PetscInt)l0s;
  fft->ym = (PetscInt)ln0;
  fft->kxs = (PetscInt)l1s;
  fft->kxm = (PetscInt)ln1;
  fft->sx  = fft->ny;
  fft->sy  = 1;
  alloc    = PetscMax(alloc, 1);
  HcCallFFTW(fft->comm, fft->rbuf = fftw_alloc_real(2 * (size_t)alloc), "allocate the real transform buffer");
  HcCallFFTW(fft->comm, fft->cbuf = fftw_alloc_complex((size_t)alloc), "allocate the spectral buffer");
  HcCallFFTW(fft->comm,
             fft->fwd = fftw_mpi_plan_many_dft_r2c(2, nreal, fft->howmany, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK,
                                                   fft->rbuf, fft->cbuf, fft->comm, flags | FFTW_MPI_TRANSPOSED_OUT),
             "plan the distributed forward real-to-complex transform");
  HcCallFFTW(fft->comm,
             fft->inv = fftw_mpi_plan_many_dft_c2r(2, nreal, fft->howmany, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK,
                                                   fft->cbuf, fft->rbuf, fft->comm, flags | FFTW_MPI_TRANSPOSED_IN),
             "plan the distributed inverse complex-to-real transform");
  PetscFunctionReturn(0);
}

/*
  HcFFTCreate_Private - plans for howmany channels on an ny x nx real grid over comm; measure selects FFTW_MEASURE
  (slower planning, faster transforms) instead of FFTW_ESTIMATE.  Collective.
*/
PetscErrorCode HcFFTCreate_Private(MPI_Comm comm, PetscInt nx, PetscInt ny, PetscInt howmany, PetscBool measure, HcFFT **out)
{
  HcFFT      *fft;
  PetscMPIInt size;
  /* inputs are rewritten before every execution, so FFTW may use them as scratch */
  const unsigned flags = (measure ? FFTW_MEASURE : FFTW_ESTIMATE) | FFTW_DESTROY_INPUT;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscNew(&fft));
  fft->comm      = comm;
  fft->mpi       = size > 1 ? PETSC_TRUE : PETSC_FALSE;
  fft->nx        = nx;
  fft->ny        = ny;
  fft->howmany   = howmany;
  fft->nkx       = nx / 2 + 1;
  fft->rowstride = 2 * fft->nkx;
  fft->measured  = measure;
  if (fft->mpi)
    PetscCall(HcFFTPlanMPI_Private(fft, flags));
  else
    PetscCall(HcFFTPlanSerial_Private(fft, flags));
  /* fftw_flops() counts the whole distributed transform: log this rank's share */
  fft->flops[0] = HcFFTPlanFlops_Private(fft->fwd) / size;
  fft->flops[1] = HcFFTPlanFlops_Private(fft->inv) / size;
  *out          = fft;
  PetscFunctionReturn(0);
}

PetscErrorCode HcFFTForward_Private(HcFFT *fft)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(HC_FFT, 0, 0, 0, 0));
  if (fft->mpi)
    fftw_mpi_execute_dft_r2c(fft->fwd, fft->rbuf, fft->cbuf);
  else
    fftw_execute(fft->fwd);
  PetscCall(PetscLogFlops(fft->flops[0]));
  PetscCall(PetscLogEventEnd(HC_FFT, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode HcFFTInverse_Private(HcFFT *fft)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(HC_FFT, 0, 0, 0, 0));
  if (fft->mpi)
    fftw_mpi_execute_dft_c2r(fft->inv, fft->cbuf, fft->rbuf);
  else
    fftw_execute(fft->inv);
  PetscCall(PetscLogFlops(fft->flops[1]));
  PetscCall(PetscLogEventEnd(HC_FFT, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode HcFFTView_Private(HcFFT *fft, PetscViewer viewer)
{
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(fft->comm, &size));
  if (fft->mpi)
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "FFTW-MPI on %d ranks: real data in slabs of whole rows, spectral data transposed "
                                     "(kx columns distributed), %" PetscInt_FMT " channels per transform, plans %s\n",
                                     size, fft->howmany, fft->measured ? "measured" : "estimated"));
  else
    PetscCall(PetscViewerASCIIPrintf(
        viewer, "serial FFTW (row-major spectral layout), %" PetscInt_FMT " channels per transform, plans %s\n", fft->howmany,
        fft->measured ? "measured" : "estimated"));
  PetscCall(PetscViewerASCIIPrintf(viewer, "flops of a forward + inverse transform (FFTW's count, all ranks): %.4g\n",
                                   (double)(fft->flops[0] + fft->flops[1]) * size));
  PetscFunctionReturn(0);
}

PetscErrorCode HcFFTDestroy_Private(HcFFT **fft)
{
  PetscFunctionBegin;
  if (!*fft) PetscFunctionReturn(0);
  if ((*fft)->fwd) fftw_destroy_plan((*fft)->fwd);
  if ((*fft)->inv) fftw_destroy_plan((*fft)->inv);
  if ((*fft)->rbuf) fftw_free((*fft)->rbuf);
  if ((*fft)->cbuf) fftw_free((*fft)->cbuf);
  PetscCall(PetscFree(*fft));
  PetscFunctionReturn(0);
}
