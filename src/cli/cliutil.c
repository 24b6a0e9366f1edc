/* Helpers of the commands: the positional file argument, the command line for history attributes, -help without input. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"

/*@C
  HcCommandGetFile - the word right after the command (hycast info FILE ...), when it is not an option; PETSc ignores it.
@*/
PetscErrorCode HcCommandGetFile(char path[], size_t len, PetscBool *found)
{
  int    argc;
  char **argv;

  PetscFunctionBegin;
  PetscCall(PetscGetArgs(&argc, &argv));
  *found = argc > 1 && argv[1][0] != '-' ? PETSC_TRUE : PETSC_FALSE;
  if (*found) PetscCall(PetscStrncpy(path, argv[1], len));
  PetscFunctionReturn(0);
}

/*@C
  HcCommandLine - "hycast CMD ARGS...", the command as typed (PetscFree the result).
@*/
PetscErrorCode HcCommandLine(const char cmd[], char **line)
{
  int    argc;
  char **argv;
  size_t len = strlen(cmd) + 8;

  PetscFunctionBegin;
  PetscCall(PetscGetArgs(&argc, &argv));
  for (int k = 1; k < argc; k++) len += strlen(argv[k]) + 1;
  PetscCall(PetscCalloc1(len, line));
  PetscCall(PetscSNPrintf(*line, len, "hycast %s", cmd));
  for (int k = 1; k < argc; k++) {
    PetscCall(PetscStrlcat(*line, " ", len));
    PetscCall(PetscStrlcat(*line, argv[k], len));
  }
  PetscFunctionReturn(0);
}

/*@C
  HcCommandHelp - with -help and no input file, list the options the command would read from its inputs (the reader's
  -data_*; for train also the model's and the trainer's), so that the listing is complete and the
  command ends without an error.  done tells the command to stop.
@*/
PetscErrorCode HcCommandHelp(MPI_Comm comm, PetscBool hasinput, PetscBool training, PetscBool *done)
{
  PetscBool help;
  HcReader  r;

  PetscFunctionBegin;
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  *done = (PetscBool)(help && !hasinput);
  if (!*done) PetscFunctionReturn(0);
  PetscCall(HcReaderCreate(comm, &r));
  PetscCall(HcReaderSetFromOptions(r));
  PetscCall(HcReaderDestroy(&r));
  if (training) {
    HcGrid    grid;
    HcModel   model;
    HcTrainer tr;

    /* a grid of its own (train takes the grid from the data, so -grid_* is not listed), on which every term type
       can be set up with its defaults: two fields (the two-field reactions), 32 x 32 cells (-fno_modes 12,12) */
    const char *fields[2] = {"u", "v"};

    PetscCall(HcGridCreate(comm, &grid));
    PetscCall(HcGridSetSizes(grid, 32, 32));
    PetscCall(HcGridSetFields(grid, 2, fields));
    PetscCall(HcGridSetUp(grid));
    PetscCall(HcModelCreate(grid, &model));
    PetscCall(HcModelSetFromOptions(model));
    PetscCall(HcModelSetUp(model));
    PetscCall(HcTrainerCreate(model, &tr));
    PetscCall(HcTrainerSetFromOptions(tr));
    PetscCall(HcTrainerDestroy(&tr));
    PetscCall(HcModelDestroy(&model));
    PetscCall(HcGridDestroy(&grid));
  }
  PetscFunctionReturn(0);
}

/* -help shows hycast's own option blocks as they are read; PETSc's (TS, TAO, viewers, the options of every PETSc
   program) only with -help all or -help petsc, and then after hycast's, so that a user finds the options that shape
   the model first.  Blocks are told apart by the separator line PetscOptionsBegin() prints before each title. */
#define HC_HELP_SEPARATOR "----------------------------------------\n"

static struct {
  int    all;      /* -help all | petsc */
  int    hycast;   /* the block being printed is hycast's */
  int    typelist; /* inside a PETSc type list printed with PetscFPrintf (below) */
  char  *petsc;    /* PETSc's blocks, kept for the end */
  size_t len, cap; /* of petsc */
} hc_help;

static void HcHelpKeep_Private(const char *text)
{
  size_t n = strlen(text);

  if (hc_help.len + n + 1 > hc_help.cap) {
    size_t cap = 2 * (hc_help.cap + n + 1024);
    char  *p   = (char *)realloc(hc_help.petsc, cap);

    if (!p) return; /* help text only: losing it is better than failing */
    hc_help.petsc = p;
    hc_help.cap   = cap;
  }
  memcpy(hc_help.petsc + hc_help.len, text, n + 1);
  hc_help.len += n;
}

static PetscErrorCode HcHelpPrintf_Private(MPI_Comm comm, const char format[], ...)
{
  char    stack[4096], *text = stack;
  size_t  full = 0;
  va_list ap, again;

  /* PETSc's own formatting (a real prints as "0." as in PETSc's listing) */
  va_start(ap, format);
  va_copy(again, ap);
  if (PetscVSNPrintf(stack, sizeof(stack), format, &full, ap)) full = 0;
  va_end(ap);
  if (full >= sizeof(stack)) {
    text = (char *)malloc(full + 1);
    if (!text || PetscVSNPrintf(text, full + 1, format, NULL, again)) {
      free(text);
      text = stack;
    }
  }
  va_end(again);
  if (!strncmp(text, HC_HELP_SEPARATOR, strlen(HC_HELP_SEPARATOR))) {
    const char *title = text + strlen(HC_HELP_SEPARATOR);

    hc_help.hycast = !strncmp(title, "hycast ", 7) || strstr(title, "(Hc") != NULL;
  }
  if (hc_help.hycast) {
    PetscMPIInt rank = 0;

    MPI_Comm_rank(comm, &rank);
    if (!rank) {
      fputs(text, stdout);
      fflush(stdout);
    }
  } else if (hc_help.all)
    HcHelpKeep_Private(text);
  if (text != stack) free(text);
  return 0;
}

/* PETSc prints the types of an object ("  -ts_type <now rk : formerly rk>: TS method (one of) euler ... (TSSetType)", in
   pieces) with PetscFPrintf() to stdout, not with PetscHelpPrintf(): without this, the lists of PETSc's blocks would
   show among hycast's (-ts_type after the last term block, -sf_type in the grid's).  A list that starts while a
   PETSc block is being printed goes where that block goes; everything else is printed as PETSc would. */
static PetscErrorCode (*hc_vfprintf)(FILE *, const char[], va_list); /* PETSc's, restored at the end */

static PetscErrorCode HcHelpVFPrintf_Private(FILE *fd, const char format[], va_list ap)
{
  if (fd == PETSC_STDOUT && !hc_help.typelist && !hc_help.hycast && !strncmp(format, "  ", 2) &&
      strstr(format, "<now %s : formerly %s>: %s (one of)"))
    hc_help.typelist = 1;
  if (hc_help.typelist && fd == PETSC_STDOUT) {
    char   stack[4096], *text = stack;
    size_t full = 0;

    if (hc_help.all) {
      va_list again;

      va_copy(again, ap);
      if (PetscVSNPrintf(stack, sizeof(stack), format, &full, ap)) full = 0;
      if (full >= sizeof(stack)) {
        text = (char *)malloc(full + 1);
        if (!text || PetscVSNPrintf(text, full + 1, format, NULL, again)) {
          free(text);
          text = stack;
        }
      }
      va_end(again);
      HcHelpKeep_Private(text);
      if (text != stack) free(text);
    }
    if (strchr(format, '\n')) hc_help.typelist = 0; /* the list ends with its line */
    return 0;
  }
  return hc_vfprintf(fd, format, ap);
}

/*@C
  HcHelpFilterInstall - before PetscInitialize(): route -help through the filter above.  The word after -help, all or
  petsc, is taken out of argv (PETSc reads a value of -help as a boolean and would refuse it).
@*/
void HcHelpFilterInstall(int *argc, char **argv)
{
  for (int k = 1; k < *argc; k++)
    if (!strcmp(argv[k], "-help") || !strcmp(argv[k], "--help")) {
      PetscHelpPrintf = HcHelpPrintf_Private;
      if (PetscVFPrintf != HcHelpVFPrintf_Private) hc_vfprintf = PetscVFPrintf;
      PetscVFPrintf = HcHelpVFPrintf_Private;
      if (k + 1 < *argc && (!strcmp(argv[k + 1], "all") || !strcmp(argv[k + 1], "petsc"))) {
        hc_help.all = 1;
        for (int q = k + 1; q + 1 < *argc; q++) argv[q] = argv[q + 1];
        argv[--*argc] = NULL;
      }
    }
}

/*@C
  HcHelpFilterFinish - after the command: PETSc's blocks (with -help all), or a line that says how to see them.
@*/
void HcHelpFilterFinish(MPI_Comm comm)
{
  PetscMPIInt rank = 0;

  if (PetscHelpPrintf != HcHelpPrintf_Private) return;
  MPI_Comm_rank(comm, &rank);
  if (!rank) {
    if (hc_help.all && hc_help.len) {
      fputs("\n========================================\nPETSc's own options (time stepping, TAO, viewers, logging, ...):\n",
            stdout);
      fputs(hc_help.petsc, stdout);
    } else if (!hc_help.all)
      fputs("\n(PETSc's own options, e.g. -ts_*, -train_tao_*, -log_view, -options_file, are listed with -help all)\n", stdout);
    fflush(stdout);
  }
  free(hc_help.petsc);
  hc_help.petsc = NULL;
  hc_help.len = hc_help.cap = 0;
  PetscHelpPrintf           = PetscHelpPrintfDefault;
  PetscVFPrintf             = hc_vfprintf;
}
