static const char help[] =
    "Fourier-layer products: dot-product tests of J/J^T and of the parameter Jacobian and its transpose, central\n"
    "finite differences of J v and (dS/dtheta) dtheta, on Cartesian periodic, walled and mixed grids and lat-lon grids,\n"
    "with an irregular land mask (NaN on land must not leak), for each activation; through the term and through a\n"
    "model holding advdiff + fno (its shell matrices).\n";

#include "testutil.h"

typedef struct {
  const char  *label;
  HcGridType   type;
  PetscInt     nx, ny, mx, my;
  PetscBool    px, py, land;
  HcActivation act;
  PetscInt     width; /* 0: 4; 8 and 16 take the vectorised kernels (W = 8 nv) */
} Case;

/* Random parameters (not the initialisation), so that biases and every spectral weight matter. */
static PetscErrorCode RandomizeParameters(HcTerm term, unsigned long seed, PetscReal scale)
{
  PetscInt   np;
  PetscReal *th;

  PetscFunctionBeginUser;
  PetscCall(HcTermGetNumParameters(term, &np));
  PetscCall(PetscMalloc1(np, &th));
  for (PetscInt k = 0; k < np; k++) th[k] = scale * HcTestHash(seed, k, 0, 0);
  PetscCall(HcTermSetParameters(term, th));
  PetscCall(PetscFree(th));
  PetscFunctionReturn(0);
}

/* F(u) of a term or of a model, for the finite differences */
typedef struct {
  HcTerm  term;
  HcModel model;
} Operator;

static PetscErrorCode OperatorApply(const Operator *op, Vec u, Vec f)
{
  PetscFunctionBeginUser;
  if (op->model)
    PetscCall(HcModelApplyRHS(op->model, 0, u, f));
  else
    PetscCall(HcTermApply(op->term, 0, u, f));
  PetscFunctionReturn(0);
}

/* Relative error of the central difference (F(u + h v) - F(u - h v)) / 2h against Jv. */
static PetscErrorCode CentralDifferenceError(const Operator *op, Vec u, Vec v, PetscReal h, Vec Jv, PetscReal *err)
{
  Vec       up, fp, fm;
  PetscReal e, n;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(u, &up));
  PetscCall(VecDuplicate(u, &fp));
  PetscCall(VecDuplicate(u, &fm));
  PetscCall(VecWAXPY(up, h, v, u));
  PetscCall(OperatorApply(op, up, fp));
  PetscCall(VecWAXPY(up, -h, v, u));
  PetscCall(OperatorApply(op, up, fm));
  PetscCall(VecAXPY(fp, -1, fm));
  PetscCall(VecScale(fp, 1 / (2 * h)));
  PetscCall(VecAXPY(fp, -1, Jv));
  PetscCall(VecNorm(fp, NORM_2, &e));
  PetscCall(VecNorm(Jv, NORM_2, &n));
  *err = e / n;
  PetscCall(VecDestroy(&up));
  PetscCall(VecDestroy(&fp));
  PetscCall(VecDestroy(&fm));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckDot(MPI_Comm comm, const char *what, PetscReal a, PetscReal b)
{
  PetscFunctionBeginUser;
  PetscCall(HcTestCheck(comm, HcTestRelMismatch(a, b) < 1e-12, "%s: dot test %.15e vs %.15e, rel %.1e", what, (double)a,
                        (double)b, (double)HcTestRelMismatch(a, b)));
  PetscFunctionReturn(0);
}

/* Land values set to NaN must leave S unchanged (land is never read). */
static PetscErrorCode CheckLandNotRead(MPI_Comm comm, HcGrid grid, HcTerm term, Vec u)
{
  Vec                 un, f0, f1, mask;
  DM                  da, da1;
  PetscScalar      ***a;
  const PetscScalar **m;
  PetscInt            xs, ys, xm, ym, nc;
  PetscReal           diff, nrm;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(u, &un));
  PetscCall(VecDuplicate(u, &f0));
  PetscCall(VecDuplicate(u, &f1));
  PetscCall(VecCopy(u, un));
  PetscCall(HcGridGetDM(grid, &da));
  PetscCall(HcGridGetScalarDM(grid, &da1));
  PetscCall(HcGridGetMask(grid, &mask));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(HcGridGetNumFields(grid, &nc));
  PetscCall(DMDAVecGetArrayDOF(da, un, &a));
  PetscCall(DMDAVecGetArrayRead(da1, mask, &m));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++)
      if (m[j][i] == 0)
        for (PetscInt c = 0; c < nc; c++) a[j][i][c] = NAN;
  PetscCall(DMDAVecRestoreArrayRead(da1, mask, &m));
  PetscCall(DMDAVecRestoreArrayDOF(da, un, &a));
  PetscCall(HcTermApply(term, 0, u, f0));
  PetscCall(HcTermApply(term, 0, un, f1));
  PetscCall(VecNorm(f1, NORM_INFINITY, &nrm));
  PetscCall(VecAXPY(f1, -1, f0));
  PetscCall(VecNorm(f1, NORM_INFINITY, &diff));
  PetscCall(HcTestCheck(comm, !PetscIsInfOrNanReal(nrm) && diff == 0,
                        "NaN on land: output finite (%s) and unchanged (max diff %g)", PetscIsInfOrNanReal(nrm) ? "no" : "yes",
                        (double)diff));
  PetscCall(VecDestroy(&un));
  PetscCall(VecDestroy(&f0));
  PetscCall(VecDestroy(&f1));
  PetscFunctionReturn(0);
}

/* Through a model holding advdiff + fno: shell J and Jp dot-product tests, finite differences of the shell J v, and the
   model's F equal to the sum of the two terms' F. */
static PetscErrorCode CheckModel(MPI_Comm comm, HcGrid grid, HcTerm fno, Vec u, PetscBool latlon)
{
  HcTerm       phys;
  HcModel      model;
  TS           ts;
  Mat          J, Jp;
  Vec          pv, pg, *x; /* x: v, w, J v, J^T w, F, F of a term */
  PetscReal    err, nrm;
  PetscInt     n;
  PetscScalar *p;

  PetscFunctionBeginUser;
  PetscCall(HcTermCreate(grid, &phys));
  PetscCall(HcTermSetType(phys, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetDiffusivity(phys, (const PetscReal[]){latlon ? 4e4 : 0.02, latlon ? 1.5e4 : 0.007}));
  PetscCall(HcTermAdvDiffSetVelocity(phys, latlon ? 0.3 : 0.7, latlon ? -0.2 : -0.45));
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelAddTerm(model, phys));
  PetscCall(HcModelAddTerm(model, fno));
  PetscCall(HcModelSetUp(model));
  PetscCall(HcModelGetTS(model, &ts));
  PetscCall(TSGetRHSJacobian(ts, &J, NULL, NULL, NULL));
  PetscCall(TSGetRHSJacobianP(ts, &Jp, NULL, NULL));
  PetscCall(MatCreateVecs(Jp, &pv, NULL)); /* every parameter on every rank: dtheta replicated, Jp^T w partial sums */
  PetscCall(VecDuplicate(pv, &pg));
  PetscCall(VecDuplicateVecs(u, 6, &x));
  PetscCall(HcTestRandomField(grid, 15, 1, x[0]));
  PetscCall(HcTestRandomField(grid, 16, 1, x[1]));
  PetscCall(VecGetLocalSize(pv, &n));
  PetscCall(VecGetArray(pv, &p));
  for (PetscInt k = 0; k < n; k++) p[k] = HcTestHash(17, k, 0, 0);
  PetscCall(VecRestoreArray(pv, &p));

  PetscCall(HcModelLinearize(model, 0, u));
  PetscCall(MatMult(J, x[0], x[2]));
  PetscCall(MatMultTranspose(J, x[1], x[3]));
  PetscCall(CheckDot(comm, "model (advdiff + fno) shell J", HcTestDot(x[2], x[1]), HcTestDot(x[0], x[3])));
  PetscCall(MatMult(Jp, pv, x[2]));
  PetscCall(MatMultTranspose(Jp, x[1], pg));
  PetscCall(CheckDot(comm, "model (advdiff + fno) shell Jp", HcTestDot(x[2], x[1]), HcTestDot(pv, pg)));
  PetscCall(MatMult(J, x[0], x[2]));
  {
    const Operator op = {NULL, model};

    PetscCall(CentralDifferenceError(&op, u, x[0], 1e-6, x[2], &err));
  }
  PetscCall(HcTestCheck(comm, err < 1e-6, "model (advdiff + fno) finite differences of J v: rel error %.1e", (double)err));
  /* F of the model = F of advdiff + F of fno */
  PetscCall(HcModelApplyRHS(model, 0, u, x[4]));
  PetscCall(HcTermApply(phys, 0, u, x[5]));
  PetscCall(VecAXPY(x[4], -1, x[5]));
  PetscCall(HcTermApply(fno, 0, u, x[5]));
  PetscCall(VecAXPY(x[4], -1, x[5]));
  PetscCall(VecNorm(x[4], NORM_INFINITY, &err));
  PetscCall(VecNorm(x[5], NORM_INFINITY, &nrm));
  PetscCall(HcTestCheck(comm, err <= 1e-14 * nrm, "model F = advdiff F + fno F (max diff %.1e, |F_fno| %.2g)", (double)err,
                        (double)nrm));
  PetscCall(VecDestroyVecs(6, &x));
  PetscCall(VecDestroy(&pv));
  PetscCall(VecDestroy(&pg));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcTermDestroy(&phys));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunCase(MPI_Comm comm, const Case *cs)
{
  const PetscReal  h = 1e-6; /* S is piecewise linear in u for relu, smooth otherwise */
  HcGrid           grid;
  HcTerm           term;
  Vec              u, *x; /* x: v, w, J v, J^T w, F(theta + h dtheta), F(theta - h dtheta) */
  PetscInt         np, NX, NY;
  PetscReal       *dth, *gth, *th0, *th, b = 0, err, nrm;
  const PetscReal *theta;

  PetscFunctionBeginUser;
  PetscCall(HcTestCreateGrid(comm, cs->type, cs->nx, cs->ny, 2, cs->px, cs->py, &grid));
  if (cs->land) PetscCall(HcTestSetIrregularMask(grid, 7, 0.12));
  PetscCall(HcTermCreate(grid, &term));
  PetscCall(HcTermSetType(term, HCTERMFNO));
  PetscCall(HcTermFNOSetWidth(term, cs->width ? cs->width : 4));
  PetscCall(HcTermFNOSetModes(term, cs->mx, cs->my));
  PetscCall(HcTermFNOSetActivation(term, cs->act));
  PetscCall(HcTermSetUp(term));
  PetscCall(HcTermFNOGetTransformSizes(term, &NX, &NY));
  PetscCall(HcTermGetNumParameters(term, &np));
  PetscCall(PetscPrintf(comm,
                        "%s, %s, %" PetscInt_FMT " x %" PetscInt_FMT " cells (transform %" PetscInt_FMT " x %" PetscInt_FMT
                        "), modes %" PetscInt_FMT ",%" PetscInt_FMT "%s, width %" PetscInt_FMT ", %" PetscInt_FMT " parameters\n",
                        cs->label, HcActivations[cs->act], cs->nx, cs->ny, NX, NY, cs->mx, cs->my, cs->land ? ", land" : "",
                        cs->width ? cs->width : 4, np));
  PetscCall(RandomizeParameters(term, 11, 0.5));
  PetscCall(PetscMalloc4(np, &dth, np, &gth, np, &th0, np, &th));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicateVecs(u, 6, &x));
  PetscCall(HcTestSmoothField(grid, 1, u));
  PetscCall(HcTestRandomField(grid, 2, 1, x[0])); /* land values included: they must not leak in */
  PetscCall(HcTestRandomField(grid, 3, 1, x[1]));
  for (PetscInt k = 0; k < np; k++) dth[k] = HcTestHash(4, k, 0, 0);

  PetscCall(HcTermLinearize(term, 0, u));
  PetscCall(HcTermApplyJacobian(term, x[0], x[2]));
  PetscCall(HcTermApplyJacobianTranspose(term, x[1], x[3]));
  PetscCall(CheckDot(comm, "<J v, w> vs <v, J^T w>", HcTestDot(x[2], x[1]), HcTestDot(x[0], x[3])));
  PetscCall(HcTermApplyParameterJacobian(term, dth, x[2]));
  PetscCall(HcTermApplyParameterJacobianTranspose(term, x[1], gth));
  for (PetscInt k = 0; k < np; k++) b += dth[k] * gth[k];
  PetscCall(CheckDot(comm, "<Jp dtheta, w> vs <dtheta, Jp^T w>", HcTestDot(x[2], x[1]), b));

  PetscCall(HcTermApplyJacobian(term, x[0], x[2]));
  {
    const Operator op = {term, NULL};

    PetscCall(CentralDifferenceError(&op, u, x[0], h, x[2], &err));
  }
  PetscCall(HcTestCheck(comm, err < 1e-6, "finite differences of J v: rel error %.1e", (double)err));
  PetscCall(HcTermGetParameters(term, &theta));
  PetscCall(PetscArraycpy(th0, theta, np));
  PetscCall(HcTermApplyParameterJacobian(term, dth, x[2]));
  for (int sgn = 1; sgn >= -1; sgn -= 2) {
    for (PetscInt k = 0; k < np; k++) th[k] = th0[k] + sgn * h * dth[k];
    PetscCall(HcTermSetParameters(term, th));
    PetscCall(HcTermApply(term, 0, u, x[sgn > 0 ? 4 : 5]));
  }
  PetscCall(HcTermSetParameters(term, th0));
  PetscCall(VecAXPY(x[4], -1, x[5]));
  PetscCall(VecAXPBY(x[4], -1, 1 / (2 * h), x[2]));
  PetscCall(VecNorm(x[4], NORM_2, &err));
  PetscCall(VecNorm(x[2], NORM_2, &nrm));
  PetscCall(HcTestCheck(comm, err / nrm < 1e-6, "finite differences of (dS/dtheta) dtheta: rel error %.1e", (double)(err / nrm)));

  if (cs->land) PetscCall(CheckLandNotRead(comm, grid, term, u));
  PetscCall(CheckModel(comm, grid, term, u, cs->type == HC_GRID_LATLON ? PETSC_TRUE : PETSC_FALSE));

  PetscCall(PetscFree4(dth, gth, th0, th));
  PetscCall(VecDestroyVecs(6, &x));
  PetscCall(VecDestroy(&u));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  /* the periodic case keeps the most modes the grid allows: kx up to 6 < 14/2, ky = -5 the Nyquist wavenumber of 10 */
  const Case geo[] = {
      {"cartesian periodic-x periodic-y", HC_GRID_CARTESIAN, 14, 10, 7, 5, PETSC_TRUE, PETSC_TRUE, PETSC_FALSE,
       HC_ACTIVATION_TANH, 0},
      {"cartesian walls", HC_GRID_CARTESIAN, 14, 11, 4, 3, PETSC_FALSE, PETSC_FALSE, PETSC_TRUE, HC_ACTIVATION_TANH, 0},
      {"cartesian periodic-x walls-y", HC_GRID_CARTESIAN, 13, 11, 3, 4, PETSC_TRUE, PETSC_FALSE, PETSC_TRUE, HC_ACTIVATION_TANH,
       0},
      {"latlon global (periodic-x)", HC_GRID_LATLON, 16, 9, 5, 3, PETSC_TRUE, PETSC_FALSE, PETSC_TRUE, HC_ACTIVATION_TANH, 0},
      {"latlon regional (walls)", HC_GRID_LATLON, 12, 10, 4, 4, PETSC_FALSE, PETSC_FALSE, PETSC_TRUE, HC_ACTIVATION_TANH, 0},
      {"cartesian walls, width 16", HC_GRID_CARTESIAN, 14, 11, 4, 3, PETSC_FALSE, PETSC_FALSE, PETSC_TRUE, HC_ACTIVATION_TANH,
       16},
      {"cartesian periodic, width 8", HC_GRID_CARTESIAN, 14, 10, 5, 4, PETSC_TRUE, PETSC_TRUE, PETSC_FALSE, HC_ACTIVATION_TANH,
       8},
  };
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  for (size_t g = 0; g < sizeof(geo) / sizeof(geo[0]); g++)
    for (int act = 0; act < 3; act++) {
      Case cs = geo[g];

      cs.act = (HcActivation)act;
      PetscCall(RunCase(PETSC_COMM_WORLD, &cs));
    }
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
