static const char help[] =
    "Adjoint gradient (TSAdjoint over a whole window) of advection-diffusion driven by a time-varying velocity series,\n"
    "whose times are not the observation times, with respect to the diffusivities and the initial state, against\n"
    "central finite differences; the gradient on this run's ranks equals a one-rank run's to round-off.\n";

#include "testutil.h"

#define NOBS 3
#define NT   5

typedef struct {
  PetscReal L, g[4], gd; /* the loss, dL/dtheta, dL/du0 . d */
  PetscInt  np;
} Result;

/* Gradient of the misfit loss of one window; with check, against central differences (printed). */
static PetscErrorCode RunCase(MPI_Comm comm, HcGridType type, PetscBool land, HcAdvectionScheme scheme, PetscBool check,
                              Result *res)
{
  HcGrid          grid;
  HcTerm          term;
  HcModel         model;
  HcTestMisfit    mf;
  Vec             u0, d, gu0, p, p0, gp, vel[NT];
  PetscReal       L, dt, tv[NT];
  PetscInt        np, nc;
  const PetscBool latlon = type == HC_GRID_LATLON;
  const PetscReal K[2] = {latlon ? 3e4 : 4e-3, latlon ? 1e4 : 1.5e-3}, tobs = latlon ? 5 * 86400.0 : 0.1,
                  t0 = latlon ? 6.3e8 : 7.25;

  PetscFunctionBeginUser;
  PetscCall(HcTestCreateGrid(comm, type, 26, 19, 2, !latlon, !latlon, &grid));
  if (land) PetscCall(HcTestSetIrregularMask(grid, 21, 0.12));
  /* the series starts before the window and ends after it, its times are not the observation times */
  for (PetscInt k = 0; k < NT; k++) {
    tv[k] = t0 + tobs * (-0.2 + 0.9 * k);
    PetscCall(HcGridCreateVectorDof(grid, 2, &vel[k]));
    PetscCall(HcTestVelocityField(grid, latlon ? 0.5 : 0.7, 0.25 * k, vel[k]));
  }
  PetscCall(HcTermCreate(grid, &term));
  PetscCall(HcTermSetType(term, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetScheme(term, scheme));
  PetscCall(HcTermAdvDiffSetDiffusivity(term, K));
  PetscCall(HcTermAdvDiffSetVelocitySeries(term, 2, NT, tv, vel)); /* data environment 2 */
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelAddTerm(model, term));
  PetscCall(HcModelSetObservationInterval(model, tobs));
  PetscCall(HcModelSetFromOptions(model));
  PetscCall(HcModelSetUp(model));
  PetscCall(HcModelSetForcing(model, 2));
  /* freeze the step: finite differences must not change the number of steps */
  PetscCall(HcModelGetTimeStep(model, &dt, NULL));
  PetscCall(HcModelSetTimeStep(model, dt));

  PetscCall(HcGridCreateGlobalVector(grid, &u0));
  PetscCall(VecDuplicate(u0, &d));
  PetscCall(VecDuplicate(u0, &gu0));
  PetscCall(HcTestSmoothField(grid, 31, u0));
  PetscCall(HcTestRandomField(grid, 32, 1, d));
  for (int k = 0; k <= NOBS; k++) mf.times[k] = t0 + tobs * (k + 0.37 * (k % 2)); /* uneven intervals */
  PetscCall(HcTestMisfitSetUp(&mf, grid, NOBS, 40));
  PetscCall(HcGridGetNumFields(grid, &nc));
  PetscCall(HcModelGetNumParameters(model, &np));
  PetscCall(HcModelCreateParameterVector(model, &p));
  PetscCall(VecDuplicate(p, &p0));
  PetscCall(VecDuplicate(p, &gp));
  PetscCall(HcModelGetParameters(model, p0));
  PetscCall(VecCopy(p0, p));
  PetscCall(HcModelComputeGradient(model, NOBS, mf.times, u0, HcTestMisfitFn, &mf, &L, gp, gu0));
  res->L  = L;
  res->np = np;
  PetscCall(VecDot(gu0, d, &res->gd));
  for (PetscInt k = 0; k < np; k++) PetscCall(HcTestGetParameter(gp, k, &res->g[k]));
  if (check) {
    PetscCall(HcTestCheck(comm, np == nc, "the velocity is data: %" PetscInt_FMT " parameters (log K per field)", np));
    PetscCall(PetscPrintf(comm, "  loss %.10e over %d uneven observation intervals, velocity series of %d times\n", (double)L,
                          NOBS, NT));
    for (PetscInt k = 0; k < np; k++) {
      const char *name;

      PetscCall(HcTermGetParameterName(term, k, &name));
      PetscCall(HcTestCheckParameterGradient(model, NOBS, &mf, u0, p0, p, k, res->g[k], name));
    }
    PetscCall(HcTestCheckStateGradient(model, NOBS, &mf, u0, d, res->gd));
  }
  for (int k = 0; k < NOBS; k++) PetscCall(VecDestroy(&mf.target[k]));
  for (PetscInt k = 0; k < NT; k++) PetscCall(VecDestroy(&vel[k]));
  PetscCall(VecDestroy(&u0));
  PetscCall(VecDestroy(&d));
  PetscCall(VecDestroy(&gu0));
  PetscCall(VecDestroy(&p));
  PetscCall(VecDestroy(&p0));
  PetscCall(VecDestroy(&gp));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(const char *label, HcGridType type, PetscBool land, HcAdvectionScheme scheme)
{
  MPI_Comm  comm = PETSC_COMM_WORLD;
  Result    par, ser;
  PetscReal rel;

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "%s\n", label));
  PetscCall(RunCase(comm, type, land, scheme, PETSC_TRUE, &par));
  PetscCall(RunCase(PETSC_COMM_SELF, type, land, scheme, PETSC_FALSE, &ser)); /* every rank alone: the one-rank run */
  rel = HcTestRelMismatch(par.L, ser.L);
  rel = PetscMax(rel, HcTestRelMismatch(par.gd, ser.gd));
  for (PetscInt k = 0; k < par.np; k++) rel = PetscMax(rel, HcTestRelMismatch(par.g[k], ser.g[k]));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &rel, 1, MPIU_REAL, MPIU_MAX, comm));
  PetscCall(HcTestCheck(comm, rel < 1e-11, "loss and gradient equal a one-rank run's (max rel %.1e)", (double)rel));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(Run("Cartesian, periodic, upwind2", HC_GRID_CARTESIAN, PETSC_FALSE, HC_ADVECTION_UPWIND2));
  PetscCall(Run("Cartesian, periodic with land, upwind1", HC_GRID_CARTESIAN, PETSC_TRUE, HC_ADVECTION_UPWIND1));
  PetscCall(Run("lat-lon regional box with land, upwind2 (m, s)", HC_GRID_LATLON, PETSC_TRUE, HC_ADVECTION_UPWIND2));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
