/* NetCDF helpers: the error check behind HcCallNetCDF, attribute access, and the truncation check of classic files. */
#include <limits.h>
#include <stdio.h>
#include <hycast/private/ioimpl.h>

PetscErrorCode HcNetCDFCheck_Private(MPI_Comm comm, int status, const char file[], const char var[])
{
  PetscMPIInt size;
  int         failed = status != NC_NOERR, agreed = status;
  const char *hint = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size > 1) {
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, comm));
    if (failed) {
      /* the same code on every rank: the smallest of the failing ones */
      agreed = status != NC_NOERR ? status : INT_MAX;
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &agreed, 1, MPI_INT, MPI_MIN, comm));
    }
  }
  if (!failed) PetscFunctionReturn(0);
  if (HcFileSystemFull(file)) SETERRQ(comm, PETSC_ERR_FILE_WRITE, "%s: no space left on device (its file system is full)", file);
  if (agreed == NC_ENOTNC)
    hint = " (not a NetCDF file, or a damaged one)";
  else if (agreed == NC_EHDFERR)
    hint = " (a damaged or truncated NetCDF-4/HDF5 file, or, when writing, a full disk?)";
  SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s: variable '%s': %s%s", file, var, nc_strerror(agreed), hint);
}

/*
  HcNetCDFGetText_Private - a text attribute (NC_CHAR, or the first string of an NC_STRING attribute) of a variable
  (NC_GLOBAL for the file) that is known to exist; buf stays empty for a numeric attribute.
*/
PetscErrorCode HcNetCDFGetText_Private(MPI_Comm comm, const char file[], int ncid, int varid, const char name[], char buf[],
                                       size_t len, PetscBool *found)
{
  nc_type type;
  size_t  n;
  char    vname[NC_MAX_NAME + 1] = "(global)";

  PetscFunctionBegin;
  buf[0] = 0;
  if (found) *found = PETSC_FALSE;
  if (varid != NC_GLOBAL) HcCallNetCDF(comm, file, name, nc_inq_varname(ncid, varid, vname));
  HcCallNetCDF(comm, file, vname, nc_inq_att(ncid, varid, name, &type, &n));
  if (type == NC_STRING) {
    char **strs;

    PetscCall(PetscCalloc1(n, &strs));
    HcCallNetCDF(comm, file, vname, nc_get_att_string(ncid, varid, name, strs));
    PetscCall(PetscStrncpy(buf, n && strs[0] ? strs[0] : "", len));
    HcCallNetCDF(comm, file, vname, nc_free_string(n, strs));
    PetscCall(PetscFree(strs));
    if (found) *found = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  if (type != NC_CHAR) PetscFunctionReturn(0);
  PetscCheck(n < len, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: variable '%s': attribute '%s' is longer than %d characters", file,
             vname, name, (int)len - 1);
  HcCallNetCDF(comm, file, vname, nc_get_att_text(ncid, varid, name, buf));
  buf[n] = 0;
  while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\0')) buf[--n] = 0; /* trailing blanks and NULs some writers add */
  if (found) *found = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*
  HcNetCDFGetReals_Private - up to max values of a numeric attribute that is known to exist, as doubles.
*/
PetscErrorCode HcNetCDFGetReals_Private(MPI_Comm comm, const char file[], int ncid, int varid, const char name[], PetscInt max,
                                        double v[], PetscInt *n)
{
  nc_type type;
  size_t  len;
  char    vname[NC_MAX_NAME + 1] = "(global)";
  double *all;

  PetscFunctionBegin;
  *n = 0;
  if (varid != NC_GLOBAL) HcCallNetCDF(comm, file, name, nc_inq_varname(ncid, varid, vname));
  HcCallNetCDF(comm, file, vname, nc_inq_att(ncid, varid, name, &type, &len));
  PetscCheck(type != NC_CHAR && type != NC_STRING, comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s: variable '%s': attribute '%s' must be numeric", file, vname, name);
  PetscCheck(len >= 1, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: variable '%s': attribute '%s' is empty", file, vname, name);
  PetscCall(PetscMalloc1(len, &all));
  HcCallNetCDF(comm, file, vname, nc_get_att_double(ncid, varid, name, all));
  *n = PetscMin((PetscInt)len, max);
  for (PetscInt k = 0; k < *n; k++) v[k] = all[k];
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

/* ---- truncation of classic files.  The classic library reads missing bytes past the end of a short file as zeros,
   so the header is parsed here (CDF-1, CDF-2 and CDF-5 layouts) to find where the data of each variable ends. */

typedef struct {
  const unsigned char *p, *end;
  int                  version; /* 1, 2 or 5 */
  PetscBool            ok;
} HcCDFCursor;

static unsigned long long HcCDFRead_Private(HcCDFCursor *c, int nbytes)
{
  unsigned long long v = 0;

  if (!c->ok || c->end - c->p < nbytes) {
    c->ok = PETSC_FALSE;
    return 0;
  }
  for (int k = 0; k < nbytes; k++) v = (v << 8) | c->p[k];
  c->p += nbytes;
  return v;
}

static void HcCDFSkip_Private(HcCDFCursor *c, unsigned long long nbytes)
{
  nbytes = (nbytes + 3) / 4 * 4; /* every item is padded to 4 bytes */
  if (!c->ok || (unsigned long long)(c->end - c->p) < nbytes)
    c->ok = PETSC_FALSE;
  else
    c->p += nbytes;
}

static unsigned long long HcCDFCount_Private(HcCDFCursor *c)
{
  return HcCDFRead_Private(c, c->version == 5 ? 8 : 4);
}

static int HcCDFTypeSize_Private(unsigned long long type)
{
  switch (type) {
    case NC_BYTE:
    case NC_CHAR:
    case NC_UBYTE: return 1;
    case NC_SHORT:
    case NC_USHORT: return 2;
    case NC_INT:
    case NC_FLOAT:
    case NC_UINT: return 4;
    case NC_DOUBLE:
    case NC_INT64:
    case NC_UINT64: return 8;
    default: return 0;
  }
}

static void HcCDFSkipAttributes_Private(HcCDFCursor *c)
{
  unsigned long long tag = HcCDFRead_Private(c, 4), n = HcCDFCount_Private(c);

  if (tag == 0) return;
  for (unsigned long long a = 0; a < n && c->ok; a++) {
    unsigned long long type, len;

    HcCDFSkip_Private(c, HcCDFCount_Private(c)); /* name */
    type = HcCDFRead_Private(c, 4);
    len  = HcCDFCount_Private(c);
    if (!HcCDFTypeSize_Private(type))
      c->ok = PETSC_FALSE;
    else
      HcCDFSkip_Private(c, len * HcCDFTypeSize_Private(type));
  }
}

/* Size the data of a classic file needs (0 when it cannot be told: streaming record count, unreadable header). */
static unsigned long long HcCDFExpectedSize_Private(const unsigned char *buf, size_t len)
{
  HcCDFCursor        c = {buf, buf + len, 0, PETSC_TRUE};
  unsigned long long numrecs, ndims, nvars, need = 0, recsize = 0, nrecvars = 0;
  unsigned long long dimlen[1024];
  struct {
    unsigned long long begin, bytes;
    PetscBool          rec;
  } var[1024];

  if (len < 8 || buf[0] != 'C' || buf[1] != 'D' || buf[2] != 'F') return 0;
  c.version = buf[3];
  c.p += 4;
  if (c.version != 1 && c.version != 2 && c.version != 5) return 0;
  numrecs = HcCDFCount_Private(&c);
  if (numrecs == (c.version == 5 ? ~0ULL : 0xFFFFFFFFULL)) return 0; /* streaming */
  HcCDFRead_Private(&c, 4);                                          /* NC_DIMENSION or 0 */
  ndims = HcCDFCount_Private(&c);
  if (ndims > 1024) return 0;
  for (unsigned long long d = 0; d < ndims && c.ok; d++) {
    HcCDFSkip_Private(&c, HcCDFCount_Private(&c));
    dimlen[d] = HcCDFCount_Private(&c);
  }
  HcCDFSkipAttributes_Private(&c);
  HcCDFRead_Private(&c, 4); /* NC_VARIABLE or 0 */
  nvars = HcCDFCount_Private(&c);
  if (nvars > 1024) return 0;
  for (unsigned long long v = 0; v < nvars && c.ok; v++) {
    unsigned long long nd, type, count = 1;

    HcCDFSkip_Private(&c, HcCDFCount_Private(&c));
    nd         = HcCDFCount_Private(&c);
    var[v].rec = PETSC_FALSE;
    for (unsigned long long d = 0; d < nd && c.ok; d++) {
      unsigned long long id = HcCDFCount_Private(&c);

      if (id >= ndims) return 0;
      if (d == 0 && dimlen[id] == 0)
        var[v].rec = PETSC_TRUE;
      else
        count *= dimlen[id];
    }
    HcCDFSkipAttributes_Private(&c);
    type = HcCDFRead_Private(&c, 4);
    HcCDFCount_Private(&c); /* vsize: may be clipped for large variables; recomputed from the shape */
    var[v].begin = HcCDFRead_Private(&c, c.version == 1 ? 4 : 8);
    var[v].bytes = count * HcCDFTypeSize_Private(type);
    if (var[v].rec) {
      recsize += (var[v].bytes + 3) / 4 * 4;
      nrecvars++;
    }
  }
  if (!c.ok) return 0;
  if (nrecvars == 1) /* a single record variable is not padded between records */
    for (unsigned long long v = 0; v < nvars; v++)
      if (var[v].rec) recsize = var[v].bytes;
  for (unsigned long long v = 0; v < nvars; v++) {
    unsigned long long end = var[v].begin + var[v].bytes;

    if (var[v].rec) end = numrecs ? var[v].begin + (numrecs - 1) * recsize + var[v].bytes : 0;
    need = PetscMax(need, end);
  }
  return need;
}

/*
  HcNetCDFCheckSize_Private - stop on a classic (CDF-1/2/5) file shorter than its header says, which the NetCDF library
  would read as zeros.  NetCDF-4 files are checked by HDF5 when they are opened.
*/
PetscErrorCode HcNetCDFCheckSize_Private(MPI_Comm comm, const char file[], const char var[])
{
  FILE              *f;
  long               size  = 0;
  size_t             nread = 0;
  unsigned char     *buf;
  unsigned long long need = 0;
  const size_t       hmax = 1 << 20;

  PetscFunctionBegin;
  f = fopen(file, "rb");
  if (f) {
    PetscCall(PetscMalloc1(hmax, &buf));
    nread = fread(buf, 1, hmax, f);
    if (!fseek(f, 0, SEEK_END)) size = ftell(f);
    fclose(f);
    need = HcCDFExpectedSize_Private(buf, nread);
    PetscCall(PetscFree(buf));
  }
  PetscCheck(!need || (unsigned long long)size >= need, comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s: variable '%s': the file is truncated: %ld bytes, its header describes %llu bytes of data", file, var, size,
             need);
  PetscFunctionReturn(0);
}
