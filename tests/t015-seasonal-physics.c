static const char help[] =
    "The seasonal restoring term in time (a model with that term alone, RK4 steps aligned with the phase boundaries,\n"
    "a year of monthly phases, a land mask):\n"
    "  1. without relaxation (r = 1e-30), u0 = c(t0) follows c(t) to round-off at every observation inside a phase, and\n"
    "     on a boundary it is off by exactly dt/12 times the jump of dc/dt there (RK4 with the boundary slope the mean of\n"
    "     the two sides; the next step takes it back); one year later it is back on c(t0);\n"
    "  2. with r = 1/(90 days), it still follows c(t) closely (to O(r dt^2) of the slope jumps);\n"
    "  3. u0 = c(t0) + d relaxes as d exp(-r t): the difference of the two runs is exactly R(-r dt)^n d (R: RK4's\n"
    "     amplification factor) and exp(-r t) d to RK4 accuracy;\n"
    "  4. the adjoint gradient of a loss through TS (advdiff + seasonal) against central finite differences, for the\n"
    "     rates and cycle values of the phases the window crosses, and against rank 0 alone.\n";

#include "testutil.h"

#define NYEAR 24 /* observations per year: every half phase */

static const PetscReal Y = 3.15576e7, T0 = 4.2e6; /* period and origin of the cycle (s) */

/* A grid with land and a seasonal term with a smooth cycle: c_k = 12 + 6 sin(2 pi k / 12 + phi(cell)) + noise. */
static PetscErrorCode Build(MPI_Comm comm, PetscReal rate, PetscBool withadvdiff, HcGrid *grid, HcModel *model, HcTerm *season)
{
  HcTerm           t;
  PetscInt         np, nx, ny, nc = 2;
  PetscReal       *th;
  const PetscReal *theta;

  PetscFunctionBeginUser;
  PetscCall(HcTestCreateGrid(comm, HC_GRID_LATLON, 11, 9, nc, PETSC_FALSE, PETSC_FALSE, grid));
  PetscCall(HcTestSetIrregularMask(*grid, 3, 0.15));
  PetscCall(HcGridGetSizes(*grid, &nx, &ny));
  PetscCall(HcModelCreate(*grid, model));
  if (withadvdiff) {
    const PetscReal K[2] = {3e4, 3e4}; /* one per field */

    PetscCall(HcTermCreate(*grid, &t));
    PetscCall(HcTermSetType(t, HCTERMADVDIFF));
    PetscCall(HcTermAdvDiffSetDiffusivity(t, K));
    PetscCall(HcTermAdvDiffSetVelocity(t, 0.1, -0.05));
    PetscCall(HcModelAddTerm(*model, t));
    PetscCall(HcTermDestroy(&t));
  }
  PetscCall(HcTermCreate(*grid, season));
  PetscCall(HcTermSetType(*season, HCTERMSEASONAL));
  PetscCall(HcTermSeasonalSetPhases(*season, 12, Y, T0));
  PetscCall(HcTermSeasonalSetRate(*season, 1, &rate));
  PetscCall(HcModelAddTerm(*model, *season));
  PetscCall(HcModelSetUp(*model));
  PetscCall(HcTermGetNumParameters(*season, &np));
  PetscCall(HcTermGetParameters(*season, &theta));
  PetscCall(PetscMalloc1(np, &th));
  PetscCall(PetscArraycpy(th, theta, nc));
  for (PetscInt k = 0; k < 12; k++)
    for (PetscInt f = 0; f < nc; f++)
      for (PetscInt cell = 0; cell < nx * ny; cell++)
        th[nc + (k * nc + f) * nx * ny + cell] =
            12 + 6 * PetscSinReal(2 * PETSC_PI * k / 12 + 3 * HcTestHash(5, cell, f, 0)) + 0.5 * HcTestHash(6, cell, f, k);
  PetscCall(HcTermSetParameters(*season, th));
  PetscCall(PetscFree(th));
  PetscCall(HcTermDestroy(season)); /* the model keeps it */
  PetscCall(HcModelGetTermByIndex(*model, withadvdiff ? 1 : 0, season));
  PetscFunctionReturn(0);
}

/* max over active cells of |a| */
static PetscErrorCode MaxActive(HcGrid grid, Vec a, PetscReal *m)
{
  Vec x;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(a, &x));
  PetscCall(VecCopy(a, x));
  PetscCall(HcTestMaskField(grid, x));
  PetscCall(VecNorm(x, NORM_INFINITY, m));
  PetscCall(VecDestroy(&x));
  PetscFunctionReturn(0);
}

static PetscErrorCode Follow(MPI_Comm comm, PetscReal rate, PetscBool exact)
{
  HcGrid    grid;
  HcModel   model;
  HcTerm    season;
  Vec       u, c, dl, dr, e, *states;
  PetscReal times[NYEAR + 1], ph = Y / 12, dt = ph / 8, cmax, worstmid = 0, worstb = 0, jmax = 0;
  PetscInt  nsub;

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "%s: r = %g per s, a year of %d observations every half phase, RK4 steps of %g s\n",
                        exact ? "follow without relaxation" : "follow with relaxation", (double)rate, NYEAR, (double)dt));
  PetscCall(Build(comm, rate, PETSC_FALSE, &grid, &model, &season));
  PetscCall(HcModelSetTimeStep(model, dt));
  PetscCall(HcModelSetObservationInterval(model, ph / 2));
  PetscCall(HcModelGetTimeStep(model, NULL, &nsub));
  PetscCheck(nsub == 4, comm, PETSC_ERR_PLIB, "expected 4 steps per half phase, got %" PetscInt_FMT, nsub);
  /* start in the middle of phase interval 3 */
  for (PetscInt k = 0; k <= NYEAR; k++) times[k] = T0 + 5 * Y + 3.5 * ph + k * ph / 2;
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &c));
  PetscCall(VecDuplicate(u, &dl));
  PetscCall(VecDuplicate(u, &dr));
  PetscCall(VecDuplicate(u, &e));
  PetscCall(VecDuplicateVecs(u, NYEAR, &states));
  PetscCall(HcTermSeasonalEvaluateCycle(season, times[0], u, NULL));
  PetscCall(MaxActive(grid, u, &cmax));
  PetscCall(HcModelSolve(model, NYEAR, times, u, states));
  for (PetscInt k = 1; k <= NYEAR; k++) {
    PetscReal err;

    PetscCall(HcTermSeasonalEvaluateCycle(season, times[k], c, NULL));
    PetscCall(VecWAXPY(e, -1, c, states[k - 1]));
    if (k % 2 == 0) { /* inside a phase */
      PetscCall(MaxActive(grid, e, &err));
      worstmid = PetscMax(worstmid, err);
    } else { /* on a boundary: predicted error dt/12 (slope after - slope before) */
      PetscReal jn;

      PetscCall(HcTermSeasonalEvaluateCycle(season, times[k] - ph / 4, NULL, dl));
      PetscCall(HcTermSeasonalEvaluateCycle(season, times[k] + ph / 4, NULL, dr));
      PetscCall(VecAXPY(dr, -1, dl));
      PetscCall(MaxActive(grid, dr, &jn));
      jmax = PetscMax(jmax, jn);
      PetscCall(VecAXPY(e, -dt / 12, dr));
      PetscCall(MaxActive(grid, e, &err));
      worstb = PetscMax(worstb, err);
    }
  }
  PetscCall(
      PetscPrintf(comm, "  max |c| %.3f, max jump of dc/dt x dt %.3e; worst |u - c| inside phases %.3e, on boundaries %s%.3e\n",
                  (double)cmax, (double)(jmax * dt), (double)worstmid, "(after the predicted dt/12 jump) ", (double)worstb));
  if (exact) {
    PetscCall(HcTestCheck(comm, worstmid <= 1e-12 * cmax, "inside the phases u = c(t) to round-off (%.1e of max |c|)",
                          (double)(worstmid / cmax)));
    PetscCall(HcTestCheck(comm, worstb <= 1e-12 * cmax && jmax * dt > 1e-3 * cmax,
                          "on the boundaries u - c(t) = dt/12 (jump of dc/dt) to round-off (%.1e of max |c|)",
                          (double)(worstb / cmax)));
  } else {
    /* relaxation perturbs the cancellation of the boundary errors at O((r dt)^2) */
    const PetscReal bound = (rate * dt) * (rate * dt) * dt * jmax / 12;

    PetscCall(HcTestCheck(comm, worstmid <= bound && worstb <= bound,
                          "u follows c(t) (the boundaries after their dt/12 jump) to %.2e, %.2e <= (r dt)^2 dt jump / 12 = %.2e",
                          (double)worstmid, (double)worstb, (double)bound));
  }
  PetscCall(VecDestroyVecs(NYEAR, &states));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&c));
  PetscCall(VecDestroy(&dl));
  PetscCall(VecDestroy(&dr));
  PetscCall(VecDestroy(&e));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

static PetscErrorCode Relax(MPI_Comm comm)
{
  const PetscReal rate = 1 / (90 * 86400.0), ph = Y / 12, dt = ph / 8;
  HcGrid          grid;
  HcModel         model;
  HcTerm          season;
  Vec             u, ud, d, x, *s0, *s1;
  PetscReal       times[NYEAR + 1], worstR = 0, worstE = 0, dmax, rkmax = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "relaxation: u0 = c(t0) + d, r = %g per s (1/r = 90 days), dt = %g s\n", (double)rate, (double)dt));
  PetscCall(Build(comm, rate, PETSC_FALSE, &grid, &model, &season));
  PetscCall(HcModelSetTimeStep(model, dt));
  for (PetscInt k = 0; k <= NYEAR; k++) times[k] = T0 - 3 * Y + 10.5 * ph + k * ph / 2; /* across the wrap */
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &ud));
  PetscCall(VecDuplicate(u, &d));
  PetscCall(VecDuplicate(u, &x));
  PetscCall(VecDuplicateVecs(u, NYEAR, &s0));
  PetscCall(VecDuplicateVecs(u, NYEAR, &s1));
  PetscCall(HcTestRandomField(grid, 77, 3, d));
  PetscCall(HcTestMaskField(grid, d));
  PetscCall(MaxActive(grid, d, &dmax));
  PetscCall(HcTermSeasonalEvaluateCycle(season, times[0], u, NULL));
  PetscCall(VecWAXPY(ud, 1, d, u));
  PetscCall(HcModelSolve(model, NYEAR, times, u, s0));
  PetscCall(HcModelSolve(model, NYEAR, times, ud, s1));
  for (PetscInt k = 1; k <= NYEAR; k++) {
    const PetscReal z = -rate * dt, R = 1 + z + z * z / 2 + z * z * z / 6 + z * z * z * z / 24;
    const PetscInt  n  = 4 * k;
    const PetscReal tk = times[k] - times[0];
    PetscReal       err;

    PetscCall(VecWAXPY(x, -1, s0[k - 1], s1[k - 1]));
    PetscCall(VecAXPY(x, -PetscPowReal(R, (PetscReal)n), d));
    PetscCall(MaxActive(grid, x, &err));
    worstR = PetscMax(worstR, err);
    PetscCall(VecWAXPY(x, -1, s0[k - 1], s1[k - 1]));
    PetscCall(VecAXPY(x, -PetscExpReal(-rate * tk), d));
    PetscCall(MaxActive(grid, x, &err));
    worstE = PetscMax(worstE, err);
    rkmax  = PetscMax(rkmax, PetscAbsReal(PetscPowReal(R, (PetscReal)n) - PetscExpReal(-rate * tk)));
  }
  PetscCall(PetscPrintf(comm, "  after a year d has decayed to exp(-r t) = %.4f of its size\n",
                        (double)PetscExpReal(-rate * (times[NYEAR] - times[0]))));
  PetscCall(HcTestCheck(comm, worstR <= 1e-12 * dmax, "u(d) - u(0) = R(-r dt)^n d to round-off (%.1e of max |d|)",
                        (double)(worstR / dmax)));
  PetscCall(HcTestCheck(comm, worstE <= 1e-6 * dmax && worstE <= 1.01 * rkmax * dmax + 1e-13 * dmax,
                        "u(d) - u(0) = exp(-r t) d to RK4 accuracy: %.1e of max |d| (|R^n - exp(-r t)| <= %.1e)",
                        (double)(worstE / dmax), (double)rkmax));
  PetscCall(VecDestroyVecs(NYEAR, &s0));
  PetscCall(VecDestroyVecs(NYEAR, &s1));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&ud));
  PetscCall(VecDestroy(&d));
  PetscCall(VecDestroy(&x));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

/* The loss of a forecast over the window at parameters p. */
static PetscErrorCode LossAt(HcModel model, Vec p, Vec u0, HcTestMisfit *mf, PetscInt nobs, PetscReal *L)
{
  Vec       u, *states;
  PetscReal Lk;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(u0, &u));
  PetscCall(VecCopy(u0, u));
  PetscCall(VecDuplicateVecs(u0, nobs, &states));
  PetscCall(HcModelSetParameters(model, p));
  PetscCall(HcModelSolve(model, nobs, mf->times, u, states));
  *L = 0;
  for (PetscInt k = 1; k <= nobs; k++) {
    PetscCall(HcTestMisfitFn(model, k, mf->times[k], states[k - 1], &Lk, u, NULL, mf));
    *L += Lk;
  }
  PetscCall(VecDestroyVecs(nobs, &states));
  PetscCall(VecDestroy(&u));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscReal   loss, *g;
  PetscInt    np;
  PetscInt    pick[8];
  PetscReal   fd[8];
  const char *names[8];
} AdjResult;

/* Adjoint gradient of a 3-observation loss across the phase boundary 11 -> 0 (advdiff + seasonal); with check, finite
   differences for the rates and for cycle values of phases 10, 11, 0 and 1 at active cells. */
static PetscErrorCode Adjoint(MPI_Comm comm, PetscBool check, AdjResult *res)
{
  const PetscReal rate = 1 / (30 * 86400.0), ph = Y / 12;
  const PetscInt  nobs = 3;
  HcGrid          grid;
  HcModel         model;
  HcTerm          season;
  HcTestMisfit    mf;
  Vec             u0, p, gp, q;
  PetscReal       dt;
  PetscInt        nact, off, nb, nx, ny;
  PetscMPIInt     rank;
  PetscReal      *mk = NULL;
  Vec             maskv;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(Build(comm, rate, PETSC_TRUE, &grid, &model, &season));
  PetscCall(HcGridGetSizes(grid, &nx, &ny));
  PetscCall(HcModelSetObservationInterval(model, ph / 2));
  PetscCall(HcModelGetTimeStep(model, &dt, NULL));
  PetscCall(HcModelSetTimeStep(model, dt)); /* finite differences must not change the number of steps */
  PetscCall(HcGridCreateGlobalVector(grid, &u0));
  mf.grid = grid;
  PetscCall(HcGridGetActiveCount(grid, &nact));
  mf.scale = 1.0 / (2 * nact);
  for (PetscInt k = 0; k <= nobs; k++) mf.times[k] = T0 + 2 * Y + 10.7 * ph + k * ph / 2;
  PetscCall(HcTermSeasonalEvaluateCycle(season, mf.times[0], u0, NULL));
  for (PetscInt k = 0; k < nobs; k++) {
    PetscCall(VecDuplicate(u0, &mf.target[k]));
    PetscCall(HcTestSmoothField(grid, 60 + k, mf.target[k]));
    PetscCall(VecScale(mf.target[k], 3));
    PetscCall(VecShift(mf.target[k], 12));
  }
  PetscCall(HcModelCreateParameterVector(model, &p));
  PetscCall(VecDuplicate(p, &gp));
  PetscCall(VecDuplicate(p, &q));
  PetscCall(HcModelGetParameters(model, p));
  PetscCall(HcModelComputeGradient(model, nobs, mf.times, u0, HcTestMisfitFn, &mf, &res->loss, gp, NULL));
  PetscCall(HcModelGetNumParameters(model, &res->np));
  PetscCall(PetscMalloc1(res->np, &res->g));
  {
    const PetscScalar *a;

    PetscCall(VecGetArrayRead(gp, &a));
    if (!rank)
      for (PetscInt k = 0; k < res->np; k++) res->g[k] = PetscRealPart(a[k]);
    PetscCall(VecRestoreArrayRead(gp, &a));
  }
  if (check) {
    PetscInt  cells[2] = {-1, -1}, npick = 0;
    PetscReal worst = 0;

    PetscCall(HcModelGetParameterBlock(model, "seasonal", &off, &nb));
    PetscCall(HcGridGetMask(grid, &maskv));
    PetscCall(HcTestGatherNatural(grid, maskv, &mk));
    if (!rank) { /* two active cells */
      for (PetscInt cell = nx * ny / 3, n = 0; cell < nx * ny && n < 2; cell += 7)
        if (mk[cell] != 0) cells[n++] = cell;
    }
    PetscCallMPI(MPI_Bcast(cells, 2, MPIU_INT, 0, comm));
    res->pick[npick++] = off;     /* log_rate_a */
    res->pick[npick++] = off + 1; /* log_rate_b */
    {
      const PetscInt phases[4] = {10, 11, 0, 1};

      for (PetscInt q4 = 0; q4 < 4; q4++) res->pick[npick++] = off + 2 + (phases[q4] * 2 + q4 % 2) * nx * ny + cells[q4 / 2];
    }
    res->pick[npick++] = off + 2 + (5 * 2 + 0) * nx * ny + cells[0]; /* phase 5: not in the window, gradient 0 */
    for (PetscInt j = 0; j < npick; j++) {
      const PetscReal h = j < 2 ? 1e-4 : 1e-2;
      PetscReal       Lp, Lm, g, fd, rel;
      PetscScalar     e;

      PetscCall(VecCopy(p, q));
      if (!rank) PetscCall(VecSetValue(q, res->pick[j], h, ADD_VALUES)); /* once, not once per rank */
      PetscCall(VecAssemblyBegin(q));
      PetscCall(VecAssemblyEnd(q));
      PetscCall(LossAt(model, q, u0, &mf, nobs, &Lp));
      if (!rank) PetscCall(VecSetValue(q, res->pick[j], -2 * h, ADD_VALUES));
      PetscCall(VecAssemblyBegin(q));
      PetscCall(VecAssemblyEnd(q));
      PetscCall(LossAt(model, q, u0, &mf, nobs, &Lm));
      PetscCall(HcModelSetParameters(model, p));
      fd = (Lp - Lm) / (2 * h);
      PetscCall(VecSet(q, 0));
      PetscCall(VecSetValue(q, res->pick[j], 1, INSERT_VALUES));
      PetscCall(VecAssemblyBegin(q));
      PetscCall(VecAssemblyEnd(q));
      PetscCall(VecDot(gp, q, &e));
      g   = PetscRealPart(e);
      rel = j == npick - 1 ? PetscAbsReal(g) + PetscAbsReal(fd) : PetscAbsReal(g - fd) / PetscMax(PetscAbsReal(fd), 1e-300);
      if (j < npick - 1) worst = PetscMax(worst, rel);
      {
        const char *name;
        HcTerm      t = season;

        PetscCall(HcTermGetParameterName(t, res->pick[j] - off, &name));
        PetscCall(HcTestCheck(
            comm, j == npick - 1 ? (PetscBool)(g == 0 && PetscAbsReal(fd) < 1e-14) : (PetscBool)(rel < 1e-6 && fd != 0),
            "dL/d%-22s adjoint % .10e  central FD % .10e%s", name, (double)g, (double)fd,
            j == npick - 1 ? "  (a phase outside the window)" : ""));
      }
    }
    PetscCall(PetscFree(mk));
  }
  for (PetscInt k = 0; k < nobs; k++) PetscCall(VecDestroy(&mf.target[k]));
  PetscCall(VecDestroy(&u0));
  PetscCall(VecDestroy(&p));
  PetscCall(VecDestroy(&gp));
  PetscCall(VecDestroy(&q));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm    comm;
  PetscMPIInt rank;
  AdjResult   all = {0}, one = {0};
  int         status, ok     = 1;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(Follow(comm, 1e-30, PETSC_TRUE));
  PetscCall(Follow(comm, 1 / (90 * 86400.0), PETSC_FALSE));
  PetscCall(Relax(comm));
  PetscCall(PetscPrintf(comm, "adjoint through TS: advdiff + seasonal, 3 observations across the boundary 11 -> 0\n"));
  PetscCall(Adjoint(comm, PETSC_TRUE, &all));
  if (!rank) {
    PetscReal dl, dg;

    PetscCall(Adjoint(PETSC_COMM_SELF, PETSC_FALSE, &one));
    dl = PetscAbsReal(all.loss - one.loss) / PetscAbsReal(one.loss);
    dg = HcTestRelDiff(all.np, all.g, one.g);
    ok = dl <= 1e-12 && dg <= 1e-12;
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  against rank 0 alone: loss rel diff %.1e, gradient rel diff %.1e\n", (double)dl,
                          (double)dg));
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, comm));
  PetscCall(HcTestCheck(comm, (PetscBool)ok, "loss and gradient agree with rank 0 alone to 1e-12"));
  PetscCall(PetscFree(all.g));
  PetscCall(PetscFree(one.g));
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
