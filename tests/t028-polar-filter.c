

static const char help[] =
    "The polar filter of global lat-lon grids (src/grid/polar.c): the filter itself (symmetric, a projection without land,\n"
    "zonal modes kept or removed by their wavenumber, rows equatorward of the cut-off untouched, land kept at zero); the\n"
    "model's products through it (dot and finite-difference tests of advdiff + mlp); the TS adjoint gradient against\n"
    "central differences; and the step: far fewer steps per interval than without the filter, and a stable long run.\n";

#include "testutil.h"
#include <hycast/private/gridimpl.h>

#define NX   36
#define NY   18 /* 10-degree cells, rows centred at -85 .. 85 */
#define LAT  45.0
#define NOBS 3

static PetscErrorCode CreateGlobalGrid(MPI_Comm comm, PetscBool land, HcGrid *grid)
{
  const char *names[] = {"a", "b"};

  PetscFunctionBeginUser;
  PetscCall(HcGridCreate(comm, grid));
  PetscCall(HcGridSetType(*grid, HC_GRID_LATLON));
  PetscCall(HcGridSetSizes(*grid, NX, NY));
  PetscCall(HcGridSetDomain(*grid, 0, 360, -90, 90));
  PetscCall(HcGridSetFields(*grid, 2, names));
  PetscCall(HcGridSetUp(*grid));
  if (land) PetscCall(HcTestSetIrregularMask(*grid, 17, 0.2));
  PetscFunctionReturn(0);
}

/* x[j][i][c] = cos(k * 2 pi (i + 0.5) / NX + phase) on row j, field c; zero elsewhere */
static PetscErrorCode SetZonalMode(HcGrid grid, PetscInt jrow, PetscInt c, PetscInt k, Vec x)
{
  DM             da;
  PetscScalar ***a;
  PetscInt       xs, ys, xm, ym;

  PetscFunctionBeginUser;
  PetscCall(VecSet(x, 0));
  PetscCall(HcGridGetDM(grid, &da));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(DMDAVecGetArrayDOF(da, x, &a));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++)
      if (j == jrow) a[j][i][c] = PetscCosReal(k * 2 * PETSC_PI * (i + 0.5) / NX + 0.3);
  PetscCall(DMDAVecRestoreArrayDOF(da, x, &a));
  PetscFunctionReturn(0);
}

/* <P x, y> = <x, P y> for random x, y (seeds seed, seed + 1); px = P x on return */
static PetscErrorCode CheckSymmetric(HcPolarFilter pf, HcGrid grid, unsigned long seed, const char what[], Vec x, Vec y, Vec px,
                                     Vec py)
{
  PetscReal a, b;

  PetscFunctionBeginUser;
  PetscCall(HcTestRandomField(grid, seed, 1, x));
  PetscCall(HcTestRandomField(grid, seed + 1, 1, y));
  PetscCall(VecCopy(x, px));
  PetscCall(HcPolarFilterApply(pf, px));
  PetscCall(VecCopy(y, py));
  PetscCall(HcPolarFilterApply(pf, py));
  a = HcTestDot(px, y);
  b = HcTestDot(x, py);
  PetscCall(HcTestCheck(PetscObjectComm((PetscObject)x), HcTestRelMismatch(a, b) < 1e-13,
                        "%s: symmetric, <P x, y> = <x, P y> (rel %.1e)", what, (double)HcTestRelMismatch(a, b)));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestFilter(MPI_Comm comm)
{
  HcGrid        grid, lgrid;
  HcPolarFilter pf, lpf;
  Vec           x, y, px, py, ppx;
  PetscReal     e, *nx0, *nx1;

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "the filter, cut-off %g deg, %d x %d global grid\n", LAT, NX, NY));
  PetscCall(CreateGlobalGrid(comm, PETSC_FALSE, &grid));
  PetscCall(HcPolarFilterCreate(grid, LAT, &pf));
  PetscCall(HcGridCreateGlobalVector(grid, &x));
  PetscCall(VecDuplicate(x, &y));
  PetscCall(VecDuplicate(x, &px));
  PetscCall(VecDuplicate(x, &py));
  PetscCall(VecDuplicate(x, &ppx));
  PetscCall(CheckSymmetric(pf, grid, 3, "without land", x, y, px, py));
  PetscCall(VecCopy(px, ppx));
  PetscCall(HcPolarFilterApply(pf, ppx));
  PetscCall(HcTestRelError(ppx, px, &e));
  PetscCall(HcTestCheck(comm, e < 1e-13, "without land a projection: P P x = P x (rel %.1e)", (double)e));
  /* rows equatorward of the cut-off are untouched, row sums are kept, rows poleward lose their small scales */
  PetscCall(HcTestGatherNatural(grid, x, &nx0));
  PetscCall(HcTestGatherNatural(grid, px, &nx1));
  {
    PetscMPIInt rank;
    PetscReal   dsame = 0, dsum = 0, dpole = 0;

    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    if (!rank)
      for (PetscInt j = 0; j < NY; j++) {
        const PetscReal lat = -85 + 10 * j;

        for (PetscInt c = 0; c < 2; c++) {
          PetscReal s0 = 0, s1 = 0, d = 0;

          for (PetscInt i = 0; i < NX; i++) {
            const PetscInt q = (j * NX + i) * 2 + c;

            s0 += nx0[q];
            s1 += nx1[q];
            d = PetscMax(d, PetscAbsReal(nx0[q] - nx1[q]));
          }
          if (PetscAbsReal(lat) < LAT)
            dsame = PetscMax(dsame, d);
          else
            dpole = PetscMax(dpole, d);
          dsum = PetscMax(dsum, PetscAbsReal(s0 - s1) / NX);
        }
      }
    PetscCallMPI(MPI_Bcast(&dsame, 1, MPIU_REAL, 0, comm));
    PetscCallMPI(MPI_Bcast(&dsum, 1, MPIU_REAL, 0, comm));
    PetscCallMPI(MPI_Bcast(&dpole, 1, MPIU_REAL, 0, comm));
    PetscCall(HcTestCheck(comm, dsame == 0, "rows equatorward of %g deg untouched (max diff %g)", LAT, (double)dsame));
    PetscCall(HcTestCheck(comm, dsum < 1e-14, "row means kept (max diff %.1e)", (double)dsum));
    PetscCall(HcTestCheck(comm, dpole > 0.1, "rows poleward of %g deg filtered (max change %.3g)", LAT, (double)dpole));
  }
  PetscCall(PetscFree(nx0));
  PetscCall(PetscFree(nx1));
  /* row at 65 deg: sin(pi k / 36) <= cos 65 / cos 45 = 0.598 keeps k <= 7; at 85 deg, 0.123 keeps k <= 1 */
  {
    const PetscInt  jrow[2] = {15, 17}, keep[2] = {7, 1};
    const PetscReal lat[2] = {65, 85};

    for (PetscInt r = 0; r < 2; r++)
      for (PetscInt s = 0; s < 2; s++) {
        const PetscInt k = keep[r] + s;
        PetscReal      n0, n1;

        PetscCall(SetZonalMode(grid, jrow[r], 1, k, x));
        PetscCall(VecCopy(x, px));
        PetscCall(HcPolarFilterApply(pf, px));
        PetscCall(VecNorm(x, NORM_2, &n0));
        PetscCall(VecNorm(px, NORM_2, &n1));
        if (!s) {
          PetscCall(VecAXPY(px, -1, x));
          PetscCall(VecNorm(px, NORM_2, &n1));
          PetscCall(HcTestCheck(comm, n1 / n0 < 1e-13, "row at %g deg keeps zonal wavenumber %" PetscInt_FMT " (rel change %.1e)",
                                (double)lat[r], k, (double)(n1 / n0)));
        } else
          PetscCall(HcTestCheck(comm, n1 / n0 < 1e-13,
                                "row at %g deg removes zonal wavenumber %" PetscInt_FMT " (|P x| / |x| = %.1e)", (double)lat[r],
                                k, (double)(n1 / n0)));
      }
  }

  /* with land: still symmetric, and nothing reaches a land cell */
  PetscCall(CreateGlobalGrid(comm, PETSC_TRUE, &lgrid));
  PetscCall(HcPolarFilterCreate(lgrid, LAT, &lpf));
  PetscCall(CheckSymmetric(lpf, lgrid, 5, "with land", x, y, px, py));
  {
    PetscReal      worst = 0;
    DM             da, da1;
    Vec            m;
    PetscInt       xs, ys, xm, ym;
    PetscScalar ***pa;
    PetscScalar  **ma;

    PetscCall(HcGridGetMask(lgrid, &m));
    PetscCall(HcGridGetDM(lgrid, &da));
    PetscCall(HcGridGetScalarDM(lgrid, &da1));
    PetscCall(HcGridGetOwnership(lgrid, &xs, &ys, &xm, &ym));
    PetscCall(DMDAVecGetArrayDOFRead(da, px, &pa));
    PetscCall(DMDAVecGetArrayRead(da1, m, &ma));
    for (PetscInt j = ys; j < ys + ym; j++)
      for (PetscInt i = xs; i < xs + xm; i++)
        if (PetscAbsReal(-85.0 + 10 * j) > LAT && ma[j][i] == 0)
          worst = PetscMax(worst, PetscMax(PetscAbsReal(pa[j][i][0]), PetscAbsReal(pa[j][i][1])));
    PetscCall(DMDAVecRestoreArrayDOFRead(da, px, &pa));
    PetscCall(DMDAVecRestoreArrayRead(da1, m, &ma));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPIU_REAL, MPI_MAX, comm));
    PetscCall(HcTestCheck(comm, worst == 0, "with land: filtered rows are zero on land (max %g)", (double)worst));
  }
  PetscCall(HcPolarFilterDestroy(&lpf));
  PetscCall(HcPolarFilterDestroy(&pf));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&y));
  PetscCall(VecDestroy(&px));
  PetscCall(VecDestroy(&py));
  PetscCall(VecDestroy(&ppx));
  PetscCall(HcGridDestroy(&lgrid));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

/* advdiff (+ mlp) on the global grid with land, through the filter */
static PetscErrorCode CreateModel(HcGrid grid, PetscBool mlp, PetscReal lat, PetscReal K0, PetscReal u0, PetscReal v0,
                                  HcModel *model)
{
  HcTerm          phys, nn;
  const PetscReal K[2] = {K0, 0.4 * K0};

  PetscFunctionBeginUser;
  PetscCall(HcTermCreate(grid, &phys));
  PetscCall(HcTermSetType(phys, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetDiffusivity(phys, K));
  PetscCall(HcTermAdvDiffSetVelocity(phys, u0, v0));
  PetscCall(HcModelCreate(grid, model));
  PetscCall(HcModelAddTerm(*model, phys));
  PetscCall(HcTermDestroy(&phys));
  if (mlp) {
    const PetscInt hidden[1] = {6};

    PetscCall(HcTermCreate(grid, &nn));
    PetscCall(HcTermSetType(nn, HCTERMMLP));
    PetscCall(HcTermMLPSetHiddenLayers(nn, 1, hidden));
    PetscCall(HcTermMLPSetInitialization(nn, 3, 0.5));
    PetscCall(HcModelAddTerm(*model, nn));
    PetscCall(HcTermDestroy(&nn));
  }
  PetscCall(HcModelSetPolarFilter(*model, lat));
  PetscCall(HcModelSetObservationInterval(*model, 30 * 86400.0));
  PetscCall(HcModelSetFromOptions(*model));
  PetscCall(HcModelSetUp(*model));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestProducts(MPI_Comm comm)
{
  HcGrid  grid;
  HcModel model;
  Vec     u, v, w, pv;

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "model products through the filter: advdiff + mlp, land\n"));
  PetscCall(CreateGlobalGrid(comm, PETSC_TRUE, &grid));
  PetscCall(CreateModel(grid, PETSC_TRUE, LAT, 3e4, 0.4, -0.16, &model));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(HcTestSmoothField(grid, 1, u));
  PetscCall(HcTestRandomField(grid, 2, 1, v));
  PetscCall(HcTestRandomField(grid, 3, 1, w));
  PetscCall(HcModelCreateParameterVector(model, &pv));
  {
    PetscScalar *p;
    PetscInt     n;

    PetscCall(VecGetLocalSize(pv, &n));
    PetscCall(VecGetArray(pv, &p));
    for (PetscInt k = 0; k < n; k++) p[k] = HcTestHash(5, k, 0, 0);
    PetscCall(VecRestoreArray(pv, &p));
  }
  PetscCall(HcTestModelProducts(model, 0, u, v, w, pv, 1e-6, 1e-5));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&pv));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestAdjoint(MPI_Comm comm)
{
  HcGrid       grid;
  HcModel      model;
  HcTestMisfit mf;
  Vec          u0, d;
  PetscReal    L, dt;
  PetscInt     nsub;

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "TS adjoint through the filter: physics, land\n"));
  PetscCall(CreateGlobalGrid(comm, PETSC_TRUE, &grid));
  PetscCall(CreateModel(grid, PETSC_FALSE, LAT, 3e4, 0.4, -0.16, &model));
  PetscCall(HcModelGetTimeStep(model, &dt, &nsub));
  PetscCall(HcModelSetTimeStep(model, dt)); /* finite differences must not change the number of steps */
  PetscCall(HcGridCreateGlobalVector(grid, &u0));
  PetscCall(VecDuplicate(u0, &d));
  PetscCall(HcTestSmoothField(grid, 31, u0));
  PetscCall(HcTestRandomField(grid, 32, 1, d));
  for (int k = 0; k <= NOBS; k++) mf.times[k] = 30 * 86400.0 * k;
  PetscCall(HcTestMisfitSetUp(&mf, grid, NOBS, 40));
  PetscCall(HcTestCheckWindowGradient(model, "physics", NOBS, &mf, u0, d, &L));
  PetscCall(
      PetscPrintf(comm, "  loss %.10e over %d intervals of 30 days, %" PetscInt_FMT " step(s) each\n", (double)L, NOBS, nsub));
  for (int k = 0; k < NOBS; k++) PetscCall(VecDestroy(&mf.target[k]));
  PetscCall(VecDestroy(&u0));
  PetscCall(VecDestroy(&d));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

/* area-weighted L2 norm of u */
static PetscErrorCode AreaNorm(Vec area, Vec u, PetscReal *n)
{
  const PetscScalar *a;
  const PetscScalar *x;
  PetscInt           nloc;
  PetscReal          s = 0;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(area, &nloc));
  PetscCall(VecGetArrayRead(area, &a));
  PetscCall(VecGetArrayRead(u, &x));
  for (PetscInt k = 0; k < nloc; k++) s += a[k] * (x[2 * k] * x[2 * k] + x[2 * k + 1] * x[2 * k + 1]);
  PetscCall(VecRestoreArrayRead(area, &a));
  PetscCall(VecRestoreArrayRead(u, &x));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPIU_REAL, MPI_SUM, PetscObjectComm((PetscObject)u)));
  *n = PetscSqrtReal(s);
  PetscFunctionReturn(0);
}

static PetscErrorCode TestStep(MPI_Comm comm)
{
  HcGrid    grid;
  HcModel   plain, filtered;
  PetscInt  nu, nf;
  PetscReal dtu, dtf, nr, dn, rel[2] = {1, 1}, times[2];
  Vec       u, uref, area;

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "the step: diffusivity 1e5 m^2/s and a current (1, -0.4) m/s on 10-degree cells, land\n"));
  PetscCall(CreateGlobalGrid(comm, PETSC_TRUE, &grid));
  PetscCall(CreateModel(grid, PETSC_FALSE, 0, 1e5, 1.0, -0.4, &plain));
  PetscCall(CreateModel(grid, PETSC_FALSE, LAT, 1e5, 1.0, -0.4, &filtered));
  PetscCall(HcModelGetTimeStep(plain, &dtu, &nu));
  PetscCall(HcModelGetTimeStep(filtered, &dtf, &nf));
  PetscCall(HcTestCheck(comm, nu >= 10 * nf,
                        "steps per 30-day interval: %" PetscInt_FMT " without the filter, %" PetscInt_FMT " with it", nu, nf));
  /* 10 years from the same state with the filter's steps and without: the filter removes only the polar rows' small
     zonal scales, which this diffusivity damps within days anyway, so the runs must agree ever more closely */
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &uref));
  PetscCall(HcGridCreateAreaVector(grid, &area));
  PetscCall(HcTestRandomField(grid, 9, 1, u));
  PetscCall(HcTestMaskField(grid, u));
  PetscCall(VecCopy(u, uref));
  for (PetscInt k = 0; k < 120; k++) {
    times[0] = 30 * 86400.0 * k;
    times[1] = times[0] + 30 * 86400.0;
    PetscCall(HcModelSolve(filtered, 1, times, u, NULL));
    PetscCall(HcModelSolve(plain, 1, times, uref, NULL));
    if (k == 0 || k == 119) {
      PetscCall(AreaNorm(area, uref, &nr));
      PetscCall(VecAXPY(uref, -1, u));
      PetscCall(AreaNorm(area, uref, &dn));
      PetscCall(VecAXPY(uref, 1, u));
      rel[k ? 1 : 0] = dn / nr;
    }
  }
  PetscCall(HcTestCheck(comm, rel[0] < 1e-2 && rel[1] < 1e-8,
                        "the filtered run (%" PetscInt_FMT " steps per interval) against the unfiltered one (%" PetscInt_FMT
                        "): relative difference %.2g after 1 interval, %.2g after 120",
                        nf, nu, (double)rel[0], (double)rel[1]));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&uref));
  PetscCall(VecDestroy(&area));
  PetscCall(HcModelDestroy(&plain));
  PetscCall(HcModelDestroy(&filtered));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(TestFilter(PETSC_COMM_WORLD));
  PetscCall(TestProducts(PETSC_COMM_WORLD));
  PetscCall(TestAdjoint(PETSC_COMM_WORLD));
  PetscCall(TestStep(PETSC_COMM_WORLD));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
