static const char help[] =
    "What the term registry and the term operations give a type registered outside the library (here, by the test):\n"
    "its log events (HcProbeApply, ..., named from the type, next to the built-in types' HcPhysicsApply, ...), and its\n"
    "initialisation from data (HcTermInitializeFromStates), called by the trainer (HcTrainerInitializeCycles) for any\n"
    "type that has it: the training states of every environment for a shared term, of its own environment for an\n"
    "environment's term, only the latter with envonly; a type without the operation is left alone and refuses the call.\n";

/* a term type of its own needs the ops table, as PETSc's own types need their private headers */
#include <hycast/private/termimpl.h>
#include "testutil.h"

#define NT 10

/* theta = [number of states, sum of their times, sum of their maxima]; F = 0 */
static PetscErrorCode InitFromStates_Probe(HcTerm term, PetscInt n, const PetscReal t[], const Vec u[], const char **what,
                                           char detail[], size_t len)
{
  PetscReal theta[3] = {(PetscReal)n, 0, 0};

  PetscFunctionBeginUser;
  for (PetscInt s = 0; s < n; s++) {
    PetscReal m;

    PetscCall(VecMax(u[s], NULL, &m));
    theta[1] += t[s];
    theta[2] += m;
  }
  PetscCall(HcTermSetParameters(term, theta));
  PetscCall(PetscSNPrintf(detail, len, "%" PetscInt_FMT " states", n));
  *what = "probe values";
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_Probe(HcTerm term)
{
  PetscFunctionBeginUser;
  PetscCall(HcTermSetNumParameters_Private(term, 3));
  PetscCall(HcTermSetParameterName_Private(term, 0, "count"));
  PetscCall(HcTermSetParameterName_Private(term, 1, "time_sum"));
  PetscCall(HcTermSetParameterName_Private(term, 2, "max_sum"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Nothing_Probe(HcTerm term, Vec a, Vec b)
{
  return 0;
}

static PetscErrorCode Apply_Probe(HcTerm term, PetscReal t, Vec u, Vec f)
{
  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscCall(PetscLogEventEnd(term->events[HC_TERM_EVENT_APPLY], 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode ParamJacobian_Probe(HcTerm term, const PetscReal d[], Vec y)
{
  return 0;
}

static PetscErrorCode ParamJacobianTranspose_Probe(HcTerm term, Vec w, PetscReal g[])
{
  return 0;
}

static PetscErrorCode Create_Probe(HcTerm term)
{
  PetscFunctionBeginUser;
  term->learned = PETSC_TRUE;
  term->ops     = (HcTermOps){.setup                  = SetUp_Probe,
                              .apply                  = Apply_Probe,
                              .jacobian               = Nothing_Probe,
                              .jacobiantranspose      = Nothing_Probe,
                              .paramjacobian          = ParamJacobian_Probe,
                              .paramjacobiantranspose = ParamJacobianTranspose_Probe,
                              .initfromstates         = InitFromStates_Probe};
  PetscFunctionReturn(0);
}

static PetscErrorCode AddTerm(HcModel model, HcGrid grid, HcTermType type, const char name[], PetscInt env)
{
  HcTerm t;

  PetscFunctionBeginUser;
  PetscCall(HcTermCreate(grid, &t));
  PetscCall(HcTermSetType(t, type));
  if (name) PetscCall(HcTermSetName(t, name));
  PetscCall(HcTermSetEnvironment(t, env));
  PetscCall(HcModelAddTerm(model, t));
  PetscCall(HcTermDestroy(&t));
  PetscFunctionReturn(0);
}

/* advdiff, a shared probe and environment 1's probe; a trainer on two environments of NT states, the first 6 training */
static PetscErrorCode Setup(HcGrid grid, PetscReal times[2][NT], Vec y[2][NT], HcModel *model, HcTrainer *tr)
{
  PetscFunctionBeginUser;
  PetscCall(HcModelCreate(grid, model));
  PetscCall(AddTerm(*model, grid, HCTERMADVDIFF, NULL, -1));
  PetscCall(AddTerm(*model, grid, "probe", NULL, -1));
  PetscCall(AddTerm(*model, grid, "probe", "probe_e1", 1));
  PetscCall(HcModelSetUp(*model));
  PetscCall(HcTrainerCreate(*model, tr));
  PetscCall(PetscOptionsSetValue(NULL, "-train_split", "0.6,0.2"));
  PetscCall(PetscOptionsSetValue(NULL, "-train_window", "1"));
  PetscCall(HcTrainerSetFromOptions(*tr));
  PetscCall(HcTrainerAddEnvironment(*tr, "e0", NT, times[0], y[0]));
  PetscCall(HcTrainerAddEnvironment(*tr, "e1", NT, times[1], y[1]));
  PetscCall(HcTrainerSetUp(*tr));
  PetscFunctionReturn(0);
}

/* every type has its five events under its log name; the probe's apply counts in its own */
static PetscErrorCode CheckEvents(MPI_Comm comm, HcGrid grid)
{
  const char *const names[] = {"HcProbeApply", "HcProbeJac",    "HcProbeJacT", "HcProbeJacP",    "HcProbeJacPT", "HcPhysicsApply",
                               "HcMLPJacT",    "HcMeanMLPJacP", "HcFNOJacPT",  "HcReactionJacT", "HcSeasonalJac"};
  HcTerm            t;
  Vec               u, f;
  PetscLogEvent     ev;
  PetscEventPerfInfo info;
  PetscBool          all = PETSC_TRUE;

  PetscFunctionBeginUser;
  for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
    ev = -1;
    PetscCall(PetscLogEventGetId(names[k], &ev));
    if (ev < 0) PetscCall(PetscPrintf(comm, "  no log event %s\n", names[k]));
    all = (PetscBool)(all && ev >= 0);
  }
  PetscCall(HcTestCheck(comm, all, "log events of the probe type and of the built-in types registered"));
  PetscCall(HcTermCreate(grid, &t));
  PetscCall(HcTermSetType(t, "probe"));
  PetscCall(HcTermSetUp(t));
  PetscCall(PetscLogEventGetId("HcProbeApply", &ev));
  PetscCall(HcTestCheck(comm, (PetscBool)(t->events[HC_TERM_EVENT_APPLY] == ev), "a probe term logs in HcProbeApply"));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &f));
  PetscCall(HcTermApply(t, 0, u, f));
  PetscCall(PetscLogEventGetPerfInfo(PETSC_DETERMINE, ev, &info));
  PetscCall(HcTestCheck(comm, (PetscBool)(info.count == 1), "HcProbeApply counted %d apply (want 1)", info.count));
  PetscCall(VecDestroy(&f));
  PetscCall(VecDestroy(&u));
  PetscCall(HcTermDestroy(&t));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckProbe(MPI_Comm comm, HcModel model, const char name[], const PetscReal want[3], const char when[])
{
  HcTerm           t;
  const PetscReal *th;

  PetscFunctionBeginUser;
  PetscCall(HcModelGetTerm(model, name, &t));
  PetscCall(HcTermGetParameters(t, &th));
  PetscCall(HcTestCheck(comm, (PetscBool)(th[0] == want[0] && th[1] == want[1] && th[2] == want[2]),
                        "%s: term '%s' got %g states, time sum %g, max sum %g (want %g, %g, %g)", when, name, (double)th[0],
                        (double)th[1], (double)th[2], (double)want[0], (double)want[1], (double)want[2]));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm  comm;
  HcGrid    grid;
  HcModel   model;
  HcTrainer tr;
  PetscReal times[2][NT], tsum[2] = {0, 0}, msum[2] = {0, 0};
  Vec       y[2][NT];
  int       status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscLogDefaultBegin()); /* event counts */
  comm = PETSC_COMM_WORLD;
  PetscCall(HcInitializePackage());
  PetscCall(HcTermRegister("probe", Create_Probe));
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, 8, 6, 2, PETSC_TRUE, PETSC_TRUE, &grid));
  for (PetscInt e = 0; e < 2; e++)
    for (PetscInt s = 0; s < NT; s++) {
      times[e][s] = 100 * e + 0.5 * s;
      PetscCall(HcGridCreateGlobalVector(grid, &y[e][s]));
      PetscCall(VecSet(y[e][s], (PetscReal)((e + 1) * (s + 1))));
      if (s < 6) {
        tsum[e] += times[e][s];
        msum[e] += (e + 1) * (s + 1);
      }
    }

  PetscCall(CheckEvents(comm, grid));
  PetscCall(Setup(grid, times, y, &model, &tr));
  {
    HcTerm    t;
    PetscBool has;

    PetscCall(HcModelGetTerm(model, "physics", &t));
    PetscCall(HcTermHasInitializeFromStates(t, &has));
    PetscCall(HcTestCheck(comm, (PetscBool)!has, "advdiff has no initialisation from data"));
    PetscCall(HcModelGetTerm(model, "probe", &t));
    PetscCall(HcTermHasInitializeFromStates(t, &has));
    PetscCall(HcTestCheck(comm, has, "the probe type registered by the test has one"));
  }
  PetscCall(HcTrainerInitializeCycles(tr, PETSC_FALSE));
  {
    const PetscReal shared[3] = {12, tsum[0] + tsum[1], msum[0] + msum[1]}, own[3] = {6, tsum[1], msum[1]};

    PetscCall(CheckProbe(comm, model, "probe", shared, "all terms"));
    PetscCall(CheckProbe(comm, model, "probe_e1", own, "all terms"));
  }
  {
    Vec              p;
    const PetscReal *a;
    PetscInt         off, n, lo, hi;

    /* the model's parameter vector (what training starts from) holds them too */
    PetscCall(HcModelCreateParameterVector(model, &p));
    PetscCall(HcModelGetParameters(model, p));
    PetscCall(HcModelGetParameterBlock(model, "probe", &off, &n));
    PetscCall(VecGetOwnershipRange(p, &lo, &hi));
    PetscCall(VecGetArrayRead(p, &a));
    if (off >= lo && off < hi) /* the rank that holds the block */
      PetscCall(HcTestCheck(PETSC_COMM_SELF, (PetscBool)(n == 3 && a[off - lo] == 12), "the model's parameters include them"));
    PetscCall(VecRestoreArrayRead(p, &a));
    PetscCall(VecDestroy(&p));
  }
  PetscCall(HcTrainerDestroy(&tr));
  PetscCall(HcModelDestroy(&model));

  PetscCall(Setup(grid, times, y, &model, &tr));
  PetscCall(HcTrainerInitializeCycles(tr, PETSC_TRUE));
  {
    const PetscReal none[3] = {0, 0, 0}, own[3] = {6, tsum[1], msum[1]};

    PetscCall(CheckProbe(comm, model, "probe", none, "envonly"));
    PetscCall(CheckProbe(comm, model, "probe_e1", own, "envonly"));
  }
  {
    HcTerm         t;
    PetscErrorCode ierr;
    const char    *what = NULL;

    PetscCall(HcModelGetTerm(model, "physics", &t));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = HcTermInitializeFromStates(t, NT, times[0], y[0], &what, NULL, 0);
    PetscCall(PetscPopErrorHandler());
    PetscCall(HcTestCheck(comm, (PetscBool)(ierr == PETSC_ERR_SUP && !what), "advdiff refuses HcTermInitializeFromStates"));
  }
  PetscCall(HcTrainerDestroy(&tr));
  PetscCall(HcModelDestroy(&model));
  for (PetscInt e = 0; e < 2; e++)
    for (PetscInt s = 0; s < NT; s++) PetscCall(VecDestroy(&y[e][s]));
  PetscCall(HcGridDestroy(&grid));
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
