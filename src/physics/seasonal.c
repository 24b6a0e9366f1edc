/* Newtonian restoring to a seasonal cycle (term type `seasonal`, docs/seasonal.md).  Per field f and active cell i

     F_f,i(u, t) = mask_i * ( dc_f,i/dt(t) - r_f (u_f,i - c_f,i(t)) ),     r_f = exp(rho_f)

   with c periodic and piecewise linear in time: K values per cell at the phases k P / K (k = 0 .. K-1) after the origin
   t0.  With s = K frac((t - t0) / P), k = floor(s), a = s - k:

     c(t) = (1 - a) c_k + a c_{k+1 mod K},     dc/dt = (c_{k+1} - c_k) K / P.

   On a phase boundary (s an integer to round-off) dc/dt is the mean of the slopes on either side, so that an RK step
   that starts there and one that ends there make opposite errors: with steps aligned to the boundaries the state
   follows c(t) exactly except at the boundary instants themselves (docs/seasonal.md).

   Parameters (replicated on every rank, the same layout on any number of ranks): rho_f (log rates), then the cycle
   values c[k][f][cell] for every cell of the grid in the natural order cell = j nx + i; land cells carry unused values
   (their gradient is 0).  F is linear in u and in c, so J = -r (masked) and the parameter products are local to a cell. */
#include <hycast/private/termimpl.h>

#define HC_SEASONAL_SNAP 1e-9 /* distance (in phases) below which t is on a phase boundary */

typedef struct {
  PetscInt  K;              /* phases per period */
  PetscReal period, origin; /* P, t0 */
  PetscReal rinit[HC_MAX_FIELDS];
  PetscInt  nrinit;
  PetscBool learncycle;
  PetscInt  nc, ncell; /* fields; cells of the whole grid */
  Vec       ulin;      /* linearisation point (local, borrowed) */
  PetscReal tlin;
} HcSeasonal;

/* The cycle at one time as a combination of at most three phases: c(t) = sum_q wc[q] c_{k[q]}, dc/dt = sum_q wd[q] c_{k[q]}. */
typedef struct {
  PetscInt  n, k[3];
  PetscReal wc[3], wd[3];
} HcSeasonalWeights;

static PetscReal HcSeasonalPhase_Private(const HcSeasonal *se, PetscReal t)
{
  PetscReal x = (t - se->origin) / se->period;

  x -= PetscFloorReal(x);
  return se->K * x;
}

static void HcSeasonalWeights_Private(const HcSeasonal *se, PetscReal t, HcSeasonalWeights *w)
{
  const PetscInt  K = se->K;
  const PetscReal s = HcSeasonalPhase_Private(se, t), near = PetscFloorReal(s + 0.5), rate = K / se->period;

  if (PetscAbsReal(s - near) <= HC_SEASONAL_SNAP) {
    const PetscInt k = ((PetscInt)near) % K;

    w->n     = 3;
    w->k[0]  = k;
    w->wc[0] = 1;
    w->wd[0] = 0;
    w->k[1]  = (k + 1) % K;
    w->wc[1] = 0;
    w->wd[1] = 0.5 * rate;
    w->k[2]  = (k + K - 1) % K;
    w->wc[2] = 0;
    w->wd[2] = -0.5 * rate;
  } else {
    const PetscInt  k = PetscMin((PetscInt)PetscFloorReal(s), K - 1);
    const PetscReal a = s - k;

    w->n     = 2;
    w->k[0]  = k;
    w->wc[0] = 1 - a;
    w->wd[0] = -rate;
    w->k[1]  = (k + 1) % K;
    w->wc[1] = a;
    w->wd[1] = rate;
  }
}

typedef enum { HC_SEASONAL_F, HC_SEASONAL_JV, HC_SEASONAL_JTW, HC_SEASONAL_PDTH, HC_SEASONAL_PTW } HcSeasonalProduct;

/* One sweep over this rank's active cells: out += F, J v, J^T w or (dF/dtheta) dtheta (out local or global); g += (dF/dtheta)^T
 * w. */
static PetscErrorCode HcSeasonalSweep_Private(HcTerm term, HcSeasonalProduct what, PetscReal t, Vec uloc, Vec in,
                                              const PetscReal dth[], Vec out, PetscReal g[])
{
  HcSeasonal         *se   = (HcSeasonal *)term->data;
  HcGrid              grid = term->grid;
  const PetscInt      nc = se->nc, ncell = se->ncell, nx = grid->nx;
  const PetscReal    *th = term->theta;
  const PetscScalar **mk, ***u = NULL, ***x = NULL;
  PetscScalar      ***y = NULL;
  HcSeasonalWeights   w;
  PetscReal           r[HC_MAX_FIELDS];

  PetscFunctionBegin;
  HcSeasonalWeights_Private(se, t, &w);
  for (PetscInt f = 0; f < nc; f++) r[f] = PetscExpReal(th[f]);
  PetscCall(DMDAVecGetArrayRead(grid->da1, grid->maskloc, &mk));
  if (uloc) PetscCall(DMDAVecGetArrayDOFRead(grid->da, uloc, &u));
  if (in) PetscCall(DMDAVecGetArrayDOFRead(grid->da, in, &x));
  if (out) PetscCall(DMDAVecGetArrayDOF(grid->da, out, &y));
  for (PetscInt j = grid->ys; j < grid->ys + grid->ym; j++)
    for (PetscInt i = grid->xs; i < grid->xs + grid->xm; i++) {
      const PetscInt cell = j * nx + i;

      if (mk[j][i] == 0) continue;
      for (PetscInt f = 0; f < nc; f++) {
        PetscInt  idx[3];
        PetscReal cv = 0, dv = 0;

        for (PetscInt q = 0; q < w.n; q++) {
          idx[q] = nc + (w.k[q] * nc + f) * ncell + cell;
          cv += w.wc[q] * th[idx[q]];
          dv += w.wd[q] * th[idx[q]];
        }
        switch (what) {
          case HC_SEASONAL_F: y[j][i][f] += dv - r[f] * (PetscRealPart(u[j][i][f]) - cv); break;
          case HC_SEASONAL_JV:
          case HC_SEASONAL_JTW: y[j][i][f] += -r[f] * PetscRealPart(x[j][i][f]); break;
          case HC_SEASONAL_PDTH: {
            PetscReal s = -r[f] * (PetscRealPart(u[j][i][f]) - cv) * dth[f];

            for (PetscInt q = 0; q < w.n; q++) s += (w.wd[q] + r[f] * w.wc[q]) * dth[idx[q]];
            y[j][i][f] += s;
          } break;
          case HC_SEASONAL_PTW: {
            const PetscReal wv = PetscRealPart(x[j][i][f]);

            g[f] += -r[f] * (PetscRealPart(u[j][i][f]) - cv) * wv;
            for (PetscInt q = 0; q < w.n; q++) g[idx[q]] += (w.wd[q] + r[f] * w.wc[q]) * wv;
          } break;
        }
      }
    }
  if (out) PetscCall(DMDAVecRestoreArrayDOF(grid->da, out, &y));
  if (in) PetscCall(DMDAVecRestoreArrayDOFRead(grid->da, in, &x));
  if (uloc) PetscCall(DMDAVecRestoreArrayDOFRead(grid->da, uloc, &u));
  PetscCall(DMDAVecRestoreArrayRead(grid->da1, grid->maskloc, &mk));
  PetscCall(PetscLogFlops((what == HC_SEASONAL_JV || what == HC_SEASONAL_JTW ? 2.0 : 12.0) * nc * grid->xm * grid->ym));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermApply_Seasonal(HcTerm term, PetscReal t, Vec uloc, Vec f)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscCall(HcSeasonalSweep_Private(term, HC_SEASONAL_F, t, uloc, NULL, NULL, f, NULL));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermLinearize_Seasonal(HcTerm term, PetscReal t, Vec uloc)
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  se->ulin = uloc;
  se->tlin = t;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermJacobian_Seasonal(HcTerm term, Vec vloc, Vec y)
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_JACOBIAN], 0, 0, 0, 0));
  PetscCall(HcSeasonalSweep_Private(term, HC_SEASONAL_JV, se->tlin, NULL, vloc, NULL, y, NULL));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_JACOBIAN], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermJacobianTranspose_Seasonal(HcTerm term, Vec wloc, Vec yloc)
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_JACOBIAN_T], 0, 0, 0, 0));
  PetscCall(HcSeasonalSweep_Private(term, HC_SEASONAL_JTW, se->tlin, NULL, wloc, NULL, yloc, NULL));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_JACOBIAN_T], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermParamJacobian_Seasonal(HcTerm term, const PetscReal dtheta[], Vec y)
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_PARAM_JACOBIAN], 0, 0, 0, 0));
  PetscCall(HcSeasonalSweep_Private(term, HC_SEASONAL_PDTH, se->tlin, se->ulin, NULL, dtheta, y, NULL));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_PARAM_JACOBIAN], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermParamJacobianTranspose_Seasonal(HcTerm term, Vec wloc, PetscReal g[])
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_PARAM_JACOBIAN_T], 0, 0, 0, 0));
  PetscCall(HcSeasonalSweep_Private(term, HC_SEASONAL_PTW, se->tlin, se->ulin, wloc, NULL, NULL, g));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_PARAM_JACOBIAN_T], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* J = -r on every active cell: a decay rate, on the negative real axis. */
static PetscErrorCode HcTermEstimateRates_Seasonal(HcTerm term, PetscReal *radv, PetscReal *rdif)
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  *radv = 0;
  *rdif = 0;
  for (PetscInt f = 0; f < se->nc; f++) *rdif = PetscMax(*rdif, PetscExpReal(term->theta[f]));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermSetFromOptions_Seasonal(HcTerm term, PetscOptionItems *PetscOptionsObject)
{
  HcSeasonal *se  = (HcSeasonal *)term->data;
  const char *pre = term->prefix ? term->prefix : "";
  PetscInt    n   = HC_MAX_FIELDS;
  PetscBool   flg;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Newtonian restoring to a seasonal cycle (seasonal)");
  PetscCall(PetscOptionsInt("-seasonal_phases", "Values of the cycle per cell and period (equally spaced phases; 12: monthly)",
                            "HcTermSeasonalSetPhases", se->K, &se->K, NULL));
  PetscCheck(se->K >= 1, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%sseasonal_phases must be >= 1, got %" PetscInt_FMT, pre, se->K);
  PetscCall(PetscOptionsReal("-seasonal_period", "Period P of the cycle (model time units; default 365.25 days in seconds)",
                             "HcTermSeasonalSetPhases", se->period, &se->period, NULL));
  PetscCheck(se->period > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "-%sseasonal_period must be positive, got %g", pre,
             (double)se->period);
  PetscCall(
      PetscOptionsReal("-seasonal_origin", "Model time t0 of phase 0", "HcTermSeasonalSetPhases", se->origin, &se->origin, NULL));
  PetscCall(PetscOptionsRealArray("-seasonal_rate",
                                  "Initial restoring rate r > 0 (1/time): one value for every field or one per field (default "
                                  "1/(90 days) in 1/s); learned as log r",
                                  "HcTermSeasonalSetRate", se->rinit, &n, &flg));
  if (flg) {
    PetscCheck(n == 1 || n == term->grid->nc, term->comm, PETSC_ERR_ARG_SIZ,
               "-%sseasonal_rate: give 1 value or one per field (%" PetscInt_FMT "), got %" PetscInt_FMT, pre, term->grid->nc, n);
    se->nrinit = n;
  }
  for (PetscInt f = 0; f < se->nrinit; f++)
    PetscCheck(se->rinit[f] > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-%sseasonal_rate must be positive (it is learned as log r), got %g", pre, (double)se->rinit[f]);
  PetscCall(PetscOptionsBool("-seasonal_learn_cycle",
                             "Train the cycle values too (0: only the rates; the cycle keeps its initial values, from the data)",
                             "HcTermSeasonalSetLearnCycle", se->learncycle, &se->learncycle, NULL));
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

/* Training holds the cycle values fixed unless they are learned. */
static PetscErrorCode HcSeasonalSetFixed_Private(HcTerm term)
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  PetscCall(PetscFree(term->fixed));
  if (se->learncycle) PetscFunctionReturn(0);
  PetscCall(PetscCalloc1(term->nparam, &term->fixed));
  for (PetscInt p = se->nc; p < term->nparam; p++) term->fixed[p] = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermSetUp_Seasonal(HcTerm term)
{
  HcSeasonal *se = (HcSeasonal *)term->data;
  HcGrid      g  = term->grid;
  char        name[256];

  PetscFunctionBegin;
  se->nc    = g->nc;
  se->ncell = g->nx * g->ny;
  PetscCall(HcTermSetNumParameters_Private(term, se->nc + se->K * se->nc * se->ncell));
  for (PetscInt f = 0; f < se->nc; f++) {
    const PetscReal r = se->rinit[se->nrinit == 1 ? 0 : f];

    PetscCheck(r > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "HcTerm '%s': the restoring rate of field %s must be positive (it is learned as log r), got %g", term->name,
               g->fieldnames[f], (double)r);
    term->theta[f] = PetscLogReal(r);
    PetscCall(PetscSNPrintf(name, sizeof(name), "log_rate_%s", g->fieldnames[f]));
    PetscCall(HcTermSetParameterName_Private(term, f, name));
  }
  for (PetscInt k = 0; k < se->K; k++)
    for (PetscInt f = 0; f < se->nc; f++)
      for (PetscInt j = 0; j < g->ny; j++)
        for (PetscInt i = 0; i < g->nx; i++) {
          PetscCall(PetscSNPrintf(name, sizeof(name), "cycle_%s[%" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT "]",
                                  g->fieldnames[f], k, j, i));
          PetscCall(HcTermSetParameterName_Private(term, se->nc + (k * se->nc + f) * se->ncell + j * g->nx + i, name));
        }
  term->nreport = se->nc; /* the rates; not the cycle values */
  PetscCall(HcSeasonalSetFixed_Private(term));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermParametersChanged_Seasonal(HcTerm term)
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  for (PetscInt f = 0; f < se->nc; f++)
    PetscCheck(PetscIsNormalReal(PetscExpReal(term->theta[f])), term->comm, PETSC_ERR_FP,
               "HcTerm '%s': the restoring rate exp(%s) = exp(%g) is not a positive finite number", term->name,
               term->paramnames[f], (double)term->theta[f]);
  for (PetscInt p = se->nc; p < term->nparam; p++)
    PetscCheck(!PetscIsInfOrNanReal(term->theta[p]), term->comm, PETSC_ERR_FP, "HcTerm '%s': parameter %s is not finite",
               term->name, term->paramnames[p]);
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermView_Seasonal(HcTerm term, PetscViewer viewer)
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "restoring to a seasonal cycle: F = mask (dc/dt - r (u - c(t))), r = exp(rho)\n"));
  PetscCall(PetscViewerASCIIPrintf(
      viewer, "cycle: %" PetscInt_FMT " phases per period %g, origin %g, piecewise linear; %s per cell\n", se->K,
      (double)se->period, (double)se->origin, se->learncycle ? "learned values" : "values held fixed in training"));
  if (term->setupcalled) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "rates:"));
    PetscCall(PetscViewerASCIIUseTabs(viewer, PETSC_FALSE));
    for (PetscInt f = 0; f < se->nc; f++) {
      const PetscReal r = PetscExpReal(term->theta[f]);

      PetscCall(PetscViewerASCIIPrintf(viewer, " %s %g (1/r = %g)", term->grid->fieldnames[f], (double)r, (double)(1 / r)));
    }
    PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
    PetscCall(PetscViewerASCIIUseTabs(viewer, PETSC_TRUE));
  }
  PetscFunctionReturn(0);
}

/* The cycle's shape; the rates and values are parameters, stored with them. */
static PetscErrorCode HcTermArchitecture_Seasonal(HcTerm term, char buf[], size_t len)
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "-seasonal_phases %" PetscInt_FMT " -seasonal_period %.17g -seasonal_origin %.17g", se->K,
                          (double)se->period, (double)se->origin));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermDestroy_Seasonal(HcTerm term)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(term->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermInitializeFromStates_Seasonal(HcTerm, PetscInt, const PetscReal[], const Vec[], const char **, char[],
                                                          size_t);

PetscErrorCode HcTermCreate_Seasonal(HcTerm term)
{
  HcSeasonal *se;

  PetscFunctionBegin;
  PetscCall(PetscNew(&se));
  se->K           = 12;
  se->period      = 365.25 * 86400;
  se->origin      = 0;
  se->rinit[0]    = 1 / (90 * 86400.0);
  se->nrinit      = 1;
  se->learncycle  = PETSC_TRUE;
  term->data      = se;
  term->learned   = PETSC_FALSE; /* known physics: APHYNITY's penalty leaves it alone */
  term->gridbound = PETSC_TRUE;
  if (!term->name) PetscCall(PetscStrallocpy("seasonal", &term->name));
  term->ops = (HcTermOps){.setfromoptions         = HcTermSetFromOptions_Seasonal,
                          .setup                  = HcTermSetUp_Seasonal,
                          .view                   = HcTermView_Seasonal,
                          .destroy                = HcTermDestroy_Seasonal,
                          .parameterschanged      = HcTermParametersChanged_Seasonal,
                          .apply                  = HcTermApply_Seasonal,
                          .linearize              = HcTermLinearize_Seasonal,
                          .jacobian               = HcTermJacobian_Seasonal,
                          .jacobiantranspose      = HcTermJacobianTranspose_Seasonal,
                          .paramjacobian          = HcTermParamJacobian_Seasonal,
                          .paramjacobiantranspose = HcTermParamJacobianTranspose_Seasonal,
                          .estimaterates          = HcTermEstimateRates_Seasonal,
                          .architecture           = HcTermArchitecture_Seasonal,
                          .initfromstates         = HcTermInitializeFromStates_Seasonal};
  PetscFunctionReturn(0);
}

/*@C
  HcTermSeasonalSetPhases - K values of the cycle per cell and period, the period P and the model time t0 of phase 0
  (before HcTermSetUp()).
@*/
PetscErrorCode HcTermSeasonalSetPhases(HcTerm term, PetscInt K, PetscReal period, PetscReal origin)
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMSEASONAL));
  PetscCheck(!term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': set the phases before HcTermSetUp()", term->name);
  PetscCheck(K >= 1, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTerm '%s': the number of phases must be >= 1, got %" PetscInt_FMT,
             term->name, K);
  PetscCheck(period > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTerm '%s': the period must be positive, got %g", term->name,
             (double)period);
  se->K      = K;
  se->period = period;
  se->origin = origin;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermSeasonalGetPhases(HcTerm term, PetscInt *K, PetscReal *period, PetscReal *origin)
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMSEASONAL));
  if (K) *K = se->K;
  if (period) *period = se->period;
  if (origin) *origin = se->origin;
  PetscFunctionReturn(0);
}

/*@C
  HcTermSeasonalSetRate - initial restoring rates r > 0: one for every field (n = 1) or one per field (before HcTermSetUp()).
@*/
PetscErrorCode HcTermSeasonalSetRate(HcTerm term, PetscInt n, const PetscReal r[])
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMSEASONAL));
  PetscCheck(!term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': set the initial rates before HcTermSetUp()",
             term->name);
  PetscCheck(n >= 1 && n <= HC_MAX_FIELDS, term->comm, PETSC_ERR_ARG_SIZ, "HcTerm '%s': give 1 rate or one per field",
             term->name);
  for (PetscInt f = 0; f < n; f++) {
    PetscCheck(r[f] > 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTerm '%s': restoring rates must be positive, got %g",
               term->name, (double)r[f]);
    se->rinit[f] = r[f];
  }
  se->nrinit = n;
  PetscFunctionReturn(0);
}

/*@C
  HcTermSeasonalSetLearnCycle - whether training fits the cycle values too (default) or only the rates.
@*/
PetscErrorCode HcTermSeasonalSetLearnCycle(HcTerm term, PetscBool flg)
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMSEASONAL));
  se->learncycle = flg;
  if (term->setupcalled) PetscCall(HcSeasonalSetFixed_Private(term));
  PetscFunctionReturn(0);
}

/*@C
  HcTermSeasonalGetPhase - the phase s = K frac((t - t0) / P) in [0, K) of model time t.
@*/
PetscErrorCode HcTermSeasonalGetPhase(HcTerm term, PetscReal t, PetscReal *s)
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMSEASONAL));
  *s = HcSeasonalPhase_Private((HcSeasonal *)term->data, t);
  PetscFunctionReturn(0);
}

/*@C
  HcTermSeasonalEvaluateCycle - the cycle c(t) and its rate of change dc/dt (either may be NULL) on the active cells
  (0 on land), global vectors of the term's grid.
@*/
PetscErrorCode HcTermSeasonalEvaluateCycle(HcTerm term, PetscReal t, Vec c, Vec dcdt)
{
  HcSeasonal         *se = (HcSeasonal *)term->data;
  HcGrid              g  = term->grid;
  HcSeasonalWeights   w;
  PetscScalar      ***cc = NULL, ***dd = NULL;
  const PetscScalar **mk;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMSEASONAL));
  PetscCheck(term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': call HcTermSetUp() first", term->name);
  HcSeasonalWeights_Private(se, t, &w);
  PetscCall(DMDAVecGetArrayRead(g->da1, g->mask, &mk));
  if (c) PetscCall(DMDAVecGetArrayDOF(g->da, c, &cc));
  if (dcdt) PetscCall(DMDAVecGetArrayDOF(g->da, dcdt, &dd));
  for (PetscInt j = g->ys; j < g->ys + g->ym; j++)
    for (PetscInt i = g->xs; i < g->xs + g->xm; i++)
      for (PetscInt f = 0; f < se->nc; f++) {
        PetscReal cv = 0, dv = 0;

        if (mk[j][i] != 0)
          for (PetscInt q = 0; q < w.n; q++) {
            const PetscReal v = term->theta[se->nc + (w.k[q] * se->nc + f) * se->ncell + j * g->nx + i];

            cv += w.wc[q] * v;
            dv += w.wd[q] * v;
          }
        if (cc) cc[j][i][f] = cv;
        if (dd) dd[j][i][f] = dv;
      }
  if (dcdt) PetscCall(DMDAVecRestoreArrayDOF(g->da, dcdt, &dd));
  if (c) PetscCall(DMDAVecRestoreArrayDOF(g->da, c, &cc));
  PetscCall(DMDAVecRestoreArrayRead(g->da1, g->mask, &mk));
  PetscFunctionReturn(0);
}

/*@C
  HcTermSeasonalSetCycleFromStates - initialise the cycle from observed states u[0..n) at model times t[0..n) (the same
  on every rank): c_k is the mean of the states whose phase s is nearest to k (with monthly data and 12 phases, one
  calendar month per phase); a phase that no state is nearest to gets the mean of all n states, and a line says so.
  Land cells get 0; the rates are left alone.  count (may be NULL) receives the number of states of each of the K phases.
@*/
PetscErrorCode HcTermSeasonalSetCycleFromStates(HcTerm term, PetscInt n, const PetscReal t[], const Vec u[], PetscInt count[])
{
  HcSeasonal         *se = (HcSeasonal *)term->data;
  HcGrid              g  = term->grid;
  const PetscInt      K = se->K, nc = se->nc, ncell = se->ncell, nblock = nc * ncell;
  PetscInt           *cnt, nempty = 0;
  PetscReal          *sum, *theta;
  const PetscScalar **mk;
  char                empty[1024] = "";

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMSEASONAL));
  PetscCheck(term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': call HcTermSetUp() first", term->name);
  PetscCheck(n >= 1, term->comm, PETSC_ERR_ARG_SIZ, "HcTerm '%s': the seasonal cycle needs at least one state", term->name);
  /* phase blocks 0..K-1, then the sum over every state */
  PetscCall(PetscCalloc1((K + 1) * nblock, &sum));
  PetscCall(PetscCalloc1(K, &cnt));
  PetscCall(PetscMalloc1(term->nparam, &theta));
  PetscCall(DMDAVecGetArrayRead(g->da1, g->mask, &mk));
  for (PetscInt s = 0; s < n; s++) {
    const PetscReal      ph = HcSeasonalPhase_Private(se, t[s]);
    const PetscInt       k  = ((PetscInt)PetscFloorReal(ph + 0.5)) % K;
    const PetscScalar ***a;

    cnt[k]++;
    PetscCall(DMDAVecGetArrayDOFRead(g->da, u[s], &a));
    for (PetscInt j = g->ys; j < g->ys + g->ym; j++)
      for (PetscInt i = g->xs; i < g->xs + g->xm; i++)
        if (mk[j][i] != 0)
          for (PetscInt f = 0; f < nc; f++) {
            const PetscReal v = PetscRealPart(a[j][i][f]);

            sum[k * nblock + f * ncell + j * g->nx + i] += v;
            sum[K * nblock + f * ncell + j * g->nx + i] += v;
          }
    PetscCall(DMDAVecRestoreArrayDOFRead(g->da, u[s], &a));
  }
  PetscCall(DMDAVecRestoreArrayRead(g->da1, g->mask, &mk));
  /* every cell is summed by one rank: the reduction adds zeros, so the result does not depend on the rank count */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sum, (PetscMPIInt)((K + 1) * nblock), MPIU_REAL, MPI_SUM, term->comm));
  PetscCall(PetscArraycpy(theta, term->theta, nc));
  for (PetscInt k = 0; k < K; k++) {
    const PetscReal *src = cnt[k] ? sum + k * nblock : sum + K * nblock;
    const PetscReal  div = cnt[k] ? (PetscReal)cnt[k] : (PetscReal)n;

    for (PetscInt q = 0; q < nblock; q++) theta[nc + k * nblock + q] = src[q] / div;
    if (!cnt[k]) {
      char item[32];

      PetscCall(PetscSNPrintf(item, sizeof(item), "%s%" PetscInt_FMT, nempty ? "," : "", k));
      PetscCall(PetscStrlcat(empty, item, sizeof(empty)));
      nempty++;
    }
    if (count) count[k] = cnt[k];
  }
  if (nempty)
    PetscCall(PetscPrintf(term->comm,
                          "HcTerm '%s': no state falls on phase(s) %s of %" PetscInt_FMT
                          ": their cycle values are the mean of all %" PetscInt_FMT " states\n",
                          term->name, empty, K, n));
  PetscCall(HcTermSetParameters(term, theta));
  PetscCall(PetscFree(theta));
  PetscCall(PetscFree(cnt));
  PetscCall(PetscFree(sum));
  PetscFunctionReturn(0);
}

/* before training: the cycle from the training states */
static PetscErrorCode HcTermInitializeFromStates_Seasonal(HcTerm term, PetscInt n, const PetscReal t[], const Vec u[],
                                                          const char **what, char detail[], size_t len)
{
  HcSeasonal *se = (HcSeasonal *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermInitializeCycle_Private(term, se->K, HcTermSeasonalSetCycleFromStates, n, t, u, detail, len));
  *what = "seasonal cycle";
  PetscFunctionReturn(0);
}
