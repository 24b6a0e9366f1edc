static const char help[] =
    "Environment terms (LEADS G_e): a model with shared terms and terms per environment evaluates the shared terms\n"
    "plus those of the current environment; products and gradients of the other environments' blocks vanish;\n"
    "the term selection (all / physics / learned) restricts the right-hand side and its products.\n";

#include "testutil.h"

static PetscReal Dot(Vec a, Vec b)
{
  PetscScalar d;
  VecDot(a, b, &d);
  return PetscRealPart(d);
}

int main(int argc, char **argv)
{
  MPI_Comm  comm;
  HcGrid    grid;
  HcModel   model;
  Vec       u, v, w, f, fsum, ft, y, pv, pg;
  PetscInt  nterms, nenv, np;
  PetscReal a, b, err, nrm;
  int       status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, 21, 16, 2, PETSC_TRUE, PETSC_FALSE, &grid));
  PetscCall(HcTestSetIrregularMask(grid, 5, 0.1));
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelSetFromOptions(model));
  PetscCall(HcModelSetUp(model));
  PetscCall(HcModelView(model, NULL));
  PetscCall(HcModelGetNumTerms(model, &nterms));
  PetscCall(HcModelGetNumEnvironments(model, &nenv));
  PetscCall(HcModelGetNumParameters(model, &np));
  PetscCall(HcTestCheck(comm, nenv == 3 && nterms == 1 + nenv,
                        "%" PetscInt_FMT " environments, %" PetscInt_FMT " terms (one shared, one per environment)", nenv,
                        nterms));

  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(VecDuplicate(u, &f));
  PetscCall(VecDuplicate(u, &fsum));
  PetscCall(VecDuplicate(u, &ft));
  PetscCall(VecDuplicate(u, &y));
  PetscCall(HcModelCreateParameterVector(model, &pv));
  PetscCall(VecDuplicate(pv, &pg));
  PetscCall(HcTestSmoothField(grid, 1, u));
  PetscCall(HcTestRandomField(grid, 2, 1, v));
  PetscCall(HcTestRandomField(grid, 3, 1, w));

  for (PetscInt e = -1; e < nenv; e++) {
    PetscInt off, n;
    HcTerm   shared, mine;
    char     name[64];

    PetscCall(PetscPrintf(comm, "environment %" PetscInt_FMT "\n", e));
    PetscCall(HcModelSetEnvironment(model, e));
    /* F = shared term + this environment's term */
    PetscCall(HcModelApplyRHS(model, 0, u, f));
    PetscCall(HcModelGetTerm(model, "physics", &shared));
    PetscCall(HcTermApply(shared, 0, u, fsum));
    if (e >= 0) {
      PetscCall(PetscSNPrintf(name, sizeof(name), "physics_env%" PetscInt_FMT, e));
      PetscCall(HcModelGetTerm(model, name, &mine));
      PetscCall(HcTermApply(mine, 0, u, ft));
      PetscCall(VecAXPY(fsum, 1, ft));
    }
    PetscCall(VecAXPY(fsum, -1, f));
    PetscCall(VecNorm(fsum, NORM_INFINITY, &err));
    PetscCall(VecNorm(f, NORM_INFINITY, &nrm));
    PetscCall(HcTestCheck(comm, err <= 1e-14 * nrm, "F is the shared term plus the environment's own (rel diff %.1e)",
                          (double)(err / nrm)));
    /* products: dot tests, and no gradient into other environments' blocks */
    PetscCall(HcModelLinearize(model, 0, u));
    PetscCall(HcModelApplyJacobian(model, v, y));
    a = Dot(y, w);
    PetscCall(HcModelApplyJacobianTranspose(model, w, y));
    b = Dot(v, y);
    PetscCall(HcTestCheck(comm, PetscAbsReal(a - b) <= 1e-12 * PetscAbsReal(a), "dot test J / J^T rel %.1e",
                          (double)(PetscAbsReal(a - b) / PetscAbsReal(a))));
    PetscCall(VecSet(pv, 1));
    PetscCall(HcModelApplyParameterJacobian(model, pv, y));
    a = Dot(y, w);
    PetscCall(HcModelApplyParameterJacobianTranspose(model, w, pg));
    b = Dot(pv, pg);
    PetscCall(HcTestCheck(comm, PetscAbsReal(a - b) <= 1e-12 * PetscAbsReal(a), "dot test Jp / Jp^T rel %.1e",
                          (double)(PetscAbsReal(a - b) / PetscAbsReal(a))));
    {
      PetscReal other = 0, own = 0;
      for (PetscInt k = 0; k < nenv; k++) {
        const PetscScalar *g;
        PetscInt           nl;

        PetscCall(PetscSNPrintf(name, sizeof(name), "physics_env%" PetscInt_FMT, k));
        PetscCall(HcModelGetParameterBlock(model, name, &off, &n));
        PetscCall(VecGetLocalSize(pg, &nl));
        PetscCall(VecGetArrayRead(pg, &g));
        for (PetscInt i = 0; i < n && nl; i++) {
          if (k == e)
            own += PetscAbsReal(g[off + i]);
          else
            other += PetscAbsReal(g[off + i]);
        }
        PetscCall(VecRestoreArrayRead(pg, &g));
      }
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &other, 1, MPIU_REAL, MPI_SUM, comm));
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &own, 1, MPIU_REAL, MPI_SUM, comm));
      PetscCall(HcTestCheck(comm, other == 0 && (e < 0 || own > 0), "gradient: other environments' blocks %g, own block %g",
                            (double)other, (double)own));
    }
  }

  /* selection: no learned term here, so the learned part is zero and the physics part is everything */
  PetscCall(HcModelSetEnvironment(model, 1));
  PetscCall(HcModelApplyRHS(model, 0, u, fsum));
  PetscCall(HcModelSetTermSelection(model, HC_TERMS_LEARNED));
  PetscCall(HcModelApplyRHS(model, 0, u, f));
  PetscCall(VecNorm(f, NORM_INFINITY, &nrm));
  PetscCall(HcTestCheck(comm, nrm == 0, "learned-term selection of a physics-only model gives zero (%g)", (double)nrm));
  PetscCall(HcModelSetTermSelection(model, HC_TERMS_PHYSICS));
  PetscCall(HcModelApplyRHS(model, 0, u, f));
  PetscCall(VecAXPY(f, -1, fsum));
  PetscCall(VecNorm(f, NORM_INFINITY, &nrm));
  PetscCall(HcTestCheck(comm, nrm == 0, "physics selection equals the whole right-hand side here (%g)", (double)nrm));
  PetscCall(HcModelSetTermSelection(model, HC_TERMS_ALL));

  PetscCall(VecDestroy(&pv));
  PetscCall(VecDestroy(&pg));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&f));
  PetscCall(VecDestroy(&fsum));
  PetscCall(VecDestroy(&ft));
  PetscCall(VecDestroy(&y));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcGridDestroy(&grid));
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
