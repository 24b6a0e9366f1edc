/* HcWriter: CF-1.8 NetCDF-4 output of fields on an HcGrid, written atomically.

   Rank 0 writes: each field is gathered to it in natural order with one VecScatter, so rank 0 holds one field of the
   grid at a time.  The file is written under a temporary name in the same directory (".NAME.tmp.PID") and renamed to
   its final name by HcWriterClose(); a writer destroyed without being closed, an error that ends the program
   (PetscFinalize) and SIGINT/SIGTERM/SIGHUP remove the temporary file, so the final name never holds a partial file. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <hycast/private/ioimpl.h>

static const char *const HcWriterPrecisions[] = {"double", "single", NULL};

typedef struct {
  char       name[NC_MAX_NAME + 1];
  char      *text;
  PetscReal *v;
  PetscInt   n;
} HcAttribute;

struct _p_HcWriter {
  MPI_Comm     comm;
  PetscMPIInt  rank;
  HcGrid       grid;
  char        *prefix;
  char         path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN];
  char         units[256], calendar[64], coordunits[64];
  HcTimeAxis   tax;
  PetscInt     nenv, nc, nx, ny, precision, deflate;
  char       **fattr; /* per field: units, long_name, standard_name */
  HcAttribute *attrs;
  PetscInt     nattrs;
  char        *history;
  char         envdim[64], envlong[256]; /* name and long_name of the environment dimension */
  PetscBool    forecast;                 /* lead times and the reference time (HcWriterSetForecastReference) */
  PetscReal    reftime;
  int          leadid;
  /* the open file (rank 0) */
  int        ncid, timeid, varid[16];
  PetscBool  setupcalled, finished, closed; /* finished: complete under the temporary name; closed: renamed */
  Vec        comp, nat, seq;                /* one field: global, natural, all of it on rank 0 */
  VecScatter toroot;
  PetscReal *mask, *buf; /* rank 0: natural mask and one field */
};

/* ---------------------------------------------------------------- temporary files: removed on failure or signal */

#define HC_MAX_TEMPS 8
static char      hc_temps[HC_MAX_TEMPS][PETSC_MAX_PATH_LEN];
static int       hc_temp_ncid[HC_MAX_TEMPS] = {-1, -1, -1, -1, -1, -1, -1, -1}; /* the open handle, -1 once closed */
static const int hc_signals[3]              = {SIGINT, SIGTERM, SIGHUP};
static void (*hc_prev_handlers[3])(int);
static PetscBool hc_handlers_on = PETSC_FALSE, hc_finalize_on = PETSC_FALSE, hc_failed_handle = PETSC_FALSE;

/*@C
  HcWriterHasFailedHandle - an output file's NetCDF-4 (HDF5) handle failed (a full disk, say) and could not be closed
  cleanly.  HDF5's own exit handler then crashes on it, so a program should end with _exit() after PetscFinalize().
@*/
PetscBool HcWriterHasFailedHandle(void)
{
  return hc_failed_handle;
}

static void HcWriterOnSignal_Private(int sig)
{
  for (int k = 0; k < HC_MAX_TEMPS; k++)
    if (hc_temps[k][0]) unlink(hc_temps[k]);
  for (int s = 0; s < 3; s++)
    if (hc_signals[s] == sig) signal(sig, hc_prev_handlers[s] == SIG_ERR ? SIG_DFL : hc_prev_handlers[s]);
  raise(sig); /* the previous handler (PETSc's, or the default) ends the program */
}

static void HcWriterRestoreHandlers_Private(void)
{
  if (!hc_handlers_on) return;
  for (int s = 0; s < 3; s++) signal(hc_signals[s], hc_prev_handlers[s] == SIG_ERR ? SIG_DFL : hc_prev_handlers[s]);
  hc_handlers_on = PETSC_FALSE;
}

/* Called by PetscFinalize(): after an error the writers were never closed.  Their files are removed; the NetCDF
   handles are left alone (closing or aborting a file whose writes failed can crash HDF5 1.10), and bin/hycast ends
   without HDF5's exit handler after an error (HcWriterHasFailedHandle). */
static PetscErrorCode HcWriterRemoveTemporaries_Private(void)
{
  PetscFunctionBegin;
  for (int k = 0; k < HC_MAX_TEMPS; k++)
    if (hc_temps[k][0]) {
      if (hc_temp_ncid[k] >= 0) hc_failed_handle = PETSC_TRUE; /* still open: its writes failed */
      hc_temp_ncid[k] = -1;
      (void)remove(hc_temps[k]);
      hc_temps[k][0] = 0;
    }
  HcWriterRestoreHandlers_Private();
  hc_finalize_on = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcWriterRegisterTemporary_Private(const char path[], int ncid)
{
  int slot = -1;

  PetscFunctionBegin;
  for (int k = 0; k < HC_MAX_TEMPS && slot < 0; k++) /* the same path again: its handle, now that it is open */
    if (hc_temps[k][0] && !strcmp(hc_temps[k], path)) slot = k;
  for (int k = 0; k < HC_MAX_TEMPS && slot < 0; k++)
    if (!hc_temps[k][0]) slot = k;
  PetscCheck(slot >= 0, PETSC_COMM_SELF, PETSC_ERR_SUP, "HcWriter: at most %d output files can be open at once", HC_MAX_TEMPS);
  PetscCall(PetscStrncpy(hc_temps[slot], path, sizeof(hc_temps[slot])));
  hc_temp_ncid[slot] = ncid;
  if (!hc_handlers_on) {
    for (int s = 0; s < 3; s++) {
      hc_prev_handlers[s] = signal(hc_signals[s], HcWriterOnSignal_Private);
      if (hc_prev_handlers[s] == SIG_IGN)
        signal(hc_signals[s], SIG_IGN); /* an ignored signal (nohup, background) stays ignored */
    }
    hc_handlers_on = PETSC_TRUE;
  }
  if (!hc_finalize_on) {
    PetscCall(PetscRegisterFinalize(HcWriterRemoveTemporaries_Private));
    hc_finalize_on = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/* The file of path is closed (or its close failed): no handle of it is open any more. */
static void HcWriterForgetHandle_Private(const char path[])
{
  for (int k = 0; k < HC_MAX_TEMPS; k++)
    if (hc_temps[k][0] && !strcmp(hc_temps[k], path)) hc_temp_ncid[k] = -1;
}

static void HcWriterUnregisterTemporary_Private(const char path[])
{
  PetscBool any = PETSC_FALSE;

  for (int k = 0; k < HC_MAX_TEMPS; k++) {
    if (hc_temps[k][0] && !strcmp(hc_temps[k], path)) {
      hc_temps[k][0]  = 0;
      hc_temp_ncid[k] = -1;
    }
    if (hc_temps[k][0]) any = PETSC_TRUE;
  }
  if (!any) HcWriterRestoreHandlers_Private();
}

/* ---------------------------------------------------------------- creation and settings */

/*@C
  HcWriterCreate - a writer of fields on grid into the NetCDF-4 file path (created by HcWriterSetUp(), complete after
  HcWriterClose()).
@*/
PetscErrorCode HcWriterCreate(HcGrid grid, const char path[], HcWriter *writer)
{
  HcWriter w;

  PetscFunctionBegin;
  PetscCall(HcInitializePackage());
  PetscCall(PetscNew(&w));
  PetscCall(HcGridGetComm(grid, &w->comm));
  PetscCallMPI(MPI_Comm_rank(w->comm, &w->rank));
  PetscCall(HcGridReference(grid));
  w->grid = grid;
  PetscCall(HcGridGetNumFields(grid, &w->nc));
  PetscCall(HcGridGetSizes(grid, &w->nx, &w->ny));
  PetscCheck(path && path[0], w->comm, PETSC_ERR_ARG_WRONG, "HcWriter: no output file name");
  PetscCall(PetscStrncpy(w->path, path, sizeof(w->path)));
  PetscCall(PetscStrncpy(w->units, "seconds since 2000-01-01 00:00:00", sizeof(w->units)));
  PetscCall(PetscStrncpy(w->calendar, "standard", sizeof(w->calendar)));
  PetscCall(PetscStrncpy(w->coordunits, "1", sizeof(w->coordunits)));
  PetscCall(PetscStrncpy(w->envdim, "env", sizeof(w->envdim)));
  PetscCall(
      PetscStrncpy(w->envlong, "environment (physical coefficients and hidden-term parameters differ)", sizeof(w->envlong)));
  PetscCall(PetscCalloc1(3 * w->nc + 1, &w->fattr));
  w->deflate = 1;
  *writer    = w;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcWriterCheckNotSetUp_Private(HcWriter w)
{
  PetscFunctionBegin;
  PetscCheck(!w->setupcalled, w->comm, PETSC_ERR_ORDER, "HcWriter %s: set this before HcWriterSetUp()", w->path);
  PetscFunctionReturn(0);
}

PetscErrorCode HcWriterSetOptionsPrefix(HcWriter w, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(w->prefix));
  PetscCall(PetscStrallocpy(prefix, &w->prefix));
  PetscFunctionReturn(0);
}

PetscErrorCode HcWriterSetFromOptions(HcWriter w)
{
  PetscFunctionBegin;
  PetscCall(HcWriterCheckNotSetUp_Private(w));
  PetscOptionsBegin(w->comm, w->prefix, "NetCDF output (HcWriter)", "HcWriter");
  PetscCall(PetscOptionsEList("-writer_precision", "Floating-point type of the output fields", "HcWriterSetUp",
                              HcWriterPrecisions, 2, HcWriterPrecisions[w->precision], &w->precision, NULL));
  PetscCall(PetscOptionsInt("-writer_deflate", "NetCDF-4 deflate level of the fields (0: none, 1..9)", "HcWriterSetUp",
                            w->deflate, &w->deflate, NULL));
  PetscCheck(w->deflate >= 0 && w->deflate <= 9, w->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-writer_deflate must be in 0..9, got %" PetscInt_FMT, w->deflate);
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/*@C
  HcWriterSetTimeUnits - CF time units "<unit> since <date>" and calendar; model times passed to HcWriterWrite() are
  seconds since that date.  Default: "seconds since 2000-01-01 00:00:00", standard calendar.
@*/
PetscErrorCode HcWriterSetTimeUnits(HcWriter w, const char units[], const char calendar[])
{
  PetscFunctionBegin;
  PetscCall(HcWriterCheckNotSetUp_Private(w));
  PetscCall(PetscStrncpy(w->units, units, sizeof(w->units)));
  PetscCall(PetscStrncpy(w->calendar, calendar && calendar[0] ? calendar : "standard", sizeof(w->calendar)));
  PetscFunctionReturn(0);
}

/*@C
  HcWriterSetNumEnvironments - write an environment dimension of n entries (0, the default: no such dimension).
@*/
PetscErrorCode HcWriterSetNumEnvironments(HcWriter w, PetscInt n)
{
  PetscFunctionBegin;
  PetscCall(HcWriterCheckNotSetUp_Private(w));
  PetscCheck(n >= 0, w->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcWriter: number of environments must be >= 0");
  w->nenv = n;
  PetscFunctionReturn(0);
}

/*@C
  HcWriterSetFieldAttributes - CF attributes of field c (NULL or empty: not written).
@*/
PetscErrorCode HcWriterSetFieldAttributes(HcWriter w, PetscInt c, const char units[], const char long_name[],
                                          const char standard_name[])
{
  const char *v[3] = {units, long_name, standard_name};

  PetscFunctionBegin;
  PetscCall(HcWriterCheckNotSetUp_Private(w));
  PetscCheck(c >= 0 && c < w->nc, w->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcWriter: field %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", c, w->nc);
  for (int k = 0; k < 3; k++) {
    PetscCall(PetscFree(w->fattr[3 * c + k]));
    if (v[k] && v[k][0]) PetscCall(PetscStrallocpy(v[k], &w->fattr[3 * c + k]));
  }
  PetscFunctionReturn(0);
}

/*@C
  HcWriterSetCoordinateUnits - units of the x and y coordinates of a Cartesian grid (default "1").
@*/
PetscErrorCode HcWriterSetCoordinateUnits(HcWriter w, const char units[])
{
  PetscFunctionBegin;
  PetscCall(HcWriterCheckNotSetUp_Private(w));
  PetscCall(PetscStrncpy(w->coordunits, units, sizeof(w->coordunits)));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcWriterAddAttribute_Private(HcWriter w, const char name[], HcAttribute **a)
{
  PetscFunctionBegin;
  PetscCall(HcWriterCheckNotSetUp_Private(w));
  PetscCheck(strlen(name) <= NC_MAX_NAME, w->comm, PETSC_ERR_ARG_WRONG, "HcWriter: attribute name '%s' is too long", name);
  PetscCall(PetscRealloc((w->nattrs + 1) * sizeof(HcAttribute), &w->attrs));
  *a = &w->attrs[w->nattrs++];
  PetscCall(PetscMemzero(*a, sizeof(**a)));
  PetscCall(PetscStrncpy((*a)->name, name, sizeof((*a)->name)));
  PetscFunctionReturn(0);
}

/*@C
  HcWriterSetAttributeText - a global text attribute.
@*/
PetscErrorCode HcWriterSetAttributeText(HcWriter w, const char name[], const char value[])
{
  HcAttribute *a = NULL;

  PetscFunctionBegin;
  PetscCall(HcWriterAddAttribute_Private(w, name, &a));
  PetscCall(PetscStrallocpy(value, &a->text));
  PetscFunctionReturn(0);
}

/*@C
  HcWriterSetAttributeReals - a global numeric attribute of n doubles (one per environment, say).
@*/
PetscErrorCode HcWriterSetAttributeReals(HcWriter w, const char name[], PetscInt n, const PetscReal v[])
{
  HcAttribute *a = NULL;

  PetscFunctionBegin;
  PetscCheck(n >= 1, w->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcWriter: attribute '%s' needs at least one value", name);
  PetscCall(HcWriterAddAttribute_Private(w, name, &a));
  PetscCall(PetscMalloc1(n, &a->v));
  PetscCall(PetscArraycpy(a->v, v, n));
  a->n = n;
  PetscFunctionReturn(0);
}

/*@C
  HcWriterSetHistory - the command that makes the file, for the history attribute (default: the program's arguments).
@*/
PetscErrorCode HcWriterSetHistory(HcWriter w, const char history[])
{
  PetscFunctionBegin;
  PetscCall(HcWriterCheckNotSetUp_Private(w));
  PetscCall(PetscFree(w->history));
  PetscCall(PetscStrallocpy(history, &w->history));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- set-up: create and define the file */

static PetscErrorCode HcWriterText_Private(HcWriter w, int varid, const char var[], const char name[], const char value[])
{
  PetscFunctionBegin;
  HcCallNetCDF(w->comm, w->path, var, w->rank ? NC_NOERR : nc_put_att_text(w->ncid, varid, name, strlen(value), value));
  PetscFunctionReturn(0);
}

/* Coordinate variable of one axis with its CF attributes. */
static PetscErrorCode HcWriterDefineAxis_Private(HcWriter w, const char name[], int dim, const char units[], const char stdname[],
                                                 const char longname[], const char axis[], int *varid)
{
  PetscFunctionBegin;
  HcCallNetCDF(w->comm, w->path, name, w->rank ? NC_NOERR : nc_def_var(w->ncid, name, NC_DOUBLE, 1, &dim, varid));
  PetscCall(HcWriterText_Private(w, *varid, name, "units", units));
  if (stdname) PetscCall(HcWriterText_Private(w, *varid, name, "standard_name", stdname));
  PetscCall(HcWriterText_Private(w, *varid, name, "long_name", longname));
  if (axis) PetscCall(HcWriterText_Private(w, *varid, name, "axis", axis));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcWriterHistory_Private(HcWriter w, char **text)
{
  char      stamp[64] = "";
  time_t    now       = time(NULL);
  size_t    len       = 0;
  int       argc;
  char    **argv, *cmd = NULL;
  struct tm tmv, *tp   = gmtime(&now);

  PetscFunctionBegin;
  if (tp) {
    tmv = *tp;
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &tmv);
  }
  if (w->history)
    PetscCall(PetscStrallocpy(w->history, &cmd));
  else {
    PetscCall(PetscGetArgs(&argc, &argv));
    for (int k = 0; k < argc; k++) len += strlen(argv[k]) + 1;
    PetscCall(PetscCalloc1(len + 1, &cmd));
    for (int k = 0; k < argc; k++) {
      if (k) PetscCall(PetscStrlcat(cmd, " ", len + 1));
      PetscCall(PetscStrlcat(cmd, argv[k], len + 1));
    }
  }
  PetscCall(PetscStrlen(cmd, &len));
  PetscCall(PetscMalloc1(len + 80, text));
  PetscCall(PetscSNPrintf(*text, len + 80, "%s: %s", stamp, cmd));
  PetscCall(PetscFree(cmd));
  PetscFunctionReturn(0);
}

PetscErrorCode HcWriterSetUp(HcWriter w)
{
  const PetscBool  latlon = w->grid->type == HC_GRID_LATLON;
  const char      *xname = latlon ? "lon" : "x", *yname = latlon ? "lat" : "y", *first;
  const PetscReal *xc, *yc;
  int              dims[4], nd = 0, dx, dy, dt, de = -1, xid, yid, eid = -1;
  nc_type          type = w->precision ? NC_FLOAT : NC_DOUBLE;
  char            *history, *opts, dir[PETSC_MAX_PATH_LEN], per[8] = "";
  const char      *slash;
  int              dirok = 0;
  DM               da1;
  Vec              mask;

  PetscFunctionBegin;
  if (w->setupcalled) PetscFunctionReturn(0);
  PetscCall(HcGridGetFieldName(w->grid, 0, &first));
  PetscCall(HcTimeAxisSetUp_Private(w->comm, w->path, "time", w->units, w->calendar, &w->tax));
  /* the temporary file sits next to the final one, so that the rename is atomic */
  slash = strrchr(w->path, '/');
  if (slash) {
    PetscCall(PetscStrncpy(dir, w->path, PetscMin(sizeof(dir), (size_t)(slash - w->path) + 2)));
    PetscCall(PetscSNPrintf(w->tmp, sizeof(w->tmp), "%s.%s.tmp.%d", dir, slash + 1, (int)getpid()));
  } else
    PetscCall(PetscSNPrintf(w->tmp, sizeof(w->tmp), ".%s.tmp.%d", w->path, (int)getpid()));
  if (!w->rank) {
    char      d[PETSC_MAX_PATH_LEN];
    PetscBool exists;

    PetscCall(PetscStrncpy(d, slash ? dir : ".", sizeof(d)));
    PetscCall(PetscTestDirectory(d, 'r', &exists));
    dirok = exists ? 1 : 0;
    if (dirok) { /* a directory of the output's name: the rename at the end would fail; say so before the work */
      PetscCall(PetscTestDirectory(w->path, 'r', &exists));
      if (exists) dirok = -1;
    }
  }
  PetscCall(HcCheckOutputFile(w->comm, "output", w->path, 0, NULL));
  PetscCallMPI(MPI_Bcast(&dirok, 1, MPI_INT, 0, w->comm));
  PetscCheck(dirok, w->comm, PETSC_ERR_FILE_OPEN, "%s: variable '%s': cannot write the output: directory '%s' does not exist",
             w->path, first, slash ? dir : ".");
  PetscCheck(dirok > 0, w->comm, PETSC_ERR_FILE_OPEN, "%s: variable '%s': cannot write the output: it is a directory", w->path,
             first);
  /* registered before it exists: a create that fails half-way (a full disk) leaves a file too */
  if (!w->rank) PetscCall(HcWriterRegisterTemporary_Private(w->tmp, -1));
  HcCallNetCDF(w->comm, w->path, first, w->rank ? NC_NOERR : nc_create(w->tmp, NC_NETCDF4 | NC_CLOBBER, &w->ncid));
  if (!w->rank) PetscCall(HcWriterRegisterTemporary_Private(w->tmp, w->ncid));
  w->setupcalled = PETSC_TRUE;

  if (w->nenv)
    HcCallNetCDF(w->comm, w->path, w->envdim, w->rank ? NC_NOERR : nc_def_dim(w->ncid, w->envdim, (size_t)w->nenv, &de));
  HcCallNetCDF(w->comm, w->path, "time", w->rank ? NC_NOERR : nc_def_dim(w->ncid, "time", NC_UNLIMITED, &dt));
  HcCallNetCDF(w->comm, w->path, yname, w->rank ? NC_NOERR : nc_def_dim(w->ncid, yname, (size_t)w->ny, &dy));
  HcCallNetCDF(w->comm, w->path, xname, w->rank ? NC_NOERR : nc_def_dim(w->ncid, xname, (size_t)w->nx, &dx));
  if (w->nenv) {
    HcCallNetCDF(w->comm, w->path, w->envdim, w->rank ? NC_NOERR : nc_def_var(w->ncid, w->envdim, NC_INT, 1, &de, &eid));
    PetscCall(HcWriterText_Private(w, eid, w->envdim, "long_name", w->envlong));
  }
  PetscCall(HcWriterDefineAxis_Private(w, "time", dt, w->units, "time", "time", "T", &w->timeid));
  PetscCall(HcWriterText_Private(w, w->timeid, "time", "calendar", w->calendar));
  if (w->forecast) {
    /* CF forecast metadata: the reference (initial) time and the lead time of every step, in the time axis' unit */
    char         unit[64];
    int          refid;
    const double ref = (double)(w->reftime / w->tax.unitsec);

    PetscCall(PetscStrncpy(unit, w->units, sizeof(unit)));
    if (strstr(unit, " since")) *strstr(unit, " since") = 0;
    PetscCall(HcWriterDefineAxis_Private(w, "lead_time", dt, unit, "forecast_period", "time since the initial state", NULL,
                                         &w->leadid));
    HcCallNetCDF(w->comm, w->path, "forecast_reference_time",
                 w->rank ? NC_NOERR : nc_def_var(w->ncid, "forecast_reference_time", NC_DOUBLE, 0, NULL, &refid));
    PetscCall(HcWriterText_Private(w, refid, "forecast_reference_time", "units", w->units));
    PetscCall(HcWriterText_Private(w, refid, "forecast_reference_time", "calendar", w->calendar));
    PetscCall(HcWriterText_Private(w, refid, "forecast_reference_time", "standard_name", "forecast_reference_time"));
    HcCallNetCDF(w->comm, w->path, "forecast_reference_time", w->rank ? NC_NOERR : nc_enddef(w->ncid));
    HcCallNetCDF(w->comm, w->path, "forecast_reference_time", w->rank ? NC_NOERR : nc_put_var_double(w->ncid, refid, &ref));
    HcCallNetCDF(w->comm, w->path, "forecast_reference_time", w->rank ? NC_NOERR : nc_redef(w->ncid));
  }
  if (latlon) {
    PetscCall(HcWriterDefineAxis_Private(w, yname, dy, "degrees_north", "latitude", "latitude", "Y", &yid));
    PetscCall(HcWriterDefineAxis_Private(w, xname, dx, "degrees_east", "longitude", "longitude", "X", &xid));
  } else {
    PetscCall(HcWriterDefineAxis_Private(w, yname, dy, w->coordunits, "projection_y_coordinate", "y coordinate of cell centres",
                                         "Y", &yid));
    PetscCall(HcWriterDefineAxis_Private(w, xname, dx, w->coordunits, "projection_x_coordinate", "x coordinate of cell centres",
                                         "X", &xid));
  }
  if (w->nenv) dims[nd++] = de;
  dims[nd++] = dt;
  dims[nd++] = dy;
  dims[nd++] = dx;
  for (PetscInt c = 0; c < w->nc; c++) {
    const char  *name;
    size_t       chunk[4] = {1, 1, (size_t)w->ny, (size_t)w->nx};
    const double fd       = NC_FILL_DOUBLE;
    const float  ff       = NC_FILL_FLOAT;

    PetscCall(HcGridGetFieldName(w->grid, c, &name));
    HcCallNetCDF(w->comm, w->path, name, w->rank ? NC_NOERR : nc_def_var(w->ncid, name, type, nd, dims, &w->varid[c]));
    HcCallNetCDF(w->comm, w->path, name,
                 w->rank ? NC_NOERR : nc_def_var_chunking(w->ncid, w->varid[c], NC_CHUNKED, chunk + (w->nenv ? 0 : 1)));
    if (w->deflate)
      HcCallNetCDF(w->comm, w->path, name, w->rank ? NC_NOERR : nc_def_var_deflate(w->ncid, w->varid[c], 1, 1, (int)w->deflate));
    HcCallNetCDF(w->comm, w->path, name,
                 w->rank ? NC_NOERR
                         : (type == NC_FLOAT ? nc_put_att_float(w->ncid, w->varid[c], "_FillValue", NC_FLOAT, 1, &ff)
                                             : nc_put_att_double(w->ncid, w->varid[c], "_FillValue", NC_DOUBLE, 1, &fd)));
    if (w->fattr[3 * c]) PetscCall(HcWriterText_Private(w, w->varid[c], name, "units", w->fattr[3 * c]));
    if (w->fattr[3 * c + 1]) PetscCall(HcWriterText_Private(w, w->varid[c], name, "long_name", w->fattr[3 * c + 1]));
    if (w->fattr[3 * c + 2]) PetscCall(HcWriterText_Private(w, w->varid[c], name, "standard_name", w->fattr[3 * c + 2]));
    PetscCall(HcWriterText_Private(w, w->varid[c], name, "comment", "land cells hold _FillValue"));
  }
  PetscCall(HcWriterText_Private(w, NC_GLOBAL, first, "Conventions", "CF-1.8"));
  PetscCall(HcWriterText_Private(w, NC_GLOBAL, first, "source", "hycast " HYCAST_VERSION));
  PetscCall(HcWriterHistory_Private(w, &history));
  PetscCall(HcWriterText_Private(w, NC_GLOBAL, first, "history", history));
  PetscCall(PetscFree(history));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  PetscCall(HcWriterText_Private(w, NC_GLOBAL, first, "hycast_options", opts));
  PetscCall(PetscFree(opts));
  if (w->grid->periodic[0]) PetscCall(PetscStrlcat(per, "x", sizeof(per)));
  if (w->grid->periodic[1]) PetscCall(PetscStrlcat(per, "y", sizeof(per)));
  PetscCall(HcWriterText_Private(w, NC_GLOBAL, first, "hycast_periodic", per[0] ? per : "none"));
  for (PetscInt k = 0; k < w->nattrs; k++) {
    const HcAttribute *a = &w->attrs[k];

    if (a->text)
      PetscCall(HcWriterText_Private(w, NC_GLOBAL, a->name, a->name, a->text));
    else
      HcCallNetCDF(w->comm, w->path, a->name,
                   w->rank ? NC_NOERR : nc_put_att_double(w->ncid, NC_GLOBAL, a->name, NC_DOUBLE, (size_t)a->n, a->v));
  }
  HcCallNetCDF(w->comm, w->path, first, w->rank ? NC_NOERR : nc_enddef(w->ncid));

  PetscCall(HcGridGetCoordinates(w->grid, &xc, &yc));
  HcCallNetCDF(w->comm, w->path, xname, w->rank ? NC_NOERR : nc_put_var_double(w->ncid, xid, xc));
  HcCallNetCDF(w->comm, w->path, yname, w->rank ? NC_NOERR : nc_put_var_double(w->ncid, yid, yc));
  for (PetscInt e = 0; e < w->nenv; e++) {
    const size_t at = (size_t)e;
    const int    ev = (int)e;

    HcCallNetCDF(w->comm, w->path, "env", w->rank ? NC_NOERR : nc_put_var1_int(w->ncid, eid, &at, &ev));
  }

  /* one field at a time to rank 0, in natural (row-major y, x) order */
  PetscCall(HcGridGetScalarDM(w->grid, &da1));
  PetscCall(DMCreateGlobalVector(da1, &w->comp));
  PetscCall(DMDACreateNaturalVector(da1, &w->nat));
  PetscCall(VecScatterCreateToZero(w->nat, &w->toroot, &w->seq));
  PetscCall(PetscMalloc2(w->rank ? 0 : w->nx * w->ny, &w->mask, w->rank ? 0 : w->nx * w->ny, &w->buf));
  PetscCall(HcGridGetMask(w->grid, &mask));
  PetscCall(DMDAGlobalToNaturalBegin(da1, mask, INSERT_VALUES, w->nat));
  PetscCall(DMDAGlobalToNaturalEnd(da1, mask, INSERT_VALUES, w->nat));
  PetscCall(VecScatterBegin(w->toroot, w->nat, w->seq, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(w->toroot, w->nat, w->seq, INSERT_VALUES, SCATTER_FORWARD));
  if (!w->rank) {
    const PetscScalar *a;

    PetscCall(VecGetArrayRead(w->seq, &a));
    for (PetscInt k = 0; k < w->nx * w->ny; k++) w->mask[k] = PetscRealPart(a[k]);
    PetscCall(VecRestoreArrayRead(w->seq, &a));
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- writing */

/*@C
  HcWriterSetEnvironmentName - name and long_name of the environment dimension (default "env"), e.g. "member" for the
  members of an ensemble forecast.
@*/
PetscErrorCode HcWriterSetEnvironmentName(HcWriter w, const char name[], const char longname[])
{
  PetscFunctionBegin;
  PetscCheck(!w->setupcalled, w->comm, PETSC_ERR_ORDER, "HcWriter %s: name the environment dimension before HcWriterSetUp()",
             w->path);
  PetscCall(PetscStrncpy(w->envdim, name, sizeof(w->envdim)));
  PetscCall(PetscStrncpy(w->envlong, longname, sizeof(w->envlong)));
  PetscFunctionReturn(0);
}

/*@C
  HcWriterSetForecastReference - the file is a forecast from model time t0: it gets a forecast_reference_time and the
  lead_time (forecast_period) of every step, both in the unit of the time axis.
@*/
PetscErrorCode HcWriterSetForecastReference(HcWriter w, PetscReal t0)
{
  PetscFunctionBegin;
  PetscCheck(!w->setupcalled, w->comm, PETSC_ERR_ORDER, "HcWriter %s: set the forecast reference before HcWriterSetUp()",
             w->path);
  w->forecast = PETSC_TRUE;
  w->reftime  = t0;
  PetscFunctionReturn(0);
}

/*@C
  HcWriterWrite - write u (a vector of the grid) as time step k of environment env (0 without an environment
  dimension) at model time t (seconds since the reference date of the time units); land cells get _FillValue.
@*/
PetscErrorCode HcWriterWrite(HcWriter w, PetscInt env, PetscInt k, PetscReal t, Vec u)
{
  const double tval     = (double)(t / w->tax.unitsec);
  const size_t tk       = (size_t)k;
  size_t       start[4] = {(size_t)env, (size_t)k, 0, 0}, count[4] = {1, 1, (size_t)w->ny, (size_t)w->nx};
  DM           da1;

  PetscFunctionBegin;
  PetscCheck(w->setupcalled && !w->finished, w->comm, PETSC_ERR_ORDER,
             "HcWriter %s: call HcWriterSetUp() first, and write before HcWriterClose()", w->path);
  PetscCheck(k >= 0, w->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcWriter %s: time step %" PetscInt_FMT " < 0", w->path, k);
  PetscCheck(env >= 0 && env < PetscMax(1, w->nenv), w->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcWriter %s: environment %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", w->path, env, PetscMax(1, w->nenv));
  PetscCall(PetscLogEventBegin(HC_NCWrite, 0, 0, 0, 0));
  PetscCall(HcGridGetScalarDM(w->grid, &da1));
  HcCallNetCDF(w->comm, w->path, "time", w->rank ? NC_NOERR : nc_put_var1_double(w->ncid, w->timeid, &tk, &tval));
  if (w->forecast) {
    const double lead = (double)((t - w->reftime) / w->tax.unitsec);

    HcCallNetCDF(w->comm, w->path, "lead_time", w->rank ? NC_NOERR : nc_put_var1_double(w->ncid, w->leadid, &tk, &lead));
  }
  for (PetscInt c = 0; c < w->nc; c++) {
    const char *name;

    PetscCall(HcGridGetFieldName(w->grid, c, &name));
    PetscCall(VecStrideGather(u, c, w->comp, INSERT_VALUES));
    PetscCall(DMDAGlobalToNaturalBegin(da1, w->comp, INSERT_VALUES, w->nat));
    PetscCall(DMDAGlobalToNaturalEnd(da1, w->comp, INSERT_VALUES, w->nat));
    PetscCall(VecScatterBegin(w->toroot, w->nat, w->seq, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(w->toroot, w->nat, w->seq, INSERT_VALUES, SCATTER_FORWARD));
    if (!w->rank) {
      const PetscScalar *a;
      const PetscReal    fill = w->precision ? (PetscReal)NC_FILL_FLOAT : NC_FILL_DOUBLE;

      PetscCall(VecGetArrayRead(w->seq, &a));
      for (PetscInt q = 0; q < w->nx * w->ny; q++) w->buf[q] = w->mask[q] != 0 ? PetscRealPart(a[q]) : fill;
      PetscCall(VecRestoreArrayRead(w->seq, &a));
    }
    HcCallNetCDF(w->comm, w->path, name,
                 w->rank
                     ? NC_NOERR
                     : nc_put_vara_double(w->ncid, w->varid[c], start + (w->nenv ? 0 : 1), count + (w->nenv ? 0 : 1), w->buf));
  }
  PetscCall(PetscLogEventEnd(HC_NCWrite, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  HcWriterFinish - complete the file under its temporary name (its last writes checked) without giving it its final name:
  a command that writes several files finishes every one before HcWriterClose() renames any, so that a failure while
  writing leaves none of them.
@*/
PetscErrorCode HcWriterFinish(HcWriter w)
{
  int status = NC_NOERR;

  PetscFunctionBegin;
  PetscCheck(w->setupcalled, w->comm, PETSC_ERR_ORDER, "HcWriter %s: nothing to close (call HcWriterSetUp() first)", w->path);
  if (w->finished) PetscFunctionReturn(0);
  if (!w->rank) status = nc_close(w->ncid);
  w->finished = PETSC_TRUE; /* the id is no longer usable, closed or not */
  if (!w->rank) {
    HcWriterForgetHandle_Private(w->tmp);
    if (status) hc_failed_handle = PETSC_TRUE;
  }
  HcCallNetCDF(w->comm, w->path, "(all)", status);
  PetscFunctionReturn(0);
}

/*@C
  HcWriterClose - finish the file (HcWriterFinish()) and give it its final name (replacing any older file of that name).
@*/
PetscErrorCode HcWriterClose(HcWriter w)
{
  int status = 0;

  PetscFunctionBegin;
  if (w->closed) PetscFunctionReturn(0);
  PetscCall(HcWriterFinish(w));
  w->closed = PETSC_TRUE;
  if (!w->rank) {
    if (rename(w->tmp, w->path)) {
      status = errno ? errno : EIO;
      (void)remove(w->tmp);
    }
    HcWriterUnregisterTemporary_Private(w->tmp);
  }
  PetscCallMPI(MPI_Bcast(&status, 1, MPI_INT, 0, w->comm));
  PetscCheck(!status, w->comm, PETSC_ERR_FILE_WRITE, "%s: cannot give the output its final name: %s", w->path, strerror(status));
  PetscFunctionReturn(0);
}

/*@C
  HcWriterDestroy - a writer that was set up but not closed removes its temporary file: nothing appears under the final name.
@*/
PetscErrorCode HcWriterDestroy(HcWriter *writer)
{
  HcWriter w;

  PetscFunctionBegin;
  if (!writer || !*writer) PetscFunctionReturn(0);
  w       = *writer;
  *writer = NULL;
  if (w->setupcalled && !w->closed) {
    if (!w->rank && !w->finished) (void)nc_abort(w->ncid); /* discarded: its content does not matter */
    if (!w->rank) {
      (void)remove(w->tmp);
      HcWriterUnregisterTemporary_Private(w->tmp);
    }
  }
  for (PetscInt k = 0; k < w->nattrs; k++) {
    PetscCall(PetscFree(w->attrs[k].text));
    PetscCall(PetscFree(w->attrs[k].v));
  }
  PetscCall(PetscFree(w->attrs));
  for (PetscInt k = 0; k < 3 * w->nc; k++) PetscCall(PetscFree(w->fattr[k]));
  PetscCall(PetscFree(w->fattr));
  PetscCall(PetscFree(w->history));
  PetscCall(PetscFree(w->prefix));
  PetscCall(PetscFree2(w->mask, w->buf));
  PetscCall(VecScatterDestroy(&w->toroot));
  PetscCall(VecDestroy(&w->comp));
  PetscCall(VecDestroy(&w->nat));
  PetscCall(VecDestroy(&w->seq));
  PetscCall(HcGridDestroy(&w->grid));
  PetscCall(PetscFree(w));
  PetscFunctionReturn(0);
}
