/* CF time axes: "<unit> since <date>" in the CF calendars, converted to model time (seconds since the reference date).

   Dates become day numbers counted from 0001-01-01 of their own calendar; the mixed "standard" calendar counts in the
   Gregorian numbering and maps Julian dates (before 1582-10-15) onto it, so that 1582-10-04 and 1582-10-15 are
   consecutive days. */
#include <ctype.h>
#include <hycast/private/ioimpl.h>

/* Case-insensitive comparison of the first n characters (n < 0: whole strings). */
static PetscBool HcStrCaseEq_Private(const char a[], const char b[], int n)
{
  for (int k = 0; n < 0 || k < n; k++) {
    if (tolower((unsigned char)a[k]) != tolower((unsigned char)b[k])) return PETSC_FALSE;
    if (!a[k]) return PETSC_TRUE;
  }
  return PETSC_TRUE;
}

static PetscInt64 HcFloorDiv_Private(PetscInt64 a, PetscInt64 b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static PetscBool HcLeapYear_Private(HcCalendar cal, PetscInt64 y)
{
  switch (cal) {
    case HC_CALENDAR_NOLEAP:
    case HC_CALENDAR_360_DAY: return PETSC_FALSE;
    case HC_CALENDAR_ALL_LEAP: return PETSC_TRUE;
    case HC_CALENDAR_JULIAN: return HcFloorDiv_Private(y, 4) * 4 == y ? PETSC_TRUE : PETSC_FALSE;
    default:
      return (HcFloorDiv_Private(y, 4) * 4 == y && HcFloorDiv_Private(y, 100) * 100 != y) ||
             HcFloorDiv_Private(y, 400) * 400 == y;
  }
}

static int HcDaysInMonth_Private(HcCalendar cal, PetscInt64 y, int m)
{
  static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

  if (cal == HC_CALENDAR_360_DAY) return 30;
  return m == 2 && HcLeapYear_Private(cal, y) ? 29 : len[m - 1];
}

/* Days from 0001-01-01 to y-01-01 in a calendar without a switch date. */
static PetscInt64 HcDaysBeforeYear_Private(HcCalendar cal, PetscInt64 y)
{
  const PetscInt64 p = y - 1;

  switch (cal) {
    case HC_CALENDAR_JULIAN: return 365 * p + HcFloorDiv_Private(p, 4);
    case HC_CALENDAR_NOLEAP: return 365 * p;
    case HC_CALENDAR_ALL_LEAP: return 366 * p;
    case HC_CALENDAR_360_DAY: return 360 * p;
    default: return 365 * p + HcFloorDiv_Private(p, 4) - HcFloorDiv_Private(p, 100) + HcFloorDiv_Private(p, 400);
  }
}

static PetscInt64 HcDayNumberPlain_Private(HcCalendar cal, PetscInt64 y, int m, int d)
{
  PetscInt64 n = HcDaysBeforeYear_Private(cal, y) + d - 1;

  for (int k = 1; k < m; k++) n += HcDaysInMonth_Private(cal, y, k);
  return n;
}

static void HcDatePlain_Private(HcCalendar cal, PetscInt64 n, HcDate *date)
{
  const double yearlen[] = {365.2425, 365.2425, 365.25, 365, 366, 360};
  PetscInt64   y         = (PetscInt64)PetscFloorReal((PetscReal)n / yearlen[cal]) + 1, rem;
  int          m         = 1;

  while (HcDaysBeforeYear_Private(cal, y) > n) y--;
  while (HcDaysBeforeYear_Private(cal, y + 1) <= n) y++;
  rem = n - HcDaysBeforeYear_Private(cal, y);
  while (rem >= HcDaysInMonth_Private(cal, y, m)) rem -= HcDaysInMonth_Private(cal, y, m++);
  date->year  = (int)y;
  date->month = m;
  date->day   = (int)rem + 1;
}

/* The standard calendar: Julian up to 1582-10-04, Gregorian from 1582-10-15.  Julian 0001-01-01 is Gregorian
   0000-12-30, two days before the Gregorian count's origin. */
static PetscBool HcBeforeGregorian_Private(int y, int m, int d)
{
  return y < 1582 || (y == 1582 && (m < 10 || (m == 10 && d < 15))) ? PETSC_TRUE : PETSC_FALSE;
}

static PetscInt64 HcDayNumber_Private(HcCalendar cal, const HcDate *date)
{
  if (cal != HC_CALENDAR_STANDARD) return HcDayNumberPlain_Private(cal, date->year, date->month, date->day);
  if (HcBeforeGregorian_Private(date->year, date->month, date->day))
    return HcDayNumberPlain_Private(HC_CALENDAR_JULIAN, date->year, date->month, date->day) - 2;
  return HcDayNumberPlain_Private(HC_CALENDAR_PROLEPTIC_GREGORIAN, date->year, date->month, date->day);
}

static void HcDateFromDayNumber_Private(HcCalendar cal, PetscInt64 n, HcDate *date)
{
  if (cal != HC_CALENDAR_STANDARD)
    HcDatePlain_Private(cal, n, date);
  else if (n >= HcDayNumberPlain_Private(HC_CALENDAR_PROLEPTIC_GREGORIAN, 1582, 10, 15))
    HcDatePlain_Private(HC_CALENDAR_PROLEPTIC_GREGORIAN, n, date);
  else
    HcDatePlain_Private(HC_CALENDAR_JULIAN, n + 2, date);
  date->sec = 0;
}

static PetscBool HcDateValid_Private(HcCalendar cal, const HcDate *d)
{
  if (d->month < 1 || d->month > 12 || d->day < 1 || d->day > HcDaysInMonth_Private(cal, d->year, d->month)) return PETSC_FALSE;
  if (cal == HC_CALENDAR_STANDARD && d->year == 1582 && d->month == 10 && d->day > 4 && d->day < 15) return PETSC_FALSE;
  return d->sec >= 0 && d->sec < 86400 + 1 ? PETSC_TRUE : PETSC_FALSE; /* 86400 allows a leap second's 23:59:60 */
}

static PetscBool HcParseInt_Private(const char **s, long *v)
{
  char *end;

  if (!isdigit((unsigned char)**s)) return PETSC_FALSE;
  *v = strtol(*s, &end, 10);
  *s = end;
  return PETSC_TRUE;
}

/* "Y-M-D[(T| )h[:m[:s]]][ ][Z|UTC|GMT|+00:00]": only a zero time-zone offset is accepted. */
static PetscBool HcParseDate_Private(const char *s, HcDate *date)
{
  long      y, m, d, hh = 0, mm = 0;
  double    ss  = 0;
  PetscBool neg = PETSC_FALSE;
  char     *end;

  while (*s == ' ') s++;
  if (*s == '-') {
    neg = PETSC_TRUE;
    s++;
  }
  if (!HcParseInt_Private(&s, &y) || *s++ != '-' || !HcParseInt_Private(&s, &m) || *s++ != '-' || !HcParseInt_Private(&s, &d))
    return PETSC_FALSE;
  if ((*s == 'T' || *s == 't' || *s == ' ') && isdigit((unsigned char)s[1])) {
    s++;
    if (!HcParseInt_Private(&s, &hh)) return PETSC_FALSE;
    if (*s == ':') {
      s++;
      if (!HcParseInt_Private(&s, &mm)) return PETSC_FALSE;
      if (*s == ':') {
        s++;
        if (!isdigit((unsigned char)*s)) return PETSC_FALSE;
        ss = strtod(s, &end);
        s  = end;
      }
    }
  }
  while (*s == ' ') s++;
  if (*s == 'Z' || *s == 'z')
    s++;
  else if (HcStrCaseEq_Private(s, "UTC", 3) || HcStrCaseEq_Private(s, "GMT", 3))
    s += 3;
  else if (*s == '+' || *s == '-') {
    s++;
    while (*s == '0' || *s == ':') s++; /* a zero offset */
  }
  while (*s == ' ') s++;
  if (*s) return PETSC_FALSE;
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return PETSC_FALSE;
  date->year  = (int)(neg ? -y : y);
  date->month = (int)m;
  date->day   = (int)d;
  date->sec   = 3600.0 * hh + 60.0 * mm + ss;
  return PETSC_TRUE;
}

static PetscErrorCode HcCalendarFromName_Private(MPI_Comm comm, const char file[], const char var[], const char name[],
                                                 HcCalendar *cal)
{
  static const struct {
    const char *name;
    HcCalendar  cal;
  } known[] = {
      {"standard", HC_CALENDAR_STANDARD},
      {"gregorian", HC_CALENDAR_STANDARD},
      {"proleptic_gregorian", HC_CALENDAR_PROLEPTIC_GREGORIAN},
      {"julian", HC_CALENDAR_JULIAN},
      {"noleap", HC_CALENDAR_NOLEAP},
      {"365_day", HC_CALENDAR_NOLEAP},
      {"all_leap", HC_CALENDAR_ALL_LEAP},
      {"366_day", HC_CALENDAR_ALL_LEAP},
      {"360_day", HC_CALENDAR_360_DAY},
  };

  PetscFunctionBegin;
  for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
    if (HcStrCaseEq_Private(name, known[k].name, -1)) {
      *cal = known[k].cal;
      PetscFunctionReturn(0);
    }
  SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED,
          "%s: variable '%s': unknown calendar '%s' (known: standard, gregorian, proleptic_gregorian, julian, noleap, 365_day, "
          "all_leap, 366_day, 360_day)",
          file, var, name);
}

/* The first word of units, lower case, and where the rest begins (after blanks). */
static const char *HcTimeUnitWord_Private(const char units[], char word[], size_t len)
{
  const char *s = units, *rest;
  size_t      n;

  while (*s == ' ') s++;
  for (n = 0; s[n] && s[n] != ' ' && n < len - 1; n++) word[n] = (char)tolower((unsigned char)s[n]);
  word[n] = 0;
  rest    = s + n;
  while (*rest == ' ') rest++;
  return rest;
}

/*
  HcTimeUnitsDated_Private - the units are "<unit> since <date>" (or "after"), not a bare unit.
*/
PetscBool HcTimeUnitsDated_Private(const char units[])
{
  char        word[64];
  const char *since = HcTimeUnitWord_Private(units, word, sizeof(word));

  return HcStrCaseEq_Private(since, "since ", 6) || HcStrCaseEq_Private(since, "after ", 6) ? PETSC_TRUE : PETSC_FALSE;
}

/*
  HcTimeUnitSeconds_Private - seconds in the unit that units begin with (weeks to seconds), 0 for an unknown unit and for
  months and years, which have no fixed length.
*/
PetscReal HcTimeUnitSeconds_Private(const char units[])
{
  static const struct {
    const char *name;
    PetscReal   sec;
  } unitnames[] = {
      {"weeks", 604800}, {"week", 604800}, {"days", 86400}, {"day", 86400},  {"d", 86400},   {"hours", 3600}, {"hour", 3600},
      {"hrs", 3600},     {"hr", 3600},     {"h", 3600},     {"minutes", 60}, {"minute", 60}, {"mins", 60},    {"min", 60},
      {"seconds", 1},    {"second", 1},    {"secs", 1},     {"sec", 1},      {"s", 1},
  };
  char word[64];

  (void)HcTimeUnitWord_Private(units, word, sizeof(word));
  for (size_t k = 0; k < sizeof(unitnames) / sizeof(unitnames[0]); k++)
    if (!strcmp(word, unitnames[k].name)) return unitnames[k].sec;
  return 0;
}

/*
  HcTimeAxisSetUp_Private - decode CF time units and calendar (NULL or empty: "standard", CF's default).
*/
PetscErrorCode HcTimeAxisSetUp_Private(MPI_Comm comm, const char file[], const char var[], const char units[],
                                       const char calendar[], HcTimeAxis *ax)
{
  char        word[64];
  const char *since = HcTimeUnitWord_Private(units, word, sizeof(word));

  PetscFunctionBegin;
  PetscCall(PetscMemzero(ax, sizeof(*ax)));
  PetscCall(PetscStrncpy(ax->units, units, sizeof(ax->units)));
  PetscCall(PetscStrncpy(ax->calendar, calendar && calendar[0] ? calendar : "standard", sizeof(ax->calendar)));
  PetscCall(HcCalendarFromName_Private(comm, file, var, ax->calendar, &ax->cal));
  PetscCheck(HcTimeUnitsDated_Private(units), comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s: variable '%s': time units '%s' are not of the form '<unit> since <date>'", file, var, units);
  ax->unitsec = HcTimeUnitSeconds_Private(units);
  PetscCheck(strcmp(word, "months") && strcmp(word, "month") && strcmp(word, "years") && strcmp(word, "year"), comm,
             PETSC_ERR_FILE_UNEXPECTED,
             "%s: variable '%s': time units '%s': months and years have no fixed length in CF (UDUNITS makes them 30.44 and "
             "365.24 days); use days",
             file, var, units);
  PetscCheck(ax->unitsec > 0, comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s: variable '%s': time units '%s': unknown unit '%s' (known: weeks, days, hours, minutes, seconds)", file, var,
             units, word);
  PetscCheck(
      HcParseDate_Private(since + 6, &ax->ref) && HcDateValid_Private(ax->cal, &ax->ref), comm, PETSC_ERR_FILE_UNEXPECTED,
      "%s: variable '%s': time units '%s': the reference date is not a valid date of the %s calendar (YYYY-MM-DD[ hh:mm:ss])",
      file, var, units, ax->calendar);
  ax->refday = HcDayNumber_Private(ax->cal, &ax->ref);
  PetscFunctionReturn(0);
}

/*
  HcTimeAxisParseDate_Private - model time of a date given as YYYY-MM-DD[Thh:mm:ss] in the axis' calendar; what names
  the source of the text in the error message (an option, say).
*/
PetscErrorCode HcTimeAxisParseDate_Private(MPI_Comm comm, const HcTimeAxis *ax, const char what[], const char text[],
                                           PetscReal *t)
{
  HcDate d;

  PetscFunctionBegin;
  PetscCheck(HcParseDate_Private(text, &d), comm, PETSC_ERR_ARG_WRONG, "%s: '%s' is not a date YYYY-MM-DD[Thh:mm:ss]", what,
             text);
  PetscCheck(HcDateValid_Private(ax->cal, &d), comm, PETSC_ERR_ARG_WRONG, "%s: '%s' is not a valid date of the %s calendar", what,
             text, ax->calendar);
  *t = (PetscReal)(HcDayNumber_Private(ax->cal, &d) - ax->refday) * 86400 + d.sec - ax->ref.sec;
  PetscFunctionReturn(0);
}

/*
  HcTimeAxisFormat_Private - model time as "YYYY-MM-DD" (or "YYYY-MM-DD hh:mm:ss" when not at midnight), to the millisecond.
*/
PetscErrorCode HcTimeAxisFormat_Private(const HcTimeAxis *ax, PetscReal t, char buf[], size_t len)
{
  PetscReal total = ax->ref.sec + t, days = PetscFloorReal(total / 86400),
            sec = PetscFloorReal((total - days * 86400) * 1000 + 0.5) / 1000;
  PetscInt64 n;
  HcDate     d;

  PetscFunctionBegin;
  if (sec >= 86400) {
    sec -= 86400;
    days += 1;
  }
  n = ax->refday + (PetscInt64)days;
  HcDateFromDayNumber_Private(ax->cal, n, &d);
  if (sec == 0)
    PetscCall(PetscSNPrintf(buf, len, "%04d-%02d-%02d", d.year, d.month, d.day));
  else {
    const int    hh = (int)(sec / 3600), mm = (int)((sec - 3600.0 * hh) / 60);
    const double ss = sec - 3600.0 * hh - 60.0 * mm;

    if (ss == PetscFloorReal(ss))
      PetscCall(PetscSNPrintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d", d.year, d.month, d.day, hh, mm, (int)ss));
    else
      PetscCall(PetscSNPrintf(buf, len, "%04d-%02d-%02d %02d:%02d:%06.3f", d.year, d.month, d.day, hh, mm, ss));
  }
  PetscFunctionReturn(0);
}

/*
  HcTimeAxisOffset_Private - seconds to add to a model time of axis b to express it on axis a (same calendar).
*/
PetscErrorCode HcTimeAxisOffset_Private(MPI_Comm comm, const HcTimeAxis *a, const HcTimeAxis *b, PetscReal *offset)
{
  PetscFunctionBegin;
  PetscCheck(a->cal == b->cal, comm, PETSC_ERR_ARG_INCOMP, "time axes in different calendars (%s, %s) cannot be compared",
             a->calendar, b->calendar);
  *offset = (PetscReal)(b->refday - a->refday) * 86400 + b->ref.sec - a->ref.sec;
  PetscFunctionReturn(0);
}
