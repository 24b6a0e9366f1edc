#!/usr/bin/env python3
"""hycast test runner: reads tests/suite.txt, runs every test (serial or under mpiexec with each rank count),
prints one line per run and ends with "N passed, N failed".  Exit status 1 if anything failed.

Suite lines (shell-quoted words; '#' starts a comment):
    NAME RANKS [fail] [grep=REGEX] [nogrep=REGEX] [out=FILE] [tol=RTOL] [timeout=S] [nosan=WHY] -- PROGRAM ARGS...
  RANKS    comma-separated rank counts ("1,2,4"), or "-" to run without mpiexec
  fail     the command must exit non-zero (bad-input tests)
  grep     the combined stdout+stderr must match REGEX (Python syntax)
  nogrep   ... and must not match REGEX
  out      compare the output with tests/output/FILE, numbers within relative tolerance tol (default 1e-8)
  nosan    not run under --sanitize, for the reason WHY (printed as a "skip" line)
  PROGRAM  a test binary under BUILD/tests, "hycast" for the hycast under test (--hycast, default bin/hycast), or a
           script under tests/ (run with bash or PYTHON; the environment variables HYCAST_BUILD and HYCAST_BIN give it
           BUILD and the hycast under test)
Unit tests and hycast commands get -options_left: an option nobody used fails the test.

--sanitize (make test SANITIZE=1): the programs are built with AddressSanitizer and UndefinedBehaviorSanitizer.  The
runtimes write their reports to files under BUILD/tests/logs/sanitizer/ (so that a report from a rank, or from a command
a script runs with its output discarded, is never lost and never changes what a test greps); a run that leaves a report
fails, whatever its exit status.  Leaks of MPI's own (tests/sanitize/lsan.supp) are suppressed, hycast's are not.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NUM = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\.?$")
UNUSED = "There are options you set that were not used"
# what the sanitizer runtimes print: GCC 12's ASan + UBSan runtime writes UBSan's reports to stderr, not to log_path
SANITIZER_SAID = re.compile(r"^.*(: runtime error: |==ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|^SUMMARY: \w+Sanitizer).*$", re.M)
SANITIZED_SLOWER = 4  # the timeouts of --sanitize: ASan and UBSan run 2 to 4 times slower


def parse_suite(path):
    tests = []
    with open(path) as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
            if not line:
                continue
            words = shlex.split(line)
            if "--" not in words or words.index("--") < 2:
                sys.exit(f"{path}:{lineno}: expected NAME RANKS [flags] -- PROGRAM ARGS")
            sep = words.index("--")
            t = {"name": words[0], "ranks": words[1], "fail": False, "grep": None, "nogrep": None,
                 "out": None, "tol": 1e-8, "timeout": 300, "nosan": None, "cmd": words[sep + 1:], "line": lineno}
            for flag in words[2:sep]:
                key, _, val = flag.partition("=")
                if key == "fail":
                    t["fail"] = True
                elif key in ("grep", "nogrep", "out", "nosan"):
                    t[key] = val
                elif key in ("tol", "timeout"):
                    t[key] = float(val)
                else:
                    sys.exit(f"{path}:{lineno}: unknown flag {flag}")
            tests.append(t)
    return tests


def numeric_diff(got, expected, rtol):
    """None if the texts agree word by word, numbers within rtol (relative) or 1e-300 absolute; else a message."""
    g, e = got.split(), expected.split()
    if len(g) != len(e):
        return f"output has {len(g)} words, expected {len(e)}"
    for k, (a, b) in enumerate(zip(g, e)):
        if a == b:
            continue
        if NUM.match(a) and NUM.match(b):
            x, y = float(a.rstrip(".")), float(b.rstrip("."))
            if abs(x - y) <= rtol * max(abs(x), abs(y)) or abs(x - y) < 1e-300:
                continue
        return f"word {k}: got '{a}', expected '{b}'"
    return None


def mpi_prefix(mpiexec, n, is_openmpi):
    cmd = shlex.split(mpiexec)
    cmd = [c for c in cmd if c != "--oversubscribe"]
    if is_openmpi and n > (os.cpu_count() or 1):
        cmd.append("--oversubscribe")
    return cmd + ["-n", str(n)]


def sanitizer_env(env, reports):
    """The sanitizer runtimes' settings for one run: reports go to files named REPORTS.PID."""
    supp = os.path.join(HERE, "sanitize", "lsan.supp")
    # fast_unwind_on_malloc=0: MPI's libraries have no frame pointers, and without a full stack the suppressions,
    # which name MPI's entry points, would not match; halt_on_error and -fno-sanitize-recover: the first error ends
    # the run (exit status 1), with no core file
    env["ASAN_OPTIONS"] = ":".join(["detect_leaks=1", "fast_unwind_on_malloc=0", "halt_on_error=1", "abort_on_error=0",
                                    "disable_coredump=1", "log_path=" + reports])
    env["LSAN_OPTIONS"] = ":".join(["suppressions=" + supp, "print_suppressions=0"])
    env["UBSAN_OPTIONS"] = ":".join(["print_stacktrace=1", "halt_on_error=1", "log_path=" + reports])
    return env


def sanitizer_reports(folder):
    """The report files the runtimes left in folder, each with its first lines."""
    found = []
    if os.path.isdir(folder):
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), errors="replace") as f:
                found.append((os.path.join(folder, name), f.read()))
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--suite", default=os.path.join(HERE, "suite.txt"))
    ap.add_argument("-k", dest="pattern", help="run only tests whose name matches this regex")
    ap.add_argument("-v", dest="verbose", action="store_true", help="print the output of every run")
    ap.add_argument("--hycast", help="the hycast under test (default bin/hycast)")
    ap.add_argument("--sanitize", action="store_true",
                    help="the programs are built with ASan and UBSan (make test SANITIZE=1): collect their reports")
    args = ap.parse_args()

    env = dict(os.environ)
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # OpenMPI refuses root without these
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "0")
    mpiexec = env.get("MPIEXEC", "mpiexec")
    try:
        ver = subprocess.run(shlex.split(mpiexec) + ["--version"], capture_output=True, text=True, env=env).stdout
    except OSError:
        ver = ""
    is_openmpi = "Open MPI" in ver or "OpenRTE" in ver
    build = os.path.join(ROOT, args.build) if not os.path.isabs(args.build) else args.build
    env["HYCAST_BUILD"] = build  # scripts run test and bench binaries from here (make MPI=mpich builds elsewhere)
    hycast = os.path.abspath(os.path.join(ROOT, args.hycast or os.path.join("bin", "hycast")))
    env["HYCAST_BIN"] = hycast  # and the hycast under test (make test SANITIZE=1: build/asan/bin/hycast)
    # tests write their scratch files under build/tests of the repository, whichever BUILD holds the programs
    os.makedirs(os.path.join(ROOT, "build", "tests"), exist_ok=True)
    logdir = os.path.join(build, "tests", "logs")
    os.makedirs(logdir, exist_ok=True)

    sandir = os.path.join(logdir, "sanitizer")
    if args.sanitize:
        shutil.rmtree(sandir, ignore_errors=True)
    passed = failed = 0
    failures, skipped = [], []
    for t in parse_suite(args.suite):
        if args.pattern and not re.search(args.pattern, t["name"]):
            continue
        if args.sanitize and t["nosan"]:
            skipped.append(t["name"])
            print(f"skip {t['name']:44s}           not under sanitizers: {t['nosan']}", flush=True)
            continue
        prog, rest = t["cmd"][0], t["cmd"][1:]
        petsc = True
        if prog == "hycast":
            argv = [hycast] + rest
        elif prog.endswith(".sh") or prog.endswith(".py"):
            interp = ["bash"] if prog.endswith(".sh") else [env.get("PYTHON", "/usr/bin/python3")]
            argv = interp + [os.path.join(HERE, prog)] + rest
            petsc = False
        else:
            argv = [os.path.join(build, "tests", prog)] + rest
        if petsc and "-options_left" not in argv:
            argv = argv + ["-options_left"]
        for r in (t["ranks"].split(",") if t["ranks"] != "-" else [None]):
            label = t["name"] + (f" [n={r}]" if r else "")
            cmd = (mpi_prefix(mpiexec, int(r), is_openmpi) if r else []) + argv
            logname = os.path.join(logdir, t["name"] + (f".n{r}" if r else "") + ".log")
            reports = os.path.join(sandir, t["name"] + (f".n{r}" if r else ""))
            renv = sanitizer_env(dict(env), os.path.join(reports, "report")) if args.sanitize else env
            if args.sanitize:
                os.makedirs(reports, exist_ok=True)
            timeout = t["timeout"] * (SANITIZED_SLOWER if args.sanitize else 1)
            start = time.time()
            try:
                p = subprocess.run(cmd, cwd=ROOT, env=renv, capture_output=True, text=True, errors="replace", timeout=timeout)
                out, code = p.stdout + p.stderr, p.returncode
            except subprocess.TimeoutExpired as e:
                out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
                out, code = out + f"\n[timed out after {timeout:.0f} s]", -999
            elapsed = time.time() - start
            with open(logname, "w") as f:
                f.write("$ " + " ".join(shlex.quote(c) for c in cmd) + "\n" + out)
            why = None
            found = sanitizer_reports(reports) if args.sanitize else []
            said = SANITIZER_SAID.search(out) if args.sanitize else None
            if said:
                why = f"sanitizer report: {said.group(0).strip()[:120]}"
            elif found:
                why = f"{len(found)} sanitizer report(s), the first in {os.path.relpath(found[0][0], ROOT)}"
                out += "".join(f"\n[{os.path.relpath(f, ROOT)}]\n{text}" for f, text in found)
                with open(logname, "a") as f:
                    f.write(out[out.index("\n[" + os.path.relpath(found[0][0], ROOT)):])
            elif code == -999:
                why = "timed out"
            elif t["fail"] and code == 0:
                why = "expected a non-zero exit, got 0"
            elif not t["fail"] and code != 0:
                why = f"exit status {code}"
            elif t["grep"] and not re.search(t["grep"], out, re.M):
                why = f"output does not match /{t['grep']}/"
            elif t["nogrep"] and re.search(t["nogrep"], out, re.M):
                why = f"output matches /{t['nogrep']}/"
            elif petsc and not t["fail"] and UNUSED in out:
                why = "unused options (see -options_left in the log)"
            elif t["out"]:
                with open(os.path.join(HERE, "output", t["out"])) as f:
                    why = numeric_diff(out, f.read(), t["tol"])
            if why:
                failed += 1
                failures.append((label, why, logname))
                print(f"FAIL {label:44s} {elapsed:7.1f}s  {why}", flush=True)
                tail = [l for l in out.strip().splitlines() if l.strip()][-12:]
                if said:  # the report's head says what and where
                    tail = [l for l in out[said.start():].splitlines() if l.strip()][:16]
                elif found:
                    tail = [l for l in found[0][1].splitlines() if l.strip()][:16]
                for l in tail:
                    print("     | " + l)
            else:
                passed += 1
                print(f"ok   {label:44s} {elapsed:7.1f}s", flush=True)
            if args.verbose:
                print(out)
    if failures:
        print("\nfailed runs (logs under " + os.path.relpath(logdir, ROOT) + "):")
        for label, why, log in failures:
            print(f"  {label}: {why}  ({os.path.relpath(log, ROOT)})")
    if skipped:
        print(f"skipped under sanitizers ({len(skipped)}, nosan in tests/suite.txt): " + ", ".join(skipped))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
