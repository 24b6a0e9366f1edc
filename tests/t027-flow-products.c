static const char help[] =
    "A learned flow field (-physics_velocity_learn field): the velocity is the given one (a learned constant pair or a\n"
    "data series) plus a learned correction per cell.  Dot-product and finite-difference tests of J, J^T and the\n"
    "parameter Jacobian and its transpose (the correction included), centred and upwind (on velocities without zero\n"
    "crossings), with land; the smoothness penalty's gradient against finite differences; the whole-window adjoint\n"
    "gradient (TSAdjoint) of misfit + penalty against finite differences for diffusivities and correction values; every\n"
    "product, penalty and gradient equals a one-rank run's to round-off.\n";

#include "testutil.h"

#define NX   26
#define NY   19
#define NOBS 3
#define NT   4

typedef struct {
  PetscInt  np;
  PetscReal L, R, g[2 + 2 + 2 * 2 * NX * NY]; /* misfit, penalty, a gradient over theta */
} Result;

/* A correction of amplitude amp, smooth plus some roughness, on the natural cell order (the same on every rank count) */
static PetscReal Correction(PetscInt k, PetscInt j, PetscInt i, PetscReal amp)
{
  const PetscReal x = (i + 0.5) / NX, y = (j + 0.5) / NY;

  return amp * (k ? PetscCosReal(2 * PETSC_PI * x + 0.4) * PetscSinReal(PETSC_PI * y) : PetscSinReal(2 * PETSC_PI * y + 0.3)) +
         0.2 * amp * (HcTestHash(11 + k, i, j, 0) - 0.5);
}

/* A term with a learned correction: over a learned constant pair (0.9, 0.7), or over a data series (shifted off zero for
   upwind schemes), parameters theta[] set to a nonzero correction of amplitude amp */
static PetscErrorCode CreateTerm(HcGrid grid, HcAdvectionScheme scheme, PetscBool series, PetscReal t0, PetscReal tobs,
                                 PetscReal amp, HcTerm *term)
{
  const PetscReal  K[2] = {4e-3, 1.5e-3};
  PetscReal        tv[NT], *theta;
  PetscInt         np, off;
  const PetscReal *th;
  Vec              vel[NT];

  PetscFunctionBeginUser;
  PetscCall(HcTermCreate(grid, term));
  PetscCall(HcTermSetType(*term, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetScheme(*term, scheme));
  PetscCall(HcTermAdvDiffSetDiffusivity(*term, K));
  if (series) {
    for (PetscInt k = 0; k < NT; k++) {
      tv[k] = t0 + tobs * (-0.3 + 1.4 * k);
      PetscCall(HcGridCreateVectorDof(grid, 2, &vel[k]));
      PetscCall(HcTestVelocityField(grid, 0.7, 0.25 * k, vel[k]));
      if (scheme != HC_ADVECTION_CENTERED) PetscCall(VecShift(vel[k], 1.6)); /* no sign change: upwind is smooth */
    }
    PetscCall(HcTermAdvDiffSetVelocitySeries(*term, -1, NT, tv, vel));
    for (PetscInt k = 0; k < NT; k++) PetscCall(VecDestroy(&vel[k]));
  }
  PetscCall(HcTermAdvDiffSetVelocityLearn(*term, PETSC_TRUE, 0.3));
  PetscCall(HcTermSetUp(*term));
  PetscCall(HcTermGetNumParameters(*term, &np));
  PetscCall(HcTermGetParameters(*term, &th));
  PetscCall(PetscMalloc1(np, &theta));
  for (PetscInt q = 0; q < np; q++) theta[q] = th[q];
  off = np - 2 * NX * NY;
  if (!series) {
    theta[off - 2] = 0.9;
    theta[off - 1] = 0.7;
  }
  for (PetscInt k = 0; k < 2; k++)
    for (PetscInt j = 0; j < NY; j++)
      for (PetscInt i = 0; i < NX; i++) theta[off + (k * NY + j) * NX + i] = Correction(k, j, i, amp);
  PetscCall(HcTermSetParameters(*term, theta));
  PetscCall(PetscFree(theta));
  PetscFunctionReturn(0);
}

/* The products of the term alone; with check, the dot-product and finite-difference tests.  res->g: (dF/dtheta)^T w */
static PetscErrorCode ProductsCase(MPI_Comm comm, HcAdvectionScheme scheme, PetscBool land, PetscBool series, PetscBool check,
                                   Result *res)
{
  HcGrid          grid;
  HcTerm          term;
  Vec             u, v, w;
  PetscInt        np, nc;
  PetscReal      *dth;
  const PetscReal t = 7.6;
  const char     *name;

  PetscFunctionBeginUser;
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, NX, NY, 2, PETSC_TRUE, !land, &grid));
  if (land) PetscCall(HcTestSetIrregularMask(grid, 21, 0.12));
  PetscCall(CreateTerm(grid, scheme, series, 7.25, 0.1, 0.15, &term));
  PetscCall(HcTermGetNumParameters(term, &np));
  PetscCall(HcGridGetNumFields(grid, &nc));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(HcTestSmoothField(grid, 31, u));
  PetscCall(HcTestRandomField(grid, 32, 1, v));
  PetscCall(HcTestRandomField(grid, 33, 1, w));
  PetscCall(PetscMalloc1(np, &dth));
  for (PetscInt q = 0; q < np; q++) dth[q] = 0.5 * (HcTestHash(5, q, 0, 0) - 0.5); /* every parameter moves */
  if (check) {
    PetscCall(HcTestCheck(comm, np == nc + (series ? 0 : 2) + 2 * NX * NY,
                          "%" PetscInt_FMT " parameters: log K per field, %s, 2 per cell", np,
                          series ? "no constant pair (the velocity is data)" : "the constant pair"));
    PetscCall(HcTermGetParameterName(term, np - 2 * NX * NY + NX * NY + 3 * NX + 5, &name));
    PetscCall(HcTestCheck(comm, !strcmp(name, "velocity_correction_y[3,5]"), "parameter names per cell: %s", name));
    PetscCall(HcTestTermProducts(term, t, u, v, w, dth, 1e-4, 1e-5));
  }
  PetscCall(HcTermLinearize(term, t, u));
  for (PetscInt q = 0; q < np; q++) res->g[q] = 0;
  PetscCall(HcTermApplyParameterJacobianTranspose(term, w, res->g));
  res->np = np;
  PetscCall(PetscFree(dth));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&w));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

/* misfit + penalty at the model's parameters (a forward run) */
static PetscErrorCode TotalLoss(HcModel model, HcTestMisfit *mf, Vec u0, PetscReal *L)
{
  PetscFunctionBeginUser;
  PetscCall(HcModelComputeGradient(model, NOBS, mf->times, u0, HcTestMisfitFn, mf, L, NULL, NULL));
  PetscCall(HcModelAddRegularization(model, L, NULL));
  PetscFunctionReturn(0);
}

/* The whole-window gradient of misfit + penalty; with check, against central differences, and the penalty's gradient
   against finite differences along a random direction */
static PetscErrorCode WindowCase(MPI_Comm comm, HcAdvectionScheme scheme, PetscBool land, PetscBool series, PetscBool check,
                                 Result *res)
{
  HcGrid          grid;
  HcTerm          term;
  HcModel         model;
  HcTestMisfit    mf;
  Vec             u0, p, p0, gp;
  PetscReal       L, dt, R0 = 0, *gR, *th, *dir, Rp = 0, Rm = 0, gd = 0, hd = 1e-3;
  PetscInt        np, off;
  const PetscReal t0 = 7.25, tobs = 0.1;

  PetscFunctionBeginUser;
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, NX, NY, 2, PETSC_TRUE, !land, &grid));
  if (land) PetscCall(HcTestSetIrregularMask(grid, 21, 0.12));
  PetscCall(CreateTerm(grid, scheme, series, t0, tobs, 0.15, &term));
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelAddTerm(model, term));
  PetscCall(HcModelSetObservationInterval(model, tobs));
  PetscCall(HcModelSetFromOptions(model));
  PetscCall(HcModelSetUp(model));
  PetscCall(HcModelGetTimeStep(model, &dt, NULL));
  PetscCall(HcModelSetTimeStep(model, dt)); /* finite differences must not change the number of steps */
  PetscCall(HcGridCreateGlobalVector(grid, &u0));
  PetscCall(HcTestSmoothField(grid, 31, u0));
  for (int k = 0; k <= NOBS; k++) mf.times[k] = t0 + tobs * (k + 0.37 * (k % 2));
  PetscCall(HcTestMisfitSetUp(&mf, grid, NOBS, 40));
  PetscCall(HcModelGetNumParameters(model, &np));
  off = np - 2 * NX * NY;
  PetscCall(HcModelCreateParameterVector(model, &p));
  PetscCall(VecDuplicate(p, &p0));
  PetscCall(VecDuplicate(p, &gp));
  PetscCall(HcModelGetParameters(model, p0));
  PetscCall(HcModelComputeGradient(model, NOBS, mf.times, u0, HcTestMisfitFn, &mf, &L, gp, NULL));
  PetscCall(PetscCalloc3(np, &gR, np, &th, np, &dir));
  PetscCall(HcModelAddRegularization(model, &R0, gR));
  res->np = np;
  res->L  = L;
  res->R  = R0;
  for (PetscInt k = 0; k < np; k++) {
    PetscCall(HcTestGetParameter(gp, k, &res->g[k]));
    res->g[k] += gR[k];
  }
  if (check) {
    const PetscInt cells[4][2] = {{2, 3}, {9, 17}, {NY - 1, NX - 1}, {0, 0}};

    PetscCall(PetscPrintf(comm, "  misfit %.10e  penalty %.10e (%" PetscInt_FMT " parameters)\n", (double)L, (double)R0, np));
    PetscCall(HcTestCheck(comm, R0 > 0, "the penalty of a rough correction is positive: %.3e", (double)R0));
    /* the penalty's gradient: R is quadratic, so central differences are exact up to round-off */
    for (PetscInt k = 0; k < np; k++) PetscCall(HcTestGetParameter(p0, k, &th[k]));
    for (PetscInt k = off; k < np; k++) dir[k] = HcTestHash(9, k, 0, 0) - 0.5;
    for (PetscInt k = 0; k < np; k++) gd += gR[k] * dir[k];
    for (PetscInt k = 0; k < np; k++) th[k] += hd * dir[k];
    PetscCall(HcTermSetParameters(term, th));
    PetscCall(HcModelAddRegularization(model, &Rp, NULL));
    for (PetscInt k = 0; k < np; k++) th[k] -= 2 * hd * dir[k];
    PetscCall(HcTermSetParameters(term, th));
    PetscCall(HcModelAddRegularization(model, &Rm, NULL));
    PetscCall(HcModelSetParameters(model, p0));
    PetscCall(HcTestCheck(comm, HcTestRelMismatch(gd, (Rp - Rm) / (2 * hd)) < 1e-8,
                          "penalty gradient . d = %.12e  central FD %.12e", (double)gd, (double)((Rp - Rm) / (2 * hd))));
    /* a constant correction costs nothing: the penalty sees differences only */
    for (PetscInt k = 0; k < np; k++) PetscCall(HcTestGetParameter(p0, k, &th[k]));
    for (PetscInt k = off; k < np; k++) th[k] = k < off + NX * NY ? 0.4 : -0.2;
    PetscCall(HcTermSetParameters(term, th));
    Rp = 0;
    PetscCall(HcModelAddRegularization(model, &Rp, NULL));
    PetscCall(HcModelSetParameters(model, p0));
    PetscCall(HcTestCheck(comm, Rp == 0, "the penalty of a constant correction is zero: %.3e", (double)Rp));

    /* the whole-window gradient of misfit + penalty */
    for (PetscInt q = 0; q < 1 + (series ? 0 : 1) + 8; q++) {
      const PetscInt k = q == 0                ? 0
                         : (!series && q == 1) ? off - 2
                                               : off + ((q % 2) * NY + cells[(q / 2) % 4][0]) * NX + cells[(q / 2) % 4][1];
      const char    *name;
      PetscReal      h, Lp, Lm, fd, rel, t0k;

      PetscCall(HcTestGetParameter(p0, k, &t0k));
      h = 1e-5 * PetscMax(1, PetscAbsReal(t0k));
      PetscCall(VecCopy(p0, p));
      PetscCall(HcTestSetParameter(model, p, k, t0k + h));
      PetscCall(TotalLoss(model, &mf, u0, &Lp));
      PetscCall(HcTestSetParameter(model, p, k, t0k - h));
      PetscCall(TotalLoss(model, &mf, u0, &Lm));
      PetscCall(HcModelSetParameters(model, p0));
      fd  = (Lp - Lm) / (2 * h);
      rel = PetscAbsReal(res->g[k] - fd) / PetscMax(PetscAbsReal(fd), 1e-300);
      PetscCall(HcTermGetParameterName(term, k, &name));
      PetscCall(HcTestCheck(comm, rel < 1e-6, "d(L+R)/d%-28s adjoint % .10e  central FD % .10e  rel %.1e", name,
                            (double)res->g[k], (double)fd, (double)rel));
    }
  }
  for (int k = 0; k < NOBS; k++) PetscCall(VecDestroy(&mf.target[k]));
  PetscCall(PetscFree3(gR, th, dir));
  PetscCall(VecDestroy(&u0));
  PetscCall(VecDestroy(&p));
  PetscCall(VecDestroy(&p0));
  PetscCall(VecDestroy(&gp));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

/* this run against every rank alone (the one-rank run) */
static PetscErrorCode Compare(MPI_Comm comm, const Result *par, const Result *ser, const char what[])
{
  PetscReal rel = PetscMax(HcTestRelMismatch(par->L, ser->L), HcTestRelMismatch(par->R, ser->R)), gmax = 0;

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < par->np; k++) gmax = PetscMax(gmax, PetscAbsReal(ser->g[k]));
  for (PetscInt k = 0; k < par->np; k++) rel = PetscMax(rel, PetscAbsReal(par->g[k] - ser->g[k]) / gmax);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &rel, 1, MPIU_REAL, MPIU_MAX, comm));
  PetscCall(HcTestCheck(comm, par->np == ser->np && rel < 1e-11, "%s equal a one-rank run's (max rel %.1e)", what, (double)rel));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(const char *label, HcAdvectionScheme scheme, PetscBool land, PetscBool series)
{
  MPI_Comm comm = PETSC_COMM_WORLD;
  Result  *par, *ser;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc2(1, &par, 1, &ser));
  PetscCall(PetscPrintf(comm, "%s\n", label));
  PetscCall(ProductsCase(comm, scheme, land, series, PETSC_TRUE, par));
  PetscCall(ProductsCase(PETSC_COMM_SELF, scheme, land, series, PETSC_FALSE, ser));
  PetscCall(Compare(comm, par, ser, "(dF/dtheta)^T w"));
  PetscCall(WindowCase(comm, scheme, land, series, PETSC_TRUE, par));
  PetscCall(WindowCase(PETSC_COMM_SELF, scheme, land, series, PETSC_FALSE, ser));
  PetscCall(Compare(comm, par, ser, "misfit, penalty and window gradient"));
  PetscCall(PetscFree2(par, ser));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(Run("centred, periodic, learned constant pair + correction", HC_ADVECTION_CENTERED, PETSC_FALSE, PETSC_FALSE));
  PetscCall(Run("centred, closed in y with land, data series + correction", HC_ADVECTION_CENTERED, PETSC_TRUE, PETSC_TRUE));
  PetscCall(Run("upwind1, closed in y with land, constant pair + correction (no sign change)", HC_ADVECTION_UPWIND1, PETSC_TRUE,
                PETSC_FALSE));
  PetscCall(Run("upwind2, periodic, data series + correction (no sign change)", HC_ADVECTION_UPWIND2, PETSC_FALSE, PETSC_TRUE));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
