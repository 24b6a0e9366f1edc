/* Losses: the misfit of a window and the penalties of APHYNITY and LEADS, evaluated at the observation times during
   the adjoint loop; batches split across groups and combined (mean, or V-REx's mean + beta * variance of the
   environments' risks).

   For a window of K intervals from y[s], with c = 1 / (K * active cells * fields) and per-field scales sigma:
     misfit   = c * sum_k sum_cells ((u_k - y_{s+k}) / sigma)^2
     penalty  = c * sum_k sum_cells (dt_k F_sel(u_k) / sigma)^2     F_sel: the learned terms (APHYNITY) or the current
                                                                    environment's learned terms (LEADS' G_e)
     L_window = w_m * misfit + w_p * penalty                        (w_m = lambda for APHYNITY, else 1; w_p = 1, mu or 0) */
#include <hycast/private/trainimpl.h>

/* s = sum over active owned cells of (a z / sigma)^2, reduced over the group; r = beta * z / sigma^2 on active cells
   and 0 on land (r may be NULL). */
static PetscErrorCode HcTrainerScaledSquares_Private(HcTrainer tr, Vec z, PetscReal a, PetscReal beta, Vec r, PetscReal *s)
{
  HcGrid               g = tr->grid;
  const PetscScalar ***Z, **mk;
  PetscScalar       ***R   = NULL;
  PetscReal            sum = 0;

  PetscFunctionBegin;
  PetscCall(DMDAVecGetArrayDOFRead(g->da, z, &Z));
  PetscCall(DMDAVecGetArrayRead(g->da1, g->mask, &mk));
  if (r) PetscCall(DMDAVecGetArrayDOF(g->da, r, &R));
  for (PetscInt j = g->ys; j < g->ys + g->ym; j++) {
    for (PetscInt i = g->xs; i < g->xs + g->xm; i++) {
      const PetscBool active = mk[j][i] != 0 ? PETSC_TRUE : PETSC_FALSE;

      for (PetscInt c = 0; c < tr->nc; c++) {
        const PetscReal v = active ? PetscRealPart(Z[j][i][c]) : 0, q = a * v / tr->std[c];

        sum += q * q;
        if (R) R[j][i][c] = beta * v / (tr->std[c] * tr->std[c]);
      }
    }
  }
  if (r) PetscCall(DMDAVecRestoreArrayDOF(g->da, r, &R));
  PetscCall(DMDAVecRestoreArrayRead(g->da1, g->mask, &mk));
  PetscCall(DMDAVecRestoreArrayDOFRead(g->da, z, &Z));
  PetscCallMPI(MPI_Allreduce(&sum, s, 1, MPIU_REAL, MPI_SUM, tr->comm));
  PetscFunctionReturn(0);
}

/* The loss at observation k of the current window (the HcObservationFn of HcModelComputeGradient). */
static PetscErrorCode HcTrainerObservation_Private(HcModel model, PetscInt k, PetscReal t, Vec u, PetscReal *L, Vec dLdu,
                                                   Vec dLdtheta, void *ctx)
{
  HcTrainer       tr = (HcTrainer)ctx;
  HcEnvData      *E  = &tr->env[tr->wenv];
  const PetscReal c  = 1.0 / ((PetscReal)tr->K * tr->nactive * tr->nc);
  PetscReal       s;

  PetscFunctionBegin;
  PetscCall(VecWAXPY(tr->f, -1, E->y[tr->wstart + k], u));
  PetscCall(HcTrainerScaledSquares_Private(tr, tr->f, 1, 2 * c * tr->wmisfitweight, dLdu, &s));
  tr->wmisfit += c * s;
  *L = tr->wmisfitweight * c * s;
  if (tr->wpenaltyweight > 0) {
    const PetscReal dt = t - tr->times[k - 1], beta = 2 * c * dt * dt * tr->wpenaltyweight;

    PetscCall(HcModelSetTermSelection(model, tr->loss == HC_LOSS_LEADS ? HC_TERMS_ENVIRONMENT : HC_TERMS_LEARNED));
    PetscCall(HcModelApplyRHS(model, t, u, tr->f));
    PetscCall(HcTrainerScaledSquares_Private(tr, tr->f, dt, beta, tr->r, &s));
    PetscCall(HcModelLinearize(model, t, u));
    PetscCall(HcModelApplyJacobianTranspose(model, tr->r, tr->f));
    PetscCall(VecAXPY(dLdu, 1, tr->f));
    PetscCall(HcModelApplyParameterJacobianTranspose(model, tr->r, tr->pwork));
    PetscCall(VecAXPY(dLdtheta, 1, tr->pwork));
    PetscCall(HcModelSetTermSelection(model, HC_TERMS_ALL));
    tr->wpenalty += c * s;
    *L += tr->wpenaltyweight * c * s;
  }
  PetscFunctionReturn(0);
}

PetscReal HcTrainerMisfitWeight_Private(HcTrainer tr)
{
  return tr->loss == HC_LOSS_APHYNITY ? tr->lambda : 1;
}

PetscReal HcTrainerPenaltyWeight_Private(HcTrainer tr)
{
  return tr->loss == HC_LOSS_APHYNITY ? 1 : (tr->loss == HC_LOSS_LEADS ? tr->leadsmu : 0);
}

/* Loss, misfit and parameter gradient of one window. */
PetscErrorCode HcTrainerWindowLossGradient_Private(HcTrainer tr, HcWindow w, PetscReal *L, PetscReal *misfit, Vec g)
{
  HcEnvData *E = &tr->env[w.env];

  PetscFunctionBegin;
  PetscCall(HcModelSetEnvironment(tr->model, tr->model->nenv ? w.env : -1));
  PetscCall(HcModelSetForcing(tr->model, w.env)); /* the forcing of the window's data, whatever the loss */
  tr->times          = E->t + w.start;
  tr->wenv           = w.env;
  tr->wstart         = w.start;
  tr->wmisfit        = 0;
  tr->wpenalty       = 0;
  tr->wmisfitweight  = HcTrainerMisfitWeight_Private(tr);
  tr->wpenaltyweight = HcTrainerPenaltyWeight_Private(tr);
  PetscCall(HcModelComputeGradient(tr->model, tr->K, tr->times, E->y[w.start], HcTrainerObservation_Private, tr, L, g, NULL));
  *misfit = tr->wmisfit;
  PetscFunctionReturn(0);
}

/* Misfit of one window by a forecast (no adjoint); with the norm of the selected terms too, unless the selection is
   HC_TERMS_ALL. */
PetscErrorCode HcTrainerWindowMisfit_Private(HcTrainer tr, HcWindow w, HcTermSelection penalty, PetscReal *misfit, PetscReal *pen)
{
  HcEnvData      *E      = &tr->env[w.env];
  const PetscReal c      = 1.0 / ((PetscReal)tr->K * tr->nactive * tr->nc);
  Vec            *states = tr->wstates;
  PetscReal       s;

  PetscFunctionBegin;
  PetscCall(HcModelSetEnvironment(tr->model, tr->model->nenv ? w.env : -1));
  PetscCall(HcModelSetForcing(tr->model, w.env)); /* the forcing of the window's data, whatever the loss */
  PetscCall(VecCopy(E->y[w.start], tr->r));
  PetscCall(HcModelSolve(tr->model, tr->K, E->t + w.start, tr->r, states));
  *misfit = *pen = 0;
  for (PetscInt k = 1; k <= tr->K; k++) {
    PetscCall(VecWAXPY(tr->f, -1, E->y[w.start + k], states[k - 1]));
    PetscCall(HcTrainerScaledSquares_Private(tr, tr->f, 1, 0, NULL, &s));
    *misfit += c * s;
    if (penalty != HC_TERMS_ALL) {
      const PetscReal dt = E->t[w.start + k] - E->t[w.start + k - 1];

      PetscCall(HcModelSetTermSelection(tr->model, penalty));
      PetscCall(HcModelApplyRHS(tr->model, E->t[w.start + k], states[k - 1], tr->f));
      PetscCall(HcModelSetTermSelection(tr->model, HC_TERMS_ALL));
      PetscCall(HcTrainerScaledSquares_Private(tr, tr->f, dt, 0, NULL, &s));
      *pen += c * s;
    }
  }
  PetscFunctionReturn(0);
}

/* Keep the first error's message so that a floating-point failure can be told from a real error and the latter
   raised again with its own text. */
static char           hc_train_errmsg[1024];
static PetscErrorCode HcTrainerErrorHandler_Private(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                                                    PetscErrorType p, const char *mess, void *ctx)
{
  if (p == PETSC_ERROR_INITIAL) PetscStrncpy(hc_train_errmsg, mess ? mess : "", sizeof(hc_train_errmsg));
  return n;
}

/* Loss (and with HC_BATCH_GRADIENT its gradient into tr->grad, on group roots; with HC_BATCH_MISFIT the plain misfit
   instead, for evaluation) of the windows idx[0..n) of a split.  Window j is done by group
   j % ngroups; per-environment sums are reduced over the groups, then combined by the loss type.  *ok is false when
   a window failed (a non-finite state, a model too stiff for -model_max_substeps) or the result is not finite; every
   rank gets the same answer.  A failure stops a gradient or loss batch at once (the optimiser rejects it); evaluations
   (HC_BATCH_MISFIT, HC_BATCH_NORM) go on and average the other windows.  Either way tr->nbatchfailed counts the
   failed windows, the environments' counts are in tr->envsum, and tr->batchmsg holds the first failure's message
   (from the lowest group that had one), the same on every rank. */
PetscErrorCode HcTrainerBatch_Private(HcTrainer tr, HcSplit split, PetscInt n, const PetscInt idx[], HcBatchMode mode,
                                      PetscReal *L, PetscReal *misfit, PetscBool *ok)
{
  const PetscInt  P = tr->model->nparam, stride = HC_ENVSUM_GRAD + P;
  const PetscBool goon = (mode == HC_BATCH_MISFIT || mode == HC_BATCH_NORM) ? PETSC_TRUE : PETSC_FALSE;
  PetscMPIInt     grank, wrank;
  PetscInt        failed = 0, nenvs = 0, N = 0;
  PetscReal       Rbar = 0, var = 0, *gl;
  char            first[sizeof(tr->batchmsg)] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(tr->comm, &grank));
  PetscCallMPI(MPI_Comm_rank(tr->world, &wrank));
  PetscCall(PetscArrayzero(tr->envsum, tr->nenv * stride));
  tr->nbatchfailed = 0;
  tr->batchmsg[0]  = 0;
  tr->abandoned    = PETSC_FALSE;
  for (PetscInt j = 0; j < n && (!failed || goon); j++) {
    const HcWindow w  = tr->win[split][idx[j]];
    PetscReal      Lw = 0, mw = 0, *S = tr->envsum + w.env * stride;
    PetscErrorCode ierr;

    if (j % tr->ngroups != tr->group) continue;
    if (mode == HC_BATCH_GRADIENT) {
      /* SIGINT/SIGTERM: stop within a window's time, not a batch's (mpiexec may kill the ranks a second after it passes
         the signal on); the group's ranks agree, then every group (below) */
      int sig = HcTrainerSignalRaised_Private();

      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sig, 1, MPI_INT, MPI_MAX, tr->comm));
      if (sig) {
        tr->abandoned = PETSC_TRUE;
        break;
      }
    }
    PetscCall(PetscPushErrorHandler(HcTrainerErrorHandler_Private, NULL));
    if (mode == HC_BATCH_GRADIENT)
      ierr = HcTrainerWindowLossGradient_Private(tr, w, &Lw, &mw, tr->pgrad);
    else {
      const HcTermSelection sel = mode == HC_BATCH_NORM
                                      ? tr->normsel
                                      : (mode == HC_BATCH_LOSS && HcTrainerPenaltyWeight_Private(tr) > 0
                                             ? (tr->loss == HC_LOSS_LEADS ? HC_TERMS_ENVIRONMENT : HC_TERMS_LEARNED)
                                             : HC_TERMS_ALL);

      ierr = HcTrainerWindowMisfit_Private(tr, w, sel, &mw, &tr->wpenalty);
      Lw   = mode == HC_BATCH_LOSS ? HcTrainerMisfitWeight_Private(tr) * mw + HcTrainerPenaltyWeight_Private(tr) * tr->wpenalty
                                   : (mode == HC_BATCH_NORM ? tr->wpenalty : mw);
    }
    PetscCall(PetscPopErrorHandler());
    if (ierr == PETSC_ERR_FP) {
      if (!failed)
        PetscCall(PetscSNPrintf(first, sizeof(first),
                                "window (environment %" PetscInt_FMT ", start %" PetscInt_FMT ") failed: %s", w.env, w.start,
                                hc_train_errmsg));
      /* an evaluation reports its failures in one summary, an optimiser step each one */
      if (!goon) PetscCall(PetscPrintf(tr->comm, "  %s\n", first));
      failed++;
      S[HC_ENVSUM_FAILED] += 1;
      continue;
    }
    PetscCheck(!ierr, tr->comm, ierr, "%s", hc_train_errmsg);
    S[0] += Lw;
    S[1] += mw;
    if (mode != HC_BATCH_MISFIT) S[2] += tr->wpenalty;
    S[3] += 1;
    if (mode == HC_BATCH_GRADIENT && !grank) {
      const PetscScalar *g;

      PetscCall(VecGetArrayRead(tr->pgrad, &g));
      for (PetscInt i = 0; i < P; i++) S[HC_ENVSUM_GRAD + i] += PetscRealPart(g[i]);
      PetscCall(VecRestoreArrayRead(tr->pgrad, &g));
    }
  }
  if (mode == HC_BATCH_GRADIENT) {
    PetscMPIInt any = tr->abandoned;

    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, tr->world));
    tr->abandoned = any ? PETSC_TRUE : PETSC_FALSE;
    if (tr->abandoned) {
      *ok = PETSC_FALSE;
      *L = *misfit = (PetscReal)NAN;
      PetscFunctionReturn(0);
    }
  }
  {
    /* the first failure's message, from the lowest world rank whose group had one */
    PetscMPIInt src = failed ? wrank : PETSC_MPI_INT_MAX;

    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &src, 1, MPI_INT, MPI_MIN, tr->world));
    if (src != PETSC_MPI_INT_MAX) {
      PetscCallMPI(MPI_Bcast(first, (PetscMPIInt)sizeof(first), MPI_CHAR, src, tr->world));
      PetscCall(PetscStrncpy(tr->batchmsg, first, sizeof(tr->batchmsg)));
    }
    *ok = src == PETSC_MPI_INT_MAX ? PETSC_TRUE : PETSC_FALSE;
  }
  if (!*ok && !goon) {
    /* the count of a stopped batch: at least one window of a group failed */
    PetscInt any = failed ? 1 : 0;

    if (grank) any = 0;
    PetscCallMPI(MPI_Allreduce(&any, &tr->nbatchfailed, 1, MPIU_INT, MPI_SUM, tr->world));
    *L = *misfit = (PetscReal)NAN;
    PetscFunctionReturn(0);
  }
  /* sum over groups: reduce then broadcast, so that every root holds bitwise the same sums */
  if (tr->roots != MPI_COMM_NULL) {
    PetscMPIInt rr;

    PetscCallMPI(MPI_Comm_rank(tr->roots, &rr));
    PetscCallMPI(MPI_Reduce(rr ? tr->envsum : MPI_IN_PLACE, tr->envsum, (PetscMPIInt)(tr->nenv * stride), MPIU_REAL, MPI_SUM, 0,
                            tr->roots));
    PetscCallMPI(MPI_Bcast(tr->envsum, (PetscMPIInt)(tr->nenv * stride), MPIU_REAL, 0, tr->roots));
  }
  for (PetscInt e = 0; e < tr->nenv; e++)
    PetscCallMPI(MPI_Bcast(tr->envsum + e * stride, HC_ENVSUM_GRAD, MPIU_REAL, 0, tr->comm));

  /* combine: the mean over windows, or V-REx's mean + beta * variance of the environments' mean losses */
  *L = *misfit = 0;
  for (PetscInt e = 0; e < tr->nenv; e++) {
    const PetscReal *S = tr->envsum + e * stride;

    N += (PetscInt)S[3];
    tr->nbatchfailed += (PetscInt)S[HC_ENVSUM_FAILED];
    *misfit += S[1];
    if (S[3] > 0) {
      nenvs++;
      Rbar += S[0] / S[3];
    }
  }
  if (!N && tr->nbatchfailed) { /* an evaluation where every window failed */
    *L = *misfit = (PetscReal)NAN;
    PetscFunctionReturn(0);
  }
  PetscCheck(N > 0, tr->comm, PETSC_ERR_ARG_WRONG, "HcTrainer: empty batch");
  *misfit /= N;
  if (tr->loss == HC_LOSS_VREX) {
    Rbar /= nenvs;
    for (PetscInt e = 0; e < tr->nenv; e++) {
      const PetscReal *S = tr->envsum + e * stride;
      if (S[3] > 0) var += (S[0] / S[3] - Rbar) * (S[0] / S[3] - Rbar);
    }
    var /= nenvs;
    *L = Rbar + tr->vrexbeta * var;
  } else {
    for (PetscInt e = 0; e < tr->nenv; e++) *L += tr->envsum[e * stride] / N;
  }
  /* the terms' penalties on their parameters (a learned velocity field's roughness): part of the loss the optimiser
     minimises, not of a window's misfit */
  if (mode == HC_BATCH_GRADIENT || mode == HC_BATCH_LOSS) {
    PetscCall(PetscArrayzero(tr->rgrad, P));
    PetscCall(HcModelAddRegularization(tr->model, L, mode == HC_BATCH_GRADIENT ? tr->rgrad : NULL));
  }
  if (mode == HC_BATCH_GRADIENT) {
    PetscCall(VecGetArray(tr->grad, &gl));
    if (!grank) {
      for (PetscInt i = 0; i < P; i++) gl[i] = tr->rgrad[i];
      for (PetscInt e = 0; e < tr->nenv; e++) {
        const PetscReal *S = tr->envsum + e * stride;
        PetscReal        we;

        if (S[3] <= 0) continue;
        we = tr->loss == HC_LOSS_VREX ? (1.0 / nenvs + 2 * tr->vrexbeta * (S[0] / S[3] - Rbar) / nenvs) / S[3] : 1.0 / N;
        for (PetscInt i = 0; i < P; i++) gl[i] += we * S[HC_ENVSUM_GRAD + i];
      }
      for (PetscInt i = 0; i < P; i++)
        if (!tr->trainable[i]) gl[i] = 0;
    }
    PetscCall(VecRestoreArray(tr->grad, &gl));
  }
  if (PetscIsInfOrNanReal(*L)) *ok = PETSC_FALSE;
  if (mode == HC_BATCH_GRADIENT) {
    PetscReal gn;

    PetscCall(VecNorm(tr->grad, NORM_2, &gn));
    if (PetscIsInfOrNanReal(gn)) *ok = PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}
