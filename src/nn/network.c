/* The dense network of the mlp term on blocks of cells: forward pass (optionally keeping the activations' derivatives),
   forward-mode tangent (J v and (dN/dtheta) dtheta), reverse mode (J^T w and (dN/dtheta)^T w), seeded initialisation
   and a bound on the input-output derivatives.  These run inside the cell loops: no allocation. */
#include <hycast/private/mlpimpl.h>
#include <hycast/private/kernelimpl.h>

const char *const HcMLPActivations[] = {"tanh", "gelu", "relu", "HcMLPActivation", "HC_MLP_", NULL};

/* Largest |sigma'(z)|: 1 for tanh and relu; for exact GELU, Phi(z) + z phi(z) peaks at z = sqrt(2) with 1.12890. */
static PetscReal HcMLPActivationLipschitz(HcMLPActivation act)
{
  return act == HC_MLP_GELU ? 1.1290 : 1.0;
}

/* a = sigma(z) and, when d is given, d = sigma'(z).  GELU is the exact z Phi(z), Phi the standard normal CDF. */
static inline PetscReal HcMLPActivate(HcMLPActivation act, PetscReal z, PetscReal *d)
{
  switch (act) {
    case HC_MLP_TANH: {
      /* through a vectorisable exp, many times cheaper than libm's tanh; absolute error a few 1e-16, exact limits +-1 */
      const PetscReal a = HcTanh_Private(z);
      if (d) *d = 1 - a * a;
      return a;
    }
    case HC_MLP_GELU: {
      const PetscReal Phi = 0.5 * (1 + PetscErfReal(z * PETSC_SQRT2 / 2));
      if (d) *d = Phi + z * PetscExpReal(-0.5 * z * z) / PetscSqrtReal(2 * PETSC_PI);
      return z * Phi;
    }
    case HC_MLP_RELU:
    default:
      if (d) *d = z > 0 ? 1 : 0;
      return z > 0 ? z : 0;
  }
}

PetscErrorCode HcMLPNetSetUp_Private(HcMLPNet *net, PetscInt nin, PetscInt nhidden, const PetscInt widths[], PetscInt nout,
                                     HcMLPActivation act)
{
  PetscInt off = 0, hoff = 0;

  PetscFunctionBegin;
  PetscCall(HcMLPNetDestroy_Private(net));
  net->nlayers = nhidden + 1;
  net->act     = act;
  PetscCall(
      PetscMalloc4(net->nlayers + 1, &net->n, net->nlayers, &net->woff, net->nlayers, &net->boff, net->nlayers, &net->hoff));
  net->n[0] = nin;
  for (PetscInt l = 0; l < nhidden; l++) net->n[l + 1] = widths[l];
  net->n[net->nlayers] = nout;
  net->maxw            = 0;
  net->flops           = 0;
  for (PetscInt l = 0; l < net->nlayers; l++) {
    net->woff[l] = off;
    net->boff[l] = off + net->n[l + 1] * net->n[l];
    off          = net->boff[l] + net->n[l + 1];
    net->hoff[l] = hoff;
    if (l < nhidden) hoff += (act == HC_MLP_TANH ? 1 : 2) * net->n[l + 1]; /* tanh' = 1 - tanh^2: no slope rows */
    net->flops += 2.0 * net->n[l + 1] * net->n[l] + (l < nhidden ? 10.0 * net->n[l + 1] : 0);
  }
  for (PetscInt l = 0; l <= net->nlayers; l++) net->maxw = PetscMax(net->maxw, net->n[l]);
  net->nparam    = off;
  net->cachesize = nin + hoff;
  PetscFunctionReturn(0);
}

PetscErrorCode HcMLPNetDestroy_Private(HcMLPNet *net)
{
  PetscFunctionBegin;
  if (net->n) PetscCall(PetscFree4(net->n, net->woff, net->boff, net->hoff));
  net->n = NULL;
  PetscFunctionReturn(0);
}

/* splitmix64 of (seed, k), uniform in [-1, 1): parameter k gets the same value on every rank, whatever the rank count,
   and independently of the order in which parameters are filled. */
static PetscReal HcMLPUniform(PetscInt seed, PetscInt k)
{
  unsigned long long z = (unsigned long long)seed * 0x9E3779B97F4A7C15ULL + ((unsigned long long)k + 1) * 0xD1B54A32D192ED03ULL;

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z = z ^ (z >> 31);
  return (PetscReal)(z >> 11) / 9007199254740992.0 * 2 - 1;
}

/* Weights and biases of layer l uniform in [-s, s], s = 1/sqrt(n[l]) (the layer's fan-in); the output layer's range is
   multiplied by `scale`, so the initial correction (and its Jacobian) scales linearly with it. */
PetscErrorCode HcMLPNetInitialize_Private(const HcMLPNet *net, PetscInt seed, PetscReal scale, PetscReal theta[])
{
  PetscFunctionBegin;
  for (PetscInt l = 0; l < net->nlayers; l++) {
    const PetscReal s = (l == net->nlayers - 1 ? scale : 1) / PetscSqrtReal((PetscReal)net->n[l]);

    for (PetscInt k = net->woff[l]; k < net->boff[l] + net->n[l + 1]; k++) theta[k] = s * HcMLPUniform(seed, k);
  }
  PetscFunctionReturn(0);
}

/* "W<l>[r,c]" (row r = output unit, column c = input unit) and "b<l>[r]", layers numbered from 1, units from 0. */
PetscErrorCode HcMLPNetParameterName_Private(const HcMLPNet *net, PetscInt k, char name[], size_t len)
{
  PetscFunctionBegin;
  for (PetscInt l = 0; l < net->nlayers; l++) {
    if (k >= net->boff[l] + net->n[l + 1]) continue;
    if (k < net->boff[l])
      PetscCall(PetscSNPrintf(name, len, "W%" PetscInt_FMT "[%" PetscInt_FMT ",%" PetscInt_FMT "]", l + 1,
                              (k - net->woff[l]) / net->n[l], (k - net->woff[l]) % net->n[l]));
    else
      PetscCall(PetscSNPrintf(name, len, "b%" PetscInt_FMT "[%" PetscInt_FMT "]", l + 1, k - net->boff[l]));
    PetscFunctionReturn(0);
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "parameter %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", k, net->nparam);
}

/* ---- blocks of cells: every quantity is stored as rows of HC_MLP_BLOCK reals, one per cell of the block, so that the
   loops below run over cells, the innermost and contiguous index, and vectorise.  Every output of a layer is summed
   over its inputs in the same order as for a single cell, so results do not depend on how cells are grouped. */

#define HC_B HC_MLP_BLOCK

#if HC_HAVE_REAL8
#define HC_ROW8(p, k)  (*(HcReal8 *)((p) + 8 * (k))) /* the k-th 8 reals from p, as one vector */
#define HC_CROW8(p, k) (*(const HcReal8 *)((p) + 8 * (k)))
#endif

#if HC_HAVE_REAL8 && HC_B % 8 == 0
/* The rows as HC_B / 8 vectors of 8 reals (HcReal8) in local arrays: GCC keeps them in registers, so each layer is
   computed two rows at a time with the sums in registers (plain arrays of reals stayed in memory).  Each sum keeps its
   order: the results are those of the plain loops below, bit for bit. */
#define HC_NV  (HC_B / 8)
#define HC_NV4 (HC_NV < 4 ? HC_NV : 4) /* vectors per sub-block of the four-row products */
_Static_assert(HC_NV <= 4 || HC_NV % 4 == 0, "HC_MLP_BLOCK must be 8, 16, 24, 32 or a multiple of 32");

/* z = W x + b (b may be NULL) or, with add, z += W x: nout rows from nin rows, four outputs at a time (16 sums in
   registers: enough independent chains to keep both FMA pipes busy through their latency), then two, then one */
HC_KERNEL static void HcMLPAffineBlock(PetscInt nin, PetscInt nout, const PetscReal *W, const PetscReal *b, const PetscReal *x,
                                       PetscBool add, PetscReal *z)
{
  PetscInt r = 0;

  for (; r + 4 <= nout; r += 4)
    for (PetscInt k0 = 0; k0 < HC_NV; k0 += HC_NV4) { /* 32 cells at a time: 16 sums */
      HcReal8 a[4][HC_NV4];

      for (PetscInt i = 0; i < 4; i++)
        for (PetscInt k = 0; k < HC_NV4; k++) {
          if (add)
            a[i][k] = HC_CROW8(z + (r + i) * HC_B, k0 + k);
          else
            a[i][k] = (HcReal8){0} + (b ? b[r + i] : 0.0);
        }
      for (PetscInt c = 0; c < nin; c++) {
        const PetscReal *xc = x + c * HC_B;
        const PetscReal  u0 = W[r * nin + c], u1 = W[(r + 1) * nin + c], u2 = W[(r + 2) * nin + c], u3 = W[(r + 3) * nin + c];

        for (PetscInt k = 0; k < HC_NV4; k++) {
          const HcReal8 xv = HC_CROW8(xc, k0 + k);

          a[0][k] += u0 * xv;
          a[1][k] += u1 * xv;
          a[2][k] += u2 * xv;
          a[3][k] += u3 * xv;
        }
      }
      for (PetscInt i = 0; i < 4; i++)
        for (PetscInt k = 0; k < HC_NV4; k++) HC_ROW8(z + (r + i) * HC_B, k0 + k) = a[i][k];
    }
  for (; r + 2 <= nout; r += 2) {
    const PetscReal *w0 = W + r * nin, *w1 = w0 + nin;
    PetscReal       *z0 = z + r * HC_B, *z1 = z0 + HC_B;
    HcReal8          a0[HC_NV], a1[HC_NV];

    for (PetscInt k = 0; k < HC_NV; k++) {
      if (add) {
        a0[k] = HC_CROW8(z0, k);
        a1[k] = HC_CROW8(z1, k);
      } else {
        a0[k] = (HcReal8){0} + (b ? b[r] : 0.0);
        a1[k] = (HcReal8){0} + (b ? b[r + 1] : 0.0);
      }
    }
    for (PetscInt c = 0; c < nin; c++) {
      const PetscReal *xc = x + c * HC_B, u0 = w0[c], u1 = w1[c];

      for (PetscInt k = 0; k < HC_NV; k++) {
        const HcReal8 xv = HC_CROW8(xc, k);

        a0[k] += u0 * xv;
        a1[k] += u1 * xv;
      }
    }
    for (PetscInt k = 0; k < HC_NV; k++) {
      HC_ROW8(z0, k) = a0[k];
      HC_ROW8(z1, k) = a1[k];
    }
  }
  for (; r < nout; r++) {
    const PetscReal *w0 = W + r * nin;
    PetscReal       *z0 = z + r * HC_B;
    HcReal8          a0[HC_NV];

    for (PetscInt k = 0; k < HC_NV; k++) {
      if (add)
        a0[k] = HC_CROW8(z0, k);
      else
        a0[k] = (HcReal8){0} + (b ? b[r] : 0.0);
    }
    for (PetscInt c = 0; c < nin; c++)
      for (PetscInt k = 0; k < HC_NV; k++) a0[k] += w0[c] * HC_CROW8(x + c * HC_B, k);
    for (PetscInt k = 0; k < HC_NV; k++) HC_ROW8(z0, k) = a0[k];
  }
}

/* gx = W^T g: nin rows from nout rows, each summed over the outputs in increasing order; four inputs at a time, then
   two, then one (as HcMLPAffineBlock) */
HC_KERNEL static void HcMLPAffineTransposeBlock(PetscInt nin, PetscInt nout, const PetscReal *W, const PetscReal *g,
                                                PetscReal *gx)
{
  PetscInt c = 0;

  for (; c + 4 <= nin; c += 4)
    for (PetscInt k0 = 0; k0 < HC_NV; k0 += HC_NV4) {
      HcReal8 a[4][HC_NV4];

      for (PetscInt i = 0; i < 4; i++)
        for (PetscInt k = 0; k < HC_NV4; k++) a[i][k] = (HcReal8){0};
      for (PetscInt r = 0; r < nout; r++) {
        const PetscReal *wr = W + r * nin + c, *gr = g + r * HC_B;
        const PetscReal  u0 = wr[0], u1 = wr[1], u2 = wr[2], u3 = wr[3];

        for (PetscInt k = 0; k < HC_NV4; k++) {
          const HcReal8 gv = HC_CROW8(gr, k0 + k);

          a[0][k] += u0 * gv;
          a[1][k] += u1 * gv;
          a[2][k] += u2 * gv;
          a[3][k] += u3 * gv;
        }
      }
      for (PetscInt i = 0; i < 4; i++)
        for (PetscInt k = 0; k < HC_NV4; k++) HC_ROW8(gx + (c + i) * HC_B, k0 + k) = a[i][k];
    }
  for (; c + 2 <= nin; c += 2) {
    HcReal8 a0[HC_NV], a1[HC_NV];

    for (PetscInt k = 0; k < HC_NV; k++) a0[k] = a1[k] = (HcReal8){0};
    for (PetscInt r = 0; r < nout; r++) {
      const PetscReal u0 = W[r * nin + c], u1 = W[r * nin + c + 1], *gr = g + r * HC_B;

      for (PetscInt k = 0; k < HC_NV; k++) {
        const HcReal8 gv = HC_CROW8(gr, k);

        a0[k] += u0 * gv;
        a1[k] += u1 * gv;
      }
    }
    for (PetscInt k = 0; k < HC_NV; k++) {
      HC_ROW8(gx + c * HC_B, k)       = a0[k];
      HC_ROW8(gx + (c + 1) * HC_B, k) = a1[k];
    }
  }
  for (; c < nin; c++) {
    HcReal8 a0[HC_NV];

    for (PetscInt k = 0; k < HC_NV; k++) a0[k] = (HcReal8){0};
    for (PetscInt r = 0; r < nout; r++)
      for (PetscInt k = 0; k < HC_NV; k++) a0[k] += W[r * nin + c] * HC_CROW8(g + r * HC_B, k);
    for (PetscInt k = 0; k < HC_NV; k++) HC_ROW8(gx + c * HC_B, k) = a0[k];
  }
}
#else
HC_KERNEL static void HcMLPAffineBlock(PetscInt nin, PetscInt nout, const PetscReal *W, const PetscReal *b, const PetscReal *x,
                                       PetscBool add, PetscReal *z)
{
  for (PetscInt r = 0; r < nout; r++)
    for (PetscInt p = 0; p < HC_B; p++) {
      PetscReal acc = add ? z[r * HC_B + p] : (b ? b[r] : 0);

      for (PetscInt c = 0; c < nin; c++) acc += W[r * nin + c] * x[c * HC_B + p];
      z[r * HC_B + p] = acc;
    }
}

HC_KERNEL static void HcMLPAffineTransposeBlock(PetscInt nin, PetscInt nout, const PetscReal *W, const PetscReal *g,
                                                PetscReal *gx)
{
  for (PetscInt c = 0; c < nin; c++)
    for (PetscInt p = 0; p < HC_B; p++) {
      PetscReal acc = 0;

      for (PetscInt r = 0; r < nout; r++) acc += W[r * nin + c] * g[r * HC_B + p];
      gx[c * HC_B + p] = acc;
    }
}
#endif

/* Parameter gradients are summed over cells in 8 lanes per parameter (lane q takes the cells p with p % 8 == q of every
   block, in order), added by a fixed tree at the end of a sweep: the loops then vectorise across lanes without
   reordering any sum, and the result does not depend on the vector width. */
#define HC_LANES HC_MLP_LANES

/* lanes of dW += g x^T and db += g over the cells of the block.  With GCC's vector types, one lane vector is one
   operation (the compiler splits it to the machine's width); plain loops elsewhere. */
#if HC_HAVE_REAL8 && HC_LANES == 8
typedef HcReal8 HcMLPLanes;

/* the lanes of one weight (row gr, input row xc), for the edges of the tiles below */
static inline void HcMLPOuterOne(const PetscReal *gr, const PetscReal *xc, PetscReal *L)
{
  HcMLPLanes lw = *(HcMLPLanes *)L;

  for (PetscInt p = 0; p < HC_B; p += HC_LANES) lw += *(const HcMLPLanes *)(gr + p) * *(const HcMLPLanes *)(xc + p);
  *(HcMLPLanes *)L = lw;
}

/* Tiles of 4 outputs x 4 inputs: the 16 lane sums stay in registers over the block's cells, and each row of g and x
   loaded is used four times (one weight at a time, the loop was bound by loads). */
HC_KERNEL static void HcMLPOuterBlock(PetscInt nin, PetscInt nout, const PetscReal *g, const PetscReal *x, PetscReal *LW,
                                      PetscReal *Lb)
{
  PetscInt r = 0;

  for (PetscInt q = 0; q < nout; q++) {
    HcMLPLanes lb = *(HcMLPLanes *)(Lb + q * HC_LANES);

    for (PetscInt p = 0; p < HC_B; p += HC_LANES) lb += *(const HcMLPLanes *)(g + q * HC_B + p);
    *(HcMLPLanes *)(Lb + q * HC_LANES) = lb;
  }
  for (; r + 4 <= nout; r += 4) {
    const PetscReal *g0 = g + r * HC_B, *g1 = g0 + HC_B, *g2 = g1 + HC_B, *g3 = g2 + HC_B;
    PetscInt         c = 0;

    for (; c + 4 <= nin; c += 4) {
      const PetscReal *x0 = x + c * HC_B, *x1 = x0 + HC_B, *x2 = x1 + HC_B, *x3 = x2 + HC_B;
      PetscReal       *L0 = LW + (r * nin + c) * HC_LANES, *L1 = L0 + nin * HC_LANES, *L2 = L1 + nin * HC_LANES,
                *L3  = L2 + nin * HC_LANES;
      HcMLPLanes s00 = HC_CROW8(L0, 0), s01 = HC_CROW8(L0, 1), s02 = HC_CROW8(L0, 2), s03 = HC_CROW8(L0, 3);
      HcMLPLanes s10 = HC_CROW8(L1, 0), s11 = HC_CROW8(L1, 1), s12 = HC_CROW8(L1, 2), s13 = HC_CROW8(L1, 3);
      HcMLPLanes s20 = HC_CROW8(L2, 0), s21 = HC_CROW8(L2, 1), s22 = HC_CROW8(L2, 2), s23 = HC_CROW8(L2, 3);
      HcMLPLanes s30 = HC_CROW8(L3, 0), s31 = HC_CROW8(L3, 1), s32 = HC_CROW8(L3, 2), s33 = HC_CROW8(L3, 3);

      for (PetscInt p = 0; p < HC_B; p += HC_LANES) {
        const HcMLPLanes a = *(const HcMLPLanes *)(x0 + p), b = *(const HcMLPLanes *)(x1 + p), e = *(const HcMLPLanes *)(x2 + p),
                         f = *(const HcMLPLanes *)(x3 + p);
        HcMLPLanes gp      = *(const HcMLPLanes *)(g0 + p);

        s00 += gp * a, s01 += gp * b, s02 += gp * e, s03 += gp * f;
        gp = *(const HcMLPLanes *)(g1 + p);
        s10 += gp * a, s11 += gp * b, s12 += gp * e, s13 += gp * f;
        gp = *(const HcMLPLanes *)(g2 + p);
        s20 += gp * a, s21 += gp * b, s22 += gp * e, s23 += gp * f;
        gp = *(const HcMLPLanes *)(g3 + p);
        s30 += gp * a, s31 += gp * b, s32 += gp * e, s33 += gp * f;
      }
      HC_ROW8(L0, 0) = s00, HC_ROW8(L0, 1) = s01, HC_ROW8(L0, 2) = s02, HC_ROW8(L0, 3) = s03;
      HC_ROW8(L1, 0) = s10, HC_ROW8(L1, 1) = s11, HC_ROW8(L1, 2) = s12, HC_ROW8(L1, 3) = s13;
      HC_ROW8(L2, 0) = s20, HC_ROW8(L2, 1) = s21, HC_ROW8(L2, 2) = s22, HC_ROW8(L2, 3) = s23;
      HC_ROW8(L3, 0) = s30, HC_ROW8(L3, 1) = s31, HC_ROW8(L3, 2) = s32, HC_ROW8(L3, 3) = s33;
    }
    for (; c < nin; c++)
      for (PetscInt k = 0; k < 4; k++) HcMLPOuterOne(g0 + k * HC_B, x + c * HC_B, LW + ((r + k) * nin + c) * HC_LANES);
  }
  for (; r < nout; r++)
    for (PetscInt c = 0; c < nin; c++) HcMLPOuterOne(g + r * HC_B, x + c * HC_B, LW + (r * nin + c) * HC_LANES);
}
#else
static void HcMLPOuterBlock(PetscInt nin, PetscInt nout, const PetscReal *g, const PetscReal *x, PetscReal *LW, PetscReal *Lb)
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

/* gtheta += the lane sums (lanes: HC_LANES reals per parameter), and the lanes back to zero */
PetscErrorCode HcMLPNetReduceLanes_Private(const HcMLPNet *net, PetscReal lanes[], PetscReal gtheta[])
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < net->nparam; k++) {
    PetscReal *l = lanes + k * HC_LANES;

    gtheta[k] += ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
    for (PetscInt q = 0; q < HC_LANES; q++) l[q] = 0;
  }
  PetscFunctionReturn(0);
}

/* a = sigma(z) in place and, when d is given (not for tanh), d = sigma'(z): n rows. */
HC_KERNEL static void HcMLPActivateBlock(HcMLPActivation act, PetscInt n, PetscReal *za, PetscReal *d)
{
  if (act == HC_MLP_TANH) {
    for (PetscInt k = 0; k < n * HC_B; k++) za[k] = HcTanh_Private(za[k]);
  } else {
    for (PetscInt k = 0; k < n * HC_B; k++) za[k] = HcMLPActivate(act, za[k], d ? &d[k] : NULL);
  }
}

/* x *= sigma'(z) over n rows, from the cached activation rows a (tanh: 1 - a^2, the same number as when it was cached
   in HcMLPActivateBlock) or from the cached slope rows after them */
HC_KERNEL static void HcMLPScaleBlock(HcMLPActivation act, PetscInt n, const PetscReal *a, PetscReal *x)
{
  if (act == HC_MLP_TANH)
    for (PetscInt k = 0; k < n * HC_B; k++) x[k] *= 1 - a[k] * a[k];
  else
    for (PetscInt k = 0; k < n * HC_B; k++) x[k] *= a[n * HC_B + k];
}

/* The first nl layers of the network on a block (nl = nlayers: all of it): cache holds the input rows (n[0]); the hidden
   layers' activations and, with slopes, their derivatives (not for tanh) are written after them (rows at n[0] + hoff[l]);
   out gets the output layer's rows (unscaled) when it is computed. */
PetscErrorCode HcMLPNetForwardBlock_Private(const HcMLPNet *net, const PetscReal theta[], PetscInt nl, PetscReal cache[],
                                            PetscBool slopes, PetscReal out[])
{
  const PetscReal *x = cache;

  PetscFunctionBegin;
  for (PetscInt l = 0; l < PetscMin(nl, net->nlayers); l++) {
    const PetscInt nin = net->n[l], nout = net->n[l + 1];
    PetscReal     *z = l == net->nlayers - 1 ? out : cache + (net->n[0] + net->hoff[l]) * HC_B;

    HcMLPAffineBlock(nin, nout, theta + net->woff[l], theta + net->boff[l], x, PETSC_FALSE, z);
    if (l < net->nlayers - 1) HcMLPActivateBlock(net->act, nout, z, slopes && net->act != HC_MLP_TANH ? z + nout * HC_B : NULL);
    x = z;
  }
  PetscFunctionReturn(0);
}

/* Forward-mode derivative at the cached point:  out = d(network)/d(in) din + d(network)/d(theta) dtheta, din or dtheta
   NULL for zero; work: 2 maxw rows. */
PetscErrorCode HcMLPNetTangentBlock_Private(const HcMLPNet *net, const PetscReal theta[], const PetscReal dtheta[],
                                            const PetscReal cache[], const PetscReal din[], PetscReal work[], PetscReal out[])
{
  const PetscReal *x = cache, *dx = din;

  PetscFunctionBegin;
  for (PetscInt l = 0; l < net->nlayers; l++) {
    const PetscInt nin = net->n[l], nout = net->n[l + 1];
    const PetscInt last = l == net->nlayers - 1;
    PetscReal     *dz   = last ? out : work + (l % 2) * net->maxw * HC_B;

    if (dx)
      HcMLPAffineBlock(nin, nout, theta + net->woff[l], NULL, dx, PETSC_FALSE, dz);
    else
      for (PetscInt k = 0; k < nout * HC_B; k++) dz[k] = 0;
    if (dtheta) HcMLPAffineBlock(nin, nout, dtheta + net->woff[l], NULL, x, PETSC_TRUE, dz);
    if (dtheta)
      for (PetscInt r = 0; r < nout; r++)
        for (PetscInt p = 0; p < HC_B; p++) dz[r * HC_B + p] += dtheta[net->boff[l] + r];
    if (!last) {
      const PetscReal *a = cache + (net->n[0] + net->hoff[l]) * HC_B;

      HcMLPScaleBlock(net->act, nout, a, dz);
      x = a;
    }
    dx = dz;
  }
  PetscFunctionReturn(0);
}

/* Reverse mode at the cached point for the output cotangent rows gout (zero in unused cells of the block):
     gin     = (d(network)/d(in))^T gout       (overwritten; may be NULL)
     lanes  += (d(network)/d(theta))^T gout    summed over the block's cells into the lanes of every parameter (may be
                                               NULL; HcMLPNetReduceLanes_Private() adds them up)
   work: 2 maxw rows.  tail (may be NULL): where the cache's rows from the second hidden layer's on are instead (a
   stage record's rows, read in place). */
PetscErrorCode HcMLPNetAdjointBlock_Private(const HcMLPNet *net, const PetscReal theta[], const PetscReal cache[],
                                            const PetscReal tail[], const PetscReal gout[], PetscReal gin[], PetscReal lanes[],
                                            PetscReal work[])
{
  const PetscReal *g = gout;

  PetscFunctionBegin;
  for (PetscInt l = net->nlayers - 1; l >= 0; l--) {
    const PetscInt   nin = net->n[l], nout = net->n[l + 1];
    const PetscReal *x = l ? cache + (net->n[0] + net->hoff[l - 1]) * HC_B : cache;

    if (tail && l >= 2) x = tail + (net->hoff[l - 1] - net->hoff[1]) * HC_B; /* the rows after the first hidden layer's */
    PetscReal *gx;

    if (lanes) HcMLPOuterBlock(nin, nout, g, x, lanes + net->woff[l] * HC_LANES, lanes + net->boff[l] * HC_LANES);
    if (!l && !gin) break;
    gx = l ? work + (l % 2) * net->maxw * HC_B : gin;
    HcMLPAffineTransposeBlock(nin, nout, theta + net->woff[l], g, gx);
    if (l) HcMLPScaleBlock(net->act, nin, x, gx); /* sigma'(z) of the layer that produced x */
    g = gx;
  }
  PetscFunctionReturn(0);
}

/* B (n_out x n_in, row-major) bounds |d out_r / d in_c| at every input: B = |W_L| L |W_{L-1}| ... L |W_0| with L the
   activation's largest slope, because the derivative is W_L D_{L-1} W_{L-1} ... D_0 W_0 with |D_l| <= L. */
PetscErrorCode HcMLPNetInputBound_Private(const HcMLPNet *net, const PetscReal theta[], PetscReal work[], PetscReal B[])
{
  const PetscInt  L   = net->nlayers - 1;
  const PetscReal lip = HcMLPActivationLipschitz(net->act);

  PetscFunctionBegin;
  for (PetscInt o = 0; o < net->n[L + 1]; o++) {
    PetscReal *r = work, *rn = work + net->maxw;

    for (PetscInt c = 0; c < net->n[L]; c++) r[c] = PetscAbsReal(theta[net->woff[L] + o * net->n[L] + c]);
    for (PetscInt l = L - 1; l >= 0; l--) {
      const PetscReal *W = theta + net->woff[l];
      PetscReal       *tmp;

      for (PetscInt c = 0; c < net->n[l]; c++) rn[c] = 0;
      for (PetscInt q = 0; q < net->n[l + 1]; q++)
        for (PetscInt c = 0; c < net->n[l]; c++) rn[c] += lip * r[q] * PetscAbsReal(W[q * net->n[l] + c]);
      tmp = r;
      r   = rn;
      rn  = tmp;
    }
    for (PetscInt c = 0; c < net->n[0]; c++) B[o * net->n[0] + c] = r[c];
  }
  PetscFunctionReturn(0);
}
