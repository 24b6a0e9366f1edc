static const char help[] =
    "Advection-diffusion products: dot-product tests of J/J^T and of the parameter Jacobian and its transpose,\n"
    "central finite differences of J v and (dF/dtheta) dtheta, for every scheme, both grid types, walls and\n"
    "periodic boundaries, a land mask, constant and field velocities; through the term and through the model.\n";

#include "testutil.h"

/* A velocity field with both signs in both components, and some divergence. */
static PetscErrorCode SetVelocityField(HcGrid grid, HcTerm term, PetscReal scale)
{
  Vec vel;

  PetscFunctionBeginUser;
  PetscCall(HcGridCreateVectorDof(grid, 2, &vel));
  PetscCall(HcTestVelocityField(grid, scale, 0, vel));
  PetscCall(HcTermAdvDiffSetVelocityField(term, vel));
  PetscCall(VecDestroy(&vel));
  PetscFunctionReturn(0);
}

typedef struct {
  HcGridType        type;
  PetscBool         px, py, mask, velfield;
  HcAdvectionScheme scheme;
} Case;

static PetscErrorCode RunCase(MPI_Comm comm, const Case *cs)
{
  HcGrid          grid;
  HcTerm          term;
  HcModel         model;
  Vec             u, v, w, f1, f2, pv;
  PetscInt        np;
  PetscReal       dth[8], err;
  const PetscBool latlon = cs->type == HC_GRID_LATLON;
  const PetscReal K[2]   = {latlon ? 4e4 : 0.02, latlon ? 1.5e4 : 0.007};
  char            label[256];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(label, sizeof(label), "%s %s%s, %s, %s velocity%s", HcGridTypes[cs->type],
                          cs->px ? "periodic-x" : "walls-x", cs->py ? " periodic-y" : "", HcAdvectionSchemes[cs->scheme],
                          cs->velfield ? "field" : "constant", cs->mask ? ", land" : ""));
  PetscCall(PetscPrintf(comm, "%s\n", label));
  PetscCall(HcTestCreateGrid(comm, cs->type, 23, 17, 2, cs->px, cs->py, &grid));
  if (cs->mask) PetscCall(HcTestSetIrregularMask(grid, 7, 0.12));
  PetscCall(HcTermCreate(grid, &term));
  PetscCall(HcTermSetType(term, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetScheme(term, cs->scheme));
  PetscCall(HcTermAdvDiffSetDiffusivity(term, K));
  if (cs->velfield)
    PetscCall(SetVelocityField(grid, term, latlon ? 0.4 : 0.8));
  else
    PetscCall(HcTermAdvDiffSetVelocity(term, latlon ? 0.3 : 0.7, latlon ? -0.2 : -0.45));
  PetscCall(HcTermSetUp(term));
  PetscCall(HcTermGetNumParameters(term, &np));

  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(VecDuplicate(u, &f1));
  PetscCall(VecDuplicate(u, &f2));
  PetscCall(HcTestSmoothField(grid, 1, u));
  PetscCall(HcTestRandomField(grid, 2, 1, v)); /* land values included: they must not leak in */
  PetscCall(HcTestRandomField(grid, 3, 1, w));
  for (PetscInt k = 0; k < np; k++) dth[k] = HcTestHash(4, k, 0, 0);

  /* dot tests and central differences through the term's API */
  PetscCall(HcTestTermProducts(term, 0, u, v, w, dth, 1e-4, 1e-5));

  /* the same products through the model and its shell matrices (one ghost exchange for all terms) */
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelAddTerm(model, term));
  PetscCall(HcModelSetUp(model));
  PetscCall(HcModelCreateParameterVector(model, &pv));
  PetscCall(HcTestRandomField(grid, 5, 1, v));
  PetscCall(HcTestFillParameters(pv, dth));
  PetscCall(HcTestModelProducts(model, 0, u, v, w, pv, 1e-4, 1e-5));
  /* model and term agree on F */
  PetscCall(HcModelApplyRHS(model, 0, u, f1));
  PetscCall(HcTermApply(term, 0, u, f2));
  PetscCall(VecAXPY(f2, -1, f1));
  PetscCall(VecNorm(f2, NORM_INFINITY, &err));
  PetscCall(HcTestCheck(comm, err == 0, "model F equals the term's F (max diff %g)", (double)err));
  PetscCall(VecDestroy(&pv));
  PetscCall(HcModelDestroy(&model));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&f1));
  PetscCall(VecDestroy(&f2));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  for (int type = 0; type < 2; type++)
    for (int geo = 0; geo < 2; geo++)
      for (int scheme = 0; scheme < 3; scheme++)
        for (int vf = 0; vf < 2; vf++) {
          Case cs;

          cs.type     = (HcGridType)type;
          cs.px       = geo == 0 ? PETSC_TRUE : PETSC_FALSE;
          cs.py       = (geo == 0 && type == HC_GRID_CARTESIAN) ? PETSC_TRUE : PETSC_FALSE;
          cs.mask     = geo == 1 || vf == 1 ? PETSC_TRUE : PETSC_FALSE;
          cs.scheme   = (HcAdvectionScheme)scheme;
          cs.velfield = vf ? PETSC_TRUE : PETSC_FALSE;
          PetscCall(RunCase(PETSC_COMM_WORLD, &cs));
        }
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
