/* NetCDF input/output internals: the NetCDF call macro, CF time axes, the reader and writer structs. */
#ifndef HYCAST_IOIMPL_H
#define HYCAST_IOIMPL_H

#include <netcdf.h>
#include <hycast/private/gridimpl.h>

/* Every NetCDF call goes through this macro.  The status is agreed on across comm first (every rank of comm must
   reach the call; ranks that have nothing to do pass NC_NOERR), so that a failure on one rank stops all of them with
   the same single message, which names the file, the variable and NetCDF's own explanation (nc_strerror). */
#define HcCallNetCDF(comm, file, var, call)                           \
  do {                                                                \
    const int hc_nc_status_ = (call);                                 \
    PetscCall(HcNetCDFCheck_Private(comm, hc_nc_status_, file, var)); \
  } while (0)

PETSC_INTERN PetscErrorCode HcNetCDFCheck_Private(MPI_Comm, int, const char[], const char[]);
PETSC_INTERN PetscErrorCode HcNetCDFCheckSize_Private(MPI_Comm, const char[], const char[]);
PETSC_INTERN PetscErrorCode HcNetCDFGetText_Private(MPI_Comm, const char[], int, int, const char[], char[], size_t, PetscBool *);
PETSC_INTERN PetscErrorCode HcNetCDFGetReals_Private(MPI_Comm, const char[], int, int, const char[], PetscInt, double[],
                                                     PetscInt *);

/* ---- CF time: "<unit> since <date>" in one of the CF calendars.  Model time = seconds since the reference date. */
typedef enum {
  HC_CALENDAR_STANDARD, /* Julian before 1582-10-15, Gregorian from then on */
  HC_CALENDAR_PROLEPTIC_GREGORIAN,
  HC_CALENDAR_JULIAN,
  HC_CALENDAR_NOLEAP,
  HC_CALENDAR_ALL_LEAP,
  HC_CALENDAR_360_DAY
} HcCalendar;

typedef struct {
  int       year, month, day;
  PetscReal sec; /* seconds into the day */
} HcDate;

typedef struct {
  char       units[256], calendar[64];
  HcCalendar cal;
  PetscReal  unitsec; /* seconds per unit */
  HcDate     ref;
  PetscInt64 refday; /* day number of the reference date in its calendar */
} HcTimeAxis;

PETSC_INTERN PetscErrorCode HcTimeAxisSetUp_Private(MPI_Comm, const char[], const char[], const char[], const char[],
                                                    HcTimeAxis *);
PETSC_INTERN PetscErrorCode HcTimeAxisParseDate_Private(MPI_Comm, const HcTimeAxis *, const char[], const char[], PetscReal *);
PETSC_INTERN PetscErrorCode HcTimeAxisFormat_Private(const HcTimeAxis *, PetscReal, char[], size_t);
PETSC_INTERN PetscErrorCode HcTimeAxisOffset_Private(MPI_Comm, const HcTimeAxis *, const HcTimeAxis *, PetscReal *);
PETSC_INTERN PetscBool      HcTimeUnitsDated_Private(const char[]);
PETSC_INTERN PetscReal      HcTimeUnitSeconds_Private(const char[]);
/* a digest of a NetCDF file's named global attributes and every variable, kept in its attribute hycast_checksum */
PETSC_INTERN int HcNetCDFDigest(int, const char *const[], int, unsigned long long *);
PETSC_INTERN int HcNetCDFStamp(const char[], const char *const[], int);
PETSC_INTERN int HcNetCDFCheckStamp(int, const char *const[], int);

#endif
