static const char help[] =
    "Advection-diffusion driven by a time-varying velocity series (forcing from data): F at a time between two of the\n"
    "series' times equals F with the velocity interpolated linearly in time; dot-product tests of J/J^T and of the\n"
    "parameter Jacobian and its transpose, central finite differences of J v and (dF/dtheta) dtheta at such a time,\n"
    "through the term and through the model; the forcing of each data environment is its own.\n";

#include "testutil.h"

#define NT 3

/* A term with the series vel[k] at times tv[k] for forcing key 0 and a reversed series for key 1. */
static PetscErrorCode CreateTerm(HcGrid grid, HcAdvectionScheme scheme, const PetscReal K[], const PetscReal tv[], Vec vel[],
                                 HcTerm *term)
{
  Vec rev[NT];

  PetscFunctionBeginUser;
  PetscCall(HcTermCreate(grid, term));
  PetscCall(HcTermSetType(*term, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetScheme(*term, scheme));
  PetscCall(HcTermAdvDiffSetDiffusivity(*term, K));
  PetscCall(HcTermAdvDiffSetVelocitySeries(*term, 0, NT, tv, vel));
  for (PetscInt k = 0; k < NT; k++) rev[k] = vel[NT - 1 - k];
  PetscCall(HcTermAdvDiffSetVelocitySeries(*term, 1, NT, tv, rev));
  PetscCall(HcTermSetUp(*term));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunCase(MPI_Comm comm, HcGridType type, PetscBool periodic, PetscBool land, HcAdvectionScheme scheme)
{
  HcGrid          grid;
  HcTerm          term, fixed;
  HcModel         model;
  Vec             u, v, w, f1, f2, pv, vel[NT], vmix;
  PetscInt        np, nc;
  PetscReal       dth[8], err, nrm;
  const PetscBool latlon = type == HC_GRID_LATLON;
  const PetscReal K[2]   = {latlon ? 4e4 : 0.02, latlon ? 1.5e4 : 0.007};
  /* uneven times, absolute (not from 0), as data times are; ts lies between the first two, not on a third of them */
  const PetscReal t0 = latlon ? 3.1e7 : 12.5, dt = latlon ? 86400 : 0.1, tv[NT] = {t0, t0 + dt, t0 + 2.7 * dt};
  const PetscReal ts = t0 + 0.37 * dt, wmix = 0.37;

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "%s %s, %s%s, velocity series of %d times\n", HcGridTypes[type], periodic ? "periodic" : "walls",
                        HcAdvectionSchemes[scheme], land ? ", land" : "", NT));
  PetscCall(HcTestCreateGrid(comm, type, 23, 17, 2, periodic, periodic && !latlon, &grid));
  if (land) PetscCall(HcTestSetIrregularMask(grid, 7, 0.12));
  for (PetscInt k = 0; k < NT; k++) {
    PetscCall(HcGridCreateVectorDof(grid, 2, &vel[k]));
    PetscCall(HcTestVelocityField(grid, latlon ? 0.4 : 0.8, 0.3 * k, vel[k]));
  }
  PetscCall(CreateTerm(grid, scheme, K, tv, vel, &term));
  PetscCall(HcTermGetNumParameters(term, &np));
  PetscCall(HcGridGetNumFields(grid, &nc));
  PetscCall(HcTestCheck(comm, np == nc, "the velocity is data: %" PetscInt_FMT " parameters (log K per field)", np));

  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(VecDuplicate(u, &f1));
  PetscCall(VecDuplicate(u, &f2));
  PetscCall(HcTestSmoothField(grid, 1, u));
  PetscCall(HcTestRandomField(grid, 2, 1, v));
  PetscCall(HcTestRandomField(grid, 3, 1, w));
  for (PetscInt k = 0; k < np; k++) dth[k] = HcTestHash(4, k, 0, 0);

  /* F at ts equals F of a fixed field (1 - w) vel[0] + w vel[1] */
  PetscCall(VecDuplicate(vel[0], &vmix));
  PetscCall(VecAXPBYPCZ(vmix, 1 - wmix, wmix, 0, vel[0], vel[1]));
  PetscCall(HcTermCreate(grid, &fixed));
  PetscCall(HcTermSetType(fixed, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetScheme(fixed, scheme));
  PetscCall(HcTermAdvDiffSetDiffusivity(fixed, K));
  PetscCall(HcTermAdvDiffSetVelocityField(fixed, vmix));
  PetscCall(HcTermSetUp(fixed));
  PetscCall(HcTermApply(term, ts, u, f1));
  PetscCall(HcTermApply(fixed, 0, u, f2));
  PetscCall(HcTermDestroy(&fixed));
  PetscCall(HcTestRelError(f1, f2, &err));
  PetscCall(HcTestCheck(comm, err < 1e-13, "F at a time between two of the series' times: the interpolated velocity's (rel %.1e)",
                        (double)err));
  /* at the last time of the series, its own velocity */
  PetscCall(HcTermCreate(grid, &fixed));
  PetscCall(HcTermSetType(fixed, HCTERMADVDIFF));
  PetscCall(HcTermAdvDiffSetScheme(fixed, scheme));
  PetscCall(HcTermAdvDiffSetDiffusivity(fixed, K));
  PetscCall(HcTermAdvDiffSetVelocityField(fixed, vel[NT - 1]));
  PetscCall(HcTermSetUp(fixed));
  PetscCall(HcTermApply(term, tv[NT - 1], u, f1));
  PetscCall(HcTermApply(fixed, 0, u, f2));
  PetscCall(HcTermDestroy(&fixed));
  PetscCall(HcTestRelError(f1, f2, &err));
  PetscCall(HcTestCheck(comm, err < 1e-13, "F at the series' last time: its velocity there (rel %.1e)", (double)err));

  /* forcing key 1 (reversed series): another F at ts; back to key 0: the same F as before */
  PetscCall(HcTermSetForcing(term, 1));
  PetscCall(HcTermApply(term, ts, u, f2));
  PetscCall(HcTermSetForcing(term, 0));
  PetscCall(HcTermApply(term, ts, u, f1));
  PetscCall(VecAXPY(f2, -1, f1));
  PetscCall(VecNorm(f2, NORM_INFINITY, &nrm));
  PetscCall(HcTestCheck(comm, nrm > 0, "each data environment has its own forcing (F differs by %.3g)", (double)nrm));

  /* dot tests and central differences at ts through the term's API */
  PetscCall(HcTestTermProducts(term, ts, u, v, w, dth, 1e-4, 1e-5));

  /* the same through the model, on the second environment's forcing */
  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelAddTerm(model, term));
  PetscCall(HcModelSetUp(model));
  PetscCall(HcModelSetForcing(model, 1));
  PetscCall(HcModelCreateParameterVector(model, &pv));
  PetscCall(HcTestRandomField(grid, 5, 1, v));
  PetscCall(HcTestFillParameters(pv, dth));
  PetscCall(HcTestModelProducts(model, ts, u, v, w, pv, 1e-4, 1e-5));
  PetscCall(HcModelApplyRHS(model, ts, u, f1));
  PetscCall(HcTermSetForcing(term, 1));
  PetscCall(HcTermApply(term, ts, u, f2));
  PetscCall(VecAXPY(f2, -1, f1));
  PetscCall(VecNorm(f2, NORM_INFINITY, &err));
  PetscCall(HcTestCheck(comm, err == 0, "the model's F on forcing 1 equals the term's (max diff %g)", (double)err));

  PetscCall(VecDestroy(&pv));
  PetscCall(HcModelDestroy(&model));
  PetscCall(VecDestroy(&vmix));
  for (PetscInt k = 0; k < NT; k++) PetscCall(VecDestroy(&vel[k]));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&f1));
  PetscCall(VecDestroy(&f2));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(RunCase(PETSC_COMM_WORLD, HC_GRID_CARTESIAN, PETSC_TRUE, PETSC_FALSE, HC_ADVECTION_UPWIND2));
  PetscCall(RunCase(PETSC_COMM_WORLD, HC_GRID_CARTESIAN, PETSC_FALSE, PETSC_TRUE, HC_ADVECTION_UPWIND1));
  PetscCall(RunCase(PETSC_COMM_WORLD, HC_GRID_CARTESIAN, PETSC_TRUE, PETSC_TRUE, HC_ADVECTION_CENTERED));
  PetscCall(RunCase(PETSC_COMM_WORLD, HC_GRID_LATLON, PETSC_FALSE, PETSC_TRUE, HC_ADVECTION_UPWIND2));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
