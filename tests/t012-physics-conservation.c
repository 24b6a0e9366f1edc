static const char help[] =
    "Conservation of the advection-diffusion operator: closed walls and an irregular land mask keep the area-weighted\n"
    "total of every field over 1000 steps, on Cartesian and lat-lon grids, with constant and field velocities;\n"
    "on a lat-lon grid diffusion leaves a constant unchanged and zonal advection on a band with land conserves.\n";

#include "testutil.h"

static PetscErrorCode Constant(PetscReal x, PetscReal y, PetscReal v[], void *ctx)
{
  v[0] = 3.25;
  v[1] = -1.5;
  return 0;
}

/* kind 0: a rotating and diverging field with normal flow into walls and coasts;
   kind 1: the cellular flow of psi = sin(pi x) sin(pi y), tangential to the walls of the unit box. */
static PetscErrorCode VelocityField(HcGrid grid, PetscInt kind, PetscReal scale, Vec *vel)
{
  DM             dav;
  PetscScalar ***v;
  PetscInt       xs, ys, xm, ym, nx, ny;

  PetscFunctionBeginUser;
  PetscCall(HcGridCreateVectorDof(grid, 2, vel));
  PetscCall(VecGetDM(*vel, &dav));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(HcGridGetSizes(grid, &nx, &ny));
  PetscCall(DMDAVecGetArrayDOF(dav, *vel, &v));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      const PetscReal x = (i + 0.5) / nx, y = (j + 0.5) / ny;
      if (kind == 0) {
        v[j][i][0] = scale * (-PetscSinReal(PETSC_PI * y) * PetscCosReal(PETSC_PI * x) + 0.3);
        v[j][i][1] = scale * (PetscSinReal(PETSC_PI * x) * PetscCosReal(PETSC_PI * y) - 0.2 * x);
      } else {
        v[j][i][0] = scale * PetscSinReal(PETSC_PI * x) * PetscCosReal(PETSC_PI * y);
        v[j][i][1] = -scale * PetscCosReal(PETSC_PI * x) * PetscSinReal(PETSC_PI * y);
      }
    }
  PetscCall(DMDAVecRestoreArrayDOF(dav, *vel, &v));
  PetscFunctionReturn(0);
}

typedef struct {
  const char       *label;
  HcGridType        type;
  PetscBool         px;
  HcAdvectionScheme scheme;
  PetscInt          velfield; /* -1: constant velocity vel[]; else the kind of field, scaled by vel[0] */
  PetscReal         vel[2], K[2];
  PetscReal         tscale; /* a time long enough for the automatic step to be the stability limit */
  PetscReal         landfrac;
  PetscBool         constant; /* start from a constant state and require it to stay constant */
} Case;

static PetscErrorCode RunCase(const Case *cs, PetscInt nsteps)
{
  MPI_Comm  comm = PETSC_COMM_WORLD;
  HcGrid    grid;
  HcTerm    term;
  HcModel   model;
  Vec       u, u0, vel;
  PetscReal tot0[2], tot[2], dt, drift = 0, change;
  PetscInt  nsub;

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "%s\n", cs->label));
  PetscCall(HcTestCreateGrid(comm, cs->type, 40, 30, 2, cs->px, PETSC_FALSE, &grid));
  if (cs->landfrac > 0) PetscCall(HcTestSetIrregularMask(grid, 11, cs->landfrac));
  PetscCall(HcTermCreate(grid, &term));
  PetscCall(HcTermSetType(term, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetScheme(term, cs->scheme));
  PetscCall(HcTermAdvDiffSetDiffusivity(term, cs->K));
  if (cs->velfield >= 0) {
    PetscCall(VelocityField(grid, cs->velfield, cs->vel[0], &vel));
    PetscCall(HcTermAdvDiffSetVelocityField(term, vel));
    PetscCall(VecDestroy(&vel));
  } else
    PetscCall(HcTermAdvDiffSetVelocity(term, cs->vel[0], cs->vel[1]));
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelAddTerm(model, term));
  PetscCall(HcModelSetObservationInterval(model, cs->tscale));
  PetscCall(HcModelSetUp(model));
  /* 1000 steps of the automatic (stable) step in one observation interval */
  PetscCall(HcModelGetTimeStep(model, &dt, NULL));
  PetscCall(HcModelSetObservationInterval(model, nsteps * dt));
  PetscCall(HcModelSetTimeStep(model, dt));
  PetscCall(HcModelGetTimeStep(model, &dt, &nsub));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &u0));
  if (cs->constant)
    PetscCall(HcGridEvaluate(grid, Constant, NULL, u));
  else {
    PetscCall(HcTestSmoothField(grid, 5, u));
    PetscCall(VecShift(u, 3)); /* totals well away from zero */
  }
  PetscCall(VecCopy(u, u0));
  PetscCall(HcGridIntegrate(grid, u, tot0));
  {
    const PetscReal times[2] = {0, nsteps * dt};

    PetscCall(HcModelSolve(model, 1, times, u, NULL));
  }
  PetscCall(HcGridIntegrate(grid, u, tot));
  for (int c = 0; c < 2; c++) drift = PetscMax(drift, PetscAbsReal(tot[c] - tot0[c]) / PetscAbsReal(tot0[c]));
  PetscCall(VecAXPY(u0, -1, u));
  PetscCall(VecNorm(u0, NORM_INFINITY, &change));
  PetscCall(HcTestCheck(comm, nsub == nsteps, "%" PetscInt_FMT " RK4 steps of dt = %.4g", nsub, (double)dt));
  PetscCall(HcTestCheck(comm, drift < 1e-12, "area-weighted totals %.15g, %.15g: relative drift %.1e", (double)tot[0],
                        (double)tot[1], (double)drift));
  if (cs->constant)
    PetscCall(HcTestCheck(comm, change < 1e-13 * 3.25, "a constant state stays constant: max change %.1e", (double)change));
  else
    PetscCall(HcTestCheck(comm, change > 1e-3, "the state did evolve: max change %.3g", (double)change));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&u0));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  int status;
  /* The centred scheme is not dissipative: where the flow runs into a wall or a coast it has growing modes, so it is
     checked with a flow tangential to the walls; the upwind schemes with flow into walls and coasts. */
  const Case cases[] = {
      {"Cartesian box, walls, land, upwind2, velocity field into walls and coasts",
       HC_GRID_CARTESIAN,
       PETSC_FALSE,
       HC_ADVECTION_UPWIND2,
       0,
       {1.0, 0},
       {2e-3, 5e-4},
       1,
       0.15,
       PETSC_FALSE},
      {"Cartesian box, walls, land, upwind1, velocity field into walls and coasts",
       HC_GRID_CARTESIAN,
       PETSC_FALSE,
       HC_ADVECTION_UPWIND1,
       0,
       {1.0, 0},
       {2e-3, 5e-4},
       1,
       0.15,
       PETSC_FALSE},
      {"Cartesian box, walls, land, upwind2, constant velocity",
       HC_GRID_CARTESIAN,
       PETSC_FALSE,
       HC_ADVECTION_UPWIND2,
       -1,
       {0.6, -0.4},
       {2e-3, 5e-4},
       1,
       0.15,
       PETSC_FALSE},
      {"Cartesian box, walls, centered, cellular flow tangential to the walls",
       HC_GRID_CARTESIAN,
       PETSC_FALSE,
       HC_ADVECTION_CENTERED,
       1,
       {1.0, 0},
       {2e-3, 5e-4},
       1,
       0,
       PETSC_FALSE},
      {"lat-lon regional box, walls, land, upwind2, velocity field (m/s)",
       HC_GRID_LATLON,
       PETSC_FALSE,
       HC_ADVECTION_UPWIND2,
       0,
       {0.5, 0},
       {2e4, 5e3},
       1e8,
       0.15,
       PETSC_FALSE},
      {"lat-lon band, periodic, land: diffusion of a constant state",
       HC_GRID_LATLON,
       PETSC_TRUE,
       HC_ADVECTION_UPWIND2,
       -1,
       {0, 0},
       {5e4, 1e4},
       1e8,
       0.15,
       PETSC_TRUE},
      {"lat-lon band, periodic, land: zonal advection (10 m/s) and diffusion",
       HC_GRID_LATLON,
       PETSC_TRUE,
       HC_ADVECTION_UPWIND2,
       -1,
       {10, 0},
       {1e3, 1e3},
       1e8,
       0.15,
       PETSC_FALSE},
      {"lat-lon band, periodic, no land: zonal advection of a constant state",
       HC_GRID_LATLON,
       PETSC_TRUE,
       HC_ADVECTION_CENTERED,
       -1,
       {10, 0},
       {1e3, 1e3},
       1e8,
       0,
       PETSC_TRUE},
  };

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) PetscCall(RunCase(&cases[k], 1000));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
