static const char help[] =
    "The fast paths give the results of the general code: the physics term's vectorised sweeps (every face open, a\n"
    "constant velocity) against the general sweeps for F, J v, J^T w, (dF/dtheta) dtheta and (dF/dtheta)^T w, every\n"
    "scheme and both velocity signs, uniform and non-uniform periodic grids, with the fast path checked to be in use (with\n"
    "scalar x-face coefficients on the uniform grid, rows of them on the stretched one); its stand-alone F exchanging\n"
    "the ghost rows itself (one rank across each row) against F from a ghosted copy, bit for bit, and where it must not\n"
    "be taken (ranks across rows, walls in y, the fast path off on some rank);\n"
    "the MLP's row blocks (features and their transpose a grid row at a time) against cell by cell, on a uniform and a\n"
    "stretched periodic grid (every block a row block) and a masked one (some): the five products bit for bit;\n"
    "and the parameter gradient that the MLP and the Fourier layer keep from J^T w for (dF/dtheta)^T w of the same w,\n"
    "against the gradient computed alone, after J^T of the same w and of another w.\n";

#define _POSIX_C_SOURCE 200809L /* getpid */
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <hycast/private/switches.h>
#include "testutil.h"

/* The term's view as text on every rank (the view goes through a file: HcTermView writes to ASCII viewers only). */
#define VIEW_LEN 8192
static PetscErrorCode ViewText(HcTerm term, char text[VIEW_LEN])
{
  PetscViewer viewer;
  char        path[PETSC_MAX_PATH_LEN];
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(PetscSNPrintf(path, sizeof(path), "t045-view-%d.txt", (int)getpid()));
  PetscCallMPI(MPI_Bcast(path, sizeof(path), MPI_CHAR, 0, PETSC_COMM_WORLD));
  PetscCall(PetscViewerASCIIOpen(PETSC_COMM_WORLD, path, &viewer));
  PetscCall(HcTermView(term, viewer));
  PetscCall(PetscViewerDestroy(&viewer));
  text[0] = 0;
  if (!rank) {
    FILE  *fp = fopen(path, "r");
    size_t n  = fp ? fread(text, 1, VIEW_LEN - 1, fp) : 0;

    if (fp) fclose(fp);
    text[n] = 0;
    remove(path);
  }
  PetscCallMPI(MPI_Bcast(text, VIEW_LEN, MPI_CHAR, 0, PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

/* on: the term's view says the fast path is on every rank; with uniform given, also that the x-uniform sweeps (scalar
   x-face coefficients) are used on every rank (uniform = 1) or on none (uniform = 0) */
static PetscErrorCode FastPathOn(HcTerm term, int uniform, PetscBool *on)
{
  char        text[VIEW_LEN], expect[64];
  PetscMPIInt size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(ViewText(term, text));
  if (uniform < 0)
    PetscCall(PetscSNPrintf(expect, sizeof(expect), "fast path on %d of %d", (int)size, (int)size));
  else
    PetscCall(PetscSNPrintf(expect, sizeof(expect), "fast path on %d of %d rank(s), uniform along x on %d", (int)size, (int)size,
                            uniform ? (int)size : 0));
  *on = strstr(text, expect) ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscReal RelDiffVec(Vec a, Vec b)
{
  PetscReal e;

  if (HcTestRelError(a, b, &e)) return PETSC_MAX_REAL;
  return e;
}

static PetscReal RelDiffArray(PetscInt n, const PetscReal a[], const PetscReal b[])
{
  PetscReal d = 0, s = 0;

  for (PetscInt k = 0; k < n; k++) {
    d += (a[k] - b[k]) * (a[k] - b[k]);
    s += b[k] * b[k];
  }
  return PetscSqrtReal(d / PetscMax(s, 1e-300));
}

/* A non-uniform periodic grid: cell centres with a smooth stretching in both directions; process grid px x py
   (PETSC_DECIDE: PETSc's choice). */
static PetscErrorCode CreateStretchedGridOn(MPI_Comm comm, PetscInt nx, PetscInt ny, PetscInt px, PetscInt py, HcGrid *grid)
{
  PetscReal  *xc, *yc;
  const char *names[] = {"a", "b"};

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(nx, &xc, ny, &yc));
  for (PetscInt i = 0; i < nx; i++) {
    const PetscReal s = (i + 0.5) / nx;
    xc[i]             = s + 0.04 * PetscSinReal(2 * PETSC_PI * s);
  }
  for (PetscInt j = 0; j < ny; j++) {
    const PetscReal s = (j + 0.5) / ny;
    yc[j]             = 2 * (s + 0.05 * PetscSinReal(2 * PETSC_PI * s));
  }
  PetscCall(HcGridCreate(comm, grid));
  PetscCall(HcGridSetCoordinates(*grid, nx, xc, ny, yc));
  PetscCall(HcGridSetDomain(*grid, 0, 1, 0, 2));
  PetscCall(HcGridSetPeriodic(*grid, PETSC_TRUE, PETSC_TRUE));
  PetscCall(HcGridSetProcesses(*grid, px, py));
  PetscCall(HcGridSetFields(*grid, 2, names));
  PetscCall(HcGridSetUp(*grid));
  PetscCall(PetscFree2(xc, yc));
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateStretchedGrid(MPI_Comm comm, PetscInt nx, PetscInt ny, HcGrid *grid)
{
  PetscFunctionBeginUser;
  PetscCall(CreateStretchedGridOn(comm, nx, ny, PETSC_DECIDE, PETSC_DECIDE, grid));
  PetscFunctionReturn(0);
}

/* A uniform Cartesian grid of two fields on the process grid px x py */
static PetscErrorCode CreateGridOn(MPI_Comm comm, PetscInt nx, PetscInt ny, PetscBool perx, PetscBool pery, PetscInt px,
                                   PetscInt py, HcGrid *grid)
{
  const char *names[] = {"a", "b"};

  PetscFunctionBeginUser;
  PetscCall(HcGridCreate(comm, grid));
  PetscCall(HcGridSetSizes(*grid, nx, ny));
  PetscCall(HcGridSetPeriodic(*grid, perx, pery));
  PetscCall(HcGridSetProcesses(*grid, px, py));
  PetscCall(HcGridSetFields(*grid, 2, names));
  PetscCall(HcGridSetUp(*grid));
  PetscFunctionReturn(0);
}

/* Land at the single cell (3, 4): the fast path is off on the ranks whose sweeps reach grid row 4 and on elsewhere (on
   2 and 4 ranks of a 1 x P grid of 20 rows, some of each) */
static PetscErrorCode SetLandCell(HcGrid grid)
{
  DM            da1;
  Vec           mask;
  PetscScalar **m;
  PetscInt      xs, ys, xm, ym;

  PetscFunctionBeginUser;
  PetscCall(HcGridGetScalarDM(grid, &da1));
  PetscCall(HcGridGetOwnership(grid, &xs, &ys, &xm, &ym));
  PetscCall(DMCreateGlobalVector(da1, &mask));
  PetscCall(VecSet(mask, 1));
  PetscCall(DMDAVecGetArray(da1, mask, &m));
  if (ys <= 4 && 4 < ys + ym && xs <= 3 && 3 < xs + xm) m[4][3] = 0;
  PetscCall(DMDAVecRestoreArray(da1, mask, &m));
  PetscCall(HcGridSetMask(grid, mask));
  PetscCall(VecDestroy(&mask));
  PetscFunctionReturn(0);
}

/* The number of VecScatterBegin calls so far on this rank (DMGlobalToLocal makes one) */
static PetscErrorCode ScatterCount(PetscInt *count)
{
  PetscLogEvent      ev;
  PetscEventPerfInfo info;

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventGetId("VecScatterBegin", &ev));
  PetscCall(PetscLogEventGetPerfInfo(PETSC_DETERMINE, ev, &info));
  *count = info.count;
  PetscFunctionReturn(0);
}

/* The physics term's stand-alone F with the ghost rows exchanged while the interior rows are swept, against F from a
   ghosted copy of u (-physics_overlap 0): bit for bit, twice (the second call reuses the decision and the buffers);
   expect: whether the exchange is in use on this grid (the view says so, and F then makes no VecScatter on any
   rank while the copy makes some); mixed: the fast path is on some ranks but not all (the view's count). */
static PetscErrorCode CheckOverlap(HcGrid grid, const char label[], PetscBool expect, PetscBool mixed)
{
  MPI_Comm        comm = PETSC_COMM_WORLD;
  const PetscReal K[2] = {3e-3, 1.2e-3};
  HcTerm          t[2];
  HcModel         m[2];
  Vec             u, f[4];
  PetscReal       d[2][3];
  char            text[VIEW_LEN];
  PetscBool       on, off;
  PetscInt        sc[5], nsc[4];

  PetscFunctionBeginUser;
  /* the term alone (HcTermApply) and as a physics-only model's only term (HcModelApplyRHS) */
  for (int k = 0; k < 2; k++) {
    PetscCall(HcTermCreate(grid, &t[k]));
    PetscCall(HcTermSetType(t[k], HCTERMADVDIFF));
    PetscCall(HcTermAdvDiffSetScheme(t[k], HC_ADVECTION_UPWIND2));
    PetscCall(HcTermAdvDiffSetDiffusivity(t[k], K));
    PetscCall(HcTermAdvDiffSetVelocity(t[k], 0.6, -0.35));
    PetscCall(HcTermAdvDiffSetOverlap(t[k], k == 0 ? PETSC_TRUE : PETSC_FALSE));
    PetscCall(HcModelCreate(grid, &m[k]));
    PetscCall(HcModelAddTerm(m[k], t[k]));
    PetscCall(HcModelSetUp(m[k]));
  }
  PetscCall(ViewText(t[0], text));
  on = strstr(text, "stand-alone F: ghost rows exchanged while the interior rows are swept\n") ? PETSC_TRUE : PETSC_FALSE;
  if (mixed) {
    const char *l = strstr(text, "fast path on ");
    int         k = -1, n = -1;

    if (l) sscanf(l, "fast path on %d of %d", &k, &n);
    PetscCall(HcTestCheck(comm, k > 0 && k < n, "%-34s fast path on %d of %d ranks (some, not all)", label, k, n));
  }
  PetscCall(ViewText(t[1], text));
  off = strstr(text, "stand-alone F: a ghosted copy of u (DMGlobalToLocal) (-physics_overlap 0)") ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  for (int k = 0; k < 4; k++) PetscCall(VecDuplicate(u, &f[k]));
  for (int rep = 0; rep < 2; rep++) {
    PetscCall(HcTestSmoothField(grid, 21 + rep, u));
    PetscCall(ScatterCount(&sc[0]));
    for (int k = 0; k < 4; k++) { /* term with the exchange, term with the copy, model with, model without */
      PetscCall(VecSet(f[k], NAN));
      if (k < 2)
        PetscCall(HcTermApply(t[k], 0, u, f[k]));
      else
        PetscCall(HcModelApplyRHS(m[k - 2], 0, u, f[k]));
      PetscCall(ScatterCount(&sc[k + 1]));
      nsc[k] = sc[k + 1] - sc[k];
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, nsc, 4, MPIU_INT, MPI_SUM, comm));
    for (int k = 0; k < 4; k++)
      if (k != 1) {
        PetscCall(VecAXPY(f[k], -1, f[1]));
        PetscCall(VecNorm(f[k], NORM_INFINITY, &d[rep][k ? k - 1 : 0]));
      }
  }
  PetscCall(HcTestCheck(comm, on == expect && off && (nsc[0] == 0) == expect && nsc[1] > 0,
                        "%-34s stand-alone F %s (view; VecScatters %" PetscInt_FMT ", with the copy %" PetscInt_FMT ")", label,
                        expect ? "exchanges the ghost rows itself" : "takes the ghosted copy", nsc[0], nsc[1]));
  PetscCall(HcTestCheck(comm, (nsc[2] == 0) == expect && nsc[3] > 0,
                        "%-34s physics-only model's F: VecScatters %" PetscInt_FMT ", with the copy %" PetscInt_FMT, label,
                        nsc[2], nsc[3]));
  PetscCall(HcTestCheck(
      comm, d[0][0] == 0 && d[1][0] == 0 && d[0][1] == 0 && d[1][1] == 0 && d[0][2] == 0 && d[1][2] == 0,
      "%-34s F (term; models with and without) against the ghosted copy's: max diff %.1e %.1e %.1e (bit for bit)", label,
      (double)PetscMax(d[0][0], d[1][0]), (double)PetscMax(d[0][1], d[1][1]), (double)PetscMax(d[0][2], d[1][2])));
  PetscCall(VecDestroy(&u));
  for (int k = 0; k < 4; k++) PetscCall(VecDestroy(&f[k]));
  for (int k = 0; k < 2; k++) {
    PetscCall(HcModelDestroy(&m[k]));
    PetscCall(HcTermDestroy(&t[k]));
  }
  PetscFunctionReturn(0);
}

/* The five products of two terms (F, J v, J^T w, J_p dth, J_p^T w) at a smooth u with random v, w from seeds s, s + 1,
   s + 2: their relative differences in e. */
static PetscErrorCode CompareProducts(HcGrid grid, HcTerm t[2], unsigned long s, const PetscReal dth[], PetscReal e[5])
{
  Vec        u, v, w, y[2];
  PetscReal *g[2];
  PetscInt   np;

  PetscFunctionBeginUser;
  PetscCall(HcTermGetNumParameters(t[0], &np));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(VecDuplicate(u, &y[0]));
  PetscCall(VecDuplicate(u, &y[1]));
  PetscCall(HcTestSmoothField(grid, s, u));
  PetscCall(HcTestRandomField(grid, s + 1, 1, v));
  PetscCall(HcTestRandomField(grid, s + 2, 1, w));
  PetscCall(PetscMalloc2(np, &g[0], np, &g[1]));
  for (int k = 0; k < 2; k++) {
    PetscCall(VecSet(y[k], NAN)); /* HcTermApply overwrites f (a term may write it instead of zeroing and adding) */
    PetscCall(HcTermApply(t[k], 0, u, y[k]));
  }
  e[0] = RelDiffVec(y[0], y[1]);
  for (int k = 0; k < 2; k++) {
    PetscCall(HcTermLinearize(t[k], 0, u));
    PetscCall(HcTermApplyJacobian(t[k], v, y[k]));
  }
  e[1] = RelDiffVec(y[0], y[1]);
  for (int k = 0; k < 2; k++) PetscCall(HcTermApplyJacobianTranspose(t[k], w, y[k]));
  e[2] = RelDiffVec(y[0], y[1]);
  for (int k = 0; k < 2; k++) PetscCall(HcTermApplyParameterJacobian(t[k], dth, y[k]));
  e[3] = RelDiffVec(y[0], y[1]);
  for (int k = 0; k < 2; k++) PetscCall(HcTermApplyParameterJacobianTranspose(t[k], w, g[k]));
  e[4] = RelDiffArray(np, g[0], g[1]);
  PetscCall(PetscFree2(g[0], g[1]));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&y[0]));
  PetscCall(VecDestroy(&y[1]));
  PetscFunctionReturn(0);
}

/* The physics term with and without its fast path: the five products. */
static PetscErrorCode CheckPhysics(HcGrid grid, const char label[], HcAdvectionScheme scheme, PetscReal vx, PetscReal vy,
                                   int uniform)
{
  MPI_Comm        comm = PETSC_COMM_WORLD;
  HcTerm          t[2];
  const PetscReal dth[4] = {0.3, -0.7, 0.45, -0.2}, K[2] = {3e-3, 1.2e-3};
  PetscReal       e[5];
  PetscBool       on, off;

  PetscFunctionBeginUser;
  for (int k = 0; k < 2; k++) {
    PetscCall(HcTermCreate(grid, &t[k]));
    PetscCall(HcTermSetType(t[k], HCTERMADVDIFF));
    PetscCall(HcTermAdvDiffSetScheme(t[k], scheme));
    PetscCall(HcTermAdvDiffSetDiffusivity(t[k], K));
    PetscCall(HcTermAdvDiffSetVelocity(t[k], vx, vy));
    PetscCall(HcTermAdvDiffSetFastPath(t[k], k == 0 ? PETSC_TRUE : PETSC_FALSE));
    PetscCall(HcTermSetUp(t[k]));
  }
  PetscCall(FastPathOn(t[0], uniform, &on));
  PetscCall(FastPathOn(t[1], -1, &off));
  PetscCall(CompareProducts(grid, t, 11, dth, e));
  PetscCall(HcTestCheck(comm, on && !off, "%-34s fast path in use (and not in the reference term), %s", label,
                        uniform ? "scalar x-face coefficients" : "x-face coefficient rows"));
  PetscCall(HcTestCheck(comm, e[0] < 1e-14 && e[1] < 1e-14 && e[3] < 1e-14,
                        "%-34s F, J v, J_p dtheta: rel diff %.1e %.1e %.1e (< 1e-14)", label, (double)e[0], (double)e[1],
                        (double)e[3]));
  PetscCall(HcTestCheck(comm, e[2] < 1e-12 && e[4] < 1e-12,
                        "%-34s J^T w, J_p^T w (sums in another order): rel diff %.1e %.1e (< 1e-12)", label, (double)e[2],
                        (double)e[4]));
  PetscCall(HcTermDestroy(&t[0]));
  PetscCall(HcTermDestroy(&t[1]));
  PetscFunctionReturn(0);
}

/* The MLP's view line "blocks of B cells, segments of S: R of N segments lie in a grid row": R and N summed over the
   ranks. */
static PetscErrorCode MLPRowBlocks(HcTerm term, PetscInt *rows, PetscInt *blocks)
{
  char        text[VIEW_LEN];
  const char *l;
  long        n[2] = {-1, -1};
  int         bs, ss;

  PetscFunctionBeginUser;
  PetscCall(ViewText(term, text));
  l = strstr(text, "blocks of ");
  if (!l || sscanf(l, "blocks of %d cells, segments of %d: %ld of %ld", &bs, &ss, &n[0], &n[1]) != 4) n[0] = n[1] = -1;
  *rows   = (PetscInt)n[0];
  *blocks = (PetscInt)n[1];
  PetscFunctionReturn(0);
}

/* The MLP with row blocks and cell by cell: F, J v, J^T w, J_p dtheta, J_p^T w exactly equal; all = every block a row
   block (else some but not all). */
static PetscErrorCode CheckMLPRows(HcGrid grid, const char label[], PetscBool all)
{
  MPI_Comm   comm = PETSC_COMM_WORLD;
  HcTerm     t[2];
  PetscReal *dth, e[5];
  PetscInt   np, rows[2], blocks[2];

  PetscFunctionBeginUser;
  for (int k = 0; k < 2; k++) {
    PetscCall(HcTermCreate(grid, &t[k]));
    PetscCall(HcTermSetType(t[k], HCTERMMLP));
    PetscCall(HcTermMLPSetInitialization(t[k], 7, 1.0));
    PetscCall(HcTermMLPSetRowBlocks(t[k], PETSC_TRUE));
    PetscCall(HcTermSetUp(t[k]));
    if (k == 1) PetscCall(HcTermMLPSetRowBlocks(t[k], PETSC_FALSE)); /* after set-up: the blocks are classified again */
    PetscCall(MLPRowBlocks(t[k], &rows[k], &blocks[k]));
  }
  PetscCall(HcTermGetNumParameters(t[0], &np));
  PetscCall(PetscMalloc1(np, &dth));
  for (PetscInt k = 0; k < np; k++) dth[k] = PetscSinReal(0.7 * (PetscReal)k + 0.3);
  PetscCall(CompareProducts(grid, t, 31, dth, e));
  PetscCall(HcTestCheck(comm, rows[1] == 0 && blocks[0] > 0 && (all ? rows[0] == blocks[0] : rows[0] > 0 && rows[0] < blocks[0]),
                        "%-34s MLP row blocks: %" PetscInt_FMT " of %" PetscInt_FMT " (%s), none when off", label, rows[0],
                        blocks[0], all ? "all" : "some, not all"));
  PetscCall(HcTestCheck(comm, e[0] == 0 && e[1] == 0 && e[2] == 0 && e[3] == 0 && e[4] == 0,
                        "%-34s MLP F, J v, J^T w, J_p dtheta, J_p^T w with and without row blocks: rel diff %.1e %.1e %.1e "
                        "%.1e %.1e (all exactly 0)",
                        label, (double)e[0], (double)e[1], (double)e[2], (double)e[3], (double)e[4]));
  PetscCall(PetscFree(dth));
  PetscCall(HcTermDestroy(&t[0]));
  PetscCall(HcTermDestroy(&t[1]));
  PetscFunctionReturn(0);
}

/* A term of the given type with the -kept_ options, set up; its parameter count and a state vector */
static PetscErrorCode CreateKeptTerm(HcGrid grid, const char type[], HcTerm *term, PetscInt *np, Vec *u)
{
  PetscFunctionBeginUser;
  PetscCall(HcTermCreate(grid, term));
  PetscCall(HcTermSetType(*term, type));
  PetscCall(HcTermSetOptionsPrefix(*term, "kept_"));
  PetscCall(HcTermSetFromOptions(*term));
  PetscCall(HcTermSetUp(*term));
  PetscCall(HcTermGetNumParameters(*term, np));
  PetscCall(HcGridCreateGlobalVector(grid, u));
  PetscFunctionReturn(0);
}

/* (dF/dtheta)^T w computed alone, right after J^T w (the kept gradient), and after J^T of another w: the same numbers. */
static PetscErrorCode CheckKeptGradient(HcGrid grid, const char type[])
{
  MPI_Comm   comm = PETSC_COMM_WORLD;
  HcTerm     term;
  Vec        u, w, w2, y;
  PetscReal *g[3], e[2];
  PetscInt   np;

  PetscFunctionBeginUser;
  PetscCall(CreateKeptTerm(grid, type, &term, &np, &u));
  PetscCall(VecDuplicate(u, &w));
  PetscCall(VecDuplicate(u, &w2));
  PetscCall(VecDuplicate(u, &y));
  PetscCall(HcTestSmoothField(grid, 21, u));
  PetscCall(HcTestRandomField(grid, 22, 1, w));
  PetscCall(HcTestRandomField(grid, 23, 1, w2));
  PetscCall(PetscMalloc3(np, &g[0], np, &g[1], np, &g[2]));
  PetscCall(HcTermLinearize(term, 0, u));
  PetscCall(HcTermApplyParameterJacobianTranspose(term, w, g[0]));
  PetscCall(HcTermApplyJacobianTranspose(term, w, y));
  PetscCall(HcTermApplyParameterJacobianTranspose(term, w, g[1]));
  PetscCall(HcTermApplyJacobianTranspose(term, w2, y));
  PetscCall(HcTermApplyParameterJacobianTranspose(term, w, g[2]));
  e[0] = RelDiffArray(np, g[1], g[0]);
  e[1] = RelDiffArray(np, g[2], g[0]);
  PetscCall(HcTestCheck(comm, e[0] == 0 && e[1] == 0,
                        "%-4s (dF/dtheta)^T w kept from J^T w: rel diff %.1e; after J^T of another w: %.1e (both exactly 0)",
                        type, (double)e[0], (double)e[1]));
  PetscCall(PetscFree3(g[0], g[1], g[2]));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&w2));
  PetscCall(VecDestroy(&y));
  PetscCall(HcTermDestroy(&term));
  PetscFunctionReturn(0);
}

/* The MLP keeps a linearisation lazy until a product needs its cache: the first J^T sweep computes every block's rows as
   it goes, a second sweep or J v fills the cache first.  Both ways give the same numbers: J^T w from the lazy sweep,
   from the filled cache, and after a new linearisation whose first product is J v; (dF/dtheta)^T w alone, lazily and
   from the cache; J v from a cache filled by the second sweep and by the first product. */
static PetscErrorCode CheckLazyLinearization(HcGrid grid, const char type[])
{
  MPI_Comm   comm = PETSC_COMM_WORLD;
  HcTerm     term;
  Vec        u, v, w, y[3], z[2];
  PetscReal *g[2], e[4];
  PetscInt   np;

  PetscFunctionBeginUser;
  PetscCall(CreateKeptTerm(grid, type, &term, &np, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &w));
  for (int k = 0; k < 3; k++) PetscCall(VecDuplicate(u, &y[k]));
  for (int k = 0; k < 2; k++) PetscCall(VecDuplicate(u, &z[k]));
  PetscCall(HcTestSmoothField(grid, 41, u));
  PetscCall(HcTestRandomField(grid, 42, 1, v));
  PetscCall(HcTestRandomField(grid, 43, 1, w));
  PetscCall(PetscMalloc2(np, &g[0], np, &g[1]));
  PetscCall(PetscArrayzero(g[0], np));
  PetscCall(PetscArrayzero(g[1], np));
  PetscCall(HcTermLinearize(term, 0, u));
  PetscCall(HcTermApplyParameterJacobianTranspose(term, w, g[0])); /* lazy sweep */
  PetscCall(HcTermApplyJacobianTranspose(term, w, y[0]));          /* second sweep: fills the cache */
  PetscCall(HcTermApplyJacobian(term, v, z[0]));
  PetscCall(HcTermLinearize(term, 0, u));
  PetscCall(HcTermApplyJacobianTranspose(term, w, y[1])); /* lazy sweep */
  PetscCall(HcTermApplyJacobianTranspose(term, w, y[2])); /* from the filled cache */
  PetscCall(HcTermLinearize(term, 0, u));
  PetscCall(HcTermApplyJacobian(term, v, z[1])); /* fills the cache first */
  PetscCall(HcTermApplyParameterJacobianTranspose(term, w, g[1]));
  e[0] = RelDiffVec(y[1], y[0]);
  e[1] = RelDiffVec(y[2], y[0]);
  e[2] = RelDiffVec(z[1], z[0]);
  e[3] = RelDiffArray(np, g[1], g[0]);
  PetscCall(HcTestCheck(comm, e[0] == 0 && e[1] == 0 && e[2] == 0 && e[3] == 0,
                        "%-4s lazy and filled linearisations: J^T w rel diff %.1e, %.1e; J v %.1e; (dF/dtheta)^T w %.1e "
                        "(all exactly 0)",
                        type, (double)e[0], (double)e[1], (double)e[2], (double)e[3]));
  PetscCall(PetscFree2(g[0], g[1]));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&w));
  for (int k = 0; k < 3; k++) PetscCall(VecDestroy(&y[k]));
  for (int k = 0; k < 2; k++) PetscCall(VecDestroy(&z[k]));
  PetscCall(HcTermDestroy(&term));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm                comm;
  HcGrid                  grid;
  int                     status;
  const HcAdvectionScheme schemes[3] = {HC_ADVECTION_CENTERED, HC_ADVECTION_UPWIND1, HC_ADVECTION_UPWIND2};
  const PetscReal         vel[2][2]  = {{0.6, -0.35}, {-0.45, 0.25}};

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscLogDefaultBegin()); /* event counts: which way HcTermApply went */
  comm = PETSC_COMM_WORLD;
  for (int stretched = 0; stretched < 2; stretched++) {
    if (stretched)
      PetscCall(CreateStretchedGrid(comm, 26, 18, &grid));
    else
      PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, 24, 20, 2, PETSC_TRUE, PETSC_TRUE, &grid));
    for (int s = 0; s < 3; s++)
      for (int d = 0; d < 2; d++) {
        char label[128];

        PetscCall(PetscSNPrintf(label, sizeof(label), "%s, %s, v = (%g, %g)", stretched ? "stretched" : "uniform",
                                HcAdvectionSchemes[schemes[s]], (double)vel[d][0], (double)vel[d][1]));
        PetscCall(CheckPhysics(grid, label, schemes[s], vel[d][0], vel[d][1], !stretched));
      }
    PetscCall(HcGridDestroy(&grid));
  }
  /* the physics term's own ghost-row exchange: every rank spans whole rows, y periodic, two rows or more per rank */
  {
    PetscMPIInt size;

    PetscCallMPI(MPI_Comm_size(comm, &size));
    PetscCall(CreateGridOn(comm, 24, 20, PETSC_TRUE, PETSC_TRUE, 1, size, &grid));
    PetscCall(CheckOverlap(grid, "overlap: 24 x 20, 1 x P", PETSC_TRUE, PETSC_FALSE));
    PetscCall(CheckPhysics(grid, "overlap: 24 x 20, 1 x P", HC_ADVECTION_UPWIND2, 0.6, -0.35, 1));
    PetscCall(HcGridDestroy(&grid));
    PetscCall(CreateStretchedGridOn(comm, 26, 18, 1, size, &grid));
    PetscCall(CheckOverlap(grid, "overlap: stretched 26 x 18, 1 x P", PETSC_TRUE, PETSC_FALSE));
    PetscCall(CheckPhysics(grid, "overlap: stretched 26 x 18, 1 x P", HC_ADVECTION_CENTERED, -0.45, 0.25, 0));
    PetscCall(HcGridDestroy(&grid));
    for (PetscInt r = 2; r <= 3; r++) { /* no interior rows */
      char label[64];

      PetscCall(PetscSNPrintf(label, sizeof(label), "overlap: %" PetscInt_FMT " rows per rank", r));
      PetscCall(CreateGridOn(comm, 24, r * size, PETSC_TRUE, PETSC_TRUE, 1, size, &grid));
      PetscCall(CheckOverlap(grid, label, PETSC_TRUE, PETSC_FALSE));
      PetscCall(HcGridDestroy(&grid));
    }
    if (size > 1) {
      PetscCall(CreateGridOn(comm, 24, 20, PETSC_TRUE, PETSC_TRUE, size, 1, &grid));
      PetscCall(CheckOverlap(grid, "overlap: 24 x 20, P x 1", PETSC_FALSE, PETSC_FALSE));
      PetscCall(HcGridDestroy(&grid));
    }
    PetscCall(CreateGridOn(comm, 24, 20, PETSC_TRUE, PETSC_FALSE, 1, size, &grid));
    PetscCall(CheckOverlap(grid, "overlap: walls in y", PETSC_FALSE, PETSC_FALSE));
    PetscCall(HcGridDestroy(&grid));
    PetscCall(CreateGridOn(comm, 24, 20, PETSC_TRUE, PETSC_TRUE, 1, size, &grid));
    PetscCall(SetLandCell(grid)); /* fast path on some ranks only: all must take the copy */
    PetscCall(CheckOverlap(grid, "overlap: land in row 4", PETSC_FALSE, size > 1 ? PETSC_TRUE : PETSC_FALSE));
    PetscCall(HcGridDestroy(&grid));
  }
  /* rows of 128 cells: whole row segments of 32 on 1, 2 and 4 ranks */
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, 128, 12, 2, PETSC_TRUE, PETSC_TRUE, &grid));
  PetscCall(CheckMLPRows(grid, "periodic 128 x 12", PETSC_TRUE));
  PetscCall(HcGridDestroy(&grid));
  PetscCall(CreateStretchedGrid(comm, 128, 12, &grid)); /* every stencil coefficient differs from its neighbours' */
  PetscCall(CheckMLPRows(grid, "stretched periodic 128 x 12", PETSC_TRUE));
  PetscCall(HcGridDestroy(&grid));
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, 128, 12, 2, PETSC_FALSE, PETSC_TRUE, &grid));
  PetscCall(HcTestSetIrregularMask(grid, 3, 0.02));
  PetscCall(CheckMLPRows(grid, "walls and land, 128 x 12", PETSC_FALSE));
  PetscCall(HcGridDestroy(&grid));
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, 24, 20, 2, PETSC_TRUE, PETSC_TRUE, &grid));
  PetscCall(CheckKeptGradient(grid, HCTERMMLP));
  PetscCall(CheckKeptGradient(grid, HCTERMFNO));
  PetscCall(CheckLazyLinearization(grid, HCTERMMLP));
  PetscCall(CheckLazyLinearization(grid, HCTERMFNO));
  PetscCall(HcGridDestroy(&grid));
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, 22, 15, 2, PETSC_FALSE, PETSC_TRUE, &grid));
  PetscCall(HcTestSetIrregularMask(grid, 5, 0.15));
  PetscCall(CheckKeptGradient(grid, HCTERMMLP));
  PetscCall(CheckKeptGradient(grid, HCTERMFNO));
  PetscCall(CheckLazyLinearization(grid, HCTERMMLP));
  PetscCall(CheckLazyLinearization(grid, HCTERMFNO));
  PetscCall(HcGridDestroy(&grid));
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
