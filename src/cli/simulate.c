/* hycast simulate: the known physics alone, from an analytic initial state, with a conservation report. */
#include "commands.h"

typedef struct {
  PetscReal x0, y0, width, amp;
} HcBlob;

static PetscErrorCode HcBlobEvaluate(PetscReal x, PetscReal y, PetscReal v[], void *ctx)
{
  const HcBlob *b  = (const HcBlob *)ctx;
  PetscReal     r2 = ((x - b->x0) * (x - b->x0) + (y - b->y0) * (y - b->y0)) / (b->width * b->width);

  PetscFunctionBegin;
  for (int c = 0; c < 16; c++) v[c] = b->amp * PetscExpReal(-0.5 * r2) / (1 + c);
  PetscFunctionReturn(0);
}

PetscErrorCode HcCommandSimulate(MPI_Comm comm)
{
  HcGrid           grid;
  HcModel          model;
  Vec              u;
  HcBlob           blob;
  PetscInt         nobs = 10, nc, xn, yn;
  PetscReal        c[2], tot0[16], tot[16], umin, umax, dt, tobs, t0, t1;
  PetscInt         nsub, n = 2, env = 0, nenv;
  const PetscReal *xc, *yc;

  PetscFunctionBegin;
  PetscCall(HcGridCreate(comm, &grid));
  PetscCall(HcGridSetFromOptions(grid));
  PetscCall(HcGridSetUp(grid));
  PetscCall(HcGridGetCoordinates(grid, &xc, &yc));
  PetscCall(HcGridGetSizes(grid, &xn, &yn));
  PetscCall(HcGridGetNumFields(grid, &nc));
  c[0]       = 0.5 * (xc[0] + xc[xn - 1]);
  c[1]       = 0.5 * (yc[0] + yc[yn - 1]);
  blob.width = 0.1 * PetscMin(xc[xn - 1] - xc[0], yc[yn - 1] - yc[0]);
  blob.amp   = 1;
  PetscOptionsBegin(comm, NULL, "hycast simulate: physics-only forward run", "simulate");
  PetscCall(PetscOptionsInt("-simulate_steps", "Number of observation intervals to integrate", "", nobs, &nobs, NULL));
  PetscCall(PetscOptionsRealArray("-simulate_blob_center", "Centre x,y of the initial Gaussian blob (coordinate units)", "", c,
                                  &n, NULL));
  PetscCall(PetscOptionsReal("-simulate_blob_width", "Standard deviation of the initial blob (coordinate units)", "", blob.width,
                             &blob.width, NULL));
  PetscCall(PetscOptionsReal("-simulate_blob_amplitude", "Peak value of the initial blob (field c gets amplitude / (c+1))", "",
                             blob.amp, &blob.amp, NULL));
  PetscCall(PetscOptionsInt("-simulate_env", "Environment the model runs as, when it has environment terms (-model_envs)",
                            "HcModelSetEnvironment", env, &env, NULL));
  PetscOptionsEnd();
  PetscCheck(nobs >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-simulate_steps must be >= 1, got %" PetscInt_FMT, nobs);
  PetscCheck(blob.width > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-simulate_blob_width must be positive, got %g", (double)blob.width);
  blob.x0 = c[0];
  blob.y0 = c[1];

  PetscCall(HcModelCreate(grid, &model));
  PetscCall(HcModelSetFromOptions(model));
  PetscCall(HcModelSetUp(model));
  PetscCall(HcCommandCheckOptions(comm));
  /* simulate steps by -model_obs_interval, its default too: the view reports that interval */
  PetscCall(HcModelGetObservationInterval(model, &tobs));
  PetscCall(HcModelSetObservationInterval(model, tobs));
  /* a model's environment terms act only in the environment it runs as: without this they would be set up and never run */
  PetscCall(HcModelGetNumEnvironments(model, &nenv));
  PetscCheck(env >= 0 && env < PetscMax(nenv, 1), comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-simulate_env %" PetscInt_FMT ": the model has %" PetscInt_FMT " environment(s) (-model_envs)", env, nenv);
  if (nenv) PetscCall(HcModelSetEnvironment(model, env));
  PetscCall(HcModelView(model, PETSC_VIEWER_STDOUT_(comm)));
  PetscCall(HcModelGetTimeStep(model, &dt, &nsub));
  tobs = dt * nsub;

  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(HcGridEvaluate(grid, HcBlobEvaluate, &blob, u));
  PetscCall(HcGridIntegrate(grid, u, tot0));
  PetscCall(PetscPrintf(comm, "%8s %12s %12s %12s %14s\n", "obs", "time", "min", "max", "total drift"));
  t0 = MPI_Wtime();
  for (PetscInt k = 1; k <= nobs; k++) {
    const PetscReal times[2] = {(k - 1) * tobs, k * tobs};
    PetscReal       drift    = 0;

    PetscCall(HcModelSolve(model, 1, times, u, NULL));
    PetscCall(VecMin(u, NULL, &umin));
    PetscCall(VecMax(u, NULL, &umax));
    PetscCall(HcGridIntegrate(grid, u, tot));
    for (PetscInt f = 0; f < nc; f++)
      drift = PetscMax(drift, PetscAbsReal(tot[f] - tot0[f]) / PetscMax(PetscAbsReal(tot0[f]), PETSC_SMALL));
    PetscCall(PetscPrintf(comm, "%8" PetscInt_FMT " %12.5g %12.5g %12.5g %14.3e\n", k, (double)(k * tobs), (double)umin,
                          (double)umax, (double)drift));
  }
  t1 = MPI_Wtime();
  PetscCall(PetscPrintf(
      comm, "%" PetscInt_FMT " observation intervals of %" PetscInt_FMT " RK steps in %.3f s (%.3g cell updates per second)\n",
      nobs, nsub, t1 - t0, (double)(nobs * nsub) * xn * yn / (t1 - t0)));
  PetscCall(VecViewFromOptions(u, NULL, "-simulate_final_view"));
  PetscCall(VecDestroy(&u));
  PetscCall(HcModelDestroy(&model));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}
