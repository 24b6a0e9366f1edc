/* Pruned separable transforms of the Fourier layer (fft.h): 1-D FFTW transforms along x for every row and along y for
   the kept kx columns only, with one MPI_Alltoallv of the kept columns between them on several ranks.  Plans and
   buffers are made once by HcFFTCreate_Private() and reused by every product. */
#include "fft.h"
#include <hycast/private/kernelimpl.h>

static PetscLogDouble HcFFTPlanFlops_Private(fftw_plan p)
{
  double add = 0, mul = 0, fma = 0;

  if (!p) return 0;
  fftw_flops(p, &add, &mul, &fma);
  return (PetscLogDouble)(add + mul + 2 * fma);
}

/* n items split as evenly as possible over size ranks: start[r] = first item of rank r, start[size] = n */
static void HcFFTSplit_Private(PetscInt n, PetscMPIInt size, PetscInt start[])
{
  start[0] = 0;
  for (PetscMPIInt r = 0; r < size; r++) start[r + 1] = start[r] + n / size + (r < n % size ? 1 : 0);
}

/* Alltoallv counts and displacements in reals: the forward transpose sends this rank's rows of every rank's kept
   columns; the inverse sends every rank's rows of this rank's columns. */
static void HcFFTCounts_Private(HcFFT *fft)
{
  const PetscMPIInt n = fft->size;
  int *fsc = fft->cnt, *fsd = fft->dsp, *frc = fsc + n, *frd = fsd + n, *isc = frc + n, *isd = frd + n, *irc = isc + n,
      *ird = isd + n;

  for (PetscMPIInt d = 0; d < n; d++) {
    const PetscInt ymd = fft->rowstart[d + 1] - fft->rowstart[d], kxmd = fft->colstart[d + 1] - fft->colstart[d];

    fsc[d] = (int)(2 * fft->ym * kxmd * fft->W); /* forward: my rows of d's columns */
    frc[d] = (int)(2 * ymd * fft->kxm * fft->W); /* forward: d's rows of my columns */
    isc[d] = frc[d];                             /* inverse: the reverse */
    irc[d] = fsc[d];
    fsd[d] = d ? fsd[d - 1] + fsc[d - 1] : 0;
    frd[d] = d ? frd[d - 1] + frc[d - 1] : 0;
    isd[d] = d ? isd[d - 1] + isc[d - 1] : 0;
    ird[d] = d ? ird[d - 1] + irc[d - 1] : 0;
  }
}

static PetscErrorCode HcFFTPlan_Private(HcFFT *fft, unsigned flags)
{
  const int W = (int)fft->W, NX = (int)fft->NX, NY = (int)fft->NY, nkx = (int)fft->nkx, ym = (int)fft->ym;
  const int kw = (int)(fft->kxm * fft->W);

  PetscFunctionBegin;
  if (ym > 0) {
    /* contiguous rows, one per (grid row, channel): FFTW's fastest case (interleaved channels, stride W, took 1.6x as
       long forward and 2.3x as long inverse at NX = 128, W = 16, 64 rows: micro-benchmark, FFTW_MEASURE) */
    HcCallFFTW(fft->comm,
               fft->fx = fftw_plan_many_dft_r2c(1, &NX, ym * W, fft->rows, NULL, 1, NX, fft->spec, NULL, 1, nkx,
                                                flags | FFTW_DESTROY_INPUT),
               "plan the transforms along x");
    HcCallFFTW(fft->comm,
               fft->ix = fftw_plan_many_dft_c2r(1, &NX, ym * W, fft->spec, NULL, 1, nkx, fft->rows, NULL, 1, NX,
                                                flags | FFTW_DESTROY_INPUT),
               "plan the inverse transforms along x");
  }
  if (kw > 0) {
    /* out of place, input preserved: the zero rows of the inputs (padding, modes not kept) are written once */
    HcCallFFTW(fft->comm,
               fft->fy = fftw_plan_many_dft(1, &NY, kw, fft->col, NULL, kw, 1, fft->colout, NULL, kw, 1, FFTW_FORWARD,
                                            flags | FFTW_PRESERVE_INPUT),
               "plan the transforms along y");
    HcCallFFTW(fft->comm,
               fft->iy = fftw_plan_many_dft(1, &NY, kw, fft->col + (size_t)NY * kw, NULL, kw, 1, fft->colout, NULL, kw, 1,
                                            FFTW_BACKWARD, flags | FFTW_PRESERVE_INPUT),
               "plan the inverse transforms along y");
  }
  PetscFunctionReturn(0);
}

/* Plans on every rank.  Measured plans are measured on rank 0 and handed to the others as FFTW wisdom: the ranks'
   transforms have the same sizes (rows and columns split evenly), and plans measured on each rank separately came out
   different, one rank's slower transforms making the others wait at the transposes. */
static PetscErrorCode HcFFTPlanShared_Private(HcFFT *fft)
{
  const unsigned flags  = fft->measured ? FFTW_MEASURE : FFTW_ESTIMATE; /* FFTW_MEASURE is 0: no flag to test */
  char          *wisdom = NULL;
  unsigned long  len    = 0;
  PetscMPIInt    n;
  int            ok = 1;

  PetscFunctionBegin;
  if (!fft->measured || fft->size == 1) {
    PetscCall(HcFFTPlan_Private(fft, flags));
    PetscFunctionReturn(0);
  }
  if (fft->rank == 0) {
    /* a failure here is reported on every rank below (len 0), not left for the others to wait on */
    if (!HcFFTPlan_Private(fft, flags)) wisdom = fftw_export_wisdom_to_string();
    len = wisdom ? (unsigned long)strlen(wisdom) + 1 : 0;
  }
  PetscCallMPI(MPI_Bcast(&len, 1, MPI_UNSIGNED_LONG, 0, fft->comm));
  PetscCheck(len > 0, fft->comm, PETSC_ERR_LIB, "FFTW: rank 0 could not measure its plans or export them as wisdom");
  PetscCall(PetscMPIIntCast((PetscInt)len, &n));
  if (fft->rank) PetscCall(PetscMalloc1(len, &wisdom));
  PetscCallMPI(MPI_Bcast(wisdom, n, MPI_CHAR, 0, fft->comm));
  if (fft->rank) {
    ok = fftw_import_wisdom_from_string(wisdom);
    PetscCall(PetscFree(wisdom));
  } else
    free(wisdom); /* FFTW's string comes from malloc */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, fft->comm));
  PetscCheck(ok, fft->comm, PETSC_ERR_LIB, "FFTW: a rank could not import rank 0's plans (wisdom)");
  if (fft->rank) PetscCall(HcFFTPlan_Private(fft, flags)); /* from the wisdom; transforms of other sizes are measured here */
  PetscFunctionReturn(0);
}

/*
  HcFFTCreate_Private - plans for W channels of nx x ny data on an NX x NY transform grid (NX >= nx, NY >= ny: zero
  padding), keeping the modes kx in [0, mx), ky in [-my, my); measure selects FFTW_MEASURE instead of FFTW_ESTIMATE.
  Collective.
*/
PetscErrorCode HcFFTCreate_Private(MPI_Comm comm, PetscInt nx, PetscInt ny, PetscInt NX, PetscInt NY, PetscInt W, PetscInt mx,
                                   PetscInt my, PetscBool measure, HcFFT **out)
{
  HcFFT *fft;
  size_t nt;

  PetscFunctionBegin;
  PetscCall(PetscNew(&fft));
  fft->comm = comm;
  PetscCallMPI(MPI_Comm_size(comm, &fft->size));
  PetscCallMPI(MPI_Comm_rank(comm, &fft->rank));
  fft->nx       = nx;
  fft->ny       = ny;
  fft->NX       = NX;
  fft->NY       = NY;
  fft->nkx      = NX / 2 + 1;
  fft->W        = W;
  fft->mx       = mx;
  fft->my       = my;
  fft->measured = measure;
  PetscCall(PetscMalloc4(fft->size + 1, &fft->rowstart, fft->size + 1, &fft->colstart, 4 * fft->size, &fft->cnt, 4 * fft->size,
                         &fft->dsp));
  HcFFTSplit_Private(ny, fft->size, fft->rowstart);
  HcFFTSplit_Private(mx, fft->size, fft->colstart);
  fft->ys  = fft->rowstart[fft->rank];
  fft->ym  = fft->rowstart[fft->rank + 1] - fft->ys;
  fft->kxs = fft->colstart[fft->rank];
  fft->kxm = fft->colstart[fft->rank + 1] - fft->kxs;
  HcFFTCounts_Private(fft);
  nt = (size_t)PetscMax(fft->ym * mx, ny * fft->kxm) * W;
  HcCallFFTW(comm, fft->rows = fftw_alloc_real((size_t)PetscMax(fft->ym * NX * W, 1)), "allocate the rows");
  HcCallFFTW(comm, fft->spec = fftw_alloc_complex((size_t)PetscMax(fft->ym * fft->nkx * W, 1)), "allocate the row spectra");
  HcCallFFTW(comm, fft->col = fftw_alloc_complex((size_t)PetscMax(2 * NY * fft->kxm * W, 1)), "allocate the columns");
  HcCallFFTW(comm, fft->colout = fftw_alloc_complex((size_t)PetscMax(NY * fft->kxm * W, 1)), "allocate the columns");
  HcCallFFTW(comm, fft->sbuf = fftw_alloc_complex(PetscMax(nt, 1)), "allocate the transpose buffers");
  HcCallFFTW(comm, fft->rbuf = fftw_alloc_complex(PetscMax(nt, 1)), "allocate the transpose buffers");
  PetscCall(HcFFTPlanShared_Private(fft));
  /* planning with FFTW_MEASURE overwrites the buffers: the zeros go in afterwards */
  PetscCall(PetscMemzero(fft->col, sizeof(fftw_complex) * (size_t)PetscMax(2 * NY * fft->kxm * W, 1)));
  fft->flops[0] = HcFFTPlanFlops_Private(fft->fx) + HcFFTPlanFlops_Private(fft->fy);
  fft->flops[1] = HcFFTPlanFlops_Private(fft->ix) + HcFFTPlanFlops_Private(fft->iy);
  *out          = fft;
  PetscFunctionReturn(0);
}

/* ---- layouts: the data keep a cell's W channels together (h[i W + a]); the x transforms take a grid row as W
   contiguous rows of NX reals (row[a NX + i], zero beyond nx) and give W rows of nkx modes (spec[a nkx + kx]); the kept
   columns and the y transforms keep a mode's W channels together (col[kx W + a]).  These copies transpose between the
   two within one grid row (a few KB, in cache). */

#define HC_KERNEL_FILE "fno/fft-kernels.h"
#include <hycast/private/kernellevels.h>

/* one grid row in: row[a NX + i] = h[i W + a], zero for i >= nx */
static void HcFFTRowsIn_Private(PetscInt nx, PetscInt NX, PetscInt W, const PetscReal *h, double *row)
{
  HC_KCALL(HcFFTTranspose_Private, (nx, W, h, W, row, NX));
  for (PetscInt a = 0; a < W; a++)
    for (PetscInt i = nx; i < NX; i++) row[a * NX + i] = 0;
}

/* one grid row out: out[i W + a] = row[a NX + i], i < nx */
static void HcFFTRowsOut_Private(PetscInt nx, PetscInt NX, PetscInt W, const double *row, PetscReal *out)
{
  HC_KCALL(HcFFTTranspose_Private, (W, nx, row, NX, out, W));
}

/* the kept columns [c0, c0 + n) of one grid row's spectra, channels together: dst[(kx - c0) W + a] = spec[a nkx + kx] */
static void HcFFTColumnsOut_Private(PetscInt nkx, PetscInt W, PetscInt c0, PetscInt n, const fftw_complex *spec,
                                    fftw_complex *dst)
{
  for (PetscInt k = 0; k < n; k++)
    for (PetscInt a = 0; a < W; a++) dst[k * W + a] = spec[a * nkx + c0 + k];
}

/* and back: spec[a nkx + kx] = src[(kx - c0) W + a] */
static void HcFFTColumnsIn_Private(PetscInt nkx, PetscInt W, PetscInt c0, PetscInt n, const fftw_complex *src, fftw_complex *spec)
{
  for (PetscInt k = 0; k < n; k++)
    for (PetscInt a = 0; a < W; a++) spec[a * nkx + c0 + k] = src[k * W + a];
}

/*
  HcFFTForwardModes_Private - H = the kept modes of this rank's columns of the real channels h (this rank's rows),
  divided by NX NY.  Collective.
*/
PetscErrorCode HcFFTForwardModes_Private(HcFFT *fft, const PetscReal h[], fftw_complex H[])
{
  const PetscInt  W = fft->W, nx = fft->nx, NX = fft->NX, nkx = fft->nkx, kxm = fft->kxm, NY = fft->NY, my = fft->my;
  const PetscReal scale = 1 / ((PetscReal)fft->NX * (PetscReal)fft->NY);
  fftw_complex   *col   = fft->col; /* the forward input: rows >= ny stay zero */

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(HC_FFT, 0, 0, 0, 0));
  for (PetscInt r = 0; r < fft->ym; r++) HcFFTRowsIn_Private(nx, NX, W, h + r * nx * W, fft->rows + r * W * NX);
  if (fft->fx) fftw_execute(fft->fx);
  if (fft->size == 1) {
    for (PetscInt r = 0; r < fft->ym; r++) HcFFTColumnsOut_Private(nkx, W, 0, kxm, fft->spec + r * W * nkx, col + r * kxm * W);
  } else {
    const int *sc = fft->cnt, *sd = fft->dsp, *rc = sc + fft->size, *rd = sd + fft->size;

    for (PetscMPIInt d = 0; d < fft->size; d++) {
      const PetscInt c0 = fft->colstart[d], n = (fft->colstart[d + 1] - c0) * W;

      for (PetscInt r = 0; r < fft->ym; r++)
        HcFFTColumnsOut_Private(nkx, W, c0, fft->colstart[d + 1] - c0, fft->spec + r * W * nkx, fft->sbuf + sd[d] / 2 + r * n);
    }
    PetscCallMPI(MPI_Alltoallv(fft->sbuf, sc, sd, MPI_DOUBLE, fft->rbuf, rc, rd, MPI_DOUBLE, fft->comm));
    for (PetscMPIInt s = 0; s < fft->size; s++) {
      const PetscInt r0 = fft->rowstart[s], n = fft->rowstart[s + 1] - r0;

      PetscCall(PetscArraycpy(col + r0 * kxm * W, fft->rbuf + rd[s] / 2, n * kxm * W));
    }
  }
  if (fft->fy) fftw_execute(fft->fy);
  for (PetscInt kx = 0; kx < kxm; kx++)
    for (PetscInt k = 0; k < 2 * my; k++) {
      const fftw_complex *src = fft->colout + (((k - my + NY) % NY) * kxm + kx) * W;
      fftw_complex       *dst = H + (kx * 2 * my + k) * W;

      for (PetscInt a = 0; a < W; a++) dst[a] = scale * src[a];
    }
  PetscCall(PetscLogFlops(fft->flops[0]));
  PetscCall(PetscLogEventEnd(HC_FFT, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*
  HcFFTInverseModes_Private - out (this rank's rows) = Re sum_k c_k Y_k e^{i k.x} over every rank's kept modes Y (this
  rank's columns given here), c_k = 1 for kx = 0 and 2 for kx > 0.  Collective.
*/
PetscErrorCode HcFFTInverseModes_Private(HcFFT *fft, const fftw_complex Y[], PetscReal out[])
{
  const PetscInt W = fft->W, nx = fft->nx, NX = fft->NX, nkx = fft->nkx, kxm = fft->kxm, NY = fft->NY, my = fft->my;
  fftw_complex  *col = fft->col + (size_t)NY * kxm * W; /* the inverse input: rows of modes not kept stay zero */

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(HC_FFT, 0, 0, 0, 0));
  for (PetscInt kx = 0; kx < kxm; kx++)
    for (PetscInt k = 0; k < 2 * my; k++)
      PetscCall(PetscArraycpy(col + (((k - my + NY) % NY) * kxm + kx) * W, Y + (kx * 2 * my + k) * W, W));
  if (fft->iy) fftw_execute(fft->iy);
  /* the row spectra: the kept columns from the y transforms, zero elsewhere (the c2r transform destroys its input) */
  PetscCall(PetscMemzero(fft->spec, sizeof(fftw_complex) * (size_t)(fft->ym * nkx * W)));
  if (fft->size == 1) {
    for (PetscInt r = 0; r < fft->ym; r++)
      HcFFTColumnsIn_Private(nkx, W, 0, kxm, fft->colout + r * kxm * W, fft->spec + r * W * nkx);
  } else {
    const int *sc = fft->cnt + 2 * fft->size, *sd = fft->dsp + 2 * fft->size, *rc = sc + fft->size, *rd = sd + fft->size;

    for (PetscMPIInt d = 0; d < fft->size; d++) {
      const PetscInt r0 = fft->rowstart[d], n = fft->rowstart[d + 1] - r0;

      PetscCall(PetscArraycpy(fft->sbuf + sd[d] / 2, fft->colout + r0 * kxm * W, n * kxm * W));
    }
    PetscCallMPI(MPI_Alltoallv(fft->sbuf, sc, sd, MPI_DOUBLE, fft->rbuf, rc, rd, MPI_DOUBLE, fft->comm));
    for (PetscMPIInt s = 0; s < fft->size; s++) {
      const PetscInt c0 = fft->colstart[s], n = (fft->colstart[s + 1] - c0) * W;

      for (PetscInt r = 0; r < fft->ym; r++)
        HcFFTColumnsIn_Private(nkx, W, c0, fft->colstart[s + 1] - c0, fft->rbuf + rd[s] / 2 + r * n, fft->spec + r * W * nkx);
    }
  }
  /* kx = 0 carries Re of its y sums: the c2r transform reads the real part only, made explicit here */
  for (PetscInt q = 0; q < fft->ym * W; q++) fft->spec[q * nkx] = creal(fft->spec[q * nkx]);
  if (fft->ix) fftw_execute(fft->ix);
  for (PetscInt r = 0; r < fft->ym; r++) HcFFTRowsOut_Private(nx, NX, W, fft->rows + r * W * NX, out + r * nx * W);
  PetscCall(PetscLogFlops(fft->flops[1]));
  PetscCall(PetscLogEventEnd(HC_FFT, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* A hash of the four plans' descriptions (fftw_sprint_plan): equal on two ranks when they run the same plans */
static unsigned long HcFFTPlanHash_Private(HcFFT *fft)
{
  fftw_plan     p[4] = {fft->fx, fft->ix, fft->fy, fft->iy};
  unsigned long h    = 5381;

  for (int k = 0; k < 4; k++) {
    char *d = p[k] ? fftw_sprint_plan(p[k]) : NULL;

    for (const char *c = d; c && *c; c++) h = 33 * h + (unsigned char)*c;
    h = 33 * h + (unsigned long)k;
    free(d);
  }
  return h;
}

PetscErrorCode HcFFTView_Private(HcFFT *fft, PetscViewer viewer)
{
  PetscLogDouble flops[2], sum[2];
  unsigned long  h[2];

  PetscFunctionBegin;
  h[0] = HcFFTPlanHash_Private(fft);
  h[1] = ~h[0];
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, h, 2, MPI_UNSIGNED_LONG, MPI_MAX, fft->comm));
  flops[0] = fft->flops[0];
  flops[1] = fft->flops[1];
  PetscCallMPI(MPI_Allreduce(flops, sum, 2, MPI_DOUBLE, MPI_SUM, fft->comm));
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "pruned transforms: FFTW along x on every row, along y on the %" PetscInt_FMT
                                   " kept kx columns only%s; %" PetscInt_FMT " channels, plans %s%s\n",
                                   fft->mx,
                                   fft->size > 1 ? " (rows and columns split over the ranks, one Alltoallv between)" : "", fft->W,
                                   fft->measured ? "measured" : "estimated",
                                   fft->size == 1  ? ""
                                   : h[0] == ~h[1] ? ", the same on every rank"
                                                   : ", different between ranks"));
  PetscCall(PetscViewerASCIIPrintf(viewer, "flops of a forward + inverse transform (FFTW's count, all ranks): %.4g\n",
                                   (double)(sum[0] + sum[1])));
  PetscFunctionReturn(0);
}

PetscErrorCode HcFFTDestroy_Private(HcFFT **fft)
{
  PetscFunctionBegin;
  if (!*fft) PetscFunctionReturn(0);
  if ((*fft)->fx) fftw_destroy_plan((*fft)->fx);
  if ((*fft)->ix) fftw_destroy_plan((*fft)->ix);
  if ((*fft)->fy) fftw_destroy_plan((*fft)->fy);
  if ((*fft)->iy) fftw_destroy_plan((*fft)->iy);
  fftw_free((*fft)->rows);
  fftw_free((*fft)->spec);
  fftw_free((*fft)->col);
  fftw_free((*fft)->colout);
  fftw_free((*fft)->sbuf);
  fftw_free((*fft)->rbuf);
  PetscCall(PetscFree4((*fft)->rowstart, (*fft)->colstart, (*fft)->cnt, (*fft)->dsp));
  PetscCall(PetscFree(*fft));
  PetscFunctionReturn(0);
}
