/* A learned closure of the large-scale anomaly (term type `meanmlp`, docs/meanmlp.md).  Per field f and active cell i

     F_f,i(u, t) = mask_i * S * N_f(x),     x_g = s (M_g(u) - C_g(t)),     M_g(u) = sum_i a_i mask_i u_g,i / sum_i a_i mask_i

   N a dense network (src/nn/network.c) of the nc domain means' departures from a reference cycle C, the same for every
   cell: what a pointwise closure cannot see, e.g. a basin-wide anomaly that outlasts the local ones.  C_g(t) is
   periodic and piecewise linear over K phases of a period P from the origin t0 (as the seasonal term's cycle); its
   values are set from the training data's domain means (HcTermMeanMLPSetCycleFromStates()) and held fixed in training,
   a reference like a feature normalisation.  a_i is the cell area, S the output scale (1/day on lat-lon grids), s the
   input scale.

   Parameters (replicated on every rank): the network's (W1, b1, ...), then C[k][g] (k < K, g < nc).  M is a sum over
   every rank's cells: F, the linearisation, J v and J^T w each reduce nc + 1 numbers over the ranks;
   (dF/dtheta) dtheta needs none, and (dF/dtheta)^T w leaves its sum to the caller, as for every term.  The network runs
   on one point: column 0 of a block of HC_MLP_BLOCK.  C is the mean over the training domain: forecasts on other grids
   must cover the same region. */
#include <hycast/private/mlpimpl.h>

typedef struct {
  /* architecture (options) */
  PetscInt     nhidden, widths[HC_MLP_MAX_HIDDEN];
  HcActivation act;
  PetscInt     K;
  PetscReal    period, origin;
  PetscReal    iscale, oscale, initscale;
  PetscInt     seed;
  /* set up */
  HcMLPNet   net;
  PetscInt   nc, cyc;                                            /* fields; offset of the reference cycle in theta */
  PetscReal *cache, *fcache, *work, *rows, *out, *lanes, *bound; /* cache: at the linearisation point; fcache: apply's */
  /* linearisation point */
  PetscReal tlin, atot;
  PetscInt  kl[2];
  PetscReal wl[2];
  PetscBool linearized;
} HcMeanMLP;

/* The phase s = K frac((t - t0) / P) in [0, K) of model time t. */
static PetscReal HcMeanMLPPhase(const HcMeanMLP *mm, PetscReal t)
{
  PetscReal x = (t - mm->origin) / mm->period;

  return mm->K * (x - PetscFloorReal(x));
}

/* C(t) = wc[0] C_k[0] + wc[1] C_k[1]: the two phases around t. */
static void HcMeanMLPCycleWeights(const HcMeanMLP *mm, PetscReal t, PetscInt k[2], PetscReal wc[2])
{
  const PetscReal s = HcMeanMLPPhase(mm, t);
  PetscReal       a;

  k[0]  = PetscMin((PetscInt)PetscFloorReal(s), mm->K - 1);
  a     = s - k[0];
  k[1]  = (k[0] + 1) % mm->K;
  wc[0] = 1 - a;
  wc[1] = a;
}

/* s[g] = sum mask v_g (area: sum a mask v_g) over this rank's cells, s[nc] the sum of the weights; reduce: over every
   rank. */
static PetscErrorCode HcMeanMLPSums_Private(HcTerm term, Vec v, PetscBool area, PetscBool reduce, PetscReal s[])
{
  HcMeanMLP          *mm = (HcMeanMLP *)term->data;
  HcGrid              g  = term->grid;
  const PetscScalar **mk, ***x;

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(s, mm->nc + 1));
  PetscCall(DMDAVecGetArrayRead(g->da1, g->mask, &mk));
  PetscCall(DMDAVecGetArrayDOFRead(g->da, v, &x));
  for (PetscInt j = g->ys; j < g->ys + g->ym; j++)
    for (PetscInt i = g->xs; i < g->xs + g->xm; i++) {
      const PetscReal am = PetscRealPart(mk[j][i]) * (area ? g->m.xw[i] * g->m.ya[j] : 1);

      if (am == 0) continue;
      for (PetscInt f = 0; f < mm->nc; f++) s[f] += am * PetscRealPart(x[j][i][f]);
      s[mm->nc] += am;
    }
  PetscCall(DMDAVecRestoreArrayDOFRead(g->da, v, &x));
  PetscCall(DMDAVecRestoreArrayRead(g->da1, g->mask, &mk));
  if (reduce) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, s, (PetscMPIInt)(mm->nc + 1), MPIU_REAL, MPI_SUM, term->comm));
  PetscCall(PetscLogFlops(3.0 * mm->nc * g->xm * g->ym));
  PetscFunctionReturn(0);
}

/* m = M(v), the area-weighted means over every rank's active cells; *atot (may be NULL): the total masked area. */
static PetscErrorCode HcMeanMLPDomainMeans_Private(HcTerm term, Vec v, PetscReal m[], PetscReal *atot)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;
  PetscReal  s[HC_MAX_FIELDS + 1];

  PetscFunctionBegin;
  PetscCall(HcMeanMLPSums_Private(term, v, PETSC_TRUE, PETSC_TRUE, s));
  PetscCheck(s[mm->nc] > 0, term->comm, PETSC_ERR_ARG_WRONG, "HcTerm '%s': the grid has no active cell", term->name);
  for (PetscInt f = 0; f < mm->nc; f++) m[f] = s[f] / s[mm->nc];
  if (atot) *atot = s[mm->nc];
  PetscFunctionReturn(0);
}

/* y_f,i += mask_i * c[f] at this rank's cells (y global or local), or with area: mask_i a_i c[f]. */
static PetscErrorCode HcMeanMLPSpread_Private(HcTerm term, const PetscReal c[], PetscBool area, Vec y)
{
  HcMeanMLP          *mm = (HcMeanMLP *)term->data;
  HcGrid              g  = term->grid;
  const PetscScalar **mk;
  PetscScalar      ***yy;

  PetscFunctionBegin;
  PetscCall(DMDAVecGetArrayRead(g->da1, g->mask, &mk));
  PetscCall(DMDAVecGetArrayDOF(g->da, y, &yy));
  for (PetscInt j = g->ys; j < g->ys + g->ym; j++)
    for (PetscInt i = g->xs; i < g->xs + g->xm; i++) {
      const PetscReal am = PetscRealPart(mk[j][i]) * (area ? g->m.xw[i] * g->m.ya[j] : 1);

      if (am != 0)
        for (PetscInt f = 0; f < mm->nc; f++) yy[j][i][f] += am * c[f];
    }
  PetscCall(DMDAVecRestoreArrayDOF(g->da, y, &yy));
  PetscCall(DMDAVecRestoreArrayRead(g->da1, g->mask, &mk));
  PetscCall(PetscLogFlops(2.0 * mm->nc * g->xm * g->ym));
  PetscFunctionReturn(0);
}

/* The network's input x = s (M(u) - C(t)) into column 0 of cache (the other columns 0); *atot: the masked area. */
static PetscErrorCode HcMeanMLPInput_Private(HcTerm term, PetscReal t, Vec u, PetscReal cache[], PetscReal *atot)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;
  PetscReal  m[HC_MAX_FIELDS], wc[2];
  PetscInt   k[2];

  PetscFunctionBegin;
  PetscCall(HcMeanMLPDomainMeans_Private(term, u, m, atot));
  HcMeanMLPCycleWeights(mm, t, k, wc);
  PetscCall(PetscArrayzero(cache, mm->nc * HC_MLP_BLOCK));
  for (PetscInt f = 0; f < mm->nc; f++) {
    const PetscReal c = wc[0] * term->theta[mm->cyc + k[0] * mm->nc + f] + wc[1] * term->theta[mm->cyc + k[1] * mm->nc + f];

    cache[f * HC_MLP_BLOCK] = mm->iscale * (m[f] - c);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermApply_MeanMLP(HcTerm term, PetscReal t, Vec uloc, Vec f)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;
  PetscReal  n[HC_MAX_FIELDS];

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscCall(HcMeanMLPInput_Private(term, t, uloc, mm->fcache, NULL));
  PetscCall(HcMLPNetForwardBlock_Private(&mm->net, term->theta, mm->net.nlayers, mm->fcache, PETSC_FALSE, mm->out));
  for (PetscInt c = 0; c < mm->nc; c++) n[c] = mm->oscale * mm->out[c * HC_MLP_BLOCK];
  PetscCall(HcMeanMLPSpread_Private(term, n, PETSC_FALSE, f));
  PetscCall(PetscLogFlops(mm->net.flops));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermLinearize_MeanMLP(HcTerm term, PetscReal t, Vec uloc)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcMeanMLPInput_Private(term, t, uloc, mm->cache, &mm->atot));
  PetscCall(HcMLPNetForwardBlock_Private(&mm->net, term->theta, mm->net.nlayers, mm->cache, PETSC_TRUE, mm->out));
  PetscCall(PetscLogFlops(mm->net.flops));
  HcMeanMLPCycleWeights(mm, t, mm->kl, mm->wl);
  mm->tlin       = t;
  mm->linearized = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcMeanMLPCheckLinearized_Private(HcTerm term)
{
  PetscFunctionBegin;
  PetscCheck(((HcMeanMLP *)term->data)->linearized, term->comm, PETSC_ERR_ORDER,
             "HcTerm '%s': linearise before a product (and after changing the parameters)", term->name);
  PetscFunctionReturn(0);
}

/* y += mask S dN, dN = dN/dx (s din) + dN/dtheta dtheta (din: changes of M - C per field, or NULL; dtheta or NULL). */
static PetscErrorCode HcMeanMLPTangent_Private(HcTerm term, const PetscReal din[], const PetscReal dtheta[], Vec y)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;
  PetscReal  n[HC_MAX_FIELDS];

  PetscFunctionBegin;
  PetscCall(HcMeanMLPCheckLinearized_Private(term));
  if (din) {
    PetscCall(PetscArrayzero(mm->rows, mm->nc * HC_MLP_BLOCK));
    for (PetscInt f = 0; f < mm->nc; f++) mm->rows[f * HC_MLP_BLOCK] = mm->iscale * din[f];
  }
  PetscCall(HcMLPNetTangentBlock_Private(&mm->net, term->theta, dtheta, mm->cache, din ? mm->rows : NULL, mm->work, mm->out));
  for (PetscInt c = 0; c < mm->nc; c++) n[c] = mm->oscale * mm->out[c * HC_MLP_BLOCK];
  PetscCall(HcMeanMLPSpread_Private(term, n, PETSC_FALSE, y));
  PetscCall(PetscLogFlops(2 * mm->net.flops));
  PetscFunctionReturn(0);
}

/* gin = (dN/dx)^T (S G) (G: this rank's, or with reduce every rank's, sums of mask w per field); lanes += the network's
   parameter gradient (lanes may be NULL). */
static PetscErrorCode HcMeanMLPAdjoint_Private(HcTerm term, Vec w, PetscBool reduce, PetscReal gin[], PetscReal lanes[])
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;
  PetscReal  G[HC_MAX_FIELDS + 1];

  PetscFunctionBegin;
  PetscCall(HcMeanMLPCheckLinearized_Private(term));
  PetscCall(HcMeanMLPSums_Private(term, w, PETSC_FALSE, reduce, G));
  PetscCall(PetscArrayzero(mm->rows, mm->nc * HC_MLP_BLOCK));
  for (PetscInt f = 0; f < mm->nc; f++) mm->rows[f * HC_MLP_BLOCK] = mm->oscale * G[f];
  PetscCall(HcMLPNetAdjointBlock_Private(&mm->net, term->theta, mm->cache, NULL, mm->rows, mm->out, lanes, mm->work));
  for (PetscInt f = 0; f < mm->nc; f++) gin[f] = mm->out[f * HC_MLP_BLOCK];
  PetscCall(PetscLogFlops(2 * mm->net.flops));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermJacobian_MeanMLP(HcTerm term, Vec vloc, Vec y)
{
  PetscReal dm[HC_MAX_FIELDS];

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_JACOBIAN], 0, 0, 0, 0));
  PetscCall(HcMeanMLPDomainMeans_Private(term, vloc, dm, NULL));
  PetscCall(HcMeanMLPTangent_Private(term, dm, NULL, y));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_JACOBIAN], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* J^T w = a mask s (dN/dx)^T (S sum mask w) / atot: every cell gets its share of the domain mean's cotangent. */
static PetscErrorCode HcTermJacobianTranspose_MeanMLP(HcTerm term, Vec wloc, Vec yloc)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;
  PetscReal  gin[HC_MAX_FIELDS];

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_JACOBIAN_T], 0, 0, 0, 0));
  PetscCall(HcMeanMLPAdjoint_Private(term, wloc, PETSC_TRUE, gin, NULL));
  for (PetscInt f = 0; f < mm->nc; f++) gin[f] *= mm->iscale / mm->atot;
  PetscCall(HcMeanMLPSpread_Private(term, gin, PETSC_TRUE, yloc));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_JACOBIAN_T], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The reference cycle enters as x = s (M - C): a change dC moves the input by -s dC(t). */
static PetscErrorCode HcTermParamJacobian_MeanMLP(HcTerm term, const PetscReal dtheta[], Vec y)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;
  PetscReal  dc[HC_MAX_FIELDS];

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_PARAM_JACOBIAN], 0, 0, 0, 0));
  for (PetscInt f = 0; f < mm->nc; f++)
    dc[f] = -(mm->wl[0] * dtheta[mm->cyc + mm->kl[0] * mm->nc + f] + mm->wl[1] * dtheta[mm->cyc + mm->kl[1] * mm->nc + f]);
  PetscCall(HcMeanMLPTangent_Private(term, dc, dtheta, y));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_PARAM_JACOBIAN], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermParamJacobianTranspose_MeanMLP(HcTerm term, Vec wloc, PetscReal grad[])
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;
  PetscReal  gin[HC_MAX_FIELDS];

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_PARAM_JACOBIAN_T], 0, 0, 0, 0));
  /* linear in w: this rank's share of every sum, as the caller adds the ranks' gradients */
  PetscCall(HcMeanMLPAdjoint_Private(term, wloc, PETSC_FALSE, gin, mm->lanes));
  PetscCall(HcMLPNetReduceLanes_Private(&mm->net, mm->lanes, grad));
  for (PetscInt q = 0; q < 2; q++)
    for (PetscInt f = 0; f < mm->nc; f++) grad[mm->cyc + mm->kl[q] * mm->nc + f] -= mm->wl[q] * mm->iscale * gin[f];
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_PARAM_JACOBIAN_T], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* J = mask S dN/dx s (a mask / atot)^T has the eigenvalues of S s dN/dx (the weights sum to 1): bounded by the
   network's input bound, on the real axis for one field. */
static PetscErrorCode HcTermEstimateRates_MeanMLP(HcTerm term, PetscReal *radv, PetscReal *rdif)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcMLPNetInputBound_Private(&mm->net, term->theta, mm->work, mm->bound));
  *radv = *rdif = 0;
  for (PetscInt c = 0; c < mm->nc; c++) {
    PetscReal r = 0;

    for (PetscInt q = 0; q < mm->nc; q++) r += mm->bound[c * mm->nc + q];
    *rdif = PetscMax(*rdif, mm->oscale * mm->iscale * r);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermSetFromOptions_MeanMLP(HcTerm term, PetscOptionItems *PetscOptionsObject)
{
  HcMeanMLP  *mm           = (HcMeanMLP *)term->data;
  const char *pre          = term->prefix ? term->prefix : "";
  char        hidden[1024] = "";
  PetscBool   flg;

  PetscFunctionBegin;
  PetscCall(HcMLPFormatHidden_Private(mm->nhidden, mm->widths, hidden, sizeof(hidden)));
  PetscOptionsHeadBegin(PetscOptionsObject, "Learned closure of the domain-mean anomaly (meanmlp)");
  PetscCall(PetscOptionsString("-meanmlp_hidden", "Widths of the hidden layers, comma-separated ('none': a linear map)",
                               "HcTermMeanMLPSetHiddenLayers", hidden, hidden, sizeof(hidden), &flg));
  if (flg) PetscCall(HcMLPParseHidden_Private(term, "meanmlp_hidden", hidden, &mm->nhidden, mm->widths));
  PetscCall(PetscOptionsEnum("-meanmlp_activation", "Activation of the hidden layers", "HcTermMeanMLPSetHiddenLayers",
                             HcActivations, (PetscEnum)mm->act, (PetscEnum *)&mm->act, NULL));
  PetscCall(PetscOptionsInt("-meanmlp_phases", "Values of the reference cycle C per period (12: monthly)",
                            "HcTermMeanMLPSetPhases", mm->K, &mm->K, NULL));
  PetscCheck(mm->K >= 1, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%smeanmlp_phases must be >= 1, got %" PetscInt_FMT, pre, mm->K);
  PetscCall(PetscOptionsReal("-meanmlp_period", "Period P of the reference cycle (model time units; default 365.25 days in s)",
                             "HcTermMeanMLPSetPhases", mm->period, &mm->period, NULL));
  PetscCheck(mm->period > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%smeanmlp_period must be positive, got %g", pre,
             (double)mm->period);
  PetscCall(PetscOptionsReal("-meanmlp_origin", "Model time t0 of the reference cycle's phase 0", "HcTermMeanMLPSetPhases",
                             mm->origin, &mm->origin, NULL));
  PetscCall(PetscOptionsReal("-meanmlp_input_scale", "s: the network's input is s (M(u) - C(t))", "HcTermMeanMLPSetScales",
                             mm->iscale, &mm->iscale, NULL));
  PetscCheck(mm->iscale > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%smeanmlp_input_scale must be positive, got %g", pre,
             (double)mm->iscale);
  PetscCall(PetscOptionsReal("-meanmlp_output_scale", "S: F = mask * S * network output (default 1; 1/86400 on lat-lon grids)",
                             "HcTermMeanMLPSetScales", mm->oscale, &mm->oscale, NULL));
  PetscCheck(mm->oscale > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%smeanmlp_output_scale must be positive, got %g", pre,
             (double)mm->oscale);
  PetscCall(PetscOptionsInt("-meanmlp_seed", "Seed of the initial weights (the same on every rank count)",
                            "HcTermMeanMLPSetInitialization", mm->seed, &mm->seed, NULL));
  PetscCall(PetscOptionsReal("-meanmlp_init_scale",
                             "Initial weights uniform in +-1/sqrt(fan-in), the output layer's times this (0: start from F = 0)",
                             "HcTermMeanMLPSetInitialization", mm->initscale, &mm->initscale, NULL));
  PetscCheck(mm->initscale >= 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%smeanmlp_init_scale must be >= 0, got %g", pre,
             (double)mm->initscale);
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermSetUp_MeanMLP(HcTerm term)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;
  HcGrid     g  = term->grid;
  char       name[256], item[64];

  PetscFunctionBegin;
  mm->nc = g->nc;
  PetscCall(HcMLPNetSetUp_Private(&mm->net, mm->nc, mm->nhidden, mm->widths, mm->nc, mm->act));
  mm->cyc = mm->net.nparam;
  PetscCall(HcTermSetNumParameters_Private(term, mm->cyc + mm->K * mm->nc));
  PetscCall(HcMLPNetInitialize_Private(&mm->net, HcTermSeed_Private(term, (unsigned long)mm->seed), mm->initscale, term->theta));
  for (PetscInt p = 0; p < mm->cyc; p++) {
    PetscCall(HcMLPNetParameterName_Private(&mm->net, p, item, sizeof(item)));
    PetscCall(HcTermSetParameterName_Private(term, p, item));
  }
  for (PetscInt k = 0; k < mm->K; k++)
    for (PetscInt f = 0; f < mm->nc; f++) {
      PetscCall(PetscSNPrintf(name, sizeof(name), "cycle_%s[%" PetscInt_FMT "]", g->fieldnames[f], k));
      PetscCall(HcTermSetParameterName_Private(term, mm->cyc + k * mm->nc + f, name));
    }
  PetscCall(PetscFree7(mm->cache, mm->fcache, mm->work, mm->rows, mm->out, mm->lanes, mm->bound));
  PetscCall(PetscCalloc7(mm->net.cachesize * HC_MLP_BLOCK, &mm->cache, mm->net.cachesize * HC_MLP_BLOCK, &mm->fcache,
                         2 * mm->net.maxw * HC_MLP_BLOCK, &mm->work, mm->nc * HC_MLP_BLOCK, &mm->rows, mm->nc * HC_MLP_BLOCK,
                         &mm->out, mm->net.nparam * HC_MLP_LANES, &mm->lanes, mm->nc * mm->nc, &mm->bound));
  /* the reference cycle is a normalisation of the input, not fitted */
  PetscCall(PetscFree(term->fixed));
  PetscCall(PetscCalloc1(term->nparam, &term->fixed));
  for (PetscInt p = mm->cyc; p < term->nparam; p++) term->fixed[p] = PETSC_TRUE;
  term->nreport  = 0;
  mm->linearized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermParametersChanged_MeanMLP(HcTerm term)
{
  PetscFunctionBegin;
  for (PetscInt p = 0; p < term->nparam; p++)
    PetscCheck(!PetscIsInfOrNanReal(term->theta[p]), term->comm, PETSC_ERR_FP, "HcTerm '%s': parameter %s is not finite",
               term->name, term->paramnames[p]);
  ((HcMeanMLP *)term->data)->linearized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermView_MeanMLP(HcTerm term, PetscViewer viewer)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "closure of the domain-mean anomaly: F = mask S N(s (M(u) - C(t))), M the area-weighted "
                                   "mean over the active cells\n"));
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "network: %" PetscInt_FMT " input(s), %" PetscInt_FMT " hidden layer(s), %s; s = %g, S = %g; "
                                   "reference cycle C: %" PetscInt_FMT
                                   " phases per period %g, origin %g, held fixed in training\n",
                                   mm->nc, mm->nhidden, HcActivations[mm->act], (double)mm->iscale, (double)mm->oscale, mm->K,
                                   (double)mm->period, (double)mm->origin));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermArchitecture_MeanMLP(HcTerm term, char buf[], size_t len)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;
  char       item[1024];

  PetscFunctionBegin;
  buf[0] = 0;
  PetscCall(PetscStrlcat(buf, "-meanmlp_hidden ", len));
  PetscCall(HcMLPFormatHidden_Private(mm->nhidden, mm->widths, item, sizeof(item)));
  PetscCall(PetscStrlcat(buf, item, len));
  PetscCall(PetscSNPrintf(item, sizeof(item),
                          " -meanmlp_activation %s -meanmlp_phases %" PetscInt_FMT
                          " -meanmlp_period %.17g -meanmlp_origin %.17g -meanmlp_input_scale %.17g -meanmlp_output_scale %.17g",
                          HcActivations[mm->act], mm->K, (double)mm->period, (double)mm->origin, (double)mm->iscale,
                          (double)mm->oscale));
  PetscCall(PetscStrlcat(buf, item, len));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermDestroy_MeanMLP(HcTerm term)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcMLPNetDestroy_Private(&mm->net));
  PetscCall(PetscFree7(mm->cache, mm->fcache, mm->work, mm->rows, mm->out, mm->lanes, mm->bound));
  PetscCall(PetscFree(term->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermInitializeFromStates_MeanMLP(HcTerm, PetscInt, const PetscReal[], const Vec[], const char **, char[],
                                                         size_t);

PetscErrorCode HcTermCreate_MeanMLP(HcTerm term)
{
  HcMeanMLP *mm;

  PetscFunctionBegin;
  PetscCall(PetscNew(&mm));
  mm->nhidden   = 1;
  mm->widths[0] = 8;
  mm->act       = HC_ACTIVATION_TANH;
  mm->K         = 12;
  mm->period    = 365.25 * 86400;
  mm->iscale    = 1;
  mm->oscale    = term->grid->type == HC_GRID_LATLON ? 1.0 / 86400 : 1;
  mm->initscale = 0.1;
  term->data    = mm;
  term->learned = PETSC_TRUE;
  if (!term->name) PetscCall(PetscStrallocpy("meanmlp", &term->name));
  term->ops = (HcTermOps){.setfromoptions         = HcTermSetFromOptions_MeanMLP,
                          .setup                  = HcTermSetUp_MeanMLP,
                          .view                   = HcTermView_MeanMLP,
                          .destroy                = HcTermDestroy_MeanMLP,
                          .parameterschanged      = HcTermParametersChanged_MeanMLP,
                          .apply                  = HcTermApply_MeanMLP,
                          .linearize              = HcTermLinearize_MeanMLP,
                          .jacobian               = HcTermJacobian_MeanMLP,
                          .jacobiantranspose      = HcTermJacobianTranspose_MeanMLP,
                          .paramjacobian          = HcTermParamJacobian_MeanMLP,
                          .paramjacobiantranspose = HcTermParamJacobianTranspose_MeanMLP,
                          .estimaterates          = HcTermEstimateRates_MeanMLP,
                          .architecture           = HcTermArchitecture_MeanMLP,
                          .initfromstates         = HcTermInitializeFromStates_MeanMLP};
  PetscFunctionReturn(0);
}

/*@C
  HcTermMeanMLPSetPhases - K values of the reference cycle per period P, phase 0 at model time t0 (before HcTermSetUp()).
@*/
PetscErrorCode HcTermMeanMLPSetPhases(HcTerm term, PetscInt K, PetscReal period, PetscReal origin)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMMEANMLP));
  PetscCheck(!term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': set the phases before HcTermSetUp()", term->name);
  PetscCheck(K >= 1 && period > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcTerm '%s': the phases must be >= 1 and the period positive, got %" PetscInt_FMT " and %g", term->name, K,
             (double)period);
  mm->K      = K;
  mm->period = period;
  mm->origin = origin;
  PetscFunctionReturn(0);
}

/*@C
  HcTermMeanMLPSetHiddenLayers - widths of the hidden layers (n = 0: a linear map) and their activation (before
  HcTermSetUp()).
@*/
PetscErrorCode HcTermMeanMLPSetHiddenLayers(HcTerm term, PetscInt n, const PetscInt widths[], HcActivation act)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMMEANMLP));
  PetscCheck(!term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': set the layers before HcTermSetUp()", term->name);
  PetscCheck(n >= 0 && n <= HC_MLP_MAX_HIDDEN, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTerm '%s': 0 to %d hidden layers",
             term->name, HC_MLP_MAX_HIDDEN);
  for (PetscInt l = 0; l < n; l++) {
    PetscCheck(widths[l] > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTerm '%s': hidden widths must be positive", term->name);
    mm->widths[l] = widths[l];
  }
  mm->nhidden = n;
  mm->act     = act;
  PetscFunctionReturn(0);
}

/*@C
  HcTermMeanMLPSetScales - input scale s and output scale S (before HcTermSetUp()).
@*/
PetscErrorCode HcTermMeanMLPSetScales(HcTerm term, PetscReal iscale, PetscReal oscale)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMMEANMLP));
  PetscCheck(!term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': set the scales before HcTermSetUp()", term->name);
  PetscCheck(iscale > 0 && oscale > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTerm '%s': the scales must be positive",
             term->name);
  mm->iscale = iscale;
  mm->oscale = oscale;
  PetscFunctionReturn(0);
}

/*@C
  HcTermMeanMLPSetInitialization - seed and output-layer scale of the initial weights (before HcTermSetUp()).
@*/
PetscErrorCode HcTermMeanMLPSetInitialization(HcTerm term, PetscInt seed, PetscReal scale)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMMEANMLP));
  PetscCheck(!term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': set the initialisation before HcTermSetUp()",
             term->name);
  PetscCheck(scale >= 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTerm '%s': the scale must be >= 0", term->name);
  mm->seed      = seed;
  mm->initscale = scale;
  PetscFunctionReturn(0);
}

/*@C
  HcTermMeanMLPGetPhases - K, P and t0 of the reference cycle.
@*/
PetscErrorCode HcTermMeanMLPGetPhases(HcTerm term, PetscInt *K, PetscReal *period, PetscReal *origin)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMMEANMLP));
  if (K) *K = mm->K;
  if (period) *period = mm->period;
  if (origin) *origin = mm->origin;
  PetscFunctionReturn(0);
}

/*@C
  HcTermMeanMLPSetCycleFromStates - the reference cycle from observed states u[0..n) at model times t[0..n): C_k is the
  mean of the domain means M(u) of the states whose phase is nearest to k; a phase no state is nearest to gets the mean
  of all n.  count (may be NULL) receives the number of states per phase.  The network is left alone.
@*/
PetscErrorCode HcTermMeanMLPSetCycleFromStates(HcTerm term, PetscInt n, const PetscReal t[], const Vec u[], PetscInt count[])
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;
  PetscReal *theta, all[HC_MAX_FIELDS] = {0}, m[HC_MAX_FIELDS];
  PetscInt  *cnt, nempty               = 0;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMMEANMLP));
  PetscCheck(term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': call HcTermSetUp() first", term->name);
  PetscCheck(n >= 1, term->comm, PETSC_ERR_ARG_SIZ, "HcTerm '%s': the reference cycle needs at least one state", term->name);
  PetscCall(PetscMalloc1(term->nparam, &theta));
  PetscCall(PetscCalloc1(mm->K, &cnt));
  PetscCall(PetscArraycpy(theta, term->theta, term->nparam));
  for (PetscInt p = mm->cyc; p < term->nparam; p++) theta[p] = 0;
  for (PetscInt s = 0; s < n; s++) {
    const PetscInt k = ((PetscInt)PetscFloorReal(HcMeanMLPPhase(mm, t[s]) + 0.5)) % mm->K;

    PetscCall(HcMeanMLPDomainMeans_Private(term, u[s], m, NULL));
    for (PetscInt f = 0; f < mm->nc; f++) {
      theta[mm->cyc + k * mm->nc + f] += m[f];
      all[f] += m[f];
    }
    cnt[k]++;
  }
  for (PetscInt k = 0; k < mm->K; k++) {
    for (PetscInt f = 0; f < mm->nc; f++) {
      PetscReal *c = &theta[mm->cyc + k * mm->nc + f];

      *c = cnt[k] ? *c / cnt[k] : all[f] / n;
    }
    if (count) count[k] = cnt[k];
    nempty += !cnt[k];
  }
  if (nempty)
    PetscCall(PetscPrintf(term->comm,
                          "HcTerm '%s': no state falls on %" PetscInt_FMT " of the %" PetscInt_FMT
                          " phases: their reference values are the mean of all %" PetscInt_FMT " states\n",
                          term->name, nempty, mm->K, n));
  PetscCall(HcTermSetParameters(term, theta));
  PetscCall(PetscFree(cnt));
  PetscCall(PetscFree(theta));
  PetscFunctionReturn(0);
}

/* before training: the reference cycle from the training states' domain means */
static PetscErrorCode HcTermInitializeFromStates_MeanMLP(HcTerm term, PetscInt n, const PetscReal t[], const Vec u[],
                                                         const char **what, char detail[], size_t len)
{
  HcMeanMLP *mm = (HcMeanMLP *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermInitializeCycle_Private(term, mm->K, HcTermMeanMLPSetCycleFromStates, n, t, u, detail, len));
  *what = "reference cycle (domain means)";
  PetscFunctionReturn(0);
}
