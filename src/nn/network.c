/* The dense network of the mlp term on blocks of cells: forward pass (optionally keeping the activations' derivatives),
   forward-mode tangent (J v and (dN/dtheta) dtheta), reverse mode (J^T w and (dN/dtheta)^T w), seeded initialisation
   and a bound on the input-output derivatives.  These run inside the cell loops: no allocation. */
#include <hycast/private/mlpimpl.h>
#include <hycast/private/kernelimpl.h>
#include <hycast/private/activation.h>

/* the one list of activations, of the MLP's hidden layers and of the Fourier layer */
const char *const HcActivations[] = {"tanh", "gelu", "relu", "HcActivation", "HC_ACTIVATION_", NULL};

/* Largest |sigma'(z)|: 1 for tanh and relu; for exact GELU, Phi(z) + z phi(z) peaks at z = sqrt(2) with 1.12890. */
static PetscReal HcMLPActivationLipschitz(HcActivation act)
{
  return act == HC_ACTIVATION_GELU ? 1.1290 : 1.0;
}

/* the activation shared with the Fourier layer (activation.h) */
static inline PetscReal HcMLPActivate(HcActivation act, PetscReal z, PetscReal *d)
{
  return HcActivate(act, z, d);
}

PetscErrorCode HcMLPNetSetUp_Private(HcMLPNet *net, PetscInt nin, PetscInt nhidden, const PetscInt widths[], PetscInt nout,
                                     HcActivation act)
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
    if (l < nhidden) hoff += (act == HC_ACTIVATION_TANH ? 1 : 2) * net->n[l + 1]; /* tanh' = 1 - tanh^2: no slope rows */
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

/* ---- blocks of cells (network-kernels.h): every quantity is stored as rows of HC_MLP_BLOCK reals, one per cell of the
   block, and the kernels are compiled for each x86-64 level with its vector width (kernelimpl.h, HC_KCALL). */

#define HC_B HC_MLP_BLOCK

/* Parameter gradients are summed over cells in 8 lanes per parameter (lane q takes the cells p with p % 8 == q of every
   block, in order), added by a fixed tree at the end of a sweep: the loops then vectorise across lanes without
   reordering any sum, and the result does not depend on the vector width. */
#define HC_LANES HC_MLP_LANES

#define HC_KERNEL_FILE "nn/network-kernels.h"
#include <hycast/private/kernellevels.h>

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

    HC_KCALL(HcMLPAffineBlock, (nin, nout, theta + net->woff[l], theta + net->boff[l], x, PETSC_FALSE, z));
    if (l < net->nlayers - 1)
      HC_KCALL(HcMLPActivateBlock, (net->act, nout, z, slopes && net->act != HC_ACTIVATION_TANH ? z + nout * HC_B : NULL));
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
      HC_KCALL(HcMLPAffineBlock, (nin, nout, theta + net->woff[l], NULL, dx, PETSC_FALSE, dz));
    else
      for (PetscInt k = 0; k < nout * HC_B; k++) dz[k] = 0;
    if (dtheta) HC_KCALL(HcMLPAffineBlock, (nin, nout, dtheta + net->woff[l], NULL, x, PETSC_TRUE, dz));
    if (dtheta)
      for (PetscInt r = 0; r < nout; r++)
        for (PetscInt p = 0; p < HC_B; p++) dz[r * HC_B + p] += dtheta[net->boff[l] + r];
    if (!last) {
      const PetscReal *a = cache + (net->n[0] + net->hoff[l]) * HC_B;

      HC_KCALL(HcMLPScaleBlock, (net->act, nout, a, dz));
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

    if (lanes) HC_KCALL(HcMLPOuterBlock, (nin, nout, g, x, lanes + net->woff[l] * HC_LANES, lanes + net->boff[l] * HC_LANES));
    if (!l && !gin) break;
    gx = l ? work + (l % 2) * net->maxw * HC_B : gin;
    HC_KCALL(HcMLPAffineTransposeBlock, (nin, nout, theta + net->woff[l], g, gx));
    if (l) HC_KCALL(HcMLPScaleBlock, (net->act, nin, x, gx)); /* sigma'(z) of the layer that produced x */
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
