static const char help[] =
    "Decomposition invariance: a forecast and a gradient computed on all ranks agree with the same computation on\n"
    "one rank (rank 0 alone, PETSC_COMM_SELF): fields in max norm, loss and gradients.  Options with the prefix ll_\n"
    "configure the lat-lon case.\n";

#include "testutil.h"

#define NOBS 4

typedef struct {
  HcGrid    grid;
  Vec       target;
  PetscReal scale;
} Misfit;

static PetscErrorCode MisfitFn(HcModel model, PetscInt k, PetscReal t, Vec u, PetscReal *L, Vec dLdu, Vec dLdtheta, void *ctx)
{
  Misfit   *mf = (Misfit *)ctx;
  PetscReal s;

  PetscFunctionBeginUser;
  PetscCall(VecWAXPY(dLdu, -1, mf->target, u));
  PetscCall(HcTestMaskField(mf->grid, dLdu));
  PetscCall(VecDot(dLdu, dLdu, &s));
  *L = 0.5 * mf->scale * s * k;
  PetscCall(VecScale(dLdu, mf->scale * k));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscReal *forecast, *gu0, *gp, loss;
  PetscInt   n, np;
} Result;

/* Everything on comm; results gathered on its rank 0. */
static PetscErrorCode Run(MPI_Comm comm, HcGridType type, Result *res)
{
  HcGrid             grid;
  HcModel            model;
  Vec                u, gu0, gp;
  Misfit             mf;
  PetscInt           nact;
  const PetscScalar *a;
  PetscMPIInt        rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(HcTestCreateGrid(comm, type, 37, 29, 2, type == HC_GRID_LATLON, PETSC_FALSE, &grid));
  PetscCall(HcTestSetIrregularMask(grid, 3, 0.1));
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelSetOptionsPrefix(model, type == HC_GRID_LATLON ? "ll_" : NULL)); /* -ll_physics_... for the sphere */
  PetscCall(HcModelSetObservationInterval(model, type == HC_GRID_LATLON ? 86400.0 * 3 : 0.05));
  PetscCall(HcModelSetFromOptions(model));
  PetscCall(HcModelSetUp(model));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &gu0));
  PetscCall(HcModelCreateParameterVector(model, &gp));

  /* forecast */
  PetscCall(HcTestSmoothField(grid, 17, u));
  {
    PetscReal times[21], tobs;

    PetscCall(HcModelGetObservationInterval(model, &tobs));
    for (int k = 0; k <= 20; k++) times[k] = k * tobs;
    PetscCall(HcModelSolve(model, 20, times, u, NULL));
  }
  PetscCall(HcTestGatherNatural(grid, u, &res->forecast));
  PetscCall(VecGetSize(u, &res->n));

  /* gradient of a multi-observation loss */
  mf.grid = grid;
  PetscCall(VecDuplicate(u, &mf.target));
  PetscCall(HcTestSmoothField(grid, 18, mf.target));
  PetscCall(HcGridGetActiveCount(grid, &nact));
  mf.scale = 1.0 / nact;
  PetscCall(HcTestSmoothField(grid, 17, u));
  {
    PetscReal times[NOBS + 1], tobs;

    PetscCall(HcModelGetObservationInterval(model, &tobs));
    for (int k = 0; k <= NOBS; k++) times[k] = tobs * (k + 0.5 * (k % 2));
    PetscCall(HcModelComputeGradient(model, NOBS, times, u, MisfitFn, &mf, &res->loss, gp, gu0));
  }
  PetscCall(HcTestGatherNatural(grid, gu0, &res->gu0));
  PetscCall(HcModelGetNumParameters(model, &res->np));
  PetscCall(PetscMalloc1(res->np, &res->gp));
  PetscCall(VecGetArrayRead(gp, &a));
  if (!rank)
    for (PetscInt k = 0; k < res->np; k++) res->gp[k] = PetscRealPart(a[k]);
  PetscCall(VecRestoreArrayRead(gp, &a));

  PetscCall(VecDestroy(&mf.target));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&gu0));
  PetscCall(VecDestroy(&gp));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

static void ResultFree(Result *r)
{
  PetscFree(r->forecast);
  PetscFree(r->gu0);
  PetscFree(r->gp);
}

int main(int argc, char **argv)
{
  MPI_Comm    comm;
  PetscMPIInt rank, size;
  int         status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  for (int type = 0; type < 2; type++) {
    Result all = {0}, one = {0};
    int    ok[3] = {1, 1, 1};

    PetscCall(PetscPrintf(comm, "%s grid with land, %d rank(s) against 1 rank\n", HcGridTypes[type], size));
    PetscCall(Run(comm, (HcGridType)type, &all));
    if (!rank) {
      PetscCall(Run(PETSC_COMM_SELF, (HcGridType)type, &one));
      const PetscReal df = HcTestRelDiff(all.n, all.forecast, one.forecast), dg = HcTestRelDiff(all.n, all.gu0, one.gu0),
                      dp = HcTestRelDiff(all.np, all.gp, one.gp);
      const PetscReal dl = PetscAbsReal(all.loss - one.loss) / PetscAbsReal(one.loss);

      ok[0] = df <= 1e-13;
      ok[1] = dl <= 1e-12 && dp <= 1e-12;
      ok[2] = dg <= 1e-12;
      PetscCall(PetscPrintf(PETSC_COMM_SELF,
                            "  forecast (20 intervals) max-norm rel diff %.1e; loss rel diff %.1e; dL/dtheta %.1e; dL/du0 %.1e\n",
                            (double)df, (double)dl, (double)dp, (double)dg));
    }
    PetscCallMPI(MPI_Bcast(ok, 3, MPI_INT, 0, comm));
    PetscCall(HcTestCheck(comm, ok[0], "forecast agrees to 1e-13 (max norm, relative)"));
    PetscCall(HcTestCheck(comm, ok[1], "loss and parameter gradient agree to 1e-12"));
    PetscCall(HcTestCheck(comm, ok[2], "initial-state gradient agrees to 1e-12"));
    ResultFree(&all);
    ResultFree(&one);
  }
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
