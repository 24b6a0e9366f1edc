/* hycast train: fit a hybrid model to NetCDF data of one or more environments and write the model file.

   Data: -data_file (with an environment dimension, e.g. from hycast generate, or one environment) or -train_data
   a.nc,b.nc,... (one file per environment), with every other -data_* option of the reader.  -train_envs picks
   environments of a file.  The model comes from the -model_* / -physics_* / -mlp_* / -fno_* options, or, with
   -adapt MODEL.nc, from a trained model whose shared terms are kept while the terms of one new environment are fitted.
   -train_groups G splits the ranks into groups that share the windows of each batch. */
#include "commands.h"

#define HC_MAX_FILES 64

typedef struct {
  char    *files[HC_MAX_FILES];
  PetscInt nfiles, envs[HC_MAX_FILES], nenvs;
} HcTrainData;

/* Read every selected environment of every file on the group's communicator: times and states on the grid of the first. */
static PetscErrorCode HcTrainReadData(MPI_Comm comm, HcTrainData *d, HcGrid *grid, HcReader *first, PetscInt *nenv, PetscInt nt[],
                                      PetscReal *times[], Vec *states[], char names[][256], PetscInt efile[], PetscInt eenv[])
{
  PetscFunctionBegin;
  *nenv = 0;
  *grid = NULL;
  for (PetscInt f = 0; f < PetscMax(d->nfiles, 1); f++) {
    HcReader         r;
    PetscInt         ne, n;
    const PetscReal *t;

    PetscCall(HcReaderCreate(comm, &r));
    PetscCall(HcReaderSetFromOptions(r));
    if (d->nfiles) PetscCall(HcReaderSetFile(r, d->files[f]));
    PetscCall(HcReaderSetUp(r));
    PetscCall(HcReaderGetNumEnvironments(r, &ne));
    PetscCall(HcReaderGetTimes(r, &n, &t));
    if (!*grid) {
      PetscCall(HcReaderGetGrid(r, grid));
      PetscCall(HcGridReference(*grid));
    } else {
      HcGrid   g;
      PetscInt nx0, ny0, nx1, ny1;

      PetscCall(HcReaderGetGrid(r, &g));
      PetscCall(HcGridGetSizes(*grid, &nx0, &ny0));
      PetscCall(HcGridGetSizes(g, &nx1, &ny1));
      PetscCheck(nx0 == nx1 && ny0 == ny1, comm, PETSC_ERR_ARG_INCOMP,
                 "-train_data: %s has %" PetscInt_FMT " x %" PetscInt_FMT " cells, the first file %" PetscInt_FMT
                 " x %" PetscInt_FMT "; every environment must be on the same grid",
                 d->files[f], nx1, ny1, nx0, ny0);
    }
    for (PetscInt k = 0; k < PetscMax(ne, 1); k++) {
      PetscBool want = d->nenvs ? PETSC_FALSE : PETSC_TRUE;

      for (PetscInt q = 0; q < d->nenvs; q++) want = want || d->envs[q] == k;
      if (!want) continue;
      PetscCheck(*nenv < HC_MAX_FILES, comm, PETSC_ERR_ARG_OUTOFRANGE, "hycast train: at most %d environments", HC_MAX_FILES);
      if (ne > 0) PetscCall(HcReaderSetEnvironment(r, k));
      PetscCall(PetscMalloc1(n, &times[*nenv]));
      PetscCall(PetscArraycpy(times[*nenv], t, n));
      {
        Vec proto;

        PetscCall(HcGridCreateGlobalVector(*grid, &proto));
        PetscCall(VecDuplicateVecs(proto, n, &states[*nenv]));
        PetscCall(VecDestroy(&proto));
      }
      for (PetscInt s = 0; s < n; s++) PetscCall(HcReaderRead(r, s, states[*nenv][s]));
      nt[*nenv]    = n;
      efile[*nenv] = f;
      eenv[*nenv]  = ne > 0 ? k : -1;
      if (ne > 0)
        PetscCall(PetscSNPrintf(names[*nenv], 256, "%s#%" PetscInt_FMT, d->nfiles ? d->files[f] : "data", k));
      else
        PetscCall(PetscSNPrintf(names[*nenv], 256, "%s", d->nfiles ? d->files[f] : "data"));
      (*nenv)++;
    }
    if (!f && first)
      *first = r;
    else
      PetscCall(HcReaderDestroy(&r));
  }
  for (PetscInt q = 0; q < d->nenvs; q++)
    PetscCheck(d->envs[q] >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-train_envs: environment %" PetscInt_FMT " does not exist",
               d->envs[q]);
  PetscCheck(*nenv > 0, comm, PETSC_ERR_ARG_WRONG, "hycast train: -train_envs selects no environment of the data");
  PetscFunctionReturn(0);
}

/* an MSE for the report: "n/a" where the part has no windows (e.g. -train_split 1,0: NaN from the trainer); where
   windows failed (a state not finite, a model too stiff) the MSE of the others and how many failed, never a number
   standing for the failed ones */
static const char *HcTrainFormatMSE(PetscReal v, PetscInt nfailed, PetscInt nwin, char buf[64])
{
  if (nfailed && PetscIsInfOrNanReal(v))
    (void)PetscSNPrintf(buf, 64, "failed (%" PetscInt_FMT " window(s))", nfailed);
  else if (nfailed && nwin > 0)
    (void)PetscSNPrintf(buf, 64, "%.5e over %" PetscInt_FMT " of %" PetscInt_FMT " windows (%" PetscInt_FMT " failed)", (double)v,
                        nwin - nfailed, nwin, nfailed);
  else if (nfailed)
    (void)PetscSNPrintf(buf, 64, "%.5e (%" PetscInt_FMT " window(s) failed)", (double)v, nfailed);
  else if (PetscIsInfOrNanReal(v))
    return PetscIsNanReal(v) ? "n/a" : "inf";
  else
    (void)PetscSNPrintf(buf, 64, "%.5e", (double)v);
  return buf;
}

/* Per-environment test (and validation) misfits, and the norm of the learned part: the table at the end of training. */
static PetscErrorCode HcTrainReport(HcTrainer tr, HcModel model, PetscInt nenv, char names[][256], const char *label)
{
  PetscReal   val, test, *venv, *tenv, norm = (PetscReal)NAN;
  PetscInt    nterms, nval, ntest, vfailed, tfailed, *vfenv, *tfenv;
  PetscBool   learned = PETSC_FALSE;
  char        b0[64], b1[64], vwhy[1024], twhy[1024], line[512];
  const char *why;

  PetscFunctionBegin;
  PetscCall(PetscMalloc4(nenv, &venv, nenv, &tenv, nenv, &vfenv, nenv, &tfenv));
  PetscCall(HcTrainerGetNumWindows(tr, HC_SPLIT_VALIDATION, &nval));
  PetscCall(HcTrainerGetNumWindows(tr, HC_SPLIT_TEST, &ntest));
  PetscCall(HcTrainerEvaluateWindows(tr, HC_SPLIT_VALIDATION, &val, venv, &vfailed, vfenv, &why));
  PetscCall(PetscStrncpy(vwhy, why, sizeof(vwhy)));
  PetscCall(HcTrainerEvaluateWindows(tr, HC_SPLIT_TEST, &test, tenv, &tfailed, tfenv, &why));
  PetscCall(PetscStrncpy(twhy, why, sizeof(twhy)));
  PetscCall(HcModelGetNumTerms(model, &nterms));
  for (PetscInt k = 0; k < nterms; k++) {
    HcTerm    t;
    PetscBool l;

    PetscCall(HcModelGetTermByIndex(model, k, &t));
    PetscCall(HcTermIsLearned(t, &l));
    learned = learned || l;
  }
  if (learned) PetscCall(HcTrainerEvaluateNorm(tr, HC_SPLIT_TEST, HC_TERMS_LEARNED, &norm));
  /* one call per line: a line printed in pieces can be split by an error line that mpiexec forwards in between */
  PetscCall(PetscSNPrintf(line, sizeof(line), "%s: validation MSE %s, test MSE %s (normalised)", label,
                          HcTrainFormatMSE(val, vfailed, nval, b0), HcTrainFormatMSE(test, tfailed, ntest, b1)));
  if (learned)
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s, norm of the learned part on test forecasts %s\n", line,
                          HcTrainFormatMSE(norm, PetscIsInfReal(norm) ? tfailed : 0, 0, b0)));
  else
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", line));
  if (nenv > 1)
    for (PetscInt e = 0; e < nenv; e++)
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  environment %2" PetscInt_FMT " %-40s validation %s  test %s\n", e, names[e],
                            HcTrainFormatMSE(venv[e], vfenv[e], 0, b0), HcTrainFormatMSE(tenv[e], tfenv[e], 0, b1)));
  if (vfailed) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  the first validation failure: %s\n", vwhy));
  if (tfailed) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  the first test failure: %s\n", twhy));
  PetscCall(PetscFree4(venv, tenv, vfenv, tfenv));
  PetscFunctionReturn(0);
}

PetscErrorCode HcCommandTrain(MPI_Comm world)
{
  HcTrainData d;
  PetscInt    ngroups = 1, group = 0, nenv = 0, nt[HC_MAX_FILES], nfiles = HC_MAX_FILES, nenvs = HC_MAX_FILES;
  PetscInt    efile[HC_MAX_FILES], eenv[HC_MAX_FILES]; /* each environment's file and environment in it (-1: none) */
  PetscReal  *times[HC_MAX_FILES];
  Vec        *states[HC_MAX_FILES];
  char        out[PETSC_MAX_PATH_LEN] = "out/model.nc", adapt[PETSC_MAX_PATH_LEN] = "", init[PETSC_MAX_PATH_LEN] = "",
       names[HC_MAX_FILES][256], *line;
  PetscBool   outset, flg, interrupted;
  MPI_Comm    comm;
  HcGrid      grid;
  HcReader    reader = NULL;
  HcModel     model;
  HcTrainer   tr;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&d, sizeof(d)));
  PetscCallMPI(MPI_Comm_rank(world, &rank));
  PetscOptionsBegin(world, NULL, "hycast train: fit a hybrid model to NetCDF data", "train");
  PetscCall(PetscOptionsString("-o", "Model file to write (NetCDF)", "", out, out, sizeof(out), &outset));
  PetscCall(PetscOptionsStringArray("-train_data", "One NetCDF file per environment (instead of -data_file)", "", d.files,
                                    &nfiles, &flg));
  d.nfiles = flg ? nfiles : 0;
  PetscCall(PetscOptionsIntArray("-train_envs", "Environments of the data to train on (default: all)", "", d.envs, &nenvs, &flg));
  d.nenvs = flg ? nenvs : 0;
  PetscCall(PetscOptionsInt("-train_groups",
                            "Groups of ranks that share the windows of a batch (each group holds the whole grid)",
                            "HcCommSplitGroups", ngroups, &ngroups, NULL));
  PetscCall(PetscOptionsString("-adapt",
                               "Adapt this trained model to the data's environment: its shared terms are kept, the terms of one "
                               "new environment are fitted",
                               "", adapt, adapt, sizeof(adapt), NULL));
  PetscCall(PetscOptionsString("-train_init",
                               "Start from the parameters of this model file for every term it has (by name; e.g. a hybrid "
                               "from its physics-only fit); the other terms keep their initialisation",
                               "HcModelLoadMatchingParameters", init, init, sizeof(init), NULL));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasName(NULL, NULL, "-data_file", &flg));
  PetscCall(HcCommandHelp(world, (PetscBool)(flg || d.nfiles), PETSC_TRUE, &flg));
  if (flg) PetscFunctionReturn(0);
  PetscCheck(!(init[0] && adapt[0]), world, PETSC_ERR_ARG_INCOMP, "-train_init and -adapt exclude each other");
  {
    PetscInt  e;
    PetscBool set;

    /* -data_env selects the environment to train on, as -train_envs e does (the reader's default would be overridden) */
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-data_env", &e, &set));
    PetscCheck(!set || !d.nenvs, world, PETSC_ERR_ARG_INCOMP, "-data_env and -train_envs exclude each other: give -train_envs");
    if (set) {
      d.envs[0] = e;
      d.nenvs   = 1;
    }
    PetscCall(PetscOptionsHasName(NULL, NULL, "-model_obs_interval", &set));
    PetscCheck(!set, world, PETSC_ERR_ARG_WRONG,
               "-model_obs_interval: train takes the observation intervals from the data's times (the option is for simulate "
               "and generate)");
  }
  PetscCall(HcCommandCheckOutput(world, "-o", out));
  PetscCall(HcCommandRefuseAuxiliary(world));
  if (init[0]) { /* before any file is read: a resumed run continues from its state file exactly */
    PetscBool resume;

    PetscCall(PetscOptionsHasName(NULL, NULL, "-train_resume", &resume));
    PetscCheck(!resume, world, PETSC_ERR_ARG_INCOMP, "-train_init and -train_resume exclude each other");
  }
  if (!outset && !rank) {
    PetscBool exists;

    PetscCall(PetscTestDirectory("out", 'w', &exists));
    if (!exists) PetscCall(PetscMkdir("out"));
  }
  /* the output must be writable before hours of training, not after */
  if (!rank) {
    char  probe[PETSC_MAX_PATH_LEN + 32];
    FILE *fp;

    PetscCall(PetscSNPrintf(probe, sizeof(probe), "%s.probe", out));
    fp = fopen(probe, "w");
    if (fp) {
      fclose(fp);
      remove(probe);
    }
    flg = fp ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscCallMPI(MPI_Bcast(&flg, 1, MPIU_BOOL, 0, world));
  PetscCheck(flg, world, PETSC_ERR_FILE_OPEN, "-o %s: cannot write there (missing or read-only directory)", out);

  if (ngroups > 1)
    PetscCall(HcCommSplitGroups(world, ngroups, &comm, &group));
  else
    comm = world;
  PetscCall(HcTrainReadData(comm, &d, &grid, &reader, &nenv, nt, times, states, names, efile, eenv));
  {
    char line[4096], item[PETSC_MAX_PATH_LEN + 64];

    PetscCall(PetscSNPrintf(line, sizeof(line), "data: %" PetscInt_FMT " environment(s)", nenv));
    for (PetscInt e = 0; e < nenv; e++) {
      PetscCall(PetscSNPrintf(item, sizeof(item), "%s %s (%" PetscInt_FMT " states)", e ? "," : "", names[e], nt[e]));
      PetscCall(PetscStrlcat(line, item, sizeof(line)));
    }
    PetscCall(PetscPrintf(world, "%s\n", line));
  }

  if (adapt[0]) {
    /* one new environment: the model's environment terms, fitted (HcTrainerSetAdaptation); everything shared read
       from the file */
    PetscCheck(nenv == 1, world, PETSC_ERR_ARG_WRONG,
               "-adapt: give the data of one new environment (-train_envs e), got %" PetscInt_FMT, nenv);
    PetscCall(HcModelCreateFromFile(grid, adapt, "-model_envs 1", &model));
    PetscCall(HcModelSetUp(model));
    PetscCall(HcModelLoadSharedParameters(model, adapt));
    {
      PetscInt nenvm;

      PetscCall(HcModelGetNumEnvironments(model, &nenvm));
      PetscCheck(nenvm == 1, world, PETSC_ERR_ARG_INCOMP,
                 "-adapt %s: the model has no environment terms to fit (trained without -model_env_terms)", adapt);
    }
  } else {
    PetscCall(HcModelCreate(grid, &model));
    PetscCall(HcModelSetFromOptions(model));
    PetscCall(HcModelSetUp(model));
  }
  { /* a velocity from data drives each environment with its own file's */
    const char *tunits;

    PetscCall(HcReaderGetTimeUnits(reader, &tunits, NULL));
    for (PetscInt e = 0; e < nenv; e++)
      PetscCall(HcCommandReadForcing(comm, model, grid, d.nfiles ? d.files[efile[e]] : NULL, eenv[e], e, times[e][0],
                                     times[e][nt[e] - 1], efile[e] ? NULL : tunits));
  }
  if (!group) PetscCall(HcModelView(model, PETSC_VIEWER_STDOUT_(comm)));

  PetscCall(HcTrainerCreate(model, &tr));
  if (ngroups > 1) PetscCall(HcTrainerSetGroups(tr, world, ngroups, group));
  if (adapt[0]) PetscCall(HcTrainerSetAdaptation(tr, PETSC_TRUE));
  PetscCall(HcTrainerSetFromOptions(tr));
  {
    const char *units;

    PetscCall(HcReaderGetTimeUnits(reader, &units, NULL));
    PetscCall(HcTrainerSetTimeUnits(tr, units));
  }
  for (PetscInt e = 0; e < nenv; e++) PetscCall(HcTrainerAddEnvironment(tr, names[e], nt[e], times[e], states[e]));
  PetscCall(HcTrainerSetUp(tr));
  /* seasonal and reference cycles start from the training data's (an adapted model keeps the file's shared terms) */
  PetscCall(HcTrainerInitializeCycles(tr, adapt[0] ? PETSC_TRUE : PETSC_FALSE));
  if (init[0]) { /* after the cycles' first guess, so that the file's terms win */
    PetscInt n;

    PetscCall(HcTrainerLoadInitialParameters(tr, init, &n));
    PetscCall(PetscPrintf(world, "-train_init: %" PetscInt_FMT " parameter block(s) read from %s\n", n, init));
  }
  PetscCall(HcTrainerView(tr, PETSC_VIEWER_STDOUT_(world)));
  {
    char      ck[PETSC_MAX_PATH_LEN];
    PetscBool set;

    PetscCall(PetscOptionsGetString(NULL, NULL, "-train_checkpoint", ck, sizeof(ck), &set));
    if (set) PetscCall(HcCommandCheckOutput(world, "-train_checkpoint", ck));
  }
  PetscCall(HcCommandCheckOptions(world));
  if (adapt[0]) PetscCall(HcTrainReport(tr, model, nenv, names, "before adaptation"));
  PetscCall(HcTrainerTrain(tr));
  PetscCall(HcTrainerWasInterrupted(tr, &interrupted));
  if (interrupted) {
    int sig;

    PetscCall(HcTrainerGetInterruptSignal(tr, &sig));
    HcCommandExitStatus = 128 + sig; /* the shell's convention: 130 for SIGINT, 143 for SIGTERM */
  } else {
    PetscCall(HcTrainReport(tr, model, nenv, names, adapt[0] ? "after adaptation" : "trained"));
    PetscCall(HcCommandLine("train", &line));
    PetscCall(HcModelSetInfo(model, "history", line));
    PetscCall(PetscFree(line));
    if (adapt[0]) PetscCall(HcModelSetInfo(model, "adapted_from", adapt));
    if (!group) PetscCall(HcModelWrite(model, out));
    PetscCall(PetscPrintf(world, "model written to %s\n", out));
  }
  PetscCall(HcTrainerDestroy(&tr));
  PetscCall(HcModelDestroy(&model));
  for (PetscInt e = 0; e < nenv; e++) {
    PetscCall(VecDestroyVecs(nt[e], &states[e]));
    PetscCall(PetscFree(times[e]));
  }
  PetscCall(HcReaderDestroy(&reader));
  PetscCall(HcGridDestroy(&grid));
  for (PetscInt f = 0; f < d.nfiles; f++) PetscCall(PetscFree(d.files[f]));
  if (ngroups > 1) PetscCallMPI(MPI_Comm_free(&comm));
  PetscFunctionReturn(0);
}
