/* The neural correction N: a pointwise multilayer perceptron applied at every active cell to physical local features,
     N(u)_c(i,j) = mask(i,j) * output_scale * MLP(features(i,j))_c,
   features = [for each field c: s_u u_c, s_g du_c/dx, s_g du_c/dy, s_l Laplacian u_c; static features; time features].
   The derivatives use the grid's physical metrics (metres on lat-lon grids), so the same weights act on the same
   continuous operator at every resolution.  Stencils are linear in u and read active cells only (land may hold NaN):
     d/dx, d/dy  3-point centred (second order on non-uniform spacing); next to land or a closed wall the 3-point
                 one-sided formula when two cells on the open side are active, 2-point (first order) when only one is,
                 zero when the cell has no active neighbour along that direction;
     Laplacian   finite-volume div(grad u), the advdiff diffusion with K = 1: no flux through closed faces.
   See docs/mlp.md. */
#include <stdlib.h>
#include <string.h>
#include <hycast/private/mlpimpl.h>
#include <hycast/private/switches.h>
#include <hycast/private/kernelimpl.h>

typedef enum { HC_MLP_STATIC_MASK, HC_MLP_STATIC_LAT, HC_MLP_STATIC_LON, HC_MLP_NSTATIC } HcMLPStaticKind;
static const char *const HcMLPStaticNames[] = {"mask", "lat", "lon"};

/* Rows of the interior stencils' coefficients in a row segment: d/dx at offsets -1, 0, 1 (rows 0-2), d/dy (3-5), the
   Laplacian's centre, W, E, S, N (6-10), the order of HcMLPStencilBuild. */
#define HC_MLP_NCO 11
/* Row segments: the features of HC_MLP_SEG consecutive cells of a grid row are computed at once; a block is
   HC_MLP_BLOCK / HC_MLP_SEG segments (shorter than a block, so that grids with rows of 32 cells keep the fast path) */
#define HC_MLP_SEG 32
_Static_assert(HC_MLP_BLOCK % HC_MLP_SEG == 0, "a block is a whole number of row segments");
#define HC_MLP_SPB (HC_MLP_BLOCK / HC_MLP_SEG)

/* The stencils of one active cell: offsets and coefficients of d/dx (along the row), d/dy (along the column) and the
   Laplacian (centre first), over active cells only; open = fraction of the cell's four faces that are open. */
typedef struct {
  PetscInt  nx, ny, nl;
  PetscInt  ox[3], oy[3], lx[5], ly[5];
  PetscReal cx[3], cy[3], cl[5];
  PetscReal open;
} HcMLPStencil;

typedef struct {
  /* architecture (options) */
  PetscInt     nhidden, widths[HC_MLP_MAX_HIDDEN];
  HcActivation act;
  PetscBool    usestatic[HC_MLP_NSTATIC];
  PetscReal    tperiod, torigin;
  PetscReal    trscale, trorigin; /* the trend feature (t - trorigin) / trscale, when trscale > 0 */
  PetscReal    fscale[3], oscale;
  PetscInt     seed;
  PetscReal    initscale;
  /* set up */
  HcMLPNet      net;
  PetscInt      nc, nfeat;
  char        **featnames;
  PetscReal    *colfeat, *rowfeat; /* static features of every column (sin, cos of lon or x) and row (lat or y) */
  PetscInt      nact, nblock;      /* this rank's active cells, in blocks of HC_MLP_BLOCK */
  PetscInt      maskstate;         /* the grid's maskstate the cells and stencils were built for */
  PetscInt     *cell;              /* (i, j) of each active cell, row by row */
  HcMLPStencil *st;                /* its stencils, built once from the mask and the metrics */
  PetscBool     rowopt;            /* row segments allowed (-mlp_row_blocks, HcTermMLPSetRowBlocks) */
  PetscBool    *rowseg;            /* per segment: its HC_MLP_SEG cells are consecutive cells of one grid row, each with
                                      the interior stencils (3-point d/dx, d/dy, 5-point Laplacian) */
  PetscReal *rowco;                /* per segment: those stencils' coefficients as rows of HC_MLP_SEG (HC_MLP_NCO rows) */
  PetscReal *cache;                /* per block: the network's input, activations and their slopes at the point (allocated
                                      when first filled) */
  PetscReal *in, *blk, *din, *gin, *out, *gout, *work, *bound; /* one cell (in) or one block (rows) each */
  PetscBool  linearized;
  /* A linearisation is lazy until a product needs the cache: the adjoint's single J^T sweep computes each block's rows
     as it goes (from a copy of the point and the stage record), in cache, instead of writing the whole cache and
     reading it back (at N = 128 one stage's cache is 4.7 MB a rank, beyond the core's caches). */
  PetscBool        lazy;
  PetscBool        lazyswept; /* a J^T sweep ran at the lazy point (the next one fills the cache first) */
  Vec              ulin;      /* the point's state, local with ghosts */
  PetscReal        tlin;
  const PetscReal *reclin;         /* its stage record (NULL: none), valid until the next linearisation */
  PetscReal       *lanes;          /* HC_MLP_LANES partial sums per parameter of a gradient sweep (zero between sweeps) */
  PetscReal       *gstash, *wsave; /* the parameter gradient computed with the last J^T w, and that w at the active cells */
  PetscBool        stashed;
} HcMLP;

static PetscErrorCode HcMLPSetUpCells_Private(HcTerm);
static PetscInt       HcMLPRecordFirstRow_Private(const HcMLP *);

/* First derivative at offset 0 along a line.  m1, m2 (p1, p2): cells at offsets -1, -2 (+1, +2) active; dm1 = distance
   from -1 to 0, dm2 from -2 to -1, dp1 from 0 to +1, dp2 from +1 to +2.  Returns the number of points. */
static inline PetscInt HcMLPDerivative1D(PetscBool m1, PetscBool m2, PetscBool p1, PetscBool p2, PetscReal dm1, PetscReal dm2,
                                         PetscReal dp1, PetscReal dp2, PetscInt off[3], PetscReal coef[3])
{
  if (m1 && p1) {
    off[0]  = -1;
    off[1]  = 0;
    off[2]  = 1;
    coef[0] = -dp1 / (dm1 * (dm1 + dp1));
    coef[1] = (dp1 - dm1) / (dm1 * dp1);
    coef[2] = dm1 / (dp1 * (dm1 + dp1));
    return 3;
  }
  if (p1 && p2) {
    const PetscReal h1 = dp1, h2 = dp1 + dp2;
    off[0]  = 0;
    off[1]  = 1;
    off[2]  = 2;
    coef[0] = -(h1 + h2) / (h1 * h2);
    coef[1] = h2 / (h1 * dp2);
    coef[2] = -h1 / (h2 * dp2);
    return 3;
  }
  if (m1 && m2) {
    const PetscReal h1 = dm1, h2 = dm1 + dm2;
    off[0]  = 0;
    off[1]  = -1;
    off[2]  = -2;
    coef[0] = (h1 + h2) / (h1 * h2);
    coef[1] = -h2 / (h1 * dm2);
    coef[2] = h1 / (h2 * dm2);
    return 3;
  }
  if (p1 || m1) {
    const PetscReal h = p1 ? dp1 : -dm1;
    off[0]            = 0;
    off[1]            = p1 ? 1 : -1;
    coef[0]           = -1 / h;
    coef[1]           = 1 / h;
    return 2;
  }
  return 0;
}

/* Only the mask is read (the ghosted mask is zero beyond closed walls), never u. */
static inline void HcMLPStencilBuild(const HcGridMetrics *m, const PetscScalar **mk, PetscInt i, PetscInt j, HcMLPStencil *s)
{
  const PetscBool W = mk[j][i - 1] != 0 ? PETSC_TRUE : PETSC_FALSE, E = mk[j][i + 1] != 0 ? PETSC_TRUE : PETSC_FALSE;
  const PetscBool S = mk[j - 1][i] != 0 ? PETSC_TRUE : PETSC_FALSE, N = mk[j + 1][i] != 0 ? PETSC_TRUE : PETSC_FALSE;
  const PetscReal cc = m->cc[j], sx = m->yw[j] / (m->xw[i] * m->ya[j] * cc);
  PetscReal       cen = 0;

  s->nx = HcMLPDerivative1D(W, W && mk[j][i - 2] != 0, E, E && mk[j][i + 2] != 0, m->xd[i - 1] * cc, m->xd[i - 2] * cc,
                            m->xd[i] * cc, m->xd[i + 1] * cc, s->ox, s->cx);
  s->ny = HcMLPDerivative1D(S, S && mk[j - 2][i] != 0, N, N && mk[j + 2][i] != 0, m->yd[j - 1], m->yd[j - 2], m->yd[j],
                            m->yd[j + 1], s->oy, s->cy);
  /* finite-volume div(grad u): (1/area) sum over open faces of length * (u_neighbour - u) / centre distance */
  s->nl    = 1;
  s->lx[0] = s->ly[0] = 0;
  if (W) {
    s->lx[s->nl] = -1;
    s->ly[s->nl] = 0;
    s->cl[s->nl] = sx / m->xd[i - 1];
    cen -= s->cl[s->nl++];
  }
  if (E) {
    s->lx[s->nl] = 1;
    s->ly[s->nl] = 0;
    s->cl[s->nl] = sx / m->xd[i];
    cen -= s->cl[s->nl++];
  }
  if (S) {
    s->lx[s->nl] = 0;
    s->ly[s->nl] = -1;
    s->cl[s->nl] = m->cf[j - 1] / (m->ya[j] * m->yd[j - 1]);
    cen -= s->cl[s->nl++];
  }
  if (N) {
    s->lx[s->nl] = 0;
    s->ly[s->nl] = 1;
    s->cl[s->nl] = m->cf[j] / (m->ya[j] * m->yd[j]);
    cen -= s->cl[s->nl++];
  }
  s->cl[0] = cen;
  s->open  = 0.25 * (W + E + S + N);
}

/* f[(4c + k) ld] = scale[k] * (u, du/dx, du/dy, Laplacian u)_c at cell (i, j); ld = 1 for one cell, HC_MLP_BLOCK for a
   cell of a block. */
static inline void HcMLPFieldFeatures(PetscInt nc, const PetscReal scale[3], const HcMLPStencil *s, const PetscScalar ***u,
                                      PetscInt i, PetscInt j, PetscInt ld, PetscReal f[])
{
  for (PetscInt c = 0; c < nc; c++) {
    PetscReal dx = 0, dy = 0, lap = 0;

    for (PetscInt k = 0; k < s->nx; k++) dx += s->cx[k] * PetscRealPart(u[j][i + s->ox[k]][c]);
    for (PetscInt k = 0; k < s->ny; k++) dy += s->cy[k] * PetscRealPart(u[j + s->oy[k]][i][c]);
    for (PetscInt k = 0; k < s->nl; k++) lap += s->cl[k] * PetscRealPart(u[j + s->ly[k]][i + s->lx[k]][c]);
    f[(4 * c) * ld]     = scale[0] * PetscRealPart(u[j][i][c]);
    f[(4 * c + 1) * ld] = scale[1] * dx;
    f[(4 * c + 2) * ld] = scale[1] * dy;
    f[(4 * c + 3) * ld] = scale[2] * lap;
  }
}

/* The transpose of HcMLPFieldFeatures: y += (d features / d u)^T g, scattered into the stencil's cells (ghosts too). */
static inline void HcMLPFieldScatter(PetscInt nc, const PetscReal scale[3], const HcMLPStencil *s, const PetscReal g[],
                                     PetscInt ld, PetscScalar ***y, PetscInt i, PetscInt j)
{
  for (PetscInt c = 0; c < nc; c++) {
    const PetscReal gu = scale[0] * g[(4 * c) * ld], gx = scale[1] * g[(4 * c + 1) * ld], gy = scale[1] * g[(4 * c + 2) * ld],
                    gl = scale[2] * g[(4 * c + 3) * ld];

    y[j][i][c] += gu;
    for (PetscInt k = 0; k < s->nx; k++) y[j][i + s->ox[k]][c] += gx * s->cx[k];
    for (PetscInt k = 0; k < s->ny; k++) y[j + s->oy[k]][i][c] += gy * s->cy[k];
    for (PetscInt k = 0; k < s->nl; k++) y[j + s->ly[k]][i + s->lx[k]][c] += gl * s->cl[k];
  }
}

/* The features after the fields' ones: static (mask, lat, lon, in this order) and time. */
static inline void HcMLPExtraFeatures(const HcMLP *mlp, const HcMLPStencil *s, PetscInt i, PetscInt j, const PetscReal tf[3],
                                      PetscInt ld, PetscReal f[])
{
  PetscInt k = 0;

  if (mlp->usestatic[HC_MLP_STATIC_MASK]) f[ld * k++] = s->open;
  if (mlp->usestatic[HC_MLP_STATIC_LAT]) f[ld * k++] = mlp->rowfeat[j];
  if (mlp->usestatic[HC_MLP_STATIC_LON]) {
    f[ld * k++] = mlp->colfeat[2 * i];
    f[ld * k++] = mlp->colfeat[2 * i + 1];
  }
  if (mlp->tperiod > 0) {
    f[ld * k++] = tf[0];
    f[ld * k++] = tf[1];
  }
  if (mlp->trscale > 0) f[ld * k++] = tf[2];
}

static void HcMLPTimeFeatures(const HcMLP *mlp, PetscReal t, PetscReal tf[3])
{
  const PetscReal phase = mlp->tperiod > 0 ? 2 * PETSC_PI * (t - mlp->torigin) / mlp->tperiod : 0;

  tf[0] = PetscSinReal(phase);
  tf[1] = PetscCosReal(phase);
  tf[2] = mlp->trscale > 0 ? (t - mlp->trorigin) / mlp->trscale : 0;
}

/* Flops of the features of one cell (stencils and scaling), for PetscLogFlops. */
static PetscLogDouble HcMLPFeatureFlops(const HcMLP *mlp)
{
  return 30.0 * mlp->nc;
}

/* Blocks of active cells: cell q of the rank's active cells (row by row) is cell q % HC_MLP_BLOCK of block
   q / HC_MLP_BLOCK; nb = its number of cells. */
static inline PetscInt HcMLPBlockSize(const HcMLP *mlp, PetscInt b)
{
  return PetscMin(HC_MLP_BLOCK, mlp->nact - b * HC_MLP_BLOCK);
}

static inline PetscReal *HcMLPCacheBlock(const HcMLP *mlp, PetscInt b)
{
  return mlp->cache + (size_t)b * mlp->net.cachesize * HC_MLP_BLOCK;
}

/* the coefficient rows of segment s (meaningful when it is a row segment) */
static inline PetscReal *HcMLPRowCoefficients(const HcMLP *mlp, PetscInt s)
{
  return mlp->rowco + (size_t)s * HC_MLP_NCO * HC_MLP_SEG;
}

static PetscBool HcMLPStencilInterior(const HcMLPStencil *s)
{
  return s->nx == 3 && s->ox[0] == -1 && s->ox[1] == 0 && s->ox[2] == 1 && s->ny == 3 && s->oy[0] == -1 && s->oy[1] == 0 &&
                 s->oy[2] == 1 && s->nl == 5 && s->lx[1] == -1 && s->ly[1] == 0 && s->lx[2] == 1 && s->ly[2] == 0 &&
                 s->lx[3] == 0 && s->ly[3] == -1 && s->lx[4] == 0 && s->ly[4] == 1
             ? PETSC_TRUE
             : PETSC_FALSE;
}

/* HcMLPFieldFeatures for the HC_MLP_SEG cells of a row segment at once: us, u0, un are the rows j - 1, j, j + 1 of u
   from the segment's first cell (nc values per cell), co its coefficient rows, x its first cell in the block's rows.  The same
   operations in the same order as HcMLPFieldFeatures, so the same numbers; with the coefficients as rows and no per-cell offsets
   the loop over the cells vectorises. */
HC_KERNEL static void HcMLPRowFeatures(PetscInt nc, const PetscReal scale[3], const PetscReal *restrict co,
                                       const PetscScalar *restrict us, const PetscScalar *restrict u0,
                                       const PetscScalar *restrict un, PetscReal *restrict x)
{
  enum { B = HC_MLP_BLOCK, S = HC_MLP_SEG };

  for (PetscInt c = 0; c < nc; c++)
    for (PetscInt p = 0; p < S; p++) {
      const PetscReal uc = PetscRealPart(u0[p * nc + c]), uw = PetscRealPart(u0[(p - 1) * nc + c]);
      const PetscReal ue = PetscRealPart(u0[(p + 1) * nc + c]), uS = PetscRealPart(us[p * nc + c]);
      const PetscReal uN = PetscRealPart(un[p * nc + c]);
      PetscReal       dx = 0, dy = 0, lap = 0;

      dx += co[0 * S + p] * uw;
      dx += co[1 * S + p] * uc;
      dx += co[2 * S + p] * ue;
      dy += co[3 * S + p] * uS;
      dy += co[4 * S + p] * uc;
      dy += co[5 * S + p] * uN;
      lap += co[6 * S + p] * uc;
      lap += co[7 * S + p] * uw;
      lap += co[8 * S + p] * ue;
      lap += co[9 * S + p] * uS;
      lap += co[10 * S + p] * uN;
      x[(4 * c) * B + p]     = scale[0] * uc;
      x[(4 * c + 1) * B + p] = scale[1] * dx;
      x[(4 * c + 2) * B + p] = scale[1] * dy;
      x[(4 * c + 3) * B + p] = scale[2] * lap;
    }
}

/* HcMLPFieldScatter for the cells of a row segment: y += (d features / d u)^T g, with ys, y0, yn the rows j - 1, j,
   j + 1 of y from the segment's first cell, g its first cell in the block's rows.  Every element of y receives the same terms in
   the same order as from HcMLPFieldScatter cell after cell (row j: those of the cell on the left, its own, those of the cell on
   the right), so the results are the same numbers. */
HC_KERNEL static void HcMLPRowScatter(PetscInt nc, const PetscReal scale[3], const PetscReal *restrict co,
                                      const PetscReal *restrict g, PetscScalar *restrict ys, PetscScalar *restrict y0,
                                      PetscScalar *restrict yn)
{
  enum { B = HC_MLP_BLOCK, S = HC_MLP_SEG };

  for (PetscInt c = 0; c < nc; c++) {
    const PetscReal *gu = g + (4 * c) * B, *gx = gu + B, *gy = gx + B, *gl = gy + B;

    for (PetscInt p = 0; p < S; p++) {
      ys[p * nc + c] = (ys[p * nc + c] + (scale[1] * gy[p]) * co[3 * S + p]) + (scale[2] * gl[p]) * co[9 * S + p];
      yn[p * nc + c] = (yn[p * nc + c] + (scale[1] * gy[p]) * co[5 * S + p]) + (scale[2] * gl[p]) * co[10 * S + p];
    }
    y0[-nc + c] = (y0[-nc + c] + (scale[1] * gx[0]) * co[0]) + (scale[2] * gl[0]) * co[7 * S];
    for (PetscInt p = 0; p < S; p++) {
      PetscScalar t = y0[p * nc + c];

      if (p > 0) t = (t + (scale[1] * gx[p - 1]) * co[2 * S + p - 1]) + (scale[2] * gl[p - 1]) * co[8 * S + p - 1];
      t = (((t + scale[0] * gu[p]) + (scale[1] * gx[p]) * co[S + p]) + (scale[1] * gy[p]) * co[4 * S + p]) +
          (scale[2] * gl[p]) * co[6 * S + p];
      if (p < S - 1) t = (t + (scale[1] * gx[p + 1]) * co[p + 1]) + (scale[2] * gl[p + 1]) * co[7 * S + p + 1];
      y0[p * nc + c] = t;
    }
    y0[S * nc + c] = (y0[S * nc + c] + (scale[1] * gx[S - 1]) * co[3 * S - 1]) + (scale[2] * gl[S - 1]) * co[9 * S - 1];
  }
}

/* The field features of block b's cells (rows of HC_MLP_BLOCK): row segments at once, other cells one by one. */
static void HcMLPBlockFieldFeatures(const HcMLP *mlp, PetscInt b, const PetscScalar ***u, PetscReal x[])
{
  const PetscInt nb = HcMLPBlockSize(mlp, b);

  for (PetscInt k = 0, p0 = 0; k < HC_MLP_SPB && p0 < nb; k++, p0 += HC_MLP_SEG) {
    const PetscInt sg = b * HC_MLP_SPB + k, q0 = b * HC_MLP_BLOCK + p0;

    if (mlp->rowseg[sg]) {
      const PetscInt i = mlp->cell[2 * q0], j = mlp->cell[2 * q0 + 1];

      HcMLPRowFeatures(mlp->nc, mlp->fscale, HcMLPRowCoefficients(mlp, sg), u[j - 1][i], u[j][i], u[j + 1][i], x + p0);
    } else
      for (PetscInt p = p0; p < PetscMin(p0 + HC_MLP_SEG, nb); p++) {
        const PetscInt q = b * HC_MLP_BLOCK + p;

        HcMLPFieldFeatures(mlp->nc, mlp->fscale, &mlp->st[q], u, mlp->cell[2 * q], mlp->cell[2 * q + 1], HC_MLP_BLOCK, x + p);
      }
  }
}

/* The network's input rows of block b at state u: features of its cells, zero in the unused cells of a last block. */
static void HcMLPBlockInput(const HcMLP *mlp, PetscInt b, const PetscScalar ***u, const PetscReal tf[3], PetscReal x[])
{
  const PetscInt nb = HcMLPBlockSize(mlp, b);

  HcMLPBlockFieldFeatures(mlp, b, u, x);
  if (mlp->nfeat > 4 * mlp->nc)
    for (PetscInt p = 0; p < nb; p++) {
      const PetscInt q = b * HC_MLP_BLOCK + p;

      HcMLPExtraFeatures(mlp, &mlp->st[q], mlp->cell[2 * q], mlp->cell[2 * q + 1], tf, HC_MLP_BLOCK,
                         x + 4 * mlp->nc * HC_MLP_BLOCK + p);
    }
  for (PetscInt k = 0; k < mlp->nfeat; k++)
    for (PetscInt p = nb; p < HC_MLP_BLOCK; p++) x[k * HC_MLP_BLOCK + p] = 0;
}

/* F += oscale * out over the cells of block b */
static void HcMLPBlockAdd(const HcMLP *mlp, PetscInt b, const PetscReal out[], PetscScalar ***F)
{
  const PetscInt nb = HcMLPBlockSize(mlp, b);

  for (PetscInt p = 0; p < nb; p++) {
    const PetscInt q = b * HC_MLP_BLOCK + p, i = mlp->cell[2 * q], j = mlp->cell[2 * q + 1];

    for (PetscInt c = 0; c < mlp->nc; c++) F[j][i][c] += mlp->oscale * out[c * HC_MLP_BLOCK + p];
  }
}

/* f += F(u) (apply); with rec, also the rows a stage record keeps (HcTermRecord_MLP), rows r0 .. of every block. */
static PetscErrorCode HcMLPForwardSweep_Private(HcTerm term, PetscReal t, Vec uloc, Vec f, PetscReal rec[])
{
  HcMLP               *mlp = (HcMLP *)term->data;
  HcGrid               g   = term->grid;
  const PetscScalar ***u;
  PetscScalar       ***F = NULL;
  PetscReal            tf[3];
  PetscInt             r0 = 0, nr = 0;

  PetscFunctionBegin;
  PetscCall(HcMLPSetUpCells_Private(term));
  if (rec) {
    r0 = HcMLPRecordFirstRow_Private(mlp);
    nr = (mlp->net.cachesize - r0) * HC_MLP_BLOCK;
  }
  HcMLPTimeFeatures(mlp, t, tf);
  PetscCall(DMDAVecGetArrayDOFRead(g->da, uloc, &u));
  if (f) PetscCall(DMDAVecGetArrayDOF(g->da, f, &F));
  for (PetscInt b = 0; b < mlp->nblock; b++) {
    PetscReal *x = mlp->blk;

    HcMLPBlockInput(mlp, b, u, tf, x);
    PetscCall(
        HcMLPNetForwardBlock_Private(&mlp->net, term->theta, mlp->net.nlayers, x, rec ? PETSC_TRUE : PETSC_FALSE, mlp->out));
    if (rec) PetscCall(PetscArraycpy(rec + b * nr, x + r0 * HC_MLP_BLOCK, nr));
    if (F) HcMLPBlockAdd(mlp, b, mlp->out, F);
  }
  if (f) PetscCall(DMDAVecRestoreArrayDOF(g->da, f, &F));
  PetscCall(DMDAVecRestoreArrayDOFRead(g->da, uloc, &u));
  PetscCall(PetscLogFlops(mlp->nact * (mlp->net.flops + HcMLPFeatureFlops(mlp) + mlp->nc)));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermApply_MLP(HcTerm term, PetscReal t, Vec uloc, Vec f)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscCall(HcMLPForwardSweep_Private(term, t, uloc, f, NULL));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Block b's rows of the record (NULL without one): the cache's rows from HcMLPRecordFirstRow_Private() on */
static const PetscReal *HcMLPRecordBlock_Private(const HcMLP *mlp, PetscInt b)
{
  return mlp->reclin ? mlp->reclin + b * (mlp->net.cachesize - HcMLPRecordFirstRow_Private(mlp)) * HC_MLP_BLOCK : NULL;
}

/* Block b's cache rows at the point (state u, time features tf): its input and the forward pass with slopes, or with a
   stage record the input and the first layer (recomputed by the same code) and, with tail, the record's rows (without:
   the caller reads them in the record, HcMLPRecordBlock_Private). */
static PetscErrorCode HcMLPFillBlock_Private(HcTerm term, PetscInt b, const PetscScalar ***u, const PetscReal tf[3],
                                             PetscBool tail, PetscReal x[])
{
  HcMLP *mlp = (HcMLP *)term->data;

  PetscFunctionBegin;
  HcMLPBlockInput(mlp, b, u, tf, x);
  PetscCall(HcMLPNetForwardBlock_Private(&mlp->net, term->theta, mlp->reclin ? 1 : mlp->net.nlayers, x, PETSC_TRUE, mlp->out));
  if (mlp->reclin && tail) {
    const PetscInt r0 = HcMLPRecordFirstRow_Private(mlp);

    PetscCall(PetscArraycpy(x + r0 * HC_MLP_BLOCK, HcMLPRecordBlock_Private(mlp, b), (mlp->net.cachesize - r0) * HC_MLP_BLOCK));
  }
  PetscFunctionReturn(0);
}

/* Linearise at (t, uloc) with the stage record rec (or NULL) lazily: keep the point, fill nothing yet. */
static PetscErrorCode HcMLPLinearizeLazy_Private(HcTerm term, PetscReal t, Vec uloc, const PetscReal rec[])
{
  HcMLP *mlp = (HcMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcMLPSetUpCells_Private(term));
  if (!mlp->ulin) PetscCall(VecDuplicate(uloc, &mlp->ulin));
  PetscCall(VecCopy(uloc, mlp->ulin));
  mlp->tlin       = t;
  mlp->reclin     = rec;
  mlp->lazy       = PETSC_TRUE;
  mlp->lazyswept  = PETSC_FALSE;
  mlp->linearized = PETSC_TRUE;
  mlp->stashed    = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* The cache of every block from a lazy linearisation (products other than one J^T sweep read it). */
static PetscErrorCode HcMLPFillCache_Private(HcTerm term)
{
  HcMLP               *mlp = (HcMLP *)term->data;
  const PetscScalar ***u;
  PetscReal            tf[3];

  PetscFunctionBegin;
  if (!mlp->lazy) PetscFunctionReturn(0);
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  if (!mlp->cache) PetscCall(PetscMalloc1((size_t)mlp->nblock * mlp->net.cachesize * HC_MLP_BLOCK, &mlp->cache));
  HcMLPTimeFeatures(mlp, mlp->tlin, tf);
  PetscCall(DMDAVecGetArrayDOFRead(term->grid->da, mlp->ulin, &u));
  for (PetscInt b = 0; b < mlp->nblock; b++)
    PetscCall(HcMLPFillBlock_Private(term, b, u, tf, PETSC_TRUE, HcMLPCacheBlock(mlp, b)));
  PetscCall(DMDAVecRestoreArrayDOFRead(term->grid->da, mlp->ulin, &u));
  mlp->lazy = PETSC_FALSE;
  PetscCall(PetscLogFlops(mlp->nact * (mlp->net.flops + HcMLPFeatureFlops(mlp))));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermLinearize_MLP(HcTerm term, PetscReal t, Vec uloc)
{
  PetscFunctionBegin;
  PetscCall(HcMLPLinearizeLazy_Private(term, t, uloc, NULL));
  PetscFunctionReturn(0);
}

/* ---- the adjoint's stage cache: a record keeps, per block, the rows of the hidden layers after the first (activations
   and slopes); the input features and the first layer (few inputs) are recomputed from u.  Saves the W x W products
   and most activations of a linearisation.  A network with one hidden layer has nothing worth keeping. */

static PetscInt HcMLPRecordFirstRow_Private(const HcMLP *mlp)
{
  return mlp->net.n[0] + mlp->net.hoff[1];
}

static PetscErrorCode HcTermRecordSize_MLP(HcTerm term, PetscInt *n)
{
  HcMLP *mlp = (HcMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcMLPSetUpCells_Private(term));
  *n = mlp->net.nlayers < 3 ? 0 : mlp->nblock * (mlp->net.cachesize - HcMLPRecordFirstRow_Private(mlp)) * HC_MLP_BLOCK;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermRecord_MLP(HcTerm term, PetscReal t, Vec uloc, Vec f, PetscReal rec[])
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscCall(HcMLPForwardSweep_Private(term, t, uloc, f, rec));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* the same cache as HcTermLinearize_MLP (HcMLPFillBlock_Private), the rows after the first layer from the record */
static PetscErrorCode HcTermRestore_MLP(HcTerm term, PetscReal t, Vec uloc, const PetscReal rec[])
{
  PetscFunctionBegin;
  PetscCall(HcMLPLinearizeLazy_Private(term, t, uloc, rec));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcMLPCheckLinearized_Private(HcTerm term)
{
  PetscFunctionBegin;
  PetscCall(HcMLPSetUpCells_Private(term)); /* a new mask drops the linearisation */
  PetscCheck(((HcMLP *)term->data)->linearized, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': linearize before a Jacobian product",
             term->name);
  PetscFunctionReturn(0);
}

/* y += J v (vloc != NULL) or y += (dN/dtheta) dtheta: forward-mode derivatives at the cached point. */
static PetscErrorCode HcMLPTangentSweep_Private(HcTerm term, Vec vloc, const PetscReal dtheta[], Vec y)
{
  HcMLP               *mlp = (HcMLP *)term->data;
  HcGrid               g   = term->grid;
  const PetscScalar ***v   = NULL;
  PetscScalar       ***Y;

  PetscFunctionBegin;
  PetscCall(HcMLPCheckLinearized_Private(term));
  PetscCall(HcMLPFillCache_Private(term));
  if (vloc) PetscCall(DMDAVecGetArrayDOFRead(g->da, vloc, &v));
  PetscCall(DMDAVecGetArrayDOF(g->da, y, &Y));
  for (PetscInt b = 0; b < mlp->nblock; b++) {
    /* static and time features do not depend on u: din keeps zeros in their rows */
    if (v) HcMLPBlockFieldFeatures(mlp, b, v, mlp->din);
    PetscCall(HcMLPNetTangentBlock_Private(&mlp->net, term->theta, dtheta, HcMLPCacheBlock(mlp, b), v ? mlp->din : NULL,
                                           mlp->work, mlp->out));
    HcMLPBlockAdd(mlp, b, mlp->out, Y);
  }
  PetscCall(DMDAVecRestoreArrayDOF(g->da, y, &Y));
  if (vloc) PetscCall(DMDAVecRestoreArrayDOFRead(g->da, vloc, &v));
  PetscCall(PetscLogFlops(mlp->nact * (mlp->net.flops + (v ? HcMLPFeatureFlops(mlp) : mlp->net.nparam) + mlp->nc)));
  PetscFunctionReturn(0);
}

/* yloc += J^T w (yloc != NULL, scattered into ghosts too) and/or grad += (dN/dtheta)^T w over the owned cells.  The
   adjoint asks for J^T w and then (dN/dtheta)^T w with the same w at the same point; both come out of one backward
   pass through the network, so J^T w also computes the parameter gradient and keeps it (the stash, with the w it
   belongs to) for the second product. */
static PetscErrorCode HcMLPAdjointSweep_Private(HcTerm term, Vec wloc, Vec yloc, PetscReal grad[])
{
  HcMLP               *mlp = (HcMLP *)term->data;
  HcGrid               g   = term->grid;
  const PetscInt       nc  = mlp->nc;
  const PetscScalar ***w, ***u = NULL;
  PetscScalar       ***Y    = NULL;
  PetscBool            same = PETSC_TRUE;
  PetscReal            tf[3];

  PetscFunctionBegin;
  PetscCall(HcMLPCheckLinearized_Private(term));
  PetscCall(DMDAVecGetArrayDOFRead(g->da, wloc, &w));
  if (!yloc && mlp->stashed) {
    for (PetscInt q = 0; q < mlp->nact && same; q++)
      for (PetscInt c = 0; c < nc; c++)
        if (mlp->wsave[q * nc + c] != PetscRealPart(w[mlp->cell[2 * q + 1]][mlp->cell[2 * q]][c])) same = PETSC_FALSE;
    if (same) {
      for (PetscInt k = 0; k < mlp->net.nparam; k++) grad[k] += mlp->gstash[k];
      PetscCall(DMDAVecRestoreArrayDOFRead(g->da, wloc, &w));
      PetscFunctionReturn(0);
    }
  }
  /* a second sweep at the same lazy point fills the cache once instead of recomputing every block again */
  if (mlp->lazy && mlp->lazyswept) PetscCall(HcMLPFillCache_Private(term));
  if (mlp->lazy) {
    mlp->lazyswept = PETSC_TRUE;
    HcMLPTimeFeatures(mlp, mlp->tlin, tf);
    PetscCall(DMDAVecGetArrayDOFRead(g->da, mlp->ulin, &u));
  }
  if (yloc) PetscCall(DMDAVecGetArrayDOF(g->da, yloc, &Y));
  for (PetscInt b = 0; b < mlp->nblock; b++) {
    const PetscInt nb = HcMLPBlockSize(mlp, b);
    PetscReal     *x  = u ? mlp->blk : HcMLPCacheBlock(mlp, b);

    if (u) PetscCall(HcMLPFillBlock_Private(term, b, u, tf, PETSC_FALSE, x)); /* the record's rows stay where they are */

    for (PetscInt p = 0; p < HC_MLP_BLOCK; p++)
      for (PetscInt c = 0; c < nc; c++) mlp->gout[c * HC_MLP_BLOCK + p] = 0;
    for (PetscInt p = 0; p < nb; p++) {
      const PetscInt q = b * HC_MLP_BLOCK + p, i = mlp->cell[2 * q], j = mlp->cell[2 * q + 1];

      for (PetscInt c = 0; c < nc; c++) {
        const PetscReal wc = PetscRealPart(w[j][i][c]);

        mlp->gout[c * HC_MLP_BLOCK + p] = mlp->oscale * wc;
        if (Y) mlp->wsave[q * nc + c] = wc;
      }
    }
    PetscCall(HcMLPNetAdjointBlock_Private(&mlp->net, term->theta, x, u ? HcMLPRecordBlock_Private(mlp, b) : NULL, mlp->gout,
                                           Y ? mlp->gin : NULL, mlp->lanes, mlp->work));
    for (PetscInt k = 0, p0 = 0; Y && k < HC_MLP_SPB && p0 < nb; k++, p0 += HC_MLP_SEG) {
      const PetscInt sg = b * HC_MLP_SPB + k;

      if (mlp->rowseg[sg]) {
        const PetscInt q = b * HC_MLP_BLOCK + p0, i = mlp->cell[2 * q], j = mlp->cell[2 * q + 1];

        HcMLPRowScatter(nc, mlp->fscale, HcMLPRowCoefficients(mlp, sg), mlp->gin + p0, Y[j - 1][i], Y[j][i], Y[j + 1][i]);
      } else
        for (PetscInt p = p0; p < PetscMin(p0 + HC_MLP_SEG, nb); p++) {
          const PetscInt q = b * HC_MLP_BLOCK + p;

          HcMLPFieldScatter(nc, mlp->fscale, &mlp->st[q], mlp->gin + p, HC_MLP_BLOCK, Y, mlp->cell[2 * q], mlp->cell[2 * q + 1]);
        }
    }
  }
  if (grad) PetscCall(HcMLPNetReduceLanes_Private(&mlp->net, mlp->lanes, grad));
  if (yloc) {
    PetscCall(DMDAVecRestoreArrayDOF(g->da, yloc, &Y));
    if (!grad) {
      for (PetscInt k = 0; k < mlp->net.nparam; k++) mlp->gstash[k] = 0;
      PetscCall(HcMLPNetReduceLanes_Private(&mlp->net, mlp->lanes, mlp->gstash));
    }
    mlp->stashed = grad ? PETSC_FALSE : PETSC_TRUE;
  }
  PetscCall(DMDAVecRestoreArrayDOFRead(g->da, wloc, &w));
  if (u) {
    PetscCall(DMDAVecRestoreArrayDOFRead(g->da, mlp->ulin, &u));
    PetscCall(PetscLogFlops(mlp->nact * (mlp->net.flops + HcMLPFeatureFlops(mlp))));
  }
  PetscCall(PetscLogFlops(mlp->nact * (mlp->net.flops + (yloc ? HcMLPFeatureFlops(mlp) : 0) + mlp->net.nparam)));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermJacobian_MLP(HcTerm term, Vec vloc, Vec y)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_JACOBIAN], 0, 0, 0, 0));
  PetscCall(HcMLPTangentSweep_Private(term, vloc, NULL, y));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_JACOBIAN], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermJacobianTranspose_MLP(HcTerm term, Vec wloc, Vec yloc)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_JACOBIAN_T], 0, 0, 0, 0));
  PetscCall(HcMLPAdjointSweep_Private(term, wloc, yloc, NULL));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_JACOBIAN_T], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermParamJacobian_MLP(HcTerm term, const PetscReal dtheta[], Vec y)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_PARAM_JACOBIAN], 0, 0, 0, 0));
  PetscCall(HcMLPTangentSweep_Private(term, NULL, dtheta, y));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_PARAM_JACOBIAN], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermParamJacobianTranspose_MLP(HcTerm term, Vec wloc, PetscReal grad[])
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_PARAM_JACOBIAN_T], 0, 0, 0, 0));
  PetscCall(HcMLPAdjointSweep_Private(term, wloc, NULL, grad));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_PARAM_JACOBIAN_T], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* A bound on every row sum of |J| at any state (Gershgorin, so on the eigenvalues' magnitude): with B bounding
   |d output_c / d input_k| (HcMLPNetInputBound_Private), row (cell, c) of J is at most
     output_scale * sum_c' [ B(c, u_c') s_u + B(c, dx_c') s_g sum|cx| + B(c, dy_c') s_g sum|cy| ]      (advective part)
   + output_scale * sum_c' B(c, lap_c') s_l sum|cl|                                                  (diffusive part)
   over the cell's stencils; the pointwise u part is counted with the advective one. */
static PetscErrorCode HcTermEstimateRates_MLP(HcTerm term, PetscReal *radv, PetscReal *rdif)
{
  HcMLP              *mlp = (HcMLP *)term->data;
  HcGrid              g   = term->grid;
  const PetscInt      nin = mlp->net.n[0];
  const PetscScalar **mk;
  HcMLPStencil        st;

  PetscFunctionBegin;
  PetscCall(HcMLPNetInputBound_Private(&mlp->net, term->theta, mlp->work, mlp->bound));
  PetscCall(DMDAVecGetArrayRead(g->da1, g->maskloc, &mk));
  *radv = *rdif = 0;
  for (PetscInt j = g->ys; j < g->ys + g->ym; j++) {
    for (PetscInt i = g->xs; i < g->xs + g->xm; i++) {
      PetscReal sx = 0, sy = 0, sl = 0;

      if (mk[j][i] == 0) continue;
      HcMLPStencilBuild(&g->m, mk, i, j, &st);
      for (PetscInt k = 0; k < st.nx; k++) sx += PetscAbsReal(st.cx[k]);
      for (PetscInt k = 0; k < st.ny; k++) sy += PetscAbsReal(st.cy[k]);
      if (term->zonalscale) { /* a polar filter keeps the zonal modes whose rates are those of its cut-off row */
        const PetscReal z  = term->zonalscale[j];
        PetscReal       lx = 0, ly = 0;

        for (PetscInt k = 1; k < st.nl; k++) {
          if (st.lx[k])
            lx += PetscAbsReal(st.cl[k]);
          else
            ly += PetscAbsReal(st.cl[k]);
        }
        sx *= z;
        sl = 2 * (z * z * lx + ly); /* the centre's coefficient is minus the neighbours' sum */
      } else
        for (PetscInt k = 0; k < st.nl; k++) sl += PetscAbsReal(st.cl[k]);
      for (PetscInt c = 0; c < mlp->nc; c++) {
        const PetscReal *B  = mlp->bound + c * nin;
        PetscReal        ra = 0, rd = 0;

        for (PetscInt q = 0; q < mlp->nc; q++) {
          ra += B[4 * q] * mlp->fscale[0] + (B[4 * q + 1] * sx + B[4 * q + 2] * sy) * mlp->fscale[1];
          rd += B[4 * q + 3] * mlp->fscale[2] * sl;
        }
        *radv = PetscMax(*radv, mlp->oscale * ra);
        *rdif = PetscMax(*rdif, mlp->oscale * rd);
      }
    }
  }
  PetscCall(DMDAVecRestoreArrayRead(g->da1, g->maskloc, &mk));
  PetscFunctionReturn(0);
}

/* ---- options and set-up */

/* The widths as "w1,w2,..." ("none" without hidden layers), as HcMLPParseHidden_Private() reads them. */
PetscErrorCode HcMLPFormatHidden_Private(PetscInt n, const PetscInt widths[], char buf[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(buf, n ? "" : "none", len));
  for (PetscInt l = 0; l < n; l++)
    PetscCall(PetscSNPrintf(buf + strlen(buf), len - strlen(buf), l ? ",%" PetscInt_FMT : "%" PetscInt_FMT, widths[l]));
  PetscFunctionReturn(0);
}

/* Hidden-layer widths from "w1,w2,..." or "none" (the option -<prefix><opt>, named in the messages). */
PetscErrorCode HcMLPParseHidden_Private(HcTerm term, const char opt[], const char str[], PetscInt *n, PetscInt widths[])
{
  const char *pre = term->prefix ? term->prefix : "";
  const char *p   = str;
  PetscBool   none;

  PetscFunctionBegin;
  PetscCall(PetscStrcasecmp(str, "none", &none));
  *n = 0;
  if (none) PetscFunctionReturn(0);
  PetscCheck(str[0], term->comm, PETSC_ERR_ARG_WRONG,
             "-%s%s: empty list of hidden-layer widths (give e.g. 32,32, or 'none' for no hidden layer)", pre, opt);
  while (1) {
    const char *end = p;
    char        tok[64];
    long        w;
    char       *rest;

    while (*end && *end != ',') end++;
    PetscCheck(end > p, term->comm, PETSC_ERR_ARG_WRONG, "-%s%s %s: hidden layer %" PetscInt_FMT " has an empty width", pre, opt,
               str, *n + 1);
    PetscCheck(end - p < (long)sizeof(tok), term->comm, PETSC_ERR_ARG_WRONG, "-%s%s %s: width %" PetscInt_FMT " is too long", pre,
               opt, str, *n + 1);
    PetscCall(PetscStrncpy(tok, p, (size_t)(end - p) + 1));
    w = strtol(tok, &rest, 10);
    PetscCheck(!*rest && w > 0 && w <= 1000000, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-%s%s %s: the width of hidden layer %" PetscInt_FMT " must be a positive integer, got '%s'", pre, opt, str,
               *n + 1, tok);
    PetscCheck(*n < HC_MLP_MAX_HIDDEN, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%s%s: at most %d hidden layers", pre, opt,
               HC_MLP_MAX_HIDDEN);
    widths[(*n)++] = (PetscInt)w;
    if (!*end) break;
    p = end + 1;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcMLPParseStatic_Private(HcTerm term, PetscInt n, const char *const names[], PetscBool use[])
{
  const char *pre = term->prefix ? term->prefix : "";

  PetscFunctionBegin;
  for (PetscInt k = 0; k < HC_MLP_NSTATIC; k++) use[k] = PETSC_FALSE;
  for (PetscInt q = 0; q < n; q++) {
    PetscBool found = PETSC_FALSE, none;

    PetscCall(PetscStrcasecmp(names[q], "none", &none));
    if (none && n == 1) break;
    for (PetscInt k = 0; k < HC_MLP_NSTATIC; k++) {
      PetscBool same;

      PetscCall(PetscStrcasecmp(names[q], HcMLPStaticNames[k], &same));
      if (!same) continue;
      PetscCheck(!use[k], term->comm, PETSC_ERR_ARG_WRONG, "-%smlp_static: the static feature '%s' is listed twice", pre,
                 names[q]);
      use[k] = found = PETSC_TRUE;
    }
    PetscCheck(found, term->comm, PETSC_ERR_ARG_WRONG, "-%smlp_static: unknown static feature '%s' (known: mask, lat, lon)", pre,
               names[q]);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermSetFromOptions_MLP(HcTerm term, PetscOptionItems *PetscOptionsObject)
{
  HcMLP      *mlp          = (HcMLP *)term->data;
  const char *pre          = term->prefix ? term->prefix : "";
  char        hidden[1024] = "", help[512], *names[HC_MLP_NSTATIC + 4];
  PetscInt    n = HC_MLP_NSTATIC + 4, ns = 3;
  PetscBool   flg;

  PetscFunctionBegin;
  PetscCall(HcMLPFormatHidden_Private(mlp->nhidden, mlp->widths, hidden, sizeof(hidden)));
  PetscOptionsHeadBegin(PetscOptionsObject, "Neural correction: pointwise MLP on physical local features (mlp)");
  PetscCall(PetscOptionsString("-mlp_hidden",
                               "Widths of the hidden layers, comma-separated ('none': no hidden layer, a linear map)",
                               "HcTermMLPSetHiddenLayers", hidden, hidden, sizeof(hidden), &flg));
  if (flg) PetscCall(HcMLPParseHidden_Private(term, "mlp_hidden", hidden, &mlp->nhidden, mlp->widths));
  PetscCall(PetscOptionsEnum("-mlp_activation", "Activation of the hidden layers (gelu: exact x Phi(x))",
                             "HcTermMLPSetActivation", HcActivations, (PetscEnum)mlp->act, (PetscEnum *)&mlp->act, NULL));
  PetscCall(PetscOptionsStringArray("-mlp_static",
                                    "Static features, any of: mask (fraction of open faces), lat (sin lat; scaled y on Cartesian "
                                    "grids), lon (sin and cos of lon; of 2 pi x / width on Cartesian grids); default none",
                                    "HcTermMLPSetStaticFeatures", names, &n, &flg));
  if (flg) {
    PetscErrorCode ierr = HcMLPParseStatic_Private(term, n, (const char *const *)names, mlp->usestatic);

    for (PetscInt k = 0; k < n; k++) PetscCall(PetscFree(names[k]));
    PetscCall(ierr);
  }
  PetscCall(PetscOptionsReal("-mlp_time_period", "Period P of the time features sin, cos(2 pi (t - t0) / P); 0: no time features",
                             "HcTermMLPSetTimeFeatures", mlp->tperiod, &mlp->tperiod, NULL));
  PetscCheck(mlp->tperiod >= 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%smlp_time_period must be >= 0, got %g", pre,
             (double)mlp->tperiod);
  PetscCall(PetscOptionsReal("-mlp_time_origin", "Time origin t0 of the time features", "HcTermMLPSetTimeFeatures", mlp->torigin,
                             &mlp->torigin, NULL));
  PetscCall(PetscOptionsReal("-mlp_trend_scale",
                             "Time scale T of the trend feature (t - t1) / T, for what drifts over the years (e.g. a warming); "
                             "0: none",
                             "HcTermMLPSetTrendFeature", mlp->trscale, &mlp->trscale, NULL));
  PetscCheck(mlp->trscale >= 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%smlp_trend_scale must be >= 0, got %g", pre,
             (double)mlp->trscale);
  PetscCall(PetscOptionsReal("-mlp_trend_origin", "Time t1 where the trend feature is 0 (e.g. the middle of the training period)",
                             "HcTermMLPSetTrendFeature", mlp->trorigin, &mlp->trorigin, NULL));
  PetscCall(
      PetscSNPrintf(help, sizeof(help),
                    "Input scales s_u,s_grad,s_lap of u, its gradient and its Laplacian (default %g,%g,%g: 1, L, L^2 with L "
                    "the shorter side of the domain / 2 pi; s_grad or s_lap 0 switches those inputs off: a pointwise closure)",
                    (double)mlp->fscale[0], (double)mlp->fscale[1], (double)mlp->fscale[2]));
  PetscCall(PetscOptionsRealArray("-mlp_feature_scale", help, "HcTermMLPSetFeatureScale", mlp->fscale, &ns, &flg));
  PetscCheck(!flg || ns == 3, term->comm, PETSC_ERR_ARG_SIZ,
             "-%smlp_feature_scale takes three values s_u,s_grad,s_lap, got %" PetscInt_FMT, pre, ns);
  PetscCheck(mlp->fscale[0] > 0 && mlp->fscale[1] >= 0 && mlp->fscale[2] >= 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-%smlp_feature_scale: s_u must be positive and s_grad, s_lap non-negative, got %g,%g,%g", pre,
             (double)mlp->fscale[0], (double)mlp->fscale[1], (double)mlp->fscale[2]);
  PetscCall(PetscOptionsReal("-mlp_output_scale",
                             "N = mask * output_scale * network output (default 1; 1/86400 on lat-lon grids: outputs per day)",
                             "HcTermMLPSetOutputScale", mlp->oscale, &mlp->oscale, NULL));
  PetscCheck(mlp->oscale > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%smlp_output_scale must be positive, got %g", pre,
             (double)mlp->oscale);
  PetscCall(PetscOptionsInt("-mlp_seed", "Seed of the initial weights (the same values on every rank and rank count)",
                            "HcTermMLPSetInitialization", mlp->seed, &mlp->seed, NULL));
  PetscCall(PetscOptionsReal("-mlp_init_scale",
                             "Initial weights uniform in +-1/sqrt(fan-in), the output layer's times this (0: start from N = 0)",
                             "HcTermMLPSetInitialization", mlp->initscale, &mlp->initscale, NULL));
  PetscCheck(mlp->initscale >= 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%smlp_init_scale must be >= 0, got %g", pre,
             (double)mlp->initscale);
  PetscCall(PetscOptionsBool("-mlp_row_blocks",
                             "Features and their transpose on segments of 32 consecutive interior cells of one grid row at once "
                             "(vectorised; the same numbers as cell by cell)",
                             "HcTermMLPSetRowBlocks", mlp->rowopt, &mlp->rowopt, NULL));
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

/* Which segments are row segments (mlp->rowseg) and their coefficient rows, from the cells and stencils. */
static void HcMLPClassifyBlocks(HcMLP *mlp)
{
  for (PetscInt sg = 0; sg < mlp->nblock * HC_MLP_SPB; sg++) {
    const PetscInt q0  = sg * HC_MLP_SEG;
    PetscReal     *co  = HcMLPRowCoefficients(mlp, sg);
    PetscBool      row = mlp->rowopt && q0 + HC_MLP_SEG <= mlp->nact ? PETSC_TRUE : PETSC_FALSE;

    for (PetscInt p = 0; p < HC_MLP_SEG && row; p++) {
      const PetscInt      q  = q0 + p;
      const HcMLPStencil *st = &mlp->st[q];

      row =
          mlp->cell[2 * q] == mlp->cell[2 * q0] + p && mlp->cell[2 * q + 1] == mlp->cell[2 * q0 + 1] && HcMLPStencilInterior(st);
      for (PetscInt k = 0; k < 3 && row; k++) {
        co[k * HC_MLP_SEG + p]       = st->cx[k];
        co[(3 + k) * HC_MLP_SEG + p] = st->cy[k];
      }
      for (PetscInt k = 0; k < 5 && row; k++) co[(6 + k) * HC_MLP_SEG + p] = st->cl[k];
    }
    mlp->rowseg[sg] = row;
  }
}

/* This rank's active cells, row by row, with their stencils (they depend on the mask and the metrics only), and the
   buffers sized by them; built again (and the linearisation dropped) when the grid's mask has changed. */
static PetscErrorCode HcMLPSetUpCells_Private(HcTerm term)
{
  HcMLP              *mlp = (HcMLP *)term->data;
  HcGrid              g   = term->grid;
  const PetscScalar **mk;
  PetscInt            q = 0;

  PetscFunctionBegin;
  if (mlp->maskstate == g->maskstate) PetscFunctionReturn(0);
  PetscCall(PetscFree2(mlp->cell, mlp->st));
  PetscCall(PetscFree(mlp->cache));
  PetscCall(PetscFree(mlp->wsave));
  PetscCall(PetscFree2(mlp->rowseg, mlp->rowco));
  PetscCall(DMDAVecGetArrayRead(g->da1, g->maskloc, &mk));
  mlp->nact = 0;
  for (PetscInt j = g->ys; j < g->ys + g->ym; j++)
    for (PetscInt i = g->xs; i < g->xs + g->xm; i++)
      if (mk[j][i] != 0) mlp->nact++;
  mlp->nblock = (mlp->nact + HC_MLP_BLOCK - 1) / HC_MLP_BLOCK;
  PetscCall(PetscMalloc2(2 * mlp->nact, &mlp->cell, mlp->nact, &mlp->st));
  for (PetscInt j = g->ys; j < g->ys + g->ym; j++)
    for (PetscInt i = g->xs; i < g->xs + g->xm; i++) {
      if (mk[j][i] == 0) continue;
      mlp->cell[2 * q]     = i;
      mlp->cell[2 * q + 1] = j;
      HcMLPStencilBuild(&g->m, mk, i, j, &mlp->st[q++]);
    }
  PetscCall(DMDAVecRestoreArrayRead(g->da1, g->maskloc, &mk));
  PetscCall(PetscMalloc1(mlp->nact * mlp->nc, &mlp->wsave));
  PetscCall(PetscMalloc2(mlp->nblock * HC_MLP_SPB, &mlp->rowseg, (size_t)mlp->nblock * HC_MLP_NCO * HC_MLP_BLOCK, &mlp->rowco));
  HcMLPClassifyBlocks(mlp);
  mlp->maskstate  = g->maskstate;
  mlp->linearized = PETSC_FALSE;
  mlp->lazy       = PETSC_FALSE;
  mlp->stashed    = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Feature names, static features per row and column, network, parameters (seeded) and every buffer of the products. */
static PetscErrorCode HcTermSetUp_MLP(HcTerm term)
{
  HcMLP               *mlp    = (HcMLP *)term->data;
  HcGrid               g      = term->grid;
  const HcGridMetrics *m      = &g->m;
  const PetscBool      latlon = g->type == HC_GRID_LATLON ? PETSC_TRUE : PETSC_FALSE;
  const PetscReal      deg    = PETSC_PI / 180;
  PetscInt             nf, k  = 0;
  PetscReal            x0, wx = 0, y0, wy = 0;
  char                 name[256];

  PetscFunctionBegin;
  mlp->nc = g->nc;
  nf      = 4 * mlp->nc + (mlp->usestatic[HC_MLP_STATIC_MASK] ? 1 : 0) + (mlp->usestatic[HC_MLP_STATIC_LAT] ? 1 : 0) +
       (mlp->usestatic[HC_MLP_STATIC_LON] ? 2 : 0) + (mlp->tperiod > 0 ? 2 : 0) + (mlp->trscale > 0 ? 1 : 0);
  mlp->nfeat = nf;
  PetscCall(HcMLPNetSetUp_Private(&mlp->net, nf, mlp->nhidden, mlp->widths, mlp->nc, mlp->act));
  PetscCall(HcTermSetNumParameters_Private(term, mlp->net.nparam));
  for (PetscInt q = 0; q < mlp->net.nparam; q++) {
    PetscCall(HcMLPNetParameterName_Private(&mlp->net, q, name, sizeof(name)));
    PetscCall(HcTermSetParameterName_Private(term, q, name));
  }
  PetscCall(HcMLPNetInitialize_Private(&mlp->net, (PetscInt)HcTermSeed_Private(term, (unsigned long)mlp->seed), mlp->initscale,
                                       term->theta));

  PetscCall(PetscCalloc1(nf + 1, &mlp->featnames));
  for (PetscInt c = 0; c < mlp->nc; c++) {
    const char *fn = g->fieldnames[c];

    PetscCall(PetscSNPrintf(name, sizeof(name), "%s", fn));
    PetscCall(PetscStrallocpy(name, &mlp->featnames[k++]));
    PetscCall(PetscSNPrintf(name, sizeof(name), "d%s/dx", fn));
    PetscCall(PetscStrallocpy(name, &mlp->featnames[k++]));
    PetscCall(PetscSNPrintf(name, sizeof(name), "d%s/dy", fn));
    PetscCall(PetscStrallocpy(name, &mlp->featnames[k++]));
    PetscCall(PetscSNPrintf(name, sizeof(name), "lap(%s)", fn));
    PetscCall(PetscStrallocpy(name, &mlp->featnames[k++]));
  }
  if (mlp->usestatic[HC_MLP_STATIC_MASK]) PetscCall(PetscStrallocpy("open_face_fraction", &mlp->featnames[k++]));
  if (mlp->usestatic[HC_MLP_STATIC_LAT]) PetscCall(PetscStrallocpy(latlon ? "sin(lat)" : "y_scaled", &mlp->featnames[k++]));
  if (mlp->usestatic[HC_MLP_STATIC_LON]) {
    PetscCall(PetscStrallocpy(latlon ? "sin(lon)" : "sin(2pi x_scaled)", &mlp->featnames[k++]));
    PetscCall(PetscStrallocpy(latlon ? "cos(lon)" : "cos(2pi x_scaled)", &mlp->featnames[k++]));
  }
  if (mlp->tperiod > 0) {
    PetscCall(PetscStrallocpy("sin(time)", &mlp->featnames[k++]));
    PetscCall(PetscStrallocpy("cos(time)", &mlp->featnames[k++]));
  }
  if (mlp->trscale > 0) PetscCall(PetscStrallocpy("trend", &mlp->featnames[k++]));

  /* Cartesian static features live on the domain's outer faces: x_scaled = (x - x0) / width in [0, 1] */
  for (PetscInt i = 0; i < g->nx; i++) wx += m->xw[i];
  for (PetscInt j = 0; j < g->ny; j++) wy += m->yw[j];
  x0 = 0.5 * (g->xc[0] + g->xc[1]) - m->xw[0];
  y0 = 0.5 * (g->yc[0] + g->yc[1]) - m->yw[0];
  PetscCall(PetscMalloc2(2 * g->nx, &mlp->colfeat, g->ny, &mlp->rowfeat));
  for (PetscInt i = 0; i < g->nx; i++) {
    const PetscReal phase = latlon ? g->xc[i] * deg : 2 * PETSC_PI * (g->xc[i] - x0) / wx;

    mlp->colfeat[2 * i]     = PetscSinReal(phase);
    mlp->colfeat[2 * i + 1] = PetscCosReal(phase);
  }
  for (PetscInt j = 0; j < g->ny; j++) mlp->rowfeat[j] = latlon ? PetscSinReal(g->yc[j] * deg) : 2 * (g->yc[j] - y0) / wy - 1;

  PetscCall(HcMLPSetUpCells_Private(term));
  PetscCall(PetscCalloc5(nf, &mlp->in, mlp->net.cachesize * HC_MLP_BLOCK, &mlp->blk, nf * HC_MLP_BLOCK, &mlp->din,
                         nf * HC_MLP_BLOCK, &mlp->gin, 2 * mlp->nc * HC_MLP_BLOCK, &mlp->out));
  mlp->gout = mlp->out + mlp->nc * HC_MLP_BLOCK;
  PetscCall(PetscCalloc4(2 * mlp->net.maxw * HC_MLP_BLOCK, &mlp->work, mlp->nc * nf, &mlp->bound, mlp->net.nparam, &mlp->gstash,
                         HC_MLP_LANES * mlp->net.nparam, &mlp->lanes));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermParametersChanged_MLP(HcTerm term)
{
  HcMLP *mlp = (HcMLP *)term->data;

  PetscFunctionBegin;
  mlp->linearized = PETSC_FALSE;
  mlp->stashed    = PETSC_FALSE;
  for (PetscInt q = 0; q < term->nparam; q++)
    PetscCheck(!PetscIsInfOrNanReal(term->theta[q]), term->comm, PETSC_ERR_FP, "HcTerm '%s': parameter %s is not finite",
               term->name, term->paramnames[q]);
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermView_MLP(HcTerm term, PetscViewer viewer)
{
  HcMLP *mlp        = (HcMLP *)term->data;
  char   line[4096] = "";

  PetscFunctionBegin;
  if (!term->setupcalled) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "pointwise MLP, %" PetscInt_FMT " hidden layer(s), %s activation (not set up)\n",
                                     mlp->nhidden, HcActivations[mlp->act]));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscSNPrintf(line, sizeof(line), "%" PetscInt_FMT " inputs", mlp->net.n[0]));
  for (PetscInt l = 1; l < mlp->net.nlayers; l++)
    PetscCall(PetscSNPrintf(line + strlen(line), sizeof(line) - strlen(line), " -> %" PetscInt_FMT, mlp->net.n[l]));
  PetscCall(PetscSNPrintf(line + strlen(line), sizeof(line) - strlen(line), " -> %" PetscInt_FMT " outputs", mlp->nc));
  PetscCall(PetscViewerASCIIPrintf(viewer, "pointwise MLP %s, %s activation%s, %" PetscInt_FMT " parameters\n", line,
                                   HcActivations[mlp->act], mlp->act == HC_ACTIVATION_GELU ? " (exact x Phi(x))" : "",
                                   mlp->net.nparam));
  line[0] = 0;
  for (PetscInt k = 0; k < mlp->nfeat; k++)
    PetscCall(PetscSNPrintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s", k ? ", " : "", mlp->featnames[k]));
  PetscCall(PetscViewerASCIIPrintf(viewer, "features: %s\n", line));
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "feature scales: u %g, gradient %g, Laplacian %g; output scale %g; derivatives with physical "
                                   "metrics, one-sided next to land and walls\n",
                                   (double)mlp->fscale[0], (double)mlp->fscale[1], (double)mlp->fscale[2], (double)mlp->oscale));
  if (mlp->tperiod > 0)
    PetscCall(
        PetscViewerASCIIPrintf(viewer, "time features: period %g, origin %g\n", (double)mlp->tperiod, (double)mlp->torigin));
  if (mlp->trscale > 0)
    PetscCall(PetscViewerASCIIPrintf(viewer, "trend feature: (t - %g) / %g\n", (double)mlp->trorigin, (double)mlp->trscale));
  PetscCall(PetscViewerASCIIPrintf(viewer, "initialisation: seed %" PetscInt_FMT ", output-layer scale %g\n", mlp->seed,
                                   (double)mlp->initscale));
  {
    PetscInt n[2] = {0, 0}, sum[2];

    PetscCall(HcMLPSetUpCells_Private(term));
    for (PetscInt sg = 0; sg < mlp->nblock * HC_MLP_SPB; sg++) n[0] += mlp->rowseg[sg] ? 1 : 0;
    for (PetscInt b = 0; b < mlp->nblock; b++) n[1] += (HcMLPBlockSize(mlp, b) + HC_MLP_SEG - 1) / HC_MLP_SEG;
    PetscCall(MPIU_Allreduce(n, sum, 2, MPIU_INT, MPI_SUM, term->comm));
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "blocks of %d cells, segments of %d: %" PetscInt_FMT " of %" PetscInt_FMT
                                     " segments lie in a grid row (features computed a row at a time)%s\n",
                                     HC_MLP_BLOCK, HC_MLP_SEG, sum[0], sum[1], mlp->rowopt ? "" : " (-mlp_row_blocks 0)"));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermDestroy_MLP(HcTerm term)
{
  HcMLP *mlp = (HcMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcMLPNetDestroy_Private(&mlp->net));
  if (mlp->featnames) PetscCall(PetscStrArrayDestroy(&mlp->featnames));
  PetscCall(PetscFree2(mlp->colfeat, mlp->rowfeat));
  PetscCall(PetscFree(mlp->cache));
  PetscCall(PetscFree(mlp->wsave));
  PetscCall(VecDestroy(&mlp->ulin));
  PetscCall(PetscFree2(mlp->cell, mlp->st));
  PetscCall(PetscFree2(mlp->rowseg, mlp->rowco));
  PetscCall(PetscFree5(mlp->in, mlp->blk, mlp->din, mlp->gin, mlp->out));
  PetscCall(PetscFree4(mlp->work, mlp->bound, mlp->gstash, mlp->lanes));
  PetscCall(PetscFree(term->data));
  PetscFunctionReturn(0);
}

/* Default input scales 1, L, L^2 with L = (shorter side of the domain) / (2 pi): O(1) inputs for fields that vary on the
   domain's scale, on Cartesian and lat-lon grids alike.  It depends on the domain, not on the resolution. */
static void HcMLPDefaultFeatureScale(HcGrid g, PetscReal s[3])
{
  PetscReal wx = 0, wy = 0, L;

  for (PetscInt i = 0; i < g->nx; i++) wx += g->m.xw[i];
  for (PetscInt j = 0; j < g->ny; j++) wy += g->m.yw[j];
  L    = PetscMin(wx, wy) / (2 * PETSC_PI);
  s[0] = 1;
  s[1] = L;
  s[2] = L * L;
}

/* The options that rebuild this network (model files); reals with every digit. */
static PetscErrorCode HcTermArchitecture_MLP(HcTerm term, char buf[], size_t len)
{
  HcMLP *mlp = (HcMLP *)term->data;
  char   item[1024];

  PetscFunctionBegin;
  buf[0] = 0;
  PetscCall(PetscStrlcat(buf, "-mlp_hidden ", len));
  PetscCall(HcMLPFormatHidden_Private(mlp->nhidden, mlp->widths, item, sizeof(item)));
  PetscCall(PetscStrlcat(buf, item, len));
  PetscCall(PetscSNPrintf(item, sizeof(item), " -mlp_activation %s", HcActivations[mlp->act]));
  PetscCall(PetscStrlcat(buf, item, len));
  for (PetscInt s = 0, first = 1; s < HC_MLP_NSTATIC; s++) {
    if (!mlp->usestatic[s]) continue;
    PetscCall(PetscStrlcat(buf, first ? " -mlp_static " : ",", len));
    PetscCall(PetscStrlcat(buf, HcMLPStaticNames[s], len));
    first = 0;
  }
  PetscCall(
      PetscSNPrintf(item, sizeof(item),
                    " -mlp_time_period %.17g -mlp_time_origin %.17g -mlp_feature_scale %.17g,%.17g,%.17g -mlp_output_scale %.17g",
                    (double)mlp->tperiod, (double)mlp->torigin, (double)mlp->fscale[0], (double)mlp->fscale[1],
                    (double)mlp->fscale[2], (double)mlp->oscale));
  PetscCall(PetscStrlcat(buf, item, len));
  if (mlp->trscale > 0) {
    PetscCall(PetscSNPrintf(item, sizeof(item), " -mlp_trend_scale %.17g -mlp_trend_origin %.17g", (double)mlp->trscale,
                            (double)mlp->trorigin));
    PetscCall(PetscStrlcat(buf, item, len));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermCreate_MLP(HcTerm term)
{
  HcMLP *mlp;

  PetscFunctionBegin;
  PetscCall(PetscNew(&mlp));
  mlp->nhidden   = 2;
  mlp->widths[0] = 32;
  mlp->widths[1] = 32;
  mlp->act       = HC_ACTIVATION_TANH;
  mlp->oscale    = term->grid->type == HC_GRID_LATLON ? 1.0 / 86400 : 1;
  mlp->initscale = 0.1; /* a hybrid model starts close to its physics */
  mlp->maskstate = -1;
  mlp->rowopt    = PETSC_TRUE;
  HcMLPDefaultFeatureScale(term->grid, mlp->fscale);
  term->data    = mlp;
  term->learned = PETSC_TRUE;
  term->ops     = (HcTermOps){.setfromoptions         = HcTermSetFromOptions_MLP,
                              .setup                  = HcTermSetUp_MLP,
                              .view                   = HcTermView_MLP,
                              .destroy                = HcTermDestroy_MLP,
                              .parameterschanged      = HcTermParametersChanged_MLP,
                              .apply                  = HcTermApply_MLP,
                              .linearize              = HcTermLinearize_MLP,
                              .jacobian               = HcTermJacobian_MLP,
                              .jacobiantranspose      = HcTermJacobianTranspose_MLP,
                              .paramjacobian          = HcTermParamJacobian_MLP,
                              .paramjacobiantranspose = HcTermParamJacobianTranspose_MLP,
                              .recordsize             = HcTermRecordSize_MLP,
                              .record                 = HcTermRecord_MLP,
                              .restore                = HcTermRestore_MLP,
                              .estimaterates          = HcTermEstimateRates_MLP,
                              .architecture           = HcTermArchitecture_MLP};
  PetscFunctionReturn(0);
}

/* ---- public setters and diagnostics */

static PetscErrorCode HcTermMLPCheckNotSetUp_Private(HcTerm term)
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMMLP));
  PetscCheck(!term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': set the architecture before HcTermSetUp()",
             term->name);
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermMLPCheckSetUp_Private(HcTerm term)
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMMLP));
  PetscCheck(term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': call HcTermSetUp() first", term->name);
  PetscFunctionReturn(0);
}

/*@C
  HcTermMLPSetHiddenLayers - widths of the hidden layers (n = 0: no hidden layer, the network is one affine map).
@*/
PetscErrorCode HcTermMLPSetHiddenLayers(HcTerm term, PetscInt n, const PetscInt widths[])
{
  HcMLP *mlp = (HcMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermMLPCheckNotSetUp_Private(term));
  PetscCheck(n >= 0 && n <= HC_MLP_MAX_HIDDEN, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcTermMLPSetHiddenLayers: number of hidden layers %" PetscInt_FMT " not in [0, %d]", n, HC_MLP_MAX_HIDDEN);
  for (PetscInt l = 0; l < n; l++)
    PetscCheck(widths[l] > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "HcTermMLPSetHiddenLayers: width of hidden layer %" PetscInt_FMT " must be positive, got %" PetscInt_FMT, l + 1,
               widths[l]);
  mlp->nhidden = n;
  for (PetscInt l = 0; l < n; l++) mlp->widths[l] = widths[l];
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermMLPSetActivation(HcTerm term, HcActivation act)
{
  PetscFunctionBegin;
  PetscCall(HcTermMLPCheckNotSetUp_Private(term));
  ((HcMLP *)term->data)->act = act;
  PetscFunctionReturn(0);
}

/*@C
  HcTermMLPSetStaticFeatures - static input features by name, any of "mask", "lat", "lon" (they enter in that order).
@*/
PetscErrorCode HcTermMLPSetStaticFeatures(HcTerm term, PetscInt n, const char *const names[])
{
  PetscFunctionBegin;
  PetscCall(HcTermMLPCheckNotSetUp_Private(term));
  PetscCall(HcMLPParseStatic_Private(term, n, names, ((HcMLP *)term->data)->usestatic));
  PetscFunctionReturn(0);
}

/*@C
  HcTermMLPSetTimeFeatures - add the inputs sin, cos(2 pi (t - origin) / period); period 0 removes them.
@*/
PetscErrorCode HcTermMLPSetTimeFeatures(HcTerm term, PetscReal period, PetscReal origin)
{
  HcMLP *mlp = (HcMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermMLPCheckNotSetUp_Private(term));
  PetscCheck(period >= 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTermMLPSetTimeFeatures: the period must be >= 0, got %g",
             (double)period);
  mlp->tperiod = period;
  mlp->torigin = origin;
  PetscFunctionReturn(0);
}

/*@C
  HcTermMLPSetTrendFeature - add the input (t - origin) / scale, a slow drift (e.g. a warming over the years) that the
  periodic time features cannot express; scale 0 removes it.
@*/
PetscErrorCode HcTermMLPSetTrendFeature(HcTerm term, PetscReal scale, PetscReal origin)
{
  HcMLP *mlp = (HcMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermMLPCheckNotSetUp_Private(term));
  PetscCheck(scale >= 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTermMLPSetTrendFeature: the scale must be >= 0, got %g",
             (double)scale);
  mlp->trscale  = scale;
  mlp->trorigin = origin;
  PetscFunctionReturn(0);
}

/*@C
  HcTermMLPSetFeatureScale - the factors s_u, s_grad, s_lap applied to u, its gradient and its Laplacian before the network.
@*/
PetscErrorCode HcTermMLPSetFeatureScale(HcTerm term, const PetscReal scale[])
{
  HcMLP *mlp = (HcMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermMLPCheckNotSetUp_Private(term));
  for (PetscInt k = 0; k < 3; k++) {
    PetscCheck(k ? scale[k] >= 0 : scale[k] > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "HcTermMLPSetFeatureScale: scale %" PetscInt_FMT " must be %s", k, k ? "non-negative" : "positive");
    mlp->fscale[k] = scale[k];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermMLPSetOutputScale(HcTerm term, PetscReal scale)
{
  PetscFunctionBegin;
  PetscCall(HcTermMLPCheckNotSetUp_Private(term));
  PetscCheck(scale > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTermMLPSetOutputScale: the scale must be positive, got %g",
             (double)scale);
  ((HcMLP *)term->data)->oscale = scale;
  PetscFunctionReturn(0);
}

/*@C
  HcTermMLPSetInitialization - seed of the initial parameters and the scale of the output layer's initial range.
@*/
PetscErrorCode HcTermMLPSetInitialization(HcTerm term, PetscInt seed, PetscReal scale)
{
  HcMLP *mlp = (HcMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermMLPCheckNotSetUp_Private(term));
  PetscCheck(scale >= 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTermMLPSetInitialization: the scale must be >= 0, got %g",
             (double)scale);
  mlp->seed      = seed;
  mlp->initscale = scale;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermMLPGetNumFeatures(HcTerm term, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCall(HcTermMLPCheckSetUp_Private(term));
  *n = ((HcMLP *)term->data)->nfeat;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermMLPGetFeatureName(HcTerm term, PetscInt k, const char **name)
{
  HcMLP *mlp = (HcMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermMLPCheckSetUp_Private(term));
  PetscCheck(k >= 0 && k < mlp->nfeat, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcTermMLPGetFeatureName: feature %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", k, mlp->nfeat);
  *name = mlp->featnames[k];
  PetscFunctionReturn(0);
}

/*@C
  HcTermMLPComputeFeatures - the network's inputs at every owned cell in physical units (before the feature scales), into
  feat from HcGridCreateVectorDof(grid, nfeat, &feat); zero on land.
@*/
PetscErrorCode HcTermMLPComputeFeatures(HcTerm term, PetscReal t, Vec u, Vec feat)
{
  HcMLP              *mlp    = (HcMLP *)term->data;
  HcGrid              g      = term->grid;
  const PetscReal     one[3] = {1, 1, 1};
  const PetscScalar **mk, ***a;
  PetscScalar        *f;
  PetscReal           tf[3];
  PetscInt            n;
  Vec                 uloc;
  HcMLPStencil        st;

  PetscFunctionBegin;
  PetscCall(HcTermMLPCheckSetUp_Private(term));
  PetscCall(VecGetLocalSize(feat, &n));
  PetscCheck(n == g->xm * g->ym * mlp->nfeat, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "HcTermMLPComputeFeatures: expected %" PetscInt_FMT " features per cell on the grid's layout (%" PetscInt_FMT
             " local values), got %" PetscInt_FMT,
             mlp->nfeat, g->xm * g->ym * mlp->nfeat, n);
  HcMLPTimeFeatures(mlp, t, tf);
  PetscCall(DMGetLocalVector(g->da, &uloc));
  PetscCall(DMGlobalToLocal(g->da, u, INSERT_VALUES, uloc));
  PetscCall(DMDAVecGetArrayRead(g->da1, g->maskloc, &mk));
  PetscCall(DMDAVecGetArrayDOFRead(g->da, uloc, &a));
  PetscCall(VecGetArray(feat, &f));
  for (PetscInt j = g->ys; j < g->ys + g->ym; j++) {
    for (PetscInt i = g->xs; i < g->xs + g->xm; i++) {
      PetscScalar *fc = f + ((j - g->ys) * g->xm + (i - g->xs)) * mlp->nfeat;

      for (PetscInt k = 0; k < mlp->nfeat; k++) fc[k] = 0;
      if (mk[j][i] == 0) continue;
      HcMLPStencilBuild(&g->m, mk, i, j, &st);
      HcMLPFieldFeatures(mlp->nc, one, &st, a, i, j, 1, mlp->in);
      HcMLPExtraFeatures(mlp, &st, i, j, tf, 1, mlp->in + 4 * mlp->nc);
      for (PetscInt k = 0; k < mlp->nfeat; k++) fc[k] = mlp->in[k];
    }
  }
  PetscCall(VecRestoreArray(feat, &f));
  PetscCall(DMDAVecRestoreArrayDOFRead(g->da, uloc, &a));
  PetscCall(DMDAVecRestoreArrayRead(g->da1, g->maskloc, &mk));
  PetscCall(DMRestoreLocalVector(g->da, &uloc));
  PetscFunctionReturn(0);
}

/* The factor applied to physical feature k: s_u, s_grad, s_grad, s_lap per field; 1 for static and time features. */
static PetscReal HcMLPInputScale(const HcMLP *mlp, PetscInt k)
{
  if (k >= 4 * mlp->nc) return 1;
  return mlp->fscale[k % 4 == 0 ? 0 : (k % 4 == 3 ? 2 : 1)];
}

/*@C
  HcTermMLPEvaluate - out[p * nc + c] = output_scale * MLP(features of point p)_c for npoints feature vectors given in
  physical units and in the order of HcTermMLPGetFeatureName() (the feature scales are applied here).
@*/
PetscErrorCode HcTermMLPEvaluate(HcTerm term, PetscInt npoints, const PetscReal feat[], PetscReal out[])
{
  HcMLP *mlp = (HcMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermMLPCheckSetUp_Private(term));
  for (PetscInt p0 = 0; p0 < npoints; p0 += HC_MLP_BLOCK) {
    const PetscInt nb = PetscMin(HC_MLP_BLOCK, npoints - p0);

    for (PetscInt k = 0; k < mlp->nfeat; k++)
      for (PetscInt p = 0; p < HC_MLP_BLOCK; p++)
        mlp->blk[k * HC_MLP_BLOCK + p] = p < nb ? HcMLPInputScale(mlp, k) * feat[(p0 + p) * mlp->nfeat + k] : 0;
    PetscCall(HcMLPNetForwardBlock_Private(&mlp->net, term->theta, mlp->net.nlayers, mlp->blk, PETSC_FALSE, mlp->out));
    for (PetscInt p = 0; p < nb; p++)
      for (PetscInt c = 0; c < mlp->nc; c++) out[(p0 + p) * mlp->nc + c] = mlp->oscale * mlp->out[c * HC_MLP_BLOCK + p];
  }
  PetscFunctionReturn(0);
}

/*@C
  HcTermMLPSetRowBlocks - whether blocks of HC_MLP_BLOCK consecutive interior cells of one grid row compute their
  features (and the transpose) a row at a time, vectorised (default yes; the same numbers as cell by cell).
@*/
PetscErrorCode HcTermMLPSetRowBlocks(HcTerm term, PetscBool rows)
{
  HcMLP *mlp;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMMLP));
  mlp         = (HcMLP *)term->data;
  mlp->rowopt = rows;
  if (mlp->rowseg) HcMLPClassifyBlocks(mlp); /* cells already built: the same numbers, no linearisation lost */
  PetscFunctionReturn(0);
}
