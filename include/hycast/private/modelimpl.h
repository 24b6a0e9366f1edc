/* HcModel internals: the terms, the packed parameters and the TS with its shell Jacobians. */
#ifndef HYCAST_MODELIMPL_H
#define HYCAST_MODELIMPL_H

#include <hycast/private/gridimpl.h> /* the terms' internals stay with the model's sources (termimpl.h) */

#define HC_MAX_TERMS 32
#define HC_MAX_INFO  16

struct _p_HcModel {
  MPI_Comm        comm;
  HcGrid          grid;
  char           *prefix;
  PetscInt        nterms;
  HcTerm          terms[HC_MAX_TERMS];
  PetscInt        poff[HC_MAX_TERMS + 1]; /* parameter block of term k: [poff[k], poff[k+1]) */
  PetscInt        nparam;
  PetscInt        nenv, env; /* number of environments with their own terms; the current one (-1: shared only) */
  PetscInt        forcing;   /* the data environment whose forcing the terms use (HcModelSetForcing) */
  HcTermSelection selection; /* which terms the RHS and its products include */
  PetscReal      *gwork;     /* nparam reals: parameter-gradient sums before the reduction */
  PetscBool       hasnorm;   /* per-field normalisation of the training data (model files) */
  PetscReal       normmean[HC_MAX_FIELDS], normscale[HC_MAX_FIELDS];
  PetscInt        ninfo; /* free-text attributes of the model file */
  char           *infokey[HC_MAX_INFO], *infoval[HC_MAX_INFO];
  PetscBool       setupcalled;
  PetscBool       archpass; /* SetFromOptions reads a model file's architecture: the model's and terms' blocks only */

  /* time stepping: nsub steps of dt per observation interval tobs */
  PetscReal     tobs, dtreq, cflsafety;
  PetscBool     tobsgiven; /* tobs was set (option or HcModelSetObservationInterval); else runs take theirs from their times */
  PetscBool     cflsubstep, cflcheck;
  PetscInt      maxsub;    /* most RK steps allowed per observation interval */
  PetscReal     adjmemory; /* MB per rank the adjoint trajectory may use */
  PetscReal     dt, stabradius, ratebound, steplimit, dttarget;
  PetscInt      nsub;                 /* steps in the interval tobs (HcModelGetTimeStep() sets it) */
  PetscInt      maxobs, nobs, curobs; /* intervals of the current run: isub[k] steps of stepdt[k]; icum = prefix sums */
  PetscInt     *isub, *icum;
  PetscReal    *stepdt;
  PetscBool     stepvalid; /* steplimit and dttarget still match the parameters */
  PetscReal     polarlat;  /* -model_polar_filter: cut-off latitude (0: off) */
  HcPolarFilter polar;     /* applied to the tendency: F = P f, J = P J_f, J^T = J_f^T P (P symmetric) */
  Vec           pwork;     /* P w for the transposed products */
  TS            ts;
  Mat           J, Jp;
  PetscBool     trajectory; /* TS currently records a trajectory (gradient runs) */
  PetscInt      adjstride;  /* adjoint checkpoints every adjstride observation intervals (0: none) */

  /* stage cache (stagecache.c): the linearisations of a gradient's forward run, recorded at its RHS evaluations and
     restored when the adjoint linearises at the same stage; slot k = rectime[k] and this rank's u, then each term's
     record at recoff[term] (recoff[term + 1] - recoff[term] reals, 0: the term linearises as usual) */
  PetscReal  adjcache;  /* MB per rank the cache may use (0: off) */
  PetscBool  recording; /* the RHS evaluations of the current run fill slots */
  PetscBool  recvalid;  /* the slots hold the current run: linearisations look there first */
  PetscInt   nslot, nslotcap, nrec, slotsize, lastslot;
  PetscInt   recoff[HC_MAX_TERMS + 1];
  PetscReal *recbuf, *rectime;
  size_t     reccap;              /* reals allocated in recbuf */
  PetscReal  rectol;              /* stage times within this match */
  PetscInt   reclookups, rechits; /* statistics since the model was created */

  /* linearisation point shared by the terms */
  Vec           ulinloc;
  PetscObjectId linid;
  PetscReal     lintime;
  PetscBool     linvalid;

  /* work vectors: local (ghosted) and global */
  Vec uloc, vloc, wloc, yloc;
  Vec ustate, lambda, mu, dldu, dldtheta;

  /* observation states of the current forward run */
  Vec     *states;
  PetscInt nstates;
  Vec     *obsout; /* where HcModelSolve() copies them, may be NULL */
};

/* A term contributes when it is shared or belongs to the current environment, and matches the selection. */
PETSC_INTERN PetscBool      HcModelTermActive_Private(HcModel, HcTerm);
PETSC_INTERN PetscErrorCode HcModelPrepareTimeStep_Private(HcModel);
PETSC_INTERN PetscErrorCode HcModelRunForward_Private(HcModel, PetscInt, const PetscReal[], Vec, Vec[]);
PETSC_INTERN PetscErrorCode HcModelStepsPerInterval_Private(HcModel, PetscReal, PetscInt *);
PETSC_INTERN PetscErrorCode HcModelPrepareCache_Private(HcModel, PetscInt);
PETSC_INTERN PetscErrorCode HcModelRecordSlot_Private(HcModel, PetscReal, Vec, PetscReal **);
PETSC_INTERN PetscErrorCode HcModelFindSlot_Private(HcModel, PetscReal, Vec, PetscInt *);
PETSC_INTERN PetscErrorCode HcModelReduceParameters_Private(HcModel, Vec);

#endif
