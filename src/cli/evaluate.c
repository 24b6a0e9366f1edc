/* hycast evaluate: forecast skill per lead time against the truth, with persistence and climatology as baselines.

   Hindcasts:  hycast evaluate -truth T.nc -data_vars sst -models hybrid.nc,physics.nc -evaluate_dates 2019-01-01,2020-02-01
                               -evaluate_leads 6
     every model (rebuilt on the truth's grid, whatever grid it was trained on) is run from every truth state whose
     date lies in the range (from the first state at or after its first date to the last at or before its last date),
     for the given number of leads, as far as the truth goes.
   Forecast files:  hycast evaluate -truth T.nc -data_vars sst -forecast F.nc[,G.nc]
     files written by hycast forecast, matched to the truth by date.

   Statistics over the active cells (or those in -evaluate_box), area-weighted, per model, field and lead: RMSE, bias, and the
   anomaly correlation (anomalies from the climatology).  Climatology: the mean of the truth before the first initial time (or
   over -evaluate_climatology_dates), by calendar month when the data is monthly.  A text table, and -evaluate_csv FILE, with
   the number of initial times scored at each lead. */
#define _POSIX_C_SOURCE 200809L /* getpid */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"

#define HC_EVAL_MAXMODELS  16
#define HC_EVAL_MAXLEADS   128
#define HC_MAX_FIELDS_EVAL 16

typedef struct {
  PetscReal sa, se, se2, sfa2, sya2, sfaya; /* sums of area, error, error^2, anomaly products */
} HcSkill;

typedef struct {
  char      label[64];
  HcSkill  *s; /* [lead][field] */
  PetscInt *n; /* [lead]: forecasts scored at that lead (fewer at long leads when the truth or a forecast file ends) */
} HcSkillTable;

typedef struct {
  HcGrid     grid;
  Vec        area;
  PetscInt   nc, nt, maxlead;
  PetscReal *t;
  Vec       *y; /* truth states */
  PetscBool  monthly;
  Vec        clim[12]; /* one (not monthly) or twelve climatological fields */
  PetscInt  *month;    /* calendar month of every truth time (0-11) */
  HcReader   reader;
  Vec        scored; /* 1 on the active cells that are scored (all, or those in -evaluate_box), else 0 */
  PetscInt   nscored;
} HcTruth;

/* The calendar month (0-11) of a model time, through the reader's date formatting. */
static PetscErrorCode HcEvaluateMonth(HcReader r, PetscReal t, PetscInt *m)
{
  char date[64];
  int  y = 0, mo = 1;

  PetscFunctionBegin;
  PetscCall(HcReaderFormatTime(r, t, date, sizeof(date)));
  if (sscanf(date, "%d-%d", &y, &mo) != 2) mo = 1;
  *m = (PetscInt)(mo - 1);
  PetscFunctionReturn(0);
}

/* The truth index of a date: the first state at or after it (nt if none: where a range starts), or with last the last
   state at or before it (-1 if none: where a range ends, so that the range holds no state after its end date). */
static PetscErrorCode HcEvaluateIndex(HcTruth *tr, const char date[], PetscBool last, PetscInt *k)
{
  PetscReal t, tol;

  PetscFunctionBegin;
  PetscCall(HcReaderParseDate(tr->reader, date, &t));
  tol = 1e-6 * PetscMax(PetscAbsReal(t), 1);
  if (last)
    for (*k = tr->nt - 1; *k >= 0 && tr->t[*k] > t + tol; (*k)--) {}
  else
    for (*k = 0; *k < tr->nt && tr->t[*k] < t - tol; (*k)++) {}
  PetscFunctionReturn(0);
}

/* The truth states [k0, k1] from date dates[0] to dates[1] (option opt, for the messages): at least one. */
static PetscErrorCode HcEvaluateDateRange(MPI_Comm comm, HcTruth *tr, const char opt[], char *dates[], PetscInt *k0, PetscInt *k1)
{
  PetscReal t0, t1;
  char      d0[64], d1[64];

  PetscFunctionBegin;
  PetscCall(HcReaderParseDate(tr->reader, dates[0], &t0));
  PetscCall(HcReaderParseDate(tr->reader, dates[1], &t1));
  PetscCheck(t0 <= t1, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s %s,%s: the first date is after the last", opt, dates[0], dates[1]);
  PetscCall(HcEvaluateIndex(tr, dates[0], PETSC_FALSE, k0));
  PetscCall(HcEvaluateIndex(tr, dates[1], PETSC_TRUE, k1));
  PetscCall(HcReaderFormatTime(tr->reader, tr->t[0], d0, sizeof(d0)));
  PetscCall(HcReaderFormatTime(tr->reader, tr->t[tr->nt - 1], d1, sizeof(d1)));
  PetscCheck(*k0 <= *k1, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s %s,%s: no truth state lies between these dates (the truth's %" PetscInt_FMT " states run from %s to %s)", opt,
             dates[0], dates[1], tr->nt, d0, d1);
  PetscFunctionReturn(0);
}

/* Climatology from truth indices [k0, k1): by calendar month for monthly data, else one mean field. */
static PetscErrorCode HcEvaluateClimatology(MPI_Comm comm, HcTruth *tr, PetscInt k0, PetscInt k1)
{
  PetscInt cnt[12] = {0};
  char     d0[64], d1[64];

  PetscFunctionBegin;
  PetscCheck(k1 > k0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "no truth before the first initial time to make the climatology from (give -evaluate_climatology_dates)");
  PetscCall(HcReaderFormatTime(tr->reader, tr->t[k0], d0, sizeof(d0)));
  PetscCall(HcReaderFormatTime(tr->reader, tr->t[k1 - 1], d1, sizeof(d1)));
  PetscCall(PetscPrintf(comm,
                        "hycast evaluate: climatology %s of truth states %" PetscInt_FMT " .. %" PetscInt_FMT " (%s .. %s)\n",
                        tr->monthly ? "by calendar month" : "the mean", k0, k1 - 1, d0, d1));
  for (PetscInt m = 0; m < 12; m++) {
    PetscCall(VecDuplicate(tr->y[0], &tr->clim[m]));
    PetscCall(VecSet(tr->clim[m], 0));
  }
  for (PetscInt k = k0; k < k1; k++) {
    const PetscInt m = tr->monthly ? tr->month[k] : 0;

    PetscCall(VecAXPY(tr->clim[m], 1, tr->y[k]));
    cnt[m]++;
  }
  for (PetscInt m = 0; m < (tr->monthly ? 12 : 1); m++) {
    PetscCheck(cnt[m] > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "the climatology period (%s .. %s) has no data for calendar month %" PetscInt_FMT, d0, d1, m + 1);
    PetscCall(VecScale(tr->clim[m], 1.0 / cnt[m]));
  }
  PetscFunctionReturn(0);
}

static Vec HcEvaluateClimAt(HcTruth *tr, PetscInt k)
{
  return tr->clim[tr->monthly ? tr->month[k] : 0];
}

/* Add the comparison of forecast f with the truth at index k (lead l) to the skill sums of a table. */
static PetscErrorCode HcEvaluateAccumulate(HcTruth *tr, HcSkillTable *tab, PetscInt lead, Vec f, PetscInt k)
{
  DM                   da, da1;
  Vec                  mask;
  const PetscScalar ***F, ***Y, ***C, **mk, **A;
  PetscInt             xs, ys, xm, ym;
  PetscReal            loc[HC_MAX_FIELDS_EVAL][6];

  PetscFunctionBegin;
  PetscCall(HcGridGetDM(tr->grid, &da));
  PetscCall(HcGridGetScalarDM(tr->grid, &da1));
  mask = tr->scored;
  PetscCall(HcGridGetOwnership(tr->grid, &xs, &ys, &xm, &ym));
  PetscCall(PetscMemzero(loc, sizeof(loc)));
  PetscCall(DMDAVecGetArrayDOFRead(da, f, &F));
  PetscCall(DMDAVecGetArrayDOFRead(da, tr->y[k], &Y));
  PetscCall(DMDAVecGetArrayDOFRead(da, HcEvaluateClimAt(tr, k), &C));
  PetscCall(DMDAVecGetArrayRead(da1, mask, &mk));
  PetscCall(DMDAVecGetArrayRead(da1, tr->area, &A));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++) {
      if (mk[j][i] == 0) continue;
      for (PetscInt c = 0; c < tr->nc; c++) {
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
  PetscCall(DMDAVecRestoreArrayRead(da1, tr->area, &A));
  PetscCall(DMDAVecRestoreArrayRead(da1, mask, &mk));
  PetscCall(DMDAVecRestoreArrayDOFRead(da, HcEvaluateClimAt(tr, k), &C));
  PetscCall(DMDAVecRestoreArrayDOFRead(da, tr->y[k], &Y));
  PetscCall(DMDAVecRestoreArrayDOFRead(da, f, &F));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, loc, 6 * HC_MAX_FIELDS_EVAL, MPIU_REAL, MPI_SUM, PetscObjectComm((PetscObject)f)));
  tab->n[lead]++;
  for (PetscInt c = 0; c < tr->nc; c++) {
    HcSkill *q = &tab->s[lead * tr->nc + c];

    q->sa += loc[c][0];
    q->se += loc[c][1];
    q->se2 += loc[c][2];
    q->sfa2 += loc[c][3];
    q->sya2 += loc[c][4];
    q->sfaya += loc[c][5];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcEvaluateTableCreate(HcTruth *tr, const char label[], HcSkillTable *t)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(t->label, label, sizeof(t->label)));
  PetscCall(PetscCalloc2((tr->maxlead + 1) * tr->nc, &t->s, tr->maxlead + 1, &t->n));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcEvaluateTableDestroy(HcSkillTable *t)
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(t->s, t->n));
  PetscFunctionReturn(0);
}

/* RMSE, bias and anomaly correlation of a table entry. */
static void HcEvaluateStats(const HcSkill *q, PetscReal *rmse, PetscReal *bias, PetscReal *acc)
{
  *rmse = q->sa > 0 ? PetscSqrtReal(q->se2 / q->sa) : (PetscReal)NAN;
  *bias = q->sa > 0 ? q->se / q->sa : (PetscReal)NAN;
  *acc  = q->sfa2 > 0 && q->sya2 > 0 ? q->sfaya / PetscSqrtReal(q->sfa2 * q->sya2) : (PetscReal)NAN;
}

/* The tables, each with the number of initial times per lead: every table scores the same forecasts (the models' and the
   baselines' from the same initial times), and a long lead has fewer of them when the truth or a forecast file ends. */
static PetscErrorCode HcEvaluatePrint(MPI_Comm comm, HcTruth *tr, PetscInt ntab, HcSkillTable *tab, const char csv[])
{
  FILE     *fp       = NULL;
  PetscBool unscored = PETSC_FALSE;

  PetscFunctionBegin;
  for (PetscInt l = 1; l <= tr->maxlead; l++) {
    for (PetscInt m = 1; m < ntab; m++)
      PetscAssert(tab[m].n[l] == tab[0].n[l], comm, PETSC_ERR_PLIB,
                  "%s and %s score %" PetscInt_FMT " and %" PetscInt_FMT " initial times at lead %" PetscInt_FMT, tab[0].label,
                  tab[m].label, tab[0].n[l], tab[m].n[l], l);
    unscored = (PetscBool)(unscored || !tab[0].n[l]);
  }
  for (PetscInt c = 0; c < tr->nc; c++) {
    const char *name;
    PetscBool   undefined = PETSC_FALSE;

    PetscCall(HcGridGetFieldName(tr->grid, c, &name));
    for (int what = 0; what < 3; what++) {
      PetscCall(PetscPrintf(comm, "\n%s of %s by lead (area-weighted over %" PetscInt_FMT " scored cell(s))\n",
                            what == 0   ? "RMSE"
                            : what == 1 ? "bias"
                                        : "anomaly correlation",
                            name, tr->nscored));
      PetscCall(PetscPrintf(comm, "%-14s", "lead"));
      for (PetscInt l = 1; l <= tr->maxlead; l++) PetscCall(PetscPrintf(comm, " %10" PetscInt_FMT, l));
      PetscCall(PetscPrintf(comm, "\n%-14s", "initial times"));
      for (PetscInt l = 1; l <= tr->maxlead; l++) PetscCall(PetscPrintf(comm, " %10" PetscInt_FMT, tab[0].n[l]));
      PetscCall(PetscPrintf(comm, "\n"));
      for (PetscInt m = 0; m < ntab; m++) {
        PetscCall(PetscPrintf(comm, "%-14s", tab[m].label));
        for (PetscInt l = 1; l <= tr->maxlead; l++) {
          PetscReal r, b, a;

          HcEvaluateStats(&tab[m].s[l * tr->nc + c], &r, &b, &a);
          r         = what == 0 ? r : what == 1 ? b : a;
          undefined = (PetscBool)(undefined || PetscIsNanReal(r));
          if (PetscIsNanReal(r))
            PetscCall(PetscPrintf(comm, " %10s", "n/a"));
          else
            PetscCall(PetscPrintf(comm, " %10.4g", (double)r));
        }
        PetscCall(PetscPrintf(comm, "\n"));
      }
    }
    if (undefined)
      PetscCall(PetscPrintf(comm,
                            "(n/a: undefined; %sthe anomaly correlation of climatology, whose anomaly is zero, always is)\n",
                            unscored ? "at a lead with 0 initial times every statistic is, and " : ""));
  }
  if (csv && csv[0]) {
    /* written by rank 0 under a temporary name and renamed when every line is out: an error (a full disk) leaves
       no partial table and an older file untouched */
    PetscMPIInt rank;
    int         err = 0;
    char        tmp[PETSC_MAX_PATH_LEN + 32];

    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    if (!rank) {
      PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp.%d", csv, (int)getpid()));
      fp  = fopen(tmp, "w");
      err = fp ? 0 : (errno ? errno : EIO);
      if (fp) fprintf(fp, "model,field,lead,rmse,bias,acc,initial_times\n");
      for (PetscInt m = 0; fp && m < ntab; m++)
        for (PetscInt c = 0; c < tr->nc; c++) {
          const char *name;

          PetscCall(HcGridGetFieldName(tr->grid, c, &name));
          for (PetscInt l = 1; l <= tr->maxlead; l++) {
            PetscReal r, b, a;

            HcEvaluateStats(&tab[m].s[l * tr->nc + c], &r, &b, &a);
            fprintf(fp, "%s,%s,%" PetscInt_FMT ",%.10g,%.10g,%.10g,%" PetscInt_FMT "\n", tab[m].label, name, l, (double)r,
                    (double)b, (double)a, tab[m].n[l]);
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
    PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
    PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "-evaluate_csv %s: cannot write it: %s", csv, strerror(err));
    PetscCall(PetscPrintf(comm, "\nwritten to %s\n", csv));
  }
  PetscFunctionReturn(0);
}

/* Is longitude x in [x0, x1], also when the box or the grid's longitudes are given in another 360-degree turn? */
static PetscBool HcEvaluateInLongitude(PetscReal x, PetscReal x0, PetscReal x1)
{
  const PetscReal tol = 1e-9 * PetscMax(1, PetscAbsReal(x));

  x -= 360 * PetscFloorReal((x - x0 + tol) / 360); /* into [x0, x0 + 360) */
  return (PetscBool)(x <= x1 + tol);
}

/* The scored cells: every active cell, or those whose centre lies in box = x0,x1,y0,y1 (for a score over a region of a
   larger domain, e.g. a model trained on an ocean basin scored on one box of it). */
static PetscErrorCode HcEvaluateSetScored(MPI_Comm comm, HcTruth *tr, const PetscReal box[])
{
  Vec              mask;
  PetscScalar    **sc;
  const PetscReal *xc, *yc;
  HcGridType       type;
  PetscInt         xs, ys, xm, ym, n;
  PetscReal        x1, sum;

  PetscFunctionBegin;
  PetscCall(HcGridGetMask(tr->grid, &mask));
  PetscCall(VecDuplicate(mask, &tr->scored));
  PetscCall(VecCopy(mask, tr->scored));
  if (box) {
    DM da1;

    PetscCall(HcGridGetScalarDM(tr->grid, &da1));
    PetscCall(HcGridGetType(tr->grid, &type));
    /* as -data_box: on lat-lon grids lon1 < lon0 is a box across 0 E (or 180 E) */
    PetscCheck(type == HC_GRID_LATLON || box[0] <= box[1], comm, PETSC_ERR_ARG_WRONG, "-evaluate_box: x0 %g is above x1 %g",
               (double)box[0], (double)box[1]);
    x1 = box[1] < box[0] ? box[1] + 360 : box[1];
    PetscCall(HcGridGetCoordinates(tr->grid, &xc, &yc));
    PetscCall(HcGridGetOwnership(tr->grid, &xs, &ys, &xm, &ym));
    PetscCall(DMDAVecGetArray(da1, tr->scored, &sc));
    for (PetscInt j = ys; j < ys + ym; j++)
      for (PetscInt i = xs; i < xs + xm; i++) {
        const PetscBool inx =
            type == HC_GRID_LATLON ? HcEvaluateInLongitude(xc[i], box[0], x1) : (PetscBool)(xc[i] >= box[0] && xc[i] <= box[1]);

        if (!inx || yc[j] < box[2] || yc[j] > box[3]) sc[j][i] = 0;
      }
    PetscCall(DMDAVecRestoreArray(da1, tr->scored, &sc));
  }
  PetscCall(VecSum(tr->scored, &sum));
  tr->nscored = n = (PetscInt)PetscRealPart(sum);
  PetscCheck(n > 0 || !box, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-evaluate_box %g,%g,%g,%g: no active cell of the truth's grid has its centre in the box", (double)box[0],
             (double)box[1], (double)box[2], (double)box[3]);
  PetscCheck(n > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "hycast evaluate: the truth has no active cell");
  if (box)
    PetscCall(PetscPrintf(
        comm, "hycast evaluate: scoring the %" PetscInt_FMT " active cell(s) with centres in x %g to %g, y %g to %g\n", n,
        (double)box[0], (double)box[1], (double)box[2], (double)box[3]));
  PetscFunctionReturn(0);
}

/* The truth: every state of the selected environment, times, calendar months. */
static PetscErrorCode HcEvaluateReadTruth(MPI_Comm comm, const char file[], const PetscReal box[], HcTruth *tr)
{
  const PetscReal *t;

  PetscFunctionBegin;
  PetscCall(HcReaderCreate(comm, &tr->reader));
  PetscCall(HcReaderSetFromOptions(tr->reader));
  if (file[0]) PetscCall(HcReaderSetFile(tr->reader, file));
  PetscCall(HcReaderSetUp(tr->reader));
  PetscCall(HcReaderGetGrid(tr->reader, &tr->grid));
  PetscCall(HcGridGetNumFields(tr->grid, &tr->nc));
  PetscCheck(tr->nc <= HC_MAX_FIELDS_EVAL, comm, PETSC_ERR_SUP, "hycast evaluate: at most %d fields", HC_MAX_FIELDS_EVAL);
  PetscCall(HcGridCreateAreaVector(tr->grid, &tr->area));
  PetscCall(HcEvaluateSetScored(comm, tr, box));
  PetscCall(HcReaderGetTimes(tr->reader, &tr->nt, &t));
  PetscCall(PetscMalloc2(tr->nt, &tr->t, tr->nt, &tr->month));
  PetscCall(PetscArraycpy(tr->t, t, tr->nt));
  {
    Vec proto;

    PetscCall(HcGridCreateGlobalVector(tr->grid, &proto));
    PetscCall(VecDuplicateVecs(proto, tr->nt, &tr->y));
    PetscCall(VecDestroy(&proto));
  }
  for (PetscInt k = 0; k < tr->nt; k++) {
    PetscCall(HcReaderRead(tr->reader, k, tr->y[k]));
    PetscCall(HcEvaluateMonth(tr->reader, tr->t[k], &tr->month[k]));
  }
  /* monthly when consecutive states are 27 to 32 days apart */
  tr->monthly = tr->nt > 1 ? PETSC_TRUE : PETSC_FALSE;
  for (PetscInt k = 1; k < tr->nt; k++) {
    const PetscReal days = (tr->t[k] - tr->t[k - 1]) / 86400;
    if (days < 27 || days > 32) tr->monthly = PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcEvaluateDestroyTruth(HcTruth *tr)
{
  PetscFunctionBegin;
  for (PetscInt m = 0; m < 12; m++) PetscCall(VecDestroy(&tr->clim[m]));
  PetscCall(VecDestroyVecs(tr->nt, &tr->y));
  PetscCall(PetscFree2(tr->t, tr->month));
  PetscCall(VecDestroy(&tr->area));
  PetscCall(VecDestroy(&tr->scored));
  PetscCall(HcReaderDestroy(&tr->reader));
  PetscFunctionReturn(0);
}

/* A forecast file with the truth's variables; none of the truth's selections (-data_*) apply to it. */
static PetscErrorCode HcEvaluateOpenForecast(MPI_Comm comm, HcTruth *tr, const char file[], HcReader *r)
{
  const char *names[HC_MAX_FIELDS_EVAL];

  PetscFunctionBegin;
  for (PetscInt c = 0; c < tr->nc; c++) PetscCall(HcGridGetFieldName(tr->grid, c, &names[c]));
  PetscCall(HcReaderCreate(comm, r));
  PetscCall(HcReaderSetFile(*r, file));
  PetscCall(HcReaderSetVariables(*r, tr->nc, names));
  PetscCall(HcReaderSetUp(*r));
  PetscFunctionReturn(0);
}

/* Forecast files: each matched to the truth by date; lead l = step l of the file, scored in the files that reach it.
   Persistence and climatology come from the truth at each file's initial time; the climatology from the truth states
   [clim0, clim1) (clim0 < 0: those before the first file's initial time). */
static PetscErrorCode HcEvaluateFiles(MPI_Comm comm, HcTruth *tr, PetscInt nf, char *files[], const char csv[], PetscInt clim0,
                                      PetscInt clim1)
{
  HcSkillTable tab[3];
  PetscInt     first = tr->nt;
  const char  *tunits, *tcal;

  PetscFunctionBegin;
  PetscCall(HcReaderGetTimeUnits(tr->reader, &tunits, &tcal));
  tr->maxlead = 0;
  /* the leads, the first initial time and the checks, before anything is accumulated */
  for (PetscInt f = 0; f < nf; f++) {
    HcReader         r;
    HcGrid           g;
    PetscInt         n, nx, ny, tx, ty, k0 = 0;
    const PetscReal *t, *fx, *fy, *gx, *gy;
    const char      *units, *cal;
    char             date[64];
    PetscBool        same;

    PetscCall(HcEvaluateOpenForecast(comm, tr, files[f], &r));
    PetscCall(HcReaderGetTimeUnits(r, &units, &cal));
    PetscCall(PetscStrcmp(cal, tcal, &same));
    PetscCheck(same, comm, PETSC_ERR_ARG_INCOMP, "%s: calendar '%s' differs from the truth's '%s'; the dates cannot be matched",
               files[f], cal, tcal);
    PetscCall(HcReaderGetGrid(r, &g));
    PetscCall(HcGridGetSizes(g, &nx, &ny));
    PetscCall(HcGridGetSizes(tr->grid, &tx, &ty));
    PetscCall(HcGridGetCoordinates(g, &fx, &fy));
    PetscCall(HcGridGetCoordinates(tr->grid, &gx, &gy));
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
      PetscCall(HcEvaluateIndex(tr, date, PETSC_FALSE, &k));
      PetscCheck(k < tr->nt, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: lead %" PetscInt_FMT " (%s) lies beyond the truth's time range",
                 files[f], l, date);
      {
        char tdate[64];

        PetscCall(HcReaderFormatTime(tr->reader, tr->t[k], tdate, sizeof(tdate)));
        PetscCall(PetscStrcmp(date, tdate, &same));
        PetscCheck(same, comm, PETSC_ERR_ARG_OUTOFRANGE,
                   "%s: lead %" PetscInt_FMT " (%s) has no truth at that date (the nearest is %s)", files[f], l, date, tdate);
      }
      if (!l) k0 = k;
    }
    tr->maxlead = PetscMax(tr->maxlead, PetscMin(n - 1, HC_EVAL_MAXLEADS));
    first       = PetscMin(first, k0);
    PetscCall(HcReaderDestroy(&r));
  }
  PetscCall(PetscPrintf(comm, "hycast evaluate: %" PetscInt_FMT " forecast file(s), up to %" PetscInt_FMT " lead(s)\n", nf,
                        tr->maxlead));
  PetscCall(HcEvaluateClimatology(comm, tr, clim0 >= 0 ? clim0 : 0, clim0 >= 0 ? clim1 : first));
  PetscCall(HcEvaluateTableCreate(tr, "forecast", &tab[0]));
  PetscCall(HcEvaluateTableCreate(tr, "persistence", &tab[1]));
  PetscCall(HcEvaluateTableCreate(tr, "climatology", &tab[2]));
  for (PetscInt f = 0; f < nf; f++) {
    HcReader         r;
    PetscInt         n, ne, k0 = 0;
    const PetscReal *t;
    Vec              u, mean;
    char             date[64];

    PetscCall(HcEvaluateOpenForecast(comm, tr, files[f], &r));
    PetscCall(HcReaderGetTimes(r, &n, &t));
    PetscCall(HcReaderGetNumEnvironments(r, &ne));
    PetscCall(VecDuplicate(tr->y[0], &u));
    PetscCall(VecDuplicate(tr->y[0], &mean));
    for (PetscInt l = 0; l < PetscMin(n, HC_EVAL_MAXLEADS + 1); l++) {
      PetscInt k = 0;

      PetscCall(HcReaderFormatTime(r, t[l], date, sizeof(date)));
      PetscCall(HcEvaluateIndex(tr, date, PETSC_FALSE, &k));
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
      PetscCall(HcEvaluateAccumulate(tr, &tab[0], l, mean, k));
      PetscCall(HcEvaluateAccumulate(tr, &tab[1], l, tr->y[k0], k));
      PetscCall(HcEvaluateAccumulate(tr, &tab[2], l, HcEvaluateClimAt(tr, k), k));
    }
    PetscCall(VecDestroy(&u));
    PetscCall(VecDestroy(&mean));
    PetscCall(HcReaderDestroy(&r));
  }
  PetscCall(HcEvaluatePrint(comm, tr, 3, tab, csv));
  for (int m = 0; m < 3; m++) PetscCall(HcEvaluateTableDestroy(&tab[m]));
  PetscFunctionReturn(0);
}

/* A model with environment terms runs as environment env (default: the environment of the truth being read). */
static PetscErrorCode HcEvaluateSetEnvironment(MPI_Comm comm, HcModel model, const char file[], HcTruth *tr, PetscInt env)
{
  PetscInt nenv;

  PetscFunctionBegin;
  PetscCall(HcModelGetNumEnvironments(model, &nenv));
  if (!nenv) PetscFunctionReturn(0);
  if (env < 0) PetscCall(HcReaderGetEnvironment(tr->reader, &env));
  PetscCheck(env >= 0 && env < nenv, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "model %s has terms for %" PetscInt_FMT " environments; environment %" PetscInt_FMT
             " (-evaluate_env, or -data_env of the truth) is not one of them",
             file, nenv, env);
  PetscCall(HcModelSetEnvironment(model, env));
  PetscFunctionReturn(0);
}

/* Hindcasts: every model from every initial time in [k0, k1], maxlead leads (as far as the truth goes: an initial time
   near its end is scored at the short leads only). */
static PetscErrorCode HcEvaluateHindcasts(MPI_Comm comm, HcTruth *tr, PetscInt nm, char *models[], char *labels[], PetscInt k0,
                                          PetscInt k1, const char csv[], PetscInt clim0, PetscInt clim1, PetscInt env)
{
  HcSkillTable tab[HC_EVAL_MAXMODELS + 2];
  Vec         *states, u;
  PetscInt     ninit = 0;

  PetscFunctionBegin;
  PetscCall(HcEvaluateClimatology(comm, tr, clim0 >= 0 ? clim0 : 0, clim0 >= 0 ? clim1 : k0));
  for (PetscInt m = 0; m < nm; m++) PetscCall(HcEvaluateTableCreate(tr, labels[m], &tab[m]));
  PetscCall(HcEvaluateTableCreate(tr, "persistence", &tab[nm]));
  PetscCall(HcEvaluateTableCreate(tr, "climatology", &tab[nm + 1]));
  PetscCall(VecDuplicate(tr->y[0], &u));
  PetscCall(VecDuplicateVecs(tr->y[0], tr->maxlead, &states));
  for (PetscInt k = k0; k <= k1; k++) {
    const PetscInt nl = PetscMin(tr->maxlead, tr->nt - 1 - k);

    if (nl < 1) continue;
    ninit++;
    for (PetscInt l = 1; l <= nl; l++) {
      PetscCall(HcEvaluateAccumulate(tr, &tab[nm], l, tr->y[k], k + l));
      PetscCall(HcEvaluateAccumulate(tr, &tab[nm + 1], l, HcEvaluateClimAt(tr, k + l), k + l));
    }
  }
  for (PetscInt m = 0; m < nm; m++) {
    HcModel   model;
    PetscReal t0, t1;

    PetscCall(HcModelCreateFromFile(tr->grid, models[m], NULL, &model));
    PetscCall(HcModelSetUp(model));
    PetscCall(HcModelLoadParameters(model, models[m]));
    PetscCall(HcEvaluateSetEnvironment(comm, model, models[m], tr, env));
    if (!m) PetscCall(HcCommandCheckOptions(comm)); /* the first model has read the command line's model options */
    t0 = MPI_Wtime();
    for (PetscInt k = k0; k <= k1; k++) {
      const PetscInt nl = PetscMin(tr->maxlead, tr->nt - 1 - k);

      if (nl < 1) continue;
      PetscCall(VecCopy(tr->y[k], u));
      PetscCall(HcModelSolve(model, nl, tr->t + k, u, states));
      for (PetscInt l = 1; l <= nl; l++) PetscCall(HcEvaluateAccumulate(tr, &tab[m], l, states[l - 1], k + l));
    }
    t1 = MPI_Wtime();
    PetscCall(PetscPrintf(comm, "  %-12s %s: %" PetscInt_FMT " hindcast(s) in %.1f s\n", labels[m], models[m], ninit, t1 - t0));
    PetscCall(HcModelDestroy(&model));
  }
  PetscCall(HcEvaluatePrint(comm, tr, nm + 2, tab, csv));
  for (PetscInt m = 0; m < nm + 2; m++) PetscCall(HcEvaluateTableDestroy(&tab[m]));
  PetscCall(VecDestroyVecs(tr->maxlead, &states));
  PetscCall(VecDestroy(&u));
  PetscFunctionReturn(0);
}

PetscErrorCode HcCommandEvaluate(MPI_Comm comm)
{
  char truth[PETSC_MAX_PATH_LEN] = "", csv[PETSC_MAX_PATH_LEN] = "", *models[HC_EVAL_MAXMODELS], *labels[HC_EVAL_MAXMODELS],
       *files[HC_EVAL_MAXMODELS], *dates[2], *cdates[2];
  PetscInt nm = HC_EVAL_MAXMODELS, nlab = HC_EVAL_MAXMODELS, nf = HC_EVAL_MAXMODELS, nd = 2, ncd = 2, inits[2] = {0, -1}, ni = 2,
           leads = 6, k0 = 0, k1 = 0, c0 = -1, c1 = -1, env = -1;
  PetscBool hasm, hasl, hasf, hasd, hasi, hascd, hasbox, help;
  PetscReal box[4] = {0, 0, 0, 0};
  PetscInt  nbox   = 4;
  HcTruth   tr;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&tr, sizeof(tr)));
  PetscOptionsBegin(comm, NULL, "hycast evaluate: forecast skill against the truth, with persistence and climatology",
                    "evaluate");
  PetscCall(PetscOptionsString("-truth",
                               "NetCDF file with the truth (same as -data_file; -data_* options select variables, box, ...)", "",
                               truth, truth, sizeof(truth), NULL));
  PetscCall(PetscOptionsStringArray("-models", "Model files to run hindcasts with (from hycast train), on the truth's grid", "",
                                    models, &nm, &hasm));
  PetscCall(PetscOptionsStringArray("-evaluate_labels", "Names of the models in the table (default: model1, model2, ...)", "",
                                    labels, &nlab, &hasl));
  PetscCall(PetscOptionsStringArray("-forecast", "Forecast files to score (from hycast forecast), instead of -models", "", files,
                                    &nf, &hasf));
  PetscCall(PetscOptionsStringArray("-evaluate_dates",
                                    "First and last initial dates of the hindcasts (YYYY-MM-DD): the truth states from the first "
                                    "at or after the one to the last at or before the other",
                                    "", dates, &nd, &hasd));
  PetscCall(PetscOptionsIntArray("-evaluate_inits", "First and last initial time indices of the hindcasts, instead of dates", "",
                                 inits, &ni, &hasi));
  PetscCall(
      PetscOptionsInt("-evaluate_leads", "Number of leads (observation intervals) of the hindcasts", "", leads, &leads, NULL));
  PetscCall(
      PetscOptionsStringArray("-evaluate_climatology_dates",
                              "Period of the climatology, first and last date: the truth states from the first at or after "
                              "the one to the last at or before the other (default: the truth before the first initial time)",
                              "", cdates, &ncd, &hascd));
  PetscCall(PetscOptionsString("-evaluate_csv", "Also write the statistics to this CSV file", "", csv, csv, sizeof(csv), NULL));
  PetscCall(PetscOptionsRealArray("-evaluate_box",
                                  "Score only the cells with centres in lon0,lon1,lat0,lat1 (x0,x1,y0,y1; default: every active "
                                  "cell of the truth)",
                                  "", box, &nbox, &hasbox));
  PetscCall(PetscOptionsInt("-evaluate_env",
                            "Environment the models run as, when they have environment terms (default: -data_env of the truth)",
                            "HcModelSetEnvironment", env, &env, NULL));
  PetscOptionsEnd();
  PetscCall(HcCommandHelp(comm, truth[0] ? PETSC_TRUE : PETSC_FALSE, PETSC_FALSE, &help));
  if (help) PetscFunctionReturn(0);
  PetscCheck(hasm != hasf, comm, PETSC_ERR_ARG_WRONG,
             "hycast evaluate: give either -models (hindcasts) or -forecast (forecast files)");
  PetscCheck(!hasl || nlab == nm, comm, PETSC_ERR_ARG_SIZ,
             "-evaluate_labels: %" PetscInt_FMT " label(s) for %" PetscInt_FMT " model(s)", nlab, nm);
  PetscCheck(!hasd || nd == 2, comm, PETSC_ERR_ARG_SIZ, "-evaluate_dates takes two dates, first and last");
  PetscCheck(!hascd || ncd == 2, comm, PETSC_ERR_ARG_SIZ, "-evaluate_climatology_dates takes two dates, first and last");
  PetscCheck(leads >= 1 && leads <= HC_EVAL_MAXLEADS, comm, PETSC_ERR_ARG_OUTOFRANGE, "-evaluate_leads must be in [1, %d]",
             HC_EVAL_MAXLEADS);
  PetscCheck(!hasbox || (nbox == 4 && box[2] <= box[3]), comm, PETSC_ERR_ARG_WRONG,
             "-evaluate_box takes four values lon0,lon1,lat0,lat1 with lat0 <= lat1");
  PetscCheck(!(hasd && hasi), comm, PETSC_ERR_ARG_WRONG, "give either -evaluate_dates or -evaluate_inits, not both");
  PetscCheck(!hasf || !(hasd || hasi), comm, PETSC_ERR_ARG_WRONG,
             "-evaluate_dates and -evaluate_inits select hindcasts (-models); forecast files (-forecast) carry their own dates");
  PetscCall(HcCommandCheckOutput(comm, "-evaluate_csv", csv));
  PetscCall(HcCommandRefuseAuxiliary(comm));
  PetscCall(HcEvaluateReadTruth(comm, truth, hasbox ? box : NULL, &tr));
  if (hasf) PetscCall(HcCommandCheckOptions(comm));
  if (hascd) {
    PetscCall(HcEvaluateDateRange(comm, &tr, "-evaluate_climatology_dates", cdates, &c0, &c1));
    c1++; /* [c0, c1) */
  }
  if (hasf)
    PetscCall(HcEvaluateFiles(comm, &tr, nf, files, csv, c0, c1));
  else {
    char d0[64], d1[64];

    for (PetscInt m = 0; m < nm && !hasl; m++) {
      char l[32];

      PetscCall(PetscSNPrintf(l, sizeof(l), "model%" PetscInt_FMT, m + 1));
      PetscCall(PetscStrallocpy(l, &labels[m]));
    }
    PetscCall(HcReaderFormatTime(tr.reader, tr.t[tr.nt - 1], d1, sizeof(d1)));
    if (hasd) {
      /* the truth's states from the first date to the last, but the truth's last state: nothing follows it to score */
      PetscCall(HcEvaluateDateRange(comm, &tr, "-evaluate_dates", dates, &k0, &k1));
      PetscCheck(
          k0 < tr.nt - 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
          "-evaluate_dates %s,%s: the only truth state in the range is the truth's last (%s), which no truth state follows",
          dates[0], dates[1], d1);
      k1 = PetscMin(k1, tr.nt - 2);
    } else {
      k0 = inits[0];
      k1 = hasi && ni > 1 ? inits[1] : tr.nt - 2;
      PetscCheck(tr.nt > 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "the truth has a single time step (%s): nothing to score", d1);
      PetscCheck(k0 >= 0 && k0 <= k1 && k1 < tr.nt - 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "-evaluate_inits %" PetscInt_FMT ",%" PetscInt_FMT
                 ": give initial time indices first <= last in [0, %" PetscInt_FMT "] (the truth has %" PetscInt_FMT
                 " time steps; the last, %" PetscInt_FMT ", has no following state to score)",
                 k0, k1, tr.nt - 2, tr.nt, tr.nt - 1);
    }
    tr.maxlead = leads;
    PetscCall(HcReaderFormatTime(tr.reader, tr.t[k0], d0, sizeof(d0)));
    PetscCall(HcReaderFormatTime(tr.reader, tr.t[k1], d1, sizeof(d1)));
    PetscCall(PetscPrintf(comm,
                          "hycast evaluate: %" PetscInt_FMT " model(s), initial times %" PetscInt_FMT " .. %" PetscInt_FMT
                          " of %" PetscInt_FMT " (%s .. %s), %" PetscInt_FMT " lead(s)\n",
                          nm, k0, k1, tr.nt, d0, d1, leads));
    PetscCall(HcEvaluateHindcasts(comm, &tr, nm, models, labels, k0, k1, csv, c0, c1, env));
  }
  for (PetscInt m = 0; m < (hasm ? nm : 0); m++) {
    PetscCall(PetscFree(models[m]));
    PetscCall(PetscFree(labels[m]));
  }
  for (PetscInt f = 0; f < (hasf ? nf : 0); f++) PetscCall(PetscFree(files[f]));
  for (PetscInt d = 0; d < (hasd ? 2 : 0); d++) PetscCall(PetscFree(dates[d]));
  for (PetscInt d = 0; d < (hascd ? 2 : 0); d++) PetscCall(PetscFree(cdates[d]));
  PetscCall(HcEvaluateDestroyTruth(&tr));
  PetscFunctionReturn(0);
}
