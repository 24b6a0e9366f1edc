/* Helpers of the commands: the positional file argument, the command line for history attributes, -help without input. */
#include "commands.h"

/*@C
  HcCommandGetFile - the word right after the command (hycast info FILE ...), when it is not an option; PETSc ignores it.
@*/
PetscErrorCode HcCommandGetFile(char path[], size_t len, PetscBool *found)
{
  int    argc;
  char **argv;

  PetscFunctionBegin;
  PetscCall(PetscGetArgs(&argc, &argv));
  *found = argc > 1 && argv[1][0] != '-' ? PETSC_TRUE : PETSC_FALSE;
  if (*found) PetscCall(PetscStrncpy(path, argv[1], len));
  PetscFunctionReturn(0);
}

/*@C
  HcCommandLine - "hycast CMD ARGS...", the command as typed (PetscFree the result).
@*/
PetscErrorCode HcCommandLine(const char cmd[], char **line)
{
  int    argc;
  char **argv;
  size_t len = strlen(cmd) + 8;

  PetscFunctionBegin;
  PetscCall(PetscGetArgs(&argc, &argv));
  for (int k = 1; k < argc; k++) len += strlen(argv[k]) + 1;
  PetscCall(PetscCalloc1(len, line));
  PetscCall(PetscSNPrintf(*line, len, "hycast %s", cmd));
  for (int k = 1; k < argc; k++) {
    PetscCall(PetscStrlcat(*line, " ", len));
    PetscCall(PetscStrlcat(*line, argv[k], len));
  }
  PetscFunctionReturn(0);
}

/*@C
  HcCommandHelp - with -help and no input file, list the options the command would read from its inputs (the reader's
  -data_*; for train also the model's and the trainer's), so that the listing is complete and the
  command ends without an error.  done tells the command to stop.
@*/
PetscErrorCode HcCommandHelp(MPI_Comm comm, PetscBool hasinput, PetscBool training, PetscBool *done)
{
  PetscBool help;
  HcReader  r;

  PetscFunctionBegin;
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  *done = (PetscBool)(help && !hasinput);
  if (!*done) PetscFunctionReturn(0);
  PetscCall(HcReaderCreate(comm, &r));
  PetscCall(HcReaderSetFromOptions(r));
  PetscCall(HcReaderDestroy(&r));
  if (training) {
    HcGrid    grid;
    HcModel   model;
    HcTrainer tr;

    /* a small grid of its own (train takes the grid from the data, so -grid_* is not listed) */
    PetscCall(HcGridCreate(comm, &grid));
    PetscCall(HcGridSetSizes(grid, 8, 8));
    PetscCall(HcGridSetUp(grid));
    PetscCall(HcModelCreate(grid, &model));
    PetscCall(HcModelSetFromOptions(model));
    PetscCall(HcModelSetUp(model));
    PetscCall(HcTrainerCreate(model, &tr));
    PetscCall(HcTrainerSetFromOptions(tr));
    PetscCall(HcTrainerDestroy(&tr));
    PetscCall(HcModelDestroy(&model));
    PetscCall(HcGridDestroy(&grid));
  }
  PetscFunctionReturn(0);
}
