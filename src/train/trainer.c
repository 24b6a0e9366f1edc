/* HcTrainer: windows over observed environments, batches split across groups of ranks, Adam or TAO, one progress line
   per epoch, a CSV log, checkpoints that resume exactly, and stopping cleanly on SIGINT/SIGTERM. */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include <math.h>
#include <signal.h>
#include <errno.h>
#include <ctype.h>
#include <hycast/private/trainimpl.h>
#include <hycast/private/ioimpl.h>

const char *const        HcLossTypes[]      = {"erm", "aphynity", "leads", "vrex", "HcLossType", "HC_LOSS_", NULL};
const char *const        HcSplits[]         = {"train", "validation", "test", "HcSplit", "HC_SPLIT_", NULL};
static const char *const HcOptimizerTypes[] = {"adam", "tao", "HcOptimizerType", "HC_OPTIMIZER_", NULL};
static const char *const HcLRSchedules[]    = {"constant", "cosine", "exponential", "HcLRSchedule", "HC_LR_", NULL};

/*@C
  HcCommSplitGroups - split comm into ngroups groups of consecutive ranks (the size must be a multiple of ngroups);
  each group holds a whole grid, groups share the windows of a batch.
@*/
PetscErrorCode HcCommSplitGroups(MPI_Comm comm, PetscInt ngroups, MPI_Comm *group, PetscInt *index)
{
  PetscMPIInt size, rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCheck(ngroups >= 1 && size % ngroups == 0, comm, PETSC_ERR_ARG_INCOMP,
             "-train_groups %" PetscInt_FMT ": the number of ranks (%d) must be a multiple of it", ngroups, size);
  *index = rank / (size / ngroups);
  PetscCallMPI(MPI_Comm_split(comm, (PetscMPIInt)*index, rank, group));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTrainerCreate(HcModel model, HcTrainer *trainer)
{
  HcTrainer tr;

  PetscFunctionBegin;
  PetscCall(HcInitializePackage());
  PetscCheck(model->setupcalled, model->comm, PETSC_ERR_ORDER, "HcTrainerCreate: set up the model first");
  PetscCall(PetscNew(&tr));
  tr->comm      = model->comm;
  tr->world     = model->comm;
  tr->roots     = MPI_COMM_NULL;
  tr->ngroups   = 1;
  tr->model     = model;
  tr->grid      = model->grid;
  tr->loss      = HC_LOSS_ERM;
  tr->K         = 4;
  tr->wstride   = 1;
  tr->batch     = 8;
  tr->epochs    = 20;
  tr->split[0]  = 0.7;
  tr->split[1]  = 0.15;
  tr->opt       = HC_OPTIMIZER_ADAM;
  tr->schedule  = HC_LR_CONSTANT;
  tr->lr        = 1e-2;
  tr->lrmin     = 1e-4;
  tr->lrdecay   = 0.95;
  tr->beta1     = 0.9;
  tr->beta2     = 0.999;
  tr->eps       = 1e-8;
  tr->lambda0   = 1;
  tr->tau       = 1;
  tr->leadsmu   = 1e-2;
  tr->vrexbeta  = 10;
  tr->seed      = 1;
  tr->normalize = PETSC_TRUE;
  tr->lrscale   = 1;
  /* a lat-lon grid's physics is in SI units, so its time in seconds; HcTrainerSetTimeUnits() says so for the data */
  tr->timeseconds = tr->grid->type == HC_GRID_LATLON ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(HcGridGetNumFields(tr->grid, &tr->nc));
  PetscCall(HcGridGetActiveCount(tr->grid, &tr->nactive));
  *trainer = tr;
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerSetGroups - the model lives on one of ngroups groups (index group) that split world (HcCommSplitGroups());
  every group must build the same model and add the same environments.
@*/
PetscErrorCode HcTrainerSetGroups(HcTrainer tr, MPI_Comm world, PetscInt ngroups, PetscInt group)
{
  PetscMPIInt grank, wrank;

  PetscFunctionBegin;
  PetscCheck(!tr->setupcalled, tr->comm, PETSC_ERR_ORDER, "HcTrainerSetGroups: call before HcTrainerSetUp()");
  tr->world   = world;
  tr->ngroups = ngroups;
  tr->group   = group;
  PetscCallMPI(MPI_Comm_rank(tr->comm, &grank));
  PetscCallMPI(MPI_Comm_rank(world, &wrank));
  PetscCallMPI(MPI_Comm_split(world, grank ? MPI_UNDEFINED : 0, wrank, &tr->roots));
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerAddEnvironment - an observed time series: nt states y[] (global vectors on the model's grid, referenced, not
  copied) at increasing times t[].  Environments are numbered in the order they are added; with environment terms in
  the model, environment e uses the terms of environment e.
@*/
PetscErrorCode HcTrainerAddEnvironment(HcTrainer tr, const char name[], PetscInt nt, const PetscReal t[], Vec y[])
{
  HcEnvData *E;

  PetscFunctionBegin;
  PetscCheck(!tr->setupcalled, tr->comm, PETSC_ERR_ORDER, "HcTrainerAddEnvironment: call before HcTrainerSetUp()");
  PetscCheck(tr->nenv < HC_MAX_ENVS, tr->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTrainer: at most %d environments", HC_MAX_ENVS);
  PetscCheck(nt >= 2, tr->comm, PETSC_ERR_ARG_SIZ,
             "HcTrainer: environment '%s' has %" PetscInt_FMT " observation(s); need at least 2", name, nt);
  for (PetscInt k = 1; k < nt; k++)
    PetscCheck(t[k] > t[k - 1], tr->comm, PETSC_ERR_ARG_WRONG,
               "HcTrainer: environment '%s': observation times must increase (index %" PetscInt_FMT ")", name, k);
  E = &tr->env[tr->nenv++];
  PetscCall(PetscStrallocpy(name, &E->name));
  E->nt = nt;
  PetscCall(PetscMalloc2(nt, &E->t, nt, &E->y));
  PetscCall(PetscArraycpy(E->t, t, nt));
  for (PetscInt k = 0; k < nt; k++) {
    PetscCall(PetscObjectReference((PetscObject)y[k]));
    E->y[k] = y[k];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode HcTrainerSetFromOptions(HcTrainer tr)
{
  PetscInt  n = 2;
  PetscBool flg;

  PetscFunctionBegin;
  PetscOptionsBegin(tr->comm, NULL, "Training options (HcTrainer)", "HcTrainer");
  PetscCall(PetscOptionsEnum("-train_loss",
                             "Loss: erm (mean misfit), aphynity (lambda * misfit + norm of the learned part), leads (misfit + mu "
                             "* norm of the environment terms), vrex (mean + beta * variance of the environments' risks)",
                             "", HcLossTypes, (PetscEnum)tr->loss, (PetscEnum *)&tr->loss, NULL));
  PetscCall(PetscOptionsInt("-train_window", "Observation intervals per window", "", tr->K, &tr->K, NULL));
  PetscCall(PetscOptionsInt("-train_window_stride", "Observation intervals between the starts of consecutive windows", "",
                            tr->wstride, &tr->wstride, NULL));
  PetscCall(PetscOptionsRealArray("-train_split",
                                  "Fractions of each time series for training and validation (the rest is the test part)", "",
                                  tr->split, &n, &flg));
  PetscCheck(!flg || n == 2, tr->comm, PETSC_ERR_ARG_WRONG,
             "-train_split takes two fractions (training, validation), got %" PetscInt_FMT, n);
  PetscCall(PetscOptionsInt("-train_batch", "Windows per batch (one optimiser step)", "", tr->batch, &tr->batch, NULL));
  PetscCall(PetscOptionsInt(
      "-train_max_windows",
      "Use at most this many training windows, the earliest (0: all); e.g. to adapt to a new environment from little data", "",
      tr->maxwin, &tr->maxwin, NULL));
  PetscCall(PetscOptionsInt("-train_epochs", "Epochs (Adam) or iterations (TAO)", "", tr->epochs, &tr->epochs, NULL));
  PetscCall(PetscOptionsEnum(
      "-train_optimizer",
      "Optimiser: adam (mini-batches) or tao (quasi-Newton on the whole training set, for a few physical parameters)", "",
      HcOptimizerTypes, (PetscEnum)tr->opt, (PetscEnum *)&tr->opt, NULL));
  PetscCall(PetscOptionsReal("-train_lr", "Adam learning rate", "", tr->lr, &tr->lr, NULL));
  PetscCall(PetscOptionsEnum("-train_lr_schedule", "Learning-rate schedule over the epochs", "", HcLRSchedules,
                             (PetscEnum)tr->schedule, (PetscEnum *)&tr->schedule, NULL));
  PetscCall(PetscOptionsReal("-train_lr_min", "Final learning rate of the cosine schedule", "", tr->lrmin, &tr->lrmin, NULL));
  PetscCall(
      PetscOptionsReal("-train_lr_decay", "Factor per epoch of the exponential schedule", "", tr->lrdecay, &tr->lrdecay, NULL));
  PetscCall(PetscOptionsReal("-train_clip", "Clip the gradient to this norm (0: no clipping)", "", tr->clip, &tr->clip, NULL));
  PetscCall(PetscOptionsReal("-train_adam_beta1", "Adam first-moment decay", "", tr->beta1, &tr->beta1, NULL));
  PetscCall(PetscOptionsReal("-train_adam_beta2", "Adam second-moment decay", "", tr->beta2, &tr->beta2, NULL));
  PetscCall(
      PetscOptionsReal("-train_aphynity_lambda", "APHYNITY: initial weight of the misfit", "", tr->lambda0, &tr->lambda0, NULL));
  PetscCall(PetscOptionsReal("-train_aphynity_tau", "APHYNITY: lambda += tau * (mean training misfit) after each epoch", "",
                             tr->tau, &tr->tau, NULL));
  PetscCall(PetscOptionsReal("-train_leads_penalty", "LEADS: weight mu of the norm of the environment-specific terms", "",
                             tr->leadsmu, &tr->leadsmu, NULL));
  PetscCall(PetscOptionsReal("-train_vrex_beta", "V-REx: weight of the variance of the environments' risks", "", tr->vrexbeta,
                             &tr->vrexbeta, NULL));
  PetscCall(PetscOptionsInt("-train_seed", "Seed of the window shuffling", "", tr->seed, &tr->seed, NULL));
  PetscCall(PetscOptionsBool("-train_normalize", "Scale misfits by each field's standard deviation over the training part", "",
                             tr->normalize, &tr->normalize, NULL));
  tr->nblocks = 64;
  PetscCall(PetscOptionsStringArray("-train_params", "Parameter blocks to train (names from the model's view); default: all", "",
                                    tr->blocks, &tr->nblocks, &flg));
  if (!flg) tr->nblocks = 0;
  tr->blocksset = flg;
  PetscCall(PetscOptionsString(
      "-train_checkpoint",
      "Save the training state to this file (atomically) every -train_checkpoint_every epochs and when interrupted", "",
      tr->checkpoint, tr->checkpoint, sizeof(tr->checkpoint), NULL));
  PetscCall(PetscOptionsInt("-train_checkpoint_every", "Epochs (TAO: iterations) between checkpoints", "", tr->ckevery,
                            &tr->ckevery, NULL));
  PetscCall(PetscOptionsString("-train_resume", "Resume exactly from a training state saved by -train_checkpoint", "", tr->resume,
                               tr->resume, sizeof(tr->resume), NULL));
  PetscCall(PetscOptionsString("-train_log", "Write one CSV line per epoch to this file", "", tr->logfile, tr->logfile,
                               sizeof(tr->logfile), NULL));
  PetscCall(PetscOptionsBool("-train_monitor", "Print a line per batch as well", "", tr->monitor, &tr->monitor, NULL));
  PetscOptionsEnd();
  PetscCheck(tr->K >= 1, tr->comm, PETSC_ERR_ARG_OUTOFRANGE, "-train_window must be >= 1, got %" PetscInt_FMT, tr->K);
  PetscCheck(tr->wstride >= 1, tr->comm, PETSC_ERR_ARG_OUTOFRANGE, "-train_window_stride must be >= 1, got %" PetscInt_FMT,
             tr->wstride);
  PetscCheck(tr->maxwin >= 0, tr->comm, PETSC_ERR_ARG_OUTOFRANGE, "-train_max_windows must be >= 0, got %" PetscInt_FMT,
             tr->maxwin);
  PetscCheck(tr->batch >= 1, tr->comm, PETSC_ERR_ARG_OUTOFRANGE, "-train_batch must be >= 1, got %" PetscInt_FMT, tr->batch);
  PetscCheck(tr->epochs >= 0, tr->comm, PETSC_ERR_ARG_OUTOFRANGE, "-train_epochs must be >= 0, got %" PetscInt_FMT, tr->epochs);
  PetscCheck(tr->split[0] > 0 && tr->split[1] >= 0 && tr->split[0] + tr->split[1] <= 1, tr->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-train_split %g,%g: need a positive training fraction and fractions summing to at most 1", (double)tr->split[0],
             (double)tr->split[1]);
  PetscCheck(tr->lr > 0, tr->comm, PETSC_ERR_ARG_OUTOFRANGE, "-train_lr must be positive, got %g", (double)tr->lr);
  PetscCheck(tr->clip >= 0, tr->comm, PETSC_ERR_ARG_OUTOFRANGE, "-train_clip must be >= 0, got %g", (double)tr->clip);
  PetscCheck(tr->ckevery >= 0, tr->comm, PETSC_ERR_ARG_OUTOFRANGE, "-train_checkpoint_every must be >= 0, got %" PetscInt_FMT,
             tr->ckevery);
  PetscFunctionReturn(0);
}

/* Mean and standard deviation of each field over the active cells and the training part of every environment. */
static PetscErrorCode HcTrainerNormalization_Private(HcTrainer tr)
{
  HcGrid              g                    = tr->grid;
  PetscReal           s[2 * HC_MAX_FIELDS] = {0};
  PetscReal           count                = 0;
  const PetscScalar **mk;

  PetscFunctionBegin;
  PetscCall(DMDAVecGetArrayRead(g->da1, g->mask, &mk));
  for (PetscInt e = 0; e < tr->nenv; e++) {
    for (PetscInt k = 0; k < tr->env[e].split[0]; k++) {
      const PetscScalar ***y;

      PetscCall(DMDAVecGetArrayDOFRead(g->da, tr->env[e].y[k], &y));
      for (PetscInt j = g->ys; j < g->ys + g->ym; j++)
        for (PetscInt i = g->xs; i < g->xs + g->xm; i++)
          if (mk[j][i] != 0)
            for (PetscInt c = 0; c < tr->nc; c++) {
              const PetscReal v = PetscRealPart(y[j][i][c]);
              s[c] += v;
              s[HC_MAX_FIELDS + c] += v * v;
            }
      PetscCall(DMDAVecRestoreArrayDOFRead(g->da, tr->env[e].y[k], &y));
      count += tr->nactive;
    }
  }
  PetscCall(DMDAVecRestoreArrayRead(g->da1, g->mask, &mk));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, s, 2 * HC_MAX_FIELDS, MPIU_REAL, MPI_SUM, tr->comm));
  for (PetscInt c = 0; c < tr->nc; c++) {
    const PetscReal mean = s[c] / count, var = PetscMax(s[HC_MAX_FIELDS + c] / count - mean * mean, 0);

    tr->mean[c] = mean;
    tr->std[c]  = (tr->normalize && var > 0) ? PetscSqrtReal(var) : 1;
  }
  PetscFunctionReturn(0);
}

/* Split each environment's series by time, and list the windows that fit entirely in each part. */
static PetscErrorCode HcTrainerMakeWindows_Private(HcTrainer tr)
{
  PetscFunctionBegin;
  for (PetscInt e = 0; e < tr->nenv; e++) {
    HcEnvData *E = &tr->env[e];

    E->split[0] = (PetscInt)PetscFloorReal(tr->split[0] * E->nt + 0.5);
    E->split[1] = (PetscInt)PetscFloorReal((tr->split[0] + tr->split[1]) * E->nt + 0.5);
    E->split[1] = PetscMin(E->split[1], E->nt);
  }
  for (int sp = 0; sp < 3; sp++) {
    PetscInt n = 0;

    for (int pass = 0; pass < 2; pass++) {
      n = 0;
      for (PetscInt e = 0; e < tr->nenv; e++) {
        const HcEnvData *E  = &tr->env[e];
        const PetscInt   lo = sp == 0 ? 0 : E->split[sp - 1], hi = sp == 2 ? E->nt : E->split[sp];

        for (PetscInt s = lo; s + tr->K < hi; s += tr->wstride) {
          if (pass) {
            tr->win[sp][n].env   = e;
            tr->win[sp][n].start = s;
          }
          n++;
        }
      }
      if (!pass) PetscCall(PetscMalloc1(PetscMax(n, 1), &tr->win[sp]));
    }
    tr->nwin[sp] = n;
  }
  if (tr->maxwin > 0) tr->nwin[HC_SPLIT_TRAIN] = PetscMin(tr->nwin[HC_SPLIT_TRAIN], tr->maxwin);
  PetscCheck(tr->nwin[HC_SPLIT_TRAIN] > 0, tr->comm, PETSC_ERR_ARG_SIZ,
             "HcTrainer: no training window of %" PetscInt_FMT
             " intervals fits in the training part of the data (first %.0f%% of each series); use a shorter -train_window or a "
             "larger -train_split",
             tr->K, (double)(100 * tr->split[0]));
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerSetAdaptation - adapt a trained model to a new environment: its shared terms keep what they learned (e.g.
  HcModelLoadSharedParameters()) and only its environment terms are trained, unless -train_params names the blocks to
  train.  Call before HcTrainerSetUp().
@*/
PetscErrorCode HcTrainerSetAdaptation(HcTrainer tr, PetscBool adapt)
{
  PetscFunctionBegin;
  PetscCheck(!tr->setupcalled, tr->comm, PETSC_ERR_ORDER, "HcTrainerSetAdaptation: call before HcTrainerSetUp()");
  tr->adapt = adapt;
  PetscFunctionReturn(0);
}

/* The blocks to train when adapting: those of the environment terms. */
static PetscErrorCode HcTrainerSetEnvironmentBlocks_Private(HcTrainer tr)
{
  PetscInt nterms;

  PetscFunctionBegin;
  PetscCall(HcModelGetNumTerms(tr->model, &nterms));
  for (PetscInt k = 0; k < nterms; k++) {
    HcTerm      t;
    PetscInt    e;
    const char *name;

    PetscCall(HcModelGetTermByIndex(tr->model, k, &t));
    PetscCall(HcTermGetEnvironment(t, &e));
    if (e < 0) continue;
    PetscCheck(tr->nblocks < 64, tr->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcTrainer: at most 64 parameter blocks to train");
    PetscCall(HcTermGetName(t, &name));
    PetscCall(PetscStrallocpy(name, &tr->blocks[tr->nblocks++]));
  }
  PetscCheck(tr->nblocks, tr->comm, PETSC_ERR_ARG_INCOMP, "HcTrainer: adaptation, but the model has no environment terms to fit");
  PetscFunctionReturn(0);
}

PetscErrorCode HcTrainerSetUp(HcTrainer tr)
{
  const PetscInt P = tr->model->nparam;

  PetscFunctionBegin;
  if (tr->setupcalled) PetscFunctionReturn(0);
  PetscCheck(tr->nenv > 0, tr->comm, PETSC_ERR_ORDER, "HcTrainer: add at least one environment");
  PetscCheck(!tr->model->nenv || tr->model->nenv == tr->nenv, tr->comm, PETSC_ERR_ARG_INCOMP,
             "HcTrainer: the model has terms for %" PetscInt_FMT " environments but %" PetscInt_FMT
             " environment(s) of data were given",
             tr->model->nenv, tr->nenv);
  PetscCheck(tr->loss != HC_LOSS_LEADS || tr->model->nenv, tr->comm, PETSC_ERR_ARG_INCOMP,
             "-train_loss leads needs environment terms (-model_envs, -model_env_terms)");
  PetscCheck(P > 0, tr->comm, PETSC_ERR_ARG_WRONG, "HcTrainer: the model has no parameters to train");
  PetscCall(HcTrainerMakeWindows_Private(tr));
  PetscCall(HcTrainerNormalization_Private(tr));
  PetscCall(HcModelSetNormalization(tr->model, tr->mean, tr->std));
  PetscCall(HcModelCreateParameterVector(tr->model, &tr->theta));
  PetscCall(VecDuplicate(tr->theta, &tr->grad));
  PetscCall(VecDuplicate(tr->theta, &tr->m));
  PetscCall(VecDuplicate(tr->theta, &tr->v));
  PetscCall(VecDuplicate(tr->theta, &tr->good));
  PetscCall(VecDuplicate(tr->theta, &tr->pgrad));
  PetscCall(VecDuplicate(tr->theta, &tr->pwork));
  PetscCall(VecSet(tr->m, 0));
  PetscCall(VecSet(tr->v, 0));
  PetscCall(VecSet(tr->good, 0));
  PetscCall(HcModelGetParameters(tr->model, tr->theta));
  PetscCall(HcGridCreateGlobalVector(tr->grid, &tr->f));
  PetscCall(VecDuplicate(tr->f, &tr->r));
  PetscCall(VecDuplicateVecs(tr->f, tr->K, &tr->wstates));
  PetscCall(PetscCalloc1(tr->nenv * (HC_ENVSUM_GRAD + P), &tr->envsum));
  PetscCall(PetscCalloc1(P + 1, &tr->rgrad));
  if (tr->adapt && !tr->blocksset) PetscCall(HcTrainerSetEnvironmentBlocks_Private(tr));
  PetscCall(PetscMalloc1(P, &tr->trainable));
  for (PetscInt i = 0; i < P; i++) tr->trainable[i] = tr->nblocks ? PETSC_FALSE : PETSC_TRUE;
  for (PetscInt b = 0; b < tr->nblocks; b++) {
    PetscInt off, n;

    PetscCall(HcModelGetParameterBlock(tr->model, tr->blocks[b], &off, &n));
    for (PetscInt i = off; i < off + n; i++) tr->trainable[i] = PETSC_TRUE;
  }
  /* parameters a term holds fixed (e.g. a seasonal cycle with -seasonal_learn_cycle 0) */
  for (PetscInt k = 0; k < tr->model->nterms; k++) {
    HcTerm           t;
    const PetscBool *fixed;
    PetscInt         n;

    PetscCall(HcModelGetTermByIndex(tr->model, k, &t));
    PetscCall(HcTermGetFixedParameters(t, &fixed));
    PetscCall(HcTermGetNumParameters(t, &n));
    for (PetscInt i = 0; fixed && i < n; i++)
      if (fixed[i]) tr->trainable[tr->model->poff[k] + i] = PETSC_FALSE;
  }
  tr->lambda      = tr->lambda0;
  tr->setupcalled = PETSC_TRUE;
  if (tr->resume[0]) PetscCall(HcTrainerLoadState(tr, tr->resume));
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerLoadInitialParameters - start from the parameters of a model file for every term it has (by term name, e.g.
  a hybrid from its physics-only fit; HcModelLoadMatchingParameters()); the other terms keep theirs, and the
  normalisation stays the one of this trainer's data.  Call after HcTrainerSetUp() (and after
  HcTrainerInitializeSeasonalCycle(), so that a seasonal term of the file wins).  *n: blocks read.
@*/
PetscErrorCode HcTrainerLoadInitialParameters(HcTrainer tr, const char path[], PetscInt *n)
{
  PetscFunctionBegin;
  PetscCheck(tr->setupcalled, tr->comm, PETSC_ERR_ORDER, "HcTrainer: call HcTrainerSetUp() first");
  /* a resumed run continues from its state file exactly; other starting values would break that */
  PetscCheck(!tr->resume[0], tr->comm, PETSC_ERR_ARG_INCOMP, "-train_init %s and -train_resume %s exclude each other", path,
             tr->resume);
  PetscCall(HcModelLoadMatchingParameters(tr->model, path, n));
  PetscCall(HcModelSetNormalization(tr->model, tr->mean, tr->std));
  PetscCall(HcModelGetParameters(tr->model, tr->theta));
  PetscCall(HcModelSetParameters(tr->model, tr->theta));
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerInitializeCycles - before training, set what the model's terms take from data (HcTermInitializeFromStates():
  the cycle of a seasonal term, the reference cycle of a meanmlp term) from the training part of the data: the training
  states of every environment, or an environment's own for its terms.  envonly: only the terms of an environment
  (-adapt: the shared ones come from the model file).  Call after HcTrainerSetUp(); a resumed trainer (-train_resume)
  keeps the parameters of its state file.  Does nothing without such a term.
@*/
PetscErrorCode HcTrainerInitializeCycles(HcTrainer tr, PetscBool envonly)
{
  HcModel    model = tr->model;
  PetscInt   ntot = 0, n, nterms, ninit = 0; /* ninit: terms to initialise */
  PetscReal *times;
  Vec       *states;

  PetscFunctionBegin;
  PetscCheck(tr->setupcalled, tr->comm, PETSC_ERR_ORDER, "HcTrainer: call HcTrainerSetUp() first");
  PetscCall(HcModelGetNumTerms(model, &nterms));
  for (PetscInt k = 0; k < nterms; k++) {
    HcTerm    t;
    PetscBool has;
    PetscInt  env;

    PetscCall(HcModelGetTermByIndex(model, k, &t));
    PetscCall(HcTermHasInitializeFromStates(t, &has));
    PetscCall(HcTermGetEnvironment(t, &env));
    ninit += has && (!envonly || env >= 0);
  }
  if (!ninit) PetscFunctionReturn(0);
  if (tr->resume[0]) {
    PetscCall(PetscPrintf(tr->world, "seasonal and reference cycles: kept from the training state %s\n", tr->resume));
    PetscFunctionReturn(0);
  }
  for (PetscInt e = 0; e < tr->nenv; e++) ntot += tr->env[e].split[0];
  PetscCall(PetscMalloc2(PetscMax(ntot, 1), &times, PetscMax(ntot, 1), &states));
  for (PetscInt k = 0; k < nterms; k++) {
    HcTerm      t;
    PetscBool   has;
    PetscInt    env;
    const char *name, *what;
    char        detail[1024];

    PetscCall(HcModelGetTermByIndex(model, k, &t));
    PetscCall(HcTermHasInitializeFromStates(t, &has));
    PetscCall(HcTermGetEnvironment(t, &env));
    PetscCall(HcTermGetName(t, &name));
    if (!has || (envonly && env < 0)) continue;
    n = 0;
    for (PetscInt e = 0; e < tr->nenv; e++) {
      if (env >= 0 && env != e) continue;
      for (PetscInt s = 0; s < tr->env[e].split[0]; s++) {
        times[n]    = tr->env[e].t[s];
        states[n++] = tr->env[e].y[s];
      }
    }
    PetscCheck(n > 0, tr->comm, PETSC_ERR_ARG_SIZ, "HcTrainer: no training state to initialise the cycle of term '%s'", name);
    PetscCall(HcTermInitializeFromStates(t, n, times, states, &what, detail, sizeof(detail)));
    PetscCall(
        PetscPrintf(tr->world, "%s of term '%s' set from %" PetscInt_FMT " training state(s): %s\n", what, name, n, detail));
  }
  PetscCall(PetscFree2(times, states));
  /* the optimiser's copy of the parameters, and the model's step and linearisation caches */
  PetscCall(HcModelGetParameters(model, tr->theta));
  PetscCall(HcModelSetParameters(model, tr->theta));
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerInitializeSeasonalCycle - HcTrainerInitializeCycles() for every term.
@*/
PetscErrorCode HcTrainerInitializeSeasonalCycle(HcTrainer tr)
{
  PetscFunctionBegin;
  PetscCall(HcTrainerInitializeCycles(tr, PETSC_FALSE));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTrainerGetNumWindows(HcTrainer tr, HcSplit split, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCheck(tr->setupcalled, tr->comm, PETSC_ERR_ORDER, "HcTrainer: call HcTrainerSetUp() first");
  *n = tr->nwin[split];
  PetscFunctionReturn(0);
}

PetscErrorCode HcTrainerGetNormalization(HcTrainer tr, const PetscReal *mean[], const PetscReal *std[])
{
  PetscFunctionBegin;
  PetscCheck(tr->setupcalled, tr->comm, PETSC_ERR_ORDER, "HcTrainer: call HcTrainerSetUp() first");
  if (mean) *mean = tr->mean;
  if (std) *std = tr->std;
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerComputeLossGradient - loss of the windows idx[0..n) of a split at the model's current parameters and its
  gradient g (a parameter vector of the model; NULL for the loss alone).
@*/
PetscErrorCode HcTrainerComputeLossGradient(HcTrainer tr, HcSplit split, PetscInt n, const PetscInt idx[], PetscReal *L, Vec g)
{
  PetscReal misfit;
  PetscBool ok;

  PetscFunctionBegin;
  PetscCheck(tr->setupcalled, tr->comm, PETSC_ERR_ORDER, "HcTrainer: call HcTrainerSetUp() first");
  for (PetscInt j = 0; j < n; j++)
    PetscCheck(idx[j] >= 0 && idx[j] < tr->nwin[split], tr->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "HcTrainer: window %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", idx[j], tr->nwin[split]);
  PetscCall(HcTrainerBatch_Private(tr, split, n, idx, g ? HC_BATCH_GRADIENT : HC_BATCH_LOSS, L, &misfit, &ok));
  PetscCheck(ok, tr->comm, PETSC_ERR_FP, "HcTrainer: the loss is not finite%s%s", tr->batchmsg[0] ? ": " : "", tr->batchmsg);
  if (g) PetscCall(VecCopy(tr->grad, g));
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerEvaluateWindows - forecasts over every window of a split: the mean misfit (normalised mean squared error)
  of the windows that did not fail, and per environment (envmse may be NULL; NaN where no window is left), the number
  of windows that failed (the state not finite, the model too stiff for -model_max_substeps; envfailed may be NULL)
  and the first failure's message (reason may be NULL; "" without failure; valid until the next evaluation).
@*/
PetscErrorCode HcTrainerEvaluateWindows(HcTrainer tr, HcSplit split, PetscReal *mse, PetscReal envmse[], PetscInt *nfailed,
                                        PetscInt envfailed[], const char **reason)
{
  const PetscInt stride = HC_ENVSUM_GRAD + tr->model->nparam;
  PetscInt      *all;
  PetscReal      L;
  PetscBool      ok;

  PetscFunctionBegin;
  PetscCheck(tr->setupcalled, tr->comm, PETSC_ERR_ORDER, "HcTrainer: call HcTrainerSetUp() first");
  if (reason) *reason = "";
  if (nfailed) *nfailed = 0;
  for (PetscInt e = 0; e < tr->nenv && envfailed; e++) envfailed[e] = 0;
  if (!tr->nwin[split]) {
    *mse = (PetscReal)NAN;
    for (PetscInt e = 0; e < tr->nenv && envmse; e++) envmse[e] = (PetscReal)NAN;
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1(tr->nwin[split], &all));
  for (PetscInt i = 0; i < tr->nwin[split]; i++) all[i] = i;
  PetscCall(HcTrainerBatch_Private(tr, split, tr->nwin[split], all, HC_BATCH_MISFIT, &L, mse, &ok));
  PetscCall(PetscFree(all));
  PetscCall(PetscStrncpy(tr->evalmsg, tr->batchmsg, sizeof(tr->evalmsg)));
  if (reason) *reason = tr->evalmsg;
  if (nfailed) *nfailed = tr->nbatchfailed;
  for (PetscInt e = 0; e < tr->nenv; e++) {
    const PetscReal *S = tr->envsum + e * stride;

    if (envmse) envmse[e] = S[3] > 0 ? S[1] / S[3] : (PetscReal)NAN;
    if (envfailed) envfailed[e] = (PetscInt)S[HC_ENVSUM_FAILED];
  }
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerEvaluate - mean misfit (normalised mean squared error) of forecasts over every window of a split, and per
  environment (envmse may be NULL; NaN for an environment without a window in the split).  Infinite where a window
  failed (the state not finite, the model too stiff): HcTrainerEvaluateWindows() counts them and gives the reason.
@*/
PetscErrorCode HcTrainerEvaluate(HcTrainer tr, HcSplit split, PetscReal *mse, PetscReal envmse[])
{
  PetscInt nfailed, *envfailed;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(tr->nenv, &envfailed));
  PetscCall(HcTrainerEvaluateWindows(tr, split, mse, envmse, &nfailed, envfailed, NULL));
  if (nfailed) *mse = (PetscReal)INFINITY;
  for (PetscInt e = 0; e < tr->nenv && envmse; e++)
    if (envfailed[e]) envmse[e] = (PetscReal)INFINITY;
  PetscCall(PetscFree(envfailed));
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerEvaluateNorm - mean over the windows of a split of the norm of the selected terms along the forecasts,
  c * sum_k sum_cells (dt_k F_sel(u(t_k)) / sigma)^2, as in the APHYNITY penalty: how much the learned part does.
@*/
PetscErrorCode HcTrainerEvaluateNorm(HcTrainer tr, HcSplit split, HcTermSelection sel, PetscReal *norm)
{
  PetscInt *all;
  PetscReal misfit;
  PetscBool ok;

  PetscFunctionBegin;
  PetscCheck(tr->setupcalled, tr->comm, PETSC_ERR_ORDER, "HcTrainer: call HcTrainerSetUp() first");
  PetscCheck(sel != HC_TERMS_ALL, tr->comm, PETSC_ERR_ARG_WRONG,
             "HcTrainerEvaluateNorm: select the physics, the learned or the environment terms");
  if (!tr->nwin[split]) {
    *norm = (PetscReal)NAN;
    PetscFunctionReturn(0);
  }
  tr->normsel = sel;
  PetscCall(PetscMalloc1(tr->nwin[split], &all));
  for (PetscInt i = 0; i < tr->nwin[split]; i++) all[i] = i;
  PetscCall(HcTrainerBatch_Private(tr, split, tr->nwin[split], all, HC_BATCH_NORM, norm, &misfit, &ok));
  PetscCall(PetscFree(all));
  if (!ok) *norm = (PetscReal)INFINITY; /* a window failed, or the norm is not finite */
  PetscFunctionReturn(0);
}

/* The physical parameters, for the progress line and the log: each value of a physics term, with exp() applied to the
   log-parametrised ones. */
static PetscErrorCode HcTrainerPhysicsString_Private(HcTrainer tr, char *buf, size_t len, PetscBool csv)
{
  PetscFunctionBegin;
  buf[0] = 0;
  for (PetscInt k = 0; k < tr->model->nterms; k++) {
    HcTerm           t;
    PetscBool        learned;
    PetscInt         nreport, env;
    const char      *tname;
    const PetscReal *theta;

    PetscCall(HcModelGetTermByIndex(tr->model, k, &t));
    PetscCall(HcTermIsLearned(t, &learned));
    if (learned) continue;
    PetscCall(HcTermGetNumReportedParameters(t, &nreport));
    PetscCall(HcTermGetEnvironment(t, &env));
    PetscCall(HcTermGetName(t, &tname));
    PetscCall(HcTermGetParameters(t, &theta));
    for (PetscInt i = 0; i < nreport; i++) {
      const char *name;
      PetscBool   islog;
      char        item[256];

      PetscCall(HcTermGetParameterName(t, i, &name));
      PetscCall(PetscStrbeginswith(name, "log_", &islog));
      if (csv)
        PetscCall(PetscSNPrintf(item, sizeof(item), ",%.10g", (double)(islog ? PetscExpReal(theta[i]) : theta[i])));
      else
        PetscCall(PetscSNPrintf(item, sizeof(item), " %s%s%s=%.4g", env >= 0 ? tname : "", env >= 0 ? ":" : "",
                                islog ? name + 4 : name, (double)(islog ? PetscExpReal(theta[i]) : theta[i])));
      PetscCall(PetscStrlcat(buf, item, len));
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTrainerLogFlush_Private(HcTrainer);

/* One progress line (and one CSV line): epoch, losses, gradient norm, lambda, physical parameters, time, ETA.  A
   training loss that could not be computed (no batch of the epoch, a failed TAO point) shows as n/a; a validation
   where windows failed as failed k/n (the CSV has inf). */
PetscErrorCode HcTrainerReport_Private(HcTrainer tr, PetscInt epoch, PetscReal train, PetscReal val, PetscInt nvalfailed,
                                       PetscReal gnorm)
{
  char      phys[2048], ts[32], vs[32], line[256], item[64];
  PetscReal elapsed = MPI_Wtime() - tr->tstart, per = elapsed / PetscMax(epoch - tr->epoch0, 1),
            eta = per * PetscMax(tr->epochs - epoch, 0);

  PetscFunctionBegin;
  PetscCall(HcTrainerPhysicsString_Private(tr, phys, sizeof(phys), PETSC_FALSE));
  if (PetscIsInfOrNanReal(train))
    PetscCall(PetscStrncpy(ts, "n/a", sizeof(ts)));
  else
    PetscCall(PetscSNPrintf(ts, sizeof(ts), "%.5e", (double)train));
  if (nvalfailed) {
    PetscCall(
        PetscSNPrintf(vs, sizeof(vs), "failed %" PetscInt_FMT "/%" PetscInt_FMT, nvalfailed, tr->nwin[HC_SPLIT_VALIDATION]));
    val = (PetscReal)INFINITY;
  } else if (PetscIsInfOrNanReal(val))
    PetscCall(PetscStrncpy(vs, "n/a", sizeof(vs)));
  else
    PetscCall(PetscSNPrintf(vs, sizeof(vs), "%.5e", (double)val));
  /* one PetscPrintf per line: PETSc flushes after each call, and mpiexec may forward an error line (stderr) between the
     pieces of a line printed in several calls */
  PetscCall(PetscSNPrintf(line, sizeof(line), "epoch %4" PetscInt_FMT "  train %-11s  val %-11s  |g| %.3e", epoch, ts, vs,
                          (double)gnorm));
  if (tr->loss == HC_LOSS_APHYNITY) {
    PetscCall(PetscSNPrintf(item, sizeof(item), "  lambda %.4g", (double)tr->lambda));
    PetscCall(PetscStrlcat(line, item, sizeof(line)));
  }
  if (tr->opt == HC_OPTIMIZER_ADAM) {
    PetscCall(PetscSNPrintf(item, sizeof(item), "  lr %.3g", (double)HcTrainerLearningRate_Private(tr)));
    PetscCall(PetscStrlcat(line, item, sizeof(line)));
  }
  PetscCall(PetscPrintf(tr->world, "%s %s  %.2fs/epoch  ETA %.0fs\n", line, phys, (double)per, (double)eta));
  if (tr->log) {
    PetscCall(HcTrainerPhysicsString_Private(tr, phys, sizeof(phys), PETSC_TRUE));
    PetscCall(PetscFPrintf(tr->world, tr->log, "%" PetscInt_FMT ",%.10e,%.10e,%.6e,%.6e,%.6e,%.3f%s\n", epoch, (double)train,
                           (double)val, (double)gnorm, (double)tr->lambda, (double)HcTrainerLearningRate_Private(tr),
                           (double)elapsed, phys));
  }
  if (tr->logfile[0]) PetscCall(HcTrainerLogFlush_Private(tr)); /* collective: tr->log is open on rank 0 only */
  PetscFunctionReturn(0);
}

/* Collective: the CSV log's lines reached the file (a full disk shows here, not in fprintf), or one error naming it. */
static PetscErrorCode HcTrainerLogFlush_Private(HcTrainer tr)
{
  int err = 0;

  PetscFunctionBegin;
  char msg[256] = "";

  errno = 0;
  if (tr->log && (fflush(tr->log) || ferror(tr->log))) {
    /* PetscFPrintf() flushes too, so errno may be gone by now */
    err = 1;
    PetscCall(
        PetscSNPrintf(msg, sizeof(msg), "%s",
                      HcFileSystemFull(tr->logfile) ? "no space left on device" : (errno ? strerror(errno) : "a write error")));
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, tr->world));
  PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, tr->world));
  PetscCheck(!err, tr->world, PETSC_ERR_FILE_WRITE, "-train_log %s: cannot write: %s", tr->logfile, msg);
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTrainerOpenLog_Private(HcTrainer tr)
{
  PetscFunctionBegin;
  if (!tr->logfile[0]) PetscFunctionReturn(0);
  PetscCall(PetscFOpen(tr->world, tr->logfile, tr->epoch > 0 ? "a" : "w", &tr->log));
  if (tr->epoch == 0) {
    PetscCall(PetscFPrintf(tr->world, tr->log, "epoch,train_loss,val_mse,grad_norm,lambda,lr,seconds"));
    for (PetscInt k = 0; k < tr->model->nterms; k++) {
      HcTerm      t;
      PetscBool   learned;
      PetscInt    nreport;
      const char *tname;

      PetscCall(HcModelGetTermByIndex(tr->model, k, &t));
      PetscCall(HcTermIsLearned(t, &learned));
      if (learned) continue;
      PetscCall(HcTermGetNumReportedParameters(t, &nreport));
      PetscCall(HcTermGetName(t, &tname));
      for (PetscInt i = 0; i < nreport; i++) {
        const char *name;
        PetscBool   islog;

        PetscCall(HcTermGetParameterName(t, i, &name));
        PetscCall(PetscStrbeginswith(name, "log_", &islog));
        PetscCall(PetscFPrintf(tr->world, tr->log, ",%s.%s", tname, islog ? name + 4 : name));
      }
    }
    PetscCall(PetscFPrintf(tr->world, tr->log, "\n"));
  }
  PetscCall(HcTrainerLogFlush_Private(tr));
  PetscFunctionReturn(0);
}

/* SIGINT / SIGTERM only raise a flag: the loop saves the state at the next batch (Adam) or iteration (TAO) and stops. */
static volatile sig_atomic_t hc_train_signal = 0;
static void                  HcTrainerSignal_Private(int sig)
{
  hc_train_signal = sig;
}

/* Not collective: has this rank had SIGINT or SIGTERM since training started? */
int HcTrainerSignalRaised_Private(void)
{
  return (int)hc_train_signal;
}

/* Collective: has a rank had SIGINT or SIGTERM?  Every rank must agree before anyone stops.  If so, the state is saved
   (-train_checkpoint) as it is now and *stop is set; `where` says where training stopped. */
PetscErrorCode HcTrainerPollSignal_Private(HcTrainer tr, const char where[], PetscBool *stop)
{
  int sig = hc_train_signal;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sig, 1, MPI_INT, MPI_MAX, tr->world));
  *stop = sig ? PETSC_TRUE : PETSC_FALSE;
  if (!sig) PetscFunctionReturn(0);
  tr->interrupted = PETSC_TRUE;
  tr->signal      = sig;
  PetscCall(PetscPrintf(tr->world, "interrupted by signal %d (%s) %s\n", sig, sig == SIGINT ? "SIGINT" : "SIGTERM", where));
  if (tr->checkpoint[0]) {
    PetscCall(HcTrainerSaveState(tr, tr->checkpoint));
    PetscCall(
        PetscPrintf(tr->world, "training state saved to %s; continue with -train_resume %s\n", tr->checkpoint, tr->checkpoint));
  } else
    PetscCall(PetscPrintf(tr->world, "no -train_checkpoint file was given, so the state is not saved\n"));
  PetscFunctionReturn(0);
}

/* A real as text that reads back as the same number, as short as that allows (0.05, not 0.050000000000000003). */
static const char *HcRealText_Private(PetscReal x, char buf[32])
{
  snprintf(buf, 32, "%.15g", (double)x);
  if (strtod(buf, NULL) != (double)x) snprintf(buf, 32, "%.17g", (double)x);
  return buf;
}

/* Everything that shapes a training state, one "key=value" line each (the key names the option, or the data): a state
   resumes only under the configuration it was saved with.  -train_epochs is not in it (a run may be extended), unless
   the cosine schedule depends on it. */
PetscErrorCode HcTrainerConfiguration_Private(HcTrainer tr, char buf[], size_t len)
{
  char line[4096], arch[8192], *tok, *save, *opts, rt[4][32];

  PetscFunctionBegin;
  buf[0] = 0;
#define HC_ADD(...)                                            \
  do {                                                         \
    PetscCall(PetscSNPrintf(line, sizeof(line), __VA_ARGS__)); \
    PetscCall(PetscStrlcat(buf, line, len));                   \
    PetscCall(PetscStrlcat(buf, "\n", len));                   \
  } while (0)
  /* the model: its architecture as options, one option a line */
  PetscCall(HcModelGetArchitecture(tr->model, arch, sizeof(arch)));
  {
    PetscBool first = PETSC_TRUE;

    for (tok = strtok_r(arch, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
      if (tok[0] == '-' && isalpha((unsigned char)tok[1])) { /* a name; a negative number is a value */
        if (buf[0]) PetscCall(PetscStrlcat(buf, "\n", len));
        PetscCall(PetscStrlcat(buf, tok, len));
        PetscCall(PetscStrlcat(buf, "=", len));
        first = PETSC_TRUE;
      } else {
        if (!first) PetscCall(PetscStrlcat(buf, " ", len));
        PetscCall(PetscStrlcat(buf, tok, len));
        first = PETSC_FALSE;
      }
    }
    if (buf[0]) PetscCall(PetscStrlcat(buf, "\n", len));
  }
  HC_ADD("-train_loss=%s", HcLossTypes[tr->loss]);
  HC_ADD("-train_optimizer=%s", HcOptimizerTypes[tr->opt]);
  HC_ADD("-train_window=%" PetscInt_FMT, tr->K);
  HC_ADD("-train_window_stride=%" PetscInt_FMT, tr->wstride);
  HC_ADD("-train_split=%s,%s", HcRealText_Private(tr->split[0], rt[0]), HcRealText_Private(tr->split[1], rt[1]));
  HC_ADD("-train_max_windows=%" PetscInt_FMT, tr->maxwin);
  HC_ADD("-train_batch=%" PetscInt_FMT, tr->batch);
  HC_ADD("-train_seed=%" PetscInt_FMT, tr->seed);
  HC_ADD("-train_normalize=%s", tr->normalize ? "true" : "false");
  arch[0] = 0;
  for (PetscInt b = 0; b < tr->nblocks; b++) {
    if (b) PetscCall(PetscStrlcat(arch, ",", sizeof(arch)));
    PetscCall(PetscStrlcat(arch, tr->blocks[b], sizeof(arch)));
  }
  HC_ADD("-train_params=%s", tr->nblocks ? arch : "all");
  if (tr->opt == HC_OPTIMIZER_ADAM) {
    HC_ADD("-train_lr=%s", HcRealText_Private(tr->lr, rt[0]));
    HC_ADD("-train_lr_schedule=%s", HcLRSchedules[tr->schedule]);
    if (tr->schedule == HC_LR_COSINE) HC_ADD("-train_lr_min=%s", HcRealText_Private(tr->lrmin, rt[0]));
    if (tr->schedule == HC_LR_COSINE) HC_ADD("-train_epochs=%" PetscInt_FMT, tr->epochs);
    if (tr->schedule == HC_LR_EXPONENTIAL) HC_ADD("-train_lr_decay=%s", HcRealText_Private(tr->lrdecay, rt[0]));
    HC_ADD("-train_clip=%s", HcRealText_Private(tr->clip, rt[0]));
    HC_ADD("-train_adam_beta1=%s", HcRealText_Private(tr->beta1, rt[0]));
    HC_ADD("-train_adam_beta2=%s", HcRealText_Private(tr->beta2, rt[0]));
  }
  if (tr->loss == HC_LOSS_APHYNITY) {
    HC_ADD("-train_aphynity_lambda=%s", HcRealText_Private(tr->lambda0, rt[0]));
    HC_ADD("-train_aphynity_tau=%s", HcRealText_Private(tr->tau, rt[0]));
  }
  if (tr->loss == HC_LOSS_LEADS) HC_ADD("-train_leads_penalty=%s", HcRealText_Private(tr->leadsmu, rt[0]));
  if (tr->loss == HC_LOSS_VREX) HC_ADD("-train_vrex_beta=%s", HcRealText_Private(tr->vrexbeta, rt[0]));
  /* TAO's own options (its type, line search, memory), as given; a value follows a name unless the next token is a
     name itself (a negative number is a value) */
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  for (tok = strtok_r(opts, " ", &save); tok;) {
    char     *next     = strtok_r(NULL, " ", &save);
    const int hasvalue = next && !(next[0] == '-' && isalpha((unsigned char)next[1]));
    PetscBool istao;

    PetscCall(PetscStrbeginswith(tok, "-train_tao_", &istao));
    if (istao && !strstr(tok, "monitor") && !strstr(tok, "view")) HC_ADD("%s=%s", tok, hasvalue ? next : "");
    tok = hasvalue ? strtok_r(NULL, " ", &save) : next;
  }
  PetscCall(PetscFree(opts));
  /* the data: grid, fields and each environment's observations and normalisation */
  HC_ADD("grid=%s %" PetscInt_FMT " x %" PetscInt_FMT, HcGridTypes[tr->grid->type], tr->grid->nx, tr->grid->ny);
  arch[0] = 0;
  for (PetscInt c = 0; c < tr->nc; c++) {
    if (c) PetscCall(PetscStrlcat(arch, ",", sizeof(arch)));
    PetscCall(PetscStrlcat(arch, tr->grid->fieldnames[c], sizeof(arch)));
  }
  HC_ADD("-data_vars=%s", arch);
  for (PetscInt e = 0; e < tr->nenv; e++)
    HC_ADD("data environment %" PetscInt_FMT "=%s: %" PetscInt_FMT " observations, t = %s .. %s", e, tr->env[e].name,
           tr->env[e].nt, HcRealText_Private(tr->env[e].t[0], rt[0]), HcRealText_Private(tr->env[e].t[tr->env[e].nt - 1], rt[1]));
  for (PetscInt c = 0; c < tr->nc; c++)
    HC_ADD("data normalisation of %s=mean %s, scale %s", tr->grid->fieldnames[c], HcRealText_Private(tr->mean[c], rt[0]),
           HcRealText_Private(tr->std[c], rt[1]));
#undef HC_ADD
  PetscCheck(strlen(buf) + 1 < len, tr->comm, PETSC_ERR_SUP, "HcTrainer: the configuration of the training state is too long");
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerGetInterruptSignal - the signal (SIGINT or SIGTERM) that stopped the last HcTrainerTrain(), or 0.
@*/
PetscErrorCode HcTrainerGetInterruptSignal(HcTrainer tr, int *sig)
{
  PetscFunctionBegin;
  *sig = tr->interrupted ? tr->signal : 0;
  PetscFunctionReturn(0);
}

/* A permutation of 0..n-1 that depends only on (seed, epoch): the order of windows, reproducible on resume. */
static void HcTrainerPermutation_Private(PetscInt seed, PetscInt epoch, PetscInt n, PetscInt perm[])
{
  unsigned long long z =
      (unsigned long long)seed * 0x9E3779B97F4A7C15ULL + (unsigned long long)(epoch + 1) * 0xD1B54A32D192ED03ULL;

  for (PetscInt i = 0; i < n; i++) perm[i] = i;
  for (PetscInt i = n - 1; i > 0; i--) {
    unsigned long long r;
    PetscInt           j, tmp;

    z += 0x9E3779B97F4A7C15ULL;
    r       = z;
    r       = (r ^ (r >> 30)) * 0xBF58476D1CE4E5B9ULL;
    r       = (r ^ (r >> 27)) * 0x94D049BB133111EBULL;
    r       = r ^ (r >> 31);
    j       = (PetscInt)(r % (unsigned long long)(i + 1));
    tmp     = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
  }
}

/* Keep the first failure of a run (the same text on every rank): the reason given when training fails. */
PetscErrorCode HcTrainerNoteFailure_Private(HcTrainer tr, const char msg[])
{
  PetscFunctionBegin;
  if (!tr->failmsg[0]) PetscCall(PetscStrncpy(tr->failmsg, msg, sizeof(tr->failmsg)));
  PetscFunctionReturn(0);
}

/* A failed step (a window that failed, a non-finite loss, or a fixed time step made unstable): back to the parameters of
   the last batch that could be computed, with half the learning rate. */
static PetscErrorCode HcTrainerRecover_Private(HcTrainer tr, const char *why)
{
  PetscFunctionBegin;
  tr->nfail++;
  tr->lrscale *= 0.5;
  PetscCall(VecCopy(tr->good, tr->theta));
  PetscCall(HcModelSetParameters(tr->model, tr->theta));
  PetscCall(PetscPrintf(tr->world, "  step %" PetscInt_FMT " rejected (%s): parameters restored, learning rate halved to %.3g\n",
                        tr->step, why, (double)HcTrainerLearningRate_Private(tr)));
  PetscCheck(tr->lrscale > 1e-6, tr->world, PETSC_ERR_NOT_CONVERGED,
             "HcTrainer: training failed (diverged): %" PetscInt_FMT
             " rejected steps, the learning rate is below 1e-6 of its start%s; the first failure: %s",
             tr->nfail, tr->nbatchok ? "" : " and no batch could be computed at the initial parameters", tr->failmsg);
  PetscFunctionReturn(0);
}

static PetscErrorCode HcTrainerAdamLoop_Private(HcTrainer tr)
{
  const PetscInt n  = tr->nwin[HC_SPLIT_TRAIN];
  const PetscInt nb = (n + tr->batch - 1) / tr->batch;
  PetscInt      *perm;
  PetscReal      gnorm = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n, &perm));
  if (!tr->goodset) PetscCall(VecCopy(tr->theta, tr->good)); /* a resumed run has its own from the state */
  tr->goodset = PETSC_FALSE;
  while (tr->epoch < tr->epochs) {
    PetscReal val;
    PetscInt  nvalfailed;
    /* a run resumed from a state saved after an epoch's last batch starts with no batch left in that epoch */
    const PetscBool batches = tr->batchpos < nb ? PETSC_TRUE : PETSC_FALSE;

    HcTrainerPermutation_Private(tr->seed, tr->epoch, n, perm);
    for (; tr->batchpos < nb; tr->batchpos++) {
      const PetscInt first = tr->batchpos * tr->batch, cnt = PetscMin(tr->batch, n - first);
      PetscReal      L, misfit, limit, dt;
      PetscBool      ok, stable;

      PetscCall(HcTrainerBatch_Private(tr, HC_SPLIT_TRAIN, cnt, perm + first, HC_BATCH_GRADIENT, &L, &misfit, &ok));
      if (tr->abandoned) { /* a signal during the batch: the state before it is saved, and the batch done again on resume */
        PetscBool stop;
        char      where[128];

        PetscCall(PetscSNPrintf(where, sizeof(where), "during epoch %" PetscInt_FMT ", batch %" PetscInt_FMT " of %" PetscInt_FMT,
                                tr->epoch, tr->batchpos + 1, nb));
        PetscCall(HcTrainerPollSignal_Private(tr, where, &stop));
        PetscCall(PetscFree(perm));
        PetscFunctionReturn(0);
      }
      if (!ok) {
        PetscCall(HcTrainerNoteFailure_Private(tr, tr->batchmsg[0] ? tr->batchmsg : "the loss or the gradient is not finite"));
        PetscCall(HcTrainerRecover_Private(tr, tr->batchmsg[0] ? "a window failed" : "the loss or the gradient is not finite"));
      } else {
        /* these parameters work on a batch: a step that leads to a failure comes back here */
        tr->nbatchok++;
        PetscCall(VecCopy(tr->theta, tr->good));
        PetscCall(VecNorm(tr->grad, NORM_2, &gnorm));
        PetscCall(HcTrainerAdamStep_Private(tr));
        PetscCall(HcModelSetParameters(tr->model, tr->theta));
        PetscCall(HcModelCheckTimeStep(tr->model, &stable, &dt, &limit));
        if (!stable) {
          char why[256];

          PetscCall(PetscSNPrintf(why, sizeof(why),
                                  "CFL: the time step dt = %g is above the stability limit %g for the new parameters", (double)dt,
                                  (double)limit));
          PetscCall(HcTrainerNoteFailure_Private(tr, why));
          PetscCall(HcTrainerRecover_Private(tr, why));
        } else {
          tr->epochsum += misfit * cnt;
          tr->epochcount += cnt;
          if (tr->monitor)
            PetscCall(PetscPrintf(tr->world, "  batch %4" PetscInt_FMT "/%" PetscInt_FMT "  loss %.5e  misfit %.5e  |g| %.3e\n",
                                  tr->batchpos + 1, nb, (double)L, (double)misfit, (double)gnorm));
        }
      }
      {
        PetscBool stop;
        char      where[128];

        PetscCall(PetscSNPrintf(where, sizeof(where), "at epoch %" PetscInt_FMT ", batch %" PetscInt_FMT " of %" PetscInt_FMT,
                                tr->epoch, tr->batchpos + 1, nb));
        tr->batchpos++; /* a state saved now resumes after this batch */
        PetscCall(HcTrainerPollSignal_Private(tr, where, &stop));
        if (stop) {
          PetscCall(PetscFree(perm));
          PetscFunctionReturn(0);
        }
        tr->batchpos--;
      }
    }
    tr->batchpos = 0;
    /* every batch failed at the same parameters (a rejected step returns to them): the next epoch would too */
    PetscCheck(tr->nbatchok || !batches, tr->world, PETSC_ERR_NOT_CONVERGED,
               "HcTrainer: training failed: no batch of epoch %" PetscInt_FMT " could be computed at the initial parameters; the "
               "first failure: %s",
               tr->epoch + 1, tr->failmsg);
    if (tr->loss == HC_LOSS_APHYNITY && tr->epochcount > 0) tr->lambda += tr->tau * tr->epochsum / tr->epochcount;
    tr->epoch++;
    PetscCall(HcTrainerEvaluateWindows(tr, HC_SPLIT_VALIDATION, &val, NULL, &nvalfailed, NULL, NULL));
    PetscCall(HcTrainerReport_Private(tr, tr->epoch, tr->epochcount > 0 ? tr->epochsum / tr->epochcount : (PetscReal)NAN, val,
                                      nvalfailed, gnorm));
    tr->epochsum = tr->epochcount = 0;
    if (tr->checkpoint[0] && tr->ckevery > 0 && tr->epoch % tr->ckevery == 0) PetscCall(HcTrainerSaveState(tr, tr->checkpoint));
  }
  PetscCall(PetscFree(perm));
  PetscFunctionReturn(0);
}

/* After the optimiser: the parameters must be finite and every training window must forecast with them (a finite
   training MSE), or there is no trained model. */
static PetscErrorCode HcTrainerCheckResult_Private(HcTrainer tr)
{
  const PetscScalar *x;
  PetscInt           n, bad = PETSC_MAX_INT, nfailed;
  PetscReal          mse;
  const char        *why;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(tr->theta, &n));
  PetscCall(VecGetArrayRead(tr->theta, &x));
  for (PetscInt i = 0; i < n && bad == PETSC_MAX_INT; i++)
    if (PetscIsInfOrNanScalar(x[i])) bad = i;
  PetscCall(VecRestoreArrayRead(tr->theta, &x));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_MIN, tr->world));
  if (bad != PETSC_MAX_INT) {
    const char *block = "?";

    for (PetscInt k = 0; k < tr->model->nterms; k++) {
      HcTerm t;

      PetscCall(HcModelGetTermByIndex(tr->model, k, &t));
      if (bad >= tr->model->poff[k] && bad < tr->model->poff[k + 1]) PetscCall(HcTermGetName(t, &block));
    }
    SETERRQ(tr->world, PETSC_ERR_NOT_CONVERGED,
            "HcTrainer: training failed: the final parameters are not finite (parameter %" PetscInt_FMT " of block '%s')%s%s",
            bad, block, tr->failmsg[0] ? "; the first failure: " : "", tr->failmsg);
  }
  PetscCall(HcModelSetParameters(tr->model, tr->theta));
  PetscCall(HcTrainerEvaluateWindows(tr, HC_SPLIT_TRAIN, &mse, NULL, &nfailed, NULL, &why));
  PetscCheck(!nfailed, tr->world, PETSC_ERR_NOT_CONVERGED,
             "HcTrainer: training failed: with the final parameters %" PetscInt_FMT " of %" PetscInt_FMT
             " training window(s) fail; the first: %s",
             nfailed, tr->nwin[HC_SPLIT_TRAIN], why);
  PetscCheck(!PetscIsInfOrNanReal(mse), tr->world, PETSC_ERR_NOT_CONVERGED,
             "HcTrainer: training failed: the training MSE of the final parameters is not finite (%g)%s%s", (double)mse,
             tr->failmsg[0] ? "; the first failure: " : "", tr->failmsg);
  tr->finalmse = mse;
  PetscCall(PetscPrintf(tr->world, "final parameters: training MSE %.5e over %" PetscInt_FMT " window(s)\n", (double)mse,
                        tr->nwin[HC_SPLIT_TRAIN]));
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerTrain - train from the current state (fresh, or resumed by -train_resume) to -train_epochs; the model ends
  with the trained parameters.  On SIGINT/SIGTERM it saves the state (-train_checkpoint) and returns early: see
  HcTrainerWasInterrupted().  Training that gets nowhere fails with the first failure's reason: no step possible
  (every window fails at the initial parameters, or at every trial point), the learning rate collapsed by rejected
  steps, or final parameters that are not finite or with which a training window fails.
@*/
PetscErrorCode HcTrainerTrain(HcTrainer tr)
{
  struct sigaction sa, oldint, oldterm;

  PetscFunctionBegin;
  PetscCall(HcTrainerSetUp(tr));
  PetscCall(HcTrainerOpenLog_Private(tr));
  tr->tstart      = MPI_Wtime();
  tr->epoch0      = tr->epoch;
  tr->interrupted = PETSC_FALSE;
  tr->signal      = 0;
  hc_train_signal = 0;
  /* this run's failures */
  tr->nbatchok   = 0;
  tr->ntaook     = 0;
  tr->ntaofailed = 0;
  tr->failmsg[0] = 0;
  tr->finalmse   = (PetscReal)NAN;
  PetscCall(PetscMemzero(&sa, sizeof(sa)));
  sa.sa_handler = HcTrainerSignal_Private;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &oldint);
  sigaction(SIGTERM, &sa, &oldterm);
  PetscCall(PetscPrintf(tr->world,
                        "training: loss %s, %s, %" PetscInt_FMT " training / %" PetscInt_FMT " validation / %" PetscInt_FMT
                        " test windows of %" PetscInt_FMT " intervals, batch %" PetscInt_FMT ", %" PetscInt_FMT " group(s)\n",
                        HcLossTypes[tr->loss], HcOptimizerTypes[tr->opt], tr->nwin[0], tr->nwin[1], tr->nwin[2], tr->K, tr->batch,
                        tr->ngroups));
  if (tr->opt == HC_OPTIMIZER_TAO)
    PetscCall(HcTrainerTao_Private(tr));
  else
    PetscCall(HcTrainerAdamLoop_Private(tr));
  sigaction(SIGINT, &oldint, NULL);
  sigaction(SIGTERM, &oldterm, NULL);
  hc_train_signal = 0; /* seen (tr->signal); later batches outside training must not stop for it */
  if (tr->log) PetscCall(PetscFClose(tr->world, tr->log));
  tr->log = NULL;
  if (tr->interrupted) PetscFunctionReturn(0);
  PetscCall(HcTrainerCheckResult_Private(tr));
  if (tr->checkpoint[0]) PetscCall(HcTrainerSaveState(tr, tr->checkpoint));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTrainerWasInterrupted(HcTrainer tr, PetscBool *flg)
{
  PetscFunctionBegin;
  *flg = tr->interrupted;
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerSetTimeUnits - the units of the data's time coordinate as in the file (HcReaderGetTimeUnits(), e.g. "days
  since 1800-01-01"; NULL or "" when it has none).  With units the times given to HcTrainerAddEnvironment() are seconds
  (the reader's model time) and HcTrainerView() shows intervals in s, min, h or days; without, as plain numbers.  The
  default: seconds on a lat-lon grid only.
@*/
PetscErrorCode HcTrainerSetTimeUnits(HcTrainer tr, const char units[])
{
  PetscFunctionBegin;
  tr->timeseconds = units && units[0] ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* The observation intervals of the data and the steps they are integrated in (for the current parameters): what
   training uses, interval by interval, rather than an interval of the model's own. */
static PetscErrorCode HcTrainerViewIntervals_Private(HcTrainer tr, PetscViewer viewer)
{
  HcModel   model = tr->model;
  PetscReal dmin = PETSC_MAX_REAL, dmax = 0, span = 0, count = 0, mean;
  PetscInt  nmin, nmax;
  char      a[128], b[64], line[512];

  PetscFunctionBegin;
  for (PetscInt e = 0; e < tr->nenv; e++) {
    const HcEnvData *E = &tr->env[e];

    for (PetscInt k = 1; k < E->nt; k++) {
      dmin = PetscMin(dmin, E->t[k] - E->t[k - 1]);
      dmax = PetscMax(dmax, E->t[k] - E->t[k - 1]);
    }
    span += E->t[E->nt - 1] - E->t[0];
    count += E->nt - 1;
  }
  mean = span / count;
  PetscCall(HcModelPrepareTimeStep_Private(model)); /* collective: the stability limit of the current parameters */
  nmin = model->dttarget < PETSC_MAX_REAL ? (PetscInt)PetscMax(PetscCeilReal(dmin / model->dttarget * (1 - 1e-12)), 1) : 1;
  nmax = model->dttarget < PETSC_MAX_REAL ? (PetscInt)PetscMax(PetscCeilReal(dmax / model->dttarget * (1 - 1e-12)), 1) : 1;
  PetscCall(HcFormatDuration(mean, tr->timeseconds, a, sizeof(a)));
  if (dmax - dmin <= 1e-9 * dmax) {
    PetscCall(HcFormatDuration(mean / nmin, tr->timeseconds, b, sizeof(b)));
    PetscCall(PetscSNPrintf(line, sizeof(line), "observation interval %s = %" PetscInt_FMT " step(s) of %s", a, nmin, b));
  } else {
    PetscCall(HcFormatDurationRange(dmin, dmax, tr->timeseconds, b, sizeof(b)));
    PetscCall(PetscSNPrintf(line, sizeof(line), "observation interval %s on average (varies %s over the data) = ", a, b));
    if (nmin == nmax) {
      PetscCall(HcFormatDurationRange(dmin / nmin, dmax / nmax, tr->timeseconds, b, sizeof(b)));
      PetscCall(PetscSNPrintf(a, sizeof(a), "%" PetscInt_FMT " step(s) of %s", nmin, b));
    } else {
      PetscCall(HcFormatDuration(model->dttarget, tr->timeseconds, b, sizeof(b)));
      PetscCall(PetscSNPrintf(a, sizeof(a), "%" PetscInt_FMT " .. %" PetscInt_FMT " step(s) of at most %s", nmin, nmax, b));
    }
    PetscCall(PetscStrlcat(line, a, sizeof(line)));
  }
  if (!tr->timeseconds) PetscCall(PetscStrlcat(line, " (model time units)", sizeof(line)));
  PetscCall(PetscViewerASCIIPrintf(viewer, "%s\n", line));
  if (nmax > model->maxsub)
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "warning: %" PetscInt_FMT
                                     " steps per interval are more than -model_max_substeps %" PetscInt_FMT
                                     " allows: such windows fail\n",
                                     nmax, model->maxsub));
  PetscFunctionReturn(0);
}

/*@C
  HcTrainerView - the environments, their splits and observation intervals, the windows and the normalisation.
  Collective on the trainer's ranks (it computes the time step of the current parameters).
@*/
PetscErrorCode HcTrainerView(HcTrainer tr, PetscViewer viewer)
{
  PetscBool isascii;

  PetscFunctionBegin;
  if (!viewer) viewer = PETSC_VIEWER_STDOUT_(tr->world);
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &isascii));
  if (!isascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(
      viewer, "HcTrainer: loss %s, optimiser %s, %" PetscInt_FMT " environment(s), %" PetscInt_FMT " group(s)\n",
      HcLossTypes[tr->loss], HcOptimizerTypes[tr->opt], tr->nenv, tr->ngroups));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  for (PetscInt e = 0; e < tr->nenv; e++) {
    const HcEnvData *E = &tr->env[e];
    PetscCall(PetscViewerASCIIPrintf(
        viewer,
        "environment %" PetscInt_FMT " '%s': %" PetscInt_FMT " observations, t = %g .. %g; train [0, %" PetscInt_FMT
        "), validation [%" PetscInt_FMT ", %" PetscInt_FMT "), test [%" PetscInt_FMT ", %" PetscInt_FMT ")\n",
        e, E->name, E->nt, (double)E->t[0], (double)E->t[E->nt - 1], E->split[0], E->split[0], E->split[1], E->split[1], E->nt));
  }
  if (tr->setupcalled) {
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "windows of %" PetscInt_FMT " intervals: %" PetscInt_FMT " training, %" PetscInt_FMT
                                     " validation, %" PetscInt_FMT " test\n",
                                     tr->K, tr->nwin[0], tr->nwin[1], tr->nwin[2]));
    PetscCall(HcTrainerViewIntervals_Private(tr, viewer));
    for (PetscInt c = 0; c < tr->nc; c++)
      PetscCall(PetscViewerASCIIPrintf(viewer, "field %s: training mean %g, scale %g\n", tr->grid->fieldnames[c],
                                       (double)tr->mean[c], (double)tr->std[c]));
  }
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode HcTrainerDestroy(HcTrainer *trainer)
{
  HcTrainer tr;

  PetscFunctionBegin;
  if (!trainer || !*trainer) PetscFunctionReturn(0);
  tr       = *trainer;
  *trainer = NULL;
  for (PetscInt e = 0; e < tr->nenv; e++) {
    for (PetscInt k = 0; k < tr->env[e].nt; k++) PetscCall(VecDestroy(&tr->env[e].y[k]));
    PetscCall(PetscFree2(tr->env[e].t, tr->env[e].y));
    PetscCall(PetscFree(tr->env[e].name));
  }
  for (int sp = 0; sp < 3; sp++) PetscCall(PetscFree(tr->win[sp]));
  for (PetscInt b = 0; b < tr->nblocks; b++) PetscCall(PetscFree(tr->blocks[b]));
  PetscCall(VecDestroy(&tr->theta));
  PetscCall(VecDestroy(&tr->grad));
  PetscCall(VecDestroy(&tr->m));
  PetscCall(VecDestroy(&tr->v));
  PetscCall(VecDestroy(&tr->good));
  PetscCall(VecDestroy(&tr->pgrad));
  PetscCall(VecDestroy(&tr->pwork));
  PetscCall(VecDestroy(&tr->f));
  PetscCall(VecDestroy(&tr->r));
  PetscCall(HcTrainerTaoHistoryDestroy_Private(tr));
  if (tr->wstates) PetscCall(VecDestroyVecs(tr->K, &tr->wstates));
  PetscCall(PetscFree(tr->envsum));
  PetscCall(PetscFree(tr->rgrad));
  PetscCall(PetscFree(tr->trainable));
  if (tr->roots != MPI_COMM_NULL) PetscCallMPI(MPI_Comm_free(&tr->roots));
  PetscCall(PetscFree(tr));
  PetscFunctionReturn(0);
}
