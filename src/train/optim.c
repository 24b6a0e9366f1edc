/* Optimisers: Adam with a learning-rate schedule and gradient clipping, and TAO (bound-constrained quasi-Newton) for
   the identification of a few physical parameters on the whole training set. */
#include <petsctao.h>
#include <hycast/private/trainimpl.h>

/* The learning rate of the current epoch: the schedule times the factor left by failed steps. */
PetscReal HcTrainerLearningRate_Private(HcTrainer tr)
{
  PetscReal f = 1;

  switch (tr->schedule) {
    case HC_LR_CONSTANT: f = 1; break;
    case HC_LR_COSINE:
      f = (tr->lrmin + 0.5 * (tr->lr - tr->lrmin) * (1 + PetscCosReal(PETSC_PI * tr->epoch / PetscMax(tr->epochs, 1)))) / tr->lr;
      break;
    case HC_LR_EXPONENTIAL: f = PetscPowReal(tr->lrdecay, (PetscReal)tr->epoch); break;
  }
  return tr->lr * f * tr->lrscale;
}

/* One Adam step on tr->theta with the gradient in tr->grad (both on group roots), clipped to -train_clip in norm. */
PetscErrorCode HcTrainerAdamStep_Private(HcTrainer tr)
{
  PetscScalar       *x, *m, *v;
  const PetscScalar *g;
  PetscInt           n;
  PetscReal          gn, scale = 1, lr = HcTrainerLearningRate_Private(tr), b1t, b2t;

  PetscFunctionBegin;
  PetscCall(VecNorm(tr->grad, NORM_2, &gn));
  if (tr->clip > 0 && gn > tr->clip) scale = tr->clip / gn;
  tr->step++;
  b1t = 1 - PetscPowReal(tr->beta1, (PetscReal)tr->step);
  b2t = 1 - PetscPowReal(tr->beta2, (PetscReal)tr->step);
  PetscCall(VecGetLocalSize(tr->theta, &n));
  PetscCall(VecGetArray(tr->theta, &x));
  PetscCall(VecGetArray(tr->m, &m));
  PetscCall(VecGetArray(tr->v, &v));
  PetscCall(VecGetArrayRead(tr->grad, &g));
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal gi = scale * PetscRealPart(g[i]);

    m[i] = tr->beta1 * m[i] + (1 - tr->beta1) * gi;
    v[i] = tr->beta2 * v[i] + (1 - tr->beta2) * gi * gi;
    if (tr->trainable[i]) x[i] -= lr * (m[i] / b1t) / (PetscSqrtReal(PetscRealPart(v[i]) / b2t) + tr->eps);
  }
  PetscCall(VecRestoreArrayRead(tr->grad, &g));
  PetscCall(VecRestoreArray(tr->v, &v));
  PetscCall(VecRestoreArray(tr->m, &m));
  PetscCall(VecRestoreArray(tr->theta, &x));
  PetscFunctionReturn(0);
}

/* TAO's objective: the loss over every training window. */
static PetscErrorCode HcTrainerTaoObjective_Private(Tao tao, Vec x, PetscReal *f, Vec G, void *ctx)
{
  HcTrainer tr = (HcTrainer)ctx;
  PetscReal misfit;
  PetscBool ok;
  PetscInt *all;

  PetscFunctionBegin;
  PetscCall(HcModelSetParameters(tr->model, x));
  PetscCall(PetscMalloc1(tr->nwin[HC_SPLIT_TRAIN], &all));
  for (PetscInt i = 0; i < tr->nwin[HC_SPLIT_TRAIN]; i++) all[i] = i;
  PetscCall(HcTrainerBatch_Private(tr, HC_SPLIT_TRAIN, tr->nwin[HC_SPLIT_TRAIN], all, HC_BATCH_GRADIENT, f, &misfit, &ok));
  PetscCall(PetscFree(all));
  if (!ok) {
    /* a trial point where the model blows up or is too stiff: a huge objective makes the line search step back (at
       the initial point TAO stops at once; HcTrainerTrain() then fails with the reason) */
    PetscCall(HcTrainerNoteFailure_Private(tr, tr->batchmsg[0] ? tr->batchmsg : "the loss or the gradient is not finite"));
    tr->ntaofailed++;
    *f = 1e300;
    PetscCall(VecSet(G, 0));
    PetscFunctionReturn(0);
  }
  tr->ntaook++;
  PetscCall(VecCopy(tr->grad, G));
  tr->epochsum   = misfit;
  tr->epochcount = 1;
  PetscFunctionReturn(0);
}

/* One progress line per TAO iteration, like the epochs of Adam. */
static PetscErrorCode HcTrainerTaoMonitor_Private(Tao tao, void *ctx)
{
  HcTrainer tr = (HcTrainer)ctx;
  PetscInt  its;
  PetscReal f, gnorm;

  PetscFunctionBegin;
  PetscCall(TaoGetSolutionStatus(tao, &its, &f, &gnorm, NULL, NULL, NULL));
  {
    PetscReal val;
    PetscInt  nvalfailed;

    PetscCall(HcTrainerEvaluateWindows(tr, HC_SPLIT_VALIDATION, &val, NULL, &nvalfailed, NULL, NULL));
    PetscCall(HcModelSetParameters(tr->model, tr->theta)); /* evaluation leaves them, but TAO owns theta */
    /* 1e300: the objective of a point where a window failed */
    PetscCall(HcTrainerReport_Private(tr, its, f < 1e300 ? f : (PetscReal)NAN, val, nvalfailed, gnorm));
  }
  PetscFunctionReturn(0);
}

/* Bound-constrained quasi-Newton (BLMVM by default; -train_tao_type changes it) on the trainable parameters: the others
   are held by equal lower and upper bounds. */
PetscErrorCode HcTrainerTao_Private(HcTrainer tr)
{
  Tao                tao;
  TaoConvergedReason reason;
  PetscInt           its;
  Vec                xl, xu;
  PetscScalar       *l, *u;
  const PetscScalar *x;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(TaoCreate(tr->comm, &tao));
  PetscCall(TaoSetType(tao, TAOBLMVM));
  PetscCall(TaoSetOptionsPrefix(tao, "train_"));
  PetscCall(TaoSetSolution(tao, tr->theta));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, HcTrainerTaoObjective_Private, tr));
  PetscCall(VecDuplicate(tr->theta, &xl));
  PetscCall(VecDuplicate(tr->theta, &xu));
  PetscCall(VecGetLocalSize(tr->theta, &n));
  PetscCall(VecGetArrayRead(tr->theta, &x));
  PetscCall(VecGetArray(xl, &l));
  PetscCall(VecGetArray(xu, &u));
  for (PetscInt i = 0; i < n; i++) {
    l[i] = tr->trainable[i] ? PETSC_NINFINITY : x[i];
    u[i] = tr->trainable[i] ? PETSC_INFINITY : x[i];
  }
  /* log-parametrised coefficients (log_*) stay within exp(+-40): one the data cannot see (a diffusivity below the
     grid's resolution) would otherwise run to exp(-1000) = 0 in a few quasi-Newton steps */
  for (PetscInt k = 0; k < tr->model->nterms; k++) {
    HcTerm   t = tr->model->terms[k];
    PetscInt off, np;

    PetscCall(HcModelGetParameterBlock(tr->model, t->name, &off, &np));
    for (PetscInt i = 0; i < np && off + i < n; i++) {
      PetscBool islog;

      PetscCall(PetscStrbeginswith(t->paramnames[i], "log_", &islog));
      if (islog && tr->trainable[off + i]) {
        l[off + i] = PetscMin(-40, x[off + i]);
        u[off + i] = PetscMax(40, x[off + i]);
      }
    }
  }
  PetscCall(VecRestoreArray(xu, &u));
  PetscCall(VecRestoreArray(xl, &l));
  PetscCall(VecRestoreArrayRead(tr->theta, &x));
  PetscCall(TaoSetVariableBounds(tao, xl, xu));
  PetscCall(TaoSetMaximumIterations(tao, tr->epochs));
  PetscCall(TaoSetTolerances(tao, 0, 0, 0));
  PetscCall(TaoSetMonitor(tao, HcTrainerTaoMonitor_Private, tr, NULL));
  PetscCall(TaoSetFromOptions(tao));
  PetscCall(TaoSolve(tao));
  PetscCall(TaoGetConvergedReason(tao, &reason));
  PetscCall(TaoGetIterationNumber(tao, &its));
  tr->epoch = its;
  PetscCall(HcModelSetParameters(tr->model, tr->theta));
  PetscCall(VecDestroy(&xl));
  PetscCall(VecDestroy(&xu));
  PetscCall(TaoDestroy(&tao));
  /* no step at all, and windows failed: at the initial point itself, or at every trial point of the first line search */
  PetscCheck(tr->ntaook || !tr->ntaofailed, tr->world, PETSC_ERR_NOT_CONVERGED,
             "HcTrainer: training failed: the loss cannot be computed at the initial parameters; the first failure: %s",
             tr->failmsg);
  PetscCheck(
      its > 0 || !tr->ntaofailed, tr->world, PETSC_ERR_NOT_CONVERGED,
      "HcTrainer: training failed: TAO made no step (%s after 0 iterations), every trial point failed; the first failure: %s",
      TaoConvergedReasons[reason], tr->failmsg);
  PetscCall(PetscPrintf(tr->world, "TAO: %s after %" PetscInt_FMT " iteration(s)\n", TaoConvergedReasons[reason], its));
  PetscFunctionReturn(0);
}
