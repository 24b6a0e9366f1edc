static const char help[] =
    "HcReader on NetCDF files made from tests/data/*.cdl: packed short with scale/offset in the classic, 64-bit offset,\n"
    "NetCDF-4 and CDF-5 formats; _FillValue, missing_value and NaN as land; north-first and south-first latitudes;\n"
    "0..360 and -180..180 longitudes with boxes across the 0 and 180 meridians; non-uniform latitudes; a level dimension;\n"
    "every CF calendar; dates and index ranges; Cartesian axes with environments; auxiliary fields; filling; a variable\n"
    "stored with longitude before latitude; several fields whose missing cells differ (a cell where one field has no\n"
    "value at any time is land for every field, auxiliary fields included).\n";

#include "ncgen.h"

static PetscReal F(PetscInt t, PetscReal x, PetscReal y)
{
  return 10 + 0.2 * y + 3 * PetscSinReal(x * PETSC_PI / 180) + 0.5 * t;
}

typedef PetscReal (*ExpectFn)(PetscInt, PetscReal, PetscReal, const PetscReal *);

static PetscReal ExpectF(PetscInt k, PetscReal x, PetscReal y, const PetscReal *p)
{
  return F(k + (PetscInt)p[0], x, y) + p[1];
}

static PetscReal ExpectCartesian(PetscInt k, PetscReal x, PetscReal y, const PetscReal *p)
{
  return 1 + 0.01 * x + 0.001 * y + k + 1000 * p[0];
}

static PetscReal ExpectU(PetscInt k, PetscReal x, PetscReal y, const PetscReal *p)
{
  return 0.1 * k + 0.001 * x;
}

static PetscReal ExpectV(PetscInt k, PetscReal x, PetscReal y, const PetscReal *p)
{
  return 0.002 * y;
}

/* land-fields.cdl: sss and u are G, ice and gappy H (sst is F + 20) */
static PetscReal ExpectG(PetscInt k, PetscReal x, PetscReal y, const PetscReal *p)
{
  return 34 + 0.01 * y + 0.1 * k;
}

static PetscReal ExpectH(PetscInt k, PetscReal x, PetscReal y, const PetscReal *p)
{
  return 1 + 0.01 * y + 0.002 * x + 0.1 * k;
}

static PetscErrorCode OpenReader(MPI_Comm comm, const char prefix[], const char opts[], HcReader *r)
{
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(HcReaderCreate(comm, r));
  PetscCall(HcReaderSetOptionsPrefix(*r, prefix));
  PetscCall(HcReaderSetFromOptions(*r));
  PetscCall(HcReaderSetUp(*r));
  PetscFunctionReturn(0);
}

/* Read every selected step (aux: the auxiliary fields); field c of active cells must match f within tol, land cells
   hold 0.  Returns the largest error and the number of land cells. */
static PetscErrorCode CheckField(HcReader r, PetscBool aux, PetscInt c, ExpectFn f, const PetscReal *p, PetscReal *maxerr,
                                 PetscInt *nland)
{
  HcGrid              grid;
  DM                  da1;
  Vec                 u, mask;
  PetscInt            nt, xs, ys, xm, ym, nc, land = 0;
  const PetscReal    *xc, *yc;
  const PetscScalar  *a;
  const PetscScalar **m;
  PetscReal           err = 0;
  MPI_Comm            comm;

  PetscFunctionBeginUser;
  PetscCall(HcReaderGetGrid(r, &grid));
  PetscCall(HcGridGetComm(grid, &comm));
  PetscCall(HcReaderGetTimes(r, &nt, NULL));
  PetscCall(HcGridGetCoordinates(grid, &xc, &yc));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(HcGridGetScalarDM(grid, &da1));
  PetscCall(HcGridGetMask(grid, &mask));
  if (aux) {
    PetscCall(HcReaderCreateAuxiliaryVector(r, &u));
    PetscCall(HcReaderGetNumAuxiliary(r, &nc));
  } else {
    PetscCall(HcGridCreateGlobalVector(grid, &u));
    PetscCall(HcGridGetNumFields(grid, &nc));
  }
  PetscCall(DMDAVecGetArrayRead(da1, mask, &m));
  for (PetscInt k = 0; k < nt; k++) {
    if (aux)
      PetscCall(HcReaderReadAuxiliary(r, k, u));
    else
      PetscCall(HcReaderRead(r, k, u));
    PetscCall(VecGetArrayRead(u, &a));
    for (PetscInt j = ys; j < ys + ym; j++)
      for (PetscInt i = xs; i < xs + xm; i++) {
        const PetscReal v = PetscRealPart(a[((j - ys) * xm + i - xs) * nc + c]);

        if (m[j][i] == 0) {
          if (!k) land++;
          if (v != 0) err = PETSC_MAX_REAL;
        } else
          err = PetscMax(err, PetscAbsReal(v - f(k, xc[i], yc[j], p)));
      }
    PetscCall(VecRestoreArrayRead(u, &a));
  }
  PetscCall(DMDAVecRestoreArrayRead(da1, mask, &m));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &err, 1, MPIU_REAL, MPI_MAX, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &land, 1, MPIU_INT, MPI_SUM, comm));
  *maxerr = err;
  *nland  = land;
  PetscCall(VecDestroy(&u));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckAxis(MPI_Comm comm, HcReader r, int d, PetscInt n, const PetscReal expect[], const char what[])
{
  HcGrid           grid;
  const PetscReal *xc, *yc, *c;
  PetscInt         nx, ny;
  PetscBool        ok;

  PetscFunctionBeginUser;
  PetscCall(HcReaderGetGrid(r, &grid));
  PetscCall(HcGridGetSizes(grid, &nx, &ny));
  PetscCall(HcGridGetCoordinates(grid, &xc, &yc));
  c  = d ? yc : xc;
  ok = (d ? ny : nx) == n ? PETSC_TRUE : PETSC_FALSE;
  for (PetscInt i = 0; ok && i < n; i++)
    if (PetscAbsReal(c[i] - expect[i]) > 1e-9) ok = PETSC_FALSE;
  PetscCall(HcTestCheck(comm, ok, "%s: %" PetscInt_FMT " %s centres %g .. %g", what, d ? ny : nx, d ? "y" : "x", (double)c[0],
                        (double)c[(d ? ny : nx) - 1]));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckPeriodic(MPI_Comm comm, HcReader r, PetscBool px, PetscBool py, const char what[])
{
  HcGrid    grid;
  PetscBool gx, gy;

  PetscFunctionBeginUser;
  PetscCall(HcReaderGetGrid(r, &grid));
  PetscCall(HcGridGetPeriodic(grid, &gx, &gy));
  PetscCall(HcTestCheck(comm, gx == px && gy == py, "%s: periodic x %d, y %d (expected %d, %d)", what, gx, gy, px, py));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckDates(MPI_Comm comm, HcReader r, PetscInt n, const char *const dates[], const char what[])
{
  PetscInt         nt;
  const PetscReal *t;
  char             buf[64], all[512] = "";
  PetscBool        ok;

  PetscFunctionBeginUser;
  PetscCall(HcReaderGetTimes(r, &nt, &t));
  ok = nt == n ? PETSC_TRUE : PETSC_FALSE;
  for (PetscInt k = 0; k < nt; k++) {
    PetscBool same;
    PetscReal back;

    PetscCall(HcReaderFormatTime(r, t[k], buf, sizeof(buf)));
    PetscCall(PetscStrlcat(all, k ? ", " : "", sizeof(all)));
    PetscCall(PetscStrlcat(all, buf, sizeof(all)));
    PetscCall(PetscStrcmp(buf, k < n ? dates[k] : "", &same));
    if (!same) ok = PETSC_FALSE;
    PetscCall(HcReaderParseDate(r, dates[PetscMin(k, n - 1)], &back)); /* and back: the date gives the same model time */
    if (PetscAbsReal(back - t[k]) > 1e-6) ok = PETSC_FALSE;
  }
  PetscCall(HcTestCheck(comm, ok, "%s: %s", what, all));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm  comm;
  HcReader  r;
  char      path[PETSC_MAX_PATH_LEN], opts[2048], prefix[32];
  PetscReal err, p[2] = {0, 0}, *ref = NULL;
  PetscInt  nland, nt;
  int       status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;

  /* packed short in four formats: same decoded values, land from _FillValue, latitude flipped, global longitude */
  {
    const int       kinds[] = {1, 2, 3, 5};
    const char     *names[] = {"classic", "64-bit offset", "NetCDF-4", "CDF-5"};
    const PetscReal lat[] = {-75, -45, -15, 15, 45, 75}, lon[] = {0, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 330};
    const char     *dates[] = {"2000-01-01", "2000-02-01", "2000-03-01"};

    for (int f = 0; f < 4; f++) {
      HcGrid     grid;
      Vec        u;
      PetscReal *nat;
      char       what[128];

      PetscCall(HcTestNCGen(comm, "ll-packed", kinds[f], path, sizeof(path)));
      PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "p%d_", f));
      PetscCall(PetscSNPrintf(opts, sizeof(opts), "-%sdata_file %s", prefix, path));
      PetscCall(OpenReader(comm, prefix, opts, &r));
      PetscCall(PetscSNPrintf(what, sizeof(what), "packed short, %s", names[f]));
      PetscCall(CheckAxis(comm, r, 0, 12, lon, what));
      PetscCall(CheckAxis(comm, r, 1, 6, lat, "north-first latitudes flipped"));
      PetscCall(CheckPeriodic(comm, r, PETSC_TRUE, PETSC_FALSE, "0..330 E detected as global"));
      PetscCall(CheckField(r, PETSC_FALSE, 0, ExpectF, p, &err, &nland));
      PetscCall(HcTestCheck(comm, err <= 0.005 + 1e-9,
                            "%s: stored * scale_factor + add_offset within half a packing step of F (max error %.2e)", what,
                            (double)err));
      PetscCall(
          HcTestCheck(comm, nland == 4, "%s: the 4 _FillValue cells are land and hold 0 (found %" PetscInt_FMT ")", what, nland));
      PetscCall(CheckDates(comm, r, 3, dates, "standard calendar, days since 2000-01-01"));
      PetscCall(HcReaderGetGrid(r, &grid));
      PetscCall(HcGridCreateGlobalVector(grid, &u));
      PetscCall(HcReaderRead(r, 2, u));
      PetscCall(HcTestGatherNatural(grid, u, &nat));
      if (f == 0)
        ref = nat;
      else {
        PetscBool same = PETSC_TRUE;

        if (nat)
          for (PetscInt q = 0; q < 72; q++)
            if (nat[q] != ref[q]) same = PETSC_FALSE;
        PetscCallMPI(MPI_Bcast(&same, 1, MPIU_BOOL, 0, comm));
        PetscCall(HcTestCheck(comm, same, "%s gives bitwise the values of the classic file", what));
        PetscCall(PetscFree(nat));
      }
      PetscCall(VecDestroy(&u));
      PetscCall(HcReaderDestroy(&r));
    }
    PetscCall(PetscFree(ref));
  }

  /* box across 0 E with a stride, on the packed file */
  {
    const PetscReal lon[] = {-90, -30, 30, 90}, lat[] = {-45, 15};

    PetscCall(HcTestNCGen(comm, "ll-packed", 3, path, sizeof(path)));
    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-b0_data_file %s -b0_data_box -90,90,-50,50 -b0_data_stride 2", path));
    PetscCall(OpenReader(comm, "b0_", opts, &r));
    PetscCall(CheckAxis(comm, r, 0, 4, lon, "box -90..90 E across 0 E, stride 2"));
    PetscCall(CheckAxis(comm, r, 1, 2, lat, "box -50..50 N, stride 2"));
    PetscCall(CheckPeriodic(comm, r, PETSC_FALSE, PETSC_FALSE, "a box is not periodic"));
    PetscCall(CheckField(r, PETSC_FALSE, 0, ExpectF, p, &err, &nland));
    PetscCall(HcTestCheck(comm, err <= 0.005 + 1e-9 && nland == 1,
                          "box across 0 E: values within %.1e of F, %" PetscInt_FMT " land cell (expected 1)", (double)err,
                          nland));
    PetscCall(HcReaderDestroy(&r));
  }

  /* _FillValue, missing_value and NaN; south-first latitude; longitudes -180..150; noleap calendar in hours */
  {
    const PetscReal lon[] = {-180, -150, -120, -90, -60, -30, 0, 30, 60, 90, 120, 150}, lat[] = {-75, -45, -15, 15, 45, 75};
    const PetscReal boxlon[] = {120, 150, 180, 210, 240};
    const char     *dates[]  = {"2001-01-01", "2001-01-02", "2001-01-03", "2001-01-04"};

    PetscCall(HcTestNCGen(comm, "ll-missing", 3, path, sizeof(path)));
    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-m0_data_file %s", path));
    PetscCall(OpenReader(comm, "m0_", opts, &r));
    PetscCall(CheckAxis(comm, r, 0, 12, lon, "longitudes -180..150"));
    PetscCall(CheckAxis(comm, r, 1, 6, lat, "south-first latitudes kept"));
    PetscCall(CheckPeriodic(comm, r, PETSC_TRUE, PETSC_FALSE, "-180..150 E detected as global"));
    PetscCall(CheckField(r, PETSC_FALSE, 0, ExpectF, p, &err, &nland));
    PetscCall(HcTestCheck(comm, err < 1e-5, "float values match F (max error %.1e)", (double)err));
    PetscCall(
        HcTestCheck(comm, nland == 6, "2 NaN, 2 _FillValue and 2 missing_value cells are land (found %" PetscInt_FMT ")", nland));
    PetscCall(CheckDates(comm, r, 4, dates, "noleap calendar, hours since 2001-01-01"));
    PetscCall(HcReaderDestroy(&r));

    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-m1_data_file %s -m1_data_box 120,240,-80,80", path));
    PetscCall(OpenReader(comm, "m1_", opts, &r));
    PetscCall(CheckAxis(comm, r, 0, 5, boxlon, "box 120..240 E across 180 E on a -180..180 file"));
    PetscCall(CheckField(r, PETSC_FALSE, 0, ExpectF, p, &err, &nland));
    PetscCall(HcTestCheck(comm, err < 1e-5 && nland == 3,
                          "box across 180 E: values match F (max error %.1e), %" PetscInt_FMT " land cells (expected 3)",
                          (double)err, nland));
    PetscCall(HcReaderDestroy(&r));
  }

  /* regional, non-uniform latitudes, a level, 360-day calendar, date and index selection */
  {
    const PetscReal lat[] = {-50, -30, -15, -5, 5, 15, 30, 50}, lon[] = {280, 290, 300, 310, 320, 330, 340};
    const char     *dates[] = {"2000-01-30", "2000-02-30"}, *second[] = {"2000-02-30"};

    PetscCall(HcTestNCGen(comm, "ll-regional", 1, path, sizeof(path)));
    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-r0_data_file %s -r0_data_level 2", path));
    PetscCall(OpenReader(comm, "r0_", opts, &r));
    PetscCall(CheckAxis(comm, r, 1, 8, lat, "non-uniform latitudes"));
    PetscCall(CheckAxis(comm, r, 0, 7, lon, "regional longitudes 280..340"));
    PetscCall(CheckPeriodic(comm, r, PETSC_FALSE, PETSC_FALSE, "regional longitudes are not periodic"));
    p[1] = 200;
    PetscCall(CheckField(r, PETSC_FALSE, 0, ExpectF, p, &err, &nland));
    PetscCall(HcTestCheck(comm, err < 1e-4, "-data_level 2 reads the third depth (F + 200, max error %.1e)", (double)err));
    PetscCall(CheckDates(comm, r, 2, dates, "360_day calendar has February 30"));
    PetscCall(HcReaderDestroy(&r));

    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-r1_data_file %s -r1_data_dates 2000-02-01,2000-03-01", path));
    PetscCall(OpenReader(comm, "r1_", opts, &r));
    PetscCall(CheckDates(comm, r, 1, second, "-data_dates 2000-02-01,2000-03-01 selects step 1"));
    p[0] = 1;
    p[1] = 0;
    PetscCall(CheckField(r, PETSC_FALSE, 0, ExpectF, p, &err, &nland));
    PetscCall(HcTestCheck(comm, err < 1e-4,
                          "the date-selected step holds step 1's values and level 0 by default (max error %.1e)", (double)err));
    PetscCall(HcReaderDestroy(&r));

    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-r2_data_file %s -r2_data_time_range 1,1 -r2_data_level 1", path));
    PetscCall(OpenReader(comm, "r2_", opts, &r));
    PetscCall(HcReaderGetTimes(r, &nt, NULL));
    p[1] = 100;
    PetscCall(CheckField(r, PETSC_FALSE, 0, ExpectF, p, &err, &nland));
    PetscCall(HcTestCheck(comm, nt == 1 && err < 1e-4,
                          "-data_time_range 1,1 -data_level 1: %" PetscInt_FMT " step, max error %.1e", nt, (double)err));
    PetscCall(HcReaderDestroy(&r));
    p[0] = p[1] = 0;
  }

  /* every calendar */
  {
    static const char *const  c0[]   = {"1582-10-01", "1582-10-02", "1582-10-03", "1582-10-04", "1582-10-15", "1582-10-16"};
    static const char *const  c1[]   = {"2000-02-28", "2000-02-29", "2000-03-01", "2001-02-28"};
    static const char *const  c2[]   = {"1582-10-03 12:00:00", "1582-10-04 12:00:00", "1582-10-06"};
    static const char *const  c3[]   = {"1900-02-28", "1900-02-29", "1900-03-01"};
    static const char *const  c4[]   = {"2000-02-28", "2000-03-01", "2001-02-28"};
    static const char *const  c5[]   = {"2004-03-01", "2004-03-02"};
    static const char *const  c6[]   = {"2001-02-28", "2001-02-29", "2001-03-01"};
    static const char *const  c7[]   = {"2001-12-31", "2002-01-01"};
    static const char *const  c8[]   = {"2000-01-30", "2000-02-01", "2000-02-30", "2001-01-30"};
    static const char *const  c9[]   = {"1970-01-01", "1970-01-02 00:00:00.500"};
    static const char *const *all[]  = {c0, c1, c2, c3, c4, c5, c6, c7, c8, c9};
    const PetscInt            n[]    = {6, 4, 3, 3, 3, 2, 3, 2, 4, 2};
    const char               *what[] = {"standard: Julian to Gregorian after 1582-10-04",
                                        "gregorian: 2000 is a leap year",
                                        "proleptic_gregorian: no 1582 gap, times of day",
                                        "julian: 1900 is a leap year",
                                        "noleap: no February 29",
                                        "365_day: hours since",
                                        "all_leap: February 29 in 2001",
                                        "366_day: December 31 then January 1",
                                        "360_day: 30-day months, 360-day years",
                                        "standard: seconds since ...T00:00:00Z"};

    PetscCall(HcTestNCGen(comm, "calendars", 3, path, sizeof(path)));
    for (int c = 0; c < 10; c++) {
      PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "cal%d_", c));
      PetscCall(PetscSNPrintf(opts, sizeof(opts), "-%sdata_file %s -%sdata_vars x%d", prefix, path, prefix, c));
      PetscCall(OpenReader(comm, prefix, opts, &r));
      PetscCall(CheckDates(comm, r, n[c], all[c], what[c]));
      PetscCall(HcReaderDestroy(&r));
    }
  }

  /* Cartesian axes, environments, hycast's periodicity attribute (and -data_periodic overriding it) */
  {
    const PetscReal x[] = {0, 100, 200, 300, 400}, y[] = {0, 100, 200, 300};

    PetscCall(HcTestNCGen(comm, "cartesian-env", 2, path, sizeof(path)));
    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-e0_data_file %s -e0_data_env 2", path));
    PetscCall(OpenReader(comm, "e0_", opts, &r));
    {
      HcGrid     grid;
      HcGridType type;
      PetscInt   nenv;

      PetscCall(HcReaderGetGrid(r, &grid));
      PetscCall(HcGridGetType(grid, &type));
      PetscCall(HcReaderGetNumEnvironments(r, &nenv));
      PetscCall(HcTestCheck(comm, type == HC_GRID_CARTESIAN && nenv == 3,
                            "x/y axes in metres give a Cartesian grid (%s), %" PetscInt_FMT " environments", HcGridTypes[type],
                            nenv));
    }
    PetscCall(CheckAxis(comm, r, 0, 5, x, "Cartesian x"));
    PetscCall(CheckAxis(comm, r, 1, 4, y, "Cartesian y, decreasing in the file, flipped"));
    PetscCall(CheckPeriodic(comm, r, PETSC_TRUE, PETSC_FALSE, "hycast_periodic = \"x\""));
    p[0] = 2;
    PetscCall(CheckField(r, PETSC_FALSE, 0, ExpectCartesian, p, &err, &nland));
    PetscCall(HcTestCheck(comm, err < 1e-12, "-data_env 2 reads environment 2 (max error %.1e)", (double)err));
    PetscCall(HcReaderSetEnvironment(r, 0));
    p[0] = 0;
    PetscCall(CheckField(r, PETSC_FALSE, 0, ExpectCartesian, p, &err, &nland));
    PetscCall(
        HcTestCheck(comm, err < 1e-12, "HcReaderSetEnvironment(0) switches to environment 0 (max error %.1e)", (double)err));
    PetscCall(HcReaderDestroy(&r));
    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-e1_data_file %s -e1_data_periodic none", path));
    PetscCall(OpenReader(comm, "e1_", opts, &r));
    PetscCall(CheckPeriodic(comm, r, PETSC_FALSE, PETSC_FALSE, "-data_periodic none"));
    PetscCall(HcReaderDestroy(&r));
  }

  /* auxiliary fields: from the data file (one time-varying, one constant) and from another file */
  {
    char other[PETSC_MAX_PATH_LEN];

    PetscCall(HcTestNCGen(comm, "aux", 3, path, sizeof(path)));
    PetscCall(HcTestNCGen(comm, "aux-file", 1, other, sizeof(other)));
    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-a0_data_file %s -a0_data_vars sst -a0_data_aux_vars u,v", path));
    PetscCall(OpenReader(comm, "a0_", opts, &r));
    PetscCall(CheckField(r, PETSC_TRUE, 0, ExpectU, p, &err, &nland));
    PetscCall(HcTestCheck(comm, err < 1e-6, "auxiliary u (time-varying) from the data file (max error %.1e)", (double)err));
    PetscCall(CheckField(r, PETSC_TRUE, 1, ExpectV, p, &err, &nland));
    PetscCall(
        HcTestCheck(comm, err < 1e-6, "auxiliary v (no time dimension: the same at every step) (max error %.1e)", (double)err));
    PetscCall(HcReaderDestroy(&r));
    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-a1_data_file %s -a1_data_vars sst -a1_data_aux_file %s -a1_data_aux_vars u",
                            path, other));
    PetscCall(OpenReader(comm, "a1_", opts, &r));
    PetscCall(CheckField(r, PETSC_TRUE, 0, ExpectU, p, &err, &nland));
    PetscCall(HcTestCheck(comm, err < 1e-6,
                          "auxiliary u from another file (north first, hours) on the same grid (max error %.1e)", (double)err));
    PetscCall(HcReaderDestroy(&r));
  }

  /* x stored before y: (time, lon, lat) */
  {
    const PetscReal lon[] = {0, 90, 180, 270}, lat[] = {-30, 0, 30};

    PetscCall(HcTestNCGen(comm, "transposed", 3, path, sizeof(path)));
    PetscCall(PetscSNPrintf(opts, sizeof(opts), "-t0_data_file %s", path));
    PetscCall(OpenReader(comm, "t0_", opts, &r));
    PetscCall(CheckAxis(comm, r, 0, 4, lon, "variable stored (time, lon, lat)"));
    PetscCall(CheckAxis(comm, r, 1, 3, lat, "variable stored (time, lon, lat)"));
    PetscCall(CheckField(r, PETSC_FALSE, 0, ExpectF, p, &err, &nland));
    PetscCall(HcTestCheck(comm, err < 1e-5 && nland == 0, "longitude before latitude is read transposed (max error %.1e)",
                          (double)err));
    PetscCall(HcReaderDestroy(&r));
  }

  /* several fields whose missing cells differ (issue 23): 4 cells missing in every field, sst NaN at every step on the
     16 cells north of 60N, sss missing at every step in 1 cell; the auxiliary u missing at every step in 1 more cell.
     Each of those cells is land for every field (0 in the state, 0 in the mask): no field is filled with a made-up 0 or
     mean there, whatever -data_fill says, and the other cells hold the file's values. */
  {
    const char    *fills[] = {"none", "zero", "mean"};
    const ExpectFn fn[]    = {ExpectF, ExpectG, ExpectH};
    const char    *names[] = {"sst", "sss", "ice"};

    PetscCall(HcTestNCGen(comm, "land-fields", 3, path, sizeof(path)));
    p[0] = 0;
    for (int f = 0; f < 3; f++) {
      PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "l%d_", f));
      PetscCall(PetscSNPrintf(opts, sizeof(opts), "-%sdata_file %s -%sdata_vars sst,sss,ice -%sdata_fill %s", prefix, path,
                              prefix, prefix, fills[f]));
      PetscCall(OpenReader(comm, prefix, opts, &r));
      for (PetscInt c = 0; c < 3; c++) {
        p[1] = c ? 0 : 20;
        PetscCall(CheckField(r, PETSC_FALSE, c, fn[c], p, &err, &nland));
        PetscCall(HcTestCheck(comm, err < 1e-5 && nland == 21,
                              "-data_fill %s, %s: %" PetscInt_FMT " land cells (expected 4 + 16 sst + 1 sss = 21) hold 0, the "
                              "others the file's values (max error %.1e)",
                              fills[f], names[c], nland, (double)err));
      }
      PetscCall(HcReaderDestroy(&r));
    }
    /* gappy is missing at one step only (lon 0, lat 30, step 1): filled with its mean H(1); u and ice as auxiliary */
    PetscCall(PetscSNPrintf(opts, sizeof(opts),
                            "-l3_data_file %s -l3_data_vars sst,sss,gappy -l3_data_aux_vars u,ice -l3_data_fill mean", path));
    PetscCall(OpenReader(comm, "l3_", opts, &r));
    p[1] = 20;
    PetscCall(CheckField(r, PETSC_FALSE, 0, ExpectF, p, &err, &nland));
    PetscCall(HcTestCheck(comm, err < 1e-5 && nland == 22,
                          "auxiliary u missing at every step in an ocean cell: %" PetscInt_FMT
                          " land cells (expected 22); sst matches (max error %.1e)",
                          nland, (double)err));
    p[1] = 0;
    PetscCall(CheckField(r, PETSC_FALSE, 2, ExpectH, p, &err, &nland));
    PetscCall(
        HcTestCheck(comm, err < 1e-5, "gappy: its one missing value is its mean over time, H(1) (max error %.1e)", (double)err));
    PetscCall(CheckField(r, PETSC_TRUE, 0, ExpectG, p, &err, &nland));
    PetscCall(HcTestCheck(comm, err < 1e-5 && nland == 22,
                          "auxiliary u: 0 on the 22 land cells (its values over plain land are not used), G elsewhere (max "
                          "error %.1e)",
                          (double)err));
    PetscCall(CheckField(r, PETSC_TRUE, 1, ExpectH, p, &err, &nland));
    PetscCall(HcTestCheck(comm, err < 1e-5, "auxiliary ice: H on the ocean cells (max error %.1e)", (double)err));
    PetscCall(HcReaderDestroy(&r));
  }

  /* filling a missing value inside the ocean */
  {
    const char *fills[] = {"zero", "mean"};

    PetscCall(HcTestNCGen(comm, "bad-nan-ocean", 1, path, sizeof(path)));
    for (int f = 0; f < 2; f++) {
      HcGrid     grid;
      Vec        u;
      PetscReal *nat;
      PetscBool  ok = PETSC_FALSE;

      PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "f%d_", f));
      PetscCall(PetscSNPrintf(opts, sizeof(opts), "-%sdata_file %s -%sdata_fill %s", prefix, path, prefix, fills[f]));
      PetscCall(OpenReader(comm, prefix, opts, &r));
      PetscCall(HcReaderGetGrid(r, &grid));
      PetscCall(HcGridCreateGlobalVector(grid, &u));
      PetscCall(HcReaderRead(r, 1, u));
      PetscCall(HcTestGatherNatural(grid, u, &nat));
      if (nat) { /* the NaN sits at step 1, lat 0 (row 1), lon 10 (column 1) of a 4 x 3 grid of ones */
        ok = nat[1 * 4 + 1] == (f ? 1 : 0) ? PETSC_TRUE : PETSC_FALSE;
        for (PetscInt q = 0; q < 12; q++)
          if (q != 5 && nat[q] != 1) ok = PETSC_FALSE;
      }
      PetscCallMPI(MPI_Bcast(&ok, 1, MPIU_BOOL, 0, comm));
      PetscCall(HcTestCheck(comm, ok, "-data_fill %s replaces the NaN inside the ocean by %s", fills[f],
                            f ? "the cell's mean over time (1)" : "0"));
      PetscCall(PetscFree(nat));
      PetscCall(VecDestroy(&u));
      PetscCall(HcReaderDestroy(&r));
    }
  }

  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
