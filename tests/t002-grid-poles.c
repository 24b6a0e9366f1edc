static const char help[] =
    "Global lat-lon grids whose rows are centred on the poles or reach them (issue 25): every cell has a positive area,\n"
    "the areas add up to the sphere's, and the physics (advection towards the poles and diffusion) keeps the area-weighted\n"
    "totals (nothing flows through a pole face) and finite values; a constant state stays constant under diffusion.\n";

#include "testutil.h"

typedef struct {
  const char *label;
  PetscInt    ny;
  PetscReal   lat[96];
} Rows;

static PetscErrorCode CreateGlobalGrid(const Rows *rows, HcGrid *grid)
{
  const char *names[] = {"a", "b"};
  PetscReal   lon[36];

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < 36; i++) lon[i] = 10 * i + 5;
  PetscCall(HcGridCreate(PETSC_COMM_WORLD, grid));
  PetscCall(HcGridSetType(*grid, HC_GRID_LATLON));
  PetscCall(HcGridSetCoordinates(*grid, 36, lon, rows->ny, rows->lat));
  PetscCall(HcGridSetPeriodic(*grid, PETSC_TRUE, PETSC_FALSE));
  PetscCall(HcGridSetFields(*grid, 2, names));
  PetscCall(HcGridSetUp(*grid));
  PetscFunctionReturn(0);
}

static PetscErrorCode Constant(PetscReal x, PetscReal y, PetscReal v[], void *ctx)
{
  v[0] = 2.5;
  v[1] = -4;
  return 0;
}

/* Integrate nsteps automatic steps of advection (vx, vy) and diffusion K from a smooth state, or a constant one. */
static PetscErrorCode Run(const Rows *rows, HcAdvectionScheme scheme, PetscReal vx, PetscReal vy, PetscReal K, PetscBool constant,
                          PetscInt nsteps)
{
  MPI_Comm        comm  = PETSC_COMM_WORLD;
  const PetscReal Kv[2] = {K, 0.5 * K};
  HcGrid          grid;
  HcTerm          term;
  HcModel         model;
  Vec             u, u0;
  PetscReal       tot0[2], tot[2], dt, drift = 0, change, mx;

  PetscFunctionBeginUser;
  PetscCall(CreateGlobalGrid(rows, &grid));
  PetscCall(HcTermCreate(grid, &term));
  PetscCall(HcTermSetType(term, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetScheme(term, scheme));
  PetscCall(HcTermAdvDiffSetDiffusivity(term, Kv));
  PetscCall(HcTermAdvDiffSetVelocity(term, vx, vy));
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelAddTerm(model, term));
  PetscCall(HcModelSetObservationInterval(model, 1e6));
  PetscCall(HcModelSetUp(model));
  PetscCall(HcModelGetTimeStep(model, &dt, NULL));
  PetscCall(HcModelSetObservationInterval(model, nsteps * dt));
  PetscCall(HcModelSetTimeStep(model, dt));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &u0));
  if (constant)
    PetscCall(HcGridEvaluate(grid, Constant, NULL, u));
  else {
    PetscCall(HcTestSmoothField(grid, 7, u));
    PetscCall(VecShift(u, 3));
  }
  PetscCall(VecCopy(u, u0));
  PetscCall(HcGridIntegrate(grid, u, tot0));
  {
    const PetscReal times[2] = {0, nsteps * dt};

    PetscCall(HcModelSolve(model, 1, times, u, NULL));
  }
  PetscCall(HcGridIntegrate(grid, u, tot));
  for (int c = 0; c < 2; c++) drift = PetscMax(drift, PetscAbsReal(tot[c] - tot0[c]) / PetscAbsReal(tot0[c]));
  PetscCall(VecNorm(u, NORM_INFINITY, &mx));
  PetscCall(VecAXPY(u0, -1, u));
  PetscCall(VecNorm(u0, NORM_INFINITY, &change));
  PetscCall(HcTestCheck(comm, !PetscIsInfOrNanReal(mx),
                        "%s, %s, v = (%g, %g) m/s, K = %g: %" PetscInt_FMT " steps of %.3g s, finite values (max |u| %.4g)",
                        rows->label, HcAdvectionSchemes[scheme], (double)vx, (double)vy, (double)K, nsteps, (double)dt,
                        (double)mx));
  PetscCall(HcTestCheck(comm, drift < 1e-12,
                        "  area-weighted totals %.15g, %.15g: relative drift %.1e (no flux through the poles)", (double)tot[0],
                        (double)tot[1], (double)drift));
  if (constant)
    PetscCall(HcTestCheck(comm, change < 1e-12 * 4, "  a constant state stays constant: max change %.1e", (double)change));
  else
    PetscCall(HcTestCheck(comm, change > 1e-3, "  the state did evolve: max change %.3g", (double)change));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&u0));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckAreas(const Rows *rows)
{
  const PetscReal R = 6.371e6, sphere = 4 * PETSC_PI * R * R;
  HcGrid          grid;
  Vec             area;
  PetscReal       total, amin;

  PetscFunctionBeginUser;
  PetscCall(CreateGlobalGrid(rows, &grid));
  PetscCall(HcGridCreateAreaVector(grid, &area));
  PetscCall(VecSum(area, &total));
  PetscCall(VecMin(area, NULL, &amin));
  PetscCall(HcTestCheck(PETSC_COMM_WORLD, amin > 0, "%s: every cell has a positive area (smallest %.4g m^2)", rows->label,
                        (double)amin));
  PetscCall(HcTestCheck(PETSC_COMM_WORLD, PetscAbsReal(total - sphere) < 1e-12 * sphere,
                        "  the areas add up to the sphere's 4 pi R^2: relative difference %.1e",
                        (double)((total - sphere) / sphere)));
  PetscCall(VecDestroy(&area));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  static Rows at    = {"rows centred on the poles (-90, -80, .., 90)", 19, {0}},
              reach = {"rows reaching the poles (-89, -87, .., 89)", 90, {0}},
              near = {"rows next to the poles (-89.6, -88, .., 88, 89.6)", 91, {0}}, beyond = {"", 3, {-30, 60, 95}};
  const Rows *all[] = {&at, &reach, &near};
  int         status;
  HcGrid      grid = NULL;
  PetscBool   refused;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  for (PetscInt j = 0; j < at.ny; j++) at.lat[j] = -90 + 10 * j;
  for (PetscInt j = 0; j < reach.ny; j++) reach.lat[j] = -89 + 2 * j;
  for (PetscInt j = 0; j < near.ny; j++) near.lat[j] = -90 + 2 * j;
  near.lat[0]           = -89.6;
  near.lat[near.ny - 1] = 89.6;
  for (int k = 0; k < 3; k++) PetscCall(CheckAreas(all[k]));
  for (int k = 0; k < 3; k++) {
    PetscCall(Run(all[k], HC_ADVECTION_UPWIND2, 8, 3, 2e4, PETSC_FALSE, 200));
    PetscCall(Run(all[k], HC_ADVECTION_UPWIND1, 0, -6, 2e4, PETSC_FALSE, 200));
    PetscCall(Run(all[k], HC_ADVECTION_UPWIND2, 0, 0, 5e4, PETSC_TRUE, 200));
  }
  /* beyond a pole is not a latitude: still refused */
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  refused = CreateGlobalGrid(&beyond, &grid) ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscPopErrorHandler());
  PetscCall(HcGridDestroy(&grid));
  PetscCall(HcTestCheck(PETSC_COMM_WORLD, refused, "a row centred at 95 degrees north is refused"));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
