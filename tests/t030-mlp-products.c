static const char help[] =
    "MLP term products: dot-product tests of J/J^T and of the parameter Jacobian and its transpose, central finite\n"
    "differences of J v and (dN/dtheta) dtheta, for every activation, both grid types, walls and periodic boundaries, an\n"
    "irregular land mask, with and without static and time features, several depths; land holding NaN is never read;\n"
    "the rate bound holds; the same products through a model holding advdiff + mlp and its shell matrices.\n";

#include "testutil.h"

/* max |u| over land cells: what masking removes */
static PetscErrorCode LandMax(HcGrid grid, Vec u, PetscReal *mx)
{
  Vec ocean;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(u, &ocean));
  PetscCall(VecCopy(u, ocean));
  PetscCall(HcTestMaskField(grid, ocean));
  PetscCall(VecAYPX(ocean, -1, u));
  PetscCall(VecNorm(ocean, NORM_INFINITY, mx));
  PetscCall(VecDestroy(&ocean));
  PetscFunctionReturn(0);
}

typedef struct {
  HcGridType   type;
  PetscBool    px, py, mask, features;
  HcActivation act;
  PetscInt     nhidden, widths[3];
  PetscBool    pointwise; /* gradient and Laplacian inputs switched off (feature scales 0) */
} Case;

static PetscErrorCode RunCase(MPI_Comm comm, const Case *cs)
{
  HcGrid          grid;
  HcTerm          term, phys;
  HcModel         model;
  Vec             u, v, w, Jv, JTw, f1, f2, f3, pv;
  PetscInt        np;
  PetscReal      *dth, a, b, radv, rdif, t, hu, hp;
  const PetscBool latlon    = cs->type == HC_GRID_LATLON;
  const char     *statics[] = {"lon", "mask", "lat"};
  char            arch[64]  = "none";

  PetscFunctionBeginUser;
  for (PetscInt l = 0; l < cs->nhidden; l++)
    PetscCall(PetscSNPrintf(arch + (l ? strlen(arch) : 0), sizeof(arch) - (l ? strlen(arch) : 0),
                            l ? ",%" PetscInt_FMT : "%" PetscInt_FMT, cs->widths[l]));
  PetscCall(PetscPrintf(comm, "%s %s%s, %s, hidden %s%s%s\n", HcGridTypes[cs->type], cs->px ? "periodic-x" : "walls-x",
                        cs->py ? " periodic-y" : "", HcActivations[cs->act], arch, cs->mask ? ", land" : "",
                        cs->features ? ", static+time features" : ""));
  PetscCall(HcTestCreateGrid(comm, cs->type, 23, 17, 2, cs->px, cs->py, &grid));
  if (cs->mask) PetscCall(HcTestSetIrregularMask(grid, 7, 0.12));
  PetscCall(HcTermCreate(grid, &term));
  PetscCall(HcTermSetType(term, HCTERMMLP));
  PetscCall(HcTermMLPSetHiddenLayers(term, cs->nhidden, cs->widths));
  PetscCall(HcTermMLPSetActivation(term, cs->act));
  PetscCall(HcTermMLPSetInitialization(term, 11, 0.8));
  t = latlon ? 4.0e5 : 0.3;
  /* relu is not differentiable at 0: a small step keeps the central differences from straddling a kink */
  hu = cs->act == HC_ACTIVATION_RELU ? 1e-8 : 1e-6;
  hp = cs->act == HC_ACTIVATION_RELU ? 1e-8 : 1e-5;
  if (cs->features) {
    PetscCall(HcTermMLPSetStaticFeatures(term, 3, statics));
    PetscCall(HcTermMLPSetTimeFeatures(term, latlon ? 86400 * 365.0 : 2.0, latlon ? 1e5 : 0.1));
  }
  if (cs->pointwise) {
    const PetscReal scale[3] = {1, 0, 0};

    PetscCall(HcTermMLPSetFeatureScale(term, scale));
  }
  PetscCall(HcTermSetUp(term));
  PetscCall(HcTermGetNumParameters(term, &np));
  PetscCall(PetscMalloc1(np, &dth));

  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(VecDuplicate(u, &Jv));
  PetscCall(VecDuplicate(u, &JTw));
  PetscCall(VecDuplicate(u, &f1));
  PetscCall(VecDuplicate(u, &f2));
  PetscCall(VecDuplicate(u, &f3));
  PetscCall(HcTestSmoothField(grid, 1, u));
  PetscCall(HcTestRandomField(grid, 2, 1, v)); /* land values included: they must not leak in */
  PetscCall(HcTestRandomField(grid, 3, 1, w));
  for (PetscInt k = 0; k < np; k++) dth[k] = HcTestHash(4, k, 0, 0);

  /* dot tests and central differences through the term's API */
  PetscCall(HcTestTermProducts(term, t, u, v, w, dth, hu, hp));

  /* land: N, J v and J^T w vanish there; NaN on land (in u and in v) changes nothing */
  PetscCall(HcTermApply(term, t, u, f1));
  PetscCall(LandMax(grid, f1, &a));
  PetscCall(HcTermApplyJacobianTranspose(term, w, JTw));
  PetscCall(LandMax(grid, JTw, &b));
  PetscCall(HcTestCheck(comm, a == 0 && b == 0, "N and J^T w vanish on land (max %g, %g)", (double)a, (double)b));
  PetscCall(HcTermApplyJacobian(term, v, Jv));
  PetscCall(VecCopy(u, f3));
  PetscCall(HcTestSetLand(grid, NAN, f3));
  PetscCall(HcTermApply(term, t, f3, f2));
  PetscCall(VecAXPY(f2, -1, f1));
  PetscCall(VecNorm(f2, NORM_INFINITY, &a));
  PetscCall(HcTermLinearize(term, t, f3));
  PetscCall(VecCopy(v, f3));
  PetscCall(HcTestSetLand(grid, NAN, f3));
  PetscCall(HcTermApplyJacobian(term, f3, f2));
  PetscCall(VecAXPY(f2, -1, Jv));
  PetscCall(VecNorm(f2, NORM_INFINITY, &b));
  PetscCall(HcTestCheck(comm, a == 0 && b == 0, "NaN on land is never read: N and J v unchanged (max diff %g, %g)", (double)a,
                        (double)b));
  PetscCall(HcTermLinearize(term, t, u));

  /* rate bound: ||J v||_inf <= (advective + diffusive bound) ||v||_inf, and not grossly pessimistic */
  PetscCall(HcTermEstimateRates(term, &radv, &rdif));
  {
    PetscReal worst = 0, jn, vn;

    for (PetscInt s = 0; s < 4; s++) {
      PetscCall(HcTestRandomField(grid, 40 + s, 1, f3));
      if (s == 3) PetscCall(VecCopy(u, f3)); /* a smooth direction too */
      PetscCall(HcTermApplyJacobian(term, f3, f2));
      PetscCall(VecNorm(f2, NORM_INFINITY, &jn));
      PetscCall(VecNorm(f3, NORM_INFINITY, &vn));
      worst = PetscMax(worst, jn / vn);
    }
    PetscCall(HcTestCheck(comm, worst <= radv + rdif && worst > 1e-3 * (radv + rdif),
                          "rate bound: max ||J v|| / ||v|| = %.4g <= advective %.4g + diffusive %.4g", (double)worst,
                          (double)radv, (double)rdif));
  }

  /* a model holding advdiff + mlp: products through its shell matrices, one ghost exchange for both terms */
  PetscCall(HcTermCreate(grid, &phys));
  PetscCall(HcTermSetType(phys, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetVelocity(phys, latlon ? 0.3 : 0.7, latlon ? -0.2 : -0.45));
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelAddTerm(model, phys));
  PetscCall(HcModelAddTerm(model, term));
  PetscCall(HcModelSetUp(model));
  PetscCall(HcModelCreateParameterVector(model, &pv));
  {
    PetscScalar *p;
    PetscInt     n;

    PetscCall(VecGetLocalSize(pv, &n));
    PetscCall(VecGetArray(pv, &p));
    for (PetscInt k = 0; k < n; k++) p[k] = HcTestHash(5, k, 0, 0);
    PetscCall(VecRestoreArray(pv, &p));
  }
  PetscCall(HcTestModelProducts(model, t, u, v, w, pv, hu, hp));
  /* the model's F is the sum of its terms' */
  PetscCall(HcModelApplyRHS(model, t, u, f1));
  PetscCall(HcTermApply(term, t, u, f2));
  PetscCall(HcTermApply(phys, t, u, f3));
  PetscCall(VecAXPY(f2, 1, f3));
  PetscCall(HcTestRelError(f1, f2, &a));
  PetscCall(HcTestCheck(comm, a < 1e-14, "model F = advdiff F + mlp F (rel diff %.1e)", (double)a));

  PetscCall(VecDestroy(&pv));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcTermDestroy(&phys));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&Jv));
  PetscCall(VecDestroy(&JTw));
  PetscCall(VecDestroy(&f1));
  PetscCall(VecDestroy(&f2));
  PetscCall(VecDestroy(&f3));
  PetscCall(PetscFree(dth));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  int            status;
  const PetscInt depths[3][4] = {{2, 7, 5, 0}, {1, 6, 0, 0}, {3, 5, 4, 3}};

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  for (int act = 0; act < 3; act++)
    for (int type = 0; type < 2; type++)
      for (int geo = 0; geo < 2; geo++)
        for (int feat = 0; feat < 2; feat++) {
          Case cs;

          cs.type      = (HcGridType)type;
          cs.px        = geo == 0 ? PETSC_TRUE : PETSC_FALSE;
          cs.py        = (geo == 0 && type == HC_GRID_CARTESIAN) ? PETSC_TRUE : PETSC_FALSE;
          cs.mask      = geo == 1 || feat == 1 ? PETSC_TRUE : PETSC_FALSE;
          cs.features  = feat ? PETSC_TRUE : PETSC_FALSE;
          cs.act       = (HcActivation)act;
          cs.nhidden   = depths[(act + geo + feat) % 3][0];
          cs.widths[0] = depths[(act + geo + feat) % 3][1];
          cs.widths[1] = depths[(act + geo + feat) % 3][2];
          cs.widths[2] = depths[(act + geo + feat) % 3][3];
          cs.pointwise = PETSC_FALSE;
          PetscCall(RunCase(PETSC_COMM_WORLD, &cs));
        }
  {
    /* no hidden layer: the network is one affine map */
    Case cs = {HC_GRID_CARTESIAN,  PETSC_FALSE, PETSC_FALSE, PETSC_TRUE, PETSC_TRUE,
               HC_ACTIVATION_TANH, 0,           {0, 0, 0},   PETSC_FALSE};
    PetscCall(RunCase(PETSC_COMM_WORLD, &cs));
  }
  {
    /* a pointwise closure N(u) (a reaction): no gradient or Laplacian inputs, on a masked lat-lon grid */
    Case cs = {HC_GRID_LATLON, PETSC_TRUE, PETSC_FALSE, PETSC_TRUE, PETSC_TRUE, HC_ACTIVATION_GELU, 2, {6, 4, 0}, PETSC_TRUE};
    PetscCall(RunCase(PETSC_COMM_WORLD, &cs));
  }
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
