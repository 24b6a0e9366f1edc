static const char help[] =
    "Domain-mean anomaly closure (term type meanmlp) on a lat-lon and a Cartesian grid with land, at a time inside a phase\n"
    "interval and one across the wrap from phase K-1 to 0: F against the definition (area-weighted mean, reference cycle,\n"
    "the network written out here), 0 on land and the same in every active cell; dot-product tests of J / J^T and of the\n"
    "parameter Jacobian and its transpose (1e-12); central finite differences (1e-6); the rate bound against |J|; F and\n"
    "the parameter gradient from\n"
    "all ranks against rank 0 alone; the reference cycle from states (per phase, the mean of their domain means); and\n"
    "the model advdiff + seasonal + meanmlp through its shell matrices.\n";

#include "testutil.h"

#define NC 2
#define NH 5

typedef struct {
  const char *label;
  HcGridType  type;
  PetscBool   periodic;
  PetscReal   times[2]; /* inside an interval, across the wrap K-1 -> 0 */
} Case;

static const PetscInt  K = 12;
static const PetscReal P = 3.15576e7, T0 = 1.3e6, SIN = 0.7, SOUT = 0.25;

static PetscErrorCode BuildTerm(MPI_Comm comm, const Case *cs, HcGrid *grid, HcTerm *term)
{
  const PetscInt   hidden[1] = {NH};
  PetscInt         np;
  PetscReal       *th;
  const PetscReal *theta;

  PetscFunctionBeginUser;
  PetscCall(HcTestCreateGrid(comm, cs->type, 19, 13, NC, cs->periodic, PETSC_FALSE, grid));
  PetscCall(HcTestSetIrregularMask(*grid, 7, 0.15));
  PetscCall(HcTermCreate(*grid, term));
  PetscCall(HcTermSetType(*term, HCTERMMEANMLP));
  PetscCall(HcTermMeanMLPSetHiddenLayers(*term, 1, hidden, HC_ACTIVATION_TANH));
  PetscCall(HcTermMeanMLPSetPhases(*term, K, P, T0));
  PetscCall(HcTermMeanMLPSetScales(*term, SIN, SOUT));
  PetscCall(HcTermMeanMLPSetInitialization(*term, 4, 1));
  PetscCall(HcTermSetUp(*term));
  PetscCall(HcTermGetNumParameters(*term, &np));
  PetscCall(HcTermGetParameters(*term, &theta));
  PetscCall(PetscMalloc1(np, &th));
  /* the reference cycle near the field's mean (about 10), so that the network's inputs are O(1) */
  for (PetscInt p = 0; p < np; p++) th[p] = p < np - K * NC ? theta[p] : 10 + 0.8 * HcTestHash(32, p, 0, 0);
  PetscCall(HcTermSetParameters(*term, th));
  PetscCall(PetscFree(th));
  PetscFunctionReturn(0);
}

/* The point: u = 10 + 2 * a smooth field (land values included: they must not enter). */
static PetscErrorCode Point(HcGrid grid, Vec u)
{
  PetscFunctionBeginUser;
  PetscCall(HcTestSmoothField(grid, 11, u));
  PetscCall(VecScale(u, 2));
  PetscCall(VecShift(u, 10));
  PetscFunctionReturn(0);
}

/* F from the definition at the active cells: N(s (M - C(t))) * S, one value per field. */
static PetscErrorCode Reference(const PetscReal th[], PetscInt nnet, PetscInt ncell, const PetscReal unat[], const PetscReal mk[],
                                const PetscReal area[], PetscReal t, PetscReal F[NC])
{
  PetscReal M[NC] = {0}, A = 0, x[NC], h[NH], ph, a;
  PetscInt  k;

  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < ncell; c++) {
    if (mk[c] == 0) continue;
    for (PetscInt f = 0; f < NC; f++) M[f] += area[c] * unat[c * NC + f];
    A += area[c];
  }
  ph = (t - T0) / P;
  ph = K * (ph - PetscFloorReal(ph));
  k  = (PetscInt)PetscFloorReal(ph);
  a  = ph - k;
  for (PetscInt f = 0; f < NC; f++)
    x[f] = SIN * (M[f] / A - ((1 - a) * th[nnet + k * NC + f] + a * th[nnet + ((k + 1) % K) * NC + f]));
  /* W1 (NH x NC), b1, W2 (NC x NH), b2 */
  for (PetscInt q = 0; q < NH; q++) {
    PetscReal z = th[NH * NC + q];

    for (PetscInt f = 0; f < NC; f++) z += th[q * NC + f] * x[f];
    h[q] = PetscTanhReal(z);
  }
  for (PetscInt f = 0; f < NC; f++) {
    PetscReal z = th[NH * NC + NH + NC * NH + f];

    for (PetscInt q = 0; q < NH; q++) z += th[NH * NC + NH + f * NH + q] * h[q];
    F[f] = SOUT * z;
  }
  PetscFunctionReturn(0);
}

/* F (natural order, on rank 0 of comm) and the parameter gradient (dF/dtheta)^T w (every rank). */
static PetscErrorCode Compute(MPI_Comm comm, const Case *cs, PetscReal t, PetscReal **Fnat, PetscReal **g, PetscInt *np)
{
  HcGrid grid;
  HcTerm term;
  Vec    u, w, f;

  PetscFunctionBeginUser;
  PetscCall(BuildTerm(comm, cs, &grid, &term));
  PetscCall(HcTermGetNumParameters(term, np));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(VecDuplicate(u, &f));
  PetscCall(Point(grid, u));
  PetscCall(HcTestRandomField(grid, 3, 1, w));
  PetscCall(HcTermApply(term, t, u, f));
  PetscCall(HcTestGatherNatural(grid, f, Fnat));
  PetscCall(PetscCalloc1(*np, g));
  PetscCall(HcTermLinearize(term, t, u));
  PetscCall(HcTermApplyParameterJacobianTranspose(term, w, *g));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&f));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunTerm(MPI_Comm comm, const Case *cs)
{
  HcGrid           grid;
  HcTerm           term;
  Vec              u, v, w, f, maskv, areav;
  PetscInt         np, nx, ny, nnet;
  PetscReal       *dth, *mk = NULL, *area = NULL;
  const PetscReal *theta;
  PetscMPIInt      rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(BuildTerm(comm, cs, &grid, &term));
  PetscCall(HcGridGetSizes(grid, &nx, &ny));
  PetscCall(HcTermGetNumParameters(term, &np));
  nnet = np - K * NC;
  PetscCall(PetscPrintf(comm, "%s: %" PetscInt_FMT " parameters (%" PetscInt_FMT " of the network)\n", cs->label, np, nnet));
  PetscCall(HcTestCheck(comm, nnet == NH * NC + NH + NC * NH + NC, "parameter count: network %d-%d-%d, then K x nc cycle values",
                        NC, NH, NC));
  PetscCall(PetscMalloc1(np, &dth));
  for (PetscInt p = 0; p < np; p++) dth[p] = HcTestHash(42, p, 0, 0);
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(VecDuplicate(u, &f));
  PetscCall(Point(grid, u));
  PetscCall(HcTestRandomField(grid, 2, 1, v));
  PetscCall(HcTestRandomField(grid, 3, 1, w));
  PetscCall(HcGridGetMask(grid, &maskv));
  PetscCall(HcTestGatherNatural(grid, maskv, &mk));
  PetscCall(HcGridCreateAreaVector(grid, &areav));
  PetscCall(HcTestGatherNatural(grid, areav, &area));
  PetscCall(VecDestroy(&areav));
  PetscCall(HcTermGetParameters(term, &theta));

  for (int q = 0; q < 2; q++) {
    const PetscReal t    = cs->times[q];
    PetscReal      *Fnat = NULL, *unat = NULL, *F1 = NULL, *g1 = NULL, *gall = NULL;
    PetscInt        ok = 1, np1;

    PetscCall(PetscPrintf(comm, " t = %.10g (%s)\n", (double)t, q == 0 ? "inside an interval" : "across the wrap K-1 -> 0"));
    PetscCall(HcTermApply(term, t, u, f));
    PetscCall(HcTestGatherNatural(grid, f, &Fnat));
    PetscCall(HcTestGatherNatural(grid, u, &unat));
    if (!rank) {
      PetscReal Fref[NC], emax = 0, fmax = 0, land = 0;

      PetscCall(Reference(theta, nnet, nx * ny, unat, mk, area, t, Fref));
      for (PetscInt c = 0; c < nx * ny; c++)
        for (PetscInt fl = 0; fl < NC; fl++) {
          if (mk[c] == 0) {
            land = PetscMax(land, PetscAbsReal(Fnat[c * NC + fl]));
            continue;
          }
          emax = PetscMax(emax, PetscAbsReal(Fnat[c * NC + fl] - Fref[fl]));
          fmax = PetscMax(fmax, PetscAbsReal(Fref[fl]));
        }
      ok = emax <= 1e-12 * fmax && land == 0 && fmax > 0;
      PetscCall(PetscPrintf(PETSC_COMM_SELF,
                            "  F against the definition: max error %.2e of |F| %.3e (fields %.6e, %.6e); max |F| on land %g\n",
                            (double)emax, (double)fmax, (double)Fref[0], (double)Fref[1], (double)land));
    }
    PetscCallMPI(MPI_Bcast(&ok, 1, MPIU_INT, 0, comm));
    PetscCall(HcTestCheck(comm, (PetscBool)ok, "F = mask S N(s (M(u) - C(t))) at every active cell to 1e-12, 0 on land"));

    PetscCall(HcTestTermProducts(term, t, u, v, w, dth, 1e-4, 1e-5));

    /* the rate bound: J maps the field that is 1 in field g everywhere (M = e_g) to mask S s dN/dx e_g, so the row sums of
       |S s dN/dx| are at most HcTermEstimateRates()' bound */
    {
      PetscReal A[NC][NC], radv, rdif, rmax = 0, *Jn = NULL;
      PetscInt  c0 = -1;

      PetscCall(HcTermLinearize(term, t, u));
      for (PetscInt g = 0; g < NC; g++) {
        PetscCall(VecSet(v, 0));
        PetscCall(VecStrideSet(v, g, 1));
        PetscCall(VecSet(f, 0));
        PetscCall(HcTermApplyJacobian(term, v, f));
        PetscCall(HcTestGatherNatural(grid, f, &Jn));
        if (!rank) {
          for (PetscInt c = 0; c < nx * ny && c0 < 0; c++)
            if (mk[c] != 0) c0 = c;
          for (PetscInt fl = 0; fl < NC; fl++) A[fl][g] = Jn[c0 * NC + fl];
        }
        PetscCall(PetscFree(Jn));
      }
      PetscCall(HcTermEstimateRates(term, &radv, &rdif));
      if (!rank)
        for (PetscInt fl = 0; fl < NC; fl++) rmax = PetscMax(rmax, PetscAbsReal(A[fl][0]) + PetscAbsReal(A[fl][1]));
      PetscCallMPI(MPI_Bcast(&rmax, 1, MPIU_REAL, 0, comm));
      PetscCall(HcTestCheck(comm, rmax > 0 && rmax <= (radv + rdif) * (1 + 1e-12),
                            "rate bound %.4e >= row sums of |J| on uniform fields %.4e", (double)(radv + rdif), (double)rmax));
      PetscCall(HcTestRandomField(grid, 2, 1, v));
    }

    /* all ranks against rank 0 alone */
    PetscCall(Compute(comm, cs, t, &F1, &gall, &np1));
    if (!rank) {
      PetscReal *F0, *g0;
      PetscInt   np0;

      PetscCall(Compute(PETSC_COMM_SELF, cs, t, &F0, &g0, &np0));
      ok = np0 == np1 && HcTestRelDiff(nx * ny * NC, F1, F0) < 1e-12 && HcTestRelDiff(np0, gall, g0) < 1e-12;
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  all ranks against rank 0 alone: F %.1e, gradient %.1e\n",
                            (double)HcTestRelDiff(nx * ny * NC, F1, F0), (double)HcTestRelDiff(np0, gall, g0)));
      PetscCall(PetscFree(F0));
      PetscCall(PetscFree(g0));
    }
    PetscCallMPI(MPI_Bcast(&ok, 1, MPIU_INT, 0, comm));
    PetscCall(HcTestCheck(comm, (PetscBool)ok,
                          "F and the parameter gradient on all ranks equal rank 0's alone to 1e-12 (sums in another order)"));
    PetscCall(PetscFree(F1));
    PetscCall(PetscFree(gall));
    PetscCall(PetscFree(g1));
    PetscCall(PetscFree(Fnat));
    PetscCall(PetscFree(unat));
  }

  /* the reference cycle from states: three states at phases 0, 0 and 5 (one month = P / K after T0) */
  {
    Vec              st[3];
    PetscReal        ts[3] = {T0 + 0.1 * P / K, T0 + P + 0.05 * P / K, T0 + 5 * P / K + 0.2 * P / K}, M[3][NC], *a = NULL;
    PetscInt         cnt[12], ok = 1;
    const PetscReal *th;

    for (PetscInt s = 0; s < 3; s++) {
      PetscCall(VecDuplicate(u, &st[s]));
      PetscCall(HcTestRandomField(grid, 50 + s, 3, st[s]));
      PetscCall(VecShift(st[s], 5 * s));
      PetscCall(HcTestGatherNatural(grid, st[s], &a));
      if (!rank) {
        PetscReal A = 0;

        for (PetscInt f = 0; f < NC; f++) M[s][f] = 0;
        for (PetscInt c = 0; c < nx * ny; c++) {
          if (mk[c] == 0) continue;
          for (PetscInt f = 0; f < NC; f++) M[s][f] += area[c] * a[c * NC + f];
          A += area[c];
        }
        for (PetscInt f = 0; f < NC; f++) M[s][f] /= A;
      }
      PetscCall(PetscFree(a));
    }
    PetscCall(HcTermMeanMLPSetCycleFromStates(term, 3, ts, st, cnt));
    PetscCall(HcTermGetParameters(term, &th));
    if (!rank)
      for (PetscInt k = 0; k < K; k++)
        for (PetscInt f = 0; f < NC; f++) {
          const PetscReal want = k == 0 ? (M[0][f] + M[1][f]) / 2 : (k == 5 ? M[2][f] : (M[0][f] + M[1][f] + M[2][f]) / 3);

          if (PetscAbsReal(th[nnet + k * NC + f] - want) > 1e-12 * PetscAbsReal(want)) ok = 0;
          if (cnt[k] != (k == 0 ? 2 : (k == 5 ? 1 : 0))) ok = 0;
        }
    PetscCallMPI(MPI_Bcast(&ok, 1, MPIU_INT, 0, comm));
    PetscCall(
        HcTestCheck(comm, (PetscBool)ok,
                    "reference cycle from states: phase 0 the mean of two domain means, phase 5 one, the others all three"));
    for (PetscInt s = 0; s < 3; s++) PetscCall(VecDestroy(&st[s]));
  }

  PetscCall(PetscFree(mk));
  PetscCall(PetscFree(area));
  PetscCall(PetscFree(dth));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&f));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

/* advdiff + seasonal + meanmlp on a lat-lon grid with land: the model's shell J and Jp. */
static PetscErrorCode RunModel(MPI_Comm comm, PetscReal t)
{
  HcGrid          grid;
  HcModel         model;
  HcTerm          tm;
  Vec             u, v, w, pv;
  const PetscReal Kd[2] = {3e4, 1e4}, r[1] = {2e-7};
  const PetscInt  hidden[1] = {4};

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "model: advdiff + seasonal + meanmlp on a lat-lon grid with land, t = %g\n", (double)t));
  PetscCall(HcTestCreateGrid(comm, HC_GRID_LATLON, 24, 14, NC, PETSC_FALSE, PETSC_FALSE, &grid));
  PetscCall(HcTestSetIrregularMask(grid, 9, 0.1));
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcTermCreate(grid, &tm));
  PetscCall(HcTermSetType(tm, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetDiffusivity(tm, Kd));
  PetscCall(HcTermAdvDiffSetVelocity(tm, 0.3, -0.1));
  PetscCall(HcModelAddTerm(model, tm));
  PetscCall(HcTermDestroy(&tm));
  PetscCall(HcTermCreate(grid, &tm));
  PetscCall(HcTermSetType(tm, HCTERMSEASONAL));
  PetscCall(HcTermSeasonalSetPhases(tm, K, P, T0));
  PetscCall(HcTermSeasonalSetRate(tm, 1, r));
  PetscCall(HcModelAddTerm(model, tm));
  PetscCall(HcTermDestroy(&tm));
  PetscCall(HcTermCreate(grid, &tm));
  PetscCall(HcTermSetType(tm, HCTERMMEANMLP));
  PetscCall(HcTermMeanMLPSetHiddenLayers(tm, 1, hidden, HC_ACTIVATION_GELU));
  PetscCall(HcTermMeanMLPSetPhases(tm, K, P, T0));
  PetscCall(HcTermMeanMLPSetScales(tm, 1, 1e-6));
  PetscCall(HcTermMeanMLPSetInitialization(tm, 2, 1));
  PetscCall(HcModelAddTerm(model, tm));
  PetscCall(HcTermDestroy(&tm));
  PetscCall(HcModelSetUp(model));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(HcTestSmoothField(grid, 11, u));
  PetscCall(HcTestRandomField(grid, 5, 1, v));
  PetscCall(HcTestRandomField(grid, 6, 1, w));
  PetscCall(HcModelCreateParameterVector(model, &pv));
  PetscCall(HcModelGetParameters(model, pv));
  PetscCall(VecSetRandom(pv, NULL)); /* direction only: HcTestModelProducts takes it as dtheta */
  PetscCall(HcTestModelProducts(model, t, u, v, w, pv, 1e-4, 1e-5));
  PetscCall(VecDestroy(&pv));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&w));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  int        status;
  const Case cases[2] = {
      {"lat-lon grid, closed", HC_GRID_LATLON, PETSC_FALSE, {T0 + 3.4 * P / K, T0 + 11.6 * P / K}},
      {"Cartesian grid, periodic in x", HC_GRID_CARTESIAN, PETSC_TRUE, {T0 + 7.25 * P / K, T0 - 0.3 * P / K}},
  };

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  for (int c = 0; c < 2; c++) PetscCall(RunTerm(PETSC_COMM_WORLD, &cases[c]));
  PetscCall(RunModel(PETSC_COMM_WORLD, T0 + 2.5 * P / K));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
