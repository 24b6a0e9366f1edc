/* HcTerm: one additive term of the right-hand side, its type chosen from HcTermList. */
#include <ctype.h>
#include <hycast/private/termimpl.h>

PetscFunctionList HcTermList = NULL;

/* the registered type names in order, for -help (a PetscFunctionList cannot be walked through the public API), and each
   type's log events */
#define HC_MAX_TERM_TYPES 32
static char         *hc_term_types[HC_MAX_TERM_TYPES];
static PetscLogEvent hc_term_events[HC_MAX_TERM_TYPES][HC_TERM_NUM_EVENTS];
static PetscInt      hc_nterm_types = 0;

/*@C
  HcTermRegister - add a term type: HcTermSetType(term, name) calls create(term), which fills in the term's ops
  (hycast/private/termimpl.h).  The type gets its log events, Hc<Name>Apply, Hc<Name>Jac, ... (Name: name capitalised).
@*/
PetscErrorCode HcTermRegister(const char name[], PetscErrorCode (*create)(HcTerm))
{
  PetscFunctionBegin;
  PetscCall(HcTermRegisterNamed_Private(name, NULL, create));
  PetscFunctionReturn(0);
}

/* HcTermRegister() with the name of the type's log events (NULL: the type name capitalised) */
PetscErrorCode HcTermRegisterNamed_Private(const char name[], const char logname[], PetscErrorCode (*create)(HcTerm))
{
  static const char *const suffix[HC_TERM_NUM_EVENTS] = {"Apply", "Jac", "JacT", "JacP", "JacPT"};
  PetscBool                known                      = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(HcInitializePackage());
  PetscCall(PetscFunctionListAdd(&HcTermList, name, create));
  for (PetscInt k = 0; k < hc_nterm_types && !known; k++) PetscCall(PetscStrcmp(hc_term_types[k], name, &known));
  if (known) PetscFunctionReturn(0);
  PetscCheck(hc_nterm_types < HC_MAX_TERM_TYPES, PETSC_COMM_SELF, PETSC_ERR_SUP, "HcTermRegister: at most %d term types",
             HC_MAX_TERM_TYPES);
  for (int e = 0; e < HC_TERM_NUM_EVENTS; e++) {
    char ev[64];

    PetscCall(PetscSNPrintf(ev, sizeof(ev), "Hc%s%s", logname ? logname : name, suffix[e]));
    if (!logname) ev[2] = (char)toupper((unsigned char)ev[2]);
    PetscCall(PetscLogEventRegister(ev, HC_CLASSID, &hc_term_events[hc_nterm_types][e]));
  }
  PetscCall(PetscStrallocpy(name, &hc_term_types[hc_nterm_types++]));
  PetscFunctionReturn(0);
}

/* The registered term types (freed by HcTermTypesDestroy_Private at PetscFinalize). */
PetscErrorCode HcTermGetRegisteredTypes_Private(PetscInt *n, char *const **types)
{
  PetscFunctionBegin;
  *n     = hc_nterm_types;
  *types = hc_term_types;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermTypesDestroy_Private(void)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < hc_nterm_types; k++) PetscCall(PetscFree(hc_term_types[k]));
  hc_nterm_types = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermCreate(HcGrid grid, HcTerm *term)
{
  HcTerm t;

  PetscFunctionBegin;
  PetscCall(HcInitializePackage());
  PetscCheck(grid->setupcalled, grid->comm, PETSC_ERR_ORDER, "HcTermCreate: set up the grid first");
  PetscCall(PetscNew(&t));
  t->comm  = grid->comm;
  t->refct = 1;
  t->grid  = grid;
  t->env   = -1;
  PetscCall(HcGridReference(grid));
  *term = t;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermSetType(HcTerm term, HcTermType type)
{
  PetscErrorCode (*create)(HcTerm);
  PetscBool same;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(term->type_name, type, &same));
  if (same) PetscFunctionReturn(0);
  PetscCheck(!term->type_name, term->comm, PETSC_ERR_ORDER, "HcTerm: the type is already %s", term->type_name);
  PetscCall(PetscFunctionListFind(HcTermList, type, &create));
  PetscCheck(create, term->comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "HcTerm: unknown term type '%s' (known: see -help)", type);
  PetscCall(PetscStrallocpy(type, &term->type_name));
  for (PetscInt k = 0; k < hc_nterm_types && !term->events; k++) {
    PetscBool same;

    PetscCall(PetscStrcmp(hc_term_types[k], type, &same));
    if (same) term->events = hc_term_events[k];
  }
  PetscCall(create(term));
  if (!term->name) PetscCall(PetscStrallocpy(type, &term->name));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermGetType(HcTerm term, HcTermType *type)
{
  PetscFunctionBegin;
  *type = term->type_name;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermCheckType_Private(HcTerm term, const char type[])
{
  PetscBool same;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(term->type_name, type, &same));
  PetscCheck(same, term->comm, PETSC_ERR_ARG_WRONG, "HcTerm '%s' is of type %s, not %s", term->name, term->type_name, type);
  PetscFunctionReturn(0);
}

/*@C
  HcTermSetName - the name of the term's parameter block in the model (default: the type name).
@*/
PetscErrorCode HcTermSetName(HcTerm term, const char name[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(term->name));
  PetscCall(PetscStrallocpy(name, &term->name));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermGetName(HcTerm term, const char **name)
{
  PetscFunctionBegin;
  *name = term->name;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermSetOptionsPrefix(HcTerm term, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(term->prefix));
  PetscCall(PetscStrallocpy(prefix, &term->prefix));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermSetFromOptions(HcTerm term)
{
  PetscFunctionBegin;
  PetscCall(HcTermSetFromOptionsTitled_Private(term, ""));
  PetscFunctionReturn(0);
}

/* SetFromOptions with a note after the type in the -help title (the model lists the types it does not use) */
PetscErrorCode HcTermSetFromOptionsTitled_Private(HcTerm term, const char note[])
{
  char title[256];

  PetscFunctionBegin;
  PetscCheck(term->type_name, term->comm, PETSC_ERR_ORDER, "HcTerm: set the type before HcTermSetFromOptions()");
  /* -help prints a (prefix, title) block once: the type in the title lets every term type list its options */
  PetscCall(PetscSNPrintf(title, sizeof(title), "Right-hand-side term options (HcTerm %s%s)", term->type_name, note));
  PetscOptionsBegin(term->comm, term->prefix, title, "HcTerm");
  if (term->ops.setfromoptions) PetscCall(term->ops.setfromoptions(term, PetscOptionsObject));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermSetUp(HcTerm term)
{
  PetscFunctionBegin;
  if (term->setupcalled) PetscFunctionReturn(0);
  PetscCheck(term->type_name, term->comm, PETSC_ERR_ORDER, "HcTerm: set the type before HcTermSetUp()");
  if (term->ops.setup) PetscCall(term->ops.setup(term));
  term->setupcalled = PETSC_TRUE;
  if (term->ops.parameterschanged) PetscCall(term->ops.parameterschanged(term));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermGetGrid(HcTerm term, HcGrid *grid)
{
  PetscFunctionBegin;
  *grid = term->grid;
  PetscFunctionReturn(0);
}

/*@C
  HcTermSetEnvironment - make the term specific to environment e (LEADS' G_e; -1: shared by every environment).
  Set before HcTermSetUp(): random initial parameters depend on it.
@*/
PetscErrorCode HcTermSetEnvironment(HcTerm term, PetscInt e)
{
  PetscFunctionBegin;
  PetscCheck(!term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': set the environment before HcTermSetUp()",
             term->name);
  PetscCheck(e >= -1, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTerm: environment must be >= -1, got %" PetscInt_FMT, e);
  term->env = e;
  PetscFunctionReturn(0);
}

/*@C
  HcTermSetForcing - select the forcing of data environment k (the data a run integrates; independent of the LEADS
  environment of HcTermSetEnvironment()) for terms driven by data, e.g. advdiff with a velocity series; others ignore it.
  Default 0.  The linearisation point is forgotten.
@*/
PetscErrorCode HcTermSetForcing(HcTerm term, PetscInt k)
{
  PetscFunctionBegin;
  PetscCheck(k >= 0, term->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTerm '%s': forcing index must be >= 0, got %" PetscInt_FMT,
             term->name, k);
  if (term->ops.setforcing) PetscCall(term->ops.setforcing(term, k));
  term->linearized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermGetEnvironment(HcTerm term, PetscInt *e)
{
  PetscFunctionBegin;
  *e = term->env;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermIsLearned(HcTerm term, PetscBool *learned)
{
  PetscFunctionBegin;
  *learned = term->learned;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermSetNumParameters_Private(HcTerm term, PetscInt n)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(term->theta));
  PetscCall(PetscFree(term->fixed));
  if (term->paramnames) PetscCall(PetscStrArrayDestroy(&term->paramnames));
  term->nparam  = n;
  term->nreport = n;
  PetscCall(PetscCalloc1(n, &term->theta));
  PetscCall(PetscCalloc1(n + 1, &term->paramnames));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermSetParameterName_Private(HcTerm term, PetscInt k, const char name[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(term->paramnames[k]));
  PetscCall(PetscStrallocpy(name, &term->paramnames[k]));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermCheckSetUp_Private(HcTerm term)
{
  PetscFunctionBegin;
  PetscCheck(term->setupcalled, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': call HcTermSetUp() first",
             term->name ? term->name : "(untyped)");
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermGetNumParameters(HcTerm term, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckSetUp_Private(term));
  *n = term->nparam;
  PetscFunctionReturn(0);
}

/*@C
  HcTermGetNumReportedParameters - the leading parameters that are scalar coefficients (all unless the type says
  otherwise, e.g. not the per-cell values of a seasonal cycle): what training shows in its progress lines and logs.
@*/
PetscErrorCode HcTermGetNumReportedParameters(HcTerm term, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckSetUp_Private(term));
  *n = term->nreport;
  PetscFunctionReturn(0);
}

/*@C
  HcTermGetFixedParameters - per parameter, whether the term holds it fixed (training leaves it alone whatever
  -train_params says, e.g. a seasonal cycle with -seasonal_learn_cycle 0); NULL when none is.
@*/
PetscErrorCode HcTermGetFixedParameters(HcTerm term, const PetscBool *fixed[])
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckSetUp_Private(term));
  *fixed = term->fixed;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermGetParameterName(HcTerm term, PetscInt k, const char **name)
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckSetUp_Private(term));
  PetscCheck(k >= 0 && k < term->nparam, term->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcTerm '%s': parameter %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", term->name, k, term->nparam);
  *name = term->paramnames[k];
  PetscFunctionReturn(0);
}

/*@C
  HcTermGetParameters - the term's parameters (replicated on every rank; read only).
@*/
PetscErrorCode HcTermGetParameters(HcTerm term, const PetscReal *theta[])
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckSetUp_Private(term));
  *theta = term->theta;
  PetscFunctionReturn(0);
}

/*@C
  HcTermSetParameters - set the term's parameters; every rank must pass the same values.
@*/
PetscErrorCode HcTermSetParameters(HcTerm term, const PetscReal theta[])
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckSetUp_Private(term));
  PetscCall(PetscArraycpy(term->theta, theta, term->nparam));
  term->linearized = PETSC_FALSE;
  if (term->ops.parameterschanged) PetscCall(term->ops.parameterschanged(term));
  PetscFunctionReturn(0);
}

/* The stand-alone product functions below overwrite their output; the model calls the ops directly and shares one
   ghost exchange among all its terms. */

PetscErrorCode HcTermApply(HcTerm term, PetscReal t, Vec u, Vec f)
{
  Vec uloc;

  PetscFunctionBegin;
  PetscCall(HcTermCheckSetUp_Private(term));
  if (term->ops.applyglobal) {
    PetscBool done;

    PetscCall(term->ops.applyglobal(term, t, u, f, &done));
    if (done) PetscFunctionReturn(0);
  }
  PetscCall(DMGetLocalVector(term->grid->da, &uloc));
  PetscCall(DMGlobalToLocal(term->grid->da, u, INSERT_VALUES, uloc));
  if (term->ops.applyinsert)
    PetscCall(term->ops.applyinsert(term, t, uloc, f));
  else {
    PetscCall(VecSet(f, 0));
    PetscCall(term->ops.apply(term, t, uloc, f));
  }
  PetscCall(DMRestoreLocalVector(term->grid->da, &uloc));
  PetscFunctionReturn(0);
}

/*@C
  HcTermLinearize - set the point (t, u) at which the Jacobian products of the term are taken.
@*/
PetscErrorCode HcTermLinearize(HcTerm term, PetscReal t, Vec u)
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckSetUp_Private(term));
  if (!term->ulin) PetscCall(DMCreateLocalVector(term->grid->da, &term->ulin));
  PetscCall(DMGlobalToLocal(term->grid->da, u, INSERT_VALUES, term->ulin));
  term->tlin = t;
  if (term->ops.linearize) PetscCall(term->ops.linearize(term, t, term->ulin));
  term->linearized = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTermCheckLinearized_Private(HcTerm term)
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckSetUp_Private(term));
  PetscCheck(term->linearized, term->comm, PETSC_ERR_ORDER, "HcTerm '%s': call HcTermLinearize() before a Jacobian product",
             term->name);
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermApplyJacobian(HcTerm term, Vec v, Vec y)
{
  Vec vloc;

  PetscFunctionBegin;
  PetscCall(HcTermCheckLinearized_Private(term));
  PetscCall(DMGetLocalVector(term->grid->da, &vloc));
  PetscCall(DMGlobalToLocal(term->grid->da, v, INSERT_VALUES, vloc));
  PetscCall(VecSet(y, 0));
  PetscCall(term->ops.jacobian(term, vloc, y));
  PetscCall(DMRestoreLocalVector(term->grid->da, &vloc));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermApplyJacobianTranspose(HcTerm term, Vec w, Vec y)
{
  Vec wloc, yloc;

  PetscFunctionBegin;
  PetscCall(HcTermCheckLinearized_Private(term));
  PetscCall(DMGetLocalVector(term->grid->da, &wloc));
  PetscCall(DMGetLocalVector(term->grid->da, &yloc));
  PetscCall(DMGlobalToLocal(term->grid->da, w, INSERT_VALUES, wloc));
  PetscCall(VecSet(yloc, 0));
  PetscCall(term->ops.jacobiantranspose(term, wloc, yloc));
  PetscCall(VecSet(y, 0));
  PetscCall(DMLocalToGlobal(term->grid->da, yloc, ADD_VALUES, y));
  PetscCall(DMRestoreLocalVector(term->grid->da, &yloc));
  PetscCall(DMRestoreLocalVector(term->grid->da, &wloc));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermApplyParameterJacobian(HcTerm term, const PetscReal dtheta[], Vec y)
{
  PetscFunctionBegin;
  PetscCall(HcTermCheckLinearized_Private(term));
  PetscCall(VecSet(y, 0));
  if (term->nparam) PetscCall(term->ops.paramjacobian(term, dtheta, y));
  PetscFunctionReturn(0);
}

/*@C
  HcTermApplyParameterJacobianTranspose - g = (dF/dtheta)^T w, summed over all ranks (the same on every rank).
@*/
PetscErrorCode HcTermApplyParameterJacobianTranspose(HcTerm term, Vec w, PetscReal g[])
{
  Vec wloc;

  PetscFunctionBegin;
  PetscCall(HcTermCheckLinearized_Private(term));
  if (!term->nparam) PetscFunctionReturn(0);
  PetscCall(PetscArrayzero(g, term->nparam));
  PetscCall(DMGetLocalVector(term->grid->da, &wloc));
  PetscCall(DMGlobalToLocal(term->grid->da, w, INSERT_VALUES, wloc));
  PetscCall(term->ops.paramjacobiantranspose(term, wloc, g));
  PetscCall(DMRestoreLocalVector(term->grid->da, &wloc));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, g, (PetscMPIInt)term->nparam, MPIU_REAL, MPI_SUM, term->comm));
  PetscFunctionReturn(0);
}

/*@C
  HcTermEstimateRates - bounds on the advective and diffusive rates (1/time) of the term's Jacobian, for the CFL check.
@*/
PetscErrorCode HcTermEstimateRates(HcTerm term, PetscReal *adv, PetscReal *dif)
{
  PetscReal r[2] = {0, 0};

  PetscFunctionBegin;
  PetscCall(HcTermCheckSetUp_Private(term));
  if (term->ops.estimaterates) PetscCall(term->ops.estimaterates(term, &r[0], &r[1]));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, r, 2, MPIU_REAL, MPI_MAX, term->comm));
  *adv = r[0];
  *dif = r[1];
  PetscFunctionReturn(0);
}

/*@C
  HcTermHasInitializeFromStates - whether the term's type takes parameters from data before training
  (HcTermInitializeFromStates(): e.g. a seasonal or reference cycle).
@*/
PetscErrorCode HcTermHasInitializeFromStates(HcTerm term, PetscBool *has)
{
  PetscFunctionBegin;
  *has = term->ops.initfromstates ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  HcTermInitializeFromStates - set the parameters the term's type takes from data from observed states u[0..n) at model
  times t[0..n) (the same times on every rank); the others are left alone.  *what (may be NULL) names what was set and
  detail (len chars, may be NULL) says how, for a line of the training log.  An error for a type without this operation.
@*/
PetscErrorCode HcTermInitializeFromStates(HcTerm term, PetscInt n, const PetscReal t[], const Vec u[], const char **what,
                                          char detail[], size_t len)
{
  const char *w = NULL;
  char        buf[8];

  PetscFunctionBegin;
  PetscCall(HcTermCheckSetUp_Private(term));
  PetscCheck(term->ops.initfromstates, term->comm, PETSC_ERR_SUP, "HcTerm '%s' (type %s) takes no parameters from data",
             term->name, term->type_name);
  PetscCall(term->ops.initfromstates(term, n, t, u, &w, detail ? detail : buf, detail ? len : sizeof(buf)));
  if (what) *what = w;
  PetscFunctionReturn(0);
}

/* For the types whose data initialisation is a cycle of K phases set by setcycle (seasonal, meanmlp): detail = "states
   per phase c0,c1,...", how many states each phase was set from. */
PetscErrorCode HcTermInitializeCycle_Private(HcTerm term, PetscInt K, HcTermSetCycleFn setcycle, PetscInt n, const PetscReal t[],
                                             const Vec u[], char detail[], size_t len)
{
  PetscInt *count;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(K, &count));
  PetscCall(setcycle(term, n, t, u, count));
  PetscCall(PetscStrncpy(detail, "states per phase ", len));
  for (PetscInt q = 0; q < K; q++) {
    char item[32];

    PetscCall(PetscSNPrintf(item, sizeof(item), "%s%" PetscInt_FMT, q ? "," : "", count[q]));
    PetscCall(PetscStrlcat(detail, item, len));
  }
  PetscCall(PetscFree(count));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermView(HcTerm term, PetscViewer viewer)
{
  PetscBool isascii;

  PetscFunctionBegin;
  if (!viewer) viewer = PETSC_VIEWER_STDOUT_(term->comm);
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &isascii));
  if (!isascii) PetscFunctionReturn(0);
  if (term->env >= 0)
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "HcTerm '%s' (type %s, environment %" PetscInt_FMT "): %" PetscInt_FMT " parameter(s)\n",
                                     term->name, term->type_name, term->env, term->nparam));
  else
    PetscCall(PetscViewerASCIIPrintf(viewer, "HcTerm '%s' (type %s): %" PetscInt_FMT " parameter(s)\n", term->name,
                                     term->type_name, term->nparam));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  if (term->ops.view) PetscCall(term->ops.view(term, viewer));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermReference(HcTerm term)
{
  PetscFunctionBegin;
  term->refct++;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTermDestroy(HcTerm *term)
{
  HcTerm t;

  PetscFunctionBegin;
  if (!term || !*term) PetscFunctionReturn(0);
  t     = *term;
  *term = NULL;
  if (--t->refct > 0) PetscFunctionReturn(0);
  if (t->ops.destroy) PetscCall(t->ops.destroy(t));
  PetscCall(PetscFree(t->theta));
  PetscCall(PetscFree(t->fixed));
  if (t->paramnames) PetscCall(PetscStrArrayDestroy(&t->paramnames));
  PetscCall(VecDestroy(&t->ulin));
  PetscCall(PetscFree(t->type_name));
  PetscCall(PetscFree(t->name));
  PetscCall(PetscFree(t->prefix));
  PetscCall(HcGridDestroy(&t->grid));
  PetscCall(PetscFree(t));
  PetscFunctionReturn(0);
}
