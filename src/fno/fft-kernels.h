/* The FFT's transposes for one x86-64 level (fft.c includes this file once per level: kernelimpl.h, HC_KCALL): 8 x 8
   blocks of eight-real shuffles where the registers hold eight reals, plain loops elsewhere (GCC keeps a vector type
   wider than the registers in memory). */

#if HC_VW == 8
/* dst row k (stride ld) = column k of the 8 x 8 block whose rows are src (stride ls): three rounds of two-vector
   shuffles (pairs, quadruples, halves), 24 shuffles for 64 values instead of 64 scalar loads and stores */
static inline __attribute__((always_inline)) void HC_KFN(HcFFTTranspose8_Private)(const PetscReal *src, PetscInt ls,
                                                                                  PetscReal *dst, PetscInt ld)
{
  typedef long long HcLong8 __attribute__((vector_size(8 * sizeof(long long))));
  const HcLong8     ev = {0, 8, 2, 10, 4, 12, 6, 14}, od = {1, 9, 3, 11, 5, 13, 7, 15};
  const HcLong8     q0 = {0, 1, 8, 9, 4, 5, 12, 13}, q1 = {2, 3, 10, 11, 6, 7, 14, 15};
  const HcLong8     h0 = {0, 1, 2, 3, 8, 9, 10, 11}, h1 = {4, 5, 6, 7, 12, 13, 14, 15};
  HcReal8           r[8], t[8], u[8];

  for (PetscInt k = 0; k < 8; k++) r[k] = *(const HcReal8 *)(src + k * ls);
  for (PetscInt k = 0; k < 8; k += 2) {
    t[k]     = __builtin_shuffle(r[k], r[k + 1], ev);
    t[k + 1] = __builtin_shuffle(r[k], r[k + 1], od);
  }
  for (PetscInt k = 0; k < 8; k += 4) {
    u[k]     = __builtin_shuffle(t[k], t[k + 2], q0);
    u[k + 2] = __builtin_shuffle(t[k], t[k + 2], q1);
    u[k + 1] = __builtin_shuffle(t[k + 1], t[k + 3], q0);
    u[k + 3] = __builtin_shuffle(t[k + 1], t[k + 3], q1);
  }
  for (PetscInt k = 0; k < 4; k++) {
    *(HcReal8 *)(dst + k * ld)       = __builtin_shuffle(u[k], u[k + 4], h0);
    *(HcReal8 *)(dst + (k + 4) * ld) = __builtin_shuffle(u[k], u[k + 4], h1);
  }
}
#endif

/* dst[j ld + i] = src[i ls + j] for i < m, j < n: 8 x 8 blocks with vector shuffles, the edges one by one */
static void HC_KFN(HcFFTTranspose_Private)(PetscInt m, PetscInt n, const PetscReal *src, PetscInt ls, PetscReal *dst, PetscInt ld)
{
  PetscInt m8 = 0, n8 = 0;

#if HC_VW == 8
  m8 = m - m % 8;
  n8 = n - n % 8;
  for (PetscInt i = 0; i < m8; i += 8)
    for (PetscInt j = 0; j < n8; j += 8) HC_KFN(HcFFTTranspose8_Private)(src + i * ls + j, ls, dst + j * ld + i, ld);
#endif
  for (PetscInt i = 0; i < m; i++)
    for (PetscInt j = i < m8 ? n8 : 0; j < n; j++) dst[j * ld + i] = src[i * ls + j];
}
