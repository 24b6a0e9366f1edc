/* Training state in a small NetCDF file: parameters, Adam moments, the parameters a rejected step returns to, position
   in the epoch, APHYNITY's lambda and the learning-rate factor, TAO's quasi-Newton history, so that a resumed run
   continues exactly; and the configuration it belongs to, so that it resumes no other.  Written atomically (temporary
   name, then rename).  A state file may come from anyone: it is read as data (docs/trust.md). */
#define _POSIX_C_SOURCE 200809L /* getpid */
#include <unistd.h>
#include <hycast/private/trainimpl.h>
#include <hycast/private/ioimpl.h>

/* The global attributes read back: the title, the configuration and the scalars of the state; the checksum covers them
   and every variable. */
static const char *const hc_state_globals[] = {"title",
                                               "configuration",
                                               "epoch",
                                               "batch",
                                               "step",
                                               "failed_steps",
                                               "lambda",
                                               "lr_factor",
                                               "epoch_misfit_sum",
                                               "epoch_window_count",
                                               "seed",
                                               "nparam",
                                               "tao_function_evaluations",
                                               "tao_history_exact",
                                               "tao_history_length"};
#define HC_STATE_NGLOBALS ((int)(sizeof(hc_state_globals) / sizeof(hc_state_globals[0])))
static const char *const *const hc_state_scalars = hc_state_globals + 2;
#define HC_NSTATE (HC_STATE_NGLOBALS - 2)

static void HcTrainerPackScalars_Private(HcTrainer tr, double s[HC_NSTATE])
{
  s[0]  = (double)tr->epoch;
  s[1]  = (double)tr->batchpos;
  s[2]  = (double)tr->step;
  s[3]  = (double)tr->nfail;
  s[4]  = tr->lambda;
  s[5]  = tr->lrscale;
  s[6]  = tr->epochsum;
  s[7]  = tr->epochcount;
  s[8]  = (double)tr->seed;
  s[9]  = (double)tr->model->nparam;
  s[10] = (double)tr->taofuncs;
  s[11] = tr->taoexact ? 1 : 0;
  s[12] = tr->taohistory ? (double)tr->taon : -1; /* -1: no history kept */
}

/* Rank 0 writes the state under tmp; any failure returns an error code (the caller removes tmp). */
static PetscErrorCode HcTrainerWriteState_Private(HcTrainer tr, const char file[], const char tmp[], const char config[], int *nc)
{
  const PetscInt    P        = tr->model->nparam;
  const PetscInt    nev      = tr->taohistory ? tr->taon : 0;
  const Vec         vecs[4]  = {tr->theta, tr->m, tr->v, tr->good};
  const char *const names[4] = {"theta", "adam_m", "adam_v", "adam_good"};
  int               dim, var[4], tvar[4];
  double            s[HC_NSTATE];

  PetscFunctionBegin;
  HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_create(tmp, NC_CLOBBER | NC_64BIT_OFFSET, nc));
  HcTrainerPackScalars_Private(tr, s);
  HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_put_att_text(*nc, NC_GLOBAL, "title", 22, "hycast training state"));
  HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)",
               nc_put_att_text(*nc, NC_GLOBAL, "hycast_version", strlen(HYCAST_VERSION), HYCAST_VERSION));
  for (int k = 0; k < HC_NSTATE; k++)
    HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)",
                 nc_put_att_double(*nc, NC_GLOBAL, hc_state_scalars[k], NC_DOUBLE, 1, &s[k]));
  HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)",
               nc_put_att_text(*nc, NC_GLOBAL, "configuration", strlen(config), config));
  HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_def_dim(*nc, "parameter", (size_t)P, &dim));
  for (int k = 0; k < 4; k++)
    HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_def_var(*nc, names[k], NC_DOUBLE, 1, &dim, &var[k]));
  if (nev > 0) {
    int edim, dims[2];

    HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_def_dim(*nc, "tao_update", (size_t)nev, &edim));
    dims[0] = edim;
    dims[1] = dim;
    HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_def_var(*nc, "tao_point", NC_DOUBLE, 2, dims, &tvar[0]));
    HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_def_var(*nc, "tao_gradient", NC_DOUBLE, 2, dims, &tvar[1]));
    HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_def_var(*nc, "tao_delta", NC_DOUBLE, 1, dims, &tvar[2]));
    HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_def_var(*nc, "tao_reset", NC_INT, 1, dims, &tvar[3]));
  }
  HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_enddef(*nc));
  for (int k = 0; k < 4; k++) {
    const PetscScalar *a;

    PetscCall(VecGetArrayRead(vecs[k], &a));
    HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_put_var_double(*nc, var[k], (const double *)a));
    PetscCall(VecRestoreArrayRead(vecs[k], &a));
  }
  for (PetscInt i = 0; i < nev; i++) {
    const size_t start[2] = {(size_t)i, 0}, count[2] = {1, (size_t)P};
    const Vec    ev[2] = {tr->taox[i], tr->taog[i]};
    const int    reset = (int)tr->taoreset[i];
    const double delta = tr->taodelta[i];

    for (int k = 0; k < 2; k++) {
      const PetscScalar *a;

      PetscCall(VecGetArrayRead(ev[k], &a));
      HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_put_vara_double(*nc, tvar[k], start, count, (const double *)a));
      PetscCall(VecRestoreArrayRead(ev[k], &a));
    }
    HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_put_var1_double(*nc, tvar[2], start, &delta));
    HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_put_var1_int(*nc, tvar[3], start, &reset));
  }
  {
    const int err = nc_close(*nc);

    *nc = -1; /* gone, even when the close failed */
    HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", err);
  }
  HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", HcNetCDFStamp(tmp, hc_state_globals, HC_STATE_NGLOBALS));
  PetscCheck(!rename(tmp, file), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: cannot rename the temporary file %s", file, tmp);
  PetscFunctionReturn(0);
}

PetscErrorCode HcTrainerSaveState(HcTrainer tr, const char file[])
{
  PetscMPIInt    rank;
  char           tmp[PETSC_MAX_PATH_LEN + 64], msg[512] = "", *config;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCheck(tr->setupcalled, tr->comm, PETSC_ERR_ORDER, "HcTrainer: call HcTrainerSetUp() first");
  PetscCall(HcCheckOutputFile(tr->world, "training state", file, 0, NULL));
  PetscCall(PetscMalloc1(HC_STATE_CONFIG_LEN, &config));
  PetscCall(HcTrainerConfiguration_Private(tr, config, HC_STATE_CONFIG_LEN));
  PetscCallMPI(MPI_Comm_rank(tr->world, &rank));
  if (!rank) {
    int nc = -1;

    PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp.%d", file, (int)getpid()));
    /* errors come back here: the temporary file is removed and every rank hears of it */
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = HcTrainerWriteState_Private(tr, file, tmp, config, &nc);
    PetscCall(PetscPopErrorHandler());
    if (ierr) {
      const char *text = NULL;

      if (nc >= 0) (void)nc_abort(nc);
      (void)unlink(tmp);
      PetscCall(PetscErrorMessage(ierr, &text, NULL));
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "cannot write the training state %s: %s", file,
                              HcFileSystemFull(file) ? "no space left on device" : (text ? text : "write error")));
    }
  }
  PetscCall(PetscFree(config));
  PetscCallMPI(MPI_Bcast(&ierr, 1, MPI_INT, 0, tr->world));
  PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, tr->world));
  PetscCheck(!ierr, tr->world, PETSC_ERR_FILE_WRITE, "%s", msg);
  PetscFunctionReturn(0);
}

/* The first difference between the configuration a state was saved with (saved) and this run's (now), as a sentence;
   "" when they agree.  Both are "key=value" lines; the key is an option or names the data. */
static PetscErrorCode HcTrainerConfigurationDiff_Private(const char saved[], const char now[], char msg[], size_t len)
{
  const char *const text[2] = {now, saved};

  PetscFunctionBegin;
  msg[0] = 0;
  for (int side = 0; side < 2 && !msg[0]; side++) {
    const char *line = text[side];

    while (*line && !msg[0]) {
      const char *end = strchr(line, '\n'), *eq = strchr(line, '='), *other = text[1 - side], *found = NULL;
      size_t      n = end ? (size_t)(end - line) : strlen(line), klen;

      if (!eq || eq > line + n) eq = line + n;
      klen = (size_t)(eq - line);
      /* the same key in the other text: at the start of a line, followed by '=' */
      for (const char *o = other; *o;) {
        const char *oe = strchr(o, '\n');

        if (!strncmp(o, line, klen) && (o[klen] == '=' || o[klen] == '\n' || !o[klen])) {
          found = o;
          break;
        }
        if (!oe) break;
        o = oe + 1;
      }
      {
        const char *val  = eq < line + n ? eq + 1 : eq;
        int         vlen = (int)(line + n - val), klen_i = (int)klen;

        if (!found) {
          if (side == 0)
            PetscCall(PetscSNPrintf(msg, len, "this run has %.*s %.*s, the state was saved without it", klen_i, line, vlen, val));
          else
            PetscCall(PetscSNPrintf(msg, len, "the state was saved with %.*s %.*s, this run has none", klen_i, line, vlen, val));
        } else if (side == 0) {
          const char *fe = strchr(found, '\n'), *fv = found + klen + (found[klen] == '=' ? 1 : 0);
          int         fvlen = (int)((fe ? fe : found + strlen(found)) - fv);

          if (fvlen != vlen || strncmp(fv, val, (size_t)vlen))
            PetscCall(PetscSNPrintf(msg, len, "the state was saved with %.*s %.*s, this run has %.*s %.*s", klen_i, line, fvlen,
                                    fv, klen_i, line, vlen, val));
        }
      }
      if (!end) break;
      line = end + 1;
    }
  }
  PetscFunctionReturn(0);
}

/* Rank 0: read the state's scalars, configuration, vectors (buf: 4 P) and TAO history (hist: 2 nev P + 2 nev, allocated
   here) into memory, checking each against what this run expects; ok = 0 and msg say why not. */
static PetscErrorCode HcTrainerReadState_Private(HcTrainer tr, int nc, const char now[], double s[], PetscReal *buf,
                                                 PetscReal **hist, int *ok, char msg[], size_t len)
{
  const PetscInt    P        = tr->model->nparam;
  const char *const names[3] = {"theta", "adam_m", "adam_v"};
  nc_type           type;
  size_t            alen;
  char             *saved;
  int               var;

  PetscFunctionBegin;
  s[10] = 0;
  s[11] = 1;
  s[12] = -1;
  {
    char      title[64] = "";
    const int stamp     = HcNetCDFCheckStamp(nc, hc_state_globals, HC_STATE_NGLOBALS);

    if (nc_inq_attlen(nc, NC_GLOBAL, "title", &alen) || alen >= sizeof(title) || nc_get_att_text(nc, NC_GLOBAL, "title", title) ||
        strncmp(title, "hycast training state", 21)) {
      *ok = 0;
      PetscCall(PetscSNPrintf(msg, len, "not a hycast training state (no title 'hycast training state')"));
    } else if (stamp == -1) {
      *ok = 0;
      PetscCall(PetscSNPrintf(msg, len, "it has no checksum (saved by an older hycast, or altered): start the training again"));
    } else if (stamp != 1) {
      *ok = 0;
      PetscCall(PetscSNPrintf(msg, len, "its checksum does not match its contents: the file is truncated or altered"));
    }
    if (!*ok) PetscFunctionReturn(0);
  }
  for (int k = 0; k < HC_NSTATE && *ok; k++)
    if (nc_get_att_double(nc, NC_GLOBAL, hc_state_scalars[k], &s[k]) != NC_NOERR && k < 10) {
      *ok = 0;
      PetscCall(PetscSNPrintf(msg, len, "attribute %s is missing: not a hycast training state", hc_state_scalars[k]));
    }
  for (int k = 0; k < HC_NSTATE && *ok; k++)
    if (!PetscIsNormalReal((PetscReal)s[k]) && s[k] != 0) {
      *ok = 0;
      PetscCall(PetscSNPrintf(msg, len, "attribute %s is not a finite number (%g)", hc_state_scalars[k], s[k]));
    }
  if (!*ok) PetscFunctionReturn(0);
  if (nc_inq_att(nc, NC_GLOBAL, "configuration", &type, &alen) != NC_NOERR || type != NC_CHAR || alen >= HC_STATE_CONFIG_LEN) {
    *ok = 0;
    PetscCall(PetscSNPrintf(msg, len,
                            "it has no readable configuration attribute (saved by an older hycast, or altered): start the "
                            "training again"));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscCalloc1(alen + 1, &saved));
  if (nc_get_att_text(nc, NC_GLOBAL, "configuration", saved) != NC_NOERR) saved[0] = 0;
  {
    char diff[1024];

    PetscCall(HcTrainerConfigurationDiff_Private(saved, now, diff, sizeof(diff)));
    if (diff[0]) {
      *ok = 0;
      PetscCall(PetscSNPrintf(msg, len, "%s (a state resumes only the configuration it was saved with)", diff));
    }
  }
  PetscCall(PetscFree(saved));
  if (!*ok) PetscFunctionReturn(0);
  if ((PetscInt)s[9] != P) {
    *ok = 0;
    PetscCall(
        PetscSNPrintf(msg, len, "it holds %d parameters, the model has %" PetscInt_FMT " (a different model?)", (int)s[9], P));
    PetscFunctionReturn(0);
  }
  for (int k = 0; k < 3 && *ok; k++)
    if (nc_inq_varid(nc, names[k], &var) != NC_NOERR || nc_get_var_double(nc, var, buf + k * P) != NC_NOERR) {
      *ok = 0;
      PetscCall(PetscSNPrintf(msg, len, "variable %s is missing or unreadable", names[k]));
    }
  /* adam_good: states written before it existed return to the saved parameters */
  if (*ok && (nc_inq_varid(nc, "adam_good", &var) != NC_NOERR || nc_get_var_double(nc, var, buf + 3 * P) != NC_NOERR))
    for (PetscInt i = 0; i < P; i++) buf[3 * P + i] = buf[i];
  for (PetscInt i = 0; i < 4 * P && *ok; i++)
    if (PetscIsInfOrNanReal(buf[i])) {
      *ok = 0;
      PetscCall(PetscSNPrintf(msg, len, "variable %s holds a value that is not finite at index %" PetscInt_FMT,
                              i < 3 * P ? names[i / P] : "adam_good", i % P));
    }
  if (*ok && s[12] > 0) {
    const PetscInt nev   = (PetscInt)s[12];
    const char    *hv[4] = {"tao_point", "tao_gradient", "tao_delta", "tao_reset"};
    int            tv[4], *reset;
    size_t         dlen;
    int            dims[2];

    for (int k = 0; k < 4 && *ok; k++)
      if (nc_inq_varid(nc, hv[k], &tv[k]) != NC_NOERR) {
        *ok = 0;
        PetscCall(PetscSNPrintf(msg, len, "variable %s is missing", hv[k]));
      }
    if (*ok && (nc_inq_vardimid(nc, tv[0], dims) != NC_NOERR || nc_inq_dimlen(nc, dims[0], &dlen) != NC_NOERR ||
                (PetscInt)dlen != nev)) {
      *ok = 0;
      PetscCall(PetscSNPrintf(msg, len, "tao_history_length is %" PetscInt_FMT ", the variables hold another number", nev));
    }
    if (!*ok) PetscFunctionReturn(0);
    PetscCall(PetscMalloc1(2 * nev * P + 2 * nev, hist));
    PetscCall(PetscMalloc1(nev, &reset));
    if (nc_get_var_double(nc, tv[0], *hist) != NC_NOERR || nc_get_var_double(nc, tv[1], *hist + nev * P) != NC_NOERR ||
        nc_get_var_double(nc, tv[2], *hist + 2 * nev * P) != NC_NOERR || nc_get_var_int(nc, tv[3], reset) != NC_NOERR) {
      *ok = 0;
      PetscCall(PetscSNPrintf(msg, len, "TAO's history (tao_*) is unreadable"));
    }
    for (PetscInt i = 0; i < nev && *ok; i++) {
      (*hist)[2 * nev * P + nev + i] = reset[i];
      if (reset[i] < 0 || reset[i] > 2 || !(i == 0 || reset[i] == 0)) {
        *ok = 0;
        PetscCall(PetscSNPrintf(msg, len, "tao_reset[%" PetscInt_FMT "] = %d is not valid", i, reset[i]));
      }
    }
    for (PetscInt i = 0; i < 2 * nev * P + nev && *ok; i++)
      if (PetscIsInfOrNanReal((*hist)[i])) {
        *ok = 0;
        PetscCall(PetscSNPrintf(msg, len, "TAO's history (tao_*) holds a value that is not finite"));
      }
    PetscCall(PetscFree(reset));
  }
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerLoadState - continue from a state saved by HcTrainerSaveState() with the same model, data and options (the
  state records them; the first that differs is named).
@*/
PetscErrorCode HcTrainerLoadState(HcTrainer tr, const char file[])
{
  const PetscInt P = tr->model->nparam;
  PetscMPIInt    wrank, grank;
  double         s[HC_NSTATE];
  int            ok = 1;
  PetscReal     *buf, *hist = NULL;
  PetscInt       nev;
  char           msg[1200] = "", *now;

  PetscFunctionBegin;
  PetscCheck(tr->setupcalled, tr->comm, PETSC_ERR_ORDER, "HcTrainer: call HcTrainerSetUp() first");
  PetscCallMPI(MPI_Comm_rank(tr->world, &wrank));
  PetscCallMPI(MPI_Comm_rank(tr->comm, &grank));
  PetscCall(PetscMalloc1(4 * P, &buf));
  PetscCall(PetscMalloc1(HC_STATE_CONFIG_LEN, &now));
  PetscCall(HcTrainerConfiguration_Private(tr, now, HC_STATE_CONFIG_LEN));
  if (!wrank) {
    int nc, err = nc_open(file, NC_NOWRITE, &nc);

    if (err != NC_NOERR) {
      ok = 0;
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "cannot be opened as NetCDF (%s): missing, truncated or not a training state",
                              nc_strerror(err)));
    } else {
      PetscCall(HcTrainerReadState_Private(tr, nc, now, s, buf, &hist, &ok, msg, sizeof(msg)));
      nc_close(nc);
    }
  }
  PetscCall(PetscFree(now));
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, tr->world));
  PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, tr->world));
  if (!ok) {
    PetscCall(PetscFree(buf));
    PetscCall(PetscFree(hist));
    SETERRQ(tr->world, PETSC_ERR_FILE_READ, "-train_resume %s: %s", file, msg);
  }
  PetscCallMPI(MPI_Bcast(s, HC_NSTATE, MPI_DOUBLE, 0, tr->world));
  if (tr->roots != MPI_COMM_NULL) PetscCallMPI(MPI_Bcast(buf, (PetscMPIInt)(4 * P), MPIU_REAL, 0, tr->roots));
  {
    const Vec vecs[4] = {tr->theta, tr->m, tr->v, tr->good};

    for (int k = 0; k < 4; k++) {
      PetscScalar *a;

      PetscCall(VecGetArray(vecs[k], &a));
      if (!grank)
        for (PetscInt i = 0; i < P; i++) a[i] = buf[k * P + i];
      PetscCall(VecRestoreArray(vecs[k], &a));
    }
  }
  PetscCall(PetscFree(buf));
  /* TAO's history: the points and gradients on the group roots, deltas and flags everywhere */
  nev = (PetscInt)s[12];
  PetscCall(HcTrainerTaoHistoryDestroy_Private(tr));
  tr->taohistory = nev >= 0 ? PETSC_TRUE : PETSC_FALSE;
  tr->taoexact   = s[11] != 0 ? PETSC_TRUE : PETSC_FALSE;
  tr->taonfuncs  = (PetscInt)s[10];
  tr->taofuncs   = tr->taonfuncs;
  if (nev > 0) {
    if (wrank) PetscCall(PetscMalloc1(2 * nev * P + 2 * nev, &hist));
    PetscCallMPI(MPI_Bcast(hist + 2 * nev * P, (PetscMPIInt)(2 * nev), MPIU_REAL, 0, tr->world));
    if (tr->roots != MPI_COMM_NULL) PetscCallMPI(MPI_Bcast(hist, (PetscMPIInt)(2 * nev * P), MPIU_REAL, 0, tr->roots));
    PetscCall(HcTrainerTaoHistoryResize_Private(tr, nev));
    for (PetscInt i = 0; i < nev; i++) {
      const Vec ev[2] = {tr->taox[i], tr->taog[i]};

      for (int k = 0; k < 2; k++) {
        PetscScalar *a;

        PetscCall(VecGetArray(ev[k], &a));
        if (!grank)
          for (PetscInt j = 0; j < P; j++) a[j] = hist[k * nev * P + i * P + j];
        PetscCall(VecRestoreArray(ev[k], &a));
      }
      tr->taodelta[i] = hist[2 * nev * P + i];
      tr->taoreset[i] = (PetscInt)hist[2 * nev * P + nev + i];
    }
    tr->taon = nev;
  }
  PetscCall(PetscFree(hist));
  tr->epoch      = (PetscInt)s[0];
  tr->batchpos   = (PetscInt)s[1];
  tr->step       = (PetscInt)s[2];
  tr->nfail      = (PetscInt)s[3];
  tr->lambda     = s[4];
  tr->lrscale    = s[5];
  tr->epochsum   = s[6];
  tr->epochcount = s[7];
  tr->goodset    = PETSC_TRUE;
  PetscCall(HcModelSetParameters(tr->model, tr->theta));
  if (tr->opt == HC_OPTIMIZER_TAO)
    PetscCall(PetscPrintf(tr->world,
                          "resumed from %s: TAO iteration %" PetscInt_FMT ", %" PetscInt_FMT " quasi-Newton update(s) kept\n",
                          file, tr->epoch, PetscMax(nev, 0)));
  else
    PetscCall(PetscPrintf(tr->world,
                          "resumed from %s: epoch %" PetscInt_FMT ", batch %" PetscInt_FMT ", step %" PetscInt_FMT "\n", file,
                          tr->epoch, tr->batchpos, tr->step));
  if (tr->opt == HC_OPTIMIZER_TAO && tr->taohistory && !tr->taoexact)
    PetscCall(PetscPrintf(tr->world,
                          "warning: the state's quasi-Newton history did not follow TAO's exactly: this run may differ "
                          "from an uninterrupted one\n"));
  if (tr->opt == HC_OPTIMIZER_TAO && nev > 0 && tr->taoreset[0] == 2)
    PetscCall(PetscPrintf(tr->world,
                          "warning: saved after TAO's first iteration, where it cannot be told whether BLMVM reset its "
                          "history: this run may differ from an uninterrupted one\n"));
  PetscFunctionReturn(0);
}
