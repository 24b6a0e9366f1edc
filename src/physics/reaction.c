/* Pointwise reactions F(u; theta), the same law in every active cell (land cells get 0):

     fhn        FitzHugh-Nagumo (2 fields u, v):  F_u = u - u^3 - v - k,        F_v = eps (u - v)          theta = (k, eps)
     grayscott  Gray-Scott (2 fields u, v):       F_u = -u v^2 + f (1 - u),     F_v = u v^2 - (f + kill) v  theta = (f, kill)
     logistic   logistic source (any fields):     F_c = rate u_c (1 - u_c / capacity)                      theta = (rate,
   capacity)

   They are the hidden terms of synthetic datasets (hycast generate) and can serve as known physics.  All products are
   local to a cell: J v and J^T w use the 2 x 2 (or diagonal) Jacobian at the linearisation point, the parameter products
   the nc x 2 matrix dF/dtheta. */
#include <hycast/private/termimpl.h>

const char *const HcReactionTypes[] = {"fhn", "grayscott", "logistic", "HcReactionType", "HC_REACTION_", NULL};

#define HC_REACTION_MAX_FIELDS 16
#define HC_REACTION_NPARAM     2

typedef struct {
  HcReactionType type;
  PetscInt       nc;
  PetscReal      init[HC_REACTION_NPARAM];
  Vec            ulin; /* linearisation point (local, borrowed) */
} HcReaction;

static const char *const HcReactionParamNames[][HC_REACTION_NPARAM] = {
    {"fhn_k", "fhn_eps"}, {"gs_feed", "gs_kill"}, {"logistic_rate", "logistic_capacity"}};
static const PetscReal HcReactionDefaults[][HC_REACTION_NPARAM] = {{5e-3, 1}, {0.04, 0.06}, {1, 1}};

/* F, dF/du (row-major nc x nc) and dF/dtheta (row-major nc x 2) at one cell; J or P may be NULL. */
static inline void HcReactionPoint(HcReactionType type, PetscInt nc, const PetscReal th[], const PetscReal u[], PetscReal F[],
                                   PetscReal J[], PetscReal P[])
{
  switch (type) {
    case HC_REACTION_FHN: {
      const PetscReal a = u[0], b = u[1], k = th[0], eps = th[1];

      F[0] = a - a * a * a - b - k;
      F[1] = eps * (a - b);
      if (J) {
        J[0] = 1 - 3 * a * a;
        J[1] = -1;
        J[2] = eps;
        J[3] = -eps;
      }
      if (P) {
        P[0] = -1;
        P[1] = 0;
        P[2] = 0;
        P[3] = a - b;
      }
    } break;
    case HC_REACTION_GRAYSCOTT: {
      const PetscReal a = u[0], b = u[1], f = th[0], kill = th[1];

      F[0] = -a * b * b + f * (1 - a);
      F[1] = a * b * b - (f + kill) * b;
      if (J) {
        J[0] = -b * b - f;
        J[1] = -2 * a * b;
        J[2] = b * b;
        J[3] = 2 * a * b - (f + kill);
      }
      if (P) {
        P[0] = 1 - a;
        P[1] = 0;
        P[2] = -b;
        P[3] = -b;
      }
    } break;
    case HC_REACTION_LOGISTIC: {
      const PetscReal rate = th[0], cap = th[1];

      if (J)
        for (PetscInt q = 0; q < nc * nc; q++) J[q] = 0;
      for (PetscInt c = 0; c < nc; c++) {
        const PetscReal x = u[c];

        F[c] = rate * x * (1 - x / cap);
        if (J) J[c * nc + c] = rate * (1 - 2 * x / cap);
        if (P) {
          P[2 * c]     = x * (1 - x / cap);
          P[2 * c + 1] = rate * x * x / (cap * cap);
        }
      }
    } break;
  }
}

typedef enum { HC_REACTION_F, HC_REACTION_JV, HC_REACTION_JTW, HC_REACTION_PDTH, HC_REACTION_PTW } HcReactionProduct;

/* One sweep over this rank's active cells for every product: out += F(u), J v, J^T w or (dF/dtheta) dtheta (out may be a
   local or a global vector); g += (dF/dtheta)^T w. */
static PetscErrorCode HcReactionSweep_Private(HcTerm term, HcReactionProduct what, Vec uloc, Vec in, const PetscReal dth[],
                                              Vec out, PetscReal g[])
{
  HcReaction         *re   = (HcReaction *)term->data;
  HcGrid              grid = term->grid;
  const PetscInt      nc   = re->nc;
  const PetscScalar **mk, ***u, ***x = NULL;
  PetscScalar      ***y = NULL;
  PetscReal           uu[HC_REACTION_MAX_FIELDS], F[HC_REACTION_MAX_FIELDS], J[HC_REACTION_MAX_FIELDS * HC_REACTION_MAX_FIELDS],
      P[2 * HC_REACTION_MAX_FIELDS];
  PetscBool needJ = what == HC_REACTION_JV || what == HC_REACTION_JTW ? PETSC_TRUE : PETSC_FALSE;
  PetscBool needP = what == HC_REACTION_PDTH || what == HC_REACTION_PTW ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(DMDAVecGetArrayRead(grid->da1, grid->maskloc, &mk));
  PetscCall(DMDAVecGetArrayDOFRead(grid->da, uloc, &u));
  if (in) PetscCall(DMDAVecGetArrayDOFRead(grid->da, in, &x));
  if (out) PetscCall(DMDAVecGetArrayDOF(grid->da, out, &y));
  for (PetscInt j = grid->ys; j < grid->ys + grid->ym; j++)
    for (PetscInt i = grid->xs; i < grid->xs + grid->xm; i++) {
      if (mk[j][i] == 0) continue;
      for (PetscInt c = 0; c < nc; c++) uu[c] = PetscRealPart(u[j][i][c]);
      HcReactionPoint(re->type, nc, term->theta, uu, F, needJ ? J : NULL, needP ? P : NULL);
      for (PetscInt c = 0; c < nc; c++) {
        PetscReal s = 0;

        switch (what) {
          case HC_REACTION_F: s = F[c]; break;
          case HC_REACTION_JV:
            for (PetscInt d = 0; d < nc; d++) s += J[c * nc + d] * PetscRealPart(x[j][i][d]);
            break;
          case HC_REACTION_JTW:
            for (PetscInt d = 0; d < nc; d++) s += J[d * nc + c] * PetscRealPart(x[j][i][d]);
            break;
          case HC_REACTION_PDTH: s = P[2 * c] * dth[0] + P[2 * c + 1] * dth[1]; break;
          case HC_REACTION_PTW:
            g[0] += P[2 * c] * PetscRealPart(x[j][i][c]);
            g[1] += P[2 * c + 1] * PetscRealPart(x[j][i][c]);
            break;
        }
        if (y) y[j][i][c] += s;
      }
    }
  if (out) PetscCall(DMDAVecRestoreArrayDOF(grid->da, out, &y));
  if (in) PetscCall(DMDAVecRestoreArrayDOFRead(grid->da, in, &x));
  PetscCall(DMDAVecRestoreArrayDOFRead(grid->da, uloc, &u));
  PetscCall(DMDAVecRestoreArrayRead(grid->da1, grid->maskloc, &mk));
  PetscCall(PetscLogFlops(10.0 * nc * grid->xm * grid->ym));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermApply_Reaction(HcTerm term, PetscReal t, Vec uloc, Vec f)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscCall(HcReactionSweep_Private(term, HC_REACTION_F, uloc, NULL, NULL, f, NULL));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermLinearize_Reaction(HcTerm term, PetscReal t, Vec uloc)
{
  PetscFunctionBegin;
  ((HcReaction *)term->data)->ulin = uloc;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermJacobian_Reaction(HcTerm term, Vec vloc, Vec y)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_JACOBIAN], 0, 0, 0, 0));
  PetscCall(HcReactionSweep_Private(term, HC_REACTION_JV, ((HcReaction *)term->data)->ulin, vloc, NULL, y, NULL));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_JACOBIAN], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermJacobianTranspose_Reaction(HcTerm term, Vec wloc, Vec yloc)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_JACOBIAN_T], 0, 0, 0, 0));
  PetscCall(HcReactionSweep_Private(term, HC_REACTION_JTW, ((HcReaction *)term->data)->ulin, wloc, NULL, yloc, NULL));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_JACOBIAN_T], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermParamJacobian_Reaction(HcTerm term, const PetscReal dtheta[], Vec y)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_PARAM_JACOBIAN], 0, 0, 0, 0));
  PetscCall(HcReactionSweep_Private(term, HC_REACTION_PDTH, ((HcReaction *)term->data)->ulin, NULL, dtheta, y, NULL));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_PARAM_JACOBIAN], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermParamJacobianTranspose_Reaction(HcTerm term, Vec wloc, PetscReal g[])
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_PARAM_JACOBIAN_T], 0, 0, 0, 0));
  PetscCall(HcReactionSweep_Private(term, HC_REACTION_PTW, ((HcReaction *)term->data)->ulin, wloc, NULL, NULL, g));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_PARAM_JACOBIAN_T], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Gershgorin bound of the reaction Jacobian for states of order one (|u| <= 1; 0 <= u <= capacity for the logistic law):
   the rates are state dependent, so this is an estimate for the step-size choice, not a guarantee. */
static PetscErrorCode HcTermEstimateRates_Reaction(HcTerm term, PetscReal *radv, PetscReal *rdif)
{
  HcReaction     *re = (HcReaction *)term->data;
  const PetscReal a = term->theta[0], b = term->theta[1];

  PetscFunctionBegin;
  *radv = 0;
  switch (re->type) {
    case HC_REACTION_FHN: *rdif = PetscMax(3, 2 * PetscAbsReal(b)); break;
    case HC_REACTION_GRAYSCOTT: *rdif = 3 + PetscAbsReal(a) + PetscAbsReal(b); break;
    case HC_REACTION_LOGISTIC: *rdif = PetscAbsReal(a); break;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermSetFromOptions_Reaction(HcTerm term, PetscOptionItems *PetscOptionsObject)
{
  HcReaction *re = (HcReaction *)term->data;
  char        opt[64], help[256];

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Pointwise reaction (reaction)");
  PetscCall(PetscOptionsEnum("-reaction_type", "Reaction law: fhn (FitzHugh-Nagumo), grayscott, logistic",
                             "HcTermReactionSetType", HcReactionTypes, (PetscEnum)re->type, (PetscEnum *)&re->type, NULL));
  for (int k = 0; k < HC_REACTION_NPARAM; k++) {
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-reaction_%s", HcReactionParamNames[re->type][k]));
    PetscCall(PetscSNPrintf(help, sizeof(help), "Initial value of the %s parameter %s", HcReactionTypes[re->type],
                            HcReactionParamNames[re->type][k]));
    re->init[k] = HcReactionDefaults[re->type][k];
    PetscCall(PetscOptionsReal(opt, help, "HcTermSetParameters", re->init[k], &re->init[k], NULL));
  }
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermSetUp_Reaction(HcTerm term)
{
  HcReaction *re = (HcReaction *)term->data;

  PetscFunctionBegin;
  re->nc = term->grid->nc;
  PetscCheck(re->type == HC_REACTION_LOGISTIC || re->nc == 2, term->comm, PETSC_ERR_ARG_INCOMP,
             "HcTerm '%s': the %s reaction needs exactly 2 fields (u, v), the grid has %" PetscInt_FMT, term->name,
             HcReactionTypes[re->type], re->nc);
  PetscCheck(re->nc <= HC_REACTION_MAX_FIELDS, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTerm '%s': at most %d fields", term->name,
             HC_REACTION_MAX_FIELDS);
  PetscCheck(re->type != HC_REACTION_LOGISTIC || re->init[1] != 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcTerm '%s': the logistic capacity must not be 0", term->name);
  PetscCall(HcTermSetNumParameters_Private(term, HC_REACTION_NPARAM));
  for (int k = 0; k < HC_REACTION_NPARAM; k++) {
    term->theta[k] = re->init[k];
    PetscCall(HcTermSetParameterName_Private(term, k, HcReactionParamNames[re->type][k]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermParametersChanged_Reaction(HcTerm term)
{
  HcReaction *re = (HcReaction *)term->data;

  PetscFunctionBegin;
  for (int k = 0; k < HC_REACTION_NPARAM; k++)
    PetscCheck(!PetscIsInfOrNanReal(term->theta[k]), term->comm, PETSC_ERR_FP, "HcTerm '%s': parameter %s is not finite",
               term->name, term->paramnames[k]);
  PetscCheck(re->type != HC_REACTION_LOGISTIC || term->theta[1] != 0, term->comm, PETSC_ERR_FP,
             "HcTerm '%s': the logistic capacity is 0", term->name);
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermView_Reaction(HcTerm term, PetscViewer viewer)
{
  HcReaction              *re    = (HcReaction *)term->data;
  static const char *const law[] = {"F_u = u - u^3 - v - k, F_v = eps (u - v)",
                                    "F_u = -u v^2 + f (1 - u), F_v = u v^2 - (f + kill) v",
                                    "F_c = rate u_c (1 - u_c / capacity)"};

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "%s reaction: %s\n", HcReactionTypes[re->type], law[re->type]));
  if (term->setupcalled)
    for (int k = 0; k < HC_REACTION_NPARAM; k++)
      PetscCall(PetscViewerASCIIPrintf(viewer, "%s = %g\n", term->paramnames[k], (double)term->theta[k]));
  PetscFunctionReturn(0);
}

/* The law; its parameters are the term's parameters, stored with them. */
static PetscErrorCode HcTermArchitecture_Reaction(HcTerm term, char buf[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "-reaction_type %s", HcReactionTypes[((HcReaction *)term->data)->type]));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermDestroy_Reaction(HcTerm term)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(term->data));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermCreate_Reaction(HcTerm term)
{
  HcReaction *re;

  PetscFunctionBegin;
  PetscCall(PetscNew(&re));
  re->type = HC_REACTION_FHN;
  for (int k = 0; k < HC_REACTION_NPARAM; k++) re->init[k] = HcReactionDefaults[re->type][k];
  term->data = re;
  if (!term->name) PetscCall(PetscStrallocpy("reaction", &term->name));
  term->ops = (HcTermOps){.setfromoptions         = HcTermSetFromOptions_Reaction,
                          .setup                  = HcTermSetUp_Reaction,
                          .view                   = HcTermView_Reaction,
                          .destroy                = HcTermDestroy_Reaction,
                          .parameterschanged      = HcTermParametersChanged_Reaction,
                          .apply                  = HcTermApply_Reaction,
                          .linearize              = HcTermLinearize_Reaction,
                          .jacobian               = HcTermJacobian_Reaction,
                          .jacobiantranspose      = HcTermJacobianTranspose_Reaction,
                          .paramjacobian          = HcTermParamJacobian_Reaction,
                          .paramjacobiantranspose = HcTermParamJacobianTranspose_Reaction,
                          .estimaterates          = HcTermEstimateRates_Reaction,
                          .architecture           = HcTermArchitecture_Reaction};
  PetscFunctionReturn(0);
}

/*@C
  HcTermReactionSetType - the reaction law (before HcTermSetUp()); resets the initial parameters to the law's defaults.
@*/
PetscErrorCode HcTermReactionSetType(HcTerm term, HcReactionType type)
{
  HcReaction *re = (HcReaction *)term->data;

  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMREACTION));
  PetscCheck(!term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': set the reaction type before HcTermSetUp()",
             term->name);
  re->type = type;
  for (int k = 0; k < HC_REACTION_NPARAM; k++) re->init[k] = HcReactionDefaults[type][k];
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermReactionGetType(HcTerm term, HcReactionType *type)
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckType_Private(term, HCTERMREACTION));
  *type = ((HcReaction *)term->data)->type;
  PetscFunctionReturn(0);
}
