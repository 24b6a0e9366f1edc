/* hycast evaluate: forecast skill per lead time against the truth, with persistence, climatology, anomaly persistence and
   damped persistence of the anomaly as baselines.

   Hindcasts:  hycast evaluate -truth T.nc -data_vars sst -models hybrid.nc,physics.nc -evaluate_dates 2019-01-01,2020-02-01
                               -evaluate_leads 6
     every model (rebuilt on the truth's grid, whatever grid it was trained on) is run from every truth state whose
     date lies in the range (from the first state at or after its first date to the last at or before its last date),
     for the given number of leads, as far as the truth goes.
   Forecast files:  hycast evaluate -truth T.nc -data_vars sst -forecast F.nc[,G.nc]
     files written by hycast forecast, matched to the truth by date.

   Statistics over the active cells (or those in -evaluate_box), area-weighted, per model, field and lead: RMSE, bias, the
   anomaly correlation (anomalies from the climatology) and CRPS; for ensembles also the spread and spread/skill.
   Climatology: the mean of the truth before the first initial time (or over -evaluate_climatology_dates), by calendar
   month when the data is monthly; damped persistence's coefficients are fitted on the same period.  A text table, and
   -evaluate_csv FILE, with the number of initial times scored at each lead; -evaluate_per_init FILE: every table's MSE
   per initial time, field and lead (for a bootstrap over the initial times, postproc/rolling_origin.py).  The scoring is the
   library's HcEval (src/eval/). */
#include "commands.h"

/* A model with environment terms runs as environment env (default: the environment of the truth being read). */
static PetscErrorCode HcEvaluateSetEnvironment(MPI_Comm comm, HcModel model, const char file[], HcReader truth, PetscInt env)
{
  PetscInt nenv;

  PetscFunctionBegin;
  PetscCall(HcModelGetNumEnvironments(model, &nenv));
  if (!nenv) PetscFunctionReturn(0);
  if (env < 0) PetscCall(HcReaderGetEnvironment(truth, &env));
  PetscCheck(env >= 0 && env < nenv, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "model %s has terms for %" PetscInt_FMT " environments; environment %" PetscInt_FMT
             " (-evaluate_env, or -data_env of the truth) is not one of them",
             file, nenv, env);
  PetscCall(HcModelSetEnvironment(model, env));
  PetscFunctionReturn(0);
}

/* The line that says which truth states the climatology was made from. */
static PetscErrorCode HcEvaluatePrintClimatology(MPI_Comm comm, HcEval ev)
{
  HcReader         reader;
  const PetscReal *t;
  PetscInt         k0, k1;
  PetscBool        monthly;
  char             d0[64], d1[64];

  PetscFunctionBegin;
  PetscCall(HcEvalGetTruth(ev, &reader, NULL, &t, NULL));
  PetscCall(HcEvalGetClimatology(ev, &k0, &k1, &monthly));
  PetscCall(HcReaderFormatTime(reader, t[k0], d0, sizeof(d0)));
  PetscCall(HcReaderFormatTime(reader, t[k1 - 1], d1, sizeof(d1)));
  PetscCall(PetscPrintf(comm,
                        "hycast evaluate: climatology %s of truth states %" PetscInt_FMT " .. %" PetscInt_FMT " (%s .. %s)\n",
                        monthly ? "by calendar month" : "the mean", k0, k1 - 1, d0, d1));
  PetscFunctionReturn(0);
}

/* The coefficients of damped persistence, per field and lead, and the states they were fitted on. */
static PetscErrorCode HcEvaluatePrintDamping(MPI_Comm comm, HcEval ev)
{
  HcReader reader;
  HcGrid   grid;
  PetscInt nc, nlead, k0, k1, s0, s1, nout;

  PetscBool   fitted;
  const char *why;

  PetscFunctionBegin;
  PetscCall(HcEvalGetDampedPersistenceFitted(ev, &fitted, &why));
  if (!fitted) { /* turned off, or by default and it could not be fitted: said so */
    if (why[0]) PetscCall(PetscPrintf(comm, "hycast evaluate: not scored: %s (-evaluate_damped true: an error)\n", why));
    PetscFunctionReturn(0);
  }
  PetscCall(HcEvalGetTruth(ev, &reader, NULL, NULL, NULL));
  PetscCall(HcReaderGetGrid(reader, &grid));
  PetscCall(HcGridGetNumFields(grid, &nc));
  PetscCall(HcEvalGetNumTables(ev, NULL, &nlead));
  PetscCall(HcEvalGetDampedPersistence(ev, 0, 1, NULL, &k0, &k1, &s0, &s1));
  nout = PetscMax(0, PetscMin(k1 - 1, s1) - PetscMax(k0, s0) + 1);
  if (nout)
    PetscCall(PetscPrintf(comm,
                          "hycast evaluate: damped persistence fitted on the climatology's states but the %" PetscInt_FMT
                          " scored ones (%" PetscInt_FMT " .. %" PetscInt_FMT "); anomaly(t + lead) = a * anomaly(t):\n",
                          nout, PetscMax(k0, s0), PetscMin(k1 - 1, s1)));
  else
    PetscCall(PetscPrintf(comm, "hycast evaluate: damped persistence fitted on the climatology's states; anomaly(t + lead) = a * "
                                "anomaly(t):\n"));
  for (PetscInt c = 0; c < nc; c++) {
    const char *name;

    PetscCall(HcGridGetFieldName(grid, c, &name));
    PetscCall(PetscPrintf(comm, "  a of %s, leads 1 .. %" PetscInt_FMT ":", name, nlead));
    for (PetscInt l = 1; l <= nlead; l++) {
      PetscReal a;

      PetscCall(HcEvalGetDampedPersistence(ev, c, l, &a, NULL, NULL, NULL, NULL));
      PetscCall(PetscPrintf(comm, " %.4f", (double)a));
    }
    PetscCall(PetscPrintf(comm, "\n"));
  }
  PetscFunctionReturn(0);
}

/* Hindcasts of every model from the initial times [k0, k1], leads observation intervals. */
static PetscErrorCode HcEvaluateHindcasts(MPI_Comm comm, HcEval ev, const char truth[], PetscInt nm, char *models[],
                                          char *labels[], PetscInt k0, PetscInt k1, PetscInt leads, PetscInt env)
{
  HcReader         reader;
  HcGrid           grid;
  PetscInt         nt, denv;
  const PetscReal *t;
  const char      *tunits;

  PetscFunctionBegin;
  PetscCall(HcEvalGetTruth(ev, &reader, &nt, &t, NULL));
  PetscCall(HcReaderGetEnvironment(reader, &denv));
  PetscCall(HcReaderGetTimeUnits(reader, &tunits, NULL));
  PetscCall(HcReaderGetGrid(reader, &grid));
  PetscCall(HcEvalSetHindcasts(ev, k0, k1, leads));
  PetscCall(HcEvaluatePrintClimatology(comm, ev));
  PetscCall(HcEvaluatePrintDamping(comm, ev));
  for (PetscInt m = 0; m < nm; m++) {
    HcModel   model;
    PetscReal t0, t1;
    PetscInt  ninit;

    PetscCall(HcModelCreateFromFile(grid, models[m], NULL, &model));
    PetscCall(HcModelSetUp(model));
    PetscCall(HcModelLoadParameters(model, models[m]));
    PetscCall(HcEvaluateSetEnvironment(comm, model, models[m], reader, env));
    /* a velocity forcing from the truth's file, over the hindcasts' times */
    PetscCall(HcCommandReadForcing(comm, model, grid, truth[0] ? truth : NULL, denv, 0, t[k0], t[PetscMin(k1 + leads, nt - 1)],
                                   tunits));
    if (!m) PetscCall(HcCommandCheckOptions(comm)); /* the first model has read the command line's model options */
    t0 = MPI_Wtime();
    PetscCall(HcEvalAddHindcasts(ev, labels[m], model, &ninit));
    t1 = MPI_Wtime();
    PetscCall(PetscPrintf(comm, "  %-12s %s: %" PetscInt_FMT " hindcast(s) in %.1f s\n", labels[m], models[m], ninit, t1 - t0));
    PetscCall(HcModelDestroy(&model));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode HcCommandEvaluate(MPI_Comm comm)
{
  char truth[PETSC_MAX_PATH_LEN] = "", csv[PETSC_MAX_PATH_LEN] = "", percsv[PETSC_MAX_PATH_LEN] = "", *models[HC_EVAL_MAX_MODELS],
       *labels[HC_EVAL_MAX_MODELS], *files[HC_EVAL_MAX_MODELS], *dates[2], *cdates[2];
  PetscInt nm = HC_EVAL_MAX_MODELS, nlab = HC_EVAL_MAX_MODELS, nf = HC_EVAL_MAX_MODELS, nd = 2, ncd = 2, inits[2] = {0, -1},
           ni = 2, leads = 6, k0 = 0, k1 = 0, c0 = -1, c1 = -1, env = -1;
  PetscBool        hasm, hasl, hasf, hasd, hasi, hascd, hasbox, help, damped = PETSC_TRUE, dampedset = PETSC_FALSE;
  PetscReal        box[4] = {0, 0, 0, 0};
  PetscInt         nbox   = 4;
  HcEval           ev;
  HcReader         reader;
  PetscInt         nt;
  const PetscReal *t;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL,
                    "hycast evaluate: forecast skill against the truth, with persistence, climatology, anomaly persistence and "
                    "damped persistence",
                    "evaluate");
  PetscCall(PetscOptionsString("-truth",
                               "NetCDF file with the truth (same as -data_file; -data_* options select variables, box, ...)", "",
                               truth, truth, sizeof(truth), NULL));
  PetscCall(PetscOptionsStringArray("-models", "Model files to run hindcasts with (from hycast train), on the truth's grid", "",
                                    models, &nm, &hasm));
  PetscCall(PetscOptionsStringArray("-evaluate_labels", "Names of the models in the table (default: model1, model2, ...)", "",
                                    labels, &nlab, &hasl));
  PetscCall(PetscOptionsStringArray("-forecast", "Forecast files to score (from hycast forecast), instead of -models", "", files,
                                    &nf, &hasf));
  PetscCall(PetscOptionsStringArray("-evaluate_dates",
                                    "First and last initial dates of the hindcasts (YYYY-MM-DD): the truth states from the first "
                                    "at or after the one to the last at or before the other",
                                    "", dates, &nd, &hasd));
  PetscCall(PetscOptionsIntArray("-evaluate_inits", "First and last initial time indices of the hindcasts, instead of dates", "",
                                 inits, &ni, &hasi));
  PetscCall(
      PetscOptionsInt("-evaluate_leads", "Number of leads (observation intervals) of the hindcasts", "", leads, &leads, NULL));
  PetscCall(
      PetscOptionsStringArray("-evaluate_climatology_dates",
                              "Period of the climatology, first and last date: the truth states from the first at or after "
                              "the one to the last at or before the other (default: the truth before the first initial time)",
                              "", cdates, &ncd, &hascd));
  PetscCall(PetscOptionsBool("-evaluate_damped",
                             "Score damped persistence of the anomaly, one coefficient per lead and field fitted on the "
                             "climatology period (2 or more states per calendar month for monthly data; by default scored "
                             "when they can be fitted, given: an error when they cannot)",
                             "HcEvalSetDampedPersistence", damped, &damped, &dampedset));
  PetscCall(PetscOptionsString("-evaluate_csv", "Also write the statistics to this CSV file", "", csv, csv, sizeof(csv), NULL));
  PetscCall(PetscOptionsString("-evaluate_per_init",
                               "Also write every model's and baseline's area-weighted MSE per initial time, field and lead to "
                               "this CSV file (columns init,init_index,field,lead and one per table; the mean over the initial "
                               "times is the square of the RMSE)",
                               "HcEvalWritePerInitCSV", percsv, percsv, sizeof(percsv), NULL));
  PetscCall(PetscOptionsRealArray("-evaluate_box",
                                  "Score only the cells with centres in lon0,lon1,lat0,lat1 (x0,x1,y0,y1; default: every active "
                                  "cell of the truth)",
                                  "", box, &nbox, &hasbox));
  PetscCall(PetscOptionsInt("-evaluate_env",
                            "Environment the models run as, when they have environment terms (default: -data_env of the truth)",
                            "HcModelSetEnvironment", env, &env, NULL));
  PetscOptionsEnd();
  PetscCall(HcCommandHelp(comm, truth[0] ? PETSC_TRUE : PETSC_FALSE, PETSC_FALSE, &help));
  if (help) PetscFunctionReturn(0);
  PetscCheck(hasm != hasf, comm, PETSC_ERR_ARG_WRONG,
             "hycast evaluate: give either -models (hindcasts) or -forecast (forecast files)");
  PetscCheck(!hasl || nlab == nm, comm, PETSC_ERR_ARG_SIZ,
             "-evaluate_labels: %" PetscInt_FMT " label(s) for %" PetscInt_FMT " model(s)", nlab, nm);
  PetscCheck(!hasd || nd == 2, comm, PETSC_ERR_ARG_SIZ, "-evaluate_dates takes two dates, first and last");
  PetscCheck(!hascd || ncd == 2, comm, PETSC_ERR_ARG_SIZ, "-evaluate_climatology_dates takes two dates, first and last");
  PetscCheck(leads >= 1 && leads <= HC_EVAL_MAX_LEADS, comm, PETSC_ERR_ARG_OUTOFRANGE, "-evaluate_leads must be in [1, %d]",
             HC_EVAL_MAX_LEADS);
  PetscCheck(!hasbox || (nbox == 4 && box[2] <= box[3]), comm, PETSC_ERR_ARG_WRONG,
             "-evaluate_box takes four values lon0,lon1,lat0,lat1 with lat0 <= lat1");
  PetscCheck(!(hasd && hasi), comm, PETSC_ERR_ARG_WRONG, "give either -evaluate_dates or -evaluate_inits, not both");
  PetscCheck(!hasf || !(hasd || hasi), comm, PETSC_ERR_ARG_WRONG,
             "-evaluate_dates and -evaluate_inits select hindcasts (-models); forecast files (-forecast) carry their own dates");
  PetscCall(HcCommandCheckOutput(comm, "-evaluate_csv", csv));
  PetscCall(HcCommandCheckOutput(comm, "-evaluate_per_init", percsv));
  PetscCall(HcCommandRefuseAuxiliary(comm));
  PetscCall(HcEvalCreate(comm, &ev));
  PetscCall(HcEvalSetTruthFile(ev, truth));
  if (dampedset) PetscCall(HcEvalSetDampedPersistence(ev, damped));
  if (percsv[0]) PetscCall(HcEvalSetPerInit(ev, PETSC_TRUE));
  if (hasbox) PetscCall(HcEvalSetBox(ev, box));
  PetscCall(HcEvalSetUp(ev));
  PetscCall(HcEvalGetTruth(ev, &reader, &nt, &t, NULL));
  if (hasbox) {
    PetscInt n;

    PetscCall(HcEvalGetNumScoredCells(ev, &n));
    PetscCall(PetscPrintf(
        comm, "hycast evaluate: scoring the %" PetscInt_FMT " active cell(s) with centres in x %g to %g, y %g to %g\n", n,
        (double)box[0], (double)box[1], (double)box[2], (double)box[3]));
  }
  if (hasf) PetscCall(HcCommandCheckOptions(comm));
  if (hascd) {
    PetscCall(HcEvalGetDateRange(ev, "-evaluate_climatology_dates", (const char *const *)cdates, &c0, &c1));
    PetscCall(HcEvalSetClimatology(ev, c0, c1 + 1));
  }
  if (hasf) {
    PetscInt maxlead;

    PetscCall(HcEvalAddForecastFiles(ev, nf, (const char *const *)files));
    PetscCall(HcEvalGetNumTables(ev, NULL, &maxlead));
    PetscCall(
        PetscPrintf(comm, "hycast evaluate: %" PetscInt_FMT " forecast file(s), up to %" PetscInt_FMT " lead(s)\n", nf, maxlead));
    PetscCall(HcEvaluatePrintClimatology(comm, ev));
    PetscCall(HcEvaluatePrintDamping(comm, ev));
  } else {
    char d0[64], d1[64];

    for (PetscInt m = 0; m < nm && !hasl; m++) {
      char l[32];

      PetscCall(PetscSNPrintf(l, sizeof(l), "model%" PetscInt_FMT, m + 1));
      PetscCall(PetscStrallocpy(l, &labels[m]));
    }
    PetscCall(HcReaderFormatTime(reader, t[nt - 1], d1, sizeof(d1)));
    if (hasd) {
      /* the truth's states from the first date to the last, but the truth's last state: nothing follows it to score */
      PetscCall(HcEvalGetDateRange(ev, "-evaluate_dates", (const char *const *)dates, &k0, &k1));
      PetscCheck(
          k0 < nt - 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
          "-evaluate_dates %s,%s: the only truth state in the range is the truth's last (%s), which no truth state follows",
          dates[0], dates[1], d1);
      k1 = PetscMin(k1, nt - 2);
    } else {
      k0 = inits[0];
      k1 = hasi && ni > 1 ? inits[1] : nt - 2;
      PetscCheck(nt > 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "the truth has a single time step (%s): nothing to score", d1);
      PetscCheck(k0 >= 0 && k0 <= k1 && k1 < nt - 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "-evaluate_inits %" PetscInt_FMT ",%" PetscInt_FMT
                 ": give initial time indices first <= last in [0, %" PetscInt_FMT "] (the truth has %" PetscInt_FMT
                 " time steps; the last, %" PetscInt_FMT ", has no following state to score)",
                 k0, k1, nt - 2, nt, nt - 1);
    }
    PetscCall(HcReaderFormatTime(reader, t[k0], d0, sizeof(d0)));
    PetscCall(HcReaderFormatTime(reader, t[k1], d1, sizeof(d1)));
    PetscCall(PetscPrintf(comm,
                          "hycast evaluate: %" PetscInt_FMT " model(s), initial times %" PetscInt_FMT " .. %" PetscInt_FMT
                          " of %" PetscInt_FMT " (%s .. %s), %" PetscInt_FMT " lead(s)\n",
                          nm, k0, k1, nt, d0, d1, leads));
    PetscCall(HcEvaluateHindcasts(comm, ev, truth, nm, models, labels, k0, k1, leads, env));
  }
  PetscCall(HcEvalView(ev, PETSC_VIEWER_STDOUT_(comm)));
  if (csv[0]) {
    PetscCall(HcEvalWriteCSV(ev, csv));
    PetscCall(PetscPrintf(comm, "\nwritten to %s\n", csv));
  }
  if (percsv[0]) {
    PetscCall(HcEvalWritePerInitCSV(ev, percsv));
    PetscCall(PetscPrintf(comm, "%sMSE per initial time written to %s\n", csv[0] ? "" : "\n", percsv));
  }
  for (PetscInt m = 0; m < (hasm ? nm : 0); m++) {
    PetscCall(PetscFree(models[m]));
    PetscCall(PetscFree(labels[m]));
  }
  for (PetscInt f = 0; f < (hasf ? nf : 0); f++) PetscCall(PetscFree(files[f]));
  for (PetscInt d = 0; d < (hasd ? 2 : 0); d++) PetscCall(PetscFree(dates[d]));
  for (PetscInt d = 0; d < (hascd ? 2 : 0); d++) PetscCall(PetscFree(cdates[d]));
  PetscCall(HcEvalDestroy(&ev));
  PetscFunctionReturn(0);
}
