/* Helpers shared by the unit tests: checks that count failures, decomposition-independent random fields, masks. */
#ifndef HYCAST_TESTUTIL_H
#define HYCAST_TESTUTIL_H

#include <hycast.h>

/* Record one check: prints "ok" or "FAIL" with the message on rank 0 and counts failures (the exit status). */
PetscErrorCode HcTestCheck(MPI_Comm, PetscBool, const char[], ...);
PetscErrorCode HcTestFinish(MPI_Comm, int *);

/* Values that depend only on (seed, global cell, field), never on the number of ranks. */
PetscReal      HcTestHash(unsigned long, PetscInt, PetscInt, PetscInt);
PetscErrorCode HcTestRandomField(HcGrid, unsigned long, PetscReal, Vec);
PetscErrorCode HcTestSmoothField(HcGrid, unsigned long, Vec);
PetscErrorCode HcTestMaskField(HcGrid, Vec);
PetscErrorCode HcTestSetIrregularMask(HcGrid, unsigned long, PetscReal);

/* A grid from a compact description; opts may be NULL. */
PetscErrorCode HcTestCreateGrid(MPI_Comm, HcGridType, PetscInt, PetscInt, PetscInt, PetscBool, PetscBool, HcGrid *);

/* Copy a field (or a one-field vector of the scalar DM) to rank 0 in natural (i, j, c) order; *out allocated on rank 0 only
   (PetscFree it). */
PetscErrorCode HcTestGatherNatural(HcGrid, Vec, PetscReal **);

/* Relative difference max|a - b| / max(max|a|, tiny). */
PetscReal HcTestRelDiff(PetscInt, const PetscReal[], const PetscReal[]);

#endif
