/* Subcommands of bin/hycast: each runs after PetscInitialize() with the subcommand name removed from argv. */
#ifndef HYCAST_CLI_COMMANDS_H
#define HYCAST_CLI_COMMANDS_H

#include <hycast/private/sysimpl.h>

PetscErrorCode HcCommandSimulate(MPI_Comm);
PetscErrorCode HcCommandInfo(MPI_Comm);
PetscErrorCode HcCommandExtract(MPI_Comm);
PetscErrorCode HcCommandGenerate(MPI_Comm);
PetscErrorCode HcCommandTrain(MPI_Comm);
PetscErrorCode HcCommandForecast(MPI_Comm);
PetscErrorCode HcCommandEvaluate(MPI_Comm);

/* A command that ends without an error but should not report success (an interrupted training) sets this. */
extern int     HcCommandExitStatus;
PetscErrorCode HcCommandGetFile(char[], size_t, PetscBool *);
PetscErrorCode HcCommandLine(const char[], char **);
PetscErrorCode HcCommandHelp(MPI_Comm, PetscBool, PetscBool, PetscBool *);
void           HcHelpFilterInstall(int *, char **);
PetscErrorCode HcCommandCheckOutput(MPI_Comm, const char[], const char[]);
PetscErrorCode HcCommandCheckOptions(MPI_Comm);
PetscErrorCode HcCommandRefuseAuxiliary(MPI_Comm);
PetscErrorCode HcCommandCheckNoForcing(MPI_Comm, HcModel, const char[], const char[]);
PetscErrorCode HcCommandReadForcing(MPI_Comm, HcModel, HcGrid, const char[], PetscInt, PetscInt, PetscReal, PetscReal,
                                    const char[]);
void           HcHelpFilterFinish(MPI_Comm);

#endif
