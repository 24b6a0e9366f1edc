static const char help[] =
    "HcEval, the library object behind hycast evaluate: a truth written with HcWriter (daily states u_k = a + b k, b a\n"
    "field, land) is scored from initial times 3 .. 6 with 2 leads.  Persistence's RMSE and bias, and climatology's\n"
    "(the mean of the states before the first initial time) match closed forms; a model whose right-hand side is zero (an MLP "
    "with zero weights) scores\n"
    "exactly as persistence; the tables come models first, then the baselines, with the initial times per lead.  Damped\n"
    "persistence fits a_1 = 0, a_2 = -1 on those three states.  A monthly truth u = S(month) + c_t a0 (c_t = r^t in the\n"
    "climatology's first and scored years, -2 r^t in its third): damped persistence recovers a_L = r^L, fitted without\n"
    "the scored year, forecasts exactly and beats anomaly persistence, whose RMSE and bias match closed forms.\n";

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

#define MY  3  /* years of monthly states: the climatology's, the second scored */
#define MK0 12 /* initial times MK0 .. MK1, in the second year */
#define MK1 17
#define ML  6
#define RHO 0.8

/* The monthly truth: u_t = S(month) + c_t a0, c_t = r^(t mod 12) in years 1 and 2 and -2 r^(t mod 12) in year 3, so that
   the climatology of the three years is S (the c_t of a calendar month sum to zero) and the anomalies c_t a0 decay by
   r a month within a year.  Hindcasts from months 12 .. 17 with 6 leads are scored in year 2 only; damped persistence
   is fitted on years 1 and 3, whose pairs up to 6 months apart lie within a year (a fit that used the scored year, or
   pairs across years, would not give r^L). */
static PetscErrorCode TestMonthly(MPI_Comm comm, HcGrid grid)
{
  HcWriter  w;
  HcEval    ev;
  Vec       a0, S, u;
  PetscReal ma, ma2, day = 0;
  PetscInt  ntab, k0, k1, s0, s1;
  PetscBool monthly;
  char      path[PETSC_MAX_PATH_LEN];
  const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}; /* 2000 is a leap year */

  PetscFunctionBeginUser;
  PetscCall(HcTestDataPath(comm, "eval-monthly", path, sizeof(path)));
  PetscCall(HcGridCreateGlobalVector(grid, &a0));
  PetscCall(VecDuplicate(a0, &S));
  PetscCall(VecDuplicate(a0, &u));
  PetscCall(HcTestSmoothField(grid, 7, a0));
  PetscCall(HcTestSetLand(grid, 0, a0));
  PetscCall(AreaMean(grid, a0, PETSC_FALSE, &ma));
  PetscCall(AreaMean(grid, a0, PETSC_TRUE, &ma2));
  PetscCall(HcWriterCreate(grid, path, &w));
  PetscCall(HcWriterSetTimeUnits(w, "days since 2000-01-01 00:00:00", "standard"));
  PetscCall(HcWriterSetUp(w));
  for (PetscInt t = 0; t < 12 * MY; t++) {
    const PetscInt  m = t % 12;
    const PetscReal c = (t < 24 ? 1 : -2) * PetscPowReal(RHO, m);

    /* S: a seasonal cycle of its own shape in every cell */
    PetscCall(HcTestSmoothField(grid, 100 + m, S));
    PetscCall(VecWAXPY(u, c, a0, S));
    PetscCall(VecShift(u, 10));
    PetscCall(HcTestSetLand(grid, 0, u));
    PetscCall(HcWriterWrite(w, 0, t, day * 86400.0, u));
    day += mdays[m] - (m == 1 && t >= 12); /* 2001 and 2002: 28 days in February */
  }
  PetscCall(HcWriterClose(w));
  PetscCall(HcWriterDestroy(&w));

  PetscCall(HcEvalCreate(comm, &ev));
  PetscCall(HcEvalSetTruthFile(ev, path));
  PetscCall(HcEvalSetClimatology(ev, 0, 12 * MY));
  PetscCall(HcEvalSetUp(ev));
  PetscCall(HcEvalSetHindcasts(ev, MK0, MK1, ML));
  PetscCall(HcEvalGetClimatology(ev, &k0, &k1, &monthly));
  PetscCall(HcEvalGetNumTables(ev, &ntab, NULL));
  PetscCall(HcEvalGetDampedPersistence(ev, 0, 1, NULL, NULL, NULL, &s0, &s1));
  PetscCall(HcTestCheck(comm, (PetscBool)(monthly && k0 == 0 && k1 == 12 * MY && s0 == MK0 && s1 == MK1 + ML && ntab == 4),
                        "monthly: climatology by month of states [%" PetscInt_FMT ", %" PetscInt_FMT
                        "), the fit leaves out the scored states %" PetscInt_FMT " .. %" PetscInt_FMT ", %" PetscInt_FMT
                        " baseline tables",
                        k0, k1, s0, s1, ntab));
  for (PetscInt l = 1; l <= ML; l++) {
    PetscReal   a, r[4], bi[4], acc[4], ra = 0, ba = 0;
    const char *label[4];
    PetscInt    n[4];

    PetscCall(HcEvalGetDampedPersistence(ev, 0, l, &a, NULL, NULL, NULL, NULL));
    PetscCall(HcTestCheck(comm, (PetscBool)(PetscAbsReal(a - PetscPowReal(RHO, l)) < 1e-12),
                          "lead %" PetscInt_FMT ": damped persistence a = %.15g (want r^L = %.15g)", l, (double)a,
                          (double)PetscPowReal(RHO, l)));
    for (PetscInt m = 0; m < 4; m++) PetscCall(HcEvalGetStatistics(ev, m, 0, l, &label[m], &r[m], &bi[m], &acc[m], &n[m]));
    /* anomaly persistence's error from month k: r^(k - 12) (1 - r^L) a0 */
    for (PetscInt k = MK0; k <= MK1; k++) {
      const PetscReal e = PetscPowReal(RHO, k - MK0) * (1 - PetscPowReal(RHO, l));

      ba += e * ma;
      ra += e * e * ma2;
    }
    ba /= MK1 - MK0 + 1;
    ra = PetscSqrtReal(ra / (MK1 - MK0 + 1));
    PetscCall(HcTestCheck(comm,
                          (PetscBool)(!strcmp(label[2], "anomaly persistence") && n[2] == MK1 - MK0 + 1 &&
                                      PetscAbsReal(r[2] - ra) < 1e-12 && PetscAbsReal(bi[2] - ba) < 1e-12 &&
                                      PetscAbsReal(acc[2] - 1) < 1e-12),
                          "lead %" PetscInt_FMT ": anomaly persistence RMSE %.15g bias %.15g ACC %.15g (want %.15g, %.15g, 1)", l,
                          (double)r[2], (double)bi[2], (double)acc[2], (double)ra, (double)ba));
    PetscCall(HcTestCheck(
        comm,
        (PetscBool)(!strcmp(label[3], "damped persistence") && r[3] < 1e-12 && r[3] < r[2] && PetscAbsReal(acc[3] - 1) < 1e-12),
        "lead %" PetscInt_FMT ": damped persistence forecasts exactly (RMSE %.3g, ACC %.15g), better than "
        "anomaly persistence (RMSE %.6g)",
        l, (double)r[3], (double)acc[3], (double)r[2]));
  }
  PetscCall(HcEvalView(ev, PETSC_VIEWER_STDOUT_(comm)));
  PetscCall(HcEvalDestroy(&ev));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&S));
  PetscCall(VecDestroy(&a0));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm  comm;
  HcGrid    grid;
  HcWriter  w;
  HcEval    ev;
  HcModel   model;
  HcReader  reader;
  HcGrid    tgrid;
  Vec       b, u;
  PetscInt  ntab, nlead, ninit, k0, k1;
  PetscBool monthly;
  PetscReal mb, mb2;
  char      path[PETSC_MAX_PATH_LEN], opt[PETSC_MAX_PATH_LEN + 32];
  int       status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscCall(HcTestDataPath(comm, "eval", path, sizeof(path)));

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
      HcTestCheck(comm, (PetscBool)(ntab == 5 && nlead == NL), "%" PetscInt_FMT " tables, %" PetscInt_FMT " leads", ntab, nlead));
  { /* anomalies of the climatology's states 0, 1, 2: -b, 0, b */
    PetscReal a1, a2;

    PetscCall(HcEvalGetDampedPersistence(ev, 0, 1, &a1, NULL, NULL, NULL, NULL));
    PetscCall(HcEvalGetDampedPersistence(ev, 0, 2, &a2, NULL, NULL, NULL, NULL));
    PetscCall(HcTestCheck(comm, (PetscBool)(PetscAbsReal(a1) < 1e-14 && PetscAbsReal(a2 + 1) < 1e-14),
                          "damped persistence a_1 = %.3g (want 0), a_2 = %.15g (want -1)", (double)a1, (double)a2));
  }
  for (PetscInt l = 1; l <= NL; l++) {
    const char *label[5];
    PetscReal   r[5], bi[5], a[5], rc = 0, bc = 0, rd = 0, bd = 0, c = (K0 - 1) / 2.0;
    PetscInt    n[5], want = 0;

    for (PetscInt m = 0; m < 5; m++) PetscCall(HcEvalGetStatistics(ev, m, 0, l, &label[m], &r[m], &bi[m], &a[m], &n[m]));
    for (PetscInt k = K0; k <= K1; k++) {
      if (k + l > NT - 1) continue;
      want++;
      /* climatology's error at truth k + l: b ((K0 - 1) / 2 - (k + l)); damped persistence's at lead 2, C - (u_k - C):
         -2 b k */
      bc += (c - (k + l)) * mb;
      rc += (c - (k + l)) * (c - (k + l)) * mb2;
      bd += -2.0 * k * mb;
      rd += 4.0 * k * k * mb2;
    }
    bc /= want;
    rc = PetscSqrtReal(rc / want);
    bd /= want;
    rd = PetscSqrtReal(rd / want);
    /* daily data: one climatology, so anomaly persistence is persistence */
    PetscCall(HcTestCheck(comm,
                          (PetscBool)(!strcmp(label[3], "anomaly persistence") && !strcmp(label[4], "damped persistence") &&
                                      n[3] == want && n[4] == want && PetscAbsReal(r[3] - r[1]) < 1e-12 &&
                                      PetscAbsReal(bi[3] - bi[1]) < 1e-12),
                          "lead %" PetscInt_FMT ": %s RMSE %.15g = persistence's %.15g (one climatology for daily data)", l,
                          label[3], (double)r[3], (double)r[1]));
    if (l == 1)
      PetscCall(HcTestCheck(comm, (PetscBool)(PetscAbsReal(r[4] - r[2]) < 1e-12 && PetscAbsReal(bi[4] - bi[2]) < 1e-12),
                            "lead 1: damped persistence (a = 0) RMSE %.15g = climatology's %.15g", (double)r[4], (double)r[2]));
    else
      PetscCall(HcTestCheck(comm, (PetscBool)(PetscAbsReal(r[4] - rd) < 1e-12 && PetscAbsReal(bi[4] - bd) < 1e-12),
                            "lead 2: damped persistence (a = -1) RMSE %.15g bias %.15g (want %.15g, %.15g)", (double)r[4],
                            (double)bi[4], (double)rd, (double)bd));
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
  PetscCall(TestMonthly(comm, grid));
  PetscCall(HcGridDestroy(&grid));
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
