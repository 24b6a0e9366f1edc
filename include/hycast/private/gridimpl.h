/* HcGrid internals: the DMDA, coordinates and metrics that the operators read directly. */
#ifndef HYCAST_GRIDIMPL_H
#define HYCAST_GRIDIMPL_H

#include <hycast/private/sysimpl.h>

/* Ghost width of every grid: the second-order upwind stencil reaches two cells. */
#define HC_GRID_GHOST 2

/* Fields (degrees of freedom) a grid may carry. */
#define HC_MAX_FIELDS 16

/* Metric arrays are indexed by global cell index from -HC_GRID_GHOST to n + HC_GRID_GHOST - 1 (wrapped on periodic
   directions, extrapolated elsewhere), so stencils never test for the edge of the domain.
   Lengths are in metres on lat-lon grids (radius R) and in the coordinate unit on Cartesian grids.
     xw[i]  width of cell i along x, without the cos(lat) factor (R dlon)
     xd[i]  distance from centre i to centre i+1 along x, without the cos(lat) factor
     yw[j]  height of cell j;   yd[j] distance from centre j to centre j+1
     cc[j]  x-metric factor at the centre of row j (cos(lat), or 1)
     cf[j]  x-metric factor on the face between rows j and j+1
     ya[j]  area factor: the area of cell (i,j) is xw[i] * ya[j]                                      */
typedef struct {
  PetscReal *xw, *xd, *yw, *yd, *cc, *cf, *ya;
} HcGridMetrics;

struct _p_HcGrid {
  MPI_Comm      comm;
  PetscInt      refct;
  char         *prefix;
  HcGridType    type;
  PetscInt      nx, ny, nc;
  char        **fieldnames;
  PetscBool     periodic[2], periodic_set;
  PetscReal     box[4];    /* x0, x1, y0, y1: outer faces of a uniform grid */
  PetscReal    *xc, *yc;   /* global cell centres in coordinate units (degrees on lat-lon grids) */
  PetscReal    *xf, *yf;   /* global cell faces: nx + 1 and ny + 1 values */
  PetscReal     period[2]; /* length of a periodic direction in coordinate units (0 if not periodic) */
  PetscBool     coords_set;
  PetscReal     radius;
  PetscInt      procs[2];
  PetscReal    *landboxes;
  PetscInt      nlandboxes;
  PetscBool     view;
  PetscBool     setupcalled;
  DM            da, da1; /* nc fields; one field with the same layout (mask, areas) */
  PetscInt      xs, ys, xm, ym, gxs, gys, gxm, gym;
  Vec           mask, maskloc;
  PetscInt      nactive;
  PetscInt      maskstate; /* counts the changes of the mask: operators that precompute from it compare it */
  HcGridMetrics m;
  PetscReal    *mstore; /* one allocation behind every metric array */
  /* ghost rows without a local vector (src/grid/rows.c): possible where every rank owns whole rows and y is periodic */
  PetscBool    rowsok;
  PetscMPIInt  rowsnb[2], rowstag[2], rowsize; /* ranks below and above, tags of rows going up and down, ranks */
  PetscScalar *rowsbuf;                        /* the HC_GRID_GHOST rows below, then those above */
  MPI_Request  rowsreq[4];
  PetscBool    rowsbusy;
};

/* Ghost rows for operators that read a global vector's rows in place (src/grid/rows.c) */
PETSC_INTERN PetscErrorCode HcGridRowsSetUp_Private(HcGrid);
PETSC_INTERN PetscErrorCode HcGridRowsDestroy_Private(HcGrid);
PETSC_INTERN PetscErrorCode HcGridRowsBegin_Private(HcGrid, const PetscScalar[], const PetscScalar *[]);
PETSC_INTERN PetscErrorCode HcGridRowsEnd_Private(HcGrid);

/* The polar filter of a global lat-lon grid (src/grid/polar.c): the model applies it to its tendencies */
typedef struct _p_HcPolarFilter *HcPolarFilter;
PETSC_INTERN PetscErrorCode      HcPolarFilterCreate(HcGrid, PetscReal, HcPolarFilter *);
PETSC_INTERN PetscErrorCode      HcPolarFilterApply(HcPolarFilter, Vec);
PETSC_INTERN PetscErrorCode      HcPolarFilterGetZonalScale(HcPolarFilter, const PetscReal *[]);
PETSC_INTERN PetscErrorCode      HcPolarFilterView(HcPolarFilter, PetscViewer);
PETSC_INTERN PetscErrorCode      HcPolarFilterDestroy(HcPolarFilter *);

#endif
