/* hycast extract FILE -o OUT.nc: read a selection (box, dates, stride, level, fields, one environment) and write it as
   CF-1.8 NetCDF, with the auxiliary fields (-data_aux_vars) after the data's. */
#include "commands.h"

#define HC_EXTRACT_MAX_FIELDS 64

/* w (data fields, then auxiliary fields, per cell) from u and a: vectors of grids with the same cells on every rank. */
static PetscErrorCode HcExtractInterlace(Vec u, PetscInt nc, Vec a, PetscInt naux, Vec w)
{
  const PetscScalar *pu, *pa;
  PetscScalar       *pw;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(u, &n));
  PetscCall(VecGetArrayRead(u, &pu));
  PetscCall(VecGetArrayRead(a, &pa));
  PetscCall(VecGetArray(w, &pw));
  for (PetscInt cell = 0; cell < n / nc; cell++) {
    for (PetscInt c = 0; c < nc; c++) pw[cell * (nc + naux) + c] = pu[cell * nc + c];
    for (PetscInt c = 0; c < naux; c++) pw[cell * (nc + naux) + nc + c] = pa[cell * naux + c];
  }
  PetscCall(VecRestoreArray(w, &pw));
  PetscCall(VecRestoreArrayRead(a, &pa));
  PetscCall(VecRestoreArrayRead(u, &pu));
  PetscFunctionReturn(0);
}

PetscErrorCode HcCommandExtract(MPI_Comm comm)
{
  HcReader         reader;
  HcWriter         writer;
  HcGrid           grid, wgrid;
  Vec              u, a = NULL, w = NULL;
  char             file[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", *line, *auxnames[HC_EXTRACT_MAX_FIELDS];
  const char      *units, *calendar, *names[HC_EXTRACT_MAX_FIELDS];
  const PetscReal *times;
  PetscInt         nt, nenv, nc, naux, e0 = 0, ne, nnames = HC_EXTRACT_MAX_FIELDS;
  PetscBool        found, help, envset, flg;
  PetscLogDouble   t0, t1;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(HcCommandGetFile(file, sizeof(file), &found));
  PetscOptionsBegin(comm, NULL, "hycast extract: a selection of a NetCDF file, written as CF-1.8 NetCDF-4", "extract");
  PetscCall(PetscOptionsString("-o", "Output file (written atomically: a temporary name, renamed when complete)",
                               "HcWriterCreate", out, out, sizeof(out), NULL));
  PetscOptionsEnd();
  PetscCall(HcReaderCreate(comm, &reader));
  if (found) PetscCall(HcReaderSetFile(reader, file));
  PetscCall(HcReaderSetFromOptions(reader));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) { /* the options are listed (the writer's too, on a grid of its own); nothing is read or written */
    PetscCall(HcGridCreate(comm, &grid));
    PetscCall(HcGridSetUp(grid));
    PetscCall(HcWriterCreate(grid, "(help)", &writer));
    PetscCall(HcWriterSetFromOptions(writer));
    PetscCall(HcWriterDestroy(&writer));
    PetscCall(HcGridDestroy(&grid));
    PetscCall(HcReaderDestroy(&reader));
    PetscFunctionReturn(0);
  }
  PetscCheck(out[0], comm, PETSC_ERR_ARG_WRONG, "no output file: give it with -o OUT.nc");
  PetscCall(HcCommandCheckOutput(comm, "-o", out));
  PetscCall(HcReaderSetUp(reader));
  PetscCall(HcReaderGetGrid(reader, &grid));
  PetscCall(HcReaderGetTimes(reader, &nt, &times));
  PetscCall(HcReaderGetTimeUnits(reader, &units, &calendar));
  PetscCall(HcReaderGetNumEnvironments(reader, &nenv));
  PetscCall(HcGridGetNumFields(grid, &nc));
  /* every environment of the file, or the one -data_env names */
  PetscCall(PetscOptionsHasName(NULL, NULL, "-data_env", &envset));
  if (envset && nenv > 1) {
    PetscCall(HcReaderGetEnvironment(reader, &e0));
    nenv = 1;
  }
  ne = PetscMax(nenv, 1);
  /* the auxiliary fields go into the file after the data's, on a grid like the data's with both sets of names (the
     reader read them on its grid; their names are those of -data_aux_vars) */
  PetscCall(HcReaderGetNumAuxiliary(reader, &naux));
  wgrid = grid;
  if (naux) {
    PetscCall(PetscOptionsGetStringArray(NULL, NULL, "-data_aux_vars", auxnames, &nnames, &flg));
    PetscCheck(flg && nnames == naux && nc + naux <= HC_EXTRACT_MAX_FIELDS, comm, PETSC_ERR_ARG_WRONG,
               "hycast extract: the names of %" PetscInt_FMT " auxiliary fields are not those of -data_aux_vars", naux);
    for (PetscInt c = 0; c < nc; c++) PetscCall(HcGridGetFieldName(grid, c, &names[c]));
    for (PetscInt c = 0; c < naux; c++) names[nc + c] = auxnames[c];
    PetscCall(HcGridCreateWithFields(grid, nc + naux, names, &wgrid));
    for (PetscInt c = 0; c < naux; c++) PetscCall(PetscFree(auxnames[c]));
    PetscCall(HcReaderCreateAuxiliaryVector(reader, &a));
    PetscCall(HcGridCreateGlobalVector(wgrid, &w));
  }

  PetscCall(HcWriterCreate(wgrid, out, &writer));
  PetscCall(HcWriterSetFromOptions(writer));
  if (units) PetscCall(HcWriterSetTimeUnits(writer, units, calendar));
  {
    const char *xu;

    PetscCall(HcReaderGetCoordinateUnits(reader, &xu, NULL));
    PetscCall(HcWriterSetCoordinateUnits(writer, xu));
  }
  if (nenv > 1) PetscCall(HcWriterSetNumEnvironments(writer, nenv));
  for (PetscInt c = 0; c < nc; c++) {
    const char *fu, *fl, *fs;

    PetscCall(HcReaderGetFieldAttributes(reader, c, &fu, &fl, &fs));
    PetscCall(HcWriterSetFieldAttributes(writer, c, fu, fl, fs));
  }
  PetscCall(HcCommandLine("extract", &line));
  PetscCall(HcWriterSetHistory(writer, line));
  PetscCall(PetscFree(line));
  PetscCall(HcWriterSetAttributeText(writer, "source_file", file[0] ? file : "(see -data_file in hycast_options)"));
  PetscCall(HcCommandCheckOptions(comm));
  PetscCall(HcWriterSetUp(writer));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  for (PetscInt e = 0; e < ne; e++) {
    if (nenv) PetscCall(HcReaderSetEnvironment(reader, e0 + e));
    for (PetscInt k = 0; k < nt; k++) {
      PetscCall(HcReaderRead(reader, k, u));
      if (naux) {
        PetscCall(HcReaderReadAuxiliary(reader, k, a));
        PetscCall(HcExtractInterlace(u, nc, a, naux, w));
      }
      PetscCall(HcWriterWrite(writer, nenv > 1 ? e : 0, k, times[k], naux ? w : u));
    }
  }
  PetscCall(HcWriterClose(writer));
  PetscCall(PetscTime(&t1));
  {
    PetscInt nx, ny;

    PetscCall(HcGridGetSizes(grid, &nx, &ny));
    PetscCall(PetscPrintf(comm,
                          "hycast extract: wrote %s: %" PetscInt_FMT " field(s) on %" PetscInt_FMT " x %" PetscInt_FMT
                          " cells, %" PetscInt_FMT " time step(s)%s in %.2f s\n",
                          out, nc + naux, nx, ny, nt, nenv > 1 ? " per environment" : "", (double)(t1 - t0)));
  }
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&a));
  PetscCall(VecDestroy(&w));
  if (naux) PetscCall(HcGridDestroy(&wgrid));
  PetscCall(HcWriterDestroy(&writer));
  PetscCall(HcReaderDestroy(&reader));
  PetscFunctionReturn(0);
}
