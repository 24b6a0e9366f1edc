static const char help[] =
    "Gradient of a multi-observation loss through TSAdjoint for a model holding advdiff + fno: derivatives with respect\n"
    "to Fourier-layer parameters of every block (looked up by name) and to the initial state, against central finite\n"
    "differences of the loss; Cartesian walls with land and a periodic lat-lon band.\n";

#include "testutil.h"

#define NOBS 2

typedef struct {
  Vec       weight[NOBS]; /* L = sum_k <weight_k, u(t_k)> + 1/2 |u(t_k)|^2 over the active values, times scale */
  PetscReal scale;
  PetscReal times[NOBS + 1];
} Objective;

static PetscErrorCode ObjectiveFn(HcModel model, PetscInt k, PetscReal t, Vec u, PetscReal *L, Vec dLdu, Vec dLdtheta, void *ctx)
{
  Objective  *ob = (Objective *)ctx;
  HcGrid      grid;
  PetscScalar lin, quad;

  PetscFunctionBeginUser;
  PetscCall(HcModelGetGrid(model, &grid));
  PetscCall(VecCopy(u, dLdu));
  PetscCall(HcTestMaskField(grid, dLdu));
  PetscCall(VecDot(dLdu, dLdu, &quad));
  PetscCall(VecDot(ob->weight[k - 1], dLdu, &lin));
  *L += ob->scale * (PetscRealPart(lin) + 0.5 * PetscRealPart(quad));
  PetscCall(VecAXPY(dLdu, 1, ob->weight[k - 1]));
  PetscCall(VecScale(dLdu, ob->scale));
  PetscFunctionReturn(0);
}

static PetscErrorCode LossAt(HcModel model, Vec theta, Vec u0, Objective *ob, PetscReal *L)
{
  PetscFunctionBeginUser;
  PetscCall(HcModelSetParameters(model, theta));
  PetscCall(HcModelComputeGradient(model, NOBS, ob->times, u0, ObjectiveFn, ob, L, NULL, NULL));
  PetscFunctionReturn(0);
}

/* entry k of a parameter vector (held on rank 0), on every rank; or add h to it */
static PetscErrorCode ParameterEntry(Vec p, PetscInt k, PetscReal add, PetscReal *value)
{
  PetscScalar *a;
  PetscInt     n;
  PetscReal    v = 0;
  MPI_Comm     comm;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectGetComm((PetscObject)p, &comm));
  PetscCall(VecGetLocalSize(p, &n));
  PetscCall(VecGetArray(p, &a));
  if (n) {
    a[k] += add;
    v = PetscRealPart(a[k]);
  }
  PetscCall(VecRestoreArray(p, &a));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPIU_REAL, MPI_SUM, comm));
  if (value) *value = v;
  PetscFunctionReturn(0);
}

/* O(1) random weights with the projection scaled so that the layer's tendency is of order 1 / tobs: the layer shapes
   the trajectory and the loss stays O(1), so finite differences resolve every derivative. */
static PetscErrorCode ScaleLayer(HcTerm fno, PetscReal tobs)
{
  PetscInt    np;
  PetscReal  *th;
  const char *name;
  PetscBool   proj;

  PetscFunctionBeginUser;
  PetscCall(HcTermGetNumParameters(fno, &np));
  PetscCall(PetscMalloc1(np, &th));
  for (PetscInt k = 0; k < np; k++) {
    PetscCall(HcTermGetParameterName(fno, k, &name));
    PetscCall(PetscStrbeginswith(name, "projection_", &proj));
    th[k] = 0.5 * HcTestHash(9, k, 0, 0) * (proj ? 0.2 / tobs : 1);
  }
  PetscCall(HcTermSetParameters(fno, th));
  PetscCall(PetscFree(th));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunCase(const char *label, HcGridType type, PetscBool periodic, PetscReal tobs, const PetscReal K[2])
{
  MPI_Comm    comm    = PETSC_COMM_WORLD;
  const char *names[] = {"lift_weight[0,1]",     "lift_bias[2]",           "spectral_re[0,-1,1,2]", "spectral_im[0,1,2,0]",
                         "spectral_re[1,0,0,3]", "spectral_im[2,-3,3,1]",  "spectral_re[2,2,2,2]",  "linear_weight[1,3]",
                         "linear_bias[0]",       "projection_weight[1,2]", "projection_bias[0]"};
  HcGrid      grid;
  HcTerm      phys, fno;
  HcModel     model;
  Objective   ob;
  Vec         u0, d, gu0, p, gp, tmp;
  PetscReal   L, Lp, Lm, dt, h, g, fd, rel;
  PetscInt    off, n, nact, nc;

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "%s\n", label));
  PetscCall(HcTestCreateGrid(comm, type, 18, 13, 2, periodic, PETSC_FALSE, &grid));
  PetscCall(HcTestSetIrregularMask(grid, 23, 0.12));
  PetscCall(HcTermCreate(grid, &phys));
  PetscCall(HcTermSetType(phys, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetDiffusivity(phys, K));
  PetscCall(HcTermAdvDiffSetVelocity(phys, type == HC_GRID_LATLON ? 0.3 : 0.5, -0.2));
  PetscCall(HcTermCreate(grid, &fno));
  PetscCall(HcTermSetType(fno, HCTERMFNO));
  PetscCall(HcTermFNOSetWidth(fno, 4));
  PetscCall(HcTermFNOSetModes(fno, 3, 3));
  PetscCall(HcTermFNOSetOutputScale(fno, 1)); /* the test scales the projection itself (ScaleLayer) */
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelAddTerm(model, phys));
  PetscCall(HcModelAddTerm(model, fno));
  PetscCall(HcModelSetObservationInterval(model, tobs));
  PetscCall(HcModelSetFromOptions(model));
  PetscCall(HcModelSetUp(model));
  PetscCall(ScaleLayer(fno, tobs));
  PetscCall(HcModelGetTimeStep(model, &dt, NULL));
  PetscCall(HcModelSetTimeStep(model, dt)); /* finite differences must not change the number of steps */

  PetscCall(HcGridCreateGlobalVector(grid, &u0));
  PetscCall(VecDuplicate(u0, &d));
  PetscCall(VecDuplicate(u0, &gu0));
  PetscCall(VecDuplicate(u0, &tmp));
  PetscCall(HcTestSmoothField(grid, 51, u0));
  PetscCall(HcTestRandomField(grid, 53, 0.3, tmp)); /* energy in the higher modes too */
  PetscCall(VecAXPY(u0, 1, tmp));
  PetscCall(HcTestRandomField(grid, 52, 1, d));
  PetscCall(HcGridGetActiveCount(grid, &nact));
  PetscCall(HcGridGetNumFields(grid, &nc));
  ob.scale = 1.0 / (nact * nc);
  for (int k = 0; k <= NOBS; k++) ob.times[k] = k * tobs;
  for (int k = 0; k < NOBS; k++) {
    PetscCall(VecDuplicate(u0, &ob.weight[k]));
    PetscCall(HcTestSmoothField(grid, 60 + k, ob.weight[k]));
    PetscCall(HcTestMaskField(grid, ob.weight[k])); /* L does not see land */
  }
  PetscCall(HcModelCreateParameterVector(model, &p));
  PetscCall(VecDuplicate(p, &gp));
  PetscCall(HcModelGetParameters(model, p));
  PetscCall(HcModelComputeGradient(model, NOBS, ob.times, u0, ObjectiveFn, &ob, &L, gp, gu0));
  {
    PetscInt nsub;

    PetscCall(HcModelGetTimeStep(model, &dt, &nsub));
    PetscCall(PetscPrintf(comm, "  loss %.10e over %d observations of %" PetscInt_FMT " steps (dt %.4g)\n", (double)L, NOBS, nsub,
                          (double)dt));
  }
  PetscCall(HcModelGetParameterBlock(model, "fno", &off, &n));
  for (size_t s = 0; s < sizeof(names) / sizeof(names[0]); s++) {
    PetscInt    k = -1;
    const char *nm;
    PetscBool   same;

    for (PetscInt i = 0; i < n && k < 0; i++) {
      PetscCall(HcTermGetParameterName(fno, i, &nm));
      PetscCall(PetscStrcmp(nm, names[s], &same));
      if (same) k = off + i;
    }
    PetscCheck(k >= 0, comm, PETSC_ERR_PLIB, "no Fourier-layer parameter named %s", names[s]);
    PetscCall(ParameterEntry(gp, k, 0, &g));
    PetscCall(ParameterEntry(p, k, 0, &h));
    PetscCall(PetscStrbeginswith(names[s], "projection_", &same));
    /* the step follows the parameter's scale (the projection's is 0.2 / tobs, see ScaleLayer) */
    h = 1e-3 * (same ? 0.2 / tobs : 1) * PetscMax(1, PetscAbsReal(h) / (same ? 0.2 / tobs : 1));
    /* fourth-order central difference: some derivatives are 1e-5 of an O(1) loss */
    fd = 0;
    for (PetscInt j = 1; j <= 2; j++) {
      PetscCall(ParameterEntry(p, k, j * h, NULL));
      PetscCall(LossAt(model, p, u0, &ob, &Lp));
      PetscCall(ParameterEntry(p, k, -2 * j * h, NULL));
      PetscCall(LossAt(model, p, u0, &ob, &Lm));
      PetscCall(ParameterEntry(p, k, j * h, NULL));
      fd += (j == 1 ? 8 : -1) * (Lp - Lm) / (12 * h);
    }
    rel = PetscAbsReal(g - fd) / PetscMax(PetscAbsReal(fd), 1e-300);
    PetscCall(HcTestCheck(comm, rel < 1e-6, "dL/d fno.%-24s adjoint % .10e  central FD % .10e  rel %.1e", names[s], (double)g,
                          (double)fd, (double)rel));
  }
  PetscCall(HcModelSetParameters(model, p));
  h = 1e-5;
  PetscCall(VecDot(gu0, d, &g));
  PetscCall(VecWAXPY(tmp, h, d, u0));
  PetscCall(LossAt(model, p, tmp, &ob, &Lp));
  PetscCall(VecWAXPY(tmp, -h, d, u0));
  PetscCall(LossAt(model, p, tmp, &ob, &Lm));
  fd  = (Lp - Lm) / (2 * h);
  rel = PetscAbsReal(g - fd) / PetscMax(PetscAbsReal(fd), 1e-300);
  PetscCall(HcTestCheck(comm, rel < 1e-6, "dL/du0 . d %-21s adjoint % .10e  central FD % .10e  rel %.1e", "", (double)g,
                        (double)fd, (double)rel));

  for (int k = 0; k < NOBS; k++) PetscCall(VecDestroy(&ob.weight[k]));
  PetscCall(VecDestroy(&u0));
  PetscCall(VecDestroy(&d));
  PetscCall(VecDestroy(&gu0));
  PetscCall(VecDestroy(&tmp));
  PetscCall(VecDestroy(&p));
  PetscCall(VecDestroy(&gp));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcTermDestroy(&phys));
  PetscCall(HcTermDestroy(&fno));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(RunCase("Cartesian, walls and land", HC_GRID_CARTESIAN, PETSC_FALSE, 0.1, (const PetscReal[]){4e-3, 1.5e-3}));
  PetscCall(RunCase("lat-lon band, periodic in longitude, land (m, s)", HC_GRID_LATLON, PETSC_TRUE, 86400.0,
                    (const PetscReal[]){3e4, 1e4}));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
