/* HcModel: du/dt = sum of terms, their parameters packed into one vector, integrated by a PETSc TS (explicit RK). */
#include <complex.h>
#include <hycast/private/modelimpl.h>
#include <hycast/private/termimpl.h>

const char *const HcTermSelections[] = {"all", "physics", "learned", "environment", "HcTermSelection", "HC_TERMS_", NULL};

PetscErrorCode HcModelCreate(HcGrid grid, HcModel *model)
{
  HcModel m;

  PetscFunctionBegin;
  PetscCall(HcInitializePackage());
  PetscCheck(grid->setupcalled, grid->comm, PETSC_ERR_ORDER, "HcModelCreate: set up the grid first");
  PetscCall(PetscNew(&m));
  m->comm      = grid->comm;
  m->grid      = grid;
  m->tobs      = 1.0;
  m->env       = -1;
  m->cflcheck  = PETSC_TRUE;
  m->maxsub    = 10000;
  m->adjmemory = 4096;
  m->adjcache  = 100;
  m->cflsafety = 0.9;
  PetscCall(HcGridReference(grid));
  PetscCall(TSCreate(m->comm, &m->ts));
  PetscCall(TSSetType(m->ts, TSRK));
  PetscCall(TSRKSetType(m->ts, TSRK4));
  PetscCall(TSSetDM(m->ts, grid->da));
  PetscCall(TSSetApplicationContext(m->ts, m));
  PetscCall(TSSetProblemType(m->ts, TS_NONLINEAR));
  *model = m;
  PetscFunctionReturn(0);
}

/*@C
  HcModelAddTerm - add a term to the right-hand side; its parameters become the block named after the term.
@*/
PetscBool HcModelTermActive_Private(HcModel model, HcTerm term)
{
  if (term->env >= 0 && term->env != model->env) return PETSC_FALSE;
  if (model->selection == HC_TERMS_PHYSICS && term->learned) return PETSC_FALSE;
  if (model->selection == HC_TERMS_LEARNED && !term->learned) return PETSC_FALSE;
  if (model->selection == HC_TERMS_ENVIRONMENT && !(term->learned && term->env >= 0)) return PETSC_FALSE;
  return PETSC_TRUE;
}

PetscErrorCode HcModelAddTerm(HcModel model, HcTerm term)
{
  PetscFunctionBegin;
  PetscCheck(!model->setupcalled, model->comm, PETSC_ERR_ORDER, "HcModelAddTerm: add terms before HcModelSetUp()");
  PetscCheck(model->nterms < HC_MAX_TERMS, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcModel: at most %d terms", HC_MAX_TERMS);
  PetscCheck(term->grid == model->grid, model->comm, PETSC_ERR_ARG_INCOMP, "HcModelAddTerm: term '%s' lives on another grid",
             term->name);
  for (PetscInt k = 0; k < model->nterms; k++) {
    PetscBool same;

    PetscCall(PetscStrcmp(model->terms[k]->name, term->name, &same));
    PetscCheck(!same, model->comm, PETSC_ERR_ARG_WRONG,
               "HcModelAddTerm: the model already has a term named '%s' (use HcTermSetName())", term->name);
  }
  PetscCall(HcTermReference(term));
  model->terms[model->nterms++] = term;
  if (model->forcing) PetscCall(HcTermSetForcing(term, model->forcing));
  model->nenv = PetscMax(model->nenv, term->env + 1);
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelGetTerm(HcModel model, const char name[], HcTerm *term)
{
  PetscFunctionBegin;
  *term = NULL;
  for (PetscInt k = 0; k < model->nterms; k++) {
    PetscBool same;

    PetscCall(PetscStrcmp(model->terms[k]->name, name, &same));
    if (same) *term = model->terms[k];
  }
  PetscCheck(*term, model->comm, PETSC_ERR_ARG_WRONG, "HcModel: no term named '%s'", name);
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelGetNumTerms(HcModel model, PetscInt *n)
{
  PetscFunctionBegin;
  *n = model->nterms;
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelGetTermByIndex(HcModel model, PetscInt k, HcTerm *term)
{
  PetscFunctionBegin;
  PetscCheck(k >= 0 && k < model->nterms, model->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcModel: term %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", k, model->nterms);
  *term = model->terms[k];
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelGetNumEnvironments(HcModel model, PetscInt *n)
{
  PetscFunctionBegin;
  *n = model->nenv;
  PetscFunctionReturn(0);
}

/*@C
  HcModelSetEnvironment - evaluate the model for environment e: shared terms plus the terms of e (-1: shared only).
@*/
PetscErrorCode HcModelSetEnvironment(HcModel model, PetscInt e)
{
  PetscFunctionBegin;
  PetscCheck(e >= -1 && e < PetscMax(model->nenv, 1), model->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcModel: environment %" PetscInt_FMT " not in [-1, %" PetscInt_FMT ")", e, PetscMax(model->nenv, 1));
  if (e == model->env) PetscFunctionReturn(0);
  model->env       = e;
  model->stepvalid = PETSC_FALSE;
  model->linvalid  = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  HcModelSetForcing - run on the forcing of data environment k: every term driven by data (HcTermSetForcing(), e.g.
  advdiff with -physics_velocity_vars) uses the series given for k.  The trainer sets it to the environment of each
  window, the commands to the data they integrate; it is separate from HcModelSetEnvironment(), which selects learned
  terms (-1 with plain ERM).  Default 0.
@*/
PetscErrorCode HcModelSetForcing(HcModel model, PetscInt k)
{
  PetscFunctionBegin;
  PetscCheck(k >= 0, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcModel: forcing index must be >= 0, got %" PetscInt_FMT, k);
  if (k == model->forcing) PetscFunctionReturn(0);
  for (PetscInt q = 0; q < model->nterms; q++) PetscCall(HcTermSetForcing(model->terms[q], k));
  model->forcing   = k;
  model->stepvalid = PETSC_FALSE; /* the velocity bounds the stable step */
  model->linvalid  = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelGetForcing(HcModel model, PetscInt *k)
{
  PetscFunctionBegin;
  *k = model->forcing;
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelGetEnvironment(HcModel model, PetscInt *e)
{
  PetscFunctionBegin;
  *e = model->env;
  PetscFunctionReturn(0);
}

/*@C
  HcModelSetTermSelection - restrict the right-hand side and its products to the physics or to the learned terms
  (HC_TERMS_ALL to undo).  Time integration should use HC_TERMS_ALL.
@*/
PetscErrorCode HcModelSetTermSelection(HcModel model, HcTermSelection sel)
{
  PetscFunctionBegin;
  if (sel == model->selection) PetscFunctionReturn(0);
  model->selection = sel;
  model->linvalid  = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelSetOptionsPrefix(HcModel model, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(model->prefix));
  PetscCall(PetscStrallocpy(prefix, &model->prefix));
  PetscCall(TSSetOptionsPrefix(model->ts, prefix));
  PetscFunctionReturn(0);
}

/* With -help, the options of the term types the model does not have as well, marked as such: a user looking for
   -fno_width finds it, and learns that -model_terms must name fno for it to act. */
static PetscErrorCode HcModelHelpOtherTerms_Private(HcModel model)
{
  PetscBool    help;
  PetscInt     ntypes;
  char *const *types;

  PetscFunctionBegin;
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (!help) PetscFunctionReturn(0);
  PetscCall(HcTermGetRegisteredTypes_Private(&ntypes, &types));
  for (PetscInt k = 0; k < ntypes; k++) {
    PetscBool used = PETSC_FALSE;
    HcTerm    term;

    for (PetscInt q = 0; q < model->nterms && !used; q++) PetscCall(PetscStrcmp(model->terms[q]->type_name, types[k], &used));
    if (used) continue;
    PetscCall(HcTermCreate(model->grid, &term));
    PetscCall(HcTermSetType(term, types[k]));
    PetscCall(HcTermSetOptionsPrefix(term, model->prefix));
    PetscCall(HcTermSetFromOptionsTitled_Private(term, "; not in -model_terms, so not used"));
    PetscCall(HcTermDestroy(&term));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelSetFromOptions(HcModel model)
{
  char     *names[HC_MAX_TERMS], *envnames[HC_MAX_TERMS], envprefix[256];
  PetscBool shared0 = PETSC_FALSE; /* -model_terms none */
  PetscInt  nnames = HC_MAX_TERMS, nenvnames = HC_MAX_TERMS, nenv = 0;
  PetscBool flg, envflg = PETSC_FALSE, isrk;

  PetscFunctionBegin;
  PetscCheck(!model->setupcalled, model->comm, PETSC_ERR_ORDER, "HcModelSetFromOptions: call before HcModelSetUp()");
  PetscOptionsBegin(model->comm, model->prefix, "Hybrid model options (HcModel)", "HcModel");
  /* a model that has its terms already (added in code, or by a first pass from a model file) takes no term list */
  if (!model->nterms) {
    PetscCall(PetscOptionsStringArray("-model_terms",
                                      "Terms of the right-hand side shared by every environment, by type (advdiff, mlp, fno, "
                                      "reaction, seasonal; none: only environment terms)",
                                      "HcModelAddTerm", names, &nnames, &flg));
    if (!flg) {
      PetscCall(PetscStrallocpy(HCTERMADVDIFF, &names[0]));
      nnames = 1;
    } else if (nnames == 1 && !strcmp(names[0], "none")) {
      PetscCall(PetscFree(names[0]));
      nnames  = 0;
      shared0 = PETSC_TRUE;
    }
  } else
    nnames = 0;
  PetscCall(PetscOptionsReal("-model_obs_interval",
                             "Time between observations of simulate and generate (train and forecast take the data's times)",
                             "HcModelSetObservationInterval", model->tobs, &model->tobs, &flg));
  if (flg) model->tobsgiven = PETSC_TRUE;
  PetscCheck(model->tobs > 0, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "-model_obs_interval must be positive, got %g",
             (double)model->tobs);
  PetscCall(PetscOptionsReal("-model_dt",
                             "Runge-Kutta time step (0: the largest stable step that divides the observation interval)",
                             "HcModelSetTimeStep", model->dtreq, &model->dtreq, NULL));
  PetscCheck(model->dtreq >= 0, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "-model_dt must be >= 0, got %g", (double)model->dtreq);
  PetscCall(PetscOptionsReal("-model_cfl_safety",
                             "Fraction of the stability limit used when the time step is chosen automatically", "",
                             model->cflsafety, &model->cflsafety, NULL));
  PetscCheck(model->cflsafety > 0 && model->cflsafety <= 1, model->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-model_cfl_safety must be in (0, 1], got %g", (double)model->cflsafety);
  PetscCall(PetscOptionsInt("-model_adjoint_stride",
                            "Adjoint checkpointing: keep states every S observation intervals and recompute the steps between "
                            "(0: keep every step of the window)",
                            "HcModelSetAdjointStride", model->adjstride, &model->adjstride, NULL));
  PetscCheck(model->adjstride >= 0, model->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-model_adjoint_stride must be >= 0, got %" PetscInt_FMT, model->adjstride);
  if (nnames || shared0) {
    PetscCall(PetscOptionsInt("-model_envs", "Number of environments with their own terms (LEADS); 0: none",
                              "HcTermSetEnvironment", nenv, &nenv, NULL));
    PetscCheck(nenv >= 0, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "-model_envs must be >= 0, got %" PetscInt_FMT, nenv);
    PetscCall(PetscOptionsStringArray("-model_env_terms",
                                      "Term types instantiated once per environment (options -env_<type options>)",
                                      "HcTermSetEnvironment", envnames, &nenvnames, &envflg));
    PetscCheck(!envflg || nenv > 0, model->comm, PETSC_ERR_ARG_WRONG, "-model_env_terms needs -model_envs > 0");
    PetscCheck(!nenv || envflg, model->comm, PETSC_ERR_ARG_WRONG,
               "-model_envs %" PetscInt_FMT " needs -model_env_terms (the term types each environment gets)", nenv);
    PetscCheck(!shared0 || nenv > 0, model->comm, PETSC_ERR_ARG_WRONG,
               "-model_terms none: a model without shared terms needs environment terms (-model_envs, -model_env_terms)");
  }
  if (!envflg) nenvnames = 0;
  PetscCall(PetscOptionsInt("-model_max_substeps", "Refuse parameters that need more RK steps than this per observation interval",
                            "", model->maxsub, &model->maxsub, NULL));
  PetscCall(PetscOptionsReal("-model_adjoint_memory",
                             "Memory (MB per rank) the adjoint may keep for a trajectory; beyond it, use -model_adjoint_stride",
                             "", model->adjmemory, &model->adjmemory, NULL));
  PetscCall(PetscOptionsReal("-model_adjoint_cache",
                             "Memory (MB per rank) for the forward run's linearisations (MLP and Fourier-layer activations), "
                             "which the adjoint then need not recompute; 0: recompute all",
                             "", model->adjcache, &model->adjcache, NULL));
  PetscCheck(model->adjcache >= 0, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "-model_adjoint_cache must be >= 0, got %g",
             (double)model->adjcache);
  PetscCall(PetscOptionsBool(
      "-model_cfl_check",
      "Refuse a -model_dt above the stability bound (off: take it as given, e.g. to time a fixed number of steps)", "",
      model->cflcheck, &model->cflcheck, NULL));
  PetscCall(PetscOptionsBool("-model_cfl_substep",
                             "Split a -model_dt above the stability limit into stable substeps instead of stopping", "",
                             model->cflsubstep, &model->cflsubstep, NULL));
  PetscCall(PetscOptionsReal("-model_polar_filter",
                             "Global lat-lon grids: filter the zonal scales of the tendency poleward of this latitude (degrees), "
                             "so that the narrow polar cells do not set the time step (0: off)",
                             "", model->polarlat, &model->polarlat, NULL));
  PetscCheck(model->polarlat >= 0 && model->polarlat < 90, model->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-model_polar_filter must be a latitude in (0, 90) degrees (0: off), got %g", (double)model->polarlat);
  PetscOptionsEnd();

  for (PetscInt k = 0; k < nnames; k++) {
    HcTerm term;

    PetscCall(HcTermCreate(model->grid, &term));
    PetscCall(HcTermSetType(term, names[k]));
    PetscCall(HcTermSetOptionsPrefix(term, model->prefix));
    PetscCall(HcModelAddTerm(model, term));
    PetscCall(HcTermDestroy(&term));
    PetscCall(PetscFree(names[k]));
  }
  /* per-environment instances share the options prefix env_ and get block names <name>_env<e> */
  PetscCall(PetscSNPrintf(envprefix, sizeof(envprefix), "%senv_", model->prefix ? model->prefix : ""));
  for (PetscInt e = 0; e < nenv; e++) {
    for (PetscInt k = 0; k < nenvnames; k++) {
      HcTerm      term;
      const char *base;
      char        name[256];

      PetscCall(HcTermCreate(model->grid, &term));
      PetscCall(HcTermSetType(term, envnames[k]));
      PetscCall(HcTermGetName(term, &base));
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s_env%" PetscInt_FMT, base, e));
      PetscCall(HcTermSetName(term, name));
      PetscCall(HcTermSetEnvironment(term, e));
      PetscCall(HcTermSetOptionsPrefix(term, envprefix));
      PetscCall(HcModelAddTerm(model, term));
      PetscCall(HcTermDestroy(&term));
    }
  }
  for (PetscInt k = 0; k < nenvnames; k++) PetscCall(PetscFree(envnames[k]));
  for (PetscInt k = 0; k < model->nterms; k++) PetscCall(HcTermSetFromOptions(model->terms[k]));
  if (model->archpass) PetscFunctionReturn(0); /* a model file's entries never reach TS (its monitors write files) */
  if (nnames || shared0) PetscCall(HcModelHelpOtherTerms_Private(model)); /* only where -model_terms chooses them */
  PetscCall(TSSetFromOptions(model->ts));
  PetscCall(PetscObjectTypeCompare((PetscObject)model->ts, TSRK, &isrk));
  PetscCheck(isrk, model->comm, PETSC_ERR_SUP,
             "hycast integrates with explicit Runge-Kutta: use -ts_type rk (with any -ts_rk_type)");
  model->stepvalid = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* ---- TS callbacks and the shell Jacobians: the RHS Jacobian callbacks only record the linearisation point. */

static PetscErrorCode HcModelTSRHSFunction_Private(TS ts, PetscReal t, Vec U, Vec F, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(HcModelApplyRHS((HcModel)ctx, t, U, F));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcModelTSRHSJacobian_Private(TS ts, PetscReal t, Vec U, Mat A, Mat B, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(HcModelLinearize((HcModel)ctx, t, U));
  PetscFunctionReturn(0);
}

/* RK's adjoint step asks for J and then Jp at the same stage vector: linearise once.  The key is the vector's id and
   the time, which tell the stages of one backward pass apart; runs and parameter changes invalidate it. */
static PetscErrorCode HcModelTSRHSJacobianP_Private(TS ts, PetscReal t, Vec U, Mat Jp, void *ctx)
{
  HcModel       model = (HcModel)ctx;
  PetscObjectId id;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetId((PetscObject)U, &id));
  if (!(model->linvalid && id == model->linid && t == model->lintime)) PetscCall(HcModelLinearize(model, t, U));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcModelMatMult_J(Mat J, Vec x, Vec y)
{
  HcModel model;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(J, &model));
  PetscCall(HcModelApplyJacobian(model, x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcModelMatMultTranspose_J(Mat J, Vec x, Vec y)
{
  HcModel model;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(J, &model));
  PetscCall(HcModelApplyJacobianTranspose(model, x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcModelCheckLinearized_Private(HcModel);
static PetscErrorCode HcModelFilterTransposeInput_Private(HcModel, Vec, Vec *);

/* The shell JacobianP works on parameter vectors with nparam entries on every rank: its product takes a replicated
   dtheta (the same values on every rank), its transpose returns "partial" sums (each rank's sums over its own cells,
   the gradient being their sum over the ranks), so that the dot product of the two pairs them correctly and the
   transpose needs no communication.  RK's adjoint only combines mu linearly: it is reduced once per gradient
   (HcModelComputeGradient) instead of once per stage (1.2 MB a stage for the benchmark's 149224 parameters). */
/* y = (dF/dtheta) dth, dth all nparam parameters (the same on every rank) */
static PetscErrorCode HcModelParameterProduct_Private(HcModel model, const PetscReal dth[], Vec y)
{
  PetscFunctionBegin;
  PetscCall(VecSet(y, 0));
  for (PetscInt k = 0; k < model->nterms; k++)
    if (model->terms[k]->nparam && HcModelTermActive_Private(model, model->terms[k]))
      PetscCall(model->terms[k]->ops.paramjacobian(model->terms[k], dth + model->poff[k], y));
  if (model->polar) PetscCall(HcPolarFilterApply(model->polar, y));
  PetscFunctionReturn(0);
}

/* g = this rank's sums of (dF/dtheta)^T w over its own cells (nparam reals) */
static PetscErrorCode HcModelParameterTransposeLocal_Private(HcModel model, Vec w, PetscReal g[])
{
  PetscFunctionBegin;
  PetscCall(HcModelFilterTransposeInput_Private(model, w, &w));
  PetscCall(DMGlobalToLocal(model->grid->da, w, INSERT_VALUES, model->wloc));
  PetscCall(PetscArrayzero(g, model->nparam));
  for (PetscInt k = 0; k < model->nterms; k++)
    if (model->terms[k]->nparam && HcModelTermActive_Private(model, model->terms[k]))
      PetscCall(model->terms[k]->ops.paramjacobiantranspose(model->terms[k], model->wloc, g + model->poff[k]));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcModelMatMult_Jp(Mat Jp, Vec x, Vec y)
{
  HcModel            model;
  const PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(Jp, &model));
  PetscCall(HcModelCheckLinearized_Private(model));
  PetscCall(VecGetArrayRead(x, &a));
  for (PetscInt i = 0; i < model->nparam; i++) model->gwork[i] = PetscRealPart(a[i]);
  PetscCall(VecRestoreArrayRead(x, &a));
  PetscCall(HcModelParameterProduct_Private(model, model->gwork, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcModelMatMultTranspose_Jp(Mat Jp, Vec x, Vec y)
{
  HcModel      model;
  PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(Jp, &model));
  PetscCall(HcModelCheckLinearized_Private(model));
  PetscCall(VecGetArray(y, &a));
  PetscCall(HcModelParameterTransposeLocal_Private(model, x, a));
  PetscCall(VecRestoreArray(y, &a));
  PetscFunctionReturn(0);
}

/* At the end of each observation interval: copy the state out (forecasts), stop at once if it is no longer finite,
   and switch to the next interval's step. */
static PetscErrorCode HcModelPostStep_Private(TS ts)
{
  HcModel   model;
  PetscInt  step, k;
  PetscReal t, nrm;
  Vec       u;

  PetscFunctionBegin;
  PetscCall(TSGetApplicationContext(ts, &model));
  PetscCall(TSGetStepNumber(ts, &step));
  k = model->curobs;
  if (k >= model->nobs || step != model->icum[k + 1]) PetscFunctionReturn(0);
  PetscCall(TSGetSolution(ts, &u));
  PetscCall(TSGetTime(ts, &t));
  PetscCall(VecNorm(u, NORM_INFINITY, &nrm));
  PetscCheck(!PetscIsInfOrNanReal(nrm), model->comm, PETSC_ERR_FP,
             "HcModel: the state is not finite at t = %g (observation %" PetscInt_FMT ", step %" PetscInt_FMT
             ", dt = %g); the model or its parameters are unstable",
             (double)t, k + 1, step, (double)model->stepdt[k]);
  if (model->obsout && model->obsout[k]) PetscCall(VecCopy(u, model->obsout[k]));
  model->curobs = k + 1;
  if (k + 1 < model->nobs) PetscCall(TSSetTimeStep(ts, model->stepdt[k + 1]));
  PetscFunctionReturn(0);
}

/* Largest r with |R(z)| <= 1 for every z = r' e^{i phi}, r' <= r, phi in [pi/2, 3pi/2] (the left half-disc), or on
   the negative real axis only, for the explicit RK tableau (A, b).  R(z) = 1 + z b^T Y, Y_i = 1 + z sum_j A_ij Y_j. */
static PetscReal HcRKStabilityRadius_Private(PetscInt s, const PetscReal *A, const PetscReal *b, PetscBool halfdisc)
{
  const PetscReal dr   = 0.005;
  const PetscInt  nphi = halfdisc ? 181 : 1;
  double complex  Y[16];

  for (PetscInt kr = 1; kr <= 4000; kr++) {
    const PetscReal r = kr * dr;

    for (PetscInt kp = 0; kp < nphi; kp++) {
      const PetscReal      phi = halfdisc ? PETSC_PI / 2 + PETSC_PI * kp / (nphi - 1) : PETSC_PI;
      const double complex z   = r * cexp(I * phi);
      double complex       R   = 1;

      for (PetscInt i = 0; i < s; i++) {
        Y[i] = 1;
        for (PetscInt j = 0; j < i; j++) Y[i] += z * A[i * s + j] * Y[j];
        R += z * b[i] * Y[i];
      }
      if (cabs(R) > 1 + 1e-12) return (kr - 1) * dr;
    }
  }
  return 4000 * dr;
}

PetscErrorCode HcModelSetUp(HcModel model)
{
  PetscInt nloc, N;

  PetscFunctionBegin;
  if (model->setupcalled) PetscFunctionReturn(0);
  if (!model->nterms) {
    HcTerm term;

    PetscCall(HcTermCreate(model->grid, &term));
    PetscCall(HcTermSetType(term, HCTERMADVDIFF));
    PetscCall(HcModelAddTerm(model, term));
    PetscCall(HcTermDestroy(&term));
  }
  model->poff[0] = 0;
  for (PetscInt k = 0; k < model->nterms; k++) {
    PetscCall(HcTermSetUp(model->terms[k]));
    model->poff[k + 1] = model->poff[k] + model->terms[k]->nparam;
  }
  model->nparam = model->poff[model->nterms];
  PetscCall(PetscCalloc1(model->nparam + 1, &model->gwork));

  PetscCall(DMCreateLocalVector(model->grid->da, &model->uloc));
  PetscCall(VecSet(model->uloc, 0)); /* ghosts outside closed walls are never written again */
  PetscCall(VecDuplicate(model->uloc, &model->vloc));
  PetscCall(VecDuplicate(model->uloc, &model->wloc));
  PetscCall(VecDuplicate(model->uloc, &model->yloc));
  PetscCall(VecDuplicate(model->uloc, &model->ulinloc));
  PetscCall(DMCreateGlobalVector(model->grid->da, &model->ustate));

  PetscCall(VecGetLocalSize(model->ustate, &nloc));
  PetscCall(VecGetSize(model->ustate, &N));
  PetscCall(MatCreateShell(model->comm, nloc, nloc, N, N, model, &model->J));
  PetscCall(MatShellSetOperation(model->J, MATOP_MULT, (void (*)(void))HcModelMatMult_J));
  PetscCall(MatShellSetOperation(model->J, MATOP_MULT_TRANSPOSE, (void (*)(void))HcModelMatMultTranspose_J));
  PetscCall(TSSetRHSFunction(model->ts, NULL, HcModelTSRHSFunction_Private, model));
  PetscCall(TSSetRHSJacobian(model->ts, model->J, model->J, HcModelTSRHSJacobian_Private, model));
  if (model->nparam) {
    /* columns: nparam entries on every rank (HcModelMatMult_Jp) */
    PetscCall(MatCreateShell(model->comm, nloc, model->nparam, N, PETSC_DETERMINE, model, &model->Jp));
    PetscCall(MatShellSetOperation(model->Jp, MATOP_MULT, (void (*)(void))HcModelMatMult_Jp));
    PetscCall(MatShellSetOperation(model->Jp, MATOP_MULT_TRANSPOSE, (void (*)(void))HcModelMatMultTranspose_Jp));
    PetscCall(TSSetRHSJacobianP(model->ts, model->Jp, HcModelTSRHSJacobianP_Private, model));
  }
  if (model->polarlat > 0) {
    const PetscReal *scale;

    PetscCall(HcPolarFilterCreate(model->grid, model->polarlat, &model->polar));
    PetscCall(HcPolarFilterGetZonalScale(model->polar, &scale));
    for (PetscInt k = 0; k < model->nterms; k++) model->terms[k]->zonalscale = scale;
    PetscCall(VecDuplicate(model->ustate, &model->pwork));
  }
  PetscCall(TSSetPostStep(model->ts, HcModelPostStep_Private));
  {
    TSAdapt adapt;

    PetscCall(TSGetAdapt(model->ts, &adapt));
    PetscCall(TSAdaptSetType(adapt, TSADAPTNONE)); /* observation times must fall on steps */
  }
  {
    PetscInt         s;
    const PetscReal *A, *b;

    PetscCall(TSRKGetTableau(model->ts, &s, &A, &b, NULL, NULL, NULL, NULL, NULL));
    PetscCheck(s <= 16, model->comm, PETSC_ERR_SUP, "HcModel: Runge-Kutta schemes with more than 16 stages are not supported");
    model->stabradius = HcRKStabilityRadius_Private(s, A, b, PETSC_TRUE);
  }
  model->setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcModelCheckSetUp_Private(HcModel model)
{
  PetscFunctionBegin;
  PetscCheck(model->setupcalled, model->comm, PETSC_ERR_ORDER, "HcModel: call HcModelSetUp() first");
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelGetGrid(HcModel model, HcGrid *grid)
{
  PetscFunctionBegin;
  *grid = model->grid;
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelGetTS(HcModel model, TS *ts)
{
  PetscFunctionBegin;
  *ts = model->ts;
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelSetObservationInterval(HcModel model, PetscReal tobs)
{
  PetscFunctionBegin;
  PetscCheck(tobs > 0, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcModel: the observation interval must be positive, got %g",
             (double)tobs);
  model->tobs      = tobs;
  model->tobsgiven = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  HcModelSetTimeStep - the Runge-Kutta step (0: choose the largest stable step); rounded down to divide the observation interval.
@*/
PetscErrorCode HcModelSetTimeStep(HcModel model, PetscReal dt)
{
  PetscFunctionBegin;
  PetscCheck(dt >= 0, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcModel: the time step must be >= 0, got %g", (double)dt);
  model->dtreq     = dt;
  model->stepvalid = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  HcModelSetAdjointStride - two-level checkpointing of gradient runs: states are kept every `stride` observation
  intervals and the steps in between recomputed during the backward pass (0: every step of the window stays in memory).
@*/
PetscErrorCode HcModelSetAdjointStride(HcModel model, PetscInt stride)
{
  PetscFunctionBegin;
  PetscCheck(stride >= 0, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcModel: the adjoint stride must be >= 0, got %" PetscInt_FMT,
             stride);
  model->adjstride = stride;
  PetscFunctionReturn(0);
}

/*@C
  HcModelSetPolarFilter - on a global lat-lon grid, filter the tendency's zonal scales poleward of +-lat degrees so
  that the polar rows do not set the time step (0: off; src/grid/polar.c).  Call before HcModelSetUp().
@*/
PetscErrorCode HcModelSetPolarFilter(HcModel model, PetscReal lat)
{
  PetscFunctionBegin;
  PetscCheck(!model->setupcalled, model->comm, PETSC_ERR_ORDER, "HcModelSetPolarFilter: call before HcModelSetUp()");
  PetscCheck(lat >= 0 && lat < 90, model->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-model_polar_filter must be a latitude in (0, 90) degrees (0: off), got %g", (double)lat);
  model->polarlat = lat;
  PetscFunctionReturn(0);
}

/*@C
  HcModelGetTimeStep - the time step and the number of steps per observation interval, for the interval of
  HcModelSetObservationInterval() (or -model_obs_interval; 1 if neither was given).
@*/
PetscErrorCode HcModelGetTimeStep(HcModel model, PetscReal *dt, PetscInt *nsub)
{
  PetscFunctionBegin;
  PetscCall(HcModelPrepareTimeStep_Private(model));
  PetscCall(HcModelStepsPerInterval_Private(model, model->tobs, &model->nsub));
  model->dt = model->tobs / model->nsub;
  if (dt) *dt = model->dt;
  if (nsub) *nsub = model->nsub;
  PetscFunctionReturn(0);
}

/* The terms' rate bounds and the stability limit of the RK scheme for them (PETSC_MAX_REAL when nothing limits). */
static PetscErrorCode HcModelComputeStepLimit_Private(HcModel model, PetscReal *radv, PetscReal *rdif)
{
  TSRKType rktype;

  PetscFunctionBegin;
  *radv = *rdif = 0;
  for (PetscInt k = 0; k < model->nterms; k++) {
    PetscReal a, d;

    if (model->terms[k]->env >= 0 && model->terms[k]->env != model->env) continue;
    PetscCall(HcTermEstimateRates(model->terms[k], &a, &d));
    *radv += a;
    *rdif += d;
  }
  PetscCall(TSRKGetType(model->ts, &rktype));
  model->ratebound = *radv + *rdif;
  model->steplimit = PETSC_MAX_REAL;
  if (model->ratebound > 0) {
    PetscCheck(model->stabradius > 0, model->comm, PETSC_ERR_ARG_INCOMP,
               "-ts_rk_type %s is not stable near the imaginary axis, so it cannot advect or diffuse stably with any dt; use "
               "-ts_rk_type 3bs, 4, 5dp, 5bs or 6vr",
               rktype);
    model->steplimit = model->stabradius / model->ratebound;
  }
  PetscFunctionReturn(0);
}

/* The step each interval is divided into (dttarget; every interval gets ceil(length / dttarget) equal steps): the
   requested -model_dt, or 0.9 of the stability limit.  A requested step above the limit is refused unless
   substepping was asked for. */
PetscErrorCode HcModelPrepareTimeStep_Private(HcModel model)
{
  PetscReal radv, rdif;
  TSRKType  rktype;

  PetscFunctionBegin;
  PetscCall(HcModelCheckSetUp_Private(model));
  if (model->stepvalid) PetscFunctionReturn(0);
  PetscCall(HcModelComputeStepLimit_Private(model, &radv, &rdif));
  PetscCall(TSRKGetType(model->ts, &rktype));
  if (model->dtreq > 0 && (model->dtreq <= model->steplimit || !model->cflcheck))
    model->dttarget = model->dtreq;
  else if (model->dtreq > 0) {
    PetscCheck(
        model->cflsubstep, model->comm, PETSC_ERR_ARG_OUTOFRANGE,
        "HcModel: time step dt = %g is above the stability limit %g of -ts_rk_type %s on this grid (rate bound %g per unit "
        "time: advection %g, diffusion %g). Use -model_dt %g or less, or -model_cfl_substep to split steps automatically",
        (double)model->dtreq, (double)model->steplimit, rktype, (double)model->ratebound, (double)radv, (double)rdif,
        (double)model->steplimit);
    model->dttarget = model->cflsafety * model->steplimit;
    PetscCall(PetscInfo(NULL, "HcModel: -model_dt above the stability limit %g, substeps of at most %g\n",
                        (double)model->steplimit, (double)model->dttarget));
  } else
    model->dttarget = model->steplimit < PETSC_MAX_REAL ? model->cflsafety * model->steplimit : PETSC_MAX_REAL;
  model->stepvalid = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  HcModelCheckTimeStep - whether the requested time step (-model_dt) is stable for the current parameters, without
  raising an error: a fixed step that a parameter update made unstable can then be reported and handled.  Returns the
  requested step (0 when it is chosen automatically) and the stability limit.
@*/
PetscErrorCode HcModelCheckTimeStep(HcModel model, PetscBool *stable, PetscReal *dt, PetscReal *limit)
{
  PetscReal radv, rdif;

  PetscFunctionBegin;
  PetscCall(HcModelCheckSetUp_Private(model));
  PetscCall(HcModelComputeStepLimit_Private(model, &radv, &rdif));
  *stable =
      (model->dtreq <= 0 || model->dtreq <= model->steplimit || model->cflsubstep || !model->cflcheck) ? PETSC_TRUE : PETSC_FALSE;
  if (dt) *dt = model->dtreq;
  if (limit) *limit = model->steplimit;
  PetscFunctionReturn(0);
}

/* Number of equal steps for an interval of length len. */
PetscErrorCode HcModelStepsPerInterval_Private(HcModel model, PetscReal len, PetscInt *n)
{
  PetscReal m;

  PetscFunctionBegin;
  PetscCheck(len > 0, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcModel: observation times must increase (interval %g)",
             (double)len);
  m = model->dttarget < PETSC_MAX_REAL ? PetscCeilReal(len / model->dttarget * (1 - 1e-12)) : 1;
  /* PETSC_ERR_FP: like a blow-up, training rejects the step that made the model this stiff */
  PetscCheck(m <= model->maxsub, model->comm, PETSC_ERR_FP,
             "HcModel: the model is too stiff: %g steps per observation interval would be needed (stability limit dt = %g, rate "
             "bound %g), more than -model_max_substeps %" PetscInt_FMT,
             (double)m, (double)model->steplimit, (double)model->ratebound, model->maxsub);
  *n = PetscMax((PetscInt)m, 1);
  PetscFunctionReturn(0);
}

/* ---- parameters: one vector, every entry on rank 0; each term keeps a replicated copy of its block */

PetscErrorCode HcModelGetNumParameters(HcModel model, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCall(HcModelCheckSetUp_Private(model));
  *n = model->nparam;
  PetscFunctionReturn(0);
}

/*@C
  HcModelGetParameterBlock - offset and size of the parameter block of the term with this name.
@*/
PetscErrorCode HcModelGetParameterBlock(HcModel model, const char name[], PetscInt *offset, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCall(HcModelCheckSetUp_Private(model));
  for (PetscInt k = 0; k < model->nterms; k++) {
    PetscBool same;

    PetscCall(PetscStrcmp(model->terms[k]->name, name, &same));
    if (!same) continue;
    if (offset) *offset = model->poff[k];
    if (n) *n = model->poff[k + 1] - model->poff[k];
    PetscFunctionReturn(0);
  }
  SETERRQ(model->comm, PETSC_ERR_ARG_WRONG, "HcModel: no parameter block named '%s'", name);
}

/*@C
  HcModelAddRegularization - R += the terms' penalties on their parameters (e.g. the smoothness of a learned velocity
  field, -physics_velocity_smooth), which the trainer adds to the training loss; with grad (nparam reals on every
  rank, or NULL) grad += its gradient.  Collective: the same values on every rank.
@*/
PetscErrorCode HcModelAddRegularization(HcModel model, PetscReal *R, PetscReal grad[])
{
  PetscReal *g, r = 0;
  PetscBool  any = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(HcModelCheckSetUp_Private(model));
  for (PetscInt k = 0; k < model->nterms; k++)
    if (model->terms[k]->ops.regularize) any = PETSC_TRUE;
  if (!any) PetscFunctionReturn(0); /* no reduction for models without penalties */
  PetscCall(PetscCalloc1(model->nparam + 1, &g));
  for (PetscInt k = 0; k < model->nterms; k++)
    if (model->terms[k]->ops.regularize) PetscCall(model->terms[k]->ops.regularize(model->terms[k], &r, g + model->poff[k]));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &r, 1, MPIU_REAL, MPI_SUM, model->comm));
  *R += r;
  if (grad) {
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, g, (PetscMPIInt)model->nparam, MPIU_REAL, MPI_SUM, model->comm));
    for (PetscInt i = 0; i < model->nparam; i++) grad[i] += g[i];
  }
  PetscCall(PetscFree(g));
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelCreateParameterVector(HcModel model, Vec *p)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(HcModelCheckSetUp_Private(model));
  PetscCallMPI(MPI_Comm_rank(model->comm, &rank));
  PetscCall(VecCreateMPI(model->comm, rank ? 0 : model->nparam, model->nparam, p));
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelGetParameters(HcModel model, Vec p)
{
  PetscScalar *a;
  PetscInt     n;

  PetscFunctionBegin;
  PetscCall(HcModelCheckSetUp_Private(model));
  PetscCall(VecGetLocalSize(p, &n));
  PetscCall(VecGetArray(p, &a));
  if (n) {
    PetscCheck(n == model->nparam, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
               "HcModelGetParameters: use a vector from HcModelCreateParameterVector()");
    for (PetscInt k = 0; k < model->nterms; k++)
      for (PetscInt i = 0; i < model->terms[k]->nparam; i++) a[model->poff[k] + i] = model->terms[k]->theta[i];
  }
  PetscCall(VecRestoreArray(p, &a));
  PetscFunctionReturn(0);
}

/* Broadcast the rank-0 entries of a parameter-layout vector into buf[nparam] on every rank. */
static PetscErrorCode HcModelBroadcastParameters_Private(HcModel model, Vec p, PetscReal buf[])
{
  const PetscScalar *a;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(p, &n));
  PetscCall(VecGetArrayRead(p, &a));
  if (n) {
    PetscCheck(n == model->nparam, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
               "HcModel: use a vector from HcModelCreateParameterVector()");
    for (PetscInt i = 0; i < n; i++) buf[i] = PetscRealPart(a[i]);
  }
  PetscCall(VecRestoreArrayRead(p, &a));
  PetscCallMPI(MPI_Bcast(buf, (PetscMPIInt)model->nparam, MPIU_REAL, 0, model->comm));
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelSetParameters(HcModel model, Vec p)
{
  PetscFunctionBegin;
  PetscCall(HcModelCheckSetUp_Private(model));
  PetscCall(HcModelBroadcastParameters_Private(model, p, model->gwork));
  for (PetscInt k = 0; k < model->nterms; k++) PetscCall(HcTermSetParameters(model->terms[k], model->gwork + model->poff[k]));
  model->stepvalid = PETSC_FALSE;
  model->linvalid  = PETSC_FALSE;
  model->recvalid  = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* ---- the right-hand side and its products: one ghost exchange shared by all terms */

static PetscErrorCode HcModelApplyTerms_Private(HcModel, PetscReal, Vec, Vec);

/*@C
  HcModelApplyRHS - f = F(t, u): the sum of the active terms (through the polar filter, if any).
@*/
PetscErrorCode HcModelApplyRHS(HcModel model, PetscReal t, Vec u, Vec f)
{
  PetscFunctionBegin;
  PetscCall(HcModelApplyTerms_Private(model, t, u, f));
  if (model->polar) PetscCall(HcPolarFilterApply(model->polar, f));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcModelApplyTerms_Private(HcModel model, PetscReal t, Vec u, Vec f)
{
  PetscReal      *rec    = NULL;
  PetscBool       zeroed = PETSC_FALSE;
  const PetscBool record = model->recording && model->nrec < model->nslot ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(HcModelCheckSetUp_Private(model));
  if (!record) {
    HcTerm   only    = NULL;
    PetscInt nactive = 0;

    /* one active term that gets its own ghosts (the physics alone, e.g. a physics-only forecast): it may skip the
       ghosted copy that the model otherwise shares among its terms */
    for (PetscInt k = 0; k < model->nterms; k++)
      if (HcModelTermActive_Private(model, model->terms[k])) {
        only = model->terms[k];
        nactive++;
      }
    if (nactive == 1 && only->ops.applyglobal) {
      PetscBool done;

      PetscCall(only->ops.applyglobal(only, t, u, f, &done));
      if (done) PetscFunctionReturn(0);
    }
  }
  PetscCall(DMGlobalToLocal(model->grid->da, u, INSERT_VALUES, model->uloc));
  if (record) PetscCall(HcModelRecordSlot_Private(model, t, u, &rec));
  for (PetscInt k = 0; k < model->nterms; k++) {
    HcTerm          term = model->terms[k];
    const PetscBool recd = rec && model->recoff[k + 1] > model->recoff[k] ? PETSC_TRUE : PETSC_FALSE;

    if (!HcModelTermActive_Private(model, term)) continue;
    if (!zeroed && !recd && term->ops.applyinsert) { /* the first term writes f: no zeroing pass */
      PetscCall(term->ops.applyinsert(term, t, model->uloc, f));
      zeroed = PETSC_TRUE;
      continue;
    }
    if (!zeroed) PetscCall(VecSet(f, 0));
    zeroed = PETSC_TRUE;
    if (recd)
      PetscCall(term->ops.record(term, t, model->uloc, f, rec + model->recoff[k]));
    else
      PetscCall(term->ops.apply(term, t, model->uloc, f));
  }
  if (!zeroed) PetscCall(VecSet(f, 0)); /* no active term */
  PetscFunctionReturn(0);
}

/*@C
  HcModelLinearize - set the point (t, u) at which the Jacobian products are taken.
@*/
PetscErrorCode HcModelLinearize(HcModel model, PetscReal t, Vec u)
{
  PetscInt slot = -1;

  PetscFunctionBegin;
  PetscCall(HcModelCheckSetUp_Private(model));
  if (model->recvalid) PetscCall(HcModelFindSlot_Private(model, t, u, &slot));
  PetscCall(DMGlobalToLocal(model->grid->da, u, INSERT_VALUES, model->ulinloc));
  for (PetscInt k = 0; k < model->nterms; k++) {
    HcTerm term = model->terms[k];

    if (!HcModelTermActive_Private(model, term) || !term->ops.linearize) continue;
    if (slot >= 0 && model->recoff[k + 1] > model->recoff[k])
      PetscCall(term->ops.restore(term, model->rectime[slot], model->ulinloc,
                                  model->recbuf + (size_t)slot * model->slotsize + model->recoff[k]));
    else
      PetscCall(term->ops.linearize(term, t, model->ulinloc));
  }
  PetscCall(PetscObjectGetId((PetscObject)u, &model->linid));
  model->lintime  = t;
  model->linvalid = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcModelCheckLinearized_Private(HcModel model)
{
  PetscFunctionBegin;
  PetscCall(HcModelCheckSetUp_Private(model));
  PetscCheck(model->linvalid, model->comm, PETSC_ERR_ORDER, "HcModel: call HcModelLinearize() before a Jacobian product");
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelApplyJacobian(HcModel model, Vec v, Vec y)
{
  PetscFunctionBegin;
  PetscCall(HcModelCheckLinearized_Private(model));
  PetscCall(DMGlobalToLocal(model->grid->da, v, INSERT_VALUES, model->vloc));
  PetscCall(VecSet(y, 0));
  for (PetscInt k = 0; k < model->nterms; k++)
    if (HcModelTermActive_Private(model, model->terms[k]))
      PetscCall(model->terms[k]->ops.jacobian(model->terms[k], model->vloc, y));
  if (model->polar) PetscCall(HcPolarFilterApply(model->polar, y));
  PetscFunctionReturn(0);
}

/* w, or P w when the model filters its tendency (P is symmetric: transposed products take P w) */
static PetscErrorCode HcModelFilterTransposeInput_Private(HcModel model, Vec w, Vec *pw)
{
  PetscFunctionBegin;
  *pw = w;
  if (!model->polar) PetscFunctionReturn(0);
  PetscCall(VecCopy(w, model->pwork));
  PetscCall(HcPolarFilterApply(model->polar, model->pwork));
  *pw = model->pwork;
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelApplyJacobianTranspose(HcModel model, Vec w, Vec y)
{
  PetscFunctionBegin;
  PetscCall(HcModelCheckLinearized_Private(model));
  PetscCall(HcModelFilterTransposeInput_Private(model, w, &w));
  PetscCall(DMGlobalToLocal(model->grid->da, w, INSERT_VALUES, model->wloc));
  PetscCall(VecSet(model->yloc, 0));
  for (PetscInt k = 0; k < model->nterms; k++)
    if (HcModelTermActive_Private(model, model->terms[k]))
      PetscCall(model->terms[k]->ops.jacobiantranspose(model->terms[k], model->wloc, model->yloc));
  PetscCall(VecSet(y, 0));
  PetscCall(DMLocalToGlobal(model->grid->da, model->yloc, ADD_VALUES, y));
  PetscFunctionReturn(0);
}

/*@C
  HcModelApplyParameterJacobian - y = (dF/dtheta) dtheta, dtheta a parameter vector.
@*/
PetscErrorCode HcModelApplyParameterJacobian(HcModel model, Vec dtheta, Vec y)
{
  PetscFunctionBegin;
  PetscCall(HcModelCheckLinearized_Private(model));
  PetscCall(HcModelBroadcastParameters_Private(model, dtheta, model->gwork));
  PetscCall(HcModelParameterProduct_Private(model, model->gwork, y));
  PetscFunctionReturn(0);
}

/*@C
  HcModelApplyParameterJacobianTranspose - g = (dF/dtheta)^T w, g a parameter vector (sums from every rank land on rank 0).
@*/
PetscErrorCode HcModelApplyParameterJacobianTranspose(HcModel model, Vec w, Vec g)
{
  PetscFunctionBegin;
  PetscCall(HcModelCheckLinearized_Private(model));
  PetscCall(HcModelParameterTransposeLocal_Private(model, w, model->gwork));
  PetscCall(HcModelReduceParameters_Private(model, g));
  PetscFunctionReturn(0);
}

/* g (a parameter vector: entries on rank 0) = the sum over the ranks of their gwork */
PetscErrorCode HcModelReduceParameters_Private(HcModel model, Vec g)
{
  PetscScalar *a;
  PetscMPIInt  rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(model->comm, &rank));
  PetscCallMPI(MPI_Reduce(rank ? model->gwork : MPI_IN_PLACE, model->gwork, (PetscMPIInt)model->nparam, MPIU_REAL, MPI_SUM, 0,
                          model->comm));
  PetscCall(VecGetArray(g, &a));
  if (!rank)
    for (PetscInt i = 0; i < model->nparam; i++) a[i] = model->gwork[i];
  PetscCall(VecRestoreArray(g, &a));
  PetscFunctionReturn(0);
}

/* ---- time integration */

/* Integrate u over the observation times times[0..nobs]; states[k] (if given) receives u at times[k+1].  Each
   interval gets its own equal steps; the step count ends the run (with a final time, TS would shorten the last steps
   to land on it). */
PetscErrorCode HcModelRunForward_Private(HcModel model, PetscInt nobs, const PetscReal times[], Vec u, Vec states[])
{
  TSConvergedReason reason;

  PetscFunctionBegin;
  PetscCall(HcModelPrepareTimeStep_Private(model));
  if (nobs > model->maxobs) {
    PetscCall(PetscFree3(model->isub, model->icum, model->stepdt));
    PetscCall(PetscMalloc3(nobs, &model->isub, nobs + 1, &model->icum, nobs, &model->stepdt));
    model->maxobs = nobs;
  }
  model->icum[0] = 0;
  for (PetscInt k = 0; k < nobs; k++) {
    PetscCall(HcModelStepsPerInterval_Private(model, times[k + 1] - times[k], &model->isub[k]));
    model->stepdt[k]   = (times[k + 1] - times[k]) / model->isub[k];
    model->icum[k + 1] = model->icum[k] + model->isub[k];
  }
  model->nobs   = nobs;
  model->curobs = 0;
  model->obsout = states;
  if (!nobs) PetscFunctionReturn(0);
  PetscCall(TSSetTime(model->ts, times[0]));
  PetscCall(TSSetStepNumber(model->ts, 0));
  PetscCall(TSSetTimeStep(model->ts, model->stepdt[0]));
  PetscCall(TSSetMaxSteps(model->ts, model->icum[nobs]));
  PetscCall(TSSetMaxTime(model->ts, PETSC_MAX_REAL));
  PetscCall(TSSetExactFinalTime(model->ts, TS_EXACTFINALTIME_STEPOVER));
  PetscCall(TSSolve(model->ts, u));
  model->obsout = NULL;
  PetscCall(TSGetConvergedReason(model->ts, &reason));
  PetscCheck(reason >= 0, model->comm, PETSC_ERR_NOT_CONVERGED, "HcModel: time integration failed: %s",
             TSConvergedReasons[reason]);
  PetscFunctionReturn(0);
}

/*@C
  HcModelSolve - forecast: integrate u in place over the observation times times[0] < ... < times[nobs]; states[k],
  when given (entries may be NULL), receives the state at times[k+1].
@*/
PetscErrorCode HcModelSolve(HcModel model, PetscInt nobs, const PetscReal times[], Vec u, Vec states[])
{
  PetscFunctionBegin;
  PetscCall(HcModelCheckSetUp_Private(model));
  PetscCheck(nobs >= 0, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcModelSolve: number of observation intervals must be >= 0");
  if (model->trajectory) {
    PetscCall(TSRemoveTrajectory(model->ts)); /* a forecast keeps no history */
    model->trajectory = PETSC_FALSE;
  }
  PetscCall(PetscLogEventBegin(HC_ModelSolve, 0, 0, 0, 0));
  PetscCall(HcModelRunForward_Private(model, nobs, times, u, states));
  PetscCall(PetscLogEventEnd(HC_ModelSolve, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  HcModelGetObservationInterval - the default interval (-model_obs_interval) used to report the time step.
@*/
PetscErrorCode HcModelGetObservationInterval(HcModel model, PetscReal *tobs)
{
  PetscFunctionBegin;
  *tobs = model->tobs;
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelView(HcModel model, PetscViewer viewer)
{
  PetscBool isascii;
  TSRKType  rktype;

  PetscFunctionBegin;
  if (!viewer) viewer = PETSC_VIEWER_STDOUT_(model->comm);
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &isascii));
  if (!isascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "HcModel: %" PetscInt_FMT " term(s), %" PetscInt_FMT " parameter(s)\n", model->nterms,
                                   model->nparam));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  PetscCall(HcGridView(model->grid, viewer));
  if (model->setupcalled) {
    /* time in seconds on a lat-lon grid (SI metrics); a Cartesian grid's time has the data's units */
    const PetscBool seconds = model->grid->type == HC_GRID_LATLON ? PETSC_TRUE : PETSC_FALSE;
    char            a[64], b[64];

    PetscCall(HcModelPrepareTimeStep_Private(model));
    PetscCall(TSRKGetType(model->ts, &rktype));
    if (model->tobsgiven) {
      PetscCall(HcModelGetTimeStep(model, NULL, NULL));
      PetscCall(HcFormatDuration(model->tobs, seconds, a, sizeof(a)));
      PetscCall(HcFormatDuration(model->dt, seconds, b, sizeof(b)));
      PetscCall(PetscViewerASCIIPrintf(viewer,
                                       "time stepping: RK %s, observation interval %s = %" PetscInt_FMT " step(s) of %s\n",
                                       rktype, a, model->nsub, b));
    } else if (model->dttarget < PETSC_MAX_REAL) {
      /* no interval was given: runs (training windows, forecasts) divide each interval of their own times */
      PetscCall(HcFormatDuration(model->dttarget, seconds, a, sizeof(a)));
      PetscCall(PetscViewerASCIIPrintf(viewer,
                                       "time stepping: RK %s, each observation interval of the data in equal steps of at most %s "
                                       "(%s)\n",
                                       rktype, a, model->dttarget == model->dtreq ? "-model_dt" : "below the stability limit"));
    } else
      PetscCall(PetscViewerASCIIPrintf(
          viewer, "time stepping: RK %s, one step per observation interval of the data (no stability limit)\n", rktype));
    if (model->adjstride)
      PetscCall(PetscViewerASCIIPrintf(
          viewer, "adjoint: checkpoints every %" PetscInt_FMT " observation interval(s), steps in between recomputed\n",
          model->adjstride));
    else
      PetscCall(PetscViewerASCIIPrintf(viewer, "adjoint: every step of a window kept in memory\n"));
    if (model->tobsgiven)
      PetscCall(PetscViewerASCIIPrintf(viewer, "stability: rate bound %g, half-disc radius %g, dt * rate = %g\n",
                                       (double)model->ratebound, (double)model->stabradius,
                                       (double)(model->dt * model->ratebound)));
    else {
      if (model->steplimit < PETSC_MAX_REAL)
        PetscCall(HcFormatDuration(model->steplimit, seconds, a, sizeof(a)));
      else
        PetscCall(PetscStrncpy(a, "none", sizeof(a)));
      PetscCall(PetscViewerASCIIPrintf(viewer, "stability: rate bound %g, half-disc radius %g, stability limit dt = %s\n",
                                       (double)model->ratebound, (double)model->stabradius, a));
    }
    if (model->polar) PetscCall(HcPolarFilterView(model->polar, viewer));
    PetscCall(PetscViewerASCIIPrintf(viewer, "parameter blocks:\n"));
    PetscCall(PetscViewerASCIIPushTab(viewer));
    for (PetscInt k = 0; k < model->nterms; k++) {
      HcTerm t = model->terms[k];

      PetscCall(PetscViewerASCIIPrintf(viewer, "%-12s offset %6" PetscInt_FMT "  size %6" PetscInt_FMT "\n", t->name,
                                       model->poff[k], t->nparam));
      PetscCall(PetscViewerASCIIPushTab(viewer));
      for (PetscInt i = 0; i < PetscMin(t->nparam, 8); i++)
        PetscCall(PetscViewerASCIIPrintf(viewer, "%s = %g\n", t->paramnames[i] ? t->paramnames[i] : "?", (double)t->theta[i]));
      if (t->nparam > 8) PetscCall(PetscViewerASCIIPrintf(viewer, "... (%" PetscInt_FMT " more)\n", t->nparam - 8));
      PetscCall(PetscViewerASCIIPopTab(viewer));
    }
    PetscCall(PetscViewerASCIIPopTab(viewer));
  }
  for (PetscInt k = 0; k < model->nterms; k++) PetscCall(HcTermView(model->terms[k], viewer));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelDestroy(HcModel *model)
{
  HcModel m;

  PetscFunctionBegin;
  if (!model || !*model) PetscFunctionReturn(0);
  m      = *model;
  *model = NULL;
  for (PetscInt k = 0; k < m->nterms; k++) {
    m->terms[k]->zonalscale = NULL; /* the filter's, freed below; a term may outlive the model */
    PetscCall(HcTermDestroy(&m->terms[k]));
  }
  PetscCall(TSDestroy(&m->ts));
  PetscCall(MatDestroy(&m->J));
  PetscCall(MatDestroy(&m->Jp));
  PetscCall(VecDestroy(&m->uloc));
  PetscCall(VecDestroy(&m->vloc));
  PetscCall(VecDestroy(&m->wloc));
  PetscCall(VecDestroy(&m->yloc));
  PetscCall(VecDestroy(&m->ulinloc));
  PetscCall(VecDestroy(&m->ustate));
  PetscCall(VecDestroy(&m->pwork));
  PetscCall(HcPolarFilterDestroy(&m->polar));
  PetscCall(VecDestroy(&m->lambda));
  PetscCall(VecDestroy(&m->mu));
  PetscCall(VecDestroy(&m->dldu));
  PetscCall(VecDestroy(&m->dldtheta));
  if (m->nstates) PetscCall(VecDestroyVecs(m->nstates, &m->states));
  PetscCall(PetscFree(m->gwork));
  PetscCall(PetscFree2(m->recbuf, m->rectime));
  for (PetscInt k = 0; k < m->ninfo; k++) {
    PetscCall(PetscFree(m->infokey[k]));
    PetscCall(PetscFree(m->infoval[k]));
  }
  PetscCall(PetscFree3(m->isub, m->icum, m->stepdt));
  PetscCall(PetscFree(m->prefix));
  PetscCall(HcGridDestroy(&m->grid));
  PetscCall(PetscFree(m));
  PetscFunctionReturn(0);
}
