/* The Fourier layer S (one FNO block); docs/fno.md has the conventions and the derivation of the adjoint.

     x = m u                                    land masked before (never read: land may hold NaN)
     h = m (A x + bL)                           lift C -> W; zero on land, as in the zero padding
     z = K h + Wp h + bp                        K: spectral convolution on the kept modes, Wp: pointwise W x W
     S = m (P sigma(z) + bP)                    project W -> C; land masked after

   K h = Re sum_{kept k} c_k R_k H_k e^{i k.x},  H_k = (1/N) sum_x h(x) e^{-i k.x}  (N points of the padded transform
   grid), c_k = 1 for kx = 0 and 2 for kx > 0 (the mode and its conjugate), R_k a complex W x W matrix.  With this
   normalisation H_k approximates the continuous Fourier coefficient, so the same R_k act on the same physical modes at
   every resolution, and the adjoint is the same operator with R_k replaced by R_k^H.

   The whole layer runs in FFTW's layout (slabs of whole rows): one VecScatter brings the C fields and the mask from the
   DMDA blocks to the slabs, another brings the C outputs back. */
#include <string.h>
#include <hycast/private/termimpl.h>
#include <hycast/private/kernelimpl.h>
#include <hycast/private/activation.h>
#include "fft.h"

#if defined(PETSC_USE_COMPLEX)
#error "hycast's Fourier layer needs a PETSc with real scalars"
#endif

static const char *const HcFNOPlanTypes[] = {"estimate", "measure"};

typedef double complex HcCplx;

typedef struct {
  /* options */
  PetscInt     width, mx, my, seed;
  HcActivation act;
  PetscReal    initscale;
  PetscReal    oscale; /* S = mask * oscale * (P s + bP): per day on lat-lon grids, where time is in seconds */
  PetscBool    measure;

  PetscInt   nc, nx, ny; /* grid */
  PetscInt   NX, NY;     /* transform grid: doubled along non-periodic directions (zero padding) */
  HcFFT     *fft;
  HcFFT     *fftin;  /* the same transforms of the C + 1 channels of a slab input (fields and mask): lifting in spectral space */
  HcFFT     *fftout; /* and of C channels: the transpose's spectral path leaves the modes with A^T already applied */
  HcCplx    *Xin;    /* the kept modes of a slab input */
  PetscInt   nrow, ncell;                    /* grid rows in this rank's slab and their cells */
  PetscInt   nmode;                          /* kept modes owned by this rank (whole ky columns of its kx) */
  PetscInt  *mode;                           /* per owned mode: the global mode number, kx * 2 My + (ky + My) */
  PetscReal *mwt;                            /* c_k */
  PetscInt   oA, obL, oR, oWp, obp, oP, obP; /* parameter blocks */

  /* redistribution between the DMDA and the slabs */
  DM         dain; /* C + 1 values per cell: the fields and the mask */
  Vec        gin, gout, sin, sout;
  VecScatter scin, scout;

  /* linearisation point: input (with mask), lifted field, their kept modes, sigma(z) and sigma'(z) */
  PetscReal *xlin, *hlin, *slin, *dslin;
  PetscBool  hvalid; /* hlin is m (A x + bL) of xl: after a linearisation; a restore leaves it to whoever needs it */
  HcCplx    *Hlin, *Xinlin;
  /* what the products read: the arrays above after a linearisation, or a record of the stage cache after a restore */
  const PetscReal *xl, *sl;
  const HcCplx    *Hl, *Xl;

  /* work */
  PetscReal *WpT, *dWpT, *AT, *dAT; /* Wp and A, and parameter directions of them, transposed (Wp: rows padded) */
  PetscReal *WpP, *dWtmp;           /* Wp with padded rows; a W x W scratch */
  PetscReal *WA;                    /* (Wp A)^T (C x W): the transpose's pointwise path A^T Wp^T in one product */
  PetscReal *sumL, *sumA;           /* sums over the cells of gz and gz x^T (W, W x C) */
  HcCplx    *Z;                     /* C channels per owned mode: A^T R^H G */
  PetscReal *RT, *dRT;              /* the owned modes' blocks of R, and of a direction of it, transposed */
  PetscInt   Wpad;                  /* W rounded up to a multiple of 8 */
  PetscReal *h, *k, *gz;
  HcCplx    *X, *Y;

  /* J^T w keeps what (dS/dtheta)^T w of the same w needs (the adjoint asks for both): gz, its modes G (in X) and R^H G
     (in Y), valid until another product uses the work arrays; wsave, wslab: that w on the grid and in the slabs */
  PetscBool  stashed;
  PetscReal *wsave, *wslab;
} HcFNO;

/* the activation shared with the MLP (activation.h) */
static inline PetscReal HcFNOActivate(HcActivation act, PetscReal z, PetscReal *dz)
{
  return HcActivate(act, z, dz);
}

/* ---- layout exchange */

/* x (ghosted local, C fields) -> slab input: the fields (0 on land, which is never read) and the mask. */
static PetscErrorCode HcFNOScatterIn_Private(HcTerm term, Vec xloc)
{
  HcFNO              *fno = (HcFNO *)term->data;
  HcGrid              g   = term->grid;
  const PetscInt      nc  = fno->nc;
  const PetscScalar **mk, ***x;
  PetscScalar      ***y;

  PetscFunctionBegin;
  PetscCall(DMDAVecGetArrayRead(g->da1, g->maskloc, &mk));
  PetscCall(DMDAVecGetArrayDOFRead(g->da, xloc, &x));
  PetscCall(DMDAVecGetArrayDOF(fno->dain, fno->gin, &y));
  for (PetscInt j = g->ys; j < g->ys + g->ym; j++)
    for (PetscInt i = g->xs; i < g->xs + g->xm; i++) {
      const PetscBool on = mk[j][i] != 0 ? PETSC_TRUE : PETSC_FALSE;

      for (PetscInt c = 0; c < nc; c++) y[j][i][c] = on ? x[j][i][c] : 0;
      y[j][i][nc] = on ? 1 : 0;
    }
  PetscCall(DMDAVecRestoreArrayDOF(fno->dain, fno->gin, &y));
  PetscCall(DMDAVecRestoreArrayDOFRead(g->da, xloc, &x));
  PetscCall(DMDAVecRestoreArrayRead(g->da1, g->maskloc, &mk));
  PetscCall(VecScatterBegin(fno->scin, fno->gin, fno->sin, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(fno->scin, fno->gin, fno->sin, INSERT_VALUES, SCATTER_FORWARD));
  PetscFunctionReturn(0);
}

/* The transposes start from oscale * w: scale the fields of the slab input (not the mask). */
static PetscErrorCode HcFNOScaleInput_Private(HcFNO *fno)
{
  PetscScalar *x;

  PetscFunctionBegin;
  PetscCall(VecGetArray(fno->sin, &x));
  for (PetscInt q = 0; q < fno->ncell; q++)
    for (PetscInt c = 0; c < fno->nc; c++) x[q * (fno->nc + 1) + c] *= fno->oscale;
  PetscCall(VecRestoreArray(fno->sin, &x));
  PetscFunctionReturn(0);
}

/* y += the slab output (y global) */
static PetscErrorCode HcFNOScatterOutAdd_Private(HcFNO *fno, Vec y)
{
  PetscFunctionBegin;
  PetscCall(VecScatterBegin(fno->scout, fno->sout, y, ADD_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(fno->scout, fno->sout, y, ADD_VALUES, SCATTER_FORWARD));
  PetscFunctionReturn(0);
}

/* ---- pointwise pieces on this rank's slab cells; x is a slab input (C + 1 values per cell, the mask m last).  The
   loops run over the contiguous channels of a cell and vectorise (HC_KERNEL); each output is summed in a fixed order. */

/* MP = M (W x W) with rows padded by zeros to Wp reals */
static void HcFNOPad_Private(PetscInt W, PetscInt Wp, const PetscReal *M, PetscReal *MP)
{
  for (PetscInt a = 0; a < W; a++)
    for (PetscInt b = 0; b < Wp; b++) MP[a * Wp + b] = b < W ? M[a * W + b] : 0;
}

/* Can HcFNOPointwiseGradient_Private lift h on the fly (h NULL)? */
static PetscBool HcFNOOuterLiftable_Private(PetscInt C, PetscInt W)
{
  return HC_HAVE_REAL8 && (W == 8 || W == 16) && (C == 1 || C == 2) ? PETSC_TRUE : PETSC_FALSE;
}

#define HC_KERNEL_FILE "fno/fno-kernels.h"
#include <hycast/private/kernellevels.h>

static void HcFNOTranspose_Private(PetscInt rows, PetscInt cols, const PetscReal *M, PetscReal *MT)
{
  for (PetscInt r = 0; r < rows; r++)
    for (PetscInt c = 0; c < cols; c++) MT[c * rows + r] = M[r * cols + c];
}

/* ---- the spectral convolution */

/* RT = the owned modes' blocks of R transposed: RT[m][a][b] = R[mode m][b][a] (complex pairs), for the forward
   product's rows */
static void HcFNOTransposeModes_Private(const HcFNO *fno, const PetscReal *R, PetscReal *RT)
{
  const PetscInt W = fno->width;

  for (PetscInt m = 0; m < fno->nmode; m++) {
    const PetscReal *Rm  = R + 2 * W * W * fno->mode[m];
    PetscReal       *RTm = RT + 2 * W * W * m;

    for (PetscInt a = 0; a < W; a++)
      for (PetscInt b = 0; b < W; b++) {
        RTm[2 * (a * W + b)]     = Rm[2 * (b * W + a)];
        RTm[2 * (a * W + b) + 1] = Rm[2 * (b * W + a) + 1];
      }
  }
}

/* H (W channels per owned mode) = A Xin + bL Min, from the modes Xin of a slab input (C fields, then the mask) */
static void HcFNOLiftModes_Private(const HcFNO *fno, const PetscReal *A, const PetscReal *bL, const HcCplx *Xin, HcCplx *H)
{
  const PetscInt W = fno->width, C = fno->nc;

  for (PetscInt m = 0; m < fno->nmode; m++) {
    const PetscReal *x = (const PetscReal *)(Xin + m * (C + 1));
    PetscReal       *h = (PetscReal *)(H + m * W);

    for (PetscInt a = 0; a < W; a++) {
      PetscReal re = bL[a] * x[2 * C], im = bL[a] * x[2 * C + 1];

      for (PetscInt c = 0; c < C; c++) {
        re += A[a * C + c] * x[2 * c];
        im += A[a * C + c] * x[2 * c + 1];
      }
      h[2 * a]     = re;
      h[2 * a + 1] = im;
    }
  }
}

/* From a slab input x: its kept modes Xin, h, the kept modes H of h, and s = sigma(z), ds = sigma'(z) with
   z = K h + Wp h + bp (zero on land). */
static PetscErrorCode HcFNOHidden_Private(HcTerm term, const PetscReal *x, HcCplx *Xin, PetscReal *h, HcCplx *H, PetscReal *s,
                                          PetscReal *ds)
{
  HcFNO           *fno = (HcFNO *)term->data;
  const PetscReal *th  = term->theta;
  const PetscInt   W = fno->width, C = fno->nc;

  PetscFunctionBegin;
  fno->stashed = PETSC_FALSE;
  HC_KCALL(HcFNOLift_Private, (fno->ncell, C, W, x, fno->AT, th + fno->obL, h));
  /* H = the modes of h = m (A x + bL) = A X + bL M (X, M: the modes of the slab input's fields and mask): C + 1
     transformed channels instead of W */
  PetscCall(HcFFTForwardModes_Private(fno->fftin, x, Xin));
  HcFNOLiftModes_Private(fno, th + fno->oA, th + fno->obL, Xin, H);
  HC_KCALL(HcFNOMixModes_Private, (fno->nmode, W, NULL, fno->RT, PETSC_FALSE, H, fno->Y, PETSC_FALSE));
  PetscCall(HcFFTInverseModes_Private(fno->fft, fno->Y, fno->k));
  HC_KCALL(HcFNOLinearAdd_Private, (fno->ncell, W, fno->Wpad, fno->WpT, h, fno->k));
  HC_KCALL(HcFNOActivate_Private, (fno->act, fno->ncell, C, W, x, th + fno->obp, fno->k, s, ds));
  PetscCall(PetscLogFlops((PetscLogDouble)fno->ncell * W * (2 * C + 2 * W + 2) + 8.0 * fno->nmode * W * W));
  PetscFunctionReturn(0);
}

/* Backward through the hidden layer from a slab input w (fields, then the mask m): gz = sigma'(z) (P^T w) (zero on
   land), its kept modes G, and Yb = R^H G, the kept modes of the spectral path's part of hb = K^T gz + Wp^T gz (the
   adjoint of the lifted field).  With out, also the slab output m A^T hb = m (A^T K^T gz + (Wp A)^T gz): the spectral
   path as C channels of modes A^T Yb through one C-channel inverse transform, the pointwise path as one C x W product
   per cell, so hb itself (W channels) is never formed; the parameter gradient takes its sums from Yb and gz
   (HcTermParamJacobianTranspose_FNO). */
static PetscErrorCode HcFNOHiddenTranspose_Private(HcTerm term, const PetscReal *w, PetscReal *gz, HcCplx *G, HcCplx *Yb,
                                                   PetscReal *out)
{
  HcFNO           *fno = (HcFNO *)term->data;
  const PetscReal *th = term->theta, *A = th + fno->oA;
  const PetscInt   W = fno->width, C = fno->nc;

  PetscFunctionBegin;
  fno->stashed = PETSC_FALSE;
  HC_KCALL(HcFNOProjectTranspose_Private, (fno->ncell, C, W, w, th + fno->oP, fno->dslin, gz));
  PetscCall(HcFFTForwardModes_Private(fno->fft, gz, G));
  HC_KCALL(HcFNOMixModes_Private, (fno->nmode, W, fno->mode, th + fno->oR, PETSC_TRUE, G, Yb, PETSC_FALSE));
  PetscCall(PetscLogFlops((PetscLogDouble)fno->ncell * W * (2 * C + 1) + 8.0 * fno->nmode * W * W));
  if (!out) PetscFunctionReturn(0);
  for (PetscInt m = 0; m < fno->nmode; m++)
    for (PetscInt c = 0; c < C; c++) {
      HcCplx v = 0;

      for (PetscInt a = 0; a < W; a++) v += A[a * C + c] * Yb[m * W + a];
      fno->Z[m * C + c] = v;
    }
  PetscCall(HcFFTInverseModes_Private(fno->fftout, fno->Z, out));
  HC_KCALL(HcFNOReduce_Private, (fno->ncell, C, W, w, fno->WA, gz, out));
  PetscCall(PetscLogFlops((PetscLogDouble)fno->ncell * C * (2 * W + 1) + 8.0 * fno->nmode * W * C));
  PetscFunctionReturn(0);
}

/* ---- the products */

static void HcFNORecordParts_Private(const HcFNO *, PetscReal *, PetscReal **, PetscReal **, PetscReal **, HcCplx **, HcCplx **);

/* f += S(u); with rec, the hidden layer's input, output and modes go to a stage record (HcTermRecord_FNO) instead of
   the work arrays */
static PetscErrorCode HcFNOForward_Private(HcTerm term, Vec uloc, Vec f, PetscReal rec[])
{
  HcFNO             *fno = (HcFNO *)term->data;
  const PetscScalar *x;
  PetscScalar       *o;
  PetscReal         *xr = NULL, *s = fno->gz, *ds = NULL;
  HcCplx            *H = fno->X, *Xin = fno->Xin;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscCall(HcFNOScatterIn_Private(term, uloc));
  PetscCall(VecGetArrayRead(fno->sin, &x));
  if (rec) {
    HcFNORecordParts_Private(fno, rec, &xr, &s, &ds, &H, &Xin);
    PetscCall(PetscArraycpy(xr, x, fno->ncell * (fno->nc + 1)));
  }
  PetscCall(HcFNOHidden_Private(term, rec ? xr : x, Xin, fno->h, H, s, ds));
  PetscCall(VecGetArray(fno->sout, &o));
  HC_KCALL(HcFNOProject_Private, (fno, rec ? xr : x, term->theta + fno->oP, term->theta + fno->obP, s, o, PETSC_FALSE));
  PetscCall(VecRestoreArray(fno->sout, &o));
  PetscCall(VecRestoreArrayRead(fno->sin, &x));
  PetscCall(HcFNOScatterOutAdd_Private(fno, f));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermApply_FNO(HcTerm term, PetscReal t, Vec uloc, Vec f)
{
  PetscFunctionBegin;
  PetscCall(HcFNOForward_Private(term, uloc, f, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermLinearize_FNO(HcTerm term, PetscReal t, Vec uloc)
{
  HcFNO             *fno = (HcFNO *)term->data;
  const PetscScalar *x;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscCall(HcFNOScatterIn_Private(term, uloc));
  PetscCall(VecGetArrayRead(fno->sin, &x));
  PetscCall(PetscArraycpy(fno->xlin, x, fno->ncell * (fno->nc + 1)));
  PetscCall(VecRestoreArrayRead(fno->sin, &x));
  PetscCall(HcFNOHidden_Private(term, fno->xlin, fno->Xinlin, fno->hlin, fno->Hlin, fno->slin, fno->dslin));
  fno->xl     = fno->xlin;
  fno->sl     = fno->slin;
  fno->Hl     = fno->Hlin;
  fno->Xl     = fno->Xinlin;
  fno->hvalid = PETSC_TRUE;
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* ---- the adjoint's stage cache: a record keeps the slab input x, s = sigma(z), sigma'(z) unless it follows from s
   (tanh), the kept modes H of the lifted field and Xin of x; h is lifted from x where a product needs it (cheap).  Saves the
   forward transform, the inverse transform and the W x W pointwise product of a linearisation. */

static PetscInt HcFNORecordSlopes_Private(const HcFNO *fno)
{
  return fno->act == HC_ACTIVATION_TANH ? 0 : 1;
}

static PetscErrorCode HcTermRecordSize_FNO(HcTerm term, PetscInt *n)
{
  HcFNO *fno = (HcFNO *)term->data;

  PetscFunctionBegin;
  *n = fno->ncell * (fno->nc + 1) + fno->ncell * fno->width * (1 + HcFNORecordSlopes_Private(fno)) +
       2 * fno->nmode * (fno->width + fno->nc + 1);
  PetscFunctionReturn(0);
}

/* the parts of a record: x, s, ds (NULL for tanh), H, Xin */
static void HcFNORecordParts_Private(const HcFNO *fno, PetscReal *rec, PetscReal **x, PetscReal **s, PetscReal **ds, HcCplx **H,
                                     HcCplx **Xin)
{
  const PetscInt nW = fno->ncell * fno->width;

  *x   = rec;
  *s   = rec + fno->ncell * (fno->nc + 1);
  *ds  = HcFNORecordSlopes_Private(fno) ? *s + nW : NULL;
  *H   = (HcCplx *)(*s + nW * (1 + HcFNORecordSlopes_Private(fno)));
  *Xin = *H + fno->nmode * fno->width;
}

static PetscErrorCode HcTermRecord_FNO(HcTerm term, PetscReal t, Vec uloc, Vec f, PetscReal rec[])
{
  PetscFunctionBegin;
  PetscCall(HcFNOForward_Private(term, uloc, f, rec));
  PetscFunctionReturn(0);
}

/* the same state as HcTermLinearize_FNO: ds = m (1 - s^2) for tanh is what HcFNOActivate_Private computed (s = m t) */
static PetscErrorCode HcTermRestore_FNO(HcTerm term, PetscReal t, Vec uloc, const PetscReal rec[])
{
  HcFNO         *fno = (HcFNO *)term->data;
  const PetscInt W = fno->width, C = fno->nc;
  PetscReal     *xr, *sr, *dsr;
  HcCplx        *Hr, *Xr;

  PetscFunctionBegin;
  HcFNORecordParts_Private(fno, (PetscReal *)rec, &xr, &sr, &dsr, &Hr, &Xr); /* read only */
  fno->stashed = PETSC_FALSE;
  fno->xl      = xr; /* the record stays valid while the adjoint uses it: no copies */
  fno->sl      = sr;
  fno->Hl      = Hr;
  fno->Xl      = Xr;
  if (dsr)
    PetscCall(PetscArraycpy(fno->dslin, dsr, fno->ncell * W));
  else
    HC_KCALL(HcFNOTanhSlopes_Private, (fno->ncell, C, W, xr, sr, fno->dslin));
  fno->hvalid = PETSC_FALSE; /* the parameter gradient lifts x on the fly (HcFNOOuterLift_Private) */
  PetscFunctionReturn(0);
}

/* J v = m P (sigma'(z) (K dh + Wp dh)),  dh = m A (m v) */
static PetscErrorCode HcTermJacobian_FNO(HcTerm term, Vec vloc, Vec y)
{
  HcFNO             *fno = (HcFNO *)term->data;
  const PetscReal   *th  = term->theta;
  const PetscInt     W   = fno->width;
  const PetscScalar *x;
  PetscScalar       *o;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_JACOBIAN], 0, 0, 0, 0));
  fno->stashed = PETSC_FALSE;
  PetscCall(HcFNOScatterIn_Private(term, vloc));
  PetscCall(VecGetArrayRead(fno->sin, &x));
  HC_KCALL(HcFNOLift_Private, (fno->ncell, fno->nc, W, x, fno->AT, NULL, fno->h));
  PetscCall(HcFFTForwardModes_Private(fno->fft, fno->h, fno->X));
  HC_KCALL(HcFNOMixModes_Private, (fno->nmode, W, NULL, fno->RT, PETSC_FALSE, fno->X, fno->Y, PETSC_FALSE));
  PetscCall(HcFFTInverseModes_Private(fno->fft, fno->Y, fno->k));
  HC_KCALL(HcFNOLinearAdd_Private, (fno->ncell, W, fno->Wpad, fno->WpT, fno->h, fno->k));
  for (PetscInt p = 0; p < fno->ncell * W; p++) fno->gz[p] = fno->dslin[p] * fno->k[p];
  PetscCall(VecGetArray(fno->sout, &o));
  HC_KCALL(HcFNOProject_Private, (fno, x, th + fno->oP, NULL, fno->gz, o, PETSC_FALSE));
  PetscCall(VecRestoreArray(fno->sout, &o));
  PetscCall(VecRestoreArrayRead(fno->sin, &x));
  PetscCall(HcFNOScatterOutAdd_Private(fno, y));
  PetscCall(PetscLogFlops((PetscLogDouble)fno->ncell * W * (4 * fno->nc + 2 * W + 1) + 8.0 * fno->nmode * W * W));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_JACOBIAN], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* This rank's owned values of a ghosted local vector equal the saved ones (the w of the last J^T w)? */
static PetscErrorCode HcFNOSameInput_Private(HcTerm term, Vec wloc, PetscBool save, PetscBool *same)
{
  HcFNO               *fno = (HcFNO *)term->data;
  HcGrid               g   = term->grid;
  const PetscInt       C   = fno->nc;
  const PetscScalar ***w;
  PetscInt             k = 0;

  PetscFunctionBegin;
  *same = PETSC_TRUE;
  PetscCall(DMDAVecGetArrayDOFRead(g->da, wloc, &w));
  for (PetscInt j = g->ys; j < g->ys + g->ym; j++)
    for (PetscInt i = g->xs; i < g->xs + g->xm; i++)
      for (PetscInt c = 0; c < C; c++, k++) {
        if (save)
          fno->wsave[k] = PetscRealPart(w[j][i][c]);
        else if (fno->wsave[k] != PetscRealPart(w[j][i][c]))
          *same = PETSC_FALSE;
      }
  PetscCall(DMDAVecRestoreArrayDOFRead(g->da, wloc, &w));
  PetscFunctionReturn(0);
}

/* J^T w = m A^T (m hb): adds into the owned entries of the ghosted local output; keeps gz, G and R^H G for the
   parameter gradient of the same w */
static PetscErrorCode HcTermJacobianTranspose_FNO(HcTerm term, Vec wloc, Vec yloc)
{
  HcFNO             *fno = (HcFNO *)term->data;
  HcGrid             g   = term->grid;
  const PetscInt     C   = fno->nc;
  const PetscScalar *x, ***go;
  PetscScalar       *o, ***yo;
  PetscBool          dummy;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_JACOBIAN_T], 0, 0, 0, 0));
  PetscCall(HcFNOScatterIn_Private(term, wloc));
  PetscCall(HcFNOScaleInput_Private(fno));
  PetscCall(VecGetArrayRead(fno->sin, &x));
  PetscCall(VecGetArray(fno->sout, &o));
  PetscCall(HcFNOHiddenTranspose_Private(term, x, fno->gz, fno->X, fno->Y, o));
  PetscCall(VecRestoreArray(fno->sout, &o));
  PetscCall(PetscArraycpy(fno->wslab, x, fno->ncell * (C + 1)));
  PetscCall(VecRestoreArrayRead(fno->sin, &x));
  PetscCall(VecScatterBegin(fno->scout, fno->sout, fno->gout, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(fno->scout, fno->sout, fno->gout, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(DMDAVecGetArrayDOFRead(g->da, fno->gout, &go));
  PetscCall(DMDAVecGetArrayDOF(g->da, yloc, &yo));
  for (PetscInt j = g->ys; j < g->ys + g->ym; j++)
    for (PetscInt i = g->xs; i < g->xs + g->xm; i++)
      for (PetscInt c = 0; c < C; c++) yo[j][i][c] += go[j][i][c];
  PetscCall(DMDAVecRestoreArrayDOF(g->da, yloc, &yo));
  PetscCall(DMDAVecRestoreArrayDOFRead(g->da, fno->gout, &go));
  PetscCall(HcFNOSameInput_Private(term, wloc, PETSC_TRUE, &dummy));
  fno->stashed = PETSC_TRUE;
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_JACOBIAN_T], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* hlin = m (A x + bL) of the linearisation point's input, if a restore left it out */
static PetscErrorCode HcFNOEnsureLifted_Private(HcTerm term)
{
  HcFNO *fno = (HcFNO *)term->data;

  PetscFunctionBegin;
  if (!fno->hvalid)
    HC_KCALL(HcFNOLift_Private, (fno->ncell, fno->nc, fno->width, fno->xl, fno->AT, term->theta + fno->obL, fno->hlin));
  fno->hvalid = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* (dS/dtheta) dtheta at the linearisation point:
     dh = m (dA x + dbL),  dz = K dh + K_dR h + Wp dh + dWp h + dbp,  dS = m (dP s + dbP + P (sigma'(z) dz)) */
static PetscErrorCode HcTermParamJacobian_FNO(HcTerm term, const PetscReal dth[], Vec y)
{
  HcFNO           *fno = (HcFNO *)term->data;
  const PetscReal *th  = term->theta;
  const PetscInt   W = fno->width, C = fno->nc;
  PetscScalar     *o;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_PARAM_JACOBIAN], 0, 0, 0, 0));
  fno->stashed = PETSC_FALSE;
  PetscCall(HcFNOEnsureLifted_Private(term));
  HcFNOTranspose_Private(W, C, dth + fno->oA, fno->dAT);
  HC_KCALL(HcFNOLift_Private, (fno->ncell, C, W, fno->xl, fno->dAT, dth + fno->obL, fno->h));
  PetscCall(HcFFTForwardModes_Private(fno->fft, fno->h, fno->X));
  HC_KCALL(HcFNOMixModes_Private, (fno->nmode, W, NULL, fno->RT, PETSC_FALSE, fno->X, fno->Y, PETSC_FALSE));
  HcFNOTransposeModes_Private(fno, dth + fno->oR, fno->dRT);
  HC_KCALL(HcFNOMixModes_Private, (fno->nmode, W, NULL, fno->dRT, PETSC_FALSE, fno->Hl, fno->Y, PETSC_TRUE));
  PetscCall(HcFFTInverseModes_Private(fno->fft, fno->Y, fno->k));
  HcFNOTranspose_Private(W, W, dth + fno->oWp, fno->dWtmp);
  HcFNOPad_Private(W, fno->Wpad, fno->dWtmp, fno->dWpT);
  HC_KCALL(HcFNOLinearAdd_Private, (fno->ncell, W, fno->Wpad, fno->WpT, fno->h, fno->k));
  HC_KCALL(HcFNOLinearAdd_Private, (fno->ncell, W, fno->Wpad, fno->dWpT, fno->hlin, fno->k));
  for (PetscInt q = 0; q < fno->ncell; q++)
    for (PetscInt b = 0; b < W; b++) fno->gz[q * W + b] = fno->dslin[q * W + b] * (fno->k[q * W + b] + dth[fno->obp + b]);
  PetscCall(VecGetArray(fno->sout, &o));
  HC_KCALL(HcFNOProject_Private, (fno, fno->xl, dth + fno->oP, dth + fno->obP, fno->sl, o, PETSC_FALSE));
  HC_KCALL(HcFNOProject_Private, (fno, fno->xl, th + fno->oP, NULL, fno->gz, o, PETSC_TRUE));
  PetscCall(VecRestoreArray(fno->sout, &o));
  PetscCall(HcFNOScatterOutAdd_Private(fno, y));
  PetscCall(PetscLogFlops((PetscLogDouble)fno->ncell * W * (6 * fno->nc + 4 * W + 3) + 16.0 * fno->nmode * W * W));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_PARAM_JACOBIAN], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* (dS/dtheta)^T w over this rank's cells and owned modes (each mode lives on exactly one rank).  With V = Hlin and
   G = the kept modes of gz over N:  dL/dRe R_ba = N c_k Re(V_a conj(G_b)),  dL/dIm R_ba = -N c_k Im(V_a conj(G_b)).
   The lift's gradient sums m hb x^T and m hb over the cells with hb = K^T gz + Wp^T gz: the pointwise part as
   Wp^T (sum gz x^T) and Wp^T (sum gz), the spectral part from the modes, since sum_x (K^T gz) x^T is
   N sum_k c_k Re(Yb_k conj(X_k)^T) for Yb = R^H G and X the kept modes of x (Parseval: K^T gz has no other modes).
   After J^T w of the same w (the adjoint's order), gz, G and Yb are already there. */
static PetscErrorCode HcTermParamJacobianTranspose_FNO(HcTerm term, Vec wloc, PetscReal grad[])
{
  HcFNO          *fno = (HcFNO *)term->data;
  const PetscInt  W = fno->width, C = fno->nc;
  const PetscReal N    = (PetscReal)fno->NX * (PetscReal)fno->NY;
  PetscBool       same = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_PARAM_JACOBIAN_T], 0, 0, 0, 0));
  if (fno->stashed) PetscCall(HcFNOSameInput_Private(term, wloc, PETSC_FALSE, &same));
  if (!same) {
    const PetscScalar *x;

    PetscCall(HcFNOScatterIn_Private(term, wloc));
    PetscCall(HcFNOScaleInput_Private(fno));
    PetscCall(VecGetArrayRead(fno->sin, &x));
    PetscCall(PetscArraycpy(fno->wslab, x, fno->ncell * (C + 1)));
    PetscCall(HcFNOHiddenTranspose_Private(term, x, fno->gz, fno->X, fno->Y, NULL));
    PetscCall(VecRestoreArrayRead(fno->sin, &x));
  }
  PetscCall(PetscArrayzero(fno->sumL, W));
  PetscCall(PetscArrayzero(fno->sumA, W * C));
  if (!HcFNOOuterLiftable_Private(C, W)) PetscCall(HcFNOEnsureLifted_Private(term));
  HC_KCALL(HcFNOPointwiseGradient_Private,
           (fno->ncell, C, W, fno->wslab, fno->xl, fno->sl, fno->gz, HcFNOOuterLiftable_Private(C, W) ? NULL : fno->hlin, fno->AT,
            term->theta + fno->obL, fno->gz, grad + fno->oP, grad + fno->obP, grad + fno->obp, grad + fno->oWp, fno->sumL,
            fno->sumA));
  for (PetscInt a = 0; a < W; a++) {
    const PetscReal *Wp = term->theta + fno->oWp;
    PetscReal        l  = 0;

    for (PetscInt b = 0; b < W; b++) l += Wp[b * W + a] * fno->sumL[b];
    grad[fno->obL + a] += l;
    for (PetscInt c = 0; c < C; c++) {
      PetscReal v = 0;

      for (PetscInt b = 0; b < W; b++) v += Wp[b * W + a] * fno->sumA[b * C + c];
      grad[fno->oA + a * C + c] += v;
    }
  }
  HC_KCALL(HcFNOModeGradient_Private, (fno->nmode, W, fno->mode, fno->mwt, N, fno->Hl, fno->X, grad + fno->oR));
  for (PetscInt m = 0; m < fno->nmode; m++) {
    const PetscReal *Yb = (const PetscReal *)(fno->Y + m * W), *Xm = (const PetscReal *)(fno->Xl + m * (C + 1));
    const PetscReal  s = N * fno->mwt[m];

    for (PetscInt a = 0; a < W; a++) {
      for (PetscInt c = 0; c < C; c++) grad[fno->oA + a * C + c] += s * (Yb[2 * a] * Xm[2 * c] + Yb[2 * a + 1] * Xm[2 * c + 1]);
      grad[fno->obL + a] += s * (Yb[2 * a] * Xm[2 * C] + Yb[2 * a + 1] * Xm[2 * C + 1]);
    }
  }
  PetscCall(PetscLogFlops((PetscLogDouble)fno->ncell * (4.0 * W * C + 2.0 * W * W) + 8.0 * fno->nmode * W * (W + C + 1) +
                          2.0 * W * W * (C + 1)));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_PARAM_JACOBIAN_T], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static inline PetscReal HcFrobenius_Private(PetscInt n, const PetscReal *a)
{
  PetscReal s = 0;

  for (PetscInt k = 0; k < n; k++) s += a[k] * a[k];
  return PetscSqrtReal(s);
}

/* |eigenvalue of J| <= ||J||_2 <= ||P||_F sup|sigma'| (max_k ||R_k||_F + ||Wp||_F) ||A||_F: the spectral convolution
   acts on each real Fourier pair by R_k (or a mean of two of them at kx = 0), so its norm is at most max_k ||R_k||_2.
   The eigenvalues can lie anywhere in that disc, so the whole bound is reported as the "advective" (oscillatory) part. */
static PetscErrorCode HcTermEstimateRates_FNO(HcTerm term, PetscReal *radv, PetscReal *rdif)
{
  HcFNO           *fno = (HcFNO *)term->data;
  const PetscReal *th  = term->theta;
  const PetscInt   W = fno->width, C = fno->nc, nmodes = fno->mx * 2 * fno->my;
  PetscReal        rmax = 0, dmax = 1;

  PetscFunctionBegin;
  for (PetscInt g = 0; g < nmodes; g++) rmax = PetscMax(rmax, HcFrobenius_Private(2 * W * W, th + fno->oR + 2 * W * W * g));
  if (fno->act == HC_ACTIVATION_GELU) dmax = 0.5 * (1 + erf(1.0)) + PETSC_SQRT2 * PetscExpReal(-1) / PetscSqrtReal(2 * PETSC_PI);
  *radv = HcFrobenius_Private(C * W, th + fno->oP) * dmax * (rmax + HcFrobenius_Private(W * W, th + fno->oWp)) *
          HcFrobenius_Private(W * C, th + fno->oA) * fno->oscale;
  *rdif = 0;
  PetscFunctionReturn(0);
}

/* ---- set-up */

static PetscErrorCode HcTermSetFromOptions_FNO(HcTerm term, PetscOptionItems *PetscOptionsObject)
{
  HcFNO    *fno      = (HcFNO *)term->data;
  PetscInt  modes[2] = {fno->mx, fno->my}, n = 2, plan = fno->measure ? 1 : 0;
  PetscBool flg;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Fourier layer (fno)");
  PetscCall(PetscOptionsInt("-fno_width", "Channels W of the lifted field", "HcTermFNOSetWidth", fno->width, &fno->width, NULL));
  PetscCall(PetscOptionsIntArray("-fno_modes",
                                 "Kept Fourier modes Mx,My: kx in [0,Mx) (real-to-complex direction x), ky in [-My,My); "
                                 "default 12,12",
                                 "HcTermFNOSetModes", modes, &n, &flg));
  if (flg) {
    PetscCheck(n == 2, term->comm, PETSC_ERR_ARG_SIZ, "-%sfno_modes takes two values Mx,My, got %" PetscInt_FMT,
               term->prefix ? term->prefix : "", n);
    fno->mx = modes[0];
    fno->my = modes[1];
  }
  PetscCall(PetscOptionsEnum("-fno_activation", "Activation after the sum of the spectral and pointwise paths",
                             "HcTermFNOSetActivation", HcActivations, (PetscEnum)fno->act, (PetscEnum *)&fno->act, NULL));
  PetscCall(PetscOptionsInt("-fno_seed", "Seed of the parameter initialisation (the same values on every rank and rank count)",
                            "HcTermFNOSetInitialization", fno->seed, &fno->seed, NULL));
  PetscCall(PetscOptionsReal("-fno_init_scale", "Initial parameters are uniform in [-scale, scale)", "HcTermFNOSetInitialization",
                             fno->initscale, &fno->initscale, NULL));
  PetscCall(PetscOptionsReal("-fno_output_scale",
                             "S = mask * output_scale * (projection) (default 1; 1/86400 on lat-lon grids: outputs per day)", "",
                             fno->oscale, &fno->oscale, NULL));
  PetscCheck(fno->oscale > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%sfno_output_scale must be positive, got %g",
             term->prefix ? term->prefix : "", (double)fno->oscale);
  PetscCall(PetscOptionsEList("-fno_fftw_plan", "FFTW planning: estimate, or measure (time candidate algorithms once at set-up)",
                              "", HcFNOPlanTypes, 2, HcFNOPlanTypes[plan], &plan, NULL));
  fno->measure = plan ? PETSC_TRUE : PETSC_FALSE;
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

/* splitmix64: the same stream on every rank, uniform in [-1, 1) */
static inline PetscReal HcFNORandom_Private(unsigned long long *state)
{
  unsigned long long z = (*state += 0x9E3779B97F4A7C15ULL);

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z = z ^ (z >> 31);
  return (PetscReal)(z >> 11) / 9007199254740992.0 * 2 - 1;
}

static PetscErrorCode HcFNOSetUpParameters_Private(HcTerm term)
{
  HcFNO             *fno = (HcFNO *)term->data;
  const PetscInt     W = fno->width, C = fno->nc, M2 = 2 * fno->my, nmodes = fno->mx * M2;
  const PetscReal    count = (PetscReal)W * C + W + 2.0 * nmodes * W * W + (PetscReal)W * W + W + (PetscReal)C * W + C;
  unsigned long long state = (unsigned long long)HcTermSeed_Private(term, (unsigned long)fno->seed);
  char               name[128];

  PetscFunctionBegin;
  PetscCheck(count < (PetscReal)PETSC_MAX_INT, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcTerm '%s': %g parameters do not fit in a PetscInt; reduce -fno_width or -fno_modes", term->name, (double)count);
  fno->oA  = 0;
  fno->obL = fno->oA + W * C;
  fno->oR  = fno->obL + W;
  fno->oWp = fno->oR + 2 * nmodes * W * W;
  fno->obp = fno->oWp + W * W;
  fno->oP  = fno->obp + W;
  fno->obP = fno->oP + C * W;
  PetscCall(HcTermSetNumParameters_Private(term, fno->obP + C));
  for (PetscInt k = 0; k < term->nparam; k++) term->theta[k] = fno->initscale * HcFNORandom_Private(&state);
  for (PetscInt a = 0; a < W; a++) {
    for (PetscInt c = 0; c < C; c++) {
      PetscCall(PetscSNPrintf(name, sizeof(name), "lift_weight[%" PetscInt_FMT ",%" PetscInt_FMT "]", a, c));
      PetscCall(HcTermSetParameterName_Private(term, fno->oA + a * C + c, name));
    }
    PetscCall(PetscSNPrintf(name, sizeof(name), "lift_bias[%" PetscInt_FMT "]", a));
    PetscCall(HcTermSetParameterName_Private(term, fno->obL + a, name));
  }
  for (PetscInt g = 0; g < nmodes; g++)
    for (PetscInt b = 0; b < W; b++)
      for (PetscInt a = 0; a < W; a++)
        for (PetscInt part = 0; part < 2; part++) {
          PetscCall(PetscSNPrintf(name, sizeof(name),
                                  "spectral_%s[%" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT "]",
                                  part ? "im" : "re", g / M2, g % M2 - fno->my, b, a));
          PetscCall(HcTermSetParameterName_Private(term, fno->oR + 2 * ((g * W + b) * W + a) + part, name));
        }
  for (PetscInt b = 0; b < W; b++) {
    for (PetscInt a = 0; a < W; a++) {
      PetscCall(PetscSNPrintf(name, sizeof(name), "linear_weight[%" PetscInt_FMT ",%" PetscInt_FMT "]", b, a));
      PetscCall(HcTermSetParameterName_Private(term, fno->oWp + b * W + a, name));
    }
    PetscCall(PetscSNPrintf(name, sizeof(name), "linear_bias[%" PetscInt_FMT "]", b));
    PetscCall(HcTermSetParameterName_Private(term, fno->obp + b, name));
  }
  for (PetscInt c = 0; c < C; c++) {
    for (PetscInt b = 0; b < W; b++) {
      PetscCall(PetscSNPrintf(name, sizeof(name), "projection_weight[%" PetscInt_FMT ",%" PetscInt_FMT "]", c, b));
      PetscCall(HcTermSetParameterName_Private(term, fno->oP + c * W + b, name));
    }
    PetscCall(PetscSNPrintf(name, sizeof(name), "projection_bias[%" PetscInt_FMT "]", c));
    PetscCall(HcTermSetParameterName_Private(term, fno->obP + c, name));
  }
  PetscFunctionReturn(0);
}

/* The two scatters between the DMDA (blocks of px x py ranks, PETSc ordering) and FFTW's slabs of whole rows: this
   rank's slab holds the grid cells of rows [ys, ys + nrow), i.e. natural cell numbers [ys nx, (ys + nrow) nx). */
static PetscErrorCode HcFNOSetUpScatters_Private(HcTerm term)
{
  HcFNO   *fno = (HcFNO *)term->data;
  HcGrid   g   = term->grid;
  AO       ao;
  IS       isg, iss;
  PetscInt lo, *idx, C = fno->nc;

  PetscFunctionBegin;
  PetscCall(DMDACreateCompatibleDMDA(g->da, C + 1, &fno->dain));
  PetscCall(DMCreateGlobalVector(fno->dain, &fno->gin));
  PetscCall(DMCreateGlobalVector(g->da, &fno->gout));
  PetscCall(VecCreateMPI(term->comm, fno->ncell * (C + 1), PETSC_DETERMINE, &fno->sin));
  PetscCall(VecCreateMPI(term->comm, fno->ncell * C, PETSC_DETERMINE, &fno->sout));
  PetscCall(PetscMalloc1(fno->ncell, &idx));
  for (PetscInt q = 0; q < fno->ncell; q++) idx[q] = fno->fft->ys * fno->nx + q;
  PetscCall(DMDAGetAO(g->da1, &ao));
  PetscCall(AOApplicationToPetsc(ao, fno->ncell, idx));

  PetscCall(ISCreateBlock(term->comm, C + 1, fno->ncell, idx, PETSC_COPY_VALUES, &isg));
  PetscCall(VecGetOwnershipRange(fno->sin, &lo, NULL));
  PetscCall(ISCreateStride(term->comm, fno->ncell * (C + 1), lo, 1, &iss));
  PetscCall(VecScatterCreate(fno->gin, isg, fno->sin, iss, &fno->scin));
  PetscCall(ISDestroy(&isg));
  PetscCall(ISDestroy(&iss));

  PetscCall(ISCreateBlock(term->comm, C, fno->ncell, idx, PETSC_COPY_VALUES, &isg));
  PetscCall(VecGetOwnershipRange(fno->sout, &lo, NULL));
  PetscCall(ISCreateStride(term->comm, fno->ncell * C, lo, 1, &iss));
  PetscCall(VecScatterCreate(fno->sout, iss, fno->gout, isg, &fno->scout));
  PetscCall(ISDestroy(&isg));
  PetscCall(ISDestroy(&iss));
  PetscCall(PetscFree(idx));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermSetUp_FNO(HcTerm term)
{
  HcFNO         *fno = (HcFNO *)term->data;
  HcGrid         g   = term->grid;
  const char    *pre = term->prefix ? term->prefix : "";
  PetscInt       W, mxmax, mymax, kx0, kx1;
  const PetscInt M2 = 2 * fno->my;

  PetscFunctionBegin;
  PetscCheck(fno->width >= 1, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%sfno_width must be positive, got %" PetscInt_FMT, pre,
             fno->width);
  PetscCheck(fno->mx >= 1 && fno->my >= 1, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-%sfno_modes must be positive, got %" PetscInt_FMT ",%" PetscInt_FMT, pre, fno->mx, fno->my);
  PetscCheck(fno->initscale >= 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%sfno_init_scale must be >= 0, got %g", pre,
             (double)fno->initscale);
  W       = fno->width;
  fno->nc = g->nc;
  fno->nx = g->nx;
  fno->ny = g->ny;
  fno->NX = g->periodic[0] ? g->nx : 2 * g->nx;
  fno->NY = g->periodic[1] ? g->ny : 2 * g->ny;
  /* kx stays below the Nyquist wavenumber of x; the 2 My values of ky must be distinct wavenumbers of y */
  mxmax = (fno->NX + 1) / 2;
  mymax = fno->NY / 2;
  PetscCheck(fno->mx <= mxmax && fno->my <= mymax, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-%sfno_modes %" PetscInt_FMT ",%" PetscInt_FMT " is too large for this grid: at most %" PetscInt_FMT
             ",%" PetscInt_FMT " (x: %" PetscInt_FMT " cells%s, kx in [0,Mx) below the Nyquist wavenumber; y: %" PetscInt_FMT
             " cells%s, ky in [-My,My))",
             pre, fno->mx, fno->my, mxmax, mymax, g->nx, g->periodic[0] ? ", periodic" : " zero-padded to twice", g->ny,
             g->periodic[1] ? ", periodic" : " zero-padded to twice");
  PetscCall(HcFNOSetUpParameters_Private(term));

  PetscCall(HcFFTCreate_Private(term->comm, fno->nx, fno->ny, fno->NX, fno->NY, W, fno->mx, fno->my, fno->measure, &fno->fft));
  PetscCall(HcFFTCreate_Private(term->comm, fno->nx, fno->ny, fno->NX, fno->NY, fno->nc + 1, fno->mx, fno->my, fno->measure,
                                &fno->fftin));
  PetscCall(
      HcFFTCreate_Private(term->comm, fno->nx, fno->ny, fno->NX, fno->NY, fno->nc, fno->mx, fno->my, fno->measure, &fno->fftout));
  fno->nrow  = fno->fft->ym;
  fno->ncell = fno->nrow * fno->nx;
  kx0        = fno->fft->kxs;
  kx1        = fno->fft->kxs + fno->fft->kxm;
  fno->nmode = (kx1 - kx0) * M2;
  PetscCall(PetscMalloc2(fno->nmode, &fno->mode, fno->nmode, &fno->mwt));
  for (PetscInt kx = kx0, m = 0; kx < kx1; kx++)
    for (PetscInt kyi = 0; kyi < M2; kyi++, m++) {
      fno->mode[m] = kx * M2 + kyi;
      fno->mwt[m]  = kx ? 2 : 1;
    }
  PetscCall(HcFNOSetUpScatters_Private(term));

  PetscCall(PetscCalloc4(fno->ncell * (fno->nc + 1), &fno->xlin, fno->ncell * W, &fno->hlin, fno->ncell * W, &fno->slin,
                         fno->ncell * W, &fno->dslin));
  PetscCall(PetscCalloc3(fno->ncell * W, &fno->h, fno->ncell * W, &fno->k, fno->ncell * W, &fno->gz));
  fno->Wpad = 8 * ((W + 7) / 8);
  PetscCall(PetscCalloc4(W * fno->Wpad, &fno->WpT, W * fno->Wpad, &fno->dWpT, W * fno->nc, &fno->AT, W * fno->nc, &fno->dAT));
  PetscCall(PetscCalloc2(W * fno->Wpad, &fno->WpP, W * W, &fno->dWtmp));
  PetscCall(PetscCalloc2(g->xm * g->ym * fno->nc, &fno->wsave, fno->ncell * (fno->nc + 1), &fno->wslab));
  PetscCall(PetscCalloc3(fno->nmode * W, &fno->Hlin, fno->nmode * W, &fno->X, fno->nmode * W, &fno->Y));
  PetscCall(PetscCalloc3(fno->nmode * (fno->nc + 1), &fno->Xin, fno->nmode * (fno->nc + 1), &fno->Xinlin, fno->nmode * fno->nc,
                         &fno->Z));
  PetscCall(PetscCalloc3(W * fno->nc, &fno->WA, W, &fno->sumL, W * fno->nc, &fno->sumA));
  PetscCall(PetscCalloc2(2 * W * W * fno->nmode, &fno->RT, 2 * W * W * fno->nmode, &fno->dRT));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermParametersChanged_FNO(HcTerm term)
{
  HcFNO   *fno = (HcFNO *)term->data;
  PetscInt bad = 0;

  PetscFunctionBegin;
  fno->stashed = PETSC_FALSE;
  fno->hvalid  = PETSC_FALSE; /* hlin lifts with the parameters */
  HcFNOTranspose_Private(fno->width, fno->width, term->theta + fno->oWp, fno->dWtmp);
  HcFNOPad_Private(fno->width, fno->Wpad, fno->dWtmp, fno->WpT);
  HcFNOPad_Private(fno->width, fno->Wpad, term->theta + fno->oWp, fno->WpP);
  HcFNOTranspose_Private(fno->width, fno->nc, term->theta + fno->oA, fno->AT);
  HcFNOTransposeModes_Private(fno, term->theta + fno->oR, fno->RT);
  for (PetscInt a = 0; a < fno->width; a++)
    for (PetscInt c = 0; c < fno->nc; c++) {
      PetscReal v = 0;

      for (PetscInt b = 0; b < fno->width; b++)
        v += term->theta[fno->oWp + a * fno->width + b] * term->theta[fno->oA + b * fno->nc + c];
      fno->WA[c * fno->width + a] = v;
    }
  for (PetscInt k = 0; k < term->nparam; k++)
    if (PetscIsInfOrNanReal(term->theta[k])) bad++;
  PetscCheck(!bad, term->comm, PETSC_ERR_FP, "HcTerm '%s': %" PetscInt_FMT " Fourier-layer parameters are not finite", term->name,
             bad);
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermView_FNO(HcTerm term, PetscViewer viewer)
{
  HcFNO         *fno = (HcFNO *)term->data;
  HcGrid         g   = term->grid;
  const PetscInt W = fno->width, C = g->nc;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "Fourier layer: width %" PetscInt_FMT ", modes kx in [0,%" PetscInt_FMT
                                   ") x ky in [-%" PetscInt_FMT ",%" PetscInt_FMT "), activation %s\n",
                                   W, fno->mx, fno->my, fno->my, HcActivations[fno->act]));
  PetscCall(PetscViewerASCIIPrintf(viewer, "initialisation: uniform in [-%g, %g), seed %" PetscInt_FMT "\n",
                                   (double)fno->initscale, (double)fno->initscale, fno->seed));
  if (!term->setupcalled) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(
      viewer, "transform grid %" PetscInt_FMT " x %" PetscInt_FMT ": x %s, y %s; land masked before and after\n", fno->NX,
      fno->NY, g->periodic[0] ? "periodic" : "zero-padded to twice the cells",
      g->periodic[1] ? "periodic" : "zero-padded to twice the cells"));
  PetscCall(HcFFTView_Private(fno->fft, viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "redistribution: VecScatter between the DMDA blocks and FFTW's row slabs (%" PetscInt_FMT
                                   " values per cell in, %" PetscInt_FMT " out)\n",
                                   C + 1, C));
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "parameters %" PetscInt_FMT ": lift %" PetscInt_FMT ", spectral %" PetscInt_FMT
                                   " (real and imaginary parts), linear %" PetscInt_FMT ", projection %" PetscInt_FMT "\n",
                                   term->nparam, fno->oR, fno->oWp - fno->oR, fno->oP - fno->oWp, term->nparam - fno->oP));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermDestroy_FNO(HcTerm term)
{
  HcFNO *fno = (HcFNO *)term->data;

  PetscFunctionBegin;
  PetscCall(HcFFTDestroy_Private(&fno->fft));
  PetscCall(HcFFTDestroy_Private(&fno->fftin));
  PetscCall(VecScatterDestroy(&fno->scin));
  PetscCall(VecScatterDestroy(&fno->scout));
  PetscCall(VecDestroy(&fno->gin));
  PetscCall(VecDestroy(&fno->gout));
  PetscCall(VecDestroy(&fno->sin));
  PetscCall(VecDestroy(&fno->sout));
  PetscCall(DMDestroy(&fno->dain));
  PetscCall(PetscFree2(fno->mode, fno->mwt));
  PetscCall(PetscFree4(fno->xlin, fno->hlin, fno->slin, fno->dslin));
  PetscCall(PetscFree3(fno->h, fno->k, fno->gz));
  PetscCall(PetscFree4(fno->WpT, fno->dWpT, fno->AT, fno->dAT));
  PetscCall(PetscFree2(fno->WpP, fno->dWtmp));
  PetscCall(PetscFree2(fno->wsave, fno->wslab));
  PetscCall(PetscFree3(fno->Hlin, fno->X, fno->Y));
  PetscCall(PetscFree3(fno->Xin, fno->Xinlin, fno->Z));
  PetscCall(PetscFree3(fno->WA, fno->sumL, fno->sumA));
  PetscCall(PetscFree2(fno->RT, fno->dRT));
  PetscCall(HcFFTDestroy_Private(&fno->fftout));
  PetscCall(PetscFree(term->data));
  PetscFunctionReturn(0);
}

/* The options that rebuild this layer (model files). */
static PetscErrorCode HcTermArchitecture_FNO(HcTerm term, char buf[], size_t len)
{
  HcFNO *fno = (HcFNO *)term->data;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len,
                          "-fno_width %" PetscInt_FMT " -fno_modes %" PetscInt_FMT ",%" PetscInt_FMT
                          " -fno_activation %s -fno_output_scale %.17g",
                          fno->width, fno->mx, fno->my, HcActivations[fno->act], (double)fno->oscale));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermCreate_FNO(HcTerm term)
{
  HcFNO *fno;

  PetscFunctionBegin;
  PetscCall(PetscNew(&fno));
  fno->width     = 16;
  fno->mx        = 12;
  fno->my        = 12;
  fno->act       = HC_ACTIVATION_TANH;
  fno->initscale = 0.1;
  fno->oscale    = term->grid->type == HC_GRID_LATLON ? 1.0 / 86400 : 1;
  term->data     = fno;
  term->learned  = PETSC_TRUE;
  term->ops      = (HcTermOps){.setfromoptions         = HcTermSetFromOptions_FNO,
                               .setup                  = HcTermSetUp_FNO,
                               .view                   = HcTermView_FNO,
                               .destroy                = HcTermDestroy_FNO,
                               .parameterschanged      = HcTermParametersChanged_FNO,
                               .apply                  = HcTermApply_FNO,
                               .linearize              = HcTermLinearize_FNO,
                               .jacobian               = HcTermJacobian_FNO,
                               .jacobiantranspose      = HcTermJacobianTranspose_FNO,
                               .paramjacobian          = HcTermParamJacobian_FNO,
                               .paramjacobiantranspose = HcTermParamJacobianTranspose_FNO,
                               .recordsize             = HcTermRecordSize_FNO,
                               .record                 = HcTermRecord_FNO,
                               .restore                = HcTermRestore_FNO,
                               .estimaterates          = HcTermEstimateRates_FNO,
                               .architecture           = HcTermArchitecture_FNO};
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermFNOCheckNotSetUp_Private(HcTerm term)
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMFNO));
  PetscCheck(!term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': set this before HcTermSetUp()", term->name);
  PetscFunctionReturn(0);
}

/*@C
  HcTermFNOSetWidth - the number W of channels of the lifted field (default 16).
@*/
PetscErrorCode HcTermFNOSetWidth(HcTerm term, PetscInt width)
{
  PetscFunctionBegin;
  PetscCall(HcTermFNOCheckNotSetUp_Private(term));
  ((HcFNO *)term->data)->width = width;
  PetscFunctionReturn(0);
}

/*@C
  HcTermFNOSetModes - kept Fourier modes: kx in [0, mx) along x (the real-to-complex direction), ky in [-my, my) (default 12, 12).
@*/
PetscErrorCode HcTermFNOSetModes(HcTerm term, PetscInt mx, PetscInt my)
{
  HcFNO *fno = (HcFNO *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermFNOCheckNotSetUp_Private(term));
  fno->mx = mx;
  fno->my = my;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermFNOSetActivation(HcTerm term, HcActivation act)
{
  PetscFunctionBegin;
  PetscCall(HcTermFNOCheckNotSetUp_Private(term));
  ((HcFNO *)term->data)->act = act;
  PetscFunctionReturn(0);
}

/*@C
  HcTermFNOSetInitialization - seed and scale of the initial parameters: every parameter uniform in [-scale, scale), drawn in
  the order of the parameter vector from one generator seeded alike on every rank (default seed 0, scale 0.1).
@*/
PetscErrorCode HcTermFNOSetInitialization(HcTerm term, PetscInt seed, PetscReal scale)
{
  HcFNO *fno = (HcFNO *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermFNOCheckNotSetUp_Private(term));
  fno->seed      = seed;
  fno->initscale = scale;
  PetscFunctionReturn(0);
}

/*@C
  HcTermFNOGetTransformSizes - the size NX x NY of the transform grid (twice the cells along non-periodic directions).
@*/
PetscErrorCode HcTermFNOGetTransformSizes(HcTerm term, PetscInt *NX, PetscInt *NY)
{
  HcFNO *fno = (HcFNO *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMFNO));
  PetscCheck(term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': call HcTermSetUp() first", term->name);
  if (NX) *NX = fno->NX;
  if (NY) *NY = fno->NY;
  PetscFunctionReturn(0);
}

/*@C
  HcTermFNOGetWidth - the number W of channels of the lifted field.
@*/
PetscErrorCode HcTermFNOGetWidth(HcTerm term, PetscInt *width)
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMFNO));
  *width = ((HcFNO *)term->data)->width;
  PetscFunctionReturn(0);
}

/*@C
  HcTermFNOSetOutputScale - S = mask * scale * (projection); default 1, or 1/86400 on lat-lon grids (time in seconds).
@*/
PetscErrorCode HcTermFNOSetOutputScale(HcTerm term, PetscReal scale)
{
  PetscFunctionBegin;
  PetscCall(HcTermFNOCheckNotSetUp_Private(term));
  PetscCheck(scale > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTermFNOSetOutputScale: the scale must be positive, got %g",
             (double)scale);
  ((HcFNO *)term->data)->oscale = scale;
  PetscFunctionReturn(0);
}
