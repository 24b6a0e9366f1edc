/* Ghost rows without a local vector.

   Where every rank owns whole grid rows (process grid 1 x P) and y is periodic, the HC_GRID_GHOST rows below and above
   a rank's own are whole rows of its neighbours' parts of a global vector: they are sent straight from those arrays
   and received into two small buffers.  An operator that reads its owned rows in place then skips DMGlobalToLocal's
   copy of the whole interior into a ghosted vector, and can sweep its interior rows while the messages travel (the
   physics term's stand-alone F, src/physics/advdiff.c). */
#include <hycast/private/gridimpl.h>

/* Decides whether the grid can exchange rows this way (the same answer on every rank: it depends on the DMDA's layout
   only) and prepares the neighbours, tags and buffers. */
PetscErrorCode HcGridRowsSetUp_Private(HcGrid g)
{
  const PetscInt  G = HC_GRID_GHOST;
  PetscInt        px, py;
  const PetscInt *ly;
  PetscMPIInt     rank;

  PetscFunctionBegin;
  PetscCall(DMDAGetInfo(g->da, NULL, NULL, NULL, NULL, &px, &py, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  PetscCall(DMDAGetOwnershipRanges(g->da, NULL, &ly, NULL));
  g->rowsok = px == 1 && g->periodic[1] ? PETSC_TRUE : PETSC_FALSE;
  for (PetscInt k = 0; k < py; k++)
    if (ly[k] < G) g->rowsok = PETSC_FALSE; /* a ghost row would lie beyond the next rank */
  if (!g->rowsok) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(g->comm, &rank));
  PetscCallMPI(MPI_Comm_size(g->comm, &g->rowsize));
  g->rowsnb[0] = (rank + g->rowsize - 1) % g->rowsize;
  g->rowsnb[1] = (rank + 1) % g->rowsize;
  /* tags of the DMDA's communicator (PETSc's private duplicate of the grid's): no clash with the caller's messages */
  PetscCall(PetscObjectGetNewTag((PetscObject)g->da, &g->rowstag[0]));
  PetscCall(PetscObjectGetNewTag((PetscObject)g->da, &g->rowstag[1]));
  if (g->rowsize > 1) PetscCall(PetscMalloc1(2 * G * g->xm * g->nc, &g->rowsbuf));
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridRowsDestroy_Private(HcGrid g)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(g->rowsbuf));
  PetscFunctionReturn(0);
}

/* Starts the exchange of the ghost rows of u (this rank's part of a global vector of the grid's fields) and points
   rows[k] at grid row ys - HC_GRID_GHOST + k, k < ym + 2 HC_GRID_GHOST: the owned rows into u, the ghost rows into
   the receive buffers (valid after HcGridRowsEnd_Private) or, on one rank, into u itself.  u must stay unchanged until
   then. */
PetscErrorCode HcGridRowsBegin_Private(HcGrid g, const PetscScalar u[], const PetscScalar *rows[])
{
  const PetscInt G = HC_GRID_GHOST, w = g->xm * g->nc, ym = g->ym;
  MPI_Comm       comm;
  PetscMPIInt    n;

  PetscFunctionBegin;
  PetscCheck(g->rowsok, g->comm, PETSC_ERR_PLIB, "HcGrid: ghost rows without a local vector need a 1 x P periodic layout");
  PetscCheck(!g->rowsbusy, g->comm, PETSC_ERR_ORDER, "HcGrid: a ghost-row exchange is already in progress");
  for (PetscInt j = 0; j < ym; j++) rows[G + j] = u + j * w;
  if (g->rowsize == 1) { /* periodic onto itself */
    for (PetscInt k = 0; k < G; k++) {
      rows[k]          = u + (ym - G + k) * w;
      rows[G + ym + k] = u + k * w;
    }
    PetscFunctionReturn(0);
  }
  for (PetscInt k = 0; k < G; k++) {
    rows[k]          = g->rowsbuf + k * w;
    rows[G + ym + k] = g->rowsbuf + (G + k) * w;
  }
  PetscCall(PetscMPIIntCast(G * w, &n));
  comm = PetscObjectComm((PetscObject)g->da);
  /* rows going up (tag 0): the lower neighbour's top rows are my rows below; rows going down (tag 1): the upper
     neighbour's bottom rows are my rows above */
  PetscCallMPI(MPI_Irecv(g->rowsbuf, n, MPIU_SCALAR, g->rowsnb[0], g->rowstag[0], comm, &g->rowsreq[0]));
  PetscCallMPI(MPI_Irecv(g->rowsbuf + G * w, n, MPIU_SCALAR, g->rowsnb[1], g->rowstag[1], comm, &g->rowsreq[1]));
  PetscCallMPI(MPI_Isend(u + (ym - G) * w, n, MPIU_SCALAR, g->rowsnb[1], g->rowstag[0], comm, &g->rowsreq[2]));
  PetscCallMPI(MPI_Isend(u, n, MPIU_SCALAR, g->rowsnb[0], g->rowstag[1], comm, &g->rowsreq[3]));
  g->rowsbusy = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Completes the exchange: the ghost rows are in place, u may change again. */
PetscErrorCode HcGridRowsEnd_Private(HcGrid g)
{
  PetscFunctionBegin;
  if (!g->rowsbusy) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Waitall(4, g->rowsreq, MPI_STATUSES_IGNORE));
  g->rowsbusy = PETSC_FALSE;
  PetscFunctionReturn(0);
}
