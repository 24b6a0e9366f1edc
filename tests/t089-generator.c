static const char help[] =
    "HcGenerator, the library object behind hycast generate, used without the command: a Gray-Scott problem of two\n"
    "environments on 16 x 16 cells, coarsened by 2, is written to two files; read back, they have the environments and\n"
    "times asked for, the grids 16 x 16 and 8 x 8, and every coarse state is the conservative average of the fine one.\n";

#include <string.h>
#include "testutil.h"

static PetscErrorCode OpenData(MPI_Comm comm, const char path[], HcReader *r)
{
  const char *vars[2] = {"u", "v"};

  PetscFunctionBeginUser;
  PetscCall(HcReaderCreate(comm, r));
  PetscCall(HcReaderSetFile(*r, path));
  PetscCall(HcReaderSetVariables(*r, 2, vars));
  PetscCall(HcReaderSetUp(*r));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm    comm;
  HcGenerator gen;
  HcReader    rf, rc;
  HcGrid      gf, gc;
  PetscInt    nef, nec, ntf, ntc, nxf, nyf, nxc, nyc;
  char        path[PETSC_MAX_PATH_LEN], fine[PETSC_MAX_PATH_LEN];
  PetscReal   worst = 0;
  int         status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscCall(HcTestDataPath(comm, "generator", path, sizeof(path)));
  PetscCall(PetscSNPrintf(fine, sizeof(fine), "%.*s-fine.nc", (int)(strlen(path) - 3), path));
  PetscCall(PetscOptionsInsertString(NULL, "-generate_problem grayscott -generate_envs 2 -generate_steps 2 -grid_nx 16 "
                                           "-grid_ny 16"));
  PetscCall(HcGeneratorCreate(comm, &gen));
  PetscCall(HcGeneratorSetFromOptions(gen));
  PetscCall(HcGeneratorSetOutput(gen, path, "t089-generator"));
  PetscCall(HcGeneratorSetUp(gen));
  PetscCall(HcGeneratorView(gen, NULL));
  PetscCall(HcGeneratorGenerate(gen));
  PetscCall(HcGeneratorDestroy(&gen));

  PetscCall(OpenData(comm, fine, &rf));
  PetscCall(OpenData(comm, path, &rc));
  PetscCall(HcReaderGetNumEnvironments(rf, &nef));
  PetscCall(HcReaderGetNumEnvironments(rc, &nec));
  PetscCall(HcReaderGetTimes(rf, &ntf, NULL));
  PetscCall(HcReaderGetTimes(rc, &ntc, NULL));
  PetscCall(HcReaderGetGrid(rf, &gf));
  PetscCall(HcReaderGetGrid(rc, &gc));
  PetscCall(HcGridGetSizes(gf, &nxf, &nyf));
  PetscCall(HcGridGetSizes(gc, &nxc, &nyc));
  PetscCall(HcTestCheck(comm, (PetscBool)(nef == 2 && nec == 2 && ntf == 3 && ntc == 3),
                        "%" PetscInt_FMT " and %" PetscInt_FMT " environments, %" PetscInt_FMT " and %" PetscInt_FMT
                        " times (want 2, 3)",
                        nef, nec, ntf, ntc));
  PetscCall(HcTestCheck(comm, (PetscBool)(nxf == 16 && nyf == 16 && nxc == 8 && nyc == 8),
                        "grids %" PetscInt_FMT " x %" PetscInt_FMT " and %" PetscInt_FMT " x %" PetscInt_FMT, nxf, nyf, nxc,
                        nyc));
  {
    HcGrid coarse;
    Vec    uf, uc, avg;

    PetscCall(HcGridCreateCoarse(gf, 2, &coarse));
    PetscCall(HcGridCreateGlobalVector(gf, &uf));
    PetscCall(HcGridCreateGlobalVector(coarse, &avg));
    PetscCall(HcGridCreateGlobalVector(gc, &uc));
    for (PetscInt e = 0; e < 2; e++) {
      PetscCall(HcReaderSetEnvironment(rf, e));
      PetscCall(HcReaderSetEnvironment(rc, e));
      for (PetscInt k = 0; k < 3; k++) {
        PetscCall(HcReaderRead(rf, k, uf));
        PetscCall(HcReaderRead(rc, k, uc));
        PetscReal *a = NULL, *b = NULL;

        PetscCall(HcGridCoarsenVector(gf, coarse, uf, avg));
        /* in natural order: the file's grid and this one may split the cells differently among the ranks */
        PetscCall(HcTestGatherNatural(coarse, avg, &a));
        PetscCall(HcTestGatherNatural(gc, uc, &b));
        for (PetscInt i = 0; a && i < 8 * 8 * 2; i++) worst = PetscMax(worst, PetscAbsReal(a[i] - b[i]));
        PetscCall(PetscFree(a));
        PetscCall(PetscFree(b));
      }
    }
    PetscCallMPI(MPI_Bcast(&worst, 1, MPIU_REAL, 0, comm));
    PetscCall(HcTestCheck(comm, (PetscBool)(worst <= 1e-12), "coarse states are the fine ones' block averages (max diff %.1e)",
                          (double)worst));
    PetscCall(VecDestroy(&uf));
    PetscCall(VecDestroy(&uc));
    PetscCall(VecDestroy(&avg));
    PetscCall(HcGridDestroy(&coarse));
  }
  PetscCall(HcReaderDestroy(&rf));
  PetscCall(HcReaderDestroy(&rc));
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
