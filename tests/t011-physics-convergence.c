static const char help[] =
    "Convergence of the advection-diffusion operator to the closed-form solution of a Gaussian blob under\n"
    "constant advection and diffusion on a periodic square, at three resolutions, for every scheme.\n";

#include "testutil.h"

typedef struct {
  PetscReal x0, y0, vx, vy, K, s0, t;
} Blob;

/* Exact solution on the periodic unit square: the free-space Gaussian summed over images. */
static PetscErrorCode BlobExact(PetscReal x, PetscReal y, PetscReal v[], void *ctx)
{
  const Blob *b  = (const Blob *)ctx;
  PetscReal   s2 = b->s0 * b->s0 + 2 * b->K * b->t, cx = b->x0 + b->vx * b->t, cy = b->y0 + b->vy * b->t, sum = 0;

  cx -= PetscFloorReal(cx);
  cy -= PetscFloorReal(cy);
  for (int p = -2; p <= 2; p++)
    for (int q = -2; q <= 2; q++) {
      const PetscReal dx = x - cx - p, dy = y - cy - q;
      sum += PetscExpReal(-(dx * dx + dy * dy) / (2 * s2));
    }
  v[0] = b->s0 * b->s0 / s2 * sum;
  return 0;
}

static PetscErrorCode Error(HcAdvectionScheme scheme, PetscInt n, Blob *blob, PetscReal *err, PetscInt *nsteps)
{
  HcGrid    grid;
  HcTerm    term;
  HcModel   model;
  Vec       u, ue, area;
  PetscReal T = blob->t, atot, e2;
  PetscInt  nsub;

  PetscFunctionBeginUser;
  PetscCall(HcGridCreate(PETSC_COMM_WORLD, &grid));
  PetscCall(HcGridSetSizes(grid, n, n));
  PetscCall(HcGridSetPeriodic(grid, PETSC_TRUE, PETSC_TRUE));
  PetscCall(HcGridSetUp(grid));
  PetscCall(HcTermCreate(grid, &term));
  PetscCall(HcTermSetType(term, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetScheme(term, scheme));
  PetscCall(HcTermAdvDiffSetDiffusivity(term, &blob->K));
  PetscCall(HcTermAdvDiffSetVelocity(term, blob->vx, blob->vy));
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelAddTerm(model, term));
  PetscCall(HcModelSetObservationInterval(model, T));
  PetscCall(HcModelSetUp(model));
  PetscCall(HcModelGetTimeStep(model, NULL, &nsub));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &ue));
  blob->t = 0;
  PetscCall(HcGridEvaluate(grid, BlobExact, blob, u));
  {
    const PetscReal times[2] = {0, T};

    PetscCall(HcModelSolve(model, 1, times, u, NULL));
  }
  blob->t = T;
  PetscCall(HcGridEvaluate(grid, BlobExact, blob, ue));
  PetscCall(VecAXPY(u, -1, ue));
  PetscCall(VecPointwiseMult(u, u, u));
  PetscCall(HcGridCreateAreaVector(grid, &area));
  PetscCall(VecSum(area, &atot));
  PetscCall(VecDot(u, area, &e2));
  *err    = PetscSqrtReal(e2 / atot);
  *nsteps = nsub;
  PetscCall(VecDestroy(&area));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&ue));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const PetscInt  N[3]      = {64, 128, 256};
  const PetscReal minord[3] = {1.9, 0.9, 1.9};
  Blob            blob      = {0.35, 0.4, 0.8, 0.5, 2e-3, 0.15, 0.25};
  int             status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "Gaussian blob, sigma0 %g, velocity (%g, %g), K %g, T %g; L2 error (area weighted RMS)\n",
                        (double)blob.s0, (double)blob.vx, (double)blob.vy, (double)blob.K, (double)blob.t));
  for (int s = 0; s < 3; s++) {
    PetscReal err[3];
    PetscInt  steps = 0;

    for (int r = 0; r < 3; r++) {
      Blob b = blob;

      PetscCall(Error((HcAdvectionScheme)s, N[r], &b, &err[r], &steps));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-8s N = %4" PetscInt_FMT "  steps %5" PetscInt_FMT "  error %.4e%s",
                            HcAdvectionSchemes[s], N[r], steps, (double)err[r], r ? "" : "\n"));
      if (r) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  order %.3f\n", (double)(PetscLog2Real(err[r - 1] / err[r]))));
    }
    for (int r = 1; r < 3; r++) {
      const PetscReal order = PetscLog2Real(err[r - 1] / err[r]);
      PetscCall(HcTestCheck(PETSC_COMM_WORLD, order >= minord[s],
                            "%s: order %.3f between N = %" PetscInt_FMT " and %" PetscInt_FMT " (need >= %.1f)",
                            HcAdvectionSchemes[s], (double)order, N[r - 1], N[r], (double)minord[s]));
    }
  }
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
