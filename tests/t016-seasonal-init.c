static const char help[] =
    "Initialisation of the seasonal cycle from data (HcTrainerInitializeSeasonalCycle): a synthetic NetCDF file written\n"
    "with HcWriter (two environments, monthly states on the first of every month 1990-01 .. 1992-12, 'days since\n"
    "1990-01-01', land) with a known seasonal cycle is read back as hycast train does; the cycle values must be the\n"
    "means, per calendar month, of the training states of both environments (training part of the time split only),\n"
    "land 0, the rates untouched; one calendar month per phase.  With a training part shorter than a year the months\n"
    "without a state get the mean of all training states.\n";

#include "testutil.h"

#define NY 3
#define NM (12 * NY)

static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* the value written: a seasonal cycle per cell, a trend and an environment offset */
static PetscReal Value(PetscInt e, PetscInt m, PetscInt i, PetscInt j, PetscInt f)
{
  return 15 + 5 * PetscSinReal(2 * PETSC_PI * (m % 12) / 12 + 2 * HcTestHash(3, i, j, f)) + 0.25 * (m / 12) + 0.7 * e +
         0.2 * HcTestHash(4, i, j, 100 * f + m);
}

static PetscErrorCode WriteFile(MPI_Comm comm, const char path[])
{
  HcGrid         grid;
  HcWriter       w;
  Vec            u;
  DM             da;
  PetscInt       xs, ys, xm, ym;
  PetscReal      day = 0;
  PetscScalar ***a;

  PetscFunctionBeginUser;
  PetscCall(HcTestCreateGrid(comm, HC_GRID_LATLON, 9, 7, 2, PETSC_FALSE, PETSC_FALSE, &grid));
  PetscCall(HcTestSetIrregularMask(grid, 13, 0.15));
  PetscCall(HcWriterCreate(grid, path, &w));
  PetscCall(HcWriterSetTimeUnits(w, "days since 1990-01-01 00:00:00", "standard"));
  PetscCall(HcWriterSetNumEnvironments(w, 2));
  PetscCall(HcWriterSetUp(w));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(HcGridGetDM(grid, &da));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  for (PetscInt m = 0; m < NM; m++) {
    for (PetscInt e = 0; e < 2; e++) {
      PetscCall(DMDAVecGetArrayDOF(da, u, &a));
      for (PetscInt j = ys; j < ys + ym; j++)
        for (PetscInt i = xs; i < xs + xm; i++)
          for (PetscInt f = 0; f < 2; f++) a[j][i][f] = Value(e, m, i, j, f);
      PetscCall(DMDAVecRestoreArrayDOF(da, u, &a));
      PetscCall(HcWriterWrite(w, e, m, day * 86400, u));
    }
    day += mdays[m % 12] + (m % 12 == 1 && (1990 + m / 12) % 4 == 0 ? 1 : 0); /* 1992 is a leap year */
  }
  PetscCall(HcWriterClose(w));
  PetscCall(HcWriterDestroy(&w));
  PetscCall(VecDestroy(&u));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

typedef struct {
  HcReader  reader;
  HcGrid    grid;
  PetscInt  nt;
  PetscReal t[NM];
  Vec       y[2][NM];
} Data;

static PetscErrorCode ReadData(MPI_Comm comm, const char path[], Data *d)
{
  const PetscReal *t;
  char             opts[1024];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(opts, sizeof(opts), "-data_file %s -data_vars a,b", path));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(HcReaderCreate(comm, &d->reader));
  PetscCall(HcReaderSetFromOptions(d->reader));
  PetscCall(HcReaderSetUp(d->reader));
  PetscCall(HcReaderGetGrid(d->reader, &d->grid));
  PetscCall(HcReaderGetTimes(d->reader, &d->nt, &t));
  PetscCheck(d->nt == NM, comm, PETSC_ERR_PLIB, "expected %d states, read %" PetscInt_FMT, NM, d->nt);
  PetscCall(PetscArraycpy(d->t, t, NM));
  for (PetscInt e = 0; e < 2; e++) {
    PetscCall(HcReaderSetEnvironment(d->reader, e));
    for (PetscInt m = 0; m < NM; m++) {
      PetscCall(HcGridCreateGlobalVector(d->grid, &d->y[e][m]));
      PetscCall(HcReaderRead(d->reader, m, d->y[e][m]));
    }
  }
  PetscFunctionReturn(0);
}

/* A model advdiff + seasonal on the data's grid and a trainer on both environments with the given split. */
static PetscErrorCode Setup(Data *d, const char split[], const char resume[], PetscBool learn, HcModel *model, HcTrainer *tr)
{
  HcTerm t;

  PetscFunctionBeginUser;
  PetscCall(HcModelCreate(d->grid, model));
  PetscCall(HcTermCreate(d->grid, &t));
  PetscCall(HcTermSetType(t, HCTERMADVDIFF));
  PetscCall(HcModelAddTerm(*model, t));
  PetscCall(HcTermDestroy(&t));
  PetscCall(HcTermCreate(d->grid, &t));
  PetscCall(HcTermSetType(t, HCTERMSEASONAL));
  PetscCall(HcTermSeasonalSetLearnCycle(t, learn));
  PetscCall(HcModelAddTerm(*model, t));
  PetscCall(HcTermDestroy(&t));
  PetscCall(HcModelSetUp(*model));
  PetscCall(HcTrainerCreate(*model, tr));
  PetscCall(PetscOptionsSetValue(NULL, "-train_split", split));
  PetscCall(PetscOptionsSetValue(NULL, "-train_window", "1"));
  if (resume)
    PetscCall(PetscOptionsSetValue(NULL, "-train_resume", resume));
  else
    PetscCall(PetscOptionsClearValue(NULL, "-train_resume"));
  PetscCall(HcTrainerSetFromOptions(*tr));
  PetscCall(HcTrainerAddEnvironment(*tr, "e0", NM, d->t, d->y[0]));
  PetscCall(HcTrainerAddEnvironment(*tr, "e1", NM, d->t, d->y[1]));
  PetscCall(HcTrainerSetUp(*tr));
  PetscFunctionReturn(0);
}

/* The cycle block of the model's seasonal term, natural layout c[k][f][cell], on every rank. */
static PetscErrorCode GetCycle(HcModel model, const PetscReal **theta, PetscInt *np)
{
  HcTerm t;

  PetscFunctionBeginUser;
  PetscCall(HcModelGetTerm(model, "seasonal", &t));
  PetscCall(HcTermGetNumParameters(t, np));
  PetscCall(HcTermGetParameters(t, theta));
  PetscFunctionReturn(0);
}

/* Expected values from the states themselves (gathered): per calendar month, the mean over both environments' training
   states; a month without one, the mean of all training states. */
static PetscErrorCode Expected(Data *d, PetscInt ntrain, PetscReal **ev, PetscReal **mask, PetscInt *ncell)
{
  PetscInt   nx, ny, cnt[12] = {0};
  PetscReal *nat, *all;
  Vec        mk;

  PetscFunctionBeginUser;
  PetscCall(HcGridGetSizes(d->grid, &nx, &ny));
  *ncell = nx * ny;
  PetscCall(PetscCalloc1(12 * 2 * nx * ny, ev));
  PetscCall(PetscCalloc1(2 * nx * ny, &all));
  PetscCall(HcGridGetMask(d->grid, &mk));
  PetscCall(HcTestGatherNatural(d->grid, mk, mask));
  for (PetscInt e = 0; e < 2; e++)
    for (PetscInt m = 0; m < ntrain; m++) {
      PetscCall(HcTestGatherNatural(d->grid, d->y[e][m], &nat));
      if (nat) {
        for (PetscInt cell = 0; cell < nx * ny; cell++)
          for (PetscInt f = 0; f < 2; f++) {
            (*ev)[((m % 12) * 2 + f) * nx * ny + cell] += nat[cell * 2 + f];
            all[f * nx * ny + cell] += nat[cell * 2 + f];
          }
        cnt[m % 12]++;
      }
      PetscCall(PetscFree(nat));
    }
  for (PetscInt k = 0; k < 12; k++)
    for (PetscInt q = 0; q < 2 * nx * ny; q++)
      (*ev)[k * 2 * nx * ny + q] = cnt[k] ? (*ev)[k * 2 * nx * ny + q] / cnt[k] : all[q] / (2 * ntrain);
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

/* max |cycle - expected| over active cells and max |cycle| on land, on rank 0; ok broadcast. */
static PetscErrorCode Compare(MPI_Comm comm, HcModel model, Data *d, PetscInt ntrain, PetscReal tol, const char what[])
{
  const PetscReal *theta;
  PetscReal       *expv, *mask, err = 0, land = 0, rate;
  PetscInt         np, ncell = 0, ok = 0;
  PetscMPIInt      rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(GetCycle(model, &theta, &np));
  PetscCall(Expected(d, ntrain, &expv, &mask, &ncell));
  rate = PetscExpReal(theta[0]);
  if (!rank) {
    for (PetscInt k = 0; k < 12; k++)
      for (PetscInt f = 0; f < 2; f++)
        for (PetscInt cell = 0; cell < ncell; cell++) {
          const PetscReal v = theta[2 + (k * 2 + f) * ncell + cell];

          if (mask[cell] != 0)
            err = PetscMax(err, PetscAbsReal(v - expv[(k * 2 + f) * ncell + cell]));
          else
            land = PetscMax(land, PetscAbsReal(v));
        }
    ok = err <= tol && land == 0 && (tol == 0 || PetscAbsReal(rate * 90 * 86400 - 1) < 1e-12);
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPIU_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(&err, 1, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(&land, 1, MPIU_REAL, 0, comm));
  PetscCall(HcTestCheck(comm, (PetscBool)ok, "%s: max |c - expected| %.1e, max |c| on land %g, rate 1/(%.6g days)", what,
                        (double)err, (double)land, (double)(1 / (rate * 86400))));
  PetscCall(PetscFree(expv));
  PetscCall(PetscFree(mask));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm    comm;
  PetscMPIInt size;
  Data        d;
  HcModel     model;
  HcTrainer   tr;
  char        path[PETSC_MAX_PATH_LEN], state[PETSC_MAX_PATH_LEN];
  int         status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscSNPrintf(path, sizeof(path), "build/tests/data/seasonal-init-n%d.nc", size));
  PetscCall(PetscSNPrintf(state, sizeof(state), "build/tests/data/seasonal-init-state-n%d.nc", size));
  {
    PetscMPIInt rank;
    PetscBool   flg;

    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    if (!rank) {
      PetscCall(PetscTestDirectory("build/tests/data", 'w', &flg));
      if (!flg) PetscCall(PetscMkdir("build/tests/data"));
    }
  }
  PetscCall(WriteFile(comm, path));
  PetscCall(ReadData(comm, path, &d));

  /* the written values themselves: the file holds the cycle that was meant (to float precision at most) */
  {
    PetscReal *nat, err = 0, *mk;
    PetscInt   nx, ny;
    Vec        m;

    PetscCall(HcGridGetSizes(d.grid, &nx, &ny));
    PetscCall(HcGridGetMask(d.grid, &m));
    PetscCall(HcTestGatherNatural(d.grid, m, &mk));
    PetscCall(HcTestGatherNatural(d.grid, d.y[1][17], &nat));
    if (nat)
      for (PetscInt j = 0; j < ny; j++)
        for (PetscInt i = 0; i < nx; i++)
          for (PetscInt f = 0; f < 2 && mk[j * nx + i] != 0; f++)
            err = PetscMax(err, PetscAbsReal(nat[(j * nx + i) * 2 + f] - Value(1, 17, i, j, f)));
    PetscCallMPI(MPI_Bcast(&err, 1, MPIU_REAL, 0, comm));
    PetscCall(HcTestCheck(comm, err < 1e-5, "the file holds the synthetic cycle (max error %.1e)", (double)err));
    PetscCall(PetscFree(nat));
    PetscCall(PetscFree(mk));
  }

  /* 36 months, training part 0.7: 25 months of each environment (January three times, the others twice) */
  PetscCall(PetscPrintf(comm, "training part 0.7 of 36 months, two environments\n"));
  PetscCall(Setup(&d, "0.7,0.15", NULL, PETSC_TRUE, &model, &tr));
  PetscCall(HcTrainerInitializeSeasonalCycle(tr));
  for (PetscInt m = 0; m < 25; m++) { /* one calendar month per phase */
    HcTerm    t;
    PetscReal s;

    PetscCall(HcModelGetTerm(model, "seasonal", &t));
    PetscCall(HcTermSeasonalGetPhase(t, d.t[m], &s));
    PetscCheck((PetscInt)PetscFloorReal(s + 0.5) % 12 == m % 12, comm, PETSC_ERR_PLIB,
               "month %" PetscInt_FMT " falls on phase %g, not on %" PetscInt_FMT, m, (double)s, m % 12);
  }
  PetscCall(HcTestCheck(comm, PETSC_TRUE, "the first of every month is nearest to the phase of its calendar month"));
  PetscCall(Compare(comm, model, &d, 25, 1e-12, "cycle = monthly means of the training states of both environments"));
  PetscCall(HcTrainerSaveState(tr, state));
  /* the model file holds the cycle and rebuilds the term on the same grid */
  {
    char             mpath[PETSC_MAX_PATH_LEN];
    HcModel          m2;
    HcTerm           t1, t2;
    const PetscReal *a, *b;
    PetscInt         n1, n2, K1, K2, same = 1;
    PetscReal        P1, P2, o1, o2;

    PetscCall(PetscSNPrintf(mpath, sizeof(mpath), "build/tests/data/seasonal-init-model-n%d.nc", size));
    PetscCall(HcModelWrite(model, mpath));
    PetscCall(HcModelCreateFromFile(d.grid, mpath, NULL, &m2));
    PetscCall(HcModelSetUp(m2));
    PetscCall(HcModelLoadParameters(m2, mpath));
    PetscCall(HcModelGetTerm(model, "seasonal", &t1));
    PetscCall(HcModelGetTerm(m2, "seasonal", &t2));
    PetscCall(HcTermGetNumParameters(t1, &n1));
    PetscCall(HcTermGetNumParameters(t2, &n2));
    PetscCall(HcTermGetParameters(t1, &a));
    PetscCall(HcTermGetParameters(t2, &b));
    PetscCall(HcTermSeasonalGetPhases(t1, &K1, &P1, &o1));
    PetscCall(HcTermSeasonalGetPhases(t2, &K2, &P2, &o2));
    same = n1 == n2 && K1 == K2 && P1 == P2 && o1 == o2;
    for (PetscInt p = 0; p < n1 && same; p++) same = a[p] == b[p];
    PetscCall(HcTestCheck(comm, (PetscBool)same,
                          "model file round trip: %" PetscInt_FMT " seasonal parameters, K = %" PetscInt_FMT ", P = %g, t0 = %g",
                          n2, K2, (double)P2, (double)o2));
    PetscCall(HcModelDestroy(&m2));
  }
  PetscCall(HcTrainerDestroy(&tr));
  PetscCall(HcModelDestroy(&model));

  /* training part 0.25: 9 months, so October to December have no state */
  PetscCall(PetscPrintf(comm, "training part 0.25 of 36 months: 9 months\n"));
  PetscCall(Setup(&d, "0.25,0.1", NULL, PETSC_TRUE, &model, &tr));
  PetscCall(HcTrainerInitializeSeasonalCycle(tr));
  PetscCall(Compare(comm, model, &d, 9, 1e-12, "months without a training state get the mean of all training states"));
  PetscCall(HcTrainerDestroy(&tr));
  PetscCall(HcModelDestroy(&model));

  /* resuming the first trainer's state under the short split is refused since states record their configuration
     (-train_split is part of it: tests tao-stop, bad-state-other); a resumed run is checked bit for bit by
     train-sigterm-resume and tao-stop */

  /* -seasonal_learn_cycle 0: a training epoch moves the rates (and the physics) but leaves the cycle as initialised */
  PetscCall(PetscPrintf(comm, "cycle held fixed (HcTermSeasonalSetLearnCycle), one epoch of Adam\n"));
  PetscCall(PetscOptionsSetValue(NULL, "-train_epochs", "1"));
  PetscCall(PetscOptionsSetValue(NULL, "-train_lr", "0.05"));
  PetscCall(Setup(&d, "0.7,0.15", NULL, PETSC_FALSE, &model, &tr));
  PetscCall(HcTrainerInitializeSeasonalCycle(tr));
  PetscCall(HcTrainerTrain(tr));
  {
    HcTerm           t;
    const PetscReal *theta;
    PetscReal        r;

    PetscCall(HcModelGetTerm(model, "seasonal", &t));
    PetscCall(HcTermGetParameters(t, &theta));
    r = PetscExpReal(theta[0]) * 90 * 86400;
    PetscCall(HcTestCheck(comm, PetscAbsReal(r - 1) > 1e-3, "the rate was trained: 1/r = %.4g days (from 90)", (double)(90 / r)));
  }
  PetscCall(Compare(comm, model, &d, 25, 0, "the cycle values did not move"));
  PetscCall(HcTrainerDestroy(&tr));
  PetscCall(HcModelDestroy(&model));

  for (PetscInt e = 0; e < 2; e++)
    for (PetscInt m = 0; m < NM; m++) PetscCall(VecDestroy(&d.y[e][m]));
  PetscCall(HcReaderDestroy(&d.reader));
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
