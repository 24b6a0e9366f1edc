static const char help[] =
    "Adaptation as a trainer call (HcTrainerSetAdaptation, what hycast train -adapt uses): a model of shared physics and\n"
    "an environment's MLP trained on one environment's data changes the MLP only, the physics bit for bit as it was;\n"
    "with -train_params physics the choice is the option's, and only the physics changes.\n";

#include "testutil.h"

#define NT 8

/* a copy of a term's parameters (the same on every rank) */
static PetscErrorCode CopyTerm(HcModel model, const char name[], PetscReal **theta, PetscInt *n)
{
  HcTerm           t;
  const PetscReal *th;

  PetscFunctionBeginUser;
  PetscCall(HcModelGetTerm(model, name, &t));
  PetscCall(HcTermGetNumParameters(t, n));
  PetscCall(HcTermGetParameters(t, &th));
  PetscCall(PetscMalloc1(*n, theta));
  PetscCall(PetscArraycpy(*theta, th, *n));
  PetscFunctionReturn(0);
}

/* did a term's parameters change from theta? */
static PetscErrorCode Changed(HcModel model, const char name[], const PetscReal theta[], PetscBool *changed)
{
  PetscReal *now;
  PetscInt   n;

  PetscFunctionBeginUser;
  PetscCall(CopyTerm(model, name, &now, &n));
  *changed = PETSC_FALSE;
  for (PetscInt i = 0; i < n; i++)
    if (now[i] != theta[i]) *changed = PETSC_TRUE;
  PetscCall(PetscFree(now));
  PetscFunctionReturn(0);
}

/* Train 2 Adam epochs as an adaptation and report which blocks moved. */
static PetscErrorCode Adapt(HcGrid grid, PetscReal times[], Vec y[], const char params[], PetscBool *phys, PetscBool *mlp)
{
  HcModel    model;
  HcTerm     t;
  HcTrainer  tr;
  PetscReal *p0, *m0;
  PetscInt   n;

  PetscFunctionBeginUser;
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcTermCreate(grid, &t));
  PetscCall(HcTermSetType(t, HCTERMADVDIFF));
  PetscCall(HcModelAddTerm(model, t));
  PetscCall(HcTermDestroy(&t));
  PetscCall(HcTermCreate(grid, &t));
  PetscCall(HcTermSetType(t, HCTERMMLP));
  PetscCall(HcTermSetName(t, "mlp_env0"));
  PetscCall(HcTermSetEnvironment(t, 0));
  PetscCall(HcTermMLPSetInitialization(t, 3, 0.3));
  PetscCall(HcModelAddTerm(model, t));
  PetscCall(HcTermDestroy(&t));
  PetscCall(HcModelSetUp(model));
  PetscCall(CopyTerm(model, "physics", &p0, &n));
  PetscCall(CopyTerm(model, "mlp_env0", &m0, &n));
  PetscCall(HcTrainerCreate(model, &tr));
  PetscCall(HcTrainerSetAdaptation(tr, PETSC_TRUE));
  PetscCall(PetscOptionsInsertString(NULL, "-train_epochs 2 -train_optimizer adam -train_lr 1e-2 -train_window 1"));
  if (params)
    PetscCall(PetscOptionsSetValue(NULL, "-train_params", params));
  else
    PetscCall(PetscOptionsClearValue(NULL, "-train_params"));
  PetscCall(HcTrainerSetFromOptions(tr));
  PetscCall(HcTrainerAddEnvironment(tr, "new", NT, times, y));
  PetscCall(HcTrainerSetUp(tr));
  PetscCall(HcTrainerTrain(tr));
  PetscCall(Changed(model, "physics", p0, phys));
  PetscCall(Changed(model, "mlp_env0", m0, mlp));
  PetscCall(PetscFree(p0));
  PetscCall(PetscFree(m0));
  PetscCall(HcTrainerDestroy(&tr));
  PetscCall(HcModelDestroy(&model));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm  comm;
  HcGrid    grid;
  PetscReal times[NT];
  Vec       y[NT];
  PetscBool phys, mlp;
  int       status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, 16, 12, 2, PETSC_TRUE, PETSC_TRUE, &grid));
  for (PetscInt k = 0; k < NT; k++) {
    times[k] = 0.05 * k;
    PetscCall(HcGridCreateGlobalVector(grid, &y[k]));
    PetscCall(HcTestSmoothField(grid, 11 + k, y[k]));
  }
  PetscCall(Adapt(grid, times, y, NULL, &phys, &mlp));
  PetscCall(HcTestCheck(comm, (PetscBool)(mlp && !phys), "adaptation: the environment's MLP trained (%s), the physics kept (%s)",
                        mlp ? "changed" : "unchanged", phys ? "changed" : "unchanged"));
  PetscCall(Adapt(grid, times, y, "physics", &phys, &mlp));
  PetscCall(HcTestCheck(comm, (PetscBool)(!mlp && phys),
                        "adaptation with -train_params physics: the physics trained (%s), the MLP kept (%s)",
                        phys ? "changed" : "unchanged", mlp ? "changed" : "unchanged"));
  for (PetscInt k = 0; k < NT; k++) PetscCall(VecDestroy(&y[k]));
  PetscCall(HcGridDestroy(&grid));
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
