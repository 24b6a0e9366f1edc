static const char help[] =
    "The whole hybrid model (advdiff + mlp + fno shared, one environment's own term) inside TS: adjoint gradient of a\n"
    "multi-observation loss with respect to entries of every parameter block and to the initial state, against\n"
    "fourth-order central finite differences; the same loss and gradients computed by rank 0 alone (PETSC_COMM_SELF)\n"
    "agree with the all-ranks result.  Architecture from the options (-model_terms, -model_envs, -model_env_terms,\n"
    "...); physics coefficients and output scales are set per grid by the test.  The adjoint's stage cache\n"
    "(-model_adjoint_cache MB) must give the gradients of a run that recomputes every linearisation (cache 0), and\n"
    "-test_cache all|some|none says how many of the adjoint's linearisations it must have restored.\n";

#include "testutil.h"

#define NOBS 2

typedef struct {
  PetscReal *gu0, *gp, loss;
  PetscInt   n, np;
} Result;

/* Per-grid fixture: observation interval, physics, and learned tendencies scaled per observation interval so that every
   term changes the state by O(0.1) over one interval. */
typedef struct {
  HcGridType type;
  PetscBool  periodic;
  PetscReal  tobs, K[2], v[2];
} Case;

static PetscErrorCode BuildModel(MPI_Comm comm, const Case *cs, HcGrid *grid, HcModel *model)
{
  PetscInt nterms;
  HcTerm   t;

  PetscFunctionBeginUser;
  PetscCall(HcTestCreateGrid(comm, cs->type, 18, 13, 2, cs->periodic, PETSC_FALSE, grid));
  PetscCall(HcTestSetIrregularMask(*grid, 23, 0.12));
  PetscCall(HcModelCreate(*grid, model));
  PetscCall(HcModelSetObservationInterval(*model, cs->tobs));
  PetscCall(HcModelSetFromOptions(*model));
  PetscCall(HcModelGetNumTerms(*model, &nterms));
  for (PetscInt k = 0; k < nterms; k++) {
    HcTermType type;
    PetscBool  isphys, ismlp, isfno, ismean;

    PetscCall(HcModelGetTermByIndex(*model, k, &t));
    PetscCall(HcTermGetType(t, &type));
    PetscCall(PetscStrcmp(type, HCTERMADVDIFF, &isphys));
    PetscCall(PetscStrcmp(type, HCTERMMLP, &ismlp));
    PetscCall(PetscStrcmp(type, HCTERMFNO, &isfno));
    PetscCall(PetscStrcmp(type, HCTERMMEANMLP, &ismean));
    if (isphys) {
      PetscCall(HcTermAdvDiffSetDiffusivity(t, cs->K));
      PetscCall(HcTermAdvDiffSetVelocity(t, cs->v[0], cs->v[1]));
    }
    if (ismlp) PetscCall(HcTermMLPSetOutputScale(t, 1 / cs->tobs));
    if (isfno) PetscCall(HcTermFNOSetOutputScale(t, 1 / cs->tobs));
    if (ismean) { /* the reference cycle's 4 phases span the window, so that each enters */
      PetscCall(HcTermMeanMLPSetScales(t, 1, 1 / cs->tobs));
      PetscCall(HcTermMeanMLPSetPhases(t, 4, NOBS * cs->tobs, 0.1 * cs->tobs));
    }
  }
  PetscCall(HcModelSetUp(*model));
  PetscCall(HcModelSetEnvironment(*model, 0)); /* shared terms plus environment 0's own */
  PetscFunctionReturn(0);
}

/* The loss at parameters p + s e_k (k >= 0) or at the initial state u0 + s d (k < 0), from a forecast (no adjoint). */
static PetscErrorCode LossAt(HcModel model, Vec p, Vec u0, PetscInt k, Vec d, PetscReal s, HcTestMisfit *mf, PetscReal *L)
{
  Vec       q, u, *states;
  PetscReal Lk;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(p, &q));
  PetscCall(VecDuplicate(u0, &u));
  PetscCall(VecDuplicateVecs(u0, NOBS, &states));
  PetscCall(VecCopy(p, q));
  PetscCall(VecCopy(u0, u));
  if (k >= 0)
    PetscCall(VecAXPY(q, s, d));
  else
    PetscCall(VecAXPY(u, s, d));
  PetscCall(HcModelSetParameters(model, q));
  PetscCall(HcModelSolve(model, NOBS, mf->times, u, states));
  *L = 0;
  for (PetscInt j = 1; j <= NOBS; j++) {
    PetscCall(HcTestMisfitFn(model, j, mf->times[j], states[j - 1], &Lk, u, NULL, mf));
    *L += Lk;
  }
  PetscCall(HcModelSetParameters(model, p));
  PetscCall(VecDestroy(&q));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroyVecs(NOBS, &states));
  PetscFunctionReturn(0);
}

/* Fourth-order central difference of the loss along d (some derivatives are 1e-5 of an O(1) loss). */
static PetscErrorCode CheckFD(HcModel model, Vec p, Vec u0, PetscInt k, Vec d, PetscReal h, HcTestMisfit *mf, PetscReal g,
                              const char what[], PetscReal *worst)
{
  PetscReal fd = 0, Lp, Lm, rel;

  PetscFunctionBeginUser;
  for (PetscInt j = 1; j <= 2; j++) {
    PetscCall(LossAt(model, p, u0, k, d, j * h, mf, &Lp));
    PetscCall(LossAt(model, p, u0, k, d, -j * h, mf, &Lm));
    fd += (j == 1 ? 8 : -1) * (Lp - Lm) / (12 * h);
  }
  rel    = PetscAbsReal(g - fd) / PetscMax(PetscAbsReal(fd), 1e-300);
  *worst = PetscMax(*worst, rel);
  /* fd != 0: a parameter the model does not see (a term left out) would pass vacuously */
  PetscCall(HcTestCheck(PETSC_COMM_WORLD, rel < 1e-6 && fd != 0, "dL/d%-30s adjoint % .10e  central FD % .10e  rel %.1e", what,
                        (double)g, (double)fd, (double)rel));
  PetscFunctionReturn(0);
}

/* Every term's share of the tendency at u0, tobs * |F_term(u0)| / |u0|: each must shape the trajectory. */
static PetscErrorCode CheckTermsMatter(HcModel model, const Case *cs, Vec u0)
{
  PetscInt    nterms;
  PetscReal   nu, nf;
  Vec         f;
  HcTerm      t;
  const char *name;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(u0, &f));
  PetscCall(VecNorm(u0, NORM_2, &nu));
  PetscCall(HcModelGetNumTerms(model, &nterms));
  for (PetscInt k = 0; k < nterms; k++) {
    PetscCall(HcModelGetTermByIndex(model, k, &t));
    PetscCall(HcTermGetName(t, &name));
    PetscCall(HcTermApply(t, 0, u0, f));
    PetscCall(VecNorm(f, NORM_2, &nf));
    PetscCall(HcTestCheck(PETSC_COMM_WORLD, cs->tobs * nf >= 0.02 * nu, "term %-10s tobs |F(u0)| / |u0| = %.3f (>= 0.02)", name,
                          (double)(cs->tobs * nf / nu)));
  }
  PetscCall(VecDestroy(&f));
  PetscFunctionReturn(0);
}

/* Loss and gradients on comm (gathered on its rank 0); with check, also the finite-difference checks. */
static PetscErrorCode Run(MPI_Comm comm, const Case *cs, PetscBool check, Result *res, PetscReal *worst)
{
  HcGrid             grid;
  HcModel            model;
  HcTestMisfit       mf;
  Vec                u0, d, gu0, p, gp, e;
  PetscReal          dt;
  PetscInt           nact, nc, nterms, nsub;
  PetscMPIInt        rank;
  const PetscScalar *a;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(BuildModel(comm, cs, &grid, &model));
  PetscCall(HcModelGetTimeStep(model, &dt, NULL));
  PetscCall(HcModelSetTimeStep(model, dt)); /* finite differences must not change the number of steps */

  PetscCall(HcGridCreateGlobalVector(grid, &u0));
  PetscCall(VecDuplicate(u0, &d));
  PetscCall(VecDuplicate(u0, &gu0));
  PetscCall(HcTestSmoothField(grid, 51, u0));
  PetscCall(HcTestRandomField(grid, 53, 0.3, d)); /* energy in the higher modes too */
  PetscCall(VecAXPY(u0, 1, d));
  PetscCall(HcTestMaskField(grid, u0));
  PetscCall(HcTestRandomField(grid, 52, 1, d));
  mf.grid = grid;
  PetscCall(HcGridGetActiveCount(grid, &nact));
  PetscCall(HcGridGetNumFields(grid, &nc));
  mf.scale = 1.0 / (nact * nc);
  for (int k = 0; k <= NOBS; k++) mf.times[k] = k * cs->tobs;
  for (int k = 0; k < NOBS; k++) {
    PetscCall(VecDuplicate(u0, &mf.target[k]));
    PetscCall(HcTestSmoothField(grid, 60 + k, mf.target[k]));
  }
  PetscCall(HcModelCreateParameterVector(model, &p));
  PetscCall(VecDuplicate(p, &gp));
  PetscCall(VecDuplicate(p, &e));
  PetscCall(HcModelGetParameters(model, p));
  PetscCall(HcModelComputeGradient(model, NOBS, mf.times, u0, HcTestMisfitFn, &mf, &res->loss, gp, gu0));
  PetscCall(HcModelGetTimeStep(model, &dt, &nsub));
  PetscCall(HcModelGetNumParameters(model, &res->np));
  PetscCall(PetscPrintf(comm,
                        "  loss %.10e over %d observations of %" PetscInt_FMT " steps (dt %.4g), %" PetscInt_FMT " parameters\n",
                        (double)res->loss, NOBS, nsub, (double)dt, res->np));

  if (check) {
    PetscCall(CheckTermsMatter(model, cs, u0));
    PetscCall(HcModelGetNumTerms(model, &nterms));
    for (PetscInt b = 0; b < nterms; b++) {
      HcTerm      t;
      const char *bname, *pname;
      PetscInt    off, n;

      PetscCall(HcModelGetTermByIndex(model, b, &t));
      PetscCall(HcTermGetName(t, &bname));
      PetscCall(HcModelGetParameterBlock(model, bname, &off, &n));
      PetscCheck(n >= 2, comm, PETSC_ERR_PLIB, "parameter block %s has only %" PetscInt_FMT " entries", bname, n);
      /* the first, a middle, a pseudo-random and the last entry of the block */
      const PetscInt picks[4] = {0, n / 2, PetscMin((PetscInt)((0.5 + 0.5 * HcTestHash(7, b, 0, 0)) * n), n - 1), n - 1};

      for (PetscInt q = 0; q < 4; q++) {
        const PetscInt i = picks[q];
        PetscReal      g, th;
        char           what[64];

        if ((q == 2 && (i == picks[0] || i == picks[1])) || (q == 3 && (i == picks[1] || i == picks[2]))) continue;

        PetscCall(VecSet(e, 0));
        PetscCall(VecSetValue(e, off + i, 1, INSERT_VALUES));
        PetscCall(VecAssemblyBegin(e));
        PetscCall(VecAssemblyEnd(e));
        PetscCall(VecDot(gp, e, &g));
        PetscCall(VecDot(p, e, &th));
        PetscCall(HcTermGetParameterName(t, i, &pname));
        PetscCall(PetscSNPrintf(what, sizeof(what), "%s.%s", bname, pname));
        PetscCall(CheckFD(model, p, u0, off + i, e, 1e-3 * PetscMax(1, PetscAbsReal(th)), &mf, g, what, worst));
      }
    }
    {
      PetscReal g;

      PetscCall(VecDot(gu0, d, &g));
      PetscCall(CheckFD(model, p, u0, -1, d, 1e-3, &mf, g, "u0 . d", worst));
    }
  }

  if (check) { /* the stage cache against recomputing every linearisation */
    PetscInt  look, hits, look0, hits0;
    PetscReal dp, dg, np, ng;
    PetscBool ok;
    char      want[8] = "all";
    Vec       gp0, gu00;

    PetscCall(PetscOptionsGetString(NULL, NULL, "-test_cache", want, sizeof(want), NULL));
    PetscCall(HcModelGetAdjointCacheStats(model, &look, &hits));
    PetscCall(VecDuplicate(gp, &gp0));
    PetscCall(VecDuplicate(gu0, &gu00));
    PetscCall(HcModelSetAdjointCache(model, 0));
    PetscCall(HcModelComputeGradient(model, NOBS, mf.times, u0, HcTestMisfitFn, &mf, NULL, gp0, gu00));
    PetscCall(HcModelGetAdjointCacheStats(model, &look0, &hits0));
    PetscCall(VecNorm(gp0, NORM_INFINITY, &np));
    PetscCall(VecNorm(gu00, NORM_INFINITY, &ng));
    PetscCall(VecAXPY(gp0, -1, gp));
    PetscCall(VecAXPY(gu00, -1, gu0));
    PetscCall(VecNorm(gp0, NORM_INFINITY, &dp));
    PetscCall(VecNorm(gu00, NORM_INFINITY, &dg));
    PetscCall(VecDestroy(&gp0));
    PetscCall(VecDestroy(&gu00));
    PetscCall(HcTestCheck(PETSC_COMM_WORLD, dp <= 1e-13 * np && dg <= 1e-13 * ng,
                          "stage cache: gradients equal those recomputing every linearisation (max diff %.1e, %.1e relative)",
                          (double)(dp / np), (double)(dg / ng)));
    PetscCall(PetscStrcmp(want, "all", &ok));
    if (ok)
      ok = hits == look && look > 0 ? PETSC_TRUE : PETSC_FALSE;
    else {
      PetscCall(PetscStrcmp(want, "some", &ok));
      if (ok)
        ok = hits > 0 && hits < look ? PETSC_TRUE : PETSC_FALSE;
      else
        ok = hits == 0 ? PETSC_TRUE : PETSC_FALSE;
    }
    PetscCall(HcTestCheck(PETSC_COMM_WORLD, ok && look0 == look && hits0 == hits,
                          "stage cache: %" PetscInt_FMT " of %" PetscInt_FMT
                          " linearisations restored (expected: %s); none with cache 0",
                          hits, look, want));
  }
  PetscCall(HcTestGatherNatural(grid, gu0, &res->gu0));
  PetscCall(VecGetSize(u0, &res->n));
  PetscCall(PetscMalloc1(res->np, &res->gp));
  PetscCall(VecGetArrayRead(gp, &a));
  if (!rank)
    for (PetscInt k = 0; k < res->np; k++) res->gp[k] = PetscRealPart(a[k]);
  PetscCall(VecRestoreArrayRead(gp, &a));

  for (int k = 0; k < NOBS; k++) PetscCall(VecDestroy(&mf.target[k]));
  PetscCall(VecDestroy(&u0));
  PetscCall(VecDestroy(&d));
  PetscCall(VecDestroy(&gu0));
  PetscCall(VecDestroy(&p));
  PetscCall(VecDestroy(&gp));
  PetscCall(VecDestroy(&e));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const Case  cases[2]  = {{HC_GRID_CARTESIAN, PETSC_FALSE, 0.1, {4e-3, 1.5e-3}, {0.5, -0.2}},
                           {HC_GRID_LATLON, PETSC_TRUE, 5 * 86400.0, {2e5, 1e5}, {1.5, -0.4}}};
  const char *labels[2] = {"Cartesian, walls and land", "lat-lon band, periodic in longitude, land (m, s)"};
  MPI_Comm    comm;
  PetscMPIInt rank, size;
  PetscReal   worst = 0;
  int         status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  for (int c = 0; c < 2; c++) {
    Result all = {0}, one = {0};
    int    ok[2] = {1, 1};

    PetscCall(PetscPrintf(comm, "%s, %d rank(s)\n", labels[c], size));
    PetscCall(Run(comm, &cases[c], PETSC_TRUE, &all, &worst));
    if (!rank) {
      PetscCall(Run(PETSC_COMM_SELF, &cases[c], PETSC_FALSE, &one, &worst));
      const PetscReal dl = PetscAbsReal(all.loss - one.loss) / PetscAbsReal(one.loss), dp = HcTestRelDiff(all.np, all.gp, one.gp),
                      dg = HcTestRelDiff(all.n, all.gu0, one.gu0);

      ok[0] = dl <= 1e-12 && dp <= 1e-12;
      ok[1] = dg <= 1e-12;
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  against rank 0 alone: loss rel diff %.1e; dL/dtheta %.1e; dL/du0 %.1e\n",
                            (double)dl, (double)dp, (double)dg));
    }
    PetscCallMPI(MPI_Bcast(ok, 2, MPI_INT, 0, comm));
    PetscCall(HcTestCheck(comm, ok[0], "loss and parameter gradient agree with rank 0 alone to 1e-12"));
    PetscCall(HcTestCheck(comm, ok[1], "initial-state gradient agrees with rank 0 alone to 1e-12"));
    PetscCall(PetscFree(all.gu0));
    PetscCall(PetscFree(all.gp));
    PetscCall(PetscFree(one.gu0));
    PetscCall(PetscFree(one.gp));
  }
  PetscCall(PetscPrintf(comm, "worst finite-difference relative error %.1e\n", (double)worst));
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
