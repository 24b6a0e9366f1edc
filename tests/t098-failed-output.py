#!/usr/bin/env python3
"""A command that fails after it has started writing leaves no partial output, and an older file of the output's name
unchanged (issue 23: each exit path that writes a file writes it only when the run succeeded).

For extract, generate, forecast, evaluate (-evaluate_csv) and simulate (its final state, -simulate_final_view), every
case makes the command fail in the middle: a full disk (a file size limit: writes beyond it fail), a state that stops
being finite after the first ones were written, an output name that is a directory, a later input that is not what it
should be.  Each case checks: a non-zero exit (not a crash), one error line, every older output file unchanged, no new
file (temporary or final) in the output's folder.  KNOWN_DEFECTS lists the cases whose fixes belong to files of other
branches: reported, not counted, until the merge removes them (a case that passes by then fails, to keep the list
honest)."""
import os
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HYCAST = os.environ.get("HYCAST_BIN") or os.path.join(ROOT, "bin", "hycast")  # tests/run.py gives the hycast under test
ENV = dict(os.environ, OMPI_MCA_ess_singleton_isolated="1", OMPI_MCA_btl="self", OMPI_MCA_pml="ob1")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    ENV.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    ENV.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
OLD = b"an older file of this name\n"

KNOWN_DEFECTS = {
}


def run(args, cwd, fsize=None):
    def limit():
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write beyond the limit fails (EFBIG) instead of killing
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    p = subprocess.run([HYCAST] + args, cwd=cwd, capture_output=True, text=True, env=ENV, preexec_fn=limit, timeout=120)
    return p.returncode, p.stdout + p.stderr


def setup(tmp):
    inp = os.path.join(tmp, "in")
    os.makedirs(inp)
    for args in (["generate", "-generate_envs", "1", "-generate_steps", "12", "-grid_nx", "24", "-grid_ny", "20", "-o", "D.nc"],
                 ["train", "-data_file", "D.nc", "-data_vars", "u,v", "-train_epochs", "1", "-train_window", "2", "-o",
                  "phys.nc"]):
        code, out = run(args, inp)
        if code:
            sys.exit(f"FAILED: setting up: hycast {' '.join(args)}\n{out}")
    with open(os.path.join(inp, "notamodel.nc"), "w") as f:
        f.write("not a model\n")
    return inp


def main():
    tmp = tempfile.mkdtemp(prefix="t098-", dir=os.path.join(ROOT, "build", "tests")
                           if os.path.isdir(os.path.join(ROOT, "build", "tests")) else None)
    inp = setup(tmp)
    I = lambda name: os.path.join(inp, name)
    D, P = I("D.nc"), I("phys.nc")
    # a time step far above the stability limit, taken as given: the state grows until it overflows
    unstable = ["-model_cfl_check", "0", "-model_dt", "1000"]
    # name, command line, outputs that exist before (and must be unchanged), file size limit, directories to make,
    # the error expected
    cases = [
        ("extract-disk-full", ["extract", "-data_file", D, "-o", "out.nc"], ["out.nc"], 20000, [], r"out\.nc"),
        ("extract-output-is-directory", ["extract", "-data_file", D, "-o", "out.nc"], [], None, ["out.nc"],
         r"out\.nc exists and is not a regular file"),
        ("generate-disk-full", ["generate", "-generate_envs", "2", "-generate_steps", "4", "-grid_nx", "32", "-grid_ny",
                                "32", "-o", "g.nc"], ["g.nc", "g-fine.nc"], 60000, [], r"g(-fine)?\.nc"),
        ("generate-coarse-is-directory", ["generate", "-generate_envs", "1", "-generate_steps", "2", "-grid_nx", "16",
                                          "-grid_ny", "16", "-o", "g.nc"], [], None, ["g.nc"], r"is not a regular file"),
        ("generate-blows-up", ["generate", "-generate_envs", "2", "-generate_steps", "4", "-grid_nx", "16", "-grid_ny",
                               "16", "-model_obs_interval", "1000", "-o", "g.nc"] + unstable, ["g.nc", "g-fine.nc"], None,
         [], r"not finite"),
        ("forecast-disk-full", ["forecast", "-model", P, "-data", D, "-data_vars", "u,v", "-forecast_steps", "10",
                                "-forecast_ensemble", "3", "-o", "fc.nc"], ["fc.nc"], 20000, [], r"fc\.nc"),
        ("forecast-blows-up", ["forecast", "-model", P, "-data", D, "-data_vars", "u,v", "-forecast_steps", "40",
                               "-forecast_interval", "1000", "-o", "fc.nc"] + unstable, ["fc.nc"], None, [],
         r"not finite"),
        # three states before the first initial time: too few to fit damped persistence at leads 3 and more
        ("evaluate-later-model-fails", ["evaluate", "-truth", D, "-data_vars", "u,v", "-models", f"{P},{I('notamodel.nc')}",
                                        "-evaluate_inits", "3,8", "-evaluate_damped", "false", "-evaluate_csv", "s.csv"],
                                        ["s.csv"], None, [],
         r"notamodel\.nc"),
        ("evaluate-csv-disk-full", ["evaluate", "-truth", D, "-data_vars", "u,v", "-models", P, "-evaluate_inits", "3,8",
                                    "-evaluate_leads", "4", "-evaluate_damped", "false", "-evaluate_csv", "s.csv"], ["s.csv"],
                                    300, [], r"s\.csv"),
        ("simulate-blows-up", ["simulate", "-grid_nx", "16", "-grid_ny", "16", "-simulate_steps", "40",
                               "-model_obs_interval", "1000", "-simulate_final_view", "binary:final.bin"] + unstable,
         ["final.bin"], None, [], r"not finite"),
    ]
    failed = known = 0
    for name, args, old, fsize, dirs, err in cases:
        cwd = os.path.join(tmp, name)
        os.makedirs(cwd)
        for f in old:
            with open(os.path.join(cwd, f), "wb") as fp:
                fp.write(OLD)
        for d in dirs:
            os.makedirs(os.path.join(cwd, d))
        before = sorted(os.listdir(cwd))
        code, out = run(args, cwd, fsize)
        lines = [l for l in out.strip().splitlines() if "error" in l.lower()]
        problems = []
        if code == 0:
            problems.append("exit status 0")
        elif code < 0 or code > 128:
            problems.append(f"ended by signal {code if code < 0 else code - 128}")
        if code != 0 and not (len(lines) == 1 and re.search(err, lines[0])):
            problems.append(f"not one error line matching /{err}/: {lines[:3]}")
        if "PETSC ERROR" in out:
            problems.append("PETSc's error trace")
        for f in old:
            with open(os.path.join(cwd, f), "rb") as fp:
                if fp.read() != OLD:
                    problems.append(f"the older {f} was changed")
        after = sorted(os.listdir(cwd))
        if after != before:
            problems.append(f"files left: {sorted(set(after) - set(before))}")
        for d in dirs:
            if os.listdir(os.path.join(cwd, d)):
                problems.append(f"the directory {d} was written into")
        label = f"{name:30s} hycast {args[0]}"
        if name in KNOWN_DEFECTS:
            if problems:
                known += 1
                print(f"  KNOWN DEFECT {label}: {'; '.join(problems)}\n               {KNOWN_DEFECTS[name]}")
            else:
                failed += 1
                print(f"  FIXED        {label}: passes now; remove it from KNOWN_DEFECTS")
        elif problems:
            failed += 1
            print(f"  FAIL         {label}: {'; '.join(problems)}\n               $ hycast {shlex.join(args)}\n"
                  + "".join(f"               | {l}\n" for l in out.strip().splitlines()[-4:]))
        else:
            print(f"  ok           {label}: {lines[0] if lines else ''}")
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(cases) - failed - known} ok, {failed} failed, {known} known defects")
    print("PASSED" if not failed else "FAILED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
