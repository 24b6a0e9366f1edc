/* Package registration: log events, the term type list, finalisation. */
#include <hycast/private/termimpl.h>

PetscClassId  HC_CLASSID;
PetscLogEvent HC_PhysicsApply, HC_PhysicsJacobian, HC_PhysicsJacobianT, HC_PhysicsParamJacobian, HC_PhysicsParamJacobianT;
PetscLogEvent HC_ModelSolve, HC_Adjoint;
PetscLogEvent HC_MLPApply, HC_MLPJacobian, HC_MLPJacobianT, HC_MLPParamJacobian, HC_MLPParamJacobianT;
PetscLogEvent HC_FFT, HC_FNOApply, HC_FNOJacobian, HC_FNOJacobianT, HC_FNOParamJacobian, HC_FNOParamJacobianT;
PetscLogEvent HC_ReactionApply, HC_ReactionProducts, HC_NCRead, HC_NCWrite, HC_GridCoarsen;
PetscLogEvent HC_MeanMLPApply, HC_MeanMLPJacobian, HC_MeanMLPJacobianT, HC_MeanMLPParamJacobian, HC_MeanMLPParamJacobianT;
PetscLogEvent HC_SeasonalApply, HC_SeasonalJacobian, HC_SeasonalJacobianT, HC_SeasonalParamJacobian, HC_SeasonalParamJacobianT;

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
  PetscCall(PetscLogEventRegister("HcPhysicsApply", HC_CLASSID, &HC_PhysicsApply));
  PetscCall(PetscLogEventRegister("HcPhysicsJac", HC_CLASSID, &HC_PhysicsJacobian));
  PetscCall(PetscLogEventRegister("HcPhysicsJacT", HC_CLASSID, &HC_PhysicsJacobianT));
  PetscCall(PetscLogEventRegister("HcPhysicsJacP", HC_CLASSID, &HC_PhysicsParamJacobian));
  PetscCall(PetscLogEventRegister("HcPhysicsJacPT", HC_CLASSID, &HC_PhysicsParamJacobianT));
  PetscCall(PetscLogEventRegister("HcModelSolve", HC_CLASSID, &HC_ModelSolve));
  PetscCall(PetscLogEventRegister("HcAdjoint", HC_CLASSID, &HC_Adjoint));
  PetscCall(HcTermRegister(HCTERMADVDIFF, HcTermCreate_AdvDiff));
  PetscCall(PetscLogEventRegister("HcMLPApply", HC_CLASSID, &HC_MLPApply));
  PetscCall(PetscLogEventRegister("HcMLPJac", HC_CLASSID, &HC_MLPJacobian));
  PetscCall(PetscLogEventRegister("HcMLPJacT", HC_CLASSID, &HC_MLPJacobianT));
  PetscCall(PetscLogEventRegister("HcMLPJacP", HC_CLASSID, &HC_MLPParamJacobian));
  PetscCall(PetscLogEventRegister("HcMLPJacPT", HC_CLASSID, &HC_MLPParamJacobianT));
  PetscCall(HcTermRegister(HCTERMMLP, HcTermCreate_MLP));
  PetscCall(PetscLogEventRegister("HcMeanMLPApply", HC_CLASSID, &HC_MeanMLPApply));
  PetscCall(PetscLogEventRegister("HcMeanMLPJac", HC_CLASSID, &HC_MeanMLPJacobian));
  PetscCall(PetscLogEventRegister("HcMeanMLPJacT", HC_CLASSID, &HC_MeanMLPJacobianT));
  PetscCall(PetscLogEventRegister("HcMeanMLPJacP", HC_CLASSID, &HC_MeanMLPParamJacobian));
  PetscCall(PetscLogEventRegister("HcMeanMLPJacPT", HC_CLASSID, &HC_MeanMLPParamJacobianT));
  PetscCall(HcTermRegister(HCTERMMEANMLP, HcTermCreate_MeanMLP));
  PetscCall(PetscLogEventRegister("HcFFT", HC_CLASSID, &HC_FFT));
  PetscCall(PetscLogEventRegister("HcFNOApply", HC_CLASSID, &HC_FNOApply));
  PetscCall(PetscLogEventRegister("HcFNOJac", HC_CLASSID, &HC_FNOJacobian));
  PetscCall(PetscLogEventRegister("HcFNOJacT", HC_CLASSID, &HC_FNOJacobianT));
  PetscCall(PetscLogEventRegister("HcFNOJacP", HC_CLASSID, &HC_FNOParamJacobian));
  PetscCall(PetscLogEventRegister("HcFNOJacPT", HC_CLASSID, &HC_FNOParamJacobianT));
  PetscCall(HcTermRegister(HCTERMFNO, HcTermCreate_FNO));
  PetscCall(PetscLogEventRegister("HcReactionApply", HC_CLASSID, &HC_ReactionApply));
  PetscCall(PetscLogEventRegister("HcReactionProd", HC_CLASSID, &HC_ReactionProducts));
  PetscCall(PetscLogEventRegister("HcNCRead", HC_CLASSID, &HC_NCRead));
  PetscCall(PetscLogEventRegister("HcNCWrite", HC_CLASSID, &HC_NCWrite));
  PetscCall(PetscLogEventRegister("HcGridCoarsen", HC_CLASSID, &HC_GridCoarsen));
  PetscCall(HcTermRegister(HCTERMREACTION, HcTermCreate_Reaction));
  PetscCall(PetscLogEventRegister("HcSeasonalApply", HC_CLASSID, &HC_SeasonalApply));
  PetscCall(PetscLogEventRegister("HcSeasonalJac", HC_CLASSID, &HC_SeasonalJacobian));
  PetscCall(PetscLogEventRegister("HcSeasonalJacT", HC_CLASSID, &HC_SeasonalJacobianT));
  PetscCall(PetscLogEventRegister("HcSeasonalJacP", HC_CLASSID, &HC_SeasonalParamJacobian));
  PetscCall(PetscLogEventRegister("HcSeasonalJacPT", HC_CLASSID, &HC_SeasonalParamJacobianT));
  PetscCall(HcTermRegister(HCTERMSEASONAL, HcTermCreate_Seasonal));
  PetscCall(PetscRegisterFinalize(HcFinalizePackage));
  PetscFunctionReturn(0);
}
