static const char help[] =
    "HcEval, the library object behind hycast evaluate: a truth written with HcWriter (daily states u_k = a + b k, b a\n"
    "field, land) is scored from initial times 3 .. 6 with 2 leads.  Persistence's RMSE and bias, and climatology's\n"
    "(the mean of the states before the first initial time) match closed forms; a model whose right-hand side is zero (an MLP "
    "with zero weights) scores\n"
    "exactly as persistence; the tables come models first, then the baselines, with the initial times per lead.\n";

#include <string.h>
#include "testutil.h"

#define NT 8
#define K0 3
#define K1 6
#define NL 2

/* u_k = 1 + b (k + 1), b = 0.5 + 0.25 * a smooth field: the closed forms below do not depend on where b is what */
static PetscErrorCode State(HcGrid grid, PetscInt k, Vec b, Vec u)
{
  PetscFunctionBeginUser;
  PetscCall(VecSet(u, 1));
  PetscCall(VecAXPY(u, (PetscReal)(k + 1), b));
  PetscCall(HcTestSetLand(grid, 0, u));
  PetscFunctionReturn(0);
}

/* area-weighted mean over the active cells of f(b) = b or b^2 (the same weights as HcEval's) */
static PetscErrorCode AreaMean(HcGrid grid, Vec b, PetscBool square, PetscReal *m)
{
  Vec       area, mask, x;
  PetscReal s, a;
  PetscInt  nc;

  PetscFunctionBeginUser;
  PetscCall(HcGridGetNumFields(grid, &nc));
  PetscCall(HcGridCreateAreaVector(grid, &area));
  PetscCall(HcGridGetMask(grid, &mask));
  PetscCall(VecPointwiseMult(area, area, mask));
  PetscCall(VecSum(area, &a));
  PetscCall(HcGridCreateVectorDof(grid, 1, &x));
  PetscCall(VecStrideGather(b, 0, x, INSERT_VALUES));
  if (square) PetscCall(VecPointwiseMult(x, x, x));
  PetscCall(VecDot(x, area, &s));
  *m = s / a;
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&area));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm    comm;
  PetscMPIInt size, rank;
  HcGrid      grid;
  HcWriter    w;
  HcEval      ev;
  HcModel     model;
  HcReader    reader;
  HcGrid      tgrid;
  Vec         b, u;
  PetscInt    ntab, nlead, ninit, k0, k1;
  PetscBool   monthly;
  PetscReal   mb, mb2;
  char        path[PETSC_MAX_PATH_LEN], opt[PETSC_MAX_PATH_LEN + 32];
  int         status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscSNPrintf(path, sizeof(path), "build/tests/data/eval-n%d.nc", size));
  if (!rank) {
    PetscBool flg;

    PetscCall(PetscTestDirectory("build/tests/data", 'w', &flg));
    if (!flg) PetscCall(PetscMkdir("build/tests/data"));
  }

  /* the truth: one field on a box with land */
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, 10, 7, 1, PETSC_FALSE, PETSC_FALSE, &grid));
  PetscCall(HcTestSetIrregularMask(grid, 5, 0.2));
  PetscCall(HcGridCreateGlobalVector(grid, &b));
  PetscCall(VecDuplicate(b, &u));
  PetscCall(HcTestSmoothField(grid, 3, b));
  PetscCall(VecScale(b, 0.25));
  PetscCall(VecShift(b, 0.5));
  PetscCall(HcTestSetLand(grid, 0, b));
  PetscCall(HcWriterCreate(grid, path, &w));
  PetscCall(HcWriterSetTimeUnits(w, "days since 2000-01-01 00:00:00", "standard"));
  PetscCall(HcWriterSetUp(w));
  for (PetscInt k = 0; k < NT; k++) {
    PetscCall(State(grid, k, b, u));
    PetscCall(HcWriterWrite(w, 0, k, k * 86400.0, u));
  }
  PetscCall(HcWriterClose(w));
  PetscCall(HcWriterDestroy(&w));
  PetscCall(AreaMean(grid, b, PETSC_FALSE, &mb));
  PetscCall(AreaMean(grid, b, PETSC_TRUE, &mb2));

  PetscCall(PetscSNPrintf(opt, sizeof(opt), "-data_vars a"));
  PetscCall(PetscOptionsInsertString(NULL, opt));
  PetscCall(HcEvalCreate(comm, &ev));
  PetscCall(HcEvalSetTruthFile(ev, path));
  PetscCall(HcEvalSetUp(ev));
  {
    const char *const dates[2] = {"2000-01-03", "2000-01-05"};

    PetscCall(HcEvalGetDateRange(ev, "dates", dates, &k0, &k1));
    PetscCall(HcTestCheck(comm, (PetscBool)(k0 == 2 && k1 == 4),
                          "dates 2000-01-03 .. 2000-01-05: states %" PetscInt_FMT " .. %" PetscInt_FMT " (want 2 .. 4)", k0, k1));
  }
  PetscCall(HcEvalSetHindcasts(ev, K0, K1, NL));
  PetscCall(HcEvalGetClimatology(ev, &k0, &k1, &monthly));
  PetscCall(HcTestCheck(comm, (PetscBool)(k0 == 0 && k1 == K0 && !monthly),
                        "climatology: the mean of states [%" PetscInt_FMT ", %" PetscInt_FMT "), daily data", k0, k1));
  PetscCall(HcEvalGetTruth(ev, &reader, NULL, NULL, NULL));
  PetscCall(HcReaderGetGrid(reader, &tgrid));
  PetscCall(HcModelCreate(tgrid, &model));
  { /* an MLP with zero weights: F = 0 */
    HcTerm         t;
    const PetscInt width = 4;

    PetscCall(HcTermCreate(tgrid, &t));
    PetscCall(HcTermSetType(t, HCTERMMLP));
    PetscCall(HcTermMLPSetHiddenLayers(t, 1, &width));
    PetscCall(HcTermMLPSetInitialization(t, 0, 0.0));
    PetscCall(HcModelAddTerm(model, t));
    PetscCall(HcTermDestroy(&t));
  }
  PetscCall(HcModelSetUp(model));
  PetscCall(HcEvalAddHindcasts(ev, "still", model, &ninit));
  PetscCall(HcTestCheck(comm, (PetscBool)(ninit == K1 - K0 + 1), "%" PetscInt_FMT " initial times", ninit));
  PetscCall(HcEvalGetNumTables(ev, &ntab, &nlead));
  PetscCall(
      HcTestCheck(comm, (PetscBool)(ntab == 3 && nlead == NL), "%" PetscInt_FMT " tables, %" PetscInt_FMT " leads", ntab, nlead));
  for (PetscInt l = 1; l <= NL; l++) {
    const char *label[3];
    PetscReal   r[3], bi[3], a[3], rc = 0, bc = 0, c = (K0 - 1) / 2.0;
    PetscInt    n[3], want = 0;

    for (PetscInt m = 0; m < 3; m++) PetscCall(HcEvalGetStatistics(ev, m, 0, l, &label[m], &r[m], &bi[m], &a[m], &n[m]));
    for (PetscInt k = K0; k <= K1; k++) {
      if (k + l > NT - 1) continue;
      want++;
      /* climatology's error at truth k + l: b ((K0 - 1) / 2 - (k + l)) */
      bc += (c - (k + l)) * mb;
      rc += (c - (k + l)) * (c - (k + l)) * mb2;
    }
    bc /= want;
    rc = PetscSqrtReal(rc / want);
    PetscCall(HcTestCheck(comm,
                          (PetscBool)(!strcmp(label[0], "still") && !strcmp(label[1], "persistence") &&
                                      !strcmp(label[2], "climatology") && n[0] == want && n[1] == want && n[2] == want),
                          "lead %" PetscInt_FMT ": tables %s, %s, %s, %" PetscInt_FMT " initial times each (want %" PetscInt_FMT
                          ")",
                          l, label[0], label[1], label[2], n[0], want));
    PetscCall(HcTestCheck(
        comm, (PetscBool)(r[0] == r[1] && bi[0] == bi[1] && (a[0] == a[1] || (PetscIsNanReal(a[0]) && PetscIsNanReal(a[1])))),
        "lead %" PetscInt_FMT ": the model with du/dt = 0 scores as persistence, bit for bit", l));
    PetscCall(HcTestCheck(
        comm, (PetscBool)(PetscAbsReal(r[1] - l * PetscSqrtReal(mb2)) < 1e-12 && PetscAbsReal(bi[1] + l * mb) < 1e-12),
        "lead %" PetscInt_FMT ": persistence RMSE %.15g bias %.15g (want %.15g, %.15g)", l, (double)r[1], (double)bi[1],
        (double)(l * PetscSqrtReal(mb2)), (double)(-l * mb)));
    PetscCall(HcTestCheck(comm, (PetscBool)(PetscAbsReal(r[2] - rc) < 1e-12 && PetscAbsReal(bi[2] - bc) < 1e-12),
                          "lead %" PetscInt_FMT ": climatology RMSE %.15g bias %.15g (want %.15g, %.15g)", l, (double)r[2],
                          (double)bi[2], (double)rc, (double)bc));
  }
  PetscCall(HcEvalView(ev, PETSC_VIEWER_STDOUT_(comm)));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcEvalDestroy(&ev));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&b));
  PetscCall(HcGridDestroy(&grid));
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
