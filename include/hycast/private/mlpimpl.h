/* The dense network behind the mlp term: a stack of affine layers with an activation between them. */
#ifndef HYCAST_MLPIMPL_H
#define HYCAST_MLPIMPL_H

#include <hycast/private/termimpl.h>

/* Layer l (0-based) maps n[l] inputs to n[l+1] outputs: z = W_l x + b_l, W_l row-major (n[l+1] x n[l]), stored in theta
   as W_l then b_l, layer after layer.  Hidden layers (l < nlayers - 1) apply the activation; the output layer does not.
   The network runs on blocks of HC_MLP_BLOCK cells: every quantity is a row of HC_MLP_BLOCK reals (one per cell).  A
   block's cache holds the network input (n[0] rows), then for each hidden layer its activations a_l and, except for
   tanh (whose derivative is 1 - a_l^2), the activation's derivative sigma'(z_l) (n[l+1] rows each, at rows hoff[l]
   and hoff[l] + n[l+1] after the input): cachesize rows in all. */
#define HC_MLP_BLOCK      64
#define HC_MLP_LANES      8 /* parameter gradients are summed in this many lanes (network.c) */
#define HC_MLP_MAX_HIDDEN 64
typedef struct {
  PetscInt       nlayers;            /* affine layers: the hidden ones and the output layer */
  PetscInt      *n;                  /* nlayers + 1 sizes */
  PetscInt      *woff, *boff, *hoff; /* per layer: W_l and b_l in theta; a_l in a cell's cache, after the input */
  PetscInt       nparam, maxw;       /* number of parameters; largest layer width (inputs included) */
  PetscInt       cachesize;          /* rows of a block's cache (reals per cell) */
  PetscLogDouble flops;              /* floating-point operations of one forward pass */
  HcActivation   act;
} HcMLPNet;

PETSC_INTERN PetscErrorCode HcMLPNetSetUp_Private(HcMLPNet *, PetscInt, PetscInt, const PetscInt[], PetscInt, HcActivation);
PETSC_INTERN PetscErrorCode HcMLPNetDestroy_Private(HcMLPNet *);
PETSC_INTERN PetscErrorCode HcMLPNetInitialize_Private(const HcMLPNet *, PetscInt, PetscReal, PetscReal[]);
PETSC_INTERN PetscErrorCode HcMLPNetParameterName_Private(const HcMLPNet *, PetscInt, char[], size_t);
PETSC_INTERN PetscErrorCode HcMLPNetForwardBlock_Private(const HcMLPNet *, const PetscReal[], PetscInt, PetscReal[], PetscBool,
                                                         PetscReal[]);
PETSC_INTERN PetscErrorCode HcMLPNetTangentBlock_Private(const HcMLPNet *, const PetscReal[], const PetscReal[],
                                                         const PetscReal[], const PetscReal[], PetscReal[], PetscReal[]);
PETSC_INTERN PetscErrorCode HcMLPNetAdjointBlock_Private(const HcMLPNet *, const PetscReal[], const PetscReal[],
                                                         const PetscReal[], const PetscReal[], PetscReal[], PetscReal[],
                                                         PetscReal[]);
PETSC_INTERN PetscErrorCode HcMLPNetReduceLanes_Private(const HcMLPNet *, PetscReal[], PetscReal[]);
PETSC_INTERN PetscErrorCode HcMLPNetInputBound_Private(const HcMLPNet *, const PetscReal[], PetscReal[], PetscReal[]);
PETSC_INTERN PetscErrorCode HcMLPParseHidden_Private(HcTerm, const char[], const char[], PetscInt *, PetscInt[]);
PETSC_INTERN PetscErrorCode HcMLPFormatHidden_Private(PetscInt, const PetscInt[], char[], size_t);

#endif
