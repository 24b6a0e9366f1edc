static const char help[] =
    "Training end to end on data made by the physics itself: physical-parameter identification (diffusivities and\n"
    "velocity recovered within 2%) with the optimiser of -train_optimizer; and exact resume: training that is\n"
    "stopped at an epoch and resumed from its saved state ends with the parameters of an uninterrupted run.\n";

#include "testutil.h"

#define NT 16

static const PetscReal truthK[2] = {3e-3, 1.2e-3}, truthV[2] = {0.45, -0.25};

typedef struct {
  HcGrid    grid;
  HcModel   model;
  Vec      *y[2];
  PetscReal times[NT];
} Data;

static PetscErrorCode SetPhysics(HcModel model, const PetscReal K[2], const PetscReal v[2])
{
  Vec p;

  PetscFunctionBeginUser;
  PetscCall(HcModelCreateParameterVector(model, &p));
  PetscCall(HcModelGetParameters(model, p));
  PetscCall(VecSetValue(p, 0, PetscLogReal(K[0]), INSERT_VALUES));
  PetscCall(VecSetValue(p, 1, PetscLogReal(K[1]), INSERT_VALUES));
  PetscCall(VecSetValue(p, 2, v[0], INSERT_VALUES));
  PetscCall(VecSetValue(p, 3, v[1], INSERT_VALUES));
  PetscCall(VecAssemblyBegin(p));
  PetscCall(VecAssemblyEnd(p));
  PetscCall(HcModelSetParameters(model, p));
  PetscCall(VecDestroy(&p));
  PetscFunctionReturn(0);
}

/* Two environments (different initial states) observed every 0.05 time units, generated with the true physics. */
static PetscErrorCode DataCreate(MPI_Comm comm, Data *d)
{
  const PetscReal K0[2] = {1e-3, 1e-3}, v0[2] = {0.2, 0.0};
  Vec             u;

  PetscFunctionBeginUser;
  for (int k = 0; k < NT; k++) d->times[k] = 0.05 * k;
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, 24, 24, 2, PETSC_TRUE, PETSC_TRUE, &d->grid));
  PetscCall(HcModelCreate(d->grid, &d->model));
  PetscCall(HcModelSetFromOptions(d->model));
  PetscCall(HcModelSetUp(d->model));
  PetscCall(SetPhysics(d->model, truthK, truthV));
  PetscCall(HcGridCreateGlobalVector(d->grid, &u));
  for (int e = 0; e < 2; e++) {
    PetscCall(VecDuplicateVecs(u, NT, &d->y[e]));
    PetscCall(HcTestSmoothField(d->grid, 7 + e, d->y[e][0]));
    PetscCall(VecCopy(d->y[e][0], u));
    PetscCall(HcModelSolve(d->model, NT - 1, d->times, u, d->y[e] + 1));
  }
  PetscCall(VecDestroy(&u));
  PetscCall(SetPhysics(d->model, K0, v0)); /* start far from the truth */
  PetscFunctionReturn(0);
}

static PetscErrorCode DataDestroy(Data *d)
{
  PetscFunctionBeginUser;
  for (int e = 0; e < 2; e++) PetscCall(VecDestroyVecs(NT, &d->y[e]));
  PetscCall(HcModelDestroy(&d->model));
  PetscCall(HcGridDestroy(&d->grid));
  PetscFunctionReturn(0);
}

/* Train with the options plus extra ones (pushed for this run only); return the final parameters (on every rank). */
static PetscErrorCode Train(Data *d, const char extra[], PetscReal theta[4])
{
  HcTrainer          tr;
  Vec                p;
  const PetscScalar *a;
  PetscInt           n;
  MPI_Comm           comm;

  PetscFunctionBeginUser;
  PetscCall(HcGridGetComm(d->grid, &comm));
  PetscCall(PetscOptionsInsertString(NULL, extra));
  PetscCall(HcTrainerCreate(d->model, &tr));
  PetscCall(HcTrainerSetFromOptions(tr));
  PetscCall(HcTrainerAddEnvironment(tr, "a", NT, d->times, d->y[0]));
  PetscCall(HcTrainerAddEnvironment(tr, "b", NT, d->times, d->y[1]));
  PetscCall(HcTrainerTrain(tr));
  PetscCall(HcTrainerDestroy(&tr));
  PetscCall(HcModelCreateParameterVector(d->model, &p));
  PetscCall(HcModelGetParameters(d->model, p));
  PetscCall(VecGetLocalSize(p, &n));
  PetscCall(VecGetArrayRead(p, &a));
  for (PetscInt i = 0; i < 4 && n; i++) theta[i] = PetscRealPart(a[i]);
  PetscCall(VecRestoreArrayRead(p, &a));
  PetscCallMPI(MPI_Bcast(theta, 4, MPIU_REAL, 0, comm));
  PetscCall(VecDestroy(&p));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm  comm;
  Data      d;
  PetscReal theta[4], full[4], resumed[4], err;
  PetscBool resume                    = PETSC_FALSE;
  char      state[PETSC_MAX_PATH_LEN] = "build/tests/t071-state.nc";
  int       status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscOptionsBegin(comm, NULL, "t071 options", NULL);
  PetscCall(PetscOptionsBool("-test_resume", "Check exact resume instead of identification", NULL, resume, &resume, NULL));
  PetscCall(
      PetscOptionsString("-test_state", "Training state file of the resume check", NULL, state, state, sizeof(state), NULL));
  PetscOptionsEnd();
  PetscCall(DataCreate(comm, &d));
  if (!resume) {
    PetscCall(Train(&d, "", theta));
    for (int c = 0; c < 2; c++) {
      err = PetscAbsReal(PetscExpReal(theta[c]) / truthK[c] - 1);
      PetscCall(HcTestCheck(comm, err < 0.02, "diffusivity %d: %.6g, truth %.6g (rel error %.2e)", c,
                            (double)PetscExpReal(theta[c]), (double)truthK[c], (double)err));
      err = PetscAbsReal(theta[2 + c] / truthV[c] - 1);
      PetscCall(HcTestCheck(comm, err < 0.02, "velocity %d: %.6g, truth %.6g (rel error %.2e)", c, (double)theta[2 + c],
                            (double)truthV[c], (double)err));
    }
  } else {
    const PetscReal K0[2] = {1e-3, 1e-3}, v0[2] = {0.2, 0.0};
    char            opt[PETSC_MAX_PATH_LEN + 64];

    /* uninterrupted run of 6 epochs; then 3 epochs saving the state, and a fresh trainer resuming to 6 */
    PetscCall(Train(&d, "-train_epochs 6", full));
    PetscCall(SetPhysics(d.model, K0, v0));
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-train_epochs 3 -train_checkpoint %s", state));
    PetscCall(Train(&d, opt, theta));
    PetscCall(PetscOptionsClearValue(NULL, "-train_checkpoint"));
    PetscCall(SetPhysics(d.model, K0, v0)); /* the resumed run must take everything from the file */
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-train_epochs 6 -train_resume %s", state));
    PetscCall(Train(&d, opt, resumed));
    err = 0;
    for (int i = 0; i < 4; i++) err = PetscMax(err, PetscAbsReal(resumed[i] - full[i]) / PetscAbsReal(full[i]));
    PetscCall(HcTestCheck(comm, err <= 1e-12, "resumed after 3 of 6 epochs: parameters equal an uninterrupted run to %.1e",
                          (double)err));
    err = 0;
    for (int i = 0; i < 4; i++) err = PetscMax(err, PetscAbsReal(theta[i] - full[i]) / PetscAbsReal(full[i]));
    PetscCall(
        HcTestCheck(comm, err > 1e-6, "and 3 epochs alone end elsewhere (rel diff %.1e), so the check can fail", (double)err));
  }
  PetscCall(DataDestroy(&d));
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
