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
