/* Switches between code paths that compute the same numbers (a vectorised or overlapped path and the general one), for
   the tests and benchmarks that compare them; not part of the public API (hycast.h).  From the command line: the
   options -physics_fast_path, -physics_overlap and -mlp_row_blocks. */
#ifndef HYCAST_SWITCHES_H
#define HYCAST_SWITCHES_H

#include <hycast.h>

PETSC_EXTERN PetscErrorCode HcTermAdvDiffSetFastPath(HcTerm, PetscBool);
PETSC_EXTERN PetscErrorCode HcTermAdvDiffSetOverlap(HcTerm, PetscBool);
PETSC_EXTERN PetscErrorCode HcTermMLPSetRowBlocks(HcTerm, PetscBool);

#endif
