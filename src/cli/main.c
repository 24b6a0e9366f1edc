/* bin/hycast: one binary, subcommands; everything else is PETSc options (-help lists them with their defaults). */
#define _POSIX_C_SOURCE 200809L /* _exit */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"

typedef struct {
  const char *name, *summary;
  PetscErrorCode (*run)(MPI_Comm);
} HcCommand;

static const HcCommand commands[] = {
    {"simulate", "integrate the physics from an analytic initial state and report conservation", HcCommandSimulate},
    {"info", "what the NetCDF reader understands of a file: fields, grid, time axis, land, value range", HcCommandInfo},
    {"extract", "read a selection of a NetCDF file (box, dates, stride, level) and write it as CF-1.8 NetCDF", HcCommandExtract},
    {"generate", "synthetic multi-environment datasets: known physics plus a hidden reaction, fine and coarsened",
     HcCommandGenerate},
    {"train", "fit a hybrid model to NetCDF data of one or more environments (ERM, APHYNITY, LEADS, V-REx)", HcCommandTrain},
    {"forecast", "run a trained model from an observed state, on its grid or another one; CF NetCDF output", HcCommandForecast},
    {"evaluate", "forecast skill per lead (RMSE, bias, anomaly correlation) against persistence and climatology",
     HcCommandEvaluate},
};

int              HcCommandExitStatus = 0;
static const int ncommands           = (int)(sizeof(commands) / sizeof(commands[0]));

static void usage(FILE *f)
{
  fprintf(f, "hycast %s: hybrid physics + machine-learning models of climate and ocean fields\n\n", HYCAST_VERSION);
  fprintf(f, "usage: hycast <command> [options]      (mpiexec -n N hycast ... to run in parallel)\n\ncommands:\n");
  for (int k = 0; k < ncommands; k++) fprintf(f, "  %-10s %s\n", commands[k].name, commands[k].summary);
  fprintf(f, "\n'hycast <command> -help' lists every option of a command with its default ('-help all' adds PETSc's own);\n"
             "'-options_file configs/X.yaml' loads a configuration; later options override earlier ones.\n");
}

/* A user-facing error is one line on stderr (from rank 0 when every rank raised it), not PETSc's stack trace; with
   -hc_traceback the trace is printed as well.  An error raised on one rank alone aborts the run, since the
   other ranks may be waiting in a collective call. */
static const char *hc_command_name = "";

/* -options_file is read inside PetscInitialize, before a handler of ours could be pushed, and PETSc names the file only in
   some of its messages: the handler is pushed before PetscInitialize and names the file itself. */
static const char *hc_options_files[16];
static int         hc_noptions_files = 0, hc_initializing = 0;

static void HcOptionsFileMessage(const char *mess, char buf[], size_t len)
{
  const char *name = NULL;
  FILE       *f;

  for (int k = 0; k < hc_noptions_files && !name; k++) { /* the first that cannot be read, else the one PETSc names */
    if (!(f = fopen(hc_options_files[k], "r"))) {
      snprintf(buf, len, "-options_file %s: %s", hc_options_files[k], strerror(errno));
      return;
    }
    fclose(f);
  }
  for (int k = 0; k < hc_noptions_files && !name; k++)
    if (strstr(mess, hc_options_files[k])) name = hc_options_files[k];
  if (!name && hc_noptions_files == 1) name = hc_options_files[0];
  if (name)
    snprintf(buf, len, "-options_file %s: %s", name, mess);
  else if (hc_noptions_files)
    snprintf(buf, len, "-options_file: %s", mess);
  else
    snprintf(buf, len, "%s", mess);
  for (char *c = buf; *c; c++) /* a binary file's bytes, quoted by PETSc */
    if (!isprint((unsigned char)*c)) *c = '?';
}

static PetscErrorCode HcErrorHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                                     PetscErrorType p, const char *mess, void *ctx)
{
  PetscMPIInt size = 1, rank = 0, wsize = 1;

  if (p != PETSC_ERROR_INITIAL) return n;
  if (ctx) PetscTraceBackErrorHandler(comm, line, fun, file, n, p, mess, NULL);
  if (hc_initializing) { /* every rank reads the options file; rank 0 speaks */
    int  init = 0;
    char text[PETSC_MAX_PATH_LEN + 512];

    MPI_Initialized(&init);
    if (init) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (!rank) {
      HcOptionsFileMessage(mess ? mess : "", text, sizeof(text));
      fprintf(stderr, "hycast %s: error: %s\n", hc_command_name, text);
      fflush(stderr);
    }
    return n;
  }
  MPI_Comm_size(comm, &size);
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &wsize);
  if (!rank || size == 1) {
    const char *text = mess;

    if (!text || !text[0]) PetscErrorMessage(n, &text, NULL);
    fprintf(stderr, "hycast %s: error: %s\n", hc_command_name, text ? text : "unknown error");
    fflush(stderr);
  }
  if (size == 1 && wsize > 1) MPI_Abort(MPI_COMM_WORLD, 1);
  return n;
}

int main(int argc, char **argv)
{
  const HcCommand *cmd = NULL;
  PetscErrorCode   ierr;
  PetscBool        traceback = PETSC_FALSE;

  if (argc < 2 || argv[1][0] == '-') {
    int help = argc >= 2 && (!strcmp(argv[1], "-help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
    usage(help ? stdout : stderr);
    return help ? 0 : 1;
  }
  for (int k = 0; k < ncommands; k++)
    if (!strcmp(argv[1], commands[k].name)) cmd = &commands[k];
  if (!cmd) {
    fprintf(stderr, "hycast: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 1;
  }
  hc_command_name = cmd->name;
  /* drop the command word so PETSc sees only options */
  argv[1] = argv[0];
  argc--;
  argv++;
  HcHelpFilterInstall(&argc, argv);
  /* the name unquoted, so that optionnames.c does not count PETSc's -options_* among hycast's options */
  for (int k = 1; k + 1 < argc; k++)
    if (argv[k][0] == '-' && !strcmp(argv[k] + 1, "options_file") && hc_noptions_files < 16)
      hc_options_files[hc_noptions_files++] = argv[k + 1];
  for (int k = 1; k < argc; k++) traceback = traceback || !strcmp(argv[k], "-hc_traceback");
  hc_initializing = 1;
  if (PetscPushErrorHandler(HcErrorHandler, traceback ? (void *)1 : NULL)) return 1;
  ierr            = PetscInitialize(&argc, &argv, NULL, NULL);
  hc_initializing = 0;
  if (ierr) return 1;
  /* progress lines must reach a log file or a pipe (tee, mpiexec's forwarding) as they are printed; after MPI_Init,
     which may set the stream's buffering itself */
  setvbuf(stdout, NULL, _IOLBF, 0);
  traceback = PETSC_FALSE;
  ierr      = PetscOptionsGetBool(NULL, NULL, "-hc_traceback", &traceback, NULL);
  /* on top of the first, which stays: it was allocated before PetscInitialize, by malloc, and freeing it with PETSc's
     tracing allocator (-malloc_debug, -malloc_dump) would be taken for corrupted memory */
  if (!ierr) ierr = PetscPushErrorHandler(HcErrorHandler, traceback ? (void *)1 : NULL);
  if (!ierr) ierr = cmd->run(PETSC_COMM_WORLD);
  HcHelpFilterFinish(PETSC_COMM_WORLD);
  PetscFinalize();
  if (ierr || HcWriterHasFailedHandle()) {
    /* A failed command may leave a NetCDF-4 file open whose writes failed (a full disk): HDF5's exit handler would
       flush it again and crash (HDF5 1.10).  Temporary files are gone already (PetscFinalize, HcWriter); what remains
       to do at exit is only the output buffers'. */
    fflush(NULL);
    _exit(ierr ? 1 : HcCommandExitStatus);
  }
  return HcCommandExitStatus;
}
