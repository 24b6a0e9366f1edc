/* Helpers shared by the unit tests: checks that count failures, decomposition-independent random fields, masks. */
#ifndef HYCAST_TESTUTIL_H
#define HYCAST_TESTUTIL_H

#include <hycast.h>

/* Record one check: prints "ok" or "FAIL" with the message on rank 0 and counts failures (the exit status). */
PetscErrorCode HcTestCheck(MPI_Comm, PetscBool, const char[], ...);
PetscErrorCode HcTestFinish(MPI_Comm, int *);

/* build/tests/data/<name>-n<ranks>.nc (the directory made if need be): a data file of its own for each rank count, since
   the suite may run them at once. */
PetscErrorCode HcTestDataPath(MPI_Comm, const char[], char[], size_t);

/* Values that depend only on (seed, global cell, field), never on the number of ranks. */
PetscReal      HcTestHash(unsigned long, PetscInt, PetscInt, PetscInt);
PetscErrorCode HcTestRandomField(HcGrid, unsigned long, PetscReal, Vec);
PetscErrorCode HcTestSmoothField(HcGrid, unsigned long, Vec);
PetscErrorCode HcTestMaskField(HcGrid, Vec);
PetscErrorCode HcTestSetLand(HcGrid, PetscReal, Vec);
PetscErrorCode HcTestSetIrregularMask(HcGrid, unsigned long, PetscReal);

/* A grid from a compact description; opts may be NULL. */
PetscErrorCode HcTestCreateGrid(MPI_Comm, HcGridType, PetscInt, PetscInt, PetscInt, PetscBool, PetscBool, HcGrid *);

/* Copy a field (or a one-field vector of the scalar DM) to rank 0 in natural (i, j, c) order; *out allocated on rank 0 only
   (PetscFree it). */
PetscErrorCode HcTestGatherNatural(HcGrid, Vec, PetscReal **);

/* Relative difference max|a - b| / max(max|a|, tiny). */
PetscReal HcTestRelDiff(PetscInt, const PetscReal[], const PetscReal[]);

/* Dot products and relative differences; err = ||a - b|| / ||b||. */
PetscReal      HcTestDot(Vec, Vec);
PetscReal      HcTestRelMismatch(PetscReal, PetscReal);
PetscErrorCode HcTestRelError(Vec, Vec, PetscReal *);

/* The product checks of a term (its own API) or of a model (its shell matrices) at (t, u), in directions v (state),
   w (output) and dtheta (parameters): dot tests of J / J^T and of the parameter Jacobian / its transpose (< 1e-12),
   central differences of J v and (dF/dtheta) dtheta with steps hu and hp (< 1e-6).  Each check prints one line.
   The parameters are restored and the point linearised again on return. */
PetscErrorCode HcTestTermProducts(HcTerm, PetscReal, Vec, Vec, Vec, const PetscReal[], PetscReal, PetscReal);
PetscErrorCode HcTestModelProducts(HcModel, PetscReal, Vec, Vec, Vec, Vec, PetscReal, PetscReal);

/* A loss for the adjoint tests, as an HcObservationFn with ctx an HcTestMisfit:
   L_k = scale/2 * sum over active cells of (u - target[k-1])^2. */
#define HC_TEST_MAX_OBS 8
typedef struct {
  HcGrid    grid;
  Vec       target[HC_TEST_MAX_OBS];
  PetscReal scale;
  PetscReal times[HC_TEST_MAX_OBS + 1]; /* observation times of the window, for HcModelComputeGradient */
} HcTestMisfit;
PetscErrorCode HcTestMisfitFn(HcModel, PetscInt, PetscReal, Vec, PetscReal *, Vec, Vec, void *);
PetscErrorCode HcTestMisfitSetUp(HcTestMisfit *, HcGrid, PetscInt, unsigned long);
/* Central differences of that loss against an adjoint gradient: of parameter k (named), of u0 along d; one line each. */
PetscErrorCode HcTestCheckParameterGradient(HcModel, PetscInt, HcTestMisfit *, Vec, Vec, Vec, PetscInt, PetscReal, const char[]);
PetscErrorCode HcTestCheckStateGradient(HcModel, PetscInt, HcTestMisfit *, Vec, Vec, PetscReal);
/* Both for a window: every parameter of the term named (its block must come first in the model), then u0 along d. */
PetscErrorCode HcTestCheckWindowGradient(HcModel, const char[], PetscInt, HcTestMisfit *, Vec, Vec, PetscReal *);

/* Parameter vectors of a model (entries on rank 0): entry k on every rank, setting entry k in the model, filling. */
PetscErrorCode HcTestGetParameter(Vec, PetscInt, PetscReal *);
PetscErrorCode HcTestSetParameter(HcModel, Vec, PetscInt, PetscReal);
PetscErrorCode HcTestFillParameters(Vec, const PetscReal[]);

/* A two-component velocity field at a phase (advdiff's velocity fields and series). */
PetscErrorCode HcTestVelocityField(HcGrid, PetscReal, PetscReal, Vec);

#endif
