/* Package-wide internals: log events and small helpers shared by every folder of src/. */
#ifndef HYCAST_SYSIMPL_H
#define HYCAST_SYSIMPL_H

#include <hycast.h>

PETSC_INTERN PetscClassId  HC_CLASSID;
PETSC_INTERN PetscLogEvent HC_PhysicsApply, HC_PhysicsJacobian, HC_PhysicsJacobianT, HC_PhysicsParamJacobian,
    HC_PhysicsParamJacobianT;
PETSC_INTERN PetscLogEvent HC_ModelSolve, HC_Adjoint;
PETSC_INTERN PetscLogEvent HC_MLPApply, HC_MLPJacobian, HC_MLPJacobianT, HC_MLPParamJacobian, HC_MLPParamJacobianT;
PETSC_INTERN PetscLogEvent HC_FFT, HC_FNOApply, HC_FNOJacobian, HC_FNOJacobianT, HC_FNOParamJacobian, HC_FNOParamJacobianT;

/* FFTW reports failure only by returning NULL (plans, aligned allocations): turn that into a PETSc error. */
#define HcCallFFTW(comm, expr, what)                                          \
  do {                                                                        \
    if (!(expr)) SETERRQ((comm), PETSC_ERR_LIB, "FFTW failed to %s", (what)); \
  } while (0)
PETSC_INTERN PetscLogEvent HC_ReactionApply, HC_ReactionProducts, HC_NCRead, HC_NCWrite, HC_GridCoarsen;
PETSC_INTERN PetscLogEvent HC_MeanMLPApply, HC_MeanMLPJacobian, HC_MeanMLPJacobianT, HC_MeanMLPParamJacobian,
    HC_MeanMLPParamJacobianT;
PETSC_INTERN PetscLogEvent HC_SeasonalApply, HC_SeasonalJacobian, HC_SeasonalJacobianT, HC_SeasonalParamJacobian,
    HC_SeasonalParamJacobianT;

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
