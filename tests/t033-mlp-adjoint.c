static const char help[] =
    "Adjoint gradient of a loss with misfits at several observation times for a model holding advdiff + mlp: with\n"
    "respect to single physics and network parameters, along a random direction of all parameters at once, and along\n"
    "a direction of the initial state, against central finite differences (TSAdjoint through both terms' products).\n";

#include "testutil.h"

#define NOBS 3

/* The loss at parameters p0 + h dp and initial state u0 + hu du. */
static PetscErrorCode LossAt(HcModel model, Vec p0, Vec dp, PetscReal h, Vec u0, Vec du, PetscReal hu, HcTestMisfit *mf,
                             PetscReal *L)
{
  Vec p, u;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(p0, &p));
  PetscCall(VecDuplicate(u0, &u));
  PetscCall(VecWAXPY(p, h, dp, p0));
  PetscCall(VecWAXPY(u, hu, du, u0));
  PetscCall(HcModelSetParameters(model, p));
  PetscCall(HcModelComputeGradient(model, NOBS, mf->times, u, HcTestMisfitFn, mf, L, NULL, NULL));
  PetscCall(HcModelSetParameters(model, p0));
  PetscCall(VecDestroy(&p));
  PetscCall(VecDestroy(&u));
  PetscFunctionReturn(0);
}

/* Compare the adjoint directional derivative g with central differences of the loss along (dp, du). */
static PetscErrorCode CheckDirection(HcModel model, Vec p0, Vec dp, PetscReal h, Vec u0, Vec du, PetscReal hu, HcTestMisfit *mf,
                                     PetscReal g, const char what[])
{
  PetscReal Lp, Lm, fd, rel;

  PetscFunctionBeginUser;
  PetscCall(LossAt(model, p0, dp, h, u0, du, hu, mf, &Lp));
  PetscCall(LossAt(model, p0, dp, -h, u0, du, -hu, mf, &Lm));
  fd  = (Lp - Lm) / (2 * (h ? h : hu));
  rel = PetscAbsReal(g - fd) / PetscMax(PetscAbsReal(fd), 1e-300);
  PetscCall(HcTestCheck(PETSC_COMM_WORLD, rel < 1e-6, "%-26s adjoint % .10e  central FD % .10e  rel %.1e", what, (double)g,
                        (double)fd, (double)rel));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunCase(const char *label, HcGridType type, PetscBool periodic, PetscBool land, HcActivation act,
                              PetscReal tobs)
{
  MPI_Comm        comm = PETSC_COMM_WORLD;
  HcGrid          grid;
  HcTerm          phys, mlp;
  HcModel         model;
  HcTestMisfit    mf;
  Vec             u0, du, gu0, p0, gp, dp, zero;
  PetscReal       L, dt, g;
  PetscInt        np, nact, nc, off, nmlp;
  const PetscBool latlon    = type == HC_GRID_LATLON;
  const PetscReal K[2]      = {latlon ? 3e5 : 4e-3, latlon ? 1e5 : 1.5e-3};
  const PetscInt  widths[2] = {6, 5};
  const char     *statics[] = {"mask", "lat", "lon"};

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "%s\n", label));
  PetscCall(HcTestCreateGrid(comm, type, 22, 15, 2, periodic, periodic && !latlon, &grid));
  if (land) PetscCall(HcTestSetIrregularMask(grid, 21, 0.12));
  PetscCall(HcTermCreate(grid, &phys));
  PetscCall(HcTermSetType(phys, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetDiffusivity(phys, K));
  PetscCall(HcTermAdvDiffSetVelocity(phys, latlon ? 0.4 : 0.6, latlon ? -0.15 : -0.35));
  PetscCall(HcTermCreate(grid, &mlp));
  PetscCall(HcTermSetType(mlp, HCTERMMLP));
  PetscCall(HcTermMLPSetHiddenLayers(mlp, 2, widths));
  PetscCall(HcTermMLPSetActivation(mlp, act));
  PetscCall(HcTermMLPSetInitialization(mlp, 7, 0.5));
  if (land)
    PetscCall(HcTermMLPSetStaticFeatures(mlp, 3, statics));
  else
    PetscCall(HcTermMLPSetTimeFeatures(mlp, 3 * tobs, 0.2 * tobs));
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelAddTerm(model, phys));
  PetscCall(HcModelAddTerm(model, mlp));
  PetscCall(HcModelSetObservationInterval(model, tobs));
  PetscCall(HcModelSetFromOptions(model));
  PetscCall(HcModelSetUp(model));
  /* freeze the step: finite differences must not change the number of steps */
  PetscCall(HcModelGetTimeStep(model, &dt, NULL));
  PetscCall(HcModelSetTimeStep(model, dt));

  PetscCall(HcGridCreateGlobalVector(grid, &u0));
  PetscCall(VecDuplicate(u0, &du));
  PetscCall(VecDuplicate(u0, &gu0));
  PetscCall(VecDuplicate(u0, &zero));
  PetscCall(VecSet(zero, 0));
  PetscCall(HcTestSmoothField(grid, 31, u0));
  PetscCall(HcTestRandomField(grid, 32, 1, du));
  PetscCall(HcTestMaskField(grid, du));
  mf.grid = grid;
  for (int k = 0; k <= NOBS; k++) mf.times[k] = k * tobs;
  PetscCall(HcGridGetActiveCount(grid, &nact));
  PetscCall(HcGridGetNumFields(grid, &nc));
  mf.scale = 1.0 / (nact * nc);
  for (int k = 0; k < NOBS; k++) {
    PetscCall(VecDuplicate(u0, &mf.target[k]));
    PetscCall(HcTestSmoothField(grid, 40 + k, mf.target[k]));
  }
  PetscCall(HcModelGetNumParameters(model, &np));
  PetscCall(HcModelGetParameterBlock(model, "mlp", &off, &nmlp));
  PetscCall(HcModelCreateParameterVector(model, &p0));
  PetscCall(VecDuplicate(p0, &gp));
  PetscCall(VecDuplicate(p0, &dp));
  PetscCall(HcModelGetParameters(model, p0));
  PetscCall(HcModelComputeGradient(model, NOBS, mf.times, u0, HcTestMisfitFn, &mf, &L, gp, gu0));
  {
    PetscInt nsub;
    PetscCall(HcModelGetTimeStep(model, &dt, &nsub));
    PetscCall(PetscPrintf(
        comm, "  loss %.10e over %d observations of %" PetscInt_FMT " steps (dt %.4g), %" PetscInt_FMT " parameters\n", (double)L,
        NOBS, nsub, (double)dt, np));
  }

  /* single parameters: log K of field a, vx, the first and a middle first-layer weight, a hidden bias, an output bias */
  {
    const PetscInt picks[] = {0, 2, off, off + 2 * (nc * 4 + (land ? 4 : 2)) + 3, off + nmlp - nc - 5 * nc - 1, off + nmlp - 1};

    for (size_t q = 0; q < sizeof(picks) / sizeof(picks[0]); q++) {
      const PetscInt k = picks[q];
      const char    *name;
      HcTerm         t;
      char           what[64];
      PetscReal      th;

      PetscCall(HcModelGetTerm(model, k < off ? "physics" : "mlp", &t));
      PetscCall(HcTermGetParameterName(t, k < off ? k : k - off, &name));
      PetscCall(VecSet(dp, 0));
      PetscCall(VecSetValue(dp, k, 1, INSERT_VALUES));
      PetscCall(VecAssemblyBegin(dp));
      PetscCall(VecAssemblyEnd(dp));
      PetscCall(VecDot(gp, dp, &g));
      PetscCall(VecDot(p0, dp, &th));
      PetscCall(PetscSNPrintf(what, sizeof(what), "dL/d%s", name));
      PetscCall(CheckDirection(model, p0, dp, 1e-5 * PetscMax(1, PetscAbsReal(th)), u0, zero, 0, &mf, g, what));
    }
  }
  /* every parameter at once along a random direction */
  {
    PetscScalar *a;
    PetscInt     n;

    PetscCall(VecGetLocalSize(dp, &n));
    PetscCall(VecGetArray(dp, &a));
    for (PetscInt k = 0; k < n; k++) a[k] = HcTestHash(9, k, 0, 0);
    PetscCall(VecRestoreArray(dp, &a));
    PetscCall(VecDot(gp, dp, &g));
    PetscCall(CheckDirection(model, p0, dp, 1e-6, u0, zero, 0, &mf, g, "dL/dtheta . dtheta (all)"));
  }
  PetscCall(VecDot(gu0, du, &g));
  PetscCall(VecSet(dp, 0));
  PetscCall(CheckDirection(model, p0, dp, 0, u0, du, 1e-4, &mf, g, "dL/du0 . d"));

  for (int k = 0; k < NOBS; k++) PetscCall(VecDestroy(&mf.target[k]));
  PetscCall(VecDestroy(&u0));
  PetscCall(VecDestroy(&du));
  PetscCall(VecDestroy(&gu0));
  PetscCall(VecDestroy(&zero));
  PetscCall(VecDestroy(&p0));
  PetscCall(VecDestroy(&gp));
  PetscCall(VecDestroy(&dp));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcTermDestroy(&phys));
  PetscCall(HcTermDestroy(&mlp));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(
      RunCase("Cartesian, periodic, tanh, time features", HC_GRID_CARTESIAN, PETSC_TRUE, PETSC_FALSE, HC_ACTIVATION_TANH, 0.1));
  PetscCall(RunCase("lat-lon regional box with land, gelu, static features (m, s)", HC_GRID_LATLON, PETSC_FALSE, PETSC_TRUE,
                    HC_ACTIVATION_GELU, 2 * 86400.0));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
