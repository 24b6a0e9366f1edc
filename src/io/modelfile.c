/* Model files: a self-describing NetCDF file with the grid the model was trained on (coordinates and land mask), the
   architecture (the options that rebuild every term), the normalisation, and every parameter by name: one variable
   per term (parameter block) with the names of its entries, so that Python users can open it with xarray.

   A model is rebuilt on any grid: HcModelCreateFromFile() inserts the architecture options that the command line did
   not set and creates the model (not yet set up, so that data such as velocity fields can still be given), and
   HcModelLoadParameters() reads the parameters after HcModelSetUp(). */
#define _POSIX_C_SOURCE 200809L /* getpid */
#include <unistd.h>
#include <hycast/private/modelimpl.h>
#include <hycast/private/termimpl.h>
#include <hycast/private/ioimpl.h>

#define HC_ARCH_LEN 8192

/*@C
  HcModelGetArchitecture - the options that rebuild this model's terms on another grid (without an options prefix).
@*/
PetscErrorCode HcModelGetArchitecture(HcModel model, char buf[], size_t len)
{
  char     item[2048];
  PetscInt nenv = model->nenv;

  PetscFunctionBegin;
  buf[0] = 0;
  PetscCall(PetscStrlcat(buf, "-model_terms ", len));
  {
    PetscBool any = PETSC_FALSE;

    for (PetscInt k = 0; k < model->nterms; k++) {
      if (model->terms[k]->env >= 0) continue;
      if (any) PetscCall(PetscStrlcat(buf, ",", len));
      PetscCall(PetscStrlcat(buf, model->terms[k]->type_name, len));
      any = PETSC_TRUE;
    }
    if (!any) PetscCall(PetscStrlcat(buf, "none", len));
  }
  if (nenv) {
    PetscCall(PetscSNPrintf(item, sizeof(item), " -model_envs %" PetscInt_FMT " -model_env_terms ", nenv));
    PetscCall(PetscStrlcat(buf, item, len));
    for (PetscInt k = 0, first = 1; k < model->nterms; k++) {
      if (model->terms[k]->env != 0) continue;
      if (!first) PetscCall(PetscStrlcat(buf, ",", len));
      PetscCall(PetscStrlcat(buf, model->terms[k]->type_name, len));
      first = 0;
    }
  }
  if (model->polarlat > 0) { /* the filter is part of the model's equations: forecasts run with it too */
    PetscCall(PetscSNPrintf(item, sizeof(item), " -model_polar_filter %.17g", (double)model->polarlat));
    PetscCall(PetscStrlcat(buf, item, len));
  }
  /* each shared term, and the terms of environment 0 for all environments (they share the prefix env_) */
  for (PetscInt k = 0; k < model->nterms; k++) {
    HcTerm t = model->terms[k];

    if (t->env > 0 || !t->ops.architecture) continue;
    PetscCall(t->ops.architecture(t, item, sizeof(item)));
    if (!item[0]) continue;
    if (t->env == 0) {
      /* prefix every option with env_ */
      char *tok, *save, copy[2048];

      PetscCall(PetscStrncpy(copy, item, sizeof(copy)));
      for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        PetscCall(PetscStrlcat(buf, tok[0] == '-' ? " -env_" : " ", len));
        PetscCall(PetscStrlcat(buf, tok[0] == '-' ? tok + 1 : tok, len));
      }
    } else {
      PetscCall(PetscStrlcat(buf, " ", len));
      PetscCall(PetscStrlcat(buf, item, len));
    }
  }
  PetscFunctionReturn(0);
}

/*@C
  HcModelSetNormalization - per-field mean and scale of the training data, stored in the model file.
@*/
PetscErrorCode HcModelSetNormalization(HcModel model, const PetscReal mean[], const PetscReal scale[])
{
  PetscFunctionBegin;
  for (PetscInt c = 0; c < model->grid->nc; c++) {
    PetscCheck(scale[c] > 0, model->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "HcModel: normalisation scale of field %" PetscInt_FMT " must be positive, got %g", c, (double)scale[c]);
    model->normmean[c]  = mean[c];
    model->normscale[c] = scale[c];
  }
  model->hasnorm = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode HcModelGetNormalization(HcModel model, PetscBool *has, const PetscReal *mean[], const PetscReal *scale[])
{
  PetscFunctionBegin;
  if (has) *has = model->hasnorm;
  if (mean) *mean = model->normmean;
  if (scale) *scale = model->normscale;
  PetscFunctionReturn(0);
}

/*@C
  HcModelSetInfo - a free-text global attribute of the model file (e.g. the training options, the data used).
@*/
PetscErrorCode HcModelSetInfo(HcModel model, const char key[], const char value[])
{
  PetscFunctionBegin;
  PetscCheck(model->ninfo < HC_MAX_INFO, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcModel: at most %d info attributes",
             HC_MAX_INFO);
  PetscCall(PetscStrallocpy(key, &model->infokey[model->ninfo]));
  PetscCall(PetscStrallocpy(value, &model->infoval[model->ninfo]));
  model->ninfo++;
  PetscFunctionReturn(0);
}

/* Gather the land mask to rank 0 in natural (j, i) order. */
static PetscErrorCode HcGridGatherMask_Private(HcGrid grid, PetscScalar **mask)
{
  Vec                nat, seq;
  VecScatter         sc;
  PetscMPIInt        rank;
  const PetscScalar *a;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(grid->comm, &rank));
  PetscCall(DMDACreateNaturalVector(grid->da1, &nat));
  PetscCall(DMDAGlobalToNaturalBegin(grid->da1, grid->mask, INSERT_VALUES, nat));
  PetscCall(DMDAGlobalToNaturalEnd(grid->da1, grid->mask, INSERT_VALUES, nat));
  PetscCall(VecScatterCreateToZero(nat, &sc, &seq));
  PetscCall(VecScatterBegin(sc, nat, seq, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, nat, seq, INSERT_VALUES, SCATTER_FORWARD));
  *mask = NULL;
  if (!rank) {
    PetscCall(PetscMalloc1(grid->nx * grid->ny, mask));
    PetscCall(VecGetArrayRead(seq, &a));
    PetscCall(PetscArraycpy(*mask, a, grid->nx * grid->ny));
    PetscCall(VecRestoreArrayRead(seq, &a));
  }
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&seq));
  PetscCall(VecDestroy(&nat));
  PetscFunctionReturn(0);
}

/* A model file's digest: FNV-1a (64 bits) over what a load interprets, read back through the NetCDF library as a
   load reads it: the global attributes that rebuild the model, then every variable in file order (name, attributes,
   values as doubles).  Free-text attributes (history, ...) are left out.  It detects a truncated, damaged or edited
   file; it is not a signature (anyone can recompute it): docs/trust.md. */
#define HC_CHECKSUM_ATTR "hycast_checksum"

static void HcHash_Private(unsigned long long *h, const void *data, size_t n)
{
  const unsigned char *p = (const unsigned char *)data;

  for (size_t i = 0; i < n; i++) *h = (*h ^ p[i]) * 0x100000001b3ULL;
}

/* Hash one attribute (its name, then its text or its values as doubles); absent attributes hash as their name alone. */
static int HcHashAttribute_Private(int nc, int var, const char name[], unsigned long long *h)
{
  nc_type type;
  size_t  n;
  int     err;

  HcHash_Private(h, name, strlen(name) + 1);
  if (nc_inq_att(nc, var, name, &type, &n) != NC_NOERR) return NC_NOERR;
  if (type == NC_CHAR) {
    char *text = (char *)malloc(n + 1);

    if (!text) return NC_ENOMEM;
    err = nc_get_att_text(nc, var, name, text);
    if (err == NC_NOERR) HcHash_Private(h, text, n);
    free(text);
  } else {
    double *v = (double *)malloc((n + 1) * sizeof(double));

    if (!v) return NC_ENOMEM;
    err = nc_get_att_double(nc, var, name, v);
    if (err == NC_NOERR) HcHash_Private(h, v, n * sizeof(double));
    free(v);
  }
  return err;
}

/* The digest of a NetCDF file: the global attributes named (absent ones hash as their name alone), then every variable
   in file order (name, attributes, values as doubles).  Model files and training states carry it (HcNetCDFStamp). */
int HcNetCDFDigest(int nc, const char *const globals[], int nglobals, unsigned long long *digest)
{
  unsigned long long h = 0xcbf29ce484222325ULL;
  int                nvars, err;

  for (int k = 0; k < nglobals; k++)
    if ((err = HcHashAttribute_Private(nc, NC_GLOBAL, globals[k], &h))) return err;
  if ((err = nc_inq_nvars(nc, &nvars))) return err;
  for (int v = 0; v < nvars; v++) {
    char    name[NC_MAX_NAME + 1];
    int     ndims, dims[NC_MAX_VAR_DIMS], natts;
    size_t  len = 1, n;
    double *val;

    if ((err = nc_inq_var(nc, v, name, NULL, &ndims, dims, &natts))) return err;
    HcHash_Private(&h, name, strlen(name) + 1);
    for (int a = 0; a < natts; a++) {
      char aname[NC_MAX_NAME + 1];

      if ((err = nc_inq_attname(nc, v, a, aname)) || (err = HcHashAttribute_Private(nc, v, aname, &h))) return err;
    }
    for (int d = 0; d < ndims; d++) {
      if ((err = nc_inq_dimlen(nc, dims[d], &n))) return err;
      len *= n;
    }
    HcHash_Private(&h, &len, sizeof(len));
    val = (double *)malloc((len + 1) * sizeof(double));
    if (!val) return NC_ENOMEM;
    err = nc_get_var_double(nc, v, val);
    if (!err) HcHash_Private(&h, val, len * sizeof(double));
    free(val);
    if (err) return err;
  }
  *digest = h;
  return NC_NOERR;
}

/* Put the digest of a closed file into it as the attribute hycast_checksum (on the temporary file, before the rename). */
int HcNetCDFStamp(const char tmp[], const char *const globals[], int nglobals)
{
  unsigned long long digest;
  char               hex[32];
  int                nc, err;

  if ((err = nc_open(tmp, NC_NOWRITE, &nc))) return err;
  err = HcNetCDFDigest(nc, globals, nglobals, &digest);
  nc_close(nc);
  if (err) return err;
  snprintf(hex, sizeof(hex), "fnv1a64:%016llx", digest);
  if ((err = nc_open(tmp, NC_WRITE, &nc))) return err;
  if (!(err = nc_redef(nc))) err = nc_put_att_text(nc, NC_GLOBAL, HC_CHECKSUM_ATTR, strlen(hex), hex);
  if (!err) err = nc_enddef(nc);
  if (!err) return nc_close(nc);
  nc_close(nc);
  return err;
}

/* Does an open file's hycast_checksum match its contents?  1 yes, 0 no, -1 it has none, -2 it cannot be read. */
int HcNetCDFCheckStamp(int nc, const char *const globals[], int nglobals)
{
  char               stored[64] = "", hex[32];
  size_t             n;
  unsigned long long digest;

  if (nc_inq_attlen(nc, NC_GLOBAL, HC_CHECKSUM_ATTR, &n) || n >= sizeof(stored) ||
      nc_get_att_text(nc, NC_GLOBAL, HC_CHECKSUM_ATTR, stored))
    return -1;
  if (HcNetCDFDigest(nc, globals, nglobals, &digest)) return -2;
  snprintf(hex, sizeof(hex), "fnv1a64:%016llx", digest);
  return strcmp(stored, hex) ? 0 : 1;
}

static const char *const hc_model_globals[] = {"title",       "model_architecture", "fields",         "grid_type",
                                               "grid_radius", "grid_periodic_x",    "grid_periodic_y"};
#define HC_MODEL_NGLOBALS ((int)(sizeof(hc_model_globals) / sizeof(hc_model_globals[0])))

/* Rank 0 writes the whole file under a temporary name in the same directory and renames it at the end. */
static PetscErrorCode HcModelWriteFile_Private(HcModel model, const char path[], const char tmp[], const PetscScalar *mask,
                                               const PetscReal *theta, int *ncout)
{
  HcGrid          g      = model->grid;
  const PetscBool latlon = g->type == HC_GRID_LATLON ? PETSC_TRUE : PETSC_FALSE;
  int             nc, dx, dy, df, vx, vy, vm, vmean = -1, vstd = -1, ival;
  char            arch[HC_ARCH_LEN], fields[1024] = "";
  signed char    *mb;

  PetscFunctionBegin;
  PetscCall(HcModelGetArchitecture(model, arch, sizeof(arch)));
  for (PetscInt c = 0; c < g->nc; c++) {
    if (c) PetscCall(PetscStrlcat(fields, ",", sizeof(fields)));
    PetscCall(PetscStrlcat(fields, g->fieldnames[c], sizeof(fields)));
  }
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_create(tmp, NC_CLOBBER | NC_64BIT_OFFSET, &nc));
  *ncout = nc; /* for the caller to abort after an error */
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_text(nc, NC_GLOBAL, "title", 12, "hycast model"));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_text(nc, NC_GLOBAL, "Conventions", 6, "CF-1.8"));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)",
               nc_put_att_text(nc, NC_GLOBAL, "hycast_version", strlen(HYCAST_VERSION), HYCAST_VERSION));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)",
               nc_put_att_text(nc, NC_GLOBAL, "grid_type", strlen(HcGridTypes[g->type]), HcGridTypes[g->type]));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_double(nc, NC_GLOBAL, "grid_radius", NC_DOUBLE, 1, &g->radius));
  ival = g->periodic[0];
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_int(nc, NC_GLOBAL, "grid_periodic_x", NC_INT, 1, &ival));
  ival = g->periodic[1];
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_int(nc, NC_GLOBAL, "grid_periodic_y", NC_INT, 1, &ival));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_text(nc, NC_GLOBAL, "fields", strlen(fields), fields));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_text(nc, NC_GLOBAL, "model_architecture", strlen(arch), arch));
  for (PetscInt k = 0; k < model->ninfo; k++)
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)",
                 nc_put_att_text(nc, NC_GLOBAL, model->infokey[k], strlen(model->infoval[k]), model->infoval[k]));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_def_dim(nc, latlon ? "lon" : "x", (size_t)g->nx, &dx));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_def_dim(nc, latlon ? "lat" : "y", (size_t)g->ny, &dy));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_def_dim(nc, "field", (size_t)g->nc, &df));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_def_var(nc, latlon ? "lon" : "x", NC_DOUBLE, 1, &dx, &vx));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_def_var(nc, latlon ? "lat" : "y", NC_DOUBLE, 1, &dy, &vy));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_text(nc, vx, "axis", 1, "X"));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_text(nc, vy, "axis", 1, "Y"));
  if (latlon) {
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_text(nc, vx, "units", 12, "degrees_east"));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_text(nc, vx, "standard_name", 9, "longitude"));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_text(nc, vy, "units", 13, "degrees_north"));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_text(nc, vy, "standard_name", 8, "latitude"));
  }
  {
    const int dims[2] = {dy, dx};

    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_def_var(nc, "mask", NC_BYTE, 2, dims, &vm));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)",
                 nc_put_att_text(nc, vm, "long_name", 36, "active (ocean) cells 1, land cells 0"));
  }
  if (model->hasnorm) {
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_def_var(nc, "normalization_mean", NC_DOUBLE, 1, &df, &vmean));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_def_var(nc, "normalization_scale", NC_DOUBLE, 1, &df, &vstd));
  }
  for (PetscInt k = 0; k < model->nterms; k++) {
    HcTerm t = model->terms[k];
    int    dp, vp, ienv = (int)t->env, il = t->learned ? 1 : 0;
    char   dimname[256];
    size_t nlen = 0;
    char  *names;

    PetscCall(PetscSNPrintf(dimname, sizeof(dimname), "n_%s", t->name));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_def_dim(nc, dimname, (size_t)PetscMax(t->nparam, 1), &dp));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_def_var(nc, t->name, NC_DOUBLE, 1, &dp, &vp));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_text(nc, vp, "term_type", strlen(t->type_name), t->type_name));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_int(nc, vp, "environment", NC_INT, 1, &ienv));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_int(nc, vp, "learned", NC_INT, 1, &il));
    for (PetscInt i = 0; i < t->nparam; i++) nlen += strlen(t->paramnames[i] ? t->paramnames[i] : "?") + 1;
    PetscCall(PetscCalloc1(nlen + 1, &names));
    for (PetscInt i = 0; i < t->nparam; i++) {
      if (i) PetscCall(PetscStrlcat(names, ",", nlen + 1));
      PetscCall(PetscStrlcat(names, t->paramnames[i] ? t->paramnames[i] : "?", nlen + 1));
    }
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_att_text(nc, vp, "parameter_names", strlen(names), names));
    PetscCall(PetscFree(names));
  }
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_enddef(nc));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_var_double(nc, vx, g->xc));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_var_double(nc, vy, g->yc));
  PetscCall(PetscMalloc1(g->nx * g->ny, &mb));
  for (PetscInt k = 0; k < g->nx * g->ny; k++) mb[k] = mask[k] != 0 ? 1 : 0;
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_var_schar(nc, vm, mb));
  PetscCall(PetscFree(mb));
  if (model->hasnorm) {
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_var_double(nc, vmean, model->normmean));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_var_double(nc, vstd, model->normscale));
  }
  for (PetscInt k = 0; k < model->nterms; k++) {
    int vp;

    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_inq_varid(nc, model->terms[k]->name, &vp));
    if (model->terms[k]->nparam)
      HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_put_var_double(nc, vp, theta + model->poff[k]));
  }
  *ncout = -1;
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_close(nc));
  HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", HcNetCDFStamp(tmp, hc_model_globals, HC_MODEL_NGLOBALS));
  PetscCheck(!rename(tmp, path), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "model file %s: cannot rename the temporary file %s",
             path, tmp);
  PetscFunctionReturn(0);
}

/*@C
  HcModelWrite - write the model file (atomically: nothing is left under the final name if writing fails).
@*/
PetscErrorCode HcModelWrite(HcModel model, const char path[])
{
  PetscScalar   *mask;
  PetscReal     *theta = NULL;
  PetscMPIInt    rank;
  PetscErrorCode ierr = 0;
  char           tmp[PETSC_MAX_PATH_LEN + 64], msg[512] = "";

  int nc = -1;

  PetscFunctionBegin;
  PetscCheck(model->setupcalled, model->comm, PETSC_ERR_ORDER, "HcModelWrite: call HcModelSetUp() first");
  PetscCall(HcCheckOutputFile(model->comm, "model file", path, 0, NULL));
  PetscCallMPI(MPI_Comm_rank(model->comm, &rank));
  PetscCall(HcGridGatherMask_Private(model->grid, &mask));
  if (!rank) {
    PetscCall(PetscMalloc1(model->nparam + 1, &theta));
    for (PetscInt k = 0; k < model->nterms; k++)
      for (PetscInt i = 0; i < model->terms[k]->nparam; i++) theta[model->poff[k] + i] = model->terms[k]->theta[i];
    PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = HcModelWriteFile_Private(model, path, tmp, mask, theta, &nc);
    PetscCall(PetscPopErrorHandler());
    if (ierr) {
      const char *text;

      if (nc >= 0) (void)nc_abort(nc);
      PetscCall(PetscErrorMessage(ierr, &text, NULL));
      unlink(tmp);
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "cannot write the model file %s: %s", path,
                              HcFileSystemFull(path) ? "no space left on device" : (text ? text : "write error")));
    }
  }
  PetscCall(PetscFree(mask));
  PetscCall(PetscFree(theta));
  PetscCallMPI(MPI_Bcast(&ierr, 1, MPI_INT, 0, model->comm));
  PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, model->comm));
  PetscCheck(!ierr, model->comm, PETSC_ERR_FILE_WRITE, "%s", msg);
  PetscFunctionReturn(0);
}

/* Read a text attribute of model file path on rank 0 and broadcast it ("" if absent); a refused one closes the file. */
static PetscErrorCode HcReadTextAttribute_Private(MPI_Comm comm, const char path[], int nc, const char name[], char buf[],
                                                  size_t len)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  buf[0] = 0;
  if (!rank) {
    size_t n;

    if (nc_inq_attlen(nc, NC_GLOBAL, name, &n) == NC_NOERR) {
      if (n >= len)
        buf[0] = 1; /* too long: told apart from absent below */
      else if (nc_get_att_text(nc, NC_GLOBAL, name, buf) == NC_NOERR)
        buf[n] = 0;
    }
  }
  PetscCallMPI(MPI_Bcast(buf, (PetscMPIInt)len, MPI_CHAR, 0, comm));
  if (buf[0] == 1 && !rank) nc_close(nc);
  PetscCheck(buf[0] != 1, comm, PETSC_ERR_FILE_UNEXPECTED,
             "model file %s: attribute %s is longer than %d characters, more than any model writes", path, name, (int)len - 1);
  PetscFunctionReturn(0);
}

/* Open on rank 0; every rank learns whether it worked (nc is valid on rank 0 only). */
static PetscErrorCode HcOpenModelFile_Private(MPI_Comm comm, const char path[], int *nc)
{
  PetscMPIInt rank;
  int         err       = NC_NOERR;
  char        title[64] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    err = nc_open(path, NC_NOWRITE, nc);
    if (err == NC_NOERR) {
      size_t n;

      if (nc_inq_attlen(*nc, NC_GLOBAL, "title", &n) == NC_NOERR && n < sizeof(title))
        nc_get_att_text(*nc, NC_GLOBAL, "title", title);
      if (strncmp(title, "hycast model", 12))
        err = -1;
      else {
        const int stamp = HcNetCDFCheckStamp(*nc, hc_model_globals, HC_MODEL_NGLOBALS);

        if (stamp == -1)
          err = -2;
        else if (stamp != 1)
          err = -3; /* altered, or a variable cannot be read: truncated */
      }
      if (err != NC_NOERR) nc_close(*nc);
    }
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(err != -1, comm, PETSC_ERR_FILE_UNEXPECTED, "model file %s: not a hycast model file (no title 'hycast model')",
             path);
  PetscCheck(err != -2, comm, PETSC_ERR_FILE_UNEXPECTED,
             "model file %s: no %s attribute (written before hycast had checksums, or edited by hand): train it again", path,
             HC_CHECKSUM_ATTR);
  PetscCheck(err != -3, comm, PETSC_ERR_FILE_UNEXPECTED,
             "model file %s: its contents do not match its checksum (truncated, damaged or altered); refusing to use it", path);
  PetscCheck(err == NC_NOERR, comm, PETSC_ERR_FILE_OPEN, "model file %s: %s", path, nc_strerror(err));
  PetscFunctionReturn(0);
}

/*@C
  HcGridCreateFromModelFile - the grid a model was trained on: coordinates, periodicity, fields and land mask.
@*/
PetscErrorCode HcGridCreateFromModelFile(MPI_Comm comm, const char path[], HcGrid *grid)
{
  PetscMPIInt  rank;
  int          nc = -1, sizes[2] = {0, 0}, per[2] = {0, 0};
  char         type[64], fields[1024];
  PetscReal   *xc, *yc, radius = 6.371e6;
  signed char *mb = NULL;
  char        *names[16];
  PetscInt     nf = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(HcOpenModelFile_Private(comm, path, &nc));
  PetscCall(HcReadTextAttribute_Private(comm, path, nc, "grid_type", type, sizeof(type)));
  PetscCall(HcReadTextAttribute_Private(comm, path, nc, "fields", fields, sizeof(fields)));
  if (!rank) {
    int    d;
    size_t n;

    for (int k = 0; k < 2; k++) {
      const char *dn = k ? (strcmp(type, "latlon") ? "y" : "lat") : (strcmp(type, "latlon") ? "x" : "lon");

      HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_inq_dimid(nc, dn, &d));
      HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_inq_dimlen(nc, d, &n));
      sizes[k] = (int)n;
    }
    nc_get_att_int(nc, NC_GLOBAL, "grid_periodic_x", &per[0]);
    nc_get_att_int(nc, NC_GLOBAL, "grid_periodic_y", &per[1]);
    nc_get_att_double(nc, NC_GLOBAL, "grid_radius", &radius);
  }
  PetscCallMPI(MPI_Bcast(sizes, 2, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(per, 2, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(&radius, 1, MPIU_REAL, 0, comm));
  PetscCall(PetscMalloc3(sizes[0], &xc, sizes[1], &yc, sizes[0] * sizes[1], &mb));
  if (!rank) {
    int       v;
    const int latlon = !strcmp(type, "latlon");

    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_inq_varid(nc, latlon ? "lon" : "x", &v));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_get_var_double(nc, v, xc));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_inq_varid(nc, latlon ? "lat" : "y", &v));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_get_var_double(nc, v, yc));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_inq_varid(nc, "mask", &v));
    HcCallNetCDF(PETSC_COMM_SELF, path, "(model file)", nc_get_var_schar(nc, v, mb));
    nc_close(nc);
  }
  PetscCallMPI(MPI_Bcast(xc, sizes[0], MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(yc, sizes[1], MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(mb, sizes[0] * sizes[1], MPI_SIGNED_CHAR, 0, comm));
  PetscCall(HcGridCreate(comm, grid));
  PetscCall(HcGridSetType(*grid, strcmp(type, "latlon") ? HC_GRID_CARTESIAN : HC_GRID_LATLON));
  PetscCall(HcGridSetCoordinates(*grid, sizes[0], xc, sizes[1], yc));
  PetscCall(HcGridSetPeriodic(*grid, per[0] ? PETSC_TRUE : PETSC_FALSE, per[1] ? PETSC_TRUE : PETSC_FALSE));
  PetscCall(HcGridSetRadius(*grid, radius));
  {
    char *tok, *save;

    for (tok = strtok_r(fields, ",", &save); tok && nf < 16; tok = strtok_r(NULL, ",", &save)) names[nf++] = tok;
  }
  PetscCheck(nf > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "model file %s: no field names (attribute 'fields')", path);
  PetscCall(HcGridSetFields(*grid, nf, (const char *const *)names));
  PetscCall(HcGridSetUp(*grid));
  {
    Vec           mask;
    PetscScalar **m;

    PetscCall(DMCreateGlobalVector((*grid)->da1, &mask));
    PetscCall(DMDAVecGetArray((*grid)->da1, mask, &m));
    for (PetscInt j = (*grid)->ys; j < (*grid)->ys + (*grid)->ym; j++)
      for (PetscInt i = (*grid)->xs; i < (*grid)->xs + (*grid)->xm; i++) m[j][i] = mb[j * sizes[0] + i] ? 1 : 0;
    PetscCall(DMDAVecRestoreArray((*grid)->da1, mask, &m));
    PetscCall(HcGridSetMask(*grid, mask));
    PetscCall(VecDestroy(&mask));
  }
  PetscCall(PetscFree3(xc, yc, mb));
  PetscFunctionReturn(0);
}

/* The entries of an architecture string: option names (-[a-z][a-z0-9_]*) each with at most one value of plain characters
   (digits, letters, . , + - _).  Calls f(name, value) for each; an entry of another form is an error naming it. */
static PetscErrorCode HcArchitectureForEach_Private(MPI_Comm comm, const char path[], const char arch[],
                                                    PetscErrorCode (*f)(void *, const char[], const char[]), void *ctx)
{
  char      copy[HC_ARCH_LEN], *tok, *save, *name = NULL;
  PetscBool bad = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(copy, arch, sizeof(copy)));
  for (tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
    const PetscBool isname = (PetscBool)(tok[0] == '-' && tok[1] >= 'a' && tok[1] <= 'z');

    for (const char *p = tok + (isname ? 1 : 0); *p; p++) {
      const char c = *p;

      if (isname)
        bad = (PetscBool)(bad || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'));
      else
        bad = (PetscBool)(bad || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                                   c == ',' || c == '+' || c == '-' || c == '_'));
    }
    PetscCheck(!bad, comm, PETSC_ERR_FILE_UNEXPECTED,
               "model file %s: model_architecture entry '%s' is not of the form the model writes (an option name and a plain "
               "value); refusing the file",
               path, tok);
    PetscCheck(isname || name, comm, PETSC_ERR_FILE_UNEXPECTED,
               "model file %s: model_architecture has the value '%s' without an option before it", path, tok);
    if (isname) {
      if (name) PetscCall(f(ctx, name, NULL));
      name = tok;
    } else {
      PetscCall(f(ctx, name, tok));
      name = NULL;
    }
  }
  if (name) PetscCall(f(ctx, name, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcArchitectureSet_Private(void *ctx, const char name[], const char value[])
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsSetValue((PetscOptions)ctx, name, value));
  PetscFunctionReturn(0);
}

/* A model file's architecture into a private options database, entry by entry: never through PetscOptionsInsertString,
   which would act on -options_file and the like. */
static PetscErrorCode HcModelArchitectureParse_Private(MPI_Comm comm, const char path[], const char arch[], PetscOptions opts)
{
  PetscFunctionBegin;
  PetscCall(HcArchitectureForEach_Private(comm, path, arch, HcArchitectureSet_Private, opts));
  PetscFunctionReturn(0);
}

typedef struct {
  const char *built, *path;
  MPI_Comm    comm;
} HcArchCheck;

static PetscErrorCode HcArchitectureKnown_Private(void *ctx, const char name[], const char value[])
{
  HcArchCheck *c = (HcArchCheck *)ctx;
  char         key[256];
  size_t       n = strlen(name);
  const char  *p;
  PetscBool    found = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(key, sizeof(key), "%s", name));
  for (p = strstr(c->built, key); p && !found; p = strstr(p + 1, key))
    found = (PetscBool)((p == c->built || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0));
  PetscCheck(found, c->comm, PETSC_ERR_FILE_UNEXPECTED,
             "model file %s: model_architecture entry %s is not an architecture option of the model it describes; refusing "
             "the file",
             c->path, name);
  PetscFunctionReturn(0);
}

/* Every entry of the file must be one that the model built from it writes itself: anything else (a time-stepping
   monitor, a memory setting, an option of a term the model does not have) is refused. */
static PetscErrorCode HcModelArchitectureCheck_Private(HcModel model, const char path[], const char arch[])
{
  char        built[HC_ARCH_LEN];
  HcArchCheck c;

  PetscFunctionBegin;
  PetscCall(HcModelGetArchitecture(model, built, sizeof(built)));
  c.built = built;
  c.path  = path;
  c.comm  = model->comm;
  PetscCall(HcArchitectureForEach_Private(model->comm, path, arch, HcArchitectureKnown_Private, &c));
  PetscFunctionReturn(0);
}

/*@C
  HcModelCreateFromFile - a model with the architecture stored in a model file, on any grid with the same fields.
  The file's architecture options, then `overrides` (e.g. "-model_envs 1"; may be NULL), are read from a private
  options database, so that models of different architectures can be loaded side by side; the command line is read
  afterwards for everything else (time stepping, ...).  Call HcModelSetUp() and then HcModelLoadParameters().
@*/
PetscErrorCode HcModelCreateFromFile(HcGrid grid, const char path[], const char overrides[], HcModel *model)
{
  int            nc = -1;
  char           arch[HC_ARCH_LEN], fields[1024];
  PetscOptions   opts;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(HcOpenModelFile_Private(grid->comm, path, &nc));
  PetscCall(HcReadTextAttribute_Private(grid->comm, path, nc, "model_architecture", arch, sizeof(arch)));
  PetscCall(HcReadTextAttribute_Private(grid->comm, path, nc, "fields", fields, sizeof(fields)));
  {
    PetscMPIInt rank;

    PetscCallMPI(MPI_Comm_rank(grid->comm, &rank));
    if (!rank) nc_close(nc);
  }
  PetscCheck(arch[0], grid->comm, PETSC_ERR_FILE_UNEXPECTED, "model file %s: no model_architecture attribute", path);
  {
    PetscInt n = 1;

    for (const char *p = fields; *p; p++) n += *p == ',';
    PetscCheck(n == grid->nc, grid->comm, PETSC_ERR_ARG_INCOMP,
               "model file %s: the model has %" PetscInt_FMT " field(s) (%s), the grid %" PetscInt_FMT, path, n, fields,
               grid->nc);
  }
  PetscCall(HcModelCreate(grid, model));
  PetscCall(PetscOptionsCreate(&opts));
  PetscCall(HcModelArchitectureParse_Private(grid->comm, path, arch, opts));
  if (overrides) PetscCall(PetscOptionsInsertString(opts, overrides));
  PetscCall(PetscOptionsPush(opts));
  (*model)->archpass = PETSC_TRUE;
  ierr               = HcModelSetFromOptions(*model);
  (*model)->archpass = PETSC_FALSE;
  PetscCall(PetscOptionsPop());
  PetscCall(PetscOptionsDestroy(&opts));
  PetscCall(ierr);
  PetscCall(HcModelArchitectureCheck_Private(*model, path, arch));
  PetscCall(HcModelSetFromOptions(*model)); /* the command line: its terms exist now, so only their settings change */
  PetscFunctionReturn(0);
}

/* which blocks a load reads: all (a missing one is an error), the shared terms only, or those the file has */
typedef enum { HC_LOAD_ALL, HC_LOAD_SHARED, HC_LOAD_PRESENT } HcLoadMode;

static PetscErrorCode HcModelLoadParametersSelect_Private(HcModel, const char[], HcLoadMode, PetscInt *);

/*@C
  HcModelLoadParameters - read every parameter block (by term name) and the normalisation from a model file.
@*/
PetscErrorCode HcModelLoadParameters(HcModel model, const char path[])
{
  PetscFunctionBegin;
  PetscCall(HcModelLoadParametersSelect_Private(model, path, HC_LOAD_ALL, NULL));
  PetscFunctionReturn(0);
}

/*@C
  HcModelLoadSharedParameters - read the blocks of the shared terms only (and the normalisation): the terms of the
  model's environments keep their values (adaptation of a trained model to new environments).
@*/
PetscErrorCode HcModelLoadSharedParameters(HcModel model, const char path[])
{
  PetscFunctionBegin;
  PetscCall(HcModelLoadParametersSelect_Private(model, path, HC_LOAD_SHARED, NULL));
  PetscFunctionReturn(0);
}

/*@C
  HcModelLoadMatchingParameters - read the blocks of the terms the model file has (by term name, same size; and the
  normalisation); the other terms keep their values.  *nloaded: how many blocks were read (0 is an error).  Used to
  start a training from another model, e.g. a hybrid from its physics-only fit.
@*/
PetscErrorCode HcModelLoadMatchingParameters(HcModel model, const char path[], PetscInt *nloaded)
{
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(HcModelLoadParametersSelect_Private(model, path, HC_LOAD_PRESENT, &n));
  PetscCheck(n > 0, model->comm, PETSC_ERR_ARG_INCOMP, "model file %s: none of this model's terms is in it", path);
  if (nloaded) *nloaded = n;
  PetscFunctionReturn(0);
}

/* Rank 0: whether the model file's grid (type, cells, coordinates) is the model's, and every cell active in the model's
   mask is active in the file's; why not in why[]. */
static PetscErrorCode HcModelFileSameGrid_Private(int nc, HcGrid g, const PetscScalar *mask, PetscBool *same, char why[],
                                                  size_t len)
{
  const PetscBool latlon   = g->type == HC_GRID_LATLON ? PETSC_TRUE : PETSC_FALSE;
  char            type[64] = "";
  size_t          n, sizes[2] = {0, 0};
  int             d, v;
  PetscReal      *coord;
  signed char    *mb;

  PetscFunctionBegin;
  *same = PETSC_FALSE;
  if (nc_inq_attlen(nc, NC_GLOBAL, "grid_type", &n) == NC_NOERR && n < sizeof(type))
    nc_get_att_text(nc, NC_GLOBAL, "grid_type", type);
  if (strcmp(type, HcGridTypes[g->type])) {
    PetscCall(PetscSNPrintf(why, len, "a %s grid in the file, %s here", type, HcGridTypes[g->type]));
    PetscFunctionReturn(0);
  }
  for (int k = 0; k < 2; k++) {
    const char *dn = k ? (latlon ? "lat" : "y") : (latlon ? "lon" : "x");

    if (nc_inq_dimid(nc, dn, &d) != NC_NOERR || nc_inq_dimlen(nc, d, &sizes[k]) != NC_NOERR) sizes[k] = 0;
  }
  if ((PetscInt)sizes[0] != g->nx || (PetscInt)sizes[1] != g->ny) {
    PetscCall(PetscSNPrintf(why, len, "%d x %d cells in the file, %" PetscInt_FMT " x %" PetscInt_FMT " here", (int)sizes[0],
                            (int)sizes[1], g->nx, g->ny));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc2(PetscMax(g->nx, g->ny), &coord, g->nx * g->ny, &mb));
  for (int k = 0; k < 2; k++) {
    const PetscInt   m = k ? g->ny : g->nx;
    const PetscReal *c = k ? g->yc : g->xc, tol = 1e-9 * PetscMax(PetscAbsReal(c[m - 1] - c[0]), 1e-300);

    if (nc_inq_varid(nc, k ? (latlon ? "lat" : "y") : (latlon ? "lon" : "x"), &v) != NC_NOERR ||
        nc_get_var_double(nc, v, coord) != NC_NOERR) {
      PetscCall(PetscSNPrintf(why, len, "the file's coordinates cannot be read"));
      PetscCall(PetscFree2(coord, mb));
      PetscFunctionReturn(0);
    }
    for (PetscInt i = 0; i < m; i++)
      if (PetscAbsReal(coord[i] - c[i]) > tol) {
        PetscCall(PetscSNPrintf(why, len, "%s centre %" PetscInt_FMT " is %g in the file, %g here", k ? "y" : "x", i,
                                (double)coord[i], (double)c[i]));
        PetscCall(PetscFree2(coord, mb));
        PetscFunctionReturn(0);
      }
  }
  if (nc_inq_varid(nc, "mask", &v) != NC_NOERR || nc_get_var_schar(nc, v, mb) != NC_NOERR) {
    PetscCall(PetscSNPrintf(why, len, "the file's land mask cannot be read"));
    PetscCall(PetscFree2(coord, mb));
    PetscFunctionReturn(0);
  }
  {
    PetscInt nnew = 0;

    for (PetscInt q = 0; q < g->nx * g->ny; q++) nnew += mask[q] != 0 && !mb[q];
    PetscCall(PetscFree2(coord, mb));
    if (nnew) {
      PetscCall(PetscSNPrintf(why, len, "%" PetscInt_FMT " active cell(s) here are land in the file", nnew));
      PetscFunctionReturn(0);
    }
  }
  *same = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcModelLoadParametersSelect_Private(HcModel model, const char path[], HcLoadMode mode, PetscInt *nloaded)
{
  const PetscBool sharedonly = mode == HC_LOAD_SHARED ? PETSC_TRUE : PETSC_FALSE;
  PetscInt        nread      = 0;
  PetscMPIInt     rank;
  int             nc = -1, ok = 1, hasnorm = 0;
  char            msg[512] = "";
  PetscReal      *theta;
  PetscScalar    *mask  = NULL;
  PetscBool       bound = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCheck(model->setupcalled, model->comm, PETSC_ERR_ORDER, "HcModelLoadParameters: call HcModelSetUp() first");
  PetscCallMPI(MPI_Comm_rank(model->comm, &rank));
  for (PetscInt k = 0; k < model->nterms; k++)
    bound = bound || (model->terms[k]->gridbound && !(sharedonly && model->terms[k]->env >= 0));
  if (bound) PetscCall(HcGridGatherMask_Private(model->grid, &mask));
  PetscCall(HcOpenModelFile_Private(model->comm, path, &nc));
  PetscCall(PetscMalloc1(model->nparam + 2 * HC_MAX_FIELDS + 1, &theta));
  if (!rank) {
    for (PetscInt k = 0; k < model->nterms && ok; k++) {
      HcTerm t = model->terms[k];
      int    v, nd, dim;
      size_t n;

      if (sharedonly && t->env >= 0) {
        PetscCall(PetscArraycpy(theta + model->poff[k], t->theta, t->nparam));
        continue;
      }
      /* a term the file does not have keeps its values (before the grid check: nothing of it is read) */
      if (mode == HC_LOAD_PRESENT && nc_inq_varid(nc, t->name, &v) != NC_NOERR) {
        PetscCall(PetscArraycpy(theta + model->poff[k], t->theta, t->nparam));
        continue;
      }
      /* per-cell parameters mean nothing on another grid: say so before the parameter count does, more obscurely */
      if (t->gridbound) {
        PetscBool same;
        char      why[256];

        PetscCall(HcModelFileSameGrid_Private(nc, model->grid, mask, &same, why, sizeof(why)));
        if (!same) {
          ok = 0;
          PetscCall(PetscSNPrintf(msg, sizeof(msg),
                                  "the %s term has per-cell parameters: forecast on the model's own grid (model file %s: %s)",
                                  t->type_name, path, why));
          break;
        }
      }

      if (nc_inq_varid(nc, t->name, &v) != NC_NOERR) {
        ok = 0;
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "model file %s: no parameters for term '%s' (a model with other terms?)", path,
                                t->name));
        break;
      }
      nc_inq_varndims(nc, v, &nd);
      nc_inq_vardimid(nc, v, &dim);
      nc_inq_dimlen(nc, dim, &n);
      if ((PetscInt)n != PetscMax(t->nparam, 1)) {
        ok = 0;
        PetscCall(PetscSNPrintf(msg, sizeof(msg),
                                "model file %s: term '%s' has %d parameters in the file, %" PetscInt_FMT
                                " in this model (other architecture options?)",
                                path, t->name, (int)n, t->nparam));
        break;
      }
      if (t->nparam && nc_get_var_double(nc, v, theta + model->poff[k]) != NC_NOERR) {
        ok = 0;
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "model file %s: cannot read the parameters of term '%s'", path, t->name));
      }
      /* finite, and with a finite square (a loss or a norm of them must not overflow) */
      for (PetscInt i = 0; ok && i < t->nparam; i++) {
        const PetscReal x = theta[model->poff[k] + i];

        if (PetscIsInfOrNanReal(x) || PetscIsInfOrNanReal(x * x)) {
          ok = 0;
          PetscCall(PetscSNPrintf(msg, sizeof(msg), "model file %s: parameter %" PetscInt_FMT " (%s) of term '%s' is %g", path, i,
                                  t->paramnames[i] ? t->paramnames[i] : "?", t->name, (double)x));
        }
      }
      nread++;
    }
    if (ok) {
      int v1, v2;

      if (nc_inq_varid(nc, "normalization_mean", &v1) == NC_NOERR && nc_inq_varid(nc, "normalization_scale", &v2) == NC_NOERR) {
        hasnorm = 1;
        nc_get_var_double(nc, v1, theta + model->nparam);
        nc_get_var_double(nc, v2, theta + model->nparam + HC_MAX_FIELDS);
        for (PetscInt c = 0; ok && c < model->grid->nc; c++) {
          const PetscReal m = theta[model->nparam + c], sc = theta[model->nparam + HC_MAX_FIELDS + c];

          if (PetscIsInfOrNanReal(m) || PetscIsInfOrNanReal(m * m) || !(sc > 0) || PetscIsInfOrNanReal(sc * sc)) {
            ok = 0;
            PetscCall(PetscSNPrintf(msg, sizeof(msg),
                                    "model file %s: normalization of field %" PetscInt_FMT " is mean %g, scale %g", path, c,
                                    (double)m, (double)sc));
          }
        }
      }
    }
    nc_close(nc);
  }
  PetscCall(PetscFree(mask));
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, model->comm));
  PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, model->comm));
  if (!ok) PetscCall(PetscFree(theta));
  PetscCheck(ok, model->comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  PetscCallMPI(MPI_Bcast(&hasnorm, 1, MPI_INT, 0, model->comm));
  PetscCallMPI(MPI_Bcast(&nread, 1, MPIU_INT, 0, model->comm));
  if (nloaded) *nloaded = nread;
  PetscCallMPI(MPI_Bcast(theta, (PetscMPIInt)(model->nparam + 2 * HC_MAX_FIELDS), MPIU_REAL, 0, model->comm));
  for (PetscInt k = 0; k < model->nterms; k++) PetscCall(HcTermSetParameters(model->terms[k], theta + model->poff[k]));
  if (hasnorm) PetscCall(HcModelSetNormalization(model, theta + model->nparam, theta + model->nparam + HC_MAX_FIELDS));
  model->stepvalid = PETSC_FALSE;
  model->linvalid  = PETSC_FALSE;
  PetscCall(PetscFree(theta));
  PetscFunctionReturn(0);
}
