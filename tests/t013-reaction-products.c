static const char help[] =
    "Reaction term products for FitzHugh-Nagumo, Gray-Scott and the logistic source: dot-product tests of J/J^T and of\n"
    "the parameter Jacobian and its transpose, central finite differences of J v and (dF/dtheta) dtheta, zero on land;\n"
    "then the same through a model that adds the reaction to advection-diffusion (shell matrices, finite differences),\n"
    "with the shared checks of testutil (HcTestTermProducts, HcTestModelProducts).\n";

#include "testutil.h"

/* u = offset + scale * smooth field: O(1) states where every part of the law matters */
static PetscErrorCode State(HcGrid grid, HcReactionType type, Vec u)
{
  PetscFunctionBeginUser;
  PetscCall(HcTestSmoothField(grid, 11, u));
  if (type == HC_REACTION_LOGISTIC) {
    PetscCall(VecScale(u, 0.2));
    PetscCall(VecShift(u, 0.5));
  } else if (type == HC_REACTION_GRAYSCOTT) {
    PetscCall(VecScale(u, 0.3));
    PetscCall(VecShift(u, 0.4));
  }
  PetscFunctionReturn(0);
}

/* max |f| over land cells (must be 0: the term never acts there) */
static PetscErrorCode LandMax(HcGrid grid, Vec f, PetscReal *m)
{
  Vec land;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(f, &land));
  PetscCall(VecSet(land, 1));
  PetscCall(HcTestMaskField(grid, land)); /* 1 on ocean, 0 on land */
  PetscCall(VecShift(land, -1));          /* 0 on ocean, -1 on land */
  PetscCall(VecPointwiseMult(land, f, land));
  PetscCall(VecNorm(land, NORM_INFINITY, m));
  PetscCall(VecDestroy(&land));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunTerm(MPI_Comm comm, HcReactionType type)
{
  HcGrid           grid;
  HcTerm           term;
  Vec              u, v, w, JTw, f;
  PetscInt         np, nc = type == HC_REACTION_LOGISTIC ? 3 : 2;
  PetscReal        dth[2], th0[2], nrm, land;
  const PetscReal *theta;
  const char      *name = HcReactionTypes[type];

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "%s reaction, %" PetscInt_FMT " fields, irregular land\n", name, nc));
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, 23, 17, nc, PETSC_TRUE, PETSC_FALSE, &grid));
  PetscCall(HcTestSetIrregularMask(grid, 5, 0.15));
  PetscCall(HcTermCreate(grid, &term));
  PetscCall(HcTermSetType(term, HCTERMREACTION));
  PetscCall(HcTermReactionSetType(term, type));
  PetscCall(HcTermSetUp(term));
  PetscCall(HcTermGetNumParameters(term, &np));
  PetscCall(HcTermGetParameters(term, &theta));
  for (PetscInt k = 0; k < np; k++) th0[k] = theta[k] * (1 + 0.3 * HcTestHash(3, k, 0, 0)); /* off the defaults */
  PetscCall(HcTermSetParameters(term, th0));

  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(VecDuplicate(u, &JTw));
  PetscCall(VecDuplicate(u, &f));
  PetscCall(State(grid, type, u));
  PetscCall(HcTestRandomField(grid, 2, 1, v)); /* land values included: they must not leak in */
  PetscCall(HcTestRandomField(grid, 3, 1, w));
  for (PetscInt k = 0; k < np; k++) dth[k] = HcTestHash(4, k, 0, 0) * PetscAbsReal(th0[k]);

  PetscCall(HcTermApply(term, 0, u, f));
  PetscCall(LandMax(grid, f, &land));
  PetscCall(VecNorm(f, NORM_INFINITY, &nrm));
  PetscCall(
      HcTestCheck(comm, land == 0 && nrm > 0, "F is 0 on land (max %g) and not elsewhere (max %.3g)", (double)land, (double)nrm));

  PetscCall(HcTestTermProducts(term, 0, u, v, w, dth, 1e-4, 1e-5));
  PetscCall(HcTermApplyJacobianTranspose(term, w, JTw));
  PetscCall(LandMax(grid, JTw, &land));
  PetscCall(HcTestCheck(comm, land == 0, "J^T w is 0 on land (max %g)", (double)land));

  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&JTw));
  PetscCall(VecDestroy(&f));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

/* The reaction as the hidden term next to advection-diffusion, through the model's shell matrices (-model_terms). */
static PetscErrorCode RunModel(MPI_Comm comm, HcReactionType type)
{
  HcGrid         grid;
  HcModel        model;
  HcTerm         re;
  Vec            u, v, w, pv;
  PetscInt       n;
  PetscScalar   *p;
  const PetscInt nc = type == HC_REACTION_LOGISTIC ? 1 : 2;

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "model: advdiff + %s reaction on a lat-lon grid with land\n", HcReactionTypes[type]));
  PetscCall(HcTestCreateGrid(comm, HC_GRID_LATLON, 24, 14, nc, PETSC_FALSE, PETSC_FALSE, &grid));
  PetscCall(HcTestSetIrregularMask(grid, 9, 0.1));
  PetscCall(HcModelCreate(grid, &model));
  {
    HcTerm          t;
    const PetscReal K[2] = {3e4, 1e4};

    PetscCall(HcTermCreate(grid, &t));
    PetscCall(HcTermSetType(t, HCTERMADVDIFF));
    PetscCall(HcTermAdvDiffSetDiffusivity(t, K));
    PetscCall(HcTermAdvDiffSetVelocity(t, 0.3, -0.1));
    PetscCall(HcModelAddTerm(model, t));
    PetscCall(HcTermDestroy(&t));
    PetscCall(HcTermCreate(grid, &re));
    PetscCall(HcTermSetType(re, HCTERMREACTION));
    PetscCall(HcTermReactionSetType(re, type));
    PetscCall(HcModelAddTerm(model, re));
    PetscCall(HcTermDestroy(&re));
  }
  PetscCall(HcModelSetUp(model));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(State(grid, type, u));
  PetscCall(HcTestRandomField(grid, 5, 1, v));
  PetscCall(HcTestRandomField(grid, 6, 1, w));
  PetscCall(HcModelCreateParameterVector(model, &pv));
  PetscCall(VecGetLocalSize(pv, &n));
  PetscCall(VecGetArray(pv, &p));
  for (PetscInt k = 0; k < n; k++) p[k] = HcTestHash(8, k, 0, 0);
  PetscCall(VecRestoreArray(pv, &p));
  PetscCall(HcTestModelProducts(model, 0, u, v, w, pv, 1e-4, 1e-5));
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
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  for (int t = 0; t < 3; t++) PetscCall(RunTerm(PETSC_COMM_WORLD, (HcReactionType)t));
  for (int t = 0; t < 3; t++) PetscCall(RunModel(PETSC_COMM_WORLD, (HcReactionType)t));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
