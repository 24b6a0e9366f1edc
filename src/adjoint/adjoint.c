/* The adjoint loop: gradient of a loss made of misfits at several observation times, through the RK integrator.

   The forward run keeps the state at every observation time (the loss needs them).  The window is cut into segments
   of S observation intervals (-model_adjoint_stride S; 0 = the whole window).  Backward, segment by segment from the
   last: rerun the segment from its stored initial state with a memory trajectory (the whole window needs no rerun),
   then for k = last .. first observation of the segment: add dL/du(t_k) to lambda and dL/dtheta to mu, and
   TSAdjointSolve back over the nsub steps of interval k.  mu accumulates the parameter gradient through the shell
   JacobianP, each rank the sums over its own cells (reduced once at the end); lambda ends as dL/du(t_0).

   This is two-level checkpointing with checkpoints at observation times.  PETSc 3.18's own stride checkpointing
   (-ts_trajectory_stride) is not used: it fails or returns wrong gradients unless the step count is a multiple of
   the stride (docs/design.md, "Checkpointing"). */
#include <hycast/private/modelimpl.h>

/* A fresh in-memory trajectory for the next forward run. */
static PetscErrorCode HcModelResetTrajectory_Private(HcModel model)
{
  TSTrajectory tj;

  PetscFunctionBegin;
  if (model->trajectory) PetscCall(TSRemoveTrajectory(model->ts));
  PetscCall(TSSetSaveTrajectory(model->ts));
  PetscCall(TSGetTrajectory(model->ts, &tj));
  PetscCall(TSTrajectorySetType(tj, model->ts, TSTRAJECTORYMEMORY));
  model->trajectory = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcModelEnsureStates_Private(HcModel model, PetscInt nobs)
{
  PetscFunctionBegin;
  if (model->nstates >= nobs) PetscFunctionReturn(0);
  if (model->nstates) PetscCall(VecDestroyVecs(model->nstates, &model->states));
  PetscCall(VecDuplicateVecs(model->ustate, nobs, &model->states));
  model->nstates = nobs;
  PetscFunctionReturn(0);
}

/* ---- the stage cache.  The adjoint linearises at every stage of every step; the MLP and the Fourier layer would repeat
   their forward pass there.  Instead the forward run of a gradient records what their linearisations need at each RHS
   evaluation (its stages), within -model_adjoint_cache MB per rank, and HcModelLinearize() restores it when the
   adjoint asks for the same stage: the same time (to round-off: the adjoint computes stage times backwards) and the
   same state, bit for bit, on every rank.  Stages beyond the budget are recomputed as before. */

/* Slots for the coming run of `stages` RHS evaluations: each term's record size (a term records if it does on any rank,
   so that every rank restores or recomputes the same terms: the Fourier layer's recomputation is collective), and as
   many slots as fit in the budget on every rank. */
static PetscErrorCode HcModelPrepareCache_Private(HcModel model, PetscInt stages)
{
  PetscInt n, size[HC_MAX_TERMS + 1], gsize[HC_MAX_TERMS + 1], nslot;

  PetscFunctionBegin;
  model->nrec     = 0;
  model->nslot    = 0;
  model->recvalid = PETSC_FALSE;
  if (model->adjcache <= 0) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < model->nterms; k++) {
    HcTerm term = model->terms[k];

    size[k] = 0;
    if (HcModelTermActive_Private(model, term) && term->ops.recordsize && term->ops.record && term->ops.restore)
      PetscCall(term->ops.recordsize(term, &size[k]));
  }
  PetscCall(VecGetLocalSize(model->ustate, &n));
  size[model->nterms] = n;
  PetscCall(MPIU_Allreduce(size, gsize, model->nterms + 1, MPIU_INT, MPI_MAX, model->comm));
  model->recoff[0] = n; /* the slot starts with this rank's state */
  for (PetscInt k = 0; k < model->nterms; k++)
    model->recoff[k + 1] = model->recoff[k] + (gsize[k] > 0 ? PetscMax(size[k], 1) : 0);
  model->slotsize = model->recoff[model->nterms];
  if (model->slotsize == n) PetscFunctionReturn(0); /* no term to record */
  {
    PetscInt local = model->slotsize, most;

    PetscCall(MPIU_Allreduce(&local, &most, 1, MPIU_INT, MPI_MAX, model->comm));
    nslot = (PetscInt)PetscMin((PetscReal)stages, model->adjcache * 1048576.0 / (sizeof(PetscReal) * (PetscReal)most));
  }
  if ((size_t)nslot * model->slotsize > model->reccap || nslot > model->nslotcap) {
    PetscCall(PetscFree2(model->recbuf, model->rectime));
    PetscCall(PetscMalloc2((size_t)nslot * model->slotsize, &model->recbuf, nslot, &model->rectime));
    model->reccap   = (size_t)nslot * model->slotsize;
    model->nslotcap = nslot;
  }
  model->nslot = nslot;
  PetscFunctionReturn(0);
}

/* The next slot for an RHS evaluation at (t, u): its time and state stored, *rec = where the terms' records go. */
PetscErrorCode HcModelRecordSlot_Private(HcModel model, PetscReal t, Vec u, PetscReal **rec)
{
  const PetscScalar *x;
  PetscReal         *slot = model->recbuf + (size_t)model->nrec * model->slotsize;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(u, &x));
  PetscCall(PetscArraycpy(slot, x, model->recoff[0]));
  PetscCall(VecRestoreArrayRead(u, &x));
  model->rectime[model->nrec++] = t;
  *rec                          = slot;
  PetscFunctionReturn(0);
}

/* The slot recorded at (t, u), or -1.  Candidates (slots within rectol of t, newest first from the last hit: the adjoint
   runs backwards) are compared with u on each rank, and one reduction picks the first that matches everywhere. */
PetscErrorCode HcModelFindSlot_Private(HcModel model, PetscReal t, Vec u, PetscInt *found)
{
  enum { MAXC = 8 };
  PetscInt           cand[MAXC], nc = 0;
  PetscMPIInt        same[MAXC], all[MAXC];
  const PetscScalar *x;

  PetscFunctionBegin;
  *found = -1;
  model->reclookups++;
  for (PetscInt i = 0; i < model->nrec && nc < MAXC; i++) {
    const PetscInt s = ((model->lastslot - i) % model->nrec + model->nrec) % model->nrec;

    if (PetscAbsReal(model->rectime[s] - t) <= model->rectol) cand[nc++] = s;
  }
  if (!nc) PetscFunctionReturn(0);
  PetscCall(VecGetArrayRead(u, &x));
  for (PetscInt c = 0; c < nc; c++) {
    const PetscReal *v = model->recbuf + (size_t)cand[c] * model->slotsize;

    same[c] = 1;
    for (PetscInt i = 0; i < model->recoff[0]; i++)
      if (v[i] != PetscRealPart(x[i])) {
        same[c] = 0;
        break;
      }
  }
  PetscCall(VecRestoreArrayRead(u, &x));
  PetscCall(MPIU_Allreduce(same, all, (PetscMPIInt)nc, MPI_INT, MPI_MIN, model->comm));
  for (PetscInt c = 0; c < nc; c++)
    if (all[c]) {
      *found          = cand[c];
      model->lastslot = cand[c];
      model->rechits++;
      break;
    }
  PetscFunctionReturn(0);
}

/*@C
  HcModelSetAdjointCache - memory (MB per rank) that gradient runs may use to keep the forward run's linearisations (the
  MLP's hidden activations, the Fourier layer's activations and modes) so that the adjoint need not recompute them;
  0 recomputes every one (as -model_adjoint_cache).
@*/
PetscErrorCode HcModelSetAdjointCache(HcModel model, PetscReal mb)
{
  PetscFunctionBegin;
  PetscCheck(mb >= 0, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcModel: the adjoint cache must be >= 0 MB, got %g", (double)mb);
  model->adjcache = mb;
  PetscFunctionReturn(0);
}

/*@C
  HcModelGetAdjointCacheStats - since the model was created: how many times the adjoint linearised (lookups) and how
  many of them were restored from the forward run's records (hits) instead of recomputed (-model_adjoint_cache).
@*/
PetscErrorCode HcModelGetAdjointCacheStats(HcModel model, PetscInt *lookups, PetscInt *hits)
{
  PetscFunctionBegin;
  if (lookups) *lookups = model->reclookups;
  if (hits) *hits = model->rechits;
  PetscFunctionReturn(0);
}

/* mu (partial: nparam entries on every rank, summed over ranks) += g (a parameter vector: entries on rank 0) */
static PetscErrorCode HcModelAddPartial_Private(HcModel model, Vec g, Vec mu)
{
  const PetscScalar *a;
  PetscScalar       *m;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(g, &n));
  PetscCall(VecGetArrayRead(g, &a));
  PetscCall(VecGetArray(mu, &m));
  for (PetscInt i = 0; i < n; i++) m[i] += a[i];
  PetscCall(VecRestoreArray(mu, &m));
  PetscCall(VecRestoreArrayRead(g, &a));
  PetscFunctionReturn(0);
}

/* g (a parameter vector) = the sum over the ranks of the partial vector mu: one reduction onto rank 0 */
static PetscErrorCode HcModelSumPartial_Private(HcModel model, Vec mu, Vec g)
{
  const PetscScalar *m;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(mu, &m));
  for (PetscInt i = 0; i < model->nparam; i++) model->gwork[i] = PetscRealPart(m[i]);
  PetscCall(VecRestoreArrayRead(mu, &m));
  PetscCall(HcModelReduceParameters_Private(model, g));
  PetscFunctionReturn(0);
}

/*@C
  HcModelComputeGradient - loss L = sum_k L_k(u(t_k)) over the observation times t_k = times[k], k = 1..nobs, of a
  forecast from u0 at times[0], and its gradient with respect to the parameters (gtheta, a parameter vector) and to
  the initial state (gu0).  fn(model, k, t_k, u_k, &L_k, dL_k/du, dL_k/dtheta, ctx) supplies the misfits; gtheta and
  gu0 may be NULL.
@*/
PetscErrorCode HcModelComputeGradient(HcModel model, PetscInt nobs, const PetscReal times[], Vec u0, HcObservationFn fn,
                                      void *ctx, PetscReal *loss, Vec gtheta, Vec gu0)
{
  PetscReal L = 0;
  PetscInt  stride, stages = 0;

  PetscFunctionBegin;
  PetscCheck(model->setupcalled, model->comm, PETSC_ERR_ORDER, "HcModel: call HcModelSetUp() first");
  PetscCheck(nobs >= 1, model->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcModelComputeGradient: a window needs at least one observation interval, got %" PetscInt_FMT, nobs);
  PetscCall(PetscLogEventBegin(HC_Adjoint, 0, 0, 0, 0));
  PetscCall(HcModelEnsureStates_Private(model, nobs));
  if (!model->lambda) {
    PetscCall(VecDuplicate(model->ustate, &model->lambda));
    PetscCall(VecDuplicate(model->ustate, &model->dldu));
    if (model->nparam) {
      PetscCall(MatCreateVecs(model->Jp, &model->mu, NULL)); /* partial sums on every rank (model.c, HcModelMatMult_Jp) */
      PetscCall(HcModelCreateParameterVector(model, &model->dldtheta));
    }
  }
  stride           = model->adjstride > 0 && model->adjstride < nobs ? model->adjstride : nobs;
  model->linvalid  = PETSC_FALSE;
  model->recording = PETSC_FALSE;
  model->recvalid  = PETSC_FALSE;

  /* forward: record the trajectory only if the whole window is one segment; first check that a segment fits in memory */
  {
    PetscInt  steps = 0, n, s, seg;
    PetscReal mb;

    PetscCall(HcModelPrepareTimeStep_Private(model));
    for (PetscInt first = 0; first < nobs; first += stride) {
      seg = 0;
      for (PetscInt k = first; k < PetscMin(first + stride, nobs); k++) {
        PetscCall(HcModelStepsPerInterval_Private(model, times[k + 1] - times[k], &n));
        seg += n;
      }
      steps = PetscMax(steps, seg);
    }
    PetscCall(VecGetLocalSize(model->ustate, &n));
    PetscCall(TSRKGetTableau(model->ts, &s, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
    stages = steps * s + 1; /* RK evaluates the RHS at each stage (and maybe once more at the start) */
    mb     = (PetscReal)steps * (s + 1) * n * sizeof(PetscScalar) / 1048576.0;
    PetscCheck(
        mb <= model->adjmemory, model->comm, PETSC_ERR_MEM,
        "HcModelComputeGradient: the trajectory of %" PetscInt_FMT
        " steps would need %.3g MB per rank, more than -model_adjoint_memory %g; use -model_adjoint_stride (now %" PetscInt_FMT
        ") or a smaller window",
        steps, (double)mb, (double)model->adjmemory, model->adjstride);
  }
  if (stride == nobs) {
    PetscCall(HcModelResetTrajectory_Private(model));
    PetscCall(HcModelPrepareCache_Private(model, stages));
  } else if (model->trajectory) {
    PetscCall(TSRemoveTrajectory(model->ts));
    model->trajectory = PETSC_FALSE;
  }
  PetscCall(VecCopy(u0, model->ustate));
  model->recording = stride == nobs ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(HcModelRunForward_Private(model, nobs, times, model->ustate, model->states));
  model->recording = PETSC_FALSE;
  model->recvalid  = model->nrec > 0 ? PETSC_TRUE : PETSC_FALSE;
  model->rectol    = PETSC_MAX_REAL;
  for (PetscInt k = 0; k < nobs; k++) model->rectol = PetscMin(model->rectol, 1e-8 * PetscAbsReal(model->stepdt[k]));

  PetscCall(VecSet(model->lambda, 0));
  if (model->mu) PetscCall(VecSet(model->mu, 0));
  for (PetscInt last = nobs; last >= 1; last -= stride) {
    const PetscInt first = PetscMax(last - stride, 0); /* the segment runs from t_first to t_last */

    if (stride != nobs) {
      PetscCall(HcModelResetTrajectory_Private(model));
      PetscCall(HcModelPrepareCache_Private(model, stages));
      PetscCall(VecCopy(first ? model->states[first - 1] : u0, model->ustate));
      model->recording = PETSC_TRUE;
      PetscCall(HcModelRunForward_Private(model, last - first, times + first, model->ustate, NULL));
      model->recording = PETSC_FALSE;
      model->recvalid  = model->nrec > 0 ? PETSC_TRUE : PETSC_FALSE;
    }
    PetscCall(TSSetCostGradients(model->ts, 1, &model->lambda, model->mu ? &model->mu : NULL));
    for (PetscInt k = last; k > first; k--) {
      PetscReal Lk = 0;

      PetscCall(VecSet(model->dldu, 0));
      if (model->dldtheta) PetscCall(VecSet(model->dldtheta, 0));
      PetscCall(fn(model, k, times[k], model->states[k - 1], &Lk, model->dldu, model->dldtheta, ctx));
      PetscCheck(!PetscIsInfOrNanReal(Lk), model->comm, PETSC_ERR_FP,
                 "HcModelComputeGradient: the loss at observation %" PetscInt_FMT " is not finite", k);
      L += Lk;
      PetscCall(VecAXPY(model->lambda, 1, model->dldu));
      if (model->mu) PetscCall(HcModelAddPartial_Private(model, model->dldtheta, model->mu));
      PetscCall(TSAdjointSetSteps(model->ts, model->isub[k - first - 1]));
      PetscCall(TSAdjointSolve(model->ts));
    }
  }
  model->recvalid = PETSC_FALSE; /* the records belong to this run's parameters; terms restored from them point there */
  model->linvalid = PETSC_FALSE;
  if (loss) *loss = L;
  if (gu0) PetscCall(VecCopy(model->lambda, gu0));
  if (gtheta) {
    if (model->mu)
      PetscCall(HcModelSumPartial_Private(model, model->mu, gtheta));
    else
      PetscCall(VecSet(gtheta, 0));
  }
  PetscCall(PetscLogEventEnd(HC_Adjoint, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
