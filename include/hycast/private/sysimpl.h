/* Package-wide internals: log events and small helpers shared by every folder of src/. */
#ifndef HYCAST_SYSIMPL_H
#define HYCAST_SYSIMPL_H

#include <hycast.h>

PETSC_INTERN PetscClassId  HC_CLASSID;
PETSC_INTERN PetscLogEvent HC_PhysicsApply, HC_PhysicsJacobian, HC_PhysicsJacobianT, HC_PhysicsParamJacobian,
    HC_PhysicsParamJacobianT;
PETSC_INTERN PetscLogEvent HC_ModelSolve, HC_Adjoint;
PETSC_INTERN PetscLogEvent HC_MLPApply, HC_MLPJacobian, HC_MLPJacobianT, HC_MLPParamJacobian, HC_MLPParamJacobianT;
PETSC_INTERN PetscLogEvent HC_ReactionApply, HC_ReactionProducts, HC_NCRead, HC_NCWrite, HC_GridCoarsen;

#endif
