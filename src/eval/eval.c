/* HcEval: forecast skill against a truth, with persistence and climatology as baselines (hycast evaluate).

   The truth is every state of a NetCDF file (an HcReader with its -data_* selections).  Each table (a model's hindcasts,
   forecast files, persistence, climatology) sums, per lead and field, over the scored cells (every active cell, or
   those with centres in a box), area-weighted: the error, its square and the anomaly products (anomalies from the
   climatology: the mean of a range of truth states, by calendar month when the data is monthly).  RMSE, bias and
   anomaly correlation come from those sums, so that every table scores the same initial times at each lead. */
#define _POSIX_C_SOURCE 200809L /* getpid */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <hycast/private/sysimpl.h>

#define HC_EVAL_MAXFIELDS 16
#define HC_EVAL_MAXTABLES (HC_EVAL_MAX_MODELS + 2)

typedef struct {
  PetscReal sa, se, se2, sfa2, sya2, sfaya; /* sums of area, error, error^2, anomaly products */
} HcSkill;

typedef struct {
  char      label[64];
  PetscBool baseline; /* persistence, climatology: listed after the forecasts they are the baselines of */
  HcSkill  *s;        /* [lead][field] */
  PetscInt *n;        /* [lead]: forecasts scored at that lead (fewer at long leads when the truth or a forecast ends) */
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

  /* hindcasts from the truth states [k0, k1], maxlead leads */
  PetscInt k0, k1, maxlead, ninit;
  Vec      u, *states;

  PetscInt     ntab;
  HcSkillTable tab[HC_EVAL_MAXTABLES];
};

PetscErrorCode HcEvalCreate(MPI_Comm comm, HcEval *ev)
{
  HcEval e;

  PetscFunctionBegin;
  PetscCall(HcInitializePackage());
  PetscCall(PetscNew(&e));
  e->comm  = comm;
  e->creq0 = -1;
  *ev      = e;
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
  *id = ev->ntab++;
  PetscFunctionReturn(0);
}

/* Add the comparison of forecast f with the truth at index k (lead l) to the skill sums of a table. */
static PetscErrorCode HcEvalAccumulate_Private(HcEval ev, PetscInt id, PetscInt lead, Vec f, PetscInt k)
{
  HcSkillTable        *tab = &ev->tab[id];
  DM                   da, da1;
  Vec                  mask;
  const PetscScalar ***F, ***Y, ***C, **mk, **A;
  PetscInt             xs, ys, xm, ym;
  PetscReal            loc[HC_EVAL_MAXFIELDS][6];

  PetscFunctionBegin;
  PetscCall(HcGridGetDM(ev->grid, &da));
  PetscCall(HcGridGetScalarDM(ev->grid, &da1));
  mask = ev->scored;
  PetscCall(HcGridGetOwnership(ev->grid, &xs, &ys, &xm, &ym));
  PetscCall(PetscMemzero(loc, sizeof(loc)));
  PetscCall(DMDAVecGetArrayDOFRead(da, f, &F));
  PetscCall(DMDAVecGetArrayDOFRead(da, ev->y[k], &Y));
  PetscCall(DMDAVecGetArrayDOFRead(da, HcEvalClimAt_Private(ev, k), &C));
  PetscCall(DMDAVecGetArrayRead(da1, mask, &mk));
  PetscCall(DMDAVecGetArrayRead(da1, ev->area, &A));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      if (mk[j][i] == 0) continue;
      for (PetscInt c = 0; c < ev->nc; c++) {
        const PetscReal a = PetscRealPart(A[j][i]), e = PetscRealPart(F[j][i][c] - Y[j][i][c]);
        const PetscReal fa = PetscRealPart(F[j][i][c] - C[j][i][c]), ya = PetscRealPart(Y[j][i][c] - C[j][i][c]);

        loc[c][0] += a;
        loc[c][1] += a * e;
        loc[c][2] += a * e * e;
        loc[c][3] += a * fa * fa;
        loc[c][4] += a * ya * ya;
        loc[c][5] += a * fa * ya;
      }
    }
  PetscCall(DMDAVecRestoreArrayRead(da1, ev->area, &A));
  PetscCall(DMDAVecRestoreArrayRead(da1, mask, &mk));
  PetscCall(DMDAVecRestoreArrayDOFRead(da, HcEvalClimAt_Private(ev, k), &C));
  PetscCall(DMDAVecRestoreArrayDOFRead(da, ev->y[k], &Y));
  PetscCall(DMDAVecRestoreArrayDOFRead(da, f, &F));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, loc, 6 * HC_EVAL_MAXFIELDS, MPIU_REAL, MPI_SUM, PetscObjectComm((PetscObject)f)));
  tab->n[lead]++;
  for (PetscInt c = 0; c < ev->nc; c++) {
    HcSkill *q = &tab->s[lead * ev->nc + c];

    q->sa += loc[c][0];
    q->se += loc[c][1];
    q->se2 += loc[c][2];
    q->sfa2 += loc[c][3];
    q->sya2 += loc[c][4];
    q->sfaya += loc[c][5];
  }
  PetscFunctionReturn(0);
}

/*@C
  HcEvalSetHindcasts - hindcasts start from every truth state k in [k0, k1] and run maxlead observation intervals, as
  far as the truth goes (an initial time near its end is scored at the short leads only).  Makes the climatology and
  scores the baselines, persistence and climatology; HcEvalAddHindcasts() then scores models.
@*/
PetscErrorCode HcEvalSetHindcasts(HcEval ev, PetscInt k0, PetscInt k1, PetscInt maxlead)
{
  PetscInt pers, clim;

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
  PetscCall(HcEvalAddTable_Private(ev, "persistence", PETSC_TRUE, &pers));
  PetscCall(HcEvalAddTable_Private(ev, "climatology", PETSC_TRUE, &clim));
  PetscCall(VecDuplicate(ev->y[0], &ev->u));
  PetscCall(VecDuplicateVecs(ev->y[0], ev->maxlead, &ev->states));
  for (PetscInt k = k0; k <= k1; k++) {
    const PetscInt nl = PetscMin(ev->maxlead, ev->nt - 1 - k);

    if (nl < 1) continue;
    ev->ninit++;
    for (PetscInt l = 1; l <= nl; l++) {
      PetscCall(HcEvalAccumulate_Private(ev, pers, l, ev->y[k], k + l));
      PetscCall(HcEvalAccumulate_Private(ev, clim, l, HcEvalClimAt_Private(ev, k + l), k + l));
    }
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
    for (PetscInt l = 1; l <= nl; l++) PetscCall(HcEvalAccumulate_Private(ev, id, l, ev->states[l - 1], k + l));
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

/*@C
  HcEvalAddForecastFiles - score forecast files (from hycast forecast; an ensemble by its mean), each matched to the
  truth by date: lead l is step l of a file, scored in the files that reach it; persistence and climatology come from the
  truth at each file's initial time.  Makes the climatology (by default from the truth before the first file's initial
  time).
@*/
PetscErrorCode HcEvalAddForecastFiles(HcEval ev, PetscInt nf, const char *const files[])
{
  MPI_Comm    comm  = ev->comm;
  PetscInt    first = ev->nt, fc, pers, clim;
  const char *tunits, *tcal;

  PetscFunctionBegin;
  PetscCall(HcEvalCheckSetUp_Private(ev));
  PetscCheck(!ev->ntab, comm, PETSC_ERR_ORDER, "HcEval: already scoring");
  PetscCall(HcReaderGetTimeUnits(ev->reader, &tunits, &tcal));
  ev->maxlead = 0;
  /* the leads, the first initial time and the checks, before anything is accumulated */
  for (PetscInt f = 0; f < nf; f++) {
    HcReader         r;
    HcGrid           g;
    PetscInt         n, nx, ny, tx, ty, k0 = 0;
    const PetscReal *t, *fx, *fy, *gx, *gy;
    const char      *units, *cal;
    char             date[64];
    PetscBool        same;

    PetscCall(HcEvalOpenForecast_Private(ev, files[f], &r));
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
    }
    ev->maxlead = PetscMax(ev->maxlead, PetscMin(n - 1, HC_EVAL_MAX_LEADS));
    first       = PetscMin(first, k0);
    PetscCall(HcReaderDestroy(&r));
  }
  PetscCall(HcEvalMakeClimatology_Private(ev, first));
  PetscCall(HcEvalAddTable_Private(ev, "forecast", PETSC_FALSE, &fc));
  PetscCall(HcEvalAddTable_Private(ev, "persistence", PETSC_TRUE, &pers));
  PetscCall(HcEvalAddTable_Private(ev, "climatology", PETSC_TRUE, &clim));
  for (PetscInt f = 0; f < nf; f++) {
    HcReader         r;
    PetscInt         n, ne, k0 = 0;
    const PetscReal *t;
    Vec              u, mean;
    char             date[64];

    PetscCall(HcEvalOpenForecast_Private(ev, files[f], &r));
    PetscCall(HcReaderGetTimes(r, &n, &t));
    PetscCall(HcReaderGetNumEnvironments(r, &ne));
    PetscCall(VecDuplicate(ev->y[0], &u));
    PetscCall(VecDuplicate(ev->y[0], &mean));
    for (PetscInt l = 0; l < PetscMin(n, HC_EVAL_MAX_LEADS + 1); l++) {
      PetscInt k = 0;

      PetscCall(HcReaderFormatTime(r, t[l], date, sizeof(date)));
      PetscCall(HcEvalIndex_Private(ev, date, PETSC_FALSE, &k));
      if (!l) {
        k0 = k;
        continue;
      }
      /* an ensemble is scored by its mean */
      PetscCall(VecSet(mean, 0));
      for (PetscInt m = 0; m < PetscMax(ne, 1); m++) {
        if (ne) PetscCall(HcReaderSetEnvironment(r, m));
        PetscCall(HcReaderRead(r, l, u));
        PetscCall(VecAXPY(mean, 1.0 / PetscMax(ne, 1), u));
      }
      PetscCall(HcEvalAccumulate_Private(ev, fc, l, mean, k));
      PetscCall(HcEvalAccumulate_Private(ev, pers, l, ev->y[k0], k));
      PetscCall(HcEvalAccumulate_Private(ev, clim, l, HcEvalClimAt_Private(ev, k), k));
    }
    PetscCall(VecDestroy(&u));
    PetscCall(VecDestroy(&mean));
    PetscCall(HcReaderDestroy(&r));
  }
  PetscFunctionReturn(0);
}

/* RMSE, bias and anomaly correlation of a table entry. */
static void HcEvalStats_Private(const HcSkill *q, PetscReal *rmse, PetscReal *bias, PetscReal *acc)
{
  *rmse = q->sa > 0 ? PetscSqrtReal(q->se2 / q->sa) : (PetscReal)NAN;
  *bias = q->sa > 0 ? q->se / q->sa : (PetscReal)NAN;
  *acc  = q->sfa2 > 0 && q->sya2 > 0 ? q->sfaya / PetscSqrtReal(q->sfa2 * q->sya2) : (PetscReal)NAN;
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
  HcEvalGetNumTables - the tables scored: the models or forecast files, then persistence and climatology; and the leads.
@*/
PetscErrorCode HcEvalGetNumTables(HcEval ev, PetscInt *ntab, PetscInt *nlead)
{
  PetscFunctionBegin;
  if (ntab) *ntab = ev->ntab;
  if (nlead) *nlead = ev->maxlead;
  PetscFunctionReturn(0);
}

/*@C
  HcEvalGetStatistics - of table m (HcEvalGetNumTables() order), field c at lead l (1 .. leads): its label, the RMSE, bias
  and anomaly correlation (NaN where undefined) and the number of initial times scored; any may be NULL.
@*/
PetscErrorCode HcEvalGetStatistics(HcEval ev, PetscInt m, PetscInt c, PetscInt l, const char **label, PetscReal *rmse,
                                   PetscReal *bias, PetscReal *acc, PetscInt *n)
{
  PetscInt      order[HC_EVAL_MAXTABLES];
  PetscReal     r, b, a;
  HcSkillTable *t;

  PetscFunctionBegin;
  PetscCheck(m >= 0 && m < ev->ntab && c >= 0 && c < ev->nc && l >= 1 && l <= ev->maxlead, ev->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcEvalGetStatistics: table %" PetscInt_FMT ", field %" PetscInt_FMT ", lead %" PetscInt_FMT " out of range", m, c,
             l);
  HcEvalOrder_Private(ev, order);
  t = &ev->tab[order[m]];
  HcEvalStats_Private(&t->s[l * ev->nc + c], &r, &b, &a);
  if (label) *label = t->label;
  if (rmse) *rmse = r;
  if (bias) *bias = b;
  if (acc) *acc = a;
  if (n) *n = t->n[l];
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
  HcEvalView - the tables: per field, RMSE, bias and anomaly correlation by lead, each with the number of initial times
  per lead (a long lead has fewer of them when the truth or a forecast file ends).
@*/
PetscErrorCode HcEvalView(HcEval ev, PetscViewer viewer)
{
  PetscInt  order[HC_EVAL_MAXTABLES];
  PetscBool unscored = PETSC_FALSE, isascii;

  PetscFunctionBegin;
  if (!viewer) viewer = PETSC_VIEWER_STDOUT_(ev->comm);
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &isascii));
  if (!isascii || !ev->ntab) PetscFunctionReturn(0);
  PetscCall(HcEvalCheckCounts_Private(ev));
  HcEvalOrder_Private(ev, order);
  for (PetscInt l = 1; l <= ev->maxlead; l++) unscored = (PetscBool)(unscored || !ev->tab[0].n[l]);
  for (PetscInt c = 0; c < ev->nc; c++) {
    const char *name;
    PetscBool   undefined = PETSC_FALSE;

    PetscCall(HcGridGetFieldName(ev->grid, c, &name));
    for (int what = 0; what < 3; what++) {
      PetscCall(PetscViewerASCIIPrintf(viewer, "\n%s of %s by lead (area-weighted over %" PetscInt_FMT " scored cell(s))\n",
                                       what == 0   ? "RMSE"
                                       : what == 1 ? "bias"
                                                   : "anomaly correlation",
                                       name, ev->nscored));
      PetscCall(PetscViewerASCIIPrintf(viewer, "%-14s", "lead"));
      for (PetscInt l = 1; l <= ev->maxlead; l++) PetscCall(PetscViewerASCIIPrintf(viewer, " %10" PetscInt_FMT, l));
      PetscCall(PetscViewerASCIIPrintf(viewer, "\n%-14s", "initial times"));
      for (PetscInt l = 1; l <= ev->maxlead; l++) PetscCall(PetscViewerASCIIPrintf(viewer, " %10" PetscInt_FMT, ev->tab[0].n[l]));
      PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
      for (PetscInt q = 0; q < ev->ntab; q++) {
        const HcSkillTable *t = &ev->tab[order[q]];

        PetscCall(PetscViewerASCIIPrintf(viewer, "%-14s", t->label));
        for (PetscInt l = 1; l <= ev->maxlead; l++) {
          PetscReal r, b, a;

          HcEvalStats_Private(&t->s[l * ev->nc + c], &r, &b, &a);
          r         = what == 0 ? r : what == 1 ? b : a;
          undefined = (PetscBool)(undefined || PetscIsNanReal(r));
          if (PetscIsNanReal(r))
            PetscCall(PetscViewerASCIIPrintf(viewer, " %10s", "n/a"));
          else
            PetscCall(PetscViewerASCIIPrintf(viewer, " %10.4g", (double)r));
        }
        PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
      }
    }
    if (undefined)
      PetscCall(PetscViewerASCIIPrintf(
          viewer, "(n/a: undefined; %sthe anomaly correlation of climatology, whose anomaly is zero, always is)\n",
          unscored ? "at a lead with 0 initial times every statistic is, and " : ""));
  }
  PetscFunctionReturn(0);
}

/*@C
  HcEvalWriteCSV - the statistics as CSV (model,field,lead,rmse,bias,acc,initial_times), written by rank 0 under a
  temporary name and renamed when every line is out: an error (a full disk) leaves no partial table and an older file
  untouched.
@*/
PetscErrorCode HcEvalWriteCSV(HcEval ev, const char csv[])
{
  PetscInt    order[HC_EVAL_MAXTABLES];
  PetscMPIInt rank;
  int         err = 0;
  char        tmp[PETSC_MAX_PATH_LEN + 32];
  FILE       *fp = NULL;

  PetscFunctionBegin;
  PetscCall(HcEvalCheckCounts_Private(ev));
  HcEvalOrder_Private(ev, order);
  PetscCallMPI(MPI_Comm_rank(ev->comm, &rank));
  if (!rank) {
    PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp.%d", csv, (int)getpid()));
    fp  = fopen(tmp, "w");
    err = fp ? 0 : (errno ? errno : EIO);
    if (fp) fprintf(fp, "model,field,lead,rmse,bias,acc,initial_times\n");
    for (PetscInt q = 0; fp && q < ev->ntab; q++)
      for (PetscInt c = 0; c < ev->nc; c++) {
        const HcSkillTable *t = &ev->tab[order[q]];
        const char         *name;

        PetscCall(HcGridGetFieldName(ev->grid, c, &name));
        for (PetscInt l = 1; l <= ev->maxlead; l++) {
          PetscReal r, b, a;

          HcEvalStats_Private(&t->s[l * ev->nc + c], &r, &b, &a);
          fprintf(fp, "%s,%s,%" PetscInt_FMT ",%.10g,%.10g,%.10g,%" PetscInt_FMT "\n", t->label, name, l, (double)r, (double)b,
                  (double)a, t->n[l]);
        }
      }
    if (fp) {
      const int bad = ferror(fp);

      if ((fclose(fp) || bad) && !err) err = errno ? errno : EIO;
      if (!err && rename(tmp, csv)) err = errno ? errno : EIO;
      if (err) (void)unlink(tmp);
    }
    if (err && HcFileSystemFull(csv)) err = ENOSPC;
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, ev->comm));
  PetscCheck(!err, ev->comm, PETSC_ERR_FILE_WRITE, "-evaluate_csv %s: cannot write it: %s", csv, strerror(err));
  PetscFunctionReturn(0);
}

PetscErrorCode HcEvalDestroy(HcEval *ev)
{
  HcEval e;

  PetscFunctionBegin;
  if (!ev || !*ev) PetscFunctionReturn(0);
  e   = *ev;
  *ev = NULL;
  for (PetscInt m = 0; m < e->ntab; m++) PetscCall(PetscFree2(e->tab[m].s, e->tab[m].n));
  if (e->states) PetscCall(VecDestroyVecs(e->maxlead, &e->states));
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
