/* Training state in a small NetCDF file: parameters, Adam moments, the parameters a rejected step returns to, position
   in the epoch, APHYNITY's lambda and the learning-rate factor, so that a resumed run continues exactly.  Written atomically
   (temporary name, then rename). */
#define _POSIX_C_SOURCE 200809L /* getpid */
#include <unistd.h>
#include <hycast/private/trainimpl.h>
#include <hycast/private/ioimpl.h>

static const char *const hc_state_scalars[] = {
    "epoch", "batch", "step", "failed_steps", "lambda", "lr_factor", "epoch_misfit_sum", "epoch_window_count", "seed", "nparam"};
#define HC_NSTATE 10

static void HcTrainerPackScalars_Private(HcTrainer tr, double s[HC_NSTATE])
{
  s[0] = (double)tr->epoch;
  s[1] = (double)tr->batchpos;
  s[2] = (double)tr->step;
  s[3] = (double)tr->nfail;
  s[4] = tr->lambda;
  s[5] = tr->lrscale;
  s[6] = tr->epochsum;
  s[7] = tr->epochcount;
  s[8] = (double)tr->seed;
  s[9] = (double)tr->model->nparam;
}

/* Rank 0 writes the state under tmp; any failure returns an error code (the caller removes tmp). */
static PetscErrorCode HcTrainerWriteState_Private(HcTrainer tr, const char file[], const char tmp[], int *nc)
{
  const PetscInt    P        = tr->model->nparam;
  const Vec         vecs[4]  = {tr->theta, tr->m, tr->v, tr->good};
  const char *const names[4] = {"theta", "adam_m", "adam_v", "adam_good"};
  int               dim, var[4];
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
  HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_def_dim(*nc, "parameter", (size_t)P, &dim));
  for (int k = 0; k < 4; k++)
    HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_def_var(*nc, names[k], NC_DOUBLE, 1, &dim, &var[k]));
  HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_enddef(*nc));
  for (int k = 0; k < 4; k++) {
    const PetscScalar *a;

    PetscCall(VecGetArrayRead(vecs[k], &a));
    HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", nc_put_var_double(*nc, var[k], (const double *)a));
    PetscCall(VecRestoreArrayRead(vecs[k], &a));
  }
  {
    const int err = nc_close(*nc);

    *nc = -1; /* gone, even when the close failed */
    HcCallNetCDF(PETSC_COMM_SELF, file, "(training state)", err);
  }
  PetscCheck(!rename(tmp, file), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: cannot rename the temporary file %s", file, tmp);
  PetscFunctionReturn(0);
}

PetscErrorCode HcTrainerSaveState(HcTrainer tr, const char file[])
{
  PetscMPIInt    rank;
  char           tmp[PETSC_MAX_PATH_LEN + 64], msg[512] = "";
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCheck(tr->setupcalled, tr->comm, PETSC_ERR_ORDER, "HcTrainer: call HcTrainerSetUp() first");
  PetscCall(HcCheckOutputFile(tr->world, "training state", file, 0, NULL));
  PetscCallMPI(MPI_Comm_rank(tr->world, &rank));
  if (!rank) {
    int nc = -1;

    PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp.%d", file, (int)getpid()));
    /* errors come back here: the temporary file is removed and every rank hears of it */
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = HcTrainerWriteState_Private(tr, file, tmp, &nc);
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
  PetscCallMPI(MPI_Bcast(&ierr, 1, MPI_INT, 0, tr->world));
  PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, tr->world));
  PetscCheck(!ierr, tr->world, PETSC_ERR_FILE_WRITE, "%s", msg);
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerLoadState - continue from a state saved by HcTrainerSaveState() (the same model, data and options).
@*/
PetscErrorCode HcTrainerLoadState(HcTrainer tr, const char file[])
{
  const PetscInt P = tr->model->nparam;
  PetscMPIInt    wrank, grank;
  double         s[HC_NSTATE];
  int            ok = 1;
  PetscReal     *buf;
  char           msg[256] = "";

  PetscFunctionBegin;
  PetscCheck(tr->setupcalled, tr->comm, PETSC_ERR_ORDER, "HcTrainer: call HcTrainerSetUp() first");
  PetscCallMPI(MPI_Comm_rank(tr->world, &wrank));
  PetscCallMPI(MPI_Comm_rank(tr->comm, &grank));
  PetscCall(PetscMalloc1(4 * P, &buf));
  if (!wrank) {
    int nc, err = nc_open(file, NC_NOWRITE, &nc);

    if (err != NC_NOERR) {
      ok = 0;
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "%s", nc_strerror(err)));
    } else {
      const char *const names[3] = {"theta", "adam_m", "adam_v"};

      for (int k = 0; k < HC_NSTATE && ok; k++)
        if (nc_get_att_double(nc, NC_GLOBAL, hc_state_scalars[k], &s[k]) != NC_NOERR) {
          ok = 0;
          PetscCall(PetscSNPrintf(msg, sizeof(msg), "attribute %s is missing: not a hycast training state", hc_state_scalars[k]));
        }
      if (ok && (PetscInt)s[9] != P) {
        ok = 0;
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "it holds %d parameters, the model has %" PetscInt_FMT " (a different model?)",
                                (int)s[9], P));
      }
      for (int k = 0; k < 3 && ok; k++) {
        int var;

        if (nc_inq_varid(nc, names[k], &var) != NC_NOERR || nc_get_var_double(nc, var, buf + k * P) != NC_NOERR) {
          ok = 0;
          PetscCall(PetscSNPrintf(msg, sizeof(msg), "variable %s is missing or unreadable", names[k]));
        }
      }
      /* adam_good: states written before it existed return to the saved parameters */
      if (ok) {
        int var;

        if (nc_inq_varid(nc, "adam_good", &var) != NC_NOERR || nc_get_var_double(nc, var, buf + 3 * P) != NC_NOERR)
          for (PetscInt i = 0; i < P; i++) buf[3 * P + i] = buf[i];
      }
      nc_close(nc);
    }
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, tr->world));
  PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, tr->world));
  PetscCheck(ok, tr->world, PETSC_ERR_FILE_READ, "-train_resume %s: %s", file, msg);
  PetscCallMPI(MPI_Bcast(s, HC_NSTATE, MPI_DOUBLE, 0, tr->world));
  if (tr->roots != MPI_COMM_NULL) PetscCallMPI(MPI_Bcast(buf, (PetscMPIInt)(4 * P), MPIU_REAL, 0, tr->roots));
  PetscCheck((PetscInt)s[8] == tr->seed, tr->world, PETSC_ERR_ARG_INCOMP,
             "-train_resume %s: saved with -train_seed %d, this run has %" PetscInt_FMT
             "; the windows would be visited in another order",
             file, (int)s[8], tr->seed);
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
  PetscCall(PetscPrintf(tr->world, "resumed from %s: epoch %" PetscInt_FMT ", batch %" PetscInt_FMT ", step %" PetscInt_FMT "\n",
                        file, tr->epoch, tr->batchpos, tr->step));
  PetscFunctionReturn(0);
}
