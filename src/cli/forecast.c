/* hycast forecast: a trained model (model file) run from an observed state, on the model's grid or on another one.

     hycast forecast -model M.nc -data INIT.nc -data_vars sst [-forecast_date 2019-01-01 | -forecast_start k]
                     [-grid grids/G.yaml -forecast_regrid bilinear|conservative] -forecast_steps N -o F.nc

   The initial state is read at a time index or date of the data; on another grid it is regridded (the land mask of
   that grid follows the data's).  The model is rebuilt on the target grid from its architecture, so the time step
   follows that grid's stability limit.  The output is CF NetCDF with the valid time of every step, its lead time and
   the forecast reference time; an ensemble of perturbed initial states goes along a "member" dimension. */
#include "commands.h"

/* Perturbations that depend only on (seed, member, cell, field), not on the decomposition: uniform in [-1, 1). */
static PetscReal HcForecastNoise(PetscInt seed, PetscInt member, PetscInt i, PetscInt j, PetscInt c)
{
  unsigned long long z =
      (unsigned long long)seed * 0x9E3779B97F4A7C15ULL ^ ((unsigned long long)(member + 1) * 0xBF58476D1CE4E5B9ULL);

  z += (unsigned long long)(i + 1) * 0x94D049BB133111EBULL + (unsigned long long)(j + 1) * 0xD6E8FEB86659FD93ULL +
       (unsigned long long)(c + 1) * 0xA0761D6478BD642FULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return (PetscReal)(z >> 11) / 9007199254740992.0 * 2 - 1;
}

/* u += amplitude * scale_c * noise on active cells (scale_c: the field's spread over the active cells). */
static PetscErrorCode HcForecastPerturb(HcGrid grid, PetscInt seed, PetscInt member, PetscReal amplitude, Vec u)
{
  DM                  da, da1;
  Vec                 mask;
  PetscScalar      ***a;
  const PetscScalar **m;
  PetscInt            xs, ys, xm, ym, nc, n;
  PetscReal           s1[32] = {0}, s2[32] = {0};

  PetscFunctionBegin;
  PetscCall(HcGridGetDM(grid, &da));
  PetscCall(HcGridGetScalarDM(grid, &da1));
  PetscCall(HcGridGetMask(grid, &mask));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(HcGridGetNumFields(grid, &nc));
  PetscCall(HcGridGetActiveCount(grid, &n));
  PetscCall(DMDAVecGetArrayDOF(da, u, &a));
  PetscCall(DMDAVecGetArrayRead(da1, mask, &m));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++)
      if (m[j][i] != 0)
        for (PetscInt c = 0; c < nc; c++) {
          s1[c] += PetscRealPart(a[j][i][c]);
          s2[c] += PetscRealPart(a[j][i][c]) * PetscRealPart(a[j][i][c]);
        }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, s1, 32, MPIU_REAL, MPI_SUM, PetscObjectComm((PetscObject)u)));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, s2, 32, MPIU_REAL, MPI_SUM, PetscObjectComm((PetscObject)u)));
  for (PetscInt j = ys; j < ys + ym; j++)
    for (PetscInt i = xs; i < xs + xm; i++)
      if (m[j][i] != 0)
        for (PetscInt c = 0; c < nc; c++) {
          const PetscReal mean = s1[c] / n, sd = PetscSqrtReal(PetscMax(s2[c] / n - mean * mean, 0));
          a[j][i][c] += amplitude * sd * HcForecastNoise(seed, member, i, j, c);
        }
  PetscCall(DMDAVecRestoreArrayRead(da1, mask, &m));
  PetscCall(DMDAVecRestoreArrayDOF(da, u, &a));
  PetscFunctionReturn(0);
}

/* The target grid must lie inside the domain the model was trained on (periodic directions excepted). */
static PetscErrorCode HcForecastCheckDomain(MPI_Comm comm, const char model[], HcGrid target)
{
  HcGrid           mg;
  const PetscReal *mx, *my, *tx, *ty;
  PetscInt         mnx, mny, tnx, tny;
  PetscBool        mpx, mpy;
  PetscReal        mb[4], tb[4], tol;

  PetscFunctionBegin;
  PetscCall(HcGridCreateFromModelFile(comm, model, &mg));
  PetscCall(HcGridGetCoordinates(mg, &mx, &my));
  PetscCall(HcGridGetCoordinates(target, &tx, &ty));
  PetscCall(HcGridGetSizes(mg, &mnx, &mny));
  PetscCall(HcGridGetSizes(target, &tnx, &tny));
  PetscCall(HcGridGetPeriodic(mg, &mpx, &mpy));
  mb[0] = 1.5 * mx[0] - 0.5 * mx[1];
  mb[1] = 1.5 * mx[mnx - 1] - 0.5 * mx[mnx - 2];
  mb[2] = 1.5 * my[0] - 0.5 * my[1];
  mb[3] = 1.5 * my[mny - 1] - 0.5 * my[mny - 2];
  tb[0] = tx[0];
  tb[1] = tx[tnx - 1];
  tb[2] = ty[0];
  tb[3] = ty[tny - 1];
  tol   = 1e-9 * PetscMax(mb[1] - mb[0], mb[3] - mb[2]);
  /* periodic directions: the target may sit anywhere, but no wider than one period */
  PetscCheck(!mpx || tb[1] - tb[0] <= mb[1] - mb[0] + tol, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-grid: the target grid spans %g in x, more than the model's periodic domain (%g, model file %s)",
             (double)(tb[1] - tb[0]), (double)(mb[1] - mb[0]), model);
  PetscCheck(!mpy || tb[3] - tb[2] <= mb[3] - mb[2] + tol, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-grid: the target grid spans %g in y, more than the model's periodic domain (%g, model file %s)",
             (double)(tb[3] - tb[2]), (double)(mb[3] - mb[2]), model);
  PetscCheck(mpx || (tb[0] >= mb[0] - tol && tb[1] <= mb[1] + tol), comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-grid: the target grid's x centres %g .. %g lie outside the model's domain %g .. %g (model file %s)", (double)tb[0],
             (double)tb[1], (double)mb[0], (double)mb[1], model);
  PetscCheck(mpy || (tb[2] >= mb[2] - tol && tb[3] <= mb[3] + tol), comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-grid: the target grid's y centres %g .. %g lie outside the model's domain %g .. %g (model file %s)", (double)tb[2],
             (double)tb[3], (double)mb[2], (double)mb[3], model);
  PetscCall(HcGridDestroy(&mg));
  PetscFunctionReturn(0);
}

/* The model's fields, by name, must be the data's. */
static PetscErrorCode HcForecastCheckFields(MPI_Comm comm, const char model[], HcGrid data)
{
  HcGrid   mg;
  PetscInt nm, nd;

  PetscFunctionBegin;
  PetscCall(HcGridCreateFromModelFile(comm, model, &mg));
  PetscCall(HcGridGetNumFields(mg, &nm));
  PetscCall(HcGridGetNumFields(data, &nd));
  PetscCheck(nm == nd, comm, PETSC_ERR_ARG_INCOMP,
             "model %s has %" PetscInt_FMT " field(s), the data %" PetscInt_FMT " (-data_vars)", model, nm, nd);
  for (PetscInt c = 0; c < nm; c++) {
    const char *a, *b;
    PetscBool   same;

    PetscCall(HcGridGetFieldName(mg, c, &a));
    PetscCall(HcGridGetFieldName(data, c, &b));
    PetscCall(PetscStrcmp(a, b, &same));
    PetscCheck(same, comm, PETSC_ERR_ARG_INCOMP,
               "model %s was trained on field '%s' where the data gives '%s' (field %" PetscInt_FMT
               "; use -data_vars in the model's order)",
               model, a, b, c);
  }
  PetscCall(HcGridDestroy(&mg));
  PetscFunctionReturn(0);
}

PetscErrorCode HcCommandForecast(MPI_Comm comm)
{
  char         model[PETSC_MAX_PATH_LEN] = "", data[PETSC_MAX_PATH_LEN] = "", gridfile[PETSC_MAX_PATH_LEN] = "", date[64] = "";
  char         out[PETSC_MAX_PATH_LEN] = "out/forecast.nc", *line;
  PetscInt     start = 0, steps = 10, members = 0, seed = 1, nt, env = -1;
  PetscReal    interval = 0, amplitude = 0.01, *times;
  HcRegridType rtype = HC_REGRID_BILINEAR;
  PetscBool    flg, outset, intervalset;
  HcReader     reader;
  HcGrid       dgrid, grid;
  HcModel      hm;
  HcWriter     w;
  Vec          u0, u, ud;
  const PetscReal *dt;
  const char      *units, *calendar;
  PetscMPIInt      rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscOptionsBegin(comm, NULL, "hycast forecast: run a trained model from an observed state", "forecast");
  PetscCall(PetscOptionsString("-model", "Model file (from hycast train)", "", model, model, sizeof(model), NULL));
  PetscCall(
      PetscOptionsString("-data", "NetCDF file with the initial state (same as -data_file)", "", data, data, sizeof(data), NULL));
  PetscCall(PetscOptionsString("-grid", "Grid description (grids/) to forecast on; default: the data's grid", "", gridfile,
                               gridfile, sizeof(gridfile), NULL));
  PetscCall(PetscOptionsEnum("-forecast_regrid", "Regridding of the initial state to -grid", "HcRegridCreate", HcRegridTypes,
                             (PetscEnum)rtype, (PetscEnum *)&rtype, NULL));
  PetscCall(PetscOptionsInt("-forecast_start", "Time index of the initial state in the data", "", start, &start, NULL));
  PetscCall(PetscOptionsString("-forecast_date", "Date of the initial state (YYYY-MM-DD[ hh:mm:ss]), instead of -forecast_start",
                               "", date, date, sizeof(date), NULL));
  PetscCall(PetscOptionsInt("-forecast_steps", "Number of forecast steps (observation intervals)", "", steps, &steps, NULL));
  PetscCall(PetscOptionsReal("-forecast_interval",
                             "Time between forecast steps (model time units; default: the data's interval at the initial time)",
                             "", interval, &interval, NULL));
  PetscCall(PetscOptionsInt("-forecast_ensemble",
                            "Members of an ensemble of perturbed initial states (0: one unperturbed forecast)", "", members,
                            &members, NULL));
  PetscCall(PetscOptionsReal("-forecast_perturbation",
                             "Ensemble perturbation: uniform noise of this amplitude times each field's spread", "", amplitude,
                             &amplitude, NULL));
  PetscCall(PetscOptionsInt("-forecast_seed", "Seed of the ensemble perturbations", "", seed, &seed, NULL));
  PetscCall(PetscOptionsInt("-forecast_env", "Environment the model runs as, when it has environment terms (default: -data_env)",
                            "HcModelSetEnvironment", env, &env, NULL));
  PetscCall(PetscOptionsString("-o", "Output file (CF NetCDF)", "", out, out, sizeof(out), &outset));
  PetscOptionsEnd();
  PetscCall(HcCommandHelp(comm, model[0] ? PETSC_TRUE : PETSC_FALSE, PETSC_FALSE, &flg));
  if (flg) { /* and the writer's options, on a grid of its own */
    PetscCall(HcGridCreate(comm, &grid));
    PetscCall(HcGridSetUp(grid));
    PetscCall(HcWriterCreate(grid, "(help)", &w));
    PetscCall(HcWriterSetFromOptions(w));
    PetscCall(HcWriterDestroy(&w));
    PetscCall(HcGridDestroy(&grid));
    PetscFunctionReturn(0);
  }
  PetscCheck(model[0], comm, PETSC_ERR_ARG_WRONG, "hycast forecast: give the model file with -model M.nc");
  PetscCheck(steps >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-forecast_steps must be >= 1, got %" PetscInt_FMT, steps);
  PetscCheck(members >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-forecast_ensemble must be >= 0, got %" PetscInt_FMT, members);
  PetscCall(HcCommandCheckOutput(comm, "-o", out));
  PetscCall(HcCommandRefuseAuxiliary(comm));
  if (!outset && !rank) {
    PetscCall(PetscTestDirectory("out", 'w', &flg));
    if (!flg) PetscCall(PetscMkdir("out"));
  }

  /* the initial state on the data's grid */
  PetscCall(HcReaderCreate(comm, &reader));
  PetscCall(HcReaderSetFromOptions(reader));
  if (data[0]) PetscCall(HcReaderSetFile(reader, data));
  PetscCall(HcReaderSetUp(reader));
  PetscCall(HcReaderGetGrid(reader, &dgrid));
  PetscCall(HcForecastCheckFields(comm, model, dgrid));
  PetscCall(HcReaderGetTimes(reader, &nt, &dt));
  if (date[0]) {
    PetscReal t;

    PetscCall(HcReaderParseDate(reader, date, &t));
    for (start = 0; start < nt && dt[start] < t - 1e-6 * PetscAbsReal(t); start++) {}
    PetscCheck(start < nt && PetscAbsReal(dt[start] - t) <= 1e-6 * PetscMax(PetscAbsReal(t), 1), comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-forecast_date %s: no state of the data at that time", date);
  }
  PetscCheck(start >= 0 && start < nt, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-forecast_start %" PetscInt_FMT ": the data has %" PetscInt_FMT " time step(s)", start, nt);
  intervalset = interval > 0 ? PETSC_TRUE : PETSC_FALSE;
  if (!intervalset) {
    PetscCheck(nt > 1, comm, PETSC_ERR_ARG_WRONG, "hycast forecast: the data has a single time step; give -forecast_interval");
    interval = start + 1 < nt ? dt[start + 1] - dt[start] : dt[start] - dt[start - 1];
  }
  /* steps of -forecast_interval when it is given; else at the data's own times while it has them (months differ), then
     at the last interval */
  PetscCall(PetscMalloc1(steps + 1, &times));
  times[0] = dt[start];
  for (PetscInt k = 1; k <= steps; k++) times[k] = !intervalset && start + k < nt ? dt[start + k] : times[k - 1] + interval;
  PetscCall(HcGridCreateGlobalVector(dgrid, &ud));
  PetscCall(HcReaderRead(reader, start, ud));

  /* the target grid and the model on it */
  if (gridfile[0]) {
    HcRegrid r;
    Vec      mask;

    PetscInt    nc;
    const char *names[32];

    PetscCall(HcGridGetNumFields(dgrid, &nc));
    for (PetscInt c = 0; c < nc && c < 32; c++) PetscCall(HcGridGetFieldName(dgrid, c, &names[c]));
    PetscCall(HcGridCreateFromDescription(comm, gridfile, nc, names, &grid));
    PetscCall(HcForecastCheckDomain(comm, model, grid));
    PetscCall(HcRegridCreate(dgrid, grid, rtype, &r));
    PetscCall(HcRegridCreateMask(r, &mask));
    PetscCall(HcGridSetMask(grid, mask));
    PetscCall(VecDestroy(&mask));
    PetscCall(HcGridCreateGlobalVector(grid, &u0));
    PetscCall(HcRegridApply(r, ud, u0));
    PetscCall(HcRegridDestroy(&r));
  } else {
    grid = dgrid;
    PetscCall(HcGridReference(grid));
    PetscCall(VecDuplicate(ud, &u0));
    PetscCall(VecCopy(ud, u0));
    PetscCall(HcForecastCheckDomain(comm, model, grid));
  }
  PetscCall(HcModelCreateFromFile(grid, model, NULL, &hm));
  PetscCall(HcModelSetUp(hm));
  PetscCall(HcModelLoadParameters(hm, model));
  if (grid == dgrid) { /* a velocity forcing from the data, over the forecast's times */
    PetscInt    denv;
    const char *tunits;

    PetscCall(HcReaderGetEnvironment(reader, &denv));
    PetscCall(HcReaderGetTimeUnits(reader, &tunits, NULL));
    PetscCall(HcCommandReadForcing(comm, hm, grid, data[0] ? data : NULL, denv, 0, times[0], times[steps], tunits));
  } else
    PetscCall(HcCommandCheckNoForcing(comm, hm, model, "-grid: a velocity forcing is read on the data's grid only"));
  {
    PetscInt nenv;

    PetscCall(HcModelGetNumEnvironments(hm, &nenv));
    if (nenv) {
      if (env < 0) PetscCall(HcReaderGetEnvironment(reader, &env));
      PetscCheck(env >= 0 && env < nenv, comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "model %s has terms for %" PetscInt_FMT " environments; environment %" PetscInt_FMT
                 " (-forecast_env, or -data_env) is not one of them",
                 model, nenv, env);
      PetscCall(HcModelSetEnvironment(hm, env));
    }
  }
  {
    /* the steps' own lengths (months differ) in s, min, h or days when the data has time units */
    PetscReal   lo = PETSC_MAX_REAL, hi = 0;
    PetscInt    nlo, nhi;
    const char *tunits;
    char        t0[64], len[160], rk[64];

    for (PetscInt k = 1; k <= steps; k++) {
      lo = PetscMin(lo, times[k] - times[k - 1]);
      hi = PetscMax(hi, times[k] - times[k - 1]);
    }
    PetscCall(HcReaderGetTimeUnits(reader, &tunits, NULL));
    PetscCall(HcModelSetObservationInterval(hm, lo));
    PetscCall(HcModelGetTimeStep(hm, NULL, &nlo));
    PetscCall(HcModelSetObservationInterval(hm, hi));
    PetscCall(HcModelGetTimeStep(hm, NULL, &nhi));
    PetscCall(HcModelSetObservationInterval(hm, interval));
    PetscCall(HcFormatDurationRange(lo, hi, tunits ? PETSC_TRUE : PETSC_FALSE, len, sizeof(len)));
    if (nlo == nhi)
      PetscCall(PetscSNPrintf(rk, sizeof(rk), "%" PetscInt_FMT " RK step(s) each", nlo));
    else
      PetscCall(PetscSNPrintf(rk, sizeof(rk), "%" PetscInt_FMT " .. %" PetscInt_FMT " RK steps each", nlo, nhi));
    PetscCall(HcReaderFormatTime(reader, times[0], t0, sizeof(t0)));
    PetscCall(PetscPrintf(comm, "hycast forecast: %s from %s, %" PetscInt_FMT " step(s) of %s (%s)%s\n", model, t0, steps, len,
                          rk, members ? ", ensemble" : ""));
  }

  /* the output, created before the integration so that a bad path fails at once */
  PetscCall(HcReaderGetTimeUnits(reader, &units, &calendar));
  PetscCall(HcWriterCreate(grid, out, &w));
  PetscCall(HcWriterSetFromOptions(w));
  PetscCall(HcWriterSetTimeUnits(w, units, calendar));
  PetscCall(HcWriterSetForecastReference(w, times[0]));
  if (members) {
    PetscCall(HcWriterSetNumEnvironments(w, members));
    PetscCall(HcWriterSetEnvironmentName(w, "member", "ensemble member (perturbed initial state)"));
  }
  {
    PetscInt nc;

    PetscCall(HcGridGetNumFields(grid, &nc));
    for (PetscInt c = 0; c < nc; c++) {
      const char *un, *ln, *sn;

      PetscCall(HcReaderGetFieldAttributes(reader, c, &un, &ln, &sn));
      PetscCall(HcWriterSetFieldAttributes(w, c, un, ln, sn));
    }
  }
  PetscCall(HcCommandLine("forecast", &line));
  PetscCall(HcWriterSetHistory(w, line));
  PetscCall(PetscFree(line));
  PetscCall(HcWriterSetAttributeText(w, "title", "hycast forecast"));
  PetscCall(HcWriterSetAttributeText(w, "hycast_model", model));
  PetscCall(HcCommandCheckOptions(comm));
  PetscCall(HcWriterSetUp(w));

  PetscCall(VecDuplicate(u0, &u));
  for (PetscInt m = 0; m < PetscMax(members, 1); m++) {
    Vec *states;

    PetscCall(VecCopy(u0, u));
    if (members) PetscCall(HcForecastPerturb(grid, seed, m, amplitude, u));
    PetscCall(HcWriterWrite(w, m, 0, times[0], u));
    PetscCall(VecDuplicateVecs(u, steps, &states));
    PetscCall(HcModelSolve(hm, steps, times, u, states));
    for (PetscInt k = 1; k <= steps; k++) PetscCall(HcWriterWrite(w, m, k, times[k], states[k - 1]));
    PetscCall(VecDestroyVecs(steps, &states));
    if (members) PetscCall(PetscPrintf(comm, "  member %" PetscInt_FMT " of %" PetscInt_FMT " done\n", m + 1, members));
  }
  PetscCall(HcWriterClose(w));
  PetscCall(PetscPrintf(comm, "forecast written to %s\n", out));
  PetscCall(HcWriterDestroy(&w));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&u0));
  PetscCall(VecDestroy(&ud));
  PetscCall(PetscFree(times));
  PetscCall(HcModelDestroy(&hm));
  PetscCall(HcGridDestroy(&grid));
  PetscCall(HcReaderDestroy(&reader));
  PetscFunctionReturn(0);
}
