static const char help[] =
    "Output of hycast generate (see t057-generate.sh): in every environment and at every step, each value of the coarse\n"
    "file is the area-weighted average of its r x r fine cells, computed here on rank 0 from the fine file; both files\n"
    "are read with HcReader (-data_env through HcReaderSetEnvironment) and have the same times.\n";

#include "testutil.h"

static PetscErrorCode Open(MPI_Comm comm, const char file[], HcReader *r)
{
  PetscFunctionBeginUser;
  PetscCall(HcReaderCreate(comm, r));
  PetscCall(HcReaderSetFile(*r, file));
  PetscCall(HcReaderSetUp(*r));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char             fine[PETSC_MAX_PATH_LEN] = "", coarse[PETSC_MAX_PATH_LEN] = "";
  MPI_Comm         comm;
  PetscMPIInt      rank;
  HcReader         rf, rc;
  HcGrid           gf, gc;
  Vec              uf, uc, af, mf;
  PetscInt         nenv, nenvc, nt, ntc, nx, ny, cnx, cny, nc, r;
  const PetscReal *tf, *tc;
  PetscReal        err = 0, scale = 0, terr = 0, *area = NULL, *mask = NULL;
  int              status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscOptionsBegin(comm, NULL, "generate check", "");
  PetscCall(PetscOptionsString("-t_fine", "fine file", "", fine, fine, sizeof(fine), NULL));
  PetscCall(PetscOptionsString("-t_coarse", "coarse file", "", coarse, coarse, sizeof(coarse), NULL));
  PetscOptionsEnd();
  PetscCall(Open(comm, fine, &rf));
  PetscCall(Open(comm, coarse, &rc));
  PetscCall(HcReaderGetGrid(rf, &gf));
  PetscCall(HcReaderGetGrid(rc, &gc));
  PetscCall(HcReaderGetNumEnvironments(rf, &nenv));
  PetscCall(HcReaderGetNumEnvironments(rc, &nenvc));
  PetscCall(HcReaderGetTimes(rf, &nt, &tf));
  PetscCall(HcReaderGetTimes(rc, &ntc, &tc));
  PetscCall(HcGridGetSizes(gf, &nx, &ny));
  PetscCall(HcGridGetSizes(gc, &cnx, &cny));
  PetscCall(HcGridGetNumFields(gf, &nc));
  r = nx / cnx;
  PetscCall(HcTestCheck(comm, nenv == nenvc && nt == ntc && cnx * r == nx && cny * r == ny,
                        "fine %" PetscInt_FMT " x %" PetscInt_FMT ", coarse %" PetscInt_FMT " x %" PetscInt_FMT
                        " (r = %" PetscInt_FMT "), %" PetscInt_FMT " environments, %" PetscInt_FMT " steps in both",
                        nx, ny, cnx, cny, r, nenvc, ntc));
  for (PetscInt k = 0; k < nt && k < ntc; k++) terr = PetscMax(terr, PetscAbsReal(tf[k] - tc[k]));
  PetscCall(HcTestCheck(comm, terr == 0, "the same times (max difference %g)", (double)terr));
  PetscCall(HcGridCreateGlobalVector(gf, &uf));
  PetscCall(HcGridCreateGlobalVector(gc, &uc));
  PetscCall(HcGridCreateAreaVector(gf, &af));
  PetscCall(HcTestGatherNatural(gf, af, &area));
  PetscCall(HcGridGetMask(gf, &mf));
  PetscCall(HcTestGatherNatural(gf, mf, &mask));
  for (PetscInt e = 0; e < nenv; e++) {
    PetscCall(HcReaderSetEnvironment(rf, e));
    PetscCall(HcReaderSetEnvironment(rc, e));
    for (PetscInt k = 0; k < nt; k++) {
      PetscReal *f, *c;

      PetscCall(HcReaderRead(rf, k, uf));
      PetscCall(HcReaderRead(rc, k, uc));
      PetscCall(HcTestGatherNatural(gf, uf, &f));
      PetscCall(HcTestGatherNatural(gc, uc, &c));
      if (!rank)
        for (PetscInt jc = 0; jc < cny; jc++)
          for (PetscInt ic = 0; ic < cnx; ic++)
            for (PetscInt d = 0; d < nc; d++) {
              PetscReal s = 0, w = 0;

              for (PetscInt b = 0; b < r; b++)
                for (PetscInt a = 0; a < r; a++) {
                  const PetscInt q = (r * jc + b) * nx + r * ic + a;
                  if (mask[q] == 0) continue;
                  s += area[q] * f[q * nc + d];
                  w += area[q];
                }
              err   = PetscMax(err, PetscAbsReal((w > 0 ? s / w : 0) - c[(jc * cnx + ic) * nc + d]));
              scale = PetscMax(scale, PetscAbsReal(c[(jc * cnx + ic) * nc + d]));
            }
      PetscCall(PetscFree(f));
      PetscCall(PetscFree(c));
    }
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(&scale, 1, MPIU_REAL, 0, comm));
  PetscCall(HcTestCheck(comm, scale > 0 && err <= 1e-13 * scale,
                        "coarse = area-weighted averages of the active cells of %" PetscInt_FMT " x %" PetscInt_FMT
                        " fine blocks, every environment and step (max error %.1e, values up to %.3g)",
                        r, r, (double)err, (double)scale));
  PetscCall(PetscFree(area));
  PetscCall(PetscFree(mask));
  PetscCall(VecDestroy(&af));
  PetscCall(VecDestroy(&uf));
  PetscCall(VecDestroy(&uc));
  PetscCall(HcReaderDestroy(&rf));
  PetscCall(HcReaderDestroy(&rc));
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
