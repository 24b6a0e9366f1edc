static const char help[] =
    "Model files: a model written with HcModelWrite() is rebuilt from the file (grid, architecture, parameters,\n"
    "normalisation) and computes the same right-hand side; bad model files give clear errors.\n";

#include "testutil.h"

int main(int argc, char **argv)
{
  MPI_Comm         comm;
  HcGrid           grid, grid2;
  HcModel          model, model2;
  Vec              u, f, f2, p, p2;
  PetscReal        err, nrm, mean[2] = {1.5, -2}, scale[2] = {0.5, 3};
  const PetscReal *m2, *s2;
  PetscBool        has;
  char             path[PETSC_MAX_PATH_LEN] = "build/tests/t023-model.nc", expect[1024] = "";
  PetscBool        readonly = PETSC_FALSE;
  int              status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscOptionsBegin(comm, NULL, "t023 options", NULL);
  PetscCall(PetscOptionsString("-test_file", "Model file to write and read", NULL, path, path, sizeof(path), NULL));
  PetscCall(PetscOptionsBool("-test_read_only",
                             "Only rebuild the model from an existing file, without its options on the command line", NULL,
                             readonly, &readonly, NULL));
  PetscCall(PetscOptionsString("-test_expect",
                               "Architecture the rebuilt model must have, without its leading dash (-test_read_only)", NULL,
                               expect, expect, sizeof(expect), NULL));
  PetscOptionsEnd();
  if (readonly) {
    char arch[4096];

    PetscCall(HcGridCreateFromModelFile(comm, path, &grid2));
    PetscCall(HcModelCreateFromFile(grid2, path, NULL, &model2));
    PetscCall(HcModelSetUp(model2));
    PetscCall(HcModelLoadParameters(model2, path));
    PetscCall(HcModelGetArchitecture(model2, arch, sizeof(arch)));
    PetscCall(HcTestCheck(comm, arch[0] == '-' && !strcmp(arch + 1, expect), "architecture from the file alone: '%s'", arch));
    PetscCall(HcModelDestroy(&model2));
    PetscCall(HcGridDestroy(&grid2));
    PetscCall(HcTestFinish(comm, &status));
    PetscCall(PetscFinalize());
    return status;
  }
  PetscCall(HcTestCreateGrid(comm, HC_GRID_LATLON, 30, 20, 2, PETSC_FALSE, PETSC_FALSE, &grid));
  PetscCall(HcTestSetIrregularMask(grid, 4, 0.1));
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelSetFromOptions(model));
  PetscCall(HcModelSetUp(model));
  /* parameters away from their defaults, so that loading them shows */
  PetscCall(HcModelCreateParameterVector(model, &p));
  PetscCall(VecDuplicate(p, &p2));
  PetscCall(HcModelGetParameters(model, p));
  PetscCall(VecShift(p, 0.0123));
  PetscCall(HcModelSetParameters(model, p));
  PetscCall(HcModelSetNormalization(model, mean, scale));
  PetscCall(HcModelSetInfo(model, "training_options", "-train_loss erm (test)"));
  PetscCall(HcModelWrite(model, path));
  PetscCall(PetscPrintf(comm, "wrote %s\n", path));

  PetscCall(HcGridCreateFromModelFile(comm, path, &grid2));
  PetscCall(HcGridView(grid2, NULL));
  PetscCall(HcModelCreateFromFile(grid2, path, NULL, &model2));
  PetscCall(HcModelSetUp(model2));
  PetscCall(HcModelLoadParameters(model2, path));
  PetscCall(HcModelView(model2, NULL));

  PetscCall(HcModelGetParameters(model2, p2));
  PetscCall(VecAXPY(p2, -1, p));
  PetscCall(VecNorm(p2, NORM_INFINITY, &err));
  PetscCall(HcTestCheck(comm, err == 0, "parameters read back exactly (max diff %g)", (double)err));
  PetscCall(HcModelGetNormalization(model2, &has, &m2, &s2));
  PetscCall(HcTestCheck(comm, has && m2[0] == mean[0] && m2[1] == mean[1] && s2[0] == scale[0] && s2[1] == scale[1],
                        "normalisation read back"));
  {
    PetscInt  a1, a2;
    Vec       mk1, mk2;
    PetscReal d;

    PetscCall(HcGridGetActiveCount(grid, &a1));
    PetscCall(HcGridGetActiveCount(grid2, &a2));
    PetscCall(HcGridGetMask(grid, &mk1));
    PetscCall(HcGridGetMask(grid2, &mk2));
    PetscCall(VecDuplicate(mk1, &u));
    PetscCall(VecWAXPY(u, -1, mk1, mk2));
    PetscCall(VecNorm(u, NORM_INFINITY, &d));
    PetscCall(VecDestroy(&u));
    PetscCall(HcTestCheck(comm, a1 == a2 && d == 0, "grid and land mask read back (%" PetscInt_FMT " active cells)", a2));
  }
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &f));
  PetscCall(HcGridCreateGlobalVector(grid2, &f2));
  PetscCall(HcTestSmoothField(grid, 3, u));
  PetscCall(HcModelApplyRHS(model, 0, u, f));
  PetscCall(HcModelApplyRHS(model2, 0, u, f2));
  PetscCall(VecAXPY(f2, -1, f));
  PetscCall(VecNorm(f2, NORM_INFINITY, &err));
  PetscCall(VecNorm(f, NORM_INFINITY, &nrm));
  PetscCall(HcTestCheck(comm, err == 0 && nrm > 0, "the rebuilt model computes the same right-hand side (max diff %g of %g)",
                        (double)err, (double)nrm));

  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&f));
  PetscCall(VecDestroy(&f2));
  PetscCall(VecDestroy(&p));
  PetscCall(VecDestroy(&p2));
  PetscCall(HcModelDestroy(&model2));
  PetscCall(HcGridDestroy(&grid2));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcGridDestroy(&grid));
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
