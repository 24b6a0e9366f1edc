/* The stage cache of an HcModel.  The adjoint linearises at every stage of every step; the MLP and the Fourier layer
   would repeat their forward pass there.  Instead the forward run of a gradient records what their linearisations need at each
   RHS evaluation (its stages), within -model_adjoint_cache MB per rank, and HcModelLinearize() restores it when the adjoint asks
   for the same stage: the same time (to round-off: the adjoint computes stage times backwards) and the same state, bit for bit,
   on every rank.  Stages beyond the budget are recomputed as before. The cache is the model's (its RHS evaluations record, its
   linearisations restore): the adjoint (src/adjoint/) only prepares it for a gradient's forward run, so that the model never
   calls into the adjoint. */
#include <hycast/private/modelimpl.h>
#include <hycast/private/termimpl.h>

/* Slots for the coming run of `stages` RHS evaluations: each term's record size (a term records if it does on any rank,
   so that every rank restores or recomputes the same terms: the Fourier layer's recomputation is collective), and as
   many slots as fit in the budget on every rank. */
PetscErrorCode HcModelPrepareCache_Private(HcModel model, PetscInt stages)
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
