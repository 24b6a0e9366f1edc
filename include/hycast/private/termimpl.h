/* HcTerm internals: the operations table every term type fills in. */
#ifndef HYCAST_TERMIMPL_H
#define HYCAST_TERMIMPL_H

#include <hycast/private/gridimpl.h>

/* Every product ADDS into its output.  Inputs are ghosted local vectors with ghosts filled:
     apply(t, uloc, f)               f += F(u)                 f global
     linearize(t, uloc)              remember the point (and cache what the products need); uloc stays valid
     jacobian(vloc, y)               y += J v                  y global
     jacobiantranspose(wloc, yloc)   y += J^T w                yloc local: a term may scatter-add into ghosts
     paramjacobian(dtheta, y)        y += (dF/dtheta) dtheta   y global
     paramjacobiantranspose(wloc, g) g += (dF/dtheta)^T w      this rank's cells only; the caller reduces
   so that the model exchanges ghosts once per product for all its terms.
   Optional, for a term that can write its output instead of adding to it (no zeroing pass over f before it):
     applyinsert(t, uloc, f)         f = F(u)                  every owned entry of f written
   Optional, for a term that can get the ghosts it needs itself, faster than a ghosted copy (HcTermApply, and a model
   with this one active term; otherwise the model shares one exchange among its terms):
     applyglobal(t, u, f, &done)     f = F(u) from the global u; done false: not here (layout, mask), use uloc
   Optional, for terms whose linearisation costs a forward pass (the model's stage cache for the adjoint,
   src/model/stagecache.c):
     recordsize(&n)                  reals per point on this rank that record/restore need (0: nothing worth keeping)
     record(t, uloc, f, rec)         f += F(u), as apply, and write into rec (n reals) what restore needs
     restore(t, uloc, rec)           linearize(t, uloc) from what record wrote at the same (t, u): no forward pass
   Optional, for parameters a type takes from data before training (HcTermInitializeFromStates; the trainer calls it
   for every term that has it, so that a new type needs no change there):
     initfromstates(n, t, u, &what, detail, len)   set them from states u[0..n) at times t[0..n); *what names them and
                                                   detail says how (a line of the training log) */
/* The log events each term type gets from its registration (HcTermRegister), for its implementation to log its work
   in: Hc<Name>Apply (F, and linearisations that cost a forward pass), Hc<Name>Jac, JacT, JacP, JacPT (the products). */
typedef enum {
  HC_TERM_EVENT_APPLY,
  HC_TERM_EVENT_JACOBIAN,
  HC_TERM_EVENT_JACOBIAN_T,
  HC_TERM_EVENT_PARAM_JACOBIAN,
  HC_TERM_EVENT_PARAM_JACOBIAN_T,
  HC_TERM_NUM_EVENTS
} HcTermEvent;

typedef struct {
  PetscErrorCode (*setfromoptions)(HcTerm, PetscOptionItems *);
  PetscErrorCode (*setup)(HcTerm);
  PetscErrorCode (*view)(HcTerm, PetscViewer);
  PetscErrorCode (*destroy)(HcTerm);
  PetscErrorCode (*parameterschanged)(HcTerm);
  PetscErrorCode (*apply)(HcTerm, PetscReal, Vec, Vec);
  PetscErrorCode (*applyinsert)(HcTerm, PetscReal, Vec, Vec);
  PetscErrorCode (*applyglobal)(HcTerm, PetscReal, Vec, Vec, PetscBool *);
  PetscErrorCode (*linearize)(HcTerm, PetscReal, Vec);
  PetscErrorCode (*jacobian)(HcTerm, Vec, Vec);
  PetscErrorCode (*jacobiantranspose)(HcTerm, Vec, Vec);
  PetscErrorCode (*paramjacobian)(HcTerm, const PetscReal[], Vec);
  PetscErrorCode (*paramjacobiantranspose)(HcTerm, Vec, PetscReal[]);
  PetscErrorCode (*recordsize)(HcTerm, PetscInt *);
  PetscErrorCode (*record)(HcTerm, PetscReal, Vec, Vec, PetscReal[]);
  PetscErrorCode (*restore)(HcTerm, PetscReal, Vec, const PetscReal[]);
  PetscErrorCode (*estimaterates)(HcTerm, PetscReal *, PetscReal *);
  PetscErrorCode (*architecture)(HcTerm, char[], size_t); /* the options that rebuild the term (without the prefix) */
  PetscErrorCode (*initfromstates)(HcTerm, PetscInt, const PetscReal[], const Vec[], const char **, char[], size_t);
  PetscErrorCode (*setforcing)(HcTerm, PetscInt); /* select the forcing (data) of environment k (HcTermSetForcing) */
  /* optional: a penalty on the parameters added to the training loss (HcModelAddRegularization): R += this rank's part,
     grad[nparam] += its gradient; the caller sums both over ranks */
  PetscErrorCode (*regularize)(HcTerm, PetscReal *, PetscReal[]);
} HcTermOps;

struct _p_HcTerm {
  MPI_Comm   comm;
  PetscInt   refct;
  char      *type_name, *name, *prefix;
  HcGrid     grid;
  HcTermOps  ops;
  void      *data;
  PetscInt   nparam;
  PetscReal *theta;      /* this term's parameters, owned here, replicated on every rank */
  char     **paramnames; /* nparam names, "block.name[i]" style without the block */
  PetscBool  setupcalled;
  PetscInt   env;       /* environment this term belongs to (LEADS G_e), or -1 for a term shared by all */
  PetscBool  learned;   /* a learned correction (MLP, FNO), as opposed to known physics; set by the type */
  PetscInt   nreport;   /* the leading parameters that are scalar coefficients, shown in training progress lines and logs
                           (all of them unless the type says otherwise, e.g. not the per-cell values of a seasonal cycle) */
  PetscBool *fixed;     /* per parameter, or NULL: held fixed by training whatever -train_params says */
  PetscBool  gridbound; /* parameters per cell: the term can be loaded from a model file only on the model's own grid */
  /* linearisation point of the stand-alone product functions (the model keeps its own) */
  Vec       ulin;
  PetscReal tlin;
  PetscBool linearized;
  /* per global row, the factor of the model's polar filter on zonal wavenumbers (NULL: no filter): rate bounds of
     zonal advection scale with it, of zonal diffusion with its square */
  const PetscReal *zonalscale;
  /* the type's log events (HcTermEvent order), from the registry */
  const PetscLogEvent *events;
};

/* Types that draw random initial parameters offset their seed by env + 1, so that environments start differently
   and identically on every rank count. */
static inline unsigned long HcTermSeed_Private(HcTerm term, unsigned long seed)
{
  return seed + 7919UL * (unsigned long)(term->env + 1);
}

/* Type constructors and helpers for implementations. */
PETSC_INTERN PetscErrorCode HcTermCreate_AdvDiff(HcTerm);
PETSC_INTERN PetscErrorCode HcTermCreate_MLP(HcTerm);
PETSC_INTERN PetscErrorCode HcTermCreate_MeanMLP(HcTerm);
PETSC_INTERN PetscErrorCode HcTermCreate_FNO(HcTerm);
PETSC_INTERN PetscErrorCode HcTermCreate_Reaction(HcTerm);
PETSC_INTERN PetscErrorCode HcTermCreate_Seasonal(HcTerm);
PETSC_INTERN PetscErrorCode HcTermSetNumParameters_Private(HcTerm, PetscInt);
PETSC_INTERN PetscErrorCode HcTermSetParameterName_Private(HcTerm, PetscInt, const char[]);
PETSC_INTERN PetscErrorCode HcTermCheckType_Private(HcTerm, const char[]);
PETSC_INTERN PetscErrorCode HcTermSetFromOptionsTitled_Private(HcTerm, const char[]);
typedef PetscErrorCode (*HcTermSetCycleFn)(HcTerm, PetscInt, const PetscReal[], const Vec[], PetscInt[]);
PETSC_INTERN PetscErrorCode HcTermInitializeCycle_Private(HcTerm, PetscInt, HcTermSetCycleFn, PetscInt, const PetscReal[],
                                                          const Vec[], char[], size_t);
PETSC_INTERN PetscErrorCode HcTermRegisterNamed_Private(const char[], const char[], PetscErrorCode (*)(HcTerm));
PETSC_INTERN PetscErrorCode HcTermGetRegisteredTypes_Private(PetscInt *, char *const **);
PETSC_INTERN PetscErrorCode HcTermTypesDestroy_Private(void);

#endif
