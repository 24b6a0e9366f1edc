/* NetCDF test files made from the CDL texts of tests/data with ncgen (by rank 0), into build/tests/data. */
#ifndef HYCAST_TEST_NCGEN_H
#define HYCAST_TEST_NCGEN_H

#include <stdlib.h>
#include "testutil.h"

/* kind: ncgen's -k value (1 classic, 2 64-bit offset, 3 NetCDF-4, 5 CDF-5); out receives the file's path. */
static inline PetscErrorCode HcTestNCGen(MPI_Comm comm, const char cdl[], int kind, char out[], size_t len)
{
  PetscMPIInt rank;
  int         status = 0;
  char        cmd[1024];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscSNPrintf(out, len, "build/tests/data/%s-k%d.nc", cdl, kind));
  if (!rank) {
    PetscCall(
        PetscSNPrintf(cmd, sizeof(cmd), "mkdir -p build/tests/data && ncgen -k %d -o %s tests/data/%s.cdl", kind, out, cdl));
    status = system(cmd);
  }
  PetscCallMPI(MPI_Bcast(&status, 1, MPI_INT, 0, comm));
  PetscCheck(status == 0, comm, PETSC_ERR_LIB, "ncgen failed on tests/data/%s.cdl (status %d)", cdl, status);
  PetscFunctionReturn(0);
}

/* "-data_x v -data_y w" -> "-PREFIXdata_x v -PREFIXdata_y w": options for one object of a test. */
static inline PetscErrorCode HcTestPrefixOptions(const char prefix[], const char opts[], char out[], size_t len)
{
  const char *p = opts;

  PetscFunctionBeginUser;
  out[0] = 0;
  while (*p) {
    char word[256];
    int  n = 0;

    while (*p == ' ') p++;
    while (*p && *p != ' ' && n < 255) word[n++] = *p++;
    word[n] = 0;
    if (!n) break;
    if (out[0]) PetscCall(PetscStrlcat(out, " ", len));
    if (word[0] == '-' &&
        ((word[1] >= 'a' && word[1] <= 'z') || (word[1] >= 'A' && word[1] <= 'Z'))) { /* an option, not a negative value */
      PetscCall(PetscStrlcat(out, "-", len));
      PetscCall(PetscStrlcat(out, prefix, len));
      PetscCall(PetscStrlcat(out, word + 1, len));
    } else
      PetscCall(PetscStrlcat(out, word, len));
  }
  PetscFunctionReturn(0);
}

#endif
