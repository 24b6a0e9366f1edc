/* Durations for people: a model time in seconds shown in s, min, h or days by its magnitude. */
#include <string.h>
#include <hycast.h>

/*@C
  HcFormatDuration - write a duration t into buf: with seconds, in s, min, h or days chosen by its magnitude
  (2629746 -> "30.44 days", 21600 -> "6 h", 0.1 -> "0.1 s"); without (model time units of a file with no time units,
  or of a Cartesian grid), the plain number.
@*/
PetscErrorCode HcFormatDuration(PetscReal t, PetscBool seconds, char buf[], size_t len)
{
  const PetscReal a = PetscAbsReal(t);

  PetscFunctionBegin;
  if (!seconds || PetscIsInfOrNanReal(t))
    PetscCall(PetscSNPrintf(buf, len, "%g", (double)t));
  else if (a >= 86400)
    PetscCall(PetscSNPrintf(buf, len, "%.4g %s", (double)(t / 86400), t == 86400 ? "day" : "days"));
  else if (a >= 3600)
    PetscCall(PetscSNPrintf(buf, len, "%.4g h", (double)(t / 3600)));
  else if (a >= 60)
    PetscCall(PetscSNPrintf(buf, len, "%.4g min", (double)(t / 60)));
  else
    PetscCall(PetscSNPrintf(buf, len, "%.4g s", (double)t));
  PetscFunctionReturn(0);
}

/*@C
  HcFormatDurationRange - "28 .. 31 days" (the unit once when both ends share it), or one duration when hi and lo agree
  to 1e-9 relative (HcFormatDuration()).
@*/
PetscErrorCode HcFormatDurationRange(PetscReal lo, PetscReal hi, PetscBool seconds, char buf[], size_t len)
{
  char        a[64], b[64];
  const char *ua, *ub;
  PetscBool   same;

  PetscFunctionBegin;
  if (PetscAbsReal(hi - lo) <= 1e-9 * PetscMax(PetscAbsReal(hi), PetscAbsReal(lo))) {
    PetscCall(HcFormatDuration(hi, seconds, buf, len));
    PetscFunctionReturn(0);
  }
  PetscCall(HcFormatDuration(lo, seconds, a, sizeof(a)));
  PetscCall(HcFormatDuration(hi, seconds, b, sizeof(b)));
  ua = strchr(a, ' ');
  ub = strchr(b, ' ');
  PetscCall(PetscStrcmp(ua, ub, &same));
  if (ua && same) a[ua - a] = 0;
  PetscCall(PetscSNPrintf(buf, len, "%s .. %s", a, b));
  PetscFunctionReturn(0);
}
