/* HcGenerator: synthetic datasets from the model's own physics (advection-diffusion) plus a hidden reaction term, on
   several environments that differ in their coefficients, integrated on a fine grid and written there and as conservative
   r x r block averages, so that the truth exists at two resolutions (hycast generate). */
#include <string.h>
#include <hycast/private/sysimpl.h>

typedef struct {
  const char *fields[2];
  PetscInt    nf;
  PetscReal   box[4], K[2], vel[2], tobs;
  const char *equations;
} HcProblem;

/* Defaults per problem; -grid_*, -physics_*, -reaction_* and -model_obs_interval override them. */
static const HcProblem HcProblems[] = {
    {{"u", "v"},
     2,
     {-1, 1, -1, 1},
     {1e-3, 5e-3},
     {0.1, 0.05},
     0.1,
     "du/dt = -div(vel u) + div(K_u grad u) + u - u^3 - v - fhn_k;  dv/dt = -div(vel v) + div(K_v grad v) + fhn_eps (u - v)"},
    {{"u", "v"},
     2,
     {0, 64, 0, 64},
     {0.2097, 0.105},
     {0.05, 0.02},
     10,
     "du/dt = -div(vel u) + div(K_u grad u) - u v^2 + gs_feed (1 - u);  dv/dt = -div(vel v) + div(K_v grad v) + u v^2 - (gs_feed "
     "+ gs_kill) v"},
    {{"u", NULL},
     1,
     {-1, 1, -1, 1},
     {2e-3, 0},
     {0.2, 0.1},
     0.1,
     "du_c/dt = -div(vel u_c) + div(K_c grad u_c) + logistic_rate u_c (1 - u_c / logistic_capacity)"},
};

/* Uniform in [-1, 1) from integers: the same on every rank and for every grid. */
static PetscReal HcGenerateUniform(PetscInt seed, PetscInt a, PetscInt b, PetscInt c)
{
  unsigned long long z = 0x243F6A8885A308D3ULL ^ ((unsigned long long)seed * 0x9E3779B97F4A7C15ULL);

  z += (unsigned long long)(a + 1) * 0xD1B54A32D192ED03ULL + (unsigned long long)(b + 1) * 0xABCDEF0123456789ULL +
       (unsigned long long)(c + 1) * 0x8CB92BA72F3D8DD7ULL;
  z = (z ^ (z >> 31)) * 0x7FB5D329728EA185ULL;
  z = (z ^ (z >> 27)) * 0x81DADEF4BC2DD44DULL;
  z ^= z >> 33;
  return (PetscReal)(z >> 11) / 9007199254740992.0 * 2 - 1;
}

typedef struct {
  HcReactionType problem;
  PetscInt       seed, env, nc;
  PetscReal      x0, y0, lx, ly;
} HcInitial;

/* Smooth random states in the domain's own coordinates, so that they are the same function on any grid. */
static PetscErrorCode HcGenerateInitial(PetscReal x, PetscReal y, PetscReal v[], void *ctx)
{
  const HcInitial *ic = (const HcInitial *)ctx;
  const PetscReal  xi = (x - ic->x0) / ic->lx, eta = (y - ic->y0) / ic->ly;

  PetscFunctionBegin;
  if (ic->problem == HC_REACTION_GRAYSCOTT) { /* u = 1, v = 0 but for three seeds of v */
    PetscReal bump = 0;

    for (PetscInt b = 0; b < 3; b++) {
      const PetscReal cx = 0.5 + 0.3 * HcGenerateUniform(ic->seed, ic->env, b, 100),
                      cy = 0.5 + 0.3 * HcGenerateUniform(ic->seed, ic->env, b, 101);
      bump += PetscExpReal(-((xi - cx) * (xi - cx) + (eta - cy) * (eta - cy)) / (2 * 0.05 * 0.05));
    }
    bump = PetscMin(bump, 1);
    v[0] = 1 - 0.5 * bump;
    v[1] = 0.25 * bump;
    PetscFunctionReturn(0);
  }
  for (PetscInt c = 0; c < ic->nc; c++) {
    PetscReal s = 0;

    for (PetscInt kx = 0; kx <= 2; kx++)
      for (PetscInt ky = 0; ky <= 2; ky++) {
        const PetscReal amp = HcGenerateUniform(ic->seed, ic->env, 3 * kx + ky, 2 * c) / (1 + kx + ky);
        const PetscReal ph  = PETSC_PI * HcGenerateUniform(ic->seed, ic->env, 3 * kx + ky, 2 * c + 1);

        if (kx || ky) s += amp * PetscCosReal(2 * PETSC_PI * (kx * xi + ky * eta) + ph);
      }
    v[c] = ic->problem == HC_REACTION_LOGISTIC ? 0.3 + 0.15 * s : 0.5 * s;
  }
  PetscFunctionReturn(0);
}

/* Land cells (-grid_land_boxes) hold 0 like the reader's states. */
static PetscErrorCode HcGenerateZeroLand(HcGrid grid, Vec u)
{
  DM                  da, da1;
  Vec                 mask;
  PetscScalar      ***a;
  const PetscScalar **m;
  PetscInt            xs, ys, xm, ym, nc;

  PetscFunctionBegin;
  PetscCall(HcGridGetDM(grid, &da));
  PetscCall(HcGridGetScalarDM(grid, &da1));
  PetscCall(HcGridGetMask(grid, &mask));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(HcGridGetNumFields(grid, &nc));
  PetscCall(DMDAVecGetArrayDOF(da, u, &a));
  PetscCall(DMDAVecGetArrayRead(da1, mask, &m));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++)
      if (m[j][i] == 0)
        for (PetscInt c = 0; c < nc; c++) a[j][i][c] = 0;
  PetscCall(DMDAVecRestoreArrayRead(da1, mask, &m));
  PetscCall(DMDAVecRestoreArrayDOF(da, u, &a));
  PetscFunctionReturn(0);
}

/* The environment's coefficients: relative spread for diffusivities (learned as log K) and reaction parameters,
   absolute spread for velocities. */
static PetscReal HcGenerateCoefficient(const char name[], PetscReal base, PetscReal xi, PetscReal spread, PetscReal vspread)
{
  if (!strncmp(name, "velocity", 8)) return base + vspread * xi;
  if (!strncmp(name, "log_", 4)) return base + PetscLogReal(1 + spread * xi);
  return base * (1 + spread * xi);
}

static const char HcNoHidden[] = "du_c/dt = -div(vel u_c) + div(K_c grad u_c)  (no hidden term)";

static PetscErrorCode HcGenerateWriter(HcGrid grid, const char path[], PetscInt nenv, const char resolution[],
                                       HcReactionType problem, PetscBool hidden, PetscInt seed, PetscInt np, char **pnames,
                                       const PetscReal *truth, const char history[], HcWriter *w)
{
  PetscInt nc;

  PetscFunctionBegin;
  PetscCall(HcWriterCreate(grid, path, w));
  PetscCall(HcWriterSetFromOptions(*w));
  PetscCall(HcWriterSetNumEnvironments(*w, nenv));
  PetscCall(HcGridGetNumFields(grid, &nc));
  for (PetscInt c = 0; c < nc; c++) {
    const char *name;
    char        ln[256];

    PetscCall(HcGridGetFieldName(grid, c, &name));
    PetscCall(PetscSNPrintf(ln, sizeof(ln), "%s (synthetic, %s problem)", name, HcReactionTypes[problem]));
    PetscCall(HcWriterSetFieldAttributes(*w, c, "1", ln, NULL));
  }
  if (history) PetscCall(HcWriterSetHistory(*w, history));
  PetscCall(HcWriterSetAttributeText(*w, "title", "hycast synthetic dataset: known advection-diffusion plus a hidden reaction"));
  PetscCall(HcWriterSetAttributeText(*w, "hycast_problem", HcReactionTypes[problem]));
  PetscCall(HcWriterSetAttributeText(*w, "hycast_equations", hidden ? HcProblems[problem].equations : HcNoHidden));
  PetscCall(HcWriterSetAttributeText(*w, "hycast_resolution", resolution));
  PetscCall(HcWriterSetAttributeText(*w, "hycast_true_coefficients",
                                     "attributes true_<term>_<parameter>: one value per environment, as the model's parameters "
                                     "(physics: log diffusivities and velocity; reaction: its law's parameters)"));
  {
    const PetscReal s = (PetscReal)seed;
    PetscCall(HcWriterSetAttributeReals(*w, "hycast_seed", 1, &s));
  }
  for (PetscInt p = 0; p < np; p++) {
    PetscReal *v;
    char       name[256];

    PetscCall(PetscMalloc1(nenv, &v));
    for (PetscInt e = 0; e < nenv; e++) v[e] = truth[e * np + p];
    PetscCall(PetscSNPrintf(name, sizeof(name), "true_%s", pnames[p]));
    PetscCall(HcWriterSetAttributeReals(*w, name, nenv, v));
    if (strstr(pnames[p], "_log_diffusivity_")) { /* and the diffusivity itself */
      for (PetscInt e = 0; e < nenv; e++) v[e] = PetscExpReal(v[e]);
      PetscCall(PetscSNPrintf(name, sizeof(name), "true_physics_diffusivity_%s", strstr(pnames[p], "_log_diffusivity_") + 17));
      PetscCall(HcWriterSetAttributeReals(*w, name, nenv, v));
    }
    PetscCall(PetscFree(v));
  }
  PetscCall(HcWriterSetUp(*w));
  PetscFunctionReturn(0);
}

struct _p_HcGenerator {
  MPI_Comm       comm;
  HcReactionType problem;
  PetscInt       nenv, steps, r, seed;
  PetscReal      spread, vspread;
  PetscBool      withhidden, setupcalled;
  char           out[PETSC_MAX_PATH_LEN], fine[PETSC_MAX_PATH_LEN], *history;

  HcGrid     grid, coarse; /* coarse: NULL when r = 1 */
  HcModel    model;
  HcTerm     phys, hidden;
  HcWriter   wfine, wcoarse;
  PetscInt   np, nc, nx, ny;
  PetscReal *truth;  /* [env][parameter]: every environment's coefficients */
  char     **pnames; /* <term>_<parameter> */
};

PetscErrorCode HcGeneratorCreate(MPI_Comm comm, HcGenerator *gen)
{
  HcGenerator g;

  PetscFunctionBegin;
  PetscCall(HcInitializePackage());
  PetscCall(PetscNew(&g));
  g->comm       = comm;
  g->problem    = HC_REACTION_FHN;
  g->nenv       = 4;
  g->steps      = 20;
  g->r          = 2;
  g->seed       = 1;
  g->spread     = 0.25;
  g->vspread    = -1;
  g->withhidden = PETSC_TRUE;
  *gen          = g;
  PetscFunctionReturn(0);
}

/*@C
  HcGeneratorSetFromOptions - the problem (-generate_problem: its defaults), environments, observation intervals, the
  coarsening factor, seed and spreads of the coefficients.
@*/
PetscErrorCode HcGeneratorSetFromOptions(HcGenerator g)
{
  MPI_Comm comm = g->comm;

  PetscFunctionBegin;
  PetscCheck(!g->setupcalled, comm, PETSC_ERR_ORDER, "HcGeneratorSetFromOptions: call before HcGeneratorSetUp()");
  PetscOptionsBegin(comm, NULL, "Synthetic multi-environment datasets (HcGenerator: known physics + hidden reaction)",
                    "HcGenerator");
  PetscCall(PetscOptionsEnum("-generate_problem",
                             "Hidden reaction and its problem's defaults: fhn (FitzHugh-Nagumo), grayscott, logistic", "",
                             HcReactionTypes, (PetscEnum)g->problem, (PetscEnum *)&g->problem, NULL));
  PetscCall(PetscOptionsInt("-generate_envs", "Number of environments", "", g->nenv, &g->nenv, NULL));
  PetscCall(PetscOptionsBool(
      "-generate_hidden", "Include the hidden reaction (false: the known physics alone, e.g. to test parameter identification)",
      "", g->withhidden, &g->withhidden, NULL));
  PetscCall(PetscOptionsInt("-generate_steps", "Observation intervals after the initial state", "", g->steps, &g->steps, NULL));
  PetscCall(PetscOptionsInt("-generate_coarsen",
                            "Coarsening factor r: the coarse data averages r x r fine cells (1: fine data only)", "", g->r, &g->r,
                            NULL));
  PetscCall(PetscOptionsInt("-generate_seed", "Seed of the coefficients and initial states", "", g->seed, &g->seed, NULL));
  PetscCall(PetscOptionsReal("-generate_spread",
                             "Relative spread s of diffusivities and reaction parameters: base * (1 + s U(-1,1))", "", g->spread,
                             &g->spread, NULL));
  PetscCall(PetscOptionsReal("-generate_velocity_spread",
                             "Absolute spread of each velocity component (default: half the largest base component)", "",
                             g->vspread, &g->vspread, NULL));
  PetscOptionsEnd();
  PetscCheck(g->nenv >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-generate_envs must be >= 1, got %" PetscInt_FMT, g->nenv);
  PetscCheck(g->steps >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-generate_steps must be >= 1, got %" PetscInt_FMT, g->steps);
  PetscCheck(g->r >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-generate_coarsen must be >= 1, got %" PetscInt_FMT, g->r);
  PetscCheck(g->spread >= 0 && g->spread < 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-generate_spread must be in [0, 1), got %g",
             (double)g->spread);
  PetscFunctionReturn(0);
}

/*@C
  HcGeneratorSetOutput - the file of the data (NetCDF): with coarsening the coarse data, the fine data going to NAME-fine.nc
  next to it; history: the files' history attribute (may be NULL).
@*/
PetscErrorCode HcGeneratorSetOutput(HcGenerator g, const char path[], const char history[])
{
  PetscFunctionBegin;
  PetscCheck(!g->setupcalled, g->comm, PETSC_ERR_ORDER, "HcGeneratorSetOutput: call before HcGeneratorSetUp()");
  PetscCall(PetscStrncpy(g->out, path, sizeof(g->out)));
  PetscCall(PetscFree(g->history));
  if (history) PetscCall(PetscStrallocpy(history, &g->history));
  PetscFunctionReturn(0);
}

/*@C
  HcGeneratorSetUp - the fine grid (the problem's box, periodic, 64 x 64 unless -grid_* say otherwise) and the coarse one,
  the model (advection-diffusion plus the hidden reaction; -physics_*, -reaction_*, -model_* options), every
  environment's coefficients, and the files, created now so that an unwritable place fails before the integration.
@*/
PetscErrorCode HcGeneratorSetUp(HcGenerator g)
{
  MPI_Comm         comm = g->comm;
  const HcProblem *pd   = &HcProblems[g->problem];
  PetscReal        K[16];
  PetscInt         nterms;

  PetscFunctionBegin;
  if (g->setupcalled) PetscFunctionReturn(0);
  PetscCheck(g->out[0], comm, PETSC_ERR_ORDER, "HcGenerator: give the output file (HcGeneratorSetOutput()) first");
  /* the fine grid and the model: advection-diffusion (known) plus the reaction (hidden) */
  PetscCall(HcGridCreate(comm, &g->grid));
  PetscCall(HcGridSetSizes(g->grid, 64, 64));
  PetscCall(HcGridSetDomain(g->grid, pd->box[0], pd->box[1], pd->box[2], pd->box[3]));
  PetscCall(HcGridSetPeriodic(g->grid, PETSC_TRUE, PETSC_TRUE));
  PetscCall(HcGridSetFields(g->grid, pd->nf, pd->fields));
  PetscCall(HcGridSetFromOptions(g->grid));
  PetscCall(HcGridSetUp(g->grid));
  PetscCall(HcGridGetNumFields(g->grid, &g->nc));
  PetscCall(HcGridGetSizes(g->grid, &g->nx, &g->ny));
  if (g->r > 1) PetscCall(HcGridCreateCoarse(g->grid, g->r, &g->coarse));
  PetscCall(HcModelCreate(g->grid, &g->model));
  PetscCall(HcTermCreate(g->grid, &g->phys));
  PetscCall(HcTermSetType(g->phys, HCTERMADVDIFF));
  for (PetscInt c = 0; c < g->nc && c < 16; c++) K[c] = pd->K[PetscMin(c, pd->nf - 1)];
  PetscCall(HcTermAdvDiffSetDiffusivity(g->phys, K));
  PetscCall(HcTermAdvDiffSetVelocity(g->phys, pd->vel[0], pd->vel[1]));
  PetscCall(HcTermCreate(g->grid, &g->hidden));
  PetscCall(HcTermSetType(g->hidden, HCTERMREACTION));
  PetscCall(HcTermReactionSetType(g->hidden, g->problem));
  PetscCall(HcModelAddTerm(g->model, g->phys));
  if (g->withhidden) PetscCall(HcModelAddTerm(g->model, g->hidden));
  PetscCall(HcModelSetObservationInterval(g->model, pd->tobs));
  PetscCall(HcModelSetFromOptions(g->model));
  {
    HcReactionType law;

    PetscCall(HcTermReactionGetType(g->hidden, &law));
    PetscCheck(law == g->problem, comm, PETSC_ERR_ARG_INCOMP,
               "-reaction_type %s differs from the problem %s: choose the hidden reaction with -generate_problem %s, which also "
               "sets its "
               "defaults",
               HcReactionTypes[law], HcReactionTypes[g->problem], HcReactionTypes[law]);
  }
  PetscCall(HcModelSetUp(g->model));

  /* every environment's coefficients, drawn before anything is integrated (they go into the files' attributes) */
  PetscCall(HcModelGetNumParameters(g->model, &g->np));
  PetscCall(HcModelGetNumTerms(g->model, &nterms));
  PetscCall(PetscMalloc2(g->nenv * g->np, &g->truth, g->np, &g->pnames));
  if (g->vspread < 0) {
    const PetscReal *th;
    PetscInt         n;

    PetscCall(HcTermGetNumParameters(g->phys, &n));
    PetscCall(HcTermGetParameters(g->phys, &th));
    g->vspread = 0.5 * PetscMax(PetscAbsReal(th[n - 2]), PetscAbsReal(th[n - 1]));
  }
  for (PetscInt k = 0, at = 0; k < nterms; k++) {
    HcTerm           t;
    const char      *tname, *pname;
    const PetscReal *th;
    PetscInt         n;
    char             full[256];

    PetscCall(HcModelGetTermByIndex(g->model, k, &t));
    PetscCall(HcTermGetName(t, &tname));
    PetscCall(HcTermGetNumParameters(t, &n));
    PetscCall(HcTermGetParameters(t, &th));
    for (PetscInt i = 0; i < n; i++, at++) {
      PetscCall(HcTermGetParameterName(t, i, &pname));
      /* the truth is known physics: a correction per cell has no value to draw (training finds it) */
      PetscCheck(strncmp(pname, "velocity_correction", 19), g->comm, PETSC_ERR_ARG_INCOMP,
                 "generate: term '%s' learns a velocity correction (-physics_velocity_learn field), which has no true "
                 "value to generate data from; give the true velocity with -physics_velocity",
                 tname);
      PetscCall(PetscSNPrintf(full, sizeof(full), "%s_%s", tname, pname));
      PetscCall(PetscStrallocpy(full, &g->pnames[at]));
      for (PetscInt e = 0; e < g->nenv; e++)
        g->truth[e * g->np + at] =
            HcGenerateCoefficient(pname, th[i], HcGenerateUniform(g->seed, e, at, 7), g->spread, g->vspread);
    }
  }

  /* the files, created now so that an unwritable place fails before the integration */
  PetscCall(PetscStrncpy(g->fine, g->out, sizeof(g->fine)));
  if (g->coarse) {
    size_t len;
    char   res[256];

    PetscCall(PetscStrlen(g->out, &len));
    if (len > 3 && !strcmp(g->out + len - 3, ".nc")) g->fine[len - 3] = 0;
    PetscCall(PetscStrlcat(g->fine, "-fine.nc", sizeof(g->fine)));
    PetscCall(PetscSNPrintf(res, sizeof(res),
                            "coarse: %" PetscInt_FMT " x %" PetscInt_FMT " cells, area-weighted averages of %" PetscInt_FMT
                            " x %" PetscInt_FMT " blocks of %s",
                            g->nx / g->r, g->ny / g->r, g->r, g->r, g->fine));
    PetscCall(HcGenerateWriter(g->coarse, g->out, g->nenv, res, g->problem, g->withhidden, g->seed, g->np, g->pnames, g->truth,
                               g->history, &g->wcoarse));
  }
  {
    char res[256];

    PetscCall(PetscSNPrintf(res, sizeof(res),
                            "fine: %" PetscInt_FMT " x %" PetscInt_FMT " cells, the grid the data was integrated on", g->nx,
                            g->ny));
    PetscCall(HcGenerateWriter(g->grid, g->fine, g->nenv, res, g->problem, g->withhidden, g->seed, g->np, g->pnames, g->truth,
                               g->history, &g->wfine));
  }
  g->setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  HcGeneratorView - the problem, its size and its equations.
@*/
PetscErrorCode HcGeneratorView(HcGenerator g, PetscViewer viewer)
{
  PetscBool isascii;

  PetscFunctionBegin;
  PetscCheck(g->setupcalled, g->comm, PETSC_ERR_ORDER, "HcGenerator: call HcGeneratorSetUp() first");
  if (!viewer) viewer = PETSC_VIEWER_STDOUT_(g->comm);
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &isascii));
  if (!isascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "hycast generate: %s problem, %" PetscInt_FMT " environment(s), %" PetscInt_FMT
                                   " x %" PetscInt_FMT " cells%s, %" PetscInt_FMT " observation interval(s)\n",
                                   HcReactionTypes[g->problem], g->nenv, g->nx, g->ny, g->coarse ? " (and coarsened)" : "",
                                   g->steps));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  %s\n", g->withhidden ? HcProblems[g->problem].equations : HcNoHidden));
  PetscFunctionReturn(0);
}

/*@C
  HcGeneratorGenerate - integrate every environment from its smooth random initial state (the same function on any grid)
  with its coefficients, write the fine and the coarse states, and name the files when both are complete (a failure
  leaves neither, nor replaces an older one).  A line per environment.
@*/
PetscErrorCode HcGeneratorGenerate(HcGenerator g)
{
  MPI_Comm         comm = g->comm;
  const PetscInt   nx = g->nx, ny = g->ny, nenv = g->nenv, np = g->np, steps = g->steps;
  PetscReal       *times;
  const PetscReal *xc, *yc;
  HcInitial        ic;
  Vec              u, uc = NULL, p, *states;
  PetscLogDouble   t0, t1;

  PetscFunctionBegin;
  PetscCheck(g->setupcalled, comm, PETSC_ERR_ORDER, "HcGenerator: call HcGeneratorSetUp() first");
  PetscCall(HcGridGetCoordinates(g->grid, &xc, &yc));
  ic.problem = g->problem;
  ic.seed    = g->seed;
  ic.nc      = g->nc;
  ic.x0      = 1.5 * xc[0] - 0.5 * xc[1];
  ic.y0      = 1.5 * yc[0] - 0.5 * yc[1];
  ic.lx      = (xc[nx - 1] - xc[0]) * nx / (nx - 1);
  ic.ly      = (yc[ny - 1] - yc[0]) * ny / (ny - 1);
  if (g->coarse) PetscCall(HcGridCreateGlobalVector(g->coarse, &uc));
  PetscCall(HcModelCreateParameterVector(g->model, &p));
  PetscCall(HcGridCreateGlobalVector(g->grid, &u));
  PetscCall(VecDuplicateVecs(u, steps, &states));
  PetscCall(PetscMalloc1(steps + 1, &times));
  {
    PetscReal tobs;

    PetscCall(HcModelGetObservationInterval(g->model, &tobs));
    for (PetscInt k = 0; k <= steps; k++) times[k] = k * tobs;
  }
  for (PetscInt e = 0; e < nenv; e++) {
    PetscScalar *a;
    PetscInt     n, nsub;
    PetscReal    umax, dt;
    char         line[1024] = "";

    PetscCall(PetscTime(&t0));
    PetscCall(VecGetLocalSize(p, &n));
    PetscCall(VecGetArray(p, &a));
    for (PetscInt i = 0; i < n; i++) a[i] = g->truth[e * np + i];
    PetscCall(VecRestoreArray(p, &a));
    PetscCall(HcModelSetParameters(g->model, p));
    ic.env = e;
    PetscCall(HcGridEvaluate(g->grid, HcGenerateInitial, &ic, u));
    PetscCall(HcGenerateZeroLand(g->grid, u));
    PetscCall(HcWriterWrite(g->wfine, e, 0, times[0], u));
    if (g->coarse) {
      PetscCall(HcGridCoarsenVector(g->grid, g->coarse, u, uc));
      PetscCall(HcWriterWrite(g->wcoarse, e, 0, times[0], uc));
    }
    PetscCall(HcModelSolve(g->model, steps, times, u, states));
    for (PetscInt k = 1; k <= steps; k++) {
      PetscCall(HcWriterWrite(g->wfine, e, k, times[k], states[k - 1]));
      if (g->coarse) {
        PetscCall(HcGridCoarsenVector(g->grid, g->coarse, states[k - 1], uc));
        PetscCall(HcWriterWrite(g->wcoarse, e, k, times[k], uc));
      }
    }
    PetscCall(VecNorm(u, NORM_INFINITY, &umax));
    PetscCall(HcModelGetTimeStep(g->model, &dt, &nsub));
    for (PetscInt i = 0; i < np; i++) {
      char item[128];

      PetscCall(PetscSNPrintf(item, sizeof(item), "%s%s = %.4g", i ? ", " : "", g->pnames[i], (double)g->truth[e * np + i]));
      PetscCall(PetscStrlcat(line, item, sizeof(line)));
    }
    PetscCall(PetscTime(&t1));
    PetscCall(PetscPrintf(comm,
                          "env %" PetscInt_FMT "/%" PetscInt_FMT ": %s\n    %" PetscInt_FMT " intervals of %" PetscInt_FMT
                          " RK step(s), final max |u| %.4g, %.2f s\n",
                          e + 1, nenv, line, steps, nsub, (double)umax, (double)(t1 - t0)));
  }
  /* both files complete before either gets its name: a failure leaves neither (nor replaces an older one) */
  PetscCall(HcWriterFinish(g->wfine));
  if (g->wcoarse) PetscCall(HcWriterFinish(g->wcoarse));
  PetscCall(HcWriterClose(g->wfine));
  if (g->wcoarse) PetscCall(HcWriterClose(g->wcoarse));
  if (g->coarse)
    PetscCall(PetscPrintf(
        comm, "wrote %s (fine, %" PetscInt_FMT " x %" PetscInt_FMT ") and %s (coarse, %" PetscInt_FMT " x %" PetscInt_FMT ")\n",
        g->fine, nx, ny, g->out, nx / g->r, ny / g->r));
  else
    PetscCall(PetscPrintf(comm, "wrote %s (fine, %" PetscInt_FMT " x %" PetscInt_FMT ")\n", g->fine, nx, ny));
  PetscCall(PetscFree(times));
  PetscCall(VecDestroyVecs(steps, &states));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&uc));
  PetscCall(VecDestroy(&p));
  PetscFunctionReturn(0);
}

PetscErrorCode HcGeneratorDestroy(HcGenerator *gen)
{
  HcGenerator g;

  PetscFunctionBegin;
  if (!gen || !*gen) PetscFunctionReturn(0);
  g    = *gen;
  *gen = NULL;
  for (PetscInt i = 0; g->pnames && i < g->np; i++) PetscCall(PetscFree(g->pnames[i]));
  PetscCall(PetscFree2(g->truth, g->pnames));
  PetscCall(PetscFree(g->history));
  PetscCall(HcWriterDestroy(&g->wfine));
  PetscCall(HcWriterDestroy(&g->wcoarse));
  PetscCall(HcTermDestroy(&g->phys));
  PetscCall(HcTermDestroy(&g->hidden));
  PetscCall(HcModelDestroy(&g->model));
  PetscCall(HcGridDestroy(&g->coarse));
  PetscCall(HcGridDestroy(&g->grid));
  PetscCall(PetscFree(g));
  PetscFunctionReturn(0);
}
