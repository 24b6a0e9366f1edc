/* Package-wide internals: log events and small helpers shared by every folder of src/. */
#ifndef HYCAST_SYSIMPL_H
#define HYCAST_SYSIMPL_H

#include <hycast.h>

PETSC_INTERN PetscClassId HC_CLASSID;
/* the package's events; each term type has its own, registered with the type (termimpl.h, HcTermEvent) */
PETSC_INTERN PetscLogEvent HC_ModelSolve, HC_Adjoint, HC_FFT, HC_NCRead, HC_NCWrite, HC_GridCoarsen;

/* FFTW reports failure only by returning NULL (plans, aligned allocations): turn that into a PETSc error. */
#define HcCallFFTW(comm, expr, what)                                          \
  do {                                                                        \
    if (!(expr)) SETERRQ((comm), PETSC_ERR_LIB, "FFTW failed to %s", (what)); \
  } while (0)

/* Integer options with their text range-checked before PETSc parses it (PETSc 3.18 wraps values beyond PetscInt). */
PETSC_INTERN PetscErrorCode HcOptionsInt_Private(PetscOptionItems *, const char[], const char[], const char[], PetscInt,
                                                 PetscInt *, PetscBool *, PetscInt, PetscInt);
PETSC_INTERN PetscErrorCode HcOptionsIntArray_Private(PetscOptionItems *, const char[], const char[], const char[], PetscInt[],
                                                      PetscInt *, PetscBool *);
#undef PetscOptionsInt
#undef PetscOptionsBoundedInt
#undef PetscOptionsRangeInt
#undef PetscOptionsIntArray
#define PetscOptionsInt(a, b, c, d, e, f)            HcOptionsInt_Private(PetscOptionsObject, a, b, c, d, e, f, PETSC_MIN_INT, PETSC_MAX_INT)
#define PetscOptionsBoundedInt(a, b, c, d, e, f, g)  HcOptionsInt_Private(PetscOptionsObject, a, b, c, d, e, f, g, PETSC_MAX_INT)
#define PetscOptionsRangeInt(a, b, c, d, e, f, g, h) HcOptionsInt_Private(PetscOptionsObject, a, b, c, d, e, f, g, h)
#define PetscOptionsIntArray(a, b, c, d, e, f)       HcOptionsIntArray_Private(PetscOptionsObject, a, b, c, d, e, f)

#endif
