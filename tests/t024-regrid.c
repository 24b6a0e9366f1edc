static const char help[] =
    "Regridding: conservative maps keep area-weighted totals and invert block averages on nested grids, bilinear maps\n"
    "reproduce linear fields and converge at second order, land masks follow the source, results do not depend on\n"
    "the number of ranks, and a target outside the source domain is refused.\n";

#include "testutil.h"

static PetscErrorCode Linear(PetscReal x, PetscReal y, PetscReal v[], void *ctx)
{
  v[0] = 2 * x + 3 * y + 1;
  v[1] = -x + 0.5 * y;
  return 0;
}

static PetscErrorCode Smooth(PetscReal x, PetscReal y, PetscReal v[], void *ctx)
{
  const PetscReal d = PETSC_PI / 180;
  v[0]              = PetscCosReal(2 * x * d) * PetscSinReal(3 * y * d);
  v[1]              = PetscSinReal(x * d + 0.3) * PetscCosReal(2 * y * d);
  return 0;
}

static PetscErrorCode Grid(MPI_Comm comm, HcGridType type, PetscInt nx, PetscInt ny, const PetscReal box[4], PetscBool px,
                           PetscBool py, HcGrid *g)
{
  const char *names[] = {"a", "b"};

  PetscFunctionBeginUser;
  PetscCall(HcGridCreate(comm, g));
  PetscCall(HcGridSetType(*g, type));
  PetscCall(HcGridSetSizes(*g, nx, ny));
  PetscCall(HcGridSetDomain(*g, box[0], box[1], box[2], box[3]));
  PetscCall(HcGridSetPeriodic(*g, px, py));
  PetscCall(HcGridSetFields(*g, 2, names));
  PetscCall(HcGridSetUp(*g));
  PetscFunctionReturn(0);
}

static PetscErrorCode Map(HcGrid src, HcGrid dst, HcRegridType type, PetscBool setmask, Vec us, Vec ud)
{
  HcRegrid r;

  PetscFunctionBeginUser;
  PetscCall(HcRegridCreate(src, dst, type, &r));
  if (setmask) {
    Vec m;

    PetscCall(HcRegridCreateMask(r, &m));
    PetscCall(HcGridSetMask(dst, m));
    PetscCall(VecDestroy(&m));
  }
  PetscCall(HcRegridApply(r, us, ud));
  PetscCall(HcRegridDestroy(&r));
  PetscFunctionReturn(0);
}

static PetscReal RelMax(Vec a, Vec b)
{
  Vec       d;
  PetscReal e, s;

  VecDuplicate(a, &d);
  VecWAXPY(d, -1, a, b);
  VecNorm(d, NORM_INFINITY, &e);
  VecNorm(a, NORM_INFINITY, &s);
  VecDestroy(&d);
  return e / s;
}

/* max |u - exact| over cells whose centres lie in [x0, x1] x [y0, y1] */
static PetscErrorCode ErrorInside(HcGrid g, Vec u, PetscErrorCode (*fn)(PetscReal, PetscReal, PetscReal[], void *),
                                  const PetscReal in[4], PetscReal *err)
{
  Vec              e;
  const PetscReal *xc, *yc;
  PetscInt         xs, ys, xm, ym;
  DM               da;
  PetscScalar   ***a, ***b;

  PetscFunctionBeginUser;
  PetscCall(HcGridCreateGlobalVector(g, &e));
  PetscCall(HcGridEvaluate(g, fn, NULL, e));
  PetscCall(HcGridGetCoordinates(g, &xc, &yc));
  PetscCall(HcGridGetOwnership(g, &xs, &ys, &xm, &ym));
  PetscCall(HcGridGetDM(g, &da));
  PetscCall(DMDAVecGetArrayDOF(da, u, &a));
  PetscCall(DMDAVecGetArrayDOF(da, e, &b));
  *err = 0;
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++)
      if (xc[i] >= in[0] && xc[i] <= in[1] && yc[j] >= in[2] && yc[j] <= in[3])
        for (int c = 0; c < 2; c++) *err = PetscMax(*err, PetscAbsReal(a[j][i][c] - b[j][i][c]));
  PetscCall(DMDAVecRestoreArrayDOF(da, e, &b));
  PetscCall(DMDAVecRestoreArrayDOF(da, u, &a));
  PetscCall(VecDestroy(&e));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, err, 1, MPIU_REAL, MPI_MAX, PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm        comm;
  HcGrid          c, f, c2;
  Vec             uc, uf, uc2;
  PetscReal       tc[2], tf[2], err;
  const PetscReal box[4] = {0, 1, 0, 1};
  int             status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;

  PetscCall(PetscPrintf(comm, "conservative, nested Cartesian grids 16 x 12 <-> 32 x 24, land on the coarse grid\n"));
  PetscCall(Grid(comm, HC_GRID_CARTESIAN, 16, 12, box, PETSC_TRUE, PETSC_FALSE, &c));
  PetscCall(Grid(comm, HC_GRID_CARTESIAN, 32, 24, box, PETSC_TRUE, PETSC_FALSE, &f));
  PetscCall(Grid(comm, HC_GRID_CARTESIAN, 16, 12, box, PETSC_TRUE, PETSC_FALSE, &c2));
  PetscCall(HcTestSetIrregularMask(c, 3, 0.15));
  PetscCall(HcGridCreateGlobalVector(c, &uc));
  PetscCall(HcGridCreateGlobalVector(f, &uf));
  PetscCall(HcGridCreateGlobalVector(c2, &uc2));
  PetscCall(HcTestSmoothField(c, 5, uc));
  PetscCall(HcTestMaskField(c, uc));
  PetscCall(Map(c, f, HC_REGRID_CONSERVATIVE, PETSC_TRUE, uc, uf));
  PetscCall(Map(f, c2, HC_REGRID_CONSERVATIVE, PETSC_TRUE, uf, uc2));
  PetscCall(HcGridIntegrate(c, uc, tc));
  PetscCall(HcGridIntegrate(f, uf, tf));
  err = PetscMax(PetscAbsReal(tf[0] - tc[0]) / PetscAbsReal(tc[0]), PetscAbsReal(tf[1] - tc[1]) / PetscAbsReal(tc[1]));
  PetscCall(HcTestCheck(comm, err < 1e-13, "area-weighted totals kept coarse -> fine: rel diff %.1e", (double)err));
  err = RelMax(uc, uc2);
  PetscCall(
      HcTestCheck(comm, err < 1e-14, "coarse -> fine -> coarse returns the field (rel %.1e), and the land mask", (double)err));
  {
    PetscInt a1, a2;

    PetscCall(HcGridGetActiveCount(c, &a1));
    PetscCall(HcGridGetActiveCount(c2, &a2));
    PetscCall(HcTestCheck(comm, a1 == a2, "active cells %" PetscInt_FMT " and %" PetscInt_FMT, a1, a2));
  }
  PetscCall(VecDestroy(&uc));
  PetscCall(VecDestroy(&uf));
  PetscCall(VecDestroy(&uc2));
  PetscCall(HcGridDestroy(&c));
  PetscCall(HcGridDestroy(&f));
  PetscCall(HcGridDestroy(&c2));

  PetscCall(PetscPrintf(comm, "conservative, non-nested lat-lon grids (global band, 2 and 1.5 degrees)\n"));
  {
    const PetscReal b1[4] = {0, 360, -60, 60}, b2[4] = {0, 360, -45, 45};

    PetscCall(Grid(comm, HC_GRID_LATLON, 180, 60, b1, PETSC_TRUE, PETSC_FALSE, &c));
    PetscCall(Grid(comm, HC_GRID_LATLON, 240, 60, b2, PETSC_TRUE, PETSC_FALSE, &f));
    PetscCall(Grid(comm, HC_GRID_LATLON, 180, 45, b2, PETSC_TRUE, PETSC_FALSE, &c2));
    PetscCall(HcGridCreateGlobalVector(c, &uc));
    PetscCall(HcGridCreateGlobalVector(f, &uf));
    PetscCall(HcGridCreateGlobalVector(c2, &uc2));
    PetscCall(HcGridEvaluate(c, Smooth, NULL, uc));
    PetscCall(VecShift(uc, 2));
    /* the 2-degree field restricted to 45S..45N, and the 1.5-degree map of the whole band: same totals */
    PetscCall(Map(c, c2, HC_REGRID_CONSERVATIVE, PETSC_FALSE, uc, uc2));
    PetscCall(Map(c, f, HC_REGRID_CONSERVATIVE, PETSC_FALSE, uc, uf));
    PetscCall(HcGridIntegrate(c2, uc2, tc));
    PetscCall(HcGridIntegrate(f, uf, tf));
    err = PetscMax(PetscAbsReal(tf[0] - tc[0]) / PetscAbsReal(tc[0]), PetscAbsReal(tf[1] - tc[1]) / PetscAbsReal(tc[1]));
    PetscCall(
        HcTestCheck(comm, err < 1e-12, "totals over 45S..45N agree between 2 and 1.5 degree cells: rel diff %.1e", (double)err));
    PetscCall(VecDestroy(&uc));
    PetscCall(VecDestroy(&uf));
    PetscCall(VecDestroy(&uc2));
    PetscCall(HcGridDestroy(&c));
    PetscCall(HcGridDestroy(&f));
    PetscCall(HcGridDestroy(&c2));
  }

  PetscCall(PetscPrintf(comm, "bilinear: linear fields are reproduced, smooth fields converge at second order\n"));
  {
    const PetscReal b1[4] = {0, 2, 0, 1.5}, in[4] = {0.05, 1.95, 0.05, 1.45};
    PetscReal       e[3];

    PetscCall(Grid(comm, HC_GRID_CARTESIAN, 20, 15, b1, PETSC_FALSE, PETSC_FALSE, &c));
    PetscCall(Grid(comm, HC_GRID_CARTESIAN, 33, 27, b1, PETSC_FALSE, PETSC_FALSE, &f));
    PetscCall(HcGridCreateGlobalVector(c, &uc));
    PetscCall(HcGridCreateGlobalVector(f, &uf));
    PetscCall(HcGridEvaluate(c, Linear, NULL, uc));
    PetscCall(Map(c, f, HC_REGRID_BILINEAR, PETSC_FALSE, uc, uf));
    PetscCall(ErrorInside(f, uf, Linear, in, &err));
    PetscCall(HcTestCheck(comm, err < 1e-13, "linear field between the outermost centres: max error %.1e", (double)err));
    PetscCall(VecDestroy(&uc));
    PetscCall(VecDestroy(&uf));
    PetscCall(HcGridDestroy(&c));
    PetscCall(HcGridDestroy(&f));
    for (int r = 0; r < 3; r++) {
      const PetscReal bl[4] = {0, 360, -70, 70}, inn[4] = {0, 360, -60, 60};

      PetscCall(Grid(comm, HC_GRID_LATLON, 36 << r, 14 << r, bl, PETSC_TRUE, PETSC_FALSE, &c));
      PetscCall(Grid(comm, HC_GRID_LATLON, 100, 50, bl, PETSC_TRUE, PETSC_FALSE, &f));
      PetscCall(HcGridCreateGlobalVector(c, &uc));
      PetscCall(HcGridCreateGlobalVector(f, &uf));
      PetscCall(HcGridEvaluate(c, Smooth, NULL, uc));
      PetscCall(Map(c, f, HC_REGRID_BILINEAR, PETSC_FALSE, uc, uf));
      PetscCall(ErrorInside(f, uf, Smooth, inn, &e[r]));
      PetscCall(PetscPrintf(comm, "  source %3d x %3d: max error %.3e\n", 36 << r, 14 << r, (double)e[r]));
      PetscCall(VecDestroy(&uc));
      PetscCall(VecDestroy(&uf));
      PetscCall(HcGridDestroy(&c));
      PetscCall(HcGridDestroy(&f));
    }
    PetscCall(HcTestCheck(comm, PetscLog2Real(e[1] / e[2]) > 1.8, "bilinear order %.2f, %.2f", (double)PetscLog2Real(e[0] / e[1]),
                          (double)PetscLog2Real(e[1] / e[2])));
  }

  PetscCall(PetscPrintf(comm, "a target outside the source domain is refused\n"));
  {
    const PetscReal b1[4] = {280, 340, 0, 50}, b2[4] = {270, 330, 0, 50};
    HcRegrid        r;
    PetscErrorCode  ierr;

    PetscCall(Grid(comm, HC_GRID_LATLON, 30, 25, b1, PETSC_FALSE, PETSC_FALSE, &c));
    PetscCall(Grid(comm, HC_GRID_LATLON, 30, 25, b2, PETSC_FALSE, PETSC_FALSE, &f));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = HcRegridCreate(c, f, HC_REGRID_BILINEAR, &r);
    PetscCall(PetscPopErrorHandler());
    PetscCall(
        HcTestCheck(comm, ierr == PETSC_ERR_ARG_OUTOFRANGE, "HcRegridCreate fails with an out-of-range error (%d)", (int)ierr));
    PetscCall(HcGridDestroy(&c));
    PetscCall(HcGridDestroy(&f));
  }
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
