static const char help[] =
    "Fourier layer across resolutions: for a band-limited field on a periodic unit square, the layer at N and 2N equals\n"
    "the continuous operator (evaluated analytically here) at each grid's cell centres; N and 3N agree directly at\n"
    "their coincident centres; the seeded initialisation does not depend on the number of ranks.\n";

#include <complex.h>
#include <string.h>
#include "testutil.h"

#define NC    2
#define WIDTH 4
#define MX    4
#define MY    4
#define KMAX  6 /* the field's wavenumbers lie in [-KMAX, KMAX]^2 */
#define NTERM 8

/* Field c = sum over terms n of amp cos(2 pi (kx x + ky y) + phase).  (5, 1) is outside the kept modes (kx < 4): it
   reaches the output only through the pointwise path. */
static const PetscInt terms[NTERM][2] = {{0, 0}, {1, 0}, {0, 1}, {1, -1}, {2, 3}, {3, -4}, {0, 4}, {5, 1}};

typedef struct {
  double complex   uhat[NC][2 * KMAX + 1][2 * KMAX + 1]; /* continuous Fourier coefficients of u, [c][ky + KMAX][kx + KMAX] */
  const PetscReal *th;
} Field;

static PetscReal Amplitude(PetscInt n, PetscInt c)
{
  return (0.3 + 0.7 * HcTestHash(31, n, c, 0)) / (1 + n / 3);
}

static PetscReal Phase(PetscInt n, PetscInt c)
{
  return PETSC_PI * HcTestHash(31, n, c, 1);
}

static PetscErrorCode FieldValue(PetscReal x, PetscReal y, PetscReal v[], void *ctx)
{
  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < NC; c++) {
    v[c] = 0;
    for (PetscInt n = 0; n < NTERM; n++)
      v[c] += Amplitude(n, c) * cos(2 * PETSC_PI * (terms[n][0] * x + terms[n][1] * y) + Phase(n, c));
  }
  PetscFunctionReturn(0);
}

static void FieldCoefficients(Field *F)
{
  memset(F->uhat, 0, sizeof(F->uhat));
  for (PetscInt c = 0; c < NC; c++)
    for (PetscInt n = 0; n < NTERM; n++) {
      const PetscInt       kx = terms[n][0], ky = terms[n][1];
      const double complex e = 0.5 * Amplitude(n, c) * cexp(I * Phase(n, c));

      F->uhat[c][ky + KMAX][kx + KMAX] += e;
      F->uhat[c][-ky + KMAX][-kx + KMAX] += conj(e);
    }
}

/* The continuous layer at (x, y): h = A u + bL pointwise; the spectral path Re sum_kept c_k R_k hhat_k e^{2 pi i k.x} with
   hhat_k = A uhat_k + bL delta_k0 (the lifted field is band-limited too); the rest pointwise. */
static void ContinuousLayer(const Field *F, PetscReal x, PetscReal y, PetscReal S[NC])
{
  const PetscReal *th = F->th, *A = th, *bL = A + WIDTH * NC, *R = bL + WIDTH, *Wp = R + 2 * MX * 2 * MY * WIDTH * WIDTH;
  const PetscReal *bp = Wp + WIDTH * WIDTH, *P = bp + WIDTH, *bP = P + NC * WIDTH;
  PetscReal        u[NC], h[WIDTH], z[WIDTH];

  FieldValue(x, y, u, NULL);
  for (PetscInt a = 0; a < WIDTH; a++) {
    h[a] = bL[a];
    for (PetscInt c = 0; c < NC; c++) h[a] += A[a * NC + c] * u[c];
  }
  for (PetscInt b = 0; b < WIDTH; b++) {
    z[b] = bp[b];
    for (PetscInt a = 0; a < WIDTH; a++) z[b] += Wp[b * WIDTH + a] * h[a];
  }
  for (PetscInt kx = 0; kx < MX; kx++)
    for (PetscInt ky = -MY; ky < MY; ky++) {
      const PetscReal *Rk = R + 2 * WIDTH * WIDTH * (kx * 2 * MY + ky + MY);
      double complex   hh[WIDTH];

      if (ky < -KMAX || ky > KMAX || kx > KMAX) continue;
      for (PetscInt a = 0; a < WIDTH; a++) {
        hh[a] = (kx == 0 && ky == 0) ? bL[a] : 0;
        for (PetscInt c = 0; c < NC; c++) hh[a] += A[a * NC + c] * F->uhat[c][ky + KMAX][kx + KMAX];
      }
      for (PetscInt b = 0; b < WIDTH; b++) {
        double complex yb = 0;

        for (PetscInt a = 0; a < WIDTH; a++) yb += (Rk[2 * (b * WIDTH + a)] + I * Rk[2 * (b * WIDTH + a) + 1]) * hh[a];
        z[b] += (kx ? 2 : 1) * creal(yb * cexp(2 * PETSC_PI * I * (kx * x + ky * y)));
      }
    }
  for (PetscInt c = 0; c < NC; c++) {
    S[c] = bP[c];
    for (PetscInt b = 0; b < WIDTH; b++) S[c] += P[c * WIDTH + b] * tanh(z[b]);
  }
}

/* The layer (seeded initialisation) applied to the band-limited field on an nx x ny periodic grid over comm; the
   output in natural order on rank 0 (NULL elsewhere), and a copy of the parameters. */
static PetscErrorCode EvaluateLayer(MPI_Comm comm, PetscInt nx, PetscInt ny, PetscReal **out, PetscReal **theta, PetscInt *np)
{
  HcGrid           grid;
  HcTerm           term;
  Vec              u, f;
  const PetscReal *th;

  PetscFunctionBeginUser;
  PetscCall(HcTestCreateGrid(comm, HC_GRID_CARTESIAN, nx, ny, NC, PETSC_TRUE, PETSC_TRUE, &grid));
  PetscCall(HcTermCreate(grid, &term));
  PetscCall(HcTermSetType(term, HCTERMFNO));
  PetscCall(HcTermFNOSetWidth(term, WIDTH));
  PetscCall(HcTermFNOSetModes(term, MX, MY));
  PetscCall(HcTermFNOSetActivation(term, HC_ACTIVATION_TANH));
  PetscCall(HcTermFNOSetInitialization(term, 42, 0.4));
  PetscCall(HcTermSetUp(term));
  PetscCall(HcTermGetNumParameters(term, np));
  PetscCall(HcTermGetParameters(term, &th));
  PetscCall(PetscMalloc1(*np, theta));
  PetscCall(PetscArraycpy(*theta, th, *np));
  PetscCall(HcGridCreateGlobalVector(grid, &u));
  PetscCall(VecDuplicate(u, &f));
  PetscCall(HcGridEvaluate(grid, FieldValue, NULL, u));
  PetscCall(HcTermApply(term, 0, u, f));
  PetscCall(HcTestGatherNatural(grid, f, out));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&f));
  PetscCall(HcTermDestroy(&term));
  PetscCall(HcGridDestroy(&grid));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const PetscInt nx0 = 16, ny0 = 12;
  MPI_Comm       comm;
  PetscMPIInt    rank;
  PetscReal     *S[4], *th[4], err, worst = 0;
  PetscInt       np[4];
  Field          F;
  int            status;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  FieldCoefficients(&F);
  for (PetscInt r = 1; r <= 3; r++) PetscCall(EvaluateLayer(comm, r * nx0, r * ny0, &S[r], &th[r], &np[r]));
  F.th = th[1];

  /* every grid against the continuous operator at its own cell centres */
  for (PetscInt r = 1; r <= 3; r++) {
    const PetscInt nx = r * nx0, ny = r * ny0;
    PetscReal      maxref = 0, maxerr = 0, same = 1;

    for (PetscInt k = 0; k < np[1]; k++)
      if (th[r][k] != th[1][k]) same = 0;
    if (!rank)
      for (PetscInt j = 0; j < ny; j++)
        for (PetscInt i = 0; i < nx; i++) {
          PetscReal ref[NC];

          ContinuousLayer(&F, (i + 0.5) / nx, (j + 0.5) / ny, ref);
          for (PetscInt c = 0; c < NC; c++) {
            maxref = PetscMax(maxref, PetscAbsReal(ref[c]));
            maxerr = PetscMax(maxerr, PetscAbsReal(ref[c] - S[r][(j * nx + i) * NC + c]));
          }
        }
    err = maxerr / PetscMax(maxref, 1e-300);
    PetscCallMPI(MPI_Bcast(&err, 1, MPIU_REAL, 0, comm));
    PetscCall(HcTestCheck(comm, same == 1 && np[r] == np[1],
                          "%" PetscInt_FMT " x %" PetscInt_FMT ": same %" PetscInt_FMT " parameters as at %" PetscInt_FMT
                          " x %" PetscInt_FMT,
                          nx, ny, np[r], nx0, ny0));
    PetscCall(HcTestCheck(comm, err < 1e-10,
                          "%" PetscInt_FMT " x %" PetscInt_FMT
                          ": layer vs continuous operator at the cell centres, rel error %.1e",
                          nx, ny, (double)err));
    worst = PetscMax(worst, err);
  }

  /* N and 3N at coincident centres: centre i of N is centre 3i + 1 of 3N */
  err = 0;
  if (!rank) {
    PetscReal d = 0, s = 0;

    for (PetscInt j = 0; j < ny0; j++)
      for (PetscInt i = 0; i < nx0; i++)
        for (PetscInt c = 0; c < NC; c++) {
          const PetscReal a = S[1][(j * nx0 + i) * NC + c], b = S[3][((3 * j + 1) * 3 * nx0 + 3 * i + 1) * NC + c];

          d = PetscMax(d, PetscAbsReal(a - b));
          s = PetscMax(s, PetscAbsReal(a));
        }
    err = d / s;
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPIU_REAL, 0, comm));
  PetscCall(HcTestCheck(comm, err < 1e-10,
                        "%" PetscInt_FMT " x %" PetscInt_FMT " vs %" PetscInt_FMT " x %" PetscInt_FMT
                        " at coincident centres: rel diff %.1e",
                        nx0, ny0, 3 * nx0, 3 * ny0, (double)err));

  /* rank-count independence: the same layer on rank 0 alone (PETSC_COMM_SELF) */
  {
    PetscReal *Sself = NULL, *thself = NULL, d = 0, pd = 0;
    PetscInt   npself = 0;

    if (!rank) {
      PetscCall(EvaluateLayer(PETSC_COMM_SELF, nx0, ny0, &Sself, &thself, &npself));
      d = HcTestRelDiff(nx0 * ny0 * NC, Sself, S[1]);
      for (PetscInt k = 0; k < npself; k++) pd = PetscMax(pd, PetscAbsReal(thself[k] - th[1][k]));
      PetscCall(PetscFree(Sself));
      PetscCall(PetscFree(thself));
    }
    PetscCallMPI(MPI_Bcast(&d, 1, MPIU_REAL, 0, comm));
    PetscCallMPI(MPI_Bcast(&pd, 1, MPIU_REAL, 0, comm));
    {
      PetscReal lo = 0, hi = 0, sum = 0;

      for (PetscInt k = 0; k < np[1]; k++) sum += th[1][k] * (1 + k % 7);
      PetscCallMPI(MPI_Allreduce(&sum, &lo, 1, MPIU_REAL, MPI_MIN, comm));
      PetscCallMPI(MPI_Allreduce(&sum, &hi, 1, MPIU_REAL, MPI_MAX, comm));
      PetscCall(HcTestCheck(comm, lo == hi && pd == 0,
                            "seeded parameters identical on every rank and on PETSC_COMM_SELF (max diff %g)", (double)pd));
    }
    PetscCall(
        HcTestCheck(comm, d < 1e-13, "output on PETSC_COMM_SELF vs PETSC_COMM_WORLD (natural order): rel diff %.1e", (double)d));
  }
  PetscCall(PetscPrintf(comm, "largest deviation from the continuous operator: %.2e\n", (double)worst));
  for (PetscInt r = 1; r <= 3; r++) {
    PetscCall(PetscFree(S[r]));
    PetscCall(PetscFree(th[r]));
  }
  PetscCall(HcTestFinish(comm, &status));
  PetscCall(PetscFinalize());
  return status;
}
