/* Integer options read with a range check on their text.  PETSc 3.18 parses an integer option with strtol and casts the
   long to PetscInt, so -grid_nx 99999999999 becomes 1215752191 and fails later for an unrelated reason; sysimpl.h
   routes PetscOptionsInt, PetscOptionsBoundedInt, PetscOptionsRangeInt and PetscOptionsIntArray through here. */
#include <errno.h>
#include <stdlib.h>
#include <hycast/private/sysimpl.h>

/* One integer literal (text[0..len)) of option opt: within [lo, hi], else an error naming the option and the range.
   Anything else (1.5, abc) is refused when strict, but for PETSc's words (DECIDE); an array's ranges (2-5) are left to
   PETSc's own parser. */
static PetscErrorCode HcOptionsCheckInteger_Private(PetscOptionItems *items, const char opt[], const char value[],
                                                    const char text[], size_t len, PetscInt lo, PetscInt hi, PetscBool strict)
{
  char      buf[64], *end;
  long long x;

  PetscFunctionBegin;
  if (!len || len >= sizeof(buf)) {
    PetscCheck(len < sizeof(buf), items->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-%s%s %s: not an integer from %" PetscInt_FMT " to %" PetscInt_FMT, items->prefix ? items->prefix : "", opt + 1,
               value, lo, hi);
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMemcpy(buf, text, len));
  buf[len] = 0;
  errno    = 0;
  x        = strtoll(buf, &end, 10);
  if (strict && *end) {
    static const char *const words[] = {"DECIDE", "PETSC_DECIDE", "DEFAULT", "PETSC_DEFAULT", "DETERMINE", "PETSC_DETERMINE"};
    PetscBool                word    = PETSC_FALSE;

    for (size_t k = 0; k < sizeof(words) / sizeof(words[0]) && !word; k++) PetscCall(PetscStrcasecmp(buf, words[k], &word));
    PetscCheck(word, items->comm, PETSC_ERR_ARG_WRONG, "-%s%s %s: not an integer", items->prefix ? items->prefix : "", opt + 1,
               value);
  }
  if (end == buf || *end) PetscFunctionReturn(0);
  PetscCheck(errno != ERANGE && x >= lo && x <= hi, items->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-%s%s %s: out of range; it must be an integer from %" PetscInt_FMT " to %" PetscInt_FMT,
             items->prefix ? items->prefix : "", opt + 1, value, lo, hi);
  PetscFunctionReturn(0);
}

/* Every comma-separated item of the option's value (one item for a single integer). */
static PetscErrorCode HcOptionsCheckIntegers_Private(PetscOptionItems *items, const char opt[], PetscInt lo, PetscInt hi,
                                                     PetscBool strict)
{
  const char *value;
  PetscBool   set;

  PetscFunctionBegin;
  PetscCall(PetscOptionsFindPair(items->options, items->prefix, opt, &value, &set));
  if (!set || !value) PetscFunctionReturn(0);
  for (const char *p = value;;) {
    const char *comma = strchr(p, ',');
    size_t      len   = comma ? (size_t)(comma - p) : strlen(p);

    PetscCall(HcOptionsCheckInteger_Private(items, opt, value, p, len, lo, hi, strict));
    if (!comma) break;
    p = comma + 1;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode HcOptionsInt_Private(PetscOptionItems *items, const char opt[], const char text[], const char man[], PetscInt cur,
                                    PetscInt *value, PetscBool *set, PetscInt lb, PetscInt ub)
{
  PetscFunctionBegin;
  PetscCall(HcOptionsCheckIntegers_Private(items, opt, lb, ub, PETSC_TRUE));
  PetscCall(PetscOptionsInt_Private(items, opt, text, man, cur, value, set, lb, ub));
  PetscFunctionReturn(0);
}

PetscErrorCode HcOptionsIntArray_Private(PetscOptionItems *items, const char opt[], const char text[], const char man[],
                                         PetscInt value[], PetscInt *n, PetscBool *set)
{
  PetscFunctionBegin;
  PetscCall(HcOptionsCheckIntegers_Private(items, opt, PETSC_MIN_INT, PETSC_MAX_INT, PETSC_FALSE));
  PetscCall(PetscOptionsIntArray_Private(items, opt, text, man, value, n, set));
  PetscFunctionReturn(0);
}
