static const char help[] =
    "Per-rank reading: every value of tests/data/hyperslab.cdl encodes its own file indices (10000 t + 100 j + i), so each\n"
    "rank can check that it holds exactly the cells of its subdomain, and the reader's count of values read shows that it\n"
    "read nothing else: set-up's scan plus the reads of every step, i.e. 2 x steps x local cells.  Whole grid, boxes across\n"
    "0 E, strides, a time range; classic and NetCDF-4 files.\n";

#include "ncgen.h"

typedef struct {
  const char *name, *opts;
  PetscInt    t0; /* first file step of the selection */
} Case;

static PetscErrorCode RunCase(MPI_Comm comm, const char path[], const char format[], const Case *cs, int id)
{
  HcReader           r;
  HcGrid             grid;
  Vec                u;
  PetscInt           nt, xs, ys, xm, ym, nx, ny, bad = 0;
  PetscInt64         after_setup, after_reads;
  const PetscReal   *xc, *yc;
  const PetscScalar *a;
  char               prefix[32], opts[1024];
  PetscMPIInt        rank, size;
  PetscBool          countok;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "h%d_", id));
  {
    char buf[1024];

    PetscCall(HcTestPrefixOptions(prefix, cs->opts, buf, sizeof(buf)));
    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-%sdata_file %s %s", prefix, path, buf));
  }
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(HcReaderCreate(comm, &r));
  PetscCall(HcReaderSetOptionsPrefix(r, prefix));
  PetscCall(HcReaderSetFromOptions(r));
  PetscCall(HcReaderSetUp(r));
  PetscCall(HcReaderGetGrid(r, &grid));
  PetscCall(HcReaderGetTimes(r, &nt, NULL));
  PetscCall(HcGridGetSizes(grid, &nx, &ny));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(HcGridGetCoordinates(grid, &xc, &yc));
  PetscCall(HcReaderGetReadCount(r, &after_setup));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  for (PetscInt k = 0; k < nt; k++) {
    PetscCall(HcReaderRead(r, k, u));
    PetscCall(VecGetArrayRead(u, &a));
    for (PetscInt j = ys; j < ys + ym; j++)
      for (PetscInt i = xs; i < xs + xm; i++) {
        /* the file cell of this grid cell, from its coordinates: lon = 10 i, lat = 81 - 18 j */
        const PetscReal lon = xc[i] - 360 * PetscFloorReal(xc[i] / 360);
        const PetscInt  fi = (PetscInt)PetscFloorReal(lon / 10 + 0.5), fj = (PetscInt)PetscFloorReal((81 - yc[j]) / 18 + 0.5);

        if (PetscRealPart(a[(j - ys) * xm + i - xs]) != 10000 * (cs->t0 + k) + 100 * fj + fi) bad++;
      }
    PetscCall(VecRestoreArrayRead(u, &a));
  }
  PetscCall(HcReaderGetReadCount(r, &after_reads));
  countok = after_setup == (PetscInt64)nt * xm * ym && after_reads == 2 * (PetscInt64)nt * xm * ym ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscSynchronizedPrintf(
      comm,
      "    rank %d of %d: owns %" PetscInt_FMT " x %" PetscInt_FMT " cells at (%" PetscInt_FMT ", %" PetscInt_FMT
      "); read %" PetscInt64_FMT " values in set-up and %" PetscInt64_FMT " in %" PetscInt_FMT " reads = 2 x %" PetscInt_FMT
      " x %" PetscInt_FMT " cells: %s; misplaced values %" PetscInt_FMT "\n",
      rank, size, xm, ym, xs, ys, after_setup, after_reads - after_setup, nt, nt, xm * ym, countok ? "yes" : "NO", bad));
  PetscCall(PetscSynchronizedFlush(comm, PETSC_STDOUT));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &countok, 1, MPIU_BOOL, MPI_LAND, comm));
  PetscCall(HcTestCheck(comm, bad == 0,
                        "%s, %s (%" PetscInt_FMT " x %" PetscInt_FMT " cells, %" PetscInt_FMT
                        " steps): every rank holds the values of its own cells",
                        cs->name, format, nx, ny, nt));
  PetscCall(HcTestCheck(comm, countok,
                        "%s, %s: every rank read exactly its local hyperslab (values read = 2 x steps x local cells)", cs->name,
                        format));
  PetscCall(VecDestroy(&u));
  PetscCall(HcReaderDestroy(&r));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const Case cases[] = {
      {"whole grid, latitude flipped", "", 0},
      {"box 300..60 E across 0 E", "-data_box 300,60,-30,70", 0},
      {"box -100..100 E, stride 2", "-data_box -100,100,-90,90 -data_stride 2", 0},
      {"stride 3, steps 1..2", "-data_stride 3 -data_time_range 1,2", 1},
      {"box across 0 E, stride 2, date 2000-01-03 only",
       "-data_box 250,110,-60,80 -data_stride 2 -data_dates 2000-01-03,2000-01-03", 2},
  };
  const int   kinds[]   = {1, 3};
  const char *formats[] = {"classic", "NetCDF-4"};
  char        path[PETSC_MAX_PATH_LEN];
  int         status, id = 0;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  for (int f = 0; f < 2; f++) {
    PetscCall(HcTestNCGen(PETSC_COMM_WORLD, "hyperslab", kinds[f], path, sizeof(path)));
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
      PetscCall(RunCase(PETSC_COMM_WORLD, path, formats[f], &cases[c], id++));
  }
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
