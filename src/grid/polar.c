/* The polar filter of a global longitude-latitude grid.

   On a lat-lon grid a cell's zonal width is R cos(lat) dlon: near the poles it is tens of times narrower than at the
   equator, and an explicit scheme's stable step shrinks with it (as cos(lat) for advection, cos^2(lat) for diffusion).
   The filter removes, in every row poleward of a cut-off latitude lat_c, the zonal Fourier modes that the row can
   carry but the row at lat_c cannot at the same time step: row j keeps the wavenumbers k with
       sin(pi k / nx) <= rho_j = cos(lat_j) / cos(lat_c),
   for which the zonal rates of diffusion (4 K sin^2(pi k / nx) / dx_j^2) and of advection (2 |u| sin(pi k / nx) / dx_j)
   are at most those of the widest cells' grid scale at lat_c.  The model applies P = M F M to its tendency (M the
   land mask, F the truncation, row by row): P is linear, fixed and symmetric, so the Jacobian products are P J and
   J^T P, and the step is set by the rows at lat_c.  Rows that go round the globe are needed: the rows to filter are
   gathered whole onto one rank each (round robin), transformed with FFTW and sent back.  Every rank filters a given
   row with the same plan on the same numbers, so results do not depend on the number of ranks. */
#include <complex.h> /* before fftw3.h: fftw_complex is then the C99 double complex */
#include <fftw3.h>
#include <hycast/private/gridimpl.h>

struct _p_HcPolarFilter {
  HcGrid        grid;
  PetscReal     lat;   /* cut-off latitude, degrees */
  PetscReal    *scale; /* per global row: rho_j = min(1, cos(lat_j) / cos(lat_c)) */
  PetscInt      nrows; /* rows filtered (global count) */
  PetscInt     *row;   /* their global indices, and the wavenumbers each keeps (0..kc) */
  PetscInt     *kc;
  PetscInt      nmine; /* rows this rank filters: row[mine[m]] */
  PetscInt     *mine;
  Vec           buf;  /* this rank's rows, field by field: ((m * nc + c) * nx + i) */
  VecScatter    sc;   /* global vector -> buf */
  PetscScalar  *mrow; /* the mask on this rank's rows (nmine * nx) */
  PetscInt      maskstate;
  double       *line;
  fftw_complex *spec;
  fftw_plan     fwd, inv;
};

/* global indices (PETSc ordering) of the entries of the rows this rank filters, dof fields per cell */
static PetscErrorCode HcPolarFilterIndices_Private(HcPolarFilter pf, DM da, PetscInt dof, IS *is)
{
  const PetscInt nx = pf->grid->nx;
  PetscInt      *idx;
  AO             ao;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(pf->nmine * dof * nx, &idx));
  for (PetscInt m = 0; m < pf->nmine; m++)
    for (PetscInt c = 0; c < dof; c++)
      for (PetscInt i = 0; i < nx; i++) idx[(m * dof + c) * nx + i] = (pf->row[pf->mine[m]] * nx + i) * dof + c;
  PetscCall(DMDAGetAO(da, &ao));
  PetscCall(AOApplicationToPetsc(ao, pf->nmine * dof * nx, idx));
  PetscCall(ISCreateGeneral(PETSC_COMM_SELF, pf->nmine * dof * nx, idx, PETSC_OWN_POINTER, is));
  PetscFunctionReturn(0);
}

/* the mask on this rank's rows, gathered again whenever the grid's mask changed */
static PetscErrorCode HcPolarFilterGatherMask_Private(HcPolarFilter pf)
{
  HcGrid             g = pf->grid;
  IS                 is;
  Vec                mbuf;
  VecScatter         sc;
  const PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(HcPolarFilterIndices_Private(pf, g->da1, 1, &is));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, pf->nmine * g->nx, &mbuf));
  PetscCall(VecScatterCreate(g->mask, is, mbuf, NULL, &sc));
  PetscCall(VecScatterBegin(sc, g->mask, mbuf, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, g->mask, mbuf, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(mbuf, &a));
  PetscCall(PetscArraycpy(pf->mrow, a, pf->nmine * g->nx));
  PetscCall(VecRestoreArrayRead(mbuf, &a));
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&mbuf));
  PetscCall(ISDestroy(&is));
  pf->maskstate = g->maskstate;
  PetscFunctionReturn(0);
}

/*
  HcPolarFilterCreate - the filter of the rows poleward of +-lat degrees of a set-up lat-lon grid that is periodic in
  longitude.  Collective.
*/
PetscErrorCode HcPolarFilterCreate(HcGrid g, PetscReal lat, HcPolarFilter *out)
{
  HcPolarFilter pf;
  PetscMPIInt   rank, size;
  const double  coslc = cos(lat * PETSC_PI / 180);
  IS            is;

  PetscFunctionBegin;
  PetscCheck(g->setupcalled, g->comm, PETSC_ERR_ORDER, "HcPolarFilterCreate: set the grid up first");
  PetscCheck(g->type == HC_GRID_LATLON && g->periodic[0], g->comm, PETSC_ERR_ARG_INCOMP,
             "-model_polar_filter %g: the polar filter works on rows that go round the globe, and this grid is %s; use it on "
             "a global longitude-latitude grid (periodic in longitude) or leave it off",
             (double)lat, g->type != HC_GRID_LATLON ? "Cartesian" : "a longitude-latitude box that is not periodic in longitude");
  PetscCheck(lat > 0 && lat < 90, g->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-model_polar_filter must be a latitude in (0, 90) degrees (0: off), got %g", (double)lat);
  PetscCallMPI(MPI_Comm_rank(g->comm, &rank));
  PetscCallMPI(MPI_Comm_size(g->comm, &size));
  PetscCall(PetscNew(&pf));
  pf->grid = g;
  pf->lat  = lat;
  PetscCall(PetscMalloc3(g->ny, &pf->scale, g->ny, &pf->row, g->ny, &pf->kc));
  for (PetscInt j = 0; j < g->ny; j++) {
    const double rho = cos(g->yc[j] * PETSC_PI / 180) / coslc;
    PetscInt     kc;

    pf->scale[j] = PetscMin(1, PetscMax(rho, 0));
    if (rho >= 1) continue;
    /* the largest k with sin(pi k / nx) <= rho; a row that keeps every wavenumber up to nx / 2 needs no filtering */
    kc = (PetscInt)PetscFloorReal(g->nx / PETSC_PI * asin(PetscMax(rho, 0)) * (1 + 1e-12));
    if (kc >= g->nx / 2) continue;
    pf->row[pf->nrows] = j;
    pf->kc[pf->nrows]  = kc;
    pf->nrows++;
  }
  PetscCall(PetscMalloc1(pf->nrows + 1, &pf->mine));
  for (PetscInt r = rank; r < pf->nrows; r += size) pf->mine[pf->nmine++] = r;
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, pf->nmine * g->nc * g->nx, &pf->buf));
  PetscCall(HcPolarFilterIndices_Private(pf, g->da, g->nc, &is));
  {
    Vec x;

    PetscCall(DMGetGlobalVector(g->da, &x));
    PetscCall(VecScatterCreate(x, is, pf->buf, NULL, &pf->sc));
    PetscCall(DMRestoreGlobalVector(g->da, &x));
  }
  PetscCall(ISDestroy(&is));
  PetscCall(PetscMalloc1(pf->nmine * g->nx + 1, &pf->mrow));
  PetscCall(HcPolarFilterGatherMask_Private(pf));
  HcCallFFTW(g->comm, pf->line = fftw_alloc_real((size_t)g->nx), "allocate a polar-filter row");
  HcCallFFTW(g->comm, pf->spec = fftw_alloc_complex((size_t)(g->nx / 2 + 1)), "allocate a polar-filter spectrum");
  /* FFTW_ESTIMATE: the same plan on every rank and in every run, so a row is filtered to the same bits anywhere */
  HcCallFFTW(g->comm, pf->fwd = fftw_plan_dft_r2c_1d((int)g->nx, pf->line, pf->spec, FFTW_ESTIMATE), "plan a row transform");
  HcCallFFTW(g->comm, pf->inv = fftw_plan_dft_c2r_1d((int)g->nx, pf->spec, pf->line, FFTW_ESTIMATE), "plan a row transform");
  *out = pf;
  PetscFunctionReturn(0);
}

/*
  HcPolarFilterApply - x <- M F M x in place (x a global vector of the grid).  Collective.
*/
PetscErrorCode HcPolarFilterApply(HcPolarFilter pf, Vec x)
{
  HcGrid         g  = pf->grid;
  const PetscInt nx = g->nx, nk = nx / 2 + 1;
  PetscScalar   *b;

  PetscFunctionBegin;
  if (!pf->nrows) PetscFunctionReturn(0);
  if (pf->maskstate != g->maskstate) PetscCall(HcPolarFilterGatherMask_Private(pf));
  PetscCall(VecScatterBegin(pf->sc, x, pf->buf, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(pf->sc, x, pf->buf, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArray(pf->buf, &b));
  for (PetscInt m = 0; m < pf->nmine; m++) {
    const PetscScalar *mk = pf->mrow + m * nx;
    const PetscInt     kc = pf->kc[pf->mine[m]];

    for (PetscInt c = 0; c < g->nc; c++) {
      PetscScalar *r = b + (m * g->nc + c) * nx;

      for (PetscInt i = 0; i < nx; i++) pf->line[i] = PetscRealPart(mk[i] * r[i]);
      fftw_execute(pf->fwd);
      for (PetscInt k = kc + 1; k < nk; k++) pf->spec[k] = 0;
      fftw_execute(pf->inv); /* unnormalised: nx times the filtered row */
      for (PetscInt i = 0; i < nx; i++) r[i] = mk[i] * pf->line[i] / nx;
    }
  }
  PetscCall(VecRestoreArray(pf->buf, &b));
  PetscCall(VecScatterBegin(pf->sc, pf->buf, x, INSERT_VALUES, SCATTER_REVERSE));
  PetscCall(VecScatterEnd(pf->sc, pf->buf, x, INSERT_VALUES, SCATTER_REVERSE));
  PetscFunctionReturn(0);
}

/* per global row, the factor rho_j by which the filter shrinks the zonal wavenumbers' sine (1: the row is not filtered);
   rates of zonal advection scale with it, of zonal diffusion with its square */
PetscErrorCode HcPolarFilterGetZonalScale(HcPolarFilter pf, const PetscReal *scale[])
{
  PetscFunctionBegin;
  *scale = pf->scale;
  PetscFunctionReturn(0);
}

PetscErrorCode HcPolarFilterView(HcPolarFilter pf, PetscViewer viewer)
{
  PetscInt r0 = 0;

  PetscFunctionBegin;
  if (!pf->nrows) {
    PetscCall(
        PetscViewerASCIIPrintf(viewer, "polar filter: poleward of +-%g deg, where no row of this grid is\n", (double)pf->lat));
    PetscFunctionReturn(0);
  }
  for (PetscInt r = 1; r < pf->nrows; r++)
    if (pf->kc[r] < pf->kc[r0]) r0 = r;
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "polar filter: %" PetscInt_FMT
                                   " row(s) poleward of +-%g deg keep fewer zonal wavenumbers than "
                                   "0 .. %" PetscInt_FMT ", down to 0 .. %" PetscInt_FMT " (row at %g deg)\n",
                                   pf->nrows, (double)pf->lat, pf->grid->nx / 2, pf->kc[r0], (double)pf->grid->yc[pf->row[r0]]));
  PetscFunctionReturn(0);
}

PetscErrorCode HcPolarFilterDestroy(HcPolarFilter *pf)
{
  PetscFunctionBegin;
  if (!pf || !*pf) PetscFunctionReturn(0);
  if ((*pf)->fwd) fftw_destroy_plan((*pf)->fwd);
  if ((*pf)->inv) fftw_destroy_plan((*pf)->inv);
  fftw_free((*pf)->line);
  fftw_free((*pf)->spec);
  PetscCall(VecScatterDestroy(&(*pf)->sc));
  PetscCall(VecDestroy(&(*pf)->buf));
  PetscCall(PetscFree((*pf)->mrow));
  PetscCall(PetscFree((*pf)->mine));
  PetscCall(PetscFree3((*pf)->scale, (*pf)->row, (*pf)->kc));
  PetscCall(PetscFree(*pf));
  PetscFunctionReturn(0);
}
