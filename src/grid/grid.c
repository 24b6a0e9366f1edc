/* HcGrid: a DMDA with coordinates, finite-volume metrics (Cartesian or spherical) and a land mask. */
#include <hycast/private/gridimpl.h>

const char *const HcGridTypes[] = {"cartesian", "latlon", "HcGridType", "HC_GRID_", NULL};

#define HC_MAX_LANDBOXES 64

PetscErrorCode HcGridCreate(MPI_Comm comm, HcGrid *grid)
{
  HcGrid g;

  PetscFunctionBegin;
  PetscCall(HcInitializePackage());
  PetscCall(PetscNew(&g));
  g->comm     = comm;
  g->refct    = 1;
  g->type     = HC_GRID_CARTESIAN;
  g->nx       = 32;
  g->ny       = 32;
  g->radius   = 6.371e6;
  g->procs[0] = PETSC_DECIDE;
  g->procs[1] = PETSC_DECIDE;
  g->box[0]   = PETSC_MAX_REAL; /* unset: SetUp picks the type's default */
  PetscCall(HcGridSetFields(g, 1, (const char *const[]){"u"}));
  *grid = g;
  PetscFunctionReturn(0);
}

static PetscErrorCode HcGridCheckNotSetUp_Private(HcGrid grid, const char what[])
{
  PetscFunctionBegin;
  PetscCheck(!grid->setupcalled, grid->comm, PETSC_ERR_ORDER, "HcGrid: cannot change the %s after HcGridSetUp()", what);
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridSetType(HcGrid grid, HcGridType type)
{
  PetscFunctionBegin;
  PetscCall(HcGridCheckNotSetUp_Private(grid, "type"));
  grid->type = type;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridGetType(HcGrid grid, HcGridType *type)
{
  PetscFunctionBegin;
  *type = grid->type;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridSetSizes(HcGrid grid, PetscInt nx, PetscInt ny)
{
  PetscFunctionBegin;
  PetscCall(HcGridCheckNotSetUp_Private(grid, "sizes"));
  PetscCheck(!grid->coords_set, grid->comm, PETSC_ERR_ARG_WRONGSTATE, "HcGrid: the sizes come from the coordinates already set");
  grid->nx = nx;
  grid->ny = ny;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridGetSizes(HcGrid grid, PetscInt *nx, PetscInt *ny)
{
  PetscFunctionBegin;
  if (nx) *nx = grid->nx;
  if (ny) *ny = grid->ny;
  PetscFunctionReturn(0);
}

/*@C
  HcGridSetDomain - the outer faces of a uniform grid: x in [x0, x1], y in [y0, y1] (degrees on lat-lon grids).
@*/
PetscErrorCode HcGridSetDomain(HcGrid grid, PetscReal x0, PetscReal x1, PetscReal y0, PetscReal y1)
{
  PetscFunctionBegin;
  PetscCall(HcGridCheckNotSetUp_Private(grid, "domain"));
  PetscCheck(x1 > x0 && y1 > y0, grid->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcGrid: empty domain [%g, %g] x [%g, %g]", (double)x0,
             (double)x1, (double)y0, (double)y1);
  grid->box[0] = x0;
  grid->box[1] = x1;
  grid->box[2] = y0;
  grid->box[3] = y1;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridSetPeriodic(HcGrid grid, PetscBool px, PetscBool py)
{
  PetscFunctionBegin;
  PetscCall(HcGridCheckNotSetUp_Private(grid, "periodicity"));
  grid->periodic[0]  = px;
  grid->periodic[1]  = py;
  grid->periodic_set = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  HcGridSetProcesses - the MPI process grid px x py (PETSC_DECIDE for either: PETSc chooses), as -grid_procs.
@*/
PetscErrorCode HcGridSetProcesses(HcGrid grid, PetscInt px, PetscInt py)
{
  PetscFunctionBegin;
  PetscCall(HcGridCheckNotSetUp_Private(grid, "process grid"));
  grid->procs[0] = px;
  grid->procs[1] = py;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridGetPeriodic(HcGrid grid, PetscBool *px, PetscBool *py)
{
  PetscFunctionBegin;
  if (px) *px = grid->periodic[0];
  if (py) *py = grid->periodic[1];
  PetscFunctionReturn(0);
}

/*@C
  HcGridSetCoordinates - cell centres along x and y (uniform or not, strictly increasing); sets the sizes too.
@*/
PetscErrorCode HcGridSetCoordinates(HcGrid grid, PetscInt nx, const PetscReal xc[], PetscInt ny, const PetscReal yc[])
{
  PetscFunctionBegin;
  PetscCall(HcGridCheckNotSetUp_Private(grid, "coordinates"));
  PetscCheck(nx >= 2 && ny >= 2, grid->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcGrid: need at least 2 x 2 cells, got %" PetscInt_FMT " x %" PetscInt_FMT, nx, ny);
  for (PetscInt i = 1; i < nx; i++)
    PetscCheck(xc[i] > xc[i - 1], grid->comm, PETSC_ERR_ARG_WRONG,
               "HcGrid: x coordinates are not strictly increasing at index %" PetscInt_FMT " (%g after %g)", i, (double)xc[i],
               (double)xc[i - 1]);
  for (PetscInt j = 1; j < ny; j++)
    PetscCheck(yc[j] > yc[j - 1], grid->comm, PETSC_ERR_ARG_WRONG,
               "HcGrid: y coordinates are not strictly increasing at index %" PetscInt_FMT " (%g after %g)", j, (double)yc[j],
               (double)yc[j - 1]);
  PetscCall(PetscFree(grid->xc));
  PetscCall(PetscFree(grid->yc));
  PetscCall(PetscMalloc2(nx, &grid->xc, ny, &grid->yc));
  PetscCall(PetscArraycpy(grid->xc, xc, nx));
  PetscCall(PetscArraycpy(grid->yc, yc, ny));
  grid->nx         = nx;
  grid->ny         = ny;
  grid->coords_set = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridGetCoordinates(HcGrid grid, const PetscReal *xc[], const PetscReal *yc[])
{
  PetscFunctionBegin;
  PetscCheck(grid->setupcalled, grid->comm, PETSC_ERR_ORDER, "HcGrid: call HcGridSetUp() first");
  if (xc) *xc = grid->xc;
  if (yc) *yc = grid->yc;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridSetFields(HcGrid grid, PetscInt nc, const char *const names[])
{
  PetscFunctionBegin;
  PetscCall(HcGridCheckNotSetUp_Private(grid, "fields"));
  PetscCheck(nc >= 1 && nc <= HC_MAX_FIELDS, grid->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcGrid: number of fields %" PetscInt_FMT " not in [1, %d]", nc, HC_MAX_FIELDS);
  PetscCall(PetscStrArrayDestroy(&grid->fieldnames));
  /* NULL-terminated, as PetscStrArrayDestroy() expects; names[] itself need not be */
  PetscCall(PetscCalloc1(nc + 1, &grid->fieldnames));
  for (PetscInt c = 0; c < nc; c++) PetscCall(PetscStrallocpy(names[c], &grid->fieldnames[c]));
  grid->nc = nc;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridGetNumFields(HcGrid grid, PetscInt *nc)
{
  PetscFunctionBegin;
  *nc = grid->nc;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridGetFieldName(HcGrid grid, PetscInt c, const char **name)
{
  PetscFunctionBegin;
  PetscCheck(c >= 0 && c < grid->nc, grid->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcGrid: field %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", c, grid->nc);
  *name = grid->fieldnames[c];
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridSetRadius(HcGrid grid, PetscReal radius)
{
  PetscFunctionBegin;
  PetscCall(HcGridCheckNotSetUp_Private(grid, "radius"));
  PetscCheck(radius > 0, grid->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcGrid: radius must be positive, got %g", (double)radius);
  grid->radius = radius;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridSetOptionsPrefix(HcGrid grid, const char prefix[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(grid->prefix));
  PetscCall(PetscStrallocpy(prefix, &grid->prefix));
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridGetComm(HcGrid grid, MPI_Comm *comm)
{
  PetscFunctionBegin;
  *comm = grid->comm;
  PetscFunctionReturn(0);
}

static void HcGridDefaultBox_Private(HcGrid grid, PetscReal box[4])
{
  if (grid->box[0] != PETSC_MAX_REAL) {
    for (int k = 0; k < 4; k++) box[k] = grid->box[k];
  } else if (grid->type == HC_GRID_LATLON) {
    box[0] = 0;
    box[1] = 360;
    box[2] = -80;
    box[3] = 80;
  } else {
    box[0] = 0;
    box[1] = 1;
    box[2] = 0;
    box[3] = 1;
  }
}

/* Periodic in x by default only for a lat-lon grid that goes round the globe. */
static PetscBool HcGridDefaultPeriodicX_Private(HcGrid grid)
{
  PetscReal span, box[4];

  if (grid->type != HC_GRID_LATLON) return PETSC_FALSE;
  if (grid->coords_set) {
    span = (grid->xc[grid->nx - 1] - grid->xc[0]) * grid->nx / (grid->nx - 1);
  } else {
    HcGridDefaultBox_Private(grid, box);
    span = box[1] - box[0];
  }
  return PetscAbsReal(span - 360) < 1e-6 * 360 ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode HcGridSetFromOptions(HcGrid grid)
{
  PetscReal box[4], pbox[2];
  PetscInt  n, nx = grid->nx, ny = grid->ny, nf = HC_MAX_FIELDS, procs[2] = {grid->procs[0], grid->procs[1]};
  char     *names[HC_MAX_FIELDS];
  PetscBool flg, px, py;

  PetscFunctionBegin;
  PetscCall(HcGridCheckNotSetUp_Private(grid, "options"));
  PetscOptionsBegin(grid->comm, grid->prefix, "Grid options (HcGrid)", "HcGrid");
  PetscCall(PetscOptionsEnum("-grid_type", "Grid geometry: cartesian box or longitude-latitude on a sphere", "HcGridSetType",
                             HcGridTypes, (PetscEnum)grid->type, (PetscEnum *)&grid->type, NULL));
  if (!grid->coords_set) {
    PetscCall(PetscOptionsInt("-grid_nx", "Number of cells along x (longitude)", "HcGridSetSizes", nx, &nx, NULL));
    PetscCall(PetscOptionsInt("-grid_ny", "Number of cells along y (latitude)", "HcGridSetSizes", ny, &ny, NULL));
    PetscCheck(nx >= 2 && ny >= 2, grid->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "HcGrid: -grid_nx and -grid_ny must be >= 2, got %" PetscInt_FMT " x %" PetscInt_FMT, nx, ny);
    grid->nx = nx;
    grid->ny = ny;
    HcGridDefaultBox_Private(grid, box);
    pbox[0] = box[0];
    pbox[1] = box[1];
    n       = 2;
    PetscCall(PetscOptionsRealArray("-grid_x", "Outer faces x0,x1 of the domain (degrees east on lat-lon grids)",
                                    "HcGridSetDomain", pbox, &n, &flg));
    PetscCheck(!flg || n == 2, grid->comm, PETSC_ERR_ARG_WRONG, "HcGrid: -grid_x takes two values x0,x1, got %" PetscInt_FMT, n);
    box[0]  = pbox[0];
    box[1]  = pbox[1];
    pbox[0] = box[2];
    pbox[1] = box[3];
    n       = 2;
    PetscCall(PetscOptionsRealArray("-grid_y", "Outer faces y0,y1 of the domain (degrees north on lat-lon grids)",
                                    "HcGridSetDomain", pbox, &n, &flg));
    PetscCheck(!flg || n == 2, grid->comm, PETSC_ERR_ARG_WRONG, "HcGrid: -grid_y takes two values y0,y1, got %" PetscInt_FMT, n);
    box[2] = pbox[0];
    box[3] = pbox[1];
    PetscCall(HcGridSetDomain(grid, box[0], box[1], box[2], box[3]));
  }
  px = grid->periodic_set ? grid->periodic[0] : HcGridDefaultPeriodicX_Private(grid);
  /* a default set in code for a Cartesian box (hycast generate's periodic square) cannot hold on a sphere: -grid_type
     latlon alone must give a valid grid */
  py = grid->periodic_set && grid->type != HC_GRID_LATLON ? grid->periodic[1] : PETSC_FALSE;
  PetscCall(PetscOptionsBool("-grid_periodic_x", "Periodic in x (default: true for lat-lon grids spanning 360 degrees)",
                             "HcGridSetPeriodic", px, &px, NULL));
  PetscCall(PetscOptionsBool("-grid_periodic_y", "Periodic in y (Cartesian grids only)", "HcGridSetPeriodic", py, &py, NULL));
  PetscCall(HcGridSetPeriodic(grid, px, py));
  PetscCall(PetscOptionsReal("-grid_radius", "Sphere radius in metres (lat-lon grids)", "HcGridSetRadius", grid->radius,
                             &grid->radius, NULL));
  PetscCheck(grid->radius > 0, grid->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcGrid: -grid_radius must be positive, got %g",
             (double)grid->radius);
  PetscCall(PetscOptionsStringArray("-grid_fields", "Names of the fields (one degree of freedom each)", "HcGridSetFields", names,
                                    &nf, &flg));
  if (flg) {
    PetscCheck(nf >= 1, grid->comm, PETSC_ERR_ARG_WRONG, "HcGrid: -grid_fields needs at least one name");
    PetscCall(HcGridSetFields(grid, nf, (const char *const *)names));
    for (PetscInt c = 0; c < nf; c++) PetscCall(PetscFree(names[c]));
  }
  n = 2;
  PetscCall(
      PetscOptionsIntArray("-grid_procs", "MPI process grid px,py (default: PETSc decides)", "DMDACreate2d", procs, &n, &flg));
  PetscCheck(!flg || n == 2, grid->comm, PETSC_ERR_ARG_WRONG, "HcGrid: -grid_procs takes two values px,py");
  grid->procs[0] = procs[0];
  grid->procs[1] = procs[1];
  if (!grid->landboxes) PetscCall(PetscMalloc1(4 * HC_MAX_LANDBOXES, &grid->landboxes));
  n = 4 * HC_MAX_LANDBOXES;
  PetscCall(PetscOptionsRealArray("-grid_land_boxes", "Land boxes x0,x1,y0,y1[,...]: cells whose centres lie inside are land",
                                  "HcGridSetMask", grid->landboxes, &n, &flg));
  if (flg) {
    PetscCheck(n % 4 == 0, grid->comm, PETSC_ERR_ARG_WRONG,
               "HcGrid: -grid_land_boxes takes groups of four values x0,x1,y0,y1, got %" PetscInt_FMT " values", n);
    grid->nlandboxes = n / 4;
  }
  PetscCall(
      PetscOptionsBool("-grid_view", "Print a summary of the grid after set-up", "HcGridView", grid->view, &grid->view, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* Index maps for metric arrays outside [0, n): wrap on periodic directions, clamp (copy the edge cell) elsewhere. */
static inline PetscInt HcWrap_Private(PetscInt i, PetscInt n)
{
  return ((i % n) + n) % n;
}

static PetscErrorCode HcGridSetUpMetrics_Private(HcGrid grid)
{
  const PetscInt  G = HC_GRID_GHOST, nx = grid->nx, ny = grid->ny;
  const PetscBool latlon = grid->type == HC_GRID_LATLON ? PETSC_TRUE : PETSC_FALSE;
  const PetscReal deg = PETSC_PI / 180, s = latlon ? grid->radius * deg : 1;
  PetscReal      *xf, *yf, *xw, *xd, *yw, *yd, *cc, *cf, *ya, xper = 0, yper = 0;
  HcGridMetrics  *m = &grid->m;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(2 * (nx + 2 * G) + 5 * (ny + 2 * G), &grid->mstore));
  xw = grid->mstore + G;
  xd = xw + nx + 2 * G;
  yw = xd + nx + 2 * G;
  yd = yw + ny + 2 * G;
  cc = yd + ny + 2 * G;
  cf = cc + ny + 2 * G;
  ya = cf + ny + 2 * G;
  PetscCall(PetscMalloc2(nx + 1, &grid->xf, ny + 1, &grid->yf));
  xf = grid->xf;
  yf = grid->yf;
  /* Faces sit half-way between centres; the outer faces half a spacing out (or half-way across the period). */
  grid->period[0] = grid->period[1] = 0;
  if (grid->periodic[0])
    xper = grid->coords_set ? (latlon ? 360 : (grid->xc[nx - 1] - grid->xc[0]) * nx / (nx - 1)) : grid->box[1] - grid->box[0];
  if (grid->periodic[1]) yper = grid->coords_set ? (grid->yc[ny - 1] - grid->yc[0]) * ny / (ny - 1) : grid->box[3] - grid->box[2];
  for (PetscInt i = 1; i < nx; i++) xf[i] = 0.5 * (grid->xc[i - 1] + grid->xc[i]);
  xf[0]  = grid->periodic[0] ? 0.5 * (grid->xc[nx - 1] - xper + grid->xc[0]) : grid->xc[0] - 0.5 * (grid->xc[1] - grid->xc[0]);
  xf[nx] = grid->periodic[0] ? xf[0] + xper : grid->xc[nx - 1] + 0.5 * (grid->xc[nx - 1] - grid->xc[nx - 2]);
  for (PetscInt j = 1; j < ny; j++) yf[j] = 0.5 * (grid->yc[j - 1] + grid->yc[j]);
  yf[0]  = grid->periodic[1] ? 0.5 * (grid->yc[ny - 1] - yper + grid->yc[0]) : grid->yc[0] - 0.5 * (grid->yc[1] - grid->yc[0]);
  yf[ny] = grid->periodic[1] ? yf[0] + yper : grid->yc[ny - 1] + 0.5 * (grid->yc[ny - 1] - grid->yc[ny - 2]);
  grid->period[0] = xper;
  grid->period[1] = yper;
  if (latlon) {
    yf[0]  = PetscMax(yf[0], -90);
    yf[ny] = PetscMin(yf[ny], 90);
  }
  if (grid->periodic[0])
    PetscCheck(xf[0] + xper > grid->xc[nx - 1], grid->comm, PETSC_ERR_ARG_WRONG,
               "HcGrid: x coordinates span more than the period %g", (double)xper);
  for (PetscInt i = 0; i < nx; i++) {
    xw[i] = (xf[i + 1] - xf[i]) * s;
    xd[i] = (i < nx - 1 ? grid->xc[i + 1] - grid->xc[i] : grid->xc[0] + xper - grid->xc[nx - 1]) * s;
  }
  for (PetscInt j = 0; j < ny; j++) {
    yw[j] = (yf[j + 1] - yf[j]) * s;
    yd[j] = (j < ny - 1 ? grid->yc[j + 1] - grid->yc[j] : grid->yc[0] + yper - grid->yc[ny - 1]) * s;
    cc[j] = latlon ? PetscCosReal(grid->yc[j] * deg) : 1;
    cf[j] = latlon ? (PetscAbsReal(yf[j + 1]) >= 90 ? 0 : PetscCosReal(yf[j + 1] * deg)) : 1; /* a pole face has no length */
    ya[j] = latlon ? grid->radius * (PetscSinReal(yf[j + 1] * deg) - PetscSinReal(yf[j] * deg)) : yw[j];
    /* A row centred on a pole is a ring of wedges of the polar cap: cos(lat) at its centre is 0, so its x metric is the
       mean of cos(lat) over the cell, area / (R dlon * R dlat), which keeps zonal distances and fluxes finite. */
    if (latlon && PetscAbsReal(grid->yc[j]) >= 90 && yw[j] > 0) cc[j] = ya[j] / yw[j];
  }
  if (!grid->periodic[0]) xd[nx - 1] = xd[nx - 2];
  if (!grid->periodic[1]) yd[ny - 1] = yd[ny - 2];
  for (PetscInt k = 1; k <= G; k++) {
    PetscInt lo    = grid->periodic[0] ? HcWrap_Private(-k, nx) : 0,
             hi    = grid->periodic[0] ? HcWrap_Private(nx - 1 + k, nx) : nx - 1;
    xw[-k]         = xw[lo];
    xd[-k]         = xd[grid->periodic[0] ? lo : 0];
    xw[nx - 1 + k] = xw[hi];
    xd[nx - 1 + k] = xd[grid->periodic[0] ? hi : nx - 1];
    lo             = grid->periodic[1] ? HcWrap_Private(-k, ny) : 0;
    hi             = grid->periodic[1] ? HcWrap_Private(ny - 1 + k, ny) : ny - 1;
    yw[-k]         = yw[lo];
    yd[-k]         = yd[grid->periodic[1] ? lo : 0];
    cc[-k]         = cc[lo];
    cf[-k]         = cf[lo];
    ya[-k]         = ya[lo];
    yw[ny - 1 + k] = yw[hi];
    yd[ny - 1 + k] = yd[grid->periodic[1] ? hi : ny - 1];
    cc[ny - 1 + k] = cc[hi];
    cf[ny - 1 + k] = cf[hi];
    ya[ny - 1 + k] = ya[hi];
  }
  for (PetscInt j = 0; j < ny; j++)
    PetscCheck(ya[j] > 0 && yw[j] > 0 && cc[j] > 0, grid->comm, PETSC_ERR_ARG_WRONG,
               "HcGrid: row %" PetscInt_FMT " (y = %g) has no area; lat-lon centres must lie within [-90, 90]", j,
               (double)grid->yc[j]);
  m->xw = xw;
  m->xd = xd;
  m->yw = yw;
  m->yd = yd;
  m->cc = cc;
  m->cf = cf;
  m->ya = ya;

  PetscFunctionReturn(0);
}

/* Refresh the ghosted mask (zero outside non-periodic walls) and the active-cell count after the mask changed. */
static PetscErrorCode HcGridUpdateMask_Private(HcGrid grid)
{
  PetscReal          local = 0, global;
  PetscInt           n;
  const PetscScalar *a;

  PetscFunctionBegin;
  grid->maskstate++;
  PetscCall(VecSet(grid->maskloc, 0));
  PetscCall(DMGlobalToLocal(grid->da1, grid->mask, INSERT_VALUES, grid->maskloc));
  PetscCall(VecGetLocalSize(grid->mask, &n));
  PetscCall(VecGetArrayRead(grid->mask, &a));
  for (PetscInt k = 0; k < n; k++) local += PetscRealPart(a[k]);
  PetscCall(VecRestoreArrayRead(grid->mask, &a));
  PetscCallMPI(MPI_Allreduce(&local, &global, 1, MPIU_REAL, MPI_SUM, grid->comm));
  grid->nactive = (PetscInt)(global + 0.5);
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridSetUp(HcGrid grid)
{
  DMBoundaryType bx, by;
  PetscScalar  **mk;

  PetscFunctionBegin;
  if (grid->setupcalled) PetscFunctionReturn(0);
  PetscCheck(grid->nx >= 2 && grid->ny >= 2, grid->comm, PETSC_ERR_ARG_OUTOFRANGE, "HcGrid: need at least 2 x 2 cells");
  if (!grid->periodic_set) {
    grid->periodic[0] = HcGridDefaultPeriodicX_Private(grid);
    grid->periodic[1] = PETSC_FALSE;
  }
  PetscCheck(!(grid->type == HC_GRID_LATLON && grid->periodic[1]), grid->comm, PETSC_ERR_ARG_INCOMP,
             "HcGrid: a lat-lon grid cannot be periodic in latitude");
  if (!grid->coords_set) {
    PetscReal box[4];

    HcGridDefaultBox_Private(grid, box);
    for (int k = 0; k < 4; k++) grid->box[k] = box[k];
    PetscCall(PetscMalloc2(grid->nx, &grid->xc, grid->ny, &grid->yc));
    for (PetscInt i = 0; i < grid->nx; i++) grid->xc[i] = box[0] + (i + 0.5) * (box[1] - box[0]) / grid->nx;
    for (PetscInt j = 0; j < grid->ny; j++) grid->yc[j] = box[2] + (j + 0.5) * (box[3] - box[2]) / grid->ny;
  }
  if (grid->type == HC_GRID_LATLON) {
    /* Rows centred on a pole or reaching it are allowed (faces are cut at +-90, where they have no length): the pole
       faces are walls, so nothing flows through them, and every cell keeps a positive area. */
    if (grid->coords_set)
      PetscCheck(grid->yc[0] >= -90 && grid->yc[grid->ny - 1] <= 90, grid->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "HcGrid: latitudes must lie within [-90, 90], got [%g, %g]", (double)grid->yc[0],
                 (double)grid->yc[grid->ny - 1]);
    else
      PetscCheck(grid->box[2] >= -90 && grid->box[3] <= 90, grid->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "HcGrid: latitudes must lie within [-90, 90], got the domain %g to %g", (double)grid->box[2],
                 (double)grid->box[3]);
    if (grid->periodic[0])
      PetscCheck(grid->xc[grid->nx - 1] - grid->xc[0] < 360, grid->comm, PETSC_ERR_ARG_WRONG,
                 "HcGrid: periodic longitudes span 360 degrees or more");
  }
  bx = grid->periodic[0] ? DM_BOUNDARY_PERIODIC : DM_BOUNDARY_GHOSTED;
  by = grid->periodic[1] ? DM_BOUNDARY_PERIODIC : DM_BOUNDARY_GHOSTED;
  PetscCall(DMDACreate2d(grid->comm, bx, by, DMDA_STENCIL_STAR, grid->nx, grid->ny, grid->procs[0], grid->procs[1], grid->nc,
                         HC_GRID_GHOST, NULL, NULL, &grid->da));
  PetscCall(DMSetUp(grid->da));
  for (PetscInt c = 0; c < grid->nc; c++) PetscCall(DMDASetFieldName(grid->da, c, grid->fieldnames[c]));
  PetscCall(DMDACreateCompatibleDMDA(grid->da, 1, &grid->da1));
  PetscCall(DMDASetFieldName(grid->da1, 0, "mask"));
  PetscCall(DMDAGetCorners(grid->da, &grid->xs, &grid->ys, NULL, &grid->xm, &grid->ym, NULL));
  PetscCall(DMDAGetGhostCorners(grid->da, &grid->gxs, &grid->gys, NULL, &grid->gxm, &grid->gym, NULL));
  PetscCall(HcGridSetUpMetrics_Private(grid));
  PetscCall(HcGridRowsSetUp_Private(grid));

  PetscCall(DMCreateGlobalVector(grid->da1, &grid->mask));
  PetscCall(PetscObjectSetName((PetscObject)grid->mask, "mask"));
  PetscCall(DMCreateLocalVector(grid->da1, &grid->maskloc));
  PetscCall(DMDAVecGetArray(grid->da1, grid->mask, &mk));
  for (PetscInt j = grid->ys; j < grid->ys + grid->ym; j++) {
    for (PetscInt i = grid->xs; i < grid->xs + grid->xm; i++) {
      PetscBool land = PETSC_FALSE;
      for (PetscInt b = 0; b < grid->nlandboxes; b++) {
        const PetscReal *lb = grid->landboxes + 4 * b;
        if (grid->xc[i] >= lb[0] && grid->xc[i] <= lb[1] && grid->yc[j] >= lb[2] && grid->yc[j] <= lb[3]) land = PETSC_TRUE;
      }
      mk[j][i] = land ? 0 : 1;
    }
  }
  PetscCall(DMDAVecRestoreArray(grid->da1, grid->mask, &mk));
  PetscCall(HcGridUpdateMask_Private(grid));
  PetscCheck(grid->nactive > 0, grid->comm, PETSC_ERR_ARG_WRONG, "HcGrid: the land boxes cover every cell of the grid");
  grid->setupcalled = PETSC_TRUE;
  if (grid->view) PetscCall(HcGridView(grid, PETSC_VIEWER_STDOUT_(grid->comm)));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcGridCheckSetUp_Private(HcGrid grid)
{
  PetscFunctionBegin;
  PetscCheck(grid->setupcalled, grid->comm, PETSC_ERR_ORDER, "HcGrid: call HcGridSetUp() first");
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridGetDM(HcGrid grid, DM *da)
{
  PetscFunctionBegin;
  PetscCall(HcGridCheckSetUp_Private(grid));
  *da = grid->da;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridGetScalarDM(HcGrid grid, DM *da)
{
  PetscFunctionBegin;
  PetscCall(HcGridCheckSetUp_Private(grid));
  *da = grid->da1;
  PetscFunctionReturn(0);
}

/*@C
  HcGridGetOwnership - the first owned cell (xs, ys) and the owned extent (xm, ym) on this rank.
@*/
PetscErrorCode HcGridGetOwnership(HcGrid grid, PetscInt *xs, PetscInt *ys, PetscInt *xm, PetscInt *ym)
{
  PetscFunctionBegin;
  PetscCall(HcGridCheckSetUp_Private(grid));
  if (xs) *xs = grid->xs;
  if (ys) *ys = grid->ys;
  if (xm) *xm = grid->xm;
  if (ym) *ym = grid->ym;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridCreateGlobalVector(HcGrid grid, Vec *v)
{
  PetscFunctionBegin;
  PetscCall(HcGridCheckSetUp_Private(grid));
  PetscCall(DMCreateGlobalVector(grid->da, v));
  PetscFunctionReturn(0);
}

/*@C
  HcGridCreateVectorDof - a global vector with dof values per cell and the grid's parallel layout (e.g. dof 2 for velocity).
@*/
PetscErrorCode HcGridCreateVectorDof(HcGrid grid, PetscInt dof, Vec *v)
{
  DM da;

  PetscFunctionBegin;
  PetscCall(HcGridCheckSetUp_Private(grid));
  PetscCall(DMDACreateCompatibleDMDA(grid->da, dof, &da));
  PetscCall(DMCreateGlobalVector(da, v));
  PetscCall(DMDestroy(&da)); /* the vector keeps its DM alive */
  PetscFunctionReturn(0);
}

/*@C
  HcGridSetMask - set the land mask from a global vector of the scalar DM: 1 = active (ocean) cell, 0 = land.
@*/
PetscErrorCode HcGridSetMask(HcGrid grid, Vec mask)
{
  PetscInt           n, nm, bad = 0;
  const PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(HcGridCheckSetUp_Private(grid));
  PetscCall(VecGetLocalSize(grid->mask, &n));
  PetscCall(VecGetLocalSize(mask, &nm));
  PetscCheck(n == nm, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "HcGridSetMask: the mask has %" PetscInt_FMT " local values, the grid %" PetscInt_FMT " cells", nm, n);
  PetscCall(VecGetArrayRead(mask, &a));
  for (PetscInt k = 0; k < n; k++)
    if (a[k] != 0 && a[k] != 1) bad++;
  PetscCall(VecRestoreArrayRead(mask, &a));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_SUM, grid->comm));
  PetscCheck(!bad, grid->comm, PETSC_ERR_ARG_WRONG,
             "HcGridSetMask: %" PetscInt_FMT " mask values are neither 0 (land) nor 1 (active)", bad);
  PetscCall(VecCopy(mask, grid->mask));
  PetscCall(HcGridUpdateMask_Private(grid));
  PetscCheck(grid->nactive > 0, grid->comm, PETSC_ERR_ARG_WRONG, "HcGridSetMask: the mask has no active cell");
  PetscFunctionReturn(0);
}

/*@C
  HcGridGetMask - the grid's mask (borrowed: do not destroy or modify; use HcGridSetMask()).
@*/
PetscErrorCode HcGridGetMask(HcGrid grid, Vec *mask)
{
  PetscFunctionBegin;
  PetscCall(HcGridCheckSetUp_Private(grid));
  *mask = grid->mask;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridGetActiveCount(HcGrid grid, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCall(HcGridCheckSetUp_Private(grid));
  *n = grid->nactive;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridCreateAreaVector(HcGrid grid, Vec *area)
{
  PetscScalar **a;

  PetscFunctionBegin;
  PetscCall(HcGridCheckSetUp_Private(grid));
  PetscCall(DMCreateGlobalVector(grid->da1, area));
  PetscCall(PetscObjectSetName((PetscObject)*area, "cell_area"));
  PetscCall(DMDAVecGetArray(grid->da1, *area, &a));
  for (PetscInt j = grid->ys; j < grid->ys + grid->ym; j++)
    for (PetscInt i = grid->xs; i < grid->xs + grid->xm; i++) a[j][i] = grid->m.xw[i] * grid->m.ya[j];
  PetscCall(DMDAVecRestoreArray(grid->da1, *area, &a));
  PetscFunctionReturn(0);
}

/*@C
  HcGridIntegrate - area-weighted sum over the active cells of each field of u; totals[] has one entry per field.
@*/
PetscErrorCode HcGridIntegrate(HcGrid grid, Vec u, PetscReal totals[])
{
  const PetscScalar ***a;
  const PetscScalar  **mk;

  PetscFunctionBegin;
  PetscCall(HcGridCheckSetUp_Private(grid));
  for (PetscInt c = 0; c < grid->nc; c++) totals[c] = 0;
  PetscCall(DMDAVecGetArrayDOFRead(grid->da, u, &a));
  PetscCall(DMDAVecGetArrayRead(grid->da1, grid->mask, &mk));
  for (PetscInt j = grid->ys; j < grid->ys + grid->ym; j++)
    for (PetscInt i = grid->xs; i < grid->xs + grid->xm; i++)
      if (mk[j][i] != 0)
        for (PetscInt c = 0; c < grid->nc; c++) totals[c] += grid->m.xw[i] * grid->m.ya[j] * PetscRealPart(a[j][i][c]);
  PetscCall(DMDAVecRestoreArrayRead(grid->da1, grid->mask, &mk));
  PetscCall(DMDAVecRestoreArrayDOFRead(grid->da, u, &a));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, totals, (PetscMPIInt)grid->nc, MPIU_REAL, MPI_SUM, grid->comm));
  PetscFunctionReturn(0);
}

/*@C
  HcGridEvaluate - fill u by calling fn(x, y, values[nfields], ctx) at every owned cell centre (coordinate units).
@*/
PetscErrorCode HcGridEvaluate(HcGrid grid, PetscErrorCode (*fn)(PetscReal, PetscReal, PetscReal[], void *), void *ctx, Vec u)
{
  PetscScalar ***a;
  PetscReal      vals[HC_MAX_FIELDS];

  PetscFunctionBegin;
  PetscCall(HcGridCheckSetUp_Private(grid));
  PetscCall(DMDAVecGetArrayDOF(grid->da, u, &a));
  for (PetscInt j = grid->ys; j < grid->ys + grid->ym; j++) {
    for (PetscInt i = grid->xs; i < grid->xs + grid->xm; i++) {
      PetscCall(fn(grid->xc[i], grid->yc[j], vals, ctx));
      for (PetscInt c = 0; c < grid->nc; c++) a[j][i][c] = vals[c];
    }
  }
  PetscCall(DMDAVecRestoreArrayDOF(grid->da, u, &a));
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridView(HcGrid grid, PetscViewer viewer)
{
  PetscBool   isascii;
  PetscInt    px, py;
  PetscMPIInt size;
  PetscReal   dmin[2] = {PETSC_MAX_REAL, PETSC_MAX_REAL}, dmax[2] = {0, 0};
  char        fields[1024];

  PetscFunctionBegin;
  PetscCall(HcGridCheckSetUp_Private(grid));
  if (!viewer) viewer = PETSC_VIEWER_STDOUT_(grid->comm);
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &isascii));
  if (!isascii) PetscFunctionReturn(0);
  PetscCall(DMDAGetInfo(grid->da, NULL, NULL, NULL, NULL, &px, &py, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  PetscCallMPI(MPI_Comm_size(grid->comm, &size));
  for (PetscInt i = 0; i < grid->nx - 1; i++) {
    dmin[0] = PetscMin(dmin[0], grid->xc[i + 1] - grid->xc[i]);
    dmax[0] = PetscMax(dmax[0], grid->xc[i + 1] - grid->xc[i]);
  }
  for (PetscInt j = 0; j < grid->ny - 1; j++) {
    dmin[1] = PetscMin(dmin[1], grid->yc[j + 1] - grid->yc[j]);
    dmax[1] = PetscMax(dmax[1], grid->yc[j + 1] - grid->yc[j]);
  }
  fields[0] = 0;
  for (PetscInt c = 0; c < grid->nc; c++) {
    PetscCall(PetscStrlcat(fields, " ", sizeof(fields)));
    PetscCall(PetscStrlcat(fields, grid->fieldnames[c], sizeof(fields)));
  }
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "HcGrid: %s, %" PetscInt_FMT " x %" PetscInt_FMT " cells, %" PetscInt_FMT " field(s):%s\n",
                                   HcGridTypes[grid->type], grid->nx, grid->ny, grid->nc, fields));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  for (int d = 0; d < 2; d++) {
    const PetscReal *cen = d ? grid->yc : grid->xc;
    const PetscInt   n   = d ? grid->ny : grid->nx;
    const char      *ax  = grid->type == HC_GRID_LATLON ? (d ? "latitude " : "longitude") : (d ? "y" : "x");
    const char      *un  = grid->type == HC_GRID_LATLON ? " deg" : "";
    PetscBool        uni = (dmax[d] - dmin[d] <= 1e-9 * dmax[d]) ? PETSC_TRUE : PETSC_FALSE;

    if (uni)
      PetscCall(PetscViewerASCIIPrintf(viewer, "%s: centres %g .. %g%s, uniform spacing %g%s, %s\n", ax, (double)cen[0],
                                       (double)cen[n - 1], un, (double)dmin[d], un,
                                       grid->periodic[d] ? "periodic" : "closed walls"));
    else
      PetscCall(PetscViewerASCIIPrintf(viewer, "%s: centres %g .. %g%s, non-uniform spacing %g .. %g%s, %s\n", ax, (double)cen[0],
                                       (double)cen[n - 1], un, (double)dmin[d], (double)dmax[d], un,
                                       grid->periodic[d] ? "periodic" : "closed walls"));
  }
  if (grid->type == HC_GRID_LATLON)
    PetscCall(
        PetscViewerASCIIPrintf(viewer, "sphere radius %g m; metrics dx = R cos(lat) dlon, dy = R dlat\n", (double)grid->radius));
  PetscCall(PetscViewerASCIIPrintf(viewer, "active cells %" PetscInt_FMT " of %" PetscInt_FMT " (land fraction %.4f)\n",
                                   grid->nactive, grid->nx * grid->ny,
                                   1.0 - (double)grid->nactive / (double)(grid->nx * grid->ny)));
  PetscCall(PetscViewerASCIIPrintf(viewer, "%d MPI rank(s), process grid %" PetscInt_FMT " x %" PetscInt_FMT "\n", size, px, py));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridReference(HcGrid grid)
{
  PetscFunctionBegin;
  grid->refct++;
  PetscFunctionReturn(0);
}

PetscErrorCode HcGridDestroy(HcGrid *grid)
{
  HcGrid g;

  PetscFunctionBegin;
  if (!grid || !*grid) PetscFunctionReturn(0);
  g     = *grid;
  *grid = NULL;
  if (--g->refct > 0) PetscFunctionReturn(0);
  PetscCall(PetscFree(g->prefix));
  PetscCall(PetscStrArrayDestroy(&g->fieldnames));
  PetscCall(PetscFree2(g->xc, g->yc));
  PetscCall(PetscFree2(g->xf, g->yf));
  PetscCall(PetscFree(g->landboxes));
  PetscCall(PetscFree(g->mstore));
  PetscCall(HcGridRowsDestroy_Private(g));
  PetscCall(VecDestroy(&g->mask));
  PetscCall(VecDestroy(&g->maskloc));
  PetscCall(DMDestroy(&g->da1));
  PetscCall(DMDestroy(&g->da));
  PetscCall(PetscFree(g));
  PetscFunctionReturn(0);
}

/*@C
  HcGridCreateWithFields - a grid like grid (type, cell centres, periodicity, radius, process layout and land mask) with
  other fields: a vector of it has the same cells on the same rank, field by field (e.g. to write data and auxiliary
  fields to one file).
@*/
PetscErrorCode HcGridCreateWithFields(HcGrid grid, PetscInt nf, const char *const names[], HcGrid *out)
{
  HcGrid   g;
  PetscInt px, py;

  PetscFunctionBegin;
  PetscCall(HcGridCheckSetUp_Private(grid));
  PetscCall(DMDAGetInfo(grid->da, NULL, NULL, NULL, NULL, &px, &py, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  PetscCall(HcGridCreate(grid->comm, &g));
  PetscCall(HcGridSetType(g, grid->type));
  PetscCall(HcGridSetCoordinates(g, grid->nx, grid->xc, grid->ny, grid->yc));
  PetscCall(HcGridSetPeriodic(g, grid->periodic[0], grid->periodic[1]));
  PetscCall(HcGridSetRadius(g, grid->radius));
  PetscCall(HcGridSetProcesses(g, px, py));
  PetscCall(HcGridSetFields(g, nf, names));
  PetscCall(HcGridSetUp(g));
  PetscCall(HcGridSetMask(g, grid->mask));
  *out = g;
  PetscFunctionReturn(0);
}

/*@C
    HcGridCreateFromDescription - a grid (set up) from a description file of grids/: the -grid_* options in YAML or
  PETSc's plain options format; nc > 0 field names replace the description's.  The file's options live in a private database, so
they neither mix with the command line's nor show as unused.
@*/
PetscErrorCode HcGridCreateFromDescription(MPI_Comm comm, const char file[], PetscInt nc, const char *const names[], HcGrid *grid)
{
  PetscOptions   opts;
  PetscBool      exists;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscTestFile(file, 'r', &exists));
  PetscCheck(exists, comm, PETSC_ERR_FILE_OPEN, "grid description %s: no such file (see grids/)", file);
  PetscCall(PetscOptionsCreate(&opts));
  PetscCall(PetscOptionsInsertFile(comm, opts, file, PETSC_TRUE));
  PetscCall(PetscOptionsPush(opts));
  ierr = HcGridCreate(comm, grid);
  if (!ierr) ierr = HcGridSetFromOptions(*grid);
  if (!ierr && nc > 0) ierr = HcGridSetFields(*grid, nc, names); /* the fields come from the data, not the description */
  if (!ierr) ierr = HcGridSetUp(*grid);
  PetscCall(PetscOptionsPop());
  PetscCall(PetscOptionsDestroy(&opts));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
