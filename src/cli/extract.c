/* hycast extract FILE -o OUT.nc: read a selection (box, dates, stride, level, fields) and write it as CF-1.8 NetCDF. */
#include "commands.h"

PetscErrorCode HcCommandExtract(MPI_Comm comm)
{
  HcReader         reader;
  HcWriter         writer;
  HcGrid           grid;
  Vec              u;
  char             file[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", *line;
  const char      *units, *calendar;
  const PetscReal *times;
  PetscInt         nt, nenv, nc;
  PetscBool        found, help;
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
  if (help) { /* the options are listed; nothing is read */
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

  PetscCall(HcWriterCreate(grid, out, &writer));
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
  for (PetscInt e = 0; e < nenv; e++) {
    PetscCall(HcReaderSetEnvironment(reader, e));
    for (PetscInt k = 0; k < nt; k++) {
      PetscCall(HcReaderRead(reader, k, u));
      PetscCall(HcWriterWrite(writer, nenv > 1 ? e : 0, k, times[k], u));
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
                          out, nc, nx, ny, nt, nenv > 1 ? " per environment" : "", (double)(t1 - t0)));
  }
  PetscCall(VecDestroy(&u));
  PetscCall(HcWriterDestroy(&writer));
  PetscCall(HcReaderDestroy(&reader));
  PetscFunctionReturn(0);
}
