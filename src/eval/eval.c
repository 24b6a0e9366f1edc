/* HcEval: forecast skill against a truth, with the baselines climate scientists compare against (hycast evaluate).

   The truth is every state of a NetCDF file (an HcReader with its -data_* selections).  Each table (a model's hindcasts,
   forecast files, and the baselines persistence, climatology, anomaly persistence and damped persistence of the anomaly)
   sums, per lead and field, over the scored cells (every active cell, or those with centres in a box), area-weighted:
   the error, its square and absolute value, the anomaly products (anomalies from the climatology: the mean of a range
   of truth states, by calendar month when the data is monthly) and, for ensembles, the CRPS and the members' variance.
   The statistics come from those sums, so that every table scores the same initial times at each lead.  On request
   (HcEvalSetPerInit()) the squared error is also kept per initial time, lead and field, for a resampling of the initial
   times (a bootstrap interval of the difference of two tables' MSE: postproc/rolling_origin.py). */
#define _POSIX_C_SOURCE 200809L /* getpid */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <hycast/private/sysimpl.h>
#include <hycast/private/ioimpl.h>

#define HC_EVAL_MAXFIELDS 16
#define HC_EVAL_MAXTABLES (HC_EVAL_MAX_MODELS + 4) /* the models and the four baselines */

#define HC_EVAL_NSUMS 9
typedef struct {
  PetscReal sa, se, se2, sfa2, sya2, sfaya; /* sums of area, error, error^2, anomaly products */
  PetscReal scrps;                          /* CRPS (of a single forecast: the absolute error) */
  PetscReal svar, svarc; /* ensembles: the members' unbiased variance, and times (m + 1) / m (HcEvalAccumulate_Private) */
} HcSkill;

typedef struct {
  char       label[64];
  PetscBool  baseline; /* persistence, climatology, ...: listed after the forecasts they are the baselines of */
  PetscBool  ensemble; /* scored as ensembles: spread and spread/skill are defined */
  HcSkill   *s;        /* [lead][field] */
  PetscInt  *n;        /* [lead]: forecasts scored at that lead (fewer at long leads when the truth or a forecast ends) */
  PetscReal *pe;       /* HcEvalSetPerInit(): [init][lead][field][2], area and area * error^2 per initial (truth) state */
} HcSkillTable;

struct _p_HcEval {
  MPI_Comm  comm;
  char      file[PETSC_MAX_PATH_LEN];
  PetscBool hasbox, setupcalled;
  PetscReal box[4];

  /* the truth */
  HcReader   reader;
  HcGrid     grid;
  Vec        area;
  PetscInt   nc, nt;
  PetscReal *t;
  Vec       *y;
  PetscInt  *month; /* calendar month of every truth time (0-11) */
  PetscBool  monthly;
  Vec        scored; /* 1 on the active cells that are scored (all, or those in the box), else 0 */
  PetscInt   nscored;

  /* the climatology: requested truth states [creq0, creq1) (creq0 < 0: those before the first initial time), the ones
     used, and one (not monthly) or twelve fields */
  PetscInt  creq0, creq1, clim0, clim1;
  PetscBool climset;
  Vec       clim[12];

  /* damped persistence of the anomaly: a[lead * nc + c], fitted on the climatology's states outside [s0, s1] (the
     states from the first initial time to the last scored) */
  PetscBool  damped, dampedask; /* scored; asked for (a climatology too short to fit it is then an error) */
  char       dampwhy[512];      /* why not, when it could not be fitted and was not asked for */
  PetscReal *damp;
  PetscInt   s0, s1, nfit;

  /* hindcasts from the truth states [k0, k1], maxlead leads */
  PetscInt k0, k1, maxlead, ninit;
  Vec      u, *states, *work;

  PetscInt  base[4]; /* the baselines' tables: persistence, climatology, anomaly and damped persistence */
  PetscBool perinit; /* keep each table's squared error per initial time too */

  PetscInt     ntab;
  HcSkillTable tab[HC_EVAL_MAXTABLES];
};

PetscErrorCode HcEvalCreate(MPI_Comm comm, HcEval *ev)
{
  HcEval e;

  PetscFunctionBegin;
  PetscCall(HcInitializePackage());
  PetscCall(PetscNew(&e));
  e->comm   = comm;
  e->creq0  = -1;
  e->damped = PETSC_TRUE;
  *ev       = e;
  PetscFunctionReturn(0);
}

/*@C
  HcEvalSetTruthFile - the NetCDF file of the truth (read with the -data_* options; "" or never set: -data_file).
@*/
PetscErrorCode HcEvalSetTruthFile(HcEval ev, const char file[])
{
  PetscFunctionBegin;
  PetscCheck(!ev->setupcalled, ev->comm, PETSC_ERR_ORDER, "HcEval: set the truth before HcEvalSetUp()");
  PetscCall(PetscStrncpy(ev->file, file ? file : "", sizeof(ev->file)));
  PetscFunctionReturn(0);
}

/*@C
  HcEvalSetBox - score only the active cells whose centres lie in box = x0,x1,y0,y1 (lon0,lon1,lat0,lat1; on lat-lon
  grids x1 < x0 is a box across 0 E); NULL: every active cell (the default).
@*/
PetscErrorCode HcEvalSetBox(HcEval ev, const PetscReal box[])
{
  PetscFunctionBegin;
  PetscCheck(!ev->setupcalled, ev->comm, PETSC_ERR_ORDER, "HcEval: set the box before HcEvalSetUp()");
  ev->hasbox = box ? PETSC_TRUE : PETSC_FALSE;
  if (box) PetscCall(PetscArraycpy(ev->box, box, 4));
  PetscFunctionReturn(0);
}

/*@C
  HcEvalSetClimatology - the climatology is the mean of the truth states [k0, k1) (by calendar month for monthly data);
  k0 < 0 (the default): of those before the first initial time.
@*/
PetscErrorCode HcEvalSetClimatology(HcEval ev, PetscInt k0, PetscInt k1)
{
  PetscFunctionBegin;
  PetscCheck(!ev->climset, ev->comm, PETSC_ERR_ORDER, "HcEval: the climatology is already made");
  ev->creq0 = k0;
  ev->creq1 = k1;
  PetscFunctionReturn(0);
}

/*@C
  HcEvalSetDampedPersistence - whether to score damped persistence of the anomaly, whose coefficients are fitted on the
  climatology period.  Asked for (PETSC_TRUE), a climatology too short to fit them is an error; off, they are not fitted.
  By default they are scored when they can be fitted (HcEvalGetDampedPersistenceFitted() says why not otherwise).
@*/
PetscErrorCode HcEvalSetDampedPersistence(HcEval ev, PetscBool flg)
{
  PetscFunctionBegin;
  PetscCheck(!ev->ntab, ev->comm, PETSC_ERR_ORDER, "HcEval: choose the baselines before scoring");
  ev->damped    = (PetscBool) !!flg;
  ev->dampedask = ev->damped;
  PetscFunctionReturn(0);
}

/*@C
  HcEvalSetPerInit - also keep, per initial time, lead and field, every table's area-weighted squared error over the
  scored cells (HcEvalGetPerInit(), HcEvalWritePerInitCSV()): the mean over the initial times of its MSE is the square of
  the RMSE of the tables.  Off by default.
@*/
PetscErrorCode HcEvalSetPerInit(HcEval ev, PetscBool flg)
{
  PetscFunctionBegin;
  PetscCheck(!ev->ntab, ev->comm, PETSC_ERR_ORDER, "HcEval: ask for the errors per initial time before scoring");
  ev->perinit = (PetscBool) !!flg;
  PetscFunctionReturn(0);
}

/*@C
  HcEvalGetDampedPersistenceFitted - whether damped persistence is scored (after HcEvalSetHindcasts()) and, when it is not
  although it was not turned off, why: its climatology period was too short (why may be NULL; "" otherwise).
@*/
PetscErrorCode HcEvalGetDampedPersistenceFitted(HcEval ev, PetscBool *fitted, const char **why)
{
  PetscFunctionBegin;
  PetscCheck(ev->damp, ev->comm, PETSC_ERR_ORDER, "HcEval: call HcEvalSetHindcasts() first");
  if (fitted) *fitted = ev->damped;
  if (why) *why = ev->dampwhy;
  PetscFunctionReturn(0);
}

/* The calendar month (0-11) of a model time, through the reader's date formatting. */
static PetscErrorCode HcEvalMonth_Private(HcReader r, PetscReal t, PetscInt *m)
{
  char date[64];
  int  y = 0, mo = 1;

  PetscFunctionBegin;
  PetscCall(HcReaderFormatTime(r, t, date, sizeof(date)));
  if (sscanf(date, "%d-%d", &y, &mo) != 2) mo = 1;
  *m = (PetscInt)(mo - 1);
  PetscFunctionReturn(0);
}

/* Is longitude x in [x0, x1], also when the box or the grid's longitudes are given in another 360-degree turn? */
static PetscBool HcEvalInLongitude_Private(PetscReal x, PetscReal x0, PetscReal x1)
{
  const PetscReal tol = 1e-9 * PetscMax(1, PetscAbsReal(x));

  x -= 360 * PetscFloorReal((x - x0 + tol) / 360); /* into [x0, x0 + 360) */
  return (PetscBool)(x <= x1 + tol);
}

/* The scored cells: every active cell, or those whose centre lies in the box (for a score over a region of a larger
   domain, e.g. a model trained on an ocean basin scored on one box of it). */
static PetscErrorCode HcEvalSetScored_Private(HcEval ev)
{
  MPI_Comm         comm = ev->comm;
  const PetscReal *box  = ev->hasbox ? ev->box : NULL;
  Vec              mask;
  PetscScalar    **sc;
  const PetscReal *xc, *yc;
  HcGridType       type;
  PetscInt         xs, ys, xm, ym, n;
  PetscReal        x1, sum;

  PetscFunctionBegin;
  PetscCall(HcGridGetMask(ev->grid, &mask));
  PetscCall(VecDuplicate(mask, &ev->scored));
  PetscCall(VecCopy(mask, ev->scored));
  if (box) {
    DM da1;

    PetscCall(HcGridGetScalarDM(ev->grid, &da1));
    PetscCall(HcGridGetType(ev->grid, &type));
    /* as -data_box: on lat-lon grids lon1 < lon0 is a box across 0 E (or 180 E) */
    PetscCheck(type == HC_GRID_LATLON || box[0] <= box[1], comm, PETSC_ERR_ARG_WRONG, "-evaluate_box: x0 %g is above x1 %g",
               (double)box[0], (double)box[1]);
    x1 = box[1] < box[0] ? box[1] + 360 : box[1];
    PetscCall(HcGridGetCoordinates(ev->grid, &xc, &yc));
    PetscCall(HcGridGetOwnership(ev->grid, &xs, &ys, &xm, &ym));
    PetscCall(DMDAVecGetArray(da1, ev->scored, &sc));
    for (PetscInt j = ys; j < ys + ym; j++)
      for (PetscInt i = xs; i < xs + xm; i++) {
        const PetscBool inx = type == HC_GRID_LATLON ? HcEvalInLongitude_Private(xc[i], box[0], x1)
                                                     : (PetscBool)(xc[i] >= box[0] && xc[i] <= box[1]);

        if (!inx || yc[j] < box[2] || yc[j] > box[3]) sc[j][i] = 0;
      }
    PetscCall(DMDAVecRestoreArray(da1, ev->scored, &sc));
  }
  PetscCall(VecSum(ev->scored, &sum));
  ev->nscored = n = (PetscInt)PetscRealPart(sum);
  PetscCheck(n > 0 || !box, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-evaluate_box %g,%g,%g,%g: no active cell of the truth's grid has its centre in the box", (double)box[0],
             (double)box[1], (double)box[2], (double)box[3]);
  PetscCheck(n > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "hycast evaluate: the truth has no active cell");
  PetscFunctionReturn(0);
}

/*@C
  HcEvalSetUp - read the truth: every state of the selected environment, its times and calendar months; the scored cells.
@*/
PetscErrorCode HcEvalSetUp(HcEval ev)
{
  const PetscReal *t;

  PetscFunctionBegin;
  if (ev->setupcalled) PetscFunctionReturn(0);
  PetscCall(HcReaderCreate(ev->comm, &ev->reader));
  PetscCall(HcReaderSetFromOptions(ev->reader));
  if (ev->file[0]) PetscCall(HcReaderSetFile(ev->reader, ev->file));
  PetscCall(HcReaderSetUp(ev->reader));
  PetscCall(HcReaderGetGrid(ev->reader, &ev->grid));
  PetscCall(HcGridGetNumFields(ev->grid, &ev->nc));
  PetscCheck(ev->nc <= HC_EVAL_MAXFIELDS, ev->comm, PETSC_ERR_SUP, "hycast evaluate: at most %d fields", HC_EVAL_MAXFIELDS);
  PetscCall(HcGridCreateAreaVector(ev->grid, &ev->area));
  PetscCall(HcEvalSetScored_Private(ev));
  PetscCall(HcReaderGetTimes(ev->reader, &ev->nt, &t));
  PetscCall(PetscMalloc2(ev->nt, &ev->t, ev->nt, &ev->month));
  PetscCall(PetscArraycpy(ev->t, t, ev->nt));
  {
    Vec proto;

    PetscCall(HcGridCreateGlobalVector(ev->grid, &proto));
    PetscCall(VecDuplicateVecs(proto, ev->nt, &ev->y));
    PetscCall(VecDestroy(&proto));
  }
  for (PetscInt k = 0; k < ev->nt; k++) {
    PetscCall(HcReaderRead(ev->reader, k, ev->y[k]));
    PetscCall(HcEvalMonth_Private(ev->reader, ev->t[k], &ev->month[k]));
  }
  /* monthly when consecutive states are 27 to 32 days apart */
  ev->monthly = ev->nt > 1 ? PETSC_TRUE : PETSC_FALSE;
  for (PetscInt k = 1; k < ev->nt; k++) {
    const PetscReal days = (ev->t[k] - ev->t[k - 1]) / 86400;
    if (days < 27 || days > 32) ev->monthly = PETSC_FALSE;
  }
  ev->setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcEvalCheckSetUp_Private(HcEval ev)
{
  PetscFunctionBegin;
  PetscCheck(ev->setupcalled, ev->comm, PETSC_ERR_ORDER, "HcEval: call HcEvalSetUp() first");
  PetscFunctionReturn(0);
}

/*@C
  HcEvalGetTruth - the truth's reader (its grid, dates, environment), its times and states (nt of them); any may be NULL.
@*/
PetscErrorCode HcEvalGetTruth(HcEval ev, HcReader *reader, PetscInt *nt, const PetscReal *t[], const Vec *y[])
{
  PetscFunctionBegin;
  PetscCall(HcEvalCheckSetUp_Private(ev));
  if (reader) *reader = ev->reader;
  if (nt) *nt = ev->nt;
  if (t) *t = ev->t;
  if (y) *y = ev->y;
  PetscFunctionReturn(0);
}

/*@C
  HcEvalGetNumScoredCells - the number of active cells scored (every active cell, or those in the box).
@*/
PetscErrorCode HcEvalGetNumScoredCells(HcEval ev, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCall(HcEvalCheckSetUp_Private(ev));
  *n = ev->nscored;
  PetscFunctionReturn(0);
}

/* The truth index of a date: the first state at or after it (nt if none: where a range starts), or with last the last
   state at or before it (-1 if none: where a range ends, so that the range holds no state after its end date). */
static PetscErrorCode HcEvalIndex_Private(HcEval ev, const char date[], PetscBool last, PetscInt *k)
{
  PetscReal t, tol;

  PetscFunctionBegin;
  PetscCall(HcReaderParseDate(ev->reader, date, &t));
  tol = 1e-6 * PetscMax(PetscAbsReal(t), 1);
  if (last)
    for (*k = ev->nt - 1; *k >= 0 && ev->t[*k] > t + tol; (*k)--) {}
  else
    for (*k = 0; *k < ev->nt && ev->t[*k] < t - tol; (*k)++) {}
  PetscFunctionReturn(0);
}

/*@C
  HcEvalGetDateRange - the truth states [k0, k1] from the date dates[0] to dates[1] (YYYY-MM-DD...): from the first state
  at or after the one to the last at or before the other; at least one, else an error that names opt (the option that
  gave the dates).
@*/
PetscErrorCode HcEvalGetDateRange(HcEval ev, const char opt[], const char *const dates[], PetscInt *k0, PetscInt *k1)
{
  MPI_Comm  comm = ev->comm;
  PetscReal t0, t1;
  char      d0[64], d1[64];

  PetscFunctionBegin;
  PetscCall(HcEvalCheckSetUp_Private(ev));
  PetscCall(HcReaderParseDate(ev->reader, dates[0], &t0));
  PetscCall(HcReaderParseDate(ev->reader, dates[1], &t1));
  PetscCheck(t0 <= t1, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s %s,%s: the first date is after the last", opt, dates[0], dates[1]);
  PetscCall(HcEvalIndex_Private(ev, dates[0], PETSC_FALSE, k0));
  PetscCall(HcEvalIndex_Private(ev, dates[1], PETSC_TRUE, k1));
  PetscCall(HcReaderFormatTime(ev->reader, ev->t[0], d0, sizeof(d0)));
  PetscCall(HcReaderFormatTime(ev->reader, ev->t[ev->nt - 1], d1, sizeof(d1)));
  PetscCheck(*k0 <= *k1, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s %s,%s: no truth state lies between these dates (the truth's %" PetscInt_FMT " states run from %s to %s)", opt,
             dates[0], dates[1], ev->nt, d0, d1);
  PetscFunctionReturn(0);
}

/* The climatology from the truth states requested, or [0, first) (first: the first initial time). */
static PetscErrorCode HcEvalMakeClimatology_Private(HcEval ev, PetscInt first)
{
  MPI_Comm       comm = ev->comm;
  const PetscInt k0 = ev->creq0 >= 0 ? ev->creq0 : 0, k1 = ev->creq0 >= 0 ? ev->creq1 : first;
  PetscInt       cnt[12] = {0};
  char           d0[64], d1[64];

  PetscFunctionBegin;
  PetscCheck(!ev->climset, comm, PETSC_ERR_ORDER, "HcEval: the climatology is already made");
  PetscCheck(k1 > k0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "no truth before the first initial time to make the climatology from (give -evaluate_climatology_dates)");
  PetscCall(HcReaderFormatTime(ev->reader, ev->t[k0], d0, sizeof(d0)));
  PetscCall(HcReaderFormatTime(ev->reader, ev->t[k1 - 1], d1, sizeof(d1)));
  for (PetscInt m = 0; m < 12; m++) {
    PetscCall(VecDuplicate(ev->y[0], &ev->clim[m]));
    PetscCall(VecSet(ev->clim[m], 0));
  }
  for (PetscInt k = k0; k < k1; k++) {
    const PetscInt m = ev->monthly ? ev->month[k] : 0;

    PetscCall(VecAXPY(ev->clim[m], 1, ev->y[k]));
    cnt[m]++;
  }
  for (PetscInt m = 0; m < (ev->monthly ? 12 : 1); m++) {
    PetscCheck(cnt[m] > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "the climatology period (%s .. %s) has no data for calendar month %" PetscInt_FMT, d0, d1, m + 1);
    PetscCall(VecScale(ev->clim[m], 1.0 / cnt[m]));
  }
  ev->clim0   = k0;
  ev->clim1   = k1;
  ev->climset = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  HcEvalGetClimatology - the truth states [k0, k1) the climatology was made from (by HcEvalSetHindcasts() or
  HcEvalAddForecastFiles()), and whether by calendar month.
@*/
PetscErrorCode HcEvalGetClimatology(HcEval ev, PetscInt *k0, PetscInt *k1, PetscBool *monthly)
{
  PetscFunctionBegin;
  PetscCheck(ev->climset, ev->comm, PETSC_ERR_ORDER, "HcEval: no climatology made yet");
  if (k0) *k0 = ev->clim0;
  if (k1) *k1 = ev->clim1;
  if (monthly) *monthly = ev->monthly;
  PetscFunctionReturn(0);
}

static Vec HcEvalClimAt_Private(HcEval ev, PetscInt k)
{
  return ev->clim[ev->monthly ? ev->month[k] : 0];
}

static PetscErrorCode HcEvalAddTable_Private(HcEval ev, const char label[], PetscBool baseline, PetscInt *id)
{
  HcSkillTable *t;

  PetscFunctionBegin;
  PetscCheck(ev->ntab < HC_EVAL_MAXTABLES, ev->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcEval: at most %d models", HC_EVAL_MAX_MODELS);
  t = &ev->tab[ev->ntab];
  PetscCall(PetscStrncpy(t->label, label, sizeof(t->label)));
  t->baseline = baseline;
  PetscCall(PetscCalloc2((ev->maxlead + 1) * ev->nc, &t->s, ev->maxlead + 1, &t->n));
  if (ev->perinit) PetscCall(PetscCalloc1(2 * ev->nt * (ev->maxlead + 1) * ev->nc, &t->pe));
  *id = ev->ntab++;
  PetscFunctionReturn(0);
}

/* Add the comparison of forecast f from the truth state k0 with the truth at index k (lead l) to the skill sums of a
   table; an ensemble (nm >= 2 members X, f their mean) adds its CRPS and spread, a single forecast (nm = 0) its absolute
   error as its CRPS. */
static PetscErrorCode HcEvalAccumulate_Private(HcEval ev, PetscInt id, PetscInt lead, Vec f, PetscInt nm, const Vec X[],
                                               PetscInt k0, PetscInt k)
{
  HcSkillTable        *tab = &ev->tab[id];
  DM                   da, da1;
  const PetscScalar ***F, ***Y, ***C, **mk, **A, ****XA = NULL;
  PetscInt             xs, ys, xm, ym;
  PetscReal            loc[HC_EVAL_MAXFIELDS][HC_EVAL_NSUMS];

  PetscFunctionBegin;
  PetscAssert(nm == 0 || nm >= 2, ev->comm, PETSC_ERR_PLIB, "HcEval: an ensemble of %" PetscInt_FMT " member(s)", nm);
  PetscCall(HcGridGetDM(ev->grid, &da));
  PetscCall(HcGridGetScalarDM(ev->grid, &da1));
  PetscCall(HcGridGetOwnership(ev->grid, &xs, &ys, &xm, &ym));
  PetscCall(PetscMemzero(loc, sizeof(loc)));
  PetscCall(DMDAVecGetArrayDOFRead(da, f, &F));
  PetscCall(DMDAVecGetArrayDOFRead(da, ev->y[k], &Y));
  PetscCall(DMDAVecGetArrayDOFRead(da, HcEvalClimAt_Private(ev, k), &C));
  PetscCall(DMDAVecGetArrayRead(da1, ev->scored, &mk));
  PetscCall(DMDAVecGetArrayRead(da1, ev->area, &A));
  if (nm) PetscCall(PetscMalloc1(nm, &XA));
  for (PetscInt i = 0; i < nm; i++) PetscCall(DMDAVecGetArrayDOFRead(da, X[i], &XA[i]));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      if (mk[j][i] == 0) continue;
      for (PetscInt c = 0; c < ev->nc; c++) {
        const PetscReal a = PetscRealPart(A[j][i]), e = PetscRealPart(F[j][i][c] - Y[j][i][c]);
        const PetscReal fa = PetscRealPart(F[j][i][c] - C[j][i][c]), ya = PetscRealPart(Y[j][i][c] - C[j][i][c]);
        PetscReal       crps = PetscAbsReal(e), var = 0;

        if (nm) { /* the ensemble estimator: mean |X_i - y| - 1/(2 m^2) sum_ij |X_i - X_j| */
          PetscReal d1 = 0, d2 = 0;

          for (PetscInt p = 0; p < nm; p++) {
            const PetscReal xp = PetscRealPart(XA[p][j][i][c]);

            d1 += PetscAbsReal(xp - PetscRealPart(Y[j][i][c]));
            var += PetscSqr(xp - PetscRealPart(F[j][i][c]));
            for (PetscInt q = p + 1; q < nm; q++) d2 += 2 * PetscAbsReal(xp - PetscRealPart(XA[q][j][i][c]));
          }
          crps = d1 / nm - d2 / (2.0 * nm * nm);
          var /= nm - 1;
        }
        loc[c][0] += a;
        loc[c][1] += a * e;
        loc[c][2] += a * e * e;
        loc[c][3] += a * fa * fa;
        loc[c][4] += a * ya * ya;
        loc[c][5] += a * fa * ya;
        loc[c][6] += a * crps;
        loc[c][7] += a * var;
        /* with m members and the truth drawn from one distribution of variance s^2, the ensemble mean's error has variance
           s^2 (1 + 1/m), and var estimates s^2 without bias (the m/(m-1) above): spread/skill is 1 for a consistent
           ensemble when the spread carries the factor (m + 1)/m (Fortin et al. 2014, Mon. Wea. Rev. 142) */
        loc[c][8] += a * var * (nm + 1) / PetscMax(nm, 1);
      }
    }
  for (PetscInt i = 0; i < nm; i++) PetscCall(DMDAVecRestoreArrayDOFRead(da, X[i], &XA[i]));
  PetscCall(PetscFree(XA));
  PetscCall(DMDAVecRestoreArrayRead(da1, ev->area, &A));
  PetscCall(DMDAVecRestoreArrayRead(da1, ev->scored, &mk));
  PetscCall(DMDAVecRestoreArrayDOFRead(da, HcEvalClimAt_Private(ev, k), &C));
  PetscCall(DMDAVecRestoreArrayDOFRead(da, ev->y[k], &Y));
  PetscCall(DMDAVecRestoreArrayDOFRead(da, f, &F));
  PetscCallMPI(
      MPI_Allreduce(MPI_IN_PLACE, loc, HC_EVAL_NSUMS * HC_EVAL_MAXFIELDS, MPIU_REAL, MPI_SUM, PetscObjectComm((PetscObject)f)));
  tab->n[lead]++;
  if (nm) tab->ensemble = PETSC_TRUE;
  for (PetscInt c = 0; c < ev->nc; c++) {
    HcSkill *q = &tab->s[lead * ev->nc + c];

    q->sa += loc[c][0];
    q->se += loc[c][1];
    q->se2 += loc[c][2];
    q->sfa2 += loc[c][3];
    q->sya2 += loc[c][4];
    q->sfaya += loc[c][5];
    q->scrps += loc[c][6];
    q->svar += loc[c][7];
    q->svarc += loc[c][8];
    if (tab->pe) {
      PetscReal *p = &tab->pe[2 * ((k0 * (ev->maxlead + 1) + lead) * ev->nc + c)];

      p[0] += loc[c][0];
      p[1] += loc[c][2];
    }
  }
  PetscFunctionReturn(0);
}

/* Area-weighted sums over the scored cells, per field, of x * y and x * x. */
static PetscErrorCode HcEvalFieldProducts_Private(HcEval ev, Vec x, Vec y, PetscReal xy[], PetscReal xx[])
{
  DM                   da, da1;
  const PetscScalar ***X, ***Y, **mk, **A;
  PetscInt             xs, ys, xm, ym;
  PetscReal            loc[2][HC_EVAL_MAXFIELDS];

  PetscFunctionBegin;
  PetscCall(HcGridGetDM(ev->grid, &da));
  PetscCall(HcGridGetScalarDM(ev->grid, &da1));
  PetscCall(HcGridGetOwnership(ev->grid, &xs, &ys, &xm, &ym));
  PetscCall(PetscMemzero(loc, sizeof(loc)));
  PetscCall(DMDAVecGetArrayDOFRead(da, x, &X));
  PetscCall(DMDAVecGetArrayDOFRead(da, y, &Y));
  PetscCall(DMDAVecGetArrayRead(da1, ev->scored, &mk));
  PetscCall(DMDAVecGetArrayRead(da1, ev->area, &A));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++)
      if (mk[j][i] != 0)
        for (PetscInt c = 0; c < ev->nc; c++) {
          loc[0][c] += PetscRealPart(A[j][i] * X[j][i][c] * Y[j][i][c]);
          loc[1][c] += PetscRealPart(A[j][i] * X[j][i][c] * X[j][i][c]);
        }
  PetscCall(DMDAVecRestoreArrayRead(da1, ev->area, &A));
  PetscCall(DMDAVecRestoreArrayRead(da1, ev->scored, &mk));
  PetscCall(DMDAVecRestoreArrayDOFRead(da, y, &Y));
  PetscCall(DMDAVecRestoreArrayDOFRead(da, x, &X));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, loc, 2 * HC_EVAL_MAXFIELDS, MPIU_REAL, MPI_SUM, ev->comm));
  for (PetscInt c = 0; c < ev->nc; c++) {
    xy[c] += loc[0][c];
    xx[c] += loc[1][c];
  }
  PetscFunctionReturn(0);
}

/* The anomaly of truth state k: its departure from the climatology of its calendar month. */
static PetscErrorCode HcEvalAnomaly_Private(HcEval ev, PetscInt k, Vec a)
{
  PetscFunctionBegin;
  PetscCall(VecWAXPY(a, -1, HcEvalClimAt_Private(ev, k), ev->y[k]));
  PetscFunctionReturn(0);
}

/* Damped persistence of the anomaly, a(t + L) = a_L,c a(t): per lead L and field c the least-squares a_L,c over the pairs
   of the climatology's states L apart, area-weighted over the scored cells as the scores are (so that it minimises the
   MSE the tables report on that period).  The states from the first initial time to the last scored, [s0, s1], are left
   out: the baseline must not see what it is scored on, even when -evaluate_climatology_dates overlaps that period. */
static PetscErrorCode HcEvalFitDamping_Private(HcEval ev, PetscInt s0, PetscInt s1)
{
  MPI_Comm  comm = ev->comm;
  PetscReal xy[HC_EVAL_MAXFIELDS], xx[HC_EVAL_MAXFIELDS], yy[HC_EVAL_MAXFIELDS];
  char      d0[64], d1[64];

  PetscFunctionBegin;
  ev->s0   = s0;
  ev->s1   = s1;
  ev->nfit = 0;
  for (PetscInt k = ev->clim0; k < ev->clim1; k++) ev->nfit += k < s0 || k > s1;
  PetscCall(PetscCalloc1((ev->maxlead + 1) * ev->nc, &ev->damp));
  if (!ev->damped) PetscFunctionReturn(0);
  PetscCall(HcReaderFormatTime(ev->reader, ev->t[ev->clim0], d0, sizeof(d0)));
  PetscCall(HcReaderFormatTime(ev->reader, ev->t[ev->clim1 - 1], d1, sizeof(d1)));
  for (PetscInt l = 1; l <= ev->maxlead; l++) {
    PetscInt npair = 0;

    PetscCall(PetscArrayzero(xy, HC_EVAL_MAXFIELDS));
    PetscCall(PetscArrayzero(xx, HC_EVAL_MAXFIELDS));
    PetscCall(PetscArrayzero(yy, HC_EVAL_MAXFIELDS));
    for (PetscInt k = ev->clim0; k + l < ev->clim1; k++) {
      PetscReal unused[HC_EVAL_MAXFIELDS] = {0};

      if ((k >= s0 && k <= s1) || (k + l >= s0 && k + l <= s1)) continue;
      PetscCall(HcEvalAnomaly_Private(ev, k, ev->work[0]));
      PetscCall(HcEvalAnomaly_Private(ev, k + l, ev->work[1]));
      PetscCall(HcEvalFieldProducts_Private(ev, ev->work[0], ev->work[1], xy, xx));
      PetscCall(HcEvalFieldProducts_Private(ev, ev->y[k], ev->y[k], unused, yy));
      npair++;
    }
    for (PetscInt c = 0; c < ev->nc; c++) {
      const char *name;

      PetscCall(HcGridGetFieldName(ev->grid, c, &name));
      /* anomalies at round-off of the states (a climatology of one state per calendar month) are no data either */
      if (!npair || !(xx[c] > 1e-24 * yy[c])) {
        PetscCall(PetscSNPrintf(ev->dampwhy, sizeof(ev->dampwhy),
                                "damped persistence of %s at lead %" PetscInt_FMT
                                " cannot be fitted: the climatology period (%s .. %s; %" PetscInt_FMT " state(s) not scored) %s",
                                name, l, d0, d1, ev->nfit,
                                npair ? "has no anomaly: every state equals its climatology"
                                      : "has no two unscored states that far apart"));
        PetscCheck(!ev->dampedask, comm, PETSC_ERR_ARG_OUTOFRANGE,
                   "%s; give a longer -evaluate_climatology_dates (two or more states per calendar month for monthly data) or "
                   "-evaluate_damped false",
                   ev->dampwhy);
        ev->damped = PETSC_FALSE; /* by default: not scored, and said so */
        PetscFunctionReturn(0);
      }
      ev->damp[l * ev->nc + c] = xy[c] / xx[c];
    }
  }
  PetscFunctionReturn(0);
}

/* The baselines' tables (and the work vectors they need); damped persistence's coefficients are fitted here. */
static PetscErrorCode HcEvalAddBaselines_Private(HcEval ev, PetscInt s0, PetscInt s1)
{
  PetscFunctionBegin;
  PetscCall(HcEvalAddTable_Private(ev, "persistence", PETSC_TRUE, &ev->base[0]));
  PetscCall(HcEvalAddTable_Private(ev, "climatology", PETSC_TRUE, &ev->base[1]));
  PetscCall(HcEvalAddTable_Private(ev, "anomaly persistence", PETSC_TRUE, &ev->base[2]));
  PetscCall(VecDuplicateVecs(ev->y[0], 2, &ev->work));
  PetscCall(HcEvalFitDamping_Private(ev, s0, s1)); /* first: by default, a table only if it can be fitted */
  if (ev->damped) PetscCall(HcEvalAddTable_Private(ev, "damped persistence", PETSC_TRUE, &ev->base[3]));
  PetscFunctionReturn(0);
}

/* Score the baselines' forecasts from truth state k0 for truth state k (lead l = k - k0 observation intervals):
   persistence y(k0), climatology C(k), anomaly persistence C(k) + A(k0) and damped persistence C(k) + a_l A(k0), where
   A is the anomaly. */
static PetscErrorCode HcEvalAccumulateBaselines_Private(HcEval ev, PetscInt l, PetscInt k0, PetscInt k)
{
  Vec anom = ev->work[0], f = ev->work[1];

  PetscFunctionBegin;
  PetscCall(HcEvalAccumulate_Private(ev, ev->base[0], l, ev->y[k0], 0, NULL, k0, k));
  PetscCall(HcEvalAccumulate_Private(ev, ev->base[1], l, HcEvalClimAt_Private(ev, k), 0, NULL, k0, k));
  PetscCall(HcEvalAnomaly_Private(ev, k0, anom));
  PetscCall(VecWAXPY(f, 1, HcEvalClimAt_Private(ev, k), anom));
  PetscCall(HcEvalAccumulate_Private(ev, ev->base[2], l, f, 0, NULL, k0, k));
  if (!ev->damped) PetscFunctionReturn(0);
  for (PetscInt c = 0; c < ev->nc; c++) PetscCall(VecStrideScale(anom, c, ev->damp[l * ev->nc + c]));
  PetscCall(VecWAXPY(f, 1, HcEvalClimAt_Private(ev, k), anom));
  PetscCall(HcEvalAccumulate_Private(ev, ev->base[3], l, f, 0, NULL, k0, k));
  PetscFunctionReturn(0);
}

/*@C
  HcEvalGetDampedPersistence - damped persistence of the anomaly at lead l (1 .. leads), field c: its least-squares
  coefficient a, and the truth states [k0, k1) it was fitted on without the scored ones [s0, s1]; any may be NULL.
@*/
PetscErrorCode HcEvalGetDampedPersistence(HcEval ev, PetscInt c, PetscInt l, PetscReal *a, PetscInt *k0, PetscInt *k1,
                                          PetscInt *s0, PetscInt *s1)
{
  PetscFunctionBegin;
  PetscCheck(ev->damp && ev->damped, ev->comm, PETSC_ERR_ORDER, "HcEval: damped persistence is not fitted");
  PetscCheck(c >= 0 && c < ev->nc && l >= 1 && l <= ev->maxlead, ev->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcEvalGetDampedPersistence: field %" PetscInt_FMT ", lead %" PetscInt_FMT " out of range", c, l);
  if (a) *a = ev->damp[l * ev->nc + c];
  if (k0) *k0 = ev->clim0;
  if (k1) *k1 = ev->clim1;
  if (s0) *s0 = ev->s0;
  if (s1) *s1 = ev->s1;
  PetscFunctionReturn(0);
}

/*@C
  HcEvalSetHindcasts - hindcasts start from every truth state k in [k0, k1] and run maxlead observation intervals, as
  far as the truth goes (an initial time near its end is scored at the short leads only).  Makes the climatology, fits
  damped persistence and scores the baselines; HcEvalAddHindcasts() then scores models.
@*/
PetscErrorCode HcEvalSetHindcasts(HcEval ev, PetscInt k0, PetscInt k1, PetscInt maxlead)
{
  PetscFunctionBegin;
  PetscCall(HcEvalCheckSetUp_Private(ev));
  PetscCheck(!ev->ntab, ev->comm, PETSC_ERR_ORDER, "HcEval: already scoring");
  PetscCheck(k0 >= 0 && k0 <= k1 && k1 < ev->nt - 1, ev->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcEval: initial times %" PetscInt_FMT " .. %" PetscInt_FMT " not in [0, %" PetscInt_FMT "]", k0, k1, ev->nt - 2);
  PetscCheck(maxlead >= 1 && maxlead <= HC_EVAL_MAX_LEADS, ev->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcEval: the number of leads must be in [1, %d]", HC_EVAL_MAX_LEADS);
  ev->k0      = k0;
  ev->k1      = k1;
  ev->maxlead = maxlead;
  PetscCall(HcEvalMakeClimatology_Private(ev, k0));
  PetscCall(HcEvalAddBaselines_Private(ev, k0, PetscMin(k1 + maxlead, ev->nt - 1)));
  PetscCall(VecDuplicate(ev->y[0], &ev->u));
  PetscCall(VecDuplicateVecs(ev->y[0], ev->maxlead, &ev->states));
  for (PetscInt k = k0; k <= k1; k++) {
    const PetscInt nl = PetscMin(ev->maxlead, ev->nt - 1 - k);

    if (nl < 1) continue;
    ev->ninit++;
    for (PetscInt l = 1; l <= nl; l++) PetscCall(HcEvalAccumulateBaselines_Private(ev, l, k, k + l));
  }
  PetscFunctionReturn(0);
}

/*@C
  HcEvalAddHindcasts - score the hindcasts of a model on the truth's grid (HcEvalSetHindcasts()) under a label; *ninit
  (may be NULL): how many initial times it ran from.
@*/
PetscErrorCode HcEvalAddHindcasts(HcEval ev, const char label[], HcModel model, PetscInt *ninit)
{
  PetscInt id;

  PetscFunctionBegin;
  PetscCheck(ev->states, ev->comm, PETSC_ERR_ORDER, "HcEval: call HcEvalSetHindcasts() first");
  PetscCall(HcEvalAddTable_Private(ev, label, PETSC_FALSE, &id));
  for (PetscInt k = ev->k0; k <= ev->k1; k++) {
    const PetscInt nl = PetscMin(ev->maxlead, ev->nt - 1 - k);

    if (nl < 1) continue;
    PetscCall(VecCopy(ev->y[k], ev->u));
    PetscCall(HcModelSolve(model, nl, ev->t + k, ev->u, ev->states));
    for (PetscInt l = 1; l <= nl; l++) PetscCall(HcEvalAccumulate_Private(ev, id, l, ev->states[l - 1], 0, NULL, k, k + l));
  }
  if (ninit) *ninit = ev->ninit;
  PetscFunctionReturn(0);
}

/* A forecast file with the truth's variables; none of the truth's selections (-data_*) apply to it. */
static PetscErrorCode HcEvalOpenForecast_Private(HcEval ev, const char file[], HcReader *r)
{
  const char *names[HC_EVAL_MAXFIELDS];

  PetscFunctionBegin;
  for (PetscInt c = 0; c < ev->nc; c++) PetscCall(HcGridGetFieldName(ev->grid, c, &names[c]));
  PetscCall(HcReaderCreate(ev->comm, r));
  PetscCall(HcReaderSetFile(*r, file));
  PetscCall(HcReaderSetVariables(*r, ev->nc, names));
  PetscCall(HcReaderSetUp(*r));
  PetscFunctionReturn(0);
}

/* The members of an ensemble forecast file: the length of its dimension "member" (hycast forecast -forecast_ensemble);
   0 without one, a single forecast. */
static PetscErrorCode HcEvalGetMembers_Private(HcEval ev, const char file[], PetscInt *m)
{
  int    ncid, dim;
  size_t len = 0;

  PetscFunctionBegin;
  HcCallNetCDF(ev->comm, file, "member", nc_open(file, NC_NOWRITE, &ncid));
  if (nc_inq_dimid(ncid, "member", &dim) == NC_NOERR) HcCallNetCDF(ev->comm, file, "member", nc_inq_dimlen(ncid, dim, &len));
  HcCallNetCDF(ev->comm, file, "member", nc_close(ncid));
  *m = (PetscInt)len;
  PetscFunctionReturn(0);
}

/* The checks of forecast file f against the truth and the files before it (reader r open on it): its lead range, initial
   time index k0 and members; *nens set from the first file. */
static PetscErrorCode HcEvalCheckForecast_Private(HcEval ev, HcReader r, PetscInt f, const char *const files[], PetscInt *first,
                                                  PetscInt *last, PetscInt *nens)
{
  MPI_Comm         comm = ev->comm;
  const char      *tunits, *tcal, *units, *cal;
  HcGrid           g;
  PetscInt         n, nx, ny, tx, ty, ne, k0 = 0;
  const PetscReal *t, *fx, *fy, *gx, *gy;
  char             date[64];
  PetscBool        same;

  PetscFunctionBegin;
  PetscCall(HcReaderGetTimeUnits(ev->reader, &tunits, &tcal));
  PetscCall(HcReaderGetTimeUnits(r, &units, &cal));
  PetscCall(PetscStrcmp(cal, tcal, &same));
  PetscCheck(same, comm, PETSC_ERR_ARG_INCOMP, "%s: calendar '%s' differs from the truth's '%s'; the dates cannot be matched",
             files[f], cal, tcal);
  PetscCall(HcReaderGetGrid(r, &g));
  PetscCall(HcGridGetSizes(g, &nx, &ny));
  PetscCall(HcGridGetSizes(ev->grid, &tx, &ty));
  PetscCall(HcGridGetCoordinates(g, &fx, &fy));
  PetscCall(HcGridGetCoordinates(ev->grid, &gx, &gy));
  PetscCheck(nx == tx && ny == ty && PetscAbsReal(fx[0] - gx[0]) <= 1e-9 * (1 + PetscAbsReal(gx[0])) &&
                 PetscAbsReal(fy[0] - gy[0]) <= 1e-9 * (1 + PetscAbsReal(gy[0])),
             comm, PETSC_ERR_ARG_INCOMP,
             "%s: the forecast's grid (%" PetscInt_FMT " x %" PetscInt_FMT ") is not the truth's (%" PetscInt_FMT
             " x %" PetscInt_FMT "); forecast on the truth's grid (-grid)",
             files[f], nx, ny, tx, ty);
  PetscCall(HcReaderGetTimes(r, &n, &t));
  for (PetscInt l = 0; l < n; l++) {
    PetscInt k = 0;

    PetscCall(HcReaderFormatTime(r, t[l], date, sizeof(date)));
    PetscCall(HcEvalIndex_Private(ev, date, PETSC_FALSE, &k));
    PetscCheck(k < ev->nt, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: lead %" PetscInt_FMT " (%s) lies beyond the truth's time range",
               files[f], l, date);
    {
      char tdate[64];

      PetscCall(HcReaderFormatTime(ev->reader, ev->t[k], tdate, sizeof(tdate)));
      PetscCall(PetscStrcmp(date, tdate, &same));
      PetscCheck(same, comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "%s: lead %" PetscInt_FMT " (%s) has no truth at that date (the nearest is %s)", files[f], l, date, tdate);
    }
    if (!l) k0 = k;
    if (l <= HC_EVAL_MAX_LEADS) *last = PetscMax(*last, k);
  }
  /* a member dimension of one member has no spread; single forecasts and ensembles are not one table */
  PetscCall(HcEvalGetMembers_Private(ev, files[f], &ne));
  PetscCheck(ne != 1, comm, PETSC_ERR_ARG_WRONG,
             "%s: an ensemble of 1 member: its spread and CRPS need 2 or more (hycast forecast -forecast_ensemble M, M >= 2)",
             files[f]);
  PetscCheck(!f || (ne > 1) == (*nens > 1), comm, PETSC_ERR_ARG_INCOMP,
             "%s: %s, but %s %s: score ensembles and single forecasts in separate runs", files[f],
             ne > 1 ? "an ensemble" : "a single forecast", files[0], *nens > 1 ? "is an ensemble" : "is a single forecast");
  if (!f) *nens = ne;
  ev->maxlead = PetscMax(ev->maxlead, PetscMin(n - 1, HC_EVAL_MAX_LEADS));
  *first      = PetscMin(*first, k0);
  PetscFunctionReturn(0);
}

/*@C
  HcEvalAddForecastFiles - score forecast files (from hycast forecast), each matched to the truth by date: lead l is step
  l of a file, scored in the files that reach it; the baselines come from the truth at each file's initial time.  An
  ensemble (files with a member dimension, 2 or more members, all of them ensembles) is scored by its mean, its CRPS and
  its spread.  Makes the climatology (by default from the truth before the first file's initial time) and fits damped
  persistence.
@*/
PetscErrorCode HcEvalAddForecastFiles(HcEval ev, PetscInt nf, const char *const files[])
{
  MPI_Comm comm  = ev->comm;
  PetscInt first = ev->nt, last = 0, fc, nens = 0;

  PetscFunctionBegin;
  PetscCall(HcEvalCheckSetUp_Private(ev));
  PetscCheck(!ev->ntab, comm, PETSC_ERR_ORDER, "HcEval: already scoring");
  ev->maxlead = 0;
  /* the leads, the first initial time and the checks, before anything is accumulated; a refused file is closed too */
  for (PetscInt f = 0; f < nf; f++) {
    HcReader       r;
    PetscErrorCode ierr;

    PetscCall(HcEvalOpenForecast_Private(ev, files[f], &r));
    ierr = HcEvalCheckForecast_Private(ev, r, f, files, &first, &last, &nens);
    PetscCall(HcReaderDestroy(&r));
    PetscCall(ierr);
  }
  PetscCall(HcEvalMakeClimatology_Private(ev, first));
  PetscCall(HcEvalAddTable_Private(ev, "forecast", PETSC_FALSE, &fc));
  PetscCall(HcEvalAddBaselines_Private(ev, first, last));
  for (PetscInt f = 0; f < nf; f++) {
    HcReader         r;
    PetscInt         n, ne, nm, k0 = 0;
    const PetscReal *t;
    Vec             *X, mean;
    char             date[64];

    PetscCall(HcEvalOpenForecast_Private(ev, files[f], &r));
    PetscCall(HcReaderGetTimes(r, &n, &t));
    PetscCall(HcReaderGetNumEnvironments(r, &ne));
    PetscCall(HcEvalGetMembers_Private(ev, files[f], &nm));
    PetscCall(VecDuplicateVecs(ev->y[0], PetscMax(ne, 1), &X));
    PetscCall(VecDuplicate(ev->y[0], &mean));
    for (PetscInt l = 0; l < PetscMin(n, HC_EVAL_MAX_LEADS + 1); l++) {
      PetscInt k = 0;

      PetscCall(HcReaderFormatTime(r, t[l], date, sizeof(date)));
      PetscCall(HcEvalIndex_Private(ev, date, PETSC_FALSE, &k));
      if (!l) {
        k0 = k;
        continue;
      }
      /* an ensemble's RMSE, bias and anomaly correlation are its mean's */
      PetscCall(VecSet(mean, 0));
      for (PetscInt m = 0; m < PetscMax(ne, 1); m++) {
        if (ne) PetscCall(HcReaderSetEnvironment(r, m));
        PetscCall(HcReaderRead(r, l, X[m]));
        PetscCall(VecAXPY(mean, 1.0 / PetscMax(ne, 1), X[m]));
      }
      PetscCall(HcEvalAccumulate_Private(ev, fc, l, mean, nm ? ne : 0, X, k0, k));
      PetscCall(HcEvalAccumulateBaselines_Private(ev, l, k0, k));
    }
    PetscCall(VecDestroyVecs(PetscMax(ne, 1), &X));
    PetscCall(VecDestroy(&mean));
    PetscCall(HcReaderDestroy(&r));
  }
  PetscFunctionReturn(0);
}

#define HC_EVAL_NSTATS 6
static const char *const HcEvalStatNames[HC_EVAL_NSTATS] = {"RMSE", "bias",   "anomaly correlation",
                                                            "CRPS", "spread", "spread/skill"};

/* The statistics of a table entry: RMSE, bias, anomaly correlation, CRPS, and for ensembles the spread (the root of
   the members' mean unbiased variance) and spread/skill (HcEvalAccumulate_Private); NaN where undefined. */
static void HcEvalStats_Private(const HcSkillTable *t, const HcSkill *q, PetscReal st[HC_EVAL_NSTATS])
{
  const PetscReal nan = (PetscReal)NAN;

  st[0] = q->sa > 0 ? PetscSqrtReal(q->se2 / q->sa) : nan;
  st[1] = q->sa > 0 ? q->se / q->sa : nan;
  st[2] = q->sfa2 > 0 && q->sya2 > 0 ? q->sfaya / PetscSqrtReal(q->sfa2 * q->sya2) : nan;
  st[3] = q->sa > 0 ? q->scrps / q->sa : nan;
  st[4] = t->ensemble && q->sa > 0 ? PetscSqrtReal(q->svar / q->sa) : nan;
  st[5] = t->ensemble && q->se2 > 0 ? PetscSqrtReal(q->svarc / q->se2) : nan;
}

/* The tables in the order they are shown: the forecasts, then their baselines. */
static void HcEvalOrder_Private(HcEval ev, PetscInt order[])
{
  PetscInt n = 0;

  for (int b = 0; b < 2; b++)
    for (PetscInt m = 0; m < ev->ntab; m++)
      if ((PetscInt)ev->tab[m].baseline == b) order[n++] = m;
}

/*@C
  HcEvalGetNumTables - the tables scored: the models or forecast files, then the baselines (persistence, climatology,
  anomaly persistence, damped persistence unless turned off); and the leads.
@*/
PetscErrorCode HcEvalGetNumTables(HcEval ev, PetscInt *ntab, PetscInt *nlead)
{
  PetscFunctionBegin;
  if (ntab) *ntab = ev->ntab;
  if (nlead) *nlead = ev->maxlead;
  PetscFunctionReturn(0);
}

/* Three statistics from the first-th on, of table m (shown order), field c, lead l, with its label and initial times;
   any may be NULL. */
static PetscErrorCode HcEvalGetStats_Private(HcEval ev, PetscInt m, PetscInt c, PetscInt l, const char **label, PetscInt first,
                                             PetscReal *out[3], PetscInt *n)
{
  PetscInt      order[HC_EVAL_MAXTABLES];
  PetscReal     st[HC_EVAL_NSTATS];
  HcSkillTable *t;

  PetscFunctionBegin;
  PetscCheck(m >= 0 && m < ev->ntab && c >= 0 && c < ev->nc && l >= 1 && l <= ev->maxlead, ev->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcEval: table %" PetscInt_FMT ", field %" PetscInt_FMT ", lead %" PetscInt_FMT " out of range", m, c, l);
  HcEvalOrder_Private(ev, order);
  t = &ev->tab[order[m]];
  HcEvalStats_Private(t, &t->s[l * ev->nc + c], st);
  for (PetscInt i = 0; i < 3; i++)
    if (out[i]) *out[i] = st[first + i];
  if (label) *label = t->label;
  if (n) *n = t->n[l];
  PetscFunctionReturn(0);
}

/*@C
  HcEvalGetStatistics - of table m (HcEvalGetNumTables() order), field c at lead l (1 .. leads): its label, the RMSE, bias
  and anomaly correlation (NaN where undefined) and the number of initial times scored; any may be NULL.
@*/
PetscErrorCode HcEvalGetStatistics(HcEval ev, PetscInt m, PetscInt c, PetscInt l, const char **label, PetscReal *rmse,
                                   PetscReal *bias, PetscReal *acc, PetscInt *n)
{
  PetscReal *out[3] = {rmse, bias, acc};

  PetscFunctionBegin;
  PetscCall(HcEvalGetStats_Private(ev, m, c, l, label, 0, out, n));
  PetscFunctionReturn(0);
}

/*@C
  HcEvalGetEnsembleStatistics - of table m, field c at lead l: the CRPS (of a single forecast: its mean absolute error),
  and of an ensemble the spread (the root of the members' mean unbiased variance) and the spread/skill ratio (the spread
  times sqrt((m + 1) / m) over the ensemble mean's RMSE: 1 for a consistent ensemble of m members); NaN where undefined;
  any may be NULL.
@*/
PetscErrorCode HcEvalGetEnsembleStatistics(HcEval ev, PetscInt m, PetscInt c, PetscInt l, PetscReal *crps, PetscReal *spread,
                                           PetscReal *ratio)
{
  PetscReal *out[3] = {crps, spread, ratio};

  PetscFunctionBegin;
  PetscCall(HcEvalGetStats_Private(ev, m, c, l, NULL, 3, out, NULL));
  PetscFunctionReturn(0);
}

/* Every table scores the same forecasts (the models' and the baselines' from the same initial times). */
static PetscErrorCode HcEvalCheckCounts_Private(HcEval ev)
{
  PetscFunctionBegin;
  for (PetscInt l = 1; l <= ev->maxlead; l++)
    for (PetscInt m = 1; m < ev->ntab; m++)
      PetscAssert(ev->tab[m].n[l] == ev->tab[0].n[l], ev->comm, PETSC_ERR_PLIB,
                  "%s and %s score %" PetscInt_FMT " and %" PetscInt_FMT " initial times at lead %" PetscInt_FMT,
                  ev->tab[0].label, ev->tab[m].label, ev->tab[0].n[l], ev->tab[m].n[l], l);
  PetscFunctionReturn(0);
}

/*@C
  HcEvalView - the tables: per field, RMSE, bias and anomaly correlation by lead (with CRPS, spread and spread/skill when
  an ensemble is scored), each with the number of initial times per lead (a long lead has fewer of them when the truth
  or a forecast file ends).
@*/
PetscErrorCode HcEvalView(HcEval ev, PetscViewer viewer)
{
  PetscInt  order[HC_EVAL_MAXTABLES], nstat = 3;
  PetscBool unscored = PETSC_FALSE, isascii;

  PetscFunctionBegin;
  if (!viewer) viewer = PETSC_VIEWER_STDOUT_(ev->comm);
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &isascii));
  if (!isascii || !ev->ntab) PetscFunctionReturn(0);
  PetscCall(HcEvalCheckCounts_Private(ev));
  HcEvalOrder_Private(ev, order);
  for (PetscInt m = 0; m < ev->ntab; m++)
    if (ev->tab[m].ensemble) nstat = HC_EVAL_NSTATS;
  for (PetscInt l = 1; l <= ev->maxlead; l++) unscored = (PetscBool)(unscored || !ev->tab[0].n[l]);
  for (PetscInt c = 0; c < ev->nc; c++) {
    const char *name;
    PetscBool   undefined = PETSC_FALSE;

    PetscCall(HcGridGetFieldName(ev->grid, c, &name));
    for (PetscInt what = 0; what < nstat; what++) {
      PetscCall(PetscViewerASCIIPrintf(viewer, "\n%s of %s by lead (area-weighted over %" PetscInt_FMT " scored cell(s))\n",
                                       HcEvalStatNames[what], name, ev->nscored));
      PetscCall(PetscViewerASCIIPrintf(viewer, "%-20s", "lead"));
      for (PetscInt l = 1; l <= ev->maxlead; l++) PetscCall(PetscViewerASCIIPrintf(viewer, " %10" PetscInt_FMT, l));
      PetscCall(PetscViewerASCIIPrintf(viewer, "\n%-20s", "initial times"));
      for (PetscInt l = 1; l <= ev->maxlead; l++) PetscCall(PetscViewerASCIIPrintf(viewer, " %10" PetscInt_FMT, ev->tab[0].n[l]));
      PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
      for (PetscInt q = 0; q < ev->ntab; q++) {
        const HcSkillTable *t = &ev->tab[order[q]];

        /* spread is a property of ensembles: no row of n/a for every single forecast */
        if (what >= 4 && !t->ensemble) continue;
        PetscCall(PetscViewerASCIIPrintf(viewer, "%-20s", t->label));
        for (PetscInt l = 1; l <= ev->maxlead; l++) {
          PetscReal st[HC_EVAL_NSTATS];

          HcEvalStats_Private(t, &t->s[l * ev->nc + c], st);
          undefined = (PetscBool)(undefined || PetscIsNanReal(st[what]));
          if (PetscIsNanReal(st[what]))
            PetscCall(PetscViewerASCIIPrintf(viewer, " %10s", "n/a"));
          else
            PetscCall(PetscViewerASCIIPrintf(viewer, " %10.4g", (double)st[what]));
        }
        PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
      }
    }
    if (undefined)
      PetscCall(PetscViewerASCIIPrintf(
          viewer, "(n/a: undefined; %sthe anomaly correlation of climatology, whose anomaly is zero, always is)\n",
          unscored ? "at a lead with 0 initial times every statistic is, and " : ""));
  }
  if (nstat > 3)
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "(CRPS of a single forecast: its mean absolute error; spread/skill: the spread times "
                                     "sqrt((m + 1)/m) over the ensemble mean's RMSE, 1 for a consistent ensemble)\n"));
  PetscFunctionReturn(0);
}

/* Write a CSV file on rank 0 with body(), under a temporary name renamed when every line is out: an error (a full
   disk) leaves no partial file and an older one untouched; opt names the option that gave the file in the error. */
static PetscErrorCode HcEvalWriteFile_Private(HcEval ev, const char opt[], const char path[],
                                              PetscErrorCode (*body)(HcEval, FILE *))
{
  PetscMPIInt rank;
  int         err = 0;
  char        tmp[PETSC_MAX_PATH_LEN + 32];
  FILE       *fp = NULL;

  PetscFunctionBegin;
  PetscCall(HcEvalCheckCounts_Private(ev));
  PetscCallMPI(MPI_Comm_rank(ev->comm, &rank));
  if (!rank) {
    PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()));
    fp  = fopen(tmp, "w");
    err = fp ? 0 : (errno ? errno : EIO);
    if (fp) PetscCall(body(ev, fp));
    if (fp) {
      const int bad = ferror(fp);

      if ((fclose(fp) || bad) && !err) err = errno ? errno : EIO;
      if (!err && rename(tmp, path)) err = errno ? errno : EIO;
      if (err) (void)unlink(tmp);
    }
    if (err && HcFileSystemFull(path)) err = ENOSPC;
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, ev->comm));
  PetscCheck(!err, ev->comm, PETSC_ERR_FILE_WRITE, "%s %s: cannot write it: %s", opt, path, strerror(err));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcEvalWriteStatistics_Private(HcEval ev, FILE *fp)
{
  PetscInt order[HC_EVAL_MAXTABLES];

  PetscFunctionBegin;
  HcEvalOrder_Private(ev, order);
  /* the new columns go last: readers of the older columns by position still read them */
  fprintf(fp, "model,field,lead,rmse,bias,acc,initial_times,crps,spread,spread_skill\n");
  for (PetscInt q = 0; q < ev->ntab; q++)
    for (PetscInt c = 0; c < ev->nc; c++) {
      const HcSkillTable *t = &ev->tab[order[q]];
      const char         *name;

      PetscCall(HcGridGetFieldName(ev->grid, c, &name));
      for (PetscInt l = 1; l <= ev->maxlead; l++) {
        PetscReal st[HC_EVAL_NSTATS];

        HcEvalStats_Private(t, &t->s[l * ev->nc + c], st);
        fprintf(fp, "%s,%s,%" PetscInt_FMT ",%.10g,%.10g,%.10g,%" PetscInt_FMT ",%.10g,%.10g,%.10g\n", t->label, name, l,
                (double)st[0], (double)st[1], (double)st[2], t->n[l], (double)st[3], (double)st[4], (double)st[5]);
      }
    }
  PetscFunctionReturn(0);
}

/*@C
  HcEvalWriteCSV - the statistics as CSV (model,field,lead,rmse,bias,acc,initial_times,crps,spread,spread_skill; nan
  where undefined), written by rank 0 under a temporary name and renamed when every line is out: an error (a full disk)
  leaves no partial table and an older file untouched.
@*/
PetscErrorCode HcEvalWriteCSV(HcEval ev, const char csv[])
{
  PetscFunctionBegin;
  PetscCall(HcEvalWriteFile_Private(ev, "-evaluate_csv", csv, HcEvalWriteStatistics_Private));
  PetscFunctionReturn(0);
}

/*@C
  HcEvalGetPerInit - of table m (HcEvalGetNumTables() order), field c at lead l, from truth state k: the area-weighted
  mean squared error over the scored cells (*mse, NaN when that initial time is not scored at that lead; forecast files
  from the same initial date are pooled).  Needs HcEvalSetPerInit().
@*/
PetscErrorCode HcEvalGetPerInit(HcEval ev, PetscInt m, PetscInt c, PetscInt l, PetscInt k, PetscReal *mse)
{
  PetscInt            order[HC_EVAL_MAXTABLES];
  const HcSkillTable *t;
  const PetscReal    *p;

  PetscFunctionBegin;
  PetscCheck(ev->perinit && ev->ntab, ev->comm, PETSC_ERR_ORDER, "HcEval: call HcEvalSetPerInit() before scoring");
  PetscCheck(m >= 0 && m < ev->ntab && c >= 0 && c < ev->nc && l >= 1 && l <= ev->maxlead && k >= 0 && k < ev->nt, ev->comm,
             PETSC_ERR_ARG_OUTOFRANGE,
             "HcEval: table %" PetscInt_FMT ", field %" PetscInt_FMT ", lead %" PetscInt_FMT ", state %" PetscInt_FMT
             " out of range",
             m, c, l, k);
  HcEvalOrder_Private(ev, order);
  t    = &ev->tab[order[m]];
  p    = &t->pe[2 * ((k * (ev->maxlead + 1) + l) * ev->nc + c)];
  *mse = p[0] > 0 ? p[1] / p[0] : (PetscReal)NAN;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcEvalWritePerInit_Private(HcEval ev, FILE *fp)
{
  PetscInt order[HC_EVAL_MAXTABLES];

  PetscFunctionBegin;
  HcEvalOrder_Private(ev, order);
  fprintf(fp, "init,init_index,field,lead");
  for (PetscInt q = 0; q < ev->ntab; q++) fprintf(fp, ",%s", ev->tab[order[q]].label);
  fprintf(fp, "\n");
  for (PetscInt k = 0; k < ev->nt; k++)
    for (PetscInt c = 0; c < ev->nc; c++)
      for (PetscInt l = 1; l <= ev->maxlead; l++) {
        const char *name;
        char        date[64];
        PetscReal   mse;

        PetscCall(HcEvalGetPerInit(ev, 0, c, l, k, &mse));
        if (PetscIsNanReal(mse)) continue; /* not an initial time, or not scored at this lead */
        PetscCall(HcGridGetFieldName(ev->grid, c, &name));
        PetscCall(HcReaderFormatTime(ev->reader, ev->t[k], date, sizeof(date)));
        fprintf(fp, "%s,%" PetscInt_FMT ",%s,%" PetscInt_FMT, date, k, name, l);
        for (PetscInt q = 0; q < ev->ntab; q++) {
          PetscCall(HcEvalGetPerInit(ev, q, c, l, k, &mse));
          fprintf(fp, ",%.10g", (double)mse);
        }
        fprintf(fp, "\n");
      }
  PetscFunctionReturn(0);
}

/*@C
  HcEvalWritePerInitCSV - the mean squared errors per initial time as CSV, one line per initial time, field and lead
  (init,init_index,field,lead, then one column per table in HcEvalGetNumTables() order, headed by its label), written
  as HcEvalWriteCSV() writes.  Needs HcEvalSetPerInit().
@*/
PetscErrorCode HcEvalWritePerInitCSV(HcEval ev, const char csv[])
{
  PetscFunctionBegin;
  PetscCheck(ev->perinit && ev->ntab, ev->comm, PETSC_ERR_ORDER, "HcEval: call HcEvalSetPerInit() before scoring");
  PetscCall(HcEvalWriteFile_Private(ev, "-evaluate_per_init", csv, HcEvalWritePerInit_Private));
  PetscFunctionReturn(0);
}

PetscErrorCode HcEvalDestroy(HcEval *ev)
{
  HcEval e;

  PetscFunctionBegin;
  if (!ev || !*ev) PetscFunctionReturn(0);
  e   = *ev;
  *ev = NULL;
  for (PetscInt m = 0; m < e->ntab; m++) {
    PetscCall(PetscFree2(e->tab[m].s, e->tab[m].n));
    PetscCall(PetscFree(e->tab[m].pe));
  }
  if (e->states) PetscCall(VecDestroyVecs(e->maxlead, &e->states));
  if (e->work) PetscCall(VecDestroyVecs(2, &e->work));
  PetscCall(PetscFree(e->damp));
  PetscCall(VecDestroy(&e->u));
  for (PetscInt m = 0; m < 12; m++) PetscCall(VecDestroy(&e->clim[m]));
  if (e->y) PetscCall(VecDestroyVecs(e->nt, &e->y));
  PetscCall(PetscFree2(e->t, e->month));
  PetscCall(VecDestroy(&e->area));
  PetscCall(VecDestroy(&e->scored));
  PetscCall(HcReaderDestroy(&e->reader));
  PetscCall(PetscFree(e));
  PetscFunctionReturn(0);
}
