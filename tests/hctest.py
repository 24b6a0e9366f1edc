"""Shared by the Python tests that run hycast: the hycast under test, mpiexec, checks that count failures, a temporary
directory removed at the end, and the exit status (1 if a check failed)."""
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HYCAST = os.environ.get("HYCAST_BIN") or os.path.join(ROOT, "bin", "hycast")  # tests/run.py gives the hycast under test
MPI = shlex.split(os.environ.get("MPIEXEC", "mpiexec"))


class Test:
    def __init__(self, name):
        self.tmp = tempfile.mkdtemp(prefix=name + "-")
        self.failed = 0

    def path(self, name):
        return os.path.join(self.tmp, name)

    def check(self, ok, what):
        self.failed += not ok
        print(f"  {'ok' if ok else 'FAIL':4s} {what}")

    def run(self, args, n=1):
        """hycast ARGS on n ranks from the repository root; its output, or the end of the test if it fails."""
        cmd = (MPI + ["-n", str(n)] if n > 1 else []) + [HYCAST] + args
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if p.returncode:
            print("$ " + " ".join(cmd) + "\n" + p.stdout + p.stderr)
            shutil.rmtree(self.tmp, ignore_errors=True)
            sys.exit(f"FAILED: exit status {p.returncode}")
        return p.stdout + p.stderr

    def finish(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        print("PASSED" if not self.failed else f"FAILED: {self.failed} check(s)")
        sys.exit(1 if self.failed else 0)
