/* hycast generate: synthetic datasets from the model's own physics (advection-diffusion) plus a hidden reaction term, on
   several environments that differ in their coefficients, integrated on a fine grid and written there and as conservative
   r x r block averages, so that the truth exists at two resolutions.  The generation is the library's HcGenerator
   (src/synth/). */
#include "commands.h"

PetscErrorCode HcCommandGenerate(MPI_Comm comm)
{
  char        out[PETSC_MAX_PATH_LEN] = "out/generate.nc", *line;
  PetscBool   outset;
  HcGenerator gen;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscOptionsBegin(comm, NULL, "hycast generate: synthetic multi-environment datasets (known physics + hidden reaction)",
                    "generate");
  PetscCall(PetscOptionsString("-o", "Output file (coarse data; the fine data goes to NAME-fine.nc next to it)", "", out, out,
                               sizeof(out), &outset));
  PetscOptionsEnd();
  PetscCall(HcGeneratorCreate(comm, &gen));
  PetscCall(HcGeneratorSetFromOptions(gen));
  if (!outset && !rank) { /* the default goes to out/, made when missing */
    PetscBool exists;

    PetscCall(PetscTestDirectory("out", 'w', &exists));
    if (!exists) PetscCall(PetscMkdir("out"));
  }
  PetscCallMPI(MPI_Barrier(comm));
  PetscCall(HcCommandLine("generate", &line));
  PetscCall(HcGeneratorSetOutput(gen, out, line));
  PetscCall(PetscFree(line));
  PetscCall(HcGeneratorSetUp(gen));
  PetscCall(HcCommandCheckOptions(comm));
  PetscCall(HcGeneratorView(gen, PETSC_VIEWER_STDOUT_(comm)));
  PetscCall(HcGeneratorGenerate(gen));
  PetscCall(HcGeneratorDestroy(&gen));
  PetscFunctionReturn(0);
}
