static const char help[] =
    "Seasonal restoring term (type seasonal) products on a lat-lon and a Cartesian grid with land, at times inside a\n"
    "phase interval, across the wrap from phase K-1 to 0, and on a phase boundary: F against a reference built from the\n"
    "definition (c by interpolation, dc/dt by central differences in time); dot-product tests of J / J^T and of the\n"
    "parameter Jacobian and its transpose (1e-12); central finite differences (1e-6); exactness of J v and of the\n"
    "cycle part of (dF/dtheta) dtheta (F is linear in u and in c); zero on land and zero gradient for land cells and\n"
    "for phases that do not enter; F and the parameter gradient from all ranks against rank 0 alone; and the model\n"
    "advdiff + seasonal + mlp (time features) through its shell matrices.\n";

#include "testutil.h"

typedef struct {
  const char *label;
  HcGridType  type;
  PetscBool   periodic;
  PetscInt    K;
  PetscReal   period, origin;
  PetscReal   times[3]; /* inside an interval, across the wrap K-1 -> 0, on a phase boundary */
} Case;

/* c(t) of field f at a cell, straight from the definition. */
static PetscReal RefCycle(const Case *cs, const PetscReal th[], PetscInt nc, PetscInt ncell, PetscInt f, PetscInt cell,
                          PetscReal t)
{
  PetscReal x = (t - cs->origin) / cs->period, s, a;
  PetscInt  k;

  x -= PetscFloorReal(x);
  s = cs->K * x;
  k = (PetscInt)PetscFloorReal(s);
  a = s - k;
  k %= cs->K;
  return (1 - a) * th[nc + (k * nc + f) * ncell + cell] + a * th[nc + (((k + 1) % cs->K) * nc + f) * ncell + cell];
}

static PetscErrorCode BuildTerm(MPI_Comm comm, const Case *cs, HcGrid *grid, HcTerm *term)
{
  PetscInt         np, nc = 2;
  PetscReal       *th;
  const PetscReal *theta;
  const PetscReal  r[2] = {0.7 * cs->K / cs->period, 0.3 * cs->K / cs->period};

  PetscFunctionBeginUser;
  PetscCall(HcTestCreateGrid(comm, cs->type, 19, 13, nc, cs->periodic, PETSC_FALSE, grid));
  PetscCall(HcTestSetIrregularMask(*grid, 7, 0.15));
  PetscCall(HcTermCreate(*grid, term));
  PetscCall(HcTermSetType(*term, HCTERMSEASONAL));
  PetscCall(HcTermSeasonalSetPhases(*term, cs->K, cs->period, cs->origin));
  PetscCall(HcTermSeasonalSetRate(*term, 2, r));
  PetscCall(HcTermSetUp(*term));
  PetscCall(HcTermGetNumParameters(*term, &np));
  PetscCall(HcTermGetParameters(*term, &theta));
  PetscCall(PetscMalloc1(np, &th));
  for (PetscInt p = 0; p < np; p++) th[p] = p < nc ? theta[p] + 0.2 * HcTestHash(31, p, 0, 0) : 10 + 3 * HcTestHash(32, p, 0, 0);
  PetscCall(HcTermSetParameters(*term, th));
  PetscCall(PetscFree(th));
  PetscFunctionReturn(0);
}

/* F at time t (natural order, on rank 0 of comm) and the parameter gradient (dF/dtheta)^T w (every rank). */
static PetscErrorCode Compute(MPI_Comm comm, const Case *cs, PetscReal t, PetscReal **Fnat, PetscReal **g, PetscInt *np,
                              PetscInt *n)
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
  PetscCall(HcTestSmoothField(grid, 11, u));
  PetscCall(VecScale(u, 4));
  PetscCall(VecShift(u, 10));
  PetscCall(HcTestRandomField(grid, 3, 1, w));
  PetscCall(HcTermApply(term, t, u, f));
  PetscCall(HcTestGatherNatural(grid, f, Fnat));
  PetscCall(VecGetSize(u, n));
  PetscCall(PetscMalloc1(*np, g));
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
  Vec              u, v, w, f, fp, Jv, ref, maskv;
  PetscInt         np, nc = 2, nx, ny, N;
  PetscReal       *dth, *gth, *th0, *th, *Fref = NULL, *mk = NULL, err;
  const PetscReal *theta;
  PetscMPIInt      rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(BuildTerm(comm, cs, &grid, &term));
  PetscCall(HcGridGetSizes(grid, &nx, &ny));
  PetscCall(HcTermGetNumParameters(term, &np));
  PetscCall(PetscPrintf(comm, "%s: K = %" PetscInt_FMT ", P = %g, t0 = %g, %" PetscInt_FMT " parameters\n", cs->label, cs->K,
                        (double)cs->period, (double)cs->origin, np));
  PetscCheck(np == nc + cs->K * nc * nx * ny, comm, PETSC_ERR_PLIB, "wrong parameter count");
  PetscCall(PetscMalloc4(np, &dth, np, &gth, np, &th0, np, &th));
  PetscCall(HcTermGetParameters(term, &theta));
  PetscCall(PetscArraycpy(th0, theta, np));
  for (PetscInt p = 0; p < np; p++) dth[p] = p < nc ? 0.3 * HcTestHash(41, p, 0, 0) : HcTestHash(42, p, 0, 0);

  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(VecDuplicate(u, &f));
  PetscCall(VecDuplicate(u, &fp));
  PetscCall(VecDuplicate(u, &Jv));
  PetscCall(VecDuplicate(u, &ref));
  PetscCall(HcTestSmoothField(grid, 11, u));
  PetscCall(VecScale(u, 4));
  PetscCall(VecShift(u, 10));
  PetscCall(HcTestRandomField(grid, 2, 1, v)); /* land values included: they must not leak in */
  PetscCall(HcTestRandomField(grid, 3, 1, w));
  PetscCall(VecGetSize(u, &N));
  PetscCall(HcGridGetMask(grid, &maskv));
  PetscCall(HcTestGatherNatural(grid, maskv, &mk));

  for (int q = 0; q < 3; q++) {
    const PetscReal t = cs->times[q];
    PetscReal       s, *Fnat = NULL, *unat = NULL, a;
    PetscInt        ok = 1;

    PetscCall(HcTermSeasonalGetPhase(term, t, &s));
    PetscCall(PetscPrintf(comm, " t = %.10g: phase s = %.6f (%s)\n", (double)t, (double)s,
                          q == 0 ? "inside an interval" : (q == 1 ? "across the wrap K-1 -> 0" : "on a phase boundary")));
    /* F against the definition, on rank 0 in natural order */
    PetscCall(HcTermApply(term, t, u, f));
    PetscCall(HcTestGatherNatural(grid, f, &Fnat));
    PetscCall(HcTestGatherNatural(grid, u, &unat));
    if (!rank) {
      const PetscReal h    = 1e-4 * cs->period / cs->K;
      PetscReal       emax = 0, fmax = 0, land = 0;

      PetscCall(PetscMalloc1(N, &Fref));
      for (PetscInt cell = 0; cell < nx * ny; cell++)
        for (PetscInt fl = 0; fl < nc; fl++) {
          const PetscInt  id = cell * nc + fl;
          const PetscReal c  = RefCycle(cs, th0, nc, nx * ny, fl, cell, t),
                          dc = (RefCycle(cs, th0, nc, nx * ny, fl, cell, t + h) -
                                RefCycle(cs, th0, nc, nx * ny, fl, cell, t - h)) /
                               (2 * h);

          Fref[id] = mk[cell] != 0 ? dc - PetscExpReal(th0[fl]) * (unat[id] - c) : 0;
          emax     = PetscMax(emax, PetscAbsReal(Fnat[id] - Fref[id]));
          fmax     = PetscMax(fmax, PetscAbsReal(Fref[id]));
          if (mk[cell] == 0) land = PetscMax(land, PetscAbsReal(Fnat[id]));
        }
      ok = emax <= 1e-8 * fmax && land == 0 && fmax > 0;
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  F against the definition: max error %.2e of max |F| %.3e; max |F| on land %g\n",
                            (double)emax, (double)fmax, (double)land));
      PetscCall(PetscFree(Fref));
    }
    PetscCallMPI(MPI_Bcast(&ok, 1, MPIU_INT, 0, comm));
    PetscCall(HcTestCheck(comm, (PetscBool)ok, "F = mask (dc/dt - r (u - c(t))) to 1e-8, 0 on land"));
    PetscCall(PetscFree(Fnat));
    PetscCall(PetscFree(unat));

    PetscCall(HcTestTermProducts(term, t, u, v, w, dth, 1e-3, 1e-5));

    /* exactness: F(u + v) - F(u) = J v, and F(c + dc) - F(c) = (dF/dc) dc for a change of the cycle values alone */
    PetscCall(HcTermLinearize(term, t, u));
    PetscCall(HcTermApplyJacobian(term, v, Jv));
    PetscCall(VecWAXPY(ref, 1, v, u));
    PetscCall(HcTermApply(term, t, ref, fp));
    PetscCall(VecAXPY(fp, -1, f));
    PetscCall(HcTestRelError(fp, Jv, &err));
    PetscCall(HcTestCheck(comm, err < 1e-12, "F(u + v) - F(u) = J v exactly (F is linear in u): rel %.1e", (double)err));
    for (PetscInt p = 0; p < np; p++) th[p] = p < nc ? 0 : dth[p];
    PetscCall(HcTermApplyParameterJacobian(term, th, Jv));
    for (PetscInt p = 0; p < np; p++) th[p] = th0[p] + (p < nc ? 0 : dth[p]);
    PetscCall(HcTermSetParameters(term, th));
    PetscCall(HcTermApply(term, t, u, fp));
    PetscCall(HcTermSetParameters(term, th0));
    PetscCall(VecAXPY(fp, -1, f));
    PetscCall(HcTestRelError(fp, Jv, &err));
    PetscCall(HcTestCheck(comm, err < 1e-12, "F(c + dc) - F(c) = (dF/dc) dc exactly (F is linear in c): rel %.1e", (double)err));

    /* J^T w vanishes on land; the gradient of land cells' values and of phases that do not enter is exactly 0 */
    PetscCall(HcTermLinearize(term, t, u));
    PetscCall(HcTermApplyJacobianTranspose(term, w, fp));
    PetscCall(HcTestGatherNatural(grid, fp, &Fnat));
    PetscCall(HcTermApplyParameterJacobianTranspose(term, w, gth));
    if (!rank) {
      const PetscInt k0 = (PetscInt)PetscFloorReal(s + 0.5) % cs->K, kf = (PetscInt)PetscFloorReal(s) % cs->K;
      const PetscInt onb  = PetscAbsReal(s - PetscFloorReal(s + 0.5)) < 1e-9;
      PetscReal      land = 0, other = 0;
      PetscInt       nz[64] = {0};

      for (PetscInt cell = 0; cell < nx * ny; cell++)
        if (mk[cell] == 0)
          for (PetscInt fl = 0; fl < nc; fl++) land = PetscMax(land, PetscAbsReal(Fnat[cell * nc + fl]));
      for (PetscInt k = 0; k < cs->K; k++)
        for (PetscInt fl = 0; fl < nc; fl++)
          for (PetscInt cell = 0; cell < nx * ny; cell++) {
            const PetscReal gv = gth[nc + (k * nc + fl) * nx * ny + cell];
            const PetscBool in =
                onb ? (k == k0 || k == (k0 + 1) % cs->K || k == (k0 + cs->K - 1) % cs->K) : (k == kf || k == (kf + 1) % cs->K);

            if (mk[cell] == 0 || !in) other = PetscMax(other, PetscAbsReal(gv));
            if (gv != 0 && k < 64) nz[k] = 1;
          }
      ok = land == 0 && other == 0;
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  phases with a non-zero gradient:"));
      for (PetscInt k = 0; k < PetscMin(cs->K, 64); k++)
        if (nz[k]) PetscCall(PetscPrintf(PETSC_COMM_SELF, " %" PetscInt_FMT, k));
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "\n"));
      /* on the boundary the slope averages both neighbours (K >= 3); inside, the two ends of the interval */
      if (cs->K >= 3) ok = ok && nz[onb ? (k0 + cs->K - 1) % cs->K : kf] && nz[onb ? (k0 + 1) % cs->K : (kf + 1) % cs->K];
    }
    PetscCallMPI(MPI_Bcast(&ok, 1, MPIU_INT, 0, comm));
    PetscCall(HcTestCheck(
        comm, (PetscBool)ok,
        "J^T w = 0 on land; gradient 0 for land cells and for the phases that do not enter, non-zero for those that do"));
    PetscCall(PetscFree(Fnat));
    a = 0;
    for (PetscInt fl = 0; fl < nc; fl++) a += PetscAbsReal(gth[fl]);
    PetscCall(HcTestCheck(comm, a > 0, "the rates have a non-zero gradient (%.3e)", (double)a));

    /* the same F and gradient from rank 0 alone */
    {
      PetscReal *Fall = NULL, *gall, *Fone = NULL, *gone = NULL;
      PetscInt   np1, n1, nall, nnall;
      PetscReal  dF = 0, dg = 0, dgc = 0;

      PetscCall(Compute(comm, cs, t, &Fall, &gall, &nall, &nnall));
      if (!rank) {
        PetscCall(Compute(PETSC_COMM_SELF, cs, t, &Fone, &gone, &np1, &n1));
        dF = HcTestRelDiff(n1, Fall, Fone);
        dg = HcTestRelDiff(np1, gall, gone);
        for (PetscInt p = nc; p < np1; p++) dgc = PetscMax(dgc, PetscAbsReal(gall[p] - gone[p]));
        PetscCall(
            PetscPrintf(PETSC_COMM_SELF,
                        "  against rank 0 alone: F rel diff %.1e, gradient rel diff %.1e (cycle values: max abs diff %g), rates "
                        "%.17g vs %.17g\n",
                        (double)dF, (double)dg, (double)dgc, (double)gall[0], (double)gone[0]));
      }
      ok = dF <= 1e-14 && dg <= 1e-13 && dgc == 0;
      PetscCallMPI(MPI_Bcast(&ok, 1, MPIU_INT, 0, comm));
      PetscCall(HcTestCheck(comm, (PetscBool)ok,
                            "F and the parameter gradient agree with rank 0 alone (rates to round-off, cycle values exactly)"));
      PetscCall(PetscFree(Fall));
      PetscCall(PetscFree(gall));
      PetscCall(PetscFree(Fone));
      PetscCall(PetscFree(gone));
    }
  }
  PetscCall(PetscFree(mk));
  PetscCall(PetscFree4(dth, gth, th0, th));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&f));
  PetscCall(VecDestroy(&fp));
  PetscCall(VecDestroy(&Jv));
  PetscCall(VecDestroy(&ref));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

/* advdiff + seasonal + mlp with time features on a lat-lon grid with land: the model's shell J and Jp. */
static PetscErrorCode RunModel(MPI_Comm comm, PetscReal t)
{
  HcGrid          grid;
  HcModel         model;
  HcTerm          tm;
  Vec             u, v, w, pv;
  PetscInt        n, np;
  PetscScalar    *p;
  const PetscReal P = 3.15576e7, t0 = 2.5e6, K[2] = {3e4, 1e4}, r[1] = {2e-7};
  const PetscInt  hidden[1]  = {6};
  const char     *statics[2] = {"lat", "lon"};

  PetscFunctionBeginUser;
  PetscCall(
      PetscPrintf(comm, "model: advdiff + seasonal + mlp (time features) on a lat-lon grid with land, t = %g\n", (double)t));
  PetscCall(HcTestCreateGrid(comm, HC_GRID_LATLON, 24, 14, 2, PETSC_FALSE, PETSC_FALSE, &grid));
  PetscCall(HcTestSetIrregularMask(grid, 9, 0.1));
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcTermCreate(grid, &tm));
  PetscCall(HcTermSetType(tm, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetDiffusivity(tm, K));
  PetscCall(HcTermAdvDiffSetVelocity(tm, 0.3, -0.1));
  PetscCall(HcModelAddTerm(model, tm));
  PetscCall(HcTermDestroy(&tm));
  PetscCall(HcTermCreate(grid, &tm));
  PetscCall(HcTermSetType(tm, HCTERMSEASONAL));
  PetscCall(HcTermSeasonalSetPhases(tm, 12, P, t0));
  PetscCall(HcTermSeasonalSetRate(tm, 1, r));
  PetscCall(HcModelAddTerm(model, tm));
  PetscCall(HcTermDestroy(&tm));
  PetscCall(HcTermCreate(grid, &tm));
  PetscCall(HcTermSetType(tm, HCTERMMLP));
  PetscCall(HcTermMLPSetHiddenLayers(tm, 1, hidden));
  PetscCall(HcTermMLPSetInitialization(tm, 5, 0.5));
  PetscCall(HcTermMLPSetStaticFeatures(tm, 2, statics));
  PetscCall(HcTermMLPSetTimeFeatures(tm, P, t0));
  PetscCall(HcModelAddTerm(model, tm));
  PetscCall(HcTermDestroy(&tm));
  PetscCall(HcModelSetUp(model));
  PetscCall(HcModelGetNumParameters(model, &np));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(HcTestSmoothField(grid, 11, u));
  PetscCall(HcTestRandomField(grid, 5, 1, v));
  PetscCall(HcTestRandomField(grid, 6, 1, w));
  PetscCall(HcModelCreateParameterVector(model, &pv));
  /* parameters off their defaults: a non-trivial cycle */
  PetscCall(HcModelGetParameters(model, pv));
  PetscCall(VecGetLocalSize(pv, &n));
  PetscCall(VecGetArray(pv, &p));
  {
    PetscInt off, nb;

    PetscCall(HcModelGetParameterBlock(model, "seasonal", &off, &nb));
    for (PetscInt k = off + 2; k < off + nb && k < n; k++) p[k] = 3 * HcTestHash(9, k, 0, 0);
  }
  PetscCall(VecRestoreArray(pv, &p));
  PetscCall(HcModelSetParameters(model, pv));
  PetscCall(VecGetArray(pv, &p));
  for (PetscInt k = 0; k < n; k++) p[k] = HcTestHash(8, k, 0, 0);
  PetscCall(VecRestoreArray(pv, &p));
  PetscCall(HcTestModelProducts(model, t, u, v, w, pv, 1e-6, 1e-5)); /* the MLP is not linear */
  PetscCall(PetscPrintf(comm, "  (%" PetscInt_FMT " parameters)\n", np));
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
  const PetscReal Y = 3.15576e7, t0 = -1.5e8, ph = Y / 12;
  const Case      cases[] = {
           {"lat-lon, periodic in longitude, monthly phases (s)",
            HC_GRID_LATLON,
            PETSC_TRUE,
            12,
            Y,
            t0,
            {t0 + 5 * Y + 3.37 * ph, t0 - 2 * Y + 11.6 * ph, t0 + 7 * Y}},
           {"lat-lon box, monthly phases (s), origin 0",
            HC_GRID_LATLON,
            PETSC_FALSE,
            12,
            Y,
            0,
            {6.6e9 + 0.41 * ph, 209 * Y + 11.5 * ph, 209 * Y + 4 * ph}},
           {"Cartesian, walls, 5 phases of a period 2",
            HC_GRID_CARTESIAN,
            PETSC_FALSE,
            5,
            2.0,
            0.3,
            {0.3 + 2 + 0.7, 0.3 - 0.15, 0.3 + 4 * 0.4}},
           {"Cartesian, periodic in x, 2 phases", HC_GRID_CARTESIAN, PETSC_TRUE, 2, 1.0, 0, {0.3, 0.8, 1.5}},
           {"Cartesian, 1 phase (a constant c)", HC_GRID_CARTESIAN, PETSC_FALSE, 1, 1.0, 0, {0.3, 0.95, 2.0}},
  };
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) PetscCall(RunTerm(PETSC_COMM_WORLD, &cases[c]));
  PetscCall(RunModel(PETSC_COMM_WORLD, 2.5e6 + 3 * Y + 11.5 * ph));
  PetscCall(RunModel(PETSC_COMM_WORLD, 2.5e6 + 2 * Y + 4.2 * ph));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
