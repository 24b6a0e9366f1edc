/* Helpers of the data commands: the positional file argument and the command line for history attributes. */
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
