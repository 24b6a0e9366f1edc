static const char help[] =
    "Real data: NOAA ERSST v5 ($HYCAST_DATA/ersst/sst.mnmean.nc; skipped with a message when absent).  A North Atlantic\n"
    "box read on all ranks equals, bitwise, the same box read by each rank alone; the global grid's land fraction is about\n"
    "31%; with -t_samples, prints sample values (SAMPLE step lon lat value) for t051-ersst.sh to compare with ncdump.\n";

#include "testutil.h"

static PetscErrorCode OpenBox(MPI_Comm comm, const char file[], PetscBool box, HcReader *r)
{
  PetscFunctionBeginUser;
  PetscCall(HcReaderCreate(comm, r));
  PetscCall(HcReaderSetFile(*r, file));
  PetscCall(HcReaderSetVariables(*r, 1, (const char *const[]){"sst"}));
  if (box) PetscCall(HcReaderSetBox(*r, 280, 350, 10, 60)); /* 80 W .. 10 W, 10 N .. 60 N */
  PetscCall(HcReaderSetUp(*r));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char        file[PETSC_MAX_PATH_LEN] = "";
  PetscBool   exists, samples = PETSC_FALSE;
  MPI_Comm    comm;
  PetscMPIInt rank;
  int         status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscOptionsBegin(comm, NULL, "ERSST test", "");
  PetscCall(PetscOptionsString("-t_file", "ERSST v5 file", "", file, file, sizeof(file), NULL));
  PetscCall(PetscOptionsBool("-t_samples", "Print sample values for the comparison with ncdump", "", samples, &samples, NULL));
  PetscOptionsEnd();
  if (!file[0]) { /* the shared data directory, as make exports it */
    const char *dir = getenv("HYCAST_DATA");

    if (!dir) {
      PetscCall(PetscPrintf(comm, "SKIPPED: HYCAST_DATA is not set (make sets it) and no -t_file given\n"));
      PetscCall(PetscFinalize());
      return 0;
    }
    PetscCall(PetscSNPrintf(file, sizeof(file), "%s/ersst/sst.mnmean.nc", dir));
  }
  PetscCall(PetscTestFile(file, 'r', &exists));
  if (!exists) {
    PetscCall(PetscPrintf(comm, "SKIPPED: %s not found (real ERSST data is user-supplied in $HYCAST_DATA)\n", file));
    PetscCall(PetscFinalize());
    return 0;
  }

  /* the North Atlantic box on every rank vs. on each rank alone */
  {
    HcReader   rw, rs;
    HcGrid     gw, gs;
    Vec        uw, us;
    PetscInt   nt, nx, ny, nactive, nsteps = 0;
    PetscBool  same = PETSC_TRUE;
    PetscReal *nw, vmin, vmax;

    PetscCall(OpenBox(comm, file, PETSC_TRUE, &rw));
    PetscCall(OpenBox(PETSC_COMM_SELF, file, PETSC_TRUE, &rs));
    PetscCall(HcReaderGetGrid(rw, &gw));
    PetscCall(HcReaderGetGrid(rs, &gs));
    PetscCall(HcReaderGetTimes(rw, &nt, NULL));
    PetscCall(HcGridGetSizes(gw, &nx, &ny));
    PetscCall(HcGridGetActiveCount(gw, &nactive));
    PetscCall(HcReaderGetValueRange(rw, 0, &vmin, &vmax));
    PetscCall(HcGridCreateGlobalVector(gw, &uw));
    PetscCall(HcGridCreateGlobalVector(gs, &us));
    for (PetscInt k = 0; k < nt; k++) {
      PetscCall(HcReaderRead(rw, k, uw));
      PetscCall(HcReaderRead(rs, k, us));
      PetscCall(HcTestGatherNatural(gw, uw, &nw));
      if (!rank) {
        const PetscScalar *a;

        PetscCall(VecGetArrayRead(us, &a));
        for (PetscInt q = 0; q < nx * ny; q++)
          if (nw[q] != PetscRealPart(a[q])) same = PETSC_FALSE;
        PetscCall(VecRestoreArrayRead(us, &a));
        nsteps++;
      }
      if (samples && !rank && (k == 0 || k == 17 || k == 64 || k == 127)) {
        const PetscReal *xc, *yc;
        const PetscInt   pick[][2] = {{3, 2}, {20, 5}, {30, 12}, {10, 20}, {25, 24}, {33, 8}};

        PetscCall(HcGridGetCoordinates(gs, &xc, &yc));
        for (int s = 0; s < 6; s++) {
          const PetscInt i = pick[s][0], j = pick[s][1];
          if (nw[j * nx + i] != 0)
            PetscCall(PetscPrintf(PETSC_COMM_SELF, "SAMPLE %" PetscInt_FMT " %g %g %.9g\n", k, (double)xc[i], (double)yc[j],
                                  (double)nw[j * nx + i]));
        }
      }
      PetscCall(PetscFree(nw));
    }
    PetscCallMPI(MPI_Bcast(&same, 1, MPIU_BOOL, 0, comm));
    PetscCall(HcTestCheck(comm, nx == 36 && ny == 26 && nt == 128,
                          "North Atlantic box 280..350 E, 10..60 N: %" PetscInt_FMT " x %" PetscInt_FMT " cells, %" PetscInt_FMT
                          " months",
                          nx, ny, nt));
    PetscCall(HcTestCheck(
        comm, same, "all ranks together read bitwise the values one rank reads alone (%" PetscInt_FMT " months compared)", nt));
    PetscCall(HcTestCheck(comm, nactive > 0.5 * nx * ny && vmin > -2 && vmax < 35,
                          "ocean cells %" PetscInt_FMT " of %" PetscInt_FMT ", SST %.2f .. %.2f degC", nactive, nx * ny,
                          (double)vmin, (double)vmax));
    PetscCall(VecDestroy(&uw));
    PetscCall(VecDestroy(&us));
    PetscCall(HcReaderDestroy(&rw));
    PetscCall(HcReaderDestroy(&rs));
  }

  /* the global grid: land fraction, periodic longitude, flipped latitude */
  {
    HcReader         r;
    HcGrid           g;
    PetscInt         nx, ny, nactive;
    PetscBool        px, py;
    const PetscReal *yc;
    PetscReal        frac;

    PetscCall(OpenBox(comm, file, PETSC_FALSE, &r));
    PetscCall(HcReaderGetGrid(r, &g));
    PetscCall(HcGridGetSizes(g, &nx, &ny));
    PetscCall(HcGridGetActiveCount(g, &nactive));
    PetscCall(HcGridGetPeriodic(g, &px, &py));
    PetscCall(HcGridGetCoordinates(g, NULL, &yc));
    frac = 1 - (PetscReal)nactive / (nx * ny);
    PetscCall(HcTestCheck(comm, PetscAbsReal(frac - 0.31) < 0.01,
                          "global grid %" PetscInt_FMT " x %" PetscInt_FMT ": land fraction %.4f (about 31%%)", nx, ny,
                          (double)frac));
    PetscCall(HcTestCheck(comm, px && !py && yc[0] == -88 && yc[ny - 1] == 88,
                          "longitude periodic, latitudes 88 N .. 88 S flipped to %g .. %g", (double)yc[0], (double)yc[ny - 1]));
    PetscCall(HcReaderDestroy(&r));
  }
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
