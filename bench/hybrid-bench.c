static const char help[] =
    "hybrid-bench: hycast's side of the benchmark problem of BENCHMARKS.md (options: bench/hybrid-bench.yaml).\n"
    "  -bench_mode rhs       F(u) and each term separately; STREAM triad bandwidth in the same run\n"
    "  -bench_mode train     forward + adjoint gradient of the loss of a batch of windows; peak resident memory\n"
    "  -bench_mode fft       the Fourier layer's forward against the bare FFTW forward + inverse of its channels\n"
    "  -bench_mode forecast  a forecast of -bench_steps steps: grid-cell updates per second\n"
    "  -bench_mode gemm      the MLP's dense layers (forward and adjoint) on N x N cells: hycast's block kernels against\n"
    "                        BLAS dgemm on the same blocks and on panels of -bench_gemm_panel cells\n"
    "Times are the maximum over ranks of each repetition; the median of -bench_reps repetitions after -bench_warmup.\n"
    "Lines starting with RESULT are read by bench/run-bench.py.\n";

#include <sys/resource.h>
#include <complex.h>
#include <fftw3-mpi.h>
#include <netcdf.h>
#include "../tests/testutil.h"
#include <hycast/private/kernelimpl.h>
#include <hycast/private/mlpimpl.h>
#include <petscblaslapack.h>

typedef enum { BENCH_RHS, BENCH_TRAIN, BENCH_FFT, BENCH_FORECAST, BENCH_GEMM } BenchMode;
static const char *const BenchModes[] = {"rhs", "train", "fft", "forecast", "gemm", "BenchMode", "BENCH_", NULL};

#define BENCH_MAX_REPS    64
#define BENCH_MAX_WINDOWS 16
#define BENCH_MAX_TERMS   64

typedef struct {
  BenchMode mode;
  PetscInt  reps, warmup, nwin, steps, streamn, batch, panel;
  char      write[PETSC_MAX_PATH_LEN];
  PetscBool haswrite;
} BenchOptions;

/* The model under test and what every mode needs to know about it. */
typedef struct {
  MPI_Comm    comm;
  PetscMPIInt size, rank;
  HcGrid      grid;
  HcModel     model;
  PetscInt    nx, ny, nf, nterms;
} BenchSetup;

#define BenchCallNC(call)                                                                                           \
  do {                                                                                                              \
    const int bench_nc_ = (call);                                                                                   \
    PetscCheck(bench_nc_ == NC_NOERR, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "NetCDF: %s", nc_strerror(bench_nc_)); \
  } while (0)

static PetscErrorCode BenchGetOptions(MPI_Comm comm, BenchOptions *o)
{
  PetscFunctionBeginUser;
  o->mode    = BENCH_TRAIN;
  o->reps    = 5;
  o->warmup  = 1;
  o->nwin    = 4;
  o->steps   = 1000;
  o->streamn = 1 << 23;
  o->batch   = 20;
  o->panel   = 4096;
  PetscOptionsBegin(comm, NULL, "hybrid-bench options", "bench");
  PetscCall(PetscOptionsEnum("-bench_mode", "What to time", "", BenchModes, (PetscEnum)o->mode, (PetscEnum *)&o->mode, NULL));
  PetscCall(PetscOptionsInt("-bench_reps", "Timed repetitions (the median is reported)", "", o->reps, &o->reps, NULL));
  PetscCall(PetscOptionsInt("-bench_warmup", "Untimed repetitions before them", "", o->warmup, &o->warmup, NULL));
  PetscCall(PetscOptionsInt("-bench_windows", "Windows in the batch (train)", "", o->nwin, &o->nwin, NULL));
  PetscCall(PetscOptionsInt("-bench_steps", "Time steps of the forecast (forecast; the interval is steps * -model_dt)", "",
                            o->steps, &o->steps, NULL));
  PetscCall(PetscOptionsInt("-bench_stream_n", "Doubles per STREAM array per rank (rhs)", "", o->streamn, &o->streamn, NULL));
  PetscCall(PetscOptionsInt("-bench_rhs_batch",
                            "Calls per timed repetition of F(u) and of each term (rhs; the time per call is reported: a "
                            "single call of the physics term takes ~0.1 ms, comparable to the ranks' skew after a barrier)",
                            "", o->batch, &o->batch, NULL));
  PetscCall(PetscOptionsInt("-bench_gemm_panel", "Cells per dgemm call in the panel variant (gemm; a multiple of 64)", "",
                            o->panel, &o->panel, NULL));
  PetscCall(PetscOptionsString("-bench_write",
                               "Directory for model.nc and data.nc (train: the weights, the batch, F(u), the loss and its "
                               "gradients, for bench/reference.py)",
                               "", o->write, o->write, sizeof(o->write), &o->haswrite));
  PetscOptionsEnd();
  PetscCheck(o->reps >= 1 && o->reps <= BENCH_MAX_REPS, comm, PETSC_ERR_ARG_OUTOFRANGE, "-bench_reps must be in [1, %d]",
             BENCH_MAX_REPS);
  PetscCheck(o->warmup >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-bench_warmup must be >= 0");
  PetscCheck(o->nwin >= 1 && o->nwin <= BENCH_MAX_WINDOWS, comm, PETSC_ERR_ARG_OUTOFRANGE, "-bench_windows must be in [1, %d]",
             BENCH_MAX_WINDOWS);
  PetscCheck(o->steps >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-bench_steps must be >= 1");
  PetscCheck(o->streamn >= 1024, comm, PETSC_ERR_ARG_OUTOFRANGE, "-bench_stream_n must be >= 1024");
  PetscCheck(o->batch >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-bench_rhs_batch must be >= 1");
  PetscCheck(o->panel >= HC_MLP_BLOCK && o->panel % HC_MLP_BLOCK == 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-bench_gemm_panel must be a positive multiple of %d", HC_MLP_BLOCK);
  PetscFunctionReturn(0);
}

/* ---- timing */

typedef PetscErrorCode (*BenchFn)(void *);

/* Runs fn warmup + reps times; times[r] is the slowest rank's time of repetition r and, with an event (> 0) and
   etimes, etimes[r] the slowest rank's time inside that log event during repetition r. */
static PetscErrorCode BenchTimeEvent(MPI_Comm comm, BenchFn fn, void *ctx, PetscInt warmup, PetscInt reps, PetscLogEvent event,
                                     PetscReal times[], PetscReal etimes[])
{
  PetscFunctionBeginUser;
  for (PetscInt r = 0; r < warmup; r++) PetscCall(fn(ctx));
  for (PetscInt r = 0; r < reps; r++) {
    double             t0, t[2];
    PetscEventPerfInfo e0, e1;

    if (etimes) PetscCall(PetscLogEventGetPerfInfo(PETSC_DETERMINE, event, &e0));
    PetscCallMPI(MPI_Barrier(comm));
    t0 = MPI_Wtime();
    PetscCall(fn(ctx));
    t[0] = MPI_Wtime() - t0;
    t[1] = 0;
    if (etimes) {
      PetscCall(PetscLogEventGetPerfInfo(PETSC_DETERMINE, event, &e1));
      t[1] = e1.time - e0.time;
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, t, 2, MPI_DOUBLE, MPI_MAX, comm));
    times[r] = t[0];
    if (etimes) etimes[r] = t[1];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode BenchTime(MPI_Comm comm, BenchFn fn, void *ctx, PetscInt warmup, PetscInt reps, PetscReal times[])
{
  PetscFunctionBeginUser;
  PetscCall(BenchTimeEvent(comm, fn, ctx, warmup, reps, 0, times, NULL));
  PetscFunctionReturn(0);
}

static PetscReal BenchMedian(PetscInt n, const PetscReal t[])
{
  PetscReal s[BENCH_MAX_REPS];

  for (PetscInt k = 0; k < n; k++) s[k] = t[k];
  for (PetscInt k = 1; k < n; k++)
    for (PetscInt l = k; l > 0 && s[l - 1] > s[l]; l--) {
      const PetscReal tmp = s[l];
      s[l]                = s[l - 1];
      s[l - 1]            = tmp;
    }
  return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

/* "RESULT <key> median=<s> reps=<t1,t2,...> <extra>", read by bench/run-bench.py. */
static PetscErrorCode BenchReport(MPI_Comm comm, const char key[], PetscInt n, const PetscReal t[], const char extra[])
{
  char list[2048] = "";

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < n; k++) {
    char item[64];

    PetscCall(PetscSNPrintf(item, sizeof(item), "%s%.6e", k ? "," : "", (double)t[k]));
    PetscCall(PetscStrlcat(list, item, sizeof(list)));
  }
  PetscCall(
      PetscPrintf(comm, "RESULT %s median=%.6e reps=%s%s%s\n", key, (double)BenchMedian(n, t), list, extra[0] ? " " : "", extra));
  PetscFunctionReturn(0);
}

/* Peak resident memory of all ranks together, in bytes (Linux: ru_maxrss in KiB). */
static PetscErrorCode BenchPeakMemory(MPI_Comm comm, PetscReal *bytes)
{
  struct rusage ru;
  double        mine;

  PetscFunctionBeginUser;
  getrusage(RUSAGE_SELF, &ru);
  mine = 1024.0 * (double)ru.ru_maxrss;
  PetscCallMPI(MPI_Allreduce(&mine, bytes, 1, MPI_DOUBLE, MPI_SUM, comm));
  PetscFunctionReturn(0);
}

/* ---- smooth random fields: a few seeded Fourier modes per field, the same on any number of ranks */

static PetscReal BenchUniform(unsigned long long a, unsigned long long b)
{
  unsigned long long z = a * 0x9E3779B97F4A7C15ULL + (b + 1) * 0xD1B54A32D192ED03ULL;

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z = z ^ (z >> 31);
  return (PetscReal)(z >> 11) / 9007199254740992.0 * 2 - 1;
}

typedef struct {
  unsigned long long seed;
  PetscInt           nc;
  PetscReal          lx, ly; /* domain lengths: whole cycles per domain */
} BenchFieldCtx;

static PetscErrorCode BenchSmoothField(PetscReal x, PetscReal y, PetscReal v[], void *ctx)
{
  const BenchFieldCtx *f = (const BenchFieldCtx *)ctx;

  for (PetscInt c = 0; c < f->nc; c++) {
    PetscReal s = 0;

    for (PetscInt kx = 0; kx <= 3; kx++)
      for (PetscInt ky = -3; ky <= 3; ky++) {
        const unsigned long long k   = (unsigned long long)((c * 4 + kx) * 7 + ky + 3);
        const PetscReal          amp = BenchUniform(f->seed, 2 * k) / (1 + kx + PetscAbsInt(ky));
        const PetscReal          ph  = PETSC_PI * BenchUniform(f->seed, 2 * k + 1);

        s += amp * PetscCosReal(2 * PETSC_PI * (kx * x / f->lx + ky * y / f->ly) + ph);
      }
    v[c] = s;
  }
  return 0;
}

static PetscErrorCode BenchCreateField(const BenchSetup *bs, unsigned long long seed, Vec *u)
{
  BenchFieldCtx    f;
  const PetscReal *xc, *yc;

  PetscFunctionBeginUser;
  PetscCall(HcGridGetCoordinates(bs->grid, &xc, &yc));
  f.seed = seed;
  f.nc   = bs->nf;
  f.lx   = bs->nx * (xc[1] - xc[0]);
  f.ly   = bs->ny * (yc[1] - yc[0]);
  PetscCall(HcGridCreateGlobalVector(bs->grid, u));
  PetscCall(HcGridEvaluate(bs->grid, BenchSmoothField, &f, *u));
  PetscFunctionReturn(0);
}

/* ---- train: loss of a batch of windows and its gradient */

/* A window's misfit L_w = scale * sum over cells and fields of (u(T) - target)^2, scale = 1 / (windows cells fields):
   the batch loss is the mean over windows, cells and fields. */
typedef struct {
  Vec       target, diff;
  PetscReal scale;
} BenchMisfit;

static PetscErrorCode BenchMisfitFn(HcModel model, PetscInt k, PetscReal t, Vec u, PetscReal *L, Vec dLdu, Vec dLdtheta,
                                    void *ctx)
{
  BenchMisfit *mf = (BenchMisfit *)ctx;
  PetscReal    s;

  PetscFunctionBeginUser;
  PetscCall(VecWAXPY(mf->diff, -1, mf->target, u));
  PetscCall(VecDot(mf->diff, mf->diff, &s));
  *L = mf->scale * s;
  PetscCall(VecAXPY(dLdu, 2 * mf->scale, mf->diff));
  PetscFunctionReturn(0);
}

typedef struct {
  const BenchSetup *bs;
  PetscInt          nwin;
  Vec               u0[BENCH_MAX_WINDOWS], gu0[BENCH_MAX_WINDOWS], g, gsum;
  BenchMisfit       mf[BENCH_MAX_WINDOWS];
  PetscReal         times[2], loss;
} BenchTrain;

/* One train step: the loss of the batch and its gradient with respect to every parameter and every initial state. */
static PetscErrorCode BenchTrainStep(void *ctx)
{
  BenchTrain *b = (BenchTrain *)ctx;

  PetscFunctionBeginUser;
  b->loss = 0;
  PetscCall(VecSet(b->gsum, 0));
  for (PetscInt w = 0; w < b->nwin; w++) {
    PetscReal L;

    PetscCall(HcModelComputeGradient(b->bs->model, 1, b->times, b->u0[w], BenchMisfitFn, &b->mf[w], &L, b->g, b->gu0[w]));
    PetscCall(VecAXPY(b->gsum, 1, b->g));
    b->loss += L;
  }
  PetscFunctionReturn(0);
}

/* Per-window fields (window, y, x, field) into variable vid; collective, rank 0 writes. */
static PetscErrorCode BenchPutWindows(const BenchSetup *bs, int nc, int vid, PetscInt nw, Vec v[])
{
  PetscFunctionBeginUser;
  for (PetscInt w = 0; w < nw; w++) {
    PetscReal   *a;
    const size_t start[4] = {(size_t)w, 0, 0, 0}, count[4] = {1, (size_t)bs->ny, (size_t)bs->nx, (size_t)bs->nf};

    PetscCall(HcTestGatherNatural(bs->grid, v[w], &a)); /* natural order: (j, i, field) */
    if (a) BenchCallNC(nc_put_vara_double(nc, vid, start, count, a));
    PetscCall(PetscFree(a));
  }
  PetscFunctionReturn(0);
}

/* F(u0) of every window into f[]: the whole right-hand side (term < 0) or one term. */
static PetscErrorCode BenchWindowRHS(const BenchTrain *b, PetscInt term, Vec f[])
{
  PetscFunctionBeginUser;
  for (PetscInt w = 0; w < b->nwin; w++) {
    if (term < 0)
      PetscCall(HcModelApplyRHS(b->bs->model, 0, b->u0[w], f[w]));
    else {
      HcTerm t;

      PetscCall(HcModelGetTermByIndex(b->bs->model, term, &t));
      PetscCall(HcTermApply(t, 0, b->u0[w], f[w]));
    }
  }
  PetscFunctionReturn(0);
}

/* dir/data.nc for bench/reference.py: u0, target, rhs = F(u0), rhs_<term> (each term's part), grad_u0, all (window, y,
   x, field); grad_<term> per parameter block; the loss, the window's times and steps. */
static PetscErrorCode BenchWriteData(const char dir[], const BenchTrain *b)
{
  const BenchSetup *bs = b->bs;
  PetscInt          nsub;
  Vec               tg[BENCH_MAX_WINDOWS], f[BENCH_MAX_WINDOWS];
  char              path[PETSC_MAX_PATH_LEN];
  int               nc = -1, dims[4], vu0, vtg, vrhs, vgu0, vg[BENCH_MAX_TERMS], vt[BENCH_MAX_TERMS];
  PetscScalar      *g  = NULL;

  PetscFunctionBeginUser;
  PetscCheck(bs->nterms <= BENCH_MAX_TERMS, bs->comm, PETSC_ERR_SUP, "at most %d terms", BENCH_MAX_TERMS);
  PetscCall(HcModelGetTimeStep(bs->model, NULL, &nsub));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/data.nc", dir));
  for (PetscInt w = 0; w < b->nwin; w++) {
    tg[w] = b->mf[w].target;
    PetscCall(VecDuplicate(b->u0[w], &f[w]));
  }
  if (!bs->rank) {
    const double loss   = b->loss;
    const int    nsteps = (int)nsub;

    BenchCallNC(nc_create(path, NC_CLOBBER | NC_64BIT_OFFSET, &nc));
    BenchCallNC(nc_def_dim(nc, "window", (size_t)b->nwin, &dims[0]));
    BenchCallNC(nc_def_dim(nc, "y", (size_t)bs->ny, &dims[1]));
    BenchCallNC(nc_def_dim(nc, "x", (size_t)bs->nx, &dims[2]));
    BenchCallNC(nc_def_dim(nc, "field", (size_t)bs->nf, &dims[3]));
    BenchCallNC(nc_def_var(nc, "u0", NC_DOUBLE, 4, dims, &vu0));
    BenchCallNC(nc_def_var(nc, "target", NC_DOUBLE, 4, dims, &vtg));
    BenchCallNC(nc_def_var(nc, "rhs", NC_DOUBLE, 4, dims, &vrhs));
    BenchCallNC(nc_def_var(nc, "grad_u0", NC_DOUBLE, 4, dims, &vgu0));
    for (PetscInt k = 0; k < bs->nterms; k++) {
      HcTerm      t;
      const char *name;
      char        vname[256], dname[256];
      PetscInt    n;
      int         d;

      PetscCall(HcModelGetTermByIndex(bs->model, k, &t));
      PetscCall(HcTermGetName(t, &name));
      PetscCall(HcTermGetNumParameters(t, &n));
      PetscCall(PetscSNPrintf(vname, sizeof(vname), "rhs_%s", name));
      BenchCallNC(nc_def_var(nc, vname, NC_DOUBLE, 4, dims, &vt[k]));
      PetscCall(PetscSNPrintf(vname, sizeof(vname), "grad_%s", name));
      PetscCall(PetscSNPrintf(dname, sizeof(dname), "n_%s", name));
      BenchCallNC(nc_def_dim(nc, dname, (size_t)PetscMax(n, 1), &d));
      BenchCallNC(nc_def_var(nc, vname, NC_DOUBLE, 1, &d, &vg[k]));
    }
    BenchCallNC(nc_put_att_double(nc, NC_GLOBAL, "loss", NC_DOUBLE, 1, &loss));
    BenchCallNC(nc_put_att_double(nc, NC_GLOBAL, "window_times", NC_DOUBLE, 2, b->times));
    BenchCallNC(nc_put_att_int(nc, NC_GLOBAL, "window_steps", NC_INT, 1, &nsteps));
    BenchCallNC(nc_enddef(nc));
  }
  PetscCall(BenchPutWindows(bs, nc, vu0, b->nwin, (Vec *)b->u0));
  PetscCall(BenchPutWindows(bs, nc, vtg, b->nwin, tg));
  PetscCall(BenchPutWindows(bs, nc, vgu0, b->nwin, (Vec *)b->gu0));
  PetscCall(BenchWindowRHS(b, -1, f));
  PetscCall(BenchPutWindows(bs, nc, vrhs, b->nwin, f));
  for (PetscInt k = 0; k < bs->nterms; k++) {
    PetscCall(BenchWindowRHS(b, k, f));
    PetscCall(BenchPutWindows(bs, nc, vt[k], b->nwin, f));
  }
  PetscCall(VecGetArray(b->gsum, &g)); /* the parameter vector lives on rank 0 */
  if (!bs->rank) {
    for (PetscInt k = 0; k < bs->nterms; k++) {
      HcTerm      t;
      const char *name;
      PetscInt    off, n;

      PetscCall(HcModelGetTermByIndex(bs->model, k, &t));
      PetscCall(HcTermGetName(t, &name));
      PetscCall(HcModelGetParameterBlock(bs->model, name, &off, &n));
      if (n) BenchCallNC(nc_put_var_double(nc, vg[k], g + off));
    }
    BenchCallNC(nc_close(nc));
  }
  PetscCall(VecRestoreArray(b->gsum, &g));
  for (PetscInt w = 0; w < b->nwin; w++) PetscCall(VecDestroy(&f[w]));
  PetscFunctionReturn(0);
}

static PetscErrorCode BenchModeTrain(const BenchSetup *bs, const BenchOptions *o)
{
  BenchTrain b;
  PetscReal  t[BENCH_MAX_REPS], mem, tobs;
  PetscInt   nsub, np;
  char       extra[256];

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&b, sizeof(b)));
  PetscCall(HcModelGetObservationInterval(bs->model, &tobs));
  PetscCall(HcModelGetTimeStep(bs->model, NULL, &nsub));
  PetscCall(HcModelGetNumParameters(bs->model, &np));
  b.bs       = bs;
  b.nwin     = o->nwin;
  b.times[0] = 0;
  b.times[1] = tobs;
  PetscCall(HcModelCreateParameterVector(bs->model, &b.g));
  PetscCall(VecDuplicate(b.g, &b.gsum));
  for (PetscInt w = 0; w < b.nwin; w++) {
    PetscCall(BenchCreateField(bs, 1000 + (unsigned long long)w, &b.u0[w]));
    PetscCall(BenchCreateField(bs, 2000 + (unsigned long long)w, &b.mf[w].target));
    PetscCall(VecDuplicate(b.u0[w], &b.gu0[w]));
    PetscCall(VecDuplicate(b.u0[w], &b.mf[w].diff));
    b.mf[w].scale = 1.0 / ((PetscReal)b.nwin * bs->nx * bs->ny * bs->nf);
  }
  PetscCall(PetscPrintf(bs->comm,
                        "train step: %" PetscInt_FMT " x %" PetscInt_FMT " cells, %" PetscInt_FMT " fields, %" PetscInt_FMT
                        " windows of %" PetscInt_FMT " RK steps, %" PetscInt_FMT " parameters, %d rank(s)\n",
                        bs->nx, bs->ny, bs->nf, b.nwin, nsub, np, (int)bs->size));
  PetscCall(BenchTime(bs->comm, BenchTrainStep, &b, o->warmup, o->reps, t));
  PetscCall(BenchPeakMemory(bs->comm, &mem));
  {
    PetscInt lookups, hits;

    PetscCall(HcModelGetAdjointCacheStats(bs->model, &lookups, &hits));
    PetscCall(PetscPrintf(bs->comm,
                          "adjoint stage cache: %" PetscInt_FMT " of %" PetscInt_FMT
                          " linearisations restored from the forward run's records\n",
                          hits, lookups));
  }
  PetscCall(PetscSNPrintf(extra, sizeof(extra), "n=%" PetscInt_FMT " ranks=%d loss=%.17e peak_bytes=%.6e", bs->nx, (int)bs->size,
                          (double)b.loss, (double)mem));
  PetscCall(BenchReport(bs->comm, "train", o->reps, t, extra));
  if (o->haswrite) {
    char path[PETSC_MAX_PATH_LEN];

    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/model.nc", o->write));
    PetscCall(HcModelWrite(bs->model, path));
    PetscCall(BenchWriteData(o->write, &b));
    PetscCall(PetscPrintf(bs->comm, "wrote %s/model.nc and %s/data.nc\n", o->write, o->write));
  }
  for (PetscInt w = 0; w < b.nwin; w++) {
    PetscCall(VecDestroy(&b.u0[w]));
    PetscCall(VecDestroy(&b.gu0[w]));
    PetscCall(VecDestroy(&b.mf[w].target));
    PetscCall(VecDestroy(&b.mf[w].diff));
  }
  PetscCall(VecDestroy(&b.g));
  PetscCall(VecDestroy(&b.gsum));
  PetscFunctionReturn(0);
}

/* ---- rhs: F(u) and each term; STREAM triad */

typedef struct {
  HcModel  model;
  HcTerm   term; /* NULL: the whole right-hand side */
  Vec      u, f;
  PetscInt batch; /* calls per repetition */
} BenchRHS;

static PetscErrorCode BenchApply(void *ctx)
{
  BenchRHS *r = (BenchRHS *)ctx;

  PetscFunctionBeginUser;
  PetscCheck(r->batch >= 1, PETSC_COMM_SELF, PETSC_ERR_PLIB, "BenchApply: batch %" PetscInt_FMT " (not set)", r->batch);
  for (PetscInt k = 0; k < r->batch; k++) {
    if (r->term)
      PetscCall(HcTermApply(r->term, 0, r->u, r->f));
    else
      PetscCall(HcModelApplyRHS(r->model, 0, r->u, r->f));
  }
  PetscFunctionReturn(0);
}

/* Times F(u) (term NULL) or one term's part with HcTermApply (ghost exchange and the writing of f included); with
   etimes, also the time inside the term's kernel (its log event).  Each repetition is -bench_rhs_batch calls in a row;
   the times are per call. */
static PetscErrorCode BenchTimeRHS(const BenchSetup *bs, HcTerm term, const BenchOptions *o, PetscReal t[], PetscLogEvent event,
                                   PetscReal etimes[])
{
  BenchRHS r;

  PetscFunctionBeginUser;
  r.model = bs->model;
  r.term  = term;
  r.batch = o->batch;
  PetscCall(BenchCreateField(bs, 1000, &r.u));
  PetscCall(VecDuplicate(r.u, &r.f));
  PetscCall(BenchTimeEvent(bs->comm, BenchApply, &r, o->warmup, o->reps, event, t, etimes));
  for (PetscInt k = 0; k < o->reps; k++) {
    t[k] /= o->batch;
    if (etimes) etimes[k] /= o->batch;
  }
  PetscCall(VecDestroy(&r.u));
  PetscCall(VecDestroy(&r.f));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt n;
  double  *a, *b, *c;
} BenchStream;

static PetscErrorCode BenchTriad(void *ctx)
{
  BenchStream *s           = (BenchStream *)ctx;
  double *restrict a       = s->a;
  const double *restrict b = s->b, *restrict c = s->c;
  const double q = 3.0;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < s->n; i++) a[i] = b[i] + q * c[i];
  PetscFunctionReturn(0);
}

/* STREAM triad a = b + q c with n doubles per array on every rank at once; reports the bytes all ranks move (3 arrays,
   STREAM's count) per second. */
static PetscErrorCode BenchStreamTriad(const BenchSetup *bs, PetscInt n, const char key[], const BenchOptions *o)
{
  BenchStream    s;
  const PetscInt reps = PetscMax(o->reps, 10);
  PetscReal      t[BENCH_MAX_REPS];
  char           extra[256];

  PetscFunctionBeginUser;
  s.n = n;
  PetscCall(PetscMalloc3(n, &s.a, n, &s.b, n, &s.c));
  for (PetscInt i = 0; i < n; i++) { /* first touch */
    s.a[i] = 0;
    s.b[i] = 1;
    s.c[i] = 2;
  }
  PetscCall(BenchTime(bs->comm, BenchTriad, &s, PetscMax(o->warmup, 1), reps, t));
  PetscCall(PetscFree3(s.a, s.b, s.c));
  PetscCall(PetscSNPrintf(extra, sizeof(extra), "doubles_per_rank=%" PetscInt_FMT " bandwidth=%.6e", n,
                          (double)(3.0 * sizeof(double) * n * bs->size / BenchMedian(reps, t))));
  PetscCall(BenchReport(bs->comm, key, reps, t, extra));
  PetscFunctionReturn(0);
}

/* The log event of a term type's F (its kernel, without HcTermApply's ghost exchange) */
static PetscErrorCode BenchTermEvent(HcTermType type, PetscLogEvent *event)
{
  const char *const types[] = {HCTERMADVDIFF, HCTERMMLP, HCTERMFNO}, *events[] = {"HcPhysicsApply", "HcMLPApply", "HcFNOApply"};

  PetscFunctionBeginUser;
  *event = -1;
  for (int k = 0; k < 3; k++) {
    PetscBool same;

    PetscCall(PetscStrcmp(type, types[k], &same));
    if (same) PetscCall(PetscLogEventGetId(events[k], event));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode BenchModeRHS(const BenchSetup *bs, const BenchOptions *o)
{
  PetscReal       t[BENCH_MAX_REPS], te[BENCH_MAX_REPS];
  const PetscReal bytes = 2.0 * bs->nx * bs->ny * bs->nf * sizeof(PetscReal); /* u read once and F written once */
  char            extra[256];

  PetscFunctionBeginUser;
  PetscCall(BenchTimeRHS(bs, NULL, o, t, 0, NULL));
  PetscCall(PetscSNPrintf(extra, sizeof(extra), "n=%" PetscInt_FMT " ranks=%d", bs->nx, (int)bs->size));
  PetscCall(BenchReport(bs->comm, "rhs.all", o->reps, t, extra));
  for (PetscInt k = 0; k < bs->nterms; k++) {
    HcTerm        term;
    HcTermType    type;
    const char   *name;
    char          key[256];
    PetscLogEvent event;

    PetscCall(HcModelGetTermByIndex(bs->model, k, &term));
    PetscCall(HcTermGetName(term, &name));
    PetscCall(HcTermGetType(term, &type));
    PetscCall(BenchTermEvent(type, &event));
    PetscCall(BenchTimeRHS(bs, term, o, t, event, event >= 0 ? te : NULL));
    PetscCall(PetscSNPrintf(key, sizeof(key), "rhs.%s", name));
    PetscCall(PetscSNPrintf(extra, sizeof(extra), "n=%" PetscInt_FMT " type=%s bandwidth=%.6e", bs->nx, type,
                            (double)(bytes / BenchMedian(o->reps, t))));
    PetscCall(BenchReport(bs->comm, key, o->reps, t, extra));
    if (event < 0) continue;
    PetscCall(PetscSNPrintf(key, sizeof(key), "rhs.%s.kernel", name));
    PetscCall(PetscSNPrintf(extra, sizeof(extra), "n=%" PetscInt_FMT " type=%s bandwidth=%.6e", bs->nx, type,
                            (double)(bytes / BenchMedian(o->reps, te))));
    PetscCall(BenchReport(bs->comm, key, o->reps, te, extra));
  }
  /* STREAM in DRAM (arrays far larger than the caches) and at the size of this rank's part of u */
  PetscCall(BenchStreamTriad(bs, o->streamn, "stream.dram", o));
  PetscCall(BenchStreamTriad(bs, bs->nx * bs->ny * bs->nf / bs->size, "stream.cache", o));
  PetscFunctionReturn(0);
}

/* ---- fft: the Fourier layer against its bare transforms */

typedef struct {
  fftw_plan     fwd, inv;
  PetscBool     mpi;
  double       *r;
  fftw_complex *c;
} BenchFFTW;

static PetscErrorCode BenchFFTPair(void *ctx)
{
  BenchFFTW *f = (BenchFFTW *)ctx;

  PetscFunctionBeginUser;
  if (f->mpi) {
    fftw_mpi_execute_dft_r2c(f->fwd, f->r, f->c);
    fftw_mpi_execute_dft_c2r(f->inv, f->c, f->r);
  } else {
    fftw_execute(f->fwd);
    fftw_execute(f->inv);
  }
  PetscFunctionReturn(0);
}

/* A forward + inverse pair of W interleaved channels on the NX x NY transform grid, in the layer's layout (FFTW-MPI
   row slabs and transposed spectra on several ranks, serial FFTW on one), planned with FFTW_MEASURE. */
static PetscErrorCode BenchFFTWPlan(const BenchSetup *bs, PetscInt NX, PetscInt NY, PetscInt W, BenchFFTW *f)
{
  const unsigned flags = FFTW_MEASURE | FFTW_DESTROY_INPUT;
  size_t         nr;

  PetscFunctionBeginUser;
  f->mpi = bs->size > 1 ? PETSC_TRUE : PETSC_FALSE;
  if (f->mpi) {
    const ptrdiff_t n[2] = {NY, NX}, nk[2] = {NY, NX / 2 + 1};
    ptrdiff_t       alloc, ln0, l0s, ln1, l1s;

    fftw_mpi_init();
    alloc  = fftw_mpi_local_size_many_transposed(2, nk, W, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, bs->comm, &ln0, &l0s,
                                                 &ln1, &l1s);
    nr     = 2 * (size_t)PetscMax(alloc, 1);
    f->r   = fftw_alloc_real(nr);
    f->c   = fftw_alloc_complex(nr / 2);
    f->fwd = fftw_mpi_plan_many_dft_r2c(2, n, W, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, f->r, f->c, bs->comm,
                                        flags | FFTW_MPI_TRANSPOSED_OUT);
    f->inv = fftw_mpi_plan_many_dft_c2r(2, n, W, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, f->c, f->r, bs->comm,
                                        flags | FFTW_MPI_TRANSPOSED_IN);
  } else {
    const int n[2] = {(int)NY, (int)NX}, nk = (int)NX / 2 + 1, rembed[2] = {n[0], 2 * nk}, cembed[2] = {n[0], nk};

    nr     = (size_t)NY * 2 * nk * W;
    f->r   = fftw_alloc_real(nr);
    f->c   = fftw_alloc_complex(nr / 2);
    f->fwd = fftw_plan_many_dft_r2c(2, n, (int)W, f->r, rembed, (int)W, 1, f->c, cembed, (int)W, 1, flags);
    f->inv = fftw_plan_many_dft_c2r(2, n, (int)W, f->c, cembed, (int)W, 1, f->r, rembed, (int)W, 1, flags);
  }
  PetscCheck(f->fwd && f->inv && f->r && f->c, bs->comm, PETSC_ERR_LIB, "FFTW failed to plan the bare transforms");
  for (size_t k = 0; k < nr; k++) f->r[k] = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode BenchModeFFT(const BenchSetup *bs, const BenchOptions *o)
{
  HcTerm    fno = NULL;
  BenchFFTW f;
  BenchRHS  r;
  PetscInt  NX, NY, W;
  PetscReal t[BENCH_MAX_REPS], tb[BENCH_MAX_REPS];
  char      extra[256];

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < bs->nterms; k++) {
    HcTerm     term;
    HcTermType type;
    PetscBool  isfno;

    PetscCall(HcModelGetTermByIndex(bs->model, k, &term));
    PetscCall(HcTermGetType(term, &type));
    PetscCall(PetscStrcmp(type, HCTERMFNO, &isfno));
    if (isfno) fno = term;
  }
  PetscCheck(fno, bs->comm, PETSC_ERR_ARG_WRONG, "-bench_mode fft needs an fno term (-model_terms ...,fno)");
  PetscCall(HcTermFNOGetTransformSizes(fno, &NX, &NY));
  PetscCall(HcTermFNOGetWidth(fno, &W));
  PetscCall(BenchFFTWPlan(bs, NX, NY, W, &f));
  r.model = bs->model;
  r.term  = fno;
  r.batch = 1;
  PetscCall(BenchCreateField(bs, 1000, &r.u));
  PetscCall(VecDuplicate(r.u, &r.f));
  /* the layer and the bare transforms alternate, one repetition each, so that a burst of load from other processes on
     the shared machine falls on both (timed one after the other, a burst once made the layer's median 10x the
     transforms') */
  for (PetscInt k = 0; k < o->reps; k++) {
    PetscCall(BenchTime(bs->comm, BenchApply, &r, k ? 0 : o->warmup, 1, &t[k]));
    PetscCall(BenchTime(bs->comm, BenchFFTPair, &f, k ? 0 : o->warmup, 1, &tb[k]));
  }
  PetscCall(VecDestroy(&r.u));
  PetscCall(VecDestroy(&r.f));
  PetscCall(PetscSNPrintf(extra, sizeof(extra), "n=%" PetscInt_FMT " ranks=%d", bs->nx, (int)bs->size));
  PetscCall(BenchReport(bs->comm, "fft.layer", o->reps, t, extra));
  PetscCall(PetscSNPrintf(extra, sizeof(extra), "n=%" PetscInt_FMT " channels=%" PetscInt_FMT, bs->nx, W));
  PetscCall(BenchReport(bs->comm, "fft.bare", o->reps, tb, extra));
  fftw_destroy_plan(f.fwd);
  fftw_destroy_plan(f.inv);
  fftw_free(f.r);
  fftw_free(f.c);
  PetscFunctionReturn(0);
}

/* ---- forecast */

typedef struct {
  HcModel   model;
  Vec       u0, u;
  PetscReal times[2];
} BenchForecast;

static PetscErrorCode BenchForecastRun(void *ctx)
{
  BenchForecast *fc = (BenchForecast *)ctx;

  PetscFunctionBeginUser;
  PetscCall(VecCopy(fc->u0, fc->u));
  PetscCall(HcModelSolve(fc->model, 1, fc->times, fc->u, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode BenchModeForecast(const BenchSetup *bs, const BenchOptions *o)
{
  BenchForecast fc;
  PetscInt      nsub;
  PetscReal     t[BENCH_MAX_REPS], dt;
  char          extra[256];

  PetscFunctionBeginUser;
  PetscCall(HcModelGetTimeStep(bs->model, &dt, NULL));
  fc.model    = bs->model;
  fc.times[0] = 0;
  fc.times[1] = o->steps * dt;
  PetscCall(HcModelSetObservationInterval(bs->model, fc.times[1]));
  PetscCall(HcModelGetTimeStep(bs->model, &dt, &nsub));
  PetscCheck(nsub == o->steps, bs->comm, PETSC_ERR_PLIB, "forecast: %" PetscInt_FMT " steps instead of %" PetscInt_FMT, nsub,
             o->steps);
  PetscCall(BenchCreateField(bs, 1000, &fc.u0));
  PetscCall(VecDuplicate(fc.u0, &fc.u));
  PetscCall(BenchTime(bs->comm, BenchForecastRun, &fc, o->warmup, o->reps, t));
  PetscCall(PetscSNPrintf(extra, sizeof(extra), "n=%" PetscInt_FMT " ranks=%d steps=%" PetscInt_FMT " cell_updates_per_s=%.6e",
                          bs->nx, (int)bs->size, o->steps,
                          (double)((PetscReal)bs->nx * bs->ny * o->steps / BenchMedian(o->reps, t))));
  PetscCall(BenchReport(bs->comm, "forecast", o->reps, t, extra));
  PetscCall(VecDestroy(&fc.u0));
  PetscCall(VecDestroy(&fc.u));
  PetscFunctionReturn(0);
}

/* ---- gemm: the MLP's dense layers, hand-written block kernels against BLAS (issue 29: weigh a tuned library) */

/* The same network as the mlp term (widths from -mlp_hidden, 4 features per field in, one output per field) with ReLU
   between the layers: the activation costs next to nothing, so the times are those of the dense layers.  Each rank
   runs its share of the N x N cells, forward (z = W x + b, cached) then adjoint (W^T g and the weight gradient
   g x^T summed over the cells): hycast's kernels on blocks of HC_MLP_BLOCK cells (HcMLPNetForwardBlock_Private /
   HcMLPNetAdjointBlock_Private, at the level HC_KCALL picks), and the same products as dgemm calls on blocks of
   HC_MLP_BLOCK cells and on panels of -bench_gemm_panel cells (the cells contiguous, so each layer is one product). */
typedef struct {
  HcMLPNet   net;
  PetscInt   ncell, panel; /* cells of this rank (a multiple of HC_MLP_BLOCK); cells per dgemm call */
  PetscReal *theta, *x, *cache, *g, *gin, *work, *lanes, *dtheta;
  PetscReal *act[HC_MLP_MAX_HIDDEN + 2], *grow[2]; /* dgemm: each layer's output rows over a panel; two cotangent rows */
} BenchGEMM;

static PetscErrorCode BenchGEMMHycast(void *ctx)
{
  BenchGEMM     *b = (BenchGEMM *)ctx;
  const PetscInt B = HC_MLP_BLOCK, nin = b->net.n[0], nout = b->net.n[b->net.nlayers];

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < b->ncell; q += B) {
    for (PetscInt r = 0; r < nin; r++)
      for (PetscInt p = 0; p < B; p++) b->cache[r * B + p] = b->x[r * b->ncell + q + p];
    PetscCall(HcMLPNetForwardBlock_Private(&b->net, b->theta, b->net.nlayers, b->cache, PETSC_TRUE, b->gin));
    for (PetscInt k = 0; k < nout * B; k++) b->g[k] = b->gin[k]; /* the cotangent: the output itself */
    PetscCall(HcMLPNetAdjointBlock_Private(&b->net, b->theta, b->cache, NULL, b->g, NULL, b->lanes, b->work));
  }
  PetscFunctionReturn(0);
}

/* One layer's forward over m cells in place of the hand kernels: z (nout rows of ld reals) = W x + b, ReLU unless last */
static PetscErrorCode BenchGEMMLayer(const BenchGEMM *b, PetscInt l, PetscInt m, PetscInt ld, const PetscReal *x, PetscReal *z)
{
  const PetscInt nin = b->net.n[l], nout = b->net.n[l + 1];
  PetscBLASInt   M, N, K, LDA, LDB, LDC;
  PetscReal      one = 1;

  PetscFunctionBeginUser;
  for (PetscInt r = 0; r < nout; r++)
    for (PetscInt p = 0; p < m; p++) z[r * ld + p] = b->theta[b->net.boff[l] + r];
  /* column-major: z^T (m x nout) += x^T (m x nin) W^T (nin x nout), W row-major being W^T column-major */
  PetscCall(PetscBLASIntCast(m, &M));
  PetscCall(PetscBLASIntCast(nout, &N));
  PetscCall(PetscBLASIntCast(nin, &K));
  PetscCall(PetscBLASIntCast(ld, &LDA));
  PetscCall(PetscBLASIntCast(nin, &LDB));
  LDC = LDA;
  PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &M, &N, &K, &one, x, &LDA, b->theta + b->net.woff[l], &LDB, &one, z, &LDC));
  if (l < b->net.nlayers - 1)
    for (PetscInt r = 0; r < nout; r++)
      for (PetscInt p = 0; p < m; p++) z[r * ld + p] = z[r * ld + p] > 0 ? z[r * ld + p] : 0;
  PetscFunctionReturn(0);
}

/* Forward then adjoint over m cells starting at cell q, every product a dgemm call */
static PetscErrorCode BenchGEMMBlasCells(BenchGEMM *b, PetscInt q, PetscInt m)
{
  const PetscInt L   = b->net.nlayers;
  PetscReal      one = 1, zero = 0;
  PetscBLASInt   M, N, K, LD, LDW;

  PetscFunctionBeginUser;
  PetscCall(PetscBLASIntCast(m, &LD));
  for (PetscInt r = 0; r < b->net.n[0]; r++)
    for (PetscInt p = 0; p < m; p++) b->act[0][r * m + p] = b->x[r * b->ncell + q + p];
  for (PetscInt l = 0; l < L; l++) PetscCall(BenchGEMMLayer(b, l, m, m, b->act[l], b->act[l + 1]));
  for (PetscInt k = 0; k < b->net.n[L] * m; k++) b->grow[L % 2][k] = b->act[L][k];
  for (PetscInt l = L - 1; l >= 0; l--) {
    const PetscInt nin = b->net.n[l], nout = b->net.n[l + 1];
    PetscReal     *g = b->grow[(l + 1) % 2], *gx = b->grow[l % 2];

    PetscCall(PetscBLASIntCast(nin, &M));
    PetscCall(PetscBLASIntCast(nout, &N));
    PetscCall(PetscBLASIntCast(m, &K));
    LDW = M;
    /* dW^T (nin x nout, column-major) += x (nin x m) g^T (m x nout) */
    PetscCallBLAS("BLASgemm",
                  BLASgemm_("T", "N", &M, &N, &K, &one, b->act[l], &LD, g, &LD, &one, b->dtheta + b->net.woff[l], &LDW));
    for (PetscInt r = 0; r < nout; r++)
      for (PetscInt p = 0; p < m; p++) b->dtheta[b->net.boff[l] + r] += g[r * m + p];
    if (!l) break;
    /* gx^T (m x nin) = g^T (m x nout) W (nout x nin), then times the ReLU's slope */
    PetscCall(PetscBLASIntCast(m, &M));
    PetscCall(PetscBLASIntCast(nin, &N));
    PetscCall(PetscBLASIntCast(nout, &K));
    PetscCallBLAS("BLASgemm", BLASgemm_("N", "T", &M, &N, &K, &one, g, &LD, b->theta + b->net.woff[l], &N, &zero, gx, &LD));
    for (PetscInt k = 0; k < nin * m; k++) gx[k] = b->act[l][k] > 0 ? gx[k] : 0;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode BenchGEMMBlasBlocks(void *ctx)
{
  BenchGEMM *b = (BenchGEMM *)ctx;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < b->ncell; q += HC_MLP_BLOCK) PetscCall(BenchGEMMBlasCells(b, q, HC_MLP_BLOCK));
  PetscFunctionReturn(0);
}

static PetscErrorCode BenchGEMMBlasPanels(void *ctx)
{
  BenchGEMM *b = (BenchGEMM *)ctx;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < b->ncell; q += b->panel) PetscCall(BenchGEMMBlasCells(b, q, PetscMin(b->panel, b->ncell - q)));
  PetscFunctionReturn(0);
}

/* The three compute the same gradient (to round-off: dgemm sums in its own order): a check that the times compare the
   same work */
static PetscErrorCode BenchGEMMCheck(const BenchSetup *bs, BenchGEMM *b)
{
  PetscReal *ref, err = 0, nrm = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(b->net.nparam, &ref));
  PetscCall(PetscArrayzero(b->lanes, b->net.nparam * HC_MLP_LANES));
  PetscCall(BenchGEMMHycast(b));
  PetscCall(HcMLPNetReduceLanes_Private(&b->net, b->lanes, ref));
  for (PetscInt v = 0; v < 2; v++) {
    PetscCall(PetscArrayzero(b->dtheta, b->net.nparam));
    PetscCall(v ? BenchGEMMBlasPanels(b) : BenchGEMMBlasBlocks(b));
    for (PetscInt k = 0; k < b->net.nparam; k++) {
      err = PetscMax(err, PetscAbsReal(b->dtheta[k] - ref[k]));
      nrm = PetscMax(nrm, PetscAbsReal(ref[k]));
    }
  }
  PetscCall(PetscFree(ref));
  PetscCheck(err <= 1e-10 * nrm, bs->comm, PETSC_ERR_PLIB, "gemm: the dgemm gradient differs from the kernels' by %g (max %g)",
             (double)err, (double)nrm);
  PetscFunctionReturn(0);
}

static PetscErrorCode BenchModeGEMM(const BenchSetup *bs, const BenchOptions *o)
{
  BenchGEMM   b;
  PetscInt    nh = HC_MLP_MAX_HIDDEN, hidden[HC_MLP_MAX_HIDDEN] = {32, 32}, maxw, total;
  PetscBool   set;
  PetscReal   t[3][BENCH_MAX_REPS];
  char        extra[256];
  PetscRandom rnd;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&b, sizeof(b)));
  PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-mlp_hidden", hidden, &nh, &set));
  if (!set) nh = 2;
  PetscCall(HcMLPNetSetUp_Private(&b.net, 4 * bs->nf, nh, hidden, bs->nf, HC_ACTIVATION_RELU));
  total   = bs->nx * bs->ny;
  b.ncell = (total / bs->size + HC_MLP_BLOCK - 1) / HC_MLP_BLOCK * HC_MLP_BLOCK; /* this rank's share, whole blocks */
  b.panel = PetscMin(o->panel, b.ncell);
  maxw    = b.net.maxw;
  PetscCall(PetscMalloc5(b.net.nparam, &b.theta, b.net.n[0] * b.ncell, &b.x, b.net.cachesize * HC_MLP_BLOCK, &b.cache,
                         maxw * HC_MLP_BLOCK, &b.g, maxw * HC_MLP_BLOCK, &b.gin));
  PetscCall(PetscMalloc3(2 * maxw * HC_MLP_BLOCK, &b.work, b.net.nparam * HC_MLP_LANES, &b.lanes, b.net.nparam, &b.dtheta));
  for (PetscInt l = 0; l <= b.net.nlayers; l++) PetscCall(PetscMalloc1(b.net.n[l] * b.panel, &b.act[l]));
  PetscCall(PetscMalloc2(maxw * b.panel, &b.grow[0], maxw * b.panel, &b.grow[1]));
  PetscCall(HcMLPNetInitialize_Private(&b.net, 1, 0.3, b.theta));
  PetscCall(PetscRandomCreate(PETSC_COMM_SELF, &rnd));
  PetscCall(PetscRandomSetInterval(rnd, -1, 1));
  for (PetscInt k = 0; k < b.net.n[0] * b.ncell; k++) PetscCall(PetscRandomGetValueReal(rnd, &b.x[k]));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(BenchGEMMCheck(bs, &b));
  /* alternated, one repetition each, so that a burst of load falls on all three */
  for (PetscInt k = 0; k < o->reps; k++) {
    PetscCall(BenchTime(bs->comm, BenchGEMMHycast, &b, k ? 0 : o->warmup, 1, &t[0][k]));
    PetscCall(BenchTime(bs->comm, BenchGEMMBlasBlocks, &b, k ? 0 : o->warmup, 1, &t[1][k]));
    PetscCall(BenchTime(bs->comm, BenchGEMMBlasPanels, &b, k ? 0 : o->warmup, 1, &t[2][k]));
  }
  PetscCall(PetscSNPrintf(extra, sizeof(extra), "n=%" PetscInt_FMT " ranks=%d cells_per_rank=%" PetscInt_FMT, bs->nx,
                          (int)bs->size, b.ncell));
  PetscCall(BenchReport(bs->comm, "gemm.hycast", o->reps, t[0], extra));
  PetscCall(BenchReport(bs->comm, "gemm.blas_blocks", o->reps, t[1], extra));
  PetscCall(
      PetscSNPrintf(extra, sizeof(extra), "n=%" PetscInt_FMT " ranks=%d panel=%" PetscInt_FMT, bs->nx, (int)bs->size, b.panel));
  PetscCall(BenchReport(bs->comm, "gemm.blas_panels", o->reps, t[2], extra));
  for (PetscInt l = 0; l <= b.net.nlayers; l++) PetscCall(PetscFree(b.act[l]));
  PetscCall(PetscFree2(b.grow[0], b.grow[1]));
  PetscCall(PetscFree5(b.theta, b.x, b.cache, b.g, b.gin));
  PetscCall(PetscFree3(b.work, b.lanes, b.dtheta));
  PetscCall(HcMLPNetDestroy_Private(&b.net));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  BenchSetup   bs;
  BenchOptions o;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscLogDefaultBegin()); /* the kernels' times come from their log events */
  bs.comm = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_size(bs.comm, &bs.size));
  PetscCallMPI(MPI_Comm_rank(bs.comm, &bs.rank));
  PetscCall(BenchGetOptions(bs.comm, &o));
  /* the level the MLP's and the Fourier layer's kernels run at (kernelimpl.h): the CPU's, HYCAST_ISA's, or the build's */
  PetscCall(PetscPrintf(bs.comm, "RESULT kernels median=0 reps=0 level=%s multi=%d\n",
                        HcKernelLevelName_Private(HcKernelLevel_Private()), HC_MULTI));
  PetscCall(HcGridCreate(bs.comm, &bs.grid));
  PetscCall(HcGridSetFromOptions(bs.grid));
  PetscCall(HcGridSetUp(bs.grid));
  PetscCall(HcGridGetSizes(bs.grid, &bs.nx, &bs.ny));
  PetscCall(HcGridGetNumFields(bs.grid, &bs.nf));
  PetscCall(HcModelCreate(bs.grid, &bs.model));
  PetscCall(HcModelSetFromOptions(bs.model));
  PetscCall(HcModelSetUp(bs.model));
  PetscCall(HcModelGetNumTerms(bs.model, &bs.nterms));
  switch (o.mode) {
    case BENCH_RHS: PetscCall(BenchModeRHS(&bs, &o)); break;
    case BENCH_TRAIN: PetscCall(BenchModeTrain(&bs, &o)); break;
    case BENCH_FFT: PetscCall(BenchModeFFT(&bs, &o)); break;
    case BENCH_FORECAST: PetscCall(BenchModeForecast(&bs, &o)); break;
    case BENCH_GEMM: PetscCall(BenchModeGEMM(&bs, &o)); break;
  }
  PetscCall(HcModelDestroy(&bs.model));
  PetscCall(HcGridDestroy(&bs.grid));
  PetscCall(PetscFinalize());
  return 0;
}
