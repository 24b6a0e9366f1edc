/* Outputs never destroy: every file hycast writes is written under a temporary name and renamed over the target, so
   the target must be a regular file (or absent), and must not be one of the command's inputs. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <hycast.h>

/*@C
  HcCheckOutputFile - refuse an output path that exists and is not a regular file (a device such as /dev/null, a
  directory, a pipe: a rename would replace it), or that is the same file (device and inode, so also through links
  and other spellings) as one of the n inputs.  what names the output in the message ("-o", "-evaluate_csv").
  Collective; rank 0 looks.
@*/
PetscErrorCode HcCheckOutputFile(MPI_Comm comm, const char what[], const char path[], PetscInt n, const char *const inputs[])
{
  PetscMPIInt rank;
  int         bad   = 0; /* 1 not regular, 2 same as input[which] */
  PetscInt    which = -1;

  PetscFunctionBegin;
  if (!path || !path[0]) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    struct stat out, in;

    if (!stat(path, &out)) {
      if (!S_ISREG(out.st_mode)) bad = 1;
      for (PetscInt k = 0; k < n && !bad; k++)
        if (inputs[k] && inputs[k][0] && !stat(inputs[k], &in) && in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
          bad   = 2;
          which = k;
        }
    }
  }
  PetscCallMPI(MPI_Bcast(&bad, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(&which, 1, MPIU_INT, 0, comm));
  PetscCheck(bad != 1, comm, PETSC_ERR_FILE_OPEN,
             "%s %s exists and is not a regular file (a device, a directory or a pipe); hycast writes only regular files and "
             "will not replace it",
             what, path);
  PetscCheck(bad != 2, comm, PETSC_ERR_FILE_OPEN, "%s %s is the same file as the input %s; writing would destroy the input", what,
             path, inputs[which]);
  PetscFunctionReturn(0);
}

/*@C
  HcFileSystemFull - is the file system that holds (or would hold) path full?  A write that fails there fails for that
  reason, whatever NetCDF or HDF5 call it ("HDF error", "Permission denied").
@*/
PetscBool HcFileSystemFull(const char path[])
{
  char           dir[PETSC_MAX_PATH_LEN];
  const char    *slash = path ? strrchr(path, '/') : NULL;
  struct statvfs st;

  if (!path || !path[0]) return PETSC_FALSE;
  if (slash) {
    size_t n = PetscMin((size_t)(slash - path) + 1, sizeof(dir) - 1);

    memcpy(dir, path, n);
    dir[n] = 0;
  } else {
    dir[0] = '.';
    dir[1] = 0;
  }
  /* a pseudo or read-only file system (/sys, /proc) has no free blocks without being full */
  if (statvfs(dir, &st) || !st.f_blocks || (st.f_flag & ST_RDONLY)) return PETSC_FALSE;
  return (PetscBool)((unsigned long long)st.f_bavail * st.f_frsize < 64 * 1024);
}
