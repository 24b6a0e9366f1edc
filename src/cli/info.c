/* hycast info FILE [-var a,b]: what the reader understands of a NetCDF file. */
#include "commands.h"

PetscErrorCode HcCommandInfo(MPI_Comm comm)
{
  HcReader  reader;
  char      file[PETSC_MAX_PATH_LEN] = "", *vars[16];
  PetscInt  nvars                    = 16, nenv;
  PetscBool found, help, flg;

  PetscFunctionBegin;
  PetscCall(HcCommandGetFile(file, sizeof(file), &found));
  PetscCall(HcReaderCreate(comm, &reader));
  if (found) PetscCall(HcReaderSetFile(reader, file));
  PetscOptionsBegin(comm, NULL, "hycast info: what the NetCDF reader understands of a file", "info");
  PetscCall(PetscOptionsStringArray("-var",
                                    "Variable(s) to analyse (default: every data variable with the first one's dimensions)",
                                    "HcReaderSetVariables", vars, &nvars, &flg));
  PetscOptionsEnd();
  if (flg) {
    PetscCall(HcReaderSetVariables(reader, nvars, (const char *const *)vars));
    for (PetscInt k = 0; k < nvars; k++) PetscCall(PetscFree(vars[k]));
  }
  PetscCall(HcReaderSetFromOptions(reader));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) { /* the options are listed; nothing is read */
    PetscCall(HcReaderDestroy(&reader));
    PetscFunctionReturn(0);
  }
  PetscCall(HcReaderSetUp(reader));
  PetscCall(HcCommandCheckOptions(comm));
  PetscCall(HcReaderView(reader, PETSC_VIEWER_STDOUT_(comm)));
  PetscCall(HcReaderGetNumEnvironments(reader, &nenv));
  if (nenv > 1)
    PetscCall(
        PetscPrintf(comm, "(%" PetscInt_FMT " environments: -data_env e selects one; value ranges cover all of them)\n", nenv));
  PetscCall(HcReaderDestroy(&reader));
  PetscFunctionReturn(0);
}
