static const char help[] =
    "MLP term features on non-uniform Cartesian and lat-lon grids with walls and an irregular land mask: the Laplacian\n"
    "feature is the advdiff diffusion with K = 1; the derivative stencils are exact for quadratics wherever they have\n"
    "three points (centred or one-sided) and for linear fields wherever they have two; static and time features follow\n"
    "their definitions; land cells get no features.\n";

#include "testutil.h"

#define R_EARTH 6.371e6
#define DEG     (PETSC_PI / 180)

/* Fields: a quadratic (a) and a linear (b) polynomial in (X, Y) = (x, y) on Cartesian grids and (lon, lat) in radians on
   lat-lon grids, with their exact derivatives with respect to X and Y. */
static void Poly(PetscInt c, PetscReal X, PetscReal Y, PetscReal *v, PetscReal *vX, PetscReal *vY)
{
  if (c == 0) {
    *v  = 0.3 + 1.1 * X - 0.7 * Y + 0.9 * X * X - 0.5 * X * Y + 0.4 * Y * Y;
    *vX = 1.1 + 1.8 * X - 0.5 * Y;
    *vY = -0.7 - 0.5 * X + 0.8 * Y;
  } else {
    *v  = 0.2 - 0.6 * X + 1.3 * Y;
    *vX = -0.6;
    *vY = 1.3;
  }
}

static PetscErrorCode PolyValues(PetscReal x, PetscReal y, PetscReal v[], void *ctx)
{
  const PetscBool latlon = *(const PetscBool *)ctx;
  PetscReal       dx, dy;

  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < 2; c++) Poly(c, latlon ? x * DEG : x, latlon ? y * DEG : y, &v[c], &dx, &dy);
  PetscFunctionReturn(0);
}

/* 3: a three-point stencil (exact for quadratics), 2: two points (exact for linear fields), 0: no active neighbour. */
static PetscInt StencilPoints(PetscBool m2, PetscBool m1, PetscBool p1, PetscBool p2)
{
  if ((m1 && p1) || (p1 && p2) || (m1 && m2)) return 3;
  return (m1 || p1) ? 2 : 0;
}

static PetscErrorCode RunCase(MPI_Comm comm, PetscBool latlon)
{
  HcGrid              grid;
  HcTerm              mlp, phys;
  Vec                 u, feat, lap, maskloc, mask;
  DM                  da1;
  PetscInt            nf, xs, ys, xm, ym, nx = 26, ny = 18;
  PetscReal          *xc, *yc, derr[2] = {0, 0}, dmax[2] = {0, 0}, serr = 0, landmax = 0, lerr[2] = {0, 0}, y0, y1, x0, x1;
  const PetscReal     K[2] = {1, 1}, t = 7.5, period = 4, origin = 0.5, tscale = 3, torigin = 1.5;
  const char         *statics[] = {"lat", "mask", "lon"};
  const char         *names[]   = {"a", "b"};
  const PetscScalar **mk, *f;
  PetscInt            counts[3] = {0, 0, 0};

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "%s grid, non-uniform spacing, walls, irregular land\n", latlon ? "lat-lon" : "Cartesian"));
  PetscCall(PetscMalloc2(nx, &xc, ny, &yc));
  for (PetscInt i = 0; i < nx; i++) {
    const PetscReal s = (i + 0.5) / nx;
    xc[i]             = latlon ? 280 + 60 * (s + 0.08 * PetscSinReal(2 * PETSC_PI * s)) : 2 * s + 0.15 * PetscSinReal(3 * s);
  }
  for (PetscInt j = 0; j < ny; j++) {
    const PetscReal s = (j + 0.5) / ny;
    yc[j]             = latlon ? -55 + 120 * s * s * (1.5 - 0.5 * s) : s + 0.3 * s * s;
  }
  PetscCall(HcGridCreate(comm, &grid));
  PetscCall(HcGridSetType(grid, latlon ? HC_GRID_LATLON : HC_GRID_CARTESIAN));
  PetscCall(HcGridSetCoordinates(grid, nx, xc, ny, yc));
  PetscCall(HcGridSetPeriodic(grid, PETSC_FALSE, PETSC_FALSE));
  PetscCall(HcGridSetRadius(grid, R_EARTH));
  PetscCall(HcGridSetFields(grid, 2, names));
  PetscCall(HcGridSetUp(grid));
  PetscCall(HcTestSetIrregularMask(grid, 13, 0.15));
  x0 = xc[0] - 0.5 * (xc[1] - xc[0]);
  x1 = xc[nx - 1] + 0.5 * (xc[nx - 1] - xc[nx - 2]);
  y0 = yc[0] - 0.5 * (yc[1] - yc[0]);
  y1 = yc[ny - 1] + 0.5 * (yc[ny - 1] - yc[ny - 2]);

  PetscCall(HcTermCreate(grid, &mlp));
  PetscCall(HcTermSetType(mlp, HCTERMMLP));
  PetscCall(HcTermMLPSetStaticFeatures(mlp, 3, statics));
  PetscCall(HcTermMLPSetTimeFeatures(mlp, period, origin));
  PetscCall(HcTermMLPSetTrendFeature(mlp, tscale, torigin));
  PetscCall(HcTermSetUp(mlp));
  PetscCall(HcTermMLPGetNumFeatures(mlp, &nf));
  PetscCall(HcTestCheck(comm, nf == 2 * 4 + 4 + 2 + 1,
                        "%" PetscInt_FMT " features (4 per field, mask 1, lat 1, lon 2, time 2, trend 1)", nf));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(HcGridEvaluate(grid, PolyValues, &latlon, u));
  PetscCall(HcGridCreateVectorDof(grid, nf, &feat));
  PetscCall(HcTermMLPComputeFeatures(mlp, t, u, feat));

  /* the Laplacian feature is the advdiff diffusion with K = 1 and no velocity */
  PetscCall(HcTermCreate(grid, &phys));
  PetscCall(HcTermSetType(phys, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetDiffusivity(phys, K));
  PetscCall(HcTermAdvDiffSetVelocity(phys, 0, 0));
  PetscCall(HcTermSetUp(phys));
  PetscCall(VecDuplicate(u, &lap));
  PetscCall(HcTermApply(phys, 0, u, lap));

  PetscCall(HcGridGetScalarDM(grid, &da1));
  PetscCall(HcGridGetMask(grid, &mask));
  PetscCall(DMCreateLocalVector(da1, &maskloc));
  PetscCall(VecSet(maskloc, 0)); /* zero beyond the walls */
  PetscCall(DMGlobalToLocal(da1, mask, INSERT_VALUES, maskloc));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(DMDAVecGetArrayRead(da1, maskloc, &mk));
  {
    DM                   da;
    const PetscScalar ***lp;

    PetscCall(HcGridGetDM(grid, &da));
    PetscCall(DMDAVecGetArrayDOFRead(da, lap, &lp));
    PetscCall(VecGetArrayRead(feat, &f));
    for (PetscInt j = ys; j < ys + ym; j++) {
      for (PetscInt i = xs; i < xs + xm; i++) {
        const PetscScalar *fc = f + ((j - ys) * xm + (i - xs)) * nf;
        const PetscReal    X = latlon ? xc[i] * DEG : xc[i], Y = latlon ? yc[j] * DEG : yc[j];
        const PetscReal    mx = latlon ? R_EARTH * PetscCosReal(Y) : 1, my = latlon ? R_EARTH : 1; /* d/dx = (1/mx) d/dX */
        const PetscBool    W = mk[j][i - 1] != 0, E = mk[j][i + 1] != 0, S = mk[j - 1][i] != 0, N = mk[j + 1][i] != 0;
        const PetscInt     px = StencilPoints(W && mk[j][i - 2] != 0, W, E, E && mk[j][i + 2] != 0);
        const PetscInt     py = StencilPoints(S && mk[j - 2][i] != 0, S, N, N && mk[j + 2][i] != 0);
        PetscReal          expect[15];

        if (mk[j][i] == 0) {
          for (PetscInt k = 0; k < nf; k++) landmax = PetscMax(landmax, PetscAbsScalar(fc[k]));
          continue;
        }
        counts[px == 3 && py == 3 ? 0 : (px == 0 || py == 0 ? 2 : 1)]++;
        for (PetscInt c = 0; c < 2; c++) {
          PetscReal v, vX, vY;

          Poly(c, X, Y, &v, &vX, &vY);
          /* the quadratic only where the stencil has three points; the linear field wherever it has two */
          if (px == 3 || (px == 2 && c == 1)) derr[0] = PetscMax(derr[0], PetscAbsReal(PetscRealPart(fc[4 * c + 1]) - vX / mx));
          if (py == 3 || (py == 2 && c == 1)) derr[1] = PetscMax(derr[1], PetscAbsReal(PetscRealPart(fc[4 * c + 2]) - vY / my));
          if (px == 0) derr[0] = PetscMax(derr[0], PetscAbsScalar(fc[4 * c + 1]));
          if (py == 0) derr[1] = PetscMax(derr[1], PetscAbsScalar(fc[4 * c + 2]));
          dmax[0] = PetscMax(dmax[0], PetscAbsReal(vX / mx));
          dmax[1] = PetscMax(dmax[1], PetscAbsReal(vY / my));
          serr    = PetscMax(serr, PetscAbsReal(PetscRealPart(fc[4 * c]) - v));
          lerr[0] = PetscMax(lerr[0], PetscAbsReal(PetscRealPart(fc[4 * c + 3] - lp[j][i][c])));
          lerr[1] = PetscMax(lerr[1], PetscAbsReal(PetscRealPart(lp[j][i][c])));
        }
        expect[8]  = latlon ? PetscSinReal(Y) : 2 * (yc[j] - y0) / (y1 - y0) - 1;
        expect[9]  = 0.25 * (W + E + S + N);
        expect[10] = latlon ? PetscSinReal(X) : PetscSinReal(2 * PETSC_PI * (xc[i] - x0) / (x1 - x0));
        expect[11] = latlon ? PetscCosReal(X) : PetscCosReal(2 * PETSC_PI * (xc[i] - x0) / (x1 - x0));
        expect[12] = PetscSinReal(2 * PETSC_PI * (t - origin) / period);
        expect[13] = PetscCosReal(2 * PETSC_PI * (t - origin) / period);
        expect[14] = (t - torigin) / tscale;
        /* canonical order: mask, lat, lon (whatever order they were listed in) */
        serr = PetscMax(serr, PetscAbsReal(PetscRealPart(fc[8]) - expect[9]));
        serr = PetscMax(serr, PetscAbsReal(PetscRealPart(fc[9]) - expect[8]));
        for (PetscInt k = 10; k < 15; k++) serr = PetscMax(serr, PetscAbsReal(PetscRealPart(fc[k]) - expect[k]));
      }
    }
    PetscCall(VecRestoreArrayRead(feat, &f));
    PetscCall(DMDAVecRestoreArrayDOFRead(da, lap, &lp));
  }
  PetscCall(DMDAVecRestoreArrayRead(da1, maskloc, &mk));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, derr, 2, MPIU_REAL, MPI_MAX, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, dmax, 2, MPIU_REAL, MPI_MAX, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, lerr, 2, MPIU_REAL, MPI_MAX, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &serr, 1, MPIU_REAL, MPI_MAX, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &landmax, 1, MPIU_REAL, MPI_MAX, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, counts, 3, MPIU_INT, MPI_SUM, comm));
  PetscCall(PetscPrintf(comm,
                        "    active cells: %" PetscInt_FMT " with 3-point stencils both ways, %" PetscInt_FMT
                        " with a 2-point one, %" PetscInt_FMT " with none in some direction\n",
                        counts[0], counts[1], counts[2]));
  PetscCall(HcTestCheck(comm, counts[1] > 0 && counts[2] > 0, "the mask exercises reduced stencils"));
  PetscCall(HcTestCheck(comm, derr[0] <= 1e-12 * dmax[0],
                        "d/dx exact for quadratics (3 points) and linear fields (2 points): rel error %.1e",
                        (double)(derr[0] / dmax[0])));
  PetscCall(HcTestCheck(comm, derr[1] <= 1e-12 * dmax[1],
                        "d/dy exact for quadratics (3 points) and linear fields (2 points): rel error %.1e",
                        (double)(derr[1] / dmax[1])));
  PetscCall(HcTestCheck(comm, lerr[0] <= 1e-12 * lerr[1], "Laplacian feature = advdiff diffusion with K = 1: rel diff %.1e",
                        (double)(lerr[0] / lerr[1])));
  PetscCall(
      HcTestCheck(comm, serr < 1e-13, "u, static and time features follow their definitions (max error %.1e)", (double)serr));
  PetscCall(HcTestCheck(comm, landmax == 0, "land cells get no features"));
  PetscCall(VecDestroy(&maskloc));
  PetscCall(VecDestroy(&lap));
  PetscCall(VecDestroy(&feat));
  PetscCall(VecDestroy(&u));
  PetscCall(HcTermDestroy(&phys));
  PetscCall(HcTermDestroy(&mlp));
  PetscCall(HcGridDestroy(&grid));
  PetscCall(PetscFree2(xc, yc));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(RunCase(PETSC_COMM_WORLD, PETSC_FALSE));
  PetscCall(RunCase(PETSC_COMM_WORLD, PETSC_TRUE));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
