/* The Fourier layer's pointwise and mode kernels for one x86-64 level: fno.c includes this file once per level with
   HC_VW (reals per vector: 8, 4 or 2) and HC_KFN (the level's suffix) defined (kernelimpl.h, HC_KCALL).  The
   eight-real paths (HcReal8) serve the level whose registers hold eight reals; the others run plain loops over the
   channels, which GCC vectorises at their width, or HcV (HC_VW reals) where those were slow.  All of them sum every
   output in the same order. */

#if HC_VW < 8
typedef double    HC_KFN(HcV) __attribute__((vector_size(HC_VW * sizeof(double)), aligned(sizeof(double)), may_alias));
typedef long long HC_KFN(HcLongV) __attribute__((vector_size(HC_VW * sizeof(long long))));
#define HcV     HC_KFN(HcV)
#define HcLongV HC_KFN(HcLongV)
#endif

#if HC_VW == 8
/* HcFNOLift_Private for W = 8 nv (nv = 1, 2) and C <= 2 given as constants (inlined): b and the columns of A stay in
   registers over the cells; the same operations in the same order. */
static inline __attribute__((always_inline)) void HC_KFN(HcFNOLiftRows_Private)(PetscInt n, PetscInt C, PetscInt nv,
                                                                                const PetscReal *x, const PetscReal *AT,
                                                                                const PetscReal *b, PetscReal *h)
{
  const PetscInt W = 8 * nv;
  HcReal8        bv[2], A[2][2];

  for (PetscInt v = 0; v < nv; v++) {
    bv[v] = b ? *(const HcReal8 *)(b + 8 * v) : (HcReal8){0};
    for (PetscInt c = 0; c < C; c++) A[c][v] = *(const HcReal8 *)(AT + c * W + 8 * v);
  }
  for (PetscInt q = 0; q < n; q++) {
    const PetscReal *xq = x + q * (C + 1);

    for (PetscInt v = 0; v < nv; v++) {
      HcReal8 hv = bv[v];

      for (PetscInt c = 0; c < C; c++) hv += A[c][v] * xq[c];
      *(HcReal8 *)(h + q * W + 8 * v) = hv * xq[C];
    }
  }
}
#endif

/* h = m (A x + b) from AT = A^T (c-major); b may be NULL */
static void HC_KFN(HcFNOLift_Private)(PetscInt n, PetscInt C, PetscInt W, const PetscReal *x, const PetscReal *AT,
                                      const PetscReal *b, PetscReal *h)
{
#if HC_VW == 8
  PetscInt q = 0;

  if (W == 16 && C == 2)
    HC_KFN(HcFNOLiftRows_Private)(n, 2, 2, x, AT, b, h), q = n;
  else if (W == 16 && C == 1)
    HC_KFN(HcFNOLiftRows_Private)(n, 1, 2, x, AT, b, h), q = n;
  else if (W == 8 && C == 2)
    HC_KFN(HcFNOLiftRows_Private)(n, 2, 1, x, AT, b, h), q = n;
  else if (W == 8 && C == 1)
    HC_KFN(HcFNOLiftRows_Private)(n, 1, 1, x, AT, b, h), q = n;
#else
  PetscInt q = 0;
#endif
  for (; q < n; q++) {
    const PetscReal *xq = x + q * (C + 1);
    PetscReal       *hq = h + q * W;

    for (PetscInt a = 0; a < W; a++) hq[a] = b ? b[a] : 0;
    for (PetscInt c = 0; c < C; c++) {
      const PetscReal  xc = xq[c];
      const PetscReal *Ac = AT + c * W;

      for (PetscInt a = 0; a < W; a++) hq[a] += Ac[a] * xc;
    }
    for (PetscInt a = 0; a < W; a++) hq[a] *= xq[C];
  }
}

/* z . r for a cell's row z and a row r of W reals: for W = 8 or 16 as one or two vectors of eight products summed as
   a tree of lanes (a C x W product per cell then costs a few vector operations instead of a chain of W scalar ones) */
static inline __attribute__((always_inline)) PetscReal HC_KFN(HcFNODot_Private)(PetscInt W, const PetscReal *z,
                                                                                const PetscReal *r)
{
  PetscReal v = 0;

#if HC_VW == 8
  if (W == 8 || W == 16) {
    typedef long long HcLong8 __attribute__((vector_size(8 * sizeof(long long))));
    HcReal8           t = *(const HcReal8 *)z * *(const HcReal8 *)r;

    if (W == 16) t += *(const HcReal8 *)(z + 8) * *(const HcReal8 *)(r + 8);
    t += __builtin_shuffle(t, (HcLong8){4, 5, 6, 7, 0, 1, 2, 3});
    t += __builtin_shuffle(t, (HcLong8){2, 3, 0, 1, 6, 7, 4, 5});
    t += __builtin_shuffle(t, (HcLong8){1, 0, 3, 2, 5, 4, 7, 6});
    return t[0];
  }
#else
  if (W == 8 || W == 16) { /* the same lanes and the same tree as the eight-wide vectors */
    HcV       t[8 / HC_VW];
    PetscReal l[8];

    for (PetscInt k = 0; k < 8 / HC_VW; k++) {
      t[k] = *(const HcV *)(z + HC_VW * k) * *(const HcV *)(r + HC_VW * k);
      if (W == 16) t[k] += *(const HcV *)(z + 8 + HC_VW * k) * *(const HcV *)(r + 8 + HC_VW * k);
    }
    memcpy(l, t, sizeof(l));
    return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
  }
#endif
  /* other widths: a chain of fused multiply-adds at the levels that have them, spelled out so that GCC cannot turn
     it into vector products added one by one (it did at x86-64-v3, which then differed from x86-64-v4) */
  for (PetscInt a = 0; a < W; a++)
#if HC_VW >= 4
    v = __builtin_fma(z[a], r[a], v);
#else
    v += z[a] * r[a];
#endif
  return v;
}

/* out (=|+=) oscale m (P s + bP); bP may be NULL */
static void HC_KFN(HcFNOProject_Private)(const HcFNO *fno, const PetscReal *x, const PetscReal *P, const PetscReal *bP,
                                         const PetscReal *s, PetscReal *out, PetscBool add)
{
  const PetscInt W = fno->width, C = fno->nc;

  for (PetscInt q = 0; q < fno->ncell; q++) {
    PetscReal      *oq = out + q * C;
    const PetscReal m  = x[q * (C + 1) + C];

    for (PetscInt c = 0; c < C; c++) {
      const PetscReal v = (bP ? bP[c] : 0) + HC_KFN(HcFNODot_Private)(W, s + q * W, P + c * W);

      oq[c] = add ? oq[c] + fno->oscale * (m * v) : fno->oscale * (m * v);
    }
  }
}

/* z += M^T h per cell (so z_b += sum_a M[a][b] h_a): with M = Wp^T this is z += Wp h, with M = Wp it is z += Wp^T h.
   MP is M with its rows padded to Wp (a multiple of 8) reals (HcFNOPad_Private).  Eight cells and sixteen output
   channels at a time (then eight channels), so that the 16 sums stay in registers and each row of M loaded serves
   eight cells; each sum still runs over a in increasing order.  (Four cells x eight channels with a variable-length
   copy of the sums took 24 ns per cell at W = 16, this 6 ns: micro-benchmark, AVX-512.) */
#ifndef HC_FNO_QT
#define HC_FNO_QT 8
#endif
static void HC_KFN(HcFNOLinearAdd_Private)(PetscInt n, PetscInt W, PetscInt Wp, const PetscReal *MP, const PetscReal *h,
                                           PetscReal *z)
{
  PetscInt q = 0;

#if HC_VW == 8
  for (; q + HC_FNO_QT <= n; q += HC_FNO_QT) {
    const PetscReal *hq = h + q * W;
    PetscReal       *zq = z + q * W;
    PetscInt         b0 = 0;

    for (; b0 + 16 <= W; b0 += 16) {
      HcReal8 lo[HC_FNO_QT], hi[HC_FNO_QT];

      for (PetscInt k = 0; k < HC_FNO_QT; k++) {
        memcpy(&lo[k], zq + k * W + b0, sizeof(HcReal8));
        memcpy(&hi[k], zq + k * W + b0 + 8, sizeof(HcReal8));
      }
      for (PetscInt a = 0; a < W; a++) {
        const HcReal8 m0 = *(const HcReal8 *)(MP + a * Wp + b0), m1 = *(const HcReal8 *)(MP + a * Wp + b0 + 8);

        for (PetscInt k = 0; k < HC_FNO_QT; k++) {
          const PetscReal x = hq[k * W + a];

          lo[k] += m0 * x;
          hi[k] += m1 * x;
        }
      }
      for (PetscInt k = 0; k < HC_FNO_QT; k++) {
        memcpy(zq + k * W + b0, &lo[k], sizeof(HcReal8));
        memcpy(zq + k * W + b0 + 8, &hi[k], sizeof(HcReal8));
      }
    }
    for (; b0 < W; b0 += 8) {
      const size_t nb = (size_t)PetscMin(8, W - b0) * sizeof(PetscReal);
      HcReal8      acc[HC_FNO_QT];

      for (PetscInt k = 0; k < HC_FNO_QT; k++) {
        acc[k] = (HcReal8){0};
        memcpy(&acc[k], zq + k * W + b0, nb);
      }
      for (PetscInt a = 0; a < W; a++) {
        const HcReal8 m0 = *(const HcReal8 *)(MP + a * Wp + b0);

        for (PetscInt k = 0; k < HC_FNO_QT; k++) acc[k] += m0 * hq[k * W + a];
      }
      for (PetscInt k = 0; k < HC_FNO_QT; k++) memcpy(zq + k * W + b0, &acc[k], nb);
    }
  }
#else
  /* four cells x 2 HC_VW channels: 8 sums in registers (16 registers below AVX-512) */
  for (; q + 4 <= n; q += 4) {
    const PetscReal *hq = h + q * W;
    PetscReal       *zq = z + q * W;
    PetscInt         b0 = 0;

    for (; b0 + 2 * HC_VW <= W; b0 += 2 * HC_VW) {
      HcV acc[4][2];

      for (PetscInt k = 0; k < 4; k++)
        for (PetscInt v = 0; v < 2; v++) acc[k][v] = *(const HcV *)(zq + k * W + b0 + v * HC_VW);
      for (PetscInt a = 0; a < W; a++) {
        const HcV m0 = *(const HcV *)(MP + a * Wp + b0), m1 = *(const HcV *)(MP + a * Wp + b0 + HC_VW);

        for (PetscInt k = 0; k < 4; k++) {
          const PetscReal xa = hq[k * W + a];

          acc[k][0] += m0 * xa;
          acc[k][1] += m1 * xa;
        }
      }
      for (PetscInt k = 0; k < 4; k++)
        for (PetscInt v = 0; v < 2; v++) *(HcV *)(zq + k * W + b0 + v * HC_VW) = acc[k][v];
    }
    for (PetscInt k = 0; k < 4; k++)
      for (PetscInt a = 0; a < W; a++) {
        const PetscReal *m = MP + a * Wp, xa = hq[k * W + a];

        for (PetscInt b = b0; b < W; b++) zq[k * W + b] += m[b] * xa;
      }
  }
#endif
  for (; q < n; q++) {
    const PetscReal *hq = h + q * W;
    PetscReal       *zq = z + q * W;

    for (PetscInt a = 0; a < W; a++) {
      const PetscReal *m = MP + a * Wp, xa = hq[a];

      for (PetscInt b = 0; b < W; b++) zq[b] += m[b] * xa;
    }
  }
}

/* s = m sigma(k + bp) and, when ds is given, ds = m sigma'(k + bp) */
static void HC_KFN(HcFNOActivate_Private)(HcFNOActivation act, PetscInt n, PetscInt C, PetscInt W, const PetscReal *x,
                                          const PetscReal *bp, const PetscReal *k, PetscReal *s, PetscReal *ds)
{
  for (PetscInt q = 0; q < n; q++) {
    const PetscReal  m  = x[q * (C + 1) + C];
    const PetscReal *kq = k + q * W;
    PetscReal       *sq = s + q * W, *dq = ds ? ds + q * W : NULL;

    if (act == HC_FNO_TANH) {
      for (PetscInt b = 0; b < W; b++) {
        const PetscReal t = HcTanh_Private(kq[b] + bp[b]);

        sq[b] = m * t;
        if (dq) dq[b] = m * (1 - t * t);
      }
    } else {
      for (PetscInt b = 0; b < W; b++) {
        PetscReal d;

        sq[b] = m * HcFNOActivate(act, kq[b] + bp[b], &d);
        if (dq) dq[b] = m * d;
      }
    }
  }
}

/* gz = ds (P^T w) per cell (w zero on land, like ds) */
static void HC_KFN(HcFNOProjectTranspose_Private)(PetscInt n, PetscInt C, PetscInt W, const PetscReal *w, const PetscReal *P,
                                                  const PetscReal *ds, PetscReal *gz)
{
  for (PetscInt q = 0; q < n; q++) {
    const PetscReal *wq = w + q * (C + 1), *dq = ds + q * W;
    PetscReal       *gq = gz + q * W;

#if HC_VW == 8
    if (W == 8 || W == 16) {
      for (PetscInt v = 0; v < W; v += 8) {
        HcReal8 g = *(const HcReal8 *)(P + v) * wq[0];

        for (PetscInt c = 1; c < C; c++) g += *(const HcReal8 *)(P + c * W + v) * wq[c];
        *(HcReal8 *)(gq + v) = g * *(const HcReal8 *)(dq + v);
      }
      continue;
    }
#endif
    for (PetscInt b = 0; b < W; b++) gq[b] = 0;
    for (PetscInt c = 0; c < C; c++) {
      const PetscReal  wc = wq[c];
      const PetscReal *Pc = P + c * W;

      for (PetscInt b = 0; b < W; b++) gq[b] += Pc[b] * wc;
    }
    for (PetscInt b = 0; b < W; b++) gq[b] *= dq[b];
  }
}

#if HC_VW == 8
/* dWp += gz h^T over the first cells in groups of eight (returns how many), W = 8 nv with nv = 1 or 2 given as a
   constant: inlined into its callers, the rows of h then stay in registers (a run-time nv made GCC copy them to the
   stack with rep movs, 31% of the function's samples). */
static inline __attribute__((always_inline)) PetscInt HC_KFN(HcFNOOuterRows_Private)(PetscInt n, PetscInt nv, const PetscReal *gz,
                                                                                     const PetscReal *h, PetscReal *dWp)
{
  const PetscInt W  = 8 * nv;
  PetscInt       q0 = 0;

  for (; q0 + HC_FNO_QT <= n; q0 += HC_FNO_QT) {
    const PetscReal *g = gz + q0 * W;
    HcReal8          hv[HC_FNO_QT][2];

    for (PetscInt k = 0; k < HC_FNO_QT; k++)
      for (PetscInt v = 0; v < nv; v++) hv[k][v] = *(const HcReal8 *)(h + (q0 + k) * W + 8 * v);
    for (PetscInt b = 0; b < W; b++)
      for (PetscInt v = 0; v < nv; v++) {
        HcReal8 r = *(HcReal8 *)(dWp + b * W + 8 * v);

        for (PetscInt k = 0; k < HC_FNO_QT; k++) r = r + g[k * W + b] * hv[k][v];
        *(HcReal8 *)(dWp + b * W + 8 * v) = r;
      }
  }
  return q0;
}
#endif

#if HC_VW == 8
/* dWp += gz h^T over all n cells with h = m (A x + bL) lifted on the fly from the slab input x (C + 1 values per cell)
   as HcFNOLiftRows_Private does (the same operations): the W channels of h are never written and read back.  W = 8 nv
   and C given as constants (inlined); eight cells at a time with their h in registers, then cell by cell, every
   element of dWp summed over the cells in order as in HcFNOOuterRows_Private. */
static inline __attribute__((always_inline)) void HC_KFN(HcFNOOuterLift_Private)(PetscInt n, PetscInt C, PetscInt nv,
                                                                                 const PetscReal *gz, const PetscReal *x,
                                                                                 const PetscReal *AT, const PetscReal *bL,
                                                                                 PetscReal *dWp)
{
  const PetscInt W = 8 * nv;
  HcReal8        bv[2], A[2][2];
  PetscInt       q0 = 0;

  for (PetscInt v = 0; v < nv; v++) {
    bv[v] = *(const HcReal8 *)(bL + 8 * v);
    for (PetscInt c = 0; c < C; c++) A[c][v] = *(const HcReal8 *)(AT + c * W + 8 * v);
  }
  for (; q0 + HC_FNO_QT <= n; q0 += HC_FNO_QT) {
    const PetscReal *g = gz + q0 * W;
    HcReal8          hv[HC_FNO_QT][2];

    for (PetscInt k = 0; k < HC_FNO_QT; k++) {
      const PetscReal *xq = x + (q0 + k) * (C + 1);

      for (PetscInt v = 0; v < nv; v++) {
        HcReal8 t = bv[v];

        for (PetscInt c = 0; c < C; c++) t += A[c][v] * xq[c];
        hv[k][v] = t * xq[C];
      }
    }
    for (PetscInt b = 0; b < W; b++)
      for (PetscInt v = 0; v < nv; v++) {
        HcReal8 r = *(HcReal8 *)(dWp + b * W + 8 * v);

        for (PetscInt k = 0; k < HC_FNO_QT; k++) r = r + g[k * W + b] * hv[k][v];
        *(HcReal8 *)(dWp + b * W + 8 * v) = r;
      }
  }
  for (; q0 < n; q0++) {
    const PetscReal *g = gz + q0 * W, *xq = x + q0 * (C + 1);
    HcReal8          hv[2];

    for (PetscInt v = 0; v < nv; v++) {
      HcReal8 t = bv[v];

      for (PetscInt c = 0; c < C; c++) t += A[c][v] * xq[c];
      hv[v] = t * xq[C];
    }
    for (PetscInt b = 0; b < W; b++)
      for (PetscInt v = 0; v < nv; v++) *(HcReal8 *)(dWp + b * W + 8 * v) += g[b] * hv[v];
  }
}
#endif

#if HC_VW == 8
/* The per-cell sums of HcFNOPointwiseGradient_Private (dP, dbP, dbp, dbL, dA) with W = 8 nv (nv = 1, 2) and C = 1, 2
   given as constants: inlined, the sums stay in vector registers over all the cells instead of going through memory
   at every cell (dA transposed, a-major, while summed).  Every element is summed over the ocean cells in order, as in
   the plain loop. */
static inline __attribute__((always_inline)) void
HC_KFN(HcFNOCellSums_Private)(PetscInt n, PetscInt C, PetscInt nv, const PetscReal *w, const PetscReal *x, const PetscReal *s,
                              const PetscReal *gz, const PetscReal *hb, PetscReal *dP, PetscReal *dbP, PetscReal *dbp,
                              PetscReal *dbL, PetscReal *dA)
{
  const PetscInt W = 8 * nv;
  HcReal8        P[2][2], Bp[2], L[2], AT[2][2];
  PetscReal      bP[2];

  for (PetscInt v = 0; v < nv; v++) {
    Bp[v] = *(const HcReal8 *)(dbp + 8 * v);
    L[v]  = *(const HcReal8 *)(dbL + 8 * v);
    for (PetscInt c = 0; c < C; c++) {
      P[c][v] = *(const HcReal8 *)(dP + c * W + 8 * v);
      for (PetscInt k = 0; k < 8; k++) AT[c][v][k] = dA[(8 * v + k) * C + c];
    }
  }
  for (PetscInt c = 0; c < C; c++) bP[c] = dbP[c];
  for (PetscInt q = 0; q < n; q++) {
    const PetscReal *wq = w + q * (C + 1), *xq = x + q * (C + 1), *sq = s + q * W, *gq = gz + q * W, *bq = hb + q * W;

    if (xq[C] == 0) continue;
    for (PetscInt c = 0; c < C; c++) {
      bP[c] += wq[c];
      for (PetscInt v = 0; v < nv; v++) P[c][v] += wq[c] * *(const HcReal8 *)(sq + 8 * v);
    }
    for (PetscInt v = 0; v < nv; v++) {
      const HcReal8 bv = *(const HcReal8 *)(bq + 8 * v);

      Bp[v] += *(const HcReal8 *)(gq + 8 * v);
      L[v] += bv;
      for (PetscInt c = 0; c < C; c++) AT[c][v] += bv * xq[c];
    }
  }
  for (PetscInt v = 0; v < nv; v++) {
    *(HcReal8 *)(dbp + 8 * v) = Bp[v];
    *(HcReal8 *)(dbL + 8 * v) = L[v];
    for (PetscInt c = 0; c < C; c++) {
      *(HcReal8 *)(dP + c * W + 8 * v) = P[c][v];
      for (PetscInt k = 0; k < 8; k++) dA[(8 * v + k) * C + c] = AT[c][v][k];
    }
  }
  for (PetscInt c = 0; c < C; c++) dbP[c] = bP[c];
}
#endif

#if HC_VW < 8
/* dWp += gz h^T over all n cells (W = 8 or 16) with h given or, h NULL, lifted from the slab input x as
   HcFNOLift_Private does (the same operations): eight cells at a time, their rows of h in a small array and HC_VW
   channels of them in registers while every row b of dWp takes their eight terms in cell order, then cell by cell;
   every element of dWp summed over the cells in order, as the eight-wide version does. */
static void HC_KFN(HcFNOOuterCells_Private)(PetscInt n, PetscInt C, PetscInt W, const PetscReal *gz, const PetscReal *h,
                                            const PetscReal *x, const PetscReal *AT, const PetscReal *bL, PetscReal *dWp)
{
  PetscReal hl[HC_FNO_QT * 16];

  for (PetscInt q0 = 0; q0 < n; q0 += HC_FNO_QT) {
    const PetscInt   nq = PetscMin(HC_FNO_QT, n - q0);
    const PetscReal *g = gz + q0 * W, *hq = h ? h + q0 * W : hl;

    if (!h)
      for (PetscInt k = 0; k < nq; k++) {
        const PetscReal *xq = x + (q0 + k) * (C + 1);

        for (PetscInt v = 0; v < W; v += HC_VW) {
          HcV t = *(const HcV *)(bL + v);

          for (PetscInt c = 0; c < C; c++) t += *(const HcV *)(AT + c * W + v) * xq[c];
          *(HcV *)(hl + k * W + v) = t * xq[C];
        }
      }
    if (nq == HC_FNO_QT) {
      for (PetscInt v = 0; v < W; v += HC_VW) {
        HcV hv[HC_FNO_QT];

        for (PetscInt k = 0; k < HC_FNO_QT; k++) hv[k] = *(const HcV *)(hq + k * W + v);
        for (PetscInt b = 0; b < W; b++) {
          HcV r = *(HcV *)(dWp + b * W + v);

          for (PetscInt k = 0; k < HC_FNO_QT; k++) r = r + g[k * W + b] * hv[k];
          *(HcV *)(dWp + b * W + v) = r;
        }
      }
    } else {
      for (PetscInt k = 0; k < nq; k++)
        for (PetscInt b = 0; b < W; b++)
          for (PetscInt a = 0; a < W; a++) dWp[b * W + a] += g[k * W + b] * hq[k * W + a];
    }
  }
}
#endif

/* The pointwise parameter gradients, summed over the ocean cells in order:
     dP += (m w) s^T, dbP += m w, dbp += gz, dWp += gz h^T, dbL += m hb, dA += (m hb) x^T
   (HcTermParamJacobianTranspose_FNO passes gz for hb and scratch for dbL, dA: the sums it multiplies by Wp^T)
   dWp, the big one, four cells at a time with its row in registers (the same order of additions).  With h NULL (only
   when HcFNOOuterLiftable_Private), h = m (A x + bL) is lifted on the fly from AT = A^T and bL. */
static void HC_KFN(HcFNOPointwiseGradient_Private)(PetscInt n, PetscInt C, PetscInt W, const PetscReal *w, const PetscReal *x,
                                                   const PetscReal *s, const PetscReal *gz, const PetscReal *h,
                                                   const PetscReal *AT, const PetscReal *bL, const PetscReal *hb, PetscReal *dP,
                                                   PetscReal *dbP, PetscReal *dbp, PetscReal *dWp, PetscReal *dbL, PetscReal *dA)
{
  PetscInt q0 = 0, q = 0;

#if HC_VW == 8
  if (W == 16 && C == 2)
    HC_KFN(HcFNOCellSums_Private)(n, 2, 2, w, x, s, gz, hb, dP, dbP, dbp, dbL, dA), q = n;
  else if (W == 16 && C == 1)
    HC_KFN(HcFNOCellSums_Private)(n, 1, 2, w, x, s, gz, hb, dP, dbP, dbp, dbL, dA), q = n;
  else if (W == 8 && C == 2)
    HC_KFN(HcFNOCellSums_Private)(n, 2, 1, w, x, s, gz, hb, dP, dbP, dbp, dbL, dA), q = n;
  else if (W == 8 && C == 1)
    HC_KFN(HcFNOCellSums_Private)(n, 1, 1, w, x, s, gz, hb, dP, dbP, dbp, dbL, dA), q = n;
#endif
  for (; q < n; q++) {
    const PetscReal *wq = w + q * (C + 1), *xq = x + q * (C + 1), *sq = s + q * W, *gq = gz + q * W, *bq = hb + q * W;

    if (xq[C] == 0) continue;
    for (PetscInt c = 0; c < C; c++) {
      const PetscReal wc = wq[c];

      dbP[c] += wc;
      for (PetscInt b = 0; b < W; b++) dP[c * W + b] += wc * sq[b];
    }
    for (PetscInt b = 0; b < W; b++) dbp[b] += gq[b];
    for (PetscInt a = 0; a < W; a++) {
      dbL[a] += bq[a];
      for (PetscInt c = 0; c < C; c++) dA[a * C + c] += bq[a] * xq[c];
    }
  }
  /* gz is zero on land (so is sigma'), so land cells add zeros here.  Widths 8 and 16: eight cells at a time with
     their rows of h in registers (12.7 -> 6.6 ns per cell at W = 16, micro-benchmark); then four at a time. */
#if HC_VW == 8
  if (!h) {
    if (W == 16 && C == 2)
      HC_KFN(HcFNOOuterLift_Private)(n, 2, 2, gz, x, AT, bL, dWp);
    else if (W == 16)
      HC_KFN(HcFNOOuterLift_Private)(n, 1, 2, gz, x, AT, bL, dWp);
    else if (C == 2)
      HC_KFN(HcFNOOuterLift_Private)(n, 2, 1, gz, x, AT, bL, dWp);
    else
      HC_KFN(HcFNOOuterLift_Private)(n, 1, 1, gz, x, AT, bL, dWp);
    return;
  }
  if (W == 16)
    q0 = HC_KFN(HcFNOOuterRows_Private)(n, 2, gz, h, dWp);
  else if (W == 8)
    q0 = HC_KFN(HcFNOOuterRows_Private)(n, 1, gz, h, dWp);
#else
  if (W == 16 || W == 8) {
    HC_KFN(HcFNOOuterCells_Private)(n, C, W, gz, h, x, AT, bL, dWp);
    return;
  }
#endif
  for (; q0 + 4 <= n; q0 += 4) {
    const PetscReal *g0 = gz + q0 * W, *g1 = g0 + W, *g2 = g1 + W, *g3 = g2 + W;
    const PetscReal *h0 = h + q0 * W, *h1 = h0 + W, *h2 = h1 + W, *h3 = h2 + W;

    for (PetscInt b = 0; b < W; b++) {
      PetscReal      *row = dWp + b * W;
      const PetscReal e0 = g0[b], e1 = g1[b], e2 = g2[b], e3 = g3[b];

      for (PetscInt a = 0; a < W; a++) row[a] = (((row[a] + e0 * h0[a]) + e1 * h1[a]) + e2 * h2[a]) + e3 * h3[a];
    }
  }
  for (; q0 < n; q0++)
    for (PetscInt b = 0; b < W; b++)
      for (PetscInt a = 0; a < W; a++) dWp[b * W + a] += gz[q0 * W + b] * h[q0 * W + a];
}

/* y_j += r_j p_j + r_(j xor 1) q_j over n interleaved (re, im) pairs, with (p, q) = (pe, qe) at real and (po, qo) at
   imaginary places: a complex y += conj?(r) x or its gradient in real arithmetic, eight reals at a time */
static inline __attribute__((always_inline)) void HC_KFN(HcFNOPairAxpy_Private)(PetscInt n, const PetscReal *r, PetscReal pe,
                                                                                PetscReal po, PetscReal qe, PetscReal qo,
                                                                                PetscReal *y)
{
  PetscInt j0 = 0;

#if HC_VW == 8
  {
    typedef long long HcLong8 __attribute__((vector_size(8 * sizeof(long long))));
    const HcReal8     P = {pe, po, pe, po, pe, po, pe, po}, Q = {qe, qo, qe, qo, qe, qo, qe, qo};
    const HcLong8     swap = {1, 0, 3, 2, 5, 4, 7, 6};

    for (; j0 + 8 <= 2 * n; j0 += 8) {
      const HcReal8 rv = *(const HcReal8 *)(r + j0), rs = __builtin_shuffle(rv, swap);

      *(HcReal8 *)(y + j0) += rv * P + rs * Q;
    }
  }
#else
  {
#if HC_VW == 4
    const HcV     P = {pe, po, pe, po}, Q = {qe, qo, qe, qo};
    const HcLongV swap = {1, 0, 3, 2};
#else
    const HcV     P = {pe, po}, Q = {qe, qo};
    const HcLongV swap = {1, 0};
#endif

    for (; j0 + HC_VW <= 2 * n; j0 += HC_VW) {
      const HcV rv = *(const HcV *)(r + j0), rs = __builtin_shuffle(rv, swap);

      *(HcV *)(y + j0) += rv * P + rs * Q;
    }
  }
#endif
  for (PetscInt j = j0; j < 2 * n; j += 2) {
    const PetscReal re = r[j], im = r[j + 1];

    y[j] += re * pe + im * qe;
    y[j + 1] += im * po + re * qo;
  }
}

/* Y (=|+=) R X per owned mode (RT given: the transposed blocks of HcFNOTransposeModes_Private, indexed by owned mode),
   or R^H X (adjoint; R: the spectral block of theta, [mode][b][a], indexed by the global mode number).  Either way
   y += r x_s over the input channels s, r the contiguous row s of R^T or of R (conjugated): HcFNOPairAxpy_Private with
   (p, q) = (xr, -xi) at real and (xr, xi) at imaginary places (forward), (xr, xi) and (-xr, xi) (adjoint). */
static void HC_KFN(HcFNOMixModes_Private)(PetscInt nmode, PetscInt W, const PetscInt *mode, const PetscReal *R, PetscBool adjoint,
                                          const HcCplx *X, HcCplx *Y, PetscBool add)
{
  for (PetscInt m = 0; m < nmode; m++) {
    const PetscReal *Rm = R + 2 * W * W * (adjoint ? mode[m] : m);
    const PetscReal *x  = (const PetscReal *)(X + m * W);
    PetscReal       *y  = (PetscReal *)(Y + m * W);

    if (!add)
      for (PetscInt j = 0; j < 2 * W; j++) y[j] = 0;
    for (PetscInt sc = 0; sc < W; sc++) {
      const PetscReal *r  = Rm + 2 * W * sc;
      const PetscReal  xr = x[2 * sc], xi = x[2 * sc + 1];

      HC_KFN(HcFNOPairAxpy_Private)(W, r, xr, adjoint ? -xr : xr, adjoint ? xi : -xi, xi, y);
    }
  }
}

/* The spectral weights' gradient: per owned mode, with s = N c_k, gR[b][a] += s (Re(V_a conj(G_b)), -Im(V_a conj(G_b)))
   ([mode][b][a], global mode numbers), as g_j += v_j p_j + v_(j xor 1) q_j over the row of V with (p, q) = (s Gr, s Gi)
   at real and (-s Gr, s Gi) at imaginary places: the same shape as HcFNOMixModes_Private. */
static void HC_KFN(HcFNOModeGradient_Private)(PetscInt nmode, PetscInt W, const PetscInt *mode, const PetscReal *mwt, PetscReal N,
                                              const HcCplx *V, const HcCplx *G, PetscReal *gR)
{
  for (PetscInt m = 0; m < nmode; m++) {
    const PetscReal *v = (const PetscReal *)(V + m * W), *g = (const PetscReal *)(G + m * W);
    const PetscReal  s = N * mwt[m];

    for (PetscInt b = 0; b < W; b++) {
      const PetscReal pe = s * g[2 * b], q = s * g[2 * b + 1];

      HC_KFN(HcFNOPairAxpy_Private)(W, v, pe, -pe, q, q, gR + 2 * W * W * mode[m] + 2 * W * b);
    }
  }
}

/* out = m (out + M z) per cell: z W channels, M C x W (row-major), m the mask of the slab input x */
static void HC_KFN(HcFNOReduce_Private)(PetscInt n, PetscInt C, PetscInt W, const PetscReal *x, const PetscReal *M,
                                        const PetscReal *z, PetscReal *out)
{
  for (PetscInt q = 0; q < n; q++)
    for (PetscInt c = 0; c < C; c++)
      out[q * C + c] = x[q * (C + 1) + C] * (out[q * C + c] + HC_KFN(HcFNODot_Private)(W, z + q * W, M + c * W));
}

/* ds = m (1 - s^2) per cell (tanh's slope from s = m tanh(z)) */
static void HC_KFN(HcFNOTanhSlopes_Private)(PetscInt n, PetscInt C, PetscInt W, const PetscReal *x, const PetscReal *s,
                                            PetscReal *ds)
{
  for (PetscInt q = 0; q < n; q++) {
    const PetscReal m = x[q * (C + 1) + C];

    for (PetscInt b = 0; b < W; b++) ds[q * W + b] = m * (1 - s[q * W + b] * s[q * W + b]);
  }
}

#if HC_VW < 8
#undef HcV
#undef HcLongV
#endif
