/* hycast: hybrid physics + machine-learning models of climate and ocean fields on PETSc.

   Ordered by layer, each using only those above it: the package, grids, NetCDF input and output, the terms of the
   right-hand side (the physics, then the learned ones), the model, training, and what is built on them (synthetic
   datasets, forecast skill). */
#ifndef HYCAST_H
#define HYCAST_H

#include <petscts.h>
#include <petscdmda.h>

#define HYCAST_VERSION "0.1.0"

PETSC_EXTERN PetscErrorCode HcInitializePackage(void);
PETSC_EXTERN PetscErrorCode HcFinalizePackage(void);
PETSC_EXTERN PetscErrorCode HcFormatDuration(PetscReal, PetscBool, char[], size_t);
PETSC_EXTERN PetscErrorCode HcFormatDurationRange(PetscReal, PetscReal, PetscBool, char[], size_t);

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
PETSC_EXTERN PetscErrorCode HcGridSetProcesses(HcGrid, PetscInt, PetscInt);
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
PETSC_EXTERN PetscErrorCode HcGridCreateFromDescription(MPI_Comm, const char[], PetscInt, const char *const[], HcGrid *);
PETSC_EXTERN PetscErrorCode HcGridCreateWithFields(HcGrid, PetscInt, const char *const[], HcGrid *);

/* Fields from one grid to another (resolution, box): bilinear or conservative, land-aware. */
typedef struct _p_HcRegrid *HcRegrid;
typedef enum { HC_REGRID_BILINEAR, HC_REGRID_CONSERVATIVE } HcRegridType;
PETSC_EXTERN const char *const HcRegridTypes[];
PETSC_EXTERN PetscErrorCode    HcRegridCreate(HcGrid, HcGrid, HcRegridType, HcRegrid *);
PETSC_EXTERN PetscErrorCode    HcRegridCreateMask(HcRegrid, Vec *);
PETSC_EXTERN PetscErrorCode    HcRegridApply(HcRegrid, Vec, Vec);
PETSC_EXTERN PetscErrorCode    HcRegridDestroy(HcRegrid *);
PETSC_EXTERN PetscErrorCode    HcGridDestroy(HcGrid *);

/* Multi-resolution: conservative block averages. */
PETSC_EXTERN PetscErrorCode HcGridCreateCoarse(HcGrid, PetscInt, HcGrid *);
PETSC_EXTERN PetscErrorCode HcGridCoarsenVector(HcGrid, HcGrid, Vec, Vec);

/* ---------------------------------------------------------------- NetCDF input (CF conventions) */

typedef struct _p_HcReader *HcReader;
typedef enum { HC_FILL_NONE, HC_FILL_ZERO, HC_FILL_MEAN } HcFillType;
PETSC_EXTERN const char *const HcReaderFills[];

PETSC_EXTERN PetscErrorCode HcReaderCreate(MPI_Comm, HcReader *);
PETSC_EXTERN PetscErrorCode HcReaderSetOptionsPrefix(HcReader, const char[]);
PETSC_EXTERN PetscErrorCode HcReaderSetFile(HcReader, const char[]);
PETSC_EXTERN PetscErrorCode HcReaderSetFiles(HcReader, PetscInt, const char *const[]);
PETSC_EXTERN PetscErrorCode HcReaderSetVariables(HcReader, PetscInt, const char *const[]);
PETSC_EXTERN PetscErrorCode HcReaderSetAuxiliary(HcReader, const char[], PetscInt, const char *const[]);
PETSC_EXTERN PetscErrorCode HcReaderSetBox(HcReader, PetscReal, PetscReal, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode HcReaderSetTimeRange(HcReader, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode HcReaderSetStride(HcReader, PetscInt);
PETSC_EXTERN PetscErrorCode HcReaderSetLevel(HcReader, PetscInt);
PETSC_EXTERN PetscErrorCode HcReaderSetFill(HcReader, HcFillType);
PETSC_EXTERN PetscErrorCode HcReaderSetTimeUnits(HcReader, const char[]);
PETSC_EXTERN PetscErrorCode HcReaderSetDimensionRole(HcReader, const char[], const char[]);
PETSC_EXTERN PetscErrorCode HcReaderSetFromOptions(HcReader);
PETSC_EXTERN PetscErrorCode HcReaderSetUp(HcReader);
PETSC_EXTERN PetscErrorCode HcReaderGetGrid(HcReader, HcGrid *);
PETSC_EXTERN PetscErrorCode HcReaderGetTimes(HcReader, PetscInt *, const PetscReal *[]);
PETSC_EXTERN PetscErrorCode HcReaderGetTimeUnits(HcReader, const char **, const char **);
PETSC_EXTERN PetscErrorCode HcReaderFormatTime(HcReader, PetscReal, char[], size_t);
PETSC_EXTERN PetscErrorCode HcReaderParseDate(HcReader, const char[], PetscReal *);
PETSC_EXTERN PetscErrorCode HcReaderGetNumEnvironments(HcReader, PetscInt *);
PETSC_EXTERN PetscErrorCode HcReaderSetEnvironment(HcReader, PetscInt);
PETSC_EXTERN PetscErrorCode HcReaderGetEnvironment(HcReader, PetscInt *);
PETSC_EXTERN PetscErrorCode HcReaderGetNumAuxiliary(HcReader, PetscInt *);
PETSC_EXTERN PetscErrorCode HcReaderGetFieldAttributes(HcReader, PetscInt, const char **, const char **, const char **);
PETSC_EXTERN PetscErrorCode HcReaderGetCoordinateUnits(HcReader, const char **, const char **);
PETSC_EXTERN PetscErrorCode HcReaderGetValueRange(HcReader, PetscInt, PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode HcReaderGetReadCount(HcReader, PetscInt64 *);
PETSC_EXTERN PetscErrorCode HcReaderRead(HcReader, PetscInt, Vec);
PETSC_EXTERN PetscErrorCode HcReaderCreateAuxiliaryVector(HcReader, Vec *);
PETSC_EXTERN PetscErrorCode HcReaderReadAuxiliary(HcReader, PetscInt, Vec);
PETSC_EXTERN PetscErrorCode HcReaderView(HcReader, PetscViewer);
PETSC_EXTERN PetscErrorCode HcReaderDestroy(HcReader *);

/* ---------------------------------------------------------------- NetCDF output (CF-1.8, written atomically) */

typedef struct _p_HcWriter *HcWriter;

PETSC_EXTERN PetscErrorCode HcWriterCreate(HcGrid, const char[], HcWriter *);
PETSC_EXTERN PetscErrorCode HcWriterSetOptionsPrefix(HcWriter, const char[]);
PETSC_EXTERN PetscErrorCode HcWriterSetFromOptions(HcWriter);
PETSC_EXTERN PetscErrorCode HcWriterSetTimeUnits(HcWriter, const char[], const char[]);
PETSC_EXTERN PetscErrorCode HcWriterSetNumEnvironments(HcWriter, PetscInt);
PETSC_EXTERN PetscErrorCode HcWriterSetFieldAttributes(HcWriter, PetscInt, const char[], const char[], const char[]);
PETSC_EXTERN PetscErrorCode HcWriterSetCoordinateUnits(HcWriter, const char[]);
PETSC_EXTERN PetscErrorCode HcWriterSetAttributeText(HcWriter, const char[], const char[]);
PETSC_EXTERN PetscErrorCode HcWriterSetAttributeReals(HcWriter, const char[], PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode HcWriterSetHistory(HcWriter, const char[]);
PETSC_EXTERN PetscErrorCode HcWriterSetEnvironmentName(HcWriter, const char[], const char[]);
PETSC_EXTERN PetscErrorCode HcWriterSetForecastReference(HcWriter, PetscReal);
PETSC_EXTERN PetscErrorCode HcWriterSetUp(HcWriter);
PETSC_EXTERN PetscErrorCode HcWriterWrite(HcWriter, PetscInt, PetscInt, PetscReal, Vec);
PETSC_EXTERN PetscErrorCode HcWriterFinish(HcWriter);
PETSC_EXTERN PetscErrorCode HcWriterClose(HcWriter);
PETSC_EXTERN PetscErrorCode HcWriterDestroy(HcWriter *);
/* outputs never destroy: refuse a path that is not a regular file or is one of the inputs */
PETSC_EXTERN PetscErrorCode HcCheckOutputFile(MPI_Comm, const char[], const char[], PetscInt, const char *const[]);
PETSC_EXTERN PetscBool      HcWriterHasFailedHandle(void);
PETSC_EXTERN PetscBool      HcFileSystemFull(const char[]);

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
PETSC_EXTERN PetscErrorCode    HcTermSetEnvironment(HcTerm, PetscInt);
PETSC_EXTERN PetscErrorCode    HcTermGetEnvironment(HcTerm, PetscInt *);
PETSC_EXTERN PetscErrorCode    HcTermSetForcing(HcTerm, PetscInt);
PETSC_EXTERN PetscErrorCode    HcTermIsLearned(HcTerm, PetscBool *);
PETSC_EXTERN PetscErrorCode    HcTermGetNumParameters(HcTerm, PetscInt *);
PETSC_EXTERN PetscErrorCode    HcTermGetParameterName(HcTerm, PetscInt, const char **);
PETSC_EXTERN PetscErrorCode    HcTermGetNumReportedParameters(HcTerm, PetscInt *);
PETSC_EXTERN PetscErrorCode    HcTermGetFixedParameters(HcTerm, const PetscBool *[]);
PETSC_EXTERN PetscErrorCode    HcTermGetParameters(HcTerm, const PetscReal *[]);
PETSC_EXTERN PetscErrorCode    HcTermSetParameters(HcTerm, const PetscReal[]);
PETSC_EXTERN PetscErrorCode    HcTermApply(HcTerm, PetscReal, Vec, Vec);
PETSC_EXTERN PetscErrorCode    HcTermLinearize(HcTerm, PetscReal, Vec);
PETSC_EXTERN PetscErrorCode    HcTermApplyJacobian(HcTerm, Vec, Vec);
PETSC_EXTERN PetscErrorCode    HcTermApplyJacobianTranspose(HcTerm, Vec, Vec);
PETSC_EXTERN PetscErrorCode    HcTermApplyParameterJacobian(HcTerm, const PetscReal[], Vec);
PETSC_EXTERN PetscErrorCode    HcTermApplyParameterJacobianTranspose(HcTerm, Vec, PetscReal[]);
PETSC_EXTERN PetscErrorCode    HcTermEstimateRates(HcTerm, PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode    HcTermHasInitializeFromStates(HcTerm, PetscBool *);
PETSC_EXTERN PetscErrorCode    HcTermInitializeFromStates(HcTerm, PetscInt, const PetscReal[], const Vec[], const char **, char[],
                                                          size_t);
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
PETSC_EXTERN PetscErrorCode HcTermAdvDiffSetVelocityLearn(HcTerm, PetscBool, PetscReal);
PETSC_EXTERN PetscErrorCode HcTermAdvDiffSetVelocitySeries(HcTerm, PetscInt, PetscInt, const PetscReal[], const Vec[]);
PETSC_EXTERN PetscErrorCode HcTermAdvDiffSetVelocityVariables(HcTerm, const char[], const char[]);
PETSC_EXTERN PetscErrorCode HcTermAdvDiffGetVelocityVariables(HcTerm, const char **, const char **);

/* ---------------------------------------------------------------- pointwise reactions (hidden terms of synthetic data) */

#define HCTERMREACTION "reaction"
typedef enum { HC_REACTION_FHN, HC_REACTION_GRAYSCOTT, HC_REACTION_LOGISTIC } HcReactionType;
PETSC_EXTERN const char *const HcReactionTypes[];
PETSC_EXTERN PetscErrorCode    HcTermReactionSetType(HcTerm, HcReactionType);
PETSC_EXTERN PetscErrorCode    HcTermReactionGetType(HcTerm, HcReactionType *);

/* ---------------------------------------------------------------- Newtonian restoring to a seasonal cycle (docs/seasonal.md)

   F_c(u, t) = mask * (dc_c/dt - r_c (u_c - c_c(t))): the state follows a periodic, piecewise-linear cycle c given by K
   values per cell at equally spaced phases of a period P, and relaxes to it at rate r_c = exp(rho_c).  Known physics
   (not penalised by APHYNITY); its cycle values are per cell, so a model with it runs on its own grid only. */

#define HCTERMSEASONAL "seasonal"
PETSC_EXTERN PetscErrorCode HcTermSeasonalSetPhases(HcTerm, PetscInt, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode HcTermSeasonalGetPhases(HcTerm, PetscInt *, PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode HcTermSeasonalSetRate(HcTerm, PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode HcTermSeasonalSetLearnCycle(HcTerm, PetscBool);
PETSC_EXTERN PetscErrorCode HcTermSeasonalGetPhase(HcTerm, PetscReal, PetscReal *);
PETSC_EXTERN PetscErrorCode HcTermSeasonalEvaluateCycle(HcTerm, PetscReal, Vec, Vec);
PETSC_EXTERN PetscErrorCode HcTermSeasonalSetCycleFromStates(HcTerm, PetscInt, const PetscReal[], const Vec[], PetscInt[]);

/* ---------------------------------------------------------------- learned terms: MLP, mean-MLP, Fourier layer */

/* The activation of the learned terms' hidden layers (mlp, meanmlp) and of the Fourier layer (fno); gelu is the exact
   z Phi(z).  HcMLPActivation, HcFNOActivation and their HC_MLP_* / HC_FNO_* values are older names of it. */
typedef enum { HC_ACTIVATION_TANH, HC_ACTIVATION_GELU, HC_ACTIVATION_RELU } HcActivation;
PETSC_EXTERN const char *const HcActivations[];
typedef HcActivation           HcMLPActivation, HcFNOActivation;
#define HC_MLP_TANH      HC_ACTIVATION_TANH
#define HC_MLP_GELU      HC_ACTIVATION_GELU
#define HC_MLP_RELU      HC_ACTIVATION_RELU
#define HC_FNO_TANH      HC_ACTIVATION_TANH
#define HC_FNO_GELU      HC_ACTIVATION_GELU
#define HC_FNO_RELU      HC_ACTIVATION_RELU
#define HcMLPActivations HcActivations
#define HcFNOActivations HcActivations

/* The neural correction N: a pointwise multilayer perceptron on physical local features (u, grad u, Laplacian u per
   field, optional static and time features), its outputs multiplied by the land mask (docs/mlp.md). */
#define HCTERMMLP "mlp"

PETSC_EXTERN PetscErrorCode HcTermMLPSetHiddenLayers(HcTerm, PetscInt, const PetscInt[]);
PETSC_EXTERN PetscErrorCode HcTermMLPSetActivation(HcTerm, HcActivation);
PETSC_EXTERN PetscErrorCode HcTermMLPSetStaticFeatures(HcTerm, PetscInt, const char *const[]);
PETSC_EXTERN PetscErrorCode HcTermMLPSetTimeFeatures(HcTerm, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode HcTermMLPSetTrendFeature(HcTerm, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode HcTermMLPSetFeatureScale(HcTerm, const PetscReal[]);
PETSC_EXTERN PetscErrorCode HcTermMLPSetOutputScale(HcTerm, PetscReal);
PETSC_EXTERN PetscErrorCode HcTermMLPSetInitialization(HcTerm, PetscInt, PetscReal);
PETSC_EXTERN PetscErrorCode HcTermMLPGetNumFeatures(HcTerm, PetscInt *);
PETSC_EXTERN PetscErrorCode HcTermMLPGetFeatureName(HcTerm, PetscInt, const char **);
PETSC_EXTERN PetscErrorCode HcTermMLPComputeFeatures(HcTerm, PetscReal, Vec, Vec);
PETSC_EXTERN PetscErrorCode HcTermMLPEvaluate(HcTerm, PetscInt, const PetscReal[], PetscReal[]);
/* A learned closure of the domain-mean anomaly (docs/meanmlp.md): F_c = mask * S * N_c(s (M(u) - C(t))), M the
   area-weighted mean of each field over the active cells, C a reference cycle (K phases of a period) set from the
   training data and held fixed, N a dense network; the same correction in every cell. */
#define HCTERMMEANMLP "meanmlp"
PETSC_EXTERN PetscErrorCode HcTermMeanMLPSetHiddenLayers(HcTerm, PetscInt, const PetscInt[], HcActivation);
PETSC_EXTERN PetscErrorCode HcTermMeanMLPSetPhases(HcTerm, PetscInt, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode HcTermMeanMLPGetPhases(HcTerm, PetscInt *, PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode HcTermMeanMLPSetScales(HcTerm, PetscReal, PetscReal);
PETSC_EXTERN PetscErrorCode HcTermMeanMLPSetInitialization(HcTerm, PetscInt, PetscReal);
PETSC_EXTERN PetscErrorCode HcTermMeanMLPSetCycleFromStates(HcTerm, PetscInt, const PetscReal[], const Vec[], PetscInt[]);
/* The Fourier layer (one FNO block): mask * P(sigma(SpectralConv(h) + Wp h + bp)), h = mask * L(mask * u); see docs/fno.md. */
PETSC_EXTERN PetscErrorCode HcTermFNOSetWidth(HcTerm, PetscInt);
PETSC_EXTERN PetscErrorCode HcTermFNOSetModes(HcTerm, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode HcTermFNOSetActivation(HcTerm, HcActivation);
PETSC_EXTERN PetscErrorCode HcTermFNOSetInitialization(HcTerm, PetscInt, PetscReal);
PETSC_EXTERN PetscErrorCode HcTermFNOSetOutputScale(HcTerm, PetscReal);
PETSC_EXTERN PetscErrorCode HcTermFNOGetTransformSizes(HcTerm, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode HcTermFNOGetWidth(HcTerm, PetscInt *);

/* ---------------------------------------------------------------- the hybrid model and its time integrator */

typedef struct _p_HcModel *HcModel;

/* Which terms the right-hand side and its products include (APHYNITY penalises the learned part alone). */
typedef enum {
  HC_TERMS_ALL,
  HC_TERMS_PHYSICS,
  HC_TERMS_LEARNED,
  HC_TERMS_ENVIRONMENT /* the learned terms of the current environment only (LEADS G_e) */
} HcTermSelection;
PETSC_EXTERN const char *const HcTermSelections[];

/* Called at each observation time t_k (k = 1..nobs) of a window: the loss contribution at state u and its gradients
   dL/du and (for losses that involve the parameters directly) dL/dtheta, which arrive zeroed.  It may use the model's
   products (it runs between backward steps); it must leave the term selection at HC_TERMS_ALL. */
typedef PetscErrorCode (*HcObservationFn)(HcModel, PetscInt, PetscReal, Vec, PetscReal *, Vec, Vec, void *);

PETSC_EXTERN PetscErrorCode HcModelCreate(HcGrid, HcModel *);
PETSC_EXTERN PetscErrorCode HcModelAddTerm(HcModel, HcTerm);
PETSC_EXTERN PetscErrorCode HcModelGetTerm(HcModel, const char[], HcTerm *);
PETSC_EXTERN PetscErrorCode HcModelGetNumTerms(HcModel, PetscInt *);
PETSC_EXTERN PetscErrorCode HcModelGetTermByIndex(HcModel, PetscInt, HcTerm *);
PETSC_EXTERN PetscErrorCode HcModelGetNumEnvironments(HcModel, PetscInt *);
PETSC_EXTERN PetscErrorCode HcModelSetEnvironment(HcModel, PetscInt);
PETSC_EXTERN PetscErrorCode HcModelGetEnvironment(HcModel, PetscInt *);
PETSC_EXTERN PetscErrorCode HcModelSetForcing(HcModel, PetscInt);
PETSC_EXTERN PetscErrorCode HcModelGetForcing(HcModel, PetscInt *);
PETSC_EXTERN PetscErrorCode HcModelSetTermSelection(HcModel, HcTermSelection);
PETSC_EXTERN PetscErrorCode HcModelSetOptionsPrefix(HcModel, const char[]);
PETSC_EXTERN PetscErrorCode HcModelSetFromOptions(HcModel);
PETSC_EXTERN PetscErrorCode HcModelSetUp(HcModel);
PETSC_EXTERN PetscErrorCode HcModelGetGrid(HcModel, HcGrid *);
PETSC_EXTERN PetscErrorCode HcModelGetTS(HcModel, TS *);
PETSC_EXTERN PetscErrorCode HcModelSetObservationInterval(HcModel, PetscReal);
PETSC_EXTERN PetscErrorCode HcModelSetTimeStep(HcModel, PetscReal);
PETSC_EXTERN PetscErrorCode HcModelGetTimeStep(HcModel, PetscReal *, PetscInt *);
PETSC_EXTERN PetscErrorCode HcModelSetAdjointStride(HcModel, PetscInt);
PETSC_EXTERN PetscErrorCode HcModelSetPolarFilter(HcModel, PetscReal);
PETSC_EXTERN PetscErrorCode HcModelGetNumParameters(HcModel, PetscInt *);
PETSC_EXTERN PetscErrorCode HcModelGetParameterBlock(HcModel, const char[], PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode HcModelAddRegularization(HcModel, PetscReal *, PetscReal[]);
PETSC_EXTERN PetscErrorCode HcModelCreateParameterVector(HcModel, Vec *);
PETSC_EXTERN PetscErrorCode HcModelGetParameters(HcModel, Vec);
PETSC_EXTERN PetscErrorCode HcModelSetParameters(HcModel, Vec);
PETSC_EXTERN PetscErrorCode HcModelApplyRHS(HcModel, PetscReal, Vec, Vec);
PETSC_EXTERN PetscErrorCode HcModelLinearize(HcModel, PetscReal, Vec);
PETSC_EXTERN PetscErrorCode HcModelApplyJacobian(HcModel, Vec, Vec);
PETSC_EXTERN PetscErrorCode HcModelApplyJacobianTranspose(HcModel, Vec, Vec);
PETSC_EXTERN PetscErrorCode HcModelApplyParameterJacobian(HcModel, Vec, Vec);
PETSC_EXTERN PetscErrorCode HcModelApplyParameterJacobianTranspose(HcModel, Vec, Vec);
PETSC_EXTERN PetscErrorCode HcModelGetObservationInterval(HcModel, PetscReal *);
PETSC_EXTERN PetscErrorCode HcModelSolve(HcModel, PetscInt, const PetscReal[], Vec, Vec[]);
PETSC_EXTERN PetscErrorCode HcModelComputeGradient(HcModel, PetscInt, const PetscReal[], Vec, HcObservationFn, void *,
                                                   PetscReal *, Vec, Vec);
PETSC_EXTERN PetscErrorCode HcModelSetAdjointCache(HcModel, PetscReal);
PETSC_EXTERN PetscErrorCode HcModelGetAdjointCacheStats(HcModel, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode HcModelCheckTimeStep(HcModel, PetscBool *, PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode HcModelView(HcModel, PetscViewer);
PETSC_EXTERN PetscErrorCode HcModelGetArchitecture(HcModel, char[], size_t);
PETSC_EXTERN PetscErrorCode HcModelSetNormalization(HcModel, const PetscReal[], const PetscReal[]);
PETSC_EXTERN PetscErrorCode HcModelGetNormalization(HcModel, PetscBool *, const PetscReal *[], const PetscReal *[]);
PETSC_EXTERN PetscErrorCode HcModelSetInfo(HcModel, const char[], const char[]);
PETSC_EXTERN PetscErrorCode HcModelWrite(HcModel, const char[]);
PETSC_EXTERN PetscErrorCode HcGridCreateFromModelFile(MPI_Comm, const char[], HcGrid *);
PETSC_EXTERN PetscErrorCode HcModelCreateFromFile(HcGrid, const char[], const char[], HcModel *);
PETSC_EXTERN PetscErrorCode HcModelLoadParameters(HcModel, const char[]);
PETSC_EXTERN PetscErrorCode HcModelLoadSharedParameters(HcModel, const char[]);
PETSC_EXTERN PetscErrorCode HcModelLoadMatchingParameters(HcModel, const char[], PetscInt *);
PETSC_EXTERN PetscErrorCode HcModelDestroy(HcModel *);

/* ---------------------------------------------------------------- training */

/* Fits the model's parameters to observed time series of one or more environments: windows of K observation
   intervals, losses ERM / APHYNITY / LEADS / V-REx, Adam or TAO, gradients by the adjoint. */
typedef struct _p_HcTrainer *HcTrainer;
typedef enum { HC_LOSS_ERM, HC_LOSS_APHYNITY, HC_LOSS_LEADS, HC_LOSS_VREX } HcLossType;
PETSC_EXTERN const char *const HcLossTypes[];
typedef enum { HC_SPLIT_TRAIN, HC_SPLIT_VALIDATION, HC_SPLIT_TEST } HcSplit;
PETSC_EXTERN const char *const HcSplits[];

PETSC_EXTERN PetscErrorCode HcCommSplitGroups(MPI_Comm, PetscInt, MPI_Comm *, PetscInt *);
PETSC_EXTERN PetscErrorCode HcTrainerCreate(HcModel, HcTrainer *);
PETSC_EXTERN PetscErrorCode HcTrainerSetGroups(HcTrainer, MPI_Comm, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode HcTrainerAddEnvironment(HcTrainer, const char[], PetscInt, const PetscReal[], Vec[]);
PETSC_EXTERN PetscErrorCode HcTrainerSetFromOptions(HcTrainer);
PETSC_EXTERN PetscErrorCode HcTrainerSetAdaptation(HcTrainer, PetscBool);
PETSC_EXTERN PetscErrorCode HcTrainerSetUp(HcTrainer);
PETSC_EXTERN PetscErrorCode HcTrainerTrain(HcTrainer);
PETSC_EXTERN PetscErrorCode HcTrainerEvaluate(HcTrainer, HcSplit, PetscReal *, PetscReal[]);
PETSC_EXTERN PetscErrorCode HcTrainerEvaluateWindows(HcTrainer, HcSplit, PetscReal *, PetscReal[], PetscInt *, PetscInt[],
                                                     const char **);
PETSC_EXTERN PetscErrorCode HcTrainerSetTimeUnits(HcTrainer, const char[]);
PETSC_EXTERN PetscErrorCode HcTrainerEvaluateNorm(HcTrainer, HcSplit, HcTermSelection, PetscReal *);
PETSC_EXTERN PetscErrorCode HcTrainerGetNumWindows(HcTrainer, HcSplit, PetscInt *);
PETSC_EXTERN PetscErrorCode HcTrainerComputeLossGradient(HcTrainer, HcSplit, PetscInt, const PetscInt[], PetscReal *, Vec);
PETSC_EXTERN PetscErrorCode HcTrainerGetNormalization(HcTrainer, const PetscReal *[], const PetscReal *[]);
PETSC_EXTERN PetscErrorCode HcTrainerSaveState(HcTrainer, const char[]);
PETSC_EXTERN PetscErrorCode HcTrainerLoadState(HcTrainer, const char[]);
PETSC_EXTERN PetscErrorCode HcTrainerWasInterrupted(HcTrainer, PetscBool *);
PETSC_EXTERN PetscErrorCode HcTrainerGetInterruptSignal(HcTrainer, int *);
PETSC_EXTERN PetscErrorCode HcTrainerView(HcTrainer, PetscViewer);
PETSC_EXTERN PetscErrorCode HcTrainerDestroy(HcTrainer *);
PETSC_EXTERN PetscErrorCode HcTrainerInitializeSeasonalCycle(HcTrainer);
PETSC_EXTERN PetscErrorCode HcTrainerInitializeCycles(HcTrainer, PetscBool);
PETSC_EXTERN PetscErrorCode HcTrainerLoadInitialParameters(HcTrainer, const char[], PetscInt *);

/* ---------------------------------------------------------------- synthetic datasets (src/synth/)

   Known advection-diffusion plus a hidden reaction (-generate_problem) on several environments that differ in their
   coefficients, integrated on a fine grid and written there and as r x r block averages (hycast generate). */

typedef struct _p_HcGenerator *HcGenerator;

PETSC_EXTERN PetscErrorCode HcGeneratorCreate(MPI_Comm, HcGenerator *);
PETSC_EXTERN PetscErrorCode HcGeneratorSetFromOptions(HcGenerator);
PETSC_EXTERN PetscErrorCode HcGeneratorSetOutput(HcGenerator, const char[], const char[]);
PETSC_EXTERN PetscErrorCode HcGeneratorSetUp(HcGenerator);
PETSC_EXTERN PetscErrorCode HcGeneratorView(HcGenerator, PetscViewer);
PETSC_EXTERN PetscErrorCode HcGeneratorGenerate(HcGenerator);
PETSC_EXTERN PetscErrorCode HcGeneratorDestroy(HcGenerator *);

/* ---------------------------------------------------------------- forecast skill (src/eval/)

   Forecasts scored against a truth (hycast evaluate): per table (a model's hindcasts, forecast files, and the baselines
   persistence, climatology, anomaly persistence and damped persistence of the anomaly), field and lead, the
   area-weighted RMSE, bias, anomaly correlation and CRPS over the scored cells, and an ensemble's spread and
   spread/skill; anomalies from a climatology of the truth, by calendar month for monthly data. */

typedef struct _p_HcEval *HcEval;
#define HC_EVAL_MAX_MODELS 16
#define HC_EVAL_MAX_LEADS  128

PETSC_EXTERN PetscErrorCode HcEvalCreate(MPI_Comm, HcEval *);
PETSC_EXTERN PetscErrorCode HcEvalSetTruthFile(HcEval, const char[]);
PETSC_EXTERN PetscErrorCode HcEvalSetBox(HcEval, const PetscReal[]);
PETSC_EXTERN PetscErrorCode HcEvalSetClimatology(HcEval, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode HcEvalSetDampedPersistence(HcEval, PetscBool);
PETSC_EXTERN PetscErrorCode HcEvalSetUp(HcEval);
PETSC_EXTERN PetscErrorCode HcEvalGetTruth(HcEval, HcReader *, PetscInt *, const PetscReal *[], const Vec *[]);
PETSC_EXTERN PetscErrorCode HcEvalGetNumScoredCells(HcEval, PetscInt *);
PETSC_EXTERN PetscErrorCode HcEvalGetDateRange(HcEval, const char[], const char *const[], PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode HcEvalSetHindcasts(HcEval, PetscInt, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode HcEvalAddHindcasts(HcEval, const char[], HcModel, PetscInt *);
PETSC_EXTERN PetscErrorCode HcEvalAddForecastFiles(HcEval, PetscInt, const char *const[]);
PETSC_EXTERN PetscErrorCode HcEvalGetClimatology(HcEval, PetscInt *, PetscInt *, PetscBool *);
PETSC_EXTERN PetscErrorCode HcEvalGetNumTables(HcEval, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode HcEvalGetStatistics(HcEval, PetscInt, PetscInt, PetscInt, const char **, PetscReal *, PetscReal *,
                                                PetscReal *, PetscInt *);
PETSC_EXTERN PetscErrorCode HcEvalGetEnsembleStatistics(HcEval, PetscInt, PetscInt, PetscInt, PetscReal *, PetscReal *,
                                                        PetscReal *);
PETSC_EXTERN PetscErrorCode HcEvalGetDampedPersistenceFitted(HcEval, PetscBool *, const char **);
PETSC_EXTERN PetscErrorCode HcEvalGetDampedPersistence(HcEval, PetscInt, PetscInt, PetscReal *, PetscInt *, PetscInt *,
                                                       PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode HcEvalView(HcEval, PetscViewer);
PETSC_EXTERN PetscErrorCode HcEvalWriteCSV(HcEval, const char[]);
PETSC_EXTERN PetscErrorCode HcEvalSetPerInit(HcEval, PetscBool);
PETSC_EXTERN PetscErrorCode HcEvalGetPerInit(HcEval, PetscInt, PetscInt, PetscInt, PetscInt, PetscReal *);
PETSC_EXTERN PetscErrorCode HcEvalWritePerInitCSV(HcEval, const char[]);
PETSC_EXTERN PetscErrorCode HcEvalDestroy(HcEval *);

#endif
