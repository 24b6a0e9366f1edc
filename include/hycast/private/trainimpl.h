/* HcTrainer internals: observed environments, windows, optimiser state. */
#ifndef HYCAST_TRAINIMPL_H
#define HYCAST_TRAINIMPL_H

#include <hycast/private/modelimpl.h>

#define HC_MAX_ENVS         64
#define HC_STATE_CONFIG_LEN 32768 /* the configuration recorded in a training state */

typedef struct {
  char      *name;
  PetscInt   nt;
  PetscReal *t;        /* observation times */
  Vec       *y;        /* observed states on the model's grid (references) */
  PetscInt   split[2]; /* first index of the validation part and of the test part */
} HcEnvData;

/* A window: from the observed state y[start] of environment env, K observation intervals. */
typedef struct {
  PetscInt env, start;
} HcWindow;

typedef enum { HC_OPTIMIZER_ADAM, HC_OPTIMIZER_TAO } HcOptimizerType;
typedef enum { HC_LR_CONSTANT, HC_LR_COSINE, HC_LR_EXPONENTIAL } HcLRSchedule;

struct _p_HcTrainer {
  MPI_Comm  comm;  /* the model's communicator: one group */
  MPI_Comm  world; /* every group */
  MPI_Comm  roots; /* rank 0 of every group; MPI_COMM_NULL on the other ranks */
  PetscInt  ngroups, group;
  HcModel   model;
  HcGrid    grid;
  PetscInt  nenv;
  HcEnvData env[HC_MAX_ENVS];
  PetscBool setupcalled;

  /* options */
  HcLossType      loss;
  PetscInt        K, wstride, batch, epochs, ckevery, maxwin;
  PetscReal       split[2];
  HcOptimizerType opt;
  HcLRSchedule    schedule;
  PetscReal       lr, lrmin, lrdecay, clip, beta1, beta2, eps;
  PetscReal       lambda0, tau, leadsmu, vrexbeta;
  PetscInt        seed;
  PetscBool       monitor, normalize;
  char            checkpoint[PETSC_MAX_PATH_LEN], resume[PETSC_MAX_PATH_LEN], logfile[PETSC_MAX_PATH_LEN];
  char           *blocks[64];
  PetscInt        nblocks;
  PetscBool       blocksset; /* -train_params was given */
  PetscBool       adapt;     /* HcTrainerSetAdaptation(): without -train_params, the environment terms' blocks */
  PetscBool      *trainable; /* per parameter */

  /* normalisation: per field, over the active cells of the training part */
  PetscReal mean[HC_MAX_FIELDS], std[HC_MAX_FIELDS];
  PetscInt  nc, nactive;

  /* windows of each split */
  PetscInt  nwin[3];
  HcWindow *win[3];

  /* optimiser state (parameter layout: every entry on rank 0 of the group) */
  Vec             theta, grad, m, v;
  Vec             good;    /* Adam: the parameters of the last batch that could be computed (a rejected step returns there) */
  PetscBool       goodset; /* good came from a training state (-train_resume) */
  PetscReal      *rgrad;   /* the gradient of the terms' penalties on the parameters (HcModelAddRegularization), nparam */
  PetscReal      *envsum;  /* per environment: [loss, misfit, penalty, count, failed] then the gradient (nparam): on roots */
  PetscInt        step, epoch, batchpos, nfail;
  PetscReal       lambda, lrscale, epochsum, epochcount;
  PetscBool       interrupted;
  HcTermSelection normsel; /* terms whose norm HC_BATCH_NORM measures */

  /* failures: of the last batch (windows, first message), and of this run of HcTrainerTrain() */
  PetscInt  nbatchfailed;
  char      batchmsg[1024], evalmsg[1024];
  PetscInt  nbatchok;           /* Adam: batches computed */
  PetscInt  ntaook, ntaofailed; /* TAO: objective evaluations computed and failed */
  char      failmsg[1024];      /* the first failure of the run */
  PetscReal finalmse;           /* training MSE of the final parameters */
  PetscBool timeseconds;        /* the data's times are seconds (the file has time units) */

  /* the window being differentiated */
  PetscInt   wenv, wstart;
  PetscReal  wmisfit, wpenalty, wmisfitweight, wpenaltyweight;
  PetscReal *times;
  Vec        f, r, *wstates; /* work in the state layout; K forecast states */
  Vec        pgrad, pwork;
  FILE      *log;
  PetscReal  tstart;    /* wall clock at the start of training, for the ETA */
  PetscInt   epoch0;    /* first epoch of this run (after a resume) */
  int        signal;    /* the signal that interrupted training (0: none) */
  PetscBool  abandoned; /* the last batch stopped for a signal */

  /* TAO (BLMVM): the quasi-Newton updates since its history was last reset, kept so that a state file can rebuild the
     history exactly (optim.c, HcTrainerTaoRecord_Private); event i is the update at the point taox[i] with the
     unprojected gradient taog[i], after MatLMVMSymBroydenSetDelta(taodelta[i]); taoreset[i] = 1 when BLMVM reset its
     history in that iteration, 2 when that is not known yet */
  PetscInt   taon, taocap;
  Vec       *taox, *taog;
  PetscReal *taodelta;
  PetscInt  *taoreset;
  PetscBool  taohistory;   /* the history is kept (the TAO type is BLMVM) */
  PetscBool  taoexact;     /* the kept history reproduced TAO's at every iteration so far */
  PetscBool  taopending;   /* taopx, taopg, taopdelta hold the update of the next iteration */
  Vec        taopx, taopg; /* the pending update */
  Vec        taolx, taolg; /* the last objective evaluation */
  PetscReal  taopdelta;
  Vec        taoxl, taoxu; /* the bounds */
  PetscInt   taonfuncs;    /* objective evaluations of the run a state was saved by */
  PetscInt   taofuncs;     /* objective evaluations so far, counted as an uninterrupted run would */
};

/* Layout of tr->envsum per environment */
#define HC_ENVSUM_FAILED 4 /* windows that failed */
#define HC_ENVSUM_GRAD   5 /* first entry of the gradient */

/* What a batch computes: the loss and its gradient, the loss alone, or the plain misfit of forecasts (evaluation). */
typedef enum {
  HC_BATCH_GRADIENT,
  HC_BATCH_LOSS,
  HC_BATCH_MISFIT,
  HC_BATCH_NORM /* the norm of the terms tr->normsel along forecasts */
} HcBatchMode;

PETSC_INTERN PetscReal      HcTrainerMisfitWeight_Private(HcTrainer);
PETSC_INTERN PetscReal      HcTrainerPenaltyWeight_Private(HcTrainer);
PETSC_INTERN PetscErrorCode HcTrainerWindowLossGradient_Private(HcTrainer, HcWindow, PetscReal *, PetscReal *, Vec);
PETSC_INTERN PetscErrorCode HcTrainerWindowMisfit_Private(HcTrainer, HcWindow, HcTermSelection, PetscReal *, PetscReal *);
PETSC_INTERN PetscErrorCode HcTrainerBatch_Private(HcTrainer, HcSplit, PetscInt, const PetscInt[], HcBatchMode, PetscReal *,
                                                   PetscReal *, PetscBool *);
PETSC_INTERN PetscErrorCode HcTrainerAdamStep_Private(HcTrainer);
PETSC_INTERN PetscErrorCode HcTrainerTao_Private(HcTrainer);
PETSC_INTERN PetscReal      HcTrainerLearningRate_Private(HcTrainer);
PETSC_INTERN PetscErrorCode HcTrainerReport_Private(HcTrainer, PetscInt, PetscReal, PetscReal, PetscInt, PetscReal);
PETSC_INTERN PetscErrorCode HcTrainerNoteFailure_Private(HcTrainer, const char[]);
PETSC_INTERN PetscErrorCode HcTrainerConfiguration_Private(HcTrainer, char[], size_t);
PETSC_INTERN int            HcTrainerSignalRaised_Private(void);
PETSC_INTERN PetscErrorCode HcTrainerPollSignal_Private(HcTrainer, const char[], PetscBool *);
PETSC_INTERN PetscErrorCode HcTrainerTaoHistoryDestroy_Private(HcTrainer);
PETSC_INTERN PetscErrorCode HcTrainerTaoHistoryResize_Private(HcTrainer, PetscInt);

#endif
