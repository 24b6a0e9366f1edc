static const char help[] =
    "Fourier layer against a naive O(N^4) implementation written here: direct DFT of the zero-padded lifted field,\n"
    "the kept modes and their complex conjugates assembled into a full spectrum, direct inverse DFT, pointwise rest;\n"
    "periodic, walled (padded) and mixed grids with land, each activation.\n";

#include <complex.h>
#include "testutil.h"

typedef struct {
  const char  *label;
  PetscInt     nx, ny, mx, my;
  PetscBool    px, py, land;
  HcActivation act;
} Case;

static PetscReal Activate(HcActivation act, PetscReal z)
{
  if (act == HC_ACTIVATION_TANH) return tanh(z);
  if (act == HC_ACTIVATION_GELU) return 0.5 * z * (1 + erf(z / sqrt(2.0)));
  return z > 0 ? z : 0;
}

/* The layer on rank 0 from the natural-order input u[(j nx + i) C + c] and mask m[j nx + i], parameters in the layout
   of docs/fno.md.  Every kept mode k = (kx, ky) with Y_k = R_k H_k contributes (c_k / 2) Y_k at k and (c_k / 2) conj(Y_k)
   at -k of a full NX x NY spectrum (c_k = 1 for kx = 0, 2 otherwise), whose plain inverse DFT is the spectral path. */
static PetscErrorCode NaiveLayer(const Case *cs, PetscInt C, PetscInt W, PetscInt NX, PetscInt NY, const PetscReal *th,
                                 const PetscReal *u, const PetscReal *m, PetscReal *S, PetscReal *imagmax)
{
  const PetscInt   nx = cs->nx, ny = cs->ny, N = NX * NY, M2 = 2 * cs->my, nmodes = cs->mx * M2;
  const PetscReal *A = th, *bL = A + W * C, *R = bL + W, *Wp = R + 2 * nmodes * W * W, *bp = Wp + W * W, *P = bp + W,
                  *bP = P + C * W;
  PetscReal      *h, *o;
  double complex *Yfull, *H;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc2(N * W, &h, N * W, &o));
  PetscCall(PetscCalloc2(N * W, &Yfull, W, &H));
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) {
      if (m[j * nx + i] == 0) continue;
      for (PetscInt a = 0; a < W; a++) {
        PetscReal s = bL[a];
        for (PetscInt c = 0; c < C; c++) s += A[a * C + c] * u[(j * nx + i) * C + c];
        h[(j * NX + i) * W + a] = s;
      }
    }
  for (PetscInt g = 0; g < nmodes; g++) {
    const PetscInt   kx = g / M2, ky = g % M2 - cs->my;
    const PetscReal *Rg = R + 2 * W * W * g, ck = kx ? 2 : 1;

    for (PetscInt a = 0; a < W; a++) {
      H[a] = 0;
      for (PetscInt j = 0; j < NY; j++)
        for (PetscInt i = 0; i < NX; i++)
          H[a] += h[(j * NX + i) * W + a] * cexp(-2 * PETSC_PI * I * ((double)kx * i / NX + (double)ky * j / NY));
      H[a] /= N;
    }
    for (PetscInt b = 0; b < W; b++) {
      double complex y = 0;
      const PetscInt p = ((ky + NY) % NY) * NX + kx, q = ((NY - ky) % NY) * NX + (NX - kx) % NX;

      for (PetscInt a = 0; a < W; a++) y += (Rg[2 * (b * W + a)] + I * Rg[2 * (b * W + a) + 1]) * H[a];
      Yfull[p * W + b] += 0.5 * ck * y;
      Yfull[q * W + b] += 0.5 * ck * conj(y);
    }
  }
  *imagmax = 0;
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++)
      for (PetscInt b = 0; b < W; b++) {
        double complex s = 0;

        for (PetscInt ly = 0; ly < NY; ly++)
          for (PetscInt lx = 0; lx < NX; lx++)
            s += Yfull[(ly * NX + lx) * W + b] * cexp(2 * PETSC_PI * I * ((double)lx * i / NX + (double)ly * j / NY));
        o[(j * NX + i) * W + b] = creal(s);
        *imagmax                = PetscMax(*imagmax, PetscAbsReal(cimag(s)));
      }
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) {
      PetscReal sig[64];

      for (PetscInt b = 0; b < W; b++) {
        PetscReal z = o[(j * NX + i) * W + b] + bp[b];
        for (PetscInt a = 0; a < W; a++) z += Wp[b * W + a] * h[(j * NX + i) * W + a];
        sig[b] = Activate(cs->act, z);
      }
      for (PetscInt c = 0; c < C; c++) {
        PetscReal s = bP[c];
        for (PetscInt b = 0; b < W; b++) s += P[c * W + b] * sig[b];
        S[(j * nx + i) * C + c] = m[j * nx + i] != 0 ? s : 0;
      }
    }
  PetscCall(PetscFree2(h, o));
  PetscCall(PetscFree2(Yfull, H));
  PetscFunctionReturn(0);
}

static PetscErrorCode RunCase(MPI_Comm comm, const Case *cs)
{
  const PetscInt   C = 2, W = 3;
  HcGrid           grid;
  HcTerm           term;
  Vec              u, f, mk;
  PetscInt         NX, NY;
  PetscReal       *un, *fn, *mn, *ref, *m1, imagmax = 0, rel = 0;
  const PetscReal *th;
  PetscMPIInt      rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, cs->nx, cs->ny, C, cs->px, cs->py, &grid));
  if (cs->land) PetscCall(HcTestSetIrregularMask(grid, 21, 0.15));
  PetscCall(HcTermCreate(grid, &term));
  PetscCall(HcTermSetType(term, HCTERMFNO));
  PetscCall(HcTermFNOSetWidth(term, W));
  PetscCall(HcTermFNOSetModes(term, cs->mx, cs->my));
  PetscCall(HcTermFNOSetActivation(term, cs->act));
  PetscCall(HcTermFNOSetInitialization(term, 3, 0.6));
  PetscCall(HcTermSetUp(term));
  PetscCall(HcTermFNOGetTransformSizes(term, &NX, &NY));
  PetscCall(HcTermGetParameters(term, &th));

  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &f));
  PetscCall(VecDuplicate(u, &mk));
  PetscCall(HcTestRandomField(grid, 8, 1, u));
  PetscCall(HcTermApply(term, 0, u, f));
  PetscCall(VecSet(mk, 1));
  PetscCall(HcTestMaskField(grid, mk));
  PetscCall(HcTestGatherNatural(grid, u, &un));
  PetscCall(HcTestGatherNatural(grid, f, &fn));
  PetscCall(HcTestGatherNatural(grid, mk, &mn));
  if (!rank) {
    PetscCall(PetscMalloc2(cs->nx * cs->ny * C, &ref, cs->nx * cs->ny, &m1));
    for (PetscInt k = 0; k < cs->nx * cs->ny; k++) m1[k] = mn[k * C];
    PetscCall(NaiveLayer(cs, C, W, NX, NY, th, un, m1, ref, &imagmax));
    rel = HcTestRelDiff(cs->nx * cs->ny * C, fn, ref);
  }
  PetscCallMPI(MPI_Bcast(&rel, 1, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(&imagmax, 1, MPIU_REAL, 0, comm));
  PetscCall(HcTestCheck(comm, rel < 1e-12,
                        "%s, %s, %" PetscInt_FMT " x %" PetscInt_FMT " cells, transform %" PetscInt_FMT " x %" PetscInt_FMT
                        ", modes %" PetscInt_FMT ",%" PetscInt_FMT
                        "%s: S vs naive DFT rel diff %.1e (naive imaginary residue %.0e)",
                        cs->label, HcActivations[cs->act], cs->nx, cs->ny, NX, NY, cs->mx, cs->my, cs->land ? ", land" : "",
                        (double)rel, (double)imagmax));
  if (!rank) {
    PetscCall(PetscFree2(ref, m1));
    PetscCall(PetscFree(un));
    PetscCall(PetscFree(fn));
    PetscCall(PetscFree(mn));
  }
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&f));
  PetscCall(VecDestroy(&mk));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const Case cases[] = {
      {"periodic", 12, 10, 4, 3, PETSC_TRUE, PETSC_TRUE, PETSC_FALSE, HC_ACTIVATION_TANH},
      {"periodic, largest modes", 12, 10, 6, 5, PETSC_TRUE, PETSC_TRUE, PETSC_TRUE, HC_ACTIVATION_GELU},
      {"walls (padded)", 12, 10, 5, 4, PETSC_FALSE, PETSC_FALSE, PETSC_TRUE, HC_ACTIVATION_GELU},
      {"periodic-x walls-y", 12, 10, 3, 6, PETSC_TRUE, PETSC_FALSE, PETSC_TRUE, HC_ACTIVATION_RELU},
      {"walls-x periodic-y", 11, 10, 7, 2, PETSC_FALSE, PETSC_TRUE, PETSC_FALSE, HC_ACTIVATION_TANH},
  };
  int status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) PetscCall(RunCase(PETSC_COMM_WORLD, &cases[k]));
  PetscCall(HcTestFinish(PETSC_COMM_WORLD, &status));
  PetscCall(PetscFinalize());
  return status;
}
