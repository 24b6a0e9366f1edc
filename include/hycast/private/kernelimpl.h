/* Helpers of the hot loops (MLP, Fourier layer, stencils): vectorisable elementary functions and per-CPU code paths.

   HC_KERNEL marks a function that GCC compiles once per x86-64 level (AVX-512, AVX2, baseline) and picks at load time
   (target_clones), so that the loops inside it vectorise with the machine's widest registers whatever -march the
   library was built with.  The loops vectorise across independent outputs only, never by reordering a sum, so the
   clones give the same values bit for bit where a * b + c is not contracted (C99 mode: -ffp-contract=off).  The MLP's
   dense layers and the Fourier layer's pointwise products (network.c, fno.c) are compiled with contraction on
   (Makefile): there the AVX-512 and AVX2 clones both use fused multiply-adds and agree with each other, and the
   baseline clone, without them, differs in the last bits. */
#ifndef HYCAST_KERNELIMPL_H
#define HYCAST_KERNELIMPL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <petscsys.h>

#if !defined(HC_CLONES)
#define HC_CLONES 1
#endif

#if HC_CLONES && defined(__GNUC__) && !defined(__clang__) && !defined(__INTEL_COMPILER) && defined(__x86_64__) && \
    defined(__linux__) && (__GNUC__ >= 11)
#define HC_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HC_KERNEL
#endif

/* Kernels written for one vector width, compiled once per x86-64 level (network.c, fno.c, fft.c): a file X-kernels.h
   holds the functions, written with HcV (HC_VW reals, the level's register: 8 for AVX-512, 4 for AVX2, 2 for SSE2)
   and named through HC_KFN; the .c file includes it once per level between the lines of HC_KERNEL_LEVELS_* below, and
   calls a kernel with HC_KCALL(name, (args)), which picks the level of this CPU once (HcKernelLevel_Private).
   target_clones could not do this: a clone shares its source with the others, so its vector types have one width, and
   GCC keeps a vector type wider than the level's registers in memory (AVX2 ran the eight-wide MLP layers 20x slower
   than AVX-512, docs/benchmarks.md).  Every kernel keeps the order of each sum whatever its width, so the levels with
   fused multiply-adds (v3, v4) give the same bits; the baseline (no FMA) differs in the last bits.
   HC_MULTI: several levels in one build (HC_CLONES, GCC on x86-64 Linux); otherwise the file is included once, for
   the level the compiler targets (make ISA=LEVEL or HC_CLONES=0). */
#if HC_CLONES && defined(__GNUC__) && !defined(__clang__) && !defined(__INTEL_COMPILER) && defined(__x86_64__) && \
    defined(__linux__) && (__GNUC__ >= 11)
#define HC_MULTI 1
#else
#define HC_MULTI 0
#endif

/* The level this build's single kernels are for (HC_MULTI 0): what the compiler targets */
#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define HC_LEVEL_TARGET 4
#elif defined(__AVX2__) && defined(__FMA__)
#define HC_LEVEL_TARGET 3
#elif defined(__SSE4_2__) && defined(__POPCNT__)
#define HC_LEVEL_TARGET 2
#else
#define HC_LEVEL_TARGET 1
#endif

/* The x86-64 level of the kernels in use: 4 (x86-64-v4, AVX-512), 3 (v3, AVX2 + FMA), 2 (v2) or 1 (baseline).  With
   HC_MULTI, the highest this CPU has, or lower if the environment variable HYCAST_ISA names a lower level (x86-64,
   x86-64-v2, x86-64-v3, x86-64-v4: the tests compare levels on one machine); a level above the CPU's is not used.
   Decided once per file. */
static inline int HcKernelLevel_Private(void)
{
#if HC_MULTI
  static int level = 0;

  if (!level) {
    const char *want = getenv("HYCAST_ISA");
    int         cpu  = __builtin_cpu_supports("x86-64-v4")   ? 4
                       : __builtin_cpu_supports("x86-64-v3") ? 3
                       : __builtin_cpu_supports("x86-64-v2") ? 2
                                                             : 1;

    level = cpu;
    if (want && *want) {
      int w = 0;

      if (!strcmp(want, "x86-64"))
        w = 1;
      else if (!strcmp(want, "x86-64-v2"))
        w = 2;
      else if (!strcmp(want, "x86-64-v3"))
        w = 3;
      else if (!strcmp(want, "x86-64-v4"))
        w = 4;
      if (w && w < cpu) level = w;
    }
  }
  return level;
#else
  return HC_LEVEL_TARGET;
#endif
}

/* the level's name, and the width of the vectors its kernels use */
static inline const char *HcKernelLevelName_Private(int level)
{
  return level >= 4 ? "x86-64-v4" : level == 3 ? "x86-64-v3" : level == 2 ? "x86-64-v2" : "x86-64";
}

#if HC_MULTI
/* v2 has no wider registers than the baseline: both run the baseline's kernels (built for the -march of the build) */
#define HC_KCALL(f, args)                          \
  do {                                             \
    const int hc_level_ = HcKernelLevel_Private(); \
    if (hc_level_ >= 4)                            \
      f##_v4 args;                                 \
    else if (hc_level_ == 3)                       \
      f##_v3 args;                                 \
    else                                           \
      f##_v1 args;                                 \
  } while (0)
#else
#define HC_KCALL(f, args) f##_k args
#endif

/* Eight reals as one value: with GCC's vector types the compiler keeps them in vector registers and splits the operations
   to the machine's width (element by element, so the results are the same as with scalars).  HC_HAVE_REAL8 says whether
   they are available; code that uses them has a plain-loop version for other compilers. */
#if defined(__GNUC__)
#define HC_HAVE_REAL8 1
typedef double HcReal8 __attribute__((vector_size(8 * sizeof(double)), aligned(sizeof(double)), may_alias));
#else
#define HC_HAVE_REAL8 0
#endif

/* e^x for x in [-700, 0] (the caller keeps it there), within 2 ulp of libm's, in straight-line code that vectorises:
   x = k ln2 + r with |r| <= ln2/2 (k by the 1.5 * 2^52 rounding trick, ln2 split in two parts), e^r by its Taylor
   polynomial of degree 13 (truncation below 1e-17 relative), 2^k assembled in the exponent bits.  The polynomial is
   summed in Estrin's scheme: a tree of depth 4 instead of Horner's chain of 13 multiply-adds, so that the
   out-of-order core overlaps more of the work (tanh over a row: 1.45 -> 0.77 ns per value, AVX-512, this machine). */
static inline double HcExpNonPositive_Private(double x)
{
  const double shift = 6755399441055744.0; /* 1.5 * 2^52: adding it rounds to an integer kept in the low bits */
  double       t, k, r, r2, r4, r8, q0, q1, q2, q3, q4, q5, q6, p;
  int64_t      bits;

  t  = x * 1.4426950408889634074 + shift;
  k  = t - shift;
  r  = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
  r2 = r * r;
  r4 = r2 * r2;
  r8 = r4 * r4;
  q0 = 1.0 + r;
  q1 = 1.0 / 2.0 + r * (1.0 / 6.0);
  q2 = 1.0 / 24.0 + r * (1.0 / 120.0);
  q3 = 1.0 / 720.0 + r * (1.0 / 5040.0);
  q4 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
  q5 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
  q6 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
  p  = ((q0 + r2 * q1) + r4 * (q2 + r2 * q3)) + r8 * ((q4 + r2 * q5) + r4 * q6);
  memcpy(&bits, &t, sizeof(bits));
  bits = (bits - (int64_t)0x4338000000000000LL + 1023) * ((int64_t)1 << 52);
  memcpy(&t, &bits, sizeof(t));
  return p * t;
}

/* tanh(z) = sign(z) (1 - e)/(1 + e), e = e^{-2|z|} in (0, 1] (never overflows): absolute error a few 1e-16, odd by
   construction, exactly +-1 for |z| >= 20 (where tanh rounds to +-1). */
static inline double HcTanh_Private(double z)
{
  double a = fabs(z), e;

  a = a > 20 ? 20 : a;
  e = HcExpNonPositive_Private(-2 * a);
  return copysign((1 - e) / (1 + e), z);
}

#endif
