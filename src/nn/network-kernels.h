/* The dense network's kernels on blocks of cells for one x86-64 level: network.c includes this file once per level
   with HC_VW (reals per vector: 8, 4 or 2) and HC_KFN (the level's suffix) defined (kernelimpl.h, HC_KCALL).

   Every quantity is a row of HC_B reals, one per cell of the block; the loops run over cells, the innermost and
   contiguous index.  Every output of a layer is summed over its inputs in the same order as for a single cell, and
   each parameter's lane sums over the cells in the same order, whatever HC_VW: the levels differ only in how many
   sums are kept in registers at once (tiles sized for 32 registers with AVX-512, 16 otherwise), and give the same
   numbers where the same operations are fused (docs/benchmarks.md). */

#if HC_HAVE_REAL8
typedef double HC_KFN(HcV) __attribute__((vector_size(HC_VW * sizeof(double)), aligned(sizeof(double)), may_alias));
#define HcV         HC_KFN(HcV)
#define HC_V(p, k)  (*(HcV *)((p) + HC_VW * (k))) /* the k-th HC_VW reals from p, as one vector */
#define HC_CV(p, k) (*(const HcV *)((p) + HC_VW * (k)))
#define HC_NVR      (HC_B / HC_VW)       /* vectors per row */
#define HC_TK       (HC_VW == 8 ? 4 : 2) /* vectors per row in the four-row tiles: 16 or 8 sums in registers */
#define HC_LV       (HC_LANES / HC_VW)   /* vectors per parameter's lanes */
#define HC_OTR      (HC_VW == 8 ? 4 : 2) /* outputs x inputs of the weight-gradient tiles: 16 or 8 x (lanes / 8) sums */
#define HC_OTC      (HC_VW == 8 ? 4 : HC_VW == 4 ? 2 : 1)
_Static_assert(HC_B % (2 * HC_TK * HC_VW) == 0, "HC_MLP_BLOCK must be a multiple of 32");
_Static_assert(HC_LANES % HC_VW == 0, "HC_MLP_LANES must be a multiple of the vector width");

/* R rows (r..) x K vectors (k0..) of z = W x + b (b may be NULL) or, with add, z += W x: the R K sums in registers,
   each over c in increasing order.  R and K are constants where inlined. */
static inline __attribute__((always_inline)) void HC_KFN(HcMLPAffineTile)(PetscInt R, PetscInt K, PetscInt nin,
                                                                          const PetscReal *W, const PetscReal *b,
                                                                          const PetscReal *x, PetscBool add, PetscReal *z,
                                                                          PetscInt r, PetscInt k0)
{
  HcV a[4][2 * 4];

  for (PetscInt i = 0; i < R; i++)
    for (PetscInt k = 0; k < K; k++) {
      if (add)
        a[i][k] = HC_CV(z + (r + i) * HC_B, k0 + k);
      else
        a[i][k] = (HcV){0} + (b ? b[r + i] : 0.0);
    }
  for (PetscInt c = 0; c < nin; c++) {
    const PetscReal *xc = x + c * HC_B;
    PetscReal        u[4];

    for (PetscInt i = 0; i < R; i++) u[i] = W[(r + i) * nin + c];
    for (PetscInt k = 0; k < K; k++) {
      const HcV xv = HC_CV(xc, k0 + k);

      for (PetscInt i = 0; i < R; i++) a[i][k] += u[i] * xv;
    }
  }
  for (PetscInt i = 0; i < R; i++)
    for (PetscInt k = 0; k < K; k++) HC_V(z + (r + i) * HC_B, k0 + k) = a[i][k];
}

/* z = W x + b or z += W x over nout rows from nin rows: four outputs at a time (enough independent chains to keep both
   FMA pipes busy through their latency), then two, then one */
static void HC_KFN(HcMLPAffineBlock)(PetscInt nin, PetscInt nout, const PetscReal *W, const PetscReal *b, const PetscReal *x,
                                     PetscBool add, PetscReal *z)
{
  PetscInt r = 0;

  for (; r + 4 <= nout; r += 4)
    for (PetscInt k0 = 0; k0 < HC_NVR; k0 += HC_TK) HC_KFN(HcMLPAffineTile)(4, HC_TK, nin, W, b, x, add, z, r, k0);
  for (; r + 2 <= nout; r += 2)
    for (PetscInt k0 = 0; k0 < HC_NVR; k0 += 2 * HC_TK) HC_KFN(HcMLPAffineTile)(2, 2 * HC_TK, nin, W, b, x, add, z, r, k0);
  for (; r < nout; r++)
    for (PetscInt k0 = 0; k0 < HC_NVR; k0 += 2 * HC_TK) HC_KFN(HcMLPAffineTile)(1, 2 * HC_TK, nin, W, b, x, add, z, r, k0);
}

/* R inputs (c..) x K vectors of gx = W^T g, each summed over the outputs in increasing order */
static inline __attribute__((always_inline)) void HC_KFN(HcMLPAffineTransposeTile)(PetscInt R, PetscInt K, PetscInt nin,
                                                                                   PetscInt nout, const PetscReal *W,
                                                                                   const PetscReal *g, PetscReal *gx, PetscInt c,
                                                                                   PetscInt k0)
{
  HcV a[4][2 * 4];

  for (PetscInt i = 0; i < R; i++)
    for (PetscInt k = 0; k < K; k++) a[i][k] = (HcV){0};
  for (PetscInt r = 0; r < nout; r++) {
    const PetscReal *wr = W + r * nin + c, *gr = g + r * HC_B;
    PetscReal        u[4];

    for (PetscInt i = 0; i < R; i++) u[i] = wr[i];
    for (PetscInt k = 0; k < K; k++) {
      const HcV gv = HC_CV(gr, k0 + k);

      for (PetscInt i = 0; i < R; i++) a[i][k] += u[i] * gv;
    }
  }
  for (PetscInt i = 0; i < R; i++)
    for (PetscInt k = 0; k < K; k++) HC_V(gx + (c + i) * HC_B, k0 + k) = a[i][k];
}

/* gx = W^T g: nin rows from nout rows; four inputs at a time, then two, then one (as the forward product) */
static void HC_KFN(HcMLPAffineTransposeBlock)(PetscInt nin, PetscInt nout, const PetscReal *W, const PetscReal *g, PetscReal *gx)
{
  PetscInt c = 0;

  for (; c + 4 <= nin; c += 4)
    for (PetscInt k0 = 0; k0 < HC_NVR; k0 += HC_TK) HC_KFN(HcMLPAffineTransposeTile)(4, HC_TK, nin, nout, W, g, gx, c, k0);
  for (; c + 2 <= nin; c += 2)
    for (PetscInt k0 = 0; k0 < HC_NVR; k0 += 2 * HC_TK)
      HC_KFN(HcMLPAffineTransposeTile)(2, 2 * HC_TK, nin, nout, W, g, gx, c, k0);
  for (; c < nin; c++)
    for (PetscInt k0 = 0; k0 < HC_NVR; k0 += 2 * HC_TK)
      HC_KFN(HcMLPAffineTransposeTile)(1, 2 * HC_TK, nin, nout, W, g, gx, c, k0);
}

/* The lanes of R outputs (r..) x C inputs (c..) of dW += g x^T over the block's cells: the R C sums of HC_LANES lanes
   in registers, each row of g and x loaded once per tile (one weight at a time, the loop was bound by loads) */
static inline __attribute__((always_inline)) void HC_KFN(HcMLPOuterTile)(PetscInt R, PetscInt C, PetscInt nin, const PetscReal *g,
                                                                         const PetscReal *x, PetscReal *LW, PetscInt r,
                                                                         PetscInt c)
{
  HcV s[4][4][HC_LV];

  for (PetscInt i = 0; i < R; i++)
    for (PetscInt j = 0; j < C; j++)
      for (PetscInt v = 0; v < HC_LV; v++) s[i][j][v] = HC_CV(LW + ((r + i) * nin + c + j) * HC_LANES, v);
  for (PetscInt p = 0; p < HC_B; p += HC_LANES) {
    HcV xv[4][HC_LV];

    for (PetscInt j = 0; j < C; j++)
      for (PetscInt v = 0; v < HC_LV; v++) xv[j][v] = HC_CV(x + (c + j) * HC_B + p, v);
    for (PetscInt i = 0; i < R; i++)
      for (PetscInt v = 0; v < HC_LV; v++) {
        const HcV gv = HC_CV(g + (r + i) * HC_B + p, v);

        for (PetscInt j = 0; j < C; j++) s[i][j][v] += gv * xv[j][v];
      }
  }
  for (PetscInt i = 0; i < R; i++)
    for (PetscInt j = 0; j < C; j++)
      for (PetscInt v = 0; v < HC_LV; v++) HC_V(LW + ((r + i) * nin + c + j) * HC_LANES, v) = s[i][j][v];
}

/* lanes of dW += g x^T and db += g over the cells of the block */
static void HC_KFN(HcMLPOuterBlock)(PetscInt nin, PetscInt nout, const PetscReal *g, const PetscReal *x, PetscReal *LW,
                                    PetscReal *Lb)
{
  PetscInt r = 0;

  for (PetscInt q = 0; q < nout; q++)
    for (PetscInt v = 0; v < HC_LV; v++) {
      HcV lb = HC_CV(Lb + q * HC_LANES, v);

      for (PetscInt p = 0; p < HC_B; p += HC_LANES) lb += HC_CV(g + q * HC_B + p, v);
      HC_V(Lb + q * HC_LANES, v) = lb;
    }
  for (; r + HC_OTR <= nout; r += HC_OTR) {
    PetscInt c = 0;

    for (; c + HC_OTC <= nin; c += HC_OTC) HC_KFN(HcMLPOuterTile)(HC_OTR, HC_OTC, nin, g, x, LW, r, c);
    for (; c < nin; c++) HC_KFN(HcMLPOuterTile)(HC_OTR, 1, nin, g, x, LW, r, c);
  }
  for (; r < nout; r++) {
    PetscInt c = 0;

    for (; c + HC_OTC <= nin; c += HC_OTC) HC_KFN(HcMLPOuterTile)(1, HC_OTC, nin, g, x, LW, r, c);
    for (; c < nin; c++) HC_KFN(HcMLPOuterTile)(1, 1, nin, g, x, LW, r, c);
  }
}
#undef HcV
#undef HC_V
#undef HC_CV
#undef HC_NVR
#undef HC_TK
#undef HC_LV
#undef HC_OTR
#undef HC_OTC
#else
static void HC_KFN(HcMLPAffineBlock)(PetscInt nin, PetscInt nout, const PetscReal *W, const PetscReal *b, const PetscReal *x,
                                     PetscBool add, PetscReal *z)
{
  for (PetscInt r = 0; r < nout; r++)
    for (PetscInt p = 0; p < HC_B; p++) {
      PetscReal acc = add ? z[r * HC_B + p] : (b ? b[r] : 0);

      for (PetscInt c = 0; c < nin; c++) acc += W[r * nin + c] * x[c * HC_B + p];
      z[r * HC_B + p] = acc;
    }
}

static void HC_KFN(HcMLPAffineTransposeBlock)(PetscInt nin, PetscInt nout, const PetscReal *W, const PetscReal *g, PetscReal *gx)
{
  for (PetscInt c = 0; c < nin; c++)
    for (PetscInt p = 0; p < HC_B; p++) {
      PetscReal acc = 0;

      for (PetscInt r = 0; r < nout; r++) acc += W[r * nin + c] * g[r * HC_B + p];
      gx[c * HC_B + p] = acc;
    }
}

static void HC_KFN(HcMLPOuterBlock)(PetscInt nin, PetscInt nout, const PetscReal *g, const PetscReal *x, PetscReal *LW,
                                    PetscReal *Lb)
{
  for (PetscInt r = 0; r < nout; r++)
    for (PetscInt p = 0; p < HC_B; p += HC_LANES) {
      const PetscReal *gp = g + r * HC_B + p;

      for (PetscInt q = 0; q < HC_LANES; q++) Lb[r * HC_LANES + q] += gp[q];
      for (PetscInt c = 0; c < nin; c++)
        for (PetscInt q = 0; q < HC_LANES; q++) LW[(r * nin + c) * HC_LANES + q] += gp[q] * x[c * HC_B + p + q];
    }
}
#endif

/* a = sigma(z) in place and, when d is given (not for tanh), d = sigma'(z): n rows.  The tanh loop vectorises at
   every level (HcTanh_Private is straight-line code). */
static void HC_KFN(HcMLPActivateBlock)(HcMLPActivation act, PetscInt n, PetscReal *za, PetscReal *d)
{
  if (act == HC_MLP_TANH) {
    for (PetscInt k = 0; k < n * HC_B; k++) za[k] = HcTanh_Private(za[k]);
  } else {
    for (PetscInt k = 0; k < n * HC_B; k++) za[k] = HcMLPActivate(act, za[k], d ? &d[k] : NULL);
  }
}

/* x *= sigma'(z) over n rows, from the cached activation rows a (tanh: 1 - a^2, the same number as when it was cached
   in HcMLPActivateBlock) or from the cached slope rows after them */
static void HC_KFN(HcMLPScaleBlock)(HcMLPActivation act, PetscInt n, const PetscReal *a, PetscReal *x)
{
  if (act == HC_MLP_TANH)
    for (PetscInt k = 0; k < n * HC_B; k++) x[k] *= 1 - a[k] * a[k];
  else
    for (PetscInt k = 0; k < n * HC_B; k++) x[k] *= a[n * HC_B + k];
}
