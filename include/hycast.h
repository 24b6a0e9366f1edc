/* hycast: hybrid physics + machine-learning models of climate and ocean fields on PETSc. */
#ifndef HYCAST_H
#define HYCAST_H

#include <petscts.h>
#include <petscdmda.h>

#define HYCAST_VERSION "0.1.0"

PETSC_EXTERN PetscErrorCode HcInitializePackage(void);
PETSC_EXTERN PetscErrorCode HcFinalizePackage(void);

/* ---------------------------------------------------------------- grids */

/* A 2-D structured grid: a DMDA with one degree of freedom per field, coordinates, metrics and a land mask. */
typedef struct _p_HcGrid *HcGrid;
typedef enum { HC_GRID_CARTESIAN, HC_GRID_LATLON } HcGridType;
PETSC_EXTERN const char *const HcGridTypes[];

PETSC_EXTERN PetscErrorCode HcGridCreate(MPI_Comm, HcGrid *);
PETSC_EXTERN PetscErrorCode HcGridSetType(HcGrid, HcGridType);
PETSC_EXTERN PetscErrorCode HcGridGetType(HcGrid, HcGridType *);
PETSC_EXTERN PetscErrorCode HcGridSetSizes(HcGrid, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode HcGridGetSizes(HcGrid, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode HcGridSetDomain(HcGrid, PetscReal, PetscReal, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode HcGridSetPeriodic(HcGrid, PetscBool, PetscBool);
PETSC_EXTERN PetscErrorCode HcGridGetPeriodic(HcGrid, PetscBool *, PetscBool *);
PETSC_EXTERN PetscErrorCode HcGridSetCoordinates(HcGrid, PetscInt, const PetscReal[], PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode HcGridGetCoordinates(HcGrid, const PetscReal *[], const PetscReal *[]);
PETSC_EXTERN PetscErrorCode HcGridSetFields(HcGrid, PetscInt, const char *const[]);
PETSC_EXTERN PetscErrorCode HcGridGetNumFields(HcGrid, PetscInt *);
PETSC_EXTERN PetscErrorCode HcGridGetFieldName(HcGrid, PetscInt, const char **);
PETSC_EXTERN PetscErrorCode HcGridSetRadius(HcGrid, PetscReal);
PETSC_EXTERN PetscErrorCode HcGridSetOptionsPrefix(HcGrid, const char[]);
PETSC_EXTERN PetscErrorCode HcGridSetFromOptions(HcGrid);
PETSC_EXTERN PetscErrorCode HcGridSetUp(HcGrid);
PETSC_EXTERN PetscErrorCode HcGridGetComm(HcGrid, MPI_Comm *);
PETSC_EXTERN PetscErrorCode HcGridGetDM(HcGrid, DM *);
PETSC_EXTERN PetscErrorCode HcGridGetScalarDM(HcGrid, DM *);
PETSC_EXTERN PetscErrorCode HcGridGetOwnership(HcGrid, PetscInt *, PetscInt *, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode HcGridCreateGlobalVector(HcGrid, Vec *);
PETSC_EXTERN PetscErrorCode HcGridCreateVectorDof(HcGrid, PetscInt, Vec *);
PETSC_EXTERN PetscErrorCode HcGridSetMask(HcGrid, Vec);
PETSC_EXTERN PetscErrorCode HcGridGetMask(HcGrid, Vec *);
PETSC_EXTERN PetscErrorCode HcGridGetActiveCount(HcGrid, PetscInt *);
PETSC_EXTERN PetscErrorCode HcGridCreateAreaVector(HcGrid, Vec *);
PETSC_EXTERN PetscErrorCode HcGridIntegrate(HcGrid, Vec, PetscReal[]);
PETSC_EXTERN PetscErrorCode HcGridEvaluate(HcGrid, PetscErrorCode (*)(PetscReal, PetscReal, PetscReal[], void *), void *, Vec);
PETSC_EXTERN PetscErrorCode HcGridView(HcGrid, PetscViewer);
PETSC_EXTERN PetscErrorCode HcGridReference(HcGrid);
PETSC_EXTERN PetscErrorCode HcGridDestroy(HcGrid *);

/* ---------------------------------------------------------------- terms of the right-hand side */

/* One additive term F(u; theta) of du/dt with its products: J v, J^T w, (dF/dtheta) dtheta and (dF/dtheta)^T w. */
typedef struct _p_HcTerm *HcTerm;
typedef const char       *HcTermType;
#define HCTERMADVDIFF "advdiff"
#define HCTERMFNO     "fno"

PETSC_EXTERN PetscFunctionList HcTermList;
PETSC_EXTERN PetscErrorCode    HcTermRegister(const char[], PetscErrorCode (*)(HcTerm));
PETSC_EXTERN PetscErrorCode    HcTermCreate(HcGrid, HcTerm *);
PETSC_EXTERN PetscErrorCode    HcTermSetType(HcTerm, HcTermType);
PETSC_EXTERN PetscErrorCode    HcTermGetType(HcTerm, HcTermType *);
PETSC_EXTERN PetscErrorCode    HcTermSetName(HcTerm, const char[]);
PETSC_EXTERN PetscErrorCode    HcTermGetName(HcTerm, const char **);
PETSC_EXTERN PetscErrorCode    HcTermSetOptionsPrefix(HcTerm, const char[]);
PETSC_EXTERN PetscErrorCode    HcTermSetFromOptions(HcTerm);
PETSC_EXTERN PetscErrorCode    HcTermSetUp(HcTerm);
PETSC_EXTERN PetscErrorCode    HcTermGetGrid(HcTerm, HcGrid *);
PETSC_EXTERN PetscErrorCode    HcTermGetNumParameters(HcTerm, PetscInt *);
PETSC_EXTERN PetscErrorCode    HcTermGetParameterName(HcTerm, PetscInt, const char **);
PETSC_EXTERN PetscErrorCode    HcTermGetParameters(HcTerm, const PetscReal *[]);
PETSC_EXTERN PetscErrorCode    HcTermSetParameters(HcTerm, const PetscReal[]);
PETSC_EXTERN PetscErrorCode    HcTermApply(HcTerm, PetscReal, Vec, Vec);
PETSC_EXTERN PetscErrorCode    HcTermLinearize(HcTerm, PetscReal, Vec);
PETSC_EXTERN PetscErrorCode    HcTermApplyJacobian(HcTerm, Vec, Vec);
PETSC_EXTERN PetscErrorCode    HcTermApplyJacobianTranspose(HcTerm, Vec, Vec);
PETSC_EXTERN PetscErrorCode    HcTermApplyParameterJacobian(HcTerm, const PetscReal[], Vec);
PETSC_EXTERN PetscErrorCode    HcTermApplyParameterJacobianTranspose(HcTerm, Vec, PetscReal[]);
PETSC_EXTERN PetscErrorCode    HcTermEstimateRates(HcTerm, PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode    HcTermView(HcTerm, PetscViewer);
PETSC_EXTERN PetscErrorCode    HcTermReference(HcTerm);
PETSC_EXTERN PetscErrorCode    HcTermDestroy(HcTerm *);

/* The known physics: per field -div(v u) + div(K grad u), finite volumes, no flux through walls and land. */
typedef enum { HC_ADVECTION_CENTERED, HC_ADVECTION_UPWIND1, HC_ADVECTION_UPWIND2 } HcAdvectionScheme;
PETSC_EXTERN const char *const HcAdvectionSchemes[];

PETSC_EXTERN PetscErrorCode HcTermAdvDiffSetScheme(HcTerm, HcAdvectionScheme);
PETSC_EXTERN PetscErrorCode HcTermAdvDiffSetDiffusivity(HcTerm, const PetscReal[]);
PETSC_EXTERN PetscErrorCode HcTermAdvDiffSetVelocity(HcTerm, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode HcTermAdvDiffSetVelocityField(HcTerm, Vec);

/* The Fourier layer (one FNO block): mask * P(sigma(SpectralConv(h) + Wp h + bp)), h = mask * L(mask * u); see docs/fno.md. */
typedef enum { HC_FNO_TANH, HC_FNO_GELU, HC_FNO_RELU } HcFNOActivation;
PETSC_EXTERN const char *const HcFNOActivations[];

PETSC_EXTERN PetscErrorCode HcTermFNOSetWidth(HcTerm, PetscInt);
PETSC_EXTERN PetscErrorCode HcTermFNOSetModes(HcTerm, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode HcTermFNOSetActivation(HcTerm, HcFNOActivation);
PETSC_EXTERN PetscErrorCode HcTermFNOSetInitialization(HcTerm, PetscInt, PetscReal);
PETSC_EXTERN PetscErrorCode HcTermFNOGetTransformSizes(HcTerm, PetscInt *, PetscInt *);

/* ---------------------------------------------------------------- the hybrid model and its time integrator */

typedef struct _p_HcModel *HcModel;

/* Called at each observation time t_k (k = 1..nobs) of a window: adds the loss contribution at state u and its
   gradients dL/du and (for losses that involve the parameters directly) dL/dtheta; both arrive zeroed. */
typedef PetscErrorCode (*HcObservationFn)(HcModel, PetscInt, PetscReal, Vec, PetscReal *, Vec, Vec, void *);

PETSC_EXTERN PetscErrorCode HcModelCreate(HcGrid, HcModel *);
PETSC_EXTERN PetscErrorCode HcModelAddTerm(HcModel, HcTerm);
PETSC_EXTERN PetscErrorCode HcModelGetTerm(HcModel, const char[], HcTerm *);
PETSC_EXTERN PetscErrorCode HcModelSetOptionsPrefix(HcModel, const char[]);
PETSC_EXTERN PetscErrorCode HcModelSetFromOptions(HcModel);
PETSC_EXTERN PetscErrorCode HcModelSetUp(HcModel);
PETSC_EXTERN PetscErrorCode HcModelGetGrid(HcModel, HcGrid *);
PETSC_EXTERN PetscErrorCode HcModelGetTS(HcModel, TS *);
PETSC_EXTERN PetscErrorCode HcModelSetObservationInterval(HcModel, PetscReal);
PETSC_EXTERN PetscErrorCode HcModelSetTimeStep(HcModel, PetscReal);
PETSC_EXTERN PetscErrorCode HcModelGetTimeStep(HcModel, PetscReal *, PetscInt *);
PETSC_EXTERN PetscErrorCode HcModelSetAdjointStride(HcModel, PetscInt);
PETSC_EXTERN PetscErrorCode HcModelGetNumParameters(HcModel, PetscInt *);
PETSC_EXTERN PetscErrorCode HcModelGetParameterBlock(HcModel, const char[], PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode HcModelCreateParameterVector(HcModel, Vec *);
PETSC_EXTERN PetscErrorCode HcModelGetParameters(HcModel, Vec);
PETSC_EXTERN PetscErrorCode HcModelSetParameters(HcModel, Vec);
PETSC_EXTERN PetscErrorCode HcModelApplyRHS(HcModel, PetscReal, Vec, Vec);
PETSC_EXTERN PetscErrorCode HcModelLinearize(HcModel, PetscReal, Vec);
PETSC_EXTERN PetscErrorCode HcModelApplyJacobian(HcModel, Vec, Vec);
PETSC_EXTERN PetscErrorCode HcModelApplyJacobianTranspose(HcModel, Vec, Vec);
PETSC_EXTERN PetscErrorCode HcModelApplyParameterJacobian(HcModel, Vec, Vec);
PETSC_EXTERN PetscErrorCode HcModelApplyParameterJacobianTranspose(HcModel, Vec, Vec);
PETSC_EXTERN PetscErrorCode HcModelSolve(HcModel, PetscReal, Vec, PetscInt, Vec[]);
PETSC_EXTERN PetscErrorCode HcModelComputeGradient(HcModel, PetscReal, Vec, PetscInt, HcObservationFn, void *, PetscReal *, Vec,
                                                   Vec);
PETSC_EXTERN PetscErrorCode HcModelView(HcModel, PetscViewer);
PETSC_EXTERN PetscErrorCode HcModelDestroy(HcModel *);

#endif
