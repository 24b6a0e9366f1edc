static const char help[] =
    "Adjoint gradient of a loss with misfits at several observation times, with respect to the diffusivities, the\n"
    "velocity and the initial state, against central finite differences; -model_adjoint_stride S checkpoints every S\n"
    "observation intervals and recomputes the steps between (two-level checkpointing).\n";

#include "testutil.h"

#define NOBS 3

static PetscErrorCode RunCase(const char *label, HcGridType type, PetscBool periodic, PetscBool land, HcAdvectionScheme scheme,
                              PetscReal tobs)
{
  MPI_Comm        comm = PETSC_COMM_WORLD;
  HcGrid          grid;
  HcTerm          term;
  HcModel         model;
  HcTestMisfit    mf;
  Vec             u0, d;
  PetscReal       L, dt;
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
  PetscCall(HcTestSmoothField(grid, 31, u0));
  PetscCall(HcTestRandomField(grid, 32, 1, d));
  for (int k = 0; k <= NOBS; k++) mf.times[k] = tobs * (k + 0.37 * (k % 2)); /* uneven: intervals 1.37, 0.63, 1.37 x tobs */
  PetscCall(HcTestMisfitSetUp(&mf, grid, NOBS, 40));
  PetscCall(HcTestCheckWindowGradient(model, "physics", NOBS, &mf, u0, d, &L));
  {
    PetscInt nsub;
    PetscCall(HcModelGetTimeStep(model, &dt, &nsub));
    PetscCall(PetscPrintf(
        comm, "  loss %.10e over %d uneven observation intervals (default interval %g: %" PetscInt_FMT " steps of %.4g)\n",
        (double)L, NOBS, (double)tobs, nsub, (double)dt));
  }
  for (int k = 0; k < NOBS; k++) PetscCall(VecDestroy(&mf.target[k]));
  PetscCall(VecDestroy(&u0));
  PetscCall(VecDestroy(&d));
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
