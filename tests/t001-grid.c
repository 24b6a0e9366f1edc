static const char help[] = "HcGrid: sizes, periodicity, metrics (Cartesian and spherical), non-uniform coordinates, masks.\n";

#include "testutil.h"

static PetscErrorCode TotalArea(HcGrid grid, PetscReal *total)
{
  Vec area;

  PetscFunctionBeginUser;
  PetscCall(HcGridCreateAreaVector(grid, &area));
  PetscCall(VecSum(area, total));
  PetscCall(VecDestroy(&area));
  PetscFunctionReturn(0);
}

static PetscErrorCode One(PetscReal x, PetscReal y, PetscReal v[], void *ctx)
{
  v[0] = 1;
  v[1] = 2;
  return 0;
}

int main(int argc, char **argv)
{
  MPI_Comm        comm;
  HcGrid          grid;
  PetscReal       total, exact, tot[2];
  PetscBool       px, py;
  PetscInt        nact;
  int             status;
  const PetscReal R = 6.371e6, deg = PETSC_PI / 180;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;

  PetscCall(PetscPrintf(comm, "Cartesian box [0,2] x [0,3], 8 x 6 cells, walls\n"));
  PetscCall(HcGridCreate(comm, &grid));
  PetscCall(HcGridSetSizes(grid, 8, 6));
  PetscCall(HcGridSetDomain(grid, 0, 2, 0, 3));
  PetscCall(HcGridSetUp(grid));
  PetscCall(HcGridView(grid, NULL));
  PetscCall(TotalArea(grid, &total));
  PetscCall(HcTestCheck(comm, PetscAbsReal(total - 6) < 1e-14, "total area %.15g = 6", (double)total));
  PetscCall(HcGridGetPeriodic(grid, &px, &py));
  PetscCall(HcTestCheck(comm, !px && !py, "a Cartesian box has closed walls by default"));
  PetscCall(HcGridDestroy(&grid));

  PetscCall(PetscPrintf(comm, "Lat-lon band 0..360 E, 60 S..65 N, 36 x 25 cells\n"));
  PetscCall(HcGridCreate(comm, &grid));
  PetscCall(HcGridSetType(grid, HC_GRID_LATLON));
  PetscCall(HcGridSetSizes(grid, 36, 25));
  PetscCall(HcGridSetDomain(grid, 0, 360, -60, 65));
  PetscCall(HcGridSetUp(grid));
  PetscCall(HcGridView(grid, NULL));
  PetscCall(HcGridGetPeriodic(grid, &px, &py));
  PetscCall(HcTestCheck(comm, px && !py, "a lat-lon grid spanning 360 degrees is periodic in longitude only"));
  PetscCall(TotalArea(grid, &total));
  exact = R * R * 2 * PETSC_PI * (PetscSinReal(65 * deg) - PetscSinReal(-60 * deg));
  PetscCall(HcTestCheck(comm, PetscAbsReal(total / exact - 1) < 1e-13, "spherical band area %.15g m^2, exact %.15g (rel %.1e)",
                        (double)total, (double)exact, (double)PetscAbsReal(total / exact - 1)));
  PetscCall(HcGridDestroy(&grid));

  PetscCall(PetscPrintf(comm, "Lat-lon regional box 280..340 E with non-uniform latitudes\n"));
  {
    const PetscReal lat[] = {-50, -40, -25, -5, 20, 30, 45, 52};
    PetscReal       lon[12];

    for (int i = 0; i < 12; i++) lon[i] = 282.5 + 5 * i;
    PetscCall(HcGridCreate(comm, &grid));
    PetscCall(HcGridSetType(grid, HC_GRID_LATLON));
    PetscCall(HcGridSetCoordinates(grid, 12, lon, 8, lat));
    PetscCall(HcGridSetUp(grid));
    PetscCall(HcGridView(grid, NULL));
    PetscCall(HcGridGetPeriodic(grid, &px, &py));
    PetscCall(HcTestCheck(comm, !px, "a regional box is not periodic"));
    PetscCall(TotalArea(grid, &total));
    /* outer faces half a spacing beyond the first and last centres: 280..340 E, -55..55.5 N */
    exact = R * R * 60 * deg * (PetscSinReal(55.5 * deg) - PetscSinReal(-55 * deg));
    PetscCall(HcTestCheck(comm, PetscAbsReal(total / exact - 1) < 1e-13, "non-uniform box area %.15g m^2, exact %.15g",
                          (double)total, (double)exact));
    PetscCall(HcGridDestroy(&grid));
  }

  PetscCall(PetscPrintf(comm, "Bad coordinates are refused\n"));
  {
    const PetscReal bad[] = {0, 1, 3, 2};
    PetscErrorCode  ierr;

    PetscCall(HcGridCreate(comm, &grid));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = HcGridSetCoordinates(grid, 4, bad, 4, bad);
    PetscCall(PetscPopErrorHandler());
    PetscCall(HcTestCheck(comm, ierr != 0, "non-monotonic coordinates give an error (code %d)", (int)ierr));
    PetscCall(HcGridDestroy(&grid));
  }

  PetscCall(PetscPrintf(comm, "Grid from options, with land boxes (-grid_land_boxes)\n"));
  PetscCall(HcGridCreate(comm, &grid));
  PetscCall(HcGridSetOptionsPrefix(grid, "t_"));
  PetscCall(HcGridSetFromOptions(grid));
  PetscCall(HcGridSetUp(grid));
  PetscCall(HcGridView(grid, NULL));
  PetscCall(HcGridGetActiveCount(grid, &nact));
  {
    PetscInt nx, ny, nf;
    Vec      u;

    PetscCall(HcGridGetSizes(grid, &nx, &ny));
    PetscCall(HcGridGetNumFields(grid, &nf));
    PetscCall(HcTestCheck(comm, nx == 20 && ny == 10 && nf == 2,
                          "sizes and fields from options: %" PetscInt_FMT " x %" PetscInt_FMT ", %" PetscInt_FMT " fields", nx,
                          ny, nf));
    /* land box x in [0.25, 0.5], y in [0, 0.5] of the unit square covers 5 x 5 cell centres */
    PetscCall(HcTestCheck(comm, nact == 200 - 25, "%" PetscInt_FMT " active cells = 175", nact));
    PetscCall(HcGridCreateGlobalVector(grid, &u));
    PetscCall(HcGridEvaluate(grid, One, NULL, u));
    PetscCall(HcGridIntegrate(grid, u, tot));
    PetscCall(HcTestCheck(comm, PetscAbsReal(tot[0] - 0.875) < 1e-14 && PetscAbsReal(tot[1] - 1.75) < 1e-14,
                          "integrals over the active cells: %g, %g", (double)tot[0], (double)tot[1]));
    PetscCall(VecDestroy(&u));
  }
  PetscCall(HcGridDestroy(&grid));

  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
