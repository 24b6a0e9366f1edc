static const char help[] =
    "HcEval's ensemble scores on forecast files with a member dimension (as hycast forecast -forecast_ensemble writes).\n"
    "Members at known offsets d_i from the truth (the same in every cell): CRPS = mean|d_i| - 1/(2 m^2) sum_ij |d_i - d_j|,\n"
    "the ensemble mean's RMSE and bias, the spread sqrt(mean unbiased variance) and spread/skill match closed forms over\n"
    "two files; a single forecast's CRPS is its mean absolute error and it has no spread, and it is not scored with an\n"
    "ensemble in one table.  A statistically consistent\n"
    "ensemble (members and truth independent draws of N(0,1) in every cell) has spread/skill 1 and CRPS (m + 1)/(m\n"
    "sqrt(pi)), the expectation of the estimator, within a few standard errors.\n";

#include <string.h>
#include "testutil.h"

#define NT 8
#define M  3
#define NL 2

static const PetscReal delta[M] = {-1, 0.5, 2};

/* independent N(0,1) values in every cell (Box-Muller on the test hash), the same on any decomposition */
static PetscErrorCode Gaussian(HcGrid grid, unsigned long seed, Vec u)
{
  DM             da;
  PetscScalar ***a;
  PetscInt       xs, ys, xm, ym;

  PetscFunctionBeginUser;
  PetscCall(HcGridGetDM(grid, &da));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(DMDAVecGetArrayDOF(da, u, &a));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      const PetscReal u1 = (1 - HcTestHash(seed, i, j, 0)) / 2, u2 = (1 + HcTestHash(seed, i, j, 1)) / 2;

      a[j][i][0] = PetscSqrtReal(-2 * PetscLogReal(u1)) * PetscCosReal(2 * PETSC_PI * u2);
    }
  PetscCall(DMDAVecRestoreArrayDOF(da, u, &a));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteTruth(HcGrid grid, const char path[], PetscInt nt, Vec y[])
{
  HcWriter w;

  PetscFunctionBeginUser;
  PetscCall(HcWriterCreate(grid, path, &w));
  PetscCall(HcWriterSetTimeUnits(w, "days since 2000-01-01 00:00:00", "standard"));
  PetscCall(HcWriterSetUp(w));
  for (PetscInt k = 0; k < nt; k++) PetscCall(HcWriterWrite(w, 0, k, k * 86400.0, y[k]));
  PetscCall(HcWriterClose(w));
  PetscCall(HcWriterDestroy(&w));
  PetscFunctionReturn(0);
}

/* A forecast file from truth state k0, leads 0 .. NL: member i at lead l is x[(l * m + i)] (m members, 0: no member
   dimension, a single forecast x[l]). */
static PetscErrorCode WriteForecast(HcGrid grid, const char path[], PetscInt k0, PetscInt m, Vec x[])
{
  HcWriter w;

  PetscFunctionBeginUser;
  PetscCall(HcWriterCreate(grid, path, &w));
  PetscCall(HcWriterSetTimeUnits(w, "days since 2000-01-01 00:00:00", "standard"));
  PetscCall(HcWriterSetForecastReference(w, k0 * 86400.0));
  if (m) {
    PetscCall(HcWriterSetNumEnvironments(w, m));
    PetscCall(HcWriterSetEnvironmentName(w, "member", "ensemble member"));
  }
  PetscCall(HcWriterSetUp(w));
  for (PetscInt i = 0; i < PetscMax(m, 1); i++)
    for (PetscInt l = 0; l <= NL; l++) PetscCall(HcWriterWrite(w, i, l, (k0 + l) * 86400.0, x[l * PetscMax(m, 1) + i]));
  PetscCall(HcWriterClose(w));
  PetscCall(HcWriterDestroy(&w));
  PetscFunctionReturn(0);
}

/* Score forecast files against a truth; the forecast's statistics at every lead: RMSE, bias, CRPS, spread, spread/skill. */
static PetscErrorCode Score(MPI_Comm comm, const char truth[], PetscInt nf, const char *const files[], PetscReal st[][5])
{
  HcEval      ev;
  const char *label;

  PetscFunctionBeginUser;
  PetscCall(HcEvalCreate(comm, &ev));
  PetscCall(HcEvalSetTruthFile(ev, truth));
  PetscCall(HcEvalSetUp(ev));
  PetscCall(HcEvalAddForecastFiles(ev, nf, files));
  for (PetscInt l = 1; l <= NL; l++) {
    PetscCall(HcEvalGetStatistics(ev, 0, 0, l, &label, &st[l][0], &st[l][1], NULL, NULL));
    PetscCall(HcEvalGetEnsembleStatistics(ev, 0, 0, l, &st[l][2], &st[l][3], &st[l][4]));
    PetscCall(HcTestCheck(comm, (PetscBool)!strcmp(label, "forecast"), "table 0 is %s", label));
  }
  PetscCall(HcEvalView(ev, PETSC_VIEWER_STDOUT_(comm)));
  PetscCall(HcEvalDestroy(&ev));
  PetscFunctionReturn(0);
}

static PetscBool Close(PetscReal a, PetscReal b)
{
  return (PetscBool)(PetscAbsReal(a - b) <= 1e-12 * PetscMax(1, PetscAbsReal(b)));
}

/* Members at offsets l (1 + f) delta_i from the truth, in files f = 0, 1 from truth states 3 and 4. */
static PetscErrorCode TestOffsets(MPI_Comm comm)
{
  HcGrid    grid;
  Vec       b, y[NT], x[(NL + 1) * M];
  char      truth[PETSC_MAX_PATH_LEN], fc[2][PETSC_MAX_PATH_LEN], single[PETSC_MAX_PATH_LEN];
  PetscReal st[NL + 1][5];

  PetscFunctionBeginUser;
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, 10, 7, 1, PETSC_FALSE, PETSC_FALSE, &grid));
  PetscCall(HcTestSetIrregularMask(grid, 5, 0.2));
  PetscCall(HcGridCreateGlobalVector(grid, &b));
  for (PetscInt k = 0; k < NT; k++) { /* any truth: the scores depend on the offsets only */
    PetscCall(VecDuplicate(b, &y[k]));
    PetscCall(HcTestSmoothField(grid, 10 + k, y[k]));
    PetscCall(HcTestSetLand(grid, 0, y[k]));
  }
  for (PetscInt i = 0; i < (NL + 1) * M; i++) PetscCall(VecDuplicate(b, &x[i]));
  PetscCall(HcTestDataPath(comm, "ens-truth", truth, sizeof(truth)));
  PetscCall(WriteTruth(grid, truth, NT, y));
  for (PetscInt f = 0; f < 2; f++) {
    PetscCall(HcTestDataPath(comm, f ? "ens-fc1" : "ens-fc0", fc[f], sizeof(fc[f])));
    for (PetscInt l = 0; l <= NL; l++)
      for (PetscInt i = 0; i < M; i++) {
        PetscCall(VecCopy(y[3 + f + l], x[l * M + i]));
        PetscCall(VecShift(x[l * M + i], l * (1 + f) * delta[i]));
        PetscCall(HcTestSetLand(grid, 0, x[l * M + i]));
      }
    PetscCall(WriteForecast(grid, fc[f], 3 + f, M, x));
  }
  {
    const char *files[2] = {fc[0], fc[1]};

    PetscCall(Score(comm, truth, 2, files, st));
  }
  for (PetscInt l = 1; l <= NL; l++) {
    PetscReal crps = 0, mse = 0, bias = 0, var = 0, rmse, spread, ratio;

    for (PetscInt f = 0; f < 2; f++) {
      PetscReal d[M], mean = 0, c = 0, v = 0;

      for (PetscInt i = 0; i < M; i++) mean += (d[i] = l * (1 + f) * delta[i]) / M;
      for (PetscInt i = 0; i < M; i++) {
        c += PetscAbsReal(d[i]) / M;
        v += PetscSqr(d[i] - mean) / (M - 1);
        for (PetscInt j = 0; j < M; j++) c -= PetscAbsReal(d[i] - d[j]) / (2.0 * M * M);
      }
      crps += c / 2;
      mse += mean * mean / 2;
      bias += mean / 2;
      var += v / 2;
    }
    rmse   = PetscSqrtReal(mse);
    spread = PetscSqrtReal(var);
    ratio  = PetscSqrtReal((M + 1.0) / M) * spread / rmse;
    PetscCall(HcTestCheck(comm,
                          (PetscBool)(Close(st[l][0], rmse) && Close(st[l][1], bias) && Close(st[l][2], crps) &&
                                      Close(st[l][3], spread) && Close(st[l][4], ratio)),
                          "offsets, lead %" PetscInt_FMT
                          ": RMSE %.15g bias %.15g CRPS %.15g spread %.15g spread/skill %.15g (want "
                          "%.15g %.15g %.15g %.15g %.15g)",
                          l, (double)st[l][0], (double)st[l][1], (double)st[l][2], (double)st[l][3], (double)st[l][4],
                          (double)rmse, (double)bias, (double)crps, (double)spread, (double)ratio));
  }
  /* a single forecast at offset -2 l: its CRPS is its absolute error, it has no spread */
  for (PetscInt l = 0; l <= NL; l++) {
    PetscCall(VecCopy(y[3 + l], x[l]));
    PetscCall(VecShift(x[l], -2.0 * l));
    PetscCall(HcTestSetLand(grid, 0, x[l]));
  }
  PetscCall(HcTestDataPath(comm, "ens-single", single, sizeof(single)));
  PetscCall(WriteForecast(grid, single, 3, 0, x));
  {
    const char *files[1] = {single};

    PetscCall(Score(comm, truth, 1, files, st));
  }
  for (PetscInt l = 1; l <= NL; l++)
    PetscCall(HcTestCheck(
        comm,
        (PetscBool)(Close(st[l][2], 2.0 * l) && Close(st[l][0], 2.0 * l) && PetscIsNanReal(st[l][3]) && PetscIsNanReal(st[l][4])),
        "single forecast, lead %" PetscInt_FMT ": CRPS %.15g = |error| %g, spread %g and spread/skill %g undefined", l,
        (double)st[l][2], (double)(2.0 * l), (double)st[l][3], (double)st[l][4]));
  { /* an ensemble and a single forecast are not one table: refused */
    const char    *files[2] = {fc[0], single};
    HcEval         ev;
    PetscErrorCode ierr;

    PetscCall(HcEvalCreate(comm, &ev));
    PetscCall(HcEvalSetTruthFile(ev, truth));
    PetscCall(HcEvalSetUp(ev));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = HcEvalAddForecastFiles(ev, 2, files);
    PetscCall(PetscPopErrorHandler());
    PetscCall(HcEvalDestroy(&ev));
    PetscCall(HcTestCheck(comm, (PetscBool)(ierr == PETSC_ERR_ARG_INCOMP),
                          "an ensemble file and a single forecast together: refused (error %d)", (int)ierr));
  }
  for (PetscInt i = 0; i < (NL + 1) * M; i++) PetscCall(VecDestroy(&x[i]));
  for (PetscInt k = 0; k < NT; k++) PetscCall(VecDestroy(&y[k]));
  PetscCall(VecDestroy(&b));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

#define NF  4  /* files from truth states 3 .. 6 */
#define NTI 10 /* the truth's states */

/* Members and truth independent N(0,1) draws: a consistent ensemble. */
static PetscErrorCode TestConsistent(MPI_Comm comm)
{
  HcGrid    grid;
  Vec       y[NTI], x[(NL + 1) * M];
  char      truth[PETSC_MAX_PATH_LEN], fc[NF][PETSC_MAX_PATH_LEN];
  PetscReal st[NL + 1][5];
  PetscInt  n;

  PetscFunctionBeginUser;
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, 64, 48, 1, PETSC_FALSE, PETSC_FALSE, &grid));
  for (PetscInt k = 0; k < NTI; k++) {
    PetscCall(HcGridCreateGlobalVector(grid, &y[k]));
    PetscCall(Gaussian(grid, 1 + k, y[k]));
  }
  for (PetscInt i = 0; i < (NL + 1) * M; i++) PetscCall(VecDuplicate(y[0], &x[i]));
  PetscCall(HcTestDataPath(comm, "ens-iid-truth", truth, sizeof(truth)));
  PetscCall(WriteTruth(grid, truth, NTI, y));
  for (PetscInt f = 0; f < NF; f++) {
    char name[32];

    PetscCall(PetscSNPrintf(name, sizeof(name), "ens-iid-fc%d", (int)f));
    PetscCall(HcTestDataPath(comm, name, fc[f], sizeof(fc[f])));
    for (PetscInt l = 0; l <= NL; l++)
      for (PetscInt i = 0; i < M; i++) PetscCall(Gaussian(grid, 1000 + 100 * f + 10 * l + i, x[l * M + i]));
    PetscCall(WriteForecast(grid, fc[f], 3 + f, M, x));
  }
  {
    const char *files[NF];

    for (PetscInt f = 0; f < NF; f++) files[f] = fc[f];
    PetscCall(Score(comm, truth, NF, files, st));
  }
  n = 64 * 48 * NF;
  for (PetscInt l = 1; l <= NL; l++) {
    /* E[CRPS estimate] = E|X - y| - (m - 1)/(2 m) E|X - X'| with E|X - y| = E|X - X'| = 2/sqrt(pi) */
    const PetscReal crps = (M + 1.0) / (M * PetscSqrtReal(PETSC_PI));

    /* standard errors about 1% (n = 12288 cell forecasts per lead): 5% is 4 or more of them, and without the factor
       (m + 1)/m, or with the biased variance, spread/skill would be 0.87 or 0.71 */
    PetscCall(HcTestCheck(comm, (PetscBool)(PetscAbsReal(st[l][4] - 1) < 0.05 && PetscAbsReal(st[l][2] / crps - 1) < 0.03),
                          "consistent ensemble, lead %" PetscInt_FMT " (%" PetscInt_FMT
                          " cell forecasts): spread/skill %.4f (want 1), "
                          "CRPS %.4f (want %.4f), spread %.4f",
                          l, n, (double)st[l][4], (double)st[l][2], (double)crps, (double)st[l][3]));
  }
  for (PetscInt i = 0; i < (NL + 1) * M; i++) PetscCall(VecDestroy(&x[i]));
  for (PetscInt k = 0; k < NTI; k++) PetscCall(VecDestroy(&y[k]));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsInsertString(NULL, "-data_vars a"));
  PetscCall(TestOffsets(PETSC_COMM_WORLD));
  PetscCall(TestConsistent(PETSC_COMM_WORLD));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
