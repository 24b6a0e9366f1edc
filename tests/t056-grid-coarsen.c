static const char help[] =
    "Coarse grids of r x r blocks and area-weighted block averages (HcGridCreateCoarse, HcGridCoarsenVector): coarse areas\n"
    "are the sums of the fine areas, averages agree with an independent computation on rank 0, the active-area-weighted\n"
    "total is conserved, a coarse cell is land only when all its fine cells are, and the result on all ranks is bitwise\n"
    "the one computed by each rank alone (blocks straddle rank boundaries: 21 x 15 fine cells, r = 3); HcRegrid's\n"
    "conservative map agrees.\n";

#include "testutil.h"

typedef struct {
  const char *name;
  HcGridType  type;
  PetscInt    nx, ny, r;
  PetscBool   land;
} Case;

static PetscErrorCode MakeGrids(MPI_Comm comm, const Case *cs, HcGrid *fine, HcGrid *coarse, Vec *uf, Vec *uc)
{
  PetscFunctionBeginUser;
  PetscCall(HcGridCreate(comm, fine));
  PetscCall(HcGridSetType(*fine, cs->type));
  PetscCall(HcGridSetSizes(*fine, cs->nx, cs->ny));
  if (cs->type == HC_GRID_LATLON) PetscCall(HcGridSetDomain(*fine, 0, 360, -60, 60));
  PetscCall(HcGridSetPeriodic(*fine, PETSC_TRUE, PETSC_FALSE));
  PetscCall(HcGridSetFields(*fine, 2, (const char *const[]){"a", "b"}));
  PetscCall(HcGridSetUp(*fine));
  if (cs->land) PetscCall(HcTestSetIrregularMask(*fine, 4, 0.2));
  PetscCall(HcGridCreateCoarse(*fine, cs->r, coarse));
  PetscCall(HcGridCreateGlobalVector(*fine, uf));
  PetscCall(HcGridCreateGlobalVector(*coarse, uc));
  PetscCall(HcTestSmoothField(*fine, 3, *uf));
  PetscCall(HcTestMaskField(*fine, *uf));
  PetscCall(HcGridCoarsenVector(*fine, *coarse, *uf, *uc));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunCase(MPI_Comm comm, const Case *cs)
{
  HcGrid      fine, coarse, sfine, scoarse;
  Vec         uf, uc, suf, suc, af, ac, mf, mc;
  PetscReal  *u, *U, *A, *a, *m, *M;
  PetscReal   err = 0, aerr = 0, tot[2] = {0, 0}, ctot[2] = {0, 0};
  PetscInt    nx = cs->nx, ny = cs->ny, r = cs->r, cnx = nx / r, cny = ny / r, bad = 0;
  PetscMPIInt rank;
  PetscBool   same = PETSC_TRUE;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(MakeGrids(comm, cs, &fine, &coarse, &uf, &uc));
  PetscCall(MakeGrids(PETSC_COMM_SELF, cs, &sfine, &scoarse, &suf, &suc));
  PetscCall(HcGridCreateAreaVector(fine, &af));
  PetscCall(HcGridCreateAreaVector(coarse, &ac));
  PetscCall(HcGridGetMask(fine, &mf));
  PetscCall(HcGridGetMask(coarse, &mc));
  PetscCall(HcTestGatherNatural(fine, uf, &u));
  PetscCall(HcTestGatherNatural(coarse, uc, &U));
  PetscCall(HcTestGatherNatural(fine, af, &a));
  PetscCall(HcTestGatherNatural(coarse, ac, &A));
  PetscCall(HcTestGatherNatural(fine, mf, &m));
  PetscCall(HcTestGatherNatural(coarse, mc, &M));
  if (!rank) {
    const PetscScalar *s;

    PetscCall(VecGetArrayRead(suc, &s)); /* each rank alone: the natural order is the local order */
    for (PetscInt q = 0; q < cnx * cny * 2; q++)
      if (U[q] != PetscRealPart(s[q])) same = PETSC_FALSE;
    PetscCall(VecRestoreArrayRead(suc, &s));
    for (PetscInt jc = 0; jc < cny; jc++)
      for (PetscInt ic = 0; ic < cnx; ic++) {
        PetscReal area = 0, active = 0, sum[2] = {0, 0};
        PetscBool anyactive = PETSC_FALSE;

        for (PetscInt b = 0; b < r; b++)
          for (PetscInt c = 0; c < r; c++) {
            const PetscInt q = (r * jc + b) * nx + r * ic + c;

            area += a[q];
            if (m[q] == 0) continue;
            anyactive = PETSC_TRUE;
            active += a[q];
            for (int f = 0; f < 2; f++) sum[f] += a[q] * u[2 * q + f];
          }
        aerr = PetscMax(aerr, PetscAbsReal(area - A[jc * cnx + ic]) / area);
        if ((M[jc * cnx + ic] != 0) != anyactive) bad++;
        for (int f = 0; f < 2; f++) {
          const PetscReal expect = active > 0 ? sum[f] / active : 0;

          err = PetscMax(err, PetscAbsReal(expect - U[2 * (jc * cnx + ic) + f]));
          ctot[f] += active * U[2 * (jc * cnx + ic) + f];
          tot[f] += sum[f];
        }
      }
  }
  PetscCallMPI(MPI_Bcast(&same, 1, MPIU_BOOL, 0, comm));
  PetscCallMPI(MPI_Bcast(&err, 1, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(&aerr, 1, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(&bad, 1, MPIU_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(tot, 2, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(ctot, 2, MPIU_REAL, 0, comm));
  PetscCall(PetscPrintf(comm, "%s: %" PetscInt_FMT " x %" PetscInt_FMT " -> %" PetscInt_FMT " x %" PetscInt_FMT "\n", cs->name,
                        nx, ny, cnx, cny));
  PetscCall(HcTestCheck(comm, aerr < 1e-13, "coarse cell areas are the sums of their fine areas (rel error %.1e)", (double)aerr));
  PetscCall(HcTestCheck(comm, err < 1e-14, "averages over the active fine cells agree with rank 0's own sums (max error %.1e)",
                        (double)err));
  PetscCall(
      HcTestCheck(comm, bad == 0, "a coarse cell is land exactly when all its fine cells are (%" PetscInt_FMT " wrong)", bad));
  for (int f = 0; f < 2; f++)
    PetscCall(HcTestCheck(comm, PetscAbsReal(ctot[f] - tot[f]) <= 1e-13 * PetscAbsReal(tot[f]) + 1e-300,
                          "field %d: sum of active area x average = fine total %.15e (rel diff %.1e)", f, (double)tot[f],
                          (double)(PetscAbsReal(ctot[f] - tot[f]) / PetscMax(PetscAbsReal(tot[f]), 1e-300))));
  if (!cs->land) {
    PetscReal ft[2], ct[2];

    PetscCall(HcGridIntegrate(fine, uf, ft));
    PetscCall(HcGridIntegrate(coarse, uc, ct));
    PetscCall(HcTestCheck(comm,
                          PetscAbsReal(ft[0] - ct[0]) <= 1e-13 * PetscAbsReal(ft[0]) &&
                              PetscAbsReal(ft[1] - ct[1]) <= 1e-13 * PetscAbsReal(ft[1]),
                          "HcGridIntegrate: coarse total %.15e = fine total %.15e", (double)ct[0], (double)ft[0]));
  }
  PetscCall(HcTestCheck(comm, same, "bitwise the same coarse field as each rank computing alone"));
  { /* HcRegrid's conservative map (overlap areas, land dropped and renormalised) is independent code for the same averages */
    HcRegrid  rg;
    Vec       ur;
    PetscReal d, nrm;

    PetscCall(HcRegridCreate(fine, coarse, HC_REGRID_CONSERVATIVE, &rg));
    PetscCall(VecDuplicate(uc, &ur));
    PetscCall(HcRegridApply(rg, uf, ur));
    PetscCall(HcTestMaskField(coarse, ur));
    PetscCall(VecAXPY(ur, -1, uc));
    PetscCall(VecNorm(ur, NORM_INFINITY, &d));
    PetscCall(VecNorm(uc, NORM_INFINITY, &nrm));
    PetscCall(HcTestCheck(comm, d <= 1e-13 * nrm, "HcRegrid's conservative map gives the same averages (max difference %.1e)",
                          (double)d));
    PetscCall(VecDestroy(&ur));
    PetscCall(HcRegridDestroy(&rg));
  }
  PetscCall(PetscFree(u));
  PetscCall(PetscFree(U));
  PetscCall(PetscFree(a));
  PetscCall(PetscFree(A));
  PetscCall(PetscFree(m));
  PetscCall(PetscFree(M));
  PetscCall(VecDestroy(&af));
  PetscCall(VecDestroy(&ac));
  PetscCall(VecDestroy(&uf));
  PetscCall(VecDestroy(&uc));
  PetscCall(VecDestroy(&suf));
  PetscCall(VecDestroy(&suc));
  PetscCall(HcGridDestroy(&fine));
  PetscCall(HcGridDestroy(&coarse));
  PetscCall(HcGridDestroy(&sfine));
  PetscCall(HcGridDestroy(&scoarse));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const Case cases[] = {
      {"Cartesian, no land, r = 3", HC_GRID_CARTESIAN, 21, 15, 3, PETSC_FALSE},
      {"Cartesian, land, r = 3", HC_GRID_CARTESIAN, 21, 15, 3, PETSC_TRUE},
      {"lat-lon, no land, r = 2", HC_GRID_LATLON, 36, 24, 2, PETSC_FALSE},
      {"lat-lon, land, r = 4", HC_GRID_LATLON, 36, 24, 4, PETSC_TRUE},
  };
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) PetscCall(RunCase(PETSC_COMM_WORLD, &cases[c]));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
