/* HcRegrid: fields from one grid to another (another resolution, another box), bilinear or conservative, aware of
   land.  Each destination cell keeps a short list of (source cell, weight); the source values it needs are gathered
   with one VecScatter per application, so any decomposition of either grid works.

   Bilinear: the four source centres around the destination centre (periodic directions wrap; beyond the outermost
   centres the nearest is used).  Conservative: the source cells that overlap the destination cell, weighted by the
   overlap area (on the sphere the y measure is sin(lat), exact).  Land source cells are dropped and the remaining
   weights renormalised; a destination cell whose active weight is below half of its total is land in the mask that
   HcRegridCreateMask() derives. */
#include <hycast/private/gridimpl.h>

const char *const HcRegridTypes[] = {"bilinear", "conservative", "HcRegridType", "HC_REGRID_", NULL};

struct _p_HcRegrid {
  HcGrid       src, dst;
  HcRegridType type;
  PetscInt     nloc;   /* owned destination cells */
  PetscInt    *ptr;    /* CSR rows: destination cell k uses entries ptr[k] .. ptr[k+1] */
  PetscInt    *col;    /* positions in the gathered source buffer */
  PetscReal   *w;      /* weights over active source cells, normalised */
  PetscReal   *active; /* per destination cell: fraction of its geometric weight on active source cells */
  PetscInt     nneed;
  VecScatter   sc; /* source field (nc per cell) -> buf */
  Vec          buf;
};

/* Position of x within the periodic or bounded centres c[0..n): i and the fraction a towards i+1. */
static void HcBracket_Private(const PetscReal *c, PetscInt n, PetscReal period, PetscReal x, PetscInt *i, PetscReal *a)
{
  if (period > 0) {
    PetscReal xr = c[0] + PetscFmodReal(x - c[0], period);
    PetscInt  lo = 0, hi = n;

    if (xr < c[0]) xr += period;
    while (hi - lo > 1) {
      const PetscInt mid = (lo + hi) / 2;
      if (c[mid] <= xr)
        lo = mid;
      else
        hi = mid;
    }
    *i = lo;
    *a = (xr - c[lo]) / ((lo + 1 < n ? c[lo + 1] : c[0] + period) - c[lo]);
    return;
  }
  if (x <= c[0]) {
    *i = 0;
    *a = 0;
    return;
  }
  if (x >= c[n - 1]) {
    *i = n - 2;
    *a = 1;
    return;
  }
  {
    PetscInt lo = 0, hi = n - 1;

    while (hi - lo > 1) {
      const PetscInt mid = (lo + hi) / 2;
      if (c[mid] <= x)
        lo = mid;
      else
        hi = mid;
    }
    *i = lo;
    *a = (x - c[lo]) / (c[lo + 1] - c[lo]);
  }
}

/* The measure of [a, b] along y: length, or sin(lat) difference on the sphere. */
static PetscReal HcMeasureY_Private(HcGrid g, PetscReal a, PetscReal b)
{
  if (g->type == HC_GRID_LATLON) return PetscSinReal(b * PETSC_PI / 180) - PetscSinReal(a * PETSC_PI / 180);
  return b - a;
}

/* Overlaps of [a0, a1] with the source faces f[0..n] (shifted by multiples of the period when periodic). */
static PetscErrorCode HcOverlaps_Private(const PetscReal *f, PetscInt n, PetscReal period, PetscReal a0, PetscReal a1,
                                         PetscInt *cnt, PetscInt idx[], PetscReal lo[], PetscReal hi[], PetscInt max)
{
  PetscFunctionBegin;
  *cnt = 0;
  for (PetscInt s = period > 0 ? -1 : 0; s <= (period > 0 ? 1 : 0); s++) {
    const PetscReal shift = s * period;

    for (PetscInt i = 0; i < n; i++) {
      const PetscReal l = PetscMax(a0, f[i] + shift), h = PetscMin(a1, f[i + 1] + shift);

      if (h <= l) continue;
      PetscCheck(*cnt < max, PETSC_COMM_SELF, PETSC_ERR_SUP,
                 "HcRegrid: a destination cell overlaps more than %" PetscInt_FMT " source cells along one direction", max);
      idx[*cnt] = i;
      lo[*cnt]  = l;
      hi[*cnt]  = h;
      (*cnt)++;
    }
  }
  PetscFunctionReturn(0);
}

#define HC_REGRID_MAXOVERLAP 64

/* Geometric candidates (source natural index and weight) of destination cell (i, j). */
static PetscErrorCode HcRegridCandidates_Private(HcRegrid r, PetscInt i, PetscInt j, PetscInt *n, PetscInt nat[], PetscReal w[])
{
  HcGrid          s = r->src, d = r->dst;
  const PetscReal x = d->xc[i], y = d->yc[j];

  PetscFunctionBegin;
  *n = 0;
  if (r->type == HC_REGRID_BILINEAR) {
    PetscInt  ix, iy;
    PetscReal ax, ay;

    HcBracket_Private(s->xc, s->nx, s->period[0], x, &ix, &ax);
    HcBracket_Private(s->yc, s->ny, s->period[1], y, &iy, &ay);
    for (PetscInt q = 0; q < 2; q++)
      for (PetscInt p = 0; p < 2; p++) {
        const PetscReal wt = (p ? ax : 1 - ax) * (q ? ay : 1 - ay);
        const PetscInt  ii = (ix + p) % s->nx, jj = (iy + q) % s->ny;

        if (wt == 0) continue;
        nat[*n] = jj * s->nx + ii;
        w[*n]   = wt;
        (*n)++;
      }
  } else {
    PetscInt  nxo, nyo, ix[HC_REGRID_MAXOVERLAP], iy[HC_REGRID_MAXOVERLAP];
    PetscReal xl[HC_REGRID_MAXOVERLAP], xh[HC_REGRID_MAXOVERLAP], yl[HC_REGRID_MAXOVERLAP], yh[HC_REGRID_MAXOVERLAP];

    PetscCall(HcOverlaps_Private(s->xf, s->nx, s->period[0], d->xf[i], d->xf[i + 1], &nxo, ix, xl, xh, HC_REGRID_MAXOVERLAP));
    PetscCall(HcOverlaps_Private(s->yf, s->ny, s->period[1], d->yf[j], d->yf[j + 1], &nyo, iy, yl, yh, HC_REGRID_MAXOVERLAP));
    for (PetscInt q = 0; q < nyo; q++)
      for (PetscInt p = 0; p < nxo; p++) {
        nat[*n] = iy[q] * s->nx + ix[p];
        w[*n]   = (xh[p] - xl[p]) * HcMeasureY_Private(s, yl[q], yh[q]);
        (*n)++;
      }
  }
  PetscFunctionReturn(0);
}

/* Whether the destination centre lies inside the source domain (periodic directions always do). */
static PetscBool HcRegridCovers_Private(HcGrid s, PetscReal x, PetscReal y)
{
  const PetscReal tx = 1e-9 * (s->xf[s->nx] - s->xf[0]), ty = 1e-9 * (s->yf[s->ny] - s->yf[0]);

  if (s->period[0] <= 0 && (x < s->xf[0] - tx || x > s->xf[s->nx] + tx)) return PETSC_FALSE;
  if (s->period[1] <= 0 && (y < s->yf[0] - ty || y > s->yf[s->ny] + ty)) return PETSC_FALSE;
  return PETSC_TRUE;
}

/*@C
  HcRegridCreate - the map from fields on src to fields on dst (same number of fields, same grid type).  Every
  destination cell centre must lie inside the source domain.
@*/
PetscErrorCode HcRegridCreate(HcGrid src, HcGrid dst, HcRegridType type, HcRegrid *regrid)
{
  HcRegrid           r;
  PetscInt           maxc = type == HC_REGRID_BILINEAR ? 4 : HC_REGRID_MAXOVERLAP * HC_REGRID_MAXOVERLAP;
  PetscInt          *cnat, *cnt, nc = 0, ncand = 0, outside = 0;
  PetscReal         *cw;
  AO                 ao;
  IS                 isfrom;
  Vec                mbuf, pet;
  VecScatter         msc;
  PetscInt          *petsc;
  const PetscScalar *mv;

  PetscFunctionBegin;
  PetscCheck(src->setupcalled && dst->setupcalled, src->comm, PETSC_ERR_ORDER, "HcRegridCreate: set up both grids first");
  PetscCheck(src->type == dst->type, src->comm, PETSC_ERR_ARG_INCOMP, "HcRegrid: cannot map a %s grid to a %s grid",
             HcGridTypes[src->type], HcGridTypes[dst->type]);
  PetscCheck(src->nc == dst->nc, src->comm, PETSC_ERR_ARG_INCOMP,
             "HcRegrid: the grids carry %" PetscInt_FMT " and %" PetscInt_FMT " fields", src->nc, dst->nc);
  PetscCall(PetscNew(&r));
  r->src  = src;
  r->dst  = dst;
  r->type = type;
  PetscCall(HcGridReference(src));
  PetscCall(HcGridReference(dst));
  r->nloc = dst->xm * dst->ym;
  PetscCall(PetscMalloc3(r->nloc * maxc, &cnat, r->nloc * maxc, &cw, r->nloc + 1, &cnt));
  for (PetscInt j = dst->ys; j < dst->ys + dst->ym; j++)
    for (PetscInt i = dst->xs; i < dst->xs + dst->xm; i++) {
      const PetscInt k = (j - dst->ys) * dst->xm + (i - dst->xs);

      if (!HcRegridCovers_Private(src, dst->xc[i], dst->yc[j])) {
        outside++;
        cnt[k] = 0;
        continue;
      }
      PetscCall(HcRegridCandidates_Private(r, i, j, &cnt[k], cnat + k * maxc, cw + k * maxc));
    }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &outside, 1, MPIU_INT, MPI_SUM, dst->comm));
  if (outside) {
    PetscCall(PetscFree3(cnat, cw, cnt));
    PetscCall(HcRegridDestroy(&r));
    SETERRQ(dst->comm, PETSC_ERR_ARG_OUTOFRANGE,
            "HcRegrid: %" PetscInt_FMT " cell(s) of the target grid lie outside the source domain [%g, %g] x [%g, %g]", outside,
            (double)src->xf[0], (double)src->xf[src->nx], (double)src->yf[0], (double)src->yf[src->ny]);
  }

  /* the distinct source cells this rank needs, and their mask */
  for (PetscInt k = 0; k < r->nloc; k++) ncand += cnt[k];
  PetscCall(PetscMalloc1(ncand + 1, &petsc));
  for (PetscInt k = 0; k < r->nloc; k++)
    for (PetscInt c = 0; c < cnt[k]; c++) petsc[nc++] = cnat[k * maxc + c];
  PetscCall(PetscSortRemoveDupsInt(&nc, petsc));
  r->nneed = nc;
  {
    PetscInt *need;

    PetscCall(PetscMalloc1(nc + 1, &need));
    PetscCall(PetscArraycpy(need, petsc, nc));
    PetscCall(DMDAGetAO(src->da1, &ao));
    PetscCall(AOApplicationToPetsc(ao, nc, petsc));
    /* petsc[] is now in PETSc ordering, need[] keeps the natural order used to find positions */
    PetscCall(ISCreateGeneral(PETSC_COMM_SELF, nc, petsc, PETSC_COPY_VALUES, &isfrom));
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, nc, &mbuf));
    PetscCall(VecScatterCreate(src->mask, isfrom, mbuf, NULL, &msc));
    PetscCall(VecScatterBegin(msc, src->mask, mbuf, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(msc, src->mask, mbuf, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterDestroy(&msc));
    PetscCall(ISDestroy(&isfrom));
    PetscCall(ISCreateBlock(PETSC_COMM_SELF, src->nc, nc, petsc, PETSC_COPY_VALUES, &isfrom));
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, nc * src->nc, &r->buf));
    PetscCall(DMCreateGlobalVector(src->da, &pet));
    PetscCall(VecScatterCreate(pet, isfrom, r->buf, NULL, &r->sc));
    PetscCall(VecDestroy(&pet));
    PetscCall(ISDestroy(&isfrom));

    /* keep the active candidates, renormalised */
    PetscCall(PetscMalloc4(r->nloc + 1, &r->ptr, ncand + 1, &r->col, ncand + 1, &r->w, r->nloc + 1, &r->active));
    PetscCall(VecGetArrayRead(mbuf, &mv));
    r->ptr[0] = 0;
    for (PetscInt k = 0; k < r->nloc; k++) {
      PetscReal tot = 0, act = 0;
      PetscInt  start = r->ptr[k], m = start;

      for (PetscInt c = 0; c < cnt[k]; c++) {
        PetscInt pos;

        PetscCall(PetscFindInt(cnat[k * maxc + c], nc, need, &pos));
        tot += cw[k * maxc + c];
        if (mv[pos] == 0) continue;
        act += cw[k * maxc + c];
        r->col[m] = pos;
        r->w[m]   = cw[k * maxc + c];
        m++;
      }
      for (PetscInt e = start; e < m; e++) r->w[e] /= act;
      r->active[k]  = tot > 0 ? act / tot : 0;
      r->ptr[k + 1] = m;
    }
    PetscCall(VecRestoreArrayRead(mbuf, &mv));
    PetscCall(VecDestroy(&mbuf));
    PetscCall(PetscFree(need));
  }
  PetscCall(PetscFree(petsc));
  PetscCall(PetscFree3(cnat, cw, cnt));
  *regrid = r;
  PetscFunctionReturn(0);
}

/*@C
  HcRegridCreateMask - the land mask of the destination grid implied by the source mask: a cell is active when at
  least half of its weight (bilinear) or area (conservative) falls on active source cells.
@*/
PetscErrorCode HcRegridCreateMask(HcRegrid r, Vec *mask)
{
  HcGrid        d = r->dst;
  PetscScalar **m;

  PetscFunctionBegin;
  PetscCall(DMCreateGlobalVector(d->da1, mask));
  PetscCall(DMDAVecGetArray(d->da1, *mask, &m));
  for (PetscInt j = d->ys; j < d->ys + d->ym; j++)
    for (PetscInt i = d->xs; i < d->xs + d->xm; i++) m[j][i] = r->active[(j - d->ys) * d->xm + (i - d->xs)] >= 0.5 ? 1 : 0;
  PetscCall(DMDAVecRestoreArray(d->da1, *mask, &m));
  PetscFunctionReturn(0);
}

/*@C
  HcRegridApply - udst = the source field usrc mapped to the destination grid; land cells of the destination get 0.
  An active destination cell without any active source cell is an error (use HcRegridCreateMask() for the mask).
@*/
PetscErrorCode HcRegridApply(HcRegrid r, Vec usrc, Vec udst)
{
  HcGrid             d  = r->dst;
  const PetscInt     nc = d->nc;
  const PetscScalar *b, **mk;
  PetscScalar     ***u;
  PetscInt           bad = 0;

  PetscFunctionBegin;
  PetscCall(VecScatterBegin(r->sc, usrc, r->buf, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(r->sc, usrc, r->buf, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(r->buf, &b));
  PetscCall(DMDAVecGetArrayDOF(d->da, udst, &u));
  PetscCall(DMDAVecGetArrayRead(d->da1, d->mask, &mk));
  for (PetscInt j = d->ys; j < d->ys + d->ym; j++)
    for (PetscInt i = d->xs; i < d->xs + d->xm; i++) {
      const PetscInt k = (j - d->ys) * d->xm + (i - d->xs);

      for (PetscInt c = 0; c < nc; c++) u[j][i][c] = 0;
      if (mk[j][i] == 0) continue;
      if (r->ptr[k + 1] == r->ptr[k]) bad++;
      for (PetscInt e = r->ptr[k]; e < r->ptr[k + 1]; e++)
        for (PetscInt c = 0; c < nc; c++) u[j][i][c] += r->w[e] * b[r->col[e] * nc + c];
    }
  PetscCall(DMDAVecRestoreArrayRead(d->da1, d->mask, &mk));
  PetscCall(DMDAVecRestoreArrayDOF(d->da, udst, &u));
  PetscCall(VecRestoreArrayRead(r->buf, &b));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_SUM, d->comm));
  PetscCheck(!bad, d->comm, PETSC_ERR_ARG_INCOMP,
             "HcRegrid: %" PetscInt_FMT
             " active target cell(s) have only land source cells around them; derive the target mask with HcRegridCreateMask()",
             bad);
  PetscFunctionReturn(0);
}

PetscErrorCode HcRegridDestroy(HcRegrid *regrid)
{
  HcRegrid r;

  PetscFunctionBegin;
  if (!regrid || !*regrid) PetscFunctionReturn(0);
  r       = *regrid;
  *regrid = NULL;
  PetscCall(PetscFree4(r->ptr, r->col, r->w, r->active));
  PetscCall(VecScatterDestroy(&r->sc));
  PetscCall(VecDestroy(&r->buf));
  PetscCall(HcGridDestroy(&r->src));
  PetscCall(HcGridDestroy(&r->dst));
  PetscCall(PetscFree(r));
  PetscFunctionReturn(0);
}
