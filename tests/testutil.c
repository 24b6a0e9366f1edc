#include <stdarg.h>
#include "testutil.h"

static int hc_test_failures = 0;

PetscErrorCode HcTestCheck(MPI_Comm comm, PetscBool ok, const char fmt[], ...)
{
  char    msg[1024];
  va_list ap;

  PetscFunctionBeginUser;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  PetscCall(PetscPrintf(comm, "  %-4s %s\n", ok ? "ok" : "FAIL", msg));
  if (!ok) hc_test_failures++;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTestFinish(MPI_Comm comm, int *status)
{
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &hc_test_failures, 1, MPI_INT, MPI_MAX, comm));
  PetscCall(PetscPrintf(comm, "%s: %d check(s) failed\n", hc_test_failures ? "FAILED" : "PASSED", hc_test_failures));
  *status = hc_test_failures ? 1 : 0;
  PetscFunctionReturn(0);
}

PetscErrorCode HcTestDataPath(MPI_Comm comm, const char name[], char path[], size_t len)
{
  PetscMPIInt size, rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    PetscBool flg;

    PetscCall(PetscTestDirectory("build/tests/data", 'w', &flg));
    if (!flg) PetscCall(PetscMkdir("build/tests/data"));
  }
  PetscCallMPI(MPI_Barrier(comm));
  PetscCall(PetscSNPrintf(path, len, "build/tests/data/%s-n%d.nc", name, (int)size));
  PetscFunctionReturn(0);
}

/* splitmix64 of the inputs: uniform in [-1, 1) */
PetscReal HcTestHash(unsigned long seed, PetscInt i, PetscInt j, PetscInt c)
{
  unsigned long long z = seed * 0x9E3779B97F4A7C15ULL + (unsigned long long)i * 0xBF58476D1CE4E5B9ULL +
                         (unsigned long long)j * 0x94D049BB133111EBULL + (unsigned long long)c * 0x2545F4914F6CDD1DULL;

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z = z ^ (z >> 31);
  return (PetscReal)(z >> 11) / 9007199254740992.0 * 2 - 1;
}

PetscErrorCode HcTestRandomField(HcGrid grid, unsigned long seed, PetscReal scale, Vec u)
{
  DM             da;
  PetscScalar ***a;
  PetscInt       xs, ys, xm, ym, nc;

  PetscFunctionBeginUser;
  PetscCall(HcGridGetDM(grid, &da));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(HcGridGetNumFields(grid, &nc));
  PetscCall(DMDAVecGetArrayDOF(da, u, &a));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++)
      for (PetscInt c = 0; c < nc; c++) a[j][i][c] = scale * HcTestHash(seed, i, j, c);
  PetscCall(DMDAVecRestoreArrayDOF(da, u, &a));
  PetscFunctionReturn(0);
}

/* A few random low Fourier modes in index space: smooth, O(1), decomposition independent. */
PetscErrorCode HcTestSmoothField(HcGrid grid, unsigned long seed, Vec u)
{
  DM             da;
  PetscScalar ***a;
  PetscInt       xs, ys, xm, ym, nc, nx, ny;

  PetscFunctionBeginUser;
  PetscCall(HcGridGetDM(grid, &da));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(HcGridGetNumFields(grid, &nc));
  PetscCall(HcGridGetSizes(grid, &nx, &ny));
  PetscCall(DMDAVecGetArrayDOF(da, u, &a));
  for (PetscInt j = ys; j < ys + ym; j++) {
    for (PetscInt i = xs; i < xs + xm; i++) {
      for (PetscInt c = 0; c < nc; c++) {
        PetscReal v = 0.5 * HcTestHash(seed, -1, -1, c);
        for (PetscInt kx = 0; kx <= 2; kx++)
          for (PetscInt ky = 0; ky <= 2; ky++) {
            const PetscReal amp = HcTestHash(seed, kx, ky, 10 + c) / (1 + kx + ky),
                            ph  = PETSC_PI * HcTestHash(seed, kx, ky, 20 + c);
            v += amp * PetscCosReal(2 * PETSC_PI * (kx * (i + 0.5) / nx + ky * (j + 0.5) / ny) + ph);
          }
        a[j][i][c] = v;
      }
    }
  }
  PetscCall(DMDAVecRestoreArrayDOF(da, u, &a));
  PetscFunctionReturn(0);
}

/* Set every field of every land cell to value (NaN included: operators must never read it). */
PetscErrorCode HcTestSetLand(HcGrid grid, PetscReal value, Vec u)
{
  DM                  da, da1;
  Vec                 mask;
  PetscScalar      ***a;
  const PetscScalar **m;
  PetscInt            xs, ys, xm, ym, nc;

  PetscFunctionBeginUser;
  PetscCall(HcGridGetDM(grid, &da));
  PetscCall(HcGridGetScalarDM(grid, &da1));
  PetscCall(HcGridGetMask(grid, &mask));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(HcGridGetNumFields(grid, &nc));
  PetscCall(DMDAVecGetArrayDOF(da, u, &a));
  PetscCall(DMDAVecGetArrayRead(da1, mask, &m));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++)
      if (m[j][i] == 0)
        for (PetscInt c = 0; c < nc; c++) a[j][i][c] = value;
  PetscCall(DMDAVecRestoreArrayRead(da1, mask, &m));
  PetscCall(DMDAVecRestoreArrayDOF(da, u, &a));
  PetscFunctionReturn(0);
}

/* Zero every field on land (the mask is 0 or 1). */
PetscErrorCode HcTestMaskField(HcGrid grid, Vec u)
{
  PetscFunctionBeginUser;
  PetscCall(HcTestSetLand(grid, 0, u));
  PetscFunctionReturn(0);
}

/* Land: random discs plus isolated cells, about `fraction` of the grid; deterministic for a seed. */
PetscErrorCode HcTestSetIrregularMask(HcGrid grid, unsigned long seed, PetscReal fraction)
{
  DM            da1;
  Vec           mask;
  PetscScalar **m;
  PetscInt      xs, ys, xm, ym, nx, ny, ndisc = 6;

  PetscFunctionBeginUser;
  PetscCall(HcGridGetScalarDM(grid, &da1));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(HcGridGetSizes(grid, &nx, &ny));
  PetscCall(DMCreateGlobalVector(da1, &mask));
  PetscCall(DMDAVecGetArray(da1, mask, &m));
  for (PetscInt j = ys; j < ys + ym; j++) {
    for (PetscInt i = xs; i < xs + xm; i++) {
      PetscBool land = HcTestHash(seed, i, j, 99) > 1 - fraction ? PETSC_TRUE : PETSC_FALSE; /* isolated cells */
      for (PetscInt d = 0; d < ndisc; d++) {
        const PetscReal cx = (0.5 + 0.5 * HcTestHash(seed, d, 0, 7)) * nx, cy = (0.5 + 0.5 * HcTestHash(seed, d, 1, 7)) * ny;
        const PetscReal r =
            (0.03 + 0.05 * (0.5 + 0.5 * HcTestHash(seed, d, 2, 7))) * PetscMin(nx, ny) * PetscSqrtReal(fraction / 0.1);
        if ((i + 0.5 - cx) * (i + 0.5 - cx) + (j + 0.5 - cy) * (j + 0.5 - cy) < r * r) land = PETSC_TRUE;
      }
      m[j][i] = land ? 0 : 1;
    }
  }
  PetscCall(DMDAVecRestoreArray(da1, mask, &m));
  PetscCall(HcGridSetMask(grid, mask));
  PetscCall(VecDestroy(&mask));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTestCreateGrid(MPI_Comm comm, HcGridType type, PetscInt nx, PetscInt ny, PetscInt nc, PetscBool px, PetscBool py,
                                HcGrid *grid)
{
  const char *names[] = {"a", "b", "c", "d"};

  PetscFunctionBeginUser;
  PetscCall(HcGridCreate(comm, grid));
  PetscCall(HcGridSetType(*grid, type));
  PetscCall(HcGridSetSizes(*grid, nx, ny));
  if (type == HC_GRID_LATLON) PetscCall(HcGridSetDomain(*grid, px ? 0 : 280, px ? 360 : 340, -60, 65));
  PetscCall(HcGridSetPeriodic(*grid, px, py));
  PetscCall(HcGridSetFields(*grid, nc, names));
  PetscCall(HcGridSetUp(*grid));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTestGatherNatural(HcGrid grid, Vec u, PetscReal **out)
{
  DM                 da;
  Vec                nat, seq;
  VecScatter         sc;
  PetscInt           n;
  PetscMPIInt        rank;
  const PetscScalar *a;
  MPI_Comm           comm;

  PetscFunctionBeginUser;
  PetscCall(VecGetDM(u, &da)); /* the grid's fields, or one-field vectors (mask, areas) of its scalar DM */
  if (!da) PetscCall(HcGridGetDM(grid, &da));
  PetscCall(HcGridGetComm(grid, &comm));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(DMDACreateNaturalVector(da, &nat));
  PetscCall(DMDAGlobalToNaturalBegin(da, u, INSERT_VALUES, nat));
  PetscCall(DMDAGlobalToNaturalEnd(da, u, INSERT_VALUES, nat));
  PetscCall(VecScatterCreateToZero(nat, &sc, &seq));
  PetscCall(VecScatterBegin(sc, nat, seq, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, nat, seq, INSERT_VALUES, SCATTER_FORWARD));
  *out = NULL;
  if (!rank) {
    PetscCall(VecGetSize(seq, &n));
    PetscCall(PetscMalloc1(n, out));
    PetscCall(VecGetArrayRead(seq, &a));
    for (PetscInt k = 0; k < n; k++) (*out)[k] = PetscRealPart(a[k]);
    PetscCall(VecRestoreArrayRead(seq, &a));
  }
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&seq));
  PetscCall(VecDestroy(&nat));
  PetscFunctionReturn(0);
}

PetscReal HcTestRelDiff(PetscInt n, const PetscReal a[], const PetscReal b[])
{
  PetscReal d = 0, s = 0;

  for (PetscInt k = 0; k < n; k++) {
    d = PetscMax(d, PetscAbsReal(a[k] - b[k]));
    s = PetscMax(s, PetscMax(PetscAbsReal(a[k]), PetscAbsReal(b[k])));
  }
  return d / PetscMax(s, 1e-300);
}

PetscReal HcTestDot(Vec a, Vec b)
{
  PetscScalar d;

  if (VecDot(a, b, &d)) return NAN;
  return PetscRealPart(d);
}

PetscReal HcTestRelMismatch(PetscReal a, PetscReal b)
{
  return PetscAbsReal(a - b) / PetscMax(PetscMax(PetscAbsReal(a), PetscAbsReal(b)), 1e-300);
}

/* err = ||a - b||_2 / ||b||_2 */
PetscErrorCode HcTestRelError(Vec a, Vec b, PetscReal *err)
{
  Vec       d;
  PetscReal nd, nb;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(a, &d));
  PetscCall(VecWAXPY(d, -1, b, a));
  PetscCall(VecNorm(d, NORM_2, &nd));
  PetscCall(VecNorm(b, NORM_2, &nb));
  *err = nd / PetscMax(nb, 1e-300);
  PetscCall(VecDestroy(&d));
  PetscFunctionReturn(0);
}

/* (F(x + h dx) - F(x - h dx)) / (2 h) compared with the derivative J dx: checks a relative error below 1e-6. */
static PetscErrorCode HcTestCentralDifference_Private(MPI_Comm comm, Vec fp, Vec fm, PetscReal h, Vec Jdx, const char what[])
{
  PetscReal err;

  PetscFunctionBeginUser;
  PetscCall(VecAXPY(fp, -1, fm));
  PetscCall(VecScale(fp, 1 / (2 * h)));
  PetscCall(HcTestRelError(fp, Jdx, &err));
  PetscCall(HcTestCheck(comm, err < 1e-6, "finite differences of %s: rel error %.1e", what, (double)err));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTestTermProducts(HcTerm term, PetscReal t, Vec u, Vec v, Vec w, const PetscReal dth[], PetscReal hu,
                                  PetscReal hp)
{
  MPI_Comm         comm;
  HcGrid           grid;
  Vec              Jv, JTw, fp, fm, x;
  PetscInt         np;
  PetscReal       *gth, *th0, *th, a, b;
  const PetscReal *theta;

  PetscFunctionBeginUser;
  PetscCall(HcTermGetGrid(term, &grid));
  PetscCall(HcGridGetComm(grid, &comm));
  PetscCall(HcTermGetNumParameters(term, &np));
  PetscCall(PetscMalloc3(np + 1, &gth, np + 1, &th0, np + 1, &th));
  PetscCall(VecDuplicate(u, &Jv));
  PetscCall(VecDuplicate(u, &JTw));
  PetscCall(VecDuplicate(u, &fp));
  PetscCall(VecDuplicate(u, &fm));
  PetscCall(VecDuplicate(u, &x));

  PetscCall(HcTermLinearize(term, t, u));
  PetscCall(HcTermApplyJacobian(term, v, Jv));
  PetscCall(HcTermApplyJacobianTranspose(term, w, JTw));
  a = HcTestDot(Jv, w);
  b = HcTestDot(v, JTw);
  PetscCall(HcTestCheck(comm, HcTestRelMismatch(a, b) < 1e-12, "dot test  <J v, w> = %.15e  <v, J^T w> = %.15e  rel %.1e",
                        (double)a, (double)b, (double)HcTestRelMismatch(a, b)));
  PetscCall(HcTermApplyParameterJacobian(term, dth, Jv));
  PetscCall(HcTermApplyParameterJacobianTranspose(term, w, gth));
  a = HcTestDot(Jv, w);
  b = 0;
  for (PetscInt k = 0; k < np; k++) b += dth[k] * gth[k];
  PetscCall(HcTestCheck(comm, HcTestRelMismatch(a, b) < 1e-12,
                        "dot test  <Jp dtheta, w> = %.15e  <dtheta, Jp^T w> = %.15e  rel %.1e", (double)a, (double)b,
                        (double)HcTestRelMismatch(a, b)));

  PetscCall(HcTermApplyJacobian(term, v, Jv));
  PetscCall(VecWAXPY(x, hu, v, u));
  PetscCall(HcTermApply(term, t, x, fp));
  PetscCall(VecWAXPY(x, -hu, v, u));
  PetscCall(HcTermApply(term, t, x, fm));
  PetscCall(HcTestCentralDifference_Private(comm, fp, fm, hu, Jv, "J v"));

  PetscCall(HcTermGetParameters(term, &theta));
  for (PetscInt k = 0; k < np; k++) th0[k] = theta[k];
  PetscCall(HcTermApplyParameterJacobian(term, dth, Jv));
  for (PetscInt k = 0; k < np; k++) th[k] = th0[k] + hp * dth[k];
  PetscCall(HcTermSetParameters(term, th));
  PetscCall(HcTermApply(term, t, u, fp));
  for (PetscInt k = 0; k < np; k++) th[k] = th0[k] - hp * dth[k];
  PetscCall(HcTermSetParameters(term, th));
  PetscCall(HcTermApply(term, t, u, fm));
  PetscCall(HcTermSetParameters(term, th0));
  PetscCall(HcTestCentralDifference_Private(comm, fp, fm, hp, Jv, "(dF/dtheta) dtheta"));
  PetscCall(HcTermLinearize(term, t, u));

  PetscCall(VecDestroy(&Jv));
  PetscCall(VecDestroy(&JTw));
  PetscCall(VecDestroy(&fp));
  PetscCall(VecDestroy(&fm));
  PetscCall(VecDestroy(&x));
  PetscCall(PetscFree3(gth, th0, th));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTestModelProducts(HcModel model, PetscReal t, Vec u, Vec v, Vec w, Vec dth, PetscReal hu, PetscReal hp)
{
  MPI_Comm   comm;
  HcGrid     grid;
  TS         ts;
  Mat        J, Jp;
  Vec        Jv, JTw, fp, fm, x, p0, p, g, dthr, gpart, all;
  VecScatter toall;
  PetscInt   np;
  PetscReal  a, b, c;

  PetscFunctionBeginUser;
  PetscCall(HcModelGetGrid(model, &grid));
  PetscCall(HcGridGetComm(grid, &comm));
  PetscCall(HcModelGetNumParameters(model, &np));
  PetscCall(HcModelGetTS(model, &ts));
  PetscCall(TSGetRHSJacobian(ts, &J, NULL, NULL, NULL));
  PetscCall(TSGetRHSJacobianP(ts, &Jp, NULL, NULL));
  PetscCall(VecDuplicate(u, &Jv));
  PetscCall(VecDuplicate(u, &JTw));
  PetscCall(VecDuplicate(u, &fp));
  PetscCall(VecDuplicate(u, &fm));
  PetscCall(VecDuplicate(u, &x));
  PetscCall(VecDuplicate(dth, &p0));
  PetscCall(VecDuplicate(dth, &p));
  PetscCall(VecDuplicate(dth, &g));
  PetscCall(HcModelGetParameters(model, p0));

  PetscCall(HcModelLinearize(model, t, u));
  PetscCall(MatMult(J, v, Jv));
  PetscCall(MatMultTranspose(J, w, JTw));
  a = HcTestDot(Jv, w);
  b = HcTestDot(v, JTw);
  PetscCall(
      HcTestCheck(comm, HcTestRelMismatch(a, b) < 1e-12, "model shell J: dot test rel %.1e", (double)HcTestRelMismatch(a, b)));
  /* the shell Jp takes dtheta replicated on every rank and its transpose returns per-rank partial sums (model.c) */
  PetscCall(MatCreateVecs(Jp, &dthr, NULL));
  PetscCall(VecDuplicate(dthr, &gpart));
  PetscCall(VecScatterCreateToAll(dth, &toall, &all));
  PetscCall(VecScatterBegin(toall, dth, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(toall, dth, all, INSERT_VALUES, SCATTER_FORWARD));
  {
    const PetscScalar *sa;
    PetscScalar       *da;

    PetscCall(VecGetArrayRead(all, &sa));
    PetscCall(VecGetArray(dthr, &da));
    for (PetscInt i = 0; i < np; i++) da[i] = sa[i];
    PetscCall(VecRestoreArray(dthr, &da));
    PetscCall(VecRestoreArrayRead(all, &sa));
  }
  PetscCall(MatMult(Jp, dthr, Jv));
  PetscCall(VecSet(gpart, 1e3)); /* the product overwrites y */
  PetscCall(MatMultTranspose(Jp, w, gpart));
  a = HcTestDot(Jv, w);
  b = HcTestDot(dthr, gpart);
  PetscCall(HcTestCheck(comm, HcTestRelMismatch(a, b) < 1e-12, "model shell Jp: dot test rel %.1e (%" PetscInt_FMT " parameters)",
                        (double)HcTestRelMismatch(a, b), np));
  /* the partial sums add up to HcModelApplyParameterJacobianTranspose's gradient */
  PetscCall(HcModelApplyParameterJacobianTranspose(model, w, g));
  PetscCall(VecScatterBegin(toall, g, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(toall, g, all, INSERT_VALUES, SCATTER_FORWARD));
  {
    const PetscScalar *sa, *pa;
    PetscReal          d = 0, n = 0, *sum;

    PetscCall(PetscMalloc1(np, &sum));
    PetscCall(VecGetArrayRead(gpart, &pa));
    for (PetscInt i = 0; i < np; i++) sum[i] = PetscRealPart(pa[i]);
    PetscCall(VecRestoreArrayRead(gpart, &pa));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sum, (PetscMPIInt)np, MPIU_REAL, MPI_SUM, comm));
    PetscCall(VecGetArrayRead(all, &sa));
    for (PetscInt i = 0; i < np; i++) {
      d = PetscMax(d, PetscAbsReal(sum[i] - PetscRealPart(sa[i])));
      n = PetscMax(n, PetscAbsReal(PetscRealPart(sa[i])));
    }
    PetscCall(VecRestoreArrayRead(all, &sa));
    PetscCall(PetscFree(sum));
    c = n > 0 ? d / n : d;
  }
  PetscCall(HcTestCheck(comm, c < 1e-14, "model shell Jp^T: partial sums add up to the parameter gradient, rel %.1e", (double)c));

  PetscCall(MatMult(J, v, Jv));
  PetscCall(VecWAXPY(x, hu, v, u));
  PetscCall(HcModelApplyRHS(model, t, x, fp));
  PetscCall(VecWAXPY(x, -hu, v, u));
  PetscCall(HcModelApplyRHS(model, t, x, fm));
  PetscCall(HcTestCentralDifference_Private(comm, fp, fm, hu, Jv, "the model's J v"));

  PetscCall(MatMult(Jp, dthr, Jv));
  PetscCall(VecWAXPY(p, hp, dth, p0));
  PetscCall(HcModelSetParameters(model, p));
  PetscCall(HcModelApplyRHS(model, t, u, fp));
  PetscCall(VecWAXPY(p, -hp, dth, p0));
  PetscCall(HcModelSetParameters(model, p));
  PetscCall(HcModelApplyRHS(model, t, u, fm));
  PetscCall(HcModelSetParameters(model, p0));
  PetscCall(HcTestCentralDifference_Private(comm, fp, fm, hp, Jv, "the model's (dF/dtheta) dtheta"));
  PetscCall(HcModelLinearize(model, t, u));

  PetscCall(VecDestroy(&Jv));
  PetscCall(VecDestroy(&JTw));
  PetscCall(VecDestroy(&fp));
  PetscCall(VecDestroy(&fm));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&p0));
  PetscCall(VecDestroy(&p));
  PetscCall(VecDestroy(&g));
  PetscCall(VecDestroy(&dthr));
  PetscCall(VecDestroy(&gpart));
  PetscCall(VecDestroy(&all));
  PetscCall(VecScatterDestroy(&toall));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTestMisfitFn(HcModel model, PetscInt k, PetscReal t, Vec u, PetscReal *L, Vec dLdu, Vec dLdtheta, void *ctx)
{
  HcTestMisfit *mf = (HcTestMisfit *)ctx;
  PetscReal     s;

  PetscFunctionBeginUser;
  PetscCall(VecWAXPY(dLdu, -1, mf->target[k - 1], u));
  PetscCall(HcTestMaskField(mf->grid, dLdu));
  PetscCall(VecDot(dLdu, dLdu, &s));
  *L = 0.5 * mf->scale * s;
  PetscCall(VecScale(dLdu, mf->scale));
  PetscFunctionReturn(0);
}

/* The misfit of the adjoint tests on grid: nobs smooth targets (seeds seed, seed + 1, ...) and the scale 1 / (active
   cells x fields); the times are the test's. */
PetscErrorCode HcTestMisfitSetUp(HcTestMisfit *mf, HcGrid grid, PetscInt nobs, unsigned long seed)
{
  PetscInt nact, nc;

  PetscFunctionBeginUser;
  mf->grid = grid;
  PetscCall(HcGridGetActiveCount(grid, &nact));
  PetscCall(HcGridGetNumFields(grid, &nc));
  mf->scale = 1.0 / (nact * nc);
  for (PetscInt k = 0; k < nobs; k++) {
    PetscCall(HcGridCreateGlobalVector(grid, &mf->target[k]));
    PetscCall(HcTestSmoothField(grid, seed + k, mf->target[k]));
  }
  PetscFunctionReturn(0);
}

/* Entry k of a parameter vector (they live on rank 0), on every rank; and setting it in the model. */
PetscErrorCode HcTestGetParameter(Vec p, PetscInt k, PetscReal *value)
{
  const PetscScalar *a;
  PetscInt           n;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(p, &n));
  PetscCall(VecGetArrayRead(p, &a));
  *value = n ? PetscRealPart(a[k]) : 0;
  PetscCall(VecRestoreArrayRead(p, &a));
  PetscCallMPI(MPI_Bcast(value, 1, MPIU_REAL, 0, PetscObjectComm((PetscObject)p)));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTestSetParameter(HcModel model, Vec p, PetscInt k, PetscReal value)
{
  PetscFunctionBeginUser;
  PetscCall(VecSetValue(p, k, value, INSERT_VALUES));
  PetscCall(VecAssemblyBegin(p));
  PetscCall(VecAssemblyEnd(p));
  PetscCall(HcModelSetParameters(model, p));
  PetscFunctionReturn(0);
}

/* p = values on the rank that holds the parameters (rank 0; others hold none). */
PetscErrorCode HcTestFillParameters(Vec p, const PetscReal values[])
{
  PetscScalar *a;
  PetscInt     n;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(p, &n));
  PetscCall(VecGetArray(p, &a));
  for (PetscInt k = 0; k < n; k++) a[k] = values[k];
  PetscCall(VecRestoreArray(p, &a));
  PetscFunctionReturn(0);
}

/* A two-component velocity (from HcGridCreateVectorDof(grid, 2, ...)) at phase s: both signs in both components, some
   divergence, a pattern that moves with s. */
PetscErrorCode HcTestVelocityField(HcGrid grid, PetscReal scale, PetscReal s, Vec vel)
{
  DM             dav;
  PetscScalar ***v;
  PetscInt       xs, ys, xm, ym, nx, ny;

  PetscFunctionBeginUser;
  PetscCall(VecGetDM(vel, &dav));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(HcGridGetSizes(grid, &nx, &ny));
  PetscCall(DMDAVecGetArrayDOF(dav, vel, &v));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      const PetscReal x = (i + 0.5) / nx, y = (j + 0.5) / ny;
      v[j][i][0] = scale * (PetscSinReal(2 * PETSC_PI * (y + s)) + 0.3 * PetscCosReal(2 * PETSC_PI * x) - 0.5 * s);
      v[j][i][1] = scale * (-PetscSinReal(2 * PETSC_PI * (x - s)) + 0.2 + s);
    }
  PetscCall(DMDAVecRestoreArrayDOF(dav, vel, &v));
  PetscFunctionReturn(0);
}

/* The misfit loss of a window at (u0, the model's parameters) by a forward run. */
static PetscErrorCode HcTestLoss(HcModel model, PetscInt nobs, HcTestMisfit *mf, Vec u0, PetscReal *L)
{
  PetscFunctionBeginUser;
  PetscCall(HcModelComputeGradient(model, nobs, mf->times, u0, HcTestMisfitFn, mf, L, NULL, NULL));
  PetscFunctionReturn(0);
}

/* Check an adjoint dL/dtheta_k = g against central differences (step 1e-5 max(1, |theta_k|)); p holds the parameters
   p0 on return.  One line printed. */
PetscErrorCode HcTestCheckParameterGradient(HcModel model, PetscInt nobs, HcTestMisfit *mf, Vec u0, Vec p0, Vec p, PetscInt k,
                                            PetscReal g, const char name[])
{
  PetscReal th, h, Lp, Lm, fd, rel;

  PetscFunctionBeginUser;
  PetscCall(HcTestGetParameter(p0, k, &th));
  h = 1e-5 * PetscMax(1, PetscAbsReal(th));
  PetscCall(VecCopy(p0, p));
  PetscCall(HcTestSetParameter(model, p, k, th + h));
  PetscCall(HcTestLoss(model, nobs, mf, u0, &Lp));
  PetscCall(HcTestSetParameter(model, p, k, th - h));
  PetscCall(HcTestLoss(model, nobs, mf, u0, &Lm));
  PetscCall(HcTestSetParameter(model, p, k, th));
  fd  = (Lp - Lm) / (2 * h);
  rel = PetscAbsReal(g - fd) / PetscMax(PetscAbsReal(fd), 1e-300);
  PetscCall(HcTestCheck(PetscObjectComm((PetscObject)u0), rel < 1e-6, "dL/d%-20s adjoint % .10e  central FD % .10e  rel %.1e",
                        name, (double)g, (double)fd, (double)rel));
  PetscFunctionReturn(0);
}

/* The adjoint gradient of mf's misfit over its window from u0, checked against central differences: every parameter of
   the term named (one line each), then u0 along d; returns the loss.  The parameters are unchanged on return. */
PetscErrorCode HcTestCheckWindowGradient(HcModel model, const char term[], PetscInt nobs, HcTestMisfit *mf, Vec u0, Vec d,
                                         PetscReal *L)
{
  HcTerm    t;
  Vec       p, p0, gp, gu0;
  PetscInt  np;
  PetscReal g;

  PetscFunctionBeginUser;
  PetscCall(HcModelGetTerm(model, term, &t));
  PetscCall(HcModelCreateParameterVector(model, &p));
  PetscCall(VecDuplicate(p, &p0));
  PetscCall(VecDuplicate(p, &gp));
  PetscCall(VecDuplicate(u0, &gu0));
  PetscCall(HcModelGetParameters(model, p0));
  PetscCall(HcModelComputeGradient(model, nobs, mf->times, u0, HcTestMisfitFn, mf, L, gp, gu0));
  PetscCall(HcTermGetNumParameters(t, &np));
  for (PetscInt k = 0; k < np; k++) {
    const char *name;

    PetscCall(HcTermGetParameterName(t, k, &name));
    PetscCall(HcTestGetParameter(gp, k, &g));
    PetscCall(HcTestCheckParameterGradient(model, nobs, mf, u0, p0, p, k, g, name));
  }
  PetscCall(VecDot(gu0, d, &g));
  PetscCall(HcTestCheckStateGradient(model, nobs, mf, u0, d, g));
  PetscCall(VecDestroy(&p));
  PetscCall(VecDestroy(&p0));
  PetscCall(VecDestroy(&gp));
  PetscCall(VecDestroy(&gu0));
  PetscFunctionReturn(0);
}

/* Check an adjoint dL/du0 . d = g against central differences with step 1e-4.  One line printed. */
PetscErrorCode HcTestCheckStateGradient(HcModel model, PetscInt nobs, HcTestMisfit *mf, Vec u0, Vec d, PetscReal g)
{
  Vec             tmp;
  PetscReal       Lp, Lm, fd, rel;
  const PetscReal h = 1e-4;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(u0, &tmp));
  PetscCall(VecWAXPY(tmp, h, d, u0));
  PetscCall(HcTestLoss(model, nobs, mf, tmp, &Lp));
  PetscCall(VecWAXPY(tmp, -h, d, u0));
  PetscCall(HcTestLoss(model, nobs, mf, tmp, &Lm));
  PetscCall(VecDestroy(&tmp));
  fd  = (Lp - Lm) / (2 * h);
  rel = PetscAbsReal(g - fd) / PetscMax(PetscAbsReal(fd), 1e-300);
  PetscCall(HcTestCheck(PetscObjectComm((PetscObject)u0), rel < 1e-6,
                        "dL/du0 . d %-15s adjoint % .10e  central FD % .10e  rel %.1e", "", (double)g, (double)fd, (double)rel));
  PetscFunctionReturn(0);
}
