static const char help[] =
    "Training loss gradients: the gradient of a batch loss (-train_loss erm, vrex, ...) over windows of several\n"
    "environments against central finite differences; the same gradient with the ranks split into groups\n"
    "(-train_groups) as with one group.\n";

#include "testutil.h"

typedef struct {
  HcGrid    grid;
  HcModel   model;
  HcTrainer tr;
  Vec      *y[3];
  PetscInt  nt;
} Setup;

/* Observations: each environment integrates the physics with its own velocity from its own smooth initial state, on
   uneven observation times. */
static PetscErrorCode SetupCreate(MPI_Comm comm, PetscInt ngroups, PetscInt group, MPI_Comm world, Setup *s)
{
  const PetscReal truth[3][2] = {{0.5, -0.3}, {0.2, 0.4}, {-0.35, 0.1}};
  PetscReal       times[16];
  Vec             u;

  PetscFunctionBeginUser;
  s->nt = 14;
  for (PetscInt k = 0; k < s->nt; k++) times[k] = 0.05 * k + 0.01 * (k % 3);
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, 20, 16, 2, PETSC_TRUE, PETSC_FALSE, &s->grid));
  PetscCall(HcTestSetIrregularMask(s->grid, 9, 0.08));
  PetscCall(HcModelCreate(s->grid, &s->model));
  PetscCall(HcModelSetFromOptions(s->model));
  PetscCall(HcModelSetUp(s->model));
  PetscCall(HcGridCreateGlobalVector(s->grid, &u));
  for (int e = 0; e < 3; e++) {
    Vec      p;
    PetscInt off;

    PetscCall(HcModelCreateParameterVector(s->model, &p));
    PetscCall(HcModelGetParameters(s->model, p));
    PetscCall(HcModelGetParameterBlock(s->model, "physics", &off, NULL));
    PetscCall(VecSetValue(p, off + 2, truth[e][0], INSERT_VALUES));
    PetscCall(VecSetValue(p, off + 3, truth[e][1], INSERT_VALUES));
    PetscCall(VecAssemblyBegin(p));
    PetscCall(VecAssemblyEnd(p));
    PetscCall(HcModelSetParameters(s->model, p));
    PetscCall(VecDuplicateVecs(u, s->nt, &s->y[e]));
    PetscCall(HcTestSmoothField(s->grid, 100 + e, s->y[e][0]));
    PetscCall(VecCopy(s->y[e][0], u));
    PetscCall(HcModelSolve(s->model, s->nt - 1, times, u, s->y[e] + 1));
    PetscCall(VecDestroy(&p));
  }
  /* back to the options' parameters, away from every truth */
  {
    Vec p;

    PetscCall(HcModelCreateParameterVector(s->model, &p));
    PetscCall(HcModelGetParameters(s->model, p));
    PetscCall(VecSetValue(p, 2, 0.1, INSERT_VALUES));
    PetscCall(VecSetValue(p, 3, 0.05, INSERT_VALUES));
    PetscCall(VecAssemblyBegin(p));
    PetscCall(VecAssemblyEnd(p));
    PetscCall(HcModelSetParameters(s->model, p));
    PetscCall(VecDestroy(&p));
  }
  PetscCall(VecDestroy(&u));
  PetscCall(HcTrainerCreate(s->model, &s->tr));
  if (ngroups > 1) PetscCall(HcTrainerSetGroups(s->tr, world, ngroups, group));
  PetscCall(HcTrainerSetFromOptions(s->tr));
  for (int e = 0; e < 3; e++) {
    char name[16];

    PetscCall(PetscSNPrintf(name, sizeof(name), "env%d", e));
    PetscCall(HcTrainerAddEnvironment(s->tr, name, s->nt, times, s->y[e]));
  }
  PetscCall(HcTrainerSetUp(s->tr));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetupDestroy(Setup *s)
{
  PetscFunctionBeginUser;
  for (int e = 0; e < 3; e++) PetscCall(VecDestroyVecs(s->nt, &s->y[e]));
  PetscCall(HcTrainerDestroy(&s->tr));
  PetscCall(HcModelDestroy(&s->model));
  PetscCall(HcGridDestroy(&s->grid));
  PetscFunctionReturn(0);
}

/* Every window of the training split. */
static PetscErrorCode AllWindows(HcTrainer tr, PetscInt *n, PetscInt **idx)
{
  PetscFunctionBeginUser;
  PetscCall(HcTrainerGetNumWindows(tr, HC_SPLIT_TRAIN, n));
  PetscCall(PetscMalloc1(*n, idx));
  for (PetscInt i = 0; i < *n; i++) (*idx)[i] = i;
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm    world;
  PetscMPIInt size, rank;
  Setup       s;
  Vec         g, p0, p;
  PetscInt    n, *idx, np;
  PetscReal   L, *gref;
  int         status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  world = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_size(world, &size));
  PetscCallMPI(MPI_Comm_rank(world, &rank));

  /* one group: gradient against central differences */
  PetscCall(SetupCreate(world, 1, 0, world, &s));
  PetscCall(HcTrainerView(s.tr, NULL));
  PetscCall(AllWindows(s.tr, &n, &idx));
  PetscCall(HcModelGetNumParameters(s.model, &np));
  PetscCall(HcModelCreateParameterVector(s.model, &g));
  PetscCall(VecDuplicate(g, &p0));
  PetscCall(VecDuplicate(g, &p));
  PetscCall(HcModelGetParameters(s.model, p0));
  PetscCall(HcTrainerComputeLossGradient(s.tr, HC_SPLIT_TRAIN, n, idx, &L, g));
  PetscCall(PetscPrintf(world, "loss over %" PetscInt_FMT " training windows: %.10e (%" PetscInt_FMT " parameters)\n", n,
                        (double)L, np));
  PetscCall(PetscMalloc1(np, &gref));
  {
    const PetscScalar *a;

    PetscCall(VecGetArrayRead(g, &a));
    for (PetscInt k = 0; k < np && !rank; k++) gref[k] = PetscRealPart(a[k]);
    PetscCall(VecRestoreArrayRead(g, &a));
  }
  /* each entry of the physics block, then a random direction through every parameter (networks included) */
  for (PetscInt k = 0; k <= PetscMin(np, 4); k++) {
    PetscReal   gk, Lp, Lm, h = 1e-5, fd;
    const char *name = "theta . random d";
    HcTerm      term;

    PetscCall(VecSet(p, 0));
    if (k < PetscMin(np, 4)) {
      PetscCall(VecSetValue(p, k, 1, INSERT_VALUES));
      PetscCall(HcModelGetTermByIndex(s.model, 0, &term));
      PetscCall(HcTermGetParameterName(term, k, &name));
    } else
      for (PetscInt i = 0; i < np && !rank; i++) PetscCall(VecSetValue(p, i, HcTestHash(77, i, 0, 0), INSERT_VALUES));
    PetscCall(VecAssemblyBegin(p));
    PetscCall(VecAssemblyEnd(p));
    PetscCall(VecDot(g, p, &gk));
    PetscCall(VecAYPX(p, h, p0)); /* p0 + h d */
    PetscCall(HcModelSetParameters(s.model, p));
    PetscCall(HcTrainerComputeLossGradient(s.tr, HC_SPLIT_TRAIN, n, idx, &Lp, NULL));
    PetscCall(VecAXPBY(p, 2, -1, p0)); /* p0 - h d */
    PetscCall(HcModelSetParameters(s.model, p));
    PetscCall(HcTrainerComputeLossGradient(s.tr, HC_SPLIT_TRAIN, n, idx, &Lm, NULL));
    fd = (Lp - Lm) / (2 * h);
    PetscCall(HcTestCheck(world, PetscAbsReal(gk - fd) <= 1e-6 * PetscAbsReal(fd),
                          "dL/d%-18s adjoint % .10e  central FD % .10e  rel %.1e", name, (double)gk, (double)fd,
                          (double)(PetscAbsReal(gk - fd) / PetscAbsReal(fd))));
  }
  PetscCall(HcModelSetParameters(s.model, p0));
  PetscCall(VecDestroy(&g));
  PetscCall(VecDestroy(&p0));
  PetscCall(VecDestroy(&p));
  PetscCall(PetscFree(idx));
  PetscCall(SetupDestroy(&s));

  /* the ranks split into groups that share the windows: the same gradient */
  if (size > 1) {
    MPI_Comm  gcomm;
    PetscInt  gi;
    PetscReal diff = 0, scale = 0;

    PetscCall(HcCommSplitGroups(world, size, &gcomm, &gi));
    PetscCall(SetupCreate(gcomm, size, gi, world, &s));
    PetscCall(AllWindows(s.tr, &n, &idx));
    PetscCall(HcModelCreateParameterVector(s.model, &g));
    PetscCall(HcTrainerComputeLossGradient(s.tr, HC_SPLIT_TRAIN, n, idx, &L, g));
    {
      const PetscScalar *a;

      PetscCall(VecGetArrayRead(g, &a)); /* every group root holds the whole gradient */
      for (PetscInt k = 0; k < np && !rank; k++) {
        diff  = PetscMax(diff, PetscAbsReal(PetscRealPart(a[k]) - gref[k]));
        scale = PetscMax(scale, PetscAbsReal(gref[k]));
      }
      PetscCall(VecRestoreArrayRead(g, &a));
    }
    PetscCallMPI(MPI_Bcast(&diff, 1, MPIU_REAL, 0, world));
    PetscCallMPI(MPI_Bcast(&scale, 1, MPIU_REAL, 0, world));
    PetscCall(HcTestCheck(world, diff <= 1e-12 * scale,
                          "%d groups of 1 rank give the gradient of 1 group of %d ranks: max rel diff %.1e", size, size,
                          (double)(diff / scale)));
    PetscCall(VecDestroy(&g));
    PetscCall(PetscFree(idx));
    PetscCall(SetupDestroy(&s));
    PetscCallMPI(MPI_Comm_free(&gcomm));
  }
  PetscCall(PetscFree(gref));
  PetscCall(HcTestFinish(world, &status));
  PetscCall(PetscFinalize());
  return status;
}
