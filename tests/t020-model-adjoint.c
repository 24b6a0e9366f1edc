static const char help[] =
    "Adjoint gradient of a loss with misfits at several observation times, with respect to the diffusivities, the\n"
    "velocity and the initial state, against central finite differences; -model_adjoint_stride S checkpoints every S\n"
    "observation intervals and recomputes the steps between (two-level checkpointing).\n";

#include "testutil.h"

#define NOBS 3

static PetscErrorCode Loss(HcModel model, Vec u0, HcTestMisfit *mf, PetscReal *L)
{
  PetscFunctionBeginUser;
  PetscCall(HcModelComputeGradient(model, NOBS, mf->times, u0, HcTestMisfitFn, mf, L, NULL, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetParameter(HcModel model, Vec p, PetscInt k, PetscReal value)
{
  PetscFunctionBeginUser;
  PetscCall(VecSetValue(p, k, value, INSERT_VALUES));
  PetscCall(VecAssemblyBegin(p));
  PetscCall(VecAssemblyEnd(p));
  PetscCall(HcModelSetParameters(model, p));
  PetscFunctionReturn(0);
}

/* Every rank gets entry k of a parameter vector (they live on rank 0). */
static PetscErrorCode GetParameter(Vec p, PetscInt k, PetscReal *value)
{
  const PetscScalar *a;
  PetscInt           n;
  MPI_Comm           comm;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectGetComm((PetscObject)p, &comm));
  PetscCall(VecGetLocalSize(p, &n));
  PetscCall(VecGetArrayRead(p, &a));
  *value = n ? PetscRealPart(a[k]) : 0;
  PetscCall(VecRestoreArrayRead(p, &a));
  PetscCallMPI(MPI_Bcast(value, 1, MPIU_REAL, 0, comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunCase(const char *label, HcGridType type, PetscBool periodic, PetscBool land, HcAdvectionScheme scheme,
                              PetscReal tobs)
{
  MPI_Comm        comm = PETSC_COMM_WORLD;
  HcGrid          grid;
  HcTerm          term;
  HcModel         model;
  HcTestMisfit    mf;
  Vec             u0, d, gu0, p, p0, gp, tmp;
  PetscReal       L, Lp, Lm, dt, h;
  PetscInt        np, nact, nc;
  const PetscBool latlon = type == HC_GRID_LATLON;
  const PetscReal K[2]   = {latlon ? 3e4 : 4e-3, latlon ? 1e4 : 1.5e-3};

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "%s\n", label));
  PetscCall(HcTestCreateGrid(comm, type, 26, 19, 2, periodic, periodic && !latlon, &grid));
  if (land) PetscCall(HcTestSetIrregularMask(grid, 21, 0.12));
  PetscCall(HcTermCreate(grid, &term));
  PetscCall(HcTermSetType(term, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetScheme(term, scheme));
  PetscCall(HcTermAdvDiffSetDiffusivity(term, K));
  PetscCall(HcTermAdvDiffSetVelocity(term, latlon ? 0.4 : 0.6, latlon ? -0.15 : -0.35));
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelAddTerm(model, term));
  PetscCall(HcModelSetObservationInterval(model, tobs));
  PetscCall(HcModelSetFromOptions(model));
  PetscCall(HcModelSetUp(model));
  /* freeze the step: finite differences must not change the number of steps */
  PetscCall(HcModelGetTimeStep(model, &dt, NULL));
  PetscCall(HcModelSetTimeStep(model, dt));

  PetscCall(HcGridCreateGlobalVector(grid, &u0));
  PetscCall(VecDuplicate(u0, &d));
  PetscCall(VecDuplicate(u0, &gu0));
  PetscCall(VecDuplicate(u0, &tmp));
  PetscCall(HcTestSmoothField(grid, 31, u0));
  PetscCall(HcTestRandomField(grid, 32, 1, d));
  mf.grid = grid;
  for (int k = 0; k <= NOBS; k++) mf.times[k] = tobs * (k + 0.37 * (k % 2)); /* uneven: intervals 1.37, 0.63, 1.37 x tobs */
  PetscCall(HcGridGetActiveCount(grid, &nact));
  PetscCall(HcGridGetNumFields(grid, &nc));
  mf.scale = 1.0 / (nact * nc);
  for (int k = 0; k < NOBS; k++) {
    PetscCall(VecDuplicate(u0, &mf.target[k]));
    PetscCall(HcTestSmoothField(grid, 40 + k, mf.target[k]));
  }
  PetscCall(HcModelGetNumParameters(model, &np));
  PetscCall(HcModelCreateParameterVector(model, &p));
  PetscCall(VecDuplicate(p, &p0));
  PetscCall(VecDuplicate(p, &gp));
  PetscCall(HcModelGetParameters(model, p0));
  PetscCall(VecCopy(p0, p));

  PetscCall(HcModelComputeGradient(model, NOBS, mf.times, u0, HcTestMisfitFn, &mf, &L, gp, gu0));
  {
    PetscInt nsub;
    PetscCall(HcModelGetTimeStep(model, &dt, &nsub));
    PetscCall(PetscPrintf(
        comm, "  loss %.10e over %d uneven observation intervals (default interval %g: %" PetscInt_FMT " steps of %.4g)\n",
        (double)L, NOBS, (double)tobs, nsub, (double)dt));
  }

  for (PetscInt k = 0; k < np; k++) {
    const char *name;
    HcTerm      t;
    PetscReal   g, th, fd, rel;

    PetscCall(HcModelGetTerm(model, "physics", &t));
    PetscCall(HcTermGetParameterName(t, k, &name));
    PetscCall(GetParameter(gp, k, &g));
    PetscCall(GetParameter(p0, k, &th));
    h = 1e-5 * PetscMax(1, PetscAbsReal(th));
    PetscCall(SetParameter(model, p, k, th + h));
    PetscCall(Loss(model, u0, &mf, &Lp));
    PetscCall(SetParameter(model, p, k, th - h));
    PetscCall(Loss(model, u0, &mf, &Lm));
    PetscCall(SetParameter(model, p, k, th));
    fd  = (Lp - Lm) / (2 * h);
    rel = PetscAbsReal(g - fd) / PetscMax(PetscAbsReal(fd), 1e-300);
    PetscCall(HcTestCheck(comm, rel < 1e-6, "dL/d%-20s adjoint % .10e  central FD % .10e  rel %.1e", name, (double)g, (double)fd,
                          (double)rel));
  }
  {
    PetscReal g, fd, rel;

    h = 1e-4;
    PetscCall(VecDot(gu0, d, &g));
    PetscCall(VecWAXPY(tmp, h, d, u0));
    PetscCall(Loss(model, tmp, &mf, &Lp));
    PetscCall(VecWAXPY(tmp, -h, d, u0));
    PetscCall(Loss(model, tmp, &mf, &Lm));
    fd  = (Lp - Lm) / (2 * h);
    rel = PetscAbsReal(g - fd) / PetscMax(PetscAbsReal(fd), 1e-300);
    PetscCall(HcTestCheck(comm, rel < 1e-6, "dL/du0 . d %-15s adjoint % .10e  central FD % .10e  rel %.1e", "", (double)g,
                          (double)fd, (double)rel));
  }
  for (int k = 0; k < NOBS; k++) PetscCall(VecDestroy(&mf.target[k]));
  PetscCall(VecDestroy(&u0));
  PetscCall(VecDestroy(&d));
  PetscCall(VecDestroy(&gu0));
  PetscCall(VecDestroy(&tmp));
  PetscCall(VecDestroy(&p));
  PetscCall(VecDestroy(&p0));
  PetscCall(VecDestroy(&gp));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(RunCase("Cartesian, periodic, upwind2", HC_GRID_CARTESIAN, PETSC_TRUE, PETSC_FALSE, HC_ADVECTION_UPWIND2, 0.1));
  PetscCall(RunCase("Cartesian, walls and land, upwind1", HC_GRID_CARTESIAN, PETSC_FALSE, PETSC_TRUE, HC_ADVECTION_UPWIND1, 0.1));
  PetscCall(RunCase("Cartesian, periodic, centered", HC_GRID_CARTESIAN, PETSC_TRUE, PETSC_FALSE, HC_ADVECTION_CENTERED, 0.1));
  PetscCall(RunCase("lat-lon regional box with land, upwind2 (m, s)", HC_GRID_LATLON, PETSC_FALSE, PETSC_TRUE,
                    HC_ADVECTION_UPWIND2, 5 * 86400.0));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
