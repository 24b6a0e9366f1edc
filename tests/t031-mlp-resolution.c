static const char help[] =
    "MLP term, resolution consistency: a smooth analytic field sampled at N, 2N and 4N cells; the term's output is\n"
    "compared with the same network applied to the exact physical features at each grid's own cell centres, on a\n"
    "periodic box, a lat-lon band with walls and a non-uniform box with walls; the error must fall at order >= 1.9.\n"
    "Also: the seeded initialisation and the output are the same on PETSC_COMM_SELF and on every rank count.\n";

#include "testutil.h"

typedef enum { BOX, BAND, STRETCHED } Geometry;
static const char *GeometryNames[] = {"periodic box", "lat-lon band with walls", "non-uniform box with walls"};

#define R_EARTH 6.371e6
#define DEG     (PETSC_PI / 180)
#define LAT0    -60.0
#define LAT1    60.0

/* Exact value, d/dx, d/dy and Laplacian of field c at (x, y) (coordinate units; degrees on the band). Each field is a
   sum of separable modes; on the walled geometries every odd derivative normal to a wall vanishes there, which is what
   the no-flux Laplacian next to a wall is consistent with. */
static void ExactFeatures(Geometry geo, PetscInt c, PetscReal x, PetscReal y, PetscReal f[4])
{
  static const PetscReal amp[2][3] = {{1.0, 0.6, -0.4}, {0.7, -0.5, 0.3}};
  static const PetscInt  kx[2][3] = {{1, 2, 0}, {0, 1, 3}}, ky[2][3] = {{1, 0, 2}, {1, 2, 1}};
  static const PetscReal ph[2][3] = {{0.3, 1.1, 0}, {0, -0.7, 0.4}};

  f[0] = f[1] = f[2] = f[3] = 0;
  for (PetscInt m = 0; m < 3; m++) {
    const PetscReal A = amp[c][m];
    const PetscInt  p = kx[c][m], q = ky[c][m];

    if (geo == BOX) { /* A cos(2 pi (p x + q y) + ph) */
      const PetscReal th = 2 * PETSC_PI * (p * x + q * y) + ph[c][m];
      f[0] += A * PetscCosReal(th);
      f[1] += -A * 2 * PETSC_PI * p * PetscSinReal(th);
      f[2] += -A * 2 * PETSC_PI * q * PetscSinReal(th);
      f[3] += -A * 4 * PETSC_PI * PETSC_PI * (p * p + q * q) * PetscCosReal(th);
    } else if (geo == STRETCHED) { /* A cos(p pi x + ...) cos(q pi y): cos(p pi x) only, so walls see zero odd derivatives */
      const PetscReal cx = PetscCosReal(p * PETSC_PI * x), sx = PetscSinReal(p * PETSC_PI * x);
      const PetscReal cy = PetscCosReal(q * PETSC_PI * y), sy = PetscSinReal(q * PETSC_PI * y);
      f[0] += A * cx * cy;
      f[1] += -A * p * PETSC_PI * sx * cy;
      f[2] += -A * q * PETSC_PI * cx * sy;
      f[3] += -A * PETSC_PI * PETSC_PI * (p * p + q * q) * cx * cy;
    } else { /* A cos(p lon + ph) cos(q pi s), s = (lat - lat0) / (lat1 - lat0) */
      const PetscReal lam = x * DEG, phi = y * DEG, D = (LAT1 - LAT0) * DEG, k = q * PETSC_PI / D, s = (phi - LAT0 * DEG);
      const PetscReal g = PetscCosReal(p * lam + ph[c][m]), gl = -p * PetscSinReal(p * lam + ph[c][m]), gll = -p * p * g;
      const PetscReal hh = PetscCosReal(k * s), hp = -k * PetscSinReal(k * s), hpp = -k * k * hh, cphi = PetscCosReal(phi);
      f[0] += A * g * hh;
      f[1] += A * gl * hh / (R_EARTH * cphi);
      f[2] += A * g * hp / R_EARTH;
      f[3] += A * (g * (hpp - PetscTanReal(phi) * hp) + gll * hh / (cphi * cphi)) / (R_EARTH * R_EARTH);
    }
  }
}

static PetscErrorCode FieldValues(PetscReal x, PetscReal y, PetscReal v[], void *ctx)
{
  const Geometry geo = *(const Geometry *)ctx;
  PetscReal      f[4];

  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < 2; c++) {
    ExactFeatures(geo, c, x, y, f);
    v[c] = f[0];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateGrid(MPI_Comm comm, Geometry geo, PetscInt n, HcGrid *grid)
{
  const char *names[] = {"a", "b"};

  PetscFunctionBeginUser;
  PetscCall(HcGridCreate(comm, grid));
  PetscCall(HcGridSetFields(*grid, 2, names));
  if (geo == BOX) {
    PetscCall(HcGridSetSizes(*grid, n, n));
    PetscCall(HcGridSetPeriodic(*grid, PETSC_TRUE, PETSC_TRUE));
  } else if (geo == BAND) {
    PetscCall(HcGridSetType(*grid, HC_GRID_LATLON));
    PetscCall(HcGridSetSizes(*grid, 3 * n, n));
    PetscCall(HcGridSetDomain(*grid, 0, 360, LAT0, LAT1));
    PetscCall(HcGridSetRadius(*grid, R_EARTH));
  } else {
    /* x(xi) = xi + e sin(2 pi xi) / (2 pi): smooth, spacing varying by a factor 2, and x'' = 0 at the walls, so the walls
       (half a spacing beyond the outer centres) lie at 0 and 1 to third order */
    PetscReal      *xc, *yc;
    const PetscReal e = 0.5;

    PetscCall(PetscMalloc2(n, &xc, n, &yc));
    for (PetscInt i = 0; i < n; i++) {
      const PetscReal xi = (i + 0.5) / n;
      xc[i]              = xi + e * PetscSinReal(2 * PETSC_PI * xi) / (2 * PETSC_PI);
      yc[i]              = xi - 0.6 * e * PetscSinReal(2 * PETSC_PI * xi) / (2 * PETSC_PI);
    }
    PetscCall(HcGridSetCoordinates(*grid, n, xc, n, yc));
    PetscCall(HcGridSetPeriodic(*grid, PETSC_FALSE, PETSC_FALSE));
    PetscCall(PetscFree2(xc, yc));
  }
  PetscCall(HcGridSetUp(*grid));
  PetscFunctionReturn(0);
}

/* max over active cells of |N_h - N(exact features)| / max |N(exact features)| on one grid. */
static PetscErrorCode ResolutionError(MPI_Comm comm, Geometry geo, PetscInt n, PetscReal *err)
{
  HcGrid          grid;
  HcTerm          term;
  Vec             u, F;
  PetscInt        xs, ys, xm, ym, nf, np = 0;
  const PetscInt  widths[2]    = {16, 12};
  const PetscReal t            = geo == BAND ? 3.3e6 : 0.4,
                  L            = geo == BAND ? R_EARTH * (LAT1 - LAT0) * DEG / (2 * PETSC_PI) : 1 / (2 * PETSC_PI);
  const PetscReal     scale[3] = {1, L, L * L};
  const PetscReal    *xc, *yc;
  PetscReal          *feat, *out, loc[2] = {0, 0};
  const PetscScalar **mk, ***a;
  DM                  da, da1;
  Vec                 mask;

  PetscFunctionBeginUser;
  PetscCall(CreateGrid(comm, geo, n, &grid));
  PetscCall(HcTermCreate(grid, &term));
  PetscCall(HcTermSetType(term, HCTERMMLP));
  PetscCall(HcTermMLPSetHiddenLayers(term, 2, widths));
  PetscCall(HcTermMLPSetActivation(term, geo == STRETCHED ? HC_ACTIVATION_GELU : HC_ACTIVATION_TANH));
  PetscCall(HcTermMLPSetInitialization(term, 3, 1));
  PetscCall(HcTermMLPSetFeatureScale(term, scale)); /* the same on every grid: part of the architecture */
  if (geo == BAND) {
    const char *statics[] = {"lat", "lon"};

    PetscCall(HcTermMLPSetStaticFeatures(term, 2, statics));
    PetscCall(HcTermMLPSetTimeFeatures(term, 86400 * 365.25, 0));
  }
  PetscCall(HcTermSetUp(term));
  PetscCall(HcTermMLPGetNumFeatures(term, &nf));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &F));
  PetscCall(HcGridEvaluate(grid, FieldValues, (void *)&geo, u));
  PetscCall(HcTermApply(term, t, u, F));

  /* the network on the exact features at this grid's own cell centres */
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(HcGridGetCoordinates(grid, &xc, &yc));
  PetscCall(PetscMalloc2(xm * ym * nf, &feat, xm * ym * 2, &out));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      PetscReal *f = feat + np++ * nf;

      ExactFeatures(geo, 0, xc[i], yc[j], f);
      ExactFeatures(geo, 1, xc[i], yc[j], f + 4);
      if (geo == BAND) {
        f[8]  = PetscSinReal(yc[j] * DEG);
        f[9]  = PetscSinReal(xc[i] * DEG);
        f[10] = PetscCosReal(xc[i] * DEG);
        f[11] = PetscSinReal(2 * PETSC_PI * t / (86400 * 365.25));
        f[12] = PetscCosReal(2 * PETSC_PI * t / (86400 * 365.25));
      }
    }
  PetscCall(HcTermMLPEvaluate(term, np, feat, out));
  PetscCall(HcGridGetDM(grid, &da));
  PetscCall(HcGridGetScalarDM(grid, &da1));
  PetscCall(HcGridGetMask(grid, &mask));
  PetscCall(DMDAVecGetArrayDOFRead(da, F, &a));
  PetscCall(DMDAVecGetArrayRead(da1, mask, &mk));
  np = 0;
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++, np++)
      if (mk[j][i] != 0)
        for (PetscInt c = 0; c < 2; c++) {
          loc[0] = PetscMax(loc[0], PetscAbsReal(PetscRealPart(a[j][i][c]) - out[np * 2 + c]));
          loc[1] = PetscMax(loc[1], PetscAbsReal(out[np * 2 + c]));
        }
  PetscCall(DMDAVecRestoreArrayRead(da1, mask, &mk));
  PetscCall(DMDAVecRestoreArrayDOFRead(da, F, &a));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, loc, 2, MPIU_REAL, MPI_MAX, comm));
  *err = loc[0] / loc[1];
  PetscCall(PetscFree2(feat, out));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&F));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

static PetscErrorCode Convergence(MPI_Comm comm, Geometry geo, PetscInt n0)
{
  PetscReal err[3];

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "%s\n", GeometryNames[geo]));
  for (PetscInt k = 0; k < 3; k++) {
    const PetscInt n = n0 << k;

    PetscCall(ResolutionError(comm, geo, n, &err[k]));
    if (geo == BAND)
      PetscCall(PetscPrintf(comm, "    %4" PetscInt_FMT " x %-4" PetscInt_FMT " max rel error %.4e", 3 * n, n, (double)err[k]));
    else
      PetscCall(PetscPrintf(comm, "    %4" PetscInt_FMT " x %-4" PetscInt_FMT " max rel error %.4e", n, n, (double)err[k]));
    if (k) PetscCall(PetscPrintf(comm, "   order %.3f", (double)(PetscLog2Real(err[k - 1] / err[k]))));
    PetscCall(PetscPrintf(comm, "\n"));
  }
  for (PetscInt k = 1; k < 3; k++) {
    const PetscReal order = PetscLog2Real(err[k - 1] / err[k]);

    PetscCall(HcTestCheck(comm, order >= 1.9, "%s: order %.3f >= 1.9 from %" PetscInt_FMT " to %" PetscInt_FMT " cells across",
                          GeometryNames[geo], (double)order, n0 << (k - 1), n0 << k));
  }
  PetscFunctionReturn(0);
}

/* The same term on PETSC_COMM_SELF (rank 0) and on PETSC_COMM_WORLD: same parameters, same output in natural order. */
static PetscErrorCode SameOnEveryRankCount(HcGridType type)
{
  MPI_Comm       world = PETSC_COMM_WORLD;
  PetscMPIInt    rank, size;
  HcTerm         term[2] = {NULL, NULL};
  HcGrid         grid[2] = {NULL, NULL};
  PetscReal     *out[2] = {NULL, NULL}, d = 0, theta_d = 0, sum[2] = {0, 0}, spread[2];
  PetscInt       np = 0, nout = 0;
  const char    *statics[] = {"mask", "lat", "lon"};
  const PetscInt widths[3] = {32, 32, 8};

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(world, &rank));
  PetscCallMPI(MPI_Comm_size(world, &size));
  for (PetscInt k = 0; k < 2; k++) {
    const MPI_Comm comm = k ? world : PETSC_COMM_SELF;
    Vec            u, F;

    if (!k && rank) continue;
    PetscCall(HcTestCreateGrid(comm, type, 29, 19, 3, type == HC_GRID_LATLON, PETSC_FALSE, &grid[k]));
    PetscCall(HcTestSetIrregularMask(grid[k], 5, 0.1));
    PetscCall(HcTermCreate(grid[k], &term[k]));
    PetscCall(HcTermSetType(term[k], HCTERMMLP));
    PetscCall(HcTermMLPSetHiddenLayers(term[k], 3, widths));
    PetscCall(HcTermMLPSetActivation(term[k], HC_ACTIVATION_GELU));
    PetscCall(HcTermMLPSetStaticFeatures(term[k], 3, statics));
    PetscCall(HcTermMLPSetTimeFeatures(term[k], 10, 1));
    PetscCall(HcTermMLPSetInitialization(term[k], 20240611, 1));
    PetscCall(HcTermSetUp(term[k]));
    PetscCall(HcGridCreateGlobalVector(grid[k], &u));
    PetscCall(VecDuplicate(u, &F));
    PetscCall(HcTestSmoothField(grid[k], 9, u));
    PetscCall(HcTermApply(term[k], 2.5, u, F));
    PetscCall(VecGetSize(F, &nout));
    PetscCall(HcTestGatherNatural(grid[k], F, &out[k]));
    PetscCall(VecDestroy(&u));
    PetscCall(VecDestroy(&F));
  }
  PetscCall(HcTermGetNumParameters(term[1], &np));
  {
    const PetscReal *th;

    PetscCall(HcTermGetParameters(term[1], &th));
    for (PetscInt q = 0; q < np; q++) sum[0] += th[q] * (1 + q % 7);
    if (!rank) {
      const PetscReal *th0;

      PetscCall(HcTermGetParameters(term[0], &th0));
      for (PetscInt q = 0; q < np; q++) theta_d = PetscMax(theta_d, PetscAbsReal(th0[q] - th[q]));
      d = HcTestRelDiff(nout, out[0], out[1]);
    }
  }
  /* every rank of the communicator holds the same parameters */
  sum[1] = -sum[0];
  PetscCallMPI(MPI_Allreduce(sum, spread, 2, MPIU_REAL, MPI_MAX, world));
  PetscCallMPI(MPI_Bcast(&d, 1, MPIU_REAL, 0, world));
  PetscCallMPI(MPI_Bcast(&theta_d, 1, MPIU_REAL, 0, world));
  PetscCall(HcTestCheck(world, theta_d == 0 && spread[0] == -spread[1],
                        "%s: %" PetscInt_FMT " seeded parameters identical on 1 rank and on %d rank(s), and on every rank",
                        HcGridTypes[type], np, size));
  PetscCall(HcTestCheck(world, d < 1e-14, "%s: output on 1 rank and on %d rank(s), natural order: rel diff %.1e",
                        HcGridTypes[type], size, (double)d));
  for (PetscInt k = 0; k < 2; k++) {
    PetscCall(PetscFree(out[k]));
    PetscCall(HcTermDestroy(&term[k]));
    PetscCall(HcGridDestroy(&grid[k]));
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(Convergence(PETSC_COMM_WORLD, BOX, 24));
  PetscCall(Convergence(PETSC_COMM_WORLD, BAND, 12));
  PetscCall(Convergence(PETSC_COMM_WORLD, STRETCHED, 16));
  PetscCall(SameOnEveryRankCount(HC_GRID_CARTESIAN));
  PetscCall(SameOnEveryRankCount(HC_GRID_LATLON));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
