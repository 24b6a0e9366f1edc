/* Optimisers: Adam with a learning-rate schedule and gradient clipping, and TAO (bound-constrained quasi-Newton) for
   the identification of a few physical parameters on the whole training set. */
#include <petsctao.h>
#include <petsc/private/taoimpl.h> /* tao->data: BLMVM's quasi-Newton matrix, see HcTaoGetBLMVMMatrix_Private() */
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
  if (tr->interrupted) { /* stopped by a signal: TAO's line search runs out at once, and the run ends */
    *f = 1e300;
    PetscCall(VecSet(G, 0));
    PetscCall(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
    PetscFunctionReturn(0);
  }
  PetscCall(HcModelSetParameters(tr->model, x));
  PetscCall(PetscMalloc1(tr->nwin[HC_SPLIT_TRAIN], &all));
  for (PetscInt i = 0; i < tr->nwin[HC_SPLIT_TRAIN]; i++) all[i] = i;
  PetscCall(HcTrainerBatch_Private(tr, HC_SPLIT_TRAIN, tr->nwin[HC_SPLIT_TRAIN], all, HC_BATCH_GRADIENT, f, &misfit, &ok));
  PetscCall(PetscFree(all));
  if (tr->abandoned) {
    PetscBool stop;
    char      where[96];

    /* during an iteration: the state is that of the last one finished (its point is the pending one) */
    if (tr->taopending) PetscCall(VecCopy(tr->taopx, tr->theta));
    PetscCall(PetscSNPrintf(where, sizeof(where),
                            "during TAO iteration %" PetscInt_FMT " (the state after iteration %" PetscInt_FMT " is kept)",
                            tr->epoch + 1, tr->epoch));
    PetscCall(HcTrainerPollSignal_Private(tr, where, &stop));
    *f = 1e300;
    PetscCall(VecSet(G, 0));
    PetscCall(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
    PetscFunctionReturn(0);
  }
  if (!ok) {
    /* a trial point where the model blows up or is too stiff: a huge objective makes the line search step back (at
       the initial point TAO stops at once; HcTrainerTrain() then fails with the reason) */
    PetscCall(HcTrainerNoteFailure_Private(tr, tr->batchmsg[0] ? tr->batchmsg : "the loss or the gradient is not finite"));
    tr->ntaofailed++;
    *f = 1e300;
    PetscCall(VecSet(G, 0));
  } else {
    tr->ntaook++;
    PetscCall(VecCopy(tr->grad, G));
    tr->epochsum   = misfit;
    tr->epochcount = 1;
  }
  /* the gradient TAO's history is updated with at the point it accepts (HcTrainerTaoRecord_Private) */
  if (tr->taohistory) {
    PetscCall(VecCopy(x, tr->taolx));
    PetscCall(VecCopy(G, tr->taolg));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode HcTrainerTaoHistoryResize_Private(HcTrainer tr, PetscInt cap)
{
  PetscFunctionBegin;
  if (cap <= tr->taocap) PetscFunctionReturn(0);
  cap = PetscMax(cap, 2 * tr->taocap);
  {
    Vec       *x, *g;
    PetscReal *d;
    PetscInt  *r;

    PetscCall(PetscMalloc4(cap, &x, cap, &g, cap, &d, cap, &r));
    for (PetscInt i = 0; i < cap; i++) {
      x[i] = i < tr->taocap ? tr->taox[i] : NULL;
      g[i] = i < tr->taocap ? tr->taog[i] : NULL;
      if (!x[i]) PetscCall(VecDuplicate(tr->theta, &x[i]));
      if (!g[i]) PetscCall(VecDuplicate(tr->theta, &g[i]));
      d[i] = i < tr->taon ? tr->taodelta[i] : 0;
      r[i] = i < tr->taon ? tr->taoreset[i] : 0;
    }
    PetscCall(PetscFree4(tr->taox, tr->taog, tr->taodelta, tr->taoreset));
    tr->taox     = x;
    tr->taog     = g;
    tr->taodelta = d;
    tr->taoreset = r;
    tr->taocap   = cap;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode HcTrainerTaoHistoryDestroy_Private(HcTrainer tr)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < tr->taocap; i++) {
    PetscCall(VecDestroy(&tr->taox[i]));
    PetscCall(VecDestroy(&tr->taog[i]));
  }
  PetscCall(PetscFree4(tr->taox, tr->taog, tr->taodelta, tr->taoreset));
  tr->taon = tr->taocap = 0;
  PetscCall(VecDestroy(&tr->taopx));
  PetscCall(VecDestroy(&tr->taopg));
  PetscCall(VecDestroy(&tr->taolx));
  PetscCall(VecDestroy(&tr->taolg));
  PetscFunctionReturn(0);
}

/* BLMVM's quasi-Newton matrix, or NULL.  PETSc 3.18 has no accessor for it (TaoGetLMVMMatrix() serves the BQN methods
   only); it is the first member of BLMVM's private context in every PETSc release since TAO joined PETSc.  What is
   found there is used only if it is a matrix of an LMVM type, so another layout turns the kept history off instead of
   misreading memory. */
static PetscErrorCode HcTaoGetBLMVMMatrix_Private(Tao tao, Mat *M)
{
  Mat       B;
  PetscBool lmvm = PETSC_FALSE;

  PetscFunctionBegin;
  *M = NULL;
  if (!tao->data) PetscFunctionReturn(0);
  B = *(Mat *)tao->data;
  if (!B || ((PetscObject)B)->classid != MAT_CLASSID) PetscFunctionReturn(0);
  PetscCall(PetscObjectTypeCompareAny((PetscObject)B, &lmvm, MATLMVMBFGS, MATLMVMDFP, MATLMVMSYMBROYDEN, MATLMVMSYMBADBROYDEN,
                                      MATLMVMSR1, MATLMVMBROYDEN, MATLMVMBADBROYDEN, MATLMVMDIAGBROYDEN, ""));
  if (lmvm) *M = B;
  PetscFunctionReturn(0);
}

/* BLMVM's history as a sequence of calls: reset, then for each kept update the scaling delta and the update with the
   projected gradient, and where BLMVM reset in that iteration (a direction that is not a descent, or a failed line
   search) a reset and the update with the unprojected gradient.  reset0 overrides the first event's flag. */
static PetscErrorCode HcTrainerTaoReplay_Private(HcTrainer tr, Mat M, PetscInt reset0, Vec gp)
{
  PetscFunctionBegin;
  PetscCall(MatLMVMReset(M, PETSC_FALSE));
  for (PetscInt i = 0; i < tr->taon; i++) {
    const PetscInt reset = i ? tr->taoreset[i] : reset0;

    PetscCall(VecBoundGradientProjection(tr->taog[i], tr->taox[i], tr->taoxl, tr->taoxu, gp));
    PetscCall(MatLMVMSymBroydenSetDelta(M, tr->taodelta[i]));
    PetscCall(MatLMVMUpdate(M, tr->taox[i], gp));
    if (reset == 1) {
      PetscCall(MatLMVMReset(M, PETSC_FALSE));
      PetscCall(MatLMVMUpdate(M, tr->taox[i], tr->taog[i]));
    }
  }
  PetscFunctionReturn(0);
}

/* Does the history replayed (with the first event's flag reset0) act as TAO's own matrix M on the vector p, to the bit? */
static PetscErrorCode HcTrainerTaoHistoryMatches_Private(HcTrainer tr, Mat M, PetscInt reset0, Vec p, PetscBool *match)
{
  Mat         H;
  MatType     type;
  const char *prefix;
  Vec         a, b;
  PetscReal   diff;

  PetscFunctionBegin;
  PetscCall(MatGetType(M, &type));
  PetscCall(MatGetOptionsPrefix(M, &prefix));
  PetscCall(MatCreate(tr->comm, &H));
  PetscCall(MatSetType(H, type));
  PetscCall(MatSetOptionsPrefix(H, prefix));
  PetscCall(MatSetFromOptions(H));
  PetscCall(MatLMVMAllocate(H, tr->theta, tr->theta));
  PetscCall(VecDuplicate(tr->theta, &a));
  PetscCall(VecDuplicate(tr->theta, &b));
  PetscCall(HcTrainerTaoReplay_Private(tr, H, reset0, a));
  PetscCall(MatSolve(H, p, a));
  PetscCall(MatSolve(M, p, b));
  PetscCall(VecAXPY(a, -1, b));
  PetscCall(VecNorm(a, NORM_INFINITY, &diff));
  *match = diff == 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(VecDestroy(&a));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&H));
  PetscFunctionReturn(0);
}

/* Called at each TAO iteration (after the point x_k with objective f and projected gradient norm gnorm was accepted):
   the update BLMVM made at the start of this iteration, with the point and gradient of the previous one, joins the kept
   history; whether BLMVM also reset its history in this iteration is read from the matrix's update count (0 after a
   reset, at least 1 otherwise, once a first point is stored).  Where the count cannot tell (the first iteration), both
   are tried against TAO's matrix at the next iteration.  The kept history is checked against TAO's matrix every time:
   if it ever differs, resume is no longer exact, and the state file says so. */
static PetscErrorCode HcTrainerTaoRecord_Private(HcTrainer tr, Tao tao, PetscReal f, PetscReal gnorm)
{
  Mat       M;
  Vec       x, gp;
  PetscInt  nup, nrej;
  PetscBool same;

  PetscFunctionBegin;
  PetscCall(HcTaoGetBLMVMMatrix_Private(tao, &M));
  if (!M) PetscFunctionReturn(0);
  PetscCall(TaoGetSolution(tao, &x));
  PetscCall(TaoGetGradient(tao, &gp, NULL, NULL));
  if (tr->taopending) {
    PetscCall(MatLMVMGetUpdateCount(M, &nup));
    PetscCall(MatLMVMGetRejectCount(M, &nrej));
    PetscCall(HcTrainerTaoHistoryResize_Private(tr, tr->taon + 1));
    PetscCall(VecCopy(tr->taopx, tr->taox[tr->taon]));
    PetscCall(VecCopy(tr->taopg, tr->taog[tr->taon]));
    tr->taodelta[tr->taon] = tr->taopdelta;
    tr->taoreset[tr->taon] = 0;
    if (tr->taon && nup + nrej == 0) {
      /* BLMVM reset its history in this iteration: it starts again from this update */
      PetscCall(VecSwap(tr->taox[0], tr->taox[tr->taon]));
      PetscCall(VecSwap(tr->taog[0], tr->taog[tr->taon]));
      tr->taodelta[0] = tr->taopdelta;
      tr->taoreset[0] = 1;
      tr->taon        = 0;
    } else if (!tr->taon) {
      Vec       w;
      PetscBool eq;

      /* the first update after the start: whether BLMVM reset too only shows in the gradient the next update is
         measured against, and not even there if the projected and unprojected gradients are the same */
      PetscCall(VecDuplicate(x, &w));
      PetscCall(VecBoundGradientProjection(tr->taog[0], tr->taox[0], tr->taoxl, tr->taoxu, w));
      PetscCall(VecEqual(w, tr->taog[0], &eq));
      PetscCall(VecDestroy(&w));
      tr->taoreset[0] = eq ? 0 : 2;
    }
    tr->taon++;
    if (tr->taoreset[0] == 2 && tr->taon > 1) {
      PetscBool m0, m1;

      PetscCall(HcTrainerTaoHistoryMatches_Private(tr, M, 0, gp, &m0));
      PetscCall(HcTrainerTaoHistoryMatches_Private(tr, M, 1, gp, &m1));
      if (m0 != m1) tr->taoreset[0] = m1 ? 1 : 0;
    }
    if (tr->taoreset[0] != 2 && tr->taoexact) {
      PetscCall(HcTrainerTaoHistoryMatches_Private(tr, M, tr->taoreset[0], gp, &same));
      if (!same) {
        tr->taoexact = PETSC_FALSE;
        PetscCall(PetscPrintf(tr->world,
                              "warning: TAO's quasi-Newton history could not be followed at iteration %" PetscInt_FMT
                              "; a run resumed from a later state will not repeat this one exactly\n",
                              tr->epoch0 + tr->taon));
      }
    }
  }
  /* this iteration's point and unprojected gradient, and BLMVM's scaling: the update at the start of the next */
  PetscCall(VecEqual(x, tr->taolx, &same));
  if (!same && tr->taoexact) {
    tr->taoexact = PETSC_FALSE;
    PetscCall(PetscPrintf(tr->world, "warning: TAO accepted a point that was not the last one evaluated; a run resumed from a "
                                     "later state will not repeat this one exactly\n"));
  }
  PetscCall(VecCopy(x, tr->taopx));
  PetscCall(VecCopy(tr->taolg, tr->taopg));
  {
    PetscReal g2 = gnorm * gnorm;

    if (g2 == 0.0) g2 = PETSC_MACHINE_EPSILON;
    tr->taopdelta = f == 0.0 ? 2.0 / g2 : 2.0 * PetscAbsReal(f) / g2;
  }
  tr->taopending = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* One progress line per TAO iteration, like the epochs of Adam; the history for a state file; checkpoints and signals. */
static PetscErrorCode HcTrainerTaoMonitor_Private(Tao tao, void *ctx)
{
  HcTrainer tr = (HcTrainer)ctx;
  PetscInt  its;
  PetscReal f, gnorm;

  PetscFunctionBegin;
  if (tr->interrupted) PetscFunctionReturn(0); /* stopped by a signal inside the iteration */
  PetscCall(TaoGetSolutionStatus(tao, &its, &f, &gnorm, NULL, NULL, NULL));
  tr->epoch = tr->epoch0 + its;
  if (tr->taohistory) PetscCall(HcTrainerTaoRecord_Private(tr, tao, f, gnorm));
  if (its == 0 && tr->epoch0 > 0) PetscFunctionReturn(0); /* a resumed run: this line was printed before the stop */
  {
    PetscReal val;
    PetscInt  nvalfailed;

    PetscCall(HcTrainerEvaluateWindows(tr, HC_SPLIT_VALIDATION, &val, NULL, &nvalfailed, NULL, NULL));
    PetscCall(HcModelSetParameters(tr->model, tr->theta)); /* evaluation leaves them, but TAO owns theta */
    /* 1e300: the objective of a point where a window failed */
    PetscCall(HcTrainerReport_Private(tr, tr->epoch, f < 1e300 ? f : (PetscReal)NAN, val, nvalfailed, gnorm));
  }
  if (its > 0) {
    PetscBool stop;
    char      where[64];

    PetscCall(TaoGetCurrentFunctionEvaluations(tao, &tr->taofuncs));
    if (tr->epoch0 > 0) tr->taofuncs += tr->taonfuncs - 1; /* this run repeated the evaluation at the point resumed from */
    PetscCall(PetscSNPrintf(where, sizeof(where), "after TAO iteration %" PetscInt_FMT, tr->epoch));
    PetscCall(HcTrainerPollSignal_Private(tr, where, &stop));
    if (stop)
      PetscCall(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
    else if (tr->checkpoint[0] && tr->ckevery > 0 && tr->epoch % tr->ckevery == 0)
      PetscCall(HcTrainerSaveState(tr, tr->checkpoint));
  }
  PetscFunctionReturn(0);
}

/* Bound-constrained quasi-Newton (BLMVM by default; -train_tao_type changes it) on the trainable parameters: the others
   are held by equal lower and upper bounds.  A resumed BLMVM rebuilds its quasi-Newton history from the state file and
   continues the iteration count and the budget of objective evaluations, so that it repeats the uninterrupted run. */
PetscErrorCode HcTrainerTao_Private(HcTrainer tr)
{
  Tao                tao;
  TaoConvergedReason reason;
  PetscInt           its, maxfuncs;
  Vec                xl, xu;
  PetscScalar       *l, *u;
  const PetscScalar *x;
  PetscInt           n;
  PetscBool          blmvm;

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
    HcTerm      t;
    PetscInt    off, np;
    const char *tname;

    PetscCall(HcModelGetTermByIndex(tr->model, k, &t));
    PetscCall(HcTermGetName(t, &tname));
    PetscCall(HcModelGetParameterBlock(tr->model, tname, &off, &np));
    for (PetscInt i = 0; i < np && off + i < n; i++) {
      const char *name;
      PetscBool   islog;

      PetscCall(HcTermGetParameterName(t, i, &name));
      PetscCall(PetscStrbeginswith(name, "log_", &islog));
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
  PetscCall(TaoSetMaximumIterations(tao, tr->epochs - tr->epoch0));
  PetscCall(TaoSetTolerances(tao, 0, 0, 0));
  PetscCall(TaoSetMonitor(tao, HcTrainerTaoMonitor_Private, tr, NULL));
  PetscCall(TaoSetFromOptions(tao));
  PetscCall(TaoGetMaximumFunctionEvaluations(tao, &maxfuncs));
  /* the evaluations of the run before the stop count; its last one (at the point resumed from) is repeated */
  if (tr->taonfuncs > 0 && maxfuncs > 0)
    PetscCall(TaoSetMaximumFunctionEvaluations(tao, PetscMax(maxfuncs - tr->taonfuncs + 1, 1)));
  PetscCall(PetscObjectTypeCompare((PetscObject)tao, TAOBLMVM, &blmvm));
  if (blmvm) {
    Mat M;

    PetscCall(HcTaoGetBLMVMMatrix_Private(tao, &M));
    if (!M) {
      blmvm = PETSC_FALSE;
      PetscCall(PetscPrintf(tr->world,
                            "warning: BLMVM's quasi-Newton matrix is not where PETSc 3.18 keeps it: a stopped run cannot resume "
                            "exactly\n"));
    }
  }
  if (tr->epoch0 > 0 && tr->taohistory && !blmvm)
    PetscCall(PetscPrintf(tr->world,
                          "warning: the state holds BLMVM's history, this run uses another TAO type: it starts a new one\n"));
  if (tr->epoch0 > 0 && !tr->taohistory && blmvm)
    PetscCall(PetscPrintf(tr->world, "warning: the state holds no quasi-Newton history: BLMVM starts a new one, so this run will "
                                     "not repeat an uninterrupted one exactly\n"));
  if (!blmvm) PetscCall(HcTrainerTaoHistoryDestroy_Private(tr));
  tr->taohistory = blmvm;
  tr->taoxl      = xl;
  tr->taoxu      = xu;
  tr->taopending = PETSC_FALSE;
  if (blmvm) {
    PetscCall(VecDestroy(&tr->taopx));
    PetscCall(VecDestroy(&tr->taopg));
    PetscCall(VecDestroy(&tr->taolx));
    PetscCall(VecDestroy(&tr->taolg));
    PetscCall(VecDuplicate(tr->theta, &tr->taopx));
    PetscCall(VecDuplicate(tr->theta, &tr->taopg));
    PetscCall(VecDuplicate(tr->theta, &tr->taolx));
    PetscCall(VecDuplicate(tr->theta, &tr->taolg));
    if (tr->epoch0 == 0) {
      tr->taon     = 0;
      tr->taoexact = PETSC_TRUE;
    } else {
      Mat M;
      Vec gp;

      /* the history of the state, where TaoSolve() would have started from an empty one */
      PetscCall(TaoSetUp(tao));
      PetscCall(TaoLMVMRecycle(tao, PETSC_TRUE));
      PetscCall(HcTaoGetBLMVMMatrix_Private(tao, &M));
      PetscCall(VecDuplicate(tr->theta, &gp));
      PetscCall(HcTrainerTaoReplay_Private(tr, M, tr->taon ? (tr->taoreset[0] == 1 ? 1 : 0) : 0, gp));
      PetscCall(VecDestroy(&gp));
    }
  }
  PetscCall(TaoSolve(tao));
  PetscCall(TaoGetConvergedReason(tao, &reason));
  PetscCall(TaoGetIterationNumber(tao, &its));
  if (!tr->interrupted) tr->epoch = tr->epoch0 + its;
  PetscCall(HcModelSetParameters(tr->model, tr->theta));
  tr->taoxl = tr->taoxu = NULL;
  PetscCall(VecDestroy(&xl));
  PetscCall(VecDestroy(&xu));
  PetscCall(TaoDestroy(&tao));
  if (tr->interrupted) PetscFunctionReturn(0);
  /* no step at all, and windows failed: at the initial point itself, or at every trial point of the first line search */
  PetscCheck(tr->ntaook || !tr->ntaofailed, tr->world, PETSC_ERR_NOT_CONVERGED,
             "HcTrainer: training failed: the loss cannot be computed at the initial parameters; the first failure: %s",
             tr->failmsg);
  PetscCheck(
      tr->epoch > 0 || !tr->ntaofailed, tr->world, PETSC_ERR_NOT_CONVERGED,
      "HcTrainer: training failed: TAO made no step (%s after 0 iterations), every trial point failed; the first failure: %s",
      TaoConvergedReasons[reason], tr->failmsg);
  PetscCall(PetscPrintf(tr->world, "TAO: %s after %" PetscInt_FMT " iteration(s)\n", TaoConvergedReasons[reason], tr->epoch));
  PetscFunctionReturn(0);
}
