#!/usr/bin/env python3
"""make bench: the five figures of BENCHMARKS.md, measured side by side in one run, printed as tables and written to
bench/results.md with a description of the machine.

  rhs        F(u) at N = 256 and each term alone; the physics term's effective bandwidth against STREAM triad
  train-step forward + gradient of the batch at N = 64, 128, 256, peak resident memory; hycast on 2 MPI ranks against
             the PyTorch reference (bench/reference.py) on 2 threads, on the same weights and data
  fft        the Fourier layer's forward at N = 256 against the bare FFTW forward + inverse of its 16 channels
  scaling    train-step at N = 256 on 1 and 2 ranks
  forecast   physics-only RK4 forecast, 1000 steps at N = 512: grid-cell updates per second
  global     hycast train on ERSST's whole 2-degree grid (rows at +-88, land masked), physics-only and hybrid, without and
             with the polar filter: steps per month and seconds per epoch (one epoch each, 2 ranks)

Every figure is the median of --reps repetitions after a warm-up, except the PyTorch reference at N = 256 (one
repetition without warm-up: it takes minutes) and the scaling figure (the median of --reps pairs' ratios, each run one
step after a warm-up step).  The machine is shared and its speed drifts over minutes, so runs that are compared follow
each other: per N, hycast's train step, PyTorch's, and (N < 256) hycast's again, its repetitions pooled; the pairs of
1- and 2-rank runs of the scaling figure one right after the other.  BLAS runs single-threaded everywhere
(OPENBLAS_NUM_THREADS=1): the MPI ranks and torch's own threads are the parallelism.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEVELS = ("x86-64-v4", "x86-64-v3", "x86-64")
# OpenBLAS's kernels for each level, named: OpenBLAS 0.3.21 does not know every CPU (this machine's Xeon, family 6 model
# 207, got its SSE3 "Prescott" kernels), and both programs call it (PyTorch for its matrix products, PETSc for VecAXPY)
BLAS_CORE = {"x86-64-v4": "SkylakeX", "x86-64-v3": "Haswell", "x86-64": "Prescott"}
# PyTorch held to a level, as on a CPU that has no more: its BLAS, ATen's vectorised loops (this build of PyTorch picks
# AVX2 on an AVX-512 CPU by itself; AVX512 is named) and oneDNN
TORCH_LEVEL_ENV = {"x86-64-v4": {"OPENBLAS_CORETYPE": BLAS_CORE["x86-64-v4"], "ATEN_CPU_CAPABILITY": "avx512"},
                   "x86-64-v3": {"OPENBLAS_CORETYPE": BLAS_CORE["x86-64-v3"], "ATEN_CPU_CAPABILITY": "avx2",
                                 "DNNL_MAX_CPU_ISA": "AVX2"},
                   "x86-64": {"OPENBLAS_CORETYPE": BLAS_CORE["x86-64"], "ATEN_CPU_CAPABILITY": "default",
                              "DNNL_MAX_CPU_ISA": "SSE41"}}


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


# PyTorch's settings tried at the CPU's own level before section 2 (train step at the smallest N, alternated twice): the
# fastest serves the comparison, so that hycast is measured against PyTorch at its best on this CPU, not at a setting
# that happens to be slow here (AVX-512 code may run at a lower clock; OpenBLAS's AVX2 kernels were the faster on
# this Xeon at N = 64)
TORCH_CANDIDATES = {"x86-64-v4": [TORCH_LEVEL_ENV["x86-64-v4"], {"OPENBLAS_CORETYPE": "SkylakeX", "ATEN_CPU_CAPABILITY": "avx2"},
                                  {"OPENBLAS_CORETYPE": "Haswell", "ATEN_CPU_CAPABILITY": "avx2"}]}


def blas_core_detected():
    """The kernels OpenBLAS picks on this CPU when not told (its openblas_get_corename)"""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    code = ("import ctypes, ctypes.util; l = ctypes.CDLL(ctypes.util.find_library('openblas') or 'libopenblas.so.0'); "
            "l.openblas_get_corename.restype = ctypes.c_char_p; print(l.openblas_get_corename().decode())")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    return p.stdout.strip() or "?"


def machine(python, args):
    level = args.isa if args.isa in LEVELS else (cpu_levels() or ["x86-64"])[0]
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip() or platform.processor()
    fam = sh("lscpu | sed -n 's/^CPU family: *//p'"), sh("lscpu | sed -n 's/^Model: *//p'")
    flags = sh("grep -m1 '^flags' /proc/cpuinfo")
    isa = "AVX-512" if "avx512f" in flags else ("AVX2" if "avx2" in flags else "SSE2")
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2 / 1048576}' /proc/meminfo")
    cc = sh(f"make -s -C {ROOT} print-CC").replace("CC=", "")
    ccv = sh(f"{cc} --version | head -1")
    return {
        "CPU": f"{cpu} (family {fam[0]}, model {fam[1]}), {os.cpu_count()} cores, {isa}",
        "memory": mem,
        "compiler": f"{cc} -> {ccv}; {sh(f'make -s -C {ROOT} print-OPTFLAGS').replace('OPTFLAGS=', '')}"
        + (f" -march={args.isa}, kernels for that level only (make ISA={args.isa})" if args.isa else
           " (kernels for one level only: HC_CLONES=0)" if args.no_clones else
           " (kernels for x86-64-v4, x86-64-v3 and the baseline, the CPU's picked at run time)"),
        "PETSc": sh("pkg-config --modversion PETSc"),
        "MPI": sh("mpiexec --version | head -1"),
        "FFTW": sh("pkg-config --modversion fftw3"),
        "PyTorch": sh(f"{python} -c 'import torch; print(torch.__version__)' 2>/dev/null") or "not available",
        "BLAS": "OpenBLAS (pthreads) " + sh("dpkg-query -W -f='${Version}' libopenblas0-pthread 2>/dev/null")
        + f", OPENBLAS_NUM_THREADS=1, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', BLAS_CORE[level])} "
        + ("(as set by the user)" if "OPENBLAS_CORETYPE" in os.environ else f"(the kernels of {level}, named: OpenBLAS "
           f"picks {blas_core_detected()} on this CPU by itself)"),

        "kernel": platform.release(),
    }


class Runner:
    def __init__(self, args):
        self.args = args
        self.env = dict(os.environ)
        self.env["OPENBLAS_NUM_THREADS"] = "1"
        # the level the run stands for: the build's (make bench ISA=LEVEL) or the CPU's highest
        self.level = args.isa if args.isa in LEVELS else (cpu_levels() or ["x86-64"])[0]
        self.env.setdefault("OPENBLAS_CORETYPE", BLAS_CORE[self.level])
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            self.env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
            self.env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        self.mpiexec = shlex.split(self.env.get("MPIEXEC", "mpiexec"))
        self.bench = [os.path.join(args.build, "bench", "hybrid-bench"), "-options_file", os.path.join(ROOT, "bench",
                                                                                                        "hybrid-bench.yaml")]
        self.log = []

    def run(self, label, cmd, timeout, env=None):
        """Run cmd (with env's variables added), echo its output, return the RESULT lines as {key: {median, reps, ...}}
        (None when it failed)."""
        print(f"--- {label}: {' '.join(f'{k}={v}' for k, v in (env or {}).items())}"
              f"{' ' if env else ''}{' '.join(shlex.quote(c) for c in cmd)}", flush=True)
        t0 = time.time()
        try:
            p = subprocess.run(cmd, cwd=ROOT, env={**self.env, **(env or {})}, capture_output=True, text=True,
                               timeout=timeout)
            out, code = p.stdout + p.stderr, p.returncode
        except subprocess.TimeoutExpired:
            out, code = f"timed out after {timeout} s", -1
        self.log.append((label, cmd, out))
        results = {}
        for line in out.splitlines():
            if line.startswith("RESULT "):
                words = line.split()
                d = dict(w.split("=", 1) for w in words[2:] if "=" in w)
                d["median"] = float(d["median"])
                d["reps"] = [float(x) for x in d["reps"].split(",")]
                results[words[1]] = d
        print("\n".join(l for l in out.splitlines() if l.startswith("RESULT") or "rror" in l or "Killed" in l), flush=True)
        print(f"    ({time.time() - t0:.0f} s{'' if code == 0 else f', exit status {code}'})", flush=True)
        if code != 0:
            said = [l.strip() for l in out.splitlines() if l.strip(" -=*")]  # not mpiexec's rules of dashes
            results["error"] = said[-1] if said else f"exit status {code}"
            if code in (-9, 137):
                results["error"] = "killed (out of memory?)"
        return results

    def torch_env(self):
        """PyTorch's settings for the run's level: the fastest of TORCH_CANDIDATES once pick_torch ran, and
        OPENBLAS_CORETYPE as the user set it, if so"""
        env = dict(getattr(self, "torch_pick", None) or TORCH_LEVEL_ENV[self.level])
        if "OPENBLAS_CORETYPE" in os.environ:
            env["OPENBLAS_CORETYPE"] = os.environ["OPENBLAS_CORETYPE"]
        return env

    def pick_torch(self, d, N):
        """The fastest of the level's candidate settings of PyTorch on the train step at N (data in d)"""
        cands = TORCH_CANDIDATES.get(self.level, [TORCH_LEVEL_ENV[self.level]])
        if len(cands) < 2 or "OPENBLAS_CORETYPE" in os.environ:
            return []
        times = [[] for _ in cands]
        for rnd in range(2):
            for i in (range(len(cands)) if rnd == 0 else reversed(range(len(cands)))):
                r = self.torch(f"PyTorch's settings, round {rnd + 1} of 2: train-step N={N}", d, 2, 1, cands[i], 1800)
                times[i] += (r.get("torch.train") or {}).get("reps", [])
        med = [statistics.median(t) if t else float("inf") for t in times]
        if min(med) == float("inf"):
            return []
        self.torch_pick = cands[med.index(min(med))]
        return [(c, m) for c, m in zip(cands, med)]

    def torch(self, label, d, reps, warmup, env, timeout=3600):
        """The PyTorch reference's train step on the weights and data in d, 2 threads"""
        return self.run(label, [self.args.python, os.path.join(ROOT, "bench", "reference.py"), "train", d, "--threads", "2",
                                "--reps", str(reps), "--warmup", str(warmup)], timeout, env=env)

    def hycast(self, label, ranks, opts, timeout=900, env=None):
        return self.run(label, self.mpiexec + ["-n", str(ranks)] + self.bench + opts, timeout, env)


def fmt_t(s):
    return "-" if s is None else (f"{s * 1e3:.3g} ms" if s < 1 else f"{s:.3g} s")


def fmt_b(b):
    return "-" if b is None else f"{b / 2**30:.2f} GiB" if b >= 2**30 else f"{b / 2**20:.0f} MiB"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results.md"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--sizes", default="64,128,256", help="train-step grid sizes")
    ap.add_argument("--rhs-n", type=int, default=256)
    ap.add_argument("--forecast-n", type=int, default=512)
    ap.add_argument("--forecast-steps", type=int, default=1000)
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch reference")
    ap.add_argument("--python", default=os.environ.get("PYTHON", "/usr/bin/python3"))
    ap.add_argument("--isa", help="the x86-64 level the build was made for (make bench ISA=LEVEL): results go to "
                    "bench/results-LEVEL.md, and bench/results.md's table of levels shows them")
    ap.add_argument("--no-clones", action="store_true", help="the build has the kernels of one level only")
    ap.add_argument("--hycast", default=os.path.join(ROOT, "bin", "hycast"), help="the hycast of the global-grid section")
    ap.add_argument("--no-global", action="store_true", help="skip the global-grid section (ERSST, a few minutes)")
    ap.add_argument("--only-global", action="store_true", help="run the global-grid section alone, into "
                    "bench/results-global.md")
    args = ap.parse_args()
    if args.isa and args.out == os.path.join(ROOT, "bench", "results.md"):
        args.out = os.path.join(ROOT, "bench", f"results-{args.isa}.md")
    if args.only_global:
        return only_global(args)
    args.build = os.path.abspath(args.build)
    sizes = [int(n) for n in args.sizes.split(",")]
    big = max(sizes)
    R = Runner(args)
    reps = ["-bench_reps", str(args.reps), "-bench_warmup", "1"]
    start, load0 = time.time(), loadavg()
    info = machine(args.python, args)
    print("machine:\n" + "\n".join(f"  {k}: {v}" for k, v in info.items()) + f"\n  load average at start: {load0}", flush=True)
    res = {}
    n = str(args.rhs_n)
    res["rhs"] = R.hycast("rhs", 2, ["-grid_nx", n, "-grid_ny", n, "-bench_mode", "rhs"] + reps)
    level = res["rhs"].get("kernels", {}).get("level", "?")
    info["level of the MLP and Fourier-layer kernels (as run)"] = level + (
        f" (HYCAST_ISA={os.environ['HYCAST_ISA']})" if os.environ.get("HYCAST_ISA") else "")
    # milliseconds per repetition: 25 alternated pairs, so that the medians ride out a burst of load on the shared host
    res["fft"] = R.hycast("fft", 2, ["-grid_nx", n, "-grid_ny", n, "-bench_mode", "fft", "-bench_reps",
                                     str(max(args.reps, 25)), "-bench_warmup", "1"])
    n = str(args.forecast_n)
    res["forecast"] = R.hycast("forecast", 2, ["-grid_nx", n, "-grid_ny", n, "-bench_mode", "forecast", "-model_terms", "advdiff",
                                               "-model_dt", "0.001", "-model_cfl_check", "1", "-bench_steps",
                                               str(args.forecast_steps)] + reps)
    tmp = tempfile.mkdtemp(prefix="hycast-bench-")
    res["train"], res["torch"] = {}, {}
    torch_ok = not args.no_torch and subprocess.run([args.python, "-c", "import torch, netCDF4"], capture_output=True).returncode == 0
    # hycast and PyTorch side by side per N, hycast again after PyTorch where PyTorch repeats: the machine is shared and its
    # speed drifts over minutes, so each ratio compares runs made under the same conditions
    for N in sizes:
        d = os.path.join(tmp, str(N))
        os.makedirs(d, exist_ok=True)
        hopts = ["-grid_nx", str(N), "-grid_ny", str(N), "-bench_mode", "train"] + reps
        res["train"][N] = R.hycast(f"train-step N={N}, hycast 2 ranks", 2, hopts + ["-bench_write", d])
        if N == big:
            res["scaling"] = scaling(R, N, args.reps)
        if not torch_ok:
            continue
        if N == sizes[0]:
            res["torch_pick"] = R.pick_torch(d, N)
        once = N >= 256
        res["torch"][N] = R.torch(f"train-step N={N}, PyTorch 2 threads" + (" (one repetition, no warm-up)" if once else ""),
                                  d, 1 if once else args.reps, 0 if once else 1, R.torch_env())
        if not once:
            again = R.hycast(f"train-step N={N}, hycast 2 ranks, again after PyTorch", 2, hopts)
            first, second = res["train"][N].get("train"), again.get("train")
            if first and second:
                first["reps"] += second["reps"]
                first["median"] = statistics.median(first["reps"])
                if "peak_bytes" in second:
                    first["peak_bytes"] = str(max(float(first.get("peak_bytes", 0)), float(second["peak_bytes"])))
    res["global"] = global_grid(R, args, tmp) if not args.no_global else None
    res["levels"] = alternate_levels(R, args, sizes, res, tmp, torch_ok) if not args.isa and not args.no_clones else None
    res["torch_env"] = {R.level: R.torch_env()}
    elapsed, load1 = time.time() - start, loadavg()
    info["PyTorch's settings (sections 2 and 6 at this level)"] = " ".join(f"{k}={v}" for k, v in R.torch_env().items()) + (
        ", the fastest of: " + "; ".join(f"{' '.join(f'{k}={v}' for k, v in c.items())} {fmt_t(m)}"
                                        for c, m in res["torch_pick"]) if res.get("torch_pick") else "")
    report = tables(res, sizes, big, args, torch_ok)
    report += global_table(res.get("global"))
    report += alternated_table(res, sizes, args)
    head = [f"# hycast benchmark results ({datetime.datetime.now().strftime('%Y-%m-%d %H:%M')})", "",
            "Produced by `make bench` (bench/run-bench.py); the problem and the figures are those of BENCHMARKS.md "
            "(docs/benchmarks.md). Medians of the repetitions, absolute times beside the ratios.", "", "## Machine", ""]
    head += [f"- {k}: {v}" for k, v in info.items()]
    head += [f"- load average (1, 5, 15 min) at start: {load0}; at the end: {load1} (the machine is shared: a load above "
             "0 means other processes took CPU time during the run)", f"- total time of the run: {elapsed / 60:.1f} min", ""]
    summary = level_summary(res, sizes, level, info["CPU"], load0, load1)
    with open(os.path.join(ROOT, "bench", f"levels-{level}.json"), "w") as f:
        json.dump(summary, f, indent=1)
    report += levels_table(args)
    text = "\n".join(head + report) + "\n"
    print("\n" + text)
    with open(args.out, "w") as f:
        f.write(text)
    print(f"written to {os.path.relpath(args.out, ROOT)}")
    return 0


def level_summary(res, sizes, level, cpu, load0, load1):
    """The figures issue 29 compares between x86-64 levels, for the table of levels (bench/levels-LEVEL.json)."""
    s = {"level": level, "cpu": cpu, "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "load": f"{load0} / {load1}"}
    s["mlp_kernel"] = get(res["rhs"], "rhs.mlp.kernel")
    s["fno_kernel"] = get(res["rhs"], "rhs.fno.kernel")
    tl, tb = get(res["fft"], "fft.layer"), get(res["fft"], "fft.bare")
    s["fft_ratio"] = tl / tb if tl and tb else None
    for N in sizes:
        s[f"train_{N}"] = get(res["train"][N], "train")
        s[f"torch_{N}"] = get(res["torch"].get(N, {}), "torch.train")
    return s


def levels_table(args):
    """bench/results.md's table of the levels measured on this machine (make bench ISA=LEVEL, and make bench)."""
    rows = []
    for p in sorted(glob.glob(os.path.join(ROOT, "bench", "levels-*.json"))):
        with open(p) as f:
            rows.append(json.load(f))
    if not rows:
        return []
    top = next((r for r in rows if r["level"] == "x86-64-v4"), None)
    out = ["## Every x86-64 level", "",
           "The last `make bench` of each level on this machine (`make bench ISA=LEVEL` builds the kernels for that level "
           "only: bench/results-LEVEL.md; plain `make bench` runs the CPU's own level). Kernel times at N = 256 on 2 ranks; "
           "x v4: the level's time over x86-64-v4's, from different runs (the load differs).", "",
           "| level | run (load at start / end) | 'mlp' kernel | x v4 | 'fno' kernel | x v4 | Fourier layer / bare FFTs "
           "| torch/hycast N = 64 | N = 128 |", "|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: r["level"], reverse=True):
        def x(k):
            return "-" if not top or not r.get(k) or not top.get(k) else f"{r[k] / top[k]:.2f}"

        def tr(N):
            t, h = r.get(f"torch_{N}"), r.get(f"train_{N}")
            return "-" if not t or not h else f"{t / h:.2f} ({fmt_t(h)})"

        out.append(f"| {r['level']} | {r['date']} ({r['load']}) | {fmt_t(r.get('mlp_kernel'))} | {x('mlp_kernel')} | "
                   f"{fmt_t(r.get('fno_kernel'))} | {x('fno_kernel')} | "
                   f"{'-' if r.get('fft_ratio') is None else format(r['fft_ratio'], '.2f')} | {tr(64)} | {tr(128)} |")
    return out + [""]




def cpu_levels():
    """The x86-64 levels of LEVELS this CPU has (the kernels' levels: v2 runs the baseline's kernels)."""
    flags = set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    need = {"x86-64-v4": {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl", "avx2", "fma"},
            "x86-64-v3": {"avx2", "fma", "bmi2", "movbe"}, "x86-64": set()}
    return [l for l in LEVELS if need[l] <= flags]


def alternate_levels(R, args, sizes, res, tmp, torch_ok):
    """Issue 29's comparisons between levels, made in this run: the usual build's kernels forced to each level the CPU
    has (HYCAST_ISA), the levels alternated within each of 3 rounds, so that a burst of load falls on all of them:
    the MLP and Fourier-layer kernels at N = rhs_n, the Fourier layer against its bare FFTs, and the train step at each
    N of sizes below 256 (PyTorch's time of section 2, measured minutes apart, gives torch/hycast per level)."""
    levels, n = cpu_levels(), str(args.rhs_n)
    out = {l: {"mlp": [], "fno": [], "layer": [], "bare": [], "gemm.hycast": [], "gemm.blas_blocks": [], "gemm.blas_panels": [],
               **{N: [] for N in sizes if N < 256},
               **{f"torch{N}": [] for N in sizes if N < 256}} for l in levels}
    for rnd in range(3):
        for l in (levels if rnd % 2 == 0 else levels[::-1]):
            env = {"HYCAST_ISA": l, "OPENBLAS_CORETYPE": BLAS_CORE[l]}
            r = R.hycast(f"levels, round {rnd + 1} of 3: rhs at {l}", 2, ["-grid_nx", n, "-grid_ny", n, "-bench_mode", "rhs",
                                                                      "-bench_reps", "3", "-bench_warmup", "1"], env=env)
            out[l]["mlp"] += [x for x in [get(r, "rhs.mlp.kernel")] if x]
            out[l]["fno"] += [x for x in [get(r, "rhs.fno.kernel")] if x]
            r = R.hycast(f"levels, round {rnd + 1} of 3: fft at {l}", 2, ["-grid_nx", n, "-grid_ny", n, "-bench_mode", "fft",
                                                                      "-bench_reps", "9", "-bench_warmup", "1"], env=env)
            out[l]["layer"] += [x for x in [get(r, "fft.layer")] if x]
            out[l]["bare"] += [x for x in [get(r, "fft.bare")] if x]
            r = R.hycast(f"levels, round {rnd + 1} of 3: gemm at {l}", 2, ["-grid_nx", n, "-grid_ny", n, "-bench_mode", "gemm",
                                                                       "-bench_reps", "5", "-bench_warmup", "1"], env=env)
            for k in ("hycast", "blas_blocks", "blas_panels"):
                out[l][f"gemm.{k}"] += [x for x in [get(r, f"gemm.{k}")] if x]
            for N in sizes:
                if N < 256:
                    r = R.hycast(f"levels, round {rnd + 1} of 3: train-step N={N} at {l}", 2,
                                 ["-grid_nx", str(N), "-grid_ny", str(N), "-bench_mode", "train", "-bench_reps", "3",
                                  "-bench_warmup", "1"], env=env)
                    out[l][N] += (r.get("train") or {}).get("reps", [])
                    if torch_ok and l in TORCH_LEVEL_ENV:
                        # right after hycast's, on the weights and data of section 2
                        r = R.torch(f"levels, round {rnd + 1} of 3: train-step N={N}, PyTorch at {l}",
                                    os.path.join(tmp, str(N)), 1, 1, R.torch_env() if l == R.level else TORCH_LEVEL_ENV[l])
                        out[l][f"torch{N}"] += (r.get("torch.train") or {}).get("reps", [])
    return out


def alternated_table(res, sizes, args):
    lv = res.get("levels")
    if not lv:
        return []
    med = {l: {k: statistics.median(v) if v else None for k, v in d.items()} for l, d in lv.items()}
    top = med[next(iter(med))]
    Ns = [N for N in sizes if N < 256]
    envs = {**TORCH_LEVEL_ENV, **res.get("torch_env", {})}  # the CPU's own level: the setting section 2 picked
    out = ["## 6. levels: the kernels at each x86-64 level in this run", "",
           f"The usual build's MLP and Fourier-layer kernels forced to each level this CPU has (HYCAST_ISA), the levels "
           f"alternated within each of 3 rounds; medians over the rounds. Kernel times (log events) at N = {args.rhs_n} on 2 "
           f"ranks; x top: the level's time over the first row's. PyTorch at the level: right after hycast's train step in "
           f"each round, PyTorch held to the level ({'; '.join(f'{l}: ' + ' '.join(f'{k}={v}' for k, v in e.items()) for l, e in envs.items() if l in lv)}), "
           f"one repetition after a warm-up; torch/hycast: its time over the level's hycast train step (in brackets: "
           f"PyTorch as it runs here, section 2, over the same).", "",
           "| level | 'mlp' kernel | x top | 'fno' kernel | x top | Fourier layer / bare FFTs | " +
           " | ".join(f"train N = {N}: hycast | PyTorch at the level | torch/hycast" for N in Ns) + " |",
           "|---|---|---|---|---|---|" + "---|---|---|" * len(Ns)]
    for l, m in med.items():
        def x(k):
            return ratio(m[k], top[k])

        cols = []
        for N in Ns:
            tt, tl = get(res["torch"].get(N, {}), "torch.train"), m.get(f"torch{N}")
            cols.append(f"{fmt_t(m[N])} | {fmt_t(tl) if tl else '-'} | {ratio(tl, m[N]) if tl else '-'} ({ratio(tt, m[N])})")
        lay = ratio(m["layer"], m["bare"])
        out.append(f"| {l} | {fmt_t(m['mlp'])} | {x('mlp')} | {fmt_t(m['fno'])} | {x('fno')} | {lay} | " + " | ".join(cols) + " |")
    out += ["", f"The MLP's dense layers alone (`hybrid-bench -bench_mode gemm`, N = {args.rhs_n}, 2 ranks; the benchmark's "
            "widths with ReLU, forward and adjoint with the weight gradient): hycast's block kernels at the level against "
            "OpenBLAS dgemm with the level's kernels (OPENBLAS_CORETYPE above) on the same blocks of 64 cells and on panels "
            "of 4096 cells; the run checks that the three give the same gradient.", "",
            "| level | hycast kernels | dgemm, blocks of 64 | dgemm, panels of 4096 | dgemm / hycast (blocks, panels) |",
            "|---|---|---|---|---|"]
    for l, m in med.items():
        h, bb, bp = m["gemm.hycast"], m["gemm.blas_blocks"], m["gemm.blas_panels"]
        out.append(f"| {l} | {fmt_t(h)} | {fmt_t(bb)} | {fmt_t(bp)} | {ratio(bb, h)}, {ratio(bp, h)} |")
    # issue 29's targets, from the table above
    out += ["", "| target (issue 29) | measured | reached |", "|---|---|---|"]
    v3 = med.get("x86-64-v3")
    if v3:
        v = [ratio(v3.get(f"torch{N}"), v3[N]) for N in Ns]
        out.append(f"| x86-64-v3: PyTorch at the level / hycast train step >= 5 at N = {', '.join(map(str, Ns))} | "
                   f"{', '.join(v)} | {'yes' if all(x != '-' and float(x) >= 5 for x in v) else 'no'} |")
    v = [f"{l} {ratio(m['layer'], m['bare'])}" for l, m in med.items()]
    out.append(f"| Fourier layer / bare FFTs <= 1.5 at every level | {', '.join(v)} | "
               f"{'yes' if all(x.split()[-1] != '-' and float(x.split()[-1]) <= 1.5 for x in v) else 'no'} |")
    if "x86-64-v4" in med:
        for l, m in med.items():
            if l == "x86-64-v4":
                continue
            lim = 5 if l == "x86-64" else 2.5
            v = [ratio(m[k], med["x86-64-v4"][k]) for k in ("mlp", "fno")]
            out.append(f"| {l}: MLP and Fourier kernels within {lim}x of x86-64-v4's | {', '.join(v)} | "
                       f"{'yes' if all(x != '-' and float(x) <= lim for x in v) else 'no'} |")
    return out + [""]


def scaling(R, N, reps):
    """The scaling figure: reps pairs of runs on 1 and 2 ranks, one after the other (the order alternating, so that a
    drift of the machine's speed shows in both), each run one train step after a warm-up step.  The speed-up is the
    median of the pairs' ratios: on this shared machine the same run's time moves by 20-30% within minutes, and runs
    made seconds apart see the same conditions where runs made a minute apart need not."""
    opts = ["-grid_nx", str(N), "-grid_ny", str(N), "-bench_mode", "train", "-bench_reps", "1", "-bench_warmup", "1"]
    pairs, errors = [], []
    for i in range(reps):
        t = {}
        for ranks in ((1, 2) if i % 2 == 0 else (2, 1)):
            r = R.hycast(f"scaling: train-step N={N}, pair {i + 1} of {reps}, hycast {ranks} rank(s)", ranks, opts)
            t[ranks] = get(r, "train")
            if r.get("error"):
                errors.append(f"pair {i + 1}, {ranks} rank(s): {r['error']}")
        if t[1] and t[2]:
            pairs.append((t[1], t[2]))
    res = {"reps": reps, "pairs": pairs, "errors": errors}
    if pairs:
        res.update(t1=statistics.median(p[0] for p in pairs), t2=statistics.median(p[1] for p in pairs),
                   speedup=statistics.median(p[0] / p[1] for p in pairs))
    return res


# the global-grid section (issue 25): the models, and the polar filter's cut-off latitude against none
GLOBAL_MODELS = (("physics-only", ["-model_terms", "advdiff"]),
                 ("hybrid (advdiff + pointwise MLP)", ["-model_terms", "advdiff,mlp", "-mlp_feature_scale", "1,0,0",
                                                       "-mlp_static", "lat"]))
GLOBAL_FILTER = 60


def global_grid(R, args, tmp):
    """ERSST on its whole grid: per model, one training epoch without the polar filter and one with it; the steps per
    month (the trainer's summary) and the seconds of the epoch (its progress line)"""
    data = os.path.join(os.environ.get("HYCAST_DATA") or os.path.join(ROOT, "..", "shared", "data"), "ersst",
                        "sst.mnmean.nc")
    if not os.access(data, os.R_OK):
        return {"skipped": f"{data} not found"}
    base = ["train", "-data_file", data, "-data_vars", "sst", "-data_dates", "2010-01-01,2010-12-31",
            "-physics_diffusivity", "2000", "-physics_velocity", "0.02,0", "-train_optimizer", "adam", "-train_window", "2",
            "-train_split", "1,0", "-train_epochs", "1", "-o", os.path.join(tmp, "global.nc")]
    out = {"data": data, "rows": []}
    for name, opts in GLOBAL_MODELS:
        for lat in (0, GLOBAL_FILTER):
            R.run(f"global grid, {name}, -model_polar_filter {lat}", R.mpiexec + ["-n", "2", args.hycast] + base + opts +
                  ["-model_polar_filter", str(lat)], 1800)
            text = R.log[-1][2]
            st = re.search(r"observation interval .* = (\d+)(?: \.\. (\d+))? step\(s\)", text)
            ep = re.search(r"^epoch +1 .* ([0-9.]+)s/epoch", text, re.M)
            out["rows"].append({"model": name, "filter": lat, "steps": f"{st.group(1)}-{st.group(2)}" if st and st.group(2)
                                else st.group(1) if st else "-", "epoch": float(ep.group(1)) if ep else None,
                                "error": None if ep else (text.strip().splitlines() or ["no output"])[-1]})
    return out


def only_global(args):
    """make bench BENCH_ARGS=--only-global: the global-grid section alone, with the machine's description"""
    if args.out == os.path.join(ROOT, "bench", "results.md"):
        args.out = os.path.join(ROOT, "bench", "results-global.md")
    R, start, load0 = Runner(args), time.time(), loadavg()
    info = machine(args.python, args)
    g = global_grid(R, args, tempfile.mkdtemp(prefix="hycast-bench-"))
    head = [f"# hycast benchmark: the global grid alone ({datetime.datetime.now().strftime('%Y-%m-%d %H:%M')})", "",
            "Produced by `make bench BENCH_ARGS=--only-global` (bench/run-bench.py).", "", "## Machine", ""]
    head += [f"- {k}: {v}" for k, v in info.items()]
    head += [f"- load average (1, 5, 15 min) at start: {load0}; at the end: {loadavg()}",
             f"- total time of the run: {(time.time() - start) / 60:.1f} min", ""]
    text = "\n".join(head + global_table(g)) + "\n"
    print("\n" + text)
    with open(args.out, "w") as f:
        f.write(text)
    print(f"written to {os.path.relpath(args.out, ROOT)}")
    return 0


def global_table(g):
    if not g:
        return []
    out = ["## Global grid: ERSST v5 on its whole 2-degree grid (180 x 89 cells, rows at +-88 deg, land masked)", ""]
    if "skipped" in g:
        return out + [f"Skipped: {g['skipped']}.", ""]
    out += ["One training epoch (Adam, windows of 2 months over 2010, 2 ranks, K = 2000 m^2/s, current (0.02, 0) m/s), "
            f"without the polar filter and with `-model_polar_filter {GLOBAL_FILTER}`; RK4 steps per month from the "
            "trainer's summary, seconds from its epoch line.", "",
            "| model | polar filter | RK4 steps per month | seconds per epoch | speed-up |", "|---|---|---|---|---|"]
    rows = g["rows"]
    for r in rows:
        before = next((b for b in rows if b["model"] == r["model"] and b["filter"] == 0), None)
        sp = ratio(before["epoch"], r["epoch"]) if r["filter"] and before else "1" if r["epoch"] else "-"
        filt = f"poleward of {r['filter']} deg" if r["filter"] else "none"
        out.append(f"| {r['model']} | {filt} | {r['steps']} | {fmt_t(r['epoch']) if r['epoch'] else r['error']} | {sp} |")
    return out + [""]


def get(d, key, field="median"):
    try:
        v = d[key][field]
        return float(v) if not isinstance(v, list) else v
    except (KeyError, TypeError, ValueError):
        return None


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "-"


def tables(res, sizes, big, args, torch_ok):
    out = []
    rhs, fft, fc = res["rhs"], res["fft"], res["forecast"]
    stream = get(rhs, "stream.dram", "bandwidth")
    out += [f"## 1. rhs: F(u) at N = {args.rhs_n}, hycast on 2 ranks", "",
            "| what | time | effective bandwidth | of STREAM (DRAM) |", "|---|---|---|---|"]
    out.append(f"| F(u) = physics + MLP + Fourier layer (HcModelApplyRHS) | {fmt_t(get(rhs, 'rhs.all'))} | | |")
    for key in [k for k in rhs if k.startswith("rhs.") and k != "rhs.all"]:
        bw = get(rhs, key, "bandwidth")
        name = key[4:]
        what = (f"term '{name[:-7]}' alone, its kernel only (log event)" if name.endswith(".kernel") else
                f"term '{name}' alone (HcTermApply: its own ghost-row exchange overlapped with the interior rows, kernel "
                f"writing F)" if rhs[key].get("type") == "advdiff"
                else f"term '{name}' alone (HcTermApply: ghost exchange, zeroing of F, kernel)")
        physics = rhs[key].get("type") == "advdiff"
        out.append(f"| {what} | {fmt_t(get(rhs, key))} | {bw / 1e9:.1f} GB/s | "
                   f"{100 * bw / stream:.0f}% |" if physics and bw and stream else f"| {what} | {fmt_t(get(rhs, key))} | | |")
    for key, what in (("stream.dram", "STREAM triad, 3 arrays of 64 MiB per rank (DRAM)"),
                      ("stream.cache", "STREAM triad at the size of a rank's part of u (caches)")):
        bw = get(rhs, key, "bandwidth")
        out.append(f"| {what} | {fmt_t(get(rhs, key))} | {bw / 1e9:.1f} GB/s | |" if bw else f"| {what} | - | - | |")
    out += ["", "Effective bandwidth: (bytes of u read + bytes of F written) / time, 2 x N^2 x 2 fields x 8 bytes. Each "
            "repetition times 20 calls in a row (-bench_rhs_batch; times per call): one call of the physics term takes about "
            "0.1 ms, the order of the ranks' skew after a barrier. The physics term's kernel time (its log event) leaves out only the "
            "wait for the ghost rows.", ""]

    out += [f"## 2. train-step: forward + gradient of the batch (4 windows x 10 RK4 steps), hycast on 2 ranks, PyTorch on 2 "
            "threads", "", "| N | hycast | PyTorch | torch/hycast time | hycast peak memory | PyTorch peak memory | "
            "torch/hycast memory | loss: torch vs hycast |", "|---|---|---|---|---|---|---|---|"]
    for N in sizes:
        h, t = res["train"].get(N, {}), res["torch"].get(N, {})
        th, tt = get(h, "train"), get(t, "torch.train")
        mh, mt = get(h, "train", "peak_bytes"), get(t, "torch.train", "peak_bytes")
        note = " (1 repetition, no warm-up)" if N >= 256 and tt else ""
        err = t.get("error") if t else None
        tcol = fmt_t(tt) + note if tt else (err or ("not run" if not torch_ok else "-"))
        out.append(f"| {N} | {fmt_t(th)} | {tcol} | {ratio(tt, th)} | {fmt_b(mh)} | {fmt_b(mt)} | {ratio(mt, mh)} | "
                   f"{t['torch.train'].get('loss_vs_hycast', '-') if tt else '-'} |")
    out += ["", "Peak memory: the sum over hycast's ranks of their peak resident set (getrusage), against the peak "
            "resident set of the Python process. The last column is the relative difference of the two losses (the "
            "same weights and data: bench/hybrid-bench -bench_write).", ""]

    tl, tb = get(fft, "fft.layer"), get(fft, "fft.bare")
    out += [f"## 3. fft: the Fourier layer's forward at N = {args.rhs_n}, 2 ranks", "", "| what | time |", "|---|---|",
            f"| Fourier layer forward (HcTermApply of the fno term) | {fmt_t(tl)} |",
            f"| bare FFTW forward + inverse, 16 channels, full 2-D transforms, FFTW_MEASURE | {fmt_t(tb)} |",
            f"| ratio layer / bare transforms | {ratio(tl, tb)} |", ""]

    sc = res.get("scaling", {})
    speedup = f"{sc['speedup']:.2f}" if "speedup" in sc else "-"
    out += [f"## 4. scaling: train-step at N = {big}", "", "| ranks | time (median) | speed-up (median of the pairs' ratios) |",
            "|---|---|---|", f"| 1 | {fmt_t(sc.get('t1'))} | 1 |", f"| 2 | {fmt_t(sc.get('t2'))} | {speedup} |", "",
            f"{len(sc.get('pairs', []))} of {sc.get('reps', 0)} pairs of runs on 1 and 2 ranks one right after the other, the "
            "order alternating, each timing one train step after a warm-up step; the speed-up is the median of the pairs' "
            "ratios, not the ratio of the two medians beside it. Per pair (1 rank / 2 ranks = ratio): " +
            ("; ".join(f"{fmt_t(a)} / {fmt_t(b)} = {a / b:.2f}" for a, b in sc.get("pairs", [])) or "none") + "." +
            ("".join(f" Failed: {e.rstrip('.')}." for e in sc.get("errors", []))), ""]

    tf, cu = get(fc, "forecast"), get(fc, "forecast", "cell_updates_per_s")
    out += [f"## 5. forecast: physics-only RK4, {args.forecast_steps} steps at N = {args.forecast_n}, 2 ranks", "",
            "| time | grid-cell updates per second |", "|---|---|",
            f"| {fmt_t(tf)} | {cu / 1e6:.1f} million |" if cu else "| - | - |", ""]

    phys, physall = get(rhs, "rhs.physics.kernel", "bandwidth"), get(rhs, "rhs.physics", "bandwidth")
    nbig = " and ".join(str(N) for N in sizes if N >= 128) or "128"
    goals = [(f"train-step at N = {nbig}: hycast >= 5x faster than PyTorch",
              [ratio(get(res['torch'].get(N, {}), 'torch.train'), get(res['train'].get(N, {}), 'train')) for N in sizes if N >= 128],
              lambda v: bool(v) and all(x != "-" and float(x) >= 5 for x in v)),
             (f"train-step peak memory at N = {nbig} <= 1/10 of PyTorch's",
              [ratio(get(res['torch'].get(N, {}), 'torch.train', 'peak_bytes'), get(res['train'].get(N, {}), 'train', 'peak_bytes'))
               for N in sizes if N >= 128], lambda v: bool(v) and all(x != "-" and float(x) >= 10 for x in v)),
             ("physics RHS >= 60% of STREAM (kernel; with HcTermApply's ghost exchange)",
              [f"{100 * phys / stream:.0f}%" if phys and stream else "-",
               f"{100 * physall / stream:.0f}%" if physall and stream else "-"],
              lambda v: "; ".join(f"{w} {'yes' if x != '-' and float(x[:-1]) >= 60 else 'no'}"
                                  for w, x in zip(("kernel", "with the exchange"), v))),
             ("Fourier layer within 1.5x of its bare FFTs", [ratio(tl, tb)], lambda v: v[0] != "-" and float(v[0]) <= 1.5),
             (f"2-rank speed-up of train-step at N = {big} >= 1.7", [speedup], lambda v: v[0] != "-" and float(v[0]) >= 1.7)]
    out += ["## Goals of BENCHMARKS.md", "", "| goal | measured | reached |", "|---|---|---|"]
    for what, v, ok in goals:
        r = ok(v)  # True/False, or a text when the goal has parts
        out.append(f"| {what} | {', '.join(v)} | {r if isinstance(r, str) else 'yes' if r else 'no'} |")
    return out


if __name__ == "__main__":
    sys.exit(main())
