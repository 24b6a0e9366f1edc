/* Package registration: log events, the built-in term types, finalisation. */
#include <hycast/private/termimpl.h>

PetscClassId  HC_CLASSID;
PetscLogEvent HC_ModelSolve, HC_Adjoint, HC_FFT, HC_NCRead, HC_NCWrite, HC_GridCoarsen;

static PetscBool HcPackageInitialized = PETSC_FALSE;

PetscErrorCode HcFinalizePackage(void)
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListDestroy(&HcTermList));
  PetscCall(HcTermTypesDestroy_Private());
  HcPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  HcInitializePackage - registers hycast's log events and built-in term types; called by every Create function.
@*/
PetscErrorCode HcInitializePackage(void)
{
  PetscFunctionBegin;
  if (HcPackageInitialized) PetscFunctionReturn(0);
  HcPackageInitialized = PETSC_TRUE;
  PetscCall(PetscClassIdRegister("hycast", &HC_CLASSID));
  PetscCall(PetscLogEventRegister("HcModelSolve", HC_CLASSID, &HC_ModelSolve));
  PetscCall(PetscLogEventRegister("HcAdjoint", HC_CLASSID, &HC_Adjoint));
  PetscCall(PetscLogEventRegister("HcFFT", HC_CLASSID, &HC_FFT));
  PetscCall(PetscLogEventRegister("HcNCRead", HC_CLASSID, &HC_NCRead));
  PetscCall(PetscLogEventRegister("HcNCWrite", HC_CLASSID, &HC_NCWrite));
  PetscCall(PetscLogEventRegister("HcGridCoarsen", HC_CLASSID, &HC_GridCoarsen));
  /* each with its log events, named as they always were (HcPhysicsApply, HcMLPJacT, ...) */
  PetscCall(HcTermRegisterNamed_Private(HCTERMADVDIFF, "Physics", HcTermCreate_AdvDiff));
  PetscCall(HcTermRegisterNamed_Private(HCTERMMLP, "MLP", HcTermCreate_MLP));
  PetscCall(HcTermRegisterNamed_Private(HCTERMMEANMLP, "MeanMLP", HcTermCreate_MeanMLP));
  PetscCall(HcTermRegisterNamed_Private(HCTERMFNO, "FNO", HcTermCreate_FNO));
  PetscCall(HcTermRegisterNamed_Private(HCTERMREACTION, "Reaction", HcTermCreate_Reaction));
  PetscCall(HcTermRegisterNamed_Private(HCTERMSEASONAL, "Seasonal", HcTermCreate_Seasonal));
  PetscCall(PetscRegisterFinalize(HcFinalizePackage));
  PetscFunctionReturn(0);
}
