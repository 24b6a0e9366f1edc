/* Coarse grids of r x r blocks and conservative (area-weighted) block averages, on any number of ranks.

   The coarse grid is an independent HcGrid (its own decomposition), so a block's fine cells may live on other ranks: each
   rank gathers the fine cells of the blocks it owns with one VecScatter and sums them in a fixed order, which makes the
   result independent of the number of ranks. */
#include <hycast/private/gridimpl.h>

/* For every coarse cell this rank owns (row-major), the dof values of its r x r fine cells (rows of the block, then
   columns): out has cxm * cym * r * r * dof entries. */
static PetscErrorCode HcGridGatherBlocks_Private(HcGrid fine, HcGrid coarse, PetscInt r, DM da, Vec v, PetscReal **out)
{
  PetscInt           dof, n, *idx, k = 0;
  AO                 ao;
  IS                 is;
  Vec                seq;
  VecScatter         sc;
  const PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(DMDAGetInfo(da, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &dof, NULL, NULL, NULL, NULL, NULL));
  n = coarse->xm * coarse->ym * r * r * dof;
  PetscCall(PetscMalloc1(n, &idx));
  for (PetscInt jc = coarse->ys; jc < coarse->ys + coarse->ym; jc++)
    for (PetscInt ic = coarse->xs; ic < coarse->xs + coarse->xm; ic++)
      for (PetscInt b = 0; b < r; b++)
        for (PetscInt a2 = 0; a2 < r; a2++)
          for (PetscInt c = 0; c < dof; c++) idx[k++] = ((r * jc + b) * fine->nx + r * ic + a2) * dof + c;
  PetscCall(DMDAGetAO(da, &ao));
  PetscCall(AOApplicationToPetsc(ao, n, idx));
  PetscCall(ISCreateGeneral(PETSC_COMM_SELF, n, idx, PETSC_OWN_POINTER, &is));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, n, &seq));
  PetscCall(VecScatterCreate(v, is, seq, NULL, &sc));
  PetscCall(VecScatterBegin(sc, v, seq, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, v, seq, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(PetscMalloc1(n, out));
  PetscCall(VecGetArrayRead(seq, &a));
  for (PetscInt q = 0; q < n; q++) (*out)[q] = PetscRealPart(a[q]);
  PetscCall(VecRestoreArrayRead(seq, &a));
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&seq));
  PetscCall(ISDestroy(&is));
  PetscFunctionReturn(0);
}

static PetscErrorCode HcGridCoarsenFactor_Private(HcGrid fine, HcGrid coarse, PetscInt *r)
{
  PetscFunctionBegin;
  PetscCheck(fine->setupcalled && coarse->setupcalled, fine->comm, PETSC_ERR_ORDER,
             "HcGridCoarsenVector: set up both grids first");
  *r = coarse->nx ? fine->nx / coarse->nx : 0;
  PetscCheck(*r >= 1 && coarse->nx * *r == fine->nx && coarse->ny * *r == fine->ny && fine->nc == coarse->nc, fine->comm,
             PETSC_ERR_ARG_INCOMP,
             "HcGridCoarsenVector: a %" PetscInt_FMT " x %" PetscInt_FMT " grid with %" PetscInt_FMT
             " field(s) is not made of r x r blocks of the %" PetscInt_FMT " x %" PetscInt_FMT " grid with %" PetscInt_FMT
             " field(s)",
             coarse->nx, coarse->ny, coarse->nc, fine->nx, fine->ny, fine->nc);
  PetscFunctionReturn(0);
}

/*@C
  HcGridCreateCoarse - the grid of r x r blocks of fine cells (nx and ny must be multiples of r): same type, periodicity,
  radius and fields; centres half-way between the blocks' outer faces (the fine grid's faces); a coarse cell is active
  when any of its fine cells is.  Cell areas are the sums of the fine areas when the fine spacing is uniform in each
  direction.
@*/
PetscErrorCode HcGridCreateCoarse(HcGrid fine, PetscInt r, HcGrid *coarse)
{
  PetscReal    *cx, *cy, *blk;
  const char  **names;
  HcGrid        g;
  Vec           mask;
  PetscScalar **mk;
  PetscInt      k = 0;

  PetscFunctionBegin;
  PetscCheck(fine->setupcalled, fine->comm, PETSC_ERR_ORDER, "HcGridCreateCoarse: set up the fine grid first");
  PetscCheck(r >= 1, fine->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "HcGridCreateCoarse: the coarsening factor must be >= 1, got %" PetscInt_FMT, r);
  PetscCheck(fine->nx % r == 0 && fine->ny % r == 0 && fine->nx / r >= 2 && fine->ny / r >= 2, fine->comm, PETSC_ERR_ARG_INCOMP,
             "HcGridCreateCoarse: the fine grid's %" PetscInt_FMT " x %" PetscInt_FMT
             " cells are not a multiple of %" PetscInt_FMT " in each direction, with at least 2 blocks each",
             fine->nx, fine->ny, r);
  PetscCall(PetscMalloc3(fine->nx / r, &cx, fine->ny / r, &cy, fine->nc, &names));
  for (PetscInt ic = 0; ic < fine->nx / r; ic++) cx[ic] = 0.5 * (fine->xf[r * ic] + fine->xf[r * ic + r]);
  for (PetscInt jc = 0; jc < fine->ny / r; jc++) cy[jc] = 0.5 * (fine->yf[r * jc] + fine->yf[r * jc + r]);
  for (PetscInt c = 0; c < fine->nc; c++) names[c] = fine->fieldnames[c];
  PetscCall(HcGridCreate(fine->comm, &g));
  PetscCall(HcGridSetType(g, fine->type));
  PetscCall(HcGridSetCoordinates(g, fine->nx / r, cx, fine->ny / r, cy));
  PetscCall(HcGridSetPeriodic(g, fine->periodic[0], fine->periodic[1]));
  PetscCall(HcGridSetRadius(g, fine->radius));
  PetscCall(HcGridSetFields(g, fine->nc, names));
  PetscCall(HcGridSetUp(g));
  PetscCall(PetscFree3(cx, cy, names));

  PetscCall(HcGridGatherBlocks_Private(fine, g, r, fine->da1, fine->mask, &blk));
  PetscCall(DMCreateGlobalVector(g->da1, &mask));
  PetscCall(DMDAVecGetArray(g->da1, mask, &mk));
  for (PetscInt jc = g->ys; jc < g->ys + g->ym; jc++)
    for (PetscInt ic = g->xs; ic < g->xs + g->xm; ic++) {
      PetscBool active = PETSC_FALSE;

      for (PetscInt q = 0; q < r * r; q++, k++)
        if (blk[k] != 0) active = PETSC_TRUE;
      mk[jc][ic] = active ? 1 : 0;
    }
  PetscCall(DMDAVecRestoreArray(g->da1, mask, &mk));
  PetscCall(HcGridSetMask(g, mask));
  PetscCall(VecDestroy(&mask));
  PetscCall(PetscFree(blk));
  *coarse = g;
  PetscFunctionReturn(0);
}

/*@C
  HcGridCoarsenVector - uc = area-weighted average of uf over the active fine cells of each block (0 where none is active):
  sum over a coarse cell of area * value equals the sum over its active fine cells.  Identical on any number of ranks.
@*/
PetscErrorCode HcGridCoarsenVector(HcGrid fine, HcGrid coarse, Vec uf, Vec uc)
{
  PetscReal     *blk, *mblk;
  PetscScalar ***a;
  PetscInt       r, k = 0;
  const PetscInt nc = fine->nc;

  PetscFunctionBegin;
  PetscCall(HcGridCoarsenFactor_Private(fine, coarse, &r));
  PetscCall(PetscLogEventBegin(HC_GridCoarsen, 0, 0, 0, 0));
  PetscCall(HcGridGatherBlocks_Private(fine, coarse, r, fine->da, uf, &blk));
  PetscCall(HcGridGatherBlocks_Private(fine, coarse, r, fine->da1, fine->mask, &mblk));
  PetscCall(DMDAVecGetArrayDOF(coarse->da, uc, &a));
  for (PetscInt jc = coarse->ys; jc < coarse->ys + coarse->ym; jc++)
    for (PetscInt ic = coarse->xs; ic < coarse->xs + coarse->xm; ic++, k++) {
      PetscReal sum[16] = {0}, area = 0;

      for (PetscInt b = 0; b < r; b++)
        for (PetscInt a2 = 0; a2 < r; a2++) {
          const PetscInt  q = k * r * r + b * r + a2;
          const PetscReal w = fine->m.xw[r * ic + a2] * fine->m.ya[r * jc + b];

          if (mblk[q] == 0) continue;
          area += w;
          for (PetscInt c = 0; c < nc; c++) sum[c] += w * blk[q * nc + c];
        }
      for (PetscInt c = 0; c < nc; c++) a[jc][ic][c] = area > 0 ? sum[c] / area : 0;
    }
  PetscCall(DMDAVecRestoreArrayDOF(coarse->da, uc, &a));
  PetscCall(PetscLogFlops(3.0 * nc * coarse->xm * coarse->ym * r * r));
  PetscCall(PetscFree(blk));
  PetscCall(PetscFree(mblk));
  PetscCall(PetscLogEventEnd(HC_GridCoarsen, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
