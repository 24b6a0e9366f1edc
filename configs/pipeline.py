"""Small driver shared by the experiment scripts in configs/ (demo.py, ersst.py, ...): runs bin/hycast steps on MPI
ranks with progress lines, keeps each step's full output in a log file, stops at the first failure with the log's
tail, and formats the summary tables from `hycast evaluate -evaluate_csv` files."""
import csv
import os
import shlex
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HYCAST = os.path.join(ROOT, "bin", "hycast")


class Pipeline:
    def __init__(self, name, out, nsteps, ranks=2):
        self.name, self.out, self.nsteps, self.ranks = name, out, nsteps, ranks
        self.k, self.t0 = 0, time.time()
        os.makedirs(os.path.join(out, "logs"), exist_ok=True)
        self.env = dict(os.environ)
        if os.geteuid() == 0:  # OpenMPI refuses root without these; harmless for other MPIs
                        self.env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        # waiting OpenMPI ranks yield the core instead of spinning: fair on a shared or oversubscribed machine
        self.env.setdefault("OMPI_MCA_mpi_yield_when_idle", "1")
        self.mpiexec = shlex.split(os.environ.get("MPIEXEC", "mpiexec"))

    def path(self, name):
        return os.path.join(self.out, name)

    def _begin(self, title):
        self.k += 1
        print(f"[{self.k}/{self.nsteps}] {title}  (t = {time.time() - self.t0:.0f} s)", flush=True)

    def hycast(self, title, args, show=(), ranks=None, reuse=None):
        """Run `hycast args` on the ranks; echo the command and the output lines starting with one of `show`.
        reuse: an output file; when it and this step's log from an earlier run exist, the step is not run again."""
        self._begin(title)
        n = ranks or self.ranks
        cmd = self.mpiexec + ["-n", str(n), HYCAST] + [str(a) for a in args]
        log = self.path(f"logs/{self.k:02d}-{args[0]}.log")
        print("    $ " + " ".join(shlex.quote(c) for c in ["hycast"] + [str(a) for a in args]), flush=True)
        if reuse and os.path.exists(reuse) and os.path.exists(log):
            with open(log) as f:
                lines = f.read().splitlines()
            print(f"    reused {os.path.relpath(reuse, ROOT)} and {os.path.relpath(log, ROOT)} of an earlier run "
                  "(delete them to run this step again)", flush=True)
            return lines
        t = time.time()
        lines = []
        with open(log, "w", buffering=1) as f, subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                                                   stderr=subprocess.STDOUT, text=True) as p:
            for line in p.stdout:
                f.write(line)
                lines.append(line.rstrip("\n"))
                if show and line.lstrip().startswith(tuple(show)):
                    print("    " + line.rstrip(), flush=True)
        if p.returncode:
            print("\n".join(lines[-25:]), file=sys.stderr)
            sys.exit(f"{self.name}: step {self.k} ({title}) failed with exit status {p.returncode}; full output in {log}")
        print(f"    done in {time.time() - t:.1f} s (log: {os.path.relpath(log, ROOT)})", flush=True)
        return lines

    def python(self, title, script, args):
        self._begin(title)
        cmd = [sys.executable, os.path.join(ROOT, script)] + [str(a) for a in args]
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if p.returncode:
            sys.exit(f"{self.name}: step {self.k} ({title}) failed:\n{p.stdout}{p.stderr}")
        outs = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-o", "--csv")]
        if outs:
            print(f"    wrote {outs[0]}", flush=True)
        return p.stdout

    def jobs(self, title, jobs, slots=2):
        """Run 1-rank hycast jobs, `slots` at a time (bin/hycast alone: a singleton MPI process, bound to no core).
        jobs: {name: (deps, args)}, args a list or a function called when the job starts (it may read what the
        jobs it depends on wrote); each job's output in logs/NAME.log.  Stops at the first failure."""
        self._begin(title)
        env = dict(self.env, OPENBLAS_NUM_THREADS="1")  # one thread per job: BLAS threads would oversubscribe the cores
        todo, running, done = dict(jobs), {}, set()
        while todo or running:
            for name in [n for n, (deps, _) in todo.items() if set(deps) <= done]:
                if len(running) >= slots:
                    break
                args = todo.pop(name)[1]
                args = [str(a) for a in (args() if callable(args) else args)]
                log = self.path(f"logs/{name}.log")
                f = open(log, "w")
                running[name] = (subprocess.Popen([HYCAST] + args, cwd=ROOT, env=env, stdout=f,
                                                  stderr=subprocess.STDOUT), f, log, time.time())
            if not running:
                sys.exit(f"{self.name}: jobs {', '.join(todo)} wait for jobs that do not exist")
            time.sleep(0.2)
            for name, (p, f, log, t) in list(running.items()):
                if p.poll() is None:
                    continue
                f.close()
                del running[name]
                if p.returncode:
                    for q, g, _, _ in running.values():
                        q.kill()
                        g.close()
                    with open(log) as g:
                        print("".join(g.readlines()[-25:]), file=sys.stderr)
                    sys.exit(f"{self.name}: job {name} failed with exit status {p.returncode}; full output in {log}")
                done.add(name)
                print(f"    {name}: {time.time() - t:.1f} s (t = {time.time() - self.t0:.0f} s)", flush=True)

    def elapsed(self):
        return time.time() - self.t0


def skill(csvfile):
    """{(model, field, lead): {'rmse':..., 'bias':..., 'acc':...}} from an -evaluate_csv file."""
    table = {}
    with open(csvfile) as f:
        for r in csv.DictReader(f):
            table[(r["model"], r["field"], int(r["lead"]))] = {k: float(r[k]) for k in ("rmse", "bias", "acc") if r.get(k)}
    return table


def leads_of(table):
    return sorted({k[2] for k in table})


def markdown_table(rows, header):
    """rows: list of lists of strings; a Markdown table (also readable as plain text)."""
    width = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    fmt = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, width)) + " |"
    return "\n".join([fmt(header), "|" + "|".join("-" * (w + 2) for w in width) + "|"] + [fmt(r) for r in rows])
