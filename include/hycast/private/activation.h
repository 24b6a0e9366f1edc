/* The activations of the MLP, the mean-MLP and the Fourier layer: one implementation for all of them. */
#ifndef HYCAST_ACTIVATION_H
#define HYCAST_ACTIVATION_H

#include <hycast.h>
#include <hycast/private/kernelimpl.h>

/* a = sigma(z) and, when d is given, d = sigma'(z).  tanh through a vectorisable exp (HcTanh_Private: absolute error a
   few 1e-16, exact limits +-1, many times cheaper than libm's); GELU the exact z Phi(z), Phi the standard normal CDF. */
static inline PetscReal HcActivate(HcActivation act, PetscReal z, PetscReal *d)
{
  switch (act) {
    case HC_ACTIVATION_TANH: {
      const PetscReal a = HcTanh_Private(z);
      if (d) *d = 1 - a * a;
      return a;
    }
    case HC_ACTIVATION_GELU: {
      const PetscReal Phi = 0.5 * (1 + PetscErfReal(z * PETSC_SQRT2 / 2));
      if (d) *d = Phi + z * PetscExpReal(-0.5 * z * z) / PetscSqrtReal(2 * PETSC_PI);
      return z * Phi;
    }
    case HC_ACTIVATION_RELU:
    default:
      if (d) *d = z > 0 ? 1 : 0;
      return z > 0 ? z : 0;
  }
}

#endif
