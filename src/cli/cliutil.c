/* Helpers of the commands: the positional file argument, the command line for history attributes, -help without input. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <hycast/private/ioimpl.h>
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
  HcCommandRefuseAuxiliary - train, forecast and evaluate do not use auxiliary fields (a velocity that drives the
  physics is -physics_velocity_vars): -data_aux_vars and -data_aux_file are refused there rather than read, checked and
  ignored.
@*/
PetscErrorCode HcCommandRefuseAuxiliary(MPI_Comm comm)
{
  PetscBool vars, file;

  PetscFunctionBegin;
  PetscCall(PetscOptionsHasName(NULL, NULL, "-data_aux_vars", &vars));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-data_aux_file", &file));
  PetscCheck(!vars && !file, comm, PETSC_ERR_SUP,
             "%s: auxiliary fields drive nothing in this command, so they are refused rather than ignored (a velocity that "
             "drives the advection is -physics_velocity_vars x,y; hycast extract and info read auxiliary fields)",
             vars ? "-data_aux_vars" : "-data_aux_file");
  PetscFunctionReturn(0);
}

/* Metres in a length unit (lower case), 0 for an unknown one, -1 for none ("1": the grid's own unit). */
static PetscReal HcLengthUnitMetres(const char u[])
{
  static const struct {
    const char *name;
    PetscReal   m;
  } lengths[] = {{"m", 1},     {"meter", 1}, {"meters", 1},      {"metre", 1},        {"metres", 1},      {"km", 1e3},
                 {"cm", 1e-2}, {"mm", 1e-3}, {"kilometer", 1e3}, {"kilometers", 1e3}, {"kilometre", 1e3}, {"kilometres", 1e3}};

  if (!u[0] || !strcmp(u, "1")) return -1;
  for (size_t k = 0; k < sizeof(lengths) / sizeof(lengths[0]); k++)
    if (!strcmp(u, lengths[k].name)) return lengths[k].m;
  return 0;
}

/* Split velocity units "L/T", "L T-1", "L T^-1", "L.T-1" or "T-1" (any case) into a length word (empty: none) and a
   time word, each shorter than 64 characters. */
static PetscBool HcVelocityUnitWords(const char units[], char L[64], char T[64])
{
  char   s[128], *tok[3], *slash;
  size_t n, ntok = 0;

  if (strlen(units) >= sizeof(s)) return PETSC_FALSE;
  for (n = 0; units[n]; n++) s[n] = (char)tolower((unsigned char)units[n]);
  s[n] = 0;
  L[0] = T[0] = 0;
  slash       = strchr(s, '/');
  if (slash) *slash = ' '; /* "L/T": the words L and T; T then carries no exponent */
  for (char *p = s; *p;) {
    while (*p == ' ' || *p == '.' || *p == '*') *p++ = 0;
    if (!*p) break;
    if (ntok == 3) return PETSC_FALSE;
    tok[ntok++] = p;
    while (*p && *p != ' ' && *p != '.' && *p != '*') p++;
  }
  if (ntok < 1 || ntok > 2 || (slash && ntok != 2)) return PETSC_FALSE;
  n = strlen(tok[ntok - 1]);
  if (!slash) {
    if (n > 3 && !strcmp(tok[ntok - 1] + n - 3, "^-1"))
      tok[ntok - 1][n - 3] = 0;
    else if (n > 2 && !strcmp(tok[ntok - 1] + n - 2, "-1"))
      tok[ntok - 1][n - 2] = 0;
    else
      return PETSC_FALSE;
  }
  if (strlen(tok[ntok - 1]) >= 64 || (ntok == 2 && strlen(tok[0]) >= 64)) return PETSC_FALSE;
  strcpy(T, tok[ntok - 1]);
  if (ntok == 2) strcpy(L, tok[0]);
  return PETSC_TRUE;
}

/* The factor from a velocity in `units` to the model's: m/s on lat-lon grids, the coordinates' unit per second on
   Cartesian ones (coordunits "1": a velocity in that unit, "1/s" or "s-1"). */
static PetscErrorCode HcVelocityUnitScale(MPI_Comm comm, const char what[], const char units[], HcGridType type,
                                          const char coordunits[], PetscReal *scale)
{
  char      L[64], T[64], cu[64];
  PetscReal lm, cm, ts;

  PetscFunctionBegin;
  PetscCheck(units[0], comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s: no units attribute; a velocity needs one (m s-1, or on a Cartesian grid the coordinates' unit per time unit)",
             what);
  PetscCheck(HcVelocityUnitWords(units, L, T) && (ts = HcTimeUnitSeconds_Private(T)) > 0, comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s: units '%s' are not a velocity (a length per time: m s-1, m/s, cm/s, km/day, ...)", what, units);
  lm = HcLengthUnitMetres(L);
  PetscCheck(lm != 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: units '%s': unknown length unit '%s' (m, km, cm, mm)", what, units,
             L);
  if (type == HC_GRID_LATLON) {
    PetscCheck(lm > 0, comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: units '%s' have no length; on a lat-lon grid a velocity is in m s-1 (or cm/s, km/h, ...)", what, units);
    *scale = lm / ts;
  } else {
    size_t n;

    for (n = 0; coordunits[n] && n < sizeof(cu) - 1; n++) cu[n] = (char)tolower((unsigned char)coordunits[n]);
    cu[n] = 0;
    cm    = HcLengthUnitMetres(cu);
    PetscCheck(cm != 0, comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: units '%s': the grid's x coordinate has units '%s', not a length this velocity can be converted to "
               "(m, km, cm, mm, or 1)",
               what, units, coordunits);
    PetscCheck((cm > 0) == (lm > 0), comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: units '%s' do not match the grid's coordinates in '%s': give the velocity in %s per time unit", what, units,
               coordunits, cm > 0 ? "a length (m, km, ...)" : "grid units (units '1 s-1' or 's-1')");
    *scale = (cm > 0 ? lm / cm : 1) / ts;
  }
  PetscFunctionReturn(0);
}

/* The velocity variables of an advdiff term with -physics_velocity_vars, else NULL, NULL. */
static PetscErrorCode HcTermGetForcingVariables(HcTerm term, const char *names[2])
{
  HcTermType type;
  PetscBool  isad;

  PetscFunctionBegin;
  names[0] = names[1] = NULL;
  PetscCall(HcTermGetType(term, &type));
  PetscCall(PetscStrcmp(type, HCTERMADVDIFF, &isad));
  if (isad) PetscCall(HcTermAdvDiffGetVelocityVariables(term, &names[0], &names[1]));
  PetscFunctionReturn(0);
}

/*@C
  HcCommandCheckNoForcing - an error saying why, when the model (file path) needs a velocity forcing that this run
  cannot give it.
@*/
PetscErrorCode HcCommandCheckNoForcing(MPI_Comm comm, HcModel model, const char path[], const char why[])
{
  PetscInt nterms;

  PetscFunctionBegin;
  PetscCall(HcModelGetNumTerms(model, &nterms));
  for (PetscInt q = 0; q < nterms; q++) {
    HcTerm      term;
    const char *names[2];

    PetscCall(HcModelGetTermByIndex(model, q, &term));
    PetscCall(HcTermGetForcingVariables(term, names));
    PetscCheck(!names[0], comm, PETSC_ERR_SUP,
               "model %s: its advection is driven by the data's velocity %s, %s (-physics_velocity_vars); %s", path, names[0],
               names[1], why);
  }
  PetscFunctionReturn(0);
}

/*@C
  HcCommandReadForcing - give the model's velocity forcing (advdiff terms with -physics_velocity_vars) for data
  environment `key`: the two variables read from the data file(s) `path` (NULL: -data_file), environment env of them
  (-1: none), with the same -data_* selection as the data, on grid (the data's), converted to the model's units;
  the forcing must cover the times [t0, t1] the command integrates.  Every error names the file and variable.
@*/
PetscErrorCode HcCommandReadForcing(MPI_Comm comm, HcModel model, HcGrid grid, const char path[], PetscInt env, PetscInt key,
                                    PetscReal t0, PetscReal t1, const char timeunits[])
{
  PetscInt nterms;

  PetscFunctionBegin;
  PetscCall(HcModelGetNumTerms(model, &nterms));
  for (PetscInt q = 0; q < nterms; q++) {
    HcTerm           term;
    const char      *names[2], *tu, *xu, *units;
    HcReader         r;
    HcGrid           vg;
    PetscInt         nx, ny, vnx, vny, nt, ne, nland = 0;
    const PetscReal *t, *cx, *cy, *vx, *vy;
    PetscReal        scale[2];
    Vec             *vel, tmp, m, vm;
    HcGridType       gtype;
    char             what[PETSC_MAX_PATH_LEN + 128], d0[64], d1[64], f0[64], f1[64], file[PETSC_MAX_PATH_LEN] = "-data_file";

    PetscCall(HcModelGetTermByIndex(model, q, &term));
    PetscCall(HcTermGetForcingVariables(term, names));
    if (!names[0]) continue;
    {
      const char *tname;

      PetscCall(HcTermGetName(term, &tname));
      PetscCall(PetscPrintf(comm, "velocity forcing of term '%s': the data's %s, %s\n", tname, names[0], names[1]));
    }
    PetscCall(HcReaderCreate(comm, &r));
    PetscCall(HcReaderSetFromOptions(r));
    if (path) PetscCall(HcReaderSetFile(r, path));
    PetscCall(HcReaderSetVariables(r, 2, names));
    PetscCall(HcReaderSetFill(r, HC_FILL_NONE)); /* -data_fill fills the data, never the forcing: a gap is an error */
    PetscCall(HcReaderSetUp(r));
    PetscCall(HcReaderGetNumEnvironments(r, &ne));
    if (ne > 0 && env >= 0) PetscCall(HcReaderSetEnvironment(r, env));
    PetscCall(HcReaderGetGrid(r, &vg));
    if (!path) PetscCall(PetscOptionsGetString(NULL, NULL, "-data_file", file, sizeof(file), NULL));
    PetscCall(PetscSNPrintf(what, sizeof(what), "velocity forcing (-physics_velocity_vars %s,%s) of %s", names[0], names[1],
                            path ? path : file));
    /* on the data's grid: the same cells, and a value wherever the data has one */
    PetscCall(HcGridGetSizes(grid, &nx, &ny));
    PetscCall(HcGridGetSizes(vg, &vnx, &vny));
    PetscCheck(nx == vnx && ny == vny, comm, PETSC_ERR_ARG_INCOMP,
               "%s: the velocity is on %" PetscInt_FMT " x %" PetscInt_FMT " cells, the data on %" PetscInt_FMT
               " x %" PetscInt_FMT,
               what, vnx, vny, nx, ny);
    PetscCall(HcGridGetCoordinates(grid, &cx, &cy));
    PetscCall(HcGridGetCoordinates(vg, &vx, &vy));
    for (PetscInt i = 0; i < nx; i++)
      PetscCheck(PetscAbsReal(cx[i] - vx[i]) <= 1e-9 * PetscMax(1, PetscAbsReal(cx[i])), comm, PETSC_ERR_ARG_INCOMP,
                 "%s: x coordinate %" PetscInt_FMT " of the velocity is %g, of the data %g: not the data's grid", what, i,
                 (double)vx[i], (double)cx[i]);
    for (PetscInt j = 0; j < ny; j++)
      PetscCheck(PetscAbsReal(cy[j] - vy[j]) <= 1e-9 * PetscMax(1, PetscAbsReal(cy[j])), comm, PETSC_ERR_ARG_INCOMP,
                 "%s: y coordinate %" PetscInt_FMT " of the velocity is %g, of the data %g: not the data's grid", what, j,
                 (double)vy[j], (double)cy[j]);
    PetscCall(HcGridGetMask(grid, &m));
    PetscCall(HcGridGetMask(vg, &vm));
    {
      const PetscScalar *a, *b;
      PetscInt           n;

      PetscCall(VecGetLocalSize(m, &n));
      PetscCall(VecGetArrayRead(m, &a));
      PetscCall(VecGetArrayRead(vm, &b));
      for (PetscInt k = 0; k < n; k++) nland += PetscRealPart(a[k]) != 0 && PetscRealPart(b[k]) == 0;
      PetscCall(VecRestoreArrayRead(vm, &b));
      PetscCall(VecRestoreArrayRead(m, &a));
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &nland, 1, MPIU_INT, MPI_SUM, comm));
    }
    PetscCheck(!nland, comm, PETSC_ERR_ARG_INCOMP, "%s: no velocity in %" PetscInt_FMT " cell(s) where the data has values", what,
               nland);
    /* units */
    PetscCall(HcGridGetType(grid, &gtype));
    PetscCall(HcReaderGetCoordinateUnits(r, &xu, NULL));
    for (PetscInt c = 0; c < 2; c++) {
      char v[PETSC_MAX_PATH_LEN + 256];

      PetscCall(HcReaderGetFieldAttributes(r, c, &units, NULL, NULL));
      PetscCall(PetscSNPrintf(v, sizeof(v), "%s: variable '%s'", what, names[c]));
      PetscCall(HcVelocityUnitScale(comm, v, units, gtype, xu, &scale[c]));
    }
    /* times: the data's time axis, covering the run */
    PetscCall(HcReaderGetTimes(r, &nt, &t));
    PetscCall(HcReaderGetTimeUnits(r, &tu, NULL));
    PetscCheck(!timeunits || !tu || !strcmp(timeunits, tu), comm, PETSC_ERR_FILE_UNEXPECTED,
               "%s: its times are in '%s', the data's in '%s'", what, tu, timeunits);
    PetscCall(HcReaderFormatTime(r, t[0], f0, sizeof(f0)));
    PetscCall(HcReaderFormatTime(r, t[nt - 1], f1, sizeof(f1)));
    PetscCall(HcReaderFormatTime(r, t0, d0, sizeof(d0)));
    PetscCall(HcReaderFormatTime(r, t1, d1, sizeof(d1)));
    PetscCheck(t[0] <= t0 + 1e-9 * PetscAbsReal(t0) && t[nt - 1] >= t1 - 1e-9 * PetscAbsReal(t1), comm, PETSC_ERR_ARG_OUTOFRANGE,
               "%s: the velocity covers %s .. %s (%" PetscInt_FMT " time(s)), the run needs %s .. %s", what, f0, f1, nt, d0, d1);
    PetscCall(PetscMalloc1(nt, &vel));
    PetscCall(HcGridCreateGlobalVector(vg, &tmp));
    for (PetscInt k = 0; k < nt; k++) {
      PetscCall(HcGridCreateVectorDof(grid, 2, &vel[k]));
      PetscCall(HcReaderRead(r, k, tmp));
      PetscCall(VecCopy(tmp, vel[k]));
      for (PetscInt c = 0; c < 2; c++) PetscCall(VecStrideScale(vel[k], c, scale[c]));
    }
    PetscCall(HcTermAdvDiffSetVelocitySeries(term, key, nt, t, vel));
    for (PetscInt k = 0; k < nt; k++) PetscCall(VecDestroy(&vel[k]));
    PetscCall(PetscFree(vel));
    PetscCall(VecDestroy(&tmp));
    PetscCall(HcReaderDestroy(&r));
  }
  PetscFunctionReturn(0);
}
