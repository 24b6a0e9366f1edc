/* The known physics: per field  du/dt = -div(v u) + div(K grad u)  by finite volumes.

   Every face carries a flux  alpha * sum_s adv[s] u[s] + beta * sum_s dif[s] u[s]  over the four cells straddling it
   (alpha = face velocity, beta = K for the operator itself).  F, J v and (dF/dtheta) dtheta are flux divergences with
   different (alpha, beta); J^T w and (dF/dtheta)^T w are the same face loop read backwards.  Closed faces (walls, land)
   carry no flux, so the area-weighted total of each field is conserved up to inflow of v.  Parameters:
   theta = [log K_0 .. log K_{nc-1}, vx, vy]  (the velocity pair only when it is a constant, not a field).
   A velocity field is data: fixed (HcTermAdvDiffSetVelocityField), or a time series per data environment
   (HcTermAdvDiffSetVelocitySeries, e.g. read from the variables -physics_velocity_vars), linear in time between its
   times; the environment is chosen by HcTermSetForcing (HcModelSetForcing).
   A learned flow field (-physics_velocity_learn field): the velocity of every cell is the given one (the data's, the
   constant pair, or none) plus a learned correction c[d][cell], appended to theta as 2 * nx * ny values (natural order
   cell = j nx + i, x components first); a face carries the mean of its two cells'.  F is bilinear in (velocity, u), so
   the parameter products weight the advective fluxes with the correction's direction; upwind coefficients are held at
   the current sign of the face velocity (the derivative of the fixed-upwind-choice flux). */
#include <hycast/private/termimpl.h>
#include <hycast/private/switches.h>
#include <hycast/private/kernelimpl.h>
#include <string.h>

const char *const HcAdvectionSchemes[] = {"centered", "upwind1", "upwind2", "HcAdvectionScheme", "HC_ADVECTION_", NULL};

#define HC_ADVDIFF_MAX_SERIES 64

typedef struct {
  HcAdvectionScheme scheme;
  PetscInt          nc;
  PetscReal         K[HC_MAX_FIELDS];     /* exp(theta[c]), refreshed when the parameters change */
  PetscReal         kinit[HC_MAX_FIELDS]; /* initial diffusivities from the options */
  PetscInt          nkinit;
  PetscReal         vinit[2];
  PetscBool         velfield;
  DM                dav; /* two-component layout of the velocity field */
  /* velocity series, one per forcing key (a data environment; -1: every environment, a fixed field): ghosted local
     vectors, so that an interpolation in time is a local combination without communication */
  struct {
    PetscInt   key, n;
    PetscReal *t;
    Vec       *vloc;
  } series[HC_ADVDIFF_MAX_SERIES];
  PetscInt  nseries, fkey;      /* the series stored; the forcing key selected */
  char      velvars[2][64];     /* -physics_velocity_vars: the data variables of the series ("": none) */
  Vec       vapply, vlin, vcur; /* velocity at the time of the last F and of the linearisation; the sweeps read vcur */
  PetscReal tapply, tlin;       /* their times, valid for the keys kapply, klin (-2: not computed) */
  PetscInt  kapply, klin;
  Vec       ulin; /* linearisation point, borrowed from the caller */
  /* learned flow field: the sweeps then always read a velocity field (vapply, vlin), so the fast path is off */
  PetscBool  learn, constvel; /* a learned correction per cell; theta holds the constant pair (vx, vy) */
  PetscReal  smooth;          /* -physics_velocity_smooth: weight of the correction's roughness in the training loss */
  PetscInt   voff, ncell;     /* offset of the correction in theta, the grid's cell count */
  Vec        vcorr, vdir;     /* ghosted: the constant pair plus the correction; a parameter direction of the same */
  PetscReal *work;            /* three rows of face fluxes for the flux-divergence sweep */
  /* fast path (HcAdvDiffFast_Private): taken when the velocity is a constant and no cell within two of this rank's cells
     is land or beyond a wall, so that every face is open; -physics_fast_path 0 turns it off */
  PetscBool  fastopt, fast;
  PetscInt   fastmask; /* the grid's maskstate that fast was decided for */
  PetscReal *fwork;    /* row arrays of the fast sweeps: 14 rows of (xm + 2) nc reals, the last two fixed (inverse metrics) */
  PetscBool  xuniform; /* the x spacing is the same over every cell and face the fast sweeps touch (cartesian and lat-lon
                          grids): the x-face coefficients are scalars instead of rows */
  const PetscScalar **rows; /* ym + 4 row pointers (grid rows ys-2 .. ye+1) for the fast sweeps */
  PetscReal          *xrow; /* five cells at an end of a periodic row, with its wrap (HcAdvDiffWrapCells) */
  /* F of this term alone (HcTermApply, a physics-only model) with ghost rows instead of a local vector, the interior
     swept while they travel: where the grid allows it (HcGridRowsBegin_Private) and the fast path is on every rank;
     -physics_overlap 0: off */
  PetscBool overlapopt, overlap;
  PetscInt  overlapmask; /* the grid's maskstate that overlap was decided for */
} HcAdvDiff;

/* Face coefficients over the cells (l-1, l, l+1, l+2) along the face normal, l and l+1 being the two sides. */
typedef struct {
  PetscReal adv[4], dif[4];
} HcFace;

/* dm, d0, dp: centre distances (l-1 -> l), (l -> l+1), (l+1 -> l+2); upok/dnok: cells l-1 / l+2 are active.
   upwind2 extrapolates linearly from the two upstream cells (no limiter: it must stay differentiable) and falls back to
   upwind1 next to a wall or land. */
static inline void HcAdvectionCoefficients(HcAdvectionScheme scheme, PetscReal a, PetscBool upok, PetscBool dnok, PetscReal dm,
                                           PetscReal d0, PetscReal dp, PetscReal adv[4])
{
  adv[0] = adv[1] = adv[2] = adv[3] = 0;
  switch (scheme) {
    case HC_ADVECTION_CENTERED: adv[1] = adv[2] = 0.5; break;
    case HC_ADVECTION_UPWIND1:
      if (a >= 0)
        adv[1] = 1;
      else
        adv[2] = 1;
      break;
    case HC_ADVECTION_UPWIND2:
      if (a >= 0) {
        if (upok) {
          const PetscReal r = 0.5 * d0 / dm;
          adv[0]            = -r;
          adv[1]            = 1 + r;
        } else
          adv[1] = 1;
      } else {
        if (dnok) {
          const PetscReal r = 0.5 * d0 / dp;
          adv[2]            = 1 + r;
          adv[3]            = -r;
        } else
          adv[2] = 1;
      }
      break;
  }
}

/* x-face between cells (l, j) and (l+1, j).  Only the mask is read, never u, so land and wall ghosts may hold
   anything.  Returns PETSC_FALSE for a closed face. */
static inline PetscBool HcFaceX(HcAdvectionScheme scheme, const HcGridMetrics *m, const PetscScalar **mk, PetscInt j, PetscInt l,
                                PetscReal a, HcFace *f)
{
  PetscReal d;

  if (mk[j][l] == 0 || mk[j][l + 1] == 0) return PETSC_FALSE;
  d         = m->xd[l] * m->cc[j];
  f->dif[0] = f->dif[3] = 0;
  f->dif[1]             = 1 / d;
  f->dif[2]             = -1 / d;
  HcAdvectionCoefficients(scheme, a, scheme == HC_ADVECTION_UPWIND2 && a >= 0 && mk[j][l - 1] != 0,
                          scheme == HC_ADVECTION_UPWIND2 && a < 0 && mk[j][l + 2] != 0, m->xd[l - 1], m->xd[l], m->xd[l + 1],
                          f->adv);
  return PETSC_TRUE;
}

/* y-face between cells (i, l) and (i, l+1). */
static inline PetscBool HcFaceY(HcAdvectionScheme scheme, const HcGridMetrics *m, const PetscScalar **mk, PetscInt i, PetscInt l,
                                PetscReal b, HcFace *f)
{
  PetscReal d;

  if (mk[l][i] == 0 || mk[l + 1][i] == 0) return PETSC_FALSE;
  d         = m->yd[l];
  f->dif[0] = f->dif[3] = 0;
  f->dif[1]             = 1 / d;
  f->dif[2]             = -1 / d;
  HcAdvectionCoefficients(scheme, b, scheme == HC_ADVECTION_UPWIND2 && b >= 0 && mk[l - 1][i] != 0,
                          scheme == HC_ADVECTION_UPWIND2 && b < 0 && mk[l + 2][i] != 0, m->yd[l - 1], m->yd[l], m->yd[l + 1],
                          f->adv);
  return PETSC_TRUE;
}

static inline PetscReal HcFaceVelocityX(const HcAdvDiff *ad, const PetscReal *theta, const PetscScalar ***V, PetscInt j,
                                        PetscInt l)
{
  return ad->velfield ? 0.5 * PetscRealPart(V[j][l][0] + V[j][l + 1][0]) : theta[ad->nc];
}

static inline PetscReal HcFaceVelocityY(const HcAdvDiff *ad, const PetscReal *theta, const PetscScalar ***V, PetscInt i,
                                        PetscInt l)
{
  return ad->velfield ? 0.5 * PetscRealPart(V[l][i][1] + V[l + 1][i][1]) : theta[ad->nc + 1];
}

/* sum_s coef[s] * v[s] over the nonzero coefficients only, so values behind a zero coefficient are never read */
static inline PetscReal HcStencilDot(const PetscReal coef[4], PetscReal v0, PetscReal v1, PetscReal v2, PetscReal v3)
{
  PetscReal s = 0;
  if (coef[0] != 0) s += coef[0] * v0;
  if (coef[1] != 0) s += coef[1] * v1;
  if (coef[2] != 0) s += coef[2] * v2;
  if (coef[3] != 0) s += coef[3] * v3;
  return s;
}

typedef struct {
  PetscBool            velocity_from_face; /* alpha = face velocity (the operator) or dalpha[] (a parameter direction) */
  const PetscReal     *dalpha;             /* per direction, used when !velocity_from_face */
  const PetscReal     *beta;               /* per field */
  PetscBool            insert;             /* write the output instead of adding to it (the general sweep zeroes it first) */
  const PetscScalar ***dV; /* a velocity direction per cell (face: mean of its cells) instead of dalpha, or NULL */
} HcFluxWeights;

/* ---- the fast path: every face open, one constant velocity.  No mask test, no branch per face or field: every row
   is a flat array of (cell, field) values and the loops over it vectorise (HC_KERNEL).  Face coefficients are computed
   with the same formulas and operands as the general sweeps (HcFaceX/Y), so the fluxes are the same numbers. */

/* The fast sweeps' work array: 12 rows of L = (xm + 2) nc reals for the sweeps, then two fixed rows, per element k of a
   row (k = (cell - xs + 1) nc + c): 1/xd of the x-face between cells xs-1+k/nc and xs+k/nc, and 1/xw of cell xs-1+k/nc.
   With them the sweeps multiply where the general code divides (the results agree to round-off). */
static PetscErrorCode HcAdvDiffFastSetUp_Private(HcTerm term)
{
  HcAdvDiff           *ad = (HcAdvDiff *)term->data;
  HcGrid               g  = term->grid;
  const HcGridMetrics *m  = &g->m;
  const PetscInt       L  = (g->xm + 2) * ad->nc;

  PetscFunctionBegin;
  if (!ad->fastopt || ad->velfield || ad->fwork) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(14 * L, &ad->fwork));
  for (PetscInt i = g->xs - 1, k = 0; i < g->xs + g->xm + 1; i++)
    for (PetscInt c = 0; c < ad->nc; c++, k++) {
      ad->fwork[12 * L + k] = 1 / m->xd[i];
      ad->fwork[13 * L + k] = 1 / m->xw[i];
    }
  /* the x-faces' coefficients read xd[xs-2 .. xe], the divergences xw[xs .. xe]; on a uniform grid these differences of
     cell centres still vary in their last bits, hence the tolerance: the scalar sweeps then agree with the row sweeps
     to round-off */
  ad->xuniform = PETSC_TRUE;
  for (PetscInt i = g->xs - 2; i <= g->xs + g->xm; i++)
    if (PetscAbsReal(m->xd[i] - m->xd[g->xs]) > 1e-12 * m->xd[g->xs] ||
        (i >= g->xs && PetscAbsReal(m->xw[i] - m->xw[g->xs]) > 1e-12 * m->xw[g->xs]))
      ad->xuniform = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Row j of a ghosted local vector (from cell xs) and of a global one, from the flat arrays: the fast sweeps use no
   DMDAVecGetArrayDOF, whose row-pointer tables cost as much as the sweeps themselves at these sizes. */
static inline PetscInt HcAdvDiffLocalRow(const HcGrid g, PetscInt nc, PetscInt j)
{
  return ((j - g->gys) * g->gxm + (g->xs - g->gxs)) * nc;
}

static inline PetscInt HcAdvDiffGlobalRow(const HcGrid g, PetscInt nc, PetscInt j)
{
  return (j - g->ys) * g->xm * nc;
}

/* The rows of the fast sweeps' work array, L reals each: the coefficient rows A[4], D1, D2, beta, then rows 7.. free */
static void HcAdvDiffFastRows(const HcAdvDiff *ad, PetscInt L, PetscReal *r[12], PetscReal *A[4], PetscReal **D1, PetscReal **D2,
                              PetscReal **beta)
{
  for (PetscInt k = 0; k < 12; k++) r[k] = ad->fwork + k * L;
  for (PetscInt q = 0; q < 4; q++) A[q] = r[q];
  *D1   = r[4];
  *D2   = r[5];
  *beta = r[6];
}

/* D1[k] = ixd[k] icc, D2[k] = -D1[k]: the diffusive x-face coefficients of a row from the faces' 1/xd and the row's
   1/cc */
HC_KERNEL static void HcAdvDiffFastDiffusiveX(PetscInt n, const PetscReal *ixd, PetscReal icc, PetscReal *D1, PetscReal *D2)
{
  for (PetscInt k = 0; k < n; k++) {
    D1[k] = ixd[k] * icc;
    D2[k] = -D1[k];
  }
}

/* The advective coefficients A[s][k] of the x-faces between cells (l, l+1), l = xs-1 .. xe-1, expanded per field
   (k = (l - xs + 1) nc + c): the same for every row */
static void HcAdvDiffFastAdvectiveX(const HcAdvDiff *ad, const HcGrid g, PetscReal a, PetscReal *A[4])
{
  const HcGridMetrics *m = &g->m;

  for (PetscInt l = g->xs - 1, k = 0; l < g->xs + g->xm; l++) {
    PetscReal adv[4];

    HcAdvectionCoefficients(ad->scheme, a, PETSC_TRUE, PETSC_TRUE, m->xd[l - 1], m->xd[l], m->xd[l + 1], adv);
    for (PetscInt c = 0; c < ad->nc; c++, k++)
      for (PetscInt q = 0; q < 4; q++) A[q][k] = adv[q];
  }
}

/* The x-face coefficients of row j: the advective ones once per sweep (first row), the diffusive ones D1 = 1 / (xd cc[j])
   and D2 = -D1 every row (cc[j]: the row's x-metric factor) */
static void HcAdvDiffFastRowX(const HcAdvDiff *ad, const HcGrid g, PetscInt j, PetscReal a, PetscReal *A[4], PetscReal *D1,
                              PetscReal *D2, PetscBool *first)
{
  if (*first) HcAdvDiffFastAdvectiveX(ad, g, a, A);
  HcAdvDiffFastDiffusiveX((g->xm + 1) * ad->nc, ad->fwork + 12 * (g->xm + 2) * ad->nc, 1 / g->m.cc[j], D1, D2);
  *first = PETSC_FALSE;
}

/* The face fluxes of a row with coefficient rows (HcAdvDiffFastFlux below).  restrict: without it GCC gives up on the
   run-time alias checks of this many arrays and the loop stays scalar (four times slower); the four u rows are only
   read, so they may overlap. */
HC_KERNEL static void HcAdvDiffFastFluxRows(PetscInt n, const PetscReal *restrict u0, const PetscReal *restrict u1,
                                            const PetscReal *restrict u2, const PetscReal *restrict u3, PetscReal w,
                                            const PetscReal *restrict a0, const PetscReal *restrict a1,
                                            const PetscReal *restrict a2, const PetscReal *restrict a3,
                                            const PetscReal *restrict D1, const PetscReal *restrict D2,
                                            const PetscReal *restrict beta, PetscReal *restrict out)
{
  for (PetscInt k = 0; k < n; k++)
    out[k] = w * (((a0[k] * u0[k] + a1[k] * u1[k]) + a2[k] * u2[k]) + a3[k] * u3[k]) + beta[k] * (D1[k] * u1[k] + D2[k] * u2[k]);
}

/* out[k] = w (((A0 u0[k] + A1 u1[k]) + A2 u2[k]) + A3 u3[k]) + beta[k] (D1 u1[k] + D2 u2[k]), k < n: the face fluxes
   of a row of faces from the four cells straddling each face (u[s] the s-th of them: for x-faces shifted copies of
   one row, for y-faces four grid rows), with coefficient arrays per element, or, with Asc/Dsc, the same scalars for
   every element */
HC_KERNEL static void HcAdvDiffFastFlux(PetscInt n, const PetscReal *const u[4], PetscReal w, PetscReal *const A[4],
                                        const PetscReal *Asc, const PetscReal *D1, const PetscReal *D2, const PetscReal *Dsc,
                                        const PetscReal *beta, PetscReal *out)
{
  if (Asc) {
    const PetscReal a0 = Asc[0], a1 = Asc[1], a2 = Asc[2], a3 = Asc[3], d1 = Dsc[0], d2 = Dsc[1];
    const PetscReal *restrict u0 = u[0], *restrict u1 = u[1], *restrict u2 = u[2], *restrict u3 = u[3];
    const PetscReal *restrict bt = beta;
    PetscReal *restrict o        = out;

    /* two-point schemes (centred, first-order upwind): the same values for finite u, two rows fewer to read */
    if (a0 == 0 && a3 == 0)
      for (PetscInt k = 0; k < n; k++) o[k] = w * (a1 * u1[k] + a2 * u2[k]) + bt[k] * (d1 * u1[k] + d2 * u2[k]);
    else
      for (PetscInt k = 0; k < n; k++)
        o[k] = w * (((a0 * u0[k] + a1 * u1[k]) + a2 * u2[k]) + a3 * u3[k]) + bt[k] * (d1 * u1[k] + d2 * u2[k]);
  } else
    HcAdvDiffFastFluxRows(n, u[0], u[1], u[2], u[3], w, A[0], A[1], A[2], A[3], D1, D2, beta, out);
}

/* F[k] (+)= (sxj ixw[k]) (fw[k] - fw[k+nc]) + (sys fs[k] - syn fn[k]), or with ixw NULL the scalar ixwsc for every k;
   written (insert) or added */
HC_KERNEL static void HcAdvDiffFastDivergence(PetscInt n, PetscInt nc, PetscReal sxj, const PetscReal *ixw, PetscReal ixwsc,
                                              PetscReal sys, PetscReal syn, const PetscReal *fw, const PetscReal *fs,
                                              const PetscReal *fn, PetscBool insert, PetscReal *F)
{
  if (ixw && insert)
    for (PetscInt k = 0; k < n; k++) F[k] = (sxj * ixw[k]) * (fw[k] - fw[k + nc]) + (sys * fs[k] - syn * fn[k]);
  else if (ixw)
    for (PetscInt k = 0; k < n; k++) F[k] += (sxj * ixw[k]) * (fw[k] - fw[k + nc]) + (sys * fs[k] - syn * fn[k]);
  else {
    const PetscReal sx = sxj * ixwsc;

    if (insert)
      for (PetscInt k = 0; k < n; k++) F[k] = sx * (fw[k] - fw[k + nc]) + (sys * fs[k] - syn * fn[k]);
    else
      for (PetscInt k = 0; k < n; k++) F[k] += sx * (fw[k] - fw[k + nc]) + (sys * fs[k] - syn * fn[k]);
  }
}

/* The x-face coefficients of a sweep on a grid uniform along x (xuniform): the advective ones, the same for every face
   of the sweep */
static void HcAdvDiffFastUniformX(const HcAdvDiff *ad, const HcGrid g, PetscReal a, PetscReal adv[4])
{
  const HcGridMetrics *m = &g->m;

  HcAdvectionCoefficients(ad->scheme, a, PETSC_TRUE, PETSC_TRUE, m->xd[g->xs - 2], m->xd[g->xs - 1], m->xd[g->xs], adv);
}

/* ... and the diffusive pair of row j, 1/(xd cc[j]) and its negative (the rows' D1, D2 of HcAdvDiffFastRowX) */
static void HcAdvDiffFastUniformDiffusiveX(const HcAdvDiff *ad, const HcGrid g, PetscInt j, PetscReal dx[2])
{
  dx[0] = ad->fwork[12 * (g->xm + 2) * ad->nc] * (1 / g->m.cc[j]);
  dx[1] = -dx[0];
}

/* The fast path needs a constant velocity and every cell within two of this rank's cells active (so that every face the
   sweeps touch is open); decided again whenever the grid's mask has changed. */
static PetscErrorCode HcAdvDiffUseFast_Private(HcTerm term, PetscBool *fast)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;
  HcGrid     g  = term->grid;

  PetscFunctionBegin;
  if (ad->fastmask != g->maskstate) {
    ad->fast = ad->fastopt && !ad->velfield && ad->fwork ? PETSC_TRUE : PETSC_FALSE;
    if (ad->fast) {
      const PetscScalar **mk;

      /* the sweeps reach two cells along rows and columns, never diagonally (the ghosted corners are not filled) */
      PetscCall(DMDAVecGetArrayRead(g->da1, g->maskloc, &mk));
      for (PetscInt j = g->ys - HC_GRID_GHOST; j < g->ys + g->ym + HC_GRID_GHOST; j++)
        for (PetscInt i = g->xs - HC_GRID_GHOST; i < g->xs + g->xm + HC_GRID_GHOST; i++) {
          const PetscBool inrow = j >= g->ys && j < g->ys + g->ym, incol = i >= g->xs && i < g->xs + g->xm;

          if ((inrow || incol) && mk[j][i] == 0) ad->fast = PETSC_FALSE;
        }
      PetscCall(DMDAVecRestoreArrayRead(g->da1, g->maskloc, &mk));
    }
    ad->fastmask = g->maskstate;
  }
  *fast = ad->fast;
  PetscFunctionReturn(0);
}

/* What the fast sweeps of one product share: the face weights, the x-face coefficients, the inverse cell widths */
typedef struct {
  const HcFluxWeights *wt;
  PetscReal            a, b, aw, bw, xadv[4]; /* the velocity, and the face weights of x and y fluxes */
  PetscReal           *A[4], *D1, *D2, *beta;
  const PetscReal     *ixw;   /* 1/xw from cell xs */
  PetscBool            first; /* the coefficient rows A are still to be computed */
} HcAdvDiffFastSweep;

static void HcAdvDiffFastSweepSetUp(HcTerm term, const HcFluxWeights *wt, HcAdvDiffFastSweep *sw)
{
  HcAdvDiff     *ad = (HcAdvDiff *)term->data;
  HcGrid         g  = term->grid;
  const PetscInt nc = ad->nc, L = (g->xm + 2) * nc;
  PetscReal     *r[12];

  sw->wt    = wt;
  sw->a     = term->theta[nc];
  sw->b     = term->theta[nc + 1];
  sw->aw    = wt->velocity_from_face ? sw->a : wt->dalpha[0];
  sw->bw    = wt->velocity_from_face ? sw->b : wt->dalpha[1];
  sw->ixw   = ad->fwork + 13 * L + nc;
  sw->first = PETSC_TRUE;
  HcAdvDiffFastRows(ad, L, r, sw->A, &sw->D1, &sw->D2, &sw->beta);
  if (ad->xuniform) HcAdvDiffFastUniformX(ad, g, sw->a, sw->xadv);
  for (PetscInt k = 0; k < (g->xm + 1) * nc; k++) sw->beta[k] = wt->beta[k % nc];
}

/* The x-face fluxes fx of faces [f0, f1) of a row (face f between cells xs-1+f and xs+f) from its cells c = f0-2 .. f1
   (relative to xs) at base + (c - c0) nc; dx: the row's diffusive pair on an x-uniform grid (otherwise the rows D1, D2
   of HcAdvDiffFastRowX) */
static void HcAdvDiffFastFluxX(const HcAdvDiff *ad, const HcAdvDiffFastSweep *sw, PetscInt f0, PetscInt f1, const PetscReal *base,
                               PetscInt c0, const PetscReal dx[2], PetscReal *fx)
{
  const PetscInt   nc = ad->nc, o = f0 * nc;
  const PetscReal *ux[4];
  PetscReal       *A[4];

  for (PetscInt q = 0; q < 4; q++) {
    ux[q] = base + (f0 - 2 + q - c0) * nc;
    A[q]  = sw->A[q] + o;
  }
  if (ad->xuniform)
    HcAdvDiffFastFlux((f1 - f0) * nc, ux, sw->aw, NULL, sw->xadv, NULL, NULL, dx, sw->beta + o, fx + o);
  else
    HcAdvDiffFastFlux((f1 - f0) * nc, ux, sw->aw, A, NULL, sw->D1 + o, sw->D2 + o, NULL, sw->beta + o, fx + o);
}

/* cells [c0, c1) of a periodic row of xm cells (relative to its first, wrapped), nc values each, into buf */
static void HcAdvDiffWrapCells(const PetscReal *row, PetscInt xm, PetscInt nc, PetscInt c0, PetscInt c1, PetscReal *buf)
{
  for (PetscInt c = c0; c < c1; c++) {
    PetscInt w = c; /* c mod xm without divisions: c lies within a few cells of the row */

    while (w < 0) w += xm;
    while (w >= xm) w -= xm;
    for (PetscInt k = 0; k < nc; k++) buf[(c - c0) * nc + k] = row[w * nc + k];
  }
}

/* F (+)= the flux divergence on grid rows [jb, je) (F: this rank's part of a global vector), from row pointers: row[j -
   rb] is cell xs of grid row j, j = jb-2 .. je+1.  With xg the rows carry two x-ghost cells on each side (a ghosted
   local vector); otherwise they are whole periodic rows (one rank across) whose end cells are copied with the wrap. */
static void HcAdvDiffFastSweepRows(HcTerm term, HcAdvDiffFastSweep *sw, const PetscReal *const *row, PetscInt rb, PetscBool xg,
                                   PetscInt jb, PetscInt je, PetscScalar *F)
{
  HcAdvDiff           *ad = (HcAdvDiff *)term->data;
  HcGrid               g  = term->grid;
  const HcGridMetrics *m  = &g->m;
  const PetscInt       nc = ad->nc, xm = g->xm;
  PetscReal           *fx = ad->work, *fs = fx + (xm + 1) * nc, *fn = fs + xm * nc;

  if (jb >= je) return; /* no rows: read nothing (a ghost row may still be on its way) */
  for (PetscInt j = jb - 1; j < je; j++) {
    const PetscReal *uy[4] = {row[j - 1 - rb], row[j - rb], row[j + 1 - rb], row[j + 2 - rb]};
    HcFace           fc;
    PetscReal        dsc[2];

    /* y-faces between rows j and j+1: the same coefficients all along the row */
    HcAdvectionCoefficients(ad->scheme, sw->b, PETSC_TRUE, PETSC_TRUE, m->yd[j - 1], m->yd[j], m->yd[j + 1], fc.adv);
    dsc[0] = 1 / m->yd[j];
    dsc[1] = -1 / m->yd[j];
    HcAdvDiffFastFlux(xm * nc, uy, sw->bw, NULL, fc.adv, NULL, NULL, dsc, sw->beta, fn);
    if (j >= jb) {
      const PetscReal *uj    = uy[1];
      PetscReal        dx[2] = {0, 0};

      if (ad->xuniform)
        HcAdvDiffFastUniformDiffusiveX(ad, g, j, dx);
      else
        HcAdvDiffFastRowX(ad, g, j, sw->a, sw->A, sw->D1, sw->D2, &sw->first);
      if (xg)
        HcAdvDiffFastFluxX(ad, sw, 0, xm + 1, uj, 0, dx, fx);
      else {
        /* the faces whose cells all lie in the row read it in place; the two at each end, cells copied with the wrap */
        const PetscInt e0 = PetscMin(2, xm + 1), e1 = PetscMax(xm - 1, e0);

        HcAdvDiffWrapCells(uj, xm, nc, -2, e0 + 1, ad->xrow);
        HcAdvDiffFastFluxX(ad, sw, 0, e0, ad->xrow, -2, dx, fx);
        if (e1 > e0) HcAdvDiffFastFluxX(ad, sw, e0, e1, uj, 0, dx, fx);
        HcAdvDiffWrapCells(uj, xm, nc, e1 - 2, xm + 2, ad->xrow);
        HcAdvDiffFastFluxX(ad, sw, e1, xm + 1, ad->xrow, e1 - 2, dx, fx);
      }
      HcAdvDiffFastDivergence(xm * nc, nc, m->yw[j] / m->ya[j], ad->xuniform ? NULL : sw->ixw, sw->ixw[0],
                              m->cf[j - 1] / m->ya[j], m->cf[j] / m->ya[j], fx, fs, fn, sw->wt->insert,
                              F + HcAdvDiffGlobalRow(g, nc, j));
    }
    {
      PetscReal *tmp = fs;
      fs             = fn;
      fn             = tmp;
    }
  }
}

/* f += flux divergence of u with the given weights, on the fast path, from a ghosted local vector */
static PetscErrorCode HcAdvDiffFluxDivergenceFast_Private(HcTerm term, Vec uloc, Vec f, const HcFluxWeights *wt)
{
  HcAdvDiff         *ad = (HcAdvDiff *)term->data;
  HcGrid             g  = term->grid;
  const PetscInt     G = HC_GRID_GHOST, rb = g->ys - G;
  const PetscScalar *u;
  PetscScalar       *F;
  HcAdvDiffFastSweep sw;

  PetscFunctionBegin;
  HcAdvDiffFastSweepSetUp(term, wt, &sw);
  PetscCall(VecGetArrayRead(uloc, &u));
  PetscCall(VecGetArray(f, &F));
  for (PetscInt j = rb; j < g->ys + g->ym + G; j++) ad->rows[j - rb] = u + HcAdvDiffLocalRow(g, ad->nc, j);
  HcAdvDiffFastSweepRows(term, &sw, ad->rows, rb, PETSC_TRUE, g->ys, g->ys + g->ym, F);
  PetscCall(VecRestoreArray(f, &F));
  PetscCall(VecRestoreArrayRead(uloc, &u));
  PetscFunctionReturn(0);
}

/* Whether HcTermApply takes the ghost-row path (HcTermApplyGlobal_AdvDiff): the grid exchanges whole rows
   (HcGridRowsBegin_Private), x is periodic, and the fast path is on at every rank, since the ranks exchange with one
   another and must all take it or none.  Decided again (collectively) whenever the grid's mask has changed. */
static PetscErrorCode HcAdvDiffUseOverlap_Private(HcTerm term, PetscBool *use)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;
  HcGrid     g  = term->grid;

  PetscFunctionBegin;
  if (ad->overlapmask != g->maskstate) {
    PetscBool fast;
    int       on;

    PetscCall(HcAdvDiffUseFast_Private(term, &fast));
    on = ad->overlapopt && g->rowsok && g->periodic[0] && g->xm == g->nx && fast;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &on, 1, MPI_INT, MPI_MIN, term->comm));
    ad->overlap     = on ? PETSC_TRUE : PETSC_FALSE;
    ad->overlapmask = g->maskstate;
  }
  *use = ad->overlap;
  PetscFunctionReturn(0);
}

/* f += flux divergence of u with the given weights.  Sweeps rows; each face flux is computed once per rank. */
static PetscErrorCode HcAdvDiffFluxDivergence_Private(HcTerm term, Vec uloc, Vec f, const HcFluxWeights *wt)
{
  HcAdvDiff           *ad = (HcAdvDiff *)term->data;
  HcGrid               g  = term->grid;
  const HcGridMetrics *m  = &g->m;
  const PetscInt       nc = ad->nc, xs = g->xs, xe = g->xs + g->xm, ys = g->ys, ye = g->ys + g->ym;
  const PetscScalar  **mk, ***u, ***V = NULL;
  PetscScalar       ***F;
  PetscReal           *fx = ad->work, *fs = fx + (g->xm + 1) * nc, *fn = fs + g->xm * nc;
  HcFace               fc;

  PetscBool fast;

  PetscFunctionBegin;
  PetscCall(HcAdvDiffUseFast_Private(term, &fast));
  if (fast) {
    PetscCall(HcAdvDiffFluxDivergenceFast_Private(term, uloc, f, wt));
    PetscFunctionReturn(0);
  }
  if (wt->insert) PetscCall(VecSet(f, 0)); /* the general sweep adds: land cells and closed faces write nothing */
  PetscCall(DMDAVecGetArrayRead(g->da1, g->maskloc, &mk));
  PetscCall(DMDAVecGetArrayDOFRead(g->da, uloc, &u));
  PetscCall(DMDAVecGetArrayDOF(g->da, f, &F));
  if (ad->velfield) PetscCall(DMDAVecGetArrayDOFRead(ad->dav, ad->vcur, &V));
  for (PetscInt j = ys - 1; j < ye; j++) {
    /* y-faces between rows j and j+1 */
    for (PetscInt i = xs; i < xe; i++) {
      PetscReal *out = fn + (i - xs) * nc;
      PetscReal  b   = HcFaceVelocityY(ad, term->theta, V, i, j);

      if (!HcFaceY(ad->scheme, m, mk, i, j, b, &fc)) {
        for (PetscInt c = 0; c < nc; c++) out[c] = 0;
        continue;
      }
      b = wt->velocity_from_face ? b : (wt->dV ? 0.5 * PetscRealPart(wt->dV[j][i][1] + wt->dV[j + 1][i][1]) : wt->dalpha[1]);
      for (PetscInt c = 0; c < nc; c++) {
        const PetscReal v0 = fc.adv[0] != 0 ? PetscRealPart(u[j - 1][i][c]) : 0,
                        v3 = fc.adv[3] != 0 ? PetscRealPart(u[j + 2][i][c]) : 0;
        const PetscReal v1 = PetscRealPart(u[j][i][c]), v2 = PetscRealPart(u[j + 1][i][c]);

        out[c] = b * HcStencilDot(fc.adv, v0, v1, v2, v3) + wt->beta[c] * (fc.dif[1] * v1 + fc.dif[2] * v2);
      }
    }
    if (j >= ys) {
      /* x-faces of row j, from the west face of cell xs to the east face of cell xe-1 */
      for (PetscInt l = xs - 1; l < xe; l++) {
        PetscReal *out = fx + (l - xs + 1) * nc;
        PetscReal  a   = HcFaceVelocityX(ad, term->theta, V, j, l);

        if (!HcFaceX(ad->scheme, m, mk, j, l, a, &fc)) {
          for (PetscInt c = 0; c < nc; c++) out[c] = 0;
          continue;
        }
        a = wt->velocity_from_face ? a : (wt->dV ? 0.5 * PetscRealPart(wt->dV[j][l][0] + wt->dV[j][l + 1][0]) : wt->dalpha[0]);
        for (PetscInt c = 0; c < nc; c++) {
          const PetscReal v0 = fc.adv[0] != 0 ? PetscRealPart(u[j][l - 1][c]) : 0,
                          v3 = fc.adv[3] != 0 ? PetscRealPart(u[j][l + 2][c]) : 0;
          const PetscReal v1 = PetscRealPart(u[j][l][c]), v2 = PetscRealPart(u[j][l + 1][c]);

          out[c] = a * HcStencilDot(fc.adv, v0, v1, v2, v3) + wt->beta[c] * (fc.dif[1] * v1 + fc.dif[2] * v2);
        }
      }
      for (PetscInt i = xs; i < xe; i++) {
        const PetscReal  sx = m->yw[j] / (m->xw[i] * m->ya[j]), sys = m->cf[j - 1] / m->ya[j], syn = m->cf[j] / m->ya[j];
        const PetscReal *w = fx + (i - xs) * nc, *e = w + nc, *s = fs + (i - xs) * nc, *n = fn + (i - xs) * nc;

        for (PetscInt c = 0; c < nc; c++) F[j][i][c] += sx * (w[c] - e[c]) + (sys * s[c] - syn * n[c]);
      }
    }
    {
      PetscReal *tmp = fs;
      fs             = fn;
      fn             = tmp;
    }
  }
  if (ad->velfield) PetscCall(DMDAVecRestoreArrayDOFRead(ad->dav, ad->vcur, &V));
  PetscCall(DMDAVecRestoreArrayDOF(g->da, f, &F));
  PetscCall(DMDAVecRestoreArrayDOFRead(g->da, uloc, &u));
  PetscCall(DMDAVecRestoreArrayRead(g->da1, g->maskloc, &mk));
  PetscFunctionReturn(0);
}

/* The parameter-gradient lanes of a row of faces (HcAdvDiffFastTransposeRow below), with scalar or row coefficients.
   restrict lets GCC vectorise them (the alias checks of this many arrays are too many for it). */
HC_KERNEL static void HcAdvDiffFastGradientScalars(PetscInt n, PetscInt                         st, const PetscReal *restrict gf,
                                                   const PetscReal *restrict u, const PetscReal Asc[4], const PetscReal Dsc[2],
                                                   const PetscReal *restrict beta, PetscReal *restrict gK, PetscReal *restrict gV)
{
  const PetscReal a0 = Asc[0], a1 = Asc[1], a2 = Asc[2], a3 = Asc[3], d1 = Dsc[0], d2 = Dsc[1];

  for (PetscInt k = 0; k < n; k++) {
    gK[k] += gf[k] * beta[k] * (d1 * u[k] + d2 * u[k + st]);
    gV[k] += gf[k] * (((a0 * u[k - st] + a1 * u[k]) + a2 * u[k + st]) + a3 * u[k + 2 * st]);
  }
}

HC_KERNEL static void HcAdvDiffFastGradientRows(PetscInt n, PetscInt st, const PetscReal *restrict gf,
                                                const PetscReal *restrict u, const PetscReal *restrict a0,
                                                const PetscReal *restrict a1, const PetscReal *restrict a2,
                                                const PetscReal *restrict a3, const PetscReal *restrict D1,
                                                const PetscReal *restrict D2, const PetscReal *restrict beta,
                                                PetscReal *restrict gK, PetscReal *restrict gV)
{
  for (PetscInt k = 0; k < n; k++) {
    gK[k] += gf[k] * beta[k] * (D1[k] * u[k] + D2[k] * u[k + st]);
    gV[k] += gf[k] * (((a0[k] * u[k - st] + a1[k] * u[k]) + a2[k] * u[k + st]) + a3[k] * u[k + 2 * st]);
  }
}

/* One row of faces of the fast transposed sweep, n = (faces) x (fields) elements k, shifts of st between the cells
   (l-1, l, l+1, l+2) of a face:  given the face weights gf,
     y[k + (s-1) st] += gf[k] (a A_s + beta D_s),   gK[k] += gf[k] beta[k] (D1 u[k] + D2 u[k+st]),
     gV[k] += gf[k] (((A0 u[k-st] + A1 u[k]) + A2 u[k+st]) + A3 u[k+2st])
   (coefficient arrays A, D1, D2 per element, or the scalars Asc, Dsc); y, u may be NULL. */
HC_KERNEL static void HcAdvDiffFastTransposeRow(PetscInt n, PetscInt st, const PetscReal *gf, PetscReal a, PetscReal *const A[4],
                                                const PetscReal *Asc, const PetscReal *D1, const PetscReal *D2,
                                                const PetscReal *Dsc, const PetscReal *beta, PetscReal *y, const PetscReal *u,
                                                PetscReal *gK, PetscReal *gV)
{
  /* one pass per stencil cell, so that the updates of a pass never overlap */
  if (y && Asc) {
    for (PetscInt k = 0; k < n; k++) y[k - st] += gf[k] * (a * Asc[0]);
    for (PetscInt k = 0; k < n; k++) y[k] += gf[k] * (a * Asc[1] + beta[k] * Dsc[0]);
    for (PetscInt k = 0; k < n; k++) y[k + st] += gf[k] * (a * Asc[2] + beta[k] * Dsc[1]);
    for (PetscInt k = 0; k < n; k++) y[k + 2 * st] += gf[k] * (a * Asc[3]);
  } else if (y) {
    for (PetscInt k = 0; k < n; k++) y[k - st] += gf[k] * (a * A[0][k]);
    for (PetscInt k = 0; k < n; k++) y[k] += gf[k] * (a * A[1][k] + beta[k] * D1[k]);
    for (PetscInt k = 0; k < n; k++) y[k + st] += gf[k] * (a * A[2][k] + beta[k] * D2[k]);
    for (PetscInt k = 0; k < n; k++) y[k + 2 * st] += gf[k] * (a * A[3][k]);
  }
  if (u && Asc)
    HcAdvDiffFastGradientScalars(n, st, gf, u, Asc, Dsc, beta, gK, gV);
  else if (u)
    HcAdvDiffFastGradientRows(n, st, gf, u, A[0], A[1], A[2], A[3], D1, D2, beta, gK, gV);
}

/* yloc += J^T w and/or grad += (dF/dtheta)^T w on the fast path (same face weights and coefficients as the general
   sweep; the sums run in another order, so the results agree to round-off) */
static PetscErrorCode HcAdvDiffTransposeSweepFast_Private(HcTerm term, Vec wloc, Vec yloc, PetscReal grad[])
{
  HcAdvDiff           *ad = (HcAdvDiff *)term->data;
  HcGrid               g  = term->grid;
  const HcGridMetrics *m  = &g->m;
  const PetscInt       nc = ad->nc, xm = g->xm, ys = g->ys, ye = g->ys + g->ym, L = (xm + 2) * nc;
  const PetscInt       row = g->gxm * nc, n = xm * nc;
  const PetscReal      a = term->theta[nc], b = term->theta[nc + 1];
  const PetscScalar   *w, *u                  = NULL;
  PetscScalar         *y = NULL;
  PetscReal           *r[12], *A[4], *D1, *D2, *beta, *gf, *gKx, *gVx, *gKy, *gVy, xadv[4];
  PetscBool            first = PETSC_TRUE;

  PetscFunctionBegin;
  HcAdvDiffFastRows(ad, L, r, A, &D1, &D2, &beta);
  if (ad->xuniform) HcAdvDiffFastUniformX(ad, g, a, xadv);
  gf  = r[7];
  gKx = r[8];
  gVx = r[9];
  gKy = r[10];
  gVy = r[11];
  for (PetscInt k = 0; k < (xm + 1) * nc; k++) beta[k] = ad->K[k % nc];
  for (PetscInt k = 0; k < 4 * L; k++) gKx[k] = 0; /* gKx, gVx, gKy, gVy */
  PetscCall(VecGetArrayRead(wloc, &w));
  if (yloc) PetscCall(VecGetArray(yloc, &y));
  if (grad) PetscCall(VecGetArrayRead(ad->ulin, &u));
  for (PetscInt j = ys; j < ye; j++) {
    const PetscReal *wr = w + HcAdvDiffLocalRow(g, nc, j), s = m->yw[j] / m->ya[j];
    PetscReal       *Ae[4];

    /* x-faces east of the owned cells of row j: faces xs .. xe-1 are elements nc.. of the coefficient arrays */
    const PetscReal *ixw = ad->fwork + 13 * L + nc; /* from cell xs */

    if (ad->xuniform) {
      const PetscReal iw = ixw[0];
      PetscReal       dx[2];

      HcAdvDiffFastUniformDiffusiveX(ad, g, j, dx);
      for (PetscInt k = 0; k < n; k++) gf[k] = s * (wr[k + nc] * iw - wr[k] * iw);
      HcAdvDiffFastTransposeRow(n, nc, gf, a, NULL, xadv, NULL, NULL, dx, beta, y ? y + HcAdvDiffLocalRow(g, nc, j) : NULL,
                                u ? u + HcAdvDiffLocalRow(g, nc, j) : NULL, gKx, gVx);
      continue;
    }
    HcAdvDiffFastRowX(ad, g, j, a, A, D1, D2, &first);
    for (PetscInt k = 0; k < n; k++) gf[k] = s * (wr[k + nc] * ixw[k + nc] - wr[k] * ixw[k]);
    for (PetscInt q = 0; q < 4; q++) Ae[q] = A[q] + nc;
    HcAdvDiffFastTransposeRow(n, nc, gf, a, Ae, NULL, D1 + nc, D2 + nc, NULL, beta, y ? y + HcAdvDiffLocalRow(g, nc, j) : NULL,
                              u ? u + HcAdvDiffLocalRow(g, nc, j) : NULL, gKx, gVx);
  }
  for (PetscInt l = ys; l < ye; l++) {
    const PetscReal *w0 = w + HcAdvDiffLocalRow(g, nc, l), *w1 = w + HcAdvDiffLocalRow(g, nc, l + 1);
    PetscReal        adv[4], dsc[2];

    HcAdvectionCoefficients(ad->scheme, b, PETSC_TRUE, PETSC_TRUE, m->yd[l - 1], m->yd[l], m->yd[l + 1], adv);
    dsc[0] = 1 / m->yd[l];
    dsc[1] = -1 / m->yd[l];
    {
      const PetscReal i1 = 1 / m->ya[l + 1], i0 = 1 / m->ya[l];

      for (PetscInt k = 0; k < n; k++) gf[k] = m->cf[l] * (w1[k] * i1 - w0[k] * i0);
    }
    HcAdvDiffFastTransposeRow(n, row, gf, b, NULL, adv, NULL, NULL, dsc, beta, y ? y + HcAdvDiffLocalRow(g, nc, l) : NULL,
                              u ? u + HcAdvDiffLocalRow(g, nc, l) : NULL, gKy, gVy);
  }
  if (grad) {
    for (PetscInt k = 0; k < n; k++) {
      grad[k % nc] += gKx[k] + gKy[k];
      grad[nc] += gVx[k];
      grad[nc + 1] += gVy[k];
    }
    PetscCall(VecRestoreArrayRead(ad->ulin, &u));
  }
  if (yloc) PetscCall(VecRestoreArray(yloc, &y));
  PetscCall(VecRestoreArrayRead(wloc, &w));
  PetscFunctionReturn(0);
}

/* The natural index j nx + i of a (possibly ghost) cell, wrapped across periodic sides; -1 beyond a wall. */
static inline PetscInt HcAdvDiffCell(const HcGrid g, PetscInt j, PetscInt i)
{
  if (g->periodic[0]) i = (i + g->nx) % g->nx;
  if (g->periodic[1]) j = (j + g->ny) % g->ny;
  return i < 0 || i >= g->nx || j < 0 || j >= g->ny ? -1 : j * g->nx + i;
}

/* grad += the derivative of a face's advective flux d = g_f * (stencil . u) per unit face velocity, component k, face
   between cells (ja, ia) and (jb, ib): to the constant pair, and half to each cell's correction (a ghost cell's
   parameter is another rank's, but grad covers all of theta and the caller sums over ranks) */
static inline void HcAdvDiffVelocityGradient(const HcAdvDiff *ad, const HcGrid g, PetscReal d, PetscInt k, PetscInt ja,
                                             PetscInt ia, PetscInt jb, PetscInt ib, PetscReal grad[])
{
  if (ad->constvel) grad[ad->nc + k] += d;
  if (ad->learn) {
    grad[ad->voff + k * ad->ncell + HcAdvDiffCell(g, ja, ia)] += 0.5 * d;
    grad[ad->voff + k * ad->ncell + HcAdvDiffCell(g, jb, ib)] += 0.5 * d;
  }
}

/* vloc (ghosted, two components) = cst[k] + corr[k ncell + cell] on every cell this rank holds, ghosts included: theta
   is on every rank, so no exchange; zero beyond walls, where no open face reads it */
static PetscErrorCode HcAdvDiffFillVelocity_Private(HcTerm term, const PetscReal cst[2], const PetscReal corr[], Vec vloc)
{
  HcAdvDiff     *ad = (HcAdvDiff *)term->data;
  HcGrid         g  = term->grid;
  PetscScalar ***V;

  PetscFunctionBegin;
  PetscCall(DMDAVecGetArrayDOF(ad->dav, vloc, &V));
  for (PetscInt j = g->gys; j < g->gys + g->gym; j++)
    for (PetscInt i = g->gxs; i < g->gxs + g->gxm; i++) {
      const PetscInt cell = HcAdvDiffCell(g, j, i);

      for (PetscInt k = 0; k < 2; k++) V[j][i][k] = cell < 0 ? 0 : cst[k] + corr[k * ad->ncell + cell];
    }
  PetscCall(DMDAVecRestoreArrayDOF(ad->dav, vloc, &V));
  PetscFunctionReturn(0);
}

/* The two transposed products read the face loop backwards.  Each face is visited once in the whole communicator: the
   x-faces east of owned cells and the y-faces north of owned cells.  With face weight
     g_f = L_f (w_b / A_b - w_a / A_a)       (a, b: the cells before and after the face)
   J^T w scatter-adds g_f * coefficients into the four stencil cells (ghosts included; the caller adds them up),
   and the parameter gradient collects g_f * d(flux)/d(theta). */
static PetscErrorCode HcAdvDiffTransposeSweep_Private(HcTerm term, Vec wloc, Vec yloc, PetscReal grad[])
{
  HcAdvDiff           *ad = (HcAdvDiff *)term->data;
  HcGrid               g  = term->grid;
  const HcGridMetrics *m  = &g->m;
  const PetscInt       nc = ad->nc, xs = g->xs, xe = g->xs + g->xm, ys = g->ys, ye = g->ys + g->ym;
  const PetscScalar  **mk, ***w, ***u = NULL, ***V = NULL;
  PetscScalar       ***y = NULL;
  HcFace               fc;

  PetscBool fast;

  PetscFunctionBegin;
  PetscCall(HcAdvDiffUseFast_Private(term, &fast));
  if (fast) {
    PetscCall(HcAdvDiffTransposeSweepFast_Private(term, wloc, yloc, grad));
    PetscFunctionReturn(0);
  }
  PetscCall(DMDAVecGetArrayRead(g->da1, g->maskloc, &mk));
  PetscCall(DMDAVecGetArrayDOFRead(g->da, wloc, &w));
  if (yloc) PetscCall(DMDAVecGetArrayDOF(g->da, yloc, &y));
  if (grad) PetscCall(DMDAVecGetArrayDOFRead(g->da, ad->ulin, &u));
  if (ad->velfield) PetscCall(DMDAVecGetArrayDOFRead(ad->dav, ad->vcur, &V));
  for (PetscInt j = ys; j < ye; j++) {
    for (PetscInt l = xs; l < xe; l++) {
      const PetscReal a = HcFaceVelocityX(ad, term->theta, V, j, l);

      if (!HcFaceX(ad->scheme, m, mk, j, l, a, &fc)) continue;
      for (PetscInt c = 0; c < nc; c++) {
        const PetscReal gf =
            m->yw[j] / m->ya[j] * (PetscRealPart(w[j][l + 1][c]) / m->xw[l + 1] - PetscRealPart(w[j][l][c]) / m->xw[l]);

        if (y) {
          for (PetscInt s = 0; s < 4; s++) {
            const PetscReal coef = a * fc.adv[s] + ad->K[c] * fc.dif[s];
            if (coef != 0) y[j][l - 1 + s][c] += gf * coef;
          }
        }
        if (grad) {
          const PetscReal v0 = fc.adv[0] != 0 ? PetscRealPart(u[j][l - 1][c]) : 0,
                          v3 = fc.adv[3] != 0 ? PetscRealPart(u[j][l + 2][c]) : 0;
          const PetscReal v1 = PetscRealPart(u[j][l][c]), v2 = PetscRealPart(u[j][l + 1][c]);

          grad[c] += gf * ad->K[c] * (fc.dif[1] * v1 + fc.dif[2] * v2);
          HcAdvDiffVelocityGradient(ad, g, gf * HcStencilDot(fc.adv, v0, v1, v2, v3), 0, j, l, j, l + 1, grad);
        }
      }
    }
  }
  for (PetscInt l = ys; l < ye; l++) {
    for (PetscInt i = xs; i < xe; i++) {
      const PetscReal b = HcFaceVelocityY(ad, term->theta, V, i, l);

      if (!HcFaceY(ad->scheme, m, mk, i, l, b, &fc)) continue;
      for (PetscInt c = 0; c < nc; c++) {
        const PetscReal gf = m->cf[l] * (PetscRealPart(w[l + 1][i][c]) / m->ya[l + 1] - PetscRealPart(w[l][i][c]) / m->ya[l]);

        if (y) {
          for (PetscInt s = 0; s < 4; s++) {
            const PetscReal coef = b * fc.adv[s] + ad->K[c] * fc.dif[s];
            if (coef != 0) y[l - 1 + s][i][c] += gf * coef;
          }
        }
        if (grad) {
          const PetscReal v0 = fc.adv[0] != 0 ? PetscRealPart(u[l - 1][i][c]) : 0,
                          v3 = fc.adv[3] != 0 ? PetscRealPart(u[l + 2][i][c]) : 0;
          const PetscReal v1 = PetscRealPart(u[l][i][c]), v2 = PetscRealPart(u[l + 1][i][c]);

          grad[c] += gf * ad->K[c] * (fc.dif[1] * v1 + fc.dif[2] * v2);
          HcAdvDiffVelocityGradient(ad, g, gf * HcStencilDot(fc.adv, v0, v1, v2, v3), 1, l, i, l + 1, i, grad);
        }
      }
    }
  }
  if (ad->velfield) PetscCall(DMDAVecRestoreArrayDOFRead(ad->dav, ad->vcur, &V));
  if (grad) PetscCall(DMDAVecRestoreArrayDOFRead(g->da, ad->ulin, &u));
  if (yloc) PetscCall(DMDAVecRestoreArrayDOF(g->da, yloc, &y));
  PetscCall(DMDAVecRestoreArrayDOFRead(g->da, wloc, &w));
  PetscCall(DMDAVecRestoreArrayRead(g->da1, g->maskloc, &mk));
  PetscFunctionReturn(0);
}

/* The series of the selected forcing key, or the one for every key (-1); NULL: none. */
static PetscInt HcAdvDiffFindSeries(const HcAdvDiff *ad, PetscInt key)
{
  PetscInt any = -1;

  for (PetscInt q = 0; q < ad->nseries; q++) {
    if (ad->series[q].key == key) return q;
    if (ad->series[q].key == -1) any = q;
  }
  return any;
}

/* v = the velocity at time t of the selected forcing: linear between the two times of its series that bracket t (a
   series of one time is constant).  *tc, *kc: the time and key v holds, so that a repeated t costs nothing. */
static PetscErrorCode HcAdvDiffVelocityAt_Private(HcTerm term, PetscReal t, Vec v, PetscReal *tc, PetscInt *kc)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;
  PetscInt   q, n, lo, hi;
  PetscReal *ts, tol, w;

  PetscFunctionBegin;
  if (*kc == ad->fkey && *tc == t) PetscFunctionReturn(0);
  q = HcAdvDiffFindSeries(ad, ad->fkey);
  if (ad->learn && q < 0 && !ad->velvars[0][0]) { /* no data velocity: the constant pair and the correction */
    PetscCall(VecCopy(ad->vcorr, v));
    *tc = t;
    *kc = ad->fkey;
    PetscFunctionReturn(0);
  }
  PetscCheck(q >= 0, term->comm, PETSC_ERR_ARG_WRONGSTATE,
             "HcTerm '%s': no velocity forcing for data environment %" PetscInt_FMT
             " (the velocity is a given field%s%s%s%s: HcTermAdvDiffSetVelocitySeries)",
             term->name, ad->fkey, ad->velvars[0][0] ? ", variables " : "", ad->velvars[0], ad->velvars[0][0] ? "," : "",
             ad->velvars[1]);
  n  = ad->series[q].n;
  ts = ad->series[q].t;
  if (n == 1)
    PetscCall(VecCopy(ad->series[q].vloc[0], v));
  else {
    /* RK stages at the ends of an interval may miss the observation time by round-off */
    tol = 1e-9 * (ts[n - 1] - ts[0]);
    PetscCheck(t >= ts[0] - tol && t <= ts[n - 1] + tol, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "HcTerm '%s': time %.9g s is outside the velocity forcing of data environment %" PetscInt_FMT
               ", which spans %.9g .. %.9g s (%" PetscInt_FMT " times): the forcing must cover every time the model is run at",
               term->name, (double)t, ad->fkey, (double)ts[0], (double)ts[n - 1], n);
    for (lo = 0, hi = n - 1; hi - lo > 1;) { /* ts[lo] <= t <= ts[hi] */
      const PetscInt mid = (lo + hi) / 2;

      if (ts[mid] <= t)
        lo = mid;
      else
        hi = mid;
    }
    w = PetscMin(1, PetscMax(0, (t - ts[lo]) / (ts[hi] - ts[lo])));
    PetscCall(VecCopy(ad->series[q].vloc[lo], v));
    PetscCall(VecAXPBY(v, w, 1 - w, ad->series[q].vloc[hi]));
  }
  if (ad->learn) PetscCall(VecAXPY(v, 1, ad->vcorr));
  *tc = t;
  *kc = ad->fkey;
  PetscFunctionReturn(0);
}

/* The velocity the sweeps of F at time t read (a field: interpolated to t). */
static PetscErrorCode HcAdvDiffUseVelocityAt_Private(HcTerm term, PetscReal t)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  if (!ad->velfield) PetscFunctionReturn(0);
  PetscCall(HcAdvDiffVelocityAt_Private(term, t, ad->vapply, &ad->tapply, &ad->kapply));
  ad->vcur = ad->vapply;
  PetscFunctionReturn(0);
}

/* f += the term, or with insert f = the term (the fast path writes every owned entry, each cell's divergence once) */
static PetscErrorCode HcAdvDiffApply_Private(HcTerm term, PetscReal t, Vec uloc, Vec f, PetscBool insert)
{
  HcAdvDiff    *ad = (HcAdvDiff *)term->data;
  HcFluxWeights wt = {PETSC_TRUE, NULL, ad->K, insert, NULL};

  PetscFunctionBegin;
  PetscCall(HcAdvDiffUseVelocityAt_Private(term, t));
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscCall(HcAdvDiffFluxDivergence_Private(term, uloc, f, &wt));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermApply_AdvDiff(HcTerm term, PetscReal t, Vec uloc, Vec f)
{
  PetscFunctionBegin;
  PetscCall(HcAdvDiffApply_Private(term, t, uloc, f, PETSC_FALSE));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermApplyInsert_AdvDiff(HcTerm term, PetscReal t, Vec uloc, Vec f)
{
  PetscFunctionBegin;
  PetscCall(HcAdvDiffApply_Private(term, t, uloc, f, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* f = F(u) from the global u, for HcTermApply and a model whose only term this is: the ghost rows travel while the rows that do
   not need them are swept (rows ys+2 .. ye-3), then the two rows at each end; no ghosted copy of u.  done false: this layout or
   mask needs the local vector (HcAdvDiffUseOverlap_Private), or u is f. */
static PetscErrorCode HcTermApplyGlobal_AdvDiff(HcTerm term, PetscReal t, Vec u, Vec f, PetscBool *done)
{
  HcAdvDiff         *ad = (HcAdvDiff *)term->data;
  HcGrid             g  = term->grid;
  const PetscInt     G = HC_GRID_GHOST, ys = g->ys, ye = g->ys + g->ym, rb = ys - G;
  const PetscInt     ib = PetscMin(ys + G, ye), ie = PetscMax(ye - G, ib); /* interior rows [ib, ie) */
  HcFluxWeights      wt = {PETSC_TRUE, NULL, ad->K, PETSC_TRUE, NULL};
  HcAdvDiffFastSweep sw;
  const PetscScalar *ua;
  PetscScalar       *F;

  PetscFunctionBegin;
  PetscCall(HcAdvDiffUseOverlap_Private(term, done));
  if (!*done || u == f) {
    *done = PETSC_FALSE;
    PetscFunctionReturn(0);
  }
  PetscCall(VecGetArrayRead(u, &ua));
  PetscCall(VecGetArray(f, &F));
  PetscCall(HcGridRowsBegin_Private(g, ua, ad->rows));
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  HcAdvDiffFastSweepSetUp(term, &wt, &sw);
  HcAdvDiffFastSweepRows(term, &sw, ad->rows, rb, PETSC_FALSE, ib, ie, F);
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscCall(HcGridRowsEnd_Private(g));
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  HcAdvDiffFastSweepRows(term, &sw, ad->rows, rb, PETSC_FALSE, ys, ib, F);
  HcAdvDiffFastSweepRows(term, &sw, ad->rows, rb, PETSC_FALSE, ie, ye, F);
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscCall(VecRestoreArray(f, &F));
  PetscCall(VecRestoreArrayRead(u, &ua));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermLinearize_AdvDiff(HcTerm term, PetscReal t, Vec uloc)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  ad->ulin = uloc; /* the operator is linear in u; only the parameter products need the point */
  if (ad->velfield) PetscCall(HcAdvDiffVelocityAt_Private(term, t, ad->vlin, &ad->tlin, &ad->klin));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermJacobian_AdvDiff(HcTerm term, Vec vloc, Vec y)
{
  HcAdvDiff    *ad = (HcAdvDiff *)term->data;
  HcFluxWeights wt = {PETSC_TRUE, NULL, ad->K, PETSC_FALSE, NULL};

  PetscFunctionBegin;
  ad->vcur = ad->vlin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_JACOBIAN], 0, 0, 0, 0));
  PetscCall(HcAdvDiffFluxDivergence_Private(term, vloc, y, &wt));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_JACOBIAN], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermJacobianTranspose_AdvDiff(HcTerm term, Vec wloc, Vec yloc)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  ad->vcur = ad->vlin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_JACOBIAN_T], 0, 0, 0, 0));
  PetscCall(HcAdvDiffTransposeSweep_Private(term, wloc, yloc, NULL));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_JACOBIAN_T], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* d/dtheta of the flux: log K_c scales the diffusive part by K_c, vx and vy weight the advective part of x / y faces. */
static PetscErrorCode HcTermParamJacobian_AdvDiff(HcTerm term, const PetscReal dtheta[], Vec y)
{
  HcAdvDiff    *ad = (HcAdvDiff *)term->data;
  PetscReal     beta[HC_MAX_FIELDS], dalpha[2] = {0, 0};
  HcFluxWeights wt = {PETSC_FALSE, dalpha, beta, PETSC_FALSE, NULL};

  PetscFunctionBegin;
  ad->vcur = ad->vlin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_PARAM_JACOBIAN], 0, 0, 0, 0));
  for (PetscInt c = 0; c < ad->nc; c++) beta[c] = ad->K[c] * dtheta[c];
  if (ad->constvel) {
    dalpha[0] = dtheta[ad->nc];
    dalpha[1] = dtheta[ad->nc + 1];
  }
  if (ad->learn) {
    PetscCall(HcAdvDiffFillVelocity_Private(term, dalpha, dtheta + ad->voff, ad->vdir));
    PetscCall(DMDAVecGetArrayDOFRead(ad->dav, ad->vdir, &wt.dV));
  }
  PetscCall(HcAdvDiffFluxDivergence_Private(term, ad->ulin, y, &wt));
  if (ad->learn) PetscCall(DMDAVecRestoreArrayDOFRead(ad->dav, ad->vdir, &wt.dV));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_PARAM_JACOBIAN], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermParamJacobianTranspose_AdvDiff(HcTerm term, Vec wloc, PetscReal g[])
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  ad->vcur = ad->vlin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_PARAM_JACOBIAN_T], 0, 0, 0, 0));
  PetscCall(HcAdvDiffTransposeSweep_Private(term, wloc, NULL, g));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_PARAM_JACOBIAN_T], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Per cell, sum over its faces of (face length / area) * |coefficients|: a bound on the magnitude of the Jacobian's
   eigenvalues (Gershgorin over the face expansion), split into its advective and diffusive parts; V: a velocity field
   (NULL: the constant one). */
static PetscErrorCode HcAdvDiffEstimateRates_Private(HcTerm term, const PetscScalar ***V, PetscReal *radv, PetscReal *rdif)
{
  HcAdvDiff           *ad = (HcAdvDiff *)term->data;
  HcGrid               g  = term->grid;
  const HcGridMetrics *m  = &g->m;
  const PetscScalar  **mk;
  PetscReal            kmax = 0;
  HcFace               fc;

  PetscFunctionBegin;
  for (PetscInt c = 0; c < ad->nc; c++) kmax = PetscMax(kmax, ad->K[c]);
  PetscCall(DMDAVecGetArrayRead(g->da1, g->maskloc, &mk));
  *radv = *rdif = 0;
  for (PetscInt j = g->ys; j < g->ys + g->ym; j++) {
    for (PetscInt i = g->xs; i < g->xs + g->xm; i++) {
      PetscReal ra = 0, rd = 0;

      for (PetscInt side = 0; side < 4; side++) {
        const PetscInt  l = side == 0 ? i - 1 : side == 1 ? i : side == 2 ? j - 1 : j;
        const PetscReal v = side < 2 ? HcFaceVelocityX(ad, term->theta, V, j, l) : HcFaceVelocityY(ad, term->theta, V, i, l);
        const PetscReal s = side < 2 ? m->yw[j] / (m->xw[i] * m->ya[j]) : m->cf[l] / m->ya[j];
        /* a polar filter keeps only the zonal modes whose rates are those of its cut-off latitude's row */
        const PetscReal z = side < 2 && term->zonalscale ? term->zonalscale[j] : 1;
        PetscBool       open;

        open = side < 2 ? HcFaceX(ad->scheme, m, mk, j, l, v, &fc) : HcFaceY(ad->scheme, m, mk, i, l, v, &fc);
        if (!open) continue;
        for (PetscInt k = 0; k < 4; k++) {
          ra += z * s * PetscAbsReal(v * fc.adv[k]);
          rd += z * z * s * kmax * PetscAbsReal(fc.dif[k]);
        }
      }
      *radv = PetscMax(*radv, ra);
      *rdif = PetscMax(*rdif, rd);
    }
  }
  PetscCall(DMDAVecRestoreArrayRead(g->da1, g->maskloc, &mk));
  PetscFunctionReturn(0);
}

/* With a velocity series, the largest rates over its times: the face velocity between two times is a convex combination
   of theirs, so the bound holds at every time in between.  No series yet: the diffusive part alone. */
static PetscErrorCode HcTermEstimateRates_AdvDiff(HcTerm term, PetscReal *radv, PetscReal *rdif)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;
  PetscInt   q;

  PetscFunctionBegin;
  if (!ad->velfield) {
    PetscCall(HcAdvDiffEstimateRates_Private(term, NULL, radv, rdif));
    PetscFunctionReturn(0);
  }
  *radv = *rdif = 0;
  q             = HcAdvDiffFindSeries(ad, ad->fkey);
  for (PetscInt k = 0; k < (q >= 0 ? ad->series[q].n : 1); k++) {
    const PetscScalar ***V = NULL;
    PetscReal            ra, rd;

    Vec vk = q >= 0 ? ad->series[q].vloc[k] : ad->vapply; /* zero until a series is given */

    if (ad->learn) { /* the bound holds for the sum of a given velocity and the current correction */
      if (q >= 0)
        PetscCall(VecWAXPY(ad->vdir, 1, ad->series[q].vloc[k], ad->vcorr));
      else
        PetscCall(VecCopy(ad->vcorr, ad->vdir));
      vk = ad->vdir;
    }
    PetscCall(DMDAVecGetArrayDOFRead(ad->dav, vk, &V));
    PetscCall(HcAdvDiffEstimateRates_Private(term, V, &ra, &rd));
    PetscCall(DMDAVecRestoreArrayDOFRead(ad->dav, vk, &V));
    *radv = PetscMax(*radv, ra);
    *rdif = PetscMax(*rdif, rd);
  }
  PetscFunctionReturn(0);
}

/* The two-component layout of a velocity field and the vectors of the interpolated velocities (zero until a series is
   given); the velocity is a field from then on. */
static PetscErrorCode HcAdvDiffVelocityLayout_Private(HcTerm term)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  if (!ad->dav) {
    PetscCall(DMDACreateCompatibleDMDA(term->grid->da, 2, &ad->dav));
    PetscCall(DMCreateLocalVector(ad->dav, &ad->vapply));
    PetscCall(VecDuplicate(ad->vapply, &ad->vlin));
    PetscCall(VecSet(ad->vapply, 0));
    PetscCall(VecSet(ad->vlin, 0));
    ad->vcur = ad->vapply;
  }
  ad->velfield = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* R += smooth * sum over the open faces f of this rank (east and north of its cells) of (L_f / d_f) |c_a - c_b|^2, L_f
   the face length and d_f the centre distance (the metric factors of the diffusive flux): a discrete integral of
   |grad c|^2; grad += its derivative.  The caller sums over ranks. */
static PetscErrorCode HcTermRegularize_AdvDiff(HcTerm term, PetscReal *R, PetscReal grad[])
{
  HcAdvDiff           *ad = (HcAdvDiff *)term->data;
  HcGrid               g  = term->grid;
  const HcGridMetrics *m  = &g->m;
  const PetscReal     *c  = term->theta + ad->voff;
  const PetscScalar  **mk;

  PetscFunctionBegin;
  if (!ad->learn || ad->smooth == 0) PetscFunctionReturn(0);
  PetscCall(DMDAVecGetArrayRead(g->da1, g->maskloc, &mk));
  for (PetscInt j = g->ys; j < g->ys + g->ym; j++)
    for (PetscInt i = g->xs; i < g->xs + g->xm; i++) {
      const PetscInt a = HcAdvDiffCell(g, j, i);

      if (mk[j][i] == 0) continue;
      for (PetscInt side = 0; side < 2; side++) { /* east, north */
        const PetscInt  jb = side ? j + 1 : j, ib = side ? i : i + 1, b = HcAdvDiffCell(g, jb, ib);
        const PetscReal w = side ? m->cf[j] / m->yd[j] : m->yw[j] / (m->xd[i] * m->cc[j]);

        if (b < 0 || mk[jb][ib] == 0) continue;
        for (PetscInt k = 0; k < 2; k++) {
          const PetscReal d = c[k * ad->ncell + a] - c[k * ad->ncell + b];

          *R += ad->smooth * w * d * d;
          if (grad) {
            grad[ad->voff + k * ad->ncell + a] += 2 * ad->smooth * w * d;
            grad[ad->voff + k * ad->ncell + b] -= 2 * ad->smooth * w * d;
          }
        }
      }
    }
  PetscCall(DMDAVecRestoreArrayRead(g->da1, g->maskloc, &mk));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermSetForcing_AdvDiff(HcTerm term, PetscInt key)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  ad->fkey = key;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermSetFromOptions_AdvDiff(HcTerm term, PetscOptionItems *PetscOptionsObject)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;
  PetscInt   n = HC_MAX_FIELDS, nv = 2;
  PetscBool  flg;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Advection-diffusion physics (advdiff)");
  PetscCall(PetscOptionsEnum("-physics_scheme", "Advection scheme", "HcTermAdvDiffSetScheme", HcAdvectionSchemes,
                             (PetscEnum)ad->scheme, (PetscEnum *)&ad->scheme, NULL));
  PetscCall(PetscOptionsRealArray(
      "-physics_diffusivity",
      "Initial diffusivity K > 0: one value for every field or one per field (m^2/s on lat-lon grids); learned as log K",
      "HcTermAdvDiffSetDiffusivity", ad->kinit, &n, &flg));
  if (flg) {
    PetscCheck(n == 1 || n == term->grid->nc, term->comm, PETSC_ERR_ARG_SIZ,
               "-%sphysics_diffusivity: give 1 value or one per field (%" PetscInt_FMT "), got %" PetscInt_FMT,
               term->prefix ? term->prefix : "", term->grid->nc, n);
    ad->nkinit = n;
  }
  PetscCall(PetscOptionsRealArray("-physics_velocity",
                                  "Constant velocity vx,vy (m/s on lat-lon grids); learned unless a velocity field is given",
                                  "HcTermAdvDiffSetVelocity", ad->vinit, &nv, &flg));
  PetscCheck(!flg || nv == 2, term->comm, PETSC_ERR_ARG_SIZ, "-%sphysics_velocity takes two values vx,vy, got %" PetscInt_FMT,
             term->prefix ? term->prefix : "", nv);
  {
    const PetscBool constant = flg;
    char           *vars[3]  = {NULL, NULL, NULL};
    PetscInt        nvv      = 3; /* one more than needed: a third name is an error, not dropped */
    PetscCall(PetscOptionsStringArray("-physics_velocity_vars",
                                      "Data variables x,y (eastward, northward) of a time-varying velocity that drives the "
                                      "advection, read with the data for each environment (m/s; on Cartesian grids the grid's "
                                      "length unit per time unit); the velocity is then not learned. Default: none",
                                      "HcTermAdvDiffSetVelocityVariables", vars, &nvv, &flg));
    if (flg) {
      /* a constant velocity would be accepted and ignored */
      PetscCheck(!constant, term->comm, PETSC_ERR_ARG_INCOMP,
                 "-%sphysics_velocity and -%sphysics_velocity_vars exclude each other: the velocity is a learned constant or "
                 "the data's",
                 term->prefix ? term->prefix : "", term->prefix ? term->prefix : "");
      PetscCheck(nvv == 2, term->comm, PETSC_ERR_ARG_SIZ,
                 "-%sphysics_velocity_vars takes two variable names x,y (eastward, northward), got %" PetscInt_FMT,
                 term->prefix ? term->prefix : "", nvv);
      PetscCall(HcTermAdvDiffSetVelocityVariables(term, vars[0], vars[1]));
    }
    for (PetscInt k = 0; k < nvv; k++) PetscCall(PetscFree(vars[k]));
  }
  {
    const char *const learns[] = {"none", "field"};
    PetscInt          choice   = ad->learn ? 1 : 0;

    PetscCall(PetscOptionsEList("-physics_velocity_learn",
                                "Learn a velocity correction: none, or field (two values per cell, added to the given "
                                "velocity: the data's, the constant pair or none; starts at zero)",
                                "HcTermAdvDiffSetVelocityLearn", learns, 2, learns[choice], &choice, NULL));
    ad->learn = choice == 1 ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscCall(PetscOptionsReal("-physics_velocity_smooth",
                             "Weight lambda of the learned velocity correction's roughness in the training loss: lambda * "
                             "sum over open faces of (face length / centre distance) * |c_a - c_b|^2",
                             "HcTermAdvDiffSetVelocityLearn", ad->smooth, &ad->smooth, NULL));
  PetscCheck(ad->smooth >= 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%sphysics_velocity_smooth must be >= 0, got %g",
             term->prefix ? term->prefix : "", (double)ad->smooth);
  PetscCall(PetscOptionsBool("-physics_fast_path",
                             "Vectorised sweeps where every face is open and the velocity is constant (same fluxes as the "
                             "general sweeps; off: always the general sweeps)",
                             "", ad->fastopt, &ad->fastopt, NULL));
  PetscCall(PetscOptionsBool("-physics_overlap",
                             "F of this term alone (HcTermApply, or a model with no other term) on the fast path with one "
                             "rank across each grid row: exchange the two ghost rows each side while the interior rows are "
                             "swept, instead of a ghosted copy of u (same results; off: the copy)",
                             "", ad->overlapopt, &ad->overlapopt, NULL));
  ad->overlapmask = -1;
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermSetUp_AdvDiff(HcTerm term)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;
  HcGrid     g  = term->grid;
  char       name[256];

  PetscFunctionBegin;
  ad->nc = g->nc;
  if (ad->velvars[0][0]) PetscCall(HcAdvDiffVelocityLayout_Private(term));
  ad->constvel = ad->velfield ? PETSC_FALSE : PETSC_TRUE;
  ad->ncell    = g->nx * g->ny;
  ad->voff     = ad->nc + (ad->constvel ? 2 : 0);
  if (ad->learn) { /* the sweeps read the sum of the given velocity and the correction as a field */
    PetscCall(HcAdvDiffVelocityLayout_Private(term));
    PetscCall(VecDuplicate(ad->vapply, &ad->vcorr));
    PetscCall(VecDuplicate(ad->vapply, &ad->vdir));
  }
  PetscCall(HcTermSetNumParameters_Private(term, ad->voff + (ad->learn ? 2 * ad->ncell : 0)));
  for (PetscInt c = 0; c < ad->nc; c++) {
    const PetscReal K = ad->kinit[ad->nkinit == 1 ? 0 : c];

    PetscCheck(K > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "HcTerm '%s': diffusivity of field %s must be positive (it is learned as log K), got %g", term->name,
               g->fieldnames[c], (double)K);
    term->theta[c] = PetscLogReal(K);
    PetscCall(PetscSNPrintf(name, sizeof(name), "log_diffusivity_%s", g->fieldnames[c]));
    PetscCall(HcTermSetParameterName_Private(term, c, name));
  }
  if (ad->constvel) {
    term->theta[ad->nc]     = ad->vinit[0];
    term->theta[ad->nc + 1] = ad->vinit[1];
    PetscCall(HcTermSetParameterName_Private(term, ad->nc, "velocity_x"));
    PetscCall(HcTermSetParameterName_Private(term, ad->nc + 1, "velocity_y"));
  }
  if (ad->learn) {
    for (PetscInt k = 0; k < 2; k++)
      for (PetscInt j = 0; j < g->ny; j++)
        for (PetscInt i = 0; i < g->nx; i++) {
          PetscCall(PetscSNPrintf(name, sizeof(name), "velocity_correction_%s[%" PetscInt_FMT ",%" PetscInt_FMT "]",
                                  k ? "y" : "x", j, i));
          PetscCall(HcTermSetParameterName_Private(term, ad->voff + k * ad->ncell + j * g->nx + i, name));
        }
    term->nreport   = ad->voff; /* the diffusivities and the constant pair; not the per-cell values */
    term->gridbound = PETSC_TRUE;
  }
  PetscCall(PetscMalloc1((3 * g->xm + 1) * ad->nc, &ad->work));
  PetscCall(PetscMalloc2(g->ym + 2 * HC_GRID_GHOST, &ad->rows, 5 * ad->nc, &ad->xrow));
  ad->fastmask    = -1;
  ad->overlapmask = -1;
  PetscCall(HcAdvDiffFastSetUp_Private(term));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermParametersChanged_AdvDiff(HcTerm term)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  for (PetscInt c = 0; c < ad->nc; c++) {
    ad->K[c] = PetscExpReal(term->theta[c]);
    /* a zero or infinite K comes from a log K that has run away (a diverging training), not from a user's value */
    PetscCheck(ad->K[c] > 0 && !PetscIsInfOrNanReal(ad->K[c]), term->comm, PETSC_ERR_FP,
               "HcTerm '%s': the diffusivity of field %s is out of range: its parameter log K = %g gives K = %g; the parameter "
               "has diverged (in a training: lower -train_lr)",
               term->name, term->grid->fieldnames[c], (double)term->theta[c], (double)ad->K[c]);
  }
  if (ad->constvel)
    PetscCheck(!PetscIsInfOrNanReal(term->theta[ad->nc]) && !PetscIsInfOrNanReal(term->theta[ad->nc + 1]), term->comm,
               PETSC_ERR_FP, "HcTerm '%s': velocity is not finite", term->name);
  if (ad->learn) {
    const PetscReal zero[2] = {0, 0};
    PetscReal       nrm;

    PetscCall(HcAdvDiffFillVelocity_Private(term, ad->constvel ? term->theta + ad->nc : zero, term->theta + ad->voff, ad->vcorr));
    PetscCall(VecNorm(ad->vcorr, NORM_1, &nrm));
    PetscCheck(!PetscIsInfOrNanReal(nrm), PETSC_COMM_SELF, PETSC_ERR_FP,
               "HcTerm '%s': the learned velocity correction is not finite (a diverging training: lower -train_lr)", term->name);
    ad->kapply = ad->klin = -2; /* the velocities computed with the old correction */
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermArchitecture_AdvDiff(HcTerm term, char buf[], size_t len)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "-physics_scheme %s", HcAdvectionSchemes[ad->scheme]));
  if (ad->velvars[0][0]) { /* the model needs this forcing wherever it runs */
    char vv[160];

    PetscCall(PetscSNPrintf(vv, sizeof(vv), " -physics_velocity_vars %s,%s", ad->velvars[0], ad->velvars[1]));
    PetscCall(PetscStrlcat(buf, vv, len));
  }
  if (ad->learn) PetscCall(PetscStrlcat(buf, " -physics_velocity_learn field", len)); /* the parameter count */
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermView_AdvDiff(HcTerm term, PetscViewer viewer)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "advection scheme %s, flux form, no flux through walls and land\n",
                                   HcAdvectionSchemes[ad->scheme]));
  if (!term->setupcalled) PetscFunctionReturn(0);
  {
    PetscBool   fast;
    PetscMPIInt n[2], size;

    PetscCall(HcAdvDiffUseFast_Private(term, &fast));
    n[0] = fast ? 1 : 0;
    n[1] = fast && ad->xuniform ? 1 : 0;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, n, 2, MPI_INT, MPI_SUM, term->comm));
    PetscCallMPI(MPI_Comm_size(term->comm, &size));
    PetscCall(PetscViewerASCIIPrintf(viewer, "sweeps: fast path on %d of %d rank(s)%s, uniform along x on %d\n", n[0], size,
                                     ad->fastopt ? "" : " (-physics_fast_path 0)", n[1]));
    PetscCall(HcAdvDiffUseOverlap_Private(term, &fast));
    PetscCall(PetscViewerASCIIPrintf(viewer, "stand-alone F: %s%s\n",
                                     fast ? "ghost rows exchanged while the interior rows are swept"
                                          : "a ghosted copy of u (DMGlobalToLocal)",
                                     ad->overlapopt ? "" : " (-physics_overlap 0)"));
  }
  for (PetscInt c = 0; c < ad->nc; c++)
    PetscCall(PetscViewerASCIIPrintf(viewer, "diffusivity[%s] = %g\n", term->grid->fieldnames[c], (double)ad->K[c]));
  if (ad->velvars[0][0])
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "velocity: from the data variables %s, %s, linear in time between their times (not "
                                     "learned); %" PetscInt_FMT " environment(s) given\n",
                                     ad->velvars[0], ad->velvars[1], ad->nseries));
  else if (ad->velfield && !ad->constvel)
    PetscCall(PetscViewerASCIIPrintf(viewer, "velocity: a given field (not learned)\n"));
  else
    PetscCall(
        PetscViewerASCIIPrintf(viewer, "velocity = (%g, %g)\n", (double)term->theta[ad->nc], (double)term->theta[ad->nc + 1]));
  if (ad->learn)
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "plus a learned correction per cell (%" PetscInt_FMT " parameters), smoothness weight %g\n",
                                     2 * ad->ncell, (double)ad->smooth));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermDestroy_AdvDiff(HcTerm term)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  for (PetscInt q = 0; q < ad->nseries; q++) {
    PetscCall(VecDestroyVecs(ad->series[q].n, &ad->series[q].vloc));
    PetscCall(PetscFree(ad->series[q].t));
  }
  PetscCall(VecDestroy(&ad->vapply));
  PetscCall(VecDestroy(&ad->vlin));
  PetscCall(VecDestroy(&ad->vcorr));
  PetscCall(VecDestroy(&ad->vdir));
  PetscCall(DMDestroy(&ad->dav));
  PetscCall(PetscFree(ad->work));
  PetscCall(PetscFree(ad->fwork));
  PetscCall(PetscFree2(ad->rows, ad->xrow));
  PetscCall(PetscFree(term->data));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermCreate_AdvDiff(HcTerm term)
{
  HcAdvDiff *ad;

  PetscFunctionBegin;
  PetscCall(PetscNew(&ad));
  ad->scheme     = HC_ADVECTION_UPWIND2;
  ad->fastopt    = PETSC_TRUE;
  ad->overlapopt = PETSC_TRUE;
  ad->nkinit     = 1;
  ad->kinit[0]   = term->grid->type == HC_GRID_LATLON ? 1e3 : 1e-3;
  ad->kapply = ad->klin = -2;
  ad->smooth            = 1e-2;
  term->data            = ad;
  if (!term->name) PetscCall(PetscStrallocpy("physics", &term->name));
  term->ops = (HcTermOps){.setfromoptions         = HcTermSetFromOptions_AdvDiff,
                          .setup                  = HcTermSetUp_AdvDiff,
                          .view                   = HcTermView_AdvDiff,
                          .destroy                = HcTermDestroy_AdvDiff,
                          .parameterschanged      = HcTermParametersChanged_AdvDiff,
                          .apply                  = HcTermApply_AdvDiff,
                          .applyinsert            = HcTermApplyInsert_AdvDiff,
                          .applyglobal            = HcTermApplyGlobal_AdvDiff,
                          .linearize              = HcTermLinearize_AdvDiff,
                          .jacobian               = HcTermJacobian_AdvDiff,
                          .jacobiantranspose      = HcTermJacobianTranspose_AdvDiff,
                          .paramjacobian          = HcTermParamJacobian_AdvDiff,
                          .paramjacobiantranspose = HcTermParamJacobianTranspose_AdvDiff,
                          .estimaterates          = HcTermEstimateRates_AdvDiff,
                          .setforcing             = HcTermSetForcing_AdvDiff,
                          .regularize             = HcTermRegularize_AdvDiff,
                          .architecture           = HcTermArchitecture_AdvDiff};
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermAdvDiffCheckNotSetUp_Private(HcTerm term)
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMADVDIFF));
  PetscCheck(!term->setupcalled, term->comm, PETSC_ERR_ORDER,
             "HcTerm '%s': set this before HcTermSetUp() (or use HcTermSetParameters())", term->name);
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermAdvDiffSetScheme(HcTerm term, HcAdvectionScheme scheme)
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMADVDIFF));
  ((HcAdvDiff *)term->data)->scheme = scheme;
  PetscFunctionReturn(0);
}

/*@C
  HcTermAdvDiffSetFastPath - whether the vectorised sweeps may be used where every face is open and the velocity is a
  constant (default yes; they compute the same fluxes as the general sweeps).
@*/
PetscErrorCode HcTermAdvDiffSetFastPath(HcTerm term, PetscBool fast)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMADVDIFF));
  ad->fastopt     = fast;
  ad->fastmask    = -1;
  ad->overlapmask = -1;
  if (term->setupcalled) PetscCall(HcAdvDiffFastSetUp_Private(term));
  PetscFunctionReturn(0);
}

/*@C
  HcTermAdvDiffSetOverlap - whether HcTermApply may exchange the ghost rows itself while it sweeps the interior rows,
  instead of a ghosted copy of u (default yes; used on the fast path where one rank spans each grid row, y is
  periodic and every rank has two rows or more; the same results).  Logically collective: the same value on every
  rank.
@*/
PetscErrorCode HcTermAdvDiffSetOverlap(HcTerm term, PetscBool overlap)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMADVDIFF));
  ad->overlapopt  = overlap;
  ad->overlapmask = -1;
  PetscFunctionReturn(0);
}

/*@C
  HcTermAdvDiffSetDiffusivity - initial diffusivities, one per field (positive).
@*/
PetscErrorCode HcTermAdvDiffSetDiffusivity(HcTerm term, const PetscReal K[])
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermAdvDiffCheckNotSetUp_Private(term));
  for (PetscInt c = 0; c < term->grid->nc; c++) ad->kinit[c] = K[c];
  ad->nkinit = term->grid->nc;
  PetscFunctionReturn(0);
}

/*@C
  HcTermAdvDiffSetVelocityLearn - learn a velocity correction per cell (two values per cell, starting at zero) added to
  the given velocity, with weight smooth >= 0 of its roughness in the training loss (HcModelAddRegularization()); the
  same as -physics_velocity_learn field -physics_velocity_smooth smooth.  Before HcTermSetUp().
@*/
PetscErrorCode HcTermAdvDiffSetVelocityLearn(HcTerm term, PetscBool learn, PetscReal smooth)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermAdvDiffCheckNotSetUp_Private(term));
  PetscCheck(smooth >= 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTerm '%s': the smoothness weight must be >= 0, got %g",
             term->name, (double)smooth);
  ad->learn  = learn;
  ad->smooth = smooth;
  PetscFunctionReturn(0);
}

/*@C
  HcTermAdvDiffSetVelocity - initial constant velocity (vx, vy), a learned parameter pair.
@*/
PetscErrorCode HcTermAdvDiffSetVelocity(HcTerm term, PetscReal vx, PetscReal vy)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermAdvDiffCheckNotSetUp_Private(term));
  ad->vinit[0] = vx;
  ad->vinit[1] = vy;
  PetscFunctionReturn(0);
}

/*@C
  HcTermAdvDiffSetVelocityField - advect with a given velocity field (two components per cell, from HcGridCreateVectorDof(grid, 2,
...)), the same at every time and in every environment; the field is data, not a parameter.  Face velocities are
averages of the two adjacent cells.
@*/
PetscErrorCode HcTermAdvDiffSetVelocityField(HcTerm term, Vec vel)
{
  const PetscReal t0 = 0;

  PetscFunctionBegin;
  PetscCall(HcTermAdvDiffCheckNotSetUp_Private(term));
  PetscCall(HcTermAdvDiffSetVelocitySeries(term, -1, 1, &t0, &vel));
  PetscFunctionReturn(0);
}

/*@C
  HcTermAdvDiffSetVelocitySeries - the velocity of forcing key `key` (a data environment, see HcTermSetForcing(); -1:
  every key without its own series) at n increasing times t[] (absolute model times, s), each a two-component field
  from HcGridCreateVectorDof(grid, 2, ...); the velocity at a time in between is linear in time, a time outside
  [t[0], t[n-1]] is an error (n = 1: the same at every time).  The velocity is data, not a parameter: before
  HcTermSetUp(), unless the term already takes its velocity from a field (-physics_velocity_vars).  Collective; replaces
  an earlier series of the same key.
@*/
PetscErrorCode HcTermAdvDiffSetVelocitySeries(HcTerm term, PetscInt key, PetscInt n, const PetscReal t[], const Vec vel[])
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;
  HcGrid     g  = term->grid;
  PetscInt   q;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMADVDIFF));
  PetscCheck(!term->setupcalled || (ad->velfield && !ad->constvel), term->comm, PETSC_ERR_ORDER,
             "HcTerm '%s': a velocity series replaces the learned constant velocity: set it before HcTermSetUp() (or give "
             "-physics_velocity_vars)",
             term->name);
  PetscCheck(key >= -1, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcTermAdvDiffSetVelocitySeries: key must be >= -1, got %" PetscInt_FMT, key);
  PetscCheck(n >= 1, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcTerm '%s': a velocity series needs at least one time, got %" PetscInt_FMT, term->name, n);
  for (PetscInt k = 0; k < n; k++) {
    PetscInt  nl;
    PetscReal nrm;

    PetscCheck(k == 0 || t[k] > t[k - 1], term->comm, PETSC_ERR_ARG_WRONG,
               "HcTerm '%s': the times of a velocity series must increase: time %" PetscInt_FMT
               " is %.9g s, the one before %.9g s",
               term->name, k, (double)t[k], (double)t[k - 1]);
    PetscCall(VecGetLocalSize(vel[k], &nl));
    PetscCheck(nl == 2 * g->xm * g->ym, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
               "HcTerm '%s': a velocity field has 2 components on the grid's layout (%" PetscInt_FMT
               " local values), got %" PetscInt_FMT,
               term->name, 2 * g->xm * g->ym, nl);
    PetscCall(VecNorm(vel[k], NORM_1, &nrm));
    PetscCheck(!PetscIsInfOrNanReal(nrm), term->comm, PETSC_ERR_FP,
               "HcTerm '%s': the velocity of forcing %" PetscInt_FMT
               " at time %.9g s has values that are not finite (NaN or inf)",
               term->name, key, (double)t[k]);
  }
  PetscCall(HcAdvDiffVelocityLayout_Private(term));
  for (q = 0; q < ad->nseries && ad->series[q].key != key; q++) {}
  if (q < ad->nseries) {
    PetscCall(VecDestroyVecs(ad->series[q].n, &ad->series[q].vloc));
    PetscCall(PetscFree(ad->series[q].t));
  } else {
    PetscCheck(ad->nseries < HC_ADVDIFF_MAX_SERIES, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "HcTerm '%s': at most %d velocity series", term->name, HC_ADVDIFF_MAX_SERIES);
    ad->nseries++;
  }
  ad->series[q].key = key;
  ad->series[q].n   = n;
  PetscCall(PetscMalloc1(n, &ad->series[q].t));
  PetscCall(PetscArraycpy(ad->series[q].t, t, n));
  PetscCall(VecDuplicateVecs(ad->vapply, n, &ad->series[q].vloc));
  for (PetscInt k = 0; k < n; k++) {
    PetscCall(VecSet(ad->series[q].vloc[k], 0));
    PetscCall(DMGlobalToLocal(ad->dav, vel[k], INSERT_VALUES, ad->series[q].vloc[k]));
  }
  ad->kapply = ad->klin = -2; /* the velocities computed from an earlier series */
  PetscFunctionReturn(0);
}

/*@C
  HcTermAdvDiffSetVelocityVariables - take the velocity from the data variables x, y (eastward, northward components),
  a time series per environment that the commands read with the data (HcTermAdvDiffSetVelocitySeries()); the velocity
  is then not a parameter.  The names are recorded in the model file's architecture; each must be a plain NetCDF name
  (letters, digits, _ . + -, not starting with -).  Before HcTermSetUp().
@*/
PetscErrorCode HcTermAdvDiffSetVelocityVariables(HcTerm term, const char x[], const char y[])
{
  HcAdvDiff  *ad       = (HcAdvDiff *)term->data;
  const char *names[2] = {x, y};

  PetscFunctionBegin;
  PetscCall(HcTermAdvDiffCheckNotSetUp_Private(term));
  for (PetscInt k = 0; k < 2; k++) {
    const char *v  = names[k];
    PetscBool   ok = (PetscBool)(v && v[0] && v[0] != '-' && strlen(v) < sizeof(ad->velvars[k]));

    for (const char *p = v; ok && *p; p++)
      ok = (PetscBool)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
                       *p == '.' || *p == '+' || *p == '-');
    PetscCheck(ok, term->comm, PETSC_ERR_ARG_WRONG,
               "HcTerm '%s': velocity variable '%s' is not a plain variable name (letters, digits, _ . + -, not starting with "
               "-, at most %d characters)",
               term->name, v ? v : "(null)", (int)sizeof(ad->velvars[k]) - 1);
  }
  PetscCall(PetscStrncpy(ad->velvars[0], x, sizeof(ad->velvars[0])));
  PetscCall(PetscStrncpy(ad->velvars[1], y, sizeof(ad->velvars[1])));
  PetscFunctionReturn(0);
}

/*@C
  HcTermAdvDiffGetVelocityVariables - the data variables of the velocity (-physics_velocity_vars), or NULL, NULL.
@*/
PetscErrorCode HcTermAdvDiffGetVelocityVariables(HcTerm term, const char **x, const char **y)
{
  HcAdvDiff *ad = (HcAdvDiff *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMADVDIFF));
  *x = ad->velvars[0][0] ? ad->velvars[0] : NULL;
  *y = ad->velvars[1][0] ? ad->velvars[1] : NULL;
  PetscFunctionReturn(0);
}
