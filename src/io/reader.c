/* HcReader: CF NetCDF fields onto an HcGrid.  Every rank opens the file and reads only its own hyperslab.

   Set-up (collective): find the variables' dimensions (longitude/x, latitude/y, time, level, environment), select the
   box, stride, time steps and level, build the grid from the coordinate variables, then read the selection once to find
   land and missing values inside the ocean.  Land is every cell where some field (data or auxiliary) has no value at
   any selected step: the state is one vector of all fields per cell, so a cell cannot be ocean for one field and land
   for another; cells that are land only because one field is absent there are counted per field and reported.
   Reading a state afterwards reads the slab of one time step per field. */
#include <ctype.h>
#include <stdint.h>
#include <hycast/private/ioimpl.h>

const char *const        HcReaderFills[] = {"none", "zero", "mean", "HcReaderFill", "HC_FILL_", NULL};
static const char *const HcPeriodic[]    = {"auto", "none", "x", "y", "xy", NULL};

#define HC_READER_MAX_VARS  16
#define HC_READER_MAX_FILES 256
#define HC_MAX_MISSING      8
#define HC_MAX_RUNS         2 /* x-runs of one rank: two when a box crosses the periodic edge */

typedef enum { HC_ROLE_X, HC_ROLE_Y, HC_ROLE_Z, HC_ROLE_T, HC_ROLE_E, HC_NROLES } HcRole;
/* The time units of a variable with a time dimension: its coordinate's units attribute, or -data_time_units when the
   coordinate has none or units without a reference date ("hours"), or -data_time_units as the spacing of the steps when
   there is no coordinate variable. */
typedef enum { HC_TIME_FROM_FILE, HC_TIME_FROM_OPTION, HC_TIME_FROM_OPTION_STEPS, HC_TIME_FROM_OPTION_UNDATED } HcTimeFrom;
static const char *const HcRoleNames[] = {"x (longitude)", "y (latitude)", "level", "time", "environment"};

typedef struct {
  char      path[PETSC_MAX_PATH_LEN];
  int       ncid, format, nvars;
  char    **varnames; /* every variable of the file, for lookups and messages */
  PetscBool open;
} HcNCFile;

/* One horizontal axis after selection: file index and centre of every selected cell. */
typedef struct {
  PetscInt   n, nfile;
  PetscInt  *idx;
  PetscReal *c;
  PetscBool  full, periodic, flipped, geographic;
  char       coord[NC_MAX_NAME + 1], units[64];
} HcAxisSel;

typedef struct {
  size_t    start, count;
  ptrdiff_t stride;
  PetscInt  off; /* first local cell of the run */
  PetscBool rev; /* file order runs against the grid's */
} HcRun;

typedef struct HcNCVar_ {
  char       name[NC_MAX_NAME + 1];
  HcNCFile  *file;
  int        varid, ndims;
  int        pos[HC_NROLES]; /* position among the variable's dimensions, -1 when absent */
  size_t     len[HC_NROLES];
  char       dimname[HC_NROLES][NC_MAX_NAME + 1];
  double     scale, offset, miss[HC_MAX_MISSING];
  PetscInt   nmiss;
  char       missdesc[256];
  char       units[256], long_name[256], standard_name[256];
  HcGridType type;
  HcAxisSel  ax[2];
  PetscBool  hastime, timeunits;
  HcTimeFrom tfrom;        /* where the time units come from */
  char       tundated[64]; /* HC_TIME_FROM_OPTION_UNDATED: the file's units, without a date */
  HcTimeAxis tax;
  PetscInt   ntfile;
  PetscReal *tfile; /* model seconds of every step in the file */
  PetscInt   nxruns;
  HcRun      xrun[HC_MAX_RUNS], yrun;
  PetscReal  vmin, vmax;
  PetscInt64 nfilled;
  PetscInt64 nabsent; /* cells where this field has no value at any selected step while the data has values: land */
  /* a time series over several files: this is its first piece in date order, tfile/ntfile are the whole series */
  PetscInt         npiece;          /* files the variable comes from (1 when one) */
  struct HcNCVar_ *piece;           /* the other npiece - 1 pieces, in date order */
  PetscInt        *tpiece, *tlocal; /* per step of the series: its piece (0 this one, p piece[p - 1]) and step there */
} HcNCVar;

struct _p_HcReader {
  MPI_Comm    comm;
  PetscMPIInt rank;
  char       *prefix;
  /* what to read */
  char     **paths, **auxpaths; /* -data_file, -data_aux_file (none: the data files) */
  PetscInt   npaths, nauxpaths;
  char      *names[HC_READER_MAX_VARS], *auxnames[HC_READER_MAX_VARS];
  PetscInt   nvars, naux;
  PetscReal  box[4];
  PetscBool  hasbox;
  PetscInt   trange[2], level, env, stride, periodic;
  PetscBool  hastrange, haslevel;
  char       dates[2][64];
  PetscBool  hasdates;
  char       timeunits[256];                      /* -data_time_units: for time axes without units (empty: none given) */
  char       dimrole[HC_NROLES][NC_MAX_NAME + 1]; /* -data_dims: the dimension given each role ("": none) */
  PetscBool  dimgeo[HC_NROLES];                   /* ... given as lon= or lat=: a geographic axis */
  PetscBool  dimused[HC_NROLES];                  /* ... some variable read has that dimension */
  HcFillType fill;
  PetscBool  view;
  /* what was found */
  HcNCFile  *files;             /* every file opened: the data files, then auxiliary files that are not among them */
  PetscInt   nfiles, ndata;     /* files[0, ndata): the data files */
  PetscInt  *auxfile, nauxfile; /* the files that hold auxiliary variables (indices into files) */
  HcNCVar    var[HC_READER_MAX_VARS], avar[HC_READER_MAX_VARS];
  PetscInt   nenv, t0, nt;
  PetscReal *times; /* model seconds of the selected steps */
  HcGrid     grid;
  PetscInt   xs, ys, xm, ym;
  PetscReal *slab, *rbuf;   /* xm * ym: decoded values of one field; raw values as read */
  char      *kind;          /* xm * ym: 0 valid, 1 NaN, 2 _FillValue or missing_value */
  PetscReal *fillv, *afill; /* per field and local cell: the value that replaces a missing one */
  PetscBool *land;
  PetscInt64 nland, nabsent; /* land cells; of those, cells where some field is absent while others have values */
  PetscInt64 nread;
  PetscBool  setupcalled;
};

/* ---------------------------------------------------------------- creation and options */

PetscErrorCode HcReaderCreate(MPI_Comm comm, HcReader *reader)
{
  HcReader r;

  PetscFunctionBegin;
  PetscCall(HcInitializePackage());
  PetscCall(PetscNew(&r));
  r->comm   = comm;
  r->stride = 1;
  r->t0     = 0;
  PetscCallMPI(MPI_Comm_rank(comm, &r->rank));
  *reader = r;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcReaderCheckNotSetUp_Private(HcReader r)
{
  PetscFunctionBegin;
  PetscCheck(!r->setupcalled, r->comm, PETSC_ERR_ORDER, "HcReader: set this before HcReaderSetUp()");
  PetscFunctionReturn(0);
}

PetscErrorCode HcReaderSetOptionsPrefix(HcReader r, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(r->prefix));
  PetscCall(PetscStrallocpy(prefix, &r->prefix));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcReaderSetPaths_Private(HcReader r, const char opt[], PetscInt n, const char *const in[], char ***paths,
                                               PetscInt *npaths)
{
  PetscFunctionBegin;
  PetscCheck(n <= HC_READER_MAX_FILES, r->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: at most %d files, got %" PetscInt_FMT, opt,
             HC_READER_MAX_FILES, n);
  for (PetscInt k = 0; k < n; k++)
    PetscCheck(in[k][0], r->comm, PETSC_ERR_ARG_WRONG, "%s: file %" PetscInt_FMT " of the list has an empty name", opt, k + 1);
  for (PetscInt k = 0; k < *npaths; k++) PetscCall(PetscFree((*paths)[k]));
  PetscCall(PetscFree(*paths));
  PetscCall(PetscCalloc1(n + 1, paths));
  for (PetscInt k = 0; k < n; k++) PetscCall(PetscStrallocpy(in[k], &(*paths)[k]));
  *npaths = n;
  PetscFunctionReturn(0);
}

/* A comma-separated list of files (one file: no comma), as -data_file takes it. */
static PetscErrorCode HcReaderSetPathList_Private(HcReader r, const char opt[], const char list[], char ***paths,
                                                  PetscInt *npaths)
{
  int    n     = 0;
  char **items = NULL;

  PetscFunctionBegin;
  if (list && list[0]) PetscCall(PetscStrToArray(list, ',', &n, &items));
  PetscCall(HcReaderSetPaths_Private(r, opt, n, (const char *const *)items, paths, npaths));
  if (items) PetscCall(PetscStrToArrayDestroy(n, items));
  PetscFunctionReturn(0);
}

/*@C
  HcReaderSetFile - the data file, or several separated by commas (HcReaderSetFiles()).
@*/
PetscErrorCode HcReaderSetFile(HcReader r, const char path[])
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckNotSetUp_Private(r));
  PetscCall(HcReaderSetPathList_Private(r, "-data_file", path, &r->paths, &r->npaths));
  PetscFunctionReturn(0);
}

/*@C
  HcReaderSetFiles - the data files: the variables may be spread over them (one file per variable, as CMIP and ERA5
  deliver them), and a variable found in several files is one time series (one file per year, say): the files are put
  in date order by their times, and a gap or an overlap between them is an error.  Files that hold the same variable
  must agree on its grid, units and calendar.  Nothing read from a file names another file.
@*/
PetscErrorCode HcReaderSetFiles(HcReader r, PetscInt n, const char *const paths[])
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckNotSetUp_Private(r));
  PetscCall(HcReaderSetPaths_Private(r, "-data_file", n, paths, &r->paths, &r->npaths));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcReaderSetNames_Private(HcReader r, PetscInt n, const char *const names[], char *dst[], PetscInt *ndst)
{
  PetscFunctionBegin;
  PetscCheck(n >= 0 && n <= HC_READER_MAX_VARS, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcReader: at most %d variables, got %" PetscInt_FMT, HC_READER_MAX_VARS, n);
  for (PetscInt k = 0; k < *ndst; k++) PetscCall(PetscFree(dst[k]));
  for (PetscInt k = 0; k < n; k++) PetscCall(PetscStrallocpy(names[k], &dst[k]));
  *ndst = n;
  PetscFunctionReturn(0);
}

/*@C
  HcReaderSetVariables - the variables to read, one field (degree of freedom of the grid) each.
@*/
PetscErrorCode HcReaderSetVariables(HcReader r, PetscInt n, const char *const names[])
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckNotSetUp_Private(r));
  PetscCall(HcReaderSetNames_Private(r, n, names, r->names, &r->nvars));
  PetscFunctionReturn(0);
}

/*@C
  HcReaderSetAuxiliary - auxiliary fields (velocity components, say) from path, one file or several separated by
  commas as in HcReaderSetFiles() (NULL or "": the data files), checked to be on the same grid and at the same times as
  the data; HcReaderReadAuxiliary() reads them.
@*/
PetscErrorCode HcReaderSetAuxiliary(HcReader r, const char path[], PetscInt n, const char *const names[])
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckNotSetUp_Private(r));
  PetscCall(HcReaderSetPathList_Private(r, "-data_aux_file", path, &r->auxpaths, &r->nauxpaths));
  PetscCall(HcReaderSetNames_Private(r, n, names, r->auxnames, &r->naux));
  PetscFunctionReturn(0);
}

/*@C
  HcReaderSetBox - select cells whose centres lie in [x0, x1] x [y0, y1] (degrees east and north on lat-lon grids; a
  longitude range may cross the 0/360 or 180/-180 meridian when the file's grid goes round the globe).
@*/
PetscErrorCode HcReaderSetBox(HcReader r, PetscReal x0, PetscReal x1, PetscReal y0, PetscReal y1)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckNotSetUp_Private(r));
  r->box[0] = x0;
  r->box[1] = x1;
  r->box[2] = y0;
  r->box[3] = y1;
  r->hasbox = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  HcReaderSetTimeRange - select the time steps i0..i1 of the file (inclusive, counted from 0).
@*/
PetscErrorCode HcReaderSetTimeRange(HcReader r, PetscInt i0, PetscInt i1)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckNotSetUp_Private(r));
  r->trange[0] = i0;
  r->trange[1] = i1;
  r->hastrange = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode HcReaderSetStride(HcReader r, PetscInt s)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckNotSetUp_Private(r));
  PetscCheck(s >= 1, r->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcReader: stride must be >= 1, got %" PetscInt_FMT, s);
  r->stride = s;
  PetscFunctionReturn(0);
}

PetscErrorCode HcReaderSetLevel(HcReader r, PetscInt k)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckNotSetUp_Private(r));
  r->level    = k;
  r->haslevel = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode HcReaderSetFill(HcReader r, HcFillType fill)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckNotSetUp_Private(r));
  r->fill = fill;
  PetscFunctionReturn(0);
}

/*@C
  HcReaderSetTimeUnits - CF time units "<unit> since <date>" for a time axis whose file gives none: a time coordinate
  without a units attribute, or a time dimension without a coordinate variable (step k is then k units after the date).
  The calendar is the coordinate's calendar attribute, or standard.  Units in the file are never overridden: giving
  units here when every time axis read has its own is an error at set-up.  NULL or "": none (the default), and a time
  axis without units is refused.
@*/
PetscErrorCode HcReaderSetTimeUnits(HcReader r, const char units[])
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckNotSetUp_Private(r));
  PetscCall(PetscStrncpy(r->timeunits, units ? units : "", sizeof(r->timeunits)));
  PetscFunctionReturn(0);
}

/* The roles -data_dims names: x and y are Cartesian or geographic as the file says, lon and lat always geographic. */
static const char *const HcRoleWords[]  = {"time", "x", "y", "lon", "lat", "level", "env", NULL};
static const HcRole      HcRoleOfWord[] = {HC_ROLE_T, HC_ROLE_X, HC_ROLE_Y, HC_ROLE_X, HC_ROLE_Y, HC_ROLE_Z, HC_ROLE_E};

/*@C
  HcReaderSetDimensionRole - the dimension that has a role (time, x, y, lon, lat, level or env) in files that do not say
  so with CF attributes: a time dimension named 'step' without a coordinate variable, say.  lon and lat are x and y
  read as longitude and latitude whatever the coordinate's attributes.  The dimension's name, wherever it occurs in the
  variables read, then has this role; a name that no variable read has is an error at set-up.  dim NULL or "": the role
  comes from the files again.
@*/
PetscErrorCode HcReaderSetDimensionRole(HcReader r, const char role[], const char dim[])
{
  PetscInt k = 0;

  PetscFunctionBegin;
  PetscCall(HcReaderCheckNotSetUp_Private(r));
  while (HcRoleWords[k] && strcmp(HcRoleWords[k], role)) k++;
  PetscCheck(HcRoleWords[k], r->comm, PETSC_ERR_ARG_WRONG,
             "-data_dims: unknown role '%s' (give ROLE=NAME with ROLE one of time, x, y, lon, lat, level, env)", role);
  PetscCheck(!dim || strlen(dim) <= NC_MAX_NAME, r->comm, PETSC_ERR_ARG_WRONG,
             "-data_dims %s=%s: a dimension name has at most %d characters", role, dim, NC_MAX_NAME);
  for (int q = 0; dim && dim[0] && q < HC_NROLES; q++)
    PetscCheck(q == (int)HcRoleOfWord[k] || strcmp(r->dimrole[q], dim), r->comm, PETSC_ERR_ARG_WRONG,
               "-data_dims: dimension '%s' is given two roles (%s and %s)", dim, HcRoleNames[q], HcRoleNames[HcRoleOfWord[k]]);
  PetscCall(PetscStrncpy(r->dimrole[HcRoleOfWord[k]], dim ? dim : "", sizeof(r->dimrole[0])));
  r->dimgeo[HcRoleOfWord[k]] = (PetscBool)(k == 3 || k == 4);
  PetscFunctionReturn(0);
}

/* -data_dims ROLE=NAME,...: each role at most once. */
static PetscErrorCode HcReaderParseDimensionRoles_Private(HcReader r, PetscInt n, char *items[])
{
  PetscBool seen[HC_NROLES] = {PETSC_FALSE};

  PetscFunctionBegin;
  for (int q = 0; q < HC_NROLES; q++) { /* the option replaces every role set before */
    r->dimrole[q][0] = 0;
    r->dimgeo[q]     = PETSC_FALSE;
  }
  for (PetscInt k = 0; k < n; k++) {
    char    *eq = strchr(items[k], '=');
    PetscInt w  = 0;

    PetscCheck(eq && eq != items[k] && eq[1], r->comm, PETSC_ERR_ARG_WRONG,
               "-data_dims '%s': give ROLE=NAME, e.g. -data_dims time=step (ROLE one of time, x, y, lon, lat, level, env)",
               items[k]);
    *eq = 0;
    while (HcRoleWords[w] && strcmp(HcRoleWords[w], items[k])) w++;
    PetscCheck(!HcRoleWords[w] || !seen[HcRoleOfWord[w]], r->comm, PETSC_ERR_ARG_WRONG, "-data_dims: the role %s is given twice",
               HcRoleNames[HcRoleOfWord[w]]);
    PetscCall(HcReaderSetDimensionRole(r, items[k], eq + 1));
    seen[HcRoleOfWord[w]] = PETSC_TRUE;
    *eq                   = '=';
  }
  PetscFunctionReturn(0);
}

/* A list of files from the options (one more than allowed is asked for, so that a longer list is refused, not cut). */
static PetscErrorCode HcReaderOptionsFiles_Private(PetscOptionItems *PetscOptionsObject, HcReader r, const char opt[],
                                                   const char text[], const char man[], char ***paths, PetscInt *npaths)
{
  char     *items[HC_READER_MAX_FILES + 1];
  PetscInt  n = HC_READER_MAX_FILES + 1;
  PetscBool flg;

  PetscFunctionBegin;
  PetscCall(PetscOptionsStringArray(opt, text, man, items, &n, &flg));
  if (flg) {
    PetscErrorCode perr = HcReaderSetPaths_Private(r, opt, n, (const char *const *)items, paths, npaths);

    for (PetscInt k = 0; k < n; k++) PetscCall(PetscFree(items[k]));
    PetscCall(perr);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode HcReaderSetFromOptions(HcReader r)
{
  char     *names[HC_READER_MAX_VARS], *dates[2];
  PetscInt  n, nb = 4, nr = 2, nd = 2, per = r->periodic;
  PetscBool flg;

  PetscFunctionBegin;
  PetscCall(HcReaderCheckNotSetUp_Private(r));
  PetscOptionsBegin(r->comm, r->prefix, "NetCDF input (HcReader)", "HcReader");
  PetscCall(
      HcReaderOptionsFiles_Private(PetscOptionsObject, r, "-data_file",
                                   "NetCDF file(s) to read (classic, 64-bit offset or NetCDF-4), separated by commas: the "
                                   "variables may be spread over the files, and a variable in several files is one time "
                                   "series, the files put in date order. Default none (commands take it as first argument too)",
                                   "HcReaderSetFiles", &r->paths, &r->npaths));
  n = HC_READER_MAX_VARS;
  PetscCall(PetscOptionsStringArray(
      "-data_vars", "Variables to read, one field each (default: every data variable with the dimensions of the first one)",
      "HcReaderSetVariables", names, &n, &flg));
  if (flg) {
    PetscCall(HcReaderSetNames_Private(r, n, (const char *const *)names, r->names, &r->nvars));
    for (PetscInt k = 0; k < n; k++) PetscCall(PetscFree(names[k]));
  }
  PetscCall(PetscOptionsRealArray("-data_box",
                                  "Box x0,x1,y0,y1 (lon0,lon1,lat0,lat1 in degrees; may cross 0 or 180 E on global grids)",
                                  "HcReaderSetBox", r->box, &nb, &flg));
  if (flg) {
    PetscCheck(nb == 4, r->comm, PETSC_ERR_ARG_WRONG, "-data_box takes four values lon0,lon1,lat0,lat1, got %" PetscInt_FMT, nb);
    r->hasbox = PETSC_TRUE;
  }
  PetscCall(PetscOptionsIntArray("-data_time_range", "Time steps i0,i1 of the file to read (inclusive, from 0)",
                                 "HcReaderSetTimeRange", r->trange, &nr, &flg));
  if (flg) {
    PetscCheck(nr == 2, r->comm, PETSC_ERR_ARG_WRONG, "-data_time_range takes two indices i0,i1, got %" PetscInt_FMT, nr);
    r->hastrange = PETSC_TRUE;
  }
  PetscCall(PetscOptionsStringArray("-data_dates",
                                    "Time steps between two dates YYYY-MM-DD[Thh:mm:ss],YYYY-MM-DD (inclusive, file calendar)",
                                    "", dates, &nd, &flg));
  if (flg) {
    PetscCheck(nd == 2, r->comm, PETSC_ERR_ARG_WRONG, "-data_dates takes two dates first,last, got %" PetscInt_FMT, nd);
    for (int k = 0; k < 2; k++) {
      PetscCall(PetscStrncpy(r->dates[k], dates[k], sizeof(r->dates[k])));
      PetscCall(PetscFree(dates[k]));
    }
    r->hasdates = PETSC_TRUE;
  }
  PetscCall(PetscOptionsString("-data_time_units",
                               "Units '<unit> since <date>' of a time axis without any (a time coordinate without units "
                               "attribute; no coordinate variable: step k at k units). Default none: such an axis is refused. "
                               "A file's own units are never overridden (giving the option then is an error)",
                               "HcReaderSetTimeUnits", r->timeunits, r->timeunits, sizeof(r->timeunits), NULL));
  n = 2 * HC_NROLES;
  PetscCall(PetscOptionsStringArray(
      "-data_dims",
      "Roles of dimensions that the files do not mark (no axis, standard_name or units attribute): "
      "ROLE=NAME,... with ROLE time, x, y, lon, lat (lon, lat: x, y read as longitude, latitude), level or "
      "env, e.g. time=step. Default none: roles from the files' attributes and dimension names",
      "HcReaderSetDimensionRole", names, &n, &flg));
  if (flg) {
    PetscErrorCode perr = HcReaderParseDimensionRoles_Private(r, n, names);

    for (PetscInt k = 0; k < n; k++) PetscCall(PetscFree(names[k]));
    PetscCall(perr);
  }
  PetscCall(PetscOptionsInt("-data_level", "Index of the level for variables with a vertical dimension", "HcReaderSetLevel",
                            r->level, &r->level, &flg));
  if (flg) r->haslevel = PETSC_TRUE;
  PetscCall(PetscOptionsInt("-data_env", "Environment to read from files with an environment dimension", "HcReaderSetEnvironment",
                            r->env, &r->env, NULL));
  PetscCall(PetscOptionsInt("-data_stride", "Keep every s-th cell in x and y (coarsening by subsampling)", "HcReaderSetStride",
                            r->stride, &r->stride, NULL));
  PetscCheck(r->stride >= 1, r->comm, PETSC_ERR_ARG_OUTOFRANGE, "-data_stride must be >= 1, got %" PetscInt_FMT, r->stride);
  PetscCall(PetscOptionsEnum("-data_fill",
                             "Missing values inside the ocean: none (an error), zero, or the cell's mean over time (a cell where "
                             "some field has no value at any time is land)",
                             "HcReaderSetFill", HcReaderFills, (PetscEnum)r->fill, (PetscEnum *)&r->fill, NULL));
  PetscCall(HcReaderOptionsFiles_Private(PetscOptionsObject, r, "-data_aux_file",
                                         "File(s) of the auxiliary fields, separated by commas as for -data_file. Default: the "
                                         "data files",
                                         "HcReaderSetAuxiliary", &r->auxpaths, &r->nauxpaths));
  n = HC_READER_MAX_VARS;
  PetscCall(PetscOptionsStringArray("-data_aux_vars",
                                    "Auxiliary variables (e.g. velocity components), on the same grid as the data",
                                    "HcReaderSetAuxiliary", names, &n, &flg));
  if (flg) {
    PetscCall(HcReaderSetNames_Private(r, n, (const char *const *)names, r->auxnames, &r->naux));
    for (PetscInt k = 0; k < n; k++) PetscCall(PetscFree(names[k]));
  }
  PetscCall(PetscOptionsEList("-data_periodic",
                              "Periodic directions: auto (longitude spanning 360 degrees, or hycast's attribute), none, x, y, xy",
                              "", HcPeriodic, 5, HcPeriodic[per], &per, NULL));
  r->periodic = per;
  PetscCall(PetscOptionsBool("-data_view", "Print what the reader found after set-up", "HcReaderView", r->view, &r->view, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- files and variables */

static PetscErrorCode HcNCFileOpen_Private(HcReader r, HcNCFile *f, const char path[], const char var[])
{
  char name[NC_MAX_NAME + 1];

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(f->path, path, sizeof(f->path)));
  HcCallNetCDF(r->comm, f->path, var, nc_open(f->path, NC_NOWRITE, &f->ncid));
  f->open = PETSC_TRUE;
  HcCallNetCDF(r->comm, f->path, var, nc_inq_format(f->ncid, &f->format));
  if (f->format == NC_FORMAT_CLASSIC || f->format == NC_FORMAT_64BIT_OFFSET || f->format == NC_FORMAT_CDF5)
    PetscCall(HcNetCDFCheckSize_Private(r->comm, f->path, var));
  HcCallNetCDF(r->comm, f->path, var, nc_inq_nvars(f->ncid, &f->nvars));
  PetscCall(PetscCalloc1(f->nvars + 1, &f->varnames));
  for (int v = 0; v < f->nvars; v++) {
    HcCallNetCDF(r->comm, f->path, var, nc_inq_varname(f->ncid, v, name));
    PetscCall(PetscStrallocpy(name, &f->varnames[v]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcNCFileClose_Private(HcReader r, HcNCFile *f)
{
  PetscFunctionBegin;
  if (f->open) HcCallNetCDF(r->comm, f->path, "(all)", nc_close(f->ncid));
  f->open = PETSC_FALSE;
  if (f->varnames) PetscCall(PetscStrArrayDestroy(&f->varnames));
  PetscFunctionReturn(0);
}

static int HcNCFileFindVar_Private(const HcNCFile *f, const char name[])
{
  for (int v = 0; v < f->nvars; v++)
    if (!strcmp(f->varnames[v], name)) return v;
  return -1;
}

static PetscErrorCode HcNCFileListVars_Private(const HcNCFile *f, char buf[], size_t len)
{
  PetscFunctionBegin;
  buf[0] = 0;
  for (int v = 0; v < f->nvars; v++) {
    if (v) PetscCall(PetscStrlcat(buf, ", ", len));
    PetscCall(PetscStrlcat(buf, f->varnames[v], len));
  }
  if (!f->nvars) PetscCall(PetscStrncpy(buf, "none", len));
  PetscFunctionReturn(0);
}

/* Is the attribute there (found by walking the attribute list, so that absence is not an error)? */
static PetscErrorCode HcNCHasAttribute_Private(HcReader r, const HcNCFile *f, int varid, const char var[], const char name[],
                                               PetscBool *has)
{
  int  natts;
  char aname[NC_MAX_NAME + 1];

  PetscFunctionBegin;
  *has = PETSC_FALSE;
  HcCallNetCDF(r->comm, f->path, var, nc_inq_varnatts(f->ncid, varid, &natts));
  for (int a = 0; a < natts && !*has; a++) {
    HcCallNetCDF(r->comm, f->path, var, nc_inq_attname(f->ncid, varid, a, aname));
    if (!strcmp(aname, name)) *has = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcNCGetText_Private(HcReader r, const HcNCFile *f, int varid, const char var[], const char name[],
                                          char buf[], size_t len)
{
  PetscBool has;

  PetscFunctionBegin;
  buf[0] = 0;
  PetscCall(HcNCHasAttribute_Private(r, f, varid, var, name, &has));
  if (has) PetscCall(HcNetCDFGetText_Private(r->comm, f->path, f->ncid, varid, name, buf, len, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcNCGetReals_Private(HcReader r, const HcNCFile *f, int varid, const char var[], const char name[],
                                           PetscInt max, double v[], PetscInt *n)
{
  PetscBool has;

  PetscFunctionBegin;
  *n = 0;
  PetscCall(HcNCHasAttribute_Private(r, f, varid, var, name, &has));
  if (has) PetscCall(HcNetCDFGetReals_Private(r->comm, f->path, f->ncid, varid, name, max, v, n));
  PetscFunctionReturn(0);
}

static PetscBool HcStrIn_Private(const char s[], const char *const list[])
{
  for (int k = 0; list[k]; k++)
    if (!strcmp(s, list[k])) return PETSC_TRUE;
  return PETSC_FALSE;
}

static void HcLower_Private(const char in[], char out[], size_t len)
{
  size_t k;

  for (k = 0; in[k] && k < len - 1; k++) out[k] = (char)tolower((unsigned char)in[k]);
  out[k] = 0;
}

static const char *const HcLonUnits[] = {"degrees_east", "degree_east", "degrees_e", "degree_e", "degreese", "degreee", NULL};
static const char *const HcLatUnits[] = {"degrees_north", "degree_north", "degrees_n", "degree_n", "degreesn", "degreen", NULL};

/* The role of a dimension from its coordinate variable's attributes (CF axis, standard_name, units, positive) or, failing
   those, its name.  Returns HC_NROLES when nothing matches.  *geo: the axis is a longitude or latitude. */
static HcRole HcClassifyDimension_Private(const char dimname[], const char axis[], const char stdname[], const char units[],
                                          PetscBool positive, PetscBool *geo)
{
  static const char *const xstd[] = {"longitude", "grid_longitude", NULL}, *const ystd[] = {"latitude", "grid_latitude", NULL};
  static const char *const zstd[]   = {"depth",
                                       "height",
                                       "altitude",
                                       "air_pressure",
                                       "model_level_number",
                                       "sea_water_pressure",
                                       "height_above_geopotential_datum",
                                       NULL};
  static const char *const zunits[] = {"pa", "hpa", "mbar", "millibar", "dbar", "decibar", "level", "layer", "sigma_level", NULL};
  static const char *const xnames[] = {"lon", "longitude", "long", "nav_lon", "rlon", "x", "xc", "xt", "xh", "xt_ocean", NULL};
  static const char *const ynames[] = {"lat", "latitude", "nav_lat", "rlat", "y", "yc", "yt", "yh", "yt_ocean", NULL};
  static const char *const tnames[] = {"time", "t", "times", "date", NULL};
  static const char *const znames[] = {"lev",    "level",  "levels",   "depth",  "z", "plev",
                                       "height", "deptht", "st_ocean", "olevel", NULL};
  static const char *const enames[] = {"env",    "envs",     "environment", "environments",    "realization",
                                       "member", "ensemble", "ens",         "ensemble_member", NULL};
  char                     name[NC_MAX_NAME + 1], a[16], sn[128], un[128];

  HcLower_Private(dimname, name, sizeof(name));
  HcLower_Private(axis, a, sizeof(a));
  HcLower_Private(stdname, sn, sizeof(sn));
  HcLower_Private(units, un, sizeof(un));
  *geo = (HcStrIn_Private(sn, xstd) || HcStrIn_Private(sn, ystd) || HcStrIn_Private(un, HcLonUnits) ||
          HcStrIn_Private(un, HcLatUnits) ||
          (!un[0] && !sn[0] &&
           (!strcmp(name, "lon") || !strcmp(name, "longitude") || !strcmp(name, "lat") || !strcmp(name, "latitude"))))
             ? PETSC_TRUE
             : PETSC_FALSE;
  if (!strcmp(a, "x")) return HC_ROLE_X;
  if (!strcmp(a, "y")) return HC_ROLE_Y;
  if (!strcmp(a, "z")) return HC_ROLE_Z;
  if (!strcmp(a, "t")) return HC_ROLE_T;
  if (HcStrIn_Private(sn, xstd) || !strcmp(sn, "projection_x_coordinate")) return HC_ROLE_X;
  if (HcStrIn_Private(sn, ystd) || !strcmp(sn, "projection_y_coordinate")) return HC_ROLE_Y;
  if (!strcmp(sn, "time")) return HC_ROLE_T;
  if (!strcmp(sn, "realization")) return HC_ROLE_E;
  if (HcStrIn_Private(sn, zstd) || strstr(sn, "ocean_s_coordinate") || strstr(sn, "atmosphere_")) return HC_ROLE_Z;
  if (HcStrIn_Private(un, HcLonUnits)) return HC_ROLE_X;
  if (HcStrIn_Private(un, HcLatUnits)) return HC_ROLE_Y;
  if (strstr(un, " since ")) return HC_ROLE_T;
  if (positive || HcStrIn_Private(un, zunits)) return HC_ROLE_Z;
  if (HcStrIn_Private(name, xnames)) return HC_ROLE_X;
  if (HcStrIn_Private(name, ynames)) return HC_ROLE_Y;
  if (HcStrIn_Private(name, tnames)) return HC_ROLE_T;
  if (HcStrIn_Private(name, znames)) return HC_ROLE_Z;
  if (HcStrIn_Private(name, enames)) return HC_ROLE_E;
  return HC_NROLES;
}

/* The coordinate variable of a dimension: same name, one dimension, that dimension. */
static PetscErrorCode HcNCCoordinateVariable_Private(HcReader r, const HcNCFile *f, int dimid, const char dimname[],
                                                     const char var[], int *cvar)
{
  int v = HcNCFileFindVar_Private(f, dimname), nd, dims[NC_MAX_VAR_DIMS];

  PetscFunctionBegin;
  *cvar = -1;
  if (v < 0) PetscFunctionReturn(0);
  HcCallNetCDF(r->comm, f->path, var, nc_inq_varndims(f->ncid, v, &nd));
  if (nd != 1) PetscFunctionReturn(0);
  HcCallNetCDF(r->comm, f->path, var, nc_inq_vardimid(f->ncid, v, dims));
  if (dims[0] == dimid) *cvar = v;
  PetscFunctionReturn(0);
}

/* Find the variable, its dimensions' roles, and how to decode it. */
static PetscErrorCode HcNCVarInquire_Private(HcReader r, HcNCFile *f, const char name[], HcNCVar *v)
{
  int      dims[NC_MAX_VAR_DIMS];
  char     list[4096], shape[1024] = "";
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(v->name, name, sizeof(v->name)));
  v->file  = f;
  v->varid = HcNCFileFindVar_Private(f, name);
  if (v->varid < 0) {
    PetscCall(HcNCFileListVars_Private(f, list, sizeof(list)));
    SETERRQ(r->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: variable '%s': no such variable in the file (it has: %s)", f->path, name,
            list);
  }
  HcCallNetCDF(r->comm, f->path, name, nc_inq_var(f->ncid, v->varid, NULL, NULL, &v->ndims, dims, NULL));
  for (int k = 0; k < HC_NROLES; k++) v->pos[k] = -1;
  for (int d = 0; d < v->ndims; d++) {
    char dname[NC_MAX_NAME + 1];

    HcCallNetCDF(r->comm, f->path, name, nc_inq_dimname(f->ncid, dims[d], dname));
    PetscCall(PetscStrlcat(shape, d ? ", " : "", sizeof(shape)));
    PetscCall(PetscStrlcat(shape, dname, sizeof(shape)));
  }
  PetscCheck(
      v->ndims >= 2 && v->ndims <= 5, r->comm, PETSC_ERR_FILE_UNEXPECTED,
      "%s: variable '%s': wrong number of dimensions: %d (%s); expected (time, [level,] latitude, longitude), with an optional "
      "environment dimension first",
      f->path, name, v->ndims, shape);
  for (int d = 0; d < v->ndims; d++) {
    char      dname[NC_MAX_NAME + 1], axis[16] = "", sn[128] = "", units[128] = "";
    size_t    len;
    int       cvar;
    PetscBool positive = PETSC_FALSE, geo;
    HcRole    role;

    HcCallNetCDF(r->comm, f->path, name, nc_inq_dim(f->ncid, dims[d], dname, &len));
    PetscCall(HcNCCoordinateVariable_Private(r, f, dims[d], dname, name, &cvar));
    if (cvar >= 0) {
      PetscCall(HcNCGetText_Private(r, f, cvar, dname, "axis", axis, sizeof(axis)));
      PetscCall(HcNCGetText_Private(r, f, cvar, dname, "standard_name", sn, sizeof(sn)));
      PetscCall(HcNCGetText_Private(r, f, cvar, dname, "units", units, sizeof(units)));
      PetscCall(HcNCHasAttribute_Private(r, f, cvar, dname, "positive", &positive));
    }
    role = HcClassifyDimension_Private(dname, axis, sn, units, positive, &geo);
    for (int q = 0; q < HC_NROLES; q++) /* -data_dims overrides the file */
      if (r->dimrole[q][0] && !strcmp(r->dimrole[q], dname)) {
        role          = (HcRole)q;
        geo           = (PetscBool)(geo || r->dimgeo[q]);
        r->dimused[q] = PETSC_TRUE;
      }
    if (role == HC_NROLES) {
      PetscCheck(
          len == 1, r->comm, PETSC_ERR_FILE_UNEXPECTED,
          "%s: variable '%s': dimension '%s' (size %zu) is not recognised as time, level, environment, latitude or longitude "
          "(name its role with -data_dims, e.g. -data_dims time=%s, or give its coordinate variable an 'axis' or "
          "'standard_name' attribute)",
          f->path, name, dname, len, dname);
      continue; /* a singleton dimension: index 0 */
    }
    PetscCheck(v->pos[role] < 0, r->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: variable '%s': dimensions '%s' and '%s' are both %s",
               f->path, name, v->dimname[role], dname, HcRoleNames[role]);
    v->pos[role] = d;
    v->len[role] = len;
    PetscCall(PetscStrncpy(v->dimname[role], dname, sizeof(v->dimname[role])));
    if (role == HC_ROLE_X || role == HC_ROLE_Y) {
      v->ax[role].geographic = geo;
      v->ax[role].nfile      = (PetscInt)len;
      PetscCall(PetscStrncpy(v->ax[role].coord, cvar >= 0 ? dname : "", sizeof(v->ax[role].coord)));
      PetscCall(PetscStrncpy(v->ax[role].units, units, sizeof(v->ax[role].units)));
    }
  }
  PetscCheck(v->pos[HC_ROLE_X] >= 0 && v->pos[HC_ROLE_Y] >= 0, r->comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s: variable '%s': wrong dimensions (%s): no %s dimension found; expected (time, [level,] latitude, longitude)",
             f->path, name, shape, v->pos[HC_ROLE_X] < 0 ? "longitude (x)" : "latitude (y)");
  PetscCheck(
      v->ax[0].geographic == v->ax[1].geographic, r->comm, PETSC_ERR_FILE_UNEXPECTED,
      "%s: variable '%s': '%s' is %sa longitude but '%s' is %sa latitude; use both geographic or both Cartesian coordinates "
      "(-data_dims lon=NAME,lat=NAME reads two dimensions as longitude and latitude)",
      f->path, name, v->dimname[HC_ROLE_X], v->ax[0].geographic ? "" : "not ", v->dimname[HC_ROLE_Y],
      v->ax[1].geographic ? "" : "not ");
  v->type = v->ax[0].geographic ? HC_GRID_LATLON : HC_GRID_CARTESIAN;

  /* decoding */
  v->scale  = 1;
  v->offset = 0;
  PetscCall(HcNCGetReals_Private(r, f, v->varid, name, "scale_factor", 1, &v->scale, &n));
  PetscCall(HcNCGetReals_Private(r, f, v->varid, name, "add_offset", 1, &v->offset, &n));
  PetscCall(HcNCGetReals_Private(r, f, v->varid, name, "_FillValue", 1, v->miss, &v->nmiss));
  PetscCall(PetscSNPrintf(v->missdesc, sizeof(v->missdesc), "NaN"));
  if (v->nmiss) {
    if (PetscIsNanReal(v->miss[0]))
      PetscCall(PetscStrncpy(list, ", _FillValue NaN", sizeof(list)));
    else
      PetscCall(PetscSNPrintf(list, sizeof(list), ", _FillValue %g", v->miss[0]));
    PetscCall(PetscStrlcat(v->missdesc, list, sizeof(v->missdesc)));
  }
  PetscCall(HcNCGetReals_Private(r, f, v->varid, name, "missing_value", HC_MAX_MISSING - v->nmiss, v->miss + v->nmiss, &n));
  for (PetscInt k = 0; k < n; k++) {
    PetscCall(PetscSNPrintf(list, sizeof(list), ", missing_value %g", v->miss[v->nmiss + k]));
    PetscCall(PetscStrlcat(v->missdesc, list, sizeof(v->missdesc)));
  }
  v->nmiss += n;
  PetscCall(HcNCGetText_Private(r, f, v->varid, name, "units", v->units, sizeof(v->units)));
  PetscCall(HcNCGetText_Private(r, f, v->varid, name, "long_name", v->long_name, sizeof(v->long_name)));
  PetscCall(HcNCGetText_Private(r, f, v->varid, name, "standard_name", v->standard_name, sizeof(v->standard_name)));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- horizontal selection */

/* A value is usable when it is finite and so is its square: losses, norms and variances of the data must not overflow. */
static PetscBool HcValueSane_Private(PetscReal x)
{
  return !PetscIsInfOrNanReal(x) && !PetscIsInfOrNanReal(x * x) ? PETSC_TRUE : PETSC_FALSE;
}

/* Coordinate values c[0..n) of variable v's axis 'what' (coordinate variable cname) are all usable. */
static PetscErrorCode HcCoordinateCheck_Private(HcReader r, const HcNCVar *v, const char what[], const char cname[], PetscInt n,
                                                const PetscReal c[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    PetscCheck(!PetscIsNanReal(c[i]), r->comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: variable '%s': %s coordinate '%s' has a missing value at index %" PetscInt_FMT, v->file->path, v->name, what,
               cname, i);
    PetscCheck(HcValueSane_Private(c[i]), r->comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: variable '%s': %s coordinate '%s' has the value %g at index %" PetscInt_FMT
               ", out of range: coordinates must be finite and at most %g in magnitude",
               v->file->path, v->name, what, cname, (double)c[i], i, (double)PetscSqrtReal(PETSC_MAX_REAL));
  }
  PetscFunctionReturn(0);
}

/* First index where the sequence stops being strictly monotonic in the direction of its first step, or -1. */
static PetscInt HcMonotonicBreak_Private(PetscInt n, const PetscReal c[])
{
  const PetscBool up = n < 2 || c[1] > c[0] ? PETSC_TRUE : PETSC_FALSE;

  for (PetscInt i = 1; i < n; i++)
    if (up ? !(c[i] > c[i - 1]) : !(c[i] < c[i - 1])) return i;
  return -1;
}

/* A box that selects no cell although it lies inside the file's extent is narrower than the spacing of the centres
   around it; say so rather than "outside". */
static PetscErrorCode HcBoxBetweenCentres_Private(HcReader r, const HcNCVar *v, const char what[], PetscReal lo, PetscReal hi,
                                                  PetscReal below, PetscReal above, PetscBool between)
{
  PetscFunctionBegin;
  PetscCheck(!between, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: variable '%s': the box (%s %g to %g) selects no cell: it lies between the cell centres %g and %g (%g apart); a "
             "box must contain at least one cell centre",
             v->file->path, v->name, what, (double)lo, (double)hi, (double)below, (double)above, (double)(above - below));
  PetscFunctionReturn(0);
}

/* Select cells of one axis: file coordinates raw[], box [lo, hi] (hasbox), stride s.  Longitudes may wrap once in the
   file (e.g. 180..359, 0..179) and boxes may cross the periodic edge. */
static PetscErrorCode HcAxisSelect_Private(HcReader r, const HcNCVar *v, int d, const PetscReal raw[], PetscBool hasbox,
                                           PetscReal lo, PetscReal hi, HcAxisSel *ax)
{
  const PetscInt  n = ax->nfile, s = r->stride;
  const PetscBool lon  = (d == 0 && ax->geographic) ? PETSC_TRUE : PETSC_FALSE;
  const char     *what = d ? (ax->geographic ? "latitude" : "y") : (ax->geographic ? "longitude" : "x");
  const PetscReal eps  = 1e-6;
  PetscReal      *u, *val;
  PetscInt       *ord, nsel = 0, brk;
  PetscBool       periodic = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(n, &u, n, &val, n, &ord));
  PetscCall(HcCoordinateCheck_Private(r, v, what, ax->coord, n, raw));
  /* file order -> increasing order (ord[k] = file index of the k-th smallest) */
  for (PetscInt i = 0; i < n; i++) u[i] = raw[i];
  if (lon)
    for (PetscInt i = 1, wraps = 0; i < n; i++) {
      if (raw[i] < raw[i - 1] && raw[i - 1] - raw[i] > 180) wraps++;
      u[i] = raw[i] + 360 * wraps;
    }
  brk = HcMonotonicBreak_Private(n, u);
  if (brk >= 0 && lon) { /* not increasing after unwrapping: try the file order as it is */
    for (PetscInt i = 0; i < n; i++) u[i] = raw[i];
    brk = HcMonotonicBreak_Private(n, u);
  }
  PetscCheck(brk < 0, r->comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s: variable '%s': %s coordinate '%s' is not monotonic: %g follows %g at index %" PetscInt_FMT, v->file->path,
             v->name, what, ax->coord, (double)raw[brk], (double)raw[brk - 1], brk);
  ax->flipped = n >= 2 && u[1] < u[0] ? PETSC_TRUE : PETSC_FALSE;
  for (PetscInt k = 0; k < n; k++) ord[k] = ax->flipped ? n - 1 - k : k;
  for (PetscInt k = 0; k < n; k++) val[k] = u[ord[k]];
  if (lon) {
    PetscCheck(val[n - 1] - val[0] < 360, r->comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: variable '%s': longitudes '%s' span %g degrees, more than 360", v->file->path, v->name, ax->coord,
               (double)(val[n - 1] - val[0]));
    periodic = n >= 2 && PetscAbsReal((val[n - 1] - val[0]) * n / (n - 1) - 360) < 1e-6 * 360 ? PETSC_TRUE : PETSC_FALSE;
  } else if (d == 0 ? (r->periodic == 2 || r->periodic == 4) : (r->periodic == 3 || r->periodic == 4))
    periodic = PETSC_TRUE;
  if (r->periodic == 1) periodic = PETSC_FALSE;

  /* the box, as positions k in increasing order; sel holds them in selection order */
  PetscCall(PetscMalloc2(n, &ax->idx, n, &ax->c));
  if (!hasbox) {
    for (PetscInt k = 0; k < n; k++) {
      ax->idx[k] = ord[k];
      ax->c[k]   = val[k];
    }
    nsel = n;
  } else if (lon) {
    PetscInt   first = -1;
    PetscReal *x;
    PetscBool *taken;

    if (hi < lo) hi += 360;
    PetscCheck(hi - lo <= 360 + eps, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "%s: variable '%s': the box longitudes %g to %g span more than 360 degrees", v->file->path, v->name, (double)lo,
               (double)hi);
    /* every longitude shifted into [lo, lo + 360): those <= hi are in the box; the selection starts at the smallest and
       goes on in file order (round the globe on a periodic axis) while the shifted values increase */
    PetscCall(PetscMalloc2(n, &x, n, &taken));
    for (PetscInt k = 0; k < n; k++) {
      x[k]     = val[k] - 360 * PetscFloorReal((val[k] - (lo - eps)) / 360);
      taken[k] = PETSC_FALSE;
      if (x[k] <= hi + eps && (first < 0 || x[k] < x[first])) first = k;
    }
    for (PetscInt m = 0; first >= 0 && m < n; m++) {
      const PetscInt k = periodic ? (first + m) % n : first + m;

      if (k >= n || x[k] > hi + eps || (nsel && x[k] <= ax->c[nsel - 1])) break;
      taken[k]      = PETSC_TRUE;
      ax->idx[nsel] = ord[k];
      ax->c[nsel++] = x[k];
    }
    if (!nsel) { /* the nearest centres below and above the box: neighbours when the box falls between two centres */
      PetscInt below = 0, above = 0;

      for (PetscInt k = 1; k < n; k++) {
        if (x[k] > x[below]) below = k;
        if (x[k] < x[above]) above = k;
      }
      PetscCall(HcBoxBetweenCentres_Private(r, v, what, lo, hi, val[below], val[above] + (above < below ? 360 : 0),
                                            above == below + 1 || (periodic && below == n - 1 && above == 0)));
    }
    PetscCheck(nsel, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "%s: variable '%s': the box longitudes %g to %g are outside the file's longitudes %g to %g", v->file->path,
               v->name, (double)lo, (double)hi, (double)val[0], (double)val[n - 1]);
    for (PetscInt k = 0; k < n; k++) /* on a regional axis the box must not continue across the file's edge */
      PetscCheck(taken[k] || x[k] > hi + eps, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "%s: variable '%s': the box longitudes %g to %g cross the edge of the file's regional longitudes %g to %g",
                 v->file->path, v->name, (double)lo, (double)hi, (double)val[0], (double)val[n - 1]);
    PetscCall(PetscFree2(x, taken));
  } else {
    PetscCheck(hi >= lo, r->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: variable '%s': empty box: %s %g to %g", v->file->path, v->name,
               what, (double)lo, (double)hi);
    for (PetscInt k = 0; k < n; k++)
      if (val[k] >= lo - eps && val[k] <= hi + eps) {
        ax->idx[nsel] = ord[k];
        ax->c[nsel++] = val[k];
      }
    if (!nsel && lo > val[0] && hi < val[n - 1]) {
      PetscInt k = 0;

      while (val[k + 1] < lo) k++;
      PetscCall(HcBoxBetweenCentres_Private(r, v, what, lo, hi, val[k], val[k + 1], PETSC_TRUE));
    }
    PetscCheck(nsel, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "%s: variable '%s': the box %s %g to %g is outside the file's %s %g to %g", v->file->path, v->name, what,
               (double)lo, (double)hi, what, (double)val[0], (double)val[n - 1]);
  }
  ax->full     = nsel == n ? PETSC_TRUE : PETSC_FALSE;
  ax->periodic = periodic && ax->full ? PETSC_TRUE : PETSC_FALSE;
  /* stride: keep every s-th selected cell */
  ax->n = 0;
  for (PetscInt k = 0; k < nsel; k += s) {
    ax->idx[ax->n] = ax->idx[k];
    ax->c[ax->n++] = ax->c[k];
  }
  PetscCheck(ax->n >= 2, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: variable '%s': the selection keeps %" PetscInt_FMT " cell(s) along %s (box and stride %" PetscInt_FMT
             "); at least 2 are needed",
             v->file->path, v->name, ax->n, what, s);
  PetscCall(PetscFree3(u, val, ord));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcNCVarGeometry_Private(HcReader r, HcNCVar *v)
{
  PetscFunctionBegin;
  for (int d = 0; d < 2; d++) {
    HcAxisSel *ax = &v->ax[d];
    PetscReal *raw;

    PetscCall(PetscMalloc1(ax->nfile, &raw));
    if (ax->coord[0]) {
      int cvar = HcNCFileFindVar_Private(v->file, ax->coord);
      HcCallNetCDF(r->comm, v->file->path, ax->coord, nc_get_var_double(v->file->ncid, cvar, raw));
    } else
      for (PetscInt i = 0; i < ax->nfile; i++) raw[i] = i; /* no coordinate variable: cell indices */
    PetscCall(HcAxisSelect_Private(r, v, d, raw, r->hasbox, r->box[2 * d], r->box[2 * d + 1], ax));
    PetscCall(PetscFree(raw));
  }
  if (v->type == HC_GRID_LATLON) {
    const HcAxisSel *ay = &v->ax[1];
    /* rows centred on a pole are fine (the grid closes the pole faces); beyond a pole is not a latitude */
    PetscCheck(ay->c[0] >= -90 && ay->c[ay->n - 1] <= 90, r->comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: variable '%s': latitudes '%s' run from %g to %g, beyond a pole; latitudes must lie within [-90, 90]",
               v->file->path, v->name, ay->coord, (double)ay->c[0], (double)ay->c[ay->n - 1]);
  }
  PetscFunctionReturn(0);
}

/* Cartesian files written by hycast say which directions are periodic. */
static PetscErrorCode HcNCVarPeriodicAttribute_Private(HcReader r, HcNCVar *v)
{
  char per[16];

  PetscFunctionBegin;
  if (v->type != HC_GRID_CARTESIAN || r->periodic != 0) PetscFunctionReturn(0);
  PetscCall(HcNCGetText_Private(r, v->file, NC_GLOBAL, v->name, "hycast_periodic", per, sizeof(per)));
  if (strchr(per, 'x') && v->ax[0].full) v->ax[0].periodic = PETSC_TRUE;
  if (strchr(per, 'y') && v->ax[1].full) v->ax[1].periodic = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- time */

/* The model times of every step of v's time axis: seconds since the reference date of its units.  Time without units is
   never taken as seconds silently: a time coordinate without a units attribute, or a time dimension without a coordinate
   variable, needs -data_time_units. */
static PetscErrorCode HcNCVarTime_Private(HcReader r, HcNCVar *v)
{
  int         cvar, dims[NC_MAX_VAR_DIMS];
  char        units[256], calendar[64] = "", src[PETSC_MAX_PATH_LEN + 64];
  const char *tname = v->dimname[HC_ROLE_T];

  PetscFunctionBegin;
  v->hastime = v->pos[HC_ROLE_T] >= 0 ? PETSC_TRUE : PETSC_FALSE;
  v->ntfile  = v->hastime ? (PetscInt)v->len[HC_ROLE_T] : 1;
  PetscCheck(v->ntfile > 0, r->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: variable '%s': the time dimension '%s' is empty",
             v->file->path, v->name, tname);
  PetscCall(PetscMalloc1(v->ntfile, &v->tfile));
  for (PetscInt k = 0; k < v->ntfile; k++) v->tfile[k] = k;
  if (!v->hastime) PetscFunctionReturn(0); /* one state, at time 0 */
  HcCallNetCDF(r->comm, v->file->path, v->name, nc_inq_vardimid(v->file->ncid, v->varid, dims));
  PetscCall(HcNCCoordinateVariable_Private(r, v->file, dims[v->pos[HC_ROLE_T]], tname, v->name, &cvar));
  if (cvar < 0) {
    PetscCheck(r->timeunits[0], r->comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: variable '%s': the time dimension '%s' has no coordinate variable, so its %" PetscInt_FMT
               " steps have no times; give their spacing with -data_time_units '<unit> since <date>' (step k is then k units "
               "after the date), e.g. -data_time_units 'days since 2000-01-01'",
               v->file->path, v->name, tname, v->ntfile);
    v->tfrom = HC_TIME_FROM_OPTION_STEPS;
    PetscCall(PetscStrncpy(units, r->timeunits, sizeof(units)));
  } else {
    HcCallNetCDF(r->comm, v->file->path, tname, nc_get_var_double(v->file->ncid, cvar, v->tfile));
    PetscCall(HcNCGetText_Private(r, v->file, cvar, tname, "units", units, sizeof(units)));
    PetscCall(HcNCGetText_Private(r, v->file, cvar, tname, "calendar", calendar, sizeof(calendar)));
    PetscCall(HcCoordinateCheck_Private(r, v, "time", tname, v->ntfile, v->tfile));
    if (units[0] && HcTimeUnitsDated_Private(units))
      v->tfrom = HC_TIME_FROM_FILE;
    else if (units[0]) { /* "hours", "1", "step": values in some unit, but not dates */
      const PetscReal sec      = HcTimeUnitSeconds_Private(units);
      char            word[64] = "days";

      if (sec > 0) PetscCall(PetscStrncpy(word, units, sizeof(word)));
      PetscCheck(r->timeunits[0], r->comm, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: variable '%s': its time coordinate '%s' has units '%s', without a reference date, so its values are not "
                 "dates; give the units with -data_time_units '<unit> since <date>', e.g. -data_time_units '%s since 2000-01-01'",
                 v->file->path, v->name, tname, units, word);
      PetscCheck(sec <= 0 || sec == HcTimeUnitSeconds_Private(r->timeunits), r->comm, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: variable '%s': -data_time_units '%s' contradicts the units '%s' of its time coordinate '%s'; give "
                 "-data_time_units '%s since <date>'",
                 v->file->path, v->name, r->timeunits, units, tname, units);
      v->tfrom = HC_TIME_FROM_OPTION_UNDATED;
      PetscCall(PetscStrncpy(v->tundated, units, sizeof(v->tundated)));
      PetscCall(PetscStrncpy(units, r->timeunits, sizeof(units)));
    } else {
      PetscCheck(r->timeunits[0], r->comm, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: variable '%s': its time coordinate '%s' has no units attribute, so its values are not times; give "
                 "their units with -data_time_units '<unit> since <date>', e.g. -data_time_units 'days since 2000-01-01'",
                 v->file->path, v->name, tname);
      v->tfrom = HC_TIME_FROM_OPTION;
      PetscCall(PetscStrncpy(units, r->timeunits, sizeof(units)));
    }
  }
  if (v->tfrom == HC_TIME_FROM_FILE)
    PetscCall(PetscStrncpy(src, v->file->path, sizeof(src)));
  else
    PetscCall(PetscSNPrintf(src, sizeof(src), "%s (time units from -data_time_units)", v->file->path));
  PetscCall(HcTimeAxisSetUp_Private(r->comm, src, tname, units, calendar, &v->tax));
  v->timeunits = PETSC_TRUE;
  for (PetscInt k = 0; k < v->ntfile; k++) v->tfile[k] *= v->tax.unitsec;
  PetscFunctionReturn(0);
}

/* -data_time_units must be used by some time axis: a file's own units are never overridden, so giving them when every
   time axis has units (or there is no time dimension) would be an option silently ignored. */
static PetscErrorCode HcReaderCheckTimeUnitsUsed_Private(HcReader r)
{
  const HcNCVar *first = NULL;

  PetscFunctionBegin;
  if (!r->timeunits[0]) PetscFunctionReturn(0);
  for (PetscInt c = 0; c < r->nvars + r->naux; c++) {
    const HcNCVar *s = c < r->nvars ? &r->var[c] : &r->avar[c - r->nvars];

    for (PetscInt q = 0; q < s->npiece; q++) { /* every file of a time series */
      const HcNCVar *v = q ? &s->piece[q - 1] : s;

      if (v->hastime && v->tfrom != HC_TIME_FROM_FILE) PetscFunctionReturn(0);
      if (v->hastime && !first) first = v;
    }
  }
  PetscCheck(first, r->comm, PETSC_ERR_ARG_WRONG,
             "%s: variable '%s': -data_time_units '%s' given, but no variable read has a time dimension", r->var[0].file->path,
             r->var[0].name, r->timeunits);
  SETERRQ(r->comm, PETSC_ERR_ARG_WRONG,
          "%s: variable '%s': -data_time_units '%s' given, but the time coordinate '%s' has its own units '%s'; the file's "
          "units are never overridden: remove -data_time_units",
          first->file->path, first->name, r->timeunits, first->dimname[HC_ROLE_T], first->tax.units);
}

/* The selected steps t0 .. t0 + nt - 1 of the first variable's time axis. */
static PetscErrorCode HcReaderSelectTimes_Private(HcReader r)
{
  const HcNCVar *v  = &r->var[0];
  PetscInt       i0 = 0, i1 = v->ntfile - 1;

  PetscFunctionBegin;
  if (r->hastrange) {
    PetscCheck(r->trange[0] >= 0 && r->trange[1] >= r->trange[0] && r->trange[1] < v->ntfile, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "%s: variable '%s': -data_time_range %" PetscInt_FMT ",%" PetscInt_FMT
               " is not within the file's steps 0..%" PetscInt_FMT,
               v->file->path, v->name, r->trange[0], r->trange[1], v->ntfile - 1);
    i0 = r->trange[0];
    i1 = r->trange[1];
  }
  if (r->hasdates) {
    PetscReal lo, hi;
    PetscInt  j0 = -1, j1 = -1;
    char      what[PETSC_MAX_PATH_LEN + 128];

    PetscCheck(v->timeunits, r->comm, PETSC_ERR_ARG_WRONG,
               "%s: variable '%s': -data_dates needs a time coordinate with units '<unit> since <date>'", v->file->path, v->name);
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: variable '%s': -data_dates", v->file->path, v->name));
    PetscCall(HcTimeAxisParseDate_Private(r->comm, &v->tax, what, r->dates[0], &lo));
    PetscCall(HcTimeAxisParseDate_Private(r->comm, &v->tax, what, r->dates[1], &hi));
    for (PetscInt k = i0; k <= i1; k++)
      if (v->tfile[k] >= lo - 1e-6 && v->tfile[k] <= hi + 1e-6) {
        if (j0 < 0) j0 = k;
        j1 = k;
      }
    PetscCheck(j0 >= 0, r->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: variable '%s': no time step between %s and %s", v->file->path,
               v->name, r->dates[0], r->dates[1]);
    i0 = j0;
    i1 = j1;
  }
  r->t0 = i0;
  r->nt = i1 - i0 + 1;
  PetscCall(PetscMalloc1(r->nt, &r->times));
  for (PetscInt k = 0; k < r->nt; k++) r->times[k] = v->tfile[i0 + k];
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- consistency of several variables */

static PetscErrorCode HcNCVarCompareGrid_Private(HcReader r, const HcNCVar *a, const HcNCVar *b)
{
  PetscFunctionBegin;
  PetscCheck(a->type == b->type, r->comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s: variable '%s': on a %s grid, but '%s' of %s is on a %s grid", b->file->path, b->name, HcGridTypes[b->type],
             a->name, a->file->path, HcGridTypes[a->type]);
  for (int d = 0; d < 2; d++) {
    const char *what                   = a->type == HC_GRID_LATLON ? (d ? "latitude" : "longitude") : (d ? "y" : "x");
    char        coord[NC_MAX_NAME + 8] = "";

    if (b->ax[d].coord[0]) PetscCall(PetscSNPrintf(coord, sizeof(coord), " ('%s')", b->ax[d].coord));
    PetscCheck(a->ax[d].n == b->ax[d].n, r->comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: variable '%s': on another grid than '%s' of %s: %" PetscInt_FMT
               " selected cells along %s%s instead of %" PetscInt_FMT,
               b->file->path, b->name, a->name, a->file->path, b->ax[d].n, what, coord, a->ax[d].n);
    for (PetscInt i = 0; i < a->ax[d].n; i++) {
      const PetscReal tol = 1e-6 * PetscMax(1, PetscAbsReal(a->ax[d].c[i]));
      PetscCheck(PetscAbsReal(a->ax[d].c[i] - b->ax[d].c[i]) <= tol, r->comm, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: variable '%s': on another grid than '%s' of %s: %s%s of cell %" PetscInt_FMT " is %g instead of %g",
                 b->file->path, b->name, a->name, a->file->path, what, coord, i, (double)b->ax[d].c[i], (double)a->ax[d].c[i]);
    }
  }
  PetscFunctionReturn(0);
}

/* b's time axis must match the reader's selection (a variable without a time dimension is constant in time). */
static PetscErrorCode HcReaderCompareTime_Private(HcReader r, const HcNCVar *b)
{
  const HcNCVar *a   = &r->var[0];
  PetscReal      off = 0;

  PetscFunctionBegin;
  if (!b->hastime && b != a) PetscFunctionReturn(0);
  PetscCheck(b->ntfile == a->ntfile, r->comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s: variable '%s': %" PetscInt_FMT " time steps, but '%s' of %s has %" PetscInt_FMT, b->file->path, b->name,
             b->ntfile, a->name, a->file->path, a->ntfile);
  if (a->timeunits && b->timeunits) PetscCall(HcTimeAxisOffset_Private(r->comm, &a->tax, &b->tax, &off));
  for (PetscInt k = 0; k < r->nt; k++) {
    const PetscReal ta = a->tfile[r->t0 + k], tb = b->tfile[r->t0 + k] + off;
    PetscCheck(PetscAbsReal(ta - tb) <= 1e-6 * PetscMax(1, PetscAbsReal(ta)), r->comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: variable '%s': time step %" PetscInt_FMT " differs from that of '%s' of %s", b->file->path, b->name,
               r->t0 + k, a->name, a->file->path);
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- this rank's hyperslab */

/* Cut the local range [s, s + m) of a selection into runs of constant file stride (at most HC_MAX_RUNS). */
static PetscErrorCode HcAxisRuns_Private(HcReader r, const HcAxisSel *ax, PetscInt s, PetscInt m, PetscInt maxruns, HcRun runs[],
                                         PetscInt *nruns)
{
  PetscInt i = 0;

  PetscFunctionBegin;
  *nruns = 0;
  while (i < m) {
    PetscInt len = 1, d = 1;
    HcRun   *run = &runs[*nruns];
    PetscInt first;

    PetscAssert(*nruns < maxruns, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                "HcReader: local selection needs more than %" PetscInt_FMT " runs", maxruns);
    if (i + 1 < m) {
      d = ax->idx[s + i + 1] - ax->idx[s + i];
      while (i + len < m && ax->idx[s + i + len] - ax->idx[s + i + len - 1] == d) len++;
    }
    first       = d > 0 ? ax->idx[s + i] : ax->idx[s + i + len - 1];
    run->start  = (size_t)first;
    run->count  = (size_t)len;
    run->stride = (ptrdiff_t)PetscAbsInt(d);
    run->off    = i;
    run->rev    = d < 0 ? PETSC_TRUE : PETSC_FALSE;
    (*nruns)++;
    i += len;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcNCVarSetUpSlab_Private(HcReader r, HcNCVar *v)
{
  PetscInt ny;

  PetscFunctionBegin;
  PetscCall(HcAxisRuns_Private(r, &v->ax[0], r->xs, r->xm, HC_MAX_RUNS, v->xrun, &v->nxruns));
  PetscCall(HcAxisRuns_Private(r, &v->ax[1], r->ys, r->ym, 1, &v->yrun, &ny));
  PetscFunctionReturn(0);
}

/* Read field v at (environment e, file step k) into out[(j - ys) * xm + (i - xs)], decoded; missing values become NaN and
   kind[] (when given) tells why: 1 NaN in the file, 2 _FillValue or missing_value.  Collective: every rank makes the same
   number of NetCDF calls. */
static PetscErrorCode HcNCVarReadSlab_Private(HcReader r, const HcNCVar *v, PetscInt e, PetscInt k, PetscReal out[], char kind[])
{
  size_t     start[NC_MAX_VAR_DIMS], count[NC_MAX_VAR_DIMS];
  ptrdiff_t  stride[NC_MAX_VAR_DIMS];
  PetscReal *buf = r->rbuf;

  PetscFunctionBegin;
  if (v->npiece > 1) { /* a time series over files: the piece that holds step k, and k in its file */
    const PetscInt p = v->tpiece[k];

    k = v->tlocal[k];
    if (p) v = &v->piece[p - 1];
  }
  PetscCall(PetscLogEventBegin(HC_NCRead, 0, 0, 0, 0));
  for (int d = 0; d < v->ndims; d++) {
    start[d]  = 0;
    count[d]  = 1;
    stride[d] = 1;
  }
  if (v->pos[HC_ROLE_T] >= 0) start[v->pos[HC_ROLE_T]] = (size_t)k;
  if (v->pos[HC_ROLE_E] >= 0) start[v->pos[HC_ROLE_E]] = (size_t)e;
  if (v->pos[HC_ROLE_Z] >= 0) start[v->pos[HC_ROLE_Z]] = (size_t)r->level;
  start[v->pos[HC_ROLE_Y]]  = v->yrun.start;
  count[v->pos[HC_ROLE_Y]]  = v->yrun.count;
  stride[v->pos[HC_ROLE_Y]] = v->yrun.stride;
  for (PetscInt q = 0; q < HC_MAX_RUNS; q++) {
    const HcRun *xr = &v->xrun[q];
    PetscBool    strided;

    if (q < v->nxruns) {
      start[v->pos[HC_ROLE_X]]  = xr->start;
      count[v->pos[HC_ROLE_X]]  = xr->count;
      stride[v->pos[HC_ROLE_X]] = xr->stride;
    }
    strided = (q < v->nxruns && (xr->stride > 1 || v->yrun.stride > 1)) ? PETSC_TRUE : PETSC_FALSE;
    HcCallNetCDF(r->comm, v->file->path, v->name,
                 q >= v->nxruns ? NC_NOERR
                 : strided      ? nc_get_vars_double(v->file->ncid, v->varid, start, count, stride, buf)
                                : nc_get_vara_double(v->file->ncid, v->varid, start, count, buf));
    if (q >= v->nxruns) continue;
    r->nread += (PetscInt64)(xr->count * v->yrun.count);
    for (size_t jj = 0; jj < v->yrun.count; jj++) {
      const PetscInt j = v->yrun.rev ? (PetscInt)(v->yrun.count - 1 - jj) : (PetscInt)jj;
      for (size_t ii = 0; ii < xr->count; ii++) {
        const PetscInt  i   = xr->off + (xr->rev ? (PetscInt)(xr->count - 1 - ii) : (PetscInt)ii);
        const PetscReal raw = v->pos[HC_ROLE_Y] < v->pos[HC_ROLE_X] ? buf[jj * xr->count + ii] : buf[ii * v->yrun.count + jj];
        char            why = 0;

        if (PetscIsNanReal(raw)) why = 1;
        for (PetscInt m = 0; m < v->nmiss && !why; m++)
          if (raw == v->miss[m]) why = 2;
        out[j * r->xm + i] = why ? NAN : raw * v->scale + v->offset;
        if (kind) kind[j * r->xm + i] = why;
      }
    }
  }
  PetscCall(PetscLogEventEnd(HC_NCRead, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- the scan: land, missing values, ranges */

typedef struct {
  PetscInt  *nmiss; /* per field and local cell: slabs in which it is missing */
  PetscInt  *first; /* per field and local cell: first missing slab (env * nt + k) */
  char      *why;   /* per field and local cell: kind of that first missing value */
  PetscReal *sum;   /* per field and local cell: sum of the valid values */
} HcScan;

/* Slabs of field v in the selection: environments times steps, each counted only when the field has that dimension. */
static PetscInt HcNCVarSlabs_Private(HcReader r, const HcNCVar *v)
{
  return (v->pos[HC_ROLE_E] >= 0 ? r->nenv : 1) * (v->hastime ? r->nt : 1);
}

/* Where a value of field v lies: "lon 10, lat 5 (cell 2, 3), time step 4 (2000-01-05)" and the environment if several.
   Slab is env * nt + k, as in HcScan. */
static PetscErrorCode HcReaderCellText_Private(HcReader r, const HcNCVar *v, PetscInt i, PetscInt j, PetscInt slab, char buf[],
                                               size_t len)
{
  const PetscInt e = slab / r->nt, k = slab % r->nt;
  const char    *xw = v->type == HC_GRID_LATLON ? "lon" : "x", *yw = v->type == HC_GRID_LATLON ? "lat" : "y";
  char           when[128] = "", envtxt[64] = "";

  PetscFunctionBegin;
  if (v->timeunits) PetscCall(HcTimeAxisFormat_Private(&v->tax, r->times[k], when, sizeof(when)));
  if (r->nenv > 1) PetscCall(PetscSNPrintf(envtxt, sizeof(envtxt), ", environment %" PetscInt_FMT, e));
  PetscCall(PetscSNPrintf(buf, len,
                          "%s %g, %s %g (cell %" PetscInt_FMT ", %" PetscInt_FMT "), time step %" PetscInt_FMT "%s%s%s%s", xw,
                          (double)v->ax[0].c[i], yw, (double)v->ax[1].c[j], i, j, v->hastime ? r->t0 + k : 0, when[0] ? " (" : "",
                          when, when[0] ? ")" : "", envtxt));
  PetscFunctionReturn(0);
}

/* The file that holds slab (env * nt + k, as in HcScan) of v: a time series may come from several. */
static const char *HcNCVarPathAt_Private(HcReader r, const HcNCVar *v, PetscInt slab)
{
  PetscInt p = 0;

  if (v->npiece > 1 && v->hastime) p = v->tpiece[r->t0 + slab % r->nt];
  return p ? v->piece[p - 1].file->path : v->file->path;
}

/* Stop at the first value (slab, then cell in natural order) that is not sane; bad is this rank's first, key -1 if none. */
static PetscErrorCode HcReaderReportInsane_Private(HcReader r, const HcNCVar *v, PetscInt64 key, PetscReal bad)
{
  const PetscInt64 ncell = (PetscInt64)v->ax[0].n * v->ax[1].n;
  PetscInt64       gkey  = key < 0 ? INT64_MAX : key;
  PetscReal        val;
  char             where[256];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &gkey, 1, MPIU_INT64, MPI_MIN, r->comm));
  if (gkey == INT64_MAX) PetscFunctionReturn(0);
  val = key == gkey ? bad : 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &val, 1, MPIU_REAL, MPI_SUM, r->comm));
  PetscCall(HcReaderCellText_Private(r, v, (PetscInt)(gkey % ncell % v->ax[0].n), (PetscInt)(gkey % ncell / v->ax[0].n),
                                     (PetscInt)(gkey / ncell), where, sizeof(where)));
  SETERRQ(r->comm, PETSC_ERR_FILE_UNEXPECTED,
          "%s: variable '%s': the value %g at %s is out of range: data values must be finite and at most %g in magnitude",
          HcNCVarPathAt_Private(r, v, (PetscInt)(gkey / ncell)), v->name, (double)val, where,
          (double)PetscSqrtReal(PETSC_MAX_REAL));
}

static PetscErrorCode HcReaderScanVariable_Private(HcReader r, HcNCVar *v, PetscInt c, HcScan *sc)
{
  const PetscInt nloc = r->xm * r->ym, ne = v->pos[HC_ROLE_E] >= 0 ? r->nenv : 1, nk = v->hastime ? r->nt : 1;
  const PetscInt nx = v->ax[0].n, ny = v->ax[1].n;
  PetscReal      mm[2] = {PETSC_MAX_REAL, PETSC_MAX_REAL}, bad = 0;
  PetscInt64     badkey = -1;

  PetscFunctionBegin;
  for (PetscInt e = 0; e < ne; e++) {
    for (PetscInt k = 0; k < nk; k++) {
      PetscCall(HcNCVarReadSlab_Private(r, v, e, v->hastime ? r->t0 + k : 0, r->slab, r->kind));
      for (PetscInt q = 0; q < nloc; q++) {
        const PetscInt at = c * nloc + q;

        if (r->kind[q]) {
          if (!sc->nmiss[at]++) {
            sc->first[at] = e * r->nt + k;
            sc->why[at]   = r->kind[q];
          }
        } else if (!HcValueSane_Private(r->slab[q])) {
          const PetscInt64 key = ((PetscInt64)(e * r->nt + k) * ny + r->ys + q / r->xm) * nx + r->xs + q % r->xm;

          if (badkey < 0 || key < badkey) {
            badkey = key;
            bad    = r->slab[q];
          }
        } else {
          sc->sum[at] += r->slab[q];
          mm[0] = PetscMin(mm[0], r->slab[q]);
          mm[1] = PetscMin(mm[1], -r->slab[q]);
        }
      }
    }
  }
  PetscCall(HcReaderReportInsane_Private(r, v, badkey, bad));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, mm, 2, MPIU_REAL, MPI_MIN, r->comm));
  v->vmin = mm[0];
  v->vmax = -mm[1];
  PetscFunctionReturn(0);
}

/* One message for the first cell (in natural order) where a field is missing inside the ocean. */
static PetscErrorCode HcReaderReportMissing_Private(HcReader r, const HcNCVar *vars, PetscInt nv, const HcScan *sc)
{
  const PetscInt nloc = r->xm * r->ym, nx = vars[0].ax[0].n;
  PetscInt       key     = PETSC_MAX_INT;
  int            info[3] = {INT_MAX, INT_MAX, INT_MAX};

  PetscFunctionBegin;
  for (PetscInt q = 0; q < nloc; q++) {
    const PetscInt g = (r->ys + q / r->xm) * nx + r->xs + q % r->xm;

    if (r->land[q] || g >= key) continue;
    for (PetscInt c = 0; c < nv; c++)
      if (sc->nmiss[c * nloc + q]) {
        key = g;
        break;
      }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &key, 1, MPIU_INT, MPI_MIN, r->comm));
  if (key == PETSC_MAX_INT) PetscFunctionReturn(0);
  {
    const PetscInt i = key % nx, j = key / nx;

    if (i >= r->xs && i < r->xs + r->xm && j >= r->ys && j < r->ys + r->ym) {
      const PetscInt q = (j - r->ys) * r->xm + i - r->xs;
      for (PetscInt c = 0; c < nv; c++)
        if (sc->nmiss[c * nloc + q]) {
          info[0] = (int)c;
          info[1] = (int)sc->first[c * nloc + q];
          info[2] = sc->why[c * nloc + q];
          break;
        }
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, info, 3, MPI_INT, MPI_MIN, r->comm));
    {
      const HcNCVar *v = &vars[info[0]];
      char           where[256];

      PetscCall(HcReaderCellText_Private(r, v, i, j, info[1], where, sizeof(where)));
      SETERRQ(r->comm, PETSC_ERR_FILE_UNEXPECTED,
              "%s: variable '%s': %s inside the ocean at %s: '%s' has values at other steps%s in this cell, so it is not land. "
              "Use -data_fill zero|mean to fill missing values",
              HcNCVarPathAt_Private(r, v, info[1]), v->name,
              info[2] == 1 ? "NaN" : "a missing value (_FillValue or missing_value)", where, v->name,
              r->nenv > 1 ? " or environments" : "");
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcReaderScanFields_Private(HcReader r, HcNCVar *vars, PetscInt nv, HcScan *sc)
{
  const PetscInt nloc = r->xm * r->ym;

  PetscFunctionBegin;
  PetscCall(PetscCalloc4(nv * nloc, &sc->nmiss, nv * nloc, &sc->first, nv * nloc, &sc->why, nv * nloc, &sc->sum));
  for (PetscInt c = 0; c < nv; c++) PetscCall(HcReaderScanVariable_Private(r, &vars[c], c, sc));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcScanDestroy_Private(HcScan *sc)
{
  PetscFunctionBegin;
  PetscCall(PetscFree4(sc->nmiss, sc->first, sc->why, sc->sum));
  PetscFunctionReturn(0);
}

static PetscBool HcScanAbsent_Private(HcReader r, const HcNCVar *v, const HcScan *sc, PetscInt c, PetscInt q)
{
  return sc->nmiss[c * r->xm * r->ym + q] == HcNCVarSlabs_Private(r, v) ? PETSC_TRUE : PETSC_FALSE;
}

/* Land: every cell where some field, data or auxiliary, has no value at any selected step (of any environment).  A
   field absent where the data has values (sea ice over SST, a velocity product with another coastline) would otherwise
   be filled with 0 or left as a hole inside the ocean, so such cells are land for every field, counted per field.  Each
   rank decides its own cells; the counts are summed, so every rank holds the same totals. */
static PetscErrorCode HcReaderFindLand_Private(HcReader r, const HcScan *sd, const HcScan *sa)
{
  const PetscInt nloc = r->xm * r->ym, nf = r->nvars + r->naux;
  PetscInt64     cnt[2 * HC_READER_MAX_VARS + 2] = {0}; /* per field: absent where the data has values; land; of it absent */

  PetscFunctionBegin;
  for (PetscInt q = 0; q < nloc; q++) {
    PetscBool none = PETSC_TRUE, some = PETSC_FALSE; /* data missing everywhere (plain land); some field absent */

    for (PetscInt c = 0; c < r->nvars; c++) {
      const PetscBool absent = HcScanAbsent_Private(r, &r->var[c], sd, c, q);

      none = (PetscBool)(none && absent);
      some = (PetscBool)(some || absent);
    }
    for (PetscInt c = 0; c < r->naux; c++) some = (PetscBool)(some || HcScanAbsent_Private(r, &r->avar[c], sa, c, q));
    r->land[q] = some;
    if (some) cnt[nf]++;
    if (none) continue;
    for (PetscInt c = 0; c < r->nvars; c++) cnt[c] += HcScanAbsent_Private(r, &r->var[c], sd, c, q);
    for (PetscInt c = 0; c < r->naux; c++) cnt[r->nvars + c] += HcScanAbsent_Private(r, &r->avar[c], sa, c, q);
    if (some) cnt[nf + 1]++;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, cnt, (PetscMPIInt)(nf + 2), MPIU_INT64, MPI_SUM, r->comm));
  for (PetscInt c = 0; c < r->nvars; c++) r->var[c].nabsent = cnt[c];
  for (PetscInt c = 0; c < r->naux; c++) r->avar[c].nabsent = cnt[r->nvars + c];
  r->nland   = cnt[nf];
  r->nabsent = cnt[nf + 1];
  if (r->nland == (PetscInt64)r->var[0].ax[0].n * r->var[0].ax[1].n) {
    PetscInt f = 0;

    PetscCheck(r->nabsent, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "%s: variable '%s': every cell of the selection is missing at every selected time step (the box is all land or "
               "all missing)",
               r->var[0].file->path, r->var[0].name);
    while (!cnt[f]) f++;
    {
      const HcNCVar *v = f < r->nvars ? &r->var[f] : &r->avar[f - r->nvars];

      SETERRQ(r->comm, PETSC_ERR_ARG_OUTOFRANGE,
              "%s: variable '%s': no cell of the selection has a value of every field at some time step: '%s' has none in "
              "%" PetscInt64_FMT " cell(s) where other fields have values, and every other cell is land",
              v->file->path, v->name, v->name, cnt[f]);
    }
  }
  PetscFunctionReturn(0);
}

/* Fill values per field and local cell: 0, or with -data_fill mean the cell's mean over its valid steps (every field
   has some in an ocean cell); and the number of missing values inside the ocean. */
static PetscErrorCode HcReaderFillValues_Private(HcReader r, HcNCVar *vars, PetscInt nv, const HcScan *sc, PetscReal fill[])
{
  const PetscInt nloc = r->xm * r->ym;

  PetscFunctionBegin;
  for (PetscInt c = 0; c < nv; c++) {
    const PetscInt slabs = HcNCVarSlabs_Private(r, &vars[c]);
    PetscInt64     nf    = 0;

    for (PetscInt q = 0; q < nloc; q++) {
      const PetscInt at = c * nloc + q;

      fill[at] = 0;
      if (r->land[q]) continue;
      PetscAssert(sc->nmiss[at] < slabs, PETSC_COMM_SELF, PETSC_ERR_PLIB, "HcReader: an ocean cell without any value of '%s'",
                  vars[c].name);
      nf += sc->nmiss[at];
      if (r->fill == HC_FILL_MEAN) fill[at] = sc->sum[at] / (slabs - sc->nmiss[at]);
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &nf, 1, MPIU_INT64, MPI_SUM, r->comm));
    vars[c].nfilled = nf;
  }
  PetscFunctionReturn(0);
}

/* The line said at set-up (and by HcReaderView) for a field that made cells land by being absent there. */
static PetscErrorCode HcNCVarAbsentText_Private(const HcNCVar *v, char buf[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len,
                          "%" PetscInt64_FMT " cell(s) with no value at any time where other fields have values: treated as land "
                          "for every field",
                          v->nabsent));
  PetscFunctionReturn(0);
}

/* Read the whole selection once: value ranges, land (HcReaderFindLand_Private, the grid's mask), missing values inside
   the ocean (an error, or filled), and say which fields made cells land. */
static PetscErrorCode HcReaderScan_Private(HcReader r)
{
  const PetscInt nloc = r->xm * r->ym;
  HcScan         sd, sa = {NULL, NULL, NULL, NULL};
  Vec            mask;
  PetscScalar  **mk;
  DM             da1;

  PetscFunctionBegin;
  PetscCall(HcReaderScanFields_Private(r, r->var, r->nvars, &sd));
  if (r->naux) PetscCall(HcReaderScanFields_Private(r, r->avar, r->naux, &sa));
  PetscCall(HcReaderFindLand_Private(r, &sd, &sa));
  if (r->fill == HC_FILL_NONE) {
    PetscCall(HcReaderReportMissing_Private(r, r->var, r->nvars, &sd));
    if (r->naux) PetscCall(HcReaderReportMissing_Private(r, r->avar, r->naux, &sa));
  }
  PetscCall(HcReaderFillValues_Private(r, r->var, r->nvars, &sd, r->fillv));
  if (r->naux) PetscCall(HcReaderFillValues_Private(r, r->avar, r->naux, &sa, r->afill));
  PetscCall(HcScanDestroy_Private(&sd));
  if (r->naux) PetscCall(HcScanDestroy_Private(&sa));
  PetscCall(HcGridGetScalarDM(r->grid, &da1));
  PetscCall(DMCreateGlobalVector(da1, &mask));
  PetscCall(DMDAVecGetArray(da1, mask, &mk));
  for (PetscInt q = 0; q < nloc; q++) mk[r->ys + q / r->xm][r->xs + q % r->xm] = r->land[q] ? 0 : 1;
  PetscCall(DMDAVecRestoreArray(da1, mask, &mk));
  PetscCall(HcGridSetMask(r->grid, mask));
  PetscCall(VecDestroy(&mask));
  for (PetscInt c = 0; c < r->nvars + r->naux; c++) {
    const HcNCVar *v = c < r->nvars ? &r->var[c] : &r->avar[c - r->nvars];
    char           text[256];

    if (!v->nabsent) continue;
    PetscCall(HcNCVarAbsentText_Private(v, text, sizeof(text)));
    PetscCall(PetscPrintf(r->comm, "%s: %svariable '%s': %s\n", v->file->path, c < r->nvars ? "" : "auxiliary ", v->name, text));
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- set-up */

/* Open every file once: the data files, then the auxiliary files that are not data files too. */
static PetscErrorCode HcReaderOpenFiles_Private(HcReader r)
{
  PetscFunctionBegin;
  PetscCall(PetscCalloc1(r->npaths + r->nauxpaths, &r->files));
  PetscCall(PetscMalloc1(PetscMax(r->npaths, r->nauxpaths), &r->auxfile));
  for (PetscInt k = 0; k < r->npaths; k++) {
    for (PetscInt q = 0; q < k; q++)
      PetscCheck(strcmp(r->paths[q], r->paths[k]), r->comm, PETSC_ERR_ARG_WRONG, "-data_file lists %s twice", r->paths[k]);
    PetscCall(HcNCFileOpen_Private(r, &r->files[r->nfiles++], r->paths[k], r->nvars ? r->names[0] : "(default)"));
  }
  r->ndata = r->nfiles;
  for (PetscInt k = 0; k < r->nauxpaths; k++) {
    PetscInt f = 0;

    for (PetscInt q = 0; q < k; q++)
      PetscCheck(strcmp(r->auxpaths[q], r->auxpaths[k]), r->comm, PETSC_ERR_ARG_WRONG, "-data_aux_file lists %s twice",
                 r->auxpaths[k]);
    while (f < r->nfiles && strcmp(r->files[f].path, r->auxpaths[k])) f++;
    if (f == r->nfiles)
      PetscCall(HcNCFileOpen_Private(r, &r->files[r->nfiles++], r->auxpaths[k], r->naux ? r->auxnames[0] : "(none)"));
    r->auxfile[r->nauxfile++] = f;
  }
  if (!r->nauxpaths)
    for (PetscInt k = 0; k < r->ndata; k++) r->auxfile[r->nauxfile++] = k;
  PetscFunctionReturn(0);
}

/* Default fields: in each data file, every data variable (two or more dimensions, not cell bounds) with the same
   dimensions as its first; a name found in several files (a time series split over them) is one field. */
static PetscErrorCode HcReaderDefaultVariables_Private(HcReader r)
{
  static const char *const bounds[] = {"nv", "bnds", "nbnd", "nb2", "bounds", "vertices", "d2", NULL};
  const char              *names[HC_READER_MAX_VARS];
  PetscInt                 n = 0;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < r->ndata; k++) {
    const HcNCFile *f = &r->files[k];
    int             first[NC_MAX_VAR_DIMS], nfirst = -1;

    for (int v = 0; v < f->nvars; v++) {
      int       nd, dims[NC_MAX_VAR_DIMS];
      PetscBool skip = PETSC_FALSE;

      HcCallNetCDF(r->comm, f->path, f->varnames[v], nc_inq_varndims(f->ncid, v, &nd));
      if (nd < 2 || nd > NC_MAX_VAR_DIMS) continue;
      HcCallNetCDF(r->comm, f->path, f->varnames[v], nc_inq_vardimid(f->ncid, v, dims));
      for (int d = 0; d < nd; d++) {
        char dname[NC_MAX_NAME + 1];

        HcCallNetCDF(r->comm, f->path, f->varnames[v], nc_inq_dimname(f->ncid, dims[d], dname));
        if (HcStrIn_Private(dname, bounds)) skip = PETSC_TRUE;
      }
      if (skip) continue;
      if (nfirst < 0) {
        nfirst = nd;
        for (int d = 0; d < nd; d++) first[d] = dims[d];
      } else if (nd != nfirst)
        continue;
      for (int d = 0; d < nd; d++)
        if (dims[d] != first[d]) skip = PETSC_TRUE;
      for (PetscInt q = 0; q < n && !skip; q++)
        if (!strcmp(names[q], f->varnames[v])) skip = PETSC_TRUE;
      if (skip) continue;
      PetscCheck(n < HC_READER_MAX_VARS, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "%s: more than %d data variables in the file(s); name the variable(s) with -data_vars", f->path,
                 HC_READER_MAX_VARS);
      names[n++] = f->varnames[v];
    }
  }
  PetscCheck(n > 0, r->comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s: the file has no data variable (two or more dimensions); name the variable(s) with -data_vars",
             r->files[0].path);
  PetscCall(HcReaderSetNames_Private(r, n, names, r->names, &r->nvars));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcReaderSetUpVariable_Private(HcReader r, HcNCFile *f, const char name[], HcNCVar *v)
{
  PetscFunctionBegin;
  PetscCall(HcNCVarInquire_Private(r, f, name, v));
  PetscCall(HcNCVarGeometry_Private(r, v));
  PetscCall(HcNCVarPeriodicAttribute_Private(r, v));
  PetscCall(HcNCVarTime_Private(r, v));
  if (v->pos[HC_ROLE_Z] >= 0)
    PetscCheck(r->level >= 0 && r->level < (PetscInt)v->len[HC_ROLE_Z], r->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "%s: variable '%s': -data_level %" PetscInt_FMT " is not within the levels 0..%zu of dimension '%s'", f->path,
               name, r->level, v->len[HC_ROLE_Z] - 1, v->dimname[HC_ROLE_Z]);
  v->npiece = 1;
  PetscFunctionReturn(0);
}

/* Pieces p[0..m) of one variable from m files, each set up on its own: they must be parts of one time series (same
   grid, units, calendar and environments; dated times, increasing in each file).  Put in date order, with no overlap
   and no gap (a step between two files larger than 1.5 times the largest step inside a file, or, when every file holds
   one step, than the smallest step between files), and joined into v: the first piece in date order, holding the
   others and the times of the whole series on its own time axis. */
static PetscErrorCode HcReaderJoinPieces_Private(HcReader r, const char opt[], PetscInt m, HcNCVar p[], HcNCVar *v)
{
  PetscInt  *order, total = 0, f;
  PetscReal *off, dmax = 0, jmin = PETSC_MAX_REAL;

  PetscFunctionBegin;
  for (PetscInt q = 0; q < m; q++) {
    const HcNCVar *a = &p[q];

    PetscCheck(a->hastime, r->comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: variable '%s' has no time dimension, but %s has it in %" PetscInt_FMT
               " files (%s, %s%s); only a time series can be split over files: give one of them",
               a->file->path, a->name, opt, m, p[0].file->path, p[1].file->path, m > 2 ? ", ..." : "");
    PetscCheck(
        a->tfrom != HC_TIME_FROM_OPTION_STEPS, r->comm, PETSC_ERR_FILE_UNEXPECTED,
        "%s: variable '%s': the time dimension '%s' has no coordinate variable, so its steps have no dates and the %" PetscInt_FMT
        " files of %s that hold '%s' cannot be put in date order; give each file a time coordinate",
        a->file->path, a->name, a->dimname[HC_ROLE_T], m, opt, a->name);
    for (PetscInt k = 1; k < a->ntfile; k++)
      PetscCheck(a->tfile[k] > a->tfile[k - 1], r->comm, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: variable '%s': time coordinate '%s' is not increasing at step %" PetscInt_FMT
                 " (%g after %g); the files of a time series are put in date order by their times",
                 a->file->path, a->name, a->dimname[HC_ROLE_T], k, (double)(a->tfile[k] / a->tax.unitsec),
                 (double)(a->tfile[k - 1] / a->tax.unitsec));
    for (PetscInt k = 1; k < a->ntfile; k++) dmax = PetscMax(dmax, a->tfile[k] - a->tfile[k - 1]);
    if (!q) continue;
    PetscCall(HcNCVarCompareGrid_Private(r, &p[0], a));
    PetscCheck(a->tax.cal == p[0].tax.cal, r->comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: variable '%s': time in the %s calendar, but in the %s calendar in %s; the files of a time series must share "
               "their calendar",
               a->file->path, a->name, a->tax.calendar, p[0].tax.calendar, p[0].file->path);
    PetscCheck(!strcmp(a->units, p[0].units), r->comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: variable '%s': units '%s', but '%s' in %s; the files of a time series must give it in the same units",
               a->file->path, a->name, a->units, p[0].units, p[0].file->path);
    PetscCheck(a->pos[HC_ROLE_E] < 0 ? p[0].pos[HC_ROLE_E] < 0
                                     : p[0].pos[HC_ROLE_E] >= 0 && a->len[HC_ROLE_E] == p[0].len[HC_ROLE_E],
               r->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: variable '%s': its environments differ from those in %s", a->file->path,
               a->name, p[0].file->path);
  }
  /* date order: start times on the first file's axis; then every time on the axis of the earliest file */
  PetscCall(PetscMalloc2(m, &order, m, &off));
  for (PetscInt q = 0; q < m; q++) {
    PetscCall(HcTimeAxisOffset_Private(r->comm, &p[0].tax, &p[q].tax, &off[q]));
    order[q] = q;
  }
  for (PetscInt q = 1; q < m; q++)
    for (PetscInt k = q; k > 0 && p[order[k]].tfile[0] + off[order[k]] < p[order[k - 1]].tfile[0] + off[order[k - 1]]; k--) {
      const PetscInt t = order[k];

      order[k]     = order[k - 1];
      order[k - 1] = t;
    }
  f = order[0];
  for (PetscInt q = 0; q < m; q++) PetscCall(HcTimeAxisOffset_Private(r->comm, &p[f].tax, &p[q].tax, &off[q]));
  for (PetscInt i = 0; i + 1 < m; i++) {
    const HcNCVar  *a = &p[order[i]], *b = &p[order[i + 1]];
    const PetscReal end = a->tfile[a->ntfile - 1] + off[order[i]], start = b->tfile[0] + off[order[i + 1]];
    char            d[4][64];

    if (start > end) {
      jmin = PetscMin(jmin, start - end);
      continue;
    }
    PetscCall(HcTimeAxisFormat_Private(&p[f].tax, a->tfile[0] + off[order[i]], d[0], sizeof(d[0])));
    PetscCall(HcTimeAxisFormat_Private(&p[f].tax, end, d[1], sizeof(d[1])));
    PetscCall(HcTimeAxisFormat_Private(&p[f].tax, start, d[2], sizeof(d[2])));
    PetscCall(HcTimeAxisFormat_Private(&p[f].tax, b->tfile[b->ntfile - 1] + off[order[i + 1]], d[3], sizeof(d[3])));
    SETERRQ(r->comm, PETSC_ERR_FILE_UNEXPECTED,
            "%s: variable '%s': its times %s .. %s overlap those of %s, %s .. %s; each time step must come from one file only",
            b->file->path, b->name, d[2], d[3], a->file->path, d[0], d[1]);
  }
  if (dmax == 0) dmax = jmin; /* one step per file: the series' interval is the smallest step between files */
  for (PetscInt i = 0; i + 1 < m; i++) {
    const HcNCVar  *a = &p[order[i]], *b = &p[order[i + 1]];
    const PetscReal end = a->tfile[a->ntfile - 1] + off[order[i]], start = b->tfile[0] + off[order[i + 1]];
    char            d[2][64], gap[64], step[64];

    if (start - end <= 1.5 * dmax) continue;
    PetscCall(HcTimeAxisFormat_Private(&p[f].tax, end, d[0], sizeof(d[0])));
    PetscCall(HcTimeAxisFormat_Private(&p[f].tax, start, d[1], sizeof(d[1])));
    PetscCall(HcFormatDuration(start - end, PETSC_TRUE, gap, sizeof(gap)));
    PetscCall(HcFormatDuration(dmax, PETSC_TRUE, step, sizeof(step)));
    SETERRQ(r->comm, PETSC_ERR_FILE_UNEXPECTED,
            "%s: variable '%s': a gap in time: it begins at %s, %s after the end of %s (%s), while the series' steps are at "
            "most %s; is a file missing from %s?",
            b->file->path, b->name, d[1], gap, a->file->path, d[0], step, opt);
  }
  /* join: v is the earliest piece, the others follow it in date order */
  for (PetscInt q = 0; q < m; q++) total += p[q].ntfile;
  *v        = p[f];
  v->npiece = m;
  PetscCall(PetscMalloc1(m - 1, &v->piece));
  PetscCall(PetscMalloc3(total, &v->tfile, total, &v->tpiece, total, &v->tlocal));
  v->ntfile = 0;
  for (PetscInt i = 0; i < m; i++) {
    const HcNCVar *a = &p[order[i]];

    if (i) v->piece[i - 1] = *a;
    for (PetscInt k = 0; k < a->ntfile; k++, v->ntfile++) {
      v->tfile[v->ntfile]  = a->tfile[k] + off[order[i]];
      v->tpiece[v->ntfile] = i;
      v->tlocal[v->ntfile] = k;
    }
  }
  PetscCall(PetscFree(p[f].tfile)); /* the first piece's own times, now part of the series */
  PetscCall(PetscFree2(order, off));
  PetscFunctionReturn(0);
}

/* Variable name from the files list[0..n) (opt: the option that names them): from the one file that has it, or, when
   several have it, a time series over them (HcReaderJoinPieces_Private). */
static PetscErrorCode HcReaderSetUpSeries_Private(HcReader r, const char opt[], PetscInt n, const PetscInt list[],
                                                  const char name[], HcNCVar *v)
{
  PetscInt *hold, m = 0;
  HcNCVar  *p;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n, &hold));
  for (PetscInt k = 0; k < n; k++)
    if (HcNCFileFindVar_Private(&r->files[list[k]], name) >= 0) hold[m++] = list[k];
  if (m <= 1 && (m == 1 || n == 1)) { /* no such variable in one file: HcNCVarInquire_Private says so */
    PetscCall(HcReaderSetUpVariable_Private(r, &r->files[m ? hold[0] : list[0]], name, v));
    PetscCall(PetscFree(hold));
    PetscFunctionReturn(0);
  }
  if (!m) {
    char list2[4096] = "", vars[2048];

    for (PetscInt k = 0; k < n; k++) {
      PetscCall(HcNCFileListVars_Private(&r->files[list[k]], vars, sizeof(vars)));
      PetscCall(PetscStrlcat(list2, k ? "; " : "", sizeof(list2)));
      PetscCall(PetscStrlcat(list2, r->files[list[k]].path, sizeof(list2)));
      PetscCall(PetscStrlcat(list2, ": ", sizeof(list2)));
      PetscCall(PetscStrlcat(list2, vars, sizeof(list2)));
    }
    SETERRQ(r->comm, PETSC_ERR_FILE_UNEXPECTED,
            "%s, ...: variable '%s': no such variable in any of the %" PetscInt_FMT " files of %s (%s)", r->files[list[0]].path,
            name, n, opt, list2);
  }
  PetscCall(PetscCalloc1(m, &p));
  for (PetscInt q = 0; q < m; q++) PetscCall(HcReaderSetUpVariable_Private(r, &r->files[hold[q]], name, &p[q]));
  PetscCall(HcReaderJoinPieces_Private(r, opt, m, p, v));
  PetscCall(PetscFree(p));
  PetscCall(PetscFree(hold));
  PetscFunctionReturn(0);
}

/* The slabs of every piece of v (HcNCVarSetUpSlab_Private). */
static PetscErrorCode HcNCVarSetUpSlabs_Private(HcReader r, HcNCVar *v)
{
  PetscFunctionBegin;
  PetscCall(HcNCVarSetUpSlab_Private(r, v));
  for (PetscInt q = 1; q < v->npiece; q++) PetscCall(HcNCVarSetUpSlab_Private(r, &v->piece[q - 1]));
  PetscFunctionReturn(0);
}

PetscErrorCode HcReaderSetUp(HcReader r)
{
  const char *names[HC_READER_MAX_VARS];
  PetscBool   anylevel = PETSC_FALSE;
  HcNCVar    *v0;
  PetscInt   *data;

  PetscFunctionBegin;
  if (r->setupcalled) PetscFunctionReturn(0);
  PetscCheck(r->npaths, r->comm, PETSC_ERR_ARG_WRONG,
             "HcReader: no input file (give it with -data_file or as the first argument)");
  PetscCheck(!r->timeunits[0] || HcTimeUnitsDated_Private(r->timeunits), r->comm, PETSC_ERR_ARG_WRONG,
             "-data_time_units '%s': give '<unit> since <date>', e.g. 'days since 2000-01-01'; model times are seconds since a "
             "date, so a bare unit is not enough (for undated data any date will do: hycast generate writes 'seconds since "
             "2000-01-01 00:00:00')",
             r->timeunits);
  PetscCall(HcReaderOpenFiles_Private(r));
  if (!r->nvars) PetscCall(HcReaderDefaultVariables_Private(r));
  PetscCall(PetscMalloc1(r->ndata, &data));
  for (PetscInt k = 0; k < r->ndata; k++) data[k] = k;
  for (PetscInt c = 0; c < r->nvars; c++) {
    PetscCall(HcReaderSetUpSeries_Private(r, "-data_file", r->ndata, data, r->names[c], &r->var[c]));
    if (r->var[c].pos[HC_ROLE_Z] >= 0) anylevel = PETSC_TRUE;
    names[c] = r->names[c];
  }
  PetscCall(PetscFree(data));
  v0 = &r->var[0];
  PetscCheck(!r->haslevel || anylevel, r->comm, PETSC_ERR_ARG_WRONG,
             "%s: variable '%s': -data_level given, but no variable has a level dimension", v0->file->path, v0->name);
  PetscCall(HcReaderSelectTimes_Private(r));
  r->nenv = v0->pos[HC_ROLE_E] >= 0 ? (PetscInt)v0->len[HC_ROLE_E] : 1;
  for (PetscInt c = 0; c < r->nvars; c++) {
    const HcNCVar *v = &r->var[c];

    PetscCall(HcNCVarCompareGrid_Private(r, v0, v));
    PetscCheck(v->hastime == v0->hastime, r->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: variable '%s' %s a time dimension but '%s' %s",
               v->file->path, v->name, v->hastime ? "has" : "has no", v0->name, v0->hastime ? "has" : "has not");
    PetscCall(HcReaderCompareTime_Private(r, v));
    PetscCheck((v->pos[HC_ROLE_E] >= 0 ? (PetscInt)v->len[HC_ROLE_E] : 1) == r->nenv, r->comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: variable '%s': its environments differ from those of '%s'", v->file->path, v->name, v0->name);
  }
  PetscCheck(r->env >= 0 && r->env < r->nenv, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: variable '%s': -data_env %" PetscInt_FMT " is not within the file's environments 0..%" PetscInt_FMT,
             v0->file->path, v0->name, r->env, r->nenv - 1);

  /* the grid, from the coordinate variables */
  PetscCall(HcGridCreate(r->comm, &r->grid));
  PetscCall(HcGridSetType(r->grid, v0->type));
  PetscCall(HcGridSetCoordinates(r->grid, v0->ax[0].n, v0->ax[0].c, v0->ax[1].n, v0->ax[1].c));
  PetscCall(HcGridSetPeriodic(r->grid, v0->ax[0].periodic, v0->ax[1].periodic));
  PetscCall(HcGridSetFields(r->grid, r->nvars, names));
  PetscCall(HcGridSetUp(r->grid));
  PetscCall(HcGridGetOwnership(r->grid, &r->xs, &r->ys, &r->xm, &r->ym));
  for (PetscInt c = 0; c < r->nvars; c++) PetscCall(HcNCVarSetUpSlabs_Private(r, &r->var[c]));

  /* auxiliary fields */
  for (PetscInt c = 0; c < r->naux; c++) {
    HcNCVar *a = &r->avar[c];

    PetscCall(HcReaderSetUpSeries_Private(r, r->nauxpaths ? "-data_aux_file" : "-data_file", r->nauxfile, r->auxfile,
                                          r->auxnames[c], a));
    PetscCall(HcNCVarCompareGrid_Private(r, v0, a));
    PetscCall(HcReaderCompareTime_Private(r, a));
    PetscCheck(a->pos[HC_ROLE_E] < 0 || (PetscInt)a->len[HC_ROLE_E] == r->nenv, r->comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: variable '%s': %zu environments, but the data has %" PetscInt_FMT, a->file->path, a->name, a->len[HC_ROLE_E],
               r->nenv);
    PetscCall(HcNCVarSetUpSlabs_Private(r, a));
  }
  PetscCall(HcReaderCheckTimeUnitsUsed_Private(r));
  for (int q = 0; q < HC_NROLES; q++)
    PetscCheck(!r->dimrole[q][0] || r->dimused[q], r->comm, PETSC_ERR_ARG_WRONG,
               "%s: -data_dims gives the role %s to dimension '%s', but no variable read has a dimension '%s'",
               r->var[0].file->path, HcRoleNames[q], r->dimrole[q], r->dimrole[q]);

  PetscCall(PetscMalloc6(r->xm * r->ym, &r->slab, r->xm * r->ym, &r->rbuf, r->xm * r->ym, &r->kind, r->nvars * r->xm * r->ym,
                         &r->fillv, PetscMax(1, r->naux) * r->xm * r->ym, &r->afill, r->xm * r->ym, &r->land));
  PetscCall(HcReaderScan_Private(r));
  r->setupcalled = PETSC_TRUE;
  if (r->view) PetscCall(HcReaderView(r, PETSC_VIEWER_STDOUT_(r->comm)));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcReaderCheckSetUp_Private(HcReader r)
{
  PetscFunctionBegin;
  PetscCheck(r->setupcalled, r->comm, PETSC_ERR_ORDER, "HcReader: call HcReaderSetUp() first");
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- reading */

static PetscErrorCode HcReaderReadFields_Private(HcReader r, HcNCVar *vars, PetscInt nv, const PetscReal fill[], PetscInt k,
                                                 Vec u)
{
  const PetscInt nloc = r->xm * r->ym;
  PetscScalar   *a;
  PetscInt       n;

  PetscFunctionBegin;
  PetscCheck(k >= 0 && k < r->nt, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcReader: time step %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", k, r->nt);
  PetscCall(VecGetLocalSize(u, &n));
  PetscCheck(n == nv * nloc, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "HcReader: the vector has %" PetscInt_FMT " local values, expected %" PetscInt_FMT " (%" PetscInt_FMT
             " field(s) on the reader's grid)",
             n, nv * nloc, nv);
  PetscCall(VecGetArray(u, &a));
  for (PetscInt c = 0; c < nv; c++) {
    const HcNCVar *v = &vars[c];
    const PetscInt e = v->pos[HC_ROLE_E] >= 0 ? r->env : 0;

    PetscCall(HcNCVarReadSlab_Private(r, v, e, v->hastime ? r->t0 + k : 0, r->slab, NULL));
    for (PetscInt q = 0; q < nloc; q++)
      a[q * nv + c] = r->land[q] ? 0 : (PetscIsNanReal(r->slab[q]) ? fill[c * nloc + q] : r->slab[q]);
  }
  PetscCall(VecRestoreArray(u, &a));
  PetscFunctionReturn(0);
}

/*@C
  HcReaderRead - read selected time step k (0 <= k < nt) of the current environment into u (a vector of the reader's grid):
  land cells hold 0, missing values inside the ocean the fill value.  Collective.
@*/
PetscErrorCode HcReaderRead(HcReader r, PetscInt k, Vec u)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckSetUp_Private(r));
  PetscCall(HcReaderReadFields_Private(r, r->var, r->nvars, r->fillv, k, u));
  PetscFunctionReturn(0);
}

/*@C
  HcReaderReadAuxiliary - read the auxiliary fields at selected time step k into a (HcReaderCreateAuxiliaryVector());
  fields without a time dimension are the same at every step.
@*/
PetscErrorCode HcReaderReadAuxiliary(HcReader r, PetscInt k, Vec a)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckSetUp_Private(r));
  PetscCheck(r->naux, r->comm, PETSC_ERR_ORDER, "HcReader: no auxiliary variables (-data_aux_vars)");
  PetscCall(HcReaderReadFields_Private(r, r->avar, r->naux, r->afill, k, a));
  PetscFunctionReturn(0);
}

PetscErrorCode HcReaderCreateAuxiliaryVector(HcReader r, Vec *a)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckSetUp_Private(r));
  PetscCheck(r->naux, r->comm, PETSC_ERR_ORDER, "HcReader: no auxiliary variables (-data_aux_vars)");
  PetscCall(HcGridCreateVectorDof(r->grid, r->naux, a));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- queries */

/*@C
  HcReaderGetGrid - the grid built from the file (borrowed: HcGridReference() it to keep it beyond the reader).
@*/
PetscErrorCode HcReaderGetGrid(HcReader r, HcGrid *grid)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckSetUp_Private(r));
  *grid = r->grid;
  PetscFunctionReturn(0);
}

/*@C
  HcReaderGetTimes - number of selected time steps and their model times (seconds since the reference date of the time
  units, which come from the file or -data_time_units; one step at time 0 when the variables have no time dimension).
@*/
PetscErrorCode HcReaderGetTimes(HcReader r, PetscInt *nt, const PetscReal *t[])
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckSetUp_Private(r));
  if (nt) *nt = r->nt;
  if (t) *t = r->times;
  PetscFunctionReturn(0);
}

/*@C
  HcReaderGetTimeUnits - the time units and calendar: the file's, or -data_time_units when its time axis has none (NULL
  when the variables have no time dimension).
@*/
PetscErrorCode HcReaderGetTimeUnits(HcReader r, const char **units, const char **calendar)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckSetUp_Private(r));
  if (units) *units = r->var[0].timeunits ? r->var[0].tax.units : NULL;
  if (calendar) *calendar = r->var[0].timeunits ? r->var[0].tax.calendar : NULL;
  PetscFunctionReturn(0);
}

/*@C
  HcReaderFormatTime - a model time as a date of the file's calendar (or "step t" without a time dimension).
@*/
PetscErrorCode HcReaderFormatTime(HcReader r, PetscReal t, char buf[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckSetUp_Private(r));
  if (r->var[0].timeunits)
    PetscCall(HcTimeAxisFormat_Private(&r->var[0].tax, t, buf, len));
  else
    PetscCall(PetscSNPrintf(buf, len, "step %g", (double)t));
  PetscFunctionReturn(0);
}

/*@C
  HcReaderParseDate - the model time of a date YYYY-MM-DD[Thh:mm:ss] in the file's calendar.
@*/
PetscErrorCode HcReaderParseDate(HcReader r, const char date[], PetscReal *t)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckSetUp_Private(r));
  PetscCheck(r->var[0].timeunits, r->comm, PETSC_ERR_ARG_WRONG, "%s: variable '%s': no time units, so dates cannot be decoded",
             r->var[0].file->path, r->var[0].name);
  PetscCall(HcTimeAxisParseDate_Private(r->comm, &r->var[0].tax, "HcReaderParseDate", date, t));
  PetscFunctionReturn(0);
}

PetscErrorCode HcReaderGetNumEnvironments(HcReader r, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckSetUp_Private(r));
  *n = r->nenv;
  PetscFunctionReturn(0);
}

/*@C
  HcReaderSetEnvironment - the environment that HcReaderRead() reads (files with an environment dimension).
@*/
PetscErrorCode HcReaderSetEnvironment(HcReader r, PetscInt e)
{
  PetscFunctionBegin;
  if (r->setupcalled)
    PetscCheck(e >= 0 && e < r->nenv, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "HcReader: environment %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", e, r->nenv);
  r->env = e;
  PetscFunctionReturn(0);
}

PetscErrorCode HcReaderGetEnvironment(HcReader r, PetscInt *e)
{
  PetscFunctionBegin;
  *e = r->env;
  PetscFunctionReturn(0);
}

PetscErrorCode HcReaderGetNumAuxiliary(HcReader r, PetscInt *n)
{
  PetscFunctionBegin;
  *n = r->naux;
  PetscFunctionReturn(0);
}

/*@C
  HcReaderGetFieldAttributes - CF attributes of field c's variable (empty strings when absent), to copy into output.
@*/
PetscErrorCode HcReaderGetFieldAttributes(HcReader r, PetscInt c, const char **units, const char **long_name,
                                          const char **standard_name)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckSetUp_Private(r));
  PetscCheck(c >= 0 && c < r->nvars, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcReader: field %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", c, r->nvars);
  if (units) *units = r->var[c].units;
  if (long_name) *long_name = r->var[c].long_name;
  if (standard_name) *standard_name = r->var[c].standard_name;
  PetscFunctionReturn(0);
}

/*@C
  HcReaderGetCoordinateUnits - units of the x and y coordinates as in the file ("degrees_east", "degrees_north" on
  lat-lon grids; "1" when a Cartesian axis has none).
@*/
PetscErrorCode HcReaderGetCoordinateUnits(HcReader r, const char **xunits, const char **yunits)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckSetUp_Private(r));
  if (xunits) *xunits = r->var[0].ax[0].units[0] ? r->var[0].ax[0].units : "1";
  if (yunits) *yunits = r->var[0].ax[1].units[0] ? r->var[0].ax[1].units : "1";
  PetscFunctionReturn(0);
}

/*@C
  HcReaderGetValueRange - smallest and largest valid value of field c over the selection (every environment).
@*/
PetscErrorCode HcReaderGetValueRange(HcReader r, PetscInt c, PetscReal *vmin, PetscReal *vmax)
{
  PetscFunctionBegin;
  PetscCall(HcReaderCheckSetUp_Private(r));
  PetscCheck(c >= 0 && c < r->nvars, r->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcReader: field %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", c, r->nvars);
  *vmin = r->var[c].vmin;
  *vmax = r->var[c].vmax;
  PetscFunctionReturn(0);
}

/*@C
  HcReaderGetReadCount - how many values this rank has read from files so far (set-up's scan included): with the local
  cell count it shows that each rank reads its own hyperslab only.
@*/
PetscErrorCode HcReaderGetReadCount(HcReader r, PetscInt64 *n)
{
  PetscFunctionBegin;
  *n = r->nread;
  PetscFunctionReturn(0);
}

static const char *HcFormatName_Private(int format)
{
  switch (format) {
    case NC_FORMAT_CLASSIC: return "classic";
    case NC_FORMAT_64BIT_OFFSET: return "64-bit offset";
    case NC_FORMAT_CDF5: return "CDF-5";
    case NC_FORMAT_NETCDF4: return "NetCDF-4";
    case NC_FORMAT_NETCDF4_CLASSIC: return "NetCDF-4 classic model";
    default: return "unknown format";
  }
}

static PetscErrorCode HcNCVarView_Private(HcReader r, const HcNCVar *v, PetscViewer viewer)
{
  char dims[1024] = "";

  PetscFunctionBegin;
  for (int role = HC_ROLE_E; role >= 0; role--) {
    char item[256];

    if (v->pos[role] < 0) continue;
    PetscCall(PetscSNPrintf(item, sizeof(item), "%s%s(%zu) = %s", dims[0] ? ", " : "", v->dimname[role], v->len[role],
                            role == HC_ROLE_X   ? (v->type == HC_GRID_LATLON ? "longitude" : "x")
                            : role == HC_ROLE_Y ? (v->type == HC_GRID_LATLON ? "latitude" : "y")
                                                : HcRoleNames[role]));
    PetscCall(PetscStrlcat(dims, item, sizeof(dims)));
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "variable '%s'%s%s%s: %s\n", v->name, v->units[0] ? " [" : "", v->units,
                                   v->units[0] ? "]" : "", dims));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  if (v->long_name[0]) PetscCall(PetscViewerASCIIPrintf(viewer, "long_name: %s\n", v->long_name));
  if (v->npiece > 1) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "a time series over %" PetscInt_FMT " files, in date order:\n", v->npiece));
    for (PetscInt k0 = 0, k1; k0 < v->ntfile; k0 = k1 + 1) { /* steps k0..k1 come from one file */
      const PetscInt q = v->tpiece[k0];

      for (k1 = k0; k1 + 1 < v->ntfile && v->tpiece[k1 + 1] == q;) k1++;
      PetscCall(PetscViewerASCIIPrintf(viewer, "  steps %" PetscInt_FMT "..%" PetscInt_FMT ": %s\n", k0, k1,
                                       (q ? &v->piece[q - 1] : v)->file->path));
    }
  }
  if (v->ax[1].flipped)
    PetscCall(PetscViewerASCIIPrintf(viewer, "%s runs %s in the file: flipped\n", v->dimname[HC_ROLE_Y],
                                     v->type == HC_GRID_LATLON ? "north to south" : "downwards"));
  if (v->scale != 1 || v->offset != 0)
    PetscCall(PetscViewerASCIIPrintf(viewer, "packed: value = stored * %g + %g\n", v->scale, v->offset));
  PetscCall(PetscViewerASCIIPrintf(viewer, "missing: %s\n", v->missdesc));
  PetscCall(
      PetscViewerASCIIPrintf(viewer, "valid values %g .. %g; %" PetscInt64_FMT " missing value(s) inside the ocean%s\n",
                             (double)v->vmin, (double)v->vmax, v->nfilled,
                             v->nfilled ? (r->fill == HC_FILL_MEAN ? " filled with the cell's mean" : " filled with 0") : ""));
  if (v->nabsent) {
    char text[256];

    PetscCall(HcNCVarAbsentText_Private(v, text, sizeof(text)));
    PetscCall(PetscViewerASCIIPrintf(viewer, "%s\n", text));
  }
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode HcReaderView(HcReader r, PetscViewer viewer)
{
  const HcNCVar *v;
  PetscBool      isascii;
  char           d0[64], d1[64];

  PetscFunctionBegin;
  PetscCall(HcReaderCheckSetUp_Private(r));
  if (!viewer) viewer = PETSC_VIEWER_STDOUT_(r->comm);
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &isascii));
  if (!isascii) PetscFunctionReturn(0);
  v = &r->var[0];
  if (r->nfiles == 1)
    PetscCall(PetscViewerASCIIPrintf(viewer, "HcReader: %s (%s), %" PetscInt_FMT " field(s)\n", r->files[0].path,
                                     HcFormatName_Private(r->files[0].format), r->nvars));
  else
    PetscCall(
        PetscViewerASCIIPrintf(viewer, "HcReader: %" PetscInt_FMT " files, %" PetscInt_FMT " field(s)\n", r->nfiles, r->nvars));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  for (PetscInt k = 0; k < r->nfiles; k++) {
    char list[4096];

    PetscCall(HcNCFileListVars_Private(&r->files[k], list, sizeof(list)));
    if (r->nfiles == 1)
      PetscCall(PetscViewerASCIIPrintf(viewer, "variables in the file: %s\n", list));
    else
      PetscCall(PetscViewerASCIIPrintf(viewer, "%s (%s%s): variables %s\n", r->files[k].path,
                                       HcFormatName_Private(r->files[k].format), k < r->ndata ? "" : ", auxiliary", list));
  }
  for (PetscInt c = 0; c < r->nvars; c++) PetscCall(HcNCVarView_Private(r, &r->var[c], viewer));
  if (r->hasbox)
    PetscCall(PetscViewerASCIIPrintf(viewer, "box: %s %g to %g, %s %g to %g\n", v->type == HC_GRID_LATLON ? "lon" : "x",
                                     (double)r->box[0], (double)r->box[1], v->type == HC_GRID_LATLON ? "lat" : "y",
                                     (double)r->box[2], (double)r->box[3]));
  if (r->stride > 1) PetscCall(PetscViewerASCIIPrintf(viewer, "stride: every %" PetscInt_FMT " cell(s)\n", r->stride));
  if (v->pos[HC_ROLE_Z] >= 0)
    PetscCall(PetscViewerASCIIPrintf(viewer, "level: index %" PetscInt_FMT " of %zu\n", r->level, v->len[HC_ROLE_Z]));
  if (r->nenv > 1)
    PetscCall(PetscViewerASCIIPrintf(viewer, "environments: %" PetscInt_FMT " (reading environment %" PetscInt_FMT ")\n", r->nenv,
                                     r->env));
  PetscCall(HcReaderFormatTime(r, r->times[0], d0, sizeof(d0)));
  PetscCall(HcReaderFormatTime(r, r->times[r->nt - 1], d1, sizeof(d1)));
  if (v->timeunits) {
    PetscReal dmin = PETSC_MAX_REAL, dmax = 0;

    for (PetscInt k = 1; k < r->nt; k++) {
      dmin = PetscMin(dmin, r->times[k] - r->times[k - 1]);
      dmax = PetscMax(dmax, r->times[k] - r->times[k - 1]);
    }
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "time: %" PetscInt_FMT " step(s), %s .. %s (file steps %" PetscInt_FMT "..%" PetscInt_FMT
                                     " of %" PetscInt_FMT "), units '%s', calendar %s\n",
                                     r->nt, d0, d1, r->t0, r->t0 + r->nt - 1, v->ntfile, v->tax.units, v->tax.calendar));
    if (v->tfrom == HC_TIME_FROM_FILE)
      PetscCall(PetscViewerASCIIPrintf(viewer, "time units: from the file (%s:units)\n", v->dimname[HC_ROLE_T]));
    else if (v->tfrom == HC_TIME_FROM_OPTION)
      PetscCall(PetscViewerASCIIPrintf(viewer, "time units: from -data_time_units (the time coordinate '%s' has no units)\n",
                                       v->dimname[HC_ROLE_T]));
    else if (v->tfrom == HC_TIME_FROM_OPTION_UNDATED)
      PetscCall(PetscViewerASCIIPrintf(viewer,
                                       "time units: from -data_time_units (the time coordinate '%s' has units '%s', without a "
                                       "date)\n",
                                       v->dimname[HC_ROLE_T], v->tundated));
    else
      PetscCall(PetscViewerASCIIPrintf(viewer,
                                       "time units: from -data_time_units (no time coordinate variable: step k is k units "
                                       "after the date)\n"));
    if (r->nt > 1) {
      const PetscReal unit = dmin >= 86400 ? 86400 : dmin >= 3600 ? 3600 : dmin >= 60 ? 60 : 1;
      const char     *name = unit == 86400 ? "days" : unit == 3600 ? "hours" : unit == 60 ? "minutes" : "seconds";

      PetscCall(PetscViewerASCIIPrintf(viewer, "time step: %g .. %g %s\n", (double)(dmin / unit), (double)(dmax / unit), name));
    }
  } else
    PetscCall(PetscViewerASCIIPrintf(viewer, "time: %" PetscInt_FMT " step(s) (no time dimension)\n", r->nt));
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "land: %" PetscInt64_FMT " cell(s): %" PetscInt64_FMT
                                   " where every field is missing at every selected time, %" PetscInt64_FMT
                                   " where some field has no value at any time while others have\n",
                                   r->nland, r->nland - r->nabsent, r->nabsent));
  for (PetscInt c = 0; c < r->naux; c++) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "auxiliary field %" PetscInt_FMT " from %s:\n", c, r->avar[c].file->path));
    PetscCall(PetscViewerASCIIPushTab(viewer));
    PetscCall(HcNCVarView_Private(r, &r->avar[c], viewer));
    PetscCall(PetscViewerASCIIPopTab(viewer));
  }
  PetscCall(HcGridView(r->grid, viewer));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcNCVarDestroy_Private(HcNCVar *v)
{
  PetscFunctionBegin;
  for (int d = 0; d < 2; d++) PetscCall(PetscFree2(v->ax[d].idx, v->ax[d].c));
  if (v->npiece > 1) {
    for (PetscInt q = 0; q < v->npiece - 1; q++) PetscCall(HcNCVarDestroy_Private(&v->piece[q]));
    PetscCall(PetscFree(v->piece));
    PetscCall(PetscFree3(v->tfile, v->tpiece, v->tlocal));
  } else
    PetscCall(PetscFree(v->tfile));
  PetscFunctionReturn(0);
}

PetscErrorCode HcReaderDestroy(HcReader *reader)
{
  HcReader r;

  PetscFunctionBegin;
  if (!reader || !*reader) PetscFunctionReturn(0);
  r       = *reader;
  *reader = NULL;
  for (PetscInt c = 0; c < r->nvars; c++) PetscCall(HcNCVarDestroy_Private(&r->var[c]));
  for (PetscInt c = 0; c < r->naux; c++) PetscCall(HcNCVarDestroy_Private(&r->avar[c]));
  for (PetscInt c = 0; c < r->nvars; c++) PetscCall(PetscFree(r->names[c]));
  for (PetscInt c = 0; c < r->naux; c++) PetscCall(PetscFree(r->auxnames[c]));
  for (PetscInt k = 0; k < r->nfiles; k++) PetscCall(HcNCFileClose_Private(r, &r->files[k]));
  PetscCall(PetscFree(r->files));
  PetscCall(PetscFree(r->auxfile));
  for (PetscInt k = 0; k < r->npaths; k++) PetscCall(PetscFree(r->paths[k]));
  for (PetscInt k = 0; k < r->nauxpaths; k++) PetscCall(PetscFree(r->auxpaths[k]));
  PetscCall(PetscFree(r->paths));
  PetscCall(PetscFree(r->auxpaths));
  PetscCall(PetscFree6(r->slab, r->rbuf, r->kind, r->fillv, r->afill, r->land));
  PetscCall(PetscFree(r->times));
  PetscCall(HcGridDestroy(&r->grid));
  PetscCall(PetscFree(r->prefix));
  PetscCall(PetscFree(r));
  PetscFunctionReturn(0);
}
