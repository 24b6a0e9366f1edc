static const char help[] =
    "HcWriter round trip: fields read from CDL-made files (packed, missing values and a box across 180 E, environments,\n"
    "a level and a date range) are written with HcWriter and read back bitwise identical, with the same grid, land, times,\n"
    "time units and calendar.  The final name appears only when the writer is closed; an abandoned writer leaves nothing.\n";

#include <unistd.h>
#include "ncgen.h"

typedef struct {
  const char *cdl, *opts, *wopts, *name;
  int         kind;
} Case;

static PetscErrorCode Exists(MPI_Comm comm, const char path[], PetscBool *flg)
{
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  *flg = PETSC_FALSE;
  if (!rank) PetscCall(PetscTestFile(path, 'r', flg));
  PetscCallMPI(MPI_Bcast(flg, 1, MPIU_BOOL, 0, comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode RemoveFile(MPI_Comm comm, const char path[])
{
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) (void)remove(path);
  PetscCallMPI(MPI_Barrier(comm));
  PetscFunctionReturn(0);
}

/* The temporary name HcWriter uses on rank 0: .NAME.tmp.PID next to the file. */
static PetscErrorCode TempName(MPI_Comm comm, const char path[], char tmp[], size_t len)
{
  const char *slash = strrchr(path, '/');
  int         pid   = (int)getpid();

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Bcast(&pid, 1, MPI_INT, 0, comm));
  PetscCall(PetscSNPrintf(tmp, len, "%.*s.%s.tmp.%d", (int)(slash - path + 1), path, slash + 1, pid));
  PetscFunctionReturn(0);
}

static PetscErrorCode OpenReader(MPI_Comm comm, const char prefix[], const char file[], const char opts[], HcReader *r)
{
  char buf[2048], popts[1024];

  PetscFunctionBeginUser;
  PetscCall(HcTestPrefixOptions(prefix, opts, popts, sizeof(popts)));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "-%sdata_file %s %s", prefix, file, popts));
  PetscCall(PetscOptionsInsertString(NULL, buf));
  PetscCall(HcReaderCreate(comm, r));
  PetscCall(HcReaderSetOptionsPrefix(*r, prefix));
  PetscCall(HcReaderSetFromOptions(*r));
  PetscCall(HcReaderSetUp(*r));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunCase(MPI_Comm comm, const Case *cs, int id)
{
  HcReader         ra, rb;
  HcWriter         w;
  HcGrid           ga, gb;
  Vec              ua, ub, ma, mb;
  char             in[PETSC_MAX_PATH_LEN], out[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN], pa[16], pb[16], pw[16], opts[1024];
  const char      *ua_units, *ua_cal, *ub_units, *ub_cal, *xunits, *xunitsb;
  const PetscReal *ta, *tb, *xa, *ya, *xb, *yb;
  PetscInt         nt, ntb, nenv, nenvb, nc, nx, ny, nxb, nyb, n, bad = 0;
  PetscReal        terr = 0;
  PetscBool        final_before, tmp_before, final_after, tmp_after, same;
  PetscMPIInt      size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(HcTestNCGen(comm, cs->cdl, cs->kind, in, sizeof(in)));
  PetscCall(PetscSNPrintf(out, sizeof(out), "build/tests/data/rt-%d-n%d.nc", id, size));
  PetscCall(PetscSNPrintf(pa, sizeof(pa), "a%d_", id));
  PetscCall(PetscSNPrintf(pb, sizeof(pb), "b%d_", id));
  PetscCall(PetscSNPrintf(pw, sizeof(pw), "w%d_", id));
  PetscCall(OpenReader(comm, pa, in, cs->opts, &ra));
  PetscCall(HcReaderGetGrid(ra, &ga));
  PetscCall(HcReaderGetTimes(ra, &nt, &ta));
  PetscCall(HcReaderGetTimeUnits(ra, &ua_units, &ua_cal));
  PetscCall(HcReaderGetNumEnvironments(ra, &nenv));
  PetscCall(HcGridGetNumFields(ga, &nc));

  /* write */
  PetscCall(HcTestPrefixOptions(pw, cs->wopts, opts, sizeof(opts)));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(RemoveFile(comm, out)); /* from an earlier run */
  PetscCall(HcWriterCreate(ga, out, &w));
  PetscCall(HcWriterSetOptionsPrefix(w, pw));
  PetscCall(HcWriterSetFromOptions(w));
  if (ua_units) PetscCall(HcWriterSetTimeUnits(w, ua_units, ua_cal));
  PetscCall(HcReaderGetCoordinateUnits(ra, &xunits, NULL));
  PetscCall(HcWriterSetCoordinateUnits(w, xunits));
  if (nenv > 1) PetscCall(HcWriterSetNumEnvironments(w, nenv));
  for (PetscInt c = 0; c < nc; c++) {
    const char *u, *l, *s;

    PetscCall(HcReaderGetFieldAttributes(ra, c, &u, &l, &s));
    PetscCall(HcWriterSetFieldAttributes(w, c, u, l, s));
  }
  PetscCall(HcWriterSetUp(w));
  PetscCall(HcGridCreateGlobalVector(ga, &ua));
  for (PetscInt e = 0; e < nenv; e++) {
    PetscCall(HcReaderSetEnvironment(ra, e));
    for (PetscInt k = 0; k < nt; k++) {
      PetscCall(HcReaderRead(ra, k, ua));
      PetscCall(HcWriterWrite(w, nenv > 1 ? e : 0, k, ta[k], ua));
    }
  }
  PetscCall(TempName(comm, out, tmp, sizeof(tmp)));
  PetscCall(Exists(comm, out, &final_before));
  PetscCall(Exists(comm, tmp, &tmp_before));
  PetscCall(HcWriterClose(w));
  PetscCall(Exists(comm, out, &final_after));
  PetscCall(Exists(comm, tmp, &tmp_after));
  PetscCall(HcWriterDestroy(&w));
  PetscCall(HcTestCheck(
      comm, !final_before && tmp_before && final_after && !tmp_after,
      "%s: written under a temporary name, renamed when closed (final name before/after close: %d/%d, temporary: %d/%d)",
      cs->name, final_before, final_after, tmp_before, tmp_after));

  /* read back */
  PetscCall(OpenReader(comm, pb, out, "", &rb));
  PetscCall(HcReaderGetGrid(rb, &gb));
  PetscCall(HcReaderGetTimes(rb, &ntb, &tb));
  PetscCall(HcReaderGetTimeUnits(rb, &ub_units, &ub_cal));
  PetscCall(HcReaderGetNumEnvironments(rb, &nenvb));
  PetscCall(HcGridGetSizes(ga, &nx, &ny));
  PetscCall(HcGridGetSizes(gb, &nxb, &nyb));
  PetscCall(HcGridGetCoordinates(ga, &xa, &ya));
  PetscCall(HcGridGetCoordinates(gb, &xb, &yb));
  same = nx == nxb && ny == nyb && nt == ntb && nenv == nenvb ? PETSC_TRUE : PETSC_FALSE;
  for (PetscInt i = 0; same && i < nx; i++)
    if (xa[i] != xb[i]) same = PETSC_FALSE;
  for (PetscInt j = 0; same && j < ny; j++)
    if (ya[j] != yb[j]) same = PETSC_FALSE;
  PetscCall(HcReaderGetCoordinateUnits(rb, &xunitsb, NULL));
  if (same) PetscCall(PetscStrcmp(xunits, xunitsb, &same));
  PetscCall(HcTestCheck(comm, same,
                        "%s: same grid (%" PetscInt_FMT " x %" PetscInt_FMT ", x in %s), %" PetscInt_FMT " steps, %" PetscInt_FMT
                        " environment(s)",
                        cs->name, nxb, nyb, xunitsb, ntb, nenvb));
  for (PetscInt k = 0; same && k < nt; k++) terr = PetscMax(terr, PetscAbsReal(ta[k] - tb[k]) / PetscMax(1, PetscAbsReal(ta[k])));
  if (ua_units) {
    PetscBool su = PETSC_FALSE, sc = PETSC_FALSE;

    if (ub_units) {
      PetscCall(PetscStrcmp(ua_units, ub_units, &su));
      PetscCall(PetscStrcmp(ua_cal, ub_cal, &sc));
    }
    PetscCall(HcTestCheck(comm, su && sc && terr < 1e-14, "%s: time units '%s', calendar %s kept; times agree to %.1e", cs->name,
                          ub_units ? ub_units : "(none)", ub_cal ? ub_cal : "(none)", (double)terr));
  }
  PetscCall(HcGridGetMask(ga, &ma));
  PetscCall(HcGridGetMask(gb, &mb));
  PetscCall(VecEqual(ma, mb, &same));
  PetscCall(HcTestCheck(comm, same, "%s: the same land cells (_FillValue on land)", cs->name));
  PetscCall(HcGridCreateGlobalVector(gb, &ub));
  PetscCall(VecGetLocalSize(ua, &n));
  for (PetscInt e = 0; e < nenv; e++) {
    PetscCall(HcReaderSetEnvironment(ra, e));
    PetscCall(HcReaderSetEnvironment(rb, e));
    for (PetscInt k = 0; k < nt; k++) {
      const PetscScalar *a, *b;

      PetscCall(HcReaderRead(ra, k, ua));
      PetscCall(HcReaderRead(rb, k, ub));
      PetscCall(VecGetArrayRead(ua, &a));
      PetscCall(VecGetArrayRead(ub, &b));
      for (PetscInt q = 0; q < n; q++)
        if (a[q] != b[q]) bad++;
      PetscCall(VecRestoreArrayRead(ua, &a));
      PetscCall(VecRestoreArrayRead(ub, &b));
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_SUM, comm));
  PetscCall(HcTestCheck(comm, bad == 0, "%s: every value read back bitwise identical (%" PetscInt_FMT " differ)", cs->name, bad));
  PetscCall(VecDestroy(&ua));
  PetscCall(VecDestroy(&ub));
  PetscCall(HcReaderDestroy(&ra));
  PetscCall(HcReaderDestroy(&rb));
  PetscFunctionReturn(0);
}

/* A writer destroyed before HcWriterClose() (what an error does) leaves neither the file nor its temporary. */
static PetscErrorCode Abandon(MPI_Comm comm)
{
  HcReader    r;
  HcWriter    w;
  HcGrid      g;
  Vec         u;
  char        in[PETSC_MAX_PATH_LEN], out[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN];
  PetscBool   tmp_during, final_after, tmp_after;
  PetscMPIInt size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(HcTestNCGen(comm, "ll-packed", 1, in, sizeof(in)));
  PetscCall(PetscSNPrintf(out, sizeof(out), "build/tests/data/rt-abandoned-n%d.nc", size));
  PetscCall(OpenReader(comm, "ab_", in, "", &r));
  PetscCall(HcReaderGetGrid(r, &g));
  PetscCall(HcGridCreateGlobalVector(g, &u));
  PetscCall(HcReaderRead(r, 0, u));
  PetscCall(RemoveFile(comm, out));
  PetscCall(HcWriterCreate(g, out, &w));
  PetscCall(HcWriterSetUp(w));
  PetscCall(HcWriterWrite(w, 0, 0, 0, u));
  PetscCall(TempName(comm, out, tmp, sizeof(tmp)));
  PetscCall(Exists(comm, tmp, &tmp_during));
  PetscCall(HcWriterDestroy(&w));
  PetscCall(Exists(comm, out, &final_after));
  PetscCall(Exists(comm, tmp, &tmp_after));
  PetscCall(HcTestCheck(
      comm, tmp_during && !final_after && !tmp_after,
      "a writer destroyed before it is closed leaves nothing (temporary while writing %d, after: file %d, temporary %d)",
      tmp_during, final_after, tmp_after));
  PetscCall(VecDestroy(&u));
  PetscCall(HcReaderDestroy(&r));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const Case cases[] = {
      {"ll-packed", "", "", "packed short (classic) to double", 1},
      {"ll-missing", "-data_box 120,240,-80,80", "-writer_precision single", "floats with land, box across 180 E, single", 3},
      {"cartesian-env", "", "-writer_deflate 0", "Cartesian with 3 environments", 2},
      {"ll-regional", "-data_level 1 -data_dates 2000-01-01,2000-12-30", "", "level 1, 360-day calendar", 1},
  };
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) PetscCall(RunCase(PETSC_COMM_WORLD, &cases[c], (int)c));
  PetscCall(Abandon(PETSC_COMM_WORLD));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
