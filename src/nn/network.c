/* The dense network of the mlp term, one cell at a time: forward pass (optionally caching activations and their
   derivatives), forward-mode tangent (J v and (dN/dtheta) dtheta), reverse mode (J^T w and (dN/dtheta)^T w), seeded
   initialisation and a bound on the input-output derivatives.  These run inside the cell loops: no allocation. */
#include <hycast/private/mlpimpl.h>

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
      /* through exp, several times cheaper than libm's tanh; absolute error a few 1e-16, exact limits +-1 */
      const PetscReal a = 1 - 2 / (PetscExpReal(2 * z) + 1);
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
    if (l < nhidden) hoff += 2 * net->n[l + 1];
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

/* out = network(in) (the output layer's z, unscaled).  With hid (a cell's cache after its input), the activations and
   their derivatives are kept there; otherwise work (2 maxw reals) holds them. */
PetscErrorCode HcMLPNetForward_Private(const HcMLPNet *net, const PetscReal theta[], const PetscReal in[], PetscReal hid[],
                                       PetscReal work[], PetscReal out[])
{
  const PetscReal *x = in;

  PetscFunctionBegin;
  for (PetscInt l = 0; l < net->nlayers; l++) {
    const PetscInt   nin = net->n[l], nout = net->n[l + 1];
    const PetscBool  last = l == net->nlayers - 1 ? PETSC_TRUE : PETSC_FALSE;
    const PetscReal *W = theta + net->woff[l], *b = theta + net->boff[l];
    PetscReal       *z = last ? out : (hid ? hid + net->hoff[l] : work + (l % 2) * net->maxw);

    for (PetscInt r = 0; r < nout; r++) {
      const PetscReal *w = W + r * nin;
      PetscReal        s = b[r];

      for (PetscInt c = 0; c < nin; c++) s += w[c] * x[c];
      z[r] = s;
    }
    if (!last)
      for (PetscInt r = 0; r < nout; r++) z[r] = HcMLPActivate(net->act, z[r], hid ? &z[nout + r] : NULL);
    x = z;
  }
  PetscFunctionReturn(0);
}

/* Forward-mode derivative at the cached point cell (input, then hidden activations and derivatives):
     out = d(network)/d(in) din + d(network)/d(theta) dtheta
   din or dtheta may be NULL (zero).  work: 2 maxw reals. */
PetscErrorCode HcMLPNetTangent_Private(const HcMLPNet *net, const PetscReal theta[], const PetscReal dtheta[],
                                       const PetscReal cell[], const PetscReal din[], PetscReal work[], PetscReal out[])
{
  const PetscReal *x = cell, *dx = din, *hid = cell + net->n[0];

  PetscFunctionBegin;
  for (PetscInt l = 0; l < net->nlayers; l++) {
    const PetscInt   nin = net->n[l], nout = net->n[l + 1];
    const PetscBool  last = l == net->nlayers - 1 ? PETSC_TRUE : PETSC_FALSE;
    const PetscReal *W    = theta + net->woff[l];
    PetscReal       *dz   = last ? out : work + (l % 2) * net->maxw;

    for (PetscInt r = 0; r < nout; r++) {
      PetscReal s = 0;

      if (dx) {
        const PetscReal *w = W + r * nin;
        for (PetscInt c = 0; c < nin; c++) s += w[c] * dx[c];
      }
      if (dtheta) {
        const PetscReal *dw = dtheta + net->woff[l] + r * nin;
        s += dtheta[net->boff[l] + r];
        for (PetscInt c = 0; c < nin; c++) s += dw[c] * x[c];
      }
      dz[r] = s;
    }
    if (!last) {
      const PetscReal *a = hid + net->hoff[l], *d = a + nout;

      for (PetscInt r = 0; r < nout; r++) dz[r] *= d[r];
      x = a;
    }
    dx = dz;
  }
  PetscFunctionReturn(0);
}

/* Reverse mode at the cached point cell, for the output cotangent gout:
     gin     = (d(network)/d(in))^T gout       (overwritten; may be NULL)
     gtheta += (d(network)/d(theta))^T gout    (may be NULL)
   work: 2 maxw reals. */
PetscErrorCode HcMLPNetAdjoint_Private(const HcMLPNet *net, const PetscReal theta[], const PetscReal cell[],
                                       const PetscReal gout[], PetscReal gin[], PetscReal gtheta[], PetscReal work[])
{
  const PetscReal *g   = gout;
  const PetscReal *hid = cell + net->n[0];

  PetscFunctionBegin;
  for (PetscInt l = net->nlayers - 1; l >= 0; l--) {
    const PetscInt   nin = net->n[l], nout = net->n[l + 1];
    const PetscReal *W = theta + net->woff[l], *x = l ? hid + net->hoff[l - 1] : cell;
    PetscReal       *gx;

    if (gtheta) {
      PetscReal *dW = gtheta + net->woff[l], *db = gtheta + net->boff[l];

      for (PetscInt r = 0; r < nout; r++) {
        const PetscReal gr = g[r];

        db[r] += gr;
        if (gr != 0)
          for (PetscInt c = 0; c < nin; c++) dW[r * nin + c] += gr * x[c];
      }
    }
    if (!l && !gin) break;
    gx = l ? work + (l % 2) * net->maxw : gin;
    for (PetscInt c = 0; c < nin; c++) gx[c] = 0;
    for (PetscInt r = 0; r < nout; r++) {
      const PetscReal *w  = W + r * nin;
      const PetscReal  gr = g[r];

      if (gr != 0)
        for (PetscInt c = 0; c < nin; c++) gx[c] += w[c] * gr;
    }
    if (l) {
      const PetscReal *d = x + nin; /* sigma'(z) of the layer that produced x */

      for (PetscInt c = 0; c < nin; c++) gx[c] *= d[c];
    }
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
