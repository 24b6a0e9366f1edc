/* Helpers of the commands: the positional file argument, the command line for history attributes, -help without input. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/*@C
  HcCommandCheckOutput - refuse an output that is not a regular file or that is one of the command's inputs: every
  option that names an input file, of any command, and the positional file (what: the option naming the output).
@*/
PetscErrorCode HcCommandCheckOutput(MPI_Comm comm, const char what[], const char out[])
{
  static const char *const single[] = {"-data", "-truth", "-model", "-adapt", "-train_init", "-train_resume"};
  /* lists of files: the data files (-data_file, -data_aux_file, -data and -truth may name several, separated by commas) */
  static const char *const lists[] = {"-models", "-forecast", "-train_data", "-data_file", "-data_aux_file"};
  const int                nsingle = sizeof(single) / sizeof(single[0]), nlists = sizeof(lists) / sizeof(lists[0]);
  char                     buf[sizeof(single) / sizeof(single[0]) + 1][PETSC_MAX_PATH_LEN];
  char                    *many[sizeof(lists) / sizeof(lists[0])][257], **split[sizeof(single) / sizeof(single[0]) + 1];
  int                      nsplit[sizeof(single) / sizeof(single[0]) + 1];
  const char             **inputs;
  PetscInt                 n = 0, nmany[sizeof(lists) / sizeof(lists[0])], max = 0;
  PetscBool                flg;

  PetscFunctionBegin;
  /* the positional file and the single-file options, split at commas like the reader's file lists */
  PetscCall(HcCommandGetFile(buf[0], sizeof(buf[0]), &flg));
  if (!flg) buf[0][0] = 0;
  for (int k = 0; k < nsingle; k++) {
    buf[k + 1][0] = 0;
    if (!strcmp(what, "-train_checkpoint") && !strcmp(single[k], "-train_resume")) continue; /* resumed and saved again */
    PetscCall(PetscOptionsGetString(NULL, NULL, single[k], buf[k + 1], sizeof(buf[k + 1]), &flg));
  }
  for (int k = 0; k <= nsingle; k++) {
    nsplit[k] = 0;
    split[k]  = NULL;
    if (buf[k][0]) PetscCall(PetscStrToArray(buf[k], ',', &nsplit[k], &split[k]));
    max += nsplit[k];
  }
  for (int k = 0; k < nlists; k++) {
    nmany[k] = 257;
    PetscCall(PetscOptionsGetStringArray(NULL, NULL, lists[k], many[k], &nmany[k], &flg));
    if (!flg) nmany[k] = 0;
    max += nmany[k];
  }
  PetscCall(PetscMalloc1(max + 1, &inputs));
  for (int k = 0; k <= nsingle; k++)
    for (int q = 0; q < nsplit[k]; q++) inputs[n++] = split[k][q];
  for (int k = 0; k < nlists; k++)
    for (PetscInt q = 0; q < nmany[k]; q++) inputs[n++] = many[k][q];
  PetscCall(HcCheckOutputFile(comm, what, out, n, inputs));
  PetscCall(PetscFree(inputs));
  for (int k = 0; k <= nsingle; k++)
    if (split[k]) PetscCall(PetscStrToArrayDestroy(nsplit[k], split[k]));
  for (int k = 0; k < nlists; k++)
    for (PetscInt q = 0; q < nmany[k]; q++) PetscCall(PetscFree(many[k][q]));
  PetscFunctionReturn(0);
}

extern const char *const HcOptionNames[];

/* Edit distance of two option names (short strings: one row of the table at a time). */
static size_t HcEditDistance_Private(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b), row[128];

  if (lb >= sizeof(row) / sizeof(row[0])) return (size_t)-1;
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];

    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      const size_t up = row[j], best = PetscMin(PetscMin(row[j] + 1, row[j - 1] + 1), diag + (a[i - 1] != b[j - 1]));

      diag   = up;
      row[j] = best;
    }
  }
  return row[lb];
}

/* The family of an option: its name up to the first underscore, without an environment prefix env_. */
static void HcOptionFamily_Private(const char *name, char fam[], size_t len)
{
  size_t k = 0;

  if (!strncmp(name, "env_", 4)) name += 4;
  while (name[k] && name[k] != '_' && k + 1 < len) {
    fam[k] = name[k];
    k++;
  }
  fam[k] = 0;
}

/* Was -name typed on the command line (not read from an options file or PETSC_OPTIONS)? */
static PetscBool HcCommandTyped_Private(const char name[])
{
  int    argc;
  char **argv;

  if (PetscGetArgs(&argc, &argv)) return PETSC_FALSE;
  for (int k = 1; k < argc; k++)
    if (argv[k][0] == '-' && !strcasecmp(argv[k] + 1, name)) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* Is this option name (without '-') of one of the families PETSc reads, at start-up, in its objects or at PetscFinalize()? */
static PetscBool HcPetscFamily_Private(const char name[])
{
  static const char *const fams[] = {"ao",
                                     "bag",
                                     "blas",
                                     "characteristic",
                                     "check",
                                     "citations",
                                     "compare",
                                     "cuda",
                                     "da",
                                     "debugger",
                                     "device",
                                     "display",
                                     "dm",
                                     "draw",
                                     "error",
                                     "exit",
                                     "fp",
                                     "get",
                                     "help",
                                     "hip",
                                     "history",
                                     "hwloc",
                                     "info",
                                     "is",
                                     "kokkos",
                                     "ksp",
                                     "log",
                                     "malloc",
                                     "mat",
                                     "matlab",
                                     "memory",
                                     "mpi",
                                     "mpiuni",
                                     "no",
                                     "nox",
                                     "not",
                                     "objects",
                                     "omp",
                                     "on",
                                     "openmp",
                                     "options",
                                     "papi",
                                     "pc",
                                     "petsc",
                                     "petscsf",
                                     "pf",
                                     "python",
                                     "random",
                                     "saws",
                                     "sf",
                                     "shared",
                                     "skip",
                                     "sleep",
                                     "snes",
                                     "start",
                                     "stop",
                                     "suppress",
                                     "sycl",
                                     "tao",
                                     "test",
                                     "timeout",
                                     "tmp",
                                     "ts",
                                     "use",
                                     "vec",
                                     "version",
                                     "viewer",
                                     "x",
                                     "fftw",
                                     "viennacl",
                                     "dmda",
                                     "dmplex",
                                     "dmstag",
                                     "dmswarm",
                                     "petscpartitioner",
                                     "partitioner",
                                     "mg",
                                     "pcmg",
                                     "fieldsplit",
                                     "sub"};
  char                     fam[64];
  size_t                   n = strcspn(name, "_");

  if (n >= sizeof(fam)) return PETSC_FALSE;
  memcpy(fam, name, n);
  fam[n] = 0;
  for (size_t k = 0; k < sizeof(fams) / sizeof(fams[0]); k++)
    if (!strcmp(fam, fams[k])) return PETSC_TRUE;
  return PETSC_FALSE;
}

/*@C
  HcCommandCheckOptions - after the command's objects have read their options and before the work starts: an option
  typed on the command line that nobody used and that is one of hycast's families (-train_*, -mlp_*, ...; PETSc's own under them,
such as -train_tao_*, excepted) or within two edits of a hycast option is a mistake the user should hear about before hours of
work, with the nearest known option.  Options of PETSc's own families are left to PETSc; any other is nobody's and
  stops the command too.
@*/
PetscErrorCode HcCommandCheckOptions(MPI_Comm comm)
{
  PetscInt n;
  char   **names, **values, msg[512] = "";

  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt k = 0; k < n && !msg[0]; k++) {
    const char     *name = names[k], *best = NULL;
    const PetscBool env = (PetscBool)!strncmp(name, "env_", 4);
    char            fam[64];
    size_t          dist = (size_t)-1;
    PetscBool       ours = PETSC_FALSE, benv = PETSC_FALSE;

    if (strstr(name, "tao_")) continue; /* PETSc's TAO under -train_, read when the optimiser starts */
    if (strlen(name) > 5 && !strcmp(name + strlen(name) - 5, "_view")) continue; /* viewers are read when they view */
    if (!HcCommandTyped_Private(name)) continue; /* a configuration file serves several commands: its options may rest */
    HcOptionFamily_Private(name, fam, sizeof(fam));
    for (const char *const *o = HcOptionNames; *o; o++) {
      char   ofam[64];
      size_t d = HcEditDistance_Private(name, *o + 1), de = env ? HcEditDistance_Private(name + 4, *o + 1) : (size_t)-1;

      HcOptionFamily_Private(*o + 1, ofam, sizeof(ofam));
      if (strchr(*o + 1, '_') && !strcmp(fam, ofam)) ours = PETSC_TRUE;
      if (PetscMin(d, de) < dist) {
        dist = PetscMin(d, de);
        best = *o;
        benv = (PetscBool)(de < d); /* the match is a term option under env_ */
      }
    }
    if (!ours && (dist > 2 || 3 * dist > strlen(name))) {
      /* not ours, nor close to one of ours: PETSc's if it is of one of PETSc's families (some, such as -log_view, are read
         only at the end), else nobody's */
      if (HcPetscFamily_Private(name)) continue;
      PetscCall(PetscSNPrintf(msg, sizeof(msg),
                              "-%s: unknown option: neither hycast's ('hycast <command> -help') nor of one of PETSc's families "
                              "('hycast <command> -help petsc')",
                              name));
      break;
    }
    if (!dist)
      PetscCall(PetscSNPrintf(msg, sizeof(msg),
                              "-%s: nothing in this run uses it (an option of a term not in -model_terms or -model_env_terms, or "
                              "of another command)",
                              name));
    else if (best && dist <= PetscMax(3, strlen(name) / 3))
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "-%s: unknown option, or one this command does not use; did you mean %s%s?", name,
                              benv ? "-env_" : "", best + (benv ? 1 : 0)));
    else
      PetscCall(PetscSNPrintf(
          msg, sizeof(msg), "-%s: unknown option, or one this command does not use ('hycast <command> -help' lists them)", name));
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscCheck(!msg[0], comm, PETSC_ERR_ARG_WRONG, "%s", msg);
  PetscFunctionReturn(0);
}

/*@C
  HcCommandRefuseAuxiliary - train, forecast and evaluate do not use auxiliary fields yet (issue: forcing from data):
  -data_aux_vars and -data_aux_file are refused there rather than read, checked and ignored.
@*/
PetscErrorCode HcCommandRefuseAuxiliary(MPI_Comm comm)
{
  PetscBool vars, file;

  PetscFunctionBegin;
  PetscCall(PetscOptionsHasName(NULL, NULL, "-data_aux_vars", &vars));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-data_aux_file", &file));
  PetscCheck(!vars && !file, comm, PETSC_ERR_SUP,
             "%s: auxiliary fields (velocities, say) drive nothing in this command yet, so they are refused rather than "
             "ignored (hycast extract and info read them)",
             vars ? "-data_aux_vars" : "-data_aux_file");
  PetscFunctionReturn(0);
}
